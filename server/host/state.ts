/**
 * The host's state folder (SPEC 7): `tokens.json`, `audit.jsonl`, `requests.json`.
 *
 * Default: `${XDG_STATE_HOME:-~/.local/state}/protected-modules/<folder name>-<first 8 hex of
 * sha256 of the environment's real path>`. It must not lie inside the environment (the host would
 * serve its own secrets and log). Files are written atomically with mode 0600; the folder is 0700.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { atomicWrite } from '../atomicWrite';

/** A usage problem of a host command: one line on stderr, exit 2. */
export class HostUsageError extends Error {}

/**
 * The default state folder of an environment (SPEC 7).
 * @param envRoot the environment's real absolute path
 * @param env the process environment (`XDG_STATE_HOME`, `HOME`)
 */
export function defaultStateDir(envRoot: string, env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME && path.isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : path.join(env.HOME || os.homedir(), '.local', 'state');
  const hash = createHash('sha256').update(envRoot).digest('hex').slice(0, 8);
  return path.join(base, 'protected-modules', `${path.basename(envRoot)}-${hash}`);
}

/** The real path of `p`, resolving its longest existing ancestor (for folders not made yet). */
export function realPathOfMaybeMissing(p: string): string {
  const abs = path.resolve(p);
  const rest: string[] = [];
  let cur = abs;
  for (;;) {
    try {
      return path.join(fs.realpathSync.native(cur), ...rest.reverse());
    } catch {
      const parent = path.dirname(cur);
      if (parent === cur) return abs;
      rest.push(path.basename(cur));
      cur = parent;
    }
  }
}

/**
 * The environment's real root and its state folder (made, mode 0700).
 * @param environment the environment folder as given
 * @param state `--state`, or `undefined` for the default
 * @throws HostUsageError when the environment has no `environment.json` or the state folder lies
 *   inside it
 */
export function openState(environment: string, state: string | undefined): { root: string; stateDir: string } {
  let root: string;
  try {
    root = fs.realpathSync.native(path.resolve(environment));
    if (!fs.statSync(path.join(root, 'environment.json')).isFile()) throw new Error();
  } catch {
    throw new HostUsageError(`${environment} is not an environment folder (no readable environment.json)`);
  }
  const stateDir = realPathOfMaybeMissing(state ?? defaultStateDir(root));
  const rel = path.relative(root, stateDir);
  if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) {
    throw new HostUsageError('the state folder must not lie inside the environment (it holds token hashes and the audit log); choose another --state');
  }
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  return { root, stateDir };
}

/**
 * Writes `text` to `file` atomically (server/atomicWrite.ts: temporary file in the same folder,
 * fsync, rename) with mode 0600.
 * @throws the underlying fs error
 */
export function writeStateFile(file: string, text: string): void {
  atomicWrite(file, text, { mode: 0o600 });
}

/** The lock file of a running host in its state folder. */
export const LOCK_FILE = 'host.lock';

/**
 * Takes the state folder for one host (SPEC 7 leaves it unsaid; docs/DECISIONS.md): creates
 * `host.lock` (`{ pid, started }`, mode 0600) exclusively. A lock whose process no longer runs (a
 * host killed without cleaning up) is taken over.
 * @returns a function that releases the lock (idempotent; also run when the process exits)
 * @throws HostUsageError when another running host holds the folder (exit 2)
 */
export function lockState(stateDir: string): () => void {
  const file = path.join(stateDir, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx', 0o600);
      try {
        fs.writeFileSync(fd, JSON.stringify({ pid: process.pid, started: new Date().toISOString() }) + '\n', 'utf8');
      } finally {
        fs.closeSync(fd);
      }
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new HostUsageError(`cannot take the state folder ${stateDir}: ${LOCK_FILE} appeared again`);
        throw new HostUsageError(`cannot write ${file}: ${(e as Error).message}`);
      }
      const holder = lockHolder(file);
      if (holder === undefined && youngerThan(file, 10_000)) {
        throw new HostUsageError(`another host is starting with the state folder ${stateDir}; stop it first, or give this one another --state`);
      }
      if (holder !== undefined && processRuns(holder)) {
        throw new HostUsageError(
          `another host (process ${holder}) is serving from the state folder ${stateDir}; stop it first, or give this one another --state`,
        );
      }
      fs.rmSync(file, { force: true }); // stale: its host is gone
    }
  }
  let held = true;
  const release = (): void => {
    if (!held) return;
    held = false;
    process.removeListener('exit', release);
    try {
      if (lockHolder(file) === process.pid) fs.rmSync(file, { force: true });
    } catch {
      // already gone
    }
  };
  process.on('exit', release);
  return release;
}

/** True when `file` was modified less than `ms` ago. */
function youngerThan(file: string, ms: number): boolean {
  try {
    return Date.now() - fs.statSync(file).mtimeMs < ms;
  } catch {
    return false;
  }
}

/** The pid in a lock file, `undefined` when it cannot be read. */
function lockHolder(file: string): number | undefined {
  try {
    const pid = (JSON.parse(fs.readFileSync(file, 'utf8')) as { pid?: unknown }).pid;
    return typeof pid === 'number' && Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** True when a process with that id runs (signal 0; EPERM means it exists but runs as another user). */
export function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
