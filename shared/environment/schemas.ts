/**
 * zod (v4) schemas of the two metadata files of an environment (SPEC 2.1, 2.2).
 *
 * Every object is strict: an unknown key is a validation error. Defaults are applied by the
 * schemas themselves, so a successful parse yields exactly the `Policy` / `ModuleManifest` shapes
 * of `model.ts`. Messages are written for people (they end up in diagnostics, after the JSON path
 * that `manifest.ts` puts in front of them).
 */
import * as z from 'zod';
import * as semver from 'semver';
import { ACCESS_LEVELS } from '../access/levels';
import type { ModuleManifest, Policy } from './model';

/** A user id (SPEC 2.1): a lowercase letter, then up to 63 of `a-z 0-9 . _ -`. */
export const USER_ID_PATTERN = /^[a-z][a-z0-9._-]{0,63}$/;

/** A module name (SPEC 2.2): an uppercase letter, then up to 63 of `A-Z a-z 0-9 _`. */
export const MODULE_NAME_PATTERN = /^[A-Z][A-Za-z0-9_]{0,63}$/;

/**
 * A group name. SPEC 2.1 does not constrain it; we accept a letter or digit followed by up to 63
 * of `A-Z a-z 0-9 . _ -` (so that `group:<name>` stays unambiguous and printable).
 */
export const GROUP_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** An environment id (SPEC 9): a lowercase letter or digit, then 2 to 63 of `a-z 0-9 -`. */
export const ENVIRONMENT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{2,63}$/;

/**
 * A publisher name (SPEC 9 is silent; a decision): a letter or digit, then up to 63 of
 * `A-Z a-z 0-9 . _ -` — printable in messages and a plain JSON key.
 */
export const PUBLISHER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** A publisher's signing key as written in `trustedPublishers` and `K.pub` (SPEC 9):
 *  `ed25519:` and the standard base64 of the 32 raw public-key bytes (44 characters). */
export const PUBLISHER_KEY_PATTERN = /^ed25519:[A-Za-z0-9+/]{43}=$/;

/** The module kinds of SPEC 2.2. */
export const MODULE_KINDS = ['service', 'ui', 'library'] as const;

/** True when `value` is a valid user id (SPEC 2.1). */
export function isUserId(value: unknown): value is string {
  return typeof value === 'string' && USER_ID_PATTERN.test(value);
}

/** True when `value` is a valid module name (SPEC 2.2). */
export function isModuleName(value: unknown): value is string {
  return typeof value === 'string' && MODULE_NAME_PATTERN.test(value);
}

/**
 * True when `to` is a valid grant target (SPEC 2.1): `user:<id>`, `group:<name>` or `*`.
 */
export function isGrantTarget(to: unknown): to is string {
  if (typeof to !== 'string') return false;
  if (to === '*') return true;
  if (to.startsWith('user:')) return USER_ID_PATTERN.test(to.slice(5));
  if (to.startsWith('group:')) return GROUP_NAME_PATTERN.test(to.slice(6));
  return false;
}

const userId = z.string().regex(USER_ID_PATTERN, 'invalid user id: use a lowercase letter followed by up to 63 of a-z, 0-9, ".", "_", "-"');

const moduleName = z.string().regex(MODULE_NAME_PATTERN, 'invalid module name: use an uppercase letter followed by up to 63 of A-Z, a-z, 0-9, "_"');

const groupName = z.string().regex(GROUP_NAME_PATTERN, 'invalid group name: use a letter or digit followed by up to 63 of A-Z, a-z, 0-9, ".", "_", "-"');

const accessLevel = z.enum(ACCESS_LEVELS);

/** Exactly a semantic version: `semver.valid` must accept it *unchanged* (no `v` prefix, no spaces). */
const version = z.string().refine((v) => semver.valid(v) === v, 'invalid version: expected a semantic version such as "1.4.0"');

/** A non-empty semver range (`^1.0.0`, `>=1.2 <2`, `1.x`, …) that `semver.validRange` accepts. */
const range = z.string().refine((r) => r.trim() !== '' && semver.validRange(r) !== null, 'invalid version range: expected a semver range such as "^1.0.0"');

/** One entry of `users` (SPEC 2.1). */
export const userInfoSchema = z.strictObject({
  displayName: z.string().optional(),
  groups: z.array(groupName).default([]),
});

/** One entry of `grants` (SPEC 2.1). */
export const grantSchema = z.strictObject({
  module: z.string().refine((m) => m === '*' || MODULE_NAME_PATTERN.test(m), 'invalid module: expected a module name or "*"'),
  to: z.string().refine(isGrantTarget, 'invalid grantee: expected "user:<id>", "group:<name>" or "*"'),
  access: accessLevel,
});

/**
 * `environment.json` (SPEC 2.1). `name` is optional here: `parsePolicy` defaults it to the
 * environment folder's name (a decision; SPEC 2.1 shows it but does not require it).
 * `grants` defaults to `[]` (likewise).
 */
export const environmentSchema = z.strictObject({
  name: z.string().min(1).optional(),
  admins: z.array(userId).default([]),
  users: z.record(userId, userInfoSchema),
  defaultAccess: accessLevel.default('change'),
  grants: z.array(grantSchema).default([]),
  // SPEC 9 (sealed modules): the id a sealed module can be bound to, and whose seals are trusted.
  id: z.string().regex(ENVIRONMENT_ID_PATTERN, 'invalid environment id: use a lowercase letter or digit followed by 2 to 63 of a-z, 0-9, "-"').optional(),
  trustedPublishers: z
    .record(
      z.string().regex(PUBLISHER_NAME_PATTERN, 'invalid publisher name: use a letter or digit followed by up to 63 of A-Z, a-z, 0-9, ".", "_", "-"'),
      z
        .string()
        .regex(
          PUBLISHER_KEY_PATTERN,
          'invalid publisher key: expected "ed25519:" followed by the base64 of 32 bytes (the second line of the publisher\'s K.pub)',
        ),
    )
    .optional(),
});

/** `module.json` (SPEC 2.2). */
export const moduleManifestSchema = z.strictObject({
  name: moduleName,
  version,
  kind: z.enum(MODULE_KINDS),
  owner: userId,
  description: z.string().optional(),
  protected: z.boolean().default(false),
  dependencies: z.record(moduleName, range).default({}),
});

/** The parsed (defaults applied) output of `environmentSchema`. */
export type EnvironmentFile = z.output<typeof environmentSchema>;

// Compile-time checks that the schemas produce the contract types of model.ts (a mismatch is a
// type error here). Exported only so that noUnusedLocals counts them as used.
type Assert<T extends true> = T;
export type _PolicyMatches = Assert<Omit<EnvironmentFile, 'name'> & { name: string } extends Policy ? true : false>;
export type _ManifestMatches = Assert<z.output<typeof moduleManifestSchema> extends ModuleManifest ? true : false>;

/**
 * The keys an object at `path` may have under `schema` (used to say which keys are allowed when
 * an unknown one is found). Record keys and array indices in `path` descend into the record's
 * values / the array's elements. Returns `undefined` when `path` does not lead to a strict object.
 */
export function allowedKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] | undefined {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- walks zod's internal `def` tree, which zod does not type
  let s: any = schema;
  const unwrap = () => {
    for (;;) {
      const t = s?.def?.type;
      if (t === 'default' || t === 'optional' || t === 'nullable' || t === 'prefault') s = s.def.innerType;
      else if (t === 'pipe') s = s.def.in;
      else return;
    }
  };
  unwrap();
  for (const key of path) {
    const t = s?.def?.type;
    if (t === 'object') s = s.def.shape[key as string];
    else if (t === 'record') s = s.def.valueType;
    else if (t === 'array') s = s.def.element;
    else return undefined;
    unwrap();
  }
  return s?.def?.type === 'object' ? Object.keys(s.def.shape) : undefined;
}
