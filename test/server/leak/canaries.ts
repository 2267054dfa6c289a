/**
 * The canaries of `test/fixtures/leak-env` (SPEC 4 "No leak", issue 3 acceptance 5) and which
 * user may see which of them (SPEC 2.3).
 *
 * Every canary is a string that occurs in exactly one kind of place in the fixture, so that
 * finding it in the server's output names what leaked. Matching is case-sensitive on raw bytes.
 */

/** Private text of the protected module `Vault` (visible only at ≥ `open`: its owner, admins). */
export const VAULT_PRIVATE = [
  // private server actions, their inputs, outputs and doc comments
  'CANARY_PRIVATE_ACTION_7f3a',
  'CANARY_PRIVATE_PARAM_3b9d',
  'CANARY_PRIVATE_OUTPUT_1e4f',
  'CANARY_PRIVATE_DOC_c0de',
  'CANARY_RECONCILE_PARAM_8e1b', // inputs/outputs/doc of the private action `Reconcile`,
  'CANARY_RECONCILE_OUT_2d9c', //   which the consumer references by name (unknown-element)
  'CANARY_RECONCILE_DOC_5a3f',
  // private structures, their fields and doc comments
  'CANARY_PRIVATE_STRUCT_a11e', // also the output type of the public action `Audit`
  'CANARY_PRIVATE_STRUCT_DOC_6f0c',
  'CANARY_PRIVATE_FIELD_e5f1',
  'CANARY_PRIVATE_FIELD_DOC_9b7e',
  'CANARY_LEDGER_DOC_41c7', // the private structure `Ledger`, used as a type by the consumer
  'CANARY_LEDGER_FIELD_c3e8',
  // comments, string literals, locals inside bodies
  'CANARY_BLOCK_COMMENT_38ab',
  'CANARY_BODY_COMMENT_91f2',
  'CANARY_LOCAL_VAR_b21c',
  'CANARY_STRING_LIT_5e0a',
  'CANARY_FIELD_VALUE_77d0',
  'CANARY_ERROR_VAR_6a2b', // a deliberate type error in a private body
  'CANARY_ERROR_STRING_0f9e',
  // a file and a folder with canary names, and what they hold
  'CANARYFILE_8c4d',
  'CANARY_FILE_COMMENT_2b5e',
  'CANARY_FILE_ACTION_9d3c',
  'CANARY_FILE_STRING_a6f8',
  'CANARYDIR_2f6b',
  'CANARY_DEEP_STRUCT_5c1d',
  'CANARY_DEEP_FIELD_e0b3',
  // the module's manifest comment
  'CANARY_MANIFEST_COMMENT_4c2d',
  // an environment.json inside Vault: an ordinary private file of Vault (SPEC 4.1), no policy
  'CANARY_VAULT_POLICY_6e0f',
  // the folders of the module `Annex` nested inside Vault (reached only by name, SPEC 4.1)
  'CANARYNEST_OUTER_7a1c',
  'CANARYNEST_INNER_d2e9',
];

/** Private text of `Annex`, the module nested inside Vault's folder. Every known user is granted
 *  `open` on it, but below `open` on Vault that is capped at `reference` (SPEC 4.1): only Vault's
 *  owner and the admin (≥ `open` on Vault) may read it. */
export const ANNEX_PRIVATE = ['CANARY_ANNEX_PRIVATE_ACTION_4b8e', 'CANARY_ANNEX_PRIVATE_DOC_93fa', 'CANARY_ANNEX_BODY_COMMENT_2c6d'];

/** Public signature and doc of `Annex` (every known user reaches them by name; the consumer
 *  calls `Annex.Stamp` positionally, so the parameter's name is never sent). */
export const ANNEX_PUBLIC = ['ANNEXDOC_STAMP_q9z', 'annexparam_t3w'];

/** `Annex`'s name-level facts (at `none` only for the unknown user). */
export const ANNEX_FACTS = ['ANNEX_DESC_m4p', '2.71.828'];

/** The path of Vault's main source below its folder: a private file name, which the client sends
 *  in the blind part (as a URI it guesses), so only answers that name it unasked count. */
export const VAULT_PATHS = ['src/api.logic'];

/** Public signatures and doc comments of `Vault` (visible at ≥ `reference`). The consumer never
 *  types these (it uses `account`/`amount`, `Deposit`, `Balance`, `Audit`, `Receipt`, `amount`). */
export const VAULT_PUBLIC = [
  'PUBDOC_RECEIPT_h8n',
  'PUBDOC_FIELD_t4v',
  'pubfield_code_y6u',
  'PUBDOC_DEPOSIT_k3m',
  'PUBDOC_PARAM_r7q',
  'PUBDOC_BALANCE_w2x',
  'pubparam_acct_j5d',
  'PUBDOC_AUDIT_u8s',
  'PUBDOC_HUSHED_v5g', // the public action `Hushed`, typed with a structure of the hidden module
];

/** `Vault`'s name-level facts other than its name (visible at ≥ `list`). */
export const VAULT_FACTS = ['CANARY_DESCRIPTION_VAULT_d41e', '7.31.977', 'canary.owner.q7w'];

/** Everything of the module `CanaryNoneModule_6d1f` (folder `CANARY_NONE_FOLDER_0b8e`), at
 *  `none` for every test user: its name, folder, version, owner, description, public element. */
export const HUSH = [
  'CanaryNoneModule_6d1f',
  'CANARY_NONE_FOLDER_0b8e',
  '3.14.159',
  'canary.hushowner.p5k',
  'CANARY_NONE_DESC_71aa',
  'CANARY_NONE_PUBLIC_ACTION_b4d2',
  'CANARY_NONE_PUBDOC_3e8a',
  // its public structure, the output type of Vault's public action `Hushed`: an interface
  // document of Vault names it for nobody who cannot reference the hidden module (SPEC 4.1)
  'CANARY_NONE_STRUCT_5f2a',
  'CANARY_NONE_FIELD_8c3b',
  'CANARY_NONE_STRUCTDOC_1d7e',
];

/** The text of `environment.json` (readable only by admins). */
export const POLICY = ['CANARY_POLICY_COMMENT_e17a'];

/** Sources of the unprotected `Storefront` the test never sends (readable by known users; the
 *  unknown user is at `list` on it). */
export const STOREFRONT_PRIVATE = ['STORE_PRIVATE_COMMENT_7c1a', 'STORE_HELPER_ACTION_3f6e', 'STORE_PRIVATE_STRING_d8b2'];

/** The environment's own README (readable by known users). */
export const ENVDOC = ['ENVDOC_CANARY_5b0c'];

/** Every canary. */
export const ALL = [
  ...VAULT_PRIVATE,
  ...ANNEX_PRIVATE,
  ...ANNEX_PUBLIC,
  ...ANNEX_FACTS,
  ...VAULT_PATHS,
  ...VAULT_PUBLIC,
  ...VAULT_FACTS,
  ...HUSH,
  ...POLICY,
  ...STOREFRONT_PRIVATE,
  ...ENVDOC,
];

/** The users of the leak sessions, what they are, and the canaries they may not see. */
export const USERS = {
  /** `reference` on Vault, `change` on Storefront, `none` on CanaryNoneModule_6d1f. */
  rita: { level: 'reference', forbidden: [...VAULT_PRIVATE, ...ANNEX_PRIVATE, ...VAULT_PATHS, ...HUSH, ...POLICY] },
  /** `list` on Vault. */
  lisa: { level: 'list', forbidden: [...VAULT_PRIVATE, ...ANNEX_PRIVATE, ...VAULT_PATHS, ...VAULT_PUBLIC, ...HUSH, ...POLICY] },
  /** `none` on Vault (a known user without a grant on a protected module). */
  nora: { level: 'none', forbidden: [...VAULT_PRIVATE, ...ANNEX_PRIVATE, ...VAULT_PATHS, ...VAULT_PUBLIC, ...VAULT_FACTS, ...HUSH, ...POLICY] },
  /** Not a user of the environment: `none` on protected modules, `list` on the others. */
  mallory: {
    level: 'unknown',
    forbidden: [...ALL], // every canary
  },
  /** Vault's owner (`full` on Vault) with `list` on CanaryNoneModule_6d1f: Vault's own source names
   *  the hidden structure (so its name is not forbidden here), never its fields or doc. */
  'canary.owner.q7w': {
    level: 'owner',
    forbidden: ['CANARY_NONE_PUBLIC_ACTION_b4d2', 'CANARY_NONE_PUBDOC_3e8a', 'CANARY_NONE_FIELD_8c3b', 'CANARY_NONE_STRUCTDOC_1d7e', ...POLICY],
  },
  /** The admin: sees everything (the sanity check that the canaries are real and reachable). */
  root: { level: 'admin', forbidden: [] as string[] },
} as const;

export type LeakUser = keyof typeof USERS;
