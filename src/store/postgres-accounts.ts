// Accounts in the PostgreSQL store (postgres.ts): credentials, web sign-in tokens and API keys,
// with the meaning of the SQLite ones (sqlite-accounts.ts) and the same row decoding (rows.ts).
import type { TenantId, UserId } from '../core/index.js';
import type { ApiKeyRow, Credentials, TokenRow } from './port.js';
import type { PgDb } from './postgres-db.js';
import { apiKeyRow, credentialsByUser, credentialsOf, mergedCredentials, tokenRow } from './rows.js';

export class PgAccounts {
  constructor(private readonly db: PgDb) {}

  async credentials(tenant: TenantId, userId: UserId): Promise<Credentials | undefined> {
    const r = await this.db.one('SELECT * FROM credentials WHERE tenant = $1 AND user_id = $2', [tenant, userId]);
    return r && credentialsOf(r);
  }

  async allCredentials(tenant: TenantId): Promise<ReadonlyMap<UserId, Credentials>> {
    return credentialsByUser(await this.db.rows('SELECT * FROM credentials WHERE tenant = $1', [tenant]));
  }

  /** Merges per field under a row lock, so two writers of one user's fields both keep theirs. */
  setCredentials(tenant: TenantId, userId: UserId, c: Credentials): Promise<Credentials> {
    return this.db.tx(async (client) => {
      const old = (
        await client.query('SELECT * FROM credentials WHERE tenant = $1 AND user_id = $2 FOR UPDATE', [tenant, userId])
      ).rows[0] as Record<string, unknown> | undefined;
      const row = mergedCredentials(old && credentialsOf(old), c);
      await client.query(
        `INSERT INTO credentials (tenant, user_id, email, password_hash, sip_ha1, terminal_ha1) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (tenant, user_id) DO UPDATE SET email = excluded.email, password_hash = excluded.password_hash, sip_ha1 = excluded.sip_ha1, terminal_ha1 = excluded.terminal_ha1`,
        [tenant, userId, row.email, row.passwordHash, row.sipHa1, row.terminalHa1],
      );
      return row;
    });
  }

  async userIdByEmail(tenant: TenantId, email: string): Promise<UserId | undefined> {
    const r = await this.db.one('SELECT user_id FROM credentials WHERE tenant = $1 AND email = $2', [
      tenant,
      email.toLowerCase(),
    ]);
    return r === undefined ? undefined : String(r.user_id);
  }

  async saveToken(hash: string, tenant: TenantId, userId: UserId, expiresAt: number): Promise<void> {
    await this.db.run('INSERT INTO auth_tokens (hash, tenant, user_id, expires_at) VALUES ($1, $2, $3, $4)', [
      hash,
      tenant,
      userId,
      expiresAt,
    ]);
  }

  async token(hash: string): Promise<{ tenant: TenantId; userId: UserId; expiresAt: number } | undefined> {
    const r = await this.db.one('SELECT * FROM auth_tokens WHERE hash = $1', [hash]);
    return r && { tenant: String(r.tenant), userId: String(r.user_id), expiresAt: Number(r.expires_at) };
  }

  async tokens(tenant: TenantId): Promise<readonly TokenRow[]> {
    // COLLATE "C": ordered by bytes, as SQLite orders text.
    const rows = await this.db.rows('SELECT * FROM auth_tokens WHERE tenant = $1 ORDER BY hash COLLATE "C"', [tenant]);
    return rows.map((r) => tokenRow(r));
  }

  async deleteToken(hash: string): Promise<void> {
    await this.db.run('DELETE FROM auth_tokens WHERE hash = $1', [hash]);
  }

  async deleteTokens(tenant: TenantId, userId: UserId, keep?: string): Promise<void> {
    await this.db.run('DELETE FROM auth_tokens WHERE tenant = $1 AND user_id = $2 AND hash IS DISTINCT FROM $3', [
      tenant,
      userId,
      keep ?? null,
    ]);
  }

  async createApiKey(row: ApiKeyRow): Promise<void> {
    await this.db.run(
      'INSERT INTO api_keys (id, tenant, name, role, secret_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
      [row.id, row.tenant, row.name, row.role, row.secretHash, row.createdAt],
    );
  }

  async apiKey(id: string): Promise<ApiKeyRow | undefined> {
    const r = await this.db.one('SELECT * FROM api_keys WHERE id = $1', [id]);
    return r && apiKeyRow(r);
  }

  async apiKeys(tenant: TenantId): Promise<readonly ApiKeyRow[]> {
    const rows = await this.db.rows('SELECT * FROM api_keys WHERE tenant = $1 ORDER BY created_at', [tenant]);
    return rows.map((r) => apiKeyRow(r));
  }

  async deleteApiKey(tenant: TenantId, id: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM api_keys WHERE tenant = $1 AND id = $2', [tenant, id])) > 0;
  }
}
