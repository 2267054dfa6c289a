/**
 * The hook every LSP feature of the server plugs into (one file per feature under
 * `server/features/`, listed in `server/features/index.ts`).
 *
 * A feature contributes server capabilities to the `initialize` result and registers its
 * handlers on the connection. Its first step on any document is `resolveDocument` (common.ts): the
 * access gate that answers `undefined` for anything the user may not read. It reaches the rest of
 * the server through {@link FeatureContext}:
 * `workspace.locate(uri)` (document → environment, real path, module), `workspace.view(state)`
 * (the Program for the current user), `workspace.moduleAccess` / `moduleByName` (SPEC 2.3),
 * `files` (the access decisions of SPEC 4) and `safe` (error and cancellation handling that
 * never leaks an exception's text).
 */
import type { CancellationToken, ClientCapabilities, Connection, ServerCapabilities } from 'vscode-languageserver';
import type { Workspace } from '../workspace';
import type { ModuleFileSystem } from '../filesystem';
import type { DiagnosticsPublisher } from './diagnostics';

/** What a feature gets to work with. */
export interface FeatureContext {
  connection: Connection;
  workspace: Workspace;
  files: ModuleFileSystem;
  diagnostics: DiagnosticsPublisher;
  /** The client's capabilities (from `initialize`). */
  clientCapabilities: ClientCapabilities;
  /**
   * Wraps a request handler: answers `RequestCancelled` when the request was cancelled before it
   * ran or while it awaited, and turns any exception that is not a `ResponseError` into a generic
   * `InternalError` (the exception's message, which may hold a path or source text, is never sent).
   */
  safe<P, R>(method: string, handler: (params: P, token: CancellationToken) => R | Promise<R>): (params: P, token: CancellationToken) => Promise<R>;
}

/** One LSP feature (completion, hover, …). */
export interface Feature {
  /** A short name for logs. */
  name: string;
  /** Capabilities this feature adds to the `initialize` result (object values such as `workspace`
   *  are merged one level deep with the others'). */
  capabilities?(client: ClientCapabilities): Partial<ServerCapabilities>;
  /** Registers the feature's handlers; called once, before the connection listens. */
  register(ctx: FeatureContext): void;
}
