/// <reference types="mocha" />
// @pm-user alice
// @pm-open modules
// @pm-settings {"protectedModules.offerModuleWorkspace": false, "workbench.editor.enablePreview": false, "files.autoSave": "off"}
// Issue 13 in a module workspace (modules://acme/, as Open Module Workspace… opens it):
// Go to File…, Find in Modules…, Manage Access…, Unprotect Module, the status bar's accessible
// name, and switching user (points 1–2: editors and Explorer entries the new user may not read go at once).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { pageRequest, screenshot, sleep, waitFor } from './helpers';
import { allTabs, appendText, closeAllEditors, environmentFiles, textTab, useProduct, type EnvironmentFiles } from './client-helpers';

/** The user item in the workbench's status bar (its id is `<extension id>.<item id>`). */
const STATUS_ITEM = '[id="protected-modules.protected-modules.protectedModules.user"]';

suite('editor: module workspace as people use it', function () {
  this.timeout(120000);
  const { api } = useProduct();
  let env: EnvironmentFiles;

  suiteSetup(() => {
    env = environmentFiles(api.environments()[0]!);
    assert.equal(vscode.workspace.workspaceFolders?.[0]?.uri.scheme, 'modules');
  });

  test('Go to File… lists the files the user may read, from the server, and opens one', async () => {
    const pending = vscode.commands.executeCommand('protectedModules.goToFile');
    await sleep(1500);
    await screenshot('go-to-file');
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.equal(await pending, undefined);
    const opened = await vscode.commands.executeCommand<vscode.Uri>('protectedModules.goToFile', 'modules/pricing/tax/TaxRules.logic');
    assert.equal(opened?.toString(), env.uri('modules/pricing/tax/TaxRules.logic').toString());
    const doc = await waitFor('the editor', () =>
      vscode.window.activeTextEditor?.document.uri.toString() === opened!.toString() ? vscode.window.activeTextEditor.document : undefined,
    );
    assert.equal(doc.getText(), env.disk('modules/pricing/tax/TaxRules.logic'));
    await closeAllEditors();
  });

  test('Ctrl+P is bound to Go to File… in a module workspace', () => {
    const pkg = vscode.extensions.getExtension('protected-modules.protected-modules')!.packageJSON as {
      contributes: { keybindings: { command: string; key: string; when: string }[] };
    };
    const kb = pkg.contributes.keybindings.find((k) => k.command === 'protectedModules.goToFile');
    assert.equal(kb?.key, 'ctrl+p');
    assert.equal(kb?.when, 'protectedModules.moduleWorkspace');
  });

  test('Find in Modules… searches on the server; choosing a match opens it selected', async () => {
    const pending = vscode.commands.executeCommand<vscode.TextEditor | undefined>('protectedModules.findInModules', 'FormatMoney', {
      isCaseSensitive: true,
    });
    await sleep(1500);
    await screenshot('find-in-modules');
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    const editor = await pending;
    assert.ok(editor, 'an editor on the first match');
    assert.equal(editor.document.uri.scheme, 'modules');
    assert.equal(editor.document.getText(editor.selection), 'FormatMoney');
    await closeAllEditors();
  });

  test('Manage Access… pre-selects a harmless level (never "none"), then the current grant', async () => {
    const before = env.disk('environment.json');
    assert.doesNotMatch(before, /"module": "Pricing"/);
    let pending = vscode.commands.executeCommand<boolean>('protectedModules.manageAccess', 'Pricing', 'user:carol');
    await sleep(1500);
    await screenshot('manage-access-levels');
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    assert.equal(await pending, true);
    assert.match(env.disk('environment.json'), /"module": "Pricing",\s*"to": "user:carol",\s*"access": "list"/);
    // again: the current grant (list) is what Enter keeps — nothing is written, nothing claimed
    const granted = env.disk('environment.json');
    pending = vscode.commands.executeCommand<boolean>('protectedModules.manageAccess', 'Pricing', 'user:carol');
    await sleep(1000);
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    assert.equal(await pending, false, 'keeping the current grant changes nothing');
    assert.equal(env.disk('environment.json'), granted);
    // the grantee list shows current levels (from the server)
    const overview = await api.request('protectedModules/accessOverview', { module: 'Pricing' });
    assert.deepEqual(Object.fromEntries(overview.users.map((u) => [u.id, u.access])), { alice: 'full', dave: 'change', bob: 'none', carol: 'reference' });
    pending = vscode.commands.executeCommand<boolean>('protectedModules.manageAccess', 'Pricing');
    await sleep(1500);
    await screenshot('manage-access-grantees');
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.equal(await pending, false);
  });

  test('Unprotect Module asks first and names who would gain read access', async () => {
    const asked: { message: string; detail: string }[] = [];
    api.answerConfirmations((message, detail) => {
      asked.push({ message, detail });
      return false;
    });
    try {
      assert.equal(await vscode.commands.executeCommand('protectedModules.unprotectModule', 'Reporting'), false);
      assert.equal(asked.length, 1);
      assert.equal(asked[0]!.message, 'Unprotect Reporting?');
      assert.match(asked[0]!.detail, /bob \(open\)/);
      assert.match(asked[0]!.detail, /carol \(open\)/);
      assert.doesNotMatch(asked[0]!.detail, /alice|dave/);
      assert.match(env.disk('modules/reporting/module.json'), /"protected": true/, 'cancelled: unchanged');
    } finally {
      api.answerConfirmations(undefined);
    }
  });

  test('switching to bob closes or replaces at once every editor and Explorer entry he may not read', async () => {
    const deletedSeen: string[] = [];
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(env.uri(''), '**'));
    watcher.onDidDelete((u) => deletedSeen.push(u.toString()));
    try {
      // As alice: the Explorer shows Pricing's files, two editors are open, one with an unsaved edit.
      const prices = env.uri('modules/pricing/PriceLists.logic');
      const orders = env.uri('modules/order-api/actions/Orders.logic');
      await vscode.commands.executeCommand('revealInExplorer', env.uri('modules/pricing/tax/TaxRules.logic'));
      await vscode.commands.executeCommand('vscode.open', orders);
      await waitFor('Orders.logic', () => textTab(orders));
      await vscode.commands.executeCommand('vscode.open', prices);
      const editor = await waitFor('PriceLists.logic', () =>
        vscode.window.activeTextEditor?.document.uri.toString() === prices.toString() ? vscode.window.activeTextEditor : undefined,
      );
      await appendText(editor, '\n// an unsaved edit of alice\n');
      assert.ok(editor.document.isDirty);
      await sleep(500);
      await screenshot('before-switch-alice');

      const followed = new Promise((r) => api.onDidFollowAccess(r));
      // bob may not read PriceLists.logic: the unsaved edit is not dropped silently, a modal asks (point 2)
      const switching = vscode.commands.executeCommand('protectedModules.switchUser', 'bob');
      const dialog = await pageRequest<{ message: string }>({ kind: 'dialog', button: 'Discard' });
      assert.match(dialog.message, /PriceLists\.logic/);
      assert.equal(await switching, 'bob');
      await followed;
      // Pricing is hidden from bob: its editor is closed (not the denied view: hidden = missing), its text gone.
      await waitFor('the PriceLists.logic tab to close', () => !textTab(prices));
      assert.ok(!vscode.workspace.textDocuments.some((d) => d.uri.toString() === prices.toString() && d.isDirty), 'no unsaved text left');
      assert.ok(!api.getDeniedViews().some((v) => v.uri === prices.toString()), 'no denied view for a hidden module');
      // OrderAPI is at reference for bob: the denied view takes the editor's place.
      await waitFor('the denied view for Orders.logic', () => api.getDeniedViews().find((v) => v.uri === orders.toString() && v.state === 'denied'));
      await waitFor('the Orders.logic text tab to go', () => !textTab(orders));
      // The Explorer was told: every Pricing entry it showed is deleted.
      await waitFor(
        'Deleted events for pricing',
        () => deletedSeen.includes(env.uri('modules/pricing').toString()) && deletedSeen.includes(env.uri('modules/pricing/tax/TaxRules.logic').toString()),
      );
      assert.ok(!deletedSeen.some((u) => u.includes('/common/')), 'readable entries are not deleted');
      const root = await vscode.workspace.fs.readDirectory(env.uri('modules'));
      assert.ok(!root.some(([n]) => n === 'pricing'));
      // nothing left to save over: the file on disk is alice's, unchanged
      assert.doesNotMatch(env.disk('modules/pricing/PriceLists.logic'), /an unsaved edit of alice/);
      await sleep(800);
      await screenshot('after-switch-bob');
    } finally {
      watcher.dispose();
    }
  });

  test('bob: Go to File… offers only what he may read; the status bar has a plain accessible name', async () => {
    const listed = await api.request('protectedModules/listFiles', {});
    const paths = listed.files.map((f) => f.path);
    assert.ok(paths.includes('modules/order-api/INTERFACE.logic'));
    assert.ok(paths.includes('modules/order-portal/screens/NewOrder.logic'));
    assert.ok(!paths.some((p) => /pricing|reporting|order-api\/(actions|internal|structures)|environment\.json/.test(p)), paths.join(','));
    const a11y = api.getStatusBarAccessibility();
    assert.ok(a11y);
    assert.match(a11y.label, /^Protected Modules user: Bob Contractor \(bob\)\./);
    assert.doesNotMatch(a11y.label, /[*_`$]|\$\(/, 'no Markdown, no icon syntax');
    // and that is what the workbench gives a screen reader
    const dom = await waitFor("the status bar item's aria-label", async () => {
      const d = await pageRequest<{ label: string | null; role: string | null }>({ kind: 'aria', selector: STATUS_ITEM });
      return d.label === a11y.label ? d : undefined;
    });
    assert.equal(dom.role, 'button');
  });

  test('Open Module Path… reaches the denied view for a path bob may not read (README point 4)', async () => {
    await closeAllEditors();
    const target = env.uri('modules/order-api/internal/Discounts.logic');
    const opened = await vscode.commands.executeCommand<vscode.Uri>('protectedModules.openModulePath', 'modules/order-api/internal/Discounts.logic');
    assert.equal(opened?.toString(), target.toString());
    const view = await waitFor('the denied view', () => api.getDeniedViews().find((v) => v.uri === target.toString() && v.state === 'denied'));
    assert.equal(view.model?.module, 'OrderAPI');
    assert.equal(view.model?.access, 'reference');
    assert.ok(!view.html.includes('ComputeDiscount'), 'no private name in the page');
    await closeAllEditors();
  });

  test("one interface, one document: F12 and Show Interface open the Explorer's INTERFACE.logic", async () => {
    await closeAllEditors();
    const iface = env.uri('modules/order-api/INTERFACE.logic');
    const page = env.uri('modules/order-portal/screens/NewOrder.logic');
    const doc = await vscode.workspace.openTextDocument(page);
    await vscode.window.showTextDocument(doc);
    const at = doc.positionAt(doc.getText().indexOf('OrderAPI.CreateOrder(') + 'OrderAPI.Cr'.length);
    const defs = await waitFor('a definition', async () => {
      const d = await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[]>('vscode.executeDefinitionProvider', page, at);
      return d?.length ? d : undefined;
    });
    const target = 'targetUri' in defs[0]! ? defs[0].targetUri : defs[0]!.uri;
    assert.equal(target.toString(), iface.toString());
    const refs = await vscode.commands.executeCommand<vscode.Location[]>('vscode.executeReferenceProvider', page, at);
    assert.ok(
      refs.some((r) => r.uri.toString() === iface.toString()),
      refs.map((r) => r.uri.toString()).join(' '),
    );
    assert.ok(!refs.some((r) => r.uri.scheme === 'module-interface'));
    const editor = await vscode.commands.executeCommand<vscode.TextEditor>('protectedModules.showInterface', 'OrderAPI');
    assert.equal(editor?.document.uri.toString(), iface.toString());
    const tabs = allTabs().filter((t) => t.input instanceof vscode.TabInputText && /INTERFACE\.logic$|OrderAPI\.logic$/.test(t.input.uri.path));
    assert.equal(tabs.length, 1, 'one tab for the interface');
    assert.match((await api.getReadonlyReason(iface)) ?? '', /interface/i);
    await sleep(500);
    await screenshot('one-interface-document');
  });

  suiteTeardown(closeAllEditors);
});
