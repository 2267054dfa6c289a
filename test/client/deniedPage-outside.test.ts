/**
 * The permission-denied page for files outside modules (docs/DECISIONS.md "The language server":
 * PermissionDenied data `{ module: "", access, required, owner: "" }`): plain words, no
 * "Module:"/"Owner: unknown" rows, and nothing that calls environment.json a module.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { isOutsideModules, outsideModulesSentence, renderDeniedPage, type DeniedViewModel } from '../../client/deniedPage';

const CSP = { cspSource: 'vscode-resource:', nonce: 'NONCE' };
const base: DeniedViewModel = { path: 'environment.json', module: '', owner: '', access: 'open', required: 'full', user: 'bob' };

describe('denied page outside modules', () => {
  test('environment.json for a known non-admin: only admins can open it', () => {
    const html = renderDeniedPage(base, CSP);
    assert.ok(isOutsideModules(base));
    assert.match(html, /Only the environment&#39;s admins can open environment\.json\./);
    assert.doesNotMatch(html, /protected module/);
    assert.doesNotMatch(html, /<th[^>]*>Module<\/th>/);
    assert.doesNotMatch(html, /<th[^>]*>Owner<\/th>/);
    assert.doesNotMatch(html, /unknown/);
    assert.doesNotMatch(html, /copyRequest|showInterface/);
    assert.match(html, /<span class="level" id="access">open<\/span>/);
    assert.match(html, /<span class="level" id="required">full<\/span>/);
  });
  test('an invalid policy says it must be fixed on disk by an admin', () => {
    const m: DeniedViewModel = { ...base, access: 'list', outside: 'invalidPolicy' };
    assert.match(outsideModulesSentence(m), /policy \(environment\.json\) is invalid.*fixed on disk by an admin\./);
    const html = renderDeniedPage(m, CSP);
    assert.match(html, /fixed on disk by an admin/);
    assert.doesNotMatch(html, /<th[^>]*>Module<\/th>|<th[^>]*>Owner<\/th>/);
  });
  test('an unknown user is told to ask an admin to be added', () => {
    const m: DeniedViewModel = { ...base, path: 'docs/README.md', access: 'list', required: 'open', outside: 'unknownUser', user: 'zed' };
    assert.equal(
      outsideModulesSentence(m),
      'You (zed) are not a user of this environment, so files outside modules cannot be opened. Ask an environment admin to add you to environment.json.',
    );
  });
  test('other outside files name the file, escaped', () => {
    const m: DeniedViewModel = { ...base, path: 'x/<b>.md', outside: 'adminsOnly' };
    const html = renderDeniedPage(m, CSP);
    assert.match(html, /Only the environment&#39;s admins can open &lt;b&gt;\.md\./);
    assert.ok(!html.includes('<b>.md'));
  });
  test('a module denial still shows module and owner', () => {
    const html = renderDeniedPage({ ...base, path: 'OrderAPI/a.logic', module: 'OrderAPI', owner: 'alice', access: 'list', required: 'open' }, CSP);
    assert.match(html, /<th[^>]*>Module<\/th>/);
    assert.match(html, /OrderAPI is a protected module/);
  });
});
