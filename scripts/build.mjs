// Bundles the three entry points with esbuild (CommonJS, Node 20):
//   dist/extension.js  (VS Code client; `vscode` stays external)
//   dist/server.js     (language server, `node dist/server.js --stdio`)
//   dist/cli.js        (the `protected-modules` command, SPEC 6)
// Usage: node scripts/build.mjs [--watch] [--minify]
import * as esbuild from 'esbuild';
import { existsSync, chmodSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const minify = process.argv.includes('--minify');

const entries = [
  { in: 'client/extension.ts', out: 'extension' },
  { in: 'server/server.ts', out: 'server' },
  { in: 'server/cli.ts', out: 'cli', banner: '#!/usr/bin/env node' },
].filter((e) => existsSync(e.in));

const contexts = await Promise.all(
  entries.map((e) =>
    esbuild.context({
      entryPoints: { [e.out]: e.in },
      outdir: 'dist',
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      sourcemap: true,
      minify,
      external: ['vscode'],
      // jsonc-parser's `main` is a UMD build whose lazy `require('./impl/…')` calls esbuild cannot
      // follow; its ESM build (`module`) bundles cleanly.
      mainFields: ['module', 'main'],
      banner: e.banner ? { js: e.banner } : undefined,
      logLevel: 'warning',
    }),
  ),
);

if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('watching…');
} else {
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
  if (existsSync('dist/cli.js')) chmodSync('dist/cli.js', 0o755);
}
