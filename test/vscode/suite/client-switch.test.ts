/// <reference types="mocha" />
// @pm-user bob
// @pm-settings {"protectedModules.offerModuleWorkspace": false, "workbench.editor.enablePreview": false}
// Issue 4, acceptance 4: switching to alice changes the Modules view and makes OrderAPI open
// normally; Protect Module on Common writes `"protected": true` keeping module.json's formatting;
// Manage Access grants through the server.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { screenshot, sleep, waitFor } from './helpers';
import { allTabs, closeAllEditors, diskText, modulesUri, useProduct } from './client-helpers';

const ORDERAPI_FILE = 'modules/order-api/actions/Orders.logic';
const COMMON_MANIFEST = 'modules/common/module.json';

suite('client: switching user and owner commands', function () {
  this.timeout(120000);
  const { api } = useProduct();

  test('bob sees OrderAPI at reference, no Pricing, and the denied view for its source', async () => {
    const items = await api.getModulesTreeItems();
    assert.deepEqual(items.map((i) => i.label).sort(), ['Common', 'OrderAPI', 'OrderPortal', 'Reporting']);
    await vscode.commands.executeCommand('vscode.open', modulesUri(ORDERAPI_FILE));
    await waitFor('the denied view', () => api.getDeniedViews().find((v) => v.state === 'denied'));
    await closeAllEditors();
  });

  test("Switch User… offers the environment's users (quick pick, on screen)", async () => {
    const pending = vscode.commands.executeCommand('protectedModules.switchUser');
    await sleep(1200);
    await screenshot('switch-user-quick-pick');
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.equal(await pending, undefined, 'cancelled: nothing changes');
    assert.equal(vscode.workspace.getConfiguration('protectedModules').get('user'), 'bob');
  });

  test('Switch User to alice (as the status bar does) updates status bar and Modules view', async () => {
    const user = await vscode.commands.executeCommand('protectedModules.switchUser', 'alice');
    assert.equal(user, 'alice');
    assert.equal(vscode.workspace.getConfiguration('protectedModules').get('user'), 'alice');
    await waitFor('the status bar to show alice', () => api.getStatusBar().text.includes('alice'));
    const items = await waitFor('the Modules view to change', async () => {
      const its = await api.getModulesTreeItems();
      return its.some((i) => i.label === 'Pricing') ? its : undefined;
    });
    assert.deepEqual(items.map((i) => i.label).sort(), ['Common', 'OrderAPI', 'OrderPortal', 'Pricing', 'Reporting']);
    const orderApi = items.find((i) => i.label === 'OrderAPI')!;
    assert.match(orderApi.description!, /full$/);
    assert.equal(orderApi.contextValue, 'module:full:locked');
  });

  test('as alice, an OrderAPI source opens normally in a writable editor', async () => {
    const uri = modulesUri(ORDERAPI_FILE);
    // opened as the explorer does (not with openTextDocument: VS Code keeps documents opened by
    // extensions alive for minutes, which the last test would see)
    await vscode.commands.executeCommand('vscode.open', uri);
    const doc = await waitFor('the text editor', () =>
      vscode.window.activeTextEditor?.document.uri.toString() === uri.toString() ? vscode.window.activeTextEditor.document : undefined,
    );
    assert.equal(doc.getText(), diskText(ORDERAPI_FILE));
    const stat = await vscode.workspace.fs.stat(uri);
    assert.ok(!((stat.permissions ?? 0) & vscode.FilePermission.Readonly));
    await sleep(300);
    assert.equal(api.getDeniedViews().length, 0);
    assert.ok(allTabs().some((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === uri.toString()));
    await closeAllEditors();
  });

  test('Protect Module on Common writes "protected": true and keeps the formatting', async () => {
    const before = diskText(COMMON_MANIFEST);
    assert.match(before, /"protected": false,/);
    const ok = await vscode.commands.executeCommand('protectedModules.protectModule', 'Common');
    assert.equal(ok, true);
    const after = await waitFor('module.json to change', () => {
      const t = diskText(COMMON_MANIFEST);
      return t !== before ? t : undefined;
    });
    assert.equal(after, before.replace('"protected": false,', '"protected": true,'));
    const items = await waitFor('Common to show a lock', async () => {
      const its = await api.getModulesTreeItems();
      return its.find((i) => i.label === 'Common' && i.icon === 'lock') ? its : undefined;
    });
    assert.equal(items.find((i) => i.label === 'Common')!.contextValue, 'module:full:locked');
  });

  test('Manage Access grants bob open on Reporting, through the server', async () => {
    const ok = await vscode.commands.executeCommand('protectedModules.manageAccess', 'Reporting', 'user:bob', 'open');
    assert.equal(ok, true);
    const env = diskText('environment.json');
    assert.match(env, /"module": "Reporting",\s*"to": "user:bob",\s*"access": "open"|Reporting[^\n]*user:bob[^\n]*open/);
    assert.match(env, /\/\/ The core team works on everything\./, 'comments kept');
  });

  test('the Modules view as alice, on screen', async () => {
    await api.revealModules();
    await sleep(1500);
    await screenshot('modules-view-alice');
  });

  test('back to bob: the OrderAPI editor alice had open becomes the denied view', async () => {
    const uri = modulesUri(ORDERAPI_FILE);
    // opened as the explorer does (a document opened by an extension is kept alive for minutes)
    await vscode.commands.executeCommand('vscode.open', uri);
    await waitFor('the text editor', () => vscode.window.activeTextEditor?.document.uri.toString() === uri.toString());
    await vscode.commands.executeCommand('protectedModules.switchUser', 'bob');
    await waitFor('the status bar to show bob', () => api.getStatusBar().text.includes('bob'));
    await waitFor('the denied view in place of the editor', () => api.getDeniedViews().find((v) => v.uri === uri.toString() && v.state === 'denied'));
    await waitFor('the text tab to be gone', () => !allTabs().some((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === uri.toString()));
    await waitFor('no TextDocument of that file', () => !vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString()), 20000);
    await sleep(300);
    await screenshot('denied-after-switch');
    // Common is protected now and bob has no grant on it: it is gone from his view.
    const items = await api.getModulesTreeItems();
    assert.ok(!items.some((i) => i.label === 'Common'), items.map((i) => i.label).join(','));
  });

  suiteTeardown(closeAllEditors);
});
