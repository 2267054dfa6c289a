/**
 * `textDocument/prepareRename` and `textDocument/rename` (SPEC 4: "rename within what the user
 * may change").
 *
 * A symbol can be renamed when the user may change (≥ `change`) the module that declares it and
 * every module where it is used (as far as the user can see: `UserProgram.references` searches the
 * modules at ≥ `open`). Otherwise the request fails (`RequestFailed`) with a message naming the
 * read-only module and the access — only modules the user can already see are named. Built-ins,
 * module names and symbols of interface documents cannot be renamed. A position where nothing
 * can be renamed, and any document the user may not read ({@link resolveDocument}), answers
 * `null` (no edit is ever produced in a file below `change`).
 */
import type { PrepareRenameParams, Range, RenameParams, TextEdit, WorkspaceEdit } from 'vscode-languageserver';
import { atLeast } from '../../shared/access/levels';
import { BASIC_TYPES } from '../../shared/language/ast';
import type { SymbolInfo } from '../../shared/program/program';
import type { Feature, FeatureContext } from './feature';
import { KEYWORDS, clientUri, identifierAt, requestFailed, resolveDocument, type ReadableDocument } from './common';

/** A valid new name: an identifier (SPEC 3.1) that is not a keyword nor a basic type. */
export function isValidName(name: string): boolean {
  return (
    /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) &&
    !(KEYWORDS as readonly string[]).includes(name) &&
    !(BASIC_TYPES as readonly string[]).includes(name) &&
    name !== 'List'
  );
}

/**
 * Decides whether `symbol` may be renamed by the user.
 * @returns the source locations to edit (declaration included)
 * @throws RequestFailed with a message for the user when the rename is refused
 */
function renameLocations(doc: Extract<ReadableDocument, { kind: 'source' }>, symbol: SymbolInfo): { path: string; range: Range }[] {
  const view = doc.view;
  if (symbol.kind === 'builtin') throw requestFailed(`'${symbol.name}' is a built-in function: it cannot be renamed.`);
  if (symbol.kind === 'module') throw requestFailed(`'${symbol.name}' is a module: it cannot be renamed here (a module's name is set in its module.json).`);
  const readOnly = (module: string, level: string) =>
    requestFailed(`You cannot rename '${symbol.name}': module ${module} is read-only for you (your access is ${level}; renaming needs change).`);
  if (symbol.key.startsWith('builtin:')) throw requestFailed(`'${symbol.name}' belongs to a built-in function: it cannot be renamed.`);
  if (symbol.location?.kind === 'interface') throw readOnly(symbol.location.module, view.access(symbol.location.module).level);
  if (symbol.location?.kind !== 'source') throw requestFailed(`'${symbol.name}' cannot be renamed.`);
  const locations: { path: string; range: Range }[] = [];
  for (const loc of view.references(symbol, true)) {
    if (loc.kind !== 'source') {
      throw readOnly(loc.module, view.access(loc.module).level);
    }
    const { module, decision } = view.accessForPath(loc.path);
    if (!module || !atLeast(decision.level, 'change')) throw readOnly(module?.name ?? '', decision.level);
    locations.push({ path: loc.path, range: loc.range });
  }
  return locations;
}

/** `textDocument/prepareRename`: the range of the name, or a refusal. */
export function prepareRename(ctx: FeatureContext, params: PrepareRenameParams): Range | null {
  const doc = resolveDocument(ctx, params?.textDocument?.uri);
  if (!doc) return null;
  if (doc.kind === 'interface') throw requestFailed('An interface document is generated and read-only: nothing in it can be renamed.');
  const symbol = doc.view.symbolAt(doc.path, params.position);
  const id = identifierAt(doc.file, params.position);
  if (!symbol || !id) return null;
  renameLocations(doc, symbol);
  return id.range;
}

/** `textDocument/rename`: the edits of every use and the declaration, or a refusal. */
export function rename(ctx: FeatureContext, params: RenameParams): WorkspaceEdit | null {
  const doc = resolveDocument(ctx, params?.textDocument?.uri);
  if (!doc) return null;
  if (doc.kind === 'interface') throw requestFailed('An interface document is generated and read-only: nothing in it can be renamed.');
  const symbol = doc.view.symbolAt(doc.path, params.position);
  if (!symbol) return null;
  const newName = typeof params.newName === 'string' ? params.newName : '';
  if (!isValidName(newName)) throw requestFailed(`'${newName}' is not a valid name: use letters, digits and '_' (not a keyword or a type).`);
  const changes: Record<string, TextEdit[]> = {};
  const seen = new Set<string>();
  for (const loc of renameLocations(doc, symbol)) {
    const key = `${loc.path}#${loc.range.start.line}:${loc.range.start.character}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const uri = clientUri(ctx, doc.state, loc.path, doc.uri);
    (changes[uri] ??= []).push({ range: loc.range, newText: newName });
  }
  return { changes };
}

export const renameFeature: Feature = {
  name: 'rename',
  capabilities: () => ({ renameProvider: { prepareProvider: true } }),
  register(ctx) {
    ctx.connection.onPrepareRename(ctx.safe('textDocument/prepareRename', (params: PrepareRenameParams) => prepareRename(ctx, params)));
    ctx.connection.onRenameRequest(ctx.safe('textDocument/rename', (params: RenameParams) => rename(ctx, params)));
  },
};
