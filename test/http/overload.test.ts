// S8.3 on HTTP over a real socket: while the server is behind, a write is refused at once with
// 503 SWB_ERR_OVERLOADED and Retry-After (before authentication) and changes nothing; reads,
// /healthz, /readyz and /metrics are served. The overload is forced by limits of 0 (config), not by
// a busy CPU; the monitor's own measure of the event loop is checked against a loop really blocked.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sha256 } from '../../src/auth/accounts.js';
import { OverloadMonitor } from '../../src/shared/overload.js';
import { call, testServer } from '../support/server.js';

type Running = Awaited<ReturnType<typeof testServer>>;

/** An admin API key of Acme, written to the store as an operator's tooling would. */
async function apiKey(server: Running): Promise<string> {
  const secret = randomBytes(24).toString('base64url');
  await server.store.createApiKey({
    id: 'kover',
    tenant: 'acme',
    name: 'overload test',
    role: 'admin',
    secretHash: sha256(secret),
    createdAt: Date.now(),
  });
  await server.accounts.loadTenant('acme');
  return `swk_kover.${secret}`;
}

const manualOf = (server: Running) => server.engine.state('acme')!.users.get('u1003')!.manual;

describe('S8.3 REST overload shedding', () => {
  let behind: Running;
  let key: string;
  beforeAll(async () => {
    behind = await testServer({ overloadLoopDelayMs: 0 });
    key = await apiKey(behind);
  });
  afterAll(async () => behind.cleanup());

  test('S8.3 while behind, a write gets 503 SWB_ERR_OVERLOADED with Retry-After, before authentication, and changes nothing', async () => {
    for (const token of [key, 'not-a-token']) {
      const r = await call(behind.url, 'PUT', '/api/v1/users/1003/status', { token, body: { status: 'dnd' } });
      expect([r.status, r.headers['retry-after'], r.body.error.code]).toEqual([503, '1', 'SWB_ERR_OVERLOADED']);
    }
    const login = await call(behind.url, 'POST', '/api/v1/auth/login', { body: { username: '1001', password: 'x' } });
    expect([login.status, login.body.error.code]).toEqual([503, 'SWB_ERR_OVERLOADED']);
    expect(manualOf(behind)).toBeUndefined();
  });

  test('S8.3 while behind, /healthz, /readyz, /metrics and reads are served; /metrics counts what was shed', async () => {
    expect((await call(behind.url, 'GET', '/healthz')).status).toBe(200);
    expect((await call(behind.url, 'GET', '/readyz')).status).toBe(200);
    const presence = await call(behind.url, 'GET', '/api/v1/presence', { token: key });
    expect(presence.status).toBe(200);
    const metrics = await call(behind.url, 'GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/switchboard_overload_shed_total\{surface="http"\} [1-9]/);
    expect(metrics.body).toMatch(/switchboard_event_loop_delay_ms [0-9.]+/);
  });
});

test('S8.3 more HTTP requests in flight than overloadHttpInFlight: writes are shed, reads served', async () => {
  const server = await testServer({ overloadHttpInFlight: 0 });
  try {
    const key = await apiKey(server);
    const r = await call(server.url, 'PUT', '/api/v1/users/1003/status', { token: key, body: { status: 'dnd' } });
    expect([r.status, r.body.error.code]).toEqual([503, 'SWB_ERR_OVERLOADED']);
    expect((await call(server.url, 'GET', '/api/v1/presence', { token: key })).status).toBe(200);
    expect(manualOf(server)).toBeUndefined();
  } finally {
    await server.cleanup();
  }
});

test('S8.3 a server that is not behind serves writes, and the 429 of repeated failed logins is unchanged', async () => {
  const server = await testServer();
  try {
    const key = await apiKey(server);
    const r = await call(server.url, 'PUT', '/api/v1/users/1003/status', { token: key, body: { status: 'dnd' } });
    expect([r.status, manualOf(server)?.status]).toEqual([200, 'dnd']);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++)
      statuses.push(
        (await call(server.url, 'POST', '/api/v1/auth/login', { body: { username: '1002', password: 'wrong' } }))
          .status,
      );
    expect(statuses).toContain(429);
    expect(statuses).not.toContain(503);
  } finally {
    await server.cleanup();
  }
});

test('S8.3 the monitor: a loop late turn after turn reads as behind (for REST writes before SIP), one long turn or a free loop not; requests in flight count until they end', async () => {
  const monitor = new OverloadMonitor({ loopDelayMs: 40, sipLoopDelayMs: 200, httpInFlight: 2 });
  const block = (ms: number) => {
    const until = performance.now() + ms;
    while (performance.now() < until);
  };
  const nextTurn = () => new Promise((r) => setImmediate(r));
  monitor.start();
  try {
    await new Promise((r) => setTimeout(r, 50));
    expect(monitor.cause('http')).toBeUndefined();
    // One long turn (a start, an import): seen once it is over, and nothing is shed for it.
    block(120);
    await nextTurn();
    await new Promise((r) => setTimeout(r, 15));
    expect(monitor.cause('http')).toBeUndefined();
    // Turn after turn of 60 ms: behind.
    for (let i = 0; i < 3; i++) {
      block(60);
      await nextTurn();
    }
    expect(monitor.cause('http')).toBe('loop');
    // BLF first: SIP is shed only from its own, larger delay.
    expect(monitor.cause('sip')).toBeUndefined();
    await new Promise((r) => setTimeout(r, 50));
    expect(monitor.cause('http')).toBeUndefined();
    const ends = [monitor.httpStarted(), monitor.httpStarted(), monitor.httpStarted()];
    expect(monitor.cause('http')).toBe('http');
    ends[0]!();
    ends[0]!();
    expect(monitor.cause('http')).toBeUndefined();
    expect(monitor.stats().httpInFlight).toBe(2);
  } finally {
    monitor.stop();
  }
});
