// S8.2 with S6.4's budget: commits never run a WAL checkpoint themselves (it would stall every
// NOTIFY and feed frame behind them); a worker thread copies the WAL into the database file.
import Database from 'better-sqlite3';
import { readdirSync, statSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { DEFAULT_POLICY, newUser } from '../../src/core/index.js';
import { SqliteStore } from '../../src/store/index.js';
import { Checkpointer } from '../../src/store/checkpointer.js';
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

describe('S8.2 a quiet store has no checkpoint worker', () => {
  test('S8.2 the worker stops once the WAL is copied and unchanged, and the next write starts one that copies it', async () => {
    const { file } = tempStore();
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE t (x TEXT)');
    const insert = db.prepare('INSERT INTO t (x) VALUES (?)');
    const errors: string[] = [];
    const ckpt = new Checkpointer(file, (m) => errors.push(m), 20, 300);
    const until = async (what: () => boolean) => {
      const deadline = Date.now() + 5000;
      while (!what() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      return what();
    };
    try {
      expect(ckpt.running).toBe(true);
      expect(await until(() => !ckpt.running)).toBe(true);
      const size = statSync(file).size;
      for (let i = 0; i < 50; i++) insert.run('y'.repeat(3000));
      // The write is seen within the poll's second and a worker copies it into the database file.
      expect(await until(() => ckpt.running)).toBe(true);
      expect(await until(() => statSync(file).size > size + 50 * 3000)).toBe(true);
      expect(await until(() => !ckpt.running)).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      ckpt.stop();
      db.close();
    }
  }, 20_000);
});
