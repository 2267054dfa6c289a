// A second real VS Code window for a host group (`@pm-window2 <user> <companion>`, issue 14): its own
// code-server (own port, user data, temp folder) connected to the group's host with <user>'s token,
// opened in its own browser context, running the companion suite `suite/<companion>.window.ts`.
// Both windows get `peer` in their config.json: a folder shared by the two suites to coordinate
// (one writes `<step>.json`, the other waits for it; see suite/window-helpers.ts).
//
// Also serves UI requests of a suite (both windows): `control/ui/<n>.request.json` with
// `{ action: 'click', selector, hover? } | { action: 'read', selector } | { action: 'press', key, waitFor? }
// | { action: 'type', text, waitFor? }` → done by playwright on the window's page (a selector is
// looked for in every frame, webviews included: a real click of a real element) →
// `control/ui/<n>.done.json` `{ ok: true, text? } | { error }`.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { freePort, startCodeServer, waitForHttp, writeUserSettings } from '../../scripts/code-server.mjs';
import { writeMachineSettings } from './hostGroup.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The first visible element matching `selector` in any frame of `page` (polls up to `timeoutMs`). */
async function locate(page, selector, timeoutMs) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      try {
        const all = frame.locator(selector);
        const n = await all.count();
        for (let i = 0; i < n; i++) {
          const l = all.nth(i);
          if (await l.isVisible()) return l;
        }
      } catch {
        // a frame that went away, or a selector this frame cannot evaluate
      }
    }
    if (Date.now() > end) throw new Error(`no visible element matches ${selector} (after ${timeoutMs} ms)`);
    await sleep(150);
  }
}

/** Serves pending UI requests of a control folder on `page` (see the file comment). */
export async function serveUi(page, controlDir, served) {
  const dir = join(controlDir, 'ui');
  if (!page || !existsSync(dir)) return;
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith('.request.json') || served.has(`ui:${f}`)) continue;
    served.add(`ui:${f}`);
    const id = f.slice(0, -'.request.json'.length);
    let ack;
    try {
      const r = JSON.parse(readFileSync(join(dir, f), 'utf8'));
      const timeout = r.timeoutMs ?? 20000;
      if (r.waitFor) await locate(page, r.waitFor, timeout);
      switch (r.action) {
        case 'click': {
          if (r.hover) await (await locate(page, r.hover, timeout)).hover();
          const el = await locate(page, r.selector, timeout);
          const text = (await el.innerText().catch(() => '')) || (await el.getAttribute('aria-label').catch(() => '')) || '';
          await el.click();
          ack = { ok: true, text };
          break;
        }
        case 'read':
          ack = { ok: true, text: await (await locate(page, r.selector, timeout)).innerText() };
          break;
        case 'press':
          await page.keyboard.press(r.key);
          ack = { ok: true };
          break;
        case 'type':
          await page.keyboard.type(r.text, { delay: 10 });
          ack = { ok: true };
          break;
        default:
          throw new Error(`unknown UI action ${r.action}`);
      }
    } catch (e) {
      ack = { error: String(e?.message ?? e) };
    }
    writeFileSync(join(dir, `${id}.done.json.tmp`), JSON.stringify(ack));
    renameSync(join(dir, `${id}.done.json.tmp`), join(dir, `${id}.done.json`));
  }
}

/**
 * Starts the second window's code-server (not the browser page).
 * @returns {{ user, suite, controlDir, userDataDir, logDir, server, resultsFile }}
 */
export async function startSecondWindow({ group, groupHost, sessionDir, extensionsDir, logDir, workspaceFile, peerDir }) {
  const [user, companion] = group.window2.split(/\s+/);
  if (!groupHost) throw new Error('@pm-window2 needs @pm-host');
  if (!user || !companion) throw new Error(`@pm-window2 wants "<user> <companion suite>", not "${group.window2}"`);
  if (!groupHost.tokens[user]) throw new Error(`@pm-window2 ${user}: no token (add ${user} to @pm-host)`);
  const dir = join(sessionDir, `window2-${user}`);
  const controlDir = join(dir, 'control');
  const userDataDir = join(dir, 'user-data');
  const tmp = join(dir, 'tmp');
  for (const d of [controlDir, userDataDir, tmp]) mkdirSync(d, { recursive: true });
  writeMachineSettings(userDataDir, { 'protectedModules.host': groupHost.url });
  writeUserSettings(userDataDir, {
    'protectedModules.user': user,
    'protectedModules.openWalkthroughOnFirstStart': false,
    ...group.settings,
    'protectedModules.host': groupHost.url,
  });
  writeFileSync(
    join(controlDir, 'config.json'),
    JSON.stringify(
      {
        suites: [`${companion}.window.js`],
        autorun: true,
        screenshots: true,
        pageRequests: true,
        timeoutMs: 60000,
        group: `${group.name} (${user}'s window)`,
        user,
        host: { url: groupHost.url, name: groupHost.name, tokens: groupHost.tokens },
        peer: peerDir,
      },
      null,
      2,
    ),
  );
  // its own copy of the workspace file (naming only modules://<name>/): nothing shared with bob's folder
  const ownWorkspaceFile = join(dir, basename(workspaceFile));
  copyFileSync(workspaceFile, ownWorkspaceFile);
  const port = await freePort();
  const server = startCodeServer({
    port,
    userDataDir,
    extensionsDir,
    env: { PM_TEST_CONTROL: controlDir, PROTECTED_MODULES_HOST_TOKEN: groupHost.tokens[user], TMPDIR: tmp },
    logFile: join(logDir, `window2-${user}`, 'code-server.log'),
  });
  await waitForHttp(server.url, { timeoutMs: 60000, isDead: server.exited });
  return {
    user,
    companion,
    controlDir,
    userDataDir,
    server,
    resultsFile: join(controlDir, 'results.json'),
    url: `${server.url.replace(/\/$/, '')}/?workspace=${encodeURI(ownWorkspaceFile)}`,
  };
}
