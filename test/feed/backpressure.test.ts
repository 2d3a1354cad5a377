// S6.2, S8.3 over real sockets: a watcher that stops reading keeps only the latest event per
// subject (or is told to resync) and never delays the others; resume is bounded by retention.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Actor } from '../../src/core/index.js';
import { FeedClient, apiKey, feedServer, login, pauseReading as pause, resumeReading as resume } from './support.js';
import type { FeedTestServer, Frame } from './support.js';

let s: FeedTestServer;
let adminKey: string;
const byAdmin: Actor = { kind: 'user', userId: 'u1001', role: 'admin' };
const LIMIT = 3;

beforeAll(async () => {
  // Small marks and bounds so a test reaches them with a few thousand events.
  s = await feedServer({
    highWaterBytes: 16 * 1024,
    lowWaterBytes: 4 * 1024,
    slowSubjectLimit: LIMIT,
    retainEvents: 5,
  });
  adminKey = await apiKey(s.url, await login(s.url, '1001'), 'admin');
});
afterAll(async () => s.cleanup());

let n = 0;
/** Sets a fresh text on one of `users` per change, without waiting for each commit. */
function change(users: readonly string[], count: number): void {
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

/** Changes until the feed holds a slow watcher back (or `done` says so), in batches that let flushes run. */
async function changeUntil(users: readonly string[], done: () => boolean): Promise<void> {
  for (let batch = 0; !done(); batch++) {
    if (batch > 400) throw new Error('the paused watcher never fell behind');
    change(users, 100);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Each event's delay from its `at` to the arrival of its frame at the client. */
function latencies(c: FeedClient): number[] {
  const out: number[] = [];
  c.frames.forEach((f: Frame, i) => {
    if (f.type === 'events') for (const e of f.events) out.push(c.arrivals[i]! - e.at);
  });
  return out;
}

describe('S6.2 S8.3 slow consumers', () => {
  test('S6.2 S8.3 a paused watcher later gets the latest state per subject, superseded ones skipped, while a fast watcher gets every event promptly', async () => {
    const users = ['u1003', 'u1004', 'u1005'];
    const fast = await FeedClient.signedIn(s.url, adminKey);
    const slow = await FeedClient.signedIn(s.url, adminKey);
    const from = (await fast.subscribe('t', { tenant: true })).seq as number;
    await slow.subscribe('t', { tenant: true });
    pause(slow);

    await changeUntil(users, () => s.feed.stats().slow > 0);
    change(users, 60);
    await s.engine.settled();
    const last = s.engine.position('acme')!.seq;
    await fast.event((e) => e.seq === last, 10_000);

    const fastSeqs = fast.events().map((e: Frame) => e.seq);
    expect(fastSeqs).toEqual(Array.from({ length: last - from }, (_, i) => from + 1 + i));
    expect(Math.max(...latencies(fast))).toBeLessThan(1000);

    resume(slow);
    await slow.event((e) => e.seq === last, 10_000);
    const got = slow.events();
    const seqs = got.map((e: Frame) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(got.length).toBeLessThan(last - from);
    // The frame written once it drained holds one event per subject, the latest of each.
    const catchUp = slow.frames.filter((f: Frame) => f.type === 'events').at(-1).events as Frame[];
    expect(catchUp.map((e) => e.subject).sort()).toEqual(users);
    const finalText = (u: string) =>
      fast
        .events()
        .filter((e: Frame) => e.subject === u)
        .at(-1).value.text;
    for (const e of catchUp) expect(e.value.text).toBe(finalText(e.subject));
    expect(slow.frames.some((f: Frame) => f.type === 'resync')).toBe(false);
    fast.close();
    slow.close();
  });

  test('S6.2 a paused watcher past the subject bound is told to resync and gets a fresh snapshot once it drains', async () => {
    const users = ['u1002', 'u1003', 'u1004', 'u1005', 'u1006', 'u1007', 'u1008'];
    const slow = await FeedClient.signedIn(s.url, adminKey);
    await slow.subscribe('t', { tenant: true });
    pause(slow);
    const resyncs = s.feed.stats().resyncs;
    await changeUntil(users, () => s.feed.stats().resyncs > resyncs);
    await s.engine.dispatch('acme', { type: 'status.set', userId: 'u1002', status: 'dnd', text: 'final', by: byAdmin });

    resume(slow);
    const resync = await slow.next((f) => f.type === 'resync', 10_000);
    const snap = await slow.next((f) => f.type === 'snapshot', 10_000);
    expect(snap).toMatchObject({ id: 't', resync: true, epoch: resync.epoch, seq: resync.seq });
    expect(snap.presence.find((p: Frame) => p.userId === 'u1002').manual).toMatchObject({
      status: 'dnd',
      text: 'final',
    });
    await s.engine.dispatch('acme', { type: 'status.set', userId: 'u1003', status: 'dnd', text: 'after', by: byAdmin });
    const next = await slow.event((e) => e.value.text === 'after');
    expect(next.seq).toBe(snap.seq + 1);
    slow.close();
  });
});

describe('S6.2 retention', () => {
  test('S6.2 resume works within the retained events and gets a resync snapshot past them', async () => {
    const w = await FeedClient.signedIn(s.url, adminKey);
    const snap = await w.subscribe('t', { tenant: true });
    w.close();
    await w.waitClosed();
    for (let i = 0; i < 8; i++)
      await s.engine.dispatch('acme', {
        type: 'status.set',
        userId: 'u1009',
        status: 'away',
        text: `r${i}`,
        by: byAdmin,
      });
    const last = s.engine.position('acme')!.seq;

    const tooOld = await FeedClient.signedIn(s.url, adminKey);
    const fresh = await tooOld.subscribe('t', { tenant: true }, { epoch: snap.epoch, seq: snap.seq });
    expect(fresh).toMatchObject({ type: 'snapshot', resync: true, seq: last });
    expect(fresh.presence.find((p: Frame) => p.userId === 'u1009').text).toBe('r7');

    const recent = await FeedClient.signedIn(s.url, adminKey);
    const resumed = await recent.subscribe('t', { tenant: true }, { epoch: snap.epoch, seq: last - 3 });
    expect(resumed).toMatchObject({ type: 'resumed', from: last - 3, seq: last });
    const missed = await recent.next((f) => f.type === 'events');
    expect(missed.events.map((e: Frame) => e.value.text)).toEqual(['r5', 'r6', 'r7']);
    tooOld.close();
    recent.close();
  });
});
