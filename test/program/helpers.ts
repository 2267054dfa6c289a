/**
 * Test helpers for the Program: build a small environment in a temporary folder (environment.json,
 * module.json files and .logic sources), load it with `loadEnvironment`, and build a Program over
 * an in-memory overlay host (so tests can change a file's text without touching the disk).
 */
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { loadEnvironment } from '../../shared/environment/load';
import { Program } from '../../shared/program/program';
import type { Diagnostic } from '../../shared/language/diagnostics';
import type { Declaration, TypeNode } from '../../shared/language/ast';
import type { Environment } from '../../shared/environment/model';

/** A module to write: its folder (relative), manifest fields and files (relative to the folder → text). */
export interface ModuleSpec {
  folder?: string;
  manifest: Record<string, unknown> | string;
  files: Record<string, string>;
}

/** A built test environment. */
export interface TestEnv {
  root: string;
  env: Environment;
  program: Program;
  overlay: Map<string, string>;
  /** Absolute path of a file given relative to the root. */
  path(rel: string): string;
  /** Changes a file's text in the overlay and tells the Program. */
  edit(rel: string, text: string): void;
  dispose(): void;
}

export const DEFAULT_POLICY = {
  name: 'Test',
  admins: ['admin'],
  users: {
    alice: { displayName: 'Alice Owner', groups: ['core'] },
    bob: { groups: ['contractors'] },
    carol: { groups: ['reviewers'] },
    dave: { groups: ['listers'] },
    erin: { groups: ['openers'] },
    nobody: { groups: [] },
    admin: { groups: [] },
  },
  defaultAccess: 'change',
  grants: [
    { module: 'OrderAPI', to: 'group:contractors', access: 'reference' },
    { module: 'OrderAPI', to: 'group:listers', access: 'list' },
    { module: 'OrderAPI', to: 'group:openers', access: 'open' },
    { module: '*', to: 'group:reviewers', access: 'reference' },
  ],
};

/**
 * Writes an environment to a fresh temp folder and loads it.
 * @param modules module name → spec (the folder defaults to the lower-cased name)
 * @param policy environment.json content (object or raw text)
 */
export function makeEnv(modules: Record<string, ModuleSpec>, policy: unknown = DEFAULT_POLICY): TestEnv {
  const root = mkdtempSync(join(tmpdir(), 'pm-program-'));
  writeFileSync(join(root, 'environment.json'), typeof policy === 'string' ? policy : JSON.stringify(policy, null, 2));
  for (const [name, spec] of Object.entries(modules)) {
    const folder = join(root, spec.folder ?? name.toLowerCase());
    mkdirSync(folder, { recursive: true });
    const manifest =
      typeof spec.manifest === 'string'
        ? spec.manifest
        : JSON.stringify({ name, version: '1.0.0', kind: 'service', owner: 'alice', ...spec.manifest }, null, 2);
    writeFileSync(join(folder, 'module.json'), manifest);
    for (const [rel, text] of Object.entries(spec.files)) {
      const p = join(folder, rel);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, text);
    }
  }
  const env = loadEnvironment(root);
  const overlay = new Map<string, string>();
  const program = new Program(env, {
    readFile: (p) => {
      if (overlay.has(p)) return overlay.get(p);
      try {
        return readFileSync(p, 'utf8');
      } catch {
        return undefined;
      }
    },
  });
  const path = (rel: string) => join(env.root, rel);
  return {
    root: env.root,
    env,
    program,
    overlay,
    path,
    edit(rel, text) {
      overlay.set(path(rel), text);
      program.updateFile(path(rel));
    },
    dispose() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Diagnostics as compact tuples `[code, line, character, endLine, endCharacter]` for assertions. */
export function codes(ds: Diagnostic[]): [string, number, number, number, number][] {
  return ds.map((d) => [d.code, d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character]);
}

/**
 * The 0-based position of the `n`-th occurrence (default first) of `needle` in `text`, plus its
 * end; for asserting ranges without counting by hand.
 */
export function find(text: string, needle: string, n = 0): { line: number; character: number; endCharacter: number } {
  let idx = -1;
  for (let i = 0; i <= n; i++) {
    idx = text.indexOf(needle, idx + 1);
    if (idx < 0) throw new Error(`'${needle}' (#${n}) not found`);
  }
  const before = text.slice(0, idx);
  const line = before.split('\n').length - 1;
  const character = idx - (before.lastIndexOf('\n') + 1);
  return { line, character, endCharacter: character + needle.length };
}

/**
 * A comparable summary of the public declarations of an interface document's source (SPEC 3.5,
 * 4.1), in the interface's order (by name, stable for duplicate names): each structure with its
 * fields, each server action with its inputs, outputs and `tagsOf` (its documented parameters);
 * `undefined` for other public declarations (screens left out). Types are written by `mapType`.
 */
export function publicSummary(
  decls: Declaration[],
  mapType: (t: TypeNode | undefined) => string,
  tagsOf: (d: Declaration & { kind: 'ServerAction' }) => Record<string, string>,
) {
  const sorted = [...decls].sort((a, b) => (a.name.name < b.name.name ? -1 : a.name.name > b.name.name ? 1 : 0));
  return sorted
    .filter((d) => d.isPublic && d.kind !== 'Screen')
    .map((d) =>
      d.kind === 'Structure'
        ? {
            kind: 'structure',
            name: d.name.name,
            doc: d.doc?.text.trim() ?? '',
            fields: d.fields.map((f) => ({ name: f.name.name, type: mapType(f.type), doc: f.doc?.text.trim() ?? '' })),
          }
        : d.kind === 'ServerAction'
          ? {
              kind: 'serverAction',
              name: d.name.name,
              doc: d.doc?.text.trim() ?? '',
              params: d.params.map((p) => ({ name: p.name.name, type: mapType(p.type), optional: !!p.default })),
              returns: d.returns.map((p) => ({ name: p.name.name, type: mapType(p.type) })),
              tags: tagsOf(d),
            }
          : undefined,
    );
}
