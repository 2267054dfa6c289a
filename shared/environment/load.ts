/**
 * Reading a whole environment from disk (SPEC 2): `environment.json`, every module folder below
 * the root and each module's `*.logic` sources. Synchronous (node:fs); the caller re-loads on
 * change.
 *
 * Discovery rules (SPEC 2, plus the decisions noted here):
 * - Every folder strictly below the root, at any depth, that contains a `module.json` is a module.
 *   `node_modules` and dot-folders (`.git`, `.vscode`, …) are skipped, for modules and sources alike.
 * - A module's sources are the `*.logic` files under its folder that are not inside a nested module.
 * - Every path is resolved with `realpath`. Symbolic links to folders are never walked: a target
 *   inside the environment is found at its real place anyway (and walking links could loop or put
 *   one folder in two modules); a target outside must not be followed. A link to a `.logic` file
 *   (or a `module.json`) counts only when its target lies inside the environment, and then the
 *   target's real location decides which module it belongs to.
 * - Module names must be unique (SPEC 2.2): a module nested inside another module's folder that
 *   shares its name with exactly one module that is not nested loses (SPEC 4.1); otherwise, when
 *   two or more valid manifests share a name, each
 *   gets an `invalid-manifest` diagnostic on its `name` value and none of them is resolvable
 *   (`manifest` is `undefined`), so no reference silently goes to the wrong one. The message does
 *   not name the other module's folder (it may be a module the reader must not know about).
 */
import { readdirSync, readFileSync, realpathSync, statSync, type Dirent } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import type { Environment, FileDiagnostic, ModuleInfo } from './model';
import { parseModuleManifest, parsePolicy, type ParsedManifest } from './manifest';
import { isUserId } from './schemas';
import { parse as parseJsonc } from 'jsonc-parser';
import { SEAL_FILE, SEALED_INTERFACE_FILE, SOURCES_FILE, readSealedFolder, verifySealed } from './seal';
import type { Range } from '../language/ast';
import { LineIndex } from '../language/text';

/** Name of the policy file at the root of an environment (SPEC 2.1). */
export const ENVIRONMENT_FILE = 'environment.json';
/** Name of the file that makes a folder a module (SPEC 2.2). */
export const MODULE_FILE = 'module.json';
/** Extension of Logic source files (SPEC 3). */
export const LOGIC_EXTENSION = '.logic';

const START: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/**
 * Reads an environment from disk (SPEC 2).
 *
 * @param root path of the environment folder (absolute or relative to the process's cwd; links
 *             are resolved, `Environment.root` is the real path)
 * @returns the environment. A missing, unreadable or invalid `environment.json` gives
 *          `policy: undefined` plus `invalid-environment` diagnostics in `policyDiagnostics`
 *          (access then fails closed, SPEC 2.3 rule 1). Invalid or duplicate manifests give
 *          modules without `manifest`, with `invalid-manifest` diagnostics.
 * @throws Error when `root` does not exist, is not a folder or cannot be read; the message is one
 *         line, suitable for a CLI.
 */
export function loadEnvironment(root: string, options: ScanOptions = {}): Environment {
  return EnvironmentScan.open(root, options).full();
}

/** Options of {@link loadEnvironment} and {@link EnvironmentScan.open}. */
export interface ScanOptions {
  /**
   * Called with the absolute path of every dot-file (a name starting with `.`, not a folder) the
   * walk meets in the folders it reads — the same folders a full walk needs anyway, so a caller
   * can look for its own files without a second walk of the environment (the server removes the
   * temporary files of interrupted writes, issue 15). The file may be removed by the callback.
   */
  onDotFile?(path: string): void;
}

/** A module folder found by the walk, its `module.json` read but not yet validated. */
interface FoundModule {
  folder: string;
  manifestPath: string;
  /** The folder holds `SEAL.json` or `sources.age` (SPEC 9). */
  sealed: boolean;
  /** The text of `module.json`, or why it could not be read. */
  text: string | { error: string } | InvalidUtf8;
  /** The `.logic` files the walk met in the module's part of the tree (links resolved), unfiltered. */
  files: string[];
  /** Set once validated ({@link EnvironmentScan.built}). */
  built?: { info: ModuleInfo; parsed?: ParsedManifest };
}

/**
 * One walk of an environment folder (SPEC 2): the policy read and validated, every module folder
 * found and its `module.json` read — but a manifest is validated (jsonc-parser + zod, exactly as
 * {@link loadEnvironment}) only when a module is asked for. {@link full} gives what
 * {@link loadEnvironment} gives; {@link environmentFor} gives the same modules for a few names
 * without validating the other manifests (the fast path of `diff`, issue 12).
 */
export class EnvironmentScan {
  private readonly found: FoundModule[] = [];
  /** Every module folder found (valid or not). */
  private readonly folders = new Set<string>();

  private constructor(
    private readonly base: Environment,
    private readonly onDotFile?: (path: string) => void,
  ) {}

  /** The real path of the environment folder (`Environment.root`). */
  get root(): string {
    return this.base.root;
  }

  /**
   * Walks the environment at `root`: reads and validates `environment.json`, finds every module
   * folder (SPEC 2 discovery rules, see the file comment) and reads each `module.json`.
   * @param root as for {@link loadEnvironment}
   * @throws Error as {@link loadEnvironment}
   */
  static open(root: string, options: ScanOptions = {}): EnvironmentScan {
    let realRoot: string;
    try {
      realRoot = realpathSync(resolve(root));
      if (!statSync(realRoot).isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
      readdirSync(realRoot);
    } catch (e) {
      throw new Error(`cannot read the environment folder ${root}: ${describeFsError(e)}`, { cause: e });
    }
    const scan = new EnvironmentScan(readPolicy(realRoot), options.onDotFile);
    scan.walk(realRoot, undefined);
    return scan;
  }

  private walk(dir: string, current: FoundModule | undefined): void {
    const realRoot = this.base.root;
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // an unreadable folder holds nothing we can use
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (this.onDotFile) for (const e of entries) if (e.name.startsWith('.') && !e.isDirectory()) this.onDotFile(join(dir, e.name));
    // A folder named module.json also makes a module — an invalid one (fail closed: treated as
    // protected), rather than silently turning the folder's sources into plain environment files.
    // A folder holding SEAL.json is a sealed module (SPEC 9), with or without its module.json; so
    // is one holding sources.age (a sealed module whose SEAL.json was removed fails closed, it
    // does not turn into an ordinary module).
    const sealedFolder = dir !== realRoot && entries.some((e) => e.name === SEAL_FILE || e.name === SOURCES_FILE);
    if (dir !== realRoot && (sealedFolder || entries.some((e) => e.name === MODULE_FILE))) {
      const manifestPath = join(dir, MODULE_FILE);
      current = { folder: dir, manifestPath, sealed: sealedFolder, text: readInside(realRoot, manifestPath), files: [] };
      this.found.push(current);
      this.folders.add(dir);
      // SPEC 9: nothing below a sealed folder is walked (it holds exactly its four files); its
      // only source is the verified INTERFACE.logic (loadSealed).
      if (sealedFolder) return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
        this.walk(p, current);
      } else if (e.name.endsWith(LOGIC_EXTENSION) && current) {
        if (e.isFile()) current.files.push(p);
        else if (e.isSymbolicLink()) {
          const target = realTarget(realRoot, p);
          if (target && target.isFile) current.files.push(target.path);
        }
      }
    }
  }

  /** Validates a found module's manifest (once): the `ModuleInfo` {@link loadEnvironment} gives, before the unique-name rule. */
  private built(f: FoundModule): { info: ModuleInfo; parsed?: ParsedManifest } {
    if (f.built) return f.built;
    const { manifestPath, text } = f;
    const info: ModuleInfo = {
      name: basename(f.folder),
      folder: f.folder,
      relFolder: toRel(this.base.root, f.folder),
      manifestPath,
      files: [],
      diagnostics: [],
    };
    let parsed: ParsedManifest | undefined;
    if (typeof text === 'string') {
      parsed = parseModuleManifest(text, manifestPath);
      info.manifest = parsed.manifest;
      info.diagnostics = parsed.diagnostics;
      if (parsed.name !== undefined && parsed.name !== '') info.name = parsed.name;
      if (isUserId(parsed.owner)) info.declaredOwner = parsed.owner;
    } else if ('invalidUtf8' in text) {
      // Not UTF-8 text: invalid; the declared owner (read from the decoded text) may still fix it.
      const p = parseModuleManifest(text.text, manifestPath);
      if (isUserId(p.owner)) info.declaredOwner = p.owner;
      info.diagnostics = [invalidUtf8Diagnostic(manifestPath, text, 'invalid-manifest', MODULE_FILE)];
    } else {
      info.diagnostics = [
        {
          path: manifestPath,
          code: 'invalid-manifest',
          severity: 'error',
          message: `${MODULE_FILE}: ${text.error}`,
          range: START,
        },
      ];
    }
    if (f.sealed) {
      // SPEC 9: verified at every load; a verified seal gives the module its INTERFACE.logic only.
      loadSealed(info, this.base.policy);
    } else {
      // A linked file belongs to the module that really contains its target (and only once).
      // By folder, walking up from each file: a scan of every module per file was quadratic (issue 6).
      info.files = [...new Set(f.files)].filter((p) => deepestFolder(this.folders, p) === f.folder).sort();
    }
    f.built = { info, parsed };
    return f.built;
  }

  /** Every module (SPEC 2): what {@link loadEnvironment} returns. */
  full(): Environment {
    return this.environmentOf(this.found);
  }

  /**
   * The environment as far as the modules named `names` are concerned: every module that is or
   * may be named one of them, that may list one of them in its `dependencies` (so every dependent
   * of each), and every module whose folder encloses one of those — closed over the names of the
   * modules taken, so that the unique-name rule (SPEC 2.2) and the access of enclosing modules
   * (SPEC 4.1) come out as in the full load. Each module taken is validated and built exactly as
   * {@link loadEnvironment} builds it; the others are left out (their manifests are not validated).
   *
   * A manifest may concern a name only when its text holds it as a JSON string (`"Name"`) or
   * holds an escape (a backslash); every such manifest is taken. So for these names — the modules, their
   * access (every user), their dependents, their files — the answers are the full load's.
   * Answers about other modules (listing all modules, diagnostics of the whole environment) are
   * not: use {@link full} for those.
   *
   * @param names module names (e.g. the module of `diff` and the modules its interface's types name)
   * @returns an environment with a subset of the modules, in path order; the policy as loaded
   */
  environmentFor(names: Iterable<string>): Environment {
    const taken = new Set<FoundModule>();
    const byFolder = new Map(this.found.map((f) => [f.folder, f]));
    let pending = [...new Set(names)];
    const seen = new Set(pending);
    const want = (name: string) => {
      if (!seen.has(name)) {
        seen.add(name);
        pending.push(name);
      }
    };
    const take = (f: FoundModule) => {
      if (taken.has(f)) return;
      taken.add(f);
      want(this.built(f).info.name);
      // The modules whose folders enclose it decide its access too (SPEC 4.1).
      for (let p = dirname(f.folder); p !== this.base.root && isInside(this.base.root, p); p = dirname(p)) {
        const outer = byFolder.get(p);
        if (outer) take(outer);
      }
    };
    while (pending.length) {
      const quoted = pending.map((n) => JSON.stringify(n));
      pending = [];
      for (const f of this.found) {
        if (taken.has(f)) continue;
        const text = typeof f.text === 'string' ? f.text : undefined;
        // Not readable or not UTF-8: never valid, so neither named nor a dependent (taken only
        // when it encloses a module taken).
        if (text === undefined) continue;
        if (text.includes('\\') || quoted.some((q) => text.includes(q))) take(f);
      }
    }
    return this.environmentOf(this.found.filter((f) => taken.has(f)));
  }

  /** The environment of the given found modules (validated), the unique-name rule applied among them. */
  private environmentOf(chosen: FoundModule[]): Environment {
    const env: Environment = { ...this.base, policyDiagnostics: [...this.base.policyDiagnostics], modules: [] };
    const found = chosen.map((f) => {
      const b = this.built(f);
      // A fresh copy: the unique-name rule below changes it, per environment built.
      return { info: { ...b.info, diagnostics: [...b.info.diagnostics], files: [...b.info.files] }, parsed: b.parsed };
    });

    // Unique names (SPEC 2.2).
    const byName = new Map<string, typeof found>();
    for (const f of found) {
      if (!f.info.manifest) continue;
      const list = byName.get(f.info.manifest.name) ?? [];
      list.push(f);
      byName.set(f.info.manifest.name, list);
    }
    for (const [name, all] of byName) {
      if (all.length < 2) continue;
      // A module nested inside another module's folder never takes a name from one that is not
      // (SPEC 4.1: whoever may write inside a module must not void or impersonate another module by
      // naming a nested one like it). Among the rest, a clash voids them all, as before.
      const nested = (f: (typeof all)[number]) => !!deepestFolder(this.folders, dirname(f.info.folder));
      const outer = all.filter((f) => !nested(f));
      const list = outer.length === 1 ? all.filter((f) => nested(f)) : all;
      for (const f of list) {
        f.info.manifest = undefined;
        f.info.diagnostics.push({
          path: f.info.manifestPath,
          code: 'invalid-manifest',
          severity: 'error',
          message:
            outer.length === 1
              ? `name: "${name}" is already the name of a module of this environment; a module inside another module's folder cannot take it, so this one cannot be used until it is renamed`
              : `name: another module in this environment is also named "${name}"; module names must be unique, so neither can be used until one is renamed`,
          range: f.parsed?.nameRange ?? START,
        });
      }
    }

    env.modules = found.map((f) => f.info).sort((a, b) => (a.folder < b.folder ? -1 : a.folder > b.folder ? 1 : 0));
    return env;
  }
}

/** The environment's policy part (SPEC 2.1), without modules. */
function readPolicy(realRoot: string): Environment {
  const policyPath = join(realRoot, ENVIRONMENT_FILE);
  const env: Environment = {
    root: realRoot,
    folderName: basename(realRoot),
    policyPath,
    policyDiagnostics: [],
    modules: [],
  };

  try {
    const target = realpathSync(policyPath);
    if (target !== policyPath && isInside(realRoot, target)) env.policyTarget = target;
  } catch {
    /* no policy file: reported below */
  }
  const policyText = readInside(realRoot, policyPath);
  if (typeof policyText === 'string') {
    const parsed = parsePolicy(policyText, policyPath);
    env.policy = parsed.policy;
    env.policyDiagnostics = parsed.diagnostics;
    if (!parsed.policy) env.declaredAdmins = declaredAdmins(policyText);
  } else if ('invalidUtf8' in policyText) {
    // Not UTF-8 text: the policy is invalid (fail closed), the error stands on the first bad byte.
    env.declaredAdmins = declaredAdmins(policyText.text);
    env.policyDiagnostics = [invalidUtf8Diagnostic(policyPath, policyText, 'invalid-environment', ENVIRONMENT_FILE)];
  } else {
    env.policyDiagnostics = [
      {
        path: policyPath,
        code: 'invalid-environment',
        severity: 'error',
        message: `${ENVIRONMENT_FILE}: ${policyText.error}; nobody has more than list access until it is fixed`,
        range: START,
      },
    ];
  }
  return env;
}

/** The user ids an (invalid) policy's `admins` array names, read tolerantly (comments, errors elsewhere). */
function declaredAdmins(text: string): string[] {
  const value = parseJsonc(text, [], { allowTrailingComma: true }) as unknown;
  const admins = value && typeof value === 'object' ? (value as { admins?: unknown }).admins : undefined;
  const list: unknown[] = Array.isArray(admins) ? admins : [admins];
  return list.filter((a): a is string => typeof a === 'string' && isUserId(a));
}

/**
 * Verifies a sealed module found by the walk (SPEC 9) and sets `info.sealed` and `info.files`:
 * a verified seal gives the module its `INTERFACE.logic` as its only file (the Program reads the
 * verified text, `SealedInfo.interfaceText`); a failed one gives it no files at all (fail closed)
 * and an `invalid-seal` error on `module.json` at 0:0, which only admins see (program.ts).
 */
function loadSealed(info: ModuleInfo, policy: Environment['policy']): void {
  const read = readSealedFolder(info.folder);
  const verdict = 'error' in read ? { ok: false as const, reason: read.error, publisher: undefined } : verifySealed(read.files, policy);
  if (verdict.ok) {
    info.sealed = {
      publisher: verdict.seal.publisher,
      valid: true,
      interfaceText: verdict.interfaceText,
      ...(verdict.seal.environment !== undefined ? { environment: verdict.seal.environment } : {}),
    };
    info.files = [join(info.folder, SEALED_INTERFACE_FILE)];
    return;
  }
  let publisher = verdict.publisher ?? '';
  if (!publisher && !('error' in read)) {
    try {
      const p = JSON.parse(read.files[SEAL_FILE].toString('utf8'))?.publisher;
      if (typeof p === 'string') publisher = p.slice(0, 64);
    } catch {
      /* no publisher to name */
    }
  }
  info.sealed = { publisher, valid: false, reason: verdict.reason };
  info.files = [];
  info.diagnostics.push({
    path: info.manifestPath,
    code: 'invalid-seal',
    severity: 'error',
    message: `sealed module ${info.name}: ${verdict.reason}. It has no elements until a valid seal is installed again.`,
    range: START,
  });
}

/**
 * The module whose folder most deeply contains `absPath` (SPEC 2: a file belongs to the nearest
 * enclosing module folder). The path is resolved first (`realPathOf`), so links and `..` are
 * followed; it need not exist.
 *
 * @param env a loaded environment
 * @param absPath an absolute path (a relative one is resolved against the process's cwd)
 * @returns the module (valid or not — check `manifest`), or `undefined` when the path is in no
 *          module or outside the environment. Never throws.
 */
export function findModuleForPath(env: Environment, absPath: string): ModuleInfo | undefined {
  const real = realPathOf(absPath);
  if (!isInside(env.root, real)) return undefined;
  return deepestModule(env.modules, real);
}

/**
 * The path of `absPath` relative to the environment root, `/`-separated (`''` for the root
 * itself), after resolving it with `realPathOf`.
 *
 * @returns `undefined` when the resolved path lies outside the environment. Never throws.
 */
export function relPath(env: Environment, absPath: string): string | undefined {
  const real = realPathOf(absPath);
  if (!isInside(env.root, real)) return undefined;
  return toRel(env.root, real);
}

/**
 * Resolves a path as the file system would: absolute, normalised, every symbolic link replaced
 * by its target. A path that does not exist (yet) is resolved as far as it exists and the rest
 * appended (so a new file in a linked folder resolves into the link's target).
 *
 * @param p an absolute path (a relative one is resolved against the process's cwd)
 * @returns the real absolute path. Never throws.
 */
export function realPathOf(p: string): string {
  const abs = resolve(p);
  try {
    return realpathSync(abs);
  } catch {
    const parent = dirname(abs);
    if (parent === abs) return abs;
    return join(realPathOf(parent), basename(abs));
  }
}

/**
 * True when `child` is `parent` or lies below it. Both must be absolute and already resolved
 * (no links, no `..`); the test is on path segments, so `/a/bc` is not inside `/a/b`.
 */
export function isInside(parent: string, child: string): boolean {
  if (child === parent) return true;
  const prefix = parent.endsWith(sep) ? parent : parent + sep;
  return child.startsWith(prefix);
}

function deepestModule(modules: ModuleInfo[], real: string): ModuleInfo | undefined {
  let best: ModuleInfo | undefined;
  for (const m of modules) {
    if (isInside(m.folder, real) && (!best || m.folder.length > best.folder.length)) best = m;
  }
  return best;
}

/** The innermost of `folders` that contains `real` (or is it): O(depth of `real`). */
function deepestFolder(folders: Set<string>, real: string): string | undefined {
  for (let p = real; ;) {
    if (folders.has(p)) return p;
    const parent = dirname(p);
    if (parent === p) return undefined;
    p = parent;
  }
}

function toRel(root: string, p: string): string {
  return relative(root, p).split(sep).join('/');
}

/** The real target of a link if it lies inside the environment. */
function realTarget(root: string, p: string): { path: string; isFile: boolean } | undefined {
  try {
    const target = realpathSync(p);
    if (!isInside(root, target)) return undefined;
    return { path: target, isFile: statSync(target).isFile() };
  } catch {
    return undefined;
  }
}

/** A file that is not valid UTF-8: its text decoded with U+FFFD replacements, and the first bad
 *  byte's offset in bytes and in UTF-16 code units of `text` (after a leading BOM, if any). */
interface InvalidUtf8 {
  invalidUtf8: true;
  text: string;
  byte: number;
  offset: number;
}

/**
 * Reads a UTF-8 file whose real location must be inside `root`.
 * @returns the text; `{ error }` with a short reason when it cannot be read; {@link InvalidUtf8}
 *   when its bytes are not UTF-8 (decoding would silently replace them)
 */
function readInside(root: string, p: string): string | { error: string } | InvalidUtf8 {
  let bytes: Buffer;
  try {
    // The native call: one system call instead of an lstat per path segment (1,000 manifests).
    const real = realpathSync.native(p);
    if (!isInside(root, real)) return { error: 'it is a link that leaves the environment' };
    bytes = readFileSync(real);
  } catch (e) {
    return { error: describeFsError(e) };
  }
  const text = bytes.toString('utf8');
  const bad = firstInvalidUtf8(bytes);
  if (bad < 0) return text;
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  return { invalidUtf8: true, text, byte: bad, offset: bytes.subarray(bom, bad).toString('utf8').length };
}

/** The byte offset of the first invalid UTF-8 sequence in `b`, or -1 when it is all valid UTF-8
 *  (overlong forms, surrogates and code points above U+10FFFF are invalid). */
export function firstInvalidUtf8(b: Uint8Array): number {
  const n = b.length;
  let i = 0;
  while (i < n) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let len: number;
    let min: number;
    let cp: number;
    if (c >= 0xc2 && c <= 0xdf) [len, min, cp] = [2, 0x80, c & 0x1f];
    else if (c >= 0xe0 && c <= 0xef) [len, min, cp] = [3, 0x800, c & 0x0f];
    else if (c >= 0xf0 && c <= 0xf4) [len, min, cp] = [4, 0x10000, c & 0x07];
    else return i;
    if (i + len > n) return i;
    for (let k = 1; k < len; k++) {
      const cc = b[i + k];
      if ((cc & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += len;
  }
  return -1;
}

/** The error for a metadata file that is not UTF-8, on its first bad byte (one character wide). */
function invalidUtf8Diagnostic(path: string, bad: InvalidUtf8, code: 'invalid-environment' | 'invalid-manifest', file: string): FileDiagnostic {
  const src = bad.text.charCodeAt(0) === 0xfeff ? bad.text.slice(1) : bad.text;
  const index = new LineIndex(src);
  return {
    path,
    code,
    severity: 'error',
    message: `${file}: not valid UTF-8 text (byte ${bad.byte}); save it as UTF-8${code === 'invalid-environment' ? '; nobody has more than list access until it is fixed' : ''}`,
    range: index.rangeAt(bad.offset, Math.min(bad.offset + 1, src.length)),
  };
}

/**
 * A file-system error in plain words for a message (`it does not exist`, `permission denied`, …),
 * never the raw errno text (which may hold paths); unknown codes as `cannot <verb> it (CODE)`.
 * @param verb what was being done (`read`, `write`), for the fallback
 */
export function describeFsError(e: unknown, verb: 'read' | 'write' = 'read'): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'EEXIST':
      return 'it already exists';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOENT':
      return 'it does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'it is not a folder';
    case 'EISDIR':
      return 'it is a folder, not a file';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    default:
      return code ? `cannot ${verb} it (${code})` : `cannot ${verb} it`;
  }
}
