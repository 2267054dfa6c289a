/**
 * JSON-RPC over a WebSocket (SPEC 7: one JSON-RPC message per text frame), for the host's side of
 * a session and for Node clients (tests, benchmarks).
 *
 * - {@link WebSocketMessageReader}: every text frame is parsed as one message; a binary frame or
 *   a frame that is not a JSON object is an error and closes the socket (code 1003).
 * - {@link WebSocketMessageWriter}: every message is sent as one text frame. The socket's send
 *   queue is bounded ({@link WebSocketMessageWriter.limit} bytes, `ws`'s `bufferedAmount`): a peer
 *   that stops reading is disconnected (code 1008) instead of growing the host's memory; other
 *   sessions never wait for it (sends are asynchronous).
 */
import { AbstractMessageReader, AbstractMessageWriter, type DataCallback, type Disposable, type Message } from 'vscode-jsonrpc';
import type WebSocket from 'ws';

/** Default bound of one session's send queue: 32 MiB. */
export const DEFAULT_SEND_QUEUE_BYTES = 32 * 1024 * 1024;

/** Reads one JSON-RPC message per text frame of `socket`. */
export class WebSocketMessageReader extends AbstractMessageReader {
  private callback: DataCallback | undefined;
  private readonly early: Message[] = [];

  constructor(socket: WebSocket) {
    super();
    socket.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (isBinary) {
        this.fireError(new Error('binary frame'));
        socket.close(1003, 'text frames only');
        return;
      }
      let msg: unknown;
      try {
        msg = JSON.parse(rawToString(data));
      } catch {
        this.fireError(new Error('invalid JSON'));
        socket.close(1003, 'invalid JSON');
        return;
      }
      if (!msg || typeof msg !== 'object' || Array.isArray(msg)) {
        socket.close(1003, 'not a JSON-RPC message');
        return;
      }
      if (this.callback) this.callback(msg as Message);
      else this.early.push(msg as Message);
    });
    socket.on('close', () => this.fireClose());
    socket.on('error', (e) => this.fireError(e));
  }

  listen(callback: DataCallback): Disposable {
    this.callback = callback;
    for (const m of this.early.splice(0)) callback(m);
    return { dispose: () => (this.callback = undefined) };
  }
}

/** Writes one JSON-RPC message per text frame of `socket`, with a bounded send queue. */
export class WebSocketMessageWriter extends AbstractMessageWriter {
  /**
   * @param socket an open WebSocket
   * @param limit the send-queue bound in bytes; over it the socket is closed (1008)
   */
  constructor(
    private readonly socket: WebSocket,
    readonly limit: number = DEFAULT_SEND_QUEUE_BYTES,
  ) {
    super();
    socket.on('close', () => this.fireClose());
  }

  async write(msg: Message): Promise<void> {
    if (this.socket.readyState !== 1 /* OPEN */) return;
    if (this.socket.bufferedAmount > this.limit) {
      // The peer stopped reading: drop it rather than buffer without bound.
      this.socket.terminate();
      return;
    }
    this.socket.send(JSON.stringify(msg), (e) => {
      if (e) this.fireError(e, msg, 0);
    });
  }

  end(): void {}
}

/** The text of a `ws` message (Buffer, Buffer[] or ArrayBuffer). */
export function rawToString(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
