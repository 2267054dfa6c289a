/**
 * **Find in Modules…**: a text search on the server over the files the user may read
 * (`protectedModules/findInFiles`), its matches in a quick pick; choosing one opens the file with
 * the match selected. VS Code's own Find in Files cannot search `modules:` workspaces (its text
 * search provider API is proposed, docs/DECISIONS.md), and in a plain folder it would search files
 * the user may not read.
 */
import * as vscode from 'vscode';
import type { FindMatch } from '../../shared/protocol';
import type { Environments } from '../environments';
import type { EnvironmentConnection } from '../languageClient';
import { describeError } from '../errors';
import { workspaceUriFor } from './goToFile';
import { Requests } from '../../shared/protocol';

/** Options for tests and keybindings. */
export interface FindOptions {
  isRegExp?: boolean;
  isCaseSensitive?: boolean;
}

/** Searches every environment; the matches with the connection that found each. */
export async function findInModules(
  environments: Environments,
  query: string,
  options: FindOptions = {},
): Promise<{ conn: EnvironmentConnection; match: FindMatch }[]> {
  const out: { conn: EnvironmentConnection; match: FindMatch }[] = [];
  for (const conn of environments.all()) {
    const r = await conn.request(Requests.findInFiles, { query, ...options });
    for (const match of r.matches) out.push({ conn, match });
  }
  return out;
}

/**
 * The command: asks for the text (unless given), searches, shows the matches; resolves with the
 * editor opened on the chosen match (or `undefined`).
 */
export async function findInModulesCommand(environments: Environments, queryArg?: string, options: FindOptions = {}): Promise<vscode.TextEditor | undefined> {
  const selected = vscode.window.activeTextEditor?.document.getText(vscode.window.activeTextEditor.selection);
  const query =
    typeof queryArg === 'string' && queryArg
      ? queryArg
      : await vscode.window.showInputBox({
          prompt: 'Find in the module files you may read',
          placeHolder: 'text to find',
          value: selected && !selected.includes('\n') ? selected : undefined,
        });
  if (!query) return undefined;
  let results: { conn: EnvironmentConnection; match: FindMatch }[];
  try {
    results = await findInModules(environments, query, options);
  } catch (e) {
    void vscode.window.showErrorMessage(describeError(`find "${query}"`, e));
    return undefined;
  }
  if (results.length === 0) {
    void vscode.window.showInformationMessage(`"${query}" is in none of the module files you may read.`);
    return undefined;
  }
  const items = results.map(({ conn, match }) => ({
    label: match.preview.trim() || '(blank line)',
    description: `${match.path}:${match.line + 1}:${match.character + 1}`,
    uri: workspaceUriFor(conn, match.path),
    match,
  }));
  const chosen = await vscode.window.showQuickPick(items, {
    placeHolder: `${results.length} match${results.length === 1 ? '' : 'es'} of "${query}" — choose one to open it`,
    matchOnDescription: true,
  });
  if (!chosen) return undefined;
  const { line, character, length } = chosen.match;
  const doc = await vscode.workspace.openTextDocument(chosen.uri);
  return vscode.window.showTextDocument(doc, {
    preview: true,
    selection: new vscode.Range(line, character, line, character + length),
  });
}
