// JSON-RPC helpers shared by the test clients (the language server over stdio, the host over a WebSocket).
import type { MessageConnection } from 'vscode-languageserver-protocol';

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
