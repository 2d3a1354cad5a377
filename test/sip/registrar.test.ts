// S7.1 over real sockets: REGISTER with digest against the demo tenant (acme.test).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { header, headerValues } from '../../src/sip/message.js';
import { call, login, testServer } from '../support/server.js';
import { TestUa, digest } from './ua.js';

type S = Awaited<ReturnType<typeof testServer>>;
let s: S;
let admin: string;

beforeAll(async () => {
  s = await testServer();
  admin = await login(s.url, '1001');
});
afterAll(async () => s.cleanup());

const presence = (user: string) => s.engine.state('acme')!.users.get(user)!.presence;

function register(ua: TestUa, ext: string, password: string, extra: [string, string][] = [], contact = ua.contact) {
  return ua.authed(
    'REGISTER',
    'sip:acme.test',
    [ua.from(ext), ['To', `<sip:${ext}@acme.test>`], ['Contact', contact], ...extra],
    { user: ext, password },
  );
}

describe('S7.1 registrar', () => {
  test('S7.1 REGISTER without credentials is challenged: 401 with a digest challenge, realm = the SIP domain, qop=auth', async () => {
    const ua = await TestUa.open('udp', s.sipPort);
    const r = await ua.request('REGISTER', 'sip:acme.test', [
      ua.from('1003'),
      ['To', '<sip:1003@acme.test>'],
      ['Contact', ua.contact],
    ]);
    expect(r.status).toBe(401);
    expect(header(r, 'www-authenticate')).toMatch(
      /^Digest realm="acme.test", nonce="[^"]+", algorithm=MD5, qop="auth"$/,
    );
    expect(header(r, 'to')).toMatch(/;tag=/);
    await ua.close();
  });

  test('S7.1 S1.1 the SIP password registers an app device: 200 lists the binding and the user is online', async () => {
    const ua = await TestUa.open('udp', s.sipPort);
    const r = await register(ua, '1003', 'pass1003', [['Expires', '600']]);
    expect(r.status).toBe(200);
    expect(headerValues(r, 'contact')).toEqual([`${ua.contact};expires=600`]);
    const p = presence('u1003');
    expect([p.status, p.devices]).toEqual(['online', { app: 1, terminal: 0, pbx: 0 }]);
    expect(s.engine.state('acme')!.users.get('u1003')!.registrations[0]).toMatchObject({ kind: 'app' });
    await ua.close();
  });

  test('S7.1 S1.1 the terminal password registers a terminal device', async () => {
    const ua = await TestUa.open('tcp', s.sipPort);
    const r = await register(ua, '1004', 'term1004');
    expect(r.status).toBe(200);
    expect(presence('u1004').devices).toEqual({ app: 0, terminal: 1, pbx: 0 });
    await ua.close();
  });

  test('S7.1 a wrong password is refused with 403 and changes nothing', async () => {
    const ua = await TestUa.open('udp', s.sipPort);
    const r = await register(ua, '1005', 'wrong');
    expect(r.status).toBe(403);
    expect(presence('u1005').status).toBe('offline');
    await ua.close();
  });

  test('S7.1 a SIP password changed through the API applies to the very next REGISTER', async () => {
    const ua = await TestUa.open('udp', s.sipPort);
    const setPassword = async (sipPassword: string) =>
      expect((await call(s.url, 'PATCH', '/api/v1/users/1009', { token: admin, body: { sipPassword } })).status).toBe(
        200,
      );
    expect((await register(ua, '1009', 'pass1009', [['Expires', '0']])).status).toBe(200);
    await setPassword('fresh-secret-1009');
    expect((await register(ua, '1009', 'fresh-secret-1009', [['Expires', '0']])).status).toBe(200);
    expect((await register(ua, '1009', 'pass1009', [['Expires', '0']])).status).toBe(403);
    await setPassword('pass1009');
    expect((await register(ua, '1009', 'pass1009', [['Expires', '0']])).status).toBe(200);
    await ua.close();
  });

  test('S7.1 a user cannot register another user’s address of record (403)', async () => {
    const ua = await TestUa.open('udp', s.sipPort);
    const first = await ua.request('REGISTER', 'sip:acme.test', [
      ua.from('1006'),
      ['To', '<sip:1006@acme.test>'],
      ['Contact', ua.contact],
    ]);
    const r = await ua.request('REGISTER', 'sip:acme.test', [
      ua.from('1006'),
      ['To', '<sip:1006@acme.test>'],
      ['Contact', ua.contact],
      ['Authorization', digest(first, 'REGISTER', 'sip:acme.test', { user: '1005', password: 'pass1005' })],
    ]);
    expect(r.status).toBe(403);
    expect(presence('u1006').status).toBe('offline');
    await ua.close();
  });

  test('S7.1 Expires below the minimum is 423 with Min-Expires; above the maximum it is clamped', async () => {
    const ua = await TestUa.open('udp', s.sipPort);
    const brief = await register(ua, '1007', 'pass1007', [['Expires', '30']]);
    expect([brief.status, header(brief, 'min-expires')]).toEqual([423, '60']);
    expect(presence('u1007').devices.app).toBe(0);
    const long = await register(ua, '1007', 'pass1007', [['Expires', '999999']]);
    expect(long.status).toBe(200);
    expect(headerValues(long, 'contact')).toEqual([`${ua.contact};expires=3600`]);
    await ua.close();
  });

  test('S7.1 several contacts per user; the 200 lists all with their expiries; a contact expires param wins over Expires', async () => {
    const ua = await TestUa.open('udp', s.sipPort);
    const a = await register(ua, '1008', 'pass1008', [['Expires', '300']], '<sip:a@127.0.0.1:5999>');
    expect(a.status).toBe(200);
    const b = await register(
      ua,
      '1008',
      'pass1008',
      [['Expires', '300']],
      '<sip:b@127.0.0.1:5998>;expires=120, <sip:c@127.0.0.1:5997>',
    );
    expect(b.status).toBe(200);
    expect(headerValues(b, 'contact').sort()).toEqual([
      '<sip:a@127.0.0.1:5999>;expires=300',
      '<sip:b@127.0.0.1:5998>;expires=120',
      '<sip:c@127.0.0.1:5997>;expires=300',
    ]);
    expect(presence('u1008').devices.app).toBe(3);
    // One contact with expires=0 removes just that binding.
    const c = await register(ua, '1008', 'pass1008', [], '<sip:a@127.0.0.1:5999>;expires=0');
    expect(headerValues(c, 'contact').length).toBe(2);
    expect(presence('u1008').devices.app).toBe(2);
    // Contact: * with Expires: 0 removes them all; without Expires: 0 it is a bad request.
    const bad = await register(ua, '1008', 'pass1008', [], '*');
    expect(bad.status).toBe(400);
    const all = await register(ua, '1008', 'pass1008', [['Expires', '0']], '*');
    expect([all.status, headerValues(all, 'contact')]).toEqual([200, []]);
    expect(presence('u1008').status).toBe('offline');
    await ua.close();
  });

  test('S7.1 RFC 3261 §10.3 step 7: an older CSeq for the same Call-ID and contact fails with 500 and changes nothing', async () => {
    const ua = await TestUa.open('udp', s.sipPort);
    ua.cseq = 50;
    expect((await register(ua, '1009', 'pass1009', [['Expires', '600']])).status).toBe(200);
    const before = s.engine.state('acme')!.users.get('u1009')!.registrations[0]!.expiresAt;
    ua.cseq = 10;
    const old = await register(ua, '1009', 'pass1009', [['Expires', '0']]);
    expect(old.status).toBe(500);
    expect(
      s.engine
        .state('acme')!
        .users.get('u1009')!
        .registrations.map((r) => r.expiresAt),
    ).toEqual([before]);
    await ua.close();
  });

  test('S7.1 a replayed nonce-count is answered with a fresh challenge (stale=true), a rising one is accepted', async () => {
    const ua = await TestUa.open('udp', s.sipPort);
    const headers: [string, string][] = [
      ua.from('1010'),
      ['To', '<sip:1010@acme.test>'],
      ['Contact', ua.contact],
      ['Expires', '600'],
    ];
    const ch = await ua.request('REGISTER', 'sip:acme.test', headers);
    const auth = { user: '1010', password: 'pass1010' };
    expect(
      (
        await ua.request('REGISTER', 'sip:acme.test', [
          ...headers,
          ['Authorization', digest(ch, 'REGISTER', 'sip:acme.test', auth, 1, 'abc')],
        ])
      ).status,
    ).toBe(200);
    const replay = await ua.request('REGISTER', 'sip:acme.test', [
      ...headers,
      ['Authorization', digest(ch, 'REGISTER', 'sip:acme.test', auth, 1, 'abc')],
    ]);
    expect(replay.status).toBe(401);
    expect(header(replay, 'www-authenticate')).toContain('stale=true');
    expect(
      (
        await ua.request('REGISTER', 'sip:acme.test', [
          ...headers,
          ['Authorization', digest(ch, 'REGISTER', 'sip:acme.test', auth, 2, 'abd')],
        ])
      ).status,
    ).toBe(200);
    await ua.close();
  });

  test('S7.1 an unknown domain is 404; a register to the server address uses the default tenant', async () => {
    const ua = await TestUa.open('udp', s.sipPort);
    const r = await ua.request('REGISTER', 'sip:nowhere.test', [
      ua.from('1003', 'nowhere.test'),
      ['To', '<sip:1003@nowhere.test>'],
      ['Contact', ua.contact],
    ]);
    expect(r.status).toBe(404);
    const ip = await ua.request('REGISTER', 'sip:127.0.0.1', [
      ua.from('1003', '127.0.0.1'),
      ['To', '<sip:1003@127.0.0.1>'],
      ['Contact', ua.contact],
    ]);
    expect([ip.status, /realm="([^"]+)"/.exec(header(ip, 'www-authenticate') ?? '')?.[1]]).toEqual([401, 'acme.test']);
    await ua.close();
  });

  test('S7.1 the operator view lists each binding with its contact and transport', async () => {
    const ua = await TestUa.open('tcp', s.sipPort);
    expect(
      (
        await register(ua, '1002', 'pass1002', [
          ['Expires', '600'],
          ['User-Agent', 'TestPhone/1.0'],
        ])
      ).status,
    ).toBe(200);
    const r = await call(s.url, 'GET', '/api/v1/users/1002/devices', { token: admin });
    expect(r.status).toBe(200);
    expect(r.body.registrations).toEqual([
      expect.objectContaining({
        kind: 'app',
        contact: `sip:ua@127.0.0.1:${ua.localPort};transport=tcp`,
        transport: 'tcp',
        userAgent: 'TestPhone/1.0',
      }),
    ]);
    await ua.close();
  });
});
