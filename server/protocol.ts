/**
 * The custom requests of SPEC 4 (`protectedModules/*`), registered on the connection. The file
 * system requests are implemented in `filesystem.ts`, the owner/admin ones in `admin.ts`; the
 * module requests (`whoami`, `listModules`, `moduleInterface`) here.
 *
 * Notifications (`didChangeAccess`, `didChangeModules`) are sent by `server.ts` when the
 * workspace reports a change.
 */
import type { CancellationToken } from 'vscode-languageserver';
import {
  Requests,
  type ListModulesResult,
  type ModuleInterfaceParams,
  type ModuleInterfaceResult,
  type ModuleSummary,
  type ProtocolRequest,
  type UriParams,
  type WhoamiResult,
  type EnvironmentUsersResult,
} from '../shared/protocol';
import { atLeast } from '../shared/access/levels';
import { invalidParams, moduleNotFound, permissionDenied } from './errors';
import { ownerOf } from './fileMessages';
import { grantAccess, setProtection } from './admin';
import { interfaceUri } from './uris';
import { interfaceLocationUri } from './interfaceLocation';
import type { ModuleFileSystem } from './filesystem';
import type { FeatureContext } from './features/feature';
import type { Workspace } from './workspace';
import type { ModuleInfo } from '../shared/environment/model';

/** `protectedModules/whoami` (SPEC 4): the current user as the first environment's policy knows them. */
export function whoami(workspace: Workspace): WhoamiResult {
  const u = workspace.userInfo(workspace.environments[0]);
  return {
    user: u.user,
    known: u.known,
    ...(u.displayName !== undefined ? { displayName: u.displayName } : {}),
    groups: u.groups,
    admin: u.admin,
    policyValid: !!workspace.environments[0]?.env.policy,
  };
}

/**
 * `protectedModules/environmentUsers` (extension, docs/DECISIONS.md): the first environment's users
 * for the preview picker and **Manage Access…**, so that the client never reads `environment.json`:
 * every user for admins, the caller alone for anyone else; nothing while the policy is invalid (the
 * policy is the admins', SPEC 4.1).
 */
export function environmentUsers(workspace: Workspace): EnvironmentUsersResult {
  const state = workspace.environments[0];
  const policy = state?.env.policy;
  if (!policy) return { policyValid: false, users: [], groups: [] };
  const groups = new Set<string>();
  // The policy is the admins' (SPEC 4.1): the whole list of users (ids that can name owners of
  // modules the user may not see) only for admins; anyone else gets their own entry.
  const me = workspace.userInfo(state);
  const ids = me.admin ? Object.keys(policy.users) : me.known && me.user ? [me.user] : [];
  const users = ids
    .map((id) => [id, policy.users[id]] as const)
    .map(([id, u]) => {
      u.groups.forEach((g) => groups.add(g));
      return { id, ...(u.displayName !== undefined ? { displayName: u.displayName } : {}), groups: [...u.groups], admin: policy.admins.includes(id) };
    });
  return { policyValid: true, name: policy.name, users, groups: [...groups].sort() };
}

/** `protectedModules/listModules` (SPEC 4): every module with a valid manifest at access ≥ `list`,
 *  sorted by name (environments in workspace order). */
export function listModules(workspace: Workspace): ListModulesResult {
  const modules: ModuleSummary[] = [];
  for (const state of workspace.environments) {
    const here: ModuleSummary[] = [];
    for (const info of state.env.modules) {
      const m = info.manifest;
      if (!m) continue;
      const access = workspace.moduleAccess(state, info).level;
      if (!atLeast(access, 'list')) continue;
      here.push({
        name: m.name,
        version: m.version,
        kind: m.kind,
        owner: m.owner,
        ...(m.description !== undefined ? { description: m.description } : {}),
        protected: m.protected,
        access,
        ...sealedSummary(info, workspace.userInfo(state).admin),
      });
    }
    modules.push(...here.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)));
  }
  return { modules };
}

/**
 * SPEC 9: the `sealed` field of a sealed module's `listModules` entry: the publisher, and for
 * admins only whether the seal verified (`invalid: true` — the reason is their `invalid-seal`
 * diagnostic). `{}` for a module that is not sealed.
 */
function sealedSummary(info: ModuleInfo, admin: boolean): Pick<ModuleSummary, 'sealed'> {
  if (!info.sealed) return {};
  return { sealed: { publisher: info.sealed.publisher, ...(admin && !info.sealed.valid ? { invalid: true } : {}) } };
}

/**
 * `protectedModules/moduleInterface` (SPEC 4, 3.5): the interface document of a module.
 * @throws ModuleNotFound for a missing module and one at `none` (same answer), PermissionDenied
 *   below `reference`
 */
export function moduleInterface(workspace: Workspace, params: ModuleInterfaceParams, files?: ModuleFileSystem): ModuleInterfaceResult {
  if (!params || typeof params.module !== 'string') throw invalidParams('moduleInterface needs { module: string }.');
  const hit = workspace.moduleByName(params.module);
  const manifest = hit?.module.manifest;
  if (!hit || !manifest) throw moduleNotFound();
  const { state, module, access } = hit;
  if (!atLeast(access.level, 'reference')) {
    throw permissionDenied({ module: module.name, access: access.level, required: 'reference', owner: ownerOf(module) });
  }
  const iface = workspace.view(state).interfaceOf(manifest.name);
  if (!iface) throw moduleNotFound();
  return {
    module: manifest.name,
    version: iface.version,
    owner: iface.owner,
    access: access.level,
    // the Explorer's INTERFACE.logic in module workspaces (interfaceLocation.ts)
    uri: files ? interfaceLocationUri(workspace, state, manifest.name) : interfaceUri(state.folderName, manifest.name),
    text: iface.text,
    elements: iface.elements.map((e) => ({
      kind: e.kind,
      name: e.name,
      signature: e.signature,
      ...(e.documentation !== undefined ? { documentation: e.documentation } : {}),
      range: e.range,
    })),
  };
}

/** Checks that `params.uri` is a string. */
function uriOf(params: UriParams | undefined, method: string): string {
  if (!params || typeof params.uri !== 'string') throw invalidParams(`${method} needs { uri: string }.`);
  return params.uri;
}

/**
 * Registers `handler` for the typed custom request `type` (`shared/protocol` {@link Requests}) on the
 * connection, wrapped by `safe` (cancellation, errors that never leak server internals).
 */
export function onRequest<P, R>(
  ctx: Pick<FeatureContext, 'connection' | 'safe'>,
  type: ProtocolRequest<string, P, R>,
  handler: (params: P, token: CancellationToken) => R | Promise<R>,
): void {
  ctx.connection.onRequest(type.method, ctx.safe(type.method, handler));
}

/** Registers every custom request of SPEC 4 on the connection. */
export function registerProtocol(ctx: FeatureContext): void {
  const { workspace, files } = ctx;
  onRequest(ctx, Requests.whoami, () => whoami(workspace));
  onRequest(ctx, Requests.environmentUsers, () => environmentUsers(workspace));
  onRequest(ctx, Requests.listModules, () => listModules(workspace));
  onRequest(ctx, Requests.moduleInterface, (p) => moduleInterface(workspace, p, files));
  onRequest(ctx, Requests.access, (p) => files.access(uriOf(p, Requests.access.method)));
  onRequest(ctx, Requests.stat, (p) => files.stat(uriOf(p, Requests.stat.method)));
  onRequest(ctx, Requests.readDirectory, (p) => files.readDirectory(uriOf(p, Requests.readDirectory.method)));
  onRequest(ctx, Requests.readFile, (p) => files.readFile(uriOf(p, Requests.readFile.method)));
  onRequest(ctx, Requests.writeFile, (p) => files.writeFile(p));
  onRequest(ctx, Requests.setProtection, (p) => setProtection(workspace, p));
  onRequest(ctx, Requests.grantAccess, (p) => grantAccess(workspace, p));
}
