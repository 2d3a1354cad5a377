// The publisher without NATS: a fake JetStream client that fails when told to. Each tenant's
// batches reach the stream in commit order, a failure is retried under the same message id, one
// tenant's trouble does not hold another's batches, and what waits is bounded.
import type { JetStreamClient } from '@nats-io/jetstream';
import { describe, expect, test } from 'vitest';
import { Publisher } from '../../src/cluster/publisher.js';
import type { Outgoing } from '../../src/cluster/publisher.js';

/** A stream that stores what it is sent, and refuses the next `failures[subject]` sends of a subject. */
function fakeStream() {
  const stored: { subject: string; data: string; msgId: string }[] = [];
  const failures: Record<string, number> = {};
  let gate: Promise<void> | undefined;
  const js = {
    async publish(subject: string, data: string, opts: { msgID: string }) {
      if (subject === 'slow' && gate !== undefined) await gate;
      if ((failures[subject] ?? 0) > 0) {
        failures[subject]!--;
        throw new Error('timeout');
      }
      stored.push({ subject, data, msgId: opts.msgID });
      return { seq: stored.length, duplicate: false, stream: 'S' };
    },
  } as unknown as JetStreamClient;
  return { js, stored, failures, hold: (p: Promise<void>) => (gate = p) };
}

const out = (tenant: string, n: number): Outgoing<string> => ({
  tenant,
  subject: tenant,
  data: `${tenant}${n}`,
  msgId: `${tenant}:${n}`,
});

describe('the publisher', () => {
  test('S10.2 each tenant’s batches reach the stream in commit order, a failed one retried under its id', async () => {
    const s = fakeStream();
    const dropped: string[] = [];
    const p = new Publisher(s.js, { maxPending: 100, timeoutMs: 1000, onDropped: (o) => dropped.push(o.msgId) });
    s.failures.acme = 2;
    for (let i = 1; i <= 5; i++) {
      p.send(out('acme', i));
      p.send(out('beta', i));
    }
    await p.flush();
    const of = (t: string) => s.stored.filter((x) => x.subject === t).map((x) => x.msgId);
    expect(of('acme')).toEqual(['acme:1', 'acme:2', 'acme:3', 'acme:4', 'acme:5']);
    expect(of('beta')).toEqual(['beta:1', 'beta:2', 'beta:3', 'beta:4', 'beta:5']);
    expect(p.stats()).toEqual({ published: 10, retries: 2, dropped: 0, pending: 0, merged: 0 });
    expect(dropped).toEqual([]);
  });

  test('S8.3 one tenant waiting on the stream holds no other tenant; past the bound a batch is dropped and said', async () => {
    const s = fakeStream();
    let open!: () => void;
    s.hold(new Promise<void>((resolve) => (open = resolve)));
    const dropped: string[] = [];
    const p = new Publisher(s.js, { maxPending: 3, timeoutMs: 1000, onDropped: (o) => dropped.push(o.msgId) });
    p.send(out('slow', 1));
    p.send(out('slow', 2));
    p.send(out('fast', 1));
    p.send(out('fast', 2));
    expect(dropped).toEqual(['fast:2']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(s.stored.map((x) => x.msgId)).toEqual(['fast:1']);
    open();
    await p.flush();
    expect(s.stored.map((x) => x.msgId)).toEqual(['fast:1', 'slow:1', 'slow:2']);
    expect(p.stats()).toMatchObject({ published: 3, dropped: 1, pending: 0 });
  });

  test('S10.2 batches waiting behind one in flight go as one message; one that may not merge keeps its place', async () => {
    const s = fakeStream();
    let open!: () => void;
    s.hold(new Promise<void>((resolve) => (open = resolve)));
    const merge = (run: readonly Outgoing<string>[]): Outgoing<string> => ({
      ...run[run.length - 1]!,
      data: run.map((o) => o.data).join('+'),
      source: 'merged',
    });
    const p = new Publisher<string>(s.js, { maxPending: 100, timeoutMs: 1000, onDropped: () => {}, merge });
    const item = (n: number, mergeable = true): Outgoing<string> => ({
      ...out('slow', n),
      ...(mergeable ? { source: `b${n}` } : {}),
    });
    p.send(item(1));
    for (const n of [2, 3, 4]) p.send(item(n));
    p.send(item(5, false));
    for (const n of [6, 7]) p.send(item(n));
    expect(p.stats()).toMatchObject({ pending: 7, merged: 0 });
    open();
    await p.flush();
    expect(s.stored.map((x) => [x.data, x.msgId])).toEqual([
      ['slow1', 'slow:1'],
      ['slow2+slow3+slow4', 'slow:4'],
      ['slow5', 'slow:5'],
      ['slow6+slow7', 'slow:7'],
    ]);
    expect(p.stats()).toEqual({ published: 4, retries: 0, dropped: 0, pending: 0, merged: 3 });
  });

  test('S10.2 once closed, what could not go out is dropped and said, and nothing more is taken', async () => {
    const s = fakeStream();
    const dropped: string[] = [];
    const p = new Publisher(s.js, { maxPending: 100, timeoutMs: 1000, onDropped: (o) => dropped.push(o.msgId) });
    s.failures.acme = 1_000_000;
    p.send(out('acme', 1));
    p.send(out('acme', 2));
    await p.close(100);
    p.send(out('acme', 3));
    await p.flush();
    expect(s.stored).toEqual([]);
    expect(dropped.sort()).toEqual(['acme:1', 'acme:2', 'acme:3']);
    expect(p.stats()).toMatchObject({ published: 0, pending: 0 });
  });
});
