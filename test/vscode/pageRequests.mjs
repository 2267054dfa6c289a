// Page requests (issue 13 point 7): what a suite inside VS Code's extension host cannot do itself
// and the launcher (test/vscode/run.mjs) does in chromium through playwright-core — run axe-core
// inside a webview's frame, press keys as a user does, read what has the keyboard focus in a
// webview, click a button of a modal dialog.
//
// A suite writes `control/page/<id>.request.json` (see test/vscode/host/control.ts
// `PageRequest`); the launcher answers `control/page/<id>.done.json` with `{ result }` or
// `{ error }` (written to a temporary name and renamed).
//
// Webview frames: VS Code puts each webview in an `iframe.webview` whose document holds the
// extension's page in an inner frame (`#active-frame`). A request names the page by its
// `<title>` (`title`, matched exactly); the frame is the one whose document has that title.
// axe-core is injected by evaluating its source through the DevTools protocol (playwright's
// `frame.evaluate`), which the page's Content-Security-Policy does not govern: the webview's own
// CSP (scripts only with the page's nonce) stays as it is.
/* global document, window, location, getComputedStyle -- functions passed to page/frame.evaluate run in the browser */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
let axeSource;

/** The frames of `page` whose document's title is `title`. */
async function framesTitled(page, title) {
  const out = [];
  for (const f of page.frames()) {
    try {
      if ((await f.evaluate(() => document.title)) === title) out.push(f);
    } catch {
      /* detached or not yet loaded */
    }
  }
  return out;
}

/** The one frame titled `title`, waiting up to `timeoutMs` for it. */
async function frameTitled(page, title, timeoutMs = 15000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const frames = await framesTitled(page, title);
    if (frames.length === 1) return frames[0];
    if (Date.now() > end) {
      throw new Error(`${frames.length} frames are titled "${title}" (want exactly 1)`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Runs axe-core in the frame titled `req.title`; returns its violations and incomplete checks. */
async function runAxe(page, req) {
  const frame = await frameTitled(page, req.title);
  axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await frame.evaluate(() => typeof window.axe === 'object'))) await frame.evaluate(axeSource);
  return frame.evaluate(async (options) => {
    const r = await window.axe.run(document, options);
    const brief = (list) =>
      list.map((v) => ({
        id: v.id,
        impact: v.impact ?? null,
        help: v.help,
        nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html.slice(0, 200), summary: n.failureSummary ?? '' })),
      }));
    return {
      engine: `${r.testEngine.name} ${r.testEngine.version}`,
      url: location.href.slice(0, 120),
      bodyClass: document.body.className,
      violations: brief(r.violations),
      incomplete: brief(r.incomplete),
      passes: r.passes.map((p) => p.id),
    };
  }, req.options ?? {});
}

/** What has the keyboard focus in the frame titled `req.title` (whether that frame has it at all). */
async function focusInfo(page, req) {
  const frame = await frameTitled(page, req.title);
  return frame.evaluate(() => {
    const el = document.activeElement;
    const has = document.hasFocus();
    if (!el || el === document.body) return { hasFocus: has, tag: el ? 'BODY' : null };
    const cs = getComputedStyle(el);
    return {
      hasFocus: has,
      tag: el.tagName,
      id: el.id || null,
      text: (el.textContent ?? '').trim().slice(0, 80),
      focusVisible: el.matches(':focus-visible'),
      outline: { style: cs.outlineStyle, width: cs.outlineWidth, color: cs.outlineColor },
      ...(el.tagName === 'SUMMARY' ? { expanded: !!el.parentElement?.open } : {}),
    };
  });
}

/** Presses `req.keys` in order (playwright key names: `Tab`, `Shift+Tab`, `Enter`, `Space`). */
async function pressKeys(page, req) {
  for (const k of req.keys) await page.keyboard.press(k);
  return { pressed: req.keys };
}

/**
 * Waits for VS Code's modal dialog (optionally stores a screenshot of it, `req.screenshot` naming
 * the PNG), then clicks its button labelled `req.button` (exactly, after trimming); returns the
 * dialog's message, detail and button labels.
 */
async function clickDialog(page, req, ctx) {
  const box = page.locator('.monaco-dialog-box');
  await box.waitFor({ state: 'visible', timeout: req.timeoutMs ?? 15000 });
  if (req.screenshot && ctx.shotDir) {
    mkdirSync(ctx.shotDir, { recursive: true });
    await page.screenshot({ path: join(ctx.shotDir, `${req.screenshot.replace(/[^A-Za-z0-9._-]+/g, '_')}.png`) });
  }
  const message = ((await box.locator('.dialog-message-text').textContent()) ?? '').trim();
  const detail = ((await box.locator('.dialog-message-detail').allTextContents()) ?? []).join('\n').trim();
  const buttons = (await box.locator('.dialog-buttons a.monaco-button, .dialog-buttons .monaco-button').allTextContents()).map((t) => t.trim());
  const target = box.locator('.dialog-buttons .monaco-button').filter({ hasText: req.button });
  const n = await target.count();
  let clicked = false;
  for (let i = 0; i < n; i++) {
    if (((await target.nth(i).textContent()) ?? '').trim() === req.button) {
      await target.nth(i).click();
      clicked = true;
      break;
    }
  }
  if (!clicked) throw new Error(`the dialog "${message}" has no button "${req.button}" (buttons: ${buttons.join(', ')})`);
  try {
    await box.waitFor({ state: 'hidden', timeout: 15000 });
  } catch (e) {
    const now = await box
      .locator('.dialog-message-text')
      .allTextContents()
      .catch(() => []);
    if (ctx.shotDir) {
      mkdirSync(ctx.shotDir, { recursive: true });
      await page.screenshot({ path: join(ctx.shotDir, 'dialog-not-closed.png') }).catch(() => {});
    }
    throw new Error(`after clicking "${req.button}" in "${message}", a dialog is still shown: ${JSON.stringify(now)}`, { cause: e });
  }
  return { message, detail, buttons: [...new Set(buttons)] };
}

/**
 * The accessible name and role the workbench gives the element `req.selector` (or its first
 * descendant with a role and an `aria-label`, else with an `aria-label`), as a screen reader reads them from the DOM; waits up to 15 s
 * for the element.
 */
async function ariaOf(page, req) {
  const el = page.locator(req.selector).first();
  await el.waitFor({ state: 'attached', timeout: 15000 });
  return el.evaluate((node) => {
    const both = node.matches('[role][aria-label]') ? node : node.querySelector('[role][aria-label]');
    const named = both ?? (node.hasAttribute('aria-label') ? node : node.querySelector('[aria-label]'));
    return {
      label: named?.getAttribute('aria-label') ?? null,
      role: named?.getAttribute('role') ?? node.getAttribute('role'),
      text: (node.textContent ?? '').trim(),
    };
  });
}

const HANDLERS = { axe: runAxe, focus: focusInfo, keys: pressKeys, dialog: clickDialog, aria: ariaOf };

/**
 * Serves the pending page requests of a control folder (each once; `served` remembers them).
 * @param page the workbench's playwright page
 * @param controlDir the group's control folder
 * @param served a Set shared across calls
 * @param say logs a line
 * @param logDir where each full axe result is kept (`axe/<id>-<title>.json`), optional
 * @param shotDir where a dialog's screenshot goes (the group's screenshots folder), optional
 */
export async function servePageRequests(page, controlDir, served, say = () => {}, logDir = undefined, shotDir = undefined) {
  const dir = join(controlDir, 'page');
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith('.request.json') || served.has(`page/${f}`)) continue;
    served.add(`page/${f}`);
    const id = f.slice(0, -'.request.json'.length);
    let ack;
    try {
      const req = JSON.parse(readFileSync(join(dir, f), 'utf8'));
      const handler = HANDLERS[req.kind];
      if (!handler) throw new Error(`unknown page request "${req.kind}"`);
      ack = { result: await handler(page, req, { shotDir }) };
      if (req.kind === 'axe' && logDir) {
        mkdirSync(join(logDir, 'axe'), { recursive: true });
        writeFileSync(join(logDir, 'axe', `${id}-${String(req.title).replace(/[^A-Za-z0-9._-]+/g, '_')}.json`), JSON.stringify(ack.result, null, 2));
      }
      say(`  page request ${req.kind}${req.title ? ` "${req.title}"` : ''}${req.button ? ` "${req.button}"` : ''}`);
    } catch (e) {
      ack = { error: String(e?.message ?? e) };
    }
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${id}.done.json.tmp`), JSON.stringify(ack));
    renameSync(join(dir, `${id}.done.json.tmp`), join(dir, `${id}.done.json`));
  }
}
