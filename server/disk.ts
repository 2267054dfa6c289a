/**
 * The server's only way to the disk for module content (SPEC 4.1 "decide on what is read").
 *
 * Every path a request names is walked one component at a time under the access gate
 * (`shared/access/gate.ts`): before a component is looked at on disk, the gate decides it from
 * the loaded environment alone; a symbolic link is resolved by reading the link (never by
 * looking at its target first) and the walk starts again from the environment root along the
 * target, deciding each step again. Only a path whose every step the gate allowed is opened, and
 * the file actually opened is checked again: its real place (the kernel's name for the open
 * file, `/proc/self/fd/N`) must be the path that was decided, or the file counts as missing.
 * Reads, directory listings and `stat` then go through that same handle, and writes create their
 * temporary file and rename it inside a handle of the decided folder, so a link swapped in at any
 * moment can never redirect them (link races, issue 9).
 *
 * Hidden is missing, also in the work done: a step the gate refuses costs one disk operation (a
 * look-up of a name that never exists), exactly like a step that finds nothing. {@link Disk.ops}
 * counts the operations, so tests can compare the work of hidden and missing paths.
 *
 * Linux: `/proc/self/fd` gives the real place of an open file. Elsewhere the fallback re-resolves
 * the path after opening it (a narrower window, documented in docs/ARCHITECTURE.md).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type AccessGate, type PathVerdict, isInsidePath } from '../shared/access/gate';
import { tempFileName } from './atomicWrite';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK, O_DIRECTORY } = fs.constants;

/** Link hops a walk follows before it gives up (answered as missing: a loop). */
const MAX_LINK_HOPS = 40;

/** A name that no environment holds (a dot-name: never listed or served); the sentinel look-up. */
const SENTINEL = '.protected-modules-gate-sentinel';

/** What a walk found (see {@link Disk.walk}). */
export type Walk =
  /** The gate refused a step (or the path left the environment): answer `verdict` for `path`. */
  | { kind: 'refused'; path: string; verdict: PathVerdict }
  /** Every step was allowed. `path` is real (no links) up to the first missing component, the rest
   *  appended; `exists` tells whether the whole path exists; `existing` is its deepest existing
   *  part (a real path). `verdict` is the gate's for `path`. */
  | { kind: 'resolved'; path: string; exists: boolean; existing: string; verdict: PathVerdict };

/** An open file or folder whose real place was checked (see {@link Disk.open}). */
export interface OpenHandle {
  fd: number;
  stat: fs.Stats;
}

/** The identity of a file as read: device and inode (caches are keyed by it, not by path alone). */
export interface FileIdentity {
  dev: number;
  ino: number;
}

/**
 * Disk access under the gate, with an operation counter. One instance per server (or CLI run);
 * tests inject their own to count operations.
 */
export class Disk {
  /** Disk operations done so far (look-ups, opens, reads, listings, writes): the work counter. */
  ops = 0;

  /**
   * Walks `abs` (absolute, normalised, inside `gate.env.root`) one component at a time under the
   * gate (file comment). Never throws.
   */
  walk(gate: AccessGate, abs: string): Walk {
    const root = gate.env.root;
    if (!isInsidePath(root, abs)) return { kind: 'refused', path: abs, verdict: { kind: 'missing' } };
    let todo = splitRel(root, abs);
    let cur = root;
    let hops = 0;
    while (todo.length > 0) {
      const name = todo.shift()!;
      const candidate = path.join(cur, name);
      const verdict = gate.decidePath(candidate);
      const belowOpen = verdict.kind === 'moduleFolder' && !canOpen(verdict);
      if (verdict.kind === 'missing' || verdict.kind === 'denied' || verdict.kind === 'interfaceFile' || belowOpen) {
        // Decided from the index alone: nothing of it is looked at on disk (one sentinel look-up,
        // the work of a missing step). The rest of the path lies inside what `candidate` decides.
        this.sentinel(root);
        if (todo.length === 0) return { kind: 'refused', path: candidate, verdict };
        const full = path.join(candidate, ...todo);
        return { kind: 'refused', path: full, verdict: gate.decidePath(full) };
      }
      const st = this.lstat(candidate);
      if (!st) {
        const full = todo.length ? path.join(candidate, ...todo) : candidate;
        return { kind: 'resolved', path: full, exists: false, existing: cur, verdict: gate.decidePath(full) };
      }
      if (st.isSymbolicLink()) {
        const target = this.readlink(candidate);
        if (target === undefined || ++hops > MAX_LINK_HOPS) return { kind: 'refused', path: candidate, verdict: { kind: 'missing' } };
        const next = path.resolve(cur, target);
        if (!isInsidePath(root, next)) return { kind: 'refused', path: candidate, verdict: { kind: 'missing' } };
        todo = [...splitRel(root, next), ...todo];
        cur = root;
        continue;
      }
      if (todo.length > 0 && !st.isDirectory()) {
        const full = path.join(candidate, ...todo);
        return { kind: 'resolved', path: full, exists: false, existing: candidate, verdict: gate.decidePath(full) };
      }
      cur = candidate;
    }
    return { kind: 'resolved', path: cur, exists: true, existing: cur, verdict: gate.decidePath(cur) };
  }

  /**
   * Opens a decided path (no link followed in its last component; FIFOs never block) and checks
   * that the opened file really is at `real`.
   * @param real a path {@link walk} resolved (real, existing)
   * @param directory open as a folder (`O_DIRECTORY`)
   * @returns the handle, or `undefined` when it is gone, moved, or now reached through a link.
   *   The caller closes it ({@link close}).
   */
  open(real: string, directory = false): OpenHandle | undefined {
    let fd: number;
    try {
      this.ops++;
      fd = fs.openSync(real, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | (directory ? O_DIRECTORY : 0));
    } catch {
      return undefined;
    }
    try {
      if (this.placeOf(fd, real) !== real) {
        this.close(fd);
        return undefined;
      }
      this.ops++;
      return { fd, stat: fs.fstatSync(fd) };
    } catch {
      this.close(fd);
      return undefined;
    }
  }

  /** Closes a handle of {@link open}. Never throws. */
  close(fd: number): void {
    try {
      fs.closeSync(fd);
    } catch {
      /* already closed */
    }
  }

  /** Reads a whole regular file through its handle; `undefined` for anything else. */
  readHandle(h: OpenHandle): Buffer | undefined {
    if (!h.stat.isFile()) return undefined;
    try {
      this.ops++;
      return fs.readFileSync(h.fd);
    } catch {
      return undefined;
    }
  }

  /**
   * Reads the file at the real path `real` as UTF-8, by handle, only when the opened file is
   * really there (a file whose place changed since it was listed is missing, SPEC 4.1).
   * @returns the text and the identity of the file read, or `undefined`
   */
  readFileAt(real: string): { text: string; id: FileIdentity } | undefined {
    const h = this.open(real);
    if (!h) return undefined;
    try {
      const bytes = this.readHandle(h);
      return bytes && { text: bytes.toString('utf8'), id: { dev: h.stat.dev, ino: h.stat.ino } };
    } finally {
      this.close(h.fd);
    }
  }

  /** The entries of an open folder (names and types as stored: links are links). */
  readDirHandle(h: OpenHandle, real: string): fs.Dirent[] {
    try {
      this.ops++;
      return fs.readdirSync(this.handlePath(h.fd, real), { withFileTypes: true });
    } catch {
      return [];
    }
  }

  /**
   * Writes `text` atomically as `name` inside the folder `dir` (real, decided by the caller): the
   * folder (and any missing folders below `existing`) is opened and checked, a temporary dot-file
   * is created inside that handle, flushed, and renamed over `name` in the same handle; then the
   * folder is flushed. A link swapped into the path meanwhile makes the write fail, never land
   * elsewhere. Permission bits of an existing target are kept.
   * @param existing the deepest existing real folder of `dir` (a folder {@link walk} resolved)
   * @throws the fs error when it cannot be written (nothing is left behind but, after a crash, a
   *   temporary file that `cleanStaleTempFiles` removes)
   */
  writeFileIn(existing: string, dir: string, name: string, text: string): void {
    let h = this.open(existing, true);
    if (!h) throw Object.assign(new Error('folder moved'), { code: 'ENOENT' });
    try {
      // Create the missing folders one at a time, each inside the handle of its parent.
      for (const segment of splitRel(existing, dir)) {
        const at = path.join(this.handlePath(h.fd, existing), segment);
        this.ops++;
        try {
          fs.mkdirSync(at);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        }
        const next = path.join(existing, segment);
        const nh = this.open(next, true);
        this.close(h.fd);
        h = nh;
        if (!h) throw Object.assign(new Error('folder moved'), { code: 'ENOENT' });
        existing = next;
      }
      const folder = this.handlePath(h.fd, existing);
      let mode = 0o666;
      try {
        this.ops++;
        const st = fs.lstatSync(path.join(folder, name));
        if (st.isFile()) mode = st.mode & 0o777;
      } catch {
        /* a new file */
      }
      const tmpName = tempFileName(name);
      const tmp = path.join(folder, tmpName);
      try {
        this.ops++;
        const fd = fs.openSync(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
        try {
          fs.writeFileSync(fd, text, 'utf8');
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
        this.ops++;
        fs.renameSync(tmp, path.join(folder, name));
      } catch (e) {
        fs.rmSync(tmp, { force: true });
        throw e;
      }
      try {
        fs.fsyncSync(h.fd);
      } catch {
        /* not supported here: the rename is still atomic */
      }
    } finally {
      if (h) this.close(h.fd);
    }
  }

  /** `lstat` without throwing. */
  lstat(p: string): fs.Stats | undefined {
    this.ops++;
    try {
      return fs.lstatSync(p);
    } catch {
      return undefined;
    }
  }

  private readlink(p: string): string | undefined {
    this.ops++;
    try {
      return fs.readlinkSync(p);
    } catch {
      return undefined;
    }
  }

  /** The look-up a refused step costs: a name that no environment holds (same work as a missing step). */
  private sentinel(root: string): void {
    this.lstat(path.join(root, SENTINEL));
  }

  /** Where the open file `fd` really is (Linux: the kernel's name for it; elsewhere `realpath(fallback)`). */
  private placeOf(fd: number, fallback: string): string | undefined {
    this.ops++;
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      try {
        return fs.realpathSync.native(fallback);
      } catch {
        return undefined;
      }
    }
  }

  /** A path that reaches the open folder `fd` itself, whatever happens to its name. */
  private handlePath(fd: number, fallback: string): string {
    return PROC_FD ? `/proc/self/fd/${fd}` : fallback;
  }
}

/** True when `/proc/self/fd` works here (Linux). */
const PROC_FD = (() => {
  try {
    fs.readdirSync('/proc/self/fd');
    return true;
  } catch {
    return false;
  }
})();

/** True when the verdict lets the user open the folder's contents. */
function canOpen(v: PathVerdict): boolean {
  return v.kind === 'moduleFolder' && ['open', 'change', 'full'].includes(v.access.level);
}

/** The components of `abs` below `root` (`[]` for the root itself). */
function splitRel(root: string, abs: string): string[] {
  const rel = path.relative(root, abs);
  return rel === '' ? [] : rel.split(path.sep).filter((s) => s !== '');
}
