// S8.2 with S6.4's budget: commits never run a WAL checkpoint themselves (it would stall every
// NOTIFY and feed frame behind them); a worker thread copies the WAL into the database file.
import Database from 'better-sqlite3';
import { readdirSync, statSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { DEFAULT_POLICY, newUser } from '../../src/core/index.js';
import { SqliteStore } from '../../src/store/index.js';
import { tempStores } from '../support/files.js';

const tempStore = tempStores('ckpt');

describe('S8.2 WAL checkpoints', () => {
  test('S8.2 committed rows reach the database file by a checkpoint on the worker, and a fresh connection reads them', async () => {
    const { dir, file } = tempStore();
    const store = new SqliteStore(file);
    await store.createTenant(
      { id: 't1', name: 'T', sipDomain: 't1.test', policy: DEFAULT_POLICY, epoch: 'e1', seq: 0 },
      0,
    );
    const sizeBefore = statSync(file).size;
    // About 100 pages: far below SQLite's automatic threshold (1,000 pages), which is off anyway.
    for (let i = 0; i < 100; i++) {
      const user = newUser(
        { id: `u${i}`, extension: String(1000 + i), name: `User ${i} ${'x'.repeat(3000)}` },
        DEFAULT_POLICY,
        i,
      );
      await store.commit([
        {
          tenant: 't1',
          at: i,
          command: { type: 'user.upsert', user: { id: user.id, extension: user.extension, name: user.name } },
          patch: { users: [user] },
          events: [],
        },
      ]);
    }
    const deadline = Date.now() + 5000;
    while (statSync(file).size <= sizeBefore + 100 * 3000 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(statSync(file).size).toBeGreaterThan(sizeBefore + 100 * 3000);
    const reader = new Database(file, { readonly: true });
    expect(reader.prepare('SELECT COUNT(*) AS n FROM users').get()).toEqual({ n: 100 });
    reader.close();
    store.close();
    // The worker's connection closed first, so the store's closed last and folded the WAL away:
    // nothing of the store is left writing in its directory (the key file is S5.4's, written once).
    expect(readdirSync(dir).sort()).toEqual(['secret.key', 'switchboard.db']);
  });
});
