// One journal batch as one PostgreSQL transaction: the writes journal-writes.ts lists (state rows,
// events, history and outbox projections), run on one connection. The tenants' webhooks are read
// inside the transaction, so a webhook another node added is honoured at once.
import type { PoolClient } from 'pg';
import type { TenantId } from '../core/index.js';
import { journalWrites } from './journal-writes.js';
import type { HookFilter, JournalWrite } from './journal-writes.js';
import { FencedError } from './fenced.js';
import type { CommitResult, JournalBatchEntry } from './port.js';
import { lineKey, lockLines } from './postgres-db.js';
import type { PgDb, Row } from './postgres-db.js';
import { writeCallStep } from './postgres-calls.js';
import { insertOutbox } from './postgres-outbox.js';

/** The SQL of each write that is one statement, by kind; its values come from `values` below. */
const SQL: Record<Exclude<JournalWrite['kind'], 'removeUser' | 'outbox' | 'call'>, string> = {
  user: `INSERT INTO users (tenant, id, extension, name, role, state) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (tenant, id) DO UPDATE SET extension = excluded.extension, name = excluded.name, role = excluded.role, state = excluded.state`,
  removeGroup: 'DELETE FROM groups_ WHERE tenant = $1 AND id = $2',
  group:
    'INSERT INTO groups_ (tenant, id, data) VALUES ($1, $2, $3) ON CONFLICT (tenant, id) DO UPDATE SET data = excluded.data',
  removeQueue: 'DELETE FROM queues WHERE tenant = $1 AND id = $2',
  queue:
    'INSERT INTO queues (tenant, id, data) VALUES ($1, $2, $3) ON CONFLICT (tenant, id) DO UPDATE SET data = excluded.data',
  policy: 'UPDATE tenants SET policy = $2 WHERE id = $1',
  event: 'INSERT INTO events (tenant, epoch, seq, at, type, subject, body) VALUES ($1, $2, $3, $4, $5, $6, $7)',
  history:
    'INSERT INTO history (tenant, user_id, at, kind, queue_id, value, reason, cause) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
  seq: 'UPDATE tenants SET seq = $2 WHERE id = $1',
};

/** S5.4: a removed user's credentials and sign-ins go with them; a later user under the same id gets none. */
const REMOVE_USER = [
  'DELETE FROM users WHERE tenant = $1 AND id = $2',
  'DELETE FROM credentials WHERE tenant = $1 AND user_id = $2',
  'DELETE FROM auth_tokens WHERE tenant = $1 AND user_id = $2',
];

function values(w: Exclude<JournalWrite, { kind: 'removeUser' | 'outbox' | 'call' }>): unknown[] {
  switch (w.kind) {
    case 'user':
      return [w.tenant, w.id, w.extension, w.name, w.role, w.state];
    case 'removeGroup':
    case 'removeQueue':
      return [w.tenant, w.id];
    case 'group':
    case 'queue':
      return [w.tenant, w.id, w.data];
    case 'policy':
      return [w.tenant, w.policy];
    case 'event':
      return [w.tenant, w.epoch, w.seq, w.at, w.type, w.subject, w.body];
    case 'history': {
      const h = w.row;
      return [w.tenant, h.userId, h.at, h.kind, h.queueId, h.value, h.reason, h.cause];
    }
    case 'seq':
      return [w.tenant, w.seq];
  }
}

export class PgJournal {
  constructor(private readonly db: PgDb) {}

  /** Writes the batch in one transaction; the promise settles once it is committed. */
  commit(batch: readonly JournalBatchEntry[], fences?: ReadonlyMap<TenantId, number>): Promise<CommitResult> {
    return this.db.tx(async (c) => {
      const tenants = [...new Set(batch.map((e) => e.tenant))];
      if (fences !== undefined) await checkFences(c, tenants, fences);
      const hooks = await hooksOf(c, tenants);
      const writes = journalWrites(batch, (tenant) => hooks.get(tenant) ?? []);
      const lines = writes.flatMap((w) => (w.kind === 'outbox' ? [lineKey(w.tenant, w.webhookId, w.subject)] : []));
      await lockLines(c, lines);
      for (const w of writes) await write(c, w);
      return { outboxRows: lines.length };
    });
  }
}

/**
 * S10.4: the leases are read with a share lock, held to the end of the transaction: a node taking
 * a lease over waits for this commit (and then loads what it wrote), or this commit waits for the
 * take-over and, seeing the new fence, refuses the batch before anything is written.
 */
async function checkFences(
  c: PoolClient,
  tenants: readonly TenantId[],
  fences: ReadonlyMap<TenantId, number>,
): Promise<void> {
  const r = await c.query<{ tenant: string; fence: string }>(
    'SELECT tenant, fence FROM tenant_leases WHERE tenant = ANY($1::text[]) FOR SHARE',
    [tenants],
  );
  const current = new Map(r.rows.map((row) => [row.tenant, Number(row.fence)]));
  for (const tenant of tenants) {
    const fence = fences.get(tenant);
    if (fence === undefined || current.get(tenant) !== fence)
      throw new FencedError(tenant, fence ?? 0, current.get(tenant));
  }
}

async function write(c: PoolClient, w: JournalWrite): Promise<void> {
  if (w.kind === 'removeUser') {
    for (const sql of REMOVE_USER) await c.query(sql, [w.tenant, w.id]);
  } else if (w.kind === 'call') {
    await writeCallStep(c, w.tenant, w.step);
  } else if (w.kind === 'outbox') {
    await insertOutbox(c, w.tenant, w.webhookId, w.subject, w.body, w.at);
  } else {
    await c.query(SQL[w.kind], values(w));
  }
}

/** Which events each tenant's webhooks want, oldest webhook first (as the SQLite adapter lists them). */
async function hooksOf(c: PoolClient, tenants: readonly TenantId[]): Promise<Map<TenantId, HookFilter[]>> {
  const byTenant = new Map<TenantId, HookFilter[]>();
  const r = await c.query<Row>(
    'SELECT tenant, id, events FROM webhooks WHERE tenant = ANY($1::text[]) ORDER BY created_at, id COLLATE "C"',
    [tenants],
  );
  for (const h of r.rows) {
    const list = byTenant.get(String(h.tenant)) ?? [];
    list.push({ id: String(h.id), events: JSON.parse(String(h.events)) as string[] });
    byTenant.set(String(h.tenant), list);
  }
  return byTenant;
}
