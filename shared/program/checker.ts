/**
 * The checker: one `.logic` file → its diagnostics for one user (SPEC 3.3, 3.4), plus the
 * resolution tables IDE features need (what each identifier refers to, the type of each
 * expression, the callee of each call, the locals of each scope).
 *
 * Name resolution (SPEC 3.3), innermost first:
 *  1. locals: `var`s and `for` variables of enclosing blocks, the action's inputs and outputs,
 *     the screen's variables and client actions;
 *  2. the elements (structures, server actions, screens) of the file's own module, by name;
 *  3. the built-in functions (`builtins.ts`);
 *  4. module names, used as `Module.Element` (also in types and record literals).
 * `Own.Element` (the file's own module name) reaches any element of the own module.
 *
 * A reference to another module is checked in the order of SPEC 3.3 and stops at the first
 * failure: module exists for the user (access ≥ list, else `unknown-module`, with the same message
 * as for a truly missing module), access ≥ reference (`no-reference-access`), the element is a
 * public structure or server action (`unknown-element` below `open` — same message as a missing
 * element — or `hidden-element` at ≥ open), then listed in the referencing module's dependencies
 * (`not-a-dependency`) with a satisfied range (`dependency-version`). After a dependency problem
 * the element still resolves (one mistake, one diagnostic).
 *
 * No leak (SPEC 4): messages name only what the user typed, names of modules the user can list,
 * and types rendered through {@link CheckContext.typeText}, which hides structures the user may not
 * see (`OrderAPI.<private type>`). Structures the user may not see are opaque: no members.
 *
 * Positions are LSP's (0-based line, UTF-16 character).
 */
import * as semver from 'semver';
import type {
  Argument,
  BinaryExpr,
  Block,
  CallExpr,
  ClientActionDecl,
  Declaration,
  Expression,
  FieldDecl,
  ForStatement,
  Identifier,
  MemberExpr,
  NamedTypeNode,
  ParamDecl,
  Range,
  ScreenDecl,
  ServerActionDecl,
  SourceFile,
  Statement,
  StructureDecl,
  TypeNode,
  VarDecl,
} from '../language/ast';
import type { Diagnostic, DiagnosticCode } from '../language/diagnostics';
import { type AccessLevel, atLeast } from '../access/levels';
import type { ModuleInfo, ModuleManifest } from '../environment/model';
import { type Builtin, getBuiltin } from '../language/builtins';
import {
  type StructureType,
  type Type,
  BOOLEAN,
  DATE,
  DATE_TIME,
  DECIMAL,
  ERROR_TYPE,
  INTEGER,
  LONG_INTEGER,
  TEXT,
  TIME,
  VOID_TYPE,
  arithmeticResult,
  basic,
  bindTypeParameters,
  isAssignable,
  isBoolean,
  isComparable,
  isIntegral,
  isNumeric,
  listOf,
  structureType,
  substitute,
} from '../language/types';
import type { ElementSymbol, ModuleSymbols } from './binder';
import { walk } from '../language/visit';

// ---------------------------------------------------------------------------------------------
// Shapes shared with the Program

/** One input or output of a callable (server action, client action, built-in). */
export interface SignatureParam {
  name: string;
  type: Type;
  /** An input with a default value (SPEC 3.3: "a default makes an input optional"). */
  optional: boolean;
  /** The parameter's doc comment or `@param` text (Markdown). */
  documentation?: string;
  /** The declaration, for user-declared actions. */
  decl?: ParamDecl;
}

/** What a call refers to. */
export type CalleeRef =
  { kind: 'element'; symbol: ElementSymbol } | { kind: 'builtin'; builtin: Builtin } | { kind: 'clientAction'; decl: ClientActionDecl; local: LocalSymbol };

/** The resolved signature of a callable. */
export interface Signature {
  /** The name as called (`CreateOrder`, `Length`). */
  name: string;
  params: SignatureParam[];
  outputs: SignatureParam[];
  target: CalleeRef;
}

/** A field of a structure, its type resolved in the declaring module. */
export interface FieldInfo {
  name: string;
  type: Type;
  documentation?: string;
  decl: FieldDecl;
  /** The declaring structure. */
  owner: ElementSymbol;
}

/** A name declared inside a file: input, output, `var`, `for` variable, screen variable or client action. */
export interface LocalSymbol {
  kind: 'param' | 'output' | 'local' | 'for' | 'screenVar' | 'clientAction';
  name: string;
  type: Type;
  /** The declaring identifier (its range is the declaration location). */
  nameNode: Identifier;
  /** The declaring node. */
  decl: ParamDecl | VarDecl | ForStatement | ClientActionDecl;
  /** For params/outputs: the declaring action (server or client). */
  action?: ServerActionDecl | ClientActionDecl;
  documentation?: string;
}

/** What an identifier refers to (recorded by the checker for IDE features). */
export type Resolution =
  | { kind: 'local'; symbol: LocalSymbol }
  | { kind: 'element'; symbol: ElementSymbol }
  | { kind: 'builtin'; builtin: Builtin }
  | { kind: 'module'; module: string }
  | { kind: 'field'; field: FieldInfo }
  /** A named argument, or an input/output of a server action (declaration or record member). */
  | { kind: 'param'; param: SignatureParam; signature: Signature; output: boolean };

/** Everything the checker found in one file. */
export interface CheckResult {
  diagnostics: Diagnostic[];
  /** Identifier (by node identity) → what it refers to; includes declaring identifiers. */
  resolutions: Map<Identifier, Resolution>;
  /** Expression → its type. */
  types: Map<Expression, Type>;
  /** Call → the resolved callee signature (only when the callee resolved to something callable). */
  calls: Map<CallExpr, Signature>;
  /** Locals declared directly in a block, in order. */
  blockLocals: Map<Block, LocalSymbol[]>;
  /** Inputs and outputs of each server/client action. */
  actionLocals: Map<ServerActionDecl | ClientActionDecl, LocalSymbol[]>;
  /** Variables and client actions of each screen. */
  screenLocals: Map<ScreenDecl, LocalSymbol[]>;
  /** The variable of each `for`. */
  forLocals: Map<ForStatement, LocalSymbol>;
}

/**
 * What the checker needs from the Program, for one file and one user. Implemented by
 * `program.ts`; every lookup is by module name and cheap (cached per module).
 */
export interface CheckContext {
  /** The file's module. */
  module: ModuleInfo;
  /** Its manifest, when valid (dependencies, kind). */
  manifest?: ModuleManifest;
  /** Its symbol table. */
  symbols: ModuleSymbols;
  /** The user's effective access on a module by name (`none` for a non-existent or invalid module). */
  access(moduleName: string): AccessLevel;
  /** The symbol table of a valid module, by name (no access check: the checker checks first). */
  moduleSymbols(moduleName: string): ModuleSymbols | undefined;
  /** The manifest of a valid module, by name. */
  moduleManifest(moduleName: string): ModuleManifest | undefined;
  /** The signature of a server action (types resolved in its module, without diagnostics). */
  signatureOf(symbol: ElementSymbol): Signature;
  /** The fields of a structure type, or `undefined` when it is not a known structure. */
  fieldsOf(t: StructureType): FieldInfo[] | undefined;
  /** Whether the user may see the members and name of a structure (No leak). */
  canSeeStructure(t: StructureType): boolean;
  /** The type as the user may see it (hides names, see `UserProgram.typeToString`). */
  typeText(t: Type): string;
}

// ---------------------------------------------------------------------------------------------
// Quiet type resolution (declarations' types, as their module sees them)

/**
 * Resolves a type node as the declaring module `moduleName` sees it, without diagnostics and
 * without access checks: a same-module structure by name (public or not), `Own.Name`, or a
 * *public* structure of another valid module. Anything else is the error type.
 *
 * @param lookup symbol tables of valid modules by name
 */
export function declaredType(node: TypeNode | undefined, moduleName: string, lookup: (module: string) => ModuleSymbols | undefined): Type {
  if (!node) return ERROR_TYPE;
  switch (node.kind) {
    case 'BasicType':
      return basic(node.name);
    case 'ListType':
      return listOf(declaredType(node.element, moduleName, lookup));
    case 'NamedType': {
      const target = node.module && node.module.name !== moduleName ? node.module.name : moduleName;
      const symbols = lookup(target);
      const sym = symbols?.elements.get(node.name.name);
      if (!sym || sym.kind !== 'structure') return ERROR_TYPE;
      if (target !== moduleName && !sym.isPublic) return ERROR_TYPE;
      return structureType(target, sym.name);
    }
  }
}

/** The Markdown documentation of a declaration's doc comment (text only). */
export function docText(doc: { text: string } | undefined): string | undefined {
  const t = doc?.text.trim();
  return t ? t : undefined;
}

/**
 * The signature of a server or client action, types resolved in `moduleName` quietly
 * ({@link declaredType}); a parameter's documentation is its own doc comment or the action's
 * `@param` tag.
 */
export function actionSignature(
  decl: ServerActionDecl | ClientActionDecl,
  moduleName: string,
  lookup: (module: string) => ModuleSymbols | undefined,
  target: CalleeRef,
): Signature {
  const tags = decl.doc?.params ?? {};
  const mk = (p: ParamDecl, output: boolean): SignatureParam => ({
    name: p.name.name,
    type: declaredType(p.type, moduleName, lookup),
    optional: !output && p.default !== undefined,
    documentation: docText(p.doc) ?? (tags[p.name.name]?.trim() || undefined),
    decl: p,
  });
  return {
    name: decl.name.name,
    params: decl.params.map((p) => mk(p, false)),
    outputs: decl.returns.map((p) => mk(p, true)),
    target,
  };
}

/** The signature of a built-in. */
export function builtinSignature(b: Builtin): Signature {
  return {
    name: b.name,
    params: b.params.map((p) => ({ name: p.name, type: p.type, optional: !!p.optional, documentation: p.documentation })),
    outputs: b.outputs.map((p) => ({ name: p.name, type: p.type, optional: false, documentation: p.documentation })),
    target: { kind: 'builtin', builtin: b },
  };
}

/** The value type of a call: void, its single output, or a record of its outputs (SPEC 3.3). */
export function callValueType(outputs: { name: string; type: Type }[]): Type {
  if (outputs.length === 0) return VOID_TYPE;
  if (outputs.length === 1) return outputs[0].type;
  return { kind: 'record', fields: outputs.map((o) => ({ name: o.name, type: o.type })) };
}

// ---------------------------------------------------------------------------------------------
// The checker

class Scope {
  readonly names = new Map<string, LocalSymbol>();
  /** The inputs/outputs scope of an action: its body's top-level `var`s may not reuse these names. */
  isAction = false;
  constructor(
    readonly parent: Scope | undefined,
    readonly list: LocalSymbol[] = [],
  ) {}
  lookup(name: string): LocalSymbol | undefined {
    return this.names.get(name) ?? this.parent?.lookup(name);
  }
}

const INT_MAX = 2147483647;

/**
 * Checks one file of `ctx.module` for the user behind `ctx`.
 *
 * @param file the parsed file (its `syntax-error`s are included first)
 * @returns diagnostics (LSP ranges) and the resolution tables. Never throws.
 *
 * Decisions (docs/DECISIONS.md): a server action with a `;` body in a `.logic` source file is a
 * `syntax-error` on the action's name ("';' instead of a body is only allowed in interface
 * documents"); an unknown member/field is `unknown-name`; a positional argument after a named one
 * and too many arguments are `unknown-argument`; `missing-argument` is reported once per missing
 * input on the callee's name; a `var` without type and initial value is a `type-mismatch`.
 */
export function checkFile(ctx: CheckContext, file: SourceFile): CheckResult {
  return new FileChecker(ctx, file).run();
}

/**
 * The check of one declaration, kept for an incremental re-check: its diagnostics (ranges copied,
 * as of `line`, the declaration's first line then) and what it looked up — names in its own module
 * (→ the symbol found, or `undefined`) and other modules' symbol tables by name.
 */
export interface DeclarationCheck {
  diagnostics: Diagnostic[];
  line: number;
  own: Map<string, ElementSymbol | undefined>;
  /** The own module's symbol table then (the same table: `own` need not be compared). */
  ownTable: ModuleSymbols;
  /** Other modules looked up by name → their symbol table then (`undefined`: no valid module). */
  modules: Map<string, ModuleSymbols | undefined>;
  /** Elements of other modules looked up: module → name → the symbol found. */
  elements: Map<string, Map<string, ElementSymbol | undefined>>;
}

/** The state of an incremental check of one file (see {@link checkFileIncremental}). */
export interface IncrementalCheck {
  /** The file's module when checked (a different module: check from scratch). */
  module: ModuleInfo;
  result: CheckResult;
  declarations: Map<Declaration, DeclarationCheck>;
}

/**
 * {@link checkFile}, re-using the checks of `previous` (the last check of the same file, module
 * and user) for every declaration that is the same node (the incremental parser keeps unchanged
 * declarations, incremental.ts) and whose lookups still find the same things: every element it
 * looked up, in its own module or another (also through signatures, fields and types), is the same
 * symbol (the binder keeps the symbols of unchanged declarations), and every module it looked up
 * still exists or is still missing. Everything else is checked again. The result equals `checkFile(ctx, file)` (test/program/incremental-check.test.ts).
 * `previous` is consumed: its tables are updated in place and returned.
 */
export function checkFileIncremental(ctx: CheckContext, file: SourceFile, previous?: IncrementalCheck): IncrementalCheck {
  return new FileChecker(ctx, file).runIncremental(previous && previous.module === ctx.module ? previous : undefined);
}

/**
 * {@link checkFile} from scratch (no previous check), one declaration per step: the generator
 * yields after each declaration and returns what {@link checkFileIncremental} would (issue 15: a
 * caller can answer requests between steps). Nothing is shared with other checks until the caller
 * installs the result; the caller must give up the generator when the file, its module or any
 * symbol table changed meanwhile (the Program's generation).
 */
export function checkFileSteps(ctx: CheckContext, file: SourceFile): Generator<void, IncrementalCheck> {
  return new FileChecker(ctx, file).steps(undefined);
}

/** A copy of a diagnostic with its own range objects (tree positions may be shifted in place). */
function detached(d: Diagnostic, delta = 0): Diagnostic {
  return {
    ...d,
    range: {
      start: { line: d.range.start.line + delta, character: d.range.start.character },
      end: { line: d.range.end.line + delta, character: d.range.end.character },
    },
  };
}

/** Removes every entry of a declaration's nodes from a file's check tables. */
function forgetDeclaration(result: CheckResult, decl: Declaration): void {
  walk(decl, (n) => {
    result.resolutions.delete(n as Identifier);
    result.types.delete(n as Expression);
    result.calls.delete(n as CallExpr);
    result.blockLocals.delete(n as Block);
    result.actionLocals.delete(n as ServerActionDecl);
    result.screenLocals.delete(n as ScreenDecl);
    result.forLocals.delete(n as ForStatement);
  });
}

const fieldIndexes = new WeakMap<FieldInfo[], Map<string, FieldInfo>>();

/**
 * The field named `name` of a structure's fields (the first, when names repeat), through an index
 * built once per fields array (`fieldsOf` caches the arrays), so member accesses and record literals
 * stay linear on huge structures (issue 5, hardening).
 */
function fieldNamed(fields: FieldInfo[] | undefined, name: string): FieldInfo | undefined {
  if (!fields) return undefined;
  let index = fieldIndexes.get(fields);
  if (!index) {
    index = new Map();
    for (const f of fields) if (!index.has(f.name)) index.set(f.name, f);
    fieldIndexes.set(fields, index);
  }
  return index.get(name);
}

/**
 * Deepest expression nesting the checker descends into. The parser keeps trees well below it
 * (`MAX_NESTING` + `MAX_OPERATIONS`); this only guarantees that no tree can overflow the stack:
 * deeper subexpressions are typed as errors without a diagnostic (issue 5, hardening).
 */
const MAX_CHECK_DEPTH = 1000;

class FileChecker {
  /** Current depth of `checkExpr` calls (see {@link MAX_CHECK_DEPTH}). */
  private exprDepth = 0;
  private result: CheckResult = {
    diagnostics: [],
    resolutions: new Map(),
    types: new Map(),
    calls: new Map(),
    blockLocals: new Map(),
    actionLocals: new Map(),
    screenLocals: new Map(),
    forLocals: new Map(),
  };
  private readonly moduleName: string;
  private readonly lookup: (m: string) => ModuleSymbols | undefined;
  /** The context as the checker uses it: every lookup recorded into {@link rec}. */
  private readonly ctx: CheckContext;
  /** What the declaration being checked looked up (incremental checks only). */
  private rec: DeclarationCheck | undefined;

  constructor(
    private readonly base: CheckContext,
    private readonly file: SourceFile,
  ) {
    this.moduleName = base.module.name;
    this.ctx = this.recording(base);
    this.lookup = (m) => (m === this.moduleName ? this.ctx.symbols : this.ctx.moduleSymbols(m));
  }

  /** `base` with its lookups recorded into the current declaration's {@link DeclarationCheck}. */
  private recording(base: CheckContext): CheckContext {
    const own = this.moduleName;
    const ownGet = (name: string): ElementSymbol | undefined => {
      const s = base.symbols.elements.get(name);
      this.rec?.own.set(name, s);
      return s;
    };
    // Other modules' tables are handed out as views whose element lookups are recorded.
    const views = new Map<string, ModuleSymbols | undefined>();
    const elementOf = (m: string, name: string): ElementSymbol | undefined => {
      const table = base.moduleSymbols(m);
      const s = table?.elements.get(name);
      if (this.rec) {
        if (!this.rec.modules.has(m)) this.rec.modules.set(m, table);
        let names = this.rec.elements.get(m);
        if (!names) this.rec.elements.set(m, (names = new Map()));
        names.set(name, s);
      }
      return s;
    };
    const moduleSymbols = (m: string): ModuleSymbols | undefined => {
      let view = views.get(m);
      if (!views.has(m)) {
        const s = base.moduleSymbols(m);
        const elements = { get: (name: string) => elementOf(m, name), has: (name: string) => elementOf(m, name) !== undefined } as unknown as Map<
          string,
          ElementSymbol
        >;
        view = s && { ...s, elements };
        views.set(m, view);
      }
      this.rec?.modules.set(m, base.moduleSymbols(m));
      return view;
    };
    const typeNode = (node: TypeNode | undefined, declModule: string): void => {
      if (!node || !this.rec) return;
      if (node.kind === 'ListType') return typeNode(node.element, declModule);
      if (node.kind !== 'NamedType') return;
      const target = node.module && node.module.name !== declModule ? node.module.name : declModule;
      if (target === own) ownGet(node.name.name);
      else {
        moduleSymbols(target);
        elementOf(target, node.name.name);
      }
    };
    const structure = (t: StructureType): void => {
      if (!this.rec) return;
      if (t.module === own) ownGet(t.name);
      else {
        moduleSymbols(t.module);
        elementOf(t.module, t.name);
      }
    };
    const type = (t: Type): void => {
      if (!this.rec) return;
      if (t.kind === 'structure') structure(t);
      else if (t.kind === 'list') type(t.element);
      else if (t.kind === 'record') for (const f of t.fields) type(f.type);
    };
    const elements = { get: ownGet, has: (name: string) => ownGet(name) !== undefined } as unknown as Map<string, ElementSymbol>;
    return {
      ...base,
      symbols: { ...base.symbols, elements },
      moduleSymbols,
      signatureOf: (sym) => {
        if (this.rec) {
          if (sym.module === own) ownGet(sym.name);
          else {
            moduleSymbols(sym.module);
            elementOf(sym.module, sym.name);
          }
          const d = sym.decl;
          if (d.kind === 'ServerAction') for (const p of [...d.params, ...d.returns]) typeNode(p.type, sym.module);
        }
        return base.signatureOf(sym);
      },
      fieldsOf: (t) => {
        structure(t);
        const fields = base.fieldsOf(t);
        if (fields && this.rec) for (const f of fields) typeNode(f.decl.type, t.module);
        return fields;
      },
      canSeeStructure: (t) => {
        structure(t);
        return base.canSeeStructure(t);
      },
      typeText: (t) => {
        type(t);
        return base.typeText(t);
      },
    };
  }

  run(): CheckResult {
    for (const d of this.file.diagnostics) this.result.diagnostics.push({ ...d, severity: 'error' });
    for (const decl of this.file.declarations) this.checkDeclaration(decl);
    return this.result;
  }

  /** True when every lookup of a kept declaration check still finds the same thing. */
  private stillValid(rec: DeclarationCheck, tables: Map<string, ModuleSymbols | undefined>): boolean {
    // A table that is the same object as then has the same symbols: nothing to compare in it.
    // (Keys, then `get`: an entries iterator would allocate a pair per entry, per kept declaration,
    // per keystroke — issue 15.)
    const ownTable = this.base.symbols;
    if (rec.ownTable !== ownTable) for (const name of rec.own.keys()) if (ownTable.elements.get(name) !== rec.own.get(name)) return false;
    const table = (m: string) => {
      if (!tables.has(m)) tables.set(m, this.base.moduleSymbols(m));
      return tables.get(m);
    };
    for (const m of rec.modules.keys()) {
      const then = rec.modules.get(m);
      const now = table(m);
      if (now === then) continue;
      if (!now !== !then) return false;
      const names = rec.elements.get(m);
      if (names) for (const name of names.keys()) if (now?.elements.get(name) !== names.get(name)) return false;
    }
    return true;
  }

  runIncremental(previous: IncrementalCheck | undefined): IncrementalCheck {
    const steps = this.steps(previous);
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
    }
  }

  /** {@link runIncremental} one declaration at a time: yields after each declaration it checks. */
  *steps(previous: IncrementalCheck | undefined): Generator<void, IncrementalCheck> {
    const declarations = new Map<Declaration, DeclarationCheck>();
    const current = new Set(this.file.declarations);
    let kept = 0;
    if (previous) for (const d of this.file.declarations) if (previous.declarations.has(d)) kept++;
    if (previous && kept > 0) {
      this.result = previous.result;
      for (const d of previous.declarations.keys()) if (!current.has(d)) forgetDeclaration(this.result, d);
    }
    const diagnostics: Diagnostic[] = this.file.diagnostics.map((d) => ({ ...d, severity: 'error' as const }));
    const tables = new Map<string, ModuleSymbols | undefined>();
    for (const decl of this.file.declarations) {
      let rec = kept > 0 ? previous?.declarations.get(decl) : undefined;
      if (rec && this.stillValid(rec, tables)) {
        const line = decl.range.start.line;
        if (rec.line !== line) rec = { ...rec, diagnostics: rec.diagnostics.map((d) => detached(d, line - rec!.line)), line };
      } else {
        if (rec) forgetDeclaration(this.result, decl);
        rec = { diagnostics: [], line: decl.range.start.line, own: new Map(), ownTable: this.base.symbols, modules: new Map(), elements: new Map() };
        this.rec = rec;
        this.result.diagnostics = rec.diagnostics;
        try {
          this.checkDeclaration(decl);
        } finally {
          this.rec = undefined;
        }
        rec.diagnostics = rec.diagnostics.map((d) => detached(d));
        declarations.set(decl, rec);
        for (const d of rec.diagnostics) diagnostics.push(d);
        yield;
        continue;
      }
      declarations.set(decl, rec);
      for (const d of rec.diagnostics) diagnostics.push(d);
    }
    this.result.diagnostics = diagnostics;
    return { module: this.base.module, result: this.result, declarations };
  }

  private report(code: DiagnosticCode, range: Range, message: string): void {
    this.result.diagnostics.push({ code, severity: 'error', message, range });
  }

  private t(type: Type): string {
    return this.ctx.typeText(type);
  }

  // ----- declarations

  private checkDeclaration(decl: Declaration): void {
    const own = this.ctx.symbols.elements.get(decl.name.name);
    if (own && own.decl === decl) this.result.resolutions.set(decl.name, { kind: 'element', symbol: own });
    switch (decl.kind) {
      case 'Structure':
        return this.checkStructure(decl, own);
      case 'ServerAction':
        return this.checkServerAction(decl, own);
      case 'Screen':
        return this.checkScreen(decl);
    }
  }

  private checkStructure(decl: StructureDecl, own: ElementSymbol | undefined): void {
    const seen = new Set<string>();
    const fields = own && own.decl === decl ? this.ctx.fieldsOf(structureType(this.moduleName, decl.name.name)) : undefined;
    // By declaration: a `find` per field made a 50,000-field structure quadratic (issue 5).
    const byDecl = new Map(fields?.map((x) => [x.decl, x]));
    for (const f of decl.fields) {
      const type = this.resolveType(f.type);
      if (f.name.name) {
        if (seen.has(f.name.name)) {
          this.report('duplicate-declaration', f.name.range, `Field '${f.name.name}' is already declared in structure '${decl.name.name}'.`);
        }
        seen.add(f.name.name);
        const info = byDecl.get(f);
        if (info) this.result.resolutions.set(f.name, { kind: 'field', field: info });
      }
      if (f.default) this.checkAssignable(f.default, this.checkValue(f.default, undefined), type);
    }
  }

  private declareParams(action: ServerActionDecl | ClientActionDecl, scope: Scope, signature: Signature | undefined): LocalSymbol[] {
    const locals: LocalSymbol[] = [];
    const tags = action.doc?.params ?? {};
    const handle = (p: ParamDecl, output: boolean, index: number) => {
      const type = this.resolveType(p.type);
      if (p.default) this.checkAssignable(p.default, this.checkValue(p.default, undefined), type);
      if (!p.name.name) return;
      const sym: LocalSymbol = {
        kind: output ? 'output' : 'param',
        name: p.name.name,
        type,
        nameNode: p.name,
        decl: p,
        action,
        documentation: docText(p.doc) ?? (tags[p.name.name]?.trim() || undefined),
      };
      this.declare(scope, sym);
      locals.push(sym);
      const sp = signature && (output ? signature.outputs[index] : signature.params[index]);
      if (sp && sp.decl === p && signature) this.result.resolutions.set(p.name, { kind: 'param', param: sp, signature, output });
      else this.result.resolutions.set(p.name, { kind: 'local', symbol: sym });
    };
    action.params.forEach((p, i) => handle(p, false, i));
    action.returns.forEach((p, i) => handle(p, true, i));
    this.result.actionLocals.set(action, locals);
    return locals;
  }

  private checkServerAction(decl: ServerActionDecl, own: ElementSymbol | undefined): void {
    const scope = new Scope(undefined);
    scope.isAction = true;
    const sig = own && own.decl === decl ? this.ctx.signatureOf(own) : undefined;
    this.declareParams(decl, scope, sig);
    if (decl.body) this.checkBlock(decl.body, scope);
    else
      this.report(
        'syntax-error',
        decl.name.range,
        `Server action '${decl.name.name}' needs a body '{ … }': ';' instead of a body is only allowed in interface documents.`,
      );
  }

  private checkScreen(decl: ScreenDecl): void {
    const kind = this.ctx.manifest?.kind;
    if (kind && kind !== 'ui') {
      this.report(
        'screen-in-non-ui-module',
        decl.name.range,
        `Screen '${decl.name.name}' is not allowed in module '${this.moduleName}': screens are allowed only in 'ui' modules, and this is a '${kind}' module.`,
      );
    }
    const scope = new Scope(undefined);
    const locals: LocalSymbol[] = [];
    this.result.screenLocals.set(decl, locals);
    // Client actions are visible in the whole screen; declare them first.
    for (const m of decl.members) {
      if (m.kind !== 'ClientAction' || !m.name.name) continue;
      const sym: LocalSymbol = { kind: 'clientAction', name: m.name.name, type: ERROR_TYPE, nameNode: m.name, decl: m, documentation: docText(m.doc) };
      this.declare(scope, sym);
      locals.push(sym);
      this.result.resolutions.set(m.name, { kind: 'local', symbol: sym });
    }
    for (const m of decl.members) {
      if (m.kind === 'Var') {
        const sym = this.checkVar(m, scope, 'screenVar');
        if (sym) locals.push(sym);
      }
    }
    for (const m of decl.members) {
      if (m.kind !== 'ClientAction') continue;
      const actionScope = new Scope(scope);
      actionScope.isAction = true;
      const local = scope.names.get(m.name.name);
      const sig = local && local.decl === m ? actionSignature(m, this.moduleName, this.lookup, { kind: 'clientAction', decl: m, local }) : undefined;
      this.declareParams(m, actionScope, sig);
      this.checkBlock(m.body, actionScope);
    }
  }

  private declare(scope: Scope, sym: LocalSymbol): void {
    if (scope.names.has(sym.name) || (scope.parent?.isAction && scope.parent.names.has(sym.name))) {
      this.report('duplicate-declaration', sym.nameNode.range, `'${sym.name}' is already declared in this scope.`);
      return;
    }
    scope.names.set(sym.name, sym);
    scope.list.push(sym);
  }

  // ----- statements

  private checkBlock(block: Block, parent: Scope): void {
    const scope = new Scope(parent);
    this.result.blockLocals.set(block, scope.list);
    for (const s of block.statements) this.checkStatement(s, scope);
  }

  private checkVar(v: VarDecl, scope: Scope, kind: 'local' | 'screenVar'): LocalSymbol | undefined {
    const declared = v.type ? this.resolveType(v.type) : undefined;
    let type: Type = declared ?? ERROR_TYPE;
    if (v.init) {
      const init = this.checkValue(v.init, declared, scope);
      if (declared) this.checkAssignable(v.init, init, declared);
      else type = init;
    } else if (!declared && v.name.name) {
      this.report('type-mismatch', v.name.range, `Variable '${v.name.name}' needs a type or an initial value.`);
    }
    if (!v.name.name) return undefined;
    const sym: LocalSymbol = { kind, name: v.name.name, type, nameNode: v.name, decl: v };
    this.declare(scope, sym);
    this.result.resolutions.set(v.name, { kind: 'local', symbol: sym });
    return sym;
  }

  private checkStatement(s: Statement, scope: Scope): void {
    switch (s.kind) {
      case 'Var':
        this.checkVar(s, scope, 'local');
        return;
      case 'Assignment': {
        const target = this.checkAssignTarget(s.target, scope);
        const value = this.checkValue(s.value, target, scope);
        this.checkAssignable(s.value, value, target);
        return;
      }
      case 'If':
        this.checkCondition(s.condition, scope, 'if');
        this.checkBlock(s.then, scope);
        if (s.else) {
          if (s.else.kind === 'Block') this.checkBlock(s.else, scope);
          else this.checkStatement(s.else, scope);
        }
        return;
      case 'While':
        this.checkCondition(s.condition, scope, 'while');
        this.checkBlock(s.body, scope);
        return;
      case 'For': {
        const it = this.checkValue(s.iterable, undefined, scope);
        let element: Type = ERROR_TYPE;
        if (it.kind === 'list') element = it.element;
        else if (it.kind !== 'error') this.report('type-mismatch', s.iterable.range, `'for' needs a List to iterate over, but this is '${this.t(it)}'.`);
        const bodyScope = new Scope(scope);
        if (s.variable.name) {
          const sym: LocalSymbol = { kind: 'for', name: s.variable.name, type: element, nameNode: s.variable, decl: s };
          bodyScope.names.set(sym.name, sym);
          this.result.forLocals.set(s, sym);
          this.result.resolutions.set(s.variable, { kind: 'local', symbol: sym });
        }
        this.checkBlock(s.body, bodyScope);
        return;
      }
      case 'Return':
        return;
      case 'ExpressionStatement':
        this.checkExpr(s.expression, scope, undefined);
        return;
    }
  }

  private checkCondition(e: Expression, scope: Scope, what: string): void {
    const t = this.checkValue(e, BOOLEAN, scope);
    if (!isBoolean(t)) this.report('type-mismatch', e.range, `The condition of '${what}' must be a Boolean, but this is '${this.t(t)}'.`);
  }

  /** The root identifier of an assignment target (`a` of `a.b[1].c`). */
  private rootIdentifier(e: Expression): Identifier | undefined {
    for (;;) {
      if (e.kind === 'Identifier') return e;
      if (e.kind === 'Member' || e.kind === 'Index') e = e.object;
      else if (e.kind === 'Paren') e = e.expression;
      else return undefined;
    }
  }

  private checkAssignTarget(target: Expression, scope: Scope): Type {
    const root = this.rootIdentifier(target);
    const local = root && root.name ? scope.lookup(root.name) : undefined;
    if (!root || target.kind === 'Missing') {
      if (target.kind !== 'Missing') this.report('type-mismatch', target.range, 'Only variables, outputs and their fields or list elements can be assigned.');
      this.checkExpr(target, scope, undefined);
      return ERROR_TYPE;
    }
    if (!local) {
      // Not a local: resolve it normally, which reports unknown names and elements used as values.
      this.checkExpr(target, scope, undefined);
      return ERROR_TYPE;
    }
    if (local.kind === 'param') {
      this.report('read-only-input', target.range, `Input '${local.name}' is read-only; assign to a variable or an output instead.`);
    } else if (local.kind === 'clientAction') {
      this.report('type-mismatch', target.range, `'${local.name}' cannot be assigned: only variables, outputs and their fields or list elements can.`);
      this.checkExpr(target, scope, undefined);
      return ERROR_TYPE;
    }
    return this.checkExpr(target, scope, undefined);
  }

  private checkAssignable(e: Expression, from: Type, to: Type): void {
    if (!isAssignable(from, to)) {
      this.report('type-mismatch', e.range, `Type '${this.t(from)}' is not assignable to type '${this.t(to)}'.`);
    }
  }

  // ----- types

  /** Resolves a type node with diagnostics (SPEC 3.3 references in types). */
  private resolveType(node: TypeNode | undefined): Type {
    if (!node) return ERROR_TYPE;
    switch (node.kind) {
      case 'BasicType':
        return basic(node.name);
      case 'ListType':
        return listOf(this.resolveType(node.element));
      case 'NamedType':
        return this.resolveNamedType(node);
    }
  }

  private resolveNamedType(node: NamedTypeNode): Type {
    let sym: ElementSymbol | undefined;
    let display = node.name.name;
    if (node.module) {
      sym = this.resolveModuleElement(node.module, node.name);
      display = `${node.module.name}.${node.name.name}`;
    } else {
      if (!node.name.name) return ERROR_TYPE;
      sym = this.ctx.symbols.elements.get(node.name.name);
      if (!sym) {
        this.report('unknown-name', node.name.range, `Cannot find type '${node.name.name}'.`);
        return ERROR_TYPE;
      }
      this.result.resolutions.set(node.name, { kind: 'element', symbol: sym });
    }
    if (!sym) return ERROR_TYPE;
    if (sym.kind !== 'structure') {
      this.report('type-mismatch', node.range, `'${display}' is ${kindPhrase(sym.kind)}, not a structure type.`);
      return ERROR_TYPE;
    }
    return structureType(sym.module, sym.name);
  }

  /**
   * Resolves `Module.Element` (SPEC 3.3, in order; see the file comment). Records resolutions
   * for both identifiers. Returns the element (also after a dependency problem or for a
   * hidden element seen by a user with ≥ open), or `undefined`.
   */
  private resolveModuleElement(modId: Identifier, elemId: Identifier): ElementSymbol | undefined {
    const m = modId.name;
    if (m === this.moduleName) {
      this.result.resolutions.set(modId, { kind: 'module', module: m });
      if (!elemId.name) return undefined;
      const sym = this.ctx.symbols.elements.get(elemId.name);
      if (!sym) {
        this.report('unknown-element', elemId.range, `Module '${m}' has no element '${elemId.name}'.`);
        return undefined;
      }
      this.result.resolutions.set(elemId, { kind: 'element', symbol: sym });
      return sym;
    }
    if (!/^[A-Z]/.test(m)) {
      // Module names start with an upper-case letter (SPEC 2.2): this is a misspelt local.
      if (m) this.report('unknown-name', modId.range, `Cannot find name '${m}'.`);
      return undefined;
    }
    const level = this.ctx.access(m);
    const target = atLeast(level, 'list') ? this.ctx.moduleSymbols(m) : undefined;
    if (!target) {
      this.report('unknown-module', modId.range, `Cannot find module '${m}'.`);
      return undefined;
    }
    this.result.resolutions.set(modId, { kind: 'module', module: m });
    if (!atLeast(level, 'reference')) {
      this.report(
        'no-reference-access',
        modId.range,
        `Module '${m}' cannot be referenced: your access to it is '${level}', and 'reference' is needed. Ask its owner for access.`,
      );
      return undefined;
    }
    if (!elemId.name) return undefined;
    const sym = target.elements.get(elemId.name);
    const referenceable = sym && sym.kind !== 'screen';
    if (!sym || !referenceable || (!sym.isPublic && !atLeast(level, 'open'))) {
      this.report('unknown-element', elemId.range, `Module '${m}' has no public element '${elemId.name}'.`);
      return undefined;
    }
    this.result.resolutions.set(elemId, { kind: 'element', symbol: sym });
    if (!sym.isPublic) {
      this.report('hidden-element', elemId.range, `'${elemId.name}' is not public in module '${m}': make it public to use it from other modules.`);
      return sym;
    }
    const deps = this.ctx.manifest?.dependencies;
    if (deps) {
      const range = deps[m];
      const version = this.ctx.moduleManifest(m)?.version;
      if (range === undefined) {
        this.report('not-a-dependency', modId.range, `Module '${m}' is not a dependency of '${this.moduleName}': add it to the dependencies in module.json.`);
      } else if (version && !safeSatisfies(version, range)) {
        this.report('dependency-version', modId.range, `Module '${m}' ${version} does not satisfy the dependency range '${range}' of '${this.moduleName}'.`);
      }
    }
    return sym;
  }

  // ----- expressions

  /** Checks an expression that must have a value (`no-value` for a call without outputs). */
  private checkValue(e: Expression, expected: Type | undefined, scope?: Scope): Type {
    const t = this.checkExpr(e, scope, expected);
    if (t.kind === 'void') {
      const name = e.kind === 'Call' ? this.calleeName(e) : undefined;
      this.report('no-value', e.range, name ? `'${name}' has no outputs, so it has no value: call it as a statement.` : 'This expression has no value.');
      return ERROR_TYPE;
    }
    return t;
  }

  private calleeName(call: CallExpr): string | undefined {
    const c = call.callee;
    if (c.kind === 'Identifier') return c.name;
    if (c.kind === 'Member' && c.object.kind === 'Identifier') return `${c.object.name}.${c.member.name}`;
    return undefined;
  }

  private checkExpr(e: Expression, scope: Scope | undefined, expected: Type | undefined): Type {
    if (this.exprDepth >= MAX_CHECK_DEPTH) {
      this.result.types.set(e, ERROR_TYPE);
      return ERROR_TYPE;
    }
    this.exprDepth++;
    try {
      const t = this.exprType(e, scope ?? new Scope(undefined), expected);
      this.result.types.set(e, t);
      return t;
    } finally {
      this.exprDepth--;
    }
  }

  private exprType(e: Expression, scope: Scope, expected: Type | undefined): Type {
    switch (e.kind) {
      case 'Missing':
        return ERROR_TYPE;
      case 'Literal':
        switch (e.literalKind) {
          case 'Integer':
            return typeof e.value === 'number' && Math.abs(e.value) > INT_MAX ? LONG_INTEGER : INTEGER;
          case 'Decimal':
            return DECIMAL;
          case 'Text':
            return TEXT;
          case 'Boolean':
            return BOOLEAN;
          case 'Date':
            return DATE;
          case 'DateTime':
            return DATE_TIME;
          case 'Time':
            return TIME;
        }
        return ERROR_TYPE;
      case 'Identifier':
        return this.identifierValue(e, scope);
      case 'Paren':
        return this.checkExpr(e.expression, scope, expected);
      case 'Member':
        return this.memberValue(e, scope);
      case 'Call':
        return this.checkCall(e, scope);
      case 'Index': {
        const obj = this.checkValue(e.object, undefined, scope);
        const idx = this.checkValue(e.index, INTEGER, scope);
        if (!isIntegral(idx)) this.report('type-mismatch', e.index.range, `A list index must be an Integer, but this is '${this.t(idx)}'.`);
        if (obj.kind === 'list') return obj.element;
        if (obj.kind !== 'error') this.report('type-mismatch', e.object.range, `Only lists can be indexed, but this is '${this.t(obj)}'.`);
        return ERROR_TYPE;
      }
      case 'Unary': {
        if (e.operator === 'not') {
          const t = this.checkValue(e.operand, BOOLEAN, scope);
          if (!isBoolean(t)) this.report('type-mismatch', e.operand.range, `Operator 'not' needs a Boolean, but this is '${this.t(t)}'.`);
          return BOOLEAN;
        }
        const t = this.checkValue(e.operand, undefined, scope);
        if (!isNumeric(t)) {
          this.report('type-mismatch', e.operand.range, `Operator '-' needs a number, but this is '${this.t(t)}'.`);
          return ERROR_TYPE;
        }
        return t;
      }
      case 'Binary':
        return this.binaryChain(e, scope);
      case 'List': {
        let el: Type | undefined = expected?.kind === 'list' ? expected.element : undefined;
        const fixed = el !== undefined && el.kind !== 'error';
        for (const x of e.elements) {
          const t = this.checkValue(x, el, scope);
          if (t.kind === 'error') continue;
          if (!el || el.kind === 'error') el = t;
          else if (isAssignable(t, el)) continue;
          else if (!fixed && isAssignable(el, t)) el = t;
          else this.report('type-mismatch', x.range, `List element of type '${this.t(t)}' does not fit the list's element type '${this.t(el)}'.`);
        }
        return listOf(el ?? ERROR_TYPE);
      }
      case 'Record':
        return this.checkRecord(e, scope);
    }
  }

  /**
   * A binary expression, walked iteratively down its left spine: a chain of 2,000 operators (the
   * parser's limit) makes a tree that deep, too deep to recurse into (issue 5, hardening). Checks
   * and reports in the same order as the recursive walk: innermost left operand first.
   */
  private binaryChain(e: BinaryExpr, scope: Scope): Type {
    const spine: BinaryExpr[] = [];
    let x: Expression = e;
    while (x.kind === 'Binary') {
      spine.push(x);
      x = x.left;
    }
    const innermost = spine[spine.length - 1];
    let l = this.checkValue(x, innermost.operator === 'and' || innermost.operator === 'or' ? BOOLEAN : undefined, scope);
    for (let i = spine.length - 1; i >= 0; i--) {
      l = this.binaryStep(spine[i], l, scope);
      if (i > 0) this.result.types.set(spine[i], l);
    }
    return l;
  }

  /** One operator of a chain whose left operand's type `l` is known (see {@link binaryChain}). */
  private binaryStep(e: BinaryExpr, l: Type, scope: Scope): Type {
    const op = e.operator;
    if (op === 'and' || op === 'or') {
      const r = this.checkValue(e.right, BOOLEAN, scope);
      if (!isBoolean(l)) this.report('type-mismatch', e.left.range, `Operator '${op}' needs Boolean operands, but this is '${this.t(l)}'.`);
      if (!isBoolean(r)) this.report('type-mismatch', e.right.range, `Operator '${op}' needs Boolean operands, but this is '${this.t(r)}'.`);
      return BOOLEAN;
    }
    const r = this.checkValue(e.right, undefined, scope);
    if (op === '==' || op === '!=' || op === '<' || op === '<=' || op === '>' || op === '>=') {
      if (!isComparable(l, r, op)) {
        this.report('type-mismatch', e.range, `Operator '${op}' cannot compare '${this.t(l)}' with '${this.t(r)}'.`);
      }
      return BOOLEAN;
    }
    const res = arithmeticResult(op, l, r);
    if (!res) {
      const what = op === '+' ? 'two numbers or two Texts' : 'numbers';
      this.report('type-mismatch', e.range, `Operator '${op}' needs ${what}, but got '${this.t(l)}' and '${this.t(r)}'.`);
      return ERROR_TYPE;
    }
    return res;
  }

  private identifierValue(id: Identifier, scope: Scope): Type {
    if (!id.name) return ERROR_TYPE;
    const local = scope.lookup(id.name);
    if (local) {
      this.result.resolutions.set(id, { kind: 'local', symbol: local });
      if (local.kind === 'clientAction') {
        this.report('type-mismatch', id.range, `'${id.name}' is a client action: call it with '(…)'.`);
        return ERROR_TYPE;
      }
      return local.type;
    }
    const sym = this.ctx.symbols.elements.get(id.name);
    if (sym) {
      this.result.resolutions.set(id, { kind: 'element', symbol: sym });
      this.report('type-mismatch', id.range, notAValue(id.name, sym.kind));
      return ERROR_TYPE;
    }
    const b = getBuiltin(id.name);
    if (b) {
      this.result.resolutions.set(id, { kind: 'builtin', builtin: b });
      this.report('type-mismatch', id.range, `'${id.name}' is a built-in function: call it with '(…)'.`);
      return ERROR_TYPE;
    }
    if (this.isListedModule(id.name)) {
      this.result.resolutions.set(id, { kind: 'module', module: id.name });
      this.report('unknown-name', id.range, `'${id.name}' is a module, not a value: use '${id.name}.Element'.`);
      return ERROR_TYPE;
    }
    this.report('unknown-name', id.range, `Cannot find name '${id.name}'.`);
    return ERROR_TYPE;
  }

  private isListedModule(name: string): boolean {
    return name === this.moduleName || (atLeast(this.ctx.access(name), 'list') && this.ctx.moduleSymbols(name) !== undefined);
  }

  /** True when `id` (the object of a member expression) names no local, element or built-in. */
  private isModulePath(id: Expression, scope: Scope): id is Identifier {
    return id.kind === 'Identifier' && id.name !== '' && !scope.lookup(id.name) && !this.ctx.symbols.elements.has(id.name) && !getBuiltin(id.name);
  }

  private memberValue(e: MemberExpr, scope: Scope): Type {
    if (this.isModulePath(e.object, scope)) {
      const sym = this.resolveModuleElement(e.object, e.member);
      if (sym) this.report('type-mismatch', e.range, notAValue(`${e.object.name}.${e.member.name}`, sym.kind));
      return ERROR_TYPE;
    }
    const obj = this.checkValue(e.object, undefined, scope);
    return this.memberOf(obj, e.member);
  }

  /** The type of `value.member`; reports unknown members (`unknown-name`). */
  private memberOf(obj: Type, member: Identifier): Type {
    if (obj.kind === 'error' || !member.name) return ERROR_TYPE;
    if (obj.kind === 'record') {
      const f = obj.fields.find((x) => x.name === member.name);
      if (f) return f.type;
    } else if (obj.kind === 'structure' && this.ctx.canSeeStructure(obj)) {
      const f = fieldNamed(this.ctx.fieldsOf(obj), member.name);
      if (f) {
        this.result.resolutions.set(member, { kind: 'field', field: f });
        return f.type;
      }
    }
    this.report('unknown-name', member.range, `Type '${this.t(obj)}' has no member '${member.name}'.`);
    return ERROR_TYPE;
  }

  private checkRecord(e: Expression & { kind: 'Record' }, scope: Scope): Type {
    const t = this.resolveNamedType(e.type);
    const fields = t.kind === 'structure' ? this.ctx.fieldsOf(t) : undefined;
    const seen = new Set<string>();
    for (const f of e.fields) {
      let expected: Type | undefined;
      if (fields && f.name.name) {
        const info = fieldNamed(fields, f.name.name);
        if (!info) {
          this.report('unknown-name', f.name.range, `Structure '${this.t(t)}' has no field '${f.name.name}'.`);
        } else {
          this.result.resolutions.set(f.name, { kind: 'field', field: info });
          expected = info.type;
        }
        if (seen.has(f.name.name)) this.report('duplicate-argument', f.name.range, `Field '${f.name.name}' is given more than once.`);
        seen.add(f.name.name);
      }
      const v = this.checkValue(f.value, expected, scope);
      if (expected) this.checkAssignable(f.value, v, expected);
    }
    return t;
  }

  // ----- calls

  private resolveCallee(call: CallExpr, scope: Scope): Signature | undefined {
    const c = call.callee;
    if (c.kind === 'Identifier') {
      if (!c.name) return undefined;
      const local = scope.lookup(c.name);
      if (local) {
        this.result.resolutions.set(c, { kind: 'local', symbol: local });
        if (local.kind === 'clientAction' && local.decl.kind === 'ClientAction') {
          return actionSignature(local.decl, this.moduleName, this.lookup, { kind: 'clientAction', decl: local.decl, local });
        }
        this.report('type-mismatch', c.range, `'${c.name}' is not an action and cannot be called.`);
        return undefined;
      }
      const sym = this.ctx.symbols.elements.get(c.name);
      if (sym) {
        this.result.resolutions.set(c, { kind: 'element', symbol: sym });
        if (sym.kind === 'serverAction') return this.ctx.signatureOf(sym);
        this.report('type-mismatch', c.range, notCallable(c.name, sym.kind));
        return undefined;
      }
      const b = getBuiltin(c.name);
      if (b) {
        this.result.resolutions.set(c, { kind: 'builtin', builtin: b });
        return builtinSignature(b);
      }
      this.identifierValue(c, scope); // reports unknown-name / module-not-a-value
      return undefined;
    }
    if (c.kind === 'Member' && this.isModulePath(c.object, scope)) {
      const sym = this.resolveModuleElement(c.object, c.member);
      if (!sym) return undefined;
      if (sym.kind === 'serverAction') return this.ctx.signatureOf(sym);
      this.report('type-mismatch', c.range, notCallable(`${c.object.name}.${c.member.name}`, sym.kind));
      return undefined;
    }
    const t = this.checkExpr(c, scope, undefined);
    if (t.kind !== 'error') this.report('type-mismatch', c.range, 'This expression is not an action and cannot be called.');
    return undefined;
  }

  private checkCall(call: CallExpr, scope: Scope): Type {
    const sig = this.resolveCallee(call, scope);
    if (!sig) {
      for (const a of call.args) this.checkExpr(a.value, scope, undefined);
      return ERROR_TYPE;
    }
    this.result.calls.set(call, sig);
    const given = new Map<number, Argument>();
    const bindings = new Map<string, Type>();
    const pending: { arg: Argument; param: (typeof sig.params)[number] }[] = [];
    let sawNamed = false;
    let positional = 0;
    const calleeRange = call.callee.kind === 'Member' ? call.callee.member.range : call.callee.range;
    for (const a of call.args) {
      if (!a.name) {
        if (sawNamed) {
          this.report('unknown-argument', a.range, 'A positional argument cannot follow a named argument.');
          this.checkExpr(a.value, scope, undefined);
          continue;
        }
        const index = positional++;
        if (index >= sig.params.length) {
          this.report(
            'unknown-argument',
            a.range,
            `'${sig.name}' takes ${sig.params.length} input${sig.params.length === 1 ? '' : 's'}; this argument is one too many.`,
          );
          this.checkExpr(a.value, scope, undefined);
          continue;
        }
        given.set(index, a);
        pending.push({ arg: a, param: sig.params[index] });
      } else {
        sawNamed = true;
        const index = sig.params.findIndex((p) => p.name === a.name!.name);
        if (index < 0) {
          if (a.name.name) this.report('unknown-argument', a.name.range, `'${sig.name}' has no input '${a.name.name}'.`);
          this.checkExpr(a.value, scope, undefined);
          continue;
        }
        this.result.resolutions.set(a.name, { kind: 'param', param: sig.params[index], signature: sig, output: false });
        if (given.has(index)) {
          this.report('duplicate-argument', a.name.range, `Input '${a.name.name}' of '${sig.name}' is given more than once.`);
          this.checkExpr(a.value, scope, undefined);
          continue;
        }
        given.set(index, a);
        pending.push({ arg: a, param: sig.params[index] });
      }
    }
    // Type-check arguments in source order; bind generic type parameters from the first mention.
    for (const { arg, param } of pending) {
      const expected = bindings.size ? substitute(param.type, bindings) : param.type;
      const t = this.checkValue(arg.value, expected.kind === 'typeParameter' ? undefined : expected, scope);
      bindTypeParameters(param.type, t, bindings);
      const want = substitute(param.type, bindings);
      if (!isAssignable(t, want)) {
        this.report('type-mismatch', arg.value.range, `Input '${param.name}' of '${sig.name}' expects '${this.t(want)}', but got '${this.t(t)}'.`);
      }
    }
    sig.params.forEach((p, i) => {
      if (!p.optional && !given.has(i)) {
        this.report('missing-argument', calleeRange, `Missing argument for input '${p.name}' of '${sig.name}'.`);
      }
    });
    const outputs = sig.outputs.map((o) => ({ name: o.name, type: substitute(o.type, bindings) }));
    return callValueType(outputs);
  }
}

function kindPhrase(kind: ElementSymbol['kind']): string {
  return kind === 'structure' ? 'a structure' : kind === 'serverAction' ? 'a server action' : 'a screen';
}

function notAValue(name: string, kind: ElementSymbol['kind']): string {
  if (kind === 'serverAction') return `'${name}' is a server action: call it with '(…)'.`;
  if (kind === 'structure') return `'${name}' is a structure, not a value: create one with '${name} { … }'.`;
  return `'${name}' is a screen, not a value.`;
}

function notCallable(name: string, kind: ElementSymbol['kind']): string {
  if (kind === 'structure') return `'${name}' is a structure and cannot be called: create one with '${name} { … }'.`;
  return `'${name}' is ${kindPhrase(kind)} and cannot be called.`;
}

/**
 * `semver.satisfies` that treats an invalid range as unsatisfied instead of throwing. Answers are
 * kept per (version, range) pair (issue 15: the checker asks once per qualified reference, and
 * `semver` parses the range anew each time); the pairs come from manifests, so there are few.
 */
export function safeSatisfies(version: string, range: string): boolean {
  const key = `${version}\0${range}`;
  let ok = satisfiesCache.get(key);
  if (ok === undefined) {
    try {
      ok = semver.satisfies(version, range);
    } catch {
      ok = false;
    }
    if (satisfiesCache.size >= 10_000) satisfiesCache.clear();
    satisfiesCache.set(key, ok);
  }
  return ok;
}

const satisfiesCache = new Map<string, boolean>();
