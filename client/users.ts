/**
 * The users of an environment as **Preview as User…** and **Manage Access…** offer them (from the
 * server's `protectedModules/environmentUsers`: the client never reads `environment.json`, SPEC
 * 4.1), and the user-id rule of SPEC 2.1. Pure: no `vscode` import.
 */

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

/** The user-id rule of SPEC 2.1. */
export const USER_ID_PATTERN = /^[a-z][a-z0-9._-]{0,63}$/;

/** `undefined` when `id` is a valid user id, else a message saying why not (for an input box). */
export function validateUserId(id: string): string | undefined {
  return USER_ID_PATTERN.test(id.trim()) ? undefined : 'A user id starts with a lowercase letter, then up to 63 of a-z 0-9 . _ -';
}
