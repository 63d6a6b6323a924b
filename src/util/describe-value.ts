/**
 * A value as an error message quotes it: a string in quotes, cut to `max`
 * characters (a huge input must not make a huge message), a number or BigInt
 * as written, anything else by its type. Never throws (JSON.stringify does on
 * a BigInt). Pure.
 */
export function describeValue(value: unknown, max = 64): string {
  if (typeof value === 'string') {
    return value.length <= max ? JSON.stringify(value) : `${JSON.stringify(value.slice(0, max))}… (${value.length} characters)`;
  }
  if (typeof value === 'number') return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  return value === null ? 'null' : typeof value;
}
