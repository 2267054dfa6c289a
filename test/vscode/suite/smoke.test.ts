/// <reference types="mocha" />
// @pm-user bob
// Proves the real-VS-Code harness works: the product extension is installed and activates, the
// Logic language is registered, the copied environment is the workspace, screenshots work.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { parse } from 'jsonc-parser';
import { EXTENSION_ID, activateExtension, screenshot, testConfig, workspaceRoot, workspaceUri } from './helpers';

suite('smoke: the harness', () => {
  test('runs inside a real VS Code 1.100', () => {
    assert.match(vscode.version, /^1\.\d+\.\d+/);
  });

  test('the product extension is installed and activates', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not installed`);
    await activateExtension();
    assert.equal(ext.isActive, true);
  });

  test('logic is a registered language', async () => {
    const languages = await vscode.languages.getLanguages();
    assert.ok(languages.includes('logic'), `languages: ${languages.join(', ')}`);
  });

  test('the workspace folder is the copied environment', async () => {
    assert.equal(vscode.workspace.workspaceFolders?.length, 1);
    const root = workspaceRoot();
    assert.equal(root.scheme, 'file');
    const stat = await vscode.workspace.fs.stat(workspaceUri('environment.json'));
    assert.equal(stat.type, vscode.FileType.File);
    const env = parse(Buffer.from(await vscode.workspace.fs.readFile(workspaceUri('environment.json'))).toString('utf8'));
    assert.equal(typeof env.users, 'object');
  });

  test('the launcher configured the user', () => {
    const config = testConfig();
    if (!config?.user) return;
    assert.equal(vscode.workspace.getConfiguration('protectedModules').get('user'), config.user);
  });

  test('a screenshot of the workbench can be taken', async () => {
    const doc = await vscode.workspace.openTextDocument(workspaceUri('environment.json'));
    await vscode.window.showTextDocument(doc);
    const path = await screenshot('smoke-workbench');
    if (testConfig()?.screenshots) {
      assert.ok(path && existsSync(path), `no PNG at ${path}`);
    }
  });
});
