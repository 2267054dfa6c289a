/**
 * Interface documents (SPEC 3.5, SPEC 4): `module-interface://<environment>/<Module>.logic` is
 * the text of `protectedModules/moduleInterface`, read-only (a content provider), refreshed when
 * modules or access change. Go to definition on another module's element lands here when the
 * user's access is below `open`. In a module workspace the server names the Explorer's
 * `modules://…/INTERFACE.logic` instead (server/interfaceLocation.ts): one document per interface.
 */
import * as vscode from 'vscode';
import { Requests, INTERFACE_SCHEME } from '../shared/protocol';
import type { Environments } from './environments';
import { describeError } from './errors';

/** The module name of an interface URI (`/<Module>.logic`), if it has that shape. */
export function interfaceModule(uri: vscode.Uri): string | undefined {
  return /^\/([A-Za-z_][A-Za-z0-9_]*)\.logic$/.exec(uri.path)?.[1];
}

/** The interface URI of `module` in environment `envName`. */
export function interfaceUri(envName: string, module: string): vscode.Uri {
  return vscode.Uri.from({ scheme: INTERFACE_SCHEME, authority: envName, path: `/${module}.logic` });
}

/** The environments of the window (set by the one {@link InterfaceDocuments}), for {@link openInterface}. */
let windowEnvironments: Environments | undefined;

export class InterfaceDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changeEmitter.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly environments: Environments) {
    windowEnvironments = environments;
    const refresh = () => {
      for (const doc of vscode.workspace.textDocuments) {
        if (doc.uri.scheme === INTERFACE_SCHEME) this.changeEmitter.fire(doc.uri);
      }
    };
    this.disposables.push(environments.onDidChangeAccess(refresh), environments.onDidChangeModules(refresh));
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const module = interfaceModule(uri);
    const conn = this.environments.forUri(uri);
    if (!module || !conn) return `// ${uri.toString()} is not an interface document of an open environment.\n`;
    try {
      const r = await conn.request(Requests.moduleInterface, { module });
      return r.text;
    } catch (e) {
      // Only the plain-words reason, never anything the server did not send.
      return `// ${describeError(`show the interface of ${module}`, e)}\n`;
    }
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
    this.changeEmitter.dispose();
  }
}

/**
 * Opens the interface document of `module`, revealing `range` (an element's range in it) if given.
 */
export async function openInterface(
  envName: string,
  module: string,
  range?: { start: { line: number; character: number }; end: { line: number; character: number } },
  viewColumn?: vscode.ViewColumn,
): Promise<vscode.TextEditor> {
  // One interface, one document (issue 13): the server names the Explorer's INTERFACE.logic in
  // module workspaces (`moduleInterface.uri`), `module-interface://` elsewhere.
  let uri = interfaceUri(envName, module);
  try {
    const r = await windowEnvironments?.get(envName)?.request(Requests.moduleInterface, { module });
    if (r?.uri.startsWith('modules:')) uri = vscode.Uri.parse(r.uri);
  } catch {
    // the content provider shows why
  }
  const doc = await vscode.workspace.openTextDocument(uri);
  if (doc.languageId !== 'logic') await vscode.languages.setTextDocumentLanguage(doc, 'logic');
  const selection = range ? new vscode.Range(range.start.line, range.start.character, range.start.line, range.start.character) : undefined;
  return vscode.window.showTextDocument(doc, { preview: true, selection, viewColumn });
}
