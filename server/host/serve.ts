/**
 * The environment host (SPEC 7): `protected-modules serve <environment> [--host 127.0.0.1]
 * [--port 7443] [--tls-cert FILE --tls-key FILE] [--state DIR]`.
 *
 * One process: an HTTP(S) server with `GET /health` (`200 {"ok":true}`, no authentication) and
 * the WebSocket endpoint `/lsp` (the `ws` package; one JSON-RPC message per text frame, frames
 * up to 16 MiB). Every session runs the language server of `languageServer.ts` on one shared
 * index (`sharedEnvironments.ts`) as the user of its token.
 *
 * - Authentication: `Authorization: Bearer <token>` on the upgrade request (`tokens.ts`); every
 *   refusal is `401` with the same body; more than 10 failures from one address within a minute
 *   get `429` for a minute.
 * - Revoking a token, its expiry, or removing its user from `environment.json` closes the user's
 *   sessions within a second (`tokens.json` and `environment.json` are polled every 250 ms).
 * - The environment's disk is watched (recursive `fs.watch`): changes made outside the host reach
 *   every session.
 * - Without TLS only loopback addresses are allowed.
 * - The audit log (`audit.ts`) records connects, disconnects, failed authentications, denials,
 *   writes and owner actions.
 * - Access requests (SPEC 8, `requests.ts`) are kept in the state folder's `requests.json` and
 *   offered to every session.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as path from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { createConnection, createProtocolConnection, ProposedFeatures, FileChangeType, type FileEvent } from 'vscode-languageserver';
import { Requests, type GrantAccessParams, type SetProtectionParams } from '../../shared/protocol';
import { SharedEnvironments } from '../sharedEnvironments';
import { startLanguageServer, type RequestOutcome } from '../languageServer';
import { describeForLog } from '../errors';
import { fileUri, parseUri } from '../uris';
import { AuditLog } from './audit';
import { AccessRequests, RequestStore } from './requests';
import { HostUsageError, lockState, openState } from './state';
import { TokenStore } from './tokens';
import { DEFAULT_SEND_QUEUE_BYTES, WebSocketMessageReader, WebSocketMessageWriter } from './transport';

/** Largest accepted frame (bytes); larger frames close the session (1009). */
export const MAX_PAYLOAD = 16 * 1024 * 1024;
/** Failed authentications per address and minute before `429`. */
export const MAX_FAILURES_PER_MINUTE = 10;
/** How often tokens and the policy are re-checked (ms). */
export const POLL_MS = 250;
/** The body of every `401` (SPEC 7: the same in every case). */
export const UNAUTHORIZED_BODY = '{"error":"unauthorized"}';
/** The body of a `429`. */
export const TOO_MANY_BODY = '{"error":"too many failed attempts; try again later"}';

/** Options of {@link serve}. */
export interface ServeOptions {
  environment: string;
  host: string;
  port: number;
  tlsCert?: string;
  tlsKey?: string;
  state?: string;
  /** Bound of a session's send queue in bytes (tests lower it). */
  sendQueueBytes?: number;
  /** Where progress lines go (stdout). */
  log(line: string): void;
}

/** A running host. */
export interface RunningHost {
  /** The actual port (useful with `--port 0`). */
  port: number;
  url: string;
  stateDir: string;
  close(): Promise<void>;
}

/** True for a loopback host name or address (`localhost`, 127.0.0.0/8, `::1`). */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  if (h === 'localhost') return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  if (net.isIPv6(h)) return h === '::1' || /^::ffff:127\./i.test(h);
  return false;
}

interface HostSession {
  user: string;
  tokenId: string;
  socket: WebSocket;
  closing: boolean;
}

/**
 * Starts the host.
 * @throws HostUsageError for a refused configuration (exit 2): non-loopback without TLS, half a
 *   TLS pair, unreadable certificate, state folder inside the environment, not an environment
 */
export async function serve(options: ServeOptions): Promise<RunningHost> {
  const tls = options.tlsCert !== undefined || options.tlsKey !== undefined;
  if (tls && (!options.tlsCert || !options.tlsKey)) throw new HostUsageError('--tls-cert and --tls-key go together');
  if (!tls && !isLoopback(options.host)) {
    throw new HostUsageError(
      `refusing to listen on ${options.host} without TLS: tokens and sources would cross the network in clear. Give --tls-cert and --tls-key, or use --host 127.0.0.1`,
    );
  }
  let cert: Buffer | undefined;
  let key: Buffer | undefined;
  if (tls) {
    try {
      cert = fs.readFileSync(options.tlsCert!);
      key = fs.readFileSync(options.tlsKey!);
    } catch {
      throw new HostUsageError('cannot read the TLS certificate or key');
    }
  }
  const { root, stateDir } = openState(options.environment, options.state);
  // One host per state folder: two would lose each other's requests and token uses.
  const unlock = lockState(stateDir);
  try {
    const running = await startLocked(options, tls, cert, key, root, stateDir);
    return {
      ...running,
      close: async () => {
        try {
          await running.close();
        } finally {
          unlock();
        }
      },
    };
  } catch (e) {
    unlock();
    throw e;
  }
}

/** The rest of {@link serve}, once the state folder is locked. */
async function startLocked(
  options: ServeOptions,
  tls: boolean,
  cert: Buffer | undefined,
  key: Buffer | undefined,
  root: string,
  stateDir: string,
): Promise<RunningHost> {
  const tokens = new TokenStore(stateDir);
  const audit = new AuditLog(stateDir);
  // SPEC 8: a damaged requests.json stops the start (exit 2, naming the file): it is never overwritten.
  const requestStore = new RequestStore(stateDir);
  requestStore.removeStaleTempFiles();
  const requests = new AccessRequests(requestStore, audit, (line) => process.stderr.write(line + '\n'));
  const shared = new SharedEnvironments([root]);
  const env = shared.environments[0];
  if (!env) throw new HostUsageError(`${options.environment} is not an environment folder`);
  const sessions = new Set<HostSession>();
  const failures = new Map<string, { times: number[]; blockedUntil: number; logged: boolean }>();

  // ----- HTTP

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && url === '/health') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}');
    } else if (url === '/lsp') {
      res.writeHead(426, { 'Content-Type': 'application/json', Upgrade: 'websocket' }).end('{"error":"WebSocket upgrade required"}');
    } else {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"error":"not found"}');
    }
  };
  const server = tls ? https.createServer({ cert, key }, onRequest) : http.createServer(onRequest);
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD, perMessageDeflate: false });

  const refuse = (socket: Duplex, status: 401 | 404 | 429, body: string) => {
    const reason = { 401: 'Unauthorized', 404: 'Not Found', 429: 'Too Many Requests' }[status];
    const headers = [`HTTP/1.1 ${status} ${reason}`, 'Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close'];
    if (status === 401) headers.push('WWW-Authenticate: Bearer');
    if (status === 429) headers.push('Retry-After: 60');
    socket.end(headers.join('\r\n') + '\r\n\r\n' + body);
  };

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    void (async () => {
      const url = (req.url ?? '').split('?')[0];
      if (url !== '/lsp') return refuse(socket, 404, '{"error":"not found"}');
      const address = req.socket.remoteAddress ?? 'unknown';
      const now = Date.now();
      const f = failures.get(address);
      if (f && f.blockedUntil > now) {
        if (!f.logged) {
          f.logged = true;
          audit.write({ user: null, event: 'auth-failed', detail: `rate-limited from ${address} (429 for a minute)` });
        }
        return refuse(socket, 429, TOO_MANY_BODY);
      }
      const header = req.headers.authorization;
      const m = typeof header === 'string' ? /^Bearer +(\S*) *$/i.exec(header) : null;
      const token = header === undefined ? undefined : m ? m[1] : '\u0000malformed';
      const result = await tokens.verify(token);
      let failure: string | undefined;
      let tokenId: string | undefined;
      let user: string | undefined;
      if (!result.ok) {
        failure = result.failure;
        tokenId = result.id;
      } else {
        tokenId = result.record.id;
        user = result.record.user;
        const policy = env.env.policy;
        // An invalid policy keeps nobody out (access fails closed inside, with the visible error);
        // a valid one that no longer names the user does (docs/DECISIONS.md).
        if (policy && !Object.prototype.hasOwnProperty.call(policy.users, user)) failure = 'user-removed';
      }
      if (failure !== undefined || !user || !tokenId) {
        const rec = failures.get(address) ?? { times: [], blockedUntil: 0, logged: false };
        rec.times = rec.times.filter((t) => t > now - 60_000);
        rec.times.push(now);
        if (rec.times.length >= MAX_FAILURES_PER_MINUTE) {
          rec.blockedUntil = now + 60_000;
          rec.logged = false;
          rec.times = [];
        }
        failures.set(address, rec);
        audit.write({ user: null, event: 'auth-failed', detail: `${failure}${tokenId ? ` token ${tokenId}` : ''} from ${address}` });
        return refuse(socket, 401, UNAUTHORIZED_BODY);
      }
      tokens.touch(tokenId);
      const u = user;
      const id = tokenId;
      wss.handleUpgrade(req, socket, head, (ws) => startSession(ws, u, id, address));
    })().catch((e) => {
      process.stderr.write(`protected-modules serve: upgrade failed: ${describeForLog(e)}\n`);
      socket.destroy();
    });
  });

  // ----- sessions

  const relPath = (uri: unknown): string | undefined => {
    if (typeof uri !== 'string') return undefined;
    const p = parseUri(uri);
    if (!p) return undefined;
    if (p.scheme === 'modules') return p.relPath;
    if (p.scheme === 'interface') return `${p.module}.logic (interface)`;
    const rel = path.relative(root, p.path);
    return rel.startsWith('..') ? undefined : rel.split(path.sep).join('/');
  };

  const auditAnswer = (user: string, o: RequestOutcome) => {
    const params = (o.params ?? {}) as Record<string, unknown>;
    if (o.error) {
      if (o.error.code !== -32001) return;
      const d = (o.error.data ?? {}) as { module?: string; access?: string; required?: string };
      audit.denied({
        user,
        ...(d.module ? { module: d.module } : {}),
        ...(relPath(params.uri) !== undefined ? { path: relPath(params.uri) } : {}),
        ...(d.access ? { access: d.access } : {}),
        ...(d.required ? { required: d.required } : {}),
        detail: o.method,
      });
      return;
    }
    if (o.method === Requests.writeFile.method) audit.write({ user, event: 'write', path: relPath(params.uri) });
    else if (o.method === Requests.setProtection.method) {
      const p = params as unknown as SetProtectionParams;
      audit.write({ user, event: p.protected ? 'protect' : 'unprotect', module: String(p.module) });
    } else if (o.method === Requests.grantAccess.method) {
      const p = params as unknown as GrantAccessParams;
      audit.write({ user, event: 'grant', module: String(p.module), access: String(p.access), detail: `to ${String(p.to)}` });
    }
  };

  const startSession = (ws: WebSocket, user: string, tokenId: string, address: string) => {
    const session: HostSession = { user, tokenId, socket: ws, closing: false };
    sessions.add(session);
    audit.write({ user, event: 'connect', detail: `token ${tokenId} from ${address}` });
    const reader = new WebSocketMessageReader(ws);
    const writer = new WebSocketMessageWriter(ws, options.sendQueueBytes ?? DEFAULT_SEND_QUEUE_BYTES);
    // The common createConnection with our own watchdog: a client's `exit` or `processId` must
    // never end the host (vscode-languageserver/node would call process.exit).
    let shutdown = false;
    const connection = createConnection(
      (logger) => createProtocolConnection(reader, writer, logger),
      {
        initialize: () => {},
        get shutdownReceived() {
          return shutdown;
        },
        set shutdownReceived(v: boolean) {
          shutdown = v;
        },
        exit: () => ws.close(1000, 'exit'),
      },
      ProposedFeatures.all,
    );
    const lsp = startLanguageServer(connection, { host: { user, shared, requests, onAnswer: (o) => auditAnswer(user, o) } });
    let tooLarge = false;
    ws.on('close', (code) => {
      sessions.delete(session);
      lsp.dispose();
      try {
        connection.dispose();
      } catch {
        /* already gone */
      }
      audit.write({ user, event: 'disconnect', detail: `token ${tokenId}${code === 1009 || tooLarge ? ' (frame too large)' : ''}` });
    });
    ws.on('error', (e: Error & { code?: string }) => {
      if (e.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') tooLarge = true;
      ws.terminate();
    });
  };

  const closeSession = (s: HostSession, reason: string) => {
    if (s.closing) return;
    s.closing = true;
    s.socket.close(4401, reason);
    setTimeout(() => s.socket.terminate(), 300).unref();
  };

  // ----- watching: tokens and policy (polled), the environment's files (fs.watch)

  const policyFile = path.join(root, 'environment.json');
  const stampOf = (p: string) => {
    try {
      const st = fs.statSync(p);
      return `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch {
      return 'missing';
    }
  };
  let policyStamp = stampOf(policyFile);
  const poll = setInterval(() => {
    try {
      tokens.reload();
    } catch {
      /* keep the last good copy */
    }
    const stamp = stampOf(policyFile);
    if (stamp !== policyStamp) {
      policyStamp = stamp;
      if (!shared.isOwnWrite(policyFile)) shared.filesChanged([{ uri: fileUri(policyFile), type: FileChangeType.Changed }]);
    }
    const policy = env.env.policy;
    const now = Date.now();
    for (const s of sessions) {
      const t = tokens.get(s.tokenId);
      const why = !t ? 'revoked' : TokenStore.unusable(t, now);
      if (why) closeSession(s, `token ${why}`);
      else if (policy && !Object.prototype.hasOwnProperty.call(policy.users, s.user)) closeSession(s, 'user removed');
    }
  }, POLL_MS);

  let watcher: fs.FSWatcher | undefined;
  const pending = new Map<string, true>();
  let flushTimer: NodeJS.Timeout | undefined;
  const flush = () => {
    flushTimer = undefined;
    const events: FileEvent[] = [];
    for (const abs of pending.keys()) {
      if (abs === policyFile) continue; // the poller's
      if (shared.isOwnWrite(abs)) continue;
      let exists = false;
      try {
        exists = fs.statSync(abs).isFile() || fs.statSync(abs).isDirectory();
      } catch {
        exists = false;
      }
      const known = env.program.moduleOfPath(abs) !== undefined && env.env.modules.some((m) => m.files.includes(abs) || m.manifestPath === abs);
      events.push({ uri: fileUri(abs), type: !exists ? FileChangeType.Deleted : known ? FileChangeType.Changed : FileChangeType.Created });
    }
    pending.clear();
    if (events.length) shared.filesChanged(events);
  };
  try {
    watcher = fs.watch(root, { recursive: true }, (_event, name) => {
      if (!name) return;
      const rel = String(name);
      if (rel.split(path.sep).some((seg) => seg.startsWith('.') || seg === 'node_modules')) return;
      pending.set(path.join(root, rel), true);
      if (!flushTimer) flushTimer = setTimeout(flush, 50);
    });
    watcher.on('error', () => {});
  } catch {
    options.log('protected-modules serve: cannot watch the environment folder; changes made outside the host are seen only after a restart');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new HostUsageError(e.code === 'EADDRINUSE' ? `port ${options.port} is already in use` : `cannot listen on ${options.host}:${options.port}`)),
    );
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  const hostPart = net.isIPv6(options.host) ? `[${options.host}]` : options.host;
  const url = `${tls ? 'wss' : 'ws'}://${hostPart}:${port}/lsp`;
  options.log(`protected-modules: serving ${env.folderName} at ${url} (state: ${stateDir})`);

  return {
    port,
    url,
    stateDir,
    close: async () => {
      clearInterval(poll);
      watcher?.close();
      for (const s of sessions) s.socket.terminate();
      audit.flush();
      wss.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
