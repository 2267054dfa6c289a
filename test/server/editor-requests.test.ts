// Issue 13: listFiles, findInFiles and accessOverview (shared/protocol/editor.ts), decided as
// readDirectory/readFile are; each with its leak test (as an attacker who controls his client).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startServer, copyFixture, useServer } from './lsp-client';
import type { AccessOverviewResult, FindInFilesResult, ListFilesResult } from '../../shared/protocol';

const PERMISSION_DENIED = -32001;
const MODULE_NOT_FOUND = -32002;
const INVALID_PARAMS = -32602;

describe('editor requests as bob (contractor)', () => {
  const bob = useServer('test/fixtures/server-env', 'bob');
  const env = () => path.basename(bob.root);

  test('listFiles answers exactly the files bob may read (an interface file at reference, no policy)', async () => {
    const r = await bob.request<ListFilesResult>('protectedModules/listFiles', {});
    assert.equal(r.truncated, false);
    assert.deepEqual(
      r.files.map((f) => `${f.path}${f.readonly ? ' (read-only)' : ''}`),
      [
        'Common/logic/text.logic',
        'Common/module.json',
        'OrderAPI/INTERFACE.logic (read-only)',
        'Portal/module.json',
        'Portal/screens/home.logic',
        'docs/README.md (read-only)',
      ],
    );
    assert.ok(r.files.every((f) => f.environment === env() && f.uri === `modules://${env()}/${f.path}`));
    // nothing of Pricing (none), Reporting (list), OrderAPI's sources, the policy or the folder that holds Pricing
    assert.doesNotMatch(JSON.stringify(r), /Pricing|internal|Reporting|orders\.logic|zebra|environment\.json/i);
  });

  test('listFiles below a module bob may not open lists only its interface file; a hidden folder is FileNotFound', async () => {
    const r = await bob.request<ListFilesResult>('protectedModules/listFiles', { uri: `modules://${env()}/OrderAPI` });
    assert.deepEqual(
      r.files.map((f) => f.path),
      ['OrderAPI/INTERFACE.logic'],
    );
    const hidden = await bob.requestError('protectedModules/listFiles', { uri: `modules://${env()}/internal/Pricing` });
    const missing = await bob.requestError('protectedModules/listFiles', { uri: `modules://${env()}/internal/Nothing` });
    assert.deepEqual(hidden, missing, 'hidden is answered exactly like missing');
    const denied = await bob.requestError('protectedModules/listFiles', { uri: `modules://${env()}/OrderAPI/src` });
    assert.equal(denied.code, PERMISSION_DENIED);
    // a dotted start folder lists the files under their own paths
    const dotted = await bob.request<ListFilesResult>('protectedModules/listFiles', { uri: `modules://${env()}/Common/../OrderAPI` });
    assert.deepEqual(
      dotted.files.map((f) => f.path),
      ['OrderAPI/INTERFACE.logic'],
    );
  });

  test('findInFiles finds text in readable files, with 0-based positions and a preview', async () => {
    const r = await bob.request<FindInFilesResult>('protectedModules/findInFiles', { query: 'formatmoney' });
    const hit = r.matches.find((m) => m.path === 'Common/logic/text.logic');
    assert.ok(hit, JSON.stringify(r));
    assert.equal(hit.line, 2);
    assert.equal(hit.character, 'public server action '.length);
    assert.equal(hit.length, 'FormatMoney'.length);
    assert.equal(hit.preview.slice(hit.previewCharacter, hit.previewCharacter + hit.length), 'FormatMoney');
    const cs = await bob.request<FindInFilesResult>('protectedModules/findInFiles', { query: 'formatmoney', isCaseSensitive: true });
    assert.equal(cs.matches.length, 0);
    const re = await bob.request<FindInFilesResult>('protectedModules/findInFiles', { query: 'Format\\w+\\(', isRegExp: true });
    assert.ok(re.matches.some((m) => m.path === 'Common/logic/text.logic'));
  });

  test('leak: findInFiles never searches what bob may not read (sources, private docs, policy, hidden modules)', async () => {
    for (const query of ['CANARY', 'ZEBRA', 'zebra_internal', 'Pricing', 'contractors']) {
      const r = await bob.request<FindInFilesResult>('protectedModules/findInFiles', { query });
      assert.deepEqual(r.matches, [], `${query}: ${JSON.stringify(r.matches)}`);
    }
    // a regular expression that would match everything still sees only readable files
    const all = await bob.request<FindInFilesResult>('protectedModules/findInFiles', { query: '.', isRegExp: true, maxResults: 1000 });
    const paths = new Set(all.matches.map((m) => m.path));
    assert.ok(
      [...paths].every((p) => /^(Common|Portal|docs)\/|^OrderAPI\/INTERFACE\.logic$/.test(p)),
      [...paths].join(','),
    );
    assert.doesNotMatch(JSON.stringify(all), /CANARY|zebra/i);
  });

  test('findInFiles refuses an empty query and an invalid regular expression', async () => {
    assert.equal((await bob.requestError('protectedModules/findInFiles', { query: '' })).code, INVALID_PARAMS);
    assert.equal((await bob.requestError('protectedModules/findInFiles', { query: '(', isRegExp: true })).code, INVALID_PARAMS);
  });

  test('leak: accessOverview needs full; a hidden module is answered like a missing one', async () => {
    const e = await bob.requestError('protectedModules/accessOverview', { module: 'OrderAPI' });
    assert.equal(e.code, PERMISSION_DENIED);
    assert.doesNotMatch(JSON.stringify(e), /contractors|carol|dan|grant/i);
    const hidden = await bob.requestError('protectedModules/accessOverview', { module: 'Pricing' });
    const missing = await bob.requestError('protectedModules/accessOverview', { module: 'Nothing' });
    assert.equal(hidden.code, MODULE_NOT_FOUND);
    assert.deepEqual(hidden, missing);
  });
});

describe('accessOverview as alice (owner)', () => {
  const alice = useServer('test/fixtures/server-env', 'alice');

  test("shows the grants that apply and every user's effective access", async () => {
    const r = await alice.request<AccessOverviewResult>('protectedModules/accessOverview', { module: 'OrderAPI' });
    assert.equal(r.protected, true);
    assert.equal(r.owner, 'alice');
    assert.deepEqual(r.grants, [
      { module: 'OrderAPI', to: 'group:contractors', access: 'reference' },
      { module: '*', to: 'group:reviewers', access: 'reference' },
      { module: 'OrderAPI', to: 'group:partners', access: 'list' },
    ]);
    assert.deepEqual(Object.fromEntries(r.users.map((u) => [u.id, u.access])), { alice: 'full', bob: 'reference', carol: 'reference', dan: 'list' });
    assert.deepEqual(r.groups, ['contractors', 'core', 'partners', 'reviewers']);
  });
});

describe('one interface, one document (issue 13 point 6)', () => {
  test("in a modules:// workspace, definitions and moduleInterface name the Explorer's INTERFACE.logic; in file: ones, module-interface://", async () => {
    const root = copyFixture('examples/acme');
    const name = path.basename(root);
    const page = 'modules/order-portal/screens/NewOrder.logic';
    const text = fs.readFileSync(path.join(root, page), 'utf8');
    const offset = text.indexOf('OrderAPI.CreateOrder(') + 'OrderAPI.Cr'.length;
    const before = text.slice(0, offset).split('\n');
    const position = { line: before.length - 1, character: before.at(-1)!.length };
    for (const modulesWorkspace of [true, false]) {
      const bob = await startServer({ folders: [root], user: 'bob', modulesWorkspace });
      try {
        const uri = modulesWorkspace ? `modules://${name}/${page}` : `file://${path.join(root, page)}`;
        bob.open(uri, text);
        const def = await bob.request<{ uri: string }>('textDocument/definition', { textDocument: { uri }, position });
        const iface = await bob.request<{ uri: string }>('protectedModules/moduleInterface', { module: 'OrderAPI' });
        const expected = modulesWorkspace ? `modules://${name}/modules/order-api/INTERFACE.logic` : `module-interface://${name}/OrderAPI.logic`;
        assert.equal(def.uri, expected);
        assert.equal(iface.uri, expected);
        // alice (≥ open) has no INTERFACE.logic: her interface stays module-interface://
      } finally {
        await bob.close();
      }
    }
    const alice = await startServer({ folders: [root], user: 'alice', modulesWorkspace: true });
    try {
      const iface = await alice.request<{ uri: string }>('protectedModules/moduleInterface', { module: 'OrderAPI' });
      assert.equal(iface.uri, `module-interface://${name}/OrderAPI.logic`);
    } finally {
      await alice.close();
    }
  });
});
