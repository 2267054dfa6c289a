// The Logic scanner (SPEC 3.1) and the offset/position conversion of text.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KEYWORDS, MAX_DIAGNOSTICS, Scanner, classifyDateTime, isKeyword, tokenize } from '../../shared/language/scanner';
import { LineIndex } from '../../shared/language/text';

function kinds(text: string): string[] {
  return tokenize(text).tokens.map((t) => t.kind);
}

function at(t: { startPos: { line: number; character: number }; endPos: { line: number; character: number } }): string {
  return `${t.startPos.line}:${t.startPos.character}-${t.endPos.line}:${t.endPos.character}`;
}

describe('scanner', () => {
  it('recognises every keyword, and nothing else as one', () => {
    for (const k of KEYWORDS) {
      assert.deepEqual(kinds(k), [k, 'EOF']);
      assert.ok(isKeyword(k));
    }
    for (const name of ['List', 'Text', 'publicity', 'If', '_x1', 'actions']) {
      assert.deepEqual(kinds(name), ['Identifier', 'EOF'], name);
      assert.ok(!isKeyword(name));
    }
  });

  it('scans every operator and punctuation, longest match first', () => {
    // each operator and punctuation scans as itself
    const punctuation = '( ) [ ] { } , . : ; = == != < <= > >= + - * / %';
    assert.deepEqual(kinds(punctuation), [...punctuation.split(' '), 'EOF']);
    assert.deepEqual(kinds('a<=b==c'), ['Identifier', '<=', 'Identifier', '==', 'Identifier', 'EOF']);
    assert.deepEqual(kinds('List<List<T>>'), ['Identifier', '<', 'Identifier', '<', 'Identifier', '>', '>', 'EOF']);
  });

  it('scans numbers: integers, decimals, and a dot not followed by a digit', () => {
    const { tokens } = tokenize('42 3.14 7. x 0.5');
    assert.deepEqual(
      tokens.map((t) => [t.kind, t.value]),
      [
        ['Integer', 42],
        ['Decimal', 3.14],
        ['Integer', 7],
        ['.', undefined],
        ['Identifier', 'x'],
        ['Decimal', 0.5],
        ['EOF', undefined],
      ],
    );
  });

  it('decodes strings with the four escapes', () => {
    const { tokens, diagnostics } = tokenize('"a\\"b\\\\c\\nd\\te" ""');
    assert.deepEqual(diagnostics, []);
    assert.equal(tokens[0].kind, 'String');
    assert.equal(tokens[0].value, 'a"b\\c\nd\te');
    assert.equal(at(tokens[0]), '0:0-0:15');
    assert.equal(tokens[1].value, '');
  });

  it('reports an unterminated string once and ends it at the line end', () => {
    const { tokens, diagnostics } = tokenize('x = "abc\ny');
    assert.deepEqual(
      tokens.map((t) => t.kind),
      ['Identifier', '=', 'String', 'Identifier', 'EOF'],
    );
    assert.equal(tokens[2].value, 'abc');
    assert.equal(tokens[2].unterminated, true);
    assert.equal(diagnostics.length, 1);
    assert.equal(diagnostics[0].message, `Unterminated string literal: expected '"'`);
    assert.deepEqual(diagnostics[0].range, { start: { line: 0, character: 4 }, end: { line: 0, character: 8 } });
  });

  it('scans date, date-time and time literals and validates them', () => {
    const { tokens, diagnostics } = tokenize('#2026-11-30# #2026-11-30 14:05:00# #14:05:00# #2024-02-29#');
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(
      tokens.slice(0, 4).map((t) => [t.kind, t.value, at(t)]),
      [
        ['Date', '2026-11-30', '0:0-0:12'],
        ['DateTime', '2026-11-30 14:05:00', '0:13-0:34'],
        ['Time', '14:05:00', '0:35-0:45'],
        ['Date', '2024-02-29', '0:46-0:58'],
      ],
    );
    for (const bad of ['#2026-02-29#', '#2026-13-01#', '#2026-11-31#', '#24:00:00#', '#12:60:00#', '#2026-1-1#', '#tomorrow#']) {
      const r = tokenize(bad);
      assert.equal(r.diagnostics.length, 1, bad);
      assert.match(r.diagnostics[0].message, /^Invalid date\/time literal/, bad);
      assert.equal(r.tokens.length, 2, bad); // one literal token, then EOF
    }
    assert.deepEqual(classifyDateTime('2026-11-30 25:00:00'), { kind: 'DateTime', valid: false });
    const u = tokenize('#2026-11-30 x');
    assert.equal(u.diagnostics.length, 1);
    assert.equal(u.diagnostics[0].message, "Unterminated date/time literal: expected '#'");
    assert.deepEqual(
      u.tokens.map((t) => [t.kind, t.value]),
      [
        ['Date', '2026-11-30'],
        ['Identifier', 'x'],
        ['EOF', undefined],
      ],
    );
    assert.deepEqual(u.diagnostics[0].range, { start: { line: 0, character: 0 }, end: { line: 0, character: 11 } });
  });

  it('collects comments and doc comments, not as tokens', () => {
    const { tokens, comments } = tokenize('a // one\n/* two\n three */ b /// four\n/// five\nc');
    assert.deepEqual(
      tokens.map((t) => t.kind),
      ['Identifier', 'Identifier', 'Identifier', 'EOF'],
    );
    assert.deepEqual(
      comments.map((c) => [c.style, c.text]),
      [
        ['line', '// one'],
        ['block', '/* two\n three */'],
        ['line', '/// four'],
        ['line', '/// five'],
      ],
    );
    // `/// four` follows code on its line: not a doc line; `/// five` is c's doc comment.
    assert.deepEqual([tokens[2].docFirst, tokens[2].docLast], [3, 3]);
    assert.deepEqual([tokens[1].docFirst, tokens[0].docFirst], [-1, -1]);
  });

  it('marks tokens that begin a line', () => {
    const { tokens } = tokenize('a b\n  c /* x\n */ d\r\ne\rf');
    assert.deepEqual(
      tokens.map((t) => t.newlineBefore),
      [true, false, true, true, true, true, false],
    );
    assert.deepEqual(
      tokens.map((t) => at(t)),
      ['0:0-0:1', '0:2-0:3', '1:2-1:3', '2:4-2:5', '3:0-3:1', '4:0-4:1', '4:1-4:1'],
    );
  });

  it('reports a run of unknown characters once and skips it', () => {
    const { tokens, diagnostics } = tokenize('a $€§ b ! c && d || e');
    assert.deepEqual(
      tokens.map((t) => t.kind),
      ['Identifier', 'Identifier', 'Identifier', 'Identifier', 'Identifier', 'EOF'],
    );
    assert.deepEqual(
      diagnostics.map((d) => [d.message, d.range.start.character, d.range.end.character]),
      [
        ["Unexpected characters '$€§'", 2, 5],
        ["Unexpected '!': use 'not'", 8, 9],
        ["Unexpected '&&': use 'and'", 12, 14],
        ["Unexpected '||': use 'or'", 17, 19],
      ],
    );
    assert.equal(tokens[1].skippedBefore, true);
    assert.equal(tokens[0].skippedBefore, false);
  });

  it('reports an unterminated block comment once', () => {
    const { tokens, diagnostics } = tokenize('a /* never\nclosed');
    assert.deepEqual(
      tokens.map((t) => t.kind),
      ['Identifier', 'EOF'],
    );
    assert.equal(diagnostics.length, 1);
    assert.equal(diagnostics[0].message, "Unterminated comment: expected '*/'");
  });

  it('counts UTF-16 code units', () => {
    const { tokens } = tokenize('"😀" x');
    assert.equal(at(tokens[0]), '0:0-0:4');
    assert.equal(at(tokens[1]), '0:5-0:6');
  });

  it('caps the number of diagnostics', () => {
    const { diagnostics } = tokenize('@ '.repeat(MAX_DIAGNOSTICS * 3));
    assert.equal(diagnostics.length, MAX_DIAGNOSTICS);
  });

  it('keeps returning EOF after the end', () => {
    const s = new Scanner('a');
    assert.equal(s.scan().kind, 'Identifier');
    assert.equal(s.scan().kind, 'EOF');
    assert.equal(s.scan().kind, 'EOF');
  });
});

describe('LineIndex', () => {
  it('converts offsets and positions with \\n, \\r\\n and \\r line ends', () => {
    const text = 'ab\ncd\r\nef\rg';
    const idx = new LineIndex(text);
    assert.equal(idx.lineCount, 4);
    const cases: [number, number, number][] = [
      [0, 0, 0],
      [2, 0, 2],
      [3, 1, 0],
      [5, 1, 2],
      [7, 2, 0],
      [9, 2, 2],
      [10, 3, 0],
      [11, 3, 1],
    ];
    for (const [offset, line, character] of cases) {
      assert.deepEqual(idx.positionAt(offset), { line, character }, `offset ${offset}`);
      assert.equal(idx.offsetAt({ line, character }), offset, `position ${line}:${character}`);
    }
    assert.deepEqual(idx.positionAt(6), { line: 1, character: 2 }); // between \r and \n
    assert.deepEqual(
      ['ab', 'cd', 'ef', 'g'],
      [0, 1, 2, 3].map((l) => idx.lineText(l)),
    );
  });

  it('clamps out-of-range input', () => {
    const idx = new LineIndex('ab\ncd');
    assert.deepEqual(idx.positionAt(-5), { line: 0, character: 0 });
    assert.deepEqual(idx.positionAt(99), { line: 1, character: 2 });
    assert.equal(idx.offsetAt({ line: 0, character: 99 }), 2);
    assert.equal(idx.offsetAt({ line: 9, character: 0 }), 5);
    assert.equal(idx.offsetAt({ line: -1, character: 3 }), 0);
  });

  it('counts UTF-16 code units and handles a trailing line end and empty text', () => {
    const idx = new LineIndex('😀x\n');
    assert.deepEqual(idx.positionAt(2), { line: 0, character: 2 });
    assert.equal(idx.lineCount, 2);
    assert.deepEqual(idx.positionAt(4), { line: 1, character: 0 });
    const empty = new LineIndex('');
    assert.equal(empty.lineCount, 1);
    assert.deepEqual(empty.positionAt(0), { line: 0, character: 0 });
    assert.equal(empty.offsetAt({ line: 0, character: 5 }), 0);
  });

  it('agrees with the scanner on every token position', () => {
    const text = 'server action A() {\r\n  x = "é" + 1\r  /* a\n b */ y = #14:05:00#\n}';
    const idx = new LineIndex(text);
    for (const t of tokenize(text).tokens) {
      assert.deepEqual(idx.positionAt(t.start), t.startPos);
      assert.deepEqual(idx.positionAt(t.end), t.endPos);
    }
  });
});
