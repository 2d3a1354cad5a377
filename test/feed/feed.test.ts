// S6.2 over real sockets: snapshot then diffs, scopes, tenant isolation, resume, S2.7, auth and
// bad frames on /api/v1/stream.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Actor } from '../../src/core/index.js';
import { FeedClient, SYSTEM_TOKEN, apiKey, call, feedServer, login, secondTenant, until } from './support.js';
import type { FeedTestServer, Frame } from './support.js';

let s: FeedTestServer;
let admin: string;
let carol: string;
let adminKey: string;

const byAdmin: Actor = { kind: 'user', userId: 'u1001', role: 'admin' };
const setStatus = (userId: string, status: string, text?: string) =>
  s.engine.dispatch('acme', { type: 'status.set', userId, status, by: byAdmin, ...(text ? { text } : {}) });
const subjects = (events: Frame[]) =>
  events.map(
    (e: Frame) =>
      `${e.type === 'agent.changed' ? 'agent' : e.type === 'queue.changed' ? 'queue' : 'presence'}:${e.subject}`,
  );

beforeAll(async () => {
  s = await feedServer({ authTimeoutMs: 300 });
  admin = await login(s.url, '1001');
  carol = await login(s.url, '1003');
  adminKey = await apiKey(s.url, admin, 'admin');
});
afterAll(async () => s.cleanup());

describe('S6.2 live feed', () => {
  test('S6.2 a watcher gets a snapshot tagged (epoch, seq), then the change made through REST', async () => {
    const w = await FeedClient.signedIn(s.url, adminKey);
    const snap = await w.subscribe('all', { tenant: true });
    const rest = await call(s.url, 'GET', '/api/v1/presence', { token: admin });
    expect(snap.type).toBe('snapshot');
    expect([snap.epoch, snap.seq]).toEqual([rest.body.epoch, rest.body.seq]);
    expect(snap.presence.map((p: Frame) => p.extension)).toEqual([
      '1001',
      '1002',
      '1003',
      '1004',
      '1005',
      '1006',
      '1007',
      '1008',
      '1009',
      '1010',
    ]);
    expect(snap.queues.map((q: Frame) => q.queueId)).toEqual(['support']);
    expect(snap.resync).toBeUndefined();

    const put = await call(s.url, 'PUT', '/api/v1/users/1003/status', {
      token: carol,
      body: { status: 'dnd', text: 'feed test' },
    });
    expect(put.status).toBe(200);
    const e = await w.event((x) => x.subject === 'u1003' && x.value.manual?.status === 'dnd');
    expect(e).toMatchObject({
      type: 'presence.changed',
      tenant: 'acme',
      cause: 'self',
      epoch: snap.epoch,
      seq: snap.seq + 1,
    });
    expect(e.value.manual).toMatchObject({ status: 'dnd', text: 'feed test' });
    expect(e.old.manual?.status).not.toBe('dnd');
    w.close();
  });

  test('S6.2 scopes: a group, a queue and a list of users get only their members; unknown ids are not found', async () => {
    const [group, queue, users, all] = await Promise.all([1, 2, 3, 4].map(() => FeedClient.signedIn(s.url, adminKey)));
    const gs = await group!.subscribe('g', { group: 'sales' });
    const qs = await queue!.subscribe('q', { queue: '8000' });
    const us = await users!.subscribe('u', { users: ['u1002', '1003'] });
    const ts = await all!.subscribe('t', { tenant: true });
    expect(gs.presence.map((p: Frame) => p.userId)).toEqual(['u1003', 'u1004', 'u1005', 'u1006']);
    expect(gs.queues).toEqual([]);
    expect(qs.presence.map((p: Frame) => p.userId)).toEqual(['u1007', 'u1008', 'u1009', 'u1010']);
    expect(qs.queues).toEqual([expect.objectContaining({ queueId: 'support', waiting: [] })]);
    expect(us.presence.map((p: Frame) => p.userId)).toEqual(['u1002', 'u1003']);
    expect([ts.presence.length, ts.queues.length]).toEqual([10, 1]);

    await setStatus('u1002', 'away');
    await setStatus('u1005', 'away');
    await setStatus('u1008', 'away');
    await setStatus('u1001', 'away');
    await s.engine.dispatch('acme', {
      type: 'agent.command',
      userId: 'u1007',
      queueId: 'support',
      action: 'login',
      by: byAdmin,
    });
    // Last, one change each scope sees: everything before it has been delivered too.
    await setStatus('u1003', 'busy');
    await setStatus('u1009', 'busy');
    await group!.event((e) => e.subject === 'u1003' && e.value.manual?.status === 'busy');
    await users!.event((e) => e.subject === 'u1003' && e.value.manual?.status === 'busy');
    await queue!.event((e) => e.subject === 'u1009' && e.value.manual?.status === 'busy');
    await all!.event((e) => e.subject === 'u1009' && e.value.manual?.status === 'busy');

    expect(subjects(group!.events())).toEqual(['presence:u1005', 'presence:u1003']);
    expect(subjects(users!.events())).toEqual(['presence:u1002', 'presence:u1003']);
    expect(subjects(queue!.events())).toEqual(['presence:u1008', 'agent:u1007', 'presence:u1009']);
    expect(subjects(all!.events())).toEqual([
      'presence:u1002',
      'presence:u1005',
      'presence:u1008',
      'presence:u1001',
      'agent:u1007',
      'presence:u1003',
      'presence:u1009',
    ]);
    expect(queue!.events()[1]).toMatchObject({ type: 'agent.changed', queueId: 'support', value: { state: 'ready' } });

    const unknownGroup = await all!.subscribe('x1', { group: 'nope' });
    expect([unknownGroup.type, unknownGroup.error.code]).toEqual(['error', 'SWB_ERR_GROUP_NOT_FOUND']);
    const unknownQueue = await all!.subscribe('x2', { queue: 'nope' });
    expect(unknownQueue.error.code).toBe('SWB_ERR_QUEUE_NOT_FOUND');
    const unknownUser = await all!.subscribe('x3', { users: ['1003', '9999'] });
    expect([unknownUser.error.code, unknownUser.error.details]).toEqual(['SWB_ERR_USER_NOT_FOUND', { user: '9999' }]);
    for (const c of [group, queue, users, all]) c!.close();
  });

  test('S5.2 a watcher of another tenant sees nothing of acme, and acme ids are not found for it', async () => {
    const token = await secondTenant(s.url, {
      id: 'globex',
      name: 'Globex',
      sipDomain: 'globex.test',
      admin: { id: 'g2001', extension: '2001', name: 'Gina Globex', password: 'globex-secret' },
    });
    const other = await FeedClient.signedIn(s.url, token);
    const snap = await other.subscribe('t', { tenant: true });
    expect(snap.presence.map((p: Frame) => p.userId)).toEqual(['g2001']);
    expect((await other.subscribe('g', { group: 'sales' })).error.code).toBe('SWB_ERR_GROUP_NOT_FOUND');
    expect((await other.subscribe('q', { queue: 'support' })).error.code).toBe('SWB_ERR_QUEUE_NOT_FOUND');
    expect((await other.subscribe('u', { users: ['u1003'] })).error.code).toBe('SWB_ERR_USER_NOT_FOUND');

    const acme = await FeedClient.signedIn(s.url, adminKey);
    await acme.subscribe('t', { tenant: true });
    await setStatus('u1004', 'away', 'acme only');
    await setStatus('u1006', 'dnd');
    await s.engine.dispatch('globex', {
      type: 'status.set',
      userId: 'g2001',
      status: 'away',
      by: { kind: 'user', userId: 'g2001', role: 'admin' },
    });
    await other.event((e) => e.subject === 'g2001' && e.value.manual?.status === 'away');
    await acme.event((e) => e.subject === 'u1006' && e.value.manual?.status === 'dnd');
    expect(other.events().map((e: Frame) => [e.tenant, e.subject])).toEqual([['globex', 'g2001']]);
    expect(acme.events().every((e: Frame) => e.tenant === 'acme')).toBe(true);
    other.close();
    acme.close();
  });

  test('S6.2 resuming with the last (epoch, seq) gets exactly the missed events, then the live ones', async () => {
    const first = await FeedClient.signedIn(s.url, adminKey);
    const snap = await first.subscribe('t', { tenant: true });
    await setStatus('u1004', 'away', 'seen');
    const seen = await first.event((e) => e.subject === 'u1004' && e.value.text === 'seen');
    expect(seen.seq).toBe(snap.seq + 1);
    first.close();
    await first.waitClosed();

    await setStatus('u1005', 'away', 'missed 1');
    await setStatus('u1006', 'away', 'missed 2');
    const again = await FeedClient.signedIn(s.url, adminKey);
    const resumed = await again.subscribe('t', { tenant: true }, { epoch: seen.epoch, seq: seen.seq });
    expect(resumed).toMatchObject({ type: 'resumed', id: 't', epoch: seen.epoch, from: seen.seq, seq: seen.seq + 2 });
    const missed = await again.next((f) => f.type === 'events');
    expect(missed.events.map((e: Frame) => [e.seq, e.subject, e.value.text])).toEqual([
      [seen.seq + 1, 'u1005', 'missed 1'],
      [seen.seq + 2, 'u1006', 'missed 2'],
    ]);
    await setStatus('u1004', 'away', 'live');
    const live = await again.event((e) => e.value?.text === 'live');
    expect(live.seq).toBe(seen.seq + 3);
    expect(again.events().map((e: Frame) => e.seq)).toEqual([seen.seq + 1, seen.seq + 2, seen.seq + 3]);
    again.close();
  });

  test('S6.2 a tenant keeps events for resuming from its first watcher on: a position from before it gets a snapshot marked resync', async () => {
    const fresh = await feedServer();
    try {
      await fresh.engine.dispatch('acme', { type: 'status.set', userId: 'u1004', status: 'away', by: byAdmin });
      const before = fresh.engine.position('acme')!;
      await fresh.engine.dispatch('acme', { type: 'status.set', userId: 'u1005', status: 'away', by: byAdmin });
      const key = await apiKey(fresh.url, await login(fresh.url, '1001'), 'admin');
      const w = await FeedClient.signedIn(fresh.url, key);
      const snap = await w.subscribe('t', { tenant: true }, { epoch: before.epoch, seq: before.seq });
      expect(snap).toMatchObject({ type: 'snapshot', resync: true, seq: before.seq + 1 });
      // From the first watcher on, what it misses is kept.
      w.close();
      await w.waitClosed();
      await fresh.engine.dispatch('acme', { type: 'status.set', userId: 'u1006', status: 'away', by: byAdmin });
      const again = await FeedClient.signedIn(fresh.url, key);
      expect(await again.subscribe('t', { tenant: true }, { epoch: snap.epoch, seq: snap.seq })).toMatchObject({
        type: 'resumed',
        from: snap.seq,
        seq: snap.seq + 1,
      });
      again.close();
    } finally {
      await fresh.cleanup();
    }
  });

  test('S6.2 resuming with another epoch, or from the future, gets a fresh snapshot marked resync', async () => {
    const w = await FeedClient.signedIn(s.url, adminKey);
    const pos = s.engine.position('acme')!;
    const wrongEpoch = await w.subscribe('a', { tenant: true }, { epoch: 'not-the-epoch', seq: 1 });
    expect(wrongEpoch).toMatchObject({ type: 'snapshot', resync: true, epoch: pos.epoch, seq: pos.seq });
    expect(wrongEpoch.presence).toHaveLength(10);
    const future = await w.subscribe('b', { users: ['1003'] }, { epoch: pos.epoch, seq: pos.seq + 100 });
    expect(future).toMatchObject({ type: 'snapshot', resync: true, seq: pos.seq });
    const metrics = await call(s.url, 'GET', '/metrics');
    expect(Number(/switchboard_feed_resyncs_total (\d+)/.exec(metrics.body)?.[1])).toBeGreaterThanOrEqual(2);
    w.close();
  });

  test('S2.7 the forwarding destination reaches only admins and the user themself', async () => {
    const jack = await login(s.url, '1010');
    const [adm, colleague, self] = await Promise.all([
      FeedClient.signedIn(s.url, adminKey),
      FeedClient.signedIn(s.url, carol),
      FeedClient.signedIn(s.url, jack),
    ]);
    for (const c of [adm, colleague, self]) await c!.subscribe('t', { tenant: true });
    const put = await call(s.url, 'PUT', '/api/v1/users/1010/status', {
      token: jack,
      body: { status: 'forwarding', forwardTo: '5551234' },
    });
    expect(put.status).toBe(200);
    const isForwarding = (e: Frame) => e.subject === 'u1010' && e.value.status === 'forwarding';
    const [a, c, me] = await Promise.all([
      adm!.event(isForwarding),
      colleague!.event(isForwarding),
      self!.event(isForwarding),
    ]);
    expect(a.value.manual.forwardTo).toBe('5551234');
    expect(me.value.manual.forwardTo).toBe('5551234');
    expect(c.value.manual.forwardTo).toBeUndefined();
    expect(c.value.indicators.forwardTo).toBeUndefined();
    expect(c.value.label).toBe(a.value.label);
    expect(JSON.stringify(c)).not.toContain('5551234');

    const snaps = await Promise.all([
      adm!.subscribe('s', { users: ['1010'] }),
      colleague!.subscribe('s', { users: ['1010'] }),
      self!.subscribe('s', { users: ['1010'] }),
    ]);
    expect(snaps.map((x: Frame) => x.presence[0].manual?.forwardTo)).toEqual(['5551234', undefined, '5551234']);
    expect(JSON.stringify(snaps[1])).not.toContain('5551234');
    await call(s.url, 'DELETE', '/api/v1/users/1010/status', { token: jack });
    for (const x of [adm, colleague, self]) x!.close();
  });
});

describe('S6.2 authentication and bad frames', () => {
  test('S6.2 a token in the first message or in ?token= signs the socket in', async () => {
    const viaMessage = await FeedClient.open(s.url);
    viaMessage.send({ type: 'auth', token: carol });
    expect(await viaMessage.next((f) => f.type === 'authenticated')).toMatchObject({
      tenant: 'acme',
      role: 'user',
      userId: 'u1003',
    });
    const viaQuery = await FeedClient.open(s.url, { query: `?token=${encodeURIComponent(adminKey)}` });
    expect(await viaQuery.next((f) => f.type === 'authenticated')).toMatchObject({ tenant: 'acme', role: 'admin' });
    expect((await viaQuery.subscribe('t', { tenant: true })).type).toBe('snapshot');
    viaMessage.close();
    viaQuery.close();
  });

  test('S5.1 no credential, a bad one, the system token or another first message close the socket with 4401', async () => {
    const bad = await FeedClient.open(s.url, { token: 'swt_not-a-real-token-at-all' });
    expect((await bad.next((f) => f.type === 'error')).error.code).toBe('SWB_ERR_UNAUTHENTICATED');
    expect((await bad.waitClosed()).code).toBe(4401);

    const system = await FeedClient.open(s.url, { token: SYSTEM_TOKEN });
    expect((await system.waitClosed()).code).toBe(4401);

    const rude = await FeedClient.open(s.url);
    rude.send({ type: 'subscribe', id: 't', scope: { tenant: true } });
    expect((await rude.next((f) => f.type === 'error')).error.code).toBe('SWB_ERR_UNAUTHENTICATED');
    expect((await rude.waitClosed()).code).toBe(4401);

    const silent = await FeedClient.open(s.url);
    expect((await silent.waitClosed(3000)).code).toBe(4401);
    expect(silent.frames.map((f: Frame) => f.error?.code)).toEqual(['SWB_ERR_UNAUTHENTICATED']);
  });

  test('S8.1 an upgrade on another path is refused with 404', async () => {
    await expect(FeedClient.open(s.url, { token: adminKey, path: '/api/v1/nope' })).rejects.toThrow(
      'upgrade refused: 404',
    );
  });

  test('S8.1 bad frames get an error frame with a code and the socket keeps working', async () => {
    const w = await FeedClient.signedIn(s.url, adminKey);
    const codeOf = async (message: string | Buffer) => {
      w.ws.send(message);
      return (await w.next((f) => f.type === 'error')).error.code as string;
    };
    expect(await codeOf('not json')).toBe('SWB_ERR_BAD_JSON');
    expect(await codeOf('{"type":"dance"}')).toBe('SWB_ERR_VALIDATION');
    expect(await codeOf('[1,2]')).toBe('SWB_ERR_VALIDATION');
    expect(await codeOf('{"type":"subscribe","id":"t","scope":{"tenant":true},"extra":1}')).toBe('SWB_ERR_VALIDATION');
    expect(await codeOf('{"type":"subscribe","id":"t","scope":{"tenant":true,"group":"sales"}}')).toBe(
      'SWB_ERR_VALIDATION',
    );
    expect(await codeOf('{"type":"heartbeat","active":"yes"}')).toBe('SWB_ERR_VALIDATION');
    expect(await codeOf('{"type":"subscribe","id":"t","scope":{"tenant":true},"__proto__":{"admin":true}}')).toBe(
      'SWB_ERR_BAD_JSON',
    );
    expect(await codeOf(JSON.stringify({ type: 'subscribe', id: 't', scope: { users: ['x'.repeat(70_000)] } }))).toBe(
      'SWB_ERR_BODY_TOO_LARGE',
    );
    expect(await codeOf(Buffer.from([1, 2, 3]))).toBe('SWB_ERR_VALIDATION');
    expect(await codeOf('{"type":"heartbeat","active":true}')).toBe('SWB_ERR_FORBIDDEN'); // an API key has no app session
    expect((await w.subscribe('t', { tenant: true })).type).toBe('snapshot');

    w.ws.send('x'.repeat(2 * 1024 * 1024));
    expect((await w.waitClosed()).code).toBe(1009);
  });

  test('S6.2 the watcher gauge counts open sockets', async () => {
    await until('earlier sockets to close', () => s.feed.stats().sockets === 0);
    const w = await FeedClient.signedIn(s.url, adminKey);
    const gauge = async () =>
      Number(/switchboard_feed_watchers (\d+)/.exec((await call(s.url, 'GET', '/metrics')).body)?.[1]);
    expect(await gauge()).toBe(1);
    w.close();
    await until('the socket to be gone', () => s.feed.stats().sockets === 0);
    expect(await gauge()).toBe(0);
  });
});
