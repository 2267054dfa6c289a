/**
 * The one way the tests say where a cursor is (as rust-analyzer's fixtures do): `$0` written into
 * the text. {@link cursorIn} finds a piece of a document with the cursor marked in it
 * (`cursorIn(text, 'OrderAPI.Cr$0eateOrder')`); {@link extractCursor} takes a whole fixture text
 * with `$0` in it. Positions are LSP's (0-based line, 0-based UTF-16 character), counted as the
 * server counts them: `\n`, `\r\n` and `\r` end lines, a leading BOM does not count.
 */
import assert from 'node:assert/strict';
import { LineIndex } from '../../shared/language/text';

/** The cursor marker. */
export const CURSOR = '$0';

type Position = { line: number; character: number };

/** The position of UTF-16 offset `offset` of `text` (a leading BOM not counted). */
function positionAt(text: string, offset: number): Position {
  const bom = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  return new LineIndex(text.slice(bom)).positionAt(offset - bom);
}

/**
 * A fixture text with one `$0` in it: the text without the marker, and the marker's position.
 * @throws (assertion) when the text has no `$0` or more than one
 */
export function extractCursor(marked: string): { text: string; cursor: Position } {
  const i = marked.indexOf(CURSOR);
  assert.ok(i >= 0 && marked.indexOf(CURSOR, i + 1) < 0, `one ${CURSOR} in the fixture`);
  const text = marked.slice(0, i) + marked.slice(i + CURSOR.length);
  return { text, cursor: positionAt(text, i) };
}

/**
 * The position marked by `$0` in `pattern`, a piece of `text` with the cursor written in it; with
 * no `$0`, the start of the piece.
 * @param occurrence which occurrence of the piece (0 the first, -1 the last)
 * @throws (assertion) when the piece is not in the text
 */
export function cursorIn(text: string, pattern: string, occurrence = 0): Position {
  const mark = pattern.indexOf(CURSOR);
  const piece = mark < 0 ? pattern : pattern.slice(0, mark) + pattern.slice(mark + CURSOR.length);
  let i = -1;
  if (occurrence < 0) i = text.lastIndexOf(piece);
  else for (let k = 0; k <= occurrence; k++) i = text.indexOf(piece, i + 1);
  assert.ok(i >= 0, `${JSON.stringify(piece.slice(0, 60))} is in the text`);
  return positionAt(text, i + Math.max(mark, 0));
}
