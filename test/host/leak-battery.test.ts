// The scripted leak battery (test/server/leak.test.ts, test/server/leak/*) through the environment
// host (SPEC 7; issue 10 acceptance 6): each user of test/fixtures/leak-env connects to the real
// `protected-modules serve` over a WebSocket with a token of their own, runs the same script
// (every request and notification kind, at every position, with hostile variants), and every raw
// frame the host sends them is scanned for the canaries they may not see (frames recorded as LSP
// frames, so the battery's own analysis applies unchanged). The admin's session is the control.
// `mallory` (not in the policy) cannot get a token, so has no session here (the auth tests cover
// refused tokens); the "twin" comparisons of the stdio battery are not repeated.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createMessageConnection } from 'vscode-languageserver-protocol/node';
import { copyFixture } from '../server/lsp-client';
import { analyse, describeLeaks, startRecordedServer, type Chunk } from '../server/leak/harness';
import { runScript, walk } from '../server/leak/script';
import { ALL, USERS, type LeakUser } from '../server/leak/canaries';
import { WebSocketMessageReader, WebSocketMessageWriter, rawToString } from '../../server/host/transport';
import { issueToken, startHost, tempDir, tryUpgrade } from './helpers';

const FIXTURE = 'test/fixtures/leak-env';

function framed(text: string): Buffer {
  const body = Buffer.from(text, 'utf8');
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]);
}

function snapshot(root: string): Map<string, string> {
  const { files } = walk(root);
  return new Map(files.map((f) => [f, fs.readFileSync(path.join(root, f), 'utf8')]));
}

async function hostSession(user: LeakUser): Promise<ReturnType<typeof analyse>> {
  const { forbidden, level } = USERS[user];
  const privileged = level === 'admin' || level === 'owner';
  const root = copyFixture(FIXTURE);
  const before = snapshot(root);
  const state = path.join(tempDir(), 'state');
  const token = issueToken(root, state, user);
  const host = await startHost(root, state);
  try {
    const s = await startRecordedServer({
      folder: root,
      user,
      workspaceFolderUri: `modules://${path.basename(root)}/`,
      transport: async (chunks: Chunk[]) => {
        const up = await tryUpgrade(host.url, `Bearer ${token}`);
        if (!up.open) throw new Error(`refused: ${up.status}`);
        const ws = up.socket;
        ws.on('message', (d) => chunks.push({ dir: 'out', bytes: framed(rawToString(d)) }));
        const send = ws.send.bind(ws) as (data: string, cb?: (e?: Error) => void) => void;
        (ws as unknown as { send: typeof send }).send = (data: string, cb?: (e?: Error) => void) => {
          chunks.push({ dir: 'in', bytes: framed(String(data)) });
          send(data, cb);
        };
        const child = Object.assign(new EventEmitter(), { exitCode: null as number | null, kill: () => ws.terminate() });
        ws.once('close', () => {
          child.exitCode = 0;
          child.emit('exit', 0);
        });
        const connection = createMessageConnection(new WebSocketMessageReader(ws), new WebSocketMessageWriter(ws));
        return { child: child as unknown as ChildProcessWithoutNullStreams, connection };
      },
    });
    try {
      await runScript(s, { root, probes: true, harmlessWrites: !privileged, light: privileged });
    } finally {
      await s.close();
    }
    const a = analyse(s, ALL, forbidden);
    console.log(`# ${user} through the host: ${a.messages} messages / ${a.bytes} bytes received`);
    assert.ok(a.messages > 1000 && a.bytes > 100_000, `${user}: the session produced output`);
    assert.deepEqual(a.leaks, [], describeLeaks(user, a.leaks));
    if (!privileged) assert.deepEqual(snapshot(root), before, `${user}: the environment on disk is unchanged`);
    return a;
  } finally {
    await host.stop();
  }
}

describe('the leak battery through the host', () => {
  for (const user of Object.keys(USERS) as LeakUser[]) {
    if (USERS[user].level === 'unknown') continue;
    if (USERS[user].level === 'admin') continue;
    test(`${user} (${USERS[user].level}) over a WebSocket`, { timeout: 600_000 }, async () => {
      await hostSession(user);
    });
  }

  test('control: the admin receives every canary through the host', { timeout: 600_000 }, async () => {
    const a = await hostSession('root');
    const unseen = ALL.filter((c) => (a.seen.get(c) ?? 0) === 0);
    assert.deepEqual(unseen, [], 'canaries the admin never received');
  });

  test('a user missing from the policy gets no token and no session', async () => {
    const root = copyFixture(FIXTURE);
    const state = path.join(tempDir(), 'state');
    assert.throws(() => issueToken(root, state, 'mallory'));
    const host = await startHost(root, state);
    try {
      const r = await tryUpgrade(host.url, undefined);
      assert.equal(r.open ? 0 : r.status, 401);
    } finally {
      await host.stop();
    }
  });
});
