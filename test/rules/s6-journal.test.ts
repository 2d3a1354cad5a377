// S6.5 (which events are history) and S6.3 (which webhooks an event goes to) are the core's
// decisions: the store writes exactly the rows the core's predicates name, nothing of its own.
import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import { createTenantState, DEFAULT_POLICY, historyEntry, webhooksFor, webhookWants } from '../../src/core/index.js';
import type { Command } from '../../src/core/index.js';
import type { EngineEvent } from '../../src/engine/index.js';
import { Engine, ManualClock } from '../../src/engine/index.js';
import { SqliteStore } from '../../src/store/index.js';
import type { WebhookRow } from '../../src/store/index.js';
import { tempStores } from '../support/files.js';
import { self, T0 } from '../support/tenant.js';

const tempStore = tempStores('journal-rules');
const SECRET = 'whsec_0123456789abcdef0123456789abcdef';

/** A real store file journalled by a real engine, with three webhooks. */
async function journalled() {
  const { file } = tempStore();
  const store = new SqliteStore(file);
  await store.createTenant(
    { id: 't1', name: 'T', sipDomain: 't1.test', policy: DEFAULT_POLICY, epoch: 'e1', seq: 0 },
    T0,
  );
  const hooks: WebhookRow[] = [
    { tenant: 't1', id: 'wh_all', url: 'https://a.example.com/', secret: SECRET, events: [], createdAt: T0 },
    {
      tenant: 't1',
      id: 'wh_agent',
      url: 'https://b.example.com/',
      secret: SECRET,
      events: ['agent.changed'],
      createdAt: T0,
    },
    {
      tenant: 't1',
      id: 'wh_missed',
      url: 'https://c.example.com/',
      secret: SECRET,
      events: ['call.missed', 'presence.changed'],
      createdAt: T0,
    },
  ];
  for (const h of hooks) await store.createWebhook(h);
  const clock = new ManualClock(T0);
  let outboxRows = 0;
  const engine = new Engine({
    clock,
    journal: { commit: async (batch) => void (outboxRows += (await store.commit(batch)).outboxRows) },
  });
  engine.addTenant(createTenantState('t1'), { epoch: 'e1', seq: 0 });
  const events: EngineEvent[] = [];
  engine.listen({ onApplied: (e) => events.push(...e) });
  const run = async (command: Command) => {
    const out = await engine.dispatch('t1', command);
    if (!out.ok) throw new Error(`${out.code}: ${out.message}`);
  };
  for (const id of ['ann', 'bob'])
    await run({ type: 'user.upsert', user: { id, extension: id === 'ann' ? '1001' : '1002', name: id } });
  await run({ type: 'queue.upsert', queue: { id: 'q1', name: 'Q', agents: ['ann'] } });
  await run({ type: 'registration.set', userId: 'ann', id: 'phone', kind: 'terminal', expiresAt: T0 + 3_600_000 });
  // An incoming call ringing changes only an indicator (S1.2): a presence event, but no history.
  await run({ type: 'leg.update', userId: 'ann', legId: 'L1', direction: 'in', state: 'ringing' });
  await run({ type: 'agent.command', userId: 'ann', action: 'login', queueId: 'q1', by: self('ann') });
  await run({
    type: 'agent.command',
    userId: 'ann',
    action: 'not_ready',
    reason: 'lunch',
    queueId: 'q1',
    by: self('ann'),
  });
  return { file, store, hooks, events, outboxRows: () => outboxRows };
}

describe('S6.5 history is chosen by the core', () => {
  test("S6.5 the history the store keeps is exactly the core's historyEntry of each committed event", async () => {
    const { store, events } = await journalled();
    for (const user of ['ann', 'bob']) {
      const expected = events
        .filter((e) => e.subject === user)
        .map(historyEntry)
        .filter((h) => h !== undefined);
      expect(await store.history('t1', user, 0, Number.MAX_SAFE_INTEGER)).toEqual(expected);
    }
    const ringing = events.find((e) => e.type === 'presence.changed' && e.value.indicators.ringing);
    expect(ringing).toBeDefined();
    expect(historyEntry(ringing!)).toBeUndefined();
    expect(events.some((e) => e.type === 'queue.changed')).toBe(true);
    expect(events.filter((e) => e.type === 'queue.changed').every((e) => historyEntry(e) === undefined)).toBe(true);
    expect(
      (await store.history('t1', 'ann', 0, Number.MAX_SAFE_INTEGER)).map((h) => [h.kind, h.value, h.reason]),
    ).toEqual([
      ['status', 'offline', null],
      ['status', 'online', null],
      // A new reason is a change of its own (S6.5: agent state changes with their reasons).
      ['agent', 'not_ready', null],
      ['agent', 'not_ready', 'lunch'],
    ]);
    store.close();
  });
});

describe('S6.3 webhook fan-out is chosen by the core', () => {
  test("S6.3 each webhook's outbox holds exactly the events webhooksFor gives it, in order", async () => {
    const { file, store, hooks, events, outboxRows } = await journalled();
    const db = new Database(file, { readonly: true });
    const rows = db.prepare('SELECT webhook_id AS hook, body FROM outbox ORDER BY id').all() as {
      hook: string;
      body: string;
    }[];
    db.close();
    for (const h of hooks) {
      const expected = events.filter((e) => webhooksFor(e, hooks).includes(h)).map((e) => e.seq);
      expect(rows.filter((r) => r.hook === h.id).map((r) => (JSON.parse(r.body) as EngineEvent).seq)).toEqual(expected);
    }
    expect(outboxRows()).toBe(rows.length);
    expect(rows.filter((r) => r.hook === 'wh_agent').length).toBe(
      events.filter((e) => e.type === 'agent.changed').length,
    );
    store.close();
  });

  test('S6.3 a webhook with no event list wants every type; a list wants only its types', () => {
    for (const type of ['presence.changed', 'agent.changed', 'queue.changed', 'call.missed'] as const) {
      expect(webhookWants({ events: [] }, type)).toBe(true);
      expect(webhookWants({ events: ['agent.changed'] }, type)).toBe(type === 'agent.changed');
    }
  });
});
