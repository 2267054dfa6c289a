/**
 * Issue 5, "Webviews and views": texts from the environment (module descriptions, display names)
 * shown in quick picks keep theme-icon syntax as text (`client/labels.ts` `plainLabel`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plainLabel, shortSignature } from '../../client/labels';

test('plainLabel escapes every $( so no icon is rendered from data', () => {
  assert.equal(plainLabel('Bob $(zap) and $(loading~spin) $(x'), 'Bob \\$(zap) and \\$(loading~spin) \\$(x');
  assert.equal(plainLabel('no icons <b>here</b>'), 'no icons <b>here</b>');
  assert.equal(plainLabel(undefined), undefined);
  assert.equal(plainLabel(''), '');
});

test('shortSignature of hostile signatures stays the signature text', () => {
  const sig = 'public server action javascript_alert(onerror: Text = "</code><script>alert(15)</script>") returns (svg_onload: script)';
  assert.equal(
    shortSignature({ kind: 'serverAction', name: 'javascript_alert', signature: sig }),
    '(onerror: Text = "</code><script>alert(15)</script>") returns (svg_onload: script)',
  );
});
