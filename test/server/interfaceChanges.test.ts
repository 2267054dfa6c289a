// SPEC 10 in the editor, over stdio with the built server: the `breaking-change` warning against the
// last saved version, the CodeLens "N call sites in M modules" on public elements and the
// `protectedModules/callSites` list it opens — and the leak tests (bob, reference on OrderAPI, gets
// none of it; a user with `list` on a consumer gets its name and count, never a location; a
// consumer the user cannot list is not named).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CodeLens, Diagnostic } from 'vscode-languageserver-protocol';
import { startServer, copyFixture, fileUri, useServer, type TestClient } from './lsp-client';

const ORDERS = 'modules/order-api/actions/Orders.logic';
const NEW_ORDER = 'modules/order-portal/screens/NewOrder.logic';

interface CallSitesResult {
  module: string;
  element: string;
  callSites: number;
  modules: number;
  consumers: { module: string; access: string; callSites: number; locations?: { uri: string; range: { start: { line: number; character: number } } }[] }[];
}

const clients: TestClient[] = [];
const roots: string[] = [];
after(async () => {
  for (const c of clients) await c.close();
  for (const r of roots) fs.rmSync(path.dirname(r), { recursive: true, force: true });
});

function acme(): string {
  const root = copyFixture('examples/acme');
  roots.push(root);
  return root;
}

async function start(root: string, user: string): Promise<TestClient> {
  const c = await startServer({ folders: [root], user });
  clients.push(c);
  return c;
}

function read(root: string, rel: string): string {
  return fs.readFileSync(path.join(root, rel), 'utf8');
}

/** Opens the file `rel` of the environment at `root` on `c` with its saved text; returns its `file:` URI and the text. */
function openSaved(c: TestClient, root: string, rel: string): { uri: string; text: string } {
  const uri = fileUri(path.join(root, rel));
  const text = read(root, rel);
  c.open(uri, text);
  return { uri, text };
}

/** Adds a required input to CreateOrder (unsaved). */
function withRequiredInput(text: string): string {
  const out = text.replace('  express: Boolean = false\n) returns (orderId', '  express: Boolean = false,\n  salesChannel: Text\n) returns (orderId');
  assert.notEqual(out, text);
  return out;
}

type Warning = Diagnostic & { message: string };
const breaking = (ds: Diagnostic[]) => ds.filter((d): d is Warning => d.code === 'breaking-change' && typeof d.message === 'string');

function nameRange(text: string, decl: string): { line: number; character: number } {
  const i = text.indexOf(decl);
  assert.ok(i >= 0, decl);
  const before = text.slice(0, i + decl.length - decl.split(' ').pop()!.length);
  return { line: before.split('\n').length - 1, character: before.length - (before.lastIndexOf('\n') + 1) };
}

describe('breaking-change warning and CodeLens (alice, full on OrderAPI)', () => {
  describe('the warning', () => {
    const c = useServer('examples/acme', 'alice');

    test('an unsaved required input on CreateOrder is a breaking-change warning naming the counts; saving clears it', async () => {
      const { root } = c;
      const { uri, text: original } = openSaved(c, root, ORDERS);
      const clean = await c.diagnosticsFor(uri, () => true);
      assert.deepEqual(breaking(clean), [], 'the saved version breaks nothing');

      const edited = withRequiredInput(original);
      c.change(uri, 2, edited);
      const ds = await c.diagnosticsFor(uri, (d) => breaking(d).length > 0, 'breaking-change');
      const w = breaking(ds);
      assert.equal(w.length, 1, JSON.stringify(w));
      assert.equal(w[0].severity, 2 /* Warning */);
      assert.equal(w[0].source, 'protected-modules');
      assert.deepEqual(w[0].range.start, nameRange(edited, 'public server action CreateOrder'));
      assert.match(w[0].message, /'CreateOrder'/);
      assert.match(w[0].message, /required input 'salesChannel: Text' added/);
      assert.match(w[0].message, /breaks 1 call site in 1 module\./);

      // Removing CancelOrder too: a second warning where it was.
      const cut = edited.slice(0, edited.indexOf('/// Cancels an order'));
      c.change(uri, 3, cut);
      const ds2 = await c.diagnosticsFor(uri, (d) => breaking(d).length === 2, 'two breaking-change warnings');
      const removed = breaking(ds2).find((d) => d.message.includes("'CancelOrder'"))!;
      assert.match(removed.message, /server action removed\. It breaks 1 call site in 1 module\./);

      // Saved: the saved version is the new baseline.
      fs.writeFileSync(path.join(root, ORDERS), cut);
      c.change(uri, 4, cut + '\n');
      await c.diagnosticsFor(uri, (d) => breaking(d).length === 0, 'no warning after saving');
    });
  });

  describe('the CodeLens', () => {
    const c = useServer('examples/acme', 'alice');

    test('CodeLens on every public element of the file: counts over the consumers', async () => {
      const { root } = c;
      const { uri, text } = openSaved(c, root, ORDERS);
      const lenses = await c.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri } });
      const byElement = new Map(lenses.map((l) => [(l.command!.arguments![0] as { element: string }).element, l]));
      assert.deepEqual([...byElement.keys()].sort(), ['CancelOrder', 'CreateOrder', 'GetOrder', 'ListOrders']);
      assert.equal(byElement.get('CreateOrder')!.command!.title, '1 call site in 1 module');
      assert.equal(byElement.get('ListOrders')!.command!.title, '2 call sites in 2 modules');
      assert.equal(byElement.get('CreateOrder')!.command!.command, 'protectedModules.showCallSites');
      assert.deepEqual(byElement.get('CreateOrder')!.range.start, nameRange(text, 'public server action CreateOrder'));

      const structures = fileUri(path.join(root, 'modules/order-api/structures/Order.logic'));
      c.open(structures, read(root, 'modules/order-api/structures/Order.logic'));
      const s = await c.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: structures } });
      const summary = s.find((l) => (l.command!.arguments![0] as { element: string }).element === 'OrderSummary')!;
      assert.equal(summary.command!.title, '5 call sites in 2 modules');
      assert.ok(!s.some((l) => (l.command!.arguments![0] as { element: string }).element === 'DiscountBreakdown'), 'no lens on private elements');

      // The list the lens opens: readable call sites with locations.
      const list = await c.request<CallSitesResult>('protectedModules/callSites', { uri, element: 'CreateOrder' });
      assert.equal(list.callSites, 1);
      assert.equal(list.modules, 1);
      assert.deepEqual(
        list.consumers.map((x) => [x.module, x.callSites]),
        [
          ['OrderPortal', 1],
          ['Reporting', 0],
        ],
      );
      const loc = list.consumers[0].locations![0];
      assert.equal(loc.uri, fileUri(path.join(root, NEW_ORDER)));
      assert.deepEqual(loc.range.start, { line: 92, character: 26 });
    });
  });
});

/** owen: owner of OrderAPI; `list` on Reporting when `listReporting`; Reporting calls CreateOrder. */
function owenEnvironment(listReporting: boolean): string {
  const root = acme();
  const envPath = path.join(root, 'environment.json');
  fs.writeFileSync(
    envPath,
    fs
      .readFileSync(envPath, 'utf8')
      .replace('"users": {', '"users": {\n    "owen": { "displayName": "Owen Owner" },')
      .replace('"grants": [', `"grants": [\n${listReporting ? '    { "module": "Reporting", "to": "user:owen", "access": "list" },\n' : ''}`),
  );
  const manifest = path.join(root, 'modules/order-api/module.json');
  fs.writeFileSync(manifest, fs.readFileSync(manifest, 'utf8').replace('"owner": "alice"', '"owner": "owen"'));
  const agg = path.join(root, 'modules/reporting/data/Aggregates.logic');
  fs.appendFileSync(agg, '\nserver action PlaceTestOrder() {\n  var r = OrderAPI.CreateOrder("C-1", "a@b.c", Common.Address { street: "s" }, [])\n}\n');
  return root;
}

describe('leak tests', () => {
  describe('bob', () => {
    const c = useServer('examples/acme', 'bob');

    test('bob (reference on OrderAPI, change on OrderPortal): no lens, no list, no breaking-change', async () => {
      const { root } = c;
      const orders = fileUri(path.join(root, ORDERS));
      c.open(orders, withRequiredInput(read(root, ORDERS)));
      assert.equal(await c.request('textDocument/codeLens', { textDocument: { uri: orders } }), null);
      assert.equal(await c.request('protectedModules/callSites', { uri: orders, element: 'CreateOrder' }), null);
      const iface = 'module-interface://acme/OrderAPI.logic';
      assert.equal(await c.request('textDocument/codeLens', { textDocument: { uri: iface } }), null);
      assert.equal(await c.request('protectedModules/callSites', { uri: iface, element: 'CreateOrder' }), null);
      // His own module (change, not full): no lens either; and nothing of the consumers.
      const portal = fileUri(path.join(root, NEW_ORDER));
      const text = read(root, NEW_ORDER);
      c.open(portal, text + '\n');
      assert.equal(await c.request('textDocument/codeLens', { textDocument: { uri: portal } }), null);
      const ds = await c.diagnosticsFor(portal, () => true);
      assert.deepEqual(breaking(ds), []);
      const out = c.allOutput();
      assert.ok(!out.includes('call site'), 'no counts anywhere in what bob received');
      assert.ok(!out.includes('Aggregates') && !out.includes('SalesDashboard'));
      // Malformed params answer null, never an error text.
      assert.equal(await c.request('protectedModules/callSites', { uri: 42 }), null);
    });
  });

  test('owen (full on OrderAPI, list on Reporting): Reporting named with its count, no location; without list it is not named', async () => {
    for (const listReporting of [true, false]) {
      const root = owenEnvironment(listReporting);
      const c = await start(root, 'owen');
      const { uri, text: original } = openSaved(c, root, ORDERS);
      const list = await c.request<CallSitesResult>('protectedModules/callSites', { uri, element: 'CreateOrder' });
      const json = JSON.stringify(list);
      if (listReporting) {
        assert.deepEqual(
          list.consumers.map((x) => [x.module, x.callSites, !!x.locations]),
          [
            ['OrderPortal', 1, true],
            ['Reporting', 1, false],
          ],
        );
        assert.equal(list.callSites, 2);
        assert.equal(list.modules, 2);
      } else {
        assert.deepEqual(
          list.consumers.map((x) => x.module),
          ['OrderPortal'],
        );
        assert.equal(list.callSites, 1);
        assert.ok(!json.includes('Reporting'));
      }
      assert.ok(!json.includes('reporting'), 'never a path into Reporting');
      const lenses = await c.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri } });
      const lens = lenses.find((l) => (l.command!.arguments![0] as { element: string }).element === 'CreateOrder')!;
      assert.equal(lens.command!.title, listReporting ? '2 call sites in 2 modules' : '1 call site in 1 module');
      c.change(uri, 2, withRequiredInput(original));
      const ds = await c.diagnosticsFor(uri, (d) => breaking(d).length > 0, 'breaking-change');
      assert.match(breaking(ds)[0].message, listReporting ? /breaks 2 call sites in 2 modules/ : /breaks 1 call site in 1 module/);
      assert.ok(!c.allOutput().includes('Aggregates'));
    }
  });
});
