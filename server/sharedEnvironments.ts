/**
 * One index for many sessions (SPEC 7: the host serves many users at once over one shared index;
 * a change saved by one user reaches every other session).
 *
 * - {@link SharedEnvironments}: the environments the host serves, each an {@link EnvironmentState}
 *   whose Program reads **only the disk** (a hidden "root" {@link Workspace} with no documents
 *   loads them, reloads them on disk changes and on every session's writes).
 * - {@link SessionWorkspace}: one session's {@link Workspace}: its own user and open documents,
 *   the shared environments, and per environment an {@link OverlayProgram} that sees the session's
 *   unsaved buffers on top of the shared Program. One session's unsaved text never changes what
 *   another session sees (docs/DECISIONS.md, "The environment host").
 * - {@link OverlayProgram}: a Program that parses and binds only the modules in which its session
 *   has open documents and takes everything else (parses, symbol tables, signatures, structure
 *   fields, interface documents) from the shared Program, so fifty sessions cost one index plus
 *   what each has open.
 */
import type { FileEvent } from 'vscode-languageserver';
import { atLeast } from '../shared/access/levels';
import type { ModuleInfo } from '../shared/environment/model';
import {
  Program,
  type ProgramHost,
  type ElementSymbol,
  type FieldInfo,
  type ModuleSymbols,
  type RenderedInterface,
  type Signature,
} from '../shared/program/program';
import type { SourceFile } from '../shared/language/ast';
import type { StructureType } from '../shared/language/types';
import { Disk } from './disk';
import { Session } from './session';
import { Workspace, type EnvironmentState, type EnvironmentUpdate, type Located, type UserView, type WorkspaceChange } from './workspace';

/**
 * A Program over a shared base Program plus one session's open documents (the "overlay").
 * Files of modules without an overlaid document come from the base; modules with one are parsed
 * and bound here (the overlaid files from the session's text, the others shared with the base).
 * Call {@link setOverlay} when a document opens, changes or closes; {@link updateFile} /
 * {@link updateEnvironment} when the base changed (the session's workspace does both).
 */
export class OverlayProgram extends Program {
  /** Overlaid absolute path → the current text. */
  private readonly overlay = new Map<string, () => string>();
  /** Module folder → number of overlaid files in it; and the same by module name. */
  private readonly overlaidFolders = new Map<string, number>();
  private readonly overlaidNames = new Map<string, number>();
  private readonly moduleOfOverlay = new Map<string, ModuleInfo>();

  /** @param base the shared Program (reads the disk) */
  constructor(readonly base: Program) {
    const host: ProgramHost & { target?: OverlayProgram } = {
      readFile: (p: string) => {
        const text = host.target?.overlay.get(p);
        if (text) return text();
        // Read by handle, only where the environment listed the file (SPEC 4.1, server/disk.ts).
        return DISK.readFileAt(p)?.text;
      },
    };
    super(base.environment, host);
    host.target = this;
  }

  /** True when `path` is one of the session's overlaid documents. */
  isOverlaid(path: string): boolean {
    return this.overlay.has(path);
  }

  /**
   * Overlays `path` with `text` (a getter of the document's current text), or removes the
   * overlay (`undefined`), then re-reads the file.
   */
  setOverlay(path: string, text: (() => string) | undefined): void {
    const had = this.overlay.has(path);
    if (had && text) {
      // Still overlaid: keep this Program's parse so that the edit is re-parsed incrementally.
      this.overlay.set(path, text);
      this.updateFile(path);
      return;
    }
    if (had) {
      const m = this.moduleOfOverlay.get(path);
      this.overlay.delete(path);
      this.moduleOfOverlay.delete(path);
      if (m) {
        dec(this.overlaidFolders, m.folder);
        dec(this.overlaidNames, m.name);
      }
      // Forget this Program's own parse so a later overlay starts afresh (never from a base tree).
      (this as unknown as { parses: Map<string, unknown> }).parses.delete(path);
    }
    if (text) {
      const m = this.moduleOfPath(path);
      this.overlay.set(path, text);
      if (m) {
        this.moduleOfOverlay.set(path, m);
        inc(this.overlaidFolders, m.folder);
        inc(this.overlaidNames, m.name);
      }
    }
    this.updateFile(path);
  }

  /** True when at least one document is overlaid. */
  hasOverlays(): boolean {
    return this.overlay.size > 0;
  }

  /** Every overlaid path (to re-apply after the environment was reloaded). */
  overlaidPaths(): string[] {
    return [...this.overlay.keys()];
  }

  /** Drops every overlay (before re-applying them on a new environment). */
  clearOverlays(): void {
    for (const p of [...this.overlay.keys()]) {
      this.overlay.delete(p);
      (this as unknown as { parses: Map<string, unknown> }).parses.delete(p);
    }
    this.overlaidFolders.clear();
    this.overlaidNames.clear();
    this.moduleOfOverlay.clear();
  }

  override sourceFile(path: string): SourceFile | undefined {
    return this.overlay.has(path) ? super.sourceFile(path) : this.base.sourceFile(path);
  }

  override prepareSourceFile(path: string, pause: () => Promise<void>, stop: () => boolean): Promise<boolean> {
    return this.overlay.has(path) ? super.prepareSourceFile(path, pause, stop) : this.base.prepareSourceFile(path, pause, stop);
  }

  override isParsed(path: string): boolean {
    return this.overlay.has(path) ? super.isParsed(path) : this.base.isParsed(path);
  }

  override filesOf(info: ModuleInfo): string[] {
    if (!this.overlaidFolders.has(info.folder)) return this.base.filesOf(info);
    return [...new Set([...this.base.filesOf(info), ...super.filesOf(info)])].sort();
  }

  override symbolsOf(info: ModuleInfo): ModuleSymbols {
    return this.overlaidFolders.has(info.folder) ? super.symbolsOf(info) : this.base.symbolsOf(info);
  }

  override signatureOf(sym: ElementSymbol): Signature {
    return this.overlaidNames.size && this.overlaidNames.has(sym.module) ? super.signatureOf(sym) : this.base.signatureOf(sym);
  }

  override fieldsOf(t: StructureType, ownSymbols?: ModuleSymbols): FieldInfo[] | undefined {
    return this.overlaidNames.has(t.module) ? super.fieldsOf(t, ownSymbols) : this.base.fieldsOf(t);
  }

  override renderedInterface(name: string, canSeeModule?: (module: string) => boolean): RenderedInterface | undefined {
    return this.overlaidNames.has(name) ? super.renderedInterface(name, canSeeModule) : this.base.renderedInterface(name, canSeeModule);
  }
}

/** True when the file at `abs` holds exactly `text` (compared only when the sizes agree). */
function sameAsDisk(abs: string, text: string): boolean {
  const h = DISK.open(abs);
  if (!h) return false;
  try {
    if (h.stat.size !== Buffer.byteLength(text)) return false;
    return DISK.readHandle(h)?.toString('utf8') === text;
  } finally {
    DISK.close(h.fd);
  }
}

function fileStamp(abs: string): string | undefined {
  const h = DISK.open(abs);
  if (!h) return undefined;
  DISK.close(h.fd);
  return `${h.stat.ino}:${h.stat.size}:${h.stat.mtimeMs}`;
}

/** The disk layer of the sessions' own reads (documents compared with the disk, stamps). */
const DISK = new Disk();

function inc(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}
function dec(map: Map<string, number>, key: string): void {
  const n = (map.get(key) ?? 0) - 1;
  if (n > 0) map.set(key, n);
  else map.delete(key);
}

/**
 * The environments one host serves, shared by all its sessions. Loaded once from the given
 * folders; every session attaches a {@link SessionWorkspace}.
 */
export class SharedEnvironments {
  /** The workspace that owns the shared states: no user, no documents (its Program reads the disk). */
  readonly root: Workspace;

  /**
   * @param folders environment folders (absolute paths); a folder without `environment.json` is
   *   skipped
   */
  constructor(folders: readonly string[]) {
    this.root = new Workspace(new Session(null, {}));
    for (const f of folders) this.root.addFolder(f);
  }

  /** The shared environments. */
  get environments(): readonly EnvironmentState[] {
    return this.root.environments;
  }

  /**
   * Applies changes seen on disk (`file:` URIs): reloads or re-reads as {@link Workspace.filesChanged}
   * does; every session follows (through {@link EnvironmentState.onDidUpdate}).
   */
  filesChanged(events: readonly FileEvent[]): void {
    this.root.filesChanged(events);
  }

  /** Files the host itself wrote → their stamp right after the write (see {@link isOwnWrite}). */
  private readonly ownWrites = new Map<string, string>();

  /** A session wrote a file: reload or re-read it once for everybody. */
  wrote(state: EnvironmentState, abs: string, existed: boolean): void {
    const stamp = fileStamp(abs);
    if (stamp) this.ownWrites.set(abs, stamp);
    this.root.wrote(state, abs, existed);
  }

  /**
   * True when the file at `abs` is still exactly as the host last wrote it (a disk watcher's echo
   * of the host's own write, already applied).
   */
  isOwnWrite(abs: string): boolean {
    const stamp = this.ownWrites.get(abs);
    if (stamp === undefined) return false;
    if (fileStamp(abs) === stamp) return true;
    this.ownWrites.delete(abs);
    return false;
  }

  /** Registers a listener of the root's changes (after disk changes and writes). */
  onDidChange(listener: (change: WorkspaceChange) => void): void {
    this.root.onDidChange(listener);
  }
}

/**
 * One session's workspace on the shared environments: its user and open documents are its own;
 * its answers come from an {@link OverlayProgram} per environment. The client cannot add, remove
 * or reload environments (its folder paths and file events are ignored: the host watches its disk).
 */
export class SessionWorkspace extends Workspace {
  private readonly overlays = new Map<EnvironmentState, OverlayProgram>();
  private readonly disposers: (() => void)[] = [];
  private pending: WorkspaceChange | undefined;

  constructor(
    session: Session,
    readonly shared: SharedEnvironments,
  ) {
    super(session);
    for (const s of shared.environments) {
      this.states.push(s);
      this.disposers.push(s.onDidUpdate((u) => this.sharedUpdate(s, u)));
      // A remote client sees the environment only as `modules://<name>/`: every location the
      // server sends is a `modules:` URI, never a path of the host's disk (SPEC 7).
      this.modulesWorkspaceFolders.add(s.folderName.toLowerCase());
    }
  }

  override get remote(): boolean {
    return true;
  }

  /**
   * `file:` URIs name the host's disk, which a remote client has no business naming: they locate
   * nothing (answered as missing), so a contractor cannot probe the owner's folders with them.
   */
  override locate(uri: string): Located | undefined {
    if (typeof uri === 'string' && /^file:/i.test(uri)) return undefined;
    return super.locate(uri);
  }

  /** Stops following the shared environments (call when the session ends). */
  dispose(): void {
    for (const d of this.disposers.splice(0)) d();
    this.overlays.clear();
  }

  /** Ignored: the host decides which environments it serves. */
  override addFolder(): EnvironmentState | undefined {
    return undefined;
  }

  /** Ignored (see {@link addFolder}). */
  override removeFolder(): void {}

  /** Ignored: a remote client's file events say nothing about the host's disk. */
  override filesChanged(): void {}

  /** The write reaches the shared environment and, from there, every session. */
  override wrote(state: EnvironmentState, abs: string, existed: boolean): void {
    this.shared.wrote(state, abs, existed);
  }

  /**
   * The session's view: the shared Program with this session's unsaved documents on top — or,
   * while none of its documents differs from the disk, the shared Program's own view for the user
   * (shared with every other session of that user).
   */
  override view(state: EnvironmentState): UserView {
    const o = this.overlayOf(state);
    return o.hasOverlays() ? o.forUser(this.session.user) : state.program.forUser(this.session.user);
  }

  /** The overlay Program of an environment (made on first use, with the open documents). */
  overlayOf(state: EnvironmentState): OverlayProgram {
    let o = this.overlays.get(state);
    if (!o) {
      o = new OverlayProgram(state.program);
      this.overlays.set(state, o);
      for (const doc of this.documents.all()) this.syncOverlay(doc.uri, o);
    }
    return o;
  }

  /** An open document changed or closed: only this session's overlay follows. */
  protected override documentChanged(uri: string): void {
    const where = this.whereIs(uri);
    if (where) this.syncOverlay(uri, this.overlayOf(where.state));
    this.fire({ access: false, modules: false });
  }

  /**
   * Overlays the document `uri` in `o` when it is open, a `.logic` file, differs from the file on
   * disk (or was overlaid already), and the user may open its module (below `open` a session cannot make even its own
   * checker see another version of a module it may not read); removes the overlay otherwise.
   */
  private syncOverlay(uri: string, o: OverlayProgram): void {
    const where = this.whereIs(uri);
    if (!where || !where.path.endsWith('.logic') || this.overlays.get(where.state) !== o) return;
    const doc = this.documents.get(uri);
    const mod = doc && this.moduleOf(where.state, where.path);
    // A document starts being overlaid when it first differs from the disk, and stays overlaid
    // until it is closed (dropping the overlay whenever an edit is undone would throw away its
    // parse and checks, and the next edit would start from nothing).
    const allowed = !!mod && atLeast(this.moduleAccess(where.state, mod).level, 'open') && (o.isOverlaid(where.path) || !sameAsDisk(where.path, doc.getText()));
    if (doc && allowed) o.setOverlay(where.path, () => this.documents.get(uri)?.getText() ?? doc.getText());
    else if (o.isOverlaid(where.path)) o.setOverlay(where.path, undefined);
  }

  /** The shared environment changed (a save, a disk change, a reload): follow and tell the client. */
  private sharedUpdate(state: EnvironmentState, u: EnvironmentUpdate): void {
    const o = this.overlays.get(state);
    if (u.kind === 'reload') {
      this.documentPaths.clear();
      if (o) {
        o.clearOverlays();
        o.updateEnvironment(state.env);
        for (const doc of this.documents.all()) this.syncOverlay(doc.uri, o);
      }
      this.queue({ access: true, modules: true, ...(u.paths ? { paths: u.paths } : {}) });
    } else {
      o?.updateFile(u.path);
      this.queue({ access: false, modules: true, paths: [u.path] });
    }
  }

  /** Fires once per turn of the event loop with the union of the changes. */
  private queue(change: WorkspaceChange): void {
    if (this.pending) {
      this.pending.access ||= change.access;
      this.pending.modules ||= change.modules;
      // Unknown paths on either side: unknown for the union.
      this.pending.paths = this.pending.paths && change.paths ? [...this.pending.paths, ...change.paths] : undefined;
      return;
    }
    this.pending = { ...change };
    queueMicrotask(() => {
      const c = this.pending!;
      this.pending = undefined;
      this.fire(c);
    });
  }
}
