// S1.4, S1.5 over the feed socket: a signed-in user's socket is an app session; heartbeats are
// app activity; a dropped socket is not a sign-out.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FeedClient, apiKey, call, feedServer, login, until } from './support.js';
import type { FeedTestServer } from './support.js';

let s: FeedTestServer;
let admin: string;
let adminKey: string;

beforeAll(async () => {
  s = await feedServer();
  admin = await login(s.url, '1001');
  adminKey = await apiKey(s.url, admin, 'admin');
});
afterAll(async () => s.cleanup());

const presence = async (ext: string) =>
  (await call(s.url, 'GET', `/api/v1/users/${ext}/presence`, { token: admin })).body;

describe('S1.4 app sessions on the feed socket', () => {
  test('S1.4 a signed-in socket is an app session; without activity the user turns idle on the server clock, and activity ends it', async () => {
    expect(await s.engine.dispatch('acme', { type: 'tenant.policy', policy: { idleAfterSec: 1 } })).toMatchObject({
      ok: true,
    });
    try {
      const dan = await FeedClient.signedIn(s.url, await login(s.url, '1004'));
      expect(dan.frames[0]).toMatchObject({
        type: 'authenticated',
        userId: 'u1004',
        sessionId: expect.stringMatching(/^feed-/),
      });
      const snap = await dan.subscribe('me', { users: ['1004'] });
      expect([snap.presence[0].sessions, snap.presence[0].status]).toEqual([1, 'online']);
      expect((await presence('1004')).sessions).toBe(1);

      dan.send({ type: 'heartbeat', active: false });
      const idle = await dan.event((e) => e.subject === 'u1004' && e.value.status === 'idle', 5000);
      expect(idle.cause).toBe('system');
      expect(idle.at - snap.presence[0].since).toBeGreaterThanOrEqual(1000);

      dan.send({ type: 'heartbeat', active: true });
      const back = await dan.event((e) => e.subject === 'u1004' && e.seq > idle.seq && e.value.status === 'online');
      expect(back.value.sessions).toBe(1);
      dan.close();
    } finally {
      await s.engine.dispatch('acme', { type: 'tenant.policy', policy: { idleAfterSec: 600 } });
    }
  });

  test('S1.4 a heartbeat after the session timed out starts a new one', async () => {
    expect(await s.engine.dispatch('acme', { type: 'tenant.policy', policy: { sessionTimeoutSec: 1 } })).toMatchObject({
      ok: true,
    });
    try {
      const watcher = await FeedClient.signedIn(s.url, adminKey);
      await watcher.subscribe('erin', { users: ['1005'] });
      const erin = await FeedClient.signedIn(s.url, await login(s.url, '1005'));
      await watcher.event((e) => e.subject === 'u1005' && e.value.sessions === 1);
      const lapsed = await watcher.event((e) => e.subject === 'u1005' && e.value.sessions === 0, 5000);
      expect([lapsed.value.status, lapsed.cause]).toEqual(['offline', 'system']);
      erin.send({ type: 'heartbeat', active: true });
      const again = await watcher.event((e) => e.seq > lapsed.seq && e.subject === 'u1005' && e.value.sessions === 1);
      expect(again.value.status).toBe('online');
      erin.close();
      watcher.close();
    } finally {
      await s.engine.dispatch('acme', { type: 'tenant.policy', policy: { sessionTimeoutSec: 90 } });
    }
  });
});

describe('S1.5 sign-out on the feed socket', () => {
  test('S1.5 a dropped socket does not end the session; {type: signout} does', async () => {
    const frank = await FeedClient.signedIn(s.url, await login(s.url, '1006'));
    expect((await presence('1006')).sessions).toBe(1);
    const sockets = s.feed.stats().sockets;
    frank.close();
    await frank.waitClosed();
    await until('the server to see the socket go', () => s.feed.stats().sockets === sockets - 1);
    await s.engine.settled();
    expect((await presence('1006')).sessions).toBe(1);

    const grace = await FeedClient.signedIn(s.url, await login(s.url, '1007'));
    expect((await presence('1007')).sessions).toBe(1);
    grace.send({ type: 'signout' });
    expect((await grace.next((f) => f.type === 'signedout')).type).toBe('signedout');
    expect((await grace.waitClosed()).code).toBe(1000);
    const after = await presence('1007');
    expect([after.sessions, after.status]).toEqual([0, 'offline']);
  });
});
