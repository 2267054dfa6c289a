// The host's authentication (SPEC 7, issue 10 acceptance 2), through the real `serve` process:
// no token, malformed, unknown, expired, revoked while connected (closed, then 401), user removed
// from the policy, repeated failures (429); the same 401 body each time; an audit line for each.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { acmeUri, auditLines, cli, connect, eventually, issueToken, startAcmeHost, tempDir, tokenId, tryUpgrade, useHost } from './helpers';

describe('host authentication', () => {
  const h = useHost(['alice', 'bob', 'carol', 'dave'], { connect: false });

  test('/health answers 200 {"ok":true} without authentication', async () => {
    const res = await fetch(`http://127.0.0.1:${h.host.port}/health`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '{"ok":true}');
  });

  test('a valid token: the session is the token user, whoami says authenticated; the client cannot pick another user', async () => {
    const bob = await connect(h.host.url, h.tokens.bob);
    const me = await bob.request<{ user: string; authenticated?: boolean; admin: boolean }>('protectedModules/whoami', {});
    assert.equal(me.user, 'bob');
    assert.equal(me.authenticated, true);
    assert.equal(me.admin, false);
    // initializationOptions said alice, and the setting (null here) is never pulled.
    bob.notify('workspace/didChangeConfiguration', { settings: { protectedModules: { user: 'alice' } } });
    const again = await bob.request<{ user: string }>('protectedModules/whoami', {});
    assert.equal(again.user, 'bob');
    const denied = await bob.requestError('protectedModules/readFile', { uri: acmeUri('modules/order-api/actions/Orders.logic') });
    assert.equal(denied.code, -32001);
    await bob.close();
    const lines = auditLines(h.state);
    assert.ok(lines.some((l) => l.event === 'connect' && l.user === 'bob'));
    assert.ok(lines.some((l) => l.event === 'denied' && l.user === 'bob' && l.module === 'OrderAPI' && l.path === 'modules/order-api/actions/Orders.logic'));
    await eventually(() => auditLines(h.state).some((l) => l.event === 'disconnect' && l.user === 'bob'), 'the disconnect line');
  });

  test('missing, malformed, unknown and expired tokens get the same 401, each with an audit line', async () => {
    // Expired: a token whose expiry has passed (the file edited as time would).
    const expiring = issueToken(h.env, h.state, 'carol', ['--expires', '1d']);
    const file = path.join(h.state, 'tokens.json');
    const data = JSON.parse(fs.readFileSync(file, 'utf8'));
    data.tokens.find((t: { id: string }) => t.id === tokenId(expiring)).expires = new Date(Date.now() - 1000).toISOString();
    fs.writeFileSync(file, JSON.stringify(data));
    const unknown = `pmt_${randomBytes(4).toString('hex')}_${randomBytes(32).toString('base64url')}`;
    // A known id with a wrong secret is "unknown" as well.
    const wrongSecret = `pmt_${tokenId(h.tokens.bob)}_${randomBytes(32).toString('base64url')}`;
    const cases: [string, string | undefined][] = [
      ['missing', undefined],
      ['malformed', 'Bearer not-a-token'],
      ['malformed', `Basic ${Buffer.from('bob:pw').toString('base64')}`],
      ['unknown', `Bearer ${unknown}`],
      ['unknown', `Bearer ${wrongSecret}`],
      ['expired', `Bearer ${expiring}`],
    ];
    const bodies = new Set<string>();
    const before = auditLines(h.state).length;
    for (const [, auth] of cases) {
      const r = await tryUpgrade(h.host.url, auth);
      assert.equal(r.open, false);
      if (r.open) continue;
      assert.equal(r.status, 401);
      bodies.add(r.body);
    }
    assert.equal(bodies.size, 1, 'one body for every refusal');
    const failed = auditLines(h.state)
      .slice(before)
      .filter((l) => l.event === 'auth-failed');
    assert.deepEqual(
      failed.map((l) => l.detail!.split(' ')[0]),
      cases.map(([why]) => why),
    );
    for (const l of failed) assert.equal(l.user, null);
    // The token id is named when the token was well-formed, never the secret.
    assert.ok(failed[5].detail!.includes(tokenId(expiring)));
    const log = fs.readFileSync(path.join(h.state, 'audit.jsonl'), 'utf8');
    for (const t of [unknown, wrongSecret, expiring, ...Object.values(h.tokens)])
      assert.ok(!log.includes(t.slice('pmt_12345678_'.length)), 'no secret in the audit log');
  });

  test('revoking a token closes its live session, then the token gets 401', async () => {
    const dave = await connect(h.host.url, h.tokens.dave);
    const r = cli(['token', 'revoke', h.env, tokenId(h.tokens.dave), '--state', h.state]);
    assert.equal(r.status, 0, r.stderr);
    const started = Date.now(); // tokens.json has been rewritten
    await dave.closed;
    const latency = Date.now() - started;
    // SPEC 7 asks for one second; the host polls every 250 ms (the figure is printed, not asserted).
    console.log(`revoked session closed ${latency} ms after tokens.json changed`);
    const again = await tryUpgrade(h.host.url, `Bearer ${h.tokens.dave}`);
    assert.equal(again.open, false);
    if (!again.open) {
      assert.equal(again.status, 401);
      assert.equal(again.body, '{"error":"unauthorized"}');
    }
    const lines = auditLines(h.state);
    assert.ok(lines.some((l) => l.event === 'token-revoked' && l.user === 'dave'));
    assert.ok(lines.some((l) => l.event === 'auth-failed' && l.detail!.startsWith('revoked') && l.detail!.includes(tokenId(h.tokens.dave))));
    const list = cli(['token', 'list', h.env, '--state', h.state, '--format', 'json']);
    const listed = JSON.parse(list.stdout).tokens as { id: string; revoked: string | null; lastUsed: string | null }[];
    assert.ok(listed.find((t) => t.id === tokenId(h.tokens.dave))!.revoked);
    assert.ok(!list.stdout.includes('hash') && !list.stdout.includes('salt'));
  });

  test('removing a user from environment.json closes their sessions and refuses their token', async () => {
    const carol = await connect(h.host.url, h.tokens.carol);
    const policyFile = path.join(h.env, 'environment.json');
    const text = fs.readFileSync(policyFile, 'utf8');
    fs.writeFileSync(policyFile, text.replace(/\n\s*"carol": \{[^\n]*\n/, '\n'));
    await carol.closed;
    const again = await tryUpgrade(h.host.url, `Bearer ${h.tokens.carol}`);
    assert.equal(again.open, false);
    if (!again.open) assert.equal(again.status, 401);
    assert.ok(auditLines(h.state).some((l) => l.event === 'auth-failed' && l.detail!.startsWith('user-removed')));
    // Other users stay connected.
    const bob = await connect(h.host.url, h.tokens.bob);
    assert.equal((await bob.request<{ user: string }>('protectedModules/whoami', {})).user, 'bob');
    await bob.close();
  });

  test('audit filters by user, event and time', () => {
    const r = cli(['audit', h.env, '--state', h.state, '--user', 'bob', '--event', 'connect', '--format', 'json']);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.ok(lines.length >= 2);
    for (const l of lines) assert.ok(l.user === 'bob' && l.event === 'connect');
    const future = cli(['audit', h.env, '--state', h.state, '--since', new Date(Date.now() + 60_000).toISOString()]);
    assert.equal(future.stdout, '');
    const bad = cli(['audit', h.env, '--state', h.state, '--event', 'nonsense']);
    assert.equal(bad.status, 2);
  });

  test("audit of a state folder without a log says where it looked and how to point at the host's", () => {
    const empty = path.join(tempDir(), 'other-state');
    const r = cli(['audit', h.env, '--state', empty]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /no audit log in .*other-state.*--state/);
    // With the host's own folder there is no such hint.
    assert.doesNotMatch(cli(['audit', h.env, '--state', h.state]).stderr, /no audit log/);
  });
});

describe('host: repeated failures', () => {
  test('more than 10 failures from one address within a minute get 429, even with a valid token', async () => {
    const { state, host, tokens } = await startAcmeHost(['bob']);
    try {
      for (let i = 0; i < 10; i++) {
        const r = await tryUpgrade(host.url, 'Bearer nope');
        assert.equal(r.open ? 0 : r.status, 401, `attempt ${i + 1}`);
      }
      const blocked = await tryUpgrade(host.url, 'Bearer nope');
      assert.equal(blocked.open ? 0 : blocked.status, 429);
      const valid = await tryUpgrade(host.url, `Bearer ${tokens.bob}`);
      assert.equal(valid.open ? 0 : valid.status, 429);
      const failed = auditLines(state).filter((l) => l.event === 'auth-failed');
      assert.equal(failed.length, 11, 'ten refusals and one line for the block');
      assert.ok(failed[10].detail!.startsWith('rate-limited'));
    } finally {
      await host.stop();
    }
  });
});
