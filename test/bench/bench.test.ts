/**
 * The benchmark (issue 6) works end to end: the generator is deterministic and writes a valid
 * environment, and one quick run on the small size against every available server writes a
 * well-formed result. No timing is asserted (CONTRIBUTING: benchmarks live in bench/).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { generate, validateSample } from '../../bench/generate';
import {
  runBench,
  assemble,
  markdown,
  rotate,
  wantedServers,
  scalingMarkdown,
  updateDoc,
  type BenchResult,
  type ServerResult,
  type Stat,
} from '../../bench/run';

function listFiles(dir: string, base = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, base), { withFileTypes: true })) {
    const rel = base ? `${base}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(dir, rel));
    else out.push(rel);
  }
  return out.sort();
}

test('the generator is deterministic for a seed and different for another', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'pm-bench-gen-'));
  try {
    const a = generate('tiny', 7, join(tmp, 'a'));
    const b = generate('tiny', 7, join(tmp, 'b'));
    const c = generate('tiny', 8, join(tmp, 'c'));
    const files = listFiles(join(tmp, 'a'));
    assert.deepEqual(listFiles(join(tmp, 'b')), files);
    for (const f of files) {
      if (f === 'bench-manifest.json') continue;
      assert.equal(readFileSync(join(tmp, 'b', f), 'utf8'), readFileSync(join(tmp, 'a', f), 'utf8'), f);
    }
    assert.deepEqual({ ...a, generatedMs: 0 }, { ...b, generatedMs: 0 });
    assert.notDeepEqual(c.sites, a.sites);
    // The environment has the shape SPEC 2 asks for.
    const env = JSON.parse(readFileSync(join(tmp, 'a', 'logic', 'environment.json'), 'utf8'));
    assert.deepEqual(env.admins, ['alice']);
    assert.deepEqual(env.users.bob.groups, ['contractors']);
    assert.equal(a.counts.publicActions, 3 * 12);
    const consumer = readFileSync(join(tmp, 'a', 'logic', a.consumer.logic), 'utf8').split('\n');
    // Every recorded call site points at `Module.Action(` in both languages.
    for (const s of a.sites) {
      assert.equal(consumer[s.logic.line].slice(s.logic.moduleCol, s.logic.nameEnd + 1), `${s.logic.module}.${s.logic.action}(`);
    }
    const tsConsumer = readFileSync(join(tmp, 'a', 'ts', a.consumer.ts), 'utf8').split('\n');
    for (const s of a.sites) {
      assert.equal(tsConsumer[s.ts.line].slice(s.ts.moduleCol, s.ts.nameEnd + 1), `${s.ts.module}.${s.ts.action}(`);
      if (s.ts.textArg) assert.equal(tsConsumer[s.ts.line].slice(s.ts.textArg.start, s.ts.textArg.end), s.ts.textArg.text);
    }
    const sigFile = readFileSync(join(tmp, 'a', 'logic', a.signature.logic.file), 'utf8').split('\n');
    assert.equal(sigFile[a.signature.logic.line], a.signature.logic.original);
    assert.ok(a.signature.callLines.logic.length > 0);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('generated Logic parses without syntax errors (when the parser exists)', async (t) => {
  const tmp = mkdtempSync(join(tmpdir(), 'pm-bench-parse-'));
  try {
    generate('tiny', 3, tmp);
    const v = await validateSample(tmp, 100);
    if (!v) {
      t.skip('shared/language/parser.ts is not there yet');
      return;
    }
    assert.ok(v.files > 0);
    assert.deepEqual(v.errors, []);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('the generated environment checks clean for alice and bob (when the CLI is built)', (t) => {
  const cli = join(__dirname, '..', '..', 'dist', 'cli.js');
  if (!existsSync(cli)) {
    t.skip('dist/cli.js is not built');
    return;
  }
  const tmp = mkdtempSync(join(tmpdir(), 'pm-bench-check-'));
  try {
    generate('tiny', 5, tmp);
    for (const user of ['alice', 'bob']) {
      const r = spawnSync(process.execPath, [cli, 'check', join(tmp, 'logic'), '--user', user], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${user}: ${r.stdout}${r.stderr}`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

function assertStat(s: Stat | undefined, what: string): void {
  assert.ok(s, `${what} missing`);
  if ('na' in s) assert.equal(typeof s.na, 'string', what);
  else {
    for (const k of ['n', 'ok', 'p50', 'p95', 'p99', 'mean', 'max'] as const) assert.equal(typeof s[k], 'number', `${what}.${k}`);
    assert.ok(s.n > 0 && s.p50 <= s.p99, what);
  }
}

test('a quick run on the small size writes a well-formed result for every server', { timeout: 240_000 }, async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'pm-bench-run-'));
  try {
    const result: BenchResult = await runBench(
      [
        '--size',
        'small',
        '--quick',
        '--out',
        join(tmp, 'env'),
        '--results-dir',
        join(tmp, 'results'),
        '--requests',
        '5',
        '--edits',
        '2',
        '--signature-edits',
        '1',
      ],
      () => {},
    );
    const jsonPath = join(tmp, 'results', 'results-small-quick.json');
    const mdPath = join(tmp, 'results', 'results-small-quick.md');
    assert.ok(existsSync(jsonPath) && existsSync(mdPath));
    const onDisk = JSON.parse(readFileSync(jsonPath, 'utf8')) as BenchResult;
    assert.equal(onDisk.size, 'small');
    assert.equal(onDisk.environment.modules, 10);
    assert.deepEqual(
      onDisk.servers.map((s) => s.id),
      ['ours', 'tsgo', 'tsserver'],
    );
    assert.equal(result.servers.length, 3);
    for (const s of onDisk.servers) {
      if (!s.available) {
        assert.equal(typeof s.reason, 'string', `${s.id} unavailable without a reason`);
        continue;
      }
      assert.ok(typeof s.coldStartMs === 'number' || typeof s.coldStartMs?.na === 'string', `${s.id} cold start`);
      for (const k of ['completion', 'typing', 'hover', 'definition', 'edit', 'signatureEdit'] as const) assertStat(s[k], `${s.id}.${k}`);
      assert.ok(s.memory && ('na' in s.memory || s.memory.peakMB > 0), `${s.id} memory`);
    }
    // The TypeScript peers are installed, so they must have answered.
    for (const id of ['tsgo', 'tsserver']) assert.ok(onDisk.servers.find((s) => s.id === id)?.available, `${id} did not start`);
    // --quick: one repetition of the three servers, compared within it.
    assert.equal(onDisk.runs.length, 1);
    assert.deepEqual(onDisk.runs[0].order, ['ours', 'tsgo', 'tsserver']);
    assert.equal(onDisk.compared, true);
    assert.equal(onDisk.goals.length, 11);
    for (const g of onDisk.goals) assert.ok(['met', 'missed', 'not compared', 'n/a'].includes(g.status), g.goal);
    const md = readFileSync(mdPath, 'utf8');
    assert.match(md, /\| figure \| ours \| TypeScript 7 \(tsgo\) \| tsserver 5\.9 \| ours ÷ tsgo \| ours ÷ tsserver \|/);
    assert.match(md, /completion p99/);
    // The transport floor ran after the servers: a server that does nothing, 5 hovers timed.
    const floor = onDisk.runs[0].floor;
    assert.ok(floor && floor.n === 5 && floor.p50 > 0 && floor.p50 <= floor.p99 && floor.p99 <= floor.max, JSON.stringify(floor));
    assert.match(md, /Transport floor \(bench\/floor-server\.mjs/);
    // The signature edit restored the service module.
    const manifest = JSON.parse(readFileSync(join(tmp, 'env', 'bench-manifest.json'), 'utf8'));
    const lines = readFileSync(join(tmp, 'env', 'ts', manifest.signature.ts.file), 'utf8').split('\n');
    assert.equal(lines[manifest.signature.ts.line], manifest.signature.ts.original);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

/** A repetition's result of one server with the given completion p99 / cold start (other figures absent). */
function fake(id: string, p99: number, cold: number): ServerResult {
  const stat: Stat = { n: 10, ok: 10, p50: p99 / 2, p95: p99 * 0.9, p99, mean: p99 / 2, max: p99 };
  return {
    id,
    label: id,
    command: id,
    available: true,
    notes: [],
    coldStartMs: cold,
    completion: stat,
    memory: { peakMB: cold / 10, sumOfPeaksMB: cold / 10, cpuSeconds: 1, processes: [] },
  };
}

function fakeResult(runs: BenchResult['runs'], size = 'large', lines = 1_000_000): BenchResult {
  return assemble({
    size,
    seed: 1,
    quick: false,
    date: '2026-12-04T00:00:00.000Z',
    machine: { cpu: 'x', cores: 2, memoryGB: 1, node: 'v20', os: 'linux' },
    environment: {
      modules: 1,
      serviceModules: 1,
      uiModules: 0,
      publicActions: 1,
      privateActions: 0,
      structures: 0,
      logicFiles: 1,
      logicLines: lines,
      tsFiles: 1,
      tsLines: lines,
      tsDeclarationLines: 0,
    },
    settings: { requests: 10, edits: 0, signatureEdits: 0, timeoutMs: 1, repetitions: runs.length, servers: ['ours', 'tsgo'] },
    command: 'npm run bench',
    runs,
    totalMs: 1,
  });
}

test('repetitions: medians, spreads, and ratios taken within one repetition only', () => {
  assert.deepEqual(rotate(['ours', 'tsgo', 'tsserver'], 1), ['tsgo', 'tsserver', 'ours']);
  assert.deepEqual(rotate(['ours', 'tsgo', 'tsserver'], 2), ['tsserver', 'ours', 'tsgo']);
  assert.deepEqual(wantedServers('all'), ['ours', 'tsgo', 'tsserver']);
  assert.deepEqual(wantedServers('tsgo,ours'), ['ours', 'tsgo']);
  assert.throws(() => wantedServers('ours,tsc'), /unknown server/);
  // Ours is faster in runs 1 and 3, slower in run 2: the median ratio is that of a run, not a
  // ratio of medians taken from different runs.
  const r = fakeResult([
    { order: ['ours', 'tsgo'], servers: [fake('ours', 1, 100), fake('tsgo', 4, 400)] },
    { order: ['tsgo', 'ours'], servers: [fake('tsgo', 2, 100), fake('ours', 8, 200)] },
    { order: ['ours', 'tsgo'], servers: [fake('ours', 3, 300), fake('tsgo', 6, 300)] },
  ]);
  const row = r.figures.find((f) => f.key === 'completion.p99')!;
  assert.deepEqual(row.values.ours, { median: 3, min: 1, max: 8, n: 3 });
  assert.deepEqual(row.values.tsgo, { median: 4, min: 2, max: 6, n: 3 });
  assert.deepEqual(row.ratios.tsgo, { median: 0.5, min: 0.25, max: 4, n: 3 });
  assert.equal(r.compared, true);
  const p99Goal = r.goals.find((g) => g.goal === "completion p99 below TypeScript 7's p99")!;
  assert.equal(p99Goal.status, 'met');
  assert.match(p99Goal.detail, /below in 2 of 3 runs/);
  assert.equal(r.goals.find((g) => g.goal === 'completion p99 ≤ 2 ms')!.status, 'missed');
  assert.equal(r.servers.find((s) => s.id === 'ours')!.coldStartMs, 200);
  assert.deepEqual(r.servers.find((s) => s.id === 'ours')!.repetitions, { n: 3, positions: [1, 2, 1] });
  const md = markdown(r);
  assert.match(md, /\| completion p99 \| 3\.00 ms \(1\.00 ms–8\.00 ms\) \| 4\.00 ms \(2\.00 ms–6\.00 ms\) \| 0\.50 2\.0× faster \(0\.25–4\.00\) \|/);
});

test('ours alone: no ratio column and the comparisons say "not compared"', () => {
  const r = fakeResult([{ order: ['ours'], servers: [fake('ours', 1.5, 700)] }]);
  assert.equal(r.compared, false);
  for (const f of r.figures) assert.deepEqual(f.ratios, {});
  const cmp = r.goals.filter((g) => g.goal.includes('TypeScript 7'));
  assert.equal(cmp.length, 3);
  for (const g of cmp) assert.equal(g.status, 'not compared');
  assert.equal(r.goals.find((g) => g.goal === 'completion p99 ≤ 2 ms')!.status, 'met');
  assert.equal(r.goals.find((g) => g.goal === 'cold start ≤ 0.8 s')!.status, 'met');
  const md = markdown(r);
  assert.doesNotMatch(md, /ours ÷/);
  assert.match(md, /Development figures \(not compared\)/);
  // Scaling: cost per thousand lines, linear when it does not grow by more than a quarter.
  const small = fakeResult([{ order: ['ours'], servers: [fake('ours', 1, 150)] }], 'medium', 200_000);
  const { md: scale, linear } = scalingMarkdown([r, small]);
  assert.match(scale, /\| large \| 1,000,000 \/ 1,000,000 \| ours \| 700 ms \| 0\.700 ms \|/);
  assert.equal(linear?.status, 'met'); // 0.75 → 0.70 ms per 1k lines
  const faster = fakeResult([{ order: ['ours'], servers: [fake('ours', 1, 100)] }], 'medium', 200_000);
  assert.equal(scalingMarkdown([faster, r]).linear?.status, 'missed'); // 0.50 → 0.70 ms per 1k lines
});

test('--update-doc replaces only the block between markers on lines of their own', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'pm-bench-doc-'));
  try {
    const doc = join(tmp, 'BENCHMARKS.md');
    writeFileSync(doc, 'Mentions `<!-- results:all -->` inline.\n\n<!-- results:all -->\nold\n<!-- /results:all -->\nafter\n');
    assert.equal(updateDoc(doc, 'all', 'new table\n'), true);
    assert.equal(readFileSync(doc, 'utf8'), 'Mentions `<!-- results:all -->` inline.\n\n<!-- results:all -->\nnew table\n<!-- /results:all -->\nafter\n');
    assert.equal(updateDoc(doc, 'small', 'x'), false);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
