// Conformance with a real peer: SIPp scenarios (test/sip/scenarios, named by expected outcome)
// run against the full server on 127.0.0.1, and the state they leave checked in the engine.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { call, login, testServer } from '../support/server.js';
import { sipHarness } from './harness.js';
import { eventually, has, sipp } from './peers.js';

const hasSipp = has('sipp');
if (!hasSipp) console.warn('sipp is not installed (apt-get install sip-tester): SIPp conformance tests skipped');

type S = Awaited<ReturnType<typeof testServer>>;
let s: S;
beforeAll(async () => {
  if (hasSipp) s = await testServer();
});
afterAll(async () => s?.cleanup());

const user = (id: string) => s.engine.state('acme')!.users.get(id)!;
const show = (r: { code: number | null; stdout: string; errors: string }) =>
  `exit ${r.code}\n${r.errors}\n${r.stdout.slice(-1500)}`;

describe.skipIf(!hasSipp)('S7 SIPp scenarios against the server', () => {
  test('S7.1 uac-register-digest-expect-200 over UDP: the user has an app registration', async () => {
    const r = await sipp('uac-register-digest-expect-200.xml', s.sipPort, { user: '1003', password: 'pass1003' });
    expect(r.code, show(r)).toBe(0);
    expect(user('u1003').presence.devices).toEqual({ app: 1, terminal: 0, pbx: 0 });
  });

  test('S7.1 uac-register-digest-expect-200 over TCP with the terminal password: a terminal registration', async () => {
    const r = await sipp('uac-register-digest-expect-200.xml', s.sipPort, {
      user: '1004',
      password: 'term1004',
      transport: 't1',
    });
    expect(r.code, show(r)).toBe(0);
    expect(user('u1004').presence.devices).toEqual({ app: 0, terminal: 1, pbx: 0 });
  });

  test('S8.1 uac-register-retransmitted-expect-same-401: the REGISTER sent again with its branch gets the same 401 (To-tag, nonce)', async () => {
    const r = await sipp('uac-register-retransmitted-expect-same-401.xml', s.sipPort, {
      user: '1007',
      password: 'pass1007',
    });
    expect(r.code, show(r)).toBe(0);
  });

  test('S7.1 uac-register-wrong-password-expect-403: refused, still offline', async () => {
    const r = await sipp('uac-register-wrong-password-expect-403.xml', s.sipPort, { user: '1005', password: 'not-it' });
    expect(r.code, show(r)).toBe(0);
    expect(user('u1005').presence.status).toBe('offline');
  });

  test('S7.1 uac-register-other-digest-uri-expect-400: sipp with its default digest uri (the server address, not the Request-URI) is refused, nothing registered', async () => {
    const r = await sipp('uac-register-other-digest-uri-expect-400.xml', s.sipPort, {
      user: '1009',
      password: 'pass1009',
      defaultAuthUri: true,
    });
    expect(r.code, show(r)).toBe(0);
    expect(user('u1009').registrations).toEqual([]);
  });

  test('S7.1 uac-register-expect-423-then-200: Expires 10 is too brief, Min-Expires 60 is accepted', async () => {
    const r = await sipp('uac-register-expect-423-then-200.xml', s.sipPort, {
      user: '1006',
      password: 'pass1006',
      keys: { expires: '10' },
    });
    expect(r.code, show(r)).toBe(0);
    const reg = user('u1006').registrations[0]!;
    expect(Math.round((reg.expiresAt - Date.now()) / 1000)).toBeGreaterThanOrEqual(58);
    expect(Math.round((reg.expiresAt - Date.now()) / 1000)).toBeLessThanOrEqual(60);
  });

  test('S7.2 uac-subscribe-dialog-expect-notify-active-then-terminated (UDP and TCP)', async () => {
    for (const transport of ['u1', 't1'] as const) {
      const r = await sipp('uac-subscribe-dialog-expect-notify-active-then-terminated.xml', s.sipPort, {
        user: '1002',
        password: 'pass1002',
        transport,
        keys: { target: '1007' },
      });
      expect(r.code, `${transport}: ${show(r)}`).toBe(0);
    }
  });

  test('S7.2 uac-subscribe-presence-expect-notify-active-then-terminated (UDP and TCP): PIDF with the state in the note', async () => {
    for (const transport of ['u1', 't1'] as const) {
      const r = await sipp('uac-subscribe-presence-expect-notify-active-then-terminated.xml', s.sipPort, {
        user: '1002',
        password: 'pass1002',
        transport,
        keys: { target: '1007' },
      });
      expect(r.code, `${transport}: ${show(r)}`).toBe(0);
    }
  });

  test('S7.3 uac-publish-etag-refresh-then-stale-expect-412: the published busy is the manual status, cause sip', async () => {
    const r = await sipp('uac-publish-etag-refresh-then-stale-expect-412.xml', s.sipPort, {
      user: '1008',
      password: 'pass1008',
    });
    expect(r.code, show(r)).toBe(0);
    expect(user('u1008').manual).toMatchObject({ status: 'busy', setBy: 'sip' });
    const admin = await login(s.url, '1001');
    const p = await call(s.url, 'GET', '/api/v1/users/1008/presence', { token: admin });
    expect(p.body.manual.setBy).toBe('sip');
  });

  test('S7.1 the metrics count registrations and failed digests', async () => {
    const m = await call(s.url, 'GET', '/metrics');
    expect(m.body).toMatch(/switchboard_sip_registrations [1-9]/);
    expect(m.body).toMatch(/switchboard_sip_auth_failures_total [1-9]/);
    expect(m.body).toMatch(/switchboard_sip_notifies_total [1-9]/);
  });
});

describe.skipIf(!hasSipp)('S9.3 S2.6 registration expiry with SIPp', () => {
  test('S9.3 a registration not refreshed ends at its expiry; S2.6 with an app session signed in, the lost-registration indicator shows', async () => {
    const h = await sipHarness({ registrar: { minExpiresSec: 1 } });
    try {
      await h.engine.dispatch('acme', { type: 'session.start', userId: 'u1003', sessionId: 's1' });
      const r = await sipp('uac-register-digest-expect-200.xml', h.port, {
        user: '1003',
        password: 'pass1003',
        keys: { expires: '2' },
      });
      expect(r.code, show(r)).toBe(0);
      const registeredAt = Date.now();
      const p = h.engine.state('acme')!.users.get('u1003')!.presence;
      expect([p.devices.app, p.indicators.lostRegistration]).toEqual([1, false]);
      const lost = await eventually(
        () => {
          const q = h.engine.state('acme')!.users.get('u1003')!.presence;
          return q.devices.app === 0 ? q : undefined;
        },
        5000,
        'registration expiry',
      );
      const after = Date.now() - registeredAt;
      expect(after).toBeGreaterThan(1500);
      expect(after).toBeLessThan(3000);
      expect([lost.status, lost.indicators.lostRegistration]).toEqual(['online', true]);
      // Without the app session, the same expiry makes the user offline.
      const r2 = await sipp('uac-register-digest-expect-200.xml', h.port, {
        user: '1004',
        password: 'pass1004',
        keys: { expires: '1' },
      });
      expect(r2.code, show(r2)).toBe(0);
      expect(h.engine.state('acme')!.users.get('u1004')!.presence.status).toBe('online');
      const off = await eventually(
        () => (h.engine.state('acme')!.users.get('u1004')!.presence.status === 'offline' ? true : undefined),
        4000,
        'offline after expiry',
      );
      expect(off).toBe(true);
    } finally {
      await h.close();
    }
  });
});
