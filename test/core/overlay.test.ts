// The view a command reads while it works (tx.ts): its changes shown over the state it started from.
import { describe, expect, test } from 'vitest';
import { overlayMap } from '../../src/core/overlay.js';

describe('S8.2 a command sees its own changes over the state it started from', () => {
  test('changed keys show their new value, added keys come after the old ones, removed keys are gone, and the size agrees', () => {
    const base = new Map([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
    // 'c' is both changed and removed (a group upserted, then removed, in one command): removed wins.
    const changes = new Map([
      ['b', 20],
      ['c', 30],
      ['d', 40],
      ['e', 50],
    ]);
    const view = overlayMap(base, changes, new Set(['a', 'c', 'e', 'z']));
    expect([...view]).toEqual([
      ['b', 20],
      ['d', 40],
    ]);
    expect(view.size).toBe(2);
    expect([...view.keys()]).toEqual(['b', 'd']);
    expect([...view.values()]).toEqual([20, 40]);
    expect([view.get('a'), view.get('b'), view.get('c'), view.get('d'), view.get('e')]).toEqual([
      undefined,
      20,
      undefined,
      40,
      undefined,
    ]);
    expect([view.has('a'), view.has('d')]).toEqual([false, true]);
    const seen: [string, number][] = [];
    view.forEach((v, k, map) => {
      seen.push([k, v]);
      expect(map).toBe(view);
    });
    expect(seen).toEqual([...view]);
  });

  test('without removals the view holds every old key and every new one once', () => {
    const view = overlayMap(
      new Map([['a', 1]]),
      new Map([
        ['a', 2],
        ['b', 3],
      ]),
    );
    expect(view.size).toBe(2);
    expect([...view.entries()]).toEqual([
      ['a', 2],
      ['b', 3],
    ]);
  });
});
