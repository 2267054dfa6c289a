/**
 * Shared setup of the sealed-module tests (SPEC 9, issue 11): copies of `examples/acme` and
 * `examples/client` in a temp folder (examples/ itself is never modified), a fresh publisher key,
 * the client's `trustedPublishers.acme` set to it, OrderAPI sealed for `globex-retail` and
 * installed — all through the built CLI (`node dist/cli.js`).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Header } from 'tar';
import { parse } from '../../shared/language/parser';
import { REPO, ensureBuilt } from '../server/lsp-client';
import { cli as runCli, type Run } from '../cli/run';

export const CLI = path.join(REPO, 'dist', 'cli.js');
export const ORDER_API_SRC = path.join(REPO, 'examples', 'acme', 'modules', 'order-api');
/** The committed placeholder key of examples/client (its private half does not exist). */
export const PLACEHOLDER_KEY = 'ed25519:9Nl0nNBM4w+u/sl08KIlH3+5cMMBmXikr7XzLzuwFFc=';

export type { Run } from '../cli/run';

/** Runs the built CLI (in `cwd`, default the repository), without `PROTECTED_MODULES_USER`. */
export function cli(args: string[], cwd = REPO): Run {
  return runCli(args, {}, cwd);
}

/** Runs an outside program (age, tar, openssl). */
export function tool(cmd: string, args: string[], options: { cwd?: string; input?: Buffer } = {}): { code: number | null; stdout: Buffer; stderr: string } {
  const r = spawnSync(cmd, args, { cwd: options.cwd, input: options.input, maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw new Error(`${cmd} could not be run (${r.error.message}); install it (see .ci/run)`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
}

/** A finished setup. */
export interface Sealed {
  /** The temp folder holding everything. */
  dir: string;
  acme: string;
  /** The client environment (real path); its folder name is `client`. */
  client: string;
  /** The publisher key file and its .pub. */
  key: string;
  pub: string;
  /** The sealed OrderAPI. */
  pmod: string;
  /** Where it was installed. */
  installed: string;
}

/** Sets the `acme` trusted publisher of a client copy to `keyText` (textual edit: the file is JSONC). */
export function trust(client: string, keyText: string): void {
  const p = path.join(client, 'environment.json');
  const text = fs.readFileSync(p, 'utf8');
  assert.ok(text.includes(PLACEHOLDER_KEY), 'examples/client trusts acme with the placeholder key');
  fs.writeFileSync(p, text.replace(PLACEHOLDER_KEY, keyText));
}

/** The second line of a K.pub: `ed25519:<base64>`. */
export function signingKeyOf(pub: string): string {
  const lines = fs.readFileSync(pub, 'utf8').trim().split('\n');
  assert.equal(lines.length, 2);
  assert.match(lines[0], /^age1[0-9a-z]+$/);
  assert.match(lines[1], /^ed25519:[A-Za-z0-9+/]{43}=$/);
  return lines[1];
}

/** Copies the examples, makes a key, trusts it, seals OrderAPI for globex-retail and installs it. */
export function sealAndInstall(options: { install?: boolean } = {}): Sealed {
  ensureBuilt();
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'pm-seal-test-')));
  const acme = path.join(dir, 'acme');
  const client = path.join(dir, 'client');
  fs.cpSync(path.join(REPO, 'examples', 'acme'), acme, { recursive: true });
  fs.cpSync(path.join(REPO, 'examples', 'client'), client, { recursive: true });
  const key = path.join(dir, 'acme.key');
  let r = cli(['keygen', '--out', key]);
  assert.equal(r.code, 0, r.stderr);
  trust(client, signingKeyOf(`${key}.pub`));
  const pmod = path.join(dir, 'OrderAPI-1.4.0.pmod');
  r = cli(['seal', acme, 'OrderAPI', '--key', key, '--publisher', 'acme', '--for', 'globex-retail', '--out', pmod]);
  assert.equal(r.code, 0, r.stderr);
  const installed = path.join(client, 'modules', 'order-api');
  if (options.install !== false) {
    r = cli(['install', client, pmod]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /installed OrderAPI 1\.4\.0 sealed by acme/);
  }
  return { dir, acme, client, key, pub: `${key}.pub`, pmod, installed };
}

/** Every file below `dir` (absolute paths), links not followed. */
export function allFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...allFiles(p));
    else if (e.isFile()) out.push(p);
  }
  return out.sort();
}

/**
 * OrderAPI's private canaries, from its sources (examples/acme/modules/order-api): the names of its
 * private elements, its plain `//` comments, and the string literals of its bodies — minus words
 * that its published interface (`cli interface` on examples/acme as the owner) shows on purpose.
 */
export function privateCanaries(publicInterface: string): string[] {
  const words = new Set<string>();
  for (const f of allFiles(ORDER_API_SRC).filter((p) => p.endsWith('.logic'))) {
    const text = fs.readFileSync(f, 'utf8');
    for (const d of parse(text).declarations) if (!d.isPublic) words.add(d.name.name);
    for (const m of text.matchAll(/(?<!\/)\/\/(?!\/)\s*(.{16,})$/gm)) words.add(m[1].trim());
    for (const m of text.matchAll(/"([^"\n]{6,})"/g)) words.add(m[1]);
    words.add(path.relative(ORDER_API_SRC, f).split(path.sep).join('/'));
  }
  return [...words].filter((w) => !publicInterface.includes(w));
}

/** Occurrences of each canary in `bytes` (UTF-8). */
export function canaryHits(bytes: Buffer, canaries: string[]): string[] {
  const text = bytes.toString('latin1');
  return canaries.filter((c) => text.includes(Buffer.from(c, 'utf8').toString('latin1')));
}

/** One ustar entry built by hand (tar's Header), body padded to 512 bytes; `size` may lie. */
export function tarEntry(name: string, body: Buffer, options: { type?: string; size?: number; linkpath?: string } = {}): Buffer {
  const h = new Header({
    path: name,
    mode: 0o644,
    size: options.size ?? body.length,
    mtime: new Date(0),
    type: (options.type ?? 'File') as never,
    linkpath: options.linkpath,
    uid: 0,
    gid: 0,
  });
  const block = Buffer.alloc(512);
  h.encode(block, 0);
  return Buffer.concat([block, body, Buffer.alloc((512 - (body.length % 512)) % 512)]);
}

/** A tar of `entries` with the two closing zero blocks. */
export function tarOf(entries: Buffer[]): Buffer {
  return Buffer.concat([...entries, Buffer.alloc(1024)]);
}

/** The four files of a .pmod, extracted with GNU tar. */
export function pmodFiles(pmod: string): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const n of ['module.json', 'INTERFACE.logic', 'sources.age', 'SEAL.json']) {
    const r = tool('tar', ['-xOf', pmod, n]);
    assert.equal(r.code, 0, r.stderr);
    out[n] = r.stdout;
  }
  return out;
}

/** A snapshot of every file below `dir` (path → bytes) to prove that nothing was written. */
export function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        out.set(p + '/', 'dir');
        walk(p);
      } else out.set(p, fs.readFileSync(p).toString('base64'));
    }
  };
  walk(dir);
  return out;
}
