/**
 * The binder: one symbol table per module (SPEC 3.3 "elements of the same module are referenced
 * by their name"), built from the parsed `.logic` files of the module. Structures, server actions
 * and screens share one namespace per module; a second declaration of a name (in any file of the
 * module) is a `duplicate-declaration` (SPEC 3.4), reported on the later one (files in path
 * order, declarations in source order). The first declaration wins for name lookup.
 *
 * The table is independent of the user: access decisions are taken by the checker and the
 * Program, which consult it only once the user may see what they ask for.
 */
import type { Declaration, ServerActionDecl, SourceFile, StructureDecl } from '../language/ast';
import type { Diagnostic } from '../language/diagnostics';
import type { ModuleInfo } from '../environment/model';

/** The kind of a module-level element. */
export type ElementKind = 'structure' | 'serverAction' | 'screen';

/** A module-level element (SPEC 3.2 Declaration). */
export interface ElementSymbol {
  kind: ElementKind;
  name: string;
  /** The declaring module's name. */
  module: string;
  isPublic: boolean;
  /** Absolute path of the declaring file. */
  path: string;
  decl: Declaration;
}

/** The symbol table of one module. */
export interface ModuleSymbols {
  /** The module's name (`ModuleInfo.name`). */
  module: string;
  info: ModuleInfo;
  /** Name → first declaration of that name (any kind, public or not). */
  elements: Map<string, ElementSymbol>;
  /** Every declaration, files in path order, declarations in source order. */
  all: ElementSymbol[];
  /** The public structures and server actions (the module's interface, SPEC 3.5), in `all` order, first declarations only. */
  publicElements: ElementSymbol[];
  /** `duplicate-declaration` diagnostics by absolute file path. */
  duplicates: Map<string, Diagnostic[]>;
  /** The parsed files, by absolute path. */
  files: Map<string, SourceFile>;
}

/** The element kind of a declaration node. */
export function elementKind(decl: Declaration): ElementKind {
  return decl.kind === 'Structure' ? 'structure' : decl.kind === 'ServerAction' ? 'serverAction' : 'screen';
}

/** The symbol last made for each declaration node (kept across rebuilds of a module's table). */
const symbolOfDecl = new WeakMap<Declaration, ElementSymbol>();

/**
 * Builds the symbol table of a module. A declaration node bound before (same module name, path
 * and visibility) gets the same {@link ElementSymbol} object again.
 *
 * @param info the module (its `name` is used as the element's module name)
 * @param files the module's parsed files, in path order
 * @returns the table; declarations with an empty name (parser recovery) are skipped. Never throws.
 */
export function bindModule(info: ModuleInfo, files: { path: string; file: SourceFile }[]): ModuleSymbols {
  const elements = new Map<string, ElementSymbol>();
  const all: ElementSymbol[] = [];
  const duplicates = new Map<string, Diagnostic[]>();
  const fileMap = new Map<string, SourceFile>();
  for (const { path, file } of files) {
    fileMap.set(path, file);
    for (const decl of file.declarations) {
      const name = decl.name.name;
      if (!name) continue;
      // The same symbol object for an unchanged declaration (incremental checks compare symbols).
      const kept = symbolOfDecl.get(decl);
      const sym: ElementSymbol =
        kept && kept.name === name && kept.module === info.name && kept.isPublic === decl.isPublic && kept.path === path
          ? kept
          : { kind: elementKind(decl), name, module: info.name, isPublic: decl.isPublic, path, decl };
      symbolOfDecl.set(decl, sym);
      all.push(sym);
      if (elements.has(name)) {
        let list = duplicates.get(path);
        if (!list) duplicates.set(path, (list = []));
        list.push({
          code: 'duplicate-declaration',
          severity: 'error',
          message: `'${name}' is already declared in module '${info.name}'.`,
          range: decl.name.range,
        });
      } else {
        elements.set(name, sym);
      }
    }
  }
  const publicElements = [...elements.values()].filter((s) => s.isPublic && s.kind !== 'screen');
  return { module: info.name, info, elements, all, publicElements, duplicates, files: fileMap };
}

/** The structure declaration of a symbol, or `undefined` for other kinds. */
export function asStructure(sym: ElementSymbol | undefined): StructureDecl | undefined {
  return sym && sym.decl.kind === 'Structure' ? sym.decl : undefined;
}

/** The server action declaration of a symbol, or `undefined` for other kinds. */
export function asServerAction(sym: ElementSymbol | undefined): ServerActionDecl | undefined {
  return sym && sym.decl.kind === 'ServerAction' ? sym.decl : undefined;
}
