// S5.4 on the live feed: a socket does not outlive its credential. Deleting the user, changing
// their role or password, signing out, deleting the API key or the token expiring closes the open
// socket with 4401 and ends its app session. S1.4: reconnecting sockets cannot pile up sessions.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/app/config.js';
import { startServer } from '../../src/app/server.js';
import { MAX_APP_SESSIONS } from '../../src/core/index.js';
import { FeedClient, SYSTEM_TOKEN, apiKey, call, feedServer, login, until } from './support.js';
import type { FeedTestServer } from './support.js';
import { NO_SHEDDING } from '../support/server.js';

let s: FeedTestServer;
let admin: string;

beforeAll(async () => {
  s = await feedServer();
  admin = await login(s.url, '1001');
});
afterAll(async () => s.cleanup());

const sessions = (userId: string) => s.engine.state('acme')?.users.get(userId)?.sessions.length;

/** The socket got SWB_ERR_UNAUTHENTICATED and was closed with 4401. */
async function expelled(c: FeedClient): Promise<void> {
  expect((await c.next((f) => f.type === 'error')).error.code).toBe('SWB_ERR_UNAUTHENTICATED');
  expect(await c.waitClosed()).toEqual({ code: 4401, reason: 'credential ended' });
}

describe('S5.4 a feed socket ends with its credential', () => {
  test("S5.4 deleting the user closes their open socket at once; other users' sockets stay", async () => {
    expect(
      (
        await call(s.url, 'POST', '/api/v1/users', {
          token: admin,
          body: { extension: '1040', name: 'Leaver', role: 'user', password: 'leaver-pw-1' },
        })
      ).status,
    ).toBe(201);
    const leaver = await FeedClient.signedIn(s.url, await login(s.url, '1040', 'leaver-pw-1'));
    const other = await FeedClient.signedIn(s.url, await login(s.url, '1003'));
    expect((await call(s.url, 'DELETE', '/api/v1/users/1040', { token: admin })).status).toBe(204);
    await expelled(leaver);
    other.send({ type: 'heartbeat', active: true });
    const sub = await other.subscribe('t', { tenant: true });
    expect(sub.type, JSON.stringify(sub)).toBe('snapshot');
    other.close();
  });

  test('S5.4 signing out over REST closes the socket that used the token and ends its app session', async () => {
    const token = await login(s.url, '1004');
    const c = await FeedClient.signedIn(s.url, token);
    await until('the session to start', () => sessions('u1004') === 1);
    expect((await call(s.url, 'POST', '/api/v1/auth/logout', { token })).status).toBe(204);
    await expelled(c);
    await until('the session to end', () => sessions('u1004') === 0);
  });

  test("S5.4 a password or role change closes the user's sockets; the admin's own socket stays", async () => {
    const own = await FeedClient.signedIn(s.url, admin);
    const before = await FeedClient.signedIn(s.url, await login(s.url, '1005'));
    expect(
      (await call(s.url, 'PATCH', '/api/v1/users/1005', { token: admin, body: { password: 'pass1005-next' } })).status,
    ).toBe(200);
    await expelled(before);
    const again = await FeedClient.signedIn(s.url, await login(s.url, '1005', 'pass1005-next'));
    expect(
      (await call(s.url, 'PATCH', '/api/v1/users/1005', { token: admin, body: { role: 'supervisor' } })).status,
    ).toBe(200);
    await expelled(again);
    expect(own.closed).toBeUndefined();
    own.close();
  });

  test('S5.4 deleting an API key closes the sockets signed in with it', async () => {
    const key = await apiKey(s.url, admin, 'supervisor');
    const c = await FeedClient.signedIn(s.url, key);
    const id = key.slice(4).split('.')[0];
    expect((await call(s.url, 'DELETE', `/api/v1/api-keys/${id}`, { token: admin })).status).toBe(204);
    await expelled(c);
  });
});

describe('S5.4 an expired token closes its socket', () => {
  test('S5.4 a socket signed in with a 1-second token is closed when it expires', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'swb-feed-ttl-'));
    const server = await startServer(
      {
        ...DEFAULT_CONFIG,
        ...NO_SHEDDING,
        httpPort: 0,
        sipPort: 0,
        host: '127.0.0.1',
        dataDir,
        logLevel: 'silent',
        systemToken: SYSTEM_TOKEN,
        tokenTtlSec: 1,
      },
      { logger: pino({ level: 'silent' }) },
    );
    try {
      const signIn = await call(server.url, 'POST', '/api/v1/auth/login', {
        body: { username: '1006', password: 'pass1006' },
      });
      const token = signIn.body.token as string;
      const expiresAt = Date.parse(signIn.body.expiresAt);
      const c = await FeedClient.signedIn(server.url, token);
      await expelled(c);
      // Closed at expiry (its own timer, not a periodic sweep): not before, and soon after.
      const late = Date.now() - expiresAt;
      expect(late).toBeGreaterThanOrEqual(0);
      expect(late).toBeLessThan(2000);
      expect((await call(server.url, 'GET', '/api/v1/auth/me', { token })).status).toBe(401);
    } finally {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('S1.4 app sessions per user are capped', () => {
  test(`S1.4 ${MAX_APP_SESSIONS + 30} sockets opened and dropped one after another leave ${MAX_APP_SESSIONS} sessions, the newest kept`, async () => {
    const token = await login(s.url, '1007');
    let last: string | undefined;
    for (let i = 0; i < MAX_APP_SESSIONS + 30; i++) {
      const c = await FeedClient.signedIn(s.url, token);
      last = c.frames.find((f) => f.type === 'authenticated').sessionId;
      c.close();
      await c.waitClosed();
    }
    await s.engine.settled();
    const held = s.engine
      .state('acme')!
      .users.get('u1007')!
      .sessions.map((x) => x.id);
    expect(held).toHaveLength(MAX_APP_SESSIONS);
    expect(held).toContain(last);
  });
});
