// The access-checked file system of SPEC 4 (stat, readDirectory, readFile, writeFile, access),
// over stdio against the built server, on a temp copy of test/fixtures/server-env.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { modulesUri, fileUri, useServer } from './lsp-client';

const M = (rel: string) => modulesUri('server-env', rel);
const PERMISSION_DENIED = -32001;
const MODULE_NOT_FOUND = -32002;
const FILE_NOT_FOUND = -32003;

describe('as bob (contractor: OrderAPI reference, Reporting list, Pricing none, Portal change)', () => {
  const bob = useServer('test/fixtures/server-env', 'bob', {
    prepare: (root) => {
      fs.mkdirSync(path.join(root, '.git'));
      fs.writeFileSync(path.join(root, '.git', 'config'), 'secret');
      fs.symlinkSync(path.join(root, 'internal', 'Pricing', 'prices.logic'), path.join(root, 'Portal', 'link-to-pricing.logic'));
      fs.symlinkSync(path.join(root, 'OrderAPI', 'src', 'orders.logic'), path.join(root, 'Portal', 'link-to-orders.logic'));
      fs.symlinkSync('/etc/hostname', path.join(root, 'Portal', 'outside.logic'));
    },
  });

  test('readFile of a protected module source fails with PermissionDenied and the SPEC data', async () => {
    for (const rel of ['OrderAPI/src/orders.logic', 'OrderAPI/module.json', 'OrderAPI/src/does-not-exist.logic']) {
      const e = await bob.requestError('protectedModules/readFile', { uri: M(rel) });
      assert.equal(e.code, PERMISSION_DENIED, rel);
      assert.deepEqual(e.data, { module: 'OrderAPI', access: 'reference', required: 'open', owner: 'alice' });
    }
    const byFile = await bob.requestError('protectedModules/readFile', { uri: fileUri(path.join(bob.root, 'OrderAPI/src/orders.logic')) });
    assert.equal(byFile.code, PERMISSION_DENIED);
    const stat = await bob.requestError('protectedModules/stat', { uri: M('OrderAPI/src') });
    assert.equal(stat.code, PERMISSION_DENIED);
    const dir = await bob.requestError('protectedModules/readDirectory', { uri: M('OrderAPI/src') });
    assert.equal(dir.code, PERMISSION_DENIED);
  });

  test('a module at reference lists only the read-only INTERFACE.logic', async () => {
    const r = await bob.request<{ entries: [string, string][] }>('protectedModules/readDirectory', { uri: M('OrderAPI') });
    assert.deepEqual(r.entries, [['INTERFACE.logic', 'file']]);
    const f = await bob.request<{ text: string; readonly: boolean; readonlyReason?: string }>('protectedModules/readFile', {
      uri: M('OrderAPI/INTERFACE.logic'),
    });
    assert.equal(f.readonly, true);
    assert.match(f.text, /^\/\/ Interface of OrderAPI 1\.4\.0/);
    assert.match(f.text, /public server action CreateOrder\(/);
    assert.doesNotMatch(f.text, /Zebra|CANARY/);
    assert.match(f.readonlyReason ?? '', /OrderAPI/);
    const st = await bob.request<{ type: string; size: number; readonly: boolean }>('protectedModules/stat', { uri: M('OrderAPI/INTERFACE.logic') });
    assert.equal(st.type, 'file');
    assert.equal(st.readonly, true);
    assert.equal(st.size, Buffer.byteLength(f.text));
    const folder = await bob.request<{ type: string }>('protectedModules/stat', { uri: M('OrderAPI') });
    assert.equal(folder.type, 'directory');
  });

  test('a module at list shows an empty folder; its INTERFACE.logic needs reference', async () => {
    const r = await bob.request<{ entries: unknown[] }>('protectedModules/readDirectory', { uri: M('Reporting') });
    assert.deepEqual(r.entries, []);
    const e = await bob.requestError('protectedModules/readFile', { uri: M('Reporting/INTERFACE.logic') });
    assert.equal(e.code, PERMISSION_DENIED);
    assert.deepEqual(e.data, { module: 'Reporting', access: 'list', required: 'reference', owner: 'alice' });
    const i = await bob.requestError('protectedModules/moduleInterface', { module: 'Reporting' });
    assert.equal(i.code, PERMISSION_DENIED);
  });

  test('a module at none appears nowhere and answers exactly like a missing one', async () => {
    const list = await bob.request<{ modules: { name: string }[] }>('protectedModules/listModules', {});
    assert.deepEqual(
      list.modules.map((m) => m.name),
      ['Common', 'OrderAPI', 'Portal', 'Reporting'],
    );
    const rootDir = await bob.request<{ entries: [string, string][] }>('protectedModules/readDirectory', { uri: M('') });
    assert.deepEqual(
      rootDir.entries.map((e) => e[0]),
      ['Common', 'OrderAPI', 'Portal', 'Reporting', 'docs', 'environment.json'],
    );
    const pairs: [string, string][] = [
      ['internal/Pricing/prices.logic', 'internal/Nothing/prices.logic'],
      ['internal/Pricing', 'internal/Nothing'],
      ['internal', 'nothing-here'],
      ['internal/Pricing/INTERFACE.logic', 'internal/Nothing/INTERFACE.logic'],
      ['Portal/link-to-pricing.logic', 'Portal/no-such-link.logic'],
    ];
    for (const method of ['readFile', 'stat', 'readDirectory', 'access']) {
      for (const [hidden, missing] of pairs) {
        // `access` answers for a missing path in a visible module without a lookup (docs/DECISIONS.md).
        if (method === 'access' && missing.startsWith('Portal/')) continue;
        const a = await bob.requestError(`protectedModules/${method}`, { uri: M(hidden) });
        const b = await bob.requestError(`protectedModules/${method}`, { uri: M(missing) });
        assert.equal(a.code, FILE_NOT_FOUND, `${method} ${hidden}`);
        assert.deepEqual(a, b, `${method} ${hidden} vs ${missing}`);
      }
    }
    const w1 = await bob.requestError('protectedModules/writeFile', { uri: M('internal/Pricing/x.logic'), text: 'x' });
    const w2 = await bob.requestError('protectedModules/writeFile', { uri: M('nothing-here/x.logic'), text: 'x' });
    assert.equal(w1.code, FILE_NOT_FOUND);
    assert.deepEqual(w1, w2);
    const i1 = await bob.requestError('protectedModules/moduleInterface', { module: 'Pricing' });
    const i2 = await bob.requestError('protectedModules/moduleInterface', { module: 'NoSuchModule' });
    assert.equal(i1.code, MODULE_NOT_FOUND);
    assert.deepEqual(i1, i2);
    const d1 = await bob.requestError('protectedModules/readFile', { uri: 'module-interface://server-env/Pricing.logic' });
    const d2 = await bob.requestError('protectedModules/readFile', { uri: 'module-interface://server-env/NoSuchModule.logic' });
    assert.deepEqual(d1, d2);
    assert.ok(!fs.existsSync(path.join(bob.root, 'internal/Pricing/x.logic')));
    assert.doesNotMatch(bob.allOutput(), /Pricing|CANARY_PRICING/);
  });

  test('paths are resolved before the decision: links, .. and hidden folders', async () => {
    const viaLink = await bob.requestError('protectedModules/readFile', { uri: M('Portal/link-to-orders.logic') });
    assert.equal(viaLink.code, PERMISSION_DENIED);
    assert.equal((viaLink.data as { module: string }).module, 'OrderAPI');
    const outside = await bob.requestError('protectedModules/readFile', { uri: M('Portal/outside.logic') });
    assert.equal(outside.code, FILE_NOT_FOUND);
    const escape = await bob.requestError('protectedModules/readFile', { uri: M('Portal/../../../etc/hostname') });
    assert.equal(escape.code, FILE_NOT_FOUND);
    const outsideFile = await bob.requestError('protectedModules/readFile', { uri: fileUri('/etc/hostname') });
    assert.equal(outsideFile.code, FILE_NOT_FOUND);
    const dot = await bob.requestError('protectedModules/readFile', { uri: M('.git/config') });
    assert.equal(dot.code, FILE_NOT_FOUND);
    const portal = await bob.request<{ entries: [string, string][] }>('protectedModules/readDirectory', { uri: M('Portal') });
    const names = portal.entries.map((e) => e[0]);
    // SPEC 4.1: a link is listed only when the user may read its target (whether a refused
    // target exists is never looked at, so listing it would be an existence oracle).
    assert.ok(!names.includes('link-to-orders.logic'));
    assert.ok(!names.includes('link-to-pricing.logic'));
    assert.ok(!names.includes('outside.logic'));
  });

  test('writeFile into a module below change fails; the file is untouched', async () => {
    const before = fs.readFileSync(path.join(bob.root, 'OrderAPI/src/orders.logic'), 'utf8');
    const e = await bob.requestError('protectedModules/writeFile', { uri: M('OrderAPI/src/orders.logic'), text: 'stolen' });
    assert.equal(e.code, PERMISSION_DENIED);
    assert.deepEqual(e.data, { module: 'OrderAPI', access: 'reference', required: 'open', owner: 'alice' });
    const v = await bob.requestError('protectedModules/writeFile', { uri: M('OrderAPI/INTERFACE.logic'), text: 'x' });
    assert.equal(v.code, PERMISSION_DENIED);
    assert.equal((v.data as { required: string }).required, 'change');
    assert.equal(fs.readFileSync(path.join(bob.root, 'OrderAPI/src/orders.logic'), 'utf8'), before);
    assert.ok(!fs.existsSync(path.join(bob.root, 'OrderAPI/INTERFACE.logic')));
  });

  test('writeFile into a module at change works atomically and keeps the mode', async () => {
    const target = path.join(bob.root, 'Portal/screens/home.logic');
    fs.chmodSync(target, 0o640);
    const text = 'screen Home {\n  var orderId: Text\n}\n';
    const before = bob.count('protectedModules/didChangeModules');
    assert.deepEqual(await bob.request('protectedModules/writeFile', { uri: M('Portal/screens/home.logic'), text }), {});
    assert.equal(fs.readFileSync(target, 'utf8'), text);
    assert.equal(fs.statSync(target).mode & 0o777, 0o640);
    assert.deepEqual(
      fs.readdirSync(path.dirname(target)).filter((n) => n.startsWith('.')),
      [],
      'no temporary file left behind',
    );
    // A new file in a new folder.
    await bob.request('protectedModules/writeFile', { uri: M('Portal/logic/new.logic'), text: '// new\n' });
    assert.equal(fs.readFileSync(path.join(bob.root, 'Portal/logic/new.logic'), 'utf8'), '// new\n');
    await bob.waitFor(() => bob.count('protectedModules/didChangeModules') > before, 'didChangeModules');
    const r = await bob.request<{ text: string; readonly: boolean }>('protectedModules/readFile', { uri: M('Portal/screens/home.logic') });
    assert.deepEqual(r, { text, readonly: false });
  });

  test("a change-level user may edit a manifest's ordinary fields but not protected, owner or name", async () => {
    const manifest = path.join(bob.root, 'Portal/module.json');
    const original = fs.readFileSync(manifest, 'utf8');
    const described = original.replace('"kind": "ui",', '"kind": "ui",\n  "description": "The portal.",');
    await bob.request('protectedModules/writeFile', { uri: M('Portal/module.json'), text: described });
    assert.equal(fs.readFileSync(manifest, 'utf8'), described);
    for (const text of [
      described.replace('"owner": "alice"', '"owner": "bob"'),
      described.replace('"kind": "ui",', '"kind": "ui",\n  "protected": true,'),
      described.replace('"name": "Portal"', '"name": "Reporting2"'),
    ]) {
      const e = await bob.requestError('protectedModules/writeFile', { uri: M('Portal/module.json'), text });
      assert.equal(e.code, PERMISSION_DENIED);
      assert.deepEqual(e.data, { module: 'Portal', access: 'change', required: 'full', owner: 'alice' });
    }
    const nested = await bob.requestError('protectedModules/writeFile', {
      uri: M('Portal/sub/module.json'),
      text: '{ "name": "Sub", "version": "1.0.0", "kind": "ui", "owner": "bob" }',
    });
    assert.equal(nested.code, PERMISSION_DENIED);
    assert.equal(fs.readFileSync(manifest, 'utf8'), described);
  });

  test('the environment files: readable by known users, environment.json and writes by admins only', async () => {
    const readme = await bob.request<{ text: string; readonly: boolean }>('protectedModules/readFile', { uri: M('docs/README.md') });
    assert.equal(readme.readonly, true);
    const policy = await bob.requestError('protectedModules/readFile', { uri: M('environment.json') });
    assert.equal(policy.code, PERMISSION_DENIED);
    assert.deepEqual(policy.data, { module: '', access: 'open', required: 'full', owner: '' });
    const w = await bob.requestError('protectedModules/writeFile', { uri: M('environment.json'), text: '{}' });
    assert.equal(w.code, PERMISSION_DENIED);
    const st = await bob.request<{ readonly: boolean }>('protectedModules/stat', { uri: M('environment.json') });
    assert.equal(st.readonly, true);
  });

  test('access reports the module, level, owner and what the user can do', async () => {
    assert.deepEqual(await bob.request('protectedModules/access', { uri: M('OrderAPI/src/orders.logic') }), {
      module: 'OrderAPI',
      access: 'reference',
      canRead: false,
      canWrite: false,
      owner: 'alice',
      reason: 'bob is in group contractors, granted reference on OrderAPI.',
    });
    const portal = await bob.request<{ module: string; access: string; canRead: boolean; canWrite: boolean }>('protectedModules/access', {
      uri: M('Portal/screens/home.logic'),
    });
    assert.deepEqual([portal.module, portal.access, portal.canRead, portal.canWrite], ['Portal', 'change', true, true]);
    const iface = await bob.request<{ canRead: boolean; canWrite: boolean }>('protectedModules/access', {
      uri: 'module-interface://server-env/OrderAPI.logic',
    });
    assert.deepEqual([iface.canRead, iface.canWrite], [true, false]);
  });

  test('moduleInterface at reference: public elements only, with a module-interface URI', async () => {
    const r = await bob.request<{
      module: string;
      version: string;
      owner: string;
      access: string;
      uri: string;
      text: string;
      elements: { kind: string; name: string; signature: string; documentation?: string }[];
    }>('protectedModules/moduleInterface', { module: 'OrderAPI' });
    assert.equal(r.uri, 'module-interface://server-env/OrderAPI.logic');
    assert.deepEqual([r.module, r.version, r.owner, r.access], ['OrderAPI', '1.4.0', 'alice', 'reference']);
    // Ordered by name (SPEC 4.1).
    assert.deepEqual(
      r.elements.map((e) => [e.kind, e.name]),
      [
        ['serverAction', 'CreateOrder'],
        ['structure', 'OrderLine'],
      ],
    );
    assert.doesNotMatch(JSON.stringify(r), /Zebra|CANARY/);
  });

  test('nothing the server wrote mentions private names, canaries or the hidden module', () => {
    assert.doesNotMatch(bob.allOutput(), /Zebra|CANARY|Pricing|prices\.logic|zebra_internal/);
  });
});

describe('as carol (reviewer: reference everywhere, Reporting open)', () => {
  const carol = useServer('test/fixtures/server-env', 'carol');

  test('files of a module at open are read-only, with a reason naming module, access and owner', async () => {
    const r = await carol.request<{ text: string; readonly: boolean; readonlyReason?: string }>('protectedModules/readFile', {
      uri: M('Reporting/dashboard.logic'),
    });
    assert.equal(r.readonly, true);
    assert.match(r.readonlyReason ?? '', /Reporting/);
    assert.match(r.readonlyReason ?? '', /\bopen\b/);
    assert.match(r.readonlyReason ?? '', /alice/);
    const st = await carol.request<{ readonly: boolean; readonlyReason?: string }>('protectedModules/stat', { uri: M('Reporting/dashboard.logic') });
    assert.equal(st.readonly, true);
    assert.equal(st.readonlyReason, r.readonlyReason);
    const e = await carol.requestError('protectedModules/writeFile', { uri: M('Reporting/dashboard.logic'), text: 'x' });
    assert.equal(e.code, PERMISSION_DENIED);
    assert.deepEqual(e.data, { module: 'Reporting', access: 'open', required: 'change', owner: 'alice' });
    // Pricing is at reference for carol (the `*` grant): its folder shows the interface.
    const p = await carol.request<{ entries: [string, string][] }>('protectedModules/readDirectory', { uri: M('internal/Pricing') });
    assert.deepEqual(p.entries, [['INTERFACE.logic', 'file']]);
  });
});

describe('as alice (owner and admin)', () => {
  const alice = useServer('test/fixtures/server-env', 'alice');

  test('everything is visible and editable', async () => {
    const list = await alice.request<{ modules: { name: string; access: string }[] }>('protectedModules/listModules', {});
    assert.deepEqual(
      list.modules.map((m) => [m.name, m.access]),
      [
        ['Common', 'full'],
        ['OrderAPI', 'full'],
        ['Portal', 'full'],
        ['Pricing', 'full'],
        ['Reporting', 'full'],
      ],
    );
    const dir = await alice.request<{ entries: [string, string][] }>('protectedModules/readDirectory', { uri: M('OrderAPI/src') });
    assert.deepEqual(dir.entries, [
      ['orders.logic', 'file'],
      ['zebra_internal.logic', 'file'],
    ]);
    const src = await alice.request<{ text: string; readonly: boolean }>('protectedModules/readFile', { uri: M('internal/Pricing/prices.logic') });
    assert.equal(src.readonly, false);
    assert.match(src.text, /PriceOf/);
    const policy = await alice.request<{ text: string; readonly: boolean }>('protectedModules/readFile', { uri: M('environment.json') });
    assert.equal(policy.readonly, false);
    const changed = policy.text.replace('"defaultAccess": "change"', '"defaultAccess": "open"');
    const accessBefore = alice.count('protectedModules/didChangeAccess');
    await alice.request('protectedModules/writeFile', { uri: M('environment.json'), text: changed });
    assert.equal(fs.readFileSync(path.join(alice.root, 'environment.json'), 'utf8'), changed);
    await alice.waitFor(() => alice.count('protectedModules/didChangeAccess') > accessBefore, 'didChangeAccess');
    const orders = await alice.request<{ readonly: boolean }>('protectedModules/readFile', {
      uri: fileUri(path.join(alice.root, 'OrderAPI/src/orders.logic')),
    });
    assert.equal(orders.readonly, false);
    // An admin creates a new module outside every existing one.
    const manifest = '{ "name": "Billing", "version": "0.1.0", "kind": "service", "owner": "alice" }\n';
    await alice.request('protectedModules/writeFile', { uri: M('services/Billing/module.json'), text: manifest });
    assert.equal(fs.readFileSync(path.join(alice.root, 'services/Billing/module.json'), 'utf8'), manifest);
    const after = await alice.request<{ modules: { name: string }[] }>('protectedModules/listModules', {});
    assert.ok(after.modules.some((m) => m.name === 'Billing'));
    const missing = await alice.requestError('protectedModules/readFile', { uri: M('services/nothing.txt') });
    assert.equal(missing.code, -32003);
  });
});
