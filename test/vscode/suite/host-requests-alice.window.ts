/// <reference types="mocha" />
// Issue 14 acceptance 2: alice's window of host-requests.test.ts (`@pm-window2 alice
// host-requests-alice`): her own code-server connected to the same host with her token. She waits
// for bob's request, sees it in the Access Requests view (badge, requester, module, level, reason,
// age), clicks the row's inline **Approve** and the dialog's **Grant** (real clicks by the
// launcher); then clicks **Decline** on bob's Reporting request and types a note.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ProtectedModulesApi } from '../../../client/extension';
import type { RequestsTreeSnapshot } from '../../../client/accessRequestsView';
import { screenshot, waitFor } from './helpers';
import { productApi } from './client-helpers';
import { signal, ui, waitForSignal } from './window-helpers';

const group = (items: RequestsTreeSnapshot[], label: string) => items.find((i) => i.label === label)?.children ?? [];

suite("issue 14: alice's window decides bob's requests", function () {
  this.timeout(240000);
  let api: ProtectedModulesApi;

  suiteSetup(async () => {
    api = await productApi();
  });

  test('connected as alice; the Access Requests view is there, with nothing to decide', async () => {
    const who = await api.request('protectedModules/whoami', {});
    assert.equal(who.user, 'alice');
    assert.equal(who.authenticated, true);
    await vscode.commands.executeCommand('protectedModules.accessRequests.focus');
    const v = await waitFor('the view', async () => {
      const s = await api.getAccessRequestsView();
      return s.visible ? s : undefined;
    });
    assert.equal(v.badge, undefined);
    assert.equal(v.items[0]?.label, 'No access requests. Requests for modules you own or administer appear here.');
    await screenshot('access-requests-empty');
    // bob asks only now: what arrives next reaches this view through the host's notification
    signal('ready');
  });

  test("bob's request arrives by itself (didChangeAccessRequests): badge 1, requester, module, level, reason, age", async () => {
    const { id } = await waitForSignal<{ id: string }>('requested', 200000);
    // no refresh asked here: the host's notification refreshes the view
    const view = await waitFor(
      'the badge',
      async () => {
        const s = await api.getAccessRequestsView();
        return s.badge === 1 ? s : undefined;
      },
      30000,
    );
    const open = group(view.items, 'Open requests');
    assert.equal(open.length, 1);
    assert.equal(open[0]!.id, id);
    assert.equal(open[0]!.label, 'bob → open on OrderAPI');
    assert.match(open[0]!.description ?? '', /^“Our portal gets REJECTED from CreateOrder; I need to read why\.” · (just now|1 minute ago)$/);
    assert.equal(open[0]!.contextValue, 'accessRequest:open');
    assert.match(open[0]!.accessibleLabel ?? '', /^bob requests open access to OrderAPI/);
    await vscode.commands.executeCommand('protectedModules.accessRequests.focus');
    await screenshot('access-requests-badge');
  });

  test('Approve (inline, a real click) asks "Grant bob open on OrderAPI?"; Grant applies it', async () => {
    const row = '.monaco-list-row[aria-label^="bob requests open access to OrderAPI"]';
    await ui({ action: 'click', hover: row, selector: `${row} .action-label[aria-label^="Approve"]` });
    const message = await ui({ action: 'read', selector: '.monaco-dialog-box .dialog-message-text' });
    assert.equal(message?.trim(), 'Grant bob open on OrderAPI?');
    const detail = await ui({ action: 'read', selector: '.monaco-dialog-box .dialog-message-detail' });
    assert.match(detail ?? '', /user:bob → open on OrderAPI/);
    await screenshot('approve-confirmation');
    const explorerRefreshed = new Promise<{ restored: boolean }>((resolve) => {
      const sub = api.onDidRefreshExplorer((e) => {
        sub.dispose();
        resolve(e);
      });
    });
    await ui({ action: 'click', selector: '.monaco-dialog-box .dialog-buttons .monaco-button:has-text("Grant")' });
    const view = await waitFor(
      'the request decided',
      async () => {
        const s = await api.getAccessRequestsView();
        return s.badge === undefined && group(s.items, 'Decided').length === 1 ? s : undefined;
      },
      30000,
    );
    const decided = group(view.items, 'Decided')[0]!;
    assert.equal(decided.label, 'bob → open on OrderAPI');
    assert.equal(decided.description, 'granted by alice · just now');
    // the grant is in the policy (alice is an admin: she may read environment.json)
    const env = await api.request('protectedModules/readFile', {
      uri: vscode.Uri.from({ scheme: 'modules', authority: (await api.environments())[0]!.name, path: '/environment.json' }).toString(),
    });
    assert.match(env.text, /"module": "OrderAPI",\s*"to": "user:bob",\s*"access": "open"/);
    assert.match(env.text, /^\/\/ The access policy of the Acme development environment/, 'comments kept');
    // the policy change refreshes the Explorer (issue 13), which must not take alice out of this view
    assert.deepEqual(await explorerRefreshed, { restored: true });
    await waitFor('alice still in the Access Requests view', async () => (await api.getAccessRequestsView()).visible, 20000);
    await screenshot('approved');
    signal('approved');
  });

  test("Decline (inline, a real click) asks for a note; bob's Reporting request is declined with it", async () => {
    const { id } = await waitForSignal<{ id: string }>('requested-reporting', 200000);
    await waitFor('the Reporting request', async () => ((await api.getAccessRequestsView()).badge === 1 ? true : undefined), 30000);
    assert.equal(await vscode.commands.executeCommand('protectedModules.declineAccessRequest', id, '   '), false, 'an empty note is refused');
    await vscode.commands.executeCommand('protectedModules.accessRequests.focus');
    const row = '.monaco-list-row[aria-label^="bob requests reference access to Reporting"]';
    await ui({ action: 'click', hover: row, selector: `${row} .action-label[aria-label^="Decline"]` });
    const title = '.quick-input-widget .quick-input-title:has-text("Decline: bob → reference on Reporting")';
    await ui({ action: 'press', key: 'Enter', waitFor: title }); // an empty note: refused, the box stays
    assert.match((await ui({ action: 'read', selector: '.quick-input-widget .quick-input-message' })) ?? '', /Write a note for the requester/);
    await ui({ action: 'type', text: 'Use the SalesSummary interface instead.', waitFor: title });
    await screenshot('decline-note');
    await ui({ action: 'press', key: 'Enter' });
    const s = await waitFor(
      'the request declined',
      async () => {
        const v = await api.getAccessRequestsView();
        return v.badge === undefined ? v : undefined;
      },
      30000,
    );
    assert.equal(s.badge, undefined);
    assert.ok(group(s.items, 'Decided').some((i) => i.label === 'bob → reference on Reporting' && i.description === 'declined by alice · just now'));
  });
});
