#!/usr/bin/env node
// `npm start`: runs the product in a real VS Code on this machine. Builds and packages the
// extension, installs code-server under .tools/ when missing (scripts/setup-vscode.mjs), installs
// the VSIX, and serves examples/acme (in place) as user bob, opened as a module workspace
// (`modules://acme/`, as **Open Module Workspace…** does: every read goes through the server's
// access check, so VS Code's own Explorer and search never show protected sources); prints the
// address to open in a browser and runs until Ctrl-C.
//
// With --host (SPEC 7): starts `protected-modules serve` on loopback for the folder, with tokens
// for bob, alice and carol in a temporary state folder, and a VS Code (its own profile under
// .tools/start-host/, with no environment path known and no environment file) connected to that
// host as --user (default bob). The token reaches the extension through the environment variable
// PROTECTED_MODULES_HOST_TOKEN of code-server's process (stored into SecretStorage at activation),
// never through a file.
//
// Usage: npm start -- [--user NAME] [--port N] [--folder PATH] [--plain] [--host] [--skip-package]
//   --user NAME    the current user (written as protectedModules.user into the user settings and
//                  code-server's Machine settings, which override them; default bob)
//   --port N       port on 127.0.0.1 (default 8080)
//   --folder PATH  the environment folder to open (default examples/acme)
//   --plain        open the folder as plain `file:` files instead (VS Code reads them from disk)
// State (user and Machine settings, installed extension, the `.code-workspace` file) lives in
// .tools/start/.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseJsonc } from 'jsonc-parser';
import { ensureCodeServer } from './setup-vscode.mjs';
import { installExtensions, portIsFree, startCodeServer, waitForHttp, workbenchUrl, writeUserSettings } from './code-server.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : dflt;
};
if (argv.includes('--help') || argv.includes('-h')) {
  console.log('npm start -- [--user NAME] [--port N] [--folder PATH] [--plain] [--skip-package]');
  process.exit(0);
}
const user = opt('--user', 'bob');
const port = Number(opt('--port', process.env.PORT || 8080));
const folder = resolve(repoRoot, opt('--folder', 'examples/acme'));
const plain = argv.includes('--plain');
const hostMode = argv.includes('--host');
const say = (m) => console.log(`[start] ${m}`);
const machineSettingsFile = () => join(repoRoot, '.tools', 'start', 'user-data', 'Machine', 'settings.json');
/** code-server's Machine settings (the remote settings of its windows), `{}` when none or unreadable. */
function readMachineSettings() {
  try {
    const v = parseJsonc(readFileSync(machineSettingsFile(), 'utf8'), [], { allowTrailingComma: true });
    return v && typeof v === 'object' && !Array.isArray(v) ? v : {};
  } catch {
    return {};
  }
}
function machineSetting(key) {
  const v = readMachineSettings()[key];
  return v && typeof v === 'object' && !Array.isArray(v) ? v : {};
}
/** Merges `settings` into code-server's Machine settings (comments in that file are not kept). */
function mergeMachineSettings(settings) {
  const file = machineSettingsFile();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ ...readMachineSettings(), ...settings }, null, 2) + '\n');
}

if (!/^[a-z][a-z0-9._-]{0,63}$/.test(user)) {
  console.error(`[start] not a user id: ${user}`);
  process.exit(2);
}
if (!existsSync(folder)) {
  console.error(`[start] no such folder: ${folder}`);
  process.exit(2);
}
if (!plain && !existsSync(join(folder, 'environment.json'))) {
  console.error(`[start] ${folder} has no environment.json: not an environment (open it with --plain)`);
  process.exit(2);
}
if (!(await portIsFree(port))) {
  console.error(`[start] port ${port} is in use on 127.0.0.1: pick another with --port N`);
  process.exit(2);
}

try {
  ensureCodeServer();
} catch (e) {
  console.error(`[start] ${e.message}`);
  process.exit(1);
}
const vsix = join(repoRoot, 'protected-modules.vsix');
if (!argv.includes('--skip-package') || !existsSync(vsix)) {
  say('building and packaging the extension (npm run package)');
  const r = spawnSync('npm', ['run', '--silent', 'package'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) {
    console.error('[start] npm run package failed');
    process.exit(1);
  }
}
const state = join(repoRoot, '.tools', hostMode ? 'start-host' : 'start');
const userDataDir = join(state, 'user-data');
const extensionsDir = join(state, 'extensions');
installExtensions(extensionsDir, [vsix], { userDataDir });

// --host: the environment host on loopback, tokens for bob, alice and carol.
let host;
let hostToken;
if (hostMode) {
  const hostState = mkdtempSync(join(tmpdir(), 'pm-host-state-'));
  const tokens = {};
  for (const u of ['bob', 'alice', 'carol']) {
    const r = spawnSync(process.execPath, [join(repoRoot, 'dist', 'cli.js'), 'token', 'issue', folder, '--user', u, '--state', hostState], {
      encoding: 'utf8',
    });
    if (r.status !== 0) {
      console.error(`[start] token issue failed: ${r.stderr}`);
      process.exit(1);
    }
    tokens[u] = r.stdout.trim();
  }
  if (!tokens[user]) {
    console.error(`[start] --host has tokens for bob, alice and carol only`);
    process.exit(2);
  }
  hostToken = tokens[user];
  host = spawn(process.execPath, [join(repoRoot, 'dist', 'cli.js'), 'serve', folder, '--port', '0', '--state', hostState], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const hostUrl = await new Promise((resolveUrl, reject) => {
    let out = '';
    host.stdout.on('data', (b) => {
      out += b;
      const m = /at (ws:\/\/\S+\/lsp)/.exec(out);
      if (m) resolveUrl(m[1]);
    });
    host.once('exit', (code) => reject(new Error(`the host exited (${code})`)));
  });
  host.url = hostUrl;
  host.tokens = tokens;
  host.state = hostState;
  say(`host at ${hostUrl} (state ${hostState})`);
}
// Where the `modules://<name>/` environment is on disk. The setting's scope is `machine`, which a
// code-server window (a remote one) reads from the Machine settings only.
const envName = basename(folder);
const machine = hostMode ? { 'protectedModules.host': host.url } : { 'protectedModules.user': user };
if (!plain && !hostMode) machine['protectedModules.environmentFolders'] = { ...machineSetting('protectedModules.environmentFolders'), [envName]: folder };
writeUserSettings(userDataDir, hostMode ? { 'protectedModules.host': host.url } : { 'protectedModules.user': user }, { merge: true });
// **Switch User…** in a code-server window writes the user into the Machine settings, which
// override the User settings: write it there too, so that --user wins.
mergeMachineSettings(machine);
say(`extension installed; user ${user}`);

let openUrl;
if (plain) {
  openUrl = (base) => workbenchUrl(base, folder);
} else {
  const workspaceFile = join(state, `${envName}.code-workspace`);
  writeFileSync(
    workspaceFile,
    // Auto save off, VS Code's own default (code-server saves after a second): the breaking-change
    // warning (SPEC 10) compares with the last saved interface, so it shows while an edit is unsaved.
    JSON.stringify({ folders: [{ uri: `modules://${envName}/`, name: `${envName} (module workspace)` }], settings: { 'files.autoSave': 'off' } }, null, 2) +
      '\n',
  );
  openUrl = (base) => `${base}?workspace=${encodeURI(workspaceFile)}`;
}

const server = startCodeServer({
  port,
  userDataDir,
  extensionsDir,
  folder: plain ? folder : undefined,
  logFile: join(state, 'code-server.log'),
  ...(hostMode ? { env: { PROTECTED_MODULES_HOST_TOKEN: hostToken } } : {}),
});
let stopping = false;
const stop = async (sig) => {
  if (stopping) return;
  stopping = true;
  say(`${sig}: stopping code-server`);
  await server.stop();
  host?.kill('SIGTERM');
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
server.proc.on('exit', (code) => {
  if (stopping) return;
  console.error(`[start] code-server exited (${code}); log: ${join(state, 'code-server.log')}`);
  process.exit(1);
});
try {
  await waitForHttp(server.url, { timeoutMs: 60000, isDead: server.exited });
} catch (e) {
  console.error(`[start] ${e.message}; log: ${join(state, 'code-server.log')}`);
  await server.stop();
  process.exit(1);
}
console.log('');
console.log(
  `  Protected Modules is running in VS Code (code-server) as user ${user}, ${plain ? `${folder} opened as plain files` : `${envName} opened as a module workspace (modules://${envName}/)`}. Open:`,
);
console.log('');
console.log(`    ${openUrl(server.url)}`);
console.log('');
console.log('  (From another machine: ssh -L ' + port + ':127.0.0.1:' + port + ' … then open the same address.)');
if (hostMode) {
  console.log(`  Connected to the environment host ${host.url} as ${user}; this VS Code has no environment file.`);
  console.log(`  Tokens (state ${host.state}):`);
  for (const [u, t] of Object.entries(host.tokens)) console.log(`    ${u}: ${t}`);
  console.log('  Ctrl-C stops VS Code and the host.');
} else console.log('  Ctrl-C stops it. Switch user: npm start -- --user alice');
