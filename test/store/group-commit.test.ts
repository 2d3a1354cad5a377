// The group commit's own logic (group-commit.ts), with a send function that records its groups:
// batches waiting while transactions run go together, at most `maxInFlight` run at once, a
// refused batch is refused alone and the rest of its group sent again, an error fails the group.
import { describe, expect, test } from 'vitest';
import { GroupCommit } from '../../src/store/group-commit.js';

/** A send that holds each group until released, recording what it was given. */
function held() {
  const groups: number[][] = [];
  const releases: (() => void)[] = [];
  const send = async (batches: readonly number[]) => {
    groups.push([...batches]);
    await new Promise<void>((r) => releases.push(r));
    return { results: batches.map((b) => b * 10) };
  };
  return { groups, releases, send };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('S8.2 group commit', () => {
  test('S8.2 a batch goes at once when nothing runs; those arriving meanwhile go together in the next', async () => {
    const h = held();
    const g = new GroupCommit(h.send, 1);
    const first = g.commit(1);
    await tick();
    const rest = [g.commit(2), g.commit(3), g.commit(4)];
    await tick();
    expect(h.groups).toEqual([[1]]);
    h.releases[0]!();
    expect(await first).toBe(10);
    await tick();
    expect(h.groups).toEqual([[1], [2, 3, 4]]);
    h.releases[1]!();
    expect(await Promise.all(rest)).toEqual([20, 30, 40]);
  });

  test('S8.2 at most maxInFlight transactions run at once', async () => {
    const h = held();
    const g = new GroupCommit(h.send, 2);
    const all = [g.commit(1)];
    await tick();
    all.push(g.commit(2));
    await tick();
    all.push(g.commit(3), g.commit(4));
    await tick();
    expect(h.groups).toEqual([[1], [2]]);
    h.releases[0]!();
    await tick();
    expect(h.groups).toEqual([[1], [2], [3, 4]]);
    h.releases[1]!();
    h.releases[2]!();
    expect(await Promise.all(all)).toEqual([10, 20, 30, 40]);
  });

  test('S10.4 a refused batch is refused alone; the others of its group are sent again and commit', async () => {
    const groups: number[][] = [];
    const g = new GroupCommit(async (batches: readonly number[]) => {
      groups.push([...batches]);
      const bad = batches.indexOf(13);
      if (bad >= 0) return { refused: new Map([[bad, new Error('stale fence')]]) };
      return { results: batches.map((b) => -b) };
    }, 1);
    const out = await Promise.allSettled([g.commit(12), g.commit(13), g.commit(14)]);
    expect(out.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual([
      -12,
      'stale fence',
      -14,
    ]);
    // 12 went alone (nothing was running); 13 and 14 waited and went together, then 14 again.
    expect(groups).toEqual([[12], [13, 14], [14]]);
  });

  test('S8.2 a failed transaction fails every batch of its group, and later batches still go', async () => {
    let fail = true;
    const g = new GroupCommit(async (batches: readonly number[]) => {
      if (fail) throw new Error('connection lost');
      return { results: batches.map((b) => b) };
    }, 1);
    const out = await Promise.allSettled([g.commit(1), g.commit(2)]);
    expect(out.every((o) => o.status === 'rejected')).toBe(true);
    fail = false;
    expect(await g.commit(3)).toBe(3);
  });
});
