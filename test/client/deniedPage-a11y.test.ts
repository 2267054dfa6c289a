// Issue 13 point 7: structural accessibility checks of the permission-denied page, outside VS
// Code (axe-core runs on it in the real webview: test/vscode/suite/a11y-webviews.test.ts): one
// language, one h1, a main landmark, header cells with a scope, every button named by its text and
// reachable by Tab (real <button>s, no positive tabindex), the folded text in <details>/<summary>
// (keyboard-operable), visible focus, the editor's background painted by the page itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderDeniedPage, type DeniedViewModel } from '../../client/deniedPage';
import { CSP, DENIED_ORDERS } from './denied-fixture';

const model: DeniedViewModel = {
  ...DENIED_ORDERS,
  version: '1.4.0',
  elements: [
    {
      kind: 'serverAction',
      name: 'CreateOrder',
      signature: 'server action CreateOrder(a: Text)',
      documentation: 'Places a new order.\n\nMore text.',
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } },
    },
  ],
};

test('the denied page has the structure assistive technology needs', () => {
  const html = renderDeniedPage(model, CSP);
  assert.match(html, /<html lang="en">/);
  assert.equal(html.match(/<h1[\s>]/g)?.length, 1, 'exactly one h1');
  assert.equal(html.match(/<main>/g)?.length, 1, 'one main landmark');
  const th = html.match(/<th[\s>][^>]*>?/g) ?? [];
  assert.ok(th.length > 0 && th.every((t) => /scope="(row|col)"/.test(t)), th.join(' '));
  const buttons = [...html.matchAll(/<button([^>]*)>([^<]*)<\/button>/g)];
  assert.ok(buttons.length >= 2);
  for (const [, attrs, text] of buttons) {
    assert.ok(text!.trim().length > 0, 'a button is named by its text');
    assert.doesNotMatch(attrs!, /tabindex="[1-9]/);
    assert.doesNotMatch(attrs!, /disabled/);
  }
  assert.doesNotMatch(html, /tabindex="[1-9]/);
  assert.doesNotMatch(html, /<div[^>]*onclick|role="button"/, 'no clickable divs');
  assert.match(html, /:focus-visible\{outline:2px solid/);
  assert.match(html, /html,body\{background-color:var\(--vscode-editor-background\)\}/, 'contrast is measured against the theme, not white');
  assert.match(html, /aria-hidden="true"/, 'the decorative lock icon is hidden');
});
