/**
 * Consumers of a module's public elements (SPEC 10): the modules that depend on it and, per
 * module, the call sites of its elements — as far as one user may know them.
 *
 * Who sees what (SPEC 10, SPEC 2.3, docs/DECISIONS.md):
 * - only a user with `full` on the module gets consumers at all (`undefined` otherwise);
 * - a consuming module is named only when the user may list it (≥ `list`); a module the user
 *   cannot list is left out entirely — not named, not counted in any total;
 * - call-site counts are given for every named consumer; call-site locations (path and range)
 *   only where the user may read the file (`UserProgram.canRead`: ≥ `open` on its module and on
 *   every enclosing module).
 *
 * A call site of element `E` of module `M` is every `M.E` written in a consumer's sources — a call
 * `M.E(…)`, a type `M.E`, a record literal `M.E { … }` — whose `M` names the module (not a local
 * that shadows it; name resolution as the checker's). Counted by name, so call sites of an element that no
 * longer exists (removed, renamed) are still found.
 *
 * Consumers are the valid modules that list `M` in their `dependencies`
 * (`Program.dependentsOf`); everything is read through the Program (never the file system).
 * Per-file results are cached by parse (a file is examined again only after it changed).
 */
import type { Identifier, Node, Range, SourceFile } from '../language/ast';
import { forEachChild } from '../language/visit';
import { getBuiltin } from '../language/builtins';
import type { AccessLevel } from '../access/levels';
import type { ModuleSymbols, UserProgram } from '../program/program';

/** One call site (a place where `M.E` is written). */
export interface CallSite {
  element: string;
  /** Absolute path of the file; only when the user may read it. */
  path?: string;
  /** Range of the element's name (`E` of `M.E`), LSP positions; only with `path`. */
  range?: Range;
}

/** One consuming module as the user may see it. */
export interface Consumer {
  module: string;
  /** The user's access to the consumer (≥ `list`). */
  access: AccessLevel;
  /** The number of call sites of the asked elements. */
  callSites: number;
  /** Call sites per element (only elements with at least one). */
  elements: Record<string, number>;
  /** The call sites with locations, in file and position order; only when the user may read them. */
  locations?: { element: string; path: string; range: Range }[];
}

interface FileRefs {
  symbols: ModuleSymbols;
  /**
   * Every `Module.Element` reference of the file, by module: the element's name identifiers (their
   * ranges are read when asked: the tree's positions are current for this parse).
   */
  refs: Map<string, Identifier[]>;
}

/** Per parse of a file: its cross-module references (user-independent). */
const cache = new WeakMap<SourceFile, FileRefs>();

/**
 * The consumers of `module` (SPEC 10) for the user of `view`, with call sites of `elements`.
 *
 * @param view the user's Program view (access decisions)
 * @param module the module whose consumers are asked
 * @param elements the element names whose call sites count (`undefined`: every element)
 * @returns consumers in module-name order (also those with 0 call sites), or `undefined` when the
 *          user does not have `full` on `module` (or it does not exist for the user)
 */
export function consumersOf(view: UserProgram, module: string, elements?: readonly string[]): Consumer[] | undefined {
  const sources = view.consumerSources(module);
  if (!sources) return undefined;
  const wanted = elements ? new Set(elements) : undefined;
  const out: Consumer[] = [];
  for (const source of sources) {
    const consumer: Consumer = { module: source.name, access: source.access, callSites: 0, elements: {} };
    const locations: { element: string; path: string; range: Range }[] = [];
    let anyReadable = false;
    for (const { path, file, readable } of source.files) {
      anyReadable ||= readable;
      // No element asked (e.g. a diff without breaking changes): nothing to parse.
      if (wanted && wanted.size === 0) continue;
      const parsed = file();
      const refs = parsed && fileRefs(parsed, source.symbols(), source.info.name);
      if (!refs) continue;
      for (const id of refs.get(module) ?? []) {
        const element = id.name;
        if (wanted && !wanted.has(element)) continue;
        consumer.callSites++;
        consumer.elements[element] = (consumer.elements[element] ?? 0) + 1;
        if (readable) locations.push({ element, path, range: copyRange(id.range) });
      }
    }
    if (anyReadable) consumer.locations = locations;
    out.push(consumer);
  }
  return out;
}

/**
 * The `Module.Element` references of one file (user-independent): every type `M.T` (also of
 * record literals) and every `M.E` whose `M` the checker would take as a module (SPEC 3.3 name
 * resolution: not a local in scope — inputs, outputs, `var`s declared before, `for` variables,
 * screen variables and client actions —, not an element of the file's own module, not a
 * built-in, not the own module's name). A syntactic pass with scopes: no type checking, so that
 * counting stays cheap on large consumers.
 */
function fileRefs(file: SourceFile, symbols: ModuleSymbols, own: string): FileRefs['refs'] | undefined {
  const cached = cache.get(file);
  if (cached && cached.symbols === symbols) return cached.refs;
  const refs: FileRefs['refs'] = new Map();
  const push = (mod: Identifier, elem: Identifier) => {
    const m = mod.name;
    if (!m || !elem.name || m === own) return;
    const c = m.charCodeAt(0);
    if (c < 65 || c > 90) return; // module names start upper-case (SPEC 2.2)
    let list = refs.get(m);
    if (!list) refs.set(m, (list = []));
    list.push(elem);
  };
  // The names in scope, innermost last (one set per action, screen, block and `for`).
  const scopes: Set<string>[] = [];
  const isModule = (id: Identifier) => {
    for (let i = scopes.length - 1; i >= 0; i--) if (scopes[i].has(id.name)) return false;
    return !symbols.elements.has(id.name) && !getBuiltin(id.name);
  };
  const child = (c: Node): void => visit(c);
  const visit = (node: Node): void => {
    switch (node.kind) {
      case 'NamedType':
        if (node.module) push(node.module, node.name);
        return;
      case 'Member':
        if (node.object.kind === 'Identifier') {
          if (isModule(node.object)) push(node.object, node.member);
          return;
        }
        break;
      case 'ServerAction':
      case 'ClientAction': {
        for (const p of node.params) visit(p);
        for (const p of node.returns) visit(p);
        if (node.body) {
          const s = new Set<string>();
          for (const p of node.params) s.add(p.name.name);
          for (const p of node.returns) s.add(p.name.name);
          scopes.push(s);
          visit(node.body);
          scopes.pop();
        }
        return;
      }
      case 'Screen': {
        scopes.push(new Set(node.members.map((m) => m.name.name)));
        for (const m of node.members) visit(m);
        scopes.pop();
        return;
      }
      case 'Block': {
        const s = new Set<string>();
        scopes.push(s);
        for (const st of node.statements) {
          visit(st);
          if (st.kind === 'Var') s.add(st.name.name);
        }
        scopes.pop();
        return;
      }
      case 'For':
        visit(node.iterable);
        scopes.push(new Set([node.variable.name]));
        visit(node.body);
        scopes.pop();
        return;
      case 'Identifier':
      case 'Literal':
      case 'BasicType':
      case 'DocComment':
        return;
    }
    forEachChild(node, child);
  };
  visit(file);
  cache.set(file, { symbols, refs });
  return refs;
}

function copyRange(r: Range): Range {
  return { start: { ...r.start }, end: { ...r.end } };
}

/** Totals over consumers: call sites and the number of modules with at least one. */
export function totals(consumers: readonly Consumer[]): { callSites: number; modules: number } {
  let callSites = 0;
  let modules = 0;
  for (const c of consumers) {
    callSites += c.callSites;
    if (c.callSites > 0) modules++;
  }
  return { callSites, modules };
}
