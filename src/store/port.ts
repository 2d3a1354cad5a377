// The persistence port. The SQLite adapter is the embedded default; another adapter (e.g.
// PostgreSQL) implements the same interface. Only core/ types cross it.
import type { CallQuery } from './call-rows.js';
import type {
  CallRecord,
  Command,
  CoreEvent,
  HistoryEntry,
  Patch,
  Role,
  TenantId,
  TenantPolicy,
  TenantState,
  UserId,
} from '../core/index.js';

export type { CallQuery } from './call-rows.js';

export type StoredEvent = CoreEvent & { readonly tenant: TenantId; readonly epoch: string; readonly seq: number };

/** One applied command, as the engine's journal hands it over (see engine/JournalEntry). */
export interface JournalBatchEntry {
  readonly tenant: TenantId;
  readonly at: number;
  readonly command: Command;
  readonly patch: Patch;
  readonly events: readonly StoredEvent[];
}

export interface CommitResult {
  readonly outboxRows: number;
}

export interface TenantRow {
  readonly id: TenantId;
  readonly name: string;
  readonly sipDomain: string;
  readonly policy: TenantPolicy;
  readonly epoch: string;
  readonly seq: number;
}

export interface LoadedTenant {
  readonly row: TenantRow;
  readonly state: TenantState;
}

export interface Credentials {
  readonly email?: string | null;
  readonly passwordHash?: string | null;
  readonly sipHa1?: string | null;
  readonly terminalHa1?: string | null;
}

/** S5.4: one web sign-in, by the hash of its token. */
export interface TokenRow {
  readonly hash: string;
  readonly userId: UserId;
  readonly expiresAt: number;
}

export interface ApiKeyRow {
  readonly id: string;
  readonly tenant: TenantId;
  readonly name: string;
  readonly role: Role;
  readonly secretHash: string;
  readonly createdAt: number;
}

export interface WebhookRow {
  readonly tenant: TenantId;
  readonly id: string;
  readonly url: string;
  readonly secret: string;
  readonly events: readonly string[];
  readonly createdAt: number;
}

export interface OutboxRow {
  readonly id: number;
  readonly tenant: TenantId;
  readonly webhookId: string;
  readonly subject: string;
  readonly body: string;
  readonly attempts: number;
  readonly nextAt: number;
  readonly state: 'pending' | 'delivered' | 'failed';
}

export interface DeliveryRow {
  readonly id: number;
  readonly outboxId: number;
  readonly webhookId: string;
  readonly at: number;
  readonly status: number | null;
  readonly error: string | null;
  readonly durationMs: number | null;
}

/** One S6.5 history row, as the core's historyEntry makes it. */
export type HistoryRow = HistoryEntry;

/** S7, S8.2: one SIP binding, subscription or publication, as the SIP server serialises it. */
export interface SipStateRow {
  readonly kind: 'binding' | 'subscription' | 'publication';
  readonly key: string;
  readonly tenant: TenantId;
  readonly expiresAt: number;
  readonly data: string;
}

/** S10.4: the fence each tenant's owner holds; a commit under another fence is refused (FencedError). */
export interface CommitOptions {
  readonly fences?: ReadonlyMap<TenantId, number>;
}

/**
 * The persistence port. Every method answers a Promise, so a networked database (PostgreSQL)
 * implements it as well as the embedded SQLite file; a caller that needs a synchronous answer on
 * a hot path keeps its own index (auth/credentials.ts, app/tenant-rows.ts). What is stored is
 * facts and directory rows only: derived records (the presence record) are recomputed on load
 * (codec.ts), and history and the webhook outbox are projections of the committed events, decided
 * by the core (core/journal.ts) and written in the same transaction.
 */
export interface Store {
  /**
   * Commits a batch of applied commands in one transaction (commit before acknowledge): state
   * rows, events, history rows and outbox rows together; says how many outbox rows it added. The
   * promise settles once the transaction is durable; a rejection means nothing of it was kept.
   */
  commit(batch: readonly JournalBatchEntry[], options?: CommitOptions): Promise<CommitResult>;
  createTenant(row: TenantRow, createdAt: number): Promise<void>;
  tenants(): Promise<readonly TenantRow[]>;
  tenantBySipDomain(domain: string): Promise<TenantRow | undefined>;
  /**
   * The tenant's facts, decoded and validated, its derived records recomputed (codec.ts); rejects
   * with a StoreRowError naming the row when one cannot be read.
   */
  loadTenant(id: TenantId): Promise<LoadedTenant | undefined>;

  credentials(tenant: TenantId, userId: UserId): Promise<Credentials | undefined>;
  /** Every user's credentials of a tenant (for an index kept in memory by the accounts layer). */
  allCredentials(tenant: TenantId): Promise<ReadonlyMap<UserId, Credentials>>;
  /** Merges per field; answers the row as stored. */
  setCredentials(tenant: TenantId, userId: UserId, c: Credentials): Promise<Credentials>;
  userIdByEmail(tenant: TenantId, email: string): Promise<UserId | undefined>;

  saveToken(hash: string, tenant: TenantId, userId: UserId, expiresAt: number): Promise<void>;
  token(hash: string): Promise<{ tenant: TenantId; userId: UserId; expiresAt: number } | undefined>;
  /** Every sign-in of a tenant, expired ones included (for the accounts layer's index). */
  tokens(tenant: TenantId): Promise<readonly TokenRow[]>;
  deleteToken(hash: string): Promise<void>;
  /** S5.4: ends a user's sign-ins (all but `keep`, a token hash). A removed user's go with them. */
  deleteTokens(tenant: TenantId, userId: UserId, keep?: string): Promise<void>;

  createApiKey(row: ApiKeyRow): Promise<void>;
  apiKey(id: string): Promise<ApiKeyRow | undefined>;
  apiKeys(tenant: TenantId): Promise<readonly ApiKeyRow[]>;
  deleteApiKey(tenant: TenantId, id: string): Promise<boolean>;

  createWebhook(row: WebhookRow): Promise<void>;
  webhooks(tenant: TenantId): Promise<readonly WebhookRow[]>;
  deleteWebhook(tenant: TenantId, id: string): Promise<boolean>;
  enqueue(tenant: TenantId, webhookId: string, subject: string, body: string, now: number): Promise<number>;
  /**
   * Pending rows due at `now`, the oldest of each (webhook, subject) only: per-subject order. With
   * `tenants`, of those tenants only (S10: each node delivers for the tenants it owns).
   */
  dueOutbox(now: number, limit: number, tenants?: readonly TenantId[]): Promise<readonly OutboxRow[]>;
  /** When the earliest of those heads falls due (rows waiting behind a head do not count). */
  nextOutboxAt(tenants?: readonly TenantId[]): Promise<number | undefined>;
  markDelivered(id: number, now: number, status: number, durationMs: number): Promise<void>;
  markFailed(
    id: number,
    now: number,
    status: number | null,
    error: string,
    nextAt: number | null,
    durationMs: number,
  ): Promise<void>;
  deliveries(tenant: TenantId, webhookId: string, limit: number): Promise<readonly DeliveryRow[]>;

  events(tenant: TenantId, epoch: string, afterSeq: number, limit: number): Promise<readonly StoredEvent[]>;
  history(tenant: TenantId, userId: UserId, from: number, to: number): Promise<readonly HistoryRow[]>;
  /** The last status of a user before `at`, for reports that start mid-status. */
  statusBefore(tenant: TenantId, userId: UserId, at: number): Promise<HistoryRow | undefined>;
  /** The last agent state of a user in a queue before `at` (S9.2 reason report). */
  agentStateBefore(tenant: TenantId, userId: UserId, queueId: string, at: number): Promise<HistoryRow | undefined>;

  /** S8.2: writes and deletes SIP state rows in one transaction (commit before acknowledge). */
  saveSipState(puts: readonly SipStateRow[], deletes: readonly Pick<SipStateRow, 'kind' | 'key'>[]): Promise<void>;
  /** Every stored SIP state row, expired ones included (the SIP server decides what they mean). */
  sipState(): Promise<readonly SipStateRow[]>;

  /** S11.1: the call log, newest first, filtered (call-rows.ts); its rows are written by `commit`. */
  calls(tenant: TenantId, query: CallQuery): Promise<readonly CallRecord[]>;
  call(tenant: TenantId, id: string): Promise<CallRecord | undefined>;
  /** S11.1: drops the calls that started before `before` (retention); answers how many. */
  pruneCalls(tenant: TenantId, before: number): Promise<number>;

  close(): Promise<void>;
}
