/**
 * **Manage Access…** (SPEC 5): pick a module where the user has `full` → pick who (`user:<id>`,
 * `group:<name>` or `*`, each shown with its current grant and, for users, their effective
 * access and why — from the server's `protectedModules/accessOverview`, issue 13) → pick an access
 * level (the current grant pre-selected, never "none"; `none`, offered last and only where a grant
 * exists, removes it) → `protectedModules/grantAccess`.
 *
 * Arguments (all optional, for menus and tests): the module, `to`, `access`.
 */
import * as vscode from 'vscode';
import { ACCESS_LEVELS, isAccessLevel, type AccessLevel } from '../../shared/access/levels';
import type { Environments } from '../environments';
import { describeError } from '../errors';
import { plainLabel } from '../labels';
import { USER_ID_PATTERN, type EnvironmentDirectory } from '../users';
import { currentGrant, levelChoices } from '../accessOverview';
import type { AccessOverviewResult } from '../../shared/protocol';
import { pickModule, type ModuleArgument } from './pickModule';
import { Requests } from '../../shared/protocol';

const LEVEL_HELP: Record<AccessLevel, string> = {
  none: 'remove the grant',
  list: 'see name, version, owner and description',
  reference: 'use its public elements (signatures and docs), not see its source',
  open: 'read its sources, read-only',
  change: 'read and edit its sources',
  full: 'also change protection and grants',
};

/**
 * The users and groups of an environment as its server tells them (`protectedModules/environmentUsers`:
 * every user for admins, the caller alone for anyone else; SPEC 4.1 — the client never reads
 * `environment.json`). `undefined` when the server cannot answer.
 */
export async function fetchDirectory(conn: ReturnType<Environments['all']>[number]): Promise<EnvironmentDirectory | undefined> {
  try {
    const r = await conn.request(Requests.environmentUsers, {});
    return { ...(r.name !== undefined ? { name: r.name } : {}), users: r.users.map((u) => ({ ...u })), groups: r.groups };
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

export async function manageAccess(environments: Environments, arg: ModuleArgument, toArg?: string, accessArg?: string): Promise<boolean> {
  const picked = await pickModule(environments, arg, (m) => m.access === 'full', {
    placeholder: 'Manage access to which module?',
    none: 'You do not own or administer any module, so you cannot manage access.',
    notAllowed: (m) => `You cannot manage access to ${m.name}: that needs full access (its owner ${m.owner} or an environment admin); yours is ${m.access}.`,
  });
  if (!picked) return false;
  const module = picked.module.name;

  // Current grants and every user's effective level, from the server (the client does not read
  // the policy for this: the server decides who may see grants — `full`, like grantAccess).
  let overview: AccessOverviewResult | undefined;
  try {
    overview = await picked.conn.request(Requests.accessOverview, { module });
  } catch (e) {
    if (!toArg || !accessArg) {
      void vscode.window.showErrorMessage(describeError(`read the access to ${module}`, e));
      return false;
    }
  }

  let to = toArg;
  if (!to) {
    const o = overview!;
    const items: (vscode.QuickPickItem & { to?: string })[] = [];
    items.push({ label: 'Users', kind: vscode.QuickPickItemKind.Separator });
    for (const u of o.users) {
      const grant = currentGrant(o, `user:${u.id}`);
      items.push({
        label: `$(person) user:${u.id}`,
        description: `now ${u.access}${grant ? ` · grant: ${grant}` : ''}${plainLabel(u.displayName) ? ` · ${plainLabel(u.displayName)}` : ''}`,
        detail: plainLabel(u.reason),
        to: `user:${u.id}`,
      });
    }
    items.push({ label: 'Groups', kind: vscode.QuickPickItemKind.Separator });
    for (const g of o.groups) {
      const grant = currentGrant(o, `group:${g}`);
      const members = o.users.filter((u) => u.groups.includes(g)).map((u) => u.id);
      items.push({
        label: `$(organization) group:${g}`,
        description: grant ? `grant: ${grant}` : 'no grant',
        detail: members.length ? `members: ${members.join(', ')}` : undefined,
        to: `group:${g}`,
      });
    }
    const star = currentGrant(o, '*');
    items.push({ label: '$(globe) *', description: `every known user${star ? ` · grant: ${star}` : ''}`, to: '*' });
    items.push({ label: '$(edit) Other…', description: 'type user:<id> or group:<name>' });
    const otherGrants = o.grants.filter((g) => g.module === '*');
    const choice = await vscode.window.showQuickPick(items, {
      placeHolder: `Access to ${module} (${o.protected ? 'protected' : `not protected: every known user has at least ${o.defaultAccess}`}) — change whose?`,
      title: `Manage Access: ${module}${otherGrants.length ? ` · grants on every module: ${otherGrants.map((g) => `${g.to} ${g.access}`).join(', ')}` : ''}`,
      matchOnDescription: true,
    });
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
    const current = overview ? currentGrant(overview, to) : undefined;
    const items = levelChoices(current).map(({ level, current: isCurrent }) => ({
      label: level === 'none' ? 'none' : level,
      description: `${LEVEL_HELP[level]}${isCurrent ? ' (current grant)' : ''}`,
      level,
    }));
    const qp = vscode.window.createQuickPick<(typeof items)[number]>();
    qp.items = items;
    qp.placeholder = `Access of ${to} to ${module}${current ? ` (now granted ${current})` : ' (no grant yet)'}`;
    // the current grant is pre-selected; without one the lowest level — never "none"
    const active = items.find((i) => i.description.endsWith('(current grant)')) ?? items[0];
    if (active) qp.activeItems = [active];
    const choice = await new Promise<(typeof items)[number] | undefined>((resolve) => {
      qp.onDidAccept(() => resolve(qp.selectedItems[0] ?? qp.activeItems[0]));
      qp.onDidHide(() => resolve(undefined));
      qp.show();
    });
    qp.dispose();
    if (!choice) return false;
    if (current !== undefined && choice.level === current) {
      // Accepting the pre-selected current grant changes nothing: say so, write nothing.
      void vscode.window.showInformationMessage(`${to} already has a grant of ${current} on ${module}; nothing changed.`);
      return false;
    }
    access = choice.level;
  }

  try {
    await picked.conn.request(Requests.grantAccess, { module, to, access });
  } catch (e) {
    void vscode.window.showErrorMessage(describeError(`change the access of ${to} to ${module}`, e));
    return false;
  }
  void vscode.window.showInformationMessage(access === 'none' ? `Removed the grant of ${to} on ${module}.` : `${to} now has ${access} access to ${module}.`);
  return true;
}
