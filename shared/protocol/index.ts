/**
 * The Protected Modules extensions to LSP (SPEC 4): every custom request, notification and error
 * code, named and typed in one place, used by the server, the client and the tests.
 *
 * URIs: `file:` URIs under an environment folder, `modules://<environment-folder-name>/<path>`
 * (the client's FileSystemProvider scheme) and `module-interface://<environment-folder-name>/<Module>.logic`
 * (interface documents, SPEC 3.5).
 */
import type { AccessLevel } from '../access/levels';
import type { Range } from '../language/ast';
import { EditorMethods, type EditorRequestTypes } from './editor';

export * from './editor';

export const MODULES_SCHEME = 'modules';
export const INTERFACE_SCHEME = 'module-interface';
/** The read-only virtual file a module folder shows below `open` (at `reference`), SPEC 4. */
export const INTERFACE_FILE_NAME = 'INTERFACE.logic';

/** JSON-RPC error codes of SPEC 4. */
export const ErrorCodes = {
  PermissionDenied: -32001,
  ModuleNotFound: -32002,
  FileNotFound: -32003,
  InvalidPolicy: -32004,
  /** Extension of SPEC 4: a `writeFile` with `expectedMtime` whose file changed (or vanished) on
   *  disk since the client last saw it; the file is left unchanged. `data`: {@link FileChangedData}. */
  FileChanged: -32005,
  /** Extension of SPEC 8 (docs/DECISIONS.md): `requestAccess` while the same user already has an
   *  open request on the module; nothing is created. `data`: {@link AccessRequestOpenData}. */
  AccessRequestOpen: -32006,
} as const;

/** `data` of an `AccessRequestOpen` error: the open request the user already has on the module. */
export interface AccessRequestOpenData {
  id: string;
  access: AccessLevel;
  created: string;
}

/** `data` of a `FileChanged` error: the file's current modification time (ms since the epoch,
 *  rounded as `stat` reports it), `null` when the file no longer exists. */
export interface FileChangedData {
  mtime: number | null;
}

/** `data` of a `PermissionDenied` error. */
export interface PermissionDeniedData {
  module: string;
  access: AccessLevel;
  required: AccessLevel;
  owner: string;
  /** SPEC 9: set when the module is sealed — its source is not in this environment. */
  sealed?: SealedSummary;
}

/** SPEC 9: what a client is told about a sealed module: who publishes it. */
export interface SealedSummary {
  /** The publisher named in the module's seal. */
  publisher: string;
  /** Only for admins: the seal did not verify (see the `invalid-seal` diagnostic); the module has no elements. */
  invalid?: boolean;
}

export interface WhoamiResult {
  user: string | null;
  known: boolean;
  displayName?: string;
  groups: string[];
  admin: boolean;
  /** Extension (issue 9): whether the environment's policy is valid, so a client can tell an
   *  unknown user from one locked out by an invalid policy without reading `environment.json`. */
  policyValid?: boolean;
  /** `true` when the session's user was proven by a token (the environment host, SPEC 7). */
  authenticated?: true;
}

/** One user of `protectedModules/environmentUsers` (extension, docs/DECISIONS.md). */
export interface EnvironmentUserEntry {
  id: string;
  displayName?: string;
  groups: string[];
  admin: boolean;
}

/**
 * Result of `protectedModules/environmentUsers` `{}` (extension, issue 9): the users and groups the
 * preview picker and **Manage Access…** offer, from the server — the client never reads
 * `environment.json`. Empty while the policy is invalid.
 */
export interface EnvironmentUsersResult {
  policyValid: boolean;
  /** The policy's `name` (SPEC 2.1), when it is valid. */
  name?: string;
  users: EnvironmentUserEntry[];
  /** Every group named by a user, sorted. */
  groups: string[];
}

export interface ModuleSummary {
  name: string;
  version: string;
  kind: 'service' | 'ui' | 'library';
  owner: string;
  description?: string;
  protected: boolean;
  access: AccessLevel;
  /** SPEC 9: set for a sealed module. */
  sealed?: SealedSummary;
}

export interface ListModulesResult {
  modules: ModuleSummary[];
}

export interface ModuleInterfaceParams {
  module: string;
}

export interface InterfaceElement {
  kind: 'structure' | 'serverAction';
  name: string;
  signature: string;
  documentation?: string;
  /** Range of the element in the interface document `text`. */
  range: Range;
}

export interface ModuleInterfaceResult {
  module: string;
  version: string;
  owner: string;
  access: AccessLevel;
  uri: string;
  text: string;
  elements: InterfaceElement[];
}

export interface UriParams {
  uri: string;
}

export interface AccessResult {
  module?: string;
  access: AccessLevel;
  canRead: boolean;
  canWrite: boolean;
  owner?: string;
  reason: string;
}

export interface StatResult {
  type: 'file' | 'directory';
  size: number;
  /** Milliseconds since the Unix epoch. */
  mtime: number;
  ctime: number;
  readonly: boolean;
  readonlyReason?: string;
}

export interface ReadDirectoryResult {
  entries: [string, 'file' | 'directory'][];
}

export interface ReadFileResult {
  text: string;
  readonly: boolean;
  readonlyReason?: string;
}

export interface WriteFileParams {
  uri: string;
  text: string;
  /**
   * Extension of SPEC 4 (optional; without it a write behaves exactly as SPEC 4 says): the `mtime`
   * of the file as the client last saw it from `protectedModules/stat`. When the file's current
   * `mtime` differs, or the file no longer exists, the write is refused with `FileChanged`
   * (-32005) and the file is left as it is, so a change made on disk since the client read the
   * file is never silently overwritten. Checked after the access decision.
   */
  expectedMtime?: number;
}

export interface SetProtectionParams {
  module: string;
  protected: boolean;
}

export interface GrantAccessParams {
  module: string;
  /** `user:<id>`, `group:<name>` or `*`. */
  to: string;
  /** `none` removes the grant. */
  access: AccessLevel;
}

/**
 * Extension of SPEC 4 for SPEC 10 (docs/DECISIONS.md): `protectedModules/callSites` — the call
 * sites of a public element of the module of `uri` (a source the user has `full` on), for the
 * list the CodeLens "N call sites in M modules" opens.
 */
export interface CallSitesParams {
  /** A `.logic` source of the module (`file:` or `modules:`). */
  uri: string;
  /** The public element's name. */
  element: string;
}

/** The answer of `protectedModules/callSites`; `null` when the user does not have `full` on the module. */
export interface CallSitesResult {
  module: string;
  element: string;
  /** Total call sites in the consumers the user may list. */
  callSites: number;
  /** Consumers with at least one call site. */
  modules: number;
  /** Every consumer the user may list (also those without call sites), by name. */
  consumers: {
    module: string;
    /** The user's access to it. */
    access: AccessLevel;
    callSites: number;
    /** Only for consumers the user may read (≥ `open`): each call site (LSP range of the element's name). */
    locations?: { uri: string; range: { start: { line: number; character: number }; end: { line: number; character: number } } }[];
  }[];
}

/** Params of `protectedModules/requestAccess` (SPEC 8). */
export interface RequestAccessParams {
  /** The module's name; it must exist for the user (else `ModuleNotFound`, as for a module at `none`). */
  module: string;
  /** The level asked for: above the user's current level on the module. */
  access: AccessLevel;
  /** Why (shown to the owner); 1–1000 characters after trimming. */
  reason: string;
}

/** Result of `protectedModules/requestAccess` (SPEC 8). */
export interface RequestAccessResult {
  id: string;
}

/** The state of an access request (SPEC 8). */
export type AccessRequestState = 'open' | 'granted' | 'declined';

/** One access request as `listAccessRequests` answers it (SPEC 8). Times are ISO 8601 UTC strings. */
export interface AccessRequest {
  id: string;
  module: string;
  /** The requester's user id. */
  user: string;
  access: AccessLevel;
  reason: string;
  created: string;
  state: AccessRequestState;
  /** The user who decided (granted or declined). */
  decidedBy?: string;
  decided?: string;
  /** The decider's note (a decline's reason, say). */
  note?: string;
}

/** Result of `protectedModules/listAccessRequests` (SPEC 8): the caller's own requests and those
 *  of every module the caller has `full` on, newest first. */
export interface ListAccessRequestsResult {
  requests: AccessRequest[];
}

/** Params of `protectedModules/decideAccessRequest` (SPEC 8). */
export interface DecideAccessRequestParams {
  id: string;
  /** `true` applies `grantAccess` for `user:<requester>` at the requested level; `false` declines. */
  grant: boolean;
  note?: string;
}

/** Method names of the custom requests and notifications (SPEC 4); use the typed {@link Requests} and
 *  {@link Notifications} to send or handle them. */
export const Methods = {
  whoami: 'protectedModules/whoami',
  listModules: 'protectedModules/listModules',
  moduleInterface: 'protectedModules/moduleInterface',
  access: 'protectedModules/access',
  stat: 'protectedModules/stat',
  readDirectory: 'protectedModules/readDirectory',
  readFile: 'protectedModules/readFile',
  writeFile: 'protectedModules/writeFile',
  setProtection: 'protectedModules/setProtection',
  grantAccess: 'protectedModules/grantAccess',
  environmentUsers: 'protectedModules/environmentUsers',
  callSites: 'protectedModules/callSites',
  requestAccess: 'protectedModules/requestAccess',
  listAccessRequests: 'protectedModules/listAccessRequests',
  decideAccessRequest: 'protectedModules/decideAccessRequest',
  /** SPEC 8: to the requester and every connected user with `full` on the module, `{}`. */
  didChangeAccessRequests: 'protectedModules/didChangeAccessRequests',
  didChangeAccess: 'protectedModules/didChangeAccess',
  didChangeModules: 'protectedModules/didChangeModules',
} as const;

/** Params/result of each custom request, keyed by method name. */
export interface RequestTypes extends EditorRequestTypes {
  [Methods.whoami]: { params: Record<string, never>; result: WhoamiResult };
  [Methods.listModules]: { params: Record<string, never>; result: ListModulesResult };
  [Methods.moduleInterface]: { params: ModuleInterfaceParams; result: ModuleInterfaceResult };
  [Methods.access]: { params: UriParams; result: AccessResult };
  [Methods.stat]: { params: UriParams; result: StatResult };
  [Methods.readDirectory]: { params: UriParams; result: ReadDirectoryResult };
  [Methods.readFile]: { params: UriParams; result: ReadFileResult };
  [Methods.writeFile]: { params: WriteFileParams; result: Record<string, never> };
  [Methods.setProtection]: { params: SetProtectionParams; result: Record<string, never> };
  [Methods.grantAccess]: { params: GrantAccessParams; result: Record<string, never> };
  [Methods.environmentUsers]: { params: Record<string, never>; result: EnvironmentUsersResult };
  [Methods.callSites]: { params: CallSitesParams; result: CallSitesResult | null };
  [Methods.requestAccess]: { params: RequestAccessParams; result: RequestAccessResult };
  [Methods.listAccessRequests]: { params: Record<string, never>; result: ListAccessRequestsResult };
  [Methods.decideAccessRequest]: { params: DecideAccessRequestParams; result: Record<string, never> };
}

/**
 * A custom request as a typed object (as vscode-languageserver-protocol's `RequestType`, which
 * `shared/` does not import: it would bring vscode-jsonrpc into the CLI's bundle): its method name,
 * and its params and result as types only (`_types` is never set). Both sides use these objects —
 * the server registers its handler with one, the client sends with one — so a method's name and
 * types are written once, here.
 */
export interface ProtocolRequest<M extends string, P, R> {
  readonly method: M;
  /** Types only (never set at run time). */
  readonly _types?: { params: P; result: R };
}

/** A custom notification as a typed object (see {@link ProtocolRequest}). */
export interface ProtocolNotification<M extends string, P> {
  readonly method: M;
  /** Types only (never set at run time). */
  readonly _types?: { params: P };
}

/** The request `method` with the params/result of {@link RequestTypes}. */
function requestType<M extends keyof RequestTypes>(method: M): ProtocolRequest<M, RequestTypes[M]['params'], RequestTypes[M]['result']> {
  return { method };
}

/** The notification `method` with params `P`. */
function notificationType<M extends string, P>(method: M): ProtocolNotification<M, P> {
  return { method };
}

/** Every custom request of SPEC 4 (and its extensions), typed: `Requests.whoami`, … */
export const Requests = {
  whoami: requestType(Methods.whoami),
  listModules: requestType(Methods.listModules),
  moduleInterface: requestType(Methods.moduleInterface),
  access: requestType(Methods.access),
  stat: requestType(Methods.stat),
  readDirectory: requestType(Methods.readDirectory),
  readFile: requestType(Methods.readFile),
  writeFile: requestType(Methods.writeFile),
  setProtection: requestType(Methods.setProtection),
  grantAccess: requestType(Methods.grantAccess),
  environmentUsers: requestType(Methods.environmentUsers),
  callSites: requestType(Methods.callSites),
  requestAccess: requestType(Methods.requestAccess),
  listAccessRequests: requestType(Methods.listAccessRequests),
  decideAccessRequest: requestType(Methods.decideAccessRequest),
  listFiles: requestType(EditorMethods.listFiles),
  findInFiles: requestType(EditorMethods.findInFiles),
  accessOverview: requestType(EditorMethods.accessOverview),
} as const;

/** Every custom notification of SPEC 4 and 8 (server to client; params `{}`), typed. */
export const Notifications = {
  didChangeAccess: notificationType<typeof Methods.didChangeAccess, Record<string, never>>(Methods.didChangeAccess),
  didChangeModules: notificationType<typeof Methods.didChangeModules, Record<string, never>>(Methods.didChangeModules),
  didChangeAccessRequests: notificationType<typeof Methods.didChangeAccessRequests, Record<string, never>>(Methods.didChangeAccessRequests),
} as const;
