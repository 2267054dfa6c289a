/**
 * Watching the environments on disk when the client cannot (issue 13, "any LSP editor"): a client
 * that does not support dynamic registration of `workspace/didChangeWatchedFiles` (Neovim 0.7–0.9,
 * many others) never tells the server about files changed outside the editor, and diagnostics
 * would go stale after a save or a `module.json` change. The server then watches each environment
 * folder itself with `node:fs.watch` (recursive; Node ≥ 20 on Linux, macOS, Windows) and feeds what
 * it sees to the same `Workspace.filesChanged` as the client's events, debounced (100 ms).
 * Dot-folders and `node_modules` are ignored (SPEC 2). Nothing is logged but a failure to watch.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileChangeType, type FileEvent } from 'vscode-languageserver';
import { fileUri } from '../uris';
import type { Feature, FeatureContext } from './feature';

/** Starts/stops one recursive watcher per environment root; exported for tests. */
export class DiskWatcher {
  private readonly watchers = new Map<string, fs.FSWatcher>();
  private pending = new Map<string, FileEvent>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly ctx: FeatureContext) {}

  /** Watches every current environment root, stops watching removed ones. */
  sync(): void {
    const roots = new Set(this.ctx.workspace.environments.map((s) => s.root));
    for (const [root, w] of this.watchers) {
      if (!roots.has(root)) {
        w.close();
        this.watchers.delete(root);
      }
    }
    for (const root of roots) {
      if (this.watchers.has(root)) continue;
      try {
        const w = fs.watch(root, { recursive: true }, (event, name) => {
          if (typeof name === 'string' && name) this.note(root, name, event);
        });
        w.on('error', () => {
          w.close();
          this.watchers.delete(root);
        });
        this.watchers.set(root, w);
      } catch {
        this.ctx.connection.console.warn('an environment folder cannot be watched; changes on disk are seen when the client reports them');
      }
    }
  }

  private note(root: string, rel: string, event: string): void {
    const segments = rel.split(path.sep);
    if (segments.some((s) => s.startsWith('.') || s === 'node_modules')) return;
    const abs = path.join(root, rel);
    const exists = fs.existsSync(abs);
    const type = event === 'change' && exists ? FileChangeType.Changed : exists ? FileChangeType.Created : FileChangeType.Deleted;
    const uri = fileUri(abs);
    const before = this.pending.get(uri);
    // a create and a change in one burst stay a create
    this.pending.set(uri, { uri, type: before?.type === FileChangeType.Created && type === FileChangeType.Changed ? before.type : type });
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), 100);
  }

  private flush(): void {
    this.timer = undefined;
    const events = [...this.pending.values()];
    this.pending = new Map();
    if (events.length) this.ctx.workspace.filesChanged(events);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }
}

export const diskWatcherFeature: Feature = {
  name: 'diskWatcher',
  register(ctx) {
    if (ctx.clientCapabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration) return;
    const watcher = new DiskWatcher(ctx);
    watcher.sync();
    ctx.workspace.onDidChange(() => watcher.sync());
    ctx.connection.onShutdown(() => watcher.dispose());
  },
};
