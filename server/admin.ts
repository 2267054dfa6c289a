/**
 * The owner/admin requests of SPEC 4: `protectedModules/setProtection` and
 * `protectedModules/grantAccess`. Both need `full` on the module (its owner or an environment
 * admin; a grant on `*` needs an admin), edit the JSON with the formatting-preserving edits of
 * `shared/environment/edit.ts` (comments and layout survive), write it atomically, reload the
 * environment and fire the workspace's change event (→ `didChangeAccess`, `didChangeModules`,
 * diagnostics).
 *
 * Order of checks: parameters (InvalidParams) → policy valid (InvalidPolicy, answered the same for
 * every module name) → module visible (ModuleNotFound, the same for `none`) → `full`
 * (PermissionDenied).
 */
import { setGrant, setModuleProtected } from '../shared/environment/edit';
import { isGrantTarget, isModuleName } from '../shared/environment/schemas';
import { atLeast, isAccessLevel } from '../shared/access/levels';
import type { GrantAccessParams, SetProtectionParams } from '../shared/protocol';
import { invalidParams, invalidPolicy, moduleNotFound, notSupported, permissionDenied } from './errors';
import * as path from 'node:path';
import { ownerOf } from './fileMessages';
import type { EnvironmentState, Workspace } from './workspace';

/**
 * Where a file the server is about to edit really is, walked under the user's gate (SPEC 4.1: a
 * link is followed only into what the gate allows), with its text read by handle.
 * @throws a generic error (no path in it) when it is refused, missing or unreadable
 */
function readForEdit(workspace: Workspace, state: EnvironmentState, p: string): { path: string; text: string } {
  const walk = workspace.disk.walk(workspace.gate(state), p);
  const read = walk.kind === 'resolved' && walk.exists ? workspace.disk.readFileAt(walk.path) : undefined;
  if (!read) throw notSupported('The file could not be read.');
  return { path: walk.path, text: read.text };
}

/** Applies a formatting-preserving edit; a file with JSON syntax errors cannot be edited. */
function edit(text: string, apply: (text: string) => string, file: string): string {
  try {
    return apply(text);
  } catch {
    throw notSupported(`${file} has JSON syntax errors; fix them before changing it.`);
  }
}

/**
 * Writes an edited file atomically; a failure is a generic error (no path in it). A manifest or
 * policy that is a symbolic link (to a file inside the environment: the loader accepts no other)
 * is written at its target, so the link survives the edit instead of being replaced by a copy.
 */
function writeEdited(workspace: Workspace, p: string, text: string): void {
  try {
    workspace.disk.writeFileIn(path.dirname(p), path.dirname(p), path.basename(p), text);
  } catch {
    throw notSupported('The file could not be written.');
  }
}

/**
 * Finds the module an admin request is about and checks `full` on it.
 * @throws InvalidPolicy when the environment's policy is invalid (checked first, for every name),
 *   ModuleNotFound when the module does not exist for the user, PermissionDenied below `full`
 */
export function moduleForAdmin(workspace: Workspace, name: string) {
  const first: EnvironmentState | undefined = workspace.environments[0];
  const hit = workspace.moduleByName(name);
  const state = hit?.state ?? first;
  if (!state || !state.env.policy) throw state ? invalidPolicy() : moduleNotFound();
  if (!hit) throw moduleNotFound();
  if (!atLeast(hit.access.level, 'full')) {
    throw permissionDenied({
      module: hit.module.name,
      access: hit.access.level,
      required: 'full',
      owner: ownerOf(hit.module),
    });
  }
  return hit;
}

/**
 * `protectedModules/setProtection` `{ module, protected }` → `{}` (SPEC 4): sets `protected` in the
 * module's `module.json`, keeping its comments and formatting.
 */
export function setProtection(workspace: Workspace, params: SetProtectionParams): Record<string, never> {
  if (!params || typeof params.module !== 'string' || typeof params.protected !== 'boolean') {
    throw invalidParams('setProtection needs { module: string, protected: boolean }.');
  }
  const hit = moduleForAdmin(workspace, params.module);
  const file = readForEdit(workspace, hit.state, hit.module.manifestPath);
  writeEdited(
    workspace,
    file.path,
    edit(file.text, (t) => setModuleProtected(t, params.protected), 'module.json'),
  );
  workspace.wrote(hit.state, hit.module.manifestPath, true);
  return {};
}

/**
 * `protectedModules/grantAccess` `{ module, to, access }` → `{}` (SPEC 4): sets (or with
 * `access: "none"` removes) the grant of `module` to `to` in `environment.json`, keeping its
 * comments and formatting. `module` may be `*`, which needs an environment admin.
 */
export function grantAccess(workspace: Workspace, params: GrantAccessParams): Record<string, never> {
  if (
    !params ||
    typeof params.module !== 'string' ||
    !(params.module === '*' || isModuleName(params.module)) ||
    !isGrantTarget(params.to) ||
    !isAccessLevel(params.access)
  ) {
    throw invalidParams(
      'grantAccess needs { module: <module name> | "*", to: "user:<id>" | "group:<name>" | "*", access: none|list|reference|open|change|full }.',
    );
  }
  let state: EnvironmentState;
  if (params.module === '*') {
    const first = workspace.environments[0];
    if (!first) throw moduleNotFound();
    if (!first.env.policy) throw invalidPolicy();
    const level = workspace.environmentAccess(first);
    if (level !== 'full') throw permissionDenied({ module: '*', access: level, required: 'full', owner: '' });
    state = first;
  } else {
    state = moduleForAdmin(workspace, params.module).state;
  }
  const policyPath = state.env.policyPath;
  const file = readForEdit(workspace, state, policyPath);
  writeEdited(
    workspace,
    file.path,
    edit(file.text, (t) => setGrant(t, params.module, params.to, params.access), 'environment.json'),
  );
  workspace.wrote(state, policyPath, true);
  return {};
}
