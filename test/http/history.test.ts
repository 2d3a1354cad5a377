// S6.5 through inject(): history with causes, the daily report in the tenant's time zone, and
// the operator's view of a user's devices.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { localDate } from '../../src/http/report.js';
import { call, login, testApp } from '../support/app.js';

type S = Awaited<ReturnType<typeof testApp>>;
let s: S;
let admin: string;
let sup: string;
let user: string;
let startedAt: number;

beforeAll(async () => {
  startedAt = Date.now();
  s = await testApp();
  [admin, sup, user] = await Promise.all([login(s, '1001'), login(s, '1002'), login(s, '1005')]);
  // 1005 comes online through an app registration, sets DND, then an admin sets away.
  await call(s, 'POST', '/api/v1/events', {
    token: admin,
    body: { events: [{ type: 'registration', user: '1005', id: 'app-1005', kind: 'app', ttlSec: 3600 }] },
  });
  await call(s, 'PUT', '/api/v1/users/1005/status', { token: user, body: { status: 'dnd' } });
  await call(s, 'PUT', '/api/v1/users/1005/status', { token: admin, body: { status: 'away' } });
}, 30_000);
afterAll(async () => s.cleanup(), 30_000);

const rowsOf = (body: { history: { kind: string; value: string; cause: string }[] }) =>
  body.history.map((h) => [h.kind, h.value, h.cause]);

describe('history', () => {
  test('S6.5 every effective status change is kept with its cause, oldest first', async () => {
    const r = await call(s, 'GET', '/api/v1/users/1005/history', { token: user });
    expect(r.status).toBe(200);
    expect(rowsOf(r.body)).toEqual([
      ['status', 'offline', 'system'],
      ['status', 'online', 'pbx'],
      ['status', 'dnd', 'self'],
      ['status', 'away', 'admin:u1001'],
    ]);
  });

  test('S6.5 the window defaults to the last 24 hours and can be narrowed', async () => {
    const r = await call(
      s,
      'GET',
      `/api/v1/users/1005/history?from=${new Date(Date.now() + 60_000).toISOString()}&to=${new Date(Date.now() + 120_000).toISOString()}`,
      { token: admin },
    );
    expect(r.body.history).toEqual([]);
    const all = await call(s, 'GET', '/api/v1/users/u1005/history', { token: admin });
    expect(Date.parse(all.body.to) - Date.parse(all.body.from)).toBe(24 * 3600_000);
  });

  test("S5.1 a plain user sees only their own history; supervisors and admins see anyone's", async () => {
    const denied = await call(s, 'GET', '/api/v1/users/1004/history', { token: user });
    expect([denied.status, denied.body.error.code]).toEqual([403, 'SWB_ERR_FORBIDDEN']);
    expect((await call(s, 'GET', '/api/v1/users/1005/history', { token: sup })).status).toBe(200);
    expect((await call(s, 'GET', '/api/v1/users/1004/report', { token: user })).status).toBe(403);
    expect((await call(s, 'GET', '/api/v1/users/1004/devices', { token: user })).status).toBe(403);
  });

  test('S8.1 a bad window is refused with a code', async () => {
    const now = Date.now();
    const cases: [string, number, string][] = [
      [`from=${new Date(now).toISOString()}&to=${new Date(now - 1000).toISOString()}`, 400, 'SWB_ERR_INVALID'],
      [
        `from=${new Date(now - 32 * 86400_000).toISOString()}&to=${new Date(now).toISOString()}`,
        400,
        'SWB_ERR_INVALID',
      ],
      ['from=yesterday', 400, 'SWB_ERR_VALIDATION'],
      ['since=2026-01-01T00:00:00Z', 400, 'SWB_ERR_VALIDATION'],
    ];
    for (const [query, status, code] of cases) {
      for (const what of ['history', 'report']) {
        const r = await call(s, 'GET', `/api/v1/users/1005/${what}?${query}`, { token: admin });
        expect([what, query, r.status, r.body.error.code]).toEqual([what, query, status, code]);
      }
    }
    const unknown = await call(s, 'GET', '/api/v1/users/9999/history', { token: admin });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'SWB_ERR_USER_NOT_FOUND']);
  });
});

describe('report', () => {
  test('S6.5 the report gives time in each status per day in the tenant time zone, covering the window up to now', async () => {
    await call(s, 'PUT', '/api/v1/tenant/policy', { token: admin, body: { timezone: 'Europe/Berlin' } });
    const from = startedAt - 60_000;
    const before = Date.now();
    const r = await call(
      s,
      'GET',
      `/api/v1/users/1005/report?from=${new Date(from).toISOString()}&to=${new Date(before + 3600_000).toISOString()}`,
      { token: user },
    );
    const after = Date.now();
    expect(r.status).toBe(200);
    expect(r.body.timezone).toBe('Europe/Berlin');
    const days = r.body.days as { date: string; statusMs: Record<string, number> }[];
    expect(days[0]!.date).toBe(localDate(from, 'Europe/Berlin'));
    const totals: Record<string, number> = {};
    for (const d of days) for (const [k, v] of Object.entries(d.statusMs)) totals[k] = (totals[k] ?? 0) + v;
    expect(Object.keys(totals).sort()).toEqual(['away', 'dnd', 'offline', 'online']);
    // Nothing before the user existed, nothing after now: the sum lies between those bounds.
    const sum = Object.values(totals).reduce((a, b) => a + b, 0);
    const created = Date.parse(
      (await call(s, 'GET', '/api/v1/users/1005/history', { token: admin })).body.history[0].at,
    );
    expect(sum).toBeGreaterThanOrEqual(before - created);
    expect(sum).toBeLessThanOrEqual(after - created);
  });
});

describe('devices', () => {
  test('S1.1 the operator view lists live registrations with kind and expiry, and the app sessions', async () => {
    const r = await call(s, 'GET', '/api/v1/users/1005/devices', { token: sup });
    expect(r.body).toMatchObject({ userId: 'u1005', registrations: [{ id: 'app-1005', kind: 'app' }], sessions: 0 });
    const expires = Date.parse(r.body.registrations[0].expiresAt);
    expect(expires).toBeGreaterThan(Date.now() + 3500_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 3600_000);
  });
});
