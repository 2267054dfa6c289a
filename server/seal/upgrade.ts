/**
 * The upgrade hook of `install --upgrade` (SPEC 9, SPEC 10; issue 11 acceptance 5).
 *
 * Installing a sealed module over an installed sealed module of the same name is refused unless
 * `--upgrade` is given; with it, {@link upgradeVerdict} decides. The interface diff of SPEC 10
 * (`protected-modules diff`) is built elsewhere: plug it in HERE — compare `installed` with
 * `incoming`, return the diff lines in `report`, and refuse a breaking change unless
 * `acceptBreaking` is set. Until then the hook only checks what it can without a diff.
 */

/** One side of an upgrade: a sealed module's name, version, publisher and interface document. */
export interface UpgradeSide {
  module: string;
  version: string;
  publisher: string;
  /** The verified `INTERFACE.logic` text (SPEC 3.5). */
  interfaceText: string;
}

/** What {@link upgradeVerdict} decides. */
export interface UpgradeVerdict {
  /** True when the upgrade may go ahead. */
  ok: boolean;
  /** Lines to print (the interface diff once SPEC 10 is plugged in; the refusal reason when `!ok`). */
  report: string[];
}

/**
 * Decides whether `incoming` may replace `installed` (SPEC 9 `install --upgrade`).
 * Today: the publisher must be the same (a different publisher is a different module that only
 * shares a name). TODO(issue 11, acceptance 5): print the SPEC 10 interface diff of
 * `installed.interfaceText` → `incoming.interfaceText` and refuse a breaking change unless
 * `options.acceptBreaking`.
 *
 * @returns the verdict. Never throws.
 */
export function upgradeVerdict(installed: UpgradeSide, incoming: UpgradeSide, options: { acceptBreaking: boolean }): UpgradeVerdict {
  void options;
  if (installed.publisher !== incoming.publisher) {
    return {
      ok: false,
      report: [`the installed ${installed.module} is sealed by '${installed.publisher}', the new one by '${incoming.publisher}'`],
    };
  }
  return {
    ok: true,
    report: [`upgrading ${installed.module} ${installed.version} → ${incoming.version} (interface diff not available yet: SPEC 10)`],
  };
}
