// Many sessions over one shared index (SPEC 7): a change saved by one user reaches every other
// session's diagnostics (and its didChangeModules); one session's unsaved text never changes
// what another sees; each session sees only what its own user may.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { acmeUri, useHost } from './helpers';

const ORDERS = 'modules/order-api/actions/Orders.logic';
const MY_ORDERS = 'modules/order-portal/screens/MyOrders.logic';

describe('host sessions on one index', () => {
  const h = useHost(['alice', 'bob', 'dave']);
  const [alice, bob, dave] = ['alice', 'bob', 'dave'].map((u) => h.client(u));

  test("alice saves a new public signature: bob's open document is re-checked and told that modules changed", async () => {
    const uri = acmeUri(MY_ORDERS);
    bob.open(uri, fs.readFileSync(path.join(h.env, MY_ORDERS), 'utf8'));
    const clean = await bob.diagnosticsFor(uri, () => true, 'first diagnostics');
    assert.ok(!clean.some((d) => d.code === 'missing-argument'), JSON.stringify(clean));
    const changesBefore = bob.count('protectedModules/didChangeModules');
    const ordersUri = acmeUri(ORDERS);
    const text = (await alice.request<{ text: string }>('protectedModules/readFile', { uri: ordersUri })).text;
    const changed = text.replace(
      'public server action CancelOrder(orderId: Text, reason: Text = "")',
      'public server action CancelOrder(orderId: Text, reason: Text = "", notifyCustomer: Boolean)',
    );
    assert.notEqual(changed, text);
    await alice.request('protectedModules/writeFile', { uri: ordersUri, text: changed });
    const after = await bob.diagnosticsFor(uri, (ds) => ds.some((d) => d.code === 'missing-argument'), 'missing-argument');
    assert.ok(after.some((d) => String(d.message).includes('notifyCustomer')));
    await bob.waitFor(() => bob.count('protectedModules/didChangeModules') > changesBefore, 'didChangeModules');
    // bob never receives the private body of OrderAPI, whatever changed.
    assert.ok(!bob.allFrames().includes('LoadOrder'), 'a private element of OrderAPI reached bob');
  });

  test("dave's unsaved text changes dave's diagnostics only", async () => {
    const uri = acmeUri(MY_ORDERS);
    const base = fs.readFileSync(path.join(h.env, MY_ORDERS), 'utf8');
    dave.open(uri, base);
    await dave.diagnosticsFor(uri, () => true, "dave's first diagnostics");
    const bobBefore = JSON.stringify(bob.diagnostics.get(uri)?.diagnostics);
    const framesBefore = bob.frames.length;
    dave.change(uri, 2, base + '\nserver action Broken() {\n  var x: Integer = "text"\n}\n');
    await dave.diagnosticsFor(uri, (ds) => ds.some((d) => d.code === 'type-mismatch'), "dave's type-mismatch");
    // A round trip for bob after dave's re-check: bob got no new diagnostics for the file.
    await bob.request('protectedModules/whoami', {});
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(JSON.stringify(bob.diagnostics.get(uri)?.diagnostics), bobBefore);
    assert.ok(!bob.frames.slice(framesBefore).some((f) => f.includes('Broken')), "dave's unsaved text reached bob");
    // The unsaved element is not on disk and not in alice's view either.
    const completion = await alice.request<{ items: { label: string }[] } | { label: string }[]>('textDocument/completion', {
      textDocument: { uri: acmeUri(MY_ORDERS) },
      position: { line: 0, character: 0 },
    });
    const labels = (Array.isArray(completion) ? completion : (completion?.items ?? [])).map((i) => i.label);
    assert.ok(!labels.includes('Broken'));
  });

  test('each session keeps its own user', async () => {
    const [a, b, d] = await Promise.all([alice, bob, dave].map((c) => c.request<{ user: string; admin: boolean }>('protectedModules/whoami', {})));
    assert.deepEqual([a.user, b.user, d.user], ['alice', 'bob', 'dave']);
    assert.equal(a.admin, true);
    const bobModules = await bob.request<{ modules: { name: string }[] }>('protectedModules/listModules', {});
    assert.ok(!bobModules.modules.some((m) => m.name === 'Pricing'));
    const aliceModules = await alice.request<{ modules: { name: string }[] }>('protectedModules/listModules', {});
    assert.ok(aliceModules.modules.some((m) => m.name === 'Pricing'));
  });
});
