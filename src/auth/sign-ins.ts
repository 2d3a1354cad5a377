// S5.4: the sign-ins in force — web tokens (by hash) and API keys (by id) — kept in memory. Every
// HTTP request and every feed socket asks who it is, and wants the answer at once, while the store
// port is asynchronous. The accounts layer is the only writer of tokens and keys: it loads a
// tenant's when the tenant is added (again when another node changed them, S10.2) and updates
// this copy on every write it makes, after the store has it. A removed user's tokens left the store in the commit that removed the user.
import type { TenantId, UserId } from '../core/index.js';
import type { ApiKeyRow, TokenRow } from '../store/index.js';

export interface SignIn {
  readonly tenant: TenantId;
  readonly userId: UserId;
  readonly expiresAt: number;
}

export class SignInIndex {
  private readonly tokens = new Map<string, SignIn>();
  /** Token hashes per `tenant NUL user`, to end a user's sign-ins. */
  private readonly byUser = new Map<string, Set<string>>();
  private readonly keys = new Map<string, ApiKeyRow>();

  /** A tenant's sign-ins as the store has them; tokens expired by `now` are left out (they never pass again). */
  load(tenant: TenantId, tokens: readonly TokenRow[], keys: readonly ApiKeyRow[], now: number): void {
    this.dropTenant(tenant);
    for (const t of tokens)
      if (t.expiresAt > now) this.addToken(t.hash, { tenant, userId: t.userId, expiresAt: t.expiresAt });
    for (const k of keys) this.keys.set(k.id, k);
  }

  /** Forgets a tenant's sign-ins (before they are loaded again: another node changed them, S10.2). */
  private dropTenant(tenant: TenantId): void {
    const prefix = `${tenant}\u0000`;
    for (const [user, hashes] of this.byUser) {
      if (!user.startsWith(prefix)) continue;
      for (const hash of hashes) this.tokens.delete(hash);
      this.byUser.delete(user);
    }
    for (const [id, key] of this.keys) if (key.tenant === tenant) this.keys.delete(id);
  }

  token(hash: string): SignIn | undefined {
    return this.tokens.get(hash);
  }

  addToken(hash: string, t: SignIn): void {
    this.tokens.set(hash, t);
    const user = `${t.tenant}\u0000${t.userId}`;
    let set = this.byUser.get(user);
    if (set === undefined) this.byUser.set(user, (set = new Set()));
    set.add(hash);
  }

  deleteToken(hash: string): void {
    const t = this.tokens.get(hash);
    if (t === undefined) return;
    this.tokens.delete(hash);
    this.byUser.get(`${t.tenant}\u0000${t.userId}`)?.delete(hash);
  }

  /** Ends a user's tokens, all but `keep`. */
  deleteTokens(tenant: TenantId, userId: UserId, keep?: string): void {
    const user = `${tenant}\u0000${userId}`;
    const set = this.byUser.get(user);
    if (set === undefined) return;
    for (const hash of set) if (hash !== keep) this.tokens.delete(hash);
    if (keep !== undefined && set.has(keep)) this.byUser.set(user, new Set([keep]));
    else this.byUser.delete(user);
  }

  apiKey(id: string): ApiKeyRow | undefined {
    return this.keys.get(id);
  }

  addApiKey(row: ApiKeyRow): void {
    this.keys.set(row.id, row);
  }

  deleteApiKey(id: string): void {
    this.keys.delete(id);
  }
}
