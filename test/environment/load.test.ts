// Discovery and loading of an environment from disk (SPEC 2), on temporary folders.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { findModuleForPath, isInside, loadEnvironment, realPathOf, relPath } from '../../shared/environment/load';

const temps: string[] = [];
after(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

/** Creates a temp folder holding `files` (relative path → content) and returns its real path. */
function tree(files: Record<string, string>): string {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'pm-load-')));
  temps.push(root);
  for (const [rel, text] of Object.entries(files)) {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  return root;
}

const ENV = JSON.stringify({ name: 'T', admins: ['alice'], users: { alice: {}, bob: {} } });
const mod = (name: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ name, version: '1.0.0', kind: 'service', owner: 'alice', ...extra }, null, 2);

describe('loadEnvironment (SPEC 2)', () => {
  it('reads the policy and discovers modules with their sources, nested modules separately', () => {
    const root = tree({
      'environment.json': ENV,
      'OrderAPI/module.json': mod('OrderAPI', { protected: true }),
      'OrderAPI/Orders.logic': '',
      'OrderAPI/sub/Lines.logic': '',
      'OrderAPI/sub/notes.txt': '',
      'OrderAPI/Inner/module.json': mod('Inner'),
      'OrderAPI/Inner/Inner.logic': '',
      'OrderAPI/Inner/deep/More.logic': '',
      'apps/ui/Portal/module.json': mod('Portal', { kind: 'ui' }),
      'apps/ui/Portal/Main.logic': '',
      'loose/NotInAModule.logic': '',
    });
    const env = loadEnvironment(root);
    assert.equal(env.root, root);
    assert.equal(env.folderName, root.split('/').pop());
    assert.equal(env.policyPath, join(root, 'environment.json'));
    assert.deepEqual(env.policyDiagnostics, []);
    assert.equal(env.policy?.name, 'T');
    assert.deepEqual(
      env.modules.map((m) => [m.name, m.relFolder, m.files.map((f) => f.slice(root.length + 1))]),
      [
        ['OrderAPI', 'OrderAPI', ['OrderAPI/Orders.logic', 'OrderAPI/sub/Lines.logic']],
        ['Inner', 'OrderAPI/Inner', ['OrderAPI/Inner/Inner.logic', 'OrderAPI/Inner/deep/More.logic']],
        ['Portal', 'apps/ui/Portal', ['apps/ui/Portal/Main.logic']],
      ],
    );
    const api = env.modules[0];
    assert.equal(api.manifest?.protected, true);
    assert.equal(api.folder, join(root, 'OrderAPI'));
    assert.equal(api.manifestPath, join(root, 'OrderAPI/module.json'));
    assert.deepEqual(api.diagnostics, []);
  });

  it('skips node_modules and dot-folders; the root itself is never a module', () => {
    const root = tree({
      'environment.json': ENV,
      'module.json': mod('Root'),
      'node_modules/Lib/module.json': mod('Lib'),
      '.git/Hidden/module.json': mod('Hidden'),
      'A/module.json': mod('A'),
      'A/.cache/X.logic': '',
      'A/node_modules/Y.logic': '',
      'A/Z.logic': '',
    });
    const env = loadEnvironment(root);
    assert.deepEqual(
      env.modules.map((m) => m.name),
      ['A'],
    );
    assert.deepEqual(env.modules[0].files, [join(root, 'A/Z.logic')]);
  });

  it('missing environment.json: no policy, one invalid-environment error', () => {
    const root = tree({ 'A/module.json': mod('A') });
    const env = loadEnvironment(root);
    assert.equal(env.policy, undefined);
    assert.equal(env.policyDiagnostics.length, 1);
    const d = env.policyDiagnostics[0];
    assert.equal(d.code, 'invalid-environment');
    assert.equal(d.severity, 'error');
    assert.equal(d.path, join(root, 'environment.json'));
    assert.match(d.message, /environment\.json: it does not exist/);
    assert.deepEqual(d.range.start, { line: 0, character: 0 });
    assert.equal(env.modules.length, 1, 'modules are still discovered');
  });

  it('invalid environment.json: no policy, its diagnostics', () => {
    const env = loadEnvironment(tree({ 'environment.json': '{ "users": 3 }' }));
    assert.equal(env.policy, undefined);
    assert.match(env.policyDiagnostics[0].message, /^users: expected an object/);
  });

  it('invalid module.json: a module without manifest, named by its name field, with diagnostics', () => {
    const root = tree({
      'environment.json': ENV,
      'x/module.json': '{ "name": "Broken", "version": "1", "kind": "ui", "owner": "bob" }',
      'x/B.logic': '',
      'y/module.json': '{ oops',
    });
    const env = loadEnvironment(root);
    const [broken, oops] = env.modules;
    assert.equal(broken.name, 'Broken');
    assert.equal(broken.manifest, undefined);
    assert.equal(broken.declaredOwner, 'bob');
    assert.equal(broken.diagnostics[0].code, 'invalid-manifest');
    assert.deepEqual(broken.files, [join(root, 'x/B.logic')]);
    assert.equal(oops.name, 'y', 'falls back to the folder name');
    assert.equal(oops.manifest, undefined);
    assert.equal(oops.declaredOwner, undefined);
    assert.ok(oops.diagnostics.length > 0);
  });

  it('duplicate names: an error on each name value, neither module resolvable', () => {
    const root = tree({
      'environment.json': ENV,
      'a/module.json': mod('Same'),
      'b/c/module.json': `{\n  "version": "1.0.0",\n  "name": "Same", "kind": "ui", "owner": "bob"\n}`,
      'd/module.json': mod('Other'),
    });
    const env = loadEnvironment(root);
    const [a, c, d] = env.modules;
    assert.equal(a.manifest, undefined);
    assert.equal(c.manifest, undefined);
    assert.ok(d.manifest);
    assert.equal(a.name, 'Same');
    assert.equal(c.declaredOwner, 'bob');
    for (const [m, line, character] of [
      [a, 1, 10],
      [c, 2, 10],
    ] as const) {
      assert.equal(m.diagnostics.length, 1);
      const diag = m.diagnostics[0];
      assert.equal(diag.code, 'invalid-manifest');
      assert.equal(diag.path, m.manifestPath);
      assert.deepEqual(diag.range.start, { line, character });
      assert.match(diag.message, /^name: .*unique/);
      assert.ok(!diag.message.includes('b/c') && !diag.message.includes('a/'), 'the other folder is not named');
    }
  });

  it('a folder that does not exist or is a file throws a one-line error', () => {
    const root = tree({ 'f.txt': '' });
    assert.throws(() => loadEnvironment(join(root, 'nope')), /^Error: cannot read the environment folder .*nope: it does not exist$/);
    assert.throws(() => loadEnvironment(join(root, 'f.txt')), /it is not a folder/);
  });

  it('symbolic links: the root is resolved, links leaving the environment are not followed', () => {
    const outside = tree({ 'Secret/module.json': mod('Secret'), 'Secret/S.logic': '', 'S2.logic': '' });
    const root = tree({
      'environment.json': ENV,
      'A/module.json': mod('A'),
      'A/Own.logic': '',
      'B/module.json': mod('B'),
      'B/Other.logic': '',
    });
    symlinkSync(join(outside, 'Secret'), join(root, 'SecretLink'));
    symlinkSync(join(outside, 'S2.logic'), join(root, 'A/Escape.logic'));
    symlinkSync(join(root, 'B'), join(root, 'A/BLink'));
    symlinkSync(join(root, 'A/Own.logic'), join(root, 'A/Alias.logic'));
    symlinkSync(join(root, 'B/Other.logic'), join(root, 'A/Steal.logic'));
    symlinkSync(root, join(root, 'A/loop'));
    const linkToRoot = join(outside, 'envlink');
    symlinkSync(root, linkToRoot);

    const env = loadEnvironment(linkToRoot);
    assert.equal(env.root, root);
    assert.deepEqual(
      env.modules.map((m) => m.name),
      ['A', 'B'],
    );
    assert.deepEqual(env.modules[0].files, [join(root, 'A/Own.logic')]);
    assert.deepEqual(env.modules[1].files, [join(root, 'B/Other.logic')]);
  });

  it('a module.json that links outside the environment is not read', () => {
    const outside = tree({ 'module.json': mod('Outside') });
    const root = tree({ 'environment.json': ENV });
    mkdirSync(join(root, 'M'));
    symlinkSync(join(outside, 'module.json'), join(root, 'M/module.json'));
    const env = loadEnvironment(root);
    assert.equal(env.modules.length, 1);
    assert.equal(env.modules[0].manifest, undefined);
    assert.match(env.modules[0].diagnostics[0].message, /leaves the environment/);
  });
});

describe('findModuleForPath / relPath / realPathOf', () => {
  const root = tree({
    'environment.json': ENV,
    'A/module.json': mod('A'),
    'A/x.logic': '',
    'A/Inner/module.json': mod('Inner'),
    'AB/module.json': mod('AB'),
  });
  symlinkSync(join(root, 'A/Inner'), join(root, 'InnerLink'));
  const env = loadEnvironment(root);

  it('finds the deepest module folder containing a path', () => {
    assert.equal(findModuleForPath(env, join(root, 'A/x.logic'))?.name, 'A');
    assert.equal(findModuleForPath(env, join(root, 'A/Inner/new/file.logic'))?.name, 'Inner');
    assert.equal(findModuleForPath(env, join(root, 'A'))?.name, 'A');
    assert.equal(findModuleForPath(env, join(root, 'AB/y.logic'))?.name, 'AB', 'segment-wise, not a string prefix');
    assert.equal(findModuleForPath(env, join(root, 'environment.json')), undefined);
    assert.equal(findModuleForPath(env, '/'), undefined);
  });

  it('resolves links and .. before deciding', () => {
    assert.equal(findModuleForPath(env, join(root, 'InnerLink/z.logic'))?.name, 'Inner');
    assert.equal(findModuleForPath(env, join(root, 'AB/../A/Inner/../x.logic'))?.name, 'A');
    assert.equal(findModuleForPath(env, join(root, 'A/../../elsewhere')), undefined);
  });

  it('relPath is /-separated, "" for the root, undefined outside', () => {
    assert.equal(relPath(env, join(root, 'A/Inner/module.json')), 'A/Inner/module.json');
    assert.equal(relPath(env, join(root, 'InnerLink/nope.logic')), 'A/Inner/nope.logic');
    assert.equal(relPath(env, root), '');
    assert.equal(relPath(env, join(root, '..')), undefined);
  });

  it('realPathOf resolves the existing part of a path that does not exist', () => {
    assert.equal(realPathOf(join(root, 'InnerLink/a/b')), join(root, 'A/Inner/a/b'));
  });

  it('isInside compares path segments', () => {
    assert.equal(isInside('/a/b', '/a/b'), true);
    assert.equal(isInside('/a/b', '/a/b/c'), true);
    assert.equal(isInside('/a/b', '/a/bc'), false);
    assert.equal(isInside('/', '/x'), true);
  });
});
