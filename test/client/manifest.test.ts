/**
 * The client's contributions in package.json (SPEC 5) agree with the code: every contributed
 * command is registered, every menu entry names a contributed command, the view and the custom
 * editor ids are the ones the code uses, and the settings the code reads are declared.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const contributes = pkg.contributes;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}
const code = sources(join(root, 'client'))
  .map((f) => readFileSync(f, 'utf8'))
  .join('\n');

test('every contributed command is registered by the extension', () => {
  const ids: string[] = contributes.commands.map((c: { command: string }) => c.command);
  assert.ok(ids.length >= 6);
  for (const id of ids) {
    assert.ok(code.includes(`register('${id}'`) || code.includes(`registerCommand('${id}'`), `${id} is contributed but never registered`);
  }
  for (const title of [
    'Open Module Workspace…',
    'Preview as User…',
    'Connect to Environment Host…',
    'Disconnect',
    'Protect Module',
    'Unprotect Module',
    'Manage Access…',
    'Show Interface',
  ]) {
    assert.ok(
      contributes.commands.some((c: { title: string }) => c.title === title),
      title,
    );
  }
});

test('menus name contributed commands only, and owner commands are guarded', () => {
  const ids = new Set(contributes.commands.map((c: { command: string }) => c.command));
  for (const [menu, entries] of Object.entries(contributes.menus as Record<string, { command: string; when?: string }[]>)) {
    for (const e of entries) assert.ok(ids.has(e.command), `${menu}: ${e.command}`);
  }
  const palette = new Map(contributes.menus.commandPalette.map((e: { command: string; when: string }) => [e.command, e.when]));
  for (const id of ['protectedModules.protectModule', 'protectedModules.unprotectModule', 'protectedModules.manageAccess']) {
    assert.equal(palette.get(id), 'protectedModules.canAdminister', id);
  }
  assert.equal(palette.get('protectedModules.showInterface'), 'protectedModules.canReference');
});

test('view, container and custom editor ids match the code', () => {
  const views = Object.values(contributes.views as Record<string, { id: string }[]>).flat();
  assert.ok(views.some((v) => v.id === 'protectedModules.modules'));
  assert.match(code, /MODULES_VIEW_ID = 'protectedModules\.modules'/);
  const editor = contributes.customEditors.find((e: { viewType: string }) => e.viewType === 'protectedModules.deniedView');
  assert.ok(editor, 'the denied view custom editor');
  assert.equal(editor.priority, 'option', 'readable files keep opening in text editors');
  assert.deepEqual(editor.selector, [{ filenamePattern: 'modules:/**' }]);
  assert.match(code, /DENIED_VIEW_TYPE = 'protectedModules\.deniedView'/);
});

test('the settings the client reads are declared', () => {
  const props = contributes.configuration.properties;
  assert.equal(props['protectedModules.user'].type, 'string');
  assert.ok(['machine-overridable', 'window'].includes(props['protectedModules.user'].scope));
  assert.deepEqual(props['protectedModules.trace.server'].enum, ['off', 'messages', 'verbose']);
  assert.equal(props['protectedModules.offerModuleWorkspace'].type, 'boolean');
  assert.equal(props['protectedModules.environmentFolders'].type, 'object');
});

test('activation events cover logic files, environment folders and the modules file system', () => {
  for (const e of ['onLanguage:logic', 'workspaceContains:environment.json', 'onFileSystem:modules']) {
    assert.ok(pkg.activationEvents.includes(e), e);
  }
});
