import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { call, login, testApp } from '../support/app.js';

type S = Awaited<ReturnType<typeof testApp>>;
let s: S;
let admin: string;
let user: string;

beforeAll(async () => {
  s = await testApp();
  admin = await login(s, '1001');
  user = await login(s, '1003');
});
afterAll(async () => s.cleanup());

describe('the server on its embedded default', () => {
  test('S5.1 signing in with extension and password answers a token for that user', async () => {
    const me = await call(s, 'GET', '/api/v1/auth/me', { token: admin });
    expect(me.status).toBe(200);
    expect(me.body.user).toEqual({ id: 'u1001', extension: '1001', name: 'Alice Adams', role: 'admin' });
    expect(me.body.tenant.sipDomain).toBe('acme.test');
  });

  test('S5.4 signing in by email works and a wrong password is refused', async () => {
    expect(
      (await call(s, 'POST', '/api/v1/auth/login', { body: { username: 'bob@acme.test', password: 'pass1002' } }))
        .status,
    ).toBe(200);
    const bad = await call(s, 'POST', '/api/v1/auth/login', { body: { username: '1004', password: 'nope' } });
    expect(bad.status).toBe(401);
    expect(bad.body.error.code).toBe('SWB_ERR_LOGIN_FAILED');
  });

  test('S1.3 a user sets their own status and GET presence shows it', async () => {
    const put = await call(s, 'PUT', '/api/v1/users/1003/status', {
      token: user,
      body: { status: 'dnd', text: 'in a meeting' },
    });
    expect(put.status).toBe(200);
    expect(put.body.manual).toMatchObject({ status: 'dnd', text: 'in a meeting', setBy: 'self' });
    const list = await call(s, 'GET', '/api/v1/presence?search=carol', { token: admin });
    expect(
      list.body.presence.map((p: { extension: string; manual?: { status: string } }) => [
        p.extension,
        p.manual?.status,
      ]),
    ).toEqual([['1003', 'dnd']]);
  });

  test('S2.2 an automatic status is refused with 422 naming it', async () => {
    const r = await call(s, 'PUT', '/api/v1/users/1003/status', { token: user, body: { status: 'on_call' } });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('SWB_ERR_STATUS_AUTOMATIC');
    expect(r.body.error.message).toContain('on_call');
  });

  test('S5.1 a plain user cannot change a colleague; an admin can (cause admin:<id>)', async () => {
    const denied = await call(s, 'PUT', '/api/v1/users/1004/status', { token: user, body: { status: 'away' } });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('SWB_ERR_FORBIDDEN');
    const ok = await call(s, 'PUT', '/api/v1/users/1004/status', { token: admin, body: { status: 'away' } });
    expect(ok.body.manual.setBy).toBe('admin:u1001');
  });

  test('S8.1 bad JSON, __proto__ keys, unknown fields and no token are refused with codes', async () => {
    const bad = await call(s, 'PUT', '/api/v1/users/1003/status', { token: user, raw: '{"status":' });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'SWB_ERR_BAD_JSON']);
    const proto = await call(s, 'PUT', '/api/v1/users/1003/status', {
      token: user,
      raw: '{"status":"away","__proto__":{"admin":true}}',
    });
    expect([proto.status, proto.body.error.code]).toEqual([400, 'SWB_ERR_BAD_JSON']);
    const extra = await call(s, 'PUT', '/api/v1/users/1003/status', {
      token: user,
      body: { status: 'away', extra: 1 },
    });
    expect([extra.status, extra.body.error.code]).toEqual([400, 'SWB_ERR_VALIDATION']);
    const anon = await call(s, 'GET', '/api/v1/presence');
    expect([anon.status, anon.body.error.code]).toEqual([401, 'SWB_ERR_UNAUTHENTICATED']);
    const big = await call(s, 'PUT', '/api/v1/users/1003/status', {
      token: user,
      raw: JSON.stringify({ status: 'away', text: 'x'.repeat(70_000) }),
    });
    expect([big.status, big.body.error.code]).toEqual([413, 'SWB_ERR_BODY_TOO_LARGE']);
    expect(big.body.error.message).toBe('The request body is larger than 65536 bytes.');
    const me = await call(s, 'GET', '/api/v1/users/1003/presence', { token: user });
    expect(me.body.manual.status).toBe('dnd');
  });

  test('the OpenAPI 3.1 document lists the routes', async () => {
    const o = await call(s, 'GET', '/api/v1/openapi.json');
    expect(o.body.openapi).toBe('3.1.0');
    expect(Object.keys(o.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/presence', '/api/v1/users/{user}/status', '/api/v1/auth/login']),
    );
  });
});
