// Real softphones against the full server on 127.0.0.1: baresip (driven over ctrl_tcp) as Carol
// (1003) and linphonec as Dan (1004). Each registers, publishes, and watches the other.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { call, login, testServer } from '../support/server.js';
import { Baresip, Linphonec, baresipPresence, eventually, freePort, has } from './peers.js';

const hasBaresip = has('baresip');
const hasLinphone = has('linphonec');
if (!hasBaresip) console.warn('baresip is not installed (apt-get install baresip-core): baresip tests skipped');
if (!hasLinphone) console.warn('linphonec is not installed (apt-get install linphone-cli): linphonec tests skipped');

type S = Awaited<ReturnType<typeof testServer>>;
let s: S;
let admin: string;
let carol: Baresip | undefined;
let dan: Linphonec | undefined;

beforeAll(async () => {
  if (!hasBaresip || !hasLinphone) return;
  s = await testServer();
  admin = await login(s.url, '1001');
}, 30_000);
afterAll(async () => {
  await carol?.stop();
  await dan?.stop();
  await s?.cleanup();
});

const presence = (id: string) => s.engine.state('acme')!.users.get(id)!.presence;

describe.skipIf(!hasBaresip || !hasLinphone)('S7 softphones: baresip and linphonec', () => {
  test('S7.1 S7.3 linphonec registers as 1004 (app device) and publishes open; S7.2 it subscribes to 1003', async () => {
    dan = Linphonec.start({ sipPort: s.sipPort, user: '1004', password: 'pass1004' });
    await eventually(() => (presence('u1004').devices.app === 1 ? true : undefined), 10_000, 'linphonec registered');
    dan.command('friend add "Carol" sip:1003@acme.test');
    await eventually(
      () => (s.sip.devices('acme', 'u1003').watchedBy.length === 1 ? true : undefined),
      10_000,
      'linphonec subscribed to 1003',
    );
    expect(presence('u1004').status).toBe('online');
    await eventually(() => (s.sip.stats().publications >= 1 ? true : undefined), 10_000, 'linphonec published');
    await eventually(() => dan!.friendPresence('1003'), 10_000, 'linphonec got a NOTIFY for 1003');
    expect(dan!.friendPresence('1003')).toBe('closed');
  }, 30_000);

  test('S7.1 S7.3 baresip registers as 1003 (app device), publishes, and subscribes to 1004 whom it shows Online', async () => {
    carol = await Baresip.start({
      sipPort: s.sipPort,
      user: '1003',
      password: 'pass1003',
      ctrlPort: await freePort(),
      contacts: ['1004'],
      pubint: 600,
    });
    await eventually(
      () => (presence('u1003').devices.app === 1 ? true : undefined),
      10_000,
      `baresip registered: ${carol?.output}`,
    );
    expect(
      await eventually(
        async () => ((await baresipPresence(carol!, '1004')) === 'Online' ? 'Online' : undefined),
        10_000,
        'baresip shows 1004 online',
      ),
    ).toBe('Online');
    // linphonec, watching 1003, now sees her open.
    expect(
      await eventually(
        () => (dan!.friendPresence('1003') === 'open' ? 'open' : undefined),
        5_000,
        'linphonec sees 1003 open',
      ),
    ).toBe('open');
  }, 30_000);

  test('S9.4 S6.4 DND set through REST shows busy at baresip within one second; clearing it shows open (Online)', async () => {
    const t0 = Date.now();
    const put = await call(s.url, 'PUT', '/api/v1/users/1004/status', { token: admin, body: { status: 'dnd' } });
    expect(put.status).toBe(200);
    await eventually(
      async () => ((await baresipPresence(carol!, '1004')) === 'Busy' ? true : undefined),
      1000,
      'baresip shows 1004 busy',
    );
    const busyMs = Date.now() - t0;
    expect(busyMs).toBeLessThan(1000);
    const t1 = Date.now();
    expect((await call(s.url, 'DELETE', '/api/v1/users/1004/status', { token: admin })).status).toBe(200);
    await eventually(
      async () => ((await baresipPresence(carol!, '1004')) === 'Online' ? true : undefined),
      1000,
      'baresip shows 1004 online again',
    );
    expect(Date.now() - t1).toBeLessThan(1000);
  });

  test('S9.4 DND on 1003 through REST reaches linphonec as busy', async () => {
    expect(
      (await call(s.url, 'PUT', '/api/v1/users/1003/status', { token: admin, body: { status: 'dnd' } })).status,
    ).toBe(200);
    expect(
      await eventually(
        () => (dan!.friendPresence('1003') === 'busy' ? 'busy' : undefined),
        2000,
        'linphonec sees 1003 busy',
      ),
    ).toBe('busy');
    expect((await call(s.url, 'DELETE', '/api/v1/users/1003/status', { token: admin })).status).toBe(200);
    expect(
      await eventually(
        () => (dan!.friendPresence('1003') === 'open' ? 'open' : undefined),
        2000,
        'linphonec sees 1003 open',
      ),
    ).toBe('open');
  });

  test('S7.3 baresip publishing offline (closed) sets away, cause sip; publishing online sets available', async () => {
    expect((await carol!.command('presence_offline')).ok).toBe(true);
    await eventually(
      () => (presence('u1003').manual?.status === 'away' ? true : undefined),
      2000,
      'away from PUBLISH closed',
    );
    expect(presence('u1003').manual?.setBy).toBe('sip');
    expect((await carol!.command('presence_online')).ok).toBe(true);
    await eventually(
      () => (presence('u1003').manual === undefined ? true : undefined),
      2000,
      'available from PUBLISH open',
    );
  });

  test('S7 the operator view lists both softphones’ bindings and subscriptions', async () => {
    const r = await call(s.url, 'GET', '/api/v1/users/1003/devices', { token: admin });
    expect(r.body.registrations).toEqual([
      expect.objectContaining({ kind: 'app', transport: 'udp', userAgent: expect.stringContaining('baresip') }),
    ]);
    expect(r.body.subscriptions.watching.map((x: { event: string; target: string }) => [x.event, x.target])).toEqual([
      ['presence', 'u1004'],
    ]);
    expect(r.body.subscriptions.watchedBy.map((x: { event: string; watcher: string }) => [x.event, x.watcher])).toEqual(
      [['presence', 'u1004']],
    );
  });
});
