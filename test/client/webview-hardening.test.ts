/**
 * Issue 5, "Webviews and views": the permission-denied page (`client/deniedPage.ts`) and the
 * webview helpers (`client/webview.ts`) with hostile inputs — module descriptions, user display
 * names, owners, paths, signatures and doc comments carrying HTML, `<script>`, `<img onerror>`,
 * `javascript:` links and Markdown tricks. Every one is shown as text: the page keeps its CSP with
 * a nonce, has one script (with the nonce), no foreign element, no URL attribute, and a reader sees
 * the hostile text literally.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { htmlPage, makeNonce } from '../../client/webview';
import { renderDeniedPage, renderDoc, type DeniedViewModel } from '../../client/deniedPage';
import { markdownProblems, visibleText, webviewProblems } from '../vscode/suite/hardening-checks';

/** Hostile strings, one per trick. */
const HOSTILE = [
  `<script>alert('x')</script>`,
  `<img src=x onerror=alert(1)>`,
  `<a href="javascript:alert(2)">click</a>`,
  `[md link](javascript:alert(3))`,
  `![pixel](http://127.0.0.1:9/pixel.png)`,
  `<iframe src="javascript:alert(4)"></iframe>`,
  `<svg onload=alert(5)>`,
  `</code></li></ul><script>alert(6)</script>`,
  `\`</code><script>alert(7)</script>\``,
  `**<b>bold</b>** *<i>em</i>* _u_`,
  `"><script>alert(8)</script>`,
  `'><img src=x onerror=alert(9)>`,
  `&lt;script&gt;alert(10)&lt;/script&gt;`,
  `<!-- comment --><style>*{display:none}</style>`,
  `\${alert(11)} {{constructor.constructor('alert(12)')()}}`,
  `$(zap) [cmd](command:workbench.action.files.save)`,
  `<meta http-equiv="refresh" content="0;url=javascript:alert(13)">`,
  `<scr<script>ipt>alert(14)</script>`,
  `\u2028\u2029<\u0000script>alert(15)</script>`,
  '```html\n<script>alert(16)</script>\n```',
];

const CSP = { cspSource: 'https://file+.vscode-resource.vscode-cdn.net', nonce: makeNonce() };

function hostileModel(h: string, withElements = true): DeniedViewModel {
  return {
    path: `Evil/src/${h}.logic`,
    module: `Evil${h}`,
    owner: `alice${h}`,
    access: 'reference',
    required: 'open',
    user: `bob${h}`,
    userDisplayName: `Bob ${h}`,
    version: `1.0.0${h}`,
    description: `Description ${h}`,
    elements: withElements
      ? [
          {
            kind: 'serverAction',
            name: 'javascript_alert',
            signature: `public server action javascript_alert(onerror: Text = "${h}") returns (svg_onload: script)`,
            documentation: `First ${h}\n\nSecond paragraph ${h}\n\n\`${h}\` **${h}** *${h}*`,
            range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } },
          },
          {
            kind: 'structure',
            name: 'script',
            signature: `structure script { img_onerror: Text, javascript: Text = "${h}" }`,
            range: { start: { line: 1, character: 0 }, end: { line: 1, character: 1 } },
          },
        ]
      : undefined,
  };
}

describe('the denied page with hostile text', () => {
  for (const h of HOSTILE) {
    test(`shows ${JSON.stringify(h).slice(0, 60)} as text`, () => {
      for (const withElements of [true, false]) {
        const model = hostileModel(h, withElements);
        const html = renderDeniedPage(model, CSP);
        assert.deepEqual(webviewProblems(html, { hostile: [h] }), [], html);
        const text = visibleText(html);
        // every hostile field reaches the reader literally (escaped, not interpreted)
        for (const field of [model.path, model.module, model.owner, model.description!, `Bob ${h}`]) {
          const line = field.split('\n')[0]!;
          assert.ok(text.includes(line), `"${line}" is not visible as text`);
        }
        if (withElements) {
          assert.ok(text.includes(model.elements![0]!.signature), 'the signature is visible as text');
          // (Markdown code spans and emphasis lose their markers; the text itself stays)
          const plain = (t: string) => t.replace(/[`*]/g, '');
          assert.ok(plain(text).includes(plain(`First ${h}`.split('\n')[0]!)), 'the doc comment is visible as text');
        }
      }
    });
  }

  test('all hostile strings at once, in every field', () => {
    const h = HOSTILE.join(' ');
    const html = renderDeniedPage(hostileModel(h), CSP);
    assert.deepEqual(webviewProblems(html, { hostile: HOSTILE }), []);
  });

  test('the nonce is the CSP nonce and the only script carries it', () => {
    const html = renderDeniedPage(hostileModel(HOSTILE[0]!), CSP);
    assert.ok(html.includes(`script-src 'nonce-${CSP.nonce}'`.replace(/'/g, '&#39;')));
    assert.equal((html.match(/<script\b/g) ?? []).length, 1);
    assert.ok(html.includes(`<script nonce="${CSP.nonce}">`));
  });

  test('a hostile cspSource or nonce cannot break out of the CSP attribute', () => {
    const html = htmlPage({
      cspSource: `"><script>alert(1)</script>`,
      nonce: CSP.nonce,
      title: '<script>alert(2)</script>',
      style: '',
      body: '<p>x</p>',
      script: 'void 0',
    });
    assert.equal((html.match(/<script\b/g) ?? []).length, 1);
    assert.ok(!html.includes('<script>alert'));
  });
});

describe('renderDoc (doc comments as HTML) with Markdown tricks', () => {
  const cases: [string, string][] = [
    ['[x](javascript:alert(1))', '[x](javascript:alert(1))'],
    ['![](http://127.0.0.1:9/p.png)', '![](http://127.0.0.1:9/p.png)'],
    ['<b>raw</b> html', '<b>raw</b> html'],
    ['`<script>alert(1)</script>`', '<script>alert(1)</script>'],
    ['**`</strong><img src=x onerror=alert(1)>`**', '</strong><img src=x onerror=alert(1)>'],
    ['*a `b* c` d*', 'a b c d*'],
    ['<http://example.com> and <javascript:alert(1)>', '<http://example.com> and <javascript:alert(1)>'],
  ];
  for (const [doc, visible] of cases) {
    test(JSON.stringify(doc), () => {
      const html = renderDoc(doc);
      const page = htmlPage({ cspSource: 'x', nonce: CSP.nonce, title: 't', style: '', body: html });
      assert.deepEqual(webviewProblems(page, { maxScripts: 0 }), [], html);
      assert.ok(visibleText(html).includes(visible), `${visibleText(html)} should include ${visible}`);
    });
  }
});

describe('the Markdown checks themselves', () => {
  test('flag raw HTML and links, accept escaped text and code blocks', () => {
    assert.notDeepEqual(markdownProblems('a <img src=x onerror=alert(1)> b'), []);
    assert.notDeepEqual(markdownProblems('[x](javascript:alert(1))'), []);
    assert.notDeepEqual(markdownProblems('<javascript:alert(1)>'), []);
    assert.deepEqual(markdownProblems('a <img src=x onerror=alert(1)\\> b'), []);
    assert.deepEqual(markdownProblems('\\[x\\]\\(javascript:alert\\(1\\)\\)'), []);
    assert.deepEqual(markdownProblems('\n```logic\nstructure x { a: Text = "<b>](x)" }\n```\n'), []);
  });
  test('the page checks flag what they should', () => {
    const ok = htmlPage({ cspSource: 'x', nonce: CSP.nonce, title: 't', style: '', body: '<p>x</p>', script: '1' });
    assert.deepEqual(webviewProblems(ok), []);
    assert.notDeepEqual(webviewProblems(ok.replace('<p>x</p>', '<img src=x onerror=alert(1)>')), []);
    assert.notDeepEqual(webviewProblems(ok.replace('<p>x</p>', '<script>alert(1)</script>')), []);
    assert.notDeepEqual(webviewProblems(ok.replace('<p>x</p>', '<p>a < b</p>').replace('<p>x', '<p>x')), []);
    assert.notDeepEqual(webviewProblems(ok.replace(/default-src &#39;none&#39;/, 'default-src *')), []);
  });
});
