// Issue 13 point 5: what Manage Access… and Unprotect Module tell an owner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { currentGrant, gainReadOnUnprotect, levelChoices, unprotectConfirmation } from '../../client/accessOverview';
import type { AccessOverviewResult } from '../../shared/protocol';

const overview: AccessOverviewResult = {
  module: 'Pricing',
  protected: true,
  owner: 'alice',
  defaultAccess: 'open',
  grants: [
    { module: 'Pricing', to: 'user:bob', access: 'list' },
    { module: '*', to: 'group:reviewers', access: 'reference' },
  ],
  users: [
    { id: 'alice', groups: ['core'], admin: true, access: 'full', reason: '' },
    { id: 'dave', groups: ['core'], admin: false, access: 'change', reason: '' },
    { id: 'bob', groups: ['contractors'], admin: false, access: 'list', reason: '' },
    { id: 'carol', groups: ['reviewers'], admin: false, access: 'reference', reason: '' },
    { id: 'erin', groups: [], admin: false, access: 'none', reason: '' },
  ],
  groups: ['contractors', 'core', 'reviewers'],
};

test('unprotecting names exactly who would gain read access', () => {
  assert.deepEqual(gainReadOnUnprotect(overview), [
    { id: 'bob', access: 'open' },
    { id: 'carol', access: 'open' },
    { id: 'erin', access: 'open' },
  ]);
  const c = unprotectConfirmation(overview);
  assert.equal(c.message, 'Unprotect Pricing?');
  assert.match(c.detail, /bob \(open\), carol \(open\), erin \(open\)/);
  assert.doesNotMatch(c.detail, /dave|alice/);
});

test('with defaultAccess below open, nobody gains read access', () => {
  const o = { ...overview, defaultAccess: 'reference' as const };
  assert.deepEqual(gainReadOnUnprotect(o), []);
  assert.match(unprotectConfirmation(o).detail, /Nobody gains read access/);
  assert.deepEqual(gainReadOnUnprotect({ ...overview, protected: false }), []);
});

test('Manage Access never offers "none" first, and only when there is a grant to remove', () => {
  const without = levelChoices(undefined);
  assert.ok(!without.some((c) => c.level === 'none'));
  assert.equal(without[0]!.level, 'list');
  const withGrant = levelChoices(currentGrant(overview, 'user:bob'));
  assert.equal(withGrant.at(-1)!.level, 'none');
  assert.notEqual(withGrant[0]!.level, 'none');
  assert.deepEqual(
    withGrant.filter((c) => c.current).map((c) => c.level),
    ['list'],
  );
  assert.equal(currentGrant(overview, 'group:reviewers'), undefined, "a * grant is not this module's grant");
});
