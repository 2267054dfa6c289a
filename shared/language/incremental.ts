/**
 * Incremental re-parsing (issue 6: an edit in a 5,000-line file must not re-parse the whole file).
 *
 * Top-level declarations parse independently of each other (parser.ts: a declaration starts at
 * `public`/`structure`/`server`/`screen` and an unclosed one ends at the next such keyword), so
 * after an edit only the declarations the edit touches need parsing again:
 *
 * - the changed text is found by comparing the old and new texts (common prefix and suffix);
 * - the declarations that end on a line before the change (*prefix*) and those that start, doc
 *   comment included, on a line after it (*suffix*) are kept **as the same node objects**; the
 *   suffix's positions are shifted by the change's line delta (in place, through a list of each
 *   declaration's position objects made on its first shift: the old tree is given up; see
 *   {@link reparse});
 * - the lines in between (*region*, whole lines) are parsed alone, with as many leading newlines
 *   as lines before them so that positions come out right, and spliced in, with their comments
 *   and syntax diagnostics.
 *
 * Whenever the result could differ from a full parse it is not used (`undefined`: parse the whole
 * text): a syntax error at a prefix declaration's end or at the region's end (an unclosed
 * declaration would run into the next one), a block comment across a region boundary, a comment
 * after the last declaration of the region or on the line of the prefix's last `}` (it could be
 * the start of the next declaration's doc comment), or the diagnostic limit reached. The tests
 * (test/language/incremental.test.ts) compare both over random edits.
 *
 * Keeping node identity lets the checker keep the results of unchanged declarations
 * (shared/program/checker.ts, `checkFileIncremental`).
 */
import type { Comment, Declaration, Node, Position, SourceFile, SyntaxDiagnostic } from './ast';
import { forEachChild } from './visit';
import { parse } from './parser';
import { MAX_DIAGNOSTICS } from './scanner';

/** Offset of the start of line `line` (0-based) in `text`, scanning from the start. */
function lineStartOffset(text: string, line: number): number {
  let off = 0;
  for (let l = 0; l < line; l++) {
    const i = text.indexOf('\n', off);
    if (i < 0) return text.length;
    off = i + 1;
  }
  return off;
}

/** Length of the common prefix of `x` and `y` (at most `max`): binary search on native compares. */
function commonPrefix(x: string, y: string, max: number): number {
  let lo = 0;
  let hi = max;
  while (hi - lo > 64) {
    const mid = (lo + hi) >>> 1;
    if (x.slice(lo, mid) === y.slice(lo, mid)) lo = mid;
    else hi = mid;
  }
  while (lo < hi && x.charCodeAt(lo) === y.charCodeAt(lo)) lo++;
  return lo;
}

/** Length of the common suffix of `x` and `y` (at most `max`). */
function commonSuffix(x: string, y: string, max: number): number {
  let lo = 0;
  let hi = max;
  const xl = x.length;
  const yl = y.length;
  while (hi - lo > 64) {
    const mid = (lo + hi) >>> 1;
    if (x.slice(xl - mid, xl - lo) === y.slice(yl - mid, yl - lo)) lo = mid;
    else hi = mid;
  }
  while (lo < hi && x.charCodeAt(xl - 1 - lo) === y.charCodeAt(yl - 1 - lo)) lo++;
  return lo;
}

/** Number of `\n` in `text` between `from` and `to`. */
function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * The distinct position objects of a declaration's nodes' ranges (`range`, `publicRange`, a call's
 * parentheses, a binary operator), collected once per declaration node (kept declarations keep
 * their position objects: they are shifted in place). Position objects are shared between nodes
 * (a token's position starts or ends several nodes): while collecting, a listed position is marked
 * by a negative `character` (−c − 1), and the marks are cleared at the end. Positions already
 * marked when collecting starts (those of the comments being shifted, which doc comments share)
 * are left out: they are shifted through the comments.
 */
const positionsOfDeclaration = new WeakMap<Declaration, Position[]>();

function positionsOf(d: Declaration): Position[] {
  const cached = positionsOfDeclaration.get(d);
  if (cached) return cached;
  const out: Position[] = [];
  const mv = (p: Position) => {
    if (p.character >= 0) {
      // `~c` is `-c - 1` as a small integer: `-c` of 0 is -0, a heap number, and storing one
      // turned the field of every position into a boxed double (16 more bytes per position in
      // every tree parsed afterwards; issue 15, peak memory).
      p.character = ~p.character;
      out.push(p);
    }
  };
  const stack: Node[] = [d];
  const push = (c: Node) => {
    stack.push(c);
  };
  while (stack.length) {
    const n = stack.pop()!;
    mv(n.range.start);
    mv(n.range.end);
    switch (n.kind) {
      case 'Structure':
      case 'ServerAction':
      case 'Screen':
        if (n.publicRange) {
          mv(n.publicRange.start);
          mv(n.publicRange.end);
        }
        break;
      case 'Call':
        mv(n.openParen.start);
        mv(n.openParen.end);
        if (n.closeParen) {
          mv(n.closeParen.start);
          mv(n.closeParen.end);
        }
        break;
      case 'Binary':
        mv(n.operatorRange.start);
        mv(n.operatorRange.end);
        break;
    }
    forEachChild(n, push);
  }
  for (const p of out) p.character = ~p.character;
  positionsOfDeclaration.set(d, out);
  return out;
}

/**
 * Builds, ahead of time, the lists of position objects that an edit adding or removing lines
 * above declarations of `file` shifts (the first such edit would otherwise walk every later
 * declaration: tens of milliseconds in a 5,000-line file, issue 15). At most `max` declarations
 * not prepared yet are walked per call.
 *
 * @returns true when every declaration of `file` is prepared
 */
export function preparePositions(file: SourceFile, max: number): boolean {
  let walked = 0;
  for (const d of file.declarations) {
    if (positionsOfDeclaration.has(d)) continue;
    if (walked++ >= max) return false;
    positionsOf(d);
  }
  return true;
}

/** A carriage return not followed by a line feed: a line end of its own (text.ts). */
const LONE_CR = /\r(?!\n)/;

/**
 * The tree of `newText`, re-using the declarations of `oldFile` (the tree of `oldText`) that the
 * change does not touch. The old tree must not be used afterwards: its nodes after the change are
 * shifted in place and become part of the new tree.
 *
 * @returns the new tree (equal to `parse(newText)`), or `undefined` when only a full parse gives
 *          that (see the file comment)
 */
export function reparse(oldText: string, oldFile: SourceFile, newText: string): SourceFile | undefined {
  if (oldText === newText) return oldFile;
  // Lines are counted at '\n' here; a lone '\r' also ends a line (text.ts), so such texts are
  // parsed whole (found by the hardening fuzz, issue 5: shifted declarations were a line off).
  if ((oldText.includes('\r') && LONE_CR.test(oldText)) || (newText.includes('\r') && LONE_CR.test(newText))) return undefined;
  // An unterminated block comment runs to the end of the text: an edit that closes it turns the
  // text after it back into code, in declarations the old tree does not even have (fuzz, issue 5).
  if (oldFile.comments.some((c) => c.style === 'block' && (c.text.length < 4 || !c.text.endsWith('*/')))) return undefined;
  if (oldFile.diagnostics.length >= MAX_DIAGNOSTICS) return undefined;
  const decls = oldFile.declarations;
  if (decls.length < 2) return undefined;
  // The changed span: old [a, oldEnd), new [a, newEnd).
  const min = Math.min(oldText.length, newText.length);
  const a = commonPrefix(oldText, newText, min);
  const s = commonSuffix(oldText, newText, min - a);
  const oldEnd = oldText.length - s;
  const newEnd = newText.length - s;
  const startLine = countNewlines(oldText, 0, a);
  const oldEndLine = startLine + countNewlines(oldText, a, oldEnd);
  const delta = countNewlines(newText, a, newEnd) - (oldEndLine - startLine);

  const diags = oldFile.diagnostics;
  const hasDiagnosticAt = (line0: number, line1: number) => diags.some((d) => d.range.start.line >= line0 && d.range.start.line <= line1);

  // Prefix: declarations ending on a line before the change, the last one without errors.
  let k = 0;
  while (k < decls.length && decls[k].range.end.line < startLine) k++;
  while (k > 0 && hasDiagnosticAt(decls[k - 1].range.start.line, decls[k - 1].range.end.line)) k--;
  const r0 = k > 0 ? decls[k - 1].range.end.line + 1 : 0;

  // Suffix: declarations starting (doc comment included) on a line after the change.
  const extStart = (d: Declaration) => (d.doc ? d.doc.range.start.line : d.range.start.line);
  let j = k;
  while (j < decls.length && extStart(decls[j]) <= oldEndLine) j++;
  if (j < decls.length && extStart(decls[j]) < r0) return undefined;
  if (k === 0 && j === decls.length) return undefined; // nothing to keep
  const e0Old = j < decls.length ? extStart(decls[j]) : -1;

  // Comments: none across the boundaries, none on the line of the prefix's last `}`.
  const comments = oldFile.comments;
  for (const c of comments) {
    if (c.range.start.line < r0 && c.range.end.line >= r0) return undefined;
    if (k > 0 && c.range.start.line === r0 - 1) return undefined;
    if (e0Old >= 0 && c.range.start.line < e0Old && c.range.end.line >= e0Old) return undefined;
  }

  const regionStart = lineStartOffset(oldText, r0);
  if (regionStart > a) return undefined;
  let regionEndNew = newText.length;
  if (e0Old >= 0) {
    const regionEndOld = lineStartOffset(oldText, e0Old);
    if (regionEndOld < oldEnd) return undefined;
    regionEndNew = regionEndOld + (newText.length - oldText.length);
  }
  const region = parse('\n'.repeat(r0) + newText.slice(regionStart, regionEndNew));
  const rDecls = region.declarations;
  if (e0Old >= 0) {
    // The region must end at top level: no error at or after the end of its last declaration
    // (an unclosed declaration), no comment after it (a doc comment of the next one).
    const last = rDecls[rDecls.length - 1];
    const endLine = last ? last.range.end.line : -1;
    const endChar = last ? last.range.end.character : -1;
    const after = (p: { line: number; character: number }) => p.line > endLine || (p.line === endLine && p.character >= endChar);
    if (region.diagnostics.some((d) => after(d.range.start))) return undefined;
    if (region.comments.some((c) => after(c.range.start))) return undefined;
  }

  const prefixDiags: SyntaxDiagnostic[] = [];
  const suffixDiags: SyntaxDiagnostic[] = [];
  for (const d of diags) {
    if (d.range.start.line < r0) prefixDiags.push(d);
    else if (e0Old >= 0 && d.range.start.line >= e0Old) {
      // Copied before the shift below (a diagnostic's positions may be a node's).
      suffixDiags.push({
        ...d,
        range: {
          start: { line: d.range.start.line + delta, character: d.range.start.character },
          end: { line: d.range.end.line + delta, character: d.range.end.character },
        },
      });
    }
  }
  const diagnostics = [...prefixDiags, ...region.diagnostics, ...suffixDiags];
  if (diagnostics.length >= MAX_DIAGNOSTICS) return undefined;

  const prefixComments: Comment[] = [];
  const suffixComments: Comment[] = [];
  for (const c of comments) {
    if (c.range.start.line < r0) prefixComments.push(c);
    else if (e0Old >= 0 && c.range.start.line >= e0Old) suffixComments.push(c);
  }
  const suffix = e0Old >= 0 ? decls.slice(j) : [];
  let end = region.range.end;
  if (e0Old >= 0) {
    end = { line: oldFile.range.end.line + delta, character: oldFile.range.end.character };
    if (delta !== 0) {
      // In place: the comments first, marked (doc comments share their positions), then each
      // declaration through its list of positions (built on its first shift), skipping marks.
      const moved: Position[] = [];
      for (const c of suffixComments) {
        for (const p of [c.range.start, c.range.end]) {
          if (p.character >= 0) {
            p.line += delta;
            p.character = ~p.character;
            moved.push(p);
          }
        }
      }
      for (const d of suffix) for (const p of positionsOf(d)) if (p.character >= 0) p.line += delta;
      for (const p of moved) p.character = ~p.character;
    }
  }
  return {
    kind: 'SourceFile',
    declarations: [...decls.slice(0, k), ...rDecls, ...suffix],
    comments: [...prefixComments, ...region.comments, ...suffixComments],
    diagnostics,
    range: { start: { line: 0, character: 0 }, end },
  };
}
