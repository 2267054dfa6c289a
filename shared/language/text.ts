/**
 * Conversion between string offsets and LSP positions (SPEC 4: positions are LSP's, 0-based line
 * and 0-based UTF-16 character). JavaScript strings are UTF-16, so an offset is a code-unit index
 * and a `character` is a code-unit count from the start of its line — no extra conversion needed.
 *
 * Line ends: `\n`, `\r\n` and a lone `\r` each end a line; `\r\n` counts as ONE line end.
 */
import type { Position, Range } from './ast';

/**
 * An index of the line starts of one text, built once in O(n); lookups are O(log lines).
 * Immutable: build a new one when the text changes.
 */
export class LineIndex {
  /** The indexed text. */
  readonly text: string;
  /** Offset (UTF-16 code units) of the first character of each line; `lineStarts[0] === 0`. */
  private readonly lineStarts: number[];

  /** Builds the index of `text` (any mix of `\n`, `\r\n` and `\r` line ends). */
  constructor(text: string) {
    this.text = text;
    const starts = [0];
    const n = text.length;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 13 /* \r */) {
        if (i + 1 < n && text.charCodeAt(i + 1) === 10) i++;
        starts.push(i + 1);
      } else if (c === 10 /* \n */) {
        starts.push(i + 1);
      }
    }
    this.lineStarts = starts;
  }

  /** Number of lines (a text with no line end has 1; a trailing line end adds an empty line). */
  get lineCount(): number {
    return this.lineStarts.length;
  }

  /**
   * The position of an offset. `offset` is a UTF-16 code-unit index, clamped to `[0, length]`.
   * An offset inside a `\r\n` pair (between the two) maps to the end of that line.
   */
  positionAt(offset: number): Position {
    const text = this.text;
    if (offset <= 0 || Number.isNaN(offset)) return { line: 0, character: 0 };
    if (offset > text.length) offset = text.length;
    const starts = this.lineStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: Math.min(offset, this.lineEnd(lo)) - starts[lo] };
  }

  /**
   * The offset of a position (inverse of `positionAt`). A line beyond the last is clamped to the
   * text's end, a negative one to 0; a `character` beyond the line's content is clamped to the end
   * of the line's content (before its line end), as LSP specifies.
   */
  offsetAt(position: Position): number {
    const starts = this.lineStarts;
    if (position.line < 0) return 0;
    if (position.line >= starts.length) return this.text.length;
    const start = starts[position.line];
    const end = this.lineEnd(position.line);
    const ch = Math.max(0, position.character);
    return Math.min(start + ch, end);
  }

  /** The range `[start, end)` of two offsets. */
  rangeAt(start: number, end: number): Range {
    return { start: this.positionAt(start), end: this.positionAt(end) };
  }

  /** Offset of the first character of a 0-based line (clamped to the existing lines). */
  lineStart(line: number): number {
    const starts = this.lineStarts;
    if (line <= 0) return 0;
    if (line >= starts.length) return this.text.length;
    return starts[line];
  }

  /** Offset just after the content of a 0-based line, i.e. before its line end (`\n`, `\r\n`, `\r`). */
  lineEnd(line: number): number {
    const starts = this.lineStarts;
    if (line < 0) line = 0;
    if (line >= starts.length - 1) return this.text.length;
    let end = starts[line + 1];
    const text = this.text;
    if (end > 0 && text.charCodeAt(end - 1) === 10) end--;
    if (end > starts[line] && text.charCodeAt(end - 1) === 13) end--;
    return end;
  }

  /** The text of a 0-based line without its line end. */
  lineText(line: number): string {
    return this.text.slice(this.lineStart(line), this.lineEnd(line));
  }
}
