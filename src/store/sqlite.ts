// The embedded default store: one SQLite file (better-sqlite3), WAL with synchronous=NORMAL, so a
// committed transaction survives the process being killed. better-sqlite3 is synchronous: each
// method does its work at once and answers a settled Promise (the port is asynchronous for a
// networked database). Every journal batch is one transaction (sqlite-journal.ts); accounts,
// webhooks and the outbox have their own files; rows are read through the codec (codec.ts).
import Database from 'better-sqlite3';
import { dirname } from 'node:path';
import type { CallRecord, TenantId, UserId } from '../core/index.js';
import { Checkpointer } from './checkpointer.js';
import { secureDataDir } from './file-modes.js';
import { MIGRATIONS } from './migrations.js';
import { SqliteAccounts } from './sqlite-accounts.js';
import { SqliteCalls } from './sqlite-calls.js';
import { SqliteJournal } from './sqlite-journal.js';
import { TurnCommit } from './turn-commit.js';
import { SqliteOutbox } from './sqlite-outbox.js';
import { historyRow, loadedTenant, sipStateRow, tenantRow } from './rows.js';
import { SqliteWebhooks } from './sqlite-webhooks.js';
import type { SecretBox } from './secret-box.js';
import { unlockSecrets } from './webhook-secrets.js';
import type { StoreLog } from './webhook-secrets.js';
import type {
  ApiKeyRow,
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

type Row = Record<string, unknown>;

/**
 * SQLite's page cache for the store's connection, in KiB (as `cache_size`, negative). The
 * store writes at the end of its tables and reads whole tenants only at a start; the operating
 * system caches the file as well. better-sqlite3's default (16 MB) filled up loading 20,000 users
 * and stayed in the RSS of an idle server (issue 19, docs/performance.md).
 */
export const PAGE_CACHE_KIB = -2048;

export interface SqliteStoreOptions {
  readonly onCheckpointError?: (message: string) => void;
  /** Encrypts webhook secrets at rest (32 bytes); absent: the key file beside the database. */
  readonly secretKey?: Buffer;
  readonly log?: StoreLog;
}

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  /** The webhook outbox and its deliveries (sqlite-outbox.ts). */
  private readonly outbox: SqliteOutbox;
  /** One batch as one transaction, with its projections (sqlite-journal.ts). */
  private readonly journal: SqliteJournal;
  private readonly turn: TurnCommit<readonly JournalBatchEntry[], number>;
  private readonly accounts: SqliteAccounts;
  private readonly hooks: SqliteWebhooks;
  /** S11.1: the call log (sqlite-calls.ts). */
  private readonly calls_: SqliteCalls;

  private readonly checkpointer: Checkpointer | undefined;
  /** Seals and opens webhook secrets (S5.4). */
  private readonly box: SecretBox;

  /** Throws SecretKeyError when the key does not open what this database holds. */
  constructor(file: string, options: SqliteStoreOptions = {}) {
    const log = options.log;
    const memory = file === ':memory:';
    // S5.4: 0700 directory, 0600 files, before SQLite creates anything there.
    if (!memory)
      secureDataDir(dirname(file), file, (detail, message) => log?.warn({ surface: 'store', ...detail }, message));
    this.db = new Database(file);
    try {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
      this.db.pragma('busy_timeout = 5000');
      this.db.pragma(`cache_size = ${PAGE_CACHE_KIB}`);
      this.migrate();
      this.box = unlockSecrets(this.db, memory ? undefined : dirname(file), options.secretKey, log);
    } catch (err) {
      this.db.close();
      throw err;
    }
    if (!memory) {
      // Checkpoints run on a worker thread (see checkpointer.ts), never inside a commit; a WAL
      // that grew large under a burst is cut back to this size once a checkpoint has caught up.
      this.db.pragma('wal_autocheckpoint = 0');
      this.db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
      this.checkpointer = new Checkpointer(file, options.onCheckpointError ?? (() => {}));
    }
    const sql = (text: string): Database.Statement => this.sql(text);
    this.outbox = new SqliteOutbox(this.db, sql);
    this.hooks = new SqliteWebhooks(this.db, sql, this.box);
    this.calls_ = new SqliteCalls(this.db, sql);
    this.journal = new SqliteJournal(this.db, (tenant) => this.hooks.of(tenant), this.outbox, this.calls_);
    this.turn = new TurnCommit(
      (batches) => this.journal.commitMany(batches),
      (batch) => this.journal.commit(batch),
    );
    this.accounts = new SqliteAccounts(sql);
  }

  private readonly statements = new Map<string, Database.Statement>();

  /** A prepared statement, prepared once per SQL text. */
  private sql(text: string): Database.Statement {
    let st = this.statements.get(text);
    if (st === undefined) {
      st = this.db.prepare(text);
      this.statements.set(text, st);
    }
    return st;
  }

  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
    const row = this.sql('SELECT version FROM schema_version').get() as { version: number } | undefined;
    let version = row?.version ?? 0;
    if (row === undefined) this.sql('INSERT INTO schema_version (version) VALUES (0)').run();
    for (; version < MIGRATIONS.length; version++) {
      const sql = MIGRATIONS[version]!;
      this.db.transaction(() => {
        this.db.exec(sql);
        this.sql('UPDATE schema_version SET version = ?').run(version + 1);
      })();
    }
  }

  /** Committed with the other batches of this turn (turn-commit.ts); settles once it is durable. */
  async commit(batch: readonly JournalBatchEntry[]): Promise<CommitResult> {
    return { outboxRows: await this.turn.commit(batch) };
  }

  async createTenant(row: TenantRow, createdAt: number): Promise<void> {
    this.sql(
      'INSERT INTO tenants (id, name, sip_domain, policy, epoch, seq, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ).run(row.id, row.name, row.sipDomain, JSON.stringify(row.policy), row.epoch, row.seq, createdAt);
  }

  async tenants(): Promise<readonly TenantRow[]> {
    return (this.sql('SELECT * FROM tenants ORDER BY created_at, id').all() as Row[]).map((r) => tenantRow(r));
  }

  async tenantBySipDomain(domain: string): Promise<TenantRow | undefined> {
    const r = this.sql('SELECT * FROM tenants WHERE sip_domain = ?').get(domain.toLowerCase()) as Row | undefined;
    return r && tenantRow(r);
  }

  async loadTenant(id: TenantId): Promise<LoadedTenant | undefined> {
    const r = this.sql('SELECT * FROM tenants WHERE id = ?').get(id) as Row | undefined;
    if (r === undefined) return undefined;
    const rows = (table: string, column: string) =>
      this.sql(`SELECT id, ${column} AS data FROM ${table} WHERE tenant = ? ORDER BY id`).all(id) as Row[];
    return loadedTenant(r, {
      users: rows('users', 'state'),
      groups: rows('groups_', 'data'),
      queues: rows('queues', 'data'),
    });
  }

  async credentials(tenant: TenantId, userId: UserId): Promise<Credentials | undefined> {
    return this.accounts.credentials(tenant, userId);
  }

  async allCredentials(tenant: TenantId): Promise<ReadonlyMap<UserId, Credentials>> {
    return this.accounts.allCredentials(tenant);
  }

  async setCredentials(tenant: TenantId, userId: UserId, c: Credentials): Promise<Credentials> {
    return this.accounts.setCredentials(tenant, userId, c);
  }

  async userIdByEmail(tenant: TenantId, email: string): Promise<UserId | undefined> {
    return this.accounts.userIdByEmail(tenant, email);
  }

  async saveToken(hash: string, tenant: TenantId, userId: UserId, expiresAt: number): Promise<void> {
    this.accounts.saveToken(hash, tenant, userId, expiresAt);
  }

  async token(hash: string): Promise<{ tenant: TenantId; userId: UserId; expiresAt: number } | undefined> {
    return this.accounts.token(hash);
  }

  async tokens(tenant: TenantId): Promise<readonly TokenRow[]> {
    return this.accounts.tokens(tenant);
  }

  async deleteToken(hash: string): Promise<void> {
    this.accounts.deleteToken(hash);
  }

  async deleteTokens(tenant: TenantId, userId: UserId, keep?: string): Promise<void> {
    this.accounts.deleteTokens(tenant, userId, keep);
  }

  async createApiKey(row: ApiKeyRow): Promise<void> {
    this.accounts.createApiKey(row);
  }

  async apiKey(id: string): Promise<ApiKeyRow | undefined> {
    return this.accounts.apiKey(id);
  }

  async apiKeys(tenant: TenantId): Promise<readonly ApiKeyRow[]> {
    return this.accounts.apiKeys(tenant);
  }

  async deleteApiKey(tenant: TenantId, id: string): Promise<boolean> {
    return this.accounts.deleteApiKey(tenant, id);
  }

  async createWebhook(row: WebhookRow): Promise<void> {
    this.hooks.create(row);
  }

  async webhooks(tenant: TenantId): Promise<readonly WebhookRow[]> {
    return this.hooks.of(tenant);
  }

  async deleteWebhook(tenant: TenantId, id: string): Promise<boolean> {
    return this.hooks.delete(tenant, id);
  }

  async enqueue(tenant: TenantId, webhookId: string, subject: string, body: string, now: number): Promise<number> {
    return this.outbox.enqueue(tenant, webhookId, subject, body, now);
  }

  async dueOutbox(now: number, limit: number, tenants?: readonly TenantId[]): Promise<readonly OutboxRow[]> {
    return this.outbox.dueOutbox(now, limit, tenants);
  }

  async nextOutboxAt(tenants?: readonly TenantId[]): Promise<number | undefined> {
    return this.outbox.nextOutboxAt(tenants);
  }

  async markDelivered(id: number, now: number, status: number, durationMs: number): Promise<void> {
    this.outbox.markDelivered(id, now, status, durationMs);
  }

  async markFailed(
    id: number,
    now: number,
    status: number | null,
    error: string,
    nextAt: number | null,
    durationMs: number,
  ): Promise<void> {
    this.outbox.markFailed(id, now, status, error, nextAt, durationMs);
  }

  async deliveries(tenant: TenantId, webhookId: string, limit: number): Promise<readonly DeliveryRow[]> {
    return this.outbox.deliveries(tenant, webhookId, limit);
  }

  async events(tenant: TenantId, epoch: string, afterSeq: number, limit: number): Promise<readonly StoredEvent[]> {
    return (
      this.sql('SELECT body FROM events WHERE tenant = ? AND epoch = ? AND seq > ? ORDER BY seq LIMIT ?').all(
        tenant,
        epoch,
        afterSeq,
        limit,
      ) as Row[]
    ).map((r) => JSON.parse(String(r.body)) as StoredEvent);
  }

  async history(tenant: TenantId, userId: UserId, from: number, to: number): Promise<readonly HistoryRow[]> {
    return (
      this.sql(
        'SELECT * FROM history WHERE tenant = ? AND user_id = ? AND at >= ? AND at < ? ORDER BY at, rowid LIMIT 10000',
      ).all(tenant, userId, from, to) as Row[]
    ).map((r) => historyRow(r));
  }

  async agentStateBefore(
    tenant: TenantId,
    userId: UserId,
    queueId: string,
    at: number,
  ): Promise<HistoryRow | undefined> {
    const r = this.sql(
      "SELECT * FROM history WHERE tenant = ? AND user_id = ? AND kind = 'agent' AND queue_id = ? AND at < ? ORDER BY at DESC, rowid DESC LIMIT 1",
    ).get(tenant, userId, queueId, at) as Row | undefined;
    return r && historyRow(r);
  }

  async statusBefore(tenant: TenantId, userId: UserId, at: number): Promise<HistoryRow | undefined> {
    const r = this.sql(
      "SELECT * FROM history WHERE tenant = ? AND user_id = ? AND kind = 'status' AND at < ? ORDER BY at DESC, rowid DESC LIMIT 1",
    ).get(tenant, userId, at) as Row | undefined;
    return r && historyRow(r);
  }

  async saveSipState(
    puts: readonly SipStateRow[],
    deletes: readonly Pick<SipStateRow, 'kind' | 'key'>[],
  ): Promise<void> {
    const put = this.sql(
      `INSERT INTO sip_state (kind, key, tenant, expires_at, data) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (kind, key) DO UPDATE SET tenant = excluded.tenant, expires_at = excluded.expires_at, data = excluded.data`,
    );
    const del = this.sql('DELETE FROM sip_state WHERE kind = ? AND key = ?');
    this.db.transaction(() => {
      for (const d of deletes) del.run(d.kind, d.key);
      for (const p of puts) put.run(p.kind, p.key, p.tenant, p.expiresAt, p.data);
    })();
  }

  async sipState(): Promise<readonly SipStateRow[]> {
    return (this.sql('SELECT * FROM sip_state').all() as Row[]).map((r) => sipStateRow(r));
  }

  async calls(tenant: TenantId, query: CallQuery): Promise<readonly CallRecord[]> {
    return this.calls_.list(tenant, query);
  }

  async call(tenant: TenantId, id: string): Promise<CallRecord | undefined> {
    return this.calls_.one(tenant, id);
  }

  async pruneCalls(tenant: TenantId, before: number): Promise<number> {
    return this.calls_.prune(tenant, before);
  }

  async close(): Promise<void> {
    this.turn.flush(); // what was committed in this turn is written before the file closes
    this.checkpointer?.stop();
    this.db.close();
  }
}
