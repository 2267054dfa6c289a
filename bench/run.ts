/**
 * The benchmark runner (issue 6): our language server against TypeScript 7's native language
 * server (`tsc --lsp --stdio`) and TypeScript 5.9's tsserver (through typescript-language-server),
 * on a generated environment and its TypeScript equivalent (see `generate.ts`).
 *
 *   npm run bench -- --size small|medium|large [--seed N] [--servers ours,tsgo,tsserver]
 *                    [--quick] [--requests N] [--edits N] [--signature-edits N]
 *                    [--regenerate] [--out DIR] [--results-dir DIR] [--merge false] [--update-doc] [--doc-only]
 *                    [--priority N] [--cpu-prof]
 *
 * Servers run one after another (each alone on the machine). For each: cold start, completion
 * after `Module.`, hover, go to definition, edit-to-diagnostics in the 5,000-line consumer,
 * signature edit in a service module (TS: its .d.ts) to the consumer's diagnostics, peak memory.
 * Writes `<results-dir>/results-<size>.json` and `.md` (default results dir: bench/out; `--quick`
 * adds `-quick`). Servers left out with `--servers` keep their figures from the previous result
 * of the same size, seed and mode (unless `--merge false`). `--update-doc` also rewrites the
 * size's table in BENCHMARKS.md (between `<!-- results:<size> -->` markers); `--doc-only` does
 * only that (and re-renders results-<size>.md) from the last JSON result, without measuring.
 */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cpus, totalmem, release, platform, loadavg, getPriority, setPriority } from 'node:os';
import { createRequire } from 'node:module';
import { generate, makeRng, parseArgs, type BenchManifest, type SitePair } from './generate';
import { LspSession, percentile, msSince, type ServerSpec, type Diag } from './lsp-driver';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..');

// ---------------------------------------------------------------------------------------------
// Result shapes

/** Latency statistics of one operation (ms), or why there are none. */
export type Stat =
  | {
      n: number; ok: number; p50: number; p95: number; p99: number; mean: number; max: number; first?: number; note?: string;
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
  memory?: { peakMB: number; sumOfPeaksMB: number; cpuSeconds: number; processes: { pid: number; name: string; peakMB: number; cpuSeconds: number }[] } | { na: string };
  /** The nice value the server ran at (inherited from the runner, `--priority`). */
  nice?: number;
  /** 1-minute load average of the machine when the server started and when it stopped. */
  loadAverage?: { start: number; end: number };
  notes: string[];
  durationMs?: number;
  /** When this server was measured (ISO date); set when a later run kept these figures. */
  measuredAt?: string;
}

export interface BenchResult {
  size: string;
  seed: number;
  quick: boolean;
  date: string;
  machine: { cpu: string; cores: number; memoryGB: number; node: string; os: string };
  environment: BenchManifest['counts'] & { generatedMs?: number };
  settings: { requests: number; edits: number; signatureEdits: number; timeoutMs: number; priority?: number };
  servers: ServerResult[];
  goals: { goal: string; status: 'met' | 'not met' | 'n/a'; detail: string }[];
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
      id: 'ours', label: 'Protected Modules (ours)', command: process.execPath, args: [join(repo, 'dist', 'server.js'), '--stdio'],
      cwd: repo, languageId: 'logic', initializationOptions: { user: 'bob' }, settings: { 'protectedModules.user': 'bob' },
      env: { PROTECTED_MODULES_USER: 'bob' },
    },
    { id: 'tsgo', label: 'TypeScript 7 native LSP (tsc --lsp)', command: tsgo.command, args: tsgo.args, cwd: repo, languageId: 'typescript' },
    {
      id: 'tsserver', label: 'TypeScript 5.9 tsserver (typescript-language-server)', command: process.execPath,
      args: [join(repo, 'node_modules', 'typescript-language-server', 'lib', 'cli.mjs'), '--stdio'], cwd: repo, languageId: 'typescript',
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
    n: samples.length, ok, p50: r(percentile(samples, 50)), p95: r(percentile(samples, 95)), p99: r(percentile(samples, 99)),
    mean: r(samples.reduce((a, b) => a + b, 0) / samples.length), max: r(Math.max(...samples)),
    ...(extra.first !== undefined ? { first: r(extra.first) } : {}), ...(extra.note ? { note: extra.note } : {}),
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

async function measureServer(spec: ServerSpec, manifest: BenchManifest, envDir: string, o: RunOptions, say: (s: string) => void): Promise<ServerResult> {
  const res: ServerResult = {
    id: spec.id, label: spec.label, command: [spec.command, ...spec.args].join(' '), version: versionOf(spec.id), available: false, notes: [],
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
        void session.waitForDiagnostics(uri, () => true, { timeoutMs: o.coldTimeoutMs }).then(
          () => (firstSeen = msSince(session.spawnedAt)), () => {},
        );
      }
      await session.waitForDiagnostics(uri, (ds) => {
        if (firstSeen === undefined) firstSeen = msSince(session.spawnedAt);
        return errorsAt(ds, probe.line);
      }, { timeoutMs: o.coldTimeoutMs, pollGapMs: 20 });
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
    session.change(uri, { start: { line: probe.line, character: probe.textArg!.start }, end: { line: probe.line, character: probe.textArg!.start + NUMBER.length } }, probe.textArg!.text);
    let baseline = 0;
    try {
      const ds = await session.waitForDiagnostics(uri, (d) => !errorsAt(d, probe.line), { afterMark: mark, timeoutMs: o.timeoutMs, pollGapMs: 20 });
      baseline = errorCount(ds);
      if (baseline) res.notes.push(`the consumer has ${baseline} error(s) of its own: ${ds.filter(isError).slice(0, 2).map((d) => `${d.range.start.line + 1}: ${d.message}`).join(' | ')}`);
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
      for (const p of picks(o.requests)) {
        try {
          const { ms, result } = await session.timed(method, pos(at(p).line, at(p).character), o.timeoutMs);
          samples.push(ms);
          if (valid(result, p)) ok++;
        } catch (e) {
          failure = (e as Error).message;
          if (session.exited) break;
        }
      }
      say(`  ${spec.id}: ${name} ${samples.length} requests, ${ok} useful, p50 ${percentile(samples, 50).toFixed(2)} ms, p99 ${percentile(samples, 99).toFixed(2)} ms`);
      if (ok === 0) return { na: failure ? `failed: ${failure}` : `no useful answer in ${samples.length} requests` };
      return stats(samples, ok, { first, note: failure ? `some requests failed: ${failure}` : undefined, cpuMs: session.memory.cpuMsNow() - cpu0 });
    };
    const hasLabel = (r: any, label: string) => {
      const items: any[] = Array.isArray(r) ? r : (r?.items ?? []);
      return items.some((it) => it?.label === label || it?.insertText === label || it?.filterText === label);
    };
    res.completion = await runRequests('completion', 'textDocument/completion', (p) => ({ line: site(p).line, character: site(p).afterDotCol }),
      (r, p) => hasLabel(r, site(p).action), 'completionProvider');
    const mid = (p: SitePair) => ({ line: site(p).line, character: Math.floor((site(p).nameStart + site(p).nameEnd) / 2) });
    res.hover = await runRequests('hover', 'textDocument/hover', mid, (r, p) => !!r && JSON.stringify(r.contents ?? '').includes(site(p).action), 'hoverProvider');
    res.definition = await runRequests('definition', 'textDocument/definition', mid,
      (r) => (Array.isArray(r) ? r.length > 0 : !!r), 'definitionProvider');

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
        const t0 = process.hrtime.bigint();
        session.change(uri, { start: { line, character: 0 }, end: { line, character: 0 } }, typed + '\n');
        try {
          const r = await session.request('textDocument/completion', pos(line, typed.length), o.timeoutMs);
          samples.push(msSince(t0));
          if (hasLabel(r, s.action)) ok++;
        } catch (e) {
          failure = (e as Error).message;
        }
        lastVersion = session.change(uri, { start: { line, character: 0 }, end: { line: line + 1, character: 0 } }, '');
        if (failure) break;
      }
      res.typing = ok ? stats(samples, ok, { note: failure ? `stopped: ${failure}` : undefined, cpuMs: session.memory.cpuMsNow() - cpu0 })
        : { na: failure ? `failed: ${failure}` : `no useful answer in ${samples.length} requests` };
      say(`  ${spec.id}: completion while typing ${samples.length} requests, ${ok} useful, p50 ${percentile(samples, 50).toFixed(2)} ms, p99 ${percentile(samples, 99).toFixed(2)} ms`);
      // Let the diagnostics settle on the restored text before the edit benchmark.
      try {
        await session.waitForDiagnostics(uri, (ds) => errorCount(ds) <= baseline, { afterMark: mark, minVersion: lastVersion, timeoutMs: o.timeoutMs, pollGapMs: 20 });
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
        for (const [from, to, expectError] of [[a.end, NUMBER, true], [a.start + NUMBER.length, a.text, false]] as const) {
          mark = session.pushMark;
          const t0 = process.hrtime.bigint();
          const version = session.change(uri, { start: { line: s.line, character: a.start }, end: { line: s.line, character: from } }, to);
          try {
            await session.waitForDiagnostics(uri, (ds) => (expectError ? errorsAt(ds, s.line) : !errorsAt(ds, s.line) && errorCount(ds) <= baseline),
              { afterMark: mark, minVersion: version, timeoutMs: o.timeoutMs, pollGapMs: 2 });
            samples.push(msSince(t0));
            ok++;
          } catch (e) {
            failure = (e as Error).message;
            break;
          }
        }
        if (failure) break;
      }
      res.edit = samples.length ? stats(samples, ok, { note: failure ? `stopped: ${failure}` : undefined, cpuMs: session.memory.cpuMsNow() - cpu0 }) : { na: failure ?? 'no editable call site' };
      say(`  ${spec.id}: edit→diagnostics ${samples.length} edits${samples.length ? `, p50 ${percentile(samples, 50).toFixed(1)} ms, p99 ${percentile(samples, 99).toFixed(1)} ms` : ''}${failure ? ` (${failure})` : ''}`);
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
        const t0 = process.hrtime.bigint();
        writeFileSync(sigFile, lines.join('\n'));
        session.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: sigUri, type: 2 }] });
        try {
          await session.waitForDiagnostics(uri, (ds) => (broken ? callLines.some((l) => errorsAt(ds, l)) : !callLines.some((l) => errorsAt(ds, l)) && errorCount(ds) <= baseline),
            { afterMark: mark, timeoutMs: Math.max(o.timeoutMs, 60_000), pollGapMs: 10 });
          samples.push(msSince(t0));
        } catch (e) {
          failure = `${broken ? 'breaking' : 'restoring'} the signature of ${manifest.signature.module}.${manifest.signature.action}: ${(e as Error).message}`;
        }
      }
      if (sigOriginal !== undefined) writeFileSync(sigFile, sigOriginal);
      res.signatureEdit = samples.length ? stats(samples, samples.length, { note: failure ? `stopped: ${failure}` : undefined, cpuMs: session.memory.cpuMsNow() - cpu0 }) : { na: failure ?? 'not measured' };
      say(`  ${spec.id}: signature edit ${samples.length} changes${samples.length ? `, p50 ${percentile(samples, 50).toFixed(0)} ms, max ${Math.max(...samples).toFixed(0)} ms` : ''}${failure ? ` (${failure})` : ''}`);
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
// Goals and the Markdown table

const num = (s: Stat | undefined, k: 'p50' | 'p95' | 'p99'): number | undefined => (s && !('na' in s) ? s[k] : undefined);
const coldOf = (r: ServerResult | undefined) => (typeof r?.coldStartMs === 'number' ? r.coldStartMs : undefined);
const memOf = (r: ServerResult | undefined) => (r?.memory && !('na' in r.memory) ? r.memory.peakMB : undefined);

function goals(servers: ServerResult[]): BenchResult['goals'] {
  const ours = servers.find((s) => s.id === 'ours');
  const tsgo = servers.find((s) => s.id === 'tsgo');
  const tss = servers.find((s) => s.id === 'tsserver');
  const why = (r: ServerResult | undefined, what: string) => (!r ? `${what}: not run` : !r.available ? `${what}: ${r.reason ?? 'not available'}` : `${what}: not measured`);
  const out: BenchResult['goals'] = [];
  const cp99 = num(ours?.completion, 'p99');
  out.push(cp99 === undefined ? { goal: 'completion p99 ≤ 10 ms', status: 'n/a', detail: why(ours, 'ours') }
    : { goal: 'completion p99 ≤ 10 ms', status: cp99 <= 10 ? 'met' : 'not met', detail: `${cp99} ms` });
  const tsp = num(tss?.completion, 'p99');
  out.push(cp99 === undefined || tsp === undefined ? { goal: 'completion ≥ 10× faster than tsserver (p99)', status: 'n/a', detail: cp99 === undefined ? why(ours, 'ours') : why(tss, 'tsserver') }
    : { goal: 'completion ≥ 10× faster than tsserver (p99)', status: tsp / cp99 >= 10 ? 'met' : 'not met', detail: `tsserver p99 ÷ ours = ${(tsp / cp99).toFixed(2)}× (${tsp} ms vs ${cp99} ms)` });
  const tgp = num(tsgo?.completion, 'p99');
  out.push(cp99 === undefined || tgp === undefined ? { goal: 'completion faster than TypeScript 7 (p99)', status: 'n/a', detail: cp99 === undefined ? why(ours, 'ours') : why(tsgo, 'tsgo') }
    : { goal: 'completion faster than TypeScript 7 (p99)', status: cp99 < tgp ? 'met' : 'not met', detail: `tsgo p99 ÷ ours = ${(tgp / cp99).toFixed(2)}× (${tgp} ms vs ${cp99} ms)` });
  const ep99 = num(ours?.edit, 'p99');
  out.push(ep99 === undefined ? { goal: 'edit-to-diagnostics p99 ≤ 50 ms', status: 'n/a', detail: why(ours, 'ours') }
    : { goal: 'edit-to-diagnostics p99 ≤ 50 ms', status: ep99 <= 50 ? 'met' : 'not met', detail: `${ep99} ms` });
  const cs = coldOf(ours);
  out.push(cs === undefined ? { goal: 'cold start ≤ 5 s', status: 'n/a', detail: why(ours, 'ours') }
    : { goal: 'cold start ≤ 5 s', status: cs <= 5000 ? 'met' : 'not met', detail: `${cs} ms` });
  const mem = memOf(ours);
  out.push(mem === undefined ? { goal: 'peak memory ≤ 1 GB', status: 'n/a', detail: why(ours, 'ours') }
    : { goal: 'peak memory ≤ 1 GB', status: mem <= 1024 ? 'met' : 'not met', detail: `${mem} MB` });
  return out;
}

function fmtMs(x: number | undefined): string {
  if (x === undefined) return 'n/a';
  if (x >= 10_000) return `${(x / 1000).toFixed(1)} s`;
  if (x >= 100) return `${Math.round(x)} ms`;
  if (x >= 10) return `${x.toFixed(1)} ms`;
  return `${x.toFixed(2)} ms`;
}

/** Renders the Markdown report of a result. */
export function markdown(r: BenchResult): string {
  const ids = ['ours', 'tsgo', 'tsserver'];
  const by = new Map(r.servers.map((s) => [s.id, s]));
  const cell = (s: ServerResult | undefined, v: number | undefined, na: string | undefined, unit: 'ms' | 'MB') => {
    if (!s) return 'not run';
    if (!s.available) return `n/a¹`;
    if (v === undefined) return `n/a${na ? ` (${na.length > 60 ? na.slice(0, 57) + '…' : na})` : ''}`;
    return unit === 'MB' ? `${v} MB` : fmtMs(v);
  };
  const ratio = (ours: number | undefined, peer: number | undefined) => {
    if (ours === undefined || peer === undefined || peer === 0) return 'n/a';
    const q = ours / peer;
    return `${q < 0.01 ? q.toExponential(1) : q.toFixed(2)} (${q < 1 ? `${(1 / q).toFixed(1)}× faster` : q > 1 ? `${q.toFixed(1)}× slower` : 'same'})`;
  };
  const memRatio = (ours: number | undefined, peer: number | undefined) => {
    if (ours === undefined || peer === undefined || peer === 0) return 'n/a';
    return `${(ours / peer).toFixed(2)}`;
  };
  type Row = { label: string; get: (s: ServerResult) => number | undefined; na: (s: ServerResult) => string | undefined; unit: 'ms' | 'MB' };
  const statRow = (label: string, key: 'completion' | 'typing' | 'hover' | 'definition' | 'edit' | 'signatureEdit', k: 'p50' | 'p95' | 'p99'): Row => ({
    label, unit: 'ms', get: (s) => num(s[key], k), na: (s) => { const v = s[key]; return v && 'na' in v ? v.na : undefined; },
  });
  const cpuRow = (label: string, key: 'completion' | 'hover' | 'definition' | 'edit' | 'signatureEdit'): Row => ({
    label, unit: 'ms', get: (s) => { const v = s[key]; return v && !('na' in v) ? v.cpuMsPerOp : undefined; },
    na: (s) => { const v = s[key]; return v && 'na' in v ? v.na : undefined; },
  });
  const rows: Row[] = [
    { label: 'cold start (spawn → diagnostics of the open consumer)', unit: 'ms', get: coldOf, na: (s) => (typeof s.coldStartMs === 'object' ? s.coldStartMs.na : undefined) },
    { label: 'server CPU during the cold start', unit: 'ms', get: (s) => s.coldStartCpuMs, na: () => undefined },
    statRow('completion after `Module.` p50', 'completion', 'p50'),
    statRow('completion p95', 'completion', 'p95'),
    statRow('completion p99', 'completion', 'p99'),
    statRow('completion while typing `Module.` on a new line p50', 'typing', 'p50'),
    statRow('completion while typing p99', 'typing', 'p99'),
    statRow('hover p50', 'hover', 'p50'),
    statRow('hover p99', 'hover', 'p99'),
    statRow('go to definition p50', 'definition', 'p50'),
    statRow('go to definition p99', 'definition', 'p99'),
    statRow('edit in 5,000-line consumer → diagnostics p50', 'edit', 'p50'),
    statRow('edit → diagnostics p99', 'edit', 'p99'),
    statRow('signature edit in a service module → consumer diagnostics p50', 'signatureEdit', 'p50'),
    statRow('signature edit → consumer diagnostics p99 (max)', 'signatureEdit', 'p99'),
    cpuRow('server CPU per completion (mean)', 'completion'),
    cpuRow('server CPU per hover (mean)', 'hover'),
    cpuRow('server CPU per definition (mean)', 'definition'),
    cpuRow('server CPU per edit → diagnostics (mean)', 'edit'),
    cpuRow('server CPU per signature edit (mean)', 'signatureEdit'),
    { label: 'peak resident memory (process tree)', unit: 'MB', get: memOf, na: (s) => (s.memory && 'na' in s.memory ? s.memory.na : undefined) },
  ];
  const L: string[] = [];
  const e = r.environment;
  L.push(`### ${r.size}${r.quick ? ' (quick)' : ''} — ${r.date.slice(0, 16).replace('T', ' ')} UTC`, '');
  L.push(`Environment: ${e.modules.toLocaleString('en')} modules (${e.serviceModules} service, ${e.uiModules} UI), ` +
    `${e.publicActions.toLocaleString('en')} public and ${e.privateActions.toLocaleString('en')} private server actions, ${e.structures.toLocaleString('en')} structures; ` +
    `${e.logicLines.toLocaleString('en')} lines of Logic in ${e.logicFiles.toLocaleString('en')} files; TypeScript project ${e.tsLines.toLocaleString('en')} lines ` +
    `(${e.tsDeclarationLines.toLocaleString('en')} in .d.ts) in ${e.tsFiles.toLocaleString('en')} files. Seed ${r.seed}.`, '');
  L.push(`Machine: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGB} GB, Node ${r.machine.node}, ${r.machine.os}. ` +
    `${r.settings.requests} requests per feature, ${r.settings.edits} edits, ${r.settings.signatureEdits} signature edits` +
    `${r.settings.priority ? `, nice ${r.settings.priority}` : ''}; this run took ${(r.totalMs / 1000).toFixed(0)} s.`, '');
  L.push(`| figure | ours | TypeScript 7 (tsgo) | tsserver 5.9 | ours ÷ tsgo | ours ÷ tsserver |`, '|---|---|---|---|---|---|');
  for (const row of rows) {
    const vals = ids.map((id) => { const s = by.get(id); return s && s.available ? row.get(s) : undefined; });
    const cells = ids.map((id, i) => { const s = by.get(id); return cell(s, vals[i], s && s.available ? row.na(s) : undefined, row.unit); });
    const rat = row.unit === 'MB' ? [memRatio(vals[0], vals[1]), memRatio(vals[0], vals[2])] : [ratio(vals[0], vals[1]), ratio(vals[0], vals[2])];
    L.push(`| ${row.label} | ${cells.join(' | ')} | ${rat.join(' | ')} |`);
  }
  L.push('');
  const unavailable = r.servers.filter((s) => !s.available);
  for (const s of unavailable) L.push(`¹ ${s.label}: ${s.reason ?? 'not available'}.`);
  if (unavailable.length) L.push('');
  L.push('Goals (issue 6; they apply at the large size):', '');
  L.push('| goal | status | detail |', '|---|---|---|');
  for (const g of r.goals) L.push(`| ${g.goal} | ${g.status} | ${g.detail} |`);
  L.push('');
  L.push('Notes:', '');
  for (const s of r.servers) {
    const bits: string[] = [];
    if (s.available) bits.push(`${s.diagnosticsMode} diagnostics`);
    if (s.version) bits.push(s.version);
    if (s.measuredAt) bits.push(`measured ${s.measuredAt.slice(0, 16).replace('T', ' ')} UTC (kept from an earlier run)`);
    if (s.durationMs !== undefined) bits.push(`run ${(s.durationMs / 1000).toFixed(0)} s`);
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
  return L.join('\n');
}

/**
 * Replaces the block between `<!-- results:<size> -->` and `<!-- /results:<size> -->` of
 * BENCHMARKS.md with the new table (nothing happens when the markers are missing).
 */
export function updateDoc(path: string, size: string, md: string, say: (s: string) => void = () => {}): boolean {
  if (!existsSync(path)) return false;
  const text = readFileSync(path, 'utf8');
  const open = `<!-- results:${size} -->`;
  const close = `<!-- /results:${size} -->`;
  const a = text.indexOf(open);
  const b = text.indexOf(close);
  if (a < 0 || b < a) {
    say(`BENCHMARKS.md has no ${open} … ${close} block; not updated`);
    return false;
  }
  writeFileSync(path, text.slice(0, a + open.length) + '\n' + md.trimEnd() + '\n' + text.slice(b));
  say(`updated the ${size} table of ${path}`);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Main

/** Runs the benchmark; returns the result (also written to the results directory). */
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

  if (args['doc-only'] === true) {
    const base = join(resultsDir, `results-${size}${quick ? '-quick' : ''}`);
    const prev = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as BenchResult;
    prev.goals = goals(prev.servers);
    writeFileSync(`${base}.json`, JSON.stringify(prev, null, 2) + '\n');
    writeFileSync(`${base}.md`, markdown(prev));
    if (!quick) updateDoc(join(repo, 'BENCHMARKS.md'), size, markdown(prev), say);
    return prev;
  }

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

  const wanted = String(args.servers ?? 'ours,tsgo,tsserver').split(',');
  // `--cpu-prof`: our server (a Node process) writes a V8 CPU profile when it exits;
  // summarise it with `npx tsx bench/profile-summary.ts <file>`.
  const profileDir = join(resultsDir, 'profiles');
  const specs = serverSpecs().map((s) => {
    if (args['cpu-prof'] !== true || s.id !== 'ours') return s;
    mkdirSync(profileDir, { recursive: true });
    return { ...s, args: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=ours-${size}-${Date.now()}.cpuprofile`, ...s.args] };
  });
  const results: ServerResult[] = [];
  for (const spec of specs.filter((s) => wanted.includes(s.id))) {
    if (spec.id === 'ours' && !existsSync(join(repo, 'dist', 'server.js'))) {
      results.push({ id: spec.id, label: spec.label, command: [spec.command, ...spec.args].join(' '), available: false, reason: 'dist/server.js does not exist (run npm run build)', notes: [] });
      say(`  ours: n/a (dist/server.js does not exist)`);
      continue;
    }
    say(`${spec.label}…`);
    results.push(await measureServer(spec, manifest, outDir, o, say));
  }

  // Servers not run this time keep their figures from the previous result of the same size,
  // seed and mode (so `--servers ours` re-measures only our server next to the peers).
  const base = join(resultsDir, `results-${size}${quick ? '-quick' : ''}`);
  if (args.merge !== 'false' && existsSync(`${base}.json`)) {
    try {
      const prev = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as BenchResult;
      if (prev.size === size && prev.seed === seed && prev.quick === quick) {
        for (const s of prev.servers) {
          if (wanted.includes(s.id) || results.some((r) => r.id === s.id)) continue;
          s.measuredAt ??= prev.date;
          results.push(s);
        }
      }
    } catch {
      // a broken previous result is simply replaced
    }
  }
  const order = ['ours', 'tsgo', 'tsserver'];
  results.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));

  const cpuList = cpus();
  const result: BenchResult = {
    size, seed, quick, date: new Date().toISOString(),
    machine: {
      cpu: cpuList[0]?.model ?? 'unknown', cores: cpuList.length, memoryGB: Math.round(totalmem() / 2 ** 30),
      node: process.version, os: `${platform()} ${release()}`,
    },
    environment: { ...manifest.counts, generatedMs: manifest.generatedMs },
    settings: { requests: o.requests, edits: o.edits, signatureEdits: o.signatureEdits, timeoutMs: o.timeoutMs, priority },
    servers: results,
    goals: goals(results),
    totalMs: Math.round(msSince(t0)),
  };
  writeFileSync(`${base}.json`, JSON.stringify(result, null, 2) + '\n');
  writeFileSync(`${base}.md`, markdown(result));
  say(`wrote ${base}.json and ${base}.md (${(result.totalMs / 1000).toFixed(0)} s)`);
  if (args['update-doc'] === true && !quick) updateDoc(join(repo, 'BENCHMARKS.md'), size, markdown(result), say);
  return result;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runBench(process.argv.slice(2)).then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
