/**
 * How modules and elements are labelled in the Modules view and quick picks (SPEC 5). Pure: no
 * `vscode` import; unit-tested in `test/client/labels.test.ts`.
 */
import type { InterfaceElement, ModuleSummary } from '../shared/protocol';

/**
 * The context value of a module item, `module:<access>:<locked|unlocked>`, which the owner
 * commands' menus match (`viewItem =~ /^module:full:unlocked$/` offers Protect Module, …).
 */
export function moduleContextValue(m: Pick<ModuleSummary, 'access' | 'protected'>): string {
  return `module:${m.access}:${m.protected ? 'locked' : 'unlocked'}`;
}

/** A module item's description: `<version> · <kind> · <the user's access>`. */
export function moduleDescription(m: Pick<ModuleSummary, 'version' | 'kind' | 'access' | 'sealed'>): string {
  return `${m.version} · ${m.kind} · ${m.access}${sealedLabel(m)}`;
}

/**
 * SPEC 9: ` · sealed by <publisher>` for a sealed module (plus ` (seal invalid)` when the server
 * told an admin that its seal did not verify); `''` otherwise.
 */
export function sealedLabel(m: Pick<ModuleSummary, 'sealed'>): string {
  if (!m.sealed) return '';
  return ` · sealed by ${m.sealed.publisher || 'unknown publisher'}${m.sealed.invalid ? ' (seal invalid)' : ''}`;
}

/**
 * An element's signature without the leading `[public] server action <Name>` /
 * `[public] structure <Name>` (the item's label already says the name).
 */
export function shortSignature(e: Pick<InterfaceElement, 'kind' | 'name' | 'signature'>): string {
  const prefix = e.kind === 'structure' ? `structure ${e.name}` : `server action ${e.name}`;
  const sig = e.signature.replace(/^public\s+/, '');
  return sig.startsWith(prefix) ? sig.slice(prefix.length).trim() : sig;
}

/**
 * Data (a module description, a user's display name) for a place that renders theme icons from
 * `$(name)` — quick-pick labels, descriptions and details, status-bar texts, CodeLens titles —
 * with that syntax escaped (`\$(name)`), so the text shows literally (issue 5: texts from the
 * environment are shown as text). `undefined` stays `undefined`.
 */
export function plainLabel<T extends string | undefined>(text: T): T {
  return (text === undefined ? text : text.replace(/\$\(/g, '\\$(')) as T;
}
