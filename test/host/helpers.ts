/**
 * Helpers of the host tests (SPEC 7): start the real `protected-modules serve` (`dist/cli.js`),
 * issue tokens with the real CLI, and talk LSP over a WebSocket (one JSON-RPC message per text
 * frame) with vscode-languageserver-protocol's connection on the host's own reader/writer
 * (server/host/transport.ts). Every frame the host sends is recorded (leak scans).
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import WebSocket from 'ws';
import { createMessageConnection, type MessageConnection } from 'vscode-languageserver-protocol/node';
import { WebSocketMessageReader, WebSocketMessageWriter, rawToString } from '../../server/host/transport';
import { after, before } from 'node:test';
import { ensureBuilt, REPO } from '../server/lsp-client';
import { ProgressWatch, eventually as waitUntil } from '../helpers/wait';
import { RpcTestClient } from '../helpers/rpc';

export const CLI_JS = path.join(REPO, 'dist', 'cli.js');

/** Runs the real CLI synchronously. */
export function cli(args: string[], env: Record<string, string> = {}): { status: number; stdout: string; stderr: string } {
  ensureBuilt();
  const r = spawnSync(process.execPath, [CLI_JS, ...args], { cwd: REPO, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A fresh temp folder (real path). */
export function tempDir(prefix = 'pm-host-'): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
}

/** Copies examples/acme into a temp folder; returns its path (folder name `acme`). */
export function copyAcme(): string {
  const dest = path.join(tempDir(), 'acme');
  fs.cpSync(path.join(REPO, 'examples', 'acme'), dest, { recursive: true });
  return dest;
}

/** Issues a token with the real CLI. */
export function issueToken(env: string, state: string, user: string, extra: string[] = []): string {
  const r = cli(['token', 'issue', env, '--user', user, '--state', state, ...extra]);
  if (r.status !== 0) throw new Error(`token issue failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** The id of a token (`pmt_<id>_…`). */
export function tokenId(token: string): string {
  return token.split('_')[1];
}

/** A running `serve` process. */
export interface Host {
  url: string;
  port: number;
  child: ChildProcessWithoutNullStreams;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `protected-modules serve <env> --port <port> --state <state> …` and waits until it listens. */
export async function startHost(
  env: string,
  state: string,
  extra: string[] = [],
  options: { port?: number; env?: Record<string, string> } = {},
): Promise<Host> {
  ensureBuilt();
  const child = spawn(process.execPath, [CLI_JS, 'serve', env, '--port', String(options.port ?? 0), '--state', state, ...extra], {
    cwd: REPO,
    env: { ...process.env, ...options.env },
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    // Gives up only when the starting host made no progress (no CPU time) for 20 s (helpers/wait.ts).
    const watch = new ProgressWatch(child.pid);
    const timer = setInterval(() => {
      if (watch.quietFor() > 20000) {
        clearInterval(timer);
        reject(new Error(`host did not start:\n${out}`));
      }
    }, 250);
    const check = () => {
      const m = /at (wss?:\/\/\S+\/lsp)/.exec(out);
      if (m) {
        clearInterval(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on('data', check);
    child.once('exit', () => {
      clearInterval(timer);
      reject(new Error(`host exited:\n${out}`));
    });
  });
  const port = Number(/:(\d+)\/lsp$/.exec(url)![1]);
  return {
    url,
    port,
    child,
    output: () => out,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** The outcome of an upgrade attempt: open, or refused with an HTTP status and body. */
export type UpgradeOutcome = { open: true; socket: WebSocket } | { open: false; status: number; body: string };

/** Tries the WebSocket upgrade with an `Authorization` header (`undefined`: none). */
export function tryUpgrade(url: string, authorization: string | undefined, options: WebSocket.ClientOptions = {}): Promise<UpgradeOutcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { ...options, headers: authorization === undefined ? {} : { Authorization: authorization } });
    ws.once('open', () => resolve({ open: true, socket: ws }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ open: false, status: res.statusCode ?? 0, body }));
    });
    ws.once('error', reject);
  });
}

/** An LSP session over a WebSocket (the JSON-RPC core: {@link RpcTestClient}; its waits give up after 15 s of nothing). */
export class WsClient extends RpcTestClient {
  /** Every text frame the host sent, in order. */
  readonly frames: string[] = [];
  closeCode: number | undefined;
  readonly closed: Promise<number>;

  constructor(
    readonly socket: WebSocket,
    connection: MessageConnection,
  ) {
    super(connection, () => undefined, 15000);
    this.closed = new Promise((r) =>
      socket.once('close', (code) => {
        this.closeCode = code;
        this.poke();
        r(code);
      }),
    );
  }

  open(uri: string, text: string, version = 1): void {
    this.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'logic', version, text } });
  }

  /** Everything the host sent, as one string. */
  allFrames(): string {
    return this.frames.join('\n');
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.close(1000);
    await Promise.race([this.closed, new Promise((r) => setTimeout(r, 2000))]);
    this.connection.dispose();
  }
}

/** Connects with a token, initializes (as VS Code would: capabilities, a modules:// folder) and sends `initialized`. */
export async function connect(url: string, token: string, options: WebSocket.ClientOptions & { folder?: string } = {}): Promise<WsClient> {
  const outcome = await tryUpgrade(url, `Bearer ${token}`, options);
  if (!outcome.open) throw new Error(`refused: ${outcome.status} ${outcome.body}`);
  const ws = outcome.socket;
  const connection = createMessageConnection(new WebSocketMessageReader(ws), new WebSocketMessageWriter(ws));
  const client = new WsClient(ws, connection);
  ws.on('message', (d: WebSocket.RawData) => client.frames.push(rawToString(d)));
  connection.onRequest(() => null);
  connection.listen();
  const folder = options.folder ?? 'acme';
  await connection.sendRequest('initialize', {
    processId: 1,
    rootUri: null,
    capabilities: {
      workspace: { configuration: true, workspaceFolders: true, didChangeWatchedFiles: { dynamicRegistration: true } },
      textDocument: { publishDiagnostics: { versionSupport: true } },
    },
    workspaceFolders: [{ uri: `modules://${folder}/`, name: folder }],
    initializationOptions: { user: 'alice', environments: ['/'] },
  });
  void connection.sendNotification('initialized', {});
  await connection.sendRequest('protectedModules/whoami', {});
  return client;
}

/** `modules://acme/<rel>`. */
export function acmeUri(rel: string, folder = 'acme'): string {
  return `modules://${folder}/${rel}`;
}

/** Lines of the host's audit log. */
export function auditLines(state: string): { event: string; user: string | null; detail?: string; path?: string; module?: string; count?: number }[] {
  try {
    return fs
      .readFileSync(path.join(state, 'audit.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l));
  } catch {
    return [];
  }
}

/** Waits until `predicate` holds, polling every 50 ms; gives up after `quietMs` (test/helpers/wait.ts). */
export function eventually(predicate: () => boolean, what: string, quietMs = 10000): Promise<void> {
  return waitUntil(predicate, what, { quietMs });
}

/** A host of {@link startAcmeHost}: the copy of examples/acme it serves, its state folder, the host, and a token per user. */
export interface AcmeHost {
  readonly env: string;
  readonly state: string;
  readonly host: Host;
  /** The token issued for each user. */
  readonly tokens: Readonly<Record<string, string>>;
}

/**
 * Copies examples/acme (then `options.prepare` may change the copy), issues a token for each of
 * `users` with the real CLI (state in a fresh temp folder), and starts a host on the copy
 * ({@link startHost} with `options.extra` and `options.port` / `options.env`). The caller stops it.
 */
export async function startAcmeHost(
  users: string[],
  options: { prepare?: (env: string) => void; extra?: string[]; port?: number; env?: Record<string, string> } = {},
): Promise<AcmeHost> {
  const env = copyAcme();
  options.prepare?.(env);
  const state = path.join(tempDir(), 'state');
  const tokens: Record<string, string> = {};
  for (const u of users) tokens[u] = issueToken(env, state, u);
  const host = await startHost(env, state, options.extra, { port: options.port, env: options.env });
  return { env, state, host, tokens };
}

/** A host of {@link useHost}: the copy of examples/acme it serves, its state folder, the host and the tokens. */
export interface UsedHost extends AcmeHost {
  /** A stand-in for the connected session of `user` (one of `useHost`'s users). */
  client(user: string): WsClient;
}

/**
 * The one host set-up of the host tests (as `useServer` for the language server). Call it in a
 * `describe` body: before the suite's tests it copies examples/acme (changed by `options.prepare`),
 * issues a token for each of `users`, starts a host on the copy ({@link startAcmeHost}) and, unless
 * `options.connect` is false, connects each user; after them it closes the sessions and stops the host.
 */
export function useHost(users: string[], options: { prepare?: (env: string) => void; connect?: boolean } = {}): UsedHost {
  let started: (AcmeHost & { clients: Map<string, WsClient> }) | undefined;
  const get = () => {
    if (!started) throw new Error("useHost: the host starts in the suite's before hook");
    return started;
  };
  before(async () => {
    const acme = await startAcmeHost(users, { prepare: options.prepare });
    started = { ...acme, clients: new Map() };
    if (options.connect === false) return;
    const clients = await Promise.all(users.map((u) => connect(acme.host.url, acme.tokens[u])));
    users.forEach((u, i) => started!.clients.set(u, clients[i]));
  });
  after(async () => {
    await Promise.all([...(started?.clients.values() ?? [])].map((c) => c.close()));
    await started?.host.stop();
  });
  return {
    get env() {
      return get().env;
    },
    get state() {
      return get().state;
    },
    get host() {
      return get().host;
    },
    get tokens() {
      return get().tokens;
    },
    client(user: string): WsClient {
      return new Proxy({} as WsClient, {
        get(_target, key) {
          const c = get().clients.get(user);
          if (!c) throw new Error(`useHost: ${user} is not one of its users`);
          const value: unknown = Reflect.get(c, key, c);
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(c) : value;
        },
      });
    },
  };
}
