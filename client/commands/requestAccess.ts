/**
 * **Request Access…** (SPEC 8, issue 14): choose a level above the current one (a quick pick, the
 * level the denied file needs pre-selected) and a reason (an input box, 1–1000 characters), then
 * `protectedModules/requestAccess`. Offered by the denied view and the command palette while
 * connected to an environment host; in local mode the server has no requests (the denied view
 * keeps **Copy Access Request**). A user who already has an open request on the module is shown
 * its state instead of being asked twice.
 *
 * Arguments (all optional, for the denied view, menus and tests): the module (name, `{ env,
 * module }` or a Modules-view item), then `{ access?, reason?, required? }` to skip the prompts.
 */
import * as vscode from 'vscode';
import { isAccessLevel, type AccessLevel } from '../../shared/access/levels';
import { Requests, type AccessRequest } from '../../shared/protocol';
import { LEVEL_HELP, REASON_MAX, requestableLevels, requestErrorText, requestForModule, requestStateSentence, validateReason } from '../accessRequests';
import type { Environments } from '../environments';
import { describeError } from '../errors';
import type { EnvironmentConnection } from '../languageClient';
import { pickModule, type ModuleArgument } from './pickModule';

/** What a caller may fix in advance (the denied view knows the level the file needs). */
export interface RequestAccessOptions {
  /** The level to ask for (skips the level quick pick). */
  access?: string;
  /** The reason (skips the input box). */
  reason?: string;
  /** The level to pre-select in the quick pick (what the denied file needs). */
  required?: AccessLevel;
}

/** The result: the new request's id, or why nothing was sent. */
export type RequestAccessOutcome =
  | { sent: true; id: string; module: string; access: AccessLevel }
  | { sent: false; why: 'cancelled' | 'local' | 'already-open' | 'full' | 'error'; open?: AccessRequest };

/**
 * The user's open request on `module`, if any (from `listAccessRequests`); `undefined` also when
 * the list cannot be read (the server then refuses a second request itself, AccessRequestOpen).
 */
export async function openRequestOf(conn: EnvironmentConnection, user: string, module: string): Promise<AccessRequest | undefined> {
  try {
    const r = await conn.request(Requests.listAccessRequests, {});
    const found = requestForModule(r.requests, user, module);
    return found?.state === 'open' ? found : undefined;
  } catch {
    return undefined;
  }
}

/** Runs Request Access… (see the file comment). Never throws: errors are shown to the user. */
export async function requestAccess(environments: Environments, arg?: ModuleArgument, options: RequestAccessOptions = {}): Promise<RequestAccessOutcome> {
  const picked = await pickModule(environments, arg, (m) => m.access !== 'full' && !m.sealed, {
    placeholder: 'Request access to which module?',
    none: 'There is no module you could ask more access to: you have full access to every module you can see.',
    notAllowed: (m) =>
      m.sealed ? `${m.name} is a sealed module: its source is not in this environment, so no grant can open it.` : `You already have full access to ${m.name}.`,
  });
  if (!picked) return { sent: false, why: 'cancelled' };
  const { conn, module } = picked;
  let who;
  try {
    who = await conn.request(Requests.whoami, {});
  } catch (e) {
    void vscode.window.showErrorMessage(describeError('ask the server who you are', e));
    return { sent: false, why: 'error' };
  }
  if (!who.authenticated || !who.user) {
    void vscode.window.showInformationMessage(
      `Access requests need a connection to an environment host (SPEC 8). In local mode, use "Copy Access Request" in the permission-denied view and send it to ${module.owner || 'the owner'}.`,
    );
    return { sent: false, why: 'local' };
  }
  const open = await openRequestOf(conn, who.user, module.name);
  if (open) {
    void vscode.window.showInformationMessage(requestStateSentence(open, module.owner, Date.now()));
    return { sent: false, why: 'already-open', open };
  }
  const { levels, preselect } = requestableLevels(module.access, options.required);
  if (levels.length === 0) {
    void vscode.window.showInformationMessage(`You already have full access to ${module.name}.`);
    return { sent: false, why: 'full' };
  }
  let access: AccessLevel | undefined;
  if (options.access !== undefined) {
    if (!isAccessLevel(options.access) || !levels.includes(options.access)) {
      void vscode.window.showErrorMessage(`You can ask for ${levels.join(', ')} on ${module.name} (your access is ${module.access}); not "${options.access}".`);
      return { sent: false, why: 'error' };
    }
    access = options.access;
  } else {
    access = await pickLevel(module.name, module.access, levels, preselect);
  }
  if (!access) return { sent: false, why: 'cancelled' };
  let reason = options.reason;
  if (reason === undefined) {
    reason = await vscode.window.showInputBox({
      title: `Request ${access} access to ${module.name}`,
      prompt: `Why do you need ${access} access to ${module.name}? ${module.owner || 'The owner'} reads this (up to ${REASON_MAX} characters).`,
      placeHolder: 'e.g. to debug why CreateOrder rejects our orders',
      ignoreFocusOut: true,
      validateInput: validateReason,
    });
  } else if (validateReason(reason)) {
    void vscode.window.showErrorMessage(validateReason(reason)!);
    return { sent: false, why: 'error' };
  }
  if (reason === undefined) return { sent: false, why: 'cancelled' };
  try {
    const r = await conn.request(Requests.requestAccess, { module: module.name, access, reason: reason.trim() });
    void vscode.window.showInformationMessage(
      `Asked for ${access} access to ${module.name}. ${module.owner ? `${module.owner} (the owner)` : 'The owner'} or an environment admin decides; the permission-denied view shows the state.`,
    );
    return { sent: true, id: r.id, module: module.name, access };
  } catch (e) {
    void vscode.window.showErrorMessage(requestErrorText(e, module.name, access, Date.now()));
    return { sent: false, why: 'error' };
  }
}

/** The level quick pick: levels above the current one, `preselect` active. */
async function pickLevel(module: string, current: AccessLevel, levels: AccessLevel[], preselect: AccessLevel | undefined): Promise<AccessLevel | undefined> {
  const qp = vscode.window.createQuickPick<vscode.QuickPickItem & { level: AccessLevel }>();
  qp.title = `Request Access to ${module}`;
  qp.placeholder = `Your access is ${current}. Which level do you need?`;
  qp.items = levels.map((level) => ({ label: level, description: LEVEL_HELP[level], level }));
  const active = qp.items.find((i) => i.level === preselect);
  if (active) qp.activeItems = [active];
  qp.ignoreFocusOut = true;
  return new Promise<AccessLevel | undefined>((resolve) => {
    let done = false;
    const finish = (v: AccessLevel | undefined) => {
      if (done) return;
      done = true;
      resolve(v);
      qp.dispose();
    };
    qp.onDidAccept(() => finish(qp.selectedItems[0]?.level ?? qp.activeItems[0]?.level));
    qp.onDidHide(() => finish(undefined));
    qp.show();
  });
}
