// No leak (SPEC 4; issue 3, acceptance 5): the scripted leak test over every request and notification kind.
//
// test/fixtures/leak-env hides unique canary strings in everything a user below `open` may not
// see (private actions, structures, fields, doc comments, comments, string literals, locals,
// file and folder names, a manifest comment, the policy), in what a `list` user may not see
// (public signatures and docs), in what a `none` user may not see (name-level facts) and in a
// module that is at `none` for every test user (its very name). A scripted session per user
// (test/server/leak/script.ts) sends every request and notification kind of LSP and of SPEC 4, at
// every position of the consumer files and at the positions of the protected files, through
// `file:`, `modules:` and `module-interface:` URIs, with invalid and hostile variants, with the
// trace at `verbose`. Every byte the server writes (stdout and stderr) is checked: no canary the
// user may not see, except where the client itself sent it (test/server/leak/harness.ts). Hidden
// things must also be answered exactly like missing ones ("twins"), the environment on disk must
// be unchanged, and the CLI must not print them either. The admin's session is the control: it
// must see every canary, proving that they are real and reachable by this very script.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { copyFixture, ensureBuilt, REPO } from './lsp-client';
import { runCli } from '../../server/cli';
import { analyse, describeLeaks, startRecordedServer, type Outcome } from './leak/harness';
import { identifierStarts, rawModulesUri, runScript, walk, type ProbeResults } from './leak/script';
import { serverEnvSession, SERVER_ENV_USERS } from './leak/server-env';
import { ALL, USERS, type LeakUser } from './leak/canaries';

const FIXTURE = 'test/fixtures/leak-env';

/** Path → content of every file of the environment. */
function snapshot(root: string): Map<string, string> {
  const { files } = walk(root);
  return new Map(files.map((f) => [f, fs.readFileSync(path.join(root, f), 'utf8')]));
}

/** An outcome as comparable text: names replaced by placeholders, positions left out. */
function normalise(o: Outcome, names: string): string {
  let text = JSON.stringify(o, (k, v) => (k === 'range' || k === 'activeParameter' ? undefined : v));
  names.split('|').forEach((n, i) => {
    text = text.split(n).join(`<name${i}>`);
  });
  return text;
}

/** Which twins must be indistinguishable for which user (hidden = below what the answer needs). */
function twinApplies(user: LeakUser, label: string): boolean {
  const level = USERS[user].level;
  const belowOpenOnVault = ['reference', 'list', 'none', 'unknown'].includes(level);
  const noneOnVault = level === 'none' || level === 'unknown';
  const noneOnHidden = belowOpenOnVault; // the owner of Vault has `list` on the hidden module
  if (label.includes("Vault's interface") || label.endsWith('of Vault') || label.includes('naming Vault')) return noneOnVault;
  if (label.includes('in Vault')) return belowOpenOnVault;
  if (label.includes('hidden module')) return noneOnHidden;
  if (label.includes('naming hidden things')) return belowOpenOnVault;
  return false;
}

function assertTwins(user: LeakUser, probes: ProbeResults): number {
  let checked = 0;
  const failures: string[] = [];
  for (const t of probes.twins) {
    if (!twinApplies(user, t.label)) continue;
    checked++;
    const real = normalise(t.real, t.realName);
    const missing = normalise(t.missing, t.missingName);
    if (real !== missing) failures.push(`${t.label}:\n    hidden:  ${real.slice(0, 600)}\n    missing: ${missing.slice(0, 600)}`);
  }
  assert.deepEqual(failures, [], `${user}: hidden things are answered unlike missing ones:\n${failures.join('\n')}`);
  return checked;
}

/**
 * The single answers of the probe part (issue 9, acceptance 3), checked for the user's level:
 * the module nested inside Vault is reached by name only (capped at `reference` below `open` on
 * Vault), an `environment.json` inside a module is an ordinary file of it and makes nobody an
 * admin (not even as a workspace folder of its own), and Vault's public action typed with a
 * structure of the hidden module shows a placeholder type.
 */
function assertChecks(user: LeakUser, probes: ProbeResults): void {
  const level = USERS[user].level;
  const get = (label: string) => {
    const o = probes.checks.get(label);
    assert.ok(o, `${user}: no answer recorded for ${label}`);
    return o;
  };
  const ok = (label: string) => {
    const o = get(label);
    assert.ok(o.ok, `${user}: ${label} failed: ${JSON.stringify(o)}`);
    return o.result as Record<string, unknown>;
  };
  const err = (label: string) => {
    const o = get(label);
    assert.ok(!o.ok, `${user}: ${label} succeeded: ${JSON.stringify(o).slice(0, 300)}`);
    return o as { code: number; data?: { module?: string } };
  };
  const readsVault = level === 'owner' || level === 'admin';
  const knowsAnnex = level !== 'unknown';

  // Annex, nested inside Vault and granted `open` to every known user: by name at `reference` below
  // `open` on Vault; its definition is in its interface document, never a path.
  if (knowsAnnex) {
    const iface = ok('moduleInterface of Annex');
    assert.equal(iface.access, readsVault ? (level === 'admin' ? 'full' : 'open') : 'reference', `${user}: access to Annex`);
    assert.match(String(iface.text), /server action Stamp\(annexparam_t3w: Text\) returns \(stamped: Text\);/);
    const hover = JSON.stringify(ok('hover of Annex.Stamp'));
    assert.ok(hover.includes('Stamp'), `${user}: hover of Annex.Stamp shows it: ${hover}`);
  } else {
    assert.equal(err('moduleInterface of Annex').code, -32002, `${user}: Annex is not found`);
  }
  const def = get('definition of Annex.Stamp');
  const uris = def.ok ? (JSON.stringify(def.result).match(/"(?:uri|targetUri)":"[^"]*"/g) ?? []) : [];
  if (knowsAnnex && !readsVault) {
    assert.ok(uris.length > 0, `${user}: definition of Annex.Stamp found`);
    for (const u of uris) assert.ok(u.includes('module-interface://'), `${user}: definition of Annex.Stamp is by name: ${u}`);
  }
  const modules = (r: Record<string, unknown>) => (r.modules as { name: string; access: string }[]).map((m) => `${m.name}:${m.access}`);
  const listed = modules(ok('listModules'));
  assert.equal(listed.includes(`Annex:reference`), knowsAnnex && !readsVault, `${user}: Annex listed at reference: ${listed}`);

  // The environment.json inside Storefront: an ordinary file of Storefront.
  if (level === 'unknown') {
    const e = err('readFile of Storefront/environment.json');
    assert.equal(e.code, -32001, `${user}: environment.json in Storefront is denied as a file of Storefront`);
    assert.equal(e.data?.module, 'Storefront');
  } else {
    assert.match(String(ok('readFile of Storefront/environment.json').text), /"Rogue"/);
  }
  const acc = ok('access of Storefront/environment.json');
  assert.equal(acc.module, 'Storefront', `${user}: environment.json in Storefront belongs to Storefront`);
  // … and, added as a workspace folder, it makes no environment and no admin.
  for (const label of ['whoami after adding Storefront as a folder', 'whoami after removing Storefront']) {
    const who = ok(label);
    assert.equal(who.user, user);
    assert.equal(who.admin, level === 'admin', `${user}: ${label}: admin`);
  }
  assert.deepEqual(modules(ok('listModules after adding Storefront as a folder')), listed, `${user}: the modules are the outer environment's`);
  if (readsVault) ok('readFile of Vault after adding Storefront as a folder');
  else assert.equal(err('readFile of Vault after adding Storefront as a folder').code, ['reference', 'list'].includes(level) ? -32001 : -32003);

  // Vault's public action typed with a structure of the hidden module: a placeholder type for
  // everyone who cannot reference the hidden module (all but the admin).
  if (level === 'reference' || level === 'owner') {
    const text = String(ok('moduleInterface of Vault').text);
    assert.match(text, /public server action Hushed\(\) returns \(hushed: _PrivateType\d+\);/, `${user}: placeholder type`);
  }
}

/** Runs the built CLI (`node dist/cli.js …`) and returns its stdout + stderr. */
function cli(args: string[]): string {
  const r = spawnSync(process.execPath, [path.join(REPO, 'dist', 'cli.js'), ...args], {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, PROTECTED_MODULES_USER: '' },
  });
  return `${r.stdout}\n${r.stderr}`;
}

/** Runs the CLI's code in this process (the same `runCli` that `dist/cli.js` runs; cheaper). */
function cliInProcess(args: string[]): string {
  let text = '';
  runCli(args, { stdout: (t) => (text += t), stderr: (t) => (text += t) }, {});
  return text;
}

/** The CLI's outputs for a user; the `interface` of the hidden module is compared with a missing one. */
function cliOutputs(root: string, user: string): { text: string; hiddenInterface: string; missingInterface: string } {
  const parts: string[] = [];
  parts.push(cli(['check', root, '--user', user]));
  parts.push(cliInProcess(['check', root, '--user', user, '--format', 'json']));
  parts.push(cliInProcess(['check', root, '-u', user]));
  for (const format of ['text', 'json']) parts.push(cliInProcess(['access', root, '--user', user, '--format', format]));
  for (const m of ['Vault', 'Storefront', 'Annex', 'NoSuchModule', 'vault']) parts.push(cliInProcess(['interface', root, m, '--user', user]));
  // An environment.json inside a module makes no environment (SPEC 4.1): the CLI pointed at the
  // module's folder serves the outer environment, where the user is no admin.
  parts.push(cliInProcess(['check', path.join(root, 'Storefront'), '--user', user]));
  parts.push(cliInProcess(['access', path.join(root, 'Storefront'), '--user', user, '--format', 'json']));
  parts.push(cliInProcess(['interface', path.join(root, 'Storefront'), 'Vault', '--user', user]));
  return {
    text: parts.join('\n'),
    hiddenInterface: cli(['interface', root, 'CanaryNoneModule_6d1f', '--user', user]).split('CanaryNoneModule_6d1f').join('<name>'),
    missingInterface: cli(['interface', root, 'NoSuchModule_00000000', '--user', user]).split('NoSuchModule_00000000').join('<name>'),
  };
}

async function leakSession(user: LeakUser): Promise<void> {
  const { forbidden, level } = USERS[user];
  const privileged = level === 'admin' || level === 'owner';
  const root = copyFixture(FIXTURE);
  const before = snapshot(root);
  const started = Date.now();
  const s = await startRecordedServer({ folder: root, user });
  let probes: ProbeResults;
  try {
    probes = await runScript(s, { root, probes: true, harmlessWrites: !privileged, light: privileged });
  } finally {
    await s.close();
  }
  const a = analyse(s, ALL, forbidden);
  const sent = [...s.sentRequests.values()].reduce((x, y) => x + y, 0);
  console.log(
    `# ${user}: ${sent} requests (${s.sentRequests.size} methods), ${[...s.sentNotifications.values()].reduce((x, y) => x + y, 0)} notifications sent; ` +
      `${a.messages} messages / ${a.bytes} bytes received in ${Date.now() - started} ms`,
  );
  assert.ok(a.messages > 1000 && a.bytes > 100_000, `${user}: the session produced output`);
  assert.deepEqual(a.leaks, [], describeLeaks(user, a.leaks));

  if (!privileged) {
    // Nothing the user may not change was changed on disk (writes, setProtection, grantAccess).
    assert.deepEqual(snapshot(root), before, `${user}: the environment on disk is unchanged`);
    // The existence of private elements is not revealed (SPEC 3.4): no `hidden-element` below `open`.
    assert.equal(s.diagnosticCodes.get('hidden-element') ?? 0, 0, `${user}: a hidden-element diagnostic was published`);
  }
  assertChecks(user, probes);
  const twins = assertTwins(user, probes);
  if (!privileged) assert.ok(twins >= 40, `${user}: ${twins} twin comparisons`);

  // The CLI, on a fresh copy.
  const cliRoot = copyFixture(FIXTURE);
  const out = cliOutputs(cliRoot, user);
  const cliLeaks = forbidden.filter((c) => out.text.includes(c));
  assert.deepEqual(cliLeaks, [], `${user}: the CLI printed ${cliLeaks.join(', ')}`);
  // The CLI pointed at a module folder holding an environment.json serves the outer environment.
  const outer = cliInProcess(['access', cliRoot, '--user', user, '--format', 'json']);
  assert.equal(
    cliInProcess(['access', path.join(cliRoot, 'Storefront'), '--user', user, '--format', 'json']),
    outer,
    `${user}: the CLI makes no environment of Storefront`,
  );
  if (!privileged) {
    assert.equal(out.hiddenInterface, out.missingInterface, `${user}: the CLI answers the same for a hidden and a missing module`);
  }
}

test('leak test: build, and the canaries are distinct (no canary contains another)', () => {
  ensureBuilt();
  for (const a of ALL) for (const b of ALL) assert.ok(a === b || !a.includes(b), `${a} contains ${b}`);
  const fixture = path.join(REPO, FIXTURE);
  const text = walk(fixture)
    .files.map((f) => `${f}\n${fs.readFileSync(path.join(fixture, f), 'utf8')}`)
    .join('\n');
  for (const c of ALL) assert.ok(text.includes(c), `the fixture holds ${c}`);
});

/** The control: the admin sees every canary through the same script. */
async function controlSession(): Promise<void> {
  const root = copyFixture(FIXTURE);
  const s = await startRecordedServer({ folder: root, user: 'root' });
  try {
    await runScript(s, { root, probes: true, harmlessWrites: false, light: true });
  } finally {
    await s.close();
  }
  const a = analyse(s, ALL, []);
  const unseen = ALL.filter((c) => (a.seen.get(c) ?? 0) === 0);
  assert.deepEqual(unseen, [], 'canaries the admin never received (from the server, not echoed)');
  // And through the CLI.
  const out = cliOutputs(copyFixture(FIXTURE), 'root');
  for (const c of ['CANARY_DESCRIPTION_VAULT_d41e', 'PUBDOC_DEPOSIT_k3m', 'CanaryNoneModule_6d1f', 'Vault/src/api.logic']) {
    assert.ok(out.text.includes(c), `the CLI shows the admin ${c}`);
  }
}

/** Switching the user from the admin to rita in one session leaves nothing stale behind. */
async function switchSession(): Promise<void> {
  const root = copyFixture(FIXTURE);
  const s = await startRecordedServer({ folder: root, user: 'root' });
  const M = (rel: string) => rawModulesUri(path.basename(root), rel);
  const docs = ['Storefront/screens/checkout.logic', 'Vault/src/api.logic'].map((rel) => ({
    uri: M(rel),
    text: fs.readFileSync(path.join(root, rel), 'utf8'),
  }));
  const sweep = async () => {
    const calls: [string, unknown][] = [
      ['protectedModules/listModules', {}],
      ['protectedModules/moduleInterface', { module: 'Vault' }],
      ['protectedModules/readFile', { uri: M('Vault/src/api.logic') }],
      ['workspace/symbol', { query: '' }],
      ['workspace/symbol', { query: 'CANARY' }],
    ];
    for (const { uri, text } of docs) {
      calls.push(['textDocument/documentSymbol', { textDocument: { uri } }]);
      for (const p of identifierStarts(text)) {
        for (const m of ['textDocument/hover', 'textDocument/completion', 'textDocument/signatureHelp', 'textDocument/definition', 'textDocument/references']) {
          calls.push([m, { textDocument: { uri }, position: p, context: { includeDeclaration: true } }]);
        }
      }
    }
    const outcomes = await s.requestAll(calls);
    for (const [i, o] of outcomes.entries()) {
      if (calls[i][0] !== 'textDocument/completion' || !o.ok) continue;
      const items = Array.isArray(o.result) ? o.result : ((o.result as { items?: unknown[] } | null)?.items ?? []);
      await s.requestAll(items.map((item) => ['completionItem/resolve', item] as [string, unknown]));
    }
  };
  let mark = 0;
  try {
    for (const { uri, text } of docs) s.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'logic', version: 1, text } });
    await s.sync();
    await s.settle(300);
    await sweep();
    // The admin saw private text (the control of this test) …
    const before = analyse(s, ALL, []);
    assert.ok((before.seen.get('CANARY_RECONCILE_PARAM_8e1b') ?? 0) > 0, 'as the admin, the private action shows');
    // … now the setting names rita.
    s.settingUser = 'rita';
    s.notify('workspace/didChangeConfiguration', { settings: null });
    for (let i = 0; i < 50; i++) {
      const w = await s.request('protectedModules/whoami', {});
      if (w.ok && (w.result as { user: string }).user === 'rita') break;
      await s.settle(100);
    }
    await s.settle(500);
    mark = s.chunks.length;
    await sweep();
    await s.settle(300);
  } finally {
    await s.close();
  }
  // Strict: after the switch the client sends no canary, so no byte may carry one (not even an
  // echo of the admin-era buffer of the private file, which rita may not read).
  const after = analyse(s, ALL, USERS.rita.forbidden, { strict: true, fromChunk: mark });
  assert.deepEqual(after.leaks, [], describeLeaks('rita after the switch', after.leaks));
  const diags = s.diagnostics.get(docs[0].uri) ?? [];
  assert.ok(!diags.some((d) => d.code === 'hidden-element'), 'no hidden-element diagnostic survives the switch');
  assert.ok(
    diags.some((d) => d.code === 'unknown-element'),
    'rita gets unknown-element for the private action',
  );
}

/** The smaller session on the fixture of the other server tests. */
async function serverEnvSessions(): Promise<void> {
  for (const [user, forbidden] of Object.entries(SERVER_ENV_USERS)) {
    const root = copyFixture('test/fixtures/server-env');
    const s = await startRecordedServer({ folder: root, user });
    try {
      await serverEnvSession(s, root);
    } finally {
      await s.close();
    }
    // The client opens the protected files with their own text: even echoes of it count here.
    const a = analyse(s, forbidden, forbidden, { strict: true });
    assert.ok(a.messages > 500, `${user}: the session produced output`);
    assert.deepEqual(a.leaks, [], describeLeaks(`${user} (server-env)`, a.leaks));
  }
}

// Two sessions at a time (each is a client and a server process taking turns).
describe('canary sessions', { concurrency: 2 }, () => {
  for (const user of ['rita', 'lisa', 'nora', 'mallory', 'canary.owner.q7w'] as LeakUser[]) {
    test(`no leak to ${user} (${USERS[user].level})`, () => leakSession(user));
  }
  test('control: the admin sees every canary through the same script (the canaries are real and reachable)', controlSession);
  test('no leak after switching the user from the admin to rita (nothing stale survives)', switchSession);
  test('no leak on the server-env fixture (bob: reference, dan: list, mallory: unknown)', serverEnvSessions);
});
