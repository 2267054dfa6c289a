// `protected-modules diff`, `api-report` and `check --api-reports` (SPEC 10), run as the built
// `node dist/cli.js`, on copies of examples/acme in temporary folders (the example is never edited).
// Includes the leak tests: who is told about consumers, their names and their call sites.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ensureBuilt } from '../server/lsp-client';
import { join } from 'node:path';
import { c as tarCreate } from 'tar';

import { ACME, cli } from './run';

const temps: string[] = [];
function temp(prefix: string): string {
  const d = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  temps.push(d);
  return d;
}

/** A copy of examples/acme. */
function acme(): string {
  const root = join(temp('pm-acme-diff-'), 'acme');
  cpSync(ACME, root, { recursive: true });
  return root;
}

function edit(root: string, rel: string, f: (s: string) => string): void {
  const p = join(root, rel);
  writeFileSync(p, f(readFileSync(p, 'utf8')));
}

const ORDERS = 'modules/order-api/actions/Orders.logic';
const ENV = 'environment.json';

/** Acceptance 2: remove CancelOrder, add a required input to CreateOrder. */
function breakOrderApi(root: string): void {
  edit(root, ORDERS, (s) => {
    const i = s.indexOf('/// Cancels an order');
    assert.ok(i > 0);
    return s.slice(0, i).replace('  express: Boolean = false\n) returns (orderId', '  express: Boolean = false,\n  salesChannel: Text\n) returns (orderId');
  });
}

/** The earlier interface of OrderAPI as alice's `interface` prints it (the against FILE). */
function savedInterface(root: string): string {
  const r = cli(['interface', root, 'OrderAPI', '--user', 'alice']);
  assert.equal(r.code, 0, r.stderr);
  const file = join(temp('pm-against-'), 'OrderAPI.api.logic');
  writeFileSync(file, r.stdout);
  return file;
}

/** Adds a user `owen`, owner of OrderAPI, and (when `listReporting`) a `list` grant on Reporting for him. */
function addOwen(root: string, listReporting: boolean): void {
  edit(root, ENV, (s) =>
    s
      .replace('"users": {', '"users": {\n    "owen": { "displayName": "Owen Owner" },')
      .replace('"grants": [', `"grants": [\n${listReporting ? '    { "module": "Reporting", "to": "user:owen", "access": "list" },\n' : ''}`),
  );
  edit(root, 'modules/order-api/module.json', (s) => s.replace('"owner": "alice"', '"owner": "owen"'));
}

/** A call of CreateOrder in Reporting (a module owen may at most list). */
function reportingCallsCreateOrder(root: string): void {
  edit(
    root,
    'modules/reporting/data/Aggregates.logic',
    (s) =>
      s +
      '\n// Test-only: places an order.\nserver action PlaceTestOrder() {\n  var r = OrderAPI.CreateOrder("C-1", "a@b.c", Common.Address { street: "s", city: "c", postalCode: "1", countryCode: "DE" }, [])\n}\n',
  );
}

/**
 * A copy of acme with owen (list on Reporting when `listReporting`), a call of CreateOrder in
 * Reporting, and OrderAPI broken; `against` is its interface saved before.
 */
function owenAndBrokenOrderApi(listReporting: boolean): { root: string; against: string } {
  const root = acme();
  const against = savedInterface(root);
  addOwen(root, listReporting);
  reportingCallsCreateOrder(root);
  breakOrderApi(root);
  return { root, against };
}

// dist/ is built once (scripts/test.mjs), or here when this file runs alone.
before(() => ensureBuilt());
after(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

describe('diff on examples/acme (acceptance 2)', () => {
  it('alice: both changes breaking, major required, OrderPortal and Reporting with exact counts; exit 1 until the version is 2.0.0', () => {
    const root = acme();
    const against = savedInterface(root);
    breakOrderApi(root);
    const r = cli(['diff', root, 'OrderAPI', '--against', against, '--user', 'alice']);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(
      r.stdout,
      [
        'breaking: CancelOrder: server action removed',
        "breaking: CreateOrder: required input 'salesChannel: Text' added",
        'required: major (1.4.0 → 1.4.0)',
        'consumers:',
        '  OrderPortal: 2 call sites (CancelOrder 1, CreateOrder 1)',
        '    modules/order-portal/screens/MyOrders.logic:71:28: CancelOrder',
        '    modules/order-portal/screens/NewOrder.logic:93:27: CreateOrder',
        '  Reporting: 0 call sites',
        '',
      ].join('\n'),
    );
    assert.match(r.stderr, /does not make the required major bump over 1\.4\.0/);

    const j = cli(['diff', root, 'OrderAPI', '--against', against, '--user', 'alice', '--format', 'json']);
    assert.equal(j.code, 1);
    const report = JSON.parse(j.stdout);
    assert.equal(report.from, '1.4.0');
    assert.equal(report.to, '1.4.0');
    assert.equal(report.required, 'major');
    assert.deepEqual(
      report.changes.map((c: { severity: string; element: string; kind: string }) => [c.severity, c.element, c.kind]),
      [
        ['breaking', 'CancelOrder', 'element-removed'],
        ['breaking', 'CreateOrder', 'input-added'],
      ],
    );
    assert.deepEqual(
      report.consumers.map((c: { module: string; callSites: number; elements: object }) => [c.module, c.callSites, c.elements]),
      [
        ['OrderPortal', 2, { CancelOrder: 1, CreateOrder: 1 }],
        ['Reporting', 0, {}],
      ],
    );
    assert.deepEqual(report.consumers[0].locations, [
      { element: 'CancelOrder', path: 'modules/order-portal/screens/MyOrders.logic', line: 71, column: 28 },
      { element: 'CreateOrder', path: 'modules/order-portal/screens/NewOrder.logic', line: 93, column: 27 },
    ]);

    edit(root, 'modules/order-api/module.json', (s) => s.replace('"version": "1.4.0"', '"version": "2.0.0"'));
    const ok = cli(['diff', root, 'OrderAPI', '--against', against, '--user', 'alice']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^required: major \(1\.4\.0 → 2\.0\.0\)$/m);
  });

  it("a user with list on a consumer sees its name and counts, never its call sites' locations", () => {
    const { root, against } = owenAndBrokenOrderApi(true);
    const j = cli(['diff', root, 'OrderAPI', '--against', against, '--user', 'owen', '--format', 'json']);
    assert.equal(j.code, 1, j.stderr);
    const report = JSON.parse(j.stdout);
    const reporting = report.consumers.find((c: { module: string }) => c.module === 'Reporting');
    assert.deepEqual(reporting, { module: 'Reporting', callSites: 1, elements: { CreateOrder: 1 } });
    const portal = report.consumers.find((c: { module: string }) => c.module === 'OrderPortal');
    assert.equal(portal.locations.length, 2, 'OrderPortal is open to owen (defaultAccess open)');
    assert.ok(!j.stdout.includes('reporting/'), 'no path into Reporting');
    assert.ok(!j.stdout.includes('Aggregates'), 'no file name of Reporting');

    const t = cli(['diff', root, 'OrderAPI', '--against', against, '--user', 'owen']);
    assert.match(t.stdout, /^ {2}Reporting: 1 call site \(CreateOrder 1\)$/m);
    assert.ok(!t.stdout.includes('reporting/') && !t.stdout.includes('Aggregates'));
  });

  it('a consumer the user cannot list is not named (nor counted)', () => {
    const { root, against } = owenAndBrokenOrderApi(false);
    for (const format of ['text', 'json']) {
      const r = cli(['diff', root, 'OrderAPI', '--against', against, '--user', 'owen', '--format', format]);
      assert.equal(r.code, 1, r.stderr);
      assert.ok(r.stdout.includes('OrderPortal'));
      assert.ok(!/Reporting|reporting|Aggregates/.test(r.stdout + r.stderr), r.stdout);
    }
    const report = JSON.parse(cli(['diff', root, 'OrderAPI', '--against', against, '--user', 'owen', '--format', 'json']).stdout);
    assert.deepEqual(
      report.consumers.map((c: { module: string }) => c.module),
      ['OrderPortal'],
    );
    assert.equal(report.consumers[0].callSites, 2);
  });
});

describe('diff: leak tests (bob has reference on OrderAPI)', () => {
  it('bob gets the verdict but no consumers, no call sites, no names of modules he may not list', () => {
    const root = acme();
    const against = savedInterface(root);
    reportingCallsCreateOrder(root);
    breakOrderApi(root);
    for (const format of ['text', 'json']) {
      const r = cli(['diff', root, 'OrderAPI', '--against', against, '--user', 'bob', '--format', format]);
      assert.equal(r.code, 1, r.stderr);
      assert.ok(r.stdout.includes('CancelOrder') && r.stdout.includes('salesChannel'));
      const all = r.stdout + r.stderr;
      for (const secret of ['OrderPortal', 'Reporting', 'Pricing', '.logic:', 'consumers:', 'MyOrders', 'NewOrder', 'call site']) {
        assert.ok(!all.includes(secret), `${format}: ${secret} in\n${all}`);
      }
    }
    const report = JSON.parse(cli(['diff', root, 'OrderAPI', '--against', against, '--user', 'bob', '--format', 'json']).stdout);
    assert.deepEqual(report.consumers, []);
  });

  it('"made private" only for users who may read the module; "removed" for bob', () => {
    const root = acme();
    const against = savedInterface(root);
    edit(root, ORDERS, (s) => s.replace('public server action CancelOrder', 'server action CancelOrder'));
    const alice = cli(['diff', root, 'OrderAPI', '--against', against, '--user', 'alice']);
    assert.match(alice.stdout, /^breaking: CancelOrder: server action made private$/m);
    const bob = cli(['diff', root, 'OrderAPI', '--against', against, '--user', 'bob']);
    assert.match(bob.stdout, /^breaking: CancelOrder: server action removed$/m);
    assert.ok(!bob.stdout.includes('private'));
  });

  it('a module bob may not see answers like a missing one (exit 3, same message, as `interface`)', () => {
    const root = acme();
    const file = join(temp('pm-against-'), 'x.api.logic');
    writeFileSync(file, '// Interface of Pricing 2.1.0 — owner alice. Bodies are not shown.\n');
    const hidden = cli(['diff', root, 'Pricing', '--against', file, '--user', 'bob']);
    writeFileSync(file, '// Interface of Nothing 2.1.0 — owner alice. Bodies are not shown.\n');
    const missing = cli(['diff', root, 'Nothing', '--against', file, '--user', 'bob']);
    assert.equal(hidden.code, 3);
    assert.equal(missing.code, 3);
    assert.equal(hidden.stdout, '');
    assert.equal(hidden.stderr.replace('Pricing', 'X'), missing.stderr.replace('Nothing', 'X'));
    // Exactly what `interface` answers for each.
    for (const [module, r] of [
      ['Pricing', hidden],
      ['Nothing', missing],
    ] as const) {
      const i = cli(['interface', root, module, '--user', 'bob']);
      assert.deepEqual([r.code, r.stdout, r.stderr], [i.code, i.stdout, i.stderr]);
    }
  });

  it('a module bob may only list: exit 3 and the message of `interface`, naming the level it needs (issue 13 point 8)', () => {
    const root = acme();
    const file = join(temp('pm-against-'), 'Reporting.api.logic');
    writeFileSync(file, '// Interface of Reporting 1.0.0 — owner alice. Bodies are not shown.\n');
    const diff = cli(['diff', root, 'Reporting', '--against', file, '--user', 'bob']);
    const iface = cli(['interface', root, 'Reporting', '--user', 'bob']);
    assert.equal(iface.code, 3);
    assert.deepEqual([diff.code, diff.stdout, diff.stderr], [iface.code, iface.stdout, iface.stderr]);
    assert.equal(
      diff.stderr,
      "protected-modules: bob may only list 'Reporting': seeing its interface needs reference access (yours is list); ask its owner alice\n",
    );
    // Also with --format json and whatever FILE holds: the access is decided first.
    const json = cli(['diff', root, 'Reporting', '--against', join(root, 'nope.logic'), '--user', 'bob', '--format', 'json']);
    assert.deepEqual([json.code, json.stdout, json.stderr], [iface.code, iface.stdout, iface.stderr]);
  });
});

describe('diff --against FILE formats', () => {
  it('a .pmod archive: INTERFACE.logic and module.json read with tar', () => {
    const root = acme();
    const against = savedInterface(root);
    const dir = temp('pm-pmod-');
    writeFileSync(join(dir, 'INTERFACE.logic'), readFileSync(against, 'utf8').replace('1.4.0', '1.3.0'));
    // JSON with comments and trailing commas, as a real module.json (a sealed example's) is.
    writeFileSync(join(dir, 'module.json'), '// The order service.\n{ "name": "OrderAPI", "version": "1.4.0", "kind": "service", "owner": "alice", }\n');
    writeFileSync(join(dir, 'SEAL.json'), '{}');
    const pmod = join(dir, 'OrderAPI-1.4.0.pmod');
    tarCreate({ file: pmod, cwd: dir, sync: true }, ['module.json', 'INTERFACE.logic', 'SEAL.json']);
    breakOrderApi(root);
    const r = cli(['diff', root, 'OrderAPI', '--against', pmod, '--user', 'alice']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^breaking: CancelOrder: server action removed$/m);
    // module.json's version wins over the header's.
    assert.match(r.stdout, /^required: major \(1\.4\.0 → 1\.4\.0\)$/m);
  });

  it('bad usage and bad files exit 2 with one clear line', () => {
    const root = acme();
    const against = savedInterface(root);
    const cases: [string[], RegExp][] = [
      [['diff', root, 'OrderAPI', '--user', 'alice'], /missing --against FILE/],
      [['diff', root, '--against', against, '--user', 'alice'], /missing <Module>/],
      [['diff', root, 'OrderAPI', '--against', join(root, 'nope.logic'), '--user', 'alice'], /cannot read .*nope\.logic/],
      [['diff', root, 'Common', '--against', against, '--user', 'alice'], /is the interface of 'OrderAPI', not of 'Common'/],
    ];
    const broken = join(temp('pm-bad-'), 'broken.api.logic');
    writeFileSync(broken, '// Interface of OrderAPI 1.4.0 — owner alice. Bodies are not shown.\npublic server action (;\n');
    cases.push([['diff', root, 'OrderAPI', '--against', broken, '--user', 'alice'], /broken\.api\.logic:2:\d+: not a valid interface document/]);
    const noVersion = join(temp('pm-bad-'), 'plain.logic');
    writeFileSync(noVersion, 'public server action F();\n');
    cases.push([['diff', root, 'OrderAPI', '--against', noVersion, '--user', 'alice'], /no version/]);
    // Plain words, naming the file (leftovers of issue 12: a raw EISDIR; a bad version named no file).
    const folder = temp('pm-bad-');
    cases.push([['diff', root, 'OrderAPI', '--against', folder, '--user', 'alice'], /cannot read .*: it is a folder, not a file$/]);
    const badVersion = join(temp('pm-bad-'), 'v.api.logic');
    writeFileSync(badVersion, '// Interface of OrderAPI 1.x — owner alice. Bodies are not shown.\npublic server action F();\n');
    cases.push([['diff', root, 'OrderAPI', '--against', badVersion, '--user', 'alice'], /v\.api\.logic: '1\.x' is not a semantic version/]);
    const notTar = join(temp('pm-bad-'), 'x.pmod');
    writeFileSync(notTar, 'not an archive');
    cases.push([['diff', root, 'OrderAPI', '--against', notTar, '--user', 'alice'], /x\.pmod/]);
    for (const [args, message] of cases) {
      const r = cli(args);
      assert.equal(r.code, 2, `${args.join(' ')}\n${r.stdout}${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr.split('\n')[0], message);
      assert.ok(!/\n\s+at /.test(r.stderr));
    }
  });
});

describe('api-report and check --api-reports', () => {
  it('writes <Module>.api.logic = the interface; check warns api-report-outdated after a change', () => {
    const root = acme();
    const out = join(temp('pm-reports-'), 'reports');
    const w = cli(['api-report', root, 'OrderAPI', 'Common', '--out', out, '--user', 'alice']);
    assert.equal(w.code, 0, w.stderr);
    const iface = cli(['interface', root, 'OrderAPI', '--user', 'alice']).stdout;
    assert.equal(readFileSync(join(out, 'OrderAPI.api.logic'), 'utf8'), iface);
    assert.ok(existsSync(join(out, 'Common.api.logic')));
    assert.ok(!existsSync(join(out, 'Pricing.api.logic')));

    const clean = cli(['check', root, '--api-reports', out, '--user', 'alice']);
    assert.ok(!clean.stdout.includes('api-report-outdated'), clean.stdout);

    edit(root, ORDERS, (s) => s.replace('/// Reads one order.', '/// Reads one order by its number.'));
    const r = cli(['check', root, '--api-reports', out, '--user', 'alice']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const lines = r.stdout
      .trimEnd()
      .split('\n')
      .filter((l) => l.includes('[api-report-outdated]'));
    assert.equal(lines.length, 1, r.stdout);
    assert.match(
      lines[0],
      /^.*reports\/OrderAPI\.api\.logic:1:1: warning: The API report of 'OrderAPI' is outdated: the interface differs from it \(1 doc change\)\. .*\[api-report-outdated\]$/,
    );
    const j = JSON.parse(cli(['check', root, '--api-reports', out, '--user', 'alice', '--format', 'json']).stdout);
    assert.equal(j.diagnostics.filter((d: { code: string }) => d.code === 'api-report-outdated').length, 1);
    assert.equal(j.summary.warnings, 1);
  });

  it('without module names: every module the user may reference; never one below reference', () => {
    const root = acme();
    const out = join(temp('pm-reports-'), 'bob');
    const r = cli(['api-report', root, '--out', out, '--user', 'bob']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(join(out, 'OrderAPI.api.logic')));
    assert.ok(!existsSync(join(out, 'Pricing.api.logic')));
    assert.ok(!existsSync(join(out, 'Reporting.api.logic')), 'bob only lists Reporting');
    const hidden = cli(['api-report', root, 'Pricing', '--out', join(out, 'x'), '--user', 'bob']);
    assert.equal(hidden.code, 3);
    assert.ok(!existsSync(join(out, 'x')));
  });

  it('a named module the user may not see: the answer of `interface` (list names the level; none = missing), nothing written', () => {
    const root = acme();
    const out = join(temp('pm-reports-'), 'bob');
    for (const module of ['Reporting', 'Pricing', 'Nothing']) {
      const r = cli(['api-report', root, 'OrderAPI', module, '--out', out, '--user', 'bob']);
      const i = cli(['interface', root, module, '--user', 'bob']);
      assert.deepEqual([r.code, r.stdout, r.stderr], [i.code, i.stdout, i.stderr], module);
      assert.equal(r.code, 3);
      assert.ok(!existsSync(out), `${module}: nothing is written`);
    }
    const list = cli(['api-report', root, 'Reporting', '--out', out, '--user', 'bob']);
    assert.match(list.stderr, /may only list 'Reporting': seeing its interface needs reference access \(yours is list\)/);
    const hidden = cli(['api-report', root, 'Pricing', '--out', out, '--user', 'bob']);
    const missing = cli(['api-report', root, 'Nothing', '--out', out, '--user', 'bob']);
    assert.equal(hidden.stderr.replace('Pricing', 'X'), missing.stderr.replace('Nothing', 'X'));
  });

  it('a report of a module the user may not reference is ignored like a report of no module', () => {
    const root = acme();
    const out = temp('pm-reports-');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'Pricing.api.logic'), '// stale\n');
    writeFileSync(join(out, 'Nothing.api.logic'), '// stale\n');
    const r = cli(['check', root, '--api-reports', out, '--user', 'bob']);
    assert.ok(!r.stdout.includes('api-report-outdated'), r.stdout);
    // bob may only list Reporting: he cannot see its interface, so its report is not compared
    // either — the same output as with no report at all (docs/DECISIONS.md, issue 12).
    const before = cli(['check', root, '--api-reports', out, '--user', 'bob', '--format', 'json']);
    writeFileSync(join(out, 'Reporting.api.logic'), '// stale\n');
    const listed = cli(['check', root, '--api-reports', out, '--user', 'bob', '--format', 'json']);
    assert.deepEqual([listed.code, listed.stdout, listed.stderr], [before.code, before.stdout, before.stderr]);
    // ... while a user with reference on it (carol) is warned.
    const carol = cli(['check', root, '--api-reports', out, '--user', 'carol']);
    assert.match(carol.stdout, /Reporting\.api\.logic:1:1: warning: The API report of 'Reporting' is outdated/);
    const missingDir = cli(['check', root, '--api-reports', join(out, 'none'), '--user', 'bob']);
    assert.equal(missingDir.code, 2);
  });
});
