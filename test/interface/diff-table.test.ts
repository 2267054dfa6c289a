// SPEC 10 rules, table-driven: every rule on both sides of its boundary, with the expected severity
// of each change, the required bump, and the exit code of `protected-modules diff` for a version
// that makes the bump (0) and one that does not (1). The earlier interface is an interface document
// (the against FILE); the later one is the module's source in a temporary environment.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseInterfaceDocument } from '../../shared/interface/model';
import { type Bump, bumpSatisfies, diffInterfaces, madeBump, requiredBump } from '../../shared/interface/diff';
import { runCli } from '../../server/cli';

interface Case {
  name: string;
  before: string;
  after: string;
  /** `severity kind` of every change, in output order. */
  changes: string[];
  bump: Bump;
  /** The module's source when it is not `after` with bodies (e.g. private types). */
  source?: string;
}

const S = 'public structure A {\n  x: Integer\n}\npublic structure B {\n  y: Text\n}\n';

const CASES: Case[] = [
  {
    name: 'identical interfaces',
    before: 'public server action F(a: Integer) returns (r: Text);',
    after: 'public server action F(a: Integer) returns (r: Text);',
    changes: [],
    bump: 'none',
  },
  {
    name: 'doc comment of an action changed',
    before: '/// Old.\npublic server action F(a: Integer);',
    after: '/// New.\npublic server action F(a: Integer);',
    changes: ['doc doc-changed'],
    bump: 'patch',
  },
  {
    name: 'doc of an input (@param) changed',
    before: '/// F.\n/// @param a old\npublic server action F(a: Integer);',
    after: '/// F.\n/// @param a new\npublic server action F(a: Integer);',
    changes: ['doc doc-changed'],
    bump: 'patch',
  },
  {
    name: 'doc of a field changed',
    before: 'public structure A {\n  /// old\n  x: Integer\n}',
    after: 'public structure A {\n  /// new\n  x: Integer\n}',
    changes: ['doc doc-changed'],
    bump: 'patch',
  },
  {
    name: 'doc whitespace only is no change',
    before: '/// One  line.\npublic server action F();',
    after: '///   One  line.\npublic server action F();',
    changes: [],
    bump: 'none',
  },
  {
    name: 'action added',
    before: 'public server action F();',
    after: 'public server action F();\npublic server action G();',
    changes: ['compatible element-added'],
    bump: 'minor',
  },
  {
    name: 'action removed',
    before: 'public server action F();\npublic server action G();',
    after: 'public server action F();',
    changes: ['breaking element-removed'],
    bump: 'major',
  },
  {
    name: 'structure added',
    before: 'public server action F();',
    after: 'public server action F();\npublic structure A {\n  x: Integer\n}',
    changes: ['compatible element-added'],
    bump: 'minor',
  },
  {
    name: 'structure removed',
    before: 'public structure A {\n  x: Integer\n}\npublic server action F();',
    after: 'public server action F();',
    changes: ['breaking element-removed'],
    bump: 'major',
  },
  {
    name: 'structure turned into an action',
    before: 'public structure A {\n  x: Integer\n}',
    after: 'public server action A();',
    changes: ['breaking element-kind-changed'],
    bump: 'major',
  },
  {
    name: 'optional input added at the end',
    before: 'public server action F(a: Integer);',
    after: 'public server action F(a: Integer, b: Text = "");',
    changes: ['compatible input-added'],
    bump: 'minor',
  },
  {
    name: 'required input added',
    before: 'public server action F(a: Integer);',
    after: 'public server action F(a: Integer, b: Text);',
    changes: ['breaking input-added'],
    bump: 'major',
  },
  {
    name: 'optional input inserted before an existing one (positional calls shift)',
    before: 'public server action F(a: Integer);',
    after: 'public server action F(b: Text = "", a: Integer);',
    changes: ['breaking input-moved', 'compatible input-added'],
    bump: 'major',
  },
  {
    name: 'input removed',
    before: 'public server action F(a: Integer, b: Text = "");',
    after: 'public server action F(a: Integer);',
    changes: ['breaking input-removed'],
    bump: 'major',
  },
  {
    name: 'input renamed',
    before: 'public server action F(a: Integer);',
    after: 'public server action F(count: Integer);',
    changes: ['breaking input-renamed'],
    bump: 'major',
  },
  {
    name: 'inputs swapped',
    before: 'public server action F(a: Integer, b: Text);',
    after: 'public server action F(b: Text, a: Integer);',
    changes: ['breaking input-moved', 'breaking input-moved'],
    bump: 'major',
  },
  {
    name: 'input widened Integer → LongInteger',
    before: 'public server action F(a: Integer);',
    after: 'public server action F(a: LongInteger);',
    changes: ['compatible input-type-widened'],
    bump: 'minor',
  },
  {
    name: 'input widened Integer → Decimal (transitive)',
    before: 'public server action F(a: Integer);',
    after: 'public server action F(a: Decimal);',
    changes: ['compatible input-type-widened'],
    bump: 'minor',
  },
  {
    name: 'input narrowed LongInteger → Integer',
    before: 'public server action F(a: LongInteger);',
    after: 'public server action F(a: Integer);',
    changes: ['breaking input-type-changed'],
    bump: 'major',
  },
  {
    name: 'input Decimal → Currency (both ways)',
    before: 'public server action F(a: Decimal);',
    after: 'public server action F(a: Currency);',
    changes: ['compatible input-type-widened'],
    bump: 'minor',
  },
  {
    name: 'input Currency → Decimal (both ways)',
    before: 'public server action F(a: Currency);',
    after: 'public server action F(a: Decimal);',
    changes: ['compatible input-type-widened'],
    bump: 'minor',
  },
  {
    name: 'input Email → Text',
    before: 'public server action F(a: Email);',
    after: 'public server action F(a: Text);',
    changes: ['compatible input-type-widened'],
    bump: 'minor',
  },
  {
    name: 'input Text → PhoneNumber',
    before: 'public server action F(a: Text);',
    after: 'public server action F(a: PhoneNumber);',
    changes: ['compatible input-type-widened'],
    bump: 'minor',
  },
  {
    name: 'input Email → PhoneNumber (no conversion between them)',
    before: 'public server action F(a: Email);',
    after: 'public server action F(a: PhoneNumber);',
    changes: ['breaking input-type-changed'],
    bump: 'major',
  },
  {
    name: 'input widened Date → DateTime',
    before: 'public server action F(a: Date);',
    after: 'public server action F(a: DateTime);',
    changes: ['compatible input-type-widened'],
    bump: 'minor',
  },
  {
    name: 'input narrowed DateTime → Date',
    before: 'public server action F(a: DateTime);',
    after: 'public server action F(a: Date);',
    changes: ['breaking input-type-changed'],
    bump: 'major',
  },
  {
    name: 'input Text → Integer',
    before: 'public server action F(a: Text);',
    after: 'public server action F(a: Integer);',
    changes: ['breaking input-type-changed'],
    bump: 'major',
  },
  {
    name: 'input list widened List<Integer> → List<Decimal>',
    before: 'public server action F(a: List<Integer>);',
    after: 'public server action F(a: List<Decimal>);',
    changes: ['compatible input-type-widened'],
    bump: 'minor',
  },
  {
    name: 'input structure A → B (nominal)',
    before: `${S}public server action F(a: A);`,
    after: `${S}public server action F(a: B);`,
    changes: ['breaking input-type-changed'],
    bump: 'major',
  },
  {
    name: 'input Integer → List<Integer>',
    before: 'public server action F(a: Integer);',
    after: 'public server action F(a: List<Integer>);',
    changes: ['breaking input-type-changed'],
    bump: 'major',
  },
  {
    name: 'default added (input becomes optional)',
    before: 'public server action F(a: Integer);',
    after: 'public server action F(a: Integer = 1);',
    changes: ['compatible default-added'],
    bump: 'minor',
  },
  {
    name: 'default removed (input becomes required)',
    before: 'public server action F(a: Integer = 1);',
    after: 'public server action F(a: Integer);',
    changes: ['breaking default-removed'],
    bump: 'major',
  },
  {
    name: 'default value changed',
    before: 'public server action F(a: Integer = 1);',
    after: 'public server action F(a: Integer = 2);',
    changes: ['compatible default-changed'],
    bump: 'minor',
  },
  {
    name: 'output narrowed Decimal → Integer',
    before: 'public server action F() returns (r: Decimal);',
    after: 'public server action F() returns (r: Integer);',
    changes: ['compatible output-type-narrowed'],
    bump: 'minor',
  },
  {
    name: 'output widened Integer → Decimal',
    before: 'public server action F() returns (r: Integer);',
    after: 'public server action F() returns (r: Decimal);',
    changes: ['breaking output-type-changed'],
    bump: 'major',
  },
  {
    name: 'output narrowed DateTime → Date',
    before: 'public server action F() returns (r: DateTime);',
    after: 'public server action F() returns (r: Date);',
    changes: ['compatible output-type-narrowed'],
    bump: 'minor',
  },
  {
    name: 'output widened Date → DateTime',
    before: 'public server action F() returns (r: Date);',
    after: 'public server action F() returns (r: DateTime);',
    changes: ['breaking output-type-changed'],
    bump: 'major',
  },
  {
    name: 'output Text → Email (converts back)',
    before: 'public server action F() returns (r: Text);',
    after: 'public server action F() returns (r: Email);',
    changes: ['compatible output-type-narrowed'],
    bump: 'minor',
  },
  {
    name: 'output Boolean → Text',
    before: 'public server action F() returns (r: Boolean);',
    after: 'public server action F() returns (r: Text);',
    changes: ['breaking output-type-changed'],
    bump: 'major',
  },
  {
    name: 'output removed (three → two)',
    before: 'public server action F() returns (a: Integer, b: Text, c: Date);',
    after: 'public server action F() returns (a: Integer, b: Text);',
    changes: ['breaking output-removed'],
    bump: 'major',
  },
  {
    name: 'single output renamed',
    before: 'public server action F() returns (r: Integer);',
    after: 'public server action F() returns (total: Integer);',
    changes: ['breaking output-renamed'],
    bump: 'major',
  },
  {
    name: 'outputs one → two (value becomes a record)',
    before: 'public server action F() returns (a: Integer);',
    after: 'public server action F() returns (a: Integer, b: Text);',
    changes: ['breaking output-count-changed'],
    bump: 'major',
  },
  {
    name: 'outputs two → three (stays above one)',
    before: 'public server action F() returns (a: Integer, b: Text);',
    after: 'public server action F() returns (a: Integer, b: Text, c: Date);',
    changes: ['compatible output-added'],
    bump: 'minor',
  },
  {
    name: 'outputs zero → one',
    before: 'public server action F();',
    after: 'public server action F() returns (a: Integer);',
    changes: ['compatible output-added'],
    bump: 'minor',
  },
  {
    name: 'outputs two → one (value is no longer a record)',
    before: 'public server action F() returns (a: Integer, b: Text);',
    after: 'public server action F() returns (a: Integer);',
    changes: ['breaking output-removed', 'breaking output-count-changed'],
    bump: 'major',
  },
  {
    name: 'outputs one → zero',
    before: 'public server action F() returns (a: Integer);',
    after: 'public server action F();',
    changes: ['breaking output-removed'],
    bump: 'major',
  },
  {
    name: 'field removed',
    before: 'public structure A {\n  x: Integer\n  y: Text = ""\n}',
    after: 'public structure A {\n  x: Integer\n}',
    changes: ['breaking field-removed'],
    bump: 'major',
  },
  {
    name: 'field type widened (fields are read and written)',
    before: 'public structure A {\n  x: Integer\n}',
    after: 'public structure A {\n  x: Decimal\n}',
    changes: ['breaking field-type-changed'],
    bump: 'major',
  },
  {
    name: 'field with default added',
    before: 'public structure A {\n  x: Integer\n}',
    after: 'public structure A {\n  x: Integer\n  note: Text = ""\n}',
    changes: ['compatible field-added'],
    bump: 'minor',
  },
  {
    name: 'field without default added',
    before: 'public structure A {\n  x: Integer\n}',
    after: 'public structure A {\n  x: Integer\n  note: Text\n}',
    changes: ['breaking field-added'],
    bump: 'major',
  },
  {
    name: 'field default removed',
    before: 'public structure A {\n  x: Integer = 0\n}',
    after: 'public structure A {\n  x: Integer\n}',
    changes: ['breaking field-default-removed'],
    bump: 'major',
  },
  {
    name: 'field default added',
    before: 'public structure A {\n  x: Integer\n}',
    after: 'public structure A {\n  x: Integer = 0\n}',
    changes: ['compatible field-default-added'],
    bump: 'minor',
  },
  {
    name: 'fields reordered is no change',
    before: 'public structure A {\n  x: Integer\n  y: Text\n}',
    after: 'public structure A {\n  y: Text\n  x: Integer\n}',
    changes: [],
    bump: 'none',
  },
  {
    name: 'private type placeholders renumbered is no change',
    before: 'public server action F(a: _PrivateType1, b: _PrivateType2);',
    after: 'public server action F(a: _PrivateType1, b: _PrivateType2);',
    source: 'structure P {\n  x: Integer\n}\nstructure Q {\n  y: Integer\n}\npublic server action F(a: P, b: Q) {\n}\n',
    changes: [],
    bump: 'none',
  },
  {
    name: 'private type replaced by a basic type',
    before: 'public server action F(a: _PrivateType1);',
    after: 'public server action F(a: Text);',
    changes: ['breaking input-type-changed'],
    bump: 'major',
  },
  {
    name: 'several changes: the most severe decides',
    before: '/// Old.\npublic server action F(a: Integer);\npublic server action G();',
    after: '/// New.\npublic server action F(a: Integer, b: Text = "");',
    changes: ['breaking element-removed', 'compatible input-added', 'doc doc-changed'],
    bump: 'major',
  },
];

const HEADER = (v: string) => `// Interface of Api ${v} — owner alice. Bodies are not shown.\n\n`;
const VERSIONS: Record<Bump, { ok: string; bad?: string }> = {
  major: { ok: '2.0.0', bad: '1.5.0' },
  minor: { ok: '1.5.0', bad: '1.4.1' },
  patch: { ok: '1.4.1', bad: '1.4.0' },
  none: { ok: '1.4.0' },
};

/** Module source for an interface fragment: `;` bodies become empty blocks. */
function toSource(fragment: string): string {
  return fragment.replace(/;\s*$/gm, ' {\n}') + '\n';
}

const temps: string[] = [];
after(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

function environment(source: string, version: string): { root: string; setVersion(v: string): void } {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'pm-diff-')));
  temps.push(root);
  writeFileSync(join(root, 'environment.json'), JSON.stringify({ admins: [], users: { alice: {} }, defaultAccess: 'open', grants: [] }));
  mkdirSync(join(root, 'api'));
  const setVersion = (v: string) =>
    writeFileSync(join(root, 'api', 'module.json'), JSON.stringify({ name: 'Api', version: v, kind: 'service', owner: 'alice', protected: true }));
  setVersion(version);
  writeFileSync(join(root, 'api', 'Api.logic'), source);
  return { root, setVersion };
}

function run(args: string[]): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const code = runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, {});
  return { code, stdout, stderr };
}

describe('SPEC 10 rules (table)', () => {
  it('has at least 30 cases', () => assert.ok(CASES.length >= 30, String(CASES.length)));
  for (const c of CASES) {
    it(c.name, () => {
      // The comparison itself.
      const before = parseInterfaceDocument(HEADER('1.4.0') + c.before);
      const now = parseInterfaceDocument(HEADER('1.4.0') + c.after);
      assert.deepEqual(before.diagnostics, []);
      assert.deepEqual(now.diagnostics, []);
      const changes = diffInterfaces(before.model, now.model);
      assert.deepEqual(
        changes.map((x) => `${x.severity} ${x.kind}`),
        c.changes,
        JSON.stringify(changes, null, 1),
      );
      assert.equal(requiredBump(changes), c.bump);

      // The CLI over a real environment: same lines, the required bump, exit 0/1 by version.
      const { ok, bad } = VERSIONS[c.bump];
      const env = environment(c.source ?? toSource(c.after), ok);
      const against = join(env.root, 'old.api.logic');
      writeFileSync(against, HEADER('1.4.0') + c.before + '\n');
      const good = run(['diff', env.root, 'Api', '--against', against, '--user', 'alice']);
      assert.equal(good.code, 0, good.stderr);
      const lines = good.stdout.trimEnd().split('\n');
      assert.equal(lines.length, c.changes.length + 1, good.stdout);
      lines.slice(0, -1).forEach((l, i) => assert.ok(l.startsWith(`${c.changes[i].split(' ')[0]}: `), l));
      assert.equal(lines[lines.length - 1], `required: ${c.bump} (1.4.0 → ${ok})`);
      if (bad) {
        env.setVersion(bad);
        const r = run(['diff', env.root, 'Api', '--against', against, '--user', 'alice']);
        assert.equal(r.code, 1, r.stdout);
        assert.match(r.stdout, new RegExp(`^required: ${c.bump} \\(1\\.4\\.0 → ${bad.replace(/\./g, '\\.')}\\)$`, 'm'));
      }
    });
  }
});

describe('version bumps (semver)', () => {
  const table: [string, string, Bump][] = [
    ['1.4.0', '2.0.0', 'major'],
    ['1.4.0', '2.0.0-rc.1', 'major'],
    ['1.4.0', '1.5.0', 'minor'],
    ['1.4.0', '1.4.1', 'patch'],
    ['1.4.0', '1.4.0', 'none'],
    ['1.4.0', '1.3.9', 'none'],
    ['0.9.0', '0.10.0', 'minor'],
  ];
  for (const [from, to, made] of table) it(`${from} → ${to} is ${made}`, () => assert.equal(madeBump(from, to), made));
  it('a bigger bump satisfies a smaller requirement, not the reverse', () => {
    assert.ok(bumpSatisfies('major', 'minor'));
    assert.ok(bumpSatisfies('minor', 'minor'));
    assert.ok(!bumpSatisfies('patch', 'minor'));
    assert.ok(bumpSatisfies('none', 'none'));
  });
  it('an invalid version throws', () => assert.throws(() => madeBump('1.4', '2.0.0'), /not a semantic version/));
});

describe('made private', () => {
  it('is said only when the caller may know private names', () => {
    const before = parseInterfaceDocument(HEADER('1.0.0') + 'public server action F();\npublic server action G();').model;
    const now = parseInterfaceDocument(HEADER('1.0.0') + 'public server action F();').model;
    assert.deepEqual(
      diffInterfaces(before, now).map((c) => c.kind),
      ['element-removed'],
    );
    assert.deepEqual(
      diffInterfaces(before, now, { isPrivate: (n) => n === 'G' }).map((c) => `${c.kind}: ${c.detail}`),
      ['element-made-private: server action made private'],
    );
  });
});
