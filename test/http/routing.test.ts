// POST /api/v1/route through inject() (S3, S9.5): the decision and its explanation, changing
// nothing; S2.7 for forwarding destinations.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ERRORS } from '../../src/core/index.js';
import { call, login, testApp } from '../support/app.js';

type S = Awaited<ReturnType<typeof testApp>>;
let s: S;
let admin: string;
let user: string;

beforeAll(async () => {
  s = await testApp();
  [admin, user] = await Promise.all([login(s, '1001'), login(s, '1003')]);
  // 1004 and 1005 have a live PBX registration, so they are reachable.
  const events = ['1004', '1005', '1010'].map((u) => ({
    type: 'registration',
    user: u,
    id: `pbx-${u}`,
    kind: 'pbx',
    ttlSec: 3600,
  }));
  const r = await call(s, 'POST', '/api/v1/events', { token: admin, body: { events } });
  if (r.status !== 200) throw new Error(JSON.stringify(r.body));
}, 30_000);
afterAll(async () => s.cleanup(), 30_000);

const route = (body: unknown, token = user) => call(s, 'POST', '/api/v1/route', { token, body });
const rules = (d: { explanation: { rule: string }[] }) => d.explanation.map((e) => e.rule);

describe('POST /route', () => {
  test('S3.1 a reachable user rings on every device, with the rules that applied', async () => {
    const r = await route({ from: { user: '1003' }, to: { user: '1004' } });
    expect(r.status).toBe(200);
    expect(r.body.decision).toMatchObject({
      outcome: 'ring',
      target: { kind: 'user', id: 'u1004' },
      ring: [{ kind: 'pbx', userId: 'u1004', deviceId: 'pbx-1004', startSec: 0 }],
      timeoutSec: 20,
    });
    expect(rules(r.body.decision)).toEqual(['S2.3#8', 'S3.1#7']);
  });

  test('S3.1 a DND user: the dnd action, explained, and nothing changes (no missed call is counted)', async () => {
    await call(s, 'PUT', '/api/v1/users/1004/status', { token: admin, body: { status: 'dnd' } });
    const r = await route({ from: { external: '+4930555' }, to: { extension: '1004' } });
    expect(r.body.decision).toMatchObject({
      outcome: 'action',
      target: { kind: 'user', id: 'u1004' },
      action: { condition: 'dnd', action: { type: 'voicemail' }, defaulted: true },
      notifyMissed: 'u1004',
    });
    expect(rules(r.body.decision)).toEqual(['S2.3#5', 'S3.1#3', 'S3.2']);
    expect(r.body.decision.explanation[1].text).toContain('do not disturb');
    const p = await call(s, 'GET', '/api/v1/users/1004/presence', { token: admin });
    expect(p.body.indicators.missedCalls).toBe(0);
  });

  test('S3.4 a group whose members are all unreachable or busy explains each skip', async () => {
    const r = await route({ to: { group: '6000' } });
    expect(r.body.decision.outcome).toBe('ring');
    expect(r.body.decision.ring.map((e: { userId: string }) => e.userId)).toEqual(['u1005']);
    expect(
      r.body.decision.explanation
        .filter((e: { rule: string }) => e.rule === 'S3.3')
        .map((e: { text: string }) => e.text),
    ).toEqual([
      'group Sales rings its members by ringAll',
      'skipped as unreachable: Carol Chen (1003) is offline (S3.1#5)',
      'skipped as busy: Dan Diaz (1004) is in do not disturb (S3.1#3)',
      'skipped as unreachable: Frank Fox (1006) is offline (S3.1#5)',
      "after 60 s without answer, the group's no-answer action",
    ]);
  });

  test('S4.3 a queue with no ready agent: the caller would wait', async () => {
    const r = await route({ to: { queue: 'support' } });
    expect(r.body.decision).toMatchObject({ outcome: 'queue', target: { kind: 'queue', id: 'support' }, offerTo: [] });
    expect(rules(r.body.decision)).toEqual(['S4.3']);
    expect((await route({ to: { extension: '99' } })).body.decision).toMatchObject({
      outcome: 'external',
      number: '99',
    });
  });

  test('S2.7 a forwarding destination is shown to admins and the user themself, hidden from everyone else', async () => {
    const me = await login(s, '1010');
    expect(
      (
        await call(s, 'PUT', '/api/v1/users/1010/status', {
          token: me,
          body: { status: 'forwarding', forwardTo: '017012345' },
        })
      ).status,
    ).toBe(200);
    const other = await route({ to: { user: '1010' } });
    expect(other.body.decision).toMatchObject({ outcome: 'forward', to: '(hidden)' });
    expect(other.body.decision.next).toBeUndefined();
    expect(JSON.stringify(other.body)).not.toContain('017012345');
    expect(rules(other.body.decision)).toEqual(['S2.3#2', 'S3.1#2']);
    for (const token of [admin, me]) {
      const r = await route({ to: { user: '1010' } }, token);
      expect(r.body.decision).toMatchObject({
        outcome: 'forward',
        to: '017012345',
        next: { outcome: 'external', number: '017012345' },
      });
    }
    await call(s, 'PUT', '/api/v1/groups/sales/members', { token: admin, body: { members: ['1010'] } });
    const group = await route({ to: { group: 'sales' } });
    expect(group.body.decision.ring).toEqual([
      { kind: 'external', number: '(hidden)', startSec: 0, forwardedFrom: 'u1010' },
    ]);
    expect(JSON.stringify(group.body)).not.toContain('017012345');
    expect((await route({ to: { group: 'sales' } }, admin)).body.decision.ring[0].number).toBe('017012345');
  });

  test('S11.7 from.device: the forwarding user calling from the app is refused, from the desk phone not', async () => {
    // 1010 forwards (the test above).
    const app = await route({ from: { user: '1010', device: 'app' }, to: { user: '1004' } });
    expect(app.status).toBe(200);
    expect(app.body.decision.outcome).toBe('reject');
    expect(rules(app.body.decision)).toContain('S11.7');
    const desk = await route({ from: { user: '1010', device: 'terminal' }, to: { user: '1004' } });
    expect(desk.body.decision.outcome).not.toBe('reject');
    expect(rules(desk.body.decision)).not.toContain('S11.7');
    const unnamed = await route({ from: { user: '1010' }, to: { user: '1004' } });
    expect(rules(unnamed.body.decision)).not.toContain('S11.7');
    const bad = await route({ from: { user: '1010', device: 'fax' }, to: { user: '1004' } });
    expect(bad.status).toBe(400);
  });

  test('S3.1 a blocked caller cannot call out', async () => {
    await call(s, 'PUT', '/api/v1/users/1005/status', { token: admin, body: { status: 'blocked' } });
    const r = await route({ from: { user: '1005' }, to: { user: '1003' } });
    expect(r.body.decision).toMatchObject({ outcome: 'reject', reason: 'caller blocked' });
    expect(rules(r.body.decision)).toEqual(['S3.1#caller']);
  });

  test('S8.1 bad route requests are refused with a code: the whole error body', async () => {
    const notFound = (
      code: 'SWB_ERR_USER_NOT_FOUND' | 'SWB_ERR_GROUP_NOT_FOUND' | 'SWB_ERR_QUEUE_NOT_FOUND',
      details: object,
    ) => ({ error: { code, message: ERRORS[code], details } });
    const shape = (problem: string, issue: object) => ({
      error: {
        code: 'SWB_ERR_VALIDATION',
        message: `The request does not have the expected shape: ${problem}`,
        details: { issues: [issue] },
      },
    });
    const cases: [unknown, number, object][] = [
      [{ to: { user: 'nobody' } }, 404, notFound('SWB_ERR_USER_NOT_FOUND', { user: 'nobody' })],
      [{ to: { group: 'nobody' } }, 404, notFound('SWB_ERR_GROUP_NOT_FOUND', { group: 'nobody' })],
      [{ to: { queue: 'nobody' } }, 404, notFound('SWB_ERR_QUEUE_NOT_FOUND', { queue: 'nobody' })],
      [{ from: { user: 'nobody' }, to: { user: '1003' } }, 404, notFound('SWB_ERR_USER_NOT_FOUND', { user: 'nobody' })],
      [
        { to: { user: '1003' }, callId: 'x' },
        400,
        shape('body must NOT have additional properties', {
          path: '',
          message: 'must NOT have additional properties',
          params: { additionalProperty: 'callId' },
        }),
      ],
      [
        {},
        400,
        shape("body must have required property 'to'", {
          path: '',
          message: "must have required property 'to'",
          params: { missingProperty: 'to' },
        }),
      ],
    ];
    for (const [body, status, answer] of cases) {
      const r = await route(body);
      expect([JSON.stringify(body), r.status, r.body]).toEqual([JSON.stringify(body), status, answer]);
    }
    // A target that is none or two of the kinds: every issue names the path /to.
    for (const body of [{ to: { user: '1003', group: 'sales' } }, { to: {} }, { to: { external: 'call me' } }]) {
      const r = await route(body);
      expect([
        r.status,
        r.body.error.code,
        r.body.error.details.issues.every((i: { path: string }) => i.path.startsWith('/to')),
      ]).toEqual([400, 'SWB_ERR_VALIDATION', true]);
    }
    const raw = await call(s, 'POST', '/api/v1/route', { token: user, raw: '{"to":{"__proto__":{"user":"1003"}}}' });
    expect([raw.status, raw.body.error.code]).toEqual([400, 'SWB_ERR_BAD_JSON']);
    const anon = await call(s, 'POST', '/api/v1/route', { body: { to: { user: '1003' } } });
    expect([anon.status, anon.body]).toEqual([
      401,
      { error: { code: 'SWB_ERR_UNAUTHENTICATED', message: ERRORS.SWB_ERR_UNAUTHENTICATED } },
    ]);
  });
});

describe('S11.4 a wait busy action through the API', () => {
  test('S11.4 PUT settings sets wait as the busy action; POST /route explains the held caller; wait elsewhere is refused', async () => {
    const events = (leg: string) => [
      { type: 'registration', user: '1008', id: 'pbx-1008', kind: 'pbx', ttlSec: 3600 },
      { type: 'call', user: '1008', legId: 'w-1', direction: 'in', state: leg },
    ];
    const settings = (body: unknown) => call(s, 'PUT', '/api/v1/users/1008/settings', { token: admin, body });
    const wait = { type: 'wait', maxWaitSec: 90 };

    const set = await settings({ callWaiting: false, actions: { busy: wait } });
    expect([set.status, set.body.actions.busy]).toEqual([200, wait]);
    const refused = await settings({ actions: { dnd: wait } });
    expect([refused.status, refused.body.error.code]).toEqual([400, 'SWB_ERR_INVALID']);
    const tooLong = await settings({ actions: { busy: { type: 'wait', maxWaitSec: 601 } } });
    expect(tooLong.status).toBe(400);
    expect((await call(s, 'GET', '/api/v1/users/1008/settings', { token: admin })).body.actions).toEqual({
      busy: wait,
    });

    await call(s, 'POST', '/api/v1/events', { token: admin, body: { events: events('answered') } });
    const r = await route({ from: { user: '1003' }, to: { user: '1008' } });
    expect(r.body.decision).toMatchObject({
      outcome: 'wait',
      target: { kind: 'user', id: 'u1008' },
      maxWaitSec: 90,
      fallback: { condition: 'noAnswer', action: { type: 'voicemail' } },
    });
    expect(rules(r.body.decision)).toEqual(['S2.3#6', 'S3.1#6', 'S11.4']);
    await call(s, 'POST', '/api/v1/events', { token: admin, body: { events: events('ended') } });
    expect((await route({ from: { user: '1003' }, to: { user: '1008' } })).body.decision.outcome).toBe('ring');
  });
});
