/**
 * The environment folders of the window (SPEC 2, 5) and their language servers: a workspace folder
 * is an environment when it is a `file:` folder with an `environment.json` at its root, or a
 * `modules://<name>/` folder whose path on disk is known (remembered by **Open Module
 * Workspace…**, or set in the `protectedModules.environmentFolders` setting).
 */
import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { INTERFACE_SCHEME, MODULES_SCHEME } from '../shared/protocol';
import { EnvironmentConnection, CONFIG_SECTION } from './languageClient';
import { lspUrl } from './hostTransport';

/** An environment folder: its `modules://` authority (the folder's base name) and its path on disk. */
export interface EnvironmentFolder {
  name: string;
  /** Absolute path of the folder on disk (the folder that holds `environment.json`); `''` for an
   *  environment served by a host (nothing of it is on this machine). */
  path: string;
  /** The host's WebSocket URL when the environment is served by a host (SPEC 7). */
  host?: string;
  /** The workspace folder it came from. */
  workspaceFolder: vscode.WorkspaceFolder;
}

const PATHS_KEY = 'protectedModules.environmentPaths';

/** The remembered name → path mapping of `modules://` environments (global state + setting). */
export function knownEnvironmentPaths(context: vscode.ExtensionContext): Record<string, string> {
  const remembered = context.globalState.get<Record<string, string>>(PATHS_KEY) ?? {};
  const configured = vscode.workspace.getConfiguration(CONFIG_SECTION).get<Record<string, string>>('environmentFolders') ?? {};
  return { ...remembered, ...configured };
}

/** Remembers where the environment `name` is on disk (for a later `modules://name/` workspace). */
export async function rememberEnvironmentPath(context: vscode.ExtensionContext, name: string, p: string): Promise<void> {
  const remembered = context.globalState.get<Record<string, string>>(PATHS_KEY) ?? {};
  await context.globalState.update(PATHS_KEY, { ...remembered, [name]: p });
}

/** The `protectedModules.host` setting as a WebSocket URL, or `undefined` (local mode). */
export function hostSetting(): string | undefined {
  const v = vscode.workspace.getConfiguration(CONFIG_SECTION).get<string>('host');
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  try {
    return lspUrl(v);
  } catch {
    return undefined;
  }
}

/** True when `dir` (a path on disk) holds an `environment.json`. */
export function isEnvironmentFolder(dir: string): boolean {
  try {
    return fs.statSync(path.join(dir, 'environment.json')).isFile();
  } catch {
    return false;
  }
}

/** Every environment folder of the workspace, and the `modules:` folders whose path is unknown. */
export function discoverEnvironments(context: vscode.ExtensionContext): {
  environments: EnvironmentFolder[];
  unresolved: vscode.WorkspaceFolder[];
} {
  const environments: EnvironmentFolder[] = [];
  const unresolved: vscode.WorkspaceFolder[] = [];
  const paths = knownEnvironmentPaths(context);
  const host = hostSetting();
  for (const wf of vscode.workspace.workspaceFolders ?? []) {
    if (host && wf.uri.scheme === MODULES_SCHEME) {
      // Connected to a host (SPEC 7): every module workspace is served by it.
      environments.push({ name: wf.uri.authority, path: '', host, workspaceFolder: wf });
    } else if (wf.uri.scheme === 'file' && isEnvironmentFolder(wf.uri.fsPath)) {
      environments.push({ name: path.basename(wf.uri.fsPath), path: wf.uri.fsPath, workspaceFolder: wf });
    } else if (wf.uri.scheme === MODULES_SCHEME) {
      const p = paths[wf.uri.authority];
      if (p && isEnvironmentFolder(p)) environments.push({ name: wf.uri.authority, path: p, workspaceFolder: wf });
      else unresolved.push(wf);
    }
  }
  // One server per environment: the same folder opened twice (file: and modules:) shares it.
  const seen = new Set<string>();
  return {
    environments: environments.filter((e) => (seen.has(e.name) ? false : (seen.add(e.name), true))),
    unresolved,
  };
}

/** The running environments of the window, keyed by name, with their servers. */
export class Environments implements vscode.Disposable {
  private readonly connections = new Map<string, EnvironmentConnection>();
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  private readonly accessEmitter = new vscode.EventEmitter<EnvironmentConnection>();
  private readonly modulesEmitter = new vscode.EventEmitter<EnvironmentConnection>();
  private readonly requestsEmitter = new vscode.EventEmitter<EnvironmentConnection>();
  /** Fires when environments are added or removed. */
  readonly onDidChange = this.changeEmitter.event;
  /** Fires on any server's `didChangeAccess` (and after a (re)start). */
  readonly onDidChangeAccess = this.accessEmitter.event;
  /** Fires on any server's `didChangeModules`. */
  readonly onDidChangeModules = this.modulesEmitter.event;
  /** Fires on any server's `didChangeAccessRequests` (SPEC 8). */
  readonly onDidChangeAccessRequests = this.requestsEmitter.event;
  private readonly disposables: vscode.Disposable[] = [];
  private unresolvedReported = new Set<string>();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly output: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.sync()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${CONFIG_SECTION}.environmentFolders`) || e.affectsConfiguration(`${CONFIG_SECTION}.host`)) void this.sync();
      }),
    );
  }

  /** All running connections. */
  all(): EnvironmentConnection[] {
    return [...this.connections.values()];
  }

  get(name: string): EnvironmentConnection | undefined {
    return this.connections.get(name);
  }

  /** Restarts every connection (after a new token was stored). */
  async restart(): Promise<void> {
    for (const c of this.connections.values()) c.dispose();
    this.connections.clear();
    this.changeEmitter.fire();
    await this.sync();
  }

  /** The environment a `modules:`, `module-interface:` or `file:` URI belongs to. */
  forUri(uri: vscode.Uri): EnvironmentConnection | undefined {
    if (uri.scheme === MODULES_SCHEME || uri.scheme === INTERFACE_SCHEME) return this.connections.get(uri.authority);
    if (uri.scheme === 'file') {
      const p = uri.fsPath;
      for (const c of this.connections.values()) {
        if (!c.env.path) continue;
        const rel = path.relative(c.env.path, p);
        if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) return c;
      }
    }
    return undefined;
  }

  /** Starts servers for new environment folders and stops those of removed ones. */
  async sync(): Promise<void> {
    const { environments, unresolved } = discoverEnvironments(this.context);
    const wanted = new Map(environments.map((e) => [e.name, e]));
    let changed = false;
    for (const [name, conn] of this.connections) {
      const w = wanted.get(name);
      if (!w || w.path !== conn.env.path || w.host !== conn.env.host) {
        this.connections.delete(name);
        conn.dispose();
        changed = true;
      }
    }
    const starting: Promise<void>[] = [];
    for (const env of environments) {
      if (this.connections.has(env.name)) continue;
      const conn: EnvironmentConnection = new EnvironmentConnection(env, this.context, this.output, (uri) => this.forUri(uri) === conn);
      this.connections.set(env.name, conn);
      conn.onDidChangeAccess(() => this.accessEmitter.fire(conn));
      conn.onDidChangeModules(() => this.modulesEmitter.fire(conn));
      conn.onDidChangeAccessRequests(() => this.requestsEmitter.fire(conn));
      starting.push(
        conn.start().catch((e: unknown) => {
          this.output.appendLine(`[client] could not start the server for ${env.name}: ${String(e)}`);
          void vscode.window.showErrorMessage(
            `Protected Modules: the language server for "${env.name}" could not start: ${e instanceof Error ? e.message : String(e)}`,
          );
        }),
      );
      changed = true;
    }
    for (const wf of unresolved) this.reportUnresolved(wf);
    if (changed) this.changeEmitter.fire();
    await Promise.all(starting);
  }

  private reportUnresolved(wf: vscode.WorkspaceFolder): void {
    const name = wf.uri.authority;
    if (this.unresolvedReported.has(name)) return;
    this.unresolvedReported.add(name);
    void vscode.window
      .showErrorMessage(
        `Protected Modules does not know where the environment "${name}" is on disk, so its module workspace cannot be shown. Locate its folder (the one with environment.json).`,
        'Locate Folder…',
      )
      .then(async (choice) => {
        if (choice !== 'Locate Folder…') return;
        const picked = await vscode.window.showOpenDialog({
          canSelectFiles: false,
          canSelectFolders: true,
          canSelectMany: false,
          openLabel: `Use for "${name}"`,
        });
        const dir = picked?.[0];
        if (!dir) return;
        if (!isEnvironmentFolder(dir.fsPath)) {
          void vscode.window.showErrorMessage(`${dir.fsPath} has no environment.json.`);
          return;
        }
        await rememberEnvironmentPath(this.context, name, dir.fsPath);
        this.unresolvedReported.delete(name);
        await this.sync();
      });
  }

  dispose(): void {
    for (const c of this.connections.values()) c.dispose();
    this.connections.clear();
    this.disposables.forEach((d) => d.dispose());
    this.changeEmitter.dispose();
    this.accessEmitter.dispose();
    this.modulesEmitter.dispose();
    this.requestsEmitter.dispose();
  }
}
