// S6.2, S8.3 over real sockets: what the server holds for one socket is bounded, whatever the
// socket asks for — far-back resumes, floods of requests, pings — and a socket that asks without
// reading is closed as too slow while the other watchers keep getting their events promptly.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Actor } from '../../src/core/index.js';
import { FeedClient, apiKey, feedServer, login, pauseReading, resumeReading, until } from './support.js';
import type { FeedTestServer, Frame } from './support.js';

const HIGH_WATER = 32 * 1024;
const PAGE = 2 * 1024;
/** docs/feed.md "Limits": a write starts at most at the high-water mark and adds at most a page. */
const BOUND = HIGH_WATER + PAGE;
const BACKLOG = 4000;

let s: FeedTestServer;
let adminKey: string;
let userToken: string;
const byAdmin: Actor = { kind: 'user', userId: 'u1001', role: 'admin' };
const users = ['u1003', 'u1004', 'u1005', 'u1006'];

beforeAll(async () => {
  s = await feedServer({
    highWaterBytes: HIGH_WATER,
    lowWaterBytes: 8 * 1024,
    pageBytes: PAGE,
    retainEvents: 2 * BACKLOG,
    retainBytes: 64 * 1024 * 1024,
  });
  const adminToken = await login(s.url, '1001');
  adminKey = await apiKey(s.url, adminToken, 'admin');
  userToken = await login(s.url, '1003');
});
afterAll(async () => s.cleanup());

let n = 0;
/** `count` changes of ~600-byte events each (a long status text, old and new), without waiting for commits. */
function change(count: number): void {
  for (let i = 0; i < count; i++, n++) {
    const out = s.engine.submit('acme', {
      type: 'status.set',
      userId: users[n % users.length]!,
      status: 'away',
      text: `#${n} ${'x'.repeat(90)}`,
      by: byAdmin,
    });
    if (!out.ok) throw new Error(out.message);
  }
}

/** A position `BACKLOG` events back, and the last seq. */
async function backlog(): Promise<{ epoch: string; from: number; last: number }> {
  const pos = s.engine.position('acme')!;
  change(BACKLOG);
  await s.engine.settled();
  return { epoch: pos.epoch, from: pos.seq, last: s.engine.position('acme')!.seq };
}

/** Each event's delay from its `at` to the arrival of its frame. */
function latencies(c: FeedClient): number[] {
  return c.frames.flatMap((f: Frame, i) =>
    f.type === 'events' ? f.events.map((e: Frame) => c.arrivals[i]! - e.at) : [],
  );
}

describe('S6.2 S8.3 output bound per socket', () => {
  test('S6.2 S8.3 a socket that reads nothing while it resumes from 4,000 events back again and again, sends 200,000 unsubscribes and 20,000 pings never has more than highWater + page buffered in the server, is closed 1008 too slow, and a reading watcher gets every event within the S6.4 budget', async () => {
    const fast = await FeedClient.signedIn(s.url, adminKey);
    await fast.subscribe('t', { tenant: true });
    const { epoch, from } = await backlog();

    const attacker = await FeedClient.signedIn(s.url, userToken);
    pauseReading(attacker);
    let most = 0;
    const sampler = setInterval(() => (most = Math.max(most, s.feed.mostBuffered())), 1);
    for (let i = 0; i < 30; i++)
      attacker.send({ type: 'subscribe', id: `r${i % 10}`, scope: { tenant: true }, resume: { epoch, seq: from } });
    const ping = Buffer.alloc(125, 1);
    for (let i = 0; i < 200_000; i++) {
      attacker.send({ type: 'unsubscribe', id: `r${i % 10}` });
      if (i % 10 === 0) attacker.ws.ping(ping);
    }

    // Live changes meanwhile: the reading watcher gets each of them promptly.
    const firstLive = s.engine.position('acme')!.seq + 1;
    for (let round = 0; round < 30; round++) {
      change(10);
      most = Math.max(most, s.feed.mostBuffered());
      await new Promise((r) => setTimeout(r, 50));
    }
    await s.engine.settled();
    const last = s.engine.position('acme')!.seq;
    await fast.event((e) => e.seq === last, 10_000);
    clearInterval(sampler);
    most = Math.max(most, s.feed.mostBuffered());

    // The socket did back up (its output passed the high-water mark), and never past the bound.
    expect(most).toBeGreaterThan(HIGH_WATER);
    expect(most).toBeLessThanOrEqual(BOUND);
    // S6.2: the reading watcher gets every live event in order — or, if a loaded machine ever put
    // it behind too, the latest of each subject: an event it did not get was superseded by one it got.
    const live = fast.events().filter((e: Frame) => e.seq >= firstLive);
    const seqs: number[] = live.map((e: Frame) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(seqs.at(-1)).toBe(last);
    const got = new Set(seqs);
    const stored = await s.store.events('acme', epoch, firstLive - 1, 10_000);
    expect(stored.map((e) => e.seq).at(-1)).toBe(last);
    const lost = stored.filter(
      (e) => !got.has(e.seq) && !stored.some((l) => l.seq > e.seq && l.subject === e.subject && got.has(l.seq)),
    );
    expect(lost.map((e) => e.seq)).toEqual([]);
    const delays = latencies(fast).slice(-live.length);
    expect(Math.max(...delays)).toBeLessThan(1000);

    // Asking on without reading: its answers went unread, and the server closed it as too slow.
    resumeReading(attacker);
    const closed = await attacker.waitClosed(10_000);
    expect(closed).toEqual({ code: 1008, reason: 'too slow: answers not read' });
    await until('the server to drop the socket', () => s.feed.stats().sockets === 1, 10_000);
    fast.close();
  });

  test('S6.2 a resume from far back gets exactly the missed events, in frames of at most a page each', async () => {
    const { epoch, from, last } = await backlog();
    const w = await FeedClient.signedIn(s.url, adminKey);
    const resumed = await w.subscribe('t', { tenant: true }, { epoch, seq: from });
    expect(resumed).toMatchObject({ type: 'resumed', from, seq: last });
    await w.event((e) => e.seq === last, 10_000);
    expect(w.events().map((e: Frame) => e.seq)).toEqual(Array.from({ length: last - from }, (_, i) => from + 1 + i));
    const pages = w.sizes.filter((_, i) => w.frames[i].type === 'events');
    expect(pages.length).toBeGreaterThan(BACKLOG / 10);
    for (const size of pages) expect(size).toBeLessThanOrEqual(PAGE);
    w.close();
  });

  test('S6.2 a snapshot larger than a page arrives whole (one message written in fragments)', async () => {
    const w = await FeedClient.signedIn(s.url, adminKey);
    const snap = await w.subscribe('t', { tenant: true });
    expect(snap.type).toBe('snapshot');
    expect(w.sizes.at(-1)).toBeGreaterThan(PAGE);
    expect(snap.presence.find((p: Frame) => p.userId === users[(n - 1) % users.length]).text).toBe(
      `#${n - 1} ${'x'.repeat(90)}`,
    );
    w.close();
  });
});

describe('S8.3 client message rate', () => {
  test('S8.3 a socket sending more than 20 messages a second past a burst of 100 is refused with SWB_ERR_RATE_LIMITED and read again once allowed', async () => {
    const w = await FeedClient.signedIn(s.url, adminKey);
    const started = Date.now();
    for (let i = 0; i < 1000; i++) w.send({ type: 'unsubscribe', id: `u${i}` });
    await w.next((f) => f.type === 'error' && f.error.code === 'SWB_ERR_RATE_LIMITED');
    await new Promise((r) => setTimeout(r, 500));
    const answered = w.frames.filter((f: Frame) => f.type === 'unsubscribed').length;
    const elapsed = (Date.now() - started) / 1000;
    expect(answered).toBeGreaterThanOrEqual(100);
    expect(answered).toBeLessThanOrEqual(100 + Math.ceil(20 * elapsed) + 1);
    expect(w.frames.find((f: Frame) => f.type === 'error').error.details).toEqual({ retryAfterMs: 50 });

    // Once the rate allows it again, a message is handled.
    await until('all sent messages to be read', () => w.ws.bufferedAmount === 0, 10_000);
    await new Promise((r) => setTimeout(r, 200));
    w.send({ type: 'unsubscribe', id: 'later' });
    await w.next((f) => f.type === 'unsubscribed' && f.id === 'later');
    w.close();
  });
});
