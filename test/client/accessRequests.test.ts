/**
 * Issue 14 (SPEC 8), the pure parts of the client: which levels a user may ask for, reason and
 * note checks, ages, grouping for the Access Requests view, item texts, the approval question,
 * error texts — and the denied page's request button / state (escaped, accessible).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  approveQuestion,
  formatAge,
  formatTime,
  groupRequests,
  openCount,
  requestableLevels,
  requestContextValue,
  requestErrorText,
  requestForModule,
  requestItemText,
  requestStateSentence,
  shortReason,
  validateNote,
  validateReason,
} from '../../client/accessRequests';
import { renderDeniedPage } from '../../client/deniedPage';
import { CSP, DENIED_ORDERS } from './denied-fixture';
import { ErrorCodes, type AccessRequest } from '../../shared/protocol';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const NOW = Date.parse('2026-12-04T15:00:00Z');
const ago = (s: number) => new Date(NOW - s * 1000).toISOString();

function req(p: Partial<AccessRequest>): AccessRequest {
  return { id: 'r1', module: 'OrderAPI', user: 'bob', access: 'open', reason: 'debug CreateOrder', created: ago(300), state: 'open', ...p };
}

test('levels above the current one, the needed one pre-selected', () => {
  assert.deepEqual(requestableLevels('reference', 'open'), { levels: ['open', 'change', 'full'], preselect: 'open' });
  assert.deepEqual(requestableLevels('none'), { levels: ['list', 'reference', 'open', 'change', 'full'], preselect: 'list' });
  // the needed level is not above the current one (e.g. stale data): the lowest is pre-selected
  assert.deepEqual(requestableLevels('change', 'open'), { levels: ['full'], preselect: 'full' });
  assert.deepEqual(requestableLevels('full', 'open'), { levels: [], preselect: undefined });
  for (const l of requestableLevels('list').levels) assert.notEqual(l, 'list');
});

test('a reason: 1 to 1000 characters after trimming', () => {
  assert.match(validateReason('')!, /why/i);
  assert.match(validateReason('   \n ')!, /why/i);
  assert.equal(validateReason(' x '), undefined);
  assert.equal(validateReason('a'.repeat(1000)), undefined);
  assert.match(validateReason('a'.repeat(1001))!, /1000 characters \(now 1001\)/);
  assert.equal(validateReason(`  ${'a'.repeat(1000)}  `), undefined, 'the trimmed length counts');
  assert.match(validateNote('')!, /note/);
  assert.equal(validateNote('use the interface'), undefined);
  assert.match(validateNote('b'.repeat(1001))!, /1000/);
});

test('ages in words, times in UTC', () => {
  assert.equal(formatAge(ago(5), NOW), 'just now');
  assert.equal(formatAge(ago(-30), NOW), 'just now', 'a clock a little ahead');
  assert.equal(formatAge(ago(60), NOW), '1 minute ago');
  assert.equal(formatAge(ago(300), NOW), '5 minutes ago');
  assert.equal(formatAge(ago(2 * 3600 + 5), NOW), '2 hours ago');
  assert.equal(formatAge(ago(26 * 3600), NOW), 'yesterday');
  assert.equal(formatAge(ago(3 * 86400), NOW), '3 days ago');
  assert.equal(formatAge(ago(15 * 86400), NOW), '2 weeks ago');
  assert.equal(formatAge('not a time', NOW), 'not a time');
  assert.equal(formatTime('2026-12-04T14:25:31.123Z'), '2026-12-04 14:25 UTC');
});

test("the denied view's request: the open one first, else the latest decided; only the user's, on that module", () => {
  const list = [
    req({ id: 'a', state: 'declined', created: ago(9000), decided: ago(8000), decidedBy: 'alice', note: 'not yet' }),
    req({ id: 'b', state: 'declined', created: ago(7000), decided: ago(6000), decidedBy: 'alice', note: 'later' }),
    req({ id: 'c', module: 'Pricing', state: 'open' }),
    req({ id: 'd', user: 'carol', state: 'open' }),
  ];
  assert.equal(requestForModule(list, 'bob', 'OrderAPI')?.id, 'b');
  assert.equal(requestForModule([...list, req({ id: 'e', created: ago(10) })], 'bob', 'OrderAPI')?.id, 'e');
  assert.equal(requestForModule(list, 'dave', 'OrderAPI'), undefined);
});

test('state sentences name the level, the age, who decided and the note', () => {
  assert.match(
    requestStateSentence(req({}), 'alice', NOW),
    /^You asked for open access 5 minutes ago \(2026-12-04 14:55 UTC\)\. It is waiting for a decision by alice \(the owner\) or an environment admin\.$/,
  );
  const declined = requestStateSentence(req({ state: 'declined', decidedBy: 'alice', decided: ago(60), note: 'use the interface' }), 'alice', NOW);
  assert.match(declined, /; alice declined it 1 minute ago\. Note: “use the interface”$/);
  assert.match(requestStateSentence(req({ state: 'declined', decidedBy: 'alice', decided: ago(60) }), 'alice', NOW), /\(no note\)/);
  assert.match(requestStateSentence(req({ state: 'granted', decidedBy: 'carol', decided: ago(120) }), 'alice', NOW), /carol granted it 2 minutes ago/);
});

test('the view groups: others’ open requests to decide, others’ decided ones, the user’s own', () => {
  const list = [
    req({ id: 'old', created: ago(900) }),
    req({ id: 'new', user: 'carol', created: ago(100) }),
    req({ id: 'done', state: 'granted', decidedBy: 'alice', decided: ago(50) }),
    req({ id: 'mine', user: 'alice', module: 'Pricing' }),
  ];
  const g = groupRequests(list, 'alice');
  assert.deepEqual(
    g.toDecide.map((r) => r.id),
    ['new', 'old'],
    'newest first',
  );
  assert.deepEqual(
    g.decided.map((r) => r.id),
    ['done'],
  );
  assert.deepEqual(
    g.mine.map((r) => r.id),
    ['mine'],
  );
  assert.equal(openCount(g), 2, 'the badge counts what the user can decide');
  assert.equal(
    openCount(
      groupRequests(
        list.filter((r) => r.state !== 'open'),
        'alice',
      ),
    ),
    0,
  );
});

test('item texts: requester, module, level, reason and age; decided: who and when', () => {
  const open = requestItemText(req({ reason: 'debug\nCreateOrder   rejects' }), NOW);
  assert.equal(open.label, 'bob → open on OrderAPI');
  assert.equal(open.description, '“debug CreateOrder rejects” · 5 minutes ago');
  assert.match(open.tooltip, /bob asked for open access to OrderAPI on 2026-12-04 14:55 UTC \(5 minutes ago\)\.\nReason: debug\nCreateOrder/);
  assert.match(open.accessibleLabel, /^bob requests open access to OrderAPI, 5 minutes ago\. Reason: debug CreateOrder rejects$/);
  const decided = requestItemText(req({ state: 'declined', decidedBy: 'alice', decided: ago(120), note: 'no' }), NOW);
  assert.equal(decided.description, 'declined by alice · 2 minutes ago');
  assert.match(decided.tooltip, /State: declined by alice on 2026-12-04 14:58 UTC\.\nNote: no/);
  const mine = requestItemText(req({}), NOW, true);
  assert.equal(mine.label, 'open on OrderAPI');
  assert.equal(mine.description, 'waiting · asked 5 minutes ago');
  assert.equal(shortReason('x'.repeat(100), 10), `${'x'.repeat(9)}…`);
});

test('context values: only others’ open requests get Approve and Decline (package.json menus)', () => {
  assert.equal(requestContextValue(req({}), false), 'accessRequest:open');
  assert.equal(requestContextValue(req({ state: 'granted' }), false), 'accessRequest:decided');
  assert.equal(requestContextValue(req({}), true), 'accessRequest:mine');
});

test('the approval names what is granted', () => {
  const q = approveQuestion(req({}));
  assert.equal(q.message, 'Grant bob open on OrderAPI?');
  assert.equal(q.action, 'Grant');
  assert.match(q.detail, /bob asked: “debug CreateOrder”/);
  assert.match(q.detail, /user:bob → open on OrderAPI/);
});

test('request errors in plain words', () => {
  const open = requestErrorText(
    { code: ErrorCodes.AccessRequestOpen, message: 'open', data: { id: 'r1', access: 'change', created: ago(120) } },
    'OrderAPI',
    'open',
    NOW,
  );
  assert.equal(open, 'You already have an open request for change access to OrderAPI (asked 2 minutes ago); wait for its decision.');
  assert.match(requestErrorText({ code: ErrorCodes.AccessRequestOpen, message: 'x' }, 'OrderAPI', 'open', NOW), /already have an open request/);
  assert.equal(
    requestErrorText({ code: ErrorCodes.ModuleNotFound, message: 'x' }, 'Pricing', 'open', NOW),
    'Could not request open access to Pricing: there is no module Pricing (or you may not see it).',
  );
  assert.match(requestErrorText({ code: -32601, message: 'Unhandled method' }, 'OrderAPI', 'open', NOW), /environment host/);
  assert.match(requestErrorText(new Error('boom'), 'OrderAPI', 'open', NOW), /Could not request open access to OrderAPI: boom/);
});

const base = DENIED_ORDERS;

test('denied page: local mode keeps Copy Access Request; a host offers Request Access…', () => {
  const local = renderDeniedPage(base, CSP);
  assert.match(local, /<button[^>]*id="copyRequest"[^>]*>Copy Access Request<\/button>/);
  assert.doesNotMatch(local, /requestAccess/);
  const host = renderDeniedPage({ ...base, requests: {} }, CSP);
  assert.match(host, /<button data-action="requestAccess" id="requestAccess">Request Access…<\/button>/);
  assert.doesNotMatch(host, /copyRequest/);
  assert.doesNotMatch(host, /id="request"/);
  // sealed: nobody can grant it, no request at all
  assert.doesNotMatch(renderDeniedPage({ ...base, requests: {}, sealed: { publisher: 'ACME' } }, CSP), /requestAccess|copyRequest/);
});

test('denied page: an open request shows its state instead of the button; a declined one shows the note and the button', () => {
  const open = renderDeniedPage(
    { ...base, requests: { latest: { state: 'open', access: 'open', sentence: 'You asked for open access 5 minutes ago.' } } },
    CSP,
  );
  assert.doesNotMatch(open, /id="requestAccess"/);
  assert.match(
    open,
    /<div class="request request-open" id="request" role="status" data-state="open"><b>Your access request: open\.<\/b> You asked for open access 5 minutes ago\.<\/div>/,
  );
  const declined = renderDeniedPage(
    { ...base, requests: { latest: { state: 'declined', access: 'open', sentence: 'alice declined it: “<script>alert(1)</script>”.' } } },
    CSP,
  );
  assert.match(declined, /id="requestAccess"/);
  assert.match(declined, /data-state="declined"/);
  assert.match(declined, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/, 'the note is escaped');
  assert.doesNotMatch(declined, /<script>alert/);
});

test('package.json: the Access Requests view beside Modules, shown while connected; its commands and menus', () => {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'));
  const c = pkg.contributes;
  const views = c.views.protectedModules as { id: string; name: string; when?: string }[];
  assert.deepEqual(
    views.map((v) => v.id),
    ['protectedModules.modules', 'protectedModules.accessRequests'],
  );
  assert.equal(views[1]!.name, 'Access Requests');
  assert.equal(views[1]!.when, 'protectedModules.connected', 'hidden in local mode');
  const titles = new Map((c.commands as { command: string; title: string; category: string }[]).map((x) => [x.command, x]));
  for (const [id, title] of [
    ['protectedModules.requestAccess', 'Request Access…'],
    ['protectedModules.approveAccessRequest', 'Approve'],
    ['protectedModules.declineAccessRequest', 'Decline'],
    ['protectedModules.refreshAccessRequests', 'Refresh Access Requests'],
  ]) {
    assert.equal(titles.get(id!)?.title, title);
    assert.equal(titles.get(id!)?.category, 'Protected Modules');
  }
  const item = c.menus['view/item/context'] as { command: string; when: string; group: string }[];
  const inline = item.filter((e) => e.when.includes('view == protectedModules.accessRequests') && e.group.startsWith('inline'));
  assert.deepEqual(
    inline.map((e) => e.command),
    ['protectedModules.approveAccessRequest', 'protectedModules.declineAccessRequest'],
  );
  // the menus match exactly the context value of others' open requests
  for (const e of inline) {
    const value = /viewItem == (\S+)/.exec(e.when)?.[1];
    assert.equal(value, requestContextValue(req({}), false));
    assert.notEqual(value, requestContextValue(req({}), true), 'not on the user’s own requests');
    assert.notEqual(value, requestContextValue(req({ state: 'granted' }), false), 'not on decided ones');
  }
  const palette = new Map((c.menus.commandPalette as { command: string; when: string }[]).map((e) => [e.command, e.when]));
  assert.equal(palette.get('protectedModules.requestAccess'), 'protectedModules.connected');
});
