/**
 * What **Manage Access…** and **Unprotect Module** tell an owner, computed from the server's
 * `protectedModules/accessOverview` (shared/protocol/editor.ts). Pure: no `vscode` import;
 * unit-tested in test/client/accessOverview.test.ts.
 */
import { ACCESS_LEVELS, accessRank, atLeast, maxAccess, type AccessLevel } from '../shared/access/levels';
import type { AccessOverviewResult } from '../shared/protocol';

/** The grant of exactly `to` on exactly `module` (the one Manage Access edits), if any. */
export function currentGrant(overview: AccessOverviewResult, to: string): AccessLevel | undefined {
  return overview.grants.find((g) => g.module === overview.module && g.to === to)?.access;
}

/**
 * The users who may not read the module now (below `open`) and could after it is unprotected
 * (SPEC 2.3 rule 4: an unprotected module gives max(G, defaultAccess)); owners and admins already
 * have `full`. For a protected module a user's current level is G itself.
 * @returns user ids with the level they would get, in the overview's order
 */
export function gainReadOnUnprotect(overview: AccessOverviewResult): { id: string; access: AccessLevel }[] {
  if (!overview.protected) return [];
  const out: { id: string; access: AccessLevel }[] = [];
  for (const u of overview.users) {
    if (atLeast(u.access, 'open')) continue;
    const after = maxAccess(u.access, overview.defaultAccess);
    if (atLeast(after, 'open')) out.push({ id: u.id, access: after });
  }
  return out;
}

/** The confirmation text of **Unprotect Module** (message and detail of a modal dialog). */
export function unprotectConfirmation(overview: AccessOverviewResult): { message: string; detail: string } {
  const gain = gainReadOnUnprotect(overview);
  const message = `Unprotect ${overview.module}?`;
  const detail = gain.length
    ? `These users would gain read access to its sources: ${gain.map((g) => `${g.id} (${g.access})`).join(', ')}. ` +
      `Every known user gets at least the default access (${overview.defaultAccess}) to an unprotected module.`
    : `Nobody gains read access to its sources (the default access is ${overview.defaultAccess}); its source stays as visible as it is now.`;
  return { message, detail };
}

/** The levels Manage Access offers, in the order shown: never `none` first (it removes a grant). */
export function levelChoices(current: AccessLevel | undefined): { level: AccessLevel; current: boolean }[] {
  const levels: { level: AccessLevel; current: boolean }[] = ACCESS_LEVELS.filter((l) => l !== 'none').map((level) => ({ level, current: level === current }));
  // "remove the grant" only where there is one, and last
  if (current !== undefined) levels.push({ level: 'none', current: false });
  return levels;
}

/** Sorts levels high to low (for summaries). */
export function byLevelDesc(a: AccessLevel, b: AccessLevel): number {
  return accessRank(b) - accessRank(a);
}
