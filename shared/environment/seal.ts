/**
 * Sealed modules (SPEC 9): the `SEAL.json` format, its canonical signed bytes, and the one
 * verification used both by the loader (every load of an environment) and by `install` (before
 * anything is written).
 *
 * A sealed module's folder holds exactly four regular files: `module.json`, `INTERFACE.logic`
 * (the signed interface document, SPEC 3.5), `sources.age` (the module's sources, a tar encrypted
 * with age to the publisher) and `SEAL.json`:
 * `{ publisher, module, version, environment?, created, sha256: { file: hex }, signature }`.
 * The signature is ed25519 (node:crypto) over the UTF-8 of SEAL.json without `signature`, keys
 * sorted at every depth, no spaces ({@link canonicalJson}); it is standard base64 of 64 bytes.
 *
 * Pure apart from node:crypto and node:fs (reading a sealed folder); never decrypts anything.
 */
import { createHash, createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as semver from 'semver';
import * as z from 'zod';
import type { Policy } from './model';
import { parseModuleManifest } from './manifest';
import { ENVIRONMENT_ID_PATTERN, MODULE_NAME_PATTERN, PUBLISHER_KEY_PATTERN, PUBLISHER_NAME_PATTERN } from './schemas';

/** The file that makes a folder a sealed module (SPEC 9). */
export const SEAL_FILE = 'SEAL.json';
/** The encrypted sources of a sealed module (SPEC 9). */
export const SOURCES_FILE = 'sources.age';
/** The signed interface document of a sealed module (SPEC 9, 3.5). */
export const SEALED_INTERFACE_FILE = 'INTERFACE.logic';
/** A module's manifest (SPEC 2.2). */
export const SEALED_MANIFEST_FILE = 'module.json';

/** The files whose sha256 `SEAL.json` lists, in this order. */
export const HASHED_FILES = [SEALED_MANIFEST_FILE, SEALED_INTERFACE_FILE, SOURCES_FILE] as const;
/** Every file of a sealed module (and of a `.pmod` archive), nothing else allowed. */
export const SEALED_FILES = [...HASHED_FILES, SEAL_FILE] as const;
export type SealedFileName = (typeof SEALED_FILES)[number];

/**
 * Size limits in bytes of each file of a sealed module, checked before a file is read (loader) or
 * its body is taken from an archive (`install`): a folder or archive claiming more is refused.
 * A decision (docs/DECISIONS.md, SPEC 9 is silent).
 */
export const SEALED_FILE_LIMITS: Record<SealedFileName, number> = {
  'module.json': 256 * 1024,
  'SEAL.json': 64 * 1024,
  'INTERFACE.logic': 4 * 1024 * 1024,
  'sources.age': 64 * 1024 * 1024,
};

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a lowercase hex sha256');

/** The zod schema of `SEAL.json` (SPEC 9). Strict: unknown keys are errors. */
export const sealSchema = z.strictObject({
  publisher: z.string().regex(PUBLISHER_NAME_PATTERN, 'invalid publisher name'),
  module: z.string().regex(MODULE_NAME_PATTERN, 'invalid module name'),
  version: z.string().refine((v) => semver.valid(v) === v, 'invalid version'),
  environment: z.string().regex(ENVIRONMENT_ID_PATTERN, 'invalid environment id').optional(),
  created: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'invalid date'),
  sha256: z.strictObject({ 'module.json': hex64, 'INTERFACE.logic': hex64, 'sources.age': hex64 }),
  signature: z.string().regex(/^[A-Za-z0-9+/]{86}==$/, 'expected the base64 of a 64-byte ed25519 signature'),
});

/** A parsed `SEAL.json`. */
export type SealFile = z.output<typeof sealSchema>;

/**
 * JSON with the keys of every object sorted (by UTF-16 code units, as `Array.prototype.sort`) at
 * every depth and no whitespace: the canonical form that is signed (SPEC 9).
 * @param value a JSON value (objects, arrays, strings, finite numbers, booleans, null)
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value as object).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The bytes the signature covers: the UTF-8 of {@link canonicalJson} of `seal` without `signature`. */
export function signedBytes(seal: Omit<SealFile, 'signature'> | SealFile): Buffer {
  const { signature: _ignored, ...rest } = seal as SealFile;
  return Buffer.from(canonicalJson(rest), 'utf8');
}

/** Lowercase hex sha256 of `bytes`. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The public key of `ed25519:<base64 of 32 raw bytes>` (SPEC 9 `trustedPublishers`, `K.pub`).
 * @throws Error when the text is not such a key
 */
export function publisherPublicKey(text: string): KeyObject {
  if (!PUBLISHER_KEY_PATTERN.test(text)) throw new Error('not an ed25519:<base64> key');
  const raw = Buffer.from(text.slice('ed25519:'.length), 'base64');
  if (raw.length !== 32) throw new Error('not an ed25519:<base64> key');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
}

/** The outcome of {@link verifySealed}. */
export type SealVerdict = { ok: true; seal: SealFile; interfaceText: string } | { ok: false; reason: string; publisher?: string };

/**
 * Verifies the four files of a sealed module against an environment's policy (SPEC 9), in this
 * order: `SEAL.json` is valid → its publisher is in `trustedPublishers` → the signature verifies
 * with that key → every file's sha256 matches → `module.json` is valid and names the sealed module
 * and version → the environment binding (a bound seal needs an environment `id`, and the same).
 *
 * @param files the bytes of each file (missing files are reported)
 * @param policy the receiving environment's valid policy, or `undefined` when it is invalid
 * @returns `{ ok, seal, interfaceText }` or `{ ok: false, reason, publisher? }` — `reason` is one
 *   sentence that starts with the kind of failure (untrusted publisher, tampered file, bound to
 *   another environment, …). Never throws.
 */
export function verifySealed(files: Partial<Record<SealedFileName, Uint8Array>>, policy: Policy | undefined): SealVerdict {
  const sealBytes = files[SEAL_FILE];
  if (!sealBytes) return { ok: false, reason: `missing file: there is no ${SEAL_FILE}` };
  let seal: SealFile;
  try {
    const parsed = sealSchema.safeParse(JSON.parse(Buffer.from(sealBytes).toString('utf8')));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return {
        ok: false,
        reason: `tampered file: ${SEAL_FILE} is not a valid seal (${issue.path.join('.') || 'top level'}: ${issue.message})`,
        publisher: publisherOf(sealBytes),
      };
    }
    seal = parsed.data;
  } catch {
    return { ok: false, reason: `tampered file: ${SEAL_FILE} is not valid JSON` };
  }
  const publisher = seal.publisher;
  if (!policy) return { ok: false, reason: 'the environment policy (environment.json) is invalid, so no seal can be trusted', publisher };
  const trusted = policy.trustedPublishers ?? {};
  if (!Object.prototype.hasOwnProperty.call(trusted, publisher)) {
    return { ok: false, reason: `untrusted publisher: '${publisher}' is not in trustedPublishers of environment.json`, publisher };
  }
  let key: KeyObject;
  try {
    key = publisherPublicKey(trusted[publisher]);
  } catch {
    return { ok: false, reason: `untrusted publisher: the key of '${publisher}' in trustedPublishers is not a valid ed25519 key`, publisher };
  }
  let good = false;
  try {
    good = verifySignature(null, signedBytes(seal), key, Buffer.from(seal.signature, 'base64'));
  } catch {
    good = false;
  }
  if (!good) {
    return { ok: false, reason: `tampered file: the signature in ${SEAL_FILE} does not verify with the key of trusted publisher '${publisher}'`, publisher };
  }
  for (const name of HASHED_FILES) {
    const bytes = files[name];
    if (!bytes) return { ok: false, reason: `missing file: ${name} is not there`, publisher };
    if (sha256Hex(bytes) !== seal.sha256[name]) {
      return { ok: false, reason: `tampered file: ${name} does not match the sha256 signed in ${SEAL_FILE}`, publisher };
    }
  }
  const manifest = parseModuleManifest(Buffer.from(files[SEALED_MANIFEST_FILE]!).toString('utf8'), SEALED_MANIFEST_FILE).manifest;
  if (!manifest || manifest.name !== seal.module || manifest.version !== seal.version) {
    return { ok: false, reason: `tampered file: ${SEALED_MANIFEST_FILE} does not describe ${seal.module} ${seal.version}`, publisher };
  }
  if (seal.environment !== undefined) {
    if (policy.id === undefined) {
      return { ok: false, reason: `bound to another environment: sealed for environment '${seal.environment}', and this environment has no id`, publisher };
    }
    if (policy.id !== seal.environment) {
      return { ok: false, reason: `bound to another environment: sealed for environment '${seal.environment}', this one is '${policy.id}'`, publisher };
    }
  }
  const text = Buffer.from(files[SEALED_INTERFACE_FILE]!).toString('utf8');
  return { ok: true, seal, interfaceText: text };
}

/** The `publisher` string of a SEAL.json that fails the schema, if it has one (for messages). */
function publisherOf(bytes: Uint8Array): string | undefined {
  try {
    const p = JSON.parse(Buffer.from(bytes).toString('utf8'))?.publisher;
    return typeof p === 'string' && PUBLISHER_NAME_PATTERN.test(p) ? p : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads the files of a sealed module's folder for {@link verifySealed}: the folder must hold
 * exactly the four files of {@link SEALED_FILES}, each a regular file (not a link) within
 * {@link SEALED_FILE_LIMITS}. Sizes are checked before reading.
 *
 * @param dir absolute path of the folder
 * @returns the files, or `{ error }` with one sentence (`unexpected entry …`, `missing file …`, …)
 */
export function readSealedFolder(dir: string): { files: Record<SealedFileName, Buffer> } | { error: string } {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return { error: 'the sealed folder cannot be read' };
  }
  for (const n of names) {
    if (!(SEALED_FILES as readonly string[]).includes(n)) {
      return { error: `tampered folder: '${n}' is not part of the seal (a sealed folder holds only ${SEALED_FILES.join(', ')})` };
    }
  }
  const files = {} as Record<SealedFileName, Buffer>;
  for (const n of SEALED_FILES) {
    const p = join(dir, n);
    try {
      const st = lstatSync(p);
      if (!st.isFile()) return { error: `tampered folder: ${n} is not a regular file` };
      if (st.size > SEALED_FILE_LIMITS[n]) return { error: `${n} is larger than the ${SEALED_FILE_LIMITS[n]} bytes a sealed module allows` };
      files[n] = readFileSync(p);
    } catch {
      return { error: `missing file: ${n} is not there${n === SEAL_FILE ? ' (a folder holding sources.age is a sealed module)' : ''}` };
    }
  }
  return { files };
}
