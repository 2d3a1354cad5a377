// SPEC S9.2: reason codes are tenant data. Given a tenant's list of reason codes, a not-ready state
// (and a reason on away/dnd) must use one of them; a reason with maxSec ends the state by itself
// with a cause naming it, also across a restart; reports show the labels and the time per reason
// per day, split at local midnight.
import { describe, expect, test } from 'vitest';
import { DEFAULT_REASONS } from '../../src/core/index.js';
import type { Command, ReasonCode } from '../../src/core/index.js';
import { ManualClock } from '../../src/engine/index.js';
import { timeInReasonPerDay } from '../../src/http/report.js';
import { call, login, refusal, testApp } from '../support/app.js';
import { MIN, SEC, T0, self, tenant, users } from '../support/tenant.js';
import type { Harness } from '../support/tenant.js';

const REASONS: readonly ReasonCode[] = [
  { code: 'lunch', label: 'Lunch', productive: false, maxSec: 1800 },
  { code: 'break', label: 'Coffee break', productive: false, maxSec: 600 },
  { code: 'training', label: 'Training', productive: true },
];

/** u1001 an agent of q1, logged in and ready; u1002 an admin. */
function centre(reasons: readonly ReasonCode[] | 'none' = REASONS): Harness {
  const h = tenant({
    policy: reasons === 'none' ? {} : { reasons },
    users: [...users(1), { id: 'u1002', extension: '1002', name: 'Admin', role: 'admin' }],
    queues: [{ id: 'q1', name: 'Sales', agents: ['u1001'], autoReady: true }],
  });
  h.ok({ type: 'agent.command', userId: 'u1001', queueId: 'q1', action: 'login', by: self('u1001') });
  h.drain();
  return h;
}

const notReady = (reason?: string): Command => ({
  type: 'agent.command',
  userId: 'u1001',
  queueId: 'q1',
  action: 'not_ready',
  by: self('u1001'),
  ...(reason !== undefined ? { reason } : {}),
});

const record = (h: Harness) => h.state().users.get('u1001')!.agent['q1']!;

describe('S9.2 a reason must be one of the tenant codes', () => {
  test('S9.2 an unknown not-ready reason is refused with SWB_ERR_REASON_UNKNOWN and changes nothing', () => {
    const h = centre();
    const before = h.state();
    const out = h.run(notReady('nap'));
    expect(out).toMatchObject({ ok: false, code: 'SWB_ERR_REASON_UNKNOWN', details: { reason: 'nap' } });
    expect(h.state()).toBe(before);
    expect(h.drain()).toEqual([]);
    expect(h.engine.timerList(h.tenant).filter((t) => t.startsWith('reason:'))).toEqual([]);
    // The codes of the list are taken; no reason is always fine.
    h.ok(notReady('training'));
    expect(record(h)).toMatchObject({ state: 'not_ready', reason: 'training' });
    h.ok(notReady());
    expect(record(h).reason).toBeUndefined();
  });

  test('S9.2 an all-queues not-ready with an unknown reason is refused in every queue', () => {
    const h = centre();
    const before = h.state();
    const out = h.run({
      type: 'agent.command',
      userId: 'u1001',
      action: 'not_ready',
      reason: 'Lunch',
      by: self('u1001'),
    });
    expect(out).toMatchObject({ ok: false, code: 'SWB_ERR_REASON_UNKNOWN' });
    expect(h.state()).toBe(before);
  });

  test('S9.2 away and dnd take a reason of the list; another status, or an unknown code, is refused', () => {
    const h = centre();
    const set = (status: string, reason: string): Command => ({
      type: 'status.set',
      userId: 'u1001',
      status,
      reason,
      by: self('u1001'),
    });
    const before = h.state();
    expect(h.run(set('away', 'nap'))).toMatchObject({ ok: false, code: 'SWB_ERR_REASON_UNKNOWN' });
    expect(h.run(set('busy', 'lunch'))).toMatchObject({ ok: false, code: 'SWB_ERR_REASON_UNEXPECTED' });
    expect(h.state()).toBe(before);
    h.ok(set('dnd', 'training'));
    expect(h.presence('u1001').manual).toMatchObject({ status: 'dnd', reason: 'training' });
  });

  test('S9.2 a tenant with no list has the default one; an empty list takes no reason at all', () => {
    const h = centre('none');
    expect(h.state().policy.reasons).toEqual(DEFAULT_REASONS);
    h.ok(notReady('lunch'));
    expect(record(h).reason).toBe('lunch');
    const none = centre([]);
    expect(none.run(notReady('lunch'))).toMatchObject({ ok: false, code: 'SWB_ERR_REASON_UNKNOWN' });
    none.ok(notReady());
    expect(record(none)).toMatchObject({ state: 'not_ready' });
  });

  test('S9.2 the list is checked: each code once, code [a-z0-9_-]{1,32}, label 1..64, maxSec 60..86400, at most 100', () => {
    const h = centre();
    const policy = (reasons: unknown): Command => ({
      type: 'tenant.policy',
      policy: { reasons: reasons as ReasonCode[] },
    });
    const one = { code: 'x', label: 'X', productive: true };
    for (const bad of [
      [one, one],
      [{ ...one, code: 'Lunch' }],
      [{ ...one, code: 'a'.repeat(33) }],
      [{ ...one, label: '' }],
      [{ ...one, label: 'l'.repeat(65) }],
      [{ ...one, maxSec: 59 }],
      [{ ...one, maxSec: 86401 }],
      Array.from({ length: 101 }, (_, i) => ({ ...one, code: `c${i}` })),
    ]) {
      expect(h.run(policy(bad))).toMatchObject({ ok: false, code: 'SWB_ERR_INVALID' });
    }
    expect(h.state().policy.reasons).toEqual(REASONS);
    h.ok(policy(Array.from({ length: 100 }, (_, i) => ({ ...one, code: `c${i}`, maxSec: 60 }))));
    expect(h.state().policy.reasons).toHaveLength(100);
  });
});

describe('S9.2 a reason with maxSec ends by itself', () => {
  test('S9.2 not_ready with a maxSec reason returns to ready after maxSec, and the event names the reason', () => {
    const h = centre();
    h.ok(notReady('break'));
    expect(record(h).reasonUntil).toBe(T0 + 600 * SEC);
    h.drain();
    h.advance(600 * SEC - 1);
    expect(h.agent('u1001', 'q1')).toBe('not_ready');
    h.advance(1);
    expect(h.agent('u1001', 'q1')).toBe('ready');
    const events = h.drain().filter((e) => e.type === 'agent.changed');
    expect(events).toMatchObject([
      {
        type: 'agent.changed',
        queueId: 'q1',
        cause: 'system:reason_expired:break',
        value: { state: 'ready' },
        old: { state: 'not_ready', reason: 'break' },
      },
    ]);
    expect(record(h).reasonUntil).toBeUndefined();
  });

  test('S9.2 an admin may have a reason end in logged_out instead of ready', () => {
    const h = centre([
      { code: 'shift_end', label: 'End of shift', productive: false, maxSec: 60, endState: 'logged_out' },
    ]);
    h.ok(notReady('shift_end'));
    h.drain();
    h.advance(60 * SEC);
    expect(h.drain().filter((e) => e.type === 'agent.changed')).toMatchObject([
      { cause: 'system:reason_expired:shift_end', value: { state: 'logged_out' }, old: { state: 'not_ready' } },
    ]);
    expect(
      h.run({
        type: 'tenant.policy',
        policy: { reasons: [{ code: 'x', label: 'X', productive: true, endState: 'busy' } as never] },
      }),
    ).toMatchObject({ ok: false, code: 'SWB_ERR_INVALID', details: { field: 'reasons.endState' } });
  });

  test('S9.2 a new reason starts its own maxSec; leaving not_ready cancels the timer', () => {
    const h = centre();
    h.ok(notReady('break'));
    h.advance(5 * MIN);
    h.ok(notReady('lunch'));
    expect(record(h).reasonUntil).toBe(T0 + 5 * MIN + 1800 * SEC);
    h.advance(10 * MIN);
    expect(h.agent('u1001', 'q1')).toBe('not_ready');
    // The same reason again keeps its deadline.
    h.ok(notReady('lunch'));
    expect(record(h).reasonUntil).toBe(T0 + 5 * MIN + 1800 * SEC);
    h.ok({ type: 'agent.command', userId: 'u1001', queueId: 'q1', action: 'ready', by: self('u1001') });
    expect(h.engine.timerList(h.tenant).filter((t) => t.startsWith('reason:'))).toEqual([]);
    h.ok(notReady('training'));
    h.drain();
    h.advance(24 * 60 * MIN);
    expect(record(h)).toMatchObject({ state: 'not_ready', reason: 'training' });
  });

  test('S9.2 away with a maxSec reason is cleared after maxSec with the cause', () => {
    const h = centre();
    h.ok({ type: 'registration.set', userId: 'u1001', id: 'r', kind: 'app', expiresAt: T0 + 24 * 60 * MIN });
    h.ok({ type: 'status.set', userId: 'u1001', status: 'away', reason: 'lunch', by: self('u1001') });
    expect(h.presence('u1001').manual).toMatchObject({ reason: 'lunch', reasonUntil: T0 + 1800 * SEC });
    h.drain();
    h.advance(1800 * SEC - 1);
    expect(h.status('u1001')).toBe('away');
    h.advance(1);
    expect(h.status('u1001')).toBe('online');
    expect(h.drain()).toMatchObject([
      { type: 'presence.changed', cause: 'system:reason_expired:lunch', value: { status: 'online' } },
    ]);
  });

  test('S9.2 an admin giving a reason a maxSec starts it for the agents already in it', () => {
    const h = centre([{ code: 'training', label: 'Training', productive: true }]);
    h.ok(notReady('training'));
    h.advance(10 * MIN);
    h.ok({
      type: 'tenant.policy',
      policy: { reasons: [{ code: 'training', label: 'Training', productive: true, maxSec: 60 }] },
    });
    h.advance(60 * SEC);
    expect(h.agent('u1001', 'q1')).toBe('ready');
  });
});

describe('S9.2 over REST: restart, labels, time per reason per day', () => {
  test('S9.2 a not_ready reason timer survives a restart and still ends on time', async () => {
    const clock = new ManualClock(T0);
    const first = await testApp({}, { clock });
    const dataDir = first.dataDir;
    const adminToken = await login(first, '1001');
    const put = await call(first, 'PUT', '/api/v1/reasons', {
      token: adminToken,
      body: { reasons: [{ code: 'break', label: 'Coffee break', productive: false, maxSec: 600 }] },
    });
    expect(put.status).toBe(200);
    const agent = await login(first, '1007');
    await call(first, 'POST', '/api/v1/queues/support/agents/1007/login', { token: agent });
    const nr = await call(first, 'POST', '/api/v1/queues/support/agents/1007/not_ready', {
      token: agent,
      body: { reason: 'break' },
    });
    expect(nr.body.queues).toMatchObject([{ state: 'not_ready', reason: 'break', reasonLabel: 'Coffee break' }]);
    await first.close();
    // Five minutes later the server starts again on the same data directory.
    const later = new ManualClock(T0 + 5 * MIN);
    const second = await testApp({ dataDir }, { clock: later });
    try {
      const tenantId = [...second.engine.tenantIds()][0]!;
      expect(second.engine.timerList(tenantId)).toContain(`reason:u1007:support@${T0 + 600 * SEC}`);
      later.advance(5 * MIN - 1);
      await second.engine.settled();
      expect(second.engine.state(tenantId)!.users.get('u1007')!.agent['support']!.state).toBe('not_ready');
      later.advance(1);
      await second.engine.settled();
      expect(second.engine.state(tenantId)!.users.get('u1007')!.agent['support']!.state).toBe('ready');
      later.advance(SEC);
      const token = await login(second, '1001');
      const history = await call(second, 'GET', '/api/v1/users/1007/history', { token });
      expect(history.body.history.at(-1)).toMatchObject({ value: 'ready', cause: 'system:reason_expired:break' });
    } finally {
      await second.cleanup();
    }
  }, 30_000);

  test('S9.2 the queue report gives seconds per reason per local day with labels, split at midnight', async () => {
    // 23:30 local (UTC) on 2 Nov: 45 min of lunch crosses midnight.
    const start = Date.UTC(2026, 10, 2, 23, 30);
    const clock = new ManualClock(start);
    const s = await testApp({}, { clock });
    try {
      const adminToken = await login(s, '1001');
      const agent = await login(s, '1007');
      await call(s, 'PUT', '/api/v1/reasons', {
        token: adminToken,
        body: {
          reasons: [
            { code: 'lunch', label: 'Lunch', productive: false },
            { code: 'admin', label: 'Admin work', productive: true },
          ],
        },
      });
      await call(s, 'POST', '/api/v1/queues/support/agents/1007/login', { token: agent });
      await call(s, 'POST', '/api/v1/queues/support/agents/1007/not_ready', {
        token: agent,
        body: { reason: 'lunch' },
      });
      clock.advance(45 * MIN);
      await call(s, 'POST', '/api/v1/queues/support/agents/1007/not_ready', {
        token: agent,
        body: { reason: 'admin' },
      });
      clock.advance(10 * MIN);
      await call(s, 'POST', '/api/v1/queues/support/agents/1007/ready', { token: agent });
      clock.advance(5 * MIN);
      await s.engine.settled();
      const from = new Date(start - 60 * MIN).toISOString();
      const to = new Date(start + 2 * 60 * MIN).toISOString();
      const r = await call(s, 'GET', `/api/v1/queues/support/report?from=${from}&to=${to}`, { token: adminToken });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ queueId: 'support', timezone: 'UTC' });
      expect(r.body.days).toEqual([
        { date: '2026-11-02', reasons: [{ code: 'lunch', label: 'Lunch', productive: false, seconds: 30 * 60 }] },
        {
          date: '2026-11-03',
          reasons: [
            { code: 'admin', label: 'Admin work', productive: true, seconds: 10 * 60 },
            { code: 'lunch', label: 'Lunch', productive: false, seconds: 15 * 60 },
          ],
        },
      ]);
      // A plain user who is no agent of the queue may not read it.
      const other = await login(s, '1003');
      const denied = await call(s, 'GET', `/api/v1/queues/support/report?from=${from}&to=${to}`, { token: other });
      expect(denied.status).toBe(403);
      // Only an admin replaces the list; an unknown code over REST is refused with the code.
      const put = await call(s, 'PUT', '/api/v1/reasons', { token: agent, body: { reasons: [] } });
      expect(put.status).toBe(403);
      const unknown = await call(s, 'POST', '/api/v1/queues/support/agents/1007/not_ready', {
        token: agent,
        body: { reason: 'nap' },
      });
      expect([unknown.status, unknown.body]).toEqual([422, refusal('SWB_ERR_REASON_UNKNOWN', { reason: 'nap' })]);
      const away = await call(s, 'PUT', '/api/v1/users/1007/status', {
        token: agent,
        body: { status: 'away', reason: 'nap' },
      });
      expect([away.status, away.body.error.code]).toEqual([422, 'SWB_ERR_REASON_UNKNOWN']);
      const twice = await call(s, 'PUT', '/api/v1/reasons', {
        token: adminToken,
        body: {
          reasons: [
            { code: 'x', label: 'X', productive: true },
            { code: 'x', label: 'Y', productive: false },
          ],
        },
      });
      expect([twice.status, twice.body.error.code, twice.body.error.details.field]).toEqual([
        400,
        'SWB_ERR_INVALID',
        'reasons.code',
      ]);
      expect(
        (await call(s, 'GET', '/api/v1/reasons', { token: agent })).body.reasons.map((x: ReasonCode) => x.code),
      ).toEqual(['lunch', 'admin']);
    } finally {
      await s.cleanup();
    }
  }, 30_000);

  test('S9.2 time in not_ready per reason splits at local midnight in the tenant time zone', () => {
    // Europe/Berlin: 22:30 UTC on 2 Nov is 23:30 local.
    const at = Date.UTC(2026, 10, 2, 22, 30);
    const days = timeInReasonPerDay(
      { state: 'ready' },
      [
        { at, state: 'not_ready', reason: 'lunch' },
        { at: at + 60 * MIN, state: 'not_ready', reason: null },
        { at: at + 70 * MIN, state: 'ready' },
      ],
      at - 60 * MIN,
      at + 120 * MIN,
      'Europe/Berlin',
    );
    expect(days).toEqual([
      { date: '2026-11-02', statusMs: { lunch: 30 * MIN } },
      { date: '2026-11-03', statusMs: { lunch: 30 * MIN, '': 10 * MIN } },
    ]);
  });
});
