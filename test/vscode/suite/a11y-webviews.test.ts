/// <reference types="mocha" />
// @pm-user bob
// @pm-settings {"protectedModules.offerModuleWorkspace": false}
// Issue 13 point 7: the permission-denied view — with OrderAPI's interface list (bob: reference),
// without it (Reporting: list) and for a file outside modules (environment.json: admins only) —
// passes axe-core in the real webview (0 serious or critical violations) in a dark, a light and both
// high-contrast themes, and works by keyboard: Tab reaches every control in order with a visible
// focus, Enter and Space activate Show Interface. axe runs in the webview's frame from the
// launcher (test/vscode/pageRequests.mjs); the webview's CSP is not touched.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { DeniedViewState } from '../../../client/deniedView';
import { pageRequest, screenshot, waitFor } from './helpers';
import { allTabs, closeAllEditors, modulesUri, useProduct } from './client-helpers';

interface AxeItem {
  id: string;
  impact: 'minor' | 'moderate' | 'serious' | 'critical' | null;
  help: string;
  nodes: { target: string; html: string; summary: string }[];
}
interface AxeResult {
  engine: string;
  bodyClass: string;
  violations: AxeItem[];
  incomplete: AxeItem[];
  passes: string[];
}
interface FocusInfo {
  hasFocus: boolean;
  tag: string | null;
  id?: string | null;
  text?: string;
  focusVisible?: boolean;
  outline?: { style: string; width: string; color: string };
  /** For a `<summary>`: whether its `<details>` is open. */
  expanded?: boolean;
}

const ORDERAPI_FILE = 'modules/order-api/actions/Orders.logic';
const REPORTING_FILE = 'modules/reporting/screens/SalesDashboard.logic';
const POLICY_FILE = 'environment.json';

/** The `<title>` of a rendered page (how the launcher finds the webview's frame). */
function pageTitle(html: string): string {
  const m = /<title>([^<]*)<\/title>/.exec(html);
  if (!m) throw new Error('the page has no title');
  return m[1]!
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'");
}

function describe(items: AxeItem[]): string {
  return items
    .map((v) => `${v.impact} ${v.id}: ${v.help}\n${v.nodes.map((n) => `    ${n.target} ${n.html}\n      ${n.summary.replace(/\n/g, ' ')}`).join('\n')}`)
    .join('\n');
}

const SEVERE = new Set(['serious', 'critical']);

suite('accessibility of the denied view (axe-core in the real webview, keyboard)', function () {
  this.timeout(180000);
  const { api } = useProduct();

  async function openDenied(path: string): Promise<DeniedViewState> {
    const uri = modulesUri(path);
    await vscode.commands.executeCommand('vscode.open', uri);
    const view = await waitFor('the denied view', () => api.getDeniedViews().find((v) => v.uri === uri.toString() && v.state === 'denied'));
    await waitFor('the denied view tab', () =>
      allTabs().some((t) => t.isActive && t.input instanceof vscode.TabInputCustom && t.input.uri.toString() === uri.toString()),
    );
    return view;
  }

  async function axe(view: DeniedViewState, what: string): Promise<AxeResult> {
    const r = await pageRequest<AxeResult>({ kind: 'axe', title: pageTitle(view.html) });
    const severe = r.violations.filter((v) => SEVERE.has(v.impact ?? ''));
    assert.equal(severe.length, 0, `${what}: serious or critical axe violations (${r.engine}):\n${describe(severe)}`);
    // contrast axe could not decide counts too: it must be decidable in every theme
    const undecided = r.incomplete.filter((v) => v.id === 'color-contrast' && SEVERE.has(v.impact ?? ''));
    assert.equal(undecided.length, 0, `${what}: color contrast axe could not decide:\n${describe(undecided)}`);
    assert.ok(r.passes.includes('color-contrast') && r.passes.includes('document-title') && r.passes.includes('html-has-lang'), r.passes.join(','));
    return r;
  }

  const THEMES = [
    { theme: 'Default Dark Modern', body: /vscode-dark/ },
    { theme: 'Default Light Modern', body: /vscode-light/ },
    { theme: 'Default High Contrast', body: /vscode-high-contrast(?!-light)/ },
    { theme: 'Default High Contrast Light', body: /vscode-high-contrast-light/ },
  ];

  for (const { theme, body } of THEMES) {
    test(`axe: 0 serious or critical issues in the three denied pages (${theme})`, async () => {
      await vscode.workspace.getConfiguration('workbench').update('colorTheme', theme, vscode.ConfigurationTarget.Global);
      for (const [path, what] of [
        [ORDERAPI_FILE, 'OrderAPI (reference: the interface list)'],
        [REPORTING_FILE, 'Reporting (list)'],
        [POLICY_FILE, 'environment.json (outside modules)'],
      ] as const) {
        await closeAllEditors();
        const view = await openDenied(path);
        const r = await waitFor(`the webview in ${theme}`, async () => {
          const x = await pageRequest<AxeResult>({ kind: 'axe', title: pageTitle(view.html), options: { runOnly: ['document-title'] } });
          return body.test(x.bodyClass) ? x : undefined;
        });
        assert.match(r.bodyClass, body);
        await axe(view, `${what}, ${theme}`);
      }
      await screenshot(`denied-${theme.replace(/\s+/g, '-').toLowerCase()}`);
    });
  }

  suite('keyboard', () => {
    let view: DeniedViewState;
    let title: string;
    /** The focusable controls of the page in document order (tag and text). */
    let controls: { tag: string; id?: string; text: string }[];

    suiteSetup(async () => {
      await vscode.workspace.getConfiguration('workbench').update('colorTheme', undefined, vscode.ConfigurationTarget.Global);
      await closeAllEditors();
      view = await openDenied(ORDERAPI_FILE);
      title = pageTitle(view.html);
      controls = [...view.html.matchAll(/<(button|summary)\b([^>]*)>([^<]*)</g)].map((m) => ({
        tag: m[1]!.toUpperCase(),
        ...(/\bid="([^"]+)"/.exec(m[2]!) ? { id: /\bid="([^"]+)"/.exec(m[2]!)![1] } : {}),
        text: m[3]!.trim(),
      }));
      assert.ok(
        controls.some((c) => c.id === 'showInterface'),
        JSON.stringify(controls),
      );
    });

    /** Puts the keyboard focus into the denied view's page (as clicking its tab and pressing Tab does). */
    async function focusView(): Promise<void> {
      await vscode.commands.executeCommand('vscode.open', modulesUri(ORDERAPI_FILE));
      await vscode.commands.executeCommand('workbench.action.focusActiveEditorGroup');
      await waitFor('the webview to have the focus', async () => (await pageRequest<FocusInfo>({ kind: 'focus', title })).hasFocus);
    }

    async function tabTo(id: string): Promise<FocusInfo> {
      for (let i = 0; i <= controls.length; i++) {
        const f = await pageRequest<FocusInfo>({ kind: 'focus', title });
        if (f.id === id) return f;
        await pageRequest({ kind: 'keys', keys: ['Tab'] });
      }
      throw new Error(`Tab never reached #${id}`);
    }

    async function interfaceEditor(): Promise<vscode.TextEditor> {
      return waitFor('the interface document', () => vscode.window.visibleTextEditors.find((e) => /^\/\/ Interface of OrderAPI/.test(e.document.getText())));
    }

    async function closeInterface(): Promise<void> {
      const tabs = allTabs().filter(
        (t) => t.input instanceof vscode.TabInputText && (t.input.uri.scheme === 'module-interface' || /\/INTERFACE\.logic$/.test(t.input.uri.path)),
      );
      assert.ok(tabs.length > 0, 'an interface tab is open');
      await vscode.window.tabGroups.close(tabs);
      await waitFor(
        'the interface document to close',
        () => !vscode.window.visibleTextEditors.some((e) => /^\/\/ Interface of OrderAPI/.test(e.document.getText())),
      );
    }

    test('Tab reaches every control in document order, each with a visible focus outline', async () => {
      await focusView();
      const seen: FocusInfo[] = [];
      let f = await pageRequest<FocusInfo>({ kind: 'focus', title });
      // from the page itself (nothing focused yet), one Tab per control
      assert.equal(f.tag, 'BODY', `the page starts with nothing focused: ${JSON.stringify(f)}`);
      for (let i = 0; i < controls.length; i++) {
        await pageRequest({ kind: 'keys', keys: ['Tab'] });
        f = await pageRequest<FocusInfo>({ kind: 'focus', title });
        seen.push(f);
      }
      await screenshot('denied-keyboard-focus');
      assert.deepEqual(
        seen.map((s) => `${s.tag}${s.id ? '#' + s.id : ''} ${s.text}`),
        controls.map((c) => `${c.tag}${c.id ? '#' + c.id : ''} ${c.text}`),
      );
      for (const s of seen) {
        assert.ok(s.hasFocus && s.focusVisible, `${s.tag}#${s.id}: :focus-visible`);
        assert.notEqual(s.outline?.style, 'none', `${s.tag}#${s.id}: an outline`);
        assert.ok(parseFloat(s.outline?.width ?? '0') >= 1, `${s.tag}#${s.id}: outline width ${s.outline?.width}`);
      }
      // and back with Shift+Tab
      await pageRequest({ kind: 'keys', keys: ['Shift+Tab'] });
      const back = await pageRequest<FocusInfo>({ kind: 'focus', title });
      const prev = controls[controls.length - 2]!;
      assert.equal(`${back.tag} ${back.text}`, `${prev.tag} ${prev.text}`);
    });

    test('Enter on Show Interface opens the interface document', async () => {
      await focusView();
      await tabTo('showInterface');
      await pageRequest({ kind: 'keys', keys: ['Enter'] });
      const editor = await interfaceEditor();
      assert.doesNotMatch(editor.document.getText(), /ApplyPricing|SaveOrder/);
      await closeInterface();
    });

    test('Space on Show Interface opens it too', async () => {
      await focusView();
      await tabTo('showInterface');
      await pageRequest({ kind: 'keys', keys: ['Space'] });
      await interfaceEditor();
      await closeInterface();
    });

    test('Enter on a folded doc comment ("More") unfolds it', async () => {
      const summary = controls.find((c) => c.tag === 'SUMMARY');
      assert.ok(summary, 'the interface list has a folded doc comment');
      await focusView();
      let f = await pageRequest<FocusInfo>({ kind: 'focus', title });
      for (let i = 0; i <= controls.length && f.tag !== 'SUMMARY'; i++) {
        await pageRequest({ kind: 'keys', keys: ['Tab'] });
        f = await pageRequest<FocusInfo>({ kind: 'focus', title });
      }
      assert.equal(f.tag, 'SUMMARY');
      assert.equal(f.expanded, false);
      await pageRequest({ kind: 'keys', keys: ['Enter'] });
      f = await pageRequest<FocusInfo>({ kind: 'focus', title });
      assert.equal(f.tag, 'SUMMARY');
      assert.equal(f.expanded, true, 'Enter unfolds the doc comment');
    });

    suiteTeardown(closeAllEditors);
  });
});
