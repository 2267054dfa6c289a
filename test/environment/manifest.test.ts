// environment.json / module.json parsing and validation with JSON paths and positions (SPEC 2.1, 2.2).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatJsonPath, parseModuleManifest, parsePolicy } from '../../shared/environment/manifest';
import type { FileDiagnostic } from '../../shared/environment/model';

const ENV_PATH = '/envs/acme/environment.json';
const MOD_PATH = '/envs/acme/OrderAPI/module.json';

/** `line:col` (0-based) of a diagnostic's start, and its message. */
const brief = (d: FileDiagnostic) => `${d.range.start.line}:${d.range.start.character} ${d.message}`;

/** A one-error check: exactly one error, at (line, character), message starting with `prefix`. */
function expectOne(diags: FileDiagnostic[], line: number, character: number, prefix: string | RegExp, code = 'invalid-environment') {
  const errors = diags.filter((d) => d.severity === 'error');
  assert.equal(errors.length, 1, `expected one error, got:\n${diags.map(brief).join('\n')}`);
  const d = errors[0];
  assert.equal(d.code, code);
  assert.deepEqual(d.range.start, { line, character }, brief(d));
  if (typeof prefix === 'string') assert.ok(d.message.startsWith(prefix), `${d.message} should start with ${prefix}`);
  else assert.match(d.message, prefix);
}

const GOOD_ENV = `{
  // The access policy.
  "name": "Acme Development",
  "admins": ["alice"],
  "users": {
    "alice": { "displayName": "Alice Owner", "groups": ["core"] },
    "bob":   { "displayName": "Bob Contractor", "groups": ["contractors"] },
    "carol": { "groups": ["reviewers"] }, /* trailing comma next */
  },
  "defaultAccess": "change",
  "grants": [
    { "module": "OrderAPI",    "to": "group:contractors", "access": "reference" },
    { "module": "OrderPortal", "to": "user:bob",          "access": "change" },
    { "module": "*",           "to": "group:reviewers",   "access": "reference" },
  ],
}
`;

const GOOD_MODULE = `{
  "name": "OrderAPI",
  "version": "1.4.0",
  "kind": "service",
  "owner": "alice",
  "description": "Order placement and tracking.",
  "protected": true,
  "dependencies": { "Common": "^1.0.0" }
}`;

describe('parsePolicy (environment.json, SPEC 2.1)', () => {
  it('accepts the SPEC example with comments and trailing commas', () => {
    const r = parsePolicy(GOOD_ENV, ENV_PATH);
    assert.deepEqual(r.diagnostics, []);
    assert.equal(r.policy?.name, 'Acme Development');
    assert.deepEqual(r.policy?.admins, ['alice']);
    assert.deepEqual(r.policy?.users.carol, { groups: ['reviewers'] });
    assert.equal(r.policy?.grants.length, 3);
    assert.deepEqual(r.policy?.grants[1], { module: 'OrderPortal', to: 'user:bob', access: 'change' });
  });

  it('applies defaults: admins [], defaultAccess change, grants [], groups [], name = folder name', () => {
    const r = parsePolicy('{ "users": { "bob": {} } }', ENV_PATH);
    assert.deepEqual(r.diagnostics, []);
    assert.deepEqual(r.policy, { name: 'acme', admins: [], users: { bob: { groups: [] } }, defaultAccess: 'change', grants: [] });
  });

  it('tolerates a BOM and CRLF line ends; positions do not count the BOM', () => {
    const text = '\ufeff{\r\n  "users": {\r\n    "bob": { "groups": 3 }\r\n  }\r\n}\r\n';
    const r = parsePolicy(text, ENV_PATH);
    assert.equal(r.policy, undefined);
    expectOne(r.diagnostics, 2, 23, 'users.bob.groups: expected an array, got a number');
    assert.deepEqual(r.diagnostics[0].range.end, { line: 2, character: 24 });
    assert.ok(parsePolicy('\ufeff{ "users": {} }\r\n', ENV_PATH).policy);
  });

  it('wrong access level: path and range of the value', () => {
    const text = GOOD_ENV.replace('"access": "change"', '"access": "admin"');
    const r = parsePolicy(text, ENV_PATH);
    assert.equal(r.policy, undefined);
    const line = text.split('\n').findIndex((l) => l.includes('"admin"'));
    const character = text.split('\n')[line].indexOf('"admin"');
    assert.deepEqual([line, character], [12, 68]);
    expectOne(r.diagnostics, line, character, 'grants[1].access: expected one of none, list, reference, open, change, full');
    assert.equal(r.diagnostics[0].path, ENV_PATH);
    assert.equal(r.diagnostics[0].severity, 'error');
    assert.deepEqual(r.diagnostics[0].range.end, { line, character: character + '"admin"'.length });
  });

  it('unknown key: reported on the property, naming the allowed keys', () => {
    const r = parsePolicy('{\n  "users": {},\n  "defaultAcess": "list"\n}', ENV_PATH);
    expectOne(r.diagnostics, 2, 2, 'defaultAcess: unknown key');
    assert.match(r.diagnostics[0].message, /allowed: name, admins, users, defaultAccess, grants/);
    assert.deepEqual(r.diagnostics[0].range.end, { line: 2, character: 24 });
  });

  it('unknown key in a nested object', () => {
    const r = parsePolicy('{ "users": { "bob": { "group": ["x"] } } }', ENV_PATH);
    expectOne(r.diagnostics, 0, 22, 'users.bob.group: unknown key (allowed: displayName, groups)');
  });

  it('bad user id (record key): reported on the key', () => {
    const r = parsePolicy('{\n  "users": {\n    "Bob": {}\n  }\n}', ENV_PATH);
    expectOne(r.diagnostics, 2, 4, /^users\.Bob: invalid user id/);
  });

  it('user ids with dots are quoted in paths', () => {
    const r = parsePolicy('{ "users": { "j.doe": { "groups": [1] } } }', ENV_PATH);
    expectOne(r.diagnostics, 0, 35, 'users["j.doe"].groups[0]: expected a string, got a number');
  });

  it('bad admin id, bad grantee, bad grant module', () => {
    const r = parsePolicy('{\n "users": {},\n "admins": ["Alice"],\n "grants": [{ "module": "orders", "to": "bob", "access": "list" }]\n}', ENV_PATH);
    const msgs = r.diagnostics.map(brief);
    assert.deepEqual(
      msgs.map((m) => m.split(':').slice(0, 2).join(':')),
      ['2:12 admins[0]', '3:24 grants[0].module', '3:40 grants[0].to'],
    );
    assert.match(msgs[2], /expected "user:<id>", "group:<name>" or "\*"/);
  });

  it("missing required key: reported at the enclosing object's start", () => {
    const r = parsePolicy('{\n  "name": "x",\n  "grants": [\n    { "module": "A", "access": "list" }\n  ]\n}', ENV_PATH);
    const e = r.diagnostics.filter((d) => d.severity === 'error');
    assert.deepEqual(e.map(brief), [
      '0:0 users: required key is missing (expected an object)',
      '3:4 grants[0].to: required key is missing (expected a string)',
    ]);
  });

  it('wrong root type', () => {
    expectOne(parsePolicy('[1, 2]', ENV_PATH).diagnostics, 0, 0, '(root): expected an object, got an array');
  });

  it('syntax errors are diagnostics with positions', () => {
    const r = parsePolicy('{\n  "users": {\n    "bob": {}\n  }\n  "grants": []\n}', ENV_PATH);
    assert.equal(r.policy, undefined);
    assert.ok(r.diagnostics.length >= 1);
    assert.equal(r.diagnostics[0].code, 'invalid-environment');
    assert.deepEqual(r.diagnostics[0].range.start, { line: 4, character: 2 });
    assert.match(r.diagnostics[0].message, /^syntax error: expected ","/);
  });

  it('an empty file is a syntax error at 0:0', () => {
    expectOne(parsePolicy('', ENV_PATH).diagnostics, 0, 0, 'syntax error: expected a value');
  });

  it('unterminated comment and string', () => {
    assert.match(parsePolicy('{ "users": {} /* x', ENV_PATH).diagnostics[0].message, /unterminated comment/);
    assert.match(parsePolicy('{ "users": {"bob', ENV_PATH).diagnostics[0].message, /unterminated string/);
  });

  it('duplicate keys are errors on the second key', () => {
    const r = parsePolicy('{ "users": {}, "users": { "bob": {} } }', ENV_PATH);
    expectOne(r.diagnostics, 0, 15, 'users: duplicate key');
  });

  it('a __proto__ key is an error, not a silent prototype', () => {
    const r = parsePolicy('{ "users": { "__proto__": { "groups": [] } } }', ENV_PATH);
    assert.equal(r.policy, undefined);
    assert.deepEqual(r.diagnostics.map(brief), ['0:13 users.__proto__: key not allowed']);
  });

  it('warns (without invalidating) about admins and user grants naming unknown users', () => {
    const r = parsePolicy('{ "users": { "bob": {} }, "admins": ["zed"], "grants": [{ "module": "A", "to": "user:ann", "access": "list" }] }', ENV_PATH);
    assert.ok(r.policy);
    assert.deepEqual(
      r.diagnostics.map((d) => [d.severity, d.message.split(':')[0]]),
      [
        ['warning', 'admins[0]'],
        ['warning', 'grants[0].to'],
      ],
    );
  });

  it('an empty name is an error', () => {
    expectOne(parsePolicy('{ "name": "", "users": {} }', ENV_PATH).diagnostics, 0, 10, 'name: must not be empty');
  });
});

describe('parseModuleManifest (module.json, SPEC 2.2)', () => {
  it('accepts the SPEC example', () => {
    const r = parseModuleManifest(GOOD_MODULE, MOD_PATH);
    assert.deepEqual(r.diagnostics, []);
    assert.deepEqual(r.manifest, {
      name: 'OrderAPI',
      version: '1.4.0',
      kind: 'service',
      owner: 'alice',
      description: 'Order placement and tracking.',
      protected: true,
      dependencies: { Common: '^1.0.0' },
    });
    assert.equal(r.name, 'OrderAPI');
    assert.deepEqual(r.nameRange, { start: { line: 1, character: 10 }, end: { line: 1, character: 20 } });
  });

  it('defaults: protected false, dependencies {}', () => {
    const r = parseModuleManifest('{ "name": "Common", "version": "1.0.0", "kind": "library", "owner": "alice", }', MOD_PATH);
    assert.deepEqual(r.diagnostics, []);
    assert.equal(r.manifest?.protected, false);
    assert.deepEqual(r.manifest?.dependencies, {});
    assert.equal(r.manifest?.description, undefined);
  });

  const field = (key: string, value: string) => GOOD_MODULE.replace(new RegExp(`"${key}": [^,\\n]+`), `"${key}": ${value}`);
  const cases: [string, string, number, number, string | RegExp][] = [
    ['bad module name', field('name', '"orderAPI"'), 1, 10, /^name: invalid module name/],
    ['bad semver', field('version', '"1.4"'), 2, 13, /^version: invalid version/],
    ['v-prefixed version', field('version', '"v1.4.0"'), 2, 13, /^version: invalid version/],
    ['bad kind', field('kind', '"screen"'), 3, 10, 'kind: expected one of service, ui, library'],
    ['bad owner', field('owner', '"Alice"'), 4, 11, /^owner: invalid user id/],
    ['protected not a boolean', field('protected', '"yes"'), 6, 15, 'protected: expected true or false, got a string'],
    ['description not a string', field('description', '42'), 5, 17, 'description: expected a string, got a number'],
    ['bad range', GOOD_MODULE.replace('"^1.0.0"', '"one"'), 7, 30, /^dependencies\.Common: invalid version range/],
    ['bad dependency name', GOOD_MODULE.replace('"Common"', '"common"'), 7, 20, /^dependencies\.common: invalid module name/],
    ['dependencies not an object', GOOD_MODULE.replace('{ "Common": "^1.0.0" }', '["Common"]'), 7, 18, 'dependencies: expected an object, got an array'],
    ['unknown key', GOOD_MODULE.replace('"protected": true,', '"protected": true,\n  "public": true,'), 7, 2, /^public: unknown key/],
    ['missing owner', GOOD_MODULE.replace('  "owner": "alice",\n', ''), 0, 0, 'owner: required key is missing (expected a string)'],
    ['syntax error', GOOD_MODULE.replace('"kind": "service",', '"kind": "service"'), 4, 2, /^syntax error: expected ","/],
  ];
  for (const [name, text, line, character, message] of cases) {
    it(name, () => {
      const r = parseModuleManifest(text, MOD_PATH);
      assert.equal(r.manifest, undefined);
      expectOne(r.diagnostics, line, character, message, 'invalid-manifest');
      assert.equal(r.diagnostics[0].path, MOD_PATH);
    });
  }

  it('reports several errors, each with its own path, in file order', () => {
    const r = parseModuleManifest('{ "name": 1, "version": "x", "kind": "ui", "owner": "bob", "extra": null }', MOD_PATH);
    assert.deepEqual(
      r.diagnostics.map((d) => d.message.split(':')[0]),
      ['name', 'version', 'extra'],
    );
  });

  it('keeps the raw name and owner of an invalid manifest for reporting', () => {
    const r = parseModuleManifest('{ "name": "OrderAPI", "owner": "bob", "kind": "nope" }', MOD_PATH);
    assert.equal(r.manifest, undefined);
    assert.equal(r.name, 'OrderAPI');
    assert.equal(r.owner, 'bob');
  });

  it('CRLF and UTF-16 positions (a non-BMP character counts 2)', () => {
    const text = '{\r\n  "description": "📦", "kind": 1,\r\n  "name": "A", "version": "1.0.0", "owner": "bob"\r\n}';
    const r = parseModuleManifest(text, MOD_PATH);
    expectOne(r.diagnostics, 1, 31, /^kind: expected one of service, ui, library/, 'invalid-manifest');
  });
});

describe('formatJsonPath', () => {
  it('formats keys and indices', () => {
    assert.equal(formatJsonPath([]), '(root)');
    assert.equal(formatJsonPath(['grants', 1, 'access']), 'grants[1].access');
    assert.equal(formatJsonPath(['users', 'j.doe']), 'users["j.doe"]');
    assert.equal(formatJsonPath(['users', 'bob-x', 'groups', 0]), 'users.bob-x.groups[0]');
  });
});

// Issue 12: a plain-JSON file is parsed with JSON.parse (the tree of positions only when asked
// for). Each text below, and the same text with a comment after it (which forces the jsonc-parser
// path and moves no position), must give the same result, valid or not.
describe('plain JSON fast path = the jsonc-parser path', () => {
  const manifest = { name: 'OrderAPI', version: '1.4.0', kind: 'service', owner: 'alice', dependencies: { Common: '^1.0.0' } };
  const policy = {
    name: 'Acme',
    admins: ['alice', 'ghost'],
    users: { alice: { groups: ['core'] }, bob: {} },
    grants: [{ module: '*', to: 'user:nobody', access: 'list' }],
  };
  const texts: [string, string][] = [
    ['manifest', JSON.stringify(manifest, null, 2)],
    ['manifest', JSON.stringify(manifest)],
    ['manifest', '{ "name": "OrderAPI", "na\\u006de": "Other", "version": "1.4.0", "kind": "service", "owner": "alice" }'],
    ['manifest', '{ "name": "OrderAPI", "version": "1.4.0", "kind": "service", "owner": "alice", "dependencies": { "A": "^1.0.0", "A": "^2.0.0" } }'],
    ['manifest', '{ "name": "OrderAPI", "version": "1.4.0", "kind": "service", "owner": "alice", "__proto__": {} }'],
    ['manifest', '{ "name": "Order\\"API", "version": "1.4.0", "kind": "service", "owner": "alice", "description": "a \\"quoted\\": key-like text" }'],
    ['manifest', '{ "name": "OrderAPI", "version": "v1", "kind": "service", "owner": "alice" }'],
    ['manifest', '[]'],
    ['policy', JSON.stringify(policy, null, 2)],
    ['policy', JSON.stringify({ ...policy, users: { alice: {}, alice2: {} }, defaultAccess: 'open' })],
    ['policy', '{ "users": { "alice": {} }, "users": { "bob": {} } }'],
    ['policy', '{ "users": { "alice": { "groups": [] } }, "grants": [ { "module": "X", "to": "*", "access": "list", "access": "full" } ] }'],
  ];
  it('gives the same manifest or policy, diagnostics and ranges', () => {
    for (const [kind, text] of texts) {
      const parse = (t: string) => (kind === 'manifest' ? parseModuleManifest(t, MOD_PATH) : parsePolicy(t, ENV_PATH));
      const fast = parse(text);
      const slow = parse(text + '\n// forces the jsonc-parser path\n');
      assert.deepEqual(fast, slow, text);
    }
  });
  it('a valid manifest still knows where its name is (for a clash of names)', () => {
    const m = parseModuleManifest('{\n  "version": "1.0.0",\n  "name": "A",\n  "kind": "library",\n  "owner": "alice"\n}', MOD_PATH);
    assert.ok(m.manifest);
    assert.deepEqual(m.nameRange, { start: { line: 2, character: 10 }, end: { line: 2, character: 13 } });
  });
});
