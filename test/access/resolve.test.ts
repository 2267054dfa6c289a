// The effective-access rule of SPEC 2.3, table-driven: every rule and its interactions.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { accessSubject, grantApplies, resolveAccess, resolveModuleAccess, userInfo, type AccessSubject } from '../../shared/access/resolve';
import type { AccessLevel } from '../../shared/access/levels';
import type { Grant, ModuleInfo, Policy } from '../../shared/environment/model';

function policy(over: Partial<Policy> = {}): Policy {
  return {
    name: 'Acme',
    admins: ['alice'],
    users: {
      alice: { displayName: 'Alice Owner', groups: ['core'] },
      bob: { displayName: 'Bob Contractor', groups: ['contractors'] },
      carol: { groups: ['reviewers'] },
      dave: { groups: ['contractors', 'reviewers'] },
      erin: { groups: [] },
      owen: { groups: [] },
    },
    defaultAccess: 'change',
    grants: [],
    ...over,
  };
}

const prot = (name = 'OrderAPI', owner = 'owen'): AccessSubject => ({ name, owner, protected: true });
const open = (name = 'OrderPortal', owner = 'owen'): AccessSubject => ({ name, owner, protected: false });

interface Row {
  name: string;
  policy: Policy | undefined;
  module: AccessSubject;
  user: string | null;
  level: AccessLevel;
  /** Substrings the reason must contain. */
  reason?: string[];
  /** Substrings the reason must not contain (no leak). */
  notReason?: string[];
}

const g = (module: string, to: string, access: AccessLevel): Grant => ({ module, to, access });

const rows: Row[] = [
  // Rule 1: unknown user, no user, invalid policy → none on protected, list on others.
  {
    name: 'unknown user, protected',
    policy: policy(),
    module: prot(),
    user: 'zed',
    level: 'none',
    reason: ['zed', 'not a known user'],
    notReason: ['OrderAPI', 'protected'],
  },
  { name: 'unknown user, unprotected', policy: policy(), module: open(), user: 'zed', level: 'list', reason: ['not a known user'] },
  { name: 'unknown user even with a * grant', policy: policy({ grants: [g('*', '*', 'full')] }), module: open(), user: 'zed', level: 'list' },
  { name: 'null user, protected', policy: policy(), module: prot(), user: null, level: 'none', reason: ['No user'] },
  { name: 'null user, unprotected', policy: policy(), module: open(), user: null, level: 'list' },
  { name: 'invalid policy, protected, owner', policy: undefined, module: prot('OrderAPI', 'bob'), user: 'bob', level: 'none', reason: ['invalid'] },
  { name: 'invalid policy, unprotected, admin', policy: undefined, module: open(), user: 'alice', level: 'list', reason: ['invalid'] },
  { name: 'admin not among users is unknown', policy: policy({ admins: ['zed'] }), module: prot(), user: 'zed', level: 'none' },
  { name: 'owner not among users is unknown', policy: policy(), module: prot('OrderAPI', 'zed'), user: 'zed', level: 'none' },

  // Rule 2: owner or admin → full (before grants, whatever they say).
  {
    name: 'owner of a protected module',
    policy: policy(),
    module: prot('OrderAPI', 'bob'),
    user: 'bob',
    level: 'full',
    reason: ['bob is the owner of OrderAPI'],
  },
  {
    name: 'owner despite a none grant',
    policy: policy({ grants: [g('OrderAPI', 'user:bob', 'none')] }),
    module: prot('OrderAPI', 'bob'),
    user: 'bob',
    level: 'full',
  },
  { name: 'admin on a protected module', policy: policy(), module: prot(), user: 'alice', level: 'full', reason: ['alice is an admin'] },
  { name: 'admin on an unprotected module with defaultAccess none', policy: policy({ defaultAccess: 'none' }), module: open(), user: 'alice', level: 'full' },

  // Rule 3: grants, matched by module (name or *) and to (user:, group:, *).
  {
    name: 'user grant',
    policy: policy({ grants: [g('OrderAPI', 'user:bob', 'reference')] }),
    module: prot(),
    user: 'bob',
    level: 'reference',
    reason: ['bob is granted reference on OrderAPI'],
  },
  {
    name: 'group grant',
    policy: policy({ grants: [g('OrderAPI', 'group:contractors', 'reference')] }),
    module: prot(),
    user: 'bob',
    level: 'reference',
    reason: ['bob is in group contractors, granted reference on OrderAPI'],
  },
  {
    name: '* to grant (every known user)',
    policy: policy({ grants: [g('OrderAPI', '*', 'list')] }),
    module: prot(),
    user: 'erin',
    level: 'list',
    reason: ['Every known user'],
  },
  {
    name: '* module grant',
    policy: policy({ grants: [g('*', 'group:reviewers', 'reference')] }),
    module: prot(),
    user: 'carol',
    level: 'reference',
    reason: ['group reviewers', 'every module'],
  },
  {
    name: 'grant for another module does not apply',
    policy: policy({ grants: [g('Billing', 'user:bob', 'full')] }),
    module: prot(),
    user: 'bob',
    level: 'none',
    notReason: ['Billing', 'full', 'OrderAPI'],
  },
  {
    name: 'grant to another user does not apply',
    policy: policy({ grants: [g('OrderAPI', 'user:carol', 'open')] }),
    module: prot(),
    user: 'bob',
    level: 'none',
    notReason: ['carol'],
  },
  {
    name: 'grant to a group the user is not in',
    policy: policy({ grants: [g('OrderAPI', 'group:core', 'open')] }),
    module: prot(),
    user: 'bob',
    level: 'none',
    notReason: ['core'],
  },
  {
    name: 'highest of several grants wins',
    policy: policy({
      grants: [
        g('OrderAPI', 'group:contractors', 'reference'),
        g('*', 'group:reviewers', 'open'),
        g('OrderAPI', 'user:dave', 'list'),
        g('OrderAPI', 'group:core', 'full'),
      ],
    }),
    module: prot(),
    user: 'dave',
    level: 'open',
    reason: ['group reviewers', 'granted open on every module'],
    notReason: ['core', 'full', 'contractors'],
  },
  {
    name: 'equal grants: the more specific one is named',
    policy: policy({ grants: [g('*', '*', 'reference'), g('OrderAPI', 'user:bob', 'reference')] }),
    module: prot(),
    user: 'bob',
    level: 'reference',
    reason: ['bob is granted reference on OrderAPI'],
  },

  // Rule 4: protected → G or none; unprotected → max(G, defaultAccess).
  {
    name: 'protected, no grant → none',
    policy: policy(),
    module: prot(),
    user: 'bob',
    level: 'none',
    reason: ['no access'],
    notReason: ['OrderAPI', 'protected', 'change'],
  },
  { name: 'protected ignores defaultAccess', policy: policy({ defaultAccess: 'full' }), module: prot(), user: 'bob', level: 'none' },
  { name: 'protected, explicit none grant', policy: policy({ grants: [g('OrderAPI', 'user:bob', 'none')] }), module: prot(), user: 'bob', level: 'none' },
  {
    name: 'protected, grant below default still applies',
    policy: policy({ grants: [g('OrderAPI', 'user:bob', 'list')] }),
    module: prot(),
    user: 'bob',
    level: 'list',
  },
  {
    name: 'unprotected, no grant → defaultAccess',
    policy: policy(),
    module: open(),
    user: 'bob',
    level: 'change',
    reason: ['OrderPortal is not protected', 'change'],
  },
  {
    name: 'unprotected, default (omitted = change) beats a lower grant',
    policy: policy({ grants: [g('OrderPortal', 'user:bob', 'reference')] }),
    module: open(),
    user: 'bob',
    level: 'change',
  },
  {
    name: 'unprotected, grant above default',
    policy: policy({ grants: [g('OrderPortal', 'user:bob', 'full')] }),
    module: open(),
    user: 'bob',
    level: 'full',
    reason: ['bob is granted full on OrderPortal'],
  },
  {
    name: 'defaultAccess lower than a grant',
    policy: policy({ defaultAccess: 'list', grants: [g('OrderPortal', 'group:contractors', 'open')] }),
    module: open(),
    user: 'bob',
    level: 'open',
    reason: ['group contractors'],
  },
  { name: 'defaultAccess reference, no grant', policy: policy({ defaultAccess: 'reference' }), module: open(), user: 'carol', level: 'reference' },
  {
    name: 'defaultAccess none, no grant → none',
    policy: policy({ defaultAccess: 'none' }),
    module: open(),
    user: 'bob',
    level: 'none',
    notReason: ['OrderPortal', 'protected'],
  },
  {
    name: 'unprotected, none grant does not lower the default',
    policy: policy({ grants: [g('OrderPortal', 'user:bob', 'none')] }),
    module: open(),
    user: 'bob',
    level: 'change',
  },
];

describe('resolveAccess (SPEC 2.3)', () => {
  for (const row of rows) {
    it(row.name, () => {
      const d = resolveAccess(row.policy, row.module, row.user);
      assert.equal(d.level, row.level);
      assert.ok(d.reason.length > 0, 'a reason is always given');
      for (const s of row.reason ?? []) assert.ok(d.reason.includes(s), `reason ${JSON.stringify(d.reason)} should contain ${s}`);
      for (const s of row.notReason ?? []) assert.ok(!d.reason.includes(s), `reason ${JSON.stringify(d.reason)} must not contain ${s}`);
    });
  }

  it('a none decision reads the same for every module (no existence leak)', () => {
    const p = policy({ grants: [g('Secret', 'user:carol', 'full')] });
    const a = resolveAccess(p, prot('Secret', 'owen'), 'bob');
    const b = resolveAccess(p, prot('Nothing', 'alice'), 'bob');
    assert.deepEqual(a, b);
  });
});

describe('userInfo (whoami, SPEC 4)', () => {
  it('known user with display name and groups', () => {
    assert.deepEqual(userInfo(policy(), 'bob'), { known: true, displayName: 'Bob Contractor', groups: ['contractors'], admin: false });
  });
  it('admin', () => {
    assert.equal(userInfo(policy(), 'alice').admin, true);
  });
  it('no display name: the key is absent', () => {
    assert.deepEqual(userInfo(policy(), 'carol'), { known: true, groups: ['reviewers'], admin: false });
  });
  it('unknown, null, invalid policy', () => {
    const none = { known: false, groups: [], admin: false };
    assert.deepEqual(userInfo(policy(), 'zed'), none);
    assert.deepEqual(userInfo(policy(), null), none);
    assert.deepEqual(userInfo(undefined, 'alice'), none);
    assert.deepEqual(userInfo(policy({ admins: ['zed'] }), 'zed'), none);
  });
  it('does not treat Object.prototype keys as users', () => {
    assert.equal(userInfo(policy(), 'constructor').known, false);
    assert.equal(resolveAccess(policy(), prot(), 'constructor').level, 'none');
  });
});

describe('grantApplies', () => {
  const cases: [Grant, string, string, string[], boolean][] = [
    [g('A', 'user:bob', 'list'), 'A', 'bob', [], true],
    [g('A', 'user:bob', 'list'), 'B', 'bob', [], false],
    [g('*', 'user:bob', 'list'), 'B', 'bob', [], true],
    [g('A', 'group:x', 'list'), 'A', 'bob', ['x'], true],
    [g('A', 'group:x', 'list'), 'A', 'bob', ['y'], false],
    [g('A', '*', 'list'), 'A', 'anyone', [], true],
    [g('A', 'user:bobby', 'list'), 'A', 'bob', [], false],
  ];
  for (const [grant, mod, user, groups, expected] of cases) {
    it(`${grant.module} ${grant.to} for ${user} on ${mod}`, () => assert.equal(grantApplies(grant, mod, user, groups), expected));
  }
});

describe('accessSubject / resolveModuleAccess', () => {
  const base: ModuleInfo = {
    name: 'OrderAPI',
    folder: '/e/OrderAPI',
    relFolder: 'OrderAPI',
    manifestPath: '/e/OrderAPI/module.json',
    files: [],
    diagnostics: [],
  };
  it('valid manifest: its owner and protection', () => {
    const info: ModuleInfo = {
      ...base,
      manifest: { name: 'OrderAPI', version: '1.0.0', kind: 'service', owner: 'bob', protected: false, dependencies: {} },
    };
    assert.deepEqual(accessSubject(info), { name: 'OrderAPI', owner: 'bob', protected: false });
    assert.equal(resolveModuleAccess(policy(), info, 'carol').level, 'change');
  });
  it('invalid manifest: treated as protected; the declared owner and admins keep full', () => {
    const info: ModuleInfo = { ...base, declaredOwner: 'bob' };
    assert.deepEqual(accessSubject(info), { name: 'OrderAPI', owner: 'bob', protected: true });
    assert.equal(resolveModuleAccess(policy(), info, 'bob').level, 'full');
    assert.equal(resolveModuleAccess(policy(), info, 'alice').level, 'full');
    assert.equal(resolveModuleAccess(policy(), info, 'carol').level, 'none');
  });
  it('invalid manifest without an owner: nobody is the owner', () => {
    assert.equal(accessSubject(base).owner, '');
    assert.equal(resolveModuleAccess(policy(), base, 'erin').level, 'none');
  });
});
