// A read-only map that shows a command's changes over the state it started from: what the
// command's handlers read (`viewOf` in tx.ts) while nothing is committed yet. One plain object
// per map, its methods shared by all of them: a view is made many times per routed call.

interface Overlay<K, V> extends ReadonlyMap<K, V> {
  readonly base: ReadonlyMap<K, V>;
  readonly changes: ReadonlyMap<K, V>;
  readonly removed: ReadonlySet<K>;
}

/** `changes` shown over `base`, with the `removed` keys hidden. Nothing is copied. */
export function overlayMap<K, V>(
  base: ReadonlyMap<K, V>,
  changes: ReadonlyMap<K, V>,
  removed: ReadonlySet<K> = EMPTY_SET,
): ReadonlyMap<K, V> {
  // The size is counted now, over the command's few changes and removals, so that the view is a
  // plain record without an accessor: a literal with one made the bench's young garbage survive
  // its scavenges (a fifth more promoted). A view is therefore made again after every write
  // (`viewOf` in tx.ts) rather than kept across one.
  let size = base.size;
  for (const k of removed) if (base.has(k)) size--;
  for (const k of changes.keys()) if (!base.has(k) && !removed.has(k)) size++;
  const map: Overlay<K, V> = {
    base,
    changes,
    removed,
    size,
    get: overlayGet,
    has: overlayHas,
    entries: overlayEntries,
    keys: overlayKeys,
    values: overlayValues,
    forEach: overlayForEach,
    [Symbol.iterator]: overlayEntries,
  };
  return map;
}

function overlayGet<K, V>(this: Overlay<K, V>, key: K): V | undefined {
  return this.removed.has(key) ? undefined : (this.changes.get(key) ?? this.base.get(key));
}

function overlayHas<K, V>(this: Overlay<K, V>, key: K): boolean {
  return this.get(key) !== undefined;
}

function overlayEntries<K, V>(this: Overlay<K, V>): MapIterator<[K, V]> {
  return entriesOf(this);
}

function* entriesOf<K, V>(map: Overlay<K, V>): MapIterator<[K, V]> {
  const { base, changes, removed } = map;
  for (const [k, v] of base) if (!removed.has(k)) yield [k, changes.get(k) ?? v];
  for (const [k, v] of changes) if (!base.has(k) && !removed.has(k)) yield [k, v];
}

function* overlayKeys<K, V>(this: Overlay<K, V>): MapIterator<K> {
  for (const [k] of entriesOf(this)) yield k;
}

function* overlayValues<K, V>(this: Overlay<K, V>): MapIterator<V> {
  for (const [, v] of entriesOf(this)) yield v;
}

function overlayForEach<K, V>(this: Overlay<K, V>, fn: (value: V, key: K, map: ReadonlyMap<K, V>) => void): void {
  for (const [k, v] of entriesOf(this)) fn(v, k, this);
}

const EMPTY_SET: ReadonlySet<never> = new Set<never>();
