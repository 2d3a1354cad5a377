// The networked store: PostgreSQL through node-postgres (pg), for several nodes sharing one
// database (S10). It means what the embedded SQLite store means (the store contract,
// test/store/contract.ts, runs on both): each journal batch one transaction with its history and
// outbox projections (postgres-journal.ts), state rows through the same codec (rows.ts), webhook
// secrets sealed with the same box (postgres-webhooks.ts), migrations of its own run at open
// (postgres-schema.ts). A pool of a bounded size holds the connections; close() ends it.
import pg from 'pg';
import type { CallRecord, TenantId, UserId } from '../core/index.js';
import { secureDataDir } from './file-modes.js';
import { PgAccounts } from './postgres-accounts.js';
import { pgCall, pgCalls, pgPruneCalls } from './postgres-calls.js';
import { PgDb } from './postgres-db.js';
import { PgJournal } from './postgres-journal.js';
import { PgLeases } from './postgres-leases.js';
import { PgOutbox } from './postgres-outbox.js';
import { migrate } from './postgres-schema.js';
import { PgWebhooks, unlockPgSecrets } from './postgres-webhooks.js';
import { historyRow, loadedTenant, sipStateRow, tenantRow } from './rows.js';
import type { StoreLog } from './webhook-secrets.js';
import type {
  ApiKeyRow,
  CommitOptions,
  CallQuery,
  CommitResult,
  Credentials,
  DeliveryRow,
  HistoryRow,
  JournalBatchEntry,
  LoadedTenant,
  OutboxRow,
  SipStateRow,
  Store,
  StoredEvent,
  TenantRow,
  TokenRow,
  WebhookRow,
} from './port.js';

export interface PostgresStoreOptions {
  /** Connections the pool holds at most (default 10). */
  readonly poolSize?: number;
  /** Encrypts webhook secrets at rest (32 bytes); nodes sharing a database need the same one. */
  readonly secretKey?: Buffer;
  /** Where the key file is read or made when no secretKey is given (the data directory). */
  readonly keyDir?: string;
  readonly log?: StoreLog;
}

/** A connection string without its password, for messages. */
export const redactedUrl = (url: string): string => url.replace(/(\/\/[^:/@]*):[^@/]*@/, '$1:***@');

export class PostgresStore implements Store {
  private readonly journal: PgJournal;
  private readonly outbox: PgOutbox;
  private readonly accounts: PgAccounts;
  /** S10.1: the tenants' owners, for nodes sharing this database (cluster/ownership.ts). */
  readonly leases: PgLeases;

  private constructor(
    private readonly db: PgDb,
    private readonly hooks: PgWebhooks,
  ) {
    this.journal = new PgJournal(db);
    this.leases = new PgLeases(db);
    this.outbox = new PgOutbox(db);
    this.accounts = new PgAccounts(db);
  }

  /**
   * Connects, migrates and unlocks the webhook secrets; rejects (the pool ended) when the database
   * cannot be reached or the key does not open what it holds (SecretKeyError).
   */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10 });
    // An idle connection the server drops must not take the process down; the next query reconnects.
    pool.on('error', (err) => options.log?.warn({ surface: 'store', err: err.message }, 'PostgreSQL connection lost'));
    const db = new PgDb(pool);
    try {
      // S5.4: the key file, when it is the key, lives in a 0700 directory as the SQLite store's does.
      if (options.secretKey === undefined && options.keyDir !== undefined)
        secureDataDir(options.keyDir, undefined, (detail, message) =>
          options.log?.warn({ surface: 'store', ...detail }, message),
        );
      const client = await pool.connect();
      try {
        await migrate(client);
      } finally {
        client.release();
      }
      const box = await unlockPgSecrets(db, options.keyDir, options.secretKey, options.log);
      return new PostgresStore(db, new PgWebhooks(db, box));
    } catch (err) {
      await pool.end().catch(() => {});
      throw err;
    }
  }

  /** Rejects when the server at `url` cannot be reached or refuses the login or the database. */
  static async ping(url: string): Promise<void> {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
    } finally {
      await client.end().catch(() => {});
    }
  }

  commit(batch: readonly JournalBatchEntry[], options?: CommitOptions): Promise<CommitResult> {
    return this.journal.commit(batch, options?.fences);
  }

  async createTenant(row: TenantRow, createdAt: number): Promise<void> {
    await this.db.run(
      'INSERT INTO tenants (id, name, sip_domain, policy, epoch, seq, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [row.id, row.name, row.sipDomain, JSON.stringify(row.policy), row.epoch, row.seq, createdAt],
    );
  }

  async tenants(): Promise<readonly TenantRow[]> {
    return (await this.db.rows('SELECT * FROM tenants ORDER BY created_at, id COLLATE "C"')).map((r) => tenantRow(r));
  }

  async tenantBySipDomain(domain: string): Promise<TenantRow | undefined> {
    const r = await this.db.one('SELECT * FROM tenants WHERE sip_domain = $1', [domain.toLowerCase()]);
    return r && tenantRow(r);
  }

  async loadTenant(id: TenantId): Promise<LoadedTenant | undefined> {
    // One snapshot: the tenant row and its state rows as of the same commit.
    return this.db.tx(async (c) => {
      await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const r = (await c.query('SELECT * FROM tenants WHERE id = $1', [id])).rows[0];
      if (r === undefined) return undefined;
      const rows = async (table: string, column: string) =>
        (await c.query(`SELECT id, ${column} AS data FROM ${table} WHERE tenant = $1 ORDER BY id COLLATE "C"`, [id]))
          .rows;
      return loadedTenant(r, {
        users: await rows('users', 'state'),
        groups: await rows('groups_', 'data'),
        queues: await rows('queues', 'data'),
      });
    });
  }

  credentials(tenant: TenantId, userId: UserId): Promise<Credentials | undefined> {
    return this.accounts.credentials(tenant, userId);
  }

  allCredentials(tenant: TenantId): Promise<ReadonlyMap<UserId, Credentials>> {
    return this.accounts.allCredentials(tenant);
  }

  setCredentials(tenant: TenantId, userId: UserId, c: Credentials): Promise<Credentials> {
    return this.accounts.setCredentials(tenant, userId, c);
  }

  userIdByEmail(tenant: TenantId, email: string): Promise<UserId | undefined> {
    return this.accounts.userIdByEmail(tenant, email);
  }

  saveToken(hash: string, tenant: TenantId, userId: UserId, expiresAt: number): Promise<void> {
    return this.accounts.saveToken(hash, tenant, userId, expiresAt);
  }

  token(hash: string): Promise<{ tenant: TenantId; userId: UserId; expiresAt: number } | undefined> {
    return this.accounts.token(hash);
  }

  tokens(tenant: TenantId): Promise<readonly TokenRow[]> {
    return this.accounts.tokens(tenant);
  }

  deleteToken(hash: string): Promise<void> {
    return this.accounts.deleteToken(hash);
  }

  deleteTokens(tenant: TenantId, userId: UserId, keep?: string): Promise<void> {
    return this.accounts.deleteTokens(tenant, userId, keep);
  }

  createApiKey(row: ApiKeyRow): Promise<void> {
    return this.accounts.createApiKey(row);
  }

  apiKey(id: string): Promise<ApiKeyRow | undefined> {
    return this.accounts.apiKey(id);
  }

  apiKeys(tenant: TenantId): Promise<readonly ApiKeyRow[]> {
    return this.accounts.apiKeys(tenant);
  }

  deleteApiKey(tenant: TenantId, id: string): Promise<boolean> {
    return this.accounts.deleteApiKey(tenant, id);
  }

  createWebhook(row: WebhookRow): Promise<void> {
    return this.hooks.create(row);
  }

  webhooks(tenant: TenantId): Promise<readonly WebhookRow[]> {
    return this.hooks.of(tenant);
  }

  deleteWebhook(tenant: TenantId, id: string): Promise<boolean> {
    return this.hooks.delete(tenant, id);
  }

  enqueue(tenant: TenantId, webhookId: string, subject: string, body: string, now: number): Promise<number> {
    return this.outbox.enqueue(tenant, webhookId, subject, body, now);
  }

  dueOutbox(now: number, limit: number, tenants?: readonly TenantId[]): Promise<readonly OutboxRow[]> {
    return this.outbox.dueOutbox(now, limit, tenants);
  }

  nextOutboxAt(tenants?: readonly TenantId[]): Promise<number | undefined> {
    return this.outbox.nextOutboxAt(tenants);
  }

  markDelivered(id: number, now: number, status: number, durationMs: number): Promise<void> {
    return this.outbox.markDelivered(id, now, status, durationMs);
  }

  markFailed(
    id: number,
    now: number,
    status: number | null,
    error: string,
    nextAt: number | null,
    durationMs: number,
  ): Promise<void> {
    return this.outbox.markFailed(id, now, status, error, nextAt, durationMs);
  }

  deliveries(tenant: TenantId, webhookId: string, limit: number): Promise<readonly DeliveryRow[]> {
    return this.outbox.deliveries(tenant, webhookId, limit);
  }

  async events(tenant: TenantId, epoch: string, afterSeq: number, limit: number): Promise<readonly StoredEvent[]> {
    const rows = await this.db.rows(
      'SELECT body FROM events WHERE tenant = $1 AND epoch = $2 AND seq > $3 ORDER BY seq LIMIT $4',
      [tenant, epoch, afterSeq, limit],
    );
    return rows.map((r) => JSON.parse(String(r.body)) as StoredEvent);
  }

  async history(tenant: TenantId, userId: UserId, from: number, to: number): Promise<readonly HistoryRow[]> {
    const rows = await this.db.rows(
      'SELECT * FROM history WHERE tenant = $1 AND user_id = $2 AND at >= $3 AND at < $4 ORDER BY at, id LIMIT 10000',
      [tenant, userId, from, to],
    );
    return rows.map((r) => historyRow(r));
  }

  async agentStateBefore(
    tenant: TenantId,
    userId: UserId,
    queueId: string,
    at: number,
  ): Promise<HistoryRow | undefined> {
    const r = await this.db.one(
      "SELECT * FROM history WHERE tenant = $1 AND user_id = $2 AND kind = 'agent' AND queue_id = $4 AND at < $3 ORDER BY at DESC, id DESC LIMIT 1",
      [tenant, userId, at, queueId],
    );
    return r && historyRow(r);
  }

  async statusBefore(tenant: TenantId, userId: UserId, at: number): Promise<HistoryRow | undefined> {
    const r = await this.db.one(
      "SELECT * FROM history WHERE tenant = $1 AND user_id = $2 AND kind = 'status' AND at < $3 ORDER BY at DESC, id DESC LIMIT 1",
      [tenant, userId, at],
    );
    return r && historyRow(r);
  }

  async saveSipState(
    puts: readonly SipStateRow[],
    deletes: readonly Pick<SipStateRow, 'kind' | 'key'>[],
  ): Promise<void> {
    await this.db.tx(async (c) => {
      for (const d of deletes) await c.query('DELETE FROM sip_state WHERE kind = $1 AND key = $2', [d.kind, d.key]);
      for (const p of puts)
        await c.query(
          `INSERT INTO sip_state (kind, key, tenant, expires_at, data) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (kind, key) DO UPDATE SET tenant = excluded.tenant, expires_at = excluded.expires_at, data = excluded.data`,
          [p.kind, p.key, p.tenant, p.expiresAt, p.data],
        );
    });
  }

  async sipState(): Promise<readonly SipStateRow[]> {
    return (await this.db.rows('SELECT * FROM sip_state')).map((r) => sipStateRow(r));
  }

  async calls(tenant: TenantId, query: CallQuery): Promise<readonly CallRecord[]> {
    return pgCalls(this.db, tenant, query);
  }

  async call(tenant: TenantId, id: string): Promise<CallRecord | undefined> {
    return pgCall(this.db, tenant, id);
  }

  async pruneCalls(tenant: TenantId, before: number): Promise<number> {
    return pgPruneCalls(this.db, tenant, before);
  }

  async close(): Promise<void> {
    await this.db.pool.end();
  }
}
