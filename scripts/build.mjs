// Bundles the three entry points with esbuild (CommonJS, Node 20):
//   dist/extension.js  (VS Code client; `vscode` stays external)
//   dist/server.js     (language server, `node dist/server.js --stdio`)
//   dist/cli.js        (the `protected-modules` command, SPEC 6), with beside it
//   dist/cli-seal.js, dist/cli-host.js: its sealed-module and host commands (SPEC 9, 7), which
//   cli.js loads only for those commands (server/cli.ts `sealCommands`/`hostCommands`), so that
//   check, interface, access, diff and api-report start without compiling them
// Usage: node scripts/build.mjs [--watch] [--minify]
import * as esbuild from 'esbuild';
import { existsSync, chmodSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const minify = process.argv.includes('--minify');

/** In cli.js, `require('./seal/commands')` and `require('./host/cli')` load the bundles beside it. */
const lazyCliBundles = {
  name: 'lazy-cli-bundles',
  setup(build) {
    const map = { './seal/commands': './cli-seal.js', './host/cli': './cli-host.js' };
    build.onResolve({ filter: /^\.\/(seal\/commands|host\/cli)$/ }, (args) =>
      args.importer.replace(/\\/g, '/').endsWith('server/cli.ts') ? { path: map[args.path], external: true } : undefined,
    );
  },
};

const entries = [
  { in: 'client/extension.ts', out: 'extension' },
  // The language server without comments and indentation (names kept; the source map maps back):
  // a few non-ASCII characters in kept comments made V8 hold the whole 1.2 MB source as a two-byte
  // string, and a smaller source compiles faster at the server's start (issue 15).
  { in: 'server/server.ts', out: 'server', minifyWhitespace: true },
  { in: 'server/cli.ts', out: 'cli', banner: '#!/usr/bin/env node', plugins: [lazyCliBundles] },
  { in: 'server/seal/commands.ts', out: 'cli-seal' },
  { in: 'server/host/cli.ts', out: 'cli-host' },
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
      ...(e.minifyWhitespace ? { minifyWhitespace: true } : {}),
      external: ['vscode'],
      // jsonc-parser's `main` is a UMD build whose lazy `require('./impl/…')` calls esbuild cannot
      // follow; its ESM build (`module`) bundles cleanly.
      mainFields: ['module', 'main'],
      banner: e.banner ? { js: e.banner } : undefined,
      plugins: e.plugins ?? [],
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
