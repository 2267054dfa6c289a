/**
 * URIs the language server accepts and produces (SPEC 4), mapped to and from absolute paths.
 *
 * - `file:///…/<environment folder>/<path>`: a file under an environment folder.
 * - `modules://<environment-folder-name>/<path below it>`: the client's FileSystemProvider scheme.
 * - `module-interface://<environment-folder-name>/<Module>.logic`: a module's interface document
 *   (SPEC 3.5); it has no path on disk.
 *
 * Paths are normalised and resolved (symbolic links included, {@link resolveRealPath}) before any
 * access decision is taken; a path that leaves its environment is answered as "not found".
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { URI } from 'vscode-uri';
import { INTERFACE_SCHEME, MODULES_SCHEME } from '../shared/protocol';

/** What a URI names, before it is matched against the environments of the workspace. */
export type ParsedUri =
  /** A path on disk (from `file:`); absolute, normalised, not yet resolved. */
  | { scheme: 'file'; path: string }
  /** A path below the environment folder named `folderName` (from `modules:`), `/`-separated,
   *  without a leading `/` (`''` is the environment folder itself); `..` segments are kept
   *  so that {@link joinInside} can reject paths that climb out. */
  | { scheme: 'modules'; folderName: string; relPath: string }
  /** An interface document (from `module-interface:`). */
  | { scheme: 'interface'; folderName: string; module: string };

/**
 * Parses a URI string of one of the three accepted schemes.
 * @returns `undefined` for a malformed URI, another scheme, or a `module-interface:` URI whose
 *   path is not `/<Module>.logic`.
 */
export function parseUri(uri: string): ParsedUri | undefined {
  let u: URI;
  try {
    u = URI.parse(uri, true);
  } catch {
    return undefined;
  }
  if (u.scheme === 'file') {
    if (!u.path) return undefined;
    return { scheme: 'file', path: path.resolve(u.fsPath) };
  }
  if (u.scheme === MODULES_SCHEME) {
    if (!u.authority) return undefined;
    const relPath = u.path
      .split('/')
      .filter((s) => s !== '' && s !== '.')
      .join('/');
    return { scheme: 'modules', folderName: u.authority, relPath };
  }
  if (u.scheme === INTERFACE_SCHEME) {
    const m = /^\/([A-Za-z_][A-Za-z0-9_]*)\.logic$/.exec(u.path);
    if (!u.authority || !m) return undefined;
    return { scheme: 'interface', folderName: u.authority, module: m[1] };
  }
  return undefined;
}

/**
 * Joins a `/`-separated relative path onto `root` and normalises it.
 * @returns the absolute path, or `undefined` when the result is not `root` or below it
 *   (e.g. `../x`).
 */
export function joinInside(root: string, relPath: string): string | undefined {
  const abs = path.resolve(root, ...relPath.split('/').filter((s) => s !== ''));
  return isInside(root, abs) ? abs : undefined;
}

/** True when `p` is `root` or a path below it (both absolute and normalised; string test, no I/O). */
export function isInside(root: string, p: string): boolean {
  return p === root || isStrictlyInside(root, p);
}

/** True when `p` is strictly below `folder` (both absolute and normalised). */
export function isStrictlyInside(folder: string, p: string): boolean {
  if (p.length <= folder.length || !p.startsWith(folder)) return false;
  return folder.endsWith(path.sep) || p.charCodeAt(folder.length) === path.sep.charCodeAt(0);
}

/**
 * Resolves every symbolic link of an absolute path, also for a path that does not exist (yet):
 * the deepest existing ancestor is resolved with `realpath` and the rest appended.
 * @returns the real absolute path (never throws); for a link loop, the path as given (normalised).
 */
export function resolveRealPath(abs: string): string {
  return resolveRealPathStrict(abs) ?? path.resolve(abs);
}

/** How many dangling links {@link resolveRealPathStrict} follows before giving up (as `ELOOP`). */
const MAX_LINK_HOPS = 40;

/**
 * {@link resolveRealPath}, also following *dangling* symbolic links: a link whose target does not
 * exist (yet) resolves to where its target would be, so that `portal/x.logic → ../api/New.logic`
 * is decided (and written) as `api/New.logic`, never as the link's own place (SPEC 4: paths are
 * resolved, symbolic links included, before the decision).
 * @returns the real absolute path, or `undefined` for a link loop or too many links (never throws)
 */
export function resolveRealPathStrict(abs: string, hops = 0): string | undefined {
  let existing = path.resolve(abs);
  const rest: string[] = [];
  for (;;) {
    try {
      const real = fs.realpathSync.native(existing);
      return rest.length ? path.join(real, ...rest.reverse()) : real;
    } catch (e) {
      if ((e as NodeJS.ErrnoException)?.code === 'ELOOP') return undefined;
      let target: string | undefined;
      try {
        if (fs.lstatSync(existing).isSymbolicLink()) target = fs.readlinkSync(existing);
      } catch {
        /* does not exist: resolve the parent */
      }
      if (target !== undefined) {
        // A dangling link: continue from where it points (relative to the link's folder).
        if (hops >= MAX_LINK_HOPS) return undefined;
        const next = path.resolve(path.dirname(existing), target, ...rest.reverse());
        return resolveRealPathStrict(next, hops + 1);
      }
      const parent = path.dirname(existing);
      if (parent === existing) return path.resolve(abs);
      rest.push(path.basename(existing));
      existing = parent;
    }
  }
}

/** The `modules://<folderName>/<relPath>` URI of a path below an environment folder. */
export function modulesUri(folderName: string, root: string, abs: string): string {
  const rel = path.relative(root, abs).split(path.sep).join('/');
  return URI.from({ scheme: MODULES_SCHEME, authority: folderName, path: '/' + rel }).toString();
}

/** The `module-interface://<folderName>/<Module>.logic` URI of a module's interface (SPEC 4). */
export function interfaceUri(folderName: string, module: string): string {
  return URI.from({ scheme: INTERFACE_SCHEME, authority: folderName, path: `/${module}.logic` }).toString();
}

/** The `file:` URI of an absolute path. */
export function fileUri(abs: string): string {
  return URI.file(abs).toString();
}

/** An absolute path from a `file:` URI string or a plain path; `undefined` for other schemes. */
export function pathFromFileUriOrPath(value: string): string | undefined {
  if (/^[a-zA-Z][a-zA-Z0-9+.-]+:/.test(value) && !/^[a-zA-Z]:[\\/]/.test(value)) {
    const p = parseUri(value);
    return p?.scheme === 'file' ? p.path : undefined;
  }
  return path.resolve(value);
}
