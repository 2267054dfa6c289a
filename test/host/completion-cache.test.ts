// The completion answers after `Module.` are built once and reused (issue 15), on a host where
// every session shares one index (SPEC 7). No leak: a reused answer never crosses users or levels —
// dave (change on Reporting) and bob (list: he only knows it exists) complete after `Reporting.`
// at the same place of the same document, in either order, and get each his own answer; and a
// change of grant takes effect at the next request (the cached answer is not served again).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { acmeUri, connect, copyAcme, issueToken, startHost, type Host, type WsClient } from './helpers';

const NEW_ORDER = 'modules/order-portal/screens/NewOrder.logic';

type Completion = { items: { label: string }[] } | { label: string }[] | null;
const labels = (r: Completion) => (Array.isArray(r) ? r : (r?.items ?? [])).map((i) => i.label).sort();

describe('completion cache on a shared host index', () => {
  let env: string;
  let host: Host;
  let alice: WsClient;
  let bob: WsClient;
  let dave: WsClient;
  let uri: string;
  let position: { line: number; character: number };
  /** Reporting's public elements, from its sources. */
  let reportingPublic: string[];

  before(async () => {
    env = copyAcme();
    const state = path.join(path.dirname(env), 'state');
    const tokens = Object.fromEntries(['alice', 'bob', 'dave'].map((u) => [u, issueToken(env, state, u)]));
    host = await startHost(env, state);
    [alice, bob, dave] = await Promise.all([connect(host.url, tokens.alice), connect(host.url, tokens.bob), connect(host.url, tokens.dave)]);
    const dir = path.join(env, 'modules', 'reporting');
    const sources = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.logic'));
    reportingPublic = sources
      .flatMap((f) => [...fs.readFileSync(path.join(dir, f), 'utf8').matchAll(/^public (?:structure|server action) (\w+)/gm)].map((m) => m[1]))
      .sort();
    assert.ok(reportingPublic.length >= 2, 'Reporting has public elements');
    // The same unsaved text in both sessions: `Reporting.` typed on a new line of a client action.
    const original = fs.readFileSync(path.join(env, NEW_ORDER), 'utf8').split('\n');
    const at = original.findIndex((l) => l.includes('var quote = OrderAPI.QuoteOrder('));
    assert.ok(at > 0);
    original.splice(at, 0, '    Reporting.');
    position = { line: at, character: '    Reporting.'.length };
    uri = acmeUri(NEW_ORDER);
    const text = original.join('\n');
    dave.open(uri, text);
    bob.open(uri, text);
    await dave.diagnosticsFor(uri, () => true, 'dave: first diagnostics');
    await bob.diagnosticsFor(uri, () => true, 'bob: first diagnostics');
  });
  after(async () => {
    await Promise.all([alice, bob, dave].map((c) => c?.close()));
    await host?.stop();
  });

  const complete = (c: WsClient) => c.request<Completion>('textDocument/completion', { textDocument: { uri }, position });

  test("dave (change) gets Reporting's public elements, bob (list) nothing, whoever asks first", async () => {
    // dave first: his answer is cached; bob must not get it.
    assert.deepEqual(labels(await complete(dave)), reportingPublic);
    assert.deepEqual(labels(await complete(bob)), []);
    // Again, both orders: the answers stay each user's own.
    assert.deepEqual(labels(await complete(bob)), []);
    assert.deepEqual(labels(await complete(dave)), reportingPublic);
    assert.deepEqual(labels(await complete(dave)), reportingPublic);
    assert.deepEqual(labels(await complete(bob)), []);
  });

  test('a new grant takes effect at the next request (no stale cached answer), and is undone the same way', async () => {
    await alice.request('protectedModules/grantAccess', { module: 'Reporting', to: 'user:bob', access: 'reference' });
    // The grant reaches the shared index through its watcher: poll until bob's answer changes.
    let got: string[] = [];
    for (let i = 0; i < 200 && got.length === 0; i++) {
      got = labels(await complete(bob));
      if (got.length === 0) await new Promise((r) => setTimeout(r, 25));
    }
    assert.deepEqual(got, reportingPublic);
    assert.deepEqual(labels(await complete(dave)), reportingPublic);
    // Back to `list`: bob's cached list must not be served again.
    await alice.request('protectedModules/grantAccess', { module: 'Reporting', to: 'user:bob', access: 'list' });
    for (let i = 0; i < 200 && got.length > 0; i++) {
      got = labels(await complete(bob));
      if (got.length > 0) await new Promise((r) => setTimeout(r, 25));
    }
    assert.deepEqual(got, []);
    assert.deepEqual(labels(await complete(dave)), reportingPublic);
  });
});
