/**
 * `textDocument/references` (SPEC 4): every use of the symbol at the cursor in the files the user
 * can read, plus (with `includeDeclaration`) its declaration — a source location at ≥ `open`, its
 * place in the module's interface document below that.
 *
 * Access (SPEC 2.3, No leak): the request's document must be readable ({@link resolveDocument});
 * `UserProgram.references` searches only modules at ≥ `open`, so no location ever points into a
 * module below `open` (an interface document is not the module's source). Locations in modules
 * the user cannot read are dropped again here as a second line of defence.
 */
import type { Location, ReferenceParams } from 'vscode-languageserver';
import { atLeast } from '../../shared/access/levels';
import type { Feature, FeatureContext } from './feature';
import { resolveDocument, toLocation } from './common';
import { symbolAtDocument } from './hover';

/** Computes the references of a request (exported for tests). */
export function references(ctx: FeatureContext, params: ReferenceParams): Location[] | null {
  const doc = resolveDocument(ctx, params?.textDocument?.uri);
  if (!doc) return null;
  const symbol = symbolAtDocument(doc, params.position);
  if (!symbol) return null;
  const includeDeclaration = params.context?.includeDeclaration !== false;
  const out: Location[] = [];
  const seen = new Set<string>();
  for (const loc of doc.view.references(symbol, includeDeclaration)) {
    if (loc.kind === 'source' && !doc.view.canRead(loc.path)) continue;
    if (loc.kind === 'interface' && !atLeast(doc.view.access(loc.module).level, 'reference')) continue;
    const l = toLocation(ctx, doc.state, loc, doc.uri);
    const key = `${l.uri}#${l.range.start.line}:${l.range.start.character}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(l);
  }
  return out;
}

export const referencesFeature: Feature = {
  name: 'references',
  capabilities: () => ({ referencesProvider: true }),
  register(ctx) {
    ctx.connection.onReferences(ctx.safe('textDocument/references', (params: ReferenceParams) => references(ctx, params)));
  },
};
