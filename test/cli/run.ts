// Runs the built command line (`node dist/cli.js`, SPEC 6) for the CLI tests.
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

export const REPO = resolve(__dirname, '..', '..');
export const CLI = join(REPO, 'dist', 'cli.js');
export const ACME = join(REPO, 'examples', 'acme');

/** What one run of the command line did. */
export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `protected-modules <args>` in `cwd` (default the repository folder) and waits for it to end.
 * `PROTECTED_MODULES_USER` is removed from the environment unless `env` sets it (`undefined` too).
 */
export function cli(args: string[], env: Record<string, string | undefined> = {}, cwd = REPO): Run {
  const childEnv = { ...process.env, ...env };
  if (!('PROTECTED_MODULES_USER' in env)) delete childEnv.PROTECTED_MODULES_USER;
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: childEnv });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
