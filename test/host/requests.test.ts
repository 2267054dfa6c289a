// Access requests through the real host (SPEC 8, issue 14 acceptance 1 and 3): create; list for
// the requester, the module's owner, an admin and an unrelated user; approve (the requester's access
// rises, didChangeAccess and didChangeAccessRequests reach both); decline with a note; a second
// request while one is open; a module at `none` answered exactly as a missing one; a revoked token;
// ids of other people's requests never learned; notifications only to those concerned.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AccessRequest, ListAccessRequestsResult, ModuleSummary } from '../../shared/protocol';
import { auditLines, cli, connect, eventually, issueToken, startAcmeHost, startHost, tempDir, tokenId, tryUpgrade, useHost, type WsClient } from './helpers';
import { sealAndInstall } from '../seal/setup';

const M = {
  request: 'protectedModules/requestAccess',
  list: 'protectedModules/listAccessRequests',
  decide: 'protectedModules/decideAccessRequest',
  changed: 'protectedModules/didChangeAccessRequests',
  access: 'protectedModules/didChangeAccess',
};

/** The user's level on a module from listModules (`none` when not listed). */
async function levelOf(c: WsClient, module: string): Promise<string> {
  const r = await c.request<{ modules: ModuleSummary[] }>('protectedModules/listModules', {});
  return r.modules.find((m) => m.name === module)?.access ?? 'none';
}

async function list(c: WsClient): Promise<AccessRequest[]> {
  return (await c.request<ListAccessRequestsResult>(M.list, {})).requests;
}

/** Makes dave (not an admin) the owner of OrderAPI in the acme copy `env`. */
function ownerDave(env: string): void {
  const manifest = path.join(env, 'modules', 'order-api', 'module.json');
  fs.writeFileSync(manifest, fs.readFileSync(manifest, 'utf8').replace('"owner": "alice"', '"owner": "dave"'));
}

describe('access requests through the host', () => {
  const USERS = ['alice', 'bob', 'carol', 'dave'];
  const h = useHost(USERS, { prepare: ownerDave });
  const c: Record<string, WsClient> = Object.fromEntries(USERS.map((u) => [u, h.client(u)]));

  test('create, list for requester / owner / admin / unrelated user, approve: access rises and both notifications reach both', async () => {
    const policyBefore = fs.readFileSync(path.join(h.env, 'environment.json'), 'utf8');
    assert.equal(await levelOf(c.bob, 'OrderAPI'), 'reference');
    const counts = (u: string, m: string) => c[u].count(m);
    const before = Object.fromEntries(['alice', 'bob', 'carol', 'dave'].map((u) => [u, { changed: counts(u, M.changed), access: counts(u, M.access) }]));

    const { id } = await c.bob.request<{ id: string }>(M.request, {
      module: 'OrderAPI',
      access: 'open',
      reason: '  I need to see why cancel() refuses orders.  ',
    });
    assert.match(id, /^[0-9a-f]{16}$/);

    const mine = await list(c.bob);
    assert.equal(mine.length, 1);
    assert.deepEqual(
      { ...mine[0], created: undefined },
      { id, module: 'OrderAPI', user: 'bob', access: 'open', reason: 'I need to see why cancel() refuses orders.', created: undefined, state: 'open' },
    );
    assert.ok(Number.isFinite(Date.parse(mine[0].created)));
    assert.deepEqual(await list(c.dave), mine, "the owner sees the module's request");
    assert.deepEqual(await list(c.alice), mine, 'an admin sees it');
    assert.deepEqual(await list(c.carol), [], 'an unrelated user sees none');

    await c.bob.waitFor(() => c.bob.count(M.changed) > before.bob.changed, 'bob told of his request');
    await c.dave.waitFor(() => c.dave.count(M.changed) > before.dave.changed, 'the owner told of the request');
    await c.alice.waitFor(() => c.alice.count(M.changed) > before.alice.changed, 'the admin told of the request');

    // The owner approves.
    assert.deepEqual(await c.dave.request(M.decide, { id, grant: true }), {});
    assert.equal(await levelOf(c.bob, 'OrderAPI'), 'open', "bob's access rose");
    await c.bob.waitFor(() => c.bob.count(M.access) > before.bob.access, 'didChangeAccess to bob');
    await c.dave.waitFor(() => c.dave.count(M.access) > before.dave.access, 'didChangeAccess to the owner');
    await c.bob.waitFor(() => c.bob.count(M.changed) >= before.bob.changed + 2, 'didChangeAccessRequests to bob after the decision');
    await c.dave.waitFor(() => c.dave.count(M.changed) >= before.dave.changed + 2, 'didChangeAccessRequests to the owner after the decision');
    // bob can now read OrderAPI's sources.
    const read = await c.bob.request<{ text: string }>('protectedModules/readFile', { uri: 'modules://acme/modules/order-api/internal/Storage.logic' });
    assert.ok(read.text.length > 0);

    const [decided] = await list(c.bob);
    assert.equal(decided.state, 'granted');
    assert.equal(decided.decidedBy, 'dave');
    assert.ok(Number.isFinite(Date.parse(decided.decided!)));

    // The grant is in environment.json, its comments and layout kept.
    const policyAfter = fs.readFileSync(path.join(h.env, 'environment.json'), 'utf8');
    for (const line of policyBefore.split('\n').filter((l) => l.trim().startsWith('//'))) assert.ok(policyAfter.includes(line), `comment kept: ${line}`);
    assert.match(policyAfter, /"module": "OrderAPI",\s*"to": "user:bob",\s*"access": "open"/);

    // A decided request cannot be decided again, with a clear error.
    const again = await c.dave.requestError(M.decide, { id, grant: false, note: 'changed my mind' });
    assert.match(again.message, /already granted by dave/);
    assert.equal((await list(c.bob))[0].state, 'granted');

    // The unrelated user was told nothing and saw nothing of it.
    assert.equal(c.carol.count(M.changed), before.carol.changed);
    assert.ok(!c.carol.allFrames().includes(id), 'carol never received the request id');
    assert.ok(!c.carol.allFrames().includes('cancel() refuses'), 'nor its reason');

    // The audit log: created by bob, decided (granted) by dave, and the grant.
    const lines = auditLines(h.state);
    const created = lines.find((l) => l.event === 'request-created');
    assert.deepEqual(
      { ...created, time: undefined },
      { time: undefined, user: 'bob', event: 'request-created', module: 'OrderAPI', access: 'open', detail: `request ${id}` },
    );
    const decidedLine = lines.find((l) => l.event === 'request-decided');
    assert.deepEqual(
      { ...decidedLine, time: undefined },
      { time: undefined, user: 'dave', event: 'request-decided', module: 'OrderAPI', access: 'open', detail: `granted request ${id} of bob` },
    );
    assert.ok(lines.some((l) => l.event === 'grant' && l.user === 'dave' && l.module === 'OrderAPI' && l.detail === `to user:bob (request ${id})`));
    assert.ok(!fs.readFileSync(path.join(h.state, 'audit.jsonl'), 'utf8').includes('cancel() refuses'), 'no reason text in the audit log');
  });

  test('decline with a note; a second request while one is open is refused clearly; a new one after the decision is allowed', async () => {
    const { id } = await c.bob.request<{ id: string }>(M.request, { module: 'Reporting', access: 'reference', reason: 'To show revenue in the portal.' });
    const second = await c.bob.requestError(M.request, { module: 'Reporting', access: 'open', reason: 'More, please.' });
    assert.equal(second.code, -32006);
    assert.match(second.message, /already asked for reference access to module Reporting/);
    assert.match(second.message, /still open/);
    const data = second.data as { id: string; access: string; created: string };
    assert.equal(data.id, id);
    assert.equal(data.access, 'reference');
    assert.equal((await list(c.bob)).filter((r) => r.module === 'Reporting').length, 1, 'nothing was created');

    // Reporting is alice's: dave (owner of OrderAPI only) cannot decide it, and gets the unknown-id answer.
    const byDave = await c.dave.requestError(M.decide, { id, grant: true });
    const unknown = await c.dave.requestError(M.decide, { id: '0123456789abcdef', grant: true });
    assert.deepEqual(byDave, unknown);
    assert.ok(!(await list(c.dave)).some((r) => r.id === id), 'dave does not list it');

    const before = c.bob.count(M.changed);
    assert.deepEqual(await c.alice.request(M.decide, { id, grant: false, note: '  Revenue figures stay with management.  ' }), {});
    const [r] = (await list(c.bob)).filter((x) => x.id === id);
    assert.equal(r.state, 'declined');
    assert.equal(r.decidedBy, 'alice');
    assert.equal(r.note, 'Revenue figures stay with management.');
    assert.equal(await levelOf(c.bob, 'Reporting'), 'list', 'declining grants nothing');
    await c.bob.waitFor(() => c.bob.count(M.changed) > before, 'bob told of the decline');
    assert.ok(auditLines(h.state).some((l) => l.event === 'request-decided' && l.user === 'alice' && l.detail === `declined request ${id} of bob`));
    // A new request after the decision.
    const next = await c.bob.request<{ id: string }>(M.request, { module: 'Reporting', access: 'reference', reason: 'Only the interface, then.' });
    assert.notEqual(next.id, id);
    const newest = await list(c.bob);
    assert.equal(newest[0].id, next.id, 'newest first');
  });

  test('a module at none is answered exactly as a missing module; a listed module exists', async () => {
    const hidden = await c.bob.requestError(M.request, { module: 'Pricing', access: 'open', reason: 'why not' });
    const missing = await c.bob.requestError(M.request, { module: 'NoSuchModule', access: 'open', reason: 'why not' });
    assert.equal(hidden.code, -32002);
    assert.deepEqual(hidden, missing);
    // At `list` (Common is open for bob; Reporting was handled above): asking for a level not above.
    const same = await c.bob.requestError(M.request, { module: 'Common', access: 'open', reason: 'x' });
    assert.equal(same.code, -32602);
    assert.match(same.message, /already open; request a level above it \(change, full\)/);
    // Bad parameters, whatever the module.
    for (const p of [
      { module: 'Common', access: 'write', reason: 'x' },
      { module: 'Common', access: 'change', reason: '   ' },
      { module: 'Common', access: 'change', reason: 'x'.repeat(1001) },
      { module: 1, access: 'change', reason: 'x' },
    ]) {
      assert.equal((await c.bob.requestError(M.request, p)).code, -32602, JSON.stringify(p).slice(0, 60));
    }
    assert.ok(!auditLines(h.state).some((l) => l.event === 'request-created' && l.module === 'Pricing'));
  });

  test("an unrelated user cannot decide, nor tell other people's request ids from unknown ones", async () => {
    const { id } = await c.bob.request<{ id: string }>(M.request, { module: 'OrderPortal', access: 'full', reason: 'I maintain it.' });
    const carolChanged = c.carol.count(M.changed);
    const forReal = await c.carol.requestError(M.decide, { id, grant: true });
    const unknown = await c.carol.requestError(M.decide, { id: 'ffffffffffffffff', grant: true });
    assert.deepEqual(forReal, unknown);
    // bob himself cannot decide his own request either.
    assert.deepEqual(await c.bob.requestError(M.decide, { id, grant: true }), unknown);
    assert.equal(await levelOf(c.bob, 'OrderPortal'), 'change');
    await c.carol.request('protectedModules/whoami', {}); // a round trip: anything sent before has arrived
    assert.equal(c.carol.count(M.changed), carolChanged);
    assert.ok(!c.carol.allFrames().includes(id));
    assert.deepEqual(await list(c.carol), []);
  });

  test("a user with list (or change) on the module is told nothing of another user's request on it; list vs. missing", async () => {
    // bob is at `list` on the protected Reporting: it exists for him (he may ask), a missing module does not.
    assert.equal(await levelOf(c.bob, 'Reporting'), 'list');
    const missing = await c.bob.requestError(M.request, { module: 'Reportingx', access: 'reference', reason: 'x' });
    assert.equal(missing.code, -32002);
    const seen = { bob: c.bob.count(M.changed), dave: c.dave.count(M.changed), alice: c.alice.count(M.changed) };
    // carol (reference everywhere) asks for Reporting's sources.
    const { id } = await c.carol.request<{ id: string }>(M.request, { module: 'Reporting', access: 'open', reason: 'auditing the tax export' });
    await c.alice.waitFor(() => c.alice.count(M.changed) > seen.alice, 'the admin (owner of Reporting) told');
    for (const u of ['bob', 'dave'] as const) {
      await c[u].request('protectedModules/whoami', {}); // a round trip: anything sent before has arrived
      assert.equal(c[u].count(M.changed), seen[u], `${u} (list / change on Reporting) is not told`);
      assert.ok(!c[u].allFrames().includes(id), `${u} never receives the id`);
      assert.ok(!(await list(c[u])).some((r) => r.id === id || r.user === 'carol'));
      assert.deepEqual(await c[u].requestError(M.decide, { id, grant: true }), await c[u].requestError(M.decide, { id: 'aaaaaaaaaaaaaaaa', grant: true }));
    }
    await c.alice.request(M.decide, { id, grant: false });
  });

  test('approving a request whose level the requester already has (granted meanwhile) never lowers a grant', async () => {
    const { id } = await c.carol.request<{ id: string }>(M.request, { module: 'Pricing', access: 'open', reason: 'check the tax rules' });
    // Meanwhile alice gives carol more, directly.
    await c.alice.request('protectedModules/grantAccess', { module: 'Pricing', to: 'user:carol', access: 'change' });
    assert.equal(await levelOf(c.carol, 'Pricing'), 'change');
    const policy = fs.readFileSync(path.join(h.env, 'environment.json'), 'utf8');
    await c.alice.request(M.decide, { id, grant: true, note: 'you have it already' });
    assert.equal(fs.readFileSync(path.join(h.env, 'environment.json'), 'utf8'), policy, 'the policy is left as it is');
    assert.equal(await levelOf(c.carol, 'Pricing'), 'change');
    const r = (await list(c.carol)).find((x) => x.id === id)!;
    assert.equal(r.state, 'granted');
    assert.equal(r.note, 'you have it already');
    assert.ok(!auditLines(h.state).some((l) => l.event === 'grant' && l.detail?.includes(id)), 'no grant line: nothing was granted by the decision');
  });

  test('a revoked token: its session is closed and it gets 401, so it cannot request', async () => {
    const t = issueToken(h.env, h.state, 'bob');
    const session = await connect(h.host.url, t);
    await session.request(M.list, {});
    const r = cli(['token', 'revoke', h.env, tokenId(t), '--state', h.state]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(await session.closed, 4401);
    const outcome = await tryUpgrade(h.host.url, `Bearer ${t}`);
    assert.equal(outcome.open, false);
    if (!outcome.open) {
      assert.equal(outcome.status, 401);
      assert.equal(outcome.body, '{"error":"unauthorized"}');
    }
    session.connection.dispose();
  });
});

test('while environment.json is invalid, a request gets InvalidPolicy whatever the module; own requests stay listed', async () => {
  const { env, host, tokens } = await startAcmeHost(['bob']);
  try {
    const bob = await connect(host.url, tokens.bob);
    const { id } = await bob.request<{ id: string }>(M.request, { module: 'OrderAPI', access: 'open', reason: 'x' });
    const policy = path.join(env, 'environment.json');
    fs.writeFileSync(policy, fs.readFileSync(policy, 'utf8').replace('"defaultAccess": "open"', '"defaultAccess": "sometimes"'));
    await eventually(() => bob.count(M.access) > 0, 'the host to see the invalid policy');
    const who = await bob.request<{ policyValid: boolean }>('protectedModules/whoami', {});
    assert.equal(who.policyValid, false);
    const a = await bob.requestError(M.request, { module: 'Common', access: 'change', reason: 'x' });
    const b = await bob.requestError(M.request, { module: 'Pricing', access: 'open', reason: 'x' });
    const d = await bob.requestError(M.request, { module: 'NoSuchModule', access: 'open', reason: 'x' });
    assert.equal(a.code, -32004);
    assert.deepEqual(a, b);
    assert.deepEqual(a, d);
    assert.deepEqual(
      (await list(bob)).map((r) => r.id),
      [id],
    );
    await bob.close();
  } finally {
    await host.stop();
  }
});

test('a module nested in one the requester may not open: approving never lowers his higher user: grant (the cap is not his grant)', async () => {
  // TaxRules lies inside Pricing (bob: none); bob's own grant on it is full, capped to reference (SPEC 4.1).
  const nestedTaxRules = (env: string) => {
    const nested = path.join(env, 'modules', 'pricing', 'tax-rules');
    fs.mkdirSync(nested, { recursive: true });
    fs.writeFileSync(
      path.join(nested, 'module.json'),
      JSON.stringify({ name: 'TaxRules', version: '1.0.0', kind: 'library', owner: 'alice', protected: false, dependencies: {} }),
    );
    const policyPath = path.join(env, 'environment.json');
    fs.writeFileSync(
      policyPath,
      fs.readFileSync(policyPath, 'utf8').replace('"grants": [', '"grants": [\n    { "module": "TaxRules", "to": "user:bob", "access": "full" },'),
    );
  };
  const { env, state, host, tokens } = await startAcmeHost(['alice', 'bob'], { prepare: nestedTaxRules });
  const policyPath = path.join(env, 'environment.json');
  try {
    const alice = await connect(host.url, tokens.alice);
    const bob = await connect(host.url, tokens.bob);
    assert.equal(await levelOf(bob, 'TaxRules'), 'reference');
    const { id } = await bob.request<{ id: string }>(M.request, { module: 'TaxRules', access: 'open', reason: 'read the rules' });
    const policy = fs.readFileSync(policyPath, 'utf8');
    await alice.request(M.decide, { id, grant: true });
    assert.equal(fs.readFileSync(policyPath, 'utf8'), policy, 'the full grant is not rewritten to open');
    assert.match(policy, /"module": "TaxRules", "to": "user:bob", "access": "full"/);
    assert.ok(!auditLines(state).some((l) => l.event === 'grant' && l.detail?.includes(id)), 'no grant line: nothing was granted');
    await alice.close();
    await bob.close();
  } finally {
    await host.stop();
  }
});

test('a sealed module: no request (nobody has the full a decision needs), a clear error, nothing stored', async () => {
  const sealed = sealAndInstall();
  const state = path.join(tempDir(), 'state');
  const token = issueToken(sealed.client, state, 'hank');
  const host = await startHost(sealed.client, state);
  try {
    const hank = await connect(host.url, token, { folder: 'client' });
    assert.equal(await levelOf(hank, 'OrderAPI'), 'reference');
    const e = await hank.requestError(M.request, { module: 'OrderAPI', access: 'open', reason: 'see the source' });
    assert.equal(e.code, -32600);
    assert.match(e.message, /Module OrderAPI is sealed: nobody here can have more than reference on it/);
    assert.deepEqual(await list(hank), []);
    assert.ok(!fs.existsSync(path.join(state, 'requests.json')));
    await hank.close();
  } finally {
    await host.stop();
  }
});

test('a request on a module that no longer exists: the admin still lists it and can decline it; granting it is ModuleNotFound', async () => {
  const { env, host, tokens } = await startAcmeHost(['bob', 'alice', 'dave']);
  try {
    const bob = await connect(host.url, tokens.bob);
    const alice = await connect(host.url, tokens.alice);
    const dave = await connect(host.url, tokens.dave);
    const { id } = await bob.request<{ id: string }>(M.request, { module: 'OrderPortal', access: 'full', reason: 'I maintain it' });
    fs.rmSync(path.join(env, 'modules', 'order-portal'), { recursive: true });
    // Wait (polling) until the host has seen the module go.
    for (let i = 0; (await levelOf(alice, 'OrderPortal')) !== 'none'; i++) {
      assert.ok(i < 200, 'the host to see the module gone');
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(
      (await list(alice)).map((r) => r.id),
      [id],
    );
    assert.deepEqual(await list(dave), []);
    assert.equal((await alice.requestError(M.decide, { id, grant: true })).code, -32002);
    await alice.request(M.decide, { id, grant: false, note: 'the module is gone' });
    assert.equal((await list(bob))[0].state, 'declined');
    for (const c of [bob, alice, dave]) await c.close();
  } finally {
    await host.stop();
  }
});
