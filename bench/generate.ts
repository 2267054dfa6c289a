/**
 * Benchmark environment generator (issue 6).
 *
 * Writes, deterministically from a seed, a valid Logic module environment (SPEC 2 and 3) and the
 * equivalent TypeScript project, plus `bench-manifest.json` (the positions the runner uses):
 *
 *   <out>/logic/environment.json                 alice (admin), bob (group contractors);
 *                                                contractors get `reference` on every service
 *                                                module and `change` on every UI module
 *   <out>/logic/services/<M>/module.json         service modules, protected, owner alice
 *   <out>/logic/services/<M>/Structures.logic    public structures with `///` doc comments
 *   <out>/logic/services/<M>/Actions<k>.logic    P public server actions (doc comments, `@param`)
 *   <out>/logic/services/<M>/Internal.logic      Q private server actions
 *   <out>/logic/ui/<U>/module.json               UI modules depending on some service modules
 *   <out>/logic/ui/<U>/Screens<k>.logic          screens whose client actions call public actions
 *                                                of the dependencies with named arguments
 *   <out>/logic/ui/<U0>/Big.logic                the 5,000-line consumer of the edit benchmark
 *   <out>/ts/tsconfig.json                       includes `types/` and `ui/` only
 *   <out>/ts/types/<M>/index.d.ts                each service module's public surface (JSDoc)
 *   <out>/ts/services/<M>/index.ts               its implementation (not part of the project:
 *                                                consumers see the module only through .d.ts)
 *   <out>/ts/ui/<U>/*.ts                         the UI modules, `import * as M from "../../types/M"`
 *
 * Usage: npx tsx bench/generate.ts --size small|medium|large [--seed N] [--out DIR] [--no-validate]
 * Sizes (SPEC-independent, issue 6): small 10 modules / ~1k public actions, medium 200 / ~20k,
 * large 1,000 / ~100k (more than a million lines of Logic).
 */
import { mkdirSync, rmSync, writeFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';

// ---------------------------------------------------------------------------------------------
// Sizes and the seeded PRNG

/** Shape of one benchmark size. */
export interface SizeConfig {
  services: number;
  uis: number;
  /** Public server actions per service module (P). */
  publicActions: number;
  /** Private server actions per service module (Q). */
  privateActions: number;
  structures: number;
  /** Public actions per `Actions<k>.logic` file. */
  actionsPerFile: number;
  /** `Screens<k>.logic` files per UI module and screens per file. */
  screenFiles: number;
  screensPerFile: number;
  /** Dependencies of an ordinary UI module (min, max) and of the big consumer's module. */
  depsMin: number;
  depsMax: number;
  bigDeps: number;
  /** Lines of the big consumer file. */
  bigLines: number;
}

export const SIZES: Record<string, SizeConfig> = {
  small: {
    services: 8,
    uis: 2,
    publicActions: 125,
    privateActions: 25,
    structures: 10,
    actionsPerFile: 25,
    screenFiles: 2,
    screensPerFile: 4,
    depsMin: 3,
    depsMax: 5,
    bigDeps: 6,
    bigLines: 5000,
  },
  medium: {
    services: 160,
    uis: 40,
    publicActions: 125,
    privateActions: 25,
    structures: 10,
    actionsPerFile: 25,
    screenFiles: 2,
    screensPerFile: 4,
    depsMin: 3,
    depsMax: 8,
    bigDeps: 10,
    bigLines: 5000,
  },
  large: {
    services: 800,
    uis: 200,
    publicActions: 125,
    privateActions: 25,
    structures: 10,
    actionsPerFile: 25,
    screenFiles: 2,
    screensPerFile: 4,
    depsMin: 3,
    depsMax: 8,
    bigDeps: 12,
    bigLines: 5000,
  },
  // A tiny size for unit tests of the generator itself.
  tiny: {
    services: 3,
    uis: 1,
    publicActions: 12,
    privateActions: 3,
    structures: 3,
    actionsPerFile: 6,
    screenFiles: 1,
    screensPerFile: 2,
    depsMin: 2,
    depsMax: 3,
    bigDeps: 3,
    bigLines: 400,
  },
};

/** mulberry32: a tiny, fast, seeded PRNG returning floats in [0, 1). */
export function makeRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rand {
  constructor(private readonly next: () => number) {}
  float(): number {
    return this.next();
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [xs[i], xs[j]] = [xs[j], xs[i]];
    }
    return xs;
  }
  sample<T>(xs: readonly T[], n: number): T[] {
    return this.shuffle(xs.slice()).slice(0, n);
  }
}

// ---------------------------------------------------------------------------------------------
// The model: types, parameters, actions, structures

type Basic = 'Text' | 'Integer' | 'LongInteger' | 'Decimal' | 'Boolean' | 'Date' | 'Time' | 'DateTime' | 'Currency' | 'Email' | 'PhoneNumber' | 'BinaryData';

type LType = { k: 'basic'; name: Basic } | { k: 'list'; of: LType } | { k: 'struct'; module: string; name: string };

interface Field {
  name: string;
  type: LType;
  doc: string;
}
interface Struct {
  name: string;
  doc: string;
  fields: Field[];
}
interface Param {
  name: string;
  type: LType;
  doc: string;
  /** Logic default expression (makes the input optional); TS marks it `?`. */
  def?: { logic: string; ts: string };
}
interface Action {
  name: string;
  doc: string;
  params: Param[];
  outputs: Param[];
  isPublic: boolean;
}
interface ServiceModule {
  name: string;
  noun: string;
  description: string;
  structs: Struct[];
  publicActions: Action[];
  privateActions: Action[];
  /** Public actions per Actions<k>.logic file (index = k-1). */
  actionFiles: Action[][];
}

const NOUNS = [
  'Order',
  'Customer',
  'Invoice',
  'Product',
  'Shipment',
  'Payment',
  'Account',
  'Contract',
  'Employee',
  'Supplier',
  'Ticket',
  'Project',
  'Task',
  'Report',
  'Budget',
  'Asset',
  'Vendor',
  'Quote',
  'Lead',
  'Campaign',
  'Warehouse',
  'Item',
  'Price',
  'Discount',
  'Refund',
  'Claim',
  'Policy',
  'Document',
  'Message',
  'Address',
];
const VERBS = [
  'Get',
  'Create',
  'Update',
  'Delete',
  'List',
  'Find',
  'Validate',
  'Compute',
  'Send',
  'Approve',
  'Cancel',
  'Archive',
  'Import',
  'Export',
  'Sync',
  'Merge',
  'Count',
  'Check',
  'Register',
  'Assign',
  'Resolve',
  'Publish',
  'Schedule',
  'Refresh',
];
const STRUCT_KINDS = ['Info', 'Line', 'Record', 'Summary', 'Filter', 'Detail', 'Entry', 'Snapshot', 'Request', 'Result', 'Header', 'Item', 'Status', 'Option'];
const FIELD_POOL: Array<[string, Basic, string]> = [
  ['id', 'Text', 'The unique identifier.'],
  ['name', 'Text', 'The display name.'],
  ['code', 'Text', 'A short code, unique per tenant.'],
  ['amount', 'Decimal', 'The amount, in the account currency.'],
  ['quantity', 'Integer', 'How many units.'],
  ['createdOn', 'Date', 'The day it was created.'],
  ['updatedAt', 'DateTime', 'When it last changed.'],
  ['active', 'Boolean', 'Whether it is active.'],
  ['email', 'Email', 'The contact e-mail address.'],
  ['phone', 'PhoneNumber', 'The contact phone number.'],
  ['price', 'Currency', 'The unit price.'],
  ['note', 'Text', 'A free-text note.'],
  ['sequence', 'LongInteger', 'A monotonically increasing sequence number.'],
  ['startTime', 'Time', 'The time of day it starts.'],
  ['attachment', 'BinaryData', 'An attached file.'],
];
/** Parameter templates: [name suffix or name, type, doc]; `$` is replaced by the lower-case noun. */
const PARAM_POOL: Array<[string, Basic | 'LIST' | 'STRUCT', string]> = [
  ['$Id', 'Text', 'The identifier of the $.'],
  ['$Name', 'Text', 'The name of the $.'],
  ['$Code', 'Text', 'The code of the $.'],
  ['reason', 'Text', 'Why the operation is requested.'],
  ['amount', 'Decimal', 'The amount, in the account currency.'],
  ['quantity', 'Integer', 'How many units.'],
  ['since', 'Date', 'Only records on or after this day.'],
  ['at', 'DateTime', 'When the operation takes effect.'],
  ['force', 'Boolean', 'Skip the soft checks.'],
  ['contactEmail', 'Email', 'Where to send the confirmation.'],
  ['contactPhone', 'PhoneNumber', 'Whom to call back.'],
  ['unitPrice', 'Currency', 'The unit price.'],
  ['maxCount', 'LongInteger', 'The largest number of results.'],
  ['startTime', 'Time', 'The time of day to start.'],
  ['lines', 'LIST', 'The lines to process.'],
  ['items', 'LIST', 'The items to include.'],
  ['filter', 'STRUCT', 'The filter to apply.'],
];
const OUTPUT_POOL: Array<[string, Basic | 'LIST', string]> = [
  ['resultId', 'Text', 'The identifier of the result.'],
  ['success', 'Boolean', 'Whether the operation succeeded.'],
  ['itemCount', 'Integer', 'How many items were affected.'],
  ['message', 'Text', 'A human-readable outcome.'],
  ['totalAmount', 'Decimal', 'The total amount.'],
  ['records', 'LIST', 'The matching records.'],
];
const VERB_DOCS: Record<string, string> = {
  Get: 'Returns',
  Create: 'Creates',
  Update: 'Updates',
  Delete: 'Deletes',
  List: 'Lists',
  Find: 'Finds',
  Validate: 'Validates',
  Compute: 'Computes',
  Send: 'Sends',
  Approve: 'Approves',
  Cancel: 'Cancels',
  Archive: 'Archives',
  Import: 'Imports',
  Export: 'Exports',
  Sync: 'Synchronises',
  Merge: 'Merges',
  Count: 'Counts',
  Check: 'Checks',
  Register: 'Registers',
  Assign: 'Assigns',
  Resolve: 'Resolves',
  Publish: 'Publishes',
  Schedule: 'Schedules',
  Refresh: 'Refreshes',
};

const lower = (s: string) => s[0].toLowerCase() + s.slice(1);

function logicType(t: LType, from: string): string {
  if (t.k === 'basic') return t.name;
  if (t.k === 'list') return `List<${logicType(t.of, from)}>`;
  return t.module === from ? t.name : `${t.module}.${t.name}`;
}
const TS_BASIC: Record<Basic, string> = {
  Text: 'string',
  Integer: 'number',
  LongInteger: 'number',
  Decimal: 'number',
  Currency: 'number',
  Boolean: 'boolean',
  Date: 'Date',
  DateTime: 'Date',
  Time: 'string',
  Email: 'string',
  PhoneNumber: 'string',
  BinaryData: 'Uint8Array',
};
function tsType(t: LType, from: string): string {
  if (t.k === 'basic') return TS_BASIC[t.name];
  if (t.k === 'list') return `${tsType(t.of, from)}[]`;
  return t.module === from ? t.name : `${t.module}.${t.name}`;
}

/** A literal of a basic type: [Logic, TypeScript]. */
function basicLiteral(b: Basic, r: Rand): [string, string] {
  switch (b) {
    case 'Text': {
      const s = `${r.pick(['A', 'B', 'C', 'X', 'Q'])}-${r.int(1, 999)}`;
      return [`"${s}"`, `"${s}"`];
    }
    case 'Integer':
    case 'LongInteger': {
      const n = String(r.int(0, 500));
      return [n, n];
    }
    case 'Decimal':
    case 'Currency': {
      const n = `${r.int(0, 999)}.${r.int(10, 99)}`;
      return [n, n];
    }
    case 'Boolean':
      return r.chance(0.5) ? ['true', 'true'] : ['false', 'false'];
    case 'Date':
      return ['#2026-11-30#', 'new Date("2026-11-30")'];
    case 'DateTime':
      return ['#2026-11-30 14:05:00#', 'new Date("2026-11-30T14:05:00")'];
    case 'Time':
      return ['#14:05:00#', '"14:05:00"'];
    case 'Email':
      return ['"someone@example.com"', '"someone@example.com"'];
    case 'PhoneNumber':
      return ['"+1 555 0100"', '"+1 555 0100"'];
    case 'BinaryData':
      throw new Error('no BinaryData literal');
  }
}

// ---------------------------------------------------------------------------------------------
// Building the service modules

function makeService(index: number, cfg: SizeConfig, r: Rand): ServiceModule {
  const noun = NOUNS[index % NOUNS.length];
  const name = `${noun}${index + 1}API`;
  const structNames = r.sample(
    NOUNS.flatMap((n) => STRUCT_KINDS.map((k) => n + k)),
    cfg.structures,
  );
  const structs: Struct[] = structNames.map((sn) => {
    const fields = r.sample(FIELD_POOL, r.int(3, 6)).map(([fname, t, doc]) => ({
      name: fname,
      type: { k: 'basic', name: t } as LType,
      doc,
    }));
    return { name: sn, doc: `A ${sn.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()} of ${name}.`, fields };
  });
  // Structures used as parameters need literals for every field: exclude BinaryData fields there.
  const literalStructs = structs.filter((s) => s.fields.every((f) => f.type.k !== 'basic' || f.type.name !== 'BinaryData'));

  const combos = r.sample(
    VERBS.flatMap((v) => NOUNS.map((n) => [v, n] as const)),
    cfg.publicActions + cfg.privateActions,
  );
  const makeAction = (verb: string, obj: string, isPublic: boolean): Action => {
    const lo = lower(obj);
    const count = r.int(1, 4);
    const chosen = r.sample(PARAM_POOL, count + 2);
    const params: Param[] = [];
    const used = new Set<string>();
    for (const [pn, pt, pd] of chosen) {
      if (params.length >= count) break;
      const pname = pn.replace('$', lo);
      if (used.has(pname)) continue;
      let type: LType;
      if (pt === 'LIST') type = { k: 'list', of: { k: 'struct', module: name, name: r.pick(structs).name } };
      else if (pt === 'STRUCT') {
        if (literalStructs.length === 0) continue;
        type = { k: 'struct', module: name, name: r.pick(literalStructs).name };
      } else type = { k: 'basic', name: pt };
      used.add(pname);
      params.push({ name: pname, type, doc: pd.replace('$', lo) });
    }
    if (r.chance(0.3)) {
      const opt = r.pick([
        { name: 'note', type: { k: 'basic', name: 'Text' } as LType, doc: 'An optional note.', def: { logic: '""', ts: '""' } },
        { name: 'limit', type: { k: 'basic', name: 'Integer' } as LType, doc: 'At most this many results.', def: { logic: '50', ts: '50' } },
      ]);
      if (!used.has(opt.name)) params.push(opt);
    }
    const nOut = r.float() < 0.2 ? 0 : r.float() < 0.75 ? 1 : 2;
    const outputs: Param[] = r.sample(OUTPUT_POOL, nOut).map(([on, ot, od]) => ({
      name: on,
      type: ot === 'LIST' ? { k: 'list', of: { k: 'struct', module: name, name: r.pick(structs).name } } : { k: 'basic', name: ot },
      doc: od,
    }));
    const doc = `${VERB_DOCS[verb] ?? verb} ${r.chance(0.5) ? 'a' : 'the'} ${lo} ${r.pick([
      'for the given input',
      'and records the change in the audit log',
      'using the current tenant settings',
      'in a single transaction',
      'if the caller may do so',
      'with the default options',
    ])}.`;
    return { name: verb + obj, doc, params, outputs, isPublic };
  };
  const publicActions = combos.slice(0, cfg.publicActions).map(([v, n]) => makeAction(v, n, true));
  const privateActions = combos.slice(cfg.publicActions).map(([v, n]) => makeAction(v, n, false));
  // Private helpers get a fixed, simple shape so that public bodies can call them.
  for (const a of privateActions) {
    a.params = [
      { name: 'value', type: { k: 'basic', name: 'Integer' }, doc: 'The input value.' },
      { name: 'label', type: { k: 'basic', name: 'Text' }, doc: 'A label.' },
    ];
    a.outputs = [{ name: 'result', type: { k: 'basic', name: 'Integer' }, doc: 'The result.' }];
  }
  const actionFiles: Action[][] = [];
  for (let i = 0; i < publicActions.length; i += cfg.actionsPerFile) actionFiles.push(publicActions.slice(i, i + cfg.actionsPerFile));
  return {
    name,
    noun,
    description: `${noun} services: ${publicActions.length} public server actions.`,
    structs,
    publicActions,
    privateActions,
    actionFiles,
  };
}

// ---------------------------------------------------------------------------------------------
// Rendering Logic and TypeScript for service modules

function logicParams(ps: Param[], mod: string): string {
  return ps.map((p) => `${p.name}: ${logicType(p.type, mod)}${p.def ? ` = ${p.def.logic}` : ''}`).join(', ');
}
function tsParams(ps: Param[], mod: string): string {
  return ps.map((p) => `${p.name}${p.def ? '?' : ''}: ${tsType(p.type, mod)}`).join(', ');
}
function tsReturn(a: Action, mod: string): string {
  if (a.outputs.length === 0) return 'void';
  if (a.outputs.length === 1) return tsType(a.outputs[0].type, mod);
  return `{ ${a.outputs.map((o) => `${o.name}: ${tsType(o.type, mod)}`).join('; ')} }`;
}

function outputValue(t: LType, r: Rand): [string, string] {
  if (t.k === 'list') return ['[]', '[]'];
  if (t.k === 'basic') return basicLiteral(t.name, r);
  throw new Error('struct output');
}

function renderStructuresLogic(m: ServiceModule): string {
  const out: string[] = [`// Structures of ${m.name}.`, ''];
  for (const s of m.structs) {
    out.push(`/// ${s.doc}`, `public structure ${s.name} {`);
    for (const f of s.fields) out.push(`  /// ${f.doc}`, `  ${f.name}: ${logicType(f.type, m.name)}`);
    out.push('}', '');
  }
  return out.join('\n');
}

function logicSignature(a: Action, mod: string): string {
  const ret = a.outputs.length ? ` returns (${logicParams(a.outputs, mod)})` : '';
  return `${a.isPublic ? 'public ' : ''}server action ${a.name}(${logicParams(a.params, mod)})${ret}`;
}

function renderActionLogic(a: Action, m: ServiceModule, r: Rand, out: string[], helper: Action): void {
  out.push(`/// ${a.doc}`);
  for (const p of a.params) out.push(`/// @param ${p.name} ${p.doc}`);
  out.push(`${logicSignature(a, m.name)} {`);
  out.push(`  var counter: Integer = 0`);
  out.push(`  counter = ${helper.name}(value: counter + 1, label: "${a.name}")`);
  const list = a.params.find((p) => p.type.k === 'list');
  if (list) out.push(`  for entry in ${list.name} {`, `    counter = counter + 1`, `  }`);
  const text = a.params.find((p) => p.type.k === 'basic' && p.type.name === 'Text');
  if (text) out.push(`  if ${text.name} == "" {`, `    counter = 0`, `  }`);
  for (const o of a.outputs) out.push(`  ${o.name} = ${outputValue(o.type, r)[0]}`);
  out.push('}', '');
}

function renderActionTsImpl(a: Action, m: ServiceModule, r: Rand, out: string[], helper: Action): void {
  out.push(`/** ${a.doc} */`);
  const params = a.params.map((p) => `${p.name}: ${tsType(p.type, m.name)}${p.def ? ` = ${p.def.ts}` : ''}`).join(', ');
  out.push(`${a.isPublic ? 'export ' : ''}function ${a.name}(${params}): ${tsReturn(a, m.name)} {`);
  out.push(`  let counter = 0;`);
  if (a.isPublic) out.push(`  counter = ${helper.name}(counter + 1, "${a.name}");`);
  else out.push(`  counter = value * 2 + label.length;`);
  const list = a.params.find((p) => p.type.k === 'list');
  if (list) out.push(`  for (const entry of ${list.name}) {`, `    counter = counter + 1;`, `  }`);
  const text = a.params.find((p) => p.type.k === 'basic' && p.type.name === 'Text');
  if (text && a.isPublic) out.push(`  if (${text.name} === "") {`, `    counter = 0;`, `  }`);
  if (a.outputs.length === 1) out.push(`  return ${outputValue(a.outputs[0].type, r)[1]};`);
  else if (a.outputs.length === 2) out.push(`  return { ${a.outputs.map((o) => `${o.name}: ${outputValue(o.type, r)[1]}`).join(', ')} };`);
  else out.push(`  void counter;`);
  out.push('}', '');
}

function tsDoc(a: Action, indent = ''): string[] {
  const out = [`${indent}/**`, `${indent} * ${a.doc}`];
  for (const p of a.params) out.push(`${indent} * @param ${p.name} ${p.doc}`);
  if (a.outputs.length === 1) out.push(`${indent} * @returns ${a.outputs[0].doc}`);
  else if (a.outputs.length > 1) out.push(`${indent} * @returns ${a.outputs.map((o) => `\`${o.name}\`: ${o.doc}`).join(' ')}`);
  out.push(`${indent} */`);
  return out;
}

function tsDeclSignature(a: Action, mod: string): string {
  return `export declare function ${a.name}(${tsParams(a.params, mod)}): ${tsReturn(a, mod)};`;
}

function renderDts(m: ServiceModule): string {
  const out: string[] = [`// Declarations of ${m.name} 1.0.0 — owner alice. Bodies are not shown.`, ''];
  for (const s of m.structs) {
    out.push(`/** ${s.doc} */`, `export interface ${s.name} {`);
    for (const f of s.fields) out.push(`  /** ${f.doc} */`, `  ${f.name}: ${tsType(f.type, m.name)};`);
    out.push('}', '');
  }
  for (const a of m.publicActions) out.push(...tsDoc(a), tsDeclSignature(a, m.name), '');
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// UI modules: screens calling public actions of their dependencies

/** A call site in a consumer file, in both languages (0-based lines, UTF-16 columns). */
export interface CallSite {
  module: string;
  action: string;
  /** Column of the first character of the module name. */
  moduleCol: number;
  /** Column just after `Module.` (where completion is requested). */
  afterDotCol: number;
  /** Column range of the action name (hover and definition are requested in its middle). */
  nameStart: number;
  nameEnd: number;
  /** A `Text` argument given as a string literal: the edit benchmark turns it into a number. */
  textArg?: { start: number; end: number; text: string };
}
export interface SitePair {
  logic: CallSite & { line: number };
  ts: CallSite & { line: number };
}

class Lines {
  readonly lines: string[] = [];
  push(...ls: string[]): void {
    for (const l of ls) this.lines.push(l);
  }
  get count(): number {
    return this.lines.length;
  }
  text(): string {
    return this.lines.join('\n') + '\n';
  }
}

function argLiteral(p: Param, r: Rand): [string, string] {
  if (p.type.k === 'list') return ['[]', '[]'];
  if (p.type.k === 'basic') return basicLiteral(p.type.name, r);
  const mod = p.type.module;
  const s = STRUCTS_BY_KEY.get(`${mod}.${p.type.name}`)!;
  const lg: string[] = [];
  const ts: string[] = [];
  for (const f of s.fields) {
    const [l, t] = basicLiteral((f.type as { name: Basic }).name, r);
    lg.push(`${f.name}: ${l}`);
    ts.push(`${f.name}: ${t}`);
  }
  return [`${mod}.${s.name} { ${lg.join(', ')} }`, `{ ${ts.join(', ')} }`];
}
const STRUCTS_BY_KEY = new Map<string, Struct>();

/**
 * One call of `m.a` in both languages. Logic passes every required input by name; TypeScript
 * passes them positionally. Optional inputs are omitted (so TS positions stay aligned).
 */
function renderCall(
  m: ServiceModule,
  a: Action,
  r: Rand,
  varName: string | undefined,
  indent: string,
): { logic: string; ts: string; lsite: CallSite; tsite: CallSite } {
  const lPrefix = `${indent}${varName ? `var ${varName} = ` : ''}`;
  const tPrefix = `${indent}${varName ? `const ${varName} = ` : ''}`;
  let l = `${lPrefix}${m.name}.${a.name}(`;
  let t = `${tPrefix}${m.name}.${a.name}(`;
  const lsite: CallSite = {
    module: m.name,
    action: a.name,
    moduleCol: lPrefix.length,
    afterDotCol: lPrefix.length + m.name.length + 1,
    nameStart: lPrefix.length + m.name.length + 1,
    nameEnd: lPrefix.length + m.name.length + 1 + a.name.length,
  };
  const tsite: CallSite = {
    module: m.name,
    action: a.name,
    moduleCol: tPrefix.length,
    afterDotCol: tPrefix.length + m.name.length + 1,
    nameStart: tPrefix.length + m.name.length + 1,
    nameEnd: tPrefix.length + m.name.length + 1 + a.name.length,
  };
  let first = true;
  for (const p of a.params) {
    if (p.def) continue;
    const [lv, tv] = argLiteral(p, r);
    if (!first) {
      l += ', ';
      t += ', ';
    }
    first = false;
    l += `${p.name}: `;
    if (!lsite.textArg && p.type.k === 'basic' && p.type.name === 'Text') {
      lsite.textArg = { start: l.length, end: l.length + lv.length, text: lv };
      tsite.textArg = { start: t.length, end: t.length + tv.length, text: tv };
    }
    l += lv;
    t += tv;
  }
  l += ')';
  t += ');';
  return { logic: l, ts: t, lsite, tsite };
}

/**
 * Renders screens into `lg`/`ts` until `lg` has `targetLines` lines (or `screens` screens when
 * `targetLines` is 0), recording call sites when `sites` is given.
 */
function renderScreens(
  deps: ServiceModule[],
  r: Rand,
  lg: Lines,
  ts: Lines,
  opts: { screens?: number; targetLines?: number; screenBase: number; sites?: SitePair[] },
): void {
  let s = 0;
  const more = () => (opts.targetLines ? lg.count < opts.targetLines - 12 : s < (opts.screens ?? 0));
  while (more()) {
    const no = opts.screenBase + s;
    const screenName = `${r.pick(NOUNS)}Screen${no}`;
    lg.push(
      `/// The ${screenName.replace(/Screen\d+$/, '').toLowerCase()} screen number ${no}.`,
      `screen ${screenName} {`,
      `  var title: Text = "Screen ${no}"`,
      `  var counter: Integer = 0`,
    );
    ts.push(
      `/** The ${screenName.replace(/Screen\d+$/, '').toLowerCase()} screen number ${no}. */`,
      `export class ${screenName} {`,
      `  title: string = "Screen ${no}";`,
      `  counter: number = 0;`,
    );
    const nActions = r.int(2, 4);
    for (let ca = 0; ca < nActions; ca++) {
      const caName = `${r.pick(['Refresh', 'Load', 'Save', 'Submit', 'Review', 'Open'])}${ca + 1}`;
      lg.push(`  /// Handles ${caName}.`, `  client action ${caName}(query: Text) {`);
      ts.push(`  /** Handles ${caName}. */`, `  ${caName}(query: string): void {`);
      const nCalls = r.int(5, 14);
      let v = 0;
      for (let c = 0; c < nCalls; c++) {
        if (opts.targetLines && lg.count >= opts.targetLines - 4) break;
        const m = r.pick(deps);
        const a = r.pick(m.publicActions);
        const varName = a.outputs.length ? `r${++v}` : undefined;
        const call = renderCall(m, a, r, varName, '    ');
        if (opts.sites) {
          opts.sites.push({ logic: { ...call.lsite, line: lg.count }, ts: { ...call.tsite, line: ts.count } });
        }
        lg.push(call.logic);
        ts.push(call.ts);
      }
      lg.push(`    counter = counter + 1`, `  }`);
      ts.push(`    this.counter = this.counter + 1;`, `  }`);
    }
    lg.push('}', '');
    ts.push('}', '');
    s++;
  }
  // Pad to the exact target with comments (both languages stay line-aligned).
  if (opts.targetLines)
    while (lg.count < opts.targetLines) {
      lg.push(`// padding line ${lg.count + 1}`);
      ts.push(`// padding line ${ts.count + 1}`);
    }
}

function tsImports(deps: ServiceModule[]): string[] {
  return deps.map((d) => `import * as ${d.name} from "../../types/${d.name}";`);
}

// ---------------------------------------------------------------------------------------------
// The manifest the runner reads

/** `bench-manifest.json`: what was generated and where the runner should act. */
export interface BenchManifest {
  size: string;
  seed: number;
  generatedMs: number;
  counts: {
    modules: number;
    serviceModules: number;
    uiModules: number;
    publicActions: number;
    privateActions: number;
    structures: number;
    logicFiles: number;
    logicLines: number;
    tsFiles: number;
    tsLines: number;
    tsDeclarationLines: number;
  };
  /** Workspace roots relative to the manifest's folder. */
  logicRoot: string;
  tsRoot: string;
  /** The big consumer, relative to its root. */
  consumer: { logic: string; ts: string; logicLines: number; tsLines: number; module: string };
  /** Call sites in the big consumer (aligned by index). */
  sites: SitePair[];
  /** The signature-change target: one line of a file is replaced by `modified` and back. */
  signature: {
    module: string;
    action: string;
    logic: { file: string; line: number; original: string; modified: string };
    ts: { file: string; line: number; original: string; modified: string };
    /** Lines of the consumer that call the action (Logic, TS). */
    callLines: { logic: number[]; ts: number[] };
  };
}

// ---------------------------------------------------------------------------------------------
// Main

/** Generates the environment for `size` into `out`; returns the manifest. */
export function generate(size: string, seed: number, out: string, log: (s: string) => void = () => {}): BenchManifest {
  const cfg = SIZES[size];
  if (!cfg) throw new Error(`unknown size ${size} (small, medium, large, tiny)`);
  const t0 = Date.now();
  if (existsSync(out)) {
    const entries = readdirSync(out);
    if (entries.length && !entries.includes('bench-manifest.json') && !entries.includes('logic'))
      throw new Error(`${out} exists and is not a generated benchmark environment; refusing to delete it`);
    rmSync(out, { recursive: true, force: true });
  }
  const r = new Rand(makeRng(seed));
  STRUCTS_BY_KEY.clear();
  const logicRoot = join(out, 'logic');
  const tsRoot = join(out, 'ts');
  const counts = {
    modules: cfg.services + cfg.uis,
    serviceModules: cfg.services,
    uiModules: cfg.uis,
    publicActions: 0,
    privateActions: 0,
    structures: 0,
    logicFiles: 0,
    logicLines: 0,
    tsFiles: 0,
    tsLines: 0,
    tsDeclarationLines: 0,
  };
  const write = (path: string, text: string, kind: 'logic' | 'ts' | 'dts' | 'other') => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    const n = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    if (kind === 'logic') {
      counts.logicFiles++;
      counts.logicLines += n;
    } else if (kind === 'ts' || kind === 'dts') {
      counts.tsFiles++;
      counts.tsLines += n;
      if (kind === 'dts') counts.tsDeclarationLines += n;
    }
  };

  // Service modules.
  const services: ServiceModule[] = [];
  for (let i = 0; i < cfg.services; i++) {
    const m = makeService(i, cfg, r);
    services.push(m);
    for (const s of m.structs) STRUCTS_BY_KEY.set(`${m.name}.${s.name}`, s);
    counts.publicActions += m.publicActions.length;
    counts.privateActions += m.privateActions.length;
    counts.structures += m.structs.length;
    const dir = join(logicRoot, 'services', m.name);
    write(
      join(dir, 'module.json'),
      JSON.stringify(
        {
          name: m.name,
          version: '1.0.0',
          kind: 'service',
          owner: 'alice',
          description: m.description,
          protected: true,
          dependencies: {},
        },
        null,
        2,
      ) + '\n',
      'other',
    );
    write(join(dir, 'Structures.logic'), renderStructuresLogic(m), 'logic');
    const impl: string[] = [`// Implementation of ${m.name} (not part of the TypeScript project: consumers use types/${m.name}).`, ''];
    m.actionFiles.forEach((actions, k) => {
      const lines: string[] = [`// Public server actions of ${m.name}, part ${k + 1}.`, ''];
      for (const a of actions) {
        const helper = r.pick(m.privateActions);
        renderActionLogic(a, m, r, lines, helper);
        renderActionTsImpl(a, m, r, impl, helper);
      }
      write(join(dir, `Actions${k + 1}.logic`), lines.join('\n'), 'logic');
    });
    const internal: string[] = [`// Private server actions of ${m.name}.`, ''];
    for (const a of m.privateActions) {
      internal.push(
        `/// ${a.doc}`,
        `${logicSignature(a, m.name)} {`,
        `  result = value * 2 + Length(label)`,
        `  if label == "" {`,
        `    result = 0`,
        `  }`,
        '}',
        '',
      );
      renderActionTsImpl(a, m, r, impl, a);
    }
    write(join(dir, 'Internal.logic'), internal.join('\n'), 'logic');
    // The implementation file imports its own declared types.
    impl.splice(1, 0, `import type { ${m.structs.map((s) => s.name).join(', ')} } from "../../types/${m.name}";`);
    write(join(tsRoot, 'services', m.name, 'index.ts'), impl.join('\n'), 'other');
    write(join(tsRoot, 'types', m.name, 'index.d.ts'), renderDts(m), 'dts');
  }

  // UI modules; the first holds the big consumer.
  const uiNames: string[] = [];
  let sites: SitePair[] = [];
  let bigDeps: ServiceModule[] = [];
  let consumer: BenchManifest['consumer'] | undefined;
  for (let u = 0; u < cfg.uis; u++) {
    const name = `${NOUNS[(u * 7) % NOUNS.length]}Portal${u + 1}`;
    uiNames.push(name);
    const deps =
      u === 0 ? r.sample(services, Math.min(cfg.bigDeps, services.length)) : r.sample(services, Math.min(r.int(cfg.depsMin, cfg.depsMax), services.length));
    const dir = join(logicRoot, 'ui', name);
    const tdir = join(tsRoot, 'ui', name);
    write(
      join(dir, 'module.json'),
      JSON.stringify(
        {
          name,
          version: '1.0.0',
          kind: 'ui',
          owner: 'alice',
          description: `Screens of the ${name} portal.`,
          protected: false,
          dependencies: Object.fromEntries(deps.map((d) => [d.name, '^1.0.0'])),
        },
        null,
        2,
      ) + '\n',
      'other',
    );
    for (let f = 0; f < cfg.screenFiles; f++) {
      const lg = new Lines();
      const ts = new Lines();
      lg.push(`// Screens of ${name}, part ${f + 1}.`, '');
      ts.push(...tsImports(deps), `// Screens of ${name}, part ${f + 1}.`, '');
      renderScreens(deps, r, lg, ts, { screens: cfg.screensPerFile, screenBase: f * 100 + 1 });
      write(join(dir, `Screens${f + 1}.logic`), lg.text(), 'logic');
      write(join(tdir, `Screens${f + 1}.ts`), ts.text(), 'ts');
    }
    if (u === 0) {
      bigDeps = deps;
      const lg = new Lines();
      const ts = new Lines();
      lg.push(`// The big consumer of ${name} (benchmark: edits and completion).`, '');
      ts.push(...tsImports(deps), `// The big consumer of ${name} (benchmark: edits and completion).`, '');
      const offset = ts.count - lg.count;
      const raw: SitePair[] = [];
      renderScreens(deps, r, lg, ts, { targetLines: cfg.bigLines, screenBase: 1001, sites: raw });
      sites = raw;
      write(join(dir, 'Big.logic'), lg.text(), 'logic');
      write(join(tdir, 'Big.ts'), ts.text(), 'ts');
      consumer = {
        logic: `ui/${name}/Big.logic`,
        ts: `ui/${name}/Big.ts`,
        logicLines: lg.count,
        tsLines: ts.count,
        module: name,
      };
      void offset;
    }
  }

  // The signature-change target: the most called public action of the big consumer that has no
  // optional inputs (a new required input then breaks every call in both languages).
  const callCount = new Map<string, number>();
  for (const s of sites) callCount.set(`${s.logic.module}.${s.logic.action}`, (callCount.get(`${s.logic.module}.${s.logic.action}`) ?? 0) + 1);
  let target: { m: ServiceModule; a: Action; file: number } | undefined;
  let best = -1;
  for (const m of bigDeps) {
    m.actionFiles.forEach((actions, k) => {
      for (const a of actions) {
        const n = callCount.get(`${m.name}.${a.name}`) ?? 0;
        if (n > best && a.params.every((p) => !p.def)) {
          best = n;
          target = { m, a, file: k + 1 };
        }
      }
    });
  }
  if (!target || !consumer) throw new Error('no signature target');
  const { m: tm, a: ta } = target;
  const sigLogic = `${logicSignature(ta, tm.name)} {`;
  const logicFile = `services/${tm.name}/Actions${target.file}.logic`;
  const logicText = readFileSync(join(logicRoot, logicFile), 'utf8').split('\n');
  const logicLine = logicText.indexOf(sigLogic);
  const extraL = `${ta.params.length ? ', ' : ''}extraFlag: Boolean`;
  const sigLogicMod = sigLogic.replace(`${ta.name}(${logicParams(ta.params, tm.name)})`, `${ta.name}(${logicParams(ta.params, tm.name)}${extraL})`);
  const sigTs = tsDeclSignature(ta, tm.name);
  const tsFile = `types/${tm.name}/index.d.ts`;
  const tsLine = readFileSync(join(tsRoot, tsFile), 'utf8').split('\n').indexOf(sigTs);
  const sigTsMod = sigTs.replace(
    `${ta.name}(${tsParams(ta.params, tm.name)})`,
    `${ta.name}(${tsParams(ta.params, tm.name)}${ta.params.length ? ', ' : ''}extraFlag: boolean)`,
  );
  if (logicLine < 0 || tsLine < 0) throw new Error('signature line not found');
  const calls = sites.filter((s) => s.logic.module === tm.name && s.logic.action === ta.name);

  // environment.json and tsconfig.json.
  write(
    join(logicRoot, 'environment.json'),
    JSON.stringify(
      {
        name: `Benchmark ${size} (seed ${seed})`,
        admins: ['alice'],
        users: {
          alice: { displayName: 'Alice Owner', groups: ['core'] },
          bob: { displayName: 'Bob Contractor', groups: ['contractors'] },
        },
        defaultAccess: 'change',
        grants: [
          ...services.map((m) => ({ module: m.name, to: 'group:contractors', access: 'reference' })),
          ...uiNames.map((n) => ({ module: n, to: 'group:contractors', access: 'change' })),
        ],
      },
      null,
      2,
    ) + '\n',
    'other',
  );
  write(
    join(tsRoot, 'tsconfig.json'),
    JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          module: 'ESNext',
          moduleResolution: 'Bundler',
          lib: ['ES2022'],
          types: [],
          strict: true,
          noEmit: true,
          skipLibCheck: true,
        },
        include: ['types', 'ui'],
      },
      null,
      2,
    ) + '\n',
    'other',
  );

  const manifest: BenchManifest = {
    size,
    seed,
    generatedMs: Date.now() - t0,
    counts,
    logicRoot: 'logic',
    tsRoot: 'ts',
    consumer,
    sites,
    signature: {
      module: tm.name,
      action: ta.name,
      logic: { file: logicFile, line: logicLine, original: sigLogic, modified: sigLogicMod },
      ts: { file: tsFile, line: tsLine, original: sigTs, modified: sigTsMod },
      callLines: { logic: calls.map((c) => c.logic.line), ts: calls.map((c) => c.ts.line) },
    },
  };
  writeFileSync(join(out, 'bench-manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
  log(
    `generated ${size} (seed ${seed}) in ${manifest.generatedMs} ms: ${counts.modules} modules, ` +
      `${counts.publicActions} public actions, ${counts.logicLines} Logic lines in ${counts.logicFiles} files, ` +
      `${counts.tsLines} TS lines (${counts.tsDeclarationLines} in .d.ts) in ${counts.tsFiles} project files`,
  );
  return manifest;
}

/**
 * Parses a sample of the generated Logic files with the project's parser
 * (`shared/language/parser.ts`, `parse(text)`), when it exists. Returns the number of files
 * checked and their syntax errors (`undefined` when there is no parser yet).
 */
export async function validateSample(out: string, maxFiles = 40): Promise<{ files: number; errors: string[] } | undefined> {
  const here = dirname(fileURLToPath(import.meta.url));
  const parserPath = resolve(here, '..', 'shared', 'language', 'parser.ts');
  if (!existsSync(parserPath)) return undefined;
  const mod = (await import(pathToFileURL(parserPath).href)) as {
    parse?: (text: string) => { diagnostics?: Array<{ message: string; range: { start: { line: number; character: number } } }> };
  };
  if (typeof mod.parse !== 'function') return undefined;
  const manifest = JSON.parse(readFileSync(join(out, 'bench-manifest.json'), 'utf8')) as BenchManifest;
  const root = join(out, manifest.logicRoot);
  const files: string[] = [join(root, manifest.consumer.logic)];
  const svcDir = join(root, 'services');
  const svcs = readdirSync(svcDir).sort();
  for (const s of svcs.slice(0, 3)) for (const f of readdirSync(join(svcDir, s))) if (f.endsWith('.logic')) files.push(join(svcDir, s, f));
  const uiDir = join(root, 'ui');
  for (const u of readdirSync(uiDir).sort().slice(0, 3)) for (const f of readdirSync(join(uiDir, u))) if (f.endsWith('.logic')) files.push(join(uiDir, u, f));
  const errors: string[] = [];
  let n = 0;
  for (const f of files.slice(0, maxFiles)) {
    n++;
    const text = readFileSync(f, 'utf8');
    const sf = mod.parse(text);
    for (const d of sf.diagnostics ?? []) errors.push(`${f}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.message}`);
  }
  return { files: n, errors };
}

/** Options whose value may start with `--`. */
const VALUE_OPTIONS = new Set(['server-node-options']);

/** Parses `--key value`, `--key=value` (split at the first `=`) and bare `--flag` (→ `true`) options; other words are ignored. */
export function parseArgs(argv: string[]): Record<string, string | boolean> {
  const o: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const eq = a.indexOf('=');
    const k = eq < 0 ? a.slice(2) : a.slice(2, eq);
    if (eq >= 0) o[k] = a.slice(eq + 1);
    // An option whose value is itself a list of options (`--server-node-options "--trace-gc …"`)
    // takes the next word whatever it starts with.
    else if (i + 1 < argv.length && (VALUE_OPTIONS.has(k) || !argv[i + 1].startsWith('--'))) o[k] = argv[++i];
    else o[k] = true;
  }
  return o;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const size = String(args.size ?? 'small');
  const seed = Number(args.seed ?? 1);
  const here = dirname(fileURLToPath(import.meta.url));
  const out = resolve(String(args.out ?? join(here, 'out', size)));
  generate(size, seed, out, (s) => console.log(s));
  if (args['no-validate'] !== true) {
    const v = await validateSample(out);
    if (!v) console.log('validation skipped: shared/language/parser.ts is not there yet');
    else {
      console.log(`validated ${v.files} Logic files with shared/language/parser.ts: ${v.errors.length} syntax errors`);
      for (const e of v.errors.slice(0, 20)) console.log('  ' + e);
      if (v.errors.length) process.exitCode = 1;
    }
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
