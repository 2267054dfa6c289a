/**
 * Formatting-preserving edits of `environment.json` and `module.json` (SPEC 4: edits "keep the
 * file's formatting and comments"). Pure text → text functions on top of jsonc-parser: only the
 * edited value changes; comments, the other values and their layout, the file's indentation
 * (spaces or tabs, and how many), its line ends (`\n` or `\r\n`), trailing-comma style and a
 * leading BOM are kept.
 *
 * jsonc-parser's `modify` re-formats the whole lines around an insertion or removal (turning a
 * one-line `{ "module": "A", … }` neighbour into several lines, and dropping a neighbour's
 * trailing `// comment` on removal), so insertions into and removals from non-empty objects and
 * arrays are done here as minimal text edits in the style of the neighbouring entries; `modify`
 * is used for replacing a value and for the first entry of an empty container.
 *
 * Permission checks are the caller's (the server, SPEC 4): these functions only edit text.
 */
import {
  applyEdits,
  createScanner,
  findNodeAtLocation,
  modify,
  parseTree,
  type Edit,
  type FormattingOptions,
  type JSONPath,
  type Node as JsonNode,
  type ParseError,
} from 'jsonc-parser';
import type { AccessLevel } from '../access/levels';

/**
 * The formatting of a JSON text as jsonc-parser options: the indentation of the first indented
 * line (a tab → tabs; otherwise that many spaces; 2 when nothing is indented) and the line end
 * (`\r\n` when the text has one, else `\n`).
 *
 * @param text the file's content
 * @returns options for jsonc-parser's `format` / `modify`
 */
export function detectFormatting(text: string): FormattingOptions {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  let insertSpaces = true;
  let tabSize = 2;
  const m = /(?:^|[\r\n])([ \t]+)[^ \t\r\n]/.exec(text);
  if (m) {
    if (m[1].startsWith('\t')) {
      insertSpaces = false;
      tabSize = 1;
    } else tabSize = m[1].length;
  }
  return { insertSpaces, tabSize, eol, insertFinalNewline: false };
}

/**
 * Sets (or, with `value === undefined`, removes) the value at `path` in a JSONC text, creating
 * missing objects on the way, and keeps the rest of the text as it was.
 *
 * @param text the file's content (may start with a BOM; an empty text counts as `{}`)
 * @param path property names and array indices (non-empty); as the last segment, `-1` or the
 *             array's length appends to an array
 * @param value any JSON value, or `undefined` to remove the property / array element (removing
 *              something absent returns `text` unchanged)
 * @returns the edited text
 * @throws Error when `text` is not valid JSON with comments (it is not edited blindly), or when
 *         `path` is empty or crosses a value that is not an object/array
 */
export function setJsonValue(text: string, path: JSONPath, value: unknown): string {
  if (path.length === 0) throw new Error('setJsonValue: the path must not be empty');
  const bom = text.charCodeAt(0) === 0xfeff ? '\ufeff' : '';
  let body = bom ? text.slice(1) : text;
  if (body.trim() === '') {
    if (value === undefined) return text;
    body = '{}';
  }
  const root = parseStrict(body);
  const fmt = detectFormatting(body);
  const node = findNodeAtLocation(root, path);

  if (value === undefined) {
    if (!node || !node.parent) return text;
    const entry = node.parent.type === 'property' ? node.parent : node;
    return bom + applyEdits(body, removalEdits(body, entry));
  }
  if (node) return bom + applyEdits(body, modify(body, path, value, { formattingOptions: fmt }));

  // Insertion: the deepest existing container on the path gets one new entry.
  let k = path.length - 1;
  while (k > 0 && !findNodeAtLocation(root, path.slice(0, k))) k--;
  const container = k === 0 ? root : findNodeAtLocation(root, path.slice(0, k))!;
  let inserted: unknown = value;
  for (let i = path.length - 1; i > k; i--) {
    const seg = path[i];
    inserted = typeof seg === 'number' ? [inserted] : { [seg]: inserted };
  }
  const key = path[k];
  const hasEntries = (container.children?.length ?? 0) > 0;
  if (hasEntries && container.type === 'object' && typeof key === 'string') {
    return (
      bom +
      applyEdits(
        body,
        insertionEdits(body, container, fmt, (render) => `${JSON.stringify(key)}: ${render(inserted)}`),
      )
    );
  }
  if (hasEntries && container.type === 'array' && typeof key === 'number' && (key === -1 || key === container.children!.length)) {
    return (
      bom +
      applyEdits(
        body,
        insertionEdits(body, container, fmt, (render) => render(inserted)),
      )
    );
  }
  if (container.type !== 'object' && container.type !== 'array') {
    throw new Error(`setJsonValue: cannot set a key inside a ${container.type}`);
  }
  return bom + applyEdits(body, modify(body, path, value, { formattingOptions: fmt }));
}

/**
 * Sets `protected` in a `module.json` text (SPEC 2.2).
 *
 * @throws Error when `text` is not valid JSON with comments
 */
export function setModuleProtected(text: string, isProtected: boolean): string {
  return setJsonValue(text, ['protected'], isProtected);
}

/**
 * Sets the grant of `access` on `module` to `to` in an `environment.json` text (SPEC 2.1, SPEC 4
 * `protectedModules/grantAccess`): replaces the `access` of the grant with the same `module` and
 * `to` (and removes any further duplicates of it), appends a new grant otherwise (creating
 * `grants` if needed), and removes the matching grant(s) when `access` is `none`. Other grants
 * are kept as they are.
 *
 * @param module a module name or `*`
 * @param to `user:<id>`, `group:<name>` or `*`
 * @throws Error when `text` is not valid JSON with comments
 */
export function setGrant(text: string, module: string, to: string, access: AccessLevel): string {
  const matches = matchingGrantIndices(text, module, to);
  let out = text;
  if (access === 'none') {
    for (const i of [...matches].reverse()) out = setJsonValue(out, ['grants', i], undefined);
    return out;
  }
  if (matches.length === 0) return setJsonValue(out, ['grants', -1], { module, to, access });
  for (const i of matches.slice(1).reverse()) out = setJsonValue(out, ['grants', i], undefined);
  return setJsonValue(out, ['grants', matches[0], 'access'], access);
}

/**
 * Sets (or, with `range === undefined`, removes) the dependency on `module` in a `module.json`
 * text (SPEC 2.2 `dependencies`; the "add a missing dependency" code action of SPEC 4).
 *
 * @param range a semver range such as `^1.4.0`
 * @throws Error when `text` is not valid JSON with comments
 */
export function setDependency(text: string, module: string, range: string | undefined): string {
  return setJsonValue(text, ['dependencies', module], range);
}

// ---------------------------------------------------------------------------------------------

function parseStrict(body: string): JsonNode {
  const errors: ParseError[] = [];
  const root = parseTree(body, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0 || !root) throw new Error('the file has JSON syntax errors; fix them before editing it');
  return root;
}

function matchingGrantIndices(text: string, module: string, to: string): number[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') return [];
  const grants = findNodeAtLocation(parseStrict(body), ['grants']);
  if (!grants || grants.type !== 'array') return [];
  const out: number[] = [];
  (grants.children ?? []).forEach((g, i) => {
    if (g.type !== 'object') return;
    if (findNodeAtLocation(g, ['module'])?.value === module && findNodeAtLocation(g, ['to'])?.value === to) out.push(i);
  });
  return out;
}

/** Offset of the next token at or after `pos`, skipping whitespace, line ends and comments. */
function nextToken(body: string, pos: number): number {
  const s = createScanner(body, true);
  s.setPosition(pos);
  s.scan();
  return s.getTokenOffset();
}

function lineStart(body: string, off: number): number {
  let i = off;
  while (i > 0 && body[i - 1] !== '\n' && body[i - 1] !== '\r') i--;
  return i;
}

function lineEnd(body: string, off: number): number {
  let i = off;
  while (i < body.length && body[i] !== '\n' && body[i] !== '\r') i++;
  return i;
}

/** Offset just after the line end at `off` (which must be a line end or the text's end). */
function afterLineEnd(body: string, off: number): number {
  if (body.startsWith('\r\n', off)) return off + 2;
  return off < body.length ? off + 1 : off;
}

/** True when the rest of the line from `from` holds only blanks and comments. */
function restIsTrivia(body: string, from: number): boolean {
  return /^[ \t]*(\/\/.*|(\/\*.*?\*\/[ \t]*)*)$/.test(body.slice(from, lineEnd(body, from)));
}

function isBlank(s: string): boolean {
  return /^[ \t]*$/.test(s);
}

/** Edits removing one array element or object property (`entry`) and its separator. */
function removalEdits(body: string, entry: JsonNode): Edit[] {
  const container = entry.parent!;
  const siblings = container.children ?? [];
  const idx = siblings.indexOf(entry);
  const start = entry.offset;
  const end = entry.offset + entry.length;
  const t = nextToken(body, end);
  const commaAfter = body[t] === ',' ? t : -1;
  const after = commaAfter >= 0 ? commaAfter + 1 : end;
  const prev = idx > 0 ? siblings[idx - 1] : undefined;
  const prevComma = prev ? nextToken(body, prev.offset + prev.length) : -1;
  const edits: Edit[] = [];

  const ownLines = isBlank(body.slice(lineStart(body, start), start)) && lineEnd(body, end) >= after && restIsTrivia(body, after);
  if (ownLines) {
    const from = lineStart(body, start);
    const to = afterLineEnd(body, lineEnd(body, after));
    edits.push({ offset: from, length: to - from, content: '' });
    // The last entry without a trailing comma: its predecessor's separator goes too.
    if (commaAfter < 0 && prev && body[prevComma] === ',') edits.push({ offset: prevComma, length: 1, content: '' });
    return edits;
  }
  if (commaAfter >= 0) {
    let to = commaAfter + 1;
    while (to < body.length && (body[to] === ' ' || body[to] === '\t')) to++;
    edits.push({ offset: start, length: to - start, content: '' });
  } else if (prev) {
    edits.push({ offset: prev.offset + prev.length, length: end - (prev.offset + prev.length), content: '' });
  } else {
    edits.push({ offset: start, length: end - start, content: '' });
  }
  return edits;
}

type Render = (value: unknown) => string;

/**
 * Edits appending one entry to a non-empty object or array, in the style of its last entry:
 * same line or own line, same indentation, one-line or multi-line values, trailing comma kept.
 */
function insertionEdits(body: string, container: JsonNode, fmt: FormattingOptions, entry: (render: Render) => string): Edit[] {
  const children = container.children!;
  const last = children[children.length - 1];
  const lastEnd = last.offset + last.length;
  const sample = container.type === 'object' ? (last.children?.[1] ?? last) : last;
  const sampleText = body.slice(sample.offset, sample.offset + sample.length);
  const multiLineValues = /[\r\n]/.test(sampleText);
  const eol = fmt.eol ?? '\n';
  const unit = fmt.insertSpaces === false ? '\t' : ' '.repeat(fmt.tabSize ?? 2);
  const t = nextToken(body, lastEnd);
  const commaPos = body[t] === ',' ? t : -1;

  const containerText = body.slice(container.offset, container.offset + container.length);
  if (!/[\r\n]/.test(containerText)) {
    const item = entry(compact);
    if (commaPos >= 0) return [{ offset: commaPos + 1, length: 0, content: ` ${item},` }];
    return [{ offset: lastEnd, length: 0, content: `, ${item}` }];
  }

  const indent = /^[ \t]*/.exec(body.slice(lineStart(body, last.offset)))![0];
  const render: Render = multiLineValues ? (v) => JSON.stringify(v, null, unit).replace(/\n/g, eol + indent) : compact;
  const item = entry(render);
  if (commaPos >= 0) {
    const p = restIsTrivia(body, commaPos + 1) ? lineEnd(body, commaPos + 1) : commaPos + 1;
    return [{ offset: p, length: 0, content: `${eol}${indent}${item},` }];
  }
  const p = restIsTrivia(body, lastEnd) ? lineEnd(body, lastEnd) : lastEnd;
  if (p === lastEnd) return [{ offset: lastEnd, length: 0, content: `,${eol}${indent}${item}` }];
  return [
    { offset: lastEnd, length: 0, content: ',' },
    { offset: p, length: 0, content: `${eol}${indent}${item}` },
  ];
}

/** One-line JSON with a space after `:` and `,` and inside braces: `{ "a": 1, "b": [1, 2] }`. */
function compact(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(compact).join(', ')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    if (entries.length === 0) return '{}';
    return `{ ${entries.map(([k, x]) => `${JSON.stringify(k)}: ${compact(x)}`).join(', ')} }`;
  }
  return JSON.stringify(v);
}
