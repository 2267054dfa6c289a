// The `protected-modules` command line (SPEC 6), run as the built `node dist/cli.js`.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ensureBuilt } from '../server/lsp-client';
import { dirname, join } from 'node:path';

import { ACME, cli, type Run } from './run';

/** Usage/environment errors: one `protected-modules: …` line (plus an optional help hint), no stack. */
function assertCleanError(r: Run, code: number) {
  assert.equal(r.code, code, r.stderr);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trimEnd().split('\n');
  assert.match(lines[0], /^protected-modules: \S/);
  assert.ok(lines.length <= 2, r.stderr);
  assert.ok(!/\n\s+at /.test(r.stderr), 'no stack trace');
}

const temps: string[] = [];
function environment(files: Record<string, string>): string {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'pm-cli-')));
  temps.push(root);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return root;
}

const ENV_JSON = JSON.stringify({
  name: 'T',
  admins: ['alice'],
  users: { alice: {}, bob: { groups: ['contractors'] }, carol: {} },
  defaultAccess: 'open',
  grants: [{ module: 'Api', to: 'group:contractors', access: 'reference' }],
});
const FILES = {
  'environment.json': ENV_JSON,
  'Api/module.json': JSON.stringify({ name: 'Api', version: '1.2.0', kind: 'service', owner: 'alice', protected: true }),
  'Api/Api.logic': [
    '/// Adds two numbers.',
    'public server action Add(a: Integer, b: Integer) returns (sum: Integer) {',
    '  sum = a + b',
    '}',
    '',
    'server action SecretHelper() {',
    '  var leak: Integer = "broken on purpose"',
    '}',
    '',
  ].join('\n'),
  'Ui/module.json': JSON.stringify({ name: 'Ui', version: '0.1.0', kind: 'ui', owner: 'bob', dependencies: { Api: '^1.0.0' } }),
  'Ui/Main.logic': ['server action Use() {', '  var x: Integer = Api.Add(1, 2)', '  var y: Integer = "text"', '}', ''].join('\n'),
};
const LINE = /^(\S+):(\d+):(\d+): (error|warning|info): (.+) \[([a-z-]+)\]$/;

// dist/ is built once (scripts/test.mjs), or here when this file runs alone.
before(() => ensureBuilt());
after(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

describe('protected-modules check', () => {
  it('prints the diagnostics the user may see, 1-based, relative paths; exit 1 on errors', () => {
    const root = environment(FILES);
    const r = cli(['check', root, '--user', 'bob']);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    for (const l of lines) assert.match(l, LINE);
    assert.ok(lines.includes(`Ui/Main.logic:3:20: error: ${LINE.exec(lines.find((l) => l.startsWith('Ui/Main.logic:3:'))!)![5]} [type-mismatch]`));
    assert.ok(!r.stdout.includes('Api/'), 'nothing from a module bob may only reference');
    assert.ok(!r.stdout.includes('SecretHelper') && !r.stdout.includes('leak'));
  });

  it("the owner/admin sees the protected module's problems too", () => {
    const root = environment(FILES);
    const r = cli(['check', root, '--user', 'alice']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^Api\/Api\.logic:7:\d+: error: .*\[type-mismatch\]$/m);
  });

  it('exit 0 and no output when clean', () => {
    const root = environment({
      ...FILES,
      'Ui/Main.logic': 'server action Use() {\n  var x: Integer = Api.Add(1, 2)\n}\n',
      'Api/Api.logic': 'public server action Add(a: Integer, b: Integer) returns (sum: Integer) {\n  sum = a + b\n}\n',
    });
    const r = cli(['check', root, '--user', 'bob']);
    assert.equal(r.stdout, '');
    assert.equal(r.code, 0, r.stderr);
    // issue 13: a one-line summary on stderr (stdout keeps the line format)
    assert.match(r.stderr, /^protected-modules: checked \d+ files? as bob: 0 errors, 0 warnings\n$/);
  });

  it('--format json', () => {
    const root = environment(FILES);
    const r = cli(['check', root, '--user', 'bob', '--format', 'json']);
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout);
    assert.equal(out.user, 'bob');
    const d = out.diagnostics.find((x: { path: string; line: number }) => x.path === 'Ui/Main.logic' && x.line === 3);
    assert.equal(d.column, 20);
    assert.equal(d.code, 'type-mismatch');
    assert.equal(d.severity, 'error');
    assert.deepEqual(d.range.start, { line: 2, character: 19 });
    assert.equal(out.summary.errors, out.diagnostics.filter((x: { severity: string }) => x.severity === 'error').length);
  });

  it('an invalid environment.json is reported (exit 1), with the JSON path', () => {
    const root = environment({ ...FILES, 'environment.json': '{\n  "users": {},\n  "defaultAccess": "all",\n  "admins": ["alice"]\n}' });
    // The admins named by the invalid policy see what is wrong …
    const r = cli(['check', root, '--user', 'alice']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^environment\.json:3:20: error: defaultAccess: expected one of .* \[invalid-environment\]$/m);
    // … everyone else one error at 1:1 naming no detail (SPEC 4.1).
    const b = cli(['check', root, '--user', 'bob']);
    assert.equal(b.code, 1);
    assert.match(b.stdout, /^environment\.json:1:1: error: The access policy \(environment\.json\) is invalid[^\n]*\[invalid-environment\]$/m);
    assert.doesNotMatch(b.stdout, /defaultAccess|alice/);
  });

  it('an unknown user gets an unknown-user error', () => {
    const r = cli(['check', environment(FILES), '--user', 'zed']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /\[unknown-user\]$/m);
  });

  it('PROTECTED_MODULES_USER stands in for --user', () => {
    const root = environment(FILES);
    assert.equal(cli(['check', root], { PROTECTED_MODULES_USER: 'bob' }).stdout, cli(['check', root, '--user', 'bob']).stdout);
  });
});

describe('protected-modules interface', () => {
  it('prints the interface at reference, without private elements or bodies', () => {
    const r = cli(['interface', environment(FILES), 'Api', '--user', 'bob']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\/\/ Interface of Api 1\.2\.0/);
    assert.match(r.stdout, /\/\/\/ Adds two numbers\.\npublic server action Add\(a: Integer, b: Integer\) returns \(sum: Integer\);/);
    assert.ok(!r.stdout.includes('SecretHelper') && !r.stdout.includes('sum = a + b'));
  });

  it('exit 3, naming the level needed, for a module the user may only list (issue 13)', () => {
    const root = environment({ ...FILES, 'environment.json': ENV_JSON.replace('"reference"', '"list"') });
    const listed = cli(['interface', root, 'Api', '--user', 'bob']);
    assertCleanError(listed, 3);
    assert.match(listed.stderr, /bob may only list 'Api': seeing its interface needs reference access \(yours is list\)/);
  });

  it('exit 3, same message for a hidden module and a missing one', () => {
    const root = environment({ ...FILES, 'environment.json': ENV_JSON.replace('"reference"', '"none"') });
    const hidden = cli(['interface', root, 'Api', '--user', 'bob']);
    const missing = cli(['interface', root, 'Nope', '--user', 'bob']);
    const unknownUser = cli(['interface', root, 'Api', '--user', 'zed']);
    assertCleanError(hidden, 3);
    assertCleanError(missing, 3);
    assertCleanError(unknownUser, 3);
    assert.equal(hidden.stderr.replace('Api', 'X'), missing.stderr.replace('Nope', 'X'));
  });
});

describe('protected-modules access', () => {
  it('a table of the modules the user can see', () => {
    const root = environment({
      ...FILES,
      'Hidden/module.json': JSON.stringify({ name: 'Hidden', version: '3.0.0', kind: 'library', owner: 'alice', protected: true }),
    });
    const r = cli(['access', root, '--user', 'bob']);
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.split(/\s+/));
    assert.deepEqual(rows, [
      ['MODULE', 'KIND', 'VERSION', 'OWNER', 'PROTECTED', 'ACCESS'],
      ['Api', 'service', '1.2.0', 'alice', 'yes', 'reference'],
      ['Ui', 'ui', '0.1.0', 'bob', 'no', 'full'],
    ]);
    assert.ok(!r.stdout.includes('Hidden'));
  });

  it('--format json', () => {
    const r = cli(['access', environment(FILES), '--user', 'carol', '--format', 'json']);
    assert.equal(r.code, 0);
    assert.deepEqual(JSON.parse(r.stdout).modules, [{ name: 'Ui', version: '0.1.0', kind: 'ui', owner: 'bob', protected: false, access: 'open' }]);
  });

  it('an unknown user sees the unprotected modules at list, with a warning', () => {
    const r = cli(['access', environment(FILES), '--user', 'zed']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Ui\s.*\slist$/m);
    assert.ok(!r.stdout.includes('Api'));
    assert.match(r.stderr, /not a known user/);
  });
});

describe('usage and exit codes', () => {
  it('--help and -h print the usage, exit 0', () => {
    for (const h of [['--help'], ['-h'], ['check', '--help']]) {
      const r = cli(h);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /^Usage:/);
      assert.match(r.stdout, /protected-modules check <environment> --user <id>/);
    }
  });

  it('no command: usage on stderr, exit 2', () => {
    const r = cli([]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^Usage:/);
  });

  const root = () => environment(FILES);
  const bad: [string, () => string[]][] = [
    ['unknown command', () => ['frobnicate']],
    ['unknown option', () => ['check', root(), '--user', 'bob', '--verbose']],
    ['missing environment', () => ['check', '--user', 'bob']],
    ['missing module', () => ['interface', root(), '--user', 'bob']],
    ['extra argument', () => ['access', root(), 'more', '--user', 'bob']],
    ['missing --user', () => ['check', root()]],
    ['--user without a value', () => ['check', root(), '--user']],
    ['bad format', () => ['check', root(), '--user', 'bob', '--format', 'xml']],
    ['folder does not exist', () => ['check', join(tmpdir(), 'pm-cli-does-not-exist'), '--user', 'bob']],
    ['not a folder', () => ['access', join(root(), 'environment.json'), '--user', 'bob']],
    ['no environment.json', () => ['check', environment({ 'A/module.json': '{}' }), '--user', 'bob']],
  ];
  for (const [name, args] of bad) {
    it(`${name}: exit 2 with a one-line error`, () => assertCleanError(cli(args()), 2));
  }
});

describe('examples/acme', { skip: !existsSync(join(ACME, 'environment.json')) && 'examples/acme not present' }, () => {
  it('bob: OrderAPI at reference, Pricing hidden, Reporting listed', () => {
    const r = cli(['access', ACME, '--user', 'bob', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const access = Object.fromEntries(JSON.parse(r.stdout).modules.map((m: { name: string; access: string }) => [m.name, m.access]));
    assert.equal(access.OrderAPI, 'reference');
    assert.equal(access.OrderPortal, 'change');
    assert.equal(access.Reporting, 'list');
    assert.equal(access.Pricing, undefined);
  });

  it('bob: check never shows a file of a module he cannot open', () => {
    const r = cli(['check', ACME, '--user', 'bob']);
    assert.ok(r.code === 0 || r.code === 1, r.stderr);
    for (const l of r.stdout.split('\n').filter(Boolean)) {
      assert.match(l, LINE);
      assert.ok(!/^modules\/(order-api|pricing|reporting)\//.test(l), l);
    }
  });

  it('bob: interface of OrderAPI, not of Pricing or Reporting', () => {
    const ok = cli(['interface', ACME, 'OrderAPI', '--user', 'bob']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^\/\/ Interface of OrderAPI 1\.4\.0/);
    assertCleanError(cli(['interface', ACME, 'Pricing', '--user', 'bob']), 3);
    assertCleanError(cli(['interface', ACME, 'Reporting', '--user', 'bob']), 3);
  });

  it('alice sees every module at full', () => {
    const r = cli(['access', ACME, '--user', 'alice', '--format', 'json']);
    const mods = JSON.parse(r.stdout).modules as { access: string }[];
    assert.ok(mods.length >= 5);
    assert.ok(mods.every((m) => m.access === 'full'));
  });
});
