// The architecture's invariants that can be read off the source (docs/ARCHITECTURE.md), checked
// like lint rules: each test names the invariant it keeps and fails on a deliberate wrong import.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ESLint } from 'eslint';
import { EditorMethods, Methods, Notifications, Requests } from '../shared/protocol';

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

/** The module specifiers a file imports (static imports, `import type` included, require, and `import('…')` — a dynamic import or a `typeof import('…')` type). */
export function importsOf(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]);
  for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]/gm)) out.push(m[1]);
  for (const m of text.matchAll(/\brequire\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]);
  for (const m of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) out.push(m[1]);
  return out;
}

/**
 * The import cycles among `files` (strongly connected components of more than one file), counting
 * only imports that load code at run time (`import type` is left out: it is erased).
 */
export function importCycles(files: { file: string; text: string }[]): string[][] {
  const known = new Set(files.map((f) => f.file));
  const resolveSpec = (from: string, spec: string): string | undefined => {
    const base = path.posix.join(path.posix.dirname(from), spec);
    return [`${base}.ts`, `${base}/index.ts`].find((c) => known.has(c));
  };
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const deps: string[] = [];
    for (const m of f.text.matchAll(/^\s*(?:import|export)\s(?!type\b)[^;]*?from\s+['"](\.[^'"]+)['"]/gm)) {
      const target = resolveSpec(f.file, m[1]);
      if (target) deps.push(target);
    }
    graph.set(f.file, deps);
  }
  // Tarjan's strongly connected components.
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)!) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
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
    assert.deepEqual(
      all.flatMap((f) => layerViolations(f.file, f.text)),
      [],
    );
  });

  test('9. the layer rule catches a deliberate wrong import', () => {
    assert.equal(layerViolations('shared/program/x.ts', "import { Workspace } from '../../server/workspace';").length, 1);
    assert.equal(layerViolations('shared/x.ts', "import * as vscode from 'vscode';").length, 1);
    assert.equal(layerViolations('server/features/x.ts', "import type { Uri } from 'vscode';").length, 1);
    assert.equal(layerViolations('client/x.ts', "import { Disk } from '../server/disk';").length, 1);
    assert.equal(layerViolations('client/x.ts', "import { Methods } from '../shared/protocol';").length, 0);
    // Dynamic imports and import types count too (found by a tester: they passed both checks).
    assert.equal(layerViolations('server/x.ts', "const v = await import('vscode');").length, 1);
    assert.equal(layerViolations('shared/x.ts', "type V = typeof import('vscode');").length, 1);
    assert.equal(layerViolations('client/x.ts', "const d = await import('../server/disk');").length, 1);
  });

  test('9. ESLint enforces the layer rule (eslint.config.mjs): a deliberate wrong import in a temp file is reported', async () => {
    // Real files in the layers' folders, so that the config's per-folder blocks apply as to any
    // source; the type-checked rules are switched off for them (they need the whole program and
    // say nothing about imports).
    const probes: [file: string, text: string, bad: boolean][] = [
      ['shared/program', "import { Workspace } from '../../server/workspace';\nexport type W = Workspace;\n", true],
      ['shared', "import type { Uri } from 'vscode';\nexport type U = Uri;\n", true],
      ['shared', "export { activate } from '../client/extension';\n", true],
      ['server/features', "import type { Uri } from 'vscode';\nexport type U = Uri;\n", true],
      ['server', "export { activate } from '../client/extension';\n", true],
      ['client', "import { Disk } from '../server/disk';\nexport const d = Disk;\n", true],
      ['client', "import { Methods } from '../shared/protocol';\nexport const m = Methods;\n", false],
      ['server', "export const v = () => import('vscode');\n", true],
      ['shared', "export type V = typeof import('vscode');\n", true],
      ['client', "export const d = () => import('../server/disk');\n", true],
      ['server', "import { Methods } from '../shared/protocol';\nexport const m = Methods;\n", false],
    ];
    const files = probes.map(([dir], i) => path.join(REPO, dir, `layer-rule-probe-${process.pid}-${i}.ts`));
    try {
      probes.forEach(([, text], i) => fs.writeFileSync(files[i], text));
      const eslint = new ESLint({
        cwd: REPO,
        overrideConfig: [
          {
            languageOptions: { parserOptions: { projectService: false } },
            rules: {
              '@typescript-eslint/no-floating-promises': 'off',
              '@typescript-eslint/no-misused-promises': 'off',
              '@typescript-eslint/await-thenable': 'off',
            },
          },
        ],
      });
      const results = await eslint.lintFiles(files);
      const reported = (file: string) =>
        results
          .find((r) => r.filePath === file)!
          .messages.filter((m) => (m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax') && /Layer rule/.test(m.message)).length;
      assert.deepEqual(
        files.map((f) => reported(f)),
        probes.map(([, , bad]) => (bad ? 1 : 0)),
      );
    } finally {
      for (const f of files) fs.rmSync(f, { force: true });
    }
  });

  test('9. no import cycle (e.g. server/workspace.ts ↔ server/filesystem.ts)', () => {
    assert.deepEqual(importCycles(all), []);
    // The check itself finds a deliberate cycle.
    assert.deepEqual(
      importCycles([
        { file: 'server/a.ts', text: "import { b } from './b';" },
        { file: 'server/b.ts', text: "export { a } from './a';" },
        { file: 'server/c.ts', text: "import type { a } from './a';" },
      ]),
      [['server/a.ts', 'server/b.ts']],
    );
  });

  test('the custom protocol is typed in one place: every method has a typed object, and no method name is written elsewhere', () => {
    const typed = [...Object.values(Requests), ...Object.values(Notifications)].map((t) => t.method).sort();
    assert.deepEqual(typed, [...Object.values(Methods), ...Object.values(EditorMethods)].sort());
    const literal = /['"`]protectedModules\/\w+/;
    const writers = all
      .filter((f) => !f.file.startsWith('shared/protocol/'))
      .filter((f) => f.text.split('\n').some((line) => !/^\s*(\/\/|\*|\/\*)/.test(line) && literal.test(line)))
      .map((f) => f.file);
    assert.deepEqual(writers, []);
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
    const allowed = new Set([
      'server/disk.ts',
      'server/workspace.ts',
      'server/filesystem.ts',
      'server/atomicWrite.ts',
      'server/cli.ts',
      'server/uris.ts',
      'server/environment-root.ts',
      'server/features/diskWatcher.ts',
      'server/timing.ts',
    ]);
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
