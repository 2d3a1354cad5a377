// Decoding a store's rows into the port's types, shared by both adapters (sqlite.ts, postgres.ts):
// the column names are the same in both schemas, and a number may arrive as a string (PostgreSQL's
// BIGINT), which Number() reads alike.
import { createTenantState } from '../core/index.js';
import type { TenantId, UserId } from '../core/index.js';
import { decodeGroup, decodeQueue, decodeUser } from './codec.js';
import type {
  ApiKeyRow,
  Credentials,
  DeliveryRow,
  HistoryRow,
  LoadedTenant,
  OutboxRow,
  SipStateRow,
  TenantRow,
  TokenRow,
} from './port.js';

type Row = Record<string, unknown>;

export function tenantRow(r: Row): TenantRow {
  return {
    id: String(r.id),
    name: String(r.name),
    sipDomain: String(r.sip_domain),
    policy: JSON.parse(String(r.policy)),
    epoch: String(r.epoch),
    seq: Number(r.seq),
  };
}

export function apiKeyRow(r: Row): ApiKeyRow {
  return {
    id: String(r.id),
    tenant: String(r.tenant),
    name: String(r.name),
    role: r.role as ApiKeyRow['role'],
    secretHash: String(r.secret_hash),
    createdAt: Number(r.created_at),
  };
}

export function historyRow(r: Row): HistoryRow {
  return {
    userId: String(r.user_id),
    at: Number(r.at),
    kind: r.kind as HistoryRow['kind'],
    queueId: (r.queue_id as string | null) ?? null,
    value: String(r.value),
    reason: (r.reason as string | null) ?? null,
    cause: String(r.cause),
  };
}

export function credentialsOf(r: Row): Credentials {
  return {
    email: (r.email as string | null) ?? null,
    passwordHash: (r.password_hash as string | null) ?? null,
    sipHa1: (r.sip_ha1 as string | null) ?? null,
    terminalHa1: (r.terminal_ha1 as string | null) ?? null,
  };
}

export function sipStateRow(r: Row): SipStateRow {
  return {
    kind: r.kind as SipStateRow['kind'],
    key: String(r.key),
    tenant: String(r.tenant),
    expiresAt: Number(r.expires_at),
    data: String(r.data),
  };
}

export function tokenRow(r: Row): TokenRow {
  return { hash: String(r.hash), userId: String(r.user_id), expiresAt: Number(r.expires_at) };
}

/** The stored credentials after a merge per field (setCredentials): email kept in lower case. */
export function mergedCredentials(old: Credentials | undefined, c: Credentials): Credentials {
  const next = { ...old, ...c };
  return {
    email: next.email?.toLowerCase() ?? null,
    passwordHash: next.passwordHash ?? null,
    sipHa1: next.sipHa1 ?? null,
    terminalHa1: next.terminalHa1 ?? null,
  };
}

export function credentialsByUser(rows: readonly Row[]): ReadonlyMap<UserId, Credentials> {
  const byUser = new Map<UserId, Credentials>();
  for (const r of rows) byUser.set(String(r.user_id), credentialsOf(r));
  return byUser;
}

export function outboxRow(r: Row): OutboxRow {
  return {
    id: Number(r.id),
    tenant: String(r.tenant),
    webhookId: String(r.webhook_id),
    subject: String(r.subject),
    body: String(r.body),
    attempts: Number(r.attempts),
    nextAt: Number(r.next_at),
    state: r.state as OutboxRow['state'],
  };
}

export function deliveryRow(r: Row): DeliveryRow {
  return {
    id: Number(r.id),
    outboxId: Number(r.outbox_id),
    webhookId: String(r.webhook_id),
    at: Number(r.at),
    status: r.status === null ? null : Number(r.status),
    error: (r.error as string | null) ?? null,
    durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
  };
}

/** The state rows of a tenant, as read (id and the stored text), per kind. */
export interface StateRows {
  readonly users: readonly Row[];
  readonly groups: readonly Row[];
  readonly queues: readonly Row[];
}

/** A tenant's row and state rows, decoded through the codec, derived records recomputed. */
export function loadedTenant(r: Row, rows: StateRows): LoadedTenant {
  const row = tenantRow(r);
  const id: TenantId = row.id;
  const policy = createTenantState(id, row.policy).policy;
  const users = rows.users.map((x) => decodeUser(String(x.data), id, String(x.id), policy));
  const groups = rows.groups.map((x) => decodeGroup(String(x.data), id, String(x.id)));
  const queues = rows.queues.map((x) => decodeQueue(String(x.data), id, String(x.id)));
  return { row, state: createTenantState(id, row.policy, { users, groups, queues }) };
}
