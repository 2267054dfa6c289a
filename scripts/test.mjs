// Runs every `test/**/*.test.ts` (except the real-VS-Code suite in test/vscode/) with Node's own
// test runner, TypeScript loaded through tsx. Extra arguments are file filters (substrings).
//   --unit    only the pure tier (UNIT below: in-process, no server, no CLI; well under a minute)
//   --server  only the rest (the server tier: language server, host, CLI, seal, Neovim, bench)
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (p === join('test', 'vscode') || name === 'fixtures-out') continue;
      walk(p, out);
    } else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

/** The pure tier: tests that run in-process (no server, host or CLI started), `npm run test:unit`. */
const UNIT = ['test/architecture.test.ts', 'test/language/', 'test/program/', 'test/interface/', 'test/environment/', 'test/access/', 'test/client/'];
const isUnit = (f) => UNIT.some((u) => f.split('\\').join('/').startsWith(u));

const args = process.argv.slice(2);
const tier = args.includes('--unit') ? 'unit' : args.includes('--server') ? 'server' : 'all';
const filters = args.filter((a) => a !== '--unit' && a !== '--server');
const files = walk('test')
  .filter((f) => tier === 'all' || (tier === 'unit') === isUnit(f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// Build dist/ once, here: test files run two at a time, and one rebuilding dist/ while another
// starts the server from it could hand it a half-written file. PM_TEST_BUILT tells them it is done.
if (!files.every(isUnit)) {
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
  env: { ...process.env, PM_TEST_BUILT: '1' },
});
process.exit(r.status ?? 1);
