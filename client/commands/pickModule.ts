/**
 * Choosing the module a command acts on: from the command's argument (a Modules-view item, a
 * `{ env?, module }` object or a module name) or else from a quick pick of the modules the user may
 * use the command on.
 */
import * as vscode from 'vscode';
import type { ModuleSummary } from '../../shared/protocol';
import type { Environments } from '../environments';
import type { EnvironmentConnection } from '../languageClient';
import { describeError } from '../errors';
import { plainLabel } from '../labels';
import { Requests } from '../../shared/protocol';

export interface PickedModule {
  conn: EnvironmentConnection;
  module: ModuleSummary;
}

/** What a command may receive as its first argument. */
export type ModuleArgument = string | { kind?: string; env?: string; module?: string | ModuleSummary } | undefined;

/** The environment and module name an argument names, if any. */
function fromArgument(arg: ModuleArgument): { env?: string; name?: string } {
  if (typeof arg === 'string') return { name: arg };
  if (arg && typeof arg === 'object') {
    const m = arg.module;
    return { env: arg.env, name: typeof m === 'string' ? m : m?.name };
  }
  return {};
}

/**
 * Resolves the module for a command.
 * @param filter which modules the command applies to (e.g. `full` access and not protected).
 * @param texts the quick pick's placeholder and the message when no module qualifies.
 * @returns `undefined` when the user cancelled or nothing qualifies (a message was shown).
 */
export async function pickModule(
  environments: Environments,
  arg: ModuleArgument,
  filter: (m: ModuleSummary) => boolean,
  texts: { placeholder: string; none: string; notAllowed: (m: ModuleSummary) => string },
): Promise<PickedModule | undefined> {
  const wanted = fromArgument(arg);
  const conns = wanted.env ? environments.all().filter((c) => c.env.name === wanted.env) : environments.all();
  if (conns.length === 0) {
    void vscode.window.showErrorMessage('No Protected Modules environment is open in this window.');
    return undefined;
  }
  const candidates: (PickedModule & { allowed: boolean })[] = [];
  for (const conn of conns) {
    try {
      const r = await conn.request(Requests.listModules, {});
      for (const module of r.modules) candidates.push({ conn, module, allowed: filter(module) });
    } catch (e) {
      void vscode.window.showErrorMessage(describeError(`list the modules of ${conn.env.name}`, e));
      return undefined;
    }
  }
  if (wanted.name) {
    const found = candidates.find((c) => c.module.name === wanted.name);
    if (!found) {
      void vscode.window.showErrorMessage(`There is no module named ${wanted.name} (or you may not see it).`);
      return undefined;
    }
    if (!found.allowed) {
      void vscode.window.showErrorMessage(texts.notAllowed(found.module));
      return undefined;
    }
    return found;
  }
  const allowed = candidates.filter((c) => c.allowed);
  if (allowed.length === 0) {
    void vscode.window.showInformationMessage(texts.none);
    return undefined;
  }
  const several = conns.length > 1;
  const picked = await vscode.window.showQuickPick(
    allowed.map((c) => ({
      label: `${c.module.protected ? '$(lock)' : '$(package)'} ${c.module.name}`,
      description: `${c.module.version} · ${c.module.kind} · your access: ${c.module.access}${several ? ` · ${c.conn.env.name}` : ''}`,
      detail: plainLabel(c.module.description),
      target: c,
    })),
    { placeHolder: texts.placeholder, matchOnDescription: true, matchOnDetail: true },
  );
  return picked?.target;
}
