/**
 * The `breaking-change` warning (SPEC 10): for a user with `full` on a module, each public element
 * of an edited `.logic` document whose edit breaks the interface of the last *saved* version (the
 * file on disk) gets a warning on its name naming the change and how many call sites in how many
 * modules it breaks.
 *
 * Cheap by construction: nothing is computed unless the user has `full` on the module and the
 * document differs from its file; then only this file's public elements are compared, one by one
 * (`diffElement`, shared/interface/diff.ts), the saved file is parsed once per change on disk
 * (cached by modification time and size), and the call sites come from `consumersOf`, which
 * examines each consumer file once per parse.
 *
 * An element that left this file but is still public in another file of the module was moved:
 * no warning. One that became private is "made private" (on its name); one that is gone is
 * "removed" (on the line where it was, or the last line).
 *
 * No leak: only the module's owner-level users get here; the counts cover consumers they may list
 * (shared/interface/consumers.ts).
 */
import type { Disk } from '../disk';
import type { Range, SourceFile } from '../../shared/language/ast';
import type { Diagnostic } from '../../shared/language/diagnostics';
import { parse } from '../../shared/language/parser';
import { atLeast } from '../../shared/access/levels';
import type { ModuleInfo } from '../../shared/environment/model';
import type { UserProgram } from '../../shared/program/program';
import { modelFromDeclarations } from '../../shared/interface/model';
import { type InterfaceChange, diffElement } from '../../shared/interface/diff';
import { type Consumer, consumersOf } from '../../shared/interface/consumers';

interface Saved {
  mtimeMs: number;
  size: number;
  text: string;
  file: SourceFile;
}

const saved = new Map<string, Saved>();

/**
 * The file on disk (a path the gate decided), read by handle (`server/disk.ts`), parsed; cached by
 * modification time and size. `undefined` when it cannot be read.
 */
function savedFile(disk: Disk, path: string): Saved | undefined {
  const h = disk.open(path);
  if (!h) {
    saved.delete(path);
    return undefined;
  }
  const st = h.stat;
  const hit = saved.get(path);
  let bytes: Buffer | undefined;
  try {
    if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit;
    bytes = disk.readHandle(h);
  } finally {
    disk.close(h.fd);
  }
  if (!bytes) return undefined;
  const text = bytes.toString('utf8');
  const entry = { mtimeMs: st.mtimeMs, size: st.size, text, file: parse(text) };
  saved.set(path, entry);
  if (saved.size > 256) saved.delete(saved.keys().next().value as string);
  return entry;
}

/** Call sites and consuming modules of one element, over consumers the user may list. */
export function elementTotals(consumers: readonly Consumer[], element: string): { callSites: number; modules: number } {
  let callSites = 0;
  let modules = 0;
  for (const c of consumers) {
    const n = c.elements[element] ?? 0;
    callSites += n;
    if (n > 0) modules++;
  }
  return { callSites, modules };
}

/** `N call sites in M modules` (singulars for 1). */
export function countsText(t: { callSites: number; modules: number }): string {
  return `${t.callSites} call site${t.callSites === 1 ? '' : 's'} in ${t.modules} module${t.modules === 1 ? '' : 's'}`;
}

/**
 * The `breaking-change` warnings of one open document (rules in the file comment).
 *
 * @param files the disk layer: the saved file is read by handle
 * @param view the current user's Program view
 * @param module the document's module (the caller decided the user may read it)
 * @param path the document's real path
 * @param currentText the document's text in the editor
 * @returns warnings with LSP ranges; `[]` below `full`, for an unchanged document or a new file
 */
export function breakingChangeDiagnostics(files: Disk, view: UserProgram, module: ModuleInfo, path: string, currentText: string): Diagnostic[] {
  const name = module.manifest?.name;
  if (!name || view.visibleModule(name) !== module) return [];
  if (!atLeast(view.access(name).level, 'full')) return [];
  const disk = savedFile(files, path);
  if (!disk || disk.text === currentText) return [];
  const before = modelFromDeclarations(name, disk.file.declarations);
  if (!before.size) return [];
  const current = view.sourceFile(path);
  if (!current) return [];
  const now = modelFromDeclarations(name, current.declarations);
  const symbols = view.readableSymbols(module);
  if (!symbols) return [];
  const lastLine = Math.max(0, currentText.split(/\r\n|\r|\n/).length - 1);
  let consumers: Consumer[] | undefined;
  const out: Diagnostic[] = [];
  for (const [element, old] of before) {
    let changes: InterfaceChange[];
    let range: Range;
    const present = now.get(element);
    if (present) {
      changes = diffElement(old, present, name).filter((c) => c.severity === 'breaking');
      range = present.nameRange!;
    } else {
      const sym = symbols.elements.get(element);
      if (sym?.isPublic) continue; // moved to another file of the module
      const kind = old.kind === 'structure' ? 'structure' : 'server action';
      if (sym && sym.path === path) {
        changes = [{ severity: 'breaking', element, kind: 'element-made-private', detail: `${kind} made private` }];
        range = sym.decl.name.range;
      } else {
        changes = [
          { severity: 'breaking', element, kind: sym ? 'element-made-private' : 'element-removed', detail: `${kind} ${sym ? 'made private' : 'removed'}` },
        ];
        const line = Math.min(old.nameRange?.start.line ?? 0, lastLine);
        range = { start: { line, character: 0 }, end: { line, character: 0 } };
      }
    }
    if (!changes.length) continue;
    consumers ??= consumersOf(view, name) ?? [];
    const totals = elementTotals(consumers, element);
    out.push({
      code: 'breaking-change',
      severity: 'warning',
      message: `Breaking change to '${element}' since the last save: ${changes.map((c) => c.detail).join('; ')}. It breaks ${countsText(totals)}.`,
      range,
    });
  }
  return out;
}
