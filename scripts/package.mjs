#!/usr/bin/env node
// `npm run package`: production build (minified dist/) and the VSIX, protected-modules.vsix at
// the repository root. What goes in is decided by .vscodeignore (check: npx vsce ls --no-dependencies).
// Usage: node scripts/package.mjs [--out FILE] [--quiet]
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const oi = argv.indexOf('--out');
const out = oi >= 0 ? resolve(argv[oi + 1]) : join(repoRoot, 'protected-modules.vsix');
const quiet = argv.includes('--quiet');

function run(args, what) {
  const r = spawnSync(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'inherit'] });
  if (r.status !== 0) {
    console.error(`[package] ${what} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

run(['scripts/build.mjs', '--minify'], 'build');
run(
  [
    join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce'),
    'package',
    '--no-dependencies', // dist/ is bundled: no node_modules in the VSIX
    '--allow-missing-repository', // private project: no repository URL, non-interactive
    '--no-rewrite-relative-links', // README links stay relative (no repository to point them to)
    '--out',
    out,
  ],
  'vsce package',
);
if (quiet) console.log(`[package] ${out}`);
