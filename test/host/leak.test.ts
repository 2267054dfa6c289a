// No leak through the host (SPEC 4, 7; issue 10 acceptance 6, in part): bob, a contractor, connects
// to the real host and, as an attacker controlling his own client, walks everything the protocol
// offers: every folder and file reachable from the root by readDirectory, stat/readFile/access on
// them and on guessed paths of OrderAPI and Pricing, writes into them, every module's interface,
// workspace symbols for every letter, and completion, hover, definition, references, signature
// help, document symbols and highlights at every position of his own module's files (opened with
// their text). Every frame the host sends him is scanned for canaries: OrderAPI's private element
// names and internal file names, and everything of Pricing (at `none` for bob). The canaries are
// checked against what bob may legitimately see, and an admin session must see them (control).
// The full scripted battery (test/server/leak.test.ts) runs over stdio only.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { acmeUri, connect, copyAcme, issueToken, startHost, tempDir, useHost, type Host, type WsClient } from './helpers';

/** Element names declared in a module's sources, split by public / private. */
function elements(dir: string): { pub: Set<string>; priv: Set<string> } {
  const pub = new Set<string>();
  const priv = new Set<string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.logic')) {
        for (const m of fs.readFileSync(p, 'utf8').matchAll(/^\s*(public\s+)?(?:server action|structure)\s+([A-Za-z0-9_]+)/gm)) (m[1] ? pub : priv).add(m[2]);
      }
    }
  };
  walk(dir);
  return { pub, priv };
}

describe('no leak through the host', () => {
  let env: string;
  let host: Host;
  let bob: WsClient;
  let alice: WsClient;
  let canaries: string[];

  before(async () => {
    env = copyAcme();
    const state = path.join(tempDir(), 'state');
    host = await startHost(env, state);
    bob = await connect(host.url, issueToken(env, state, 'bob'));
    alice = await connect(host.url, issueToken(env, state, 'alice'));
    const api = elements(path.join(env, 'modules/order-api'));
    const pricing = elements(path.join(env, 'modules/pricing'));
    const iface = (await bob.request<{ text: string }>('protectedModules/moduleInterface', { module: 'OrderAPI' })).text;
    const legit = [iface, ...['common', 'order-portal'].flatMap((m) => readAll(path.join(env, 'modules', m)))].join('\n');
    canaries = [...api.priv, 'Discounts.logic', 'LinePricing', 'Storage.logic', 'Pricing', 'PriceLists', 'TaxRules', ...pricing.pub, ...pricing.priv].filter(
      (c) => !new RegExp(`\\b${c}\\b`).test(legit),
    );
    assert.ok(canaries.length >= 15, `too few canaries: ${canaries.join(', ')}`);
  });
  after(async () => {
    await bob?.close();
    await alice?.close();
    await host?.stop();
  });

  test("bob's raw frames never carry OrderAPI's private names or anything of Pricing", async () => {
    // Walk what the host lists.
    const seen: string[] = [];
    const walk = async (rel: string) => {
      const r = await bob
        .request<{ entries: [string, string][] }>('protectedModules/readDirectory', { uri: acmeUri(rel) })
        .catch(() => ({ entries: [] as [string, string][] }));
      for (const [name, type] of r.entries) {
        const child = rel ? `${rel}/${name}` : name;
        seen.push(child);
        if (type === 'directory') await walk(child);
      }
    };
    await walk('');
    assert.ok(seen.includes('modules/order-portal/screens/MyOrders.logic'));
    // Guessed paths (the attacker knows the real layout).
    const guesses = [
      'modules/order-api/internal/Discounts.logic',
      'modules/order-api/internal/Storage.logic',
      'modules/order-api/internal',
      'modules/order-api/module.json',
      'modules/pricing/PriceLists.logic',
      'modules/pricing/tax/TaxRules.logic',
      'modules/pricing/module.json',
      'modules/pricing',
      'environment.json',
      'modules/order-api/../pricing/PriceLists.logic',
      'modules/order-api/.%2e/pricing/module.json',
    ];
    for (const rel of [...seen, ...guesses]) {
      const uri = acmeUri(rel);
      for (const m of ['protectedModules/stat', 'protectedModules/readFile', 'protectedModules/access', 'protectedModules/readDirectory']) {
        await bob.request(m, { uri }).catch(() => undefined);
      }
    }
    for (const rel of guesses) await bob.request('protectedModules/writeFile', { uri: acmeUri(rel), text: 'x' }).catch(() => undefined);
    for (const m of ['OrderAPI', 'Pricing', 'Common', 'OrderPortal', 'Reporting']) {
      await bob.request('protectedModules/moduleInterface', { module: m }).catch(() => undefined);
      await bob.request('protectedModules/setProtection', { module: m, protected: false }).catch(() => undefined);
      await bob.request('protectedModules/grantAccess', { module: m, to: 'user:bob', access: 'full' }).catch(() => undefined);
    }
    for (const q of ['', ...'abcdefghijklmnopqrstuvwxyz'.split('')]) await bob.request('workspace/symbol', { query: q }).catch(() => undefined);
    // Every position of his own module's files, opened with their text.
    const own = seen.filter((p) => p.startsWith('modules/order-portal/') && p.endsWith('.logic'));
    for (const rel of own) {
      const uri = acmeUri(rel);
      const text = (await bob.request<{ text: string }>('protectedModules/readFile', { uri })).text;
      bob.open(uri, text);
      const lines = text.split('\n');
      for (let line = 0; line < lines.length; line++) {
        for (let ch = 0; ch <= lines[line].length; ch += 3) {
          const pos = { textDocument: { uri }, position: { line, character: ch } };
          await Promise.all(
            ['textDocument/completion', 'textDocument/hover', 'textDocument/definition', 'textDocument/signatureHelp', 'textDocument/documentHighlight'].map(
              (m) => bob.request(m, pos).catch(() => undefined),
            ),
          );
        }
        await bob
          .request('textDocument/references', {
            textDocument: { uri },
            position: { line, character: Math.floor(lines[line].length / 2) },
            context: { includeDeclaration: true },
          })
          .catch(() => undefined);
      }
      await bob.request('textDocument/documentSymbol', { textDocument: { uri } }).catch(() => undefined);
    }
    await bob.request('protectedModules/whoami', {});
    await new Promise((r) => setTimeout(r, 300));
    const frames = bob.allFrames();
    assert.ok(frames.length > 100_000, 'the session produced answers');
    const leaked = canaries.filter((c) => new RegExp(`\\b${c}\\b`).test(frames));
    assert.deepEqual(leaked, [], `canaries in bob's frames: ${leaked.join(', ')}`);
  });

  test('control: alice (admin) sees the canaries through the same host', async () => {
    await alice.request('protectedModules/readFile', { uri: acmeUri('modules/order-api/internal/Storage.logic') });
    await alice.request('protectedModules/readFile', { uri: acmeUri('modules/pricing/PriceLists.logic') });
    await alice.request('protectedModules/listModules', {});
    await alice.request('workspace/symbol', { query: '' });
    const frames = alice.allFrames();
    const missing = canaries.filter((c) => !c.endsWith('.logic') && !new RegExp(`\\b${c}\\b`).test(frames));
    assert.ok(missing.length < canaries.length / 2, `alice saw too few canaries; missing ${missing.join(', ')}`);
  });
});

function readAll(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...readAll(p));
    else out.push(e.name, fs.readFileSync(p, 'utf8'));
  }
  return out;
}

describe('the host names nothing of its own disk to a remote client (found by an attacker trial)', () => {
  const h = useHost(['bob']);
  const bob = h.client('bob');

  test("workspace symbols are modules: locations; file: URIs of the host's disk answer as missing, existing or not", async () => {
    const symbols = JSON.stringify(await bob.request('workspace/symbol', { query: '' }));
    assert.ok(symbols.length > 2);
    assert.ok(!symbols.includes('file:'), 'no file: location');
    assert.ok(!symbols.includes(h.env), "no path of the host's disk");
    const answer = async (uri: string) => {
      try {
        return JSON.stringify(await bob.request('protectedModules/stat', { uri }));
      } catch (e) {
        return JSON.stringify({ code: (e as { code?: number }).code, message: (e as Error).message });
      }
    };
    const existing = await answer(`file://${path.join(h.env, 'environment.json')}`);
    const missing = await answer(`file://${path.join(h.env, 'no-such-file.json')}`);
    assert.equal(existing, missing);
    assert.match(existing, /-32003/);
  });

  test('no regular-expression search on the host (a runaway pattern would stall every session)', async () => {
    const e = await bob.request('protectedModules/findInFiles', { query: '(a+)+$', isRegExp: true }).then(
      () => undefined,
      (err: { code?: number }) => err,
    );
    assert.equal(e?.code, -32602);
    const plain = await bob.request<{ matches: unknown[] }>('protectedModules/findInFiles', { query: 'OrderAPI' });
    assert.ok(plain.matches.length > 0);
  });
});

describe('notifications tell a session only of changes it may know of (found by an attacker trial)', () => {
  const h = useHost(['bob', 'alice']);
  const [bob, alice] = [h.client('bob'), h.client('alice')];

  const counts = () => [bob.count('protectedModules/didChangeModules'), bob.count('protectedModules/didChangeAccess')];
  const save = async (rel: string, edit: (text: string) => string) => {
    const uri = acmeUri(rel);
    const { text } = await alice.request<{ text: string }>('protectedModules/readFile', { uri });
    await alice.request('protectedModules/writeFile', { uri, text: edit(text) });
    // alice is told (she may read it): the host has handled the save.
    await alice.request('protectedModules/whoami', {});
  };

  test('saves in Pricing (none for bob) and Reporting (list) say nothing to bob; a save in his own module does', async () => {
    const before = counts();
    await save('modules/pricing/PriceLists.logic', (t) => t + '\n// alice was here\n');
    await save('modules/pricing/module.json', (t) =>
      t.replace(/"version": "([0-9]+)\.([0-9]+)\.([0-9]+)"/, (_m, a, b, c) => `"version": "${a}.${b}.${Number(c) + 1}"`),
    );
    await save('modules/reporting/data/Aggregates.logic', (t) => t + '\n// a private comment\n');
    await new Promise((r) => setTimeout(r, 1500));
    await bob.request('protectedModules/whoami', {});
    assert.deepEqual(counts(), before, 'no notification to bob');
    await save('modules/order-portal/logic/PortalHelpers.logic', (t) => t + '\n// a change bob may read\n');
    await bob.waitFor(() => counts()[0] > before[0], 'didChangeModules for a readable change');
  });
});
