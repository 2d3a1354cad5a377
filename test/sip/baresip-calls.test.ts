// S7.4 with real softphones: four baresip instances (ctrl_tcp, `dial` / `accept` / `hangup`)
// registered to the full server place calls through the proxy; REST shows what the engine learnt
// from every leg (S1.2). Media does not matter: the phones play and record /dev/null.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { call, login, testServer } from '../support/server.js';
import { Baresip, eventually, freePort, has } from './peers.js';

const hasBaresip = has('baresip');
if (!hasBaresip) console.warn('baresip is not installed (apt-get install baresip-core): baresip call tests skipped');

type S = Awaited<ReturnType<typeof testServer>>;
let s: S;
let admin: string;
let a: Baresip | undefined; // 1007
let b: Baresip | undefined; // 1008
let c: Baresip | undefined; // 1003, a member of the demo group Sales (6000)
let d: Baresip | undefined; // 1004, another member of Sales

beforeAll(async () => {
  if (!hasBaresip) return;
  s = await testServer();
  admin = await login(s.url, '1001');
  // One after the other: a free port is only free until the next one is asked for.
  const start = async (user: string) =>
    Baresip.start({ sipPort: s.sipPort, user, password: `pass${user}`, ctrlPort: await freePort() });
  a = await start('1007');
  b = await start('1008');
  c = await start('1003');
  d = await start('1004');
  await eventually(
    () =>
      ['u1007', 'u1008', 'u1003', 'u1004'].every(
        (id) => s.engine.state('acme')!.users.get(id)!.presence.devices.app === 1,
      )
        ? true
        : undefined,
    10_000,
    'four baresip registered',
  );
}, 30_000);
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop(), c?.stop(), d?.stop()]);
  await s?.cleanup();
});

const presence = async (ext: string) =>
  (await call(s.url, 'GET', `/api/v1/users/${ext}/presence`, { token: admin })).body;
const until = <T>(check: () => Promise<T | undefined> | T | undefined, what: string, ms = 5000) =>
  eventually(check, ms, what);
/** The next event of a type from a phone (events seen before are dropped first by `fresh`). */
const event = (p: Baresip, type: string, ms = 5000) =>
  until(() => p.events.find((e) => e.type === type), `${type}: ${p.output.slice(-2000)}`, ms);
const fresh = (...ps: (Baresip | undefined)[]) => ps.forEach((p) => p && (p.events.length = 0));
const status = async (ext: string, want: string) => ((await presence(ext)).status === want ? want : undefined);

describe.skipIf(!hasBaresip)('S7.4 calls between baresip softphones', () => {
  test('S7.4 S1.2 1007 calls 1008: 1008 rings (REST ringing), answers (both on_call), 1007 hangs up (both online)', async () => {
    fresh(a, b);
    expect((await a!.command('dial', 'sip:1008@acme.test')).ok).toBe(true);
    await event(b!, 'CALL_INCOMING');
    await until(
      async () => ((await presence('1008')).indicators.ringing ? true : undefined),
      'REST shows 1008 ringing',
    );
    expect((await presence('1008')).status).toBe('online');
    expect((await presence('1007')).status).toBe('on_call');
    expect((await b!.command('accept')).ok).toBe(true);
    await event(a!, 'CALL_ESTABLISHED');
    await until(async () => (await status('1008', 'on_call')) && (await status('1007', 'on_call')), 'both on a call');
    expect((await presence('1008')).indicators.ringing).toBe(false);
    expect((await a!.command('hangup')).ok).toBe(true);
    await event(b!, 'CALL_CLOSED');
    await until(async () => (await status('1008', 'online')) && (await status('1007', 'online')), 'both online again');
  }, 20_000);

  test('S7.4 S1.2 the caller hangs up while 1008 rings: 1008 stops ringing and has a missed call', async () => {
    fresh(a, b);
    const missed = (await presence('1008')).indicators.missedCalls as number;
    await a!.command('dial', 'sip:1008@acme.test');
    await event(b!, 'CALL_INCOMING');
    await until(async () => ((await presence('1008')).indicators.ringing ? true : undefined), '1008 ringing');
    await a!.command('hangup');
    await event(b!, 'CALL_CLOSED');
    await until(
      async () => (await presence('1008')).indicators.ringing === false && (await status('1007', 'online')),
      'ringing over',
    );
    expect((await presence('1008')).indicators.missedCalls).toBe(missed + 1);
  }, 20_000);

  test('S7.4 S3.1#3 1008 in DND: the call is refused (480, voicemail action) and 1008 never rings', async () => {
    fresh(a, b);
    expect(
      (await call(s.url, 'PUT', '/api/v1/users/1008/status', { token: admin, body: { status: 'dnd' } })).status,
    ).toBe(200);
    await a!.command('dial', 'sip:1008@acme.test');
    const closed = await event(a!, 'CALL_CLOSED');
    expect(String(closed.param)).toMatch(/480/);
    expect(b!.events.some((e) => e.type === 'CALL_INCOMING')).toBe(false);
    expect((await call(s.url, 'DELETE', '/api/v1/users/1008/status', { token: admin })).status).toBe(200);
  }, 20_000);

  test('S7.4 S3.3 a call to the Sales group skips its busy member 1004 and rings 1003, who answers', async () => {
    fresh(a, b, c, d);
    expect(
      (await call(s.url, 'PUT', '/api/v1/users/1004/status', { token: admin, body: { status: 'busy' } })).status,
    ).toBe(200);
    const route = await call(s.url, 'POST', '/api/v1/route', { token: admin, body: { to: { extension: '6000' } } });
    expect(route.body.decision.explanation.map((e: { text: string }) => e.text).join('\n')).toMatch(/skipped as busy/);
    await a!.command('dial', 'sip:6000@acme.test');
    await event(c!, 'CALL_INCOMING');
    expect(d!.events.some((e) => e.type === 'CALL_INCOMING')).toBe(false);
    await c!.command('accept');
    await event(a!, 'CALL_ESTABLISHED');
    await until(
      async () => (await status('1003', 'on_call')) && (await status('1007', 'on_call')),
      '1003 and 1007 on the call',
    );
    await c!.command('hangup');
    await event(a!, 'CALL_CLOSED');
    await until(async () => (await status('1003', 'online')) && (await status('1007', 'online')), 'both online again');
    expect((await call(s.url, 'DELETE', '/api/v1/users/1004/status', { token: admin })).status).toBe(200);
  }, 20_000);

  test("S11.6 1003 calls the Sales group (6000) it belongs to: 1004 rings, 1003's own baresip gets no call", async () => {
    fresh(c, d);
    await c!.command('dial', 'sip:6000@acme.test');
    await event(d!, 'CALL_INCOMING');
    await until(
      async () => ((await presence('1004')).indicators.ringing ? true : undefined),
      'REST shows 1004 ringing',
    );
    expect(c!.events.some((e) => e.type === 'CALL_INCOMING')).toBe(false);
    await c!.command('hangup');
    await event(d!, 'CALL_CLOSED');
    await until(
      async () => (await presence('1004')).indicators.ringing === false && (await status('1003', 'online')),
      'ringing over',
    );
  }, 20_000);

  test('S7.4 S4.5 1007 dials *78: DND on with cause fac, the server answers and hangs up; *79 clears it', async () => {
    fresh(a);
    await a!.command('dial', 'sip:*78@acme.test');
    await event(a!, 'CALL_ESTABLISHED');
    await event(a!, 'CALL_CLOSED');
    const p = await presence('1007');
    expect([p.status, p.manual?.setBy]).toEqual(['dnd', 'fac']);
    fresh(a);
    await a!.command('dial', 'sip:*79@acme.test');
    await event(a!, 'CALL_CLOSED');
    expect((await presence('1007')).status).toBe('online');
  }, 20_000);
});
