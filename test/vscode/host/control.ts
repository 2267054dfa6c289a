/**
 * The file channel between the launcher (test/vscode/run.mjs, electron.mjs) and the test host
 * extension running inside VS Code's extension host. The launcher creates a control folder, writes
 * `config.json` there and names the folder in the environment variable `PM_TEST_CONTROL` (which
 * code-server and VS Code pass on to the extension host). In it:
 *
 * - `config.json`      ({@link TestConfig}) written by the launcher before VS Code starts;
 * - `started.json`     written by the host when it activates and starts the suites;
 * - `results.json`     ({@link TestResults}) written by the host when the suites have run;
 * - `screenshots/<n>.request.json` ({@link ScreenshotRequest}) written by a suite, and
 *   `screenshots/<n>.done.json` ({@link ScreenshotAck}) written back by the launcher once the PNG
 *   exists;
 * - `page/<n>.request.json` ({@link PageRequest}) written by a suite, and `page/<n>.done.json`
 *   ({@link PageAck}) written back by the launcher (test/vscode/pageRequests.mjs): axe-core in a
 *   webview, key presses, the focused element of a webview, a click in a modal dialog.
 *
 * Files are written to a temporary name and renamed, so a reader never sees half a file.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Name of the environment variable that holds the control folder's absolute path. */
export const CONTROL_ENV = 'PM_TEST_CONTROL';

/** What the launcher asks the host to run. */
export interface TestConfig {
  /** Suite bundles to run, paths relative to the host extension's `suite/` folder (`smoke.test.js`). */
  suites: string[];
  /** Run the suites when the host activates (code-server). `false` under @vscode/test-electron, which calls `run()`. */
  autorun: boolean;
  /** Whether a launcher serves screenshot requests. */
  screenshots: boolean;
  /** Whether a launcher serves page requests ({@link PageRequest}); only the code-server launcher does. */
  pageRequests?: boolean;
  /** Mocha's `grep` (a test title filter), optional. */
  grep?: string;
  /** Mocha's per-test timeout in milliseconds. */
  timeoutMs: number;
  /** Free-form label of the session (the suite group: user and workspace), shown in results. */
  group: string;
  /** The user the launcher configured (`protectedModules.user`), for the suites' information. */
  user?: string;
}

/** One test's outcome. */
export interface TestResult {
  title: string;
  fullTitle: string;
  /** Suite bundle the test came from (`smoke.test.js`). */
  file?: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs?: number;
  /** Failure message and stack, for failed tests. */
  error?: { message: string; stack?: string };
}

/** What the host writes when every suite has run (or when running them threw). */
export interface TestResults {
  group: string;
  passes: number;
  failures: number;
  pending: number;
  tests: TestResult[];
  /** A failure outside any test (loading a suite, a hook) that stopped the run. */
  fatal?: string;
  vscodeVersion: string;
  startedAt: string;
  finishedAt: string;
}

export interface ScreenshotRequest {
  name: string;
}

export interface ScreenshotAck {
  /** Absolute path of the PNG, or absent when taking it failed. */
  path?: string;
  error?: string;
}

/** The control folder from the environment, or undefined when no launcher is driving this host. */
export function controlDir(): string | undefined {
  return process.env[CONTROL_ENV] || undefined;
}

/** Reads `config.json` of a control folder. Throws when missing or malformed. */
export function readConfig(dir: string): TestConfig {
  return JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as TestConfig;
}

/** Writes JSON atomically (temporary file + rename). */
export function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  renameSync(tmp, path);
}

/**
 * What a suite asks the launcher to do in the browser (test/vscode/pageRequests.mjs). Webview
 * pages are named by their `<title>`.
 */
export type PageRequest =
  /** Run axe-core (node_modules/axe-core) in the webview titled `title`, with axe.run `options`. */
  | { kind: 'axe'; title: string; options?: Record<string, unknown> }
  /** What has the keyboard focus inside the webview titled `title`. */
  | { kind: 'focus'; title: string }
  /** Press keys in order, as a user does (playwright key names: `Tab`, `Shift+Tab`, `Enter`, `Space`). */
  | { kind: 'keys'; keys: string[] }
  /** The workbench's `aria-label` and role of the element `selector` (or of its first descendant with an aria-label). */
  | { kind: 'aria'; selector: string }
  /** Wait for VS Code's modal dialog (a PNG of it named `screenshot`, optional) and click its button labelled exactly `button`. */
  | { kind: 'dialog'; button: string; screenshot?: string; timeoutMs?: number };

export interface PageAck {
  /** The request's answer (see test/vscode/pageRequests.mjs), absent on error. */
  result?: unknown;
  error?: string;
}
