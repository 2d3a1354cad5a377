// The persistence port. The SQLite adapter is the embedded default; another adapter (e.g.
// PostgreSQL) implements the same interface. Only core/ types cross it.
import type {
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

export interface Store {
  /**
   * Commits a batch of applied commands in one transaction (commit before acknowledge); says how
   * many webhook outbox rows it added.
   */
  commit(batch: readonly JournalBatchEntry[]): CommitResult;
  createTenant(row: TenantRow, createdAt: number): void;
  tenants(): readonly TenantRow[];
  tenantBySipDomain(domain: string): TenantRow | undefined;
  loadTenant(id: TenantId): LoadedTenant | undefined;

  credentials(tenant: TenantId, userId: UserId): Credentials | undefined;
  setCredentials(tenant: TenantId, userId: UserId, c: Credentials): void;
  userIdByEmail(tenant: TenantId, email: string): UserId | undefined;

  saveToken(hash: string, tenant: TenantId, userId: UserId, expiresAt: number): void;
  token(hash: string): { tenant: TenantId; userId: UserId; expiresAt: number } | undefined;
  deleteToken(hash: string): void;
  /** S5.4: ends a user's sign-ins (all but `keep`, a token hash). A removed user's go with them. */
  deleteTokens(tenant: TenantId, userId: UserId, keep?: string): void;

  createApiKey(row: ApiKeyRow): void;
  apiKey(id: string): ApiKeyRow | undefined;
  apiKeys(tenant: TenantId): readonly ApiKeyRow[];
  deleteApiKey(tenant: TenantId, id: string): boolean;

  createWebhook(row: WebhookRow): void;
  webhooks(tenant: TenantId): readonly WebhookRow[];
  deleteWebhook(tenant: TenantId, id: string): boolean;
  enqueue(tenant: TenantId, webhookId: string, subject: string, body: string, now: number): number;
  /** Pending rows due at `now`, the oldest of each (webhook, subject) only: per-subject order. */
  dueOutbox(now: number, limit: number): readonly OutboxRow[];
  /** When the earliest of those heads falls due (rows waiting behind a head do not count). */
  nextOutboxAt(): number | undefined;
  markDelivered(id: number, now: number, status: number, durationMs: number): void;
  markFailed(
    id: number,
    now: number,
    status: number | null,
    error: string,
    nextAt: number | null,
    durationMs: number,
  ): void;
  deliveries(tenant: TenantId, webhookId: string, limit: number): readonly DeliveryRow[];

  events(tenant: TenantId, epoch: string, afterSeq: number, limit: number): readonly StoredEvent[];
  history(tenant: TenantId, userId: UserId, from: number, to: number): readonly HistoryRow[];
  /** The last status of a user before `at`, for reports that start mid-status. */
  statusBefore(tenant: TenantId, userId: UserId, at: number): HistoryRow | undefined;

  /** S8.2: writes and deletes SIP state rows in one transaction (commit before acknowledge). */
  saveSipState(puts: readonly SipStateRow[], deletes: readonly Pick<SipStateRow, 'kind' | 'key'>[]): void;
  /** Every stored SIP state row, expired ones included (the SIP server decides what they mean). */
  sipState(): readonly SipStateRow[];

  close(): void;
}
