/**
 * The JSON-RPC errors of the custom protocol (SPEC 4), built in one place so that their messages
 * are fixed and carry nothing the user may not see:
 *
 * - messages never contain a URI or a path (the request's own URI may name a file the user may
 *   not know about);
 * - `moduleNotFound()` and `fileNotFound()` take no argument, so the answer for a module at `none`
 *   is byte-for-byte the answer for a module that does not exist (SPEC 2.3);
 * - any unexpected exception becomes {@link internalError}, whose text never includes the
 *   exception's own message (which could hold a path or file content).
 */
import { ResponseError, ErrorCodes as RpcErrorCodes } from 'vscode-languageserver';
import { ErrorCodes, type FileChangedData, type PermissionDeniedData } from '../shared/protocol';
import type { AccessLevel } from '../shared/access/levels';
import { describeForLog } from './log';

/** What a denied operation needed (used in messages). */
const NEEDED_FOR: Record<AccessLevel, string> = {
  none: '',
  list: 'seeing it',
  reference: 'seeing its public elements',
  open: 'reading its files',
  change: 'changing its files',
  full: 'changing its protection and access',
};

/**
 * `PermissionDenied` (-32001) with `data: { module, access, required, owner }` (SPEC 4).
 * Only for a module the user can see (access ≥ `list`), or for the environment's own files
 * (`module: ""`, `owner: ""`, see docs/DECISIONS.md).
 * @param data the module's name and owner, the user's access and the access the operation needs.
 */
export function permissionDenied(data: PermissionDeniedData): ResponseError<PermissionDeniedData> {
  if (!data.module) {
    const who = data.required === 'full' ? 'an admin of the environment' : 'a known user of the environment';
    return new ResponseError(ErrorCodes.PermissionDenied, `Permission denied: only ${who} may do this (your access is ${data.access}).`, data);
  }
  if (data.sealed) {
    // SPEC 9: nobody here can get more than reference; asking the owner would not help.
    return new ResponseError(
      ErrorCodes.PermissionDenied,
      `Permission denied: module ${data.module} is sealed by ${data.sealed.publisher || 'an unknown publisher'}; its source is not in this environment, only its public interface.`,
      data,
    );
  }
  const owner = data.owner ? ` Ask its owner ${data.owner} for ${data.required} access.` : ' Ask an admin of the environment.';
  return new ResponseError(
    ErrorCodes.PermissionDenied,
    `Permission denied: your access to module ${data.module} is ${data.access}; ${NEEDED_FOR[data.required] || 'this'} needs ${data.required}.${owner}`,
    data,
  );
}

/** `ModuleNotFound` (-32002): the same for a module that does not exist and one at `none`. */
export function moduleNotFound(): ResponseError<void> {
  return new ResponseError(ErrorCodes.ModuleNotFound, 'Module not found.');
}

/** `FileNotFound` (-32003): the same for a missing path, a path that leaves the environment and
 *  any path of a module at `none`. */
export function fileNotFound(): ResponseError<void> {
  return new ResponseError(ErrorCodes.FileNotFound, 'File not found.');
}

/** `InvalidPolicy` (-32004): an admin operation while `environment.json` is invalid (SPEC 2.3 rule 1). */
export function invalidPolicy(): ResponseError<void> {
  return new ResponseError(ErrorCodes.InvalidPolicy, 'The environment policy (environment.json) is invalid; fix it before changing protection or access.');
}

/** `FileChanged` (-32005, an extension of SPEC 4): a `writeFile` whose `expectedMtime` no longer
 *  matches the file on disk. Only reached by users who may change the file (≥ `change`). */
export function fileChanged(mtime: number | null): ResponseError<FileChangedData> {
  return new ResponseError(
    ErrorCodes.FileChanged,
    mtime === null
      ? 'The file was deleted on disk since you read it; it was not written. Save again to create it.'
      : 'The file changed on disk since you read it; it was not overwritten. Reload it (or compare) before saving again.',
    { mtime },
  );
}

/** `InvalidParams` (-32602) with a fixed message naming the offending parameter. */
export function invalidParams(message: string): ResponseError<void> {
  return new ResponseError(RpcErrorCodes.InvalidParams, message);
}

/** A file operation the target cannot support (e.g. writing a directory or a virtual file). */
export function notSupported(message: string): ResponseError<void> {
  return new ResponseError(RpcErrorCodes.InvalidRequest, message);
}

/** `InternalError` (-32603) for an unexpected exception; the exception's text is never sent. */
export function internalError(method: string): ResponseError<void> {
  return new ResponseError(RpcErrorCodes.InternalError, `Internal error while handling ${method}.`);
}

/**
 * Maps anything thrown by a handler to a safe `ResponseError`: our own `ResponseError`s pass
 * through; everything else (fs errors with paths, bugs) becomes {@link internalError}.
 */
export function toResponseError(error: unknown, method: string): ResponseError<unknown> {
  if (error instanceof ResponseError) return error;
  return internalError(method);
}

/** {@link describeForLog} lives in server/log.ts (the CLI uses it without this file's library). */
export { describeForLog };

/**
 * Reports an internal failure: the details (exception class and stack frames, which name the
 * server's own files) go to the server's own log (stderr), and the client gets one line that
 * names only what failed (SPEC 4.1: no message to a client carries a stack trace or a path of
 * the server's machine).
 * @param log the client-facing log (the connection's `console.error`)
 * @param what what failed, e.g. a method name (never a path, a module name or file content)
 */
export function reportInternalError(log: (message: string) => void, what: string, error: unknown): void {
  process.stderr.write(`protected-modules server: ${what} failed: ${describeForLog(error)}\n`);
  log(`${what} failed (an internal error; the details are in the server's own log).`);
}
