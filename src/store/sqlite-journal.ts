// One journal batch as one SQLite transaction: the state rows of what the patch changed (facts
// only, codec.ts), the events, and the two projections of the events — history rows (S6.5) and
// webhook outbox rows (S6.3). What an event leaves behind is the core's decision
// (core/journal.ts: historyEntry, webhooksFor); this file only writes what they answer.
import type Database from 'better-sqlite3';
import { historyEntry, webhooksFor } from '../core/index.js';
import type { TenantId } from '../core/index.js';
import { encodeGroup, encodeQueue, encodeUser } from './codec.js';
import type { JournalBatchEntry, WebhookRow } from './port.js';
import type { SqliteOutbox } from './sqlite-outbox.js';

export class SqliteJournal {
  private readonly stmt;

  constructor(
    private readonly db: Database.Database,
    /** The tenant's webhooks, read inside the transaction (cached by the caller). */
    private readonly webhooks: (tenant: TenantId) => readonly WebhookRow[],
    private readonly outbox: SqliteOutbox,
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
    let outboxRows = 0;
    this.db.transaction(() => {
      const lastSeq = new Map<TenantId, number>();
      for (const entry of batch) {
        this.writeState(entry);
        outboxRows += this.writeEvents(entry, lastSeq);
      }
      for (const [tenant, seq] of lastSeq) this.stmt.setSeq.run(seq, tenant);
    })();
    return outboxRows;
  }

  /** The state rows the patch changed: facts and directory rows only. */
  private writeState(entry: JournalBatchEntry): void {
    const { tenant, patch } = entry;
    const s = this.stmt;
    for (const id of patch.removedUsers ?? []) {
      s.deleteUser.run(tenant, id);
      s.deleteCredentials.run(tenant, id);
      // S5.4: a removed user's sign-ins end with them; a user created later under the same id gets none.
      s.deleteUserTokens.run(tenant, id);
    }
    for (const u of patch.users ?? []) {
      const state = encodeUser(u);
      if (s.updateUserState.run(state, tenant, u.id, u.extension, u.name, u.role).changes === 0)
        s.upsertUser.run(tenant, u.id, u.extension, u.name, u.role, state);
    }
    for (const id of patch.removedGroups ?? []) s.deleteGroup.run(tenant, id);
    for (const g of patch.groups ?? []) s.upsertGroup.run(tenant, g.id, encodeGroup(g));
    for (const id of patch.removedQueues ?? []) s.deleteQueue.run(tenant, id);
    for (const q of patch.queues ?? []) s.upsertQueue.run(tenant, q.config.id, encodeQueue(q));
    if (patch.policy !== undefined) s.setPolicy.run(JSON.stringify(patch.policy), tenant);
  }

  /** The events and their projections; answers the number of outbox rows added. */
  private writeEvents(entry: JournalBatchEntry, lastSeq: Map<TenantId, number>): number {
    const { tenant } = entry;
    const s = this.stmt;
    const hooks = this.webhooks(tenant);
    let outboxRows = 0;
    for (const e of entry.events) {
      const body = JSON.stringify(e);
      s.insertEvent.run(tenant, e.epoch, e.seq, e.at, e.type, e.subject, body);
      lastSeq.set(tenant, e.seq);
      // S6.5 and S6.3 are the core's decisions (core/journal.ts); the store writes what they say.
      const h = historyEntry(e);
      if (h !== undefined) s.insertHistory.run(tenant, h.userId, h.at, h.kind, h.queueId, h.value, h.reason, h.cause);
      for (const hook of webhooksFor(e, hooks)) {
        this.outbox.enqueue(tenant, hook.id, e.subject, body, e.at);
        outboxRows++;
      }
    }
    return outboxRows;
  }
}
