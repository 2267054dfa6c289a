/**
 * The benchmark (issue 6) works end to end: the generator is deterministic and writes a valid
 * environment, and one quick run on the small size against every available server writes a
 * well-formed result. No timing is asserted (CONTRIBUTING: benchmarks live in bench/).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { generate, validateSample } from '../../bench/generate';
import { runBench, type BenchResult, type Stat } from '../../bench/run';

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
      ['--size', 'small', '--quick', '--out', join(tmp, 'env'), '--results-dir', join(tmp, 'results'), '--requests', '5', '--edits', '2', '--signature-edits', '1'],
      () => {},
    );
    const jsonPath = join(tmp, 'results', 'results-small-quick.json');
    const mdPath = join(tmp, 'results', 'results-small-quick.md');
    assert.ok(existsSync(jsonPath) && existsSync(mdPath));
    const onDisk = JSON.parse(readFileSync(jsonPath, 'utf8')) as BenchResult;
    assert.equal(onDisk.size, 'small');
    assert.equal(onDisk.environment.modules, 10);
    assert.deepEqual(onDisk.servers.map((s) => s.id), ['ours', 'tsgo', 'tsserver']);
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
    assert.equal(onDisk.goals.length, 6);
    for (const g of onDisk.goals) assert.ok(['met', 'not met', 'n/a'].includes(g.status));
    const md = readFileSync(mdPath, 'utf8');
    assert.match(md, /\| figure \| ours \| TypeScript 7 \(tsgo\) \| tsserver 5\.9 \|/);
    assert.match(md, /completion p99/);
    // The signature edit restored the service module.
    const manifest = JSON.parse(readFileSync(join(tmp, 'env', 'bench-manifest.json'), 'utf8'));
    const lines = readFileSync(join(tmp, 'env', 'ts', manifest.signature.ts.file), 'utf8').split('\n');
    assert.equal(lines[manifest.signature.ts.line], manifest.signature.ts.original);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
