// One journal batch as one SQLite transaction: the writes journal-writes.ts lists (state rows,
// events, history and outbox projections), run here with prepared statements.
import type Database from 'better-sqlite3';
import type { TenantId } from '../core/index.js';
import { journalWrites } from './journal-writes.js';
import type { HookFilter, JournalWrite } from './journal-writes.js';
import type { JournalBatchEntry } from './port.js';
import type { SqliteCalls } from './sqlite-calls.js';
import type { SqliteOutbox } from './sqlite-outbox.js';

export class SqliteJournal {
  private readonly stmt;

  constructor(
    private readonly db: Database.Database,
    /** The tenant's webhooks, read inside the transaction (cached by the caller). */
    private readonly webhooks: (tenant: TenantId) => readonly HookFilter[],
    private readonly outbox: SqliteOutbox,
    private readonly calls: SqliteCalls,
  ) {
    this.stmt = {
      upsertUser: db.prepare(
        `INSERT INTO users (tenant, id, extension, name, role, state) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (tenant, id) DO UPDATE SET extension = excluded.extension, name = excluded.name, role = excluded.role, state = excluded.state`,
      ),
      // Most writes change only the facts: the plain UPDATE leaves the extension index alone (an
      // upsert rewrites it), and the upsert runs when the directory fields changed too.
      updateUserState: db.prepare(
        'UPDATE users SET state = ? WHERE tenant = ? AND id = ? AND extension = ? AND name = ? AND role = ?',
      ),
      deleteUser: db.prepare('DELETE FROM users WHERE tenant = ? AND id = ?'),
      deleteCredentials: db.prepare('DELETE FROM credentials WHERE tenant = ? AND user_id = ?'),
      deleteUserTokens: db.prepare('DELETE FROM auth_tokens WHERE tenant = ? AND user_id = ?'),
      upsertGroup: db.prepare(
        'INSERT INTO groups_ (tenant, id, data) VALUES (?, ?, ?) ON CONFLICT (tenant, id) DO UPDATE SET data = excluded.data',
      ),
      deleteGroup: db.prepare('DELETE FROM groups_ WHERE tenant = ? AND id = ?'),
      upsertQueue: db.prepare(
        'INSERT INTO queues (tenant, id, data) VALUES (?, ?, ?) ON CONFLICT (tenant, id) DO UPDATE SET data = excluded.data',
      ),
      deleteQueue: db.prepare('DELETE FROM queues WHERE tenant = ? AND id = ?'),
      setPolicy: db.prepare('UPDATE tenants SET policy = ? WHERE id = ?'),
      setSeq: db.prepare('UPDATE tenants SET seq = ? WHERE id = ?'),
      insertEvent: db.prepare(
        'INSERT INTO events (tenant, epoch, seq, at, type, subject, body) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      insertHistory: db.prepare(
        'INSERT INTO history (tenant, user_id, at, kind, queue_id, value, reason, cause) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
    };
  }

  /** Writes the batch in one transaction; answers the number of outbox rows it added. */
  commit(batch: readonly JournalBatchEntry[]): number {
    return this.commitMany([batch])[0]!;
  }

  /** Writes the batches (of several tenants) in one transaction; the outbox rows each added. */
  commitMany(batches: readonly (readonly JournalBatchEntry[])[]): number[] {
    return this.db.transaction(() => batches.map((batch) => this.writeBatch(batch)))();
  }

  private writeBatch(batch: readonly JournalBatchEntry[]): number {
    let outboxRows = 0;
    for (const w of journalWrites(batch, this.webhooks)) if (this.write(w)) outboxRows++;
    return outboxRows;
  }

  /** One write of the batch (journal-writes.ts); answers whether it added an outbox row. */
  private write(w: JournalWrite): boolean {
    const s = this.stmt;
    switch (w.kind) {
      case 'removeUser':
        s.deleteUser.run(w.tenant, w.id);
        s.deleteCredentials.run(w.tenant, w.id);
        // S5.4: a removed user's sign-ins end with them; a user created later under the same id gets none.
        s.deleteUserTokens.run(w.tenant, w.id);
        return false;
      case 'user':
        if (s.updateUserState.run(w.state, w.tenant, w.id, w.extension, w.name, w.role).changes === 0)
          s.upsertUser.run(w.tenant, w.id, w.extension, w.name, w.role, w.state);
        return false;
      case 'removeGroup':
        s.deleteGroup.run(w.tenant, w.id);
        return false;
      case 'group':
        s.upsertGroup.run(w.tenant, w.id, w.data);
        return false;
      case 'removeQueue':
        s.deleteQueue.run(w.tenant, w.id);
        return false;
      case 'queue':
        s.upsertQueue.run(w.tenant, w.id, w.data);
        return false;
      case 'policy':
        s.setPolicy.run(w.policy, w.tenant);
        return false;
      case 'event':
        s.insertEvent.run(w.tenant, w.epoch, w.seq, w.at, w.type, w.subject, w.body);
        return false;
      case 'history': {
        const h = w.row;
        s.insertHistory.run(w.tenant, h.userId, h.at, h.kind, h.queueId, h.value, h.reason, h.cause);
        return false;
      }
      case 'outbox':
        this.outbox.enqueue(w.tenant, w.webhookId, w.subject, w.body, w.at);
        return true;
      case 'seq':
        s.setSeq.run(w.seq, w.tenant);
        return false;
      case 'call':
        this.calls.write(w.tenant, w.step);
        return false;
    }
  }
}
