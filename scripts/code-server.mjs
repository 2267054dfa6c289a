// Running code-server (installed by scripts/setup-vscode.mjs) for `npm start` and the real-VS-Code
// tests (test/vscode/run.mjs): free ports, user settings, extension installs, start/stop.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { codeServerEntry } from './setup-vscode.mjs';

/** Settings every session gets: trust on (no Restricted Mode), no welcome page, nothing phoning home. */
export const BASE_SETTINGS = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'extensions.ignoreRecommendations': true,
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'chat.disableAIFeatures': true,
  'git.openRepositoryInParentFolders': 'never', // npm start opens examples/acme inside this repository
};

/** A TCP port free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Whether `port` can be bound on 127.0.0.1. */
export function portIsFree(port) {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * Writes `<userDataDir>/User/settings.json`: {@link BASE_SETTINGS} merged with the existing file
 * (when `merge`) and `settings`.
 */
export function writeUserSettings(userDataDir, settings, { merge = false } = {}) {
  const file = join(userDataDir, 'User', 'settings.json');
  mkdirSync(dirname(file), { recursive: true });
  let current = {};
  if (merge && existsSync(file)) {
    try {
      current = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      current = {};
    }
  }
  writeFileSync(file, JSON.stringify({ ...BASE_SETTINGS, ...current, ...settings }, null, 2) + '\n');
  return file;
}

/** Installs VSIX files into an extensions folder (`code-server --install-extension`). Throws on failure. */
export function installExtensions(extensionsDir, vsixFiles, { userDataDir } = {}) {
  mkdirSync(extensionsDir, { recursive: true });
  if (userDataDir) mkdirSync(userDataDir, { recursive: true });
  const args = [codeServerEntry(), '--extensions-dir', extensionsDir];
  if (userDataDir) args.push('--user-data-dir', userDataDir);
  for (const f of vsixFiles) args.push('--install-extension', f);
  args.push('--force');
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`installing ${vsixFiles.join(', ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/**
 * Starts code-server in its own process group.
 * @param {{port: number, userDataDir: string, extensionsDir: string, folder?: string,
 *          env?: Record<string,string>, logFile?: string, inheritOutput?: boolean}} o
 * @returns {{proc: import('node:child_process').ChildProcess, url: string, stop: () => Promise<void>, exited: () => boolean}}
 */
export function startCodeServer(o) {
  const args = [
    codeServerEntry(),
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${o.port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--user-data-dir',
    o.userDataDir,
    '--extensions-dir',
    o.extensionsDir,
  ];
  if (o.folder) args.push(o.folder);
  const proc = spawn(process.execPath, args, {
    detached: true, // own process group: stop() kills the server, its extension hosts and language servers
    env: { ...process.env, ...(o.env ?? {}) },
    stdio: ['ignore', o.inheritOutput ? 'inherit' : 'pipe', o.inheritOutput ? 'inherit' : 'pipe'],
  });
  if (o.logFile) {
    mkdirSync(dirname(o.logFile), { recursive: true });
    const log = createWriteStream(o.logFile);
    proc.stdout?.pipe(log);
    proc.stderr?.pipe(log);
  } else if (!o.inheritOutput) {
    proc.stdout?.resume();
    proc.stderr?.resume();
  }
  let exited = false;
  const exitedPromise = new Promise((r) =>
    proc.once('exit', () => {
      exited = true;
      r();
    }),
  );
  const killGroup = (sig) => {
    try {
      process.kill(-proc.pid, sig);
    } catch {
      /* already gone */
    }
  };
  const onExit = () => killGroup('SIGKILL');
  process.once('exit', onExit);
  return {
    proc,
    url: `http://127.0.0.1:${o.port}/`,
    exited: () => exited,
    async stop() {
      process.removeListener('exit', onExit);
      if (!exited) {
        killGroup('SIGTERM');
        await Promise.race([exitedPromise, new Promise((r) => setTimeout(r, 5000))]);
      }
      killGroup('SIGKILL'); // stragglers in the group (extension host, language servers)
    },
  };
}

/** The workbench address that opens `folder` (an absolute path). */
export function workbenchUrl(base, folder) {
  return `${base}?folder=${encodeURI(folder)}`;
}

/** Resolves when `GET <base>healthz` answers 200; rejects after `timeoutMs` or when `isDead()`. */
export async function waitForHttp(base, { timeoutMs = 60000, isDead = () => false } = {}) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (isDead()) throw new Error('code-server exited during startup');
    try {
      const r = await fetch(`${base}healthz`);
      if (r.ok) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > end) throw new Error(`code-server did not answer at ${base} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Chromium flags that work on these machines (root, no GPU, no network beyond the registry). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
  '--disable-breakpad', // no crashpad handler processes left behind
  '--disable-crash-reporter',
];

/** Debian's chromium, or $PM_CHROMIUM. */
export function chromiumPath() {
  return process.env.PM_CHROMIUM || ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p)) || '/usr/bin/chromium';
}
