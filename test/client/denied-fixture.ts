/**
 * The permission-denied page's fixture of the client tests: bob at reference on OrderAPI's
 * Orders.logic, which needs open, and the webview's CSP source and nonce to render it with.
 */
import type { DeniedViewModel } from '../../client/deniedPage';

/** The CSP source and nonce of a webview. */
export const CSP = { cspSource: 'vscode-webview://x', nonce: 'n0nce' };

/** bob (reference on OrderAPI) opening modules/order-api/actions/Orders.logic (open needed). */
export const DENIED_ORDERS: DeniedViewModel = {
  path: 'modules/order-api/actions/Orders.logic',
  module: 'OrderAPI',
  owner: 'alice',
  access: 'reference',
  required: 'open',
  user: 'bob',
};
