// Suite groups with `@pm-host users…` (SPEC 7): the group's workspace is served by the real
// `protected-modules serve`, started from another folder (a copy of @pm-workspace under the session
// folder, never opened by VS Code), with tokens for the listed users in its own state folder. VS
// Code opens only a `.code-workspace` naming `modules://<name>/`, with `protectedModules.host` in
// its Machine settings and the token of @pm-user handed over in the environment of code-server's
// process (PROTECTED_MODULES_HOST_TOKEN, stored by the extension into SecretStorage). Its temp
// folder (TMPDIR) is a folder of its own, so that after the suites every file the client side
// wrote (user data, extensions, workspace file, temp folder) can be scanned for canaries.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { repoRoot } from './build.mjs';
import { prepareWorkspace } from './session.mjs';

const CLI = join(repoRoot, 'dist', 'cli.js');

/**
 * Starts the group's host.
 * @returns {{ url, name, envDir, tokens: Record<string,string>, stop(): Promise<void> }}
 */
export async function startGroupHost(group, sessionDir) {
  const envDir = prepareWorkspace(group.workspace, join(sessionDir, 'host-side'));
  const state = join(sessionDir, 'host-state');
  const tokens = {};
  for (const u of group.host.split(/[\s,]+/).filter(Boolean)) {
    const r = spawnSync(process.execPath, [CLI, 'token', 'issue', envDir, '--user', u, '--state', state], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`token issue for ${u} failed: ${r.stderr}`);
    tokens[u] = r.stdout.trim();
  }
  const launch = (port) => {
    const child = spawn(process.execPath, [CLI, 'serve', envDir, '--port', String(port), '--state', state], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const url = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the host did not start: ${out}`)), 30000);
      child.stdout.on('data', (b) => {
        out += b;
        const m = /at (ws:\/\/\S+\/lsp)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.stderr.on('data', (b) => (out += b));
      child.once('exit', (c) => reject(new Error(`the host exited (${c}): ${out}`)));
    });
    return { child, url };
  };
  const stopChild = async (child, signal) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const done = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await Promise.race([done, new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  let current = launch(0);
  const url = await current.url;
  const port = Number(/:(\d+)\/lsp$/.exec(url)[1]);
  return {
    url,
    name: basename(envDir),
    envDir,
    state,
    tokens,
    /** Kills the host (SIGKILL), waits `downMs`, starts it again on the same port and state. */
    restart: async (downMs = 3000) => {
      await stopChild(current.child, 'SIGKILL');
      await new Promise((r) => setTimeout(r, downMs));
      current = launch(port);
      await current.url;
    },
    stop: () => stopChild(current.child, 'SIGTERM'),
  };
}

/** Element names of a module folder's sources: `{ pub, priv }`. */
function elementNames(dir) {
  const pub = new Set();
  const priv = new Set();
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.logic')) {
        for (const m of readFileSync(p, 'utf8').matchAll(/^\s*(public\s+)?(?:server action|structure)\s+([A-Za-z0-9_]+)/gm)) (m[1] ? pub : priv).add(m[2]);
      }
    }
  };
  walk(dir);
  return { pub, priv };
}

/**
 * The canaries of the example: OrderAPI's private element names and private lines (bodies), and
 * everything of Pricing, minus what bob may legitimately see (files of other modules; OrderAPI's
 * public names).
 * @param options.orderApiReadable bob was granted `open` on OrderAPI during the session (issue 14's
 *   access request): its files are legitimate then, only Pricing's names (not in them) remain.
 */
export function acmeCanaries(envDir, { orderApiReadable = false } = {}) {
  const api = elementNames(join(envDir, 'modules', 'order-api'));
  const pricing = elementNames(join(envDir, 'modules', 'pricing'));
  const legit = [];
  const read = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) read(p);
      else legit.push(readFileSync(p, 'utf8'));
    }
  };
  for (const m of ['common', 'order-portal', ...(orderApiReadable ? ['order-api'] : [])]) read(join(envDir, 'modules', m));
  const legitText = legit.join('\n') + '\n' + [...api.pub].join('\n');
  // Names of six characters or more: shorter ones (`Entry`) are ordinary words of VS Code's own files.
  const names = [...(orderApiReadable ? [] : api.priv), 'Pricing', 'PriceLists', 'TaxRules', ...pricing.pub, ...pricing.priv].filter(
    (c) => c.length >= 6 && !new RegExp(`\\b${c}\\b`).test(legitText),
  );
  // Long private source lines of OrderAPI (bodies), as extra canaries.
  const lines = [];
  const apiFiles = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.logic')) apiFiles.push(p);
    }
  };
  if (!orderApiReadable) walk(join(envDir, 'modules', 'order-api'));
  for (const f of apiFiles)
    for (const l of readFileSync(f, 'utf8').split('\n')) if (l.trim().length >= 30 && !l.includes('///') && !legitText.includes(l.trim())) lines.push(l.trim());
  return { names, lines };
}

/**
 * Scans every regular file below `dirs` (following no links) for the canaries.
 * @returns {{ files: number, bytes: number, hits: { file: string, canary: string }[] }}
 */
export function scanForCanaries(dirs, canaries, before = new Map()) {
  const hits = [];
  let files = 0;
  let bytes = 0;
  const patterns = canaries.names.map((c) => ({ c, re: new RegExp(`\\b${c}\\b`) }));
  const visit = (p) => {
    let st;
    try {
      st = statSync(p, { throwIfNoEntry: false });
    } catch {
      return;
    }
    if (!st) return;
    if (st.isDirectory()) {
      let entries = [];
      try {
        entries = readdirSync(p);
      } catch {
        return;
      }
      for (const e of entries) visit(join(p, e));
      return;
    }
    if (!st.isFile()) return;
    // Installed before VS Code started and unchanged since: not written by the client side.
    if (before.get(p) === st.mtimeMs) return;
    let text;
    try {
      text = readFileSync(p).toString('latin1');
    } catch {
      return;
    }
    files++;
    bytes += text.length;
    for (const { c, re } of patterns) if (re.test(text)) hits.push({ file: p, canary: c });
    for (const l of canaries.lines) if (text.includes(l)) hits.push({ file: p, canary: l });
  };
  for (const d of dirs) visit(d);
  return { files, bytes, hits };
}

/** Every regular file below `dir` with its modification time (to skip installed files in a scan). */
export function fileTimes(dir) {
  const out = new Map();
  const visit = (p) => {
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isDirectory()) for (const e of readdirSync(p)) visit(join(p, e));
    else if (st.isFile()) out.set(p, st.mtimeMs);
  };
  visit(dir);
  return out;
}

/**
 * Serves a suite's request to restart the host (`control/restart-host.request.json` → kill, wait,
 * start again → `control/restart-host.done.json`).
 */
export async function serveHostRestart(groupHost, controlDir, served) {
  const req = join(controlDir, 'restart-host.request.json');
  if (!groupHost || served.has('restart') || !existsSync(req)) return;
  served.add('restart');
  const { downMs } = JSON.parse(readFileSync(req, 'utf8'));
  await groupHost.restart(downMs ?? 3000);
  writeFileSync(join(controlDir, 'restart-host.done.json'), '{}');
}

/** Writes code-server's Machine settings (a code-server window reads `machine` settings there). */
export function writeMachineSettings(userDataDir, settings) {
  const dir = join(userDataDir, 'Machine');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'settings.json'), JSON.stringify(settings, null, 2) + '\n');
}
