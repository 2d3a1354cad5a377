// Digest authentication (RFC 2617 / RFC 7616 with MD5, qop=auth; RFC 3261 §22). Nonces are
// stateless: a timestamp and random bytes signed with a server secret, so any nonce we issued can
// be checked without remembering it, and an old one is answered with stale=true. The only state
// is the last nonce-count seen per (nonce, user), so a replayed request is refused.
import { createHmac, hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { parseUri } from './headers.js';
import { randomHex } from './random.js';

/** One-shot (no Hash object per call: two of these per authenticated request). */
export const md5 = (s: string): string => hash('md5', s, 'hex');

export type NonceCheck = 'ok' | 'stale' | 'invalid';

export interface DigestOptions {
  readonly secret?: Buffer;
  readonly nonceTtlMs?: number;
  readonly now: () => number;
}

export interface DigestCredentials {
  readonly username: string;
  readonly realm: string;
  readonly nonce: string;
  readonly uri: string;
  readonly response: string;
  readonly qop?: string;
  readonly nc?: string;
  readonly cnonce?: string;
  readonly algorithm?: string;
  readonly opaque?: string;
}

export function credentialsFrom(params: ReadonlyMap<string, string>): DigestCredentials | undefined {
  const username = params.get('username');
  const realm = params.get('realm');
  const nonce = params.get('nonce');
  const uri = params.get('uri');
  const response = params.get('response');
  if (
    username === undefined ||
    realm === undefined ||
    nonce === undefined ||
    uri === undefined ||
    response === undefined
  )
    return undefined;
  const out: { -readonly [K in keyof DigestCredentials]: DigestCredentials[K] } = {
    username,
    realm,
    nonce,
    uri,
    response,
  };
  for (const k of ['qop', 'nc', 'cnonce', 'algorithm', 'opaque'] as const) {
    const v = params.get(k);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** The expected `response` for a request, given the stored HA1 = md5(user:realm:password). */
export function digestResponse(ha1: string, method: string, c: DigestCredentials): string {
  const ha2 = md5(`${method}:${c.uri}`);
  if (c.qop === undefined) return md5(`${ha1}:${c.nonce}:${ha2}`);
  return md5(`${ha1}:${c.nonce}:${c.nc ?? ''}:${c.cnonce ?? ''}:${c.qop}:${ha2}`);
}

/**
 * RFC 2617 §3.2.2.5 (kept by RFC 7616 §3.4.6), RFC 3261 §22.4: the `uri` of the credentials must
 * name the resource of the Request-URI, or a response computed for one request could be spent on
 * another target. The same text always does. Otherwise both must be SIP URIs naming the same
 * target: scheme, user (unescaped), host (in any case), port (5060 when absent, 5061 for sips)
 * and maddr; parameters that do not change the target (transport, lr, user=phone…) are not
 * compared, so a client that writes them differently is not refused.
 */
export function sameTarget(digestUri: string, requestUri: string): boolean {
  if (digestUri === requestUri) return true;
  const a = parseUri(digestUri);
  const b = parseUri(requestUri);
  if (a === undefined || b === undefined || (a.scheme !== 'sip' && a.scheme !== 'sips') || a.scheme !== b.scheme)
    return false;
  const port = (u: NonNullable<typeof a>): number => u.port ?? (u.scheme === 'sips' ? 5061 : 5060);
  const maddr = (u: NonNullable<typeof a>): string => (u.params.get('maddr') ?? '').toLowerCase();
  return a.user === b.user && a.host === b.host && port(a) === port(b) && maddr(a) === maddr(b);
}

export function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase());
  const y = Buffer.from(b.toLowerCase());
  return x.length === y.length && timingSafeEqual(x, y);
}

export class NonceIssuer {
  private readonly secret: Buffer;
  private readonly ttlMs: number;
  private readonly now: () => number;
  /**
   * Last nonce-count per `nonce \0 user`, dropped once the nonce is past its lifetime. The key is
   * a flat string of its own (the nonce and user are slices of the request: a key built from them
   * by concatenation would keep the whole request text for the nonce's lifetime).
   */
  private readonly counts = new Map<string, number>();

  constructor(options: DigestOptions) {
    this.secret = options.secret ?? randomBytes(32);
    this.ttlMs = options.nonceTtlMs ?? 300_000;
    this.now = options.now;
  }

  issue(realm: string): string {
    const ts = this.now().toString(36);
    const rand = randomHex(12);
    return `${ts}.${rand}.${this.sign(ts, rand, realm)}`;
  }

  private sign(ts: string, rand: string, realm: string): string {
    return createHmac('sha256', this.secret).update(`${ts}.${rand}.${realm}`).digest('base64url').slice(0, 22);
  }

  /** Was this nonce issued by us for this realm, and is it still fresh? */
  check(nonce: string, realm: string): NonceCheck {
    const parts = nonce.split('.');
    if (parts.length !== 3) return 'invalid';
    const [ts, rand, mac] = parts as [string, string, string];
    const expected = this.sign(ts, rand, realm);
    if (mac.length !== expected.length || !timingSafeEqual(Buffer.from(mac), Buffer.from(expected))) return 'invalid';
    const issuedAt = parseInt(ts, 36);
    if (!Number.isFinite(issuedAt) || this.now() - issuedAt > this.ttlMs || issuedAt > this.now() + 1000)
      return 'stale';
    return 'ok';
  }

  /**
   * RFC 7616 §3.4: the nonce-count rises with every request that reuses a nonce; a count that
   * does not rise is a replay. Records the count when it is accepted. Without qop (RFC 2069
   * clients) a nonce is good for one request only.
   */
  acceptCount(nonce: string, user: string, nc: string | undefined): boolean {
    const n = nc === undefined ? 1 : /^[0-9a-fA-F]{8}$/.test(nc) ? parseInt(nc, 16) : NaN;
    if (!(n >= 1)) return false;
    const key = [nonce, user].join('\u0000');
    const last = this.counts.get(key);
    if (last !== undefined && n <= last) return false;
    this.counts.set(key, n);
    return true;
  }

  /**
   * Forgets counts of nonces that can no longer be used. A nonce is counted first moments after
   * it is issued, so the map (in insertion order) is close to issue order: the sweep stops at the
   * first nonce still fresh, and costs what it removes rather than a pass over every count (a
   * late first use leaves a few stale counts behind for one lifetime more, no longer).
   */
  sweep(): void {
    const oldest = this.now() - this.ttlMs;
    for (const k of this.counts.keys()) {
      // The nonce starts with the time it was issued (base 36), up to the first dot.
      const issuedAt = parseInt(k.slice(0, k.indexOf('.')), 36);
      if (issuedAt >= oldest) break;
      this.counts.delete(k);
    }
  }

  get tracked(): number {
    return this.counts.size;
  }
}

/** The WWW-Authenticate value of a challenge. */
export function challenge(realm: string, nonce: string, stale: boolean): string {
  return `Digest realm="${realm}", nonce="${nonce}", algorithm=MD5, qop="auth"${stale ? ', stale=true' : ''}`;
}
