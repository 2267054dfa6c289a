/**
 * The VS Code client of Protected Modules (SPEC 5) — thin: every answer comes from the language
 * server. `activate` wires the parts together:
 * - `environments.ts` / `languageClient.ts`: one language server per environment folder;
 * - `fileSystem.ts`: the `modules` file system over the server's custom requests;
 * - `interfaceDocuments.ts`: `module-interface:` documents;
 * - `deniedView.ts`: the permission-denied view in place of unreadable files;
 * - `readonlyInfo.ts`: why a read-only module file is read-only;
 * - `modulesView.ts`, `statusBar.ts`, `commands/*`: the Modules view, the user and the commands.
 *
 * The returned object is the extension's API (used by the real-VS-Code test suites).
 */
import * as vscode from 'vscode';
import { atLeast } from '../shared/access/levels';
import { Requests, INTERFACE_SCHEME, MODULES_SCHEME, type RequestTypes, type WhoamiResult } from '../shared/protocol';
import { DeniedView, type DeniedViewState } from './deniedView';
import { Environments, hostSetting } from './environments';
import { hostTokenKey } from './languageClient';
import { ModulesFileSystem } from './fileSystem';
import { InterfaceDocuments } from './interfaceDocuments';
import { ModulesView, type ModulesTreeSnapshot } from './modulesView';
import { ReadonlyInfo } from './readonlyInfo';
import { UserStatusBar } from './statusBar';
import { manageAccess } from './commands/manageAccess';
import { offerModuleWorkspace, openModuleWorkspace } from './commands/openModuleWorkspace';
import type { ModuleArgument } from './commands/pickModule';
import { setProtection } from './commands/protection';
import { showInterface } from './commands/showInterface';
import { showCallSites, shownCallSites } from './commands/showCallSites';
import { switchUser } from './commands/switchUser';
import { AccessFollower, type FollowResult } from './followAccess';
import { goToFile, openModulePath } from './commands/goToFile';
import { findInModulesCommand, type FindOptions } from './commands/findInModules';
import { confirmation } from './commands/protection';
import { openWalkthroughOnFirstStart } from './walkthrough';
import { connectHost, disconnectHost } from './commands/host';
import { AccessRequestsView, type RequestsTreeSnapshot } from './accessRequestsView';
import { requestAccess, type RequestAccessOptions, type RequestAccessOutcome } from './commands/requestAccess';

/** The extension's API: what tests (and other extensions) can ask. */
export interface ProtectedModulesApi {
  /** Resolves when every environment's server is running. */
  ready(): Promise<void>;
  /** The environments of the window (name, path on disk). */
  environments(): { name: string; path: string }[];
  /** Process id of an environment's server (the first environment by default). */
  getServerPid(env?: string): number | undefined;
  /** How many times an environment's server was restarted after stopping unexpectedly. */
  getServerRestarts(env?: string): number;
  /** The notifications shown to the user about an environment's server (crashes), oldest first. */
  getServerMessages(env?: string): { severity: 'error' | 'warning' | 'info'; text: string }[];
  /** The Modules view, expanded, as plain data. */
  getModulesTreeItems(): Promise<ModulesTreeSnapshot[]>;
  /** Shows the Modules view with every module the user may reference expanded. */
  revealModules(): Promise<void>;
  /** The open permission-denied views. */
  getDeniedViews(): DeniedViewState[];
  /** Fires when a permission-denied view has rendered. */
  onDidShowDeniedView: vscode.Event<DeniedViewState>;
  /** Why a `modules:` file is read-only (the text of its read-only message), or undefined. */
  getReadonlyReason(uri: vscode.Uri): Promise<string | undefined>;
  /** The host connection state of an environment (host mode), or undefined in local mode. */
  getHostState(env?: string): string | undefined;
  /** The status-bar item's text and the last `whoami`. */
  getStatusBar(): { text: string; tooltip: string; whoami: WhoamiResult | undefined };
  /** Fires after the open editors were checked against a new access (issue 13). */
  onDidFollowAccess: vscode.Event<FollowResult>;
  /** The status-bar item's accessible name. */
  getStatusBarAccessibility(): vscode.AccessibilityInformation | undefined;
  /** (tests) Answers confirmation dialogs instead of the user; `undefined` restores the dialog. */
  answerConfirmations(answer: ((message: string, detail: string) => boolean) | undefined): void;
  /** The walkthrough opened on this start (`<extension id>#<role>`), if any. */
  walkthroughOpened(): Promise<string | undefined>;
  /** Sends a custom request of SPEC 4 to an environment's server. */
  request<M extends keyof RequestTypes>(
    method: { readonly method: M } | M,
    params: RequestTypes[M]['params'],
    env?: string,
  ): Promise<RequestTypes[M]['result']>;
  /** The entries of the open call-site list (`protectedModules.showCallSites`, SPEC 10), if one is open. */
  getShownCallSites(): string[] | undefined;
  /** The Access Requests view (SPEC 8) as last read (no new request to the server), groups expanded, and its badge. */
  getAccessRequestsView(): Promise<{ items: RequestsTreeSnapshot[]; badge: number | undefined; visible: boolean }>;
  /** Reads the access requests again; resolves with the badge's count. */
  refreshAccessRequests(): Promise<number>;
  /** Fires when Request Access… started from a denied view has ended (sent or not). */
  onDidRequestAccess: vscode.Event<{ uri: string; sent: boolean }>;
  /** Fires after an access change refreshed the Explorer; `restored`: the extension's views were shown again. */
  onDidRefreshExplorer: vscode.Event<{ restored: boolean }>;
}

let environments: Environments | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<ProtectedModulesApi> {
  const output = vscode.window.createOutputChannel('Protected Modules', { log: true });
  environments = new Environments(context, output);
  const envs = environments;
  const fs = new ModulesFileSystem(envs);
  const interfaces = new InterfaceDocuments(envs);
  context.subscriptions.push(
    output,
    envs,
    fs,
    interfaces,
    vscode.workspace.registerFileSystemProvider(MODULES_SCHEME, fs, { isCaseSensitive: true }),
    vscode.workspace.registerTextDocumentContentProvider(INTERFACE_SCHEME, interfaces),
  );
  // `npm start -- --host` hands the token over in the process environment (never a file): keep it
  // in SecretStorage for the configured host (SPEC 7), then forget the variable.
  const handedToken = process.env.PROTECTED_MODULES_HOST_TOKEN;
  const configuredHost = hostSetting();
  if (handedToken && configuredHost) {
    delete process.env.PROTECTED_MODULES_HOST_TOKEN;
    await context.secrets.store(hostTokenKey(configuredHost), handedToken);
  }
  // Creates the connections synchronously (their requests wait for the servers to run).
  const started = envs.sync();

  const denied = new DeniedView(envs, fs);
  const modulesView = new ModulesView(envs);
  const statusBar = new UserStatusBar(envs);
  const readonlyInfo = new ReadonlyInfo(envs, fs);
  const requestsView = new AccessRequestsView(envs);
  const follower = new AccessFollower(envs, fs, denied, () => modulesView.treeView.visible || requestsView.treeView.visible);
  context.subscriptions.push(denied, modulesView, statusBar, readonlyInfo, follower, requestsView);

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- VS Code's own type for a command's arguments
  const register = (id: string, fn: (...args: any[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));
  register('protectedModules.openModuleWorkspace', (arg?: vscode.Uri | string, options?: { dryRun?: boolean }) => openModuleWorkspace(context, arg, options));
  register('protectedModules.switchUser', (user?: string) => {
    // Connected to a host the user is the token's (SPEC 7): nothing to switch.
    if (envs.all().some((c) => c.env.host)) {
      void vscode.window.showInformationMessage(
        'Protected Modules: connected to an environment host, you are the user of your token. Disconnect to preview as another user locally.',
      );
      return undefined;
    }
    return switchUser(envs, user);
  });
  register('protectedModules.connectHost', (url?: string, token?: string, options?: { open?: boolean }) => connectHost(context, envs, url, token, options));
  register('protectedModules.disconnectHost', () => disconnectHost(context, envs));
  register('protectedModules.protectModule', (arg?: ModuleArgument) => setProtection(envs, arg, true));
  register('protectedModules.unprotectModule', (arg?: ModuleArgument) => setProtection(envs, arg, false));
  register('protectedModules.manageAccess', (arg?: ModuleArgument, to?: string, access?: string) => manageAccess(envs, arg, to, access));
  register('protectedModules.showInterface', (arg?: ModuleArgument) => showInterface(envs, arg as never));
  register('protectedModules.refreshModules', () => modulesView.refresh());
  register('protectedModules.showCallSites', (arg?: { uri?: string; module?: string; element?: string }) => showCallSites(envs, arg));
  register('protectedModules.goToFile', (pick?: string) => goToFile(envs, typeof pick === 'string' ? pick : undefined));
  register('protectedModules.openModulePath', (p?: string) => openModulePath(envs, typeof p === 'string' ? p : undefined));
  register('protectedModules.findInModules', (query?: string, options?: FindOptions) =>
    findInModulesCommand(envs, typeof query === 'string' ? query : undefined, options),
  );
  register('protectedModules.showOutput', () => output.show());
  register('protectedModules.requestAccess', (arg?: ModuleArgument, options?: RequestAccessOptions): Promise<RequestAccessOutcome> =>
    requestAccess(envs, arg, options ?? {}),
  );
  register('protectedModules.approveAccessRequest', (arg?: unknown) => requestsView.approve(arg));
  register('protectedModules.declineAccessRequest', (arg?: unknown, note?: string) => requestsView.decline(arg, typeof note === 'string' ? note : undefined));
  register('protectedModules.refreshAccessRequests', () => requestsView.refresh().then(() => undefined));

  // Context keys for `when` clauses: which commands the user may use anywhere.
  const updateContext = async () => {
    const all = envs.all();
    let canAdminister = false;
    let canReference = false;
    for (const conn of all) {
      try {
        const r = await conn.request(Requests.listModules, {});
        canAdminister ||= r.modules.some((m) => m.access === 'full');
        canReference ||= r.modules.some((m) => atLeast(m.access, 'reference'));
      } catch {
        // server not available: keep false
      }
    }
    await vscode.commands.executeCommand('setContext', 'protectedModules.active', all.length > 0);
    await vscode.commands.executeCommand(
      'setContext',
      'protectedModules.moduleWorkspace',
      (vscode.workspace.workspaceFolders ?? []).some((f) => f.uri.scheme === MODULES_SCHEME),
    );
    await vscode.commands.executeCommand('setContext', 'protectedModules.canAdminister', canAdminister);
    await vscode.commands.executeCommand('setContext', 'protectedModules.canReference', canReference);
  };
  context.subscriptions.push(
    envs.onDidChange(() => void updateContext()),
    envs.onDidChangeAccess(() => void updateContext()),
    envs.onDidChangeModules(() => void updateContext()),
  );
  void vscode.commands.executeCommand('setContext', 'protectedModules.active', envs.all().length > 0);

  void offerModuleWorkspace(context);
  const walkthrough = started.then(() => openWalkthroughOnFirstStart(context, envs)).catch(() => undefined);

  const connection = (env?: string) => (env ? envs.get(env) : envs.all()[0]);
  return {
    ready: async () => {
      await started;
      await Promise.all(envs.all().map((c) => c.whenRunning()));
    },
    environments: () => envs.all().map((c) => ({ name: c.env.name, path: c.env.path })),
    getServerPid: (env) => connection(env)?.pid,
    getServerRestarts: (env) => connection(env)?.restarts ?? 0,
    getServerMessages: (env) => [...(connection(env)?.shownMessages ?? [])],
    getModulesTreeItems: () => modulesView.snapshot(),
    revealModules: async () => {
      await vscode.commands.executeCommand('protectedModules.modules.focus');
      // twice: a refresh arriving meanwhile (didChangeModules) may collapse what was expanded
      for (let i = 0; i < 2; i++) {
        await new Promise((r) => setTimeout(r, 400));
        await modulesView.expandAll();
      }
    },
    getDeniedViews: () => denied.states(),
    onDidFollowAccess: follower.onDidFollow,
    walkthroughOpened: () => walkthrough,
    getStatusBarAccessibility: () => statusBar.item.accessibilityInformation,
    answerConfirmations: (answer) => {
      confirmation.ask = answer
        ? async (message, detail) => answer(message, detail)
        : async (message, detail, action) => (await vscode.window.showWarningMessage(message, { modal: true, detail }, action)) === action;
    },
    getHostState: (env) => connection(env)?.hostState,
    onDidShowDeniedView: denied.onDidShow,
    getReadonlyReason: (uri) => readonlyInfo.reason(uri),
    getStatusBar: () => ({
      text: statusBar.item.text,
      tooltip: typeof statusBar.item.tooltip === 'string' ? statusBar.item.tooltip : (statusBar.item.tooltip?.value ?? ''),
      whoami: statusBar.current,
    }),
    getShownCallSites: () => shownCallSites(),
    getAccessRequestsView: async () => ({
      items: await requestsView.snapshot(),
      badge: requestsView.treeView.badge?.value,
      visible: requestsView.treeView.visible,
    }),
    refreshAccessRequests: () => requestsView.refresh().then((loaded) => loaded.reduce((n, l) => n + ('groups' in l ? l.groups.toDecide.length : 0), 0)),
    onDidRequestAccess: denied.onDidRequestAccess,
    onDidRefreshExplorer: follower.onDidRefreshExplorer,
    request: (method, params, env) => {
      const conn = connection(env);
      if (!conn) return Promise.reject(new Error(`no environment ${env ?? ''}`));
      return conn.request(method, params);
    },
  };
}

export async function deactivate(): Promise<void> {
  const envs = environments;
  environments = undefined;
  if (envs) await Promise.all(envs.all().map((c) => c.stop()));
}
