/**
 * `textDocument/documentHighlight`: the uses (and the declaration) of the symbol at the cursor in
 * the same document — what VS Code highlights while the cursor rests on a name. Not required by
 * SPEC 4, but the client forwards it and it is the same query as find references.
 *
 * Access (SPEC 2.3, No leak): only in readable sources ({@link resolveDocument}); the locations come
 * from `UserProgram.references`, restricted here to the request's own file.
 */
import { DocumentHighlightKind, type DocumentHighlight, type DocumentHighlightParams } from 'vscode-languageserver';
import type { Feature, FeatureContext } from './feature';
import { resolveDocument } from './common';

/** Computes the highlights of a request (exported for tests). */
export function documentHighlights(ctx: FeatureContext, params: DocumentHighlightParams): DocumentHighlight[] | null {
  const doc = resolveDocument(ctx, params?.textDocument?.uri);
  if (!doc || doc.kind !== 'source') return null;
  const symbol = doc.view.symbolAt(doc.path, params.position);
  if (!symbol) return null;
  const declaration = symbol.location?.kind === 'source' && symbol.location.path === doc.path ? symbol.location.range : undefined;
  const out: DocumentHighlight[] = [];
  for (const loc of doc.view.references(symbol, true)) {
    if (loc.kind !== 'source' || loc.path !== doc.path) continue;
    const isDecl = !!declaration && declaration.start.line === loc.range.start.line && declaration.start.character === loc.range.start.character;
    out.push({ range: loc.range, kind: isDecl ? DocumentHighlightKind.Write : DocumentHighlightKind.Read });
  }
  return out;
}

export const documentHighlightsFeature: Feature = {
  name: 'documentHighlights',
  capabilities: () => ({ documentHighlightProvider: true }),
  register(ctx) {
    ctx.connection.onDocumentHighlight(ctx.safe('textDocument/documentHighlight', (params: DocumentHighlightParams) => documentHighlights(ctx, params)));
  },
};
