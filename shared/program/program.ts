/**
 * The Program: the semantic model of one environment (SPEC 2, 3), queried per user.
 *
 * ```ts
 * const program = new Program(env, { readFile: (p) => overlay.get(p) ?? readFileOrUndefined(p) });
 * const view = program.forUser('bob');          // access decided first (SPEC 2.3)
 * view.diagnostics('/env/portal/Main.logic');   // Diagnostic[] of one file the user can read
 * view.allDiagnostics();                        // what `protected-modules check` prints
 * view.interfaceOf('OrderAPI');                 // SPEC 3.5 / `protectedModules/moduleInterface`
 * program.updateFile('/env/portal/Main.logic'); // after an edit: re-parse that file only
 * ```
 *
 * Caching (incremental-friendly; nothing whole-environment per query):
 * - parse results per file, keyed by the file's text (a file is re-read from the host at
 *   `updateFile(path)` and re-parsed only when its text changed, and then only the declarations
 *   the change touched: `incremental.ts`);
 * - one symbol table per module (`binder.ts`), rebuilt only for the module of an updated file;
 * - signatures, structure fields and rendered interfaces, each kept while the symbol tables it
 *   was resolved or rendered from are the same objects (until `updateEnvironment`);
 * - per-user views (`forUser`) cache access decisions (until `updateEnvironment`) and check
 *   results per file (until any update), re-checked incrementally: only the declarations that
 *   changed or whose lookups (own and other modules' elements) find something else now
 *   (`checker.ts`, `checkFileIncremental`).
 * Call `updateFile(path)` whenever the host's text of a `.logic` file changes (open, edit, close,
 * on-disk change, creation, deletion) and `updateEnvironment(env)` when `environment.json` or a
 * `module.json` changed or modules appeared/disappeared.
 *
 * No leak (SPEC 4): only the {@link UserProgram} methods decide by access; the Program's own
 * methods (`sourceFile`, `moduleSymbols`, `renderedInterface`, …) are unfiltered and for the
 * server's internal use — never send their results to a client without a view's decision.
 *
 * Positions are LSP's (0-based line, 0-based UTF-16 character); paths are absolute.
 */
import { findNodeAtLocation, parseTree } from 'jsonc-parser';
import type { Expression, Identifier, Node, Position, Range, ServerActionDecl, SourceFile, StructureDecl, TypeNode } from '../language/ast';
import type { Diagnostic } from '../language/diagnostics';
import type { Environment, FileDiagnostic, ModuleInfo, ModuleManifest } from '../environment/model';
import { findModuleForPath } from '../environment/load';
import { type AccessDecision, type UserSummary } from '../access/resolve';
import { AccessGate } from '../access/gate';
import { type AccessLevel, atLeast } from '../access/levels';
import { parse, parseSteps } from '../language/parser';
import { reparse } from '../language/incremental';
import { LineIndex } from '../language/text';
import { comparePositions, findNodePath, rangeContains } from '../language/visit';
import { type Builtin, BUILTINS, getBuiltin } from '../language/builtins';
import { type StructureType, type Type, ERROR_TYPE, listOf, typeToString } from '../language/types';
import { type ElementSymbol, type ModuleSymbols, asStructure, bindModule } from './binder';
import {
  type CheckContext,
  type CheckResult,
  type FieldInfo,
  type LocalSymbol,
  type Resolution,
  type Signature,
  type SignatureParam,
  actionSignature,
  builtinSignature,
  checkFileIncremental,
  checkFileSteps,
  type IncrementalCheck,
  declaredType,
  docText,
  safeSatisfies,
} from './checker';
import {
  type InterfaceLayoutElement,
  type RenderedElement,
  type RenderedInterface,
  docCommentMarkdown,
  docMarkdown,
  interfaceLayout,
  renderInterface,
} from './interface';

export type { CheckResult, FieldInfo, LocalSymbol, Resolution, Signature, SignatureParam } from './checker';
export type { ElementSymbol, ModuleSymbols } from './binder';
export type { RenderedElement, RenderedInterface } from './interface';
export type { AccessDecision, UserSummary } from '../access/resolve';

/** Where the Program gets file texts from. */
export interface ProgramHost {
  /**
   * The current text of a file (the server overlays open editor buffers; the CLI reads the
   * disk), or `undefined` when it does not exist or cannot be read. Absolute path in.
   */
  readFile(path: string): string | undefined;
  /**
   * Like `readFile`, with the identity of the file read (`"<device>:<inode>"`; absent for an
   * unsaved buffer). When given, parse results are kept per identity: a different file at the same
   * path is parsed from scratch, never reusing the other file's tree (SPEC 4.1).
   */
  readFileWithIdentity?(path: string): { text: string; id?: string } | undefined;
}

/** Where a symbol is declared: a source file (user has ≥ open) or a module's interface document. */
export type SymbolLocation = { kind: 'source'; path: string; range: Range } | { kind: 'interface'; module: string; range: Range };

/** The kinds of symbols `symbolAt` reports. */
export type SymbolKind = 'module' | 'structure' | 'serverAction' | 'screen' | 'clientAction' | 'field' | 'param' | 'output' | 'local' | 'builtin';

/** Module facts for hovers: only what the user may see at `list` (name, version, owner, description). */
export interface ModuleFacts {
  name: string;
  version: string;
  owner: string;
  description?: string;
  protected: boolean;
  kind: ModuleManifest['kind'];
  access: AccessLevel;
  /** SPEC 9: set for a sealed module, with the publisher named in its seal. */
  sealed?: { publisher: string };
}

/** A resolved symbol, as the user may see it (see {@link UserProgram.symbolAt}). */
export interface SymbolInfo {
  kind: SymbolKind;
  name: string;
  /** The module of a module-level element, field, input/output or the module itself. */
  module?: string;
  /** For a field: its structure; for an input/output: its action. */
  container?: string;
  /** The declaration; absent for built-ins and modules below `open`. */
  location?: SymbolLocation;
  /** The value type (locals, inputs, outputs, fields). */
  type?: Type;
  /** `type` rendered for this user (hidden names replaced). */
  typeText?: string;
  /** One line in Logic syntax: `server action CreateOrder(customerId: Text) returns (orderId: Text)`, `quantity: Integer`. */
  signature: string;
  /** Markdown doc comment. */
  documentation?: string;
  /** The facts of `module`, when it is a module the user can list. */
  moduleFacts?: ModuleFacts;
  /** An identity for {@link UserProgram.references}; equal keys are the same symbol. */
  key: string;
}

/** A name in scope at a position (see {@link UserProgram.scopeAt}). */
export interface ScopeEntry {
  name: string;
  kind: 'param' | 'output' | 'local' | 'clientAction';
  type: Type;
  typeText: string;
  /** Range of the declaring identifier in the same file. */
  range: Range;
  documentation?: string;
}

/** A member of a value (structure field or output of a multi-output call). */
export interface MemberInfo {
  name: string;
  kind: 'field' | 'output';
  type: Type;
  typeText: string;
  documentation?: string;
}

/** One input of a call's callee, for signature help and named-argument completion. */
export interface CallParameterInfo {
  name: string;
  /** `name: Type` or `name: Type = default`. */
  label: string;
  typeText: string;
  optional: boolean;
  documentation?: string;
}

/** The call around a position (see {@link UserProgram.callAt}). */
export interface CallInfo {
  /** The callee as written (`CreateOrder`, `OrderAPI.CreateOrder`). */
  name: string;
  /** `CreateOrder(customerId: Text, lines: List<OrderLine>) returns (orderId: Text)`. */
  label: string;
  documentation?: string;
  params: CallParameterInfo[];
  /** Index into `params` of the argument at the position (named or positional); -1 when none. */
  activeParameter: number;
  /** Names of the inputs already given (positionally or by name). */
  givenInputs: string[];
  /** The callee symbol (element, built-in or client action). */
  callee: SymbolInfo;
  /** Range of the whole call. */
  range: Range;
}

/** An element of a module interface, in the shape of SPEC 4 `moduleInterface` `elements`. */
export interface InterfaceElementInfo {
  kind: 'structure' | 'serverAction';
  name: string;
  signature: string;
  documentation?: string;
  /** Range of the declaration in `text`. */
  range: Range;
}

/** A module's interface as a user may see it (SPEC 3.5, SPEC 4 `moduleInterface` minus `uri`). */
export interface ModuleInterface {
  module: string;
  version: string;
  owner: string;
  access: AccessLevel;
  text: string;
  elements: InterfaceElementInfo[];
}

/** A module as listed for a user (access ≥ list). */
export interface VisibleModule {
  info: ModuleInfo;
  manifest: ModuleManifest;
  access: AccessDecision;
}

interface ParseEntry {
  text: string;
  /** The identity of the file the text was read from (device:inode), when the host tells it. */
  id?: string;
  file: SourceFile;
  /** False after `updateFile`: re-read the host before use. */
  fresh: boolean;
}

/**
 * A module's public elements sorted by name (cached per symbol table): what a user below `open`
 * gets in lists, since the order of files and declarations is private (SPEC 4.1).
 */
function publicByName(symbols: ModuleSymbols): ElementSymbol[] {
  let list = publicSorted.get(symbols);
  if (!list) publicSorted.set(symbols, (list = [...symbols.publicElements].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))));
  return list;
}

const publicSorted = new WeakMap<ModuleSymbols, ElementSymbol[]>();

/** {@link Program.interfaceLayout} per symbol table (a module's declarations: an update of a file rebuilds its module's table). */
const layouts = new WeakMap<ModuleSymbols, Map<string, InterfaceLayoutElement>>();

/** Module names and the symbol tables looked up for them, flattened: `[name, table, name, table, …]`. */
type TablesUsed = (string | ModuleSymbols | undefined)[];

/** A lookup that also records each module it was asked for and the table it gave (once per module). */
function recordingLookup(lookup: (m: string) => ModuleSymbols | undefined, into: TablesUsed): (m: string) => ModuleSymbols | undefined {
  return (m) => {
    const t = lookup(m);
    let seen = false;
    for (let i = 0; i < into.length; i += 2) if (into[i] === m) seen = true;
    if (!seen) into.push(m, t);
    return t;
  };
}

/**
 * The semantic model of one environment. See the file comment for caching and No leak.
 */
export class Program {
  private env: Environment;
  private readonly host: ProgramHost;
  private readonly parses = new Map<string, ParseEntry>();
  private readonly symbols = new Map<string, ModuleSymbols>(); // by module folder
  private byName = new Map<string, ModuleInfo>();
  private byFile = new Map<string, ModuleInfo>();
  private extraFiles = new Map<string, Set<string>>(); // module folder → .logic files not in info.files
  private reverseDeps?: Map<string, string[]>;
  /** Signatures and structure fields, each with the symbol tables its types were resolved in (valid while they are the same objects). */
  private signatures = new WeakMap<object, { value: Signature; tables: TablesUsed }>();
  private fields = new WeakMap<StructureDecl, { value: FieldInfo[]; tables: TablesUsed }>();
  /** Rendered interfaces, with the symbol tables (the module's, then its external type modules') they were rendered from. */
  private interfaces = new Map<string, { r: RenderedInterface | null; tables: (ModuleSymbols | undefined)[] }>();
  private externalRefs = new Map<string, { symbols: ModuleSymbols; list: string[] }>();
  private views = new Map<string | null, UserProgram>();
  private gen = 0;

  /**
   * @param env the environment as loaded by `loadEnvironment` (SPEC 2)
   * @param host the source of file texts (overlay of open buffers in the server)
   */
  constructor(env: Environment, host: ProgramHost) {
    this.env = env;
    // SPEC 9: a sealed module's only source is the INTERFACE.logic text verified at load; nothing
    // else inside its folder is ever read (the disk may have changed since the verification).
    const sealed = (p: string) => !!this.moduleOfPath(p)?.sealed;
    this.host = {
      readFile: (p: string) => (sealed(p) ? this.sealedText(p) : host.readFile(p)),
      ...(host.readFileWithIdentity
        ? {
            readFileWithIdentity: (p: string) => {
              if (!sealed(p)) return host.readFileWithIdentity!(p);
              const text = this.sealedText(p);
              return text === undefined ? undefined : { text, id: 'sealed' };
            },
          }
        : {}),
    };
    this.index();
  }

  /** The verified interface text of a sealed module's `INTERFACE.logic` (SPEC 9), else `undefined`. */
  private sealedText(path: string): string | undefined {
    const m = this.moduleOfPath(path);
    return m?.sealed?.valid && m.files[0] === path ? m.sealed.interfaceText : undefined;
  }

  /** The current environment. */
  get environment(): Environment {
    return this.env;
  }

  /** A counter bumped by every `updateFile`/`updateEnvironment` (for callers' own caches). */
  get generation(): number {
    return this.gen;
  }

  /**
   * Tells the Program that the host's text of `path` may have changed (or the file appeared or
   * disappeared). Only that file is re-read (lazily) and only its module's symbol table rebuilt.
   * A `.logic` file inside a module folder that is not in `ModuleInfo.files` (a new file) is added
   * to the module. Paths that belong to no module are ignored.
   */
  updateFile(path: string): void {
    this.gen++;
    const entry = this.parses.get(path);
    if (entry) {
      entry.fresh = false;
      // Re-parsed now, one change at a time: the incremental parser then sees each edit alone,
      // not two edits far apart merged into one span (incremental.ts).
      if (path.endsWith('.logic')) this.sourceFile(path);
    }
    const info = this.moduleOfPath(path);
    if (info) {
      if (path.endsWith('.logic') && !info.files.includes(path) && !info.sealed) {
        let set = this.extraFiles.get(info.folder);
        if (!set) this.extraFiles.set(info.folder, (set = new Set()));
        if (this.host.readFile(path) === undefined) set.delete(path);
        else set.add(path);
      }
      this.symbols.delete(info.folder);
    }
    // Rendered interfaces stay: each is re-validated against the symbol tables it came from
    // (issue 15: an edit of a consumer no longer re-renders every interface a hover needs).
    this.clearDerived(false);
  }

  /**
   * Replaces the environment (after `environment.json` or a `module.json` changed, or modules
   * were added/removed). Parse results are kept (keyed by text); symbol tables are rebuilt
   * lazily; every user's access is decided again.
   */
  updateEnvironment(env: Environment): void {
    this.gen++;
    this.env = env;
    for (const e of this.parses.values()) e.fresh = false;
    this.symbols.clear();
    this.extraFiles.clear();
    this.views.clear();
    this.index();
    this.clearDerived();
  }

  private index(): void {
    this.byName = new Map();
    this.byFile = new Map();
    for (const m of this.env.modules) {
      if (m.manifest && !this.byName.has(m.manifest.name)) this.byName.set(m.manifest.name, m);
      for (const f of m.files) this.byFile.set(f, m);
      this.byFile.set(m.manifestPath, m);
    }
    this.reverseDeps = undefined;
  }

  /**
   * Drops derived data after an environment change (`all`: manifests, access): signatures,
   * fields, rendered interfaces. After a file's update nothing is dropped: each of them is
   * re-validated against the symbol tables it came from.
   */
  private clearDerived(all = true): void {
    if (all) {
      this.signatures = new WeakMap();
      this.fields = new WeakMap();
      this.interfaces.clear();
      this.externalRefs.clear();
    }
  }

  /** The per-user view (cached per user until `updateEnvironment`). `null`: no user set (fail closed, SPEC 2.3 rule 1). */
  forUser(user: string | null): UserProgram {
    let v = this.views.get(user);
    if (!v) this.views.set(user, (v = new UserProgram(this, user)));
    return v;
  }

  // ----- unfiltered, internal queries (no access decision: never forward to a client as is)

  /** The valid module named `name` (first by path if names clash), unfiltered. */
  moduleByName(name: string): ModuleInfo | undefined {
    return this.byName.get(name);
  }

  /** The module containing `path` (valid or not), or `undefined`. Unfiltered. */
  moduleOfPath(path: string): ModuleInfo | undefined {
    if (!path) return undefined;
    return this.byFile.get(path) ?? findModuleForPath(this.env, path);
  }

  /** The `.logic` files of a module (`ModuleInfo.files` plus files added by `updateFile`), sorted. */
  filesOf(info: ModuleInfo): string[] {
    const extra = this.extraFiles.get(info.folder);
    return extra && extra.size ? [...new Set([...info.files, ...extra])].sort() : info.files;
  }

  /** The parsed file (cached by text), or `undefined` when the host cannot read it. Unfiltered. */
  sourceFile(path: string): SourceFile | undefined {
    const entry = this.parses.get(path);
    if (entry?.fresh) return entry.file;
    const read = this.host.readFileWithIdentity ? this.host.readFileWithIdentity(path) : wrapText(this.host.readFile(path));
    if (read === undefined) {
      this.parses.delete(path);
      return undefined;
    }
    const { text, id } = read;
    const same = entry && entry.id === id;
    if (entry && same && entry.text === text) {
      entry.fresh = true;
      return entry.file;
    }
    // Re-parse only the declarations an edit touched (node identity kept for the rest, so the
    // checker keeps their results); the old tree is given up (incremental.ts). Another file at
    // the same path (another identity) is parsed from scratch.
    const file = (entry && same && reparse(entry.text, entry.file, text)) || parse(text);
    this.parses.set(path, { text, id, file, fresh: true });
    return file;
  }

  /**
   * {@link sourceFile} in the background: a file not parsed yet is parsed a few declarations per
   * `pause()` (issue 15), and the tree installed only if nothing changed meanwhile (the Program's
   * generation; else it is dropped and a later {@link sourceFile} parses again). A file with an
   * earlier parse is brought up to date at once (incrementally, as {@link sourceFile} does).
   *
   * @returns false when `stop()` said so after a pause (nothing installed)
   */
  async prepareSourceFile(path: string, pause: () => Promise<void>, stop: () => boolean): Promise<boolean> {
    if (this.parses.get(path)?.fresh) return true;
    if (this.parses.has(path)) {
      this.sourceFile(path);
      return true;
    }
    const read = this.host.readFileWithIdentity ? this.host.readFileWithIdentity(path) : wrapText(this.host.readFile(path));
    if (read === undefined) return true;
    const gen = this.gen;
    const steps = parseSteps(read.text, 8);
    for (;;) {
      const r = steps.next();
      if (r.done) {
        if (this.gen === gen && !this.parses.has(path)) this.parses.set(path, { text: read.text, id: read.id, file: r.value, fresh: true });
        return true;
      }
      await pause();
      if (stop()) return false;
      if (this.gen !== gen || this.parses.has(path)) return true; // changed or parsed meanwhile: leave it to sourceFile
    }
  }

  /** True when `path`'s parse is current (a call of {@link sourceFile} would not read or parse it). */
  isParsed(path: string): boolean {
    return this.parses.get(path)?.fresh === true;
  }

  /** The symbol table of a module (valid or not), built on first use. Unfiltered. */
  symbolsOf(info: ModuleInfo): ModuleSymbols {
    let s = this.symbols.get(info.folder);
    if (!s) {
      const files: { path: string; file: SourceFile }[] = [];
      for (const path of this.filesOf(info)) {
        const file = this.sourceFile(path);
        if (file) files.push({ path, file });
      }
      s = bindModule(info, files);
      this.symbols.set(info.folder, s);
    }
    return s;
  }

  /** The symbol table of the valid module `name`. Unfiltered. */
  moduleSymbols(name: string): ModuleSymbols | undefined {
    const info = this.byName.get(name);
    return info ? this.symbolsOf(info) : undefined;
  }

  /**
   * The signature of a server action element (types resolved in its module). Kept while the
   * symbol tables its types were looked up in are the same objects (issue 15: an edit in a
   * consumer no longer drops the signatures of every action it calls).
   */
  signatureOf(sym: ElementSymbol): Signature {
    const lookup = (m: string) => this.lookupFrom(sym.module, m);
    const cached = this.signatures.get(sym.decl);
    if (cached && this.stillSame(cached.tables, lookup)) return cached.value;
    const tables: TablesUsed = [];
    const value = actionSignature(sym.decl as ServerActionDecl, sym.module, recordingLookup(lookup, tables), { kind: 'element', symbol: sym });
    this.signatures.set(sym.decl, { value, tables });
    return value;
  }

  /** True when every table in `tables` is still what `lookup` gives for its module. */
  private stillSame(tables: TablesUsed, lookup: (m: string) => ModuleSymbols | undefined): boolean {
    for (let i = 0; i < tables.length; i += 2) if (lookup(tables[i] as string) !== tables[i + 1]) return false;
    return true;
  }

  private lookupFrom(own: string, m: string): ModuleSymbols | undefined {
    if (m === own) {
      const info = this.byName.get(own);
      return info ? this.symbolsOf(info) : undefined;
    }
    return this.moduleSymbols(m);
  }

  /** The fields of a structure type, or `undefined` when it names no structure. */
  fieldsOf(t: StructureType, ownSymbols?: ModuleSymbols): FieldInfo[] | undefined {
    const symbols = ownSymbols && ownSymbols.module === t.module ? ownSymbols : this.moduleSymbols(t.module);
    const owner = symbols?.elements.get(t.name);
    const decl = asStructure(owner);
    if (!owner || !decl) return undefined;
    const lookup = (m: string) => (m === t.module && symbols ? symbols : this.moduleSymbols(m));
    const cached = this.fields.get(decl);
    if (cached && cached.value[0]?.owner === owner && this.stillSame(cached.tables, lookup)) return cached.value;
    const tables: TablesUsed = [];
    const recording = recordingLookup(lookup, tables);
    const value = decl.fields
      .filter((x) => x.name.name)
      .map((x) => ({ name: x.name.name, type: declaredType(x.type, t.module, recording), documentation: docText(x.doc), decl: x, owner }));
    this.fields.set(decl, { value, tables });
    return value;
  }

  /**
   * Where the names of a valid module's elements (and of its structures' fields) are in its
   * interface document, without rendering it (`interfaceLayout`, shared/program/interface.ts):
   * what go to definition needs. Cached per symbol table. Unfiltered.
   */
  interfaceLayout(name: string): Map<string, InterfaceLayoutElement> | undefined {
    const symbols = this.moduleSymbols(name);
    if (!symbols || !this.byName.get(name)?.manifest) return undefined;
    let layout = layouts.get(symbols);
    if (!layout) layouts.set(symbols, (layout = interfaceLayout(symbols.all.map((s) => s.decl))));
    return layout;
  }

  /**
   * The interface document of a valid module (SPEC 3.5), rendered once and cached; the same
   * text for every user with ≥ reference. Unfiltered.
   */
  renderedInterface(name: string, canSeeModule: (module: string) => boolean = () => true): RenderedInterface | undefined {
    const info = this.byName.get(name);
    if (!info?.manifest) return undefined;
    const symbols = this.symbolsOf(info);
    // The text depends on which other modules' public structures the reader may see (SPEC 4.1:
    // a hidden module's structure is a placeholder, like an unresolvable type): one cache entry
    // per combination actually asked for.
    const external = this.externalTypeModules(name, symbols);
    const key = `${name}\0${external.map((m) => (canSeeModule(m) ? '1' : '0')).join('')}`;
    // Valid while the module's symbol table and those of the modules its public types name are
    // the same objects (an update of a file rebuilds its module's table).
    const tables = [symbols, ...external.map((m) => this.moduleSymbols(m))];
    const cached = this.interfaces.get(key);
    if (cached && cached.tables.length === tables.length && cached.tables.every((t, i) => t === tables[i])) return cached.r ?? undefined;
    const r = renderInterface(
      { name, version: info.manifest.version, owner: info.manifest.owner },
      symbols.all.map((s) => s.decl),
      {
        publicTypeName: (n) => {
          const target = n.module && n.module.name !== name ? n.module.name : name;
          if (target !== name && !canSeeModule(target)) return undefined;
          const t = declaredType(n, name, (m) => (m === name ? symbols : this.moduleSymbols(m)));
          if (t.kind !== 'structure') return undefined;
          const sym = (target === name ? symbols : this.moduleSymbols(target))?.elements.get(t.name);
          if (!sym?.isPublic) return undefined;
          return target === name ? t.name : `${target}.${t.name}`;
        },
      },
    );
    this.interfaces.set(key, { r, tables });
    return r;
  }

  /**
   * Other modules named by types of the module's public elements (sorted, cached while the module's
   * symbol table is the same): the only other modules its interface document depends on
   * (`renderedInterface`). Unfiltered.
   */
  externalTypeModules(name: string, symbols: ModuleSymbols): string[] {
    const cached = this.externalRefs.get(name);
    let list = cached?.symbols === symbols ? cached.list : undefined;
    if (!list) {
      const found = new Set<string>();
      const visit = (t: TypeNode | undefined): void => {
        if (!t) return;
        if (t.kind === 'ListType') visit(t.element);
        else if (t.kind === 'NamedType' && t.module && t.module.name !== name) found.add(t.module.name);
      };
      for (const s of symbols.all) {
        if (!s.isPublic) continue;
        const d = s.decl;
        if (d.kind === 'Structure') for (const f of d.fields) visit(f.type);
        else if (d.kind === 'ServerAction') for (const p of [...d.params, ...d.returns]) visit(p.type);
      }
      list = [...found].sort();
      this.externalRefs.set(name, { symbols, list });
    }
    return list;
  }

  /** Names of the valid modules that list `name` in their dependencies (for re-checking dependents). */
  dependentsOf(name: string): string[] {
    if (!this.reverseDeps) {
      const rev = new Map<string, string[]>();
      for (const m of this.env.modules) {
        if (!m.manifest || this.byName.get(m.manifest.name) !== m) continue;
        for (const d of Object.keys(m.manifest.dependencies)) {
          let list = rev.get(d);
          if (!list) rev.set(d, (list = []));
          list.push(m.manifest.name);
        }
      }
      this.reverseDeps = rev;
    }
    return this.reverseDeps.get(name) ?? [];
  }

  /** The host's text of a file (uncached). */
  readText(path: string): string | undefined {
    return this.host.readFile(path);
  }
}

function wrapText(text: string | undefined): { text: string; id?: string } | undefined {
  return text === undefined ? undefined : { text };
}

function computeCycles(byName: Map<string, ModuleInfo>): Map<string, Set<string>> {
  // Tarjan's strongly connected components over valid modules.
  const deps = (n: string) => Object.keys(byName.get(n)?.manifest?.dependencies ?? {}).filter((d) => byName.has(d));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const comp = new Map<string, number>();
  let counter = 0;
  let compCount = 0;
  const strong = (v: string) => {
    // iterative to survive long chains
    const work: { v: string; i: number; ds: string[] }[] = [{ v, i: 0, ds: deps(v) }];
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    while (work.length) {
      const top = work[work.length - 1];
      if (top.i < top.ds.length) {
        const w = top.ds[top.i++];
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push({ v: w, i: 0, ds: deps(w) });
        } else if (onStack.has(w)) {
          low.set(top.v, Math.min(low.get(top.v)!, index.get(w)!));
        }
      } else {
        work.pop();
        if (work.length) {
          const parent = work[work.length - 1].v;
          low.set(parent, Math.min(low.get(parent)!, low.get(top.v)!));
        }
        if (low.get(top.v) === index.get(top.v)) {
          let w: string;
          do {
            w = stack.pop()!;
            onStack.delete(w);
            comp.set(w, compCount);
          } while (w !== top.v);
          compCount++;
        }
      }
    }
  };
  for (const n of byName.keys()) if (!index.has(n)) strong(n);
  const out = new Map<string, Set<string>>();
  for (const n of byName.keys()) {
    const set = new Set<string>();
    for (const d of deps(n)) if (d === n || comp.get(d) === comp.get(n)) set.add(d);
    if (set.size) out.set(n, set);
  }
  return out;
}

/**
 * The `read-only-module` diagnostic (SPEC 3.4) the server reports on an edited file in a module
 * the user may not change (access below `change`), at the start of the file (0:0–0:0).
 *
 * @param module the module's name (the user can read the file, so may see it)
 * @param access the user's access on it
 * @returns the diagnostic, or `undefined` when the user may change the module
 */
export function readOnlyDiagnostic(module: string, access: AccessLevel): Diagnostic | undefined {
  if (atLeast(access, 'change')) return undefined;
  return {
    code: 'read-only-module',
    severity: 'error',
    message: `Module '${module}' is read-only for you (your access is '${access}'; 'change' is needed to edit it): changes to this file cannot be saved.`,
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
  };
}

const START: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/**
 * The Program as one user sees it. Every method decides by access first (SPEC 2.3, 4 "No leak"):
 * sources and private names only at ≥ open, public signatures/docs at ≥ reference, module facts at
 * ≥ list, nothing at none (a module at `none` answers exactly like a non-existent one).
 */
export class UserProgram {
  private readonly checks = new Map<string, { gen: number; result: CheckResult; module: ModuleInfo }>();
  /** {@link completionElements} per module, with the symbol tables it was computed from. */
  private readonly completionCache = new Map<
    string,
    { deps: Map<string, ModuleSymbols | undefined>; items: { name: string; kind: ElementSymbol['kind']; signature: string }[] }
  >();
  /** {@link cyclicDependencies} over the modules this user can list (the view lives until the environment changes). */
  private cycles?: Map<string, Set<string>>;
  /** The last check of each file, for the next incremental check (checker.ts). */
  private readonly incremental = new Map<string, IncrementalCheck>();

  /** The one access decision (SPEC 4.1) for this user in this environment. */
  private readonly gate: AccessGate;

  /** @internal use `program.forUser(user)`. */
  constructor(
    private readonly program: Program,
    readonly user: string | null,
  ) {
    this.gate = new AccessGate(program.environment, user);
  }

  /** Who the user is (SPEC 4 `whoami` minus `user`). */
  info(): UserSummary {
    return this.gate.userSummary;
  }

  // ----- access (every decision is the gate's, shared/access/gate.ts)

  /** The access gate of this view (SPEC 4.1): the file-system requests decide paths through it. */
  get accessGate(): AccessGate {
    return this.gate;
  }

  /** The user's effective access on the module named `moduleName` (`none` + a neutral reason when it does not exist). */
  access(moduleName: string): AccessDecision {
    return this.gate.access(moduleName);
  }

  /** The user's access on a module found on disk (valid or not; an invalid manifest counts as protected). */
  moduleAccess(info: ModuleInfo): AccessDecision {
    return this.gate.moduleAccess(info);
  }

  /** The module of a path and the user's access on it (`none` and no module outside modules). */
  accessForPath(path: string): { module?: ModuleInfo; decision: AccessDecision } {
    const module = this.program.moduleOfPath(path);
    // A path the gate hides (a dot-folder or `node_modules` inside a module, SPEC 2) is in no module.
    if (!module || this.gate.decidePath(path).kind === 'missing') return { decision: { level: 'none', reason: 'The path is not inside a module.' } };
    return { module, decision: this.moduleAccess(module) };
  }

  /** True when the user may read the sources of the module containing `path` (≥ open through every enclosing module). */
  canRead(path: string): boolean {
    const { module, decision } = this.accessForPath(path);
    return !!module && atLeast(decision.level, 'open');
  }

  /** The module of a path the user may read (≥ open), else `undefined`. */
  readableModuleOf(path: string): ModuleInfo | undefined {
    const { module, decision } = this.accessForPath(path);
    return module && atLeast(decision.level, 'open') ? module : undefined;
  }

  /** The text of a file the user may read (≥ open on its module), else `undefined`. */
  readableText(path: string): string | undefined {
    return this.canRead(path) ? this.program.readText(path) : undefined;
  }

  /**
   * The element symbol named `name` of `module`, when the user may see it: public at ≥ reference,
   * any at ≥ open. For navigation inside the server; never serialise its declaration.
   */
  elementSymbol(module: string, name: string): ElementSymbol | undefined {
    const level = this.access(module).level;
    if (!atLeast(level, 'reference')) return undefined;
    const sym = this.program.moduleSymbols(module)?.elements.get(name);
    if (!sym || (!sym.isPublic && !atLeast(level, 'open'))) return undefined;
    return sym;
  }

  /**
   * The module named `name` (valid, first of its name) when the user can see it (≥ list), else
   * `undefined` — to tell whether a module found on disk is the one its name resolves to.
   */
  visibleModule(name: string): ModuleInfo | undefined {
    return this.gate.visibleModule(name)?.module;
  }

  /** The symbol table of a module the user may read (≥ open), else `undefined`. Navigation only: never serialise it. */
  readableSymbols(module: string | ModuleInfo): ModuleSymbols | undefined {
    const info = typeof module === 'string' ? this.program.moduleByName(module) : module;
    if (!info || !atLeast(this.moduleAccess(info).level, 'open')) return undefined;
    return this.program.symbolsOf(info);
  }

  /**
   * The consumers of `module` this user may name (SPEC 10): the modules that depend on it at ≥
   * `list` for the user, in name order, each with its parsed files (for counting call sites) and
   * whether the user may read each file (locations only then); files and symbols are parsed and
   * bound when asked for. Only for users with `full` on
   * `module`, else `undefined`. Never serialise the files.
   */
  consumerSources(module: string):
    | {
        name: string;
        access: AccessLevel;
        info: ModuleInfo;
        symbols: () => ModuleSymbols;
        files: { path: string; file: () => SourceFile | undefined; readable: boolean }[];
      }[]
    | undefined {
    if (!atLeast(this.access(module).level, 'full') || !this.program.moduleByName(module)) return undefined;
    const out: NonNullable<ReturnType<UserProgram['consumerSources']>> = [];
    for (const name of [...new Set(this.program.dependentsOf(module))].sort()) {
      if (name === module) continue;
      const access = this.access(name).level;
      if (!atLeast(access, 'list')) continue; // not named, not counted (hidden is missing)
      const info = this.program.moduleByName(name);
      if (!info) continue;
      const files = this.program.filesOf(info).map((path) => ({ path, file: () => this.program.sourceFile(path), readable: this.canRead(path) }));
      out.push({ name, access, info, symbols: () => this.program.symbolsOf(info), files });
    }
    return out;
  }

  /** A counter bumped by every update of the Program (for callers' caches). */
  get generation(): number {
    return this.program.generation;
  }

  /** The valid modules the user can list (access ≥ list), in environment order. */
  visibleModules(): VisibleModule[] {
    const out: VisibleModule[] = [];
    for (const m of this.program.environment.modules) {
      if (!m.manifest || this.program.moduleByName(m.manifest.name) !== m) continue;
      const access = this.access(m.manifest.name);
      if (atLeast(access.level, 'list')) out.push({ info: m, manifest: m.manifest, access });
    }
    return out;
  }

  /** The module facts the user may see at `list`, or `undefined` below list / unknown module. */
  moduleFacts(moduleName: string): ModuleFacts | undefined {
    const level = this.access(moduleName).level;
    const m = this.program.moduleByName(moduleName)?.manifest;
    if (!m || !atLeast(level, 'list')) return undefined;
    return {
      name: m.name,
      version: m.version,
      owner: m.owner,
      ...(m.description !== undefined ? { description: m.description } : {}),
      protected: m.protected,
      kind: m.kind,
      access: level,
      ...(this.program.moduleByName(moduleName)?.sealed ? { sealed: { publisher: this.program.moduleByName(moduleName)!.sealed!.publisher } } : {}),
    };
  }

  // ----- files and diagnostics

  /** The parsed source of a file the user can read (≥ open on its module), else `undefined`. */
  sourceFile(path: string): SourceFile | undefined {
    return this.canRead(path) ? this.program.sourceFile(path) : undefined;
  }

  /**
   * The full check result of a readable `.logic` file (cached until the next update).
   * @internal Its tables hold unfiltered nodes and symbols of other modules (declarations with
   * bodies): use them to navigate, never serialize them to a client; use the other methods.
   */
  checkResult(path: string): CheckResult | undefined {
    const gen = this.program.generation;
    const cached = this.checks.get(path);
    if (cached && cached.gen === gen) return cached.result;
    const { module, decision } = this.accessForPath(path);
    if (!module || !atLeast(decision.level, 'open') || !path.endsWith('.logic')) return undefined;
    const file = this.program.sourceFile(path);
    if (!file) return undefined;
    // Only declarations that changed, or whose lookups find something else now, are checked
    // again (checker.ts, checkFileIncremental).
    const state = checkFileIncremental(this.context(module), file, this.incremental.get(path));
    this.incremental.set(path, state);
    const result = state.result;
    this.checks.set(path, { gen, result, module });
    return result;
  }

  /**
   * Brings the check of `path` up to date as {@link checkResult} would, without holding the event
   * loop for long (issue 15): a check from scratch (the file's first, or the first after an
   * environment change; a 5,000-line file takes hundreds of milliseconds) builds the symbol tables
   * of its module and dependencies a module at a time, then checks a declaration at a time, and
   * after about `sliceMs` of work `pause()` is awaited (the caller yields to the event
   * loop there, so requests are answered between slices). The work is private until it is
   * complete; it is dropped when the Program changed meanwhile, when `stop()` says so, or when a
   * request needed the check first and did it itself (`checkResult`). An incremental check (there
   * is a previous one) is short and left to `checkResult`. Access is decided as in `checkResult`.
   *
   * @param onSlice called with the length of each slice of work (ms), for timing
   */
  async prepareCheck(
    path: string,
    pause: () => Promise<void>,
    options: { sliceMs?: number; stop?: () => boolean; onSlice?: (ms: number) => void } = {},
  ): Promise<void> {
    const sliceMs = options.sliceMs ?? 4;
    const gen = this.program.generation;
    const cached = this.checks.get(path);
    if ((cached && cached.gen === gen) || this.incremental.has(path)) return;
    const { module, decision } = this.accessForPath(path);
    if (!module || !atLeast(decision.level, 'open') || !path.endsWith('.logic')) return;
    const file = this.program.sourceFile(path);
    if (!file) return;
    const overtaken = () => this.program.generation !== gen || this.checks.get(path)?.gen === gen || this.incremental.has(path) || !!options.stop?.();
    let t0 = performance.now();
    // The symbol tables the check looks up first (its module's, its dependencies'): their files
    // parsed one at a time, each table bound after its files (a slice ends after any of them once
    // it has run `sliceMs`: a module's files together take tens of milliseconds).
    const infos = [module];
    for (const m of Object.keys(module.manifest?.dependencies ?? {})) {
      const info = this.program.moduleByName(m);
      if (info) infos.push(info);
    }
    for (const info of infos) {
      for (const step of [...this.program.filesOf(info).map((f) => () => void this.program.sourceFile(f)), () => void this.program.symbolsOf(info)]) {
        step();
        if (performance.now() - t0 >= sliceMs) {
          options.onSlice?.(performance.now() - t0);
          await pause();
          if (overtaken()) return;
          t0 = performance.now();
        }
      }
    }
    const steps = checkFileSteps(this.context(module), file);
    for (;;) {
      const r = steps.next();
      if (r.done) {
        options.onSlice?.(performance.now() - t0);
        if (overtaken()) return;
        this.incremental.set(path, r.value);
        this.checks.set(path, { gen, result: r.value.result, module });
        return;
      }
      if (performance.now() - t0 >= sliceMs) {
        options.onSlice?.(performance.now() - t0);
        await pause();
        if (overtaken()) return;
        t0 = performance.now();
      }
    }
  }

  /**
   * Parses the files of module `name` that completion, hover or go to definition on it would
   * parse on first use, one file per `pause()` (issue 15: a request waits for one file's parse at
   * most, not a whole module's), then binds its symbol table. Only for a module the user may
   * reference (else nothing happens); nothing is returned, so nothing can leak.
   *
   * @param stop checked after every pause: true abandons the work (a newer change came)
   * @returns false when stopped
   */
  async prepareModule(name: string, pause: () => Promise<void>, stop: () => boolean): Promise<boolean> {
    if (!atLeast(this.access(name).level, 'reference')) return true;
    const info = this.program.moduleByName(name);
    if (!info) return true;
    const parseAndBind = async (m: ModuleInfo): Promise<ModuleSymbols | undefined> => {
      for (const f of this.program.filesOf(m)) {
        if (this.program.isParsed(f)) continue;
        if (!(await this.program.prepareSourceFile(f, pause, stop))) return undefined;
        await pause();
        if (stop()) return undefined;
      }
      return this.program.symbolsOf(m);
    };
    const symbols = await parseAndBind(info);
    if (!symbols) return false;
    // The modules its public signatures' types name: its interface document looks their
    // structures up (each would otherwise be parsed whole while rendering it).
    for (const m of this.program.externalTypeModules(name, symbols)) {
      const other = this.program.moduleByName(m);
      if (other && !(await parseAndBind(other))) return false;
    }
    return true;
  }

  /** The checker's context for files of `module` (also used by tests). */
  context(module: ModuleInfo): CheckContext {
    const symbols = this.program.symbolsOf(module);
    const moduleName = module.name;
    const canSee = (t: StructureType) => this.canSeeStructure(t, moduleName);
    return {
      module,
      manifest: module.manifest,
      symbols,
      access: (m) => (m === moduleName && module.manifest ? this.moduleAccess(module).level : this.access(m).level),
      moduleSymbols: (m) => this.program.moduleSymbols(m),
      moduleManifest: (m) => this.program.moduleByName(m)?.manifest,
      // SPEC 4.1: a structure of a module the user cannot see enters the check as the error type,
      // exactly as a type of a module that does not exist (no member errors, no mismatches).
      signatureOf: (s) => this.hideSignature(this.program.signatureOf(s), moduleName),
      fieldsOf: (t) => this.hideFields(this.program.fieldsOf(t, symbols), moduleName),
      canSeeStructure: canSee,
      typeText: (t) => this.typeToString(t, moduleName, moduleName),
    };
  }

  /** `t` with every structure of a module the user cannot see (`none`) replaced by the error type. */
  private hideType(t: Type, own: string): Type {
    switch (t.kind) {
      case 'structure':
        return t.module !== own && this.access(t.module).level === 'none' ? ERROR_TYPE : t;
      case 'list': {
        const e = this.hideType(t.element, own);
        return e === t.element ? t : listOf(e);
      }
      case 'record': {
        const fields = t.fields.map((f) => ({ name: f.name, type: this.hideType(f.type, own) }));
        return fields.every((f, i) => f.type === t.fields[i].type) ? t : { kind: 'record', fields };
      }
      default:
        return t;
    }
  }

  private hideSignature(s: Signature, own: string): Signature {
    // Copies only when something is hidden (issue 15: this runs for every call the checker sees).
    const map = (ps: SignatureParam[]) => {
      let out: SignatureParam[] | undefined;
      for (let i = 0; i < ps.length; i++) {
        const type = this.hideType(ps[i].type, own);
        if (type !== ps[i].type) (out ??= ps.slice())[i] = { ...ps[i], type };
      }
      return out ?? ps;
    };
    const params = map(s.params);
    const outputs = map(s.outputs);
    return params === s.params && outputs === s.outputs ? s : { ...s, params, outputs };
  }

  private hideFields(fields: FieldInfo[] | undefined, own: string): FieldInfo[] | undefined {
    if (!fields) return fields;
    let out: FieldInfo[] | undefined;
    for (let i = 0; i < fields.length; i++) {
      const type = this.hideType(fields[i].type, own);
      if (type !== fields[i].type) (out ??= fields.slice())[i] = { ...fields[i], type };
    }
    return out ?? fields;
  }

  /**
   * Whether the user may see a structure's name and fields: public on a module at ≥ reference, or
   * any on a module at ≥ open. `readableModule`: a module the caller has verified the user can read
   * (its own structures count as visible even when its manifest is invalid).
   */
  canSeeStructure(t: StructureType, readableModule?: string): boolean {
    if (readableModule !== undefined && t.module === readableModule) return true;
    const level = this.access(t.module).level;
    if (atLeast(level, 'open')) return true;
    if (!atLeast(level, 'reference')) return false;
    return !!this.program.moduleSymbols(t.module)?.elements.get(t.name)?.isPublic;
  }

  /**
   * A type as this user may see it (No leak): a structure the user may not see is written
   * `Module.<private type>` (reference on its module), `Module.<hidden type>` (list) or
   * `<hidden type>` (none). Structures of `fromModule` are written unqualified (qualification
   * only; visibility is decided by access, or `readableModule` as in {@link canSeeStructure}).
   */
  typeToString(t: Type, fromModule?: string, readableModule?: string): string {
    return typeToString(t, {
      structureName: (s) => {
        if (this.canSeeStructure(s, readableModule)) return s.module === fromModule ? s.name : `${s.module}.${s.name}`;
        const level = this.access(s.module).level;
        if (atLeast(level, 'reference')) return `${s.module}.<private type>`;
        if (atLeast(level, 'list')) return `${s.module}.<hidden type>`;
        // Exactly what a type of a module that does not exist shows (SPEC 4.1: hidden is missing).
        return 'unknown';
      },
    });
  }

  /**
   * `t` with every structure the user may not see replaced by an {@link OpaqueType} whose text is
   * what {@link typeToString} shows (No leak: types returned by this view are always redacted).
   */
  redactType(t: Type, readableModule?: string): Type {
    switch (t.kind) {
      case 'structure':
        return this.canSeeStructure(t, readableModule) ? t : { kind: 'opaque', text: this.typeToString(t, undefined, readableModule) };
      case 'list':
        return listOf(this.redactType(t.element, readableModule));
      case 'record':
        return { kind: 'record', fields: t.fields.map((f) => ({ name: f.name, type: this.redactType(f.type, readableModule) })) };
      default:
        return t;
    }
  }

  /**
   * The diagnostics of one file for this user (SPEC 3.4), LSP ranges:
   * - a `.logic` file in a module with access ≥ open: syntax, binder and checker diagnostics;
   * - a `module.json` of a module with access ≥ open: `invalid-manifest`, `unknown-module` for a
   *   dependency the user cannot list, `dependency-version`, `dependency-cycle` on the dependency keys;
   * - `environment.json`: `invalid-environment`, and `unknown-user` (at 0:0) when the user is
   *   unknown or not set while the policy is valid;
   * - anything else, or a file the user may not read: `[]`.
   * Does not include `read-only-module` (see {@link readOnlyDiagnostic}).
   */
  diagnostics(path: string): Diagnostic[] {
    const env = this.program.environment;
    if (path === env.policyPath) return this.environmentDiagnostics().map(stripPath);
    const { module, decision } = this.accessForPath(path);
    if (module?.sealed && path === module.manifestPath) return this.sealDiagnostics(module);
    if (!module || !atLeast(decision.level, 'open')) return [];
    if (path === module.manifestPath) return this.manifestDiagnostics(module);
    const result = this.checkResult(path);
    if (!result) return [];
    const dups = this.program.symbolsOf(module).duplicates.get(path) ?? [];
    return [...result.diagnostics, ...dups].sort((a, b) => comparePositions(a.range.start, b.range.start));
  }

  /**
   * SPEC 9: the `invalid-seal` error of a sealed module's `module.json`, for admins only (nobody,
   * admins included, may open a sealed module; no other diagnostic of it is shown).
   */
  private sealDiagnostics(module: ModuleInfo): Diagnostic[] {
    if (!this.info().admin) return [];
    return module.diagnostics.filter((d) => d.code === 'invalid-seal').map(stripPath);
  }

  /** Every diagnostic this user sees (SPEC 6 `check`): environment.json, then per readable module its manifest and files. */
  allDiagnostics(): FileDiagnostic[] {
    const out: FileDiagnostic[] = [...this.environmentDiagnostics()];
    for (const m of this.program.environment.modules) {
      if (m.sealed) for (const d of this.sealDiagnostics(m)) out.push({ ...d, path: m.manifestPath });
      if (!atLeast(this.moduleAccess(m).level, 'open')) continue;
      for (const d of this.manifestDiagnostics(m)) out.push({ ...d, path: m.manifestPath });
      for (const f of this.program.filesOf(m)) for (const d of this.diagnostics(f)) out.push({ ...d, path: f });
    }
    return out;
  }

  /**
   * `environment.json`'s diagnostics as this user may see them: all of them for admins and, while
   * the policy is invalid, for everyone (the visible error of SPEC 2.3 rule 1); otherwise only
   * `unknown-user` (the policy names modules and users the user may not see, SPEC 4 no leak).
   */
  private environmentDiagnostics(): FileDiagnostic[] {
    const env = this.program.environment;
    const declaredAdmin = !env.policy && this.user !== null && !!env.declaredAdmins?.includes(this.user);
    let out: FileDiagnostic[];
    if (env.policy) out = this.info().admin ? [...env.policyDiagnostics] : [];
    else if (declaredAdmin) out = [...env.policyDiagnostics];
    else {
      // SPEC 4.1: the policy is the admins'; everyone else learns only that it is invalid.
      out = [
        {
          path: env.policyPath,
          code: 'invalid-environment',
          severity: 'error',
          message: 'The access policy (environment.json) is invalid, so access is restricted until an admin fixes it.',
          range: START,
        },
      ];
    }
    if (env.policy && !this.info().known) {
      out.push({
        path: env.policyPath,
        code: 'unknown-user',
        severity: 'error',
        message:
          this.user === null
            ? "No user is set (protectedModules.user, PROTECTED_MODULES_USER or --user): access is 'none' on protected modules and 'list' on the others."
            : `Unknown user '${this.user}': not a user of this environment, so access is 'none' on protected modules and 'list' on the others.`,
        range: START,
      });
    }
    return out;
  }

  private manifestDiagnostics(m: ModuleInfo): Diagnostic[] {
    const out: Diagnostic[] = m.diagnostics.map(stripPath);
    const manifest = m.manifest;
    if (!manifest || this.program.moduleByName(manifest.name) !== m) return out;
    const names = Object.keys(manifest.dependencies);
    if (!names.length) return out;
    const text = this.program.readText(m.manifestPath) ?? '';
    const keyRange = dependencyKeyRanges(text, names);
    const cyclic = this.cyclicDependencies(manifest.name);
    for (const dep of names) {
      const range = keyRange.get(dep) ?? START;
      const level = dep === manifest.name ? 'full' : this.access(dep).level;
      if (!atLeast(level, 'list')) {
        out.push({ code: 'unknown-module', severity: 'error', message: `Cannot find module '${dep}'.`, range });
        continue;
      }
      if (cyclic.has(dep)) {
        out.push({
          code: 'dependency-cycle',
          severity: 'error',
          message:
            dep === manifest.name ? `Module '${dep}' depends on itself.` : `Dependency cycle: '${dep}' depends, directly or indirectly, on '${manifest.name}'.`,
          range,
        });
      }
      const version = this.program.moduleByName(dep)?.manifest?.version;
      const wanted = manifest.dependencies[dep];
      if (version && !safeSatisfies(version, wanted)) {
        out.push({
          code: 'dependency-version',
          severity: 'error',
          message: `Module '${dep}' ${version} does not satisfy the dependency range '${wanted}' of '${manifest.name}'.`,
          range,
        });
      }
    }
    return out;
  }

  /**
   * The dependencies of `module` on a cycle back to it, over the modules this user can list only
   * (SPEC 4.1: an edge through a hidden module is reported exactly like no edge at all).
   */
  private cyclicDependencies(module: string): Set<string> {
    if (!this.cycles) {
      const visible = new Map<string, ModuleInfo>();
      for (const m of this.program.environment.modules) {
        if (m.manifest && this.program.moduleByName(m.manifest.name) === m && atLeast(this.access(m.manifest.name).level, 'list')) {
          visible.set(m.manifest.name, m);
        }
      }
      this.cycles = computeCycles(visible);
    }
    return this.cycles.get(module) ?? new Set();
  }

  // ----- interfaces and public elements

  /**
   * The interface of a module (SPEC 3.5; SPEC 4 `moduleInterface` without `uri`), or `undefined`
   * when the module does not exist for the user or the access is below `reference`.
   */
  interfaceOf(moduleName: string): ModuleInterface | undefined {
    const level = this.access(moduleName).level;
    if (!atLeast(level, 'reference')) return undefined;
    const r = this.interfaceDocument(moduleName);
    const m = this.program.moduleByName(moduleName)?.manifest;
    if (!r || !m) return undefined;
    return {
      module: moduleName,
      version: m.version,
      owner: m.owner,
      access: level,
      text: r.text,
      elements: r.elements.map(toInterfaceElement),
    };
  }

  /**
   * The public structures and server actions of a module (for completion after `Module.`), with
   * ranges in its interface document; `undefined` below `reference`.
   */
  publicElements(moduleName: string): RenderedElement[] | undefined {
    return this.interfaceDocument(moduleName)?.elements;
  }

  /**
   * The interface document of a module as this user may see it (SPEC 3.5, 4.1: types of modules
   * the user may not reference are placeholders), parsed; `undefined` below `reference`.
   */
  interfaceDocument(moduleName: string): RenderedInterface | undefined {
    if (!atLeast(this.access(moduleName).level, 'reference')) return undefined;
    return this.program.renderedInterface(moduleName, (m) => atLeast(this.access(m).level, 'reference'));
  }

  /**
   * Where the names of `moduleName`'s public elements and of its public structures' fields are
   * in its interface document ({@link Program.interfaceLayout}: the document is not rendered);
   * `undefined` below `reference`. For the warm-up: go to definition reads it.
   */
  interfaceLayout(moduleName: string): Map<string, InterfaceLayoutElement> | undefined {
    if (!atLeast(this.access(moduleName).level, 'reference')) return undefined;
    return this.program.interfaceLayout(moduleName);
  }

  // ----- IDE queries

  /**
   * The symbol at a position of a readable `.logic` file: what the identifier there refers to,
   * as far as the user may see it (an element of a module below `reference`, or a private element
   * of a module below `open`, is never returned). Declaring identifiers return their own symbol.
   *
   * @param withLocation false when the caller does not read `location` (hover): a location in
   *        another module's interface document would render that document (issue 15: hover then
   *        waited for the render that only go to definition needs); locations in sources are
   *        given anyway
   */
  symbolAt(path: string, position: Position, withLocation = true): SymbolInfo | undefined {
    const file = this.sourceFile(path);
    const result = this.checkResult(path);
    if (!file || !result) return undefined;
    const nodes = findNodePath(file, position);
    for (let i = nodes.length - 1; i >= 0; i--) {
      const n = nodes[i];
      if (n.kind === 'Identifier') {
        const res = result.resolutions.get(n);
        if (res) return this.symbolOf(res, path, withLocation);
      }
    }
    return undefined;
  }

  /** The symbol an identifier resolution refers to (see {@link symbolAt}); `path` is the file of the resolution. */
  symbolOf(res: Resolution, path: string, withLocation = true): SymbolInfo | undefined {
    const fromModule = this.program.moduleOfPath(path)?.name;
    switch (res.kind) {
      case 'local':
        return this.localInfo(res.symbol, path, fromModule);
      case 'element':
        return this.elementInfo(res.symbol, withLocation);
      case 'builtin':
        return builtinInfo(res.builtin);
      case 'module': {
        const facts = this.moduleFacts(res.module);
        if (!facts) return undefined;
        const info = this.program.moduleByName(res.module)!;
        return {
          kind: 'module',
          name: res.module,
          module: res.module,
          signature: `module ${facts.name} ${facts.version}`,
          ...(facts.description ? { documentation: facts.description } : {}),
          ...(atLeast(facts.access, 'open') ? { location: { kind: 'source', path: info.manifestPath, range: START } as SymbolLocation } : {}),
          moduleFacts: facts,
          key: `module:${res.module}`,
        };
      }
      case 'field':
        return this.fieldInfo(res.field, withLocation);
      case 'param':
        return this.paramInfo(res.param, res.signature, res.output, path, withLocation);
    }
  }

  private visibleElement(sym: ElementSymbol): 'source' | 'interface' | undefined {
    const level = this.access(sym.module).level;
    const own = this.program.moduleByName(sym.module);
    if (!own) {
      // An invalid module's own files: readable only through the file's module access.
      return this.canRead(sym.path) ? 'source' : undefined;
    }
    if (atLeast(level, 'open')) return 'source';
    if (atLeast(level, 'reference') && sym.isPublic && sym.kind !== 'screen') return 'interface';
    return undefined;
  }

  /**
   * The kind and one-line signature of a module element exactly as {@link elementInfo} gives them
   * (same access decision: `undefined` when the user may not see it), without its location and
   * documentation — for completion lists, which must not render a module's interface document.
   */
  elementSignature(sym: ElementSymbol): { kind: ElementSymbol['kind']; signature: string } | undefined {
    if (!this.visibleElement(sym)) return undefined;
    let signature: string;
    if (sym.kind === 'serverAction') signature = `server action ${this.formatSignature(this.program.signatureOf(sym), sym.module)}`;
    else if (sym.kind === 'structure') {
      const fields = this.program.fieldsOf({ kind: 'structure', module: sym.module, name: sym.name }) ?? [];
      signature = `structure ${sym.name} { ${fields.map((f) => `${f.name}: ${this.typeToString(f.type, sym.module)}`).join(', ')} }`.replace('{  }', '{ }');
    } else signature = `screen ${sym.name}`;
    return { kind: sym.kind, signature: sym.isPublic ? `public ${signature}` : signature };
  }

  /**
   * The public structures and server actions of another module with their signatures as
   * {@link elementSignature} gives them, for completion after `Module.`; `undefined` below
   * `reference`. Cached per module (issue 6: an index keyed for completion) while the symbol
   * tables of the module and of the modules its signatures' types name are the same objects.
   */
  completionElements(moduleName: string): { name: string; kind: ElementSymbol['kind']; signature: string }[] | undefined {
    const job = this.completionJob(moduleName);
    if (!job || 'done' in job) return job?.done;
    for (;;) {
      const r = job.steps.next();
      if (r.done) return r.value;
    }
  }

  /**
   * {@link completionElements} in the background, 16 elements per `pause()` (issue 15: a module's
   * list took 1 to 2 ms at once, and a request that arrived meanwhile waited); nothing returned.
   * Gives up when `stop()` says so or the module's symbol table changed meanwhile.
   */
  async prepareCompletionElements(moduleName: string, pause: () => Promise<void>, stop: () => boolean): Promise<void> {
    const job = this.completionJob(moduleName);
    if (!job || 'done' in job) return;
    for (;;) {
      const r = job.steps.next();
      if (r.done) return;
      await pause();
      if (stop() || this.program.moduleSymbols(moduleName) !== job.table) return;
    }
  }

  /** The cached completion list of `moduleName` (`done`), or the steps that build and cache it; `undefined` below `reference` or for no module. */
  private completionJob(
    moduleName: string,
  ):
    | { done: { name: string; kind: ElementSymbol['kind']; signature: string }[] }
    | { table: ModuleSymbols; steps: Generator<void, { name: string; kind: ElementSymbol['kind']; signature: string }[]> }
    | undefined {
    if (!atLeast(this.access(moduleName).level, 'reference')) return undefined;
    const cached = this.completionCache.get(moduleName);
    if (cached && [...cached.deps].every(([m, t]) => this.program.moduleSymbols(m) === t)) return { done: cached.items };
    const table = this.program.moduleSymbols(moduleName);
    if (!table) return undefined;
    return { table, steps: this.completionSteps(moduleName, table) };
  }

  private *completionSteps(moduleName: string, table: ModuleSymbols): Generator<void, { name: string; kind: ElementSymbol['kind']; signature: string }[]> {
    const deps = new Map<string, ModuleSymbols | undefined>([[moduleName, table]]);
    const items: { name: string; kind: ElementSymbol['kind']; signature: string }[] = [];
    const typeNode = (n: TypeNode | undefined) => {
      if (n?.kind === 'ListType') typeNode(n.element);
      else if (n?.kind === 'NamedType' && n.module && !deps.has(n.module.name)) deps.set(n.module.name, this.program.moduleSymbols(n.module.name));
    };
    let n = 0;
    for (const sym of table.publicElements) {
      if (++n % 16 === 0) yield;
      const d = sym.decl;
      if (d.kind === 'ServerAction') for (const p of [...d.params, ...d.returns]) typeNode(p.type);
      else if (d.kind === 'Structure') for (const f of d.fields) typeNode(f.type);
      const info = this.elementSignature(sym);
      if (info) items.push({ name: sym.name, ...info });
    }
    // By name: the order of a module's files and declarations is private (SPEC 4.1), as in its
    // interface document (found by a tester: the list followed the source layout).
    items.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.completionCache.set(moduleName, { deps, items });
    return items;
  }

  /** The symbol of a module element, or `undefined` when the user may not see it. */
  elementInfo(sym: ElementSymbol, withLocation = true): SymbolInfo | undefined {
    const vis = this.visibleElement(sym);
    if (!vis) return undefined;
    let location: SymbolLocation | undefined;
    if (vis === 'source') location = { kind: 'source', path: sym.path, range: sym.decl.name.range };
    else if (withLocation) {
      // The layout gives the same range as the rendered document, without rendering it.
      const el = this.program.interfaceLayout(sym.module)?.get(sym.name);
      if (el) location = { kind: 'interface', module: sym.module, range: el.nameRange };
    }
    let signature: string;
    let documentation: string | undefined;
    if (sym.kind === 'serverAction') {
      const s = this.program.signatureOf(sym);
      signature = `server action ${this.formatSignature(s, sym.module)}`;
      const tags: Record<string, string> = {};
      for (const p of [...s.params, ...s.outputs]) if (p.documentation) tags[p.name] = p.documentation;
      documentation = docMarkdown(sym.decl.doc?.text, tags);
    } else if (sym.kind === 'structure') {
      const fields = this.program.fieldsOf({ kind: 'structure', module: sym.module, name: sym.name }) ?? [];
      signature = `structure ${sym.name} { ${fields.map((f) => `${f.name}: ${this.typeToString(f.type, sym.module)}`).join(', ')} }`.replace('{  }', '{ }');
      documentation = docCommentMarkdown(sym.decl.doc);
    } else {
      signature = `screen ${sym.name}`;
      documentation = docCommentMarkdown(sym.decl.doc);
    }
    return {
      kind: sym.kind,
      name: sym.name,
      module: sym.module,
      ...(location ? { location } : {}),
      signature: sym.isPublic ? `public ${signature}` : signature,
      ...(documentation ? { documentation } : {}),
      ...(this.moduleFacts(sym.module) ? { moduleFacts: this.moduleFacts(sym.module) } : {}),
      key: `element:${sym.module}:${sym.name}`,
    };
  }

  private fieldInfo(field: FieldInfo, withLocation = true): SymbolInfo | undefined {
    const owner = field.owner;
    const vis = this.visibleElement(owner);
    if (!vis) return undefined;
    let location: SymbolLocation | undefined;
    if (vis === 'source') location = { kind: 'source', path: owner.path, range: field.decl.name.range };
    else if (withLocation) {
      const member = this.program
        .interfaceLayout(owner.module)
        ?.get(owner.name)
        ?.fields.find((m) => m.name === field.name);
      if (member) location = { kind: 'interface', module: owner.module, range: member.range };
    }
    const typeText = this.typeToString(field.type, owner.module);
    return {
      kind: 'field',
      name: field.name,
      module: owner.module,
      container: owner.name,
      ...(location ? { location } : {}),
      type: this.redactType(field.type),
      typeText,
      signature: `${owner.name}.${field.name}: ${typeText}`,
      ...(field.documentation ? { documentation: field.documentation } : {}),
      key: `field:${owner.module}:${owner.name}:${field.name}`,
    };
  }

  private paramInfo(p: SignatureParam, sig: Signature, output: boolean, path: string, withLocation = true): SymbolInfo | undefined {
    const target = sig.target;
    if (target.kind === 'builtin') {
      return {
        kind: 'param',
        name: p.name,
        container: target.builtin.name,
        type: p.type,
        typeText: typeToString(p.type),
        signature: `${p.name}: ${typeToString(p.type)}`,
        ...(p.documentation ? { documentation: p.documentation } : {}),
        key: `builtin:${target.builtin.name}:${p.name}`,
      };
    }
    if (target.kind === 'clientAction') {
      const local =
        p.decl &&
        this.checkResult(path)
          ?.actionLocals.get(target.decl)
          ?.find((l) => l.decl === p.decl);
      return local ? this.localInfo(local, path, this.program.moduleOfPath(path)?.name) : undefined;
    }
    const sym = target.symbol;
    const vis = this.visibleElement(sym);
    if (!vis) return undefined;
    let location: SymbolLocation | undefined;
    if (vis === 'source' && p.decl) location = { kind: 'source', path: sym.path, range: p.decl.name.range };
    else if (vis === 'interface' && withLocation) {
      const el = this.interfaceDocument(sym.module)?.elements.find((e) => e.name === sym.name);
      const member = el?.members.find((m) => m.name === p.name);
      if (member) location = { kind: 'interface', module: sym.module, range: member.range };
    }
    const typeText = this.typeToString(p.type, sym.module);
    return {
      kind: output ? 'output' : 'param',
      name: p.name,
      module: sym.module,
      container: sym.name,
      ...(location ? { location } : {}),
      type: this.redactType(p.type),
      typeText,
      signature: `${output ? 'output' : 'input'} ${p.name}: ${typeText}${p.optional ? ' (optional)' : ''}`,
      ...(p.documentation ? { documentation: p.documentation } : {}),
      key: `param:${sym.module}:${sym.name}:${output ? 'out' : 'in'}:${p.name}`,
    };
  }

  private localInfo(l: LocalSymbol, path: string, fromModule: string | undefined): SymbolInfo {
    const typeText = this.typeToString(l.type, fromModule, fromModule);
    const module = fromModule;
    const action = l.action;
    const isElementParam = (l.kind === 'param' || l.kind === 'output') && action?.kind === 'ServerAction' && !!module;
    if (l.kind === 'clientAction' && l.decl.kind === 'ClientAction' && module) {
      const sig = actionSignature(l.decl, module, (m) => this.program.moduleSymbols(m), { kind: 'clientAction', decl: l.decl, local: l });
      return {
        kind: 'clientAction',
        name: l.name,
        module,
        location: { kind: 'source', path, range: l.nameNode.range },
        signature: `client action ${this.formatSignature(sig, module)}`,
        ...(l.documentation ? { documentation: l.documentation } : {}),
        key: `local:${path}:${l.nameNode.range.start.line}:${l.nameNode.range.start.character}`,
      };
    }
    const kind: SymbolKind = l.kind === 'param' ? 'param' : l.kind === 'output' ? 'output' : 'local';
    const prefix = l.kind === 'param' ? 'input' : l.kind === 'output' ? 'output' : l.kind === 'screenVar' ? 'screen var' : 'var';
    return {
      kind,
      name: l.name,
      ...(module ? { module } : {}),
      ...(action ? { container: action.name.name } : {}),
      location: { kind: 'source', path, range: l.nameNode.range },
      type: this.redactType(l.type, fromModule),
      typeText,
      signature: `${prefix} ${l.name}: ${typeText}`,
      ...(l.documentation ? { documentation: l.documentation } : {}),
      key: isElementParam
        ? `param:${module}:${action!.name.name}:${l.kind === 'output' ? 'out' : 'in'}:${l.name}`
        : `local:${path}:${l.nameNode.range.start.line}:${l.nameNode.range.start.character}`,
    };
  }

  /** `Name(a: T, b: U = 1) returns (x: V)` with types as this user may see them. */
  formatSignature(s: Signature, fromModule: string | undefined): string {
    const param = (p: SignatureParam, input: boolean) =>
      `${p.name}: ${this.typeToString(p.type, fromModule)}${input && p.optional ? ` = ${defaultText(p)}` : ''}`;
    const outs = s.outputs.map((p) => param(p, false));
    return `${s.name}(${s.params.map((p) => param(p, true)).join(', ')})${outs.length ? ` returns (${outs.join(', ')})` : ''}`;
  }

  /**
   * The names in scope at a position of a readable file (innermost first, shadowed names
   * dropped): `var`s declared before the position, `for` variables, the action's inputs and
   * outputs, the screen's variables and client actions. Module elements, built-ins and modules are
   * not included (see `publicElements`, `BUILTINS`, `visibleModules`, `moduleElements`).
   */
  scopeAt(path: string, position: Position): ScopeEntry[] {
    const file = this.sourceFile(path);
    const result = this.checkResult(path);
    if (!file || !result) return [];
    const fromModule = this.program.moduleOfPath(path)?.name;
    const nodes = findNodePath(file, position);
    const out: ScopeEntry[] = [];
    const seen = new Set<string>();
    const add = (l: LocalSymbol) => {
      if (seen.has(l.name)) return;
      seen.add(l.name);
      const kind = l.kind === 'param' || l.kind === 'output' || l.kind === 'clientAction' ? l.kind : 'local';
      out.push({
        name: l.name,
        kind,
        type: this.redactType(l.type, fromModule),
        typeText: l.kind === 'clientAction' ? 'client action' : this.typeToString(l.type, fromModule, fromModule),
        range: l.nameNode.range,
        ...(l.documentation ? { documentation: l.documentation } : {}),
      });
    };
    for (let i = nodes.length - 1; i >= 0; i--) {
      const n = nodes[i];
      if (n.kind === 'Block') {
        for (const l of [...(result.blockLocals.get(n) ?? [])].reverse()) {
          if (comparePositions(l.decl.range.end, position) <= 0) add(l);
        }
      } else if (n.kind === 'For') {
        const l = result.forLocals.get(n);
        if (l && rangeContains(n.body.range, position, true)) add(l);
      } else if (n.kind === 'ServerAction' || n.kind === 'ClientAction') {
        for (const l of result.actionLocals.get(n) ?? []) add(l);
      } else if (n.kind === 'Screen') {
        for (const l of result.screenLocals.get(n) ?? []) add(l);
      }
    }
    return out;
  }

  /** The elements of the file's own module (for completion of unqualified names), when readable. */
  moduleElements(path: string): SymbolInfo[] {
    const module = this.program.moduleOfPath(path);
    if (!module || !this.canRead(path)) return [];
    const symbols = this.program.symbolsOf(module);
    return [...symbols.elements.values()].map((s) => this.elementInfo(s)).filter((x): x is SymbolInfo => !!x);
  }

  /** The type the checker computed for an expression of a readable file (redacted), or `undefined`. */
  typeOf(path: string, expr: Expression): Type | undefined {
    const t = this.checkResult(path)?.types.get(expr);
    return t && this.redactType(t, this.program.moduleOfPath(path)?.name);
  }

  /**
   * The members of a value of type `t` the user may see (for `record.` completion): the fields of
   * a visible structure, or the outputs of a multi-output call. `[]` for opaque structures.
   *
   * @param path the readable file the value appears in (its module's structures are unqualified
   *             and always visible); omit to decide by access alone
   */
  membersOf(t: Type, path?: string): MemberInfo[] {
    const fromModule = path && this.canRead(path) ? this.program.moduleOfPath(path)?.name : undefined;
    if (t.kind === 'record') {
      return t.fields.map((f) => ({
        name: f.name,
        kind: 'output' as const,
        type: this.redactType(f.type, fromModule),
        typeText: this.typeToString(f.type, fromModule, fromModule),
      }));
    }
    if (t.kind !== 'structure' || !this.canSeeStructure(t, fromModule)) return [];
    return (this.program.fieldsOf(t) ?? []).map((f) => ({
      name: f.name,
      kind: 'field' as const,
      type: this.redactType(f.type, fromModule),
      typeText: this.typeToString(f.type, fromModule, fromModule),
      ...(f.documentation ? { documentation: f.documentation } : {}),
    }));
  }

  /**
   * The innermost call whose parentheses contain the position (after `(`, up to `)` inclusive,
   * or to the end of an unclosed call), with its callee's signature and the active parameter:
   * the named argument's input, or the positional index. `undefined` when the callee did not
   * resolve to something the user may see.
   */
  callAt(path: string, position: Position): CallInfo | undefined {
    const file = this.sourceFile(path);
    const result = this.checkResult(path);
    if (!file || !result) return undefined;
    const fromModule = this.program.moduleOfPath(path)?.name;
    const nodes = findNodePath(file, position);
    for (let i = nodes.length - 1; i >= 0; i--) {
      const call = nodes[i];
      if (call.kind !== 'Call') continue;
      if (comparePositions(position, call.openParen.end) < 0) continue;
      if (call.closeParen && comparePositions(position, call.closeParen.start) > 0) continue;
      const sig = result.calls.get(call);
      if (!sig) return undefined;
      const callee = this.calleeInfo(sig, path);
      if (!callee) return undefined;
      const declModule = sig.target.kind === 'element' ? sig.target.symbol.module : sig.target.kind === 'builtin' ? undefined : fromModule;
      const params: CallParameterInfo[] = sig.params.map((p) => {
        const typeText = sig.target.kind === 'builtin' ? typeToString(p.type) : this.typeToString(p.type, declModule);
        return {
          name: p.name,
          label: `${p.name}: ${typeText}${p.optional ? ` = ${defaultText(p)}` : ''}`,
          typeText,
          optional: p.optional,
          ...(p.documentation ? { documentation: p.documentation } : {}),
        };
      });
      // Active argument.
      let argIndex = call.args.findIndex((a) => rangeContains(a.range, position, true));
      if (argIndex < 0) argIndex = call.args.filter((a) => comparePositions(a.range.end, position) < 0).length;
      let active = -1;
      const arg = call.args[argIndex];
      if (arg?.name) active = sig.params.findIndex((p) => p.name === arg.name!.name);
      else {
        const positionalBefore = call.args.slice(0, argIndex).filter((a) => !a.name).length;
        const namedBefore = call.args.slice(0, argIndex).some((a) => a.name);
        active = namedBefore ? -1 : positionalBefore < sig.params.length ? positionalBefore : -1;
      }
      const given: string[] = [];
      let pos = 0;
      for (const a of call.args) {
        if (a.name) {
          if (a.name.name) given.push(a.name.name);
        } else if (a.value.kind !== 'Missing' && pos < sig.params.length) given.push(sig.params[pos++].name);
      }
      const label = sig.target.kind === 'builtin' ? sig.target.builtin.signature : this.formatSignature(sig, declModule);
      return {
        name: calleeText(call.callee) ?? sig.name,
        label,
        ...(callee.documentation ? { documentation: callee.documentation } : {}),
        params,
        activeParameter: active,
        givenInputs: given,
        callee,
        range: call.range,
      };
    }
    return undefined;
  }

  private calleeInfo(sig: Signature, path: string): SymbolInfo | undefined {
    const t = sig.target;
    if (t.kind === 'builtin') return builtinInfo(t.builtin);
    if (t.kind === 'element') return this.elementInfo(t.symbol);
    return this.localInfo(t.local, path, this.program.moduleOfPath(path)?.name);
  }

  /**
   * Every place the user may see where `symbol` is used (and, with `includeDeclaration`, its
   * declaration: a source location, or its interface-document location below `open`). Searches
   * only files the user can read: for a local, its file; for an element, field or input/output,
   * the declaring module and the modules that list it as a dependency; for built-ins and modules,
   * every readable module.
   */
  references(symbol: SymbolInfo, includeDeclaration = true): SymbolLocation[] {
    const out: SymbolLocation[] = [];
    if (includeDeclaration && symbol.location) out.push(symbol.location);
    const isDecl = (path: string, id: Identifier) =>
      symbol.location?.kind === 'source' && symbol.location.path === path && sameRange(symbol.location.range, id.range);
    let paths: string[];
    if (symbol.key.startsWith('local:')) {
      paths = symbol.location?.kind === 'source' ? [symbol.location.path] : [];
    } else if (symbol.module && !symbol.key.startsWith('module:') && !symbol.key.startsWith('builtin:')) {
      const modules = [symbol.module, ...this.program.dependentsOf(symbol.module)];
      paths = [];
      for (const name of modules) {
        const info = this.program.moduleByName(name);
        if (info && atLeast(this.moduleAccess(info).level, 'open')) paths.push(...this.program.filesOf(info));
      }
      if (symbol.location?.kind === 'source' && !paths.includes(symbol.location.path)) paths.push(symbol.location.path);
    } else {
      paths = [];
      for (const m of this.program.environment.modules) if (atLeast(this.moduleAccess(m).level, 'open')) paths.push(...this.program.filesOf(m));
    }
    for (const path of paths) {
      const result = this.checkResult(path);
      if (!result) continue;
      for (const [id, res] of result.resolutions) {
        if (isDecl(path, id)) continue;
        if (this.keyOf(res, path) === symbol.key) out.push({ kind: 'source', path, range: id.range });
      }
    }
    return out;
  }

  private keyOf(res: Resolution, path: string): string | undefined {
    switch (res.kind) {
      case 'element':
        return `element:${res.symbol.module}:${res.symbol.name}`;
      case 'builtin':
        return `builtin:${res.builtin.name}`;
      case 'module':
        return `module:${res.module}`;
      case 'field':
        return `field:${res.field.owner.module}:${res.field.owner.name}:${res.field.name}`;
      case 'param': {
        const t = res.signature.target;
        if (t.kind === 'builtin') return `builtin:${t.builtin.name}:${res.param.name}`;
        if (t.kind === 'element') return `param:${t.symbol.module}:${t.symbol.name}:${res.output ? 'out' : 'in'}:${res.param.name}`;
        const d = res.param.decl;
        return d ? `local:${path}:${d.name.range.start.line}:${d.name.range.start.character}` : undefined;
      }
      case 'local':
        return this.localInfo(res.symbol, path, this.program.moduleOfPath(path)?.name).key;
    }
  }

  /**
   * Workspace symbols matching `query` (case-insensitive substring; all when empty): every element
   * of modules at ≥ open (source locations) and the public elements of modules at reference
   * (interface locations). At most `limit` results.
   */
  workspaceSymbols(query: string, limit = 1000): SymbolInfo[] {
    const q = query.toLowerCase();
    const out: SymbolInfo[] = [];
    for (const { manifest, access } of this.visibleModules()) {
      if (!atLeast(access.level, 'reference')) continue;
      const symbols = this.program.moduleSymbols(manifest.name);
      if (!symbols) continue;
      const list = atLeast(access.level, 'open') ? [...symbols.elements.values()] : publicByName(symbols);
      for (const s of list) {
        if (q && !s.name.toLowerCase().includes(q)) continue;
        const info = this.elementInfo(s);
        if (info) out.push(info);
        if (out.length >= limit) return out;
      }
    }
    return out;
  }

  /**
   * The symbol at a position of a module's interface document (`module-interface://…`), for
   * hover/definition there; `undefined` below `reference`.
   */
  interfaceSymbolAt(moduleName: string, position: Position): SymbolInfo | undefined {
    if (!atLeast(this.access(moduleName).level, 'reference')) return undefined;
    const r = this.interfaceDocument(moduleName);
    const symbols = this.program.moduleSymbols(moduleName);
    if (!r || !symbols) return undefined;
    const nodes = findNodePath(r.file, position);
    const id = nodes[nodes.length - 1];
    if (id?.kind !== 'Identifier') return undefined;
    for (let i = nodes.length - 2; i >= 0; i--) {
      const n: Node = nodes[i];
      if ((n.kind === 'Structure' || n.kind === 'ServerAction') && n.name === id) {
        const sym = symbols.elements.get(id.name);
        return sym ? this.elementInfo(sym) : undefined;
      }
      if (n.kind === 'Field' && n.name === id) {
        const owner = nodes.find((x) => x.kind === 'Structure') as StructureDecl | undefined;
        const f = owner && this.program.fieldsOf({ kind: 'structure', module: moduleName, name: owner.name.name })?.find((x) => x.name === id.name);
        return f ? this.fieldInfo(f) : undefined;
      }
      if (n.kind === 'Param' && n.name === id) {
        const owner = nodes.find((x) => x.kind === 'ServerAction') as ServerActionDecl | undefined;
        const sym = owner && symbols.elements.get(owner.name.name);
        if (!sym || sym.kind !== 'serverAction') return undefined;
        const sig = this.program.signatureOf(sym);
        const output = owner!.returns.some((p) => p === n);
        const p = (output ? sig.outputs : sig.params).find((x) => x.name === id.name);
        return p ? this.paramInfo(p, sig, output, '') : undefined;
      }
      if (n.kind === 'NamedType') {
        const target = n.module && n.module.name !== moduleName ? n.module.name : moduleName;
        if (n.module === id) return this.symbolOf({ kind: 'module', module: target }, '');
        const ts = target === moduleName ? symbols : this.program.moduleSymbols(target);
        const sym = ts?.elements.get(n.name.name);
        return sym && sym.isPublic ? this.elementInfo(sym) : undefined;
      }
    }
    return undefined;
  }

  /** The `read-only-module` diagnostic for an edited file at `path`, or `undefined` when the user may change it. */
  readOnlyDiagnostic(path: string): Diagnostic | undefined {
    const { module, decision } = this.accessForPath(path);
    if (!module || !atLeast(decision.level, 'open')) return undefined;
    return readOnlyDiagnostic(module.name, decision.level);
  }
}

function builtinInfo(b: Builtin): SymbolInfo {
  return { kind: 'builtin', name: b.name, signature: b.signature, documentation: b.documentation, key: `builtin:${b.name}` };
}

/** The built-ins (SPEC 3.3) as symbols, for completion. */
export function builtinSymbols(): SymbolInfo[] {
  return BUILTINS.map(builtinInfo);
}

/** The built-in named `name` as a symbol. */
export function builtinSymbol(name: string): SymbolInfo | undefined {
  const b = getBuiltin(name);
  return b ? builtinInfo(b) : undefined;
}

/** The signature of a built-in (re-exported for features). */
export { builtinSignature };

function defaultText(p: SignatureParam): string {
  const d = p.decl?.default;
  if (d?.kind === 'Literal') return d.raw;
  if (d?.kind === 'Unary' && d.operator === '-' && d.operand.kind === 'Literal') return `-${d.operand.raw}`;
  if (d?.kind === 'List' && d.elements.length === 0) return '[]';
  return 'default'; // a non-literal default is not shown (it could name private elements)
}

function calleeText(e: Expression): string | undefined {
  if (e.kind === 'Identifier') return e.name;
  if (e.kind === 'Member' && e.object.kind === 'Identifier') return `${e.object.name}.${e.member.name}`;
  return undefined;
}

function toInterfaceElement(e: RenderedElement): InterfaceElementInfo {
  return {
    kind: e.kind,
    name: e.name,
    signature: e.signature,
    ...(e.documentation ? { documentation: e.documentation } : {}),
    range: e.range,
  };
}

function stripPath(d: FileDiagnostic): Diagnostic {
  return { code: d.code, severity: d.severity, message: d.message, range: d.range };
}

function sameRange(a: Range, b: Range): boolean {
  return comparePositions(a.start, b.start) === 0 && comparePositions(a.end, b.end) === 0;
}

/** Ranges of the keys of `dependencies` entries in a module.json text (BOM ignored). */
function dependencyKeyRanges(text: string, names: string[]): Map<string, Range> {
  const out = new Map<string, Range>();
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const root = parseTree(body);
  if (!root) return out;
  const lines = new LineIndex(body);
  for (const n of names) {
    const value = findNodeAtLocation(root, ['dependencies', n]);
    const key = value?.parent?.children?.[0];
    if (key) out.set(n, { start: lines.positionAt(key.offset), end: lines.positionAt(key.offset + key.length) });
  }
  return out;
}
