// S9.1 scheduled statuses through REST on a manual clock: the contract (201 / 200 / 204, the
// refusals by code), permissions and tenant isolation, and pending windows across a restart.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/engine/index.js';
import { call, login, refusal, secondTenant, testApp } from '../support/app.js';
import { HOUR, MIN, T0 } from '../support/tenant.js';

type S = Awaited<ReturnType<typeof testApp>>;
const clock = new ManualClock(T0);
let s: S;
let admin: string;
let user: string;

beforeAll(async () => {
  s = await testApp({}, { clock });
  [admin, user] = await Promise.all([login(s, '1001'), login(s, '1003')]);
}, 30_000);
afterAll(async () => s.cleanup(), 30_000);

const iso = (ms: number) => new Date(ms).toISOString();
const schedule = (ext: string, token: string) => call(s, 'GET', `/api/v1/users/${ext}/schedule`, { token });
const add = (ext: string, token: string, body: Record<string, unknown>) =>
  call(s, 'POST', `/api/v1/users/${ext}/schedule`, { token, body });
const manual = async (ext: string) =>
  (await call(s, 'GET', `/api/v1/users/${ext}/presence`, { token: admin })).body.manual;
async function advance(ms: number): Promise<void> {
  clock.advance(ms);
  await s.engine.settled();
}

describe('S9.1 scheduled statuses over REST', () => {
  test('S9.1 a user schedules DND for a window: 201 with the window, listed as pending, set at `from`, gone at `until`', async () => {
    const t = clock.now();
    const r = await add('1003', user, {
      status: 'dnd',
      text: 'Board meeting',
      from: iso(t + HOUR),
      until: iso(t + 2 * HOUR),
    });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({
      id: expect.any(String),
      status: 'dnd',
      text: 'Board meeting',
      from: iso(t + HOUR),
      until: iso(t + 2 * HOUR),
      setBy: 'self',
      setAt: iso(t),
      state: 'pending',
    });
    const list = await schedule('1003', user);
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ windows: [r.body], max: 50 });
    expect(await manual('1003')).toBeUndefined();
    await advance(HOUR);
    expect(await manual('1003')).toMatchObject({
      status: 'dnd',
      text: 'Board meeting',
      setBy: `schedule:${r.body.id}`,
    });
    expect((await schedule('1003', user)).body.windows[0].state).toBe('active');
    await advance(HOUR);
    expect(await manual('1003')).toBeUndefined();
    expect((await schedule('1003', user)).body.windows).toEqual([]);
  });

  test('S9.1 refusals answer 422 / 400 with a stable code and queue nothing', async () => {
    const t = clock.now();
    const cases: [Record<string, unknown>, number, string][] = [
      [{ status: 'dnd', from: iso(t - MIN), until: iso(t + HOUR) }, 422, 'SWB_ERR_SCHEDULE_IN_PAST'],
      [{ status: 'dnd', from: iso(t + HOUR), until: iso(t + HOUR) }, 422, 'SWB_ERR_SCHEDULE_ENDS_BEFORE_START'],
      [{ status: 'napping', from: iso(t + HOUR) }, 422, 'SWB_ERR_STATUS_UNKNOWN'],
      [{ status: 'on_call', from: iso(t + HOUR) }, 422, 'SWB_ERR_STATUS_AUTOMATIC'],
      [{ status: 'absent', from: iso(t + HOUR), until: iso(t + 40 * 24 * HOUR) }, 422, 'SWB_ERR_SCHEDULE_TOO_LONG'],
      [{ status: 'dnd', from: 'tomorrow' }, 400, 'SWB_ERR_VALIDATION'],
      [{ status: 'dnd', from: iso(t + HOUR), color: 'red' }, 400, 'SWB_ERR_VALIDATION'],
    ];
    for (const [body, status, code] of cases) {
      const r = await add('1003', user, body);
      expect([r.status, r.body.error?.code]).toEqual([status, code]);
    }
    expect((await schedule('1003', user)).body.windows).toEqual([]);
  });

  test("S9.1 S5.1 a plain user may not read or change a colleague's schedule; an admin may (cause admin:<id>)", async () => {
    const t = clock.now();
    expect((await add('1004', user, { status: 'away', from: iso(t + HOUR) })).body).toEqual(
      refusal('SWB_ERR_FORBIDDEN'),
    );
    expect((await schedule('1004', user)).status).toBe(403);
    const r = await add('1004', admin, { status: 'away', from: iso(t + HOUR) });
    expect(r.status).toBe(201);
    expect(r.body.setBy).toBe('admin:u1001');
    const cancel = await call(s, 'DELETE', `/api/v1/users/1004/schedule/${r.body.id}`, { token: user });
    expect(cancel.status).toBe(403);
    expect((await schedule('1004', admin)).body.windows).toHaveLength(1);
  });

  test('S9.1 cancelling answers 204 and the window is gone; an unknown window is 404', async () => {
    const t = clock.now();
    const r = await add('1005', admin, { status: 'busy', from: iso(t + HOUR), until: iso(t + 2 * HOUR) });
    const del = await call(s, 'DELETE', `/api/v1/users/1005/schedule/${r.body.id}`, { token: admin });
    expect(del.status).toBe(204);
    expect((await schedule('1005', admin)).body.windows).toEqual([]);
    const again = await call(s, 'DELETE', `/api/v1/users/1005/schedule/${r.body.id}`, { token: admin });
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('SWB_ERR_SCHEDULE_NOT_FOUND');
    await advance(HOUR);
    expect(await manual('1005')).toBeUndefined();
  });

  test("S9.1 S5.2 another tenant's admin gets 404 for our users' schedules", async () => {
    const other = await secondTenant(s, {
      id: 'globex',
      name: 'Globex',
      sipDomain: 'globex.test',
      admin: { id: 'g1', extension: '2001', name: 'Gina', password: 'pass2001pass' },
    });
    expect((await schedule('u1003', other)).status).toBe(404);
    const r = await add('u1003', other, { status: 'dnd', from: iso(clock.now() + HOUR) });
    expect(r.body).toEqual(refusal('SWB_ERR_USER_NOT_FOUND', { user: 'u1003' }));
  });
});

describe('S9.1 S8.2 a pending window survives a restart of the server', () => {
  test('S9.1 queued before a restart, the window begins and ends on time after it', async () => {
    const dataClock = new ManualClock(T0);
    const first = await testApp({}, { clock: dataClock });
    const token = await login(first, '1006');
    const r = await call(first, 'POST', '/api/v1/users/1006/schedule', {
      token,
      body: { status: 'absent', from: iso(T0 + HOUR), until: iso(T0 + 3 * HOUR) },
    });
    expect(r.status).toBe(201);
    await first.close();

    const later = new ManualClock(T0 + 30 * MIN);
    const second = await testApp({ dataDir: first.dataDir }, { clock: later });
    try {
      const token2 = await login(second, '1006');
      const get = async () => (await call(second, 'GET', '/api/v1/users/1006/presence', { token: token2 })).body.manual;
      expect((await call(second, 'GET', '/api/v1/users/1006/schedule', { token: token2 })).body.windows).toMatchObject([
        { id: r.body.id, state: 'pending' },
      ]);
      later.advance(30 * MIN);
      await second.engine.settled();
      expect(await get()).toMatchObject({ status: 'absent', setBy: `schedule:${r.body.id}` });
      later.advance(2 * HOUR);
      await second.engine.settled();
      expect(await get()).toBeUndefined();
    } finally {
      await second.cleanup();
    }
  }, 30_000);
});
