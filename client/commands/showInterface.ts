/**
 * **Show Interface** (SPEC 5, 3.5): opens `module-interface://<env>/<Module>.logic`, the module's
 * public elements as a read-only declaration file. Offered for modules where the user has
 * `reference` access or more. Argument (optional): a Modules-view item, `{ env, module, range }`
 * (reveals the element at `range`) or a module name.
 */
import * as vscode from 'vscode';
import { atLeast } from '../../shared/access/levels';
import type { Range } from '../../shared/language/ast';
import type { Environments } from '../environments';
import { describeError } from '../errors';
import { openInterface } from '../interfaceDocuments';
import { pickModule, type ModuleArgument } from './pickModule';

export async function showInterface(environments: Environments, arg: ModuleArgument & { range?: Range }): Promise<vscode.TextEditor | undefined> {
  const picked = await pickModule(environments, arg, (m) => atLeast(m.access, 'reference'), {
    placeholder: 'Show the interface of which module?',
    none: 'No module lets you see its interface (that needs reference access).',
    notAllowed: (m) =>
      `You cannot see the interface of ${m.name}: that needs reference access; yours is ${m.access}. Ask ${m.owner} (the owner) for reference access.`,
  });
  if (!picked) return undefined;
  const range = arg && typeof arg === 'object' ? arg.range : undefined;
  try {
    return await openInterface(picked.conn.env.name, picked.module.name, range);
  } catch (e) {
    void vscode.window.showErrorMessage(describeError(`show the interface of ${picked.module.name}`, e));
    return undefined;
  }
}
