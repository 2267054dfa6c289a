/**
 * **Go to File…** and **Find in Modules…** share this: where a file the server names is opened.
 * A `modules://<env>/<path>` of the server becomes the URI of the workspace folder that shows
 * that environment (`modules:` in a module workspace, the file on disk in a plain `file:`
 * folder), so the file opens in the same editor as from the Explorer.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Requests, MODULES_SCHEME, type ListedFile } from '../../shared/protocol';
import type { Environments } from '../environments';
import type { EnvironmentConnection } from '../languageClient';
import { describeError } from '../errors';

/** The URI under which the window shows `rel` (a `/`-separated path below the environment). */
export function workspaceUriFor(conn: EnvironmentConnection, rel: string): vscode.Uri {
  const folders = vscode.workspace.workspaceFolders ?? [];
  const modulesFolder = folders.find((f) => f.uri.scheme === MODULES_SCHEME && f.uri.authority === conn.env.name);
  if (modulesFolder) return vscode.Uri.from({ scheme: MODULES_SCHEME, authority: conn.env.name, path: '/' + rel });
  const fileFolder = folders.find((f) => f.uri.scheme === 'file' && path.resolve(f.uri.fsPath) === path.resolve(conn.env.path));
  if (fileFolder) return vscode.Uri.file(path.join(conn.env.path, ...rel.split('/')));
  return vscode.Uri.from({ scheme: MODULES_SCHEME, authority: conn.env.name, path: '/' + rel });
}

/** Every file the user may read, per environment (`protectedModules/listFiles`). */
export async function readableFiles(environments: Environments): Promise<{ conn: EnvironmentConnection; file: ListedFile }[]> {
  const out: { conn: EnvironmentConnection; file: ListedFile }[] = [];
  for (const conn of environments.all()) {
    const r = await conn.request(Requests.listFiles, { uri: `${MODULES_SCHEME}://${conn.env.name}/` });
    for (const file of r.files) out.push({ conn, file });
  }
  return out;
}

/**
 * **Go to File…**: a quick pick over the files the user may read, from the server (never from a
 * walk of the disk), opening the chosen one.
 * @param pick (tests) the path to open without showing the quick pick
 * @returns the opened URI, or `undefined` when cancelled
 */
export async function goToFile(environments: Environments, pick?: string): Promise<vscode.Uri | undefined> {
  const quickPick = vscode.window.createQuickPick<vscode.QuickPickItem & { uri?: vscode.Uri }>();
  quickPick.placeholder = 'Go to a file you may read (by name or path)';
  quickPick.matchOnDescription = true;
  quickPick.busy = true;
  if (pick === undefined) quickPick.show();
  let items: (vscode.QuickPickItem & { uri?: vscode.Uri })[];
  try {
    const files = await readableFiles(environments);
    const several = environments.all().length > 1;
    items = files.map(({ conn, file }) => ({
      label: `$(file) ${path.posix.basename(file.path)}`,
      description: `${several ? `${file.environment}/` : ''}${file.path}${file.readonly ? ' · read-only' : ''}`,
      uri: workspaceUriFor(conn, file.path),
    }));
  } catch (e) {
    quickPick.dispose();
    void vscode.window.showErrorMessage(describeError('list the files you may read', e));
    return undefined;
  }
  if (pick !== undefined) {
    quickPick.dispose();
    const hit = items.find((i) => i.description?.replace(/ · read-only$/, '').endsWith(pick));
    if (!hit?.uri) return undefined;
    await vscode.commands.executeCommand('vscode.open', hit.uri);
    return hit.uri;
  }
  quickPick.items = items;
  quickPick.busy = false;
  const chosen = await new Promise<vscode.Uri | undefined>((resolve) => {
    quickPick.onDidAccept(() => resolve(quickPick.selectedItems[0]?.uri));
    quickPick.onDidHide(() => resolve(undefined));
  });
  quickPick.dispose();
  if (chosen) await vscode.commands.executeCommand('vscode.open', chosen);
  return chosen;
}

/**
 * **Open Module Path…**: opens a path of the environment as typed (e.g.
 * `modules/order-api/actions/Orders.logic`) through the `modules` file system — a file the user
 * may not read shows the permission-denied view (SPEC 5), a hidden or missing one "not found".
 * This is how to reach the denied view in a module workspace, whose Explorer lists only what the
 * user may see (README "What you will see").
 * @param pathArg (tests) the path, skipping the input box
 * @returns the URI opened, or `undefined` when cancelled
 */
export async function openModulePath(environments: Environments, pathArg?: string): Promise<vscode.Uri | undefined> {
  const conn = environments.all()[0];
  if (!conn) {
    void vscode.window.showErrorMessage('No Protected Modules environment is open in this window.');
    return undefined;
  }
  const typed =
    pathArg ??
    (await vscode.window.showInputBox({
      prompt: `A path in ${conn.env.name}, relative to its folder`,
      placeHolder: 'modules/order-api/actions/Orders.logic',
    }));
  const rel = typed?.trim().replace(/\\/g, '/').replace(/^\/+/, '');
  if (!rel) return undefined;
  const uri = vscode.Uri.from({ scheme: MODULES_SCHEME, authority: conn.env.name, path: '/' + rel });
  try {
    await vscode.commands.executeCommand('vscode.open', uri);
  } catch (e) {
    void vscode.window.showErrorMessage(describeError(`open ${rel}`, e));
  }
  return uri;
}
