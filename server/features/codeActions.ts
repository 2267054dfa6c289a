/**
 * `textDocument/codeAction` (SPEC 4): quick fixes for
 * - `not-a-dependency` / `dependency-version`: add (or update) the dependency
 *   `"<Module>": "^<current version>"` in the referencing module's `module.json`, as a WorkspaceEdit
 *   of one minimal text edit computed with jsonc-parser (`setDependency` of
 *   `shared/environment/edit.ts`), so the file's comments and formatting are kept;
 * - `hidden-element`: make the element public (insert `public ` before its declaration).
 *
 * Access (SPEC 2.3, No leak): only in readable sources ({@link resolveDocument}); the diagnostics
 * are recomputed for the current user (those the client sends are never trusted). Adding a
 * dependency needs ≥ `change` on the referencing module (SPEC 4: `change` edits a manifest's
 * ordinary fields); making an element public needs ≥ `change` on the element's module (and the
 * user gets `hidden-element` only at ≥ `open` on it in the first place).
 */
import { CodeActionKind, type CodeAction, type CodeActionParams, type TextEdit } from 'vscode-languageserver';
import type { Diagnostic } from '../../shared/language/diagnostics';
import { DIAGNOSTIC_SOURCE } from '../../shared/language/diagnostics';
import { LineIndex } from '../../shared/language/text';
import { comparePositions } from '../../shared/language/visit';
import { atLeast } from '../../shared/access/levels';
import { setDependency } from '../../shared/environment/edit';
import type { Range } from '../../shared/language/ast';
import type { EnvironmentState } from '../workspace';
import type { Feature, FeatureContext } from './feature';
import { clientUri, resolveDocument } from './common';
import { SEVERITY } from './diagnostics';

/**
 * The single text edit that turns `before` into `after` (common prefix and suffix left alone).
 * @returns `undefined` when the texts are equal
 */
export function minimalEdit(before: string, after: string): TextEdit | undefined {
  if (before === after) return undefined;
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let endB = before.length;
  let endA = after.length;
  while (endB > start && endA > start && before[endB - 1] === after[endA - 1]) {
    endB--;
    endA--;
  }
  // Never split a `\r\n` pair or a surrogate pair.
  while (start > 0 && (isLow(before.charCodeAt(start)) || (before[start - 1] === '\r' && before[start] === '\n'))) start--;
  const lines = new LineIndex(before);
  return { range: lines.rangeAt(start, endB), newText: after.slice(start, endA) };
}

function isLow(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

function overlaps(a: Range, b: Range): boolean {
  return comparePositions(a.start, b.end) <= 0 && comparePositions(b.start, a.end) <= 0;
}

/** The current text of a file the user may read: its open document (overlay) or the disk, read
 *  by handle after a walk under the user's gate (SPEC 4.1). */
function currentText(ctx: FeatureContext, state: EnvironmentState, abs: string): string | undefined {
  const gate = ctx.workspace.gate(state);
  const walk = ctx.workspace.disk.walk(gate, abs);
  if (walk.kind !== 'resolved' || !walk.exists || !gate.canRead(walk.path)) return undefined;
  const open = ctx.workspace.openDocumentAt(state, walk.path);
  if (open) return open.getText();
  return ctx.workspace.disk.readFileAt(walk.path)?.text;
}

function lspDiagnostic(d: Diagnostic) {
  return { range: d.range, severity: SEVERITY[d.severity], code: d.code, source: DIAGNOSTIC_SOURCE, message: d.message };
}

/** Computes the code actions of a request (exported for tests). */
export function codeActions(ctx: FeatureContext, params: CodeActionParams): CodeAction[] {
  const doc = resolveDocument(ctx, params?.textDocument?.uri);
  if (!doc || doc.kind !== 'source' || !params.range) return [];
  const only = params.context?.only;
  if (only && !only.some((k) => CodeActionKind.QuickFix.startsWith(k) || k === CodeActionKind.QuickFix)) return [];
  const { view, state, path } = doc;
  const own = view.readableModuleOf(path);
  const out: CodeAction[] = [];
  const done = new Set<string>();
  for (const d of view.diagnostics(path)) {
    if (!overlaps(d.range, params.range)) continue;
    if (d.code === 'not-a-dependency' || d.code === 'dependency-version') {
      const target = view.symbolAt(path, d.range.start);
      if (target?.kind !== 'module' || !own?.manifest) continue;
      if (!atLeast(view.moduleAccess(own).level, 'change')) continue;
      const version = view.moduleFacts(target.name)?.version;
      if (!version || done.has(`dep:${target.name}`)) continue;
      const text = currentText(ctx, state, own.manifestPath);
      if (text === undefined) continue;
      let edited: string;
      try {
        edited = setDependency(text, target.name, `^${version}`);
      } catch {
        continue; // module.json has syntax errors: not edited blindly
      }
      const edit = minimalEdit(text, edited);
      if (!edit) continue;
      done.add(`dep:${target.name}`);
      const adding = d.code === 'not-a-dependency';
      out.push({
        title: adding
          ? `Add dependency "${target.name}": "^${version}" to module.json`
          : `Update the dependency on ${target.name} to "^${version}" in module.json`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [lspDiagnostic(d)],
        isPreferred: true,
        edit: { changes: { [clientUri(ctx, state, own.manifestPath, doc.uri)]: [edit] } },
      });
    } else if (d.code === 'hidden-element') {
      const symbol = view.symbolAt(path, d.range.start);
      if (!symbol?.module || (symbol.kind !== 'structure' && symbol.kind !== 'serverAction')) continue;
      if (!atLeast(view.access(symbol.module).level, 'change')) continue;
      const sym = view.elementSymbol(symbol.module, symbol.name);
      if (!sym || sym.isPublic || done.has(`public:${symbol.module}:${symbol.name}`)) continue;
      if (!view.canRead(sym.path)) continue;
      done.add(`public:${symbol.module}:${symbol.name}`);
      const at = sym.decl.range.start;
      out.push({
        title: `Make '${symbol.name}' public in module ${symbol.module}`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [lspDiagnostic(d)],
        isPreferred: true,
        edit: { changes: { [clientUri(ctx, state, sym.path, doc.uri)]: [{ range: { start: at, end: at }, newText: 'public ' }] } },
      });
    }
  }
  return out;
}

export const codeActionsFeature: Feature = {
  name: 'codeActions',
  capabilities: () => ({ codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] } }),
  register(ctx) {
    ctx.connection.onCodeAction(ctx.safe('textDocument/codeAction', (params: CodeActionParams) => codeActions(ctx, params)));
  },
};
