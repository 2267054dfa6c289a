/**
 * Generic traversal of the Logic syntax tree (`ast.ts`, SPEC 3.2) and position helpers.
 *
 * Positions are LSP's: 0-based line, 0-based UTF-16 character; ranges are half-open `[start, end)`.
 */
import type { Node, Position, Range, SourceFile } from './ast';

/**
 * Calls `cb` on every direct child node of `node`, in source order. Doc comments are children
 * too (they come first: they precede their owner in the text). Comments (`SourceFile.comments`)
 * are not nodes of the tree and are not visited.
 *
 * @param node any node of the tree.
 * @param cb called once per child; if it returns `true`, iteration stops early.
 * @returns `true` when `cb` stopped the iteration, else `false`.
 */
export function forEachChild(node: Node, cb: (child: Node) => boolean | void): boolean {
  switch (node.kind) {
    case 'SourceFile':
      for (const d of node.declarations) if (cb(d)) return true;
      return false;
    case 'Structure':
      if (node.doc && cb(node.doc)) return true;
      if (cb(node.name)) return true;
      for (const f of node.fields) if (cb(f)) return true;
      return false;
    case 'ServerAction':
      if (node.doc && cb(node.doc)) return true;
      if (cb(node.name)) return true;
      for (const p of node.params) if (cb(p)) return true;
      for (const p of node.returns) if (cb(p)) return true;
      return !!node.body && !!cb(node.body);
    case 'Screen':
      if (node.doc && cb(node.doc)) return true;
      if (cb(node.name)) return true;
      for (const m of node.members) if (cb(m)) return true;
      return false;
    case 'ClientAction':
      if (node.doc && cb(node.doc)) return true;
      if (cb(node.name)) return true;
      for (const p of node.params) if (cb(p)) return true;
      for (const p of node.returns) if (cb(p)) return true;
      return !!cb(node.body);
    case 'Field':
    case 'Param':
      if (node.doc && cb(node.doc)) return true;
      if (cb(node.name)) return true;
      if (node.type && cb(node.type)) return true;
      return !!node.default && !!cb(node.default);
    case 'ListType':
      return !!node.element && !!cb(node.element);
    case 'NamedType':
      if (node.module && cb(node.module)) return true;
      return !!cb(node.name);
    case 'Block':
      for (const s of node.statements) if (cb(s)) return true;
      return false;
    case 'Var':
      if (cb(node.name)) return true;
      if (node.type && cb(node.type)) return true;
      return !!node.init && !!cb(node.init);
    case 'Assignment':
      return !!cb(node.target) || !!cb(node.value);
    case 'If':
      if (cb(node.condition) || cb(node.then)) return true;
      return !!node.else && !!cb(node.else);
    case 'For':
      return !!cb(node.variable) || !!cb(node.iterable) || !!cb(node.body);
    case 'While':
      return !!cb(node.condition) || !!cb(node.body);
    case 'ExpressionStatement':
      return !!cb(node.expression);
    case 'Member':
      return !!cb(node.object) || !!cb(node.member);
    case 'Call':
      if (cb(node.callee)) return true;
      for (const a of node.args) if (cb(a)) return true;
      return false;
    case 'Argument':
      if (node.name && cb(node.name)) return true;
      return !!cb(node.value);
    case 'Index':
      return !!cb(node.object) || !!cb(node.index);
    case 'Binary':
      return !!cb(node.left) || !!cb(node.right);
    case 'Unary':
      return !!cb(node.operand);
    case 'Paren':
      return !!cb(node.expression);
    case 'List':
      for (const e of node.elements) if (cb(e)) return true;
      return false;
    case 'Record':
      if (cb(node.type)) return true;
      for (const f of node.fields) if (cb(f)) return true;
      return false;
    case 'RecordField':
      return !!cb(node.name) || !!cb(node.value);
    // Leaves.
    case 'Identifier':
    case 'Literal':
    case 'Missing':
    case 'Return':
    case 'BasicType':
    case 'DocComment':
      return false;
    default: {
      const never: never = node;
      return never;
    }
  }
}

/**
 * Pre-order traversal of `root` and all its descendants, in source order. Iterative (an explicit
 * stack), so it is safe on very deep trees such as long `a + b + …` chains.
 *
 * @param root where to start (visited first).
 * @param cb called on each node with its parent (`undefined` for `root`); return `false` to skip
 *   that node's children (the traversal continues with its siblings).
 */
export function walk(root: Node, cb: (node: Node, parent: Node | undefined) => boolean | void): void {
  // Two parallel stacks and one callback: no object, array or closure per node (issue 15: the
  // checker walks every re-checked declaration per keystroke). A node's children are pushed in
  // order, then reversed in place so that the first is visited first.
  const nodes: Node[] = [root];
  const parents: (Node | undefined)[] = [undefined];
  let current: Node | undefined;
  const collect = (c: Node) => {
    nodes.push(c);
    parents.push(current);
  };
  while (nodes.length > 0) {
    const node = nodes.pop()!;
    const parent = parents.pop();
    if (cb(node, parent) === false) continue;
    const base = nodes.length;
    current = node;
    forEachChild(node, collect);
    for (let i = base, j = nodes.length - 1; i < j; i++, j--) {
      const t = nodes[i];
      nodes[i] = nodes[j];
      nodes[j] = t;
    }
  }
}

/**
 * The chain of nodes that contain `position`, outermost first: always starts with `file`, then at
 * each level descends into the child whose range contains the position — preferring a child with
 * `start <= position < end`, else one with `start <= position <= end` (end-inclusive), so that a
 * cursor right after a node (`OrderAPI.|`, `foo|`) still finds it. For `OrderAPI.|` the chain ends
 * `…, Member, Identifier('')` (the empty member name at the cursor); for `Foo|` it ends with the
 * Identifier `Foo`.
 *
 * @param file the parsed file.
 * @param position LSP position (0-based line, UTF-16 character).
 * @returns `[file, …, innermost]`; just `[file]` when no declaration contains the position.
 */
export function findNodePath(file: SourceFile, position: Position): Node[] {
  const path: Node[] = [file];
  let current: Node = file;
  for (;;) {
    let strict: Node | undefined;
    let inclusive: Node | undefined;
    forEachChild(current, (child) => {
      const r = child.range;
      if (comparePositions(r.start, position) > 0) return true; // children are in source order
      const cmpEnd = comparePositions(position, r.end);
      if (cmpEnd < 0) {
        strict = child;
        return true;
      }
      if (cmpEnd === 0 && !inclusive) inclusive = child;
      return false;
    });
    const next: Node | undefined = strict ?? inclusive;
    if (!next) return path;
    path.push(next);
    current = next;
  }
}

/** Orders two positions: negative if `a` is before `b`, 0 if equal, positive if after. */
export function comparePositions(a: Position, b: Position): number {
  return a.line !== b.line ? a.line - b.line : a.character - b.character;
}

/**
 * Whether `range` contains `position`: `start <= position < end`, or `<= end` when
 * `inclusiveEnd` is true (the default is end-exclusive, matching the half-open ranges of ast.ts).
 */
export function rangeContains(range: Range, position: Position, inclusiveEnd = false): boolean {
  if (comparePositions(position, range.start) < 0) return false;
  const c = comparePositions(position, range.end);
  return inclusiveEnd ? c <= 0 : c < 0;
}

/** Whether range `outer` contains range `inner` entirely (ends inclusive). */
export function rangeContainsRange(outer: Range, inner: Range): boolean {
  return comparePositions(inner.start, outer.start) >= 0 && comparePositions(inner.end, outer.end) <= 0;
}
