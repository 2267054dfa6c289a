/**
 * **Manage Access…** (SPEC 5): pick a module where the user has `full` → pick who (`user:<id>`,
 * `group:<name>` or `*`, offered from `environment.json`'s users and groups, or typed) → pick an
 * access level (`none` removes the grant) → `protectedModules/grantAccess`.
 *
 * Arguments (all optional, for menus and tests): the module, `to`, `access`.
 */
import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ACCESS_LEVELS, isAccessLevel, type AccessLevel } from '../../shared/access/levels';
import type { Environments } from '../environments';
import { describeError } from '../errors';
import { plainLabel } from '../labels';
import { parseEnvironmentUsers, USER_ID_PATTERN, type EnvironmentDirectory } from '../users';
import { pickModule, type ModuleArgument } from './pickModule';

const LEVEL_HELP: Record<AccessLevel, string> = {
  none: 'remove the grant',
  list: 'see name, version, owner and description',
  reference: 'use its public elements (signatures and docs), not see its source',
  open: 'read its sources, read-only',
  change: 'read and edit its sources',
  full: 'also change protection and grants',
};

/** The users and groups of an environment, read from its `environment.json` on disk. */
export function readDirectory(envPath: string): EnvironmentDirectory | undefined {
  if (!envPath) return undefined; // served by a host: nothing of it on this disk
  try {
    return parseEnvironmentUsers(fs.readFileSync(path.join(envPath, 'environment.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** True when `to` has the shape of a grant's `to` (SPEC 2.1). */
export function isGrantee(to: string): boolean {
  if (to === '*') return true;
  const m = /^(user|group):(.+)$/.exec(to);
  if (!m) return false;
  return m[1] === 'user' ? USER_ID_PATTERN.test(m[2]!) : /^\S+$/.test(m[2]!);
}

export async function manageAccess(
  environments: Environments,
  arg: ModuleArgument,
  toArg?: string,
  accessArg?: string,
): Promise<boolean> {
  const picked = await pickModule(environments, arg, (m) => m.access === 'full', {
    placeholder: 'Manage access to which module?',
    none: 'You do not own or administer any module, so you cannot manage access.',
    notAllowed: (m) =>
      `You cannot manage access to ${m.name}: that needs full access (its owner ${m.owner} or an environment admin); yours is ${m.access}.`,
  });
  if (!picked) return false;
  const module = picked.module.name;

  let to = toArg;
  if (!to) {
    const dir = readDirectory(picked.conn.env.path);
    const items: (vscode.QuickPickItem & { to?: string })[] = [];
    for (const u of dir?.users ?? []) {
      items.push({ label: `$(person) user:${u.id}`, description: plainLabel(u.displayName), detail: u.groups.length ? `groups: ${u.groups.join(', ')}` : undefined, to: `user:${u.id}` });
    }
    for (const g of dir?.groups ?? []) items.push({ label: `$(organization) group:${g}`, to: `group:${g}` });
    items.push({ label: '$(globe) *', description: 'every known user', to: '*' });
    items.push({ label: '$(edit) Other…', description: 'type user:<id> or group:<name>' });
    const choice = await vscode.window.showQuickPick(items, { placeHolder: `Grant access to ${module} to whom?` });
    if (!choice) return false;
    to = choice.to;
    if (!to) {
      to = await vscode.window.showInputBox({
        prompt: `Grant access to ${module} to: user:<id>, group:<name> or *`,
        validateInput: (v) => (isGrantee(v.trim()) ? undefined : 'Write user:<id>, group:<name> or *'),
      });
      if (!to) return false;
      to = to.trim();
    }
  }
  if (!isGrantee(to)) {
    void vscode.window.showErrorMessage(`"${to}" is not a grantee: write user:<id>, group:<name> or *.`);
    return false;
  }

  let access: AccessLevel | undefined = isAccessLevel(accessArg) ? accessArg : undefined;
  if (accessArg !== undefined && !access) {
    void vscode.window.showErrorMessage(`"${accessArg}" is not an access level (${ACCESS_LEVELS.join(', ')}).`);
    return false;
  }
  if (!access) {
    const choice = await vscode.window.showQuickPick(
      ACCESS_LEVELS.map((level) => ({ label: level, description: LEVEL_HELP[level], level })),
      { placeHolder: `Access of ${to} to ${module}` },
    );
    if (!choice) return false;
    access = choice.level;
  }

  try {
    await picked.conn.request('protectedModules/grantAccess', { module, to, access });
  } catch (e) {
    void vscode.window.showErrorMessage(describeError(`change the access of ${to} to ${module}`, e));
    return false;
  }
  void vscode.window.showInformationMessage(
    access === 'none' ? `Removed the grant of ${to} on ${module}.` : `${to} now has ${access} access to ${module}.`,
  );
  return true;
}
