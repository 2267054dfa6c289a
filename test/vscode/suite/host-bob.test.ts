/// <reference types="mocha" />
// @pm-user bob
// @pm-host bob alice
// @pm-settings {"protectedModules.offerModuleWorkspace": false, "editor.wordBasedSuggestions": "off"}
// Issue 10 acceptance 1 (SPEC 7): VS Code connected to an environment host started from another
// folder, as bob — nothing of the environment on this side (the workspace is only
// `modules://acme/`). Completion, hover, F12 into OrderAPI's interface, the denied view, an edit
// saved in OrderPortal; then a second session (a plain WebSocket LSP client, as alice) changes a
// public signature of OrderAPI and bob's diagnostics follow. The launcher then scans every file
// the client side wrote for canaries of OrderAPI's private sources and of Pricing.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import WebSocket from 'ws';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { controlDir } from '../host/control';
import { pageRequest, screenshot, waitFor } from './helpers';
import { hostConfig, hostUri } from './window-helpers';
import { closeAllEditors, completionLabels, hoverText, openEditor, positionAfter, useProduct, waitForDiagnostics, diagnosticCode } from './client-helpers';

const PORTAL_FILE = 'modules/order-portal/logic/PortalHelpers.logic';
const MY_ORDERS = 'modules/order-portal/screens/MyOrders.logic';
const ORDERAPI_FILE = 'modules/order-api/actions/Orders.logic';

/** A minimal LSP session over a WebSocket (the second user). */
async function rawSession(url: string, token: string): Promise<{ request(method: string, params: unknown): Promise<any>; close(): void }> {
  const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${token}` } });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_q, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  let id = 0;
  const pending = new Map<number, (m: any) => void>();
  ws.on('message', (d: WebSocket.RawData) => {
    const m = JSON.parse(d.toString());
    if (m.id !== undefined && !m.method && pending.has(m.id)) pending.get(m.id)!(m);
    else if (m.id !== undefined && m.method) ws.send(JSON.stringify({ jsonrpc: '2.0', id: m.id, result: null }));
  });
  const request = (method: string, params: unknown) =>
    new Promise<any>((resolve, reject) => {
      const i = ++id;
      pending.set(i, (m) => (m.error ? reject(new Error(m.error.message)) : resolve(m.result)));
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: i, method, params }));
    });
  await request('initialize', { processId: null, rootUri: null, capabilities: {} });
  ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'initialized', params: {} }));
  return { request, close: () => ws.close(1000) };
}

suite('connected to an environment host as bob', function () {
  this.timeout(120000);
  const { api } = useProduct();

  test('the session is the token user, authenticated; no environment on this side', async () => {
    const who = await api.request('protectedModules/whoami', {});
    assert.equal(who.user, 'bob');
    assert.equal(who.authenticated, true);
    assert.equal(api.getHostState(), 'connected');
    assert.ok(api.environments()[0].path === '', 'no path on this machine');
    await waitFor('the status bar', () => (api.getStatusBar().text.includes('bob') && api.getStatusBar().text.includes('$(plug)') ? true : undefined));
    // its accessible name is plain text naming the host (issue 13 point 7), in the workbench's DOM too
    const label = api.getStatusBarAccessibility()?.label ?? '';
    assert.match(label, /^Protected Modules: connected as Bob Contractor \(bob\) to the environment host ws:\/\/127\.0\.0\.1:\d+\S*\. Activate/);
    assert.doesNotMatch(label, /[*_`]|\$\(/, 'no Markdown, no icon syntax');
    await waitFor(
      'the aria-label in the status bar',
      async () =>
        (await pageRequest<{ label: string | null }>({ kind: 'aria', selector: '[id="protected-modules.protected-modules.protectedModules.user"]' })).label ===
        label,
    );
    for (const f of vscode.workspace.workspaceFolders ?? []) assert.equal(f.uri.scheme, 'modules');
    // Preview as User… is not offered: the user is the token's.
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('protectedModules.connectHost'));
    await screenshot('connected');
  });

  test('completion after OrderAPI. offers exactly its public elements; hover; F12 into the interface', async () => {
    const editor = await openEditor(hostUri(PORTAL_FILE));
    await editor.edit((b) =>
      b.insert(
        editor.document.lineAt(editor.document.lineCount - 1).range.end,
        '\n\npublic server action Probe() {\n  var created = OrderAPI.CreateOrder(customerId: "C-1")\n  OrderAPI.\n}\n',
      ),
    );
    const doc = editor.document;
    const iface = await api.request('protectedModules/moduleInterface', { module: 'OrderAPI' });
    const expected = iface.elements.map((e) => e.name).sort();
    const pos = positionAfter(doc, '\n  OrderAPI.');
    const list = await waitFor('completion items', async () => {
      const l = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, pos);
      return l.items.length ? l : undefined;
    });
    assert.deepEqual([...new Set(completionLabels(list))].sort(), expected);
    const hoverPos = positionAfter(doc, 'created = OrderAPI.Create');
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, hoverPos);
    assert.match(hoverText(hovers), /CreateOrder\s*\(/);
    const defs = await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[]>('vscode.executeDefinitionProvider', doc.uri, hoverPos);
    const target = defs.map((d) => ('targetUri' in d ? d.targetUri : d.uri))[0];
    // One interface, one document (issue 13): in a modules:// workspace F12 lands in the module
    // folder's read-only INTERFACE.logic, served by the host.
    assert.equal(target?.scheme, 'modules');
    assert.match(target!.path, /\/modules\/order-api\/INTERFACE\.logic$/);
    const ifaceDoc = await vscode.workspace.openTextDocument(target!);
    assert.ok(ifaceDoc.getText().includes('CreateOrder'));
    await closeAllEditors(); // reverts the probe
  });

  test('an OrderAPI source shows the permission-denied view', async () => {
    await closeAllEditors();
    const uri = hostUri(ORDERAPI_FILE);
    await vscode.commands.executeCommand('vscode.open', uri);
    const view = await waitFor('the denied view', () => api.getDeniedViews().find((v) => v.uri === uri.toString() && v.state === 'denied'));
    assert.ok(view);
    for (const d of vscode.workspace.textDocuments) assert.notEqual(d.uri.toString(), uri.toString());
    await screenshot('denied-view');
    await closeAllEditors();
  });

  test('an edit in OrderPortal is saved through the host', async () => {
    const editor = await openEditor(hostUri(PORTAL_FILE));
    await editor.edit((b) => b.insert(editor.document.lineAt(editor.document.lineCount - 1).range.end, '\n// saved by bob through the host\n'));
    assert.ok(await editor.document.save());
    const read = await api.request('protectedModules/readFile', { uri: hostUri(PORTAL_FILE).toString() });
    assert.ok(read.text.includes('// saved by bob through the host'));
    await closeAllEditors();
  });

  test("alice, in another session, changes a public signature: bob's diagnostics follow", async () => {
    const editor = await openEditor(hostUri(MY_ORDERS));
    await waitForDiagnostics(editor.document.uri, 'first diagnostics', (d) => !d.some((x) => diagnosticCode(x) === 'missing-argument'));
    const { url, tokens } = hostConfig();
    const alice = await rawSession(url, tokens.alice);
    try {
      const ordersUri = hostUri(ORDERAPI_FILE).toString();
      const text: string = (await alice.request('protectedModules/readFile', { uri: ordersUri })).text;
      const changed = text.replace(
        'public server action CancelOrder(orderId: Text, reason: Text = "")',
        'public server action CancelOrder(orderId: Text, reason: Text = "", notifyCustomer: Boolean)',
      );
      assert.notEqual(changed, text);
      await alice.request('protectedModules/writeFile', { uri: ordersUri, text: changed });
    } finally {
      alice.close();
    }
    const diags = await waitForDiagnostics(editor.document.uri, 'missing-argument after alice saved', (d) =>
      d.some((x) => diagnosticCode(x) === 'missing-argument'),
    );
    assert.ok(diags.some((d) => d.message.includes('notifyCustomer')));
    await screenshot('diagnostics-after-alice');
  });

  test('the host killed and restarted: the client reconnects by itself and the unsaved edit is kept', async () => {
    await closeAllEditors();
    const editor = await openEditor(hostUri(PORTAL_FILE));
    const marker = 'var unsavedAcrossRestart: Integer = "not a number"';
    await editor.edit((b) =>
      b.insert(editor.document.lineAt(editor.document.lineCount - 1).range.end, `\n\npublic server action KeptAcrossRestart() {\n  ${marker}\n}\n`),
    );
    await waitForDiagnostics(editor.document.uri, 'the unsaved edit checked', (d) => d.some((x) => diagnosticCode(x) === 'type-mismatch'));
    const dir = controlDir()!;
    writeFileSync(join(dir, 'restart-host.request.json'), JSON.stringify({ downMs: 4000 }));
    await waitFor('the client to notice', () => (api.getHostState() === 'reconnecting' ? true : undefined), 20000, 50);
    // the status bar's accessible name says so in plain text (issue 13 point 7)
    await waitFor('the reconnecting accessible name', () =>
      /^Protected Modules: reconnecting to the environment host ws:\/\/\S+\. Your unsaved edits are kept\./.test(api.getStatusBarAccessibility()?.label ?? '')
        ? true
        : undefined,
    );
    await screenshot('reconnecting');
    await waitFor('the host restarted', () => existsSync(join(dir, 'restart-host.done.json')), 60000);
    await waitFor('the client to reconnect', () => (api.getHostState() === 'connected' ? true : undefined), 60000);
    assert.ok(editor.document.isDirty, 'the edit is still unsaved');
    assert.ok(editor.document.getText().includes(marker));
    // The new session got the unsaved text again (its diagnostics come from it).
    const who = await api.request('protectedModules/whoami', {});
    assert.equal(who.user, 'bob');
    await editor.edit((b) => b.insert(editor.document.lineAt(editor.document.lineCount - 1).range.end, '\n'));
    await waitForDiagnostics(editor.document.uri, 'diagnostics from the new session', (d) => d.some((x) => diagnosticCode(x) === 'type-mismatch'));
    await closeAllEditors();
  });
});
