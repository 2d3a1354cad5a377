// Accounts in the SQLite store (sqlite.ts): credentials, web sign-in tokens and API keys. The
// accounts layer (auth/) keeps its own index of credentials for the hot paths; this is the record.
import type Database from 'better-sqlite3';
import type { TenantId, UserId } from '../core/index.js';
import type { ApiKeyRow, Credentials, TokenRow } from './port.js';
import { apiKeyRow, credentialsByUser, credentialsOf, mergedCredentials, tokenRow } from './rows.js';

type Row = Record<string, unknown>;
type Sql = (text: string) => Database.Statement;

export class SqliteAccounts {
  constructor(private readonly sql: Sql) {}

  credentials(tenant: TenantId, userId: UserId): Credentials | undefined {
    const r = this.sql('SELECT * FROM credentials WHERE tenant = ? AND user_id = ?').get(tenant, userId) as
      Row | undefined;
    return r && credentialsOf(r);
  }

  allCredentials(tenant: TenantId): ReadonlyMap<UserId, Credentials> {
    return credentialsByUser(this.sql('SELECT * FROM credentials WHERE tenant = ?').all(tenant) as Row[]);
  }

  setCredentials(tenant: TenantId, userId: UserId, c: Credentials): Credentials {
    const row = mergedCredentials(this.credentials(tenant, userId), c);
    this.sql(
      `INSERT INTO credentials (tenant, user_id, email, password_hash, sip_ha1, terminal_ha1) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (tenant, user_id) DO UPDATE SET email = excluded.email, password_hash = excluded.password_hash, sip_ha1 = excluded.sip_ha1, terminal_ha1 = excluded.terminal_ha1`,
    ).run(tenant, userId, row.email, row.passwordHash, row.sipHa1, row.terminalHa1);
    return row;
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

  tokens(tenant: TenantId): readonly TokenRow[] {
    return (this.sql('SELECT * FROM auth_tokens WHERE tenant = ? ORDER BY hash').all(tenant) as Row[]).map((r) =>
      tokenRow(r),
    );
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
    this.sql('INSERT INTO api_keys (id, tenant, name, role, secret_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(
      row.id,
      row.tenant,
      row.name,
      row.role,
      row.secretHash,
      row.createdAt,
    );
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
}
