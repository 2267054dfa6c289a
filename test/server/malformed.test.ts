// Malformed notifications (null or shapeless params) are dropped without an exception's text
// reaching the client, and the server keeps serving (SPEC 4 no leak; issue 5 broken inputs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { copyFixture, fileUri, startServer } from './lsp-client';

test('null and shapeless document-sync and watched-file notifications are ignored quietly', async () => {
  const root = copyFixture('examples/acme');
  const client = await startServer({ folders: [root], user: 'bob' });
  try {
    const canary = 'CANARY_MALFORMED_91c2';
    for (const method of [
      'textDocument/didOpen',
      'textDocument/didChange',
      'textDocument/didClose',
      'textDocument/didSave',
      'textDocument/willSave',
      'workspace/didChangeWatchedFiles',
    ]) {
      client.notify(method, null);
      client.notify(method, { textDocument: { uri: 42 }, text: canary });
    }
    // A change without a version makes vscode-languageserver throw with the URI in the message.
    const uri = fileUri(path.join(root, 'modules/order-portal', `${canary}.logic`));
    client.open(uri, 'screen X {}');
    client.notify('textDocument/didChange', { textDocument: { uri, version: null }, contentChanges: [{ text: canary }] });
    const whoami = await client.request<{ user: string }>('protectedModules/whoami', {});
    assert.equal(whoami.user, 'bob');
    const logs = client.notifications.filter((n) => n.method === 'window/logMessage' || n.method === 'window/showMessage');
    const text = JSON.stringify(logs) + Buffer.concat(client.stderr).toString('utf8');
    assert.ok(!text.includes(canary), `an exception's text reached the client: ${text.slice(0, 500)}`);
    assert.ok(!/Cannot read properties|without valid version/.test(text), `raw exception text: ${text.slice(0, 500)}`);
  } finally {
    await client.close();
  }
});
