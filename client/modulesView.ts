/**
 * The **Modules** view (SPEC 5): every module the user may see (`protectedModules/listModules`)
 * with kind, version, a lock when protected and the user's access; under each module with
 * `reference` access or more, its public elements with signatures (`moduleInterface`). Refreshed on
 * `didChangeAccess` / `didChangeModules`. Tree items carry a context value
 * `module:<access>:<locked|unlocked>` that the owner commands' menus match.
 */
import * as vscode from 'vscode';
import { atLeast } from '../shared/access/levels';
import type { InterfaceElement, ModuleSummary } from '../shared/protocol';
import type { Environments } from './environments';
import type { EnvironmentConnection } from './languageClient';
import { describeError } from './errors';
import { moduleContextValue, moduleDescription, shortSignature } from './labels';
import { Requests } from '../shared/protocol';

export { moduleContextValue } from './labels';

export const MODULES_VIEW_ID = 'protectedModules.modules';

export type ModulesNode =
  | { kind: 'environment'; env: string }
  | { kind: 'module'; env: string; module: ModuleSummary }
  | { kind: 'element'; env: string; module: string; element: InterfaceElement }
  | { kind: 'message'; env: string; text: string };

/** A plain snapshot of a tree item (test hook). */
export interface ModulesTreeSnapshot {
  label: string;
  description?: string;
  tooltip?: string;
  /** For a Markdown tooltip: its `isTrusted`, `supportHtml` and `supportThemeIcons` (test hook). */
  tooltipMarkdown?: { isTrusted: boolean; supportHtml: boolean; supportThemeIcons: boolean };
  contextValue?: string;
  icon?: string;
  children?: ModulesTreeSnapshot[];
}

export class ModulesView implements vscode.TreeDataProvider<ModulesNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<ModulesNode | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private readonly modules = new Map<string, Promise<ModuleSummary[] | string>>();
  private readonly elements = new Map<string, Promise<InterfaceElement[] | string>>();
  private readonly moduleNodes = new Map<string, ModulesNode>();
  private readonly disposables: vscode.Disposable[] = [];
  readonly treeView: vscode.TreeView<ModulesNode>;

  constructor(private readonly environments: Environments) {
    this.treeView = vscode.window.createTreeView(MODULES_VIEW_ID, { treeDataProvider: this, showCollapseAll: true });
    this.disposables.push(
      this.treeView,
      environments.onDidChange(() => this.refresh()),
      environments.onDidChangeAccess(() => this.refresh()),
      environments.onDidChangeModules(() => this.refresh()),
    );
  }

  /** Drops cached answers and redraws the whole tree. */
  refresh(): void {
    this.modules.clear();
    this.elements.clear();
    this.moduleNodes.clear();
    this.changeEmitter.fire(undefined);
  }

  /** The modules of environment `env` as the view shows them (cached until the next refresh). */
  listModules(conn: EnvironmentConnection): Promise<ModuleSummary[] | string> {
    let p = this.modules.get(conn.env.name);
    if (!p) {
      p = conn
        .request(Requests.listModules, {})
        .then((r) => [...r.modules].sort((a, b) => a.name.localeCompare(b.name)))
        .catch((e) => describeError('list the modules', e));
      this.modules.set(conn.env.name, p);
    }
    return p;
  }

  private listElements(conn: EnvironmentConnection, module: string): Promise<InterfaceElement[] | string> {
    const key = `${conn.env.name}/${module}`;
    let p = this.elements.get(key);
    if (!p) {
      p = conn
        .request(Requests.moduleInterface, { module })
        .then((r) => r.elements)
        .catch((e) => describeError(`show the public elements of ${module}`, e));
      this.elements.set(key, p);
    }
    return p;
  }

  async getChildren(node?: ModulesNode): Promise<ModulesNode[]> {
    if (!node) {
      const all = this.environments.all();
      if (all.length === 1) return this.getChildren({ kind: 'environment', env: all[0]!.env.name });
      return all.map((c) => ({ kind: 'environment', env: c.env.name }));
    }
    const conn = this.environments.get(node.env);
    if (!conn) return [];
    if (node.kind === 'environment') {
      const mods = await this.listModules(conn);
      if (typeof mods === 'string') return [{ kind: 'message', env: node.env, text: mods }];
      if (mods.length === 0) return [{ kind: 'message', env: node.env, text: 'No module is visible to you.' }];
      return mods.map((module) => {
        // The same object for the same module until the next refresh (TreeView.reveal needs it).
        const key = `${node.env}/${module.name}`;
        let n = this.moduleNodes.get(key);
        if (!n || n.kind !== 'module' || n.module !== module) {
          n = { kind: 'module', env: node.env, module };
          this.moduleNodes.set(key, n);
        }
        return n;
      });
    }
    if (node.kind === 'module') {
      if (!atLeast(node.module.access, 'reference')) return [];
      const els = await this.listElements(conn, node.module.name);
      if (typeof els === 'string') return [{ kind: 'message', env: node.env, text: els }];
      if (els.length === 0) return [{ kind: 'message', env: node.env, text: 'No public elements.' }];
      return els.map((element) => ({ kind: 'element', env: node.env, module: node.module.name, element }));
    }
    return [];
  }

  getParent(node: ModulesNode): ModulesNode | undefined {
    const single = this.environments.all().length === 1;
    switch (node.kind) {
      case 'environment':
        return undefined;
      case 'module':
      case 'message':
        return single ? undefined : { kind: 'environment', env: node.env };
      case 'element': {
        // The module's summary is needed for the item: look it up in the cached listing.
        return this.moduleNodes.get(`${node.env}/${node.module}`);
      }
    }
  }

  /** Reveals (and expands) the items of every module the user may reference (screenshots, tests). */
  async expandAll(): Promise<void> {
    for (const node of await this.getChildren()) {
      const modules = node.kind === 'environment' ? await this.getChildren(node) : [node];
      for (const m of modules) {
        if (m.kind === 'module' && atLeast(m.module.access, 'reference')) {
          // The view may still be loading (or reloading after a refresh): retry a few times.
          for (let attempt = 0; ; attempt++) {
            try {
              await this.treeView.reveal(m, { expand: true, select: false, focus: false });
              break;
            } catch (e) {
              if (attempt >= 4) throw e;
              await new Promise((r) => setTimeout(r, 300));
            }
          }
        }
      }
    }
  }

  getTreeItem(node: ModulesNode): vscode.TreeItem {
    switch (node.kind) {
      case 'environment': {
        const item = new vscode.TreeItem(node.env, vscode.TreeItemCollapsibleState.Expanded);
        item.iconPath = new vscode.ThemeIcon('root-folder');
        item.contextValue = 'environment';
        return item;
      }
      case 'module': {
        const m = node.module;
        const canReference = atLeast(m.access, 'reference');
        const item = new vscode.TreeItem(m.name, canReference ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
        item.id = `${node.env}/${m.name}`;
        item.description = moduleDescription(m);
        // SPEC 9: the seal mark (a warning for an admin when the seal did not verify).
        item.iconPath = new vscode.ThemeIcon(m.sealed ? (m.sealed.invalid ? 'warning' : 'verified-filled') : m.protected ? 'lock' : 'package');
        const tip = new vscode.MarkdownString(undefined, false);
        tip.appendMarkdown(`**`).appendText(m.name).appendMarkdown(`** `).appendText(m.version);
        tip.appendMarkdown(m.protected ? ' — $(lock) protected' : ' — not protected');
        tip.supportThemeIcons = true;
        if (m.sealed) {
          tip
            .appendMarkdown('\n\n$(verified-filled) ')
            .appendText(
              `Sealed by ${m.sealed.publisher || 'an unknown publisher'}: its source is not in this environment.` +
                (m.sealed.invalid ? ' Its seal did not verify, so it has no elements (see the invalid-seal error on its module.json).' : ''),
            );
        }
        if (m.description) tip.appendMarkdown('\n\n').appendText(m.description);
        tip.appendMarkdown('\n\n').appendText(`Kind: ${m.kind} · Owner: ${m.owner} · Your access: ${m.access}`);
        item.tooltip = tip;
        item.contextValue = moduleContextValue(m);
        item.accessibilityInformation = {
          label: `${m.name} ${m.version}, ${m.kind}, ${m.protected ? 'protected, ' : ''}${m.sealed ? `sealed by ${m.sealed.publisher}, ` : ''}your access ${m.access}`,
        };
        return item;
      }
      case 'element': {
        const e = node.element;
        const item = new vscode.TreeItem(e.name, vscode.TreeItemCollapsibleState.None);
        item.id = `${node.env}/${node.module}/${e.name}`;
        item.description = shortSignature(e);
        item.iconPath = new vscode.ThemeIcon(e.kind === 'structure' ? 'symbol-structure' : 'symbol-method');
        const tip = new vscode.MarkdownString();
        tip.appendCodeblock(e.signature, 'logic');
        if (e.documentation) tip.appendMarkdown('\n\n').appendText(e.documentation);
        item.tooltip = tip;
        item.contextValue = 'element';
        item.command = {
          command: 'protectedModules.showInterface',
          title: 'Show Interface',
          arguments: [{ env: node.env, module: node.module, range: e.range }],
        };
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('info');
        item.contextValue = 'message';
        return item;
      }
    }
  }

  /** The whole tree as plain data, children expanded (test hook). */
  async snapshot(node?: ModulesNode): Promise<ModulesTreeSnapshot[]> {
    const children = await this.getChildren(node);
    return Promise.all(
      children.map(async (child) => {
        const item = this.getTreeItem(child);
        const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
        const snap: ModulesTreeSnapshot = {
          label,
          description: typeof item.description === 'string' ? item.description : undefined,
          tooltip: typeof item.tooltip === 'string' ? item.tooltip : item.tooltip?.value,
          tooltipMarkdown:
            item.tooltip instanceof vscode.MarkdownString
              ? {
                  isTrusted: item.tooltip.isTrusted !== undefined && item.tooltip.isTrusted !== false,
                  supportHtml: item.tooltip.supportHtml === true,
                  supportThemeIcons: item.tooltip.supportThemeIcons === true,
                }
              : undefined,
          contextValue: item.contextValue,
          icon: item.iconPath instanceof vscode.ThemeIcon ? item.iconPath.id : undefined,
        };
        if (item.collapsibleState !== vscode.TreeItemCollapsibleState.None) snap.children = await this.snapshot(child);
        return snap;
      }),
    );
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
    this.changeEmitter.dispose();
  }
}
