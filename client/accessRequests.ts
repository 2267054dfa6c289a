/**
 * Access requests on the client (SPEC 8, issue 14): the texts, ages and choices of the denied
 * view's **Request Access…** and of the **Access Requests** view. Pure: no `vscode` import;
 * unit-tested in `test/client/accessRequests.test.ts`. Every text built here is plain text (the
 * callers escape it for HTML or show it where VS Code renders text literally).
 */
import { ACCESS_LEVELS, accessRank, type AccessLevel } from '../shared/access/levels';
import { ErrorCodes, type AccessRequest, type AccessRequestOpenData } from '../shared/protocol';
import { describeError, isRpcError } from './errors';

/** The most characters a reason may have after trimming (as the server checks, SPEC 8). */
export const REASON_MAX = 1000;

/** What each level lets the requester do, for the level quick pick (SPEC 2.3). */
export const LEVEL_HELP: Record<AccessLevel, string> = {
  none: 'nothing',
  list: 'see name, version, owner and description',
  reference: 'use its public elements (signatures and docs), not see its source',
  open: 'read its sources, read-only',
  change: 'read and edit its sources',
  full: 'also change protection and grants',
};

/**
 * The levels a user may ask for: every level above `current` (SPEC 8: "above the user's current
 * level"), lowest first, with the one to pre-select — `required` (what the denied file needs) when
 * it is among them, else the lowest.
 * @returns `levels` empty (and `preselect` undefined) when the user already has `full`.
 */
export function requestableLevels(current: AccessLevel, required?: AccessLevel): { levels: AccessLevel[]; preselect: AccessLevel | undefined } {
  const levels = ACCESS_LEVELS.filter((l) => accessRank(l) > accessRank(current));
  const preselect = required && levels.includes(required) ? required : levels[0];
  return { levels: [...levels], preselect };
}

/**
 * Checks a reason typed into the input box: the message to show, or `undefined` when it is fine.
 * 1–{@link REASON_MAX} characters after trimming.
 */
export function validateReason(text: string): string | undefined {
  const t = text.trim();
  if (t === '') return 'Say why you need this access (the owner reads it).';
  if (t.length > REASON_MAX) return `Keep the reason to ${REASON_MAX} characters (now ${t.length}).`;
  return undefined;
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];
const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/**
 * How long ago `iso` was, in words ("just now", "5 minutes ago", "yesterday", "3 weeks ago").
 * @param iso an ISO 8601 time (as the server sends `created` / `decided`)
 * @param nowMs the current time in milliseconds since the epoch
 * @returns `iso` itself when it is not a time; "just now" for less than a minute (or a time in the
 *   future: clocks of two machines differ a little)
 */
export function formatAge(iso: string, nowMs: number): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const secs = Math.floor((nowMs - t) / 1000);
  if (secs < 60) return 'just now';
  for (const [unit, size] of UNITS) {
    if (secs >= size) return relative.format(-Math.floor(secs / size), unit);
  }
  return 'just now';
}

/** A time for a tooltip: `2026-12-04 14:25 UTC` (or the text itself when it is not a time). */
export function formatTime(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return new Date(t)
    .toISOString()
    .replace('T', ' ')
    .replace(/:\d\d(\.\d+)?Z$/, ' UTC');
}

/**
 * The request of `user` on `module` that the denied view shows: the open one if there is one,
 * else the most recent decided one (so a declined request's note is seen). `undefined`: none.
 */
export function requestForModule(requests: readonly AccessRequest[], user: string, module: string): AccessRequest | undefined {
  const mine = requests.filter((r) => r.user === user && r.module === module);
  const open = mine.filter((r) => r.state === 'open');
  const newest = (list: AccessRequest[]) =>
    list.reduce<AccessRequest | undefined>((a, r) => (!a || Date.parse(r.decided ?? r.created) > Date.parse(a.decided ?? a.created) ? r : a), undefined);
  return newest(open) ?? newest(mine);
}

/**
 * One or two sentences on the state of the user's request, for the denied view.
 * e.g. `You asked for open access 5 minutes ago (2026-12-04 14:25 UTC). It is waiting for a decision by alice (the owner) or an environment admin.`
 */
export function requestStateSentence(r: AccessRequest, owner: string, nowMs: number): string {
  const asked = `You asked for ${r.access} access ${formatAge(r.created, nowMs)} (${formatTime(r.created)})`;
  const by = r.decidedBy ?? 'the owner';
  const when = r.decided ? ` ${formatAge(r.decided, nowMs)}` : '';
  switch (r.state) {
    case 'open':
      return `${asked}. It is waiting for a decision by ${owner ? `${owner} (the owner)` : 'the owner'} or an environment admin.`;
    case 'granted':
      return `${asked}; ${by} granted it${when}.`;
    case 'declined':
      return r.note ? `${asked}; ${by} declined it${when}. Note: “${r.note}”` : `${asked}; ${by} declined it${when} (no note).`;
  }
}

/** The Access Requests view's groups (see {@link groupRequests}). */
export interface RequestGroups {
  /** Others' open requests on modules the user has `full` on: to approve or decline. */
  toDecide: AccessRequest[];
  /** Others' decided requests (who decided, when). */
  decided: AccessRequest[];
  /** The user's own requests, any state. */
  mine: AccessRequest[];
}

/**
 * Splits what `listAccessRequests` answered (the caller's own requests and those of every module
 * the caller has `full` on, SPEC 8) into the view's groups: newest first in each (open requests by
 * `created`, decided ones by `decided`).
 */
export function groupRequests(requests: readonly AccessRequest[], me: string | null | undefined): RequestGroups {
  const by = (key: (r: AccessRequest) => string) => (a: AccessRequest, b: AccessRequest) => Date.parse(key(b)) - Date.parse(key(a));
  const others = requests.filter((r) => r.user !== me);
  return {
    toDecide: others.filter((r) => r.state === 'open').sort(by((r) => r.created)),
    decided: others.filter((r) => r.state !== 'open').sort(by((r) => r.decided ?? r.created)),
    mine: requests.filter((r) => r.user === me).sort(by((r) => r.decided ?? r.created)),
  };
}

/** The number the view's badge shows: the open requests the user can decide. */
export function openCount(groups: RequestGroups): number {
  return groups.toDecide.length;
}

/** One line of the view for a request: label, description, tooltip, accessible name. */
export interface RequestItemText {
  label: string;
  description: string;
  tooltip: string;
  accessibleLabel: string;
}

/** The reason in one short line (newlines folded, long text cut with "…"). */
export function shortReason(reason: string, max = 80): string {
  const one = reason.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/**
 * The texts of a request's item in the Access Requests view.
 * - open: `bob → open on OrderAPI`, `“reason” · 5 minutes ago`;
 * - decided: `bob → open on OrderAPI`, `granted by alice · 2 minutes ago`;
 * - own (`mine`): `open on OrderAPI`, `waiting · 5 minutes ago`.
 */
export function requestItemText(r: AccessRequest, nowMs: number, mine = false): RequestItemText {
  const label = mine ? `${r.access} on ${r.module}` : `${r.user} → ${r.access} on ${r.module}`;
  const age = formatAge(r.created, nowMs);
  const decided = r.state === 'open' ? '' : `${r.state} by ${r.decidedBy ?? 'unknown'}${r.decided ? ` · ${formatAge(r.decided, nowMs)}` : ''}`;
  const description = r.state === 'open' ? (mine ? `waiting · asked ${age}` : `“${shortReason(r.reason)}” · ${age}`) : decided;
  const lines = [`${mine ? 'You' : r.user} asked for ${r.access} access to ${r.module} on ${formatTime(r.created)} (${age}).`, `Reason: ${r.reason}`];
  if (r.state === 'open') lines.push('State: open, waiting for a decision.');
  else lines.push(`State: ${r.state} by ${r.decidedBy ?? 'unknown'}${r.decided ? ` on ${formatTime(r.decided)}` : ''}.`);
  if (r.note) lines.push(`Note: ${r.note}`);
  const accessibleLabel =
    r.state === 'open'
      ? `${mine ? 'Your request' : `${r.user} requests`} ${r.access} access to ${r.module}, ${age}. Reason: ${shortReason(r.reason, 200)}`
      : `${mine ? 'Your request' : `${r.user}'s request`} for ${r.access} access to ${r.module}, ${decided}${r.note ? `. Note: ${shortReason(r.note, 200)}` : ''}`;
  return { label, description, tooltip: lines.join('\n'), accessibleLabel };
}

/**
 * The context value of a request item, matched by the view's menus: `accessRequest:open` for
 * others' open requests (Approve / Decline), `accessRequest:decided`, `accessRequest:mine`.
 */
export function requestContextValue(r: AccessRequest, mine: boolean): string {
  if (mine) return 'accessRequest:mine';
  return r.state === 'open' ? 'accessRequest:open' : 'accessRequest:decided';
}

/**
 * The approval's modal confirmation: it names exactly what will be granted.
 * e.g. message `Grant bob open on OrderAPI?`, detail with the reason and the grant written.
 */
export function approveQuestion(r: AccessRequest): { message: string; detail: string; action: string } {
  return {
    message: `Grant ${r.user} ${r.access} on ${r.module}?`,
    detail: `${r.user} asked: “${shortReason(r.reason, 300)}”\n\nThis adds the grant user:${r.user} → ${r.access} on ${r.module} to environment.json (${LEVEL_HELP[r.access]}).`,
    action: 'Grant',
  };
}

/** The prompt of Decline's note input box. */
export function declinePrompt(r: AccessRequest): string {
  return `Decline ${r.user}'s request for ${r.access} on ${r.module}: a note for ${r.user} (why, or what to do instead).`;
}

/** Checks a decline note: required, as the requester deserves a reason; same bounds as reasons. */
export function validateNote(text: string): string | undefined {
  const t = text.trim();
  if (t === '') return `Write a note for the requester (why it is declined).`;
  if (t.length > REASON_MAX) return `Keep the note to ${REASON_MAX} characters (now ${t.length}).`;
  return undefined;
}

/** The `data` of an AccessRequestOpen error when it has the expected shape. */
export function accessRequestOpenData(e: unknown): AccessRequestOpenData | undefined {
  if (!isRpcError(e) || e.code !== ErrorCodes.AccessRequestOpen) return undefined;
  const d = e.data as Partial<AccessRequestOpenData> | undefined;
  if (!d || typeof d.id !== 'string' || typeof d.access !== 'string' || typeof d.created !== 'string') return undefined;
  return { id: d.id, access: d.access, created: d.created };
}

/**
 * A failed `requestAccess` in plain words.
 * @param module the module asked about; `access` the level asked for
 */
export function requestErrorText(e: unknown, module: string, access: AccessLevel, nowMs: number): string {
  const what = `request ${access} access to ${module}`;
  if (isRpcError(e)) {
    if (e.code === ErrorCodes.AccessRequestOpen) {
      const d = accessRequestOpenData(e);
      return d
        ? `You already have an open request for ${d.access} access to ${module} (asked ${formatAge(d.created, nowMs)}); wait for its decision.`
        : `You already have an open request for access to ${module}; wait for its decision.`;
    }
    if (e.code === ErrorCodes.ModuleNotFound) return `Could not ${what}: there is no module ${module} (or you may not see it).`;
    if (e.code === -32601)
      return `Could not ${what}: access requests need a connection to an environment host; copy an access request and send it to the owner instead.`;
  }
  return describeError(what, e);
}

/** A failed `decideAccessRequest` in plain words. */
export function decideErrorText(e: unknown, r: AccessRequest, grant: boolean): string {
  return describeError(`${grant ? 'grant' : 'decline'} ${r.user}'s request for ${r.access} access to ${r.module}`, e);
}
