/**
 * The permission-denied view (SPEC 5): shown in place of any `modules:` file the user may not read.
 *
 * How it takes the editor's place, whatever path the user took (explorer, quick open, go to
 * definition, a link, `vscode.open`): every path ends in a text editor tab whose model asks the
 * `modules` file system for the file; the server refuses (PermissionDenied), so the file system
 * throws NoPermissions — no text ever reaches VS Code, no `TextDocument` is created — and reports
 * the denial. This module then opens the custom editor `protectedModules.deniedView` (a
 * `CustomReadonlyEditorProvider`: no `TextDocument`, a webview) for the same URI in the same
 * group and closes the failed text tab. The custom editor's priority is "option", so readable
 * files keep opening in ordinary text editors.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import { atLeast, type AccessLevel } from '../shared/access/levels';
import { Requests, MODULES_SCHEME, type ModuleSummary, type PermissionDeniedData } from '../shared/protocol';
import { accessRequestText, renderDeniedPage, type DeniedViewModel } from './deniedPage';
import type { Environments } from './environments';
import type { ModulesFileSystem } from './fileSystem';
import { openInterface } from './interfaceDocuments';
import { requestForModule, requestStateSentence } from './accessRequests';
import { requestAccess } from './commands/requestAccess';
import { escapeHtml, htmlPage, makeNonce } from './webview';

export const DENIED_VIEW_TYPE = 'protectedModules.deniedView';

/** What a test (or the API) can see of an open denied view. */
export interface DeniedViewState {
  uri: string;
  /** `denied` while the view explains a denial, `readable` when the user may now open the file. */
  state: 'denied' | 'readable' | 'error';
  model?: DeniedViewModel;
  html: string;
}

interface OpenView {
  uri: vscode.Uri;
  panel: vscode.WebviewPanel;
  state: DeniedViewState;
}

export class DeniedView implements vscode.CustomReadonlyEditorProvider, vscode.Disposable {
  private readonly views = new Set<OpenView>();
  private readonly replacing = new Set<string>();
  /** Text tabs of `modules:` URIs opened recently (URI → when, where). */
  private readonly recentlyOpened = new Map<string, { at: number; viewColumn: vscode.ViewColumn }>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly shownEmitter = new vscode.EventEmitter<DeniedViewState>();
  /** Fires when a denied view has rendered (test hook). */
  readonly onDidShow = this.shownEmitter.event;
  private readonly requestOutcomeEmitter = new vscode.EventEmitter<{ uri: string; sent: boolean }>();
  /** Fires when Request Access… started from a denied view has ended, sent or not (test hook). */
  readonly onDidRequestAccess = this.requestOutcomeEmitter.event;

  constructor(
    private readonly environments: Environments,
    private readonly fs: ModulesFileSystem,
  ) {
    this.disposables.push(
      vscode.window.registerCustomEditorProvider(DENIED_VIEW_TYPE, this, {
        supportsMultipleEditorsPerDocument: false,
        webviewOptions: { retainContextWhenHidden: false },
      }),
      // A denial from the file system: a text tab for that URI is (about to be) open.
      fs.onDidDeny((d) => this.scheduleReplace(d.uri)),
      // A tab opened for a URI already known to be denied.
      vscode.window.tabGroups.onDidChangeTabs((e) => {
        for (const tab of [...e.opened, ...e.changed]) {
          if (tab.input instanceof vscode.TabInputText && tab.input.uri.scheme === MODULES_SCHEME) {
            if (e.opened.includes(tab)) {
              const now = Date.now();
              for (const [k, v] of this.recentlyOpened) if (now - v.at > 10000) this.recentlyOpened.delete(k);
              this.recentlyOpened.set(tab.input.uri.toString(), { at: Date.now(), viewColumn: tab.group.viewColumn });
            }
            if (this.fs.denial(tab.input.uri)) this.scheduleReplace(tab.input.uri);
          }
        }
        // A text tab closed after its file was read (a TextDocument exists: the open did not
        // fail) is no failed open: a later denial of that file (after an access change) must not
        // bring it back as a denied view.
        for (const tab of e.closed) {
          if (tab.input instanceof vscode.TabInputText && tab.input.uri.scheme === MODULES_SCHEME) {
            const key = tab.input.uri.toString();
            if (vscode.workspace.textDocuments.some((d) => d.uri.toString() === key)) this.recentlyOpened.delete(key);
          }
        }
      }),
      // A plain `file:` workspace reads files from disk without asking the server: when such a
      // file turns out to be unreadable for the user, its editor is closed and the denied view
      // (for the same file through `modules:`) shown instead. (Reopening the folder as a module
      // workspace is what keeps the text out of VS Code altogether; the client offers it.)
      vscode.workspace.onDidOpenTextDocument((doc) => void this.checkFileDocument(doc)),
      // (open text editors the user may no longer read are handled by followAccess.ts)
      environments.onDidChangeAccess(() => void this.refreshAll()),
      environments.onDidChangeModules(() => this.refreshAll()),
      // SPEC 8: the state of the user's request (sent, granted, declined) shows at once.
      environments.onDidChangeAccessRequests(() => this.refreshAll()),
    );
  }

  /** States of the open denied views (test hook). */
  states(): DeniedViewState[] {
    return [...this.views].map((v) => v.state);
  }

  private scheduleReplace(uri: vscode.Uri): void {
    const key = uri.toString();
    if (this.replacing.has(key)) return;
    this.replacing.add(key);
    // Let the workbench finish opening (and failing) the text editor first.
    setTimeout(() => {
      void this.replaceTextTabs(uri).finally(() => this.replacing.delete(key));
    }, 50);
  }

  /** See the constructor: a `file:` document under an environment that the user may not read. */
  private async checkFileDocument(doc: vscode.TextDocument): Promise<void> {
    if (doc.uri.scheme !== 'file') return;
    const conn = this.environments.forUri(doc.uri);
    if (!conn) return;
    let access;
    try {
      access = await conn.request(Requests.access, { uri: doc.uri.toString() });
    } catch {
      return;
    }
    if (access.canRead) return;
    const rel = path.relative(conn.env.path, doc.uri.fsPath).split(path.sep).join('/');
    const modulesUri = vscode.Uri.from({ scheme: MODULES_SCHEME, authority: conn.env.name, path: '/' + rel });
    // Only documents shown in an editor (not those opened by code without one).
    await new Promise((r) => setTimeout(r, 150));
    const tabs = this.textTabsFor(doc.uri);
    const first = tabs[0];
    if (!first) return;
    await vscode.commands.executeCommand('vscode.openWith', modulesUri, DENIED_VIEW_TYPE, {
      viewColumn: first.group.viewColumn,
      preview: first.isPreview,
    });
    const stale = this.textTabsFor(doc.uri);
    if (stale.length) await vscode.window.tabGroups.close(stale, true);
  }

  private textTabsFor(uri: vscode.Uri): vscode.Tab[] {
    const key = uri.toString();
    const tabs: vscode.Tab[] = [];
    for (const group of vscode.window.tabGroups.all) {
      for (const tab of group.tabs) {
        if (tab.input instanceof vscode.TabInputText && tab.input.uri.toString() === key) tabs.push(tab);
      }
    }
    return tabs;
  }

  /** Opens the denied view in place of every text tab of `uri`. */
  async replaceTextTabs(uri: vscode.Uri): Promise<void> {
    const tabs = this.textTabsFor(uri);
    if (tabs.length === 0) {
      // The workbench may already have closed the failed editor: if a text tab for this URI was
      // opened a moment ago, the user did open it — show the denied view where it was.
      const recent = this.recentlyOpened.get(uri.toString());
      if (recent && Date.now() - recent.at < 3000) {
        this.recentlyOpened.delete(uri.toString());
        await vscode.commands.executeCommand('vscode.openWith', uri, DENIED_VIEW_TYPE, { viewColumn: recent.viewColumn });
      }
      return;
    }
    for (const tab of tabs) {
      await vscode.commands.executeCommand('vscode.openWith', uri, DENIED_VIEW_TYPE, {
        viewColumn: tab.group.viewColumn,
        preview: tab.isPreview,
        preserveFocus: !tab.isActive,
      });
    }
    // Close the failed text tabs (re-read: the tab objects may be stale after opening).
    const stale = this.textTabsFor(uri);
    if (stale.length) await vscode.window.tabGroups.close(stale, true);
  }

  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => undefined };
  }

  async resolveCustomEditor(document: vscode.CustomDocument, panel: vscode.WebviewPanel): Promise<void> {
    panel.webview.options = { enableScripts: true, enableCommandUris: false, localResourceRoots: [] };
    const view: OpenView = { uri: document.uri, panel, state: { uri: document.uri.toString(), state: 'error', html: '' } };
    this.views.add(view);
    panel.onDidDispose(() => this.views.delete(view));
    panel.webview.onDidReceiveMessage((msg: { type?: string }) => void this.onMessage(view, msg));
    await this.render(view);
  }

  private async refreshAll(): Promise<void> {
    await Promise.all([...this.views].map((v) => this.render(v)));
  }

  /** Builds the model from what the server may tell this user, then renders. */
  private async render(view: OpenView): Promise<void> {
    const { uri, panel } = view;
    const conn = this.environments.forUri(uri);
    const nonce = makeNonce();
    const cspSource = panel.webview.cspSource;
    const relPath = uri.path.replace(/^\//, '');
    if (!conn) {
      this.setHtml(view, 'error', undefined, messagePage(cspSource, nonce, 'No environment', `No open environment serves ${uri.toString()}.`));
      return;
    }
    let data: PermissionDeniedData | undefined = this.fs.denial(uri)?.data;
    try {
      const access = await conn.request(Requests.access, { uri: uri.toString() });
      if (access.canRead) {
        // Access rose while the view was open (a request approved, a grant, another user
        // previewed): the view turns into the file itself, in the same place, without the user
        // reopening it (issue 14).
        if (view.state.state === 'denied') {
          await this.becomeSource(view);
          return;
        }
        this.setHtml(
          view,
          'readable',
          undefined,
          messagePage(cspSource, nonce, 'You can open this file', `Your access to ${access.module ?? 'this module'} is now ${access.access}.`, true),
        );
        return;
      }
      if (!data) {
        // The level a denial needs is the server's to say (SPEC 4.1): its PermissionDenied data.
        data = await conn.request(Requests.readFile, { uri: uri.toString() }).then(
          () => undefined,
          (e: { code?: number; data?: PermissionDeniedData }) => (e?.code === -32001 ? e.data : undefined),
        );
      }
      const sealed = data?.sealed;
      data = {
        ...(sealed ? { sealed } : {}),
        // No module in the answer: the file is outside modules (environment.json and the like).
        module: access.module ?? '',
        access: access.access,
        required: data?.required ?? 'open',
        owner: access.owner ?? data?.owner ?? '',
      };
    } catch {
      // Fall back to the denial's data (the server may refuse `access` for the same reason).
    }
    if (!data) {
      this.setHtml(view, 'error', undefined, messagePage(cspSource, nonce, 'Cannot open this file', `${relPath} cannot be opened.`));
      return;
    }
    const model: DeniedViewModel = {
      path: relPath,
      module: data.module,
      owner: data.owner,
      access: data.access,
      required: data.required,
      ...(data.sealed ? { sealed: { publisher: data.sealed.publisher } } : {}),
    };
    const [who, list, iface, requests] = await Promise.all([
      conn.request(Requests.whoami, {}).catch(() => undefined),
      conn.request(Requests.listModules, {}).catch(() => undefined),
      atLeast(data.access as AccessLevel, 'reference')
        ? conn.request(Requests.moduleInterface, { module: data.module }).catch(() => undefined)
        : Promise.resolve(undefined),
      // SPEC 8: only a host offers requests (local mode keeps Copy Access Request).
      conn.env.host && data.module && !data.sealed ? conn.request(Requests.listAccessRequests, {}).catch(() => undefined) : Promise.resolve(undefined),
    ]);
    if (who?.user) {
      model.user = who.user;
      model.userDisplayName = who.displayName;
    }
    if (model.module === '') model.outside = who?.known ? 'adminsOnly' : who?.policyValid === false ? 'invalidPolicy' : 'unknownUser';
    const summary: ModuleSummary | undefined = list?.modules.find((m) => m.name === data!.module);
    if (summary) {
      model.version = summary.version;
      model.description = summary.description;
      if (!model.owner) model.owner = summary.owner;
      // SPEC 9: the denial may have come from an earlier read; listModules says it too.
      if (summary.sealed && !model.sealed) model.sealed = { publisher: summary.sealed.publisher };
    }
    // (a list that could not be read still offers Request Access…: the host refuses a second request)
    if (conn.env.host && who?.authenticated && who.user && model.module && !model.sealed) {
      const latest = requests ? requestForModule(requests.requests, who.user, model.module) : undefined;
      model.requests = latest
        ? { latest: { state: latest.state, access: latest.access, sentence: requestStateSentence(latest, model.owner, Date.now()) } }
        : {};
    }
    if (iface) {
      model.elements = iface.elements;
      model.version = model.version ?? iface.version;
    }
    this.setHtml(view, 'denied', model, renderDeniedPage(model, { cspSource, nonce }));
  }

  private setHtml(view: OpenView, state: DeniedViewState['state'], model: DeniedViewModel | undefined, html: string): void {
    // A render that finished after the view was closed (or turned into the source) changes nothing.
    if (!this.views.has(view)) return;
    view.panel.webview.html = html;
    view.panel.title = `${view.uri.path.split('/').pop()} (access denied)`;
    if (state === 'readable') view.panel.title = view.uri.path.split('/').pop() ?? 'file';
    view.state = { uri: view.uri.toString(), state, model, html };
    this.shownEmitter.fire(view.state);
  }

  private async onMessage(view: OpenView, msg: { type?: string }): Promise<void> {
    const model = view.state.model;
    switch (msg.type) {
      case 'showInterface':
        if (model) await openInterface(view.uri.authority, model.module, undefined, vscode.ViewColumn.Beside);
        break;
      case 'copyRequest':
        if (model) {
          await vscode.env.clipboard.writeText(accessRequestText(model));
          void vscode.window.showInformationMessage(
            `Copied an access request for ${model.module} to the clipboard — send it to ${model.owner || 'the owner'}.`,
          );
        }
        break;
      case 'requestAccess':
        // only where the page offers it (a module's file, connected to a host)
        if (model && model.module && model.requests) {
          const outcome = await requestAccess(this.environments, { env: view.uri.authority, module: model.module }, { required: model.required });
          this.requestOutcomeEmitter.fire({ uri: view.uri.toString(), sent: outcome.sent });
          await this.render(view);
        }
        break;
      case 'open':
        await vscode.commands.executeCommand('vscode.openWith', view.uri, 'default', { viewColumn: view.panel.viewColumn });
        view.panel.dispose();
        break;
    }
  }

  /**
   * Replaces the view by the file's text editor in the same group (focused when the view was).
   * The `readable` state is fired first (test hook), then the panel is disposed.
   */
  private async becomeSource(view: OpenView): Promise<void> {
    if (!this.views.has(view)) return; // disposed meanwhile
    const column = view.panel.viewColumn;
    const focus = view.panel.active;
    this.setHtml(
      view,
      'readable',
      undefined,
      messagePage(view.panel.webview.cspSource, makeNonce(), 'Opening the file', 'Your access now allows reading this file.'),
    );
    await vscode.commands.executeCommand('vscode.openWith', view.uri, 'default', { viewColumn: column, preserveFocus: !focus, preview: false });
    view.panel.dispose();
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
    this.shownEmitter.dispose();
    this.requestOutcomeEmitter.dispose();
  }
}

/** A small page with a heading, a sentence and, optionally, an **Open File** button. */
function messagePage(cspSource: string, nonce: string, title: string, text: string, openButton = false): string {
  return htmlPage({
    cspSource,
    nonce,
    title,
    style:
      'body{font-family:var(--vscode-font-family);color:var(--vscode-foreground);padding:16px 24px}button{color:var(--vscode-button-foreground);background:var(--vscode-button-background);border:none;padding:5px 12px;cursor:pointer}',
    body: `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>${openButton ? '<button data-action="open" id="open">Open File</button>' : ''}`,
    script: openButton
      ? "const vscode=acquireVsCodeApi();document.getElementById('open').addEventListener('click',()=>vscode.postMessage({type:'open'}));"
      : undefined,
  });
}
