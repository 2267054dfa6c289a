/**
 * One interface, one document (issue 13 point 6; docs/DECISIONS.md "One interface document").
 *
 * A module at `reference` has two names for its interface: the virtual
 * `modules://<env>/<module folder>/INTERFACE.logic` that the Explorer shows (SPEC 4) and
 * `module-interface://<env>/<Module>.logic` (SPEC 4's interface document). When the client opened
 * the environment as a module workspace (a `modules://` workspace folder), every
 * location and `moduleInterface.uri` the server sends names the Explorer's `INTERFACE.logic`, so
 * go to definition, references, **Show Interface** and the Explorer open one and the same
 * document (one tab, one lock, one status bar, one breadcrumb). Elsewhere — `file:` workspaces,
 * other LSP clients, a module whose folder the user may not see (SPEC 4.1: nested in a module
 * below `open`, reached by name only), or a user at ≥ `open` who has no `INTERFACE.logic` —
 * it stays `module-interface://`.
 */
import * as path from 'node:path';
import { INTERFACE_FILE_NAME } from '../shared/protocol';
import { interfaceUri, modulesUri } from './uris';
import type { EnvironmentState, Workspace } from './workspace';

/** True when the client opened `state` as a `modules://` workspace folder (module workspace). */
export function clientUsesModules(workspace: Workspace, state: EnvironmentState): boolean {
  return workspace.modulesWorkspaceFolders.has(state.folderName.toLowerCase());
}

/**
 * The URI to send for the interface of `module` (a module name) in `state`.
 * @returns `modules://…/INTERFACE.logic` when the client uses `modules:` and the access decision
 *   serves that file to the user (`interfaceFile`), else `module-interface://<env>/<module>.logic`
 */
export function interfaceLocationUri(workspace: Workspace, state: EnvironmentState, module: string): string {
  const fallback = interfaceUri(state.folderName, module);
  if (!clientUsesModules(workspace, state)) return fallback;
  const info = state.env.modules.find((m) => m.manifest?.name === module);
  if (!info) return fallback;
  const file = path.join(info.folder, INTERFACE_FILE_NAME);
  // The gate's verdict on that path, from the index alone (no disk): the virtual file is served
  // only to users at `reference` (SPEC 4).
  if (workspace.gate(state).decidePath(file).kind !== 'interfaceFile') return fallback;
  return modulesUri(state.folderName, state.root, file);
}
