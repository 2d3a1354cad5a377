// The arrays a user's record keeps (registrations, sessions, legs) are made at their exact size.
// V8 gives an array that grew by push, spread or `filter` room for 16 more items: 128 bytes that
// every registered user, every user on a call and every replaced record carries for as long as
// it lives (and every scavenge copies). `concat` and `slice` allocate what the result holds.

/** `items` with `item` added at the end, exactly as large as it needs to be. */
export function appended<T>(items: readonly T[], item: T): T[] {
  return items.concat([item]);
}

/** The items that `keep` accepts, exactly as large as it needs to be; `items` itself when it keeps all. */
export function kept<T>(items: readonly T[], keep: (item: T) => boolean): readonly T[] {
  const out = items.filter(keep);
  if (out.length === items.length) return items;
  return out.length === 0 ? out : out.slice();
}
