// A read-only map that shows a command's changes over the state it started from: what the
// command's handlers read (`viewOf` in tx.ts) while nothing is committed yet.

/** `changes` shown over `base`, with the `removed` keys hidden. Nothing is copied. */
export function overlayMap<K, V>(
  base: ReadonlyMap<K, V>,
  changes: ReadonlyMap<K, V>,
  removed: ReadonlySet<K> = EMPTY_SET,
): ReadonlyMap<K, V> {
  const get = (key: K): V | undefined => (removed.has(key) ? undefined : (changes.get(key) ?? base.get(key)));
  function* entries(): MapIterator<[K, V]> {
    for (const [k, v] of base) if (!removed.has(k)) yield [k, changes.get(k) ?? v];
    for (const [k, v] of changes) if (!base.has(k) && !removed.has(k)) yield [k, v];
  }
  const map: ReadonlyMap<K, V> = {
    get,
    has: (key) => get(key) !== undefined,
    get size() {
      let n = 0;
      for (const _ of entries()) n++;
      return n;
    },
    entries,
    *keys(): MapIterator<K> {
      for (const [k] of entries()) yield k;
    },
    *values(): MapIterator<V> {
      for (const [, v] of entries()) yield v;
    },
    forEach(fn) {
      for (const [k, v] of entries()) fn(v, k, map);
    },
    [Symbol.iterator]: entries,
  };
  return map;
}

const EMPTY_SET: ReadonlySet<never> = new Set<never>();
