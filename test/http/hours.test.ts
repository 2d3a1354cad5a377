// S11.2 over REST through inject(), on a manual clock: hours on the policy, groups and queues;
// GET /api/v1/hours; PUT /api/v1/night-mode; POST /api/v1/route explaining a closed target;
// refusals with their codes, changing nothing; tenant isolation (S5.2).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/engine/index.js';
import { call, login, refusal, secondTenant, testApp } from '../support/app.js';

/** Friday 2026-12-25 19:00 in Berlin. */
const clock = new ManualClock(Date.UTC(2026, 11, 25, 18, 0, 0));
type S = Awaited<ReturnType<typeof testApp>>;
let s: S;
let admin: string;
let user: string;
let other: string;

const WORKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri'].map((day) => ({ day, from: '08:00', to: '18:00' }));

beforeAll(async () => {
  s = await testApp({}, { clock });
  [admin, user] = await Promise.all([login(s, '1001'), login(s, '1003')]);
  other = await secondTenant(s, {
    id: 'globex',
    name: 'Globex',
    sipDomain: 'globex.test',
    admin: { id: 'g1', extension: '1001', name: 'Gus', password: 'globex-admin-pw' },
  });
  const r = await call(s, 'PUT', '/api/v1/tenant/policy', {
    token: admin,
    body: {
      timezone: 'Europe/Berlin',
      hours: {
        weekly: WORKDAYS,
        holidays: [{ date: '2026-12-25', name: 'Christmas' }],
        closedAction: { type: 'redirect', target: { kind: 'user', id: '1004' } },
      },
    },
  });
  expect(r.status).toBe(200);
}, 30_000);
afterAll(async () => s.cleanup(), 30_000);

describe('S11.2 office hours over REST', () => {
  test('S11.2 the policy answers the hours with the closed action stored by id; GET /hours says who is closed and why', async () => {
    const policy = await call(s, 'GET', '/api/v1/tenant/policy', { token: user });
    expect(policy.body.hours.closedAction).toEqual({ type: 'redirect', target: { kind: 'user', id: 'u1004' } });
    const hours = await call(s, 'GET', '/api/v1/hours', { token: user });
    expect(hours.status).toBe(200);
    expect(hours.body).toMatchObject({
      timezone: 'Europe/Berlin',
      localTime: 'Fri 2026-12-25 19:00',
      tenant: {
        open: false,
        nightMode: false,
        rule: 'S11.2#3',
        reason: expect.stringMatching(/^closed: holiday Christmas/),
      },
    });
    expect(hours.body.groups.map((g: { target: { id: string }; open: boolean }) => [g.target.id, g.open])).toEqual([
      ['sales', false],
    ]);
  });

  test('S11.2 POST /route explains a closed group: the rule, then its closed action, then the colleague who rings', async () => {
    const r = await call(s, 'POST', '/api/v1/route', { token: user, body: { to: { extension: '6000' } } });
    expect(r.body.decision).toMatchObject({
      outcome: 'action',
      target: { kind: 'group', id: 'sales' },
      action: { condition: 'closed', action: { type: 'redirect' }, defaulted: false },
      next: { target: { kind: 'user', id: 'u1004' } },
    });
    expect(r.body.decision.explanation.slice(0, 2)).toEqual([
      { rule: 'S11.2#3', text: 'closed: holiday Christmas (Fri 2026-12-25 19:00, Europe/Berlin)' },
      { rule: 'S3.2', text: "group Sales's closed action: redirect to user u1004" },
    ]);
    // A colleague calling a colleague is not closed.
    const inside = await call(s, 'POST', '/api/v1/route', {
      token: user,
      body: { from: { user: '1003' }, to: { user: '1005' } },
    });
    expect(inside.body.decision.explanation.map((e: { rule: string }) => e.rule)).not.toContain('S11.2#3');
  });

  test('S11.2 bad hours are refused with their code and change nothing', async () => {
    const before = (await call(s, 'GET', '/api/v1/tenant/policy', { token: admin })).body;
    const overlap = await call(s, 'PUT', '/api/v1/groups/sales', {
      token: admin,
      body: {
        hours: {
          weekly: [
            { day: 'mon', from: '08:00', to: '12:00' },
            { day: 'mon', from: '11:00', to: '13:00' },
          ],
          holidays: [],
        },
      },
    });
    expect(overlap.status).toBe(422);
    expect(overlap.body.error).toMatchObject({ code: 'SWB_ERR_HOURS_INVALID', details: { field: 'hours.weekly' } });
    const busyTone = await call(s, 'PUT', '/api/v1/tenant/policy', {
      token: admin,
      body: { hours: { weekly: [], holidays: [], closedAction: { type: 'busyTone' } } },
    });
    expect(busyTone.body.error.code).toBe('SWB_ERR_HOURS_INVALID');
    const tooMany = await call(s, 'PUT', '/api/v1/tenant/policy', {
      token: admin,
      body: { hours: { weekly: [], holidays: Array.from({ length: 367 }, () => ({ date: '2026-01-01' })) } },
    });
    expect([tooMany.status, tooMany.body.error.code]).toEqual([400, 'SWB_ERR_VALIDATION']);
    const unknownField = await call(s, 'PUT', '/api/v1/tenant/policy', {
      token: admin,
      body: { hours: { weekly: [], holidays: [], open: true } },
    });
    expect(unknownField.status).toBe(400);
    expect((await call(s, 'GET', '/api/v1/tenant/policy', { token: admin })).body).toEqual(before);
    expect((await call(s, 'GET', '/api/v1/groups/sales', { token: admin })).body.hours).toBeUndefined();
  });

  test('S11.2 night mode by REST: admins only, one target at a time, tenant-scoped; hours set later keep it', async () => {
    expect(await call(s, 'PUT', '/api/v1/night-mode', { token: user, body: { on: true } })).toMatchObject({
      status: 403,
      body: { error: { code: 'SWB_ERR_FORBIDDEN' } },
    });
    const both = await call(s, 'PUT', '/api/v1/night-mode', {
      token: admin,
      body: { on: true, group: 'sales', queue: 'support' },
    });
    expect([both.status, both.body.error.code]).toEqual([400, 'SWB_ERR_INVALID']);
    // Another company's admin cannot see Acme's queue (S5.2).
    const foreign = await call(s, 'PUT', '/api/v1/night-mode', { token: other, body: { on: true, queue: 'support' } });
    expect(foreign).toMatchObject({ status: 404, body: refusal('SWB_ERR_QUEUE_NOT_FOUND', { queue: 'support' }) });

    const on = await call(s, 'PUT', '/api/v1/night-mode', { token: admin, body: { on: true, queue: '8000' } });
    expect(on.body).toMatchObject({
      target: { kind: 'queue', id: 'support', name: 'Support', extension: '8000' },
      open: false,
      nightMode: true,
      rule: 'S11.2#2',
      reason: 'closed: night mode (switched on for queue Support)',
    });
    await call(s, 'PUT', '/api/v1/queues/support', {
      token: admin,
      body: { hours: { weekly: WORKDAYS, holidays: [] } },
    });
    const hours = await call(s, 'GET', '/api/v1/hours', { token: admin });
    expect(hours.body.queues[0]).toMatchObject({ nightMode: true, hours: { nightMode: true } });
    const globex = await call(s, 'GET', '/api/v1/hours', { token: other });
    expect([globex.body.tenant.open, globex.body.queues]).toEqual([true, []]);
    await call(s, 'PUT', '/api/v1/night-mode', { token: admin, body: { on: false, queue: 'support' } });
  });
});
