/**
 * Summarises a V8 CPU profile (`.cpuprofile`, as written by `node --cpu-prof`, e.g. by
 * `npm run bench -- --servers ours --cpu-prof`): the functions with the most self time and
 * the most total (inclusive) time, in ms and as a share of the profile.
 *
 *   npx tsx bench/profile-summary.ts bench/out/profiles/<file>.cpuprofile [--top 25]
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** One row of the summary: a function (name and location), its self and total time, ms. */
export interface ProfileRow {
  fn: string;
  selfMs: number;
  totalMs: number;
}

/** Self and inclusive time per function (recursion counted once per sample). */
export function summarise(p: Profile): { totalMs: number; rows: ProfileRow[] } {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const key = (n: ProfileNode) => {
    const f = n.callFrame;
    const file = f.url ? f.url.replace(/^.*\/(dist|node_modules)\//, '$1/') : '';
    return `${f.functionName || '(anonymous)'} ${file}${file ? `:${f.lineNumber + 1}` : ''}`;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let totalMs = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const ms = (p.timeDeltas[i] ?? 0) / 1000;
    totalMs += ms;
    let node = byId.get(p.samples[i]);
    if (!node) continue;
    self.set(key(node), (self.get(key(node)) ?? 0) + ms);
    const seen = new Set<string>();
    while (node) {
      const k = key(node);
      if (!seen.has(k)) {
        seen.add(k);
        total.set(k, (total.get(k) ?? 0) + ms);
      }
      const pid = parent.get(node.id);
      node = pid === undefined ? undefined : byId.get(pid);
    }
  }
  const rows = [...total.keys()].map((fn) => ({ fn, selfMs: self.get(fn) ?? 0, totalMs: total.get(fn) ?? 0 }));
  return { totalMs, rows };
}

function main(): void {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: npx tsx bench/profile-summary.ts <file.cpuprofile> [--top N]');
    process.exit(2);
  }
  const topArg = process.argv.indexOf('--top');
  const top = topArg > 0 ? Number(process.argv[topArg + 1]) : 25;
  const { totalMs, rows } = summarise(JSON.parse(readFileSync(file, 'utf8')) as Profile);
  const skip = (fn: string) => /^\((root|program|idle|garbage collector)\)/.test(fn);
  const pct = (ms: number) => `${((100 * ms) / totalMs).toFixed(1).padStart(5)}%`;
  console.log(`profile ${file}: ${(totalMs / 1000).toFixed(2)} s sampled`);
  const idle = rows.find((r) => r.fn.startsWith('(idle)'));
  const gc = rows.find((r) => r.fn.startsWith('(garbage collector)'));
  console.log(`idle ${pct(idle?.selfMs ?? 0)}, garbage collector ${pct(gc?.selfMs ?? 0)}`);
  console.log(`\ntop ${top} by self time:`);
  for (const r of rows
    .filter((r) => !skip(r.fn))
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, top))
    console.log(`${r.selfMs.toFixed(0).padStart(8)} ms ${pct(r.selfMs)}  ${r.fn}`);
  console.log(`\ntop ${top} by total time:`);
  for (const r of rows
    .filter((r) => !skip(r.fn))
    .sort((a, b) => b.totalMs - a.totalMs)
    .slice(0, top))
    console.log(`${r.totalMs.toFixed(0).padStart(8)} ms ${pct(r.totalMs)}  ${r.fn}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
