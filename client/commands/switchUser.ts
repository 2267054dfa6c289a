/**
 * **Switch User…** (SPEC 5): a quick pick of the environment's users (from `environment.json`'s
 * `users`, read from disk — the server has no request that lists users — plus "Other user…" for
 * free text, which is also all there is when the file cannot be read), then updates the
 * `protectedModules.user` setting. The server re-reads the setting (didChangeConfiguration),
 * re-evaluates every answer and sends `didChangeAccess`; the views follow.
 *
 * Argument (optional): the user id, skipping the quick pick.
 */
import * as vscode from 'vscode';
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
  const target =
    info?.workspaceValue !== undefined ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
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
      user = (
        await vscode.window.showInputBox({ prompt: 'User id', value: current, validateInput: (v) => validateUserId(v) })
      )?.trim();
      if (!user) return undefined;
    }
  }
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
