/// <reference types="mocha" />
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

/**
 * A stand-in for `target()`, usable once the suite's set-up made it: every property read (methods
 * bound to the real object) and write goes to it; before that it throws naming `what`.
 */
function standIn<T extends object>(what: string, target: () => T | undefined): T {
  const real = (): T => {
    const t = target();
    if (!t) throw new Error(`${what} is made in the suite's suiteSetup`);
    return t;
  };
  return new Proxy({} as T, {
    get(_target, key) {
      const t = real();
      const value: unknown = Reflect.get(t, key, t);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
    },
    set(_target, key, value) {
      const t = real();
      return Reflect.set(t, key, value, t);
    },
  });
}

/**
 * The one start of a suite (as `useServer` in the server tests). Call it in a suite body: its
 * suiteSetup gets the product's API with every server running ({@link productApi}) and closes every
 * editor; with `open`, it then opens that file of the environment (`modules:`) in an editor and
 * appends `append` to it, unsaved. The suite's own suiteSetup hooks run after it.
 * @returns stand-ins for the API and the opened editor (they throw before the suiteSetup ran, and
 *   `editor` without `open`)
 */
export function useProduct(open?: string, append?: string): { api: ProtectedModulesApi; editor: vscode.TextEditor } {
  let api: ProtectedModulesApi | undefined;
  let editor: vscode.TextEditor | undefined;
  suiteSetup(async () => {
    api = await productApi();
    await closeAllEditors();
    if (open === undefined) return;
    editor = await openEditor(modulesUri(open));
    if (append !== undefined) await appendText(editor, append);
  });
  return { api: standIn('the product API', () => api), editor: standIn(`the editor of ${open}`, () => editor) };
}

/**
 * Waits (up to 30 s, polling every `intervalMs`) until the client runs a server process other than
 * `pid` (it restarted the server); returns the new pid.
 */
export function waitForNewServer(api: ProtectedModulesApi, pid: number | undefined, intervalMs = 100): Promise<number> {
  return waitFor(
    'a new server process',
    () => {
      const p = api.getServerPid();
      return p && p !== pid ? p : undefined;
    },
    30000,
    intervalMs,
  );
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

/** The tab that shows `uri` in a text editor, if any. */
export function textTab(uri: vscode.Uri): vscode.Tab | undefined {
  return allTabs().find((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === uri.toString());
}

/** An environment of the product (an entry of `api.environments()`) and its files. */
export interface EnvironmentFiles {
  readonly name: string;
  /** Its folder on disk. */
  readonly path: string;
  /** `modules://<name>/<path>`. */
  uri(path: string): vscode.Uri;
  /** The text of a file (`path` with `/` separators), read from disk. */
  disk(path: string): string;
}

/** The files of `env` (e.g. `api.environments()[0]` in a module workspace). */
export function environmentFiles(env: { name: string; path: string }): EnvironmentFiles {
  return {
    name: env.name,
    path: env.path,
    uri: (p) => vscode.Uri.from({ scheme: 'modules', authority: env.name, path: '/' + p }),
    disk: (p) => readFileSync(join(env.path, ...p.split('/')), 'utf8'),
  };
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
