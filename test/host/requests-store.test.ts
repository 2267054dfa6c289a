// The host's request store (SPEC 7, 8; issue 14 acceptance 3): requests survive a restart of the
// host; a process killed while writing requests.json leaves the previous or the next complete file
// (never half of one) and its temporary file is never read as the store; a damaged requests.json is
// a clear error naming the file and is never overwritten; `protected-modules requests` lists them;
// in local mode the requests are not offered (MethodNotFound).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AccessRequest, ListAccessRequestsResult } from '../../shared/protocol';
import { REQUESTS_FILE, RequestStore, RequestStoreError, parseRequestsFile } from '../../server/host/requests';
import { cli, connect, copyAcme, eventually, issueToken, startHost, tempDir } from './helpers';
import { REPO, startServer, fileUri } from '../server/lsp-client';

const LIST = 'protectedModules/listAccessRequests';
const REQUEST = 'protectedModules/requestAccess';
const DECIDE = 'protectedModules/decideAccessRequest';

describe('the request store', () => {
  test('requests survive a restart of the host, and can be decided after it', async () => {
    const env = copyAcme();
    const state = path.join(tempDir(), 'state');
    const bobToken = issueToken(env, state, 'bob');
    const aliceToken = issueToken(env, state, 'alice');
    let host = await startHost(env, state);
    let bob = await connect(host.url, bobToken);
    const a = await bob.request<{ id: string }>(REQUEST, { module: 'OrderAPI', access: 'open', reason: 'debugging cancel()' });
    const b = await bob.request<{ id: string }>(REQUEST, { module: 'Reporting', access: 'reference', reason: 'show revenue' });
    const before = (await bob.request<ListAccessRequestsResult>(LIST, {})).requests;
    assert.equal(before.length, 2);
    await bob.close();
    await host.stop('SIGTERM');

    const file = path.join(state, REQUESTS_FILE);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    host = await startHost(env, state);
    try {
      bob = await connect(host.url, bobToken);
      assert.deepEqual((await bob.request<ListAccessRequestsResult>(LIST, {})).requests, before);
      const alice = await connect(host.url, aliceToken);
      assert.deepEqual((await alice.request<ListAccessRequestsResult>(LIST, {})).requests.map((r) => r.id).sort(), [a.id, b.id].sort());
      await alice.request(DECIDE, { id: a.id, grant: true });
      // The Reporting request made before the restart is still open: a second one is refused.
      const again = await bob.requestError(REQUEST, { module: 'Reporting', access: 'open', reason: 'more' });
      assert.equal(again.code, -32006, 'the request made before the restart is still open');
      await alice.close();
      await bob.close();
    } finally {
      await host.stop('SIGTERM');
    }
    const kept = new RequestStore(state).list();
    assert.equal(kept.find((r) => r.id === a.id)?.state, 'granted');
    assert.equal(kept.find((r) => r.id === b.id)?.state, 'open');
  });

  test('a process killed while writing requests.json leaves a complete file; its temporary file is not the store', async () => {
    const dir = tempDir();
    // Large writes (about 2 MB each), so that the kill very likely lands inside one.
    const seed: AccessRequest[] = Array.from({ length: 1000 }, (_, i) => ({
      id: i.toString(16).padStart(16, '0'),
      module: 'OrderAPI',
      user: 'bob',
      access: 'open',
      reason: `seed ${i} ${'x'.repeat(2000)}`,
      created: new Date(0).toISOString(),
      state: 'open',
    }));
    fs.writeFileSync(path.join(dir, REQUESTS_FILE), JSON.stringify({ version: 1, requests: seed }));
    const script = path.join(dir, 'writer.ts');
    fs.writeFileSync(
      script,
      `import { RequestStore } from ${JSON.stringify(path.join(REPO, 'server', 'host', 'requests.ts'))};
const store = new RequestStore(${JSON.stringify(dir)});
for (let i = 0; ; i++) {
  store.update((rs) => { rs.push({ id: (0x100000 + i).toString(16).padStart(16, '0'), module: 'OrderAPI', user: 'bob', access: 'open', reason: 'loop ' + i, created: new Date().toISOString(), state: 'open' }); });
  process.stdout.write(i + '\\n');
}
`,
    );
    const file = path.join(dir, REQUESTS_FILE);
    for (let round = 0; round < 6; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: REPO });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const committed = () => out.split('\n').filter((l) => l !== '').length;
      await eventually(() => committed() >= 2 || child.exitCode !== null, 'the writer to commit its first writes', 60000);
      assert.equal(child.exitCode, null, err);
      // While it writes, every read of the file finds a complete store (the rename replaces it whole).
      const until = committed() + 3 + round;
      let reads = 0;
      while (committed() < until && child.exitCode === null) {
        parseRequestsFile(fs.readFileSync(file, 'utf8'), file);
        reads++;
        await new Promise((r) => setImmediate(r));
      }
      assert.ok(reads > 0);
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      const done = committed();
      const store = new RequestStore(dir); // throws when the file is half-written
      const rs = store.list();
      const loop = rs.filter((r) => r.reason.startsWith('loop '));
      // Every write reported as done is there; at most the one cut off after its rename, too.
      assert.ok(loop.length >= done && loop.length <= done + 1, `${loop.length} vs ${done}`);
      assert.equal(rs.length, 1000 + loop.length);
      loop.forEach((r, i) => assert.equal(r.reason, `loop ${i}`));
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      // Start the next round from an empty loop part (the writer counts from 0 again).
      fs.writeFileSync(file, JSON.stringify({ version: 1, requests: seed }));
    }
    // A temporary file left by the killed writers is never read as the store, and is tidied away.
    fs.writeFileSync(path.join(dir, `.${REQUESTS_FILE}.999999999.0123456789ab.tmp`), '{"version":1,"requests":[{"id":');
    assert.equal(new RequestStore(dir).list().length, 1000);
    new RequestStore(dir).removeStaleTempFiles();
    assert.deepEqual(
      fs.readdirSync(dir).filter((n) => n.endsWith('.tmp')),
      [],
    );
  });

  test('a damaged requests.json: the host refuses to start naming it, the CLI says so, and it is never overwritten', async () => {
    const env = copyAcme();
    const state = path.join(tempDir(), 'state');
    const bobToken = issueToken(env, state, 'bob');
    const file = path.join(state, REQUESTS_FILE);
    const damaged = '{"version":1,"requests":[{"id":"0123456789abcdef","module":"OrderAPI"';
    fs.writeFileSync(file, damaged, { mode: 0o600 });
    await assert.rejects(startHost(env, state), (e: Error) => e.message.includes(file) && /not valid JSON/.test(e.message));
    const r = cli(['requests', env, '--state', state]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not valid JSON`));
    assert.equal(fs.readFileSync(file, 'utf8'), damaged);
    // Wrong shape: the JSON path of the problem.
    fs.writeFileSync(file, JSON.stringify({ version: 1, requests: [{ id: 'x' }] }));
    const shape = cli(['requests', env, '--state', state]);
    assert.equal(shape.status, 2);
    assert.match(shape.stderr, /is not an access-request file: \.requests\[0\]\.id/);

    // Damaged while the host runs: the client gets a safe error (no path), the owner the path; nothing is overwritten.
    fs.rmSync(file);
    const host = await startHost(env, state);
    try {
      const bob = await connect(host.url, bobToken);
      await bob.request(REQUEST, { module: 'OrderAPI', access: 'open', reason: 'one' });
      fs.writeFileSync(file, damaged);
      const e = await bob.requestError(REQUEST, { module: 'Reporting', access: 'reference', reason: 'two' });
      assert.equal(e.code, -32603);
      assert.ok(!e.message.includes(state) && !e.message.includes('requests.json'), e.message);
      const l = await bob.requestError(LIST, {});
      assert.equal(l.code, -32603);
      assert.equal(fs.readFileSync(file, 'utf8'), damaged);
      await eventually(() => host.output().includes(`${file} is not valid JSON`), 'the host to name the damaged file');
      // Repaired: requests work again.
      fs.writeFileSync(file, JSON.stringify({ version: 1, requests: [] }));
      await bob.request(REQUEST, { module: 'Reporting', access: 'reference', reason: 'two' });
      assert.equal((await bob.request<ListAccessRequestsResult>(LIST, {})).requests.length, 1);
      await bob.close();
    } finally {
      await host.stop();
    }
  });

  test('RequestStore: a missing file is empty; a folder in its place or duplicate ids are errors naming the file', () => {
    const dir = tempDir();
    assert.deepEqual(new RequestStore(dir).list(), []);
    const file = path.join(dir, REQUESTS_FILE);
    const r = { id: '0123456789abcdef', module: 'OrderAPI', user: 'bob', access: 'open', reason: 'x', created: new Date().toISOString(), state: 'open' };
    fs.writeFileSync(file, JSON.stringify({ version: 1, requests: [r, r] }));
    assert.throws(
      () => new RequestStore(dir),
      (e: Error) => e instanceof RequestStoreError && e.message.includes(file) && /two requests with id/.test(e.message),
    );
    fs.rmSync(file);
    fs.mkdirSync(file);
    assert.throws(
      () => new RequestStore(dir),
      (e: Error) => e instanceof RequestStoreError && e.message.includes(`${file} is not a file`),
    );
  });

  test('protected-modules requests lists them (text and json), newest first, terminal-safe', async () => {
    const env = copyAcme();
    const state = path.join(tempDir(), 'state');
    const empty = cli(['requests', env, '--state', state]);
    assert.equal(empty.status, 0);
    assert.match(empty.stderr, /no access requests in .*--state DIR/);
    const bobToken = issueToken(env, state, 'bob');
    const aliceToken = issueToken(env, state, 'alice');
    const host = await startHost(env, state);
    let first: string;
    let second: string;
    try {
      const bob = await connect(host.url, bobToken);
      first = (await bob.request<{ id: string }>(REQUEST, { module: 'OrderAPI', access: 'open', reason: 'debugging\ncancel() \u202eevil' })).id;
      second = (await bob.request<{ id: string }>(REQUEST, { module: 'Reporting', access: 'reference', reason: 'revenue' })).id;
      const alice = await connect(host.url, aliceToken);
      await alice.request(DECIDE, { id: second, grant: false, note: 'not now' });
      await bob.close();
      await alice.close();
    } finally {
      await host.stop();
    }
    const json = cli(['requests', env, '--state', state, '--format', 'json']);
    assert.equal(json.status, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as { requests: AccessRequest[] };
    assert.deepEqual(
      parsed.requests.map((r) => r.id),
      [second, first],
    );
    assert.equal(parsed.requests[0].state, 'declined');
    assert.equal(parsed.requests[0].note, 'not now');
    assert.equal(parsed.requests[1].reason, 'debugging\ncancel() \u202eevil');
    assert.doesNotMatch(json.stdout, /\u202e/, 'the json output escapes the bidi override');
    assert.ok(json.stdout.includes('\\u202e'), 'as a JSON escape, the same value');

    const text = cli(['requests', env, '--state', state]);
    assert.equal(text.status, 0, text.stderr);
    const lines = text.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^ID\s+STATE\s+MODULE\s+USER\s+ACCESS\s+CREATED\s+DECIDED BY\s+DECIDED\s+REASON\s+NOTE$/);
    assert.equal(lines.length, 3);
    assert.match(lines[1], new RegExp(`^${second}\\s+declined\\s+Reporting\\s+bob\\s+reference\\s+\\S+\\s+alice\\s+\\S+\\s+revenue\\s+not now$`));
    assert.match(lines[2], new RegExp(`^${first}\\s+open\\s+OrderAPI\\s+bob\\s+open\\s+`));
    assert.ok(lines[2].includes('debugging cancel() \\u{202e}evil'), lines[2]);
    assert.doesNotMatch(text.stdout, /\u202e/);
    // Also with --state alone, and bad usage.
    assert.equal(cli(['requests', '--state', state, '--format', 'json']).stdout, json.stdout);
    assert.equal(cli(['requests', env, 'extra', '--state', state]).status, 2);
    assert.equal(cli(['requests', env, '--state', state, '--format', 'xml']).status, 2);
    assert.match(cli(['--help']).stdout + cli(['--help']).stderr, /protected-modules requests <environment> \[--state DIR\] \[--format text\|json\]/);
  });

  test('local mode (no host): the three requests are not offered (MethodNotFound)', async () => {
    const env = copyAcme();
    const client = await startServer({ folders: [fileUri(env)], user: 'bob' });
    try {
      for (const [method, params] of [
        [REQUEST, { module: 'OrderAPI', access: 'open', reason: 'x' }],
        [LIST, {}],
        [DECIDE, { id: '0123456789abcdef', grant: true }],
      ] as const) {
        const e = await client.requestError(method, params);
        assert.equal(e.code, -32601, method);
      }
    } finally {
      await client.close();
    }
  });
});
