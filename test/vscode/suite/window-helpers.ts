/**
 * Helpers for suites that run in two VS Code windows against one host (`@pm-window2`, see
 * test/vscode/window2.mjs): real UI actions done by the launcher with playwright (a click on a
 * webview button, a tree item's inline action, a dialog's button; keys typed into a quick input),
 * and steps shared with the other window through the `peer` folder.
 */
import * as vscode from 'vscode';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { controlDir, writeJsonAtomic } from '../host/control';
import { testConfig, waitFor } from './helpers';

/** The host of a `@pm-host` group, from the launcher's config. */
export interface HostConfig {
  url: string;
  name: string;
  tokens: Record<string, string>;
}

export function hostConfig(): HostConfig {
  const c = testConfig() as unknown as { host?: HostConfig } | undefined;
  if (!c?.host) throw new Error('no @pm-host configuration from the launcher');
  return c.host;
}

/** `modules://<host environment>/<path>`. */
export function hostUri(path: string): vscode.Uri {
  return vscode.Uri.from({ scheme: 'modules', authority: hostConfig().name, path: '/' + path });
}

/** A UI action the launcher does with playwright on this window's page. */
export type UiAction =
  | { action: 'click'; selector: string; hover?: string; waitFor?: string; timeoutMs?: number }
  | { action: 'read'; selector: string; timeoutMs?: number }
  | { action: 'press'; key: string; waitFor?: string; timeoutMs?: number }
  | { action: 'type'; text: string; waitFor?: string; timeoutMs?: number };

let uiCounter = 0;

/**
 * Asks the launcher to do `a` on this window (a selector is looked for in every frame, webviews
 * included) and waits for it. Returns the element's text for `click` / `read`.
 * @throws when no launcher serves UI actions, or when the action failed (no such element …)
 */
export async function ui(a: UiAction, timeoutMs = 45000): Promise<string | undefined> {
  const dir = controlDir();
  if (!dir) throw new Error('UI actions need the code-server launcher (test/vscode/run.mjs)');
  const uiDir = join(dir, 'ui');
  mkdirSync(uiDir, { recursive: true });
  // unique across suite bundles of one window (each bundle has its own counter)
  const id = `${process.pid}-${Date.now().toString(36)}-${String(++uiCounter).padStart(6, '0')}`;
  writeJsonAtomic(join(uiDir, `${id}.request.json`), a);
  const done = join(uiDir, `${id}.done.json`);
  await waitFor(`the launcher to do ${JSON.stringify(a)}`, () => existsSync(done), timeoutMs, 100);
  const ack = JSON.parse(readFileSync(done, 'utf8')) as { ok?: boolean; text?: string; error?: string };
  if (!ack.ok) throw new Error(`UI action ${JSON.stringify(a)} failed: ${ack.error ?? 'unknown error'}`);
  return ack.text;
}

function peerDir(): string {
  const c = testConfig() as unknown as { peer?: string } | undefined;
  if (!c?.peer) throw new Error('no peer folder: this suite needs @pm-window2');
  return c.peer;
}

/** Tells the other window that `step` happened (with optional data). */
export function signal(step: string, data: unknown = {}): void {
  const dir = peerDir();
  mkdirSync(dir, { recursive: true });
  writeJsonAtomic(join(dir, `${step}.json`), data);
}

/** Waits until the other window signals `step`; returns its data. */
export async function waitForSignal<T = unknown>(step: string, timeoutMs = 120000): Promise<T> {
  const file = join(peerDir(), `${step}.json`);
  await waitFor(`the other window's "${step}"`, () => existsSync(file), timeoutMs, 200);
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}
