// Webhooks in the SQLite store (sqlite.ts): their secrets sealed at rest (S5.4), and a copy per
// tenant kept for the journal, which reads them inside every commit (S6.3).
import type Database from 'better-sqlite3';
import type { TenantId } from '../core/index.js';
import type { WebhookRow } from './port.js';
import type { SecretBox } from './secret-box.js';
import { webhookContext } from './webhook-secrets.js';

type Row = Record<string, unknown>;

export class SqliteWebhooks {
  /** Webhooks per tenant, for enqueuing inside the journal transaction. */
  private readonly cache = new Map<TenantId, readonly WebhookRow[]>();

  constructor(
    private readonly db: Database.Database,
    private readonly sql: (text: string) => Database.Statement,
    private readonly box: SecretBox,
  ) {}

  create(row: WebhookRow): void {
    const sealed = this.box.seal(row.secret, webhookContext(row.tenant, row.id));
    this.sql(
      'INSERT INTO webhooks (tenant, id, url, secret, sealed, events, created_at) VALUES (?, ?, ?, ?, 1, ?, ?)',
    ).run(row.tenant, row.id, row.url, sealed, JSON.stringify(row.events), row.createdAt);
    this.cache.delete(row.tenant);
  }

  /** The tenant's webhooks, oldest first (from the copy kept per tenant). */
  of(tenant: TenantId): readonly WebhookRow[] {
    let hooks = this.cache.get(tenant);
    if (hooks === undefined) {
      hooks = this.read(tenant);
      this.cache.set(tenant, hooks);
    }
    return hooks;
  }

  private read(tenant: TenantId): readonly WebhookRow[] {
    return (this.sql('SELECT * FROM webhooks WHERE tenant = ? ORDER BY created_at, id').all(tenant) as Row[]).map(
      (r) => ({
        tenant: String(r.tenant),
        id: String(r.id),
        url: String(r.url),
        secret: this.box.open(String(r.secret), webhookContext(String(r.tenant), String(r.id))),
        events: JSON.parse(String(r.events)) as string[],
        createdAt: Number(r.created_at),
      }),
    );
  }

  /** Deletes a webhook; its pending outbox rows fail in the same transaction. */
  delete(tenant: TenantId, id: string): boolean {
    const gone = this.db.transaction(() => {
      this.sql(
        "UPDATE outbox SET state = 'failed', last_error = 'webhook deleted' WHERE tenant = ? AND webhook_id = ? AND state = 'pending'",
      ).run(tenant, id);
      return this.sql('DELETE FROM webhooks WHERE tenant = ? AND id = ?').run(tenant, id).changes > 0;
    })();
    this.cache.delete(tenant);
    return gone;
  }
}
