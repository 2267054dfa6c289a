/// <reference types="mocha" />
// @pm-user bob
// @pm-settings {"protectedModules.offerModuleWorkspace": false, "files.autoSave": "off", "protectedModules.trace.server": "off"}
// Issue 5, "Crashes": the language server killed (SIGKILL) — while idle, while a request is in
// flight, while it is still starting, many times in a row — is restarted by the client; an
// unsaved edit keeps its text and dirty state and reaches the restarted server; the crash is
// reported once, in plain words; past the restart limit one clear message says so.
// (Its own session: the last test leaves the server stopped for good.)
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ProtectedModulesApi } from '../../../client/extension';
import { sleep, waitFor } from './helpers';
import { appendText, diagnosticCode, diskText, modulesUri, openEditor, useProduct, waitForDiagnostics, waitForNewServer } from './client-helpers';

const PORTAL_FILE = 'modules/order-portal/logic/PortalHelpers.logic';
const EDIT = '\n\npublic server action Broken() {\n  var x = OrderAPI.NoSuchAction()\n}\n';
/** The client's restart limit (docs/DECISIONS.md, "The VS Code client"). */
const RESTART_LIMIT = 20;

/** Kills the running server and waits for its successor to be running; returns the new pid. */
async function killAndWaitForRestart(api: ProtectedModulesApi): Promise<number> {
  const pid = await waitFor('a running server', () => api.getServerPid(), 30000);
  process.kill(pid, 'SIGKILL');
  const next = await waitForNewServer(api, pid, 20);
  await api.ready();
  return next;
}

/** Messages that are not plain words: error codes, signals, stack traces, JSON-RPC jargon. */
function assertPlainWords(text: string): void {
  assert.doesNotMatch(text, /SIG[A-Z]+|exit code|\bcode\s*-?\d|stack|at \w+ \(|Pending response|connection got disposed|JSON-RPC|undefined|\[object/i, text);
}

suite('hardening: the language server crashes', function () {
  this.timeout(240000);
  const { api, editor } = useProduct(PORTAL_FILE, EDIT);

  suiteSetup(async () => {
    await waitForDiagnostics(editor.document.uri, 'the unsaved edit diagnosed', (d) => d.some((x) => diagnosticCode(x) === 'unknown-element'));
    assert.deepEqual(api.getServerMessages(), [], 'no message before any crash');
  });

  test('killed while idle: restarted, the crash reported once in plain words, the edit kept and re-sent', async () => {
    await killAndWaitForRestart(api);
    assert.equal(api.getServerRestarts(), 1);
    const shown = await waitFor('the crash report', () => (api.getServerMessages().length ? api.getServerMessages() : undefined));
    assert.equal(shown.length, 1, JSON.stringify(shown));
    assert.equal(shown[0]!.severity, 'warning');
    assert.match(shown[0]!.text, /stopped unexpectedly and was restarted/);
    assert.match(shown[0]!.text, /unsaved edits are kept/);
    assertPlainWords(shown[0]!.text);
    // the restarted server has the unsaved text (the diagnostic comes from the edit)
    await waitForDiagnostics(editor.document.uri, 'the diagnostic of the unsaved edit after the restart', (d) =>
      d.some((x) => diagnosticCode(x) === 'unknown-element'),
    );
    assert.equal(editor.document.isDirty, true);
    assert.ok(editor.document.getText().endsWith(EDIT));
    assert.ok(!diskText(PORTAL_FILE).includes('NoSuchAction'), 'nothing was saved');
  });

  test('an edit made while the server is down reaches the restarted server', async () => {
    const pid = api.getServerPid()!;
    process.kill(pid, 'SIGKILL');
    // edit at once, before the client has noticed or restarted
    await appendText(editor, '\npublic server action Broken2() {\n  var y = OrderAPI.AlsoMissing()\n}\n');
    await waitForNewServer(api, pid, 20);
    await api.ready();
    await waitForDiagnostics(
      editor.document.uri,
      'diagnostics for both unsaved edits',
      (d) => d.filter((x) => diagnosticCode(x) === 'unknown-element').length >= 2,
    );
    assert.equal(editor.document.isDirty, true);
    assert.ok(editor.document.getText().includes('AlsoMissing'));
    assert.ok(!diskText(PORTAL_FILE).includes('AlsoMissing'));
  });

  test('killed while requests are in flight: the custom requests still answer (retried after the restart)', async () => {
    const pid = api.getServerPid()!;
    const pending = [
      api.request('protectedModules/listModules', {}),
      api.request('protectedModules/whoami', {}),
      api.request('protectedModules/moduleInterface', { module: 'OrderAPI' }),
      api.request('protectedModules/readFile', { uri: modulesUri(PORTAL_FILE).toString() }),
    ] as const;
    process.kill(pid, 'SIGKILL');
    const [list, who, iface, file] = await Promise.all(pending);
    assert.ok(list.modules.some((m) => m.name === 'OrderAPI'));
    assert.equal(who.user, 'bob');
    assert.equal(iface.module, 'OrderAPI');
    assert.equal(file.text, diskText(PORTAL_FILE));
    // the file system (the workbench's own reads) works again
    const entries = await vscode.workspace.fs.readDirectory(modulesUri('modules/order-portal'));
    assert.ok(entries.length > 0);
  });

  test('killed while a hover is in flight: the next hover answers', async () => {
    const pid = api.getServerPid()!;
    const pos = editor.document.positionAt(editor.document.getText().indexOf('OrderAPI.NoSuchAction') + 2);
    const inFlight = Promise.resolve(vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, pos)).catch(() => []);
    process.kill(pid, 'SIGKILL');
    await inFlight; // may be empty: it was cut off
    await waitForNewServer(api, pid, 20);
    await api.ready();
    const hovers = await waitFor('a hover from the restarted server', async () => {
      const h = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, pos);
      return h.length ? h : undefined;
    });
    assert.ok(hovers.length > 0);
  });

  test('killed while it is still starting: it is restarted again, and nothing technical is shown', async () => {
    const pid = api.getServerPid()!;
    process.kill(pid, 'SIGKILL');
    // the successor, as soon as it exists (before it has answered `initialize`)
    const starting = await waitForNewServer(api, pid, 5);
    process.kill(starting, 'SIGKILL');
    const third = await waitFor(
      'a third server process',
      () => {
        const p = api.getServerPid();
        return p && p !== pid && p !== starting ? p : undefined;
      },
      30000,
      20,
    );
    assert.ok(third);
    await api.ready();
    const who = await api.request('protectedModules/whoami', {});
    assert.equal(who.user, 'bob');
    await waitForDiagnostics(editor.document.uri, 'diagnostics after a crash during start', (d) => d.some((x) => diagnosticCode(x) === 'unknown-element'));
    await sleep(500);
    const shown = api.getServerMessages();
    assert.equal(shown.length, 1, `still only the first report: ${JSON.stringify(shown)}`);
  });

  test('killed while a save is in flight: the save completes (once), the file is written and clean', async () => {
    const file = 'modules/order-portal/screens/MyOrders.logic';
    const other = await openEditor(modulesUri(file));
    const marker = `// saved across a crash ${Date.now()}\n`;
    assert.ok(await other.edit((b) => b.insert(new vscode.Position(0, 0), marker)));
    const pid = api.getServerPid()!;
    const saving = other.document.save();
    process.kill(pid, 'SIGKILL');
    const saved = await saving;
    assert.equal(saved, true, 'the save succeeded');
    assert.equal(other.document.isDirty, false);
    assert.ok(diskText(file).startsWith(marker), 'the text is on disk');
    assert.equal(diskText(file).split(marker).length, 2, 'written once');
    await api.ready();
    // the main editor is still dirty and its edit still reaches the server
    await vscode.window.showTextDocument(editor.document);
    assert.equal(editor.document.isDirty, true);
    await waitForDiagnostics(
      editor.document.uri,
      'diagnostics after the save crash',
      (d) => d.filter((x) => diagnosticCode(x) === 'unknown-element').length >= 2,
    );
  });

  test('a denied view open during a crash shows the denial again after the restart', async () => {
    const uri = modulesUri('modules/order-api/actions/Orders.logic');
    await vscode.commands.executeCommand('vscode.open', uri);
    await waitFor('the denied view', () => api.getDeniedViews().find((v) => v.uri === uri.toString() && v.state === 'denied'));
    await killAndWaitForRestart(api);
    await sleep(1000); // the restart fires didChangeAccess: the view renders again
    const view = await waitFor('the denied view after the restart', () =>
      api.getDeniedViews().find((v) => v.uri === uri.toString() && v.state === 'denied' && v.model?.elements !== undefined),
    );
    assert.equal(view.model!.module, 'OrderAPI');
    assert.ok(!api.getDeniedViews().some((v) => v.state === 'error'), 'no view shows an error');
    const items = await api.getModulesTreeItems();
    assert.ok(
      items.some((i) => i.label === 'OrderAPI'),
      'the Modules view lists again',
    );
    assert.ok(!JSON.stringify(items).includes('Could not'), 'the Modules view shows no error');
    await vscode.window.showTextDocument(editor.document);
  });

  test('files opened while the server is down: a readable one opens with its text, a protected one gets the denied view', async () => {
    const readable = 'modules/order-portal/screens/NewOrder.logic';
    const denied = modulesUri('modules/order-api/actions/Delivery.logic');
    const pid = api.getServerPid()!;
    process.kill(pid, 'SIGKILL');
    const opened = openEditor(modulesUri(readable));
    await vscode.commands.executeCommand('vscode.open', denied);
    const ed = await opened;
    assert.equal(ed.document.getText(), diskText(readable));
    const view = await waitFor('the denied view opened across the crash', () =>
      api.getDeniedViews().find((v) => v.uri === denied.toString() && v.state === 'denied'),
    );
    assert.equal(view.model!.module, 'OrderAPI');
    await api.ready();
    await vscode.window.showTextDocument(editor.document);
  });

  test('many crashes in a row: restarted each time up to the limit, then one clear message', async () => {
    while (api.getServerRestarts() < RESTART_LIMIT) {
      await killAndWaitForRestart(api);
    }
    assert.equal(api.getServerRestarts(), RESTART_LIMIT);
    assert.equal(api.getServerMessages().length, 1, JSON.stringify(api.getServerMessages()));
    // the server still works after RESTART_LIMIT restarts, and has the unsaved text
    await waitForDiagnostics(
      editor.document.uri,
      'diagnostics after many restarts',
      (d) => d.filter((x) => diagnosticCode(x) === 'unknown-element').length >= 2,
    );
    // one more crash: not restarted, one clear error
    const pid = api.getServerPid()!;
    process.kill(pid, 'SIGKILL');
    const shown = await waitFor('the give-up message', () => {
      const m = api.getServerMessages();
      return m.length >= 2 ? m : undefined;
    });
    await sleep(3000);
    assert.equal(api.getServerPid(), undefined, 'not restarted');
    const after = api.getServerMessages();
    assert.equal(after.length, 2, JSON.stringify(after));
    assert.equal(after[1]!.severity, 'error');
    assert.match(after[1]!.text, /keeps stopping; it will not be restarted/);
    assert.match(after[1]!.text, /Reload Window/);
    assertPlainWords(after[1]!.text);
    assert.equal(shown[0]!.severity, 'warning');
    // the unsaved edit is still there
    assert.equal(editor.document.isDirty, true);
    assert.ok(editor.document.getText().includes('AlsoMissing'));
    // saving now fails (nothing can check the write) but keeps the edit in its editor
    await vscode.window.showTextDocument(editor.document);
    const saved = await editor.document.save();
    assert.equal(saved, false, 'the save is refused');
    assert.equal(editor.document.isDirty, true);
    assert.ok(editor.document.getText().includes('AlsoMissing'));
    assert.ok(!diskText(PORTAL_FILE).includes('AlsoMissing'));
    // requests fail with plain words
    await assert.rejects(Promise.resolve(api.request('protectedModules/whoami', {})), /is stopped .*Reload Window/);
    assert.equal(api.getServerMessages().length, 2, 'no further message');
  });

  // No teardown: with the server stopped for good, reverting the unsaved edit cannot read the file
  // back; the session ends with this suite.
});
