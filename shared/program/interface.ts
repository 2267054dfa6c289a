/**
 * The interface renderer (SPEC 3.5): a module's public elements as a Logic declaration file.
 *
 * Layout:
 * ```
 * // Interface of OrderAPI 1.4.0 — owner alice. Bodies are not shown.
 *
 * /// A line of an order.
 * public structure OrderLine {
 *   /// The product's code.
 *   productId: Text
 *   quantity: Integer = 1
 * }
 *
 * /// Creates an order.
 * /// @param customerId The customer.
 * public server action CreateOrder(customerId: Text, lines: List<OrderLine>) returns (orderId: Text);
 * ```
 *
 * What is rendered, and nothing else (No leak, SPEC 4): the header; public structures and server
 * actions ordered by name (SPEC 4.1) with every field's name, type and doc comment; public server actions with their inputs,
 * outputs and doc comment, `;` instead of the body. Screens, private elements, bodies and ordinary
 * comments are never rendered. Decisions (docs/DECISIONS.md):
 * - a default value is rendered only when it is a literal (`= 1`, `= "EUR"`, `= -2.5`, `= []`); an
 *   input with any other default is rendered `= default` (it stays optional, the expression — which
 *   could name private elements — is not shown); a field's non-literal default is omitted;
 * - a doc comment on an individual input/output is rendered as an `@param` tag of the action's doc
 *   comment (signatures stay on one line);
 * - `@param` tags naming no input/output are dropped;
 * - a named type that is not a public structure (a private structure of the module, or a type that
 *   does not resolve) is rendered as an opaque placeholder `_PrivateType1`, `_PrivateType2`, … (one
 *   per distinct written type, in order of appearance), so the document still parses.
 */
import type {
  Declaration,
  DocComment,
  Expression,
  NamedTypeNode,
  ParamDecl,
  Range,
  ServerActionDecl,
  SourceFile,
  StructureDecl,
  TypeNode,
} from '../language/ast';
import { parse } from '../language/parser';
import { isKeyword, tokenize } from '../language/scanner';

/**
 * Whether a declared name can be written into the document: not missing (`''`) and not a keyword
 * (the parser keeps `public server action if()` as an action named `if`, with a syntax error; the
 * document would not parse back). Such elements and members are left out, as unnamed ones are.
 */
function renderable(name: string): boolean {
  return name !== '' && !isKeyword(name);
}

/** The module facts of the header. */
export interface InterfaceModule {
  name: string;
  version: string;
  owner: string;
}

/** One public element of a rendered interface (SPEC 4 `moduleInterface` elements). */
export interface RenderedElement {
  kind: 'structure' | 'serverAction';
  name: string;
  /** One line: `server action CreateOrder(customerId: Text) returns (orderId: Text)` or `structure OrderLine { productId: Text, quantity: Integer }`. */
  signature: string;
  /** Markdown of the doc comment (with `@param` lines), when there is one. */
  documentation?: string;
  /** Range of the whole declaration in `text` (from `public` to `;` or `}`), LSP positions. */
  range: Range;
  /** Range of the element's name in `text`. */
  nameRange: Range;
  /** Fields (structures) or inputs then outputs (actions): name → range of the name in `text`. */
  members: { name: string; range: Range }[];
}

/** A rendered interface document. */
export interface RenderedInterface {
  text: string;
  elements: RenderedElement[];
  /**
   * The interface document parsed back (its ranges equal those of `elements`). Parsed on first
   * use and then kept: an interface rendered for its elements or its text needs no tree, and the
   * tree of a large module's interface is megabytes (issue 15: peak memory).
   */
  readonly file: SourceFile;
}

/** Options of {@link renderInterface}. */
export interface RenderOptions {
  /**
   * The text to write for a named type of a public signature (`OrderLine`, `Common.Money`), or
   * `undefined` when it is not a public structure (rendered as an opaque placeholder). Default:
   * same-module names that are public structures among `decls`; qualified names as written.
   */
  publicTypeName?(node: NamedTypeNode): string | undefined;
}

/**
 * Renders the interface document of a module (SPEC 3.5).
 *
 * @param module name, version and owner for the header
 * @param decls the module's declarations (all files; the first declaration of a name is taken,
 *              private ones and screens are skipped)
 * @returns the text (ends with a newline), its elements with ranges in the text, and the parsed
 *          document. Never throws.
 */
export function renderInterface(module: InterfaceModule, decls: Declaration[], options: RenderOptions = {}): RenderedInterface {
  const publicDecls = renderedDeclarations(decls);
  const publicStructures = new Set(publicDecls.filter((d) => d.kind === 'Structure').map((d) => d.name.name));
  const typeName =
    options.publicTypeName ??
    ((n: NamedTypeNode) => (n.module ? `${n.module.name}.${n.name.name}` : publicStructures.has(n.name.name) ? n.name.name : undefined));
  const placeholders = new Map<string, string>();
  const renderType = (t: TypeNode | undefined): string => {
    if (!t) return placeholder('?');
    switch (t.kind) {
      case 'BasicType':
        return t.name;
      case 'ListType':
        return `List<${renderType(t.element)}>`;
      case 'NamedType': {
        const shown = t.name.name ? typeName(t) : undefined;
        return shown ?? placeholder(t.module ? `${t.module.name}.${t.name.name}` : t.name.name);
      }
    }
  };
  function placeholder(key: string): string {
    let p = placeholders.get(key);
    if (!p) placeholders.set(key, (p = `_PrivateType${placeholders.size + 1}`));
    return p;
  }

  const out: string[] = [`// Interface of ${module.name} ${module.version} — owner ${module.owner}. Bodies are not shown.`];
  // The ranges are taken while writing (line = index in `out`, character = UTF-16 offset in the
  // line), not by parsing the text back: the parse is only needed for queries inside the
  // document and is done on first use (issue 15: a dependency's first render took tens of ms).
  const at = (line: number, character: number) => ({ line, character });
  const span = (line: number, character: number, length: number): Range => ({ start: at(line, character), end: at(line, character + length) });
  const elements: RenderedElement[] = [];
  for (let di = 0; di < publicDecls.length; di++) {
    const d = publicDecls[di];
    out.push('');
    if (d.kind === 'Structure') {
      pushDoc(out, '', d.doc?.text, {});
      const line = out.length;
      const head = 'public structure ';
      out.push(`${head}${d.name.name} {`);
      const fieldSigs: string[] = [];
      const members: RenderedElement['members'] = [];
      for (let i = 0; i < d.fields.length; i++) {
        const f = d.fields[i];
        if (!renderable(f.name.name)) continue;
        pushDoc(out, '  ', f.doc?.text, {});
        const type = renderType(f.type);
        const def = f.default ? literalText(f.default) : undefined;
        members.push({ name: f.name.name, range: span(out.length, 2, f.name.name.length) });
        out.push(`  ${f.name.name}: ${type}${def !== undefined ? ` = ${def}` : ''}`);
        fieldSigs.push(`${f.name.name}: ${type}`);
      }
      out.push('}');
      const documentation = docMarkdown(d.doc?.text, {});
      elements.push({
        kind: 'structure',
        name: d.name.name,
        signature: `structure ${d.name.name} { ${fieldSigs.join(', ')} }`.replace('{  }', '{ }'),
        ...(documentation ? { documentation } : {}),
        range: { start: at(line, 0), end: at(out.length - 1, 1) },
        nameRange: span(line, head.length, d.name.name.length),
        members,
      });
    } else {
      const tags = actionTags(d);
      pushDoc(out, '', d.doc?.text, tags);
      const line = out.length;
      const members: RenderedElement['members'] = [];
      // Written left to right, so that each member's offset is the length written so far.
      let sig = `server action ${d.name.name}(`;
      const head = 'public ';
      const renderParams = (ps: ParamDecl[], input: boolean) => {
        let first = true;
        for (let i = 0; i < ps.length; i++) {
          const p = ps[i];
          if (!renderable(p.name.name)) continue;
          if (!first) sig += ', ';
          first = false;
          members.push({ name: p.name.name, range: span(line, head.length + sig.length, p.name.name.length) });
          sig += `${p.name.name}: ${renderType(p.type)}`;
          if (input && p.default) sig += ` = ${literalText(p.default) ?? 'default'}`;
        }
      };
      renderParams(d.params, true);
      sig += ')';
      if (d.returns.some((p) => renderable(p.name.name))) {
        sig += ' returns (';
        renderParams(d.returns, false);
        sig += ')';
      }
      out.push(`${head}${sig};`);
      const documentation = docMarkdown(d.doc?.text, tags);
      elements.push({
        kind: 'serverAction',
        name: d.name.name,
        signature: sig,
        ...(documentation ? { documentation } : {}),
        range: { start: at(line, 0), end: at(line, head.length + sig.length + 1) },
        nameRange: span(line, head.length + 'server action '.length, d.name.name.length),
        members,
      });
    }
  }
  const text = out.join('\n') + '\n';
  let file: SourceFile | undefined;
  return {
    text,
    elements,
    get file() {
      return (file ??= parse(text));
    },
  };
}

/**
 * The declarations an interface document shows, in its order: the first declaration of each
 * renderable name, public structures and server actions only, sorted by name (not by declaration
 * order: the order of files and declarations is private, SPEC 4.1).
 */
function renderedDeclarations(decls: Declaration[]): (StructureDecl | ServerActionDecl)[] {
  const seen = new Set<string>();
  const out: (StructureDecl | ServerActionDecl)[] = [];
  for (let i = 0; i < decls.length; i++) {
    const d = decls[i];
    if (!renderable(d.name.name) || seen.has(d.name.name)) continue;
    seen.add(d.name.name);
    if (d.isPublic && (d.kind === 'Structure' || d.kind === 'ServerAction')) out.push(d);
  }
  out.sort((x, y) => (x.name.name < y.name.name ? -1 : x.name.name > y.name.name ? 1 : 0));
  return out;
}

/**
 * The `@param` tags of a server action's rendered doc comment: the doc comment's tags that name an
 * input or output, then each input's or output's own doc (one line) where no tag names it.
 * Indexed loops and no copies: the renderer runs once per module, mostly as cold code, where every
 * `for…of` step allocates (issue 15: 12 interface documents allocated 20 MB).
 */
function actionTags(d: ServerActionDecl): Record<string, string> {
  const params = d.params;
  const returns = d.returns;
  const names = new Set<string>();
  for (let i = 0; i < params.length + returns.length; i++) {
    const n = (i < params.length ? params[i] : returns[i - params.length]).name.name;
    if (renderable(n)) names.add(n);
  }
  const tags: Record<string, string> = {};
  const docParams = d.doc?.params;
  if (docParams) for (const k of Object.keys(docParams)) if (names.has(k)) tags[k] = docParams[k];
  for (let i = 0; i < params.length + returns.length; i++) {
    const p = i < params.length ? params[i] : returns[i - params.length];
    // A tag takes one line (DECISIONS 10): a multi-line parameter doc is joined, else its
    // continuation lines would parse back as the action's own doc text. A parameter's doc that
    // is itself `/// @param <its name> …` counts too.
    const own = oneLine(p.doc?.text || p.doc?.params[p.name.name] || '');
    if (own && renderable(p.name.name) && tags[p.name.name] === undefined) tags[p.name.name] = own;
  }
  return tags;
}

/** How many lines {@link pushDoc} writes for a doc text and its tags. */
function docLineCount(text: string | undefined, tags: Record<string, string>): number {
  const trimmed = text ? text.trimEnd() : '';
  let n = 0;
  if (trimmed !== '') {
    n = 1;
    for (let i = 0; i < trimmed.length; i++) {
      const c = trimmed.charCodeAt(i);
      if (c === 10) n++;
      else if (c === 13) {
        n++;
        if (trimmed.charCodeAt(i + 1) === 10) i++;
      }
    }
  }
  for (const k in tags) if (Object.hasOwn(tags, k)) n++;
  return n;
}

/** Where an element's name and its fields' names are in a module's interface document (0-based lines). */
export interface InterfaceLayoutElement {
  kind: 'structure' | 'serverAction';
  /** The range of the element's name, as {@link RenderedElement.nameRange}. */
  nameRange: Range;
  /** Structures: each field's name range, as in {@link RenderedElement.members}. Server actions: none (their inputs' ranges depend on the rendered types: see {@link renderInterface}). */
  fields: { name: string; range: Range }[];
}

/**
 * The ranges go to definition needs in a module's interface document, without writing the
 * document (issue 15: a dependency's interface was rendered, 1.5 ms and hundreds of kilobytes,
 * for each first go to definition or during the warm-up, while the text is only needed when the
 * document is opened). Equal to the ranges of {@link renderInterface} for the same declarations
 * (test/hardening/fuzz.test.ts checks it on every fuzzed text, test/program/interface.test.ts on a module
 * with doc comments, `@param` tags and multi-line parameter docs). The one-line header holds a
 * module name, a semantic version and a user id, which have no line break (schemas.ts).
 *
 * @returns by element name
 */
export function interfaceLayout(decls: Declaration[]): Map<string, InterfaceLayoutElement> {
  const layout = new Map<string, InterfaceLayoutElement>();
  const span = (line: number, character: number, length: number): Range => ({ start: { line, character }, end: { line, character: character + length } });
  let line = 1; // the header
  const publicDecls = renderedDeclarations(decls);
  for (let di = 0; di < publicDecls.length; di++) {
    const d = publicDecls[di];
    line++; // the empty line before each element
    if (d.kind === 'Structure') {
      line += docLineCount(d.doc?.text, {});
      const nameRange = span(line, 'public structure '.length, d.name.name.length);
      line++;
      const fields: { name: string; range: Range }[] = [];
      for (let i = 0; i < d.fields.length; i++) {
        const f = d.fields[i];
        if (!renderable(f.name.name)) continue;
        line += docLineCount(f.doc?.text, {});
        fields.push({ name: f.name.name, range: span(line, 2, f.name.name.length) });
        line++;
      }
      line++; // `}`
      layout.set(d.name.name, { kind: 'structure', nameRange, fields });
    } else {
      line += docLineCount(d.doc?.text, actionTags(d));
      layout.set(d.name.name, { kind: 'serverAction', nameRange: span(line, 'public server action '.length, d.name.name.length), fields: [] });
      line++;
    }
  }
  return layout;
}

function pushDoc(out: string[], indent: string, text: string | undefined, tags: Record<string, string>): void {
  const trimmed = text ? text.trimEnd() : '';
  if (trimmed !== '') {
    const lines = trimmed.split(/\r\n|\r|\n/);
    for (let i = 0; i < lines.length; i++) out.push(lines[i] ? `${indent}/// ${lines[i]}` : `${indent}///`);
  }
  for (const k in tags) if (Object.hasOwn(tags, k)) out.push(`${indent}/// @param ${k} ${oneLine(tags[k])}`.trimEnd());
}

/** Text on one line: its lines trimmed and joined with single spaces, blank lines dropped. */
function oneLine(text: string): string {
  if (text === '') return '';
  if (!/[\r\n]/.test(text)) return text.trim();
  return text
    .split(/\r\n|\r|\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ');
}

/**
 * The Markdown documentation of a doc comment: its text, then one `*@param* \`name\` — text`
 * paragraph per tag. `undefined` when both are empty.
 */
export function docMarkdown(text: string | undefined, tags: Record<string, string>): string | undefined {
  let out = text ? text.trim() : '';
  for (const k in tags) if (Object.hasOwn(tags, k)) out += `${out ? '\n\n' : ''}*@param* \`${k}\` — ${tags[k].trim()}`;
  return out || undefined;
}

/** The doc Markdown of a DocComment node (text + its `@param` tags). */
export function docCommentMarkdown(doc: DocComment | undefined): string | undefined {
  return doc ? docMarkdown(doc.text, doc.params) : undefined;
}

/**
 * Whether a literal's source text is one token without a lexical error: a malformed literal the
 * parser kept (`1Text`, an unterminated `"abc` or `#2026-11`, `#2026-02-30#`) would make the
 * document fail to parse, so it is treated like a non-literal default.
 */
function wellFormed(raw: string): boolean {
  const { tokens, diagnostics } = tokenize(raw);
  return diagnostics.length === 0 && tokens.length === 2 && tokens[0].start === 0 && tokens[0].end === raw.length;
}

/** The source text of a literal default (`1`, `-2.5`, `"EUR"`, `true`, `#2026-01-01#`, `[]`), or `undefined`. */
function literalText(e: Expression): string | undefined {
  if (e.kind === 'Literal') return wellFormed(e.raw) ? e.raw : undefined;
  if (e.kind === 'Unary' && e.operator === '-' && e.operand.kind === 'Literal' && typeof e.operand.value === 'number') {
    return wellFormed(e.operand.raw) ? `-${e.operand.raw}` : undefined;
  }
  if (e.kind === 'List' && e.elements.length === 0) return '[]';
  return undefined;
}
