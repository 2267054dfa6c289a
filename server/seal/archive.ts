/**
 * Archives of sealed modules (SPEC 9), through `tar` v7 — never home-made tar code:
 * - {@link packFolderFiles}: a tar of some files of a folder (the `.pmod`, and the sources tar that
 *   is encrypted into `sources.age`);
 * - {@link readPmod}: the four files of a `.pmod`, read in memory under size limits, refusing
 *   anything but those four regular files (no links, no folders, no `../`, no second copy);
 * - {@link listSourcesTar} / {@link extractSourcesTar}: the decrypted sources tar of `unseal`,
 *   checked entry by entry (regular files and folders only, relative paths without `..`, limits)
 *   before anything is extracted.
 *
 * Limits are checked on the sizes the headers claim, before any body is taken in, so an archive
 * claiming 1 GB is refused without reading (or allocating) 1 GB. Values: docs/DECISIONS.md.
 */
import { statSync, readFileSync } from 'node:fs';
import * as tar from 'tar';
import { SEALED_FILES, SEALED_FILE_LIMITS, type SealedFileName } from '../../shared/environment/seal';

/** The largest `.pmod` accepted, in bytes (its four files' limits plus tar overhead). */
export const MAX_PMOD_BYTES = Object.values(SEALED_FILE_LIMITS).reduce((a, b) => a + b, 0) + 64 * 1024;
/** The most bytes the sources of one sealed module may unpack to (`unseal`). */
export const MAX_SOURCES_BYTES = 256 * 1024 * 1024;
/** The most entries the sources tar of one sealed module may hold (`unseal`). */
export const MAX_SOURCES_ENTRIES = 20_000;

/** An archive problem, with a message for people (the CLI prints it as is). */
export class ArchiveError extends Error {}

/**
 * Packs `files` (paths relative to `cwd`, `/`-separated, regular files and folders) into a tar
 * (POSIX ustar/pax, portable: no user or group names, no atime/ctime).
 * @param cwd the folder the paths are relative to
 * @param files the entries, in the order they are written
 * @param out the tar file to write
 */
export async function packFolderFiles(cwd: string, files: string[], out: string): Promise<void> {
  await tar.create({ cwd, file: out, portable: true, noDirRecurse: true }, files);
}

/** True when the bytes start with a tar header (`ustar` magic at offset 257). */
function looksLikeTar(bytes: Uint8Array): boolean {
  return bytes.length >= 512 && Buffer.from(bytes.subarray(257, 262)).toString('latin1') === 'ustar';
}

/** Parses a tar held in memory; `onEntry` decides per entry (throw an ArchiveError to refuse). */
function parseTar(bytes: Uint8Array, onEntry: (entry: tar.ReadEntry) => void): Promise<void> {
  return new Promise<void>((resolvePromise, reject) => {
    let failed: Error | undefined;
    const fail = (e: unknown) => {
      if (!failed) failed = e instanceof Error ? e : new Error(String(e));
    };
    const parser = new tar.Parser({
      strict: true,
      onReadEntry(entry) {
        if (failed) {
          entry.resume();
          return;
        }
        try {
          onEntry(entry);
        } catch (e) {
          fail(e);
          entry.resume();
        }
      },
    });
    parser.on('error', (e: Error) => fail(new ArchiveError(`damaged archive: ${e.message.split('\n')[0]}`)));
    parser.on('close', () => (failed ? reject(failed) : resolvePromise()));
    try {
      parser.end(Buffer.from(bytes));
    } catch (e) {
      fail(new ArchiveError(`damaged archive: ${(e as Error).message.split('\n')[0]}`));
      reject(failed);
    }
  });
}

/**
 * Reads the four files of a `.pmod` (SPEC 9) into memory.
 * @param path the archive
 * @returns each file's bytes
 * @throws ArchiveError (one sentence) when the file is missing, larger than {@link MAX_PMOD_BYTES},
 *   not an uncompressed tar, truncated or damaged, or holds anything but exactly one regular file
 *   of each of `module.json`, `INTERFACE.logic`, `sources.age`, `SEAL.json` within their limits —
 *   a link, a folder, a path with `/` or `..`, an entry claiming more than its limit
 */
export async function readPmod(path: string): Promise<Record<SealedFileName, Buffer>> {
  let bytes: Buffer;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new ArchiveError(`${path} is not a file`);
    if (st.size > MAX_PMOD_BYTES) throw new ArchiveError(`${path} is larger than the ${MAX_PMOD_BYTES} bytes a sealed module may have`);
    bytes = readFileSync(path);
  } catch (e) {
    if (e instanceof ArchiveError) throw e;
    throw new ArchiveError(`cannot read ${path}`);
  }
  if (!looksLikeTar(bytes)) throw new ArchiveError(`${path} is not a sealed module (.pmod): not an uncompressed tar archive`);
  const out: Partial<Record<SealedFileName, Buffer>> = {};
  // Each body is collected by its own promise, which never rejects (a problem is returned), so
  // that a parse failure and a truncated body cannot both surface as rejections.
  const pending: Promise<ArchiveError | undefined>[] = [];
  const parsed = parseTar(bytes, (entry) => {
    const name = entry.path;
    if (entry.type !== 'File' && entry.type !== 'OldFile') {
      throw new ArchiveError(`refused archive: entry '${name}' is a ${entry.type}, only the four files of a sealed module are allowed`);
    }
    if (!(SEALED_FILES as readonly string[]).includes(name)) {
      throw new ArchiveError(`refused archive: unexpected entry '${name}' (a sealed module holds only ${SEALED_FILES.join(', ')})`);
    }
    const file = name as SealedFileName;
    if (out[file] || pending.length >= SEALED_FILES.length) throw new ArchiveError(`refused archive: '${name}' appears twice`);
    const limit = SEALED_FILE_LIMITS[file];
    if ((entry.size ?? 0) > limit) throw new ArchiveError(`refused archive: '${name}' claims ${entry.size} bytes, more than the ${limit} allowed`);
    const chunks: Buffer[] = [];
    let got = 0;
    out[file] = Buffer.alloc(0);
    pending.push(
      new Promise<ArchiveError | undefined>((done) => {
        entry.on('data', (c: Buffer) => {
          got += c.length;
          if (got <= limit) chunks.push(c);
        });
        entry.on('end', () => {
          if (got !== entry.size || got > limit) done(new ArchiveError(`damaged archive: '${name}' is truncated`));
          else {
            out[file] = Buffer.concat(chunks);
            done(undefined);
          }
        });
      }),
    );
  });
  try {
    await parsed;
  } finally {
    // Entries that ended early still settle their promise; wait so nothing is left dangling.
    await Promise.race([Promise.all(pending), new Promise((r) => setImmediate(r))]);
  }
  const bodyErrors = await Promise.all(pending);
  const firstError = bodyErrors.find((e) => e !== undefined);
  if (firstError) throw firstError;
  for (const f of SEALED_FILES) if (!out[f]) throw new ArchiveError(`refused archive: ${f} is missing from ${path}`);
  return out as Record<SealedFileName, Buffer>;
}

/** One entry of a sources tar, checked. */
export interface SourcesEntry {
  path: string;
  type: 'File' | 'Directory';
  size: number;
}

/**
 * Lists a decrypted sources tar (`unseal`) and checks every entry: regular files and folders
 * only, relative `/`-separated paths with no `..`, `.` or empty segment, no absolute path, total
 * size and entry count within {@link MAX_SOURCES_BYTES} / {@link MAX_SOURCES_ENTRIES}.
 * @throws ArchiveError naming the first offending entry
 */
export async function listSourcesTar(bytes: Uint8Array): Promise<SourcesEntry[]> {
  if (!looksLikeTar(bytes)) throw new ArchiveError('the decrypted sources are not a tar archive');
  const entries: SourcesEntry[] = [];
  let total = 0;
  await parseTar(bytes, (entry) => {
    const p = entry.path.replace(/\/+$/, '');
    const type = entry.type === 'OldFile' ? 'File' : entry.type;
    if (type !== 'File' && type !== 'Directory') throw new ArchiveError(`refused sources: '${entry.path}' is a ${entry.type}`);
    if (p === '' || p.startsWith('/') || /^[A-Za-z]:/.test(p) || p.split('/').some((s) => s === '..' || s === '.' || s === '') || p.includes('\\')) {
      throw new ArchiveError(`refused sources: unsafe path '${entry.path}'`);
    }
    total += entry.size ?? 0;
    if (entries.length >= MAX_SOURCES_ENTRIES || total > MAX_SOURCES_BYTES) throw new ArchiveError('refused sources: more than a sealed module may unpack to');
    entries.push({ path: p, type, size: entry.size ?? 0 });
    entry.resume();
  });
  return entries;
}

/**
 * Extracts a sources tar already checked by {@link listSourcesTar} into `dir` (which must exist
 * and be empty). Only regular files and folders are written; permissions are not taken from the
 * archive beyond the usual umask.
 */
export async function extractSourcesTar(bytes: Uint8Array, dir: string): Promise<void> {
  await new Promise<void>((resolvePromise, reject) => {
    const x = tar.extract({
      cwd: dir,
      strict: true,
      preservePaths: false,
      noChmod: true,
      filter: (_p, e) => 'type' in e && (e.type === 'File' || e.type === 'OldFile' || e.type === 'Directory'),
    });
    x.on('error', (e: Error) => reject(new ArchiveError(`cannot unpack the sources: ${e.message.split('\n')[0]}`)));
    x.on('close', () => resolvePromise());
    x.end(Buffer.from(bytes));
  });
}
