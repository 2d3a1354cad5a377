// The store contract: what every adapter of the Store port (src/store/port.ts) must do, whatever
// keeps the data. Every call is awaited, so the suite holds when the port becomes asynchronous (a
// networked adapter). Batches are real: an engine on a manual clock makes them (batches.ts).
import { afterEach, describe, expect, test } from 'vitest';
import { DEFAULT_POLICY } from '../../src/core/index.js';
import type { TenantId } from '../../src/core/index.js';
import type { ApiKeyRow, SipStateRow, Store, TenantRow, WebhookRow } from '../../src/store/index.js';
import { T0 } from '../support/tenant.js';
import { eventsOf, recorder, self } from './batches.js';
import { codecContract } from './contract-codec.js';
import type { RawRows } from './contract-codec.js';
import { callsContract } from './contract-calls.js';
import { outboxContract } from './contract-outbox.js';

/** Opens a Store over one place's data; called again after close, it opens the same data. */
export type OpenStore = () => Store | Promise<Store>;
/** Makes a fresh, empty place (a new file, a new database) and answers how to open it. */
export type MakeStore = () => OpenStore | Promise<OpenStore>;

export interface Fresh {
  readonly store: Store;
  /** Closes the store and opens the same data again. */
  reopen(): Promise<Store>;
}

export const tenantRow = (id: TenantId, sipDomain = `${id}.example`): TenantRow => ({
  id,
  name: `Tenant ${id}`,
  sipDomain,
  policy: DEFAULT_POLICY,
  epoch: 'e1',
  seq: 0,
});

/** Opened stores are closed after each test, whatever it did. */
export function freshStores(makeStore: MakeStore): () => Promise<Fresh> {
  let open: Store[] = [];
  afterEach(async () => {
    for (const s of open) await s.close();
    open = [];
  });
  return async () => {
    const opener = await makeStore();
    let current = await opener();
    open.push(current);
    return {
      store: current,
      async reopen() {
        open = open.filter((s) => s !== current);
        await current.close();
        current = await opener();
        open.push(current);
        return current;
      },
    };
  };
}

/** A store with tenants t1 and t2 created, and an engine holding both. */
async function twoTenants(fresh: () => Promise<Fresh>) {
  const f = await fresh();
  await f.store.createTenant(tenantRow('t1'), T0);
  await f.store.createTenant(tenantRow('t2'), T0 + 1);
  return { ...f, rec: recorder([{ id: 't1' }, { id: 't2' }]) };
}

const ann = { id: 'ann', extension: '1001', name: 'Ann' };
const bob = { id: 'bob', extension: '1002', name: 'Bob' };

/** What an adapter may give besides its factory: raw access to its state rows (contract-codec.ts). */
export interface ContractOptions {
  readonly raw?: (store: Store) => RawRows;
}

/**
 * Runs the contract on an adapter: `makeStore` makes a fresh, empty place each test (a temporary
 * file, a new schema in a PostgreSQL database) and answers how to open it.
 */
export function storeContract(name: string, makeStore: MakeStore, options: ContractOptions = {}): void {
  describe(`Store contract: ${name}`, () => {
    const fresh = freshStores(makeStore);

    test('S8.2 a new place opens empty and usable: no tenants, no SIP state, nothing in the outbox', async () => {
      const { store } = await fresh();
      expect(await store.tenants()).toEqual([]);
      expect(await store.sipState()).toEqual([]);
      expect(await store.dueOutbox(T0, 10)).toEqual([]);
      expect(await store.nextOutboxAt()).toBeUndefined();
      expect(await store.loadTenant('t1')).toBeUndefined();
      expect(await store.token('nope')).toBeUndefined();
      expect(await store.apiKey('nope')).toBeUndefined();
    });

    test('S5.2 tenants: listed in creation order, found by SIP domain in any case, one tenant per SIP domain', async () => {
      const { store } = await fresh();
      await store.createTenant(tenantRow('t2', 'b.example'), T0);
      await store.createTenant(tenantRow('t1', 'a.example'), T0 + 1);
      expect((await store.tenants()).map((t) => t.id)).toEqual(['t2', 't1']);
      expect(await store.tenantBySipDomain('A.Example')).toEqual(tenantRow('t1', 'a.example'));
      expect(await store.tenantBySipDomain('c.example')).toBeUndefined();
      await expect(
        Promise.resolve().then(() => store.createTenant(tenantRow('t3', 'a.example'), T0 + 2)),
      ).rejects.toThrow();
      expect((await store.tenants()).map((t) => t.id)).toEqual(['t2', 't1']);
      const loaded = await store.loadTenant('t1');
      expect(loaded?.row).toEqual(tenantRow('t1', 'a.example'));
      expect(loaded?.state.users.size).toBe(0);
      expect(loaded?.state.policy).toEqual(DEFAULT_POLICY);
    });

    test('S8.2 a committed batch loads back as the engine state: users, groups, queues, policy and the last seq', async () => {
      const { store, rec } = await twoTenants(fresh);
      const batch = await rec.apply(
        't1',
        { type: 'user.upsert', user: ann },
        { type: 'user.upsert', user: bob },
        { type: 'group.upsert', group: { id: 'g1', name: 'Desk', extension: '600', members: ['ann', 'bob'] } },
        { type: 'queue.upsert', queue: { id: 'q1', name: 'Sales', extension: '501', agents: ['ann'] } },
        { type: 'tenant.policy', policy: { idleAfterSec: 300, timezone: 'Europe/Berlin' } },
        { type: 'status.set', userId: 'bob', status: 'dnd', text: 'focus', by: self('bob') },
      );
      await store.commit(batch);
      const loaded = (await store.loadTenant('t1'))!;
      const want = rec.state('t1');
      expect(loaded.state.users).toEqual(want.users);
      expect(loaded.state.groups).toEqual(want.groups);
      expect(loaded.state.queues).toEqual(want.queues);
      expect(loaded.state.policy).toEqual(want.policy);
      expect(loaded.state.policy.idleAfterSec).toBe(300);
      expect(loaded.row.policy).toEqual(want.policy);
      expect(loaded.state.byExtension.get('1002')).toBe('bob');
      const events = eventsOf(batch);
      expect(loaded.row.seq).toBe(events.at(-1)!.seq);
      // S5.2: the other tenant saw none of it.
      const other = (await store.loadTenant('t2'))!;
      expect([other.state.users.size, other.state.groups.size, other.state.queues.size, other.row.seq]).toEqual([
        0, 0, 0, 0,
      ]);
    });

    test('S8.2 removals commit: a removed user, group and queue are gone when the tenant is loaded', async () => {
      const { store, rec } = await twoTenants(fresh);
      await store.commit(
        await rec.apply(
          't1',
          { type: 'user.upsert', user: ann },
          { type: 'user.upsert', user: bob },
          { type: 'group.upsert', group: { id: 'g1', name: 'Desk', members: ['ann'] } },
          { type: 'queue.upsert', queue: { id: 'q1', name: 'Sales', agents: ['bob'] } },
        ),
      );
      await store.commit(
        await rec.apply(
          't1',
          { type: 'group.remove', groupId: 'g1' },
          { type: 'queue.remove', queueId: 'q1' },
          { type: 'user.remove', userId: 'bob' },
        ),
      );
      const loaded = (await store.loadTenant('t1'))!;
      expect([...loaded.state.users.keys()]).toEqual(['ann']);
      expect(loaded.state.groups.size).toBe(0);
      expect(loaded.state.queues.size).toBe(0);
      expect(loaded.state.users).toEqual(rec.state('t1').users);
      // The extension is free again: another user may take it.
      await store.commit(
        await rec.apply('t1', { type: 'user.upsert', user: { id: 'cy', extension: '1002', name: 'Cy' } }),
      );
      expect((await store.loadTenant('t1'))!.state.byExtension.get('1002')).toBe('cy');
    });

    test('S6.1 S6.2 events are kept by (tenant, epoch, seq): read back in seq order, resumed after a seq, paged by limit', async () => {
      const { store, rec } = await twoTenants(fresh);
      const first = await rec.apply('t1', { type: 'user.upsert', user: ann }, { type: 'user.upsert', user: bob });
      const second = await rec.apply('t1', { type: 'status.set', userId: 'ann', status: 'dnd', by: self('ann') });
      await store.commit(first);
      await store.commit(second);
      await store.commit(await rec.apply('t2', { type: 'user.upsert', user: ann }));
      const all = [...eventsOf(first), ...eventsOf(second)];
      expect(all.length).toBeGreaterThanOrEqual(3);
      // S6.1: seq rises by one per tenant per event.
      expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
      expect(await store.events('t1', 'e1', 0, 1000)).toEqual(all);
      expect(await store.events('t1', 'e1', 1, 2)).toEqual(all.slice(1, 3));
      expect(await store.events('t1', 'e1', all.length, 10)).toEqual([]);
      // Another epoch is another sequence; another tenant's events are its own.
      expect(await store.events('t1', 'e0', 0, 10)).toEqual([]);
      expect((await store.events('t2', 'e1', 0, 10)).every((e) => e.tenant === 't2')).toBe(true);
      expect((await store.tenants()).map((t) => [t.id, t.seq])).toEqual([
        ['t1', all.length],
        ['t2', (await store.events('t2', 'e1', 0, 10)).length],
      ]);
    });

    test('S6.5 S5.3 history keeps every effective status and agent state change with its time and cause', async () => {
      const { store, rec } = await twoTenants(fresh);
      await store.commit(
        await rec.apply(
          't1',
          { type: 'user.upsert', user: ann },
          { type: 'registration.set', userId: 'ann', id: 'app', kind: 'app', expiresAt: T0 + 86_400_000 },
          { type: 'queue.upsert', queue: { id: 'q1', name: 'Sales', agents: ['ann'] } },
        ),
      );
      rec.clock.advance(60_000);
      await store.commit(
        await rec.apply('t1', { type: 'status.set', userId: 'ann', status: 'dnd', text: 'focus', by: self('ann') }),
      );
      rec.clock.advance(60_000);
      await store.commit(
        await rec.apply('t1', {
          type: 'agent.command',
          userId: 'ann',
          queueId: 'q1',
          action: 'login',
          by: self('ann'),
        }),
      );
      rec.clock.advance(60_000);
      await store.commit(await rec.apply('t1', { type: 'status.clear', userId: 'ann', by: self('ann') }));

      const rows = await store.history('t1', 'ann', 0, T0 + 3_600_000);
      const dnd = rows.find((r) => r.kind === 'status' && r.value === 'dnd');
      expect(dnd).toEqual({
        userId: 'ann',
        at: T0 + 60_000,
        kind: 'status',
        queueId: null,
        value: 'dnd',
        reason: 'focus',
        cause: 'self',
      });
      const agent = rows.filter((r) => r.kind === 'agent');
      expect(agent.length).toBeGreaterThan(0);
      expect(agent.every((r) => r.queueId === 'q1' && r.at === T0 + 120_000 && r.cause === 'self')).toBe(true);
      expect(rows.map((r) => r.at)).toEqual([...rows.map((r) => r.at)].sort((a, b) => a - b));
      expect(rows.at(-1)).toMatchObject({ kind: 'status', at: T0 + 180_000 });
      // The range is [from, to).
      expect((await store.history('t1', 'ann', T0 + 60_000, T0 + 120_000)).map((r) => r.value)).toEqual(['dnd']);
      expect(await store.history('t2', 'ann', 0, T0 + 3_600_000)).toEqual([]);
      // S6.5: the status in force at `from` is the last one before it.
      expect((await store.statusBefore('t1', 'ann', T0 + 120_000))?.value).toBe('dnd');
      expect((await store.statusBefore('t1', 'ann', T0 + 60_000))?.value).not.toBe('dnd');
      expect(await store.statusBefore('t1', 'ann', T0 - 1)).toBeUndefined();
    });

    test('S5.4 credentials merge per field, email is found in any case, and a removed user takes theirs along', async () => {
      const { store, rec } = await twoTenants(fresh);
      await store.commit(await rec.apply('t1', { type: 'user.upsert', user: ann }, { type: 'user.upsert', user: bob }));
      await store.setCredentials('t1', 'ann', { email: 'Ann@Example.com', passwordHash: 'argon-ann' });
      await store.setCredentials('t1', 'ann', { sipHa1: 'ha1-ann' });
      await store.setCredentials('t1', 'bob', { email: 'bob@example.com', terminalHa1: 'term-bob' });
      expect(await store.credentials('t1', 'ann')).toEqual({
        email: 'ann@example.com',
        passwordHash: 'argon-ann',
        sipHa1: 'ha1-ann',
        terminalHa1: null,
      });
      expect(await store.userIdByEmail('t1', 'ANN@example.COM')).toBe('ann');
      // The whole tenant at once, for the accounts layer's index.
      expect(await store.allCredentials('t1')).toEqual(
        new Map([
          ['ann', { email: 'ann@example.com', passwordHash: 'argon-ann', sipHa1: 'ha1-ann', terminalHa1: null }],
          ['bob', { email: 'bob@example.com', passwordHash: null, sipHa1: null, terminalHa1: 'term-bob' }],
        ]),
      );
      expect(await store.allCredentials('t2')).toEqual(new Map());
      expect(await store.userIdByEmail('t2', 'ann@example.com')).toBeUndefined();
      expect(await store.credentials('t2', 'ann')).toBeUndefined();
      await store.setCredentials('t1', 'ann', { passwordHash: null });
      expect((await store.credentials('t1', 'ann'))?.passwordHash).toBeNull();

      await store.commit(await rec.apply('t1', { type: 'user.remove', userId: 'bob' }));
      expect(await store.credentials('t1', 'bob')).toBeUndefined();
      expect(await store.userIdByEmail('t1', 'bob@example.com')).toBeUndefined();
      expect((await store.credentials('t1', 'ann'))?.sipHa1).toBe('ha1-ann');
    });

    test("S5.4 sign-in tokens: saved, found by hash, ended one by one or all of a user but one; a removed user's are gone", async () => {
      const { store, rec } = await twoTenants(fresh);
      await store.commit(await rec.apply('t1', { type: 'user.upsert', user: ann }, { type: 'user.upsert', user: bob }));
      await store.commit(await rec.apply('t2', { type: 'user.upsert', user: bob }));
      for (const h of ['a1', 'a2', 'a3']) await store.saveToken(h, 't1', 'ann', T0 + 3_600_000);
      await store.saveToken('b1', 't1', 'bob', T0 + 60_000);
      await store.saveToken('b2', 't2', 'bob', T0 + 60_000);
      expect(await store.token('a1')).toEqual({ tenant: 't1', userId: 'ann', expiresAt: T0 + 3_600_000 });
      // A tenant's sign-ins at once, for the accounts layer's index: its own only.
      expect(await store.tokens('t1')).toEqual([
        { hash: 'a1', userId: 'ann', expiresAt: T0 + 3_600_000 },
        { hash: 'a2', userId: 'ann', expiresAt: T0 + 3_600_000 },
        { hash: 'a3', userId: 'ann', expiresAt: T0 + 3_600_000 },
        { hash: 'b1', userId: 'bob', expiresAt: T0 + 60_000 },
      ]);

      // A password change ends all but the sign-in that made it.
      await store.deleteTokens('t1', 'ann', 'a2');
      expect([await store.token('a1'), await store.token('a3')]).toEqual([undefined, undefined]);
      expect(await store.token('a2')).toBeDefined();
      // A role change ends them all.
      await store.deleteTokens('t1', 'ann');
      expect(await store.token('a2')).toBeUndefined();

      await store.commit(await rec.apply('t1', { type: 'user.remove', userId: 'bob' }));
      expect(await store.token('b1')).toBeUndefined();
      // The other tenant's bob is another user.
      expect(await store.token('b2')).toEqual({ tenant: 't2', userId: 'bob', expiresAt: T0 + 60_000 });
      await store.deleteToken('b2');
      expect(await store.token('b2')).toBeUndefined();
    });

    test('S5.1 S5.2 API keys: found by id, listed per tenant oldest first, deleted only by their own tenant', async () => {
      const { store } = await twoTenants(fresh);
      const key = (id: string, tenant: TenantId, createdAt: number): ApiKeyRow => ({
        id,
        tenant,
        name: `key ${id}`,
        role: 'admin',
        secretHash: `sha-${id}`,
        createdAt,
      });
      await store.createApiKey(key('k2', 't1', T0 + 2));
      await store.createApiKey(key('k1', 't1', T0 + 1));
      await store.createApiKey(key('k3', 't2', T0));
      expect(await store.apiKey('k1')).toEqual(key('k1', 't1', T0 + 1));
      expect((await store.apiKeys('t1')).map((k) => k.id)).toEqual(['k1', 'k2']);
      expect(await store.deleteApiKey('t2', 'k1')).toBe(false);
      expect(await store.apiKey('k1')).toBeDefined();
      expect(await store.deleteApiKey('t1', 'k1')).toBe(true);
      expect(await store.deleteApiKey('t1', 'k1')).toBe(false);
      expect((await store.apiKeys('t1')).map((k) => k.id)).toEqual(['k2']);
      expect((await store.apiKeys('t2')).map((k) => k.id)).toEqual(['k3']);
    });

    test('S6.3 S5.4 webhooks: the secret comes back as given, per tenant, and a deleted webhook is gone', async () => {
      const { store } = await twoTenants(fresh);
      const hook: WebhookRow = {
        tenant: 't1',
        id: 'w1',
        url: 'https://hooks.example/in',
        secret: 's3cret-ünïcode',
        events: ['presence.changed'],
        createdAt: T0,
      };
      await store.createWebhook(hook);
      await store.createWebhook({ ...hook, id: 'w0', events: [], createdAt: T0 + 1 });
      expect(await store.webhooks('t1')).toEqual([hook, { ...hook, id: 'w0', events: [], createdAt: T0 + 1 }]);
      expect(await store.webhooks('t2')).toEqual([]);
      expect(await store.deleteWebhook('t2', 'w1')).toBe(false);
      expect(await store.deleteWebhook('t1', 'w1')).toBe(true);
      expect(await store.deleteWebhook('t1', 'w1')).toBe(false);
      expect((await store.webhooks('t1')).map((w) => w.id)).toEqual(['w0']);
    });

    outboxContract(fresh);
    callsContract(fresh);
    codecContract(fresh, options.raw);

    test('S7.1 S8.2 SIP state: puts and deletes in one call, a put replaces the row of its (kind, key)', async () => {
      const { store } = await fresh();
      const row = (kind: SipStateRow['kind'], key: string, expiresAt: number, data: string): SipStateRow => ({
        kind,
        key,
        tenant: 't1',
        expiresAt,
        data,
      });
      const sorted = (rows: readonly SipStateRow[]) =>
        [...rows].sort((a, b) => (a.kind + a.key < b.kind + b.key ? -1 : 1));
      await store.saveSipState(
        [
          row('binding', 'k1', T0 + 1, '{"a":1}'),
          row('subscription', 'k1', T0 + 2, '{"s":1}'),
          row('publication', 'p1', T0 + 3, '{"p":1}'),
        ],
        [],
      );
      expect(sorted(await store.sipState())).toEqual([
        row('binding', 'k1', T0 + 1, '{"a":1}'),
        row('publication', 'p1', T0 + 3, '{"p":1}'),
        row('subscription', 'k1', T0 + 2, '{"s":1}'),
      ]);
      await store.saveSipState(
        [row('binding', 'k1', T0 + 9, '{"a":2}')],
        [
          { kind: 'subscription', key: 'k1' },
          { kind: 'binding', key: 'absent' },
        ],
      );
      expect(sorted(await store.sipState())).toEqual([
        row('binding', 'k1', T0 + 9, '{"a":2}'),
        row('publication', 'p1', T0 + 3, '{"p":1}'),
      ]);
      // Expired rows are kept: the SIP server decides what they mean.
      await store.saveSipState([row('binding', 'old', 1, '{}')], []);
      expect((await store.sipState()).some((r) => r.key === 'old')).toBe(true);
    });

    test('S8.2 closed and opened again, the store has everything it had: tenants, state, events, tokens, keys, webhooks, outbox, SIP state', async () => {
      const f = await twoTenants(fresh);
      let store = f.store;
      const batch = await f.rec.apply(
        't1',
        { type: 'user.upsert', user: ann },
        { type: 'group.upsert', group: { id: 'g1', name: 'Desk', members: ['ann'] } },
      );
      const hook: WebhookRow = {
        tenant: 't1',
        id: 'w1',
        url: 'https://hooks.example/in',
        secret: 'shh',
        events: [],
        createdAt: T0,
      };
      await store.createWebhook(hook);
      const { outboxRows } = await store.commit(batch);
      await store.setCredentials('t1', 'ann', { email: 'ann@example.com', sipHa1: 'ha1' });
      await store.saveToken('tok', 't1', 'ann', T0 + 1000);
      await store.createApiKey({ id: 'k1', tenant: 't1', name: 'ci', role: 'user', secretHash: 'sha', createdAt: T0 });
      const sip: SipStateRow = {
        kind: 'binding',
        key: 'ann@1',
        tenant: 't1',
        expiresAt: T0 + 3600,
        data: '{"contact":"sip:ann@192.0.2.1"}',
      };
      await store.saveSipState([sip], []);
      const before = {
        tenants: await store.tenants(),
        events: await store.events('t1', 'e1', 0, 100),
        due: await store.dueOutbox(T0 + 1, 100),
      };

      store = await f.reopen();
      expect(await store.tenants()).toEqual(before.tenants);
      expect((await store.loadTenant('t1'))!.state.users).toEqual(f.rec.state('t1').users);
      expect((await store.loadTenant('t1'))!.state.groups).toEqual(f.rec.state('t1').groups);
      expect(await store.events('t1', 'e1', 0, 100)).toEqual(before.events);
      expect(await store.credentials('t1', 'ann')).toEqual({
        email: 'ann@example.com',
        passwordHash: null,
        sipHa1: 'ha1',
        terminalHa1: null,
      });
      expect(await store.token('tok')).toEqual({ tenant: 't1', userId: 'ann', expiresAt: T0 + 1000 });
      expect((await store.apiKey('k1'))?.name).toBe('ci');
      expect(await store.webhooks('t1')).toEqual([hook]);
      expect(outboxRows).toBeGreaterThan(0);
      expect(await store.dueOutbox(T0 + 1, 100)).toEqual(before.due);
      expect(await store.sipState()).toEqual([sip]);
      // And it goes on from there: the next batch continues the sequence.
      await store.commit(await f.rec.apply('t1', { type: 'user.upsert', user: bob }));
      const seqs = (await store.events('t1', 'e1', 0, 1000)).map((e) => e.seq);
      expect(seqs.length).toBeGreaterThan(before.events.length);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    });
  });
}
