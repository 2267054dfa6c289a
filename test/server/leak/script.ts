/**
 * The scripted session of the canary leak test: every request and notification kind of LSP 3.17
 * (and the custom ones of SPEC 4, taken from `shared/protocol`), at every position of the consumer
 * files and at the token positions of the protected files, through `file:` and `modules:` URIs,
 * with invalid variants. Requests the server does not implement are sent anyway (they must fail
 * without saying anything).
 *
 * The script is in two parts. The *blind* part never sends a canary: it only uses what the user
 * has (the consumer's sources, URIs of files whose names carry no canary, positions). The *probe*
 * part sends canaries on purpose (URIs of canary-named files and folders, the hidden module's
 * name, documents naming private elements) and collects the answers for the "indistinguishable
 * from a missing one" comparisons of the test; their echoes are not counted as leaks
 * (see `harness.ts`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Methods } from '../../../shared/protocol';
import { fileUri } from '../lsp-client';
import type { Outcome, RecordedSession } from './harness';
import { ALL } from './canaries';

type Pos = { line: number; character: number };

/** Every file and folder below `root` (relative, `/`-separated; `''` is the root). */
export function walk(root: string, rel = ''): { files: string[]; dirs: string[] } {
  const out = { files: [] as string[], dirs: [rel] };
  for (const name of fs.readdirSync(path.join(root, rel)).sort()) {
    const r = rel ? `${rel}/${name}` : name;
    if (fs.statSync(path.join(root, r)).isDirectory()) {
      const sub = walk(root, r);
      out.files.push(...sub.files);
      out.dirs.push(...sub.dirs);
    } else out.files.push(r);
  }
  return out;
}

/** True when a text holds no canary at all. */
export function blind(text: string): boolean {
  return !ALL.some((c) => text.includes(c));
}

/** Every position of a text (each character of each line, and each line's end). */
export function everyPosition(text: string): Pos[] {
  const out: Pos[] = [];
  text.split('\n').forEach((line, i) => {
    for (let c = 0; c <= line.length; c++) out.push({ line: i, character: c });
  });
  return out;
}

/** Token starts and ends (identifiers, numbers, strings, punctuation) of a text. */
export function tokenPositions(text: string, ends = true): Pos[] {
  const out: Pos[] = [];
  const seen = new Set<string>();
  text.split('\n').forEach((line, i) => {
    for (const m of line.matchAll(/[A-Za-z_][A-Za-z0-9_]*|\d+(\.\d+)?|"[^"]*"|\/\/\/?.*|[^\sA-Za-z0-9_]/g)) {
      for (const character of ends ? [m.index!, m.index! + m[0].length] : [m.index!]) {
        const k = `${i}:${character}`;
        if (!seen.has(k) && character <= line.length) {
          seen.add(k);
          out.push({ line: i, character });
        }
      }
    }
  });
  return out;
}

/** The start of every identifier of a text. */
export function identifierStarts(text: string): Pos[] {
  const out: Pos[] = [];
  text.split('\n').forEach((line, i) => {
    for (const m of line.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) out.push({ line: i, character: m.index! });
  });
  return out;
}

/** The raw `modules://` URI of a relative path (no normalisation: `..` and encodings are kept). */
export function rawModulesUri(folder: string, rel: string): string {
  return `modules://${folder}/${rel}`;
}

/** The server capability that announces each request (LSP 3.17/3.18). */
const CAPABILITY_OF: Record<string, string> = {
  'textDocument/completion': 'completionProvider',
  'textDocument/hover': 'hoverProvider',
  'textDocument/signatureHelp': 'signatureHelpProvider',
  'textDocument/definition': 'definitionProvider',
  'textDocument/declaration': 'declarationProvider',
  'textDocument/typeDefinition': 'typeDefinitionProvider',
  'textDocument/implementation': 'implementationProvider',
  'textDocument/references': 'referencesProvider',
  'textDocument/documentHighlight': 'documentHighlightProvider',
  'textDocument/prepareRename': 'renameProvider',
  'textDocument/rename': 'renameProvider',
  'textDocument/linkedEditingRange': 'linkedEditingRangeProvider',
  'textDocument/moniker': 'monikerProvider',
  'textDocument/prepareCallHierarchy': 'callHierarchyProvider',
  'textDocument/prepareTypeHierarchy': 'typeHierarchyProvider',
  'textDocument/onTypeFormatting': 'documentOnTypeFormattingProvider',
  'textDocument/inlineCompletion': 'inlineCompletionProvider',
  'textDocument/codeAction': 'codeActionProvider',
  'textDocument/selectionRange': 'selectionRangeProvider',
  'textDocument/documentSymbol': 'documentSymbolProvider',
  'textDocument/foldingRange': 'foldingRangeProvider',
  'textDocument/semanticTokens/full': 'semanticTokensProvider',
  'textDocument/semanticTokens/full/delta': 'semanticTokensProvider',
  'textDocument/semanticTokens/range': 'semanticTokensProvider',
  'textDocument/codeLens': 'codeLensProvider',
  'textDocument/documentLink': 'documentLinkProvider',
  'textDocument/documentColor': 'colorProvider',
  'textDocument/colorPresentation': 'colorProvider',
  'textDocument/formatting': 'documentFormattingProvider',
  'textDocument/rangeFormatting': 'documentRangeFormattingProvider',
  'textDocument/inlayHint': 'inlayHintProvider',
  'textDocument/inlineValue': 'inlineValueProvider',
  'textDocument/diagnostic': 'diagnosticProvider',
  'workspace/diagnostic': 'diagnosticProvider',
  'workspace/symbol': 'workspaceSymbolProvider',
  'workspace/executeCommand': 'executeCommandProvider',
};

/** Every request method of LSP the script knows (each is sent, announced or not). */
export const KNOWN_REQUESTS = Object.keys(CAPABILITY_OF);

/**
 * Keeps the calls of announced features; of the others (which must fail without saying
 * anything), keeps the first `sample` of each method.
 */
function byCapability(capabilities: Record<string, unknown>, calls: [string, unknown][], sample = 2): [string, unknown][] {
  const kept = new Map<string, number>();
  return calls.filter(([m]) => {
    const cap = CAPABILITY_OF[m];
    if (!cap || capabilities[cap]) return true;
    const n = kept.get(m) ?? 0;
    kept.set(m, n + 1);
    return n < sample;
  });
}

/** Requests at a position (all of LSP 3.17/3.18 that take one). */
function positionalCalls(uri: string, p: Pos): [string, unknown][] {
  const td = { uri };
  const range = { start: p, end: p };
  return [
    ['textDocument/signatureHelp', { textDocument: td, position: p, context: { triggerKind: 1, isRetrigger: false } }],
    ['textDocument/definition', { textDocument: td, position: p }],
    ['textDocument/declaration', { textDocument: td, position: p }],
    ['textDocument/typeDefinition', { textDocument: td, position: p }],
    ['textDocument/implementation', { textDocument: td, position: p }],
    ['textDocument/references', { textDocument: td, position: p, context: { includeDeclaration: true } }],
    ['textDocument/documentHighlight', { textDocument: td, position: p }],
    ['textDocument/prepareRename', { textDocument: td, position: p }],
    ['textDocument/rename', { textDocument: td, position: p, newName: 'RenamedByLeakTest' }],
    ['textDocument/linkedEditingRange', { textDocument: td, position: p }],
    ['textDocument/moniker', { textDocument: td, position: p }],
    ['textDocument/prepareCallHierarchy', { textDocument: td, position: p }],
    ['textDocument/prepareTypeHierarchy', { textDocument: td, position: p }],
    ['textDocument/onTypeFormatting', { textDocument: td, position: p, ch: '.', options: { tabSize: 2, insertSpaces: true } }],
    ['textDocument/inlineCompletion', { textDocument: td, position: p, context: { triggerKind: 1 } }],
    ['textDocument/codeAction', { textDocument: td, range, context: { diagnostics: [], triggerKind: 1 } }],
    ['textDocument/selectionRange', { textDocument: td, positions: [p] }],
  ];
}

/** Requests about a whole document. */
function documentCalls(uri: string, lines: number, diagnostics: unknown[]): [string, unknown][] {
  const td = { uri };
  const range = { start: { line: 0, character: 0 }, end: { line: lines + 1, character: 0 } };
  return [
    ['textDocument/documentSymbol', { textDocument: td }],
    ['textDocument/foldingRange', { textDocument: td }],
    ['textDocument/semanticTokens/full', { textDocument: td }],
    ['textDocument/semanticTokens/full/delta', { textDocument: td, previousResultId: '1' }],
    ['textDocument/semanticTokens/range', { textDocument: td, range }],
    ['textDocument/codeLens', { textDocument: td }],
    ['textDocument/documentLink', { textDocument: td }],
    ['textDocument/documentColor', { textDocument: td }],
    ['textDocument/colorPresentation', { textDocument: td, range, color: { red: 1, green: 0, blue: 0, alpha: 1 } }],
    ['textDocument/formatting', { textDocument: td, options: { tabSize: 2, insertSpaces: true } }],
    ['textDocument/rangeFormatting', { textDocument: td, range, options: { tabSize: 2, insertSpaces: true } }],
    ['textDocument/inlayHint', { textDocument: td, range }],
    ['textDocument/inlineValue', { textDocument: td, range, context: { frameId: 1, stoppedLocation: range } }],
    ['textDocument/diagnostic', { textDocument: td }],
    ['textDocument/willSaveWaitUntil', { textDocument: td, reason: 1 }],
    ['textDocument/codeAction', { textDocument: td, range, context: { diagnostics, triggerKind: 1 } }],
    ['textDocument/codeAction', { textDocument: td, range, context: { diagnostics, only: ['quickfix', 'refactor', 'source'], triggerKind: 2 } }],
    ['workspace/textDocumentContent', { uri }],
  ];
}

/** The resolve request for each item of an answer to these methods. */
const RESOLVE = new Map([
  ['textDocument/completion', 'completionItem/resolve'],
  ['textDocument/codeLens', 'codeLens/resolve'],
  ['textDocument/documentLink', 'documentLink/resolve'],
  ['textDocument/inlayHint', 'inlayHint/resolve'],
  ['workspace/symbol', 'workspaceSymbol/resolve'],
]);

/** The hierarchy calls (`{ item }`) for each item of an answer to these prepare methods. */
const HIERARCHY = new Map([
  ['textDocument/prepareCallHierarchy', ['callHierarchy/incomingCalls', 'callHierarchy/outgoingCalls']],
  ['textDocument/prepareTypeHierarchy', ['typeHierarchy/supertypes', 'typeHierarchy/subtypes']],
]);

/** Follow-up requests on what an answer returned (resolve, hierarchy calls, commands). */
function followUps(method: string, outcome: Outcome): [string, unknown][] {
  if (!outcome.ok || !outcome.result) return [];
  const r = outcome.result as unknown;
  const items = Array.isArray(r) ? r : ((r as { items?: unknown[] }).items ?? []);
  const out: [string, unknown][] = [];
  const resolve = RESOLVE.get(method);
  const hierarchy = HIERARCHY.get(method);
  for (const item of items as Record<string, unknown>[]) {
    if (!item || typeof item !== 'object') continue;
    if (resolve) out.push([resolve, item]);
    for (const call of hierarchy ?? []) out.push([call, { item }]);
    if (method === 'textDocument/codeAction') {
      if ('title' in item && ('kind' in item || 'edit' in item || 'data' in item)) out.push(['codeAction/resolve', item]);
      if (item.command && typeof item.command === 'object') {
        const cmd = item.command as { command: string; arguments?: unknown[] };
        out.push(['workspace/executeCommand', { command: cmd.command, arguments: cmd.arguments ?? [] }]);
      } else if (typeof item.command === 'string') {
        out.push(['workspace/executeCommand', { command: item.command, arguments: item.arguments ?? [] }]);
      }
    }
  }
  return out;
}

/** Sends calls, then their follow-ups (deduplicated), and returns the first-level outcomes. */
async function sendWithFollowUps(s: RecordedSession, all: [string, unknown][], done: Set<string>): Promise<Outcome[]> {
  const calls = byCapability(s.initializeResult.capabilities, all);
  const outcomes = await s.requestAll(calls);
  const next: [string, unknown][] = [];
  outcomes.forEach((o, i) => {
    for (const f of followUps(calls[i][0], o)) {
      const key = f[0] + JSON.stringify(f[1]);
      if (done.has(key)) continue;
      done.add(key);
      next.push(f);
    }
  });
  await s.requestAll(next);
  return outcomes;
}

/** What the probe part collects for the indistinguishability checks. */
export interface ProbeResults {
  /** [label, outcome for the real (hidden) name, outcome for a missing name, real name, missing name] */
  twins: { label: string; real: Outcome; missing: Outcome; realName: string; missingName: string }[];
  /** Single answers the test checks for the user's level (nested module, nested policy, hidden type). */
  checks: Map<string, Outcome>;
  /** Diagnostics of the consumer documents at the end of the blind part. */
  consumerDiagnostics: Map<string, { message: string; code?: unknown; range: { start: Pos } }[]>;
}

/** Options of {@link runScript}. */
export interface ScriptOptions {
  /** The environment folder (a temp copy of the fixture). */
  root: string;
  /** Also run the probe part (canary-carrying requests). */
  probes?: boolean;
  /** Write a harmless text into every file the user may not change (default). The control
   *  session (an admin, who may change everything) writes each file's own text back instead. */
  harmlessWrites?: boolean;
  /** A lighter sweep (for the owner and the admin, who may see most of it anyway): positions at
   *  token starts only, protected files only through `file:`. The same kinds of requests. */
  light?: boolean;
}

const CONSUMER = ['Storefront/screens/checkout.logic', 'Storefront/logic/orders.logic'];
/** A text that a client that cannot read a protected file might open it with: it uses the
 *  module's private elements by their own-module names (as code inside the module could). */
const HOSTILE_PROTECTED_TEXT = `server action LeakProbe(x: Integer) returns (y: Integer) {
  var r = Reconcile(1)
  var l: Ledger
  var d = Deposit(account: "A", amount: 1)
  y = l.
  Reconcile(
  var z = 
}
`;
/** Edits typed into the consumer (inserted as a new last statement of `Pay`), each followed by
 *  completion, hover and signature help at every character of the typed text. */
const TYPED = [
  'Vault.',
  'Vault.R',
  'Vault.Re',
  'Vault.L',
  'Vault.C',
  'Vault.Deposit(',
  'Vault.Deposit(account: ',
  'Vault.Deposit(account: account, ',
  'Vault.Balance(',
  'Vault.Reconcile(',
  'Vault.Reconcile(1, ',
  'Vault.Nonexistent(',
  'Vault.Audit().',
  'Vault.Hushed().', // typed with a structure of the hidden module: a placeholder, no members
  'var h = Vault.Hushed()\n    h.',
  'var e = Vault.Audit()\n    e.',
  'ledger.',
  'missing.',
  'receipt.',
  'Vault.Ledger { ',
  'Vault.Receipt { ',
  'var t: Vault.',
  'var t: List<Vault.',
  'Can',
  'C',
  'V',
  'Vault.Deposit(account: account, amount: Vault.Reconcile(',
];

/**
 * Runs the scripted session on a started {@link RecordedSession}. Answers are not checked here
 * (the bytes are); the probe part's answers are returned for the comparisons of the test.
 */
export async function runScript(s: RecordedSession, options: ScriptOptions): Promise<ProbeResults> {
  const { root } = options;
  const folder = path.basename(root);
  const M = (rel: string) => rawModulesUri(folder, rel);
  const F = (rel: string) => fileUri(path.join(root, rel));
  const { files, dirs } = walk(root);
  const done = new Set<string>();
  const results: ProbeResults = { twins: [], checks: new Map(), consumerDiagnostics: new Map() };
  const capabilities = s.initializeResult.capabilities;

  // ---- custom requests: identity, modules, interfaces -------------------------------------
  await s.requestAll([
    [Methods.whoami, {}],
    [Methods.listModules, {}],
    ...['Vault', 'Storefront', 'NoSuchModule', 'vault', 'VAULT', '', '*', 'Vault ', '../Vault'].map(
      (module) => [Methods.moduleInterface, { module }] as [string, unknown],
    ),
  ]);

  // ---- the file system on every path without a canary (and hostile variants) ---------------
  const blindFiles = files.filter(blind);
  const blindDirs = dirs.filter(blind);
  const rels = [
    ...blindFiles,
    ...blindDirs,
    'Vault/INTERFACE.logic',
    'Storefront/INTERFACE.logic',
    'Vault/src/INTERFACE.logic',
    'Vault/src/nosuch.logic',
    'Vault/nosuchdir',
    'Vault/nosuchdir/x.logic',
    'NoSuchFolder/x.logic',
    'Storefront/../Vault/src/api.logic',
    'Storefront/screens/../../Vault/src/api.logic',
    'Vault/src/./api.logic',
    'Vault/src/api.logic/',
    'Vault/src/api.logic.',
    'vault/src/api.logic',
    'VAULT/SRC/API.LOGIC',
    'Vault%2Fsrc%2Fapi.logic',
    'Vault/src%2Fapi.logic',
    'Vault/src/%2e%2e/src/api.logic',
    'Storefront/%2e%2e/Vault/src/api.logic',
    'Storefront/%252e%252e/Vault/src/api.logic',
    'Vault\\src\\api.logic',
    'Storefront\\..\\Vault\\src\\api.logic',
    '..',
    '../',
    '../..',
    '../outside.logic',
    '/etc/passwd',
    '.git/config',
    'node_modules/x',
    'Vault/.hidden',
  ];
  const uris = [
    ...rels.flatMap((r) => [M(r), F(r)]),
    `modules://${folder}`,
    `modules://${folder}/`,
    'modules://other-env/Vault/src/api.logic',
    'modules:///Vault/src/api.logic',
    `modules://${folder.toUpperCase()}/Vault/src/api.logic`,
    `module-interface://${folder}/Vault.logic`,
    `module-interface://${folder}/Storefront.logic`,
    `module-interface://${folder}/NoSuchModule.logic`,
    `module-interface://${folder}/vault.logic`,
    `module-interface://${folder}/Vault`,
    `module-interface://${folder}/../Vault.logic`,
    `module-interface://other-env/Vault.logic`,
    `file://${root}/Storefront/../Vault/src/api.logic`,
    `file://${root}/Vault/src/%61pi.logic`,
    'untitled:Untitled-1',
    'not a uri',
    '',
  ];
  const fsCalls: [string, unknown][] = [];
  for (const uri of uris) {
    for (const m of [Methods.access, Methods.stat, Methods.readDirectory, Methods.readFile]) fsCalls.push([m, { uri }]);
  }
  await s.requestAll(fsCalls);

  // Writes: harmless text into what the user may not change (must be refused: the test checks
  // that the disk is unchanged afterwards); the same text back into the consumer's own files.
  const writeCalls: [string, unknown][] = [];
  for (const r of [...blindFiles, 'Vault/src/new.logic', 'Vault/INTERFACE.logic', 'Vault/src/api.logic/']) {
    if (options.harmlessWrites === false && !r.startsWith('Storefront/') && r.endsWith('.json')) continue;
    const own =
      (r.startsWith('Storefront/') || options.harmlessWrites === false) && fs.existsSync(path.join(root, r)) && fs.statSync(path.join(root, r)).isFile();
    if (options.harmlessWrites === false && !own) continue;
    const text = own ? fs.readFileSync(path.join(root, r), 'utf8') : '// written by the leak test\n';
    writeCalls.push([Methods.writeFile, { uri: M(r), text }], [Methods.writeFile, { uri: F(r), text }]);
  }
  writeCalls.push([Methods.writeFile, { uri: `module-interface://${folder}/Vault.logic`, text: '' }]);
  await s.requestAll(writeCalls, 1);

  // Owner and admin requests (refused below `full`; the test checks the disk afterwards).
  await s.requestAll(
    [
      [Methods.setProtection, { module: 'Vault', protected: false }],
      [Methods.setProtection, { module: 'Vault', protected: true }],
      [Methods.setProtection, { module: 'NoSuchModule', protected: false }],
      [Methods.grantAccess, { module: 'Vault', to: `user:${s.user}`, access: 'full' }],
      [Methods.grantAccess, { module: '*', to: '*', access: 'full' }],
      [Methods.grantAccess, { module: 'NoSuchModule', to: '*', access: 'open' }],
      [Methods.grantAccess, { module: 'Vault', to: 'group:contractors', access: 'none' }],
      [Methods.grantAccess, { module: 'Vault', to: 'nonsense', access: 'open' }],
      [Methods.grantAccess, { module: 'Vault', to: '*', access: 'superuser' }],
    ],
    1,
  );

  // Invalid requests: unknown methods and malformed params of every custom method.
  const invalid: [string, unknown][] = [
    ['protectedModules/noSuchMethod', { module: 'Vault' }],
    ['protectedModules/readFiles', { uri: M('Vault/src/api.logic') }],
    ['noSuchMethod', {}],
    ['$/noSuchRequest', {}],
    ['textDocument/noSuchFeature', { textDocument: { uri: M('Vault/src/api.logic') } }],
  ];
  for (const m of Object.values(Methods)) {
    for (const p of [undefined, null, {}, [], 42, 'x', { uri: 42, module: { x: 1 }, text: 7 }, { uri: [M('Vault/src/api.logic')] }, { module: ['Vault'] }]) {
      invalid.push([m, p]);
    }
  }
  await s.requestAll(invalid);

  // ---- policy overlays: a client that cannot change environment.json / Vault's module.json
  // opens them with texts that would give it everything; nothing may change for it.
  const policyOverlay = `{
  "name": "Overlay",
  "admins": ["${s.user}"],
  "users": { "${s.user}": { "groups": ["contractors"] } },
  "defaultAccess": "full",
  "grants": [{ "module": "*", "to": "*", "access": "full" }]
}
`;
  const manifestOverlay = `{ "name": "Vault", "version": "1.0.0", "kind": "service", "owner": "${s.user}", "protected": false }\n`;
  const overlays = [
    [M('environment.json'), policyOverlay],
    [F('environment.json'), policyOverlay],
    [M('Vault/module.json'), manifestOverlay],
    [F('Vault/module.json'), manifestOverlay],
  ] as const;
  for (const [uri, text] of overlays) {
    s.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'json', version: 1, text } });
    s.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text }] });
    s.notify('textDocument/didSave', { textDocument: { uri }, text });
  }
  await s.sync();
  await s.requestAll([
    [Methods.whoami, {}],
    [Methods.listModules, {}],
    [Methods.moduleInterface, { module: 'Vault' }],
    ...['Vault/src/api.logic', 'Vault', 'Vault/src', ''].flatMap((r) =>
      [Methods.readFile, Methods.readDirectory, Methods.stat, Methods.access].map((m) => [m, { uri: M(r) }] as [string, unknown]),
    ),
    ['workspace/symbol', { query: '' }],
    ['textDocument/documentSymbol', { textDocument: { uri: M('Vault/src/api.logic') } }],
  ]);

  // ---- the consumer: open through both schemes, every position ----------------------------
  let version = 10;
  const consumerUris: { uri: string; text: string; rel: string }[] = [];
  for (const rel of CONSUMER) {
    const text = fs.readFileSync(path.join(root, rel), 'utf8');
    for (const uri of [F(rel), M(rel)]) {
      s.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'logic', version: ++version, text } });
      consumerUris.push({ uri, text, rel });
    }
  }
  const manifestText = fs.readFileSync(path.join(root, 'Storefront/module.json'), 'utf8');
  s.notify('textDocument/didOpen', { textDocument: { uri: M('Storefront/module.json'), languageId: 'json', version: 1, text: manifestText } });
  await s.sync();
  await s.settle(300);
  for (const { uri, text } of consumerUris) {
    // Through `modules:` (the client's scheme): completion and hover at every character, the
    // rest at every token start; through `file:`, everything at every token start.
    const calls: [string, unknown][] = [];
    const every = uri.startsWith('modules:') && !options.light;
    for (const p of every ? everyPosition(text) : tokenPositions(text, false)) {
      calls.push(['textDocument/completion', { textDocument: { uri }, position: p, context: { triggerKind: 1 } }]);
      calls.push(['textDocument/hover', { textDocument: { uri }, position: p }]);
    }
    for (const p of tokenPositions(text, false)) calls.push(...positionalCalls(uri, p));
    calls.push(...documentCalls(uri, text.split('\n').length, s.diagnostics.get(uri) ?? []));
    for (const d of s.diagnostics.get(uri) ?? []) {
      const range = (d as unknown as { range: unknown }).range;
      calls.push(['textDocument/codeAction', { textDocument: { uri }, range, context: { diagnostics: [d], triggerKind: 1 } }]);
    }
    await sendWithFollowUps(s, calls, done);
  }
  for (const uri of [M('Storefront/module.json'), F('Storefront/module.json')]) {
    const calls: [string, unknown][] = [];
    for (const p of tokenPositions(manifestText)) {
      calls.push(['textDocument/completion', { textDocument: { uri }, position: p }], ['textDocument/hover', { textDocument: { uri }, position: p }]);
      calls.push(...positionalCalls(uri, p));
    }
    calls.push(...documentCalls(uri, manifestText.split('\n').length, s.diagnostics.get(uri) ?? []));
    await sendWithFollowUps(s, calls, done);
  }
  for (const [uri] of overlays) s.notify('textDocument/didClose', { textDocument: { uri } });

  // Typing in the consumer: each snippet as a new last statement of `Pay`, queried at each of
  // its characters; also as an incremental change.
  const checkoutUri = M(CONSUMER[0]);
  const checkout = fs.readFileSync(path.join(root, CONSUMER[0]), 'utf8');
  const lines = checkout.split('\n');
  const insertAt = lines.findIndex((l) => l.trim() === 'Vault.') + 1;
  for (const typed of TYPED) {
    const inserted = `    ${typed}`;
    const text = [...lines.slice(0, insertAt), inserted, ...lines.slice(insertAt)].join('\n');
    s.notify('textDocument/didChange', { textDocument: { uri: checkoutUri, version: ++version }, contentChanges: [{ text }] });
    const calls: [string, unknown][] = [];
    const typedLines = inserted.split('\n');
    typedLines.forEach((l, k) => {
      for (let c = 0; c <= l.length; c++) {
        const p = { line: insertAt + k, character: c };
        calls.push(['textDocument/completion', { textDocument: { uri: checkoutUri }, position: p, context: { triggerKind: 2, triggerCharacter: '.' } }]);
        calls.push(['textDocument/hover', { textDocument: { uri: checkoutUri }, position: p }]);
        calls.push([
          'textDocument/signatureHelp',
          { textDocument: { uri: checkoutUri }, position: p, context: { triggerKind: 2, triggerCharacter: '(', isRetrigger: false } },
        ]);
      }
      const end = { line: insertAt + k, character: l.length };
      calls.push(...positionalCalls(checkoutUri, end));
    });
    await sendWithFollowUps(s, calls, done);
  }
  // An incremental change (range-based), then back to the original text.
  s.notify('textDocument/didChange', {
    textDocument: { uri: checkoutUri, version: ++version },
    contentChanges: [{ range: { start: { line: insertAt, character: 0 }, end: { line: insertAt, character: 0 } }, text: '    Vault.Deposit(\n' }],
  });
  await s.requestAll([
    ['textDocument/signatureHelp', { textDocument: { uri: checkoutUri }, position: { line: insertAt, character: 18 } }],
    ['textDocument/completion', { textDocument: { uri: checkoutUri }, position: { line: insertAt, character: 18 } }],
  ]);
  s.notify('textDocument/didChange', { textDocument: { uri: checkoutUri, version: ++version }, contentChanges: [{ text: checkout }] });
  await s.sync();
  await s.settle(300);
  for (const { uri } of consumerUris) results.consumerDiagnostics.set(uri, [...((s.diagnostics.get(uri) as never[]) ?? [])]);

  // ---- the protected module's files: never readable; positions from the disk --------------
  const protectedRels = blindFiles.filter((r) => r.startsWith('Vault/') && r.endsWith('.logic'));
  for (const rel of [...protectedRels, 'Vault/module.json', 'Vault/INTERFACE.logic', 'Vault/src/new_probe.logic']) {
    const disk = fs.existsSync(path.join(root, rel)) ? fs.readFileSync(path.join(root, rel), 'utf8') : HOSTILE_PROTECTED_TEXT;
    const positions = identifierStarts(disk);
    for (const uri of options.light ? [F(rel)] : [M(rel), F(rel)]) {
      // Not open: the server may only answer as for a document the user cannot read. Every
      // identifier of the file on disk; through `modules:` the main features, through `file:` all.
      const calls: [string, unknown][] = [];
      const main = ['textDocument/definition', 'textDocument/references', 'textDocument/signatureHelp', 'textDocument/rename'];
      for (const p of positions) {
        calls.push(['textDocument/completion', { textDocument: { uri }, position: p }], ['textDocument/hover', { textDocument: { uri }, position: p }]);
        calls.push(...positionalCalls(uri, p).filter(([m]) => uri.startsWith('file:') || main.includes(m)));
      }
      calls.push(...documentCalls(uri, disk.split('\n').length, []));
      await sendWithFollowUps(s, calls, done);
      // Opened with a text the client made up: its private neighbours must stay invisible.
      s.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'logic', version: 1, text: HOSTILE_PROTECTED_TEXT } });
      s.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: HOSTILE_PROTECTED_TEXT + '\n' }] });
      const hostile: [string, unknown][] = [];
      const everyChar = rel.endsWith('api.logic') || rel.endsWith('new_probe.logic');
      for (const p of everyChar ? everyPosition(HOSTILE_PROTECTED_TEXT) : tokenPositions(HOSTILE_PROTECTED_TEXT, false)) {
        hostile.push(['textDocument/completion', { textDocument: { uri }, position: p }], ['textDocument/hover', { textDocument: { uri }, position: p }]);
        hostile.push(['textDocument/signatureHelp', { textDocument: { uri }, position: p }]);
      }
      for (const p of tokenPositions(HOSTILE_PROTECTED_TEXT, false)) hostile.push(...positionalCalls(uri, p));
      for (const p of positions) hostile.push(['textDocument/hover', { textDocument: { uri }, position: p }]);
      hostile.push(...documentCalls(uri, 12, s.diagnostics.get(uri) ?? []));
      await sendWithFollowUps(s, hostile, done);
      s.notify('textDocument/willSave', { textDocument: { uri }, reason: 1 });
      s.notify('textDocument/didSave', { textDocument: { uri }, text: HOSTILE_PROTECTED_TEXT });
      s.notify('textDocument/didClose', { textDocument: { uri } });
    }
  }
  // Interface documents.
  for (const module of ['Vault', 'Storefront', 'NoSuchModule']) {
    const uri = `module-interface://${folder}/${module}.logic`;
    const iface = await s.request(Methods.moduleInterface, { module });
    const text = iface.ok ? (iface.result as { text: string }).text : 'x\n'.repeat(40);
    s.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'logic', version: 1, text } });
    const calls: [string, unknown][] = [];
    for (const p of tokenPositions(text)) {
      calls.push(['textDocument/completion', { textDocument: { uri }, position: p }], ['textDocument/hover', { textDocument: { uri }, position: p }]);
      calls.push(...positionalCalls(uri, p));
    }
    calls.push(...documentCalls(uri, text.split('\n').length, []));
    await sendWithFollowUps(s, calls, done);
    s.notify('textDocument/didClose', { textDocument: { uri } });
  }

  // ---- workspace-wide requests ------------------------------------------------------------
  const queries = [
    '',
    ' ',
    '*',
    'C',
    'CA',
    'CANARY',
    'CANARY_',
    'CANARY_PRIVATE',
    'CANARY_NONE',
    'CanaryNone',
    'Canary',
    'STORE_',
    'PUBDOC',
    'pub',
    'Reconcile',
    'Ledger',
    'Deposit',
    'Vault',
    'Audit',
    'Receipt',
    'a',
    'e',
    '_',
    '7',
    'LeakProbe',
    'Probe',
  ];
  await sendWithFollowUps(
    s,
    queries.map((query) => ['workspace/symbol', { query }] as [string, unknown]),
    done,
  );
  const commands = ((capabilities.executeCommandProvider as { commands?: string[] } | undefined)?.commands ?? []).flatMap((command) =>
    [[], [M('Vault/src/api.logic')], [{ module: 'Vault' }], ['Vault', 'Reconcile'], [checkoutUri, { line: 11, character: 27 }]].map(
      (args) => ['workspace/executeCommand', { command, arguments: args }] as [string, unknown],
    ),
  );
  await s.requestAll([
    ...commands,
    ['workspace/executeCommand', { command: 'protectedModules.noSuchCommand', arguments: [] }],
    ['workspace/diagnostic', { previousResultIds: [] }],
    ['workspace/willCreateFiles', { files: [{ uri: M('Vault/src/created.logic') }] }],
    ['workspace/willRenameFiles', { files: [{ oldUri: M('Vault/src/api.logic'), newUri: M('Storefront/logic/stolen.logic') }] }],
    ['workspace/willRenameFiles', { files: [{ oldUri: M('Storefront/logic/orders.logic'), newUri: M('Storefront/logic/orders2.logic') }] }],
    ['workspace/willDeleteFiles', { files: [{ uri: M('Vault/src/api.logic') }, { uri: M('Vault') }] }],
  ]);
  s.notify('workspace/didCreateFiles', { files: [{ uri: M('Vault/src/created.logic') }] });
  s.notify('workspace/didRenameFiles', { files: [{ oldUri: M('Vault/src/api.logic'), newUri: M('Storefront/logic/stolen.logic') }] });
  s.notify('workspace/didDeleteFiles', { files: [{ uri: M('Vault/src/api.logic') }] });

  // ---- notifications: configuration, watched files, folders, cancellation, progress ---------
  s.notify('workspace/didChangeConfiguration', { settings: null });
  s.notify('workspace/didChangeConfiguration', { settings: { protectedModules: { user: s.user } } });
  s.notify('workspace/didChangeConfiguration', { settings: { protectedModules: { user: s.user, trace: { server: 'verbose' } } } });
  s.notify('workspace/didChangeConfiguration', { settings: { 'protectedModules.user': s.user } });
  s.notify('workspace/didChangeConfiguration', {});
  s.notify('workspace/didChangeConfiguration', null);
  const allChanged = blindFiles.map((r) => ({ uri: F(r), type: 2 }));
  s.notify('workspace/didChangeWatchedFiles', { changes: allChanged });
  s.notify('workspace/didChangeWatchedFiles', {
    changes: [
      { uri: F('Vault/src/api.logic'), type: 1 },
      { uri: F('Vault/src/api.logic'), type: 3 },
      { uri: F('Vault/src/api.logic'), type: 1 },
    ],
  });
  s.notify('workspace/didChangeWatchedFiles', {
    changes: [
      { uri: M('Vault/module.json'), type: 2 },
      { uri: F('environment.json'), type: 2 },
    ],
  });
  s.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: 'not a uri', type: 9 }] });
  s.notify('workspace/didChangeWatchedFiles', null);
  s.notify('workspace/didChangeWorkspaceFolders', {
    event: {
      added: [
        { uri: F('Vault'), name: 'Vault' },
        { uri: fileUri('/nonexistent-leak-test'), name: 'x' },
      ],
      removed: [],
    },
  });
  s.notify('workspace/didChangeWorkspaceFolders', {
    event: {
      added: [],
      removed: [
        { uri: F('Vault'), name: 'Vault' },
        { uri: fileUri('/nonexistent-leak-test'), name: 'x' },
      ],
    },
  });
  s.notify('$/cancelRequest', { id: 123456 });
  s.notify('window/workDoneProgress/cancel', { token: 'nope' });
  s.notify('$/setTrace', { value: 'verbose' });
  s.notify('$/noSuchNotification', { uri: M('Vault/src/api.logic') });
  s.notify('textDocument/didOpen', null);
  s.notify('textDocument/didChange', {
    textDocument: { uri: M('Vault/src/api.logic'), version: 99 },
    contentChanges: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 5 } }, text: 'x' }],
  });
  s.notify('textDocument/didClose', { textDocument: { uri: M('Vault/src/api.logic') } });
  s.notify('notebookDocument/didOpen', { notebookDocument: { uri: M('Vault/nb'), notebookType: 'x', version: 1, cells: [] }, cellTextDocuments: [] });
  await s.sync();
  await s.settle(300);
  // A request cancelled at once, then a request after every notification.
  const cancelled = s.connection.sendRequest('textDocument/hover', { textDocument: { uri: checkoutUri }, position: { line: 11, character: 28 } });
  s.notify('$/cancelRequest', { id: 0 });
  await cancelled.catch(() => undefined);
  await s.requestAll([
    [Methods.whoami, {}],
    [Methods.listModules, {}],
    [Methods.moduleInterface, { module: 'Vault' }],
    ['textDocument/completion', { textDocument: { uri: checkoutUri }, position: { line: 18, character: 10 } }],
    ['workspace/symbol', { query: '' }],
  ]);

  // Malformed feature requests.
  const malformed: [string, unknown][] = [];
  for (const m of [
    'textDocument/hover',
    'textDocument/completion',
    'textDocument/definition',
    'textDocument/references',
    'textDocument/rename',
    'textDocument/documentSymbol',
    'textDocument/signatureHelp',
    'textDocument/codeAction',
    'textDocument/prepareRename',
    'completionItem/resolve',
    'workspace/symbol',
  ]) {
    for (const p of [
      null,
      {},
      { textDocument: { uri: 42 }, position: 'x' },
      { textDocument: { uri: checkoutUri }, position: { line: -1, character: -1 } },
      { textDocument: { uri: checkoutUri }, position: { line: 1e9, character: 1e9 } },
      { textDocument: { uri: checkoutUri }, position: { line: 11, character: 28 }, newName: '' },
      { textDocument: { uri: checkoutUri }, position: { line: 11, character: 28 }, newName: 'not an identifier!' },
      {
        textDocument: { uri: M('Vault/src/api.logic') },
        position: { line: 0, character: 0 },
        range: { start: { line: 0, character: 0 }, end: { line: 1e6, character: 0 } },
      },
      { label: 'x', data: { uri: checkoutUri, kind: 'element', module: 'Vault', name: 'Reconcile' } },
      { label: 'x', data: { uri: checkoutUri, kind: 'element', module: 'Vault', name: 'Ledger' } },
      { label: 'x', data: { uri: checkoutUri, kind: 'module', module: 'Vault' } },
      { label: 'x', data: { uri: M('Vault/src/api.logic'), kind: 'element', module: 'Vault', name: 'Reconcile' } },
      { label: 'x', data: 'garbage' },
      { query: 42 },
    ]) {
      malformed.push([m, p]);
    }
  }
  await s.requestAll(malformed);
  for (const { uri } of consumerUris) s.notify('textDocument/didClose', { textDocument: { uri } });
  s.notify('textDocument/didClose', { textDocument: { uri: M('Storefront/module.json') } });
  await s.sync();
  await s.settle(200);

  if (!options.probes) return results;

  // ==== probe part: requests that carry canaries ============================================
  // Single answers the test checks for the user's level (before the probe writes: the owner
  // and the admin may change Vault's files, and do below).
  const check = async (label: string, method: string, params: unknown) => results.checks.set(label, await s.request(method, params));
  await check('moduleInterface of Vault', Methods.moduleInterface, { module: 'Vault' });
  await check('moduleInterface of Annex', Methods.moduleInterface, { module: 'Annex' });
  await check('readFile of Storefront/environment.json', Methods.readFile, { uri: M('Storefront/environment.json') });
  await check('access of Storefront/environment.json', Methods.access, { uri: M('Storefront/environment.json') });
  // `Annex.Stamp` in the consumer (not open: read from disk): its definition, by name only.
  const stampLine = fs
    .readFileSync(path.join(root, CONSUMER[1]), 'utf8')
    .split('\n')
    .findIndex((l) => l.includes('Annex.Stamp('));
  const stampAt = { line: stampLine, character: fs.readFileSync(path.join(root, CONSUMER[1]), 'utf8').split('\n')[stampLine].indexOf('Stamp(') };
  await check('definition of Annex.Stamp', 'textDocument/definition', { textDocument: { uri: M(CONSUMER[1]) }, position: stampAt });
  await check('hover of Annex.Stamp', 'textDocument/hover', { textDocument: { uri: M(CONSUMER[1]) }, position: stampAt });
  await check('listModules', Methods.listModules, {});
  // A workspace folder holding an environment.json of its own is served as the outer environment.
  s.notify('workspace/didChangeWorkspaceFolders', { event: { added: [{ uri: F('Storefront'), name: 'Storefront' }], removed: [] } });
  await s.sync();
  await check('whoami after adding Storefront as a folder', Methods.whoami, {});
  await check('listModules after adding Storefront as a folder', Methods.listModules, {});
  await check('readFile of Vault after adding Storefront as a folder', Methods.readFile, { uri: F('Vault/src/api.logic') });
  s.notify('workspace/didChangeWorkspaceFolders', { event: { added: [], removed: [{ uri: F('Storefront'), name: 'Storefront' }] } });
  await s.sync();
  await check('whoami after removing Storefront', Methods.whoami, {});

  const probeFiles = files.filter((r) => !blind(r));
  const probeDirs = dirs.filter((r) => !blind(r));
  const probeCalls: [string, unknown][] = [];
  for (const r of [...probeFiles, ...probeDirs]) {
    for (const uri of [M(r), F(r), M(`Storefront/../${r}`)]) {
      for (const m of [Methods.access, Methods.stat, Methods.readDirectory, Methods.readFile]) probeCalls.push([m, { uri }]);
      probeCalls.push([Methods.writeFile, { uri, text: '// written by the leak test\n' }]);
      probeCalls.push(['textDocument/hover', { textDocument: { uri }, position: { line: 1, character: 16 } }]);
      probeCalls.push(['textDocument/documentSymbol', { textDocument: { uri } }]);
      probeCalls.push(['textDocument/completion', { textDocument: { uri }, position: { line: 1, character: 16 } }]);
    }
  }
  probeCalls.push([Methods.moduleInterface, { module: 'CanaryNoneModule_6d1f' }]);
  probeCalls.push([Methods.setProtection, { module: 'CanaryNoneModule_6d1f', protected: false }]);
  probeCalls.push([Methods.grantAccess, { module: 'CanaryNoneModule_6d1f', to: '*', access: 'full' }]);
  probeCalls.push([Methods.readFile, { uri: `module-interface://${folder}/CanaryNoneModule_6d1f.logic` }]);
  // SPEC 8 (host only; MethodNotFound in local mode): a request for the hidden module, and a list.
  probeCalls.push([Methods.requestAccess, { module: 'CanaryNoneModule_6d1f', access: 'full', reason: 'leak test' }]);
  probeCalls.push([Methods.requestAccess, { module: 'Vault', access: 'full', reason: 'leak test' }]);
  probeCalls.push([Methods.listAccessRequests, {}]);
  for (const q of ['CANARY_PRIVATE_ACTION_7f3a', 'CanaryNoneModule_6d1f', 'CANARY_NONE_PUBLIC_ACTION_b4d2', 'CANARYFILE_8c4d'])
    probeCalls.push(['workspace/symbol', { query: q }]);
  await s.requestAll(probeCalls, 1);

  // Twins: a hidden thing and a missing one must be answered alike (modulo their names).
  const twin = async (label: string, make: (name: string) => [string, unknown], realName: string, missingName: string) => {
    const [real, missing] = [await s.request(...make(realName)), await s.request(...make(missingName))];
    results.twins.push({ label, real, missing, realName, missingName });
  };
  for (const m of [Methods.access, Methods.stat, Methods.readDirectory, Methods.readFile]) {
    await twin(`${m} of a canary-named file in Vault`, (n) => [m, { uri: M(`Vault/src/${n}.logic`) }], 'CANARYFILE_8c4d', 'NOSUCHFILE_0000');
    await twin(`${m} of a canary-named folder in Vault`, (n) => [m, { uri: M(`Vault/${n}`) }], 'CANARYDIR_2f6b', 'NOSUCHDIR_0000');
    await twin(`${m} of a file in a canary-named folder in Vault`, (n) => [m, { uri: M(`Vault/${n}/deep.logic`) }], 'CANARYDIR_2f6b', 'NOSUCHDIR_0000');
    await twin(`${m} of the hidden module's folder`, (n) => [m, { uri: M(n) }], 'CANARY_NONE_FOLDER_0b8e', 'NOSUCH_FOLDER_000000000');
    await twin(`${m} of the hidden module's file`, (n) => [m, { uri: M(`${n}/hush.logic`) }], 'CANARY_NONE_FOLDER_0b8e', 'NOSUCH_FOLDER_000000000');
    await twin(`${m} of the hidden module's manifest`, (n) => [m, { uri: F(`${n}/module.json`) }], 'CANARY_NONE_FOLDER_0b8e', 'NOSUCH_FOLDER_000000000');
    await twin(
      `${m} of the hidden module's interface`,
      (n) => [m, { uri: `module-interface://${folder}/${n}.logic` }],
      'CanaryNoneModule_6d1f',
      'NoSuchModule_00000000',
    );
    await twin(`${m} of Vault's interface (hidden below list)`, (n) => [m, { uri: `module-interface://${folder}/${n}.logic` }], 'Vault', 'Vaul0');
  }
  for (const m of [Methods.access, Methods.stat, Methods.readDirectory, Methods.readFile]) {
    // An environment.json inside Vault is an ordinary file of Vault (SPEC 4.1).
    await twin(`${m} of an environment.json in Vault`, (n) => [m, { uri: M(`Vault/${n}`) }], 'environment.json', 'nosuchfile0.json');
    // The module nested inside Vault is reached only by name, never by path.
    const nest = 'CANARYNEST_OUTER_7a1c/CANARYNEST_INNER_d2e9';
    const noNest = 'NOSUCHNEST_OUTER_0000/NOSUCHNEST_INNER_0000';
    await twin(`${m} of the nested module's folder in Vault`, (n) => [m, { uri: M(`Vault/${n}`) }], nest, noNest);
    await twin(`${m} of the nested module's manifest in Vault`, (n) => [m, { uri: F(`Vault/${n}/module.json`) }], nest, noNest);
    await twin(`${m} of the nested module's source in Vault`, (n) => [m, { uri: M(`Vault/${n}/annex.logic`) }], nest, noNest);
    await twin(`${m} of the nested module's INTERFACE.logic in Vault`, (n) => [m, { uri: M(`Vault/${n}/INTERFACE.logic`) }], nest, noNest);
  }

  await twin(
    'writeFile of a canary-named file in Vault',
    (n) => [Methods.writeFile, { uri: M(`Vault/src/${n}.logic`), text: 'x' }],
    'CANARYFILE_8c4d',
    'NOSUCHFILE_0000',
  );
  await twin(
    'writeFile into the hidden module',
    (n) => [Methods.writeFile, { uri: M(`${n}/hush.logic`), text: 'x' }],
    'CANARY_NONE_FOLDER_0b8e',
    'NOSUCH_FOLDER_000000000',
  );
  await twin('moduleInterface of the hidden module', (n) => [Methods.moduleInterface, { module: n }], 'CanaryNoneModule_6d1f', 'NoSuchModule_00000000');
  await twin(
    'setProtection of the hidden module',
    (n) => [Methods.setProtection, { module: n, protected: false }],
    'CanaryNoneModule_6d1f',
    'NoSuchModule_00000000',
  );
  await twin(
    'grantAccess on the hidden module',
    (n) => [Methods.grantAccess, { module: n, to: '*', access: 'open' }],
    'CanaryNoneModule_6d1f',
    'NoSuchModule_00000000',
  );
  await twin('moduleInterface of Vault', (n) => [Methods.moduleInterface, { module: n }], 'Vault', 'Vaul0');
  await twin('setProtection of Vault', (n) => [Methods.setProtection, { module: n, protected: false }], 'Vault', 'Vaul0');

  // A consumer that names private and hidden things: the hidden module, private elements by
  // their real names. Diagnostics, hover and completion must answer as for missing names.
  const probeUri = M('Storefront/screens/probe.logic');
  const probeText = (mod: string, act: string, struct: string) => `screen Probe {
  var s: Vault.${struct}
  client action Go() {
    var a = Vault.${act}(1)
    var b = ${mod}.${act}(1)
    var c = s.
    Vault.${act}(
  }
}
`;
  const probeQueries = (n: number): [string, unknown][] => [
    ['textDocument/hover', { textDocument: { uri: probeUri }, position: { line: 3, character: 19 } }],
    ['textDocument/hover', { textDocument: { uri: probeUri }, position: { line: 1, character: 16 } }],
    ['textDocument/hover', { textDocument: { uri: probeUri }, position: { line: 4, character: 13 } }],
    ['textDocument/definition', { textDocument: { uri: probeUri }, position: { line: 3, character: 19 } }],
    ['textDocument/signatureHelp', { textDocument: { uri: probeUri }, position: { line: 6, character: 11 + n } }],
    ['textDocument/completion', { textDocument: { uri: probeUri }, position: { line: 5, character: 14 } }],
    ['textDocument/completion', { textDocument: { uri: probeUri }, position: { line: 6, character: 10 } }],
    ['textDocument/references', { textDocument: { uri: probeUri }, position: { line: 3, character: 19 }, context: { includeDeclaration: true } }],
    ['textDocument/prepareRename', { textDocument: { uri: probeUri }, position: { line: 3, character: 19 } }],
    ['textDocument/rename', { textDocument: { uri: probeUri }, position: { line: 3, character: 19 }, newName: 'RenamedByLeakTest' }],
    ['textDocument/rename', { textDocument: { uri: probeUri }, position: { line: 1, character: 16 }, newName: 'RenamedByLeakTest' }],
    ['textDocument/documentHighlight', { textDocument: { uri: probeUri }, position: { line: 3, character: 19 } }],
    [
      'textDocument/codeAction',
      {
        textDocument: { uri: probeUri },
        range: { start: { line: 0, character: 0 }, end: { line: 9, character: 0 } },
        context: { diagnostics: (s.diagnostics.get(probeUri) ?? []) as unknown[], triggerKind: 1 },
      },
    ],
  ];
  const variants = [
    { mod: 'CanaryNoneModule_6d1f', act: 'CANARY_PRIVATE_ACTION_7f3a', struct: 'CANARY_PRIVATE_STRUCT_a11e' },
    { mod: 'NoSuchModule_00000000', act: 'NOSUCH_ACTION_000000000000', struct: 'NOSUCH_STRUCT_000000000000' },
  ];
  /**
   * Opens `texts[0]` (naming real things) then `texts[1]` (naming missing ones) as the probe, asks
   * `queries(k)` of text k, and records both diagnostics and each pair of answers as twins (labelled
   * "… in a consumer naming `naming`").
   */
  const probeTwins = async (texts: string[], queries: (k: number) => [string, unknown][], subst: { realName: string; missingName: string }, naming: string) => {
    const answers: { diags: unknown[]; outcomes: Outcome[] }[] = [];
    for (const [k, text] of texts.entries()) {
      s.notify('textDocument/didOpen', { textDocument: { uri: probeUri, languageId: 'logic', version: ++version, text } });
      await s.sync();
      await s.settle(300);
      const outcomes = await s.requestAll(queries(k), 1);
      answers.push({ diags: [...((s.diagnostics.get(probeUri) as never[]) ?? [])], outcomes });
      s.notify('textDocument/didClose', { textDocument: { uri: probeUri } });
      await s.sync();
    }
    results.twins.push({
      label: `diagnostics of a consumer naming ${naming}`,
      real: { ok: true, result: answers[0].diags },
      missing: { ok: true, result: answers[1].diags },
      ...subst,
    });
    answers[0].outcomes.forEach((o, i) => {
      results.twins.push({ label: `${queries(0)[i][0]} #${i} in a consumer naming ${naming}`, real: o, missing: answers[1].outcomes[i], ...subst });
    });
  };
  await probeTwins(
    variants.map((v) => probeText(v.mod, v.act, v.struct)),
    (k) => probeQueries(variants[k].act.length),
    {
      realName: 'CanaryNoneModule_6d1f|CANARY_PRIVATE_ACTION_7f3a|CANARY_PRIVATE_STRUCT_a11e',
      missingName: 'NoSuchModule_00000000|NOSUCH_ACTION_000000000000|NOSUCH_STRUCT_000000000000',
    },
    'hidden things',
  );

  // A consumer calling Vault's public actions, and the same calling a module that does not exist:
  // alike for a user at `none` on Vault.
  const moduleProbeText = (mod: string) => `screen Probe {
  client action Go() {
    var a = ${mod}.Deposit(account: "a", amount: 1)
    ${mod}.Balance(
    var b = ${mod}.
  }
}
`;
  const moduleQueries = (): [string, unknown][] => [
    ['textDocument/hover', { textDocument: { uri: probeUri }, position: { line: 2, character: 13 } }],
    ['textDocument/hover', { textDocument: { uri: probeUri }, position: { line: 2, character: 19 } }],
    ['textDocument/definition', { textDocument: { uri: probeUri }, position: { line: 2, character: 19 } }],
    ['textDocument/signatureHelp', { textDocument: { uri: probeUri }, position: { line: 3, character: 18 } }],
    ['textDocument/completion', { textDocument: { uri: probeUri }, position: { line: 4, character: 18 } }],
    ['textDocument/references', { textDocument: { uri: probeUri }, position: { line: 2, character: 19 }, context: { includeDeclaration: true } }],
    [
      'textDocument/codeAction',
      {
        textDocument: { uri: probeUri },
        range: { start: { line: 0, character: 0 }, end: { line: 7, character: 0 } },
        context: { diagnostics: (s.diagnostics.get(probeUri) ?? []) as unknown[], triggerKind: 1 },
      },
    ],
  ];
  await probeTwins(['Vault', 'Vaul0'].map(moduleProbeText), () => moduleQueries(), { realName: 'Vault', missingName: 'Vaul0' }, 'Vault');
  await s.settle(200);
  return results;
}
