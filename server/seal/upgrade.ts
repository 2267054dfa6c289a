/**
 * The upgrade hook of `install --upgrade` (SPEC 9, SPEC 10; issue 11 acceptance 5).
 *
 * Installing a sealed module over an installed sealed module of the same name is refused unless
 * `--upgrade` is given; with it, {@link upgradeVerdict} decides: the same publisher, and the
 * interface diff of SPEC 10 (`shared/interface/`), which refuses a breaking change unless
 * `--accept-breaking` is given.
 */
import { diffInterfaces, requiredBump } from '../../shared/interface/diff';
import { parseInterfaceDocument } from '../../shared/interface/model';

/** One side of an upgrade: a sealed module's name, version, publisher and interface document. */
export interface UpgradeSide {
  module: string;
  version: string;
  publisher: string;
  /** The verified `INTERFACE.logic` text (SPEC 3.5); `undefined` for an installed copy whose seal
   *  does not verify (its interface is then unknown). */
  interfaceText: string | undefined;
  /** Why the installed copy's seal does not verify, when `interfaceText` is `undefined`. */
  invalidReason?: string;
}

/** What {@link upgradeVerdict} decides. */
export interface UpgradeVerdict {
  /** True when the upgrade may go ahead. */
  ok: boolean;
  /** Lines to print (the interface diff once SPEC 10 is plugged in; the refusal reason when `!ok`). */
  report: string[];
}

/**
 * Decides whether `incoming` may replace `installed` (SPEC 9 `install --upgrade`, SPEC 10): the
 * publisher must be the same (a different publisher is a different module that only shares a
 * name); the report is the SPEC 10 interface diff of `installed.interfaceText` →
 * `incoming.interfaceText` (one `<severity>: <Element>: <what>` line per change, then
 * `required: <bump> (<from> → <to>)`); a breaking change is refused unless
 * `options.acceptBreaking`.
 *
 * @returns the verdict. Never throws.
 */
export function upgradeVerdict(installed: UpgradeSide, incoming: UpgradeSide, options: { acceptBreaking: boolean }): UpgradeVerdict {
  if (installed.interfaceText === undefined || incoming.interfaceText === undefined) {
    // A tampered or otherwise unverifiable installed copy: neither its publisher nor its interface
    // can be believed, so there is nothing to compare against. Replacing it with a verified bundle
    // is a repair; say so instead of listing every element as "added".
    return {
      ok: incoming.interfaceText !== undefined,
      report: [
        `upgrading ${installed.module} ${installed.version} → ${incoming.version}`,
        `the installed copy does not verify (${installed.invalidReason ?? 'invalid seal'}): its interface is unknown, so no interface diff is shown; installing replaces it with the verified ${incoming.version}`,
      ],
    };
  }
  if (installed.publisher !== incoming.publisher) {
    return {
      ok: false,
      report: [`the installed ${installed.module} is sealed by '${installed.publisher}', the new one by '${incoming.publisher}'`],
    };
  }
  const before = parseInterfaceDocument(installed.interfaceText, installed.module).model;
  const after = parseInterfaceDocument(incoming.interfaceText, incoming.module).model;
  // Only the public interfaces are compared: an element missing from the new one is "removed".
  const changes = diffInterfaces(before, after, { module: incoming.module });
  const required = requiredBump(changes);
  const report = [
    `upgrading ${installed.module} ${installed.version} → ${incoming.version}`,
    ...changes.map((c) => `${c.severity}: ${c.element}: ${c.detail}`),
    `required: ${required} (${installed.version} → ${incoming.version})`,
  ];
  if (required === 'major' && !options.acceptBreaking) {
    const n = changes.filter((c) => c.severity === 'breaking').length;
    return { ok: false, report: [...report, `${n} breaking change${n === 1 ? '' : 's'}: give --accept-breaking to install it anyway`] };
  }
  return { ok: true, report };
}
