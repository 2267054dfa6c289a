/**
 * The **Access Requests** view (SPEC 8, issue 14), beside the Modules view, shown while connected
 * to an environment host: the open requests the user can decide (others' requests on modules the
 * user has `full` on: requester, module, level, reason, age) with **Approve** and **Decline**,
 * the decided ones (who decided, when, the note) and the user's own requests. The view's badge
 * counts the open requests to decide. Refreshed on `didChangeAccessRequests`, on every
 * (re)connection (`didChangeAccess` fires after each start) and each minute (the ages).
 *
 * Approve asks in a modal dialog that names what is granted ("Grant bob open on OrderAPI?");
 * Decline asks for a note. Both send `protectedModules/decideAccessRequest`; the server applies the
 * grant (SPEC 8) and tells everyone concerned.
 */
import * as vscode from 'vscode';
import { Requests, type AccessRequest } from '../shared/protocol';
import {
  approveQuestion,
  declinePrompt,
  decideErrorText,
  groupRequests,
  openCount,
  requestContextValue,
  requestItemText,
  validateNote,
  type RequestGroups,
} from './accessRequests';
import { confirmation } from './commands/protection';
import type { Environments } from './environments';
import { describeError } from './errors';
import { plainLabel } from './labels';
import type { EnvironmentConnection } from './languageClient';

export const ACCESS_REQUESTS_VIEW_ID = 'protectedModules.accessRequests';

export type RequestsNode =
  | { kind: 'group'; env: string; group: keyof RequestGroups; count: number }
  | { kind: 'request'; env: string; request: AccessRequest; mine: boolean }
  | { kind: 'message'; env: string; text: string };

/** What one environment's host answered, or why not. */
type Loaded = { env: string; groups: RequestGroups } | { env: string; error: string };

/** A plain snapshot of an item (test hook). */
export interface RequestsTreeSnapshot {
  label: string;
  description?: string;
  tooltip?: string;
  contextValue?: string;
  accessibleLabel?: string;
  id?: string;
  children?: RequestsTreeSnapshot[];
}

const GROUP_TITLES: Record<keyof RequestGroups, string> = {
  toDecide: 'Open requests',
  decided: 'Decided',
  mine: 'Your requests',
};

export class AccessRequestsView implements vscode.TreeDataProvider<RequestsNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<RequestsNode | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private readonly loadedEmitter = new vscode.EventEmitter<number>();
  /** Fires after each reload with the badge's count (test hook). */
  readonly onDidLoad = this.loadedEmitter.event;
  private loading: Promise<Loaded[]> | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  readonly treeView: vscode.TreeView<RequestsNode>;

  constructor(private readonly environments: Environments) {
    this.treeView = vscode.window.createTreeView(ACCESS_REQUESTS_VIEW_ID, { treeDataProvider: this, showCollapseAll: true });
    const timer = setInterval(() => this.changeEmitter.fire(undefined), 60_000);
    this.disposables.push(
      this.treeView,
      { dispose: () => clearInterval(timer) },
      environments.onDidChange(() => this.refresh()),
      environments.onDidChangeAccess(() => this.refresh()),
      environments.onDidChangeAccessRequests(() => this.refresh()),
    );
    void this.refresh();
  }

  /** Host-served environments (only they have requests, SPEC 8). */
  private hosts(): EnvironmentConnection[] {
    return this.environments.all().filter((c) => !!c.env.host);
  }

  /** Reads the requests again (and updates the badge), then redraws. */
  refresh(): Promise<Loaded[]> {
    const p = this.load();
    this.loading = p;
    void p.then((loaded) => {
      if (this.loading !== p) return;
      const count = loaded.reduce((n, l) => n + ('groups' in l ? openCount(l.groups) : 0), 0);
      this.treeView.badge = count > 0 ? { value: count, tooltip: `${count} open access request${count === 1 ? '' : 's'} to decide` } : undefined;
      this.treeView.message = undefined;
      this.changeEmitter.fire(undefined);
      this.loadedEmitter.fire(count);
    });
    return p;
  }

  private async load(): Promise<Loaded[]> {
    return Promise.all(
      this.hosts().map(async (conn): Promise<Loaded> => {
        try {
          const [who, list] = await Promise.all([conn.request(Requests.whoami, {}), conn.request(Requests.listAccessRequests, {})]);
          return { env: conn.env.name, groups: groupRequests(list.requests, who.user) };
        } catch (e) {
          return { env: conn.env.name, error: describeError('read the access requests', e) };
        }
      }),
    );
  }

  /** The requests as last read (reading them if never read). */
  private current(): Promise<Loaded[]> {
    return this.loading ?? this.refresh();
  }

  async getChildren(node?: RequestsNode): Promise<RequestsNode[]> {
    const loaded = await this.current();
    if (!node) {
      if (loaded.length === 0) {
        return [{ kind: 'message', env: '', text: 'Access requests need a connection to an environment host (Connect to Environment Host…).' }];
      }
      const out: RequestsNode[] = [];
      for (const l of loaded) {
        const prefix = loaded.length > 1 ? `${l.env}: ` : '';
        if ('error' in l) {
          out.push({ kind: 'message', env: l.env, text: prefix + l.error });
          continue;
        }
        const { toDecide, decided, mine } = l.groups;
        if (toDecide.length + decided.length + mine.length === 0) {
          out.push({ kind: 'message', env: l.env, text: `${prefix}No access requests. Requests for modules you own or administer appear here.` });
          continue;
        }
        out.push({ kind: 'group', env: l.env, group: 'toDecide', count: toDecide.length });
        if (decided.length) out.push({ kind: 'group', env: l.env, group: 'decided', count: decided.length });
        if (mine.length) out.push({ kind: 'group', env: l.env, group: 'mine', count: mine.length });
      }
      return out;
    }
    if (node.kind !== 'group') return [];
    const l = loaded.find((x) => x.env === node.env);
    if (!l || 'error' in l) return [];
    const list = l.groups[node.group];
    if (list.length === 0) return [{ kind: 'message', env: node.env, text: 'No open requests.' }];
    return list.map((request) => ({ kind: 'request', env: node.env, request, mine: node.group === 'mine' }));
  }

  getTreeItem(node: RequestsNode): vscode.TreeItem {
    const several = this.hosts().length > 1;
    switch (node.kind) {
      case 'group': {
        const item = new vscode.TreeItem(
          `${GROUP_TITLES[node.group]}${several ? ` (${node.env})` : ''}`,
          node.group === 'decided' ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded,
        );
        item.id = `${node.env}/group/${node.group}`;
        item.description = String(node.count);
        item.contextValue = `accessRequestGroup:${node.group}`;
        item.iconPath = new vscode.ThemeIcon(node.group === 'toDecide' ? 'inbox' : node.group === 'decided' ? 'history' : 'account');
        item.accessibilityInformation = { label: `${GROUP_TITLES[node.group]}: ${node.count}` };
        return item;
      }
      case 'request': {
        const r = node.request;
        const t = requestItemText(r, Date.now(), node.mine);
        const item = new vscode.TreeItem(t.label, vscode.TreeItemCollapsibleState.None);
        item.id = `${node.env}/request/${r.id}${node.mine ? '/mine' : ''}`;
        item.description = t.description;
        item.tooltip = t.tooltip; // a plain string: shown as text
        item.contextValue = requestContextValue(r, node.mine);
        item.iconPath = new vscode.ThemeIcon(r.state === 'open' ? 'git-pull-request' : r.state === 'granted' ? 'pass' : 'circle-slash');
        item.accessibilityInformation = { label: t.accessibleLabel };
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

  /** The view as plain data, groups expanded (test hook). */
  async snapshot(node?: RequestsNode): Promise<RequestsTreeSnapshot[]> {
    const children = await this.getChildren(node);
    return Promise.all(
      children.map(async (child) => {
        const item = this.getTreeItem(child);
        const snap: RequestsTreeSnapshot = {
          label: typeof item.label === 'string' ? item.label : (item.label?.label ?? ''),
          description: typeof item.description === 'string' ? item.description : undefined,
          tooltip: typeof item.tooltip === 'string' ? item.tooltip : undefined,
          contextValue: item.contextValue,
          accessibleLabel: item.accessibilityInformation?.label,
          id: child.kind === 'request' ? child.request.id : undefined,
        };
        if (child.kind === 'group') snap.children = await this.snapshot(child);
        return snap;
      }),
    );
  }

  /** Finds an open request to decide by id (a command's argument may be an id or a tree node). */
  private async resolve(arg: unknown): Promise<{ conn: EnvironmentConnection; request: AccessRequest } | undefined> {
    const wanted =
      typeof arg === 'string'
        ? { id: arg, env: undefined }
        : arg && typeof arg === 'object' && (arg as RequestsNode).kind === 'request'
          ? { id: (arg as { request: AccessRequest }).request.id, env: (arg as { env: string }).env }
          : arg && typeof arg === 'object' && typeof (arg as { id?: unknown }).id === 'string'
            ? { id: (arg as { id: string }).id, env: (arg as { env?: string }).env }
            : undefined;
    const loaded = await this.refresh();
    const candidates = loaded.flatMap((l) =>
      'groups' in l && (!wanted?.env || wanted.env === l.env) ? l.groups.toDecide.map((request) => ({ env: l.env, request })) : [],
    );
    let chosen = wanted ? candidates.find((c) => c.request.id === wanted.id) : undefined;
    if (wanted && !chosen) {
      void vscode.window.showInformationMessage('That access request is no longer open (it was decided meanwhile, or you may not decide it).');
      return undefined;
    }
    if (!chosen) {
      if (candidates.length === 0) {
        void vscode.window.showInformationMessage('There is no open access request for you to decide.');
        return undefined;
      }
      const pick = await vscode.window.showQuickPick(
        candidates.map((c) => {
          const t = requestItemText(c.request, Date.now());
          // the reason is the requester's text: `$(…)` shown literally in the quick pick
          return { label: t.label, description: plainLabel(t.description), c };
        }),
        { placeHolder: 'Which access request?' },
      );
      chosen = pick?.c;
    }
    const conn = chosen && this.environments.get(chosen.env);
    return chosen && conn ? { conn, request: chosen.request } : undefined;
  }

  /**
   * **Approve**: asks (modal) "Grant bob open on OrderAPI?", then decides with `grant: true`.
   * @returns true when the server granted it
   */
  async approve(arg?: unknown): Promise<boolean> {
    const target = await this.resolve(arg);
    if (!target) return false;
    const { conn, request: r } = target;
    const q = approveQuestion(r);
    if (!(await confirmation.ask(q.message, q.detail, q.action))) return false;
    try {
      await conn.request(Requests.decideAccessRequest, { id: r.id, grant: true });
    } catch (e) {
      void vscode.window.showErrorMessage(decideErrorText(e, r, true));
      await this.refresh();
      return false;
    }
    void vscode.window.showInformationMessage(`Granted ${r.user} ${r.access} access to ${r.module}.`);
    await this.refresh();
    return true;
  }

  /**
   * **Decline**: asks for a note (required; `noteArg` skips the input box), then decides with
   * `grant: false`.
   * @returns true when the server declined it
   */
  async decline(arg?: unknown, noteArg?: string): Promise<boolean> {
    const target = await this.resolve(arg);
    if (!target) return false;
    const { conn, request: r } = target;
    let note = noteArg;
    if (note === undefined) {
      note = await vscode.window.showInputBox({
        title: `Decline: ${r.user} → ${r.access} on ${r.module}`,
        prompt: declinePrompt(r),
        ignoreFocusOut: true,
        validateInput: validateNote,
      });
    } else if (validateNote(note)) {
      void vscode.window.showErrorMessage(validateNote(note)!);
      return false;
    }
    if (note === undefined) return false;
    try {
      await conn.request(Requests.decideAccessRequest, { id: r.id, grant: false, note: note.trim() });
    } catch (e) {
      void vscode.window.showErrorMessage(decideErrorText(e, r, false));
      await this.refresh();
      return false;
    }
    void vscode.window.showInformationMessage(`Declined ${r.user}'s request for ${r.access} access to ${r.module}.`);
    await this.refresh();
    return true;
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
    this.changeEmitter.dispose();
    this.loadedEmitter.dispose();
  }
}
