/**
 * Issue 9, acceptance 2 (SPEC 4.1): every entry point agrees with the gate. A property test
 * (fast-check, fixed seed): random users (admin, owner, contractor at `reference`, `list`, `none`,
 * unknown, no user) × random paths built from the environment's real folders and files, nested
 * modules, symbolic links (to readable files, into protected and hidden modules, dangling, loops,
 * leaving the environment), `.` and `..`, empty segments (double slashes), percent-encodings,
 * through `modules:` and `file:` URIs.
 *
 * In process, as server/server.ts builds them: a `Workspace` over a `Session` with a fixed user and
 * a `ModuleFileSystem`. For each URI, the path as `Disk.walk` walked it (`Workspace.locate`) and
 * the gate's verdict on it (`AccessGate.decidePath`) decide what `stat`, `readDirectory`,
 * `readFile` and `access` must answer: the same error object as a path that does not exist
 * (hidden is missing), `PermissionDenied` naming the deciding module, the virtual interface file,
 * or the file's real content — and content only when `gate.canRead` holds for the real file.
 * The Program's view (`canRead`, `sourceFile`, `diagnostics`, `interfaceOf`) agrees with the gate
 * on every file of the environment and on every walked path.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { Session } from '../../server/session';
import { Workspace, type EnvironmentState } from '../../server/workspace';
import { ModuleFileSystem } from '../../server/filesystem';
import { Disk } from '../../server/disk';
import { atLeast } from '../../shared/access/levels';
import { INTERFACE_FILE, isHiddenSegment, type AccessGate } from '../../shared/access/gate';
import { GATE_USERS, gateSegments, makeGateEnv } from './gate-env';

const SEED = Number(process.env.GATE_SEED ?? 20261203);
const RUNS = Number(process.env.GATE_RUNS ?? 600);

type Outcome = { ok: true; result: unknown } | { ok: false; code: number; message: string; data?: unknown };

/** Runs a request handler the way the server would answer it: result or error object. */
function outcome(f: () => unknown): Outcome {
  try {
    return { ok: true, result: f() };
  } catch (e) {
    const err = e as { code?: number; message?: string; data?: unknown };
    assert.equal(typeof err.code, 'number', `a handler threw a non-protocol error: ${String(e)}`);
    return { ok: false, code: err.code!, message: String(err.message), ...(err.data !== undefined ? { data: err.data } : {}) };
  }
}

interface Setup {
  user: string | null;
  workspace: Workspace;
  state: EnvironmentState;
  files: ModuleFileSystem;
  gate: AccessGate;
  /** The four answers for a path that certainly does not exist. */
  missing: Record<string, Outcome>;
}

const METHODS = ['stat', 'readDirectory', 'readFile', 'access'] as const;
type Method = (typeof METHODS)[number];

function ask(files: ModuleFileSystem, uri: string): Record<Method, Outcome> {
  return {
    stat: outcome(() => files.stat(uri)),
    readDirectory: outcome(() => files.readDirectory(uri)),
    readFile: outcome(() => files.readFile(uri)),
    access: outcome(() => files.access(uri)),
  };
}

let root: string;
let folder: string;
const setups = new Map<string | null, Setup>();

before(() => {
  root = makeGateEnv();
  folder = path.basename(root);
  for (const user of GATE_USERS) {
    const workspace = new Workspace(new Session(user, {}), new Disk());
    const state = workspace.addFolder(root);
    assert.ok(state, 'the environment loads');
    const files = new ModuleFileSystem(workspace);
    const missing = ask(files, `modules://${folder}/NoSuchFolder_0/nosuch.logic`);
    // (An admin may create any path outside modules: `access` tells them so.)
    for (const m of METHODS) {
      if (m === 'access' && user === 'root') continue;
      assert.deepEqual(missing[m], { ok: false, code: -32003, message: 'File not found.' }, `${user}: ${m} of a missing path`);
    }
    setups.set(user, { user, workspace, state, files, gate: workspace.gate(state), missing });
  }
});

after(() => fs.rmSync(path.dirname(root), { recursive: true, force: true }));

/** Every file and folder of the environment (real paths, links not followed), dot-folders included. */
function everything(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    out.push(p);
    if (e.isDirectory()) everything(p, out);
  }
  return out;
}

/** A URI-path segment, percent-encoded in one of several ways. */
function encode(segment: string, how: number): string {
  switch (how) {
    case 1: // every character
      return [...segment].map((c) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0')).join('');
    case 2: // dots only (`%2e%2e`)
      return segment.replace(/\./g, '%2e');
    case 3: // upper-case hex of the first character
      return segment ? '%' + segment.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0') + segment.slice(1) : segment;
    default:
      return segment;
  }
}

const SEGMENTS = [...gateSegments(), '..', '..', '.', '', 'nosuch', 'nosuch.logic', INTERFACE_FILE, 'Secret', 'Inner', 'Hidden', 'ln-loop1', 'ref'];

/** A path: a real path of the environment (or of a link in it), with random segments inserted. */
function arbPathFor(rels: string[]) {
  return fc
    .tuple(
      fc.constantFrom(...rels),
      fc.array(fc.tuple(fc.nat(8), fc.constantFrom(...SEGMENTS)), { maxLength: 3 }),
      fc.array(fc.nat(5), { minLength: 8, maxLength: 8 }),
    )
    .map(([base, inserts, hows]) => {
      const segs = base === '' ? [] : base.split('/');
      for (const [at, seg] of inserts) segs.splice(at % (segs.length + 1), 0, seg);
      return segs.map((seg, i) => [seg, hows[i % hows.length]] as [string, number]);
    });
}
const arbCase = (rels: string[]) =>
  fc.record({
    user: fc.constantFrom(...GATE_USERS),
    segments: arbPathFor(rels),
    scheme: fc.constantFrom('modules', 'modules', 'file'),
    trailingSlash: fc.boolean(),
  });

/** Checks one URI for one user against the gate; returns the verdict kind (for coverage). */
function checkUri(s: Setup, uri: string): string {
  const { files, gate, workspace, state } = s;
  const who = `${s.user} ${uri}`;
  const got = ask(files, uri);
  const l = workspace.locate(uri);
  if (!l) {
    for (const m of METHODS)
      if (!(m === 'access' && s.user === 'root')) assert.deepEqual(got[m], s.missing[m], `${who}: ${m} of an unlocatable URI is answered as missing`);
    return 'unlocated';
  }
  assert.equal(l.kind, 'path');
  if (l.kind !== 'path') return 'interface';
  const w = l.walk;
  const v = w.verdict;
  // The walk's verdict is the gate's on the walked path (a resolved walk: no link left in it).
  if (w.kind === 'resolved') {
    assert.deepEqual(gate.decidePath(w.path), v, `${who}: the walk's verdict is the gate's`);
    assert.ok(isInsideRoot(w.path), `${who}: a resolved walk stays in the environment`);
  }
  const view = workspace.view(state);
  const exists = w.kind === 'resolved' && w.exists;
  const real = exists ? fs.lstatSync(w.path) : undefined;
  if (real) assert.ok(!real.isSymbolicLink(), `${who}: a resolved walk ends on no link`);

  // Content only from files the gate lets the user read, and exactly theirs.
  const rf = got.readFile;
  if (rf.ok && v.kind !== 'interfaceFile') {
    assert.ok(exists && real!.isFile(), `${who}: content of an existing file`);
    assert.ok(gate.canRead(w.path), `${who}: content returned although gate.canRead is false for ${w.path}`);
    assert.equal((rf.result as { text: string }).text, fs.readFileSync(w.path, 'utf8'), `${who}: the real file's content`);
  }
  // Listings never show what the gate hides.
  const rd = got.readDirectory;
  if (rd.ok && exists) {
    for (const [name] of (rd.result as { entries: [string, string][] }).entries) {
      if (v.kind === 'moduleFolder' && !atLeast(v.access.level, 'open')) continue;
      assert.ok(!isHiddenSegment(name), `${who}: lists ${name}`);
      assert.notEqual(gate.decidePath(path.join(w.path, name)).kind, 'missing', `${who}: lists the hidden ${name}`);
    }
  }
  // The Program's view agrees with the gate on the walked path.
  if (exists && real!.isFile() && w.path.endsWith('.logic')) {
    const inModule = gate.moduleOf(w.path) !== undefined;
    if (inModule || view.canRead(w.path)) {
      assert.equal(view.canRead(w.path), gate.canRead(w.path), `${who}: Program.canRead(${w.path}) agrees with the gate`);
      assert.equal(view.sourceFile(w.path) !== undefined, gate.canRead(w.path), `${who}: Program.sourceFile`);
      if (!gate.canRead(w.path)) assert.deepEqual(view.diagnostics(w.path), [], `${who}: no diagnostics of an unreadable file`);
    }
  }

  switch (v.kind) {
    case 'missing':
      // (An admin's `access` of a missing path outside modules says they may create it; hidden
      // paths are not theirs to create. The admin may know everything anyway.)
      for (const m of METHODS)
        if (!(m === 'access' && s.user === 'root')) assert.deepEqual(got[m], s.missing[m], `${who}: ${m} of a hidden path is answered as a missing one`);
      break;
    case 'denied': {
      const data = { module: v.module.name, access: v.access.level, required: v.required, owner: v.module.manifest?.owner ?? '' };
      for (const m of ['stat', 'readDirectory', 'readFile'] as const) {
        assert.deepEqual(
          got[m].ok ? got[m] : { code: got[m].code, data: got[m].data },
          { code: -32001, data },
          `${who}: ${m} is PermissionDenied naming ${v.module.name}`,
        );
      }
      assert.ok(got.access.ok, `${who}: access of a denied path`);
      const a = got.access.result as { module: string; canRead: boolean; canWrite: boolean; access: string };
      assert.deepEqual([a.module, a.access, a.canRead, a.canWrite], [v.module.name, v.access.level, false, false], `${who}: access of a denied path`);
      break;
    }
    case 'interfaceFile': {
      const iface = v.module.manifest && view.interfaceOf(v.module.manifest.name);
      assert.ok(rf.ok, `${who}: the interface file reads`);
      if (iface) assert.equal((rf.result as { text: string }).text, iface.text, `${who}: the interface file is the interface document`);
      assert.ok(got.stat.ok && (got.stat.result as { type: string }).type === 'file', `${who}: the interface file is a file`);
      assert.ok(!got.readDirectory.ok, `${who}: the interface file is no folder`);
      break;
    }
    case 'moduleFolder': {
      assert.ok(got.access.ok && (got.access.result as { module: string }).module === v.module.name, `${who}: access names ${v.module.name}`);
      assert.ok(!rf.ok, `${who}: a module folder has no content`);
      if (!atLeast(v.access.level, 'open')) {
        const entries = atLeast(v.access.level, 'reference') ? [[INTERFACE_FILE, 'file']] : [];
        assert.deepEqual(got.readDirectory, { ok: true, result: { entries } }, `${who}: the folder of a module below open`);
        assert.ok(got.stat.ok && (got.stat.result as { type: string }).type === 'directory', `${who}: stat of a module folder below open`);
      } else if (exists) {
        assert.ok(got.readDirectory.ok, `${who}: the module folder lists`);
        const names = (got.readDirectory.result as { entries: [string, string][] }).entries.map(([n]) => n);
        for (const n of names) assert.ok(fs.readdirSync(w.path).includes(n), `${who}: ${n} is really there`);
      }
      break;
    }
    case 'modulePath':
    case 'environmentPath': {
      const readable = gate.canRead(w.path);
      if (!exists) {
        for (const m of ['stat', 'readDirectory', 'readFile'] as const) assert.deepEqual(got[m], s.missing[m], `${who}: ${m} of a missing path`);
        if (v.kind === 'environmentPath' && !atLeast(v.access, 'full')) assert.deepEqual(got.access, s.missing.access, `${who}: access of a missing path`);
        break;
      }
      assert.ok(got.stat.ok, `${who}: stat of an existing path`);
      const st = got.stat.result as { type: string; size: number };
      assert.equal(st.type, real!.isDirectory() ? 'directory' : 'file', `${who}: stat type`);
      if (real!.isFile() && readable) assert.equal(st.size, real!.size, `${who}: stat size`);
      if (real!.isFile() && !readable) assert.equal(st.size, 0, `${who}: no size of a file the user may not read`);
      if (real!.isFile()) {
        if (readable) assert.ok(rf.ok, `${who}: a readable file reads`);
        else assert.ok(!rf.ok && rf.code === -32001, `${who}: an unreadable environment file is denied`);
      }
      if (real!.isFile() && readable) {
        assert.equal((got.stat.result as { readonly: boolean }).readonly, !gate.canWrite(w.path), `${who}: stat.readonly is !gate.canWrite`);
      }
      if (real!.isDirectory()) assert.ok(got.readDirectory.ok, `${who}: an existing folder lists`);
      assert.ok(got.access.ok, `${who}: access of an existing path`);
      assert.equal((got.access.result as { canRead: boolean }).canRead, readable, `${who}: access.canRead is gate.canRead`);
      if (v.kind === 'modulePath') assert.equal((got.access.result as { module: string }).module, v.module.name);
      break;
    }
  }
  return v.kind;
}

function isInsideRoot(p: string): boolean {
  return p === root || p.startsWith(root + path.sep);
}

describe('the gate and every entry point agree (SPEC 4.1, issue 9 acceptance 2)', () => {
  test('every real path of the environment, for every user', () => {
    for (const s of setups.values()) {
      for (const abs of [root, ...everything(root)]) {
        const rel = path.relative(root, abs).split(path.sep).join('/');
        checkUri(s, `modules://${folder}/${rel}`);
        checkUri(s, `file://${abs}`);
      }
    }
  });

  test('the Program agrees with the gate on every file and module', () => {
    for (const s of setups.values()) {
      const view = s.workspace.view(s.state);
      for (const abs of everything(root).filter((p) => p.endsWith('.logic') && fs.lstatSync(p).isFile())) {
        // (Files in dot-folders and node_modules, inside modules too, are no part of the environment.)
        if (!s.gate.moduleOf(abs)) continue;
        assert.equal(view.canRead(abs), s.gate.canRead(abs), `${s.user}: canRead(${abs})`);
        assert.equal(view.sourceFile(abs) !== undefined, s.gate.canRead(abs), `${s.user}: sourceFile(${abs})`);
        if (!s.gate.canRead(abs)) assert.deepEqual(view.diagnostics(abs), [], `${s.user}: diagnostics(${abs})`);
      }
      for (const name of ['Pub', 'Secret', 'Inner', 'Hidden', 'Hidden2', 'Mine', 'NoSuchModule']) {
        const level = s.gate.access(name).level;
        const iface = view.interfaceOf(name);
        assert.equal(iface !== undefined, atLeast(level, 'reference'), `${s.user}: interfaceOf(${name}) at ${level}`);
        if (iface) assert.equal(iface.access, level);
        const hit = s.workspace.moduleByName(name, s.state);
        assert.equal(hit?.access.level, level === 'none' ? undefined : level, `${s.user}: moduleByName(${name})`);
      }
      // The nested module is reached only by name below open on its outer module.
      if (!atLeast(s.gate.access('Secret').level, 'open')) assert.ok(!atLeast(s.gate.access('Inner').level, 'open'), `${s.user}: Inner is capped`);
    }
  });

  test('random paths (links, nested modules, dot-segments, .., encodings, double slashes), fixed seed', () => {
    const kinds = new Map<string, number>();
    const virtual = ['Ref/INTERFACE.logic', 'Ref/inner/INTERFACE.logic', 'Hid/INTERFACE.logic', 'Mine/INTERFACE.logic', 'Pub/ln-secret-folder/INTERFACE.logic'];
    fc.assert(
      fc.property(
        arbCase(['', ...virtual, ...virtual, ...virtual, ...everything(root).map((p) => path.relative(root, p).split(path.sep).join('/'))]),
        ({ user, segments, scheme, trailingSlash }) => {
          const s = setups.get(user)!;
          const rel = segments.map(([seg, how]) => (scheme === 'modules' ? encode(seg, how) : seg)).join('/') + (trailingSlash ? '/' : '');
          const uri = scheme === 'modules' ? `modules://${folder}/${rel}` : `file://${root}/${rel}`;
          const kind = checkUri(s, uri);
          kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
    // The generator reaches every kind of verdict (the property is not vacuous).
    for (const k of ['missing', 'denied', 'moduleFolder', 'modulePath', 'environmentPath', 'interfaceFile']) {
      assert.ok((kinds.get(k) ?? 0) > 0, `no random path gave a ${k} verdict: ${JSON.stringify([...kinds])}`);
    }
  });

  test('hidden is missing: the same answer for hidden paths as for missing paths of the same shape', () => {
    for (const user of ['carol', 'lisa', 'nora', 'mallory', null]) {
      const s = setups.get(user)!;
      const pairs: [string, string][] = [
        ['Hid', 'NoSuch'],
        ['Hid/h.logic', 'NoSuch/h.logic'],
        ['Hid/deep/x.logic', 'NoSuch/deep/x.logic'],
        ['Hid/INTERFACE.logic', 'NoSuch/INTERFACE.logic'],
        ['nest', 'nosuchnest'],
        ['nest/Hid2', 'nosuchnest/Hid2'],
        ['nest/Hid2/y.logic', 'nosuchnest/Hid2/y.logic'],
        ['.git/config', 'nosuchgit/config'],
        ['node_modules/x', 'nosuch_modules/x'],
        ['Pub/../Hid/h.logic', 'Pub/../NoSuch/h.logic'],
        ['Pub/%2e%2e/Hid/h.logic', 'Pub/%2e%2e/NoSuch/h.logic'],
        ['%48id/h.logic', '%4EoSuch/h.logic'],
        ['Hid//deep/./x.logic', 'NoSuch//deep/./x.logic'],
      ];
      // Links in Pub, a module every known user may open (unknown users are at list on it).
      if (user === 'carol' || user === 'lisa' || user === 'nora') {
        for (const l of ['ln-hidden', 'ln-out', 'ln-out-abs', 'ln-dot', 'ln-loop1', 'ln-self']) pairs.push([`Pub/${l}`, 'Pub/ln-nowhere']);
        pairs.push(['Pub/ln-hidden-dir', 'Pub/ln-nowhere-dir'], ['Pub/ln-hidden-dir/h.logic', 'Pub/ln-nowhere-dir/h.logic']);
      }
      if (user !== 'carol' && user !== 'lisa') {
        pairs.push(['Ref', 'NoSuch'], ['Ref/s.logic', 'NoSuch/s.logic'], ['Ref/inner', 'NoSuch/inner'], ['Ref/inner/i.logic', 'NoSuch/inner/i.logic']);
      }
      if (user === 'nora') pairs.push(['Pub/ln-secret', 'Pub/ln-nowhere'], ['Pub/ln-secret-folder/s.logic', 'Pub/ln-nowhere-dir/s.logic']);
      for (const [hidden, missing] of pairs) {
        const got = ask(s.files, `modules://${folder}/${hidden}`);
        const want = ask(s.files, `modules://${folder}/${missing}`);
        for (const m of METHODS) assert.deepEqual(got[m], want[m], `${user}: ${m} of ${hidden} (hidden) and of ${missing} (missing)`);
        for (const m of METHODS) assert.ok(!got[m].ok && got[m].code === -32003, `${user}: ${m} of ${hidden} is FileNotFound`);
      }
    }
  });
});
