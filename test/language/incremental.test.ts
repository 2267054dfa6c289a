// Incremental re-parsing (shared/language/incremental.ts, issue 6): after any edit the spliced
// tree must equal a full parse of the new text — declarations, comments, diagnostics, positions —
// over series of random edits (insertions and deletions of lines, braces, comments, doc comments,
// broken and fixed calls), and unchanged declarations keep their node identity.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from '../../shared/language/parser';
import { reparse } from '../../shared/language/incremental';
import type { SourceFile } from '../../shared/language/ast';
import { mulberry32 } from '../helpers/random';

function sample(): string {
  const out: string[] = ['// A consumer.', ''];
  for (let i = 0; i < 12; i++) {
    if (i % 4 === 1) {
      out.push(`/// Structure ${i}.`, `public structure S${i} {`, `  /// A field.`, `  name: Text`, `  count: Integer = 0`, `}`, '');
    } else if (i % 4 === 2) {
      out.push(
        `/// Action ${i}.`,
        `/// @param x the input`,
        `public server action A${i}(x: Text) returns (y: Integer) {`,
        `  var n = Length(x)`,
        `  y = n + ${i}`,
        `}`,
        '',
      );
    } else {
      out.push(`/// Screen ${i}.`, `screen Screen${i} {`, `  var title: Text = "S${i}"`, `  /* block`, `     comment */`, `  client action Go${i}(q: Text) {`);
      out.push(`    var r = OrderAPI.CreateOrder(customerId: "C-${i}", lines: [])`, `    if r == "x" { title = q }`, `  }`, `}`, '');
    }
  }
  return out.join('\n');
}

const SNIPPETS = [
  '\n',
  '\n\n',
  '}',
  '{',
  '}\n',
  'screen X {\n',
  '/*',
  '*/',
  '/// doc\n',
  '// c\n',
  'OrderAPI.',
  '12345',
  '"C-1"',
  'var z = 1\n',
  ' ',
  'public ',
  'server action B() {\n}\n',
  '"',
];

function strip(f: SourceFile): unknown {
  return JSON.parse(JSON.stringify(f));
}

describe('incremental re-parse', () => {
  it('equals a full parse after every one of many random edits', () => {
    for (let seed = 1; seed <= 12; seed++) {
      const rnd = mulberry32(seed);
      let text = sample();
      let tree = parse(text);
      let reused = 0;
      for (let step = 0; step < 120; step++) {
        let next: string;
        const at = Math.floor(rnd() * (text.length + 1));
        const r = rnd();
        if (r < 0.45) next = text.slice(0, at) + SNIPPETS[Math.floor(rnd() * SNIPPETS.length)] + text.slice(at);
        else if (r < 0.8) next = text.slice(0, at) + text.slice(Math.min(text.length, at + 1 + Math.floor(rnd() * 12)));
        else {
          // Replace a line: a typical edit inside one declaration.
          const lines = text.split('\n');
          const i = Math.floor(rnd() * lines.length);
          lines[i] = rnd() < 0.5 ? lines[i].replace('"C-', '12345 //"C-') : '    OrderAPI.';
          next = lines.join('\n');
        }
        const expected = parse(next);
        const before = new Set(tree.declarations);
        const got = reparse(text, tree, next);
        if (got) {
          assert.deepEqual(strip(got), strip(expected), `seed ${seed} step ${step}`);
          reused += got.declarations.filter((d) => before.has(d)).length;
          tree = got;
        } else tree = expected;
        text = next;
      }
      assert.ok(reused > 0, `seed ${seed}: some declarations are re-used`);
    }
  });

  it('keeps unchanged declarations as the same objects and shifts those after a new line', () => {
    const text = sample();
    const tree = parse(text);
    const decls = [...tree.declarations];
    const i = text.indexOf('var title: Text = "S4"');
    const next = text.slice(0, i) + 'OrderAPI.\n  ' + text.slice(i);
    const got = reparse(text, tree, next)!;
    assert.ok(got);
    assert.deepEqual(strip(got), strip(parse(next)));
    assert.equal(got.declarations[0], decls[0]);
    assert.equal(got.declarations[got.declarations.length - 1], decls[decls.length - 1]);
  });
});
