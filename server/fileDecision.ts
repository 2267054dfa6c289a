/**
 * The access decision of the custom file system (SPEC 4, 4.1), as `server/filesystem.ts`'s requests
 * and the IDE features take it: a URI located in its environment ({@link Workspace.locate}, which
 * walks it under the access gate, `shared/access/gate.ts`) becomes a {@link Decision}, or a denial,
 * or FileNotFound — before any look-up of what it refuses. The rule itself is the gate's; this file
 * only says what the gate's verdict means for a request.
 */
import type { ModuleInfo } from '../shared/environment/model';
import { atLeast, type AccessLevel } from '../shared/access/levels';
import { fileNotFound, permissionDenied } from './errors';
import { deniedData } from './fileMessages';
import type { Access, EnvironmentState, Located, Workspace } from './workspace';

/** The outcome of the access decision for one URI (see {@link decide}). */
export type Decision =
  /** The folder of a module the user can see (≥ `list`). */
  | { kind: 'moduleFolder'; state: EnvironmentState; path: string; module: ModuleInfo; access: Access; exists: boolean }
  /** A path strictly inside a module the user may open (≥ `open` through every enclosing module); it may not exist. */
  | { kind: 'modulePath'; state: EnvironmentState; path: string; module: ModuleInfo; access: Access; exists: boolean; existing: string }
  /** The virtual `INTERFACE.logic` in the folder of a module at `reference`. */
  | { kind: 'interfaceFile'; state: EnvironmentState; path: string; module: ModuleInfo; access: Access }
  /** A `module-interface://` document of a module at ≥ `reference`. */
  | { kind: 'interfaceDocument'; state: EnvironmentState; module: ModuleInfo; access: Access }
  /** A path outside every module (existing, unless the user is an admin); `access` from
   *  {@link Workspace.environmentAccess}. */
  | { kind: 'environmentPath'; state: EnvironmentState; path: string; access: AccessLevel; exists: boolean; existing: string; policy: boolean };

/** A path inside a module below what reading it needs (becomes PermissionDenied). */
export interface Denial {
  kind: 'denied';
  module: ModuleInfo;
  access: Access;
  required: AccessLevel;
}

/** Throws the PermissionDenied of a {@link Denial}; passes a decision through. */
export function orThrow(d: Decision | Denial): Decision {
  if (d.kind === 'denied') throw permissionDenied(deniedData(d.module, d.access, d.required));
  return d;
}

/**
 * The access decision for a URI (SPEC 4, 4.1), taken before any look-up of what it refuses.
 * @throws FileNotFound for an unknown URI, a path that leaves its environment, a hidden path, a
 *   module at `none` (or a folder holding only such modules), a missing path outside modules;
 *   PermissionDenied for a path inside a module below `open` (below `reference` for its
 *   `INTERFACE.logic`)
 */
export function decide(ws: Workspace, uri: string): Decision {
  return orThrow(classify(ws, uri));
}

/** {@link decide} for a URI already located ({@link Workspace.locate}). */
export function decideLocated(ws: Workspace, l: Located): Decision {
  return orThrow(classifyLocated(ws, l));
}

/**
 * The access decision for a URI, with a denial returned instead of thrown (`protectedModules/access`
 * reports it).
 * @throws FileNotFound as {@link decide}
 */
export function classify(ws: Workspace, uri: string): Decision | Denial {
  const l = ws.locate(uri);
  if (!l) throw fileNotFound();
  return classifyLocated(ws, l);
}

/** {@link classify} for a URI already located ({@link Workspace.locate}). */
export function classifyLocated(ws: Workspace, l: Located): Decision | Denial {
  if (l.kind === 'interface') {
    const hit = ws.moduleByName(l.module, l.state);
    if (!hit) throw fileNotFound();
    if (!atLeast(hit.access.level, 'reference')) return { kind: 'denied', module: hit.module, access: hit.access, required: 'reference' };
    return { kind: 'interfaceDocument', state: hit.state, module: hit.module, access: hit.access };
  }
  const { state, walk } = l;
  const v = walk.verdict;
  const exists = walk.kind === 'resolved' && walk.exists;
  const existing = walk.kind === 'resolved' ? walk.existing : state.root;
  switch (v.kind) {
    case 'missing':
      throw fileNotFound();
    case 'denied':
      return { kind: 'denied', module: v.module, access: v.access, required: v.required };
    case 'interfaceFile':
      return { kind: 'interfaceFile', state, path: walk.path, module: v.module, access: v.access };
    case 'moduleFolder':
      return { kind: 'moduleFolder', state, path: walk.path, module: v.module, access: v.access, exists: walk.kind === 'refused' || exists };
    case 'modulePath':
      if (walk.kind === 'refused') throw fileNotFound();
      return { kind: 'modulePath', state, path: walk.path, module: v.module, access: v.access, exists, existing };
    case 'environmentPath':
      if (walk.kind === 'refused') throw fileNotFound();
      // Existence first for everyone who could not create the path (admins see everything anyway).
      if (!exists && !atLeast(v.access, 'full')) throw fileNotFound();
      return { kind: 'environmentPath', state, path: walk.path, access: v.access, exists, existing, policy: v.policy };
  }
}
