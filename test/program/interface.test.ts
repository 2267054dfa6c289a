/**
 * Interface documents (SPEC 3.5): every public element, nothing private (canaries planted in
 * private names, bodies, comments, string literals, private doc comments, defaults), the header,
 * parse-back to the same public elements, idempotence, and access rules of `interfaceOf`.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from '../../shared/language/parser';
import type { Declaration, SourceFile, TypeNode } from '../../shared/language/ast';
import { renderInterface } from '../../shared/program/interface';
import { fixture, ORDER_API } from './fixture';
import { publicSummary } from './helpers';

const CANARY = /canary/i;

function typeText(t: TypeNode | undefined): string {
  if (!t) return '?';
  if (t.kind === 'BasicType') return t.name;
  if (t.kind === 'ListType') return `List<${typeText(t.element)}>`;
  return t.module ? `${t.module.name}.${t.name.name}` : t.name.name;
}

/** A comparable summary of public declarations (types with private names replaced by `*`), by name. */
function summary(decls: Declaration[], privateTypes: Set<string>) {
  const ty = (t: TypeNode | undefined) => {
    const s = typeText(t);
    return privateTypes.has(s) || s.startsWith('_PrivateType') ? '*' : s;
  };
  return publicSummary(decls, ty, (d) => d.doc?.params ?? {});
}

describe('interface documents (SPEC 3.5)', () => {
  test('contains every public element, nothing private, and parses back to the same public elements', () => {
    const t = fixture({ 'a.logic': 'server action A() {\n}\n' });
    try {
      const iface = t.program.forUser('bob').interfaceOf('OrderAPI')!;
      assert.ok(iface);
      const text = iface.text;
      assert.equal(text.split('\n')[0], '// Interface of OrderAPI 1.4.0 — owner alice. Bodies are not shown.');
      assert.equal(iface.version, '1.4.0');
      assert.equal(iface.owner, 'alice');
      assert.equal(iface.access, 'reference');
      // Nothing private: canaries are planted in private names, private docs, bodies, comments,
      // string literals and a non-literal default.
      assert.doesNotMatch(text, CANARY, text);
      assert.doesNotMatch(JSON.stringify(iface.elements), CANARY);
      assert.doesNotMatch(text, /orderId = |var |LogMessage|\/\*/);
      // Every public element, ordered by name (SPEC 4.1: declaration order is private), with signatures and docs.
      assert.deepEqual(
        iface.elements.map((e) => `${e.kind} ${e.name}`),
        ['serverAction CreateOrder', 'serverAction Leaky', 'structure OrderLine', 'serverAction Peek', 'serverAction Totals'],
      );
      const create = iface.elements.find((e) => e.name === 'CreateOrder')!;
      assert.equal(create.signature, 'server action CreateOrder(customerId: Text, lines: List<OrderLine>, note: Text = "none") returns (orderId: Text)');
      assert.match(create.documentation!, /Creates an order\./);
      assert.match(create.documentation!, /customerId/);
      assert.equal(
        iface.elements.find((e) => e.name === 'OrderLine')!.signature,
        'structure OrderLine { productId: Text, quantity: Integer, price: Common.Money }',
      );
      assert.match(iface.elements.find((e) => e.name === 'Leaky')!.signature, /Leaky\(secret: _PrivateType1, pick: Integer = default\)/);
      // Each range starts at `public` and ends after `;` or `}`.
      const lines = text.split('\n');
      for (const e of iface.elements) {
        assert.ok(
          lines[e.range.start.line].slice(e.range.start.character).startsWith(`public ${e.kind === 'structure' ? 'structure' : 'server action'} ${e.name}`),
        );
        const endLine = lines[e.range.end.line];
        assert.ok(['}', ';'].includes(endLine[e.range.end.character - 1]), `${e.name}: '${endLine}'`);
      }
      // Parses back, without errors, to the same public elements.
      const back: SourceFile = parse(text);
      assert.deepEqual(back.diagnostics, []);
      const source = parse(ORDER_API);
      const privateTypes = new Set(source.declarations.filter((d) => !d.isPublic).map((d) => d.name.name));
      assert.deepEqual(summary(back.declarations, privateTypes), summary(source.declarations, privateTypes));
      assert.ok(back.declarations.every((d) => d.kind !== 'ServerAction' || d.body === undefined));
      // Only doc comments and the header survive as comments.
      assert.deepEqual(
        back.comments.filter((c) => !c.text.startsWith('/')).map((c) => c.text.trim()),
        [],
        JSON.stringify(back.comments),
      );
    } finally {
      t.dispose();
    }
  });

  test('is the same for every user with reference or more, and absent below', () => {
    const t = fixture({});
    try {
      const bob = t.program.forUser('bob').interfaceOf('OrderAPI')!;
      const alice = t.program.forUser('alice').interfaceOf('OrderAPI')!;
      const erin = t.program.forUser('erin').interfaceOf('OrderAPI')!;
      assert.equal(alice.text, bob.text);
      assert.equal(erin.text, bob.text);
      assert.equal(alice.access, 'full');
      assert.equal(t.program.forUser('dave').interfaceOf('OrderAPI'), undefined);
      assert.equal(t.program.forUser('nobody').interfaceOf('OrderAPI'), undefined);
      assert.equal(t.program.forUser('mallory').interfaceOf('OrderAPI'), undefined);
      assert.equal(t.program.forUser('bob').interfaceOf('NoSuchModule'), undefined);
      // A non-protected module is visible to unknown users only at list: no interface either.
      assert.equal(t.program.forUser('mallory').interfaceOf('Common'), undefined);
      assert.ok(t.program.forUser('bob').interfaceOf('Common'));
    } finally {
      t.dispose();
    }
  });

  test('rendering is idempotent (render(parse(render(m))) == render(m)) and screens/private elements are skipped', () => {
    const src = `/// A.
public structure A {
  /// Doc of x.
  x: Integer = 3
  y: Text = Secret()
  z: List<Hidden>
}
structure Hidden { h: Integer }
public screen Home {
  var t: Text = "canary screen"
}
/// Does it.
public server action Do(
  /// First.
  a: A, b: Decimal = -2.5, c: Boolean = true, d: List<Text> = [], e: Date = #2026-11-30#) returns (r: Hidden, s: Text) {
  // canary comment
}
server action Secret() returns (v: Text) { v = "canary" }
`;
    const m = { name: 'M', version: '2.0.0', owner: 'zoe' };
    const first = renderInterface(m, parse(src).declarations);
    assert.deepEqual(parse(src).diagnostics, []);
    assert.doesNotMatch(first.text, CANARY);
    assert.doesNotMatch(first.text, /Hidden|Secret|Home/);
    assert.match(first.text, /  x: Integer = 3\n  y: Text\n  z: List<_PrivateType1>\n/);
    assert.match(first.text, /\/\/\/ @param a First\.\n/);
    assert.match(
      first.text,
      /public server action Do\(a: A, b: Decimal = -2\.5, c: Boolean = true, d: List<Text> = \[\], e: Date = #2026-11-30#\) returns \(r: _PrivateType1, s: Text\);/,
    );
    const second = renderInterface(m, first.file.declarations);
    assert.equal(second.text, first.text);
    assert.deepEqual(first.file.diagnostics, []);
  });

  test('interfaceSymbolAt resolves names in the interface document for reference users', () => {
    const t = fixture({});
    try {
      const bob = t.program.forUser('bob');
      const iface = bob.interfaceOf('OrderAPI')!;
      const create = iface.elements.find((e) => e.name === 'CreateOrder')!;
      const line = iface.text.split('\n')[create.range.start.line];
      const s = bob.interfaceSymbolAt('OrderAPI', { line: create.range.start.line, character: line.indexOf('CreateOrder') + 1 })!;
      assert.equal(s.kind, 'serverAction');
      assert.equal(s.location?.kind, 'interface');
      const p = bob.interfaceSymbolAt('OrderAPI', { line: create.range.start.line, character: line.indexOf('customerId') + 1 })!;
      assert.equal(p.kind, 'param');
      assert.equal(p.typeText, 'Text');
      assert.equal(t.program.forUser('dave').interfaceSymbolAt('OrderAPI', { line: create.range.start.line, character: 30 }), undefined);
    } finally {
      t.dispose();
    }
  });

  test('the completion list after `Module.` is prepared a few elements at a time: the same list, kept; abandoned when stopped (issue 15)', async () => {
    // Many public elements, so that the list takes several steps.
    const many = Array.from(
      { length: 40 },
      (_, i) => `/// Action ${i}.\npublic server action A${i}(x: Text, l: List<Common.Money>) returns (y: Integer) {\n  y = 1\n}\n`,
    ).join('\n');
    const mk = () =>
      fixture({}, { Big: { manifest: { version: '1.0.0', protected: true, dependencies: { Common: '^1.0.0' } }, files: { 'big.logic': many } } });
    const fresh = mk();
    const t = mk();
    const u = mk();
    try {
      const expected = fresh.program.forUser('carol').completionElements('Big')!;
      assert.equal(expected.length, 40);
      const view = t.program.forUser('carol');
      let pauses = 0;
      await view.prepareCompletionElements(
        'Big',
        async () => {
          pauses++;
        },
        () => false,
      );
      assert.ok(pauses >= 2, `prepared in steps (${pauses} pauses)`);
      const list = view.completionElements('Big')!;
      assert.deepEqual(list, expected);
      assert.equal(view.completionElements('Big'), list, 'kept: the next request builds nothing');
      // Stopped after its first step: a request builds the list whole, the same.
      const v = u.program.forUser('carol');
      await v.prepareCompletionElements(
        'Big',
        async () => {},
        () => true,
      );
      assert.deepEqual(v.completionElements('Big'), expected);
      // Below reference nothing is prepared (and nothing returned either way).
      await u.program.forUser('nobody').prepareCompletionElements(
        'Big',
        async () => assert.fail('no step below reference'),
        () => false,
      );
      assert.equal(u.program.forUser('nobody').completionElements('Big'), undefined);
    } finally {
      t.dispose();
      u.dispose();
      fresh.dispose();
    }
  });

  test('go to definition reads a layout, not the rendered document: the same name ranges, nothing below reference (issue 15)', () => {
    const source = [
      '/// Money.',
      '/// Two lines.',
      'public structure Price {',
      '  /// The amount.',
      '  amount: Decimal',
      '  currency: Text',
      '}',
      'structure Hidden {',
      '  x: Text',
      '}',
      '/// Quotes a price.',
      '/// @param sku The article.',
      'public server action Quote(',
      '  sku: Text,',
      '  /// How many,',
      '  /// on two lines.',
      '  n: Integer = 1',
      ') returns (p: Price) {',
      '}',
      'public server action Plain(h: Hidden) {',
      '}',
      '',
    ].join('\n');
    const t = fixture({}, { Big: { manifest: { version: '1.0.0', protected: true }, files: { 'big.logic': source } } });
    try {
      const view = t.program.forUser('carol');
      const layout = view.interfaceLayout('Big')!;
      const rendered = view.interfaceDocument('Big')!;
      assert.deepEqual(
        [...layout].map(([name, l]) => ({ name, kind: l.kind, nameRange: l.nameRange, fields: l.fields })),
        rendered.elements.map((e) => ({ name: e.name, kind: e.kind, nameRange: e.nameRange, fields: e.kind === 'structure' ? e.members : [] })),
      );
      assert.deepEqual([...layout.keys()], ['Plain', 'Price', 'Quote'], 'public elements only, by name');
      assert.equal(t.program.forUser('nobody').interfaceLayout('Big'), undefined, 'nothing below reference');
    } finally {
      t.dispose();
    }
  });
});
