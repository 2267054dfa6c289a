/**
 * Hardening (issue 5, "Big and odd files"), through the real server over stdio
 * (`test/server/lsp-client.ts`), as bob (change on OrderPortal, reference on OrderAPI) in a copy of
 * `examples/acme`:
 *
 * - a 10 MB `.logic` file: its diagnostics arrive, completion answers correctly in it and in
 *   another file; cancellation while it is re-checked answers `RequestCancelled` or a result; a
 *   completion sent right after a big change is answered, correctly;
 * - a 50,000-line structure: completion and hover of its fields;
 * - deep nesting: no crash, one syntax error;
 * - very long lines (100k characters): completion and hover at their end;
 * - surrogate pairs (emoji) and combining marks before a completion or hover position on the same
 *   line: positions are UTF-16 code units (LSP), in full and incremental syncs;
 * - NUL bytes: no crash, one clear syntax error (the character named `U+0000`, not copied).
 *
 * No timing assertions (CONTRIBUTING): only that answers arrive and are correct. Timeouts are
 * generous safety nets for loaded CI machines.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CancellationTokenSource, DidChangeTextDocumentNotification, LSPErrorCodes } from 'vscode-languageserver-protocol';
import type { CompletionList, Diagnostic, Hover, SignatureHelp } from 'vscode-languageserver-protocol';
import { parse } from '../../shared/language/parser';
import { copyFixture, fileUri, startServer, type TestClient } from '../server/lsp-client';
import { cursorIn } from '../helpers/marker';

const WAIT = 240_000;

function logicFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? logicFiles(path.join(dir, e.name)) : e.name.endsWith('.logic') ? [path.join(dir, e.name)] : []));
}

/** OrderAPI's public element names, from its sources (what completion after `OrderAPI.` must list). */
function publicNames(root: string): string[] {
  const names: string[] = [];
  for (const f of logicFiles(path.join(root, 'modules/order-api'))) {
    for (const d of parse(fs.readFileSync(f, 'utf8')).declarations) if (d.isPublic && d.kind !== 'Screen') names.push(d.name.name);
  }
  return names.sort();
}

function labels(r: CompletionList | null): string[] {
  return (r?.items ?? []).map((i) => i.label);
}

/** Waits for published diagnostics of `uri` at `version` (or any version when undefined) matching `predicate`. */
async function diagnosticsOf(client: TestClient, uri: string, predicate: (d: Diagnostic[]) => boolean, what: string, version?: number): Promise<Diagnostic[]> {
  await client.waitFor(
    () => {
      const p = client.diagnostics.get(uri);
      return !!p && (version === undefined || p.version === version) && predicate(p.diagnostics);
    },
    what,
    WAIT,
  );
  return client.diagnostics.get(uri)!.diagnostics;
}

function completion(client: TestClient, uri: string, position: { line: number; character: number }): Promise<CompletionList> {
  return client.request<CompletionList>('textDocument/completion', { textDocument: { uri }, position });
}

function hover(client: TestClient, uri: string, position: { line: number; character: number }): Promise<Hover | null> {
  return client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position });
}

function hoverText(h: Hover | null): string {
  return h ? (h.contents as { value: string }).value : '';
}

describe('big and odd files through the real server', () => {
  let root: string;
  let bob: TestClient;
  let api: string[];
  let portal: string;
  const write = (rel: string, text: string) => {
    const p = path.join(portal, rel);
    fs.writeFileSync(p, text);
    return { path: p, uri: fileUri(p), text };
  };

  before(async () => {
    root = copyFixture('examples/acme');
    api = publicNames(root);
    assert.ok(api.includes('CreateOrder') && api.length >= 8);
    portal = path.join(root, 'modules/order-portal');
    fs.mkdirSync(path.join(portal, 'odd'), { recursive: true });
    bob = await startServer({ folders: [root], user: 'bob' });
  });

  after(async () => {
    await bob.close();
    fs.rmSync(path.dirname(root), { recursive: true, force: true });
  });

  test('surrogate pairs and combining marks before the position: completion and hover use UTF-16 positions', async () => {
    const line = '  var s = "😀👍🏽 e\u0301 𝔘 ﷽" /* 🎉 a\u0308 */; var o = OrderAPI.';
    const f = write('odd/Emoji.logic', `server action Emoji() {\n${line}\n  var c = "👩‍👩‍👧" + OrderAPI.CreateOrder\n}\n`);
    bob.open(f.uri, f.text);
    const at = { line: 1, character: line.length }; // JavaScript length = UTF-16 code units
    assert.notEqual(line.length, [...line].length, 'the line has astral characters');
    assert.deepEqual(labels(await completion(bob, f.uri, at)).sort(), api);
    // Counting code points instead would land before the dot: nothing, or expression items.
    const h = await hover(bob, f.uri, cursorIn(f.text, 'OrderAPI.CreateOr$0'));
    assert.match(hoverText(h), /server action CreateOrder\(customerId: Text/);
    assert.deepEqual(h!.range, { start: cursorIn(f.text, 'OrderAPI.$0', -1), end: cursorIn(f.text, 'OrderAPI.CreateOrder$0', -1) });
    // The diagnostic of the incomplete `OrderAPI.` stands right after the dot, in UTF-16 units.
    const ds = await diagnosticsOf(bob, f.uri, (d) => d.some((x) => x.code === 'syntax-error'), 'a syntax error for `OrderAPI.`');
    const syntax = ds.filter((d) => d.code === 'syntax-error');
    assert.equal(syntax.length, 1, JSON.stringify(ds));
    assert.deepEqual(syntax[0].range.start, at);

    // Incremental sync: insert after the emoji with a UTF-16 range, then complete there.
    const insertAt = cursorIn(f.text, '"😀👍🏽$0');
    void bob.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri: f.uri, version: 2 },
      contentChanges: [{ range: { start: at, end: at }, text: 'GetOrder("x").' }],
    });
    void bob.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri: f.uri, version: 3 },
      contentChanges: [{ range: { start: insertAt, end: insertAt }, text: '🎉' }],
    });
    const shifted = { line: 1, character: line.length + 'GetOrder("x").'.length + 2 };
    const members = labels(await completion(bob, f.uri, shifted)).sort();
    assert.deepEqual(members, ['found', 'order'], 'the outputs of GetOrder after the edited emoji line');
    const sig = await bob.request<SignatureHelp | null>('textDocument/signatureHelp', {
      textDocument: { uri: f.uri },
      position: { line: 1, character: line.length + 'GetOrder('.length + 2 },
    });
    assert.match(sig?.signatures[0]?.label ?? '', /GetOrder\(orderId: Text\)/);
    const d3 = await diagnosticsOf(bob, f.uri, () => true, 'diagnostics of version 3', 3);
    for (const d of d3) assert.ok(d.range.end.character <= shifted.character + 1, JSON.stringify(d));
  });

  test('CRLF and lone CR line ends: the server, the parser and LineIndex agree on lines', async () => {
    for (const [name, eol] of [
      ['Crlf', '\r\n'],
      ['Cr', '\r'],
    ] as const) {
      const lines = ['/// Doc with 😀.', 'server action Eol() {', '  var s = "é😀"', '  var o = OrderAPI.', '  var c = OrderAPI.CreateOrder', '}', ''];
      const f = write(`odd/${name}.logic`, lines.join(eol));
      bob.open(f.uri, f.text);
      assert.deepEqual(labels(await completion(bob, f.uri, { line: 3, character: lines[3].length })).sort(), api, name);
      assert.match(hoverText(await hover(bob, f.uri, { line: 4, character: 22 })), /server action CreateOrder/, name);
      const ds = await diagnosticsOf(bob, f.uri, (d) => d.length > 0, `diagnostics of ${name}`);
      // `OrderAPI.` is incomplete; `OrderAPI.CreateOrder` is an action used as a value.
      assert.deepEqual(
        ds.map((d) => [d.code, d.range.start.line, d.range.start.character]),
        [
          ['syntax-error', 3, lines[3].length],
          ['type-mismatch', 4, lines[4].indexOf('OrderAPI')],
        ],
        name,
      );
    }
  });

  test('NUL bytes: no crash, one clear syntax error naming U+0000, the rest still checked', async () => {
    const f = write('odd/Nul.logic', 'server action Nul() {\n  var a = 1\u0000\u0000\n  var b: Integer = "x"\n}\n');
    bob.open(f.uri, f.text);
    const ds = await diagnosticsOf(bob, f.uri, (d) => d.length > 0, 'diagnostics of a file with NUL bytes');
    const syntax = ds.filter((d) => d.code === 'syntax-error');
    assert.equal(syntax.length, 1, JSON.stringify(ds));
    assert.equal(syntax[0].message, 'Unexpected characters U+0000 U+0000');
    assert.ok(!syntax[0].message.includes('\u0000'));
    assert.deepEqual(syntax[0].range, { start: { line: 1, character: 11 }, end: { line: 1, character: 13 } });
    assert.ok(
      ds.some((d) => d.code === 'type-mismatch' && d.range.start.line === 2),
      'the next line is still checked',
    );
    const who = await bob.request<{ user: string }>('protectedModules/whoami', {});
    assert.equal(who.user, 'bob');
  });

  test('deep nesting: no crash, one syntax error', async () => {
    const blocks = 'server action Deep() {\n' + '  if true {\n'.repeat(3000) + '  }\n'.repeat(3000) + '}\n';
    const parens = 'server action Parens() {\n  var x = ' + '('.repeat(100_000) + '1' + ')'.repeat(100_000) + '\n}\n';
    const lists = 'server action Lists() {\n  var x = ' + '['.repeat(50_000) + '\n}\n';
    for (const [name, text] of [
      ['Blocks', blocks],
      ['Parens', parens],
      ['Lists', lists],
    ] as const) {
      const f = write(`odd/Deep${name}.logic`, text);
      bob.open(f.uri, f.text);
      const ds = await diagnosticsOf(bob, f.uri, (d) => d.length > 0, `diagnostics of ${name}`);
      assert.equal(ds.length, 1, `${name}: ${JSON.stringify(ds)}`);
      assert.equal(ds[0].code, 'syntax-error');
      assert.match(String(ds[0].message), /nested too deeply/);
      // Features still answer in the deep file.
      const items = labels(await completion(bob, f.uri, { line: 1, character: 2 }));
      assert.ok(items.includes('OrderAPI'), name);
    }
  });

  test('very long lines (100k characters): completion and hover at their end', async () => {
    const pad = 'x'.repeat(100_000);
    const line = `  var pad = "${pad}"; var n = OrderAPI.`;
    const blockComment = `  /* ${'c'.repeat(100_000)} */ var t = OrderAPI.GetOrder("a").order`;
    const ops = '  var sum = ' + Array(20_000).fill('1').join('+');
    const comment = '  // ' + 'c'.repeat(100_000);
    const f = write('odd/Long.logic', `server action Long() {\n${line}\n${blockComment}\n${ops}\n${comment}\n  var z = OrderAPI.CreateOrder\n}\n`);
    bob.open(f.uri, f.text);
    assert.deepEqual(labels(await completion(bob, f.uri, { line: 1, character: line.length })).sort(), api);
    const h = await hover(bob, f.uri, { line: 2, character: blockComment.indexOf('GetOrder') + 3 });
    assert.match(hoverText(h), /server action GetOrder\(orderId: Text\) returns \(order: Order, found: Boolean\)/);
    assert.deepEqual(h!.range, {
      start: { line: 2, character: blockComment.indexOf('GetOrder') },
      end: { line: 2, character: blockComment.indexOf('GetOrder') + 8 },
    });
    assert.deepEqual(labels(await completion(bob, f.uri, { line: 4, character: 50_000 })), [], 'nothing inside a comment');
    assert.match(hoverText(await hover(bob, f.uri, { line: 5, character: 22 })), /server action CreateOrder/);
    const ds = await diagnosticsOf(bob, f.uri, (d) => d.length > 0, 'diagnostics of the long lines');
    const syntax = ds.filter((d) => d.code === 'syntax-error');
    assert.equal(syntax.length, 2, JSON.stringify(syntax)); // `OrderAPI.` incomplete; 19,999 operators > the chain limit
    assert.ok(syntax.some((d) => d.range.start.line === 1 && d.range.start.character === line.length));
    assert.ok(syntax.some((d) => d.range.start.line === 3 && /too long/.test(String(d.message))));
  });

  test('a 50,000-line structure: completion and hover of its fields', async () => {
    const fields = Array.from({ length: 50_000 }, (_, i) => (i === 49_999 ? '  /// The last field.\n' : '') + `  f${i}: ${i % 2 ? 'Integer' : 'Text'}\n`).join(
      '',
    );
    const huge = write('odd/Huge.logic', `/// A huge structure.\npublic structure Huge {\n${fields}}\n`);
    const use = write('odd/UseHuge.logic', 'server action UseHuge(h: Huge) returns (r: Text) {\n  r = h.f49998 + IntegerToText(h.f49999)\n  var m = h.\n}\n');
    bob.open(huge.uri, huge.text);
    bob.open(use.uri, use.text);
    const items = labels(await completion(bob, use.uri, { line: 2, character: 12 }));
    assert.equal(items.length, 50_000);
    assert.ok(items.includes('f0') && items.includes('f49999'));
    const h = await hover(bob, use.uri, cursorIn(use.text, 'h.f4999$09'));
    assert.match(hoverText(h), /f49999: Integer/);
    assert.match(hoverText(h), /The last field\./);
    const def = await bob.request<{ uri: string; range: { start: { line: number } } } | { uri: string; range: { start: { line: number } } }[]>(
      'textDocument/definition',
      { textDocument: { uri: use.uri }, position: cursorIn(use.text, 'h.f4999$09') },
    );
    const loc = Array.isArray(def) ? def[0] : def;
    assert.equal(loc.uri, huge.uri);
    assert.equal(loc.range.start.line, 2 + 49_999 + 1);
    const hd = await hover(bob, huge.uri, { line: 2 + 49_999 + 1, character: 3 });
    assert.match(hoverText(hd), /f49999: Integer/);
    const ds = await diagnosticsOf(bob, use.uri, (d) => d.length > 0, 'diagnostics of UseHuge');
    assert.deepEqual(
      ds.map((d) => d.code),
      ['syntax-error'],
      JSON.stringify(ds),
    );
    const hugeDs = await diagnosticsOf(bob, huge.uri, () => true, 'diagnostics of Huge');
    assert.deepEqual(hugeDs, []);
  });
});

describe('a 10 MB file through the real server: diagnostics, completion, cancellation', () => {
  let root: string;
  let bob: TestClient;
  let api: string[];
  let big: { path: string; uri: string; text: string };
  let probeLine: number;

  /** About 10 MB of correct server actions, then a probe action with one type error and `OrderAPI.`. */
  function bigText(tag: string): string {
    const parts: string[] = ['// A 10 MB file.\n'];
    let size = parts[0].length;
    for (let i = 0; size < 10_000_000; i++) {
      const s = `/// Action ${i}.\nserver action Big${i}(a: Text, b: Integer = 2) returns (r: Text) {\n  var x = a + IntegerToText(b * ${i})\n  if b > 1 {\n    r = x\n  } else {\n    r = "none ${tag}"\n  }\n}\n\n`;
      parts.push(s);
      size += s.length;
    }
    parts.push('server action BigProbe() {\n  var z: Integer = "not a number"\n  OrderAPI.\n}\n');
    return parts.join('');
  }

  before(async () => {
    root = copyFixture('examples/acme');
    api = publicNames(root);
    const p = path.join(root, 'modules/order-portal/logic/Big.logic');
    const text = bigText('v1');
    fs.writeFileSync(p, text);
    big = { path: p, uri: fileUri(p), text };
    probeLine = text.split('\n').length - 5; // `server action BigProbe() {`
    assert.ok(text.length >= 10_000_000);
    bob = await startServer({ folders: [root], user: 'bob' });
  });

  after(async () => {
    await bob.close();
    fs.rmSync(path.dirname(root), { recursive: true, force: true });
  });

  test('diagnostics arrive; completion answers in it and in another file', async () => {
    bob.open(big.uri, big.text);
    const ds = await diagnosticsOf(bob, big.uri, (d) => d.length > 0, 'diagnostics of the 10 MB file');
    assert.deepEqual(
      ds.map((d) => [d.code, d.range.start.line]).sort((a, b) => (a[1] as number) - (b[1] as number)),
      [
        ['type-mismatch', probeLine + 1],
        ['syntax-error', probeLine + 2],
      ],
    );
    assert.deepEqual(labels(await completion(bob, big.uri, { line: probeLine + 2, character: 11 })).sort(), api);
    const own = labels(await completion(bob, big.uri, { line: probeLine + 1, character: 2 }));
    assert.ok(own.includes('Big0') && own.includes('BigProbe') && own.includes('OrderAPI'));

    const other = path.join(root, 'modules/order-portal/logic/PortalHelpers.logic');
    const otherText = fs.readFileSync(other, 'utf8') + '\nserver action Probe() {\n  var p = OrderAPI.\n  Big12(\n}\n';
    bob.open(fileUri(other), otherText);
    const lines = otherText.split('\n');
    const at = { line: lines.length - 4, character: lines[lines.length - 4].length };
    assert.deepEqual(labels(await completion(bob, fileUri(other), at)).sort(), api);
    const args = labels(await completion(bob, fileUri(other), { line: lines.length - 3, character: 8 }));
    assert.ok(args.includes('a:') && args.includes('b:'), `named arguments of Big12 from the 10 MB file: ${args.slice(0, 5)}`);
  });

  test('a request cancelled while a big change is re-checked answers RequestCancelled or a result', async (t) => {
    const v2 = bigText('v2');
    bob.change(big.uri, 2, v2);
    const source = new CancellationTokenSource();
    const pending = bob.connection
      .sendRequest('textDocument/hover', { textDocument: { uri: big.uri }, position: { line: 2, character: 16 } }, source.token)
      .then(
        (r) => ({ result: r as Hover | null }),
        (e: { code: number }) => ({ error: e.code }),
      );
    source.cancel(); // sends $/cancelRequest
    const outcome = await pending;
    t.diagnostic(`cancelled hover answered with ${'error' in outcome ? `error ${outcome.error}` : 'a result'}`);
    if ('error' in outcome) assert.equal(outcome.error, LSPErrorCodes.RequestCancelled);
    else assert.match(hoverText(outcome.result), /server action Big0/);

    // A completion right after another big change is answered, on the new text.
    // (A third diagnostic, so that version 3's list differs from the last one published.)
    const v3 = v2.replace('server action BigProbe() {', 'server action BigProbe2() {\n  var w: Boolean = 1');
    bob.change(big.uri, 3, v3);
    const list = await completion(bob, big.uri, { line: probeLine + 3, character: 11 });
    assert.deepEqual(labels(list).sort(), api);
    const own = labels(await completion(bob, big.uri, { line: probeLine + 2, character: 2 }));
    assert.ok(own.includes('BigProbe2') && !own.includes('BigProbe'), 'completion sees the latest text');
    // And the diagnostics of the latest version arrive.
    const ds = await diagnosticsOf(bob, big.uri, (d) => d.length === 3, 'diagnostics of version 3', 3);
    assert.deepEqual(ds.map((d) => d.code).sort(), ['syntax-error', 'type-mismatch', 'type-mismatch']);
    // The server is alive and answers simple requests.
    assert.equal((await bob.request<{ user: string }>('protectedModules/whoami', {})).user, 'bob');
  });
});
