/**
 * Incremental checking (issue 6): after every edit of a series of random edits — in the checked
 * file (declarations changed, added, removed, broken, lines inserted), in another file of its
 * module (own elements appearing and disappearing) and in a dependency (a signature, a public
 * structure) — the incremental check (re-parse of the touched declarations, re-check of the
 * declarations whose lookups changed) gives exactly what a fresh Program gives: the same
 * diagnostics, and tables of the same size (no stale entries), for several users.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Program } from '../../shared/program/program';
import { fixture, ORDER_API } from './fixture';
import { mulberry32 } from '../helpers/random';

function mainText(): string {
  const out: string[] = ['// Portal main.'];
  for (let i = 0; i < 8; i++) {
    out.push(
      `/// Screen ${i}.`,
      `screen S${i} {`,
      `  var title: Text = "S${i}"`,
      `  client action Go${i}(q: Text) {`,
      `    var id = OrderAPI.CreateOrder(customerId: "C-${i}", lines: [])`,
      `    var line = OrderAPI.OrderLine { productId: "P", price: Common.Money { amount: 1.5 } }`,
      `    var t = OrderAPI.Totals(orderId: id)`,
      `    title = t.label + Helper${i % 3}(x: q)`,
      `    Old.Ping()`,
      `  }`,
      `}`,
      '',
      `server action Helper${i}(x: Text) returns (y: Text) {`,
      `  var p = Local { name: x }`,
      `  y = p.name`,
      `}`,
      '',
    );
  }
  return out.join('\n');
}

const OTHER = `structure Local {
  name: Text
}
`;

const SNIPPETS = [
  '\n',
  '}',
  '{',
  '12345',
  '"C-1"',
  'OrderAPI.',
  'Local',
  'Helper1(x: "a")',
  'var z: Local\n',
  '/// doc\n',
  'screen X {\n}\n',
  'server action Helper1(x: Text) {\n}\n',
  ' ',
];

function snapshot(program: Program, user: string, path: string) {
  const view = program.forUser(user);
  const diagnostics = view.diagnostics(path);
  const r = view.checkResult(path);
  return {
    diagnostics,
    sizes: r && [r.resolutions.size, r.types.size, r.calls.size, r.blockLocals.size, r.actionLocals.size, r.screenLocals.size, r.forLocals.size],
  };
}

describe('incremental check', () => {
  test('equals a fresh check after every one of many random edits, for several users', () => {
    for (let seed = 1; seed <= 4; seed++) {
      const rnd = mulberry32(seed);
      const t = fixture({ 'main.logic': mainText(), 'other.logic': OTHER });
      try {
        const main = t.path('portal/main.logic');
        let text = mainText();
        let other = OTHER;
        let orders = ORDER_API;
        const users = ['bob', 'erin', 'alice'];
        for (const u of users) t.program.forUser(u).diagnostics(main);
        // The declaration checks kept from one check to the next (internal state, read for the test).
        const records = () =>
          new Set([
            ...((t.program.forUser('bob') as unknown as { incremental: Map<string, { declarations: Map<unknown, unknown> }> }).incremental
              .get(main)
              ?.declarations.values() ?? []),
          ]);
        let reused = 0;
        for (let step = 0; step < 60; step++) {
          const r = rnd();
          if (r < 0.7) {
            const at = Math.floor(rnd() * (text.length + 1));
            const k = rnd();
            if (k < 0.5) text = text.slice(0, at) + SNIPPETS[Math.floor(rnd() * SNIPPETS.length)] + text.slice(at);
            else if (k < 0.75) text = text.slice(0, at) + text.slice(Math.min(text.length, at + 1 + Math.floor(rnd() * 10)));
            else {
              const lines = text.split('\n');
              const i = Math.floor(rnd() * lines.length);
              lines[i] = rnd() < 0.5 ? lines[i].replace('"C-', '12345 //"C-') : lines[i].replace('12345 //"C-', '"C-');
              text = lines.join('\n');
            }
            t.edit('portal/main.logic', text);
          } else if (r < 0.85) {
            other = other.includes('structure Local') ? other.replace('structure Local', 'structure Local2') : OTHER;
            if (rnd() < 0.5) other += '\nserver action Helper2(x: Text) returns (y: Text) {\n}\n';
            t.edit('portal/other.logic', other);
          } else {
            orders = orders.includes('note: Text = "none"')
              ? orders.replace('note: Text = "none"', 'note: Text').replace('public structure OrderLine', 'structure OrderLine')
              : ORDER_API;
            t.edit('orderapi/orders.logic', orders);
          }
          const before = records();
          t.program.forUser('bob').diagnostics(main);
          for (const rec of records()) if (before.has(rec)) reused++;
          const fresh = new Program(t.program.environment, { readFile: (p) => t.program.readText(p) });
          for (const u of users) {
            assert.deepEqual(snapshot(t.program, u, main), snapshot(fresh, u, main), `seed ${seed} step ${step} user ${u}`);
          }
        }
        assert.ok(reused > 100, `seed ${seed}: declaration checks are re-used (${reused})`);
      } finally {
        t.dispose();
      }
    }
  });
});

describe('check from scratch in slices (issue 15: requests answered between slices)', () => {
  test('gives exactly what checkResult gives, pausing between declarations; a user without open access gets nothing', async () => {
    const t = fixture({ 'main.logic': mainText(), 'other.logic': OTHER });
    try {
      const main = t.path('portal/main.logic');
      const fresh = new Program(t.program.environment, { readFile: (p) => t.program.readText(p) });
      let pauses = 0;
      const slices: number[] = [];
      // sliceMs 0: a pause after every declaration checked.
      await t.program.forUser('bob').prepareCheck(main, async () => void pauses++, { sliceMs: 0, onSlice: (ms) => slices.push(ms) });
      assert.ok(pauses >= mainText().match(/^(screen|server action) /gm)!.length - 1, `paused ${pauses} times`);
      assert.equal(slices.length, pauses + 1);
      // Installed: checkResult returns the prepared check (the same object), equal to a fresh one.
      const prepared = t.program.forUser('bob').checkResult(main);
      assert.equal(t.program.forUser('bob').checkResult(main), prepared);
      assert.deepEqual(snapshot(t.program, 'bob', main), snapshot(fresh, 'bob', main));
      // No user, an unknown user (fail closed, SPEC 2.3): nothing is checked or installed for them.
      for (const u of [null, 'mallory']) {
        let p = 0;
        await t.program.forUser(u).prepareCheck(main, async () => void p++, { sliceMs: 0 });
        assert.equal(p, 0, String(u));
        assert.equal(t.program.forUser(u).checkResult(main), undefined, String(u));
      }
    } finally {
      t.dispose();
    }
  });

  test('an edit or a request in between overtakes it: the sliced work is dropped, never installed stale', async () => {
    const t = fixture({ 'main.logic': mainText(), 'other.logic': OTHER });
    try {
      const main = t.path('portal/main.logic');
      const view = t.program.forUser('bob');
      // An edit after the first slice: the prepared check is dropped, the next check sees the edit.
      let n = 0;
      const broken = mainText().replace('"C-0"', '12345');
      await view.prepareCheck(
        main,
        async () => {
          if (n++ === 0) t.edit('portal/main.logic', broken);
        },
        { sliceMs: 0 },
      );
      assert.equal(n, 1, 'stopped at the first pause after the edit');
      assert.ok(
        view.diagnostics(main).some((d) => d.code === 'type-mismatch'),
        JSON.stringify(view.diagnostics(main).map((d) => d.code)),
      );
      // A request needing the check in between: it checks itself, the sliced work is dropped.
      const other = t.program.forUser('alice');
      let requested: unknown;
      await other.prepareCheck(
        main,
        async () => {
          requested ??= other.checkResult(main);
        },
        { sliceMs: 0 },
      );
      assert.ok(requested);
      assert.equal(other.checkResult(main), requested);
      const fresh = new Program(t.program.environment, { readFile: (p) => t.program.readText(p) });
      for (const u of ['bob', 'alice']) assert.deepEqual(snapshot(t.program, u, main), snapshot(fresh, u, main), u);
    } finally {
      t.dispose();
    }
  });
});
