// Accounts (S5): users with credentials, web sign-in tokens, API keys, and who a request is.
// Passwords are stored as argon2id hashes; SIP credentials as HA1 (md5 of user:realm:password);
// tokens and API key secrets as SHA-256 (they are long random strings, so a fast hash is right).
import { hash as argonHash, verify as argonVerify } from '@node-rs/argon2';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Actor, Role, TenantId, UserId, UserInput } from '../core/index.js';
import type { Engine } from '../engine/index.js';
import type { Store } from '../store/index.js';
import { HttpRefusal, fail } from './errors.js';
import { FailureLimiter } from './limiter.js';

export interface AuthContext {
  readonly tenant: TenantId;
  readonly actor: Actor;
  readonly role: Role;
  /** The signed-in user; undefined for API keys. */
  readonly userId?: UserId;
  readonly tokenHash?: string;
}

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
export const ha1 = (user: string, realm: string, password: string): string => createHash('md5').update(`${user}:${realm}:${password}`).digest('hex');

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

export class Accounts {
  /** S5.4: failed logins limited per account and per address. */
  private readonly perAccount = new FailureLimiter(5, 60_000);
  private readonly perAddress = new FailureLimiter(20, 60_000);

  constructor(
    private readonly engine: Engine,
    private readonly store: Store,
    private readonly options: { readonly systemToken: string; readonly tokenTtlSec: number; readonly now: () => number },
  ) {}

  /** Creates or updates a user: credentials first, then the engine's directory entry. */
  async saveUser(tenant: TenantId, input: NewUser, sipDomain: string): Promise<void> {
    const state = this.engine.state(tenant);
    if (state === undefined) fail('SWB_ERR_TENANT_NOT_FOUND');
    if (input.email !== undefined) {
      const holder = this.store.userIdByEmail(tenant, input.email);
      if (holder !== undefined && holder !== input.id) fail('SWB_ERR_EMAIL_TAKEN', { email: input.email });
    }
    const { email, password, sipPassword, terminalPassword, ...user } = input;
    const out = await this.engine.dispatch(tenant, { type: 'user.upsert', user });
    if (!out.ok) throw HttpRefusal.of(out);
    this.store.setCredentials(tenant, input.id, {
      ...(email !== undefined ? { email } : {}),
      ...(password !== undefined ? { passwordHash: await argonHash(password) } : {}),
      ...(sipPassword !== undefined ? { sipHa1: ha1(input.extension, sipDomain, sipPassword) } : {}),
      ...(terminalPassword !== undefined ? { terminalHa1: ha1(input.extension, sipDomain, terminalPassword) } : {}),
    });
  }

  /** Web sign-in with extension or email and password → a bearer token. */
  async login(tenant: TenantId, username: string, password: string, address: string): Promise<{ token: string; userId: UserId; expiresAt: number }> {
    const accountKey = `${tenant}\u0000${username.toLowerCase()}`;
    const now = this.options.now();
    if (this.perAccount.blocked(accountKey, now) || this.perAddress.blocked(address, now)) fail('SWB_ERR_RATE_LIMITED');
    const state = this.engine.state(tenant);
    const userId = state === undefined ? undefined : (state.byExtension.get(username) ?? this.store.userIdByEmail(tenant, username));
    const hash = userId === undefined ? undefined : this.store.credentials(tenant, userId)?.passwordHash;
    // Verify against a hash even for an unknown user, so timing does not tell who exists.
    const ok = await argonVerify(hash ?? (await dummy()), password).catch(() => false);
    if (!ok || userId === undefined || hash == null || state?.users.get(userId) === undefined) {
      this.perAccount.fail(accountKey, now);
      this.perAddress.fail(address, now);
      fail('SWB_ERR_LOGIN_FAILED');
    }
    this.perAccount.reset(accountKey);
    const token = `swt_${randomBytes(32).toString('base64url')}`;
    const expiresAt = now + this.options.tokenTtlSec * 1000;
    this.store.saveToken(sha256(token), tenant, userId, expiresAt);
    return { token, userId, expiresAt };
  }

  logout(auth: AuthContext): void {
    if (auth.tokenHash !== undefined) this.store.deleteToken(auth.tokenHash);
  }

  async createApiKey(tenant: TenantId, name: string, role: Role): Promise<{ id: string; key: string }> {
    const id = `k${randomBytes(6).toString('hex')}`;
    const secret = randomBytes(24).toString('base64url');
    this.store.createApiKey({ id, tenant, name, role, secretHash: sha256(secret), createdAt: this.options.now() });
    return { id, key: `swk_${id}.${secret}` };
  }

  /** Who is asking: a user token, an API key, or the system administrator. */
  authenticate(header: string | undefined): AuthContext | 'system' {
    const m = /^Bearer ([A-Za-z0-9_.\-]{10,200})$/.exec(header ?? '');
    if (m === null) fail('SWB_ERR_UNAUTHENTICATED');
    const credential = m[1]!;
    if (this.options.systemToken !== '' && safeEqual(credential, this.options.systemToken)) return 'system';
    if (credential.startsWith('swk_')) {
      const [id, secret] = credential.slice(4).split('.', 2);
      const key = id === undefined ? undefined : this.store.apiKey(id);
      if (key === undefined || secret === undefined || !safeEqual(sha256(secret), key.secretHash) || !this.engine.hasTenant(key.tenant)) fail('SWB_ERR_UNAUTHENTICATED');
      return { tenant: key.tenant, role: key.role, actor: { kind: 'apikey', keyId: key.id, role: key.role } };
    }
    const tokenHash = sha256(credential);
    const t = this.store.token(tokenHash);
    const user = t === undefined ? undefined : this.engine.state(t.tenant)?.users.get(t.userId);
    if (t === undefined || user === undefined || t.expiresAt <= this.options.now()) fail('SWB_ERR_UNAUTHENTICATED');
    return { tenant: t.tenant, userId: user.id, role: user.role, tokenHash, actor: { kind: 'user', userId: user.id, role: user.role } };
  }
}

/** argon2id of a random string: verifying against it costs what a real check costs. */
let dummyHash: Promise<string> | undefined;
const dummy = (): Promise<string> => (dummyHash ??= argonHash(randomBytes(16).toString('hex')));
