/**
 * Why a module file is read-only (SPEC 5: "read-only editors whose read-only message says why").
 *
 * VS Code 1.100 makes an editor read-only from the file system's `FilePermission.Readonly`
 * (set by `fileSystem.ts` for files below `change`), but its read-only message is per file
 * system provider only (`isReadonly: MarkdownString`), not per file — per file it shows the
 * generic "the file is read-only". So the reason the server gives (`readonlyReason`, or the
 * `protectedModules/access` reason) is shown by the extension itself:
 * - a CodeLens on the first line of the editor: `$(lock) Read-only: <reason>`;
 * - a status-bar item while such an editor is active (click: the reason in a notification).
 */
import * as vscode from 'vscode';
import { Requests, MODULES_SCHEME } from '../shared/protocol';
import type { Environments } from './environments';
import type { ModulesFileSystem } from './fileSystem';
import { plainLabel } from './labels';

export class ReadonlyInfo implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changeEmitter.event;
  private readonly item: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly cache = new Map<string, Promise<string | undefined>>();

  constructor(
    private readonly environments: Environments,
    private readonly fs: ModulesFileSystem,
  ) {
    this.item = vscode.window.createStatusBarItem('protectedModules.readonly', vscode.StatusBarAlignment.Left, 99);
    this.item.name = 'Protected Modules Read-only';
    this.item.command = 'protectedModules.explainReadonly';
    const reset = () => {
      this.cache.clear();
      this.changeEmitter.fire();
      void this.updateStatus();
    };
    this.disposables.push(
      this.item,
      vscode.languages.registerCodeLensProvider({ scheme: MODULES_SCHEME }, this),
      vscode.window.onDidChangeActiveTextEditor(() => void this.updateStatus()),
      environments.onDidChangeAccess(reset),
      environments.onDidChangeModules(reset),
      vscode.commands.registerCommand('protectedModules.explainReadonly', async (uri?: vscode.Uri) => {
        const target = uri ?? vscode.window.activeTextEditor?.document.uri;
        const reason = target ? await this.reason(target) : undefined;
        void vscode.window.showInformationMessage(reason ? `Read-only: ${reason}` : 'This file is not read-only.');
      }),
    );
    void this.updateStatus();
  }

  /**
   * The reason `uri` is read-only, in the server's words (naming the module, the user's access and
   * the owner), or `undefined` when the user may change it.
   */
  reason(uri: vscode.Uri): Promise<string | undefined> {
    if (uri.scheme !== MODULES_SCHEME) return Promise.resolve(undefined);
    const key = uri.toString();
    let p = this.cache.get(key);
    if (!p) {
      p = this.compute(uri);
      this.cache.set(key, p);
    }
    return p;
  }

  private async compute(uri: vscode.Uri): Promise<string | undefined> {
    const conn = this.environments.forUri(uri);
    if (!conn) return this.fs.readonlyReason(uri);
    try {
      const a = await conn.request(Requests.access, { uri: uri.toString() });
      if (a.canWrite) return undefined;
      if (!a.canRead) return undefined; // the denied view handles it
      const fromFs = this.fs.readonlyReason(uri);
      if (fromFs) return fromFs;
      const who = a.module ? `${a.module}: your access is ${a.access}` : `your access is ${a.access}`;
      return `${who}${a.owner ? `, owner ${a.owner}` : ''}. ${a.reason}`;
    } catch {
      return this.fs.readonlyReason(uri);
    }
  }

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    const reason = await this.reason(document.uri);
    if (!reason) return [];
    return [
      new vscode.CodeLens(new vscode.Range(0, 0, 0, 0), {
        title: `$(lock) Read-only: ${plainLabel(reason)}`,
        tooltip: reason,
        command: 'protectedModules.explainReadonly',
        arguments: [document.uri],
      }),
    ];
  }

  private async updateStatus(): Promise<void> {
    const uri = vscode.window.activeTextEditor?.document.uri;
    const reason = uri ? await this.reason(uri) : undefined;
    if (uri !== vscode.window.activeTextEditor?.document.uri) return; // changed meanwhile
    if (reason) {
      this.item.text = '$(lock) Read-only';
      this.item.tooltip = reason;
      this.item.show();
    } else {
      this.item.hide();
    }
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
    this.changeEmitter.dispose();
  }
}
