/**
 * In-server timing for the benchmark (issue 15): where a request's time goes, measured inside the
 * server, so that it does not depend on what else runs on the machine the way client-side latencies
 * do. Off unless the variable `PROTECTED_MODULES_TIMING` names a file; then the server records
 *
 * - per request method: the handler's wall time (from the handler's start to its answer) and CPU
 *   time (`process.cpuUsage`, user + system), and the bytes allocated on the V8 heap during the
 *   handler (heap growth, counted only over handlers during which no garbage collection ran);
 * - background work: each diagnostics slice (one document's check) and each notification handler,
 *   wall time (a request that arrives meanwhile waits for the slice to end);
 * - garbage collections (`PerformanceObserver` 'gc': count and pause per kind, and how many
 *   happened during a request), and the event loop's delay (`monitorEventLoopDelay`);
 * - when each message to the client was written to standard output (timeline only);
 *
 * and writes a summary (JSON, {@link TimingSummary}) to that file when the process exits. Only
 * method names and numbers are written: no path, name or text of a module.
 */
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance, PerformanceObserver, type IntervalHistogram } from 'node:perf_hooks';

/** Statistics of one kind of work (milliseconds; bytes for allocation). */
export interface TimingStat {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** Mean CPU time (user + system) per call, ms (requests only). */
  cpuMean?: number;
  /** Mean bytes allocated per call, over the calls without a garbage collection (requests only). */
  allocatedMean?: number;
  /** Calls during which a garbage collection ran (requests only). */
  withGc?: number;
  /** CPU time per call (user + system; the process's, so it includes other threads' work meanwhile), ms. */
  cpu?: { p50: number; p99: number; max: number };
  /** Every call in order: wall ms, CPU ms, and whether a collection overlapped it (for splitting by phase). */
  samples?: { ms: number[]; cpuMs: number[]; gc: boolean[] };
  /** The same statistics over the calls without a garbage collection (requests only). */
  withoutGc?: { p50: number; p99: number; max: number };
}

/** What the timing file holds. */
export interface TimingSummary {
  requests: Record<string, TimingStat>;
  background: Record<string, TimingStat>;
  gc: { count: number; totalMs: number; maxMs: number; byKind: Record<string, { count: number; totalMs: number; maxMs: number }> };
  eventLoopDelay: { p50: number; p99: number; max: number };
  heapUsedMB: number;
  /**
   * When each thing ran, for attributing a client's wait (bench/run.ts): times are ms since
   * `origin` (the process's `performance.timeOrigin`, ms since the epoch), so that a client on the
   * same machine can place its own requests among them. Requests: [method, start, ms]; background
   * work: [kind, start, ms]; collections: [kind, start, ms].
   */
  timeline?: { origin: number; requests: [string, number, number][]; background: [string, number, number][]; gc: [string, number, number][] };
}

const GC_KINDS: Record<number, string> = { 1: 'scavenge', 2: 'mark-sweep-compact', 4: 'incremental', 8: 'weak-callbacks', 16: 'all' };

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

function statOf(samples: number[]): TimingStat {
  const s = samples.slice().sort((a, b) => a - b);
  return { n: s.length, p50: r3(pct(s, 50)), p95: r3(pct(s, 95)), p99: r3(pct(s, 99)), max: r3(s[s.length - 1] ?? 0) };
}

/** The recorder; one per process ({@link serverTiming}). */
export class ServerTiming {
  private readonly requests = new Map<string, { start: number[]; ms: number[]; cpuMs: number[]; heap: number[] }>();
  private readonly background = new Map<string, number[]>();
  private readonly backgroundAt: [string, number, number][] = [];
  private readonly gcs: { kind: string; start: number; ms: number }[] = [];
  private readonly loop: IntervalHistogram;

  constructor(private readonly file: string) {
    const obs = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0;
        this.gcs.push({ kind: GC_KINDS[kind] ?? String(kind), start: e.startTime, ms: e.duration });
      }
    });
    obs.observe({ entryTypes: ['gc'] });
    this.loop = monitorEventLoopDelay({ resolution: 10 });
    this.loop.enable();
    process.on('exit', () => this.write());
    // When each message (an answer, a notification) went out: the timeline shows how long an
    // answer waited between its handler's end and the pipe (vscode-jsonrpc writes one macrotask later).
    const write = process.stdout.write.bind(process.stdout) as (...a: unknown[]) => boolean;
    (process.stdout as unknown as { write: unknown }).write = (...a: unknown[]) => {
      const t = performance.now();
      const r = write(...a);
      this.backgroundAt.push(['writing to the client', r3(t), r3(performance.now() - t)]);
      return r;
    };
  }

  /** Runs `f` (a request handler's synchronous part or its promise) and records it under `method`. */
  async request<R>(method: string, f: () => R | Promise<R>): Promise<R> {
    const cpu0 = process.cpuUsage();
    const heap0 = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    try {
      return await f();
    } finally {
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const heap1 = process.memoryUsage().heapUsed;
      let e = this.requests.get(method);
      if (!e) this.requests.set(method, (e = { start: [], ms: [], cpuMs: [], heap: [] }));
      e.start.push(t0);
      e.ms.push(ms);
      e.cpuMs.push((cpu.user + cpu.system) / 1000);
      e.heap.push(heap1 - heap0);
    }
  }

  /** Records a piece of background work (a diagnostics slice, a notification) of `ms` milliseconds. */
  slice(kind: string, ms: number): void {
    let a = this.background.get(kind);
    if (!a) this.background.set(kind, (a = []));
    a.push(ms);
    this.backgroundAt.push([kind, r3(performance.now() - ms), r3(ms)]);
  }

  /** The summary so far. */
  summary(): TimingSummary {
    const requests: Record<string, TimingStat> = {};
    // GC entries arrive asynchronously: a request is matched with the collections that overlap it.
    const gcOverlaps = (t0: number, ms: number) => this.gcs.some((g) => g.start < t0 + ms && g.start + g.ms > t0);
    for (const [m, e] of this.requests) {
      let alloc = 0;
      let allocN = 0;
      let withGc = 0;
      const clean: number[] = [];
      const gc: boolean[] = [];
      e.ms.forEach((ms, i) => {
        gc.push(gcOverlaps(e.start[i], ms));
        if (gc[i] || e.heap[i] < 0) withGc++;
        else {
          alloc += e.heap[i];
          allocN++;
          clean.push(ms);
        }
      });
      const c = statOf(clean);
      const cs = statOf(e.cpuMs);
      requests[m] = {
        ...statOf(e.ms),
        cpuMean: r3(e.cpuMs.reduce((a, b) => a + b, 0) / e.ms.length),
        cpu: { p50: cs.p50, p99: cs.p99, max: cs.max },
        ...(allocN ? { allocatedMean: Math.round(alloc / allocN) } : {}),
        withGc,
        withoutGc: { p50: c.p50, p99: c.p99, max: c.max },
        samples: { ms: e.ms.map(r3), cpuMs: e.cpuMs.map(r3), gc },
      };
    }
    const background: Record<string, TimingStat> = {};
    for (const [k, a] of this.background) background[k] = statOf(a);
    const byKind: TimingSummary['gc']['byKind'] = {};
    for (const g of this.gcs) {
      const b = (byKind[g.kind] ??= { count: 0, totalMs: 0, maxMs: 0 });
      b.count++;
      b.totalMs = r3(b.totalMs + g.ms);
      b.maxMs = r3(Math.max(b.maxMs, g.ms));
    }
    const ns = (x: number) => r3(x / 1e6);
    return {
      requests,
      background,
      gc: { count: this.gcs.length, totalMs: r3(this.gcs.reduce((s, g) => s + g.ms, 0)), maxMs: r3(Math.max(0, ...this.gcs.map((g) => g.ms))), byKind },
      eventLoopDelay: { p50: ns(this.loop.percentile(50)), p99: ns(this.loop.percentile(99)), max: ns(this.loop.max) },
      heapUsedMB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
      timeline: {
        origin: performance.timeOrigin,
        requests: [...this.requests].flatMap(([m, e]) => e.start.map((t, i): [string, number, number] => [m, r3(t), r3(e.ms[i])])),
        background: this.backgroundAt,
        gc: this.gcs.map((g): [string, number, number] => [g.kind, r3(g.start), r3(g.ms)]),
      },
    };
  }

  private write(): void {
    try {
      writeFileSync(this.file, JSON.stringify(this.summary(), null, 2) + '\n');
    } catch {
      // a benchmark aid: nothing to report to the client
    }
  }
}

let instance: ServerTiming | null | undefined;

/** The process's recorder when `PROTECTED_MODULES_TIMING` names a file, else `undefined` (no cost). */
export function serverTiming(): ServerTiming | undefined {
  if (instance === undefined) {
    const file = process.env.PROTECTED_MODULES_TIMING;
    instance = file ? new ServerTiming(file) : null;
  }
  return instance ?? undefined;
}
