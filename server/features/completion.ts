/**
 * `textDocument/completion` and `completionItem/resolve` (SPEC 4). What is offered depends on the
 * cursor's context in a readable `.logic` source:
 *
 * - after `Module.` in an expression: the module's public structures and server actions (all
 *   elements but screens for the file's own module), `detail` = signature; documentation comes
 *   with `completionItem/resolve`;
 * - after `Module.` in a type (`var x: OrderAPI.`): the module's public structures;
 * - after `value.`: the fields of a structure the user may see, or the outputs of a multi-output
 *   call (`UserProgram.membersOf`);
 * - in a type position (`var x: `, `name: ` in a declaration, `List<`): basic types, `List`, the
 *   module's own structures and module names;
 * - inside a call's parentheses: `name:` items for the inputs not given yet, then everything an
 *   expression may use; in a record literal's braces: the structure's fields not given yet;
 * - in an expression: names in scope (locals, inputs, outputs, screen variables, client actions),
 *   the module's own elements, built-ins, module names and keywords;
 * - outside declarations: declaration keywords and module names.
 *
 * Access (SPEC 2.3, No leak): only in readable sources ({@link resolveDocument}); module names are
 * those the user can list (≥ `list`: a module at `none` — `Pricing` for bob — is never offered);
 * members of another module only at ≥ `reference` and only public ones (`publicElements`);
 * structures' fields only when the user may see the structure. `completionItem/resolve` decides
 * again from the item's `data` (never trusted: it is re-checked against the current user).
 * Nothing is offered inside comments and strings.
 */
import { CompletionItemKind, InsertTextFormat, MarkupKind, type CompletionItem, type CompletionList, type CompletionParams } from 'vscode-languageserver';
import { BASIC_TYPES, type Expression, type Node, type Position, type SourceFile } from '../../shared/language/ast';
import { LineIndex } from '../../shared/language/text';
import { comparePositions, findNodePath, rangeContains, walk } from '../../shared/language/visit';
import { BUILTINS, getBuiltin } from '../../shared/language/builtins';
import type { UserProgram } from '../../shared/program/program';
import type { Feature, FeatureContext } from './feature';
import { factsLine, resolveDocument } from './common';

/** What `completionItem/resolve` gets back in `data` (only names the user saw in the list). */
export type CompletionData =
  | { uri: string; kind: 'element'; module: string; name: string }
  | { uri: string; kind: 'builtin'; name: string }
  | { uri: string; kind: 'module'; module: string };

/** Sort groups: named arguments and members first, keywords last. */
const SORT = { argument: '0', member: '1', local: '2', element: '3', builtin: '4', module: '5', type: '6', keyword: '7' } as const;

const STATEMENT_KEYWORDS = ['var', 'if', 'else', 'for', 'in', 'while', 'return'];
const EXPRESSION_KEYWORDS = ['true', 'false', 'not', 'and', 'or'];
const DECLARATION_KEYWORDS = ['public', 'structure', 'server', 'action', 'screen'];

/** The module-name items: every valid module the user can list (≥ `list`). */
function moduleItems(view: UserProgram, uri: string): CompletionItem[] {
  return view.visibleModules().map((m) => ({
    label: m.manifest.name,
    kind: CompletionItemKind.Module,
    detail: `module ${m.manifest.name} ${m.manifest.version}`,
    sortText: SORT.module + m.manifest.name,
    data: { uri, kind: 'module', module: m.manifest.name } satisfies CompletionData,
  }));
}

function keywordItems(words: string[]): CompletionItem[] {
  return words.map((w) => ({ label: w, kind: CompletionItemKind.Keyword, sortText: SORT.keyword + w }));
}

/**
 * The items after `OtherModule.` already built, per user view (a view is one user in one
 * environment, and is replaced when the environment or a grant changes: an entry never serves
 * another user, level or environment), per document URI, module and structures-only: reused while
 * `completionElements` gives the very same list (its own cache decides that from the symbol
 * tables), so a request after `Module.` builds nothing (issue 15: far less garbage per request).
 * The lists are shared between answers: never mutate them.
 */
const memberItemsCache = new WeakMap<UserProgram, Map<string, { infos: readonly object[]; items: CompletionItem[] }>>();

/** Element items of a module: public ones of another module (≥ reference), all but screens of the own one. */
function memberElementItems(view: UserProgram, uri: string, path: string, module: string, structuresOnly: boolean, sharedData: boolean): CompletionItem[] {
  const own = view.readableModuleOf(path)?.name;
  let infos: readonly { name: string; kind: string; signature: string }[] = [];
  if (module === own) {
    const mine: { name: string; kind: string; signature: string }[] = [];
    for (const s of view.moduleElements(path)) if (s.kind !== 'screen') mine.push({ name: s.name, kind: s.kind, signature: s.signature });
    return elementItems(mine, uri, module, structuresOnly, sharedData);
  }
  // The module's public structures and server actions (its interface, SPEC 3.5) with their
  // signatures, cached per module for completion (issue 6); `undefined` below `reference`.
  infos = view.completionElements(module) ?? [];
  let byKey = memberItemsCache.get(view);
  if (!byKey) memberItemsCache.set(view, (byKey = new Map()));
  const key = `${structuresOnly ? 's' : 'a'}${sharedData ? 'd' : ''}\0${module}\0${uri}`;
  const cached = byKey.get(key);
  if (cached?.infos === infos) return cached.items;
  const items = elementItems(infos, uri, module, structuresOnly, sharedData);
  if (infos.length) byKey.set(key, { infos, items });
  else byKey.delete(key);
  return items;
}

/**
 * The items of a module's elements after `Module.`. All of them are members, so they sort by label
 * (no `sortText`). `sharedData`: the client takes `data` from the list's `itemDefaults` (LSP 3.17),
 * so the items carry none and `completionItem/resolve` takes the name from the label (issue 15:
 * the uri, module and kind are no longer repeated ~125 times per answer).
 */
function elementItems(
  infos: readonly { name: string; kind: string; signature: string }[],
  uri: string,
  module: string,
  structuresOnly: boolean,
  sharedData: boolean,
): CompletionItem[] {
  const out: CompletionItem[] = [];
  for (const info of infos) {
    const name = info.name;
    if (structuresOnly && info.kind !== 'structure') continue;
    const item: CompletionItem = {
      label: name,
      kind: info.kind === 'structure' ? CompletionItemKind.Struct : CompletionItemKind.Function,
      detail: info.signature,
    };
    if (!sharedData) item.data = { uri, kind: 'element', module, name } satisfies CompletionData;
    out.push(item);
  }
  return out;
}

/** Whether the client takes `data` from a completion list's `itemDefaults` (LSP 3.17). */
function sharesData(ctx: FeatureContext): boolean {
  // Untrusted: anything but an array of strings (an object, a string) is no support.
  const defaults: unknown = ctx.clientCapabilities.textDocument?.completion?.completionList?.itemDefaults;
  return Array.isArray(defaults) && defaults.includes('data');
}

/** Basic types, `List`, the module's own structures and module names. */
function typeItems(view: UserProgram, uri: string, path: string): CompletionItem[] {
  const out: CompletionItem[] = BASIC_TYPES.map((t) => ({ label: t, kind: CompletionItemKind.TypeParameter, detail: 'basic type', sortText: SORT.type + t }));
  out.push({
    label: 'List',
    kind: CompletionItemKind.TypeParameter,
    detail: 'List<T>',
    insertText: 'List<$1>',
    insertTextFormat: InsertTextFormat.Snippet,
    sortText: SORT.type + 'List',
  });
  const own = view.readableModuleOf(path)?.name;
  for (const s of view.moduleElements(path)) {
    if (s.kind !== 'structure' || !own) continue;
    out.push({
      label: s.name,
      kind: CompletionItemKind.Struct,
      detail: s.signature,
      sortText: SORT.element + s.name,
      data: { uri, kind: 'element', module: own, name: s.name } satisfies CompletionData,
    });
  }
  return [...out, ...moduleItems(view, uri)];
}

/** Everything an expression may start with. */
function expressionItems(view: UserProgram, uri: string, path: string, position: Position): CompletionItem[] {
  const out: CompletionItem[] = [];
  const seen = new Set<string>();
  for (const e of view.scopeAt(path, position)) {
    seen.add(e.name);
    out.push({
      label: e.name,
      kind: e.kind === 'clientAction' ? CompletionItemKind.Method : CompletionItemKind.Variable,
      detail: e.kind === 'clientAction' ? 'client action' : `${e.kind === 'local' ? 'var' : e.kind === 'param' ? 'input' : 'output'} ${e.name}: ${e.typeText}`,
      ...(e.documentation ? { documentation: { kind: MarkupKind.Markdown, value: e.documentation } } : {}),
      sortText: SORT.local + e.name,
    });
  }
  const own = view.readableModuleOf(path)?.name;
  for (const s of view.moduleElements(path)) {
    if (s.kind === 'screen' || seen.has(s.name) || !own) continue;
    seen.add(s.name);
    out.push({
      label: s.name,
      kind: s.kind === 'structure' ? CompletionItemKind.Struct : CompletionItemKind.Function,
      detail: s.signature,
      sortText: SORT.element + s.name,
      data: { uri, kind: 'element', module: own, name: s.name } satisfies CompletionData,
    });
  }
  for (const b of BUILTINS) {
    if (seen.has(b.name)) continue;
    out.push({
      label: b.name,
      kind: CompletionItemKind.Function,
      detail: b.signature,
      sortText: SORT.builtin + b.name,
      data: { uri, kind: 'builtin', name: b.name } satisfies CompletionData,
    });
  }
  out.push(...moduleItems(view, uri).filter((m) => !seen.has(m.label)));
  out.push(...keywordItems([...STATEMENT_KEYWORDS, ...EXPRESSION_KEYWORDS]));
  return out;
}

/** True when the cursor is inside a comment or a string literal (nothing is offered there). */
function inCommentOrString(file: SourceFile, position: Position, before: string): boolean {
  for (const c of file.comments) if (rangeContains(c.range, position) && comparePositions(c.range.start, position) < 0) return true;
  let inString = false;
  for (let i = 0; i < before.length; i++) {
    const ch = before[i];
    if (inString && ch === '\\') i++;
    else if (ch === '"') inString = !inString;
    else if (!inString && ch === '/' && before[i + 1] === '/') return true;
  }
  return inString;
}

/** The `Member` expression or `Module.Type` node whose member name the cursor is on (after the dot). */
function memberAt(nodes: Node[], position: Position): { kind: 'expr'; object: Expression } | { kind: 'type'; module: string } | undefined {
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i];
    if (
      n.kind === 'Member' &&
      comparePositions(position, n.member.range.start) >= 0 &&
      comparePositions(position, n.member.range.end) <= 0 &&
      comparePositions(n.object.range.end, position) < 0
    ) {
      return { kind: 'expr', object: n.object };
    }
    if (
      n.kind === 'NamedType' &&
      n.module &&
      comparePositions(position, n.name.range.start) >= 0 &&
      comparePositions(position, n.name.range.end) <= 0 &&
      comparePositions(n.module.range.end, position) < 0
    ) {
      return { kind: 'type', module: n.module.name };
    }
    if (
      n.kind === 'Record' &&
      n.type.module &&
      comparePositions(position, n.type.name.range.start) >= 0 &&
      comparePositions(position, n.type.name.range.end) <= 0
    ) {
      return { kind: 'type', module: n.type.module.name };
    }
  }
  return undefined;
}

/** True when the cursor is in a type position (in a type node, or right after `name:` outside calls and record literals). */
function inTypePosition(nodes: Node[], before: string): boolean {
  const last = nodes[nodes.length - 1];
  for (const n of nodes) if (n.kind === 'BasicType' || n.kind === 'ListType' || n.kind === 'NamedType') return true;
  if (last && (last.kind === 'Identifier' || last.kind === 'Missing')) {
    // `x: Ty|` is parsed as a type only when it is one; a named argument's value is an expression.
    const parent = nodes[nodes.length - 2];
    if (parent && (parent.kind === 'Argument' || parent.kind === 'RecordField')) return false;
  }
  if (nodes.some((n) => n.kind === 'Call' || n.kind === 'Record')) return false;
  if (/\bList\s*<\s*[A-Za-z_]*$/.test(before)) return true;
  if (/\bvar\s+[A-Za-z_]\w*\s*:\s*[A-Za-z_]*$/.test(before)) return true;
  // A field of a structure, or an input/output in a declaration's header.
  const decl = [...nodes].reverse().find((n) => n.kind === 'Structure' || n.kind === 'ServerAction' || n.kind === 'ClientAction' || n.kind === 'Block');
  if (decl && decl.kind !== 'Block' && /(?:^|[(,{\s])[A-Za-z_]\w*\s*:\s*[A-Za-z_]*$/.test(before)) return true;
  return false;
}

/** Named-argument items (`customerId:`) for the inputs of the call around the cursor not given yet. */
function argumentItems(view: UserProgram, path: string, position: Position, nodes: Node[]): CompletionItem[] {
  const call = view.callAt(path, position);
  if (!call) return [];
  // Only where an argument's name may be written: not in the value of a named argument.
  const arg = [...nodes].reverse().find((n) => n.kind === 'Argument');
  if (arg && arg.kind === 'Argument' && arg.name && comparePositions(position, arg.name.range.end) > 0) return [];
  // A positional argument being typed (`f(cust|)`) may become a name: its input is not "given".
  const given = new Set(call.givenInputs);
  const callNode = [...nodes].reverse().find((n) => n.kind === 'Call');
  if (arg && arg.kind === 'Argument' && !arg.name && arg.value.kind === 'Identifier' && callNode?.kind === 'Call') {
    const index = callNode.args.indexOf(arg);
    const positional = callNode.args.slice(0, index).filter((a) => !a.name).length;
    if (index >= 0 && positional < call.params.length && callNode.args.slice(0, index).every((a) => !a.name)) given.delete(call.params[positional].name);
  }
  return call.params
    .filter((p) => !given.has(p.name))
    .map((p) => ({
      label: `${p.name}:`,
      kind: CompletionItemKind.Field,
      detail: p.label,
      ...(p.documentation ? { documentation: { kind: MarkupKind.Markdown, value: p.documentation } } : {}),
      filterText: p.name,
      insertText: `${p.name}: `,
      sortText: SORT.argument + p.name,
    }));
}

/** Field items of a record literal `T { … }` around the cursor (fields not given yet), if any. */
function recordFieldItems(view: UserProgram, path: string, position: Position, nodes: Node[]): CompletionItem[] | undefined {
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i];
    if (n.kind === 'RecordField' && comparePositions(position, n.name.range.end) > 0) return undefined; // in a value
    if (n.kind !== 'Record') continue;
    if (comparePositions(position, n.type.range.end) <= 0) return undefined;
    const t = view.typeOf(path, n);
    if (!t) return [];
    const given = new Set(n.fields.map((f) => f.name.name));
    return view
      .membersOf(t, path)
      .filter((m) => m.kind === 'field' && !given.has(m.name))
      .map((m) => ({
        label: `${m.name}:`,
        kind: CompletionItemKind.Field,
        detail: `${m.name}: ${m.typeText}`,
        ...(m.documentation ? { documentation: { kind: MarkupKind.Markdown, value: m.documentation } } : {}),
        filterText: m.name,
        insertText: `${m.name}: `,
        sortText: SORT.argument + m.name,
      }));
  }
  return undefined;
}

/**
 * The text of line `line` (0-based) of `text`, without its line end. Texts with only `\n` line
 * ends (the usual case) are searched with native `indexOf` from the start; a 5,000-line document
 * is neither copied nor indexed per request or per keystroke (issue 15). Texts with a `\r` go
 * through a {@link LineIndex} (kept for the last such text).
 */
function lineTextOf(text: string, line: number): string {
  if (text.indexOf('\r') < 0) {
    let start = 0;
    for (let l = 0; l < line; l++) {
      const i = text.indexOf('\n', start);
      if (i < 0) return '';
      start = i + 1;
    }
    const end = text.indexOf('\n', start);
    return text.slice(start, end < 0 ? text.length : end);
  }
  if (lastLines?.text !== text) lastLines = { text, lines: new LineIndex(text) };
  return lastLines.lines.lineText(line);
}

/** The line index of the last text with `\r` line ends completed in. */
let lastLines: { text: string; lines: LineIndex } | undefined;

/**
 * The module that `name` in `name.` refers to when telling needs no check of the file (issue 15:
 * completion while typing waited for the check of the edited declaration, 2 to 5 ms in a large
 * screen): an upper-case name that no input, output, variable, `for` variable or client action of
 * the enclosing declaration binds (anywhere in it: a cautious reading of the scopes), that is no
 * element of the file's own module and no built-in, and that names a module the user may list
 * (its facts), in a statement of a server action or a screen — the names the checker resolves to
 * that module, whose facts `symbolAt` then gives (checker.ts `isModulePath`,
 * `resolveModuleElement`). `undefined`: the checker decides.
 */
function moduleBeforeDot(view: UserProgram, path: string, nodes: Node[], name: string): string | undefined {
  if (!/^[A-Z]/.test(name) || getBuiltin(name)) return undefined;
  const own = view.readableModuleOf(path)?.name;
  if (!own || view.elementSymbol(own, name) || !view.moduleFacts(name)) return undefined;
  // In a statement of an action or a screen (where the checker checks every expression).
  const decl = nodes.find((n) => n.kind === 'ServerAction' || n.kind === 'Screen');
  if (!decl || !nodes.some((n) => n.kind === 'Block')) return undefined;
  let bound = false;
  walk(decl, (n) => {
    if (bound) return false;
    if (((n.kind === 'Param' || n.kind === 'Var' || n.kind === 'ClientAction') && n.name.name === name) || (n.kind === 'For' && n.variable.name === name))
      bound = true;
  });
  return bound ? undefined : name;
}

/** Computes the completion list of a request (exported for tests). */
export function completion(ctx: FeatureContext, params: CompletionParams): CompletionList | null {
  const doc = resolveDocument(ctx, params?.textDocument?.uri);
  if (!doc || doc.kind !== 'source') return null;
  const { view, path, file, uri } = doc;
  const position = params.position;
  const text = view.readableText(path) ?? '';
  const lineText = lineTextOf(text, position.line);
  const before = lineText.slice(0, Math.max(0, position.character));
  if (inCommentOrString(file, position, before)) return { isIncomplete: false, items: [] };
  const nodes = findNodePath(file, position);
  const list = (items: CompletionItem[]): CompletionList => ({ isIncomplete: false, items });

  const member = memberAt(nodes, position);
  const shared = sharesData(ctx);
  const members = (module: string, structuresOnly: boolean): CompletionList => {
    const items = memberElementItems(view, uri, path, module, structuresOnly, shared);
    return shared && items.length
      ? { isIncomplete: false, itemDefaults: { data: { uri, kind: 'element', module } satisfies Omit<CompletionData & { kind: 'element' }, 'name'> }, items }
      : list(items);
  };
  if (member?.kind === 'type') return members(member.module, true);
  if (member?.kind === 'expr') {
    const object = member.object;
    if (object.kind === 'Identifier') {
      const module = moduleBeforeDot(view, path, nodes, object.name);
      if (module) return members(module, false);
      const symbol = view.symbolAt(path, object.range.start);
      if (symbol?.kind === 'module') return members(symbol.name, false);
      // An unknown name or a module the user cannot see: nothing (the same for both, No leak).
      if (!symbol) return list([]);
    }
    const t = view.typeOf(path, object);
    if (!t) return list([]);
    return list(
      view.membersOf(t, path).map((m) => ({
        label: m.name,
        kind: m.kind === 'field' ? CompletionItemKind.Field : CompletionItemKind.Property,
        detail: `${m.name}: ${m.typeText}`,
        ...(m.documentation ? { documentation: { kind: MarkupKind.Markdown, value: m.documentation } } : {}),
        sortText: SORT.member + m.name,
      })),
    );
  }
  if (/\.\s*[A-Za-z_]*$/.test(before)) return list([]); // after a dot the parser did not attach: nothing sensible

  if (inTypePosition(nodes, before)) return list(typeItems(view, uri, path));

  const fields = recordFieldItems(view, path, position, nodes);
  if (fields) return list(fields);

  const inDeclaration = nodes.some((n) => n.kind === 'Block');
  if (!inDeclaration) {
    const inScreen = nodes.some((n) => n.kind === 'Screen');
    const words = inScreen ? ['var', 'client', 'action'] : DECLARATION_KEYWORDS;
    return list([...keywordItems(words), ...moduleItems(view, uri)]);
  }
  return list([...argumentItems(view, path, position, nodes), ...expressionItems(view, uri, path, position)]);
}

/**
 * `completionItem/resolve`: adds the Markdown documentation, deciding by access again from the
 * item's `data` (which is never trusted). The answer drops `data`, so that a forged item naming
 * something the user may not see is not even echoed back.
 */
export function resolveCompletion(ctx: FeatureContext, item: CompletionItem): CompletionItem {
  if (!item || typeof item !== 'object') return item;
  const { data: raw, ...rest } = item;
  const data = raw as Partial<CompletionData> | undefined;
  if (!data || typeof data.uri !== 'string' || typeof data.kind !== 'string') return rest as CompletionItem;
  const doc = resolveDocument(ctx, data.uri);
  if (!doc) return rest as CompletionItem;
  const view = doc.view;
  let documentation: string | undefined;
  if (data.kind === 'builtin' && typeof data.name === 'string') {
    documentation = getBuiltin(data.name)?.documentation;
  } else if (data.kind === 'element' && typeof data.module === 'string' && (typeof data.name === 'string' || typeof item.label === 'string')) {
    // `elementInfo` decides: public elements at ≥ reference, any at ≥ open, else nothing. An item
    // after `Module.` whose data came from the list's `itemDefaults` is named by its label.
    const sym = view.elementSymbol(data.module, typeof data.name === 'string' ? data.name : item.label);
    const info = sym && view.elementInfo(sym);
    if (info) {
      documentation = info.documentation;
      const facts = view.moduleFacts(data.module);
      if (facts) documentation = [documentation, factsLine(facts)].filter(Boolean).join('\n\n---\n\n');
    }
  } else if (data.kind === 'module' && typeof data.module === 'string') {
    const facts = view.moduleFacts(data.module);
    if (facts) documentation = [facts.description, factsLine(facts)].filter(Boolean).join('\n\n');
  }
  return (documentation ? { ...rest, documentation: { kind: MarkupKind.Markdown, value: documentation } } : rest) as CompletionItem;
}

export const completionFeature: Feature = {
  name: 'completion',
  capabilities: () => ({ completionProvider: { triggerCharacters: ['.'], resolveProvider: true } }),
  register(ctx) {
    ctx.connection.onCompletion(ctx.safe('textDocument/completion', (params: CompletionParams) => completion(ctx, params)));
    ctx.connection.onCompletionResolve(ctx.safe('completionItem/resolve', (item: CompletionItem) => resolveCompletion(ctx, item)));
  },
};
