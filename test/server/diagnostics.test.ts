// Pushed diagnostics (SPEC 3.4, 4): on open, on every change, on other modules' changes, on
// changes on disk (workspace/didChangeWatchedFiles), filtered by access.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { FileChangeType } from 'vscode-languageserver-protocol';
import { startServer, copyFixture, fileUri, modulesUri, useServer } from './lsp-client';

const codes = (ds: Diagnostic[]) => ds.map((d) => d.code);
const msg = (d: Diagnostic) => (typeof d.message === 'string' ? d.message : d.message.value);

for (const [fixture, consumer] of [
  ['test/fixtures/server-env', 'Portal/screens/home.logic'],
  ['examples/acme', 'modules/order-portal/screens/NewOrder.logic'],
] as const) {
  describe('as bob', () => {
    const bob = useServer(fixture, 'bob');

    test(`lowering bob's access on disk turns his references into no-reference-access, then unknown-module, and back (${fixture})`, async () => {
      assert.ok(
        bob.registrations.some(
          (r) =>
            r.method === 'workspace/didChangeWatchedFiles' &&
            JSON.stringify(r.registerOptions).includes('**/environment.json') &&
            JSON.stringify(r.registerOptions).includes('**/module.json') &&
            JSON.stringify(r.registerOptions).includes('**/*.logic'),
        ),
        'file watchers registered dynamically',
      );
      const home = path.join(bob.root, consumer);
      const uri = bob.openFile(home);
      assert.deepEqual(await bob.diagnosticsFor(uri, () => true), []);

      const policyPath = path.join(bob.root, 'environment.json');
      const original = fs.readFileSync(policyPath, 'utf8');
      const grant = /\{ "module": "OrderAPI",\s*"to": "group:contractors",\s*"access": "reference" \},/;
      assert.match(original, grant);
      const changed = () => bob.filesChanged([{ uri: fileUri(policyPath), type: FileChangeType.Changed }]);

      fs.writeFileSync(policyPath, original.replace(grant, '{ "module": "OrderAPI", "to": "group:contractors", "access": "list" },'));
      const accessBefore = bob.count('protectedModules/didChangeAccess');
      changed();
      let ds = await bob.diagnosticsFor(uri, (d) => d.length > 0, 'no-reference-access');
      assert.ok(
        ds.every((d) => d.code === 'no-reference-access'),
        JSON.stringify(ds),
      );
      assert.ok(ds.every((d) => d.source === 'protected-modules' && d.severity === 1));
      await bob.waitFor(() => bob.count('protectedModules/didChangeAccess') > accessBefore, 'didChangeAccess');

      fs.writeFileSync(policyPath, original.replace(grant, ''));
      changed();
      ds = await bob.diagnosticsFor(uri, (d) => d.some((x) => x.code === 'unknown-module'), 'unknown-module');
      assert.ok(
        ds.every((d) => d.code === 'unknown-module'),
        JSON.stringify(ds),
      );
      assert.ok(
        ds.every((d) => !/protected|reference/.test(msg(d))),
        'the message does not say the module exists',
      );

      fs.writeFileSync(policyPath, original);
      changed();
      ds = await bob.diagnosticsFor(uri, (d) => d.length === 0, 'cleared');
      assert.deepEqual(ds, []);
    });
  });
}

describe('as alice', () => {
  const alice = useServer('test/fixtures/server-env', 'alice');

  test('editing OrderAPI so that a public action loses an input updates open Portal files within one change', async () => {
    const home = path.join(alice.root, 'Portal/screens/home.logic');
    const orders = path.join(alice.root, 'OrderAPI/src/orders.logic');
    const homeUri = alice.openFile(home, modulesUri('server-env', 'Portal/screens/home.logic'));
    const ordersUri = alice.openFile(orders, modulesUri('server-env', 'OrderAPI/src/orders.logic'));
    assert.deepEqual(await alice.diagnosticsFor(homeUri, () => true), []);
    const text = fs.readFileSync(orders, 'utf8').replace('(customerId: Text, lines: List<OrderLine>)', '(customerId: Text)');
    alice.change(ordersUri, 2, text);
    const ds = await alice.diagnosticsFor(homeUri, (d) => d.length > 0, 'unknown-argument');
    assert.deepEqual(codes(ds), ['unknown-argument']);
    assert.equal(alice.diagnostics.get(homeUri)?.version, 1);
    // Back as it was: cleared.
    alice.change(ordersUri, 3, fs.readFileSync(orders, 'utf8'));
    await alice.diagnosticsFor(homeUri, (d) => d.length === 0, 'cleared');
  });
});

describe('as bob', () => {
  const bob = useServer('test/fixtures/server-env', 'bob');

  test('a changed file on disk (not open) updates the diagnostics of open dependents', async () => {
    const home = path.join(bob.root, 'Portal/screens/home.logic');
    const uri = bob.openFile(home);
    await bob.diagnosticsFor(uri, () => true);
    const orders = path.join(bob.root, 'OrderAPI/src/orders.logic');
    fs.writeFileSync(orders, fs.readFileSync(orders, 'utf8').replace('public server action CreateOrder', 'server action CreateOrder'));
    // Watchers over a `modules://` workspace report `modules:` URIs.
    bob.filesChanged([{ uri: modulesUri('server-env', 'OrderAPI/src/orders.logic'), type: FileChangeType.Changed }]);
    const ds = await bob.diagnosticsFor(uri, (d) => d.length > 0, 'unknown-element');
    assert.deepEqual(codes(ds), ['unknown-element']);
    // Below open on OrderAPI: the same message as for a missing element, no hint of a private one.
    const missing = msg(ds[0]).replace(/CreateOrder/g, 'X');
    assert.doesNotMatch(missing, /private|hidden|not public/i);
  });
});

describe('as carol', () => {
  const carol = useServer('test/fixtures/server-env', 'carol');

  test('documents the user may not read get no diagnostics; edits in a read-only module get read-only-module', async () => {
    // Reporting at open for carol: an edit cannot be saved.
    const dash = path.join(carol.root, 'Reporting/dashboard.logic');
    const dashUri = carol.openFile(dash);
    assert.deepEqual(await carol.diagnosticsFor(dashUri, () => true), []);
    carol.change(dashUri, 2, fs.readFileSync(dash, 'utf8') + '\n// edited\n');
    const ds = await carol.diagnosticsFor(dashUri, (d) => d.length > 0, 'read-only-module');
    assert.deepEqual(codes(ds), ['read-only-module']);
    assert.match(msg(ds[0]), /Reporting/);

    // OrderAPI at reference for carol: opened anyway (file:), even broken — nothing is published.
    const orders = path.join(carol.root, 'OrderAPI/src/orders.logic');
    const ordersUri = fileUri(orders);
    carol.open(ordersUri, fs.readFileSync(orders, 'utf8') + '\n server action ( {');
    carol.change(dashUri, 3, fs.readFileSync(dash, 'utf8'));
    await carol.diagnosticsFor(dashUri, (d) => d.length === 0, 'cleared after undoing the edit');
    assert.equal(carol.diagnostics.get(ordersUri), undefined);
    assert.ok(!carol.notifications.some((n) => JSON.stringify(n.params).includes('orders.logic')));
  });
});

test('an open environment.json shows its problems to admins, and unknown-user to an unknown user', async () => {
  const root = copyFixture('test/fixtures/server-env');
  const policyPath = path.join(root, 'environment.json');
  const uri = fileUri(policyPath);
  const text = fs.readFileSync(policyPath, 'utf8').replace('"Reporting", "to": "user:carol"', '"Reporting", "to": "user:zed"');
  fs.writeFileSync(policyPath, text);
  const stranger = await startServer({ folders: [root], user: 'mallory' });
  try {
    stranger.open(uri, text, 'json');
    const ds = await stranger.diagnosticsFor(uri, (d) => d.length > 0);
    assert.deepEqual(codes(ds), ['unknown-user']);
    assert.ok(
      stranger.notifications.some((n) => n.method === 'window/showMessage'),
      'a visible warning',
    );
  } finally {
    await stranger.close();
  }
  const alice = await startServer({ folders: [root], user: 'alice' });
  try {
    alice.open(uri, text, 'json');
    const ds = await alice.diagnosticsFor(uri, (d) => d.length > 0);
    assert.ok(
      ds.some((d) => d.code === 'invalid-environment' && d.severity === 2),
      JSON.stringify(ds),
    );
  } finally {
    await alice.close();
  }
});
