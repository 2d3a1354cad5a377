// The store contract (contract.ts) on the embedded SQLite adapter, each test on a real temporary
// file; then what only this adapter has: its migrations from an empty file.
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { SqliteStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/index.js';
import type { RowKind } from '../../src/store/codec.js';
import type { RawRows } from './contract-codec.js';
import { tempStores } from '../support/files.js';
import { T0 } from '../support/tenant.js';
import { storeContract, tenantRow } from './contract.js';

const tempStore = tempStores('contract');

/** Each store's file, for raw access to its rows. */
const files = new WeakMap<Store, string>();
const TABLES: Record<RowKind, { table: string; column: string }> = {
  user: { table: 'users', column: 'state' },
  group: { table: 'groups_', column: 'data' },
  queue: { table: 'queues', column: 'data' },
};

/** Raw rows through a second connection to the same file (WAL lets it read and write beside the store). */
function sqliteRows(store: Store): RawRows {
  const withDb = <T>(f: (db: Database.Database) => T): T => {
    const db = new Database(files.get(store)!);
    try {
      return f(db);
    } finally {
      db.close();
    }
  };
  return {
    async read(kind, tenant, id) {
      const { table, column } = TABLES[kind];
      const r = withDb((db) =>
        db.prepare(`SELECT ${column} AS data FROM ${table} WHERE tenant = ? AND id = ?`).get(tenant, id),
      );
      return (r as { data: string } | undefined)?.data;
    },
    async write(kind, tenant, id, text) {
      const { table, column } = TABLES[kind];
      withDb((db) => db.prepare(`UPDATE ${table} SET ${column} = ? WHERE tenant = ? AND id = ?`).run(text, tenant, id));
    },
  };
}

storeContract(
  'SQLite',
  () => {
    const { file } = tempStore();
    return () => {
      const store = new SqliteStore(file);
      files.set(store, file);
      return store;
    };
  },
  { raw: sqliteRows },
);

describe('S8.2 SQLite migrations', () => {
  test('S8.2 an empty file is migrated to the last schema on open, and opening it again applies nothing twice', async () => {
    const { file } = tempStore();
    expect(existsSync(file)).toBe(false);
    const store = new SqliteStore(file);
    await store.createTenant(tenantRow('t1'), T0);
    await store.close();
    const version = () => {
      const db = new Database(file, { readonly: true });
      try {
        return (db.prepare('SELECT version FROM schema_version').all() as { version: number }[]).map((r) => r.version);
      } finally {
        db.close();
      }
    };
    expect(version()).toEqual([MIGRATIONS.length]);
    const again = new SqliteStore(file);
    expect((await again.tenants()).map((t) => t.id)).toEqual(['t1']);
    await again.close();
    expect(version()).toEqual([MIGRATIONS.length]);
  });

  test('S5.4 a file from before the tokens index is migrated in place: data kept, tokens of users removed back then are gone', async () => {
    const { file } = tempStore();
    // The schema as the second release left it, with a tenant, one user and two tokens.
    const old = new Database(file);
    old.exec('CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (2);');
    for (const sql of MIGRATIONS.slice(0, 2)) old.exec(sql);
    old
      .prepare(
        'INSERT INTO tenants (id, name, sip_domain, policy, epoch, seq, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run('t1', 'T', 't1.example', JSON.stringify(tenantRow('t1').policy), 'e1', 0, T0);
    const ann = { id: 'ann', extension: '1001', name: 'Ann' };
    old
      .prepare('INSERT INTO users (tenant, id, extension, name, role, state) VALUES (?, ?, ?, ?, ?, ?)')
      .run('t1', 'ann', '1001', 'Ann', 'user', JSON.stringify(ann));
    const token = old.prepare('INSERT INTO auth_tokens (hash, tenant, user_id, expires_at) VALUES (?, ?, ?, ?)');
    token.run('kept', 't1', 'ann', T0 + 1000);
    token.run('orphan', 't1', 'bob', T0 + 1000);
    old.close();

    const store = new SqliteStore(file);
    try {
      expect((await store.tenants()).map((t) => t.id)).toEqual(['t1']);
      expect(await store.token('kept')).toEqual({ tenant: 't1', userId: 'ann', expiresAt: T0 + 1000 });
      // bob was removed before tokens went with their user: his sign-in must not pass to a later bob.
      expect(await store.token('orphan')).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
