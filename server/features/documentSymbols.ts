/**
 * `textDocument/documentSymbol` (SPEC 4): the outline of a document — structures with their
 * fields, server actions with their inputs and outputs, screens with their variables and client
 * actions.
 *
 * Access (SPEC 2.3, No leak): a source only at ≥ `open` on its module; an interface document at ≥
 * `reference` (its text holds only public elements, SPEC 3.5); anything else `[]`
 * ({@link resolveDocument}).
 */
import { SymbolKind, type DocumentSymbol, type DocumentSymbolParams } from 'vscode-languageserver';
import type { ParamDecl, Range, SourceFile, TypeNode } from '../../shared/language/ast';
import type { Feature, FeatureContext } from './feature';
import { resolveDocument } from './common';

/** The written text of a type node (`List<OrderAPI.OrderLine>`), for symbol details. */
function typeText(t: TypeNode | undefined): string {
  if (!t) return '';
  if (t.kind === 'BasicType') return t.name;
  if (t.kind === 'ListType') return `List<${typeText(t.element)}>`;
  return t.module ? `${t.module.name}.${t.name.name}` : t.name.name;
}

/** A range that contains `inner` (LSP requires `selectionRange` ⊆ `range`). */
function cover(range: Range, inner: Range): Range {
  const before = (a: Range['start'], b: Range['start']) => a.line < b.line || (a.line === b.line && a.character < b.character);
  return { start: before(inner.start, range.start) ? inner.start : range.start, end: before(range.end, inner.end) ? inner.end : range.end };
}

function sym(name: string, kind: SymbolKind, range: Range, selection: Range, detail?: string, children?: DocumentSymbol[]): DocumentSymbol {
  return { name, kind, range: cover(range, selection), selectionRange: selection, ...(detail ? { detail } : {}), ...(children ? { children } : {}) };
}

function params(list: ParamDecl[], kind: SymbolKind, prefix: string): DocumentSymbol[] {
  return list.filter((p) => p.name.name).map((p) => sym(p.name.name, kind, p.range, p.name.range, `${prefix}${typeText(p.type)}`));
}

/** The outline of a parsed file (declarations with names only; recovery nodes without a name are skipped). */
export function outline(file: SourceFile): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  for (const d of file.declarations) {
    if (!d.name.name) continue;
    const pub = d.isPublic ? 'public ' : '';
    if (d.kind === 'Structure') {
      const fields = d.fields.filter((f) => f.name.name).map((f) => sym(f.name.name, SymbolKind.Field, f.range, f.name.range, typeText(f.type)));
      out.push(sym(d.name.name, SymbolKind.Struct, d.range, d.name.range, `${pub}structure`, fields));
    } else if (d.kind === 'ServerAction') {
      const children = [...params(d.params, SymbolKind.Variable, 'input: '), ...params(d.returns, SymbolKind.Variable, 'output: ')];
      out.push(sym(d.name.name, SymbolKind.Function, d.range, d.name.range, `${pub}server action`, children));
    } else {
      const children: DocumentSymbol[] = [];
      for (const m of d.members) {
        if (!m.name.name) continue;
        if (m.kind === 'Var') children.push(sym(m.name.name, SymbolKind.Variable, m.range, m.name.range, typeText(m.type) || 'var'));
        else {
          const inner = [...params(m.params, SymbolKind.Variable, 'input: '), ...params(m.returns, SymbolKind.Variable, 'output: ')];
          children.push(sym(m.name.name, SymbolKind.Method, m.range, m.name.range, 'client action', inner));
        }
      }
      out.push(sym(d.name.name, SymbolKind.Class, d.range, d.name.range, `${pub}screen`, children));
    }
  }
  return out;
}

/** Computes the document symbols of a request (exported for tests). */
export function documentSymbols(ctx: FeatureContext, params: DocumentSymbolParams): DocumentSymbol[] {
  const doc = resolveDocument(ctx, params?.textDocument?.uri);
  if (!doc) return [];
  return outline(doc.file);
}

export const documentSymbolsFeature: Feature = {
  name: 'documentSymbols',
  capabilities: () => ({ documentSymbolProvider: { label: 'Logic' } }),
  register(ctx) {
    ctx.connection.onDocumentSymbol(ctx.safe('textDocument/documentSymbol', (params: DocumentSymbolParams) => documentSymbols(ctx, params)));
  },
};
