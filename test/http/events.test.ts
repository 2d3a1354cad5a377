// Overlay events through inject(), on a manual clock (S1.1, S1.2, S9.3): how an existing PBX reports
// registrations, calls, voicemail and missed calls. Each item is a command with cause `pbx`.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/engine/index.js';
import { call, login, testApp } from '../support/app.js';
import { T0 } from '../support/tenant.js';

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

const post = (events: unknown[], token = admin) => call(s, 'POST', '/api/v1/events', { token, body: { events } });
const presence = async (ext: string) => (await call(s, 'GET', `/api/v1/users/${ext}/presence`, { token: admin })).body;

describe('overlay events', () => {
  test('S1.1 a PBX registration makes the user available_on_pbx (cause pbx); expires 0 ends it', async () => {
    const r = await post([{ type: 'registration', user: '1006', id: 'reg-1', kind: 'pbx', ttlSec: 600 }]);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ accepted: 1, results: [{ index: 0, ok: true }] });
    expect((await presence('1006')).status).toBe('available_on_pbx');
    // History runs up to now, exclusive: read it a second later.
    clock.advance(1000);
    const h = await call(s, 'GET', '/api/v1/users/1006/history', { token: admin });
    expect(h.body.history.at(-1)).toMatchObject({ value: 'available_on_pbx', cause: 'pbx' });
    const devices = await call(s, 'GET', '/api/v1/users/1006/devices', { token: admin });
    expect(devices.body.registrations).toMatchObject([{ id: 'reg-1', kind: 'pbx' }]);
    await post([{ type: 'registration', user: '1006', id: 'reg-1', expires: 0 }]);
    expect((await presence('1006')).status).toBe('offline');
  });

  test('S9.3 a registration whose lease runs out ends by itself', async () => {
    await post([{ type: 'registration', user: '1007', id: 'reg-short', kind: 'terminal', ttlSec: 1 }]);
    expect((await presence('1007')).status).toBe('online');
    clock.advance(999);
    await s.engine.settled();
    expect((await presence('1007')).status).toBe('online');
    clock.advance(1);
    await s.engine.settled();
    expect((await presence('1007')).status).toBe('offline');
  });

  test('S1.2 call events put the user on a call and the end frees them', async () => {
    await post([{ type: 'registration', user: '1008', id: 'reg-8', kind: 'pbx', ttlSec: 600 }]);
    const r = await post([
      { type: 'call', user: '1008', legId: 'leg-1', direction: 'in', state: 'ringing' },
      { type: 'call', user: '1008', legId: 'leg-1', direction: 'in', state: 'answered', acd: true, queue: '8000' },
    ]);
    expect(r.body.results).toEqual([
      { index: 0, ok: true },
      { index: 1, ok: true },
    ]);
    const p = await presence('1008');
    expect([p.status, p.indicators.onCall]).toEqual(['on_call', true]);
    await post([{ type: 'call', user: '1008', legId: 'leg-1', direction: 'in', state: 'ended' }]);
    expect((await presence('1008')).status).toBe('available_on_pbx');
  });

  test('S2.4 voicemail counts and missed calls reported by the PBX show as indicators', async () => {
    await post([
      { type: 'voicemail', user: '1009', count: 3 },
      { type: 'missed', user: '1009', callId: 'c-1', caller: '+4930111' },
      { type: 'missed', user: 'u1009' },
    ]);
    const p = await presence('1009');
    expect([p.indicators.voicemail, p.indicators.missedCalls]).toEqual([3, 2]);
    const missed = (await s.store.events('acme', s.engine.position('acme')!.epoch, 0, 10_000)).filter(
      (e) => e.type === 'call.missed' && e.subject === 'u1009',
    );
    expect(missed.map((e) => [e.cause, e.value])).toEqual([
      ['pbx', { reason: 'missed', callId: 'c-1', caller: '+4930111' }],
      ['pbx', { reason: 'missed' }],
    ]);
  });

  test('S8.1 one result per item: an unknown user or queue fails its own item only', async () => {
    const r = await post([
      { type: 'voicemail', user: '1004', count: 1 },
      { type: 'voicemail', user: 'ghost', count: 1 },
      { type: 'call', user: '1004', legId: 'x', direction: 'out', state: 'ringing', queue: 'nope' },
      { type: 'voicemail', user: '1004', count: 2 },
    ]);
    expect(r.status).toBe(200);
    expect(r.body.accepted).toBe(2);
    expect(r.body.results.map((x: { ok: boolean; error?: { code: string } }) => x.error?.code ?? 'ok')).toEqual([
      'ok',
      'SWB_ERR_USER_NOT_FOUND',
      'SWB_ERR_QUEUE_NOT_FOUND',
      'ok',
    ]);
    const p = await presence('1004');
    expect([p.indicators.voicemail, p.indicators.onCall]).toEqual([2, false]);
  });

  test('S8.1 a malformed batch is refused whole and changes nothing', async () => {
    const before = await presence('1005');
    const good = { type: 'voicemail', user: '1005', count: 7 };
    const cases: [unknown, number, string][] = [
      [[good, { type: 'registration', user: '1005', id: 'r', kind: 'pbx' }], 400, 'SWB_ERR_VALIDATION'],
      [
        [good, { type: 'registration', user: '1005', id: 'r', kind: 'pbx', ttlSec: 60, expires: 0 }],
        400,
        'SWB_ERR_VALIDATION',
      ],
      [[good, { type: 'registration', user: '1005', id: 'r', kind: 'sip', ttlSec: 60 }], 400, 'SWB_ERR_VALIDATION'],
      [
        [good, { type: 'call', user: '1005', legId: 'l', direction: 'sideways', state: 'ringing' }],
        400,
        'SWB_ERR_VALIDATION',
      ],
      [[good, { type: 'voicemail', user: '1005', count: -1 }], 400, 'SWB_ERR_VALIDATION'],
      [[good, { type: 'party', user: '1005' }], 400, 'SWB_ERR_VALIDATION'],
      [[], 400, 'SWB_ERR_VALIDATION'],
      [Array.from({ length: 501 }, () => good), 400, 'SWB_ERR_VALIDATION'],
    ];
    for (const [events, status, code] of cases) {
      const r = await post(events as unknown[]);
      expect([r.status, r.body.error.code]).toEqual([status, code]);
    }
    const raw: [string, number, string][] = [
      ['{"events":[', 400, 'SWB_ERR_BAD_JSON'],
      ['{"events":[{"type":"voicemail","user":"1005","count":7,"__proto__":{"x":1}}]}', 400, 'SWB_ERR_BAD_JSON'],
      [JSON.stringify({ events: [{ ...good, user: 'x'.repeat(600_000) }] }), 413, 'SWB_ERR_BODY_TOO_LARGE'],
    ];
    for (const [body, status, code] of raw) {
      const r = await call(s, 'POST', '/api/v1/events', { token: admin, raw: body });
      expect([r.status, r.body.error.code]).toEqual([status, code]);
    }
    expect(await presence('1005')).toEqual(before);
  });

  test('S5.1 only an admin user or an admin API key may post events', async () => {
    const item = [{ type: 'voicemail', user: '1003', count: 4 }];
    const denied = await post(item, user);
    expect([denied.status, denied.body.error.code]).toEqual([403, 'SWB_ERR_FORBIDDEN']);
    const supKey = (
      await call(s, 'POST', '/api/v1/api-keys', { token: admin, body: { name: 'sup', role: 'supervisor' } })
    ).body.key;
    expect((await post(item, supKey)).status).toBe(403);
    expect((await presence('1003')).indicators.voicemail).toBe(0);
    const adminKey = (await call(s, 'POST', '/api/v1/api-keys', { token: admin, body: { name: 'pbx', role: 'admin' } }))
      .body.key;
    expect((await post(item, adminKey)).body.accepted).toBe(1);
    expect((await presence('1003')).indicators.voicemail).toBe(4);
  });
});
