/**
 * The `protected-modules` command line (SPEC 6), bundled to `dist/cli.js`.
 *
 * ```
 * protected-modules check <environment> --user <id> [--format text|json]
 * protected-modules interface <environment> <Module> --user <id>
 * protected-modules access <environment> --user <id> [--format text|json]
 * protected-modules diff <environment> <Module> --against FILE --user <id> [--format text|json]
 * protected-modules api-report <environment> [<Module>…] --out DIR --user <id>
 * protected-modules --help | --version
 * ```
 * (`diff`, `api-report` and `check --api-reports DIR`: SPEC 10, in `cli/diff.ts`.)
 *
 * Exit codes: 0 success (for `check`: no error-severity diagnostic); 1 `check` found an error;
 * 2 bad usage, an unreadable environment (folder missing/unreadable, or no readable
 * `environment.json`) or an internal failure; 3 `interface`, `diff` or `api-report` of a module
 * whose interface the user may not see.
 * Errors are one line on stderr (`protected-modules: …`), never a stack trace.
 *
 * The user is `--user <id>` (or `-u <id>`), else the `PROTECTED_MODULES_USER` environment
 * variable (as for the server, SPEC 4); one of them is required.
 *
 * No leak (SPEC 4): everything printed for a user goes through the per-user `Program` view or the
 * access rule: `check` prints only diagnostics of what the user may read; `interface` prints the
 * interface only at ≥ `reference`, and the same message for a missing module and a hidden one;
 * `access` lists only modules at ≥ `list`, with list-level facts.
 */
import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { Disk } from './disk';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EnvironmentScan, relPath } from '../shared/environment/load';
import type { Environment, FileDiagnostic } from '../shared/environment/model';
import { AccessGate } from '../shared/access/gate';
import { outermostEnvironment } from './environment-root';
import { atLeast, type AccessLevel } from '../shared/access/levels';
import { Program } from '../shared/program/program';
import type { ModuleSummary } from '../shared/protocol';
import pkg from '../package.json';
import { CommandError, apiReportCommand, apiReportFindings, diffCommand, interfaceNotAvailable, moduleProgram } from './cli/diff';
import { describeForLog } from './log';
import type * as SealCommands from './seal/commands';
import type * as HostCommands from './host/cli';

/**
 * The sealed-module commands (SPEC 9, server/seal/commands.ts) and the host's commands (SPEC 7,
 * server/host/cli.ts), loaded when first needed: `check`, `interface`, `access`, `diff` and
 * `api-report` do not pay for compiling and starting them (age encryption, the language server,
 * WebSockets: most of the CLI's code). In dist/ each is its own bundle, `cli-seal.js` and
 * `cli-host.js` beside `cli.js` (scripts/build.mjs maps these two `require`s to them).
 */
function sealCommands(): typeof SealCommands {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose (above)
  return require('./seal/commands') as typeof SealCommands;
}
function hostCommands(): typeof HostCommands {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose (above)
  return require('./host/cli') as typeof HostCommands;
}

/** The commands of this file (none of them loads {@link sealCommands} or {@link hostCommands}). */
const CORE_COMMANDS = ['check', 'interface', 'access', 'diff', 'api-report'];

/** Whether `arg` may name a command of {@link sealCommands} or {@link hostCommands} (not an option, not one of ours). */
function mayBeOther(arg: string | undefined): boolean {
  return !!arg && !arg.startsWith('-') && !CORE_COMMANDS.includes(arg);
}

/** Where the CLI writes; `process.stdout`/`process.stderr` in `main`, buffers in tests. */
export interface CliOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** The exit codes of SPEC 6 (plus 3 for `interface`). */
export const ExitCode = {
  Ok: 0,
  Errors: 1,
  Usage: 2,
  NotVisible: 3,
} as const;

/** The usage text printed by `--help` (stdout) and after a usage error hint (stderr). */
export function usage(): string {
  return `Usage:
  protected-modules check <environment> --user <id> [--format text|json]
      Print every diagnostic the user would see, one per line:
      <path>:<line>:<column>: <error|warning|info>: <message> [<code>]
      Exit 1 if any is an error, 0 otherwise.
  protected-modules interface <environment> <Module> --user <id>
      Print the interface document of a module (SPEC 3.5); exit 3 when the user may not see it.
  protected-modules access <environment> --user <id> [--format text|json]
      Print the modules the user can see, with their access levels.
  protected-modules check <environment> --api-reports DIR --user <id>
      Also warn (api-report-outdated) about each DIR/<Module>.api.logic that differs from the
      module's interface.
  protected-modules diff <environment> <Module> --against FILE --user <id> [--format text|json]
      Compare the module's interface with an earlier one (an INTERFACE.logic, an API report or a
      .pmod): one line per change, then the required bump. Exit 0 when the module's version makes
      the required bump over FILE's version, 1 when not.
  protected-modules api-report <environment> [<Module>…] --out DIR --user <id>
      Write DIR/<Module>.api.logic (the interface document) for the named modules, or for every
      module the user may reference.

${sealCommands().SEAL_USAGE}
${hostCommands().HOST_USAGE}
Options:
  -u, --user <id>      the user (default: the PROTECTED_MODULES_USER environment variable)
  -f, --format <fmt>   text (default) or json
  --against FILE       (diff) the earlier interface
  --out DIR            (api-report) where to write the reports
  --api-reports DIR    (check) compare the interfaces with the reports in DIR
  -h, --help           show this help
  -v, --version        show the version

Exit codes: 0 ok, 1 errors found (check), 2 bad usage or unreadable environment,
3 module interface not available to the user.
`;
}

/** A usage or environment problem: printed as one line, exit code 2 (or the given one). */
class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.Usage,
  ) {
    super(message);
  }
}

/**
 * Runs the CLI on `argv` (the arguments after the script name) and returns the exit code.
 * Never throws: every failure is a one-line message on `out.stderr` and exit code 2.
 *
 * @param argv e.g. `['check', 'examples/acme', '--user', 'bob']`
 * @param out where to write (text is written with its own line ends)
 * @param env the process environment (for `PROTECTED_MODULES_USER`)
 */
export function runCli(argv: string[], out: CliOutput, env: NodeJS.ProcessEnv = process.env): number {
  try {
    return run(argv, out, env);
  } catch (e) {
    if (e instanceof CommandError) {
      out.stderr(`protected-modules: ${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof CliError) {
      out.stderr(`protected-modules: ${e.message}\n`);
      if (e.exitCode === ExitCode.Usage && /^(missing|unknown|unexpected|expected|option)/.test(e.message)) {
        out.stderr(`Run 'protected-modules --help' for usage.\n`);
      }
      return e.exitCode;
    }
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    out.stderr(`protected-modules: internal error: ${msg}\n`);
    return ExitCode.Usage;
  }
}

function run(argv: string[], out: CliOutput, env: NodeJS.ProcessEnv): number {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (e) {
    // node:util parseArgs messages are one line plus hints; keep the first sentence.
    const msg = (e as Error).message.split('\n')[0].replace(/\. To specify a positional.*$/, '');
    throw new CliError(`option error: ${msg}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out.stdout(usage());
    return ExitCode.Ok;
  }
  if (values.version) {
    out.stdout(`${pkg.version}\n`);
    return ExitCode.Ok;
  }
  const [command, ...rest] = positionals;
  if (!command) {
    out.stderr(usage());
    return ExitCode.Usage;
  }
  // SPEC 10 options belong to one command each.
  for (const [option, owner] of [
    ['against', 'diff'],
    ['out', 'api-report'],
    ['api-reports', 'check'],
  ] as const) {
    if (values[option] !== undefined && command !== owner) throw new CliError(`option --${option} is not supported by '${command}'`);
  }
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json') throw new CliError(`unknown format '${format}' (expected text or json)`);

  const expectArgs = (names: string[]) => {
    if (rest.length < names.length) throw new CliError(`missing ${names[rest.length]} for '${command}'`);
    if (rest.length > names.length) throw new CliError(`unexpected argument '${rest[names.length]}' for '${command}'`);
  };
  const user = () => {
    const u = values.user ?? env.PROTECTED_MODULES_USER;
    if (u === undefined || u === '') throw new CliError('missing --user <id> (or set PROTECTED_MODULES_USER)');
    return u;
  };

  switch (command) {
    case 'check': {
      expectArgs(['<environment>']);
      return check(openEnvironment(rest[0]), user(), format, out, values['api-reports']);
    }
    case 'interface': {
      expectArgs(['<environment>', '<Module>']);
      if (values.format !== undefined) throw new CliError(`option --format is not supported by 'interface'`);
      return printInterface(openScan(rest[0]), rest[1], user(), out);
    }
    case 'access': {
      expectArgs(['<environment>']);
      return access(openEnvironment(rest[0]), user(), format, out);
    }
    case 'diff': {
      expectArgs(['<environment>', '<Module>']);
      if (!values.against) throw new CliError(`missing --against FILE for 'diff'`);
      return diffCommand(openScan(rest[0]), rest[1], user(), values.against, format, out);
    }
    case 'api-report': {
      if (rest.length < 1) throw new CliError(`missing <environment> for 'api-report'`);
      if (!values.out) throw new CliError(`missing --out DIR for 'api-report'`);
      if (values.format !== undefined) throw new CliError(`option --format is not supported by 'api-report'`);
      return apiReportCommand(openEnvironment(rest[0]), rest.slice(1), user(), values.out, out);
    }
    default:
      if ((sealCommands().SEAL_COMMANDS as readonly string[]).includes(command)) {
        throw new CliError(`'${command}' is asynchronous: run it through runCliAsync (or the protected-modules command)`);
      }
      throw new CliError(`unknown command '${command}' (expected check, interface, access, diff, api-report, keygen, seal, install or unseal)`);
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      user: { type: 'string', short: 'u' },
      format: { type: 'string', short: 'f' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
      against: { type: 'string' },
      out: { type: 'string' },
      'api-reports': { type: 'string' },
    },
  });
}

/**
 * Loads the environment at `folder` (every module); an unreadable folder or a missing/unreadable
 * `environment.json` is exit 2 (an invalid one is not: `check` reports it).
 */
function openEnvironment(folder: string): Environment {
  return openScan(folder).full();
}

/**
 * Walks the environment at `folder` (`EnvironmentScan`: manifests read, validated when asked);
 * the same checks and exit codes as {@link openEnvironment}.
 */
function openScan(folder: string): EnvironmentScan {
  let scan: EnvironmentScan;
  try {
    // SPEC 4.1: environments do not nest; a folder inside an environment is that environment.
    let root = folder;
    try {
      const real = realpathSync.native(folder);
      if (statSync(real).isDirectory()) root = outermostEnvironment(real) ?? folder;
    } catch {
      /* loadEnvironment reports it */
    }
    scan = EnvironmentScan.open(root);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  const policy = join(scan.root, 'environment.json');
  try {
    if (!statSync(policy).isFile()) throw new Error();
    accessSync(policy, constants.R_OK);
  } catch {
    throw new CliError(`${folder} is not a readable environment: no readable environment.json in it`);
  }
  return scan;
}

/**
 * The Program of a CLI run. Sources are read by handle, only when the opened file really is where
 * the environment listed it (SPEC 4.1, `server/disk.ts`): a folder swapped for a link after the
 * listing reads as missing.
 */
function programFor(env: Environment): Program {
  const disk = new Disk();
  const read = (path: string) => {
    const r = disk.readFileAt(path);
    return r && { text: r.text, id: `${r.id.dev}:${r.id.ino}` };
  };
  return new Program(env, { readFile: (path) => read(path)?.text, readFileWithIdentity: read });
}

/** SPEC 6 `check`. */
function check(env: Environment, user: string, format: 'text' | 'json', out: CliOutput, apiReports?: string): number {
  const program = programFor(env);
  const diagnostics: FileDiagnostic[] = program.forUser(user).allDiagnostics();
  const rows = diagnostics.map((d) => ({
    path: relPath(env, d.path) ?? d.path,
    line: d.range.start.line + 1,
    column: d.range.start.character + 1,
    severity: d.severity,
    code: d.code,
    message: d.message,
    range: d.range,
  }));
  // SPEC 10: api-report-outdated (warnings) for reports that differ from the interfaces.
  if (apiReports !== undefined) {
    for (const f of apiReportFindings(program, user, apiReports)) {
      rows.push({ ...f, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } });
    }
  }
  if (format === 'json') {
    const errors = rows.filter((r) => r.severity === 'error').length;
    out.stdout(
      JSON.stringify(
        {
          user,
          diagnostics: rows,
          summary: {
            errors,
            warnings: rows.filter((r) => r.severity === 'warning').length,
            infos: rows.filter((r) => r.severity === 'info').length,
            files: checkedFiles(env, user),
          },
        },
        null,
        2,
      ) + '\n',
    );
  } else {
    for (const r of rows) {
      out.stdout(`${r.path}:${r.line}:${r.column}: ${r.severity}: ${oneLine(r.message)} [${r.code}]\n`);
    }
    // The summary goes to stderr: stdout keeps SPEC 6's one-diagnostic-per-line format (DECISIONS).
    out.stderr(checkSummary(checkedFiles(env, user), rows, user));
  }
  return rows.some((r) => r.severity === 'error') ? ExitCode.Errors : ExitCode.Ok;
}

/**
 * The number of files `check` looked at for `user`: the sources and manifests of the modules the
 * user may open (≥ `open`); files of other modules are never counted, so the number reveals
 * nothing about them (SPEC 4 "No leak").
 */
function checkedFiles(env: Environment, user: string): number {
  let n = 0;
  const gate = new AccessGate(env, user);
  for (const m of env.modules) {
    if (!atLeast(gate.moduleAccess(m).level, 'open')) continue;
    n += m.files.length + 1;
  }
  return n;
}

/** The one-line summary of `check` (stderr, text format): files, errors, warnings, user. */
export function checkSummary(files: number, rows: readonly { severity: string }[], user: string): string {
  const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const errors = rows.filter((r) => r.severity === 'error').length;
  const warnings = rows.filter((r) => r.severity === 'warning').length;
  return `protected-modules: checked ${count(files, 'file')} as ${user}: ${count(errors, 'error')}, ${count(warnings, 'warning')}\n`;
}

/** SPEC 6 `interface`: the same message whether the module is missing or hidden; a module the
 *  user may only list gets a message naming the level it needs (it is not hidden from them) —
 *  `interfaceNotAvailable`, which `diff` and `api-report` answer with too. Only the manifests and
 *  sources that concern the module are read (`moduleProgram`). */
function printInterface(scan: EnvironmentScan, module: string, user: string, out: CliOutput): number {
  const view = moduleProgram(scan, module).forUser(user);
  const iface = view.interfaceOf(module);
  if (!iface) throw interfaceNotAvailable(view, module);
  out.stdout(iface.text.endsWith('\n') ? iface.text : iface.text + '\n');
  return ExitCode.Ok;
}

/**
 * The modules `user` can see (access ≥ list, SPEC 2.3), with list-level facts only, in the
 * environment's module order. Modules with an invalid or duplicate `module.json` are not listed
 * (they cannot be used by name).
 *
 * @param env a loaded environment
 * @param user the user's id (`null`: no user, fail closed)
 * @returns one `ModuleSummary` (SPEC 4 `listModules` shape) per visible module. Never throws.
 */
export function visibleModules(env: Environment, user: string | null): ModuleSummary[] {
  const out: ModuleSummary[] = [];
  const gate = new AccessGate(env, user);
  for (const m of env.modules) {
    if (!m.manifest) continue;
    const level: AccessLevel = gate.moduleAccess(m).level;
    if (!atLeast(level, 'list')) continue;
    out.push({
      name: m.manifest.name,
      version: m.manifest.version,
      kind: m.manifest.kind,
      owner: m.manifest.owner,
      ...(m.manifest.description !== undefined ? { description: m.manifest.description } : {}),
      protected: m.manifest.protected,
      access: level,
      ...(m.sealed ? { sealed: { publisher: m.sealed.publisher } } : {}), // SPEC 9
    });
  }
  return out;
}

/** SPEC 6 `access`: a table of module, kind, version, owner, protected, access. */
function access(env: Environment, user: string, format: 'text' | 'json', out: CliOutput): number {
  const modules = visibleModules(env, user);
  if (format === 'json') {
    out.stdout(JSON.stringify({ user, modules }, null, 2) + '\n');
    return ExitCode.Ok;
  }
  const header = ['MODULE', 'KIND', 'VERSION', 'OWNER', 'PROTECTED', 'ACCESS'];
  const rows = modules.map((m) => [m.name, m.kind, m.version, m.owner, m.protected ? 'yes' : 'no', m.access]);
  out.stdout(table([header, ...rows]));
  if (!env.policy) out.stderr('protected-modules: environment.json is invalid, so access is restricted (run check for details)\n');
  else if (!Object.prototype.hasOwnProperty.call(env.policy.users, user)) {
    out.stderr(`protected-modules: ${user} is not a known user of this environment, so access is restricted\n`);
  }
  return ExitCode.Ok;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ') + '\n').join('');
}

function oneLine(s: string): string {
  return s.replace(/\r?\n|\r/g, ' ');
}

/**
 * {@link runCli}, plus the sealed-module commands of SPEC 9 (`keygen`, `seal`, `install`,
 * `unseal`, server/seal/commands.ts), which are asynchronous (age encryption). The command must be
 * the first argument for those. Never rejects.
 */
export async function runCliAsync(argv: string[], out: CliOutput, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (mayBeOther(argv[0]) && (sealCommands().SEAL_COMMANDS as readonly string[]).includes(argv[0])) {
    return sealCommands().runSealCommand(argv, out);
  }
  return runCli(argv, out, env);
}

/** Entry point when run as a program: exit code via `process.exitCode` so output is flushed. */
function main(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });
  const argv = process.argv.slice(2);
  const out: CliOutput = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) };
  // The host's commands (SPEC 7) live in server/host/cli.ts.
  const first = argv.find((a) => !a.startsWith('-')) ?? '';
  if (mayBeOther(first) && (hostCommands().HOST_COMMANDS as readonly string[]).includes(first)) {
    process.on('uncaughtException', (e) => process.stderr.write(`protected-modules: uncaught ${describeForLog(e)}\n`));
    process.on('unhandledRejection', (e) => process.stderr.write(`protected-modules: unhandled rejection ${describeForLog(e)}\n`));
    void hostCommands()
      .runHostCommand(argv, out)
      .then((code) => {
        process.exitCode = code;
        if (argv.includes('serve') || code !== 0) setImmediate(() => process.exit(code));
      });
    return;
  }
  void runCliAsync(argv, out).then((code) => {
    process.exitCode = code;
  });
}

if (typeof require !== 'undefined' && require.main === module) main();
