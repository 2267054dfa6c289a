/// <reference types="mocha" />
// @pm-user bob
// @pm-settings {"protectedModules.offerModuleWorkspace": false, "editor.wordBasedSuggestions": "off"}
// Issue 4, acceptance 1–3 and 6, as the contractor bob (OrderAPI: reference, OrderPortal: change,
// Common: open (not protected, defaultAccess open), Reporting: list, Pricing: none), working
// through the `modules://` file system.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { readFileSync, readdirSync } from 'node:fs';
import { join, sep } from 'node:path';
import { screenshot, sleep, waitFor, workspaceRoot, workspaceUri } from './helpers';
import {
  allTabs,
  appendText,
  closeAllEditors,
  completionLabels,
  diskText,
  hoverText,
  modulesUri,
  openEditor,
  positionAfter,
  useProduct,
} from './client-helpers';

const PORTAL_FILE = 'modules/order-portal/logic/PortalHelpers.logic';
const ORDERAPI_FILE = 'modules/order-api/actions/Orders.logic';
const ORDERAPI_PRIVATE_FILE = 'modules/order-api/internal/Discounts.logic';
const COMMON_FILE = 'modules/common/Address.logic';

suite('client as bob (contractor)', function () {
  this.timeout(120000);
  const { api } = useProduct();

  suite('1. the public elements of OrderAPI from an OrderPortal file', () => {
    let editor: vscode.TextEditor;

    suiteSetup(async () => {
      await closeAllEditors();
      editor = await openEditor(modulesUri(PORTAL_FILE));
      await appendText(editor, '\n\npublic server action Probe() {\n  var created = OrderAPI.CreateOrder(customerId: "C-1")\n  OrderAPI.\n}\n');
    });

    test('completion at `OrderAPI.` offers exactly its public elements', async () => {
      const doc = editor.document;
      const iface = await api.request('protectedModules/moduleInterface', { module: 'OrderAPI' });
      const expected = iface.elements.map((e) => e.name).sort();
      assert.ok(expected.includes('CreateOrder') && expected.includes('OrderLine'), `interface: ${expected}`);
      const pos = positionAfter(doc, '\n  OrderAPI.');
      const list = await waitFor('completion items', async () => {
        const l = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, pos);
        return l.items.length ? l : undefined;
      });
      const labels = [...new Set(completionLabels(list))].sort();
      assert.deepEqual(labels, expected);
      for (const hidden of ['ApplyPricing', 'SaveOrder', 'LoadOrder', 'NewOrderId']) assert.ok(!labels.includes(hidden), hidden);
    });

    test('the completion list, on screen', async () => {
      const pos = positionAfter(editor.document, '\n  OrderAPI.');
      editor.selection = new vscode.Selection(pos, pos);
      editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenter);
      await vscode.commands.executeCommand('editor.action.triggerSuggest');
      await sleep(1500);
      await screenshot('completion-list');
      await vscode.commands.executeCommand('hideSuggestWidget');
    });

    test('hover shows the signature and the doc comment', async () => {
      const pos = positionAfter(editor.document, 'created = OrderAPI.Create');
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, pos);
      const text = hoverText(hovers);
      assert.match(text, /CreateOrder\s*\(/);
      assert.match(text, /customerId: Text/);
      assert.match(text, /Places a new order/);
      assert.doesNotMatch(text, /ApplyPricing|SaveOrder/, 'the body is not shown');
    });

    test('go to definition opens the interface document, not the source', async () => {
      const pos = positionAfter(editor.document, 'created = OrderAPI.Create');
      const defs = await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[]>(
        'vscode.executeDefinitionProvider',
        editor.document.uri,
        pos,
      );
      assert.ok(defs.length > 0, 'no definition');
      const target = 'targetUri' in defs[0]! ? defs[0].targetUri : defs[0]!.uri;
      assert.equal(target.scheme, 'module-interface');
      assert.equal(target.path, '/OrderAPI.logic');
      const doc = await vscode.workspace.openTextDocument(target);
      await vscode.window.showTextDocument(doc);
      assert.match(doc.getText(), /^\/\/ Interface of OrderAPI 1\.4\.0/);
      assert.match(doc.getText(), /server action CreateOrder\(/);
      assert.doesNotMatch(doc.getText(), /ApplyPricing|SaveOrder/);
    });

    suiteTeardown(closeAllEditors);
  });

  suite('2. an OrderAPI source shows the permission-denied view', () => {
    /** Text bob may legitimately have: the interface and every file outside OrderAPI. */
    let allowedText = '';
    suiteSetup(async () => {
      await closeAllEditors();
      const iface = await api.request('protectedModules/moduleInterface', { module: 'OrderAPI' });
      allowedText = iface.text;
      const root = workspaceRoot().fsPath;
      const walk = (dir: string): string[] =>
        readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
          e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.logic') ? [join(dir, e.name)] : [],
        );
      for (const f of walk(root)) if (!f.includes(`${sep}order-api${sep}`)) allowedText += '\n' + readFileSync(f, 'utf8');
    });

    /** Source lines that only that file has (bodies, private elements, private docs). */
    function privateLines(path: string): string[] {
      return diskText(path)
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l.length >= 12 && !allowedText.includes(l));
    }

    function assertNoDocumentHolds(path: string): void {
      const uri = modulesUri(path).toString();
      const lines = privateLines(path);
      assert.ok(lines.length > 5, 'the file has private lines');
      for (const doc of vscode.workspace.textDocuments) {
        assert.notEqual(doc.uri.toString(), uri, `a TextDocument exists for ${uri}`);
        const text = doc.getText();
        for (const line of lines) assert.ok(!text.includes(line), `${doc.uri.toString()} holds "${line}"`);
      }
    }

    async function openAndExpectDeniedView(path: string, open: () => Thenable<unknown>) {
      const uri = modulesUri(path);
      await open();
      const view = await waitFor('the denied view', () => api.getDeniedViews().find((v) => v.uri === uri.toString() && v.state === 'denied'));
      await waitFor('the failed text tab to be replaced', () => {
        const tabs = allTabs().filter((t) => (t.input as { uri?: vscode.Uri } | undefined)?.uri?.toString() === uri.toString());
        return tabs.length === 1 && tabs[0]!.input instanceof vscode.TabInputCustom ? tabs : undefined;
      });
      const tab = allTabs().find((t) => t.input instanceof vscode.TabInputCustom && t.input.uri.toString() === uri.toString());
      assert.equal((tab!.input as vscode.TabInputCustom).viewType, 'protectedModules.deniedView');
      return view;
    }

    test('opening it (as the explorer and links do) shows the denied view with what bob needs to know', async () => {
      const view = await openAndExpectDeniedView(ORDERAPI_FILE, () => vscode.commands.executeCommand('vscode.open', modulesUri(ORDERAPI_FILE)));
      const m = view.model!;
      assert.equal(m.module, 'OrderAPI');
      assert.equal(m.owner, 'alice');
      assert.equal(m.access, 'reference');
      assert.equal(m.required, 'open');
      assert.match(view.html, /Ask alice \(the owner\)/);
      assert.match(view.html, /id="showInterface"/);
      const names = (m.elements ?? []).map((e) => e.name);
      assert.ok(names.includes('CreateOrder') && names.includes('OrderLine'), names.join(','));
      assert.match(view.html, /Content-Security-Policy/);
      await sleep(500);
      await screenshot('denied-view');
    });

    test('afterwards no TextDocument holds any line of that file', async () => {
      assertNoDocumentHolds(ORDERAPI_FILE);
      await assert.rejects(Promise.resolve(vscode.workspace.openTextDocument(modulesUri(ORDERAPI_FILE))));
      assertNoDocumentHolds(ORDERAPI_FILE);
    });

    test('a private file, opened with showTextDocument-style options, also gets the denied view', async () => {
      await openAndExpectDeniedView(ORDERAPI_PRIVATE_FILE, () =>
        vscode.commands.executeCommand('vscode.open', modulesUri(ORDERAPI_PRIVATE_FILE), { preview: false, viewColumn: vscode.ViewColumn.Beside }),
      );
      assertNoDocumentHolds(ORDERAPI_PRIVATE_FILE);
    });

    test('in the plain file: workspace, opening the source from disk also ends in the denied view', async () => {
      const fileUri = workspaceUri(ORDERAPI_FILE);
      await vscode.commands.executeCommand('vscode.open', fileUri);
      await waitFor('the denied view for the file', () =>
        api.getDeniedViews().find((v) => v.uri === modulesUri(ORDERAPI_FILE).toString() && v.state === 'denied'),
      );
      await waitFor(
        'the file: editor to be closed',
        () => !allTabs().some((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === fileUri.toString()),
      );
    });

    test('a Reporting file (bob has list) shows the denied view without elements', async () => {
      const view = await openAndExpectDeniedView('modules/reporting/screens/SalesDashboard.logic', () =>
        vscode.commands.executeCommand('vscode.open', modulesUri('modules/reporting/screens/SalesDashboard.logic')),
      );
      assert.equal(view.model!.access, 'list');
      assert.equal(view.model!.elements, undefined);
      assert.doesNotMatch(view.html, /showInterface/);
    });

    test('a Pricing file (bob has none) is simply not found: no denied view reveals the module', async () => {
      const uri = modulesUri('modules/pricing/PriceLists.logic');
      await assert.rejects(Promise.resolve(vscode.workspace.fs.stat(uri)), (e: unknown) => e instanceof vscode.FileSystemError && e.code === 'FileNotFound');
      await vscode.commands.executeCommand('vscode.open', uri);
      await sleep(1000);
      assert.ok(!api.getDeniedViews().some((v) => v.uri === uri.toString()));
      assert.ok(!vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString()));
    });

    test('the module folder lists only the interface', async () => {
      const entries = await vscode.workspace.fs.readDirectory(modulesUri('modules/order-api'));
      assert.deepEqual(
        entries.map(([n]) => n),
        ['INTERFACE.logic'],
      );
    });

    test('Show Interface opens the interface document', async () => {
      const editor = await vscode.commands.executeCommand<vscode.TextEditor>('protectedModules.showInterface', 'OrderAPI');
      assert.equal(editor?.document.uri.scheme, 'module-interface');
      assert.match(editor!.document.getText(), /Interface of OrderAPI/);
      assertNoDocumentHolds(ORDERAPI_FILE);
    });

    suiteTeardown(closeAllEditors);
  });

  suite('3. editable and read-only module files', () => {
    suiteSetup(closeAllEditors);

    test('an OrderPortal file is editable and saved through the server', async () => {
      const path = 'modules/order-portal/screens/MyOrders.logic';
      const editor = await openEditor(modulesUri(path));
      const stat = await vscode.workspace.fs.stat(modulesUri(path));
      assert.ok(!((stat.permissions ?? 0) & vscode.FilePermission.Readonly), 'not read-only');
      const ok = await editor.edit((b) => b.insert(new vscode.Position(0, 0), '// edited by bob\n'));
      assert.ok(ok);
      assert.ok(await editor.document.save(), 'saved');
      await waitFor('the file on disk to change', () => diskText(path).startsWith('// edited by bob\n'));
      assert.equal(diskText(path), editor.document.getText());
    });

    test('a Common file (bob has open) is a read-only editor whose message names module, access and owner', async () => {
      const uri = modulesUri(COMMON_FILE);
      const stat = await vscode.workspace.fs.stat(uri);
      assert.ok((stat.permissions ?? 0) & vscode.FilePermission.Readonly, 'FilePermission.Readonly');
      const editor = await openEditor(uri);
      const before = diskText(COMMON_FILE);
      assert.equal(editor.document.getText(), before);
      await sleep(1000);
      await screenshot('read-only-editor');
      // typing (what the user does) is refused by the read-only editor
      editor.selection = new vscode.Selection(0, 0, 0, 0);
      await vscode.commands.executeCommand('type', { text: 'typed by bob ' });
      await sleep(300);
      assert.equal(editor.document.isDirty, false, 'the editor took no typing');
      assert.equal(editor.document.getText(), before);
      // and the file system refuses writes
      await assert.rejects(
        Promise.resolve(vscode.workspace.fs.writeFile(uri, new TextEncoder().encode('x'))),
        (e: unknown) => e instanceof vscode.FileSystemError && e.code === 'NoPermissions',
      );
      assert.equal(diskText(COMMON_FILE), before);
      const reason = await api.getReadonlyReason(uri);
      assert.ok(reason, 'a read-only reason');
      assert.match(reason!, /Common/);
      assert.match(reason!, /\bopen\b/);
      assert.match(reason!, /alice/);
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
      const lens = lenses.find((l) => l.command?.title.includes('Read-only'));
      assert.ok(lens, 'a read-only CodeLens');
      assert.match(lens!.command!.title, /Common/);
    });

    suiteTeardown(closeAllEditors);
  });

  suite('the Modules view and the status bar', () => {
    test('lists what bob may see, with kind, version, lock and access', async () => {
      const items = await api.getModulesTreeItems();
      const byName = new Map(items.map((i) => [i.label, i]));
      assert.deepEqual([...byName.keys()].sort(), ['Common', 'OrderAPI', 'OrderPortal', 'Reporting']);
      const orderApi = byName.get('OrderAPI')!;
      assert.equal(orderApi.icon, 'lock');
      assert.match(orderApi.description!, /1\.4\.0 · service · reference/);
      assert.equal(orderApi.contextValue, 'module:reference:locked');
      const children = (orderApi.children ?? []).map((c) => c.label);
      assert.ok(children.includes('CreateOrder') && children.includes('OrderLine'), children.join(','));
      assert.ok(!children.includes('ApplyPricing'));
      const reporting = byName.get('Reporting')!;
      assert.match(reporting.description!, /list$/);
      assert.equal(reporting.children, undefined, 'no elements at list');
      assert.match(byName.get('OrderPortal')!.description!, /change$/);
    });

    test('the status bar shows bob', async () => {
      await waitFor('status bar', () => api.getStatusBar().text.includes('bob'));
    });

    test('the Modules view, on screen', async () => {
      await vscode.commands.executeCommand('protectedModules.modules.focus');
      await api.revealModules();
      await sleep(1500);
      await screenshot('modules-view');
    });

    test('owner commands are refused in plain words', async () => {
      assert.equal(await vscode.commands.executeCommand('protectedModules.protectModule', 'OrderPortal'), false);
    });
  });
});
