/**
 * The client's side of the environment host's transport (SPEC 7): JSON-RPC over a WebSocket, one
 * message per text frame, with the `ws` package (bundled by esbuild into dist/extension.js).
 *
 * {@link connectToHost} opens the socket with `Authorization: Bearer <token>` and resolves to a
 * reader/writer pair for vscode-languageclient (`ServerOptions` as a function returning
 * `{ reader, writer }`); a refusal (401, 429) rejects with a {@link HostRefusedError}, any other
 * failure (host down, network) with an ordinary error, which the caller retries with backoff.
 * Nothing is written to disk.
 */
import WebSocket from 'ws';
import { AbstractMessageReader, AbstractMessageWriter, type DataCallback, type Disposable, type Message } from 'vscode-jsonrpc';

/** The host answered the upgrade with a refusal: the token is not (or no longer) accepted. */
export class HostRefusedError extends Error {
  constructor(readonly status: number) {
    super(
      status === 429
        ? 'The host refuses connections from this address for a minute (too many failed attempts).'
        : 'The host refused the token (unknown, revoked or expired, or the user is no longer in the environment).',
    );
  }
}

class Reader extends AbstractMessageReader {
  private callback: DataCallback | undefined;
  private readonly early: Message[] = [];
  constructor(socket: WebSocket) {
    super();
    socket.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (isBinary) return;
      let msg: Message;
      try {
        msg = JSON.parse(Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as Buffer).toString('utf8'));
      } catch {
        return;
      }
      if (this.callback) this.callback(msg);
      else this.early.push(msg);
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

class Writer extends AbstractMessageWriter {
  constructor(private readonly socket: WebSocket) {
    super();
    socket.on('close', () => this.fireClose());
  }
  async write(msg: Message): Promise<void> {
    if (this.socket.readyState !== WebSocket.OPEN) throw new Error('the connection to the host is closed');
    await new Promise<void>((resolve, reject) => this.socket.send(JSON.stringify(msg), (e) => (e ? reject(e) : resolve())));
  }
  end(): void {
    this.socket.close(1000);
  }
}

/**
 * Opens a session with the host.
 * @param url `ws://…/lsp` or `wss://…/lsp`
 * @param token the bearer token (`pmt_…`)
 * @throws HostRefusedError on 401/429; an Error when the host cannot be reached
 */
export function connectToHost(url: string, token: string, timeoutMs = 10000): Promise<{ reader: Reader; writer: Writer; socket: WebSocket }> {
  return new Promise((resolve, reject) => {
    let socket: WebSocket;
    try {
      socket = new WebSocket(url, { headers: { Authorization: `Bearer ${token}` }, handshakeTimeout: timeoutMs, perMessageDeflate: false });
    } catch (e) {
      reject(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    socket.once('open', () => {
      socket.removeAllListeners('error');
      socket.on('error', () => {});
      resolve({ reader: new Reader(socket), writer: new Writer(socket), socket });
    });
    socket.once('unexpected-response', (_req, res) => {
      const status = res.statusCode ?? 0;
      res.resume();
      socket.terminate();
      reject(status === 401 || status === 429 ? new HostRefusedError(status) : new Error(`the host answered HTTP ${status}`));
    });
    socket.once('error', (e) => reject(e));
  });
}

/** A plain `http(s)://` or `ws(s)://` host address turned into the WebSocket URL of its `/lsp`. */
export function lspUrl(address: string): string {
  let u = address.trim();
  if (!/^[a-z]+:\/\//i.test(u)) u = `ws://${u}`;
  const url = new URL(u);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new Error('the host address must start with ws://, wss://, http:// or https://');
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/lsp';
  return url.toString();
}
