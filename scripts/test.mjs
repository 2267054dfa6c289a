// Runs every `test/**/*.test.ts` (except the real-VS-Code suite in test/vscode/) with Node's own
// test runner, TypeScript loaded through tsx. Extra arguments are file filters (substrings).
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

const filters = process.argv.slice(2);
const files = walk('test')
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// Build dist/ once, here: test files run two at a time, and one rebuilding dist/ while another
// starts the server from it could hand it a half-written file. PM_TEST_BUILT tells them it is done.
const build = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
  { stdio: 'inherit', env: { ...process.env, PM_TEST_BUILT: '1' } },
);
process.exit(r.status ?? 1);
