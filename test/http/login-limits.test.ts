// S5.4: web logins are limited per account (5 a minute) and per address (20 a minute). Each
// attempt is reserved before the password is checked, so concurrent guesses cannot get past the
// limit. Each describe has its own server: the address limit would lock every other test out of
// 127.0.0.1.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { call, testServer } from '../support/server.js';

type S = Awaited<ReturnType<typeof testServer>>;

const signInTo = (s: S, username: string, password: string) =>
  call(s.url, 'POST', '/api/v1/auth/login', { body: { username, password } });

/** How many answers had each status. */
function tally(answers: readonly { status: number }[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const a of answers) out[a.status] = (out[a.status] ?? 0) + 1;
  return out;
}

describe('S5.4 credentials, one guess at a time', () => {
  let s: S;
  beforeAll(async () => {
    s = await testServer();
  });
  afterAll(async () => s.cleanup());
  const signIn = (username: string, password: string) => signInTo(s, username, password);

  test('S5.4 after 5 failed logins an account is refused with 429 even with the right password; other accounts still sign in', async () => {
    for (let i = 0; i < 5; i++)
      expect((await signIn('1004', `wrong-${i}`)).body.error.code).toBe('SWB_ERR_LOGIN_FAILED');
    const locked = await signIn('1004', 'pass1004');
    expect([locked.status, locked.body.error.code]).toEqual([429, 'SWB_ERR_RATE_LIMITED']);
    expect((await signIn('1005', 'pass1005')).status).toBe(200);
  });

  test('S5.4 after 20 failed logins from one address, spread over accounts, that address is refused for every account', async () => {
    // 5 failures so far (the test above); 15 more, at most 3 per account.
    for (const ext of ['1006', '1007', '1008', '1009', '1010'])
      for (let i = 0; i < 3; i++) expect((await signIn(ext, 'wrong')).status).toBe(401);
    const refused = await signIn('1002', 'pass1002');
    expect([refused.status, refused.body.error.code]).toEqual([429, 'SWB_ERR_RATE_LIMITED']);
  });
});

describe('S5.4 credentials under concurrent guessing', () => {
  test('S5.4 300 simultaneous guesses for one account: 5 are checked, the rest are 429; the right password sent among them gets no token', async () => {
    const s = await testServer();
    try {
      let first429: () => void = () => {};
      const seen429 = new Promise<void>((resolve) => (first429 = resolve));
      const guesses = Array.from({ length: 300 }, (_, i) =>
        signInTo(s, '1004', `wrong-${i}`).then((r) => {
          if (r.status === 429) first429();
          return r;
        }),
      );
      // Once one guess was refused the limit is full; the owner's password now joins the guesses still in flight.
      await seen429;
      const right = signInTo(s, '1004', 'pass1004');
      const answers = await Promise.all(guesses);
      expect(tally(answers)).toEqual({ 401: 5, 429: 295 });
      for (const a of answers.filter((x) => x.status === 429)) expect(a.body.error.code).toBe('SWB_ERR_RATE_LIMITED');
      const r = await right;
      expect([r.status, r.body.error.code, r.body.token]).toEqual([429, 'SWB_ERR_RATE_LIMITED', undefined]);
      // Another account of the same address still signs in: 6 attempts of its 20.
      expect((await signInTo(s, '1005', 'pass1005')).status).toBe(200);
    } finally {
      await s.cleanup();
    }
  });

  test('S5.4 300 simultaneous guesses from one address over 30 accounts: 20 are checked, the rest are 429, then every account is refused', async () => {
    const s = await testServer();
    try {
      const users = Array.from({ length: 30 }, (_, i) => String(1001 + (i % 10)) + (i < 10 ? '' : `x${i}`));
      const answers = await Promise.all(
        Array.from({ length: 300 }, (_, i) => signInTo(s, users[i % 30]!, `wrong-${i}`)),
      );
      expect(tally(answers)).toEqual({ 401: 20, 429: 280 });
      const refused = await signInTo(s, '1003', 'pass1003');
      expect([refused.status, refused.body.error.code]).toEqual([429, 'SWB_ERR_RATE_LIMITED']);
    } finally {
      await s.cleanup();
    }
  });
});

describe('S5.4 one count per account, whichever name signs in', () => {
  let s: S;
  beforeAll(async () => {
    s = await testServer();
  });
  afterAll(async () => s.cleanup());

  test('S5.4 failures by extension and by email in any case share one count: the sixth try is refused under every alias', async () => {
    // 1004 is Dan, dan@acme.test.
    for (const name of ['1004', 'dan@acme.test', 'DAN@acme.test', 'Dan@Acme.Test', '1004'])
      expect((await signInTo(s, name, 'wrong')).status).toBe(401);
    for (const name of ['1004', 'dan@acme.test', 'DAN@ACME.TEST']) {
      const r = await signInTo(s, name, 'pass1004');
      expect([r.status, r.body.error.code]).toEqual([429, 'SWB_ERR_RATE_LIMITED']);
    }
  });

  test('S5.4 signing in forgives the account its failures but not the address: an attacker cannot reset the address count with their own account', async () => {
    // 5 failures (above) and 3 refusals that cost nothing; 14 more failures on other accounts make 19.
    for (const ext of ['1005', '1006', '1007', '1008'])
      for (let i = 0; i < 3; i++) expect((await signInTo(s, ext, 'wrong')).status).toBe(401);
    for (let i = 0; i < 2; i++) expect((await signInTo(s, '1009', 'wrong')).status).toBe(401);
    expect((await signInTo(s, '1005', 'pass1005')).status).toBe(200); // 1005's 3 failures are forgiven
    expect((await signInTo(s, '1005', 'wrong')).status).toBe(401); // the address's 20th failure
    const refused = await signInTo(s, '1003', 'pass1003');
    expect([refused.status, refused.body.error.code]).toEqual([429, 'SWB_ERR_RATE_LIMITED']);
  });
});
