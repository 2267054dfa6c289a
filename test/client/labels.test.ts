/** Labels of the Modules view (SPEC 5): context values the menus match, descriptions, signatures. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { moduleContextValue, moduleDescription, shortSignature } from '../../client/labels';

test('context values encode access and protection for the menus', () => {
  assert.equal(moduleContextValue({ access: 'full', protected: false }), 'module:full:unlocked');
  assert.equal(moduleContextValue({ access: 'reference', protected: true }), 'module:reference:locked');
  // the `when` clauses of package.json
  assert.match(moduleContextValue({ access: 'full', protected: false }), /^module:full:unlocked$/);
  assert.doesNotMatch(moduleContextValue({ access: 'change', protected: false }), /^module:full:/);
  assert.match(moduleContextValue({ access: 'open', protected: true }), /^module:(reference|open|change|full):/);
  assert.doesNotMatch(moduleContextValue({ access: 'list', protected: true }), /^module:(reference|open|change|full):/);
});

test('module descriptions', () => {
  assert.equal(moduleDescription({ version: '1.4.0', kind: 'service', access: 'reference' }), '1.4.0 · service · reference');
});

test('signatures lose the repeated kind and name', () => {
  assert.equal(
    shortSignature({ kind: 'serverAction', name: 'GetOrder', signature: 'server action GetOrder(orderId: Text) returns (order: Order)' }),
    '(orderId: Text) returns (order: Order)',
  );
  assert.equal(shortSignature({ kind: 'structure', name: 'OrderLine', signature: 'public structure OrderLine { productId: Text }' }), '{ productId: Text }');
  assert.equal(shortSignature({ kind: 'structure', name: 'X', signature: 'something else' }), 'something else');
});
