/**
 * Access requests of the environment host (SPEC 8): `protectedModules/requestAccess`,
 * `listAccessRequests`, `decideAccessRequest` and the notification `didChangeAccessRequests`.
 *
 * - {@link RequestStore}: `requests.json` in the host's state folder (SPEC 7): written atomically
 *   (temporary file in the same folder, fsync, rename; `state.ts`) with mode 0600, so a process
 *   killed during a write leaves either the old or the new file, never half of one. A file that
 *   cannot be read or is not a request file is an error naming its path, and is never overwritten.
 * - {@link AccessRequests}: the host-wide service. Every session of the host attaches to it
 *   ({@link AccessRequests.attach}), which registers the three requests on the session's
 *   connection; it sends `didChangeAccessRequests` `{}` to the requester's sessions and to every
 *   session whose user has `full` on the module, and to no one else.
 *
 * Every decision goes through the session's access gate (`Workspace.moduleByName`, as
 * `moduleInterface` does): a module at `none` is answered exactly as a missing one, and a request
 * id the caller may not decide is answered exactly as an unknown id. In local mode (no host) the
 * requests are not registered: they answer JSON-RPC `MethodNotFound` (docs/DECISIONS.md).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ResponseError, ErrorCodes as RpcErrorCodes, type Connection, type CancellationToken } from 'vscode-languageserver';
import { ACCESS_LEVELS, accessRank, atLeast, isAccessLevel, type AccessLevel } from '../../shared/access/levels';
import {
  ErrorCodes,
  Notifications,
  Requests,
  type AccessRequest,
  type AccessRequestOpenData,
  type DecideAccessRequestParams,
  type ListAccessRequestsResult,
  type RequestAccessParams,
  type RequestAccessResult,
} from '../../shared/protocol';
import { grantAccess } from '../admin';
import { onRequest } from '../protocol';
import { describeForLog, invalidParams, invalidPolicy, moduleNotFound, notSupported } from '../errors';
import type { Workspace } from '../workspace';
import type { AuditLog } from './audit';
import { HostUsageError, processRuns, writeStateFile } from './state';

/** The file of the access requests in the state folder (SPEC 7). */
export const REQUESTS_FILE = 'requests.json';
/** Longest reason and decision note, in UTF-16 code units after trimming. */
export const MAX_REASON_LENGTH = 1000;
/** Longest decision note (see {@link MAX_REASON_LENGTH}). */
export const MAX_NOTE_LENGTH = 1000;

/** A problem with `requests.json` (unreadable, not JSON, not a request file): its message names the file. */
export class RequestStoreError extends HostUsageError {}

const isoTime = z.string().refine((s) => Number.isFinite(Date.parse(s)), 'not an ISO time');
const requestSchema = z.object({
  id: z.string().regex(/^[0-9a-f]{16}$/),
  module: z.string().min(1),
  user: z.string().min(1),
  access: z.enum(ACCESS_LEVELS),
  reason: z.string(),
  created: isoTime,
  state: z.enum(['open', 'granted', 'declined']),
  decidedBy: z.string().optional(),
  decided: isoTime.optional(),
  note: z.string().optional(),
});
const fileSchema = z.object({ version: z.literal(1), requests: z.array(requestSchema) });

/** The content of `requests.json`. */
interface RequestsFile {
  version: 1;
  requests: AccessRequest[];
}

/**
 * Parses the text of a `requests.json`.
 * @param file the file's path (named in the error)
 * @throws RequestStoreError when it is not JSON or not a request file (with the JSON path of the
 *   first problem), or when two requests share an id
 */
export function parseRequestsFile(text: string, file: string): AccessRequest[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new RequestStoreError(`${file} is not valid JSON (${(e as Error).message}); the host will not overwrite it: repair it or move it away`);
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('') : '(top level)';
    throw new RequestStoreError(`${file} is not an access-request file: ${where}: ${issue.message}; the host will not overwrite it: repair it or move it away`);
  }
  const ids = new Set<string>();
  for (const r of parsed.data.requests) {
    if (ids.has(r.id)) throw new RequestStoreError(`${file} holds two requests with id ${r.id}; the host will not overwrite it: repair it or move it away`);
    ids.add(r.id);
  }
  return parsed.data.requests as AccessRequest[];
}

/**
 * `requests.json` of one state folder (SPEC 7, 8). The host is its only writer; readers (the
 * `requests` command) see either the previous or the next complete file.
 */
export class RequestStore {
  /** The absolute path of `requests.json`. */
  readonly file: string;
  private data: AccessRequest[] = [];
  private stamp = '';

  /**
   * Reads the store (a missing file is an empty store).
   * @throws RequestStoreError when the file exists but cannot be read or parsed
   */
  constructor(stateDir: string) {
    this.file = path.join(stateDir, REQUESTS_FILE);
    this.reload();
  }

  /**
   * Re-reads the file when it changed on disk (inode, size or mtime).
   * @throws RequestStoreError when it cannot be read or is not a request file (the copy in memory
   *   is kept, and nothing is written until the file is repaired)
   */
  reload(): void {
    let st: fs.Stats;
    try {
      st = fs.statSync(this.file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        this.data = [];
        this.stamp = 'missing';
        return;
      }
      throw new RequestStoreError(`cannot read ${this.file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    if (!st.isFile()) throw new RequestStoreError(`${this.file} is not a file; the host will not overwrite it: move it away`);
    const stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
    if (stamp === this.stamp) return;
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (e) {
      throw new RequestStoreError(`cannot read ${this.file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    this.data = parseRequestsFile(text, this.file);
    this.stamp = stamp;
  }

  /** Every request, in the order they were made (oldest first). */
  list(): readonly AccessRequest[] {
    return this.data;
  }

  /** The request with id `id`. */
  get(id: string): AccessRequest | undefined {
    return this.data.find((r) => r.id === id);
  }

  /**
   * Changes the store: re-reads the file (so a damaged file is never overwritten), applies
   * `change` to a copy, writes the copy atomically, and only then keeps it in memory.
   * @param change edits the array it is given (its objects are copies) and returns a value
   * @returns what `change` returned
   * @throws RequestStoreError when the file cannot be read or parsed; the write's error when it
   *   cannot be written (the store is unchanged in both cases)
   */
  update<T>(change: (requests: AccessRequest[]) => T): T {
    this.reload();
    const copy = this.data.map((r) => ({ ...r }));
    const result = change(copy);
    writeStateFile(this.file, JSON.stringify({ version: 1, requests: copy } satisfies RequestsFile, null, 2) + '\n');
    this.data = copy;
    try {
      const st = fs.statSync(this.file);
      this.stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch {
      this.stamp = '';
    }
    return result;
  }

  /**
   * Removes temporary files of writes cut off by a killed process (`.requests.json.<pid>.<hex>.tmp`
   * whose process no longer runs). They are never read as the store; this only tidies the folder.
   * @returns how many were removed
   */
  removeStaleTempFiles(): number {
    const dir = path.dirname(this.file);
    const prefix = `.${REQUESTS_FILE}.`;
    let removed = 0;
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return 0;
    }
    for (const name of names) {
      if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
      const pid = Number(name.slice(prefix.length).split('.')[0]);
      if (pid === process.pid) continue;
      if (Number.isInteger(pid) && pid > 0 && processRuns(pid)) continue;
      try {
        fs.rmSync(path.join(dir, name), { force: true });
        removed++;
      } catch {
        /* left for the next start */
      }
    }
    return removed;
  }
}

/** The answer to a `decideAccessRequest` whose id is unknown **or** not the caller's to decide (the same bytes). */
export function requestNotFound(): ResponseError<void> {
  return new ResponseError(RpcErrorCodes.InvalidParams, 'No access request with that id that you may decide.');
}

/** The answer when `requests.json` cannot be read: the client is told nothing of the host's disk. */
function storeUnavailable(): ResponseError<void> {
  return new ResponseError(RpcErrorCodes.InternalError, "The host cannot read its access requests; its owner has been told (see the host's output).");
}

/** A session attached to the service. */
interface Attached {
  workspace: Workspace;
  notify(): void;
  notifyAccess(): void;
}

/** The `safe` wrapper of the language server (errors and cancellation; `languageServer.ts`). */
type Safe = <P, R>(method: string, handler: (params: P, token: CancellationToken) => R | Promise<R>) => (params: P, token: CancellationToken) => Promise<R>;

/**
 * The access requests of one host, shared by all its sessions (SPEC 8).
 */
export class AccessRequests {
  private readonly attached = new Set<Attached>();

  /**
   * @param store the state folder's `requests.json`
   * @param audit where `request-created`, `request-decided` (and the `grant` a decision applies) are logged
   * @param log where problems of the store are reported to the host's owner (stderr)
   */
  constructor(
    readonly store: RequestStore,
    private readonly audit?: AuditLog,
    private readonly log: (line: string) => void = (l) => process.stderr.write(l + '\n'),
  ) {}

  /**
   * Registers the three requests on a session's connection and subscribes it to
   * `didChangeAccessRequests`.
   * @param connection the session's connection
   * @param workspace the session's workspace (its user and access gate)
   * @param safe the session's request wrapper
   * @returns a function that detaches the session (call when it ends)
   */
  attach(connection: Connection, workspace: Workspace, safe: Safe): () => void {
    const me: Attached = {
      workspace,
      notify: () => void connection.sendNotification(Notifications.didChangeAccessRequests.method, {}),
      notifyAccess: () => void connection.sendNotification(Notifications.didChangeAccess.method, {}),
    };
    this.attached.add(me);
    const ctx = { connection, safe };
    onRequest(ctx, Requests.requestAccess, (p: RequestAccessParams) => this.requestAccess(workspace, p));
    onRequest(ctx, Requests.listAccessRequests, () => this.listAccessRequests(workspace));
    onRequest(ctx, Requests.decideAccessRequest, (p: DecideAccessRequestParams) => this.decideAccessRequest(workspace, p));
    return () => this.attached.delete(me);
  }

  /** The store, re-read; a damaged file becomes a safe error for the client and a line with the path for the owner. */
  private readStore(): RequestStore {
    try {
      this.store.reload();
    } catch (e) {
      this.reportStore(e);
    }
    return this.store;
  }

  private reportStore(e: unknown): never {
    if (e instanceof RequestStoreError) this.log(`protected-modules serve: ${e.message}`);
    else this.log(`protected-modules serve: cannot write ${this.store.file}: ${describeForLog(e)}`);
    throw storeUnavailable();
  }

  /** Changes the store (see {@link RequestStore.update}); failures become safe errors. */
  private change<T>(f: (requests: AccessRequest[]) => T): T {
    try {
      return this.store.update(f);
    } catch (e) {
      if (e instanceof ResponseError) throw e;
      return this.reportStore(e);
    }
  }

  /**
   * `protectedModules/requestAccess` `{ module, access, reason }` → `{ id }` (SPEC 8).
   *
   * Checks, in order: the parameters (InvalidParams: a string module, a valid level, a reason of 1 to
   * {@link MAX_REASON_LENGTH} characters after trimming) → the policy is valid (InvalidPolicy, the
   * same for every module) → the module exists for the user (ModuleNotFound, the same for a module
   * at `none`) → `access` is above the user's level (InvalidParams) → the module is not sealed
   * (InvalidRequest: SPEC 9, nobody has the `full` a decision needs) → no open request of the user on the module
   * (`AccessRequestOpen` with the open request in `data`). Then the request is stored, audited
   * (`request-created`) and `didChangeAccessRequests` is sent.
   */
  requestAccess(workspace: Workspace, params: RequestAccessParams): RequestAccessResult {
    if (!params || typeof params !== 'object' || typeof params.module !== 'string' || !isAccessLevel(params.access) || typeof params.reason !== 'string') {
      throw invalidParams('requestAccess needs { module: string, access: list|reference|open|change|full, reason: string }.');
    }
    const reason = params.reason.trim();
    if (reason === '') throw invalidParams('requestAccess needs a reason: say why you need this access (the owner reads it).');
    if (reason.length > MAX_REASON_LENGTH) throw invalidParams(`The reason is too long (${reason.length} characters; at most ${MAX_REASON_LENGTH}).`);
    const user = workspace.session.user;
    const state = workspace.environments[0];
    if (!state || !user) throw moduleNotFound();
    if (!state.env.policy) throw policyInvalidForRequests();
    const hit = workspace.moduleByName(params.module);
    if (!hit) throw moduleNotFound();
    const name = hit.module.name;
    const current = hit.access.level;
    if (accessRank(params.access) <= accessRank(current)) {
      throw invalidParams(
        `Your access to module ${name} is already ${current}; request a level above it (${higherLevels(current).join(', ') || 'there is none'}).`,
      );
    }
    if (hit.module.sealed) {
      // SPEC 9: nobody has more than reference on a sealed module, so nobody has the `full` a
      // decision needs; its grants are the admins' to write in environment.json.
      throw notSupported(
        `Module ${name} is sealed: nobody here can have more than reference on it, and its access is set by the environment's admins in environment.json, not by requests.`,
      );
    }
    const open = this.readStore()
      .list()
      .find((r) => r.user === user && r.module === name && r.state === 'open');
    if (open) throw accessRequestOpen(open);
    const now = new Date().toISOString();
    const request = this.change((requests) => {
      // Checked again on the file as it is now (another writer of the same state folder).
      const again = requests.find((r) => r.user === user && r.module === name && r.state === 'open');
      if (again) throw accessRequestOpen(again);
      let id: string;
      do id = randomBytes(8).toString('hex');
      while (requests.some((r) => r.id === id));
      const r: AccessRequest = { id, module: name, user, access: params.access, reason, created: now, state: 'open' };
      requests.push(r);
      return r;
    });
    this.audit?.write({ user, event: 'request-created', module: name, access: request.access, detail: `request ${request.id}` });
    this.changed(request);
    return { id: request.id };
  }

  /**
   * `protectedModules/listAccessRequests` `{}` → `{ requests }` (SPEC 8): the caller's own requests
   * and those of every module the caller has `full` on (admins: also those of modules that no
   * longer exist), newest first.
   */
  listAccessRequests(workspace: Workspace): ListAccessRequestsResult {
    const user = workspace.session.user;
    const requests = this.readStore()
      .list()
      .filter((r) => r.user === user || mayDecide(workspace, r))
      .map((r) => ({ ...r }))
      .sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : a.id < b.id ? 1 : -1));
    return { requests };
  }

  /**
   * `protectedModules/decideAccessRequest` `{ id, grant, note? }` → `{}` (SPEC 8).
   *
   * Needs `full` on the request's module; an id the caller may not decide is answered exactly as an
   * unknown id ({@link requestNotFound}). A decided request cannot be decided again (InvalidRequest
   * naming who decided it and when). Granting applies `grantAccess` for `user:<requester>` at the
   * requested level (keeping `environment.json`'s formatting) unless the requester already has that
   * level; the policy is changed first and the request marked afterwards, so a failed grant leaves
   * the request open. Declining keeps the note. Audited (`request-decided`, and `grant` when the
   * policy changed); `didChangeAccessRequests` is sent.
   */
  decideAccessRequest(workspace: Workspace, params: DecideAccessRequestParams): Record<string, never> {
    if (
      !params ||
      typeof params !== 'object' ||
      typeof params.id !== 'string' ||
      typeof params.grant !== 'boolean' ||
      (params.note !== undefined && params.note !== null && typeof params.note !== 'string')
    ) {
      throw invalidParams('decideAccessRequest needs { id: string, grant: boolean, note?: string }.');
    }
    const note = typeof params.note === 'string' ? params.note.trim() : '';
    if (note.length > MAX_NOTE_LENGTH) throw invalidParams(`The note is too long (${note.length} characters; at most ${MAX_NOTE_LENGTH}).`);
    const decider = workspace.session.user;
    const request = this.readStore().get(params.id);
    if (!decider || !request || !mayDecide(workspace, request)) throw requestNotFound();
    if (request.state !== 'open') throw alreadyDecided(request);
    let grantApplied = false;
    if (params.grant) {
      const state = workspace.environments[0];
      const policy = state?.env.policy;
      if (!state || !policy) throw invalidPolicy();
      if (!Object.prototype.hasOwnProperty.call(policy.users, request.user)) {
        throw notSupported(`${request.user} is no longer a user of the environment; decline the request instead.`);
      }
      const hit = workspace.moduleByName(request.module);
      // The requester's level now (a grant made meanwhile may already give it): never lowered. The
      // level from the policy alone, before the cap of an enclosing module the requester may not
      // open (SPEC 4.1): a capped user's higher `user:` grant must not be rewritten lower.
      const theirs = hit ? state.program.forUser(request.user).accessGate.policyAccess(hit.module).level : 'none';
      if (!hit || !atLeast(theirs, request.access)) {
        grantAccess(workspace, { module: request.module, to: `user:${request.user}`, access: request.access });
        grantApplied = true;
      }
    }
    const decided = this.change((requests) => {
      const r = requests.find((x) => x.id === request.id);
      if (!r) throw requestNotFound();
      if (r.state !== 'open') throw alreadyDecided(r);
      r.state = params.grant ? 'granted' : 'declined';
      r.decidedBy = decider;
      r.decided = new Date().toISOString();
      if (note) r.note = note;
      return { ...r };
    });
    if (grantApplied) {
      this.audit?.write({
        user: decider,
        event: 'grant',
        module: decided.module,
        access: decided.access,
        detail: `to user:${decided.user} (request ${decided.id})`,
      });
    }
    this.audit?.write({
      user: decider,
      event: 'request-decided',
      module: decided.module,
      access: decided.access,
      detail: `${decided.state} request ${decided.id} of ${decided.user}`,
    });
    this.changed(decided, grantApplied);
    return {};
  }

  /**
   * Sends `didChangeAccessRequests` to the requester's sessions and to every session whose user may
   * decide the request, and to no one else.
   * @param granted a grant changed `environment.json`: the requester's sessions get `didChangeAccess`
   *   from the workspace (their level changed); the deciders who may not read the policy (owners who
   *   are not admins, told of no other policy change, SPEC 4.1) get it here too, as they get
   *   `didChangeAccessRequests` at the same moment anyway (docs/DECISIONS.md)
   */
  private changed(request: AccessRequest, granted = false): void {
    for (const s of this.attached) {
      let requester = false;
      let decider = false;
      try {
        requester = s.workspace.session.user === request.user;
        decider = !requester && mayDecide(s.workspace, request);
      } catch {
        continue;
      }
      if (granted && decider && !readsPolicy(s.workspace)) s.notifyAccess();
      if (requester || decider) s.notify();
    }
  }
}

/**
 * Whether the workspace's user may see and decide `request`: `full` on its module through the
 * gate, or — for a module that no longer exists (for anyone) — an admin of the environment.
 */
function mayDecide(workspace: Workspace, request: AccessRequest): boolean {
  const hit = workspace.moduleByName(request.module);
  if (hit) return hit.access.level === 'full';
  const state = workspace.environments[0];
  if (!state || !state.env.policy) return false;
  return workspace.environmentAccess(state) === 'full' && !state.env.modules.some((m) => m.name === request.module);
}

/** Whether the workspace's user may read `environment.json` (admins): they are told of its every change. */
function readsPolicy(workspace: Workspace): boolean {
  const state = workspace.environments[0];
  return !!state && workspace.gate(state).canRead(state.env.policyPath);
}

/** `InvalidPolicy` (-32004) for a request while `environment.json` is invalid: the same for every module name. */
function policyInvalidForRequests(): ResponseError<void> {
  return new ResponseError(
    ErrorCodes.InvalidPolicy,
    'The environment policy (environment.json) is invalid; access requests can be made once an admin has fixed it.',
  );
}

/** The levels above `level`. */
function higherLevels(level: AccessLevel): AccessLevel[] {
  return ACCESS_LEVELS.filter((l) => accessRank(l) > accessRank(level));
}

/** `AccessRequestOpen` (-32006) for a user's second request while `open` is still open. */
function accessRequestOpen(open: AccessRequest): ResponseError<AccessRequestOpenData> {
  return new ResponseError(
    ErrorCodes.AccessRequestOpen,
    `You already asked for ${open.access} access to module ${open.module} (request ${open.id}, ${open.created}); it is still open. Wait for the owner's decision before asking again.`,
    { id: open.id, access: open.access, created: open.created },
  );
}

/** A decided request cannot be decided again (only users who may decide it get this). */
function alreadyDecided(r: AccessRequest): ResponseError<void> {
  return notSupported(
    `Access request ${r.id} was already ${r.state}${r.decidedBy ? ` by ${r.decidedBy}` : ''}${r.decided ? ` on ${r.decided}` : ''}; it cannot be decided again.`,
  );
}
