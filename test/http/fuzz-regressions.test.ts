// REST requests the JSON fuzzer (npm run fuzz -- --target json, docs/fuzzing.md) found answered
// outside the `{ error: { code: 'SWB_ERR_…' } }` shape, kept as tests over real sockets.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { call, login, testServer } from '../support/server.js';

type S = Awaited<ReturnType<typeof testServer>>;
let s: S;
let admin: string;

beforeAll(async () => {
  s = await testServer();
  admin = await login(s.url, '1001');
});
afterAll(async () => s.cleanup());

describe('S8.1 REST inputs found by fuzzing', () => {
  test.each([
    ['a %-escape that does not decode', '/api/v1/groups%VQ'],
    ['a broken %-escape in a path parameter', '/api/v1/users/10%G1/presence'],
  ])('S8.1 %s is refused with 400 SWB_ERR_BAD_URL, not a framework body', async (_what, path) => {
    const r = await call(s.url, 'GET', path, { token: admin });
    expect([r.status, r.body.error?.code, typeof r.body.error?.message]).toEqual([400, 'SWB_ERR_BAD_URL', 'string']);
    expect(r.body.code).toBeUndefined();
  });

  test('S8.1 the refusal changes nothing: the same request with a proper address still works', async () => {
    const bad = await call(s.url, 'PUT', '/api/v1/users/10%G3/status', { token: admin, body: { status: 'away' } });
    expect(bad.status).toBe(400);
    const presence = await call(s.url, 'GET', '/api/v1/users/1003/presence', { token: admin });
    expect(presence.status).toBe(200);
    expect(presence.body.manual?.status).toBeUndefined();
  });
});
