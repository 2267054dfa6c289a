/**
 * Helpers of the client suites (`client-*.test.ts`, issue 4's acceptance): the product
 * extension's API, `modules:` URIs of the copied environment, files on disk, editors and tabs.
 */
import * as vscode from 'vscode';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ProtectedModulesApi } from '../../../client/extension';
import { activateExtension, sleep, waitFor, workspaceRoot } from './helpers';

/** The product extension's API, with every server running. */
export async function productApi(): Promise<ProtectedModulesApi> {
  const ext = await activateExtension();
  const api = ext.exports as ProtectedModulesApi;
  if (!api || typeof api.ready !== 'function') throw new Error('the product extension exports no API');
  await api.ready();
  return api;
}

/** The environment's name: the workspace folder's base name (the `modules://` authority). */
export function envName(): string {
  return basename(workspaceRoot().fsPath);
}

/** `modules://<env>/<path>`. */
export function modulesUri(path: string): vscode.Uri {
  return vscode.Uri.from({ scheme: 'modules', authority: envName(), path: '/' + path });
}

/** The text of a file of the copied environment, read from disk. */
export function diskText(path: string): string {
  return readFileSync(join(workspaceRoot().fsPath, ...path.split('/')), 'utf8');
}

/** Every tab of every group. */
export function allTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs);
}

/** Reverts every dirty document, then closes every editor (no save prompt). */
export async function closeAllEditors(): Promise<void> {
  for (const doc of vscode.workspace.textDocuments) {
    if (!doc.isDirty) continue;
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  }
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  await sleep(200);
}

/** Opens `uri` in a text editor (through `modules:` if it is such a URI). */
export async function openEditor(uri: vscode.Uri): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(uri);
  return vscode.window.showTextDocument(doc, { preview: false });
}

/** The position just after the first occurrence of `needle` in `doc`. */
export function positionAfter(doc: vscode.TextDocument, needle: string): vscode.Position {
  const i = doc.getText().indexOf(needle);
  if (i < 0) throw new Error(`"${needle}" is not in ${doc.uri.toString()}`);
  return doc.positionAt(i + needle.length);
}

/** Appends `text` at the end of the editor's document (an unsaved edit). */
export async function appendText(editor: vscode.TextEditor, text: string): Promise<void> {
  const doc = editor.document;
  const end = doc.lineAt(doc.lineCount - 1).range.end;
  const ok = await editor.edit((b) => b.insert(end, text));
  if (!ok) throw new Error(`could not edit ${doc.uri.toString()}`);
}

/** Labels of completion items as plain strings. */
export function completionLabels(list: vscode.CompletionList): string[] {
  return list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
}

/** The plain text of hover contents. */
export function hoverText(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : String(c)))
    .join('\n');
}

/** Waits until the diagnostics of `uri` satisfy `probe`. */
export function waitForDiagnostics(uri: vscode.Uri, what: string, probe: (d: vscode.Diagnostic[]) => boolean, timeoutMs = 30000): Promise<vscode.Diagnostic[]> {
  return waitFor(
    what,
    () => {
      const d = vscode.languages.getDiagnostics(uri);
      return probe(d) ? d : undefined;
    },
    timeoutMs,
  );
}

/** The code of a diagnostic as a string. */
export function diagnosticCode(d: vscode.Diagnostic): string {
  const c = d.code;
  return typeof c === 'object' && c !== null ? String(c.value) : String(c);
}
