/**
 * The type model of Logic and its conversion rules (SPEC 3.3).
 *
 * Types are plain immutable objects compared structurally with {@link typeEquals}; structures are
 * nominal (identified by module name + structure name). The `error` type stands for "unknown
 * because of an earlier error": it converts to and from every type so that one mistake yields one
 * diagnostic (no cascades). `void` is the "no value" of a call without outputs.
 */
import type { BasicTypeName } from './ast';

/** One of the basic types of SPEC 3.2 (`Text`, `Integer`, …). */
export interface BasicType {
  kind: 'basic';
  name: BasicTypeName;
}

/** `List<element>`. */
export interface ListType {
  kind: 'list';
  element: Type;
}

/** A structure, nominal: `module` is the declaring module's name, `name` the structure's name. */
export interface StructureType {
  kind: 'structure';
  module: string;
  name: string;
}

/** The value of a call with several outputs: one member per output, by output name (SPEC 3.3). */
export interface RecordType {
  kind: 'record';
  fields: { name: string; type: Type }[];
}

/** The "value" of a call without outputs: usable only as a statement (`no-value`, SPEC 3.3). */
export interface VoidType {
  kind: 'void';
}

/** Unknown because of an earlier error; compatible with everything (suppresses cascades). */
export interface ErrorType {
  kind: 'error';
}

/**
 * A type parameter of a generic built-in (`T` of `ListAppend(list: List<T>, element: T)`).
 * `constraint` limits what it may be bound to: `numeric` (Integer, LongInteger, Decimal,
 * Currency) or `date` (Date, DateTime). Never the type of a value in user code.
 */
export interface TypeParameter {
  kind: 'typeParameter';
  name: string;
  constraint?: 'numeric' | 'date';
}

/**
 * A structure the viewer may not see, redacted for output (No leak, SPEC 4): `text` is what to
 * show (`OrderAPI.<private type>`). Only in answers of the per-user Program view; never produced
 * by the checker. Converts like the error type (nothing is known about it).
 */
export interface OpaqueType {
  kind: 'opaque';
  text: string;
}

/** Any type of the model. */
export type Type = BasicType | ListType | StructureType | RecordType | VoidType | ErrorType | TypeParameter | OpaqueType;

const basicCache = new Map<BasicTypeName, BasicType>();
/** The basic type named `name` (shared instances). */
export function basic(name: BasicTypeName): BasicType {
  let t = basicCache.get(name);
  if (!t) basicCache.set(name, (t = { kind: 'basic', name }));
  return t;
}
/** `List<element>`. */
export function listOf(element: Type): ListType {
  return { kind: 'list', element };
}
/** The structure `module.name` (nominal). */
export function structureType(module: string, name: string): StructureType {
  return { kind: 'structure', module, name };
}
/** The shared `error` type. */
export const ERROR_TYPE: ErrorType = { kind: 'error' };
/** The shared `void` ("no value") type. */
export const VOID_TYPE: VoidType = { kind: 'void' };

export const TEXT = basic('Text');
export const INTEGER = basic('Integer');
export const LONG_INTEGER = basic('LongInteger');
export const DECIMAL = basic('Decimal');
export const BOOLEAN = basic('Boolean');
export const DATE = basic('Date');
export const TIME = basic('Time');
export const DATE_TIME = basic('DateTime');
export const CURRENCY = basic('Currency');

/** True for the error type, or a list/record containing it. */
export function isError(t: Type): boolean {
  return t.kind === 'error';
}

/** Structural equality (structures by module + name). */
export function typeEquals(a: Type, b: Type): boolean {
  if (a === b) return true;
  switch (a.kind) {
    case 'basic':
      return b.kind === 'basic' && a.name === b.name;
    case 'list':
      return b.kind === 'list' && typeEquals(a.element, b.element);
    case 'structure':
      return b.kind === 'structure' && a.module === b.module && a.name === b.name;
    case 'record':
      return (
        b.kind === 'record' &&
        a.fields.length === b.fields.length &&
        a.fields.every((f, i) => f.name === b.fields[i].name && typeEquals(f.type, b.fields[i].type))
      );
    case 'void':
    case 'error':
      return a.kind === b.kind;
    case 'typeParameter':
      return b.kind === 'typeParameter' && a.name === b.name;
    case 'opaque':
      return b.kind === 'opaque' && a.text === b.text;
  }
}

const NUMERIC_RANK: Partial<Record<BasicTypeName, number>> = {
  Integer: 0,
  LongInteger: 1,
  Decimal: 2,
  Currency: 3,
};

/** True for Integer, LongInteger, Decimal and Currency (and the error type). */
export function isNumeric(t: Type): boolean {
  return t.kind === 'error' || (t.kind === 'basic' && NUMERIC_RANK[t.name] !== undefined);
}

/** True for Integer and LongInteger (list indexes, day counts), and the error type. */
export function isIntegral(t: Type): boolean {
  return t.kind === 'error' || (t.kind === 'basic' && (t.name === 'Integer' || t.name === 'LongInteger'));
}

/** True for Text, Email and PhoneNumber (and the error type). */
export function isTextual(t: Type): boolean {
  return t.kind === 'error' || (t.kind === 'basic' && (t.name === 'Text' || t.name === 'Email' || t.name === 'PhoneNumber'));
}

/** True for Boolean (and the error type). */
export function isBoolean(t: Type): boolean {
  return t.kind === 'error' || (t.kind === 'basic' && t.name === 'Boolean');
}

/**
 * Whether a basic value of type `from` converts implicitly to `to` (SPEC 3.3):
 * `Integer` → `LongInteger` → `Decimal` (transitively), `Currency` ↔ `Decimal` (so the integers
 * convert to `Currency` too), `Email`/`PhoneNumber` ↔ `Text`, `Date` → `DateTime`.
 */
function basicConverts(from: BasicTypeName, to: BasicTypeName): boolean {
  if (from === to) return true;
  switch (from) {
    case 'Integer':
      return to === 'LongInteger' || to === 'Decimal' || to === 'Currency';
    case 'LongInteger':
      return to === 'Decimal' || to === 'Currency';
    case 'Decimal':
      return to === 'Currency';
    case 'Currency':
      return to === 'Decimal';
    case 'Email':
    case 'PhoneNumber':
      return to === 'Text';
    case 'Text':
      return to === 'Email' || to === 'PhoneNumber';
    case 'Date':
      return to === 'DateTime';
    default:
      return false;
  }
}

/**
 * Whether a value of type `from` may be used where `to` is expected (argument, assignment,
 * initialiser, default, field value). The error type converts both ways; lists convert when their
 * elements do (an empty list literal has element type `error` and fits any list); structures are
 * nominal; `void` converts to nothing (the checker reports `no-value` before asking).
 */
export function isAssignable(from: Type, to: Type): boolean {
  if (from.kind === 'error' || to.kind === 'error' || from.kind === 'opaque' || to.kind === 'opaque') return true;
  if (to.kind === 'typeParameter') return satisfiesConstraint(from, to);
  switch (from.kind) {
    case 'basic':
      return to.kind === 'basic' && basicConverts(from.name, to.name);
    case 'list':
      return to.kind === 'list' && isAssignable(from.element, to.element);
    case 'structure':
      return to.kind === 'structure' && from.module === to.module && from.name === to.name;
    case 'record':
      return typeEquals(from, to);
    case 'void':
      return false;
    case 'typeParameter':
      return typeEquals(from, to);
  }
}

/** Whether `t` may be bound to the type parameter `p` (its constraint). */
export function satisfiesConstraint(t: Type, p: TypeParameter): boolean {
  if (t.kind === 'error') return true;
  if (t.kind === 'void') return false;
  if (p.constraint === 'numeric') return isNumeric(t);
  if (p.constraint === 'date') return t.kind === 'basic' && (t.name === 'Date' || t.name === 'DateTime');
  return true;
}

/** Types whose values have an order (`<`, `<=`, `>`, `>=`). */
function isOrdered(t: Type): boolean {
  return t.kind === 'error' || isNumeric(t) || isTextual(t) || (t.kind === 'basic' && (t.name === 'Date' || t.name === 'DateTime' || t.name === 'Time'));
}

/**
 * Whether `a op b` is allowed for a comparison operator (SPEC 3.3 "comparisons need comparable
 * operands"): one operand type converts to the other; for `<`, `<=`, `>`, `>=` the type must also
 * be ordered (numbers, texts, dates, date-times, times). Lists, records and `void` never compare.
 */
export function isComparable(a: Type, b: Type, op: '==' | '!=' | '<' | '<=' | '>' | '>='): boolean {
  if (a.kind === 'error' || b.kind === 'error') return true;
  if (a.kind === 'void' || b.kind === 'void' || a.kind === 'list' || b.kind === 'list') return false;
  if (a.kind === 'record' || b.kind === 'record') return false;
  const convertible = (isNumeric(a) && isNumeric(b)) || isAssignable(a, b) || isAssignable(b, a);
  if (!convertible) return false;
  if (op === '==' || op === '!=') return true;
  return isOrdered(a) && isOrdered(b);
}

/**
 * The result type of an arithmetic operator, or `undefined` when the operands do not fit
 * (SPEC 3.3): `+` adds two numbers or joins two texts (Email/PhoneNumber count as Text; the
 * result is Text); `-`, `*`, `/`, `%` need numbers. The result of numbers is the wider of the two
 * (Integer < LongInteger < Decimal < Currency); `/` of two integers is a Decimal.
 */
export function arithmeticResult(op: '+' | '-' | '*' | '/' | '%', a: Type, b: Type): Type | undefined {
  if (a.kind === 'error' || b.kind === 'error') {
    const other = a.kind === 'error' ? b : a;
    if (other.kind === 'error') return ERROR_TYPE;
    if (isNumeric(other)) return op === '/' && isIntegral(other) ? ERROR_TYPE : other;
    if (op === '+' && isTextual(other)) return TEXT;
    return ERROR_TYPE;
  }
  if (op === '+' && isTextual(a) && isTextual(b)) return TEXT;
  if (!isNumeric(a) || !isNumeric(b) || a.kind !== 'basic' || b.kind !== 'basic') return undefined;
  const ra = NUMERIC_RANK[a.name]!;
  const rb = NUMERIC_RANK[b.name]!;
  const wider = ra >= rb ? a : b;
  if (op === '/' && Math.max(ra, rb) <= 1) return DECIMAL;
  return wider;
}

/** Options of {@link typeToString}. */
export interface TypeToStringOptions {
  /** Structures of this module are written unqualified (`OrderLine`); others `Module.Name`. */
  fromModule?: string;
  /**
   * Renders a structure's name; lets a caller hide names the viewer may not see (No leak, SPEC
   * 4), e.g. `OrderAPI.<private type>`. Default: `Module.Name` (or `Name` in `fromModule`).
   */
  structureName?: (t: StructureType) => string;
}

/**
 * The type as written in Logic source (`List<OrderAPI.OrderLine>`, `Integer`). A record of
 * outputs is written `(a: T, b: U)`, void `no value`, the error type `unknown`.
 */
export function typeToString(t: Type, options: TypeToStringOptions = {}): string {
  switch (t.kind) {
    case 'basic':
      return t.name;
    case 'list':
      return `List<${typeToString(t.element, options)}>`;
    case 'structure':
      if (options.structureName) return options.structureName(t);
      return options.fromModule === t.module ? t.name : `${t.module}.${t.name}`;
    case 'record':
      return `(${t.fields.map((f) => `${f.name}: ${typeToString(f.type, options)}`).join(', ')})`;
    case 'void':
      return 'no value';
    case 'error':
      return 'unknown';
    case 'typeParameter':
      return t.name;
    case 'opaque':
      return t.text;
  }
}

/**
 * Substitutes bound type parameters in `t` (`List<T>` with T = Text → `List<Text>`); unbound
 * parameters become the error type.
 */
export function substitute(t: Type, bindings: Map<string, Type>): Type {
  switch (t.kind) {
    case 'typeParameter':
      return bindings.get(t.name) ?? ERROR_TYPE;
    case 'list':
      return listOf(substitute(t.element, bindings));
    case 'record':
      return { kind: 'record', fields: t.fields.map((f) => ({ name: f.name, type: substitute(f.type, bindings) })) };
    default:
      return t;
  }
}

/**
 * Binds the type parameters occurring in `param` by matching it against the argument type
 * `arg` (`List<T>` against `List<Text>` binds T = Text). Existing bindings are kept (the first
 * argument decides). Returns nothing; mismatches are found afterwards by {@link isAssignable}
 * on the substituted parameter type.
 */
export function bindTypeParameters(param: Type, arg: Type, bindings: Map<string, Type>): void {
  if (param.kind === 'typeParameter') {
    if (!bindings.has(param.name) && arg.kind !== 'error' && arg.kind !== 'void' && satisfiesConstraint(arg, param)) {
      bindings.set(param.name, arg);
    }
  } else if (param.kind === 'list' && arg.kind === 'list') {
    bindTypeParameters(param.element, arg.element, bindings);
  }
}
