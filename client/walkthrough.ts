/**
 * The walkthroughs (package.json `contributes.walkthroughs`: one path each for the contractor, the
 * owner and the reviewer; texts in client/walkthrough/*.md), opened on the first start of the
 * example environment (`environment.json` named "Acme Development") — the path of the current
 * user's role: owner for an admin, reviewer for a member of `reviewers`, contractor otherwise.
 * Once per installation (global state), and only while the setting
 * `protectedModules.openWalkthroughOnFirstStart` is on.
 */
import * as vscode from 'vscode';
import type { Environments } from './environments';
import { fetchDirectory } from './commands/manageAccess';
import { Requests } from '../shared/protocol';

const SHOWN_KEY = 'protectedModules.walkthroughShown';
const EXAMPLE_NAME = 'Acme Development';

/** The walkthrough id of a user's role. */
export function walkthroughFor(who: { admin: boolean; groups: string[] } | undefined): 'owner' | 'reviewer' | 'contractor' {
  if (who?.admin) return 'owner';
  if (who?.groups.includes('reviewers')) return 'reviewer';
  return 'contractor';
}

/**
 * Opens the role's walkthrough when this is the first start of the example.
 * @returns the walkthrough opened (`<extension id>#<id>`), or `undefined`
 */
export async function openWalkthroughOnFirstStart(context: vscode.ExtensionContext, environments: Environments): Promise<string | undefined> {
  if (!vscode.workspace.getConfiguration('protectedModules').get<boolean>('openWalkthroughOnFirstStart', true)) return undefined;
  if (context.globalState.get<boolean>(SHOWN_KEY)) return undefined;
  let conn: ReturnType<Environments['all']>[number] | undefined;
  for (const c of environments.all()) {
    await c.whenRunning();
    if ((await fetchDirectory(c))?.name === EXAMPLE_NAME) conn = c;
  }
  if (!conn) return undefined;
  const who = await conn.request(Requests.whoami, {}).catch(() => undefined);
  const id = `${context.extension.id}#${walkthroughFor(who)}`;
  await context.globalState.update(SHOWN_KEY, true);
  await vscode.commands.executeCommand('workbench.action.openWalkthrough', id, false);
  return id;
}
