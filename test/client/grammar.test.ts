/**
 * The declarative language support of the client (SPEC 5: "The language `logic` with a TextMate
 * grammar, comments, brackets and auto-closing pairs"): `client/syntaxes/logic.tmLanguage.json`,
 * `client/language-configuration.json` and their registration in `package.json`.
 *
 * `vscode-textmate` is not a dependency, so the grammar runs here on a small TextMate engine
 * (match / begin-end rules, captures, includes, a rule stack across lines). The grammar keeps its
 * regexes within the subset that Oniguruma and JavaScript RegExp read the same way, which is what
 * makes that possible and what the first tests check.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const readJson = (rel: string) => JSON.parse(readFileSync(join(root, rel), 'utf8'));

interface Capture {
  name?: string;
}
interface Rule {
  name?: string;
  contentName?: string;
  match?: string;
  begin?: string;
  end?: string;
  captures?: Record<string, Capture>;
  beginCaptures?: Record<string, Capture>;
  endCaptures?: Record<string, Capture>;
  patterns?: Rule[];
  include?: string;
  repository?: Record<string, Rule>;
  comment?: string;
}
interface Grammar extends Rule {
  scopeName: string;
  repository: Record<string, Rule>;
}

const grammar: Grammar = readJson('client/syntaxes/logic.tmLanguage.json');
const config = readJson('client/language-configuration.json');
const pkg = readJson('package.json');

/** Every rule object of the grammar (root, repository entries and nested patterns). */
function allRules(): Rule[] {
  const out: Rule[] = [];
  const visit = (r: Rule) => {
    out.push(r);
    for (const p of r.patterns ?? []) visit(p);
  };
  visit(grammar);
  for (const r of Object.values(grammar.repository)) visit(r);
  return out;
}

/** Oniguruma-only syntax that JavaScript would silently read differently. */
const ONIGURUMA_ONLY = /\\[hHAzZGK]|\(\?[imx-]+[:)]|\(\?>|[*+?}]\+|\\p\{/;

function compile(source: string): RegExp {
  return new RegExp(source, 'dg');
}

// ---------------------------------------------------------------------------------------------
// A small TextMate engine.

interface Frame {
  rule: Rule;
  end?: RegExp;
  scopes: string[];
}

const compiled = new Map<string, RegExp>();
function re(source: string): RegExp {
  let r = compiled.get(source);
  if (!r) compiled.set(source, (r = compile(source)));
  return r;
}

function resolve(p: Rule, seen = new Set<Rule>()): Rule[] {
  if (p.include) {
    let target: Rule | undefined;
    if (p.include === '$self' || p.include === '$base') target = grammar;
    else if (p.include.startsWith('#')) target = grammar.repository[p.include.slice(1)];
    if (!target) throw new Error(`unresolved include ${p.include}`);
    if (seen.has(target)) return [];
    seen.add(target);
    if (target.match || target.begin) return [target];
    return (target.patterns ?? []).flatMap((x) => resolve(x, seen));
  }
  if (p.match || p.begin) return [p];
  return (p.patterns ?? []).flatMap((x) => resolve(x, seen));
}

const expanded = new Map<Rule, Rule[]>();
/** The match and begin/end rules reachable from `rule.patterns`, includes expanded (cached). */
function patternsOf(rule: Rule): Rule[] {
  let r = expanded.get(rule);
  if (!r) expanded.set(rule, (r = (rule.patterns ?? []).flatMap((x) => resolve(x))));
  return r;
}

function scopesOf(name?: string): string[] {
  return name ? name.split(/\s+/).filter(Boolean) : [];
}

function applyCaptures(out: string[][], m: RegExpExecArray, base: string[], caps: Record<string, Capture> | undefined) {
  for (let i = m.index; i < m.index + m[0].length; i++) out[i] = [...base];
  if (!caps || !m.indices) return;
  for (const [k, c] of Object.entries(caps)) {
    const span = m.indices[Number(k)];
    if (!span || !c.name) continue;
    for (let i = span[0]; i < span[1]; i++) out[i] = [...out[i]!, ...scopesOf(c.name)];
  }
}

/**
 * Tokenizes `text` and returns, per line, the scopes of every character. `openRules` receives
 * the scopes of the rules still open at the end of the text (none for well-formed code).
 */
function tokenize(text: string, openRules?: string[][]): { line: string; scopes: string[][] }[] {
  const stack: Frame[] = [{ rule: grammar, scopes: [grammar.scopeName] }];
  const result: { line: string; scopes: string[][] }[] = [];
  for (const line of text.split('\n')) {
    const out: string[][] = [];
    let pos = 0;
    for (let guard = 0; guard < 10_000; guard++) {
      const top = stack[stack.length - 1]!;
      let best: { m: RegExpExecArray; rule?: Rule } | undefined;
      if (top.end) {
        top.end.lastIndex = pos;
        const m = top.end.exec(line);
        if (m) best = { m };
      }
      if (pos < line.length) {
        for (const p of patternsOf(top.rule)) {
          const r = re((p.match ?? p.begin)!);
          r.lastIndex = pos;
          const m = r.exec(line);
          if (!m || (m[0].length === 0 && !p.begin)) continue;
          if (!best || m.index < best.m.index) best = { m, rule: p };
        }
      }
      if (!best) break;
      const { m, rule } = best;
      for (let i = pos; i < m.index; i++) out[i] = [...top.scopes];
      if (!rule) {
        applyCaptures(out, m, top.scopes.slice(0, top.rule.contentName ? -1 : undefined), top.rule.endCaptures ?? top.rule.captures);
        stack.pop();
        pos = m.index + m[0].length;
      } else if (rule.match) {
        applyCaptures(out, m, [...top.scopes, ...scopesOf(rule.name)], rule.captures);
        pos = m.index + m[0].length;
      } else {
        const scopes = [...top.scopes, ...scopesOf(rule.name)];
        applyCaptures(out, m, scopes, rule.beginCaptures ?? rule.captures);
        stack.push({ rule, end: re(rule.end!), scopes: [...scopes, ...scopesOf(rule.contentName)] });
        pos = m.index + m[0].length;
      }
      if (pos >= line.length && !stack[stack.length - 1]!.end) break;
    }
    for (let i = pos; i < line.length; i++) out[i] ??= [...stack[stack.length - 1]!.scopes];
    result.push({ line, scopes: out });
  }
  openRules?.push(...stack.slice(1).map((f) => f.scopes));
  return result;
}

/**
 * The scopes of every character of the `occurrence`-th appearance of `needle` in the tokenized
 * `text` (lines are tokenized in order, the rule stack carried across them).
 */
const tokenized = new Map<string, ReturnType<typeof tokenize>>();
function scopesOf_(text: string, needle: string, occurrence = 0): string[][] {
  let seen = 0;
  let lines = tokenized.get(text);
  if (!lines) tokenized.set(text, (lines = tokenize(text)));
  for (const { line, scopes } of lines) {
    let at = line.indexOf(needle);
    while (at >= 0) {
      if (seen++ === occurrence) return scopes.slice(at, at + needle.length);
      at = line.indexOf(needle, at + 1);
    }
  }
  throw new Error(`"${needle}" not found`);
}

/** Asserts that every character of the needle (or of its `part`) has `scope`. */
function assertScope(text: string, needle: string, scope: string, occurrence = 0, part = needle) {
  const all = scopesOf_(text, needle, occurrence);
  const from = needle.indexOf(part);
  all
    .slice(from, from + part.length)
    .forEach((scopes, i) =>
      assert.ok(scopes.includes(scope), `expected "${part}" (in "${needle}") to have scope ${scope}; character ${i} has ${scopes.join(' ')}`),
    );
}

/** Asserts that no character of the needle has a scope starting with `scopePrefix`. */
function assertNotScope(text: string, needle: string, scopePrefix: string, occurrence = 0) {
  for (const scopes of scopesOf_(text, needle, occurrence)) {
    assert.ok(!scopes.some((s) => s.startsWith(scopePrefix)), `expected "${needle}" not to have a ${scopePrefix}* scope, got ${scopes.join(' ')}`);
  }
}

// ---------------------------------------------------------------------------------------------

describe('logic.tmLanguage.json: structure', () => {
  test('is the source.logic grammar', () => {
    assert.equal(grammar.scopeName, 'source.logic');
    assert.ok(Array.isArray(grammar.patterns) && grammar.patterns.length > 0);
  });

  test('every regex compiles as JavaScript and uses no Oniguruma-only syntax', () => {
    let count = 0;
    for (const r of allRules()) {
      for (const key of ['match', 'begin', 'end'] as const) {
        const src = r[key];
        if (src === undefined) continue;
        count++;
        assert.doesNotThrow(() => compile(src), `${key}: ${src}`);
        assert.doesNotMatch(src, ONIGURUMA_ONLY, `${key} uses Oniguruma-only syntax: ${src}`);
      }
      assert.ok(!(r.match && r.begin), 'a rule is either match or begin/end');
      if (r.begin) assert.ok(r.end !== undefined, `begin without end: ${r.begin}`);
    }
    assert.ok(count > 30, `only ${count} regexes: the grammar is too thin`);
  });

  test('every include resolves and every scope name ends in .logic', () => {
    for (const r of allRules()) {
      if (r === grammar) continue; // its `name` is the display name
      if (r.include) assert.doesNotThrow(() => resolve(r), r.include);
      const names = [r.name, r.contentName, ...Object.values({ ...r.captures, ...r.beginCaptures, ...r.endCaptures }).map((c) => c.name)];
      for (const n of names) {
        if (n === undefined) continue;
        for (const s of scopesOf(n)) assert.match(s, /^[a-z][a-z0-9-]*(\.[a-z0-9-]+)*\.logic$/, s);
      }
    }
  });

  test('no match rule can match the empty string (which would stall a tokenizer)', () => {
    for (const r of allRules()) {
      if (r.match) assert.ok(!compile(`^(?:${r.match})$`).test(''), `matches empty: ${r.match}`);
      if (r.begin) assert.ok(!compile(`^(?:${r.begin})$`).test(''), `begin matches empty: ${r.begin}`);
    }
  });
});

describe('logic.tmLanguage.json: tokens', () => {
  const src = [
    '/// An order line.',
    '/// @param productId the product, **required**',
    'public structure OrderLine {',
    '  /// Number of units.',
    '  quantity: Integer = 1',
    '  tags: List<List<Common.Tag>>',
    '  price: Currency',
    '}',
    '// a line comment with "quotes" and #2026-01-01#',
    '/* block',
    '   comment if while */',
    '// #region Orders',
    'public server action CreateOrder(customerId: Text, lines: List<OrderLine>, when: Date = #2026-11-30#) returns (orderId: Text, total: Decimal) {',
    '  var count: Integer = 0',
    '  var msg = "say \\"hi\\"\\n"',
    '  for line in lines {',
    '    if line.quantity > 0 and not (line.quantity % 2 == 0) or false {',
    '      count = count + 1',
    '    } else {',
    '      total = total - 3.14',
    '    }',
    '  }',
    '  while count >= 1 { count = count - 1 }',
    '  var at: DateTime = #2026-11-30 14:05:00#',
    '  var t: Time = #14:05:00#',
    '  var rec = Common.Address { street: "Main", zip: lines[0].quantity }',
    '  orderId = OrderAPI.GetOrder(id: "O-1").order.id',
    '  LogMessage(IntegerToText(count))',
    '  return',
    '}',
    '// #endregion',
    'screen OrderEntry {',
    '  var email: Email = "a@b.c"',
    '  client action Submit() {',
    '    Submit()',
    '  }',
    '}',
  ].join('\n');

  test('declaration keywords and names', () => {
    assertScope(src, 'public', 'storage.modifier.public.logic');
    assertScope(src, 'structure', 'storage.type.structure.logic');
    assertScope(src, 'OrderLine', 'entity.name.type.structure.logic');
    assertScope(src, 'server', 'storage.modifier.server.logic');
    assertScope(src, 'action', 'storage.type.action.logic');
    assertScope(src, 'CreateOrder', 'entity.name.function.server-action.logic');
    assertScope(src, 'screen', 'storage.type.screen.logic');
    assertScope(src, 'OrderEntry', 'entity.name.type.screen.logic');
    assertScope(src, 'client', 'storage.modifier.client.logic');
    assertScope(src, 'Submit', 'entity.name.function.client-action.logic');
    assertScope(src, 'Submit', 'entity.name.function.logic', 1);
  });

  test('parameters, returns and types in signatures', () => {
    assertScope(src, 'customerId', 'variable.parameter.logic');
    assertScope(src, 'returns', 'keyword.other.returns.logic');
    assertScope(src, 'orderId', 'variable.parameter.logic');
    assertScope(src, 'Decimal', 'support.type.primitive.logic');
    assertScope(src, 'List', 'support.type.list.logic', 1);
    assertScope(src, 'OrderLine', 'entity.name.type.logic', 1);
    assertScope(src, '#2026-11-30#', 'constant.other.date.logic', 0);
  });

  test('structure fields and nested list types', () => {
    assertScope(src, 'quantity', 'variable.other.property.field.logic');
    assertScope(src, 'Integer', 'support.type.primitive.logic');
    assertScope(src, 'Common', 'entity.name.namespace.module.logic');
    assertScope(src, 'Tag', 'entity.name.type.logic');
    assertScope(src, 'Currency', 'support.type.primitive.logic');
    assertScope(src, '>>', 'punctuation.definition.typeparameters.end.logic');
  });

  test('comments and doc comments', () => {
    assertScope(src, '/// An order line.', 'comment.line.triple-slash.documentation.logic');
    assertScope(src, '@param', 'keyword.other.documentation.param.logic');
    assertScope(src, 'productId', 'variable.parameter.doc.logic');
    assertScope(src, 'Number of units.', 'comment.line.triple-slash.documentation.logic');
    assertScope(src, '"quotes"', 'comment.line.double-slash.logic');
    assertNotScope(src, '"quotes"', 'string');
    assertScope(src, '#2026-01-01#', 'comment.line.double-slash.logic');
    assertNotScope(src, '#2026-01-01#', 'constant');
    assertScope(src, 'comment if while', 'comment.block.logic');
    assertNotScope(src, 'if while', 'keyword');
    assertScope(src, '#region', 'keyword.control.region.logic');
    assertScope(src, '#endregion', 'keyword.control.region.logic');
  });

  test('statements and operators', () => {
    assertScope(src, 'var', 'storage.type.var.logic');
    assertScope(src, 'count', 'variable.other.declaration.logic');
    assertScope(src, 'for', 'keyword.control.logic');
    assertScope(src, ' in ', 'keyword.control.logic', 0, 'in');
    assertScope(src, 'if', 'keyword.control.logic', 1);
    assertScope(src, 'else', 'keyword.control.logic');
    assertScope(src, 'while', 'keyword.control.logic', 1);
    assertScope(src, '  return', 'keyword.control.logic', 0, 'return');
    assertNotScope(src, 'returns', 'keyword.control');
    assertScope(src, '0 and not', 'keyword.operator.logical.logic', 0, 'and');
    assertScope(src, '0 and not', 'keyword.operator.logical.logic', 0, 'not');
    assertScope(src, ' or ', 'keyword.operator.logical.logic', 0, 'or');
    assertScope(src, 'false', 'constant.language.boolean.logic');
    assertScope(src, '%', 'keyword.operator.arithmetic.logic');
    assertScope(src, '==', 'keyword.operator.comparison.logic');
    assertScope(src, '>=', 'keyword.operator.comparison.logic');
    assertScope(src, ' > ', 'keyword.operator.comparison.logic', 0, '>');
  });

  test('literals', () => {
    assertScope(src, '"say ', 'string.quoted.double.logic');
    assertScope(src, '\\"', 'constant.character.escape.logic');
    assertScope(src, '\\n', 'constant.character.escape.logic');
    assertScope(src, '3.14', 'constant.numeric.decimal.logic');
    assertScope(src, 'Integer = 0', 'constant.numeric.integer.logic', 0, '0');
    assertScope(src, '#2026-11-30 14:05:00#', 'constant.other.datetime.logic');
    assertScope(src, '#14:05:00#', 'constant.other.time.logic');
    assertScope(src, '"Main"', 'string.quoted.double.logic');
  });

  test('qualified names, record literals, calls and named arguments', () => {
    assertScope(src, 'Common', 'entity.name.namespace.module.logic', 1);
    assertScope(src, 'Address', 'entity.name.type.logic');
    assertScope(src, 'street', 'variable.parameter.argument.logic');
    assertScope(src, 'OrderAPI', 'entity.name.namespace.module.logic');
    assertScope(src, 'GetOrder', 'entity.name.function.logic');
    assertScope(src, '(id: ', 'variable.parameter.argument.logic', 0, 'id');
    assertScope(src, '(id: ', 'punctuation.separator.key-value.logic', 0, ':');
    assertScope(src, 'LogMessage', 'entity.name.function.logic');
    assertScope(src, 'IntegerToText', 'entity.name.function.logic');
    assertScope(src, 'Email', 'support.type.primitive.logic');
  });

  test('a signature spread over lines, with doc comments on parameters', () => {
    const s = [
      'public server action EstimateDelivery(',
      '  /// The day the order is placed.',
      '  orderDate: Date,',
      '  orderTime: Time = #09:00:00#',
      ') returns (',
      '  deliveryDate: Date',
      ') {',
      '  deliveryDate = orderDate',
      '}',
    ].join('\n');
    assertScope(s, 'The day the order', 'comment.line.triple-slash.documentation.logic');
    assertScope(s, 'orderDate', 'variable.parameter.logic');
    assertScope(s, ': Time', 'support.type.primitive.logic', 0, 'Time');
    assertScope(s, '#09:00:00#', 'constant.other.time.logic');
    assertScope(s, 'returns', 'keyword.other.returns.logic');
    assertScope(s, 'deliveryDate', 'variable.parameter.logic');
    assertScope(s, 'deliveryDate', 'variable.other.logic', 1);
    assertNotScope(s, 'deliveryDate', 'meta.declaration', 1);
  });

  test('an unterminated string ends at the end of its line', () => {
    const s = 'var x = "open\nvar y = 1';
    assertScope(s, 'var', 'storage.type.var.logic', 1);
    assertScope(s, '1', 'constant.numeric.integer.logic');
  });
});

describe('logic.tmLanguage.json: the example environment', () => {
  const files: string[] = [];
  const walkDir = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walkDir(p);
      else if (name.endsWith('.logic')) files.push(p);
    }
  };
  const acme = join(root, 'examples', 'acme');
  if (existsSync(acme)) walkDir(acme);

  test('every .logic file of examples/acme tokenizes with no invalid scope and no rule left open', () => {
    assert.ok(files.length > 0, 'examples/acme has .logic files');
    for (const f of files) {
      const open: string[][] = [];
      const lines = tokenize(readFileSync(f, 'utf8').replace(/\r\n/g, '\n'), open);
      assert.deepEqual(open, [], `${f}: rules left open at the end`);
      lines.forEach(({ line, scopes }, i) => {
        scopes.forEach((sc, c) => {
          assert.ok(!sc.some((x) => x.startsWith('invalid.')), `${f}:${i + 1}:${c + 1}: invalid token in: ${line}`);
        });
        // Every keyword outside comments and strings is highlighted as a keyword.
        for (const m of line.matchAll(/\b(?:if|else|while|for|return|var|structure|screen|public)\b/g)) {
          const sc = scopes[m.index!]!;
          if (sc.some((x) => x.startsWith('comment') || x.startsWith('string'))) continue;
          assert.ok(
            sc.some((x) => x.startsWith('keyword') || x.startsWith('storage')),
            `${f}:${i + 1}:${m.index! + 1}: "${m[0]}" scoped ${sc.join(' ')}`,
          );
        }
      });
    }
  });
});

describe('language-configuration.json', () => {
  const KNOWN = new Set([
    'comments',
    'brackets',
    'colorizedBracketPairs',
    'autoClosingPairs',
    'autoCloseBefore',
    'surroundingPairs',
    'folding',
    'wordPattern',
    'indentationRules',
    'onEnterRules',
  ]);

  test('uses only keys VS Code knows', () => {
    for (const k of Object.keys(config)) assert.ok(KNOWN.has(k), `unknown key ${k}`);
  });

  test('comments and brackets', () => {
    assert.deepEqual(config.comments, { lineComment: '//', blockComment: ['/*', '*/'] });
    const pairs = (config.brackets as string[][]).map((p) => p.join(''));
    assert.deepEqual(new Set(pairs), new Set(['{}', '[]', '()']));
    const closers = (config.autoClosingPairs as { open: string; close: string }[]).map((p) => p.open);
    for (const b of ['{', '[', '(', '"']) assert.ok(closers.includes(b), `auto-closes ${b}`);
    assert.ok(!closers.includes('<'), '< is a comparison operator, not an auto-closing bracket');
    assert.ok(!pairs.includes('<>'), '<> is not a bracket pair');
    const quote = config.autoClosingPairs.find((p: { open: string }) => p.open === '"');
    assert.deepEqual(new Set(quote.notIn), new Set(['string', 'comment']));
    for (const p of config.surroundingPairs) assert.equal(p.length, 2);
  });

  test('every regex compiles; folding markers match #region lines only', () => {
    const { start, end } = config.folding.markers;
    assert.match('  // #region Orders', new RegExp(start));
    assert.match('// #endregion', new RegExp(end));
    assert.doesNotMatch('// #endregion', new RegExp(start));
    assert.doesNotMatch('var region = 1', new RegExp(start));
    new RegExp(config.indentationRules.increaseIndentPattern);
    assert.match('server action A() {', new RegExp(config.indentationRules.increaseIndentPattern));
    assert.doesNotMatch('// {', new RegExp(config.indentationRules.increaseIndentPattern));
    assert.match('  }', new RegExp(config.indentationRules.decreaseIndentPattern));
  });

  test('word pattern takes identifiers, numbers and date literals whole', () => {
    const word = new RegExp(config.wordPattern, 'g');
    const words = (s: string) => s.match(word);
    assert.deepEqual(words('OrderAPI.CreateOrder(customer_1)'), ['OrderAPI', 'CreateOrder', 'customer_1']);
    assert.deepEqual(words('x = #2026-11-30# + 3.5'), ['x', '#2026-11-30#', '3.5']);
    assert.deepEqual(words('#2026-11-30 14:05:00#'), ['#2026-11-30 14:05:00#']);
  });

  test('Enter continues a /// doc comment and not a plain // comment', () => {
    const rules = config.onEnterRules as { beforeText: string; action: { appendText?: string } }[];
    const find = (line: string) => rules.find((r) => new RegExp(r.beforeText).test(line));
    assert.equal(find('  /// Creates an order.')?.action.appendText, '/// ');
    assert.equal(find('/// @param id the order id')?.action.appendText, '/// ');
    assert.equal(find('  // just a comment'), undefined);
    assert.equal(find('  var x = 1'), undefined);
    assert.equal(find('/* start of a block')?.action.appendText, ' * ');
  });
});

describe('package.json registration', () => {
  test('the logic language points at the configuration, the grammar at its file', () => {
    const lang = pkg.contributes.languages.find((l: { id: string }) => l.id === 'logic');
    assert.ok(lang, 'language logic is contributed');
    assert.ok(lang.extensions.includes('.logic'));
    assert.equal(lang.configuration, './client/language-configuration.json');
    assert.ok(existsSync(join(root, lang.configuration)));
    const g = (pkg.contributes.grammars ?? []).find((x: { language: string }) => x.language === 'logic');
    assert.ok(g, 'grammar contributed');
    assert.equal(g.scopeName, grammar.scopeName);
    assert.ok(existsSync(join(root, g.path)));
    assert.equal(readJson(g.path).scopeName, 'source.logic');
  });
});
