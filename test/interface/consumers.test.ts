// Consumers and call sites (SPEC 10, shared/interface/consumers.ts) over a Program: what counts as
// a call site (calls, types, record literals; not a local that shadows the module's name), who is
// told (full only), which consumers are named (≥ list) and where locations are given (≥ open).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { consumersOf, totals } from '../../shared/interface/consumers';
import { makeEnv, find, type TestEnv } from '../program/helpers';

const envs: TestEnv[] = [];
after(() => envs.forEach((e) => e.dispose()));

const POLICY = {
  admins: [],
  users: { owner: {}, lister: {}, other: {} },
  defaultAccess: 'none',
  grants: [
    { module: 'Ui', to: 'user:owner', access: 'open' },
    { module: 'Hidden', to: 'user:owner', access: 'none' },
    { module: 'Listed', to: 'user:owner', access: 'list' },
    { module: 'Api', to: 'user:other', access: 'change' },
    { module: '*', to: 'user:other', access: 'open' },
  ],
};

const UI = [
  'server action Use(Api: Integer) {',
  '  var x = Api + 1', // the input shadows the module: not a call site
  '}',
  'server action Calls() {',
  '  var r = Api.F(1)',
  '  var s: List<Api.S> = [Api.S { a: 1 }]',
  '  Api.F(2)',
  '  for Api in [1, 2] {',
  '    var y = Api.F', // the for variable shadows the module
  '  }',
  '  var later = Api.Gone()', // an element that no longer exists still counts
  '}',
  '',
].join('\n');

function environment(): TestEnv {
  const e = makeEnv(
    {
      Api: {
        manifest: { owner: 'owner', protected: true },
        files: { 'Api.logic': 'public structure S {\n  a: Integer\n}\npublic server action F(a: Integer) returns (r: Integer) {\n  r = a\n}\n' },
      },
      Ui: { manifest: { kind: 'ui', protected: true, dependencies: { Api: '^1.0.0' } }, files: { 'Ui.logic': UI } },
      Listed: { manifest: { protected: true, dependencies: { Api: '^1.0.0' } }, files: { 'L.logic': 'server action X() {\n  Api.F(1)\n  Api.F(2)\n}\n' } },
      Hidden: { manifest: { protected: true, dependencies: { Api: '^1.0.0' } }, files: { 'H.logic': 'server action X() {\n  Api.F(1)\n}\n' } },
    },
    POLICY,
  );
  envs.push(e);
  return e;
}

describe('consumersOf', () => {
  it('counts calls, types and record literals of Api in Ui, not names shadowed by locals', () => {
    const e = environment();
    const c = consumersOf(e.program.forUser('owner'), 'Api')!;
    const ui = c.find((x) => x.module === 'Ui')!;
    assert.deepEqual(ui.elements, { F: 2, S: 2, Gone: 1 });
    assert.equal(ui.callSites, 5);
    const f = find(UI, 'F(1)');
    assert.deepEqual(ui.locations![0], {
      element: 'F',
      path: e.path('ui/Ui.logic'),
      range: { start: { line: f.line, character: f.character }, end: { line: f.line, character: f.character + 1 } },
    });
  });

  it('names consumers at ≥ list with counts, locations only at ≥ open, leaves out the hidden one', () => {
    const e = environment();
    const c = consumersOf(e.program.forUser('owner'), 'Api', ['F'])!;
    assert.deepEqual(
      c.map((x) => [x.module, x.access, x.callSites, !!x.locations]),
      [
        ['Listed', 'list', 2, false],
        ['Ui', 'open', 2, true],
      ],
    );
    assert.deepEqual(totals(c), { callSites: 4, modules: 2 });
  });

  it('answers undefined below full, even at change', () => {
    const e = environment();
    assert.equal(consumersOf(e.program.forUser('other'), 'Api'), undefined);
    assert.equal(consumersOf(e.program.forUser('lister'), 'Api'), undefined);
    assert.equal(consumersOf(e.program.forUser('owner'), 'Nothing'), undefined);
  });

  it('follows edits of a consumer (cached per parse)', () => {
    const e = environment();
    const view = e.program.forUser('owner');
    assert.equal(consumersOf(view, 'Api', ['F'])!.find((x) => x.module === 'Ui')!.callSites, 2);
    e.edit('ui/Ui.logic', UI.replace('  Api.F(2)\n', ''));
    assert.equal(consumersOf(view, 'Api', ['F'])!.find((x) => x.module === 'Ui')!.callSites, 1);
  });
});
