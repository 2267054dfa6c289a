/**
 * The webview helpers of the client (SPEC 5: "Webviews use a Content Security Policy with nonces,
 * and escape every text they show") and the permission-denied page built with them.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { contentSecurityPolicy, escapeHtml, htmlPage, makeNonce } from '../../client/webview';
import { accessRequestText, askSentence, renderDeniedPage, type DeniedViewModel } from '../../client/deniedPage';

describe('escapeHtml', () => {
  test('replaces every HTML-significant character', () => {
    assert.equal(escapeHtml(`<a href="x" onclick='y'>&\`</a>`), '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&#96;&lt;/a&gt;');
  });
  test('leaves other text alone, including non-ASCII', () => {
    assert.equal(escapeHtml('Order placement — “tracking” 💼'), 'Order placement — “tracking” 💼');
  });
  test('null and undefined become empty, other values are stringified', () => {
    assert.equal(escapeHtml(undefined), '');
    assert.equal(escapeHtml(null), '');
    assert.equal(escapeHtml(42), '42');
  });
  test('escaping is not undone by a second pass (no double-decoding tricks)', () => {
    assert.equal(escapeHtml('&lt;script&gt;'), '&amp;lt;script&amp;gt;');
  });
});

describe('nonce and CSP', () => {
  test('nonces are fresh, long and attribute-safe', () => {
    const a = makeNonce();
    const b = makeNonce();
    assert.notEqual(a, b);
    assert.match(a, /^[A-Za-z0-9+/=]{22,}$/);
  });
  test('the policy allows nothing by default and scripts/styles only by nonce', () => {
    const csp = contentSecurityPolicy('https://x.example', 'abc');
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-abc'(;|$)/);
    assert.match(csp, /style-src https:\/\/x\.example 'nonce-abc'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  });
  test('htmlPage puts the CSP in a meta element and the nonce on style and script', () => {
    const html = htmlPage({ cspSource: 'vscode-resource:', nonce: 'N0', title: '<t>', style: 'b{}', body: '<p>x</p>', script: 'let a;' });
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;;/);
    assert.match(html, /<style nonce="N0">/);
    assert.match(html, /<script nonce="N0">let a;<\/script>/);
    assert.match(html, /<title>&lt;t&gt;<\/title>/);
  });
});

describe('the permission-denied page', () => {
  const evil = '<img src=x onerror=alert(1)>';
  const model: DeniedViewModel = {
    path: 'OrderAPI/orders.logic',
    module: 'OrderAPI',
    owner: 'alice',
    access: 'reference',
    required: 'open',
    user: 'bob',
    userDisplayName: `Bob ${evil}`,
    version: '1.4.0',
    description: `Orders ${evil}`,
    elements: [
      {
        kind: 'serverAction',
        name: 'CreateOrder',
        signature: 'server action CreateOrder(customerId: Text) returns (orderId: Text)',
        documentation: `Creates an order. ${evil}`,
        range: { start: { line: 3, character: 0 }, end: { line: 3, character: 10 } },
      },
      {
        kind: 'structure',
        name: 'OrderLine',
        signature: 'structure OrderLine { productId: Text, quantity: Integer }',
        range: { start: { line: 1, character: 0 }, end: { line: 1, character: 10 } },
      },
    ],
  };
  const html = renderDeniedPage(model, { cspSource: 'vscode-resource:', nonce: 'NONCE' });

  test('names the module, owner, access, access needed and how to ask', () => {
    assert.match(html, /OrderAPI/);
    assert.match(html, /<span class="level" id="access">reference<\/span>/);
    assert.match(html, /<span class="level" id="required">open<\/span>/);
    assert.match(html, /Ask alice \(the owner\) or an environment admin for open access to OrderAPI\./);
    assert.equal(askSentence(model), 'Ask alice (the owner) or an environment admin for open access to OrderAPI.');
  });
  test('lists the public elements with signatures and offers Show Interface', () => {
    assert.match(html, /server action CreateOrder\(customerId: Text\) returns \(orderId: Text\)/);
    assert.match(html, /structure OrderLine/);
    assert.match(html, /id="showInterface"/);
  });
  test('escapes every text it shows', () => {
    assert.ok(!html.includes(evil), 'raw markup from data must not appear');
    assert.match(html, /Orders &lt;img src=x onerror=alert\(1\)&gt;/);
    assert.match(html, /Bob &lt;img/);
    // the only script element is the nonce'd one
    assert.equal((html.match(/<script/g) ?? []).length, 1);
    assert.match(html, /<script nonce="NONCE">/);
  });
  test('without reference access there are no elements and no Show Interface button', () => {
    const listOnly = renderDeniedPage({ ...model, access: 'list', elements: undefined }, { cspSource: 'c', nonce: 'n' });
    assert.doesNotMatch(listOnly, /showInterface/);
    assert.doesNotMatch(listOnly, /CreateOrder/);
  });
  test('the access request names the user, the level and the module', () => {
    const text = accessRequestText({ ...model, userDisplayName: 'Bob Contractor' });
    assert.equal(
      text,
      'Hi alice, could you grant Bob Contractor (bob) open access to the module OrderAPI? (Current access: reference.) I would like to open OrderAPI/orders.logic.',
    );
  });
});

describe('doc comments in the denied page', () => {
  test('Markdown spans become elements only after escaping', async () => {
    const { renderDoc } = await import('../../client/deniedPage');
    const html = renderDoc('Places a **new** order with `code` and *em* <b>x</b>.\n\n@param a `<script>`');
    assert.match(html, /^<div class="doc"><p>Places a <strong>new<\/strong> order with <code>code<\/code> and <em>em<\/em> &lt;b&gt;x&lt;\/b&gt;\.<\/p>/);
    assert.match(html, /<details><summary>More<\/summary><p>@param a <code>&lt;script&gt;<\/code><\/p><\/details>/);
    assert.equal(renderDoc('  '), '');
  });
});
