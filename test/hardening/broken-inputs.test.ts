/**
 * Hardening (issue 5, "Broken inputs"): every kind of invalid `environment.json` and `module.json`
 * written to disk while the real server runs (over stdio, `test/server/lsp-client.ts`, as alice in
 * a copy of `examples/acme`), and the same files through the CLI (`node dist/cli.js check --format
 * json`). Each case must:
 *
 * - give a diagnostic with the expected code and message at the expected place, pushed for the open
 *   manifest / policy document, and printed by the CLI at the same 1-based line and column;
 * - leave the server serving everything else: a hover in a healthy module (OrderPortal) still
 *   answers (module.json cases); with an invalid policy, access fails closed (SPEC 2.3 rule 1:
 *   unprotected modules at `list`, protected ones gone, reads refused) and comes back when fixed.
 *
 * Cases, module.json (Reporting's): wrong types, unknown keys, bad name, bad kind, bad semver
 * version (`1.4`, `v1.0.0`), bad range, duplicate keys, `__proto__`, duplicate module names (both
 * modules), dependency cycle, 1 MB name (no echo), 1 MB description (valid), invalid UTF-8, BOM +
 * error, CRLF + error, JSON syntax error, an array root, an empty file, a folder named module.json.
 * environment.json: wrong types, unknown keys, bad access level, bad user id, duplicate keys,
 * 100,000 grants (valid, and with the last one invalid), a 1 MB module name in a grant, invalid
 * UTF-8, BOM + error, CRLF + error, an empty file, a folder named environment.json.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { FileChangeType, type Diagnostic, type FileEvent } from 'vscode-languageserver-protocol';
import { firstInvalidUtf8 } from '../../shared/environment/load';
import { REPO, copyFixture, fileUri, modulesUri, startServer, type TestClient } from '../server/lsp-client';
import { cursorIn } from '../helpers/marker';

const M = (rel: string) => modulesUri('acme', rel);
const REPORTING = 'modules/reporting/module.json';
const COMMON = 'modules/common/module.json';
const POLICY = 'environment.json';
const PERMISSION_DENIED = -32001;

function message(d: Diagnostic): string {
  return typeof d.message === 'string' ? d.message : JSON.stringify(d.message);
}

interface CliRow {
  path: string;
  line: number;
  column: number;
  code: string;
  message: string;
  severity: string;
}

/** `protected-modules check <root> --user alice --format json`: exit code and rows. */
function cliCheck(root: string): { status: number | null; rows: CliRow[]; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, [path.join(REPO, 'dist', 'cli.js'), 'check', root, '--user', 'alice', '--format', 'json'], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  let rows: CliRow[] = [];
  try {
    rows = (JSON.parse(r.stdout) as { diagnostics: CliRow[] }).diagnostics;
  } catch {
    /* exit 2: no JSON */
  }
  return { status: r.status, rows, stderr: r.stderr, stdout: r.stdout };
}

/** One broken file: what to write, and where the diagnostic must stand. */
interface Case {
  name: string;
  file: string;
  /** The file's new content (bytes or text), or 'folder' for a folder of that name. */
  content: string | Buffer | 'folder';
  code: string;
  message: RegExp;
  /** Where the diagnostic must start (`null`: 0:0). */
  where: (text: string) => { line: number; character: number };
  /** Another file to write at the same time (duplicate names, cycles). */
  also?: { file: string; content: string };
}

const reporting = fs.readFileSync(path.join(REPO, 'examples/acme', REPORTING), 'utf8');
const common = fs.readFileSync(path.join(REPO, 'examples/acme', COMMON), 'utf8');
const policy = fs.readFileSync(path.join(REPO, 'examples/acme', POLICY), 'utf8');
const START = () => ({ line: 0, character: 0 });

const MODULE_CASES: Case[] = [
  {
    name: 'wrong type (version: 1)',
    file: REPORTING,
    content: reporting.replace('"version": "1.0.0"', '"version": 1'),
    code: 'invalid-manifest',
    message: /^version: expected a string, got a number/,
    where: (t) => cursorIn(t, '"version": $01'),
  },
  {
    name: 'wrong type (dependencies: [])',
    file: REPORTING,
    content: reporting.replace(/"dependencies": \{[^}]*\}/, '"dependencies": []'),
    code: 'invalid-manifest',
    message: /^dependencies: expected an object, got an array/,
    where: (t) => cursorIn(t, '$0[]'),
  },
  {
    name: 'unknown key',
    file: REPORTING,
    content: reporting.replace('"kind": "ui",', '"kind": "ui",\n  "colour": "red",'),
    code: 'invalid-manifest',
    message: /^colour: unknown key/,
    where: (t) => cursorIn(t, '$0"colour"'),
  },
  {
    name: 'invalid name',
    file: REPORTING,
    content: reporting.replace('"name": "Reporting"', '"name": "reporting"'),
    code: 'invalid-manifest',
    message: /^name: invalid module name/,
    where: (t) => cursorIn(t, '$0"reporting"'),
  },
  {
    name: 'invalid kind',
    file: REPORTING,
    content: reporting.replace('"kind": "ui"', '"kind": "screen"'),
    code: 'invalid-manifest',
    message: /^kind: expected one of service, ui, library/,
    where: (t) => cursorIn(t, '$0"screen"'),
  },
  {
    name: 'bad semver 1.4',
    file: REPORTING,
    content: reporting.replace('"version": "1.0.0"', '"version": "1.4"'),
    code: 'invalid-manifest',
    message: /^version: invalid version/,
    where: (t) => cursorIn(t, '$0"1.4"'),
  },
  {
    name: 'bad semver v1.0.0',
    file: REPORTING,
    content: reporting.replace('"version": "1.0.0"', '"version": "v1.0.0"'),
    code: 'invalid-manifest',
    message: /^version: invalid version/,
    where: (t) => cursorIn(t, '$0"v1.0.0"'),
  },
  {
    name: 'bad range',
    file: REPORTING,
    content: reporting.replace('"Common": "^1.2.0"', '"Common": "^^1"'),
    code: 'invalid-manifest',
    message: /^dependencies\.Common: invalid version range/,
    where: (t) => cursorIn(t, '$0"^^1"'),
  },
  {
    name: 'duplicate key',
    file: REPORTING,
    content: reporting.replace('"kind": "ui",', '"kind": "ui",\n  "version": "1.0.1",'),
    code: 'invalid-manifest',
    message: /^version: duplicate key/,
    where: (t) => cursorIn(t, '$0"version": "1.0.1"'),
  },
  {
    name: '__proto__ key',
    file: REPORTING,
    content: reporting.replace('"kind": "ui",', '"kind": "ui",\n  "__proto__": { "protected": false },'),
    code: 'invalid-manifest',
    message: /__proto__.*key not allowed/,
    where: (t) => cursorIn(t, '$0"__proto__"'),
  },
  {
    name: 'duplicate module names',
    file: REPORTING,
    content: reporting.replace('"name": "Reporting"', '"name": "Common"'),
    code: 'invalid-manifest',
    message: /must be unique/,
    where: (t) => cursorIn(t, '$0"Common"'),
  },
  {
    name: 'dependency cycle',
    file: REPORTING,
    content: reporting,
    also: { file: COMMON, content: common.replace('"dependencies": {}', '"dependencies": { "Reporting": "^1.0.0" }') },
    code: 'dependency-cycle',
    message: /depends, directly or indirectly, on 'Reporting'/,
    where: (t) => cursorIn(t, '$0"Common": "^1.2.0"'),
  },
  {
    name: '1 MB module name (not echoed)',
    file: REPORTING,
    content: reporting.replace('"name": "Reporting"', `"name": "R${'x'.repeat(1024 * 1024)}"`),
    code: 'invalid-manifest',
    message: /^name: invalid module name/,
    where: (t) => cursorIn(t, '$0"Rxxx'),
  },
  {
    name: 'invalid UTF-8',
    file: REPORTING,
    content: Buffer.concat([
      Buffer.from(reporting.slice(0, reporting.indexOf('Sales dashboard'))),
      Buffer.from([0x53, 0xc3, 0x28, 0xff]),
      Buffer.from(reporting.slice(reporting.indexOf('Sales dashboard'))),
    ]),
    code: 'invalid-manifest',
    message: /^module\.json: not valid UTF-8 text \(byte \d+\)/,
    where: (t) => cursorIn(t, 'S$0\ufffd'),
  },
  {
    name: 'BOM, then an error',
    file: REPORTING,
    content: '\ufeff' + reporting.replace('"kind": "ui"', '"kind": "app"'),
    code: 'invalid-manifest',
    message: /^kind: expected one of/,
    where: (t) => cursorIn(t, '$0"app"'),
  },
  {
    name: 'CRLF, then an error',
    file: REPORTING,
    content: reporting.replace(/\n/g, '\r\n').replace('"owner": "alice"', '"owner": "Alice"'),
    code: 'invalid-manifest',
    message: /^owner: invalid user id/,
    where: (t) => cursorIn(t, '$0"Alice"'),
  },
  {
    name: 'JSON syntax error',
    file: REPORTING,
    content: reporting.replace('"kind": "ui",', '"kind": "ui"'),
    code: 'invalid-manifest',
    message: /^syntax error: expected ","/,
    where: (t) => cursorIn(t, '$0"owner"'),
  },
  {
    name: 'an array',
    file: REPORTING,
    content: '[1, 2]\n',
    code: 'invalid-manifest',
    message: /^\(root\): expected an object, got an array/,
    where: START,
  },
  {
    name: 'empty file',
    file: REPORTING,
    content: '',
    code: 'invalid-manifest',
    message: /^syntax error: expected a value/,
    where: START,
  },
];

describe('broken module.json while the server runs (alice)', () => {
  let root: string;
  let alice: TestClient;
  const newOrder = 'modules/order-portal/screens/NewOrder.logic';
  let newOrderText: string;
  before(async () => {
    root = copyFixture('examples/acme');
    alice = await startServer({ folders: [root], user: 'alice' });
    newOrderText = fs.readFileSync(path.join(root, newOrder), 'utf8');
    alice.open(M(newOrder), newOrderText);
    alice.open(M(REPORTING), reporting, 'json');
    await alice.diagnosticsFor(M(newOrder), () => true);
  });
  after(async () => {
    await alice.close();
  });

  /** A hover on `OrderAPI.OrderLine` in NewOrder.logic (a healthy module). */
  async function healthyHover(): Promise<string> {
    const line = newOrderText.split('\n').findIndex((l) => l.includes('OrderAPI.OrderLine'));
    const character = newOrderText.split('\n')[line].indexOf('OrderLine') + 2;
    const h = await alice.request<{ contents: unknown } | null>('textDocument/hover', { textDocument: { uri: M(newOrder) }, position: { line, character } });
    return JSON.stringify(h?.contents ?? null);
  }

  /** The watched-file events of a case. */
  const changed = (file: string, c: Case): FileEvent[] => [
    { uri: fileUri(file), type: FileChangeType.Changed },
    ...(c.also ? [{ uri: fileUri(path.join(root, c.also.file)), type: FileChangeType.Changed } as FileEvent] : []),
  ];

  for (const c of MODULE_CASES) {
    test(c.name, async () => {
      const file = path.join(root, c.file);
      const bytes = typeof c.content === 'string' ? Buffer.from(c.content) : (c.content as Buffer);
      fs.writeFileSync(file, bytes);
      if (c.also) fs.writeFileSync(path.join(root, c.also.file), c.also.content);
      const text = bytes.toString('utf8');
      const version = Date.now();
      alice.change(M(c.file), version, text);
      alice.filesChanged(changed(file, c));
      const where = c.where(text);
      try {
        const diags = await alice.diagnosticsFor(M(c.file), (ds) => ds.some((d) => d.code === c.code && c.message.test(message(d))), `${c.code} ${c.message}`);
        const matching = diags.filter((x) => x.code === c.code && c.message.test(message(x)));
        const d = matching.find((x) => x.range.start.line === where.line && x.range.start.character === where.character) ?? matching[0];
        assert.deepEqual(d.range.start, where, `${c.name}: ${message(d).slice(0, 200)}`);
        // Messages never echo huge values.
        for (const x of diags) assert.ok(message(x).length < 1000, `${c.name}: a ${message(x).length}-character message`);
        assert.equal(d.source, 'protected-modules');
        // The rest keeps working.
        assert.match(await healthyHover(), /OrderLine/);
        const list = await alice.request<{ modules: { name: string }[] }>('protectedModules/listModules', {});
        assert.ok(list.modules.some((m) => m.name === 'OrderPortal'));
        // The CLI says the same, 1-based.
        const cli = cliCheck(root);
        assert.equal(cli.status, 1, cli.stderr);
        const row =
          cli.rows.find(
            (r) => r.path === c.file && r.code === c.code && c.message.test(r.message) && r.line === where.line + 1 && r.column === where.character + 1,
          ) ?? cli.rows.find((r) => r.path === c.file && r.code === c.code && c.message.test(r.message));
        assert.ok(
          row,
          `CLI: ${JSON.stringify(cli.rows.filter((r) => r.path === c.file)).slice(0, 400)} ${cli.stdout.slice(0, 600)} ${cli.stderr.slice(0, 300)}`,
        );
        assert.deepEqual({ line: row.line, column: row.column }, { line: where.line + 1, column: where.character + 1 });
        if (c.name === 'duplicate module names') {
          const other = cli.rows.find((r) => r.path === COMMON && /must be unique/.test(r.message));
          assert.ok(other, 'both duplicates get the error');
          assert.doesNotMatch(other.message, /reporting/);
        }
      } finally {
        fs.writeFileSync(file, reporting);
        if (c.also) fs.writeFileSync(path.join(root, c.also.file), common);
        alice.change(M(c.file), version + 1, reporting);
        alice.filesChanged(changed(file, c));
        await alice.diagnosticsFor(M(c.file), (ds) => ds.length === 0, 'no diagnostics once fixed');
      }
    });
  }

  test('a 1 MB description is valid and served', async () => {
    const file = path.join(root, REPORTING);
    const big = 'D'.repeat(1024 * 1024);
    fs.writeFileSync(file, reporting.replace('Sales dashboard and exports for management.', big));
    alice.filesChanged([{ uri: fileUri(file), type: FileChangeType.Changed }]);
    await alice.waitFor(() => true, 'reload');
    const list = await alice.request<{ modules: { name: string; description?: string }[] }>('protectedModules/listModules', {});
    assert.equal(list.modules.find((m) => m.name === 'Reporting')?.description?.length, big.length);
    assert.match(await healthyHover(), /OrderLine/);
    fs.writeFileSync(file, reporting);
    alice.filesChanged([{ uri: fileUri(file), type: FileChangeType.Changed }]);
  });

  test('a folder named module.json: the module is invalid (fail closed), reported by the CLI, the server keeps serving', async () => {
    const file = path.join(root, REPORTING);
    fs.rmSync(file);
    fs.mkdirSync(file);
    alice.filesChanged([{ uri: fileUri(file), type: FileChangeType.Changed }]);
    try {
      await alice.waitFor(() => true, 'reload');
      const cli = cliCheck(root);
      const row = cli.rows.find((r) => r.path === REPORTING);
      assert.ok(row, JSON.stringify(cli.rows).slice(0, 400));
      assert.deepEqual([row.line, row.column, row.code], [1, 1, 'invalid-manifest']);
      assert.match(row.message, /folder/);
      // Not a module with a name any more; its sources are not plain environment files either.
      const list = await alice.request<{ modules: { name: string }[] }>('protectedModules/listModules', {});
      assert.ok(!list.modules.some((m) => m.name === 'Reporting'));
      const bob = await startServer({ folders: [root], user: 'bob' });
      try {
        const e = await bob.requestError('protectedModules/readFile', { uri: M('modules/reporting/data/Aggregates.logic') });
        assert.ok([PERMISSION_DENIED, -32003].includes(e.code), JSON.stringify(e));
      } finally {
        await bob.close();
      }
      assert.match(await healthyHover(), /OrderLine/);
    } finally {
      fs.rmdirSync(file);
      fs.writeFileSync(file, reporting);
      alice.filesChanged([{ uri: fileUri(file), type: FileChangeType.Changed }]);
    }
  });
});

/** A policy with `n` valid grants (and, optionally, an invalid last one). */
function manyGrants(n: number, invalidLast: boolean): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(`    { "module": "M${i}", "to": "user:bob", "access": "list" },`);
  if (invalidLast) lines.push('    { "module": "OrderAPI", "to": "user:bob", "access": "owner" },');
  return policy.replace('"grants": [', `"grants": [\n${lines.join('\n')}`);
}

const ENV_CASES: Case[] = [
  {
    name: 'wrong type (users: [])',
    file: POLICY,
    content: policy.replace(/"users": \{[\s\S]*?\n  \},/, '"users": [],'),
    code: 'invalid-environment',
    message: /^users: expected an object, got an array/,
    where: (t) => cursorIn(t, '$0[],'),
  },
  {
    name: 'wrong type (admins: "alice")',
    file: POLICY,
    content: policy.replace('"admins": ["alice"]', '"admins": "alice"'),
    code: 'invalid-environment',
    message: /^admins: expected an array, got a string/,
    where: (t) => cursorIn(t, '$0"alice",'),
  },
  {
    name: 'unknown key',
    file: POLICY,
    content: policy.replace('"defaultAccess": "open",', '"defaultAccess": "open",\n  "owners": ["alice"],'),
    code: 'invalid-environment',
    message: /^owners: unknown key/,
    where: (t) => cursorIn(t, '$0"owners"'),
  },
  {
    name: 'bad access level',
    file: POLICY,
    content: policy
      .replace('"to": "user:bob",          "access": "change"', '"to": "user:bob", "access": "superuser"')
      .replace('"access": "change" },\n    // Reviewers', '"access": "superuser" },\n    // Reviewers'),
    code: 'invalid-environment',
    message: /^grants\[1\]\.access: expected one of none, list/,
    where: (t) => cursorIn(t, '$0"superuser"'),
  },
  {
    name: 'bad user id',
    file: POLICY,
    content: policy.replace('"carol": {', '"Carol": {'),
    code: 'invalid-environment',
    message: /invalid user id/,
    where: (t) => cursorIn(t, '$0"Carol"'),
  },
  {
    name: 'duplicate key',
    file: POLICY,
    content: policy.replace('"defaultAccess": "open",', '"defaultAccess": "open",\n  "defaultAccess": "full",'),
    code: 'invalid-environment',
    message: /^defaultAccess: duplicate key/,
    where: (t) => cursorIn(t, '$0"defaultAccess": "full"'),
  },
  {
    name: '100,000 grants, the last one invalid',
    file: POLICY,
    content: manyGrants(100_000, true),
    code: 'invalid-environment',
    message: /^grants\[100000\]\.access: expected one of/,
    where: (t) => cursorIn(t, '$0"owner" }'),
  },
  {
    name: 'a 1 MB module name in a grant (not echoed)',
    file: POLICY,
    content: policy.replace('{ "module": "OrderAPI",', `{ "module": "O${'x'.repeat(1024 * 1024)}",`),
    code: 'invalid-environment',
    message: /^grants\[0\]\.module: invalid module/,
    where: (t) => cursorIn(t, '$0"Oxxx'),
  },
  {
    name: 'invalid UTF-8',
    file: POLICY,
    content: Buffer.concat([
      Buffer.from(policy.slice(0, policy.indexOf('Alice Owner'))),
      Buffer.from([0xe2, 0x82]),
      Buffer.from(policy.slice(policy.indexOf('Alice Owner'))),
    ]),
    code: 'invalid-environment',
    message: /^environment\.json: not valid UTF-8 text/,
    where: (t) => cursorIn(t, '$0\ufffdAlice'),
  },
  {
    name: 'BOM, then an error',
    file: POLICY,
    content: '\ufeff' + policy.replace('"defaultAccess": "open"', '"defaultAccess": "most"'),
    code: 'invalid-environment',
    message: /^defaultAccess: expected one of/,
    where: (t) => cursorIn(t, '$0"most"'),
  },
  {
    name: 'CRLF, then an error',
    file: POLICY,
    content: policy.replace(/\n/g, '\r\n').replace('"to": "group:reviewers"', '"to": "team:reviewers"'),
    code: 'invalid-environment',
    message: /^grants\[2\]\.to: invalid grantee/,
    where: (t) => cursorIn(t, '$0"team:reviewers"'),
  },
  {
    name: 'empty file',
    file: POLICY,
    content: '',
    code: 'invalid-environment',
    message: /^syntax error: expected a value/,
    where: START,
  },
];

describe('broken environment.json while the server runs: diagnostics, fail closed, recovery', () => {
  let root: string;
  let alice: TestClient;
  const newOrder = 'modules/order-portal/screens/NewOrder.logic';
  before(async () => {
    root = copyFixture('examples/acme');
    alice = await startServer({ folders: [root], user: 'alice' });
    alice.open(M(POLICY), policy, 'json');
    alice.open(M(newOrder), fs.readFileSync(path.join(root, newOrder), 'utf8'));
    await alice.diagnosticsFor(M(newOrder), () => true);
  });
  after(async () => {
    await alice.close();
  });

  async function accessOf(): Promise<Record<string, string>> {
    const list = await alice.request<{ modules: { name: string; access: string }[] }>('protectedModules/listModules', {});
    return Object.fromEntries(list.modules.map((m) => [m.name, m.access]));
  }

  for (const c of ENV_CASES) {
    test(c.name, async () => {
      const file = path.join(root, c.file);
      const bytes = typeof c.content === 'string' ? Buffer.from(c.content) : (c.content as Buffer);
      fs.writeFileSync(file, bytes);
      const text = bytes.toString('utf8');
      const version = Date.now();
      alice.change(M(c.file), version, text);
      alice.filesChanged([{ uri: fileUri(file), type: FileChangeType.Changed }]);
      const where = c.where(text);
      try {
        const diags = await alice.diagnosticsFor(M(c.file), (ds) => ds.some((d) => d.code === c.code && c.message.test(message(d))), `${c.code} ${c.message}`);
        const matching = diags.filter((x) => x.code === c.code && c.message.test(message(x)));
        const d = matching.find((x) => x.range.start.line === where.line && x.range.start.character === where.character) ?? matching[0];
        assert.deepEqual(d.range.start, where, `${c.name}: ${message(d).slice(0, 200)}`);
        // Messages never echo huge values.
        for (const x of diags) assert.ok(message(x).length < 1000, `${c.name}: a ${message(x).length}-character message`);
        // Fail closed (SPEC 2.3 rule 1), but the server answers.
        assert.deepEqual(await accessOf(), { Common: 'list', OrderPortal: 'list' });
        const who = await alice.request<{ user: string; known: boolean }>('protectedModules/whoami', {});
        assert.deepEqual([who.user, who.known], ['alice', false]);
        const denied = await alice.requestError('protectedModules/readFile', { uri: M(newOrder) });
        assert.equal(denied.code, PERMISSION_DENIED);
        assert.equal(await alice.request('textDocument/hover', { textDocument: { uri: M(newOrder) }, position: { line: 14, character: 30 } }), null);
        // The CLI, 1-based. A policy that names no admin (an empty file) shows its details to
        // nobody: one error at 1:1 that names no detail (SPEC 4.1); the server above still
        // shows alice the details, as an admin of the last valid policy it knew.
        const cli = cliCheck(root);
        assert.equal(cli.status, 1, cli.stderr);
        const expected = c.content === '' ? /^The access policy \(environment\.json\) is invalid/ : c.message;
        const at = c.content === '' ? { line: 0, character: 0 } : where;
        const row =
          cli.rows.find((r) => r.path === c.file && r.code === c.code && expected.test(r.message) && r.line === at.line + 1 && r.column === at.character + 1) ??
          cli.rows.find((r) => r.path === c.file && r.code === c.code && expected.test(r.message));
        assert.ok(
          row,
          `CLI: ${JSON.stringify(cli.rows.filter((r) => r.path === c.file)).slice(0, 400)} ${cli.stdout.slice(0, 600)} ${cli.stderr.slice(0, 300)}`,
        );
        assert.deepEqual({ line: row.line, column: row.column }, { line: where.line + 1, column: where.character + 1 });
      } finally {
        fs.writeFileSync(file, policy);
        alice.change(M(c.file), version + 1, policy);
        alice.filesChanged([{ uri: fileUri(file), type: FileChangeType.Changed }]);
        await alice.diagnosticsFor(M(c.file), (ds) => ds.length === 0, 'no diagnostics once fixed');
      }
      assert.equal((await accessOf()).OrderAPI, 'full');
    });
  }

  test('100,000 valid grants: valid, served', async () => {
    const file = path.join(root, POLICY);
    fs.writeFileSync(file, manyGrants(100_000, false));
    alice.filesChanged([{ uri: fileUri(file), type: FileChangeType.Changed }]);
    try {
      // Requests are answered after the notification before them: this one sees the reloaded policy,
      // however long loading 100,000 grants takes.
      assert.equal((await accessOf()).OrderAPI, 'full');
      const h = await alice.request<{ contents: unknown } | null>('textDocument/hover', {
        textDocument: { uri: M(newOrder) },
        position: { line: 14, character: 30 },
      });
      assert.match(JSON.stringify(h), /OrderLine/);
      const cli = cliCheck(root);
      assert.equal(cli.status, 0, JSON.stringify(cli.rows).slice(0, 300));
    } finally {
      fs.writeFileSync(file, policy);
      alice.filesChanged([{ uri: fileUri(file), type: FileChangeType.Changed }]);
      // The small policy is back before the next test starts (its waits would count this reload).
      await accessOf();
    }
  });

  test('a folder named environment.json: one error at 0:0, fail closed; the CLI exits 2', async () => {
    const file = path.join(root, POLICY);
    fs.rmSync(file);
    fs.mkdirSync(file);
    alice.filesChanged([{ uri: fileUri(file), type: FileChangeType.Changed }]);
    try {
      const diags = await alice.diagnosticsFor(M(POLICY), (ds) => ds.some((d) => d.code === 'invalid-environment' && /folder/.test(message(d))));
      assert.deepEqual(diags.find((d) => /folder/.test(message(d)))!.range.start, { line: 0, character: 0 });
      assert.deepEqual(await accessOf(), { Common: 'list', OrderPortal: 'list' });
      const cli = cliCheck(root);
      assert.equal(cli.status, 2);
      assert.match(cli.stderr, /environment\.json/);
    } finally {
      fs.rmdirSync(file);
      fs.writeFileSync(file, policy);
      alice.filesChanged([{ uri: fileUri(file), type: FileChangeType.Changed }]);
      await alice.diagnosticsFor(M(POLICY), (ds) => ds.length === 0, 'no diagnostics once fixed');
    }
  });
});

describe('UTF-8 validation of metadata files', () => {
  test('firstInvalidUtf8 agrees with a fatal TextDecoder (overlong forms, surrogates, truncation, > U+10FFFF)', () => {
    const fatal = new TextDecoder('utf-8', { fatal: true });
    const valid = (b: Uint8Array) => {
      try {
        fatal.decode(b);
        return true;
      } catch {
        return false;
      }
    };
    const samples: number[][] = [
      [0x41],
      [0xc3, 0xa9],
      [0xc0, 0xaf],
      [0xe0, 0x80, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xf0, 0x9f, 0x98, 0x80],
      [0xf0, 0x9f, 0x98],
      [0xe2, 0x82],
      [0xff],
      [0x80],
      [0xef, 0xbb, 0xbf, 0x41],
    ];
    let seed = 7;
    for (let i = 0; i < 2000; i++) {
      const len = 1 + (i % 6);
      const s: number[] = [];
      for (let k = 0; k < len; k++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        s.push(seed & 0xff);
      }
      samples.push(s);
    }
    for (const s of samples) {
      const b = Uint8Array.from(s);
      assert.equal(firstInvalidUtf8(b) < 0, valid(b), Buffer.from(b).toString('hex'));
    }
    assert.equal(firstInvalidUtf8(Buffer.from('ok \u00e9 \ud83d\ude00 ok')), -1);
    assert.equal(firstInvalidUtf8(Buffer.from([0x61, 0x62, 0xc3, 0x28])), 2);
  });
});
