// S8.3: one tenant's load and one slow consumer never delay another tenant's changes beyond the
// S6.4 budget (one second).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FeedClient, feedServer, login, secondTenant } from './support.js';
import type { FeedTestServer } from './support.js';

let s: FeedTestServer;
beforeAll(async () => {
  s = await feedServer();
}, 30_000);
afterAll(async () => s.cleanup());

describe('S8.3 tenants are independent', () => {
  test("S8.3 a burst of 3,000 changes in one tenant, watched by a stalled socket, leaves another tenant's change under one second", async () => {
    const globexToken = await secondTenant(s.url, {
      id: 'globex',
      name: 'Globex',
      sipDomain: 'globex.test',
      admin: { id: 'g2001', extension: '2001', name: 'Gina Globex', password: 'globex-secret' },
    });
    const globex = await FeedClient.signedIn(s.url, globexToken);
    await globex.subscribe('t', { tenant: true });

    // A watcher of the busy tenant that stops reading.
    const stalled = await FeedClient.signedIn(s.url, await login(s.url, '1001'));
    await stalled.subscribe('t', { tenant: true });
    (stalled.ws as unknown as { _socket: { pause(): void } })._socket.pause();

    const admin = { kind: 'user', userId: 'u1001', role: 'admin' } as const;
    const burst: Promise<unknown>[] = [];
    for (let i = 0; i < 3000; i++) {
      const userId = `u${1002 + (i % 9)}`;
      burst.push(
        s.engine.dispatch('acme', {
          type: 'status.set',
          userId,
          status: i % 2 === 0 ? 'dnd' : 'away',
          text: `burst ${i}`,
          by: admin,
        }),
      );
    }
    const sent = Date.now();
    const change = s.engine.dispatch('globex', {
      type: 'status.set',
      userId: 'g2001',
      status: 'away',
      text: 'independent',
      by: { kind: 'user', userId: 'g2001', role: 'admin' },
    });
    const seen = await globex.event((e) => e.subject === 'g2001' && e.value.text === 'independent', 5000);
    const latencyMs = Date.now() - sent;
    await Promise.all([...burst, change]);

    expect(seen.tenant).toBe('globex');
    expect(latencyMs).toBeLessThan(1000);
    expect(globex.events().every((e) => e.tenant === 'globex')).toBe(true);
    globex.close();
    stalled.close();
  }, 30_000);
});
