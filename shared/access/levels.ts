/**
 * Access levels, ordered (SPEC 2.3): `none` < `list` < `reference` < `open` < `change` < `full`.
 */
export const ACCESS_LEVELS = ['none', 'list', 'reference', 'open', 'change', 'full'] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];

/** The rank of a level in the order of SPEC 2.3 (0 for `none` … 5 for `full`). */
export function accessRank(level: AccessLevel): number {
  return ACCESS_LEVELS.indexOf(level);
}

/** True when `level` is at least `required`. */
export function atLeast(level: AccessLevel, required: AccessLevel): boolean {
  return accessRank(level) >= accessRank(required);
}

/** The higher of two levels. */
export function maxAccess(a: AccessLevel, b: AccessLevel): AccessLevel {
  return accessRank(a) >= accessRank(b) ? a : b;
}

/** True when `value` is one of the access level names. */
export function isAccessLevel(value: unknown): value is AccessLevel {
  return typeof value === 'string' && (ACCESS_LEVELS as readonly string[]).includes(value);
}

/** What each level allows (the columns of the table in SPEC 2.3). */
export const can = {
  /** The module is listed: name, version, owner, description. */
  list: (l: AccessLevel) => atLeast(l, 'list'),
  /** Public elements' signatures and doc comments. */
  reference: (l: AccessLevel) => atLeast(l, 'reference'),
  /** Private element names, file names and sources (read-only). */
  read: (l: AccessLevel) => atLeast(l, 'open'),
  /** Edit sources and the manifest's ordinary fields. */
  write: (l: AccessLevel) => atLeast(l, 'change'),
  /** Change protection, owner and grants. */
  administer: (l: AccessLevel) => atLeast(l, 'full'),
};
