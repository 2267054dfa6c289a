/**
 * A small environment on disk for the gate tests (issue 9, acceptance 2 and 4), built in a temp
 * folder so that it can hold symbolic links (into protected modules, dangling, loops, leaving the
 * environment), nested modules, an `environment.json` inside a module, dot-folders and
 * `node_modules`. Every user kind of SPEC 2.3 has a line in the policy.
 *
 * Layout (module name in brackets, protected modules marked *):
 * ```
 * environment.json  docs/README.md  .git/config  node_modules/x/index.js
 * Pub/ [Pub]            a.logic  sub/b.logic  environment.json  .cache/z.logic  node_modules/n.logic  links (below)
 * Ref/ [Secret]*        s.logic  deep/d.logic  deep/more/e.logic  module.json
 *   inner/ [Inner]*     i.logic            (nested in Secret; granted open to every known user)
 * Hid/ [Hidden]*        h.logic  deep/x.logic (nobody but admin and owner)
 * nest/Hid2/ [Hidden2]* y.logic            (`nest` holds only a hidden module)
 * Mine/ [Mine]*         m.logic            (the contractor's own module: change)
 * ```
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The users of the tests: admin, owner, contractor (reference on Secret), list, none, unknown, no user. */
export const GATE_USERS: (string | null)[] = ['root', 'olga', 'carol', 'lisa', 'nora', 'mallory', null];

const POLICY = {
  name: 'Gate Test',
  admins: ['root'],
  users: {
    root: { groups: ['core'] },
    olga: { groups: ['core'] },
    carol: { groups: ['contractors'] },
    lisa: { groups: ['partners'] },
    nora: { groups: ['outsiders'] },
  },
  defaultAccess: 'change',
  grants: [
    { module: 'Secret', to: 'group:contractors', access: 'reference' },
    { module: 'Secret', to: 'group:partners', access: 'list' },
    { module: 'Inner', to: '*', access: 'open' },
    { module: 'Mine', to: 'user:carol', access: 'change' },
    { module: 'Mine', to: 'group:partners', access: 'open' },
  ],
};

function manifest(name: string, prot: boolean): string {
  return JSON.stringify({ name, version: '1.0.0', kind: 'library', owner: 'olga', protected: prot }, null, 2) + '\n';
}

/** Every link of the environment (relative to the root) and its target as written. */
export const LINKS: [string, string][] = [
  ['Pub/ln-readable', 'a.logic'],
  ['Pub/ln-dir', 'sub'],
  ['Pub/ln-secret', '../Ref/s.logic'],
  ['Pub/ln-secret-dir', '../Ref/deep'],
  ['Pub/ln-secret-folder', '../Ref'],
  ['Pub/ln-inner', '../Ref/inner/i.logic'],
  ['Pub/ln-hidden', '../Hid/h.logic'],
  ['Pub/ln-hidden-dir', '../Hid'],
  ['Pub/ln-dangling', 'nosuch.logic'],
  ['Pub/ln-nowhere', '../NoSuchModule/h.logic'],
  ['Pub/ln-nowhere-dir', '../NoSuchModule'],
  ['Pub/ln-dangling-secret', '../Ref/nosuch.logic'],
  ['Pub/ln-loop1', 'ln-loop2'],
  ['Pub/ln-loop2', 'ln-loop1'],
  ['Pub/ln-self', 'ln-self'],
  ['Pub/ln-out', '../../outside/secret.logic'],
  ['Pub/ln-out-abs', '/etc/hostname'],
  ['Pub/ln-policy', '../environment.json'],
  ['Pub/ln-dot', '../.git/config'],
  ['Mine/ln-secret', '/ABS/Ref/deep/d.logic'],
  ['Mine/ln-mine', 'm.logic'],
];

/** Files of the environment (relative path → text). */
const FILES: Record<string, string> = {
  'environment.json': JSON.stringify(POLICY, null, 2) + '\n',
  'docs/README.md': '# Gate test\n',
  '.git/config': '[core]\n',
  'node_modules/x/index.js': 'module.exports = 1;\n',
  'Pub/module.json': manifest('Pub', false),
  'Pub/a.logic': 'public server action A() returns (x: Integer) {\n  x = 1\n}\n',
  'Pub/sub/b.logic': 'server action B() returns (x: Integer) {\n  x = 2\n}\n',
  'Pub/environment.json': JSON.stringify({ ...POLICY, admins: ['carol', 'lisa', 'nora', 'mallory'] }) + '\n',
  'Ref/module.json': manifest('Secret', true),
  'Ref/s.logic': '/// Public.\npublic server action S() returns (x: Integer) {\n  x = 3\n}\nserver action Private() returns (x: Integer) {\n  x = 4\n}\n',
  'Ref/deep/d.logic': 'structure D {\n  f: Integer\n}\n',
  'Ref/deep/more/e.logic': 'structure E {\n  g: Integer\n}\n',
  'Ref/inner/module.json': manifest('Inner', true),
  'Ref/inner/i.logic': 'public server action I() returns (x: Integer) {\n  x = 5\n}\n',
  'Hid/module.json': manifest('Hidden', true),
  'Hid/h.logic': 'public structure H {\n  f: Integer\n}\n',
  'Hid/deep/x.logic': 'structure X {\n  f: Integer\n}\n',
  'nest/Hid2/module.json': manifest('Hidden2', true),
  'nest/Hid2/y.logic': 'structure Y {\n  f: Integer\n}\n',
  'Mine/module.json': manifest('Mine', true),
  'Pub/.cache/z.logic': 'public server action Z() returns (x: Integer) {\n  x = 7\n}\n',
  'Pub/node_modules/n.logic': 'public server action N() returns (x: Integer) {\n  x = 8\n}\n',
  'Mine/m.logic': 'public server action M() returns (x: Integer) {\n  x = 6\n}\n',
};

/** Creates the environment in a new temp folder; returns its real root (a file `outside/secret.logic` lies next to it). */
export function makeGateEnv(): string {
  const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'gate-env-')));
  const root = path.join(base, 'gate-env');
  for (const [rel, text] of Object.entries(FILES)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  fs.mkdirSync(path.join(base, 'outside'));
  fs.writeFileSync(path.join(base, 'outside', 'secret.logic'), 'structure Outside {\n  f: Integer\n}\n');
  for (const [rel, target] of LINKS) fs.symlinkSync(target.replace('/ABS', root), path.join(root, rel));
  return root;
}

/** Every folder and file name of the environment (path segments), link names included. */
export function gateSegments(): string[] {
  const names = new Set<string>();
  for (const rel of [...Object.keys(FILES), ...LINKS.map(([l]) => l)]) for (const s of rel.split('/')) names.add(s);
  return [...names].sort();
}
