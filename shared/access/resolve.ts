/**
 * The effective-access rule of SPEC 2.3: which level a user has on a module, and why.
 *
 * Pure functions of the policy (`environment.json`, SPEC 2.1) and a module's name, owner and
 * protection flag (SPEC 2.2). The `reason` strings are sent to the user they are about, so they
 * only ever mention that user, their own groups, the one grant that applies, and the module —
 * and when the result is `none` they mention neither the module's name nor whether it is
 * protected (for that user the module does not exist, SPEC 2.3).
 */
import type { ModuleInfo, Policy, Grant } from '../environment/model';
import { type AccessLevel, accessRank, maxAccess } from './levels';

/** The outcome of `resolveAccess`. */
export interface AccessDecision {
  /** The effective access level (SPEC 2.3). */
  level: AccessLevel;
  /** One short plain-English sentence for the user concerned, e.g.
   *  "bob is in group contractors, granted reference on OrderAPI." */
  reason: string;
}

/** What the access rule needs to know about a module (SPEC 2.2). */
export interface AccessSubject {
  /** The module's name. */
  name: string;
  /** The owner's user id (`''` when there is none: nobody is the owner). */
  owner: string;
  /** The module's `protected` flag. */
  protected: boolean;
}

/** What `protectedModules/whoami` tells about a user (SPEC 4). */
export interface UserSummary {
  /** True when the policy is valid and lists the user in `users`. */
  known: boolean;
  /** The user's `displayName`, when known and set. */
  displayName?: string;
  /** The user's groups (empty when unknown). */
  groups: string[];
  /** True when the user is known and listed in `admins` (an unknown admin has no effect, SPEC 2.3 rule 1). */
  admin: boolean;
}

/**
 * The effective access of `user` on `module` (SPEC 2.3), in rule order:
 * 1. no user, an unknown user, or an invalid policy (`undefined`): `none` on a protected module,
 *    `list` on any other (fail closed);
 * 2. the module's owner or an environment admin: `full`;
 * 3. G = the highest `access` of the grants whose `module` is the module's name or `*` and whose
 *    `to` is `user:<user>`, `group:<one of the user's groups>` or `*`;
 * 4. protected: G (`none` without a matching grant); not protected: max(G, `defaultAccess`).
 *
 * @param policy the valid policy, or `undefined` when `environment.json` is invalid or missing
 * @param module the module's name, owner and protection flag (see `accessSubject`)
 * @param user the current user's id, or `null` when none is set
 * @returns the level and a reason that reveals nothing the user may not see. Never throws.
 */
export function resolveAccess(policy: Policy | undefined, module: AccessSubject, user: string | null): AccessDecision {
  const failClosed: AccessLevel = module.protected ? 'none' : 'list';
  // Rule 1. These reasons do not depend on the module, so they reveal nothing about it.
  if (!policy) {
    return {
      level: failClosed,
      reason: 'The access policy (environment.json) is invalid, so access is restricted until it is fixed.',
    };
  }
  if (user === null || user === '') {
    return { level: failClosed, reason: 'No user is set, so access is restricted.' };
  }
  const info = userInfo(policy, user);
  if (!info.known) {
    return { level: failClosed, reason: `${user} is not a known user of this environment, so access is restricted.` };
  }

  // Rule 2.
  if (module.owner !== '' && module.owner === user) {
    return { level: 'full', reason: `${user} is the owner of ${module.name}.` };
  }
  if (info.admin) {
    return { level: 'full', reason: `${user} is an admin of this environment.` };
  }

  // Rule 3.
  const best = bestGrant(policy.grants, module.name, user, info.groups);
  const g: AccessLevel = best ? best.access : 'none';

  // Rule 4.
  let level: AccessLevel;
  let reason: string;
  if (module.protected || accessRank(g) > accessRank(policy.defaultAccess)) {
    level = g;
    reason = best ? describeGrant(best, module.name, user) : '';
  } else {
    level = maxAccess(g, policy.defaultAccess);
    reason = `${module.name} is not protected, and every known user has ${policy.defaultAccess} on unprotected modules.`;
  }
  if (level === 'none') reason = `${user} has no access to this module.`;
  return { level, reason };
}

/**
 * The `whoami` view of a user (SPEC 4 `protectedModules/whoami`, rules of SPEC 2.1/2.3).
 *
 * @param policy the valid policy, or `undefined` when it is invalid (then nobody is known)
 * @param user the user's id, or `null`
 * @returns `{ known, displayName?, groups, admin }`; `groups` is a copy. Never throws.
 */
export function userInfo(policy: Policy | undefined, user: string | null): UserSummary {
  if (!policy || user === null || !Object.prototype.hasOwnProperty.call(policy.users, user)) {
    return { known: false, groups: [], admin: false };
  }
  const u = policy.users[user];
  const out: UserSummary = { known: true, groups: [...u.groups], admin: policy.admins.includes(user) };
  if (u.displayName !== undefined) out.displayName = u.displayName;
  return out;
}

/**
 * What `resolveAccess` should be given for a discovered module. A module without a valid
 * manifest (invalid or duplicate `module.json`) is treated as protected and owned by the
 * `owner` its `module.json` names, if that is a valid user id: it fails closed for everyone
 * else, while its owner and the admins can still open and fix it (a decision; SPEC 2.3 is silent).
 *
 * @param info a module found by `loadEnvironment`
 * @returns its name, owner (`''` when unknown) and protection flag. Never throws.
 */
export function accessSubject(info: ModuleInfo): AccessSubject {
  if (info.manifest) {
    return { name: info.manifest.name, owner: info.manifest.owner, protected: info.manifest.protected };
  }
  return { name: info.name, owner: info.declaredOwner ?? '', protected: true };
}

/**
 * `resolveAccess(policy, accessSubject(info), user)`: the access of `user` on a discovered module.
 */
export function resolveModuleAccess(policy: Policy | undefined, info: ModuleInfo, user: string | null): AccessDecision {
  return capSealed(info, resolveAccess(policy, accessSubject(info), user));
}

// ----- SPEC 9: sealed modules (issue 11). The one place their access is capped.
/**
 * SPEC 9: every user's access to a sealed module — owner and admins included — is at most
 * `reference` (its sources are not in this environment, only its signed interface).
 * @param info the module (`info.sealed` set by the loader for a folder holding `SEAL.json`)
 * @param d the decision of SPEC 2.3
 * @returns `d` unchanged for an unsealed module or a level at most `reference`; otherwise
 *   `reference` with a reason naming the publisher. Never throws.
 */
export function capSealed(info: ModuleInfo, d: AccessDecision): AccessDecision {
  if (!info.sealed || accessRank(d.level) <= accessRank('reference')) return d;
  const by = info.sealed.publisher ? ` by ${info.sealed.publisher}` : '';
  return { level: 'reference', reason: `${info.name} is sealed${by}: its source is not in this environment, so everyone has at most reference.` };
}

/**
 * True when `grant` applies to `user` (with `groups`) on the module named `moduleName`
 * (SPEC 2.3 rule 3): its `module` is that name or `*`, and its `to` is `user:<user>`,
 * `group:<one of groups>` or `*`.
 */
export function grantApplies(grant: Grant, moduleName: string, user: string, groups: readonly string[]): boolean {
  if (grant.module !== '*' && grant.module !== moduleName) return false;
  if (grant.to === '*') return true;
  if (grant.to.startsWith('user:')) return grant.to.slice(5) === user;
  if (grant.to.startsWith('group:')) return groups.includes(grant.to.slice(6));
  return false;
}

/**
 * The grant that decides rule 3: the highest `access`; among equals the most specific (a named
 * module before `*`, then `user:` before `group:` before `*`), then the first in the file.
 */
function bestGrant(grants: readonly Grant[], moduleName: string, user: string, groups: readonly string[]): Grant | undefined {
  let best: Grant | undefined;
  let bestKey = -1;
  for (const g of grants) {
    if (!grantApplies(g, moduleName, user, groups)) continue;
    const specificity = (g.module === '*' ? 0 : 3) + (g.to === '*' ? 0 : g.to.startsWith('group:') ? 1 : 2);
    const key = accessRank(g.access) * 10 + specificity;
    if (key > bestKey) {
      best = g;
      bestKey = key;
    }
  }
  return best;
}

function describeGrant(g: Grant, moduleName: string, user: string): string {
  const on = g.module === '*' ? 'every module' : moduleName;
  if (g.to === '*') return `Every known user is granted ${g.access} on ${on}.`;
  if (g.to.startsWith('group:')) return `${user} is in group ${g.to.slice(6)}, granted ${g.access} on ${on}.`;
  return `${user} is granted ${g.access} on ${on}.`;
}
