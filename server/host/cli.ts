/**
 * The host's commands of `protected-modules` (SPEC 7), dispatched from `server/cli.ts`:
 *
 * ```
 * protected-modules serve <environment> [--host 127.0.0.1] [--port 7443] [--tls-cert FILE --tls-key FILE] [--state DIR]
 * protected-modules token issue <environment> --user <id> [--expires 30d] [--state DIR]
 * protected-modules token list <environment> [--state DIR] [--format text|json]
 * protected-modules token revoke <environment> <id> [--state DIR]      (or: token revoke <id> --state DIR)
 * protected-modules audit <environment> [--since ISO] [--user id] [--event name] [--format text|json] [--state DIR]
 * protected-modules requests <environment> [--state DIR] [--format text|json]
 * ```
 *
 * Exit codes: 0 ok; 2 bad usage or a refused configuration (non-loopback without TLS, a state
 * folder inside the environment, …); 3 `token revoke` of an unknown id. Errors are one line on
 * stderr.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { loadEnvironment } from '../../shared/environment/load';
import { describeForLog } from '../errors';
import { AUDIT_EVENTS, AuditLog, formatAuditEntry, readAudit, safeText, terminalJson, AUDIT_FILE } from './audit';
import { HostUsageError, openState } from './state';
import { TokenStore, parseExpires } from './tokens';
import { REQUESTS_FILE, RequestStore } from './requests';
import { serve } from './serve';

/** The host commands. */
export const HOST_COMMANDS = ['serve', 'token', 'audit', 'requests'] as const;

/** Usage of the host commands (appended to the CLI's usage). */
export const HOST_USAGE = `  protected-modules serve <environment> [--host 127.0.0.1] [--port 7443]
                          [--tls-cert FILE --tls-key FILE] [--state DIR]
      Serve the environment to remote editors over WebSocket (SPEC 7).
  protected-modules token issue <environment> --user <id> [--expires 30d] [--state DIR]
  protected-modules token list <environment> [--state DIR] [--format text|json]
  protected-modules token revoke <environment> <id> [--state DIR]
      Issue (printed once), list or revoke the host's access tokens.
  protected-modules audit <environment> [--since ISO] [--user id] [--event name]
                          [--format text|json] [--state DIR]
      Print the host's audit log.
  protected-modules requests <environment> [--state DIR] [--format text|json]
      List the access requests kept by the host (SPEC 8), newest first.
`;

interface Out {
  stdout(t: string): void;
  stderr(t: string): void;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      state: { type: 'string' },
      user: { type: 'string', short: 'u' },
      expires: { type: 'string' },
      since: { type: 'string' },
      event: { type: 'string' },
      format: { type: 'string', short: 'f' },
    },
  });
}

/**
 * Runs a host command.
 * @returns the exit code (for `serve`: once the host has stopped)
 */
export async function runHostCommand(argv: string[], out: Out): Promise<number> {
  try {
    return await run(argv, out);
  } catch (e) {
    if (e instanceof HostUsageError) {
      out.stderr(`protected-modules: ${e.message}\n`);
      return 2;
    }
    out.stderr(`protected-modules: internal error: ${describeForLog(e)}\n`);
    return 2;
  }
}

async function run(argv: string[], out: Out): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (e) {
    throw new HostUsageError(`option error: ${(e as Error).message.split('\n')[0]}`);
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json') throw new HostUsageError(`unknown format '${format}' (expected text or json)`);

  if (command === 'serve') {
    if (rest.length !== 1)
      throw new HostUsageError('usage: protected-modules serve <environment> [--host H] [--port N] [--tls-cert F --tls-key F] [--state DIR]');
    const port = values.port === undefined ? 7443 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new HostUsageError(`invalid --port '${values.port}'`);
    const host = await serve({
      environment: rest[0],
      host: values.host ?? '127.0.0.1',
      port,
      tlsCert: values['tls-cert'],
      tlsKey: values['tls-key'],
      state: values.state,
      sendQueueBytes: process.env.PROTECTED_MODULES_SEND_QUEUE_BYTES ? Number(process.env.PROTECTED_MODULES_SEND_QUEUE_BYTES) : undefined,
      log: (line) => out.stdout(line + '\n'),
    });
    await new Promise<void>((resolve) => {
      const stop = () => {
        void host.close().then(resolve);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  }

  if (command === 'token') {
    const [sub, ...args] = rest;
    if (sub === 'issue') {
      if (args.length !== 1) throw new HostUsageError('usage: protected-modules token issue <environment> --user <id> [--expires 30d] [--state DIR]');
      if (!values.user) throw new HostUsageError('missing --user <id>');
      const { root, stateDir } = openState(args[0], values.state);
      const policy = loadEnvironment(root).policy;
      if (policy && !Object.prototype.hasOwnProperty.call(policy.users, values.user)) {
        throw new HostUsageError(`${values.user} is not a user of ${path.basename(root)}'s environment.json`);
      }
      if (!/^[a-z][a-z0-9._-]{0,63}$/.test(values.user)) throw new HostUsageError(`invalid user id '${values.user}'`);
      const expires = values.expires === undefined ? null : parseExpires(values.expires);
      const store = new TokenStore(stateDir);
      const { token, record } = store.issue(values.user, expires);
      new AuditLog(stateDir).write({
        user: record.user,
        event: 'token-issued',
        detail: `token ${record.id}${record.expires ? ` expires ${record.expires}` : ''}`,
      });
      out.stdout(token + '\n');
      out.stderr(
        `protected-modules: token ${record.id} for ${record.user}${record.expires ? `, expires ${record.expires}` : ', no expiry'}. It is shown only once.\n`,
      );
      return 0;
    }
    if (sub === 'list' || sub === 'revoke') {
      const wantId = sub === 'revoke';
      let envArg: string | undefined;
      let id: string | undefined;
      if (wantId && args.length === 2) [envArg, id] = args;
      else if (wantId && args.length === 1) id = args[0];
      else if (!wantId && args.length === 1) envArg = args[0];
      else if (!wantId && args.length === 0) envArg = undefined;
      else throw new HostUsageError(`usage: protected-modules token ${sub} <environment>${wantId ? ' <id>' : ''} [--state DIR]`);
      const stateDir = stateDirOf(envArg, values.state);
      const store = new TokenStore(stateDir);
      if (sub === 'list') {
        const rows = store.list().map((t) => ({
          id: t.id,
          user: t.user,
          created: t.created,
          expires: t.expires,
          lastUsed: t.lastUsed,
          revoked: t.revoked,
        }));
        if (format === 'json') out.stdout(JSON.stringify({ tokens: rows }, null, 2) + '\n');
        else {
          const table = [['ID', 'USER', 'CREATED', 'EXPIRES', 'LAST USED', 'REVOKED']];
          for (const r of rows) table.push([r.id, r.user, r.created, r.expires ?? '-', r.lastUsed ?? '-', r.revoked ?? '-']);
          const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
          out.stdout(table.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n') + '\n');
        }
        return 0;
      }
      if (!id || !/^[0-9a-f]{8}$/.test(id)) throw new HostUsageError(`invalid token id '${id}' (8 hex digits, as token list prints)`);
      const t = store.revoke(id);
      if (!t) {
        out.stderr(`protected-modules: no token with id ${id}\n`);
        return 3;
      }
      new AuditLog(stateDir).write({ user: t.user, event: 'token-revoked', detail: `token ${t.id}` });
      out.stdout(`revoked ${t.id} (${t.user})\n`);
      return 0;
    }
    throw new HostUsageError('usage: protected-modules token issue|list|revoke … (see --help)');
  }

  if (command === 'audit') {
    if (rest.length > 1)
      throw new HostUsageError('usage: protected-modules audit <environment> [--since ISO] [--user id] [--event name] [--format text|json] [--state DIR]');
    const stateDir = stateDirOf(rest[0], values.state);
    let since: number | undefined;
    if (values.since !== undefined) {
      since = Date.parse(values.since);
      if (!Number.isFinite(since)) throw new HostUsageError(`invalid --since '${values.since}' (an ISO date or time)`);
    }
    if (values.event !== undefined && !(AUDIT_EVENTS as readonly string[]).includes(values.event)) {
      throw new HostUsageError(`unknown event '${values.event}' (expected one of ${AUDIT_EVENTS.join(', ')})`);
    }
    const auditFile = path.join(stateDir, AUDIT_FILE);
    if (!fs.existsSync(auditFile)) {
      // Not an error (a host that never ran has no log), but say where we looked: a host started
      // with `--state DIR` keeps its log there, not in the default folder.
      out.stderr(`protected-modules: no audit log in ${stateDir}; a host started with --state DIR keeps it there (give the same --state)\n`);
    }
    const entries = readAudit(auditFile, { since, user: values.user, event: values.event });
    if (format === 'json') out.stdout(entries.map((e) => terminalJson(e)).join('\n') + (entries.length ? '\n' : ''));
    else out.stdout(entries.map((e) => formatAuditEntry(e) + '\n').join(''));
    return 0;
  }
  if (command === 'requests') {
    if (rest.length > 1) throw new HostUsageError('usage: protected-modules requests <environment> [--state DIR] [--format text|json]');
    const stateDir = stateDirOf(rest[0], values.state);
    if (!fs.existsSync(path.join(stateDir, REQUESTS_FILE))) {
      out.stderr(`protected-modules: no access requests in ${stateDir}; a host started with --state DIR keeps them there (give the same --state)\n`);
    }
    // A damaged file is a HostUsageError naming it (exit 2); this command never writes.
    const requests = [...new RequestStore(stateDir).list()].sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : a.id < b.id ? 1 : -1));
    if (format === 'json') {
      out.stdout(terminalJson({ requests }, 2) + '\n');
      return 0;
    }
    const table = [['ID', 'STATE', 'MODULE', 'USER', 'ACCESS', 'CREATED', 'DECIDED BY', 'DECIDED', 'REASON', 'NOTE']];
    for (const r of requests) {
      table.push(
        [r.id, r.state, r.module, r.user, r.access, r.created, r.decidedBy ?? '-', r.decided ?? '-', oneLine(r.reason), r.note ? oneLine(r.note) : '-'].map(
          safeText,
        ),
      );
    }
    const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
    out.stdout(table.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n') + '\n');
    return 0;
  }
  throw new HostUsageError(`unknown command '${command}'`);
}

/** A text on one line (line breaks and tabs as spaces) for a table cell. */
function oneLine(text: string): string {
  return text.replace(/[\r\n\t]+/g, ' ');
}

/** The state folder from `<environment>` and/or `--state` (must exist for list, revoke and audit). */
function stateDirOf(environment: string | undefined, state: string | undefined): string {
  if (environment !== undefined) return openState(environment, state).stateDir;
  if (state === undefined) throw new HostUsageError('give the environment folder or --state DIR');
  if (!fs.existsSync(state)) throw new HostUsageError(`no state folder at ${state}`);
  return path.resolve(state);
}
