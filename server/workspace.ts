/**
 * The server's view of the workspace: one loaded environment per workspace folder that has an
 * `environment.json` (SPEC 2), a `Program` per environment queried for the current user, and the
 * open documents (an overlay over the files on disk).
 *
 * Everything a feature needs starts here:
 * - {@link Workspace.locate} turns a document URI (`file:`, `modules:`, `module-interface:`) into
 *   the environment, the real absolute path and the module it belongs to;
 * - {@link Workspace.view} gives the Program's view for the current user;
 * - {@link Workspace.moduleAccess} / {@link Workspace.moduleByName} decide access (SPEC 2.3);
 * - {@link Workspace.onDidChange} tells when something that can change answers happened.
 *
 * Open documents overlay the disk only in modules the user may open (≥ `open`): a user below that
 * cannot make the checker see a different version of a module they may not read.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TextDocuments, FileChangeType, type Connection, type FileEvent } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Environment, ModuleInfo } from '../shared/environment/model';
import { loadEnvironment } from '../shared/environment/load';
import type { AccessLevel } from '../shared/access/levels';
import type { AccessGate } from '../shared/access/gate';
import { Program } from '../shared/program/program';
import type { Session } from './session';
import { removeIfStaleTempFile } from './atomicWrite';
import { Disk, type Walk } from './disk';
import { reportInternalError } from './errors';
import { outermostEnvironment } from './environment-root';
import { isInside, isStrictlyInside, joinInside, parseUri, pathFromFileUriOrPath, resolveRealPath } from './uris';

/** The name of the policy file at an environment's root (SPEC 2.1). */
export const ENVIRONMENT_FILE = 'environment.json';
/** The name of a module's manifest (SPEC 2.2). */
export const MODULE_FILE = 'module.json';

/** A user's access with the reason the resolver gave (SPEC 2.3). */
export interface Access {
  level: AccessLevel;
  reason: string;
}

/** The per-user view of a Program (`program.forUser(user)`). */
export type UserView = ReturnType<Program['forUser']>;

/**
 * One environment of the workspace. `env` is replaced on every reload; hold the state, not it.
 */
export class EnvironmentState {
  /** The loaded environment (replaced on reload). */
  env: Environment;
  /** The Program over `env` (kept; told about every change). */
  readonly program: Program;
  /** Bumped whenever `env` is replaced or a file of it changes. */
  generation = 0;
  /** Every module by its (real, absolute) folder. */
  private byFolder = new Map<string, ModuleInfo>();
  /** Listeners of {@link onDidUpdate} (the host's sessions sharing this environment). */
  private readonly updateListeners = new Set<(update: EnvironmentUpdate) => void>();

  /**
   * @param root the real absolute path of the environment folder
   * @param given the folder as the client named it (may be a symbolic link to `root`)
   * @param onDotFile called for every dot-file of the first walk (`loadEnvironment`'s option)
   */
  constructor(
    readonly root: string,
    readonly given: string,
    private readonly workspace: Workspace,
    onDotFile?: (path: string) => void,
  ) {
    this.env = loadEnvironment(root, { onDotFile });
    this.indexModules();
    this.program = this.newProgram();
  }

  private indexModules(): void {
    this.byFolder = new Map(this.env.modules.map((m) => [m.folder, m]));
  }

  /** The module whose folder is exactly `abs`, if any. */
  moduleAtFolder(abs: string): ModuleInfo | undefined {
    return this.byFolder.get(abs);
  }

  /** The base name of the environment folder: the authority of `modules:` and `module-interface:` URIs. */
  get folderName(): string {
    return this.env.folderName;
  }

  /**
   * Re-reads the environment from disk and hands it to the Program (`updateEnvironment`). When
   * the folder cannot be read any more the previous state is kept.
   */
  reload(paths?: string[]): void {
    const before = this.env;
    try {
      this.env = loadEnvironment(this.root);
    } catch {
      return;
    }
    if (!this.env.policy) {
      // While the policy is invalid, its details are for the admins (SPEC 4.1): those it names,
      // and those of the last valid policy this server knew (an empty or unreadable file names none).
      const last = before.policy?.admins ?? before.declaredAdmins ?? [];
      this.env.declaredAdmins = [...new Set([...(this.env.declaredAdmins ?? []), ...last])];
    }
    this.indexModules();
    this.program.updateEnvironment(this.env);
    this.generation++;
    for (const l of this.updateListeners) l({ kind: 'reload', ...(paths ? { paths } : {}) });
  }

  /** Tells the Program that the text of a file may have changed (on disk or in an open document). */
  updateFile(abs: string): void {
    this.program.updateFile(abs);
    this.generation++;
    for (const l of this.updateListeners) l({ kind: 'file', path: abs });
  }

  /**
   * Registers a listener called after every {@link reload} and {@link updateFile} (used by the
   * host, SPEC 7: sessions sharing this environment follow its changes).
   * @returns a function that removes the listener
   */
  onDidUpdate(listener: (update: EnvironmentUpdate) => void): () => void {
    this.updateListeners.add(listener);
    return () => this.updateListeners.delete(listener);
  }

  private newProgram(): Program {
    return new Program(this.env, {
      readFile: (p: string) => this.workspace.readSource(this, p)?.text,
      readFileWithIdentity: (p: string) => this.workspace.readSource(this, p),
    });
  }
}

/** Runs `f`; an exception goes to the server's own log only (never to the client, SPEC 4.1). */
function contained(what: string, f: () => void): void {
  try {
    f();
  } catch (e) {
    reportInternalError(() => undefined, what, e);
  }
}

/** A change of an {@link EnvironmentState}: reloaded from disk, or one file's text changed. */
export type EnvironmentUpdate = { kind: 'reload'; paths?: string[] } | { kind: 'file'; path: string };

/** What a document URI names, once matched against the environments. */
export type Located =
  /** A path in an environment, walked under the current user's gate ({@link Disk.walk}): `path` is
   *  real (symbolic links resolved) as far as the gate let the walk look, inside `state.root`;
   *  `module` is the innermost module containing it. */
  | { kind: 'path'; state: EnvironmentState; path: string; module?: ModuleInfo; walk: Walk }
  /** An interface document `module-interface://<folder>/<module>.logic`. */
  | { kind: 'interface'; state: EnvironmentState; module: string };

/** What changed, for listeners of {@link Workspace.onDidChange}. */
export interface WorkspaceChange {
  /** The access of the user may differ (user switched, policy or a manifest changed). */
  access: boolean;
  /** Modules, their files or their interfaces may differ. */
  modules: boolean;
  /** The files whose change caused this (absolute paths), when known: a client is told only about
   *  changes it may know of (SPEC 4.1; `languageServer.ts`). `undefined`: unknown, always told. */
  paths?: string[];
}

/**
 * The environments and open documents of one server.
 */
export class Workspace {
  /** The open documents (synced incrementally), keyed by the URI the client used. */
  readonly documents = new TextDocuments(TextDocument);
  /**
   * Lower-cased folder names of the `modules://<name>/` workspace folders the client opened: for
   * these environments, locations the server sends are `modules:` URIs even when no document of
   * theirs is open (a `file:` location would open an editor that bypasses the access-checked file
   * system, SPEC 5).
   */
  readonly modulesWorkspaceFolders = new Set<string>();

  /** Notes a client workspace folder; `modules:` ones are remembered (see {@link modulesWorkspaceFolders}). */
  noteClientFolder(uri: string, added = true): void {
    const p = parseUri(uri);
    if (p?.scheme !== 'modules' || !p.folderName) return;
    if (added) this.modulesWorkspaceFolders.add(p.folderName.toLowerCase());
    else this.modulesWorkspaceFolders.delete(p.folderName.toLowerCase());
  }
  /** The loaded environments (the host's sessions share them, see server/sharedEnvironments.ts). */
  protected readonly states: EnvironmentState[] = [];
  private readonly listeners: ((change: WorkspaceChange) => void)[] = [];
  /** Where each open document lives (`null`: not in an environment); filled lazily. */
  protected readonly documentPaths = new Map<string, { state: EnvironmentState; path: string } | null>();

  /** Every disk access for module content goes through it (SPEC 4.1; tests inject a counting one). */
  readonly disk: Disk;

  /** True for a session of the environment host (SPEC 7): a remote client, served from a shared index. */
  get remote(): boolean {
    return false;
  }

  /**
   * @param session the current user
   * @param disk the disk layer (default: a new one)
   */
  constructor(
    readonly session: Session,
    disk?: Disk,
  ) {
    this.disk = disk ?? new Disk();
    session.onDidChangeUser(() => {
      this.documentPaths.clear();
      // Whether an open document overlays the disk depends on the user's access.
      for (const doc of this.documents.all()) {
        const where = this.whereIs(doc.uri);
        if (where) where.state.updateFile(where.path);
      }
      this.fire({ access: true, modules: true });
    });
    // The event emitter of vscode-jsonrpc logs a listener's exception, stack and all, to the
    // client: the listeners catch their own (SPEC 4.1, details only in the server's log).
    this.documents.onDidChangeContent((e) => contained('document change', () => this.documentChanged(e.document.uri)));
    this.documents.onDidClose((e) =>
      contained('document close', () => {
        this.documentChanged(e.document.uri);
        this.documentPaths.delete(e.document.uri);
      }),
    );
  }

  /** Starts syncing documents over `connection` (call before `connection.listen()`). */
  listen(connection: Connection): void {
    this.documents.listen(connection);
  }

  /** Every loaded environment, in the order their folders were added. */
  get environments(): readonly EnvironmentState[] {
    return this.states;
  }

  /** Registers a listener for changes that may alter answers (diagnostics, access, modules). */
  onDidChange(listener: (change: WorkspaceChange) => void): void {
    this.listeners.push(listener);
  }

  /** Calls every listener. */
  fire(change: WorkspaceChange): void {
    for (const l of this.listeners) l(change);
  }

  /**
   * Adds a workspace folder: loaded as an environment when it has an `environment.json` at its
   * root, ignored otherwise (and when already added).
   * @param folder a `file:` URI or an absolute path
   * @returns the environment, or `undefined` when the folder is not one
   */
  addFolder(folder: string): EnvironmentState | undefined {
    const given = pathFromFileUriOrPath(folder);
    if (!given) return undefined;
    let real: string;
    try {
      real = fs.realpathSync.native(given);
    } catch {
      return undefined;
    }
    // SPEC 4.1: environments do not nest. A folder inside a loaded environment is part of it; a
    // folder inside an environment folder on disk is served as that (outermost) environment, and
    // an `environment.json` below an environment's root is an ordinary file.
    const enclosing = this.states.find((s) => isInside(s.root, real));
    if (enclosing) return enclosing;
    const root = outermostEnvironment(real);
    if (!root) return undefined;
    const existing = this.states.find((s) => s.root === root);
    if (existing) return existing;
    // Environments loaded before, inside the new one, become part of it.
    for (let i = this.states.length - 1; i >= 0; i--) if (isInside(root, this.states[i].root)) this.states.splice(i, 1);
    // Temporary files of writes cut off by a crash (atomicWrite.ts) are removed during the
    // environment's first walk (issue 15: a second walk of every folder was ~10% of the cold start).
    const state = new EnvironmentState(root, root === real ? path.resolve(given) : root, this, removeIfStaleTempFile);
    this.states.push(state);
    this.documentPaths.clear();
    return state;
  }

  /** Removes the environment of a workspace folder (a `file:` URI or a path). */
  removeFolder(folder: string): void {
    const given = pathFromFileUriOrPath(folder);
    if (!given) return;
    const real = resolveRealPath(given);
    const i = this.states.findIndex((s) => s.root === real || s.given === path.resolve(given));
    if (i >= 0) this.states.splice(i, 1);
    this.documentPaths.clear();
  }

  /**
   * The environment whose folder name is `folderName` (the authority of our URI schemes). An exact
   * match wins; otherwise the name matches case-insensitively, because URI authorities are
   * case-insensitive and VS Code's `URI.toString()` (like vscode-uri's) lower-cases them
   * (`modules://Acme/…` reaches the server as `modules://acme/…`). docs/DECISIONS.md.
   */
  byFolderName(folderName: string): EnvironmentState | undefined {
    const exact = this.states.find((s) => s.folderName === folderName);
    if (exact) return exact;
    const lower = folderName.toLowerCase();
    return this.states.find((s) => s.folderName.toLowerCase() === lower);
  }

  /**
   * The environment containing an absolute path, comparing both the real and the given root.
   * @returns the environment and the path rebased onto its real root (not yet resolved)
   */
  byPath(abs: string): { state: EnvironmentState; path: string } | undefined {
    for (const s of this.states) {
      if (isInside(s.root, abs)) return { state: s, path: abs };
      if (isInside(s.given, abs)) return { state: s, path: path.join(s.root, path.relative(s.given, abs)) };
    }
    return undefined;
  }

  /**
   * Matches a document URI against the environments and walks its path under the current user's
   * gate ({@link Disk.walk}: links resolved step by step, never into what the gate refuses). The
   * walk's verdict is the access decision (SPEC 4.1).
   * @returns `undefined` for another scheme, an unknown environment or a path that lexically
   *   leaves it
   */
  locate(uri: string): Located | undefined {
    const parsed = parseUri(uri);
    if (!parsed) return undefined;
    if (parsed.scheme === 'interface') {
      const state = this.byFolderName(parsed.folderName);
      return state && { kind: 'interface', state, module: parsed.module };
    }
    let state: EnvironmentState | undefined;
    let raw: string;
    if (parsed.scheme === 'modules') {
      state = this.byFolderName(parsed.folderName);
      if (!state) return undefined;
      raw = path.resolve(state.root, ...parsed.relPath.split('/').filter((s) => s !== ''));
    } else {
      const hit = this.byPath(parsed.path);
      if (!hit) return undefined;
      state = hit.state;
      raw = path.resolve(hit.path);
    }
    if (!isInside(state.root, raw)) return undefined;
    const gate = this.gate(state);
    const walk = this.disk.walk(gate, raw);
    return { kind: 'path', state, path: walk.path, module: gate.moduleOf(walk.path), walk };
  }

  /** The current user's access gate in an environment (SPEC 4.1). */
  gate(state: EnvironmentState): AccessGate {
    return this.view(state).accessGate;
  }

  /** The innermost module whose folder contains `abs` (or is `abs`), if any. */
  moduleOf(state: EnvironmentState, abs: string): ModuleInfo | undefined {
    return this.gate(state).moduleOf(abs);
  }

  /** Every module whose folder contains `abs` (or is `abs`), outermost first. */
  enclosingModules(state: EnvironmentState, abs: string): ModuleInfo[] {
    return this.gate(state).enclosingModules(abs);
  }

  /** Every module strictly below folder `abs`. */
  modulesBelow(state: EnvironmentState, abs: string): ModuleInfo[] {
    return state.env.modules.filter((m) => isStrictlyInside(abs, m.folder));
  }

  /** The current user's access to a module (SPEC 2.3, 4.1), decided by the gate. */
  moduleAccess(state: EnvironmentState, module: ModuleInfo): Access {
    const d = this.gate(state).moduleAccess(module);
    return { level: d.level, reason: d.reason };
  }

  /**
   * The module named `name` with a valid manifest, with the user's access; `undefined` when no
   * such module exists **or** the user's access to it is `none` (SPEC 2.3: indistinguishable).
   * @param state one environment, or all of them in order when omitted
   */
  moduleByName(name: string, state?: EnvironmentState): { state: EnvironmentState; module: ModuleInfo; access: Access } | undefined {
    for (const s of state ? [state] : this.states) {
      const hit = this.gate(s).visibleModule(name);
      if (hit) return { state: s, module: hit.module, access: { level: hit.access.level, reason: hit.access.reason } };
    }
    return undefined;
  }

  /** The current user's identity in an environment's policy (SPEC 2.1, 2.3 rule 1; `whoami`). */
  userInfo(state: EnvironmentState | undefined): { user: string | null; known: boolean; admin: boolean; displayName?: string; groups: string[] } {
    const summary = state ? this.gate(state).userSummary : { known: false, groups: [], admin: false };
    return { user: this.session.user, ...summary };
  }

  /**
   * The user's access to the environment's own files (everything outside modules, decision in
   * docs/DECISIONS.md): `full` for admins, `open` (read-only) for other known users, `list` for
   * unknown users and whenever the policy is invalid.
   */
  environmentAccess(state: EnvironmentState): AccessLevel {
    return this.gate(state).environmentAccess();
  }

  /** The Program's view for the current user. */
  view(state: EnvironmentState): UserView {
    return state.program.forUser(this.session.user);
  }

  /** The open document whose real path is `abs` in `state`, if any. */
  openDocumentAt(state: EnvironmentState, abs: string): TextDocument | undefined {
    for (const doc of this.documents.all()) {
      const where = this.whereIs(doc.uri);
      if (where && where.state === state && where.path === abs) return doc;
    }
    return undefined;
  }

  /** The environment and real path of an open document (cached), or `null` outside environments. */
  protected whereIs(uri: string): { state: EnvironmentState; path: string } | null {
    let where = this.documentPaths.get(uri);
    if (where === undefined) {
      const l = this.locate(uri);
      where = l?.kind === 'path' ? { state: l.state, path: l.path } : null;
      this.documentPaths.set(uri, where);
    }
    return where;
  }

  /**
   * The Program host's `readFile`: the text of an open document at `abs` when the user may read
   * it (SPEC 4.1, through every enclosing module), else the file on disk read by handle — only
   * when the opened file really is at `abs` (a file whose place changed since the environment was
   * listed, e.g. a folder swapped for a link, is missing until the next reload); `undefined` when
   * unreadable.
   */
  readSource(state: EnvironmentState, abs: string): { text: string; id?: string } | undefined {
    const doc = this.openDocumentAt(state, abs);
    if (doc && this.gate(state).canRead(abs)) return { text: doc.getText() };
    const read = this.disk.readFileAt(abs);
    return read && { text: read.text, id: `${read.id.dev}:${read.id.ino}` };
  }

  /** An open document's text changed or it was closed: the Program re-reads that file. */
  protected documentChanged(uri: string): void {
    const where = this.whereIs(uri);
    if (where && where.path.endsWith('.logic')) where.state.updateFile(where.path);
    this.fire({ access: false, modules: false });
  }

  /**
   * Applies `workspace/didChangeWatchedFiles` events (`file:` or `modules:` URIs): `environment.json` or any `module.json`
   * changed, or a source was created or deleted → the environment is reloaded; a source changed →
   * the Program is rebuilt. Fires one change event when anything was affected.
   */
  filesChanged(events: readonly FileEvent[]): void {
    let access = false;
    let modules = false;
    const reload = new Set<EnvironmentState>();
    const updated: { state: EnvironmentState; path: string }[] = [];
    const paths = new Map<EnvironmentState, string[]>();
    for (const e of events) {
      const parsed = parseUri(e.uri);
      let hit: { state: EnvironmentState; path: string } | undefined;
      if (parsed?.scheme === 'file') hit = this.byPath(parsed.path);
      else if (parsed?.scheme === 'modules') {
        const state = this.byFolderName(parsed.folderName);
        const abs = state && joinInside(state.root, parsed.relPath);
        hit = state && abs ? { state, path: abs } : undefined;
      }
      if (!hit) continue;
      if (!paths.has(hit.state)) paths.set(hit.state, []);
      paths.get(hit.state)!.push(hit.path, resolveRealPath(hit.path));
      const base = path.basename(hit.path);
      // SPEC 9: any change inside a sealed module's folder re-verifies its seal (a reload).
      if (this.enclosingModules(hit.state, resolveRealPath(hit.path)).some((m) => m.sealed) || base === 'SEAL.json') {
        reload.add(hit.state);
        access = true;
      } else if (base === ENVIRONMENT_FILE || base === MODULE_FILE) {
        reload.add(hit.state);
        access = true;
      } else if (base.endsWith('.logic')) {
        if (e.type === FileChangeType.Changed) {
          // The listed path itself (its place may have changed: it is then read as missing, SPEC
          // 4.1) and the file it now reaches.
          updated.push({ state: hit.state, path: hit.path });
          const real = resolveRealPath(hit.path);
          if (real !== hit.path) updated.push({ state: hit.state, path: real });
        } else reload.add(hit.state);
      } else if (e.type !== FileChangeType.Changed) {
        // A folder created or deleted may hold modules.
        reload.add(hit.state);
        access = true;
      }
      modules = true;
    }
    for (const s of reload) s.reload(paths.get(s));
    for (const u of updated) if (!reload.has(u.state)) u.state.updateFile(u.path);
    if (reload.size) this.documentPaths.clear();
    if (access || modules) this.fire({ access, modules, paths: [...paths.values()].flat() });
  }

  /** Reloads one environment after the server itself wrote a file into it, and fires a change. */
  wrote(state: EnvironmentState, abs: string, existed: boolean): void {
    const base = path.basename(abs);
    const structural = base === ENVIRONMENT_FILE || base === MODULE_FILE || !existed;
    if (structural) {
      state.reload([abs]);
      this.documentPaths.clear();
    } else {
      state.updateFile(abs);
    }
    this.fire({ access: base === ENVIRONMENT_FILE || base === MODULE_FILE, modules: true, paths: [abs] });
  }
}
