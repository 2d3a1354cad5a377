// What the PostgreSQL commit (one statement per batch, swb_commit) must keep when several nodes
// share the database: a stale fence changes nothing (S10.4), and a webhook another node added or
// removed after this node cached the tenant's webhooks is honoured by the very next commit (S6.3).
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, test } from 'vitest';
import { FencedError } from '../../src/store/index.js';
import { PostgresStore } from '../../src/store/postgres.js';
import type { WebhookRow } from '../../src/store/index.js';
import { tempDatabases } from '../support/postgres.js';
import { T0 } from '../support/tenant.js';
import { eventsOf, recorder, self } from './batches.js';
import { tenantRow } from './contract.js';

const tempDatabase = tempDatabases();
const open: PostgresStore[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

/** Two stores (two nodes) on one new database holding tenant t1 and its user ann. */
async function twoNodes() {
  const url = await tempDatabase();
  const secretKey = randomBytes(32);
  const a = await PostgresStore.open(url, { secretKey, poolSize: 2 });
  const b = await PostgresStore.open(url, { secretKey, poolSize: 2 });
  open.push(a, b);
  await a.createTenant(tenantRow('t1'), T0);
  const rec = recorder([{ id: 't1' }]);
  await a.commit(await rec.apply('t1', { type: 'user.upsert', user: { id: 'ann', extension: '1001', name: 'Ann' } }));
  return { a, b, rec };
}

const dnd = { type: 'status.set', userId: 'ann', status: 'dnd', by: self('ann') } as const;
const away = { type: 'status.set', userId: 'ann', status: 'away', by: self('ann') } as const;

const hook = (id: string): WebhookRow => ({
  tenant: 't1',
  id,
  url: `https://hooks.example/${id}`,
  secret: `secret-${id}`,
  events: ['presence.changed'],
  createdAt: T0,
});

describe('PostgreSQL commit in one statement', () => {
  test('S10.4 a batch under a fence that is no longer the lease’s is refused whole; the new owner’s commits', async () => {
    const { a, b, rec } = await twoNodes();
    const old = await a.leases.acquire('t1', 'n1', 1);
    expect(old).toBeDefined();
    await new Promise((r) => setTimeout(r, 20));
    const taken = await b.leases.acquire('t1', 'n2', 60_000);
    expect(taken!.fence).toBeGreaterThan(old!.fence);

    const late = await rec.apply('t1', dnd);
    const { epoch, seq } = eventsOf(late)[0]!;
    const refusal = await a.commit(late, { fences: new Map([['t1', old!.fence]]) }).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(FencedError);
    expect(refusal).toMatchObject({ tenant: 't1', fence: old!.fence, current: taken!.fence });
    expect(await b.events('t1', epoch, seq - 1, 100)).toEqual([]);
    expect((await b.loadTenant('t1'))!.state.users.get('ann')!.manual?.status).toBeUndefined();

    // A tenant with no fence at all cannot commit either.
    await expect(a.commit(late, { fences: new Map() })).rejects.toBeInstanceOf(FencedError);

    await b.commit(late, { fences: new Map([['t1', taken!.fence]]) });
    expect((await a.events('t1', epoch, seq - 1, 100)).length).toBe(eventsOf(late).length);
  });

  test('S8.2 S10.4 batches of many tenants committed at once go in shared transactions; a stale fence refuses its tenant’s batch only', async () => {
    const url = await tempDatabase();
    const store = await PostgresStore.open(url, { secretKey: randomBytes(32), poolSize: 2 });
    open.push(store);
    const ids = Array.from({ length: 12 }, (_, i) => `t${i}`);
    for (const id of ids) await store.createTenant(tenantRow(id), T0);
    const rec = recorder(ids.map((id) => ({ id })));
    const fences = new Map<string, number>();
    for (const id of ids) fences.set(id, (await store.leases.acquire(id, 'n1', 60_000))!.fence);
    const stale = new Map(fences).set('t3', fences.get('t3')! - 1);
    const batches = [];
    for (const id of ids)
      batches.push(
        await rec.apply(id, { type: 'user.upsert', user: { id: 'ann', extension: '1001', name: `Ann ${id}` } }),
      );
    const outcomes = await Promise.allSettled(batches.map((b) => store.commit(b, { fences: stale })));
    expect(outcomes.map((o) => o.status)).toEqual(ids.map((id) => (id === 't3' ? 'rejected' : 'fulfilled')));
    expect((outcomes[3] as PromiseRejectedResult).reason).toBeInstanceOf(FencedError);
    for (const id of ids) {
      const loaded = await store.loadTenant(id);
      expect(loaded!.state.users.get('ann')?.name).toBe(id === 't3' ? undefined : `Ann ${id}`);
    }
  });

  test('S6.3 S10.2 a webhook another node adds or removes is honoured by the next commit of a node that cached the old list', async () => {
    const { a, b, rec } = await twoNodes();
    // a has read t1's webhooks (none) on its first commit; b adds one.
    await b.createWebhook(hook('w1'));
    expect(await a.commit(await rec.apply('t1', dnd))).toEqual({ outboxRows: 1 });
    await b.createWebhook(hook('w2'));
    expect(await a.commit(await rec.apply('t1', away))).toEqual({ outboxRows: 2 });
    expect(await b.deleteWebhook('t1', 'w1')).toBe(true);
    expect(await a.commit(await rec.apply('t1', dnd))).toEqual({ outboxRows: 1 });

    const rows = await b.dueOutbox(T0 + 60_000, 100);
    expect(rows.map((r) => r.webhookId).sort()).toEqual(['w2']);
  });
});
