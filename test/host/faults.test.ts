// The host's configuration refusals, TLS and faults (SPEC 7, issue 10 acceptance 3 and 4), through
// the real `serve` process.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import WebSocket from 'ws';
import { acmeUri, cli, connect, copyAcme, eventually, issueToken, startAcmeHost, startHost, tempDir, tryUpgrade, auditLines } from './helpers';

describe('host configuration', () => {
  test('a non-loopback --host without TLS exits 2 with a clear message', () => {
    const env = copyAcme();
    const r = cli(['serve', env, '--host', '0.0.0.0', '--port', '0', '--state', path.join(tempDir(), 's')]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /without TLS/);
    assert.match(r.stderr, /--tls-cert/);
  });

  test('a state folder inside the environment exits 2 (serve and token issue)', () => {
    const env = copyAcme();
    const r = cli(['serve', env, '--port', '0', '--state', path.join(env, 'state')]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /must not lie inside the environment/);
    assert.ok(!fs.existsSync(path.join(env, 'state')));
    const t = cli(['token', 'issue', env, '--user', 'bob', '--state', path.join(env, 'modules', 'x')]);
    assert.equal(t.status, 2);
    // The environment itself as the state folder, through a link, is refused as well.
    const link = path.join(tempDir(), 'link');
    fs.symlinkSync(env, link);
    assert.equal(cli(['serve', env, '--port', '0', '--state', path.join(link, 'sub')]).status, 2);
  });

  test('state files are mode 0600, the default state folder follows XDG_STATE_HOME', () => {
    const env = copyAcme();
    const xdg = tempDir();
    const r = cli(['token', 'issue', env, '--user', 'bob'], { XDG_STATE_HOME: xdg });
    assert.equal(r.status, 0, r.stderr);
    const dirs = fs.readdirSync(path.join(xdg, 'protected-modules'));
    assert.equal(dirs.length, 1);
    assert.match(dirs[0], /^acme-[0-9a-f]{8}$/);
    const state = path.join(xdg, 'protected-modules', dirs[0]);
    for (const f of ['tokens.json', 'audit.jsonl']) assert.equal(fs.statSync(path.join(state, f)).mode & 0o777, 0o600, f);
    const tokens = fs.readFileSync(path.join(state, 'tokens.json'), 'utf8');
    assert.ok(!tokens.includes(r.stdout.trim().slice('pmt_12345678_'.length)), 'only a hash of the secret is stored');
    assert.match(r.stdout.trim(), /^pmt_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/);
  });

  test('token issue refuses a user who is not in environment.json', () => {
    const env = copyAcme();
    const r = cli(['token', 'issue', env, '--user', 'mallory', '--state', path.join(tempDir(), 's')]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /mallory is not a user/);
  });
});

describe('one host per state folder', () => {
  test('a second host on the same state folder is refused (exit 2, clear message); after the first stops, or is killed, the folder is free again', async () => {
    const env = copyAcme();
    const state = path.join(tempDir(), 'state');
    const first = await startHost(env, state);
    try {
      const lock = path.join(state, 'host.lock');
      assert.equal(fs.statSync(lock).mode & 0o777, 0o600);
      const second = cli(['serve', env, '--port', '0', '--state', state]);
      assert.equal(second.status, 2, second.stdout + second.stderr);
      assert.match(second.stderr, /another host \(process \d+\) is serving from the state folder .*; stop it first, or give this one another --state/);
      assert.ok(fs.existsSync(lock), "the refused host leaves the running one's lock alone");
    } finally {
      await first.stop();
    }
    assert.ok(!fs.existsSync(path.join(state, 'host.lock')), 'a stopped host releases the folder');
    const killed = await startHost(env, state);
    await killed.stop('SIGKILL');
    assert.ok(fs.existsSync(path.join(state, 'host.lock')), 'a killed host leaves its lock behind');
    const again = await startHost(env, state);
    await again.stop();
  });
});

describe('host over TLS', () => {
  test('a self-signed certificate: a client that trusts it connects, one that does not is refused', async (t) => {
    const dir = tempDir();
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    const o = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(o.status, 0, o.stderr);
    const env = copyAcme();
    const state = path.join(dir, 'state');
    const bob = issueToken(env, state, 'bob');
    const host = await startHost(env, state, ['--tls-cert', cert, '--tls-key', key]);
    t.after(() => host.stop());
    assert.match(host.url, /^wss:\/\/127\.0\.0\.1:\d+\/lsp$/);
    const ca = fs.readFileSync(cert);
    const health = await new Promise<string>((resolve, reject) => {
      https
        .get(`https://127.0.0.1:${host.port}/health`, { ca }, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve(`${res.statusCode} ${body}`));
        })
        .on('error', reject);
    });
    assert.equal(health, '200 {"ok":true}');
    const client = await connect(host.url, bob, { ca });
    assert.equal((await client.request<{ user: string; authenticated: boolean }>('protectedModules/whoami', {})).authenticated, true);
    await client.close();
    await assert.rejects(tryUpgrade(host.url, `Bearer ${bob}`), /self[- ]signed|unable to verify|certificate/i);
  });
});

describe('host faults', () => {
  test('the host killed and restarted: the same token connects again and sees the saved work', async () => {
    const started = await startAcmeHost(['bob']);
    const { env, state } = started;
    const bob = started.tokens.bob;
    let host = started.host;
    const port = host.port;
    const first = await connect(host.url, bob);
    const uri = acmeUri('modules/order-portal/logic/PortalHelpers.logic');
    const read = await first.request<{ text: string }>('protectedModules/readFile', { uri });
    await first.request('protectedModules/writeFile', { uri, text: read.text + '\n// saved before the crash\n' });
    await host.stop('SIGKILL');
    assert.ok((await first.closed) !== 1000, 'the session ended abnormally');
    host = await startHost(env, state, [], { port });
    try {
      const second = await connect(host.url, bob);
      const again = await second.request<{ text: string }>('protectedModules/readFile', { uri });
      assert.ok(again.text.endsWith('// saved before the crash\n'));
      await second.close();
    } finally {
      await host.stop();
    }
  });

  test('a frame over 16 MiB closes that session (1009); the host goes on', async (t) => {
    const { state, host, tokens } = await startAcmeHost(['bob']);
    t.after(() => host.stop());
    const bob = tokens.bob;
    const client = await connect(host.url, bob);
    const big = JSON.stringify({
      jsonrpc: '2.0',
      method: 'textDocument/didOpen',
      params: { textDocument: { uri: acmeUri('modules/order-portal/x.logic'), languageId: 'logic', version: 1, text: 'x'.repeat(16 * 1024 * 1024 + 10) } },
    });
    client.socket.send(big);
    // The host closes with 1009 and drops the connection while the client is still sending, so
    // the client may see 1009 or an abnormal close (1006); the host's side is in its audit log.
    assert.ok([1009, 1006].includes(await client.closed));
    await eventually(() => auditLines(state).some((l) => l.event === 'disconnect' && l.detail!.includes('frame too large')), 'the 1009 close');
    const other = await connect(host.url, bob);
    assert.equal((await other.request<{ user: string }>('protectedModules/whoami', {})).user, 'bob');
    await other.close();
  });

  test('a client that stops reading is disconnected at its send-queue bound; the others are answered meanwhile', async (t) => {
    const { state, host, tokens } = await startAcmeHost(['bob', 'dave'], {
      // A large file bob may read: every readFile answer is ~2 MB.
      prepare: (env) => fs.writeFileSync(path.join(env, 'modules', 'order-portal', 'logic', 'Big.logic'), '// filler\n'.repeat(200_000)),
      env: { PROTECTED_MODULES_SEND_QUEUE_BYTES: String(4 * 1024 * 1024) },
    });
    t.after(() => host.stop());
    const slow = await connect(host.url, tokens.bob);
    const other = await connect(host.url, tokens.dave);
    // The slow client stops reading its socket, then asks for far more than the bound.
    (slow.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    const uri = acmeUri('modules/order-portal/logic/Big.logic');
    for (let i = 0; i < 60; i++) slow.socket.send(JSON.stringify({ jsonrpc: '2.0', id: 1000 + i, method: 'protectedModules/readFile', params: { uri } }));
    // Meanwhile the other session is answered.
    for (let i = 0; i < 20; i++) {
      const r = await other.request<{ modules: unknown[] }>('protectedModules/listModules', {});
      assert.ok(r.modules.length > 0);
    }
    await eventually(() => auditLines(state).some((l) => l.event === 'disconnect' && l.user === 'bob'), 'the slow session to be dropped', 30000);
    assert.equal((await other.request<{ user: string }>('protectedModules/whoami', {})).user, 'dave');
    (slow.socket as unknown as { _socket: { resume(): void } })._socket.resume();
    await other.close();
  });

  test('two users saving the same file: the later save is refused with FileChanged, nothing is lost', async (t) => {
    const env = copyAcme();
    const state = path.join(tempDir(), 'state');
    const host = await startHost(env, state);
    t.after(() => host.stop());
    const bob = await connect(host.url, issueToken(env, state, 'bob'));
    const dave = await connect(host.url, issueToken(env, state, 'dave'));
    const uri = acmeUri('modules/order-portal/logic/PortalHelpers.logic');
    const sb = await bob.request<{ mtime: number }>('protectedModules/stat', { uri });
    const sd = await dave.request<{ mtime: number }>('protectedModules/stat', { uri });
    const text = (await bob.request<{ text: string }>('protectedModules/readFile', { uri })).text;
    await new Promise((r) => setTimeout(r, 20));
    await bob.request('protectedModules/writeFile', { uri, text: text + '// bob\n', expectedMtime: sb.mtime });
    const refused = await dave.requestError('protectedModules/writeFile', { uri, text: text + '// dave\n', expectedMtime: sd.mtime });
    assert.equal(refused.code, -32005);
    assert.equal(fs.readFileSync(path.join(env, 'modules/order-portal/logic/PortalHelpers.logic'), 'utf8'), text + '// bob\n');
    assert.ok(auditLines(state).some((l) => l.event === 'write' && l.user === 'bob' && l.path === 'modules/order-portal/logic/PortalHelpers.logic'));
    await bob.close();
    await dave.close();
  });
});

void WebSocket;
