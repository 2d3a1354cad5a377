// Decoding the SQLite store's rows (sqlite.ts) into the port's types.
import type { ApiKeyRow, Credentials, HistoryRow, SipStateRow, TenantRow } from './port.js';

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
