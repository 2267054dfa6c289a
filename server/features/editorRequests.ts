/**
 * Protocol extensions for the editor as people use it (issue 13, shared/protocol/editor.ts,
 * docs/DECISIONS.md "Protocol extensions for finding files, searching and managing access"):
 *
 * - `protectedModules/listFiles`: every file the user may read, found by walking the environment
 *   with {@link ModuleFileSystem.readDirectory} and kept only when {@link ModuleFileSystem.access}
 *   says it is readable — the same decision as the Explorer's, so nothing is listed that the
 *   Explorer would not show and open (SPEC 4, 4.1);
 * - `protectedModules/findInFiles`: a text search over those files, each read with
 *   {@link ModuleFileSystem.readFile} (the decision is taken again at the moment of reading);
 * - `protectedModules/accessOverview`: the grants of a module and every known user's effective
 *   access (SPEC 2.3), for **Manage Access…**; needs `full`, exactly like `grantAccess`.
 */
import { posix } from 'node:path';
import { URI } from 'vscode-uri';
import type { CancellationToken } from 'vscode-languageserver';
import {
  Requests,
  MAX_LISTED_FILES,
  type AccessOverviewParams,
  type AccessOverviewResult,
  type FindInFilesParams,
  type FindInFilesResult,
  type FindMatch,
  type ListFilesParams,
  type ListFilesResult,
  type ListedFile,
} from '../../shared/protocol';
import { AccessGate } from '../../shared/access/gate';
import { invalidParams } from '../errors';
import { moduleForAdmin } from '../admin';
import type { ModuleFileSystem } from '../filesystem';
import type { Workspace } from '../workspace';
import type { Feature } from './feature';
import { onRequest } from '../protocol';

const MAX_DEPTH = 64;
const MAX_MATCHES = 1000;
const MAX_FILE_CHARS = 2_000_000;

function modulesUriOf(env: string, rel: string): string {
  return URI.from({ scheme: 'modules', authority: env, path: '/' + rel }).toString();
}

/**
 * `protectedModules/listFiles`: the readable files below `params.uri` (a `modules://` folder) or
 * below every environment's root, sorted by environment then path.
 * @throws InvalidParams for a `uri` that is not a string; FileNotFound / PermissionDenied for a
 *   start folder the user may not list (as `readDirectory`)
 */
export function listFiles(workspace: Workspace, files: ModuleFileSystem, params: ListFilesParams | undefined, token?: CancellationToken): ListFilesResult {
  if (params && params.uri !== undefined && typeof params.uri !== 'string') throw invalidParams('listFiles takes { uri?: string }.');
  const starts: { env: string; rel: string }[] = [];
  if (params?.uri) {
    const u = URI.parse(params.uri);
    if (u.scheme !== 'modules') throw invalidParams('listFiles takes a modules:// folder URI.');
    files.readDirectory(params.uri); // the decision on the start folder (throws as readDirectory)
    // `modules://env/a/../b` lists `b`'s files under their own paths, never as `a/../b/…`.
    const rel = posix.normalize('/' + u.path).replace(/^\/+|\/+$/g, '');
    starts.push({ env: u.authority, rel: rel === '.' ? '' : rel });
  } else {
    for (const state of workspace.environments) starts.push({ env: state.folderName, rel: '' });
  }
  const out: ListedFile[] = [];
  let truncated = false;
  const walk = (env: string, rel: string, depth: number, seen: Set<string>): void => {
    if (truncated || depth > MAX_DEPTH || token?.isCancellationRequested) return;
    const uri = modulesUriOf(env, rel);
    let entries: [string, 'file' | 'directory'][];
    try {
      const decision = files.decide(uri);
      const key = 'path' in decision ? decision.path : uri;
      if (seen.has(key)) return; // a link back to a folder already walked
      seen.add(key);
      entries = files.readDirectory(uri).entries;
    } catch {
      return; // denied or hidden: not walked, nothing listed
    }
    for (const [name, type] of entries) {
      const childRel = rel ? `${rel}/${name}` : name;
      if (type === 'directory') {
        walk(env, childRel, depth + 1, seen);
        continue;
      }
      const childUri = modulesUriOf(env, childRel);
      try {
        const a = files.access(childUri);
        if (!a.canRead) continue;
        if (out.length >= MAX_LISTED_FILES) {
          truncated = true;
          return;
        }
        out.push({ environment: env, path: childRel, uri: childUri, readonly: !a.canWrite });
      } catch {
        // hidden: not listed
      }
    }
  };
  for (const s of starts) walk(s.env, s.rel, 0, new Set());
  out.sort((a, b) => (a.environment === b.environment ? (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) : 0));
  return { files: out, truncated };
}

/** Builds the matcher of a search; throws InvalidParams for a bad query or regular expression. */
function matcher(p: FindInFilesParams, remote: boolean): RegExp {
  if (!p || typeof p.query !== 'string' || p.query.length === 0 || p.query.length > 500) {
    throw invalidParams('findInFiles needs { query: string (1–500 characters) }.');
  }
  // On the host a regular expression runs in the one process every session shares, and JavaScript
  // cannot stop a runaway one ("(a+)+$"): remote sessions search plain text only (docs/DECISIONS.md).
  if (p.isRegExp && remote) throw invalidParams('findInFiles: regular expressions are not available on an environment host; search plain text.');
  const flags = p.isCaseSensitive ? 'g' : 'gi';
  const source = p.isRegExp ? p.query : p.query.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  try {
    return new RegExp(source, flags);
  } catch {
    throw invalidParams('findInFiles: the query is not a valid regular expression.');
  }
}

/**
 * `protectedModules/findInFiles`: the matches of `params.query` in every readable file, line by
 * line (a match does not span lines), in file order.
 * @throws InvalidParams for an empty or too long query, or an invalid regular expression
 */
export function findInFiles(workspace: Workspace, files: ModuleFileSystem, params: FindInFilesParams, token?: CancellationToken): FindInFilesResult {
  const re = matcher(params, workspace.remote);
  const max = Math.max(1, Math.min(MAX_MATCHES, typeof params.maxResults === 'number' ? Math.floor(params.maxResults) : MAX_MATCHES));
  const include = typeof params.include === 'string' && params.include ? params.include.toLowerCase() : undefined;
  const listed = listFiles(workspace, files, {}, token);
  const matches: FindMatch[] = [];
  let filesSearched = 0;
  const truncated = listed.truncated;
  for (const f of listed.files) {
    if (token?.isCancellationRequested) break;
    if (include && !f.path.toLowerCase().includes(include)) continue;
    let text: string;
    try {
      text = files.readFile(f.uri).text; // decided again, at the moment of reading
    } catch {
      continue;
    }
    filesSearched++;
    if (text.length > MAX_FILE_CHARS) continue;
    const lines = text.split(/\r?\n/);
    for (let line = 0; line < lines.length; line++) {
      const s = lines[line]!;
      re.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = re.exec(s))) {
        if (m[0].length === 0) {
          re.lastIndex++;
          continue;
        }
        const from = Math.max(0, m.index - 60);
        const preview = s.slice(from, from + 200);
        matches.push({
          environment: f.environment,
          path: f.path,
          uri: f.uri,
          line,
          character: m.index,
          length: m[0].length,
          preview,
          previewCharacter: m.index - from,
        });
        if (matches.length >= max) return { matches, filesSearched, truncated: true };
      }
    }
  }
  return { matches, filesSearched, truncated };
}

/**
 * `protectedModules/accessOverview`: the grants that apply to a module and every known user's
 * effective access. Needs `full` on the module (the owner or an admin: the people who may read
 * `environment.json`'s grants anyway).
 * @throws InvalidParams, InvalidPolicy, ModuleNotFound (also for `none`), PermissionDenied below `full`
 */
export function accessOverview(workspace: Workspace, params: AccessOverviewParams): AccessOverviewResult {
  if (!params || typeof params.module !== 'string') throw invalidParams('accessOverview needs { module: string }.');
  const { state, module } = moduleForAdmin(workspace, params.module);
  const policy = state.env.policy!;
  const manifest = module.manifest!;
  const users = Object.entries(policy.users).map(([id, info]) => {
    // Each user's level as the gate decides it for them (nesting and sealing caps included).
    const r = new AccessGate(state.env, id).moduleAccess(module);
    return {
      id,
      ...(info.displayName !== undefined ? { displayName: info.displayName } : {}),
      groups: [...info.groups],
      admin: policy.admins.includes(id),
      access: r.level,
      reason: r.reason,
    };
  });
  return {
    module: manifest.name,
    protected: manifest.protected,
    owner: manifest.owner,
    defaultAccess: policy.defaultAccess,
    grants: policy.grants.filter((g) => g.module === manifest.name || g.module === '*').map((g) => ({ ...g })),
    users,
    groups: [...new Set(Object.values(policy.users).flatMap((u) => u.groups))].sort(),
  };
}

/** Registers the three requests (no capabilities: they are custom). */
export const editorRequestsFeature: Feature = {
  name: 'editorRequests',
  register(ctx) {
    const { workspace, files } = ctx;
    onRequest(ctx, Requests.listFiles, (p, token) => listFiles(workspace, files, p, token));
    onRequest(ctx, Requests.findInFiles, (p, token) => findInFiles(workspace, files, p, token));
    onRequest(ctx, Requests.accessOverview, (p) => accessOverview(workspace, p));
  },
};
