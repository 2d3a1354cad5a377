// The webhook outbox and its delivery log in the SQLite store (sqlite.ts): one line per
// (webhook, subject), delivered head first, and every attempt recorded.
import type Database from 'better-sqlite3';
import type { TenantId } from '../core/index.js';
import type { DeliveryRow, OutboxRow } from './port.js';
import { deliveryRow, outboxRow } from './rows.js';

type Row = Record<string, unknown>;

/** next_at of an outbox row waiting behind the head of its line (see lineNextAt). */
const BLOCKED = Number.MAX_SAFE_INTEGER;

export class SqliteOutbox {
  private readonly stmt;

  constructor(
    private readonly db: Database.Database,
    /** A prepared statement, prepared once per SQL text (SqliteStore's cache). */
    private readonly sql: (text: string) => Database.Statement,
  ) {
    this.stmt = {
      insertOutbox: db.prepare(
        'INSERT INTO outbox (tenant, webhook_id, subject, body, created_at, next_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      lineBusy: db.prepare(
        "SELECT 1 FROM outbox WHERE webhook_id = ? AND subject = ? AND state = 'pending' AND tenant = ? LIMIT 1",
      ),
      promoteLine: db.prepare(
        "UPDATE outbox SET next_at = MIN(next_at, ?) WHERE id = (SELECT id FROM outbox WHERE webhook_id = ? AND subject = ? AND state = 'pending' AND tenant = ? ORDER BY id LIMIT 1)",
      ),
    };
  }

  enqueue(tenant: TenantId, webhookId: string, subject: string, body: string, now: number): number {
    return Number(
      this.stmt.insertOutbox.run(
        tenant,
        webhookId,
        subject,
        body,
        now,
        this.lineNextAt(tenant, webhookId, subject, now),
      ).lastInsertRowid,
    );
  }

  /**
   * A row joining a (webhook, subject) line that already has a pending head waits at BLOCKED until
   * the head is settled (delivered or given up), which makes it the head and due at once
   * (settleLine). So a backlog behind a head in backoff stays out of the due range dueOutbox scans,
   * a retry touches one row, and the plain MIN(next_at) of nextOutboxAt is the earliest head.
   */
  private lineNextAt(tenant: TenantId, webhookId: string, subject: string, at: number): number {
    return this.stmt.lineBusy.get(webhookId, subject, tenant) === undefined ? at : BLOCKED;
  }

  private settleLine(r: Row, now: number): void {
    this.stmt.promoteLine.run(now, r.webhook_id, r.subject, r.tenant);
  }

  dueOutbox(now: number, limit: number, tenants?: readonly TenantId[]): readonly OutboxRow[] {
    // The head of each (webhook, subject) line only: a later event waits for the earlier one.
    const rows = this.db
      .prepare(
        `SELECT o.* FROM outbox o
         WHERE o.state = 'pending' AND o.next_at <= ?
           AND (? IS NULL OR o.tenant IN (SELECT value FROM json_each(?)))
           AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.webhook_id = o.webhook_id AND p.tenant = o.tenant AND p.subject = o.subject AND p.state = 'pending' AND p.id < o.id)
         ORDER BY o.id LIMIT ?`,
      )
      .all(now, tenantList(tenants), tenantList(tenants), limit) as Row[];
    return rows.map((r) => outboxRow(r));
  }

  nextOutboxAt(tenants?: readonly TenantId[]): number | undefined {
    // The earliest head: rows behind a head wait at BLOCKED (see lineNextAt).
    const r = this.sql(
      "SELECT MIN(next_at) AS at FROM outbox WHERE state = 'pending' AND (? IS NULL OR tenant IN (SELECT value FROM json_each(?)))",
    ).get(tenantList(tenants), tenantList(tenants)) as Row;
    return r.at === null ? undefined : Number(r.at);
  }

  markDelivered(id: number, now: number, status: number, durationMs: number): void {
    this.db.transaction(() => {
      const r = this.sql(
        "UPDATE outbox SET state = 'delivered', attempts = attempts + 1, delivered_at = ? WHERE id = ? RETURNING tenant, webhook_id, subject",
      ).get(now, id) as Row | undefined;
      if (r) this.settleLine(r, now);
      if (r)
        this.sql(
          'INSERT INTO deliveries (outbox_id, tenant, webhook_id, at, status, error, duration_ms) VALUES (?, ?, ?, ?, ?, NULL, ?)',
        ).run(id, r.tenant, r.webhook_id, now, status, durationMs);
    })();
  }

  markFailed(
    id: number,
    now: number,
    status: number | null,
    error: string,
    nextAt: number | null,
    durationMs: number,
  ): void {
    this.db.transaction(() => {
      const r = this.db
        .prepare(
          `UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_at = COALESCE(?, next_at), state = CASE WHEN ? IS NULL THEN 'failed' ELSE 'pending' END WHERE id = ? RETURNING tenant, webhook_id, subject`,
        )
        .get(error.slice(0, 500), nextAt, nextAt, id) as Row | undefined;
      if (r && nextAt === null) this.settleLine(r, now);
      if (r)
        this.sql(
          'INSERT INTO deliveries (outbox_id, tenant, webhook_id, at, status, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?)',
        ).run(id, r.tenant, r.webhook_id, now, status, error.slice(0, 500), durationMs);
    })();
  }

  deliveries(tenant: TenantId, webhookId: string, limit: number): readonly DeliveryRow[] {
    return (
      this.sql('SELECT * FROM deliveries WHERE tenant = ? AND webhook_id = ? ORDER BY id DESC LIMIT ?').all(
        tenant,
        webhookId,
        limit,
      ) as Row[]
    ).map((r) => deliveryRow(r));
  }
}

/** A tenant filter as SQLite binds it: a JSON list, or NULL for every tenant. */
const tenantList = (tenants: readonly TenantId[] | undefined): string | null =>
  tenants === undefined ? null : JSON.stringify(tenants);
