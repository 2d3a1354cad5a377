// Issue 19: the young generation a load grew is handed back once the process is quiet
// (src/app/young-generation.ts), in this very process's V8.
import { getHeapSpaceStatistics } from 'node:v8';
import { describe, expect, test } from 'vitest';
import { SMALL_YOUNG_BYTES, isQuiet, shouldCollect, shrinkYoungWhenQuiet } from '../../src/app/young-generation.js';

const MB = 1048576;
const young = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.physical_space_size;

describe('handing the young generation back', () => {
  test('a full GC is asked for only when the young generation is large and nothing happened since the last look', () => {
    const big = 128 * MB;
    const look = (committed: number, used: number, gcs: number, slack = 0) => ({ committed, used, gcs, slack });
    expect(shouldCollect(look(big, 10 * MB, 0), look(big, 10.5 * MB, 0), 0)).toBe(true);
    // Not quiet: V8 ran a GC of its own, or a MB or more was allocated.
    expect(shouldCollect(look(big, 10 * MB, 0), look(big, 10.5 * MB, 1), 0)).toBe(false);
    expect(shouldCollect(look(big, 10 * MB, 0), look(big, 11 * MB, 0), 0)).toBe(false);
    // Or the old generation holds much more than its objects.
    expect(shouldCollect(look(4 * MB, 1 * MB, 0), look(4 * MB, 1 * MB, 0, 20 * MB), 0)).toBe(true);
    // Small already, or tried enough in this quiet spell.
    expect(shouldCollect(look(4 * MB, 1 * MB, 0), look(SMALL_YOUNG_BYTES, 1 * MB, 0), 0)).toBe(false);
    expect(shouldCollect(look(big, 10 * MB, 0), look(big, 10 * MB, 0), 3)).toBe(false);
    expect(shouldCollect(undefined, look(big, 10 * MB, 0), 0)).toBe(false);
    expect(isQuiet(look(big, 10 * MB, 0), look(big, 2 * MB, 0))).toBe(true);
  });

  test('after a load, a quiet process gets its young generation back within a few looks', async () => {
    // A load whose objects live a while: V8 grows the young generation for it.
    let keep: object[][] = [];
    for (let round = 0; round < 40; round++) {
      keep.push(Array.from({ length: 50_000 }, (_, i) => ({ round, i, s: `x${i}` })));
      if (keep.length > 8) keep = keep.slice(-8);
    }
    keep = [];
    expect(young()).toBeGreaterThan(SMALL_YOUNG_BYTES);
    const stop = shrinkYoungWhenQuiet(5500);
    try {
      // Two looks, 11 s. V8's own memory reducer, started by the load's full GCs, took 24 s here
      // (after a load without a full GC, 100 s: its watchdog); 17 s tells the two apart.
      const deadline = Date.now() + 17_000;
      while (young() > SMALL_YOUNG_BYTES && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
      expect(young()).toBeLessThanOrEqual(SMALL_YOUNG_BYTES);
    } finally {
      stop();
    }
  }, 30_000);
});
