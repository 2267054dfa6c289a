/**
 * The built-in functions of Logic, always in scope (SPEC 3.3). Each has named, typed inputs
 * (some optional), named outputs, a one-line signature as it would be written in Logic, and a
 * Markdown doc comment. A built-in is shadowed by a local name or an element of the module
 * (see `shared/program/checker.ts`).
 *
 * The list built-ins are generic over the element type `T` (a {@link TypeParameter}); `Abs` is
 * generic over a numeric type and `AddDays` over `Date`/`DateTime`. The checker binds a type
 * parameter from the first argument that mentions it.
 */
import { type Type, type TypeParameter, DATE, DATE_TIME, DECIMAL, INTEGER, LONG_INTEGER, TEXT, listOf, typeToString } from './types';

/** An input of a built-in. `optional` inputs have a default (`defaultText` as written). */
export interface BuiltinParam {
  name: string;
  type: Type;
  optional?: boolean;
  defaultText?: string;
  documentation: string;
}

/** An output of a built-in. */
export interface BuiltinOutput {
  name: string;
  type: Type;
  documentation: string;
}

/** A built-in function (SPEC 3.3). */
export interface Builtin {
  name: string;
  params: BuiltinParam[];
  outputs: BuiltinOutput[];
  /** E.g. `Substr(text: Text, start: Integer, length: Integer) returns (result: Text)`. */
  signature: string;
  /** Markdown: a description and one `@param`-like line per input. */
  documentation: string;
}

const T: TypeParameter = { kind: 'typeParameter', name: 'T' };
const N: TypeParameter = { kind: 'typeParameter', name: 'N', constraint: 'numeric' };
const D: TypeParameter = { kind: 'typeParameter', name: 'D', constraint: 'date' };

function p(name: string, type: Type, documentation: string, defaultText?: string): BuiltinParam {
  return defaultText === undefined ? { name, type, documentation } : { name, type, documentation, optional: true, defaultText };
}
function o(name: string, type: Type, documentation: string): BuiltinOutput {
  return { name, type, documentation };
}

function make(name: string, description: string, params: BuiltinParam[], outputs: BuiltinOutput[]): Builtin {
  const sig =
    `${name}(${params.map((x) => `${x.name}: ${typeToString(x.type)}${x.optional ? ` = ${x.defaultText}` : ''}`).join(', ')})` +
    (outputs.length ? ` returns (${outputs.map((x) => `${x.name}: ${typeToString(x.type)}`).join(', ')})` : '');
  const docLines = [description];
  if (params.length) {
    docLines.push('');
    for (const x of params) docLines.push(`*@param* \`${x.name}\` — ${x.documentation}`);
  }
  if (outputs.length) {
    docLines.push('');
    for (const x of outputs) docLines.push(`*returns* \`${x.name}\` — ${x.documentation}`);
  }
  return { name, params, outputs, signature: sig, documentation: docLines.join('\n\n').replace(/\n\n\n\n/g, '\n\n') };
}

/** Every built-in, in alphabetical order. */
export const BUILTINS: readonly Builtin[] = [
  make('Abs', 'The absolute value of a number.', [p('value', N, 'A number.')], [o('result', N, 'The value without its sign.')]),
  make(
    'AddDays',
    'A date (or date-time) moved by a number of days.',
    [p('date', D, 'The starting `Date` or `DateTime`.'), p('days', INTEGER, 'Days to add; negative moves back.')],
    [o('result', D, 'The moved date, of the same type as `date`.')],
  ),
  make('CurrDate', 'The current date on the server.', [], [o('date', DATE, "Today's date.")]),
  make('CurrDateTime', 'The current date and time on the server.', [], [o('dateTime', DATE_TIME, 'The current date-time.')]),
  make(
    'DecimalToText',
    'A decimal number written as text (`.` as decimal separator).',
    [p('value', DECIMAL, 'The number to convert.')],
    [o('text', TEXT, 'The number as text.')],
  ),
  make(
    'DiffDays',
    'The number of whole days from one date to another.',
    [p('date1', DATE_TIME, 'The start.'), p('date2', DATE_TIME, 'The end.')],
    [o('days', INTEGER, '`date2` minus `date1`, in days.')],
  ),
  make(
    'Index',
    'The position of the first occurrence of `search` in `text`, or -1 when there is none.',
    [
      p('text', TEXT, 'The text to search in.'),
      p('search', TEXT, 'The text to look for.'),
      p('startIndex', INTEGER, 'The 0-based position to start from.', '0'),
    ],
    [o('position', INTEGER, 'The 0-based position, or -1.')],
  ),
  make(
    'IntegerToText',
    'An integer written as text.',
    [p('value', LONG_INTEGER, 'The number to convert.')],
    [o('text', TEXT, 'The number in decimal digits.')],
  ),
  make('Length', 'The number of characters of a text.', [p('text', TEXT, 'The text to measure.')], [o('length', INTEGER, 'Its length.')]),
  make(
    'ListAppend',
    'Adds an element at the end of a list.',
    [p('list', listOf(T), 'The list to change.'), p('element', T, "The element to add; of the list's element type.")],
    [],
  ),
  make('ListClear', 'Removes every element of a list.', [p('list', listOf(T), 'The list to empty.')], []),
  make('ListLength', 'The number of elements of a list.', [p('list', listOf(T), 'The list.')], [o('length', INTEGER, 'Its length.')]),
  make(
    'LogMessage',
    'Writes a message to the server log.',
    [p('message', TEXT, 'The text to log.'), p('moduleName', TEXT, 'A label for the log entry.', '""')],
    [],
  ),
  make(
    'Replace',
    'Replaces every occurrence of `search` in `text` with `replaceWith`.',
    [p('text', TEXT, 'The original text.'), p('search', TEXT, 'The text to replace.'), p('replaceWith', TEXT, 'Its replacement.')],
    [o('result', TEXT, 'The text after replacing.')],
  ),
  make(
    'Round',
    'A decimal number rounded half away from zero.',
    [p('value', DECIMAL, 'The number to round.'), p('decimals', INTEGER, 'Digits to keep after the decimal point.', '0')],
    [o('result', DECIMAL, 'The rounded number.')],
  ),
  make(
    'Substr',
    'Part of a text.',
    [
      p('text', TEXT, 'The original text.'),
      p('start', INTEGER, 'The 0-based position of the first character.'),
      p('length', INTEGER, 'The number of characters.'),
    ],
    [o('result', TEXT, 'The part of `text`.')],
  ),
  make(
    'TextToDecimal',
    'Reads a decimal number from text; 0 when the text is not a number.',
    [p('text', TEXT, 'The text to read.')],
    [o('value', DECIMAL, 'The number.')],
  ),
  make(
    'TextToInteger',
    'Reads an integer from text; 0 when the text is not an integer.',
    [p('text', TEXT, 'The text to read.')],
    [o('value', INTEGER, 'The number.')],
  ),
  make('ToLower', 'A text in lower case.', [p('text', TEXT, 'The original text.')], [o('result', TEXT, 'The text in lower case.')]),
  make('ToUpper', 'A text in upper case.', [p('text', TEXT, 'The original text.')], [o('result', TEXT, 'The text in upper case.')]),
  make('Trim', 'A text without leading and trailing white space.', [p('text', TEXT, 'The original text.')], [o('result', TEXT, 'The trimmed text.')]),
];

const byName = new Map(BUILTINS.map((b) => [b.name, b]));

/** The built-in named `name`, or `undefined`. Names are case-sensitive. */
export function getBuiltin(name: string): Builtin | undefined {
  return byName.get(name);
}
