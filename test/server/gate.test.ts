// One access gate (SPEC 4.1; issue 9, acceptance 1): a test per class of leak the red-team pass
// found, each built from its example on a temp copy of examples/acme, through the real server
// over stdio as bob (change on OrderPortal, reference on OrderAPI, list on Reporting, none on
// Pricing), with alice (owner, admin) as the control where one is needed.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { FileChangeType } from 'vscode-languageserver-protocol';
import { startServer, copyFixture, modulesUri, fileUri, REPO, type TestClient } from './lsp-client';

const PERMISSION_DENIED = -32001;
const FILE_NOT_FOUND = -32003;
const M = (rel: string) => modulesUri('acme', rel);
const API = 'modules/order-api';
const PORTAL = 'modules/order-portal';

/** What bob may never learn of OrderAPI: private elements, private comments, private file names. */
const ORDER_API_PRIVATE =
  /ComputeDiscount|VolumePercent|DiscountBreakdown|LoyaltyPercent|CouponValue|PriceLines|PricedLines|Discount rules|LinePricing|Storage\.logic/;
/** What bob may never learn of Pricing (at none for him): its elements and its folder. */
const PRICING = /PriceQuote|PriceEntry|PriceList|GetUnitPrice|modules\/pricing|PriceLists/;

/** A copy of examples/acme (module-workspace URIs authority `acme`). */
function acme(): string {
  const root = copyFixture('examples/acme');
  const named = path.join(path.dirname(root), `acme-${path.basename(root)}`, 'acme');
  fs.mkdirSync(path.dirname(named), { recursive: true });
  fs.renameSync(root, named);
  return named;
}

/** Everything the server wrote to the client (stdout: the JSON-RPC stream) since `from` bytes. */
function sentToClient(c: TestClient, from = 0): string {
  return Buffer.concat(c.stdout).toString('utf8').slice(from);
}

function hashTree(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = path.join(d, name);
      const st = fs.lstatSync(p);
      h.update(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) h.update(fs.readFileSync(p));
    }
  };
  walk(dir);
  return h.digest('hex');
}

/** Starts a process that swaps `folder` for a link to `target` and back, at full speed, for `ms`. */
function startSwapper(folder: string, target: string, ms: number): { done: Promise<number> } {
  const script = `
    const fs = require('fs');
    const [folder, target, ms] = [process.argv[1], process.argv[2], Number(process.argv[3])];
    const aside = folder + '.aside';
    const end = Date.now() + ms;
    let swaps = 0;
    while (Date.now() < end) {
      try { fs.renameSync(folder, aside); fs.symlinkSync(target, folder); } catch {}
      try { fs.unlinkSync(folder); fs.renameSync(aside, folder); } catch {}
      swaps++;
    }
    try { if (fs.lstatSync(folder).isSymbolicLink()) fs.unlinkSync(folder); } catch {}
    try { fs.renameSync(aside, folder); } catch {}
    console.log(swaps);
  `;
  const child = spawn(process.execPath, ['-e', script, folder, target, String(ms)]);
  let out = '';
  child.stdout.on('data', (b) => (out += b));
  return { done: new Promise((resolve) => child.on('exit', () => resolve(Number(out.trim()) || 0))) };
}

describe('class 1: link races — the decision is made on the file actually read', () => {
  let root: string;
  let bob: TestClient;
  before(async () => {
    root = acme();
    // A folder of bob's own module with a decoy of the same name as a private file of OrderAPI.
    fs.mkdirSync(path.join(root, PORTAL, 'swap'));
    fs.writeFileSync(path.join(root, PORTAL, 'swap', 'Discounts.logic'), '// decoy\n');
    bob = await startServer({ folders: [root], user: 'bob', modulesWorkspace: true });
  });
  after(async () => {
    await bob.close();
  });

  test('a swapper loop for 12 s against readFile, stat, readDirectory and writeFile: nothing of the target returned, nothing written into it', async () => {
    const internal = path.join(root, API, 'internal');
    const before = hashTree(path.join(root, API));
    const decoySize = fs.statSync(path.join(root, PORTAL, 'swap', 'Discounts.logic')).size;
    const targetSize = fs.statSync(path.join(internal, 'Discounts.logic')).size;
    const swapper = startSwapper(path.join(root, PORTAL, 'swap'), internal, 12_000);
    let finished = false;
    void swapper.done.then(() => (finished = true));
    const counts = { readFile: 0, stat: 0, readDirectory: 0, writeFile: 0, answered: 0 };
    const file = M(`${PORTAL}/swap/Discounts.logic`);
    while (!finished) {
      const results = await Promise.allSettled([
        bob.request<{ text: string }>('protectedModules/readFile', { uri: file }).then((r) => {
          counts.readFile++;
          assert.equal(r.text, '// decoy\n');
        }),
        bob.request<{ size: number }>('protectedModules/stat', { uri: file }).then((r) => {
          counts.stat++;
          assert.notEqual(r.size, targetSize, 'stat never gives the size of the private file');
          assert.equal(r.size, decoySize);
        }),
        bob.request<{ entries: [string, string][] }>('protectedModules/readDirectory', { uri: M(`${PORTAL}/swap`) }).then((r) => {
          counts.readDirectory++;
          // bob's own folder (a write may even have made it anew while the real one was aside),
          // never OrderAPI's.
          for (const [name] of r.entries) assert.ok(name === 'Discounts.logic' || name === 'planted.logic', JSON.stringify(r.entries));
        }),
        bob.request('protectedModules/writeFile', { uri: M(`${PORTAL}/swap/planted.logic`), text: '// planted\n' }).then(() => {
          counts.writeFile++;
        }),
      ]);
      for (const r of results) {
        if (r.status === 'fulfilled') counts.answered++;
        else {
          const e = r.reason as { code?: number; message?: string };
          // Refused (the path is inside OrderAPI at that instant, or it moved) — never an assertion failure.
          assert.ok(typeof e.code === 'number', `unexpected failure: ${String(e.message ?? e)}`);
          assert.ok([PERMISSION_DENIED, FILE_NOT_FOUND, -32803, -32603, -32601, -32600, -32602].includes(e.code!) || e.code < 0, String(e.code));
        }
      }
    }
    const swaps = await swapper.done;
    assert.ok(swaps > 1000, `the swapper ran (${swaps} swaps)`);
    assert.ok(counts.readFile > 0 && counts.stat > 0 && counts.readDirectory > 0 && counts.writeFile > 0, JSON.stringify(counts));
    assert.doesNotMatch(sentToClient(bob), ORDER_API_PRIVATE);
    assert.equal(hashTree(path.join(root, API)), before, 'nothing was written into OrderAPI');
    assert.ok(!fs.existsSync(path.join(internal, 'planted.logic')));
  });
});

describe('class 2: stale listing — a listed folder replaced by a link after the load', () => {
  let root: string;
  let bob: TestClient;
  const decoy = "// bob's own helpers\nserver action DecoyHelper() {\n}\n";
  before(async () => {
    root = acme();
    fs.mkdirSync(path.join(root, PORTAL, 'swap'));
    fs.writeFileSync(path.join(root, PORTAL, 'swap', 'Discounts.logic'), decoy);
    bob = await startServer({ folders: [root], user: 'bob', modulesWorkspace: true });
  });
  after(async () => {
    await bob.close();
  });

  test('workspace symbols, completion, hover and documentSymbol serve nothing of OrderAPI; swapping back keeps nothing cached', async () => {
    const swap = path.join(root, PORTAL, 'swap');
    const uri = M(`${PORTAL}/swap/Discounts.logic`);
    const symbols = async () => JSON.stringify(await bob.request('workspace/symbol', { query: '' }));
    assert.match(await symbols(), /DecoyHelper/);
    const mark = Buffer.concat(bob.stdout).length;
    fs.renameSync(swap, swap + '.aside');
    fs.symlinkSync(path.join(root, API, 'internal'), swap);
    bob.filesChanged([{ uri: fileUri(path.join(swap, 'Discounts.logic')), type: FileChangeType.Changed }]);
    try {
      for (const query of ['', 'Compute', 'Volume', 'Discount']) {
        const s = await bob.request('workspace/symbol', { query });
        assert.doesNotMatch(JSON.stringify(s), ORDER_API_PRIVATE, `workspace/symbol ${query}`);
      }
      const ds = await bob.request('textDocument/documentSymbol', { textDocument: { uri } });
      assert.doesNotMatch(JSON.stringify(ds), ORDER_API_PRIVATE);
      // The listed file was read again and found moved: missing, not the decoy kept from before.
      assert.doesNotMatch(JSON.stringify(await bob.request('workspace/symbol', { query: 'Decoy' })), /DecoyHelper/);
      for (let line = 0; line < 20; line++) {
        for (const character of [0, 7, 14, 20, 30]) {
          const position = { line, character };
          await bob.request('textDocument/hover', { textDocument: { uri }, position });
          await bob.request('textDocument/completion', { textDocument: { uri }, position });
        }
      }
      const helpers = M(`${PORTAL}/logic/PortalHelpers.logic`);
      await bob.request('textDocument/completion', { textDocument: { uri: helpers }, position: { line: 0, character: 0 } });
      assert.doesNotMatch(sentToClient(bob, mark), ORDER_API_PRIVATE);
    } finally {
      fs.unlinkSync(swap);
      fs.renameSync(swap + '.aside', swap);
      bob.filesChanged([{ uri: fileUri(path.join(swap, 'Discounts.logic')), type: FileChangeType.Changed }]);
    }
    // Back: bob's own file again, and nothing private was kept under his path.
    const ds = JSON.stringify(await bob.request('textDocument/documentSymbol', { textDocument: { uri } }));
    assert.match(ds, /DecoyHelper/);
    assert.doesNotMatch(ds + (await symbols()), ORDER_API_PRIVATE);
    assert.doesNotMatch(sentToClient(bob), ORDER_API_PRIVATE);
  });
});

describe('class 3: interface documents never name a hidden type', () => {
  let root: string;
  let bob: TestClient;
  before(async () => {
    root = acme();
    fs.writeFileSync(
      path.join(root, API, 'structures', 'Quotes.logic'),
      [
        '/// A quote from the price lists.',
        'public server action QuoteFor(productId: Text) returns (quote: Pricing.PriceQuote) {',
        '}',
        '',
        '/// A type that does not resolve at all.',
        'public server action Nowhere(productId: Text) returns (thing: Atlantis.Thing) {',
        '}',
        '',
      ].join('\n'),
    );
    bob = await startServer({ folders: [root], user: 'bob', modulesWorkspace: true });
  });
  after(async () => {
    await bob.close();
  });

  test('moduleInterface, INTERFACE.logic, documentSymbol, hover and `cli interface`: a placeholder, the same as for a type that does not resolve', async () => {
    const iface = await bob.request<{ text: string; elements: { name: string; signature: string }[] }>('protectedModules/moduleInterface', {
      module: 'OrderAPI',
    });
    assert.doesNotMatch(JSON.stringify(iface), PRICING);
    const quote = iface.elements.find((e) => e.name === 'QuoteFor')!;
    const nowhere = iface.elements.find((e) => e.name === 'Nowhere')!;
    assert.match(quote.signature, /returns \(quote: _PrivateType\d+\)/);
    assert.match(nowhere.signature, /returns \(thing: _PrivateType\d+\)/);
    const file = await bob.request<{ text: string }>('protectedModules/readFile', { uri: M(`${API}/INTERFACE.logic`) });
    assert.equal(file.text, iface.text);
    const ds = await bob.request('textDocument/documentSymbol', { textDocument: { uri: 'module-interface://acme/OrderAPI.logic' } });
    assert.doesNotMatch(JSON.stringify(ds), PRICING);
    const cli = spawnSync(process.execPath, [path.join(REPO, 'dist', 'cli.js'), 'interface', root, 'OrderAPI', '--user', 'bob'], { encoding: 'utf8' });
    assert.equal(cli.status, 0, cli.stderr);
    assert.equal(cli.stdout.trim(), iface.text.trim());
    // Alice (full on Pricing) sees the real type: the placeholder is bob's view, not a rendering bug.
    const alice = await startServer({ folders: [root], user: 'alice', modulesWorkspace: true });
    try {
      const a = await alice.request<{ text: string }>('protectedModules/moduleInterface', { module: 'OrderAPI' });
      assert.match(a.text, /quote: Pricing\.PriceQuote/);
    } finally {
      await alice.close();
    }
    // Hover over calls: the hidden type reads exactly like the unresolvable one.
    const portal = M(`${PORTAL}/logic/Probe.logic`);
    const text = [
      'server action Probe() {',
      '  var q = OrderAPI.QuoteFor("p")',
      '  var t = OrderAPI.Nowhere("p")',
      '  var qm = q.Amount',
      '  var tm = t.Amount',
      '  var qw: Text = q',
      '  var tw: Text = t',
      '}',
      '',
    ].join('\n');
    bob.open(portal, text);
    // Diagnostics: the hidden type behaves exactly like the unresolvable one (no member error, no
    // mismatch on the one and not the other: found by a fresh attacker trial).
    const pds = await bob.diagnosticsFor(portal, () => true);
    const onLine = (line: number) => pds.filter((d) => d.range.start.line === line).map((d) => `${d.code}:${d.message}`);
    assert.deepEqual(
      onLine(3),
      onLine(4).map((m) => m.replace(/\btm\b/g, 'qm')),
    );
    assert.deepEqual(
      onLine(5),
      onLine(6).map((m) => m.replace(/\btw\b/g, 'qw')),
    );
    const hoverAt = async (line: number) =>
      JSON.stringify(await bob.request('textDocument/hover', { textDocument: { uri: portal }, position: { line, character: 7 } }));
    const hq = await hoverAt(1);
    const ht = await hoverAt(2);
    assert.doesNotMatch(hq + ht, PRICING);
    assert.doesNotMatch(hq, /hidden type/);
    const contents = (h: string) => JSON.stringify((JSON.parse(h) as { contents: unknown }).contents);
    assert.equal(contents(hq).replace(/\bq\b/g, 'X'), contents(ht).replace(/\bt\b/g, 'X'));
    assert.doesNotMatch(sentToClient(bob), PRICING);
  });
});

describe('class 4: environments do not nest', () => {
  let root: string;
  let bob: TestClient;
  let alice: TestClient;
  before(async () => {
    root = acme();
    bob = await startServer({ folders: [root], user: 'bob', modulesWorkspace: true });
  });
  after(async () => {
    await bob.close();
    await alice?.close();
  });

  test('an environment.json inside OrderPortal, added as a workspace folder, makes no environment and no admin', async () => {
    const mine = JSON.stringify({ name: 'Mine', admins: ['bob'], users: { bob: { groups: [] } }, defaultAccess: 'full', grants: [] });
    await bob.request('protectedModules/writeFile', { uri: M(`${PORTAL}/environment.json`), text: mine });
    const inner = path.join(root, PORTAL);
    bob.notify('workspace/didChangeWorkspaceFolders', { event: { added: [{ uri: fileUri(inner), name: 'order-portal' }], removed: [] } });
    const who = await bob.request<{ admin: boolean; known: boolean }>('protectedModules/whoami', {});
    assert.equal(who.admin, false);
    const list = await bob.request<{ modules: { name: string }[] }>('protectedModules/listModules', {});
    assert.deepEqual(list.modules.map((m) => m.name).sort(), ['Common', 'OrderAPI', 'OrderPortal', 'Reporting']);
    // Not an environment of its own: its folder name is no authority, its files are OrderPortal's.
    const asEnv = await bob.requestError('protectedModules/readDirectory', { uri: modulesUri('order-portal', '') });
    assert.equal(asEnv.code, FILE_NOT_FOUND);
    const viaFile = await bob.request<{ text: string; readonly: boolean }>('protectedModules/readFile', { uri: fileUri(path.join(inner, 'environment.json')) });
    assert.equal(viaFile.readonly, false, 'an ordinary file of OrderPortal');
    // Creating a module still needs full on OrderPortal.
    const manifest = JSON.stringify({ name: 'Pricing', version: '9.0.0', kind: 'library', owner: 'bob' });
    const e = await bob.requestError('protectedModules/writeFile', { uri: M(`${PORTAL}/sub/module.json`), text: manifest });
    assert.equal(e.code, PERMISSION_DENIED);
    assert.deepEqual((e.data as { required: string }).required, 'full');
    assert.ok(!fs.existsSync(path.join(inner, 'sub', 'module.json')));
  });

  test("a nested module.json claiming a hidden module's name (made on disk) neither voids nor impersonates it", async () => {
    fs.mkdirSync(path.join(root, PORTAL, 'fake'), { recursive: true });
    fs.writeFileSync(path.join(root, PORTAL, 'fake', 'module.json'), JSON.stringify({ name: 'Pricing', version: '2.9.0', kind: 'library', owner: 'bob' }));
    alice = await startServer({ folders: [root], user: 'alice', modulesWorkspace: true });
    const list = await alice.request<{ modules: { name: string; owner: string }[] }>('protectedModules/listModules', {});
    const pricing = list.modules.find((m) => m.name === 'Pricing');
    assert.ok(pricing, 'the real Pricing stays valid');
    assert.equal(pricing.owner, 'alice');
    const iface = await alice.request<{ text: string }>('protectedModules/moduleInterface', { module: 'Pricing' });
    assert.match(iface.text, /PriceQuote/);
  });
});

describe('class 5: nested modules are reached only by name', () => {
  let root: string;
  let bob: TestClient;
  before(async () => {
    root = acme();
    // A module inside Pricing's folder (none for bob), unprotected: open for every known user by
    // default, so without the rule bob would read it through the Program.
    const vault = path.join(root, 'modules', 'pricing', 'tax', 'vaulted');
    fs.mkdirSync(vault, { recursive: true });
    fs.writeFileSync(path.join(vault, 'module.json'), JSON.stringify({ name: 'Vaulted', version: '1.0.0', kind: 'library', owner: 'alice' }));
    fs.writeFileSync(
      path.join(vault, 'Vault.logic'),
      '/// Opens the vault.\npublic server action OpenVault() returns (ok: Boolean) {\n  ok = SecretCombination()\n}\n\nserver action SecretCombination() returns (ok: Boolean) {\n  ok = true\n}\n',
    );
    const manifest = path.join(root, PORTAL, 'module.json');
    fs.writeFileSync(manifest, fs.readFileSync(manifest, 'utf8').replace('"Common": "^1.2.0",', '"Common": "^1.2.0",\n    "Vaulted": "^1.0.0",'));
    fs.writeFileSync(path.join(root, PORTAL, 'logic', 'UsesVault.logic'), 'server action UseVault() {\n  var ok = Vaulted.OpenVault()\n}\n');
    bob = await startServer({ folders: [root], user: 'bob', modulesWorkspace: true });
  });
  after(async () => {
    await bob.close();
  });

  test('workspace symbols, definition, references, diagnostics and `cli check` never name the outer folder', async () => {
    const uri = M(`${PORTAL}/logic/UsesVault.logic`);
    bob.open(uri, fs.readFileSync(path.join(root, PORTAL, 'logic', 'UsesVault.logic'), 'utf8'));
    const access = await bob.request<{ modules: { name: string; access: string }[] }>('protectedModules/listModules', {});
    assert.equal(access.modules.find((m) => m.name === 'Vaulted')?.access, 'reference', 'capped at reference');
    const symbols = JSON.stringify(await bob.request('workspace/symbol', { query: 'Vault' }));
    assert.match(symbols, /OpenVault/);
    assert.doesNotMatch(symbols, /pricing|SecretCombination/);
    const def = JSON.stringify(await bob.request('textDocument/definition', { textDocument: { uri }, position: { line: 1, character: 22 } }));
    assert.match(def, /module-interface:\/\/acme\/Vaulted\.logic/);
    const refs = JSON.stringify(
      await bob.request('textDocument/references', { textDocument: { uri }, position: { line: 1, character: 22 }, context: { includeDeclaration: true } }),
    );
    assert.doesNotMatch(refs, /pricing/);
    const read = await bob.requestError('protectedModules/readFile', { uri: M('modules/pricing/tax/vaulted/Vault.logic') });
    assert.equal(read.code, FILE_NOT_FOUND, 'inside a module at none: answered as missing');
    const cli = spawnSync(process.execPath, [path.join(REPO, 'dist', 'cli.js'), 'check', root, '--user', 'bob', '--format', 'json'], { encoding: 'utf8' });
    assert.doesNotMatch(cli.stdout + cli.stderr, /pricing|SecretCombination/);
    await bob.request('protectedModules/whoami', {});
    assert.doesNotMatch(sentToClient(bob), /modules\/pricing|SecretCombination/);
  });
});

describe('class 6: existence oracles', () => {
  let root: string;
  let bob: TestClient;
  let alice: TestClient;
  const old = new Date('2001-02-03T04:05:06Z');
  before(async () => {
    root = acme();
    // A cycle through Pricing (none for bob): OrderPortal → OrderAPI → Pricing → OrderPortal.
    const pricing = path.join(root, 'modules', 'pricing', 'module.json');
    fs.writeFileSync(pricing, fs.readFileSync(pricing, 'utf8').replace(/"dependencies":\s*\{/, '"dependencies": {\n    "OrderPortal": "*",'));
    // Distinctive times on private files and OrderAPI's folder.
    for (const f of ['internal/Discounts.logic', 'internal/Storage.logic', '.']) fs.utimesSync(path.join(root, API, f), old, old);
    // bob's links: one to an existing private file, one to a missing one.
    fs.symlinkSync(path.join(root, API, 'internal', 'Discounts.logic'), path.join(root, PORTAL, 'logic', 'to-existing.logic'));
    fs.symlinkSync(path.join(root, API, 'internal', 'Missing.logic'), path.join(root, PORTAL, 'logic', 'to-missing.logic'));
    fs.symlinkSync(path.join(root, 'modules', 'pricing', 'PriceLists.logic'), path.join(root, PORTAL, 'logic', 'to-hidden.logic'));
    fs.symlinkSync(path.join(root, 'modules', 'pricing', 'Nothing.logic'), path.join(root, PORTAL, 'logic', 'to-hidden-missing.logic'));
    bob = await startServer({ folders: [root], user: 'bob', modulesWorkspace: true });
    alice = await startServer({ folders: [root], user: 'alice', modulesWorkspace: true });
  });
  after(async () => {
    await bob.close();
    await alice.close();
  });

  test('dependency-cycle is reported only along modules the user can see', async () => {
    const manifest = M(`${PORTAL}/module.json`);
    const text = fs.readFileSync(path.join(root, PORTAL, 'module.json'), 'utf8');
    alice.open(manifest, text);
    bob.open(manifest, text);
    const a = await alice.diagnosticsFor(manifest, (ds) => ds.some((d) => d.code === 'dependency-cycle'), 'alice sees the cycle');
    assert.ok(a.length > 0);
    await bob.request('protectedModules/whoami', {});
    const b = await bob.diagnosticsFor(manifest, () => true);
    assert.deepEqual(
      b.filter((d) => d.code === 'dependency-cycle'),
      [],
    );
    assert.doesNotMatch(sentToClient(bob), /Pricing/);
  });

  test('stat: interface documents and folders below open never carry the times of private files; environment.json has no size or times for non-admins', async () => {
    const oldMs = old.getTime();
    const iface = await bob.request<{ mtime: number; ctime: number }>('protectedModules/stat', { uri: M(`${API}/INTERFACE.logic`) });
    assert.notEqual(iface.mtime, oldMs);
    const doc = await bob.request<{ mtime: number }>('protectedModules/stat', { uri: 'module-interface://acme/OrderAPI.logic' });
    assert.equal(doc.mtime, iface.mtime, 'one time for one interface text');
    const folder = await bob.request<{ mtime: number; ctime: number }>('protectedModules/stat', { uri: M(API) });
    assert.notEqual(folder.mtime, oldMs);
    assert.notEqual(folder.ctime, Math.round(fs.statSync(path.join(root, API)).ctimeMs));
    const reporting = await bob.request<{ mtime: number }>('protectedModules/stat', { uri: M('modules/reporting') });
    assert.equal(reporting.mtime, 0, 'at list: no time at all');
    const policy = await bob.request<{ size: number; mtime: number; ctime: number }>('protectedModules/stat', { uri: M('environment.json') });
    assert.deepEqual([policy.size, policy.mtime, policy.ctime], [0, 0, 0]);
    const admin = await alice.request<{ size: number }>('protectedModules/stat', { uri: M('environment.json') });
    assert.equal(admin.size, fs.statSync(path.join(root, 'environment.json')).size);
  });

  test('readDirectory lists a link only when its target is readable: existing and missing private targets look the same', async () => {
    const r = await bob.request<{ entries: [string, string][] }>('protectedModules/readDirectory', { uri: M(`${PORTAL}/logic`) });
    const names = r.entries.map((e) => e[0]);
    for (const n of ['to-existing.logic', 'to-missing.logic', 'to-hidden.logic', 'to-hidden-missing.logic']) assert.ok(!names.includes(n), n);
    const e1 = await bob.requestError('protectedModules/readFile', { uri: M(`${PORTAL}/logic/to-existing.logic`) });
    const e2 = await bob.requestError('protectedModules/readFile', { uri: M(`${PORTAL}/logic/to-missing.logic`) });
    assert.deepEqual([e1.code, e1.message, e1.data], [e2.code, e2.message, e2.data]);
    const h1 = await bob.requestError('protectedModules/stat', { uri: M(`${PORTAL}/logic/to-hidden.logic`) });
    const h2 = await bob.requestError('protectedModules/stat', { uri: M(`${PORTAL}/logic/to-hidden-missing.logic`) });
    const h3 = await bob.requestError('protectedModules/stat', { uri: M(`${PORTAL}/logic/no-such-file.logic`) });
    assert.deepEqual([h1.code, h1.message, h1.data], [h2.code, h2.message, h2.data]);
    assert.deepEqual([h1.code, h1.message, h1.data], [h3.code, h3.message, h3.data]);
  });

  test('a hidden type and a type that does not exist read the same in hovers', async () => {
    const uri = M(`${PORTAL}/logic/Types.logic`);
    bob.open(uri, 'server action T(a: Pricing.PriceQuote, b: Atlantis.Thing) {\n  var x = a\n  var y = b\n}\n');
    const hx = JSON.stringify(await bob.request('textDocument/hover', { textDocument: { uri }, position: { line: 1, character: 6 } }));
    const hy = JSON.stringify(await bob.request('textDocument/hover', { textDocument: { uri }, position: { line: 2, character: 6 } }));
    const contents = (h: string) => JSON.stringify((JSON.parse(h) as { contents: unknown }).contents);
    assert.equal(contents(hx).replace(/\bx\b/g, 'V'), contents(hy).replace(/\by\b/g, 'V'));
  });
});

describe('class 7: no stack trace or server path in any message to a client', () => {
  let root: string;
  let bob: TestClient;
  before(async () => {
    root = acme();
    bob = await startServer({ folders: [root], user: 'bob', modulesWorkspace: true, trace: 'verbose' });
  });
  after(async () => {
    await bob.close();
  });

  test('malformed parameters of every request kind', async () => {
    const methods = [
      'textDocument/hover',
      'textDocument/completion',
      'completionItem/resolve',
      'textDocument/signatureHelp',
      'textDocument/definition',
      'textDocument/references',
      'textDocument/documentSymbol',
      'textDocument/documentHighlight',
      'textDocument/codeAction',
      'textDocument/rename',
      'textDocument/prepareRename',
      'workspace/symbol',
      'protectedModules/readFile',
      'protectedModules/stat',
      'protectedModules/readDirectory',
      'protectedModules/writeFile',
      'protectedModules/access',
      'protectedModules/moduleInterface',
      'protectedModules/setProtection',
      'protectedModules/grantAccess',
    ];
    const bad: unknown[] = [
      null,
      42,
      'x',
      [],
      { textDocument: null },
      { textDocument: { uri: 42 }, position: 'x' },
      { textDocument: { uri: M(`${PORTAL}/logic/PortalHelpers.logic`) }, position: { line: -1, character: 'a' } },
      { textDocument: { uri: M(`${PORTAL}/logic/PortalHelpers.logic`) }, position: { line: 1e12, character: 1e12 }, context: 7 },
      { uri: { toString: 1 } },
      { query: { length: -1 } },
      { data: { kind: 'element', module: {}, name: [] } },
      { module: { name: 1 }, to: null, access: {} },
    ];
    for (const method of methods) for (const params of bad) await bob.request(method, params).catch(() => undefined);
    for (const method of [
      'textDocument/didOpen',
      'textDocument/didChange',
      'textDocument/didClose',
      'workspace/didChangeWatchedFiles',
      'workspace/didChangeConfiguration',
    ]) {
      for (const params of bad) bob.notify(method, params);
    }
    await bob.request('protectedModules/whoami', {});
    const sent = sentToClient(bob);
    const frame = /\bat [\w.<>]+ \(|\n\s+at |\\n\s+at /.exec(sent);
    assert.equal(frame, null, `a stack frame: ${frame ? sent.slice(Math.max(0, frame.index - 300), frame.index + 200) : ''}`);
    assert.ok(!sent.includes(REPO), 'the server install path');
    assert.doesNotMatch(sent, /dist\/server\.js|node:internal|\.ts:\d+/);
  });
});
