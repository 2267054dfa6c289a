/**
 * A recording LSP session for the canary leak test (SPEC 4 "No leak").
 *
 * Spawns `node dist/server.js --stdio`, talks JSON-RPC over the child's streams with
 * vscode-languageserver-protocol's node connection, and records, in arrival order, every byte
 * the server writes (stdout, stderr) and every byte the client writes (stdin). {@link analyse}
 * then cuts both streams into LSP messages and attributes every server message to what the
 * client had sent, so that a canary the *client itself* sent (a URI naming a canary file, a
 * document text it typed) is not counted when the server merely echoes it back:
 *
 * - a response may echo canaries of its own request, and of the texts the client sent for the
 *   request's `textDocument.uri`;
 * - `textDocument/publishDiagnostics` may echo canaries of its URI and of the texts the client
 *   sent for that URI;
 * - any other notification or server request may echo canaries the client had sent before it;
 * - stderr and bytes outside LSP frames may echo nothing.
 *
 * With `strict`, nothing is exempt (for sessions whose client sends no canary, or where even an
 * echo would be wrong). With `fromChunk`, only what arrived from that chunk on is checked.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { PassThrough } from 'node:stream';
import * as path from 'node:path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-languageserver-protocol/node';
import { ensureBuilt, fileUri, REPO, SERVER_JS } from '../lsp-client';
import { ProgressWatch } from '../../helpers/wait';

/** One chunk of bytes in arrival order. */
export interface Chunk {
  dir: 'out' | 'err' | 'in';
  bytes: Buffer;
}

/** The outcome of a request: its result or its error (never thrown). */
export type Outcome = { ok: true; result: unknown } | { ok: false; code: number; message: string; data?: unknown };

/** Options of {@link startRecordedServer}. */
export interface RecordedOptions {
  folder: string;
  user: string;
  /** Announce `workspace.configuration` support (the server then pulls `protectedModules.user`). */
  pullConfiguration?: boolean;
  /**
   * Another transport than the server over stdio (the environment host over a WebSocket,
   * test/host/leak-battery.test.ts): it records into `chunks` as stdio would (`in`/`out`, LSP
   * framed) and returns a stand-in for the process and the connection.
   */
  transport?: (chunks: Chunk[]) => Promise<{ child: ChildProcessWithoutNullStreams; connection: MessageConnection }>;
  /** The workspace folder URI sent in `initialize` (default: the folder's `file:` URI). */
  workspaceFolderUri?: string;
}

/** A running server whose traffic is recorded. */
export class RecordedSession {
  readonly chunks: Chunk[] = [];
  initializeResult: { capabilities: Record<string, unknown> } = { capabilities: {} };
  /** Every server → client request method received (for the report). */
  readonly serverRequests: string[] = [];
  /** Every notification method received, with a count. */
  readonly notificationCounts = new Map<string, number>();
  /** The latest diagnostics per URI. */
  readonly diagnostics = new Map<string, { range: { start: { line: number; character: number } }; message: string; code?: unknown }[]>();
  /** Every diagnostic code ever published, with a count. */
  readonly diagnosticCodes = new Map<string, number>();
  /** What the client answers to `workspace/configuration` for `protectedModules.user`. */
  settingUser: string;
  /** Number of requests sent, per method. */
  readonly sentRequests = new Map<string, number>();
  /** Number of notifications sent, per method. */
  readonly sentNotifications = new Map<string, number>();

  constructor(
    readonly child: ChildProcessWithoutNullStreams,
    readonly connection: MessageConnection,
    readonly user: string,
  ) {
    this.settingUser = user;
  }

  /**
   * Sends a request; resolves to its result or error (never rejects). Times out (code -1) only when
   * the server made no progress (no CPU time) for 20 s while it was pending (test/helpers/wait.ts).
   */
  async request(method: string, params: unknown): Promise<Outcome> {
    this.sentRequests.set(method, (this.sentRequests.get(method) ?? 0) + 1);
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        this.connection.sendRequest(method, params),
        new Promise((_, reject) => {
          const watch = new ProgressWatch(this.child.pid);
          timer = setInterval(() => {
            if (watch.quietFor() > 20000) reject({ code: -1, message: `timeout: ${method}` });
          }, 500);
        }),
      ]);
      return { ok: true, result };
    } catch (e) {
      const err = e as { code?: number; message?: string; data?: unknown };
      return { ok: false, code: err.code ?? 0, message: String(err.message ?? e), data: err.data };
    } finally {
      clearInterval(timer);
    }
  }

  /** Sends many requests with at most `width` in flight; answers in order. */
  async requestAll(calls: [string, unknown][], width = 32): Promise<Outcome[]> {
    const out: Outcome[] = new Array(calls.length);
    let next = 0;
    const worker = async () => {
      while (next < calls.length) {
        const i = next++;
        out[i] = await this.request(calls[i][0], calls[i][1]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(width, calls.length) }, worker));
    return out;
  }

  /** Sends a notification. */
  notify(method: string, params?: unknown): void {
    this.sentNotifications.set(method, (this.sentNotifications.get(method) ?? 0) + 1);
    void this.connection.sendNotification(method, params);
  }

  /** A round trip, so that every notification sent before it has been handled. */
  async sync(): Promise<void> {
    await this.request('protectedModules/whoami', {});
  }

  /** Waits `ms` milliseconds (for debounced diagnostics). */
  settle(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
  }

  /** Shuts the server down and waits for its exit. */
  async close(): Promise<void> {
    await Promise.race([this.connection.sendRequest('shutdown'), delay(3000)]).catch(() => undefined);
    void this.connection.sendNotification('exit');
    await Promise.race([new Promise((r) => this.child.once('exit', r)), delay(3000)]);
    if (this.child.exitCode === null) this.child.kill();
    this.connection.dispose();
  }

  /** Every byte the server wrote (stdout + stderr), as UTF-8. */
  serverText(): string {
    return Buffer.concat(this.chunks.filter((c) => c.dir !== 'in').map((c) => c.bytes)).toString('utf8');
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The server over stdio, every byte recorded. */
function spawnStdio(chunks: Chunk[]): { child: ChildProcessWithoutNullStreams; connection: MessageConnection } {
  const child = spawn(process.execPath, [SERVER_JS, '--stdio'], {
    cwd: REPO,
    env: { ...process.env, PROTECTED_MODULES_USER: '' },
  });
  const toServer = new PassThrough();
  toServer.on('data', (b: Buffer) => chunks.push({ dir: 'in', bytes: Buffer.from(b) }));
  toServer.pipe(child.stdin);
  child.stdout.on('data', (b: Buffer) => chunks.push({ dir: 'out', bytes: b }));
  child.stderr.on('data', (b: Buffer) => chunks.push({ dir: 'err', bytes: b }));
  child.stdin.on('error', () => undefined);
  return { child, connection: createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(toServer)) };
}

/**
 * Starts the server over stdio as `user` on one environment folder, with `trace: 'verbose'` in
 * `initialize` and `$/setTrace` verbose, and answers the server's own requests like VS Code
 * (configuration: the same user; registrations accepted; applyEdit refused).
 */
export async function startRecordedServer(options: RecordedOptions): Promise<RecordedSession> {
  ensureBuilt();
  const chunks: Chunk[] = [];
  const { child, connection } = options.transport ? await options.transport(chunks) : spawnStdio(chunks);
  const s = new RecordedSession(child, connection, options.user);
  (s as { chunks: Chunk[] }).chunks = chunks;
  connection.onNotification((method: string, params: unknown) => {
    s.notificationCounts.set(method, (s.notificationCounts.get(method) ?? 0) + 1);
    if (method === 'textDocument/publishDiagnostics') {
      const p = params as { uri: string; diagnostics: never[] };
      s.diagnostics.set(p.uri, p.diagnostics);
      for (const d of p.diagnostics as { code?: unknown }[]) s.diagnosticCodes.set(String(d.code), (s.diagnosticCodes.get(String(d.code)) ?? 0) + 1);
    }
  });
  connection.onRequest((method: string, params: unknown) => {
    s.serverRequests.push(method);
    switch (method) {
      case 'workspace/configuration': {
        const items = (params as { items?: { section?: string }[] })?.items ?? [];
        return items.map((i) => (i.section === 'protectedModules.user' ? s.settingUser : i.section === 'protectedModules' ? { user: s.settingUser } : null));
      }
      case 'workspace/applyEdit':
        return { applied: false, failureReason: 'the leak test applies nothing' };
      case 'workspace/workspaceFolders':
        return [{ uri: fileUri(options.folder), name: path.basename(options.folder) }];
      case 'window/showMessageRequest':
      case 'window/showDocument':
      default:
        return null;
    }
  });
  connection.onError(() => undefined);
  connection.listen();

  const pull = options.pullConfiguration ?? true;
  const init = await s.request('initialize', {
    processId: process.pid,
    clientInfo: { name: 'leak-test' },
    rootUri: null,
    capabilities: {
      workspace: {
        configuration: pull,
        applyEdit: true,
        workspaceEdit: { documentChanges: true, resourceOperations: ['create', 'rename', 'delete'] },
        didChangeConfiguration: { dynamicRegistration: true },
        didChangeWatchedFiles: { dynamicRegistration: true, relativePatternSupport: true },
        workspaceFolders: true,
        symbol: { resolveSupport: { properties: ['location.range'] } },
        executeCommand: { dynamicRegistration: true },
        fileOperations: { didCreate: true, didRename: true, didDelete: true, willCreate: true, willRename: true, willDelete: true },
        semanticTokens: { refreshSupport: true },
        codeLens: { refreshSupport: true },
        inlayHint: { refreshSupport: true },
        diagnostics: { refreshSupport: true },
      },
      window: { workDoneProgress: true, showMessage: {}, showDocument: { support: true } },
      textDocument: {
        synchronization: { dynamicRegistration: false, willSave: true, willSaveWaitUntil: true, didSave: true },
        publishDiagnostics: { versionSupport: true, relatedInformation: true, codeDescriptionSupport: true, dataSupport: true },
        completion: {
          completionItem: { snippetSupport: true, documentationFormat: ['markdown', 'plaintext'], resolveSupport: { properties: ['documentation', 'detail'] } },
          contextSupport: true,
        },
        hover: { contentFormat: ['markdown', 'plaintext'] },
        signatureHelp: {
          signatureInformation: {
            documentationFormat: ['markdown', 'plaintext'],
            parameterInformation: { labelOffsetSupport: true },
            activeParameterSupport: true,
          },
          contextSupport: true,
        },
        definition: { linkSupport: true },
        declaration: { linkSupport: true },
        typeDefinition: { linkSupport: true },
        implementation: { linkSupport: true },
        references: {},
        documentHighlight: {},
        documentSymbol: { hierarchicalDocumentSymbolSupport: true },
        codeAction: {
          codeActionLiteralSupport: { codeActionKind: { valueSet: ['', 'quickfix', 'refactor', 'source'] } },
          resolveSupport: { properties: ['edit'] },
          dataSupport: true,
        },
        codeLens: {},
        documentLink: {},
        rename: { prepareSupport: true },
        foldingRange: {},
        selectionRange: {},
        semanticTokens: { requests: { full: { delta: true }, range: true }, tokenTypes: [], tokenModifiers: [], formats: ['relative'] },
        inlayHint: { resolveSupport: { properties: ['tooltip', 'label'] } },
        diagnostic: {},
        callHierarchy: {},
        typeHierarchy: {},
      },
    },
    workspaceFolders: [{ uri: options.workspaceFolderUri ?? fileUri(options.folder), name: path.basename(options.folder) }],
    initializationOptions: { user: options.user },
    trace: 'verbose',
  });
  if (!init.ok) throw new Error(`initialize failed: ${init.message}`);
  s.initializeResult = init.result as { capabilities: Record<string, unknown> };
  s.notify('initialized', {});
  s.notify('$/setTrace', { value: 'verbose' });
  await s.sync();
  return s;
}

/** A message cut out of a stream. */
interface Frame {
  /** Raw body text. */
  text: string;
  json: { id?: number | string; method?: string; params?: unknown; result?: unknown; error?: unknown } | undefined;
}

/** Cuts `Content-Length` framed messages out of a byte stream as it arrives. */
class FrameParser {
  private buf = Buffer.alloc(0);
  /** Bytes that were not part of any frame (should be none). */
  garbage = '';

  push(bytes: Buffer): Frame[] {
    this.buf = Buffer.concat([this.buf, bytes]);
    const out: Frame[] = [];
    for (;;) {
      const headerEnd = this.buf.indexOf('\r\n\r\n');
      if (headerEnd < 0) break;
      const header = this.buf.subarray(0, headerEnd).toString('ascii');
      const m = /Content-Length:\s*(\d+)/i.exec(header);
      if (!m || m.index !== header.search(/Content-Length/i) || !/^(Content-[A-Za-z]+:[^\r\n]*(\r\n)?)+$/.test(header)) {
        // Not a header: everything up to the next header start is garbage.
        const next = this.buf.indexOf('Content-Length:', 1);
        const cut = next < 0 ? this.buf.length : next;
        this.garbage += this.buf.subarray(0, cut).toString('utf8');
        this.buf = this.buf.subarray(cut);
        if (next < 0) break;
        continue;
      }
      const len = Number(m[1]);
      if (this.buf.length < headerEnd + 4 + len) break;
      const text = this.buf.subarray(headerEnd + 4, headerEnd + 4 + len).toString('utf8');
      this.buf = this.buf.subarray(headerEnd + 4 + len);
      let json: Frame['json'];
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      out.push({ text, json });
    }
    return out;
  }

  /** Whatever is left unframed at the end. */
  rest(): string {
    return this.garbage + this.buf.toString('utf8');
  }
}

/** One canary found where the user may not see it. */
export interface Leak {
  canary: string;
  /** `response to <method>`, `notification <method>`, `server request <method>`, `stderr`, … */
  where: string;
  /** The request's params (for responses), shortened. */
  request?: string;
  /** The text around the canary. */
  excerpt: string;
}

/** The result of {@link analyse}. */
export interface Analysis {
  leaks: Leak[];
  /** For each canary, how many server messages carry it without the client having sent it. */
  seen: Map<string, number>;
  /** Number of server messages analysed. */
  messages: number;
  /** Total bytes the server wrote. */
  bytes: number;
}

function excerptAround(text: string, needle: string): string {
  const i = text.indexOf(needle);
  return text.slice(Math.max(0, i - 160), i + needle.length + 160);
}

/**
 * Attributes every server message to what the client had sent and finds the canaries of
 * `watch` that a message carries although the client did not send them (see the file comment).
 * Only canaries in `forbidden` are reported as leaks; `seen` counts all of `watch`.
 */
export function analyse(
  session: RecordedSession,
  watch: readonly string[],
  forbidden: readonly string[],
  options: { strict?: boolean; fromChunk?: number } = {},
): Analysis {
  const forbiddenSet = new Set(forbidden);
  const inParser = new FrameParser();
  const outParser = new FrameParser();
  const requests = new Map<string, Frame>(); // client request id → frame
  const textsByUri = new Map<string, string[]>(); // client-sent document texts (and the URI itself)
  const sentCanaries = new Set<string>();
  const leaks: Leak[] = [];
  const seen = new Map<string, number>(watch.map((c) => [c, 0]));
  let messages = 0;
  let bytes = 0;
  let stderr = '';

  // (No canary contains another: the test checks it, so one alternation finds them all.)
  const pattern = new RegExp(
    [...watch]
      .sort((x, y) => y.length - x.length)
      .map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('|'),
    'g',
  );
  let current = 0; // index of the chunk being parsed
  const check = (text: string, exemptIf: (c: string) => boolean, where: string, request?: string) => {
    if (current < (options.fromChunk ?? 0)) return;
    const exempt = options.strict ? () => false : exemptIf;
    const found = new Set<string>();
    for (const m of text.matchAll(pattern)) found.add(m[0]);
    for (const c of found) {
      if (exempt(c)) continue;
      seen.set(c, (seen.get(c) ?? 0) + 1);
      if (forbiddenSet.has(c)) leaks.push({ canary: c, where, request, excerpt: excerptAround(text, c) });
    }
  };
  const uriOf = (params: unknown): string | undefined => {
    const p = params as { textDocument?: { uri?: unknown }; uri?: unknown } | undefined;
    const u = p?.textDocument?.uri ?? p?.uri;
    return typeof u === 'string' ? u : undefined;
  };

  for (const [index, chunk] of session.chunks.entries()) {
    current = index;
    if (chunk.dir === 'in') {
      for (const f of inParser.push(chunk.bytes)) {
        for (const m of f.text.matchAll(pattern)) sentCanaries.add(m[0]);
        const j = f.json;
        if (!j) continue;
        if (j.method && j.id !== undefined) requests.set(String(j.id), f);
        const uri = uriOf(j.params);
        if (j.method && uri) {
          const list = textsByUri.get(uri) ?? [uri];
          if (j.method === 'textDocument/didOpen' || j.method === 'textDocument/didChange') list.push(f.text);
          textsByUri.set(uri, list);
        }
      }
      continue;
    }
    bytes += chunk.bytes.length;
    if (chunk.dir === 'err') {
      stderr += chunk.bytes.toString('utf8');
      continue;
    }
    for (const f of outParser.push(chunk.bytes)) {
      messages++;
      const j = f.json;
      if (!j) {
        check(f.text, () => false, 'unparsable stdout frame');
        continue;
      }
      if (!j.method && j.id !== undefined) {
        const req = requests.get(String(j.id));
        const reqText = req?.text ?? '';
        const uri = uriOf(req?.json?.params);
        const docTexts = uri ? (textsByUri.get(uri) ?? []) : [];
        check(f.text, (c) => reqText.includes(c) || docTexts.some((t) => t.includes(c)), `response to ${req?.json?.method ?? '?'}`, reqText.slice(0, 400));
      } else if (j.method === 'textDocument/publishDiagnostics') {
        const uri = uriOf(j.params) ?? '';
        const docTexts = textsByUri.get(uri) ?? [uri];
        check(f.text, (c) => docTexts.some((t) => t.includes(c)), `notification ${j.method} for ${uri}`);
      } else {
        const kind = j.id !== undefined ? 'server request' : 'notification';
        check(f.text, (c) => sentCanaries.has(c), `${kind} ${j.method}`);
      }
    }
  }
  current = Infinity;
  check(stderr, () => false, 'stderr');
  const rest = outParser.rest();
  if (rest.trim()) check(rest, () => false, 'stdout outside LSP frames');
  return { leaks, seen, messages, bytes };
}

/** A readable report of leaks (grouped by canary and place, a few examples each). */
export function describeLeaks(user: string, leaks: Leak[]): string {
  const groups = new Map<string, Leak[]>();
  for (const l of leaks) {
    const k = `${l.canary} ← ${l.where}`;
    groups.set(k, [...(groups.get(k) ?? []), l]);
  }
  const lines = [`${user}: ${leaks.length} leak(s) in ${groups.size} place(s):`];
  for (const [k, ls] of groups) {
    lines.push(`- ${k} (×${ls.length})`);
    const l = ls[0];
    if (l.request) lines.push(`    request: ${l.request.slice(0, 300)}`);
    lines.push(`    excerpt: …${l.excerpt.replace(/\s+/g, ' ')}…`);
  }
  return lines.join('\n');
}
