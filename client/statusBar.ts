/**
 * The status-bar item of SPEC 5: the current user (`protectedModules/whoami`); a click runs
 * **Preview as User…** (local mode), or **Connect to Environment Host…** while connected to a host
 * (SPEC 7: "connected as …", "reconnecting", "refused"). Warns (warning background) when the user
 * is not a known user of the environment — every protected module is then hidden (SPEC 2.3 rule 1).
 */
import * as vscode from 'vscode';
import type { WhoamiResult } from '../shared/protocol';
import type { Environments } from './environments';
import { plainLabel } from './labels';
import { Requests } from '../shared/protocol';

export class UserStatusBar implements vscode.Disposable {
  readonly item: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];
  /** The last whoami answer (per the first environment), test hook. */
  current: WhoamiResult | undefined;

  constructor(private readonly environments: Environments) {
    this.item = vscode.window.createStatusBarItem('protectedModules.user', vscode.StatusBarAlignment.Left, 100);
    this.item.name = 'Protected Modules User';
    this.item.command = 'protectedModules.switchUser';
    this.disposables.push(
      this.item,
      environments.onDidChange(() => {
        this.watchHostStates();
        void this.update();
      }),
      environments.onDidChangeAccess(() => void this.update()),
    );
    this.watchHostStates();
    void this.update();
  }

  private hostSubscriptions: vscode.Disposable[] = [];

  /** Follows the host connection state of every environment served by a host (SPEC 7). */
  private watchHostStates(): void {
    this.hostSubscriptions.forEach((d) => d.dispose());
    this.hostSubscriptions = this.environments.all().map((c) => c.onDidChangeHostState(() => void this.update()));
  }

  /** Re-reads `whoami` and redraws. */
  async update(): Promise<void> {
    const conn = this.environments.all()[0];
    void vscode.commands.executeCommand('setContext', 'protectedModules.connected', !!conn?.env.host);
    if (!conn) {
      this.item.hide();
      return;
    }
    if (conn.env.host && conn.hostState !== 'connected') {
      // Connecting, reconnecting (the host is unreachable; unsaved edits stay in their editors) or refused.
      this.current = undefined;
      const refused = conn.hostState === 'refused';
      this.item.text = refused ? '$(error) Host refused' : '$(sync~spin) Reconnecting to host…';
      this.item.tooltip = refused
        ? `Protected Modules: ${conn.hostRefusal ?? 'the host refused the connection.'} Click to connect with another token.`
        : `Protected Modules: the environment host (${conn.env.host}) cannot be reached; retrying. Your unsaved edits are kept.`;
      this.item.accessibilityInformation = {
        label: refused
          ? `Protected Modules: the environment host refused the connection${conn.hostRefusal ? `: ${plainLabel(conn.hostRefusal)}` : ''}. Activate to connect with another token.`
          : `Protected Modules: reconnecting to the environment host ${conn.env.host}. Your unsaved edits are kept. Activate to connect with another token.`,
        role: 'button',
      };
      this.item.backgroundColor = new vscode.ThemeColor(refused ? 'statusBarItem.errorBackground' : 'statusBarItem.warningBackground');
      this.item.command = 'protectedModules.connectHost';
      this.item.show();
      return;
    }
    this.item.command = conn.env.host ? 'protectedModules.connectHost' : 'protectedModules.switchUser';
    let who: WhoamiResult | undefined;
    try {
      who = await conn.request(Requests.whoami, {});
    } catch {
      who = undefined;
    }
    this.current = who;
    if (!who || !who.user) {
      this.item.text = '$(account) No user';
      this.item.tooltip = 'Protected Modules: no user is set — click to choose who you are in this environment.';
      this.item.accessibilityInformation = { label: 'Protected Modules: no user is set. Activate to choose who you are.', role: 'button' };
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    } else if (who.authenticated && conn.env.host) {
      this.item.text = `$(plug) ${plainLabel(who.user)}${who.admin ? ' (admin)' : ''}`;
      const md = new vscode.MarkdownString();
      md.appendMarkdown('**Connected as** ').appendText(who.displayName ? `${who.displayName} (${who.user})` : who.user);
      md.appendMarkdown('\n\n').appendText(`Environment host: ${conn.env.host}. Your user is your token's.`);
      this.item.tooltip = md;
      // Plain text, like every state's accessible name (the tooltip is Markdown, issue 13 point 7).
      this.item.accessibilityInformation = {
        label:
          `Protected Modules: connected as ${plainLabel(who.displayName ? `${who.displayName} (${who.user})` : who.user)}${who.admin ? ', admin' : ''}` +
          ` to the environment host ${conn.env.host}. Activate to connect with another token.`,
        role: 'button',
      };
      this.item.backgroundColor = undefined;
    } else {
      this.item.text = `$(account) ${plainLabel(who.user)}${who.admin ? ' (admin)' : ''}`;
      const md = new vscode.MarkdownString();
      md.appendMarkdown('**Protected Modules user:** ').appendText(who.displayName ? `${who.displayName} (${who.user})` : who.user);
      if (!who.known) md.appendMarkdown('\n\n').appendText('Not a known user of this environment: protected modules are hidden.');
      if (who.groups.length) md.appendMarkdown('\n\nGroups: ').appendText(who.groups.join(', '));
      md.appendMarkdown('\n\nLocal mode: click to preview as another user (a preview for people who can already read the folder, not a login).');
      this.item.tooltip = md;
      // The accessible name is plain text (the tooltip is Markdown, issue 13 point 7).
      this.item.accessibilityInformation = {
        label:
          `Protected Modules user: ${plainLabel(who.displayName ? `${who.displayName} (${who.user})` : who.user)}` +
          `${who.admin ? ', admin' : ''}${who.known ? '' : ', not a known user of this environment: protected modules are hidden'}.` +
          `${who.groups.length ? ` Groups: ${who.groups.map((g) => plainLabel(g)).join(', ')}.` : ''} Activate to switch user.`,
        role: 'button',
      };
      this.item.backgroundColor = who.known ? undefined : new vscode.ThemeColor('statusBarItem.warningBackground');
    }
    this.item.show();
  }

  dispose(): void {
    this.hostSubscriptions.forEach((d) => d.dispose());
    this.disposables.forEach((d) => d.dispose());
  }
}
