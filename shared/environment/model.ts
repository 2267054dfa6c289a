/**
 * The in-memory model of a module environment on disk (SPEC 2): its access policy
 * (`environment.json`) and its modules (`module.json` + `*.logic` files).
 *
 * Paths are absolute file-system paths unless named `rel…`, which are relative to the
 * environment root and always use `/`.
 */
import type { AccessLevel } from '../access/levels';
import type { Diagnostic } from '../language/diagnostics';

/** One entry of `environment.json` `users` (SPEC 2.1). */
export interface UserInfo {
  displayName?: string;
  groups: string[];
}

/** One entry of `environment.json` `grants` (SPEC 2.1). */
export interface Grant {
  /** A module name or `*`. */
  module: string;
  /** `user:<id>`, `group:<name>` or `*`. */
  to: string;
  access: AccessLevel;
}

/** A valid `environment.json`, defaults applied (SPEC 2.1). */
export interface Policy {
  name: string;
  /** The environment's id (SPEC 9), which a sealed module may be bound to. */
  id?: string;
  /** Publisher name → `ed25519:<base64>` signing key whose seals this environment accepts (SPEC 9). */
  trustedPublishers?: Record<string, string>;
  admins: string[];
  users: Record<string, UserInfo>;
  defaultAccess: AccessLevel;
  grants: Grant[];
}

export type ModuleKind = 'service' | 'ui' | 'library';

/** A valid `module.json`, defaults applied (SPEC 2.2). */
export interface ModuleManifest {
  name: string;
  version: string;
  kind: ModuleKind;
  owner: string;
  description?: string;
  protected: boolean;
  /** Module name → semver range. */
  dependencies: Record<string, string>;
}

/** A diagnostic located in a file of the environment. */
export interface FileDiagnostic extends Diagnostic {
  /** Absolute path of the file. */
  path: string;
}

/** A module found on disk (SPEC 2): a folder with a `module.json`. */
export interface ModuleInfo {
  /** The manifest; `undefined` when `module.json` is invalid (see `diagnostics`). */
  manifest?: ModuleManifest;
  /** The module's name: the manifest's, or (invalid manifest) the `name` field if it is a string,
   *  else the folder name. Used only to report; an invalid module is never resolvable by name. */
  name: string;
  /** Absolute path of the module folder (symbolic links resolved). */
  folder: string;
  /** The folder relative to the environment root, `/`-separated (`''` never: the root is not a module). */
  relFolder: string;
  /** Absolute path of `module.json`. */
  manifestPath: string;
  /** Absolute paths of the module's `*.logic` files (not those of nested modules), sorted. */
  files: string[];
  /** `invalid-manifest` diagnostics of `module.json` (and duplicate names), empty when valid. */
  diagnostics: FileDiagnostic[];
  /** The `owner` written in `module.json` when it is a valid user id, set even when the manifest is
   *  invalid, so that the owner can still open and fix it (see `accessSubject` in access/resolve.ts:
   *  a module without a valid manifest is treated as protected, owned by this user, if any). */
  declaredOwner?: string;
  /** Set when the folder holds a `SEAL.json` (a sealed module, SPEC 9); see `shared/environment/seal.ts`. */
  sealed?: SealedInfo;
}

/** What the loader found out about a sealed module (SPEC 9), verified at every load. */
export interface SealedInfo {
  /** The publisher named in `SEAL.json` (`''` when it cannot be read). */
  publisher: string;
  /** True when the seal verified: signature by a trusted publisher, every file's sha256, the
   *  environment binding, nothing else in the folder. */
  valid: boolean;
  /** Why verification failed (one sentence, for admins), when `valid` is false. */
  reason?: string;
  /** The verified text of `INTERFACE.logic` (only when `valid`): the Program reads this, never the disk. */
  interfaceText?: string;
  /** The environment id the seal is bound to, when it is bound. */
  environment?: string;
}

/** A whole environment as read from disk. */
export interface Environment {
  /** Absolute path of the environment folder (symbolic links resolved). */
  root: string;
  /** The folder's base name: the authority of `modules://` and `module-interface://` URIs. */
  folderName: string;
  /** Absolute path of `environment.json`. */
  policyPath: string;
  /** Where `environment.json` really is when it is a link (to a file inside the environment): that
   *  file is the policy too, readable by admins only (SPEC 4.1). */
  policyTarget?: string;
  /** The policy; `undefined` when `environment.json` is invalid or unreadable (fail closed, SPEC 2.3 rule 1). */
  policy?: Policy;
  /** While the policy is invalid: the user ids its `admins` array names (read tolerantly), who
   *  alone see the details of what is wrong (SPEC 4.1 "the policy is the admins'"). */
  declaredAdmins?: string[];
  /** `invalid-environment` diagnostics of `environment.json`. */
  policyDiagnostics: FileDiagnostic[];
  /** Every module folder found, in path order. */
  modules: ModuleInfo[];
}
