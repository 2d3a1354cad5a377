import { describe, expect, it } from 'vitest';
import { appended, kept } from '../../src/core/arrays.js';

describe('record arrays at their exact size', () => {
  it('appended adds one item at the end and leaves the original alone', () => {
    const items = [{ id: 'a' }];
    const out = appended(items, { id: 'b' });
    expect(out).toEqual([{ id: 'a' }, { id: 'b' }]);
    expect(items).toEqual([{ id: 'a' }]);
    // An item that is itself an array stays one item.
    expect(appended<unknown>([1], [2, 3])).toEqual([1, [2, 3]]);
  });

  it('kept answers the same array when nothing goes, a new one otherwise', () => {
    const items = [1, 2, 3];
    expect(kept(items, () => true)).toBe(items);
    expect(kept(items, (x) => x !== 2)).toEqual([1, 3]);
    expect(kept(items, () => false)).toEqual([]);
    expect(items).toEqual([1, 2, 3]);
  });
});
