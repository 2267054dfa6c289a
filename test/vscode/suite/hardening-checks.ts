/**
 * Pure checks of the client hardening tests (issue 5, "Webviews and views"): is a webview page's
 * HTML safe (every hostile text escaped, CSP with nonces, no script without the nonce, no
 * `javascript:` URL, no event-handler attribute, no foreign element), is a Markdown tooltip's
 * source inert (no raw HTML, no link or image syntax)? No `vscode` import: used by the real-VS-Code
 * suites and by `test/client/webview-hardening.test.ts`.
 */

/** Elements the extension's own pages use; anything else in a page came from data. */
export const ALLOWED_ELEMENTS = new Set([
  'html',
  'head',
  'meta',
  'title',
  'style',
  'body',
  'main',
  'script',
  'h1',
  'h2',
  'div',
  'p',
  'table',
  'tr',
  'th',
  'td',
  'span',
  'b',
  'ul',
  'li',
  'code',
  'button',
  'svg',
  'path',
  'details',
  'summary',
  'strong',
  'em',
  'br',
]);

/** Every start or end tag of `html` as `{ name, attrs, raw }` (attributes with their values). */
export function tags(html: string): { name: string; end: boolean; attrs: Record<string, string>; raw: string }[] {
  const out: { name: string; end: boolean; attrs: Record<string, string>; raw: string }[] = [];
  // <!DOCTYPE …> and comments are skipped; an attribute value is "…", '…' or unquoted.
  const tagRe = /<(\/?)([A-Za-z][A-Za-z0-9-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*\/?>/g;
  for (const m of html.matchAll(tagRe)) {
    const attrs: Record<string, string> = {};
    for (const a of m[3]!.matchAll(/([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g)) {
      attrs[a[1]!.toLowerCase()] = a[2] ?? a[3] ?? a[4] ?? '';
    }
    out.push({ name: m[2]!.toLowerCase(), end: m[1] === '/', attrs, raw: m[0] });
  }
  return out;
}

/** The text content of `<script>` elements. */
export function scripts(html: string): { nonce: string | undefined; body: string }[] {
  return [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)].map((m) => ({
    nonce: /\bnonce="([^"]*)"/.exec(m[1]!)?.[1],
    body: m[2]!,
  }));
}

/**
 * Problems of a webview page (empty when safe):
 * - a CSP `<meta>` with `default-src 'none'` and `script-src 'nonce-N'` (no `unsafe-inline`/`unsafe-eval`);
 * - every `<script>` carries that nonce, there are at most `maxScripts`, and no script body holds
 *   any of `hostile` (data never reaches script text);
 * - only {@link ALLOWED_ELEMENTS}; no `on…` attribute; no `href`/`src`/`action`/`formaction`/`xlink:href`
 *   at all (the pages link nowhere);
 * - no `<` of data: every `<` starts one of the recognised tags, a comment or the doctype.
 */
export function webviewProblems(html: string, opts: { hostile?: string[]; maxScripts?: number } = {}): string[] {
  const problems: string[] = [];
  const metas = tags(html).filter((t) => t.name === 'meta' && (t.attrs['http-equiv'] ?? '').toLowerCase() === 'content-security-policy');
  if (metas.length !== 1) problems.push(`expected one CSP meta element, found ${metas.length}`);
  const csp = (metas[0]?.attrs.content ?? '')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
  const directives = new Map(
    csp
      .split(';')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => {
        const [k, ...v] = d.split(/\s+/);
        return [k!, v] as const;
      }),
  );
  if (!(directives.get('default-src') ?? []).includes("'none'")) problems.push(`CSP without default-src 'none': ${csp}`);
  const scriptSrc = directives.get('script-src') ?? [];
  const nonces = scriptSrc.filter((s) => /^'nonce-[A-Za-z0-9+/=]{16,}'$/.test(s)).map((s) => s.slice(7, -1));
  if (nonces.length !== 1) problems.push(`CSP script-src without exactly one nonce: ${csp}`);
  if (scriptSrc.some((s) => s !== `'nonce-${nonces[0]}'`)) problems.push(`CSP script-src allows more than the nonce: ${csp}`);
  if (/unsafe-inline|unsafe-eval|\*/.test(`${scriptSrc.join(' ')} ${(directives.get('default-src') ?? []).join(' ')}`)) {
    problems.push(`CSP allows unsafe script sources: ${csp}`);
  }
  const scriptList = scripts(html);
  if (scriptList.length > (opts.maxScripts ?? 1)) problems.push(`${scriptList.length} script elements`);
  for (const s of scriptList) {
    if (!nonces[0] || s.nonce !== nonces[0]) problems.push(`a script without the CSP nonce: ${s.body.slice(0, 80)}`);
    for (const h of opts.hostile ?? []) if (h && s.body.includes(h)) problems.push(`data inside a script: ${h}`);
  }
  const all = tags(html);
  for (const t of all) {
    if (!ALLOWED_ELEMENTS.has(t.name)) problems.push(`foreign element <${t.name}>: ${t.raw.slice(0, 120)}`);
    for (const [k, v] of Object.entries(t.attrs)) {
      if (/^on/.test(k)) problems.push(`event handler attribute: ${t.raw.slice(0, 120)}`);
      if (['href', 'src', 'action', 'formaction', 'xlink:href', 'srcdoc', 'background', 'poster'].includes(k)) {
        problems.push(`URL attribute ${k}="${v}": ${t.raw.slice(0, 120)}`);
      }
      if (/^\s*(javascript|vbscript|data|command):/i.test(v)) problems.push(`script URL in ${k}: ${t.raw.slice(0, 120)}`);
    }
  }
  // every `<` outside script/style bodies must begin a recognised tag (so no data made a tag)
  const stripped = html
    .replace(/<script\b[^>]*>[\s\S]*?<\/script>/gi, '')
    .replace(/<style\b[^>]*>[\s\S]*?<\/style>/gi, '')
    .replace(/<!DOCTYPE[^>]*>/i, '')
    .replace(/<!--[\s\S]*?-->/g, '');
  const tagCount = tags(stripped).length;
  const ltCount = (stripped.match(/</g) ?? []).length;
  if (tagCount !== ltCount) problems.push(`${ltCount - tagCount} '<' characters that start no recognised tag`);
  // no unbalanced structure-changing elements from data
  for (const name of ['script', 'style', 'textarea', 'title', 'iframe', 'object', 'embed', 'form', 'a', 'img', 'svg']) {
    const open = all.filter((t) => t.name === name && !t.end).length;
    const close = all.filter((t) => t.name === name && t.end).length;
    if (open !== close && name !== 'img') problems.push(`<${name}> opened ${open} times, closed ${close} times`);
  }
  return problems;
}

/** The text of `html` as a reader sees it: tags removed, character references decoded. */
export function visibleText(html: string): string {
  return html
    .replace(/<script\b[^>]*>[\s\S]*?<\/script>/gi, '')
    .replace(/<style\b[^>]*>[\s\S]*?<\/style>/gi, '')
    .replace(/<head\b[^>]*>[\s\S]*?<\/head>/gi, '')
    .replace(/<br>/g, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#96;/g, '`')
    .replace(/&amp;/g, '&');
}

/**
 * Problems of a Markdown source meant to show data as text (a tooltip built with
 * `MarkdownString.appendText`/`appendCodeblock`): raw HTML tags, link or image syntax, autolinks.
 * Fenced code blocks are ignored (their content is literal).
 */
export function markdownProblems(markdown: string): string[] {
  const problems: string[] = [];
  const outside = markdown.replace(/\n```[^\n]*\n[\s\S]*?\n```/g, '\n');
  // an unescaped `<` followed by a tag name or `/`, and closed by an unescaped `>`
  for (const m of outside.matchAll(/(?<!\\)<\/?[A-Za-z][^<>]*?(?<!\\)>/g)) problems.push(`raw HTML: ${m[0]}`);
  for (const m of outside.matchAll(/(?<!\\)\]\s*\(/g))
    problems.push(`link syntax near: ${outside.slice(Math.max(0, (m.index ?? 0) - 30), (m.index ?? 0) + 30)}`);
  for (const m of outside.matchAll(/(?<!\\)<(?:https?|javascript|command|mailto):[^>]*>/gi)) problems.push(`autolink: ${m[0]}`);
  return problems;
}
