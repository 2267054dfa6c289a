// Issue 13, "any LSP editor": the Neovim plugin of editors/neovim in a real headless Neovim
// (Debian's, 0.7.2 in CI: .ci/run installs it). As bob in a copy of examples/acme: completion after
// `OrderAPI.`, hover, go to definition and references into OrderAPI's interface (read through the
// server), diagnostics refreshed after module.json changes on disk, and :ProtectedModulesUser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { copyFixture, ensureBuilt, REPO, SERVER_JS } from '../server/lsp-client';

type Step = { name: string; ok: boolean; value: any };

test('Neovim as bob: completion, hover, definition and references into the interface, fresh diagnostics', () => {
  ensureBuilt();
  const nvim = spawnSync('nvim', ['--version'], { encoding: 'utf8' });
  assert.equal(nvim.status, 0, 'nvim must be installed (Debian: apt-get install neovim; .ci/run does it)');
  const root = copyFixture('examples/acme');
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pm-nvim-')), 'results.json');
  const r = spawnSync(
    'nvim',
    [
      '--headless',
      '-u',
      'NONE',
      '-i',
      'NONE',
      '-n',
      '--cmd',
      `set rtp^=${path.join(REPO, 'editors/neovim')}`,
      '-c',
      `luafile ${path.join(REPO, 'test/neovim/check.lua')}`,
    ],
    {
      encoding: 'utf8',
      timeout: 120000,
      env: { ...process.env, PM_NVIM_OUT: out, PM_NVIM_ROOT: root, PM_NVIM_SERVER: SERVER_JS, PROTECTED_MODULES_USER: '' },
    },
  );
  assert.ok(fs.existsSync(out), `no results (exit ${r.status}): ${r.stderr}${r.stdout}`);
  const results = JSON.parse(fs.readFileSync(out, 'utf8')) as { steps: Step[]; done?: boolean };
  const step = (name: string): any => {
    const s = results.steps.find((x) => x.name === name);
    assert.ok(s, `step ${name} did not run`);
    assert.ok(s.ok, `${name}: ${s.value}`);
    return s.value;
  };
  assert.deepEqual(step('attach'), { name: 'protected-modules', filetype: 'logic' });
  assert.equal(step('whoami'), 'bob');
  const labels = step('completion') as string[];
  assert.ok(labels.includes('CreateOrder') && labels.includes('QuoteOrder'), labels.join(','));
  assert.ok(!labels.includes('ComputeDiscount'), 'no private element');
  const hover = step('hover') as string;
  assert.match(hover, /CreateOrder/);
  assert.match(hover, /your access: reference/);
  const def = step('definition');
  assert.match(def.uri, /^module-interface:\/\/[^/]+\/OrderAPI\.logic$/);
  assert.equal(def.buffer, def.uri, 'the interface buffer is named by its URI');
  assert.match(def.first, /^\/\/ Interface of OrderAPI/);
  assert.match(def.at, /CreateOrder/);
  assert.equal(def.modifiable, false);
  assert.equal(def.readonly, true);
  assert.equal(def.attached, true, 'the server is attached to the interface buffer');
  const refs = step('references') as { file: string; text: string }[];
  const inInterface = refs.find((x) => x.file.startsWith('module-interface://'));
  assert.ok(inInterface, JSON.stringify(refs));
  assert.match(inInterface.text, /CreateOrder/, 'the reference line is read through the server');
  assert.ok(!refs.some((x) => /order-api\/(actions|internal|structures)/.test(x.file)), 'never OrderAPI sources');
  assert.ok((step('not-a-dependency after module.json changes on disk') as string[]).includes('not-a-dependency'));
  assert.equal(step('ProtectedModulesUser'), 'alice');
  assert.equal(results.done, true);
});
