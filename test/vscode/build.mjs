// Builds the test host extension (test/vscode/host) with the suites (test/vscode/suite/*.test.ts)
// into test/vscode/out/host/ and packages it as test/vscode/out/pm-test-host.vsix.
// Usage: node test/vscode/build.mjs   (or import { buildTestHost } from it)
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '..', '..');
export const outDir = join(here, 'out');

/**
 * Companion suites of a second window (`@pm-window2 <user> <name>`, see session.mjs):
 * test/vscode/suite/*.window.ts, sorted. Bundled beside the suites, never run as a group of their own.
 */
export function windowSuiteSources() {
  return suiteFiles('.window.ts');
}

/** The suite sources: test/vscode/suite/*.test.ts, sorted. */
export function suiteSources() {
  return suiteFiles('.test.ts');
}

/** The files of test/vscode/suite/ whose names end in `suffix`, sorted (full paths). */
function suiteFiles(suffix) {
  const dir = join(here, 'suite');
  return readdirSync(dir)
    .filter((f) => f.endsWith(suffix))
    .sort()
    .map((f) => join(dir, f));
}

/**
 * Bundles the host (with mocha) and every suite (each with its helpers; `vscode` and `mocha`
 * external) into `<out>/host/` (default test/vscode/out/host/), then packages it with vsce as
 * `<out>/pm-test-host.vsix` unless `vsix` is false.
 * @returns {{dir: string, vsix: string | undefined, suites: string[]}} suites: bundle names (`smoke.test.js`).
 */
export async function buildTestHost({ vsix = true, out = outDir } = {}) {
  const hostOut = join(out, 'host');
  const hostVsix = join(out, 'pm-test-host.vsix');
  rmSync(hostOut, { recursive: true, force: true });
  mkdirSync(join(hostOut, 'suite'), { recursive: true });
  const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'error' };
  await esbuild.build({
    ...common,
    // mocha's parallel mode (not used) calls require.resolve on files esbuild cannot bundle
    entryPoints: { extension: join(here, 'host', 'extension.ts') },
    outdir: hostOut,
    external: ['vscode'],
  });
  const sources = suiteSources();
  await esbuild.build({
    ...common,
    entryPoints: [...sources, ...windowSuiteSources()],
    outdir: join(hostOut, 'suite'),
    mainFields: ['module', 'main'], // e.g. jsonc-parser's UMD build does not bundle
    sourcemap: 'inline', // stack traces of failures point into the .ts sources
    external: ['vscode', 'mocha'],
  });
  copyFileSync(join(here, 'host', 'package.json'), join(hostOut, 'package.json'));
  writeFileSync(join(hostOut, 'README.md'), '# Protected Modules test host\n\nRuns test/vscode/suite inside VS Code. Test tooling only.\n');
  writeFileSync(join(hostOut, 'LICENSE'), 'MIT\n');
  writeFileSync(join(hostOut, '.vscodeignore'), '*.vsix\n');
  const suites = sources.map((s) => s.slice(join(here, 'suite').length + 1).replace(/\.ts$/, '.js'));
  if (!vsix) return { dir: hostOut, vsix: undefined, suites };
  const vsce = join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce');
  const r = spawnSync(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--out', hostVsix], {
    cwd: hostOut,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.status !== 0) throw new Error(`vsce package (test host) failed:\n${r.stdout}\n${r.stderr}`);
  return { dir: hostOut, vsix: hostVsix, suites };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const r = await buildTestHost();
  console.log(`test host: ${r.vsix} (suites: ${r.suites.join(', ')})`);
}
