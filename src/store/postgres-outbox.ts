// The webhook outbox and its delivery log in the PostgreSQL store (postgres.ts), with the meaning
// of the SQLite one (sqlite-outbox.ts): one line per (webhook, subject), delivered head first, a
// row behind a pending head waiting at BLOCKED until the head is settled, every attempt recorded.
// A line is locked (lockLines) while its head is decided, since several connections write.
import type { PoolClient } from 'pg';
import type { TenantId } from '../core/index.js';
import type { DeliveryRow, OutboxRow } from './port.js';
import { lineKey, lockLines } from './postgres-db.js';
import type { PgDb, Row } from './postgres-db.js';
import { deliveryRow, outboxRow } from './rows.js';

/** next_at of an outbox row waiting behind the head of its line (as in sqlite-outbox.ts). */
export const BLOCKED = Number.MAX_SAFE_INTEGER;

/** Adds a row on a connection whose transaction holds the line's lock; answers its id. */
export async function insertOutbox(
  c: PoolClient,
  tenant: TenantId,
  webhookId: string,
  subject: string,
  body: string,
  now: number,
): Promise<number> {
  const r = await c.query<Row>(
    `INSERT INTO outbox (tenant, webhook_id, subject, body, created_at, next_at)
     VALUES ($1, $2, $3, $4, $5, CASE WHEN EXISTS (SELECT 1 FROM outbox WHERE webhook_id = $2 AND subject = $3 AND state = 'pending' AND tenant = $1) THEN $6::bigint ELSE $5::bigint END)
     RETURNING id`,
    [tenant, webhookId, subject, body, now, BLOCKED],
  );
  return Number(r.rows[0]!.id);
}

export class PgOutbox {
  constructor(private readonly db: PgDb) {}

  enqueue(tenant: TenantId, webhookId: string, subject: string, body: string, now: number): Promise<number> {
    return this.db.tx(async (c) => {
      await lockLines(c, [lineKey(tenant, webhookId, subject)]);
      return insertOutbox(c, tenant, webhookId, subject, body, now);
    });
  }

  async dueOutbox(now: number, limit: number, tenants?: readonly TenantId[]): Promise<readonly OutboxRow[]> {
    // The head of each (webhook, subject) line only: a later event waits for the earlier one.
    const rows = await this.db.rows(
      `SELECT o.* FROM outbox o
       WHERE o.state = 'pending' AND o.next_at <= $1 AND ($3::text[] IS NULL OR o.tenant = ANY($3::text[]))
         AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.webhook_id = o.webhook_id AND p.tenant = o.tenant AND p.subject = o.subject AND p.state = 'pending' AND p.id < o.id)
       ORDER BY o.id LIMIT $2`,
      [now, limit, tenants ?? null],
    );
    return rows.map((r) => outboxRow(r));
  }

  async nextOutboxAt(tenants?: readonly TenantId[]): Promise<number | undefined> {
    const r = await this.db.one(
      "SELECT MIN(next_at) AS at FROM outbox WHERE state = 'pending' AND ($1::text[] IS NULL OR tenant = ANY($1::text[]))",
      [tenants ?? null],
    );
    return r === undefined || r.at === null ? undefined : Number(r.at);
  }

  markDelivered(id: number, now: number, status: number, durationMs: number): Promise<void> {
    return this.settle(id, now, async (c) => {
      const r = await c.query<Row>(
        "UPDATE outbox SET state = 'delivered', attempts = attempts + 1, delivered_at = $1 WHERE id = $2 RETURNING tenant, webhook_id",
        [now, id],
      );
      return { row: r.rows[0], settled: true, status, error: null, durationMs };
    });
  }

  markFailed(
    id: number,
    now: number,
    status: number | null,
    error: string,
    nextAt: number | null,
    durationMs: number,
  ): Promise<void> {
    const message = error.slice(0, 500);
    return this.settle(id, now, async (c) => {
      const r = await c.query<Row>(
        `UPDATE outbox SET attempts = attempts + 1, last_error = $1, next_at = COALESCE($2::bigint, next_at),
           state = CASE WHEN $2::bigint IS NULL THEN 'failed' ELSE 'pending' END
         WHERE id = $3 RETURNING tenant, webhook_id`,
        [message, nextAt, id],
      );
      return { row: r.rows[0], settled: nextAt === null, status, error: message, durationMs };
    });
  }

  /**
   * One attempt on a row, in one transaction with its line locked: `update` changes the row; a
   * settled row (delivered or given up) makes the next of its line the head, due at once.
   */
  private async settle(
    id: number,
    now: number,
    update: (c: PoolClient) => Promise<{
      row: Row | undefined;
      settled: boolean;
      status: number | null;
      error: string | null;
      durationMs: number;
    }>,
  ): Promise<void> {
    await this.db.tx(async (c) => {
      const line = (await c.query<Row>('SELECT tenant, webhook_id, subject FROM outbox WHERE id = $1', [id])).rows[0];
      if (line === undefined) return;
      await lockLines(c, [lineKey(String(line.tenant), String(line.webhook_id), String(line.subject))]);
      const u = await update(c);
      if (u.row === undefined) return;
      if (u.settled)
        await c.query(
          "UPDATE outbox SET next_at = LEAST(next_at, $1) WHERE id = (SELECT id FROM outbox WHERE webhook_id = $2 AND subject = $3 AND state = 'pending' AND tenant = $4 ORDER BY id LIMIT 1)",
          [now, line.webhook_id, line.subject, line.tenant],
        );
      await c.query(
        'INSERT INTO deliveries (outbox_id, tenant, webhook_id, at, status, error, duration_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [id, line.tenant, line.webhook_id, now, u.status, u.error, u.durationMs],
      );
    });
  }

  async deliveries(tenant: TenantId, webhookId: string, limit: number): Promise<readonly DeliveryRow[]> {
    const rows = await this.db.rows(
      'SELECT * FROM deliveries WHERE tenant = $1 AND webhook_id = $2 ORDER BY id DESC LIMIT $3',
      [tenant, webhookId, limit],
    );
    return rows.map((r) => deliveryRow(r));
  }
}
