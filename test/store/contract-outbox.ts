// The store contract, part two: the webhook outbox (S6.3). Rows are written in the commit of their
// event, handed out one head per (webhook, subject) line so a subject's events go in order, retried
// at the time the dispatcher asks, and logged per attempt.
import { expect, test } from 'vitest';
import { DEFAULT_POLICY } from '../../src/core/index.js';
import type { WebhookRow } from '../../src/store/index.js';
import { T0 } from '../support/tenant.js';
import { eventsOf, recorder, self } from './batches.js';
import type { Fresh } from './contract.js';

const hook = (id: string, events: string[] = []): WebhookRow => ({
  tenant: 't1',
  id,
  url: `https://hooks.example/${id}`,
  secret: `secret-${id}`,
  events,
  createdAt: T0,
});

export function outboxContract(fresh: () => Promise<Fresh>): void {
  test('S6.3 the commit that keeps an event writes its outbox rows: one per webhook that asks for its type', async () => {
    const { store } = await fresh();
    await store.createTenant(
      { id: 't1', name: 'T', sipDomain: 't1.example', policy: DEFAULT_POLICY, epoch: 'e1', seq: 0 },
      T0,
    );
    const rec = recorder([{ id: 't1' }]);
    await store.createWebhook(hook('all'));
    await store.createWebhook(hook('agents', ['agent.changed']));
    const batch = await rec.apply(
      't1',
      { type: 'user.upsert', user: { id: 'ann', extension: '1001', name: 'Ann' } },
      { type: 'queue.upsert', queue: { id: 'q1', name: 'Sales', agents: ['ann'] } },
      { type: 'agent.command', userId: 'ann', queueId: 'q1', action: 'login', by: self('ann') },
    );
    const events = eventsOf(batch);
    const agentEvents = events.filter((e) => e.type === 'agent.changed');
    expect(agentEvents.length).toBeGreaterThan(0);
    expect(await store.commit(batch)).toEqual({ outboxRows: events.length + agentEvents.length });
    // The body is the event's JSON; per line only the oldest is due.
    const due = await store.dueOutbox(T0, 1000);
    const lines = new Set(events.map((e) => e.subject));
    expect(due.filter((r) => r.webhookId === 'all').map((r) => JSON.parse(r.body))).toEqual(
      [...lines].map((s) => events.find((e) => e.subject === s)),
    );
    expect(due.every((r) => r.state === 'pending' && r.attempts === 0 && r.tenant === 't1')).toBe(true);

    // A deleted webhook's undelivered events are dropped, and later events are not written for it.
    expect(await store.deleteWebhook('t1', 'all')).toBe(true);
    expect((await store.dueOutbox(T0, 1000)).every((r) => r.webhookId === 'agents')).toBe(true);
    const later = await rec.apply('t1', { type: 'status.set', userId: 'ann', status: 'dnd', by: self('ann') });
    expect(await store.commit(later)).toEqual({
      outboxRows: eventsOf(later).filter((e) => e.type === 'agent.changed').length,
    });
  });

  test('S10.2 S6.3 asked for some tenants (the ones a node owns), the outbox hands out and times their rows only', async () => {
    const { store } = await fresh();
    await store.enqueue('t1', 'w1', 'ann', 'one', T0 + 5);
    await store.enqueue('t2', 'w2', 'bob', 'two', T0 + 3);
    expect((await store.dueOutbox(T0 + 10, 10)).map((r) => r.body)).toEqual(['one', 'two']);
    expect((await store.dueOutbox(T0 + 10, 10, ['t1'])).map((r) => r.body)).toEqual(['one']);
    expect((await store.dueOutbox(T0 + 10, 10, ['t2', 't3'])).map((r) => r.body)).toEqual(['two']);
    expect(await store.dueOutbox(T0 + 10, 10, [])).toEqual([]);
    expect(await store.nextOutboxAt()).toBe(T0 + 3);
    expect(await store.nextOutboxAt(['t1'])).toBe(T0 + 5);
    expect(await store.nextOutboxAt([])).toBeUndefined();
  });

  test('S6.3 in order per subject: a later event of a subject waits until the earlier one is delivered or given up', async () => {
    const { store } = await fresh();
    const a1 = await store.enqueue('t1', 'w1', 'ann', 'a1', T0);
    const a2 = await store.enqueue('t1', 'w1', 'ann', 'a2', T0 + 1);
    const b1 = await store.enqueue('t1', 'w1', 'bob', 'b1', T0 + 2);
    const a3 = await store.enqueue('t1', 'w1', 'ann', 'a3', T0 + 3);
    // Another webhook's line for the same subject is a line of its own.
    const c1 = await store.enqueue('t1', 'w2', 'ann', 'c1', T0 + 4);
    const ids = async (now: number) => (await store.dueOutbox(now, 100)).map((r) => r.id);
    expect(await ids(T0 + 10)).toEqual([a1, b1, c1]);
    expect(await ids(T0)).toEqual([a1]);
    expect(await store.nextOutboxAt()).toBe(T0);
    expect((await store.dueOutbox(T0 + 10, 1)).map((r) => r.id)).toEqual([a1]);

    // A failed attempt is retried when asked; its line waits behind it.
    await store.markFailed(a1, T0 + 10, 500, 'HTTP 500', T0 + 1010, 7);
    expect(await ids(T0 + 10)).toEqual([b1, c1]);
    await store.markDelivered(b1, T0 + 11, 204, 3);
    await store.markDelivered(c1, T0 + 11, 200, 3);
    expect(await store.nextOutboxAt()).toBe(T0 + 1010);
    expect(await ids(T0 + 1009)).toEqual([]);
    const retry = await store.dueOutbox(T0 + 1010, 100);
    expect(retry).toEqual([
      {
        id: a1,
        tenant: 't1',
        webhookId: 'w1',
        subject: 'ann',
        body: 'a1',
        attempts: 1,
        nextAt: T0 + 1010,
        state: 'pending',
      },
    ]);

    // Delivered: the next of the line is due at once.
    await store.markDelivered(a1, T0 + 1020, 200, 5);
    expect(await ids(T0 + 1020)).toEqual([a2]);
    expect(await store.nextOutboxAt()).toBeLessThanOrEqual(T0 + 1020);
    // Given up (no next time): the next of the line is due at once too.
    await store.markFailed(a2, T0 + 1030, null, 'refused', null, 0);
    expect(await ids(T0 + 1030)).toEqual([a3]);
    await store.markDelivered(a3, T0 + 1040, 200, 1);
    expect(await ids(T0 + 10_000)).toEqual([]);
    expect(await store.nextOutboxAt()).toBeUndefined();

    // Every attempt is in the webhook's delivery log, newest first.
    const log = await store.deliveries('t1', 'w1', 10);
    expect(log.map((d) => [d.outboxId, d.at, d.status, d.error, d.durationMs])).toEqual([
      [a3, T0 + 1040, 200, null, 1],
      [a2, T0 + 1030, null, 'refused', 0],
      [a1, T0 + 1020, 200, null, 5],
      [b1, T0 + 11, 204, null, 3],
      [a1, T0 + 10, 500, 'HTTP 500', 7],
    ]);
    expect(log.every((d) => d.webhookId === 'w1')).toBe(true);
    expect((await store.deliveries('t1', 'w1', 2)).map((d) => d.outboxId)).toEqual([a3, a2]);
    expect((await store.deliveries('t1', 'w2', 10)).map((d) => d.outboxId)).toEqual([c1]);
    expect(await store.deliveries('t2', 'w1', 10)).toEqual([]);
  });

  test("S6.3 S8.3 lines are per tenant: one tenant's backlog on a subject does not hold another tenant's", async () => {
    const { store } = await fresh();
    const x1 = await store.enqueue('t1', 'w1', 'ann', 'x1', T0);
    await store.enqueue('t1', 'w1', 'ann', 'x2', T0);
    const y1 = await store.enqueue('t2', 'w1', 'ann', 'y1', T0);
    expect((await store.dueOutbox(T0, 10)).map((r) => r.id)).toEqual([x1, y1]);
  });
}
