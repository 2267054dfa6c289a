/**
 * Benchmark of `protected-modules diff` (SPEC 10, issue 12 acceptance 4): the built CLI
 * (`node dist/cli.js diff …`, a new process per run, as a user runs it) on a generated environment
 * (`bench/generate.ts`), end to end: walking the environment (the fast path of issue 12: every
 * folder listed and every module.json read, but only the manifests and sources that concern the
 * module validated and parsed), rendering the module's interface, comparing it with the against
 * file and counting the call sites of its consumers.
 *
 * The diffed module is a dependency of the generated big consumer (`Big.logic`, 5,000 lines,
 * ~3,500 calls: the heaviest consumer to examine), diffed as alice (admin: `full`, so consumers are
 * counted). The against file is the module's current interface with two changes made to it, so
 * that the diff finds breaking changes: an extra action (now "removed") and the last input of one
 * action taken out (now "added").
 *
 * Usage: npm run bench:diff -- [--size large] [--seed 1] [--runs 5] [--out DIR] [--module NAME] [--priority N]
 * (`--priority N`: the nice value of the runner and so of the CLI processes it spawns, as for
 * `npm run bench`; a negative value, as root, shields the measurement from other jobs.)
 * Needs `npm run build` first. Prints the timings (ms) and the machine's load; no assertion.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, getPriority, loadavg, setPriority, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchManifest, generate, parseArgs } from './generate';
import { EnvironmentScan } from '../shared/environment/load';
import { diffModule, moduleProgram, readAgainst } from '../server/cli/diff';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..');
const cli = join(repo, 'dist', 'cli.js');

const TIME = '/usr/bin/time';
const hasTime = existsSync(TIME);

/**
 * Runs the CLI; `ms` is the wall clock, `cpuMs` the process's user + system CPU time (GNU time's
 * `%U %S`, when /usr/bin/time exists): on a loaded machine the wall clock includes waiting for a
 * core, the CPU time does not.
 */
function run(args: string[]): { code: number | null; stdout: string; stderr: string; ms: number; cpuMs?: number } {
  const t0 = process.hrtime.bigint();
  const r = hasTime
    ? spawnSync(TIME, ['-f', 'PMCPU %U %S', process.execPath, cli, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    : spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  let stderr = r.stderr;
  let cpuMs: number | undefined;
  const m = /PMCPU ([\d.]+) ([\d.]+)\s*$/.exec(stderr);
  if (m) {
    cpuMs = (Number(m[1]) + Number(m[2])) * 1000;
    stderr = stderr.slice(0, m.index);
  }
  return { code: r.status, stdout: r.stdout, stderr, ms, cpuMs };
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const size = String(args.size ?? 'large');
  const seed = Number(args.seed ?? 1);
  const runs = Number(args.runs ?? 5);
  const out = resolve(String(args.out ?? join(here, 'out', size)));
  if (args.priority !== undefined) setPriority(Number(args.priority));
  if (!existsSync(cli)) throw new Error('dist/cli.js does not exist: run npm run build first');

  const manifestPath = join(out, 'bench-manifest.json');
  let manifest: BenchManifest | undefined;
  if (existsSync(manifestPath)) {
    const m = JSON.parse(readFileSync(manifestPath, 'utf8')) as BenchManifest;
    if (m.size === size && m.seed === seed) manifest = m;
  }
  if (!manifest) {
    console.log(`generating ${size} (seed ${seed}) into ${out}`);
    manifest = generate(size, seed, out, (s) => console.log(s));
  }
  const env = join(out, manifest.logicRoot);
  const consumerModule = manifest.consumer.module;
  let module = typeof args.module === 'string' ? args.module : undefined;
  if (!module) {
    const consumerFolder = dirname(join(env, manifest.consumer.logic));
    const deps = Object.keys(JSON.parse(readFileSync(join(consumerFolder, 'module.json'), 'utf8')).dependencies ?? {});
    module = deps.sort()[0];
  }
  if (!module) throw new Error(`no dependency of ${consumerModule} to diff`);

  // The against file: the current interface, changed so that the diff has breaking changes.
  const iface = run(['interface', env, module, '--user', 'alice']);
  if (iface.code !== 0) throw new Error(`interface failed: ${iface.stderr}`);
  const lines = iface.stdout.split('\n');
  const i = lines.findIndex((l) => /^public server action \w+\([^)]*,[^)]*\)/.test(l));
  if (i >= 0) lines[i] = lines[i].replace(/, [^,()]+\)/, ')');
  const against = lines.join('\n') + '\npublic server action RemovedSinceThen(a: Text);\n';
  const dir = mkdtempSync(join(tmpdir(), 'pm-bench-diff-'));
  const file = join(dir, `${module}.api.logic`);
  writeFileSync(file, against);

  const load = loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  const times: number[] = [];
  const cpu: number[] = [];
  let last: ReturnType<typeof run> | undefined;
  for (let k = 0; k < runs; k++) {
    last = run(['diff', env, module, '--against', file, '--user', 'alice', '--format', 'json']);
    if (last.code !== 0 && last.code !== 1) throw new Error(`diff failed (${last.code}): ${last.stderr}`);
    times.push(last.ms);
    if (last.cpuMs !== undefined) cpu.push(last.cpuMs);
  }
  // Baseline: `interface` of the same module (start-up, loading the environment, rendering).
  const base: number[] = [];
  for (let k = 0; k < runs; k++) base.push(run(['interface', env, module, '--user', 'alice']).ms);
  // In process (no start-up), as the CLI does it: walking the environment (every folder listed,
  // every module.json read, the policy validated), then the diff itself (validating the manifests
  // that concern the module, reading and parsing its sources, rendering the interface, comparing,
  // parsing and scanning the consumers) on a fresh Program. The first run is the cold one.
  const inLoad: number[] = [];
  const inDiff: number[] = [];
  for (let k = 0; k < runs; k++) {
    let t = process.hrtime.bigint();
    const scan = EnvironmentScan.open(env);
    inLoad.push(Number(process.hrtime.bigint() - t) / 1e6);
    t = process.hrtime.bigint();
    diffModule(moduleProgram(scan, module).forUser('alice'), module, readAgainst(file, module));
    inDiff.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  rmSync(dir, { recursive: true, force: true });
  const report = JSON.parse(last!.stdout) as { changes: { severity: string }[]; required: string; consumers: { module: string; callSites: number }[] };
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  console.log(`diff ${module} (${size}: ${manifest.counts.modules} modules, ${manifest.counts.logicLines} lines of Logic)`);
  console.log(`  changes: ${report.changes.length} (${report.changes.filter((c) => c.severity === 'breaking').length} breaking), required ${report.required}`);
  console.log(`  consumers: ${report.consumers.map((c) => `${c.module} ${c.callSites}`).join(', ')}`);
  console.log(
    `  wall clock per run (new process each): min ${sorted[0].toFixed(0)} ms, median ${median.toFixed(0)} ms, max ${sorted[sorted.length - 1].toFixed(0)} ms over ${runs} runs`,
  );
  if (cpu.length) {
    const c = [...cpu].sort((x, y) => x - y);
    console.log(`  CPU time per run (user + system): min ${c[0].toFixed(0)} ms, median ${c[Math.floor(c.length / 2)].toFixed(0)} ms`);
  }
  const b = [...base].sort((x, y) => x - y);
  console.log(`  baseline \`interface\` of the same module: min ${b[0].toFixed(0)} ms, median ${b[Math.floor(b.length / 2)].toFixed(0)} ms`);
  const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)].toFixed(0);
  console.log(
    `  in process: walking the environment median ${med(inLoad)} ms (cold ${inLoad[0].toFixed(0)}); the diff (module's manifests and sources, render, compare, call sites) median ${med(inDiff)} ms (cold ${inDiff[0].toFixed(0)})`,
  );
  console.log(`  nice value: ${getPriority()}`);
  console.log(
    `  machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, load average before the runs ${load}, after ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  console.log(`  date: ${new Date().toISOString()}`);
}

main();
