// Digest pieces as pure functions over a manual clock: signed stateless nonces with an expiry,
// nonce-counts that must rise, and the response computation of RFC 2617 (qop=auth).
import { describe, expect, test } from 'vitest';
import { AttemptLimiter } from '../../src/shared/limiter.js';
import { NonceIssuer, challenge, credentialsFrom, digestResponse, md5 } from '../../src/sip/digest.js';
import { parseDigest } from '../../src/sip/headers.js';

describe('S7.1 digest authentication', () => {
  test('S7.1 a nonce we issued checks ok for its realm, stale after its lifetime, invalid when forged or for another realm', () => {
    let now = 1_000_000;
    const n = new NonceIssuer({ now: () => now, nonceTtlMs: 300_000 });
    const nonce = n.issue('acme.test');
    expect(n.check(nonce, 'acme.test')).toBe('ok');
    expect(n.check(nonce, 'beta.test')).toBe('invalid');
    expect(n.check(`${nonce.slice(0, -1)}${nonce.endsWith('A') ? 'B' : 'A'}`, 'acme.test')).toBe('invalid');
    expect(n.check('garbage', 'acme.test')).toBe('invalid');
    now += 300_001;
    expect(n.check(nonce, 'acme.test')).toBe('stale');
    // Another server (another secret) did not issue it.
    expect(new NonceIssuer({ now: () => now }).check(n.issue('acme.test'), 'acme.test')).toBe('invalid');
  });

  test('S7.1 the nonce-count must rise per user; counts are forgotten once the nonce is past its lifetime', () => {
    // A real clock's instants: the sweep reads the issue time back out of the nonce.
    let now = 1_700_000_000_000;
    const n = new NonceIssuer({ now: () => now, nonceTtlMs: 1000 });
    const nonce = n.issue('acme.test');
    expect(n.acceptCount(nonce, '1001', '00000001')).toBe(true);
    expect(n.acceptCount(nonce, '1001', '00000001')).toBe(false);
    expect(n.acceptCount(nonce, '1001', '00000003')).toBe(true);
    expect(n.acceptCount(nonce, '1001', '00000002')).toBe(false);
    expect(n.acceptCount(nonce, '1002', '00000001')).toBe(true);
    expect(n.acceptCount(nonce, '1001', 'zz')).toBe(false);
    // Without qop (RFC 2069) a nonce is good once.
    const other = n.issue('acme.test');
    expect([n.acceptCount(other, '1001', undefined), n.acceptCount(other, '1001', undefined)]).toEqual([true, false]);
    expect(n.tracked).toBe(3);
    now += 2000;
    n.sweep();
    expect(n.tracked).toBe(0);
  });

  test('S7.1 the count sweep removes what has expired and stops at the first fresh nonce; a late first use stays one lifetime more at most', () => {
    let now = 1_000_000;
    const n = new NonceIssuer({ now: () => now, nonceTtlMs: 1000 });
    const early = n.issue('acme.test');
    now += 600;
    const late = n.issue('acme.test');
    expect(n.acceptCount(late, '1001', '00000001')).toBe(true);
    expect(n.acceptCount(early, '1002', '00000001')).toBe(true);
    now += 700; // early has expired, late has not
    n.sweep();
    expect(n.tracked).toBe(2);
    expect(n.check(early, 'acme.test')).toBe('stale');
    now += 400; // both have expired
    n.sweep();
    expect(n.tracked).toBe(0);
  });

  test('S7.1 the response is md5(HA1:nonce:nc:cnonce:auth:md5(method:uri)) — RFC 2617 §3.5 example values', () => {
    // RFC 2617 §3.5: Mufasa / Circle Of Life, realm testrealm@host.com.
    const ha1 = md5('Mufasa:testrealm@host.com:Circle Of Life');
    const params = parseDigest(
      'Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
    )!;
    const c = credentialsFrom(params)!;
    expect(digestResponse(ha1, 'GET', c)).toBe('6629fae49393a05397450978507c4ef1');
  });

  test('S7.1 the challenge offers MD5 with qop="auth" and says stale when asked', () => {
    expect(challenge('acme.test', 'n1', false)).toBe('Digest realm="acme.test", nonce="n1", algorithm=MD5, qop="auth"');
    expect(challenge('acme.test', 'n1', true)).toContain(', stale=true');
  });

  test('S7.1 S5.4 a lock (per address or per account) holds while the failures are within the minute, and lifts when the minute has passed', () => {
    const w = new AttemptLimiter(20, 60_000);
    const account = 'acme\u00001003';
    for (let i = 0; i < 20; i++) w.take(account, 1_000 + i * 1_000);
    expect(w.blocked(account, 20_000)).toBe(true);
    expect(w.blocked('acme\u00001004', 20_000)).toBe(false);
    // The first failure leaves the window at 61 s: 19 remain, under the limit.
    expect(w.blocked(account, 60_999)).toBe(true);
    expect(w.blocked(account, 61_000)).toBe(false);
  });
});
