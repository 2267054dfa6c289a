/**
 * Interface changes (SPEC 10): compares two interface models ({@link InterfaceModel}, model.ts) and
 * classifies every change as `breaking`, `compatible` or `doc`, with the semantic-version bump it
 * requires (computed with `semver`).
 *
 * The rules (SPEC 10, conversions of SPEC 3.3 through `isAssignable` of shared/language/types.ts):
 * - breaking: an element removed or made private (or turned from a structure into an action or
 *   back); a required input added; an input removed, renamed, moved (positional arguments,
 *   docs/DECISIONS.md) or its type changed other than widened; a default removed; an output
 *   removed, renamed or its type changed other than narrowed; the number of outputs crossing one
 *   (1 → several or several → 1: the call's value changes shape); a structure field removed or its
 *   type changed (any change: fields are read and written); a field without default added; a
 *   field's default removed;
 * - compatible: an element added; an optional input added; an input type widened (the old type
 *   converts to the new one); an output type narrowed (the new type converts to the old one); an
 *   output added while the count stays above one, or to an action without outputs; a default added
 *   or its value changed; a field with a default added;
 * - doc: only doc comments changed (the element's, an input's, an output's or a field's).
 * Required bump: `major` for any breaking change, else `minor` for any compatible one, else
 * `patch` for doc changes, else `none`.
 *
 * Pure: no file system and no access decision.
 */
import * as semver from 'semver';
import { type Type, isAssignable, typeEquals } from '../language/types';
import { type ActionModel, type ElementModel, type InterfaceModel, type MemberModel, type StructureModel, typeText } from './model';

/** SPEC 10 severities, most severe first. */
export type Severity = 'breaking' | 'compatible' | 'doc';

/** The semantic-version bumps, smallest first. */
export type Bump = 'none' | 'patch' | 'minor' | 'major';

/** Stable codes of the kinds of change (JSON `kind`). */
export type ChangeKind =
  | 'element-removed'
  | 'element-made-private'
  | 'element-kind-changed'
  | 'element-added'
  | 'input-added'
  | 'input-removed'
  | 'input-renamed'
  | 'input-moved'
  | 'input-type-widened'
  | 'input-type-changed'
  | 'default-added'
  | 'default-removed'
  | 'default-changed'
  | 'output-added'
  | 'output-removed'
  | 'output-renamed'
  | 'output-type-narrowed'
  | 'output-type-changed'
  | 'output-count-changed'
  | 'field-added'
  | 'field-removed'
  | 'field-type-changed'
  | 'field-default-added'
  | 'field-default-removed'
  | 'field-default-changed'
  | 'doc-changed';

/** One change (SPEC 10 JSON `changes[]`). */
export interface InterfaceChange {
  severity: Severity;
  /** The public element's name (`CreateOrder`). */
  element: string;
  kind: ChangeKind;
  /** What changed, in words (`required input 'reason: Text' added`). */
  detail: string;
}

/** Options of {@link diffInterfaces}. */
export interface DiffOptions {
  /**
   * The module both models describe: its structures are written unqualified in details. Default:
   * the new model's `module`, else the old one's, else `''`.
   */
  module?: string;
  /**
   * Whether an element missing from the new interface still exists as a private element (→
   * `element-made-private`, else `element-removed`). Pass it only for a caller allowed to know
   * private names (access ≥ `open`, No leak): by default every missing element is "removed".
   */
  isPrivate?(name: string): boolean;
}

const SEVERITY_ORDER: Record<Severity, number> = { breaking: 0, compatible: 1, doc: 2 };
const BUMP_RANK: Record<Bump, number> = { none: 0, patch: 1, minor: 2, major: 3 };

/**
 * Every change from `before` to `after` (SPEC 10), ordered by severity (breaking first), then by
 * element name, then as found (members in declaration order).
 *
 * @param before the earlier interface (e.g. parsed from `--against FILE`)
 * @param after the current interface
 * @returns the changes; empty when the interfaces are the same. Never throws.
 */
export function diffInterfaces(before: InterfaceModel, after: InterfaceModel, options: DiffOptions = {}): InterfaceChange[] {
  const module = options.module ?? after.module ?? before.module ?? '';
  const out: InterfaceChange[] = [];
  for (const [name, old] of before.elements) {
    const now = after.elements.get(name);
    if (!now) {
      const priv = options.isPrivate?.(name) ?? false;
      out.push({
        severity: 'breaking',
        element: name,
        kind: priv ? 'element-made-private' : 'element-removed',
        detail: priv ? `${kindWord(old)} made private` : `${kindWord(old)} removed`,
      });
    } else out.push(...diffElement(old, now, module));
  }
  for (const [name, now] of after.elements) {
    if (!before.elements.has(name)) out.push({ severity: 'compatible', element: name, kind: 'element-added', detail: `${kindWord(now)} added` });
  }
  return sortChanges(out);
}

/** Changes sorted by severity (breaking first), then element name; stable otherwise. */
export function sortChanges(changes: InterfaceChange[]): InterfaceChange[] {
  return changes
    .map((c, i) => ({ c, i }))
    .sort((a, b) => SEVERITY_ORDER[a.c.severity] - SEVERITY_ORDER[b.c.severity] || cmp(a.c.element, b.c.element) || a.i - b.i)
    .map((x) => x.c);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function kindWord(e: ElementModel): string {
  return e.kind === 'structure' ? 'structure' : 'server action';
}

/**
 * The changes of one element present on both sides (same name), in member order.
 * @param module the module (its structures are written unqualified in details)
 */
export function diffElement(before: ElementModel, after: ElementModel, module: string): InterfaceChange[] {
  const element = after.name;
  if (before.kind !== after.kind) {
    return [{ severity: 'breaking', element, kind: 'element-kind-changed', detail: `changed from ${kindWord(before)} to ${kindWord(after)}` }];
  }
  const out: InterfaceChange[] = [];
  const add = (severity: Severity, kind: ChangeKind, detail: string) => out.push({ severity, element, kind, detail });
  const t = (x: Type) => typeText(x, module);
  if (before.doc !== after.doc) add('doc', 'doc-changed', 'doc comment changed');
  if (before.kind === 'structure') diffFields(before, after as StructureModel, add, t);
  else diffAction(before, after as ActionModel, add, t);
  return out;
}

type Add = (severity: Severity, kind: ChangeKind, detail: string) => void;

function sameType(a: Type, b: Type): boolean {
  if (a.kind === 'opaque' || b.kind === 'opaque') return a.kind === b.kind;
  return typeEquals(a, b);
}

/** Whether a value of `from` converts to `to` (SPEC 3.3); a private placeholder converts only to itself. */
function converts(from: Type, to: Type): boolean {
  if (from.kind === 'opaque' || to.kind === 'opaque' || from.kind === 'error' || to.kind === 'error') return sameType(from, to);
  return isAssignable(from, to);
}

function decl(m: MemberModel, t: (x: Type) => string): string {
  return `${m.name}: ${t(m.type)}${m.default !== undefined ? ` = ${m.default}` : ''}`;
}

function diffFields(before: StructureModel, after: StructureModel, add: Add, t: (x: Type) => string): void {
  const now = new Map(after.fields.map((f) => [f.name, f]));
  const old = new Map(before.fields.map((f) => [f.name, f]));
  for (const f of before.fields) {
    const g = now.get(f.name);
    if (!g) {
      add('breaking', 'field-removed', `field '${f.name}' removed`);
      continue;
    }
    if (!sameType(f.type, g.type)) add('breaking', 'field-type-changed', `type of field '${f.name}' changed from ${t(f.type)} to ${t(g.type)}`);
    if (f.default !== undefined && g.default === undefined) add('breaking', 'field-default-removed', `default of field '${f.name}' removed (${f.default})`);
    else if (f.default === undefined && g.default !== undefined) add('compatible', 'field-default-added', `default ${g.default} added to field '${f.name}'`);
    else if (f.default !== g.default) add('compatible', 'field-default-changed', `default of field '${f.name}' changed from ${f.default} to ${g.default}`);
    if (f.doc !== g.doc) add('doc', 'doc-changed', `doc comment of field '${f.name}' changed`);
  }
  for (const g of after.fields) {
    if (old.has(g.name)) continue;
    if (g.default === undefined) add('breaking', 'field-added', `field '${decl(g, t)}' without default added`);
    else add('compatible', 'field-added', `field '${decl(g, t)}' added`);
  }
}

function diffAction(before: ActionModel, after: ActionModel, add: Add, t: (x: Type) => string): void {
  // ----- inputs
  const ins = matchMembers(before.inputs, after.inputs);
  let shifted = false;
  for (const [i, f] of before.inputs.entries()) {
    const j = ins.oldToNew.get(i);
    if (j === undefined) {
      add('breaking', 'input-removed', `input '${f.name}' removed`);
      shifted = true;
      continue;
    }
    const g = after.inputs[j];
    if (g.name !== f.name) {
      add('breaking', 'input-renamed', `input '${f.name}' renamed to '${g.name}'`);
      shifted = true;
    }
    if (!sameType(f.type, g.type)) {
      if (converts(f.type, g.type)) add('compatible', 'input-type-widened', `type of input '${g.name}' widened from ${t(f.type)} to ${t(g.type)}`);
      else add('breaking', 'input-type-changed', `type of input '${g.name}' changed from ${t(f.type)} to ${t(g.type)}`);
    }
    if (f.default !== undefined && g.default === undefined)
      add('breaking', 'default-removed', `default of input '${g.name}' removed (${f.default}): the input is now required`);
    else if (f.default === undefined && g.default !== undefined)
      add('compatible', 'default-added', `default ${g.default} added to input '${g.name}': the input is now optional`);
    else if (f.default !== g.default) add('compatible', 'default-changed', `default of input '${g.name}' changed from ${f.default} to ${g.default}`);
    if (f.doc !== g.doc) add('doc', 'doc-changed', `doc comment of input '${g.name}' changed`);
  }
  for (const [j, g] of after.inputs.entries()) {
    if (ins.newToOld.has(j)) continue;
    if (g.default === undefined) add('breaking', 'input-added', `required input '${decl(g, t)}' added`);
    else add('compatible', 'input-added', `optional input '${decl(g, t)}' added`);
  }
  if (!shifted) {
    // Positional arguments (SPEC 3.2 Args): an input that now sits at another position receives
    // other callers' values. Reported only when no removal or rename already broke the element.
    for (const [i, j] of ins.oldToNew) {
      if (i !== j) add('breaking', 'input-moved', `input '${after.inputs[j].name}' moved from position ${i + 1} to ${j + 1}`);
    }
  }

  // ----- outputs
  const outs = matchMembers(before.outputs, after.outputs);
  for (const [i, f] of before.outputs.entries()) {
    const j = outs.oldToNew.get(i);
    if (j === undefined) {
      add('breaking', 'output-removed', `output '${f.name}' removed`);
      continue;
    }
    const g = after.outputs[j];
    if (g.name !== f.name) add('breaking', 'output-renamed', `output '${f.name}' renamed to '${g.name}'`);
    if (!sameType(f.type, g.type)) {
      if (converts(g.type, f.type)) add('compatible', 'output-type-narrowed', `type of output '${g.name}' narrowed from ${t(f.type)} to ${t(g.type)}`);
      else add('breaking', 'output-type-changed', `type of output '${g.name}' changed from ${t(f.type)} to ${t(g.type)}`);
    }
    if (f.doc !== g.doc) add('doc', 'doc-changed', `doc comment of output '${g.name}' changed`);
  }
  const n0 = before.outputs.length;
  const n1 = after.outputs.length;
  const crosses = n0 > 0 && n1 > 0 && (n0 === 1) !== (n1 === 1);
  if (crosses) {
    add(
      'breaking',
      'output-count-changed',
      n0 === 1
        ? `outputs went from one to ${n1}: the call's value becomes a record of outputs`
        : `outputs went from ${n0} to one: the call's value is no longer a record of outputs`,
    );
  }
  for (const [j, g] of after.outputs.entries()) {
    if (outs.newToOld.has(j)) continue;
    // One → several is reported once, as the change of the call's shape.
    if (crosses && n0 === 1) continue;
    add('compatible', 'output-added', `output '${decl(g, t)}' added`);
  }
}

/**
 * Matches members by name; then an unmatched old member and an unmatched new member at the same
 * position count as a rename.
 */
function matchMembers(before: MemberModel[], after: MemberModel[]): { oldToNew: Map<number, number>; newToOld: Map<number, number> } {
  const oldToNew = new Map<number, number>();
  const newToOld = new Map<number, number>();
  const byName = new Map(after.map((m, j) => [m.name, j]));
  for (const [i, m] of before.entries()) {
    const j = byName.get(m.name);
    if (j !== undefined) {
      oldToNew.set(i, j);
      newToOld.set(j, i);
    }
  }
  for (let i = 0; i < before.length; i++) {
    if (oldToNew.has(i) || i >= after.length || newToOld.has(i)) continue;
    // A rename keeps the position; a member with the old name elsewhere was matched above.
    oldToNew.set(i, i);
    newToOld.set(i, i);
  }
  return { oldToNew, newToOld };
}

/**
 * The bump the changes require (SPEC 10): `major` for a breaking change, `minor` for a
 * compatible one, `patch` for doc changes, `none` without changes.
 */
export function requiredBump(changes: readonly InterfaceChange[]): Bump {
  if (changes.some((c) => c.severity === 'breaking')) return 'major';
  if (changes.some((c) => c.severity === 'compatible')) return 'minor';
  if (changes.length) return 'patch';
  return 'none';
}

/**
 * The bump made from version `from` to version `to` (semantic versions, `semver`): `major` when
 * the major number grew, else `minor` when the minor number grew, else `patch` when the patch
 * number grew; `none` when `to` is not greater than `from` (or only the pre-release part changed).
 *
 * @throws Error when either is not a valid semantic version
 */
export function madeBump(from: string, to: string): Bump {
  const a = semver.parse(from);
  const b = semver.parse(to);
  if (!a) throw new Error(`'${from}' is not a semantic version`);
  if (!b) throw new Error(`'${to}' is not a semantic version`);
  if (!semver.gt(b, a)) return 'none';
  if (b.major > a.major) return 'major';
  if (b.major === a.major && b.minor > a.minor) return 'minor';
  if (b.major === a.major && b.minor === a.minor && b.patch > a.patch) return 'patch';
  return 'none';
}

/** True when `made` is at least `required` (SPEC 10 exit 0). */
export function bumpSatisfies(made: Bump, required: Bump): boolean {
  return BUMP_RANK[made] >= BUMP_RANK[required];
}

/** The smallest version of the `required` bump over `from` (`semver.inc`), or `from` for `none`. */
export function nextVersion(from: string, required: Bump): string {
  if (required === 'none') return from;
  return semver.inc(from, required) ?? from;
}
