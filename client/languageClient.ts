/**
 * One language server per environment folder (SPEC 5): starts `node <extension>/dist/server.js
 * --stdio` through vscode-languageclient, restarts it when it crashes (open documents, with their
 * unsaved edits, are re-synchronised by the client on restart), reports a crash once in plain
 * words, and offers typed access to the custom requests of SPEC 4.
 */
import * as vscode from 'vscode';
import { spawn, type ChildProcess } from 'node:child_process';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  RevealOutputChannelOn,
  State,
  type LanguageClientOptions,
  type Middleware,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { INTERFACE_SCHEME, MODULES_SCHEME, Notifications, type RequestTypes } from '../shared/protocol';
import { SERVER_NODE_OPTIONS } from '../shared/protocol/serverProcess';
import type { EnvironmentFolder } from './environments';
import { connectToHost, HostRefusedError } from './hostTransport';

/** The SecretStorage key of the token for a host URL (SPEC 7: never in settings). */
export function hostTokenKey(url: string): string {
  return `protectedModules.hostToken:${url}`;
}

/** The state of a connection to an environment host (SPEC 7), for the status bar. */
export type HostState = 'connecting' | 'connected' | 'reconnecting' | 'refused';

type Method = keyof RequestTypes;

/** The files whose changes on disk the server must hear of (relative to the environment folder). */
export const DISK_WATCH_GLOB = '**/{*.logic,module.json,environment.json}';

/** Settings section synchronised to the server (`workspace/didChangeConfiguration`). */
export const CONFIG_SECTION = 'protectedModules';

/** The connection to the language server of one environment folder. */
export class EnvironmentConnection implements vscode.Disposable {
  readonly client: LanguageClient;
  private process: ChildProcess | undefined;
  private readonly accessEmitter = new vscode.EventEmitter<void>();
  private readonly modulesEmitter = new vscode.EventEmitter<void>();
  private readonly readyEmitter = new vscode.EventEmitter<void>();
  private readonly requestsEmitter = new vscode.EventEmitter<void>();
  /** Fires on `protectedModules/didChangeAccessRequests` (SPEC 8; host mode). */
  readonly onDidChangeAccessRequests = this.requestsEmitter.event;
  /** Fires on `protectedModules/didChangeAccess` (and after every (re)start: access may differ). */
  readonly onDidChangeAccess = this.accessEmitter.event;
  /** Fires on `protectedModules/didChangeModules`. */
  readonly onDidChangeModules = this.modulesEmitter.event;
  /** Fires whenever the server is (re)started and ready for requests. */
  readonly onDidStart = this.readyEmitter.event;
  private crashReported = false;
  private stopping = false;
  /** Every notification shown to the user about this server (test hook), oldest first. */
  readonly shownMessages: { severity: 'error' | 'warning' | 'info'; text: string }[] = [];
  private restartCount = 0;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly hostStateEmitter = new vscode.EventEmitter<HostState>();
  /** Fires when the connection to the host changes state (host mode only). */
  readonly onDidChangeHostState = this.hostStateEmitter.event;
  /** The connection to the host (host mode only). */
  hostState: HostState | undefined;
  /** Why the host refused, when it did. */
  hostRefusal: string | undefined;

  private setHostState(state: HostState): void {
    if (state === this.hostState) return;
    this.hostState = state;
    this.output.appendLine(`[client] host ${this.env.host}: ${state}`);
    this.hostStateEmitter.fire(state);
  }

  /**
   * Opens the WebSocket to the host, retrying with backoff (0.5 s doubling up to 30 s) while the
   * host cannot be reached; a refusal (401/429) stops (state `refused`). vscode-languageclient
   * re-opens every document (unsaved text included) on the new session.
   */
  private async connectHost(url: string): Promise<{ reader: import('vscode-jsonrpc').MessageReader; writer: import('vscode-jsonrpc').MessageWriter }> {
    for (let attempt = 0; ; attempt++) {
      if (this.stopping) throw new Error('stopped');
      const token = await this.context.secrets.get(hostTokenKey(url));
      if (!token) {
        this.hostRefusal = 'No token is stored for this host: run "Protected Modules: Connect to Environment Host…".';
        this.setHostState('refused');
        throw new HostRefusedError(401);
      }
      try {
        const c = await connectToHost(url, token);
        this.hostRefusal = undefined;
        this.setHostState('connected');
        c.socket.on('close', () => {
          if (!this.stopping && this.hostState === 'connected') this.setHostState('reconnecting');
        });
        return { reader: c.reader, writer: c.writer };
      } catch (e) {
        if (e instanceof HostRefusedError) {
          this.hostRefusal = e.message;
          this.setHostState('refused');
          throw e;
        }
        this.setHostState(attempt === 0 && this.hostState === undefined ? 'connecting' : 'reconnecting');
        await new Promise((r) => setTimeout(r, Math.min(30000, 500 * 2 ** Math.min(attempt, 6))));
      }
    }
  }

  constructor(
    readonly env: EnvironmentFolder,
    private readonly context: vscode.ExtensionContext,
    private readonly output: vscode.LogOutputChannel,
    /** Decides whether a document belongs to this environment (several environments may be open). */
    private readonly owns: (uri: vscode.Uri) => boolean,
  ) {
    const serverModule = context.asAbsolutePath('dist/server.js');
    const hostUrl = env.host;
    const serverOptions: ServerOptions = hostUrl
      ? () => this.connectHost(hostUrl)
      : async () => {
          const child = spawn(process.execPath, [...SERVER_NODE_OPTIONS, serverModule, '--stdio'], {
            cwd: env.path,
            env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
            stdio: ['pipe', 'pipe', 'pipe'],
          });
          this.process = child;
          return child;
        };

    const guard =
      <T extends unknown[], R>(uriOf: (...args: T) => vscode.Uri | undefined, fallback: R) =>
      (...args: [...T, (...a: T) => R]): R => {
        const next = args[args.length - 1] as (...a: T) => R;
        const rest = args.slice(0, -1) as unknown as T;
        const uri = uriOf(...rest);
        return uri && !this.owns(uri) ? fallback : next(...rest);
      };
    const docUri = (d: vscode.TextDocument) => d.uri;
    // With several environments open, `modules:` and `module-interface:` documents of another
    // environment must not reach this server: filter them here (DocumentFilter cannot select by
    // URI authority).
    const middleware: Middleware = {
      didOpen: guard(docUri, Promise.resolve()),
      didChange: guard((e: vscode.TextDocumentChangeEvent) => e.document.uri, Promise.resolve()),
      didClose: guard(docUri, Promise.resolve()),
      didSave: guard(docUri, Promise.resolve()),
      provideCompletionItem: guard(docUri, undefined as never),
      provideHover: guard(docUri, undefined as never),
      provideSignatureHelp: guard(docUri, undefined as never),
      provideDefinition: guard(docUri, undefined as never),
      provideReferences: guard(docUri, undefined as never),
      provideDocumentSymbols: guard(docUri, undefined as never),
      provideCodeActions: guard(docUri, undefined as never),
      provideRenameEdits: guard(docUri, undefined as never),
      prepareRename: guard(docUri, undefined as never),
      provideDocumentHighlights: guard(docUri, undefined as never),
    } as unknown as Middleware;

    // The server relies on the client's file watchers (docs/DECISIONS.md "The language server").
    // Watchers on a `modules:` workspace folder never see disk changes, so watch the environment's
    // folder on disk itself; the events carry `file:` URIs, which the server accepts.
    // On a host nothing of the environment is on this machine: no disk watcher, no file: documents.
    const diskWatcher = hostUrl ? undefined : vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(env.path), DISK_WATCH_GLOB));
    if (diskWatcher) this.disposables.push(diskWatcher);
    const clientOptions: LanguageClientOptions = {
      documentSelector: [
        ...(hostUrl ? [] : [{ scheme: 'file', language: 'logic', pattern: `${env.path.replace(/\\/g, '/')}/**/*` }]),
        { scheme: MODULES_SCHEME, language: 'logic' },
        { scheme: INTERFACE_SCHEME, language: 'logic' },
        { scheme: INTERFACE_SCHEME },
      ],
      // The server sees the environment as the `file:` folder it is on disk, whatever the
      // workspace folder's scheme (a `modules://<name>/` workspace has no path): the server names
      // environments by their folder's base name, which is the `modules://` authority.
      workspaceFolder: hostUrl
        ? { uri: vscode.Uri.from({ scheme: MODULES_SCHEME, authority: env.name, path: '/' }), name: env.name, index: 0 }
        : { uri: vscode.Uri.file(env.path), name: env.name, index: 0 },
      // On a host the user is the token's (SPEC 7): no user, no paths are sent.
      initializationOptions: () =>
        hostUrl
          ? {}
          : {
              user: userSetting(),
              environments: [env.path],
              // shown as a module workspace (`modules://<name>/`): the server then names interfaces by the
              // Explorer's INTERFACE.logic (server/interfaceLocation.ts)
              moduleWorkspaces: (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === MODULES_SCHEME).map((f) => f.uri.toString()),
            },
      synchronize: hostUrl ? {} : { configurationSection: CONFIG_SECTION, fileEvents: diskWatcher },
      outputChannel: output,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      middleware,
      errorHandler: {
        error: () => ({ action: ErrorAction.Continue, handled: true }),
        closed: () => this.onClosed(),
      },
      // A server that dies while answering `initialize` (e.g. killed while starting) is restarted
      // by `closed` above; without this handler vscode-languageclient would also show the raw
      // JSON-RPC error ("Pending response rejected since connection got disposed") to the user.
      initializationFailedHandler: (error) => {
        this.output.warn(`[client] the server of ${env.name} did not finish starting: ${(error as Error)?.message ?? String(error)}`);
        return false;
      },
    };
    this.client = new LanguageClient(
      'protectedModules', // so that `protectedModules.trace.server` applies
      `Protected Modules (${env.name})`,
      serverOptions,
      clientOptions,
    );
    this.disposables.push(
      this.client.onDidChangeState((e) => {
        if (e.newState === State.Running) this.afterStart();
      }),
      // Registered once: vscode-languageclient keeps the handlers across restarts.
      this.client.onNotification(Notifications.didChangeAccess.method, () => this.accessEmitter.fire()),
      this.client.onNotification(Notifications.didChangeModules.method, () => this.modulesEmitter.fire()),
      this.client.onNotification(Notifications.didChangeAccessRequests.method, () => this.requestsEmitter.fire()),
    );
    // vscode-languageclient's own notifications ("… client: couldn't create connection to server.",
    // "Restarting server failed", each with a JSON-RPC error code) all go through this method. They
    // are already in the output channel; the user gets plain words instead: nothing while the
    // server is being restarted (the crash report says it), one message when it stays stopped.
    const lib = this.client as unknown as { showNotificationMessage(type: number, message?: string, data?: unknown): void };
    lib.showNotificationMessage = () => this.checkStoppedSoon();
  }

  private stoppedCheck: ReturnType<typeof setTimeout> | undefined;
  private gaveUp = false;
  private startFailureReported = false;

  /** After a failure the library reported: tell the user once if the server stays stopped. */
  private checkStoppedSoon(): void {
    if (this.stoppedCheck) clearTimeout(this.stoppedCheck);
    this.stoppedCheck = setTimeout(() => {
      this.stoppedCheck = undefined;
      const state = this.client.state;
      if (this.stopping || this.gaveUp || this.startFailureReported) return;
      if (state === State.Running || state === State.Starting) return;
      this.startFailureReported = true;
      this.notify(
        'error',
        `The Protected Modules language server for "${this.env.name}" could not be started. See the "Protected Modules" output for details, then run "Developer: Reload Window" to try again.`,
      );
    }, 3000);
  }

  private notify(severity: 'error' | 'warning' | 'info', text: string): void {
    this.shownMessages.push({ severity, text });
    const show =
      severity === 'error' ? vscode.window.showErrorMessage : severity === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    void show(text);
  }

  /** Starts the server (idempotent while running). */
  async start(): Promise<void> {
    await this.client.start();
  }

  private afterStart(): void {
    this.readyEmitter.fire();
    this.accessEmitter.fire();
  }

  private onClosed() {
    if (this.stopping) return { action: CloseAction.DoNotRestart, handled: true };
    if (this.env.host) {
      // A host session that ended: reconnect (with backoff, in connectHost) unless refused.
      if (this.hostState === 'refused') return { action: CloseAction.DoNotRestart, handled: true };
      this.setHostState('reconnecting');
      return { action: CloseAction.Restart, handled: true };
    }
    this.restartCount++;
    this.output.appendLine(`[client] the server of ${this.env.name} stopped unexpectedly; restarting it (restart ${this.restartCount}).`);
    if (!this.crashReported) {
      this.crashReported = true;
      this.notify(
        'warning',
        `The Protected Modules language server for "${this.env.name}" stopped unexpectedly and was restarted. Your open files and unsaved edits are kept.`,
      );
    }
    // Restart without limit but not in a tight loop: vscode-languageclient waits between attempts
    // only when asked, so refuse after many rapid restarts.
    if (this.restartCount > 20) {
      this.gaveUp = true;
      this.notify(
        'error',
        `The Protected Modules language server for "${this.env.name}" keeps stopping; it will not be restarted. Run "Developer: Reload Window" to try again, and see the "Protected Modules" output for details.`,
      );
      return { action: CloseAction.DoNotRestart, handled: true };
    }
    return { action: CloseAction.Restart, handled: true };
  }

  /** Process id of the running server, if any (test hook). */
  get pid(): number | undefined {
    return this.process && this.process.exitCode === null && this.process.signalCode === null ? this.process.pid : undefined;
  }

  /** True while the connection to the server is up. */
  get running(): boolean {
    return this.client.state === State.Running;
  }

  /** Number of times the server was restarted after stopping unexpectedly. */
  get restarts(): number {
    return this.restartCount;
  }

  /** Resolves when the server is running (waits at most `timeoutMs`). */
  async whenRunning(timeoutMs = 30000): Promise<void> {
    if (this.running) return;
    // Past the restart limit nothing will start it again: fail at once instead of after the timeout.
    if (this.gaveUp) {
      throw new Error(
        `the Protected Modules language server for "${this.env.name}" is stopped (it kept stopping unexpectedly); run "Developer: Reload Window" to start it again`,
      );
    }
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        sub.dispose();
        reject(new Error(`the language server for "${this.env.name}" is not running`));
      }, timeoutMs);
      const sub = this.client.onDidChangeState((e) => {
        if (e.newState === State.Running) {
          clearTimeout(timer);
          sub.dispose();
          resolve();
        }
      });
    });
  }

  /**
   * Sends a custom request of SPEC 4. Waits for a (re)starting server; a request cut off by a
   * crash is retried once after the restart. Errors from the server (JSON-RPC `ResponseError`,
   * with `code`/`message`/`data`) are rethrown as they are.
   */
  async request<M extends Method>(type: { readonly method: M } | M, params: RequestTypes[M]['params']): Promise<RequestTypes[M]['result']> {
    const method = typeof type === 'string' ? type : type.method;
    for (let attempt = 0; ; attempt++) {
      await this.whenRunning();
      try {
        return (await this.client.sendRequest(method, params)) as RequestTypes[M]['result'];
      } catch (e) {
        // An answer of the server (SPEC 4 error codes and other JSON-RPC errors) is final; a
        // request cut off because the server went away is retried once it is back.
        const code = (e as { code?: unknown }).code;
        const lost = [-32097 /* PendingResponseRejected */, -32096 /* ConnectionInactive */, 1 /* Closed */, 2 /* Disposed */];
        const answered = typeof code === 'number' && !lost.includes(code);
        if (attempt === 0 && !answered && !this.stopping) {
          await new Promise((r) => setTimeout(r, 200)); // let the client notice the crash
          continue;
        }
        throw e;
      }
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    try {
      if (this.client.state !== State.Stopped) await this.client.stop(5000);
    } catch {
      // already gone
    }
  }

  dispose(): void {
    if (this.stoppedCheck) clearTimeout(this.stoppedCheck);
    void this.stop();
    this.disposables.forEach((d) => d.dispose());
    this.accessEmitter.dispose();
    this.modulesEmitter.dispose();
    this.readyEmitter.dispose();
    this.requestsEmitter.dispose();
    this.hostStateEmitter.dispose();
  }
}

/** The `protectedModules.user` setting (undefined when empty). */
export function userSetting(): string | undefined {
  const v = vscode.workspace.getConfiguration(CONFIG_SECTION).get<string>('user');
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}
