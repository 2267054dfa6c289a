// setProtection and grantAccess (SPEC 4): need `full`, keep the JSON's comments, reload and notify.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startServer, copyFixture, useServer } from './lsp-client';

const PERMISSION_DENIED = -32001;
const MODULE_NOT_FOUND = -32002;
const INVALID_POLICY = -32004;

type Listed = { modules: { name: string; protected: boolean; access: string }[] };

describe('as alice (owner and admin)', () => {
  const alice = useServer('test/fixtures/server-env', 'alice');

  test('setProtection edits module.json, keeps its comment, and the change is visible at once', async () => {
    const manifest = path.join(alice.root, 'OrderAPI/module.json');
    const accessBefore = alice.count('protectedModules/didChangeAccess');
    assert.deepEqual(await alice.request('protectedModules/setProtection', { module: 'OrderAPI', protected: false }), {});
    const text = fs.readFileSync(manifest, 'utf8');
    assert.match(text, /\/\/ Order placement; its pricing logic is the owner's IP\./);
    assert.match(text, /"protected": false/);
    const list = await alice.request<Listed>('protectedModules/listModules', {});
    assert.equal(list.modules.find((m) => m.name === 'OrderAPI')?.protected, false);
    await alice.waitFor(() => alice.count('protectedModules/didChangeAccess') > accessBefore, 'didChangeAccess');
    await alice.request('protectedModules/setProtection', { module: 'Common', protected: true });
    assert.match(fs.readFileSync(path.join(alice.root, 'Common/module.json'), 'utf8'), /"protected": true/);
  });

  test('grantAccess adds, changes and removes grants, keeping comments', async () => {
    const policyPath = path.join(alice.root, 'environment.json');
    await alice.request('protectedModules/grantAccess', { module: 'Pricing', to: 'user:bob', access: 'reference' });
    let text = fs.readFileSync(policyPath, 'utf8');
    assert.match(text, /\/\/ The environment of the language-server tests/);
    assert.match(text, /\/\/ Contractors may call the order service, not read it\./);
    assert.match(text, /"module": "Pricing",\s*"to": "user:bob",\s*"access": "reference"/);
    await alice.request('protectedModules/grantAccess', { module: 'Pricing', to: 'user:bob', access: 'open' });
    text = fs.readFileSync(policyPath, 'utf8');
    assert.match(text, /"module": "Pricing",\s*"to": "user:bob",\s*"access": "open"/);
    assert.equal(text.match(/"module": "Pricing"/g)?.length, 1);
    await alice.request('protectedModules/grantAccess', { module: 'Pricing', to: 'user:bob', access: 'none' });
    text = fs.readFileSync(policyPath, 'utf8');
    assert.doesNotMatch(text, /"module": "Pricing"/);
    assert.match(text, /\/\/ Contractors may call the order service, not read it\./);
    await alice.request('protectedModules/grantAccess', { module: '*', to: 'group:contractors', access: 'list' });
    assert.match(fs.readFileSync(policyPath, 'utf8'), /"module": "\*",\s*"to": "group:contractors",\s*"access": "list"/);
  });

  test('invalid parameters are InvalidParams', async () => {
    for (const params of [
      { module: 'Pricing', to: 'bob', access: 'open' },
      { module: 'Pricing', to: 'user:bob', access: 'read' },
      { module: 'not a name', to: 'user:bob', access: 'open' },
    ]) {
      const e = await alice.requestError('protectedModules/grantAccess', params);
      assert.equal(e.code, -32602);
    }
    const e = await alice.requestError('protectedModules/setProtection', { module: 'Pricing', protected: 'yes' });
    assert.equal(e.code, -32602);
  });
});

describe('as bob (contractor)', () => {
  const bob = useServer('test/fixtures/server-env', 'bob');

  test('setProtection and grantAccess fail with PermissionDenied; nothing is written', async () => {
    const policyBefore = fs.readFileSync(path.join(bob.root, 'environment.json'), 'utf8');
    const manifestBefore = fs.readFileSync(path.join(bob.root, 'Portal/module.json'), 'utf8');
    const e1 = await bob.requestError('protectedModules/setProtection', { module: 'Portal', protected: true });
    assert.equal(e1.code, PERMISSION_DENIED);
    assert.deepEqual(e1.data, { module: 'Portal', access: 'change', required: 'full', owner: 'alice' });
    const e2 = await bob.requestError('protectedModules/grantAccess', { module: 'OrderAPI', to: 'user:bob', access: 'full' });
    assert.equal(e2.code, PERMISSION_DENIED);
    assert.deepEqual(e2.data, { module: 'OrderAPI', access: 'reference', required: 'full', owner: 'alice' });
    const e3 = await bob.requestError('protectedModules/grantAccess', { module: '*', to: 'user:bob', access: 'full' });
    assert.equal(e3.code, PERMISSION_DENIED);
    assert.equal(fs.readFileSync(path.join(bob.root, 'environment.json'), 'utf8'), policyBefore);
    assert.equal(fs.readFileSync(path.join(bob.root, 'Portal/module.json'), 'utf8'), manifestBefore);
  });

  test('a module at none answers ModuleNotFound, exactly as a missing one', async () => {
    const a = await bob.requestError('protectedModules/grantAccess', { module: 'Pricing', to: 'user:bob', access: 'full' });
    const b = await bob.requestError('protectedModules/grantAccess', { module: 'Nothing', to: 'user:bob', access: 'full' });
    assert.equal(a.code, MODULE_NOT_FOUND);
    assert.deepEqual(a, b);
    const c = await bob.requestError('protectedModules/setProtection', { module: 'Pricing', protected: false });
    const d = await bob.requestError('protectedModules/setProtection', { module: 'Nothing', protected: false });
    assert.deepEqual(c, d);
  });
});

test('an admin operation on an invalid policy is InvalidPolicy, whatever the module', async () => {
  const root = copyFixture('test/fixtures/server-env');
  fs.writeFileSync(path.join(root, 'environment.json'), '{ "name": "Broken", "unknownKey": 1 }');
  const alice = await startServer({ folders: [root], user: 'alice' });
  try {
    for (const module of ['OrderAPI', 'Pricing', 'Nothing']) {
      const e = await alice.requestError('protectedModules/setProtection', { module, protected: false });
      assert.equal(e.code, INVALID_POLICY, module);
    }
    const g = await alice.requestError('protectedModules/grantAccess', { module: 'Common', to: 'user:bob', access: 'open' });
    assert.equal(g.code, INVALID_POLICY);
    // Fail closed: protected modules are hidden, the others listed.
    const list = await alice.request<Listed>('protectedModules/listModules', {});
    assert.deepEqual(
      list.modules.map((m) => [m.name, m.access]),
      [
        ['Common', 'list'],
        ['Portal', 'list'],
      ],
    );
    const warning = alice.notifications.find((n) => n.method === 'window/showMessage');
    assert.ok(warning, 'a visible error');
  } finally {
    await alice.close();
  }
});
