// S5.4, S7.1: every user's credentials, kept in memory per tenant. A SIP digest check runs on every
// REGISTER and needs its answer at once, and the store port is asynchronous (a networked database
// may implement it): so the accounts layer loads a tenant's credentials when the tenant is added,
// and, being their only writer, updates this copy on every write it makes. A removed user's
// credentials go with them in the store's commit; the copy drops them when that commit is published.
import type { TenantId, UserId } from '../core/index.js';
import type { Credentials } from '../store/index.js';

const emailKey = (tenant: TenantId, email: string): string => `${tenant}\u0000${email.toLowerCase()}`;

export class CredentialIndex {
  private readonly byTenant = new Map<TenantId, Map<UserId, Credentials>>();
  /** The user an email (lower case) belongs to, per tenant. */
  private readonly byEmail = new Map<string, UserId>();

  /** Replaces a tenant's copy with what the store holds. */
  load(tenant: TenantId, rows: ReadonlyMap<UserId, Credentials>): void {
    for (const userId of this.byTenant.get(tenant)?.keys() ?? []) this.drop(tenant, userId);
    for (const [userId, row] of rows) this.set(tenant, userId, row);
  }

  get(tenant: TenantId, userId: UserId): Credentials | undefined {
    return this.byTenant.get(tenant)?.get(userId);
  }

  userIdByEmail(tenant: TenantId, email: string): UserId | undefined {
    return this.byEmail.get(emailKey(tenant, email));
  }

  /** The row as the store now holds it. */
  set(tenant: TenantId, userId: UserId, row: Credentials): void {
    let byUser = this.byTenant.get(tenant);
    if (byUser === undefined) this.byTenant.set(tenant, (byUser = new Map()));
    const old = byUser.get(userId)?.email;
    if (old != null) this.byEmail.delete(emailKey(tenant, old));
    byUser.set(userId, row);
    if (row.email != null) this.byEmail.set(emailKey(tenant, row.email), userId);
  }

  drop(tenant: TenantId, userId: UserId): void {
    const byUser = this.byTenant.get(tenant);
    const email = byUser?.get(userId)?.email;
    if (email != null && this.byEmail.get(emailKey(tenant, email)) === userId)
      this.byEmail.delete(emailKey(tenant, email));
    byUser?.delete(userId);
  }
}
