/**
 * Parsing and validation of `environment.json` (SPEC 2.1) and `module.json` (SPEC 2.2) with
 * positions: JSON with comments and trailing commas (jsonc-parser), validated by the zod schemas
 * of `schemas.ts`. Every problem becomes a `FileDiagnostic` whose message starts with the JSON
 * path (`grants[1].access: expected one of none, list, …`) and whose range is the offending node.
 *
 * Positions are LSP's (0-based line, 0-based UTF-16 character). A leading UTF-8 byte order mark
 * is ignored and does not count as a character (VS Code strips it from documents too); `\r\n`,
 * `\n` and `\r` all end a line.
 */
import { basename, dirname } from 'node:path';
import { findNodeAtLocation, getLocation, getNodeValue, parseTree, printParseErrorCode, type Node as JsonNode, type ParseError } from 'jsonc-parser';
import type { z } from 'zod';
import type { Range } from '../language/ast';
import { LineIndex } from '../language/text';
import type { DiagnosticCode } from '../language/diagnostics';
import type { FileDiagnostic, ModuleManifest, Policy } from './model';
import { allowedKeys, environmentSchema, moduleManifestSchema } from './schemas';

/** Result of `parsePolicy`. */
export interface ParsedPolicy {
  /** The validated policy with defaults applied; `undefined` when the file has any error. */
  policy?: Policy;
  /** `invalid-environment` diagnostics (errors; plus warnings that do not invalidate the policy). */
  diagnostics: FileDiagnostic[];
}

/** Result of `parseModuleManifest`. */
export interface ParsedManifest {
  /** The validated manifest with defaults applied; `undefined` when the file has any error. */
  manifest?: ModuleManifest;
  /** The `name` field when it is a string (even if the manifest is otherwise invalid). */
  name?: string;
  /** Range of the `name` value in the file, when present (used to report duplicate names). */
  nameRange?: Range;
  /** The `owner` field when it is a string (even if the manifest is otherwise invalid). */
  owner?: string;
  /** `invalid-manifest` diagnostics, all errors; empty when `manifest` is set. */
  diagnostics: FileDiagnostic[];
}

/**
 * Parses and validates the text of an `environment.json` (SPEC 2.1).
 *
 * @param text the file's content (a BOM, CRLF, comments and trailing commas are accepted)
 * @param path absolute path of the file; copied into each diagnostic, and its folder's base name
 *             is the default of `name` when the file has none
 * @returns the policy (only when there is no error) and every diagnostic (code
 *          `invalid-environment`). Warnings (severity `warning`, the policy stays valid): an admin
 *          or a `user:<id>` grantee that is not a known user, since such an entry has no effect.
 *          Never throws.
 */
export function parsePolicy(text: string, path: string): ParsedPolicy {
  const r = parseWithSchema(text, path, environmentSchema, 'invalid-environment');
  if (!r.ok) return { diagnostics: r.diagnostics };
  const data = r.data;
  const policy: Policy = {
    name: data.name ?? basename(dirname(path)),
    admins: data.admins,
    users: data.users,
    defaultAccess: data.defaultAccess,
    grants: data.grants,
    ...(data.id !== undefined ? { id: data.id } : {}),
    ...(data.trustedPublishers !== undefined ? { trustedPublishers: data.trustedPublishers } : {}),
  };
  const diagnostics = [...r.diagnostics];
  const warn = (p: (string | number)[], message: string) =>
    diagnostics.push({
      path,
      code: 'invalid-environment',
      severity: 'warning',
      message: `${formatJsonPath(p)}: ${message}`,
      range: r.rangeOf(p),
    });
  const known = (u: string) => Object.prototype.hasOwnProperty.call(policy.users, u);
  policy.admins.forEach((a, i) => {
    if (!known(a)) warn(['admins', i], `"${a}" is not one of the users, so this entry has no effect`);
  });
  policy.grants.forEach((g, i) => {
    if (g.to.startsWith('user:') && !known(g.to.slice(5))) warn(['grants', i, 'to'], `"${g.to.slice(5)}" is not one of the users, so this grant has no effect`);
  });
  return { policy, diagnostics };
}

/**
 * Parses and validates the text of a `module.json` (SPEC 2.2).
 *
 * @param text the file's content (a BOM, CRLF, comments and trailing commas are accepted)
 * @param path absolute path of the file; copied into each diagnostic
 * @returns the manifest (only when valid), the raw `name`/`owner` strings and the `name` value's
 *          range when present (for reporting), and the `invalid-manifest` diagnostics. Never throws.
 */
export function parseModuleManifest(text: string, path: string): ParsedManifest {
  const r = parseWithSchema(text, path, moduleManifestSchema, 'invalid-manifest');
  const out: ParsedManifest = { diagnostics: r.diagnostics };
  if (r.ok) {
    // Valid: name and owner are the manifest's; the name's range (only for a clash of names) is
    // found when asked (the fast path builds no tree until then).
    out.manifest = r.data;
    out.name = r.data.name;
    Object.defineProperty(out, 'nameRange', { get: () => r.rangeOf(['name']), enumerable: true, configurable: true });
    out.owner = r.data.owner;
    return out;
  }
  const nameNode = r.root && r.root.type === 'object' ? findNodeAtLocation(r.root, ['name']) : undefined;
  if (nameNode && nameNode.type === 'string') {
    out.name = nameNode.value as string;
    out.nameRange = r.rangeOf(['name']);
  }
  const ownerNode = r.root && r.root.type === 'object' ? findNodeAtLocation(r.root, ['owner']) : undefined;
  if (ownerNode && ownerNode.type === 'string') out.owner = ownerNode.value as string;
  return out;
}

/**
 * Formats a JSON path for messages: `grants[1].access`, `users["j.doe"].groups[0]`; `(root)` for
 * the empty path.
 */
export function formatJsonPath(path: readonly PropertyKey[]): string {
  let s = '';
  for (const seg of path) {
    if (typeof seg === 'number') s += `[${seg}]`;
    else {
      const k = String(seg);
      if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(k)) s += s === '' ? k : `.${k}`;
      else s += `[${JSON.stringify(k)}]`;
    }
  }
  return s === '' ? '(root)' : s;
}

const SYNTAX_MESSAGES: Record<string, string> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'expected a property name in double quotes',
  ValueExpected: 'expected a value',
  ColonExpected: 'expected ":"',
  CommaExpected: 'expected ","',
  CloseBraceExpected: 'expected "}"',
  CloseBracketExpected: 'expected "]"',
  EndOfFileExpected: 'expected the end of the file',
  InvalidCommentToken: 'invalid comment',
  UnexpectedEndOfComment: 'unterminated comment',
  UnexpectedEndOfString: 'unterminated string',
  UnexpectedEndOfNumber: 'unterminated number',
  InvalidUnicode: 'invalid unicode escape',
  InvalidEscapeCharacter: 'invalid escape character in string',
  InvalidCharacter: 'invalid character in string',
};

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  object: 'an object',
  record: 'an object',
  array: 'an array',
  null: 'null',
};

type ParseOutcome<T> = {
  root?: JsonNode;
  diagnostics: FileDiagnostic[];
  rangeOf: (path: (string | number)[]) => Range;
} & ({ ok: true; data: T } | { ok: false });

/** Parses JSONC `text` and validates it with `schema`, turning every problem into a diagnostic. */
function parseWithSchema<S extends z.ZodType>(text: string, path: string, schema: S, code: DiagnosticCode): ParseOutcome<z.output<S>> {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  // Fast path (issue 12: 1,000 manifests and a 100 KB policy per command): a file that is plain
  // JSON without duplicate or `__proto__` keys, valid for the schema, gives the same data as the
  // path below; its tree (for positions) is built only when asked for. Anything else — comments,
  // trailing commas, any error — takes the path below, which says where.
  const fast = plainJsonValue(src);
  if (fast !== undefined) {
    const result = schema.safeParse(fast.value);
    if (result.success) {
      let full: ParseOutcome<z.output<S>> | undefined;
      const slow = () => (full ??= parseWithSchemaSlowly(src, path, schema, code));
      return {
        ok: true,
        data: result.data,
        get root() {
          return slow().root;
        },
        diagnostics: [],
        rangeOf: (p) => slow().rangeOf(p),
      };
    }
  }
  return parseWithSchemaSlowly(src, path, schema, code);
}

/**
 * `text` parsed by `JSON.parse` when it is plain JSON (no comments, no trailing commas) with no
 * `__proto__` key and no key twice in one object — exactly the texts for which jsonc-parser's
 * tree (`parseTree` + `getNodeValue` below) has no error and the same value. `undefined` otherwise.
 */
function plainJsonValue(text: string): { value: unknown } | undefined {
  if (text.includes('__proto__')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  // A duplicate key leaves fewer properties than keys written.
  return countProperties(value) === countKeys(text) ? { value } : undefined;
}

/** The number of properties of every object in a parsed JSON value. */
function countProperties(v: unknown): number {
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + countProperties(x), 0);
  if (v === null || typeof v !== 'object') return 0;
  let n = 0;
  for (const k of Object.keys(v)) n += 1 + countProperties((v as Record<string, unknown>)[k]);
  return n;
}

/** The number of keys written in a valid JSON text: strings followed (after white space) by `:`. */
function countKeys(text: string): number {
  let n = 0;
  const len = text.length;
  for (let i = 0; i < len; i++) {
    if (text.charCodeAt(i) !== 34 /* " */) continue;
    for (i++; i < len; i++) {
      const c = text.charCodeAt(i);
      if (c === 92 /* \ */) i++;
      else if (c === 34) break;
    }
    let j = i + 1;
    for (let c = text.charCodeAt(j); c === 32 || c === 9 || c === 10 || c === 13; c = text.charCodeAt(++j));
    if (text.charCodeAt(j) === 58 /* : */) n++;
  }
  return n;
}

/** {@link parseWithSchema} on the tree of jsonc-parser, with a position for every problem. */
function parseWithSchemaSlowly<S extends z.ZodType>(src: string, path: string, schema: S, code: DiagnosticCode): ParseOutcome<z.output<S>> {
  const index = new LineIndex(src);
  const lines = { range: (offset: number, length: number) => index.rangeAt(offset, offset + length) };
  const diagnostics: FileDiagnostic[] = [];
  const report = (range: Range, message: string) => diagnostics.push({ path, code, severity: 'error', message, range });

  const errors: ParseError[] = [];
  const root = parseTree(src, errors, { allowTrailingComma: true, disallowComments: false });

  const nodeRange = (n: JsonNode) => lines.range(n.offset, n.length);
  /** The node at `p`, else the start (`{` / `[`) of its nearest existing ancestor. */
  const rangeOf = (p: (string | number)[]): Range => {
    if (!root) return lines.range(0, 0);
    for (let i = p.length; i >= 0; i--) {
      const n = i === 0 ? root : findNodeAtLocation(root, p.slice(0, i));
      if (n) return i === p.length ? nodeRange(n) : lines.range(n.offset, Math.min(1, n.length));
    }
    return lines.range(0, 0);
  };

  if (errors.length > 0 || !root) {
    for (const e of errors) {
      const what = SYNTAX_MESSAGES[printParseErrorCode(e.error)] ?? 'syntax error';
      const where = getLocation(src, e.offset).path;
      const at = where.length > 0 ? ` (in ${formatJsonPath(where)})` : '';
      report(lines.range(e.offset, e.length), `syntax error: ${what}${at}`);
    }
    if (diagnostics.length === 0) report(lines.range(0, 0), 'syntax error: expected a value');
    return { ok: false, root, diagnostics, rangeOf };
  }

  // Duplicate keys: JSON allows them, but only one would count; say so instead of guessing.
  const checkDuplicates = (n: JsonNode, p: (string | number)[]) => {
    if (n.type === 'object') {
      const seen = new Set<string>();
      for (const prop of n.children ?? []) {
        const keyNode = prop.children?.[0];
        const valueNode = prop.children?.[1];
        if (!keyNode) continue;
        const key = keyNode.value as string;
        if (seen.has(key)) report(nodeRange(keyNode), `${formatJsonPath([...p, key])}: duplicate key`);
        // `__proto__` would become the object's prototype when the value is built: never valid here.
        else if (key === '__proto__') report(nodeRange(keyNode), `${formatJsonPath([...p, key])}: key not allowed`);
        seen.add(key);
        if (valueNode) checkDuplicates(valueNode, [...p, key]);
      }
    } else if (n.type === 'array') {
      (n.children ?? []).forEach((c, i) => checkDuplicates(c, [...p, i]));
    }
  };
  checkDuplicates(root, []);

  const result = schema.safeParse(getNodeValue(root));
  if (!result.success) {
    for (const issue of result.error.issues) {
      const p = issue.path.map((s) => (typeof s === 'number' ? s : String(s)));
      const node = findNodeAtLocation(root, p);
      switch (issue.code) {
        case 'unrecognized_keys': {
          const allowed = allowedKeys(schema, p);
          const hint = allowed ? ` (allowed: ${allowed.join(', ')})` : '';
          for (const key of issue.keys) {
            const prop = findNodeAtLocation(root, [...p, key])?.parent;
            report(prop ? nodeRange(prop) : rangeOf(p), `${formatJsonPath([...p, key])}: unknown key${hint}`);
          }
          break;
        }
        case 'invalid_key': {
          const keyNode = node?.parent?.type === 'property' ? node.parent.children?.[0] : undefined;
          const inner = issue.issues[0]?.message ?? 'invalid key';
          report(keyNode ? nodeRange(keyNode) : rangeOf(p), `${formatJsonPath(p)}: ${inner}`);
          break;
        }
        default: {
          const expected = describeExpected(issue);
          if (!node) {
            report(rangeOf(p), `${formatJsonPath(p)}: required key is missing${expected ? ` (expected ${expected})` : ''}`);
          } else if (issue.code === 'invalid_type') {
            report(nodeRange(node), `${formatJsonPath(p)}: expected ${expected}, got ${jsonTypeName(node)}`);
          } else if (issue.code === 'invalid_value') {
            report(nodeRange(node), `${formatJsonPath(p)}: expected ${expected}`);
          } else if (issue.code === 'too_small' && issue.origin === 'string') {
            report(nodeRange(node), `${formatJsonPath(p)}: must not be empty`);
          } else {
            report(nodeRange(node), `${formatJsonPath(p)}: ${issue.message}`);
          }
        }
      }
    }
  }
  diagnostics.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  if (!result.success || diagnostics.length > 0) return { ok: false, root, diagnostics, rangeOf };
  return { ok: true, data: result.data, root, diagnostics, rangeOf };
}

function describeExpected(issue: z.core.$ZodIssue): string | undefined {
  if (issue.code === 'invalid_type') return TYPE_NAMES[issue.expected] ?? issue.expected;
  if (issue.code === 'invalid_value') return `one of ${issue.values.map(String).join(', ')}`;
  return undefined;
}

function jsonTypeName(n: JsonNode): string {
  return n.type === 'null' ? 'null' : (TYPE_NAMES[n.type] ?? n.type);
}
