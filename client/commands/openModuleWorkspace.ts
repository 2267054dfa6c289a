/**
 * **Open Module Workspace…** (SPEC 5): pick an environment folder (one of the window's `file:`
 * folders with `environment.json`, or any folder) and reopen the window on
 * `modules://<folder name>/`, so every read and write passes the server's check. The name → path
 * mapping is remembered (global state) for the language server of the reopened window.
 *
 * The offer: when a plain `file:` folder with `environment.json` is open, ask once per workspace
 * whether to reopen it that way; "Don't Ask Again" turns `protectedModules.offerModuleWorkspace`
 * off in the user settings.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import { MODULES_SCHEME } from '../../shared/protocol';
import { isEnvironmentFolder, rememberEnvironmentPath } from '../environments';
import { CONFIG_SECTION } from '../languageClient';

/** The `modules://<name>/` URI of an environment folder on disk. */
export function moduleWorkspaceUri(folderPath: string): vscode.Uri {
  return vscode.Uri.from({ scheme: MODULES_SCHEME, authority: path.basename(folderPath), path: '/' });
}

/**
 * Runs the command. `arg`: a folder (Uri or path) to skip the pick; `options.dryRun` only
 * remembers the mapping and returns the URI (tests: reopening the window would end the test).
 */
export async function openModuleWorkspace(
  context: vscode.ExtensionContext,
  arg?: vscode.Uri | string,
  options: { dryRun?: boolean; newWindow?: boolean } = {},
): Promise<vscode.Uri | undefined> {
  let folder: string | undefined = arg instanceof vscode.Uri ? arg.fsPath : typeof arg === 'string' ? path.resolve(arg) : undefined;
  if (!folder) {
    const candidates = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file' && isEnvironmentFolder(f.uri.fsPath));
    const items: (vscode.QuickPickItem & { folder?: string })[] = candidates.map((f) => ({
      label: `$(root-folder) ${f.name}`,
      description: f.uri.fsPath,
      folder: f.uri.fsPath,
    }));
    items.push({ label: '$(folder-opened) Browse…', description: 'choose a folder that contains environment.json' });
    const choice = await vscode.window.showQuickPick(items, { placeHolder: 'Open which environment as a module workspace?' });
    if (!choice) return undefined;
    folder = choice.folder;
    if (!folder) {
      const picked = await vscode.window.showOpenDialog({
        canSelectFiles: false,
        canSelectFolders: true,
        canSelectMany: false,
        openLabel: 'Open Module Workspace',
      });
      folder = picked?.[0]?.fsPath;
      if (!folder) return undefined;
    }
  }
  if (!isEnvironmentFolder(folder)) {
    void vscode.window.showErrorMessage(`${folder} is not a Protected Modules environment: it has no environment.json at its root.`);
    return undefined;
  }
  const uri = moduleWorkspaceUri(folder);
  await rememberEnvironmentPath(context, uri.authority, folder);
  const workspaceFile = await writeWorkspaceFile(context, uri);
  if (!options.dryRun) {
    await vscode.commands.executeCommand('vscode.openFolder', workspaceFile, { forceNewWindow: !!options.newWindow });
  }
  return uri;
}

/**
 * Writes `<global storage>/workspaces/<name>.code-workspace` with the one folder
 * `modules://<name>/` (named after the environment: VS Code would label the folder "/").
 * @returns the workspace file's URI.
 */
export async function writeWorkspaceFile(context: vscode.ExtensionContext, uri: vscode.Uri): Promise<vscode.Uri> {
  const dir = vscode.Uri.joinPath(context.globalStorageUri, 'workspaces');
  await vscode.workspace.fs.createDirectory(dir);
  const file = vscode.Uri.joinPath(dir, `${uri.authority}.code-workspace`);
  const content = {
    folders: [{ uri: uri.toString(), name: `${uri.authority} (module workspace)` }],
    settings: {},
  };
  await vscode.workspace.fs.writeFile(file, new TextEncoder().encode(JSON.stringify(content, null, 2) + '\n'));
  return file;
}

const OFFERED_KEY = 'protectedModules.offeredModuleWorkspace';

/** Offers (once per workspace) to reopen a plain `file:` environment folder as a module workspace. */
export async function offerModuleWorkspace(context: vscode.ExtensionContext): Promise<void> {
  const config = vscode.workspace.getConfiguration(CONFIG_SECTION);
  if (!config.get<boolean>('offerModuleWorkspace', true)) return;
  if (context.workspaceState.get<boolean>(OFFERED_KEY)) return;
  const folder = (vscode.workspace.workspaceFolders ?? []).find((f) => f.uri.scheme === 'file' && isEnvironmentFolder(f.uri.fsPath));
  if (!folder) return;
  await context.workspaceState.update(OFFERED_KEY, true);
  const reopen = 'Reopen as Module Workspace';
  const never = "Don't Ask Again";
  const choice = await vscode.window.showInformationMessage(
    `"${folder.name}" is a Protected Modules environment. Opened as plain files, VS Code reads module sources directly from disk. Reopen it as a module workspace, so that every file is opened through your access rights?`,
    reopen,
    never,
  );
  if (choice === reopen) await openModuleWorkspace(context, folder.uri);
  else if (choice === never) await config.update('offerModuleWorkspace', false, vscode.ConfigurationTarget.Global);
}
