/**
 * A module's interface as data (SPEC 3.5, SPEC 10): its public structures and server actions with
 * their fields, inputs, outputs, types, defaults and doc comments — what {@link diffInterfaces}
 * compares. Built from parsed declarations: an interface document (`INTERFACE.logic`, an API
 * report `<Module>.api.logic`, the `INTERFACE.logic` of a `.pmod`) or a module's own sources.
 *
 * Types are the checker's {@link Type} model (`shared/language/types.ts`): a same-module name is
 * qualified with the module's name (`OrderLine` in OrderAPI is `OrderAPI.OrderLine`, as is
 * `OrderAPI.OrderLine`), so both sides of a comparison speak of the same structures. The
 * renderer's placeholders for private types (`_PrivateType1`, …) become one opaque type (their
 * numbers depend on the order of appearance, so two placeholders are taken as the same type).
 *
 * Pure: no file system, no access decision (the caller decides what it may show).
 */
import type { Declaration, Expression, ParamDecl, Range, SyntaxDiagnostic, TypeNode } from '../language/ast';
import { parse } from '../language/parser';
import { tokenize } from '../language/scanner';
import { type Type, ERROR_TYPE, basic, listOf, structureType, typeToString } from '../language/types';

/** The type of a renderer placeholder (`_PrivateType1`): a public signature names a private or unresolvable type. */
export const PRIVATE_TYPE: Type = { kind: 'opaque', text: '<private type>' };

/** One input, output or structure field. */
export interface MemberModel {
  name: string;
  type: Type;
  /**
   * The default as written when it is a literal (`1`, `"EUR"`, `[]`), `'default'` for any other
   * expression (the renderer writes `= default`); absent when there is none.
   */
  default?: string;
  /** The member's doc comment (its own `///` or the action's `@param` tag), whitespace-normalised; `''` when none. */
  doc: string;
}

/** A public server action. */
export interface ActionModel {
  kind: 'serverAction';
  name: string;
  /** The action's doc comment text without `@param` tags, whitespace-normalised. */
  doc: string;
  inputs: MemberModel[];
  outputs: MemberModel[];
  /** Range of the name in the document the model was built from (LSP positions). */
  nameRange?: Range;
}

/** A public structure. */
export interface StructureModel {
  kind: 'structure';
  name: string;
  doc: string;
  fields: MemberModel[];
  nameRange?: Range;
}

/** One public element. */
export type ElementModel = ActionModel | StructureModel;

/** A parsed interface: the header's facts (when present) and the public elements by name. */
export interface InterfaceModel {
  /** From the header `// Interface of <Module> <version> — owner <owner>. …`, when present. */
  module?: string;
  version?: string;
  owner?: string;
  /** Public elements by name, in document order (the first declaration of a name wins). */
  elements: Map<string, ElementModel>;
}

/**
 * The public structures and server actions among `decls` as models (first declaration of a name
 * wins; private declarations, screens and unnamed declarations are skipped).
 *
 * @param module the declaring module's name: unqualified type names are qualified with it
 * @param decls declarations of one module (all its files, or one interface document)
 * @returns name → model, in declaration order. Never throws.
 */
export function modelFromDeclarations(module: string, decls: readonly Declaration[]): Map<string, ElementModel> {
  const out = new Map<string, ElementModel>();
  const seen = new Set<string>();
  for (const d of decls) {
    const name = d.name.name;
    if (!name || seen.has(name)) continue;
    seen.add(name);
    const m = elementModel(module, d);
    if (m) out.set(name, m);
  }
  return out;
}

/**
 * The model of one declaration, or `undefined` when it is not a public structure or server action.
 * @param module the declaring module (qualifies unqualified type names)
 */
export function elementModel(module: string, d: Declaration): ElementModel | undefined {
  if (!d.isPublic || !d.name.name) return undefined;
  if (d.kind === 'Structure') {
    return {
      kind: 'structure',
      name: d.name.name,
      doc: norm(d.doc?.text),
      fields: d.fields.filter((f) => f.name.name).map((f) => member(module, f.name.name, f.type, f.default, f.doc?.text)),
      nameRange: d.name.range,
    };
  }
  if (d.kind === 'ServerAction') {
    const tags = d.doc?.params ?? {};
    const param = (p: ParamDecl, input: boolean) => member(module, p.name.name, p.type, input ? p.default : undefined, paramDoc(p, tags));
    return {
      kind: 'serverAction',
      name: d.name.name,
      doc: norm(d.doc?.text),
      inputs: d.params.filter((p) => p.name.name).map((p) => param(p, true)),
      outputs: d.returns.filter((p) => p.name.name).map((p) => param(p, false)),
      nameRange: d.name.range,
    };
  }
  return undefined;
}

function paramDoc(p: ParamDecl, tags: Record<string, string>): string | undefined {
  return p.doc?.text || p.doc?.params[p.name.name] || tags[p.name.name];
}

function member(module: string, name: string, type: TypeNode | undefined, def: Expression | undefined, doc: string | undefined): MemberModel {
  return {
    name,
    type: typeOf(module, type),
    ...(def ? { default: literalText(def) ?? 'default' } : {}),
    doc: norm(doc),
  };
}

/** The type a type node denotes, same-module names qualified with `module`; placeholders → {@link PRIVATE_TYPE}. */
export function typeOf(module: string, node: TypeNode | undefined): Type {
  if (!node) return ERROR_TYPE;
  switch (node.kind) {
    case 'BasicType':
      return basic(node.name);
    case 'ListType':
      return listOf(typeOf(module, node.element));
    case 'NamedType':
      if (!node.name.name) return ERROR_TYPE;
      if (!node.module && /^_PrivateType\d*$/.test(node.name.name)) return PRIVATE_TYPE;
      return structureType(node.module?.name || module, node.name.name);
  }
}

/** A type as Logic writes it, structures of `module` unqualified. */
export function typeText(t: Type, module: string): string {
  return typeToString(t, { fromModule: module });
}

/** Whitespace-normalised doc text: lines trimmed, blank lines dropped, joined by single spaces. */
function norm(text: string | undefined): string {
  return (text ?? '')
    .split(/\r\n|\r|\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ');
}

/** The source text of a literal default, `undefined` for any other expression. */
function literalText(e: Expression): string | undefined {
  if (e.kind === 'Literal') return wellFormed(e.raw) ? e.raw : undefined;
  if (e.kind === 'Unary' && e.operator === '-' && e.operand.kind === 'Literal' && typeof e.operand.value === 'number') {
    return wellFormed(e.operand.raw) ? `-${e.operand.raw}` : undefined;
  }
  if (e.kind === 'List' && e.elements.length === 0) return '[]';
  return undefined;
}

function wellFormed(raw: string): boolean {
  const { tokens, diagnostics } = tokenize(raw);
  return diagnostics.length === 0 && tokens.length === 2 && tokens[0].start === 0 && tokens[0].end === raw.length;
}

const HEADER = /^\s*\/\/\s*Interface of ([A-Za-z_][A-Za-z0-9_]*) (\S+) — owner (\S+?)\.(?:\s|$)/;

/**
 * Parses an interface document (SPEC 3.5: an `INTERFACE.logic`, an API report, a `.pmod`'s
 * `INTERFACE.logic`) with the language's parser.
 *
 * @param text the document
 * @param module the module it describes, used when the header is missing (and to qualify
 *               unqualified type names when the header names no module)
 * @returns the model (module, version and owner from the header line when it is there) and the
 *          parser's syntax errors (the caller decides whether they are fatal). Never throws.
 */
export function parseInterfaceDocument(text: string, module?: string): { model: InterfaceModel; diagnostics: SyntaxDiagnostic[] } {
  const file = parse(text.replace(/^\uFEFF/, ''));
  const firstLine = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/, 1)[0] ?? '';
  const h = HEADER.exec(firstLine);
  const name = h?.[1] ?? module ?? '';
  const model: InterfaceModel = {
    ...(h ? { module: h[1], version: h[2], owner: h[3] } : {}),
    elements: modelFromDeclarations(name, file.declarations),
  };
  return { model, diagnostics: file.diagnostics };
}
