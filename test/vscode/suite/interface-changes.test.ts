/// <reference types="mocha" />
// @pm-user alice
// @pm-settings {"protectedModules.offerModuleWorkspace": false, "workbench.editor.enablePreview": false, "files.autoSave": "off"}
// Issue 12, acceptance 3 (SPEC 10): alice (owner of OrderAPI) adds a required input to CreateOrder
// in OrderAPI's source; the `breaking-change` warning appears on it naming the counts, the CodeLens
// shows "1 call site in 1 module" and opens the list, whose entry opens the call site in
// OrderPortal.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { CallSitesResult } from '../../../shared/protocol';
import { screenshot, waitFor } from './helpers';
import { closeAllEditors, diagnosticCode, positionAfter, useProduct, waitForDiagnostics } from './client-helpers';

const ORDERS = 'modules/order-api/actions/Orders.logic';

suite('interface changes as alice (SPEC 10)', function () {
  this.timeout(120000);
  const { api, editor } = useProduct(ORDERS);

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    await closeAllEditors();
  });

  test('a required input on CreateOrder: breaking-change warning with the counts', async () => {
    const doc = editor.document;
    const createLine = positionAfter(doc, 'public server action ').line;
    assert.ok(doc.lineAt(createLine).text.includes('CreateOrder'));
    const before = vscode.languages.getDiagnostics(doc.uri).filter((d) => diagnosticCode(d) === 'breaking-change');
    assert.deepEqual(before, [], 'nothing before the edit');

    const at = positionAfter(doc, '  express: Boolean = false');
    assert.ok(await editor.edit((b) => b.insert(at, ',\n  salesChannel: Text')));
    assert.ok(doc.isDirty, 'the edit is not saved');

    const ds = await waitForDiagnostics(doc.uri, 'the breaking-change warning', (d) => d.some((x) => diagnosticCode(x) === 'breaking-change'));
    const w = ds.filter((x) => diagnosticCode(x) === 'breaking-change');
    assert.equal(w.length, 1, w.map((x) => x.message).join('\n'));
    assert.equal(w[0].severity, vscode.DiagnosticSeverity.Warning);
    assert.equal(w[0].range.start.line, createLine);
    assert.equal(doc.getText(w[0].range), 'CreateOrder');
    assert.match(w[0].message, /required input 'salesChannel: Text' added/);
    assert.match(w[0].message, /breaks 1 call site in 1 module/);
    await screenshot('breaking-change-warning');
  });

  test('the CodeLens shows the counts and opens the list; the list opens the call site', async () => {
    const doc = editor.document;
    const createLine = positionAfter(doc, 'public server action ').line;
    const lenses = await waitFor('the CodeLens on CreateOrder', async () => {
      const all = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri, 20);
      return all.find((l) => l.range.start.line === createLine && l.command?.command === 'protectedModules.showCallSites') ? all : undefined;
    });
    const lens = lenses.find((l) => l.range.start.line === createLine && l.command?.command === 'protectedModules.showCallSites')!;
    assert.equal(lens.command!.title, '1 call site in 1 module');
    const titles = lenses.filter((l) => l.command?.command === 'protectedModules.showCallSites').map((l) => l.command!.title);
    assert.ok(titles.includes('2 call sites in 2 modules'), `ListOrders' lens: ${titles}`);
    await screenshot('codelens');

    const result = await vscode.commands.executeCommand<CallSitesResult>(lens.command!.command, ...(lens.command!.arguments ?? []));
    assert.ok(result, 'the list');
    assert.equal(result.element, 'CreateOrder');
    assert.equal(result.callSites, 1);
    assert.deepEqual(
      result.consumers.map((c) => [c.module, c.callSites]),
      [
        ['OrderPortal', 1],
        ['Reporting', 0],
      ],
    );
    const entries = await waitFor('the list of call sites', () => api.getShownCallSites());
    assert.ok(
      entries.some((e) => e.includes('NewOrder.logic:93:27')),
      entries.join('\n'),
    );
    await screenshot('call-sites-list');

    // Accepting the entry opens the call site.
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    const opened = await waitFor('the call site in an editor', () => {
      const e = vscode.window.activeTextEditor;
      return e && e.document.uri.path.endsWith('/order-portal/screens/NewOrder.logic') ? e : undefined;
    });
    assert.equal(opened.selection.start.line, 92);
    assert.equal(opened.document.getText(opened.selection), 'CreateOrder');
    await screenshot('call-site-opened');
  });

  test('the warning stays while the edit is unsaved (against the last saved interface); CancelOrder made private is breaking too', async () => {
    const doc = editor.document;
    assert.ok(doc.isDirty, 'still unsaved (auto save off, as in VS Code)');
    const still = vscode.languages.getDiagnostics(doc.uri).filter((d) => diagnosticCode(d) === 'breaking-change');
    assert.equal(still.length, 1, 'the CreateOrder warning is still there');
    const back = await vscode.window.showTextDocument(doc);
    const at = positionAfter(doc, 'public server action CancelOrder');
    const start = new vscode.Position(at.line, 0);
    assert.ok(await back.edit((b) => b.delete(new vscode.Range(start, start.translate(0, 'public '.length)))));
    const ds = await waitForDiagnostics(doc.uri, 'the warning on CancelOrder', (d) => d.filter((x) => diagnosticCode(x) === 'breaking-change').length === 2);
    const cancel = ds.find((x) => diagnosticCode(x) === 'breaking-change' && /CancelOrder|made private/.test(x.message) && x.range.start.line === at.line);
    assert.ok(cancel, ds.map((x) => `${x.range.start.line}: ${x.message}`).join('\n'));
    assert.match(cancel.message, /breaks 1 call site in 1 module/);
  });
});
