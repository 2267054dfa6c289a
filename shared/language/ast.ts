/**
 * The typed syntax tree of Logic (SPEC 3.2), produced by `parser.ts`.
 *
 * Positions follow LSP: `line` is 0-based, `character` is a 0-based UTF-16 code-unit offset in
 * that line. Every node carries its `range` (end exclusive). Nodes that the parser had to invent
 * while recovering from an error are still present: a missing identifier has `name: ''` and an
 * empty range at the point where it was expected; a missing expression is a `Missing` node.
 */

/** A 0-based line and 0-based UTF-16 character offset (as LSP counts). */
export interface Position {
  line: number;
  character: number;
}

/** A half-open range `[start, end)` of positions. */
export interface Range {
  start: Position;
  end: Position;
}

interface NodeBase {
  range: Range;
}

/** An identifier. `name` is `''` when the parser expected one and found none. */
export interface Identifier extends NodeBase {
  kind: 'Identifier';
  name: string;
}

/**
 * A doc comment: the consecutive `///` lines directly before a declaration, field or parameter
 * (SPEC 3.1). `text` is the Markdown with the `///` markers (and one following space) removed and
 * the `@param` lines taken out; `params` maps a parameter name to its `@param` text.
 */
export interface DocComment extends NodeBase {
  kind: 'DocComment';
  text: string;
  params: Record<string, string>;
}

/** A comment of any kind, kept for tooling (folding, leak tests); never rendered into interfaces. */
export interface Comment extends NodeBase {
  kind: 'Comment';
  /** `line` for `//` (including `///`), `block` for `/* … *\/`. */
  style: 'line' | 'block';
  text: string;
}

/** A problem found by the scanner or parser; always code `syntax-error` (SPEC 3.4). */
export interface SyntaxDiagnostic {
  code: 'syntax-error';
  message: string;
  range: Range;
}

/** One parsed `.logic` file (or interface document). */
export interface SourceFile extends NodeBase {
  kind: 'SourceFile';
  declarations: Declaration[];
  comments: Comment[];
  diagnostics: SyntaxDiagnostic[];
}

export type Declaration = StructureDecl | ServerActionDecl | ScreenDecl;

interface DeclarationBase extends NodeBase {
  /** True when preceded by `public`. */
  isPublic: boolean;
  /** Range of the `public` keyword, when present. */
  publicRange?: Range;
  name: Identifier;
  doc?: DocComment;
}

export interface StructureDecl extends DeclarationBase {
  kind: 'Structure';
  fields: FieldDecl[];
}

export interface FieldDecl extends NodeBase {
  kind: 'Field';
  name: Identifier;
  /** Undefined only when the parser could not find a type. */
  type?: TypeNode;
  default?: Expression;
  doc?: DocComment;
}

export interface ServerActionDecl extends DeclarationBase {
  kind: 'ServerAction';
  params: ParamDecl[];
  /** The outputs of `returns ( … )`; empty when there is no `returns` clause. */
  returns: ParamDecl[];
  /** Undefined when the body is `;` (interface files, SPEC 3.5). */
  body?: Block;
}

export interface ScreenDecl extends DeclarationBase {
  kind: 'Screen';
  members: (VarDecl | ClientActionDecl)[];
}

export interface ClientActionDecl extends NodeBase {
  kind: 'ClientAction';
  name: Identifier;
  params: ParamDecl[];
  returns: ParamDecl[];
  body: Block;
  doc?: DocComment;
}

/** An input or output parameter; a `default` makes an input optional (SPEC 3.3). */
export interface ParamDecl extends NodeBase {
  kind: 'Param';
  name: Identifier;
  type?: TypeNode;
  default?: Expression;
  doc?: DocComment;
}

export const BASIC_TYPES = [
  'Text',
  'Integer',
  'LongInteger',
  'Decimal',
  'Boolean',
  'Date',
  'Time',
  'DateTime',
  'Currency',
  'Email',
  'PhoneNumber',
  'BinaryData',
] as const;
export type BasicTypeName = (typeof BASIC_TYPES)[number];

export type TypeNode = BasicTypeNode | ListTypeNode | NamedTypeNode;

export interface BasicTypeNode extends NodeBase {
  kind: 'BasicType';
  name: BasicTypeName;
}

export interface ListTypeNode extends NodeBase {
  kind: 'ListType';
  /** Undefined when missing (`List<`). */
  element?: TypeNode;
}

/** `Name` (same module) or `Module.Name`. */
export interface NamedTypeNode extends NodeBase {
  kind: 'NamedType';
  module?: Identifier;
  name: Identifier;
}

export interface Block extends NodeBase {
  kind: 'Block';
  statements: Statement[];
}

export type Statement = VarDecl | AssignmentStatement | IfStatement | ForStatement | WhileStatement | ReturnStatement | ExpressionStatement;

export interface VarDecl extends NodeBase {
  kind: 'Var';
  name: Identifier;
  type?: TypeNode;
  init?: Expression;
}

export interface AssignmentStatement extends NodeBase {
  kind: 'Assignment';
  /** An `Identifier`, `Member` or `Index` expression (SPEC 3.2 Target). */
  target: Expression;
  value: Expression;
}

export interface IfStatement extends NodeBase {
  kind: 'If';
  condition: Expression;
  then: Block;
  else?: Block | IfStatement;
}

export interface ForStatement extends NodeBase {
  kind: 'For';
  variable: Identifier;
  iterable: Expression;
  body: Block;
}

export interface WhileStatement extends NodeBase {
  kind: 'While';
  condition: Expression;
  body: Block;
}

export interface ReturnStatement extends NodeBase {
  kind: 'Return';
}

export interface ExpressionStatement extends NodeBase {
  kind: 'ExpressionStatement';
  expression: Expression;
}

export type Expression =
  Identifier | LiteralExpr | MemberExpr | CallExpr | IndexExpr | BinaryExpr | UnaryExpr | ParenExpr | ListLiteral | RecordLiteral | MissingExpr;

export type LiteralKind = 'Integer' | 'Decimal' | 'Text' | 'Boolean' | 'Date' | 'DateTime' | 'Time';

export interface LiteralExpr extends NodeBase {
  kind: 'Literal';
  literalKind: LiteralKind;
  /** Decoded value: a number for Integer/Decimal, the unescaped text for Text, a boolean, or
   *  the text between `#`s for dates and times. */
  value: string | number | boolean;
  /** The source text of the literal. */
  raw: string;
}

/** `object.member`; `member.name` is `''` for incomplete code such as `OrderAPI.`. */
export interface MemberExpr extends NodeBase {
  kind: 'Member';
  object: Expression;
  member: Identifier;
}

export interface CallExpr extends NodeBase {
  kind: 'Call';
  callee: Expression;
  args: Argument[];
  /** Range of `(`. */
  openParen: Range;
  /** Range of `)`; undefined when the call is not closed. */
  closeParen?: Range;
}

/** A positional (`name` undefined) or named (`name: value`) argument. */
export interface Argument extends NodeBase {
  kind: 'Argument';
  name?: Identifier;
  value: Expression;
}

export interface IndexExpr extends NodeBase {
  kind: 'Index';
  object: Expression;
  index: Expression;
}

export type BinaryOperator = 'or' | 'and' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/' | '%';

export interface BinaryExpr extends NodeBase {
  kind: 'Binary';
  operator: BinaryOperator;
  operatorRange: Range;
  left: Expression;
  right: Expression;
}

export interface UnaryExpr extends NodeBase {
  kind: 'Unary';
  operator: '-' | 'not';
  operand: Expression;
}

export interface ParenExpr extends NodeBase {
  kind: 'Paren';
  expression: Expression;
}

export interface ListLiteral extends NodeBase {
  kind: 'List';
  elements: Expression[];
}

/** `Type { field: value, … }` or `Module.Type { … }`. */
export interface RecordLiteral extends NodeBase {
  kind: 'Record';
  type: NamedTypeNode;
  fields: RecordField[];
}

export interface RecordField extends NodeBase {
  kind: 'RecordField';
  name: Identifier;
  value: Expression;
}

/** An expression the parser expected but did not find (zero-width at that point). */
export interface MissingExpr extends NodeBase {
  kind: 'Missing';
}

/** Any node of the tree. */
export type Node =
  SourceFile | Declaration | FieldDecl | ParamDecl | ClientActionDecl | TypeNode | Block | Statement | Expression | Argument | RecordField | DocComment;
