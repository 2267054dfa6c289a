// Sealed modules, upgrade (SPEC 9 `install --upgrade`, SPEC 10; issue 11 acceptance 5): installing
// OrderAPI 1.5.0 over 1.4.0 prints the interface diff, and a breaking change is refused unless
// `--accept-breaking` is given — on copies of the examples in a temp folder.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, sealAndInstall, snapshot, type Sealed } from './setup';

let s: Sealed;
before(() => {
  s = sealAndInstall();
});
after(() => fs.rmSync(s.dir, { recursive: true, force: true }));

/** Edits OrderAPI in the publisher's copy, bumps its version, seals it, returns the bundle. */
function publish(version: string, edit: (orderApi: string) => void): string {
  const api = path.join(s.acme, 'modules', 'order-api');
  edit(api);
  const manifest = path.join(api, 'module.json');
  fs.writeFileSync(manifest, fs.readFileSync(manifest, 'utf8').replace(/"version": "[^"]+"/, `"version": "${version}"`));
  const pmod = path.join(s.dir, `OrderAPI-${version}.pmod`);
  const r = cli(['seal', s.acme, 'OrderAPI', '--key', s.key, '--publisher', 'acme', '--for', 'globex-retail', '--out', pmod]);
  assert.equal(r.code, 0, r.stderr);
  return pmod;
}

/** The installed version of OrderAPI in the client environment. */
function installedVersion(): string {
  return /"version":\s*"([^"]+)"/.exec(fs.readFileSync(path.join(s.installed, 'module.json'), 'utf8'))?.[1] ?? '';
}

describe('install --upgrade: the interface diff decides (SPEC 10)', () => {
  test('a compatible 1.5.0 (an element added) installs over 1.4.0 and prints the diff', () => {
    const pmod = publish('1.5.0', (api) => {
      fs.writeFileSync(path.join(api, 'actions', 'Ping.logic'), '/// Answers pong.\npublic server action Ping() returns (pong: Text) {\n  pong = "pong"\n}\n');
    });
    const r = cli(['install', s.client, pmod, '--upgrade']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /upgrading OrderAPI 1\.4\.0 → 1\.5\.0/);
    assert.match(r.stdout, /^compatible: Ping: server action added$/m);
    assert.match(r.stdout, /^required: minor \(1\.4\.0 → 1\.5\.0\)$/m);
    assert.equal(installedVersion(), '1.5.0');
  });

  test('a breaking 1.6.0 (an element removed, a required input added) is refused with the diff, then installed with --accept-breaking', () => {
    const pmod = publish('1.6.0', (api) => {
      for (const f of fs.readdirSync(path.join(api, 'actions'))) {
        const p = path.join(api, 'actions', f);
        const text = fs.readFileSync(p, 'utf8');
        fs.writeFileSync(
          p,
          text
            .replace('public server action CancelOrder(', 'server action CancelOrder(')
            .replace(/public server action CreateOrder\(/, 'public server action CreateOrder(channel: Text, '),
        );
      }
    });
    const before = snapshot(s.client);
    const refused = cli(['install', s.client, pmod, '--upgrade']);
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(refused.stdout, /^breaking: CancelOrder: server action removed$/m);
    assert.match(refused.stdout, /^breaking: CreateOrder: required input 'channel: Text' added/m);
    assert.match(refused.stdout, /^required: major \(1\.5\.0 → 1\.6\.0\)$/m);
    const breaking = refused.stdout.split('\n').filter((l) => l.startsWith('breaking: ')).length;
    assert.ok(breaking >= 2, refused.stdout);
    assert.match(refused.stderr, new RegExp(`refused: upgrade: ${breaking} breaking changes: give --accept-breaking`));
    assert.deepEqual(snapshot(s.client), before, 'nothing written');
    assert.equal(installedVersion(), '1.5.0');
    const accepted = cli(['install', s.client, pmod, '--upgrade', '--accept-breaking']);
    assert.equal(accepted.code, 0, accepted.stderr);
    assert.match(accepted.stdout, /^breaking: CancelOrder: server action removed$/m);
    assert.equal(installedVersion(), '1.6.0');
  });

  test('over a tampered installed copy, --upgrade repairs it and says its interface is unknown (no "added" lines)', () => {
    const iface = path.join(s.installed, 'INTERFACE.logic');
    fs.appendFileSync(iface, '\n/// tampered\n');
    const pmod = publish('1.6.1', () => {});
    const r = cli(['install', s.client, pmod, '--upgrade']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /the installed copy does not verify \(.+\): its interface is unknown, so no interface diff is shown/);
    assert.doesNotMatch(r.stdout, /^compatible: .*added$/m);
    assert.equal(installedVersion(), '1.6.1');
    // The repaired copy verifies again: the next upgrade compares real interfaces.
    const next = cli(['install', s.client, publish('1.6.2', () => {}), '--upgrade']);
    assert.equal(next.code, 0, next.stderr);
    assert.match(next.stdout, /^required: (none|patch) \(1\.6\.1 → 1\.6\.2\)$/m);
  });
});
