// The store contract (contract.ts) on the embedded SQLite adapter, each test on a real temporary
// file; then what only this adapter has: its migrations from an empty file.
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { SqliteStore } from '../../src/store/index.js';
import { tempStores } from '../support/files.js';
import { T0 } from '../support/tenant.js';
import { storeContract, tenantRow } from './contract.js';

const tempStore = tempStores('contract');

storeContract('SQLite', () => {
  const { file } = tempStore();
  return () => new SqliteStore(file);
});

describe('S8.2 SQLite migrations', () => {
  test('S8.2 an empty file is migrated to the last schema on open, and opening it again applies nothing twice', () => {
    const { file } = tempStore();
    expect(existsSync(file)).toBe(false);
    const store = new SqliteStore(file);
    store.createTenant(tenantRow('t1'), T0);
    store.close();
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
    expect(again.tenants().map((t) => t.id)).toEqual(['t1']);
    again.close();
    expect(version()).toEqual([MIGRATIONS.length]);
  });
});
