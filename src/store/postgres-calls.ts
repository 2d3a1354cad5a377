// S11.1: the call log in PostgreSQL: each call-log step merged into the call's row inside the
// batch's transaction (postgres-journal.ts), and the reads of the log.
import type { PoolClient } from 'pg';
import type { CallRecord, CallStep, TenantId } from '../core/index.js';
import { CALL_COLUMNS, callListSql, callRecordOf, stepValues } from './call-rows.js';
import type { CallQuery } from './call-rows.js';
import type { PgDb } from './postgres-db.js';

const OPEN = `INSERT INTO call_log (tenant, id, started_at, caller, target, queue_id, parties, decisions, offers)`;
const MERGE = `queue_id = COALESCE(call_log.queue_id, excluded.queue_id), caller = COALESCE(call_log.caller, excluded.caller),
  parties = call_log.parties || excluded.parties`;

/** The SQL of each step ($1 tenant, $2 id, $3 at, then the step's own values). */
const SQL: Record<CallStep['kind'], string> = {
  route: `${OPEN} VALUES ($1, $2, $3, $4, $5, $6, $7, jsonb_build_array($8::jsonb), '[]'::jsonb)
    ON CONFLICT (tenant, id) DO UPDATE SET decisions = call_log.decisions || jsonb_build_array($8::jsonb), ${MERGE}`,
  offer: `${OPEN} VALUES ($1, $2, $3, $4, $5, $6, $7, '[]'::jsonb, jsonb_build_array($8::jsonb))
    ON CONFLICT (tenant, id) DO UPDATE SET offers = call_log.offers || jsonb_build_array($8::jsonb), ${MERGE}`,
  answer: `UPDATE call_log SET answered_by = $4, answered_at = $3, parties = parties || $5
    WHERE tenant = $1 AND id = $2 AND answered_by IS NULL`,
  end: `UPDATE call_log SET outcome = $4, ended_at = $3 WHERE tenant = $1 AND id = $2 AND outcome IS NULL`,
};

/** One step, inside the batch's transaction. */
export async function writeCallStep(c: PoolClient, tenant: TenantId, step: CallStep): Promise<void> {
  const v = stepValues(step);
  const head = [tenant, v.id, v.at];
  switch (step.kind) {
    case 'route':
    case 'offer':
      await c.query(SQL[step.kind], [...head, v.caller, v.target, v.queue, v.parties, v.item]);
      return;
    case 'answer':
      await c.query(SQL.answer, [...head, v.user, v.parties]);
      return;
    case 'end':
      await c.query(SQL.end, [...head, v.outcome]);
      return;
  }
}

export async function pgCalls(db: PgDb, tenant: TenantId, q: CallQuery): Promise<CallRecord[]> {
  const { sql, params } = callListSql(tenant, q, 'pg');
  return (await db.rows(sql, params)).map(callRecordOf);
}

export async function pgCall(db: PgDb, tenant: TenantId, id: string): Promise<CallRecord | undefined> {
  const row = await db.one(`SELECT ${CALL_COLUMNS} FROM call_log WHERE tenant = $1 AND id = $2`, [tenant, id]);
  return row === undefined ? undefined : callRecordOf(row);
}

export async function pgPruneCalls(db: PgDb, tenant: TenantId, before: number): Promise<number> {
  return db.run('DELETE FROM call_log WHERE tenant = $1 AND started_at < $2', [tenant, before]);
}
