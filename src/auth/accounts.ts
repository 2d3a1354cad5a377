// Accounts (S5): users with credentials, web sign-in tokens, API keys, and who a request is.
// Passwords are stored as argon2id hashes; SIP credentials as HA1 (md5 of user:realm:password);
// tokens and API key secrets as SHA-256 (they are long random strings, so a fast hash is right).
// Shared by the surfaces: HTTP uses it directly; SIP (digest credentials) and the feed (who a
// socket is) get functions of it from the composition root (app/server.ts).
import { hash as argonHash, verify as argonVerify } from '@node-rs/argon2';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Actor, Role, TenantId, UserId, UserInput } from '../core/index.js';
import type { Engine } from '../engine/index.js';
import type { Credentials, Store } from '../store/index.js';
import { HttpRefusal, fail } from '../http/errors.js';
import { AttemptLimiter } from '../shared/limiter.js';
import type { Attempt } from '../shared/limiter.js';
import { CredentialIndex } from './credentials.js';
import { SignInIndex } from './sign-ins.js';

export interface AuthContext {
  readonly tenant: TenantId;
  readonly actor: Actor;
  readonly role: Role;
  /** The signed-in user; undefined for API keys. */
  readonly userId?: UserId;
  readonly tokenHash?: string;
  /** When a user token stops working (ms); undefined for API keys. */
  readonly expiresAt?: number;
}

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
export const ha1 = (user: string, realm: string, password: string): string =>
  createHash('md5').update(`${user}:${realm}:${password}`).digest('hex');

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface NewUser extends UserInput {
  readonly email?: string;
  readonly password?: string;
  readonly sipPassword?: string;
  readonly terminalPassword?: string;
}

/** S5.4: login attempts counted per account and per address (docs/security.md, Limits). */
export const LOGIN_LIMITS = { perAccount: 5, perAddress: 20, windowMs: 60_000 } as const;

/** Whose credentials stopped working: a user's tokens or an API key. */
export type Revoked = { readonly userId: UserId } | { readonly keyId: string };

/** Told when credentials stop working, so open feed sockets can be checked again (S5.4). */
export type RevocationListener = (tenant: TenantId, whose: Revoked) => void;
export type ChangeListener = (tenant: TenantId, whose?: Revoked) => void;

export class Accounts {
  /** S5.4: login attempts, reserved before the password check (limiter.ts). */
  private readonly perAccount = new AttemptLimiter(LOGIN_LIMITS.perAccount, LOGIN_LIMITS.windowMs);
  private readonly perAddress = new AttemptLimiter(LOGIN_LIMITS.perAddress, LOGIN_LIMITS.windowMs);
  /** Attempts whose password check is still running. */
  private readonly pending = new Set<Attempt>();
  private readonly listeners: RevocationListener[] = [];
  private readonly changeListeners: ChangeListener[] = [];
  /** Credentials in memory, for the answers that cannot wait (credentials.ts). */
  private readonly index = new CredentialIndex();
  /** Tokens and API keys in memory: every request asks who it is (sign-ins.ts). */
  private readonly signIns = new SignInIndex();

  constructor(
    private readonly engine: Engine,
    private readonly store: Store,
    private readonly options: {
      readonly systemToken: string;
      readonly tokenTtlSec: number;
      readonly now: () => number;
    },
  ) {
    // A removed user's credentials and sign-ins left the store in the commit that removed them;
    // the committed batch on the bus says so.
    engine.bus.subscribe((batch) => {
      for (const e of batch.events)
        if (e.type === 'presence.changed' && e.removed) {
          this.index.drop(batch.tenant, e.subject);
          this.signIns.deleteTokens(batch.tenant, e.subject);
        }
    });
  }

  /** Loads a tenant's credentials and sign-ins into memory; called when the tenant is added, before it is served. */
  async loadTenant(tenant: TenantId): Promise<void> {
    const [credentials, tokens, keys] = await Promise.all([
      this.store.allCredentials(tenant),
      this.store.tokens(tenant),
      this.store.apiKeys(tenant),
    ]);
    this.index.load(tenant, credentials);
    this.signIns.load(tenant, tokens, keys, this.options.now());
  }

  /** S7.1: a user's credentials, at once (a SIP digest check on every REGISTER asks). */
  credentials(tenant: TenantId, userId: UserId): Credentials | undefined {
    return this.index.get(tenant, userId);
  }

  /** S5.4: the user an email names (any case), at once: the import plan asks for every row. */
  userIdByEmail(tenant: TenantId, email: string): UserId | undefined {
    return this.index.userIdByEmail(tenant, email);
  }

  private async setCredentials(tenant: TenantId, userId: UserId, c: Credentials): Promise<void> {
    this.index.set(tenant, userId, await this.store.setCredentials(tenant, userId, c));
  }

  onRevoked(listener: RevocationListener): void {
    this.listeners.push(listener);
  }

  /**
   * S10.2: told after every change to a tenant's credentials, sign-ins or API keys (with what it
   * revoked, if anything), so other nodes sharing the store load the tenant's copies again.
   */
  onChanged(listener: ChangeListener): void {
    this.changeListeners.push(listener);
  }

  /** Another node changed the tenant's credentials or sign-ins: loads them again, and ends what it revoked. */
  async reloadTenant(tenant: TenantId, whose?: Revoked): Promise<void> {
    await this.loadTenant(tenant);
    if (whose !== undefined) for (const l of this.listeners) l(tenant, whose);
  }

  private revoked(tenant: TenantId, whose: Revoked): void {
    for (const l of this.listeners) l(tenant, whose);
    this.changed(tenant, whose);
  }

  private changed(tenant: TenantId, whose?: Revoked): void {
    for (const l of this.changeListeners) l(tenant, whose);
  }

  /**
   * Creates or updates a user: the engine's directory entry, then the credentials. A changed
   * role or password ends the user's sign-ins (S5.4), except the one of `by` that made the change
   * of its own password.
   */
  async saveUser(tenant: TenantId, input: NewUser, sipDomain: string, by?: AuthContext): Promise<void> {
    const state = this.engine.state(tenant);
    if (state === undefined) fail('SWB_ERR_TENANT_NOT_FOUND');
    if (input.email !== undefined) {
      const holder = this.index.userIdByEmail(tenant, input.email);
      if (holder !== undefined && holder !== input.id) fail('SWB_ERR_EMAIL_TAKEN', { email: input.email });
    }
    const before = state.users.get(input.id);
    const { email, password, sipPassword, terminalPassword, ...user } = input;
    const passwordHash = password !== undefined ? await argonHash(password) : undefined;
    const out = await this.engine.dispatch(tenant, { type: 'user.upsert', user });
    if (!out.ok) throw HttpRefusal.of(out);
    await this.setCredentials(tenant, input.id, {
      ...(email !== undefined ? { email } : {}),
      ...(passwordHash !== undefined ? { passwordHash } : {}),
      ...(sipPassword !== undefined ? { sipHa1: ha1(input.extension, sipDomain, sipPassword) } : {}),
      ...(terminalPassword !== undefined ? { terminalHa1: ha1(input.extension, sipDomain, terminalPassword) } : {}),
    });
    if (before === undefined) return this.changed(tenant);
    const roleChanged = input.role !== undefined && input.role !== before.role;
    if (roleChanged || passwordHash !== undefined) {
      const keep = !roleChanged && by?.userId === input.id ? by.tokenHash : undefined;
      await this.store.deleteTokens(tenant, input.id, keep);
      this.signIns.deleteTokens(tenant, input.id, keep);
      this.revoked(tenant, { userId: input.id });
    } else this.changed(tenant);
  }

  /** Deletes a user; the store drops their credentials and sign-ins in the same transaction. */
  async deleteUser(tenant: TenantId, userId: UserId): Promise<void> {
    const out = await this.engine.dispatch(tenant, { type: 'user.remove', userId });
    if (!out.ok) throw HttpRefusal.of(out);
    this.revoked(tenant, { userId });
  }

  /** The user an extension or email names (any case), or undefined. */
  private userFor(tenant: TenantId, username: string): UserId | undefined {
    const state = this.engine.state(tenant);
    return state === undefined
      ? undefined
      : (state.byExtension.get(username) ?? this.index.userIdByEmail(tenant, username));
  }

  /**
   * S5.4: reserves one attempt for the account and one for the address, before the password is
   * checked; refuses when either is used up. The account is the user, whichever alias
   * (extension, email in any case) names it; a name that is no user counts under itself.
   */
  private reserve(
    tenant: TenantId,
    username: string,
    userId: UserId | undefined,
    address: string,
    now: number,
  ): { account: Attempt; address: Attempt } {
    const byAddress = this.perAddress.take(address, now);
    if (byAddress === undefined) fail('SWB_ERR_RATE_LIMITED');
    const account = this.perAccount.take(
      `${tenant}\u0000${userId !== undefined ? `id:${userId}` : `name:${username.toLowerCase()}`}`,
      now,
    );
    if (account === undefined) {
      // Refused before any check: this request costs the address nothing.
      this.perAddress.release(byAddress);
      fail('SWB_ERR_RATE_LIMITED');
    }
    this.pending.add(account);
    return { account, address: byAddress };
  }

  /**
   * S5.4: checks a password under the login limits (reserved before the check). True only for the
   * user's current password: a user deleted (and perhaps created again under the same id) or a
   * password changed while the check ran does not pass.
   */
  private async checkPassword(
    tenant: TenantId,
    username: string,
    userId: UserId | undefined,
    password: string,
    address: string,
  ): Promise<boolean> {
    const attempt = this.reserve(tenant, username, userId, address, this.options.now());
    const hash = userId === undefined ? undefined : this.credentials(tenant, userId)?.passwordHash;
    let ok = false;
    try {
      // Verify against a hash even for an unknown user, so timing does not tell who exists.
      ok = await argonVerify(hash ?? (await dummy()), password).catch(() => false);
    } finally {
      this.pending.delete(attempt.account);
    }
    const current = userId === undefined ? undefined : this.credentials(tenant, userId)?.passwordHash;
    if (
      !ok ||
      userId === undefined ||
      hash == null ||
      current !== hash ||
      this.engine.state(tenant)?.users.get(userId) === undefined
    )
      return false;
    this.perAccount.forgive(attempt.account, this.pending);
    this.perAddress.release(attempt.address);
    return true;
  }

  /** Web sign-in with extension or email and password → a bearer token. */
  async login(
    tenant: TenantId,
    username: string,
    password: string,
    address: string,
  ): Promise<{ token: string; userId: UserId; expiresAt: number }> {
    const userId = this.userFor(tenant, username);
    const ok = await this.checkPassword(tenant, username, userId, password, address);
    if (!ok || userId === undefined) fail('SWB_ERR_LOGIN_FAILED');
    const now = this.options.now();
    const token = `swt_${randomBytes(32).toString('base64url')}`;
    const expiresAt = now + this.options.tokenTtlSec * 1000;
    await this.store.saveToken(sha256(token), tenant, userId, expiresAt);
    this.signIns.addToken(sha256(token), { tenant, userId, expiresAt });
    this.changed(tenant);
    return { token, userId, expiresAt };
  }

  /**
   * S5.4: users change their own password, proving the current one (counted like a login). Their
   * other sign-ins end; the one that made the change stays.
   */
  async changePassword(auth: AuthContext, current: string, next: string, address: string): Promise<void> {
    const userId = auth.userId;
    if (userId === undefined)
      fail('SWB_ERR_FORBIDDEN', undefined, 'Only a signed-in user has a password to change; an API key has none.');
    if (!(await this.checkPassword(auth.tenant, userId, userId, current, address)))
      fail('SWB_ERR_FORBIDDEN', undefined, 'The current password is not right.');
    const passwordHash = await argonHash(next);
    if (this.engine.state(auth.tenant)?.users.get(userId) === undefined) fail('SWB_ERR_UNAUTHENTICATED');
    await this.setCredentials(auth.tenant, userId, { passwordHash });
    await this.store.deleteTokens(auth.tenant, userId, auth.tokenHash);
    this.signIns.deleteTokens(auth.tenant, userId, auth.tokenHash);
    this.revoked(auth.tenant, { userId });
  }

  async logout(auth: AuthContext): Promise<void> {
    if (auth.tokenHash === undefined || auth.userId === undefined) return;
    await this.store.deleteToken(auth.tokenHash);
    this.signIns.deleteToken(auth.tokenHash);
    this.revoked(auth.tenant, { userId: auth.userId });
  }

  async deleteApiKey(tenant: TenantId, id: string): Promise<boolean> {
    const deleted = await this.store.deleteApiKey(tenant, id);
    if (deleted) this.signIns.deleteApiKey(id);
    if (deleted) this.revoked(tenant, { keyId: id });
    return deleted;
  }

  async createApiKey(tenant: TenantId, name: string, role: Role): Promise<{ id: string; key: string }> {
    const id = `k${randomBytes(6).toString('hex')}`;
    const secret = randomBytes(24).toString('base64url');
    const row = { id, tenant, name, role, secretHash: sha256(secret), createdAt: this.options.now() };
    await this.store.createApiKey(row);
    this.signIns.addApiKey(row);
    this.changed(tenant);
    return { id, key: `swk_${id}.${secret}` };
  }

  /**
   * Who is asking: a user token, an API key, or the system administrator. Every HTTP request and
   * feed socket asks, so the answer comes from memory at once (sign-ins.ts), never from the store.
   */
  authenticate(header: string | undefined): AuthContext | 'system' {
    const m = /^Bearer ([A-Za-z0-9_.\-]{10,200})$/.exec(header ?? '');
    if (m === null) fail('SWB_ERR_UNAUTHENTICATED');
    const credential = m[1]!;
    if (this.options.systemToken !== '' && safeEqual(credential, this.options.systemToken)) return 'system';
    if (credential.startsWith('swk_')) {
      const [id, secret] = credential.slice(4).split('.', 2);
      const key = id === undefined ? undefined : this.signIns.apiKey(id);
      if (
        key === undefined ||
        secret === undefined ||
        !safeEqual(sha256(secret), key.secretHash) ||
        !this.engine.hasTenant(key.tenant)
      )
        fail('SWB_ERR_UNAUTHENTICATED');
      return { tenant: key.tenant, role: key.role, actor: { kind: 'apikey', keyId: key.id, role: key.role } };
    }
    const tokenHash = sha256(credential);
    const t = this.signIns.token(tokenHash);
    const user = t === undefined ? undefined : this.engine.state(t.tenant)?.users.get(t.userId);
    // An expired token never passes again: its copy in memory goes (the store's row stays).
    if (t !== undefined && t.expiresAt <= this.options.now()) this.signIns.deleteToken(tokenHash);
    if (t === undefined || user === undefined || t.expiresAt <= this.options.now()) fail('SWB_ERR_UNAUTHENTICATED');
    return {
      tenant: t.tenant,
      userId: user.id,
      role: user.role,
      tokenHash,
      expiresAt: t.expiresAt,
      actor: { kind: 'user', userId: user.id, role: user.role },
    };
  }
}

/** argon2id of a random string: verifying against it costs what a real check costs. */
let dummyHash: Promise<string> | undefined;
const dummy = (): Promise<string> => (dummyHash ??= argonHash(randomBytes(16).toString('hex')));
