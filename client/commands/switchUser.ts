/**
 * **Switch User…** (SPEC 5): a quick pick of the environment's users (from `environment.json`'s
 * `users`, read from disk — the server has no request that lists users — plus "Other user…" for
 * free text, which is also all there is when the file cannot be read), then updates the
 * `protectedModules.user` setting. The server re-reads the setting (didChangeConfiguration),
 * re-evaluates every answer and sends `didChangeAccess`; the views follow.
 *
 * Argument (optional): the user id, skipping the quick pick.
 *
 * Unsaved changes (issue 13 point 2): before the switch, every dirty editor of a local
 * environment's file that the new user may not read is found (the access gate of SPEC 2.3 run on
 * this machine for the new user — local mode previews a folder the person can already read); if
 * there is any, a modal asks, as VS Code does when closing a dirty editor: **Save** (saved as the
 * current user, then switch), **Discard** (reverted, then switch) or Cancel (no switch).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { AccessGate } from '../../shared/access/gate';
import { loadEnvironment, realPathOf } from '../../shared/environment/load';
import { MODULES_SCHEME } from '../../shared/protocol';
import type { Environments } from '../environments';
import { CONFIG_SECTION, userSetting } from '../languageClient';
import { validateUserId } from '../users';
import { plainLabel } from '../labels';
import { fetchDirectory } from './manageAccess';
import { Requests } from '../../shared/protocol';

/** Writes `protectedModules.user` where it takes effect (workspace value if one exists, else user settings). */
export async function writeUserSetting(user: string): Promise<void> {
  const config = vscode.workspace.getConfiguration(CONFIG_SECTION);
  const info = config.inspect<string>('user');
  const target = info?.workspaceValue !== undefined ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  await config.update('user', user, target);
}

/**
 * Switches user; resolves once every server reports the new user (or after 10 s).
 * @returns the new user id, or `undefined` when cancelled.
 */
export async function switchUser(environments: Environments, userArg?: string): Promise<string | undefined> {
  let user = typeof userArg === 'string' ? userArg.trim() : undefined;
  if (user && validateUserId(user)) {
    void vscode.window.showErrorMessage(`"${user}" is not a valid user id. ${validateUserId(user)}`);
    return undefined;
  }
  if (!user) {
    const current = userSetting();
    const conn = environments.all()[0];
    const dir = conn ? await fetchDirectory(conn) : undefined;
    const items: (vscode.QuickPickItem & { id?: string })[] = (dir?.users ?? []).map((u) => ({
      label: `${u.id === current ? '$(check)' : '$(person)'} ${u.id}`,
      description: [plainLabel(u.displayName), u.admin ? 'admin' : undefined].filter(Boolean).join(' · ') || undefined,
      detail: u.groups.length ? `groups: ${u.groups.join(', ')}` : undefined,
      id: u.id,
    }));
    items.push({ label: '$(edit) Other user…', description: 'type a user id' });
    const choice = await vscode.window.showQuickPick(items, {
      placeHolder: `Preview as which user? (now: ${current ?? 'none'}) — local mode previews what a user sees; it does not authenticate anyone`,
    });
    if (!choice) return undefined;
    user = choice.id;
    if (!user) {
      user = (await vscode.window.showInputBox({ prompt: 'User id', value: current, validateInput: (v) => validateUserId(v) }))?.trim();
      if (!user) return undefined;
    }
  }
  if (user !== userSetting() && !(await settleUnsavedChanges(environments, user))) return undefined;
  await writeUserSetting(user);
  // Wait until the servers have taken the new user (they re-read the setting).
  const end = Date.now() + 10000;
  for (const conn of environments.all()) {
    while (Date.now() < end) {
      try {
        const who = await conn.request(Requests.whoami, {});
        if (who.user === user) break;
      } catch {
        // restarting: try again
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return user;
}

/** A dirty document the user to switch to may not read (`read`: its editor closes) or may read but not change (`write`: it turns read-only and can no longer be saved). */
export interface UnsavedAtRisk {
  doc: vscode.TextDocument;
  loses: 'read' | 'write';
}

/**
 * The dirty text documents of local environments (`modules:` files and `file:` files under an
 * environment folder) that `user` may not read or may not change (SPEC 2.3, 4.1: the gate's
 * `canRead` / `canWrite`). An environment that cannot be loaded counts all its dirty files as
 * unreadable (never lose an edit silently). Environments served by a host are skipped (a host's
 * user is its token's, not switched here).
 * @param user the user id to switch to
 */
export function dirtyAtRiskFor(environments: Environments, user: string): UnsavedAtRisk[] {
  const gates = new Map<string, AccessGate | undefined>();
  const out: UnsavedAtRisk[] = [];
  for (const doc of vscode.workspace.textDocuments) {
    if (!doc.isDirty || (doc.uri.scheme !== MODULES_SCHEME && doc.uri.scheme !== 'file')) continue;
    const conn = environments.forUri(doc.uri);
    if (!conn || conn.env.host || !conn.env.path) continue;
    if (!gates.has(conn.env.path)) {
      let gate: AccessGate | undefined;
      try {
        gate = new AccessGate(loadEnvironment(conn.env.path), user);
      } catch {
        gate = undefined;
      }
      gates.set(conn.env.path, gate);
    }
    const gate = gates.get(conn.env.path);
    const abs =
      doc.uri.scheme === 'file'
        ? realPathOf(doc.uri.fsPath)
        : realPathOf(
            path.join(
              conn.env.path,
              ...path.posix
                .normalize('/' + doc.uri.path)
                .split('/')
                .filter(Boolean),
            ),
          );
    if (!gate || !gate.canRead(abs)) out.push({ doc, loses: 'read' });
    else if (!gate.canWrite(abs)) out.push({ doc, loses: 'write' });
  }
  return out;
}

/**
 * Asks what to do with unsaved changes `user` may not read (see the file comment) and does it.
 * @returns true when the switch may go on (nothing to ask, saved, or discarded), false on Cancel
 * or when a save failed (the user stays who they are, the edits stay in their editors).
 */
async function settleUnsavedChanges(environments: Environments, user: string): Promise<boolean> {
  const atRisk = dirtyAtRiskFor(environments, user);
  if (atRisk.length === 0) return true;
  const docs = atRisk.map((r) => r.doc);
  const names = docs.map((d) => path.posix.basename(d.uri.path));
  const what = docs.length === 1 ? names[0]! : `${docs.length} files`;
  const unreadable = atRisk.filter((r) => r.loses === 'read').map((r) => path.posix.basename(r.doc.uri.path));
  const readOnly = atRisk.filter((r) => r.loses === 'write').map((r) => path.posix.basename(r.doc.uri.path));
  const current = userSetting();
  const why: string[] = [];
  if (unreadable.length > 0) {
    why.push(
      `${user} may not read ${unreadable.length === 1 && docs.length === 1 ? 'this file' : unreadable.join(', ')}, so ${unreadable.length === 1 ? 'its editor closes' : 'their editors close'} when you switch.`,
    );
  }
  if (readOnly.length > 0) {
    why.push(
      `${user} may read but not change ${readOnly.length === 1 && docs.length === 1 ? 'this file' : readOnly.join(', ')}, so ${readOnly.length === 1 ? 'it turns' : 'they turn'} read-only and cannot be saved after you switch.`,
    );
  }
  const choice = await vscode.window.showWarningMessage(
    `Do you want to save the changes you made to ${what} before switching to ${user}?`,
    {
      modal: true,
      detail: `${why.join(' ')} Your changes will be lost if you don't save them.${current ? ` Cancel keeps you as ${current}.` : ''}`,
    },
    'Save',
    'Discard',
  );
  if (choice === 'Save') {
    for (const doc of docs) {
      let saved = false;
      try {
        saved = await doc.save();
      } catch {
        saved = false;
      }
      if (!saved) {
        void vscode.window.showErrorMessage(
          `${path.posix.basename(doc.uri.path)} could not be saved, so the user was not switched; your changes are still in its editor.`,
        );
        return false;
      }
    }
    return true;
  }
  if (choice === 'Discard') {
    for (const doc of docs) {
      if (!doc.isDirty) continue;
      await vscode.window.showTextDocument(doc, { preview: false, preserveFocus: false });
      await vscode.commands.executeCommand('workbench.action.files.revert');
    }
    return true;
  }
  return false;
}
