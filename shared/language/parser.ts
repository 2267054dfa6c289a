/**
 * The Logic parser (SPEC 3.2): a hand-written, error-tolerant recursive-descent parser that turns
 * the tokens of `scanner.ts` into the tree of `ast.ts`.
 *
 * Error tolerance (SPEC 3.2): one mistake yields one `syntax-error` diagnostic, the rest of the
 * file still parses, and every node keeps its range. Missing pieces are invented: an identifier
 * with `name: ''`, a `Missing` expression, an empty block — all zero-width at the *gap point*
 * (just after the previous token and the blanks that follow it on its line), so that a cursor
 * typed there (`OrderAPI.|`, `CreateOrder(customerId: |`) is inside them. Unclosed calls, lists,
 * records, parentheses and blocks end at that gap point too.
 *
 * Recovery: a declaration-level mistake skips to the next `public`/`structure`/`server`/`screen`;
 * a statement- or member-level mistake skips to the end of the line (or `;`), keeping `{ }`
 * balanced; a block, structure or screen whose `}` is missing ends at the next declaration keyword.
 * A second error at the same position as the previous one, or right after a lexical error, is
 * not reported.
 *
 * Newlines (SPEC 3.1 "Statements end at a newline or `;`"; the rules the SPEC leaves open):
 * - A statement (and a field, screen `var`) ends at a line end or `;`; a `}` on the same line
 *   also ends it.
 * - A token at the start of a line never continues the expression before it: not a binary
 *   operator, not a postfix `.`, `(` or `[` (so `(`/`[` at a line start begin a new statement).
 * - A line end is insignificant inside `( )` (parenthesised expressions, argument and parameter
 *   lists), `[ ]` (lists, indexes) and record-literal braces, and right after a binary operator,
 *   `not`, unary `-`, `,`, `(`, `[` and a record's `{` (the operand may be on the next line).
 * - After `.` the member name must be on the same line (`OrderAPI.` followed by a new line is an
 *   incomplete member access, not a member named by the next line's first word).
 * - After `=` (variable initialiser, assignment, default value) and after `:` in a declaration
 *   (the type), the value or type must start on the same line.
 * - A block's `{` may be on the next line (Allman style); `else` may follow `}` on the next line.
 * - Inside an argument list (record literal), a token on a new line that is neither `)`/`,`
 *   (`}`/`,`) nor the start of a named argument `name:` ends the unclosed call (record), so a
 *   missing `)` does not swallow the next statement.
 *
 * Record literals (`T { … }`, `M.T { … }`) are not recognised directly in the condition of
 * `if`/`while` or the list of `for` (there `{` starts the block), unless parenthesised or inside
 * a call's arguments or a list.
 *
 * Robustness: linear time; never loops without consuming a token; nesting deeper than
 * `MAX_NESTING` (parentheses, brackets, unary operators, blocks), more than `MAX_OPERATIONS` postfix
 * operations on one path of an expression, and chains longer than `MAX_CHAIN` (binary operators
 * at one level, `else if`) are reported once and
 * skipped, so tree depth stays bounded and neither the parser nor recursive tree walkers overflow
 * the stack.
 */
import {
  BASIC_TYPES,
  type Argument,
  type BasicTypeName,
  type BinaryOperator,
  type Block,
  type ClientActionDecl,
  type Declaration,
  type DocComment,
  type Expression,
  type FieldDecl,
  type Identifier,
  type IfStatement,
  type ListLiteral,
  type LiteralExpr,
  type MissingExpr,
  type NamedTypeNode,
  type ParamDecl,
  type Position,
  type Range,
  type RecordField,
  type RecordLiteral,
  type ScreenDecl,
  type ServerActionDecl,
  type SourceFile,
  type Statement,
  type StructureDecl,
  type SyntaxDiagnostic,
  type TypeNode,
  type VarDecl,
} from './ast';
import { MAX_DIAGNOSTICS, Scanner, detachedString, type Token, type TokenKind } from './scanner';

/** Deepest nesting of parentheses, brackets, unary operators and blocks the parser accepts. */
export const MAX_NESTING = 256;
/** Longest chain of binary operators at one level, or of `else if`s. */
export const MAX_CHAIN = 2000;
/**
 * Most postfix operations (`.x`, `(…)`, `[…]`, record braces) on the path from an expression's root
 * to any of its nodes: a chain of them makes the tree that deep, and chains inside the arguments of
 * a chain add up. Bounding the sum keeps recursive tree walkers (the checker) far from the stack
 * limit; one more is one syntax error (issue 5, hardening). Binary chains are walked iteratively.
 */
export const MAX_OPERATIONS = 500;

const BASIC_TYPE_SET: ReadonlySet<string> = new Set(BASIC_TYPES);

/** Binding strength of the binary operators (SPEC 3.2: Or < And < (Not) < Cmp < Add < Mul). */
const PRECEDENCE: Partial<Record<TokenKind, number>> = {
  or: 1,
  and: 2,
  '==': 4,
  '!=': 4,
  '<': 4,
  '<=': 4,
  '>': 4,
  '>=': 4,
  '+': 5,
  '-': 5,
  '*': 6,
  '/': 6,
  '%': 6,
};
const CMP_PRECEDENCE = 4;

/** Keywords that are never taken as a (misspelt) name during recovery: they structure the text. */
const STRUCTURAL: ReadonlySet<TokenKind> = new Set<TokenKind>(['public', 'structure', 'server', 'client', 'screen', 'returns']);

function isDeclarationStart(kind: TokenKind): boolean {
  return kind === 'public' || kind === 'structure' || kind === 'server' || kind === 'screen';
}

/** Whether a `{ … }` body (structure, screen, block) whose `}` is missing ends at `kind`. */
function endsBody(kind: TokenKind): boolean {
  return kind === 'EOF' || isDeclarationStart(kind);
}

function isKeywordKind(kind: TokenKind): boolean {
  return /^[a-z]/.test(kind);
}

function canStartExpression(kind: TokenKind): boolean {
  switch (kind) {
    case 'Identifier':
    case 'Integer':
    case 'Decimal':
    case 'String':
    case 'Date':
    case 'DateTime':
    case 'Time':
    case 'true':
    case 'false':
    case '(':
    case '[':
    case '-':
    case 'not':
      return true;
    default:
      return false;
  }
}

function describe(tok: Token, text: string): string {
  if (tok.kind === 'EOF') return 'end of file';
  const raw = text.slice(tok.start, Math.min(tok.end, tok.start + 30));
  return `'${raw}${tok.end - tok.start > 30 ? '…' : ''}'`;
}

/** Thrown internally to unwind when the nesting limit is hit; never escapes `parse`. */
class Parser {
  private readonly text: string;
  private readonly scanner: Scanner;
  private tok: Token;
  private ahead: Token | undefined;
  private prev: Token | undefined;
  /** End of the last consumed token or invented (gap) node. */
  private endPos: Position = { line: 0, character: 0 };
  private readonly diagnostics: SyntaxDiagnostic[] = [];
  private lastErrorLine = -1;
  private lastErrorChar = -1;
  /** The current token when the last error was reported: no second error before moving on. */
  private lastErrorTok: Token | undefined;
  /** Whether a line end ends the current expression (false inside brackets). */
  private nlSignificant = true;
  /** Whether `T { … }` is a record literal here (false in if/while conditions and for lists). */
  private allowRecord = true;
  private depth = 0;
  /** Postfix operations of the enclosing chains (see {@link MAX_OPERATIONS}). */
  private operations = 0;
  /** Work counter (see {@link ParseStats}); a private one when the caller passes none. */
  private readonly stats: ParseStats;

  constructor(text: string, stats: ParseStats = { steps: 0 }) {
    this.text = text;
    this.stats = stats;
    this.scanner = new Scanner(text);
    this.tok = this.scanner.scan();
  }

  // ---------------------------------------------------------------- tokens and positions

  private next(): void {
    this.stats.steps++;
    this.prev = this.tok;
    this.endPos = this.tok.endPos;
    if (this.ahead) {
      this.tok = this.ahead;
      this.ahead = undefined;
    } else if (!this.at('EOF')) {
      this.tok = this.scanner.scan();
    }
  }

  /** Whether the current token is of `kind` (a method, so that TypeScript does not narrow). */
  private at(kind: TokenKind): boolean {
    return this.tok.kind === kind;
  }

  private peek(): Token {
    if (!this.ahead) this.ahead = this.at('EOF') ? this.tok : this.scanner.scan();
    return this.ahead;
  }

  private startOf(tok: Token): Position {
    return tok.startPos;
  }

  private tokRange(tok: Token): Range {
    return { start: tok.startPos, end: tok.endPos };
  }

  /** The last gap point computed, for the same previous and current token (see `gapPos`). */
  private gapCache: { prev: Token; tok: Token; pos: Position } | undefined;

  /**
   * The gap point: after the previous token and the blanks that follow it on its line. Cached per
   * (previous, current) token: unwinding 256 unclosed brackets asks for it at each level, and
   * rescanning a long run of blanks each time made the parse quadratic (issue 5, hardening).
   */
  private gapPos(): Position {
    const prev = this.prev;
    if (!prev) return { line: 0, character: 0 };
    this.stats.steps++;
    const cached = this.gapCache;
    if (cached && cached.prev === prev && cached.tok === this.tok) return cached.pos;
    const text = this.text;
    let i = prev.end;
    while (i < text.length) {
      this.stats.steps++;
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9) i++;
      else break;
    }
    if (!this.tok.newlineBefore && this.tok.start < i) i = this.tok.start;
    const pos = i === prev.end ? prev.endPos : { line: prev.endPos.line, character: prev.endPos.character + (i - prev.end) };
    this.gapCache = { prev, tok: this.tok, pos };
    return pos;
  }

  /** Extends the end of the nodes being built to the gap point, and returns it. */
  private markGap(): Position {
    const gap = this.gapPos();
    if (gap.line > this.endPos.line || (gap.line === this.endPos.line && gap.character > this.endPos.character)) {
      this.endPos = gap;
    }
    return gap;
  }

  private rangeFrom(start: Position): Range {
    return { start, end: this.endPos };
  }

  /** Where an "Expected …" error goes: the current token if on the same line, else the gap point. */
  private expectedRange(): Range {
    if (!this.tok.newlineBefore && !this.at('EOF')) return this.tokRange(this.tok);
    const gap = this.gapPos();
    return { start: gap, end: gap };
  }

  private atLineStart(): boolean {
    return this.tok.newlineBefore && this.nlSignificant;
  }

  // ---------------------------------------------------------------- diagnostics

  private error(message: string, range: Range = this.expectedRange()): void {
    this.stats.steps++;
    if (this.tok === this.lastErrorTok) return;
    if (range.start.line === this.lastErrorLine && range.start.character === this.lastErrorChar) return;
    // A lexical error right before already explains what follows.
    if (this.tok.skippedBefore || this.prev?.unterminated) return;
    this.lastErrorLine = range.start.line;
    this.lastErrorChar = range.start.character;
    this.lastErrorTok = this.tok;
    if (this.diagnostics.length >= MAX_DIAGNOSTICS) return;
    this.diagnostics.push({ code: 'syntax-error', message, range });
  }

  /**
   * Skips the rest of a broken line: consumes at least one token (unless at `}`/EOF), then
   * everything up to a line end, a `;` (consumed) or a `}`, keeping `{ }` balanced. Stops before a
   * declaration keyword at the start of a line even inside braces.
   */
  private skipLine(): void {
    let braces = 0;
    let first = true;
    for (;;) {
      const t = this.tok;
      if (t.kind === 'EOF') return;
      if (!first) {
        if (t.newlineBefore && isDeclarationStart(t.kind)) return;
        if (braces === 0 && t.newlineBefore) return;
      }
      if (t.kind === '}') {
        if (braces === 0) return;
        braces--;
      } else if (t.kind === '{') braces++;
      else if (t.kind === ';' && braces === 0) {
        this.next();
        return;
      }
      this.next();
      first = false;
    }
  }

  /**
   * After the nesting limit: skips to a line start where the brackets skipped are balanced (or to
   * a declaration keyword at a line start). Errors at the token where it stops are not reported:
   * they would only be consequences of the skip.
   */
  private skipNested(): void {
    let balance = 0;
    let first = true;
    for (;;) {
      const t = this.tok;
      if (t.kind === 'EOF') break;
      if (!first && t.newlineBefore && (balance <= 0 || isDeclarationStart(t.kind))) break;
      if (t.kind === '(' || t.kind === '[' || t.kind === '{') balance++;
      else if (t.kind === ')' || t.kind === ']' || t.kind === '}') balance--;
      this.next();
      first = false;
    }
    this.lastErrorTok = this.tok;
  }

  // ---------------------------------------------------------------- names and docs

  private identifierFrom(tok: Token): Identifier {
    return { kind: 'Identifier', name: tok.value as string, range: this.tokRange(tok) };
  }

  private missingIdentifier(): Identifier {
    this.stats.steps++;
    const gap = this.markGap();
    return { kind: 'Identifier', name: '', range: { start: gap, end: gap } };
  }

  /**
   * A declared name: an identifier on the same line. A misplaced non-structural keyword on the
   * same line is taken as the name (with an error); otherwise the name is missing (`''`).
   */
  private parseName(message: string): Identifier {
    const t = this.tok;
    if (t.kind === 'Identifier' && !t.newlineBefore) {
      this.next();
      return this.identifierFrom(t);
    }
    if (!t.newlineBefore && isKeywordKind(t.kind) && !STRUCTURAL.has(t.kind)) {
      this.error(`'${t.kind}' is a keyword and cannot be used as a name`, this.tokRange(t));
      this.next();
      return { kind: 'Identifier', name: t.kind, range: this.tokRange(t) };
    }
    this.error(message);
    return this.missingIdentifier();
  }

  /** The doc comment recorded on `tok` by the scanner (SPEC 3.1), if any. */
  private docOf(tok: Token): DocComment | undefined {
    if (tok.docFirst < 0) return undefined;
    const comments = this.scanner.comments;
    const lines: string[] = [];
    const params: Record<string, string> = {};
    for (let i = tok.docFirst; i <= tok.docLast; i++) {
      let line = comments[i].text.slice(3);
      if (line.startsWith(' ')) line = line.slice(1);
      const m = /^\s*@param\s+([A-Za-z_][A-Za-z0-9_]*)\s*(.*)$/.exec(line);
      if (m) params[m[1]] = m[2].trimEnd();
      else lines.push(line.trimEnd());
    }
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    while (lines.length > 0 && lines[0] === '') lines.shift();
    return {
      kind: 'DocComment',
      text: lines.join('\n'),
      params,
      range: { start: comments[tok.docFirst].range.start, end: comments[tok.docLast].range.end },
    };
  }

  // ---------------------------------------------------------------- declarations

  parseSourceFile(): SourceFile {
    const steps = this.parseSourceFileSteps(Infinity);
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
    }
  }

  /** {@link parseSourceFile}, yielding after every `perStep` top-level declarations (see {@link parseSteps}). */
  *parseSourceFileSteps(perStep: number): Generator<void, SourceFile> {
    const declarations: Declaration[] = [];
    let sinceYield = 0;
    while (!this.at('EOF')) {
      if (++sinceYield > perStep) {
        sinceYield = 1;
        yield;
      }
      const before = this.tok;
      if (isDeclarationStart(this.tok.kind)) {
        const d = this.parseDeclaration();
        if (d) declarations.push(d);
      } else {
        this.error(
          this.at('client')
            ? 'A client action must be declared inside a screen'
            : `Expected a declaration ('structure', 'server action' or 'screen'), found ${describe(this.tok, this.text)}`,
          this.tokRange(this.tok),
        );
        this.next();
        while (!this.at('EOF') && !isDeclarationStart(this.tok.kind)) this.next();
      }
      if (this.tok === before) this.next(); // safety net: always progress
    }
    const eof = this.tok;
    const diagnostics = [...this.scanner.diagnostics, ...this.diagnostics]
      .sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character)
      .slice(0, MAX_DIAGNOSTICS);
    return {
      kind: 'SourceFile',
      declarations,
      comments: this.scanner.comments,
      diagnostics,
      range: { start: { line: 0, character: 0 }, end: eof.startPos },
    };
  }

  private parseDeclaration(): Declaration | undefined {
    this.stats.steps++;
    const first = this.tok;
    const start = this.startOf(first);
    const doc = this.docOf(first);
    let publicRange: Range | undefined;
    if (first.kind === 'public') {
      publicRange = this.tokRange(first);
      this.next();
    }
    const base = { isPublic: publicRange !== undefined, ...(publicRange ? { publicRange } : {}), ...(doc ? { doc } : {}) };
    switch (this.tok.kind) {
      case 'structure':
        return this.parseStructure(start, base);
      case 'server':
        return this.parseServerAction(start, base);
      case 'screen':
        return this.parseScreen(start, base);
      default:
        this.error(`Expected 'structure', 'server action' or 'screen' after 'public'`);
        return undefined;
    }
  }

  private parseStructure(start: Position, base: DeclBase): StructureDecl {
    this.next(); // structure
    const name = this.parseName("Expected the structure's name");
    let fields: FieldDecl[] = [];
    if (this.expectBrace("Expected '{' to start the structure's fields")) {
      fields = this.parseDelimitedList<FieldDecl>({
        separator: ';',
        close: '}',
        isStart: (t) => !endsBody(t.kind) && t.kind !== 'client',
        closeMessage: "Expected '}' to close the structure",
        parseElement: (t) => {
          if (t.kind !== 'Identifier') {
            this.error(`Expected a field name, found ${describe(t, this.text)}`, this.tokRange(t));
            this.skipLine();
            return undefined;
          }
          const mark = this.diagnostics.length;
          const field = this.parseField();
          this.endOfLine(mark, 'field');
          return field;
        },
      }).elements;
    }
    return { kind: 'Structure', ...base, name, fields, range: this.rangeFrom(start) };
  }

  private parseField(): FieldDecl {
    const nameTok = this.tok;
    const doc = this.docOf(nameTok);
    this.next();
    const name = this.identifierFrom(nameTok);
    const { type, def } = this.parseTypeAndDefault('field');
    return {
      kind: 'Field',
      name,
      ...(type ? { type } : {}),
      ...(def ? { default: def } : {}),
      ...(doc ? { doc } : {}),
      range: this.rangeFrom(name.range.start),
    };
  }

  /** `: Type [= Expr]` after the name of a field or parameter. */
  private parseTypeAndDefault(what: 'field' | 'parameter'): { type?: TypeNode; def?: Expression } {
    let type: TypeNode | undefined;
    if (this.at(':')) {
      this.next();
      type = this.parseType("Expected a type after ':'");
    } else if (this.at('Identifier') && !this.tok.newlineBefore) {
      this.error(`Expected ':' between the ${what} name and its type`);
      type = this.parseType('');
    } else {
      this.error(`Expected ':' and the ${what}'s type`);
    }
    let def: Expression | undefined;
    if (this.at('=')) {
      this.next();
      def = this.parseValue("Expected a default value after '='");
    }
    return { type, def };
  }

  private parseServerAction(start: Position, base: DeclBase): ServerActionDecl {
    this.next(); // server
    if (this.at('action')) this.next();
    else this.error("Expected 'action' after 'server'");
    const name = this.parseName("Expected the server action's name");
    const params = this.parseParamList('(', "Expected '(' to start the parameter list");
    const returns = this.parseReturns();
    let body: Block | undefined;
    if (this.at(';')) {
      this.next();
    } else {
      body = this.parseBlockOrMissing("Expected '{' to start the action's body, or ';'", false);
    }
    return { kind: 'ServerAction', ...base, name, params, returns, ...(body ? { body } : {}), range: this.rangeFrom(start) };
  }

  private parseReturns(): ParamDecl[] {
    if (!this.at('returns')) return [];
    this.next();
    return this.parseParamList('(', "Expected '(' after 'returns'");
  }

  /** `( [Param {, Param}] )`; returns [] without consuming when `(` is missing. */
  private parseParamList(_open: '(', missingOpen: string): ParamDecl[] {
    if (!this.at('(')) {
      this.error(missingOpen);
      return [];
    }
    this.next();
    return this.parseDelimitedList<ParamDecl>({
      separator: ',',
      close: ')',
      isStart: (t) => t.kind === 'Identifier',
      parseElement: () => this.parseParam(),
      missingSeparator: (u) => u.kind === 'Identifier' && !u.newlineBefore,
      closeMessage: "Expected ')' to close the parameter list",
      notStartMessage: (t) =>
        isKeywordKind(t.kind) && !STRUCTURAL.has(t.kind) && t.kind !== 'EOF'
          ? `'${t.kind}' is a keyword and cannot be used as a name`
          : "Expected ')' to close the parameter list",
      emptyMessage: 'Expected a parameter name',
      trailingMessage: "Expected a parameter after ','",
      betweenMessage: "Expected ',' between parameters",
    }).elements;
  }

  private parseParam(): ParamDecl {
    const nameTok = this.tok;
    const doc = this.docOf(nameTok);
    this.next();
    const name = this.identifierFrom(nameTok);
    const { type, def } = this.parseTypeAndDefault('parameter');
    return {
      kind: 'Param',
      name,
      ...(type ? { type } : {}),
      ...(def ? { default: def } : {}),
      ...(doc ? { doc } : {}),
      range: this.rangeFrom(name.range.start),
    };
  }

  private parseScreen(start: Position, base: DeclBase): ScreenDecl {
    this.next(); // screen
    const name = this.parseName("Expected the screen's name");
    let members: (VarDecl | ClientActionDecl)[] = [];
    if (this.expectBrace("Expected '{' to start the screen")) {
      members = this.parseDelimitedList<VarDecl | ClientActionDecl>({
        separator: ';',
        close: '}',
        isStart: (t) => !endsBody(t.kind),
        closeMessage: "Expected '}' to close the screen",
        parseElement: (t) => {
          if (t.kind === 'var') {
            const mark = this.diagnostics.length;
            const v = this.parseVar();
            this.endOfLine(mark, 'variable');
            return v;
          }
          if (t.kind === 'client') return this.parseClientAction();
          this.error(`Expected 'var' or 'client action' in the screen, found ${describe(t, this.text)}`, this.tokRange(t));
          this.skipLine();
          return undefined;
        },
      }).elements;
    }
    return { kind: 'Screen', ...base, name, members, range: this.rangeFrom(start) };
  }

  private parseClientAction(): ClientActionDecl {
    const first = this.tok;
    const doc = this.docOf(first);
    const start = this.startOf(first);
    this.next(); // client
    if (this.at('action')) this.next();
    else this.error("Expected 'action' after 'client'");
    const name = this.parseName("Expected the client action's name");
    const params = this.parseParamList('(', "Expected '(' to start the parameter list");
    const returns = this.parseReturns();
    const body = this.parseBlockOrMissing("Expected '{' to start the action's body", true);
    return { kind: 'ClientAction', name, params, returns, body, ...(doc ? { doc } : {}), range: this.rangeFrom(start) };
  }

  /** Consumes a `{` (possibly later on the same line after junk, or on the next line). */
  private expectBrace(message: string): boolean {
    if (this.at('{')) {
      this.next();
      return true;
    }
    this.error(message);
    return this.skipToBraceOnLine();
  }

  /** After an error: skips the rest of the line up to a `{` on it; consumes it if found. */
  private skipToBraceOnLine(): boolean {
    while (!this.tok.newlineBefore && !this.at('EOF') && !this.at('{') && !this.at('}') && !this.at(';')) {
      this.next();
    }
    if (this.at('{') && !this.tok.newlineBefore) {
      this.next();
      return true;
    }
    return false;
  }

  /**
   * Every list of the grammar, after its opening token (as TypeScript's `parseDelimitedList` and
   * `parseList`): elements up to `list.close`, which it consumes.
   * - `','` lists (parameters, arguments, record fields, list literals): new lines are insignificant;
   *   a `,` with no element before it, a trailing `,` and two elements without a `,` between them
   *   (`missingSeparator`) are each reported and parsing goes on; any other token after an element
   *   ends the list with `closeMessage`.
   * - `';'` lists (structure fields, screen members, block statements): new lines are significant
   *   and each element's parser checks its own end (`endOfLine`); empty `;` are skipped; an
   *   element that consumed nothing is stepped over, so the loop always progresses.
   * A token that cannot start an element (`isStart`) ends the list with `notStartMessage`
   * (default `closeMessage`) at the gap point, which is marked (SPEC 3.2 recovery).
   * @returns the elements (those `parseElement` returned), and the range of the closing token when
   *   it was there
   */
  private parseDelimitedList<T>(list: DelimitedList<T>): { elements: T[]; close?: Range } {
    const saved = this.saveContext(list.separator === ';', true);
    const elements: T[] = [];
    let close: Range | undefined;
    for (;;) {
      const t = this.tok;
      if (t.kind === list.close) {
        close = this.tokRange(t);
        this.next();
        break;
      }
      if (t.kind === list.separator) {
        if (list.separator === ',') this.error(list.emptyMessage, this.tokRange(t));
        this.next();
        continue;
      }
      if (!list.isStart(t)) {
        this.error(list.notStartMessage?.(t) ?? list.closeMessage);
        this.markGap();
        break;
      }
      const element = list.parseElement(t);
      if (element !== undefined) elements.push(element);
      if (list.separator === ';') {
        if (this.tok === t) this.next(); // safety net: always progress
        continue;
      }
      const u = this.tok;
      if (u.kind === ',') {
        this.next();
        if (this.at(list.close)) this.error(list.trailingMessage);
        continue;
      }
      if (u.kind === list.close) continue;
      if (list.missingSeparator(u)) {
        this.error(list.betweenMessage);
        continue;
      }
      this.error(list.closeMessage);
      this.markGap();
      break;
    }
    this.restoreContext(saved);
    return { elements, ...(close ? { close } : {}) };
  }

  private saveContext(nlSignificant: boolean, allowRecord: boolean): [boolean, boolean] {
    const saved: [boolean, boolean] = [this.nlSignificant, this.allowRecord];
    this.nlSignificant = nlSignificant;
    this.allowRecord = allowRecord;
    return saved;
  }

  private restoreContext(saved: [boolean, boolean]): void {
    this.nlSignificant = saved[0];
    this.allowRecord = saved[1];
  }

  /**
   * The end of a line-terminated item (statement, field, screen `var`): `;`, a line end, `}` or
   * the end of the file. Otherwise reports (unless the item already had an error since `mark`)
   * and skips the rest of the line.
   */
  private endOfLine(mark: number, what: string, hint = ''): void {
    const t = this.tok;
    if (t.kind === ';') {
      this.next();
      return;
    }
    if (t.newlineBefore || t.kind === '}' || t.kind === 'EOF') return;
    if (what === 'field' && t.kind === ',') {
      // `structure S { a: Text, b: Text }`: report once, keep the following fields.
      this.error("Fields are separated by new lines or ';', not ','", this.tokRange(t));
      this.next();
      return;
    }
    if (this.diagnostics.length === mark) {
      this.error(`Expected a new line or ';' after the ${what}, found ${describe(t, this.text)}${hint}`, this.tokRange(t));
    }
    this.skipLine();
  }

  // ---------------------------------------------------------------- blocks and statements

  /**
   * A block if `{` comes next (on this or a later line); else reports `message`, looks for a `{`
   * later on the same line, and otherwise returns an empty zero-width block at the gap point.
   */
  private parseBlockOrMissing(message: string, _required: boolean): Block {
    if (this.at('{')) return this.parseBlock();
    this.error(message + (this.at('=') && !this.tok.newlineBefore ? " (use '==' to compare)" : ''));
    while (!this.tok.newlineBefore && !this.at('EOF') && !this.at('{') && !this.at('}') && !this.at(';')) {
      this.next();
    }
    if (this.at('{') && !this.tok.newlineBefore) return this.parseBlock();
    const gap = this.markGap();
    return { kind: 'Block', statements: [], range: { start: gap, end: gap } };
  }

  /** `{ { Statement } }`; the current token is `{`. */
  private parseBlock(): Block {
    this.stats.steps++;
    const open = this.tok;
    const start = this.startOf(open);
    if (this.depth >= MAX_NESTING) {
      this.error(`Blocks nested too deeply (more than ${MAX_NESTING} levels)`, this.tokRange(open));
      // Skip the whole balanced block.
      let braces = 0;
      do {
        if (this.at('{')) braces++;
        else if (this.at('}')) braces--;
        this.next();
      } while (braces > 0 && !this.at('EOF'));
      return { kind: 'Block', statements: [], range: this.rangeFrom(start) };
    }
    this.depth++;
    this.next();
    const statements = this.parseDelimitedList<Statement>({
      separator: ';',
      close: '}',
      isStart: (t) => !endsBody(t.kind) && t.kind !== 'client',
      closeMessage: "Expected '}' to close the block",
      parseElement: () => this.parseStatement(),
    }).elements;
    this.depth--;
    return { kind: 'Block', statements, range: this.rangeFrom(start) };
  }

  private parseStatement(): Statement | undefined {
    this.stats.steps++;
    const t = this.tok;
    const mark = this.diagnostics.length;
    switch (t.kind) {
      case 'var': {
        const v = this.parseVar();
        this.endOfLine(mark, 'statement');
        return v;
      }
      case 'if':
        return this.parseIf();
      case 'for':
        return this.parseFor();
      case 'while':
        return this.parseWhile();
      case 'return': {
        this.next();
        const r: Statement = { kind: 'Return', range: this.tokRange(t) };
        this.endOfLine(mark, "'return'", ' (an action returns by assigning its outputs)');
        return r;
      }
      case 'else':
        this.error("'else' without a matching 'if'", this.tokRange(t));
        this.skipLine();
        return undefined;
    }
    if (!canStartExpression(t.kind)) {
      this.error(`Expected a statement, found ${describe(t, this.text)}`, this.tokRange(t));
      this.skipLine();
      return undefined;
    }
    const start = this.startOf(t);
    const expr = this.parseExpression();
    let stmt: Statement;
    if (this.at('=') && !this.tok.newlineBefore) {
      if (!isAssignable(expr) && this.diagnostics.length === mark) {
        this.error('Invalid assignment target: expected a variable, an output, a field or a list element', expr.range);
      }
      this.next();
      const value = this.parseValue("Expected a value after '='");
      stmt = { kind: 'Assignment', target: expr, value, range: this.rangeFrom(start) };
    } else {
      stmt = { kind: 'ExpressionStatement', expression: expr, range: this.rangeFrom(start) };
    }
    this.endOfLine(mark, 'statement');
    return stmt;
  }

  /** `var Name [: Type] [= Expr]`; the current token is `var`. */
  private parseVar(): VarDecl {
    const start = this.startOf(this.tok);
    this.next();
    const name = this.parseName("Expected the variable's name after 'var'");
    let type: TypeNode | undefined;
    if (this.at(':')) {
      this.next();
      type = this.parseType("Expected a type after ':'");
    }
    let init: Expression | undefined;
    if (this.at('=')) {
      this.next();
      init = this.parseValue("Expected a value after '='");
    }
    return { kind: 'Var', name, ...(type ? { type } : {}), ...(init ? { init } : {}), range: this.rangeFrom(start) };
  }

  /** `if Expr Block [else (If | Block)]`, with `else if` chains parsed iteratively. */
  private parseIf(): IfStatement {
    const links: { start: Position; condition: Expression; then: Block }[] = [];
    let elseBlock: Block | undefined;
    let tooLong = false;
    for (;;) {
      const start = this.startOf(this.tok);
      this.next(); // if
      const condition = this.parseCondition("Expected a condition after 'if'");
      const then = this.parseBlockOrMissing("Expected '{' to start the 'if' block", true);
      if (!tooLong) links.push({ start, condition, then });
      if (!this.at('else')) break;
      const elseTok = this.tok;
      this.next();
      if (this.at('if')) {
        if (links.length >= MAX_CHAIN && !tooLong) {
          this.error(`Too many 'else if' branches (more than ${MAX_CHAIN})`, this.tokRange(elseTok));
          tooLong = true;
        }
        continue;
      }
      const b = this.parseBlockOrMissing("Expected '{' or 'if' after 'else'", true);
      if (!tooLong) elseBlock = b;
      break;
    }
    const end = this.endPos;
    let node: IfStatement | undefined;
    for (let i = links.length - 1; i >= 0; i--) {
      const l = links[i];
      const elsePart: Block | IfStatement | undefined = node ?? elseBlock;
      node = {
        kind: 'If',
        condition: l.condition,
        then: l.then,
        ...(elsePart ? { else: elsePart } : {}),
        range: { start: l.start, end },
      };
    }
    return node!;
  }

  /** `for Name in Expr Block`. */
  private parseFor(): Statement {
    const start = this.startOf(this.tok);
    this.next();
    const variable = this.parseName("Expected the loop variable's name after 'for'");
    if (this.at('in')) this.next();
    else this.error("Expected 'in' after the loop variable");
    const iterable = this.parseCondition("Expected the list to iterate over after 'in'");
    const body = this.parseBlockOrMissing("Expected '{' to start the loop body", true);
    return { kind: 'For', variable, iterable, body, range: this.rangeFrom(start) };
  }

  /** `while Expr Block`. */
  private parseWhile(): Statement {
    const start = this.startOf(this.tok);
    this.next();
    const condition = this.parseCondition("Expected a condition after 'while'");
    const body = this.parseBlockOrMissing("Expected '{' to start the loop body", true);
    return { kind: 'While', condition, body, range: this.rangeFrom(start) };
  }

  /** An expression where a record literal is not allowed (if/while conditions, for lists). */
  private parseCondition(message: string): Expression {
    const saved = this.saveContext(this.nlSignificant, false);
    const e = this.at('{') || this.tok.newlineBefore ? this.missing(message) : this.parseExpressionOr(message);
    this.restoreContext(saved);
    return e;
  }

  // ---------------------------------------------------------------- types

  /** `BasicType | List<Type> | Name | Module.Name`, starting on the current line. */
  private parseType(message: string): TypeNode | undefined {
    this.stats.steps++;
    const t = this.tok;
    if (t.kind !== 'Identifier' || t.newlineBefore) {
      if (message) this.error(message);
      return undefined;
    }
    this.next();
    const first = this.identifierFrom(t);
    const start = first.range.start;
    if (first.name === 'List') {
      if (!this.at('<')) {
        this.error("Expected '<' after 'List' (write List<ElementType>)");
        return { kind: 'ListType', range: this.rangeFrom(start) };
      }
      this.next();
      if (this.depth >= MAX_NESTING) {
        this.error(`Types nested too deeply (more than ${MAX_NESTING} levels)`);
        this.skipNested();
        return { kind: 'ListType', range: this.rangeFrom(start) };
      }
      this.depth++;
      const element = this.parseType("Expected the element type after 'List<'");
      this.depth--;
      if (this.at('>')) this.next();
      else {
        this.error("Expected '>' to close 'List<…>'");
        this.markGap();
      }
      return { kind: 'ListType', ...(element ? { element } : {}), range: this.rangeFrom(start) };
    }
    if (this.at('.') && !this.tok.newlineBefore) {
      this.next();
      let name: Identifier;
      if (this.at('Identifier') && !this.tok.newlineBefore) {
        name = this.identifierFrom(this.tok);
        this.next();
      } else {
        this.error("Expected a type name after '.'");
        name = this.missingIdentifier();
      }
      return { kind: 'NamedType', module: first, name, range: this.rangeFrom(start) };
    }
    if (BASIC_TYPE_SET.has(first.name)) {
      return { kind: 'BasicType', name: first.name as BasicTypeName, range: first.range };
    }
    return { kind: 'NamedType', name: first, range: first.range };
  }

  // ---------------------------------------------------------------- expressions

  private missing(message: string): MissingExpr {
    this.stats.steps++;
    this.error(message);
    const gap = this.markGap();
    return { kind: 'Missing', range: { start: gap, end: gap } };
  }

  /** An expression, or `Missing` (reporting `message`) when none can start here. */
  private parseExpressionOr(message: string): Expression {
    return canStartExpression(this.tok.kind) ? this.parseExpression() : this.missing(message);
  }

  /** The value after `=`: must start on the same line. */
  private parseValue(message: string): Expression {
    return this.tok.newlineBefore ? this.missing(message) : this.parseExpressionOr(message);
  }

  private parseExpression(): Expression {
    return this.parseBinary(1);
  }

  /** Precedence climbing over SPEC 3.2's Or/And/Cmp/Add/Mul; comparisons do not chain. */
  private parseBinary(minPrec: number): Expression {
    this.stats.steps++;
    let left = this.parseOperand();
    let count = 0;
    let sawComparison = false;
    for (;;) {
      const t = this.tok;
      const prec = PRECEDENCE[t.kind];
      if (prec === undefined || prec < minPrec || this.atLineStart()) break;
      if (prec === CMP_PRECEDENCE) {
        if (sawComparison) this.error("Comparisons cannot be chained; combine them with 'and'", this.tokRange(t));
        sawComparison = true;
      }
      if (++count > MAX_CHAIN) {
        this.error(`Expression too long (more than ${MAX_CHAIN} operators in a row)`, this.tokRange(t));
        this.skipNested();
        break;
      }
      this.next();
      const right = canStartExpression(this.tok.kind) ? this.parseBinary(prec + 1) : this.missing(`Expected an expression after '${t.kind}'`);
      left = {
        kind: 'Binary',
        operator: t.kind as BinaryOperator,
        operatorRange: this.tokRange(t),
        left,
        right,
        range: this.rangeFrom(left.range.start),
      };
    }
    return left;
  }

  /** `not Cmp`, `- Unary` or a postfix expression. */
  private parseOperand(): Expression {
    const t = this.tok;
    if (t.kind !== 'not' && t.kind !== '-') return this.parsePostfix();
    if (this.depth >= MAX_NESTING) return this.tooDeep();
    this.depth++;
    this.next();
    let operand: Expression;
    if (!canStartExpression(this.tok.kind)) operand = this.missing(`Expected an expression after '${t.kind}'`);
    else if (t.kind === 'not') operand = this.parseBinary(CMP_PRECEDENCE);
    else operand = this.parseOperand();
    this.depth--;
    return { kind: 'Unary', operator: t.kind, operand, range: this.rangeFrom(this.startOf(t)) };
  }

  private tooDeep(): MissingExpr {
    const start = this.startOf(this.tok);
    this.error(`Expression nested too deeply (more than ${MAX_NESTING} levels)`, this.tokRange(this.tok));
    this.skipNested();
    return { kind: 'Missing', range: this.rangeFrom(start) };
  }

  /** `Primary { .Name | ( Args ) | [ Expr ] }`, plus record literals after `T`/`M.T`. */
  private parsePostfix(): Expression {
    const outer = this.operations;
    try {
      return this.parsePostfixChain();
    } finally {
      this.operations = outer;
    }
  }

  private parsePostfixChain(): Expression {
    let expr = this.parsePrimary();
    let count = 0;
    for (;;) {
      const t = this.tok;
      if (this.atLineStart()) break;
      if (t.kind !== '.' && t.kind !== '(' && t.kind !== '[' && t.kind !== '{') break;
      if (t.kind === '{' && !(this.allowRecord && isRecordType(expr))) break;
      if (++count > MAX_CHAIN || ++this.operations > MAX_OPERATIONS) {
        this.error(`Expression too long (more than ${MAX_OPERATIONS} operations in a row)`, this.tokRange(t));
        this.skipNested();
        break;
      }
      const start = expr.range.start;
      if (t.kind === '.') {
        this.next();
        let member: Identifier;
        const m = this.tok;
        if (m.kind === 'Identifier' && !m.newlineBefore) {
          this.next();
          member = this.identifierFrom(m);
        } else if (isKeywordKind(m.kind) && !m.newlineBefore && m.kind !== 'EOF' && !STRUCTURAL.has(m.kind)) {
          this.error(`'${m.kind}' is a keyword and cannot be used as a member name`, this.tokRange(m));
          this.next();
          member = { kind: 'Identifier', name: m.kind, range: this.tokRange(m) };
        } else {
          this.error("Expected a member name after '.'");
          member = this.missingIdentifier();
        }
        expr = { kind: 'Member', object: expr, member, range: this.rangeFrom(start) };
      } else if (t.kind === '(') {
        expr = this.parseCall(expr);
      } else if (t.kind === '[') {
        if (this.depth >= MAX_NESTING) return this.tooDeep();
        this.depth++;
        this.next();
        const saved = this.saveContext(false, true);
        const index = this.parseExpressionOr("Expected an index expression after '['");
        if (this.at(']')) this.next();
        else {
          this.error("Expected ']' to close the index");
          this.markGap();
        }
        this.restoreContext(saved);
        this.depth--;
        expr = { kind: 'Index', object: expr, index, range: this.rangeFrom(start) };
      } else {
        expr = this.parseRecord(expr as RecordTypeExpr);
      }
    }
    return expr;
  }

  /** `callee ( [Arg {, Arg}] )`; the current token is `(`. */
  private parseCall(callee: Expression): Expression {
    if (this.depth >= MAX_NESTING) return this.tooDeep();
    this.depth++;
    const open = this.tok;
    this.next();
    let sawNamed = false;
    let reportedOrder = false;
    const { elements: args, close: closeParen } = this.parseDelimitedList<Argument>({
      separator: ',',
      close: ')',
      isStart: (t) => canStartExpression(t.kind),
      parseElement: () => {
        const arg = this.parseArgument();
        if (arg.name) sawNamed = true;
        else if (sawNamed && !reportedOrder) {
          this.error('Positional arguments must come before named arguments', arg.range);
          reportedOrder = true;
        }
        return arg;
      },
      // On a new line only a named argument (`name:`) continues the call.
      missingSeparator: (u) => (u.newlineBefore ? u.kind === 'Identifier' && this.peek().kind === ':' : canStartExpression(u.kind)),
      closeMessage: "Expected ')' to close the call",
      emptyMessage: "Expected an argument before ','",
      trailingMessage: "Expected an argument after ','",
      betweenMessage: "Expected ',' between arguments",
    });
    this.depth--;
    return {
      kind: 'Call',
      callee,
      args,
      openParen: this.tokRange(open),
      ...(closeParen ? { closeParen } : {}),
      range: this.rangeFrom(callee.range.start),
    };
  }

  /** `[Name :] Expr`. */
  private parseArgument(): Argument {
    const t = this.tok;
    const start = this.startOf(t);
    if (t.kind === 'Identifier' && this.peek().kind === ':') {
      this.next();
      this.next();
      const name = this.identifierFrom(t);
      const value = this.parseExpressionOr(`Expected a value for the argument '${name.name}'`);
      return { kind: 'Argument', name, value, range: this.rangeFrom(start) };
    }
    const value = this.parseExpression();
    return { kind: 'Argument', value, range: this.rangeFrom(start) };
  }

  /** `T { [Name : Expr {, Name : Expr}] }`; the current token is `{`. */
  private parseRecord(typeExpr: RecordTypeExpr): RecordLiteral {
    const type: NamedTypeNode =
      typeExpr.kind === 'Identifier'
        ? { kind: 'NamedType', name: typeExpr, range: typeExpr.range }
        : { kind: 'NamedType', module: typeExpr.object, name: typeExpr.member, range: typeExpr.range };
    const start = typeExpr.range.start;
    if (this.depth >= MAX_NESTING) {
      this.tooDeep();
      return { kind: 'Record', type, fields: [], range: this.rangeFrom(start) };
    }
    this.depth++;
    this.next(); // {
    const fields = this.parseDelimitedList<RecordField>({
      separator: ',',
      close: '}',
      isStart: (t) => t.kind === 'Identifier',
      parseElement: (t) => this.parseRecordField(t),
      missingSeparator: (u) => u.kind === 'Identifier' && (!u.newlineBefore || this.peek().kind === ':'),
      closeMessage: "Expected '}' to close the record",
      emptyMessage: "Expected a field name before ','",
      trailingMessage: "Expected a field after ','",
      betweenMessage: "Expected ',' between fields",
    }).elements;
    this.depth--;
    return { kind: 'Record', type, fields, range: this.rangeFrom(start) };
  }

  /** `Name : Expr` in a record literal; the current token `t` is the name. */
  private parseRecordField(t: Token): RecordField {
    this.next();
    const name = this.identifierFrom(t);
    let value: Expression;
    if (this.at(':')) {
      this.next();
      value = this.parseExpressionOr(`Expected a value for the field '${name.name}'`);
    } else if (canStartExpression(this.tok.kind) && !this.tok.newlineBefore) {
      this.error(`Expected ':' between the field name '${name.name}' and its value`);
      value = this.parseExpression();
    } else {
      value = this.missing(`Expected ':' and a value after the field name '${name.name}'`);
    }
    return { kind: 'RecordField', name, value, range: this.rangeFrom(name.range.start) };
  }

  private parsePrimary(): Expression {
    this.stats.steps++;
    const t = this.tok;
    switch (t.kind) {
      case 'Identifier':
        this.next();
        return this.identifierFrom(t);
      case 'Integer':
      case 'Decimal':
      case 'String':
      case 'Date':
      case 'DateTime':
      case 'Time': {
        this.next();
        const lit: LiteralExpr = {
          kind: 'Literal',
          literalKind: t.kind === 'String' ? 'Text' : t.kind,
          value: t.value as string | number,
          raw: detachedString(this.text.slice(t.start, t.end)),
          range: this.tokRange(t),
        };
        return lit;
      }
      case 'true':
      case 'false':
        this.next();
        return { kind: 'Literal', literalKind: 'Boolean', value: t.kind === 'true', raw: t.kind, range: this.tokRange(t) };
      case '(': {
        if (this.depth >= MAX_NESTING) return this.tooDeep();
        this.depth++;
        this.next();
        const saved = this.saveContext(false, true);
        const expression = this.parseExpressionOr("Expected an expression after '('");
        if (this.at(')')) this.next();
        else {
          this.error("Expected ')' to close the parenthesis");
          this.markGap();
        }
        this.restoreContext(saved);
        this.depth--;
        return { kind: 'Paren', expression, range: this.rangeFrom(this.startOf(t)) };
      }
      case '[':
        return this.parseList();
      default:
        return this.missing(`Expected an expression, found ${describe(t, this.text)}`);
    }
  }

  /** `[ [Expr {, Expr}] ]`; the current token is `[`. */
  private parseList(): Expression {
    if (this.depth >= MAX_NESTING) return this.tooDeep();
    this.depth++;
    const open = this.tok;
    this.next();
    const elements = this.parseDelimitedList<Expression>({
      separator: ',',
      close: ']',
      isStart: (t) => canStartExpression(t.kind),
      parseElement: () => this.parseExpression(),
      missingSeparator: (u) => canStartExpression(u.kind) && !u.newlineBefore,
      closeMessage: "Expected ']' to close the list",
      emptyMessage: "Expected a list element before ','",
      trailingMessage: "Expected a list element after ','",
      betweenMessage: "Expected ',' between list elements",
    }).elements;
    this.depth--;
    const list: ListLiteral = { kind: 'List', elements, range: this.rangeFrom(this.startOf(open)) };
    return list;
  }
}

type DeclBase = { isPublic: boolean; publicRange?: Range; doc?: DocComment };

/** What {@link Parser.parseDelimitedList} needs to know of one kind of list. */
type DelimitedList<T> = {
  /** The token that closes the list (consumed). */
  close: ')' | ']' | '}';
  /** Whether `t` starts an element; any other token ends the list, reported. */
  isStart(t: Token): boolean;
  /** Parses one element starting at `t` (the current token); `undefined` when it reported and skipped instead. */
  parseElement(t: Token): T | undefined;
  /** Reported when the list ends without its closing token. */
  closeMessage: string;
  /** Reported instead of `closeMessage` when the list ends at a token that cannot start an element. */
  notStartMessage?(t: Token): string;
} & (
  | { separator: ';' }
  | {
      separator: ',';
      /** Whether `u`, after an element and not `,` or the close, is an element missing its `,`. */
      missingSeparator(u: Token): boolean;
      /** A `,` with no element before it. */
      emptyMessage: string;
      /** A `,` right before the closing token. */
      trailingMessage: string;
      /** Two elements without a `,` between them. */
      betweenMessage: string;
    }
);
type RecordTypeExpr = Identifier | (Expression & { kind: 'Member'; object: Identifier });

/** `T` or `M.T` with real names: what may precede a record literal's `{` (SPEC 3.2 Primary). */
function isRecordType(e: Expression): e is RecordTypeExpr {
  if (e.kind === 'Identifier') return e.name !== '';
  return e.kind === 'Member' && e.object.kind === 'Identifier' && e.object.name !== '' && e.member.name !== '';
}

/** SPEC 3.2 `Target = Ident { "." Ident | "[" Expr "]" }`. */
function isAssignable(e: Expression): boolean {
  for (;;) {
    if (e.kind === 'Identifier') return true;
    if (e.kind === 'Member' || e.kind === 'Index') e = e.object;
    else return false;
  }
}

/**
 * Parses one `.logic` file or interface document (SPEC 3.2, 3.5).
 *
 * Never throws, on any input. Linear in the text's length.
 *
 * @param text the whole source text (any of `\n`, `\r\n`, `\r` line ends).
 * @param stats optional work counter, increased by this parse (see {@link ParseStats}; tests only).
 * @returns the tree: every declaration that could be recognised (also after mistakes), every
 *   comment (`comments`, raw source text), and the lexical and syntax errors (`diagnostics`, code
 *   `syntax-error`, sorted by position, at most `MAX_DIAGNOSTICS` of them). All ranges are LSP ranges (0-based line, UTF-16
 *   character, end exclusive). Doc comments (`///` lines directly before a declaration, field,
 *   parameter or client action) are attached as `doc`, outside their owner's range. A `;` body
 *   (interface documents) gives `body: undefined` without a diagnostic: the checker decides where
 *   it is allowed. Position objects are shared between nodes (a zero-width range's `start` and
 *   `end` may be one object): treat the tree as immutable.
 */
export function parse(text: string, stats?: ParseStats): SourceFile {
  return new Parser(text, stats).parseSourceFile();
}

/**
 * {@link parse} a few top-level declarations at a time: the generator yields after every
 * `declarationsPerStep` declarations and returns the same tree as `parse(text)` (issue 15: a
 * dependency's files are parsed in the background with requests answered between the steps).
 * The text must not change meanwhile (strings cannot; the caller drops a stale result).
 */
export function parseSteps(text: string, declarationsPerStep: number): Generator<void, SourceFile> {
  return new Parser(text).parseSourceFileSteps(declarationsPerStep);
}

/**
 * A deterministic work counter of one parse (issue 5, hardening: "linear in the input" is asserted
 * on work, not time). `steps` is increased once per token consumed, per character the gap-point
 * computation looks at, per diagnostic attempted, per invented node and per entry into the
 * declaration, block, statement, type and expression rules, so it bounds the parser's own work;
 * the tests assert `steps <= c * (text.length + 1)`.
 */
export interface ParseStats {
  steps: number;
}
