// Issue 13, "any LSP editor": LSP 3.18 workspace/textDocumentContent for module-interface:// and
// modules:// URIs (decided as readFile, with its leak test), and the server's own disk watching
// for clients that cannot register file watchers (Neovim 0.7).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startServer, copyFixture, fileUri, useServer } from './lsp-client';

const PERMISSION_DENIED = -32001;

describe('workspace/textDocumentContent as bob', () => {
  const bob = useServer('test/fixtures/server-env', 'bob', { watchedFiles: false });
  const env = () => path.basename(bob.root);

  test('the server announces the schemes', () => {
    const caps = bob.initializeResult.capabilities as { workspace?: { textDocumentContent?: { schemes: string[] } } };
    assert.deepEqual(caps.workspace?.textDocumentContent?.schemes, ['module-interface', 'modules']);
  });

  test('interface documents and readable module files are answered', async () => {
    const iface = await bob.request<{ text: string }>('workspace/textDocumentContent', { uri: `module-interface://${env()}/OrderAPI.logic` });
    assert.match(iface.text, /^\/\/ Interface of OrderAPI/);
    const viaExplorer = await bob.request<{ text: string }>('workspace/textDocumentContent', { uri: `modules://${env()}/OrderAPI/INTERFACE.logic` });
    assert.equal(viaExplorer.text, iface.text);
    const common = await bob.request<{ text: string }>('workspace/textDocumentContent', { uri: `modules://${env()}/Common/logic/text.logic` });
    assert.match(common.text, /FormatMoney/);
  });

  test('leak: sources below open are PermissionDenied; hidden is answered exactly like missing', async () => {
    const denied = await bob.requestError('workspace/textDocumentContent', { uri: `modules://${env()}/OrderAPI/src/orders.logic` });
    assert.equal(denied.code, PERMISSION_DENIED);
    assert.doesNotMatch(JSON.stringify(denied), /CANARY|zebra/i);
    const hidden = await bob.requestError('workspace/textDocumentContent', { uri: `module-interface://${env()}/Pricing.logic` });
    const missing = await bob.requestError('workspace/textDocumentContent', { uri: `module-interface://${env()}/Nothing.logic` });
    assert.deepEqual(hidden, missing);
    const hiddenFile = await bob.requestError('workspace/textDocumentContent', { uri: `modules://${env()}/internal/Pricing/prices.logic` });
    const missingFile = await bob.requestError('workspace/textDocumentContent', { uri: `modules://${env()}/internal/Nothing/prices.logic` });
    assert.deepEqual(hiddenFile, missingFile);
  });
});

describe('disk watching when the client registers no file watchers', () => {
  test('a module.json changed on disk re-checks open documents (no didChangeWatchedFiles sent)', async () => {
    const root = copyFixture('examples/acme');
    const bob = await startServer({ folders: [root], user: 'bob', watchedFiles: false });
    try {
      assert.equal(bob.registrations.filter((r) => r.method === 'workspace/didChangeWatchedFiles').length, 0);
      const page = path.join(root, 'modules/order-portal/screens/NewOrder.logic');
      const uri = fileUri(page);
      bob.open(uri, fs.readFileSync(page, 'utf8'));
      await bob.diagnosticsFor(uri, (d) => d.length === 0, 'clean diagnostics');
      const manifest = path.join(root, 'modules/order-portal/module.json');
      const text = fs.readFileSync(manifest, 'utf8');
      const changed = text.replace(/"OrderAPI":\s*"[^"]*",?/, '');
      assert.notEqual(changed, text);
      fs.writeFileSync(manifest, changed);
      const d = await bob.diagnosticsFor(uri, (ds) => ds.some((x) => x.code === 'not-a-dependency'), 'not-a-dependency after the change on disk');
      assert.ok(d.length > 0);
      fs.writeFileSync(manifest, text);
      await bob.diagnosticsFor(uri, (ds) => ds.length === 0, 'clean again after restoring module.json');
    } finally {
      await bob.close();
    }
  });
});
