// S6.2 over real sockets: a flush is a round over the tenant's sockets written a few at a time,
// and events committed while a round is under way go to the sockets it has not reached yet. Tiny
// slices here, so every round spans many turns of the event loop while changes keep coming.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Actor } from '../../src/core/index.js';
import { FeedClient, apiKey, feedServer, login } from './support.js';
import type { FeedTestServer, Frame } from './support.js';

let s: FeedTestServer;
let adminKey: string;
const byAdmin: Actor = { kind: 'user', userId: 'u1001', role: 'admin' };

beforeAll(async () => {
  s = await feedServer({ sliceWrites: 2 });
  adminKey = await apiKey(s.url, await login(s.url, '1001'), 'admin');
});
afterAll(async () => s.cleanup());

describe('S6.2 delivery rounds', () => {
  test('S6.2 with rounds written in slices, every watcher gets every event once and in order while changes keep coming, and a subscription added mid-stream repeats nothing', async () => {
    const watchers = await Promise.all(Array.from({ length: 9 }, () => FeedClient.signedIn(s.url, adminKey)));
    const from = new Map<FeedClient, number>();
    for (const w of watchers) from.set(w, (await w.subscribe('t', { tenant: true })).seq as number);
    const users = ['u1003', 'u1004', 'u1005', 'u1006'];
    let n = 0;
    for (let batch = 0; batch < 60; batch++) {
      for (let i = 0; i < 5; i++, n++) {
        const out = s.engine.submit('acme', {
          type: 'status.set',
          userId: users[n % users.length]!,
          status: n % 2 === 0 ? 'dnd' : 'away',
          text: `#${n}`,
          by: byAdmin,
        });
        if (!out.ok) throw new Error(out.message);
      }
      // One watcher adds a second scope mid-stream: its events are in the first one too.
      if (batch === 30) await watchers[4]!.subscribe('mine', { users: ['u1003'] });
      await new Promise((r) => setTimeout(r, 1));
    }
    await s.engine.settled();
    const last = s.engine.position('acme')!.seq;
    for (const w of watchers) await w.event((e) => e.seq === last, 10_000);

    for (const w of watchers) {
      const seqs = w.events().map((e: Frame) => e.seq as number);
      expect(seqs).toEqual(Array.from({ length: last - from.get(w)! }, (_, i) => from.get(w)! + 1 + i));
      // Coalesced: fewer frames than events.
      expect(w.frames.filter((f: Frame) => f.type === 'events').length).toBeLessThan(seqs.length);
    }
    for (const w of watchers) w.close();
  });
});
