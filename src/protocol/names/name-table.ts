/**
 * Tables of the standard's named numbers (ANSI/ASHRAE 135 clause 21) and the
 * two lookups over them: a number to its kebab-case ASN.1 name for output, and
 * anything a person may type (kebab, camelCase, SCREAMING_SNAKE, any case, a
 * number or a string of digits) to the number. Pure; the tables are built once
 * when the modules load.
 */
import { describeValue } from '../../util/describe-value';

/** One table of standard names: numbers and their kebab-case ASN.1 names. */
export interface NameTable {
  /** The table's own name in kebab case: `object-type`, `binary-pv`, `error-code`. */
  readonly id: string;
  /** What one entry is, as an error message says it: `object type`, `binary-pv value`. */
  readonly label: string;
  /** The largest number the type carries on the wire (the smallest is 0). */
  readonly max: number;
  /** The standard names by number; proprietary and unassigned numbers have none. */
  readonly names: ReadonlyMap<number, string>;
  /** Every accepted spelling (names and older aliases), normalised by `normalizeName`, to its number. */
  readonly lookup: ReadonlyMap<string, number>;
}

/**
 * A run of consecutive numbers: the first number, then the names of it and of
 * the numbers after it separated by white space; `_` skips a number that has no name.
 */
export type NameRun = readonly [first: number, names: string];

/** The largest value of an unsigned 32-bit field (enumerated values, property identifiers). */
export const MAX_UINT32 = 0xffffffff;

const KEBAB = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const DIGITS = /^\d+$/;
/** Longer inputs get no suggestion: the distance computation is quadratic. */
const MAX_SUGGEST_LENGTH = 64;

/**
 * The error every lookup and reference parser throws on bad input: an unknown
 * name, a number out of range, a malformed reference. A TypeError, so callers
 * that treat "bad input" as one class keep working; `kind` says what was
 * expected, `input` what was given, `suggestion` the closest name for a near miss.
 */
export class NameError extends TypeError {
  /** What was expected: the table's label (`object type`) or `object instance`, `array index`, ... */
  readonly kind: string;
  /** The input as given. */
  readonly input: unknown;
  /** The closest standard name when the input was a near miss, else null. */
  readonly suggestion: string | null;

  constructor(message: string, kind: string, input: unknown, suggestion: string | null = null) {
    super(message);
    this.name = 'NameError';
    this.kind = kind;
    this.input = input;
    this.suggestion = suggestion;
  }
}

/**
 * The spelling-independent key of a name: lower case without `-`, `_` or
 * white space, so `analog-input`, `analogInput`, `ANALOG_INPUT` and
 * `Analog Input` are one key.
 */
export function normalizeName(text: string): string {
  return text.toLowerCase().replace(/[-_\s]+/g, '');
}

/**
 * Builds a table from runs of names (see NameRun) and optional aliases
 * (older or alternative spellings accepted on input, never printed). Throws a
 * plain Error on a malformed definition (a bug in a table, caught by loading
 * the module in any test): a name that is not kebab case, a number named
 * twice, or two names with one normalised spelling.
 */
export function defineTable(
  id: string,
  label: string,
  max: number,
  runs: readonly NameRun[],
  aliases: Readonly<Record<string, number>> = {},
): NameTable {
  const names = new Map<number, string>();
  const lookup = new Map<string, number>();
  const addSpelling = (spelling: string, n: number): void => {
    const key = normalizeName(spelling);
    if (lookup.has(key)) throw new Error(`${id}: "${spelling}" is spelled like number ${lookup.get(key)}`);
    lookup.set(key, n);
  };
  for (const [first, text] of runs) {
    let n = first;
    for (const name of text.split(/\s+/).filter((word) => word !== '')) {
      if (name !== '_') {
        if (!KEBAB.test(name)) throw new Error(`${id}: "${name}" is not kebab case`);
        if (n > max || names.has(n)) throw new Error(`${id}: number ${n} out of range or named twice`);
        names.set(n, name);
        addSpelling(name, n);
      }
      n += 1;
    }
  }
  for (const [alias, n] of Object.entries(aliases)) {
    if (!names.has(n)) throw new Error(`${id}: alias "${alias}" names unnamed number ${n}`);
    addSpelling(alias, n);
  }
  return { id, label, max, names, lookup };
}

/**
 * A table of an enumerated type's values (0..2^32-1 on the wire), labelled
 * `<id> value`; one string of names stands for one run from 0.
 */
export function defineEnumeration(
  id: string,
  runs: string | readonly NameRun[],
  aliases: Readonly<Record<string, number>> = {},
): NameTable {
  return defineTable(id, `${id} value`, MAX_UINT32, typeof runs === 'string' ? [[0, runs]] : runs, aliases);
}

/** The standard name of `n` in kebab case, or `n` itself when it has none (proprietary, unassigned). */
export function nameOf(table: NameTable, n: number): string | number {
  return table.names.get(n) ?? n;
}

/**
 * The number of a name or number as a person writes it: the kebab ASN.1 name
 * in any letter case, camelCase or SCREAMING_SNAKE, an older alias, a number,
 * or a string of decimal digits; numbers without a name (proprietary) are
 * accepted within 0..table.max. Throws NameError otherwise, naming the table
 * and the input and, for a near miss, the closest name.
 */
export function numberOf(table: NameTable, input: string | number): number {
  if (typeof input === 'number') return inRange(table, input, input);
  if (typeof input !== 'string') {
    throw new NameError(`${table.label} must be a name or a number, not ${describeValue(input)}`, table.label, input);
  }
  const text = input.trim();
  if (text === '') throw new NameError(`no ${table.label} given`, table.label, input);
  if (DIGITS.test(text)) return inRange(table, Number(text), input);
  const n = table.lookup.get(normalizeName(text));
  if (n !== undefined) return n;
  const suggestion = closestName(table, text);
  const hint = suggestion === null ? '' : ` (did you mean "${suggestion}"?)`;
  throw new NameError(`unknown ${table.label} ${describeValue(input)}${hint}`, table.label, input, suggestion);
}

function inRange(table: NameTable, n: number, input: string | number): number {
  if (!Number.isInteger(n) || n < 0 || n > table.max) {
    throw new NameError(`${table.label} ${describeValue(input)} is not an integer 0..${table.max}`, table.label, input);
  }
  return n || 0; // -0 becomes 0
}

/** The standard name nearest to `text` (edit distance of the normalised spellings), if near enough to be a typo. */
function closestName(table: NameTable, text: string): string | null {
  const key = normalizeName(text);
  if (key.length > MAX_SUGGEST_LENGTH) return null;
  const limit = Math.max(1, Math.floor(key.length / 3));
  let best: string | null = null;
  let bestDistance = limit + 1;
  for (const name of table.names.values()) {
    const distance = editDistance(key, normalizeName(name), bestDistance);
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance of `a` and `b`, or `cap` when it is at least `cap` (stops early). */
function editDistance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) >= cap) return cap;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin >= cap) return cap;
    previous = current;
  }
  return Math.min(previous[b.length], cap);
}
