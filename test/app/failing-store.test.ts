// S8.2 across the whole server, over real sockets: while the store cannot commit (a full disk;
// here a store whose commit throws), `status.set dnd` over REST is refused with 503
// SWB_ERR_UNAVAILABLE and Retry-After, and it changes nothing anywhere — the engine's state, REST
// reads, the WebSocket feed (no event), the SIP lamps (no NOTIFY). Once the store writes again the
// same request is applied, the feed and SIP NOTIFY show it, and it is still there after a restart.
//
// "No event / no NOTIFY" is proved without waiting: a later committed change (to another user,
// watched by the same socket and the same SIP UA) is the barrier. Events reach the feed and NOTIFYs
// leave the server in commit order, so whatever the refused change had published would have
// arrived before the barrier's.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { header } from '../../src/sip/message.js';
import type { SipRequest } from '../../src/sip/message.js';
import { SqliteStore } from '../../src/store/index.js';
import type { JournalBatchEntry } from '../../src/store/index.js';
import { FeedClient } from '../feed/support.js';
import { call, login, testServer } from '../support/server.js';
import { TestUa } from '../sip/ua.js';

/** The real store, but for `commit`, which throws like a full disk while `failing` is set. */
class FailingStore extends SqliteStore {
  failing = false;
  override commit(batch: readonly JournalBatchEntry[]): ReturnType<SqliteStore['commit']> {
    if (this.failing) throw new Error('SQLITE_FULL: database or disk is full');
    return super.commit(batch);
  }
}

type S = Awaited<ReturnType<typeof testServer>>;
const opened: S[] = [];
afterAll(async () => {
  for (const s of opened.reverse()) await s.cleanup();
});

/** A presence SUBSCRIBE from `watcher` to `target`; answers the dialog's Call-ID. */
async function subscribe(ua: TestUa, watcher: string, target: string): Promise<string> {
  const callId = `${randomBytes(6).toString('hex')}@t`;
  const uri = `sip:${target}@acme.test`;
  const res = await ua.authed(
    'SUBSCRIBE',
    uri,
    [ua.from(watcher), ['To', `<${uri}>`], ['Contact', ua.contact], ['Event', 'presence'], ['Expires', '600']],
    { user: watcher, password: `pass${watcher}` },
    '',
    { callId },
  );
  expect(res.status).toBe(200);
  return callId;
}

const notifyOf = (callId: string) => (m: { kind: string }) =>
  m.kind === 'request' && (m as SipRequest).method === 'NOTIFY' && header(m as SipRequest, 'call-id') === callId;

describe('S8.2 a failing store changes nothing, anywhere', () => {
  test('S8.2 S1.3 S6.2 S7.2 a refused status.set dnd leaves engine, REST, feed and SIP lamps as they were; the retry shows everywhere and persists', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'swb-failing-'));
    const store = new FailingStore(join(dataDir, 'switchboard.db'));
    const server = await testServer({ dataDir }, { store });
    opened.push(server);
    const carol = await login(server.url, '1003');
    const admin = await login(server.url, '1001');
    // Carol and Dave are online (an app registered), so a DND is their effective status and lamp.
    for (const userId of ['u1003', 'u1004'])
      await server.engine.dispatch('acme', {
        type: 'registration.set',
        userId,
        id: `${userId}-app`,
        kind: 'app',
        expiresAt: Date.now() + 600_000,
      });
    const presence = async () => (await call(server.url, 'GET', '/api/v1/users/1003/presence', { token: admin })).body;
    const before = await presence();
    expect([before.status, before.manual]).toEqual(['online', undefined]);

    const feed = await FeedClient.signedIn(server.url, admin);
    await feed.subscribe('all', { tenant: true });
    const ua = await TestUa.open('udp', server.sipPort);
    const carolLamp = await subscribe(ua, '1002', '1003');
    const daveLamp = await subscribe(ua, '1002', '1004');
    const first = await ua.wait<SipRequest>(notifyOf(carolLamp));
    expect(first.body.toString()).toContain('<basic>open</basic>');
    expect(first.body.toString()).not.toContain('<rpid:busy/>');
    await ua.wait<SipRequest>(notifyOf(daveLamp));
    const put = (userId: string, status: string, token = carol) =>
      call(server.url, 'PUT', `/api/v1/users/${userId}/status`, { token, body: { status, text: 'in a meeting' } });

    // The store cannot write: refused, and nothing changed.
    store.failing = true;
    const refused = await put('1003', 'dnd');
    store.failing = false;
    expect([refused.status, refused.body.error.code]).toEqual([503, 'SWB_ERR_UNAVAILABLE']);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(server.engine.state('acme')!.users.get('u1003')!.manual).toBeUndefined();
    expect(await presence()).toEqual(before);

    // The barrier: a committed change to 1004, seen by the same feed socket and SIP UA.
    expect((await put('1004', 'away', admin)).status).toBe(200);
    await feed.event((e) => e.subject === 'u1004' && e.value?.manual?.status === 'away');
    await ua.wait<SipRequest>(notifyOf(daveLamp));
    expect(feed.events().filter((e) => e.subject === 'u1003')).toEqual([]);
    const carolNotifies = () => ua.requests.filter((r) => r.method === 'NOTIFY' && header(r, 'call-id') === carolLamp);
    expect(carolNotifies()).toEqual([first]);

    // The store writes again: the same request is applied and shows everywhere.
    const kept = await put('1003', 'dnd');
    expect(kept.status).toBe(200);
    expect(kept.body.manual).toMatchObject({ status: 'dnd', text: 'in a meeting' });
    const event = await feed.event((e) => e.subject === 'u1003');
    expect(event.value).toMatchObject({ status: 'dnd', manual: { status: 'dnd' } });
    const lamp = await ua.wait<SipRequest>(notifyOf(carolLamp));
    expect(lamp.body.toString()).toContain('<rpid:busy/>');
    expect((await presence()).manual).toMatchObject({ status: 'dnd' });
    feed.close();
    await ua.close();

    // Persisted: a restart on the same data directory reads it back from the file.
    await server.close();
    const again = await testServer({ dataDir });
    opened.push(again);
    const token = await login(again.url, '1001');
    const read = await call(again.url, 'GET', '/api/v1/users/1003/presence', { token });
    expect(read.body.manual).toMatchObject({ status: 'dnd', text: 'in a meeting' });
  }, 30_000);
});
