// S6.2 resume is bounded: the retention ring keeps the latest events by count and by bytes.
import { describe, expect, test } from 'vitest';
import { Retention } from '../../src/feed/retention.js';
import type { Entry } from '../../src/feed/scope.js';

const entry = (seq: number, bytes = 10): Entry => ({
  seq,
  type: 'presence.changed',
  subject: `u${seq}`,
  key: `p:u${seq}`,
  json: `{"seq":${seq}}`,
  bytes,
});

describe('S6.2 retention for resume', () => {
  test('S6.2 keeps the last N events; a position before them is no longer resumable', () => {
    const r = new Retention('e1', 100, 5, 1_000_000);
    expect(r.since(100)).toEqual([]);
    for (let seq = 101; seq <= 112; seq++) r.push(entry(seq));
    expect(r.size).toBe(5);
    expect([r.retainedFrom, r.lastSeq]).toEqual([107, 112]);
    expect(r.since(106)).toBeUndefined();
    expect(r.since(107)!.map((e) => e.seq)).toEqual([108, 109, 110, 111, 112]);
    expect(r.since(110)!.map((e) => e.seq)).toEqual([111, 112]);
    expect(r.since(112)).toEqual([]);
  });

  test('S6.2 the byte budget bounds it too, and a new epoch starts over', () => {
    const r = new Retention('e1', 0, 1000, 100);
    for (let seq = 1; seq <= 10; seq++) r.push(entry(seq, 30));
    expect(r.size).toBe(3);
    expect(r.since(7)!.map((e) => e.seq)).toEqual([8, 9, 10]);
    expect(r.since(6)).toBeUndefined();
    r.reset('e2', 0);
    expect([r.epoch, r.size, r.lastSeq]).toEqual(['e2', 0, 0]);
    expect(r.since(0)).toEqual([]);
  });

  test('S6.2 stays correct across many compactions', () => {
    const r = new Retention('e1', 0, 100, 1_000_000);
    for (let seq = 1; seq <= 5000; seq++) r.push(entry(seq));
    expect(r.size).toBe(100);
    expect(r.since(4900)!.map((e) => e.seq)).toEqual(Array.from({ length: 100 }, (_, i) => 4901 + i));
    expect(r.since(4899)).toBeUndefined();
  });
});
