/**
 * The current user of the language server (SPEC 4).
 *
 * The user is, in order: `initializationOptions.user`, the `protectedModules.user` setting (pulled
 * with `workspace/configuration`, re-read on `workspace/didChangeConfiguration`), the
 * `PROTECTED_MODULES_USER` environment variable.
 *
 * Switching: the setting wins over `initializationOptions.user` as soon as it *changes* after
 * start-up (a client that started the server for `bob` and then sets the setting to `alice` gets
 * `alice`); clearing the setting falls back to `initializationOptions.user`, then the variable.
 * See docs/DECISIONS.md.
 */
import type { Connection, DidChangeConfigurationParams } from 'vscode-languageserver';

/** The section of the user setting (`protectedModules.user`). */
export const USER_SETTING_SECTION = 'protectedModules';
/** The environment variable naming the user when neither option nor setting does. */
export const USER_ENV_VARIABLE = 'PROTECTED_MODULES_USER';

/** How long requests wait at most for the first pull of the setting (ms). */
export const READY_TIMEOUT_MS = 3000;

/** Normalises a configured user id: a trimmed non-empty string, else `null`. */
function asUser(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

/** Reads `protectedModules.user` out of a settings object pushed by the client, if present
 *  (`{ protectedModules: { user } }` or `{ 'protectedModules.user': … }`). */
function userFromSettings(settings: unknown): { present: boolean; user: string | null } {
  if (settings && typeof settings === 'object') {
    const s = settings as Record<string, unknown>;
    const section = s[USER_SETTING_SECTION];
    if (section && typeof section === 'object' && 'user' in (section as object)) {
      return { present: true, user: asUser((section as Record<string, unknown>).user) };
    }
    if (`${USER_SETTING_SECTION}.user` in s) return { present: true, user: asUser(s[`${USER_SETTING_SECTION}.user`]) };
  }
  return { present: false, user: null };
}

/**
 * Holds the current user and tells listeners when it changes.
 */
export class Session {
  private readonly initUser: string | null;
  private readonly envUser: string | null;
  /** The last value seen of the setting (`undefined` before the first read). */
  private setting: string | null | undefined;
  private current: string | null;
  private readonly listeners: ((user: string | null) => void)[] = [];
  private canPull = false;
  private resolveReady!: () => void;
  /**
   * Resolves once the user is settled: at once when `initializationOptions.user` is given or the
   * client cannot answer `workspace/configuration`; otherwise after the first pull of the setting
   * ({@link start}), or after {@link READY_TIMEOUT_MS}. Requests and diagnostics wait for it, so
   * nothing is ever answered for a provisional user (e.g. the environment variable's, who may have
   * more access than the configured one).
   */
  readonly ready: Promise<void>;

  /**
   * @param initializationOptionsUser `initializationOptions.user` of `initialize` (any type; only a
   *   non-empty string counts).
   * @param environment the process environment (for `PROTECTED_MODULES_USER`).
   */
  constructor(initializationOptionsUser: unknown, environment: NodeJS.ProcessEnv = process.env) {
    this.initUser = asUser(initializationOptionsUser);
    this.envUser = asUser(environment[USER_ENV_VARIABLE]);
    this.current = this.initUser ?? this.envUser;
    this.ready = new Promise((r) => (this.resolveReady = r));
    if (this.initUser) this.resolveReady();
  }

  /** True when the client answers `workspace/configuration` (from its capabilities). Without it,
   *  the user is settled at once. */
  get canPullConfiguration(): boolean {
    return this.canPull;
  }
  set canPullConfiguration(value: boolean) {
    this.canPull = value;
    if (!value) this.resolveReady();
    else setTimeout(() => this.resolveReady(), READY_TIMEOUT_MS).unref();
  }

  /** The current user id, or `null` when none is configured (treated as an unknown user, SPEC 2.3 rule 1). */
  get user(): string | null {
    return this.current;
  }

  /** Registers a listener called after every change of the user. */
  onDidChangeUser(listener: (user: string | null) => void): void {
    this.listeners.push(listener);
  }

  /**
   * First read of the setting, after `initialized`: pulls `protectedModules.user` when the client
   * supports `workspace/configuration`. The user is `initializationOptions.user` if given, else the
   * setting, else the variable. Never throws.
   * @returns true when the user changed.
   */
  async start(connection: Connection): Promise<boolean> {
    const pulled = await this.pull(connection);
    this.setting = pulled ?? null;
    const changed = this.set(this.initUser ?? this.setting ?? this.envUser);
    this.resolveReady();
    return changed;
  }

  /**
   * Handles `workspace/didChangeConfiguration`: takes the user from the pushed settings when they
   * carry it, otherwise pulls it. When the setting's value changed since it was last read, it
   * becomes the user (an empty value falls back to `initializationOptions.user`, then the variable).
   * @returns true when the user changed (listeners have been called).
   */
  async didChangeConfiguration(connection: Connection, params: DidChangeConfigurationParams): Promise<boolean> {
    const pushed = userFromSettings(params?.settings);
    const value = pushed.present ? pushed.user : ((await this.pull(connection)) ?? null);
    if (value === this.setting) return false;
    this.setting = value;
    return this.set(value ?? this.initUser ?? this.envUser);
  }

  /** Sets the user directly (tests, commands); calls the listeners when it changed. */
  set(user: string | null): boolean {
    if (user === this.current) return false;
    this.current = user;
    for (const l of this.listeners) l(user);
    return true;
  }

  /** Pulls `protectedModules.user` with `workspace/configuration`; `undefined` when unsupported or failed. */
  private async pull(connection: Connection): Promise<string | null | undefined> {
    if (!this.canPull) return undefined;
    try {
      const [value] = await connection.workspace.getConfiguration([{ section: `${USER_SETTING_SECTION}.user` }]);
      if (value && typeof value === 'object') return asUser((value as Record<string, unknown>).user);
      return asUser(value);
    } catch {
      return undefined;
    }
  }
}
