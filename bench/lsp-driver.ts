/**
 * A generic LSP client over stdio for the benchmark (issue 6): spawns a server command, speaks
 * JSON-RPC with vscode-languageserver-protocol, times requests with `process.hrtime.bigint()`,
 * collects pushed diagnostics (`textDocument/publishDiagnostics`) or pulls them
 * (`textDocument/diagnostic`, when the server announces `diagnosticProvider`), and samples the
 * resident memory of the server's whole process tree from `/proc`.
 *
 * Every request has a timeout (default 30 s) and never hangs the benchmark; a server that exits
 * makes every pending and later request fail with the exit reason.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, createWriteStream, type WriteStream } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { basename } from 'node:path';
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  CancellationTokenSource,
  type MessageConnection,
} from 'vscode-languageserver-protocol/node';

/** How to start a server. */
export interface ServerSpec {
  /** Short id: `ours`, `tsgo`, `tsserver`. */
  id: string;
  /** Human-readable name for the tables. */
  label: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: Record<string, string>;
  initializationOptions?: unknown;
  /** Answers to `workspace/configuration` by section (`protectedModules.user` → 'bob'). */
  settings?: Record<string, unknown>;
  /** The language id of consumer files (`logic`, `typescript`). */
  languageId: string;
}

/** An LSP diagnostic as far as the benchmark needs it. */
export interface Diag {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  severity?: number;
  code?: string | number;
  message: string;
  source?: string;
}

/** Elapsed milliseconds since `t0` (a `process.hrtime.bigint()` value). */
export function msSince(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Thrown when a request or wait exceeds its time limit. */
export class TimeoutError extends Error {}

// ---------------------------------------------------------------------------------------------
// Memory of a process tree

/** Per-process memory from `/proc/<pid>/status`, in kB (undefined when the process is gone). */
function readStatus(pid: number): { rss: number; hwm: number; name: string } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /VmRSS:\s+(\d+)/.exec(s);
    const hwm = /VmHWM:\s+(\d+)/.exec(s);
    const name = /Name:\s+(.*)/.exec(s);
    return { rss: rss ? Number(rss[1]) : 0, hwm: hwm ? Number(hwm[1]) : 0, name: name ? name[1] : '?' };
  } catch {
    return undefined;
  }
}

/** utime + stime of a process from `/proc/<pid>/stat`, in clock ticks (USER_HZ, 100 on Linux). */
function readCpuTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields after the command: state(3) ppid(4) … utime(14) stime(15), i.e. rest[11], rest[12].
    return Number(rest[11]) + Number(rest[12]);
  } catch {
    return undefined;
  }
}

/** The pid and all its descendants (scans `/proc/<pid>/stat` for parent pids). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [root];
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      // pid (comm) state ppid …; comm may contain spaces and parentheses.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(rest[1]);
      const list = children.get(ppid);
      if (list) list.push(Number(e));
      else children.set(ppid, [Number(e)]);
    } catch {
      // raced with an exiting process
    }
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    const p = stack.pop()!;
    out.push(p);
    for (const c of children.get(p) ?? []) stack.push(c);
  }
  return out;
}

/**
 * Samples the summed VmRSS of a process tree every `intervalMs` (the tree is re-discovered
 * every second), and keeps every process's VmHWM (its own peak, exact between samples).
 */
export class MemoryMonitor {
  private timer: NodeJS.Timeout | undefined;
  private pids: number[] = [];
  private lastScan = 0;
  /** Highest sampled sum of VmRSS over the tree, kB. */
  peakSumRssKb = 0;
  /** Per-process peak (VmHWM), kB, with the process name. */
  readonly hwm = new Map<number, { kb: number; name: string }>();
  /** Per-process CPU time (user + system) at the last sample, in clock ticks (1/100 s). */
  readonly cpuTicks = new Map<number, number>();

  /**
   * @param busy true while the client waits for an answer or for diagnostics: the tree is not
   *        discovered again then (a scan of `/proc` holds the client's event loop for about 2 ms,
   *        and a timed request whose answer arrived meanwhile counted it: issue 15); the reads
   *        of the known processes take microseconds and go on
   */
  constructor(
    private readonly root: number,
    private readonly intervalMs = 100,
    private readonly busy: () => boolean = () => false,
  ) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  sample(): void {
    const now = Date.now();
    if (this.pids.length === 0 || (now - this.lastScan > 1000 && !this.busy())) {
      this.pids = processTree(this.root);
      this.lastScan = now;
    }
    let sum = 0;
    for (const pid of this.pids) {
      const s = readStatus(pid);
      if (!s) continue;
      sum += s.rss;
      const prev = this.hwm.get(pid);
      if (!prev || s.hwm > prev.kb) this.hwm.set(pid, { kb: s.hwm, name: s.name });
      const ticks = readCpuTicks(pid);
      if (ticks !== undefined) this.cpuTicks.set(pid, ticks);
    }
    if (sum > this.peakSumRssKb) this.peakSumRssKb = sum;
  }

  /** CPU time (user + system) consumed so far by the live process tree, ms (10 ms resolution). */
  cpuMsNow(): number {
    let ticks = 0;
    for (const pid of processTree(this.root)) ticks += readCpuTicks(pid) ?? 0;
    return ticks * 10;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * The peak resident memory of the tree, MB: the larger of the sampled peak of the summed RSS
   * and the largest single process's VmHWM; plus the sum of all VmHWM (an upper bound) and the
   * per-process breakdown.
   */
  result(): { peakMB: number; sumOfPeaksMB: number; cpuSeconds: number; processes: { pid: number; name: string; peakMB: number; cpuSeconds: number }[] } {
    const procs = [...this.hwm.entries()].map(([pid, v]) => ({
      pid,
      name: v.name,
      peakMB: round(v.kb / 1024),
      cpuSeconds: round((this.cpuTicks.get(pid) ?? 0) / 100, 2),
    }));
    const maxSingle = Math.max(0, ...procs.map((p) => p.peakMB));
    const sum = procs.reduce((a, p) => a + p.peakMB, 0);
    const cpu = procs.reduce((a, p) => a + p.cpuSeconds, 0);
    return { peakMB: round(Math.max(this.peakSumRssKb / 1024, maxSingle)), sumOfPeaksMB: round(sum), cpuSeconds: round(cpu, 2), processes: procs };
  }
}

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

// ---------------------------------------------------------------------------------------------
// The session

/** A running language server and the client side of its connection. */
export class LspSession {
  readonly proc: ChildProcess;
  readonly conn: MessageConnection;
  readonly memory: MemoryMonitor;
  readonly spawnedAt: bigint;
  capabilities: Record<string, any> = {};
  /** `pull` when the server announced `diagnosticProvider`, else `push`. */
  diagnosticsMode: 'push' | 'pull' = 'push';
  /** Why the server is gone (exit code or signal), once it is. */
  exited: string | undefined;
  private readonly log: WriteStream;
  private pushSeq = 0;
  private readonly pushed = new Map<string, { seq: number; version?: number; diagnostics: Diag[] }>();
  private readonly pushWaiters = new Set<() => void>();
  private exitListeners = new Set<(why: string) => void>();
  /** Requests and diagnostics waits after an edit in progress (the memory monitor does not scan `/proc` then). */
  private waiting = 0;
  /** Count of `workspace/diagnostic/refresh` requests received. */
  refreshCount = 0;
  /** Server → client requests seen, by method (for the report). */
  readonly serverRequests = new Map<string, number>();
  readonly versions = new Map<string, number>();

  private constructor(
    readonly spec: ServerSpec,
    logPath: string,
  ) {
    this.log = createWriteStream(logPath);
    this.spawnedAt = process.hrtime.bigint();
    this.proc = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.proc.stderr!.on('data', (d: Buffer) => this.log.write(d));
    this.proc.on('exit', (code, signal) => {
      this.exited = signal ? `killed by ${signal}` : `exited with code ${code}`;
      this.log.write(`\n[bench] server ${this.exited}\n`);
      for (const l of this.exitListeners) l(this.exited);
    });
    this.proc.on('error', (e) => {
      this.exited = `failed to start: ${e.message}`;
      for (const l of this.exitListeners) l(this.exited);
    });
    this.conn = createMessageConnection(new StreamMessageReader(this.proc.stdout!), new StreamMessageWriter(this.proc.stdin!));
    this.conn.onError(([e]) => this.log.write(`[bench] connection error: ${e.message}\n`));
    this.conn.onRequest((method: string, params: any) => this.onServerRequest(method, params));
    this.conn.onNotification((method: string, params: any) => this.onServerNotification(method, params));
    this.conn.listen();
    this.memory = new MemoryMonitor(this.proc.pid ?? 0, 100, () => this.waiting > 0);
    if (this.proc.pid) this.memory.start();
  }

  /** Spawns the server (no LSP traffic yet). Server stderr and log messages go to `logPath`. */
  static spawn(spec: ServerSpec, logPath: string): LspSession {
    return new LspSession(spec, logPath);
  }

  private onServerRequest(method: string, params: any): unknown {
    this.serverRequests.set(method, (this.serverRequests.get(method) ?? 0) + 1);
    switch (method) {
      case 'workspace/configuration':
        return (params?.items ?? []).map((it: { section?: string }) => this.configValue(it.section));
      case 'workspace/diagnostic/refresh':
        this.refreshCount++;
        return null;
      case 'workspace/workspaceFolders':
        return null;
      case 'window/showMessageRequest':
        return null;
      case 'workspace/applyEdit':
        return { applied: false };
      default: // client/registerCapability, window/workDoneProgress/create, */refresh …
        return null;
    }
  }

  private configValue(section: string | undefined): unknown {
    const s = this.spec.settings ?? {};
    if (!section) return s;
    if (section in s) return s[section];
    // Nested lookup: `protectedModules` → { user: … } from `protectedModules.user`.
    const prefix = section + '.';
    const sub: Record<string, unknown> = {};
    let found = false;
    for (const [k, v] of Object.entries(s)) {
      if (k.startsWith(prefix)) {
        sub[k.slice(prefix.length)] = v;
        found = true;
      }
    }
    return found ? sub : null;
  }

  private onServerNotification(method: string, params: any): void {
    if (method === 'textDocument/publishDiagnostics') {
      this.pushed.set(params.uri, { seq: ++this.pushSeq, version: params.version, diagnostics: params.diagnostics ?? [] });
      for (const w of [...this.pushWaiters]) w();
    } else if (method === 'window/logMessage' || method === 'window/showMessage') {
      this.log.write(`[${method}] ${params?.message}\n`);
    }
  }

  /** Resolves when the server exits (with the reason). */
  private onExit(): { promise: Promise<never>; dispose: () => void } {
    let listener: (why: string) => void = () => {};
    const promise = new Promise<never>((_, reject) => {
      if (this.exited) reject(new Error(`server ${this.exited}`));
      listener = (why) => reject(new Error(`server ${why}`));
      this.exitListeners.add(listener);
    });
    promise.catch(() => {});
    return { promise, dispose: () => this.exitListeners.delete(listener) };
  }

  /** Sends a request; rejects after `timeoutMs` (cancelling it) or when the server exits. */
  async request<R = any>(method: string, params: unknown, timeoutMs = 30_000): Promise<R> {
    if (this.exited) throw new Error(`server ${this.exited}`);
    this.waiting++;
    const cts = new CancellationTokenSource();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        cts.cancel();
        reject(new TimeoutError(`${method} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
    });
    const exit = this.onExit();
    try {
      const sent = (params === undefined ? this.conn.sendRequest(method, cts.token) : this.conn.sendRequest(method, params, cts.token)) as Promise<R>;
      return await Promise.race([sent, timeout, exit.promise]);
    } finally {
      this.waiting--;
      clearTimeout(timer);
      exit.dispose();
      cts.dispose();
    }
  }

  /** A request timed from just before sending to the response, ms. */
  async timed<R = any>(method: string, params: unknown, timeoutMs = 30_000): Promise<{ ms: number; result: R }> {
    const t0 = process.hrtime.bigint();
    const result = await this.request<R>(method, params, timeoutMs);
    return { ms: msSince(t0), result };
  }

  notify(method: string, params: unknown): void {
    if (this.exited) throw new Error(`server ${this.exited}`);
    void (params === undefined ? this.conn.sendNotification(method) : this.conn.sendNotification(method, params));
  }

  /** `initialize` + `initialized`, with one workspace folder. */
  async initialize(rootPath: string, timeoutMs = 120_000): Promise<void> {
    const rootUri = pathToFileURL(rootPath).href;
    const result = await this.request<{ capabilities: Record<string, any> }>(
      'initialize',
      {
        processId: process.pid,
        clientInfo: { name: 'protected-modules-bench', version: '1' },
        rootUri,
        rootPath,
        workspaceFolders: [{ uri: rootUri, name: basename(rootPath) }],
        initializationOptions: this.spec.initializationOptions,
        capabilities: {
          general: { positionEncodings: ['utf-16'] },
          window: { workDoneProgress: true, showMessage: {} },
          workspace: {
            configuration: true,
            workspaceFolders: true,
            didChangeConfiguration: { dynamicRegistration: true },
            didChangeWatchedFiles: { dynamicRegistration: true, relativePatternSupport: true },
            diagnostics: { refreshSupport: true },
            applyEdit: false,
          },
          textDocument: {
            synchronization: { dynamicRegistration: false, didSave: true, willSave: false },
            completion: {
              completionItem: {
                snippetSupport: false,
                documentationFormat: ['markdown', 'plaintext'],
                labelDetailsSupport: true,
                resolveSupport: { properties: ['documentation', 'detail'] },
                insertReplaceSupport: true,
              },
              // As VS Code's client declares it (vscode-languageclient 9).
              completionList: { itemDefaults: ['commitCharacters', 'editRange', 'insertTextFormat', 'insertTextMode', 'data'] },
              contextSupport: true,
            },
            hover: { contentFormat: ['markdown', 'plaintext'] },
            definition: { linkSupport: true },
            signatureHelp: { signatureInformation: { documentationFormat: ['markdown', 'plaintext'] } },
            publishDiagnostics: { relatedInformation: true, versionSupport: true },
            diagnostic: { dynamicRegistration: false, relatedDocumentSupport: false },
          },
        },
      },
      timeoutMs,
    );
    this.capabilities = result?.capabilities ?? {};
    this.diagnosticsMode = this.capabilities.diagnosticProvider ? 'pull' : 'push';
    this.notify('initialized', {});
  }

  open(uri: string, text: string): void {
    this.versions.set(uri, 1);
    this.notify('textDocument/didOpen', { textDocument: { uri, languageId: this.spec.languageId, version: 1, text } });
  }

  /** Sends one incremental change; returns the new version. */
  change(uri: string, range: Diag['range'], text: string): number {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    this.notify('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ range, text }] });
    return version;
  }

  /** The push sequence number so far (to wait for diagnostics published after a point). */
  get pushMark(): number {
    return this.pushSeq;
  }

  /**
   * Waits for diagnostics of `uri` that satisfy `accept`. Push: the first publication after
   * `afterMark` (a `pushMark`) that satisfies it and, when it names a document version, is not
   * older than `minVersion`. Pull: `textDocument/diagnostic` requests one
   * after another (`pollGapMs` apart) until the answer satisfies it. Rejects after `timeoutMs`.
   */
  async waitForDiagnostics(
    uri: string,
    accept: (d: Diag[]) => boolean,
    opts: { afterMark?: number; minVersion?: number; timeoutMs?: number; pollGapMs?: number } = {},
  ): Promise<Diag[]> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    if (this.diagnosticsMode === 'pull') {
      for (;;) {
        const left = deadline - Date.now();
        if (left <= 0) throw new TimeoutError(`no accepted diagnostics for ${basename(uri)} within ${timeoutMs} ms`);
        const r = await this.request<{ kind: string; items?: Diag[] }>('textDocument/diagnostic', { textDocument: { uri } }, left);
        const items = r?.items ?? [];
        if (r?.kind !== 'unchanged' && accept(items)) return items;
        if (opts.pollGapMs) await new Promise((res) => setTimeout(res, opts.pollGapMs));
      }
    }
    const after = opts.afterMark ?? -1;
    // A wait after an edit is timed (edit → diagnostics); the cold start's wait is long and may scan.
    const timed = opts.afterMark !== undefined;
    if (timed) this.waiting++;
    try {
      return await this.waitForPush(uri, accept, after, opts.minVersion, timeoutMs);
    } finally {
      if (timed) this.waiting--;
    }
  }

  private waitForPush(uri: string, accept: (d: Diag[]) => boolean, after: number, minVersion: number | undefined, timeoutMs: number): Promise<Diag[]> {
    return new Promise<Diag[]>((resolve, reject) => {
      const exit = this.onExit();
      const check = () => {
        const p = this.pushed.get(uri);
        // A publication that names an older document version is stale.
        const fresh = minVersion === undefined || p?.version === undefined || p.version === null || p.version >= minVersion;
        if (p && p.seq > after && fresh && accept(p.diagnostics)) {
          done();
          resolve(p.diagnostics);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new TimeoutError(`no accepted diagnostics for ${basename(uri)} within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.pushWaiters.delete(check);
        exit.dispose();
      };
      exit.promise.catch((e) => {
        done();
        reject(e);
      });
      this.pushWaiters.add(check);
      check();
    });
  }

  /** The latest pushed diagnostics of `uri` (push mode). */
  lastPushed(uri: string): Diag[] | undefined {
    return this.pushed.get(uri)?.diagnostics;
  }

  /** `shutdown` + `exit`; kills the process tree if it is still there after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    this.memory.sample();
    this.memory.stop();
    const tree = this.proc.pid ? processTree(this.proc.pid) : [];
    if (!this.exited) {
      try {
        await this.request('shutdown', undefined, graceMs);
        this.notify('exit', undefined);
      } catch {
        // fall through to kill
      }
      const gone = new Promise<void>((res) => {
        if (this.exited) res();
        else this.proc.once('exit', () => res());
      });
      await Promise.race([gone, new Promise((res) => setTimeout(res, graceMs))]);
    }
    // Kill what is left of the tree we started (by pid, never by name).
    for (const pid of tree.reverse()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    this.conn.dispose();
    this.log.end();
  }
}

/** Percentile (nearest rank) of a sample, ms. */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = xs.slice().sort((a, b) => a - b);
  const idx = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[idx];
}
