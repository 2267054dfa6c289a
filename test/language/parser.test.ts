// The Logic parser (SPEC 3.2): every construct with exact ranges, then broken and incomplete
// inputs (each must give a tree, exactly the expected diagnostics, and the declarations after the
// mistake), then pathological inputs (no hang, no stack overflow).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse, MAX_NESTING } from '../../shared/language/parser';
import { comparePositions, findNodePath, forEachChild, rangeContains, walk } from '../../shared/language/visit';
import { MAX_DIAGNOSTICS } from '../../shared/language/scanner';
import type {
  AssignmentStatement,
  Block,
  CallExpr,
  ClientActionDecl,
  Expression,
  ExpressionStatement,
  ForStatement,
  IfStatement,
  Node,
  Range,
  ScreenDecl,
  ServerActionDecl,
  SourceFile,
  Statement,
  StructureDecl,
  VarDecl,
  WhileStatement,
} from '../../shared/language/ast';

/** `l:c-l:c` (0-based) for compact range assertions. */
function r(range: Range): string {
  return `${range.start.line}:${range.start.character}-${range.end.line}:${range.end.character}`;
}

function ok(text: string): SourceFile {
  const file = parse(text);
  assert.deepEqual(file.diagnostics, [], `unexpected diagnostics for ${JSON.stringify(text)}`);
  return file;
}

/** Parses `server action A() {\n<body>\n}` and returns the statements of the body. */
function body(lines: string): Statement[] {
  const file = ok(`server action A() {\n${lines}\n}`);
  return (file.declarations[0] as ServerActionDecl).body!.statements;
}

/** The expression of `x = <expr>` on line 1 (column 6 is where `<expr>` starts). */
function expr(source: string): Expression {
  const [s] = body(`  x = ${source}`);
  assert.equal(s.kind, 'Assignment');
  return (s as AssignmentStatement).value;
}

/** A compact rendering of an expression tree: operators and precedence made visible. */
function show(e: Expression): string {
  switch (e.kind) {
    case 'Identifier':
      return e.name;
    case 'Literal':
      return e.raw;
    case 'Binary':
      return `(${show(e.left)} ${e.operator} ${show(e.right)})`;
    case 'Unary':
      return `(${e.operator} ${show(e.operand)})`;
    case 'Paren':
      return `[${show(e.expression)}]`;
    case 'Member':
      return `${show(e.object)}.${e.member.name}`;
    case 'Call':
      return `${show(e.callee)}(${e.args.map((a) => (a.name ? `${a.name.name}: ` : '') + show(a.value)).join(', ')}${e.closeParen ? ')' : ''}`;
    case 'Index':
      return `${show(e.object)}[${show(e.index)}]`;
    case 'List':
      return `list(${e.elements.map(show).join(', ')})`;
    case 'Record':
      return `${e.type.module ? e.type.module.name + '.' : ''}${e.type.name.name}{${e.fields.map((f) => `${f.name.name}: ${show(f.value)}`).join(', ')}}`;
    case 'Missing':
      return '?';
  }
}

describe('parser: declarations', () => {
  const src = [
    '/// An order line.',
    'public structure OrderLine {',
    '  /// The product.',
    '  productId: Text',
    '  quantity: Integer = 1',
    '  lines: List<OrderAPI.OrderLine>',
    '  total: Currency; note: Common.Note',
    '}',
    '',
    '/// Creates an order.',
    '/// Second line.',
    '/// @param customerId the customer',
    '/// @param lines   the lines  ',
    'public server action CreateOrder(',
    '  /// Who orders.',
    '  customerId: Text,',
    '  lines: List<OrderLine> = [],',
    '  dryRun: Boolean = false',
    ') returns (orderId: Text, total: Decimal) {',
    '}',
    'server action Declared(a: Integer) returns (b: Integer);',
    'structure Empty {}',
    'screen NewOrder {',
    '  var count: Integer = 0',
    '  var title = "New"',
    '  /// Saves it.',
    '  client action Save(force: Boolean) returns (ok: Boolean) {',
    '    ok = force',
    '  }',
    '}',
  ].join('\n');
  const file = ok(src);
  const [line, create, declared, empty, screen] = file.declarations as [StructureDecl, ServerActionDecl, ServerActionDecl, StructureDecl, ScreenDecl];

  it('finds every declaration with its kind, name, visibility and range', () => {
    assert.deepEqual(
      file.declarations.map((d) => [d.kind, d.name.name, d.isPublic, r(d.range), r(d.name.range)]),
      [
        ['Structure', 'OrderLine', true, '1:0-7:1', '1:17-1:26'],
        ['ServerAction', 'CreateOrder', true, '13:0-19:1', '13:21-13:32'],
        ['ServerAction', 'Declared', false, '20:0-20:56', '20:14-20:22'],
        ['Structure', 'Empty', false, '21:0-21:18', '21:10-21:15'],
        ['Screen', 'NewOrder', false, '22:0-29:1', '22:7-22:15'],
      ],
    );
    assert.equal(r(line.publicRange!), '1:0-1:6');
    assert.equal(declared.publicRange, undefined);
    assert.equal(r(file.range), '0:0-29:1');
  });

  it('parses fields with types, defaults, doc comments and `;` separators', () => {
    assert.deepEqual(
      line.fields.map((f) => [f.name.name, r(f.range), f.type?.kind, r(f.type!.range)]),
      [
        ['productId', '3:2-3:17', 'BasicType', '3:13-3:17'],
        ['quantity', '4:2-4:23', 'BasicType', '4:12-4:19'],
        ['lines', '5:2-5:33', 'ListType', '5:9-5:33'],
        ['total', '6:2-6:17', 'BasicType', '6:9-6:17'],
        ['note', '6:19-6:36', 'NamedType', '6:25-6:36'],
      ],
    );
    const q = line.fields[1];
    assert.equal(q.default?.kind, 'Literal');
    assert.equal(r(q.default!.range), '4:22-4:23');
    const list = line.fields[2].type!;
    assert.ok(list.kind === 'ListType' && list.element?.kind === 'NamedType');
    assert.equal(list.element.module?.name, 'OrderAPI');
    assert.equal(r(list.element.module!.range), '5:14-5:22');
    assert.equal(list.element.name.name, 'OrderLine');
    assert.equal(r(list.element.range), '5:14-5:32');
    const note = line.fields[4].type!;
    assert.ok(note.kind === 'NamedType');
    assert.equal(note.module?.name, 'Common');
    assert.deepEqual(line.fields[0].doc, { kind: 'DocComment', text: 'The product.', params: {}, range: line.fields[0].doc!.range });
    assert.equal(r(line.fields[0].doc!.range), '2:2-2:18');
    assert.equal(line.fields[1].doc, undefined);
    assert.equal(line.doc?.text, 'An order line.');
    assert.equal(r(line.doc!.range), '0:0-0:18');
  });

  it('parses parameters, defaults, returns, doc comments with @param tags', () => {
    assert.deepEqual(
      create.params.map((p) => [p.name.name, r(p.range), p.type?.kind, p.default ? r(p.default.range) : null]),
      [
        ['customerId', '15:2-15:18', 'BasicType', null],
        ['lines', '16:2-16:29', 'ListType', '16:27-16:29'],
        ['dryRun', '17:2-17:25', 'BasicType', '17:20-17:25'],
      ],
    );
    assert.deepEqual(
      create.returns.map((p) => [p.name.name, r(p.range)]),
      [
        ['orderId', '18:11-18:24'],
        ['total', '18:26-18:40'],
      ],
    );
    assert.equal(r(create.body!.range), '18:42-19:1');
    assert.deepEqual(create.doc?.params, { customerId: 'the customer', lines: 'the lines' });
    assert.equal(create.doc?.text, 'Creates an order.\nSecond line.');
    assert.equal(r(create.doc!.range), '9:0-12:30');
    assert.equal(create.params[0].doc?.text, 'Who orders.');
  });

  it('records a `;` body as no body, without a diagnostic', () => {
    assert.equal(declared.body, undefined);
    assert.deepEqual(
      declared.returns.map((p) => p.name.name),
      ['b'],
    );
    assert.deepEqual(empty.fields, []);
  });

  it('parses screens with vars and client actions', () => {
    assert.equal(screen.members.length, 3);
    const [count, title, save] = screen.members as [VarDecl, VarDecl, ClientActionDecl];
    assert.equal(count.kind, 'Var');
    assert.equal(r(count.range), '23:2-23:24');
    assert.equal(count.type?.kind, 'BasicType');
    assert.equal(r(count.init!.range), '23:23-23:24');
    assert.equal(title.type, undefined);
    assert.equal(save.kind, 'ClientAction');
    assert.equal(save.name.name, 'Save');
    assert.equal(r(save.range), '26:2-28:3');
    assert.equal(save.doc?.text, 'Saves it.');
    assert.deepEqual(
      save.params.map((p) => p.name.name),
      ['force'],
    );
    assert.deepEqual(
      save.returns.map((p) => p.name.name),
      ['ok'],
    );
    assert.equal(save.body.statements[0].kind, 'Assignment');
  });

  it('keeps every comment, with its style and raw text', () => {
    const f = ok('// a\nstructure S { /* b\nc */ x: Text } /// d\n');
    assert.deepEqual(
      f.comments.map((c) => [c.style, c.text, r(c.range)]),
      [
        ['line', '// a', '0:0-0:4'],
        ['block', '/* b\nc */', '1:14-2:4'],
        ['line', '/// d', '2:15-2:20'],
      ],
    );
  });

  it('attaches a doc comment only when directly before (no blank line, own lines)', () => {
    const f = ok('/// detached\n\nstructure A {}\n/// a\n// plain\nstructure B {}\n//// four\nstructure C {}\n/// d\nstructure D {}');
    assert.deepEqual(
      f.declarations.map((d) => d.doc?.text ?? null),
      [null, null, null, 'd'],
    );
  });

  it('accepts Allman braces, CRLF and CR line ends', () => {
    const f = ok('server action A()\r\n{\r\n  x = 1\r\n}\rstructure S\n{\n}');
    assert.equal(f.declarations.length, 2);
    assert.equal(r(f.declarations[0].range), '0:0-3:1');
    assert.equal(r(f.declarations[1].range), '4:0-6:1');
  });
});

describe('parser: statements', () => {
  it('parses every statement kind with ranges', () => {
    const stmts = body(
      [
        '  var total: Decimal = 0',
        '  var n',
        '  total = total + 1',
        '  order.lines[0].quantity = 2',
        '  if a { x = 1 } else if b { x = 2 } else { x = 3 }',
        '  for line in lines { Log(line) }',
        '  while i < 10 { i = i + 1 }',
        '  return',
        '  LogMessage("done"); n = 1',
      ].join('\n'),
    );
    assert.deepEqual(
      stmts.map((s) => [s.kind, r(s.range)]),
      [
        ['Var', '1:2-1:24'],
        ['Var', '2:2-2:7'],
        ['Assignment', '3:2-3:19'],
        ['Assignment', '4:2-4:29'],
        ['If', '5:2-5:51'],
        ['For', '6:2-6:33'],
        ['While', '7:2-7:28'],
        ['Return', '8:2-8:8'],
        ['ExpressionStatement', '9:2-9:20'],
        ['Assignment', '9:22-9:27'],
      ],
    );
    const v = stmts[0] as VarDecl;
    assert.equal(r(v.name.range), '1:6-1:11');
    assert.equal(r(v.type!.range), '1:13-1:20');
    const target = (stmts[2 + 1] as AssignmentStatement).target;
    assert.equal(show(target), 'order.lines[0].quantity');
    assert.equal(r(target.range), '4:2-4:25');
    const iff = stmts[4] as IfStatement;
    assert.equal(r(iff.condition.range), '5:5-5:6');
    assert.equal(r(iff.then.range), '5:7-5:16');
    const elseIf = iff.else as IfStatement;
    assert.equal(elseIf.kind, 'If');
    assert.equal(r(elseIf.range), '5:22-5:51');
    assert.equal((elseIf.else as Block).kind, 'Block');
    assert.equal(r(elseIf.else!.range), '5:42-5:51');
    const loop = stmts[5] as ForStatement;
    assert.equal(loop.variable.name, 'line');
    assert.equal(r(loop.iterable.range), '6:14-6:19');
    assert.equal(r(loop.body.range), '6:20-6:33');
    const wh = stmts[6] as WhileStatement;
    assert.equal(show(wh.condition), '(i < 10)');
  });

  it('ends statements at newlines and `;`; `(`/`[` at a line start begin a new statement', () => {
    const stmts = body('  a = b\n  (c)\n  d = e\n  [1]\n  f()\n  g.h');
    assert.deepEqual(
      stmts.map((s) => s.kind),
      ['Assignment', 'ExpressionStatement', 'Assignment', 'ExpressionStatement', 'ExpressionStatement', 'ExpressionStatement'],
    );
    assert.equal(show((stmts[0] as AssignmentStatement).value), 'b');
    assert.equal(show((stmts[1] as ExpressionStatement).expression), '[c]');
  });

  it('lets an operand, an argument or a list element continue on the next line', () => {
    const stmts = body('  x = a +\n    b\n  f(\n    1,\n    n: 2\n  )\n  y = [\n    1\n    , 2]\n  z = (a\n    + b)\n  w = a\n  - b');
    assert.deepEqual(
      stmts.map((s) => (s.kind === 'Assignment' ? show(s.value) : s.kind === 'ExpressionStatement' ? show(s.expression) : s.kind)),
      ['(a + b)', 'f(1, n: 2)', 'list(1, 2)', '[(a + b)]', 'a', '(- b)'],
    );
  });

  it('accepts `else` on the line after `}`', () => {
    const [s] = body('  if a {\n  }\n  else {\n  }');
    assert.equal((s as IfStatement).else?.kind, 'Block');
  });
});

describe('parser: expressions', () => {
  it('applies SPEC 3.2 precedence and associativity', () => {
    const cases: [string, string][] = [
      ['a or b and c', '(a or (b and c))'],
      ['a and b or c', '((a and b) or c)'],
      ['not a and b', '((not a) and b)'],
      ['not a == b', '(not (a == b))'],
      ['a == b + c * d', '(a == (b + (c * d)))'],
      ['a + b - c', '((a + b) - c)'],
      ['a * b / c % d', '(((a * b) / c) % d)'],
      ['-a * b', '((- a) * b)'],
      ['- -a', '(- (- a))'],
      ['(a + b) * c', '([(a + b)] * c)'],
      ['a != b', '(a != b)'],
      ['a < b', '(a < b)'],
      ['a <= b', '(a <= b)'],
      ['a > b', '(a > b)'],
      ['a >= b', '(a >= b)'],
      ['a - b * c >= d or not e', '(((a - (b * c)) >= d) or (not e))'],
    ];
    for (const [src, want] of cases) assert.equal(show(expr(src)), want, src);
  });

  it('gives binary and unary nodes exact ranges', () => {
    const e = expr('a + b * c');
    assert.ok(e.kind === 'Binary');
    assert.equal(r(e.range), '1:6-1:15');
    assert.equal(r(e.operatorRange), '1:8-1:9');
    assert.equal(r(e.right.range), '1:10-1:15');
    const u = expr('not x');
    assert.equal(u.kind, 'Unary');
    assert.equal(r(u.range), '1:6-1:11');
  });

  it('parses postfix chains: members, calls, indexes', () => {
    const e = expr('OrderAPI.GetOrder(id).lines[i + 1].quantity');
    assert.equal(show(e), 'OrderAPI.GetOrder(id).lines[(i + 1)].quantity');
    assert.equal(r(e.range), '1:6-1:49');
    assert.ok(e.kind === 'Member');
    assert.equal(r(e.member.range), '1:41-1:49');
    assert.ok(e.object.kind === 'Index');
    assert.equal(r(e.object.range), '1:6-1:40');
  });

  it('parses positional and named arguments with ranges', () => {
    const e = expr('OrderAPI.CreateOrder("c1", lines: [], dryRun: true)') as CallExpr;
    assert.equal(e.kind, 'Call');
    assert.equal(r(e.range), '1:6-1:57');
    assert.equal(r(e.openParen), '1:26-1:27');
    assert.equal(r(e.closeParen!), '1:56-1:57');
    assert.deepEqual(
      e.args.map((a) => [a.name?.name ?? null, r(a.range), r(a.value.range)]),
      [
        [null, '1:27-1:31', '1:27-1:31'],
        ['lines', '1:33-1:42', '1:40-1:42'],
        ['dryRun', '1:44-1:56', '1:52-1:56'],
      ],
    );
    assert.equal(show(expr('f()')), 'f()');
  });

  it('parses list literals', () => {
    const e = expr('[1, 2.5, "x"]');
    assert.ok(e.kind === 'List');
    assert.equal(e.elements.length, 3);
    assert.equal(r(e.range), '1:6-1:19');
    assert.equal(show(expr('[]')), 'list()');
  });

  it('parses record literals, also `Module.Type { … }`', () => {
    const e = expr('OrderAPI.OrderLine { productId: "P1", quantity: 2 }');
    assert.ok(e.kind === 'Record');
    assert.equal(r(e.range), '1:6-1:57');
    assert.equal(e.type.module?.name, 'OrderAPI');
    assert.equal(e.type.name.name, 'OrderLine');
    assert.equal(r(e.type.range), '1:6-1:24');
    assert.deepEqual(
      e.fields.map((f) => [f.name.name, r(f.range), show(f.value)]),
      [
        ['productId', '1:27-1:42', '"P1"'],
        ['quantity', '1:44-1:55', '2'],
      ],
    );
    assert.equal(show(expr('Empty {}')), 'Empty{}');
    assert.equal(show(expr('T {\n    a: 1,\n    b: 2\n  }')), 'T{a: 1, b: 2}');
  });

  it('does not take `{` after an if/while condition or a for list as a record literal', () => {
    const [i, w, f, p] = body('  if done { x = 1 }\n  while a.b { }\n  for l in items { }\n  if (T { a: 1 }) == t { }');
    assert.equal(show((i as IfStatement).condition), 'done');
    assert.equal((i as IfStatement).then.statements.length, 1);
    assert.equal(show((w as WhileStatement).condition), 'a.b');
    assert.equal(show((f as ForStatement).iterable), 'items');
    assert.equal(show((p as IfStatement).condition), '([T{a: 1}] == t)');
    const [c] = body('  if Check(T { a: 1 }) { }');
    assert.equal(show((c as IfStatement).condition), 'Check(T{a: 1})');
  });

  it('parses every literal kind with its decoded value and raw text', () => {
    const cases: [string, string, unknown][] = [
      ['42', 'Integer', 42],
      ['3.14', 'Decimal', 3.14],
      ['"a \\"b\\" \\\\ \\n\\t"', 'Text', 'a "b" \\ \n\t'],
      ['true', 'Boolean', true],
      ['false', 'Boolean', false],
      ['#2026-11-30#', 'Date', '2026-11-30'],
      ['#2026-11-30 14:05:00#', 'DateTime', '2026-11-30 14:05:00'],
      ['#14:05:00#', 'Time', '14:05:00'],
    ];
    for (const [src, kind, value] of cases) {
      const e = expr(src);
      assert.ok(e.kind === 'Literal', src);
      assert.equal(e.literalKind, kind, src);
      assert.equal(e.value, value, src);
      assert.equal(e.raw, src);
      assert.equal(r(e.range), `1:6-1:${6 + src.length}`);
    }
  });

  it('counts characters in UTF-16 code units', () => {
    const [s] = body('  x = "😀é" + y');
    const v = (s as AssignmentStatement).value;
    assert.ok(v.kind === 'Binary');
    assert.equal(r(v.left.range), '1:6-1:11');
    assert.equal(r(v.right.range), '1:14-1:15');
  });
});

interface BrokenCase {
  name: string;
  text: string;
  /** Exactly the expected diagnostics: `l:c-l:c message`. */
  diagnostics: string[];
  /** The declarations expected (kind:name), i.e. those after the mistake are still found. */
  declarations: string[];
  check?: (file: SourceFile) => void;
}

const AFTER = '\nstructure After {}';
const inAction = (lines: string) => `server action A() {\n${lines}\n}${AFTER}`;
const A = ['ServerAction:A', 'Structure:After'];

function statementsOf(file: SourceFile): Statement[] {
  return (file.declarations[0] as ServerActionDecl).body!.statements;
}

const broken: BrokenCase[] = [
  {
    name: '`OrderAPI.` (member name missing)',
    text: inAction('  OrderAPI.\n  x = 1'),
    diagnostics: ["1:11-1:11 Expected a member name after '.'"],
    declarations: A,
    check(file) {
      const [s, next] = statementsOf(file);
      const e = (s as ExpressionStatement).expression;
      assert.ok(e.kind === 'Member');
      assert.equal(e.member.name, '');
      assert.equal(r(e.member.range), '1:11-1:11');
      assert.equal(r(e.range), '1:2-1:11');
      assert.equal(next.kind, 'Assignment');
      const path = findNodePath(file, { line: 1, character: 11 });
      assert.deepEqual(
        path.map((n) => n.kind),
        ['SourceFile', 'ServerAction', 'Block', 'ExpressionStatement', 'Member', 'Identifier'],
      );
    },
  },
  {
    name: '`OrderAPI.CreateOrder(customerId: ` at the end of the file',
    text: 'server action A() {\n  OrderAPI.CreateOrder(customerId: ',
    diagnostics: ["1:35-1:35 Expected a value for the argument 'customerId'"],
    declarations: ['ServerAction:A'],
    check(file) {
      const e = (statementsOf(file)[0] as ExpressionStatement).expression as CallExpr;
      assert.equal(e.kind, 'Call');
      assert.equal(e.closeParen, undefined);
      assert.equal(e.args.length, 1);
      assert.equal(e.args[0].name?.name, 'customerId');
      assert.equal(e.args[0].value.kind, 'Missing');
      assert.equal(r(e.args[0].value.range), '1:35-1:35');
      assert.equal(r(e.range), '1:2-1:35');
      const path = findNodePath(file, { line: 1, character: 35 });
      assert.deepEqual(
        path.slice(-3).map((n) => n.kind),
        ['Call', 'Argument', 'Missing'],
      );
    },
  },
  {
    name: 'an unclosed call with following lines',
    text: inAction('  OrderAPI.CreateOrder(customerId: \n  var y = 2'),
    diagnostics: ["1:35-1:35 Expected a value for the argument 'customerId'"],
    declarations: A,
    check(file) {
      const [call, v] = statementsOf(file);
      assert.equal(call.kind, 'ExpressionStatement');
      assert.equal(v.kind, 'Var');
    },
  },
  {
    name: 'missing `)` of a call before the next statement',
    text: inAction('  f(1, 2\n  x = 1'),
    diagnostics: ["1:8-1:8 Expected ')' to close the call"],
    declarations: A,
    check(file) {
      const [call, next] = statementsOf(file);
      assert.equal(show((call as ExpressionStatement).expression), 'f(1, 2');
      assert.equal(next.kind, 'Assignment');
    },
  },
  {
    name: 'missing `}` of an action',
    text: 'server action A() {\n  x = 1\n' + AFTER,
    diagnostics: ["1:7-1:7 Expected '}' to close the block"],
    declarations: A,
  },
  {
    name: 'missing `}` of a structure',
    text: 'structure S {\n  a: Text\n' + AFTER,
    diagnostics: ["1:9-1:9 Expected '}' to close the structure"],
    declarations: ['Structure:S', 'Structure:After'],
  },
  {
    name: 'missing `}` of a client action inside a screen',
    text: 'screen S {\n  client action C() {\n    x = 1\n  client action D() { }\n}' + AFTER,
    diagnostics: ["2:9-2:9 Expected '}' to close the block"],
    declarations: ['Screen:S', 'Structure:After'],
    check(file) {
      assert.deepEqual(
        (file.declarations[0] as ScreenDecl).members.map((m) => m.name.name),
        ['C', 'D'],
      );
    },
  },
  {
    name: 'a stray token in a structure',
    text: 'structure S {\n  a: Text\n  123\n  b: Integer\n}' + AFTER,
    diagnostics: ["2:2-2:5 Expected a field name, found '123'"],
    declarations: ['Structure:S', 'Structure:After'],
    check(file) {
      assert.deepEqual(
        (file.declarations[0] as StructureDecl).fields.map((f) => f.name.name),
        ['a', 'b'],
      );
    },
  },
  {
    name: 'missing type after `:`',
    text: 'structure S {\n  a:\n  b: Integer\n}' + AFTER,
    diagnostics: ["1:4-1:4 Expected a type after ':'"],
    declarations: ['Structure:S', 'Structure:After'],
    check(file) {
      const [a, b] = (file.declarations[0] as StructureDecl).fields;
      assert.equal(a.type, undefined);
      assert.equal(b.type?.kind, 'BasicType');
    },
  },
  {
    name: 'missing `:` between a parameter and its type',
    text: 'server action A(a Integer) {\n}' + AFTER,
    diagnostics: ["0:18-0:25 Expected ':' between the parameter name and its type"],
    declarations: A,
    check(file) {
      assert.equal((file.declarations[0] as ServerActionDecl).params[0].type?.kind, 'BasicType');
    },
  },
  {
    name: 'unterminated string',
    text: inAction('  x = "abc\n  y = 2'),
    diagnostics: [`1:6-1:10 Unterminated string literal: expected '"'`],
    declarations: A,
    check(file) {
      const [x, y] = statementsOf(file) as AssignmentStatement[];
      assert.equal((x.value as { value: unknown }).value, 'abc');
      assert.equal(y.kind, 'Assignment');
    },
  },
  {
    name: 'unterminated string inside an unclosed call',
    text: inAction('  f("abc)'),
    diagnostics: [`1:4-1:9 Unterminated string literal: expected '"'`],
    declarations: A,
  },
  {
    name: 'bad date literal (month 13)',
    text: inAction('  x = #2026-13-01#'),
    diagnostics: ["1:6-1:18 Invalid date/time literal '#2026-13-01#': expected #YYYY-MM-DD#, #YYYY-MM-DD hh:mm:ss# or #hh:mm:ss#"],
    declarations: A,
    check(file) {
      const v = (statementsOf(file)[0] as AssignmentStatement).value;
      assert.ok(v.kind === 'Literal' && v.literalKind === 'Date');
    },
  },
  {
    name: 'bad time literal and unterminated date literal',
    text: inAction('  x = #25:00:00#\n  y = #2026-11-30'),
    diagnostics: [
      "1:6-1:16 Invalid date/time literal '#25:00:00#': expected #YYYY-MM-DD#, #YYYY-MM-DD hh:mm:ss# or #hh:mm:ss#",
      "2:6-2:17 Unterminated date/time literal: expected '#'",
    ],
    declarations: A,
  },
  {
    name: '`server action` without a name',
    text: 'server action (a: Text) {\n}' + AFTER,
    diagnostics: ["0:14-0:15 Expected the server action's name"],
    declarations: ['ServerAction:', 'Structure:After'],
    check(file) {
      const d = file.declarations[0] as ServerActionDecl;
      assert.equal(r(d.name.range), '0:14-0:14');
      assert.deepEqual(
        d.params.map((p) => p.name.name),
        ['a'],
      );
      assert.ok(d.body);
    },
  },
  {
    name: '`server` without `action`',
    text: 'server A() {\n}' + AFTER,
    diagnostics: ["0:7-0:8 Expected 'action' after 'server'"],
    declarations: A,
  },
  {
    name: 'missing `)` in the parameters',
    text: 'server action A(a: Text {\n  x = 1\n}' + AFTER,
    diagnostics: ["0:24-0:25 Expected ')' to close the parameter list"],
    declarations: A,
    check(file) {
      const d = file.declarations[0] as ServerActionDecl;
      assert.equal(d.params.length, 1);
      assert.equal(d.body?.statements.length, 1);
    },
  },
  {
    name: 'missing default value in a parameter',
    text: 'server action A(a: Integer = ) {\n}' + AFTER,
    diagnostics: ["0:29-0:30 Expected a default value after '='"],
    declarations: A,
  },
  {
    name: '`returns` without parentheses',
    text: 'server action A() returns Integer {\n}' + AFTER,
    diagnostics: ["0:26-0:33 Expected '(' after 'returns'"],
    declarations: A,
    check(file) {
      assert.ok((file.declarations[0] as ServerActionDecl).body);
    },
  },
  {
    name: 'missing body',
    text: 'server action A()' + AFTER,
    diagnostics: ["0:17-0:17 Expected '{' to start the action's body, or ';'"],
    declarations: A,
  },
  {
    name: '`if` without a block',
    text: inAction('  if x\n  y = 1'),
    diagnostics: ["1:6-1:6 Expected '{' to start the 'if' block"],
    declarations: A,
    check(file) {
      const [i, y] = statementsOf(file);
      assert.equal(i.kind, 'If');
      assert.equal(r((i as IfStatement).then.range), '1:6-1:6');
      assert.equal(y.kind, 'Assignment');
    },
  },
  {
    name: '`if x = 1` (assignment instead of comparison)',
    text: inAction('  if x = 1 { }'),
    diagnostics: ["1:7-1:8 Expected '{' to start the 'if' block (use '==' to compare)"],
    declarations: A,
  },
  {
    name: '`while` without a condition',
    text: inAction('  while { }'),
    diagnostics: ["1:8-1:9 Expected a condition after 'while'"],
    declarations: A,
    check(file) {
      const w = statementsOf(file)[0] as WhileStatement;
      assert.equal(w.condition.kind, 'Missing');
      assert.equal(r(w.body.range), '1:8-1:11');
    },
  },
  {
    name: '`for` without `in`',
    text: inAction('  for x items { }'),
    diagnostics: ["1:8-1:13 Expected 'in' after the loop variable"],
    declarations: A,
    check(file) {
      assert.equal(show((statementsOf(file)[0] as ForStatement).iterable), 'items');
    },
  },
  {
    name: '`else` without `if`',
    text: inAction('  else { }\n  x = 1'),
    diagnostics: ["1:2-1:6 'else' without a matching 'if'"],
    declarations: A,
  },
  {
    name: 'garbage between declarations',
    text: 'structure S {}\nfoo bar { baz }\n)))' + AFTER,
    diagnostics: ["1:0-1:3 Expected a declaration ('structure', 'server action' or 'screen'), found 'foo'"],
    declarations: ['Structure:S', 'Structure:After'],
  },
  {
    name: 'a client action outside a screen',
    text: 'client action C() {}' + AFTER,
    diagnostics: ['0:0-0:6 A client action must be declared inside a screen'],
    declarations: ['Structure:After'],
  },
  {
    name: 'binary operator without a right operand',
    text: inAction('  x = 1 +'),
    diagnostics: ["1:9-1:9 Expected an expression after '+'"],
    declarations: A,
  },
  {
    name: 'unclosed parenthesis',
    text: inAction('  x = (1 + 2\n  y = 3'),
    diagnostics: ["1:12-1:12 Expected ')' to close the parenthesis"],
    declarations: A,
  },
  {
    name: 'unclosed list',
    text: inAction('  x = [1, 2\n  y = 3'),
    diagnostics: ["1:11-1:11 Expected ']' to close the list"],
    declarations: A,
  },
  {
    name: 'unclosed index',
    text: inAction('  x[0 = 1'),
    diagnostics: ["1:6-1:7 Expected ']' to close the index"],
    declarations: A,
  },
  {
    name: 'record field without `:`',
    text: inAction('  x = T { a 1 }\n  y = 2'),
    diagnostics: ["1:12-1:13 Expected ':' between the field name 'a' and its value"],
    declarations: A,
    check(file) {
      assert.equal(show((statementsOf(file)[0] as AssignmentStatement).value), 'T{a: 1}');
      assert.equal(statementsOf(file).length, 2);
    },
  },
  {
    name: '`var` without a name',
    text: inAction('  var = 1'),
    diagnostics: ["1:6-1:7 Expected the variable's name after 'var'"],
    declarations: A,
  },
  {
    name: 'a keyword used as a name',
    text: inAction('  var if = 1\n  x = 2'),
    diagnostics: ["1:6-1:8 'if' is a keyword and cannot be used as a name"],
    declarations: A,
  },
  {
    name: 'invalid assignment target',
    text: inAction('  f() = 1'),
    diagnostics: ['1:2-1:5 Invalid assignment target: expected a variable, an output, a field or a list element'],
    declarations: A,
  },
  {
    name: 'chained comparison',
    text: inAction('  x = a < b < c'),
    diagnostics: ["1:12-1:13 Comparisons cannot be chained; combine them with 'and'"],
    declarations: A,
  },
  {
    name: 'positional argument after a named one',
    text: inAction('  f(a: 1, 2)'),
    diagnostics: ['1:10-1:11 Positional arguments must come before named arguments'],
    declarations: A,
  },
  {
    name: 'missing `,` between arguments',
    text: inAction('  f(1 2)'),
    diagnostics: ["1:6-1:7 Expected ',' between arguments"],
    declarations: A,
    check(file) {
      assert.equal(show((statementsOf(file)[0] as ExpressionStatement).expression), 'f(1, 2)');
    },
  },
  {
    name: 'trailing `,` in arguments',
    text: inAction('  x = f(1,)'),
    diagnostics: ["1:10-1:11 Expected an argument after ','"],
    declarations: A,
  },
  {
    name: '`return` with a value',
    text: inAction('  return x'),
    diagnostics: ["1:9-1:10 Expected a new line or ';' after the 'return', found 'x' (an action returns by assigning its outputs)"],
    declarations: A,
  },
  {
    name: 'two expressions on one line',
    text: inAction('  x = y z\n  w = 1'),
    diagnostics: ["1:8-1:9 Expected a new line or ';' after the statement, found 'z'"],
    declarations: A,
    check(file) {
      assert.equal(statementsOf(file).length, 2);
    },
  },
  {
    name: 'unknown characters',
    text: inAction('  x = 1 @@ 2\n  y = a && b'),
    diagnostics: ["1:8-1:10 Unexpected characters '@@'", "2:8-2:10 Unexpected '&&': use 'and'"],
    declarations: A,
  },
  {
    name: 'unknown escape in a string',
    text: inAction('  x = "a\\qb"'),
    diagnostics: ["1:8-1:10 Unknown escape sequence '\\q' (use \\\" \\\\ \\n or \\t)"],
    declarations: A,
  },
  {
    name: 'a number glued to letters',
    text: inAction('  x = 12abc'),
    diagnostics: ["1:6-1:11 Invalid number '12abc'"],
    declarations: A,
  },
  {
    name: 'unclosed `List<`',
    text: 'structure S {\n  a: List<Text\n  b: Text\n}' + AFTER,
    diagnostics: ["1:14-1:14 Expected '>' to close 'List<…>'"],
    declarations: ['Structure:S', 'Structure:After'],
  },
  {
    name: 'incomplete module type `OrderAPI.`',
    text: 'structure S {\n  a: OrderAPI.\n}' + AFTER,
    diagnostics: ["1:14-1:14 Expected a type name after '.'"],
    declarations: ['Structure:S', 'Structure:After'],
    check(file) {
      const t = (file.declarations[0] as StructureDecl).fields[0].type;
      assert.ok(t?.kind === 'NamedType');
      assert.equal(t.module?.name, 'OrderAPI');
      assert.equal(t.name.name, '');
    },
  },
  {
    name: 'fields separated by commas',
    text: 'structure S { a: Text, b: Text }' + AFTER,
    diagnostics: ["0:21-0:22 Fields are separated by new lines or ';', not ','"],
    declarations: ['Structure:S', 'Structure:After'],
    check(file) {
      assert.equal((file.declarations[0] as StructureDecl).fields.length, 2);
    },
  },
  {
    name: 'a statement in a screen',
    text: 'screen S {\n  x = 1\n  client action C() { }\n}' + AFTER,
    diagnostics: ["1:2-1:3 Expected 'var' or 'client action' in the screen, found 'x'"],
    declarations: ['Screen:S', 'Structure:After'],
    check(file) {
      assert.equal((file.declarations[0] as ScreenDecl).members.length, 1);
    },
  },
  {
    name: '`public` followed by nothing declarable',
    text: 'public x\n' + AFTER,
    diagnostics: ["0:7-0:8 Expected 'structure', 'server action' or 'screen' after 'public'"],
    declarations: ['Structure:After'],
  },
  {
    name: 'unterminated block comment',
    text: 'structure B {}\nserver action A() {\n  /* unterminated\n}' + AFTER,
    diagnostics: ["2:2-2:4 Unterminated comment: expected '*/'"],
    declarations: ['Structure:B', 'ServerAction:A'],
  },
];

describe('parser: broken and incomplete inputs', () => {
  for (const c of broken) {
    it(c.name, () => {
      const file = parse(c.text);
      assert.deepEqual(
        file.diagnostics.map((d) => `${r(d.range)} ${d.message}`),
        c.diagnostics,
      );
      for (const d of file.diagnostics) assert.equal(d.code, 'syntax-error');
      assert.deepEqual(
        file.declarations.map((d) => `${d.kind}:${d.name.name}`),
        c.declarations,
      );
      c.check?.(file);
      assertWellFormed(file, c.text);
    });
  }
});

/** Every range is ordered and inside its parent's range (docs aside); positions are in the text. */
function assertWellFormed(file: SourceFile, text: string): void {
  const lines = text.split(/\r\n|\r|\n/);
  const inText = (p: { line: number; character: number }) => p.line >= 0 && p.line < lines.length && p.character >= 0 && p.character <= lines[p.line].length;
  const before = (a: { line: number; character: number }, b: { line: number; character: number }) =>
    a.line < b.line || (a.line === b.line && a.character <= b.character);
  walk(file, (node: Node, parent: Node | undefined) => {
    assert.ok(inText(node.range.start) && inText(node.range.end), `${node.kind} range outside the text`);
    assert.ok(before(node.range.start, node.range.end), `${node.kind} range reversed`);
    if (parent && node.kind !== 'DocComment') {
      assert.ok(
        before(parent.range.start, node.range.start) && before(node.range.end, parent.range.end),
        `${node.kind} ${r(node.range)} outside its parent ${parent.kind} ${r(parent.range)}`,
      );
    }
  });
}

describe('parser: robustness', () => {
  const tail = '\nstructure After {}';
  const hasAfter = (f: SourceFile) => f.declarations.some((d) => d.name.name === 'After');

  it('reports deep nesting once instead of overflowing the stack', () => {
    const deep = MAX_NESTING * 50;
    for (const src of [
      'server action A() { x = ' + '('.repeat(deep) + '1' + ')'.repeat(deep) + '\n}',
      'server action A() { x = ' + '('.repeat(deep) + '\n}',
      'server action A() { x = ' + '['.repeat(deep) + '\n}',
      'server action A() { x = ' + '- '.repeat(deep) + '1\n}',
      'server action A() { x = ' + 'not '.repeat(deep) + '1\n}',
      'server action A() { x = ' + 'f(a: '.repeat(deep) + '\n}',
      'server action A() { x = ' + 'T { a: '.repeat(deep) + '\n}',
      'server action A() { ' + 'if x {'.repeat(deep) + '}'.repeat(deep) + '\n}',
      'structure S { a: ' + 'List<'.repeat(deep) + '\n}',
    ]) {
      const f = parse(src + tail);
      assert.equal(f.diagnostics.length, 1, src.slice(0, 40));
      assert.match(f.diagnostics[0].message, /too deeply/);
      assert.ok(hasAfter(f), src.slice(0, 40));
    }
  });

  it('bounds long chains so that tree walkers stay safe', () => {
    for (const src of [
      'server action A() { x = 1' + ' + 1'.repeat(10_000) + '\n}',
      'server action A() { x = a' + '.b'.repeat(10_000) + '\n}',
      'server action A() { x = a' + '()'.repeat(10_000) + '\n}',
      'server action A() { if a {}' + ' else if b {}'.repeat(10_000) + '\n}',
    ]) {
      const f = parse(src + tail);
      assert.equal(f.diagnostics.length, 1, src.slice(0, 40));
      assert.ok(hasAfter(f));
    }
  });

  it('terminates on garbage of every kind and keeps later declarations', () => {
    for (const src of [
      '}}}}}}',
      '{{{{{{',
      ')))(((',
      ',,,;;;...',
      '@@@ $$$ ~~~',
      'server server server',
      'public public',
      'screen S { } } }',
      'structure S { : : : }',
      'server action A() { ) ] , : else in returns }',
      'screen S { var var var }',
      '"' + '\\'.repeat(100),
      '#'.repeat(100),
      '*'.repeat(100),
    ]) {
      const f = parse(src + tail);
      assert.ok(f.diagnostics.length >= 1, src);
      assert.ok(hasAfter(f), src);
      assertWellFormed(f, src + tail);
    }
  });

  it('parses every prefix of a valid file without throwing, with well-formed ranges', () => {
    const src =
      '/// Doc\npublic structure S {\n  a: List<M.T> = [1]\n}\nserver action A(x: Integer = 1) returns (y: Text) {\n' +
      '  var v: Integer = -x * (2 + 3)\n  if v >= 1 and not false { y = M.F(2, a: 1)[0].b } else { return }\n' +
      '  for i in [1, 2] { LogMessage(T { a: "s", b: #2026-11-30# }) }\n  while v < 3 { v = v + 1 }\n}\n' +
      'screen X {\n  var s = 1\n  client action C() { s = 2 }\n}\n';
    ok(src);
    for (let i = 0; i <= src.length; i++) {
      const f = parse(src.slice(0, i));
      assertWellFormed(f, src.slice(0, i));
    }
  });
});

describe('visit', () => {
  const src = [
    'public structure S {',
    '  /// d',
    '  a: List<M.T> = [1]',
    '}',
    'server action A(x: Integer = 1) returns (y: Text) {',
    '  var v: Integer = -x',
    '  if v >= 1 and not false { y = M.F(2, a: T { b: 1 })[0].c } else if v < 0 { return } else { }',
    '  for i in [1] { f(i) }',
    '  while v < 3 { v = (v + 1) }',
    '}',
    'screen X {',
    '  var s = 1',
    '  client action C(p: Text) returns (q: Text) { s = 2 }',
    '}',
  ].join('\n');
  const file = ok(src);

  it('walk visits every node kind of ast.ts, in source order, with parents', () => {
    const seen = new Set<string>();
    let last = { line: 0, character: 0 };
    let count = 0;
    walk(file, (node, parent) => {
      seen.add(node.kind);
      count++;
      assert.equal(parent === undefined, node === file);
      if (node.kind !== 'DocComment') {
        assert.ok(comparePositions(last, node.range.start) <= 0 || parent?.kind === 'Binary' || parent?.kind === 'Record', `${node.kind} out of order`);
        last = node.range.start;
      }
    });
    const all = [
      'SourceFile',
      'Structure',
      'ServerAction',
      'Screen',
      'Field',
      'Param',
      'ClientAction',
      'BasicType',
      'ListType',
      'NamedType',
      'Block',
      'Var',
      'Assignment',
      'If',
      'For',
      'While',
      'Return',
      'ExpressionStatement',
      'Identifier',
      'Literal',
      'Member',
      'Call',
      'Argument',
      'Index',
      'Binary',
      'Unary',
      'Paren',
      'List',
      'Record',
      'RecordField',
      'DocComment',
    ];
    assert.deepEqual([...seen].sort(), all.filter((k) => k !== 'Missing').sort());
    assert.ok(count > 80);
  });

  it('walk skips the children of a node when the callback returns false', () => {
    const kinds: string[] = [];
    walk(file, (node) => {
      kinds.push(node.kind);
      return node.kind === 'SourceFile';
    });
    assert.deepEqual(kinds, ['SourceFile', 'Structure', 'ServerAction', 'Screen']);
  });

  it('forEachChild stops when the callback returns true', () => {
    const seen: string[] = [];
    const stopped = forEachChild(file, (d) => {
      seen.push(d.kind);
      return d.kind === 'ServerAction';
    });
    assert.equal(stopped, true);
    assert.deepEqual(seen, ['Structure', 'ServerAction']);
  });

  it('walk is safe on a very long chain', () => {
    const f = parse('server action A() { x = 1' + ' + 1'.repeat(1500) + ' }');
    assert.deepEqual(f.diagnostics, []);
    let n = 0;
    walk(f, () => {
      n++;
    });
    assert.ok(n > 3000);
  });

  it('findNodePath descends to the innermost node, end-inclusive', () => {
    const kindsAt = (line: number, character: number) => findNodePath(file, { line, character }).map((n) => n.kind);
    // On `M` of `M.F(` (line 6: `  if v >= 1 and not false { y = M.F(2, …`).
    const mCol = src.split('\n')[6].indexOf('M.F');
    assert.deepEqual(kindsAt(6, mCol), ['SourceFile', 'ServerAction', 'Block', 'If', 'Block', 'Assignment', 'Member', 'Index', 'Call', 'Member', 'Identifier']);
    // Right after `F` (end-inclusive): still the member name.
    const path = findNodePath(file, { line: 6, character: mCol + 3 });
    const last = path[path.length - 1];
    assert.ok(last.kind === 'Identifier' && last.name === 'F');
    // Inside the record literal's field value.
    const bCol = src.split('\n')[6].indexOf('b: 1') + 3;
    assert.deepEqual(kindsAt(6, bCol).slice(-4), ['Argument', 'Record', 'RecordField', 'Literal']);
    // On a type inside a field.
    assert.deepEqual(kindsAt(2, 13), ['SourceFile', 'Structure', 'Field', 'ListType', 'NamedType', 'Identifier']);
    // Outside every declaration.
    assert.deepEqual(
      findNodePath(ok('structure S {}\n\n'), { line: 2, character: 0 }).map((n) => n.kind),
      ['SourceFile'],
    );
  });

  it('rangeContains is end-exclusive unless asked', () => {
    const range = { start: { line: 1, character: 2 }, end: { line: 1, character: 5 } };
    assert.ok(rangeContains(range, { line: 1, character: 2 }));
    assert.ok(rangeContains(range, { line: 1, character: 4 }));
    assert.ok(!rangeContains(range, { line: 1, character: 5 }));
    assert.ok(rangeContains(range, { line: 1, character: 5 }, true));
    assert.ok(!rangeContains(range, { line: 0, character: 9 }));
    assert.ok(!rangeContains(range, { line: 2, character: 0 }, true));
  });
});

describe('parser: diagnostics cap', () => {
  it('records at most MAX_DIAGNOSTICS diagnostics', () => {
    const f = parse('server action A() {\n' + ') \n'.repeat(MAX_DIAGNOSTICS * 2) + '}\nstructure After {}');
    assert.equal(f.diagnostics.length, MAX_DIAGNOSTICS);
    assert.ok(f.declarations.some((d) => d.name.name === 'After'));
  });
});
