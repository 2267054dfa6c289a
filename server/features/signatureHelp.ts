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
  // Parameter labels as [start, end) offsets into the signature label (searched left to right
  // after the opening parenthesis, so that a name equal to the action's name is not matched).
  let from = call.label.indexOf('(') + 1;
  const parameters: ParameterInformation[] = call.params.map((p) => {
    const at = call.label.indexOf(p.label, from);
    const label: ParameterInformation['label'] = at >= 0 ? [at, at + p.label.length] : p.label;
    if (at >= 0) from = at + p.label.length;
    return { label, ...(p.documentation ? { documentation: { kind: MarkupKind.Markdown, value: p.documentation } } : {}) };
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

export const signatureHelpFeature: Feature = {
  name: 'signatureHelp',
  capabilities: () => ({ signatureHelpProvider: { triggerCharacters: ['(', ','], retriggerCharacters: [':'] } }),
  register(ctx) {
    ctx.connection.onSignatureHelp(ctx.safe('textDocument/signatureHelp', (params: SignatureHelpParams) => signatureHelp(ctx, params)));
  },
};
