/**
 * The file system of the custom protocol (SPEC 4): `protectedModules/stat`, `readDirectory`,
 * `readFile`, `writeFile` and `access`, as the client's `modules` FileSystemProvider uses them.
 *
 * Every operation first turns the URI into a real path inside an environment (symbolic links
 * resolved, {@link Workspace.locate}), then takes the access decision ({@link decide}), and only
 * then looks at the disk:
 *
 * - a path inside a module below `open` is `PermissionDenied` whether or not it exists; the
 *   module's folder lists only the virtual read-only `INTERFACE.logic` (at `reference`) or nothing
 *   (at `list`);
 * - a module at `none` (and a folder holding only such modules, and dot-folders / `node_modules`)
 *   behaves exactly like a path that does not exist: `FileNotFound` with the same message;
 * - outside modules (the environment's own files: `environment.json`, READMEs, folders) the path's
 *   existence is checked first, so that a missing path and a hidden module look the same; reading
 *   needs a known user, `environment.json` and every write need an admin (docs/DECISIONS.md);
 * - writes need `change` on the module (`full` when a `module.json`'s `protected`, `owner` or `name`
 *   changes or a new `module.json` is created) and are atomic (temp file in the same folder + rename).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { parse as parseJsonc } from 'jsonc-parser';
import type { ModuleInfo } from '../shared/environment/model';
import { atLeast, type AccessLevel } from '../shared/access/levels';
import {
  INTERFACE_FILE_NAME,
  type AccessResult,
  type PermissionDeniedData,
  type ReadDirectoryResult,
  type ReadFileResult,
  type StatResult,
  type WriteFileParams,
} from '../shared/protocol';
import { fileChanged, fileNotFound, invalidParams, notSupported, permissionDenied } from './errors';
import { ENVIRONMENT_FILE, MODULE_FILE, type Access, type EnvironmentState, type Workspace } from './workspace';
import { isInside, resolveRealPath } from './uris';

/** The outcome of the access decision for one URI (see {@link decide}). */
export type Decision =
  /** The folder of a module the user can see (≥ `list`). */
  | { kind: 'moduleFolder'; state: EnvironmentState; path: string; module: ModuleInfo; access: Access }
  /** A path strictly inside a module the user may open (≥ `open`); it may not exist. */
  | { kind: 'modulePath'; state: EnvironmentState; path: string; module: ModuleInfo; access: Access }
  /** The virtual `INTERFACE.logic` in the folder of a module at `reference`. */
  | { kind: 'interfaceFile'; state: EnvironmentState; path: string; module: ModuleInfo; access: Access }
  /** A `module-interface://` document of a module at ≥ `reference`. */
  | { kind: 'interfaceDocument'; state: EnvironmentState; module: ModuleInfo; access: Access }
  /** A path outside every module (existing, unless the user is an admin); `access` from
   *  {@link Workspace.environmentAccess}. */
  | { kind: 'environmentPath'; state: EnvironmentState; path: string; access: AccessLevel };

/** A path inside a module below what reading it needs (becomes PermissionDenied). */
interface Denial {
  kind: 'denied';
  module: ModuleInfo;
  access: Access;
  required: AccessLevel;
}

/** Throws the PermissionDenied of a {@link Denial}; passes a decision through. */
function orThrow(d: Decision | Denial): Decision {
  if (d.kind === 'denied') throw permissionDenied(deniedData(d.module, d.access, d.required));
  return d;
}

/** True for a path segment that is never part of an environment (SPEC 2: dot-folders, `node_modules`). */
function isHiddenSegment(segment: string): boolean {
  return segment.startsWith('.') || segment === 'node_modules';
}

/** The owner of a module (its manifest's, or the declared one of an invalid manifest; `''` when none). */
export function ownerOf(module: ModuleInfo): string {
  return module.manifest?.owner ?? module.declaredOwner ?? '';
}

/** The `data` of a `PermissionDenied` about a module. */
function deniedData(module: ModuleInfo, access: Access, required: AccessLevel): PermissionDeniedData {
  const data: PermissionDeniedData = { module: module.name, access: access.level, required, owner: ownerOf(module) };
  // SPEC 9: a sealed module's files are refused for everyone; say who publishes it.
  if (module.sealed) data.sealed = { publisher: module.sealed.publisher };
  return data;
}

/** The `data` of a `PermissionDenied` about the environment's own files (no module, no owner). */
function environmentDeniedData(access: AccessLevel, required: AccessLevel): PermissionDeniedData {
  return { module: '', access, required, owner: '' };
}

/** Why a file of `module` is read-only for a user with `access` (the text of `readonlyReason`). */
export function readonlyReason(module: ModuleInfo, access: AccessLevel): string {
  const owner = ownerOf(module);
  return (
    `Module ${module.name} is read-only for you: your access is ${access}, editing needs change.` +
    (owner ? ` Its owner is ${owner}.` : '')
  );
}

/** The `readonlyReason` of an interface document. */
function interfaceReason(module: ModuleInfo, access: AccessLevel): string {
  const owner = ownerOf(module);
  return (
    `Generated interface of module ${module.name}: only its public elements are shown (your access is ${access}).` +
    (owner ? ` Its owner is ${owner}.` : '')
  );
}

/** The `readonlyReason` of the environment's own files for non-admins. */
const ENVIRONMENT_READONLY_REASON = 'Files outside modules can be changed only by an admin of the environment.';

/**
 * Implements the file-system requests over a {@link Workspace}.
 */
export class ModuleFileSystem {
  constructor(private readonly workspace: Workspace) {}

  /**
   * The access decision for a URI, taken before any lookup of a module's files (SPEC 4).
   * @throws FileNotFound for an unknown URI, a path that leaves its environment, a hidden path, a
   *   module at `none` (or a folder holding only such modules), a missing path outside modules;
   *   PermissionDenied for a path inside a module below `open` (below `reference` for its
   *   `INTERFACE.logic`)
   */
  decide(uri: string): Decision {
    return orThrow(this.classify(uri));
  }

  /** {@link decide} for a real absolute path inside `state.root`. */
  decidePath(state: EnvironmentState, p: string): Decision {
    return orThrow(this.classifyPath(state, p));
  }

  /** {@link decide}, with a denial returned instead of thrown. */
  private classify(uri: string): Decision | Denial {
    const ws = this.workspace;
    const l = ws.locate(uri);
    if (!l) throw fileNotFound();
    if (l.kind === 'interface') {
      const hit = ws.moduleByName(l.module, l.state);
      if (!hit) throw fileNotFound();
      if (!atLeast(hit.access.level, 'reference')) return { kind: 'denied', module: hit.module, access: hit.access, required: 'reference' };
      return { kind: 'interfaceDocument', state: hit.state, module: hit.module, access: hit.access };
    }
    return this.classifyPath(l.state, l.path);
  }

  /** {@link decidePath}, with a denial returned instead of thrown. */
  private classifyPath(state: EnvironmentState, p: string): Decision | Denial {
    const ws = this.workspace;
    const rel = path.relative(state.root, p);
    if (rel !== '' && rel.split(path.sep).some(isHiddenSegment)) throw fileNotFound();
    const enclosing = ws.enclosingModules(state, p);
    for (const m of enclosing) {
      const access = ws.moduleAccess(state, m);
      if (access.level === 'none') throw fileNotFound();
      if (p === m.folder) return { kind: 'moduleFolder', state, path: p, module: m, access };
      if (!atLeast(access.level, 'open')) {
        if (p === path.join(m.folder, INTERFACE_FILE_NAME)) {
          if (atLeast(access.level, 'reference')) return { kind: 'interfaceFile', state, path: p, module: m, access };
          return { kind: 'denied', module: m, access, required: 'reference' };
        }
        return { kind: 'denied', module: m, access, required: 'open' };
      }
    }
    if (enclosing.length > 0) {
      const m = enclosing[enclosing.length - 1];
      return { kind: 'modulePath', state, path: p, module: m, access: ws.moduleAccess(state, m) };
    }
    // Outside modules: a folder that holds modules, none of them visible, is hidden with them.
    let folder = state.root;
    for (const segment of rel === '' ? [] : rel.split(path.sep)) {
      folder = path.join(folder, segment);
      const below = ws.modulesBelow(state, folder);
      if (below.length > 0 && below.every((m) => ws.moduleAccess(state, m).level === 'none')) throw fileNotFound();
    }
    const access = ws.environmentAccess(state);
    // Existence first for everyone who could not create the path (admins see everything anyway).
    if (!atLeast(access, 'full') && !fs.existsSync(p)) throw fileNotFound();
    return { kind: 'environmentPath', state, path: p, access };
  }

  /** `protectedModules/stat` (SPEC 4). Times are milliseconds since the epoch. */
  stat(uri: string): StatResult {
    const d = this.decide(uri);
    switch (d.kind) {
      case 'interfaceDocument':
      case 'interfaceFile': {
        const text = this.interfaceText(d.state, d.module);
        const mtime = this.moduleMtime(d.module);
        return {
          type: 'file',
          size: Buffer.byteLength(text, 'utf8'),
          mtime,
          ctime: mtime,
          readonly: true,
          readonlyReason: interfaceReason(d.module, d.access.level),
        };
      }
      case 'moduleFolder':
      case 'modulePath': {
        const st = statOrNotFound(d.path);
        const readonly = !atLeast(d.access.level, 'change');
        return {
          type: st.isDirectory() ? 'directory' : 'file',
          size: st.isDirectory() ? 0 : st.size,
          mtime: Math.round(st.mtimeMs),
          ctime: Math.round(st.ctimeMs),
          readonly,
          ...(readonly ? { readonlyReason: readonlyReason(d.module, d.access.level) } : {}),
        };
      }
      case 'environmentPath': {
        const st = statOrNotFound(d.path);
        const readonly = !atLeast(d.access, 'full');
        return {
          type: st.isDirectory() ? 'directory' : 'file',
          size: st.isDirectory() ? 0 : st.size,
          mtime: Math.round(st.mtimeMs),
          ctime: Math.round(st.ctimeMs),
          readonly,
          ...(readonly ? { readonlyReason: ENVIRONMENT_READONLY_REASON } : {}),
        };
      }
    }
  }

  /** `protectedModules/readDirectory` (SPEC 4): entries sorted by name; hidden ones left out. */
  readDirectory(uri: string): ReadDirectoryResult {
    const d = this.decide(uri);
    if (d.kind === 'interfaceDocument' || d.kind === 'interfaceFile') throw notSupported('Not a directory.');
    if (d.kind === 'moduleFolder' && !atLeast(d.access.level, 'open')) {
      return { entries: atLeast(d.access.level, 'reference') ? [[INTERFACE_FILE_NAME, 'file']] : [] };
    }
    const st = statOrNotFound(d.path);
    if (!st.isDirectory()) throw notSupported('Not a directory.');
    let names: string[];
    try {
      names = fs.readdirSync(d.path);
    } catch {
      throw fileNotFound();
    }
    const entries: [string, 'file' | 'directory'][] = [];
    for (const name of names.sort()) {
      if (isHiddenSegment(name)) continue;
      const type = this.entryType(d.state, path.join(d.path, name));
      if (type) entries.push([name, type]);
    }
    return { entries };
  }

  /** The type under which a directory entry is listed, or `undefined` when it is hidden. */
  private entryType(state: EnvironmentState, raw: string): 'file' | 'directory' | undefined {
    let real: string;
    let st: fs.Stats;
    try {
      real = fs.realpathSync.native(raw);
      st = fs.statSync(real);
    } catch {
      return undefined;
    }
    if (!isInside(state.root, real)) return undefined;
    try {
      this.decidePath(state, real);
    } catch (e) {
      // A denied path is listed (its name is visible in a folder the user may open); a hidden one is not.
      if ((e as { code?: number }).code !== -32001) return undefined;
    }
    if (st.isDirectory()) return 'directory';
    if (st.isFile()) return 'file';
    return undefined;
  }

  /** `protectedModules/readFile` (SPEC 4): the text, and whether (and why) it is read-only. */
  readFile(uri: string): ReadFileResult {
    const d = this.decide(uri);
    switch (d.kind) {
      case 'interfaceDocument':
      case 'interfaceFile':
        return {
          text: this.interfaceText(d.state, d.module),
          readonly: true,
          readonlyReason: interfaceReason(d.module, d.access.level),
        };
      case 'moduleFolder':
        throw notSupported('Is a directory.');
      case 'modulePath': {
        const text = readTextOrNotFound(d.path);
        const readonly = !atLeast(d.access.level, 'change');
        return { text, readonly, ...(readonly ? { readonlyReason: readonlyReason(d.module, d.access.level) } : {}) };
      }
      case 'environmentPath': {
        const isPolicy = isPolicyPath(d.state, d.path);
        const required: AccessLevel = isPolicy ? 'full' : 'open';
        if (!atLeast(d.access, required)) throw permissionDenied(environmentDeniedData(d.access, required));
        const text = readTextOrNotFound(d.path);
        const readonly = !atLeast(d.access, 'full');
        return { text, readonly, ...(readonly ? { readonlyReason: ENVIRONMENT_READONLY_REASON } : {}) };
      }
    }
  }

  /**
   * `protectedModules/writeFile` (SPEC 4): checks access, writes atomically, then reloads what the
   * write affects and fires the workspace's change event.
   * @throws PermissionDenied / FileNotFound as {@link decide}, PermissionDenied when the module is
   *   below `change` (or below `full` for `protected`/`owner` changes and new manifests)
   */
  writeFile(params: WriteFileParams): Record<string, never> {
    if (!params || typeof params.uri !== 'string' || typeof params.text !== 'string') {
      throw invalidParams('writeFile needs { uri: string, text: string }.');
    }
    const d = this.decide(params.uri);
    let existed: boolean;
    switch (d.kind) {
      case 'interfaceDocument':
        throw notSupported('Interface documents are generated and read-only.');
      case 'interfaceFile':
        throw permissionDenied(deniedData(d.module, d.access, 'change'));
      case 'moduleFolder':
        throw notSupported('Is a directory.');
      case 'modulePath': {
        if (!atLeast(d.access.level, 'change')) throw permissionDenied(deniedData(d.module, d.access, 'change'));
        existed = fs.existsSync(d.path);
        if (existed && fs.statSync(d.path).isDirectory()) throw notSupported('Is a directory.');
        // A manifest may be a link (to a file inside the environment): its target is a manifest too.
        const manifestOf = manifestAt(d.state, d.path);
        if ((path.basename(d.path) === MODULE_FILE || manifestOf) && !atLeast(d.access.level, 'full')) {
          const isOwnManifest = d.path === d.module.manifestPath || manifestOf === d.module;
          if (!isOwnManifest || manifestAdminFieldsChanged(readTextOrUndefined(d.path), params.text)) {
            throw permissionDenied(deniedData(d.module, d.access, 'full'));
          }
        }
        break;
      }
      case 'environmentPath': {
        existed = fs.existsSync(d.path);
        if (existed && fs.statSync(d.path).isDirectory()) throw notSupported('Is a directory.');
        if (!atLeast(d.access, 'full')) throw permissionDenied(environmentDeniedData(d.access, 'full'));
        break;
      }
    }
    if (params.expectedMtime !== undefined) {
      if (typeof params.expectedMtime !== 'number' || !Number.isFinite(params.expectedMtime)) {
        throw invalidParams('writeFile: expectedMtime must be a number (the mtime from stat).');
      }
      const current = currentMtime(d.path);
      if (current !== params.expectedMtime) throw fileChanged(current);
    }
    try {
      atomicWrite(d.path, params.text);
    } catch {
      throw notSupported('The file could not be written.');
    }
    this.workspace.wrote(d.state, d.path, existed);
    return {};
  }

  /**
   * `protectedModules/access` (SPEC 4): the user's access at a URI, without reading any module file.
   * @throws FileNotFound as {@link decide} (never PermissionDenied: a denied path is reported)
   */
  access(uri: string): AccessResult {
    const d = this.classify(uri);
    if (d.kind === 'denied') {
      return {
        module: d.module.name,
        access: d.access.level,
        canRead: false,
        canWrite: false,
        owner: ownerOf(d.module),
        reason: d.access.reason,
      };
    }
    switch (d.kind) {
      case 'interfaceDocument':
      case 'interfaceFile':
      case 'moduleFolder':
      case 'modulePath': {
        const level = d.access.level;
        const isModule = d.kind === 'moduleFolder' || d.kind === 'modulePath';
        return {
          module: d.module.name,
          access: level,
          canRead: true,
          canWrite: isModule && atLeast(level, 'change'),
          owner: ownerOf(d.module),
          reason: d.access.reason,
        };
      }
      case 'environmentPath': {
        const isPolicy = isPolicyPath(d.state, d.path);
        return {
          access: d.access,
          canRead: atLeast(d.access, isPolicy ? 'full' : 'open'),
          canWrite: atLeast(d.access, 'full'),
          reason:
            d.access === 'full'
              ? 'outside modules: you are an admin of the environment'
              : d.access === 'open'
                ? 'outside modules: readable by every known user, changed by admins'
                : 'outside modules: you are not a known user of the environment (or its policy is invalid)',
        };
      }
    }
  }

  /** The interface document of a module for the current user (SPEC 3.5). */
  interfaceText(state: EnvironmentState, module: ModuleInfo): string {
    const iface = module.manifest ? this.workspace.view(state).interfaceOf(module.manifest.name) : undefined;
    return iface?.text ?? `// Interface of ${module.name} is unavailable: its module.json is invalid.\n`;
  }

  /** The latest modification time (ms) of a module's manifest and sources. */
  private moduleMtime(module: ModuleInfo): number {
    let t = 0;
    for (const f of [module.manifestPath, ...module.files]) {
      try {
        t = Math.max(t, fs.statSync(f).mtimeMs);
      } catch {
        /* removed meanwhile */
      }
    }
    return Math.round(t);
  }
}

/** True when the real path `p` is the environment's policy file (also when `environment.json` is a
 *  link: `p` is then its target). */
function isPolicyPath(state: EnvironmentState, p: string): boolean {
  return p === state.env.policyPath || p === resolveRealPath(state.env.policyPath);
}

/** The module whose `module.json` is (or links to) the real path `p`, if any. */
function manifestAt(state: EnvironmentState, p: string): ModuleInfo | undefined {
  return state.env.modules.find((m) => m.manifestPath === p || resolveRealPath(m.manifestPath) === p);
}

/** The modification time of a file as `stat` reports it (ms, rounded), `null` when it does not exist. */
function currentMtime(p: string): number | null {
  try {
    return Math.round(fs.statSync(p).mtimeMs);
  } catch {
    return null;
  }
}

/** `fs.statSync`, with every failure reported as FileNotFound. */
function statOrNotFound(p: string): fs.Stats {
  try {
    return fs.statSync(p);
  } catch {
    throw fileNotFound();
  }
}

/** Reads a UTF-8 text file; FileNotFound when missing, not supported for a directory. */
function readTextOrNotFound(p: string): string {
  const st = statOrNotFound(p);
  if (st.isDirectory()) throw notSupported('Is a directory.');
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    throw fileNotFound();
  }
}

function readTextOrUndefined(p: string): string | undefined {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * True when the `protected`, `owner` or `name` value of a `module.json` differs between two texts
 * (read tolerantly: comments, trailing commas, even broken JSON). Changing them needs `full`
 * (SPEC 4 for `protected` and owner; `name` too, because grants are keyed by module name, so a
 * rename changes who has access — docs/DECISIONS.md).
 */
export function manifestAdminFieldsChanged(before: string | undefined, after: string): boolean {
  const read = (text: string | undefined) => {
    const v = text === undefined ? undefined : (parseJsonc(text, [], { allowTrailingComma: true }) as unknown);
    const o = v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
    return JSON.stringify([o.protected === true, o.owner ?? null, o.name ?? null]);
  };
  return read(before) !== read(after);
}

/**
 * The name pattern of {@link atomicWrite}'s temporary files: `.<name>.<pid>.<12 hex>.tmp` (a dot-file,
 * so it is never listed, loaded or served). Group 1 is the writing process's id.
 */
export const TEMP_FILE_PATTERN = /^\..*\.(\d+)\.[0-9a-f]{12}\.tmp$/;

/** A temporary file older than this is stale even when its writer's pid is alive (pid reuse). */
const STALE_TEMP_AGE_MS = 60 * 60 * 1000;

/**
 * Writes `text` to `target` atomically: a temporary dot-file in the same folder (so the rename
 * stays on one file system), flushed, then renamed over the target, and the folder flushed; the
 * target's permission bits are kept. Missing parent folders are created. A process killed
 * mid-write leaves the target as it was (old content) and at worst a temporary file named by
 * {@link TEMP_FILE_PATTERN}, which {@link cleanStaleTempFiles} removes at the next start.
 * @throws the underlying fs error (the temporary file is removed)
 */
export function atomicWrite(target: string, text: string): void {
  const dir = path.dirname(target);
  fs.mkdirSync(dir, { recursive: true });
  let mode = 0o666;
  try {
    mode = fs.statSync(target).mode & 0o777;
  } catch {
    /* new file */
  }
  // The base name is cut so that the temporary name stays below the usual 255-byte limit.
  const base = path.basename(target).slice(0, 100);
  const tmp = path.join(dir, `.${base}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
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
  const now = Date.now();
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
      const m = e.isFile() ? TEMP_FILE_PATTERN.exec(e.name) : null;
      if (!m) continue;
      try {
        const age = now - fs.statSync(p).mtimeMs;
        if (processAlive(Number(m[1])) && age < STALE_TEMP_AGE_MS) continue;
        fs.rmSync(p, { force: true });
        removed++;
      } catch {
        /* gone meanwhile, or not ours to remove */
      }
    }
  };
  walk(root);
  return removed;
}
