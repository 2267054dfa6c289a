/**
 * The file system of the custom protocol (SPEC 4): `protectedModules/stat`, `readDirectory`,
 * `readFile`, `writeFile` and `access`, as the client's `modules` FileSystemProvider uses them.
 *
 * Every operation first turns the URI into a real path inside an environment (symbolic links
 * resolved, {@link Workspace.locate}), then takes the access decision (`fileDecision.ts`), and only
 * then looks at the disk (`disk.ts`; the texts it answers with are `fileMessages.ts`'s):
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
import type * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { parse as parseJsonc } from 'jsonc-parser';
import type { ModuleInfo } from '../shared/environment/model';
import { atLeast, type AccessLevel } from '../shared/access/levels';
import {
  INTERFACE_FILE_NAME,
  type AccessResult,
  type ReadDirectoryResult,
  type ReadFileResult,
  type StatResult,
  type WriteFileParams,
} from '../shared/protocol';
import { fileChanged, fileNotFound, invalidParams, notSupported, permissionDenied } from './errors';
import { MODULE_FILE, type EnvironmentState, type Located, type Workspace } from './workspace';
import type { Disk } from './disk';
import { type AccessGate, isHiddenSegment } from '../shared/access/gate';
import { resolveRealPath } from './uris';
import { classify, decide, decideLocated, type Decision } from './fileDecision';
import { deniedData, ENVIRONMENT_READONLY_REASON, environmentDeniedData, interfaceReason, ownerOf, readonlyReason } from './fileMessages';

export type { Decision } from './fileDecision';

/**
 * Implements the file-system requests over a {@link Workspace}. Every request walks its path under
 * the access gate ({@link Workspace.locate}, `server/disk.ts`) and reads, lists, stats and writes
 * only through handles of what the gate decided (SPEC 4.1).
 */
export class ModuleFileSystem {
  /** When each interface text was first served (ms): the times of interface documents and of
   *  folders of modules below `open`, which never come from files the user may not read (SPEC 4.1). */
  private readonly interfaceTimes = new Map<string, number>();

  constructor(private readonly workspace: Workspace) {}

  private get disk(): Disk {
    return this.workspace.disk;
  }

  /**
   * The access decision for a URI (SPEC 4, 4.1), taken before any look-up of what it refuses.
   * @throws FileNotFound for an unknown URI, a path that leaves its environment, a hidden path, a
   *   module at `none` (or a folder holding only such modules), a missing path outside modules;
   *   PermissionDenied for a path inside a module below `open` (below `reference` for its
   *   `INTERFACE.logic`)
   */
  decide(uri: string): Decision {
    return decide(this.workspace, uri);
  }

  /** {@link decide} for a URI already located ({@link Workspace.locate}). */
  decideLocated(l: Located): Decision {
    return decideLocated(this.workspace, l);
  }

  /** `protectedModules/stat` (SPEC 4). Times are milliseconds since the epoch. */
  stat(uri: string): StatResult {
    const d = this.decide(uri);
    switch (d.kind) {
      case 'interfaceDocument':
      case 'interfaceFile': {
        const text = this.interfaceText(d.state, d.module);
        const mtime = this.interfaceTime(text);
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
        const readonly = !atLeast(d.access.level, 'change');
        const reason = readonly ? { readonlyReason: readonlyReason(d.module, d.access.level) } : {};
        if (d.kind === 'moduleFolder' && !atLeast(d.access.level, 'open')) {
          // Below open the folder's times never come from its files (SPEC 4.1).
          const mtime = atLeast(d.access.level, 'reference') ? this.interfaceTime(this.interfaceText(d.state, d.module)) : 0;
          return { type: 'directory', size: 0, mtime, ctime: mtime, readonly, ...reason };
        }
        const st = this.statByHandle(d.path);
        return {
          type: st.isDirectory() ? 'directory' : 'file',
          size: st.isDirectory() ? 0 : st.size,
          mtime: Math.round(st.mtimeMs),
          ctime: Math.round(st.ctimeMs),
          readonly,
          ...reason,
        };
      }
      case 'environmentPath': {
        const st = this.statByHandle(d.path);
        const readonly = !atLeast(d.access, 'full');
        // A file the user may not read (environment.json for non-admins) has no size or times.
        const readable = atLeast(d.access, d.policy ? 'full' : 'open');
        return {
          type: st.isDirectory() ? 'directory' : 'file',
          size: st.isDirectory() || !readable ? 0 : st.size,
          mtime: readable ? Math.round(st.mtimeMs) : 0,
          ctime: readable ? Math.round(st.ctimeMs) : 0,
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
    const h = this.disk.open(d.path, true);
    if (!h) {
      if (this.disk.open(d.path)) throw notSupported('Not a directory.');
      throw fileNotFound();
    }
    let dirents: fs.Dirent[];
    try {
      dirents = this.disk.readDirHandle(h, d.path);
    } finally {
      this.disk.close(h.fd);
    }
    const gate = this.workspace.gate(d.state);
    const entries: [string, 'file' | 'directory'][] = [];
    for (const e of dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (isHiddenSegment(e.name)) continue;
      const type = this.entryType(gate, path.join(d.path, e.name), e);
      if (type) entries.push([e.name, type]);
    }
    return { entries };
  }

  /**
   * The type under which a folder entry is listed, or `undefined` when it is not listed: hidden
   * entries, and links unless the gate lets the user read (or, for a module folder, list) their
   * target and it exists — whether a refused target exists is never looked at (SPEC 4.1).
   */
  private entryType(gate: AccessGate, child: string, e: fs.Dirent): 'file' | 'directory' | undefined {
    if (e.isSymbolicLink()) {
      const w = this.disk.walk(gate, child);
      const v = w.verdict;
      if (v.kind === 'moduleFolder' && (w.kind === 'refused' || w.exists)) return 'directory';
      if (w.kind !== 'resolved' || !w.exists || !gate.canRead(w.path)) return undefined;
      const st = this.disk.lstat(w.path);
      return st?.isDirectory() ? 'directory' : st?.isFile() ? 'file' : undefined;
    }
    const v = gate.decidePath(child);
    if (v.kind === 'missing') return undefined;
    if (e.isDirectory()) return 'directory';
    if (e.isFile()) return 'file';
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
        const text = this.readByHandle(d.path);
        const readonly = !atLeast(d.access.level, 'change');
        return { text, readonly, ...(readonly ? { readonlyReason: readonlyReason(d.module, d.access.level) } : {}) };
      }
      case 'environmentPath': {
        const required: AccessLevel = d.policy ? 'full' : 'open';
        if (!atLeast(d.access, required)) throw permissionDenied(environmentDeniedData(d.access, required));
        const text = this.readByHandle(d.path);
        const readonly = !atLeast(d.access, 'full');
        return { text, readonly, ...(readonly ? { readonlyReason: ENVIRONMENT_READONLY_REASON } : {}) };
      }
    }
  }

  /**
   * `protectedModules/writeFile` (SPEC 4): checks access, writes atomically inside a handle of the
   * decided folder (`Disk.writeFileIn`), then reloads what the write affects and fires the
   * workspace's change event.
   * @throws PermissionDenied / FileNotFound as {@link decide}, PermissionDenied when the module is
   *   below `change` (or below `full` for `protected`/`owner` changes and new manifests)
   */
  writeFile(params: WriteFileParams): Record<string, never> {
    if (!params || typeof params.uri !== 'string' || typeof params.text !== 'string') {
      throw invalidParams('writeFile needs { uri: string, text: string }.');
    }
    const d = this.decide(params.uri);
    switch (d.kind) {
      case 'interfaceDocument':
        throw notSupported('Interface documents are generated and read-only.');
      case 'interfaceFile':
        throw permissionDenied(deniedData(d.module, d.access, 'change'));
      case 'moduleFolder':
        throw notSupported('Is a directory.');
      case 'modulePath': {
        if (!atLeast(d.access.level, 'change')) throw permissionDenied(deniedData(d.module, d.access, 'change'));
        if (d.exists && this.disk.lstat(d.path)?.isDirectory()) throw notSupported('Is a directory.');
        // A manifest may be a link (to a file inside the environment): its target is a manifest too.
        const manifestOf = manifestAt(d.state, d.path);
        if ((path.basename(d.path) === MODULE_FILE || manifestOf) && !atLeast(d.access.level, 'full')) {
          const isOwnManifest = d.path === d.module.manifestPath || manifestOf === d.module;
          if (!isOwnManifest || manifestAdminFieldsChanged(this.disk.readFileAt(d.path)?.text, params.text)) {
            throw permissionDenied(deniedData(d.module, d.access, 'full'));
          }
        }
        break;
      }
      case 'environmentPath': {
        if (d.exists && this.disk.lstat(d.path)?.isDirectory()) throw notSupported('Is a directory.');
        if (!atLeast(d.access, 'full')) throw permissionDenied(environmentDeniedData(d.access, 'full'));
        break;
      }
    }
    if (params.expectedMtime !== undefined) {
      if (typeof params.expectedMtime !== 'number' || !Number.isFinite(params.expectedMtime)) {
        throw invalidParams('writeFile: expectedMtime must be a number (the mtime from stat).');
      }
      const current = this.currentMtime(d.path);
      if (current !== params.expectedMtime) throw fileChanged(current);
    }
    const folder = path.dirname(d.path);
    try {
      this.disk.writeFileIn(d.exists ? folder : d.existing, folder, path.basename(d.path), params.text);
    } catch {
      throw notSupported('The file could not be written.');
    }
    this.workspace.wrote(d.state, d.path, d.exists);
    return {};
  }

  /**
   * `protectedModules/access` (SPEC 4): the user's access at a URI, without reading any module file.
   * @throws FileNotFound as {@link decide} (never PermissionDenied: a denied path is reported)
   */
  access(uri: string): AccessResult {
    const d = classify(this.workspace, uri);
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
        return {
          access: d.access,
          canRead: atLeast(d.access, d.policy ? 'full' : 'open'),
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

  /** The interface document of a module for the current user (SPEC 3.5, 4.1). */
  interfaceText(state: EnvironmentState, module: ModuleInfo): string {
    const iface = module.manifest ? this.workspace.view(state).interfaceOf(module.manifest.name) : undefined;
    return iface?.text ?? `// Interface of ${module.name} is unavailable: its module.json is invalid.\n`;
  }

  /** When this interface text was first served (ms since the epoch). */
  private interfaceTime(text: string): number {
    const key = createHash('sha256').update(text).digest('base64');
    let t = this.interfaceTimes.get(key);
    if (t === undefined) {
      t = Date.now();
      if (this.interfaceTimes.size > 10_000) this.interfaceTimes.clear();
      this.interfaceTimes.set(key, t);
    }
    return t;
  }

  /** `fstat` of a decided path through its handle; FileNotFound when it is gone or moved. */
  private statByHandle(p: string): fs.Stats {
    const h = this.disk.open(p);
    if (!h) throw fileNotFound();
    this.disk.close(h.fd);
    return h.stat;
  }

  /** Reads a decided file through its handle; FileNotFound when missing or moved, not supported for a directory. */
  private readByHandle(p: string): string {
    const h = this.disk.open(p);
    if (!h) throw fileNotFound();
    try {
      if (h.stat.isDirectory()) throw notSupported('Is a directory.');
      const bytes = this.disk.readHandle(h);
      if (!bytes) throw fileNotFound();
      return bytes.toString('utf8');
    } finally {
      this.disk.close(h.fd);
    }
  }

  /** The modification time of a decided file as `stat` reports it (ms, rounded), `null` when it does not exist. */
  private currentMtime(p: string): number | null {
    const h = this.disk.open(p);
    if (!h) return null;
    this.disk.close(h.fd);
    return Math.round(h.stat.mtimeMs);
  }
}

/** The module whose `module.json` is (or links to) the real path `p`, if any. */
function manifestAt(state: EnvironmentState, p: string): ModuleInfo | undefined {
  return state.env.modules.find((m) => m.manifestPath === p || resolveRealPath(m.manifestPath) === p);
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
