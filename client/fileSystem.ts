/**
 * The `modules` file system (SPEC 5): every read and write of a module workspace goes through the
 * language server's check (`protectedModules/stat|readDirectory|readFile|writeFile`, SPEC 4).
 *
 * - PermissionDenied (-32001) → `FileSystemError.NoPermissions`; the denial is also reported to
 *   the permission-denied view (`onDidDeny`), which takes the place of the editor.
 * - ModuleNotFound (-32002) / FileNotFound (-32003) → `FileSystemError.FileNotFound`.
 * - Files the server marks read-only (below `change`) get `FilePermission.Readonly`, so VS Code
 *   opens them in read-only editors; the reason is kept for `readonlyReason()` (shown by
 *   `readonlyInfo.ts`, since VS Code 1.100 has no per-file read-only message, see DECISIONS).
 * - Creating folders, deleting and renaming are not part of the protocol: they fail with
 *   NoPermissions and a plain message.
 * - Change events: `didChangeModules`/`didChangeAccess` fire `Changed` for every URI this provider
 *   has served (the protocol's notifications carry no paths).
 */
import * as vscode from 'vscode';
import { Requests, ErrorCodes, type PermissionDeniedData } from '../shared/protocol';
import type { Environments } from './environments';
import { isRpcError, permissionDeniedData } from './errors';

/** A denial seen by the file system: the URI and the server's PermissionDenied data. */
export interface Denial {
  uri: vscode.Uri;
  data: PermissionDeniedData;
  message: string;
}

export class ModulesFileSystem implements vscode.FileSystemProvider, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.changeEmitter.event;
  private readonly denyEmitter = new vscode.EventEmitter<Denial>();
  /** Fires whenever a stat/read of a file is refused with PermissionDenied. */
  readonly onDidDeny = this.denyEmitter.event;
  /** Every URI served, with its type, so that change events can name them. */
  private readonly served = new Map<string, vscode.FileType>();
  /** Read-only reasons of files, by URI string. */
  private readonly readonly = new Map<string, string>();
  /** Last denial per URI string. */
  private readonly denials = new Map<string, Denial>();
  /** The mtime each file had at its last `stat`, sent as `expectedMtime` with the next write so
   *  that the server refuses it (FileChanged) when the file changed on disk meanwhile. */
  private readonly mtimes = new Map<string, number>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly environments: Environments) {
    const refresh = () => this.fireChangedForServed();
    this.disposables.push(
      environments.onDidChangeModules(refresh),
      environments.onDidChangeAccess(() => {
        // Denials and read-only reasons are answers for the previous user/policy.
        this.denials.clear();
        this.readonly.clear();
        void this.refreshTree();
      }),
    );
  }

  /** The server's read-only reason of a file seen by `stat`/`readFile`, if it is read-only. */
  readonlyReason(uri: vscode.Uri): string | undefined {
    return this.readonly.get(uri.toString());
  }

  /** The last PermissionDenied seen for `uri`, if the last answer for it was a denial. */
  denial(uri: vscode.Uri): Denial | undefined {
    return this.denials.get(uri.toString());
  }

  private connection(uri: vscode.Uri) {
    const conn = this.environments.forUri(uri);
    if (!conn) {
      throw vscode.FileSystemError.Unavailable(`No Protected Modules environment named "${uri.authority}" is open in this window.`);
    }
    return conn;
  }

  /** Maps a request error to a FileSystemError (and reports denials). */
  private fail(uri: vscode.Uri, e: unknown): never {
    if (isRpcError(e)) {
      if (e.code === ErrorCodes.PermissionDenied) {
        const data = permissionDeniedData(e);
        if (data) {
          const denial = { uri, data, message: e.message };
          this.denials.set(uri.toString(), denial);
          this.denyEmitter.fire(denial);
          throw vscode.FileSystemError.NoPermissions(
            data.module
              ? `${data.module}: your access is ${data.access}, reading needs ${data.required} (owner ${data.owner || 'unknown'}).`
              : // Outside modules (docs/DECISIONS.md "The language server"): no module, no owner.
                data.required === 'full'
                ? "Only the environment's admins can open this file."
                : 'Only known users of the environment can open this file (while the policy is valid).',
          );
        }
        throw vscode.FileSystemError.NoPermissions(e.message);
      }
      if (e.code === ErrorCodes.FileNotFound || e.code === ErrorCodes.ModuleNotFound) {
        throw vscode.FileSystemError.FileNotFound(uri);
      }
      // FileChanged (-32005): the server's message says the file changed on disk and was not written.
      throw vscode.FileSystemError.Unavailable(e.message);
    }
    if (e instanceof vscode.FileSystemError) throw e;
    throw vscode.FileSystemError.Unavailable(e instanceof Error ? e.message : String(e));
  }

  watch(): vscode.Disposable {
    // Changes are pushed by the server (didChangeModules), not watched per path.
    return new vscode.Disposable(() => undefined);
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    const conn = this.connection(uri);
    try {
      const r = await conn.request(Requests.stat, { uri: uri.toString() });
      const type = r.type === 'directory' ? vscode.FileType.Directory : vscode.FileType.File;
      this.served.set(uri.toString(), type);
      if (type === vscode.FileType.File) this.mtimes.set(uri.toString(), r.mtime);
      else this.mtimes.delete(uri.toString());
      this.denials.delete(uri.toString());
      if (r.readonly && type === vscode.FileType.File) {
        this.readonly.set(uri.toString(), r.readonlyReason ?? 'You may not change this module.');
      } else {
        this.readonly.delete(uri.toString());
      }
      return {
        type,
        size: r.size,
        mtime: r.mtime,
        ctime: r.ctime,
        permissions: r.readonly ? vscode.FilePermission.Readonly : undefined,
      };
    } catch (e) {
      this.fail(uri, e);
    }
  }

  async readDirectory(uri: vscode.Uri): Promise<[string, vscode.FileType][]> {
    const conn = this.connection(uri);
    try {
      const r = await conn.request(Requests.readDirectory, { uri: uri.toString() });
      this.served.set(uri.toString(), vscode.FileType.Directory);
      return r.entries.map(([name, t]) => [name, t === 'directory' ? vscode.FileType.Directory : vscode.FileType.File]);
    } catch (e) {
      this.fail(uri, e);
    }
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    const conn = this.connection(uri);
    try {
      const r = await conn.request(Requests.readFile, { uri: uri.toString() });
      this.served.set(uri.toString(), vscode.FileType.File);
      this.denials.delete(uri.toString());
      if (r.readonly) this.readonly.set(uri.toString(), r.readonlyReason ?? 'You may not change this module.');
      else this.readonly.delete(uri.toString());
      return new TextEncoder().encode(r.text);
    } catch (e) {
      this.fail(uri, e);
    }
  }

  async writeFile(uri: vscode.Uri, content: Uint8Array): Promise<void> {
    const conn = this.connection(uri);
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(content);
    } catch {
      throw vscode.FileSystemError.NoPermissions('Module files are text (UTF-8); this content is not.');
    }
    const existed = this.served.has(uri.toString());
    // VS Code stats a file right before writing it, so this is the mtime it just checked.
    const expectedMtime = this.mtimes.get(uri.toString());
    try {
      await conn.request(Requests.writeFile, {
        uri: uri.toString(),
        text,
        ...(expectedMtime !== undefined ? { expectedMtime } : {}),
      });
      this.served.set(uri.toString(), vscode.FileType.File);
    } catch (e) {
      this.fail(uri, e);
    } finally {
      // The file's new mtime is known only from the next stat.
      this.mtimes.delete(uri.toString());
    }
    this.changeEmitter.fire([{ type: existed ? vscode.FileChangeType.Changed : vscode.FileChangeType.Created, uri }]);
  }

  createDirectory(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(
      `Creating folders is not supported in a module workspace (${uri.path}). Create it on disk, or add files to an existing module.`,
    );
  }

  delete(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(`Deleting is not supported in a module workspace (${uri.path}): the server's protocol has no delete.`);
  }

  rename(oldUri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(`Renaming is not supported in a module workspace (${oldUri.path}): the server's protocol has no rename.`);
  }

  /** Fires `Changed` for every URI served so far (the explorer and open editors re-read them). */
  fireChangedForServed(): void {
    const events: vscode.FileChangeEvent[] = [];
    for (const key of this.served.keys()) {
      events.push({ type: vscode.FileChangeType.Changed, uri: vscode.Uri.parse(key) });
    }
    if (events.length) this.changeEmitter.fire(events);
  }

  /**
   * After an access change (another user, a new grant or protection): fires `Deleted` for every
   * URI served so far that the user may no longer read (the Explorer drops it at once and VS Code
   * marks its editors as gone), `Changed` for the others and for the root of every module
   * workspace folder, so that the whole tree is re-read (issue 13, points 1–2).
   * @returns the URIs reported as deleted
   */
  async refreshTree(): Promise<vscode.Uri[]> {
    const events: vscode.FileChangeEvent[] = [];
    const deleted: vscode.Uri[] = [];
    const roots = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'modules').map((f) => f.uri);
    for (const root of roots) events.push({ type: vscode.FileChangeType.Changed, uri: root });
    await Promise.all(
      [...this.served.keys()].map(async (key) => {
        const uri = vscode.Uri.parse(key);
        if (roots.some((r) => r.toString() === key)) return;
        let readable = false;
        try {
          const conn = this.environments.forUri(uri);
          const a = conn ? await conn.request(Requests.access, { uri: key }) : undefined;
          // (a module's own folder is readable at `list`: it lists its INTERFACE.logic or nothing)
          readable = !!a && a.canRead;
        } catch (e) {
          // hidden now (answered like a missing file); any other failure (server down) decides nothing
          readable = !(isRpcError(e) && (e.code === ErrorCodes.FileNotFound || e.code === ErrorCodes.ModuleNotFound));
        }
        if (readable) {
          events.push({ type: vscode.FileChangeType.Changed, uri });
        } else {
          this.served.delete(key);
          this.mtimes.delete(key);
          deleted.push(uri);
          events.push({ type: vscode.FileChangeType.Deleted, uri });
        }
      }),
    );
    if (events.length) this.changeEmitter.fire(events);
    this.treeRefreshEmitter.fire(deleted);
    return deleted;
  }

  private readonly treeRefreshEmitter = new vscode.EventEmitter<vscode.Uri[]>();
  /** Fires after {@link refreshTree} with the URIs it reported as deleted. */
  readonly onDidRefreshTree = this.treeRefreshEmitter.event;

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
    this.treeRefreshEmitter.dispose();
    this.changeEmitter.dispose();
    this.denyEmitter.dispose();
  }
}
