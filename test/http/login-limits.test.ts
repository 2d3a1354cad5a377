// S5.4: failed web logins are limited per account (5 a minute) and per address (20 a minute).
// Its own server: the address limit would lock every other test out of 127.0.0.1.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { call, testServer } from '../support/server.js';

type S = Awaited<ReturnType<typeof testServer>>;
let s: S;

beforeAll(async () => {
  s = await testServer();
});
afterAll(async () => s.cleanup());

const signIn = (username: string, password: string) => call(s.url, 'POST', '/api/v1/auth/login', { body: { username, password } });

describe('S5.4 credentials', () => {
  test('S5.4 after 5 failed logins an account is refused with 429 even with the right password; other accounts still sign in', async () => {
    for (let i = 0; i < 5; i++) expect((await signIn('1004', `wrong-${i}`)).body.error.code).toBe('SWB_ERR_LOGIN_FAILED');
    const locked = await signIn('1004', 'pass1004');
    expect([locked.status, locked.body.error.code]).toEqual([429, 'SWB_ERR_RATE_LIMITED']);
    expect((await signIn('1005', 'pass1005')).status).toBe(200);
  });

  test('S5.4 after 20 failed logins from one address, spread over accounts, that address is refused for every account', async () => {
    // 5 failures so far (the test above); 15 more, at most 3 per account.
    for (const ext of ['1006', '1007', '1008', '1009', '1010']) for (let i = 0; i < 3; i++) expect((await signIn(ext, 'wrong')).status).toBe(401);
    const refused = await signIn('1002', 'pass1002');
    expect([refused.status, refused.body.error.code]).toEqual([429, 'SWB_ERR_RATE_LIMITED']);
  });
});
