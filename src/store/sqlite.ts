// The embedded default store: one SQLite file (better-sqlite3), WAL with synchronous=NORMAL, so a
// committed transaction survives the process being killed. Every journal batch is one
// transaction: state rows, events, history and the webhook outbox together.
import Database from 'better-sqlite3';
import { dirname } from 'node:path';
import { createTenantState, historyEntry, webhooksFor } from '../core/index.js';
import type { Group, QueueState, TenantId, UserId, UserState } from '../core/index.js';
import { Checkpointer } from './checkpointer.js';
import { secureDataDir } from './file-modes.js';
import { MIGRATIONS } from './migrations.js';
import { SqliteOutbox } from './sqlite-outbox.js';
import { apiKeyRow, credentialsOf, historyRow, tenantRow } from './sqlite-rows.js';
import type { SecretBox } from './secret-box.js';
import { unlockSecrets, webhookContext } from './webhook-secrets.js';
import type { StoreLog } from './webhook-secrets.js';
import type {
  ApiKeyRow,
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
  WebhookRow,
} from './port.js';

type Row = Record<string, unknown>;

export interface SqliteStoreOptions {
  readonly onCheckpointError?: (message: string) => void;
  /** Encrypts webhook secrets at rest (32 bytes); absent: the key file beside the database. */
  readonly secretKey?: Buffer;
  readonly log?: StoreLog;
}

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly stmt;
  /** Webhooks per tenant, for enqueuing inside the journal transaction. */
  private readonly hooks = new Map<TenantId, readonly WebhookRow[]>();

  /** The webhook outbox and its deliveries (sqlite-outbox.ts). */
  private readonly outbox: SqliteOutbox;

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
    const db = this.db;
    this.stmt = {
      upsertUser: db.prepare(
        `INSERT INTO users (tenant, id, extension, name, role, state) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (tenant, id) DO UPDATE SET extension = excluded.extension, name = excluded.name, role = excluded.role, state = excluded.state`,
      ),
      // Most writes change only the engine's state: the plain UPDATE leaves the extension index
      // alone (an upsert rewrites it), and the upsert runs when the directory fields changed too.
      updateUserState: db.prepare(
        'UPDATE users SET state = ? WHERE tenant = ? AND id = ? AND extension = ? AND name = ? AND role = ?',
      ),
      deleteUser: db.prepare('DELETE FROM users WHERE tenant = ? AND id = ?'),
      deleteCredentials: db.prepare('DELETE FROM credentials WHERE tenant = ? AND user_id = ?'),
      deleteUserTokens: db.prepare('DELETE FROM auth_tokens WHERE tenant = ? AND user_id = ?'),
      upsertGroup: db.prepare(
        'INSERT INTO groups_ (tenant, id, data) VALUES (?, ?, ?) ON CONFLICT (tenant, id) DO UPDATE SET data = excluded.data',
      ),
      deleteGroup: db.prepare('DELETE FROM groups_ WHERE tenant = ? AND id = ?'),
      upsertQueue: db.prepare(
        'INSERT INTO queues (tenant, id, data) VALUES (?, ?, ?) ON CONFLICT (tenant, id) DO UPDATE SET data = excluded.data',
      ),
      deleteQueue: db.prepare('DELETE FROM queues WHERE tenant = ? AND id = ?'),
      setPolicy: db.prepare('UPDATE tenants SET policy = ? WHERE id = ?'),
      setSeq: db.prepare('UPDATE tenants SET seq = ? WHERE id = ?'),
      insertEvent: db.prepare(
        'INSERT INTO events (tenant, epoch, seq, at, type, subject, body) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      insertHistory: db.prepare(
        'INSERT INTO history (tenant, user_id, at, kind, queue_id, value, reason, cause) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
    };
    this.outbox = new SqliteOutbox(db, (text) => this.sql(text));
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

  commit(batch: readonly JournalBatchEntry[]): CommitResult {
    let outboxRows = 0;
    this.db.transaction(() => {
      const lastSeq = new Map<TenantId, number>();
      for (const entry of batch) outboxRows += this.commitEntry(entry, lastSeq);
      for (const [tenant, seq] of lastSeq) this.stmt.setSeq.run(seq, tenant);
    })();
    return { outboxRows };
  }

  /** Writes one entry; answers the number of outbox rows it added. */
  private commitEntry(entry: JournalBatchEntry, lastSeq: Map<TenantId, number>): number {
    const { tenant, patch } = entry;
    const s = this.stmt;
    for (const id of patch.removedUsers ?? []) {
      s.deleteUser.run(tenant, id);
      s.deleteCredentials.run(tenant, id);
      // S5.4: a removed user's sign-ins end with them; a user created later under the same id gets none.
      s.deleteUserTokens.run(tenant, id);
      this.credentialsCache.delete(tenant);
    }
    for (const u of patch.users ?? []) {
      const state = JSON.stringify(u);
      if (s.updateUserState.run(state, tenant, u.id, u.extension, u.name, u.role).changes === 0)
        s.upsertUser.run(tenant, u.id, u.extension, u.name, u.role, state);
    }
    for (const id of patch.removedGroups ?? []) s.deleteGroup.run(tenant, id);
    for (const g of patch.groups ?? []) s.upsertGroup.run(tenant, g.id, JSON.stringify(g));
    for (const id of patch.removedQueues ?? []) s.deleteQueue.run(tenant, id);
    for (const q of patch.queues ?? []) s.upsertQueue.run(tenant, q.config.id, JSON.stringify(q));
    if (patch.policy !== undefined) s.setPolicy.run(JSON.stringify(patch.policy), tenant);
    const hooks = this.webhooksCached(tenant);
    let outboxRows = 0;
    for (const e of entry.events) {
      const body = JSON.stringify(e);
      s.insertEvent.run(tenant, e.epoch, e.seq, e.at, e.type, e.subject, body);
      lastSeq.set(tenant, e.seq);
      // S6.5 and S6.3 are the core's decisions (core/journal.ts); the store writes what they say.
      const h = historyEntry(e);
      if (h !== undefined) s.insertHistory.run(tenant, h.userId, h.at, h.kind, h.queueId, h.value, h.reason, h.cause);
      for (const hook of webhooksFor(e, hooks)) {
        this.outbox.enqueue(tenant, hook.id, e.subject, body, e.at);
        outboxRows++;
      }
    }
    return outboxRows;
  }

  private webhooksCached(tenant: TenantId): readonly WebhookRow[] {
    let hooks = this.hooks.get(tenant);
    if (hooks === undefined) {
      hooks = this.webhooks(tenant);
      this.hooks.set(tenant, hooks);
    }
    return hooks;
  }

  createTenant(row: TenantRow, createdAt: number): void {
    this.db
      .prepare(
        'INSERT INTO tenants (id, name, sip_domain, policy, epoch, seq, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(row.id, row.name, row.sipDomain, JSON.stringify(row.policy), row.epoch, row.seq, createdAt);
  }

  tenants(): readonly TenantRow[] {
    return (this.sql('SELECT * FROM tenants ORDER BY created_at, id').all() as Row[]).map((r) => tenantRow(r));
  }

  tenantBySipDomain(domain: string): TenantRow | undefined {
    const r = this.sql('SELECT * FROM tenants WHERE sip_domain = ?').get(domain.toLowerCase()) as Row | undefined;
    return r && tenantRow(r);
  }

  loadTenant(id: TenantId): LoadedTenant | undefined {
    const r = this.sql('SELECT * FROM tenants WHERE id = ?').get(id) as Row | undefined;
    if (r === undefined) return undefined;
    const row = tenantRow(r);
    const users = (this.sql('SELECT state FROM users WHERE tenant = ?').all(id) as Row[]).map(
      (x) => JSON.parse(String(x.state)) as UserState,
    );
    const groups = (this.sql('SELECT data FROM groups_ WHERE tenant = ?').all(id) as Row[]).map(
      (x) => JSON.parse(String(x.data)) as Group,
    );
    const queues = (this.sql('SELECT data FROM queues WHERE tenant = ?').all(id) as Row[]).map(
      (x) => JSON.parse(String(x.data)) as QueueState,
    );
    const state = createTenantState(id, row.policy, { users, groups, queues });
    return { row, state };
  }

  /**
   * Credentials are read on every SIP authentication, so a tenant's are loaded whole on first use
   * and kept in memory; this store is their only writer, so every write updates the copy (a
   * removal drops the tenant's copy, which is reloaded when next asked).
   */
  private readonly credentialsCache = new Map<TenantId, Map<UserId, Credentials>>();

  private tenantCredentials(tenant: TenantId): Map<UserId, Credentials> {
    let byUser = this.credentialsCache.get(tenant);
    if (byUser === undefined) {
      byUser = new Map();
      for (const r of this.sql('SELECT * FROM credentials WHERE tenant = ?').all(tenant) as Row[])
        byUser.set(String(r.user_id), credentialsOf(r));
      this.credentialsCache.set(tenant, byUser);
    }
    return byUser;
  }

  credentials(tenant: TenantId, userId: UserId): Credentials | undefined {
    return this.tenantCredentials(tenant).get(userId);
  }

  setCredentials(tenant: TenantId, userId: UserId, c: Credentials): void {
    const old = this.credentials(tenant, userId) ?? {};
    const next = { ...old, ...c };
    const row: Credentials = {
      email: next.email?.toLowerCase() ?? null,
      passwordHash: next.passwordHash ?? null,
      sipHa1: next.sipHa1 ?? null,
      terminalHa1: next.terminalHa1 ?? null,
    };
    this.sql(
      `INSERT INTO credentials (tenant, user_id, email, password_hash, sip_ha1, terminal_ha1) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (tenant, user_id) DO UPDATE SET email = excluded.email, password_hash = excluded.password_hash, sip_ha1 = excluded.sip_ha1, terminal_ha1 = excluded.terminal_ha1`,
    ).run(tenant, userId, row.email, row.passwordHash, row.sipHa1, row.terminalHa1);
    this.credentialsCache.get(tenant)?.set(userId, row);
  }

  userIdByEmail(tenant: TenantId, email: string): UserId | undefined {
    const r = this.sql('SELECT user_id FROM credentials WHERE tenant = ? AND email = ?').get(
      tenant,
      email.toLowerCase(),
    ) as Row | undefined;
    return r === undefined ? undefined : String(r.user_id);
  }

  saveToken(hash: string, tenant: TenantId, userId: UserId, expiresAt: number): void {
    this.sql('INSERT INTO auth_tokens (hash, tenant, user_id, expires_at) VALUES (?, ?, ?, ?)').run(
      hash,
      tenant,
      userId,
      expiresAt,
    );
  }

  token(hash: string): { tenant: TenantId; userId: UserId; expiresAt: number } | undefined {
    const r = this.sql('SELECT * FROM auth_tokens WHERE hash = ?').get(hash) as Row | undefined;
    return r && { tenant: String(r.tenant), userId: String(r.user_id), expiresAt: Number(r.expires_at) };
  }

  deleteToken(hash: string): void {
    this.sql('DELETE FROM auth_tokens WHERE hash = ?').run(hash);
  }

  deleteTokens(tenant: TenantId, userId: UserId, keep?: string): void {
    this.sql('DELETE FROM auth_tokens WHERE tenant = ? AND user_id = ? AND hash IS NOT ?').run(
      tenant,
      userId,
      keep ?? null,
    );
  }

  createApiKey(row: ApiKeyRow): void {
    this.db
      .prepare('INSERT INTO api_keys (id, tenant, name, role, secret_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(row.id, row.tenant, row.name, row.role, row.secretHash, row.createdAt);
  }

  apiKey(id: string): ApiKeyRow | undefined {
    const r = this.sql('SELECT * FROM api_keys WHERE id = ?').get(id) as Row | undefined;
    return r && apiKeyRow(r);
  }

  apiKeys(tenant: TenantId): readonly ApiKeyRow[] {
    return (this.sql('SELECT * FROM api_keys WHERE tenant = ? ORDER BY created_at').all(tenant) as Row[]).map((r) =>
      apiKeyRow(r),
    );
  }

  deleteApiKey(tenant: TenantId, id: string): boolean {
    return this.sql('DELETE FROM api_keys WHERE tenant = ? AND id = ?').run(tenant, id).changes > 0;
  }

  createWebhook(row: WebhookRow): void {
    const sealed = this.box.seal(row.secret, webhookContext(row.tenant, row.id));
    this.db
      .prepare(
        'INSERT INTO webhooks (tenant, id, url, secret, sealed, events, created_at) VALUES (?, ?, ?, ?, 1, ?, ?)',
      )
      .run(row.tenant, row.id, row.url, sealed, JSON.stringify(row.events), row.createdAt);
    this.hooks.delete(row.tenant);
  }

  webhooks(tenant: TenantId): readonly WebhookRow[] {
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

  deleteWebhook(tenant: TenantId, id: string): boolean {
    const gone = this.db.transaction(() => {
      this.sql(
        "UPDATE outbox SET state = 'failed', last_error = 'webhook deleted' WHERE tenant = ? AND webhook_id = ? AND state = 'pending'",
      ).run(tenant, id);
      return this.sql('DELETE FROM webhooks WHERE tenant = ? AND id = ?').run(tenant, id).changes > 0;
    })();
    this.hooks.delete(tenant);
    return gone;
  }

  enqueue(tenant: TenantId, webhookId: string, subject: string, body: string, now: number): number {
    return this.outbox.enqueue(tenant, webhookId, subject, body, now);
  }

  dueOutbox(now: number, limit: number): readonly OutboxRow[] {
    return this.outbox.dueOutbox(now, limit);
  }

  nextOutboxAt(): number | undefined {
    return this.outbox.nextOutboxAt();
  }

  markDelivered(id: number, now: number, status: number, durationMs: number): void {
    this.outbox.markDelivered(id, now, status, durationMs);
  }

  markFailed(
    id: number,
    now: number,
    status: number | null,
    error: string,
    nextAt: number | null,
    durationMs: number,
  ): void {
    this.outbox.markFailed(id, now, status, error, nextAt, durationMs);
  }

  deliveries(tenant: TenantId, webhookId: string, limit: number): readonly DeliveryRow[] {
    return this.outbox.deliveries(tenant, webhookId, limit);
  }

  events(tenant: TenantId, epoch: string, afterSeq: number, limit: number): readonly StoredEvent[] {
    return (
      this.sql('SELECT body FROM events WHERE tenant = ? AND epoch = ? AND seq > ? ORDER BY seq LIMIT ?').all(
        tenant,
        epoch,
        afterSeq,
        limit,
      ) as Row[]
    ).map((r) => JSON.parse(String(r.body)) as StoredEvent);
  }

  history(tenant: TenantId, userId: UserId, from: number, to: number): readonly HistoryRow[] {
    return (
      this.sql(
        'SELECT * FROM history WHERE tenant = ? AND user_id = ? AND at >= ? AND at < ? ORDER BY at, rowid LIMIT 10000',
      ).all(tenant, userId, from, to) as Row[]
    ).map((r) => historyRow(r));
  }

  statusBefore(tenant: TenantId, userId: UserId, at: number): HistoryRow | undefined {
    const r = this.sql(
      "SELECT * FROM history WHERE tenant = ? AND user_id = ? AND kind = 'status' AND at < ? ORDER BY at DESC, rowid DESC LIMIT 1",
    ).get(tenant, userId, at) as Row | undefined;
    return r && historyRow(r);
  }

  saveSipState(puts: readonly SipStateRow[], deletes: readonly Pick<SipStateRow, 'kind' | 'key'>[]): void {
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

  sipState(): readonly SipStateRow[] {
    return (this.sql('SELECT * FROM sip_state').all() as Row[]).map((r) => ({
      kind: r.kind as SipStateRow['kind'],
      key: String(r.key),
      tenant: String(r.tenant),
      expiresAt: Number(r.expires_at),
      data: String(r.data),
    }));
  }

  close(): void {
    this.checkpointer?.stop();
    this.db.close();
  }
}
