/**
 * Turning the server's JSON-RPC errors (SPEC 4) into plain words for the user. Pure: no `vscode`
 * import, unit-tested in `test/client/errors.test.ts`.
 */
import { ACCESS_LEVELS, type AccessLevel } from '../shared/access/levels';
import { ErrorCodes, type PermissionDeniedData } from '../shared/protocol';

/** The shape of a JSON-RPC error as vscode-jsonrpc's `ResponseError` carries it. */
export interface RpcErrorLike {
  code: number;
  message: string;
  data?: unknown;
}

/** True when `e` looks like a JSON-RPC error object (has a numeric `code` and a `message`). */
export function isRpcError(e: unknown): e is RpcErrorLike {
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'number' && typeof (e as { message?: unknown }).message === 'string';
}

/** The `data` of a PermissionDenied error when it has the SPEC 4 shape, else `undefined`. */
export function permissionDeniedData(e: unknown): PermissionDeniedData | undefined {
  if (!isRpcError(e) || e.code !== ErrorCodes.PermissionDenied) return undefined;
  const d = e.data as Partial<PermissionDeniedData> | undefined;
  if (!d || typeof d.module !== 'string') return undefined;
  const level = (v: unknown, dflt: AccessLevel): AccessLevel =>
    typeof v === 'string' && (ACCESS_LEVELS as readonly string[]).includes(v) ? (v as AccessLevel) : dflt;
  return {
    module: d.module,
    access: level(d.access, 'none'),
    required: level(d.required, 'open'),
    owner: typeof d.owner === 'string' ? d.owner : '',
  };
}

/** "an open" / "a change" — the article that goes with an access level in a sentence. */
export function withArticle(level: AccessLevel): string {
  return /^[aeiou]/.test(level) ? `an ${level}` : `a ${level}`;
}

/**
 * How to get the access a denied operation needed, in one sentence.
 * e.g. `Ask alice (the owner of OrderAPI) for open access.`
 */
export function howToAsk(data: PermissionDeniedData): string {
  const who = data.owner ? `${data.owner} (the owner of ${data.module})` : `the owner of ${data.module}`;
  return `Ask ${who} or an environment admin for ${data.required} access.`;
}

/**
 * One sentence saying why an operation failed, for a notification.
 * @param what what the user tried, e.g. `protect OrderAPI` (used as "Could not <what>: …").
 * @param e an error from a request (JSON-RPC error, `Error` or anything else).
 */
export function describeError(what: string, e: unknown): string {
  if (isRpcError(e)) {
    switch (e.code) {
      case ErrorCodes.PermissionDenied: {
        const d = permissionDeniedData(e);
        if (d) {
          return `Could not ${what}: your access to ${d.module} is ${d.access}, and this needs ${d.required}. ${howToAsk(d)}`;
        }
        return `Could not ${what}: you do not have the access this needs. ${e.message}`;
      }
      case ErrorCodes.ModuleNotFound:
        return `Could not ${what}: there is no such module (or you may not see it).`;
      case ErrorCodes.FileNotFound:
        return `Could not ${what}: the file does not exist.`;
      case ErrorCodes.InvalidPolicy:
        return `Could not ${what}: the environment's environment.json is invalid — fix it first. ${e.message}`;
      default:
        return `Could not ${what}: ${e.message}`;
    }
  }
  if (e instanceof Error) return `Could not ${what}: ${e.message}`;
  return `Could not ${what}: ${String(e)}`;
}
