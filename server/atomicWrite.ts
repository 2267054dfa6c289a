/**
 * Atomic writes of whole files, and the clean-up of what a write cut off by a crash leaves behind.
 * `atomicWrite` is for files outside environments' access decisions (the CLI's reports, the host's
 * state folder); a write the gate decided goes through `Disk.writeFileIn` (server/disk.ts), which
 * names its temporary file with {@link tempFileName} too. Only node's own modules: the CLI imports
 * this without the language-server library.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { isHiddenSegment } from '../shared/access/gate';

/**
 * The name pattern of {@link atomicWrite}'s temporary files: `.<name>.<pid>.<12 hex>.tmp` (a dot-file,
 * so it is never listed, loaded or served). Group 1 is the writing process's id.
 */
export const TEMP_FILE_PATTERN = /^\..*\.(\d+)\.[0-9a-f]{12}\.tmp$/;

/**
 * The name of a fresh temporary file for writing `name` in the same folder (see
 * {@link TEMP_FILE_PATTERN}); the base name is cut so that it stays below the usual 255-byte limit.
 */
export function tempFileName(name: string): string {
  return `.${name.slice(0, 100)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
}

/** A temporary file older than this is stale even when its writer's pid is alive (pid reuse). */
const STALE_TEMP_AGE_MS = 60 * 60 * 1000;

/**
 * Writes `text` to `target` atomically: a temporary dot-file in the same folder (so the rename
 * stays on one file system), flushed, then renamed over the target, and the folder flushed; the
 * target's permission bits are kept. Missing parent folders are created. A process killed
 * mid-write leaves the target as it was (old content) and at worst a temporary file named by
 * {@link TEMP_FILE_PATTERN}, which {@link cleanStaleTempFiles} removes at the next start.
 * @param options.mode the permission bits of the written file (default: those of the existing
 *   target, else 0o666), less the process's umask
 * @throws the underlying fs error (the temporary file is removed)
 */
export function atomicWrite(target: string, text: string, options: { mode?: number } = {}): void {
  const dir = path.dirname(target);
  fs.mkdirSync(dir, { recursive: true });
  let mode = options.mode ?? 0o666;
  if (options.mode === undefined) {
    try {
      mode = fs.statSync(target).mode & 0o777;
    } catch {
      /* new file */
    }
  }
  const tmp = path.join(dir, tempFileName(path.basename(target)));
  try {
    const fd = fs.openSync(tmp, 'wx', mode);
    try {
      fs.writeFileSync(fd, text, 'utf8');
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  try {
    // Make the rename itself durable (a crash of the machine, not only of the process).
    const dfd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  } catch {
    /* not supported on this platform / file system: the rename is still atomic */
  }
}

/** True when a process with this id exists (possibly owned by another user). */
function processAlive(pid: number): boolean {
  if (pid === process.pid) return false; // at start-up this process has no write in flight
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary files that {@link atomicWrite} left behind when its process was killed
 * mid-write: files named by {@link TEMP_FILE_PATTERN} anywhere below `root` (dot-folders,
 * `node_modules` and links to folders are not entered), whose writing process no longer runs or
 * that are older than an hour. Called when an environment is added (server start). Never throws.
 * @returns how many files were removed
 */
export function cleanStaleTempFiles(root: string): number {
  let removed = 0;
  const walk = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!isHiddenSegment(e.name)) walk(p);
        continue;
      }
      if (e.isFile() && removeIfStaleTempFile(p)) removed++;
    }
  };
  walk(root);
  return removed;
}

/**
 * Removes `file` when it is a temporary file of {@link atomicWrite} (named by
 * {@link TEMP_FILE_PATTERN}) whose writing process no longer runs or that is older than an hour —
 * what {@link cleanStaleTempFiles} does for each file, for a caller that walks the folders itself
 * (the server, during its environment walk: `loadEnvironment`'s `onDotFile`). Never throws.
 * @returns whether it was removed
 */
export function removeIfStaleTempFile(file: string): boolean {
  const m = TEMP_FILE_PATTERN.exec(path.basename(file));
  if (!m) return false;
  try {
    const st = fs.lstatSync(file);
    if (!st.isFile()) return false;
    if (processAlive(Number(m[1])) && Date.now() - st.mtimeMs < STALE_TEMP_AGE_MS) return false;
    fs.rmSync(file, { force: true });
    return true;
  } catch {
    return false; // gone meanwhile, or not ours to remove
  }
}
