/**
 * Access tokens of the environment host (SPEC 7).
 *
 * A token is `pmt_<8 hex id>_<43 base64url characters>` (the secret: 256 random bits). Only a
 * scrypt hash of the secret (node:crypto, a random 16-byte salt per token) is stored, in
 * `tokens.json` in the state folder (mode 0600, written atomically):
 *
 * ```json
 * { "version": 1, "tokens": [ { "id": "1a2b3c4d", "user": "bob", "created": "…", "expires": "…" | null,
 *   "lastUsed": "…" | null, "revoked": "…" | null, "salt": "<base64>", "hash": "<base64>" } ] }
 * ```
 *
 * Verification compares hashes with `timingSafeEqual`; an unknown id still costs one scrypt, so
 * unknown and wrong tokens take the same time.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import { writeStateFile, HostUsageError } from './state';

/** The file of the tokens in the state folder. */
export const TOKENS_FILE = 'tokens.json';
/** A token's shape (SPEC 7). */
export const TOKEN_PATTERN = /^pmt_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$/;

const SCRYPT = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const KEY_LENGTH = 32;

/** One stored token (never the secret). */
export interface TokenRecord {
  id: string;
  user: string;
  /** ISO times. */
  created: string;
  expires: string | null;
  lastUsed: string | null;
  revoked: string | null;
  salt: string;
  hash: string;
}

interface TokensFile {
  version: 1;
  tokens: TokenRecord[];
}

/** Why a token was refused (for the audit log only; every case answers the same 401). */
export type TokenFailure = 'missing' | 'malformed' | 'unknown' | 'revoked' | 'expired' | 'user-removed';

/**
 * Parses `--expires`: `<n>d`, `<n>h`, `<n>m` (days, hours, minutes) or an ISO date.
 * @returns the expiry time in ms since the epoch
 * @throws HostUsageError for anything else or a time in the past
 */
export function parseExpires(value: string, now = Date.now()): number {
  const m = /^(\d+)([dhm])$/.exec(value.trim());
  let t: number;
  if (m) t = now + Number(m[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as 'd' | 'h' | 'm'];
  else t = Date.parse(value);
  if (!Number.isFinite(t) || t <= now) throw new HostUsageError(`invalid --expires '${value}' (use e.g. 30d, 12h, 90m or a future ISO date)`);
  return t;
}

/** The tokens of one state folder. */
export class TokenStore {
  readonly file: string;
  private data: TokensFile = { version: 1, tokens: [] };
  private stamp = '';

  constructor(stateDir: string) {
    this.file = path.join(stateDir, TOKENS_FILE);
    this.reload();
  }

  /**
   * Re-reads `tokens.json` when it changed on disk (size, mtime or inode).
   * @returns true when it was re-read
   * @throws HostUsageError when the file is not a valid token file
   */
  reload(): boolean {
    let st: fs.Stats;
    try {
      st = fs.statSync(this.file);
    } catch {
      const changed = this.stamp !== 'missing';
      this.stamp = 'missing';
      this.data = { version: 1, tokens: [] };
      return changed;
    }
    const stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
    if (stamp === this.stamp) return false;
    let parsed: unknown;
    try {
      parsed = JSON.parse(fs.readFileSync(this.file, 'utf8'));
    } catch {
      throw new HostUsageError(`${this.file} is not valid JSON`);
    }
    const tokens = (parsed as TokensFile)?.tokens;
    if (!Array.isArray(tokens)) throw new HostUsageError(`${this.file} is not a token file`);
    this.data = { version: 1, tokens: tokens.filter((t) => t && typeof t.id === 'string' && typeof t.hash === 'string') };
    this.stamp = stamp;
    return true;
  }

  private save(): void {
    writeStateFile(this.file, JSON.stringify(this.data, null, 2) + '\n');
    try {
      const st = fs.statSync(this.file);
      this.stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch {
      /* re-read next time */
    }
  }

  /** Every token (newest last). */
  list(): readonly TokenRecord[] {
    return this.data.tokens;
  }

  /** The token with id `id`. */
  get(id: string): TokenRecord | undefined {
    return this.data.tokens.find((t) => t.id === id);
  }

  /**
   * Issues a token for `user`.
   * @param expires expiry in ms since the epoch, or `null` for none
   * @returns the token (shown once) and its record
   */
  issue(user: string, expires: number | null, now = Date.now()): { token: string; record: TokenRecord } {
    let id: string;
    do id = randomBytes(4).toString('hex');
    while (this.get(id));
    const secret = randomBytes(32).toString('base64url');
    const salt = randomBytes(16);
    const hash = scryptSync(secret, salt, KEY_LENGTH, SCRYPT);
    const record: TokenRecord = {
      id,
      user,
      created: new Date(now).toISOString(),
      expires: expires === null ? null : new Date(expires).toISOString(),
      lastUsed: null,
      revoked: null,
      salt: salt.toString('base64'),
      hash: hash.toString('base64'),
    };
    this.data.tokens.push(record);
    this.save();
    return { token: `pmt_${id}_${secret}`, record };
  }

  /**
   * Revokes a token (kept in the file, marked revoked).
   * @returns the record, or `undefined` when no token has that id
   */
  revoke(id: string, now = Date.now()): TokenRecord | undefined {
    this.reload();
    const t = this.get(id);
    if (!t) return undefined;
    if (!t.revoked) {
      t.revoked = new Date(now).toISOString();
      this.save();
    }
    return t;
  }

  /** Records a successful use (best effort). */
  touch(id: string, now = Date.now()): void {
    const t = this.get(id);
    if (!t) return;
    t.lastUsed = new Date(now).toISOString();
    try {
      this.save();
    } catch {
      /* the use is still allowed; only the "last used" time is not kept */
    }
  }

  /**
   * Whether a stored token is still usable at `now` (not revoked, not expired).
   * @returns `undefined` when usable, else why not
   */
  static unusable(t: TokenRecord, now = Date.now()): TokenFailure | undefined {
    if (t.revoked) return 'revoked';
    if (t.expires && Date.parse(t.expires) <= now) return 'expired';
    return undefined;
  }

  /**
   * Verifies a bearer token (asynchronous scrypt: other sessions go on meanwhile).
   * @returns the record, or the failure and, when the token is well-formed, its id
   */
  async verify(token: string | undefined, now = Date.now()): Promise<{ ok: true; record: TokenRecord } | { ok: false; failure: TokenFailure; id?: string }> {
    if (token === undefined || token === '') return { ok: false, failure: 'missing' };
    const m = TOKEN_PATTERN.exec(token);
    if (!m) return { ok: false, failure: 'malformed' };
    const [, id, secret] = m;
    try {
      this.reload();
    } catch {
      /* keep the last good copy */
    }
    const record = this.get(id);
    const salt = record ? Buffer.from(record.salt, 'base64') : randomBytes(16);
    const hash = await new Promise<Buffer>((resolve, reject) => scrypt(secret, salt, KEY_LENGTH, SCRYPT, (e, key) => (e ? reject(e) : resolve(key))));
    const expected = record ? Buffer.from(record.hash, 'base64') : Buffer.alloc(KEY_LENGTH);
    const equal = expected.length === hash.length && timingSafeEqual(expected, hash);
    if (!record || !equal) return { ok: false, failure: 'unknown', id };
    const why = TokenStore.unusable(record, now);
    if (why) return { ok: false, failure: why, id };
    return { ok: true, record };
  }
}
