/** Plain-words error messages of the client (SPEC 5: commands report failures in plain words). */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { describeError, howToAsk, permissionDeniedData, withArticle } from '../../client/errors';
import { validateUserId } from '../../client/users';

describe('describeError', () => {
  test('PermissionDenied names the module, both levels and whom to ask', () => {
    const e = { code: -32001, message: 'denied', data: { module: 'OrderAPI', access: 'reference', required: 'full', owner: 'alice' } };
    assert.equal(
      describeError('protect OrderAPI', e),
      'Could not protect OrderAPI: your access to OrderAPI is reference, and this needs full. Ask alice (the owner of OrderAPI) or an environment admin for full access.',
    );
  });
  test('other codes', () => {
    assert.match(describeError('x', { code: -32002, message: 'm' }), /no such module/);
    assert.match(describeError('x', { code: -32003, message: 'm' }), /does not exist/);
    assert.match(describeError('x', { code: -32004, message: 'bad json' }), /environment\.json is invalid.*bad json/);
    assert.equal(describeError('x', { code: -1, message: 'boom' }), 'Could not x: boom');
    assert.equal(describeError('x', new Error('boom')), 'Could not x: boom');
    assert.equal(describeError('x', 'boom'), 'Could not x: boom');
  });
  test('permissionDeniedData validates the shape', () => {
    assert.equal(permissionDeniedData({ code: -32003, message: '' }), undefined);
    assert.equal(permissionDeniedData({ code: -32001, message: '', data: {} }), undefined);
    assert.deepEqual(permissionDeniedData({ code: -32001, message: '', data: { module: 'M', access: 'bogus' } }), {
      module: 'M',
      access: 'none',
      required: 'open',
      owner: '',
    });
  });
  test('helpers', () => {
    assert.equal(withArticle('open'), 'an open');
    assert.equal(withArticle('change'), 'a change');
    assert.equal(howToAsk({ module: 'M', access: 'list', required: 'open', owner: '' }), 'Ask the owner of M or an environment admin for open access.');
  });
});

describe('environment users', () => {
  test('user id validation follows SPEC 2.1', () => {
    assert.equal(validateUserId('bob'), undefined);
    assert.equal(validateUserId('b.o_b-2'), undefined);
    assert.ok(validateUserId('Bob'));
    assert.ok(validateUserId('1bob'));
    assert.ok(validateUserId(''));
  });
});
