/**
 * `workspace/symbol` (SPEC 4): the elements matching the query (case-insensitive substring; all
 * when empty) in every environment — every element of modules the user may read (≥ `open`,
 * located in their sources) and the public structures and server actions of modules at
 * `reference` (located in their interface documents).
 *
 * Access (SPEC 2.3, No leak): `UserProgram.workspaceSymbols` decides per module: nothing of
 * modules below `reference` (a module at `none` — `Pricing` for bob — never appears), no private
 * element of modules below `open`, no source location below `open`.
 */
import { SymbolKind, type SymbolInformation, type WorkspaceSymbolParams } from 'vscode-languageserver';
import type { SymbolInfo } from '../../shared/program/program';
import type { Feature, FeatureContext } from './feature';
import { toLocation } from './common';

/** At most this many symbols are answered (per request). */
export const WORKSPACE_SYMBOL_LIMIT = 1000;

const KIND: Partial<Record<SymbolInfo['kind'], SymbolKind>> = {
  structure: SymbolKind.Struct,
  serverAction: SymbolKind.Function,
  screen: SymbolKind.Class,
};

/** Computes the workspace symbols of a request (exported for tests). */
export function workspaceSymbols(ctx: FeatureContext, params: WorkspaceSymbolParams): SymbolInformation[] {
  const query = typeof params?.query === 'string' ? params.query : '';
  const out: SymbolInformation[] = [];
  for (const state of ctx.workspace.environments) {
    const view = ctx.workspace.view(state);
    for (const s of view.workspaceSymbols(query, WORKSPACE_SYMBOL_LIMIT - out.length)) {
      if (!s.location) continue;
      out.push({
        name: s.name,
        kind: KIND[s.kind] ?? SymbolKind.Variable,
        location: toLocation(ctx, state, s.location),
        ...(s.module ? { containerName: s.module } : {}),
      });
    }
    if (out.length >= WORKSPACE_SYMBOL_LIMIT) break;
  }
  return out;
}

export const workspaceSymbolsFeature: Feature = {
  name: 'workspaceSymbols',
  capabilities: () => ({ workspaceSymbolProvider: true }),
  register(ctx) {
    ctx.connection.onWorkspaceSymbol(ctx.safe('workspace/symbol', (params: WorkspaceSymbolParams) => workspaceSymbols(ctx, params)));
  },
};
