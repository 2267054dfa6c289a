/**
 * Describing unexpected exceptions for logs, without the language-server library (server/errors.ts
 * re-exports it; the CLI imports it from here so that its bundle does not carry that library).
 */

/** A safe one-line description of an unexpected exception for the server's log: its class name
 *  and stack frames (code locations only), never its message. */
export function describeForLog(error: unknown): string {
  if (error instanceof Error) {
    const frames = (error.stack ?? '')
      .split('\n')
      .filter((l) => /^\s+at /.test(l))
      .slice(0, 6);
    return `${error.name}${frames.length ? '\n' + frames.join('\n') : ''}`;
  }
  return typeof error;
}
