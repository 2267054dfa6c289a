/**
 * Waits that scale with the work (docs/CONTRIBUTING.md: no fixed timeouts that fail under load).
 * A wait gives up only when nothing happens: the watched process (the server under test) used no
 * CPU time and sent nothing for `quietMs`. A server still working — a slow machine, two CPU-bound
 * processes beside it, a 100,000-grant policy to load — keeps the wait alive however long it takes;
 * a server that is stuck or idle while the awaited thing never comes fails it.
 */
import * as fs from 'node:fs';
import type { Diagnostic } from 'vscode-languageserver-protocol';

/** How long nothing may happen before a wait gives up (ms). */
export const QUIET_MS = 10_000;

/** The CPU time (user + system, in clock ticks) process `pid` has used; `undefined` without /proc. */
export function cpuTicks(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

/**
 * A progress watch over process `pid`: {@link ProgressWatch.quietFor} says how long (ms) neither
 * its CPU time changed nor {@link ProgressWatch.touch} was called (a message arrived).
 */
export class ProgressWatch {
  private last = Date.now();
  private ticks: number | undefined;

  constructor(private readonly pid: number | undefined) {
    this.ticks = cpuTicks(pid);
  }

  /** Something happened (a message from the process). */
  touch(): void {
    this.last = Date.now();
  }

  /** Milliseconds since the last sign of progress (checking the CPU time now). */
  quietFor(): number {
    const t = cpuTicks(this.pid);
    if (t !== this.ticks) {
      this.ticks = t;
      this.last = Date.now();
    }
    return Date.now() - this.last;
  }
}

/**
 * Resolves when `predicate` holds, polling every `pollMs`; rejects with "timed out waiting for
 * `what`" once process `pid` (if given) made no progress for `quietMs` (without a pid: `quietMs` of
 * wall-clock time).
 */
export async function eventually(predicate: () => boolean, what: string, options: { pid?: number; quietMs?: number; pollMs?: number } = {}): Promise<void> {
  const watch = new ProgressWatch(options.pid);
  const quietMs = options.quietMs ?? QUIET_MS;
  while (!predicate()) {
    if (watch.quietFor() > quietMs) throw new Error(`timed out waiting for ${what} (nothing happened for ${quietMs} ms)`);
    await new Promise((r) => setTimeout(r, options.pollMs ?? 50));
  }
}

/**
 * Waits on the messages of a client (the LSP test client over stdio, the host's WebSocket client):
 * {@link poke} on every message re-checks every pending {@link waitFor}; a wait gives up only when
 * neither a message arrived nor the process `pid` (if known) used CPU time for `quietMs`.
 */
export class MessageWaits {
  private readonly waiters: (() => void)[] = [];
  private seen = 0;

  constructor(private readonly pid: () => number | undefined = () => undefined) {}

  /** A message arrived: re-check the pending waits. */
  poke(): void {
    this.seen++;
    for (const w of [...this.waiters]) w();
  }

  /** Resolves when `predicate` holds (checked on every message); rejects after `quietMs` of no progress. */
  waitFor(predicate: () => boolean, what: string, quietMs = QUIET_MS): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const watch = new ProgressWatch(this.pid());
      let seen = this.seen;
      const done = () => {
        clearInterval(timer);
        const i = this.waiters.indexOf(check);
        if (i >= 0) this.waiters.splice(i, 1);
      };
      const check = () => {
        if (!predicate()) return;
        done();
        resolve();
      };
      const timer = setInterval(() => {
        if (this.seen !== seen) {
          seen = this.seen;
          watch.touch();
        }
        if (watch.quietFor() <= quietMs) return;
        done();
        reject(new Error(`timed out waiting for ${what} (nothing happened for ${quietMs} ms)`));
      }, 250);
      this.waiters.push(check);
    });
  }
}

/** A test client that keeps the last published diagnostics of each URI and can wait on its messages. */
interface DiagnosticsClient {
  readonly diagnostics: Map<string, { diagnostics: Diagnostic[] }>;
  waitFor(predicate: () => boolean, what: string): Promise<void>;
}

/** Waits for diagnostics of `uri` published to `client` that satisfy `predicate`, and returns them. */
export async function diagnosticsFor(
  client: DiagnosticsClient,
  uri: string,
  predicate: (d: Diagnostic[]) => boolean,
  what = 'diagnostics',
): Promise<Diagnostic[]> {
  await client.waitFor(() => {
    const p = client.diagnostics.get(uri);
    return !!p && predicate(p.diagnostics);
  }, `${what} for ${uri}`);
  return client.diagnostics.get(uri)!.diagnostics;
}
