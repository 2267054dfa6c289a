/**
 * Pushed diagnostics (SPEC 3.4, SPEC 4): `textDocument/publishDiagnostics` for every open
 * document, re-computed after every change that can affect it — an edit of any open document,
 * a file changed on disk (another module, a `module.json`, `environment.json`), a new user.
 *
 * Scheduling: changes only mark the work dirty; the re-check runs after a short debounce, one
 * document per macrotask (`setImmediate`), so requests that arrive meanwhile (completion, hover) are
 * answered between two documents; a document's check from scratch (its first) is itself cut into
 * slices of a few milliseconds (`UserProgram.prepareCheck`, issue 15); the most recently edited documents go first. A newer change
 * abandons the running pass and starts over. (The Program caches each file's check per generation
 * and re-checks only the declarations a change affects, so a pass after an edit is short and a
 * completion right after a pass reuses its work.)
 *
 * What is published, by access (SPEC 2.3, no leak):
 * - files of modules the user may open (`.logic`, `module.json`): the Program's diagnostics for
 *   the user, plus `read-only-module` when a `.logic` document differs from the file on disk and
 *   the user may not change the module;
 * - `environment.json`: what `UserProgram.diagnostics` gives this user (all for admins and while
 *   the policy is invalid — the visible error of SPEC 2.3 rule 1 — else only `unknown-user`);
 * - anything else, and every document in a module below `open` or hidden from the user: nothing.
 *   A document that had diagnostics is cleared (empty list) once it should have none.
 */
import { DiagnosticSeverity, type Connection, type Diagnostic as LspDiagnostic } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { readOnlyDiagnostic } from '../../shared/program/program';
import { DIAGNOSTIC_SOURCE, type Diagnostic, type Severity } from '../../shared/language/diagnostics';
import type { Workspace } from '../workspace';
import type { Disk } from '../disk';
import { ModuleFileSystem, type Decision } from '../filesystem';
import { reportInternalError } from '../errors';
import { breakingChangeDiagnostics } from './breakingChanges';
import { performance } from 'node:perf_hooks';
import { serverTiming } from '../timing';
import { preparePositions } from '../../shared/language/incremental';

/**
 * Milliseconds between the last change and the start of a re-check. Short: a re-check after an
 * edit is incremental (only the declarations the edit touched), a few milliseconds even in a
 * 5,000-line file (issue 6), so waiting longer only adds latency (1 ms still lets a request that
 * came with the change, such as completion after a typed dot, be answered first).
 */
export const DIAGNOSTICS_DEBOUNCE_MS = 1;

/** LSP severity of each product severity (SPEC 3.4). */
export const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

/** Converts a product diagnostic to LSP, with `source: "protected-modules"` and its stable `code`. */
export function toLspDiagnostic(d: Diagnostic): LspDiagnostic {
  return { range: d.range, severity: SEVERITY[d.severity], code: d.code, source: DIAGNOSTIC_SOURCE, message: d.message };
}

/**
 * Computes and pushes the diagnostics of the open documents.
 */
export class DiagnosticsPublisher {
  private timer: NodeJS.Timeout | undefined;
  /** Incremented for every scheduled pass; a running pass stops when it is no longer current. */
  private pass = 0;
  /** The last list published per URI (JSON), to skip identical re-publications. */
  private readonly published = new Map<string, string>();
  private readonly files: ModuleFileSystem;
  /** Recently edited document URIs, most recent first (checked first). */
  private recent: string[] = [];

  /**
   * @param ready resolves when the user is settled (`Session.ready`); no pass runs before
   */
  constructor(
    private readonly connection: Connection,
    private readonly workspace: Workspace,
    private readonly ready: Promise<void> = Promise.resolve(),
  ) {
    this.files = new ModuleFileSystem(workspace);
    workspace.onDidChange(() => this.schedule());
    // The document being edited is re-checked first in the next pass.
    workspace.documents.onDidChangeContent((e) => {
      this.recent = this.recent.filter((u) => u !== e.document.uri);
      this.recent.unshift(e.document.uri);
      if (this.recent.length > 8) this.recent.pop();
    });
    workspace.documents.onDidClose((e) => {
      // Clear what the client shows for a closed document.
      const last = this.published.get(e.document.uri);
      this.published.delete(e.document.uri);
      if (last !== undefined && last !== '[]') void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
    });
  }

  /** Schedules a re-check of every open document (debounced; abandons a running pass). */
  schedule(delayMs = DIAGNOSTICS_DEBOUNCE_MS): void {
    this.pass++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.run(this.pass);
    }, delayMs);
  }

  /** Resolves once no pass is scheduled or running (used by tests and on shutdown). */
  async idle(): Promise<void> {
    while (this.timer || this.running) await new Promise((r) => setTimeout(r, 5));
  }

  private running = false;
  /** An answer is on its way to the client (see {@link answering}). */
  private answerOnItsWay = false;

  /**
   * Called when a request's handler has its answer: vscode-jsonrpc writes it one macrotask later,
   * so the next piece of the warm-up waits one macrotask more, and the answer goes out first
   * (issue 15: it waited for a warm-up piece before).
   */
  answering(): void {
    this.answerOnItsWay = true;
  }

  private async run(pass: number): Promise<void> {
    this.running = true;
    try {
      await this.ready;
      const all = this.workspace.documents.all();
      const rank = (uri: string) => {
        const i = this.recent.indexOf(uri);
        return i < 0 ? this.recent.length : i;
      };
      const ordered = all.map((doc, i) => ({ doc, i })).sort((a, b) => rank(a.doc.uri) - rank(b.doc.uri) || a.i - b.i);
      for (const { doc } of ordered) {
        await new Promise((r) => setImmediate(r));
        if (pass !== this.pass) return;
        const still = this.workspace.documents.get(doc.uri);
        if (!still) continue;
        const timing = serverTiming();
        // A check from scratch (the first of a file: hundreds of milliseconds for 5,000 lines)
        // runs in slices of a few milliseconds, with requests answered between them (issue 15).
        const located = this.workspace.locate(still.uri);
        if (located?.kind === 'path' && located.path.endsWith('.logic')) {
          try {
            await this.workspace.view(located.state).prepareCheck(located.path, () => new Promise((r) => setImmediate(r)), {
              stop: () => pass !== this.pass,
              onSlice: timing ? (ms) => timing.slice('check slice (from scratch)', ms) : undefined,
            });
          } catch (e) {
            reportInternalError((m) => this.connection.console.error(m), 'diagnostics', e);
          }
          if (pass !== this.pass) return;
          if (!this.workspace.documents.get(doc.uri)) continue;
        }
        let diagnostics: LspDiagnostic[] | undefined;
        const t0 = timing ? performance.now() : 0;
        try {
          diagnostics = this.compute(still);
        } catch (e) {
          reportInternalError((m) => this.connection.console.error(m), 'diagnostics', e);
          diagnostics = undefined;
        }
        timing?.slice('diagnostics (one document)', performance.now() - t0);
        if (pass !== this.pass) return;
        this.publish(still, diagnostics);
      }
      await this.warm(
        pass,
        ordered.map((o) => o.doc),
      );
    } finally {
      this.running = false;
    }
  }

  /**
   * After a pass, prepares what requests in the open documents need first, in small pieces, one
   * per macrotask (a request that arrives meanwhile waits for one piece at most; a newer change
   * stops it; issue 15): for each dependency of an open document's module its files (one parse at
   * a time, also the modules its public types name), its completion list after `Module.` and the
   * layout of its interface document that go to definition reads, and last the open documents'
   * position lists (one declaration at a time). Everything goes
   * through the user's view, so modules the user may not reference are skipped (nothing is sent
   * here).
   */
  private async warm(pass: number, docs: TextDocument[]): Promise<void> {
    const ws = this.workspace;
    // Each open source located once per pass (locating reads the disk).
    const sources: { view: ReturnType<Workspace['view']>; path: string }[] = [];
    const todo: { view: ReturnType<Workspace['view']>; module: string }[] = [];
    const seen = new Set<string>();
    for (const doc of docs) {
      const l = ws.locate(doc.uri);
      if (!l || l.kind !== 'path' || !l.path.endsWith('.logic')) continue;
      const view = ws.view(l.state);
      sources.push({ view, path: l.path });
      const own = view.readableModuleOf(l.path);
      for (const dep of Object.keys(own?.manifest?.dependencies ?? {})) {
        const key = `${l.state.root}\0${dep}`;
        if (seen.has(key)) continue;
        seen.add(key);
        todo.push({ view, module: dep });
      }
    }
    const timing = serverTiming();
    const stop = () => pass !== this.pass;
    // One macrotask hop; with `--server-timing`, the work since the last hop is recorded as `kind`.
    let t0 = timing ? performance.now() : 0;
    const pauseAfter = (kind: string) => async () => {
      timing?.slice(kind, performance.now() - t0);
      await new Promise<void>((r) => setImmediate(r));
      while (this.answerOnItsWay) {
        this.answerOnItsWay = false;
        await new Promise<void>((r) => setImmediate(r));
      }
      if (timing) t0 = performance.now();
    };
    const hop = pauseAfter('warm-up: positions');
    const report = (what: string, e: unknown) => reportInternalError((m) => this.connection.console.error(m), what, e);
    // First what requests read, for every dependency: its files parsed 8 declarations per
    // macrotask (also those of the modules its public types name), its completion list after
    // `Module.` (16 elements per macrotask) and the layout of its interface document that go to
    // definition reads (the document itself is rendered only when it is opened).
    for (const { view, module } of todo) {
      await hop();
      if (stop()) return;
      try {
        if (!(await view.prepareModule(module, pauseAfter('warm-up: parse'), stop))) return;
      } catch (e) {
        report('preparing completion', e);
      }
      await pauseAfter('warm-up: parse')();
      if (stop()) return;
      try {
        await view.prepareCompletionElements(module, pauseAfter('warm-up: completion list'), stop);
      } catch (e) {
        report('preparing completion', e);
      }
      await pauseAfter('warm-up: completion list')();
      if (stop()) return;
      try {
        view.interfaceLayout(module);
      } catch (e) {
        report('preparing go to definition', e);
      }
      await pauseAfter('warm-up: interface layout')();
      if (stop()) return;
    }
    // Last, the open documents' position lists, one declaration per macrotask (a screen of 50 lines
    // holds thousands of positions: 8 at a time made pieces of 3 to 6 ms): only an edit that
    // adds or removes lines reads them (it shifts every later declaration through them), and
    // without them the first such edit walks the declarations itself.
    for (const { view, path } of sources) {
      for (;;) {
        await hop();
        if (stop()) return;
        const file = view.sourceFile(path);
        if (!file || preparePositions(file, 1)) break;
      }
    }
  }

  /**
   * Publishes when the list differs from the last one published for the URI (always the first
   * time). `undefined` (a document the user may not know about) is published — as an empty list —
   * only to clear what was published before.
   */
  private publish(doc: TextDocument, diagnostics: LspDiagnostic[] | undefined): void {
    const last = this.published.get(doc.uri);
    if (diagnostics === undefined) {
      if (last === undefined || last === '[]') return;
      diagnostics = [];
    }
    const json = JSON.stringify(diagnostics);
    if (json === last) return;
    this.published.set(doc.uri, json);
    void this.connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics });
  }

  /**
   * The diagnostics one open document gets for the current user (rules in the file comment);
   * `undefined` for a document the user may not read or that is not in an environment.
   */
  compute(doc: TextDocument): LspDiagnostic[] | undefined {
    const ws = this.workspace;
    const l = ws.locate(doc.uri);
    if (!l || l.kind !== 'path') return undefined;
    let d: Decision;
    try {
      d = this.files.decideLocated(l);
    } catch {
      // SPEC 9: a sealed module's module.json is refused to everyone, yet its invalid-seal error
      // is shown to admins (the Program decides: nothing for anyone else).
      const sealed = ws.enclosingModules(l.state, l.path).find((m) => m.sealed && m.manifestPath === l.path);
      if (sealed) return ws.view(l.state).diagnostics(l.path).map(toLspDiagnostic);
      return undefined; // hidden or denied: nothing at all
    }
    const state = l.state;
    const view = ws.view(state);
    if (d.kind === 'environmentPath') {
      if (!d.policy) return undefined;
      // The Program decides which of environment.json's diagnostics this user may see.
      return view.diagnostics(state.env.policyPath).map(toLspDiagnostic);
    }
    if (d.kind !== 'modulePath') return undefined;
    const out = view.diagnostics(d.path).map(toLspDiagnostic);
    // Only documents of modules the user may not change can need it; only then is the disk read.
    const readOnly = d.path.endsWith('.logic') ? readOnlyDiagnostic(d.module.name, d.access.level) : undefined;
    if (readOnly && isEdited(ws.disk, doc, d.path)) out.unshift(toLspDiagnostic(readOnly));
    // SPEC 10: `breaking-change` warnings, only for users with `full` on the module.
    if (d.path.endsWith('.logic') && d.access.level === 'full') {
      for (const w of breakingChangeDiagnostics(ws.disk, view, d.module, d.path, doc.getText())) out.push(toLspDiagnostic(w));
    }
    return out;
  }
}

/** True when an open document's text differs from its file on disk (or the file is gone). */
function isEdited(disk: Disk, doc: TextDocument, abs: string): boolean {
  const read = disk.readFileAt(abs);
  return read === undefined || read.text !== doc.getText();
}
