/**
 * Publisher keys (SPEC 9 `keygen`): one identity file that the `age` command accepts
 * (`age -d -i FILE`) and that also holds the publisher's ed25519 signing key, and its `FILE.pub`.
 *
 * The identity file (mode 0600) — `age` ignores the lines that start with `#`:
 * ```
 * # Protected Modules publisher key (SPEC 9). Keep it secret: …
 * # created: 2026-12-03T18:00:00.000Z
 * # public key: age1…
 * # ed25519-public-key: ed25519:<base64 of 32 raw bytes>
 * # ed25519-secret-key: <base64 of the 32-byte ed25519 seed>
 * AGE-SECRET-KEY-1…
 * ```
 * `FILE.pub` holds two lines: the age recipient (`age1…`) and `ed25519:<base64 of 32 raw bytes>`.
 *
 * age through `age-encryption` (X25519 identities, which every `age` release reads), ed25519
 * through node:crypto. Nothing home-made: the only encoding done here is the fixed PKCS#8 prefix
 * that wraps a raw ed25519 seed for node:crypto (RFC 8410).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { PUBLISHER_KEY_PATTERN } from '../../shared/environment/schemas';

/** The comment line that carries the ed25519 seed. */
const SECRET_PREFIX = '# ed25519-secret-key: ';
const PUBLIC_PREFIX = '# ed25519-public-key: ';
/** RFC 8410 PKCS#8 header of an Ed25519 private key, followed by the 32-byte seed. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** A publisher key read from an identity file. */
export interface PublisherKey {
  /** The age identity (`AGE-SECRET-KEY-1…`). */
  ageIdentity: string;
  /** Its recipient (`age1…`). */
  ageRecipient: string;
  /** The ed25519 private key (node:crypto). */
  signingKey: KeyObject;
  /** `ed25519:<base64 of the 32 raw public-key bytes>` (as in `trustedPublishers`). */
  publicKey: string;
}

/** The texts of a new key pair (see {@link generatePublisherKey}). */
export interface GeneratedKey {
  /** The identity file's content (secret). */
  identityFile: string;
  /** The `.pub` file's content. */
  pubFile: string;
  /** The age recipient. */
  recipient: string;
  /** `ed25519:<base64>`. */
  publicKey: string;
}

/** `ed25519:<base64 of the raw 32 bytes>` of an ed25519 public (or private) key. */
export function publicKeyText(key: KeyObject): string {
  const jwk = createPublicKey(key).export({ format: 'jwk' }) as { x?: string };
  return `ed25519:${Buffer.from(jwk.x ?? '', 'base64url').toString('base64')}`;
}

/**
 * Generates a new publisher key (SPEC 9 `keygen`): an age X25519 identity and an ed25519 key pair.
 * @param now the creation time written in a comment
 * @returns the two files' texts (the caller writes them). Throws only if the platform's crypto does.
 */
export async function generatePublisherKey(now: Date = new Date()): Promise<GeneratedKey> {
  const identity = await generateX25519Identity();
  const recipient = await identityToRecipient(identity);
  const { privateKey } = generateKeyPairSync('ed25519');
  const seed = Buffer.from((privateKey.export({ format: 'jwk' }) as { d: string }).d, 'base64url');
  const publicKey = publicKeyText(privateKey);
  const identityFile =
    [
      '# Protected Modules publisher key (SPEC 9). Keep it secret: it decrypts the sources you seal',
      "# and signs your seals. `age -d -i THIS_FILE` decrypts a sealed module's sources.age.",
      `# created: ${now.toISOString()}`,
      `# public key: ${recipient}`,
      `${PUBLIC_PREFIX}${publicKey}`,
      `${SECRET_PREFIX}${seed.toString('base64')}`,
      identity,
    ].join('\n') + '\n';
  return { identityFile, pubFile: `${recipient}\n${publicKey}\n`, recipient, publicKey };
}

/**
 * Reads a publisher key file written by `keygen`.
 * @param path the identity file
 * @throws Error with one sentence naming the file when it cannot be read or is not such a file
 */
export async function readPublisherKey(path: string): Promise<PublisherKey> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new Error(`cannot read the key file ${path}`);
  }
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const identities = lines.filter((l) => l.startsWith('AGE-SECRET-KEY-1'));
  const secret = lines.find((l) => l.startsWith(SECRET_PREFIX.trim() + ' '));
  if (identities.length !== 1 || !secret) {
    throw new Error(`${path} is not a publisher key made by 'protected-modules keygen' (it needs one AGE-SECRET-KEY-1 line and an ed25519-secret-key comment)`);
  }
  const seed = Buffer.from(secret.slice(SECRET_PREFIX.trim().length + 1), 'base64');
  if (seed.length !== 32) throw new Error(`${path}: the ed25519-secret-key line does not hold 32 bytes`);
  let signingKey: KeyObject;
  let ageRecipient: string;
  try {
    signingKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
    ageRecipient = await identityToRecipient(identities[0]);
  } catch {
    throw new Error(`${path}: the key in it is damaged`);
  }
  const publicKey = publicKeyText(signingKey);
  if (!PUBLISHER_KEY_PATTERN.test(publicKey)) throw new Error(`${path}: the key in it is damaged`);
  return { ageIdentity: identities[0], ageRecipient, signingKey, publicKey };
}
