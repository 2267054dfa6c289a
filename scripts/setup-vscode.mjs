#!/usr/bin/env node
// Installs code-server (a real VS Code 1.100.3 served to a browser, Node 20 extension host) into
// `.tools/code-server/`, the way docs/../shared notes "real-vscode" describe: code-server's own
// postinstall builds native modules and downloads ripgrep from the internet, so we run its steps by
// hand with ripgrep from Debian. Idempotent: a marker file with the version skips everything.
//
// Usage: node scripts/setup-vscode.mjs [--force] [--dir DIR]
//   DIR defaults to $PM_CODE_SERVER_DIR or <repo>/.tools/code-server.
// As root, missing Debian packages are installed first (apt-get update && apt-get install -y).
// Exports `ensureCodeServer()` for the other scripts (test/vscode/run.mjs, scripts/start.mjs).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, lstatSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cpus } from 'node:os';

export const CODE_SERVER_VERSION = '4.100.3';
export const APT_PACKAGES = ['libkrb5-dev', 'libxkbfile-dev', 'libsecret-1-dev', 'pkg-config', 'ripgrep', 'chromium'];

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Default install folder: $PM_CODE_SERVER_DIR or <repo>/.tools/code-server. */
export function codeServerDir() {
  return resolve(process.env.PM_CODE_SERVER_DIR || join(repoRoot, '.tools', 'code-server'));
}

/** Path of code-server's launcher script (`node <entry> …`) inside an install folder. */
export function codeServerEntry(dir = codeServerDir()) {
  return join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
}

function log(msg) {
  console.log(`[setup-vscode] ${msg}`);
}

/** Environment for nested npm runs: without the npm_* variables of an enclosing `npm run`. */
function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

function run(cmd, args, cwd, extraEnv = {}) {
  const t0 = Date.now();
  log(`$ (${cwd}) ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd, stdio: 'inherit', env: cleanEnv(extraEnv) });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd} (exit ${r.status ?? r.signal})`);
  }
  log(`  done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

function missingAptPackages() {
  return APT_PACKAGES.filter((p) => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' });
    return r.status !== 0 || !r.stdout.includes('install ok installed');
  });
}

/** Installs the Debian packages code-server and the browser need (as root, when missing). */
export function ensureAptPackages() {
  if (spawnSync('dpkg-query', ['--version']).status !== 0) {
    log('no dpkg here: make sure these are installed: ' + APT_PACKAGES.join(' '));
    return;
  }
  const missing = missingAptPackages();
  if (missing.length === 0) return;
  if (process.getuid && process.getuid() !== 0) {
    throw new Error(`missing Debian packages (run as root: apt-get install -y ${missing.join(' ')})`);
  }
  log(`installing Debian packages: ${missing.join(' ')}`);
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update'], '/', env);
  run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], '/', env);
}

function link(target, path) {
  try {
    lstatSync(path);
    rmSync(path, { recursive: true, force: true });
  } catch {
    /* absent */
  }
  mkdirSync(dirname(path), { recursive: true });
  symlinkSync(target, path);
}

function which(name) {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/**
 * Makes sure code-server is installed in `dir` (idempotent).
 * @returns {{dir: string, entry: string}} the folder and the script to run with `node`.
 * @throws when a step fails (network, compiler, missing packages without root).
 */
export function ensureCodeServer({ dir = codeServerDir(), force = false } = {}) {
  const marker = join(dir, '.installed');
  const entry = codeServerEntry(dir);
  ensureAptPackages(); // always: chromium is needed even when code-server is already there
  if (!force && existsSync(marker) && readFileSync(marker, 'utf8').trim() === CODE_SERVER_VERSION && existsSync(entry)) {
    log(`code-server ${CODE_SERVER_VERSION} already installed in ${dir}`);
    return { dir, entry };
  }
  const t0 = Date.now();
  const rg = which('rg');
  if (!rg) throw new Error('ripgrep (rg) not found on PATH');

  log(`installing code-server ${CODE_SERVER_VERSION} into ${dir}`);
  mkdirSync(dir, { recursive: true });
  rmSync(marker, { force: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'pm-code-server-host', private: true, description: 'code-server for the Protected Modules tests' }, null, 2) + '\n',
  );
  const npmFlags = ['--no-audit', '--no-fund', '--loglevel=error'];
  // 1. the package itself, without its postinstall (which would download ripgrep)
  run('npm', ['install', '--ignore-scripts', ...npmFlags, `code-server@${CODE_SERVER_VERSION}`], dir);
  const cs = join(dir, 'node_modules', 'code-server');
  const vs = join(cs, 'lib', 'vscode');
  // 2. VS Code's own dependencies; ripgrep from Debian; native modules built here
  run('npm', ['install', '--omit=dev', '--ignore-scripts', ...npmFlags], vs);
  link(rg, join(vs, 'node_modules', '@vscode', 'ripgrep', 'bin', 'rg'));
  run('npm', ['rebuild', ...npmFlags], vs, { npm_config_yes: 'true', JOBS: String(cpus().length) }); // JOBS: node-gyp's parallel make
  // 3. code-server's password hashing module
  run('npm', ['rebuild', ...npmFlags, 'argon2'], dir);
  // 4. what code-server's postinstall would have done
  link('node_modules', join(vs, 'node_modules.asar'));
  link('code-linux.sh', join(vs, 'bin', 'remote-cli', 'code-server'));
  link('browser-linux.sh', join(vs, 'bin', 'helpers', 'browser.sh'));
  run('npm', ['install', '--omit=dev', ...npmFlags], join(vs, 'extensions'));

  writeFileSync(marker, CODE_SERVER_VERSION + '\n');
  log(`code-server ${CODE_SERVER_VERSION} installed in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return { dir, entry };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const i = args.indexOf('--dir');
  try {
    ensureCodeServer({ dir: i >= 0 ? resolve(args[i + 1]) : codeServerDir(), force: args.includes('--force') });
  } catch (e) {
    console.error(`[setup-vscode] ${e.message}`);
    process.exit(1);
  }
}
