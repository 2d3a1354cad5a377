// Who sent a request: digest authentication against the tenant's realm (S7.1). The credential
// decides the registration kind (S1.1): the user's SIP password → `app`, the terminal password →
// `terminal`. Failed attempts are limited per source address (S5.4) and per account (S7.1): an
// account with too many failures is refused from every address, the right password included.
import type { TenantId, UserId } from '../core/index.js';
import type { DeviceKind } from '../core/index.js';
import { NonceIssuer, challenge, credentialsFrom, digestResponse, sameDigest, sameTarget } from './digest.js';
import { parseDigest } from './headers.js';
import type { Incoming } from './request.js';
import { AttemptLimiter } from '../shared/limiter.js';

/** What the composition root tells the SIP server about tenants and credentials. */
export interface SipDirectory {
  /** The tenant served under a SIP domain (or this server's own address); its realm is its SIP domain. */
  tenantForDomain(host: string): { readonly tenant: TenantId; readonly domain: string } | undefined;
  /** HA1 = md5("<extension>:<sipDomain>:<password>") for the user's SIP and terminal passwords. */
  credentials(
    tenant: TenantId,
    userId: UserId,
  ): { readonly sipHa1?: string | null; readonly terminalHa1?: string | null } | undefined;
}

export type AuthOutcome =
  | {
      readonly ok: true;
      readonly userId: UserId;
      readonly extension: string;
      readonly kind: Extract<DeviceKind, 'app' | 'terminal'>;
    }
  | {
      readonly ok: false;
      readonly status: 400 | 401 | 403;
      readonly reason: string;
      readonly headers: readonly (readonly [string, string])[];
      readonly failed: boolean;
    };

export interface AuthenticatorOptions {
  readonly directory: SipDirectory;
  readonly nonces: NonceIssuer;
  readonly now: () => number;
  /** Users by extension in a tenant (the engine's directory). */
  readonly userByExtension: (tenant: TenantId, extension: string) => UserId | undefined;
  readonly maxFailuresPerMinute?: number;
  readonly maxFailuresPerAccountPerMinute?: number;
  /** A failed attempt from this address (wrong password, unknown user). */
  readonly onFailure?: (address: string) => void;
}

export class Authenticator {
  // The shared login limiter (shared/limiter.ts), used as a failure count: the digest check is
  // synchronous, so nothing can slip between `blocked` and the failure's `take`.
  private readonly failures: AttemptLimiter;
  private readonly accountFailures: AttemptLimiter;

  constructor(private readonly options: AuthenticatorOptions) {
    this.failures = new AttemptLimiter(options.maxFailuresPerMinute ?? 20, 60_000, 50_000);
    this.accountFailures = new AttemptLimiter(options.maxFailuresPerAccountPerMinute ?? 20, 60_000, 50_000);
  }

  private challengeOf(realm: string, stale: boolean): AuthOutcome {
    return {
      ok: false,
      status: 401,
      reason: 'Unauthorized',
      headers: [['WWW-Authenticate', challenge(realm, this.options.nonces.issue(realm), stale)]],
      failed: false,
    };
  }

  private refuse(address: string, account: string, reason: string): AuthOutcome {
    const now = this.options.now();
    this.failures.take(address, now);
    this.accountFailures.take(account, now);
    this.options.onFailure?.(address);
    return { ok: false, status: 403, reason, headers: [], failed: true };
  }

  authenticate(inc: Incoming, tenant: TenantId, realm: string): AuthOutcome {
    const address = inc.flow.address;
    // S5.4: an address with too many failures is refused before any check (no oracle).
    if (this.failures.blocked(address, this.options.now()))
      return { ok: false, status: 403, reason: 'Forbidden (too many failed attempts)', headers: [], failed: false };
    let params: ReadonlyMap<string, string> | undefined;
    for (const h of inc.req.headers) {
      if (h.key !== 'authorization' && h.key !== 'proxy-authorization') continue;
      const p = parseDigest(h.value);
      if (p !== undefined && p.get('realm') === realm) {
        params = p;
        break;
      }
    }
    if (params === undefined) return this.challengeOf(realm, false);
    const c = credentialsFrom(params);
    if (c === undefined) return this.challengeOf(realm, false);
    if (c.algorithm !== undefined && c.algorithm.toUpperCase() !== 'MD5') return this.challengeOf(realm, false);
    if (c.qop !== undefined && c.qop !== 'auth') return this.challengeOf(realm, false);
    // S7.1: credentials for another target are refused before the password is looked at (RFC
    // 2617 §3.2.2.5: 400). Nothing about the password is learnt, so it counts as no failure.
    if (!sameTarget(c.uri, inc.req.uri))
      return {
        ok: false,
        status: 400,
        reason: 'Bad Request (digest uri does not match the Request-URI)',
        headers: [],
        failed: false,
      };
    // S7.1: an account with too many failures is refused from any address, before the password is
    // checked, so a guesser spread over many addresses learns nothing either.
    const account = `${tenant}\u0000${c.username}`;
    if (this.accountFailures.blocked(account, this.options.now()))
      return {
        ok: false,
        status: 403,
        reason: 'Forbidden (too many failed attempts for this account)',
        headers: [],
        failed: false,
      };
    const userId = this.options.userByExtension(tenant, c.username);
    const creds = userId === undefined ? undefined : this.options.directory.credentials(tenant, userId);
    if (userId === undefined || creds === undefined) return this.refuse(address, account, 'Forbidden');
    let kind: 'app' | 'terminal' | undefined;
    if (creds.sipHa1 && sameDigest(digestResponse(creds.sipHa1, inc.req.method, c), c.response)) kind = 'app';
    else if (creds.terminalHa1 && sameDigest(digestResponse(creds.terminalHa1, inc.req.method, c), c.response))
      kind = 'terminal';
    if (kind === undefined) return this.refuse(address, account, 'Forbidden');
    // The password is right: a nonce that is old, or not ours (e.g. from before a restart, the
    // secret is per process), only asks for a fresh one (RFC 7616 §3.3 stale=true).
    if (this.options.nonces.check(c.nonce, realm) !== 'ok') return this.challengeOf(realm, true);
    // RFC 7616 §3.4: a nonce-count that does not rise is a replay: ask again with a fresh nonce.
    if (!this.options.nonces.acceptCount(c.nonce, c.username, c.qop === undefined ? undefined : c.nc))
      return this.challengeOf(realm, true);
    return { ok: true, userId, extension: c.username, kind };
  }
}
