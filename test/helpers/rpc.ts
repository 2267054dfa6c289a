// JSON-RPC helpers shared by the test clients (the language server over stdio, the host over a WebSocket).
import {
  DidChangeTextDocumentNotification,
  PublishDiagnosticsNotification,
  type Diagnostic,
  type MessageConnection,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol';
import { MessageWaits, diagnosticsFor } from './wait';

/** The error of a JSON-RPC request, as the tests compare it. */
export interface RpcError {
  code: number;
  message: string;
  data?: unknown;
}

/** Sends a request on `connection` and returns the error it fails with (throws if it succeeds). */
export async function requestError(connection: MessageConnection, method: string, params: unknown): Promise<RpcError> {
  try {
    await connection.sendRequest(method, params);
  } catch (e) {
    const err = e as RpcError;
    return { code: err.code, message: err.message, data: err.data };
  }
  throw new Error(`${method} succeeded, an error was expected`);
}

/**
 * The JSON-RPC core of the test clients (the language server's over stdio, test/server/lsp-client.ts;
 * the host's over a WebSocket, test/host/helpers.ts): requests and notifications on `connection`,
 * every notification received (the latest published diagnostics per URI), and waits on the
 * messages that scale with the work (test/helpers/wait.ts).
 */
export class RpcTestClient {
  /** Every notification received: method and params. */
  readonly notifications: { method: string; params: unknown }[] = [];
  /** The latest published diagnostics per URI. */
  readonly diagnostics = new Map<string, PublishDiagnosticsParams>();
  private readonly waits: MessageWaits;

  /**
   * Records every notification of `connection` (construct before `connection.listen()`).
   * @param pid the process whose CPU time counts as progress in the waits (`undefined`: none)
   * @param quietMs how long nothing may happen before a wait gives up, unless the wait says (ms)
   */
  constructor(
    readonly connection: MessageConnection,
    pid: () => number | undefined,
    private readonly quietMs: number,
  ) {
    this.waits = new MessageWaits(pid);
    connection.onNotification((method: string, params: unknown) => {
      this.notifications.push({ method, params });
      if (method === PublishDiagnosticsNotification.method) {
        const p = params as PublishDiagnosticsParams;
        this.diagnostics.set(p.uri, p);
      }
      this.poke();
    });
  }

  /** Sends a request. */
  request<R>(method: string, params: unknown): Promise<R> {
    return this.connection.sendRequest(method, params) as Promise<R>;
  }

  /** Sends a request and returns the error it fails with (throws if it succeeds). */
  requestError(method: string, params: unknown): Promise<RpcError> {
    return requestError(this.connection, method, params);
  }

  /** Sends a notification. */
  notify(method: string, params: unknown): void {
    void this.connection.sendNotification(method, params);
  }

  /** Replaces a document's whole text. */
  change(uri: string, version: number, text: string): void {
    void this.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version },
      contentChanges: [{ text }],
    });
  }

  /** A message arrived (called on every incoming message): re-checks the pending waits. */
  poke(): void {
    this.waits.poke();
  }

  /**
   * Resolves when `predicate` holds (checked on every message); rejects only when nothing arrived
   * and the process made no progress (no CPU time) for `quietMs` (test/helpers/wait.ts): the wait
   * scales with the work, not with a fixed time.
   */
  waitFor(predicate: () => boolean, what: string, quietMs = this.quietMs): Promise<void> {
    return this.waits.waitFor(predicate, what, quietMs);
  }

  /** Waits for diagnostics of `uri` that satisfy `predicate` (e.g. a given code appears). */
  diagnosticsFor(uri: string, predicate: (d: Diagnostic[]) => boolean, what = 'diagnostics'): Promise<Diagnostic[]> {
    return diagnosticsFor(this, uri, predicate, what);
  }

  /** Number of notifications of a method received so far. */
  count(method: string): number {
    return this.notifications.filter((n) => n.method === method).length;
  }
}
