/**
 * The interface-change commands of the CLI (SPEC 10), called from `server/cli.ts`:
 *
 * ```
 * protected-modules diff <environment> <Module> --against FILE [--format text|json] --user <id>
 * protected-modules api-report <environment> [<Module>…] --out DIR --user <id>
 * protected-modules check <environment> --api-reports DIR --user <id>   (adds api-report-outdated)
 * ```
 *
 * `diff` compares the module's current interface (rendered from its sources, SPEC 3.5) with an
 * earlier interface document FILE: an `INTERFACE.logic`, an API report `<Module>.api.logic` (both
 * read as text and parsed with the language's parser; version from the header line), or a `.pmod`
 * archive (SPEC 9: a tar archive, read with the `tar` package; its `INTERFACE.logic` gives the
 * elements and its `module.json` the version). Text output: one line per change
 * `<breaking|compatible|doc>: <Element>: <what>`, then `required: <bump> (<from> → <version>)`,
 * then — for users with `full` on the module — the consumers (docs/DECISIONS.md).
 * Exit 0 when the manifest's version makes at least the required bump over FILE's version, 1 when
 * not, 2 on bad usage (also: FILE unreadable or not an interface of this module), 3 when the user
 * may not see the module's interface — exactly as `interface` answers (SPEC 6): a module the user
 * may only list names the level it needs; one at `none` is answered as a missing one.
 *
 * Fast path (issue 12): `diff` validates only the manifests and reads only the sources that concern
 * the module ({@link moduleProgram}), not the whole environment.
 *
 * No leak: the current interface is the one the user may see (≥ `reference`); "made private" is
 * said only to users who may read the module (≥ `open`), "removed" otherwise; consumers come from
 * `consumersOf` (shared/interface/consumers.ts): only for `full`, named only at ≥ `list`, locations
 * only in files the user may read.
 */
import { Disk } from '../disk';
import { parse as parseJsonc, type ParseError } from 'jsonc-parser';
import * as semver from 'semver';
import { readFileSync, statSync } from 'node:fs';
import { atomicWrite } from '../atomicWrite';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { type EnvironmentScan, describeFsError, relPath } from '../../shared/environment/load';
import type { Environment } from '../../shared/environment/model';
import { atLeast } from '../../shared/access/levels';
import { Program, type UserProgram } from '../../shared/program/program';
import { parseInterfaceDocument, modelFromDeclarations, type InterfaceModel } from '../../shared/interface/model';
import { type Bump, type InterfaceChange, bumpSatisfies, diffInterfaces, madeBump, requiredBump } from '../../shared/interface/diff';
import { type Consumer, consumersOf } from '../../shared/interface/consumers';

/** Where a command writes (the CLI's `CliOutput`). */
export interface Output {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** A failure reported as one line `protected-modules: <message>` with an exit code (2 unless given). */
export class CommandError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

/** The largest FILE (or archive member) read, in bytes. */
const MAX_FILE_BYTES = 16 * 1024 * 1024;

/** The earlier interface read from `--against FILE`. */
export interface AgainstFile {
  model: InterfaceModel;
  /** The earlier version (header line, or `module.json` of a `.pmod`). */
  version: string;
  /** What the file was: `interface` (an `INTERFACE.logic` or API report) or `pmod`. */
  format: 'interface' | 'pmod';
}

/**
 * Reads `--against FILE` (SPEC 10): a `.pmod` archive (by extension, or a tar/gzip signature) or an
 * interface document (anything else).
 *
 * @param file the path as given
 * @param module the diffed module: the file must describe it (header / `module.json` name)
 * @throws CommandError (exit 2) with a message naming the file when it cannot be read, is not an
 *         interface document or archive, has syntax errors, names another module or has no version
 */
export function readAgainst(file: string, module: string): AgainstFile {
  let buf: Buffer;
  try {
    if (statSync(file).size > MAX_FILE_BYTES) throw new CommandError(`${file}: larger than ${MAX_FILE_BYTES} bytes`);
    buf = readFileSync(file);
  } catch (e) {
    if (e instanceof CommandError) throw e;
    throw new CommandError(`cannot read ${file}: ${describeFsError(e)}`);
  }
  const isArchive = file.endsWith('.pmod') || isTarOrGzip(buf);
  let text: string;
  let manifestVersion: string | undefined;
  let manifestName: string | undefined;
  if (isArchive) {
    const members = readArchive(file, ['INTERFACE.logic', 'module.json']);
    if (members['INTERFACE.logic'] === undefined) throw new CommandError(`${file}: not a .pmod archive (no INTERFACE.logic in it)`);
    text = members['INTERFACE.logic'];
    if (members['module.json'] !== undefined) {
      try {
        // module.json is JSON with comments and trailing commas (SPEC 2), as the example's is.
        const errors: ParseError[] = [];
        const m = (parseJsonc(members['module.json'], errors, { allowTrailingComma: true }) ?? {}) as { name?: unknown; version?: unknown };
        if (errors.length || typeof m !== 'object') throw new Error('not JSON');
        if (typeof m.version === 'string') manifestVersion = m.version;
        if (typeof m.name === 'string') manifestName = m.name;
      } catch {
        throw new CommandError(`${file}: its module.json is not valid JSON`);
      }
    }
  } else {
    text = buf.toString('utf8');
  }
  const where = isArchive ? `${file} (INTERFACE.logic)` : file;
  const { model, diagnostics } = parseInterfaceDocument(text, manifestName ?? module);
  if (diagnostics.length) {
    const d = diagnostics[0];
    throw new CommandError(`${where}:${d.range.start.line + 1}:${d.range.start.character + 1}: not a valid interface document: ${d.message}`);
  }
  const named = manifestName ?? model.module;
  if (named !== undefined && named !== module) throw new CommandError(`${where} is the interface of '${named}', not of '${module}'`);
  const version = manifestVersion ?? model.version;
  if (!version) throw new CommandError(`${where}: no version (expected the header line '// Interface of ${module} <version> — owner <id>. …')`);
  if (!semver.valid(version))
    throw new CommandError(`${isArchive && manifestVersion ? `${file} (module.json)` : where}: '${version}' is not a semantic version`);
  return { model, version, format: isArchive ? 'pmod' : 'interface' };
}

function isTarOrGzip(buf: Buffer): boolean {
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) return true;
  return buf.length >= 262 && buf.toString('latin1', 257, 262) === 'ustar';
}

/** The text of the named top-level members of a tar archive (`./name` counts as `name`). */
function readArchive(file: string, names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  let tooBig = false;
  // Loaded here, not at start-up: only `diff --against X.pmod` needs it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose (above)
  const { t: tarList } = require('tar') as typeof import('tar');
  try {
    tarList({
      file,
      sync: true,
      strict: true,
      onReadEntry(entry) {
        const name = entry.path.replace(/^(\.\/)+/, '');
        if (!names.includes(name) || entry.type !== 'File') {
          entry.resume();
          return;
        }
        if ((entry.size ?? 0) > MAX_FILE_BYTES) {
          tooBig = true;
          entry.resume();
          return;
        }
        const chunks: Buffer[] = [];
        entry.on('data', (c: Buffer) => chunks.push(c));
        entry.on('end', () => {
          out[name] = Buffer.concat(chunks).toString('utf8');
        });
      },
    });
  } catch (e) {
    throw new CommandError(`${file}: not a readable .pmod archive (${(e as Error).message.split('\n')[0]})`);
  }
  if (tooBig) throw new CommandError(`${file}: an archive member is larger than ${MAX_FILE_BYTES} bytes`);
  return out;
}

/**
 * A Program reading the disk (the CLI's host): by handle, only where the environment listed the
 * file (SPEC 4.1, `server/disk.ts`).
 */
export function diskProgram(env: Environment): Program {
  const disk = new Disk();
  const read = (path: string) => {
    const r = disk.readFileAt(path);
    return r && { text: r.text, id: `${r.id.dev}:${r.id.ino}` };
  };
  return new Program(env, { readFile: (path) => read(path)?.text, readFileWithIdentity: read });
}

/**
 * A Program for the questions about one module (SPEC 3.5 interface, SPEC 10 `diff`): built on
 * {@link EnvironmentScan.environmentFor} — the module, its dependents and the modules its
 * interface's types name (each with whatever may share its name or enclose it) — instead of on
 * every module of the environment, so that only those manifests are validated and only those
 * sources are read. For this module — its access for any user, its interface document, its
 * symbols, its consumers and their call sites — it answers as a Program on the full load
 * (test/cli/diff-fastpath.test.ts); ask it nothing about other modules.
 *
 * @param scan the walked environment
 * @param module the module's name (need not exist)
 */
export function moduleProgram(scan: EnvironmentScan, module: string): Program {
  const env = scan.environmentFor([module]);
  const program = diskProgram(env);
  const info = program.moduleByName(module);
  if (!info) return program;
  const typeModules = program.externalTypeModules(module, program.symbolsOf(info));
  const have = new Set(env.modules.map((m) => m.name));
  // The modules of the interface's types decide how it is rendered (their access, their
  // structures): add them (sources already parsed are kept).
  if (typeModules.some((m) => !have.has(m))) program.updateEnvironment(scan.environmentFor([module, ...typeModules]));
  return program;
}

/**
 * The module's current interface as the user may see it, as a model; `undefined` when the module
 * does not exist for the user or the user is below `reference` (answered alike).
 */
export function currentInterface(view: UserProgram, module: string): { model: InterfaceModel; version: string } | undefined {
  const iface = view.interfaceOf(module);
  const rendered = iface && view.interfaceDocument(module);
  if (!iface || !rendered) return undefined;
  return {
    model: { module, version: iface.version, owner: iface.owner, elements: modelFromDeclarations(module, rendered.file.declarations) },
    version: iface.version,
  };
}

/** The result of {@link diffModule} (SPEC 10 JSON, plus `module`). */
export interface DiffReport {
  module: string;
  from: string;
  to: string;
  changes: InterfaceChange[];
  required: Bump;
  /** Only for users with `full` on the module (else `[]`; `consumersShown` says which). */
  consumers: Consumer[];
  consumersShown: boolean;
  /** Whether `to` makes at least the required bump over `from` (exit 0). */
  ok: boolean;
}

/**
 * Compares the current interface of `module` for the user of `view` with `against` (SPEC 10).
 * @throws CommandError: exit 3 when the module's interface is not available to the user
 *         ({@link interfaceNotAvailable}), exit 2 when a version is not a semantic version
 */
export function diffModule(view: UserProgram, module: string, against: AgainstFile): DiffReport {
  const now = currentInterface(view, module);
  if (!now) throw interfaceNotAvailable(view, module);
  const mayRead = atLeast(view.access(module).level, 'open');
  const symbols = mayRead ? view.readableSymbols(module) : undefined;
  const changes = diffInterfaces(against.model, now.model, {
    module,
    ...(symbols
      ? {
          isPrivate: (n: string) => {
            const s = symbols.elements.get(n);
            return !!s && !s.isPublic;
          },
        }
      : {}),
  });
  const required = requiredBump(changes);
  let made: Bump;
  try {
    made = madeBump(against.version, now.version);
  } catch (e) {
    throw new CommandError((e as Error).message);
  }
  const breaking = [...new Set(changes.filter((c) => c.severity === 'breaking').map((c) => c.element))];
  const consumers = consumersOf(view, module, breaking);
  return {
    module,
    from: against.version,
    to: now.version,
    changes,
    required,
    consumers: consumers ?? [],
    consumersShown: consumers !== undefined,
    ok: bumpSatisfies(made, required),
  };
}

/** The exit code of a command asked about a module whose interface the user may not see (SPEC 6 `interface`). */
export const NOT_VISIBLE_EXIT = 3;

/**
 * The answer of `interface`, `diff` and `api-report` (SPEC 6, 10) when the user may not see the
 * module's interface (exit 3): a module the user may only list gets a message naming the level it
 * needs and its owner (it is not hidden from them); a module at `none` gets exactly the message of
 * a module that does not exist (SPEC 2.3).
 *
 * @param view the user's view
 * @param module the module asked for (as the user wrote it)
 */
export function interfaceNotAvailable(view: UserProgram, module: string): CommandError {
  const user = view.user ?? '';
  const facts = view.moduleFacts(module);
  if (facts?.access === 'list') {
    return new CommandError(
      `${user} may only list '${module}': seeing its interface needs reference access (yours is list)${facts.owner ? `; ask its owner ${facts.owner}` : ''}`,
      NOT_VISIBLE_EXIT,
    );
  }
  return new CommandError(
    `no interface of '${module}' is available to ${user}: there is no such module, or seeing its interface needs reference access`,
    NOT_VISIBLE_EXIT,
  );
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * `protected-modules diff` (SPEC 10): prints the report and returns the exit code (0 the version
 * makes the required bump, 1 it does not).
 * @throws CommandError for bad usage (exit 2), or exit 3 when the user may not see the module's
 *         interface ({@link interfaceNotAvailable}: as `interface` answers)
 */
export function diffCommand(scan: EnvironmentScan, module: string, user: string, againstPath: string, format: 'text' | 'json', out: Output): number {
  const program = moduleProgram(scan, module);
  const env = program.environment;
  const view = program.forUser(user);
  if (!currentInterface(view, module)) throw interfaceNotAvailable(view, module);
  const report = diffModule(view, module, readAgainst(againstPath, module));
  const loc = (path: string, range: { start: { line: number; character: number } }) => ({
    path: relPath(env, path) ?? path,
    line: range.start.line + 1,
    column: range.start.character + 1,
  });
  if (format === 'json') {
    out.stdout(
      JSON.stringify(
        {
          module: report.module,
          from: report.from,
          to: report.to,
          changes: report.changes,
          required: report.required,
          consumers: report.consumers.map((c) => ({
            module: c.module,
            callSites: c.callSites,
            elements: c.elements,
            ...(c.locations ? { locations: c.locations.map((l) => ({ element: l.element, ...loc(l.path, l.range) })) } : {}),
          })),
        },
        null,
        2,
      ) + '\n',
    );
  } else {
    for (const c of report.changes) out.stdout(`${c.severity}: ${c.element}: ${c.detail}\n`);
    out.stdout(`required: ${report.required} (${report.from} → ${report.to})\n`);
    if (report.consumersShown && report.consumers.length) {
      out.stdout(`consumers:\n`);
      for (const c of report.consumers) {
        const per = Object.entries(c.elements)
          .map(([e, n]) => `${e} ${n}`)
          .join(', ');
        out.stdout(`  ${c.module}: ${plural(c.callSites, 'call site')}${per ? ` (${per})` : ''}\n`);
        for (const l of c.locations ?? []) {
          const p = loc(l.path, l.range);
          out.stdout(`    ${p.path}:${p.line}:${p.column}: ${l.element}\n`);
        }
      }
    }
  }
  if (!report.ok) {
    out.stderr(`protected-modules: ${module} ${report.to} does not make the required ${report.required} bump over ${report.from}\n`);
  }
  return report.ok ? 0 : 1;
}

/**
 * `protected-modules api-report` (SPEC 10): writes `<Module>.api.logic` (the interface document)
 * into `outDir` for each named module, or for every module the user may reference when none is
 * named. Every named module is checked before anything is written.
 * @throws CommandError: exit 3 for a named module whose interface the user may not see (as
 *         `interface` answers, {@link interfaceNotAvailable}), exit 2 for a write failure
 */
export function apiReportCommand(env: Environment, modules: string[], user: string, outDir: string, out: Output): number {
  const view = diskProgram(env).forUser(user);
  const names = modules.length
    ? modules
    : view
        .visibleModules()
        .filter((m) => atLeast(m.access.level, 'reference'))
        .map((m) => m.manifest.name);
  const texts: [string, string][] = [];
  for (const name of names) {
    const iface = view.interfaceOf(name);
    if (!iface) throw interfaceNotAvailable(view, name);
    texts.push([name, iface.text]);
  }
  for (const [name, text] of texts) {
    const target = join(outDir, `${name}.api.logic`);
    try {
      atomicWrite(target, text);
    } catch (e) {
      throw new CommandError(`cannot write ${target}: ${describeFsError(e, 'write')}`);
    }
    out.stdout(`${target}\n`);
  }
  return 0;
}

/** One `api-report-outdated` finding of `check --api-reports` (path as the user named the folder). */
export interface ReportFinding {
  path: string;
  line: number;
  column: number;
  severity: 'warning';
  code: 'api-report-outdated';
  message: string;
}

/**
 * `check --api-reports DIR` (SPEC 10): an `api-report-outdated` warning for every module the user
 * may reference whose `DIR/<Module>.api.logic` exists and differs from its current interface
 * (line ends and trailing white space ignored). Reports of modules the user may not reference, or
 * that do not exist, are ignored alike. Missing reports are not reported.
 * @throws CommandError (exit 2) when DIR is not a readable folder
 */
export function apiReportFindings(program: Program, user: string, dir: string): ReportFinding[] {
  try {
    if (!statSync(dir).isDirectory()) throw new Error();
  } catch {
    throw new CommandError(`--api-reports ${dir}: not a readable folder`);
  }
  const view = program.forUser(user);
  const out: ReportFinding[] = [];
  for (const m of view.visibleModules()) {
    if (!atLeast(m.access.level, 'reference')) continue;
    const name = m.manifest.name;
    const file = join(dir, `${name}.api.logic`);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const iface = view.interfaceOf(name);
    if (!iface || normalise(text) === normalise(iface.text)) continue;
    let summary = '';
    const parsed = parseInterfaceDocument(text, name);
    const now = currentInterface(view, name);
    if (!parsed.diagnostics.length && now) {
      const changes = diffInterfaces(parsed.model, now.model, { module: name });
      const count = (s: string) => changes.filter((c) => c.severity === s).length;
      const parts = [
        count('breaking') && plural(count('breaking'), 'breaking change'),
        count('compatible') && plural(count('compatible'), 'compatible change'),
        count('doc') && plural(count('doc'), 'doc change'),
      ].filter(Boolean);
      const versions = parsed.model.version && parsed.model.version !== now.version ? `version ${parsed.model.version} → ${now.version}` : '';
      summary = [parts.join(', '), versions].filter(Boolean).join('; ');
    }
    out.push({
      path: displayPath(dir, file),
      line: 1,
      column: 1,
      severity: 'warning',
      code: 'api-report-outdated',
      message: `The API report of '${name}' is outdated: the interface differs from it${summary ? ` (${summary})` : ''}. Run 'protected-modules api-report' to update it.`,
    });
  }
  return out;
}

function normalise(text: string): string {
  return text
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\r|\n/)
    .map((l) => l.trimEnd())
    .join('\n')
    .trimEnd();
}

/** The report file's path as the user would write it: relative to the working folder when DIR was relative. */
function displayPath(dir: string, file: string): string {
  return isAbsolute(dir) ? file : relative(process.cwd(), resolve(file)) || file;
}
