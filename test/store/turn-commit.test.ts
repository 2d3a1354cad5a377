// The turn group commit's own logic (turn-commit.ts), with write functions that record what they
// were given: batches committed in one turn go in one transaction at its end; a failing shared
// transaction is retried batch by batch, so only the failing batch is refused; flush writes at once.
import { describe, expect, test } from 'vitest';
import { TurnCommit } from '../../src/store/turn-commit.js';

function recorder(failing: (b: number) => boolean = () => false) {
  const together: number[][] = [];
  const alone: number[] = [];
  const turn = new TurnCommit<number, number>(
    (batches) => {
      together.push([...batches]);
      if (batches.some(failing)) throw new Error('constraint failed');
      return batches.map((b) => b * 10);
    },
    (b) => {
      alone.push(b);
      if (failing(b)) throw new Error(`batch ${b} failed`);
      return b * 10;
    },
  );
  return { turn, together, alone };
}

describe('S8.2 commits of one turn together', () => {
  test('S8.2 batches committed in one turn go in one transaction at its end; the next turn gets its own', async () => {
    const r = recorder();
    const first = [r.turn.commit(1), r.turn.commit(2), r.turn.commit(3)];
    expect(r.together).toEqual([]); // nothing written before the turn ends
    expect(await Promise.all(first)).toEqual([10, 20, 30]);
    expect(await r.turn.commit(4)).toBe(40);
    expect(r.together).toEqual([[1, 2, 3], [4]]);
    expect(r.alone).toEqual([]);
  });

  test('S8.2 a shared transaction that fails is tried batch by batch: only the failing batch is refused', async () => {
    const r = recorder((b) => b === 2);
    const out = await Promise.allSettled([r.turn.commit(1), r.turn.commit(2), r.turn.commit(3)]);
    expect(out.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual([
      10,
      'batch 2 failed',
      30,
    ]);
    expect(r.alone).toEqual([1, 2, 3]);
  });

  test('S8.2 a lone batch that fails is refused without a second try; flush writes what waits at once', async () => {
    const r = recorder((b) => b === 5);
    await expect(r.turn.commit(5)).rejects.toThrow('constraint failed');
    expect(r.alone).toEqual([]);
    const pending = r.turn.commit(6);
    r.turn.flush();
    expect(r.together.at(-1)).toEqual([6]);
    expect(await pending).toBe(60);
  });
});
