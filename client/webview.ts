/**
 * Shared helpers for the extension's webviews (SPEC 5: "Webviews use a Content Security Policy
 * with nonces, and escape every text they show"). Pure: no `vscode` import, unit-tested in
 * `test/client/webview.test.ts`.
 */
import { randomBytes } from 'node:crypto';

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/**
 * Escapes text for use in HTML element content and in quoted attribute values.
 * @param value any value; `null`/`undefined` become `''`, other non-strings are `String()`ed.
 * @returns the text with `& < > " ' \`` replaced by character references.
 */
export function escapeHtml(value: unknown): string {
  if (value === null || value === undefined) return '';
  return String(value).replace(/[&<>"'`]/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * A fresh nonce for one rendering of a webview: 128 random bits, base64 (only `[A-Za-z0-9+/=]`,
 * safe inside a CSP source expression and an attribute).
 */
export function makeNonce(): string {
  return randomBytes(16).toString('base64');
}

/**
 * The Content-Security-Policy of every webview of the extension: nothing is allowed except
 * the webview's own styles/images/fonts and inline `<style>`/`<script>` elements carrying `nonce`.
 * @param cspSource the webview's `cspSource` (e.g. `https://*.vscode-cdn.net`).
 * @param nonce a value from {@link makeNonce}.
 */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

/**
 * A whole HTML page with the CSP meta element, a nonce'd style element and an optional nonce'd
 * script. `body` must already be escaped HTML (build it with {@link escapeHtml}).
 */
/**
 * Keyboard focus stays visible in every webview, and the page paints the editor's background
 * itself: VS Code leaves a webview's body transparent, so contrast checks (axe-core, issue 13
 * point 7) would measure the theme's text against white.
 */
const FOCUS_STYLE =
  'html,body{background-color:var(--vscode-editor-background)}' +
  'button:focus-visible,summary:focus-visible,a:focus-visible{outline:2px solid var(--vscode-focusBorder,#0078d4);outline-offset:2px}';

export function htmlPage(opts: { cspSource: string; nonce: string; title: string; style: string; body: string; script?: string }): string {
  const { cspSource, nonce, title, style, body, script } = opts;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(contentSecurityPolicy(cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(title)}</title>
<style nonce="${escapeHtml(nonce)}">${style}${FOCUS_STYLE}</style>
</head>
<body>
<main>
${body}
</main>
${script ? `<script nonce="${escapeHtml(nonce)}">${script}</script>` : ''}
</body>
</html>`;
}
