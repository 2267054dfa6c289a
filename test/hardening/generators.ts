/**
 * fast-check arbitraries for the hardening fuzz tests (issue 5, "Fuzzing"):
 *
 * - {@link tokenSoup}: random strings biased to Logic tokens (keywords, identifiers, punctuation,
 *   literals, line ends, comments, unterminated strings/comments/dates, random Unicode including
 *   lone surrogate halves, NUL);
 * - {@link mutatedSource}: real sources of `examples/acme` with token spans deleted, inserted
 *   (copied from elsewhere in the file) or duplicated;
 * - {@link grammaticalProgram}: programs generated from the SPEC 3.2 grammar (they must parse with
 *   no syntax error);
 * - {@link validModule}: modules of public/private structures and server actions for the
 *   interface round trip (SPEC 3.5).
 *
 * The grammar generators are driven by a "choice sequence" (an array of naturals, cycled), so
 * fast-check shrinks a failing program by shrinking the choices.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { KEYWORDS, tokenize } from '../../shared/language/scanner';
import { BASIC_TYPES } from '../../shared/language/ast';

export const REPO = path.resolve(__dirname, '..', '..');

/** Every `.logic` file of the example environment: path relative to the repo → text. */
export function exampleSources(): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.logic')) out.push({ file: path.relative(REPO, p), text: fs.readFileSync(p, 'utf8') });
    }
  };
  walk(path.join(REPO, 'examples', 'acme'));
  return out.sort((a, b) => a.file.localeCompare(b.file));
}

// ------------------------------------------------------------------------------------ (a) soup

const PUNCT = [
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ',',
  '.',
  ':',
  ';',
  '=',
  '==',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  '+',
  '-',
  '*',
  '/',
  '%',
  '!',
  '&&',
  '||',
  '#',
  '"',
  '\\',
];
const IDENTS = ['a', 'x', 'Foo', 'OrderAPI', 'CreateOrder', 'List', 'Text', 'Integer', 'Common', 'Money', '_', 'Length', 'customerId', 'lines'];
const LITERALS = [
  '0',
  '42',
  '3.14',
  '12abc',
  '1.',
  '"s"',
  '"a\\"b"',
  '"\\q"',
  '#2026-11-30#',
  '#2026-02-30#',
  '#14:05:00#',
  '#2026-11-30 14:05:00#',
  'true',
  'false',
  '99999999999',
];
const TRIVIA = [' ', '  ', '\t', '\n', '\r\n', '\r', '\n\n', '// c\n', '/// doc\n', '//// x\n', '/* b */', '/* multi\nline */', '\u00a0', '\ufeff'];
const BROKEN = [
  '"unterminated',
  '/* unterminated',
  '#2026-11',
  '#',
  '"\\',
  '"',
  '\u0000',
  '\ud83d',
  '\ude00',
  '😀',
  'é',
  'e\u0301',
  '\u2028',
  '\u200b',
  'Ω',
  '𝔘',
];

/** One piece of token soup. */
const piece = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...KEYWORDS) },
  { weight: 6, arbitrary: fc.constantFrom(...IDENTS) },
  { weight: 6, arbitrary: fc.constantFrom(...PUNCT) },
  { weight: 3, arbitrary: fc.constantFrom(...LITERALS) },
  { weight: 6, arbitrary: fc.constantFrom(...TRIVIA) },
  { weight: 2, arbitrary: fc.constantFrom(...BROKEN) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 3 }) },
);

/** Random strings biased to Logic tokens, joined with or without blanks. */
export const tokenSoup: fc.Arbitrary<string> = fc
  .tuple(fc.array(piece, { maxLength: 120 }), fc.boolean())
  .map(([pieces, spaced]) => pieces.join(spaced ? ' ' : ''));

// ------------------------------------------------------------------------------------ (b) mutations

type Mutation = { op: 'delete' | 'insert' | 'duplicate'; at: number; len: number; from: number };

const mutation: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom('delete', 'insert', 'duplicate') as fc.Arbitrary<Mutation['op']>,
  at: fc.nat(),
  len: fc.integer({ min: 1, max: 12 }),
  from: fc.nat(),
});

/** Applies one mutation at token granularity (token boundaries of the current text). */
export function applyMutation(text: string, m: Mutation): string {
  const toks = tokenize(text).tokens;
  const n = toks.length - 1; // without EOF
  if (n <= 0) return text;
  const i = m.at % n;
  const j = Math.min(n, i + m.len);
  const span = text.slice(toks[i].start, toks[j - 1].end);
  switch (m.op) {
    case 'delete':
      return text.slice(0, toks[i].start) + text.slice(toks[j - 1].end);
    case 'duplicate':
      return text.slice(0, toks[j - 1].end) + ' ' + span + text.slice(toks[j - 1].end);
    case 'insert': {
      const k = m.from % (n + 1);
      const at = k === n ? text.length : toks[k].start;
      return text.slice(0, at) + span + ' ' + text.slice(at);
    }
  }
}

/** A real example source with 1–4 token-span mutations. */
export function mutatedSource(sources: { file: string; text: string }[]): fc.Arbitrary<{ file: string; text: string }> {
  return fc.tuple(fc.nat(sources.length - 1), fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([k, ms]) => {
    let text = sources[k].text;
    for (const m of ms) text = applyMutation(text, m);
    return { file: sources[k].file, text };
  });
}

// ------------------------------------------------------------------------------------ (c) grammar

/** Reads choices from an array of naturals, then from a small PRNG seeded by the array. */
class Choices {
  private i = 0;
  private state: number;
  constructor(private readonly xs: number[]) {
    this.state = xs.reduce((a, x) => (a * 31 + x) >>> 0, 7);
  }
  /** A choice in `[0, n)`. */
  pick(n: number): number {
    if (n <= 1) return 0;
    let v: number;
    if (this.i < this.xs.length) v = this.xs[this.i];
    else {
      this.state = (Math.imul(this.state, 1664525) + 1013904223) >>> 0;
      v = this.state >>> 8;
    }
    this.i++;
    return v % n;
  }
  of<T>(items: readonly T[]): T {
    return items[this.pick(items.length)];
  }
  chance(percent: number): boolean {
    return this.pick(100) < percent;
  }
  /** Guards against runaway generation: after this many choices everything takes the shortest form. */
  get exhausted(): boolean {
    return this.i > 3000;
  }
}

const NAMES = ['a', 'b', 'item', 'total', 'customerId', 'x1', '_tmp', 'Order', 'lines', 'Money'];
const TYPE_NAMES = ['Order', 'Line', 'Money', 'Address'];

function literal(c: Choices): string {
  switch (c.pick(8)) {
    case 0:
      return String(c.pick(100000));
    case 1:
      return `${c.pick(1000)}.${c.pick(100)}`;
    case 2:
      return JSON.stringify(c.of(['', 'x', 'a "quoted" word', 'tab\there', 'line\nbreak', 'back\\slash', 'emoji 😀', 'e\u0301'])).replace(
        /\\u[0-9a-f]{4}/g,
        '?',
      );
    case 3:
      return c.of(['true', 'false']);
    case 4:
      return `#20${10 + c.pick(89)}-${String(1 + c.pick(12)).padStart(2, '0')}-${String(1 + c.pick(28)).padStart(2, '0')}#`;
    case 5:
      return `#${String(c.pick(24)).padStart(2, '0')}:${String(c.pick(60)).padStart(2, '0')}:${String(c.pick(60)).padStart(2, '0')}#`;
    case 6:
      return '#2026-11-30 14:05:00#';
    default:
      return '0';
  }
}

function type(c: Choices, depth = 0): string {
  const k = depth > 3 || c.exhausted ? c.pick(2) : c.pick(5);
  if (k === 0) return c.of(BASIC_TYPES);
  if (k === 1) return c.of(TYPE_NAMES);
  if (k === 2) return `List<${type(c, depth + 1)}>`;
  if (k === 3) return `${c.of(['OrderAPI', 'Common'])}.${c.of(TYPE_NAMES)}`;
  return c.of(BASIC_TYPES);
}

/**
 * An expression of SPEC 3.2 on one line. `noRecord`: a record literal may not appear outside
 * brackets (if/while conditions and for lists).
 */
function expr(c: Choices, depth: number, noRecord: boolean): string {
  return or(c, depth, noRecord);
}
function or(c: Choices, d: number, nr: boolean): string {
  const parts = [and(c, d, nr)];
  while (d < 5 && !c.exhausted && c.chance(12)) parts.push(and(c, d + 1, nr));
  return parts.join(' or ');
}
function and(c: Choices, d: number, nr: boolean): string {
  const parts = [not(c, d, nr)];
  while (d < 5 && !c.exhausted && c.chance(12)) parts.push(not(c, d + 1, nr));
  return parts.join(' and ');
}
function not(c: Choices, d: number, nr: boolean): string {
  return (c.chance(10) ? 'not ' : '') + cmp(c, d, nr);
}
function cmp(c: Choices, d: number, nr: boolean): string {
  const left = add(c, d, nr);
  if (d < 5 && !c.exhausted && c.chance(20)) return `${left} ${c.of(['==', '!=', '<', '<=', '>', '>='])} ${add(c, d + 1, nr)}`;
  return left;
}
function add(c: Choices, d: number, nr: boolean): string {
  let s = mul(c, d, nr);
  while (d < 5 && !c.exhausted && c.chance(20)) s += ` ${c.of(['+', '-'])} ${mul(c, d + 1, nr)}`;
  return s;
}
function mul(c: Choices, d: number, nr: boolean): string {
  let s = unary(c, d, nr);
  while (d < 5 && !c.exhausted && c.chance(15)) s += ` ${c.of(['*', '/', '%'])} ${unary(c, d + 1, nr)}`;
  return s;
}
function unary(c: Choices, d: number, nr: boolean): string {
  return (c.chance(10) ? '-' : '') + postfix(c, d, nr);
}
function postfix(c: Choices, d: number, nr: boolean): string {
  let s = primary(c, d, nr);
  while (d < 6 && !c.exhausted && c.chance(25)) {
    switch (c.pick(3)) {
      case 0:
        s += `.${c.of(NAMES)}`;
        break;
      case 1:
        s += `(${args(c, d + 1)})`;
        break;
      default:
        s += `[${expr(c, d + 1, false)}]`;
    }
  }
  return s;
}
function args(c: Choices, d: number): string {
  const n = c.exhausted ? 0 : c.pick(4);
  const positional = c.pick(n + 1);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push((i >= positional ? `${c.of(NAMES)}: ` : '') + expr(c, d, false));
  return out.join(', ');
}
function primary(c: Choices, d: number, nr: boolean): string {
  const k = d > 5 || c.exhausted ? c.pick(2) : c.pick(8);
  switch (k) {
    case 0:
      return literal(c);
    case 1:
    case 2:
      return c.of(NAMES);
    case 3:
      return `(${expr(c, d + 1, false)})`;
    case 4: {
      const n = c.pick(4);
      return `[${Array.from({ length: n }, () => expr(c, d + 1, false)).join(', ')}]`;
    }
    case 5: {
      if (nr) return c.of(NAMES);
      const n = c.pick(3);
      const t = c.chance(50) ? c.of(TYPE_NAMES) : `OrderAPI.${c.of(TYPE_NAMES)}`;
      const fields = Array.from({ length: n }, () => `${c.of(NAMES)}: ${expr(c, d + 1, false)}`).join(', ');
      return `${t} { ${fields} }`;
    }
    case 6:
      return `${c.of(NAMES)}.${c.of(NAMES)}`;
    default:
      return literal(c);
  }
}

function target(c: Choices, d: number): string {
  let s = c.of(NAMES);
  while (!c.exhausted && c.chance(25)) s += c.chance(50) ? `.${c.of(NAMES)}` : `[${expr(c, d + 1, false)}]`;
  return s;
}

function block(c: Choices, indent: string, d: number): string {
  const n = d > 3 || c.exhausted ? c.pick(2) : c.pick(5);
  const inner = indent + '  ';
  const lines = Array.from({ length: n }, () => inner + statement(c, inner, d + 1));
  return `{\n${lines.map((l) => l + '\n').join('')}${indent}}`;
}

function statement(c: Choices, indent: string, d: number): string {
  const k = d > 3 || c.exhausted ? c.pick(3) : c.pick(9);
  const comment = c.chance(8) ? c.of([' // trailing', ' /* inline */']) : '';
  switch (k) {
    case 0:
      return `var ${c.of(NAMES)}${c.chance(60) ? `: ${type(c)}` : ''} = ${expr(c, 0, false)}${comment}`;
    case 1:
      return `${target(c, 0)} = ${expr(c, 0, false)}${comment}`;
    case 2:
      return `${postfix(c, 3, false)}${comment}`;
    case 3: {
      let s = `if ${expr(c, 0, true)} ${block(c, indent, d)}`;
      while (!c.exhausted && c.chance(25)) s += ` else if ${expr(c, 0, true)} ${block(c, indent, d)}`;
      if (c.chance(40)) s += (c.chance(30) ? `\n${indent}else ` : ' else ') + block(c, indent, d);
      return s;
    }
    case 4:
      return `for ${c.of(NAMES)} in ${expr(c, 0, true)} ${block(c, indent, d)}`;
    case 5:
      return `while ${expr(c, 0, true)} ${block(c, indent, d)}`;
    case 6:
      return 'return';
    case 7:
      return `var ${c.of(NAMES)}: ${type(c)}`;
    default:
      return `${c.of(NAMES)}(${args(c, 0)})`;
  }
}

function params(c: Choices, withDocs: boolean): string {
  const n = c.pick(4);
  const ps = Array.from({ length: n }, (_, i) => `${NAMES[i]}: ${type(c)}${c.chance(25) ? ` = ${expr(c, 3, false)}` : ''}`);
  if (withDocs && n > 0 && c.chance(30)) return `(\n${ps.map((p) => `  /// doc of a parameter\n  ${p}`).join(',\n')}\n)`;
  return `(${ps.join(', ')})`;
}

function doc(c: Choices, indent = ''): string {
  if (!c.chance(40)) return '';
  const lines = ['Does things.', '@param a the first', '', 'Markdown *here*'];
  const n = 1 + c.pick(3);
  return Array.from({ length: n }, () => `${indent}/// ${c.of(lines)}`.trimEnd() + '\n').join('');
}

function declaration(c: Choices, i: number): string {
  const pub = c.chance(50) ? 'public ' : '';
  switch (c.pick(3)) {
    case 0: {
      const n = c.pick(5);
      const fields = Array.from({ length: n }, (_, k) => `${doc(c, '  ')}  f${k}: ${type(c)}${c.chance(20) ? ` = ${expr(c, 3, false)}` : ''}\n`);
      return `${doc(c)}${pub}structure S${i} {\n${fields.join('')}}\n`;
    }
    case 1: {
      const ps = params(c, true);
      const ret = c.chance(40) ? ` returns ${params(c, false)}` : '';
      return `${doc(c)}${pub}server action A${i}${ps}${ret} ${block(c, '', 0)}\n`;
    }
    default: {
      const n = c.pick(4);
      const members = Array.from({ length: n }, (_, k) =>
        c.chance(50)
          ? `  var v${k}: ${type(c)}${c.chance(50) ? ` = ${expr(c, 3, false)}` : ''}\n`
          : `${doc(c, '  ')}  client action C${k}${params(c, false)} ${block(c, '  ', 1)}\n`,
      );
      return `${doc(c)}${pub}screen Sc${i} {\n${members.join('')}}\n`;
    }
  }
}

/** A whole program generated from the SPEC 3.2 grammar (and the line-end rules of DECISIONS.md). */
export function programFromChoices(xs: number[]): string {
  const c = new Choices(xs);
  const n = 1 + c.pick(5);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    if (c.chance(15)) parts.push('// a comment between declarations\n');
    parts.push(declaration(c, i));
    if (c.chance(50)) parts.push('\n');
  }
  return parts.join('');
}

export const grammaticalProgram: fc.Arbitrary<string> = fc.array(fc.nat(1 << 20), { maxLength: 300 }).map(programFromChoices);

// ------------------------------------------------------------------------------------ valid modules

const DOC_TEXTS = fc.oneof(
  fc.constantFrom(
    'Creates an order.',
    'Uses `code` and *emphasis*.',
    '<script>x</script>',
    'Ünïcödé 😀 e\u0301',
    '@param nobody nothing',
    '',
    'Two\nlines',
    'A paragraph.\n\nAnother one.',
    '@param a a tag\nand text',
  ),
  fc.string({ maxLength: 20 }).map((s) => s.replace(/[\r\n\u2028\u2029]/g, ' ')),
);

/** A literal default of a field or input, or a non-literal expression. */
const DEFAULTS = fc.constantFrom('1', '-2.5', '"EUR"', '"a \\"q\\""', 'true', '#2026-01-01#', '[]', '1 + 2', 'Helper()', 'x');

/** The types a valid module's members use: basic, lists, own structures (public or private), dependency types. */
function memberType(structs: { name: string }[]): fc.Arbitrary<string> {
  const leaf = fc.oneof(
    fc.constantFrom(...BASIC_TYPES),
    structs.length ? fc.constantFrom(...structs.map((s) => s.name)) : fc.constant('Text'),
    fc.constantFrom('Common.Money', 'Common.Secret', 'Unknown'),
  );
  return fc.oneof(
    { weight: 3, arbitrary: leaf },
    { weight: 1, arbitrary: leaf.map((t) => `List<${t}>`) },
    { weight: 1, arbitrary: leaf.map((t) => `List<List<${t}>>`) },
  );
}

/** A module's source: structures and server actions (public or private), with doc comments and defaults. */
export const validModule: fc.Arbitrary<string> = fc
  .array(fc.record({ isPublic: fc.boolean(), doc: fc.option(DOC_TEXTS) }), { minLength: 1, maxLength: 4 })
  .chain((structs) => {
    const named = structs.map((s, i) => ({ ...s, name: `${s.isPublic ? 'Pub' : 'Priv'}Struct${i}` }));
    const member = fc.record({
      name: fc.constantFrom('a', 'b', 'c', 'qty', 'customerId', 'x'),
      type: memberType(named),
      def: fc.option(DEFAULTS, { freq: 3 }),
      doc: fc.option(DOC_TEXTS, { freq: 4 }),
    });
    const uniq = <T extends { name: string }>(ms: T[]): T[] => ms.filter((m, i) => ms.findIndex((x) => x.name === m.name) === i);
    const structure = fc.array(member, { maxLength: 5 }).map(uniq);
    const action = fc.record({
      isPublic: fc.boolean(),
      doc: fc.option(DOC_TEXTS),
      ins: fc.array(member, { maxLength: 4 }).map(uniq),
      outs: fc.array(member, { maxLength: 3 }).map(uniq),
    });
    return fc.tuple(fc.constant(named), fc.array(structure, { minLength: named.length, maxLength: named.length }), fc.array(action, { maxLength: 4 }));
  })
  .map(([structs, fieldLists, actions]) => {
    const docLines = (d: string | null | undefined, indent = '') =>
      d == null
        ? ''
        : d
            .split('\n')
            .map((l) => `${indent}/// ${l}`.trimEnd() + '\n')
            .join('');
    const out: string[] = ['// A generated module.\n'];
    structs.forEach((s, i) => {
      out.push(docLines(s.doc));
      out.push(`${s.isPublic ? 'public ' : ''}structure ${s.name} {\n`);
      for (const f of fieldLists[i]) out.push(docLines(f.doc, '  ') + `  ${f.name}: ${f.type}${f.def ? ` = ${f.def}` : ''}\n`);
      out.push('}\n\n');
    });
    actions.forEach((a, i) => {
      const ins = a.ins.map((p) => `${p.name}: ${p.type}${p.def ? ` = ${p.def}` : ''}`);
      // outputs must not clash with inputs
      const outs = a.outs.filter((o) => !a.ins.some((p) => p.name === o.name)).map((p) => `r${p.name}: ${p.type}`);
      const withDocs = a.ins.some((p) => p.doc != null);
      const inText = withDocs ? `(\n${a.ins.map((p, k) => `${docLines(p.doc, '  ')}  ${ins[k]}`).join(',\n')}\n)` : `(${ins.join(', ')})`;
      out.push(docLines(a.doc));
      out.push(`${a.isPublic ? 'public ' : ''}server action Act${i}${inText}${outs.length ? ` returns (${outs.join(', ')})` : ''} {\n}\n\n`);
    });
    out.push('server action Helper() returns (v: Integer) {\n  v = 1\n}\n');
    return out.join('');
  });
