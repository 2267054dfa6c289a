/**
 * The HTML of the permission-denied view (SPEC 5): module, owner, the user's access, the access
 * needed, how to ask for it and — at `reference` — the module's public elements with a
 * **Show Interface** button. Built only from what the server may tell the user (the
 * PermissionDenied error's data and `protectedModules/moduleInterface`); it never contains
 * source text. Pure: no `vscode` import; unit-tested in `test/client/deniedPage.test.ts`.
 */
import type { AccessLevel } from '../shared/access/levels';
import type { InterfaceElement } from '../shared/protocol';
import { escapeHtml, htmlPage } from './webview';

export interface DeniedViewModel {
  /** The path the user tried to open, below the environment (e.g. `OrderAPI/orders.logic`). */
  path: string;
  module: string;
  owner: string;
  /** The user's access to the module. */
  access: AccessLevel;
  /** The access reading the file needs (normally `open`). */
  required: AccessLevel;
  /** The current user id, if known. */
  user?: string;
  userDisplayName?: string;
  version?: string;
  description?: string;
  /** Public elements, present only when the user has `reference` access or more. */
  elements?: InterfaceElement[];
  /**
   * Why a file outside modules (`module` is `''`, as the server's PermissionDenied data says for
   * them; docs/DECISIONS.md "The language server") is refused: `invalidPolicy` while
   * `environment.json` is invalid (everyone is locked out), `unknownUser` when the user is not in
   * its `users`, otherwise `adminsOnly` (only admins may read `environment.json`). Absent: `adminsOnly`.
   */
  outside?: 'adminsOnly' | 'unknownUser' | 'invalidPolicy';
  /** SPEC 9: set when the module is sealed (from the PermissionDenied data or listModules). */
  sealed?: { publisher: string };
  /**
   * SPEC 8: set when the user can send access requests (connected to an environment host as an
   * authenticated user). Then the page offers **Request Access…** instead of **Copy Access
   * Request** — or, while the user's request on the module is open, shows its state instead.
   */
  requests?: {
    /** The user's latest request on the module (the open one, else the last decided one). */
    latest?: { state: 'open' | 'granted' | 'declined'; access: AccessLevel; sentence: string };
  };
}

/**
 * SPEC 9: the explanation for a file of a sealed module — its source is not in this environment,
 * who publishes it, and that no grant can change that.
 */
export function sealedSentence(m: DeniedViewModel): string {
  const by = m.sealed?.publisher ? m.sealed.publisher : 'an unknown publisher';
  return `${m.module} is a sealed module published by ${by}: its source is not in this environment, so nobody here — admins included — can open its files. You can use its public elements; for changes, ask ${by}.`;
}

/** True when the model is about a file outside every module (no module name from the server). */
export function isOutsideModules(m: DeniedViewModel): boolean {
  return m.module === '';
}

/**
 * The plain explanation of a refused file outside modules (SPEC 2.3, 4; docs/DECISIONS.md):
 * one or two sentences, no module or owner.
 */
export function outsideModulesSentence(m: DeniedViewModel): string {
  const name = m.path.split('/').pop() || m.path;
  switch (m.outside) {
    case 'invalidPolicy':
      return "The environment's policy (environment.json) is invalid, so no one can open files outside modules until it is fixed; it must be fixed on disk by an admin.";
    case 'unknownUser':
      return `You${m.user ? ` (${m.user})` : ''} are not a user of this environment, so files outside modules cannot be opened. Ask an environment admin to add you to environment.json.`;
    default:
      return `Only the environment's admins can open ${name}.`;
  }
}

/** The sentence that tells the user how to get access. */
export function askSentence(m: DeniedViewModel): string {
  if (m.sealed) return sealedSentence(m);
  const owner = m.owner ? `${m.owner} (the owner)` : 'the owner of the module';
  return `Ask ${owner} or an environment admin for ${m.required} access to ${m.module}.`;
}

/**
 * SPEC 8: the access-request button: **Request Access…** when connected to a host and no request
 * of the user's on the module is open; none while one is open (its state is shown instead, see
 * {@link requestStatus}); **Copy Access Request** in local mode.
 */
function requestButton(m: DeniedViewModel): string {
  if (!m.requests) return '<button class="secondary" data-action="copyRequest" id="copyRequest">Copy Access Request</button>';
  if (m.requests.latest?.state === 'open') return '';
  return '<button data-action="requestAccess" id="requestAccess">Request Access…</button>';
}

/** SPEC 8: the state of the user's latest request on the module (a live region), or `''`. */
function requestStatus(m: DeniedViewModel): string {
  const r = m.requests?.latest;
  if (!r) return '';
  const state = escapeHtml(r.state);
  return `<div class="request request-${state}" id="request" role="status" data-state="${state}"><b>Your access request: ${escapeHtml(r.state)}.</b> ${escapeHtml(r.sentence)}</div>`;
}

/** A request text the user can paste into a message to the owner. */
export function accessRequestText(m: DeniedViewModel): string {
  const me = m.user ? (m.userDisplayName ? `${m.userDisplayName} (${m.user})` : m.user) : 'I';
  const greeting = m.owner ? `Hi ${m.owner},` : 'Hi,';
  return `${greeting} could you grant ${me === 'I' ? 'me' : me} ${m.required} access to the module ${m.module}? (Current access: ${m.access}.) I would like to open ${m.path}.`;
}

const STYLE = `
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); padding: 16px 24px; max-width: 900px; }
h1 { font-size: 1.4em; font-weight: 600; margin: 0 0 4px 0; display: flex; align-items: center; gap: 8px; }
.lock { flex: none; }
.path { color: var(--vscode-descriptionForeground); margin-bottom: 16px; font-family: var(--vscode-editor-font-family); }
table.facts { border-collapse: collapse; margin: 8px 0 16px 0; }
table.facts th { text-align: left; font-weight: 600; padding: 3px 16px 3px 0; color: var(--vscode-descriptionForeground); }
table.facts td { padding: 3px 0; }
.level { font-family: var(--vscode-editor-font-family); padding: 1px 6px; border-radius: 3px; background: var(--vscode-badge-background); color: var(--vscode-badge-foreground); }
.ask { padding: 8px 12px; border-left: 3px solid var(--vscode-textLink-foreground); background: var(--vscode-textBlockQuote-background); margin: 12px 0; }
button { font-family: var(--vscode-font-family); color: var(--vscode-button-foreground); background: var(--vscode-button-background); border: none; padding: 5px 12px; cursor: pointer; margin-right: 8px; border-radius: 2px; }
button:hover { background: var(--vscode-button-hoverBackground); }
button.secondary { color: var(--vscode-button-secondaryForeground); background: var(--vscode-button-secondaryBackground); }
h2 { font-size: 1.1em; font-weight: 600; margin: 24px 0 8px 0; }
ul.elements { list-style: none; padding: 0; margin: 0; }
ul.elements li { margin: 0 0 10px 0; }
code.sig { font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size); color: var(--vscode-textPreformat-foreground); }
.kind { color: var(--vscode-descriptionForeground); font-size: 0.9em; margin-right: 6px; }
.doc { color: var(--vscode-descriptionForeground); margin: 2px 0 0 0; }
.doc p { margin: 2px 0; }
.doc details summary { cursor: pointer; color: var(--vscode-textLink-foreground); }
.doc code { font-family: var(--vscode-editor-font-family); }
.note { color: var(--vscode-descriptionForeground); margin-top: 24px; font-size: 0.9em; }
.request { padding: 8px 12px; border-left: 3px solid var(--vscode-notificationsInfoIcon-foreground); background: var(--vscode-textBlockQuote-background); margin: 12px 0; }
.request-declined { border-left-color: var(--vscode-notificationsWarningIcon-foreground); }
`;

/** An inline lock icon (no font or image needed; inline SVG elements are allowed by the CSP). */
const LOCK_SVG =
  '<svg class="lock" aria-hidden="true" width="22" height="22" viewBox="0 0 16 16"><path fill="currentColor" d="M4 7V5a4 4 0 1 1 8 0v2h.5A1.5 1.5 0 0 1 14 8.5v5a1.5 1.5 0 0 1-1.5 1.5h-9A1.5 1.5 0 0 1 2 13.5v-5A1.5 1.5 0 0 1 3.5 7H4zm1.5 0h5V5a2.5 2.5 0 0 0-5 0v2z"/></svg>';

/**
 * A doc comment (Markdown) as safe HTML: the text is escaped first, then only `code`, **strong**
 * and *emphasis* spans become elements; paragraphs are kept. The first paragraph is shown, the
 * rest folds into a `<details>` element.
 */
export function renderDoc(markdown: string): string {
  const paragraphs = markdown
    .trim()
    .split(/\n\s*\n/)
    .map((p) =>
      escapeHtml(p.trim())
        .replace(/&#96;([^\n]*?)&#96;/g, '<code>$1</code>')
        .replace(/\*\*([^*\n]+?)\*\*/g, '<strong>$1</strong>')
        .replace(/\*([^*\n]+?)\*/g, '<em>$1</em>')
        .replace(/\n/g, '<br>'),
    )
    .filter((p) => p !== '');
  if (paragraphs.length === 0) return '';
  const [first, ...rest] = paragraphs;
  const more = rest.length ? `<details><summary>More</summary>${rest.map((p) => `<p>${p}</p>`).join('')}</details>` : '';
  return `<div class="doc"><p>${first}</p>${more}</div>`;
}

const SCRIPT = `
const vscode = acquireVsCodeApi();
for (const b of document.querySelectorAll('button[data-action]')) {
  b.addEventListener('click', () => vscode.postMessage({ type: b.getAttribute('data-action') }));
}
`;

/**
 * The whole page.
 * @param m what to show (see {@link DeniedViewModel}); every text is escaped.
 * @param csp the webview's `cspSource` and a fresh nonce.
 */
export function renderDeniedPage(m: DeniedViewModel, csp: { cspSource: string; nonce: string }): string {
  const who = m.user ? (m.userDisplayName ? `${m.userDisplayName} (${m.user})` : m.user) : 'You';
  if (isOutsideModules(m)) return renderOutsidePage(m, who, csp);
  const facts: [string, string][] = [
    ['Module', `${escapeHtml(m.module)}${m.version ? ` <span class="kind">${escapeHtml(m.version)}</span>` : ''}`],
    ['Owner', escapeHtml(m.owner || 'unknown')],
    ['User', escapeHtml(who)],
    ['Your access', `<span class="level" id="access">${escapeHtml(m.access)}</span>`],
    ['Access needed', `<span class="level" id="required">${escapeHtml(m.required)}</span>`],
  ];
  if (m.description) facts.splice(1, 0, ['Description', escapeHtml(m.description)]);
  if (m.sealed) facts.splice(1, 0, ['Sealed by', `<span id="publisher">${escapeHtml(m.sealed.publisher || 'unknown publisher')}</span>`]);
  const rows = facts.map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${v}</td></tr>`).join('\n');

  let elements = '';
  if (m.elements) {
    const items = m.elements.length
      ? m.elements.map((e) => `<li><code class="sig">${escapeHtml(e.signature)}</code>${e.documentation ? renderDoc(e.documentation) : ''}</li>`).join('\n')
      : '<li>This module has no public elements.</li>';
    elements = `<h2>Public elements of ${escapeHtml(m.module)}</h2>
<p>You may use these from your modules (add ${escapeHtml(m.module)} to your module's dependencies).</p>
<ul class="elements" id="elements">
${items}
</ul>`;
  }

  const buttons = [
    m.elements ? '<button data-action="showInterface" id="showInterface">Show Interface</button>' : '',
    // A sealed module's source is not here: no grant can open it, so no access request.
    m.sealed ? '' : requestButton(m),
  ].join('');

  const body = `<h1>${LOCK_SVG} You cannot open this file</h1>
<div class="path">${escapeHtml(m.path)}</div>
${
  m.sealed
    ? `<p id="sealed">The source of ${escapeHtml(m.module)} is not in this environment: it is a sealed module, published by <b>${escapeHtml(m.sealed.publisher || 'an unknown publisher')}</b>.</p>`
    : `<p>${escapeHtml(m.module)} is a protected module. Reading its files needs <b>${escapeHtml(m.required)}</b> access; you have <b>${escapeHtml(m.access)}</b>.</p>`
}
<table class="facts">
${rows}
</table>
<div class="ask" id="ask">${escapeHtml(askSentence(m))}</div>
${m.sealed ? '' : requestStatus(m)}
<div>${buttons}</div>
${elements}
<p class="note">The file's content was not sent to VS Code.</p>`;

  return htmlPage({
    cspSource: csp.cspSource,
    nonce: csp.nonce,
    title: `${m.module}: access denied`,
    style: STYLE,
    body,
    script: SCRIPT,
  });
}

/** The page for a file outside modules: the reason in plain words, no module/owner rows. */
function renderOutsidePage(m: DeniedViewModel, who: string, csp: { cspSource: string; nonce: string }): string {
  const rows = [
    ['User', escapeHtml(who)],
    ['Your access', `<span class="level" id="access">${escapeHtml(m.access)}</span>`],
    ['Access needed', `<span class="level" id="required">${escapeHtml(m.required)}</span>`],
  ]
    .map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${v}</td></tr>`)
    .join('\n');
  const body = `<h1>${LOCK_SVG} You cannot open this file</h1>
<div class="path">${escapeHtml(m.path)}</div>
<p id="reason">${escapeHtml(outsideModulesSentence(m))}</p>
<table class="facts">
${rows}
</table>
<p class="note">The file's content was not sent to VS Code.</p>`;
  return htmlPage({
    cspSource: csp.cspSource,
    nonce: csp.nonce,
    title: `${m.path.split('/').pop() || m.path}: access denied`,
    style: STYLE,
    body,
    script: SCRIPT,
  });
}
