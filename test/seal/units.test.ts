// Sealed modules (SPEC 9), the small parts: environment.json's `id` and `trustedPublishers` with
// positioned diagnostics, the canonical signed form, the access cap, the client's labels and
// denied page.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parsePolicy } from '../../shared/environment/manifest';
import { canonicalJson, signedBytes } from '../../shared/environment/seal';
import { capSealed, resolveModuleAccess } from '../../shared/access/resolve';
import type { ModuleInfo, Policy } from '../../shared/environment/model';
import { moduleDescription } from '../../client/labels';
import { renderDeniedPage, type DeniedViewModel } from '../../client/deniedPage';
import { kebab } from '../../server/seal/commands';

const ENV_PATH = '/envs/globex/environment.json';
const KEY = 'ed25519:9Nl0nNBM4w+u/sl08KIlH3+5cMMBmXikr7XzLzuwFFc=';

describe('environment.json: id and trustedPublishers (SPEC 9)', () => {
  it('accepts both and keeps them in the policy', () => {
    const r = parsePolicy(`{ "id": "globex-retail", "users": {}, "trustedPublishers": { "acme": "${KEY}" } }`, ENV_PATH);
    assert.deepEqual(r.diagnostics, []);
    assert.equal(r.policy?.id, 'globex-retail');
    assert.deepEqual(r.policy?.trustedPublishers, { acme: KEY });
  });

  it('both stay optional', () => {
    const r = parsePolicy('{ "users": {} }', ENV_PATH);
    assert.deepEqual(r.diagnostics, []);
    assert.equal(r.policy?.id, undefined);
    assert.equal(r.policy?.trustedPublishers, undefined);
  });

  it('a bad id is an error on its value, with the rule', () => {
    const r = parsePolicy('{\n  "users": {},\n  "id": "Globex"\n}', ENV_PATH);
    assert.equal(r.policy, undefined);
    assert.equal(r.diagnostics.length, 1);
    assert.equal(r.diagnostics[0].code, 'invalid-environment');
    assert.deepEqual(r.diagnostics[0].range.start, { line: 2, character: 8 });
    assert.match(r.diagnostics[0].message, /^id: invalid environment id/);
    for (const bad of ['ab', 'a'.repeat(65), '-abc', 'ab_c']) assert.equal(parsePolicy(`{ "users": {}, "id": "${bad}" }`, ENV_PATH).policy, undefined, bad);
    for (const good of ['abc', '0ab', 'a'.repeat(64)]) assert.ok(parsePolicy(`{ "users": {}, "id": "${good}" }`, ENV_PATH).policy, good);
  });

  it('a bad key or publisher name is an error on it', () => {
    const r = parsePolicy('{\n  "users": {},\n  "trustedPublishers": {\n    "acme": "ed25519:short"\n  }\n}', ENV_PATH);
    assert.equal(r.diagnostics.length, 1);
    assert.deepEqual(r.diagnostics[0].range.start, { line: 3, character: 12 });
    assert.match(r.diagnostics[0].message, /^trustedPublishers\.acme: invalid publisher key/);
    const n = parsePolicy(`{ "users": {}, "trustedPublishers": { "bad name": "${KEY}" } }`, ENV_PATH);
    assert.equal(n.diagnostics.length, 1);
    assert.match(n.diagnostics[0].message, /invalid publisher name/);
  });
});

describe('the signed form of SEAL.json', () => {
  it('sorts keys at every depth, no spaces, and leaves out the signature', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 'é' }], c: null } }), '{"a":{"c":null,"d":[1,{"y":"é","z":1}]},"b":1}');
    const seal = {
      publisher: 'p',
      module: 'M',
      version: '1.0.0',
      created: 'x',
      sha256: { 'sources.age': 'a', 'module.json': 'b', 'INTERFACE.logic': 'c' },
      signature: 'S',
    };
    assert.equal(
      signedBytes(seal as never).toString('utf8'),
      '{"created":"x","module":"M","publisher":"p","sha256":{"INTERFACE.logic":"c","module.json":"b","sources.age":"a"},"version":"1.0.0"}',
    );
  });
});

describe('the access cap (SPEC 9)', () => {
  const policy: Policy = { name: 'G', admins: ['gina'], users: { gina: { groups: [] }, hank: { groups: [] } }, defaultAccess: 'change', grants: [] };
  const info = (sealed: boolean): ModuleInfo => ({
    name: 'OrderAPI',
    folder: '/e/m',
    relFolder: 'm',
    manifestPath: '/e/m/module.json',
    files: [],
    diagnostics: [],
    manifest: { name: 'OrderAPI', version: '1.4.0', kind: 'service', owner: 'hank', protected: false, dependencies: {} },
    ...(sealed ? { sealed: { publisher: 'acme', valid: true } } : {}),
  });
  it('admins, the owner and everyone else get at most reference on a sealed module', () => {
    for (const user of ['gina', 'hank']) {
      assert.equal(resolveModuleAccess(policy, info(false), user).level, 'full');
      const d = resolveModuleAccess(policy, info(true), user);
      assert.equal(d.level, 'reference');
      assert.match(d.reason, /sealed by acme/);
    }
  });
  it('lower levels are kept', () => {
    assert.deepEqual(capSealed(info(true), { level: 'list', reason: 'r' }), { level: 'list', reason: 'r' });
    assert.equal(resolveModuleAccess(undefined, info(true), 'gina').level, 'list');
  });
});

describe('client: labels and the denied page of a sealed module', () => {
  it('the Modules view says who seals it (and, for admins, an invalid seal)', () => {
    assert.equal(
      moduleDescription({ version: '1.4.0', kind: 'service', access: 'reference', sealed: { publisher: 'acme' } }),
      '1.4.0 · service · reference · sealed by acme',
    );
    assert.equal(
      moduleDescription({ version: '1.4.0', kind: 'service', access: 'reference', sealed: { publisher: 'acme', invalid: true } }),
      '1.4.0 · service · reference · sealed by acme (seal invalid)',
    );
    assert.equal(moduleDescription({ version: '1.0.0', kind: 'ui', access: 'open' }), '1.0.0 · ui · open');
  });

  it('the denied view says the source is not in this environment and who publishes it, escaped, with no access request', () => {
    const m: DeniedViewModel = {
      path: 'modules/order-api/sources.age',
      module: 'OrderAPI',
      owner: 'alice',
      access: 'reference',
      required: 'open',
      sealed: { publisher: 'acme<b>' },
      elements: [],
    };
    const html = renderDeniedPage(m, { cspSource: 'vscode-resource:', nonce: 'abc' });
    assert.match(html, /The source of OrderAPI is not in this environment: it is a sealed module, published by <b>acme&lt;b&gt;<\/b>/);
    assert.match(html, /Sealed by/);
    assert.doesNotMatch(html, /copyRequest/);
    assert.match(html, /showInterface/);
    const plain = renderDeniedPage({ ...m, sealed: undefined }, { cspSource: 'vscode-resource:', nonce: 'abc' });
    assert.match(plain, /copyRequest/);
    assert.doesNotMatch(plain, /sealed module/);
  });
});

describe('install folder names', () => {
  it('kebab-cases module names', () => {
    assert.equal(kebab('OrderAPI'), 'order-api');
    assert.equal(kebab('Common'), 'common');
    assert.equal(kebab('HTTPClient'), 'http-client');
    assert.equal(kebab('My_Module2'), 'my-module2');
  });
});
