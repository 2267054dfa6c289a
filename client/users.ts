/**
 * The users of an environment as **Switch User…** and **Manage Access…** offer them: read from
 * the `users` and `groups` of `environment.json` (SPEC 2.1) with jsonc-parser, tolerant of an
 * invalid policy (whatever can be read is offered). Pure: no `vscode` import; unit-tested in
 * `test/client/users.test.ts`.
 */
import { parse, type ParseError } from 'jsonc-parser';

export interface EnvironmentUser {
  id: string;
  displayName?: string;
  groups: string[];
  admin: boolean;
}

export interface EnvironmentDirectory {
  name?: string;
  users: EnvironmentUser[];
  /** Every group named by a user, sorted. */
  groups: string[];
}

/**
 * Reads the user directory out of the text of an `environment.json`.
 * @returns users in file order; `undefined` when the text is not a JSON object at all.
 */
export function parseEnvironmentUsers(text: string): EnvironmentDirectory | undefined {
  const errors: ParseError[] = [];
  const json: unknown = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const obj = json as Record<string, unknown>;
  const admins = Array.isArray(obj.admins) ? obj.admins.filter((a): a is string => typeof a === 'string') : [];
  const users: EnvironmentUser[] = [];
  const groups = new Set<string>();
  if (typeof obj.users === 'object' && obj.users !== null && !Array.isArray(obj.users)) {
    for (const [id, raw] of Object.entries(obj.users as Record<string, unknown>)) {
      const info = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
      const userGroups = Array.isArray(info.groups)
        ? info.groups.filter((g): g is string => typeof g === 'string')
        : [];
      userGroups.forEach((g) => groups.add(g));
      users.push({
        id,
        displayName: typeof info.displayName === 'string' ? info.displayName : undefined,
        groups: userGroups,
        admin: admins.includes(id),
      });
    }
  }
  return {
    name: typeof obj.name === 'string' ? obj.name : undefined,
    users,
    groups: [...groups].sort(),
  };
}

/** The user-id rule of SPEC 2.1. */
export const USER_ID_PATTERN = /^[a-z][a-z0-9._-]{0,63}$/;

/** `undefined` when `id` is a valid user id, else a message saying why not (for an input box). */
export function validateUserId(id: string): string | undefined {
  return USER_ID_PATTERN.test(id.trim())
    ? undefined
    : 'A user id starts with a lowercase letter, then up to 63 of a-z 0-9 . _ -';
}
