/**
 * `npm run bench:host` (issue 10, not a test): the environment host under load. Generates the
 * benchmark environment (`generate.ts`, default `--size medium`), starts the real
 * `protected-modules serve` on loopback, opens `--sessions` (default 50) WebSocket sessions as the
 * contractor `bob` (one token), each with the 5,000-line consumer open, and runs a mixed load for
 * `--duration` seconds (default 60): completion after `Module.` (50 %), hover (35 %), an edit of
 * the open document measured to its new diagnostics (15 %: a line with a type error inserted, then
 * removed, so that every edit changes the published list), each session one operation at a time
 * with a random pause of 0–500 ms between operations.
 *
 * Prints p50/p99 per kind, the host's peak resident memory (sampled every 200 ms from /proc, and
 * VmHWM) and the memory per session ((peak − resident after the first session) ÷ sessions), and
 * writes `bench/out/host-<size>.json`.
 *
 *   npm run build && npm run bench:host -- [--size medium] [--sessions 50] [--duration 60] [--seed 1]
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate, makeRng, parseArgs, type BenchManifest } from './generate';
import { connect, issueToken, startHost, tempDir, type WsClient } from '../test/host/helpers';

const here = dirname(fileURLToPath(import.meta.url));
const args = parseArgs(process.argv.slice(2));
const size = String(args.size ?? 'medium');
const sessions = Number(args.sessions ?? 50);
const durationS = Number(args.duration ?? 60);
const seed = Number(args.seed ?? 1);
const out = resolve(here, 'out');
const envDir = join(out, `host-env-${size}`);

function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/** CPU time (user + system) of a process, ms. */
function cpuMs(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

function rssMB(pid: number): { rss: number; hwm: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
    return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
  } catch {
    return { rss: 0, hwm: 0 };
  }
}

async function main(): Promise<void> {
  mkdirSync(out, { recursive: true });
  let manifest: BenchManifest;
  const manifestFile = join(envDir, 'bench-manifest.json');
  if (existsSync(manifestFile) && JSON.parse(readFileSync(manifestFile, 'utf8')).seed === seed) manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
  else manifest = generate(size, seed, envDir, (s) => console.log(`[generate] ${s}`));
  const root = join(envDir, manifest.logicRoot);
  const folder = root.split('/').pop()!;
  const state = join(tempDir('pm-bench-host-'), 'state');
  const token = issueToken(root, state, 'bob');
  const host = await startHost(root, state);
  const pid = host.child.pid!;
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMB(pid).rss)), 200);
  const uri = `modules://${folder}/${manifest.consumer.logic}`;
  const text = readFileSync(join(root, manifest.consumer.logic), 'utf8');
  const lines = text.split('\n');
  const sites = manifest.sites.map((s) => s.logic);
  const rand = makeRng(seed);
  const lat: Record<'completion' | 'hover' | 'edit', number[]> = { completion: [], hover: [], edit: [] };
  let failures = 0;

  console.log(`[host] ${host.url}; opening ${sessions} sessions`);
  const t0 = Date.now();
  const clients: WsClient[] = [];
  let afterFirst = 0;
  for (let i = 0; i < sessions; i++) {
    const c = await connect(host.url, token, { folder });
    c.open(uri, text);
    await c.diagnosticsFor(uri, () => true, 'first diagnostics');
    clients.push(c);
    if (i === 0) afterFirst = rssMB(pid).rss;
  }
  const openMs = Date.now() - t0;
  const afterOpen = rssMB(pid).rss;
  console.log(`[host] ${sessions} sessions open in ${openMs} ms; resident ${afterOpen.toFixed(0)} MB (${afterFirst.toFixed(0)} MB after the first)`);

  const loadStart = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
  const cpuStart = cpuMs(pid);
  const end = Date.now() + durationS * 1000;
  await Promise.all(
    clients.map(async (c, i) => {
      let version = 1;
      let inserted: number | undefined;
      const r = makeRng(seed * 1000 + i);
      while (Date.now() < end) {
        await new Promise((res) => setTimeout(res, Math.floor(r() * 500)));
        const site = sites[Math.floor(r() * sites.length)];
        const pick = r();
        const start = performance.now();
        try {
          if (pick < 0.5) {
            await c.request('textDocument/completion', {
              textDocument: { uri },
              position: { line: site.line + (inserted !== undefined && inserted <= site.line ? 1 : 0), character: site.afterDotCol },
            });
            lat.completion.push(performance.now() - start);
          } else if (pick < 0.85) {
            await c.request('textDocument/hover', {
              textDocument: { uri },
              position: {
                line: site.line + (inserted !== undefined && inserted <= site.line ? 1 : 0),
                character: Math.floor((site.nameStart + site.nameEnd) / 2),
              },
            });
            lat.hover.push(performance.now() - start);
          } else {
            version++;
            if (inserted === undefined) {
              inserted = site.line;
              c.notify('textDocument/didChange', {
                textDocument: { uri, version },
                contentChanges: [
                  {
                    range: { start: { line: inserted, character: 0 }, end: { line: inserted, character: 0 } },
                    text: '    var benchLocal: Integer = "not a number"\n',
                  },
                ],
              });
            } else {
              c.notify('textDocument/didChange', {
                textDocument: { uri, version },
                contentChanges: [{ range: { start: { line: inserted, character: 0 }, end: { line: inserted + 1, character: 0 } }, text: '' }],
              });
              inserted = undefined;
            }
            const want = version;
            await c.waitFor(() => (c.diagnostics.get(uri)?.version ?? 0) >= want, 'diagnostics after an edit', 30000);
            lat.edit.push(performance.now() - start);
          }
        } catch {
          failures++;
        }
      }
    }),
  );
  clearInterval(sampler);
  const cpuLoad = cpuMs(pid) - cpuStart;
  const loadEnd = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
  const { hwm } = rssMB(pid);
  peak = Math.max(peak, hwm);
  await Promise.all(clients.map((c) => c.close()));
  await host.stop();
  void lines;
  void rand;

  const stat = (v: number[]) => ({ n: v.length, p50: +percentile(v, 50).toFixed(2), p99: +percentile(v, 99).toFixed(2), max: +Math.max(...v).toFixed(2) });
  const result = {
    date: new Date().toISOString(),
    size,
    seed,
    sessions,
    durationS,
    environment: manifest.counts,
    openAllMs: openMs,
    completion: stat(lat.completion),
    hover: stat(lat.hover),
    edit: stat(lat.edit),
    failures,
    hostCpuMsPerOperation: +(cpuLoad / Math.max(1, lat.completion.length + lat.hover.length + lat.edit.length)).toFixed(1),
    hostCpuShareOfOneCore: +(cpuLoad / (durationS * 1000)).toFixed(2),
    loadAverage: { start: Number(loadStart), end: Number(loadEnd) },
    memory: {
      peakMB: +peak.toFixed(0),
      afterFirstSessionMB: +afterFirst.toFixed(0),
      perSessionMB: +((peak - afterFirst) / Math.max(1, sessions - 1)).toFixed(1),
    },
  };
  writeFileSync(join(out, `host-${size}.json`), JSON.stringify(result, null, 2) + '\n');
  console.log(JSON.stringify(result, null, 2));
  console.log(`
| figure (${sessions} sessions, ${size}, ${durationS} s) | p50 | p99 | n |
|---|---|---|---|
| completion after \`Module.\` | ${result.completion.p50} ms | ${result.completion.p99} ms | ${result.completion.n} |
| hover | ${result.hover.p50} ms | ${result.hover.p99} ms | ${result.hover.n} |
| edit → the session's diagnostics | ${result.edit.p50} ms | ${result.edit.p99} ms | ${result.edit.n} |

Host peak resident memory ${result.memory.peakMB} MB (${result.memory.afterFirstSessionMB} MB with one session: ${result.memory.perSessionMB} MB per further session); ${failures} failed operations; host CPU ${result.hostCpuMsPerOperation} ms per operation (${result.hostCpuShareOfOneCore} of a core over the run); machine load average ${loadStart} → ${loadEnd}.`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
