/**
 * The Protected Modules language server (SPEC 4), bundled to `dist/server.js`.
 *
 * Start: `node dist/server.js --stdio` (or `--node-ipc`, `--socket=N`; vscode-languageserver picks
 * the transport from the arguments).
 *
 * Wiring (one file per concern):
 * - `session.ts`: the current user (initialization option, setting, environment variable);
 * - `workspace.ts`: environments (one per workspace folder with an `environment.json`), open
 *   documents, a Program per environment, reloads on watched-file changes;
 * - `uris.ts`: `file:`, `modules:` and `module-interface:` URIs ↔ real paths;
 * - `filesystem.ts`, `admin.ts`, `protocol.ts`: the custom requests; `errors.ts`: their errors;
 * - `features/diagnostics.ts`: pushed diagnostics; `features/index.ts`: the IDE features, each a
 *   {@link Feature} registered here with a {@link FeatureContext}.
 *
 * Initialization options: `{ user?: string, environments?: string[], moduleWorkspaces?: string[] }` —
 * `environments` lists environment folders (`file:` URIs or absolute paths) for clients whose
 * workspace folders are `modules://` URIs; `file:` workspace folders and `rootUri` are used as well;
 * `moduleWorkspaces` lists the `modules://<name>/` folders the client shows (docs/DECISIONS.md
 * "One interface document").
 *
 * No leak: nothing here logs paths, names or file contents; handler exceptions become generic
 * errors (`errors.ts`); stray exceptions are logged as class name + stack frames only.
 */
import {
  createConnection,
  ProposedFeatures,
  TextDocumentSyncKind,
  DidChangeWatchedFilesNotification,
  DidChangeConfigurationNotification,
  LSPErrorCodes,
  ResponseError,
  MessageType,
  type CancellationToken,
  type ClientCapabilities,
  type InitializeParams,
  type InitializeResult,
  type ServerCapabilities,
} from 'vscode-languageserver/node';
import { Methods } from '../shared/protocol';
import { Session } from './session';
import { Workspace } from './workspace';
import { ModuleFileSystem } from './filesystem';
import { DiagnosticsPublisher } from './features/diagnostics';
import { FEATURES } from './features/index';
import type { FeatureContext } from './features/feature';
import { registerProtocol } from './protocol';
import { describeForLog, reportInternalError, toResponseError } from './errors';

const connection = createConnection(ProposedFeatures.all);

process.on('uncaughtException', (e) => {
  // Never the message: it may hold a path or file content.
  process.stderr.write(`protected-modules server: uncaught ${describeForLog(e)}\n`);
});
process.on('unhandledRejection', (e) => {
  process.stderr.write(`protected-modules server: unhandled rejection ${describeForLog(e)}\n`);
});

let session: Session | undefined;
let workspace: Workspace | undefined;
let clientCapabilities: ClientCapabilities = {};

/**
 * Wraps a request handler (see {@link FeatureContext.safe}): cancellation before and after the
 * handler runs answers `RequestCancelled`; exceptions become safe `ResponseError`s.
 */
function safe<P, R>(
  method: string,
  handler: (params: P, token: CancellationToken) => R | Promise<R>,
): (params: P, token: CancellationToken) => Promise<R> {
  return async (params: P, token: CancellationToken) => {
    await session?.ready;
    if (token?.isCancellationRequested) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'Request cancelled.');
    try {
      const result = await handler(params, token);
      if (token?.isCancellationRequested) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'Request cancelled.');
      return result;
    } catch (e) {
      const error = toResponseError(e, method);
      if (!(e instanceof ResponseError)) reportInternalError((m) => connection.console.error(m), method, e);
      throw error;
    }
  };
}

/** Runs a notification handler, logging (safely) instead of letting an exception's text out. */
function guarded<P>(name: string, handler: (params: P) => void | Promise<void>): (params: P) => void {
  return (params: P) => {
    try {
      const r = handler(params);
      if (r instanceof Promise) r.catch((e) => reportInternalError((m) => connection.console.error(m), name, e));
    } catch (e) {
      reportInternalError((m) => connection.console.error(m), name, e);
    }
  };
}

/** Merges a feature's capabilities into the result; object values (e.g. `workspace`) merge one level deep. */
function mergeCapabilities(into: ServerCapabilities, add: Partial<ServerCapabilities>): void {
  const target = into as Record<string, unknown>;
  for (const [key, value] of Object.entries(add)) {
    const old = target[key];
    const isObject = (v: unknown) => !!v && typeof v === 'object' && !Array.isArray(v);
    target[key] = isObject(old) && isObject(value) ? { ...(old as object), ...(value as object) } : value;
  }
}

/**
 * The connection as `TextDocuments.listen` sees it: each document-synchronisation handler
 * (didOpen, didChange, didClose, willSave, willSaveWaitUntil, didSave) drops malformed params (no
 * `textDocument.uri` string) and runs like {@link guarded}, so an exception's text (which may hold a
 * path or source text) is never logged to the client.
 */
function documentSyncConnection(c: typeof connection): typeof connection {
  type Register = (handler: (params: any, ...rest: any[]) => unknown) => unknown;
  const wrap = (name: string, register: Register, fallback?: () => unknown): Register => (handler) =>
    register((params: any, ...rest: any[]) => {
      if (typeof params?.textDocument?.uri !== 'string') return fallback?.();
      if (name === 'didOpen' && (typeof params.textDocument.text !== 'string' || typeof params.textDocument.version !== 'number')) return fallback?.();
      if (name === 'didChange' && (!Array.isArray(params.contentChanges) || !params.contentChanges.every((c: any) => typeof c?.text === 'string'))) {
        return fallback?.();
      }
      try {
        return handler(params, ...rest);
      } catch (e) {
        reportInternalError((m) => connection.console.error(m), name, e);
        return fallback?.();
      }
    });
  const proxy = Object.create(c) as typeof connection;
  Object.assign(proxy, {
    onDidOpenTextDocument: wrap('didOpen', c.onDidOpenTextDocument.bind(c) as Register),
    onDidChangeTextDocument: wrap('didChange', c.onDidChangeTextDocument.bind(c) as Register),
    onDidCloseTextDocument: wrap('didClose', c.onDidCloseTextDocument.bind(c) as Register),
    onWillSaveTextDocument: wrap('willSave', c.onWillSaveTextDocument.bind(c) as Register),
    onWillSaveTextDocumentWaitUntil: wrap('willSaveWaitUntil', c.onWillSaveTextDocumentWaitUntil.bind(c) as Register, () => []),
    onDidSaveTextDocument: wrap('didSave', c.onDidSaveTextDocument.bind(c) as Register),
  });
  return proxy;
}

/** Tells the user, once per distinct situation, that access fails closed (SPEC 2.3 rule 1). */
let lastWarning = '';
function warnIfRestricted(): void {
  if (!workspace) return;
  const warnings: string[] = [];
  for (const state of workspace.environments) {
    if (!state.env.policy) {
      warnings.push(`The environment.json of ${state.folderName} is invalid: access is restricted until it is fixed.`);
      continue;
    }
    const u = workspace.userInfo(state);
    if (!u.user) warnings.push('No user is set (setting protectedModules.user or PROTECTED_MODULES_USER): access is restricted.');
    else if (!u.known) warnings.push(`${u.user} is not a known user of ${state.folderName}: access is restricted.`);
  }
  const text = [...new Set(warnings)].join(' ');
  if (text && text !== lastWarning) void connection.sendNotification('window/showMessage', { type: MessageType.Warning, message: text });
  lastWarning = text;
}

connection.onInitialize((params: InitializeParams): InitializeResult => {
  clientCapabilities = params.capabilities ?? {};
  const options = (params.initializationOptions ?? {}) as { user?: unknown; environments?: unknown; moduleWorkspaces?: unknown };
  session = new Session(options.user);
  session.canPullConfiguration = !!clientCapabilities.workspace?.configuration;
  workspace = new Workspace(session);

  const folders: string[] = [];
  if (Array.isArray(options.environments)) folders.push(...options.environments.filter((x): x is string => typeof x === 'string'));
  for (const f of params.workspaceFolders ?? []) {
    folders.push(f.uri);
    workspace.noteClientFolder(f.uri);
  }
  // `modules://<name>/` folders the client shows although it names the environment by its `file:`
  // folder (the VS Code client): interfaces are then named as the Explorer shows them.
  if (Array.isArray(options.moduleWorkspaces)) {
    for (const f of options.moduleWorkspaces) if (typeof f === 'string') workspace.noteClientFolder(f);
  }
  if (params.rootUri) folders.push(params.rootUri);
  else if (params.rootPath) folders.push(params.rootPath);
  for (const f of folders) {
    try {
      workspace.addFolder(f);
    } catch (e) {
      reportInternalError((m) => connection.console.error(m), 'loading an environment', e);
    }
  }

  const files = new ModuleFileSystem(workspace);
  const diagnostics = new DiagnosticsPublisher(connection, workspace, session.ready);
  const ctx: FeatureContext = { connection, workspace, files, diagnostics, clientCapabilities, safe };
  registerProtocol(ctx);

  const capabilities: ServerCapabilities = {
    textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
    workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
  };
  for (const feature of FEATURES) {
    feature.register(ctx);
    mergeCapabilities(capabilities, feature.capabilities?.(clientCapabilities) ?? {});
  }

  workspace.onDidChange((change) => {
    if (change.access) {
      void connection.sendNotification(Methods.didChangeAccess, {});
      warnIfRestricted();
    }
    if (change.modules) void connection.sendNotification(Methods.didChangeModules, {});
  });
  workspace.listen(documentSyncConnection(connection));
  return { capabilities, serverInfo: { name: 'protected-modules' } };
});

connection.onInitialized(
  guarded('initialized', async () => {
    if (!session || !workspace) return;
    const ws = workspace;
    if (clientCapabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration) {
      await connection.client.register(DidChangeWatchedFilesNotification.type, {
        watchers: [{ globPattern: '**/*.logic' }, { globPattern: '**/module.json' }, { globPattern: '**/environment.json' }, { globPattern: '**/SEAL.json' }, { globPattern: '**/sources.age' }],
      });
    }
    if (clientCapabilities.workspace?.didChangeConfiguration?.dynamicRegistration) {
      await connection.client.register(DidChangeConfigurationNotification.type, { section: 'protectedModules' });
    }
    if (clientCapabilities.workspace?.workspaceFolders) {
      connection.workspace.onDidChangeWorkspaceFolders(
        guarded('didChangeWorkspaceFolders', (e) => {
          for (const f of e.removed) {
            ws.removeFolder(f.uri);
            ws.noteClientFolder(f.uri, false);
          }
          for (const f of e.added) {
            ws.addFolder(f.uri);
            ws.noteClientFolder(f.uri);
          }
          ws.fire({ access: true, modules: true });
        }),
      );
    }
    // The user may come from the setting (pulled now); a change fires the workspace's listeners.
    const changed = await session.start(connection);
    if (!changed) ws.fire({ access: false, modules: false });
    warnIfRestricted();
  }),
);

connection.onDidChangeConfiguration(
  guarded('didChangeConfiguration', async (params) => {
    if (session) await session.didChangeConfiguration(connection, params);
  }),
);

connection.onDidChangeWatchedFiles(
  guarded('didChangeWatchedFiles', (params) => {
    workspace?.filesChanged(Array.isArray(params?.changes) ? params.changes : []);
  }),
);

connection.listen();
