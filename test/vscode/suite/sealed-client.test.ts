/// <reference types="mocha" />
// @pm-user gina
// @pm-workspace test/fixtures/sealed-client
// @pm-settings {"protectedModules.offerModuleWorkspace": false, "editor.wordBasedSuggestions": "off"}
// Issue 11 (SPEC 9) in a real VS Code, as gina, the admin of the client environment: OrderAPI is a
// sealed module (test/fixtures/sealed-client, installed by `protected-modules install`). The
// Modules view marks it "sealed by acme" at reference; hover names the publisher; opening any of
// its files shows the denied view, which says the source is not in this environment.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ProtectedModulesApi } from '../../../client/extension';
import { screenshot, sleep, waitFor } from './helpers';
import { closeAllEditors, hoverText, modulesUri, openEditor, positionAfter, productApi } from './client-helpers';

suite('a sealed module, as the admin of the receiving environment', function () {
  this.timeout(120000);
  let api: ProtectedModulesApi;

  suiteSetup(async () => {
    api = await productApi();
    await api.ready();
  });

  test('the Modules view marks OrderAPI sealed by acme, at reference', async () => {
    await api.revealModules();
    const orderApi = await waitFor('OrderAPI in the Modules view', async () => {
      const items = await api.getModulesTreeItems();
      const all = items.flatMap((i) => [i, ...(i.children ?? [])]);
      return all.find((i) => i.label === 'OrderAPI');
    });
    assert.equal(orderApi.description, '1.4.0 · service · reference · sealed by acme');
    assert.equal(orderApi.icon, 'verified-filled');
    assert.match((orderApi.tooltip ?? '').replace(/&nbsp;/g, ' '), /Sealed by acme: its source is not in this environment/);
    const names = (orderApi.children ?? []).map((c) => c.label);
    assert.ok(names.includes('QuoteOrder') && names.includes('OrderLine'), names.join(','));
    await screenshot('modules-view-sealed');
  });

  test('hover on a call into OrderAPI says who seals it', async () => {
    await closeAllEditors();
    const editor = await openEditor(modulesUri('modules/storefront/Basket.logic'));
    const pos = positionAfter(editor.document, 'OrderAPI.Quote');
    const text = await waitFor('a hover', async () => {
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, pos);
      const t = hoverText(hovers);
      return t.includes('QuoteOrder') ? t : undefined;
    });
    assert.match(text, /sealed by acme/);
    assert.match(text, /your access: reference/);
  });

  test('opening a file of the sealed module shows the denied view: not in this environment, published by acme', async () => {
    await closeAllEditors();
    const uri = modulesUri('modules/order-api/sources.age');
    await vscode.commands.executeCommand('vscode.open', uri);
    const view = await waitFor('the denied view', () => api.getDeniedViews().find((v) => v.uri === uri.toString() && v.state === 'denied'));
    assert.deepEqual(view.model?.sealed, { publisher: 'acme' });
    assert.equal(view.model?.access, 'reference');
    assert.match(view.html, /The source of OrderAPI is not in this environment: it is a sealed module, published by <b>acme<\/b>/);
    assert.doesNotMatch(view.html, /copyRequest/, 'no access request: nobody can grant it');
    assert.match(view.html, /id="showInterface"/);
    await sleep(500);
    await screenshot('denied-view-sealed');
  });
});
