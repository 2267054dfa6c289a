// Sealed modules, the round trip (SPEC 9; issue 11 acceptance 1, 2 and 4): OrderAPI sealed from a
// copy of examples/acme and installed into a copy of examples/client; then, as every user of the
// client environment (the admin included), completion, hover, signature help and go to
// definition through the real server over stdio; every read inside the sealed folder refused with
// data.sealed; `cli interface`; a scan of every byte for OrderAPI's private canaries; Debian's
// age, GNU tar and openssl on the results; unseal.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CompletionList, Hover, Location, SignatureHelp } from 'vscode-languageserver-protocol';
import { startServer, modulesUri, fileUri, type TestClient } from '../server/lsp-client';
import { CLI, ORDER_API_SRC, allFiles, canaryHits, cli, pmodFiles, privateCanaries, signingKeyOf, sealAndInstall, tool, type Sealed } from './setup';
import { cursorIn } from '../helpers/marker';

const USERS = ['gina', 'hank', 'ivy']; // gina is the client environment's admin
const PUBLIC_ACTIONS = ['CancelOrder', 'CreateOrder', 'EstimateDelivery', 'GetOrder', 'ListOrders', 'QuoteOrder'];

let s: Sealed;
let publicInterface: string;
let canaries: string[];
const serverOutput: Buffer[] = [];

before(() => {
  s = sealAndInstall();
  const r = cli(['interface', path.join(path.dirname(ORDER_API_SRC), '..'), 'OrderAPI', '--user', 'alice']);
  assert.equal(r.code, 0, r.stderr);
  publicInterface = r.stdout;
  canaries = privateCanaries(publicInterface);
});
after(() => fs.rmSync(s.dir, { recursive: true, force: true }));

describe('the canaries are real', () => {
  test('they are many, and every one is in the plaintext sources (so the scans below can fail)', () => {
    assert.ok(canaries.length >= 20, `only ${canaries.length} canaries`);
    const plain = Buffer.concat(allFiles(ORDER_API_SRC).map((f) => Buffer.concat([Buffer.from(path.relative(ORDER_API_SRC, f)), fs.readFileSync(f)])));
    assert.deepEqual(canaryHits(plain, canaries), canaries);
    for (const n of ['ComputeDiscount', 'VolumePercent']) assert.ok(canaries.includes(n), n);
  });
});

describe('the sealed module in the client environment', () => {
  test('the installed folder holds exactly the four files of the .pmod, byte for byte', () => {
    assert.deepEqual(fs.readdirSync(s.installed).sort(), ['INTERFACE.logic', 'SEAL.json', 'module.json', 'sources.age']);
    const files = pmodFiles(s.pmod);
    for (const [n, bytes] of Object.entries(files)) assert.ok(fs.readFileSync(path.join(s.installed, n)).equals(bytes), n);
  });

  test('cli interface works for every user and shows the signed interface', () => {
    for (const user of USERS) {
      const r = cli(['interface', s.client, 'OrderAPI', '--user', user]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^\/\/ Interface of OrderAPI 1\.4\.0/);
      for (const a of PUBLIC_ACTIONS) assert.match(r.stdout, new RegExp(`public server action ${a}\\(`));
      assert.deepEqual(canaryHits(Buffer.from(r.stdout), canaries), []);
    }
  });

  test('cli check: the client environment is clean for everyone (Storefront resolves OrderAPI)', () => {
    for (const user of USERS) {
      const r = cli(['check', s.client, '--user', user]);
      assert.equal(r.stdout, '', `${user}: ${r.stdout}`);
      assert.equal(r.code, 0);
    }
  });

  test('cli access: everyone, the admin included, has reference on OrderAPI', () => {
    for (const user of USERS) {
      const r = cli(['access', s.client, '--user', user, '--format', 'json']);
      const m = (JSON.parse(r.stdout) as { modules: { name: string; access: string }[] }).modules.find((x) => x.name === 'OrderAPI');
      assert.equal(m?.access, 'reference', user);
    }
  });
});

for (const user of USERS) {
  describe(`the real server as ${user}`, () => {
    let c: TestClient;
    const basketUri = modulesUri('client', 'modules/storefront/Basket.logic');
    let basket: string;
    before(async () => {
      c = await startServer({ folders: [s.client], user });
      basket = fs.readFileSync(path.join(s.client, 'modules/storefront/Basket.logic'), 'utf8');
      c.open(basketUri, basket);
    });
    after(async () => {
      await c.close();
      serverOutput.push(Buffer.from(c.allOutput()));
    });

    test('listModules marks OrderAPI sealed by acme, at reference', async () => {
      const r = await c.request<{ modules: { name: string; access: string; sealed?: { publisher: string; invalid?: boolean } }[] }>(
        'protectedModules/listModules',
        {},
      );
      const m = r.modules.find((x) => x.name === 'OrderAPI');
      assert.equal(m?.access, 'reference');
      assert.deepEqual(m?.sealed, { publisher: 'acme' });
      assert.equal(r.modules.find((x) => x.name === 'Storefront')?.sealed, undefined);
    });

    test('completion after OrderAPI. lists the public elements of the sealed interface', async () => {
      const list = await c.request<CompletionList>('textDocument/completion', {
        textDocument: { uri: basketUri },
        position: cursorIn(basket, 'OrderAPI.$0QuoteOrder'),
      });
      const labels = list.items.map((i) => i.label).sort();
      assert.deepEqual(labels, [...PUBLIC_ACTIONS, 'AddOrderLine', 'Order', 'OrderLine', 'OrderSummary', 'ValidateOrderLines'].sort());
    });

    test('hover shows the signature, the doc comment and "sealed by acme"', async () => {
      const h = await c.request<Hover>('textDocument/hover', {
        textDocument: { uri: basketUri },
        position: cursorIn(basket, 'OrderAPI.Qu$0oteOrder'),
      });
      const text = (h.contents as { value: string }).value;
      assert.match(text, /server action QuoteOrder\(lines: List<OrderLine>, countryCode: Text = "DE"/);
      assert.match(text, /Prices a basket without placing an order/);
      assert.match(text, /sealed by acme/);
      assert.match(text, /your access: reference/);
    });

    test('signature help shows the active parameter', async () => {
      const help = await c.request<SignatureHelp>('textDocument/signatureHelp', {
        textDocument: { uri: basketUri },
        position: cursorIn(basket, 'QuoteOrder(lines, $0'),
      });
      assert.match(help.signatures[help.activeSignature ?? 0].label, /QuoteOrder\(lines: List<OrderLine>, countryCode: Text/);
      assert.equal(help.activeParameter ?? help.signatures[0].activeParameter, 1);
    });

    test('go to definition opens the element in the interface document', async () => {
      const loc = await c.request<Location | Location[]>('textDocument/definition', {
        textDocument: { uri: basketUri },
        position: cursorIn(basket, 'OrderAPI.Qu$0oteOrder'),
      });
      const l = Array.isArray(loc) ? loc[0] : loc;
      assert.equal(l.uri, 'module-interface://client/OrderAPI.logic');
      const doc = await c.request<{ text: string }>('protectedModules/moduleInterface', { module: 'OrderAPI' });
      const line = doc.text.split('\n')[l.range.start.line];
      assert.match(line, /server action QuoteOrder\(/);
    });

    test('every read inside the sealed folder is PermissionDenied with data.sealed', async () => {
      const rels = ['sources.age', 'SEAL.json', 'module.json', 'actions/Orders.logic', 'internal/Discounts.logic', 'nothing-here.logic', 'sub'];
      for (const rel of rels) {
        for (const method of ['protectedModules/readFile', 'protectedModules/stat', 'protectedModules/readDirectory']) {
          const e = await c.requestError(method, { uri: modulesUri('client', `modules/order-api/${rel}`) });
          assert.equal(e.code, -32001, `${method} ${rel}`);
          const data = e.data as { module: string; sealed?: { publisher: string }; access: string };
          assert.deepEqual(data.sealed, { publisher: 'acme' }, `${method} ${rel}`);
          assert.equal(data.module, 'OrderAPI');
          assert.equal(data.access, 'reference');
          assert.match(e.message, /sealed by acme; its source is not in this environment/);
        }
        const w = await c.requestError('protectedModules/writeFile', { uri: modulesUri('client', `modules/order-api/${rel}`), text: 'x' });
        assert.equal(w.code, -32001);
      }
      // The folder lists only the virtual interface (SPEC 4), which is the rendered public interface.
      const dir = await c.request<{ entries: [string, string][] }>('protectedModules/readDirectory', { uri: modulesUri('client', 'modules/order-api') });
      assert.deepEqual(dir.entries, [['INTERFACE.logic', 'file']]);
      const iface = await c.request<{ text: string; readonly: boolean }>('protectedModules/readFile', {
        uri: modulesUri('client', 'modules/order-api/INTERFACE.logic'),
      });
      assert.equal(iface.readonly, true);
      assert.deepEqual(canaryHits(Buffer.from(iface.text), canaries), []);
      const access = await c.request<{ canRead: boolean; access: string }>('protectedModules/access', {
        uri: modulesUri('client', 'modules/order-api/sources.age'),
      });
      assert.deepEqual([access.canRead, access.access], [false, 'reference']);
      // An attacker's own document inside the sealed folder (file: URI, any text) gets no features.
      const planted = fileUri(path.join(s.installed, 'actions', 'Orders.logic'));
      c.open(planted, 'server action Planted() {\n  var x = OrderAPI.GetOrder("O-1")\n}\n');
      const symbols = await c.request<unknown[] | null>('textDocument/documentSymbol', { textDocument: { uri: planted } });
      assert.ok(symbols === null || symbols.length === 0, JSON.stringify(symbols));
      const hover = await c.request<unknown>('textDocument/hover', { textDocument: { uri: planted }, position: { line: 1, character: 20 } });
      assert.equal(hover, null);
      // The virtual INTERFACE.logic (file: URI) gives only the public elements.
      const ifaceUri = fileUri(path.join(s.installed, 'INTERFACE.logic'));
      c.open(ifaceUri, fs.readFileSync(path.join(s.installed, 'INTERFACE.logic'), 'utf8'));
      const ifaceSymbols = (await c.request<{ name: string }[] | null>('textDocument/documentSymbol', { textDocument: { uri: ifaceUri } })) ?? [];
      for (const sym of ifaceSymbols) assert.ok(!canaries.includes(sym.name), sym.name);
    });
  });
}

describe('no leak: every byte', () => {
  test('no file of the client environment, nor the .pmod, nor anything the server said holds a private canary', () => {
    const files = [...allFiles(s.client), s.pmod];
    assert.ok(files.length >= 8);
    for (const f of files) assert.deepEqual(canaryHits(fs.readFileSync(f), canaries), [], f);
    assert.equal(serverOutput.length, USERS.length);
    for (const out of serverOutput) assert.deepEqual(canaryHits(out, canaries), []);
  });
});

describe('outside tools', () => {
  test("Debian's age decrypts sources.age with the keygen file, and not with another key", () => {
    const sources = path.join(s.installed, 'sources.age');
    const r = tool('age', ['-d', '-i', s.key, sources]);
    assert.equal(r.code, 0, r.stderr);
    // The plaintext is a tar of the module's folder: GNU tar lists its files.
    const list = tool('tar', ['-t'], { input: r.stdout });
    assert.equal(list.code, 0, list.stderr);
    const expected = allFiles(ORDER_API_SRC)
      .map((f) => path.relative(ORDER_API_SRC, f).split(path.sep).join('/'))
      .sort();
    assert.deepEqual(list.stdout.toString('utf8').trim().split('\n').sort(), expected);
    const other = path.join(s.dir, 'other.key');
    assert.equal(cli(['keygen', '--out', other]).code, 0);
    const bad = tool('age', ['-d', '-i', other, sources]);
    assert.notEqual(bad.code, 0);
    assert.equal(bad.stdout.length, 0);
  });

  test('the key file is private (0600) and FILE.pub holds the recipient and the signing key', () => {
    assert.equal(fs.statSync(s.key).mode & 0o777, 0o600);
    const [recipient] = fs.readFileSync(s.pub, 'utf8').trim().split('\n');
    // age's own recipient of the identity file matches (age-keygen -y is in the same package).
    const y = tool('age-keygen', ['-y', s.key]);
    assert.equal(y.code, 0, y.stderr);
    assert.equal(y.stdout.toString('utf8').trim(), recipient);
  });

  test('GNU tar lists the .pmod: exactly the four files', () => {
    const r = tool('tar', ['-tf', s.pmod]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.toString('utf8').trim().split('\n').sort(), ['INTERFACE.logic', 'SEAL.json', 'module.json', 'sources.age']);
  });

  test('openssl verifies the signature of SEAL.json with the key in K.pub (and refuses a changed SEAL.json)', () => {
    const seal = JSON.parse(pmodFiles(s.pmod)['SEAL.json'].toString('utf8')) as Record<string, unknown>;
    const signature = Buffer.from(seal.signature as string, 'base64');
    delete seal.signature;
    // Canonical form, written independently of the product's code: keys sorted at every depth, no spaces.
    const sortKeys = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(sortKeys)
        : v && typeof v === 'object'
          ? Object.fromEntries(
              Object.keys(v)
                .sort()
                .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
            )
          : v;
    const work = fs.mkdtempSync(path.join(s.dir, 'openssl-'));
    fs.writeFileSync(path.join(work, 'msg'), JSON.stringify(sortKeys(seal)));
    fs.writeFileSync(path.join(work, 'sig'), signature);
    const raw = Buffer.from(signingKeyOf(s.pub).slice('ed25519:'.length), 'base64');
    assert.equal(raw.length, 32);
    // SubjectPublicKeyInfo of an Ed25519 key (RFC 8410): a fixed 12-byte prefix, then the raw key.
    fs.writeFileSync(path.join(work, 'pub.der'), Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]));
    const verify = (msg: string) =>
      tool('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', 'pub.der', '-keyform', 'DER', '-rawin', '-in', msg, '-sigfile', 'sig'], { cwd: work });
    const ok = verify('msg');
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout.toString('utf8'), /Signature Verified Successfully/);
    fs.writeFileSync(path.join(work, 'msg2'), JSON.stringify(sortKeys({ ...seal, version: '9.9.9' })));
    assert.notEqual(verify('msg2').code, 0);
  });
});

describe('unseal', () => {
  test("with the publisher's key: byte-identical sources", () => {
    const out = path.join(s.dir, 'restored');
    const r = cli(['unseal', s.client, 'OrderAPI', '--key', s.key, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    const want = allFiles(ORDER_API_SRC).map((f) => path.relative(ORDER_API_SRC, f));
    const got = allFiles(out).map((f) => path.relative(out, f));
    assert.deepEqual(got, want);
    for (const rel of want) assert.ok(fs.readFileSync(path.join(out, rel)).equals(fs.readFileSync(path.join(ORDER_API_SRC, rel))), rel);
  });

  test('with any other key: exit 1, a clear message, nothing written', () => {
    const other = path.join(s.dir, 'stranger.key');
    assert.equal(cli(['keygen', '--out', other]).code, 0);
    const out = path.join(s.dir, 'not-restored');
    const r = cli(['unseal', s.client, 'OrderAPI', '--key', other, '--out', out]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot decrypt the sources of OrderAPI/);
    assert.equal(fs.existsSync(out), false);
    assert.deepEqual(
      fs.readdirSync(s.dir).filter((n) => n.includes('unseal')),
      [],
    );
  });

  test('the CLI is the built one', () => assert.ok(fs.existsSync(CLI)));
});
