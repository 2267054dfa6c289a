/**
 * The test host extension (test tooling, never shipped): when a launcher names a control folder in
 * `PM_TEST_CONTROL` (see control.ts) and its config says `autorun`, it runs the suites once VS Code
 * has started and writes `results.json` there. Under @vscode/test-electron, VS Code calls `run()`
 * (this file is also the `extensionTestsPath`), which throws when a test failed.
 */
import * as vscode from 'vscode';
import { join } from 'node:path';
import { controlDir, readConfig, writeJsonAtomic, type TestConfig } from './control';
import { runSuites } from './runner';

const suiteDir = join(__dirname, 'suite');

/** Activation (`onStartupFinished`): start the run when a launcher asked for one. */
export function activate(_context: vscode.ExtensionContext): void {
  const dir = controlDir();
  if (!dir) return;
  let config: TestConfig;
  try {
    config = readConfig(dir);
  } catch (e: any) {
    writeJsonAtomic(join(dir, 'results.json'), { fatal: `cannot read config.json: ${e?.message ?? e}`, passes: 0, failures: 1, pending: 0, tests: [] });
    return;
  }
  if (!config.autorun) return;
  writeJsonAtomic(join(dir, 'started.json'), { pid: process.pid, vscodeVersion: vscode.version, at: new Date().toISOString() });
  void runSuites(config, suiteDir).then((results) => writeJsonAtomic(join(dir, 'results.json'), results));
}

export function deactivate(): void {}

/** Entry point for @vscode/test-electron (`extensionTestsPath`). Rejects when a test failed. */
export async function run(): Promise<void> {
  const dir = controlDir();
  if (!dir) throw new Error('PM_TEST_CONTROL is not set');
  const config = readConfig(dir);
  const results = await runSuites(config, suiteDir);
  writeJsonAtomic(join(dir, 'results.json'), results);
  for (const t of results.tests) {
    console.log(`${t.state === 'passed' ? 'ok  ' : t.state === 'failed' ? 'FAIL' : 'skip'} ${t.fullTitle}${t.error ? `\n     ${t.error.message}` : ''}`);
  }
  if (results.fatal) console.error(results.fatal);
  console.log(`${results.passes} passed, ${results.failures} failed`);
  if (results.failures > 0) throw new Error(`${results.failures} test(s) failed`);
}
