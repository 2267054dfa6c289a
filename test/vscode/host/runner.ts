/**
 * Runs mocha suites inside VS Code's extension host. Mocha is bundled into the host extension;
 * the suites are separate bundles (test/vscode/suite/*.test.ts → `suite/*.test.js` beside the
 * host) that use mocha's globals (`suite`/`test` of the TDD interface, `describe`/`it` too: the
 * `bdd` and `tdd` functions are both set up).
 */
import Mocha from 'mocha';
import * as vscode from 'vscode';
import { join } from 'node:path';
import type { TestConfig, TestResult, TestResults } from './control';

/**
 * Runs the suites named by `config` (bundles in `suiteDir`) and collects each test's outcome.
 * Never throws: a failure to load or run is reported in `fatal`.
 */
export async function runSuites(config: TestConfig, suiteDir: string): Promise<TestResults> {
  const startedAt = new Date().toISOString();
  const tests: TestResult[] = [];
  let fatal: string | undefined;
  try {
    const mocha = new Mocha({ ui: 'tdd', timeout: config.timeoutMs, color: false, reporter: NullReporter });
    if (config.grep) mocha.grep(config.grep);
    // `tdd` is the main interface; the bdd one too, so suites may use describe/it.
    (Mocha as any).interfaces.bdd(mocha.suite);
    for (const s of config.suites) mocha.addFile(join(suiteDir, s));
    // Loaded synchronously with `require` by run(): the extension host's `require('vscode')` hook applies.
    await new Promise<void>((resolve) => {
      const runner = mocha.run(() => resolve());
      const fileOf = (t: Mocha.Test) => (t.file ? t.file.slice(suiteDir.length + 1) : undefined);
      runner.on('pass', (t: Mocha.Test) => tests.push({ title: t.title, fullTitle: t.fullTitle(), file: fileOf(t), state: 'passed', durationMs: t.duration }));
      runner.on('fail', (t: Mocha.Test, err: any) =>
        tests.push({
          title: t.title,
          fullTitle: t.fullTitle(),
          file: fileOf(t),
          state: 'failed',
          durationMs: t.duration,
          error: { message: String(err?.message ?? err), stack: err?.stack },
        }),
      );
      runner.on('pending', (t: Mocha.Test) => tests.push({ title: t.title, fullTitle: t.fullTitle(), file: fileOf(t), state: 'pending' }));
    });
  } catch (e: any) {
    fatal = String(e?.stack ?? e);
  }
  return {
    group: config.group,
    passes: tests.filter((t) => t.state === 'passed').length,
    failures: tests.filter((t) => t.state === 'failed').length + (fatal ? 1 : 0),
    pending: tests.filter((t) => t.state === 'pending').length,
    tests,
    fatal,
    vscodeVersion: vscode.version,
    startedAt,
    finishedAt: new Date().toISOString(),
  };
}

/** Mocha reporter that prints nothing: the results go to the control folder. */
class NullReporter extends Mocha.reporters.Base {}
