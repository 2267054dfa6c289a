/**
 * Completion after `Module.` for a client that takes `data` from a list's `itemDefaults` (LSP
 * 3.17; VS Code's client does): the items carry no `data` (issue 15: the uri, module and kind are
 * not repeated per item), `completionItem/resolve` names the element by its label and still
 * decides by access — a forged label naming a private element resolves to nothing.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CompletionItem, CompletionList } from 'vscode-languageserver-protocol';
import { useServer } from './lsp-client';

/** bob's server on a copy of acme with these completion capabilities, and NewOrder.logic opened. */
function bobWith(itemDefaults: unknown) {
  const server = useServer('examples/acme', 'bob', { textDocumentCapabilities: { completion: { completionList: { itemDefaults } } } });
  const file = () => path.join(server.root, 'modules/order-portal/screens/NewOrder.logic');
  let uri = '';
  before(() => {
    uri = server.openFile(file());
  });
  return { server, uri: () => uri, text: () => fs.readFileSync(file(), 'utf8') };
}

describe('completion with itemDefaults.data (as bob, reference on OrderAPI)', () => {
  const { server: bob, uri: uriOf, text: textOf } = bobWith(['commitCharacters', 'editRange', 'data']);

  test('the list carries the data once; items none; resolve names the element by its label', async () => {
    const uri = uriOf();
    const text = textOf();
    const end = text.lastIndexOf('}');
    const probe = text.slice(0, end) + '\n  client action Probe() {\n    OrderAPI.\n  }\n}\n';
    bob.change(uri, 2, probe);
    const lines = probe.split('\n');
    const line = lines.findIndex((l) => l === '    OrderAPI.');
    const list = await bob.request<CompletionList>('textDocument/completion', { textDocument: { uri }, position: { line, character: '    OrderAPI.'.length } });
    assert.ok(list.items.length > 3, 'OrderAPI has public elements');
    assert.deepEqual(list.itemDefaults?.data, { uri, kind: 'element', module: 'OrderAPI' });
    for (const item of list.items) assert.equal(item.data, undefined, `${item.label} carries no data of its own`);
    // By name, not in OrderAPI's private file and declaration order (SPEC 4.1; found by a tester).
    const labels = list.items.map((i) => i.label);
    assert.deepEqual(labels, [...labels].sort());
    const create = list.items.find((i) => i.label === 'CreateOrder');
    assert.ok(create?.detail?.includes('server action CreateOrder('), 'the signature stays in the list');
    // A client merges the default data into the item before resolving it (vscode-languageclient does).
    const resolved = await bob.request<CompletionItem>('completionItem/resolve', { ...create, data: list.itemDefaults!.data });
    assert.match((resolved.documentation as { value: string }).value, /Places a new order/);
    assert.equal(resolved.data, undefined, 'data is not echoed');
    // The same default data with a forged label naming a private element of OrderAPI, or an
    // element of a module bob may not see: nothing, exactly as an unknown name.
    for (const forged of [
      { label: 'ComputeDiscount', data: list.itemDefaults!.data },
      { label: 'NoSuchAction', data: list.itemDefaults!.data },
      { label: 'Quote', data: { uri, kind: 'element', module: 'Pricing' } },
    ]) {
      const r = await bob.request<CompletionItem>('completionItem/resolve', forged);
      assert.deepEqual(r, { label: forged.label }, `${forged.label}: no documentation, nothing echoed`);
    }
  });
});

describe('odd client input around completion and positions (found by a tester)', () => {
  // itemDefaults as an object instead of a list of property names: taken as no support.
  const { server: client, uri } = bobWith({ data: true });

  test('a malformed itemDefaults capability does not break completion', async () => {
    const list = await client.request<CompletionList>('textDocument/completion', { textDocument: { uri: uri() }, position: { line: 0, character: 0 } });
    assert.ok(Array.isArray(list.items));
    assert.equal(list.itemDefaults, undefined);
  });

  test('a request without a valid position is InvalidParams (-32602), not an internal error', async () => {
    for (const method of [
      'textDocument/hover',
      'textDocument/definition',
      'textDocument/completion',
      'textDocument/signatureHelp',
      'textDocument/references',
      'textDocument/documentHighlight',
      'textDocument/prepareRename',
    ]) {
      for (const position of [null, undefined, { line: -1, character: 0 }, { line: 0.5, character: 0 }, { line: '1', character: 0 }]) {
        const e = await client.requestError(method, { textDocument: { uri: uri() }, position, context: { includeDeclaration: true } });
        assert.equal(e.code, -32602, `${method} ${JSON.stringify(position)}: ${e.message}`);
      }
    }
  });

  test("workspace symbols of a module bob may only reference come by name, not in its source's order", async () => {
    const symbols = await client.request<{ name: string; containerName?: string }[]>('workspace/symbol', { query: '' });
    const orderApi = symbols.filter((s) => s.containerName === 'OrderAPI').map((s) => s.name);
    assert.ok(orderApi.length > 3, JSON.stringify(symbols.slice(0, 5)));
    assert.deepEqual(orderApi, [...orderApi].sort());
  });
});
