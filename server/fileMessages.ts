/**
 * The texts the custom file system (SPEC 4) answers with: the `data` of `PermissionDenied` errors
 * and the `readonlyReason` of files a user may read but not change.
 */
import type { ModuleInfo } from '../shared/environment/model';
import type { AccessLevel } from '../shared/access/levels';
import type { PermissionDeniedData } from '../shared/protocol';
import type { Access } from './workspace';

/** The owner of a module (its manifest's, or the declared one of an invalid manifest; `''` when none). */
export function ownerOf(module: ModuleInfo): string {
  return module.manifest?.owner ?? module.declaredOwner ?? '';
}

/** The `data` of a `PermissionDenied` about a module. */
export function deniedData(module: ModuleInfo, access: Access, required: AccessLevel): PermissionDeniedData {
  const data: PermissionDeniedData = { module: module.name, access: access.level, required, owner: ownerOf(module) };
  // SPEC 9: a sealed module's files are refused for everyone; say who publishes it.
  if (module.sealed) data.sealed = { publisher: module.sealed.publisher };
  return data;
}

/** The `data` of a `PermissionDenied` about the environment's own files (no module, no owner). */
export function environmentDeniedData(access: AccessLevel, required: AccessLevel): PermissionDeniedData {
  return { module: '', access, required, owner: '' };
}

/** Why a file of `module` is read-only for a user with `access` (the text of `readonlyReason`). */
export function readonlyReason(module: ModuleInfo, access: AccessLevel): string {
  const owner = ownerOf(module);
  return `Module ${module.name} is read-only for you: your access is ${access}, editing needs change.` + (owner ? ` Its owner is ${owner}.` : '');
}

/** The `readonlyReason` of an interface document. */
export function interfaceReason(module: ModuleInfo, access: AccessLevel): string {
  const owner = ownerOf(module);
  return (
    `Generated interface of module ${module.name}: only its public elements are shown (your access is ${access}).` + (owner ? ` Its owner is ${owner}.` : '')
  );
}

/** The `readonlyReason` of the environment's own files for non-admins. */
export const ENVIRONMENT_READONLY_REASON = 'Files outside modules can be changed only by an admin of the environment.';
