/// <reference types="mocha" />
// @pm-user bob
// @pm-settings {"protectedModules.offerModuleWorkspace": false, "files.autoSave": "off"}
// Issue 4, acceptance 5: killing the language server mid-session restarts it, diagnostics come
// back, and an unsaved edit is still in its editor.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { closeAllEditors, diagnosticCode, diskText, modulesUri, useProduct, waitForDiagnostics, waitForNewServer } from './client-helpers';

const PORTAL_FILE = 'modules/order-portal/logic/PortalHelpers.logic';
const EDIT = '\n\npublic server action Broken() {\n  var x = OrderAPI.NoSuchAction()\n}\n';

suite('client: the language server crashes', function () {
  this.timeout(120000);
  const { api, editor } = useProduct(PORTAL_FILE, EDIT);

  test('the unsaved edit has a diagnostic before the crash', async () => {
    assert.equal(editor.document.isDirty, true);
    const diags = await waitForDiagnostics(editor.document.uri, 'an unknown-element diagnostic', (d) => d.some((x) => diagnosticCode(x) === 'unknown-element'));
    assert.ok(diags.some((d) => d.source === 'protected-modules'));
  });

  test('killing the server: it restarts, diagnostics come back, the edit is kept', async () => {
    const pid = api.getServerPid();
    assert.ok(pid, 'a server pid');
    process.kill(pid!, 'SIGKILL');
    const newPid = await waitForNewServer(api, pid);
    assert.notEqual(newPid, pid);
    assert.equal(api.getServerRestarts(), 1);
    await api.ready();
    // the open document was re-sent with its unsaved content: the diagnostic is computed again
    await waitForDiagnostics(editor.document.uri, 'the diagnostic after the restart', (d) => d.some((x) => diagnosticCode(x) === 'unknown-element'));
    assert.equal(editor.document.isDirty, true);
    assert.ok(editor.document.getText().endsWith(EDIT));
    assert.ok(!diskText(PORTAL_FILE).includes('NoSuchAction'), 'nothing was saved');
    assert.ok(
      vscode.window.visibleTextEditors.some((e) => e.document === editor.document),
      'still in its editor',
    );
  });

  test('the restarted server answers the file system and the views', async () => {
    const who = await api.request('protectedModules/whoami', {});
    assert.equal(who.user, 'bob');
    const items = await api.getModulesTreeItems();
    assert.ok(items.some((i) => i.label === 'OrderAPI'));
    const entries = await vscode.workspace.fs.readDirectory(modulesUri('modules/order-portal'));
    assert.ok(entries.length > 0);
  });

  suiteTeardown(closeAllEditors);
});
