/**
 * Where two values share an object (or a Buffer's memory): the paths, for an assertion
 * that two messages are independent of each other.
 */
export function sharedObjects(a: unknown, b: unknown, path = 'msg'): string[] {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return [];
  if (a === b) return [path];
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    const overlap = a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
    return overlap && a.byteLength > 0 ? [`${path} (memory)`] : [];
  }
  const out: string[] = [];
  for (const key of Object.keys(a)) out.push(...sharedObjects((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`));
  return out;
}
