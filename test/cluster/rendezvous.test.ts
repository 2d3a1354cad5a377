// S10.5: which live node should own a tenant (src/cluster/rendezvous.ts): the same answer on every
// node whatever order it lists the nodes in, an even spread, and a node joining or leaving moves
// only the tenants it wins or held.
import { describe, expect, test } from 'vitest';
import { ownerOf } from '../../src/cluster/index.js';

const tenants = Array.from({ length: 3000 }, (_, i) => `tenant-${i}`);

describe('S10.5 rendezvous hashing', () => {
  test('S10.5 every node computes the same owner, whatever the order of its list; no live node, no owner', () => {
    for (const t of tenants.slice(0, 200)) expect(ownerOf(t, ['a', 'b', 'c'])).toBe(ownerOf(t, ['c', 'a', 'b']));
    expect(ownerOf('t', [])).toBeUndefined();
  });

  test('S10.5 tenants spread evenly over the nodes (each of three gets 30–37 %)', () => {
    const count = new Map<string, number>();
    for (const t of tenants)
      count.set(ownerOf(t, ['n1', 'n2', 'n3'])!, (count.get(ownerOf(t, ['n1', 'n2', 'n3'])!) ?? 0) + 1);
    for (const n of ['n1', 'n2', 'n3']) expect(count.get(n)! / tenants.length).toBeGreaterThan(0.3);
    for (const n of ['n1', 'n2', 'n3']) expect(count.get(n)! / tenants.length).toBeLessThan(0.37);
  });

  test('S10.5 a joining node takes only tenants it wins; a leaving node gives only its own', () => {
    for (const t of tenants) {
      const before = ownerOf(t, ['n1', 'n2', 'n3'])!;
      const joined = ownerOf(t, ['n1', 'n2', 'n3', 'n4'])!;
      expect([before, 'n4']).toContain(joined);
      const left = ownerOf(t, ['n1', 'n3'])!;
      if (before !== 'n2') expect(left).toBe(before);
    }
  });
});
