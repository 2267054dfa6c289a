/**
 * `textDocument/hover` (SPEC 4): the symbol's signature in a ```logic code block, its doc comment,
 * and a line naming its module, version, owner, whether it is protected and the user's access.
 *
 * Access (SPEC 2.3, No leak): the document must be readable ({@link resolveDocument}: a source at
 * ≥ `open` or an interface document at ≥ `reference`); the symbol comes from
 * `UserProgram.symbolAt` / `interfaceSymbolAt`, which never return private elements of modules
 * below `open` nor anything of modules below `reference` (a module name at `list` hovers with its
 * list facts only: name, version, owner, description). Anything else: `null`.
 */
import { MarkupKind, type Hover, type HoverParams } from 'vscode-languageserver';
import type { Position } from '../../shared/language/ast';
import type { ModuleFacts, SymbolInfo } from '../../shared/program/program';
import type { Feature, FeatureContext } from './feature';
import { factsLine, identifierAt, resolveDocument, type ReadableDocument } from './common';

/**
 * The symbol at a position of a readable document (source or interface), as the user may see it.
 * @param withLocation false when `location` is not read (hover; see `UserProgram.symbolAt`)
 */
export function symbolAtDocument(doc: ReadableDocument, position: Position, withLocation = true): SymbolInfo | undefined {
  return doc.kind === 'source' ? doc.view.symbolAt(doc.path, position, withLocation) : doc.view.interfaceSymbolAt(doc.module, position);
}

/**
 * The Markdown of a hover: a ```logic code block with the signature, the documentation, and the
 * facts line of `facts` (or "Built-in function").
 * @param facts the facts of the symbol's module as the user may see them (`UserProgram.moduleFacts`)
 */
export function hoverMarkdown(symbol: SymbolInfo, facts: ModuleFacts | undefined): string {
  const parts = ['```logic\n' + symbol.signature + '\n```'];
  if (symbol.documentation) parts.push(symbol.documentation);
  if (symbol.kind === 'builtin') parts.push('Built-in function');
  else if (facts) parts.push(factsLine(facts));
  return parts.join('\n\n---\n\n');
}

/** Computes the hover of a request (exported for tests and other features). */
export function hover(ctx: FeatureContext, params: HoverParams): Hover | null {
  const doc = resolveDocument(ctx, params?.textDocument?.uri);
  if (!doc) return null;
  const symbol = symbolAtDocument(doc, params.position, false);
  if (!symbol) return null;
  const facts = symbol.kind === 'builtin' ? undefined : (symbol.moduleFacts ?? (symbol.module ? doc.view.moduleFacts(symbol.module) : undefined));
  const id = identifierAt(doc.file, params.position);
  return {
    contents: { kind: MarkupKind.Markdown, value: hoverMarkdown(symbol, facts) },
    ...(id ? { range: id.range } : {}),
  };
}

export const hoverFeature: Feature = {
  name: 'hover',
  capabilities: () => ({ hoverProvider: true }),
  register(ctx) {
    ctx.connection.onHover(ctx.safe('textDocument/hover', (params: HoverParams) => hover(ctx, params)));
  },
};
