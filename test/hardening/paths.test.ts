/**
 * Hardening (issue 5, "Paths"): hostile URIs against every request of SPEC 4 that takes a URI,
 * through the real server over stdio (`test/server/lsp-client.ts`), as bob in a copy of
 * `examples/acme` (OrderAPI reference, OrderPortal change, Reporting list, Pricing none, Common open).
 *
 * The rule (SPEC 4): a URI either answers exactly as its real target would under the user's real
 * access, or is refused (PermissionDenied / FileNotFound / ModuleNotFound); nothing reads through.
 * Every variant is compared with the canonical URI of its target (same outcome for stat,
 * readDirectory, readFile and access), writes through variants are refused or land on the real
 * target only, IDE requests on documents opened under variant URIs answer nothing for targets the
 * user may not open, and canary strings planted in private sources and outside the environment never
 * appear in anything the server writes.
 *
 * Cases: `..` segments (plain, `%2F`/`%2e%2e` encoded, double-encoded `%252F`/`%252e`), backslashes
 * (plain and `%5C`), mixed case folder names, trailing dots and slashes, `//` and `./` segments,
 * absolute paths in the path part, Cyrillic look-alike module names, NFC/NFD file names, other
 * authorities (`other-env`, `ACME`, userinfo, port), `file:` URIs outside the environment and
 * through `..`, `file:` URIs with an authority, symbolic links (file and folder) from OrderPortal
 * into OrderAPI, into Pricing and out of the environment, dangling links (file and folder) into
 * OrderAPI used for writes, a module folder that is itself a link (inside and outside the
 * environment), `module.json` claiming another module's name (duplicate: neither usable), a module
 * folder name that differs from its module name, `module-interface://` URIs of hidden, missing,
 * look-alike and malformed modules, link loops, the environment reached through a link it was not
 * given, module.json names with Cyrillic / combining / zero-width / trailing-space look-alikes, an
 * environment folder with upper-case letters (VS Code lower-cases URI authorities).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileChangeType } from 'vscode-languageserver-protocol';
import { copyFixture, fileUri, startServer, type TestClient } from '../server/lsp-client';

const PERMISSION_DENIED = -32001;
const MODULE_NOT_FOUND = -32002;
const FILE_NOT_FOUND = -32003;

const CANARY_PRIVATE = 'CANARY_PRIVATE_7f3a';
const CANARY_PRICING = 'CANARY_PRICING_91bd';
const CANARY_OUTSIDE = 'CANARY_OUTSIDE_c0de';

/** JSON of a value, cut to 300 characters (assertion messages). */
function short(v: unknown): string {
  const s = JSON.stringify(v) ?? 'undefined';
  return s.length > 300 ? s.slice(0, 300) + '…' : s;
}

/** The outcome of a request: its result, or its error code. */
type Outcome = { ok: unknown } | { code: number };

async function outcome(client: TestClient, method: string, params: unknown): Promise<Outcome> {
  try {
    return { ok: await client.request(method, params) };
  } catch (e) {
    return { code: (e as { code: number }).code };
  }
}

const FS_METHODS = ['protectedModules/stat', 'protectedModules/readDirectory', 'protectedModules/readFile', 'protectedModules/access'];

/** stat/readDirectory/readFile/access of a URI, with times left out (they are compared across two calls). */
async function fsOutcomes(client: TestClient, uri: string): Promise<Record<string, Outcome>> {
  const out: Record<string, Outcome> = {};
  for (const m of FS_METHODS) {
    const o = await outcome(client, m, { uri });
    if ('ok' in o && o.ok && typeof o.ok === 'object') {
      const { mtime: _m, ctime: _c, ...rest } = o.ok as Record<string, unknown>;
      out[m] = { ok: rest };
    } else out[m] = o;
  }
  return out;
}

/** True when every outcome is a refusal (an error among PermissionDenied/FileNotFound/InvalidRequest),
 *  or an answer that reveals no source (access). */
function refusedOrAccessOnly(o: Record<string, Outcome>): boolean {
  for (const [m, r] of Object.entries(o)) {
    if (m === 'protectedModules/access') {
      if ('ok' in r && (r.ok as { canRead: boolean }).canRead) return false;
      continue;
    }
    if ('ok' in r) return false;
  }
  return true;
}

describe('hostile paths as bob (examples/acme)', () => {
  let root: string;
  let outside: string;
  let bob: TestClient;
  const M = (raw: string) => `modules://acme/${raw}`;
  const API = 'modules/order-api';
  const PORTAL = 'modules/order-portal';

  before(async () => {
    root = copyFixture('examples/acme');
    fs.appendFileSync(path.join(root, API, 'internal/Discounts.logic'), `\n// ${CANARY_PRIVATE}\n`);
    fs.appendFileSync(path.join(root, 'modules/pricing/PriceLists.logic'), `\n// ${CANARY_PRICING}\n`);
    // A private file with a non-ASCII (NFC) name in OrderAPI, and one in OrderPortal.
    fs.writeFileSync(path.join(root, API, 'internal', 'Rabatt\u00dcbersicht.logic'), `// ${CANARY_PRIVATE}\nserver action R() {}\n`);
    fs.writeFileSync(path.join(root, PORTAL, 'logic', 'Caf\u00e9.logic'), 'server action Cafe() {}\n');
    // Outside the environment: a folder with a module and a secret.
    outside = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'pm-outside-')));
    fs.writeFileSync(path.join(outside, 'secret.logic'), `// ${CANARY_OUTSIDE}\nserver action S() {}\n`);
    fs.mkdirSync(path.join(outside, 'ext'));
    fs.writeFileSync(
      path.join(outside, 'ext', 'module.json'),
      JSON.stringify({ name: 'External', version: '1.0.0', kind: 'library', owner: 'bob', protected: false }),
    );
    fs.writeFileSync(path.join(outside, 'ext', 'Ext.logic'), `// ${CANARY_OUTSIDE}\npublic server action Ext() {}\n`);
    // Links from OrderPortal (bob: change).
    const portal = path.join(root, PORTAL);
    fs.symlinkSync(path.join(root, API, 'internal/Discounts.logic'), path.join(portal, 'link-discounts.logic'));
    fs.symlinkSync('../../order-api/internal/Discounts.logic', path.join(portal, 'logic', 'rel-link-discounts.logic'));
    fs.symlinkSync(path.join(root, 'modules/pricing/PriceLists.logic'), path.join(portal, 'link-pricing.logic'));
    fs.symlinkSync('/etc/passwd', path.join(portal, 'passwd.logic'));
    fs.symlinkSync(path.join(outside, 'secret.logic'), path.join(portal, 'outside.logic'));
    fs.symlinkSync(path.join(root, API), path.join(portal, 'api-dir'));
    fs.symlinkSync(path.join(root, API, 'internal'), path.join(portal, 'api-internal'));
    fs.symlinkSync(outside, path.join(portal, 'outside-dir'));
    fs.symlinkSync('/etc', path.join(portal, 'etc-dir'));
    // Dangling links into OrderAPI (targets that do not exist yet).
    fs.symlinkSync(path.join(root, API, 'internal/New.logic'), path.join(portal, 'dangling.logic'));
    fs.symlinkSync(path.join(root, API, 'newdir'), path.join(portal, 'dangling-dir'));
    // Link loops (a file pair, and a folder linking to itself).
    fs.symlinkSync('loop-b.logic', path.join(portal, 'loop-a.logic'));
    fs.symlinkSync('loop-a.logic', path.join(portal, 'loop-b.logic'));
    fs.symlinkSync('self-dir', path.join(portal, 'self-dir'));
    // Module folders that are links (inside and outside the environment).
    fs.symlinkSync(path.join(root, API), path.join(root, 'modules', 'api-alias'));
    fs.symlinkSync(path.join(outside, 'ext'), path.join(root, 'modules', 'ext-module'));
    bob = await startServer({ folders: [root], user: 'bob' });
  });

  after(async () => {
    const out = bob.allOutput();
    await bob.close();
    for (const c of [CANARY_PRIVATE, CANARY_PRICING, CANARY_OUTSIDE]) assert.ok(!out.includes(c), `${c} leaked`);
    assert.ok(!/root:x?:0:0/.test(out), '/etc/passwd leaked');
  });

  test('baseline: the canonical URIs answer by bob’s real access', async () => {
    const api = await outcome(bob, 'protectedModules/readFile', { uri: M(`${API}/internal/Discounts.logic`) });
    assert.deepEqual(api, { code: PERMISSION_DENIED });
    const pricing = await outcome(bob, 'protectedModules/readFile', { uri: M('modules/pricing/PriceLists.logic') });
    assert.deepEqual(pricing, { code: FILE_NOT_FOUND });
    const portal = await outcome(bob, 'protectedModules/readFile', { uri: M(`${PORTAL}/screens/NewOrder.logic`) });
    assert.ok('ok' in portal);
  });

  // Variant → the canonical URI it must answer like (its real target), or null: must be refused.
  const variants: [string, string | null][] = [
    // `..` segments, plain and encoded.
    [`${PORTAL}/../order-api/internal/Discounts.logic`, `${API}/internal/Discounts.logic`],
    [`${PORTAL}/..%2Forder-api%2Finternal%2FDiscounts.logic`, `${API}/internal/Discounts.logic`],
    [`${PORTAL}/%2e%2e/order-api/internal/Discounts.logic`, `${API}/internal/Discounts.logic`],
    [`${PORTAL}/%2E%2E%2F%2E%2E%2Fmodules/order-api/internal/Discounts.logic`, `${API}/internal/Discounts.logic`],
    // Climbing above the environment folder and back in: normalised first, so the real target.
    [`${PORTAL}/%2E%2E%2F%2E%2E%2F..%2Facme/modules/order-api/internal/Discounts.logic`, `${API}/internal/Discounts.logic`],
    [`../acme/${PORTAL}/screens/NewOrder.logic`, `${PORTAL}/screens/NewOrder.logic`],
    [`../acme-other/${PORTAL}/screens/NewOrder.logic`, null],
    [`${PORTAL}/../../../../../../etc/passwd`, null],
    [`..%2F..%2F..%2Fetc%2Fpasswd`, null],
    [`${PORTAL}/screens/../../order-api/./internal//Discounts.logic`, `${API}/internal/Discounts.logic`],
    [`${PORTAL}/./screens/../screens/NewOrder.logic`, `${PORTAL}/screens/NewOrder.logic`],
    [`${PORTAL}/../pricing/PriceLists.logic`, 'modules/pricing/PriceLists.logic'],
    [`${PORTAL}/../pricing`, 'modules/pricing'],
    // Double-encoded: a literal `%2F` / `%2e` in a name, i.e. a file that does not exist in
    // OrderPortal (a name starting with `.` is hidden, like dot-folders: FileNotFound everywhere).
    [`${PORTAL}/..%252Forder-api%252Finternal%252FDiscounts.logic`, `${PORTAL}/.hidden.logic`],
    [`${PORTAL}/%252e%252e/order-api/internal/Discounts.logic`, `${PORTAL}/does-not-exist/x.logic`],
    [`${PORTAL}/x%252F..%252F..%252Forder-api/internal/Discounts.logic`, `${PORTAL}/does-not-exist/x.logic`],
    // Backslashes are ordinary characters on POSIX: a name in OrderPortal that does not exist.
    [`${PORTAL}/..\\order-api\\internal\\Discounts.logic`, `${PORTAL}/.hidden.logic`],
    [`${PORTAL}/..%5Corder-api%5Cinternal%5CDiscounts.logic`, `${PORTAL}/.hidden.logic`],
    [`${PORTAL}/x%5C..%5C..%5Corder-api%5Cinternal%5CDiscounts.logic`, `${PORTAL}/does-not-exist.logic`],
    [`modules%5Corder-api%5Cinternal%5CDiscounts.logic`, 'missing-folder/x.logic'],
    // Case and trailing characters: other names on a case-sensitive file system.
    [`modules/Order-API/internal/Discounts.logic`, 'missing-folder/x.logic'],
    [`modules/ORDER-API/internal/Discounts.logic`, 'missing-folder/x.logic'],
    [`modules/order-api./internal/Discounts.logic`, 'missing-folder/x.logic'],
    [`modules/pricing./PriceLists.logic`, 'missing-folder/x.logic'],
    [`${API}/internal/Discounts.logic.`, `${API}/internal/Discounts.logic`.replace('Discounts', 'Other')],
    [`${API}/internal/DISCOUNTS.logic`, `${API}/internal/Other.logic`],
    [`${API}/internal/Discounts.logic/`, `${API}/internal/Discounts.logic`],
    [`${API}/internal/Discounts.logic//`, `${API}/internal/Discounts.logic`],
    [`${API}/`, API],
    [`${PORTAL}/screens/NewOrder.logic/`, `${PORTAL}/screens/NewOrder.logic`],
    // Unicode: NFD spelling of an NFC name (another name on Linux), Cyrillic look-alikes.
    [`${API}/internal/Rabatt${encodeURIComponent('U\u0308')}bersicht.logic`, `${API}/internal/Other.logic`],
    [`${API}/internal/Rabatt${encodeURIComponent('\u00dc')}bersicht.logic`, `${API}/internal/Other.logic`],
    [`${PORTAL}/logic/Cafe${encodeURIComponent('\u0301')}.logic`, `${PORTAL}/logic/does-not-exist.logic`],
    [`modules/${encodeURIComponent('\u043e')}rder-api/internal/Discounts.logic`, 'missing-folder/x.logic'],
    // Absolute paths in the path part.
    [`/etc/passwd`, 'missing-folder/x.logic'],
    [`%2Fetc%2Fpasswd`, 'missing-folder/x.logic'],
    // Hidden segments.
    [`${PORTAL}/.git/config`, 'missing-folder/x.logic'],
    [`${PORTAL}/node_modules/x.logic`, 'missing-folder/x.logic'],
    // Symbolic links from OrderPortal.
    [`${PORTAL}/link-discounts.logic`, `${API}/internal/Discounts.logic`],
    [`${PORTAL}/logic/rel-link-discounts.logic`, `${API}/internal/Discounts.logic`],
    [`${PORTAL}/link-pricing.logic`, 'modules/pricing/PriceLists.logic'],
    [`${PORTAL}/passwd.logic`, null],
    [`${PORTAL}/outside.logic`, null],
    [`${PORTAL}/api-dir`, API],
    [`${PORTAL}/api-dir/internal/Discounts.logic`, `${API}/internal/Discounts.logic`],
    [`${PORTAL}/api-dir/INTERFACE.logic`, `${API}/INTERFACE.logic`],
    [`${PORTAL}/api-internal`, `${API}/internal`],
    [`${PORTAL}/api-internal/Discounts.logic`, `${API}/internal/Discounts.logic`],
    [`${PORTAL}/outside-dir`, null],
    [`${PORTAL}/outside-dir/secret.logic`, null],
    [`${PORTAL}/etc-dir/passwd`, null],
    [`${PORTAL}/dangling.logic`, `${API}/internal/New.logic`],
    [`${PORTAL}/dangling-dir/x.logic`, `${API}/newdir/x.logic`],
    // Link loops: refused, no hang.
    [`${PORTAL}/loop-a.logic`, null],
    [`${PORTAL}/self-dir/x.logic`, null],
    // A module folder that is itself a link.
    [`modules/api-alias/internal/Discounts.logic`, `${API}/internal/Discounts.logic`],
    [`modules/api-alias`, API],
    [`modules/ext-module/Ext.logic`, null],
    [`modules/ext-module`, null],
  ];

  test('every variant answers as its real target, or is refused (stat, readDirectory, readFile, access)', async () => {
    const failures: string[] = [];
    for (const [variant, canonical] of variants) {
      const got = await fsOutcomes(bob, M(variant));
      if (canonical === null) {
        for (const [m, r] of Object.entries(got)) {
          if (!('code' in r) || ![FILE_NOT_FOUND, PERMISSION_DENIED].includes(r.code)) {
            failures.push(`${variant}: ${m} → ${short(r)} (expected a refusal)`);
          }
        }
        continue;
      }
      const want = await fsOutcomes(bob, M(canonical));
      for (const m of FS_METHODS) {
        const [a, b] = [JSON.stringify(got[m]), JSON.stringify(want[m])];
        if (a !== b) failures.push(`${variant}: ${m} → ${short(got[m])}, but ${canonical} → ${short(want[m])}`);
        // readDirectory of a link to a folder lists the target's entries; access names the same module.
      }
    }
    assert.deepEqual(failures, []);
  });

  test('no variant reaching OrderAPI, Pricing or outside the environment reads through', async () => {
    for (const [variant, canonical] of variants) {
      if (canonical !== null && !/order-api|pricing|New\.logic|newdir/.test(canonical)) continue;
      if (canonical === `${API}/INTERFACE.logic` || canonical === API) continue;
      const got = await fsOutcomes(bob, M(variant));
      assert.ok(refusedOrAccessOnly(got), `${variant}: ${short(got)}`);
    }
  });

  test('file: URIs: outside the environment, through `..`, with an authority', async () => {
    const cases: [string, number | 'ok'][] = [
      ['file:///etc/passwd', FILE_NOT_FOUND],
      [fileUri(path.join(outside, 'secret.logic')), FILE_NOT_FOUND],
      [`${fileUri(root)}/../${path.basename(outside)}/secret.logic`, FILE_NOT_FOUND],
      [`${fileUri(root)}/modules/order-portal/../order-api/internal/Discounts.logic`, PERMISSION_DENIED],
      [`${fileUri(root)}/modules/order-portal/%2e%2e%2Forder-api/internal/Discounts.logic`, PERMISSION_DENIED],
      [`${fileUri(root)}/modules/order-portal/link-discounts.logic`, PERMISSION_DENIED],
      [`${fileUri(root)}/modules/order-portal/passwd.logic`, FILE_NOT_FOUND],
      [`${fileUri(root)}/modules/pricing/PriceLists.logic`, FILE_NOT_FOUND],
      [`file://otherhost${root}/modules/order-portal/screens/NewOrder.logic`, FILE_NOT_FOUND],
      [`file://otherhost${root}/modules/order-api/internal/Discounts.logic`, FILE_NOT_FOUND],
      [`${fileUri(root)}/modules/order-portal/screens/NewOrder.logic`, 'ok'],
      // The environment folder reached through a link outside it that the server was not given:
      // a path outside every environment, refused (even where the target would be readable).
      [`${fileUri(path.join(outside, 'env-link'))}/modules/order-api/internal/Discounts.logic`, FILE_NOT_FOUND],
      [`${fileUri(path.join(outside, 'env-link'))}/modules/order-portal/screens/NewOrder.logic`, FILE_NOT_FOUND],
      [`${fileUri(path.join(outside, 'env-link'))}/modules/order-portal/../order-api/internal/Discounts.logic`, FILE_NOT_FOUND],
      [`${fileUri(path.join(outside, 'env-link'))}/modules/pricing/PriceLists.logic`, FILE_NOT_FOUND],
      [`${fileUri(path.join(outside, 'env-link'))}/../secret.logic`, FILE_NOT_FOUND],
    ];
    if (!fs.existsSync(path.join(outside, 'env-link'))) fs.symlinkSync(root, path.join(outside, 'env-link'));
    for (const [uri, want] of cases) {
      const r = await outcome(bob, 'protectedModules/readFile', { uri });
      if (want === 'ok') assert.ok('ok' in r, uri);
      else assert.deepEqual(r, { code: want }, uri);
    }
  });

  test('other authorities are unknown environments; the authority matches case-insensitively (VS Code lowercases it)', async () => {
    for (const uri of [
      `modules://other-env/${API}/internal/Discounts.logic`,
      `modules://other-env/${PORTAL}/screens/NewOrder.logic`,
      `modules://bob@acme/${PORTAL}/screens/NewOrder.logic`,
      `modules://acme:80/${PORTAL}/screens/NewOrder.logic`,
      `modules:///${PORTAL}/screens/NewOrder.logic`,
      `modules:${PORTAL}/screens/NewOrder.logic`,
      `modules://${encodeURIComponent('\u0430')}cme/${PORTAL}/screens/NewOrder.logic`,
    ]) {
      assert.deepEqual(await outcome(bob, 'protectedModules/readFile', { uri }), { code: FILE_NOT_FOUND }, uri);
    }
    // Upper case: the same environment, the same answers.
    for (const rel of [`${API}/internal/Discounts.logic`, `${PORTAL}/screens/NewOrder.logic`, 'modules/pricing/PriceLists.logic']) {
      assert.deepEqual(await fsOutcomes(bob, `modules://ACME/${rel}`), await fsOutcomes(bob, M(rel)), rel);
    }
  });

  test('module-interface:// of a hidden module answers exactly like a missing one', async () => {
    const hidden = await outcome(bob, 'protectedModules/readFile', { uri: 'module-interface://acme/Pricing.logic' });
    const missing = await outcome(bob, 'protectedModules/readFile', { uri: 'module-interface://acme/Nothing.logic' });
    assert.deepEqual(hidden, { code: FILE_NOT_FOUND });
    assert.deepEqual(hidden, missing);
    for (const uri of [
      'module-interface://acme/pricing.logic',
      `module-interface://acme/${encodeURIComponent('\u041e')}rderAPI.logic`,
      'module-interface://acme/OrderAPI.logic/../Pricing.logic',
      'module-interface://acme/OrderAPI%2F..%2FPricing.logic',
      'module-interface://acme/Pricing.logic/',
      'module-interface://acme/../Pricing.logic',
      'module-interface://other-env/OrderAPI.logic',
      'module-interface://acme/Reporting.logic',
    ]) {
      const r = await fsOutcomes(bob, uri);
      for (const [m, o] of Object.entries(r)) {
        if (uri.endsWith('Reporting.logic')) {
          // Reporting is at list: its interface needs reference.
          if (m === 'protectedModules/access') assert.ok('ok' in o && !(o.ok as { canRead: boolean }).canRead, `${uri} ${short(o)}`);
          else assert.ok('code' in o && (o.code === PERMISSION_DENIED || o.code === -32600), `${uri} ${m} ${short(o)}`);
        } else assert.ok('code' in o && o.code === FILE_NOT_FOUND, `${uri} ${m} ${short(o)}`);
      }
    }
    // The interface of OrderAPI stays readable; the uppercase authority too.
    const ok = await outcome(bob, 'protectedModules/readFile', { uri: 'module-interface://ACME/OrderAPI.logic' });
    assert.ok('ok' in ok);
    const byName = await outcome(bob, 'protectedModules/moduleInterface', { module: '\u041erderAPI' });
    assert.deepEqual(byName, { code: MODULE_NOT_FOUND });
    assert.deepEqual(await outcome(bob, 'protectedModules/moduleInterface', { module: 'Pricing' }), { code: MODULE_NOT_FOUND });
  });

  test('writes through variants are refused, or land on the real target only', async () => {
    const apiFile = path.join(root, API, 'internal/Discounts.logic');
    const before = fs.readFileSync(apiFile, 'utf8');
    for (const v of [
      `${PORTAL}/../order-api/internal/Discounts.logic`,
      `${PORTAL}/%2e%2e/order-api/internal/Discounts.logic`,
      `${PORTAL}/link-discounts.logic`,
      `${PORTAL}/api-dir/internal/Discounts.logic`,
      `${PORTAL}/api-internal/Discounts.logic`,
      `modules/api-alias/internal/Discounts.logic`,
      `${PORTAL}/link-pricing.logic`,
      `${PORTAL}/api-dir/INTERFACE.logic`,
      `${PORTAL}/api-internal/Brand-New.logic`,
    ]) {
      const r = await outcome(bob, 'protectedModules/writeFile', { uri: M(v), text: 'server action Pwned() {}\n' });
      assert.ok('code' in r && [PERMISSION_DENIED, FILE_NOT_FOUND].includes(r.code), `${v}: ${JSON.stringify(r)}`);
    }
    for (const v of [
      `${PORTAL}/loop-a.logic`,
      `${PORTAL}/self-dir/x.logic`,
      `${PORTAL}/passwd.logic`,
      `${PORTAL}/outside.logic`,
      `${PORTAL}/outside-dir/x.logic`,
      `modules/ext-module/Ext.logic`,
      `${PORTAL}/etc-dir/pm-test`,
    ]) {
      const r = await outcome(bob, 'protectedModules/writeFile', { uri: M(v), text: 'x' });
      assert.deepEqual(r, { code: FILE_NOT_FOUND }, v);
    }
    assert.equal(fs.readFileSync(apiFile, 'utf8'), before);
    assert.equal(fs.existsSync(path.join(root, API, 'internal/Brand-New.logic')), false);
    assert.ok(fs.readFileSync(path.join(outside, 'secret.logic'), 'utf8').includes(CANARY_OUTSIDE));
    assert.equal(fs.existsSync(path.join(outside, 'x.logic')), false);

    // Dangling links into OrderAPI: a write never creates the target inside OrderAPI.
    for (const v of [`${PORTAL}/dangling.logic`, `${PORTAL}/dangling-dir/x.logic`]) {
      await outcome(bob, 'protectedModules/writeFile', { uri: M(v), text: 'server action Pwned() {}\n' });
    }
    assert.equal(fs.existsSync(path.join(root, API, 'internal/New.logic')), false, 'wrote through a dangling file link');
    assert.equal(fs.existsSync(path.join(root, API, 'newdir')), false, 'created a folder through a dangling folder link');

    // A variant that resolves into OrderPortal writes the real file there.
    const target = path.join(root, PORTAL, 'logic', 'Variant.logic');
    const w = await outcome(bob, 'protectedModules/writeFile', { uri: M(`${PORTAL}/screens/..%2Flogic/./Variant.logic`), text: 'server action V() {}\n' });
    assert.ok('ok' in w, JSON.stringify(w));
    assert.equal(fs.readFileSync(target, 'utf8'), 'server action V() {}\n');
    // No temporary files left anywhere in the environment or outside it.
    const leftovers = (dir: string): string[] => fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((n) => /\.tmp$/.test(n));
    assert.deepEqual(leftovers(path.join(root, 'modules')), []);
    assert.deepEqual(leftovers(outside), []);
  });

  test('IDE requests on documents opened under hostile URIs answer nothing for targets bob may not open', async () => {
    const text = 'server action ComputeDiscount() {\n  var x = ComputeDiscount\n}\n';
    const uris = [
      M(`${PORTAL}/../order-api/internal/Discounts.logic`),
      M(`${PORTAL}/%2e%2e/order-api/internal/Discounts.logic`),
      M(`${PORTAL}/link-discounts.logic`),
      M(`${PORTAL}/api-internal/Discounts.logic`),
      M(`modules/api-alias/internal/Discounts.logic`),
      M(`${PORTAL}/link-pricing.logic`),
      M(`${PORTAL}/passwd.logic`),
      M(`${PORTAL}/outside.logic`),
      `modules://ACME/${API}/internal/Discounts.logic`,
      `${fileUri(root)}/modules/order-portal/../order-api/internal/Discounts.logic`,
      'module-interface://acme/Pricing.logic',
      `module-interface://acme/${encodeURIComponent('\u041e')}rderAPI.logic`,
    ];
    for (const uri of uris) bob.open(uri, text);
    const pos = { line: 1, character: 12 };
    for (const uri of uris) {
      const td = { textDocument: { uri }, position: pos };
      assert.equal(await bob.request('textDocument/hover', td), null, `hover ${uri}`);
      assert.equal(await bob.request('textDocument/definition', td), null, `definition ${uri}`);
      const c = await bob.request<null | { items: unknown[] } | unknown[]>('textDocument/completion', td);
      const items = c === null ? [] : Array.isArray(c) ? c : c.items;
      assert.deepEqual(items, [], `completion ${uri}`);
      const refs = await bob.request<unknown[] | null>('textDocument/references', { ...td, context: { includeDeclaration: true } });
      assert.ok(refs === null || refs.length === 0, `references ${uri}`);
      const syms = await bob.request<unknown[] | null>('textDocument/documentSymbol', { textDocument: { uri } });
      assert.ok(syms === null || syms.length === 0, `documentSymbol ${uri}`);
      const sig = await bob.request('textDocument/signatureHelp', td);
      assert.equal(sig, null, `signatureHelp ${uri}`);
    }
    // Diagnostics for those URIs: none, or an empty list.
    const probe = M(`${PORTAL}/./screens/../screens/NewOrder.logic`);
    const real = fs.readFileSync(path.join(root, PORTAL, 'screens/NewOrder.logic'), 'utf8');
    bob.open(probe, real);
    await bob.diagnosticsFor(probe, () => true, 'the probe document');
    for (const uri of uris) {
      const d = bob.diagnostics.get(uri);
      assert.ok(!d || d.diagnostics.length === 0, `diagnostics for ${uri}: ${JSON.stringify(d)}`);
    }
    // A variant resolving into OrderPortal works as the real file does.
    const line = real.split('\n').findIndex((l) => l.includes('OrderAPI.OrderLine'));
    const character = real.split('\n')[line].indexOf('OrderLine') + 2;
    const hover = await bob.request<{ contents: { value: string } } | null>('textDocument/hover', {
      textDocument: { uri: probe },
      position: { line, character },
    });
    assert.ok(hover && /OrderLine/.test(JSON.stringify(hover.contents)), JSON.stringify(hover));
  });

  test('module.json claiming another module’s name: neither is usable, nothing of either leaks', async () => {
    const evil = path.join(root, 'modules', 'evil');
    fs.mkdirSync(evil);
    fs.writeFileSync(
      path.join(evil, 'module.json'),
      JSON.stringify({ name: 'OrderAPI', version: '1.4.0', kind: 'service', owner: 'bob', protected: false }, null, 2),
    );
    fs.writeFileSync(path.join(evil, 'Fake.logic'), 'public server action CreateOrder() {}\n');
    bob.filesChanged([{ uri: fileUri(path.join(evil, 'module.json')), type: FileChangeType.Created }]);
    await bob.waitFor(() => true, 'reload');
    const list = await bob.request<{ modules: { name: string }[] }>('protectedModules/listModules', {});
    assert.ok(!list.modules.some((m) => m.name === 'OrderAPI'), JSON.stringify(list));
    assert.deepEqual(await outcome(bob, 'protectedModules/moduleInterface', { module: 'OrderAPI' }), { code: MODULE_NOT_FOUND });
    // The real OrderAPI stays closed to bob.
    const r = await fsOutcomes(bob, M(`${API}/internal/Discounts.logic`));
    assert.ok(refusedOrAccessOnly(r), JSON.stringify(r));
    const iface = await outcome(bob, 'protectedModules/readFile', { uri: 'module-interface://acme/OrderAPI.logic' });
    assert.ok('code' in iface, JSON.stringify(iface));
    // The manifest bob owns gets the duplicate-name error on its name.
    const manifestUri = M('modules/evil/module.json');
    bob.open(manifestUri, fs.readFileSync(path.join(evil, 'module.json'), 'utf8'), 'json');
    const diags = await bob.diagnosticsFor(manifestUri, (d) => d.some((x) => x.code === 'invalid-manifest'));
    const dup = diags.find((d) => /unique/.test(JSON.stringify(d.message)))!;
    assert.equal(dup.range.start.line, 1);
    assert.doesNotMatch(JSON.stringify(dup.message), /order-api/);
    // Remove it: OrderAPI is back at reference.
    fs.rmSync(evil, { recursive: true });
    bob.filesChanged([{ uri: fileUri(path.join(evil, 'module.json')), type: FileChangeType.Deleted }]);
    await bob.waitFor(() => true, 'reload');
    const back = await bob.request<{ modules: { name: string; access: string }[] }>('protectedModules/listModules', {});
    assert.equal(back.modules.find((m) => m.name === 'OrderAPI')?.access, 'reference');
  });

  test('a module.json with a look-alike (Cyrillic) or NFD name is invalid and never stands for the real module', async () => {
    const dir = path.join(root, 'modules', 'lookalike');
    fs.mkdirSync(dir);
    const names = ['\u041erderAPI', 'Orde\u0301rAPI', 'OrderAPI\u200b', 'OrderAPI '];
    try {
      for (const name of names) {
        fs.writeFileSync(path.join(dir, 'module.json'), JSON.stringify({ name, version: '9.9.9', kind: 'service', owner: 'bob', protected: false }, null, 2));
        fs.writeFileSync(path.join(dir, 'Fake.logic'), 'public server action CreateOrder() {}\n');
        bob.filesChanged([{ uri: fileUri(path.join(dir, 'module.json')), type: FileChangeType.Changed }]);
        await bob.waitFor(() => true, 'reload');
        const list = await bob.request<{ modules: { name: string; version: string; access: string }[] }>('protectedModules/listModules', {});
        assert.deepEqual(
          list.modules.filter((m) => /rder/.test(m.name)).map((m) => [m.name, m.version, m.access]),
          [
            ['OrderAPI', '1.4.0', 'reference'],
            ['OrderPortal', '0.9.0', 'change'],
          ],
          JSON.stringify(name),
        );
        assert.deepEqual(await outcome(bob, 'protectedModules/moduleInterface', { module: name }), { code: MODULE_NOT_FOUND });
        const iface = await bob.request<{ version: string }>('protectedModules/moduleInterface', { module: 'OrderAPI' });
        assert.equal(iface.version, '1.4.0');
        const uri = M('modules/lookalike/module.json');
        bob.open(uri, fs.readFileSync(path.join(dir, 'module.json'), 'utf8'), 'json');
        const d = await bob.diagnosticsFor(uri, (ds) => ds.some((x) => /invalid module name/.test(JSON.stringify(x.message))));
        assert.equal(d.find((x) => /invalid module name/.test(JSON.stringify(x.message)))!.range.start.line, 1);
        bob.notify('textDocument/didClose', { textDocument: { uri } });
      }
    } finally {
      fs.rmSync(dir, { recursive: true });
      bob.filesChanged([{ uri: fileUri(path.join(dir, 'module.json')), type: FileChangeType.Deleted }]);
    }
  });

  test('bob cannot make a module claim another name or add a nested module (needs full)', async () => {
    const manifest = path.join(root, PORTAL, 'module.json');
    const text = fs.readFileSync(manifest, 'utf8');
    const renamed = text.replace('"OrderPortal"', '"OrderAPI"');
    const r = await outcome(bob, 'protectedModules/writeFile', { uri: M(`${PORTAL}/module.json`), text: renamed });
    assert.deepEqual(r, { code: PERMISSION_DENIED });
    const nested = await outcome(bob, 'protectedModules/writeFile', {
      uri: M(`${PORTAL}/sub/module.json`),
      text: JSON.stringify({ name: 'Evil', version: '1.0.0', kind: 'ui', owner: 'bob' }),
    });
    assert.deepEqual(nested, { code: PERMISSION_DENIED });
    assert.equal(fs.readFileSync(manifest, 'utf8'), text);
    assert.equal(fs.existsSync(path.join(root, PORTAL, 'sub')), false);
  });
});

describe('an environment folder whose name has upper-case letters', () => {
  let root: string;
  let bob: TestClient;
  before(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pm-case-'));
    root = path.join(fs.realpathSync(dir), 'AcmeCase');
    fs.cpSync(path.join(__dirname, '..', '..', 'examples', 'acme'), root, { recursive: true });
    bob = await startServer({ folders: [root], user: 'bob' });
  });
  after(async () => {
    await bob.close();
  });

  test('modules:// URIs as VS Code writes them (authority lower-cased) reach it', async () => {
    const rel = 'modules/order-portal/screens/NewOrder.logic';
    for (const authority of ['AcmeCase', 'acmecase', 'ACMECASE']) {
      const r = await outcome(bob, 'protectedModules/readFile', { uri: `modules://${authority}/${rel}` });
      assert.ok('ok' in r, `${authority}: ${JSON.stringify(r)}`);
      const d = await outcome(bob, 'protectedModules/readFile', { uri: `modules://${authority}/modules/order-api/internal/Discounts.logic` });
      assert.deepEqual(d, { code: PERMISSION_DENIED });
    }
    const i = await outcome(bob, 'protectedModules/readFile', { uri: 'module-interface://acmecase/OrderAPI.logic' });
    assert.ok('ok' in i, JSON.stringify(i));
    // URIs the server sends (definition into an interface) use the same authority.
    const m = await bob.request<{ uri: string }>('protectedModules/moduleInterface', { module: 'OrderAPI' });
    assert.ok('ok' in (await outcome(bob, 'protectedModules/readFile', { uri: m.uri })), m.uri);
  });
});
