/**
 * The hook every LSP feature of the server plugs into (one file per feature under
 * `server/features/`, listed in `server/features/index.ts`).
 *
 * A feature contributes server capabilities to the `initialize` result and registers its
 * handlers on the connection. It reaches the rest of the server through {@link FeatureContext}:
 * `workspace.locate(uri)` (document → environment, real path, module), `workspace.view(state)`
 * (the Program for the current user), `workspace.moduleAccess` / `moduleByName` (SPEC 2.3),
 * `files` (the access decisions of SPEC 4) and `safe` (error and cancellation handling that
 * never leaks an exception's text).
 */
import type {
  CancellationToken,
  ClientCapabilities,
  Connection,
  ServerCapabilities,
} from 'vscode-languageserver';
import type { ModuleInfo } from '../../shared/environment/model';
import type { Access, EnvironmentState, UserView, Workspace } from '../workspace';
import type { ModuleFileSystem } from '../filesystem';
import type { DiagnosticsPublisher } from './diagnostics';

/** An open source the current user may read (see {@link FeatureContext.source}). */
export interface ReadableSource {
  state: EnvironmentState;
  /** Real absolute path (the Program's key). */
  path: string;
  module: ModuleInfo;
  /** The user's access on `module` (≥ `open`). */
  access: Access;
  /** The Program for the current user. */
  view: UserView;
}

/** An interface document the current user may read (see {@link FeatureContext.interfaceDocument}). */
export interface ReadableInterface {
  state: EnvironmentState;
  /** The module's name. */
  module: string;
  /** The user's access on it (≥ `reference`). */
  access: Access;
  view: UserView;
}

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
  /**
   * The gate of every feature on a source document: the `.logic` file at `uri` (`file:` or
   * `modules:`) when the current user may read it (≥ `open` on its module), else `undefined` —
   * answer `null`/empty then, never an error that names anything.
   */
  source(uri: string): ReadableSource | undefined;
  /**
   * The interface document at `uri` (`module-interface://…/<M>.logic`, or a module's virtual
   * `INTERFACE.logic` at `reference`) when the user may see it (≥ `reference`), else `undefined`.
   * Its text is `view.interfaceOf(module).text`.
   */
  interfaceDocument(uri: string): ReadableInterface | undefined;
}

/** One LSP feature (completion, hover, …). */
export interface Feature {
  /** A short name for logs. */
  name: string;
  /** Capabilities this feature adds to the `initialize` result (merged shallowly). */
  capabilities?(client: ClientCapabilities): Partial<ServerCapabilities>;
  /** Registers the feature's handlers; called once, before the connection listens. */
  register(ctx: FeatureContext): void;
}
