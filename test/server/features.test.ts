// The IDE features of the language server (SPEC 4 "Standard features", issue 3 acceptance 1),
// each filtered by access (SPEC 2.3), with a leak assertion per feature: as bob (reference on
// OrderAPI, none on Pricing) no response carries an OrderAPI private element name nor anything of
// Pricing, and requests on `file:` URIs of OrderAPI sources answer null / empty.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileChangeType } from 'vscode-languageserver-protocol';
import type {
  CodeAction,
  CompletionItem,
  CompletionList,
  DocumentSymbol,
  Hover,
  Location,
  Range,
  SignatureHelp,
  SymbolInformation,
  TextEdit,
  WorkspaceEdit,
} from 'vscode-languageserver-protocol';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { parse } from '../../shared/language/parser';
import { startServer, copyFixture, fileUri, modulesUri, useServer, type TestClient } from './lsp-client';
import { cursorIn, extractCursor } from '../helpers/marker';

// ---------------------------------------------------------------------------------------------
// Fixture facts, computed from the sources (not hard-coded)

function logicFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? logicFiles(path.join(dir, e.name)) : e.name.endsWith('.logic') ? [path.join(dir, e.name)] : []));
}

/** Public and private declaration names of a module folder, by parsing its sources. */
function declarations(dir: string): { publicNames: string[]; privateNames: string[]; files: string[] } {
  const publicNames: string[] = [];
  const privateNames: string[] = [];
  const files = logicFiles(dir);
  for (const f of files) {
    for (const d of parse(fs.readFileSync(f, 'utf8')).declarations) {
      if (d.isPublic && d.kind !== 'Screen') publicNames.push(d.name.name);
      else privateNames.push(d.name.name);
    }
  }
  return { publicNames: publicNames.sort(), privateNames, files };
}

function textAt(text: string, range: Range): string {
  const doc = TextDocument.create('x:', 'logic', 1, text);
  return doc.getText(range);
}

function labels(r: CompletionList | CompletionItem[] | null): string[] {
  if (!r) return [];
  return (Array.isArray(r) ? r : r.items).map((i) => i.label);
}

// ---------------------------------------------------------------------------------------------

describe('IDE features as bob (reference on OrderAPI, change on OrderPortal, none on Pricing)', () => {
  let root: string;
  let bob: TestClient;
  let newOrderPath: string;
  let newOrderUri: string;
  let newOrderText: string;
  let version = 1;
  let orderApi: ReturnType<typeof declarations>;
  let canaries: RegExp[];
  /** Every response bob got, for the leak assertions. */
  const responses: unknown[] = [];

  const request = async <R>(method: string, params: unknown): Promise<R> => {
    const r = await bob.request<R>(method, params);
    responses.push(r);
    return r;
  };
  /** Replaces NewOrder's text (overlay) and returns the marker's position. */
  const edit = (withMarker: string) => {
    const m = extractCursor(withMarker);
    bob.change(newOrderUri, ++version, m.text);
    return m.cursor;
  };
  /** NewOrder's text with `snippet` added as the body of a new client action `Probe` at the end of the screen. */
  const probe = (snippet: string) => {
    const end = newOrderText.lastIndexOf('}');
    return newOrderText.slice(0, end) + `\n  client action Probe() {\n    ${snippet}\n  }\n}\n`;
  };
  const assertNoLeak = (value: unknown, what: string) => {
    const json = JSON.stringify(value);
    for (const c of canaries) assert.ok(!c.test(json), `${what} leaks ${c}: ${json.slice(0, 400)}`);
  };

  before(async () => {
    root = copyFixture('examples/acme');
    orderApi = declarations(path.join(root, 'modules/order-api'));
    const pricing = declarations(path.join(root, 'modules/pricing'));
    // What bob may see: his module, Common, OrderAPI's interface. Canaries are names that appear
    // nowhere in there (a private name that happens to equal a visible word is not a canary).
    const visible = [...logicFiles(path.join(root, 'modules/order-portal')), ...logicFiles(path.join(root, 'modules/common'))]
      .map((f) => fs.readFileSync(f, 'utf8'))
      .join('\n');
    bob = await startServer({ folders: [root], user: 'bob' });
    const iface = await bob.request<{ text: string }>('protectedModules/moduleInterface', { module: 'OrderAPI' });
    const seen = visible + iface.text;
    const pricingManifest = JSON.parse(
      fs
        .readFileSync(path.join(root, 'modules/pricing/module.json'), 'utf8')
        .replace(/^\s*\/\/.*$/gm, '')
        .replace(/,(\s*[}\]])/g, '$1'),
    ) as { description: string };
    const reporting = declarations(path.join(root, 'modules/reporting'));
    const words = [...orderApi.privateNames, ...pricing.publicNames, ...pricing.privateNames, 'Pricing', ...reporting.publicNames, ...reporting.privateNames];
    canaries = words.filter((w) => !new RegExp(`\\b${w}\\b`).test(seen)).map((w) => new RegExp(`\\b${w}\\b`));
    canaries.push(new RegExp(pricingManifest.description.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    assert.ok(canaries.length >= 15, `enough canaries (${canaries.length})`);
    assert.ok(canaries.some((c) => c.source.includes('ComputeDiscount')));

    newOrderPath = path.join(root, 'modules/order-portal/screens/NewOrder.logic');
    newOrderUri = fileUri(newOrderPath);
    newOrderText = fs.readFileSync(newOrderPath, 'utf8');
    bob.open(newOrderUri, newOrderText);
  });

  after(async () => {
    assertNoLeak(responses, 'some response');
    // The diagnostics of the probes `OrderAPI.ComputeDiscount(` and `Pricing.` echo what bob typed.
    const raw = bob.allOutput().replace(/has no public element '\w+'|Cannot find module '\w+'/g, '');
    for (const c of canaries) {
      const m = c.exec(raw);
      assert.ok(!m, `the raw bytes the server wrote carry ${c}: …${m ? raw.slice(Math.max(0, m.index - 300), m.index + 100) : ''}`);
    }
    await bob.close();
  });

  test('completion after `OrderAPI.` lists exactly its public elements, with signatures and docs', async () => {
    const position = edit(probe('OrderAPI.$0'));
    const list = await request<CompletionList>('textDocument/completion', { textDocument: { uri: newOrderUri }, position });
    assert.deepEqual([...labels(list)].sort(), orderApi.publicNames);
    const create = list.items.find((i) => i.label === 'CreateOrder')!;
    assert.match(create.detail ?? '', /server action CreateOrder\(customerId: Text, customerEmail: Email, shippingAddress: Common\.Address/);
    const resolved = await request<CompletionItem>('completionItem/resolve', create);
    const doc = resolved.documentation as { kind: string; value: string };
    assert.equal(doc.kind, 'markdown');
    assert.match(doc.value, /Places a new order/);
    for (const item of list.items) {
      const r = await request<CompletionItem>('completionItem/resolve', item);
      assert.ok(r.detail?.includes(item.label), `signature of ${item.label}`);
    }
    const line = list.items.find((i) => i.label === 'OrderLine')!;
    assert.match(line.detail ?? '', /structure OrderLine \{/);
  });

  test('completion in a type position after `OrderAPI.` lists its public structures only', async () => {
    const position = edit(probe('var x: OrderAPI.$0'));
    const list = await request<CompletionList>('textDocument/completion', { textDocument: { uri: newOrderUri }, position });
    assert.deepEqual([...labels(list)].sort(), ['Order', 'OrderLine', 'OrderSummary']);
    const types = await request<CompletionList>('textDocument/completion', { textDocument: { uri: newOrderUri }, position: edit(probe('var y: $0')) });
    for (const t of ['Text', 'Integer', 'List', 'OrderAPI', 'Common']) assert.ok(labels(types).includes(t), t);
    assert.ok(!labels(types).includes('Pricing'));
  });

  test('completion with nothing before lists modules (not Pricing), locals, built-ins, keywords', async () => {
    const position = edit(probe('var total = 1\n    $0'));
    const list = await request<CompletionList>('textDocument/completion', { textDocument: { uri: newOrderUri }, position });
    const names = labels(list);
    for (const n of ['OrderAPI', 'Common', 'OrderPortal', 'Reporting', 'total', 'lines', 'AddProduct', 'Length', 'ListAppend', 'if', 'var', 'true']) {
      assert.ok(names.includes(n), `${n} offered`);
    }
    assert.ok(!names.includes('Pricing'), 'Pricing does not exist for bob');
    const length = list.items.find((i) => i.label === 'Length')!;
    const resolved = await request<CompletionItem>('completionItem/resolve', length);
    assert.ok((resolved.documentation as { value: string }).value.length > 0);
    const reporting = await request<CompletionItem>(
      'completionItem/resolve',
      list.items.find((i) => i.label === 'Reporting')!,
    );
    assert.match((reporting.documentation as { value: string }).value, /your access: list/);
  });

  test('completion inside a call offers the inputs not yet given as named arguments', async () => {
    const position = edit(probe('OrderAPI.CreateOrder(customerId, email, couponCode: "X", $0)'));
    const list = await request<CompletionList>('textDocument/completion', { textDocument: { uri: newOrderUri }, position });
    const named = labels(list).filter((l) => l.endsWith(':'));
    assert.deepEqual(named.sort(), ['express:', 'lines:', 'shippingAddress:']);
    const lines = list.items.find((i) => i.label === 'lines:')!;
    assert.match(lines.detail ?? '', /lines: List<OrderAPI\.OrderLine>|lines: List<OrderLine>/);
  });

  test('completion after `record.` lists the outputs of a call and the fields of a public structure', async () => {
    let position = edit(probe('var r = OrderAPI.GetOrder("O-1")\n    r.$0'));
    let list = await request<CompletionList>('textDocument/completion', { textDocument: { uri: newOrderUri }, position });
    assert.deepEqual(labels(list).sort(), ['found', 'order']);
    position = edit(probe('var r = OrderAPI.GetOrder("O-1")\n    r.order.$0'));
    list = await request<CompletionList>('textDocument/completion', { textDocument: { uri: newOrderUri }, position });
    assert.ok(labels(list).includes('customerId') && labels(list).includes('lines'), JSON.stringify(labels(list)));
    position = edit(probe('var l = OrderAPI.OrderLine { $0 }'));
    list = await request<CompletionList>('textDocument/completion', { textDocument: { uri: newOrderUri }, position });
    assert.ok(labels(list).includes('productId:') && labels(list).includes('quantity:'), JSON.stringify(labels(list)));
  });

  test("completion after a local that has the name of a module lists the local's members, not the module's (the answer without a check stands aside)", async () => {
    // Completion after `Module.` answers without checking the file when nothing in the enclosing
    // declaration binds the name (issue 15); a variable named like the module must win, as in the checker.
    let position = edit(probe('var OrderAPI = Common.Money { amount: 1.0, currency: "EUR" }\n    OrderAPI.$0'));
    let list = await request<CompletionList>('textDocument/completion', { textDocument: { uri: newOrderUri }, position });
    assert.deepEqual(labels(list).sort(), ['amount', 'currency']);
    // Declared after the dot, still anywhere in the declaration: the checker decides (a module's elements before it).
    position = edit(probe('OrderAPI.$0\n    var OrderAPI = 1'));
    list = await request<CompletionList>('textDocument/completion', { textDocument: { uri: newOrderUri }, position });
    assert.ok(labels(list).includes('CreateOrder'), JSON.stringify(labels(list)));
  });

  test('a module at list (Reporting): its facts only, none of its elements', async () => {
    const position = edit(probe('Reporting.$0'));
    const list = await request<CompletionList>('textDocument/completion', { textDocument: { uri: newOrderUri }, position });
    assert.deepEqual(labels(list), []);
    const text = extractCursor(probe('Reporting.Anything(1)$0')).text;
    edit(probe('Reporting.Anything(1)$0'));
    const at = cursorIn(text, 'Rep$0orting.Anything');
    const hover = await request<Hover>('textDocument/hover', { textDocument: { uri: newOrderUri }, position: at });
    const value = (hover.contents as { value: string }).value;
    assert.match(value, /module Reporting 1\.0\.0/);
    assert.match(value, /your access: list/);
    assert.equal(await request('textDocument/definition', { textDocument: { uri: newOrderUri }, position: at }), null);
    const member = cursorIn(text, 'An$0ything');
    assert.equal(await request('textDocument/hover', { textDocument: { uri: newOrderUri }, position: member }), null);
    assert.equal(await request('textDocument/signatureHelp', { textDocument: { uri: newOrderUri }, position: cursorIn(text, 'Anything($01') }), null);
    assert.deepEqual(await request('textDocument/documentSymbol', { textDocument: { uri: 'module-interface://acme/Reporting.logic' } }), []);
  });

  test('completion after `Pricing.` and after a private name answers nothing', async () => {
    for (const snippet of ['Pricing.$0', 'Pricinx.$0', 'OrderAPI.ComputeDiscount($0', 'var q: Pricing.$0']) {
      const position = edit(probe(snippet));
      const list = await request<CompletionList>('textDocument/completion', { textDocument: { uri: newOrderUri }, position });
      if (snippet.endsWith('.$0')) assert.deepEqual(labels(list), [], snippet);
      else assert.ok(!labels(list).some((l) => l.endsWith(':')), `no named arguments for ${snippet}`);
    }
  });

  test('hover on a call to a public action: signature, doc comment, module facts and access', async () => {
    bob.change(newOrderUri, ++version, newOrderText);
    const position = cursorIn(newOrderText, 'OrderAPI.Cr$0eateOrder');
    const hover = await request<Hover>('textDocument/hover', { textDocument: { uri: newOrderUri }, position });
    const value = (hover.contents as { kind: string; value: string }).value;
    assert.match(value, /^```logic\npublic server action CreateOrder\(customerId: Text/);
    assert.match(value, /Places a new order/);
    assert.match(value, /OrderAPI\*\* 1\.4\.0 · owner alice · protected · your access: reference/);
    assert.equal(textAt(newOrderText, hover.range!), 'CreateOrder');
    // A local and a module.
    const local = await request<Hover>('textDocument/hover', { textDocument: { uri: newOrderUri }, position: cursorIn(newOrderText, 'c$0ouponCode = ""') });
    assert.match((local.contents as { value: string }).value, /couponCode: Text/);
    const mod = await request<Hover>('textDocument/hover', { textDocument: { uri: newOrderUri }, position: cursorIn(newOrderText, 'Or$0derAPI.CreateOrder') });
    assert.match((mod.contents as { value: string }).value, /Order placement/);
  });

  test('signature help: active parameter for positional and named arguments', async () => {
    let position = edit(probe('OrderAPI.CreateOrder(customerId, email, $0'));
    let help = await request<SignatureHelp>('textDocument/signatureHelp', { textDocument: { uri: newOrderUri }, position });
    const sig = help.signatures[0];
    assert.match(sig.label, /^CreateOrder\(customerId: Text, customerEmail: Email/);
    assert.match((sig.documentation as { value: string }).value, /Places a new order/);
    assert.equal(help.activeParameter, 2);
    const [s, e] = sig.parameters![2].label as [number, number];
    assert.equal(sig.label.slice(s, e), 'shippingAddress: Common.Address');
    position = edit(probe('OrderAPI.QuoteOrder(lines, couponCode: $0'));
    help = await request<SignatureHelp>('textDocument/signatureHelp', { textDocument: { uri: newOrderUri }, position });
    const names = help.signatures[0].parameters!.map((p) => {
      const [a, b] = p.label as [number, number];
      return help.signatures[0].label.slice(a, b).split(':')[0];
    });
    assert.equal(names[help.activeParameter!], 'couponCode');
    position = edit(probe('OrderAPI.QuoteOrder(lines, customerId: "C", countryCode: "DE"$0)'));
    help = await request<SignatureHelp>('textDocument/signatureHelp', { textDocument: { uri: newOrderUri }, position });
    assert.equal(names[help.activeParameter!], 'countryCode');
    // A built-in: parameter spans in its own signature.
    position = edit(probe('var s = Substr("abc", $0'));
    help = await request<SignatureHelp>('textDocument/signatureHelp', { textDocument: { uri: newOrderUri }, position });
    const b = help.signatures[0];
    assert.match(b.label, /^Substr\(/);
    const [bs, be] = b.parameters![help.activeParameter!].label as [number, number];
    assert.match(b.label.slice(bs, be), /^start: Integer/);
    assert.ok(
      b.parameters!.every((p) => Array.isArray(p.label)),
      'every built-in parameter located in the label',
    );
  });

  test('definition of a public action lands in the interface document', async () => {
    bob.change(newOrderUri, ++version, newOrderText);
    const position = cursorIn(newOrderText, 'OrderAPI.Cr$0eateOrder');
    const loc = await request<Location>('textDocument/definition', { textDocument: { uri: newOrderUri }, position });
    assert.equal(loc.uri, 'module-interface://acme/OrderAPI.logic');
    const iface = await request<{ uri: string; text: string; elements: { name: string; range: Range }[] }>('protectedModules/moduleInterface', {
      module: 'OrderAPI',
    });
    assert.equal(iface.uri, loc.uri);
    assert.equal(textAt(iface.text, loc.range), 'CreateOrder');
    const el = iface.elements.find((e) => e.name === 'CreateOrder')!;
    assert.ok(loc.range.start.line >= el.range.start.line && loc.range.end.line <= el.range.end.line);
    // A structure in a type, and a local in the same file.
    const structure = await request<Location>('textDocument/definition', {
      textDocument: { uri: newOrderUri },
      position: cursorIn(newOrderText, 'OrderAPI.Ord$0erLine'),
    });
    assert.equal(structure.uri, iface.uri);
    assert.equal(textAt(iface.text, structure.range), 'OrderLine');
    const local = await request<Location>('textDocument/definition', {
      textDocument: { uri: newOrderUri },
      position: cursorIn(newOrderText, 'couponCode: co$0uponCode'),
    });
    assert.equal(local.uri, newOrderUri);
    assert.equal(textAt(newOrderText, local.range), 'couponCode');
    // The interface document is readable through the custom file system, with the same text.
    const read = await request<{ text: string; readonly: boolean }>('protectedModules/readFile', { uri: loc.uri });
    assert.equal(read.text, iface.text);
    assert.equal(read.readonly, true);
    // Hover and definition inside the interface document itself.
    const inside = await request<Hover>('textDocument/hover', { textDocument: { uri: iface.uri }, position: loc.range.start });
    assert.match((inside.contents as { value: string }).value, /CreateOrder/);
  });

  test('references across the readable files, never inside OrderAPI sources', async () => {
    bob.change(newOrderUri, ++version, newOrderText);
    const position = cursorIn(newOrderText, 'OrderAPI.Ord$0erLine');
    const refs = await request<Location[]>('textDocument/references', { textDocument: { uri: newOrderUri }, position, context: { includeDeclaration: true } });
    assert.ok(refs.length >= 4, JSON.stringify(refs));
    assert.ok(
      refs.some((r) => r.uri === 'module-interface://acme/OrderAPI.logic'),
      'the declaration, in the interface',
    );
    assert.ok(refs.some((r) => r.uri === newOrderUri));
    for (const r of refs) assert.ok(!r.uri.includes('order-api'), `no location in OrderAPI: ${r.uri}`);
    const local = await request<Location[]>('textDocument/references', {
      textDocument: { uri: newOrderUri },
      position: cursorIn(newOrderText, 'var c$0ouponCode'),
      context: { includeDeclaration: true },
    });
    assert.ok(local.length >= 3 && local.every((r) => r.uri === newOrderUri));
    const highlights = await request<{ range: Range; kind: number }[]>('textDocument/documentHighlight', {
      textDocument: { uri: newOrderUri },
      position: cursorIn(newOrderText, 'var c$0ouponCode'),
    });
    assert.equal(highlights.length, local.length);
    assert.ok(highlights.every((h) => textAt(newOrderText, h.range) === 'couponCode'));
  });

  test('document symbols of a source and of an interface document', async () => {
    const symbols = await request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: newOrderUri } });
    assert.equal(symbols[0].name, 'NewOrder');
    assert.ok(symbols[0].children!.some((c) => c.name === 'Submit'));
    const iface = await request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: 'module-interface://acme/OrderAPI.logic' } });
    assert.deepEqual(iface.map((s) => s.name).sort(), orderApi.publicNames);
    const pricing = await request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: 'module-interface://acme/Pricing.logic' } });
    assert.deepEqual(pricing, []);
  });

  test('the virtual INTERFACE.logic of a module at reference answers as its interface document', async () => {
    const uri = modulesUri('acme', 'modules/order-api/INTERFACE.logic');
    const file = await request<{ text: string; readonly: boolean }>('protectedModules/readFile', { uri });
    assert.equal(file.readonly, true);
    bob.open(uri, file.text);
    const symbols = await request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri } });
    assert.deepEqual(symbols.map((s) => s.name).sort(), orderApi.publicNames);
    const name = orderApi.publicNames[0];
    const hover = await request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: cursorIn(file.text, ` $0${name}`) });
    assert.ok(hover && JSON.stringify(hover.contents).includes(name), 'hover names the element');
    // The same path in a module bob may only list (Reporting) answers nothing.
    const reporting = modulesUri('acme', 'modules/reporting/INTERFACE.logic');
    assert.deepEqual(await request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: reporting } }), []);
  });

  test('workspace symbols: readable modules and OrderAPI public elements in its interface; never Pricing', async () => {
    const all = await request<SymbolInformation[]>('workspace/symbol', { query: '' });
    const names = all.map((s) => s.name);
    for (const n of orderApi.publicNames) assert.ok(names.includes(n), n);
    for (const n of orderApi.privateNames) assert.ok(!names.includes(n), n);
    assert.ok(names.includes('NewOrder') && names.includes('FormatMoney'));
    for (const s of all) {
      if (s.containerName === 'OrderAPI') assert.equal(s.location.uri, 'module-interface://acme/OrderAPI.logic');
      assert.ok(!s.location.uri.includes('/pricing/') && !s.location.uri.includes('/order-api/'), s.location.uri);
      assert.notEqual(s.containerName, 'Pricing');
      assert.notEqual(s.containerName, 'Reporting');
    }
    assert.deepEqual(await request('workspace/symbol', { query: 'GetUnitPrice' }), []);
  });

  test('rename: within OrderPortal; refused for elements of modules bob cannot change', async () => {
    bob.change(newOrderUri, ++version, newOrderText);
    const at = cursorIn(newOrderText, 'var c$0ouponCode');
    const prepared = await request<Range>('textDocument/prepareRename', { textDocument: { uri: newOrderUri }, position: at });
    assert.equal(textAt(newOrderText, prepared), 'couponCode');
    const edit = await request<WorkspaceEdit>('textDocument/rename', { textDocument: { uri: newOrderUri }, position: at, newName: 'coupon' });
    assert.deepEqual(Object.keys(edit.changes!), [newOrderUri]);
    const renamed = TextDocument.applyEdits(TextDocument.create(newOrderUri, 'logic', 1, newOrderText), edit.changes![newOrderUri]);
    assert.ok(!/\bcouponCode\b(?!:)/.test(renamed.replace(/couponCode: /g, '')), 'every use renamed');
    assert.match(renamed, /var coupon: Text/);
    assert.match(renamed, /couponCode: coupon\b/, 'the named argument (an OrderAPI input) is kept');

    for (const needle of ['OrderAPI.Cre$0ateOrder', 'Common.For$0matMoney', 'co$0uponCode: couponCode', 'Le$0ngth(phone)', 'Ord$0erAPI.CreateOrder']) {
      const position = cursorIn(newOrderText, needle);
      const err = await bob.requestError('textDocument/prepareRename', { textDocument: { uri: newOrderUri }, position });
      assert.match(err.message, /cannot rename|read-only|cannot be renamed/i, needle);
      const err2 = await bob.requestError('textDocument/rename', { textDocument: { uri: newOrderUri }, position, newName: 'Xyz' });
      assert.match(err2.message, /cannot rename|read-only|cannot be renamed/i, needle);
      responses.push(err, err2);
    }
    const bad = await bob.requestError('textDocument/rename', { textDocument: { uri: newOrderUri }, position: at, newName: 'if' });
    assert.match(bad.message, /not a valid name/);
  });

  test('code action: add the missing dependency to module.json, keeping its formatting', async () => {
    const manifestPath = path.join(root, 'modules/order-portal/module.json');
    const original = fs.readFileSync(manifestPath, 'utf8');
    fs.writeFileSync(manifestPath, original.replace(/\n\s*"Common": "\^1\.2\.0",/, ''));
    bob.filesChanged([{ uri: fileUri(manifestPath), type: FileChangeType.Changed }]);
    try {
      bob.change(newOrderUri, ++version, newOrderText);
      const ds = await bob.diagnosticsFor(newOrderUri, (d) => d.some((x) => x.code === 'not-a-dependency'), 'not-a-dependency');
      const d = ds.find((x) => x.code === 'not-a-dependency')!;
      const actions = await request<CodeAction[]>('textDocument/codeAction', {
        textDocument: { uri: newOrderUri },
        range: d.range,
        context: { diagnostics: [d] },
      });
      const add = actions.find((a) => /dependency/i.test(a.title))!;
      assert.ok(add, JSON.stringify(actions));
      assert.equal(add.kind, 'quickfix');
      const uri = fileUri(manifestPath);
      const edits = add.edit!.changes![uri] as TextEdit[];
      const current = fs.readFileSync(manifestPath, 'utf8');
      const after = TextDocument.applyEdits(TextDocument.create(uri, 'json', 1, current), edits);
      assert.match(after, /"Common": "\^1\.3\.0"/);
      assert.ok(after.startsWith('// The customer-service portal'), 'comments kept');
      assert.match(after, /"OrderAPI": "\^1\.4\.0",/);
    } finally {
      fs.writeFileSync(manifestPath, original);
      bob.filesChanged([{ uri: fileUri(manifestPath), type: FileChangeType.Changed }]);
    }
  });

  test('leak: every feature on file: and modules: URIs of OrderAPI sources answers null or empty', async () => {
    for (const f of orderApi.files) {
      const text = fs.readFileSync(f, 'utf8');
      const rel = path.relative(root, f).split(path.sep).join('/');
      for (const uri of [fileUri(f), modulesUri('acme', rel)]) {
        bob.open(uri, text);
        const last = text.split('\n').length - 1;
        for (const line of [0, Math.floor(last / 2), last - 1]) {
          for (const character of [0, 4, 10, 20]) {
            const position = { line, character };
            const td = { textDocument: { uri }, position };
            assert.equal(await request('textDocument/hover', td), null);
            assert.equal(await request('textDocument/definition', td), null);
            assert.equal(await request('textDocument/signatureHelp', td), null);
            const c = await request<CompletionList | null>('textDocument/completion', td);
            assert.ok(c === null || c.items.length === 0);
            const refs = await request<Location[] | null>('textDocument/references', { ...td, context: { includeDeclaration: true } });
            assert.ok(refs === null || refs.length === 0);
            assert.equal(await request('textDocument/documentHighlight', td), null);
            const pr = await request('textDocument/prepareRename', td);
            assert.equal(pr, null);
          }
        }
        assert.deepEqual(await request('textDocument/documentSymbol', { textDocument: { uri } }), []);
        const actions = await request<unknown[] | null>('textDocument/codeAction', {
          textDocument: { uri },
          range: { start: { line: 0, character: 0 }, end: { line: last, character: 0 } },
          context: { diagnostics: [] },
        });
        assert.ok(actions === null || actions.length === 0);
        const rn = await request<WorkspaceEdit | null>('textDocument/rename', { textDocument: { uri }, position: { line: 1, character: 2 }, newName: 'X' });
        assert.equal(rn, null);
      }
      // Diagnostics of a file bob may not read: nothing ever published with content.
      assert.ok(!bob.diagnostics.get(fileUri(f))?.diagnostics.length, 'no diagnostics for a denied file');
    }
    // A resolve request with forged data naming a private element.
    const forged = await request<CompletionItem>('completionItem/resolve', {
      label: 'X',
      data: { uri: newOrderUri, kind: 'element', module: 'OrderAPI', name: 'ComputeDiscount' },
    });
    assert.equal(forged.documentation, undefined);
    assert.equal(forged.data, undefined, 'forged data is not echoed');
    const forgedPricing = await request<CompletionItem>('completionItem/resolve', {
      label: 'X',
      data: { uri: newOrderUri, kind: 'module', module: 'Pricing' },
    });
    assert.equal(forgedPricing.documentation, undefined);
  });
});

describe('IDE features as alice (owner of everything)', () => {
  const alice = useServer('examples/acme', 'alice');

  test('definition lands in the real source; make an element public; rename across modules', async () => {
    const newOrderPath = path.join(alice.root, 'modules/order-portal/screens/NewOrder.logic');
    const text = fs.readFileSync(newOrderPath, 'utf8');
    const uri = modulesUri('acme', 'modules/order-portal/screens/NewOrder.logic');
    alice.open(uri, text);
    const position = cursorIn(text, 'OrderAPI.Cr$0eateOrder');
    const loc = await alice.request<Location>('textDocument/definition', { textDocument: { uri }, position });
    assert.equal(loc.uri, modulesUri('acme', 'modules/order-api/actions/Orders.logic'));
    const orders = fs.readFileSync(path.join(alice.root, 'modules/order-api/actions/Orders.logic'), 'utf8');
    assert.equal(textAt(orders, loc.range), 'CreateOrder');
    const hover = await alice.request<Hover>('textDocument/hover', { textDocument: { uri }, position });
    assert.match((hover.contents as { value: string }).value, /your access: full/);

    // hidden-element → "make public" in Discounts.logic.
    const end = text.lastIndexOf('}');
    const probe = text.slice(0, end) + '\n  client action Probe() {\n    var d = OrderAPI.ComputeDiscount\n  }\n}\n';
    alice.change(uri, 2, probe);
    const ds = await alice.diagnosticsFor(uri, (d) => d.some((x) => x.code === 'hidden-element'), 'hidden-element');
    const d = ds.find((x) => x.code === 'hidden-element')!;
    const actions = await alice.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } });
    const make = actions.find((a) => /public/.test(a.title))!;
    assert.ok(make, JSON.stringify(actions));
    const discountsUri = modulesUri('acme', 'modules/order-api/internal/Discounts.logic');
    const edits = make.edit!.changes![discountsUri] as TextEdit[];
    const discounts = fs.readFileSync(path.join(alice.root, 'modules/order-api/internal/Discounts.logic'), 'utf8');
    const after = TextDocument.applyEdits(TextDocument.create(discountsUri, 'logic', 1, discounts), edits);
    assert.ok(parse(after).declarations.find((x) => x.name.name === 'ComputeDiscount')!.isPublic);

    // Rename a public action: the declaration in OrderAPI and its uses in OrderPortal.
    alice.change(uri, 3, text);
    const quote = cursorIn(text, 'OrderAPI.Q$0uoteOrder');
    const edit = await alice.request<WorkspaceEdit>('textDocument/rename', { textDocument: { uri }, position: quote, newName: 'PriceBasket' });
    const files = Object.keys(edit.changes!);
    assert.ok(files.includes(uri));
    assert.ok(
      files.some((f) => f.includes('order-api')),
      JSON.stringify(files),
    );
  });
});

describe('IDE features as carol (reviewer: reference on protected modules, open on the others)', () => {
  const carol = useServer('examples/acme', 'carol');

  test('Pricing public elements by their interface; nothing to change, so no rename and no fixes', async () => {
    const pricing = declarations(path.join(carol.root, 'modules/pricing'));
    const all = await carol.request<SymbolInformation[]>('workspace/symbol', { query: '' });
    for (const n of pricing.publicNames) {
      const s = all.find((x) => x.name === n && x.containerName === 'Pricing');
      assert.ok(s, n);
      assert.equal(s.location.uri, 'module-interface://acme/Pricing.logic');
    }
    for (const n of pricing.privateNames) assert.ok(!all.some((x) => x.name === n), n);
    assert.ok(!JSON.stringify(all).includes('/pricing/'));

    const newOrderPath = path.join(carol.root, 'modules/order-portal/screens/NewOrder.logic');
    const text = fs.readFileSync(newOrderPath, 'utf8');
    const uri = fileUri(newOrderPath);
    carol.open(uri, text);
    const end = text.lastIndexOf('}');
    const probe = extractCursor(text.slice(0, end) + '\n  client action Probe() {\n    Pricing.$0\n  }\n}\n');
    carol.change(uri, 2, probe.text);
    const list = await carol.request<CompletionList>('textDocument/completion', { textDocument: { uri }, position: probe.cursor });
    assert.deepEqual(labels(list).sort(), pricing.publicNames);
    carol.change(uri, 3, text);
    const err = await carol.requestError('textDocument/rename', { textDocument: { uri }, position: cursorIn(text, 'var c$0ouponCode'), newName: 'coupon' });
    assert.match(err.message, /read-only for you \(your access is open; renaming needs change\)/);
    const ds = await carol.diagnosticsFor(uri, () => true);
    const actions = await carol.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri },
      range: { start: { line: 0, character: 0 }, end: { line: 200, character: 0 } },
      context: { diagnostics: ds },
    });
    assert.deepEqual(actions, []);
    for (const p of pricing.privateNames) assert.ok(!new RegExp(`\\b${p}\\b`).test(carol.allOutput()), `${p} never sent to carol`);
  });
});

describe('IDE features in a modules:// workspace', () => {
  const bob = useServer('examples/acme', 'bob', { modulesWorkspace: true });

  test('workspace symbols point to modules: URIs even when no document is open (no file: editor that bypasses the file system)', async () => {
    const common = declarations(path.join(bob.root, 'modules/common'));
    const name = common.publicNames[0];
    const symbols = await bob.request<SymbolInformation[]>('workspace/symbol', { query: name });
    const hit = symbols.find((s) => s.name === name);
    assert.ok(hit, `workspace symbols find ${name}`);
    assert.match(hit.location.uri, /^modules:\/\/acme\//);
    assert.ok(
      symbols.every((s) => !s.location.uri.startsWith('file:')),
      JSON.stringify(symbols.map((s) => s.location.uri)),
    );
  });
});
