/**
 * The sealed-module commands of the CLI (SPEC 9): `keygen`, `seal`, `install`, `unseal`.
 *
 * ```
 * protected-modules keygen --out FILE
 * protected-modules seal <environment> <Module> --key FILE --publisher <name> [--for <environment id>]
 *                        [--recipient age1…]… --out FILE.pmod
 * protected-modules install <environment> FILE.pmod [--folder PATH] [--upgrade] [--accept-breaking]
 * protected-modules unseal <environment> <Module> --key FILE --out DIR
 * ```
 *
 * Exit codes: 0 done; 1 refused or failed (one line on stderr naming the reason: untrusted
 * publisher, tampered file, bound to another environment, name taken, damaged archive, wrong key…);
 * 2 bad usage. Every command writes nothing when it fails: files are assembled in a temporary
 * place and renamed into place at the very end (folders and files alike).
 *
 * Crypto: age through `age-encryption`, ed25519 through node:crypto; archives through `tar` v7.
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { sign } from 'node:crypto';
import { Decrypter, Encrypter } from 'age-encryption';
import { loadEnvironment, isInside, realPathOf } from '../../shared/environment/load';
import type { Environment, ModuleInfo } from '../../shared/environment/model';
import { ENVIRONMENT_ID_PATTERN, PUBLISHER_NAME_PATTERN } from '../../shared/environment/schemas';
import {
  HASHED_FILES,
  SEAL_FILE,
  SEALED_FILES,
  SEALED_MANIFEST_FILE,
  SOURCES_FILE,
  type SealFile,
  type SealedFileName,
  readSealedFolder,
  sealSchema,
  sha256Hex,
  signedBytes,
  verifySealed,
} from '../../shared/environment/seal';
import { Program } from '../../shared/program/program';
import { ArchiveError, extractSourcesTar, listSourcesTar, packFolderFiles, readPmod } from './archive';
import { generatePublisherKey, readPublisherKey } from './keys';
import { upgradeVerdict } from './upgrade';

/** Where the commands write (as `CliOutput` of server/cli.ts). */
export interface SealOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** The commands handled here. */
export const SEAL_COMMANDS = ['keygen', 'seal', 'install', 'unseal'] as const;

/** Usage of the sealed-module commands (appended to the CLI's --help). */
export const SEAL_USAGE = `  protected-modules keygen --out FILE
      Write a publisher key: FILE (mode 0600, an age identity that also holds an ed25519
      signing key) and FILE.pub (the age recipient and ed25519:<base64> for trustedPublishers).
  protected-modules seal <environment> <Module> --key FILE --publisher <name>
                         [--for <environment id>] [--recipient age1…]… --out FILE.pmod
      Seal a module: its signed interface in clear, its sources encrypted to the key.
  protected-modules install <environment> FILE.pmod [--folder PATH] [--upgrade]
      Verify a sealed module (trusted publisher, signature, every file, environment id) and
      install it; exit 1 with the reason when refused.
  protected-modules unseal <environment> <Module> --key FILE --out DIR
      Restore the sources of a sealed module (needs the publisher's key or a recipient's).
`;

/** A refusal or failure: one line on stderr, exit 1 (2 for usage). */
export class SealError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/**
 * Runs one of {@link SEAL_COMMANDS}.
 * @param argv the arguments after the script name, the command first
 * @returns the exit code (0 ok, 1 refused/failed, 2 usage). Never rejects: every failure is one
 *   line `protected-modules: …` on `out.stderr`.
 */
export async function runSealCommand(argv: string[], out: SealOutput): Promise<number> {
  try {
    return await run(argv, out);
  } catch (e) {
    if (e instanceof SealError) {
      out.stderr(`protected-modules: ${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof ArchiveError) {
      out.stderr(`protected-modules: ${e.message}\n`);
      return 1;
    }
    out.stderr(`protected-modules: failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}\n`);
    return 1;
  }
}

function usage(message: string): SealError {
  return new SealError(`${message}\nRun 'protected-modules --help' for usage.`, 2);
}

async function run(argv: string[], out: SealOutput): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        out: { type: 'string', short: 'o' },
        key: { type: 'string', short: 'k' },
        publisher: { type: 'string' },
        for: { type: 'string' },
        recipient: { type: 'string', multiple: true },
        folder: { type: 'string' },
        upgrade: { type: 'boolean' },
        'accept-breaking': { type: 'boolean' },
      },
    });
  } catch (e) {
    throw usage(`option error: ${(e as Error).message.split('\n')[0].replace(/\. To specify a positional.*$/, '')}`);
  }
  const { values: v, positionals } = parsed;
  const [command, ...rest] = positionals;
  const expect = (names: string[]) => {
    if (rest.length < names.length) throw usage(`missing ${names[rest.length]} for '${command}'`);
    if (rest.length > names.length) throw usage(`unexpected argument '${rest[names.length]}' for '${command}'`);
  };
  const need = (value: string | undefined, option: string): string => {
    if (value === undefined || value === '') throw usage(`missing ${option} for '${command}'`);
    return value;
  };
  const refuse = (options: (keyof typeof v)[]) => {
    for (const o of options) if (v[o] !== undefined) throw usage(`option --${o} is not supported by '${command}'`);
  };
  switch (command) {
    case 'keygen':
      expect([]);
      refuse(['key', 'publisher', 'for', 'recipient', 'folder', 'upgrade', 'accept-breaking']);
      return keygen(need(v.out, '--out FILE'), out);
    case 'seal':
      expect(['<environment>', '<Module>']);
      refuse(['folder', 'upgrade', 'accept-breaking']);
      return seal(
        rest[0],
        rest[1],
        {
          key: need(v.key, '--key FILE'),
          publisher: need(v.publisher, '--publisher <name>'),
          for: v.for,
          recipients: v.recipient ?? [],
          out: need(v.out, '--out FILE.pmod'),
        },
        out,
      );
    case 'install':
      expect(['<environment>', '<FILE.pmod>']);
      refuse(['key', 'publisher', 'for', 'recipient', 'out']);
      return install(rest[0], rest[1], { folder: v.folder, upgrade: !!v.upgrade, acceptBreaking: !!v['accept-breaking'] }, out);
    case 'unseal':
      expect(['<environment>', '<Module>']);
      refuse(['publisher', 'for', 'recipient', 'folder', 'upgrade', 'accept-breaking']);
      return unseal(rest[0], rest[1], { key: need(v.key, '--key FILE'), out: need(v.out, '--out DIR') }, out);
    default:
      throw usage(`unknown command '${command}'`);
  }
}

// ----- keygen

/** SPEC 9 `keygen --out FILE`: FILE (0600) and FILE.pub; refuses to overwrite either. */
async function keygen(file: string, out: SealOutput): Promise<number> {
  const target = resolve(file);
  const pub = `${target}.pub`;
  for (const p of [target, pub]) if (existsSync(p)) throw new SealError(`${p} already exists; keygen never overwrites a key`);
  if (!existsSync(dirname(target))) throw new SealError(`the folder ${dirname(target)} does not exist`);
  const key = await generatePublisherKey();
  const tmpKey = tempName(target);
  const tmpPub = tempName(pub);
  try {
    writeFileSync(tmpKey, key.identityFile, { mode: 0o600, flag: 'wx' });
    writeFileSync(tmpPub, key.pubFile, { mode: 0o644, flag: 'wx' });
    renameSync(tmpPub, pub);
    try {
      renameSync(tmpKey, target);
    } catch (e) {
      rmSync(pub, { force: true });
      throw e;
    }
  } finally {
    rmSync(tmpKey, { force: true });
    rmSync(tmpPub, { force: true });
  }
  out.stdout(
    `wrote ${file} (secret: keep it, it decrypts what you seal and signs your seals) and ${file}.pub:\n` +
      `  age recipient: ${key.recipient}\n  signing key:   ${key.publicKey}\n` +
      `Receiving environments trust you with "trustedPublishers": { "<your name>": "${key.publicKey}" } in environment.json.\n`,
  );
  return 0;
}

// ----- seal

interface SealOptions {
  key: string;
  publisher: string;
  for?: string;
  recipients: string[];
  out: string;
}

/** SPEC 9 `seal`: the .pmod of a module whose sources are in `envFolder`. */
async function seal(envFolder: string, moduleName: string, o: SealOptions, out: SealOutput): Promise<number> {
  if (!PUBLISHER_NAME_PATTERN.test(o.publisher)) {
    throw usage(`invalid --publisher '${o.publisher}': use a letter or digit followed by up to 63 of A-Z, a-z, 0-9, ".", "_", "-"`);
  }
  if (o.for !== undefined && !ENVIRONMENT_ID_PATTERN.test(o.for)) {
    throw usage(`invalid --for '${o.for}': an environment id is a lowercase letter or digit followed by 2 to 63 of a-z, 0-9, "-"`);
  }
  for (const r of o.recipients) if (!/^age1[02-9ac-hj-np-z]+$/.test(r)) throw usage(`invalid --recipient '${r}': expected an age recipient (age1…)`);
  const key = await readPublisherKey(o.key).catch((e: Error) => {
    throw new SealError(e.message);
  });
  const env = open(envFolder);
  const info = env.modules.find((m) => m.manifest?.name === moduleName);
  if (!info || !info.manifest) throw new SealError(`there is no valid module named '${moduleName}' in ${envFolder}`);
  if (info.sealed) throw new SealError(`${moduleName} is itself a sealed module here: its sources are not in this environment`);

  const program = new Program(env, { readFile: (p) => readText(p) });
  const iface = program.renderedInterface(moduleName);
  if (!iface) throw new SealError(`cannot render the interface of ${moduleName}`);
  const files = moduleSourceFiles(info.folder, info.folder);
  const target = resolve(o.out);
  if (!existsSync(dirname(target))) throw new SealError(`the folder ${dirname(target)} does not exist`);

  const work = mkdtempSync(join(tmpdir(), 'pm-seal-'));
  const tmpOut = tempName(target);
  try {
    const sourcesTar = join(work, 'sources.tar');
    await packFolderFiles(info.folder, files, sourcesTar);
    const enc = new Encrypter();
    enc.addRecipient(key.ageRecipient);
    for (const r of o.recipients) enc.addRecipient(r);
    const sourcesAge = await enc.encrypt(readFileSync(sourcesTar));
    const stage = join(work, 'pmod');
    mkdirSync(stage);
    const bytes: Record<Exclude<SealedFileName, 'SEAL.json'>, Uint8Array> = {
      'module.json': readFileSync(info.manifestPath),
      'INTERFACE.logic': Buffer.from(iface.text, 'utf8'),
      'sources.age': sourcesAge,
    };
    const unsigned: Omit<SealFile, 'signature'> = {
      publisher: o.publisher,
      module: moduleName,
      version: info.manifest.version,
      ...(o.for !== undefined ? { environment: o.for } : {}),
      created: new Date().toISOString(),
      sha256: {
        'module.json': sha256Hex(bytes['module.json']),
        'INTERFACE.logic': sha256Hex(bytes['INTERFACE.logic']),
        'sources.age': sha256Hex(bytes['sources.age']),
      },
    };
    const signature = sign(null, signedBytes(unsigned), key.signingKey).toString('base64');
    const sealJson: SealFile = sealSchema.parse({ ...unsigned, signature });
    for (const name of HASHED_FILES) writeFileSync(join(stage, name), bytes[name]);
    writeFileSync(join(stage, SEAL_FILE), JSON.stringify(sealJson, null, 2) + '\n');
    await packFolderFiles(stage, [...SEALED_FILES], tmpOut);
    renameSync(tmpOut, target);
  } finally {
    rmSync(tmpOut, { force: true });
    rmSync(work, { recursive: true, force: true });
  }
  out.stdout(
    `sealed ${moduleName} ${info.manifest.version} by ${o.publisher}${o.for ? ` for environment '${o.for}'` : ''}: ${files.length} source files encrypted, wrote ${o.out}\n` +
      `The receiving environment must trust "${o.publisher}": "${key.publicKey}"${o.for ? ` and have "id": "${o.for}"` : ''}.\n`,
  );
  return 0;
}

/**
 * The files of a module's folder that go into `sources.age`: every regular file below `folder`,
 * skipping dot-entries, `node_modules` and nested module folders (a `module.json` or `SEAL.json`
 * in them), as `/`-separated paths relative to `base`, sorted.
 * @throws SealError on a symbolic link (a seal never follows links out of the module)
 */
function moduleSourceFiles(folder: string, base: string): string[] {
  const out: string[] = [];
  const names = readdirSync(folder).sort();
  for (const n of names) {
    if (n.startsWith('.') || n === 'node_modules') continue;
    const p = join(folder, n);
    const st = lstatSync(p);
    if (st.isSymbolicLink()) throw new SealError(`${relative(base, p)} is a symbolic link; a sealed module holds only real files`);
    if (st.isDirectory()) {
      if (existsSync(join(p, SEALED_MANIFEST_FILE)) || existsSync(join(p, SEAL_FILE))) continue;
      out.push(...moduleSourceFiles(p, base));
    } else if (st.isFile()) out.push(relative(base, p).split(sep).join('/'));
  }
  return out;
}

// ----- install

interface InstallOptions {
  folder?: string;
  upgrade: boolean;
  acceptBreaking: boolean;
}

/** SPEC 9 `install`: verify, then write the four files into a new module folder (atomically). */
async function install(envFolder: string, pmod: string, o: InstallOptions, out: SealOutput): Promise<number> {
  const env = open(envFolder);
  if (!env.policy) throw new SealError(`refused: environment.json of ${envFolder} is invalid, so no seal can be verified (run check)`);
  const files = await readPmod(pmod);
  const verdict = verifySealed(files, env.policy);
  if (!verdict.ok) throw new SealError(`refused: ${verdict.reason}`);
  const seal = verdict.seal;

  const taken = env.modules.filter((m) => m.name === seal.module || m.manifest?.name === seal.module);
  let replacing: ModuleInfo | undefined;
  if (taken.length > 0) {
    const existing = taken[0];
    if (!existing.sealed) {
      throw new SealError(
        `refused: name taken: this environment already has a module named '${seal.module}' (${rel(env, existing.folder)}), and it is not sealed`,
      );
    }
    if (!o.upgrade) {
      throw new SealError(
        `refused: name taken: '${seal.module}' is already installed here (sealed by ${existing.sealed.publisher || 'an unknown publisher'}, ${rel(env, existing.folder)}); give --upgrade to replace it`,
      );
    }
    const installedVersion = existing.manifest?.version ?? '?';
    const v = upgradeVerdict(
      {
        module: seal.module,
        version: installedVersion,
        publisher: existing.sealed.publisher,
        interfaceText: existing.sealed.valid ? existing.sealed.interfaceText : undefined,
        invalidReason: existing.sealed.reason,
      },
      { module: seal.module, version: seal.version, publisher: seal.publisher, interfaceText: verdict.interfaceText },
      { acceptBreaking: o.acceptBreaking },
    );
    if (!v.ok) {
      // The diff first (what would change), then the refusal on one line.
      for (const line of v.report.slice(0, -1)) out.stdout(`${line}\n`);
      throw new SealError(`refused: upgrade: ${v.report[v.report.length - 1]}`);
    }
    for (const line of v.report) out.stdout(`${line}\n`);
    replacing = existing;
  }

  const target = targetFolder(env, seal.module, o.folder, replacing);
  // Everything is checked: only now is anything written. Stage next to the target (a dot-folder,
  // which environments never read), re-verify what landed on disk, then rename into place.
  const parent = dirname(target);
  const createdParent = existsSync(parent) ? undefined : mkdirSync(parent, { recursive: true });
  const stage = mkdtempSync(join(parent, '.pm-install-'));
  let old: string | undefined;
  try {
    for (const name of SEALED_FILES) writeFileSync(join(stage, name), files[name], { flag: 'wx' });
    chmodSync(stage, 0o777 & ~process.umask()); // mkdtemp makes 0700; a module folder is an ordinary folder
    const read = readSealedFolder(stage);
    const again = 'error' in read ? undefined : verifySealed(read.files, env.policy);
    if (!again?.ok) throw new SealError('failed: the staged copy did not verify; nothing was installed');
    if (replacing) {
      old = `${stage}.old`;
      renameSync(target, old);
    }
    try {
      renameSync(stage, target);
    } catch (e) {
      if (old) renameSync(old, target);
      old = undefined;
      throw e;
    }
  } catch (e) {
    rmSync(stage, { recursive: true, force: true });
    if (createdParent) rmSync(createdParent, { recursive: true, force: true });
    throw e;
  }
  if (old) rmSync(old, { recursive: true, force: true });
  out.stdout(
    `installed ${seal.module} ${seal.version} sealed by ${seal.publisher}${seal.environment ? ` for '${seal.environment}'` : ''} into ${rel(env, target)}\n`,
  );
  return 0;
}

/**
 * Where a sealed module is installed: `--folder PATH` (relative to the environment root, or
 * absolute inside it) or `modules/<kebab-case name>`. It must be inside the environment, below no
 * dot-folder or `node_modules`, not inside another module, and not exist — except the folder of
 * the module being upgraded.
 */
function targetFolder(env: Environment, module: string, folder: string | undefined, replacing: ModuleInfo | undefined): string {
  if (replacing) {
    if (folder !== undefined && realPathOf(resolve(env.root, folder)) !== replacing.folder) {
      throw new SealError(`refused: --folder differs from the folder of the installed ${module} (${rel(env, replacing.folder)})`);
    }
    return replacing.folder;
  }
  const target = realPathOf(resolve(env.root, folder ?? join('modules', kebab(module))));
  if (!isInside(env.root, target) || target === env.root) throw new SealError(`refused: --folder ${folder} is not inside the environment`);
  const r = relative(env.root, target).split(sep);
  if (r.some((s) => s.startsWith('.') || s === 'node_modules'))
    throw new SealError(`refused: ${r.join('/')} is below a dot-folder or node_modules, where modules are not found`);
  if (existsSync(target)) throw new SealError(`refused: ${r.join('/')} already exists; choose another --folder`);
  const enclosing = env.modules.find((m) => isInside(m.folder, target));
  if (enclosing)
    throw new SealError(
      `refused: ${r.join('/')} is inside the module folder ${rel(env, enclosing.folder)}; a sealed module cannot be nested in another module`,
    );
  return target;
}

/** `OrderAPI` → `order-api`, `Common` → `common`. */
export function kebab(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .replace(/_/g, '-')
    .toLowerCase();
}

// ----- unseal

/** SPEC 9 `unseal`: decrypt `sources.age` with an identity of `--key` and unpack it into DIR. */
async function unseal(envFolder: string, moduleName: string, o: { key: string; out: string }, out: SealOutput): Promise<number> {
  const env = open(envFolder);
  const info = env.modules.find((m) => m.sealed && (m.manifest?.name === moduleName || m.name === moduleName));
  if (!info) throw new SealError(`there is no sealed module named '${moduleName}' in ${envFolder}`);
  const identities = readAgeIdentities(o.key);
  const read = readSealedFolder(info.folder);
  if ('error' in read) throw new SealError(`refused: ${read.error}`);
  let seal: SealFile | undefined;
  try {
    seal = sealSchema.parse(JSON.parse(read.files[SEAL_FILE].toString('utf8')));
  } catch {
    throw new SealError(`refused: tampered file: ${SEAL_FILE} of ${moduleName} is not a valid seal`);
  }
  if (sha256Hex(read.files[SOURCES_FILE]) !== seal.sha256[SOURCES_FILE]) {
    throw new SealError(`refused: tampered file: ${SOURCES_FILE} of ${moduleName} does not match its seal`);
  }
  const target = resolve(o.out);
  if (existsSync(target) && (!lstatSync(target).isDirectory() || readdirSync(target).length > 0)) {
    throw new SealError(`${o.out} already exists and is not an empty folder`);
  }
  if (!existsSync(dirname(target))) throw new SealError(`the folder ${dirname(target)} does not exist`);
  const dec = new Decrypter();
  for (const id of identities) dec.addIdentity(id);
  let plain: Uint8Array;
  try {
    plain = await dec.decrypt(read.files[SOURCES_FILE]);
  } catch {
    throw new SealError(
      `refused: the key in ${o.key} cannot decrypt the sources of ${moduleName} (it is neither the publisher's key nor a recipient of this seal)`,
    );
  }
  const entries = await listSourcesTar(plain);
  const stage = mkdtempSync(join(dirname(target), `.${basename(target)}.unseal-`));
  try {
    chmodSync(stage, 0o777 & ~process.umask());
    await extractSourcesTar(plain, stage);
    if (existsSync(target)) rmdirSync(target);
    renameSync(stage, target);
  } catch (e) {
    rmSync(stage, { recursive: true, force: true });
    throw e;
  }
  const n = entries.filter((e) => e.type === 'File').length;
  out.stdout(`restored ${n} files of ${moduleName} ${seal.version} (sealed by ${seal.publisher}) into ${o.out}\n`);
  return 0;
}

/** The age identities (`AGE-SECRET-KEY-1…` lines) of a key file: a keygen file or any age identity file. */
function readAgeIdentities(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new SealError(`cannot read the key file ${path}`);
  }
  const ids = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.startsWith('AGE-SECRET-KEY-1'));
  if (ids.length === 0) throw new SealError(`${path} holds no age identity (AGE-SECRET-KEY-1…)`);
  return ids;
}

// ----- helpers

function open(folder: string): Environment {
  try {
    const env = loadEnvironment(folder);
    if (!existsSync(env.policyPath)) throw new Error(`${folder} is not an environment: it has no environment.json`);
    return env;
  } catch (e) {
    throw new SealError((e as Error).message, 2);
  }
}

function readText(p: string): string | undefined {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}

function rel(env: Environment, p: string): string {
  return relative(env.root, p).split(sep).join('/');
}

/** A temporary name next to `target` (same folder, so a rename is atomic). */
function tempName(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${Date.now().toString(36)}.tmp`);
}
