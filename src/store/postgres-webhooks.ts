// Webhooks in the PostgreSQL store (postgres.ts): their secrets sealed at rest (S5.4) with the
// same box and row binding as the SQLite store (secret-box.ts, webhook-secrets.ts). No copy is
// kept in memory: another node may add or delete a webhook, and the journal reads them inside
// each commit (postgres-journal.ts).
import type { PoolClient } from 'pg';
import type { TenantId } from '../core/index.js';
import type { WebhookRow } from './port.js';
import type { PgDb } from './postgres-db.js';
import type { SecretBox } from './secret-box.js';
import { openBox, webhookContext } from './webhook-secrets.js';
import type { StoreLog } from './webhook-secrets.js';

/** Any fixed number: the advisory lock taken while the key check is read or first written. */
const KEY_CHECK_LOCK = 0x5b_0002;

/**
 * The box of this database's webhook secrets (see webhook-secrets.ts: openBox): the configured key,
 * else the key file in `dir`. Nodes sharing a database must share the key (set secretKey).
 */
export async function unlockPgSecrets(
  db: PgDb,
  dir: string | undefined,
  configured: Buffer | undefined,
  log: StoreLog | undefined,
): Promise<SecretBox> {
  return db.tx(async (c: PoolClient) => {
    await c.query('SELECT pg_advisory_xact_lock($1)', [KEY_CHECK_LOCK]);
    const r = await c.query<{ value: string }>("SELECT value FROM store_meta WHERE key = 'key_check'");
    const { box, newCheck } = openBox(r.rows[0]?.value, dir, configured, log);
    if (newCheck !== undefined)
      await c.query("INSERT INTO store_meta (key, value) VALUES ('key_check', $1)", [newCheck]);
    return box;
  });
}

export class PgWebhooks {
  constructor(
    private readonly db: PgDb,
    private readonly box: SecretBox,
  ) {}

  async create(row: WebhookRow): Promise<void> {
    const sealed = this.box.seal(row.secret, webhookContext(row.tenant, row.id));
    await this.db.run(
      'INSERT INTO webhooks (tenant, id, url, secret, events, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
      [row.tenant, row.id, row.url, sealed, JSON.stringify(row.events), row.createdAt],
    );
  }

  /** The tenant's webhooks, oldest first, their secrets opened. */
  async of(tenant: TenantId): Promise<readonly WebhookRow[]> {
    const rows = await this.db.rows('SELECT * FROM webhooks WHERE tenant = $1 ORDER BY created_at, id COLLATE "C"', [
      tenant,
    ]);
    return rows.map((r) => ({
      tenant: String(r.tenant),
      id: String(r.id),
      url: String(r.url),
      secret: this.box.open(String(r.secret), webhookContext(String(r.tenant), String(r.id))),
      events: JSON.parse(String(r.events)) as string[],
      createdAt: Number(r.created_at),
    }));
  }

  /** Deletes a webhook; its pending outbox rows fail in the same transaction. */
  delete(tenant: TenantId, id: string): Promise<boolean> {
    return this.db.tx(async (c) => {
      await c.query(
        "UPDATE outbox SET state = 'failed', last_error = 'webhook deleted' WHERE tenant = $1 AND webhook_id = $2 AND state = 'pending'",
        [tenant, id],
      );
      return ((await c.query('DELETE FROM webhooks WHERE tenant = $1 AND id = $2', [tenant, id])).rowCount ?? 0) > 0;
    });
  }
}
