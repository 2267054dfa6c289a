/**
 * The Protected Modules language server (SPEC 4) on one connection, reusable: `server.ts` runs
 * it once over stdio / node-ipc / a socket (local mode); the environment host (SPEC 7,
 * `server/host/`) runs it once per WebSocket session.
 *
 * Wiring (one file per concern):
 * - `session.ts`: the current user (initialization option, setting, environment variable) — or,
 *   on the host, the token's user, fixed for the session;
 * - `workspace.ts`: environments (one per workspace folder with an `environment.json`), open
 *   documents, a Program per environment, reloads on watched-file changes; on the host
 *   `sharedEnvironments.ts` (one shared index, a per-session overlay of unsaved documents);
 * - `uris.ts`: `file:`, `modules:` and `module-interface:` URIs ↔ real paths;
 * - `filesystem.ts`, `admin.ts`, `protocol.ts`: the custom requests; `errors.ts`: their errors;
 * - `features/diagnostics.ts`: pushed diagnostics; `features/index.ts`: the IDE features, each a
 *   {@link Feature} registered here with a {@link FeatureContext}.
 *
 * Initialization options (local mode): `{ user?: string, environments?: string[] }` —
 * `environments` lists environment folders (`file:` URIs or absolute paths) for clients whose
 * workspace folders are `modules://` URIs; `file:` workspace folders and `rootUri` are used as
 * well. On the host all of these are ignored: the host decides the environments and the user.
 *
 * No leak: nothing here logs paths, names or file contents; handler exceptions become generic
 * errors (`errors.ts`); stray exceptions are logged as class name + stack frames only.
 */
import { performance } from 'node:perf_hooks';
import { serverTiming } from './timing';
import {
  TextDocumentSyncKind,
  DidChangeWatchedFilesNotification,
  DidChangeConfigurationNotification,
  ErrorCodes as JsonRpcErrorCodes,
  LSPErrorCodes,
  ResponseError,
  MessageType,
  type CancellationToken,
  type ClientCapabilities,
  type Connection,
  type InitializeParams,
  type InitializeResult,
  type ServerCapabilities,
} from 'vscode-languageserver/node';
import { atLeast } from '../shared/access/levels';
import { Notifications, Requests } from '../shared/protocol';
import { Session } from './session';
import { Workspace } from './workspace';
import { SessionWorkspace, type SharedEnvironments } from './sharedEnvironments';
import { ModuleFileSystem } from './filesystem';
import { DiagnosticsPublisher } from './features/diagnostics';
import { FEATURES } from './features/index';
import type { FeatureContext } from './features/feature';
import { onRequest, registerProtocol, whoami } from './protocol';
import { reportInternalError, toResponseError } from './errors';
import type { AccessRequests } from './host/requests';

/** How one request ended, for {@link HostSessionOptions.onAnswer} (the host's audit log). */
export interface RequestOutcome {
  method: string;
  params: unknown;
  /** The error answered, if any (a `ResponseError` with a SPEC 4 code). */
  error?: ResponseError<unknown>;
}

/** The host's part of a session (SPEC 7). */
export interface HostSessionOptions {
  /** The token's user: `initializationOptions.user`, the setting and the variable are ignored. */
  user: string;
  /** The environments and index shared by every session of the host. */
  shared: SharedEnvironments;
  /** Called after every custom or feature request (audit log: denials, writes, admin edits). */
  onAnswer?(outcome: RequestOutcome): void;
  /** The host's access requests (SPEC 8): the session registers their requests and receives
   *  `didChangeAccessRequests`. Absent: the requests answer `MethodNotFound`, as in local mode. */
  requests?: AccessRequests;
}

/** Options of {@link startLanguageServer}. */
export interface LanguageServerOptions {
  /** Host mode (SPEC 7); absent in local mode (SPEC 4). */
  host?: HostSessionOptions;
}

/** A running server on one connection. */
export interface LanguageServer {
  /** The session's workspace (after `initialize`). */
  readonly workspace: Workspace | undefined;
  /** Stops following shared environments (host mode); the connection is the caller's to close. */
  dispose(): void;
}

/**
 * Wires the language server onto `connection` and starts listening.
 * @param connection a vscode-languageserver connection, not yet listening
 * @param options host mode or not
 * @returns a handle whose `dispose` releases what the session holds in shared state
 */
export function startLanguageServer(connection: Connection, options: LanguageServerOptions = {}): LanguageServer {
  const host = options.host;
  let session: Session | undefined;
  let workspace: Workspace | undefined;
  let publisher: DiagnosticsPublisher | undefined;
  let clientCapabilities: ClientCapabilities = {};
  let lastWarning = '';
  let detachRequests: (() => void) | undefined;

  /**
   * Wraps a request handler (see {@link FeatureContext.safe}): cancellation before and after the
   * handler runs answers `RequestCancelled`; exceptions become safe `ResponseError`s.
   */
  function safe<P, R>(method: string, handler: (params: P, token: CancellationToken) => R | Promise<R>): (params: P, token: CancellationToken) => Promise<R> {
    return async (params: P, token: CancellationToken) => {
      await session?.ready;
      if (token?.isCancellationRequested) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'Request cancelled.');
      // A request at a position with no valid position is the client's error (InvalidParams), not
      // an internal one (found by a tester: `position: null` answered -32603 with a stack on stderr).
      if (POSITION_METHODS.has(method) && !isPosition((params as { position?: unknown } | undefined)?.position)) {
        throw new ResponseError(JsonRpcErrorCodes.InvalidParams, `Invalid params: ${method} needs a position { line, character } of whole numbers ≥ 0.`);
      }
      try {
        const timing = serverTiming();
        const result = timing ? await timing.request(method, () => handler(params, token)) : await handler(params, token);
        if (token?.isCancellationRequested) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'Request cancelled.');
        host?.onAnswer?.({ method, params });
        publisher?.answering();
        return result;
      } catch (e) {
        const error = toResponseError(e, method);
        if (!(e instanceof ResponseError)) reportInternalError((m) => connection.console.error(m), method, e);
        host?.onAnswer?.({ method, params, error });
        throw error;
      }
    };
  }

  /** Runs a notification handler, logging (safely) instead of letting an exception's text out. */
  function guarded<P>(name: string, handler: (params: P) => void | Promise<void>): (params: P) => void {
    return (params: P) => {
      const timing = serverTiming();
      const t0 = timing ? performance.now() : 0;
      try {
        const r = handler(params);
        timing?.slice(name, performance.now() - t0);
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
  function documentSyncConnection(c: Connection): Connection {
    /* eslint-disable @typescript-eslint/no-explicit-any -- the params are untrusted JSON, checked field by field below */
    type Register = (handler: (params: any, ...rest: any[]) => unknown) => unknown;
    const wrap =
      (name: string, register: Register, fallback?: () => unknown): Register =>
      (handler) =>
        register((params: any, ...rest: any[]) => {
          if (typeof params?.textDocument?.uri !== 'string') return fallback?.();
          if (name === 'didOpen' && (typeof params.textDocument.text !== 'string' || typeof params.textDocument.version !== 'number')) return fallback?.();
          if (name === 'didChange' && (!Array.isArray(params.contentChanges) || !params.contentChanges.every((c: any) => typeof c?.text === 'string'))) {
            return fallback?.();
          }
          const timing = serverTiming();
          const t0 = timing ? performance.now() : 0;
          try {
            return handler(params, ...rest);
          } catch (e) {
            reportInternalError((m) => connection.console.error(m), name, e);
            return fallback?.();
          } finally {
            timing?.slice(name, performance.now() - t0);
          }
        });
    /* eslint-enable @typescript-eslint/no-explicit-any */
    const proxy = Object.create(c) as Connection;
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
    const init = (params.initializationOptions ?? {}) as { user?: unknown; environments?: unknown; moduleWorkspaces?: unknown };
    // Host mode: the token's user, nothing the client sends (SPEC 7).
    session = host ? new Session(host.user, {}) : new Session(init.user);
    session.canPullConfiguration = !host && !!clientCapabilities.workspace?.configuration;
    workspace = host ? new SessionWorkspace(session, host.shared) : new Workspace(session);

    const folders: string[] = [];
    if (Array.isArray(init.environments)) folders.push(...init.environments.filter((x): x is string => typeof x === 'string'));
    for (const f of params.workspaceFolders ?? []) {
      folders.push(f.uri);
      workspace.noteClientFolder(f.uri);
    }
    if (params.rootUri) folders.push(params.rootUri);
    else if (params.rootPath) folders.push(params.rootPath);
    // `modules://<name>/` folders the client shows although it names the environment by its `file:`
    // folder (the VS Code client): interfaces are then named as the Explorer shows them.
    if (!host && Array.isArray(init.moduleWorkspaces)) {
      for (const f of init.moduleWorkspaces) if (typeof f === 'string') workspace.noteClientFolder(f);
    }
    // On the host, the client's folders and paths name nothing on the host's disk.
    for (const f of host ? [] : folders) {
      try {
        workspace.addFolder(f);
      } catch (e) {
        reportInternalError((m) => connection.console.error(m), 'loading an environment', e);
      }
    }

    const files = new ModuleFileSystem(workspace);
    const diagnostics = (publisher = new DiagnosticsPublisher(connection, workspace, session.ready));
    const ctx: FeatureContext = { connection, workspace, files, diagnostics, clientCapabilities, safe };
    registerProtocol(ctx);
    if (host) {
      const ws = workspace;
      // Replaces the local handler: the user was proven by a token (SPEC 7).
      onRequest(ctx, Requests.whoami, () => ({ ...whoami(ws), authenticated: true as const }));
      // SPEC 8: only on a host (requests live in its state folder); local mode keeps Copy Access Request.
      detachRequests = host.requests?.attach(connection, ws, safe);
    }

    const capabilities: ServerCapabilities = {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
      workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
    };
    for (const feature of FEATURES) {
      feature.register(ctx);
      mergeCapabilities(capabilities, feature.capabilities?.(clientCapabilities) ?? {});
    }

    // SPEC 4.1: a client is told of a change only when it may know of it — a change in a file of a
    // module it may reference (its interface may have changed) or read, or a change of the facts
    // and levels of the modules it can list. A save inside a module it cannot see (or only list)
    // says nothing to it: the existence and the timing of others' work there is not leaked.
    const ws0 = workspace;
    let seen = visibleFacts(ws0);
    workspace.onDidChange((change) => {
      const now = visibleFacts(ws0);
      let tell = !change.paths || now !== seen;
      seen = now;
      for (const p of change.paths ?? []) {
        if (tell) break;
        for (const state of ws0.environments) {
          const gate = ws0.gate(state);
          const m = gate.moduleOf(p);
          if (gate.canRead(p) || (m && atLeast(gate.moduleAccess(m).level, 'reference'))) tell = true;
        }
      }
      if (!tell) return;
      if (change.access) {
        void connection.sendNotification(Notifications.didChangeAccess.method, {});
        warnIfRestricted();
      }
      if (change.modules) void connection.sendNotification(Notifications.didChangeModules.method, {});
    });
    workspace.listen(documentSyncConnection(connection));
    // On a host, the client learns the environment folder names it opens as `modules://<name>/`.
    if (host)
      return {
        capabilities,
        serverInfo: { name: 'protected-modules' },
        protectedModules: { environments: workspace.environments.map((e) => e.folderName) },
      } as InitializeResult;
    return { capabilities, serverInfo: { name: 'protected-modules' } };
  });

  connection.onInitialized(
    guarded('initialized', async () => {
      if (!session || !workspace) return;
      const ws = workspace;
      // On the host the client's disk is not the environment's: the host watches its own.
      if (!host && clientCapabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration) {
        await connection.client.register(DidChangeWatchedFilesNotification.type, {
          watchers: [
            { globPattern: '**/*.logic' },
            { globPattern: '**/module.json' },
            { globPattern: '**/environment.json' },
            { globPattern: '**/SEAL.json' },
            { globPattern: '**/sources.age' },
          ],
        });
      }
      if (!host && clientCapabilities.workspace?.didChangeConfiguration?.dynamicRegistration) {
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
      if (session && !host) await session.didChangeConfiguration(connection, params);
    }),
  );

  connection.onDidChangeWatchedFiles(
    guarded('didChangeWatchedFiles', (params) => {
      workspace?.filesChanged(Array.isArray(params?.changes) ? params.changes : []);
    }),
  );

  connection.listen();
  return {
    get workspace() {
      return workspace;
    },
    dispose() {
      detachRequests?.();
      detachRequests = undefined;
      if (workspace instanceof SessionWorkspace) workspace.dispose();
    },
  };
}

/** The requests whose params are `TextDocumentPositionParams` (a `position` is required). */
const POSITION_METHODS = new Set([
  'textDocument/completion',
  'textDocument/hover',
  'textDocument/signatureHelp',
  'textDocument/definition',
  'textDocument/declaration',
  'textDocument/typeDefinition',
  'textDocument/implementation',
  'textDocument/references',
  'textDocument/documentHighlight',
  'textDocument/prepareRename',
  'textDocument/rename',
  'textDocument/prepareCallHierarchy',
]);

/** An LSP position: 0-based line and UTF-16 character, whole numbers ≥ 0. */
function isPosition(p: unknown): boolean {
  if (!p || typeof p !== 'object') return false;
  const { line, character } = p as { line?: unknown; character?: unknown };
  return Number.isInteger(line) && Number.isInteger(character) && (line as number) >= 0 && (character as number) >= 0;
}

/**
 * What a user sees of the modules' facts, as one string (for {@link startLanguageServer}'s change
 * filter): whoami, whether the policy is valid, and every listed module's facts and level. No
 * source is parsed for it.
 */
function visibleFacts(workspace: Workspace): string {
  // The facts come from each environment's manifests and policy and the user's view, all replaced
  // (new objects) when any of them changes: while they are the same objects the string is too
  // (issue 15: an edit in an open document no longer rebuilds this for 1,000 modules per keystroke).
  const key: object[] = [];
  for (const state of workspace.environments) key.push(state, state.env, state.program.environment, workspace.view(state));
  const last = factsMemo.get(workspace);
  if (last && last.key.length === key.length && last.key.every((o, i) => o === key[i])) return last.facts;
  const facts = computeVisibleFacts(workspace);
  factsMemo.set(workspace, { key, facts });
  return facts;
}

/** The last {@link visibleFacts} of each workspace and the objects it was computed from. */
const factsMemo = new WeakMap<Workspace, { key: object[]; facts: string }>();

function computeVisibleFacts(workspace: Workspace): string {
  const parts: unknown[] = [];
  for (const state of workspace.environments) {
    const view = workspace.view(state);
    parts.push(state.folderName, view.info(), !!state.env.policy);
    for (const m of view.visibleModules()) {
      parts.push([
        m.manifest.name,
        m.manifest.version,
        m.manifest.kind,
        m.manifest.owner,
        m.manifest.description ?? '',
        m.manifest.protected,
        m.access.level,
        m.info.sealed?.publisher ?? '',
      ]);
    }
  }
  return JSON.stringify(parts);
}
