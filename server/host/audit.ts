/**
 * The host's audit log `audit.jsonl` (SPEC 7): one JSON object per line,
 * `{ "time", "user", "event", "module"?, "path"?, "access"?, "required"?, "detail"?, "count"? }`.
 *
 * Events: `connect`, `disconnect`, `auth-failed` (`user: null`; the token id in `detail` when the
 * token was well-formed), `denied`, `write`, `protect`, `unprotect`, `grant`, `token-issued`,
 * `token-revoked`, and `request-created`, `request-decided` of SPEC 8 (written by `requests.ts`;
 * module, access and the request id, never the reason or note).
 *
 * Denials: the first denial of a user and path is written at once; further denials of the same
 * user and path in the minute that follows are written as one line with `"count"` (how many)
 * when that minute ends (or when the host stops). Never source text or secrets: callers pass
 * only names, paths, levels and token ids. The file is created with mode 0600 and appended to.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The file of the audit log in the state folder. */
export const AUDIT_FILE = 'audit.jsonl';

/** The events of SPEC 7. */
export const AUDIT_EVENTS = [
  'connect',
  'disconnect',
  'auth-failed',
  'denied',
  'write',
  'protect',
  'unprotect',
  'grant',
  'token-issued',
  'token-revoked',
  'request-created',
  'request-decided',
] as const;
export type AuditEvent = (typeof AUDIT_EVENTS)[number];

/** One line of the audit log. */
export interface AuditEntry {
  time: string;
  user: string | null;
  event: AuditEvent;
  module?: string;
  path?: string;
  access?: string;
  required?: string;
  detail?: string;
  count?: number;
}

/** How long repeated denials of the same user and path are collapsed (ms). */
export const DENIAL_WINDOW_MS = 60_000;

/** Appends to one state folder's `audit.jsonl`. */
export class AuditLog {
  readonly file: string;
  private readonly denials = new Map<string, { first: AuditEntry; count: number; timer: NodeJS.Timeout }>();

  constructor(stateDir: string) {
    this.file = path.join(stateDir, AUDIT_FILE);
  }

  /** Appends one entry (the time is filled in when absent). Never throws. */
  write(entry: Omit<AuditEntry, 'time'> & { time?: string }): void {
    const line: AuditEntry = { time: entry.time ?? new Date().toISOString(), ...entry } as AuditEntry;
    try {
      fs.appendFileSync(this.file, JSON.stringify(line) + '\n', { mode: 0o600 });
    } catch {
      /* an unwritable log must not stop the host; the owner sees the file missing */
    }
  }

  /** Records a denial, collapsing repeats of the same user and path within a minute. */
  denied(entry: Omit<AuditEntry, 'time' | 'event'>): void {
    const key = `${entry.user}\u0000${entry.path ?? ''}\u0000${entry.module ?? ''}`;
    const open = this.denials.get(key);
    if (open) {
      open.count++;
      return;
    }
    const first: AuditEntry = { time: new Date().toISOString(), event: 'denied', ...entry };
    this.write(first);
    const timer = setTimeout(() => this.closeDenial(key), DENIAL_WINDOW_MS);
    timer.unref();
    this.denials.set(key, { first, count: 0, timer });
  }

  private closeDenial(key: string): void {
    const open = this.denials.get(key);
    if (!open) return;
    clearTimeout(open.timer);
    this.denials.delete(key);
    if (open.count > 0) {
      const { time: _t, ...rest } = open.first;
      this.write({ ...rest, count: open.count });
    }
  }

  /** Writes the pending collapsed denials (on shutdown). */
  flush(): void {
    for (const key of [...this.denials.keys()]) this.closeDenial(key);
  }
}

/** Filters of `protected-modules audit`. */
export interface AuditFilter {
  /** Entries at or after this time (ms since the epoch). */
  since?: number;
  user?: string;
  event?: string;
}

/**
 * Reads and filters an audit log; lines that are not JSON objects are skipped.
 * @returns the matching entries, oldest first
 */
export function readAudit(file: string, filter: AuditFilter = {}): AuditEntry[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: AuditEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let e: AuditEntry;
    try {
      e = JSON.parse(line);
    } catch {
      continue;
    }
    if (!e || typeof e !== 'object') continue;
    if (filter.since !== undefined && !(Date.parse(e.time) >= filter.since)) continue;
    if (filter.user !== undefined && e.user !== filter.user) continue;
    if (filter.event !== undefined && e.event !== filter.event) continue;
    out.push(e);
  }
  return out;
}

/** One entry as a line of text: `time  user  event  key=value …`. */
export function formatAuditEntry(e: AuditEntry): string {
  const parts = [safeText(e.time), safeText(e.user ?? '-'), safeText(e.event)];
  for (const k of ['module', 'path', 'access', 'required', 'detail', 'count'] as const) {
    const v = e[k];
    if (v === undefined) continue;
    // Quoted when it holds white space; control, bidirectional and other invisible characters
    // (chosen by whoever named the path) never reach the owner's terminal as they are.
    parts.push(`${k}=${typeof v === 'string' ? (/\s/.test(v) ? JSON.stringify(safeText(v)) : safeText(v)) : v}`);
  }
  return parts.join('  ');
}

/**
 * `JSON.stringify(value, null, indent)` with every character {@link safeText} escapes written as a
 * JSON `\uXXXX` escape: the same JSON value, but a reason or note cannot reorder or hide what a
 * terminal shows (bidirectional overrides, line separators, C1 controls). For `--format json`.
 */
export function terminalJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(
    /[\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** `text` with C0/C1 controls, DEL and Unicode format characters (bidi overrides, zero-widths) as `\u{…}` escapes. */
export function safeText(text: string): string {
  return text.replace(
    /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g,
    (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`,
  );
}
