/// <reference types="mocha" />
// @pm-user alice
// @pm-open modules
// @pm-settings {"protectedModules.offerModuleWorkspace": false, "workbench.editor.enablePreview": false, "files.autoSave": "off"}
// Issue 13 point 2 (leftover): Switch User… / Preview as User… with unsaved changes the new user
// may not read asks with a modal, as VS Code does when closing a dirty editor — Save (saved as
// the current user, then switched), Discard (reverted, then switched), Cancel (the current user
// stays, the edit stays editable). The modal's buttons are clicked in the browser by the launcher.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { FollowResult } from '../../../client/followAccess';
import { pageRequest, setUser, waitFor } from './helpers';
import { appendText, closeAllEditors, environmentFiles, textTab, useProduct, type EnvironmentFiles } from './client-helpers';

interface DialogAnswer {
  message: string;
  detail: string;
  buttons: string[];
}

const ORDERS = 'modules/order-api/actions/Orders.logic'; // bob: reference (the denied view)
const PRICES = 'modules/pricing/PriceLists.logic'; // bob: none (hidden)
const PORTAL = 'modules/order-portal/screens/MyOrders.logic'; // bob: change
const MONEY = 'modules/common/money/Money.logic'; // bob: open (read-only)

suite('editor: switching user with unsaved changes', function () {
  this.timeout(120000);
  const { api } = useProduct();
  let env: EnvironmentFiles;
  const userSetting = () => vscode.workspace.getConfiguration('protectedModules').get<string>('user');

  async function whoami(): Promise<string | null> {
    return (await api.request('protectedModules/whoami', {})).user;
  }

  async function asAlice(): Promise<void> {
    await closeAllEditors();
    if (userSetting() !== 'alice') assert.equal(await vscode.commands.executeCommand('protectedModules.switchUser', 'alice'), 'alice');
    await waitFor('alice', async () => (await whoami()) === 'alice');
  }

  async function editAsAlice(path: string, text: string): Promise<vscode.TextEditor> {
    await vscode.commands.executeCommand('vscode.open', env.uri(path));
    const editor = await waitFor(path, () =>
      vscode.window.activeTextEditor?.document.uri.toString() === env.uri(path).toString() ? vscode.window.activeTextEditor : undefined,
    );
    await appendText(editor, text);
    assert.ok(editor.document.isDirty);
    return editor;
  }

  /** Starts Switch User… to bob; the promise settles once the modal is answered. */
  function switchToBob(): Thenable<string | undefined> {
    return vscode.commands.executeCommand<string | undefined>('protectedModules.switchUser', 'bob');
  }

  suiteSetup(() => {
    env = environmentFiles(api.environments()[0]!);
  });

  setup(asAlice);

  test('Cancel keeps alice, and her edit stays in its editor, editable', async () => {
    const before = env.disk(ORDERS);
    const editor = await editAsAlice(ORDERS, '\n// kept by Cancel\n');
    const switching = switchToBob();
    const dialog = await pageRequest<DialogAnswer>({ kind: 'dialog', button: 'Cancel', screenshot: 'switch-unsaved-modal' });
    assert.match(dialog.message, /save the changes you made to Orders\.logic before switching to bob/);
    assert.match(dialog.detail, /bob may not read this file/);
    for (const b of ['Save', 'Discard', 'Cancel']) assert.ok(dialog.buttons.includes(b), `button ${b}: ${dialog.buttons.join(', ')}`);
    assert.equal(await switching, undefined);
    assert.equal(userSetting(), 'alice');
    assert.equal(await whoami(), 'alice');
    assert.ok(textTab(env.uri(ORDERS)), 'the editor is still open');
    assert.ok(editor.document.isDirty);
    assert.match(editor.document.getText(), /kept by Cancel/);
    assert.ok(await editor.edit((b) => b.insert(new vscode.Position(0, 0), '// still editable\n')), 'still editable');
    assert.equal(env.disk(ORDERS), before, 'nothing saved');
  });

  test("Discard reverts the edit, then switches: the denied view takes the editor's place", async () => {
    const before = env.disk(ORDERS);
    await editAsAlice(ORDERS, '\n// dropped by Discard\n');
    const switching = switchToBob();
    const dialog = await pageRequest<DialogAnswer>({ kind: 'dialog', button: 'Discard' });
    assert.match(dialog.message, /Orders\.logic/);
    assert.equal(await switching, 'bob');
    assert.equal(await whoami(), 'bob');
    await waitFor('the denied view', () => api.getDeniedViews().find((v) => v.uri === env.uri(ORDERS).toString() && v.state === 'denied'));
    await waitFor('the text tab to go', () => !textTab(env.uri(ORDERS)));
    assert.ok(!vscode.workspace.textDocuments.some((d) => d.uri.toString() === env.uri(ORDERS).toString() && d.isDirty), 'no unsaved text left');
    assert.equal(env.disk(ORDERS), before);
  });

  test('Save saves every such file as alice, then switches', async () => {
    await editAsAlice(ORDERS, '\n// saved before the switch\n');
    await editAsAlice(PRICES, '\n// saved before the switch too\n');
    const switching = switchToBob();
    const dialog = await pageRequest<DialogAnswer>({ kind: 'dialog', button: 'Save' });
    assert.match(dialog.message, /the changes you made to 2 files before switching to bob/);
    assert.match(dialog.detail, /Orders\.logic/);
    assert.match(dialog.detail, /PriceLists\.logic/);
    assert.equal(await switching, 'bob');
    assert.match(env.disk(ORDERS), /\/\/ saved before the switch\n$/);
    assert.match(env.disk(PRICES), /\/\/ saved before the switch too\n$/);
    assert.equal(await whoami(), 'bob');
    await waitFor('the Orders.logic text tab to go', () => !textTab(env.uri(ORDERS)));
    await waitFor('the PriceLists.logic tab to close', () => !textTab(env.uri(PRICES)));
    assert.ok(!vscode.workspace.textDocuments.some((d) => d.isDirty), 'no unsaved text left');
  });

  test('an unsaved edit bob may read is not asked about: it stays, editable', async () => {
    const editor = await editAsAlice(PORTAL, '\n// bob may change this\n');
    let done = false;
    const switching = Promise.resolve(switchToBob()).finally(() => {
      done = true;
    });
    // No modal: the switch finishes by itself (a modal would keep it waiting for an answer).
    await waitFor('the switch to finish without a modal', () => done, 30000);
    assert.equal(await switching, 'bob');
    assert.ok(textTab(env.uri(PORTAL)));
    assert.ok(editor.document.isDirty);
    assert.match(editor.document.getText(), /bob may change this/);
    assert.ok(await editor.edit((b) => b.insert(new vscode.Position(0, 0), '// typed as bob\n')));
    assert.ok(await editor.document.save(), 'bob saves it');
    assert.match(env.disk(PORTAL), /^\/\/ typed as bob\n[\s\S]*bob may change this/);
  });

  test('an unsaved edit bob may read but not change is asked about too (it would turn read-only and unsaveable): Save saves it as alice', async () => {
    await editAsAlice(MONEY, '\n// saved before bob makes it read-only\n');
    const switching = switchToBob();
    const dialog = await pageRequest<DialogAnswer>({ kind: 'dialog', button: 'Save' });
    assert.match(dialog.message, /save the changes you made to Money\.logic before switching to bob/);
    assert.match(dialog.detail, /bob may read but not change this file/);
    assert.match(dialog.detail, /cannot be saved/);
    assert.equal(await switching, 'bob');
    assert.match(env.disk(MONEY), /\/\/ saved before bob makes it read-only\n$/);
    assert.ok(!vscode.workspace.textDocuments.some((d) => d.isDirty), 'no unsaved text left');
  });

  test('access changed another way (the setting edited by hand): the dropped edit is named in a warning, not lost silently', async () => {
    const before = env.disk(ORDERS);
    await editAsAlice(ORDERS, '\n// dropped when the setting changes\n');
    const followed = new Promise<FollowResult>((r) => {
      const sub = api.onDidFollowAccess((f) => {
        if (f.denied.includes(env.uri(ORDERS).toString())) {
          sub.dispose();
          r(f);
        }
      });
    });
    await setUser('bob');
    const f = await followed;
    assert.deepEqual(f.discarded, [env.uri(ORDERS).toString()]);
    const toast = await waitFor('the warning', async () => {
      const a = await pageRequest<{ text: string }>({
        kind: 'aria',
        selector: '.notification-toast:has-text("Unsaved changes to Orders.logic were discarded")',
      });
      return a.text ? a : undefined;
    });
    assert.match(toast.text, /your access changed and you may no longer read this file/);
    assert.equal(env.disk(ORDERS), before);
    await waitFor('the text tab to go', () => !textTab(env.uri(ORDERS)));
  });

  suiteTeardown(closeAllEditors);
});
