/**
 * Checker and Program tests: every diagnostic code of SPEC 3.4 with its range, the
 * indistinguishability rules (private element ≡ missing element below `open`; module at `none` ≡
 * non-existent module), No leak in messages, the type rules of SPEC 3.3 and the IDE queries.
 */
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { DIAGNOSTIC_CODES, type Diagnostic } from '../../shared/language/diagnostics';
import { makeEnv, find, DEFAULT_POLICY, type TestEnv } from './helpers';
import { fixture } from './fixture';
import { readOnlyDiagnostic } from '../../shared/program/program';
import {
  BOOLEAN,
  CURRENCY,
  DATE,
  DATE_TIME,
  DECIMAL,
  INTEGER,
  LONG_INTEGER,
  TEXT,
  basic,
  isAssignable,
  isComparable,
  listOf,
  structureType,
  arithmeticResult,
  typeToString,
} from '../../shared/language/types';
import { BUILTINS } from '../../shared/language/builtins';

const seen = new Set<string>();

/** Asserts exactly one diagnostic with `code` at `needle` (n-th occurrence) in `text`, and returns it. */
function expectAt(ds: Diagnostic[], code: string, text: string, needle: string | { in: string; at: string }, n = 0): Diagnostic {
  let at: { line: number; character: number; endCharacter: number };
  if (typeof needle === 'string') at = find(text, needle, n);
  else {
    const ctx = find(text, needle.in, n);
    const off = needle.in.indexOf(needle.at);
    at = { line: ctx.line, character: ctx.character + off, endCharacter: ctx.character + off + needle.at.length };
  }
  const hits = ds.filter((d) => d.code === code && d.range.start.line === at.line && d.range.start.character === at.character);
  assert.equal(hits.length, 1, `expected one ${code} at ${at.line}:${at.character} ('${needle}'), got ${JSON.stringify(ds, null, 1)}`);
  const d = hits[0];
  assert.equal(d.range.end.line, at.line);
  assert.equal(d.range.end.character, at.endCharacter, `end of ${code} at '${needle}'`);
  seen.add(code);
  return d;
}

function only(ds: Diagnostic[], code: string): Diagnostic[] {
  return ds.filter((d) => d.code === code);
}

describe('checker: references to other modules (SPEC 3.3)', () => {
  const NAMES = `server action Names() returns (out: Text) {
  var a = undefinedThing
  Missing.Foo()
  Locked.Secret()
  Catalog.ListProducts()
  OrderAPI.CanaryHelper()
  OrderAPI.NotThere()
  var money = Common.Money { amount: 1 }
  var ok = Old.Ping()
  var id = OrderAPI.CreateOrder("c", [])
}
`;
  let t: TestEnv;
  test('setup', () => {
    t = fixture({ 'names.logic': NAMES });
  });

  test('unknown-name, unknown-module, no-reference-access, unknown-element, not-a-dependency, dependency-version (bob, reference on OrderAPI)', () => {
    const ds = t.program.forUser('bob').diagnostics(t.path('portal/names.logic'));
    expectAt(ds, 'unknown-name', NAMES, 'undefinedThing');
    const missing = expectAt(ds, 'unknown-module', NAMES, 'Missing');
    const locked = expectAt(ds, 'unknown-module', NAMES, 'Locked');
    assert.equal(locked.message, missing.message.replace("'Missing'", "'Locked'"));
    expectAt(ds, 'no-reference-access', NAMES, 'Catalog');
    const priv = expectAt(ds, 'unknown-element', NAMES, 'CanaryHelper');
    const absent = expectAt(ds, 'unknown-element', NAMES, 'NotThere');
    assert.equal(priv.message, absent.message.replace("'NotThere'", "'CanaryHelper'"));
    expectAt(ds, 'not-a-dependency', NAMES, 'Common', 0);
    expectAt(ds, 'dependency-version', NAMES, 'Old');
    assert.equal(only(ds, 'hidden-element').length, 0);
    // The valid call produces nothing.
    assert.equal(ds.filter((d) => d.range.start.line === find(NAMES, 'CreateOrder').line).length, 0);
    assert.equal(ds.length, 8, JSON.stringify(ds, null, 1));
  });

  test('hidden-element for a user with open on the target (erin)', () => {
    const ds = t.program.forUser('erin').diagnostics(t.path('portal/names.logic'));
    expectAt(ds, 'hidden-element', NAMES, 'CanaryHelper');
    expectAt(ds, 'unknown-element', NAMES, 'NotThere');
  });

  test('dave (list on OrderAPI) gets no-reference-access on OrderAPI', () => {
    const ds = t.program.forUser('dave').diagnostics(t.path('portal/names.logic'));
    const d = only(ds, 'no-reference-access').filter((x) => x.range.start.line === find(NAMES, 'OrderAPI.CanaryHelper').line);
    assert.equal(d.length, 1);
    assert.doesNotMatch(d[0].message, /Canary/);
  });

  test('cleanup', () => t.dispose());
});

describe('checker: indistinguishability (SPEC 3.4, 2.3)', () => {
  const SRC = `server action Probe() {
  OrderAPI.CanaryHelper()
  Locked.Secret()
}
`;
  test('below open, a private element gives exactly the diagnostics of a missing one', () => {
    const a = fixture({ 'p.logic': SRC });
    const b = fixture({ 'p.logic': SRC });
    try {
      // In b, CanaryHelper does not exist at all (renamed; the call inside CreateOrder too).
      b.edit('orderapi/orders.logic', a.program.readText(a.path('orderapi/orders.logic'))!.replaceAll('CanaryHelper', 'OtherHelper'));
      for (const user of ['bob', 'dave', 'carol', 'nobody', 'mallory']) {
        const da = a.program.forUser(user).diagnostics(a.path('portal/p.logic'));
        const db = b.program.forUser(user).diagnostics(b.path('portal/p.logic'));
        assert.deepEqual(da, db, `user ${user}`);
      }
      const bob = a.program.forUser('bob').diagnostics(a.path('portal/p.logic'));
      assert.equal(only(bob, 'unknown-element').length, 1);
      seen.add('unknown-element');
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  test('a module at none gives exactly the diagnostics of a non-existent module', () => {
    const a = fixture({ 'p.logic': SRC });
    const b = fixture({ 'p.logic': SRC }, {}, ['Locked']);
    try {
      const da = a.program.forUser('bob').diagnostics(a.path('portal/p.logic'));
      const db = b.program.forUser('bob').diagnostics(b.path('portal/p.logic'));
      assert.deepEqual(da, db);
      assert.equal(only(da, 'unknown-module').length, 1);
      // Also in module.json: the dependency on Locked reads like one on a missing module.
      const ma = a.program.forUser('bob').diagnostics(a.path('portal/module.json'));
      const mb = b.program.forUser('bob').diagnostics(b.path('portal/module.json'));
      assert.deepEqual(ma, mb);
      // And the access answer is the same.
      assert.deepEqual(a.program.forUser('bob').access('Locked'), b.program.forUser('bob').access('Locked'));
      const none = a.program.forUser('bob').access('Locked');
      const nx = a.program.forUser('bob').access('NoSuchModule');
      assert.equal(none.level, 'none');
      assert.equal(none.reason, nx.reason.replace("'NoSuchModule'", "'Locked'"));
      assert.equal(a.program.forUser('bob').interfaceOf('Locked'), undefined);
      assert.equal(
        a.program
          .forUser('bob')
          .visibleModules()
          .some((m) => m.manifest.name === 'Locked'),
        false,
      );
    } finally {
      a.dispose();
      b.dispose();
    }
  });
});

describe('checker: calls, values, assignments (SPEC 3.3)', () => {
  const CALLS = `server action Calls(x: Integer) returns (y: Integer) {
  var a = OrderAPI.CreateOrder("c")
  var b = OrderAPI.CreateOrder("c", [], customerId: "d")
  var c = OrderAPI.CreateOrder("c", [], bogus: 1)
  var d = OrderAPI.CreateOrder(12, [])
  var e = LogMessage("x")
  x = 2
  y = x
  var t = OrderAPI.Totals("o")
  var n: Integer = t.count
  var l: Text = t.label
  var bad: Text = t.count
  if x { }
  for item in x { }
  while not (x > 1) and true { }
  var line = OrderAPI.OrderLine { productId: "p", quantity: 2 }
  var q: Integer = line.quantity
  var price: Decimal = line.price.amount
}
`;
  let t: TestEnv;
  test('setup', () => {
    t = fixture({ 'calls.logic': CALLS });
  });
  test('codes and ranges', () => {
    const ds = t.program.forUser('bob').diagnostics(t.path('portal/calls.logic'));
    expectAt(ds, 'missing-argument', CALLS, 'CreateOrder', 0);
    expectAt(ds, 'duplicate-argument', CALLS, 'customerId', 0);
    expectAt(ds, 'unknown-argument', CALLS, 'bogus');
    const tm = expectAt(ds, 'type-mismatch', CALLS, '12');
    assert.match(tm.message, /customerId/);
    expectAt(ds, 'no-value', CALLS, 'LogMessage("x")');
    expectAt(ds, 'read-only-input', CALLS, { in: 'x = 2', at: 'x' });
    expectAt(ds, 'type-mismatch', CALLS, 't.count', 1);
    expectAt(ds, 'type-mismatch', CALLS, { in: 'if x', at: 'x' });
    expectAt(ds, 'type-mismatch', CALLS, { in: 'in x', at: 'x' });
    assert.equal(ds.length, 9, JSON.stringify(ds, null, 1));
  });
  test('cleanup', () => t.dispose());
});

describe('checker: declarations', () => {
  test('duplicate-declaration across files and in scopes; screen-in-non-ui-module; syntax-error; ; body', () => {
    const A = `server action Dup() {
}
`;
    const B = `server action Dup() {
  var v = 1
  var v = 2
}
server action Body();
server action Broken( {
}
`;
    const SVC = `public screen Home {
  var title: Text = "x"
  client action Go() {
    title = "y"
  }
}
`;
    const UI = `screen Home {
  var title: Text = "x"
  client action Go(n: Integer) {
    title = "y"
    Go(1)
  }
}
`;
    const t = fixture({ 'a.logic': A, 'b.logic': B, 'ui.logic': UI }, { Svc: { manifest: { kind: 'service' }, files: { 'svc.logic': SVC } } });
    try {
      const bob = t.program.forUser('bob');
      assert.deepEqual(bob.diagnostics(t.path('portal/a.logic')), []);
      const ds = bob.diagnostics(t.path('portal/b.logic'));
      expectAt(ds, 'duplicate-declaration', B, 'Dup');
      expectAt(ds, 'duplicate-declaration', B, { in: ' v = 2', at: 'v' });
      expectAt(ds, 'syntax-error', B, 'Body');
      const syntax = only(ds, 'syntax-error');
      assert.equal(syntax.length, 2);
      assert.equal(syntax[1].range.start.line, find(B, 'Broken').line);
      assert.deepEqual(bob.diagnostics(t.path('portal/ui.logic')), []);
      const svc = t.program.forUser('alice').diagnostics(t.path('svc/svc.logic'));
      expectAt(svc, 'screen-in-non-ui-module', SVC, 'Home');
      assert.equal(svc.length, 1);
    } finally {
      t.dispose();
    }
  });
});

describe('manifests and environment', () => {
  test('dependency-cycle, dependency-version and unknown-module on module.json', (ctx) => {
    const t = fixture(
      {},
      {
        CycA: { manifest: { dependencies: { CycB: '^1.0.0' } }, files: {} },
        CycB: { manifest: { dependencies: { CycA: '^1.0.0' } }, files: {} },
      },
    );
    ctx.after(() => t.dispose());
    const text = t.program.readText(t.path('cyca/module.json'))!;
    const ds = t.program.forUser('alice').diagnostics(t.path('cyca/module.json'));
    expectAt(ds, 'dependency-cycle', text, '"CycB"');
    assert.equal(ds.length, 1);
    const portal = t.program.readText(t.path('portal/module.json'))!;
    const pd = t.program.forUser('bob').diagnostics(t.path('portal/module.json'));
    expectAt(pd, 'dependency-version', portal, '"Old"');
    expectAt(pd, 'unknown-module', portal, '"Locked"');
    assert.equal(pd.length, 2);
    // Diagnostics of modules below open are not shown.
    assert.deepEqual(t.program.forUser('bob').diagnostics(t.path('orderapi/module.json')), []);
    assert.deepEqual(t.program.forUser('bob').diagnostics(t.path('orderapi/orders.logic')), []);
  });

  test('invalid-manifest', (ctx) => {
    const t = fixture({}, { Broken: { manifest: { version: 'not-a-version' }, files: { 'x.logic': 'server action X() {\n}\n' } } });
    ctx.after(() => t.dispose());
    const text = t.program.readText(t.path('broken/module.json'))!;
    const ds = t.program.forUser('alice').diagnostics(t.path('broken/module.json'));
    const at = find(text, '"not-a-version"');
    const d = ds.find((x) => x.code === 'invalid-manifest');
    assert.ok(d, JSON.stringify(ds));
    assert.equal(d.range.start.line, at.line);
    assert.equal(d.range.start.character, at.character);
    seen.add('invalid-manifest');
    // The CLI view contains it with its path.
    assert.ok(
      t.program
        .forUser('alice')
        .allDiagnostics()
        .some((x) => x.code === 'invalid-manifest' && x.path === t.path('broken/module.json')),
    );
  });

  test('invalid-environment and unknown-user', () => {
    const bad = makeEnv({ M: { manifest: {}, files: {} } }, '{\n  "name": "X",\n  "bogus": 1,\n  "admins": ["alice"]\n}\n');
    const good = makeEnv({ M: { manifest: {}, files: {} } }, DEFAULT_POLICY);
    try {
      const ds = bad.program.forUser('alice').diagnostics(bad.path('environment.json'));
      const d = ds.find((x) => x.code === 'invalid-environment' && x.message.startsWith('bogus'));
      assert.ok(d, JSON.stringify(ds));
      assert.deepEqual(d.range, { start: { line: 2, character: 2 }, end: { line: 2, character: 12 } });
      // SPEC 4.1: the policy is the admins' — anyone else gets one diagnostic at 0:0 naming no detail.
      const other = bad.program.forUser('bob').diagnostics(bad.path('environment.json'));
      assert.equal(other.length, 1, JSON.stringify(other));
      assert.equal(other[0].code, 'invalid-environment');
      assert.deepEqual(other[0].range, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } });
      assert.doesNotMatch(other[0].message, /bogus|admins|alice/);
      seen.add('invalid-environment');
      const u = good.program.forUser('mallory').diagnostics(good.path('environment.json'));
      assert.equal(u.length, 1);
      assert.equal(u[0].code, 'unknown-user');
      assert.deepEqual(u[0].range, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } });
      assert.match(u[0].message, /mallory/);
      const n = good.program.forUser(null).allDiagnostics();
      assert.deepEqual(
        n.map((x) => x.code),
        ['unknown-user'],
      );
      assert.deepEqual(good.program.forUser('alice').allDiagnostics(), []);
      seen.add('unknown-user');
    } finally {
      bad.dispose();
      good.dispose();
    }
  });

  test('read-only-module', (ctx) => {
    const t = fixture({ 'a.logic': 'server action A() {\n}\n' });
    ctx.after(() => t.dispose());
    const d = t.program.forUser('erin').readOnlyDiagnostic(t.path('orderapi/orders.logic'));
    assert.equal(d?.code, 'read-only-module');
    assert.deepEqual(d?.range, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } });
    assert.equal(t.program.forUser('bob').readOnlyDiagnostic(t.path('portal/a.logic')), undefined);
    // Below open there is nothing to say at all (the user cannot have the file open).
    assert.equal(t.program.forUser('bob').readOnlyDiagnostic(t.path('orderapi/orders.logic')), undefined);
    assert.equal(readOnlyDiagnostic('X', 'full'), undefined);
    seen.add('read-only-module');
  });
});

describe('No leak in diagnostics and IDE answers', () => {
  const SRC = `server action UseIt() {
  OrderAPI.Leaky(1)
  var s = OrderAPI.Peek()
  var f = s.anything
  var g: Integer = s
}
`;
  test('private structure names never reach a reference user', (ctx) => {
    const t = fixture({ 'use.logic': SRC });
    ctx.after(() => t.dispose());
    for (const user of ['bob', 'carol', 'dave']) {
      const v = t.program.forUser(user);
      const ds = v.diagnostics(t.path('portal/use.logic'));
      assert.ok(ds.length > 0);
      for (const d of ds) assert.doesNotMatch(d.message, /Canary|CANARY|canary/, `${user}: ${d.message}`);
      for (const pos of [find(SRC, 'Leaky'), find(SRC, 'Peek'), find(SRC, 's.anything'), find(SRC, 'anything')]) {
        const s = v.symbolAt(t.path('portal/use.logic'), pos);
        assert.doesNotMatch(JSON.stringify(s ?? {}), /Canary|CANARY|canary/, `${user} symbolAt ${JSON.stringify(pos)}`);
      }
      const call = v.callAt(t.path('portal/use.logic'), { line: 1, character: find(SRC, 'Leaky(').endCharacter });
      assert.doesNotMatch(JSON.stringify(call ?? {}), /Canary|CANARY|canary/);
      assert.doesNotMatch(JSON.stringify(v.workspaceSymbols('')), /Canary|CANARY|canary/);
      assert.doesNotMatch(JSON.stringify(v.publicElements('OrderAPI') ?? []), /Canary|CANARY|canary/);
    }
    const bob = t.program.forUser('bob').diagnostics(t.path('portal/use.logic'));
    assert.ok(
      bob.some((d) => d.message.includes('OrderAPI.<private type>')),
      JSON.stringify(bob),
    );
    // erin (open) may see the real names.
    const erin = t.program.forUser('erin').diagnostics(t.path('portal/use.logic'));
    assert.ok(
      erin.some((d) => d.message.includes('OrderAPI.CanarySecretStruct')),
      JSON.stringify(erin),
    );
  });

  test('a user at none or list learns nothing about a module from the Program', (ctx) => {
    const t = fixture({ 'use.logic': SRC });
    ctx.after(() => t.dispose());
    const nobody = t.program.forUser('nobody');
    assert.equal(nobody.interfaceOf('OrderAPI'), undefined);
    assert.equal(nobody.publicElements('OrderAPI'), undefined);
    assert.equal(nobody.moduleFacts('OrderAPI'), undefined);
    assert.equal(nobody.sourceFile(t.path('orderapi/orders.logic')), undefined);
    const dave = t.program.forUser('dave');
    assert.equal(dave.interfaceOf('OrderAPI'), undefined);
    assert.deepEqual(Object.keys(dave.moduleFacts('OrderAPI')!).sort(), ['access', 'kind', 'name', 'owner', 'protected', 'version']);
    assert.equal(t.program.forUser('bob').sourceFile(t.path('orderapi/orders.logic')), undefined);
    assert.deepEqual(t.program.forUser('bob').scopeAt(t.path('orderapi/orders.logic'), { line: 20, character: 2 }), []);
  });
});

describe('IDE queries', () => {
  const SRC = `server action Ide(input: Text) returns (result: Text) {
  var count = 1
  var id = OrderAPI.CreateOrder(input, [], note: "n")
  for line in [OrderAPI.OrderLine { productId: "p" }] {
    result = line.productId
  }
}
`;
  /** The portal with SRC as `portal/ide.logic`, bob's view and that path (disposed after the test). */
  const ide = (ctx: TestContext) => {
    const t = fixture({ 'ide.logic': SRC });
    ctx.after(() => t.dispose());
    return { t, bob: t.program.forUser('bob'), path: t.path('portal/ide.logic') };
  };

  test('symbolAt, scopeAt, callAt, membersOf, references', (ctx) => {
    const { t, bob, path } = ide(ctx);
    assert.deepEqual(bob.diagnostics(path), []);
    const s = bob.symbolAt(path, find(SRC, 'CreateOrder'))!;
    assert.equal(s.kind, 'serverAction');
    assert.equal(s.module, 'OrderAPI');
    assert.equal(s.location?.kind, 'interface');
    assert.match(s.signature, /CreateOrder\(customerId: Text, lines: List<OrderLine>, note: Text = "none"\) returns \(orderId: Text\)/);
    assert.match(s.documentation!, /Creates an order/);
    assert.match(s.documentation!, /customerId/);
    assert.equal(s.moduleFacts?.access, 'reference');
    // The interface location points at the name in the interface text.
    const iface = bob.interfaceOf('OrderAPI')!;
    const loc = s.location as { range: { start: { line: number; character: number } } };
    assert.equal(iface.text.split('\n')[loc.range.start.line].slice(loc.range.start.character).startsWith('CreateOrder'), true);

    const field = bob.symbolAt(path, find(SRC, 'productId', 1))!;
    assert.equal(field.kind, 'field');
    assert.equal(field.typeText, 'Text');
    const named = bob.symbolAt(path, find(SRC, 'note'))!;
    assert.equal(named.kind, 'param');
    assert.equal(named.container, 'CreateOrder');
    const local = bob.symbolAt(path, find(SRC, 'line', 1))!;
    assert.equal(local.kind, 'local');
    assert.equal(local.typeText, 'OrderAPI.OrderLine');

    const scope = bob.scopeAt(path, { line: 4, character: 4 });
    assert.deepEqual(
      scope.map((x) => x.name),
      ['line', 'id', 'count', 'input', 'result'],
    );
    const early = bob.scopeAt(path, { line: 1, character: 2 });
    assert.deepEqual(
      early.map((x) => x.name),
      ['input', 'result'],
    );

    const callPos = { line: 2, character: find(SRC, 'input,').character + 2 };
    const call = bob.callAt(path, callPos)!;
    assert.equal(call.name, 'OrderAPI.CreateOrder');
    assert.equal(call.activeParameter, 0);
    assert.deepEqual(
      call.params.map((p) => p.name),
      ['customerId', 'lines', 'note'],
    );
    const callNamed = bob.callAt(path, { line: 2, character: find(SRC, '"n"').character + 1 })!;
    assert.equal(callNamed.activeParameter, 2);
    assert.deepEqual(callNamed.givenInputs, ['customerId', 'lines', 'note']);

    const members = bob.membersOf({ kind: 'structure', module: 'OrderAPI', name: 'OrderLine' }, path);
    assert.deepEqual(
      members.map((m) => m.name),
      ['productId', 'quantity', 'price'],
    );
    assert.deepEqual(bob.membersOf({ kind: 'structure', module: 'OrderAPI', name: 'CanarySecretStruct' }, path), []);

    const refs = bob.references(bob.symbolAt(path, find(SRC, 'count'))!);
    assert.equal(refs.length, 1);
    const alice = t.program.forUser('alice');
    const decl = alice.symbolAt(t.path('orderapi/orders.logic'), find(t.program.readText(t.path('orderapi/orders.logic'))!, 'CreateOrder'))!;
    const aliceRefs = alice.references(decl);
    assert.ok(
      aliceRefs.some((r) => r.kind === 'source' && r.path === path),
      JSON.stringify(aliceRefs),
    );
    // bob cannot read OrderAPI, so its declaration is the interface location and no OrderAPI source is searched.
    const bobRefs = bob.references(s);
    assert.ok(
      bobRefs.every((r) => r.kind === 'interface' || r.path === path),
      JSON.stringify(bobRefs),
    );
  });

  test('updateFile re-checks with the new text', (ctx) => {
    const { t, bob, path } = ide(ctx);
    assert.deepEqual(bob.diagnostics(path), []);
    t.edit('portal/ide.logic', SRC.replace('var count = 1', 'var count = nope'));
    assert.deepEqual(
      bob.diagnostics(path).map((d) => d.code),
      ['unknown-name'],
    );
    // A change in another module is seen too (the public action disappears).
    t.edit(
      'orderapi/orders.logic',
      t.program.readText(t.path('orderapi/orders.logic'))!.replace('public server action CreateOrder', 'server action CreateOrder'),
    );
    assert.ok(bob.diagnostics(path).some((d) => d.code === 'unknown-element'));
  });
});

describe('types (SPEC 3.3)', () => {
  test('conversions', () => {
    assert.ok(isAssignable(INTEGER, LONG_INTEGER));
    assert.ok(isAssignable(INTEGER, DECIMAL));
    assert.ok(isAssignable(LONG_INTEGER, DECIMAL));
    assert.ok(!isAssignable(DECIMAL, INTEGER));
    assert.ok(!isAssignable(LONG_INTEGER, INTEGER));
    assert.ok(isAssignable(CURRENCY, DECIMAL) && isAssignable(DECIMAL, CURRENCY));
    assert.ok(isAssignable(basic('Email'), TEXT) && isAssignable(TEXT, basic('PhoneNumber')));
    assert.ok(isAssignable(DATE, DATE_TIME) && !isAssignable(DATE_TIME, DATE));
    assert.ok(!isAssignable(TEXT, INTEGER));
    assert.ok(isAssignable(listOf(INTEGER), listOf(DECIMAL)));
    assert.ok(!isAssignable(structureType('A', 'S'), structureType('B', 'S')));
    assert.ok(isComparable(INTEGER, DECIMAL, '<'));
    assert.ok(!isComparable(TEXT, INTEGER, '=='));
    assert.ok(!isComparable(BOOLEAN, BOOLEAN, '<'));
    assert.equal(arithmeticResult('+', TEXT, TEXT), TEXT);
    assert.equal(arithmeticResult('+', TEXT, INTEGER), undefined);
    assert.equal(arithmeticResult('/', INTEGER, INTEGER), DECIMAL);
    assert.equal(typeToString(listOf(structureType('OrderAPI', 'OrderLine'))), 'List<OrderAPI.OrderLine>');
  });

  test('built-ins: the SPEC list, each with signature and doc', () => {
    const required = [
      'Length',
      'Substr',
      'Index',
      'Replace',
      'Trim',
      'ToUpper',
      'ToLower',
      'IntegerToText',
      'TextToInteger',
      'DecimalToText',
      'TextToDecimal',
      'CurrDate',
      'CurrDateTime',
      'AddDays',
      'DiffDays',
      'Round',
      'Abs',
      'ListLength',
      'ListAppend',
      'ListClear',
      'LogMessage',
    ];
    for (const n of required) {
      const b = BUILTINS.find((x) => x.name === n);
      assert.ok(b, n);
      assert.ok(b.signature.startsWith(`${n}(`));
      assert.ok(b.documentation.length > 10);
    }
  });

  test('built-in calls type-check (generic lists, numeric Abs, AddDays on Date)', () => {
    const SRC = `server action B() {
  var l: List<Text> = []
  ListAppend(l, "x")
  ListAppend(l, 1)
  var n: Integer = ListLength(l)
  var a: Integer = Abs(-3)
  var d: Date = AddDays(CurrDate(), 2)
  var s: Text = Substr("abc", 0, 1) + ToUpper("x")
  var i = Index("abc", "b")
  var r: Decimal = Round(2.5)
}
`;
    const t = fixture({ 'b.logic': SRC });
    try {
      const ds = t.program.forUser('bob').diagnostics(t.path('portal/b.logic'));
      expectAt(ds, 'type-mismatch', SRC, '1', 0);
      assert.equal(ds.length, 1, JSON.stringify(ds, null, 1));
    } finally {
      t.dispose();
    }
  });
});

test('every diagnostic code of SPEC 3.4 is covered above', () => {
  const missing = DIAGNOSTIC_CODES.filter((c) => !seen.has(c));
  assert.deepEqual(missing, []);
});
