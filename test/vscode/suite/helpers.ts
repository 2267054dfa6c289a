/**
 * Helpers for the real-VS-Code suites (test/vscode/suite/*.test.ts). They run inside VS Code's
 * extension host; see test/vscode/README.md for how a suite is written and launched.
 */
import * as vscode from 'vscode';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { controlDir, readConfig, writeJsonAtomic, type PageAck, type PageRequest, type ScreenshotAck, type TestConfig } from '../host/control';

/** The product extension's id (publisher.name of the root package.json). */
export const EXTENSION_ID = 'protected-modules.protected-modules';

/** The launcher's config for this session, or undefined when no launcher drives this host. */
export function testConfig(): TestConfig | undefined {
  const dir = controlDir();
  return dir ? readConfig(dir) : undefined;
}

/** Sleeps `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Polls `probe` every `intervalMs` until it returns a truthy value (returned) or `timeoutMs` passes
 * (throws an Error naming `what`). Exceptions thrown by `probe` count as "not yet".
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 20000,
  intervalMs = 100,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last}` : ''}`);
    await sleep(intervalMs);
  }
}

/** The product extension, activated. Throws when it is not installed or fails to activate. */
export async function activateExtension(): Promise<vscode.Extension<unknown>> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not installed`);
  if (!ext.isActive) await ext.activate();
  return ext;
}

/** The first workspace folder's URI. Throws when no folder is open. */
export function workspaceRoot(): vscode.Uri {
  const f = vscode.workspace.workspaceFolders?.[0];
  if (!f) throw new Error('no workspace folder is open');
  return f.uri;
}

/** A URI below the first workspace folder (`path` with `/` separators). */
export function workspaceUri(path: string): vscode.Uri {
  return vscode.Uri.joinPath(workspaceRoot(), ...path.split('/'));
}

/**
 * Switches the current user by writing `protectedModules.user` into the user settings (the same
 * place the launcher writes the suite's `@pm-user`). Needs the product extension to declare that
 * setting (VS Code refuses to write an unregistered one).
 */
export async function setUser(user: string): Promise<void> {
  await vscode.workspace.getConfiguration('protectedModules').update('user', user, vscode.ConfigurationTarget.Global);
}

let shotCounter = 0;

/**
 * Asks the launcher for a PNG of the whole workbench, stored as
 * `test-results/screenshots/<group>/<name>.png`, and waits until it exists. Returns its path, or
 * undefined when no launcher serves screenshots (e.g. under @vscode/test-electron). Throws when
 * the launcher does not answer within `timeoutMs` or reports an error.
 */
export async function screenshot(name: string, timeoutMs = 30000): Promise<string | undefined> {
  const dir = controlDir();
  const config = testConfig();
  if (!dir || !config?.screenshots) return undefined;
  const shots = join(dir, 'screenshots');
  mkdirSync(shots, { recursive: true });
  // Unique across suite bundles (each bundles its own copy of this module and its counter).
  const id = `${process.pid}-${Date.now().toString(36)}-${++shotCounter}`;
  writeJsonAtomic(join(shots, `${id}.request.json`), { name });
  const done = join(shots, `${id}.done.json`);
  await waitFor(`screenshot "${name}"`, () => existsSync(done), timeoutMs, 100);
  const ack = JSON.parse(readFileSync(done, 'utf8')) as ScreenshotAck;
  if (!ack.path) throw new Error(`screenshot "${name}" failed: ${ack.error ?? 'unknown error'}`);
  return ack.path;
}

let pageCounter = 0;

/**
 * Asks the launcher to do something in the browser (test/vscode/pageRequests.mjs: axe-core in a
 * webview, key presses, the focused element of a webview, a click in a modal dialog) and waits
 * for its answer. Throws when no launcher serves page requests (only the code-server launcher
 * does), when it does not answer within `timeoutMs`, or with the error it reports.
 */
export async function pageRequest<T = unknown>(request: PageRequest, timeoutMs = 45000): Promise<T> {
  const dir = controlDir();
  if (!dir || !testConfig()?.pageRequests) throw new Error('no launcher serves page requests here (run the suite with test/vscode/run.mjs)');
  const page = join(dir, 'page');
  mkdirSync(page, { recursive: true });
  // Unique across suite bundles (each bundles its own copy of this module and its counter).
  const id = `${process.pid}-${Date.now().toString(36)}-${String(++pageCounter).padStart(6, '0')}`;
  writeJsonAtomic(join(page, `${id}.request.json`), request);
  const done = join(page, `${id}.done.json`);
  await waitFor(`page request ${request.kind}`, () => existsSync(done), timeoutMs, 50);
  const ack = JSON.parse(readFileSync(done, 'utf8')) as PageAck;
  if (ack.error !== undefined) throw new Error(`page request ${request.kind} failed: ${ack.error}`);
  return ack.result as T;
}
