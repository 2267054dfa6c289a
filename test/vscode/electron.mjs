#!/usr/bin/env node
// The same real-VS-Code suites (test/vscode/suite) launched by @vscode/test-electron 2.5.x, for
// machines that can download VS Code (not these: no internet; use run.mjs = `npm run test:vscode`).
// Loads the product extension (repo root, dist/ built here) and the test host as development
// extensions; the host's `run()` runs the group's suites. Screenshots are skipped (no launcher).
// On a Linux machine without a display, run under `xvfb-run -a`.
//
// Usage: node test/vscode/electron.mjs [--version 1.100.3|stable] [suite-filter…]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { BASE_SETTINGS } from '../../scripts/code-server.mjs';
import { buildTestHost, repoRoot } from './build.mjs';
import { planGroups, prepareWorkspace } from './session.mjs';

const argv = process.argv.slice(2);
let version = process.env.PM_VSCODE_VERSION || '1.100.3';
const vi = argv.indexOf('--version');
if (vi >= 0) {
  version = argv[vi + 1];
  argv.splice(vi, 2);
}

const b = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: repoRoot, stdio: 'inherit' });
if (b.status !== 0) process.exit(1);
const host = await buildTestHost({ vsix: false });
const groups = planGroups(argv);
const root = mkdtempSync(join(tmpdir(), 'pm-electron-'));
let passed = 0;
let failed = 0;
try {
  for (const group of groups) {
    const sessionDir = join(root, group.name.replace(/[^A-Za-z0-9._@-]+/g, '_'));
    const controlDir = join(sessionDir, 'control');
    const userDataDir = join(sessionDir, 'user-data');
    mkdirSync(controlDir, { recursive: true });
    mkdirSync(join(userDataDir, 'User'), { recursive: true });
    const folder = prepareWorkspace(group.workspace, join(sessionDir, 'workspace'));
    writeFileSync(
      join(userDataDir, 'User', 'settings.json'),
      JSON.stringify({ ...BASE_SETTINGS, 'protectedModules.user': group.user, ...group.settings }, null, 2),
    );
    writeFileSync(
      join(controlDir, 'config.json'),
      JSON.stringify({
        suites: group.suites.filter((s) => host.suites.includes(s)),
        autorun: false,
        screenshots: false,
        timeoutMs: 60000,
        group: group.name,
        user: group.user,
      }),
    );
    console.log(`\n${group.name}: ${group.suites.join(', ')}`);
    try {
      await runTests({
        version,
        extensionDevelopmentPath: [repoRoot, host.dir],
        extensionTestsPath: join(host.dir, 'extension.js'),
        extensionTestsEnv: { PM_TEST_CONTROL: controlDir },
        launchArgs: [folder, '--user-data-dir', userDataDir, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
      });
    } catch (e) {
      console.error(`  ${group.name}: ${e?.message ?? e}`);
    }
    const resultsFile = join(controlDir, 'results.json');
    if (existsSync(resultsFile)) {
      const r = JSON.parse(readFileSync(resultsFile, 'utf8'));
      passed += r.passes;
      failed += r.failures;
    } else {
      failed += 1;
      console.log(`  ✘ ${group.name}: no results (VS Code did not start or the host did not run)`);
    }
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
