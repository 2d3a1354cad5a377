// S11.1: the call log in SQLite: each call-log step merged into the call's row inside the batch's
// transaction (sqlite-journal.ts), and the reads of the log.
import type Database from 'better-sqlite3';
import type { CallRecord, CallStep, TenantId } from '../core/index.js';
import { CALL_COLUMNS, callListSql, callRecordOf, stepValues } from './call-rows.js';
import type { CallQuery } from './call-rows.js';

const OPEN = `INSERT INTO call_log (tenant, id, started_at, caller, target, queue_id, parties, decisions, offers)`;

export class SqliteCalls {
  private readonly stmt;

  constructor(
    db: Database.Database,
    /** A prepared statement per SQL text (the store's cache). */
    private readonly sql: (text: string) => Database.Statement,
  ) {
    this.stmt = {
      // A diversion routes the call again: its decision is added to the row.
      route: db.prepare(
        `${OPEN} VALUES (@tenant, @id, @at, @caller, @target, @queue, @parties, @items, '[]')
         ON CONFLICT (tenant, id) DO UPDATE SET decisions = json_insert(call_log.decisions, '$[#]', json(@item)),
           queue_id = COALESCE(call_log.queue_id, excluded.queue_id), caller = COALESCE(call_log.caller, excluded.caller),
           parties = call_log.parties || excluded.parties`,
      ),
      // An overlay call is first seen when it rings someone: the offer opens its row.
      offer: db.prepare(
        `${OPEN} VALUES (@tenant, @id, @at, @caller, @target, @queue, @parties, '[]', @items)
         ON CONFLICT (tenant, id) DO UPDATE SET offers = json_insert(call_log.offers, '$[#]', json(@item)),
           queue_id = COALESCE(call_log.queue_id, excluded.queue_id), caller = COALESCE(call_log.caller, excluded.caller),
           parties = call_log.parties || excluded.parties`,
      ),
      answer: db.prepare(
        `UPDATE call_log SET answered_by = @user, answered_at = @at, parties = parties || @parties
         WHERE tenant = @tenant AND id = @id AND answered_by IS NULL`,
      ),
      end: db.prepare(
        `UPDATE call_log SET outcome = @outcome, ended_at = @at WHERE tenant = @tenant AND id = @id AND outcome IS NULL`,
      ),
      one: db.prepare(`SELECT ${CALL_COLUMNS} FROM call_log WHERE tenant = ? AND id = ?`),
      prune: db.prepare('DELETE FROM call_log WHERE tenant = ? AND started_at < ?'),
    };
  }

  /** One step, inside the caller's transaction. */
  write(tenant: TenantId, step: CallStep): void {
    const v = stepValues(step);
    // A new row's list is written as text: SQLite parses JSON only when a later step appends.
    const params = step.kind === 'route' || step.kind === 'offer' ? { ...v, items: `[${v.item}]` } : v;
    this.stmt[step.kind].run({ tenant, ...params });
  }

  list(tenant: TenantId, q: CallQuery): CallRecord[] {
    const { sql, params } = callListSql(tenant, q, 'sqlite');
    return (this.sql(sql).all(...params) as Record<string, unknown>[]).map(callRecordOf);
  }

  one(tenant: TenantId, id: string): CallRecord | undefined {
    const r = this.stmt.one.get(tenant, id) as Record<string, unknown> | undefined;
    return r === undefined ? undefined : callRecordOf(r);
  }

  prune(tenant: TenantId, before: number): number {
    return this.stmt.prune.run(tenant, before).changes;
  }
}
