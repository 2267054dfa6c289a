/// <reference types="mocha" />
// @pm-user carol
// @pm-settings {"protectedModules.offerModuleWorkspace": false, "protectedModules.openWalkthroughOnFirstStart": true}
// Issue 13, walkthrough: on the first start of the example, the path of the user's role opens
// (carol: reviewer); the three paths are contributed.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { screenshot, sleep, waitFor } from './helpers';
import { allTabs, productApi } from './client-helpers';

suite('editor: walkthrough on first start', function () {
  this.timeout(120000);

  test('the reviewer path opens for carol on the first start of the example', async () => {
    const api = await productApi();
    assert.equal(await api.walkthroughOpened(), 'protected-modules.protected-modules#reviewer');
    const tab = await waitFor('the walkthrough tab', () => allTabs().find((t) => /walkthrough|welcome|reviewer/i.test(t.label)));
    assert.ok(tab);
    await sleep(1000);
    await screenshot('walkthrough-reviewer');
  });

  test('one path each for contractor, owner and reviewer', () => {
    const pkg = vscode.extensions.getExtension('protected-modules.protected-modules')!.packageJSON as {
      contributes: { walkthroughs: { id: string; steps: { media: { markdown: string } }[] }[] };
    };
    assert.deepEqual(
      pkg.contributes.walkthroughs.map((w) => w.id),
      ['contractor', 'owner', 'reviewer'],
    );
    for (const w of pkg.contributes.walkthroughs) assert.ok(w.steps.length >= 3);
  });
});
