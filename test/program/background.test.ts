/**
 * Work the server does in the background (issue 15): a file parsed a few declarations per pause
 * gives the tree `parse` gives, and is never installed stale when the file changes meanwhile.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from '../../shared/language/parser';
import { fixture } from './fixture';

const SRC = Array.from({ length: 30 }, (_, i) => `server action A${i}(x: Text) returns (y: Text) {\n  y = x\n}\n`).join('\n');

test('prepareSourceFile parses in steps, installs the tree, and sourceFile then parses nothing', async (ctx) => {
  const t = fixture({ 'big.logic': SRC });
  ctx.after(() => t.dispose());
  const path = t.path('portal/big.logic');
  assert.equal(t.program.isParsed(path), false);
  let pauses = 0;
  const done = await t.program.prepareSourceFile(
    path,
    async () => {
      pauses++;
    },
    () => false,
  );
  assert.equal(done, true);
  assert.ok(pauses >= 3, `parsed in steps (${pauses} pauses)`);
  assert.equal(t.program.isParsed(path), true);
  assert.deepEqual(t.program.sourceFile(path), parse(SRC));
});

test('a file edited while it is parsed in the background: the stale tree is dropped, the new text wins', async (ctx) => {
  const t = fixture({ 'big.logic': SRC });
  ctx.after(() => t.dispose());
  const path = t.path('portal/big.logic');
  const edited = SRC.replace('server action A0(', 'server action Renamed(');
  let first = true;
  await t.program.prepareSourceFile(
    path,
    async () => {
      if (first) t.edit('portal/big.logic', edited);
      first = false;
    },
    () => false,
  );
  const file = t.program.sourceFile(path)!;
  assert.equal(file.declarations[0].name.name, 'Renamed');
  assert.deepEqual(file, parse(edited));
});

test('stopped: nothing is installed', async (ctx) => {
  const t = fixture({ 'big.logic': SRC });
  ctx.after(() => t.dispose());
  const path = t.path('portal/big.logic');
  assert.equal(
    await t.program.prepareSourceFile(
      path,
      async () => {},
      () => true,
    ),
    false,
  );
  assert.equal(t.program.isParsed(path), false);
});
