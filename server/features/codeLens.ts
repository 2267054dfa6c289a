/**
 * CodeLens "N call sites in M modules" on each public structure and server action of a module's
 * source, for users with `full` on the module (SPEC 10), and the request behind the list it opens,
 * `protectedModules/callSites` (an extension of SPEC 4, docs/DECISIONS.md).
 *
 * The lens's command is the client's `protectedModules.showCallSites` with
 * `{ uri, module, element }`; the client asks `protectedModules/callSites` and shows the list:
 * call sites the user may read (locations), module names and counts otherwise.
 *
 * No leak: the document must be readable ({@link resolveDocument}) and the user must have `full`
 * on its module, else no lens and a `null` answer; consumers come from `consumersOf` (named only
 * at ≥ `list`, locations only in files the user may read — checked again here).
 */
import { CodeLensRefreshRequest, type CodeLens, type CodeLensParams } from 'vscode-languageserver';
import { atLeast } from '../../shared/access/levels';
import { Requests, type CallSitesParams, type CallSitesResult } from '../../shared/protocol';
import { onRequest } from '../protocol';
import { consumersOf } from '../../shared/interface/consumers';
import type { Feature, FeatureContext } from './feature';
import { clientUri, resolveDocument } from './common';
import { countsText, elementTotals } from './breakingChanges';

/** The client command a lens runs (registered by the VS Code client). */
export const SHOW_CALL_SITES_COMMAND = 'protectedModules.showCallSites';

/** The document's module when the user has `full` on it, with the readable document. */
function ownedDocument(ctx: FeatureContext, uri: string) {
  const doc = resolveDocument(ctx, uri);
  if (!doc || doc.kind !== 'source') return undefined;
  const module = doc.view.readableModuleOf(doc.path);
  const name = module?.manifest?.name;
  if (!module || !name || doc.view.visibleModule(name) !== module) return undefined;
  if (!atLeast(doc.view.access(name).level, 'full')) return undefined;
  return { doc, module: name };
}

/** The lenses of a document (exported for tests). */
export function codeLenses(ctx: FeatureContext, params: CodeLensParams): CodeLens[] | null {
  const owned = ownedDocument(ctx, params?.textDocument?.uri);
  if (!owned) return null;
  const { doc, module } = owned;
  const consumers = consumersOf(doc.view, module) ?? [];
  const out: CodeLens[] = [];
  const seen = new Set<string>();
  for (const d of doc.file.declarations) {
    if (!d.isPublic || !d.name.name || (d.kind !== 'Structure' && d.kind !== 'ServerAction') || seen.has(d.name.name)) continue;
    seen.add(d.name.name);
    const totals = elementTotals(consumers, d.name.name);
    out.push({
      range: d.name.range,
      command: { title: countsText(totals), command: SHOW_CALL_SITES_COMMAND, arguments: [{ uri: doc.uri, module, element: d.name.name }] },
    });
  }
  return out;
}

/** `protectedModules/callSites` (exported for tests); `null` unless the user has `full` on the module. */
export function callSites(ctx: FeatureContext, params: CallSitesParams): CallSitesResult | null {
  if (!params || typeof params.element !== 'string') return null;
  const owned = ownedDocument(ctx, params.uri);
  if (!owned) return null;
  const { doc, module } = owned;
  const consumers = consumersOf(doc.view, module, [params.element]);
  if (!consumers) return null;
  const totals = elementTotals(consumers, params.element);
  return {
    module,
    element: params.element,
    ...totals,
    consumers: consumers.map((c) => {
      const locations = c.locations?.filter((l) => doc.view.canRead(l.path)).map((l) => ({ uri: clientUri(ctx, doc.state, l.path, doc.uri), range: l.range }));
      return { module: c.module, access: c.access, callSites: c.callSites, ...(locations ? { locations } : {}) };
    }),
  };
}

export const codeLensFeature: Feature = {
  name: 'codeLens',
  capabilities: () => ({ codeLensProvider: { resolveProvider: false } }),
  register(ctx) {
    ctx.connection.onCodeLens(ctx.safe('textDocument/codeLens', (params: CodeLensParams) => codeLenses(ctx, params)));
    onRequest(ctx, Requests.callSites, (params) => callSites(ctx, params));
    // Counts change with other documents (consumers edited, files changed on disk): ask the
    // client to re-request lenses, debounced.
    if (ctx.clientCapabilities.workspace?.codeLens?.refreshSupport) {
      let timer: NodeJS.Timeout | undefined;
      ctx.workspace.onDidChange(() => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => {
          timer = undefined;
          void ctx.connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
        }, 300);
      });
    }
  },
};
