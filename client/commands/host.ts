/**
 * **Connect to Environment Host…** and **Disconnect** (SPEC 7).
 *
 * Connect asks for the host's address (default: the `protectedModules.host` setting) and the
 * token (a password box), checks them with one short session (the host's `initialize` names its
 * environment folders), keeps the token in VS Code's SecretStorage (never in settings), writes the
 * address to `protectedModules.host` and opens `modules://<environment>/`, served by the host.
 * Disconnect forgets the token and the setting; the window goes back to local mode.
 *
 * Arguments (tests, scripts): `connectHost(url?, token?)` skips the prompts.
 */
import * as vscode from 'vscode';
import { createMessageConnection } from 'vscode-jsonrpc/node';
import { MODULES_SCHEME } from '../../shared/protocol';
import type { Environments } from '../environments';
import { CONFIG_SECTION, hostTokenKey } from '../languageClient';
import { connectToHost, HostRefusedError, lspUrl } from '../hostTransport';
import { writeWorkspaceFile } from './openModuleWorkspace';

const TOKEN_PATTERN = /^pmt_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/;

/** Asks the host which environments it serves (one short session). */
async function probe(url: string, token: string): Promise<string[]> {
  const { reader, writer, socket } = await connectToHost(url, token);
  const connection = createMessageConnection(reader, writer);
  connection.listen();
  try {
    const result = (await connection.sendRequest('initialize', { processId: null, rootUri: null, capabilities: {} })) as {
      protectedModules?: { environments?: unknown };
    };
    const envs = result?.protectedModules?.environments;
    return Array.isArray(envs) ? envs.filter((e): e is string => typeof e === 'string') : [];
  } finally {
    connection.dispose();
    socket.close(1000);
  }
}

/**
 * Connects the window to a host.
 * @returns the `modules://` URI opened, or `undefined` when cancelled or refused
 */
export async function connectHost(
  context: vscode.ExtensionContext,
  environments: Environments,
  urlArg?: string,
  tokenArg?: string,
  options: { open?: boolean } = {},
): Promise<vscode.Uri | undefined> {
  const config = vscode.workspace.getConfiguration(CONFIG_SECTION);
  const address =
    urlArg ??
    (await vscode.window.showInputBox({
      title: 'Connect to Environment Host',
      prompt: 'The address of the environment host (ws://host:port or wss://host:port)',
      value: config.get<string>('host') || 'ws://127.0.0.1:7443',
      ignoreFocusOut: true,
      validateInput: (v) => {
        try {
          lspUrl(v);
          return undefined;
        } catch (e) {
          return (e as Error).message;
        }
      },
    }));
  if (!address) return undefined;
  const url = lspUrl(address);
  const token =
    tokenArg ??
    (await vscode.window.showInputBox({
      title: 'Connect to Environment Host',
      prompt: "Your access token (pmt_…), as the environment owner gave it to you. It is kept in VS Code's secret storage.",
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (TOKEN_PATTERN.test(v.trim()) ? undefined : 'A token looks like pmt_1a2b3c4d_… (given by the environment owner).'),
    }));
  if (!token) return undefined;
  let names: string[];
  try {
    names = await probe(url, token.trim());
  } catch (e) {
    void vscode.window.showErrorMessage(
      e instanceof HostRefusedError ? `Protected Modules: ${e.message}` : `Protected Modules: cannot reach the host at ${url} (${(e as Error).message}).`,
    );
    return undefined;
  }
  const name = names[0];
  if (!name) {
    void vscode.window.showErrorMessage('Protected Modules: the host serves no environment.');
    return undefined;
  }
  await context.secrets.store(hostTokenKey(url), token.trim());
  await config.update('host', url, vscode.ConfigurationTarget.Global);
  const uri = vscode.Uri.from({ scheme: MODULES_SCHEME, authority: name, path: '/' });
  const open = (vscode.workspace.workspaceFolders ?? []).some((f) => f.uri.toString() === uri.toString());
  if (open) await environments.restart();
  else if (options.open !== false) {
    const file = await writeWorkspaceFile(context, uri);
    await vscode.commands.executeCommand('vscode.openFolder', file);
  }
  return uri;
}

/** Disconnects from the host: forgets the token and the address; local mode again. */
export async function disconnectHost(context: vscode.ExtensionContext, environments: Environments): Promise<void> {
  const config = vscode.workspace.getConfiguration(CONFIG_SECTION);
  const url = config.get<string>('host');
  if (url) {
    try {
      await context.secrets.delete(hostTokenKey(lspUrl(url)));
    } catch {
      /* not a valid address: nothing stored under it */
    }
  }
  for (const target of [vscode.ConfigurationTarget.Global, vscode.ConfigurationTarget.Workspace]) {
    try {
      await config.update('host', undefined, target);
    } catch {
      /* no workspace settings */
    }
  }
  await environments.restart();
}
