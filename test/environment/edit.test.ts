// Formatting-preserving edits of environment.json / module.json (SPEC 4: "keep the file's formatting and comments").
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'jsonc-parser';
import { detectFormatting, setDependency, setGrant, setJsonValue, setModuleProtected } from '../../shared/environment/edit';
import { parseModuleManifest, parsePolicy } from '../../shared/environment/manifest';

const POLICY = `{
  // Acme's access policy.
  "name": "Acme Development",
  "users": {
    "alice": { "groups": ["core"] }, // the owner
    "bob": { "groups": ["contractors"] },
  },
  /* grants, most specific first */
  "grants": [
    { "module": "OrderAPI", "to": "group:contractors", "access": "reference" }, // contractors
    { "module": "OrderPortal", "to": "user:bob", "access": "change" },
  ],
}
`;

describe('setGrant (SPEC 4 grantAccess)', () => {
  it('replaces the access of an existing grant, touching nothing else', () => {
    const out = setGrant(POLICY, 'OrderAPI', 'group:contractors', 'open');
    assert.equal(out, POLICY.replace('"access": "reference" }', '"access": "open" }'));
  });

  it('appends a new grant in the style of the others (one line, trailing comma kept)', () => {
    const out = setGrant(POLICY, 'Billing', 'user:bob', 'list');
    assert.equal(out, POLICY.replace('"access": "change" },\n', '"access": "change" },\n    { "module": "Billing", "to": "user:bob", "access": "list" },\n'));
    assert.ok(parsePolicy(out, '/e/environment.json').policy);
  });

  it('removes a grant with access none, keeping the neighbours and their comments', () => {
    const out = setGrant(POLICY, 'OrderPortal', 'user:bob', 'none');
    assert.equal(out, POLICY.replace('    { "module": "OrderPortal", "to": "user:bob", "access": "change" },\n', ''));
    const out2 = setGrant(POLICY, 'OrderAPI', 'group:contractors', 'none');
    assert.ok(!out2.includes('// contractors'), "the removed line's own comment goes with it");
    assert.ok(out2.includes('/* grants, most specific first */'));
    assert.ok(out2.includes('// the owner'));
  });

  it('removing the last entry of a list without trailing comma drops the separator, keeps comments', () => {
    const text =
      '{\n  "grants": [\n    { "module": "A", "to": "*", "access": "open" }, // a\n    { "module": "B", "to": "*", "access": "list" } // b\n  ]\n}\n';
    assert.equal(setGrant(text, 'B', '*', 'none'), '{\n  "grants": [\n    { "module": "A", "to": "*", "access": "open" } // a\n  ]\n}\n');
  });

  it('removing an absent grant changes nothing', () => {
    assert.equal(setGrant(POLICY, 'Nope', '*', 'none'), POLICY);
  });

  it('collapses duplicates of the same module and grantee into one', () => {
    const text = '{\n  "grants": [\n    { "module": "A", "to": "*", "access": "open" },\n    { "module": "A", "to": "*", "access": "list" }\n  ]\n}';
    const out = setGrant(text, 'A', '*', 'change');
    assert.deepEqual(parse(out).grants, [{ module: 'A', to: '*', access: 'change' }]);
  });

  it('creates grants when the file has none', () => {
    const out = setGrant('{\n  "users": {} // nobody yet\n}\n', 'A', '*', 'reference');
    assert.deepEqual(parse(out).grants, [{ module: 'A', to: '*', access: 'reference' }]);
    assert.ok(out.includes('// nobody yet'));
  });

  it("multi-line grants get a multi-line grant, with the file's tabs and CRLF", () => {
    const text = '{\r\n\t"grants": [\r\n\t\t{\r\n\t\t\t"module": "A",\r\n\t\t\t"to": "*",\r\n\t\t\t"access": "open"\r\n\t\t}\r\n\t]\r\n}\r\n';
    const out = setGrant(text, 'B', 'user:bob', 'list');
    assert.equal(
      out,
      '{\r\n\t"grants": [\r\n\t\t{\r\n\t\t\t"module": "A",\r\n\t\t\t"to": "*",\r\n\t\t\t"access": "open"\r\n\t\t},\r\n\t\t{\r\n\t\t\t"module": "B",\r\n\t\t\t"to": "user:bob",\r\n\t\t\t"access": "list"\r\n\t\t}\r\n\t]\r\n}\r\n',
    );
  });

  it('refuses to edit a file with syntax errors', () => {
    assert.throws(() => setGrant('{ "grants": [', 'A', '*', 'open'), /syntax errors/);
  });
});

describe('setModuleProtected (SPEC 2.2)', () => {
  const MODULE =
    '\ufeff{\r\n    // OrderAPI\r\n    "name": "OrderAPI",\r\n    "version": "1.4.0", /* bumped */\r\n    "kind": "service",\r\n    "owner": "alice",\r\n    "protected": false\r\n}\r\n';

  it('flips an existing flag in place (BOM, CRLF, comments kept)', () => {
    const out = setModuleProtected(MODULE, true);
    assert.equal(out, MODULE.replace('"protected": false', '"protected": true'));
    assert.equal(parseModuleManifest(out, '/m/module.json').manifest?.protected, true);
  });

  it("adds the flag with the file's indentation when absent", () => {
    const text = MODULE.replace(',\r\n    "protected": false', '');
    const out = setModuleProtected(text, true);
    assert.equal(out, MODULE.replace('"protected": false', '"protected": true'));
  });

  it('a trailing line comment stays on its line', () => {
    const out = setModuleProtected('{\n  "name": "A" // the name\n}\n', true);
    assert.equal(out, '{\n  "name": "A", // the name\n  "protected": true\n}\n');
  });
});

describe('setDependency / setJsonValue', () => {
  it('adds to a one-line dependencies object on the same line', () => {
    const out = setDependency('{\n  "name": "UI",\n  "dependencies": { "Common": "^1.0.0" }\n}', 'OrderAPI', '^1.4.0');
    assert.equal(out, '{\n  "name": "UI",\n  "dependencies": { "Common": "^1.0.0", "OrderAPI": "^1.4.0" }\n}');
  });

  it('creates dependencies when absent', () => {
    const out = setDependency('{\n  "name": "UI" // ui\n}', 'OrderAPI', '^1.4.0');
    assert.deepEqual(parse(out).dependencies, { OrderAPI: '^1.4.0' });
    assert.ok(out.includes('// ui'));
  });

  it('removes a dependency', () => {
    const out = setDependency('{\n  "dependencies": {\n    "A": "^1.0.0",\n    "B": "^2.0.0"\n  }\n}', 'A', undefined);
    assert.equal(out, '{\n  "dependencies": {\n    "B": "^2.0.0"\n  }\n}');
  });

  it('an empty text counts as {}', () => {
    assert.deepEqual(parse(setJsonValue('', ['protected'], true)), { protected: true });
  });

  it('rejects an empty path and keys inside scalars', () => {
    assert.throws(() => setJsonValue('{}', [], 1), /path/);
    assert.throws(() => setJsonValue('{ "a": 1 }', ['a', 'b'], 1));
  });
});

describe('detectFormatting', () => {
  it('spaces, tabs, EOL', () => {
    assert.deepEqual(
      [detectFormatting('{\n    "a": 1\n}'), detectFormatting('{\r\n\t"a": 1\r\n}'), detectFormatting('{}')].map((f) => [f.insertSpaces, f.tabSize, f.eol]),
      [
        [true, 4, '\n'],
        [false, 1, '\r\n'],
        [true, 2, '\n'],
      ],
    );
  });
});
