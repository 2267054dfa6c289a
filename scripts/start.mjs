#!/usr/bin/env node
// `npm start`: runs the product in a real VS Code on this machine. Builds and packages the
// extension, installs code-server under .tools/ when missing (scripts/setup-vscode.mjs), installs
// the VSIX, and serves examples/acme (in place) as user bob; prints the address to open in a
// browser and runs until Ctrl-C.
//
// Usage: npm start -- [--user NAME] [--port N] [--folder PATH] [--skip-package]
//   --user NAME    the current user (written as protectedModules.user into the user settings; default bob)
//   --port N       port on 127.0.0.1 (default 8080)
//   --folder PATH  the environment folder to open (default examples/acme)
// State (user settings, installed extension) lives in .tools/start/.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCodeServer } from './setup-vscode.mjs';
import { installExtensions, portIsFree, startCodeServer, waitForHttp, workbenchUrl, writeUserSettings } from './code-server.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : dflt;
};
if (argv.includes('--help') || argv.includes('-h')) {
  console.log('npm start -- [--user NAME] [--port N] [--folder PATH] [--skip-package]');
  process.exit(0);
}
const user = opt('--user', 'bob');
const port = Number(opt('--port', process.env.PORT || 8080));
const folder = resolve(repoRoot, opt('--folder', 'examples/acme'));
const say = (m) => console.log(`[start] ${m}`);

if (!/^[a-z][a-z0-9._-]{0,63}$/.test(user)) {
  console.error(`[start] not a user id: ${user}`);
  process.exit(2);
}
if (!existsSync(folder)) {
  console.error(`[start] no such folder: ${folder}`);
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
const state = join(repoRoot, '.tools', 'start');
const userDataDir = join(state, 'user-data');
const extensionsDir = join(state, 'extensions');
installExtensions(extensionsDir, [vsix], { userDataDir });
writeUserSettings(userDataDir, { 'protectedModules.user': user }, { merge: true });
say(`extension installed; user ${user}`);

const server = startCodeServer({ port, userDataDir, extensionsDir, folder, logFile: join(state, 'code-server.log') });
let stopping = false;
const stop = async (sig) => {
  if (stopping) return;
  stopping = true;
  say(`${sig}: stopping code-server`);
  await server.stop();
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
console.log(`  Protected Modules is running in VS Code (code-server) as user ${user}. Open:`);
console.log('');
console.log(`    ${workbenchUrl(server.url, folder)}`);
console.log('');
console.log('  (From another machine: ssh -L ' + port + ':127.0.0.1:' + port + ' … then open the same address.)');
console.log('  Ctrl-C stops it. Switch user: npm start -- --user alice');
