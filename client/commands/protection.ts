/**
 * **Protect Module** and **Unprotect Module** (SPEC 5): `protectedModules/setProtection`, which
 * needs `full` access (the owner or an admin); the server writes `"protected"` into the module's
 * `module.json` keeping its formatting. Offered only for modules where the user has `full`.
 * Unprotect first asks for confirmation in a modal dialog that names who would gain read access.
 */
import * as vscode from 'vscode';
import type { Environments } from '../environments';
import { describeError } from '../errors';
import { pickModule, type ModuleArgument } from './pickModule';
import { unprotectConfirmation } from '../accessOverview';
import { Requests } from '../../shared/protocol';

/** The confirmation dialog (a modal warning); replaceable by the real-VS-Code tests, which
 *  cannot press a button of a modal dialog — they record the question and give the answer. */
export const confirmation = {
  ask: async (message: string, detail: string, action: string): Promise<boolean> =>
    (await vscode.window.showWarningMessage(message, { modal: true, detail }, action)) === action,
};

/** Runs Protect (`protect === true`) or Unprotect; resolves `true` when the change was made. */
export async function setProtection(environments: Environments, arg: ModuleArgument, protect: boolean): Promise<boolean> {
  const verb = protect ? 'protect' : 'unprotect';
  const picked = await pickModule(environments, arg, (m) => m.access === 'full' && m.protected !== protect, {
    placeholder: protect ? 'Protect which module? Users without a grant will lose access to it.' : 'Unprotect which module?',
    none: protect ? 'There is no unprotected module that you own or administer.' : 'There is no protected module that you own or administer.',
    notAllowed: (m) =>
      m.access !== 'full'
        ? `You cannot ${verb} ${m.name}: that needs full access (its owner ${m.owner} or an environment admin); yours is ${m.access}.`
        : `${m.name} is already ${protect ? 'protected' : 'not protected'}.`,
  });
  if (!picked) return false;
  if (!protect) {
    // Confirm (modal), naming who would gain read access (issue 13): from the server's overview.
    let text: { message: string; detail: string };
    try {
      text = unprotectConfirmation(await picked.conn.request(Requests.accessOverview, { module: picked.module.name }));
    } catch (e) {
      void vscode.window.showErrorMessage(describeError(`read the access to ${picked.module.name}`, e));
      return false;
    }
    if (!(await confirmation.ask(text.message, text.detail, 'Unprotect'))) return false;
  }
  try {
    await picked.conn.request(Requests.setProtection, { module: picked.module.name, protected: protect });
  } catch (e) {
    void vscode.window.showErrorMessage(describeError(`${verb} ${picked.module.name}`, e));
    return false;
  }
  void vscode.window.showInformationMessage(
    protect
      ? `${picked.module.name} is now protected: only its owner, admins and users with a grant can use it.`
      : `${picked.module.name} is no longer protected: every user of the environment has the default access to it.`,
  );
  return true;
}
