// The architecture's invariants that can be read off the source (docs/ARCHITECTURE.md), checked
// like lint rules: each test names the invariant it keeps and fails on a deliberate wrong import.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const REPO = path.resolve(__dirname, '..');

function sources(folder: string): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(dir)) {
      const p = path.join(dir, name);
      if (fs.statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.ts')) out.push({ file: path.relative(REPO, p).split(path.sep).join('/'), text: fs.readFileSync(p, 'utf8') });
    }
  };
  walk(path.join(REPO, folder));
  return out;
}

/** The module specifiers a file imports (static imports, `import type` included, and require). */
export function importsOf(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]/gm)) out.push(m[1]);
  for (const m of text.matchAll(/\brequire\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]);
  for (const m of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) out.push(m[1]);
  return out;
}

/** Violations of the layer rule (invariant 9) in one file, or `[]`. */
export function layerViolations(file: string, text: string): string[] {
  const bad: string[] = [];
  for (const spec of importsOf(text)) {
    const target = spec.startsWith('.') ? path.posix.join(path.posix.dirname(file), spec) : spec;
    if (file.startsWith('shared/') && (spec === 'vscode' || target.startsWith('server/') || target.startsWith('client/'))) bad.push(`${file} imports ${spec}`);
    if (file.startsWith('server/') && spec === 'vscode') bad.push(`${file} imports vscode`);
    if (file.startsWith('client/') && target.startsWith('server/')) bad.push(`${file} imports ${spec}`);
  }
  return bad;
}

describe('architecture invariants (docs/ARCHITECTURE.md)', () => {
  const all = [...sources('shared'), ...sources('server'), ...sources('client')];

  test('9. layers: shared/ imports neither vscode, server/ nor client/; server/ never vscode; client/ never server/', () => {
    assert.deepEqual(all.flatMap((f) => layerViolations(f.file, f.text)), []);
  });

  test('9. the layer rule catches a deliberate wrong import', () => {
    assert.equal(layerViolations('shared/program/x.ts', "import { Workspace } from '../../server/workspace';").length, 1);
    assert.equal(layerViolations('shared/x.ts', "import * as vscode from 'vscode';").length, 1);
    assert.equal(layerViolations('server/features/x.ts', "import type { Uri } from 'vscode';").length, 1);
    assert.equal(layerViolations('client/x.ts', "import { Disk } from '../server/disk';").length, 1);
    assert.equal(layerViolations('client/x.ts', "import { Methods } from '../shared/protocol';").length, 0);
  });

  test('1. one decision: only shared/access/ applies the effective-access rule', () => {
    const callers = all.filter((f) => !f.file.startsWith('shared/access/') && /\bresolve(Module)?Access\(/.test(f.text)).map((f) => f.file);
    assert.deepEqual(callers, []);
  });

  test('2. no way around the gate: nothing reaches the unfiltered Program through a view', () => {
    const users = all
      .filter((f) => !f.file.startsWith('shared/program/') && f.file !== 'server/workspace.ts' && /\bview\.program\b|\)\.program\./.test(f.text))
      .map((f) => f.file);
    assert.deepEqual(users, []);
    const program = fs.readFileSync(path.join(REPO, 'shared/program/program.ts'), 'utf8');
    assert.match(program, /private readonly program: Program/, 'UserProgram keeps its Program private');
  });

  test('3. module content is read only through server/disk.ts: IDE features never import node:fs', () => {
    const allowed = new Set(['server/disk.ts', 'server/workspace.ts', 'server/filesystem.ts', 'server/cli.ts', 'server/uris.ts', 'server/environment-root.ts', 'server/features/diskWatcher.ts', 'server/timing.ts']);
    const fsUsers = all
      .filter((f) => f.file.startsWith('server/') && importsOf(f.text).some((s) => s === 'node:fs' || s === 'fs' || s === 'node:fs/promises'))
      .map((f) => f.file)
      .filter((f) => !allowed.has(f) && !f.startsWith('server/host/') && !f.startsWith('server/seal/') && !f.startsWith('server/cli/'));
    assert.deepEqual(fsUsers, []);
  });

  test('10. the client never reads environment.json', () => {
    const readers = sources('client')
      .filter((f) => /readFileSync\([^)]*environment\.json|join\([^)]*'environment\.json'\)[^;]*readFile/.test(f.text))
      .map((f) => f.file);
    assert.deepEqual(readers, []);
  });
});
