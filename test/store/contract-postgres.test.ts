// The store contract (contract.ts) on the PostgreSQL adapter, each test on a database of its own
// (test/support/postgres.ts); then what only this adapter has: its migrations from an empty database.
import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { PostgresStore } from '../../src/store/postgres.js';
import type { Store } from '../../src/store/index.js';
import type { RowKind } from '../../src/store/codec.js';
import { PG_MIGRATIONS } from '../../src/store/postgres-schema.js';
import type { RawRows } from './contract-codec.js';
import { tempDatabases, withClient } from '../support/postgres.js';
import { T0 } from '../support/tenant.js';
import { storeContract, tenantRow } from './contract.js';

const tempDatabase = tempDatabases();

/** Each store's database, for raw access to its rows. */
const urls = new WeakMap<Store, string>();
const TABLES: Record<RowKind, { table: string; column: string }> = {
  user: { table: 'users', column: 'state' },
  group: { table: 'groups_', column: 'data' },
  queue: { table: 'queues', column: 'data' },
};

/** Raw rows through a connection of the test's own beside the store's pool. */
function pgRows(store: Store): RawRows {
  const url = urls.get(store)!;
  return {
    async read(kind, tenant, id) {
      const { table, column } = TABLES[kind];
      const r = await withClient(url, (c) =>
        c.query(`SELECT ${column} AS data FROM ${table} WHERE tenant = $1 AND id = $2`, [tenant, id]),
      );
      return (r.rows[0] as { data: string } | undefined)?.data;
    },
    async write(kind, tenant, id, text) {
      const { table, column } = TABLES[kind];
      await withClient(url, (c) =>
        c.query(`UPDATE ${table} SET ${column} = $1 WHERE tenant = $2 AND id = $3`, [text, tenant, id]),
      );
    },
  };
}

storeContract(
  'PostgreSQL',
  async () => {
    const url = await tempDatabase();
    // One key per database: reopening it opens what it sealed.
    const secretKey = randomBytes(32);
    return async () => {
      const store = await PostgresStore.open(url, { secretKey, poolSize: 4 });
      urls.set(store, url);
      return store;
    };
  },
  { raw: pgRows },
);

describe('S6.3 PostgreSQL outbox lines under concurrent writers', () => {
  test('S6.3 rows enqueued on one line from many connections at once leave one head, delivered in id order', async () => {
    const store = await PostgresStore.open(await tempDatabase(), { secretKey: randomBytes(32), poolSize: 8 });
    try {
      const ids = await Promise.all(
        Array.from({ length: 16 }, (_, i) => store.enqueue('t1', 'wh_1', 'u1', `{"n":${i}}`, T0)),
      );
      const delivered: number[] = [];
      for (;;) {
        const due = await store.dueOutbox(T0, 100);
        if (due.length === 0) break;
        expect(due).toHaveLength(1);
        delivered.push(due[0]!.id);
        await store.markDelivered(due[0]!.id, T0, 200, 1);
      }
      expect(delivered).toEqual([...ids].sort((a, b) => a - b));
    } finally {
      await store.close();
    }
  });

  test('S6.3 a row joining a line while its head is delivered becomes the due head, never stranded behind it', async () => {
    const store = await PostgresStore.open(await tempDatabase(), { secretKey: randomBytes(32), poolSize: 8 });
    try {
      let head = await store.enqueue('t1', 'wh_1', 'u1', '{"n":0}', T0);
      for (let i = 1; i <= 40; i++) {
        const [next] = await Promise.all([
          store.enqueue('t1', 'wh_1', 'u1', `{"n":${i}}`, T0 + i),
          store.markDelivered(head, T0 + i, 200, 1),
        ]);
        expect((await store.dueOutbox(T0 + i, 10)).map((r) => r.id)).toEqual([next]);
        head = next;
      }
    } finally {
      await store.close();
    }
  });
});

describe('S8.2 PostgreSQL migrations', () => {
  const versions = (url: string) =>
    withClient(url, async (c) =>
      (await c.query<{ version: number }>('SELECT version FROM schema_version')).rows.map((r) => r.version),
    );

  test('S8.2 an empty database is migrated to the last schema on open, and opening it again applies nothing twice', async () => {
    const url = await tempDatabase();
    const key = randomBytes(32);
    const store = await PostgresStore.open(url, { secretKey: key });
    await store.createTenant(tenantRow('t1'), T0);
    await store.close();
    expect(await versions(url)).toEqual([PG_MIGRATIONS.length]);
    const again = await PostgresStore.open(url, { secretKey: key });
    expect((await again.tenants()).map((t) => t.id)).toEqual(['t1']);
    await again.close();
    expect(await versions(url)).toEqual([PG_MIGRATIONS.length]);
  });

  test('S8.2 nodes opening one empty database at once migrate it once', async () => {
    const url = await tempDatabase();
    const key = randomBytes(32);
    const stores = await Promise.all([1, 2, 3].map(() => PostgresStore.open(url, { secretKey: key })));
    for (const s of stores) await s.close();
    expect(await versions(url)).toEqual([PG_MIGRATIONS.length]);
  });

  test('S5.4 a webhook secret is stored sealed: the row holds no plain copy, and it opens with the key only in its own row', async () => {
    const url = await tempDatabase();
    const secretKey = randomBytes(32);
    const plain = 'whsec-plain-text-0123456789';
    const store = await PostgresStore.open(url, { secretKey });
    try {
      for (const id of ['wh_1', 'wh_2'])
        await store.createWebhook({
          tenant: 't1',
          id,
          url: 'https://example.com/',
          secret: plain,
          events: [],
          createdAt: T0,
        });
      const rows = await withClient(
        url,
        async (c) => (await c.query('SELECT id, secret FROM webhooks ORDER BY id')).rows,
      );
      expect(rows.map((r) => [r.id, String(r.secret).startsWith('v1:'), String(r.secret).includes(plain)])).toEqual([
        ['wh_1', true, false],
        ['wh_2', true, false],
      ]);
      // A sealed value copied into another row does not open there.
      await withClient(url, (c) => c.query("UPDATE webhooks SET secret = $1 WHERE id = 'wh_2'", [rows[0]!.secret]));
      await expect(store.webhooks('t1')).rejects.toThrow(/does not open/);
    } finally {
      await store.close();
    }
  });

  test('S5.4 a key that is not the one the database sealed with is refused at open', async () => {
    const url = await tempDatabase();
    await (await PostgresStore.open(url, { secretKey: randomBytes(32) })).close();
    await expect(PostgresStore.open(url, { secretKey: randomBytes(32) })).rejects.toThrow(/not the key/);
  });

  test('S8.2 an unreachable server is refused at open, naming the failure', async () => {
    await expect(PostgresStore.open('postgres://postgres@127.0.0.1:1/none')).rejects.toThrow(/ECONNREFUSED/);
  });
});
