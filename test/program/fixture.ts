/**
 * The shared fixture of the Program tests: a small environment with one module per situation.
 *
 * Users (helpers.ts DEFAULT_POLICY + extra grants): alice owns everything except Portal (bob);
 * bob (contractors) has reference on OrderAPI and list on Catalog, none on Locked; erin (openers)
 * has open on OrderAPI; dave (listers) has list on OrderAPI; carol (reviewers) reference on all.
 */
import { DEFAULT_POLICY, makeEnv, type TestEnv } from './helpers';

export const COMMON = `/// An amount of money.
public structure Money {
  amount: Decimal
  currency: Text = "EUR"
}
`;

/** OrderAPI: protected; private names and texts contain CANARY markers that must never leak. */
export const ORDER_API = `// CANARY_FILE_COMMENT top of file
/// A line of an order.
public structure OrderLine {
  /// The product's code.
  productId: Text
  quantity: Integer = 1
  price: Common.Money
}

/// CANARY_PRIVATE_DOC of a private structure.
structure CanarySecretStruct {
  canarySecretField: Text
}

/// Creates an order.
/// @param customerId The customer placing it.
public server action CreateOrder(customerId: Text, lines: List<OrderLine>, note: Text = "none") returns (orderId: Text) {
  /* CANARY_BLOCK_COMMENT */
  var canaryLocal = "CANARY_STRING_LITERAL"
  orderId = customerId + canaryLocal
  CanaryHelper()
}

/// Two outputs.
public server action Totals(orderId: Text) returns (count: Integer, label: Text) {
  count = 1
}

/// Takes a private structure.
public server action Leaky(secret: CanarySecretStruct, pick: Integer = CanaryDefault()) {
}

/// Returns a private structure.
public server action Peek() returns (secret: CanarySecretStruct) {
}

server action CanaryHelper() {
  LogMessage("CANARY_IN_HELPER")
}

server action CanaryDefault() returns (v: Integer) {
  v = 1
}

/// CANARY_SCREEN_DOC
public screen CanaryScreen {
  var s: Text = ""
}
`;

export const OLD = `public server action Ping() returns (ok: Boolean) {
  ok = true
}
`;

export const CATALOG = `public server action ListProducts() returns (ids: List<Text>) {
}
`;

export const LOCKED = `public server action Secret() {
}
`;

export function policy() {
  return {
    ...DEFAULT_POLICY,
    grants: [...DEFAULT_POLICY.grants, { module: 'Catalog', to: 'group:contractors', access: 'list' }],
  };
}

/**
 * Builds the fixture; `portal` are the files of Portal (ui module owned by bob, dependencies
 * OrderAPI ^1.0.0, Old ^2.0.0 (unsatisfied: Old is 1.0.0), Catalog ^1.0.0, Locked ^1.0.0).
 */
export function fixture(portal: Record<string, string>, extra: Parameters<typeof makeEnv>[0] = {}, omit: string[] = []): TestEnv {
  const modules: Parameters<typeof makeEnv>[0] = {
    Common: { manifest: { version: '1.2.0', kind: 'library' }, files: { 'money.logic': COMMON } },
    OrderAPI: { manifest: { version: '1.4.0', protected: true, dependencies: { Common: '^1.0.0' } }, files: { 'orders.logic': ORDER_API } },
    Old: { manifest: { version: '1.0.0' }, files: { 'old.logic': OLD } },
    Catalog: { manifest: { version: '1.0.0', protected: true }, files: { 'catalog.logic': CATALOG } },
    Locked: { manifest: { version: '1.0.0', protected: true }, files: { 'locked.logic': LOCKED } },
    Portal: {
      manifest: { kind: 'ui', owner: 'bob', dependencies: { OrderAPI: '^1.0.0', Old: '^2.0.0', Catalog: '^1.0.0', Locked: '^1.0.0' } },
      files: portal,
    },
    ...extra,
  };
  for (const m of omit) delete modules[m];
  return makeEnv(modules, policy());
}
