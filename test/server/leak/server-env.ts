/**
 * A second, smaller canary session on `test/fixtures/server-env` (the fixture of the other server
 * tests, whose `OrderAPI` hides `SecretZebraDiscount`, `ZebraState` and `CANARY_*` comments, and
 * whose `Pricing` is at `none` for bob, dan and mallory). Every request kind at every identifier
 * of every file, in both schemes; the raw bytes must carry none of the user's forbidden texts.
 *
 * The client never sends these texts here except by opening the fixture's own files, so the
 * check is attributed like the main leak test's (see `harness.ts`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Methods } from '../../../shared/protocol';
import { fileUri, modulesUri } from '../lsp-client';
import type { RecordedSession } from './harness';
import { identifierStarts, walk } from './script';

/** Texts of the fixture that only some users may see. */
export const SERVER_ENV = {
  privateOfOrderApi: [
    'CANARY_PRIVATE_DOC_ZEBRA',
    'CANARY_COMMENT_ZEBRA',
    'CANARY_STRING_ZEBRA',
    'CANARY_MANIFEST_COMMENT',
    'SecretZebraDiscount',
    'ZebraState',
    'zebra_internal',
    'orders.logic',
  ],
  publicOfOrderApi: ["The product's code", 'Creates an order', 'The customer placing the order'],
  pricing: ['Pricing', 'PriceOf', 'prices.logic', 'CANARY_PRICING_DESCRIPTION'],
  reportingBelowReference: ['CountOrders', 'dashboard.logic'],
  policy: ['CANARY_POLICY_COMMENT'],
};

/** The forbidden texts per user of server-env. */
export const SERVER_ENV_USERS: Record<string, string[]> = {
  bob: [...SERVER_ENV.privateOfOrderApi, ...SERVER_ENV.pricing, ...SERVER_ENV.reportingBelowReference, ...SERVER_ENV.policy],
  dan: [
    ...SERVER_ENV.privateOfOrderApi,
    ...SERVER_ENV.publicOfOrderApi,
    ...SERVER_ENV.pricing,
    'Sales dashboards',
    ...SERVER_ENV.reportingBelowReference,
    ...SERVER_ENV.policy,
  ],
  mallory: [
    ...SERVER_ENV.privateOfOrderApi,
    ...SERVER_ENV.publicOfOrderApi,
    'Order placement',
    ...SERVER_ENV.pricing,
    'Sales dashboards',
    ...SERVER_ENV.reportingBelowReference,
    ...SERVER_ENV.policy,
    'FormatMoney',
  ],
};

const METHODS = [
  'textDocument/hover',
  'textDocument/completion',
  'textDocument/signatureHelp',
  'textDocument/definition',
  'textDocument/references',
  'textDocument/documentHighlight',
  'textDocument/prepareRename',
  'textDocument/rename',
  'textDocument/codeAction',
];

/** Runs the server-env session: file system on every path, every feature at every identifier
 *  of every source and manifest (opened with its own text), symbols, notifications. */
export async function serverEnvSession(s: RecordedSession, root: string): Promise<void> {
  const folder = path.basename(root);
  const M = (rel: string) => modulesUri(folder, rel);
  const { files, dirs } = walk(root);
  const modules = ['Common', 'OrderAPI', 'Portal', 'Reporting', 'Nothing'];
  const calls: [string, unknown][] = [
    [Methods.whoami, {}],
    [Methods.listModules, {}],
  ];
  for (const module of modules) {
    calls.push([Methods.moduleInterface, { module }]);
    for (const m of [Methods.stat, Methods.readFile, Methods.access]) calls.push([m, { uri: `module-interface://${folder}/${module}.logic` }]);
  }
  const uris = [
    ...files.flatMap((f) => [M(f), fileUri(path.join(root, f))]),
    ...dirs.flatMap((d) => [M(d), fileUri(path.join(root, d))]),
    ...['Common', 'OrderAPI', 'Portal', 'Reporting'].map((d) => M(`${d}/INTERFACE.logic`)),
    M('OrderAPI/src/missing.logic'),
    M('../outside'),
  ];
  for (const uri of uris) for (const m of [Methods.stat, Methods.readFile, Methods.readDirectory, Methods.access]) calls.push([m, { uri }]);
  await s.requestAll(calls);

  const docs = files.filter((f) => f.endsWith('.logic') || f.endsWith('.json'));
  let version = 1;
  for (const f of docs) {
    const text = fs.readFileSync(path.join(root, f), 'utf8');
    for (const uri of [fileUri(path.join(root, f)), M(f)]) {
      s.notify('textDocument/didOpen', { textDocument: { uri, languageId: f.endsWith('.json') ? 'json' : 'logic', version: ++version, text } });
      s.notify('textDocument/didChange', { textDocument: { uri, version: ++version }, contentChanges: [{ text: text + '\n  x = OrderAPI.\n' }] });
      const q: [string, unknown][] = [];
      for (const position of identifierStarts(text)) {
        for (const method of uri.startsWith('modules:') ? METHODS : METHODS.slice(0, 2)) {
          q.push([
            method,
            {
              textDocument: { uri },
              position,
              range: { start: position, end: position },
              context: { includeDeclaration: true, diagnostics: [], triggerKind: 1 },
              newName: 'Renamed',
            },
          ]);
        }
      }
      q.push(['textDocument/documentSymbol', { textDocument: { uri } }]);
      await s.requestAll(q);
      s.notify('textDocument/didChange', { textDocument: { uri, version: ++version }, contentChanges: [{ text }] });
      s.notify('textDocument/didSave', { textDocument: { uri } });
    }
  }
  await s.requestAll(['', 'Zebra', 'Secret', 'Price', 'Order', 'Count'].map((query) => ['workspace/symbol', { query }] as [string, unknown]));
  s.notify('workspace/didChangeWatchedFiles', { changes: files.map((f) => ({ uri: fileUri(path.join(root, f)), type: 2 })) });
  s.notify('workspace/didChangeConfiguration', { settings: null });
  await s.sync();
  for (const f of docs) {
    s.notify('textDocument/didClose', { textDocument: { uri: fileUri(path.join(root, f)) } });
    s.notify('textDocument/didClose', { textDocument: { uri: M(f) } });
  }
  await s.sync();
  await s.settle(300);
}
