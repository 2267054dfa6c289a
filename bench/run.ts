/**
 * The benchmark runner (issues 6 and 15): our language server against TypeScript 7's native
 * language server (`tsc --lsp --stdio`) and TypeScript 5.9's tsserver (through
 * typescript-language-server), on a generated environment and its TypeScript equivalent (see
 * `generate.ts`).
 *
 *   npm run bench -- --size small|medium|large | --sizes small,medium,large
 *                    [--servers all|ours,tsgo,tsserver] [--repetitions N] [--seed N]
 *                    [--quick] [--requests N] [--edits N] [--signature-edits N]
 *                    [--regenerate] [--out DIR] [--results-dir DIR] [--update-doc] [--doc-only]
 *                    [--priority N] [--cpu-prof] [--server-node-options "--trace-gc …"] [--server-timing]
 *
 * Servers run one after another (each alone on the machine). For each: cold start, completion
 * after `Module.`, hover, go to definition, edit-to-diagnostics in the 5,000-line consumer,
 * signature edit in a service module (TS: its .d.ts) to the consumer's diagnostics, peak memory.
 * `--repetitions N` (default 3 when all three servers run, else 1; 1 with `--quick`) runs the
 * servers N times, their order rotated each time; the result gives each figure's median and
 * spread, and each ratio ours ÷ peer taken within one repetition (never against figures of another
 * invocation: with `--servers ours` there is no ratio and comparisons are "not compared").
 * Writes `<results-dir>/results-<size>.json` and `.md` (default results dir: bench/out; `--quick`
 * adds `-quick`); `--sizes` also writes `results.md` (all sizes, cold start and memory per
 * thousand lines). `--update-doc` rewrites the matching `<!-- results:<size|all> -->` block of
 * BENCHMARKS.md; `--doc-only` re-renders from the last JSON result without measuring.
 */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cpus, totalmem, release, platform, loadavg, getPriority, setPriority } from 'node:os';
import { createRequire } from 'node:module';
import { PerformanceObserver, performance as perf } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { generate, makeRng, parseArgs, type BenchManifest, type SitePair } from './generate';
import { LspSession, percentile, msSince, type ServerSpec, type Diag } from './lsp-driver';
import type { TimingSummary } from '../server/timing';
import { SERVER_NODE_OPTIONS } from '../shared/protocol/serverProcess';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..');

// ---------------------------------------------------------------------------------------------
// Result shapes

/** Latency statistics of one operation (ms), or why there are none. */
export type Stat =
  | {
      n: number;
      ok: number;
      p50: number;
      p95: number;
      p99: number;
      mean: number;
      max: number;
      first?: number;
      note?: string;
      /** Server CPU time (whole process tree, user + system) per operation, mean over the phase, ms. */
      cpuMsPerOp?: number;
    }
  | { na: string };

export interface ServerResult {
  id: string;
  label: string;
  command: string;
  version?: string;
  available: boolean;
  reason?: string;
  diagnosticsMode?: 'push' | 'pull';
  coldStartMs?: number | { na: string };
  firstDiagnosticsMs?: number;
  /** CPU time of the server's process tree from spawn to the end of the cold start, ms. */
  coldStartCpuMs?: number;
  completion?: Stat;
  hover?: Stat;
  definition?: Stat;
  /** Completion right after typing `Module.` on a new line (incomplete code). */
  typing?: Stat;
  edit?: Stat;
  signatureEdit?: Stat;
  memory?:
    | { peakMB: number; sumOfPeaksMB: number; cpuSeconds: number; processes: { pid: number; name: string; peakMB: number; cpuSeconds: number }[] }
    | { na: string };
  /** The nice value the server ran at (inherited from the runner, `--priority`). */
  nice?: number;
  /** 1-minute load average of the machine when the server started and when it stopped. */
  loadAverage?: { start: number; end: number };
  notes: string[];
  durationMs?: number;
  /** `--server-timing`: the server's own timing summary (server/timing.ts), ours only. */
  serverTiming?: TimingSummary;
  /** When each timed operation of a phase started (ms since the epoch) and how long it took (ms), for {@link waitsLine}. */
  clientTimes?: Record<string, [number, number][]>;
  /** `--server-timing`: the benchmark client's own garbage collections while this server ran: [kind, start (ms since the epoch), ms]. */
  clientGc?: [string, number, number][];
  /** In a median result: the repetitions it is the median of (1-based), and where this server ran in each one's order (1-based). */
  repetitions?: { n: number; positions: number[] };
}

/**
 * The transport floor of one repetition: hover latencies of a server that does nothing
 * (bench/floor-server.mjs) over the same client and pipes, ms; what a request and its answer cost
 * on this machine before any server work.
 */
export interface Floor {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

/** A figure over the repetitions of one invocation: its median and its spread. */
export interface Agg {
  median: number;
  min: number;
  max: number;
  /** How many repetitions gave the figure. */
  n: number;
}

/** One row of the table: a figure of every server, and the ratios ours ÷ peer (each ratio taken within one repetition). */
export interface FigureRow {
  key: string;
  label: string;
  unit: 'ms' | 'MB';
  /** Per server id; missing when that server did not give the figure (or did not run). */
  values: Record<string, Agg | undefined>;
  /** Per peer id: ours ÷ peer per repetition, then the median and spread; only between figures of the same repetition. */
  ratios: Record<string, Agg | undefined>;
}

/** A goal of issue 15: `not compared` when it needs a peer that was not measured in the same invocation. */
export interface Goal {
  goal: string;
  status: 'met' | 'missed' | 'not compared' | 'n/a';
  detail: string;
}

export interface BenchResult {
  size: string;
  seed: number;
  quick: boolean;
  date: string;
  machine: { cpu: string; cores: number; memoryGB: number; node: string; os: string };
  environment: BenchManifest['counts'] & { generatedMs?: number };
  settings: { requests: number; edits: number; signatureEdits: number; timeoutMs: number; priority?: number; repetitions: number; servers: string[] };
  /** The command that reproduces this run. */
  command: string;
  /** Every repetition: the servers in the order they ran, each with its own figures, and the transport floor measured after them. */
  runs: { order: string[]; servers: ServerResult[]; floor?: Floor }[];
  /** Per server: the median of each figure over the repetitions (the shape of one repetition's result). */
  servers: ServerResult[];
  /** The table: medians, spreads and same-repetition ratios. */
  figures: FigureRow[];
  /** True when ours and at least one peer ran in this invocation (ratios and comparisons exist). */
  compared: boolean;
  goals: Goal[];
  totalMs: number;
}

// ---------------------------------------------------------------------------------------------
// Arguments

// ---------------------------------------------------------------------------------------------
// The three servers

function tsgoCommand(): { command: string; args: string[] } {
  // Spawn the native binary directly (as editors do); `bin/tsc` is a Node wrapper that, on
  // Node < 22.15, stays alive as the binary's parent.
  const req = createRequire(join(repo, 'package.json'));
  try {
    const pkg = req.resolve('@typescript/typescript-linux-x64/package.json');
    const exe = join(dirname(pkg), 'lib', 'tsc');
    if (process.platform === 'linux' && process.arch === 'x64' && existsSync(exe)) return { command: exe, args: ['--lsp', '--stdio'] };
  } catch {
    // fall back to the wrapper
  }
  return { command: process.execPath, args: [join(repo, 'node_modules', 'typescript-7', 'bin', 'tsc'), '--lsp', '--stdio'] };
}

function serverSpecs(): ServerSpec[] {
  const tsgo = tsgoCommand();
  return [
    {
      id: 'ours',
      label: 'Protected Modules (ours)',
      command: process.execPath,
      args: [...SERVER_NODE_OPTIONS, join(repo, 'dist', 'server.js'), '--stdio'],
      cwd: repo,
      languageId: 'logic',
      initializationOptions: { user: 'bob' },
      settings: { 'protectedModules.user': 'bob' },
      env: { PROTECTED_MODULES_USER: 'bob' },
    },
    { id: 'tsgo', label: 'TypeScript 7 native LSP (tsc --lsp)', command: tsgo.command, args: tsgo.args, cwd: repo, languageId: 'typescript' },
    {
      id: 'tsserver',
      label: 'TypeScript 5.9 tsserver (typescript-language-server)',
      command: process.execPath,
      args: [join(repo, 'node_modules', 'typescript-language-server', 'lib', 'cli.mjs'), '--stdio'],
      cwd: repo,
      languageId: 'typescript',
      initializationOptions: {
        tsserver: { path: join(repo, 'node_modules', 'typescript', 'lib', 'tsserver.js') },
        disableAutomaticTypingAcquisition: true,
        // What VS Code gives tsserver by default (typescript.tsserver.maxTsServerMemory).
        maxTsServerMemory: 3072,
      },
    },
  ];
}

function versionOf(id: string): string | undefined {
  const req = createRequire(join(repo, 'package.json'));
  try {
    if (id === 'ours') return (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version;
    if (id === 'tsgo') return (req('typescript-7/package.json') as { version: string }).version;
    if (id === 'tsserver')
      return `typescript ${(req('typescript/package.json') as { version: string }).version}, typescript-language-server ${(req('typescript-language-server/package.json') as { version: string }).version}`;
  } catch {
    return undefined;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Measuring one server

const isError = (d: Diag) => (d.severity ?? 1) === 1;
const errorsAt = (ds: Diag[], line: number) => ds.some((d) => isError(d) && d.range.start.line <= line && d.range.end.line >= line);
const errorCount = (ds: Diag[]) => ds.filter(isError).length;

function stats(samples: number[], ok: number, extra: { first?: number; note?: string; cpuMs?: number } = {}): Stat {
  if (samples.length === 0) return { na: extra.note ?? 'no samples' };
  const r = (x: number) => Math.round(x * 100) / 100;
  return {
    n: samples.length,
    ok,
    p50: r(percentile(samples, 50)),
    p95: r(percentile(samples, 95)),
    p99: r(percentile(samples, 99)),
    mean: r(samples.reduce((a, b) => a + b, 0) / samples.length),
    max: r(Math.max(...samples)),
    ...(extra.first !== undefined ? { first: r(extra.first) } : {}),
    ...(extra.note ? { note: extra.note } : {}),
    ...(extra.cpuMs !== undefined ? { cpuMsPerOp: r(extra.cpuMs / samples.length) } : {}),
  };
}

function replaceRange(text: string, line: number, start: number, end: number, by: string): string {
  // Lines are '\n'-separated (the generator writes no '\r').
  let off = 0;
  for (let l = 0; l < line; l++) off = text.indexOf('\n', off) + 1;
  return text.slice(0, off + start) + by + text.slice(off + end);
}

interface RunOptions {
  requests: number;
  edits: number;
  signatureEdits: number;
  timeoutMs: number;
  coldTimeoutMs: number;
  logDir: string;
  seed: number;
}

/**
 * Times `requests` hovers (after 3 untimed) against bench/floor-server.mjs, spawned like our
 * server (the same Node and options); `undefined` when it does not answer.
 */
async function measureFloor(requests: number, o: RunOptions): Promise<Floor | undefined> {
  const spec: ServerSpec = {
    id: 'floor',
    label: 'transport floor',
    command: process.execPath,
    args: [...SERVER_NODE_OPTIONS, join(repo, 'bench', 'floor-server.mjs'), '--stdio'],
    cwd: repo,
    languageId: 'plaintext',
  };
  const session = LspSession.spawn(spec, join(o.logDir, 'floor.log'));
  try {
    await session.initialize(repo, o.coldTimeoutMs);
    const params = { textDocument: { uri: pathToFileURL(join(repo, 'floor.txt')).href }, position: { line: 0, character: 0 } };
    const samples: number[] = [];
    for (let i = 0; i < requests + 3; i++) {
      const { ms } = await session.timed('textDocument/hover', params, o.timeoutMs);
      if (i >= 3) samples.push(ms);
    }
    const r = (x: number) => Math.round(x * 100) / 100;
    return { n: samples.length, p50: r(percentile(samples, 50)), p99: r(percentile(samples, 99)), max: r(Math.max(...samples)) };
  } catch {
    return undefined;
  } finally {
    await session.stop();
  }
}

async function measureServer(spec: ServerSpec, manifest: BenchManifest, envDir: string, o: RunOptions, say: (s: string) => void): Promise<ServerResult> {
  const res: ServerResult = {
    id: spec.id,
    label: spec.label,
    command: [spec.command, ...spec.args].join(' '),
    version: versionOf(spec.id),
    available: false,
    notes: [],
  };
  const started = process.hrtime.bigint();
  const loadStart = loadavg()[0];
  res.nice = getPriority();
  const lang = spec.languageId === 'logic' ? 'logic' : 'ts';
  const root = join(envDir, lang === 'logic' ? manifest.logicRoot : manifest.tsRoot);
  const consumerPath = join(root, lang === 'logic' ? manifest.consumer.logic : manifest.consumer.ts);
  const uri = pathToFileURL(consumerPath).href;
  const original = readFileSync(consumerPath, 'utf8');
  const site = (p: SitePair) => (lang === 'logic' ? p.logic : p.ts);
  const editable = manifest.sites.filter((p) => site(p).textArg);
  const rng = makeRng(o.seed * 7919 + 17);
  const shuffled = <T>(xs: T[]): T[] => {
    const a = xs.slice();
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  };
  const NUMBER = '12345';

  const session = LspSession.spawn(spec, join(o.logDir, `${spec.id}-${manifest.size}.log`));
  const sigFile = join(root, lang === 'logic' ? manifest.signature.logic.file : manifest.signature.ts.file);
  const sigOriginal = existsSync(sigFile) ? readFileSync(sigFile, 'utf8') : undefined;
  try {
    // --- cold start: spawn → complete diagnostics of the open consumer (with one probe error)
    try {
      await session.initialize(root, o.coldTimeoutMs);
    } catch (e) {
      res.reason = `initialize failed: ${(e as Error).message}`;
      return res;
    }
    res.available = true;
    res.diagnosticsMode = session.diagnosticsMode;
    say(`  ${spec.id}: initialized (${session.diagnosticsMode} diagnostics) after ${msSince(session.spawnedAt).toFixed(0)} ms`);
    const probe = site(editable[0]);
    const probeText = replaceRange(original, probe.line, probe.textArg!.start, probe.textArg!.end, NUMBER);
    session.open(uri, probeText);
    let firstSeen: number | undefined;
    try {
      if (session.diagnosticsMode === 'push') {
        void session
          .waitForDiagnostics(uri, () => true, { timeoutMs: o.coldTimeoutMs })
          .then(
            () => (firstSeen = msSince(session.spawnedAt)),
            () => {},
          );
      }
      await session.waitForDiagnostics(
        uri,
        (ds) => {
          if (firstSeen === undefined) firstSeen = msSince(session.spawnedAt);
          return errorsAt(ds, probe.line);
        },
        { timeoutMs: o.coldTimeoutMs, pollGapMs: 20 },
      );
      res.coldStartMs = Math.round(msSince(session.spawnedAt));
      res.coldStartCpuMs = session.memory.cpuMsNow();
      say(`  ${spec.id}: cold start ${res.coldStartMs} ms`);
    } catch (e) {
      res.coldStartMs = { na: `the probe error (a number for a Text argument, line ${probe.line + 1}) was not reported: ${(e as Error).message}` };
      say(`  ${spec.id}: cold start n/a: ${(e as Error).message}`);
    }
    if (firstSeen !== undefined) res.firstDiagnosticsMs = Math.round(firstSeen);
    // Undo the probe; the file is now as on disk.
    let mark = session.pushMark;
    session.change(
      uri,
      { start: { line: probe.line, character: probe.textArg!.start }, end: { line: probe.line, character: probe.textArg!.start + NUMBER.length } },
      probe.textArg!.text,
    );
    let baseline = 0;
    try {
      const ds = await session.waitForDiagnostics(uri, (d) => !errorsAt(d, probe.line), { afterMark: mark, timeoutMs: o.timeoutMs, pollGapMs: 20 });
      baseline = errorCount(ds);
      if (baseline)
        res.notes.push(
          `the consumer has ${baseline} error(s) of its own: ${ds
            .filter(isError)
            .slice(0, 2)
            .map((d) => `${d.range.start.line + 1}: ${d.message}`)
            .join(' | ')}`,
        );
    } catch (e) {
      res.notes.push(`no diagnostics after undoing the probe: ${(e as Error).message}`);
    }

    // --- completion, hover, definition at varied call sites of the consumer
    const pos = (line: number, character: number) => ({ textDocument: { uri }, position: { line, character } });
    const picks = (n: number) => {
      const s = shuffled(manifest.sites);
      const out: SitePair[] = [];
      for (let i = 0; i < n; i++) out.push(s[i % s.length]);
      return out;
    };
    const runRequests = async (
      name: string,
      method: string,
      at: (p: SitePair) => { line: number; character: number },
      valid: (r: any, p: SitePair) => boolean,
      capability: string,
    ): Promise<Stat> => {
      if (!session.capabilities[capability]) return { na: `server has no ${capability}` };
      const samples: number[] = [];
      let ok = 0;
      let first: number | undefined;
      let failure: string | undefined;
      const warm = picks(3);
      for (const p of warm) {
        try {
          const { ms } = await session.timed(method, pos(at(p).line, at(p).character), o.timeoutMs);
          if (first === undefined) first = ms;
        } catch (e) {
          failure = (e as Error).message;
          if (session.exited) return { na: `server ${session.exited}` };
        }
      }
      const cpu0 = session.memory.cpuMsNow();
      const times = ((res.clientTimes ??= {})[name] = [] as [number, number][]);
      for (const p of picks(o.requests)) {
        try {
          const at0 = epochNow();
          const { ms, result } = await session.timed(method, pos(at(p).line, at(p).character), o.timeoutMs);
          samples.push(ms);
          times.push([at0, ms]);
          if (valid(result, p)) ok++;
        } catch (e) {
          failure = (e as Error).message;
          if (session.exited) break;
        }
      }
      say(
        `  ${spec.id}: ${name} ${samples.length} requests, ${ok} useful, p50 ${percentile(samples, 50).toFixed(2)} ms, p99 ${percentile(samples, 99).toFixed(2)} ms`,
      );
      if (ok === 0) return { na: failure ? `failed: ${failure}` : `no useful answer in ${samples.length} requests` };
      return stats(samples, ok, { first, note: failure ? `some requests failed: ${failure}` : undefined, cpuMs: session.memory.cpuMsNow() - cpu0 });
    };
    const hasLabel = (r: any, label: string) => {
      const items: any[] = Array.isArray(r) ? r : (r?.items ?? []);
      return items.some((it) => it?.label === label || it?.insertText === label || it?.filterText === label);
    };
    res.completion = await runRequests(
      'completion',
      'textDocument/completion',
      (p) => ({ line: site(p).line, character: site(p).afterDotCol }),
      (r, p) => hasLabel(r, site(p).action),
      'completionProvider',
    );
    const mid = (p: SitePair) => ({ line: site(p).line, character: Math.floor((site(p).nameStart + site(p).nameEnd) / 2) });
    res.hover = await runRequests(
      'hover',
      'textDocument/hover',
      mid,
      (r, p) => !!r && JSON.stringify(r.contents ?? '').includes(site(p).action),
      'hoverProvider',
    );
    res.definition = await runRequests('definition', 'textDocument/definition', mid, (r) => (Array.isArray(r) ? r.length > 0 : !!r), 'definitionProvider');

    // --- completion while typing: `Module.` on a new line (incomplete code), then the line is
    // removed again; timed from the change to the completion answer.
    if (!session.capabilities.completionProvider) res.typing = { na: 'server has no completionProvider' };
    else {
      const samples: number[] = [];
      let ok = 0;
      let failure: string | undefined;
      const cpu0 = session.memory.cpuMsNow();
      let lastVersion = 0;
      mark = session.pushMark;
      for (const p of picks(Math.max(1, Math.round(o.requests / 4)))) {
        const s = site(p);
        const line = s.line + 1;
        const typed = `    ${s.module}.`;
        const at0 = epochNow();
        const t0 = process.hrtime.bigint();
        session.change(uri, { start: { line, character: 0 }, end: { line, character: 0 } }, typed + '\n');
        try {
          const r = await session.request('textDocument/completion', pos(line, typed.length), o.timeoutMs);
          samples.push(msSince(t0));
          ((res.clientTimes ??= {}).typing ??= []).push([at0, samples[samples.length - 1]]);
          if (hasLabel(r, s.action)) ok++;
        } catch (e) {
          failure = (e as Error).message;
        }
        lastVersion = session.change(uri, { start: { line, character: 0 }, end: { line: line + 1, character: 0 } }, '');
        if (failure) break;
      }
      res.typing = ok
        ? stats(samples, ok, { note: failure ? `stopped: ${failure}` : undefined, cpuMs: session.memory.cpuMsNow() - cpu0 })
        : { na: failure ? `failed: ${failure}` : `no useful answer in ${samples.length} requests` };
      say(
        `  ${spec.id}: completion while typing ${samples.length} requests, ${ok} useful, p50 ${percentile(samples, 50).toFixed(2)} ms, p99 ${percentile(samples, 99).toFixed(2)} ms`,
      );
      // Let the diagnostics settle on the restored text before the edit benchmark.
      try {
        await session.waitForDiagnostics(uri, (ds) => errorCount(ds) <= baseline, {
          afterMark: mark,
          minVersion: lastVersion,
          timeoutMs: o.timeoutMs,
          pollGapMs: 20,
        });
      } catch {
        // push servers may have published for the last version already; nothing to wait for
      }
    }

    // --- edits in the consumer: a Text argument becomes a number (error), then back (no error)
    {
      const samples: number[] = [];
      let ok = 0;
      let failure: string | undefined;
      const sites = shuffled(editable.slice(1)).slice(0, Math.max(1, Math.ceil(o.edits / 2)));
      const cpu0 = session.memory.cpuMsNow();
      for (const p of sites) {
        if (samples.length >= o.edits || session.exited) break;
        const s = site(p);
        const a = s.textArg!;
        for (const [from, to, expectError] of [
          [a.end, NUMBER, true],
          [a.start + NUMBER.length, a.text, false],
        ] as const) {
          mark = session.pushMark;
          const at0 = epochNow();
          const t0 = process.hrtime.bigint();
          const version = session.change(uri, { start: { line: s.line, character: a.start }, end: { line: s.line, character: from } }, to);
          try {
            await session.waitForDiagnostics(uri, (ds) => (expectError ? errorsAt(ds, s.line) : !errorsAt(ds, s.line) && errorCount(ds) <= baseline), {
              afterMark: mark,
              minVersion: version,
              timeoutMs: o.timeoutMs,
              pollGapMs: 2,
            });
            samples.push(msSince(t0));
            ((res.clientTimes ??= {}).edit ??= []).push([at0, samples[samples.length - 1]]);
            ok++;
          } catch (e) {
            failure = (e as Error).message;
            break;
          }
        }
        if (failure) break;
      }
      res.edit = samples.length
        ? stats(samples, ok, { note: failure ? `stopped: ${failure}` : undefined, cpuMs: session.memory.cpuMsNow() - cpu0 })
        : { na: failure ?? 'no editable call site' };
      say(
        `  ${spec.id}: edit→diagnostics ${samples.length} edits${samples.length ? `, p50 ${percentile(samples, 50).toFixed(1)} ms, p99 ${percentile(samples, 99).toFixed(1)} ms` : ''}${failure ? ` (${failure})` : ''}`,
      );
      if (failure && session.diagnosticsMode === 'push') {
        // Resynchronise the document so later phases see the disk text.
        session.notify('textDocument/didClose', { textDocument: { uri } });
        session.open(uri, original);
      }
    }

    // --- a public action's signature changes on disk (a new required input), and back
    {
      const sig = lang === 'logic' ? manifest.signature.logic : manifest.signature.ts;
      const callLines = lang === 'logic' ? manifest.signature.callLines.logic : manifest.signature.callLines.ts;
      const sigUri = pathToFileURL(sigFile).href;
      const samples: number[] = [];
      let failure: string | undefined;
      if (!sigOriginal) failure = `${sigFile} missing`;
      else if (callLines.length === 0) failure = 'the consumer does not call the target action';
      const lines = sigOriginal?.split('\n') ?? [];
      const cpu0 = session.memory.cpuMsNow();
      for (let i = 0; !failure && i < o.signatureEdits && !session.exited; i++) {
        const broken = i % 2 === 0;
        lines[sig.line] = broken ? sig.modified : sig.original;
        mark = session.pushMark;
        const at0 = epochNow();
        const t0 = process.hrtime.bigint();
        writeFileSync(sigFile, lines.join('\n'));
        session.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: sigUri, type: 2 }] });
        try {
          await session.waitForDiagnostics(
            uri,
            (ds) => (broken ? callLines.some((l) => errorsAt(ds, l)) : !callLines.some((l) => errorsAt(ds, l)) && errorCount(ds) <= baseline),
            { afterMark: mark, timeoutMs: Math.max(o.timeoutMs, 60_000), pollGapMs: 10 },
          );
          samples.push(msSince(t0));
          ((res.clientTimes ??= {}).signatureEdit ??= []).push([at0, samples[samples.length - 1]]);
        } catch (e) {
          failure = `${broken ? 'breaking' : 'restoring'} the signature of ${manifest.signature.module}.${manifest.signature.action}: ${(e as Error).message}`;
        }
      }
      if (sigOriginal !== undefined) writeFileSync(sigFile, sigOriginal);
      res.signatureEdit = samples.length
        ? stats(samples, samples.length, { note: failure ? `stopped: ${failure}` : undefined, cpuMs: session.memory.cpuMsNow() - cpu0 })
        : { na: failure ?? 'not measured' };
      say(
        `  ${spec.id}: signature edit ${samples.length} changes${samples.length ? `, p50 ${percentile(samples, 50).toFixed(0)} ms, max ${Math.max(...samples).toFixed(0)} ms` : ''}${failure ? ` (${failure})` : ''}`,
      );
    }
  } catch (e) {
    res.notes.push(`aborted: ${(e as Error).message}`);
  } finally {
    if (sigOriginal !== undefined) writeFileSync(sigFile, sigOriginal);
    if (session.exited) res.notes.push(`server ${session.exited} during the run`);
    res.memory = res.available ? session.memory.result() : { na: 'not started' };
    await session.stop();
    res.durationMs = Math.round(msSince(started));
    res.loadAverage = { start: Math.round(loadStart * 100) / 100, end: Math.round(loadavg()[0] * 100) / 100 };
    if (session.serverRequests.size) res.notes.push(`server requests: ${[...session.serverRequests].map(([m, n]) => `${m}×${n}`).join(', ')}`);
  }
  return res;
}

// ---------------------------------------------------------------------------------------------
// Figures over the repetitions, ratios, goals

/** The peers, in the table's order. */
export const SERVER_IDS = ['ours', 'tsgo', 'tsserver'] as const;
const PEERS = ['tsgo', 'tsserver'] as const;

const num = (s: Stat | undefined, k: 'p50' | 'p95' | 'p99' | 'max' | 'cpuMsPerOp'): number | undefined => (s && !('na' in s) ? s[k] : undefined);
const coldOf = (r: ServerResult | undefined) => (typeof r?.coldStartMs === 'number' ? r.coldStartMs : undefined);
const memOf = (r: ServerResult | undefined) => (r?.memory && !('na' in r.memory) ? r.memory.peakMB : undefined);

type StatKey = 'completion' | 'typing' | 'hover' | 'definition' | 'edit' | 'signatureEdit';
interface RowDef {
  key: string;
  label: string;
  unit: 'ms' | 'MB';
  get: (s: ServerResult) => number | undefined;
  /** Why a server has no figure (its `na`), for the table. */
  na?: (s: ServerResult) => string | undefined;
}
const statNa = (key: StatKey) => (s: ServerResult) => {
  const v = s[key];
  return v && 'na' in v ? v.na : undefined;
};
const statRow = (key: StatKey, k: 'p50' | 'p95' | 'p99' | 'max', label: string): RowDef => ({
  key: `${key}.${k}`,
  label,
  unit: 'ms',
  get: (s) => num(s[key], k),
  na: statNa(key),
});
const cpuRow = (key: StatKey, label: string): RowDef => ({ key: `${key}.cpu`, label, unit: 'ms', get: (s) => num(s[key], 'cpuMsPerOp'), na: statNa(key) });

/** The rows of the table, in order (also the figures the goals read). */
export const ROWS: RowDef[] = [
  {
    key: 'cold',
    label: 'cold start (spawn → diagnostics of the open consumer)',
    unit: 'ms',
    get: coldOf,
    na: (s) => (typeof s.coldStartMs === 'object' ? s.coldStartMs.na : undefined),
  },
  { key: 'cold.cpu', label: 'server CPU during the cold start', unit: 'ms', get: (s) => s.coldStartCpuMs },
  statRow('completion', 'p50', 'completion after `Module.` p50'),
  statRow('completion', 'p95', 'completion p95'),
  statRow('completion', 'p99', 'completion p99'),
  statRow('typing', 'p50', 'completion while typing `Module.` on a new line p50'),
  statRow('typing', 'p99', 'completion while typing p99'),
  statRow('hover', 'p50', 'hover p50'),
  statRow('hover', 'p99', 'hover p99'),
  statRow('definition', 'p50', 'go to definition p50'),
  statRow('definition', 'p99', 'go to definition p99'),
  statRow('edit', 'p50', 'edit in 5,000-line consumer → diagnostics p50'),
  statRow('edit', 'p99', 'edit → diagnostics p99'),
  statRow('signatureEdit', 'p50', 'signature edit in a service module → consumer diagnostics p50'),
  statRow('signatureEdit', 'max', 'signature edit → consumer diagnostics max'),
  cpuRow('completion', 'server CPU per completion (mean)'),
  cpuRow('typing', 'server CPU per completion while typing (mean)'),
  cpuRow('hover', 'server CPU per hover (mean)'),
  cpuRow('definition', 'server CPU per definition (mean)'),
  cpuRow('edit', 'server CPU per edit → diagnostics (mean)'),
  cpuRow('signatureEdit', 'server CPU per signature edit (mean)'),
  { key: 'memory', label: 'peak resident memory (process tree)', unit: 'MB', get: memOf, na: (s) => (s.memory && 'na' in s.memory ? s.memory.na : undefined) },
];

/** The median of numbers (the mean of the two middle ones for an even count); `undefined` for none. */
export function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const a = xs.slice().sort((x, y) => x - y);
  const m = a.length >> 1;
  return a.length % 2 ? a[m] : (a[m - 1] + a[m]) / 2;
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Median and spread of the figures present; `undefined` when none is. */
export function aggregate(xs: (number | undefined)[], digits = 2): Agg | undefined {
  const v = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  if (v.length === 0) return undefined;
  return { median: round(median(v)!, digits), min: round(Math.min(...v), digits), max: round(Math.max(...v), digits), n: v.length };
}

/** The median result of one server over its repetitions: every number the median, the rest from the first repetition. */
function medianServer(list: ServerResult[], positions: number[]): ServerResult {
  const first = list.find((s) => s.available) ?? list[0];
  const avail = list.filter((s) => s.available);
  const medStat = (key: StatKey): Stat | undefined => {
    const stats = avail.map((s) => s[key]).filter((x): x is Stat => !!x);
    const ok = stats.filter((x): x is Exclude<Stat, { na: string }> => !('na' in x));
    if (ok.length === 0) return stats[0];
    const m = (k: 'n' | 'ok' | 'p50' | 'p95' | 'p99' | 'mean' | 'max' | 'first' | 'cpuMsPerOp') => aggregate(ok.map((x) => x[k]))?.median;
    const out: Stat = { n: m('n')!, ok: m('ok')!, p50: m('p50')!, p95: m('p95')!, p99: m('p99')!, mean: m('mean')!, max: m('max')! };
    if (m('first') !== undefined) out.first = m('first');
    if (m('cpuMsPerOp') !== undefined) out.cpuMsPerOp = m('cpuMsPerOp');
    const notes = ok.map((x) => x.note).filter(Boolean);
    if (notes.length) out.note = notes.join(' | ');
    return out;
  };
  const cold = aggregate(avail.map(coldOf), 0)?.median;
  const mems = avail.map((s) => s.memory).filter((m): m is Exclude<ServerResult['memory'], { na: string } | undefined> => !!m && !('na' in m));
  const res: ServerResult = {
    ...first,
    available: avail.length > 0,
    coldStartMs: cold ?? first.coldStartMs,
    coldStartCpuMs: aggregate(
      avail.map((s) => s.coldStartCpuMs),
      0,
    )?.median,
    firstDiagnosticsMs: aggregate(
      avail.map((s) => s.firstDiagnosticsMs),
      0,
    )?.median,
    completion: medStat('completion'),
    typing: medStat('typing'),
    hover: medStat('hover'),
    definition: medStat('definition'),
    edit: medStat('edit'),
    signatureEdit: medStat('signatureEdit'),
    memory: mems.length
      ? {
          ...mems[0],
          peakMB: aggregate(
            mems.map((m) => m.peakMB),
            1,
          )!.median,
          sumOfPeaksMB: aggregate(
            mems.map((m) => m.sumOfPeaksMB),
            1,
          )!.median,
          cpuSeconds: aggregate(mems.map((m) => m.cpuSeconds))!.median,
        }
      : first.memory,
    durationMs: aggregate(
      list.map((s) => s.durationMs),
      0,
    )?.median,
    notes: [...new Set(list.flatMap((s) => s.notes))],
    repetitions: { n: list.length, positions },
  };
  if (list.length > 1) {
    res.loadAverage = { start: Math.min(...list.map((s) => s.loadAverage?.start ?? Infinity)), end: Math.max(...list.map((s) => s.loadAverage?.end ?? 0)) };
  }
  return res;
}

/**
 * Medians, spreads and ratios of the repetitions of one invocation. A ratio ours ÷ peer is taken
 * within each repetition (both figures from the same run of the same invocation), then its median
 * and spread over the repetitions; there is no ratio for a peer that did not run.
 */
export function summarize(runs: BenchResult['runs']): { servers: ServerResult[]; figures: FigureRow[]; compared: boolean } {
  const ran = SERVER_IDS.filter((id) => runs.some((r) => r.servers.some((s) => s.id === id)));
  const servers = ran.map((id) => {
    const list: ServerResult[] = [];
    const positions: number[] = [];
    for (const r of runs) {
      const s = r.servers.find((x) => x.id === id);
      if (s) {
        list.push(s);
        positions.push(r.order.indexOf(id) + 1);
      }
    }
    return medianServer(list, positions);
  });
  const ours = servers.find((s) => s.id === 'ours');
  const compared = !!ours?.available && PEERS.some((p) => servers.some((s) => s.id === p && s.available));
  const figures = ROWS.map((row): FigureRow => {
    const values: Record<string, Agg | undefined> = {};
    for (const id of ran)
      values[id] = aggregate(
        runs.map((r) => {
          const s = r.servers.find((x) => x.id === id);
          return s?.available ? row.get(s) : undefined;
        }),
        row.unit === 'MB' ? 1 : 2,
      );
    const ratios: Record<string, Agg | undefined> = {};
    if (compared) {
      for (const peer of PEERS) {
        if (!ran.includes(peer)) continue;
        ratios[peer] = aggregate(
          runs.map((r) => {
            const o = r.servers.find((x) => x.id === 'ours');
            const p = r.servers.find((x) => x.id === peer);
            const a = o?.available ? row.get(o) : undefined;
            const b = p?.available ? row.get(p) : undefined;
            return a !== undefined && b !== undefined && b > 0 ? a / b : undefined;
          }),
          4,
        );
      }
    }
    return { key: row.key, label: row.label, unit: row.unit, values, ratios };
  });
  return { servers, figures, compared };
}

/** The figure `key` of a server (median over the repetitions). */
const fig = (figures: FigureRow[], key: string, id: string): Agg | undefined => figures.find((f) => f.key === key)?.values[id];

/**
 * The goals of issue 15 (they apply at the large size, from a three-repetition run of all three
 * servers): a goal that compares with TypeScript 7 is `not compared` unless TypeScript 7 ran in the
 * same invocation; the others are met or missed by our median figure. `reps` is how many
 * repetitions of the invocation were met, for the detail.
 */
export function goals(figures: FigureRow[], runs: BenchResult['runs'], compared: boolean): Goal[] {
  const out: Goal[] = [];
  const ranTsgo = compared && runs.some((r) => r.servers.some((s) => s.id === 'tsgo' && s.available));
  const ms = (x: number) => `${fmtMs(x)}`;
  const absolute = (goal: string, key: string, limit: number, unit: 'ms' | 'MB' = 'ms') => {
    const a = fig(figures, key, 'ours');
    if (!a) return out.push({ goal, status: 'n/a', detail: 'ours: not measured' });
    const show = (x: number) => (unit === 'MB' ? `${x} MB` : ms(x));
    out.push({
      goal,
      status: a.median <= limit ? 'met' : 'missed',
      detail: `${show(a.median)}${a.n > 1 ? ` (${show(a.min)}–${show(a.max)} over ${a.n} runs)` : ''}`,
    });
  };
  absolute('completion p99 ≤ 2 ms', 'completion.p99', 2);
  for (const k of ['p50', 'p95', 'p99'] as const) {
    const goal = `completion ${k} below TypeScript 7's ${k}`;
    const key = `completion.${k}`;
    if (!ranTsgo) {
      out.push({ goal, status: 'not compared', detail: 'TypeScript 7 was not measured in this invocation' });
      continue;
    }
    const r = figures.find((f) => f.key === key)?.ratios.tsgo;
    const a = fig(figures, key, 'ours');
    const b = fig(figures, key, 'tsgo');
    if (!r || !a || !b) {
      out.push({ goal, status: 'n/a', detail: !a ? 'ours: not measured' : 'TypeScript 7: not measured' });
      continue;
    }
    const won = runs.filter((run) => {
      const o = run.servers.find((s) => s.id === 'ours');
      const t = run.servers.find((s) => s.id === 'tsgo');
      const x = o && num(o.completion, k);
      const y = t && num(t.completion, k);
      return x !== undefined && y !== undefined && x < y;
    }).length;
    out.push({
      goal,
      status: r.median < 1 ? 'met' : 'missed',
      detail: `ours ${ms(a.median)} vs ${ms(b.median)}; ours ÷ TypeScript 7 ${fmtRatio(r.median)}${r.n > 1 ? ` (${fmtRatio(r.min)}–${fmtRatio(r.max)}), below in ${won} of ${r.n} runs` : ''}`,
    });
  }
  absolute('completion while typing p99 ≤ 20 ms', 'typing.p99', 20);
  absolute('hover p99 ≤ 3 ms', 'hover.p99', 3);
  absolute('go to definition p99 ≤ 3 ms', 'definition.p99', 3);
  absolute('edit → diagnostics p99 ≤ 10 ms', 'edit.p99', 10);
  absolute('signature edit → consumer diagnostics ≤ 15 ms (max)', 'signatureEdit.max', 15);
  absolute('cold start ≤ 0.8 s', 'cold', 800);
  absolute('peak memory ≤ 150 MB', 'memory', 150, 'MB');
  return out;
}

// ---------------------------------------------------------------------------------------------
// Markdown

function fmtMs(x: number | undefined): string {
  if (x === undefined) return 'n/a';
  if (x >= 10_000) return `${(x / 1000).toFixed(1)} s`;
  if (x >= 100) return `${Math.round(x)} ms`;
  if (x >= 10) return `${x.toFixed(1)} ms`;
  return `${x.toFixed(2)} ms`;
}

function fmtRatio(q: number): string {
  if (q === 0) return '0';
  return q < 0.01 ? q.toExponential(1) : q.toFixed(2);
}

const LABELS: Record<string, string> = { ours: 'ours', tsgo: 'TypeScript 7 (tsgo)', tsserver: 'tsserver 5.9' };

/** Renders the Markdown report of one size (a `### size` section; BENCHMARKS.md takes it whole). */
export function markdown(r: BenchResult): string {
  const ran = SERVER_IDS.filter((id) => r.servers.some((s) => s.id === id));
  const by = new Map(r.servers.map((s) => [s.id, s]));
  const peers = r.compared ? PEERS.filter((p) => ran.includes(p)) : [];
  const reps = r.runs.length;
  const cell = (id: string, a: Agg | undefined, row: RowDef) => {
    const s = by.get(id);
    if (!s) return 'not run';
    if (!s.available) return 'n/a¹';
    if (!a) {
      const na = row.na?.(s);
      return `n/a${na ? ` (${na.length > 60 ? na.slice(0, 57) + '…' : na})` : ''}`;
    }
    const show = (x: number) => (row.unit === 'MB' ? `${x} MB` : fmtMs(x));
    return a.n > 1 ? `${show(a.median)} (${show(a.min)}–${show(a.max)})` : show(a.median);
  };
  const ratioCell = (a: Agg | undefined, unit: 'ms' | 'MB') => {
    if (!a) return 'n/a';
    const q = a.median;
    const words = unit === 'MB' ? '' : ` ${q < 1 ? `${(1 / q).toFixed(1)}× faster` : q > 1 ? `${q.toFixed(1)}× slower` : 'same'}`;
    return `${fmtRatio(q)}${words}${a.n > 1 ? ` (${fmtRatio(a.min)}–${fmtRatio(a.max)})` : ''}`;
  };
  const L: string[] = [];
  const e = r.environment;
  L.push(`### ${r.size}${r.quick ? ' (quick)' : ''} — ${r.date.slice(0, 16).replace('T', ' ')} UTC`, '');
  L.push(
    `Environment: ${e.modules.toLocaleString('en')} modules (${e.serviceModules} service, ${e.uiModules} UI), ` +
      `${e.publicActions.toLocaleString('en')} public and ${e.privateActions.toLocaleString('en')} private server actions, ${e.structures.toLocaleString('en')} structures; ` +
      `${e.logicLines.toLocaleString('en')} lines of Logic in ${e.logicFiles.toLocaleString('en')} files; TypeScript project ${e.tsLines.toLocaleString('en')} lines ` +
      `(${e.tsDeclarationLines.toLocaleString('en')} in .d.ts) in ${e.tsFiles.toLocaleString('en')} files. Seed ${r.seed}.`,
    '',
  );
  const loads = r.runs.flatMap((run) => run.servers.flatMap((s) => (s.loadAverage ? [s.loadAverage.start, s.loadAverage.end] : [])));
  L.push(
    `Machine: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGB} GB, Node ${r.machine.node}, ${r.machine.os}. ` +
      `${r.settings.requests} requests per feature, ${r.settings.edits} edits, ${r.settings.signatureEdits} signature edits` +
      `${r.settings.priority ? `, nice ${r.settings.priority}` : ''}; ${reps} repetition${reps > 1 ? 's' : ''} (orders: ${r.runs.map((x) => x.order.join(' → ')).join('; ')})` +
      `${loads.length ? `; load average (1 min) ${Math.min(...loads)}–${Math.max(...loads)}` : ''}; this run took ${(r.totalMs / 1000).toFixed(0)} s.`,
    '',
  );
  const floors = r.runs.flatMap((x) => (x.floor ? [x.floor] : []));
  if (floors.length)
    L.push(
      `Transport floor (bench/floor-server.mjs, a server that answers every hover at once, timed by the same client over the same pipes after the servers of each repetition): ` +
        `hover ${floors.map((f) => `p50 ${f.p50} / p99 ${f.p99} / max ${f.max} ms`).join('; ')}. A latency below the floor's p99 is as fast as this machine answers any request.`,
      '',
    );
  L.push(`Command: \`${r.command}\``, '');
  if (!r.compared) {
    L.push('**Development figures (not compared)**: the peers did not run in this invocation, so there is no ratio and no comparison.', '');
  }
  if (reps > 1)
    L.push(
      `Each figure is the median of the ${reps} repetitions, with the spread (min–max) in brackets; each ratio is taken within one repetition, then its median and spread.`,
      '',
    );
  L.push(
    `| figure | ${ran.map((id) => LABELS[id]).join(' | ')}${peers.map((p) => ` | ours ÷ ${p}`).join('')} |`,
    `|---|${ran.map(() => '---|').join('')}${peers.map(() => '---|').join('')}`,
  );
  for (const row of ROWS) {
    const f = r.figures.find((x) => x.key === row.key);
    if (!f) continue;
    const cells = ran.map((id) => cell(id, f.values[id], row));
    const rat = peers.map((p) => ratioCell(f.ratios[p], row.unit));
    L.push(`| ${row.label} | ${[...cells, ...rat].join(' | ')} |`);
  }
  L.push('');
  if (r.compared) L.push('"ours ÷ peer" below 1 means ours is faster (or smaller).', '');
  const unavailable = r.servers.filter((s) => !s.available);
  for (const s of unavailable) L.push(`¹ ${s.label}: ${s.reason ?? 'not available'}.`);
  if (unavailable.length) L.push('');
  L.push(`Goals (issue 15; they apply at the large size${r.size === 'large' ? '' : ` — shown here for the ${r.size} size`}):`, '');
  L.push('| goal | status | detail |', '|---|---|---|');
  for (const g of r.goals) L.push(`| ${g.goal} | ${g.status} | ${g.detail} |`);
  L.push('');
  L.push('Notes:', '');
  for (const s of r.servers) {
    const bits: string[] = [];
    if (s.available) bits.push(`${s.diagnosticsMode} diagnostics`);
    if (s.version) bits.push(s.version);
    if (s.repetitions && s.repetitions.n > 1)
      bits.push(`ran ${s.repetitions.positions.map((p) => ['first', 'second', 'third'][p - 1] ?? `#${p}`).join(', ')} in the ${s.repetitions.n} repetitions`);
    if (s.durationMs !== undefined) bits.push(`run ${(s.durationMs / 1000).toFixed(0)} s${reps > 1 ? ' (median)' : ''}`);
    if (s.firstDiagnosticsMs !== undefined) bits.push(`first diagnostics at ${fmtMs(s.firstDiagnosticsMs)}`);
    for (const k of ['completion', 'typing', 'hover', 'definition'] as const) {
      const v = s[k];
      if (v && !('na' in v)) bits.push(`${k}: ${v.ok}/${v.n} useful${v.first !== undefined ? `, first request ${fmtMs(v.first)}` : ''}`);
      else if (v) bits.push(`${k}: ${v.na}`);
    }
    for (const k of ['edit', 'signatureEdit'] as const) {
      const v = s[k];
      if (v && 'na' in v) bits.push(`${k}: ${v.na}`);
      else if (v?.note) bits.push(`${k}: ${v.note}`);
    }
    if (s.memory && !('na' in s.memory)) {
      bits.push(`memory by process: ${s.memory.processes.map((p) => `${p.name} ${p.peakMB} MB`).join(', ')}`);
      bits.push(`server CPU time ${s.memory.cpuSeconds} s`);
    }
    if (s.loadAverage) bits.push(`load average ${s.loadAverage.start} → ${s.loadAverage.end}${s.nice ? ` (server at nice ${s.nice})` : ''}`);
    bits.push(...s.notes);
    L.push(`- ${s.label}: ${bits.join('; ')}.`);
  }
  L.push('');
  const timed = r.runs.flatMap((run) => run.servers.filter((s) => s.serverTiming));
  if (timed.length) {
    L.push(
      'In-server timing of ours (`--server-timing`; handler time, CPU and heap allocation per request, measured inside the server; one line per repetition):',
      '',
    );
    for (const s of timed) {
      L.push(`- ${timingLine(s.serverTiming!, r.settings.requests)}`);
      const waits = waitsLine(s);
      if (waits) L.push(`- ${waits}`);
    }
    L.push('');
  }
  return L.join('\n');
}

/**
 * One line summarising an in-server timing summary. `requests` is the bench's `--requests`: the
 * first `requests + 3` completions are those after `Module.` (3 warm-up), the rest while typing.
 */
export function timingLine(t: TimingSummary, requests: number): string {
  const fmt = (name: string, ms: number[], cpu: number[], gc: boolean[]) => {
    const sorted = (xs: number[]) => xs.slice().sort((a, b) => a - b);
    const p = (xs: number[], q: number) => (xs.length ? xs[Math.min(xs.length - 1, Math.ceil((q / 100) * xs.length) - 1)] : 0);
    const w = sorted(ms);
    const c = sorted(cpu);
    return `${name} n ${ms.length}: wall p50 ${p(w, 50)} / p99 ${p(w, 99)} / max ${p(w, 100)} ms, CPU p50 ${p(c, 50)} / p99 ${p(c, 99)} / max ${p(c, 100)} ms, ${gc.filter(Boolean).length} overlapping a GC`;
  };
  const parts: string[] = [];
  for (const [m, x] of Object.entries(t.requests)) {
    if (!m.startsWith('textDocument/')) continue;
    const name = m.slice('textDocument/'.length);
    const alloc = x.allocatedMean !== undefined ? ` (${(x.allocatedMean / 1024).toFixed(0)} KB allocated per request)` : '';
    if (!x.samples) {
      parts.push(`${name} n ${x.n}, p50 ${x.p50} / p99 ${x.p99} ms`);
      continue;
    }
    const s = x.samples;
    if (name === 'completion' && s.ms.length > requests + 3) {
      const k = requests + 3;
      parts.push(fmt('completion after `Module.`', s.ms.slice(3, k), s.cpuMs.slice(3, k), s.gc.slice(3, k)) + alloc);
      parts.push(fmt('completion while typing', s.ms.slice(k), s.cpuMs.slice(k), s.gc.slice(k)));
    } else parts.push(fmt(name, s.ms.slice(3), s.cpuMs.slice(3), s.gc.slice(3)) + alloc);
  }
  const bg = Object.entries(t.background).map(([k, x]) => `${k} n ${x.n}, p99 ${x.p99} / max ${x.max} ms`);
  const gc = `GC ${t.gc.count} (${Object.entries(t.gc.byKind)
    .map(([k, x]) => `${k} ${x.count}, max ${x.maxMs} ms`)
    .join('; ')}), ${t.gc.totalMs} ms in all`;
  return [...parts, ...bg, gc, `event-loop delay p99 ${t.eventLoopDelay.p99} / max ${t.eventLoopDelay.max} ms`].join('; ');
}

/** A full garbage collection of the benchmark client (V8's `gc()`, exposed for the call). */
function collectClientGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/**
 * Starts recording the benchmark client's own garbage collections (a pause of the client delays
 * the answers it times); the returned function stops and gives them as [kind, start (ms since the
 * epoch), ms].
 */
function observeClientGc(): () => [string, number, number][] {
  const kinds: Record<number, string> = { 1: 'scavenge', 2: 'mark-sweep-compact', 4: 'incremental', 8: 'weak-callbacks' };
  const out: [string, number, number][] = [];
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0;
      out.push([kinds[kind] ?? String(kind), perf.timeOrigin + e.startTime, e.duration]);
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  return () => {
    obs.disconnect();
    return out;
  };
}

/** Milliseconds since the epoch, sub-millisecond (comparable with the server's `timeline`: same machine, same clock). */
const epochNow = () => performance.timeOrigin + performance.now();

/** The server request method each client phase times (its handler is the request's own work). */
const PHASE_METHOD: Record<string, string> = {
  completion: 'textDocument/completion',
  typing: 'textDocument/completion',
  hover: 'textDocument/hover',
  definition: 'textDocument/definition',
};

/**
 * Where the slowest operations of each phase spent their time (issue 15's "the profile that
 * explains it"): for the operations of a phase at and above its p99 (at least 2), the client's latency split into the
 * request's own handler, garbage collections, each kind of background work and other requests of
 * the server that overlapped it, and the rest (transport, scheduling, work the server does not
 * time). Needs `--server-timing` (the server's timeline) and the client's send times; `undefined`
 * without them.
 */
export function waitsLine(s: ServerResult): string | undefined {
  const tl = s.serverTiming?.timeline;
  if (!tl || !s.clientTimes) return undefined;
  const parts: string[] = [];
  for (const [phase, times] of Object.entries(s.clientTimes)) {
    if (!times.length) continue;
    // The operations at and above the p99 (as `percentile` picks it), at least 2.
    const k = Math.max(2, times.length - Math.ceil(0.99 * times.length) + 1);
    const slow = times
      .slice()
      .sort((a, b) => b[1] - a[1])
      .slice(0, k);
    const own = PHASE_METHOD[phase];
    const by = new Map<string, number>();
    const add = (key: string, ms: number) => by.set(key, (by.get(key) ?? 0) + ms);
    let total = 0;
    for (const [at, ms] of slow) {
      const a = at - tl.origin;
      const b = a + ms;
      total += ms;
      const overlap = (start: number, dur: number) => Math.max(0, Math.min(b, start + dur) - Math.max(a, start));
      let accounted = 0;
      for (const [m, start, dur] of tl.requests) {
        const o = overlap(start, dur);
        if (o > 0) {
          add(m === own ? 'handler' : `request ${m}`, o);
          accounted += o;
        }
      }
      for (const [kind, start, dur] of tl.gc) {
        const o = overlap(start, dur);
        if (o > 0) {
          add(`GC ${kind}`, o);
          accounted += o;
        }
      }
      for (const [kind, start, dur] of tl.background) {
        const o = overlap(start, dur);
        if (o > 0) {
          add(kind, o);
          accounted += o;
        }
      }
      // The client's own collections (epoch times): they delay sending or reading, not the server.
      for (const [kind, start, dur] of s.clientGc ?? []) {
        const o = overlap(start - tl.origin, dur);
        if (o > 0) {
          add(`client GC ${kind}`, o);
          accounted += o;
        }
      }
      add('rest', Math.max(0, ms - accounted));
    }
    const f = (x: number) => (x / slow.length).toFixed(2);
    const split = [...by]
      .sort((x, y) => y[1] - x[1])
      .map(([key, ms]) => `${key} ${f(ms)}`)
      .join(', ');
    parts.push(`${phase}, slowest ${slow.length} (${slow.map(([, ms]) => ms.toFixed(1)).join(' / ')} ms; mean ${f(total)} ms): ${split}`);
  }
  return parts.length ? `where the slowest waited (mean ms per operation; a collection inside a handler counts twice): ${parts.join('; ')}` : undefined;
}

/** Lines of the project a server works on at a size (Logic for ours, TypeScript for the peers). */
const linesOf = (r: BenchResult, id: string) => (id === 'ours' ? r.environment.logicLines : r.environment.tsLines);

/**
 * Cold start and peak memory at each size measured, with the cost per thousand lines (each
 * server's own project: Logic lines for ours, TypeScript lines for the peers), and whether our
 * cold start grows linearly: its cost per thousand lines at the largest size is at most 1.25× that
 * at the middle one (the small size is dominated by start-up, not by size).
 */
export function scalingMarkdown(results: BenchResult[]): { md: string; linear?: Goal } {
  const sizes = results.slice().sort((a, b) => a.environment.logicLines - b.environment.logicLines);
  const ran = SERVER_IDS.filter((id) => sizes.some((r) => r.servers.some((s) => s.id === id)));
  const L: string[] = ['### Cold start and memory by size', ''];
  L.push(
    'Medians over the repetitions; "per 1k lines" divides by the lines of the project that server works on (Logic for ours, TypeScript for the peers).',
    '',
  );
  L.push(
    '| size | lines (Logic / TS) | server | cold start | per 1k lines | server CPU of the cold start | peak memory | per 1k lines |',
    '|---|---|---|---|---|---|---|---|',
  );
  for (const r of sizes) {
    for (const id of ran) {
      const cold = fig(r.figures, 'cold', id);
      const cpu = fig(r.figures, 'cold.cpu', id);
      const mem = fig(r.figures, 'memory', id);
      const k = linesOf(r, id) / 1000;
      L.push(
        `| ${r.size} | ${r.environment.logicLines.toLocaleString('en')} / ${r.environment.tsLines.toLocaleString('en')} | ${LABELS[id]} | ${cold ? fmtMs(cold.median) : 'n/a'} | ${cold ? `${(cold.median / k).toFixed(3)} ms` : 'n/a'} | ${cpu ? fmtMs(cpu.median) : 'n/a'} | ${mem ? `${mem.median} MB` : 'n/a'} | ${mem ? `${(mem.median / k).toFixed(4)} MB` : 'n/a'} |`,
      );
    }
  }
  L.push('');
  let linear: Goal | undefined;
  if (sizes.length >= 2) {
    const [mid, big] = sizes.slice(-2);
    const a = fig(mid.figures, 'cold', 'ours');
    const b = fig(big.figures, 'cold', 'ours');
    if (a && b) {
      const pa = a.median / (mid.environment.logicLines / 1000);
      const pb = b.median / (big.environment.logicLines / 1000);
      linear = {
        goal: 'cold start linear in size',
        status: pb <= 1.25 * pa ? 'met' : 'missed',
        detail: `${pb.toFixed(3)} ms per 1k lines at ${big.size} vs ${pa.toFixed(3)} at ${mid.size} (${(pb / pa).toFixed(2)}×; met at ≤ 1.25×)`,
      };
      L.push(`Ours: ${linear.detail} — ${linear.status}.`, '');
    }
  }
  return { md: L.join('\n'), linear };
}

/**
 * Replaces the block between `<!-- results:<name> -->` and `<!-- /results:<name> -->` of
 * BENCHMARKS.md with `md` (nothing happens when the markers are missing).
 */
export function updateDoc(path: string, name: string, md: string, say: (s: string) => void = () => {}): boolean {
  if (!existsSync(path)) return false;
  const text = readFileSync(path, 'utf8');
  // Markers on lines of their own (the text may mention them inline).
  const open = `<!-- results:${name} -->`;
  const close = `<!-- /results:${name} -->`;
  const lineAt = (m: string, from = 0) => {
    for (let i = text.indexOf(m, from); i >= 0; i = text.indexOf(m, i + 1)) {
      if ((i === 0 || text[i - 1] === '\n') && (text[i + m.length] === '\n' || i + m.length === text.length)) return i;
    }
    return -1;
  };
  const a = lineAt(open);
  const b = a < 0 ? -1 : lineAt(close, a);
  if (a < 0 || b < a) {
    say(`BENCHMARKS.md has no ${open} … ${close} block; not updated`);
    return false;
  }
  writeFileSync(path, text.slice(0, a + open.length) + '\n' + md.trimEnd() + '\n' + text.slice(b));
  say(`updated the ${name} block of ${path}`);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Main

/** The servers `--servers` names (`all` = the three), in the table's order. */
export function wantedServers(arg: string | boolean | undefined): string[] {
  const raw = typeof arg === 'string' ? arg : 'all';
  const ids = raw
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)
    .flatMap((x) => (x === 'all' ? [...SERVER_IDS] : [x]));
  const unknown = ids.filter((x) => !(SERVER_IDS as readonly string[]).includes(x));
  if (unknown.length) throw new Error(`--servers: unknown server(s) ${unknown.join(', ')} (known: ${SERVER_IDS.join(', ')}, all)`);
  return SERVER_IDS.filter((id) => ids.includes(id));
}

/** `xs` rotated left by `k` (repetition k runs the servers in this order). */
export function rotate<T>(xs: T[], k: number): T[] {
  if (xs.length === 0) return xs;
  const n = ((k % xs.length) + xs.length) % xs.length;
  return [...xs.slice(n), ...xs.slice(0, n)];
}

/** A result of the runs of one invocation (medians, ratios, goals). */
export function assemble(base: Omit<BenchResult, 'servers' | 'figures' | 'compared' | 'goals'>): BenchResult {
  const { servers, figures, compared } = summarize(base.runs);
  return { ...base, servers, figures, compared, goals: goals(figures, base.runs, compared) };
}

/** Runs the benchmark at one size; returns the result (also written to the results directory). */
export async function runBench(argv: string[], say: (s: string) => void = (s) => console.log(s)): Promise<BenchResult> {
  const t0 = process.hrtime.bigint();
  const args = parseArgs(argv);
  const size = String(args.size ?? 'small');
  const seed = Number(args.seed ?? 1);
  const quick = args.quick === true;
  const outDir = resolve(String(args.out ?? join(here, 'out', size)));
  const resultsDir = resolve(String(args['results-dir'] ?? join(here, 'out')));
  mkdirSync(resultsDir, { recursive: true });
  // `--priority N`: the nice value of the runner and so of every server it spawns (they inherit
  // it); a negative value shields the measurement from other jobs on a shared machine.
  let priority = getPriority();
  if (args.priority !== undefined) {
    try {
      setPriority(Number(args.priority));
      priority = getPriority();
    } catch (e) {
      say(`cannot set priority ${String(args.priority)}: ${(e as Error).message}`);
    }
  }
  const o: RunOptions = {
    requests: Number(args.requests ?? (quick ? 20 : 200)),
    edits: Number(args.edits ?? (quick ? 4 : 50)),
    signatureEdits: Number(args['signature-edits'] ?? (quick ? 2 : 6)),
    timeoutMs: Number(args.timeout ?? 30_000),
    coldTimeoutMs: Number(args['cold-timeout'] ?? 600_000),
    logDir: join(resultsDir, 'logs'),
    seed,
  };
  mkdirSync(o.logDir, { recursive: true });
  const base = join(resultsDir, `results-${size}${quick ? '-quick' : ''}`);

  if (args['doc-only'] === true) {
    const prev = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as BenchResult;
    if (!Array.isArray(prev.runs)) throw new Error(`${base}.json is from an older version of the benchmark (no repetitions); measure again`);
    const again = assemble(prev);
    writeFileSync(`${base}.json`, JSON.stringify(again, null, 2) + '\n');
    writeFileSync(`${base}.md`, markdown(again));
    if (!quick && args['update-doc'] === true) updateDoc(join(repo, 'BENCHMARKS.md'), size, markdown(again), say);
    return again;
  }

  const wanted = wantedServers(args.servers);
  // Published runs: all three servers, three repetitions; development runs (one server, --quick): one.
  const repetitions = Math.max(1, Number(args.repetitions ?? (!quick && wanted.length === SERVER_IDS.length ? 3 : 1)));
  if (!Number.isInteger(repetitions)) throw new Error(`--repetitions: a whole number, got ${String(args.repetitions)}`);

  // Reuse the generated environment when it matches, else (re)generate.
  const manifestPath = join(outDir, 'bench-manifest.json');
  let manifest: BenchManifest | undefined;
  if (existsSync(manifestPath) && args.regenerate !== true) {
    const m = JSON.parse(readFileSync(manifestPath, 'utf8')) as BenchManifest;
    if (m.size === size && m.seed === seed) manifest = m;
  }
  if (!manifest) {
    say(`generating ${size} (seed ${seed}) into ${outDir}`);
    manifest = generate(size, seed, outDir, say);
  } else say(`reusing ${outDir} (generated in ${manifest.generatedMs} ms)`);

  // `--cpu-prof`: our server (a Node process) writes a V8 CPU profile when it exits;
  // summarise it with `npx tsx bench/profile-summary.ts <file>`. `--server-node-options "…"`:
  // extra Node options for our server (e.g. `--trace-gc`; its output goes to the server's log).
  const profileDir = join(resultsDir, 'profiles');
  const extraNode = typeof args['server-node-options'] === 'string' ? args['server-node-options'].split(/\s+/).filter(Boolean) : [];
  const specs = serverSpecs().map((s) => {
    if (s.id !== 'ours') return s;
    const pre = [...extraNode];
    if (args['cpu-prof'] === true) {
      mkdirSync(profileDir, { recursive: true });
      pre.push('--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=ours-${size}-${Date.now()}.cpuprofile`);
    }
    // After the options every editor starts it with (SERVER_NODE_OPTIONS), before the script: a
    // V8 option given twice takes the last value, so `--server-node-options` can override them.
    return pre.length ? { ...s, args: [...s.args.slice(0, -2), ...pre, ...s.args.slice(-2)] } : s;
  });
  const runs: BenchResult['runs'] = [];
  for (let rep = 0; rep < repetitions; rep++) {
    const order = rotate(wanted, rep);
    if (repetitions > 1) say(`repetition ${rep + 1} of ${repetitions}: ${order.join(' → ')}`);
    const servers: ServerResult[] = [];
    for (const id of order) {
      const spec = specs.find((s) => s.id === id)!;
      if (spec.id === 'ours' && !existsSync(join(repo, 'dist', 'server.js'))) {
        servers.push({
          id: spec.id,
          label: spec.label,
          command: [spec.command, ...spec.args].join(' '),
          available: false,
          reason: 'dist/server.js does not exist (run npm run build)',
          notes: [],
        });
        say(`  ours: n/a (dist/server.js does not exist)`);
        continue;
      }
      say(`${spec.label}…`);
      // `--server-timing`: our server records its own per-request timing (server/timing.ts).
      const timingFile = args['server-timing'] === true && spec.id === 'ours' ? join(o.logDir, `ours-${size}-timing-${rep + 1}.json`) : undefined;
      // The client's own garbage (the generator's text, the last server's answers) is collected
      // before each server starts, so that a long collection of the client does not land in
      // this server's figures.
      collectClientGarbage();
      const clientGc = timingFile ? observeClientGc() : undefined;
      const res = await measureServer(timingFile ? { ...spec, env: { ...spec.env, PROTECTED_MODULES_TIMING: timingFile } } : spec, manifest, outDir, o, say);
      if (clientGc) res.clientGc = clientGc();
      if (timingFile && existsSync(timingFile)) {
        res.serverTiming = JSON.parse(readFileSync(timingFile, 'utf8')) as TimingSummary;
        say(`  ${spec.id}: in-server timing in ${timingFile}`);
        const waits = waitsLine(res);
        if (waits) say(`  ${spec.id}: ${waits}`);
      }
      servers.push(res);
    }
    collectClientGarbage();
    const floor = await measureFloor(o.requests, o);
    if (floor) say(`  transport floor (a server that does nothing): hover p50 ${floor.p50} ms, p99 ${floor.p99} ms, max ${floor.max} ms`);
    runs.push({ order, servers, ...(floor ? { floor } : {}) });
  }

  const cpuList = cpus();
  const command = [
    'npm run bench --',
    '--size',
    size,
    ...(seed !== 1 ? ['--seed', String(seed)] : []),
    ...(quick ? ['--quick'] : []),
    '--servers',
    wanted.length === SERVER_IDS.length ? 'all' : wanted.join(','),
    '--repetitions',
    String(repetitions),
    ...(priority ? ['--priority', String(priority)] : []),
    ...(['requests', 'edits', 'signature-edits'] as const).flatMap((k) => (args[k] !== undefined ? [`--${k}`, String(args[k])] : [])),
  ].join(' ');
  const result = assemble({
    size,
    seed,
    quick,
    date: new Date().toISOString(),
    machine: {
      cpu: cpuList[0]?.model ?? 'unknown',
      cores: cpuList.length,
      memoryGB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      os: `${platform()} ${release()}`,
    },
    environment: { ...manifest.counts, generatedMs: manifest.generatedMs },
    settings: { requests: o.requests, edits: o.edits, signatureEdits: o.signatureEdits, timeoutMs: o.timeoutMs, priority, repetitions, servers: wanted },
    command,
    runs,
    totalMs: Math.round(msSince(t0)),
  });
  writeFileSync(`${base}.json`, JSON.stringify(result, null, 2) + '\n');
  writeFileSync(`${base}.md`, markdown(result));
  say(`wrote ${base}.json and ${base}.md (${(result.totalMs / 1000).toFixed(0)} s)`);
  if (args['update-doc'] === true && !quick) updateDoc(join(repo, 'BENCHMARKS.md'), size, markdown(result), say);
  return result;
}

/** How the peers are installed (for the report's "how to reproduce"). */
function peersParagraph(): string {
  const req = createRequire(join(repo, 'package.json'));
  const v = (name: string) => {
    try {
      return (req(`${name}/package.json`) as { version: string }).version;
    } catch {
      return 'not installed';
    }
  };
  return (
    `The peers are devDependencies pinned exactly in package.json (with their integrity in package-lock.json), installed by \`npm ci\`: ` +
    `\`typescript-7\` = \`npm:typescript@${v('typescript-7')}\` (its native binary \`@typescript/typescript-linux-x64\` ${v('@typescript/typescript-linux-x64')}, spawned directly as \`tsc --lsp --stdio\`), ` +
    `\`typescript\` ${v('typescript')} (tsserver) and \`typescript-language-server\` ${v('typescript-language-server')}.`
  );
}

/**
 * Runs several sizes (`--sizes small,medium,large`, each as {@link runBench} with the same
 * options) and writes `<results-dir>/results.md`: how to reproduce, every size's section, and cold
 * start and memory by size with the cost per thousand lines. With `--update-doc`, BENCHMARKS.md's
 * `<!-- results:all -->` block becomes that file whole.
 */
export async function runSizes(argv: string[], say: (s: string) => void = (s) => console.log(s)): Promise<{ results: BenchResult[]; md: string }> {
  const args = parseArgs(argv);
  const sizes = String(args.sizes)
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--sizes' || a === '--update-doc' || a === '--size') {
      if (a !== '--update-doc' && i + 1 < argv.length && !argv[i + 1].startsWith('--')) i++;
      continue;
    }
    if (a.startsWith('--sizes=') || a.startsWith('--size=')) continue;
    rest.push(a);
  }
  const results: BenchResult[] = [];
  for (const size of sizes) {
    say(`=== ${size}`);
    results.push(await runBench(['--size', size, ...rest], say));
  }
  const md = resultsMarkdown(results, argv);
  const resultsDir = resolve(String(args['results-dir'] ?? join(here, 'out')));
  writeFileSync(join(resultsDir, 'results.md'), md);
  say(`wrote ${join(resultsDir, 'results.md')}`);
  if (args['update-doc'] === true && args.quick !== true) updateDoc(join(repo, 'BENCHMARKS.md'), 'all', md, say);
  return { results, md };
}

/** The Markdown of a multi-size run: reproduce, each size, scaling (BENCHMARKS.md takes it whole). */
export function resultsMarkdown(results: BenchResult[], argv: string[]): string {
  const L: string[] = [];
  const reps = [...new Set(results.map((r) => r.runs.length))].join('/');
  const allCompared = results.every((r) => r.compared);
  L.push(
    `Measured ${results[0]?.date.slice(0, 16).replace('T', ' ')} UTC: ${results.map((r) => r.size).join(', ')}, ${reps} repetition(s) per size${allCompared ? ', all three servers in every repetition' : ' — **development figures (not compared)**: not every peer ran'}.`,
    '',
  );
  L.push('Reproduce (one command; a build first):', '', '```sh', 'npm ci && npm run build', `npm run bench -- ${argv.join(' ')}`, '```', '');
  L.push(peersParagraph(), '');
  // Each size in its own block, so that a later `--size <size> --update-doc` can replace it alone.
  for (const r of results) L.push(`<!-- results:${r.size} -->`, markdown(r).trimEnd(), `<!-- /results:${r.size} -->`, '');
  const { md, linear } = scalingMarkdown(results);
  L.push(md);
  const large = results.find((r) => r.size === 'large');
  if (large && linear) {
    L.push('Goals at the large size, with linearity from the sizes above:', '');
    L.push('| goal | status | detail |', '|---|---|---|');
    for (const g of [...large.goals, linear]) L.push(`| ${g.goal} | ${g.status} | ${g.detail} |`);
    L.push('');
  }
  return L.join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const args = parseArgs(argv);
  (args.sizes !== undefined ? runSizes(argv) : runBench(argv)).then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
