/**
 * The Logic scanner (SPEC 3.1): turns source text into tokens, one at a time, in a single linear
 * pass. Comments are not tokens: they are collected into `Scanner.comments`, and a run of `///`
 * doc-comment lines directly before a token is recorded on that token (`docFirst`/`docLast`), so
 * the parser can attach it to a declaration, field, parameter or client action.
 *
 * Newlines are not tokens either: each token says whether a line end precedes it
 * (`newlineBefore`); the parser decides where that ends a statement (SPEC 3.1 "Statements end at
 * a newline or `;`").
 *
 * Positions are LSP's: 0-based line, 0-based UTF-16 character (JavaScript string indices are
 * UTF-16 code units). Offsets are string indices.
 *
 * Lexical errors (unterminated string, bad date literal, unknown character, …) are reported in
 * `Scanner.diagnostics` with code `syntax-error`; each yields exactly one diagnostic and scanning
 * continues.
 */
import type { Comment, Position, Range, SyntaxDiagnostic } from './ast';

/** The keywords of SPEC 3.1; the token kind of a keyword is the keyword itself. */
export const KEYWORDS = [
  'public',
  'structure',
  'server',
  'client',
  'action',
  'screen',
  'returns',
  'var',
  'if',
  'else',
  'for',
  'in',
  'while',
  'return',
  'and',
  'or',
  'not',
  'true',
  'false',
] as const;
export type Keyword = (typeof KEYWORDS)[number];

/** The operators and punctuation of SPEC 3.2; the token kind is the symbol itself. */
export const PUNCTUATION = ['(', ')', '[', ']', '{', '}', ',', '.', ':', ';', '=', '==', '!=', '<', '<=', '>', '>=', '+', '-', '*', '/', '%'] as const;
export type Punctuation = (typeof PUNCTUATION)[number];

/**
 * The kind of a token: a literal/identifier class, a keyword (its text), a punctuation symbol
 * (its text), or `EOF` (the end of the text; always the last token, zero-width).
 */
export type TokenKind = 'Identifier' | 'Integer' | 'Decimal' | 'String' | 'Date' | 'DateTime' | 'Time' | Keyword | Punctuation | 'EOF';

/** One token. Offsets are UTF-16 indices into the text; lines/characters are LSP positions. */
export interface Token {
  kind: TokenKind;
  /** Offset of the first character. */
  start: number;
  /** Offset just after the last character. */
  end: number;
  /** LSP position of `start` (0-based line, UTF-16 character). Shared by the tree: do not mutate. */
  startPos: Position;
  /** LSP position of `end` (tokens never span lines). Shared by the tree: do not mutate. */
  endPos: Position;
  /** True when a line end (or the start of the text) precedes this token, comments aside. */
  newlineBefore: boolean;
  /**
   * The decoded value: the name for identifiers, a number for Integer/Decimal, the unescaped
   * text for String, the text between the `#`s for Date/DateTime/Time; `undefined` otherwise.
   */
  value?: string | number;
  /**
   * Index (in `Scanner.comments`) of the first and last `///` line of the doc comment directly
   * before this token, or -1 when there is none. Doc lines are consecutive lines, each holding
   * only the `///` comment, with no blank line between them nor between the last one and the token.
   */
  docFirst: number;
  docLast: number;
  /** True when unknown characters were skipped (and reported) right before this token. */
  skippedBefore?: boolean;
  /** True for a string or date/time literal that is not closed (already reported). */
  unterminated?: boolean;
}

/**
 * At most this many diagnostics are recorded per scan (and per parse): beyond it, a file is
 * garbage as far as an editor is concerned, and millions of diagnostics would only clog the client.
 */
export const MAX_DIAGNOSTICS = 1000;

const EMPTY_POS: Position = { line: 0, character: 0 };
const KEYWORD_SET: ReadonlySet<string> = new Set(KEYWORDS);

/**
 * A copy of `s` that does not keep the text it was cut from alive. V8 represents a `slice` of 13
 * or more characters as a view into the whole text: an identifier, comment or string literal of a
 * tree would otherwise keep every version of an edited file's text it was parsed from (issue 15:
 * peak memory). Shorter strings are copies already.
 */
export function detachedString(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}

/** Identifier names seen by the scanner (one string per distinct name, detached from its text). */
const NAMES = new Map<string, string>();
/** The table is emptied when it reaches this many names (it only saves memory; it is not a cache of results). */
const MAX_NAMES = 100_000;

/**
 * The one shared string for the identifier name `s` (issue 15: a tree holds tens of thousands of
 * identifiers with a few thousand distinct names; sharing them also keeps no file text alive).
 */
export function internName(s: string): string {
  let v = NAMES.get(s);
  if (v === undefined) {
    if (NAMES.size >= MAX_NAMES) NAMES.clear();
    v = detachedString(s);
    NAMES.set(v, v);
  }
  return v;
}

/** Whether `name` is a keyword of SPEC 3.1 (and therefore not usable as an identifier). */
export function isKeyword(name: string): name is Keyword {
  return KEYWORD_SET.has(name);
}

const IDENT_REST = /[A-Za-z0-9_]*/y;
const DIGITS = /[0-9]*/y;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^(\d{2}):(\d{2}):(\d{2})$/;
const DATETIME_RE = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return d <= days[m - 1];
}

function validTime(h: number, mi: number, s: number): boolean {
  return h < 24 && mi < 60 && s < 60;
}

/**
 * Classifies the text between the `#`s of a date/time literal (SPEC 3.1):
 * `YYYY-MM-DD` → Date, `YYYY-MM-DD hh:mm:ss` → DateTime, `hh:mm:ss` → Time. Returns the kind and
 * whether the values are valid calendar/clock values; for text of none of these shapes the kind
 * is a best guess and `valid` is false.
 */
export function classifyDateTime(body: string): { kind: 'Date' | 'DateTime' | 'Time'; valid: boolean } {
  let m = DATE_RE.exec(body);
  if (m) return { kind: 'Date', valid: validDate(+m[1], +m[2], +m[3]) };
  m = DATETIME_RE.exec(body);
  if (m) return { kind: 'DateTime', valid: validDate(+m[1], +m[2], +m[3]) && validTime(+m[4], +m[5], +m[6]) };
  m = TIME_RE.exec(body);
  if (m) return { kind: 'Time', valid: validTime(+m[1], +m[2], +m[3]) };
  const kind = body.includes(' ') ? 'DateTime' : body.includes(':') && !body.includes('-') ? 'Time' : 'Date';
  return { kind, valid: false };
}

function isLineBreak(c: number): boolean {
  return c === 10 || c === 13;
}

function isBlank(c: number): boolean {
  // space, tab, vertical tab, form feed, no-break space, BOM
  return c === 32 || c === 9 || c === 11 || c === 12 || c === 0xa0 || c === 0xfeff;
}

function isIdentChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

/** Control characters (NUL…), invisible format characters, line/paragraph separators and lone surrogate halves. */
const INVISIBLE =
  /[\u0000-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff\ufff9-\ufffb]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * A run of unknown characters that holds invisible ones, shown as code points (`U+0000 '@'`),
 * so that a NUL byte or a lone surrogate is named in the message rather than copied into it.
 */
function codePoints(bad: string): string {
  const out: string[] = [];
  for (const ch of bad) {
    out.push(INVISIBLE.test(ch) ? `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}` : `'${ch}'`);
  }
  return out.join(' ');
}

/** What a character that starts no token is; runs of them are reported once. */
function isUnknownStart(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (isBlank(c) || isLineBreak(c) || isIdentChar(c)) return false;
  if (c === 33 /* ! */) return text.charCodeAt(i + 1) !== 61;
  return '"#()[]{},.:;=<>+-*/%'.indexOf(text[i]) < 0;
}

/**
 * A streaming scanner over one text. Call `scan()` repeatedly; after it returns an `EOF` token,
 * further calls keep returning `EOF`. `comments` and `diagnostics` fill up as scanning proceeds.
 * Linear time: each character is examined a bounded number of times.
 */
export class Scanner {
  /** The scanned text. */
  readonly text: string;
  /** Every comment seen so far, in source order (`//`, `///`, `/* … *\/`), with raw source text. */
  readonly comments: Comment[] = [];
  /** Lexical errors seen so far, in source order (code `syntax-error`). */
  readonly diagnostics: SyntaxDiagnostic[] = [];

  private pos = 0;
  private line = 0;
  private lineStart = 0;
  /** Doc-comment run being collected (indices into `comments`), -1 when none. */
  private docFirst = -1;
  private docLast = -1;
  /** Line ends seen since the last doc comment of the run. */
  private newlinesSinceDoc = 0;

  /** Creates a scanner at the start of `text`. */
  constructor(text: string) {
    this.text = text;
  }

  /** Returns the next token (see `Token`); `EOF` at the end, repeatedly. */
  scan(): Token {
    let newlineBefore = this.pos === 0;
    this.docFirst = -1;
    this.docLast = -1;
    this.newlinesSinceDoc = 0;
    for (;;) {
      const tok = this.scanOne(newlineBefore);
      if (tok) return tok;
      // An unknown run was skipped (and reported); a line end before it still counts.
      newlineBefore = this.pendingNewline;
    }
  }

  /** After skipping unknown characters: whether a line end preceded them. */
  private pendingNewline = false;
  /** Set when a lexical error (unknown characters, unterminated comment) precedes the next token. */
  private skipped = false;

  /** Scans trivia then one token; returns undefined after skipping a run of unknown characters. */
  private scanOne(newlineBefore: boolean): Token | undefined {
    const text = this.text;
    const n = text.length;
    // Trivia: blanks, line ends, comments.
    for (;;) {
      if (this.pos >= n) break;
      const c = text.charCodeAt(this.pos);
      if (isBlank(c)) {
        this.pos++;
        continue;
      }
      if (c === 10 || c === 13) {
        this.pos += c === 13 && text.charCodeAt(this.pos + 1) === 10 ? 2 : 1;
        this.line++;
        this.lineStart = this.pos;
        newlineBefore = true;
        if (this.docFirst >= 0 && ++this.newlinesSinceDoc > 1) this.docFirst = this.docLast = -1;
        continue;
      }
      if (c === 47 /* / */) {
        const c2 = text.charCodeAt(this.pos + 1);
        if (c2 === 47) {
          this.scanLineComment(newlineBefore);
          continue;
        }
        if (c2 === 42 /* * */) {
          // A line end inside a block comment separates lines like any other.
          if (this.scanBlockComment()) newlineBefore = true;
          continue;
        }
      }
      break;
    }

    const start = this.pos;
    const tok: Token = {
      kind: 'EOF',
      start,
      end: start,
      startPos: { line: this.line, character: start - this.lineStart },
      endPos: EMPTY_POS,
      newlineBefore,
      value: undefined,
      docFirst: -1,
      docLast: -1,
      skippedBefore: false,
      unterminated: false,
    };
    if (this.docFirst >= 0 && this.newlinesSinceDoc === 1) {
      tok.docFirst = this.docFirst;
      tok.docLast = this.docLast;
    }
    if (this.skipped) {
      tok.skippedBefore = true;
      this.skipped = false;
    }
    if (start >= n) {
      tok.endPos = tok.startPos;
      return tok;
    }

    const c = text.charCodeAt(start);
    if (isIdentChar(c) && !(c >= 48 && c <= 57)) {
      IDENT_REST.lastIndex = start + 1;
      IDENT_REST.test(text);
      this.pos = IDENT_REST.lastIndex;
      const name = text.slice(start, this.pos);
      tok.kind = KEYWORD_SET.has(name) ? (name as Keyword) : 'Identifier';
      if (tok.kind === 'Identifier') tok.value = internName(name);
    } else if (c >= 48 && c <= 57) {
      this.scanNumber(tok);
    } else if (c === 34 /* " */) {
      this.scanString(tok);
    } else if (c === 35 /* # */) {
      this.scanDateTime(tok);
    } else {
      const c2 = text.charCodeAt(start + 1);
      let kind: Punctuation | undefined;
      let len = 1;
      switch (c) {
        case 40:
          kind = '(';
          break;
        case 41:
          kind = ')';
          break;
        case 91:
          kind = '[';
          break;
        case 93:
          kind = ']';
          break;
        case 123:
          kind = '{';
          break;
        case 125:
          kind = '}';
          break;
        case 44:
          kind = ',';
          break;
        case 46:
          kind = '.';
          break;
        case 58:
          kind = ':';
          break;
        case 59:
          kind = ';';
          break;
        case 43:
          kind = '+';
          break;
        case 45:
          kind = '-';
          break;
        case 42:
          kind = '*';
          break;
        case 47:
          kind = '/';
          break;
        case 37:
          kind = '%';
          break;
        case 61:
          if (c2 === 61) {
            kind = '==';
            len = 2;
          } else kind = '=';
          break;
        case 60:
          if (c2 === 61) {
            kind = '<=';
            len = 2;
          } else kind = '<';
          break;
        case 62:
          if (c2 === 61) {
            kind = '>=';
            len = 2;
          } else kind = '>';
          break;
        case 33:
          if (c2 === 61) {
            kind = '!=';
            len = 2;
          }
          break;
      }
      if (kind === undefined) {
        // Unknown characters: one diagnostic for the whole run, then scan on.
        let end = start + 1;
        while (end < n && isUnknownStart(text, end)) end++;
        // At most 20 UTF-16 units, not cutting a surrogate pair in two; one emoji is one character.
        let cut = Math.min(end, start + 20);
        if (cut < end && cut > start + 1 && (text.charCodeAt(cut - 1) & 0xfc00) === 0xd800) cut--;
        const bad = text.slice(start, cut);
        const single =
          end - start === 1 || (end - start === 2 && (text.charCodeAt(start) & 0xfc00) === 0xd800 && (text.charCodeAt(start + 1) & 0xfc00) === 0xdc00);
        let message: string;
        if (bad.startsWith('&&')) message = "Unexpected '&&': use 'and'";
        else if (bad.startsWith('||')) message = "Unexpected '||': use 'or'";
        else if (bad === '!') message = "Unexpected '!': use 'not'";
        else if (INVISIBLE.test(bad)) message = `Unexpected character${single ? '' : 's'} ${codePoints(bad)}${end > cut ? ' …' : ''}`;
        else message = single ? `Unexpected character '${bad}'` : `Unexpected characters '${bad}${end > cut ? '…' : ''}'`;
        this.error(message, start, end);
        this.pos = end;
        this.pendingNewline = newlineBefore;
        this.skipped = true;
        this.docFirst = this.docLast = -1;
        return undefined;
      }
      this.pos = start + len;
      tok.kind = kind;
    }
    tok.end = this.pos;
    tok.endPos = { line: this.line, character: this.pos - this.lineStart };
    return tok;
  }

  /** Scans `//…` or `///…` to the end of the line (not consuming the line end). */
  private scanLineComment(atLineStart: boolean): void {
    const text = this.text;
    const n = text.length;
    const start = this.pos;
    let end = start + 2;
    while (end < n && !isLineBreak(text.charCodeAt(end))) end++;
    this.pos = end;
    const index = this.comments.length;
    this.comments.push({
      kind: 'Comment',
      style: 'line',
      text: detachedString(text.slice(start, end)),
      range: this.rangeOnLine(start, end),
    });
    // `///` (but not `////`) on a line of its own extends or starts a doc run.
    const isDoc = text.charCodeAt(start + 2) === 47 && text.charCodeAt(start + 3) !== 47;
    if (isDoc && atLineStart) {
      if (this.docFirst >= 0 && this.newlinesSinceDoc === 1) this.docLast = index;
      else this.docFirst = this.docLast = index;
      this.newlinesSinceDoc = 0;
    } else {
      this.docFirst = this.docLast = -1;
    }
  }

  /**
   * Scans `/* … *\/` (possibly over several lines); an unterminated one is an error.
   * Returns whether the comment contains a line end.
   */
  private scanBlockComment(): boolean {
    const text = this.text;
    const start = this.pos;
    const startLine = this.line;
    const startChar = start - this.lineStart;
    let i = start + 2;
    const n = text.length;
    let closed = false;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 42 && text.charCodeAt(i + 1) === 47) {
        i += 2;
        closed = true;
        break;
      }
      if (c === 10 || c === 13) {
        i += c === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
        this.line++;
        this.lineStart = i;
        continue;
      }
      i++;
    }
    this.pos = i;
    const range: Range = {
      start: { line: startLine, character: startChar },
      end: { line: this.line, character: i - this.lineStart },
    };
    this.comments.push({ kind: 'Comment', style: 'block', text: detachedString(text.slice(start, i)), range });
    this.docFirst = this.docLast = -1;
    if (!closed) {
      this.skipped = true;
      if (this.diagnostics.length < MAX_DIAGNOSTICS)
        this.diagnostics.push({
          code: 'syntax-error',
          message: "Unterminated comment: expected '*/'",
          range: { start: range.start, end: { line: startLine, character: startChar + 2 } },
        });
    }
    return this.line !== startLine;
  }

  /** Integer `42` or decimal `3.14` (a `.` not followed by a digit is not part of the number). */
  private scanNumber(tok: Token): void {
    const text = this.text;
    DIGITS.lastIndex = tok.start;
    DIGITS.test(text);
    let end = DIGITS.lastIndex;
    let kind: 'Integer' | 'Decimal' = 'Integer';
    if (text.charCodeAt(end) === 46) {
      const d = text.charCodeAt(end + 1);
      if (d >= 48 && d <= 57) {
        DIGITS.lastIndex = end + 1;
        DIGITS.test(text);
        end = DIGITS.lastIndex;
        kind = 'Decimal';
      }
    }
    // `12abc`: a number glued to letters is one malformed token.
    if (end < text.length && isIdentChar(text.charCodeAt(end))) {
      let bad = end;
      while (bad < text.length && isIdentChar(text.charCodeAt(bad))) bad++;
      this.error(`Invalid number '${text.slice(tok.start, Math.min(bad, tok.start + 40))}'`, tok.start, bad);
      this.pos = bad;
    } else {
      this.pos = end;
    }
    tok.kind = kind;
    tok.value = Number(text.slice(tok.start, end));
  }

  /** `"…"` with escapes `\" \\ \n \t`; ends at the closing quote or (unterminated) the line end. */
  private scanString(tok: Token): void {
    const text = this.text;
    const n = text.length;
    let i = tok.start + 1;
    let value = '';
    let chunk = i;
    let closed = false;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        value += text.slice(chunk, i);
        i++;
        closed = true;
        break;
      }
      if (isLineBreak(c)) break;
      if (c === 92 /* \ */) {
        value += text.slice(chunk, i);
        const e = text[i + 1];
        if (e === '"' || e === '\\') value += e;
        else if (e === 'n') value += '\n';
        else if (e === 't') value += '\t';
        else if (e === undefined || isLineBreak(text.charCodeAt(i + 1))) {
          i++;
          chunk = i;
          continue; // unterminated: reported below
        } else {
          this.error(`Unknown escape sequence '\\${e}' (use \\" \\\\ \\n or \\t)`, i, i + 2);
          value += e;
        }
        i += 2;
        chunk = i;
        continue;
      }
      i++;
    }
    if (!closed) {
      value += text.slice(chunk, i);
      this.error("Unterminated string literal: expected '\"'", tok.start, i);
      tok.unterminated = true;
    }
    this.pos = i;
    tok.kind = 'String';
    tok.value = detachedString(value);
  }

  /** `#2026-11-30#`, `#2026-11-30 14:05:00#`, `#14:05:00#`; malformed ones are one error. */
  private scanDateTime(tok: Token): void {
    const text = this.text;
    const n = text.length;
    const start = tok.start;
    let i = start + 1;
    while (i < n) {
      const c = text.charCodeAt(i);
      // digits, '-', ':', ' ', '.', letters: anything plausible inside a date/time literal
      if ((c >= 48 && c <= 58) || c === 45 || c === 32 || c === 46 || isIdentChar(c)) i++;
      else break;
    }
    let body: string;
    if (text.charCodeAt(i) === 35) {
      body = text.slice(start + 1, i);
      i++;
      const { kind, valid } = classifyDateTime(body);
      tok.kind = kind;
      if (!valid) {
        this.error(
          `Invalid date/time literal '#${body.length > 40 ? body.slice(0, 40) + '…' : body}#': expected #YYYY-MM-DD#, #YYYY-MM-DD hh:mm:ss# or #hh:mm:ss#`,
          start,
          i,
        );
      }
    } else {
      // Unterminated: keep only the part that looks like a literal (digits, '-', ':', single
      // blanks between them), so that what follows is scanned normally.
      i = start + 1;
      while (i < n) {
        const c = text.charCodeAt(i);
        if ((c >= 48 && c <= 58) || c === 45) i++;
        else if (c === 32 && i > start + 1 && text.charCodeAt(i + 1) >= 48 && text.charCodeAt(i + 1) <= 57) i++;
        else break;
      }
      body = text.slice(start + 1, i);
      tok.kind = classifyDateTime(body).kind;
      this.error("Unterminated date/time literal: expected '#'", start, i);
      tok.unterminated = true;
    }
    this.pos = i;
    tok.value = detachedString(body);
  }

  private rangeOnLine(start: number, end: number): Range {
    return {
      start: { line: this.line, character: start - this.lineStart },
      end: { line: this.line, character: end - this.lineStart },
    };
  }

  /** Reports an error on the current line between two offsets. */
  private error(message: string, start: number, end: number): void {
    if (this.diagnostics.length >= MAX_DIAGNOSTICS) return;
    this.diagnostics.push({ code: 'syntax-error', message, range: this.rangeOnLine(start, end) });
  }
}

/**
 * Scans a whole text at once (convenient for tests and tools such as semantic highlighting).
 *
 * @param text the source text.
 * @returns every token up to and including the final `EOF`, the comments and the lexical errors.
 */
export function tokenize(text: string): { tokens: Token[]; comments: Comment[]; diagnostics: SyntaxDiagnostic[] } {
  const scanner = new Scanner(text);
  const tokens: Token[] = [];
  for (;;) {
    const t = scanner.scan();
    tokens.push(t);
    if (t.kind === 'EOF') break;
  }
  return { tokens, comments: scanner.comments, diagnostics: scanner.diagnostics };
}
