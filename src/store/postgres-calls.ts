// S11.1: the call log in PostgreSQL: the reads of the log. Each call-log step is merged into the
// call's row by the batch's commit (swb_commit, postgres-commit-sql.ts).
import type { CallRecord, TenantId } from '../core/index.js';
import { CALL_COLUMNS, callListSql, callRecordOf } from './call-rows.js';
import type { CallQuery } from './call-rows.js';
import type { PgDb } from './postgres-db.js';

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
