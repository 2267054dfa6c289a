import type { Range } from './ast';

/** The `source` of every diagnostic the product reports (SPEC 3.4). */
export const DIAGNOSTIC_SOURCE = 'protected-modules';

/** Every stable diagnostic code of SPEC 3.4. */
export const DIAGNOSTIC_CODES = [
  'syntax-error',
  'duplicate-declaration',
  'unknown-name',
  'unknown-module',
  'no-reference-access',
  'unknown-element',
  'hidden-element',
  'not-a-dependency',
  'dependency-version',
  'dependency-cycle',
  'missing-argument',
  'unknown-argument',
  'duplicate-argument',
  'type-mismatch',
  'no-value',
  'read-only-input',
  'screen-in-non-ui-module',
  'invalid-manifest',
  'invalid-environment',
  'unknown-user',
  'read-only-module',
] as const;

/** Codes added by later sections: SPEC 9's `invalid-seal` (a sealed module whose seal does not
 *  verify; on its module.json, shown to admins; tested in test/seal/). */
export const LATER_DIAGNOSTIC_CODES = ['invalid-seal'] as const;
/** The diagnostic codes of SPEC 10 (interface changes): the editor's warning and `check --api-reports`. */
export const INTERFACE_DIAGNOSTIC_CODES = ['breaking-change', 'api-report-outdated'] as const;

export type DiagnosticCode = (typeof DIAGNOSTIC_CODES)[number] | (typeof LATER_DIAGNOSTIC_CODES)[number] | (typeof INTERFACE_DIAGNOSTIC_CODES)[number];

export type Severity = 'error' | 'warning' | 'info';

/**
 * A diagnostic about one file. `range` uses LSP positions (0-based line, UTF-16 character);
 * the CLI prints them 1-based (SPEC 6).
 */
export interface Diagnostic {
  code: DiagnosticCode;
  severity: Severity;
  message: string;
  range: Range;
}
