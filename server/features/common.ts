/**
 * Helpers shared by the IDE features (completion, hover, …): deciding what a request's document is
 * for the current user (SPEC 2.3, SPEC 4 "No leak"), choosing the URI under which a location is
 * sent back, and rendering the facts line of hovers.
 *
 * The rule every feature follows: {@link resolveDocument} first. It answers `undefined` for a
 * document the user may not read (a `file:`/`modules:` URI inside a module below `open`, a hidden
 * path, an interface document below `reference`, anything outside the environments); features then
 * answer `null` / `[]` without looking at the document at all.
 *
 * Positions are LSP's (0-based line, 0-based UTF-16 character).
 */
import * as path from 'node:path';
import { ResponseError, LSPErrorCodes } from 'vscode-languageserver';
import type { Identifier, Position, Range, SourceFile } from '../../shared/language/ast';
import { findNodePath } from '../../shared/language/visit';
import { atLeast } from '../../shared/access/levels';
import type { ModuleFacts, SymbolLocation, UserProgram } from '../../shared/program/program';
import type { EnvironmentState } from '../workspace';
import { fileUri, isInside, modulesUri, parseUri } from '../uris';
import { interfaceLocationUri } from '../interfaceLocation';
import type { FeatureContext } from './feature';

/** A document the user may read, as features see it. */
export type ReadableDocument =
  /** A `.logic` source of a module the user may open (≥ `open`). `path` is real and absolute. */
  | { kind: 'source'; uri: string; state: EnvironmentState; view: UserProgram; path: string; file: SourceFile }
  /** An interface document `module-interface://…/<Module>.logic` of a module at ≥ `reference`. */
  | { kind: 'interface'; uri: string; state: EnvironmentState; view: UserProgram; module: string; file: SourceFile; text: string };

/**
 * Decides whether the current user may read the document `uri` and returns what features need.
 * Access is decided before anything is read (SPEC 4): the file-system decision of
 * `ModuleFileSystem.decidePath` (hidden paths, modules below `open`) and the Program's own
 * `canRead`; interface documents need ≥ `reference`.
 *
 * @returns `undefined` for anything the user may not read, and for non-`.logic` files
 */
export function resolveDocument(ctx: FeatureContext, uri: string): ReadableDocument | undefined {
  if (typeof uri !== 'string') return undefined;
  const l = ctx.workspace.locate(uri);
  if (!l) return undefined;
  const view = ctx.workspace.view(l.state);
  const asInterface = (module: string): ReadableDocument | undefined => {
    if (!atLeast(view.access(module).level, 'reference')) return undefined;
    const iface = view.interfaceOf(module);
    const rendered = view.interfaceDocument(module);
    if (!iface || !rendered) return undefined;
    return { kind: 'interface', uri, state: l.state, view, module, file: rendered.file, text: iface.text };
  };
  if (l.kind === 'interface') return asInterface(l.module);
  if (!l.path.endsWith('.logic')) return undefined;
  try {
    const d = ctx.files.decideLocated(l);
    // The virtual INTERFACE.logic of a module at `reference` (SPEC 4) is its interface document.
    if (d.kind === 'interfaceFile') return asInterface(d.module.name);
    if (d.kind !== 'modulePath' || !atLeast(d.access.level, 'open')) return undefined;
  } catch {
    return undefined;
  }
  if (!view.canRead(l.path)) return undefined;
  const file = view.sourceFile(l.path);
  if (!file) return undefined;
  return { kind: 'source', uri, state: l.state, view, path: l.path, file };
}

/**
 * The URI under which a file of an environment is sent to the client: the URI of the open
 * document at that path when there is one (so edits and locations hit the editor's buffer), else
 * a URI of the scheme the client used for the request (`modules:` or `file:`); for requests on
 * interface documents, `modules:` when any open document of the environment uses it, else `file:`.
 *
 * @param abs a real absolute path inside `state.root`
 * @param requestUri the URI of the request's document, when there is one
 */
export function clientUri(ctx: FeatureContext, state: EnvironmentState, abs: string, requestUri?: string): string {
  const open = ctx.workspace.openDocumentAt(state, abs);
  if (open) return open.uri;
  const scheme = requestUri ? parseUri(requestUri)?.scheme : undefined;
  if (scheme === 'modules' || (scheme !== 'file' && prefersModules(ctx, state))) return modulesUri(state.folderName, state.root, abs);
  if (scheme === 'file' && requestUri) {
    // Keep the client's spelling of the environment folder (it may be a symbolic link to `root`).
    const p = parseUri(requestUri);
    if (p?.scheme === 'file' && isInside(state.given, p.path) && !isInside(state.root, p.path)) {
      return fileUri(path.join(state.given, path.relative(state.root, abs)));
    }
  }
  return fileUri(abs);
}

/** True when the client opened this environment as a `modules://` workspace folder, or opened documents of it through `modules:` URIs. */
function prefersModules(ctx: FeatureContext, state: EnvironmentState): boolean {
  if (ctx.workspace.modulesWorkspaceFolders.has(state.folderName.toLowerCase())) return true;
  for (const doc of ctx.workspace.documents.all()) {
    const p = parseUri(doc.uri);
    if (p?.scheme === 'modules' && p.folderName === state.folderName) return true;
  }
  return false;
}

/** An LSP location of a {@link SymbolLocation} (source file or interface document). */
export function toLocation(ctx: FeatureContext, state: EnvironmentState, loc: SymbolLocation, requestUri?: string): { uri: string; range: Range } {
  if (loc.kind === 'interface') return { uri: interfaceLocationUri(ctx.workspace, state, loc.module), range: loc.range };
  return { uri: clientUri(ctx, state, loc.path, requestUri), range: loc.range };
}

/** The identifier at a position (end inclusive: the cursor right after a name counts), if any. */
export function identifierAt(file: SourceFile, position: Position): Identifier | undefined {
  const nodes = findNodePath(file, position);
  const last = nodes[nodes.length - 1];
  return last?.kind === 'Identifier' && last.name ? last : undefined;
}

/**
 * The facts line of hovers (SPEC 4): `Module OrderAPI 1.4.0 · owner alice · protected · your
 * access: reference`. Only facts the user may see at `list` (the caller got `facts` from
 * `UserProgram.moduleFacts`, which answers `undefined` below `list`).
 */
export function factsLine(facts: ModuleFacts): string {
  return (
    `Module **${facts.name}** ${facts.version} · owner ${facts.owner} · ${facts.protected ? 'protected' : 'not protected'}` +
    (facts.sealed ? ` · sealed by ${facts.sealed.publisher}` : '') +
    ` · your access: ${facts.access}`
  );
}

/** A request failure with a message meant for the user (LSP `RequestFailed`), e.g. a refused rename. */
export function requestFailed(message: string): ResponseError<void> {
  return new ResponseError(LSPErrorCodes.RequestFailed, message);
}

/** Logic's keywords (SPEC 3.1), which are not identifiers: the scanner's one list. */
export { KEYWORDS } from '../../shared/language/scanner';
