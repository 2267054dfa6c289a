/// <reference types="mocha" />
// @pm-user bob
// @pm-settings {"protectedModules.offerModuleWorkspace": false, "editor.wordBasedSuggestions": "off", "files.autoSave": "off"}
// Issue 5, "Leak test, everywhere" — the client side, on examples/acme as bob (OrderAPI:
// reference, Reporting: list, Pricing: none, Common: open, OrderPortal: change). The private
// names of OrderAPI and its private doc texts, everything of Pricing (its name included) and of
// Reporting's sources are collected by parsing the sources in the test; none may appear in the
// Modules view (items, descriptions, tooltips), the denied views' HTML, the status bar, the
// read-only CodeLens and reason, or the interface document shown from the denied view.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse as parseJsonc } from 'jsonc-parser';
import { parse } from '../../../shared/language/parser';
import { sleep, waitFor, workspaceRoot } from './helpers';
import { closeAllEditors, modulesUri, openEditor, useProduct } from './client-helpers';
import { webviewProblems } from './hardening-checks';

const ORDERAPI_FILE = 'modules/order-api/actions/Orders.logic';
const ORDERAPI_PRIVATE_FILE = 'modules/order-api/internal/Discounts.logic';
const REPORTING_FILE = 'modules/reporting/screens/SalesDashboard.logic';
const COMMON_FILE = 'modules/common/Address.logic';

function logicFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? logicFiles(join(dir, e.name)) : e.name.endsWith('.logic') ? [join(dir, e.name)] : [],
  );
}

/** What bob must never see, collected from the sources: names (whole words) and doc texts. */
function secrets(): { names: Set<string>; texts: Set<string> } {
  const root = workspaceRoot().fsPath;
  const names = new Set<string>(['Pricing']);
  const texts = new Set<string>();
  const addDoc = (doc: { text: string } | undefined) => {
    for (const line of (doc?.text ?? '').split('\n').map((l) => l.trim())) if (line.length >= 25) texts.add(line);
  };
  // OrderAPI: private elements (names, fields, docs) and every file name
  for (const f of logicFiles(join(root, 'modules', 'order-api'))) {
    names.add(basename(f));
    for (const d of parse(readFileSync(f, 'utf8')).declarations) {
      if (d.isPublic) continue;
      names.add(d.name.name);
      addDoc(d.doc);
      if (d.kind === 'Structure') for (const field of d.fields) addDoc(field.doc);
    }
  }
  // Pricing (none) and Reporting (list): every element, public or not, and every file name
  for (const mod of ['pricing', 'reporting']) {
    for (const f of logicFiles(join(root, 'modules', mod))) {
      names.add(basename(f));
      for (const d of parse(readFileSync(f, 'utf8')).declarations) {
        names.add(d.name.name);
        addDoc(d.doc);
      }
    }
  }
  names.add((parseJsonc(readFileSync(join(root, 'modules', 'pricing', 'module.json'), 'utf8')) as { description: string }).description);
  return { names, texts };
}

suite('hardening: leak test of the client views (bob on acme)', function () {
  this.timeout(120000);
  const { api } = useProduct();
  let secret: { names: Set<string>; texts: Set<string> };
  /** Names bob legitimately sees elsewhere (public in OrderAPI, in modules he may open). */
  let allowed = '';
  const shown: { where: string; text: string }[] = [];

  suiteSetup(async () => {
    secret = secrets();
    const iface = await api.request('protectedModules/moduleInterface', { module: 'OrderAPI' });
    allowed = iface.text;
    const root = workspaceRoot().fsPath;
    for (const mod of ['common', 'order-portal']) for (const f of logicFiles(join(root, 'modules', mod))) allowed += '\n' + readFileSync(f, 'utf8');
    // a private name also used publicly (e.g. a Common element of the same name) is not a secret
    for (const n of [...secret.names]) if (n !== 'Pricing' && new RegExp(`\\b${n.replace(/\./g, '\\.')}\\b`).test(allowed)) secret.names.delete(n);
    assert.ok(secret.names.size > 15, `secrets collected: ${[...secret.names]}`);
    assert.ok(secret.texts.size > 3, `secret texts collected: ${[...secret.texts]}`);
  });

  test('the Modules view (items, descriptions, tooltips), expanded', async () => {
    await api.revealModules();
    const items = await api.getModulesTreeItems();
    const text = JSON.stringify(items);
    assert.match(text, /OrderAPI/);
    assert.match(text, /CreateOrder/);
    assert.match(text, /Reporting/);
    shown.push({ where: 'Modules view', text });
  });

  test('the denied view of an OrderAPI source and of a private OrderAPI file', async () => {
    for (const path of [ORDERAPI_FILE, ORDERAPI_PRIVATE_FILE]) {
      const uri = modulesUri(path);
      await vscode.commands.executeCommand('vscode.open', uri);
      const view = await waitFor(`the denied view of ${path}`, () =>
        api.getDeniedViews().find((v) => v.uri === uri.toString() && v.state === 'denied' && v.model?.elements !== undefined),
      );
      assert.deepEqual(webviewProblems(view.html), []);
      // the path bob opened is his own input; the rest of the page is checked
      shown.push({ where: `denied view of ${path}`, text: view.html.split(path).join('') });
    }
    await closeAllEditors();
  });

  test('the denied view of a Reporting file (list)', async () => {
    const uri = modulesUri(REPORTING_FILE);
    await vscode.commands.executeCommand('vscode.open', uri);
    const view = await waitFor('the denied view at list', () =>
      api.getDeniedViews().find((v) => v.uri === uri.toString() && v.state === 'denied' && v.model?.description !== undefined),
    );
    assert.equal(view.model!.elements, undefined);
    shown.push({ where: 'denied view of Reporting', text: view.html.split(REPORTING_FILE).join('') });
    await closeAllEditors();
  });

  test("the interface document the denied view's Show Interface opens", async () => {
    await vscode.commands.executeCommand('protectedModules.showInterface', 'OrderAPI');
    const doc = await waitFor('the interface document', () =>
      vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'module-interface' && d.uri.path.includes('OrderAPI')),
    );
    shown.push({ where: 'interface document', text: doc.getText() });
    await closeAllEditors();
  });

  test('the status bar', async () => {
    const bar = await waitFor('the status bar', () => (api.getStatusBar().whoami ? api.getStatusBar() : undefined));
    assert.equal(bar.text, '$(account) bob');
    shown.push({ where: 'status bar', text: JSON.stringify(bar) });
  });

  test('the read-only CodeLens and status of a Common file (open)', async () => {
    const editor = await openEditor(modulesUri(COMMON_FILE));
    const reason = await api.getReadonlyReason(editor.document.uri);
    assert.ok(reason);
    const lenses = await waitFor('the read-only CodeLens', async () => {
      const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', editor.document.uri, 10);
      return l.some((x) => x.command?.title.includes('Read-only')) ? l : undefined;
    });
    shown.push({ where: 'read-only reason', text: reason! });
    shown.push({ where: 'CodeLens', text: lenses.map((l) => `${l.command?.title} ${l.command?.tooltip ?? ''}`).join('\n') });
    await sleep(200);
    await closeAllEditors();
  });

  test("no private name of OrderAPI, nothing of Pricing or of Reporting's sources, no private doc text anywhere", () => {
    assert.ok(shown.length >= 7);
    const leaks: string[] = [];
    for (const { where, text } of shown) {
      for (const n of secret.names) if (new RegExp(`\\b${n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`).test(text)) leaks.push(`${where}: ${n}`);
      for (const t of secret.texts) if (text.includes(t)) leaks.push(`${where}: "${t}"`);
    }
    assert.deepEqual(leaks, []);
  });

  suiteTeardown(closeAllEditors);
});
