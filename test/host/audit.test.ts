// The audit log (SPEC 7): repeated denials of the same user and path within a minute are one line
// with "count"; the real host writes them when it stops; lines hold no source text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AuditLog, formatAuditEntry, readAudit } from '../../server/host/audit';
import { acmeUri, auditLines, connect, copyAcme, issueToken, startHost, tempDir } from './helpers';

test('repeated denials of one user and path are collapsed into one line with count', () => {
  const dir = tempDir();
  const log = new AuditLog(dir);
  for (let i = 0; i < 5; i++) log.denied({ user: 'bob', module: 'OrderAPI', path: 'modules/order-api/x.logic', access: 'reference', required: 'open' });
  log.denied({ user: 'bob', module: 'OrderAPI', path: 'modules/order-api/y.logic', access: 'reference', required: 'open' });
  log.denied({ user: 'carol', module: 'OrderAPI', path: 'modules/order-api/x.logic', access: 'reference', required: 'open' });
  // At once: the first denial of each user and path.
  assert.equal(readAudit(log.file, { event: 'denied' }).length, 3);
  log.flush();
  const lines = readAudit(log.file, { event: 'denied' });
  assert.equal(lines.length, 4);
  const repeat = lines[3];
  assert.equal(repeat.user, 'bob');
  assert.equal(repeat.path, 'modules/order-api/x.logic');
  assert.equal(repeat.count, 4);
  assert.equal(fs.statSync(log.file).mode & 0o777, 0o600);
});

test('through the host: twenty refused reads are two lines, the second written when the host stops', async () => {
  const env = copyAcme();
  const state = path.join(tempDir(), 'state');
  const host = await startHost(env, state);
  const bob = await connect(host.url, issueToken(env, state, 'bob'));
  const uri = acmeUri('modules/order-api/internal/Storage.logic');
  for (let i = 0; i < 20; i++) await bob.requestError('protectedModules/readFile', { uri });
  await bob.close();
  await host.stop('SIGTERM');
  const denied = auditLines(state).filter((l) => l.event === 'denied');
  assert.equal(denied.length, 2);
  assert.equal(denied[0].count, undefined);
  assert.equal(denied[1].count, 19);
  assert.equal(denied[1].path, 'modules/order-api/internal/Storage.logic');
  const text = fs.readFileSync(path.join(state, 'audit.jsonl'), 'utf8');
  const source = fs.readFileSync(path.join(env, 'modules/order-api/internal/Storage.logic'), 'utf8');
  for (const line of source.split('\n').filter((l) => l.trim().length > 20)) assert.ok(!text.includes(line.trim()), 'no source text in the audit log');
});

test("the text format never hands the owner's terminal control or bidirectional characters from a path someone chose", () => {
  const line = formatAuditEntry({
    time: '2026-12-03T20:00:00.000Z',
    user: 'bob',
    event: 'denied',
    path: 'modules/order-api/A\u0000B\u0007C\u007fD\u009b2JE\u202eF G',
  });
  assert.doesNotMatch(line, /[\u0000-\u001f\u007f-\u009f\u202e]/);
  assert.match(line, /\\u\{202e\}/);
  assert.match(line, /\\u\{9b\}/);
});
