// The current user (SPEC 4): initializationOptions.user, then the protectedModules.user setting
// (pulled, re-read on didChangeConfiguration), then PROTECTED_MODULES_USER; switching re-evaluates
// everything and sends protectedModules/didChangeAccess.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startServer, copyFixture, fileUri, useServer, type TestClient } from './lsp-client';

type Who = { user: string | null; known: boolean; displayName?: string; groups: string[]; admin: boolean };
type Listed = { modules: { name: string; access: string }[] };

const whoami = (c: TestClient) => c.request<Who>('protectedModules/whoami', {});
const names = async (c: TestClient) => (await c.request<Listed>('protectedModules/listModules', {})).modules.map((m) => m.name);

describe('as bob', () => {
  const c = useServer('test/fixtures/server-env', 'bob');

  test('switching the user through workspace/didChangeConfiguration changes listModules and diagnostics', async () => {
    assert.deepEqual(await whoami(c), { user: 'bob', known: true, displayName: 'Bob Contractor', groups: ['contractors'], admin: false, policyValid: true });
    assert.deepEqual(await names(c), ['Common', 'OrderAPI', 'Portal', 'Reporting']);

    const home = path.join(c.root, 'Portal/screens/home.logic');
    const uri = fileUri(home);
    c.open(uri, 'screen Home {\n  client action A() {\n    OrderAPI.SecretZebraDiscount(size: 1)\n  }\n}\n');
    let ds = await c.diagnosticsFor(uri, (d) => d.length > 0);
    assert.deepEqual(
      ds.map((d) => d.code),
      ['unknown-element'],
    );

    const before = c.count('protectedModules/didChangeAccess');
    c.switchUser('alice');
    await c.waitFor(() => c.count('protectedModules/didChangeAccess') > before, 'didChangeAccess');
    assert.equal((await whoami(c)).user, 'alice');
    assert.deepEqual(await names(c), ['Common', 'OrderAPI', 'Portal', 'Pricing', 'Reporting']);
    ds = await c.diagnosticsFor(uri, (d) => d.some((x) => x.code === 'hidden-element'), 'hidden-element for alice');
    assert.deepEqual(
      ds.map((d) => d.code),
      ['hidden-element'],
    );

    // An unknown user: fail closed (protected modules vanish), with a visible warning.
    c.switchUser('mallory');
    await c.waitFor(() => c.notifications.some((n) => n.method === 'window/showMessage'), 'a warning');
    assert.deepEqual(await whoami(c), { user: 'mallory', known: false, groups: [], admin: false, policyValid: true });
    assert.deepEqual(await names(c), ['Common', 'Portal']);
    // Portal is only listed for an unknown user: its file's diagnostics are withdrawn.
    ds = await c.diagnosticsFor(uri, (d) => d.length === 0, 'cleared for mallory');

    // Clearing the setting falls back to initializationOptions.user.
    c.switchUser(null);
    await c.waitFor(() => c.diagnostics.get(uri)?.diagnostics.some((d) => d.code === 'unknown-element') ?? false, 'bob again');
    assert.equal((await whoami(c)).user, 'bob');
  });
});

describe('as bob, settings pushed (no workspace/configuration)', () => {
  const c = useServer('test/fixtures/server-env', 'bob', { pullConfiguration: false });

  test('pushed settings ({ protectedModules: { user } }) switch the user too', async () => {
    assert.equal((await whoami(c)).user, 'bob');
    c.notify('workspace/didChangeConfiguration', { settings: { protectedModules: { user: 'carol' } } });
    await c.waitFor(() => c.count('protectedModules/didChangeAccess') > 0, 'didChangeAccess');
    assert.deepEqual(await whoami(c), { user: 'carol', known: true, groups: ['reviewers'], admin: false, policyValid: true });
  });
});

test('without an initialization option the setting decides, then PROTECTED_MODULES_USER', async () => {
  const root = copyFixture('test/fixtures/server-env');
  const a = await startServer({ folders: [root], settingUser: 'carol', env: { PROTECTED_MODULES_USER: 'bob' } });
  try {
    assert.equal((await whoami(a)).user, 'carol');
  } finally {
    await a.close();
  }
  const b = await startServer({ folders: [root], env: { PROTECTED_MODULES_USER: 'bob' } });
  try {
    assert.equal((await whoami(b)).user, 'bob');
  } finally {
    await b.close();
  }
  const c = await startServer({ folders: [root], user: 'alice', settingUser: 'carol', env: { PROTECTED_MODULES_USER: 'bob' } });
  try {
    assert.equal((await whoami(c)).user, 'alice', 'initializationOptions.user comes first');
  } finally {
    await c.close();
  }
  const none = await startServer({ folders: [root] });
  try {
    assert.deepEqual(await whoami(none), { user: null, known: false, groups: [], admin: false, policyValid: true });
    assert.deepEqual(await names(none), ['Common', 'Portal']);
  } finally {
    await none.close();
  }
});

describe('no user option: the setting (pulled late) over PROTECTED_MODULES_USER', () => {
  const c = useServer('test/fixtures/server-env', undefined, { settingUser: 'bob', configurationDelayMs: 300, env: { PROTECTED_MODULES_USER: 'alice' } });

  test('requests wait for the first pull of the setting: never answered for a provisional user', async () => {
    assert.equal((c.firstWhoami as Who).user, 'bob');
    assert.ok(!c.allOutput().includes('Pricing'));
  });
});

describe('as bob on examples/acme', () => {
  const bob = useServer('examples/acme', 'bob');

  test('the server works on examples/acme for bob: Pricing nowhere, OrderAPI by its interface only', async () => {
    const list = await bob.request<Listed>('protectedModules/listModules', {});
    assert.ok(!list.modules.some((m) => m.name === 'Pricing'));
    assert.equal(list.modules.find((m) => m.name === 'OrderAPI')?.access, 'reference');
    assert.equal(list.modules.find((m) => m.name === 'Reporting')?.access, 'list');
    const folder = fs
      .readdirSync(path.join(bob.root, 'modules'))
      .find(
        (f) =>
          fs.existsSync(path.join(bob.root, 'modules', f, 'module.json')) &&
          /"name":\s*"OrderAPI"/.test(fs.readFileSync(path.join(bob.root, 'modules', f, 'module.json'), 'utf8')),
      )!;
    const dir = await bob.request<{ entries: [string, string][] }>('protectedModules/readDirectory', { uri: `modules://acme/modules/${folder}` });
    assert.deepEqual(dir.entries, [['INTERFACE.logic', 'file']]);
    const modulesDir = await bob.request<{ entries: [string, string][] }>('protectedModules/readDirectory', { uri: 'modules://acme/modules' });
    assert.equal(modulesDir.entries.length, list.modules.length, 'one folder per visible module');
  });
});
