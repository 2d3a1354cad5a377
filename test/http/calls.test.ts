// S11.1 through inject(): the call log over REST — who sees which calls (a user their own, the
// supervisor of a queue its calls, an admin all), filters, the cursor, the tenant's retention.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CallLogRetention } from '../../src/app/call-log-retention.js';
import type { Command } from '../../src/core/index.js';
import { call, login, secondTenant, testApp } from '../support/app.js';

type S = Awaited<ReturnType<typeof testApp>>;
let s: S;
let admin: string;
let sup: string;
let u3: string;
let u4: string;

async function run(c: Command): Promise<void> {
  const out = await s.engine.dispatch('acme', c);
  if (!out.ok) throw new Error(`${c.type}: ${out.code}`);
}

/** A call as the SIP proxy reports it: routed, rung, maybe answered, ended. */
async function phoneCall(callId: string, from: Command & { type: 'call.route' }, rung: string, answered: boolean) {
  await run(from);
  const leg = { type: 'leg.update', userId: rung, legId: `${callId};in`, direction: 'in', callId } as const;
  await run({ ...leg, state: 'ringing' });
  if (answered) await run({ ...leg, state: 'answered' });
  await run({ ...leg, state: 'ended' });
  await run({
    type: 'call.end',
    callId,
    ending: answered ? { answeredBy: rung } : { cancelled: true, rang: true },
  });
}

beforeAll(async () => {
  s = await testApp();
  [admin, sup, u3, u4] = await Promise.all([login(s, '1001'), login(s, '1002'), login(s, '1003'), login(s, '1004')]);
  await run({
    type: 'registration.set',
    userId: 'u1004',
    id: 'd4',
    kind: 'terminal',
    expiresAt: Date.now() + 3600_000,
  });
  await phoneCall(
    'A',
    {
      type: 'call.route',
      call: { callId: 'A', from: { userId: 'u1003' }, to: { kind: 'extension', extension: '1004' } },
    },
    'u1004',
    false,
  );
  await phoneCall(
    'B',
    { type: 'call.route', call: { callId: 'B', from: { external: '+4930111' }, to: { kind: 'queue', id: 'support' } } },
    'u1007',
    true,
  );
  await phoneCall(
    'C',
    {
      type: 'call.route',
      call: { callId: 'C', from: { userId: 'u1005' }, to: { kind: 'extension', extension: '1004' } },
    },
    'u1004',
    true,
  );
  await s.engine.settled();
}, 30_000);
afterAll(async () => s.cleanup(), 30_000);

const ids = async (token: string, query = '') => {
  const r = await call(s, 'GET', `/api/v1/calls${query}`, { token });
  expect(r.status).toBe(200);
  return (r.body.calls as { id: string }[]).map((c) => c.id);
};

describe('S11.1 the call log over REST', () => {
  test('S11.1 S5.1 a user sees their own calls, the supervisor their queue, an admin all', async () => {
    expect(await ids(u3)).toEqual(['A']);
    expect(await ids(u4)).toEqual(['C', 'A']);
    expect(await ids(sup)).toEqual(['B']);
    expect(await ids(admin)).toEqual(['C', 'B', 'A']);
    // A call outside the reader's scope is not found (no existence leak).
    const hidden = await call(s, 'GET', '/api/v1/calls/B', { token: u3 });
    expect([hidden.status, hidden.body.error.code]).toEqual([404, 'SWB_ERR_CALL_NOT_FOUND']);
    expect((await call(s, 'GET', '/api/v1/calls/B', { token: sup })).status).toBe(200);
  });

  test('S11.1 one call: when, from, to, the decision with its rules, offers, who answered, how it ended', async () => {
    const r = await call(s, 'GET', '/api/v1/calls/A', { token: u4 });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      id: 'A',
      from: { user: 'u1003' },
      to: { kind: 'extension', extension: '1004' },
      offers: [{ userId: 'u1004' }],
      outcome: 'missed',
      routed: { outcome: 'ring' },
      decision: { outcome: 'ring', target: { kind: 'user', id: 'u1004' } },
    });
    expect(r.body.decision.explanation.length).toBeGreaterThan(0);
    expect(r.body.decisions).toHaveLength(1);
    expect(Date.parse(r.body.startedAt)).toBeGreaterThan(0);
    const b = await call(s, 'GET', '/api/v1/calls/B', { token: admin });
    expect(b.body).toMatchObject({ queueId: 'support', answeredBy: 'u1007', outcome: 'answered' });
  });

  test('S11.1 filters by user, queue, outcome and time; a cursor pages on', async () => {
    expect(await ids(admin, '?user=1004')).toEqual(['C', 'A']);
    expect(await ids(admin, '?queue=8000')).toEqual(['B']);
    expect(await ids(admin, '?outcome=missed')).toEqual(['A']);
    expect(await ids(admin, `?from=${new Date(Date.now() + 60_000).toISOString()}`)).toEqual([]);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 5; i++) {
      const r = await call(s, 'GET', `/api/v1/calls?limit=1${cursor ? `&cursor=${cursor}` : ''}`, { token: admin });
      seen.push(...(r.body.calls as { id: string }[]).map((c) => c.id));
      cursor = r.body.next;
      if (cursor === undefined) break;
    }
    expect(seen).toEqual(['C', 'B', 'A']);
  });

  test('S11.1 bad input is refused with a stable code; another tenant sees none of it', async () => {
    const bad = await call(s, 'GET', '/api/v1/calls?cursor=nonsense', { token: admin });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'SWB_ERR_INVALID']);
    expect((await call(s, 'GET', '/api/v1/calls?outcome=lost', { token: admin })).status).toBe(400);
    expect((await call(s, 'GET', '/api/v1/calls?limit=1000', { token: admin })).status).toBe(400);
    const unknown = await call(s, 'GET', '/api/v1/calls?user=9999', { token: admin });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'SWB_ERR_USER_NOT_FOUND']);
    const other = await secondTenant(s, {
      id: 'globex',
      name: 'Globex',
      sipDomain: 'globex.test',
      admin: { id: 'g1', extension: '1001', name: 'G', password: 'globex-password-1' },
    });
    expect(await ids(other)).toEqual([]);
    expect((await call(s, 'GET', '/api/v1/calls/A', { token: other })).status).toBe(404);
  });

  test('S11.1 S6.3 a webhook may ask for call.ended: a call that ends puts its event in the outbox', async () => {
    const hook = await call(s, 'POST', '/api/v1/webhooks', {
      token: admin,
      body: { url: 'https://hooks.example.com/calls', events: ['call.ended'] },
    });
    expect(hook.status).toBe(201);
    await phoneCall(
      'D',
      {
        type: 'call.route',
        call: { callId: 'D', from: { userId: 'u1003' }, to: { kind: 'extension', extension: '1004' } },
      },
      'u1004',
      true,
    );
    await s.engine.settled();
    const rows = await s.store.dueOutbox(Date.now() + 86_400_000, 100);
    const bodies = rows.filter((r) => r.webhookId === hook.body.id).map((r) => JSON.parse(r.body));
    expect(bodies).toEqual([
      expect.objectContaining({
        type: 'call.ended',
        subject: 'u1004',
        value: expect.objectContaining({ callId: 'D', outcome: 'answered' }),
      }),
    ]);
    await call(s, 'DELETE', `/api/v1/webhooks/${hook.body.id}`, { token: admin });
  });

  test('S11.1 retention: the tenant policy callLogDays; older calls are pruned', async () => {
    const r = await call(s, 'PUT', '/api/v1/tenant/policy', { token: admin, body: { callLogDays: 7 } });
    expect([r.status, r.body.callLogDays]).toEqual([200, 7]);
    await s.engine.settled();
    const later = { now: () => Date.now() + 6 * 24 * 3600_000, setTimer: () => 0, clearTimer: () => {} };
    await new CallLogRetention(s.store, later as never, pino({ level: 'silent' })).run();
    expect(await ids(admin)).toEqual(['D', 'C', 'B', 'A']);
    const muchLater = { ...later, now: () => Date.now() + 8 * 24 * 3600_000 };
    await new CallLogRetention(s.store, muchLater as never, pino({ level: 'silent' })).run();
    expect(await ids(admin)).toEqual([]);
  });
});
