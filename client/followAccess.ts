/**
 * Following an access change at once (issue 13, points 1–2; SPEC 5): after **Switch User…** (or a
 * new grant, protection or policy) nothing the new user may not read stays on screen.
 *
 * - The Explorer: `ModulesFileSystem.refreshTree` fires `Deleted` for every served URI the user
 *   may no longer read and `Changed` for the rest and the workspace roots; then the Explorer is
 *   refreshed (`workbench.files.action.refreshFilesExplorer`), because VS Code's Explorer re-reads
 *   folders on deletions only.
 * - Editors: every text tab of a `modules:` file — and of a `file:` file under an environment — is
 *   asked about (`protectedModules/access`). Unreadable now: its unsaved text is dropped (revert;
 *   saving is no longer allowed anyway; **Preview as User…** asks Save / Discard / Cancel before
 *   it switches, so this happens only when access changed another way, and a warning names the
 *   files) and the tab closed; where the user may still know the
 *   module (PermissionDenied, access ≥ `list`) the denied view takes its place, where the module
 *   is hidden now (FileNotFound) the tab is just closed — a hidden file is answered like a missing
 *   one. So a file opened as the previous user is never left readable or editable.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Requests, ErrorCodes, MODULES_SCHEME } from '../shared/protocol';
import { isRpcError } from './errors';
import { DENIED_VIEW_TYPE, type DeniedView } from './deniedView';
import type { Environments } from './environments';
import type { ModulesFileSystem } from './fileSystem';

/** What one pass did (test hook). */
export interface FollowResult {
  /** URIs whose editors were replaced by the denied view. */
  denied: string[];
  /** URIs whose editors were closed (hidden now). */
  closed: string[];
  /** URIs reported to the Explorer as deleted. */
  deleted: string[];
  /**
   * URIs whose unsaved changes were dropped (the access changed without **Preview as User…**
   * asking first: the setting edited by hand, a grant revoked); the user is told in a warning.
   */
  discarded?: string[];
}

export class AccessFollower implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private running: Promise<FollowResult> = Promise.resolve({ denied: [], closed: [], deleted: [] });
  private readonly doneEmitter = new vscode.EventEmitter<FollowResult>();
  /** Fires after each pass (test hook). */
  readonly onDidFollow = this.doneEmitter.event;
  private readonly explorerEmitter = new vscode.EventEmitter<{ restored: boolean }>();
  /** Fires after the Explorer was refreshed (and the extension's container shown again) (test hook). */
  readonly onDidRefreshExplorer = this.explorerEmitter.event;

  /**
   * @param ourViewsVisible whether a view of the extension's own container (Modules, Access
   *   Requests) is on screen: refreshing the Explorer opens it, so the container is shown again
   *   afterwards (an owner approving a request stays in the Access Requests view, issue 14).
   */
  constructor(
    private readonly environments: Environments,
    fs: ModulesFileSystem,
    private readonly denied: DeniedView,
    private readonly ourViewsVisible: () => boolean = () => false,
  ) {
    this.disposables.push(
      this.doneEmitter,
      this.explorerEmitter,
      environments.onDidChangeAccess(() => {
        this.running = this.running.then(() => this.follow()).catch(() => ({ denied: [], closed: [], deleted: [] }));
      }),
      fs.onDidRefreshTree(() => {
        if ((vscode.workspace.workspaceFolders ?? []).some((f) => f.uri.scheme === MODULES_SCHEME)) {
          const restore = this.ourViewsVisible();
          void vscode.commands
            .executeCommand('workbench.files.action.refreshFilesExplorer')
            .then(() => (restore ? vscode.commands.executeCommand('workbench.view.extension.protectedModules') : undefined))
            .then(
              () => this.explorerEmitter.fire({ restored: restore }),
              () => this.explorerEmitter.fire({ restored: false }),
            );
        }
      }),
    );
  }

  /** One pass over the open text editors (see the file comment). */
  async follow(): Promise<FollowResult> {
    const result: FollowResult = { denied: [], closed: [], deleted: [] };
    const uris = new Map<string, vscode.Uri>();
    for (const group of vscode.window.tabGroups.all) {
      for (const tab of group.tabs) {
        if (tab.input instanceof vscode.TabInputText && (tab.input.uri.scheme === MODULES_SCHEME || tab.input.uri.scheme === 'file')) {
          uris.set(tab.input.uri.toString(), tab.input.uri);
        }
      }
    }
    for (const uri of uris.values()) {
      const conn = this.environments.forUri(uri);
      if (!conn) continue;
      let verdict: 'readable' | 'denied' | 'hidden';
      try {
        const a = await conn.request(Requests.access, { uri: uri.toString() });
        verdict = a.canRead ? 'readable' : 'denied';
      } catch (e) {
        // Only the server's "not found" means hidden; any other failure (a server that is down or
        // restarting) decides nothing, and the editor — with any unsaved text — is left alone.
        if (!isRpcError(e) || (e.code !== ErrorCodes.FileNotFound && e.code !== ErrorCodes.ModuleNotFound)) continue;
        verdict = 'hidden';
      }
      if (verdict === 'readable') continue;
      const columns = this.textTabs(uri).map((t) => t.group.viewColumn);
      if (vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString() && d.isDirty)) {
        (result.discarded ??= []).push(uri.toString());
      }
      await this.dropEditors(uri);
      if (verdict === 'hidden') {
        result.closed.push(uri.toString());
        continue;
      }
      let target = uri;
      if (uri.scheme === 'file') {
        const rel = path.relative(conn.env.path, uri.fsPath).split(path.sep).join('/');
        target = vscode.Uri.from({ scheme: MODULES_SCHEME, authority: conn.env.name, path: '/' + rel });
      }
      for (const viewColumn of new Set(columns)) {
        await vscode.commands.executeCommand('vscode.openWith', target, DENIED_VIEW_TYPE, { viewColumn, preserveFocus: true });
      }
      // a text tab the workbench re-opened meanwhile (a failed reload) goes too
      await this.denied.replaceTextTabs(target);
      result.denied.push(uri.toString());
    }
    if (result.discarded?.length) {
      // Never silently (issue 13 point 2): Preview as User… asks first; any other way of changing
      // access leaves no edit the user may no longer read, but says which were dropped.
      const names = result.discarded.map((u) => path.posix.basename(vscode.Uri.parse(u).path));
      void vscode.window.showWarningMessage(
        `Unsaved changes to ${names.join(', ')} were discarded: your access changed and you may no longer read ${names.length === 1 ? 'this file' : 'these files'}.`,
      );
    }
    this.doneEmitter.fire(result);
    return result;
  }

  private textTabs(uri: vscode.Uri): vscode.Tab[] {
    const key = uri.toString();
    return vscode.window.tabGroups.all.flatMap((g) => g.tabs.filter((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === key));
  }

  /** Closes every text tab of `uri`, dropping unsaved text without a save prompt. */
  private async dropEditors(uri: vscode.Uri): Promise<void> {
    const key = uri.toString();
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
    if (doc?.isDirty) {
      for (const tab of this.textTabs(uri)) {
        await vscode.window.showTextDocument(doc, { viewColumn: tab.group.viewColumn, preview: false });
        // reverts (softly when the file cannot be read any more) and closes
        await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
      }
    }
    const rest = this.textTabs(uri);
    if (rest.length) await vscode.window.tabGroups.close(rest, true);
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
  }
}
