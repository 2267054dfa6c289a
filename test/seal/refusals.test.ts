// Sealed modules, bad input (SPEC 9; issue 11 acceptance 3): each refusal has a clear message and
// a non-zero exit and writes nothing; a sealed folder edited after install is `invalid-seal` with
// no elements, for the CLI and for the running server. Hostile archives are built by hand with tar
// headers (tar's Header class), on copies of the examples in a temp folder.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { FileChangeType } from 'vscode-languageserver-protocol';
import { startServer, fileUri } from '../server/lsp-client';
import { REPO } from '../server/lsp-client';
import { cli, pmodFiles, sealAndInstall, signingKeyOf, snapshot, tarEntry, tarOf, trust, type Run, type Sealed } from './setup';

const NAMES = ['module.json', 'INTERFACE.logic', 'sources.age', 'SEAL.json'];

let s: Sealed;
/** A fresh client environment (a copy of examples/client that trusts the test key), nothing installed. */
let fresh: string;
let files: Record<string, Buffer>;
let counter = 0;

before(() => {
  s = sealAndInstall({ install: false });
  fresh = s.client;
  files = pmodFiles(s.pmod);
});
after(() => fs.rmSync(s.dir, { recursive: true, force: true }));

/** Writes a .pmod built by hand from `entries`. */
function archive(entries: Buffer[]): string {
  const p = path.join(s.dir, `hand-${++counter}.pmod`);
  fs.writeFileSync(p, tarOf(entries));
  return p;
}

/** The four files, some replaced. */
function withFiles(changes: Record<string, Buffer>): string {
  return archive(NAMES.map((n) => tarEntry(n, changes[n] ?? files[n])));
}

/** Runs install into `env` and checks: exit 1, one clear line matching `why`, nothing written. */
function refused(env: string, pmod: string, why: RegExp, extra: string[] = []): Run {
  const before = snapshot(env);
  const beforeParent = fs.readdirSync(path.dirname(env)).sort();
  const r = cli(['install', env, pmod, ...extra]);
  assert.equal(r.code, 1, `exit code; stdout: ${r.stdout} stderr: ${r.stderr}`);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^protected-modules: /);
  assert.match(r.stderr, why);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.ok(!/\n\s+at /.test(r.stderr), 'no stack trace');
  assert.deepEqual(snapshot(env), before, 'nothing written in the environment');
  assert.deepEqual(fs.readdirSync(path.dirname(env)).sort(), beforeParent, 'nothing written beside it');
  return r;
}

/** A copy of the fresh client environment, edited by `edit`. */
function variant(edit: (root: string) => void): string {
  const root = path.join(s.dir, `variant-${++counter}`, 'client');
  fs.cpSync(fresh, root, { recursive: true });
  edit(root);
  return root;
}

describe('install refuses, with a reason, writing nothing', () => {
  test('the untouched archive installs (the refusals below are not about something else)', () => {
    const env = variant(() => {});
    const r = cli(['install', env, withFiles({})]);
    assert.equal(r.code, 0, r.stderr);
  });

  test('untrusted publisher', () => {
    const env = variant((root) => {
      const p = path.join(root, 'environment.json');
      fs.writeFileSync(p, fs.readFileSync(p, 'utf8').replace('"acme":', '"someone-else":'));
    });
    refused(env, s.pmod, /untrusted publisher: 'acme' is not in trustedPublishers/);
  });

  test('trusted name, other key: the signature does not verify', () => {
    const env = variant((root) => {
      const p = path.join(root, 'environment.json');
      fs.writeFileSync(p, fs.readFileSync(p, 'utf8').replace(signingKeyOf(s.pub), 'ed25519:9Nl0nNBM4w+u/sl08KIlH3+5cMMBmXikr7XzLzuwFFc='));
    });
    refused(env, s.pmod, /tampered file: the signature in SEAL\.json does not verify/);
  });

  test('tampered INTERFACE.logic', () => {
    const text = files['INTERFACE.logic'].toString('utf8').replace('public server action GetOrder', 'public server action GetOrders');
    refused(fresh, withFiles({ 'INTERFACE.logic': Buffer.from(text) }), /tampered file: INTERFACE\.logic does not match/);
  });

  test('tampered sources.age', () => {
    const b = Buffer.from(files['sources.age']);
    b[b.length - 5] ^= 1;
    refused(fresh, withFiles({ 'sources.age': b }), /tampered file: sources\.age does not match/);
  });

  test('tampered module.json', () => {
    const text = files['module.json'].toString('utf8').replace('"protected": true', '"protected": false');
    assert.notEqual(text, files['module.json'].toString('utf8'));
    refused(fresh, withFiles({ 'module.json': Buffer.from(text) }), /tampered file: module\.json does not match/);
  });

  test('tampered SEAL.json (still valid JSON, signature kept)', () => {
    const seal = JSON.parse(files['SEAL.json'].toString('utf8'));
    seal.environment = 'another-env';
    refused(fresh, withFiles({ 'SEAL.json': Buffer.from(JSON.stringify(seal)) }), /tampered file: the signature in SEAL\.json does not verify/);
    refused(fresh, withFiles({ 'SEAL.json': Buffer.from('{ not json') }), /tampered file: SEAL\.json is not valid JSON/);
  });

  test('bound to another environment', () => {
    const other = path.join(s.dir, 'other-env.pmod');
    const r = cli(['seal', s.acme, 'OrderAPI', '--key', s.key, '--publisher', 'acme', '--for', 'initech-prod', '--out', other]);
    assert.equal(r.code, 0, r.stderr);
    refused(fresh, other, /bound to another environment: sealed for environment 'initech-prod', this one is 'globex-retail'/);
  });

  test('environment without id (the bundle is bound)', () => {
    const env = variant((root) => {
      const p = path.join(root, 'environment.json');
      fs.writeFileSync(p, fs.readFileSync(p, 'utf8').replace('"id": "globex-retail",', ''));
    });
    refused(env, s.pmod, /bound to another environment: sealed for environment 'globex-retail', and this environment has no id/);
  });

  test('an unbound bundle installs into an environment without id', () => {
    const unbound = path.join(s.dir, 'unbound.pmod');
    assert.equal(cli(['seal', s.acme, 'OrderAPI', '--key', s.key, '--publisher', 'acme', '--out', unbound]).code, 0);
    const env = variant((root) => {
      const p = path.join(root, 'environment.json');
      fs.writeFileSync(p, fs.readFileSync(p, 'utf8').replace('"id": "globex-retail",', ''));
    });
    const r = cli(['install', env, unbound]);
    assert.equal(r.code, 0, r.stderr);
  });

  test('name taken: by an unsealed module, and by an installed sealed one (without --upgrade)', () => {
    const env = variant((root) => {
      fs.mkdirSync(path.join(root, 'modules', 'mine'));
      fs.writeFileSync(
        path.join(root, 'modules', 'mine', 'module.json'),
        JSON.stringify({ name: 'OrderAPI', version: '0.1.0', kind: 'service', owner: 'hank' }),
      );
    });
    refused(env, s.pmod, /name taken: this environment already has a module named 'OrderAPI'/);
    refused(env, s.pmod, /name taken/, ['--upgrade']);
    const env2 = variant(() => {});
    assert.equal(cli(['install', env2, s.pmod]).code, 0);
    refused(env2, s.pmod, /name taken: 'OrderAPI' is already installed here \(sealed by acme, modules\/order-api\); give --upgrade/);
    // The upgrade hook (upgradeVerdict) lets the same publisher's bundle replace it.
    const r = cli(['install', env2, s.pmod, '--upgrade']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /upgrading OrderAPI 1\.4\.0 → 1\.4\.0/);
    assert.deepEqual(fs.readdirSync(path.join(env2, 'modules')).sort(), ['order-api', 'storefront']);
  });

  test('a --folder outside the environment, or inside another module', () => {
    refused(fresh, s.pmod, /not inside the environment/, ['--folder', '../elsewhere']);
    refused(fresh, s.pmod, /inside the module folder modules\/storefront/, ['--folder', 'modules/storefront/api']);
  });

  test('truncated archive', () => {
    const whole = fs.readFileSync(s.pmod);
    for (const cut of [600, 3000, whole.length - 1500]) {
      const p = path.join(s.dir, `truncated-${cut}.pmod`);
      fs.writeFileSync(p, whole.subarray(0, cut));
      refused(fresh, p, /damaged archive|truncated|missing from/);
    }
  });

  test('a ../ entry', () => {
    const p = archive([...NAMES.map((n) => tarEntry(n, files[n])), tarEntry('../evil.logic', Buffer.from('server action Evil() {}\n'))]);
    refused(fresh, p, /refused archive: unexpected entry '\.\.\/evil\.logic'/);
    assert.equal(fs.existsSync(path.join(path.dirname(fresh), 'evil.logic')), false);
    const q = archive([tarEntry('../module.json', files['module.json']), ...NAMES.slice(1).map((n) => tarEntry(n, files[n]))]);
    refused(fresh, q, /refused archive: unexpected entry '\.\.\/module\.json'/);
  });

  test('a symbolic link entry (and a hard link, and a folder)', () => {
    const link = archive([
      tarEntry('module.json', Buffer.alloc(0), { type: 'SymbolicLink', linkpath: '/etc/passwd' }),
      ...NAMES.slice(1).map((n) => tarEntry(n, files[n])),
    ]);
    refused(fresh, link, /refused archive: entry 'module\.json' is a SymbolicLink/);
    const hard = archive([...NAMES.map((n) => tarEntry(n, files[n])), tarEntry('extra', Buffer.alloc(0), { type: 'Link', linkpath: 'SEAL.json' })]);
    refused(fresh, hard, /refused archive: entry 'extra' is a Link/);
    const dir = archive([tarEntry('sub/', Buffer.alloc(0), { type: 'Directory' }), ...NAMES.map((n) => tarEntry(n, files[n]))]);
    refused(fresh, dir, /refused archive: entry 'sub\/' is a Directory/);
  });

  test('an archive claiming 1 GB is refused by its size before anything is read', () => {
    const p = archive([...NAMES.slice(0, 2).map((n) => tarEntry(n, files[n])), tarEntry('sources.age', Buffer.alloc(0), { size: 1024 ** 3 })]);
    assert.ok(fs.statSync(p).size < 64 * 1024, 'the file itself is small');
    refused(fresh, p, /'sources\.age' claims 1073741824 bytes, more than the \d+ allowed/);
  });

  test('a file larger than a .pmod may be is refused without reading it', () => {
    const p = path.join(s.dir, 'big.pmod');
    fs.writeFileSync(p, '');
    fs.truncateSync(p, 1024 ** 3); // sparse
    refused(fresh, p, /larger than the \d+ bytes a sealed module may have/);
  });

  test('a compressed or non-tar file', () => {
    const p = path.join(s.dir, 'gz.pmod');
    fs.writeFileSync(p, gzipSync(fs.readFileSync(s.pmod)));
    refused(fresh, p, /not an uncompressed tar archive/);
  });

  test('a missing file and a duplicated file', () => {
    refused(fresh, archive(NAMES.slice(0, 3).map((n) => tarEntry(n, files[n]))), /SEAL\.json is missing/);
    refused(fresh, archive([...NAMES.map((n) => tarEntry(n, files[n])), tarEntry('SEAL.json', files['SEAL.json'])]), /'SEAL\.json' appears twice/);
  });
});

describe('seal and keygen refuse bad usage', () => {
  test('keygen never overwrites; seal needs a keygen key and a valid publisher', () => {
    const r = cli(['keygen', '--out', s.key]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /already exists; keygen never overwrites a key/);
    const noKey = path.join(s.dir, 'plain.txt');
    fs.writeFileSync(noKey, 'hello\n');
    const out = path.join(s.dir, 'never.pmod');
    const r2 = cli(['seal', s.acme, 'OrderAPI', '--key', noKey, '--publisher', 'acme', '--out', out]);
    assert.equal(r2.code, 1);
    assert.match(r2.stderr, /is not a publisher key made by 'protected-modules keygen'/);
    const r3 = cli(['seal', s.acme, 'OrderAPI', '--key', s.key, '--publisher', 'bad name', '--out', out]);
    assert.equal(r3.code, 2);
    const r4 = cli(['seal', s.acme, 'NoSuchModule', '--key', s.key, '--publisher', 'acme', '--out', out]);
    assert.equal(r4.code, 1);
    assert.match(r4.stderr, /no valid module named 'NoSuchModule'/);
    assert.equal(fs.existsSync(out), false);
  });
});

describe('unseal refuses, writing nothing', () => {
  test('a folder that is not empty, a module that is not sealed, a tampered sources.age', () => {
    const env = variant(() => {});
    assert.equal(cli(['install', env, s.pmod]).code, 0);
    const busy = path.join(s.dir, `busy-${++counter}`);
    fs.mkdirSync(busy);
    fs.writeFileSync(path.join(busy, 'keep.txt'), 'mine');
    let r = cli(['unseal', env, 'OrderAPI', '--key', s.key, '--out', busy]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /already exists and is not an empty folder/);
    assert.deepEqual(fs.readdirSync(busy), ['keep.txt']);
    const out = path.join(s.dir, `out-${++counter}`);
    r = cli(['unseal', env, 'Storefront', '--key', s.key, '--out', out]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no sealed module named 'Storefront'/);
    const age = path.join(env, 'modules', 'order-api', 'sources.age');
    const b = fs.readFileSync(age);
    b[b.length - 1] ^= 1;
    fs.writeFileSync(age, b);
    r = cli(['unseal', env, 'OrderAPI', '--key', s.key, '--out', out]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /tampered file: sources\.age of OrderAPI does not match its seal/);
    assert.equal(fs.existsSync(out), false);
  });
});

describe('a sealed folder edited after install', () => {
  /** The client environment with OrderAPI installed, then `edit` applied to the sealed folder. */
  function installedThen(edit: (folder: string) => void): string {
    const env = variant(() => {});
    assert.equal(cli(['install', env, s.pmod]).code, 0);
    edit(path.join(env, 'modules', 'order-api'));
    return env;
  }

  const edits: [string, (folder: string) => void, RegExp][] = [
    [
      'INTERFACE.logic changed',
      (f) => fs.appendFileSync(path.join(f, 'INTERFACE.logic'), '\n/// more\npublic structure Extra {\n  a: Text\n}\n'),
      /INTERFACE\.logic does not match/,
    ],
    [
      'module.json changed',
      (f) => fs.writeFileSync(path.join(f, 'module.json'), fs.readFileSync(path.join(f, 'module.json'), 'utf8').replace('1.4.0', '1.4.1')),
      /module\.json does not match/,
    ],
    ['sources.age replaced', (f) => fs.writeFileSync(path.join(f, 'sources.age'), 'not age'), /sources\.age does not match/],
    [
      'a source file added',
      (f) => fs.writeFileSync(path.join(f, 'Extra.logic'), 'public server action Extra() {}\n'),
      /'Extra\.logic' is not part of the seal/,
    ],
    // Without SEAL.json the folder (it holds sources.age) is still sealed, and fails closed.
    ['SEAL.json removed', (f) => fs.rmSync(path.join(f, 'SEAL.json')), /missing file: SEAL\.json is not there/],
  ];

  for (const [what, edit, reason] of edits) {
    test(`${what}: invalid-seal on module.json for the admin, no elements for anyone`, () => {
      const env = installedThen(edit);
      const gina = cli(['check', env, '--user', 'gina']);
      assert.match(gina.stdout, /^modules\/order-api\/module\.json:1:1: error: sealed module OrderAPI: .* \[invalid-seal\]$/m);
      assert.match(gina.stdout, reason);
      assert.match(gina.stdout, /Module 'OrderAPI' has no public element 'QuoteOrder'/);
      for (const user of ['hank', 'ivy']) {
        const r = cli(['check', env, '--user', user]);
        assert.doesNotMatch(r.stdout, /invalid-seal/, `${user} does not see the admin's error`);
        assert.match(r.stdout, /Module 'OrderAPI' has no public element 'QuoteOrder'/);
      }
      const iface = cli(['interface', env, 'OrderAPI', '--user', 'gina']);
      assert.doesNotMatch(iface.stdout, /server action|structure/);
    });
  }

  test('the running server re-verifies on a change and empties the module (fail closed)', async () => {
    const env = installedThen(() => {});
    const c = await startServer({ folders: [env], user: 'gina' });
    try {
      const before = await c.request<{ elements: unknown[] }>('protectedModules/moduleInterface', { module: 'OrderAPI' });
      assert.ok(before.elements.length >= 10);
      const p = path.join(env, 'modules', 'order-api', 'INTERFACE.logic');
      fs.appendFileSync(p, '\n');
      c.filesChanged([{ uri: fileUri(p), type: FileChangeType.Changed }]);
      await c.waitFor(() => c.notifications.some((n) => n.method === 'protectedModules/didChangeModules'), 'didChangeModules');
      const afterIface = await c.request<{ elements: unknown[] }>('protectedModules/moduleInterface', { module: 'OrderAPI' });
      assert.deepEqual(afterIface.elements, []);
      const list = await c.request<{ modules: { name: string; sealed?: { publisher: string; invalid?: boolean } }[] }>('protectedModules/listModules', {});
      assert.deepEqual(list.modules.find((m) => m.name === 'OrderAPI')?.sealed, { publisher: 'acme', invalid: true });
      // The admin opening module.json from disk gets the invalid-seal error pushed.
      const manifest = path.join(env, 'modules', 'order-api', 'module.json');
      c.open(fileUri(manifest), fs.readFileSync(manifest, 'utf8'), 'json');
      const ds = await c.diagnosticsFor(fileUri(manifest), (d) => d.length > 0, 'invalid-seal');
      assert.deepEqual(
        ds.map((d) => d.code),
        ['invalid-seal'],
      );
      assert.match(String(ds[0].message), /INTERFACE\.logic does not match/);
    } finally {
      await c.close();
    }
    // A non-admin is not told the seal is invalid.
    const h = await startServer({ folders: [env], user: 'hank' });
    try {
      const list = await h.request<{ modules: { name: string; sealed?: { publisher: string; invalid?: boolean } }[] }>('protectedModules/listModules', {});
      assert.deepEqual(list.modules.find((m) => m.name === 'OrderAPI')?.sealed, { publisher: 'acme' });
      // hank opens the same module.json: nothing is published for it (no error, no detail).
      const manifest = path.join(env, 'modules', 'order-api', 'module.json');
      const basket = path.join(env, 'modules', 'storefront', 'Basket.logic');
      h.open(fileUri(manifest), fs.readFileSync(manifest, 'utf8'), 'json');
      h.open(fileUri(basket), fs.readFileSync(basket, 'utf8'));
      await h.diagnosticsFor(fileUri(basket), (d) => d.some((x) => x.code === 'unknown-element'), 'storefront errors');
      assert.equal(h.diagnostics.get(fileUri(manifest))?.diagnostics.length ?? 0, 0);
      assert.doesNotMatch(h.allOutput(), /invalid-seal|does not match/);
    } finally {
      await h.close();
    }
  });
});

test('examples/ is untouched by these tests', () => {
  const text = fs.readFileSync(path.join(REPO, 'examples', 'client', 'environment.json'), 'utf8');
  assert.match(text, /"acme": "ed25519:9Nl0nNBM4w\+u\/sl08KIlH3\+5cMMBmXikr7XzLzuwFFc="/);
  assert.equal(fs.existsSync(path.join(REPO, 'examples', 'client', 'modules', 'order-api')), false);
  void trust;
});
