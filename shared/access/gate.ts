/**
 * The access gate (SPEC 4.1): the one decision of what a user may be told about a module, a name
 * or a path of an environment. Every entry point asks it — the file-system requests, the Program's
 * per-user views (and so every IDE feature, diagnostics and interface documents), the CLI and the
 * host — and nothing else decides access.
 *
 * Pure: a function of the loaded environment (SPEC 2), the user and an absolute path. It never
 * touches the disk; the I/O layer (`server/disk.ts`) asks it before every step of a path walk and
 * again on the file it actually opened.
 *
 * The rules, on top of the effective access of SPEC 2.3 (`resolve.ts`):
 * - **Enclosing modules.** A path is readable only with ≥ `open` on every module whose folder
 *   encloses it; the first enclosing module below `open` (outermost first) answers for the path.
 *   A module nested in a module on which the user is below `open` is reached only by name: its
 *   level is capped at `reference` ({@link AccessGate.moduleAccess}).
 * - **Hidden is missing.** A module at `none`, a folder that holds only modules at `none`, and
 *   dot-folders / `node_modules` are answered exactly like a path that does not exist.
 * - **Outside modules** (the environment's own files): readable by known users, `environment.json`
 *   by admins only, written by admins only (docs/DECISIONS.md).
 */
import * as path from 'node:path';
import type { Environment, ModuleInfo } from '../environment/model';
import { type AccessLevel, atLeast } from './levels';
import { type AccessDecision, resolveModuleAccess, userInfo } from './resolve';

/** The virtual interface file listed in the folder of a module at `reference` (SPEC 4). */
export const INTERFACE_FILE = 'INTERFACE.logic';

/** What the gate says about one path (see {@link AccessGate.decidePath}). */
export type PathVerdict =
  /** Hidden or outside the environment: answered exactly like a path that does not exist. */
  | { kind: 'missing' }
  /** Inside a module below what the path needs: `PermissionDenied` naming that module. */
  | { kind: 'denied'; module: ModuleInfo; access: AccessDecision; required: AccessLevel }
  /** The folder of a module the user can list (≥ `list`). */
  | { kind: 'moduleFolder'; module: ModuleInfo; access: AccessDecision }
  /** The virtual `INTERFACE.logic` in the folder of a module at `reference` (below `open`). */
  | { kind: 'interfaceFile'; module: ModuleInfo; access: AccessDecision }
  /** A path strictly inside a module that the user may open, through every enclosing module. */
  | { kind: 'modulePath'; module: ModuleInfo; access: AccessDecision }
  /** A path outside every module; `access` as {@link AccessGate.environmentAccess}, `policy` when
   *  it is the environment's `environment.json`. */
  | { kind: 'environmentPath'; access: AccessLevel; policy: boolean };

/** True for a path segment that is never part of an environment (SPEC 2: dot-folders, `node_modules`). */
export function isHiddenSegment(segment: string): boolean {
  return segment.startsWith('.') || segment === 'node_modules';
}

/** True when `child` is `parent` or lies below it (absolute, normalised paths; segment-wise). */
export function isInsidePath(parent: string, child: string): boolean {
  if (child === parent) return true;
  const prefix = parent.endsWith(path.sep) ? parent : parent + path.sep;
  return child.startsWith(prefix);
}

const NOT_VISIBLE = (name: string): AccessDecision => ({ level: 'none', reason: `There is no module named '${name}' that you can see.` });

/**
 * The gate of one user in one loaded environment. Build a new one when the environment is
 * reloaded (its decisions are cached); cheap to build (O(modules) on first use).
 */
export class AccessGate {
  private readonly byFolder = new Map<string, ModuleInfo>();
  private readonly byName = new Map<string, ModuleInfo>();
  private readonly decided = new Map<ModuleInfo, AccessDecision>();
  /** Folders (outside modules) that hold modules, none of them visible: hidden with them. */
  private hiddenFolders?: Set<string>;

  /**
   * @param env the environment as loaded (`loadEnvironment`, SPEC 2); paths in it are real
   * @param user the user's id, `null` when none is set (fail closed, SPEC 2.3 rule 1)
   */
  constructor(
    readonly env: Environment,
    readonly user: string | null,
  ) {
    for (const m of env.modules) {
      if (!this.byFolder.has(m.folder)) this.byFolder.set(m.folder, m);
      if (m.manifest && !this.byName.has(m.manifest.name)) this.byName.set(m.manifest.name, m);
    }
  }

  /** Who the user is in the policy (SPEC 4 `whoami`). */
  get userSummary(): ReturnType<typeof userInfo> {
    return userInfo(this.env.policy, this.user);
  }

  /**
   * The level the policy alone gives the user on a module (SPEC 2.3, sealed modules capped), before
   * the cap of an enclosing module the user may not open (SPEC 4.1). Not for answering the user —
   * {@link moduleAccess} is — but for never lowering a grant: a capped user's own `user:` grant may
   * be higher than what they see (issue 14: approving an access request).
   */
  policyAccess(info: ModuleInfo): AccessDecision {
    return resolveModuleAccess(this.env.policy, info, this.user);
  }

  /**
   * The user's access to a module found on disk (valid or not): the effective access of SPEC 2.3,
   * capped at `reference` when an enclosing module's folder is below `open` for the user (SPEC
   * 4.1: reached only by name). Cached.
   */
  moduleAccess(info: ModuleInfo): AccessDecision {
    let d = this.decided.get(info);
    if (d) return d;
    d = resolveModuleAccess(this.env.policy, info, this.user);
    if (atLeast(d.level, 'open')) {
      for (const outer of this.enclosingModules(path.dirname(info.folder))) {
        if (!atLeast(this.moduleAccess(outer).level, 'open')) {
          d = { level: 'reference', reason: `${info.name} lies inside a module you may not open, so you may only reference it.` };
          break;
        }
      }
    }
    if (d.level === 'none') d = NOT_VISIBLE(info.manifest?.name ?? info.name);
    this.decided.set(info, d);
    return d;
  }

  /**
   * The user's access to the valid module named `name`; `none` (with a reason that is the same
   * as for a module that does not exist) when there is none or the user may not see it.
   */
  access(name: string): AccessDecision {
    const info = this.byName.get(name);
    return info ? this.moduleAccess(info) : NOT_VISIBLE(name);
  }

  /** The valid module named `name` when the user can see it (≥ `list`), else `undefined` (SPEC 2.3). */
  visibleModule(name: string): { module: ModuleInfo; access: AccessDecision } | undefined {
    const module = this.byName.get(name);
    if (!module) return undefined;
    const access = this.moduleAccess(module);
    return access.level === 'none' ? undefined : { module, access };
  }

  /**
   * The user's access to the environment's own files (outside modules): `full` for admins, `open`
   * (read-only) for other known users, `list` for unknown users and while the policy is invalid.
   */
  environmentAccess(): AccessLevel {
    const u = this.userSummary;
    if (!u.known) return 'list';
    return u.admin ? 'full' : 'open';
  }

  /** Every module whose folder contains `abs` (or is `abs`), outermost first; O(depth). */
  enclosingModules(abs: string): ModuleInfo[] {
    const out: ModuleInfo[] = [];
    if (!isInsidePath(this.env.root, abs)) return out;
    for (let p = abs; p !== this.env.root;) {
      const m = this.byFolder.get(p);
      if (m) out.push(m);
      const parent = path.dirname(p);
      if (parent === p) break;
      p = parent;
    }
    return out.reverse();
  }

  /** The innermost module containing `abs`, if any. */
  moduleOf(abs: string): ModuleInfo | undefined {
    const all = this.enclosingModules(abs);
    return all[all.length - 1];
  }

  /**
   * The decision for an absolute path (SPEC 4, 4.1), taken from the loaded environment only — no
   * disk access, so hidden and missing paths do the same work. `abs` must be normalised (no `..`);
   * links in it are not followed here: the I/O layer decides each step of a walk and the file it
   * finally opened.
   * @returns the verdict; never throws
   */
  decidePath(abs: string): PathVerdict {
    const root = this.env.root;
    if (!isInsidePath(root, abs)) return { kind: 'missing' };
    if (abs === this.env.policyPath || abs === this.env.policyTarget) {
      // The policy, wherever a link puts it: the admins' (SPEC 4.1), even inside a module folder.
      return { kind: 'environmentPath', access: this.environmentAccess(), policy: true };
    }
    const rel = path.relative(root, abs);
    if (rel !== '' && rel.split(path.sep).some(isHiddenSegment)) return { kind: 'missing' };
    const enclosing = this.enclosingModules(abs);
    for (const m of enclosing) {
      const access = this.moduleAccess(m);
      if (access.level === 'none') return { kind: 'missing' };
      if (abs === m.folder) return { kind: 'moduleFolder', module: m, access };
      if (!atLeast(access.level, 'open')) {
        if (abs === path.join(m.folder, INTERFACE_FILE)) {
          if (atLeast(access.level, 'reference')) return { kind: 'interfaceFile', module: m, access };
          return { kind: 'denied', module: m, access, required: 'reference' };
        }
        return { kind: 'denied', module: m, access, required: 'open' };
      }
    }
    if (enclosing.length > 0) {
      const m = enclosing[enclosing.length - 1];
      return { kind: 'modulePath', module: m, access: this.moduleAccess(m) };
    }
    if (this.isHiddenFolder(abs)) return { kind: 'missing' };
    return { kind: 'environmentPath', access: this.environmentAccess(), policy: false };
  }

  /** True when the user may read the file or folder at `abs` (≥ `open` through every enclosing module, or a readable environment file). */
  canRead(abs: string): boolean {
    const v = this.decidePath(abs);
    if (v.kind === 'modulePath') return true;
    if (v.kind === 'moduleFolder') return atLeast(v.access.level, 'open');
    if (v.kind === 'environmentPath') return atLeast(v.access, v.policy ? 'full' : 'open');
    return false;
  }

  /**
   * True when the user may write the file at `abs` (SPEC 2.3, 4): a module path at `change` or above
   * through every enclosing module, an environment file (outside modules) only for admins (`full`).
   * The same rule as the `readonly` flag of `protectedModules/stat` and `readFile`; never throws.
   */
  canWrite(abs: string): boolean {
    const v = this.decidePath(abs);
    if (v.kind === 'modulePath' || v.kind === 'moduleFolder') return atLeast(v.access.level, 'change') && this.canRead(abs);
    if (v.kind === 'environmentPath') return atLeast(v.access, 'full');
    return false;
  }

  /** A folder outside modules (or one of its ancestors) that holds modules, none of them visible to the user. */
  private isHiddenFolder(abs: string): boolean {
    if (!this.hiddenFolders) {
      // Every folder outside modules on the way to a module, with whether a visible module lies below.
      const visibleBelow = new Map<string, boolean>();
      for (const m of this.env.modules) {
        const visible = this.moduleAccess(m).level !== 'none';
        for (let p = path.dirname(m.folder); isInsidePath(this.env.root, p) && p !== this.env.root; p = path.dirname(p)) {
          visibleBelow.set(p, (visibleBelow.get(p) ?? false) || visible);
        }
      }
      this.hiddenFolders = new Set([...visibleBelow].filter(([, v]) => !v).map(([p]) => p));
    }
    if (this.hiddenFolders.size === 0) return false;
    for (let p = abs; p !== this.env.root && isInsidePath(this.env.root, p); p = path.dirname(p)) {
      if (this.hiddenFolders.has(p)) return true;
    }
    return false;
  }
}
