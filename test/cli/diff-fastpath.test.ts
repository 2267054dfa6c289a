// The fast path of `diff` and `interface` (issue 12 acceptance 4): `moduleProgram` builds the
// Program on `EnvironmentScan.environmentFor` (only the manifests and sources that concern the
// module) instead of on the full load. For the module asked — access, interface, facts, the
// answer when it is not available, consumers and call sites, the diff itself — every user must get
// exactly the full load's answer: also for a module hidden from the user, an invalid policy, a
// dependent named only through a JSON escape, duplicate and nested module names, an invalid
// manifest, a module nested in another's folder.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EnvironmentScan } from '../../shared/environment/load';
import { consumersOf } from '../../shared/interface/consumers';
import { diffModule, diskProgram, interfaceNotAvailable, moduleProgram, readAgainst } from '../../server/cli/diff';
import type { Program } from '../../shared/program/program';

const ACME = resolve(__dirname, '..', '..', 'examples', 'acme');
const USERS = ['alice', 'bob', 'carol', 'dave', 'zed'];

const temps: string[] = [];
after(() => temps.forEach((t) => rmSync(t, { recursive: true, force: true })));

function acme(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'pm-fastpath-')));
  temps.push(dir);
  const root = join(dir, 'acme');
  cpSync(ACME, root, { recursive: true });
  return root;
}

function write(root: string, rel: string, text: string): void {
  mkdirSync(join(root, rel, '..'), { recursive: true });
  writeFileSync(join(root, rel), text);
}

function edit(root: string, rel: string, f: (s: string) => string): void {
  writeFileSync(join(root, rel), f(readFileSync(join(root, rel), 'utf8')));
}

const CALLS_ORDER_API = 'server action UsesOrders() {\n  var r = OrderAPI.GetOrder("1")\n  OrderAPI.CancelOrder("1", "no")\n}\n';

/** acme plus the awkward cases of the closure over names. */
function awkward(root: string): void {
  // A dependent named only through an escape ("\u004F" = "O"), calling OrderAPI.
  write(
    root,
    'modules/audit/module.json',
    '{ "name": "Audit", "version": "1.0.0", "kind": "service", "owner": "dave", "dependencies": { "\\u004FrderAPI": "^1.0.0" } }\n',
  );
  write(root, 'modules/audit/Audit.logic', CALLS_ORDER_API);
  // A module nested in OrderAPI's folder that depends on it (reached by name only below open).
  write(
    root,
    'modules/order-api/internal/module.json',
    '{ "name": "Internal", "version": "1.0.0", "kind": "service", "owner": "alice", "dependencies": { "OrderAPI": "^1.0.0" } }\n',
  );
  write(root, 'modules/order-api/internal/Internal.logic', CALLS_ORDER_API);
  // A nested module named like an outer one: it loses the name (SPEC 4.1).
  write(root, 'modules/order-portal/extra/module.json', '{ "name": "Common", "version": "9.0.0", "kind": "library", "owner": "bob" }\n');
  // Two outer modules with the same name: neither can be used.
  write(
    root,
    'modules/twin-a/module.json',
    '{ "name": "Twin", "version": "1.0.0", "kind": "service", "owner": "alice", "dependencies": { "OrderAPI": "^1.0.0" } }\n',
  );
  write(root, 'modules/twin-a/A.logic', CALLS_ORDER_API);
  write(root, 'modules/twin-b/module.json', '{ "name": "Twin", "version": "1.0.0", "kind": "service", "owner": "alice" }\n');
  // An invalid manifest that lists OrderAPI: not a dependent.
  write(
    root,
    'modules/broken/module.json',
    '{ "name": "Broken", "version": "one", "kind": "service", "owner": "alice", "dependencies": { "OrderAPI": "^1.0.0" } }\n',
  );
  write(root, 'modules/broken/B.logic', CALLS_ORDER_API);
  // A valid dependent that is protected with no grant: hidden from bob and carol.
  write(
    root,
    'modules/secret/module.json',
    '// A secret dependent.\n{ "name": "Secret", "version": "1.0.0", "kind": "ui", "owner": "alice", "protected": true, "dependencies": { "OrderAPI": "^1.0.0", }, }\n',
  );
  write(root, 'modules/secret/S.logic', CALLS_ORDER_API);
}

/** Everything `diff` and `interface` tell `user` about `module`, from `program`. */
function answers(program: Program, user: string, module: string, against: string | undefined): unknown {
  const view = program.forUser(user);
  const out: Record<string, unknown> = {
    access: view.access(module),
    facts: view.moduleFacts(module),
    interface: view.interfaceOf(module),
    consumers: consumersOf(view, module),
  };
  if (!out.interface) {
    const e = interfaceNotAvailable(view, module);
    out.notAvailable = [e.exitCode, e.message];
  }
  if (against) {
    try {
      const report = diffModule(view, module, readAgainst(against, module));
      // Locations are absolute paths: the same files on both sides.
      out.diff = report;
    } catch (e) {
      out.diffError = [(e as { exitCode?: number }).exitCode, (e as Error).message];
    }
  }
  return out;
}

/** An against FILE for `module`: its interface as alice sees it, with one action more (so "removed"). */
function againstFile(program: Program, module: string, dir: string): string | undefined {
  const iface = program.forUser('alice').interfaceOf(module);
  const file = join(dir, `${module}.api.logic`);
  const header = `// Interface of ${module} 0.1.0 — owner alice. Bodies are not shown.\n`;
  writeFileSync(
    file,
    (iface ? iface.text.replace(/^\/\/ Interface of .*\n/, header) : header) + '\npublic server action CancelOrder(orderId: Text, reason: Text);\n',
  );
  return file;
}

function compareAll(root: string, extraNames: string[] = []): void {
  const full = diskProgram(EnvironmentScan.open(root).full());
  const names = [...new Set([...full.environment.modules.map((m) => m.manifest?.name ?? m.name), ...extraNames, 'Nothing'])].sort();
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'pm-fastpath-against-')));
  temps.push(dir);
  for (const module of names) {
    const against = againstFile(full, module, dir);
    const fast = moduleProgram(EnvironmentScan.open(root), module);
    for (const user of USERS) {
      assert.deepEqual(answers(fast, user, module, against), answers(full, user, module, against), `${module} for ${user}`);
    }
  }
}

describe('diff/interface fast path = full load (issue 12)', () => {
  it('examples/acme: every module, every user (bob: Pricing hidden, Reporting list-only)', () => {
    compareAll(acme());
  });

  it('escaped, nested, duplicate and invalid manifests; a dependent hidden from the user', () => {
    const root = acme();
    awkward(root);
    compareAll(root, ['Twin', 'Broken', 'Internal']);
  });

  it('an invalid policy: everyone fails closed alike', () => {
    const root = acme();
    awkward(root);
    edit(root, 'environment.json', (s) => s.replace('"defaultAccess": "open"', '"defaultAccess": "sometimes"'));
    compareAll(root);
  });

  it('the fast path leaves out what does not concern the module', () => {
    const root = acme();
    awkward(root);
    const scan = EnvironmentScan.open(root);
    const names = (list: string[]) =>
      scan
        .environmentFor(list)
        .modules.map((m) => m.name)
        .sort();
    // Nobody depends on Reporting, and no other manifest names it (a manifest with an escape in
    // it, Audit's, is always taken: it might).
    assert.deepEqual(names(['Reporting']), ['Audit', 'Reporting']);
    // OrderAPI: its dependents (Audit only through an escape), Internal nested in it, the twins,
    // the invalid manifest that names it — not Pricing or Common, which it only depends on.
    assert.deepEqual(names(['OrderAPI']), ['Audit', 'Broken', 'Internal', 'OrderAPI', 'OrderPortal', 'Reporting', 'Secret', 'Twin', 'Twin']);
    assert.ok(!names(['OrderAPI']).includes('Pricing'));
    // The full load has them all.
    assert.equal(scan.full().modules.length, 12);
  });
});
