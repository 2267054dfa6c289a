/// <reference types="mocha" />
// @pm-user bob
// @pm-host bob alice
// @pm-window2 alice host-requests-alice
// @pm-settings {"protectedModules.offerModuleWorkspace": false}
// Issue 14 acceptance 2 (SPEC 8), in two real VS Code windows connected to one real host
// (`protected-modules serve`): this window is bob's; alice's window (its own code-server, her own
// token) runs host-requests-alice.window.ts. Bob clicks **Request Access…** in OrderAPI's
// permission-denied view (a real click in the webview, the level chosen and the reason typed into
// VS Code's quick input by the launcher's keyboard); alice sees the request in her Access Requests
// view (badge), clicks its inline **Approve** and the dialog's **Grant**; bob's denied view turns
// into the source without being reopened. Then a declined request on Reporting shows alice's note.
// The two windows coordinate through the launcher's `peer` folder (window-helpers.ts).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { pageRequest, screenshot, waitFor } from './helpers';
import { allTabs, closeAllEditors, useProduct } from './client-helpers';
import { hostUri, signal, ui, waitForSignal } from './window-helpers';

const ORDERAPI_FILE = 'modules/order-api/actions/Orders.logic';
const REPORTING_FILE = 'modules/reporting/data/Aggregates.logic';
const REASON = 'Our portal gets REJECTED from CreateOrder; I need to read why.';

interface AxeItem {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string }[];
}

/** axe-core in the real webview of the page titled like `html`'s `<title>`: its serious or critical violations. */
async function severeAxeViolations(html: string): Promise<string[]> {
  const title = /<title>([^<]*)<\/title>/.exec(html)?.[1];
  if (!title) throw new Error('the page has no title');
  const r = await pageRequest<{ violations: AxeItem[] }>({ kind: 'axe', title });
  return r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(', ')})`);
}

suite('issue 14: bob asks for access, alice approves in her window (two VS Code windows, one host)', function () {
  this.timeout(240000);
  const { api } = useProduct();
  const uri = () => hostUri(ORDERAPI_FILE);
  const deniedView = (u: vscode.Uri) => api.getDeniedViews().find((v) => v.uri === u.toString());

  test('connected as bob: the denied view offers Request Access… instead of Copy Access Request', async () => {
    const who = await api.request('protectedModules/whoami', {});
    assert.equal(who.user, 'bob');
    assert.equal(who.authenticated, true);
    await vscode.commands.executeCommand('vscode.open', uri());
    const view = await waitFor('the denied view with requests', () => {
      const v = deniedView(uri());
      return v?.state === 'denied' && v.model?.requests ? v : undefined;
    });
    assert.equal(view.model?.access, 'reference');
    assert.equal(view.model?.requests?.latest, undefined, 'no request yet');
    assert.match(view.html, /<button data-action="requestAccess" id="requestAccess">Request Access…<\/button>/);
    assert.doesNotMatch(view.html, /copyRequest/);
    assert.deepEqual(await severeAxeViolations(view.html), [], 'axe-core: the page with Request Access…');
    await screenshot('denied-view-request-access');
  });

  test('Request Access…: a real click, the needed level pre-selected, a reason typed; the view then shows the open request', async () => {
    const outcome = new Promise<{ uri: string; sent: boolean }>((resolve) => {
      const sub = api.onDidRequestAccess((e) => {
        sub.dispose();
        resolve(e);
      });
    });
    await waitForSignal('ready', 200000); // alice's window is up, her view loaded (empty)
    await ui({ action: 'click', selector: 'button#requestAccess' });
    // The level quick pick: levels above bob's (reference); `open` (what the file needs) is active.
    const title = '.quick-input-widget .quick-input-title:has-text("Request Access to OrderAPI")';
    const active = await ui({ action: 'read', selector: '.quick-input-widget .quick-input-list .monaco-list-row.focused', timeoutMs: 20000 });
    const rows = await ui({ action: 'read', selector: '.quick-input-widget .quick-input-list', timeoutMs: 20000 });
    assert.match(active ?? '', /^open/, `the active level: ${active}`);
    assert.match(rows ?? '', /open[\s\S]*change[\s\S]*full/);
    assert.doesNotMatch(rows ?? '', /\breference\b|\blist\b/, 'nothing at or below the current level');
    await screenshot('request-level');
    await ui({ action: 'press', key: 'Enter', waitFor: title });
    // The reason: an empty one is refused by the input box's validation, then typed.
    const reasonTitle = '.quick-input-widget .quick-input-title:has-text("Request open access to OrderAPI")';
    await ui({ action: 'press', key: 'Enter', waitFor: reasonTitle });
    const validation = await ui({ action: 'read', selector: '.quick-input-widget .quick-input-message', timeoutMs: 20000 });
    assert.match(validation ?? '', /Say why you need this access/);
    await ui({ action: 'type', text: REASON, waitFor: reasonTitle });
    await screenshot('request-reason');
    await ui({ action: 'press', key: 'Enter' });
    assert.deepEqual(await outcome, { uri: uri().toString(), sent: true });
    const view = await waitFor('the open request in the denied view', () => {
      const v = deniedView(uri());
      return v?.model?.requests?.latest?.state === 'open' ? v : undefined;
    });
    assert.equal(view.state, 'denied');
    assert.equal(view.model?.requests?.latest?.access, 'open');
    assert.match(view.html, /id="request" role="status" data-state="open"><b>Your access request: open\.<\/b> You asked for open access just now/);
    assert.doesNotMatch(view.html, /id="requestAccess"/, 'no second request offered');
    // what the webview really shows (read from its frame by the launcher)
    assert.match((await ui({ action: 'read', selector: '#request[data-state="open"]' })) ?? '', /^Your access request: open\. You asked for open access/);
    assert.deepEqual(await severeAxeViolations(view.html), [], 'axe-core: the page with the open request');
    const list = await api.request('protectedModules/listAccessRequests', {});
    const mine = list.requests.filter((r) => r.user === 'bob' && r.module === 'OrderAPI');
    assert.equal(mine.length, 1);
    assert.deepEqual({ state: mine[0]!.state, access: mine[0]!.access, reason: mine[0]!.reason }, { state: 'open', access: 'open', reason: REASON });
    await screenshot('request-open');
    signal('requested', { id: mine[0]!.id });
  });

  test('asking twice is not offered; the host refuses a second request with AccessRequestOpen', async () => {
    const outcome = await vscode.commands.executeCommand<{ sent: boolean; why?: string }>('protectedModules.requestAccess', 'OrderAPI', {
      access: 'change',
      reason: 'again',
    });
    assert.deepEqual({ sent: outcome.sent, why: outcome.why }, { sent: false, why: 'already-open' });
    await assert.rejects(
      api.request('protectedModules/requestAccess', { module: 'OrderAPI', access: 'change', reason: 'again' }),
      (e: { code?: number; data?: { access?: string } }) => {
        assert.equal(e.code, -32006);
        assert.equal(e.data?.access, 'open');
        return true;
      },
    );
  });

  test("alice approves in her window: bob's denied view turns into the source without reopening", async () => {
    const panelTabs = () => allTabs().filter((t) => t.input instanceof vscode.TabInputCustom && t.input.uri.toString() === uri().toString());
    assert.equal(panelTabs().length, 1, 'the denied view is open');
    await waitForSignal('approved', 200000);
    // Nothing is done on this side: the host's didChangeAccess turns the view into the file.
    const doc = await waitFor(
      'the source in place of the denied view',
      () => {
        const text = allTabs().some((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === uri().toString());
        const d = vscode.workspace.textDocuments.find((x) => x.uri.toString() === uri().toString());
        return text && d && panelTabs().length === 0 ? d : undefined;
      },
      60000,
    );
    const served = await api.request('protectedModules/readFile', { uri: uri().toString() });
    assert.equal(doc.getText(), served.text);
    assert.match(doc.getText(), /server action/);
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), uri().toString(), 'the source is where the view was, focused');
    const access = await api.request('protectedModules/access', { uri: uri().toString() });
    assert.deepEqual({ canRead: access.canRead, access: access.access }, { canRead: true, access: 'open' });
    const list = await api.request('protectedModules/listAccessRequests', {});
    const r = list.requests.find((x) => x.user === 'bob' && x.module === 'OrderAPI');
    assert.deepEqual({ state: r?.state, decidedBy: r?.decidedBy }, { state: 'granted', decidedBy: 'alice' });
    await screenshot('source-after-approval');
  });

  test("a declined request shows alice's note in the denied view, and Request Access… again", async () => {
    await closeAllEditors();
    const rep = hostUri(REPORTING_FILE);
    await vscode.commands.executeCommand('vscode.open', rep);
    await waitFor('the Reporting denied view', () => (deniedView(rep)?.model?.requests ? true : undefined));
    const outcome = await vscode.commands.executeCommand<{ sent: boolean; id?: string }>('protectedModules.requestAccess', 'Reporting', {
      access: 'reference',
      reason: 'to show sales figures in the portal',
    });
    assert.equal(outcome.sent, true);
    await waitFor('the open Reporting request', () => (deniedView(rep)?.model?.requests?.latest?.state === 'open' ? true : undefined));
    signal('requested-reporting', { id: outcome.id });
    const view = await waitFor(
      'the declined state',
      () => {
        const v = deniedView(rep);
        return v?.model?.requests?.latest?.state === 'declined' ? v : undefined;
      },
      200000,
    );
    assert.match(view.html, /data-state="declined"/);
    assert.match(view.html, /alice declined it just now\. Note: “Use the SalesSummary interface instead\.”/);
    assert.match(view.html, /id="requestAccess"/, 'a declined request may be asked again');
    assert.match((await ui({ action: 'read', selector: '#request[data-state="declined"]' })) ?? '', /Use the SalesSummary interface instead\./);
    assert.deepEqual(await severeAxeViolations(view.html), [], 'axe-core: the page with the declined request');
    await screenshot('request-declined');
  });
});
