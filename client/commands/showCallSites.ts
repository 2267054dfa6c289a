/**
 * `protectedModules.showCallSites` — the command of the CodeLens "N call sites in M modules" the
 * server puts on public elements for users with `full` on the module (SPEC 10). Asks the server
 * (`protectedModules/callSites`) and shows the list in a quick pick: one entry per call site the
 * user may read (opens it), and module names with counts for consumers the user may only list or
 * reference. Everything shown comes from the server's access-checked answer.
 *
 * Argument: `{ uri, module, element }` as the lens gives it. Returns the server's answer (for
 * tests), or `undefined` when there is none; the quick pick stays open for the user.
 */
import * as vscode from 'vscode';
import { Requests, type CallSitesResult } from '../../shared/protocol';
import type { Environments } from '../environments';
import { describeError } from '../errors';

interface Item extends vscode.QuickPickItem {
  location?: { uri: string; range: vscode.Range };
}

/** The quick pick currently shown (one at a time), for tests. */
let shown: vscode.QuickPick<Item> | undefined;

/** The labels of the open list's entries (tests), or `undefined` when no list is open. */
export function shownCallSites(): string[] | undefined {
  return shown?.items.map((i) => (i.description ? `${i.label} — ${i.description}` : i.label));
}

/** A call site's path as the user knows it: below the environment (the `modules:` path, or relative to the workspace). */
function relative(uri: vscode.Uri): string {
  return uri.scheme === 'modules' ? uri.path.replace(/^\/+/, '') : vscode.workspace.asRelativePath(uri, false);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export async function showCallSites(
  environments: Environments,
  arg: { uri?: string; module?: string; element?: string } | undefined,
): Promise<CallSitesResult | undefined> {
  if (!arg || typeof arg.uri !== 'string' || typeof arg.element !== 'string') return undefined;
  const uri = vscode.Uri.parse(arg.uri);
  const conn = environments.forUri(uri);
  if (!conn) return undefined;
  let result: CallSitesResult | null;
  try {
    result = await conn.request(Requests.callSites, { uri: arg.uri, element: arg.element });
  } catch (e) {
    void vscode.window.showErrorMessage(describeError(`list the call sites of ${arg.element}`, e));
    return undefined;
  }
  if (!result) {
    void vscode.window.showInformationMessage(`The call sites of ${arg.element} are shown only to users with full access to its module.`);
    return undefined;
  }
  const items: Item[] = [];
  for (const c of result.consumers) {
    if (c.callSites === 0) continue;
    items.push({ label: c.module, kind: vscode.QuickPickItemKind.Separator });
    if (c.locations) {
      for (const l of c.locations) {
        const target = vscode.Uri.parse(l.uri);
        const range = new vscode.Range(l.range.start.line, l.range.start.character, l.range.end.line, l.range.end.character);
        items.push({
          label: `$(references) ${relative(target)}:${l.range.start.line + 1}:${l.range.start.character + 1}`,
          description: `${result.module}.${result.element}`,
          location: { uri: l.uri, range },
        });
      }
    } else {
      items.push({
        label: `$(lock) ${c.module}`,
        description: `${plural(c.callSites, 'call site')} — your access to ${c.module} is ${c.access}, so their places are not shown`,
      });
    }
  }
  if (!items.length) items.push({ label: `No module you can see calls ${result.element}.` });
  shown?.dispose();
  const qp = vscode.window.createQuickPick<Item>();
  shown = qp;
  qp.title = `${result.module}.${result.element}: ${plural(result.callSites, 'call site')} in ${plural(result.modules, 'module')}`;
  qp.placeholder = 'Open a call site';
  qp.matchOnDescription = true;
  qp.items = items;
  qp.onDidAccept(async () => {
    const picked = qp.selectedItems[0]?.location;
    if (!picked) return;
    qp.hide();
    await vscode.window.showTextDocument(vscode.Uri.parse(picked.uri), { selection: picked.range });
  });
  qp.onDidHide(() => {
    if (shown === qp) shown = undefined;
    qp.dispose();
  });
  qp.show();
  return result;
}
