/**
 * Issue 9, acceptance 4 (SPEC 4.1 "Hidden is missing, everywhere … timed"): a hidden path and a
 * missing path of the same shape cost the same disk work, and so do a denied existing file and a
 * denied missing one of the same module. Work is counted, not timed (CONTRIBUTING: no timing
 * assertions): an in-process `Workspace` gets an injected `Disk`, whose `ops` counter counts every
 * disk operation (look-ups, link reads, opens, reads, listings) the file-system requests make.
 *
 * Each pair is measured cold (a fresh Workspace and Disk, so no cache of either path exists) and
 * warm (the same request again), for `stat`, `readDirectory`, `readFile` and `access`, and the
 * answers are compared too (equal, up to the names in them).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Session } from '../../server/session';
import { Workspace } from '../../server/workspace';
import { ModuleFileSystem } from '../../server/filesystem';
import { Disk } from '../../server/disk';
import { makeGateEnv } from './gate-env';

const METHODS = ['stat', 'readDirectory', 'readFile', 'access'] as const;
type Method = (typeof METHODS)[number];

let root: string;
let folder: string;

before(() => {
  root = makeGateEnv();
  folder = path.basename(root);
});
after(() => fs.rmSync(path.dirname(root), { recursive: true, force: true }));

/** A fresh server-side stack for `user` with a counting disk. */
function stack(user: string | null): { disk: Disk; files: ModuleFileSystem } {
  const disk = new Disk();
  const workspace = new Workspace(new Session(user, {}), disk);
  assert.ok(workspace.addFolder(root));
  return { disk, files: new ModuleFileSystem(workspace) };
}

/** Runs one request; returns its disk work and its answer (result or error object). */
function measure(s: { disk: Disk; files: ModuleFileSystem }, method: Method, uri: string): { ops: number; answer: string } {
  const before = s.disk.ops;
  let answer: unknown;
  try {
    answer = { ok: s.files[method](uri) };
  } catch (e) {
    const err = e as { code?: number; message?: string; data?: unknown };
    answer = { code: err.code, message: err.message, data: err.data };
  }
  return { ops: s.disk.ops - before, answer: JSON.stringify(answer) };
}

/**
 * Asserts equal work (cold and warm) and equal answers (names replaced) for every pair and
 * method; returns the work of the last pair's missing path (to show that work is counted).
 */
function assertSameWork(user: string | null, pairs: [string, string][], names: [string, string][] = []): number {
  let seen = 0;
  for (const [a, b] of pairs) {
    for (const method of METHODS) {
      const uriA = a.includes('://') ? a : `modules://${folder}/${a}`;
      const uriB = b.includes('://') ? b : `modules://${folder}/${b}`;
      const sa = stack(user);
      const sb = stack(user);
      const coldA = measure(sa, method, uriA);
      const coldB = measure(sb, method, uriB);
      const warmA = measure(sa, method, uriA);
      const warmB = measure(sb, method, uriB);
      const who = `${user}: ${method} of ${a} and of ${b}`;
      assert.equal(coldA.ops, coldB.ops, `${who}: the same disk work (cold)`);
      assert.equal(warmA.ops, warmB.ops, `${who}: the same disk work (warm)`);
      let answerA = coldA.answer;
      let answerB = coldB.answer;
      for (const [x, y] of names) {
        answerA = answerA.split(x).join('<name>');
        answerB = answerB.split(y).join('<name>');
      }
      assert.equal(answerA, answerB, `${who}: the same answer`);
      seen = Math.max(seen, coldB.ops);
    }
  }
  return seen;
}

describe('hidden vs missing does the same work (SPEC 4.1, issue 9 acceptance 4)', () => {
  const hiddenPairs: [string, string][] = [
    // a module at none vs a module that does not exist
    ['Hid', 'NoSuch'],
    ['Hid/', 'NoSuch/'],
    // a file in it, existing or not
    ['Hid/h.logic', 'NoSuch/h.logic'],
    ['Hid/nosuch.logic', 'NoSuch/nosuch.logic'],
    ['Hid/module.json', 'NoSuch/module.json'],
    ['Hid/INTERFACE.logic', 'NoSuch/INTERFACE.logic'],
    // deep paths, existing and not
    ['Hid/deep/x.logic', 'NoSuch/deep/x.logic'],
    ['Hid/deep', 'NoSuch/deep'],
    ['Hid/deep/a/b/c/d.logic', 'NoSuch/deep/a/b/c/d.logic'],
    // a folder that holds only hidden modules
    ['nest', 'nosuchnest'],
    ['nest/Hid2', 'nosuchnest/Hid2'],
    ['nest/Hid2/y.logic', 'nosuchnest/Hid2/y.logic'],
    // dot-folders and node_modules
    ['.git/config', 'nosuchgit/config'],
    ['node_modules/x/index.js', 'nosuch_modules/x/index.js'],
    // reached by `..` and encodings
    ['Pub/../Hid/h.logic', 'Pub/../NoSuch/h.logic'],
    ['%48id/deep/x.logic', 'NoSuc%68/deep/x.logic'],
    // interface documents
    [`module-interface://FOLDER/Hidden.logic`, `module-interface://FOLDER/NoSuch.logic`],
  ];

  for (const user of ['carol', 'lisa', 'nora', 'mallory', null]) {
    test(`${user}: a module at none, its files, deep paths, listings — the same work as missing ones`, () => {
      const pairs = hiddenPairs.map(([a, b]) => [a.replace('FOLDER', folder), b.replace('FOLDER', folder)] as [string, string]);
      // Secret is at none for users without a grant (the nested Inner with it: by name only).
      if (user === 'nora' || user === 'mallory' || user === null) {
        pairs.push(
          ['Ref', 'NoSuch'],
          ['Ref/s.logic', 'NoSuch/s.logic'],
          ['Ref/deep/more/e.logic', 'NoSuch/deep/more/e.logic'],
          ['Ref/inner/i.logic', 'NoSuch/inner/i.logic'],
          ['Ref/inner', 'NoSuch/inner'],
        );
      }
      const ops = assertSameWork(user, pairs, [['Hidden', 'NoSuch']]);
      assert.ok(ops > 0, `${user}: disk work is counted (${ops})`);
    });
  }

  test('links in a module the user may open: into a hidden module (or one at none) — the same work as a link to a missing module', () => {
    for (const user of ['carol', 'lisa', 'nora']) {
      const pairs: [string, string][] = [
        ['Pub/ln-hidden', 'Pub/ln-nowhere'],
        ['Pub/ln-hidden-dir', 'Pub/ln-nowhere-dir'],
        ['Pub/ln-hidden-dir/h.logic', 'Pub/ln-nowhere-dir/h.logic'],
        ['Pub/ln-hidden-dir/deep/x.logic', 'Pub/ln-nowhere-dir/deep/x.logic'],
      ];
      if (user === 'nora') pairs.push(['Pub/ln-secret', 'Pub/ln-nowhere'], ['Pub/ln-secret-dir/d.logic', 'Pub/ln-nowhere-dir/d.logic']);
      assertSameWork(user, pairs);
    }
  });

  test("the Program's view (canRead, sourceFile, diagnostics) of hidden, denied and missing files: the same answers and the same disk work", () => {
    for (const user of ['carol', 'lisa', 'nora', 'mallory', null]) {
      const pairs: [string, string][] = [
        ['Hid/h.logic', 'NoSuch/h.logic'],
        ['Hid/deep/x.logic', 'NoSuch/deep/x.logic'],
        ['nest/Hid2/y.logic', 'nosuchnest/Hid2/y.logic'],
        ['Ref/s.logic', 'Ref/nosuch.logic'],
        ['Ref/inner/i.logic', 'Ref/nosuch/i.logic'],
      ];
      for (const [a, b] of pairs) {
        const work = (rel: string) => {
          const disk = new Disk();
          const workspace = new Workspace(new Session(user, {}), disk);
          const state = workspace.addFolder(root)!;
          const view = workspace.view(state);
          const abs = path.join(root, rel);
          const before = disk.ops;
          const out = JSON.stringify([view.canRead(abs), view.sourceFile(abs) !== undefined, view.diagnostics(abs)]);
          return { ops: disk.ops - before, out };
        };
        const [wa, wb] = [work(a), work(b)];
        assert.deepEqual(wa, wb, `${user}: the Program on ${a} and on ${b}`);
      }
    }
  });

  test('denied: an existing private file of a module at reference (or list) vs a missing one in the same module', () => {
    const pairs: [string, string][] = [
      ['Ref/s.logic', 'Ref/nosuch.logic'],
      ['Ref/module.json', 'Ref/nosuch.json'],
      ['Ref/deep', 'Ref/nosuchdir'],
      ['Ref/deep/d.logic', 'Ref/nosuchdir/d.logic'],
      ['Ref/deep/more/e.logic', 'Ref/nosuchdir/more/e.logic'],
      // the module nested in it, and its (virtual) interface file
      ['Ref/inner', 'Ref/nosuchinner'],
      ['Ref/inner/i.logic', 'Ref/nosuchinner/i.logic'],
      ['Ref/inner/INTERFACE.logic', 'Ref/nosuchinner/INTERFACE.logic'],
      ['Pub/../Ref/deep/d.logic', 'Pub/../Ref/nosuchdir/d.logic'],
    ];
    for (const user of ['carol', 'lisa']) {
      const ops = assertSameWork(user, pairs);
      assert.ok(ops > 0, `${user}: disk work is counted (${ops})`);
    }
    // Unknown users are at list on the unprotected Pub: its files are denied alike.
    assertSameWork('mallory', [
      ['Pub/a.logic', 'Pub/nosuch.logic'],
      ['Pub/sub/b.logic', 'Pub/nosuchdir/b.logic'],
      ['Pub/ln-secret', 'Pub/ln-nowhere'],
    ]);
  });
});
