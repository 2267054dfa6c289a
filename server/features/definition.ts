/**
 * `textDocument/definition` (SPEC 4): the declaration of the symbol at the cursor — in its source
 * when the user's access on its module is ≥ `open`, otherwise the element in its module's
 * interface document `module-interface://<environment-folder-name>/<Module>.logic` (the range of
 * the element's name there). A module name goes to its `module.json` (≥ `open`) or to the start of
 * its interface document (`reference`).
 *
 * Access (SPEC 2.3, No leak): the request's document must be readable ({@link resolveDocument});
 * symbols come from `UserProgram.symbolAt` / `interfaceSymbolAt`, whose locations are decided by
 * access (never a source location in a module below `open`). Built-ins have no location: `null`.
 */
import type { DefinitionParams, Location } from 'vscode-languageserver';
import { atLeast } from '../../shared/access/levels';
import type { Feature, FeatureContext } from './feature';
import { resolveDocument, toLocation } from './common';
import { symbolAtDocument } from './hover';
import { interfaceLocationUri } from '../interfaceLocation';

/** Computes the definition of a request (exported for tests). */
export function definition(ctx: FeatureContext, params: DefinitionParams): Location | null {
  const doc = resolveDocument(ctx, params?.textDocument?.uri);
  if (!doc) return null;
  const symbol = symbolAtDocument(doc, params.position);
  if (!symbol) return null;
  if (symbol.location) return toLocation(ctx, doc.state, symbol.location, doc.uri);
  if (symbol.kind === 'module' && atLeast(doc.view.access(symbol.name).level, 'reference')) {
    const start = { line: 0, character: 0 };
    return { uri: interfaceLocationUri(ctx.workspace, doc.state, symbol.name), range: { start, end: start } };
  }
  return null;
}

export const definitionFeature: Feature = {
  name: 'definition',
  capabilities: () => ({ definitionProvider: true }),
  register(ctx) {
    ctx.connection.onDefinition(ctx.safe('textDocument/definition', (params: DefinitionParams) => definition(ctx, params)));
  },
};
