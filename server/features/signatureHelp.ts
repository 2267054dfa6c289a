/**
 * `textDocument/signatureHelp` (SPEC 4), triggered by `(` and `,` (and re-triggered by `:` after a
 * named argument): the signature of the innermost call around the cursor, its documentation, each
 * input with its documentation, and the active parameter — the input of the named argument at the
 * cursor, or the positional index.
 *
 * Access (SPEC 2.3, No leak): only in readable sources ({@link resolveDocument}); the call comes
 * from `UserProgram.callAt`, which answers only callees the user may see (a public action of a
 * module at ≥ `reference`, any element at ≥ `open`, built-ins, the file's own client actions),
 * with types rendered for the user. Anything else: `null`.
 */
import { MarkupKind, type ParameterInformation, type SignatureHelp, type SignatureHelpParams } from 'vscode-languageserver';
import type { Feature, FeatureContext } from './feature';
import { resolveDocument } from './common';

/** Computes the signature help of a request (exported for tests). */
export function signatureHelp(ctx: FeatureContext, params: SignatureHelpParams): SignatureHelp | null {
  const doc = resolveDocument(ctx, params?.textDocument?.uri);
  if (!doc || doc.kind !== 'source') return null;
  const call = doc.view.callAt(doc.path, params.position);
  if (!call) return null;
  // Parameter labels as [start, end) offsets into the signature label, searched left to right
  // after the opening parenthesis: the parameter's own label, else `name:` up to the next `,` or
  // `)` outside brackets (built-ins write their defaults differently).
  let from = call.label.indexOf('(') + 1;
  const parameters: ParameterInformation[] = call.params.map((p) => {
    const span = findParam(call.label, p.label, p.name, from);
    if (span) from = span[1];
    return { label: span ?? p.label, ...(p.documentation ? { documentation: { kind: MarkupKind.Markdown, value: p.documentation } } : {}) };
  });
  // No active input (e.g. an unknown named argument): an index past the end highlights nothing.
  const active = call.activeParameter >= 0 ? call.activeParameter : parameters.length;
  return {
    signatures: [
      {
        label: call.label,
        ...(call.documentation ? { documentation: { kind: MarkupKind.Markdown, value: call.documentation } } : {}),
        parameters,
        activeParameter: active,
      },
    ],
    activeSignature: 0,
    activeParameter: active,
  };
}

/** The [start, end) offsets of a parameter in a signature label, searching from `from`. */
function findParam(label: string, paramLabel: string, name: string, from: number): [number, number] | undefined {
  const exact = label.indexOf(paramLabel, from);
  if (exact >= 0) return [exact, exact + paramLabel.length];
  const m = new RegExp(`\\b${name}\\s*:`).exec(label.slice(from));
  if (!m) return undefined;
  const start = from + m.index;
  let depth = 0;
  for (let i = start; i < label.length; i++) {
    const c = label[i];
    if (c === '<' || c === '(' || c === '[') depth++;
    else if ((c === '>' || c === ']') && depth > 0) depth--;
    else if (c === ')') {
      if (depth === 0) return [start, i];
      depth--;
    } else if (c === ',' && depth === 0) return [start, i];
  }
  return [start, label.length];
}

export const signatureHelpFeature: Feature = {
  name: 'signatureHelp',
  capabilities: () => ({ signatureHelpProvider: { triggerCharacters: ['(', ','], retriggerCharacters: [':'] } }),
  register(ctx) {
    ctx.connection.onSignatureHelp(ctx.safe('textDocument/signatureHelp', (params: SignatureHelpParams) => signatureHelp(ctx, params)));
  },
};
