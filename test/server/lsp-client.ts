/**
 * A small LSP client for the server tests: spawns `node dist/server.js --stdio`, talks JSON-RPC
 * with vscode-languageserver-protocol's node connection, records every byte the server writes
 * (stdout and stderr, for leak tests) and every notification it sends.
 *
 * Build first (`node scripts/build.mjs`); {@link ensureBuilt} does it once per test process.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-languageserver-protocol/node';
import {
  InitializeRequest,
  InitializedNotification,
  ShutdownRequest,
  ExitNotification,
  DidOpenTextDocumentNotification,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  ConfigurationRequest,
  RegistrationRequest,
  type InitializeResult,
  type FileEvent,
} from 'vscode-languageserver-protocol';
import { URI } from 'vscode-uri';
import { after, before } from 'node:test';
import { QUIET_MS } from '../helpers/wait';
import { RpcTestClient } from '../helpers/rpc';

/** The repository root. */
export const REPO = path.resolve(__dirname, '..', '..');
/** The built server. */
export const SERVER_JS = path.join(REPO, 'dist', 'server.js');

let built = false;
/** Builds `dist/` once per process (esbuild, a second or so). */
export function ensureBuilt(): void {
  if (built || process.env.PM_TEST_BUILT === '1') return; // scripts/test.mjs built dist/ already
  const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build failed:\n${r.stdout}\n${r.stderr}`);
  built = true;
}

/** Copies a fixture folder into a fresh temp folder and returns the copy's real path. */
export function copyFixture(relFromRepo: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pm-server-'));
  const dest = path.join(dir, path.basename(relFromRepo));
  fs.cpSync(path.join(REPO, relFromRepo), dest, { recursive: true });
  return fs.realpathSync(dest);
}

/** Options of {@link startServer}. */
export interface StartOptions {
  /** Environment folders, given as `file:` workspace folders. */
  folders: string[];
  /** `initializationOptions.user` (omitted when undefined). */
  user?: string;
  /** The value answered to `workspace/configuration` for `protectedModules.user`. */
  settingUser?: string | null;
  /** Extra environment variables for the server process. */
  env?: Record<string, string>;
  /** Announce `workspace.configuration` (pull) support. Default true. */
  pullConfiguration?: boolean;
  /** Delay before answering each `workspace/configuration` request (ms). */
  configurationDelayMs?: number;
  /** Initial `trace` value ('off' | 'messages' | 'verbose'). */
  trace?: 'off' | 'messages' | 'verbose';
  /** Open the folders as `modules://<name>/` workspace folders (as the client's module workspace
   *  does), naming their disk paths in `initializationOptions.environments`. */
  modulesWorkspace?: boolean;
  /** Extra `textDocument` client capabilities (e.g. `completion`), merged into the defaults. */
  textDocumentCapabilities?: Record<string, unknown>;
  /** Announce dynamic registration of `didChangeWatchedFiles` (as VS Code). Default true; false
   *  is a client such as Neovim 0.7, for which the server watches the disk itself. */
  watchedFiles?: boolean;
}

/** A running server and the client connected to it (the JSON-RPC core: {@link RpcTestClient}). */
export class TestClient extends RpcTestClient {
  /** Everything the server wrote to stdout and stderr. */
  stdout: Buffer[] = [];
  stderr: Buffer[] = [];
  /** Every `client/registerCapability` registration received. */
  readonly registrations: { method: string; registerOptions?: unknown }[] = [];
  /** The value answered to `workspace/configuration`. */
  settingUser: string | null;
  initializeResult!: InitializeResult;
  /** The answer to the `whoami` sent right after `initialized`. */
  firstWhoami: unknown;

  constructor(
    readonly process: ChildProcessWithoutNullStreams,
    connection: MessageConnection,
    settingUser: string | null,
  ) {
    super(connection, () => process.pid, QUIET_MS);
    this.settingUser = settingUser;
  }

  /** All bytes the server wrote (stdout + stderr) as one UTF-8 string. */
  allOutput(): string {
    return Buffer.concat([...this.stdout, ...this.stderr]).toString('utf8');
  }

  /** Opens a document. */
  open(uri: string, text: string, languageId = 'logic', version = 1): void {
    void this.connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId, version, text },
    });
  }

  /** Opens the file at the absolute path `file` with its text on disk, as `uri` (default its `file:` URI); returns the URI. */
  openFile(file: string, uri = fileUri(file)): string {
    this.open(uri, fs.readFileSync(file, 'utf8'));
    return uri;
  }

  /** Sends `workspace/didChangeConfiguration` (pull style, `settings: null`) after setting what
   *  `workspace/configuration` answers. */
  switchUser(user: string | null): void {
    this.settingUser = user;
    void this.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
  }

  /** Sends `workspace/didChangeWatchedFiles`. */
  filesChanged(changes: FileEvent[]): void {
    void this.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes });
  }

  /** Shuts the server down (shutdown + exit) and waits for the process to end. */
  async close(): Promise<void> {
    try {
      await Promise.race([this.connection.sendRequest(ShutdownRequest.type), delay(3000)]);
      void this.connection.sendNotification(ExitNotification.type);
    } catch {
      /* already gone */
    }
    await Promise.race([new Promise((r) => this.process.once('exit', r)), delay(3000)]);
    if (this.process.exitCode === null) this.process.kill();
    this.connection.dispose();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** `file:` URI of an absolute path. */
export function fileUri(p: string): string {
  return URI.file(p).toString();
}

/** `modules://<folder>/<rel>` URI. */
export function modulesUri(folderName: string, rel: string): string {
  return URI.from({ scheme: 'modules', authority: folderName, path: '/' + rel }).toString();
}

/**
 * Starts the server over stdio, initializes it with the folders and user, and waits until the
 * server has finished `initialized` (its first `workspace/configuration` pull, when supported).
 */
export async function startServer(options: StartOptions): Promise<TestClient> {
  ensureBuilt();
  const child = spawn(process.execPath, [SERVER_JS, '--stdio'], {
    cwd: REPO,
    env: { ...process.env, PROTECTED_MODULES_USER: '', ...options.env },
  });
  const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const client = new TestClient(child, connection, options.settingUser ?? null);
  child.stdout.on('data', (b: Buffer) => client.stdout.push(b));
  child.stderr.on('data', (b: Buffer) => client.stderr.push(b));

  let configured = false;
  connection.onRequest(ConfigurationRequest.type, async (params) => {
    configured = true;
    client.poke();
    if (options.configurationDelayMs) await delay(options.configurationDelayMs);
    return params.items.map((item) =>
      item.section === 'protectedModules.user' ? client.settingUser : item.section === 'protectedModules' ? { user: client.settingUser } : null,
    );
  });
  connection.onRequest(RegistrationRequest.type, (params) => {
    client.registrations.push(...params.registrations.map((r) => ({ method: r.method, registerOptions: r.registerOptions })));
    client.poke();
  });
  connection.onRequest('window/workDoneProgress/create', () => null);
  connection.listen();

  const pull = options.pullConfiguration ?? true;
  client.initializeResult = await connection.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri: null,
    capabilities: {
      workspace: {
        configuration: pull,
        didChangeConfiguration: { dynamicRegistration: true },
        didChangeWatchedFiles: { dynamicRegistration: options.watchedFiles ?? true },
        workspaceFolders: true,
      },
      textDocument: {
        synchronization: { dynamicRegistration: false },
        publishDiagnostics: { versionSupport: true },
        ...options.textDocumentCapabilities,
      },
    },
    workspaceFolders: options.folders.map((f) => ({
      uri: options.modulesWorkspace ? `modules://${path.basename(f).toLowerCase()}/` : fileUri(f),
      name: path.basename(f),
    })),
    initializationOptions: {
      ...(options.user === undefined ? {} : { user: options.user }),
      ...(options.modulesWorkspace ? { environments: options.folders } : {}),
    },
    trace: options.trace ?? 'off',
  });
  void connection.sendNotification(InitializedNotification.type, {});
  if (pull) await client.waitFor(() => configured, 'the first workspace/configuration pull');
  // whoami round-trips after `initialized` has been handled (requests wait until the user is settled).
  client.firstWhoami = await client.request('protectedModules/whoami', {});
  return client;
}

/** A server of {@link useServer}: the running {@link TestClient}, and `root`, the fixture copy's folder. */
export type UsedServer = TestClient & { readonly root: string };

/**
 * The one server set-up of the server tests. Call it in a `describe` body: before the suite's tests
 * it copies `fixture` (a folder, relative to the repository) to a temporary folder, lets
 * `options.prepare` change the copy, and starts the server on it as `user` (the other options as
 * {@link startServer}'s); after them it closes the server.
 * @returns a stand-in for the running client, usable in the suite's tests and hooks (it throws
 *   before the server started), with `root` the copy's real path
 */
export function useServer(
  fixture: string,
  user: string | undefined,
  options: Omit<StartOptions, 'folders' | 'user'> & { prepare?: (root: string) => void } = {},
): UsedServer {
  let root: string | undefined;
  let client: TestClient | undefined;
  const { prepare, ...start } = options;
  before(async () => {
    root = copyFixture(fixture);
    prepare?.(root);
    client = await startServer({ ...start, folders: [root], user });
  });
  after(async () => {
    await client?.close();
  });
  return new Proxy({} as UsedServer, {
    get(_target, key) {
      if (key === 'root' && root !== undefined) return root;
      if (!client) throw new Error(`useServer(${fixture}): the server starts in the suite's before hook`);
      const value: unknown = Reflect.get(client, key, client);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(client) : value;
    },
  });
}
