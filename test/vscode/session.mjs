// Shared by test/vscode/run.mjs (code-server) and test/vscode/electron.mjs (@vscode/test-electron):
// which suites run together (groups) and the workspace each group opens.
//
// A suite file declares, in `// @pm-…` comment lines at its top (before the first import):
//   // @pm-user alice                      protectedModules.user in the user settings (default bob)
//   // @pm-workspace examples/acme         folder copied to a temp workspace (default examples/acme)
//   // @pm-settings {"editor.fontSize": 13} more user settings (JSON object)
//   // @pm-open modules                   open the copy as a module workspace (`modules://<name>/`,
//                                          as Open Module Workspace… does) instead of a plain folder
//   // @pm-host bob alice                  SPEC 7: the workspace is served by a host started from
//                                           another folder (a copy of @pm-workspace) with tokens for
//                                           these users; VS Code opens only `modules://<name>/`,
//                                           connected as @pm-user (see run.mjs)
//   // @pm-window2 alice host-requests-alice   with @pm-host: a second VS Code window (its own
//                                           code-server, user data and token), connected to the same
//                                           host as this user, runs the companion suite
//                                           `suite/<name>.window.ts` beside the group's suites; the
//                                           two coordinate through a shared folder (see run.mjs)
// Suites with the same user, workspace and settings run in one VS Code session (a group, named
// `user@workspace`, or `user@workspace-<first suite>` when several groups share user and
// workspace); each session gets a fresh copy of the workspace and a fresh user-data folder.
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { repoRoot, suiteSources } from './build.mjs';

export const DEFAULT_USER = 'bob';
export const DEFAULT_WORKSPACE = 'examples/acme';

/** Reads the `@pm-` directives of a suite source. */
export function suiteDirectives(file) {
  const d = { user: DEFAULT_USER, workspace: DEFAULT_WORKSPACE, settings: {}, open: 'folder', host: '', window2: '' };
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^\s*\/\/\s*@pm-(user|workspace|settings|open|host|window2)\s+(.+?)\s*$/.exec(line);
    if (!m) continue;
    if (m[1] === 'settings') d.settings = { ...d.settings, ...JSON.parse(m[2]) };
    else d[m[1]] = m[2];
  }
  return d;
}

/**
 * The suite groups to run, one VS Code session each.
 * @param {string[]} filters substrings of suite file names; none = all suites
 * @returns {{name: string, user: string, workspace: string, settings: object, suites: string[]}[]}
 *   suites: bundle names (`smoke.test.js`)
 */
export function planGroups(filters = []) {
  const groups = new Map();
  for (const src of suiteSources()) {
    const d = suiteDirectives(src);
    const key = JSON.stringify([d.user, d.workspace, d.settings, d.open, d.host, d.window2]);
    if (!groups.has(key)) groups.set(key, { name: '', ...d, suites: [] });
    groups.get(key).suites.push(basename(src).replace(/\.ts$/, '.js'));
  }
  // name (over all suites, so that it does not depend on the filters): user@workspace, plus the
  // first suite's name when several groups share user and workspace
  const list = [...groups.values()];
  for (const g of list) {
    const base = `${g.user}@${g.host ? 'host-' : ''}${basename(g.workspace)}${g.open === 'modules' ? '-modules' : ''}`;
    const shared = list.filter((o) => o.user === g.user && o.workspace === g.workspace && o.open === g.open && !!o.host === !!g.host).length > 1;
    g.name = shared ? `${base}-${g.suites[0].replace(/\.test\.js$/, '')}` : base;
  }
  return list
    .map((g) => ({ ...g, suites: g.suites.filter((s) => filters.length === 0 || filters.some((f) => s.includes(f))) }))
    .filter((g) => g.suites.length > 0);
}

/** A tiny environment used when the requested workspace folder does not exist (yet). */
function writeFallbackEnvironment(dir) {
  mkdirSync(join(dir, 'Common'), { recursive: true });
  writeFileSync(
    join(dir, 'environment.json'),
    JSON.stringify(
      {
        name: 'Harness Fallback',
        admins: ['alice'],
        users: { alice: { groups: ['core'] }, bob: { groups: ['contractors'] }, carol: { groups: ['reviewers'] } },
        defaultAccess: 'change',
        grants: [],
      },
      null,
      2,
    ) + '\n',
  );
  writeFileSync(join(dir, 'Common', 'module.json'), JSON.stringify({ name: 'Common', version: '1.0.0', kind: 'library', owner: 'alice' }, null, 2) + '\n');
}

/**
 * Copies the group's workspace (relative to the repo root) to `<sessionDir>/<its folder name>` and
 * returns that absolute path. Falls back to a tiny generated environment when it does not exist.
 */
export function prepareWorkspace(workspace, sessionDir) {
  const src = resolve(repoRoot, workspace);
  const dest = join(sessionDir, basename(src));
  if (existsSync(join(src, 'environment.json'))) {
    cpSync(src, dest, { recursive: true, filter: (p) => !p.split('/').includes('node_modules') });
  } else {
    console.log(`  (no ${workspace}/environment.json yet: using a tiny generated environment)`);
    writeFallbackEnvironment(dest);
  }
  return dest;
}
