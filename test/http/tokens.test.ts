// S5.4 sign-ins end with what they were granted for: a deleted user's token never comes back, a
// role or password change ends the user's sign-ins (all but the one that changed its own
// password). S5.1: a company keeps at least one admin, on every path that deletes or demotes.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { call, login, testApp } from '../support/app.js';

type S = Awaited<ReturnType<typeof testApp>>;
let s: S;
let admin: string;

beforeAll(async () => {
  s = await testApp();
  admin = await login(s, '1001');
});
afterAll(async () => s.cleanup());

const me = (token: string) => call(s, 'GET', '/api/v1/auth/me', { token });
const createUser = (body: object) => call(s, 'POST', '/api/v1/users', { token: admin, body });

describe('S5.4 tokens belong to one user, once', () => {
  test("S5.4 a deleted user's token stays dead when the extension is created again for someone else", async () => {
    expect(
      (await createUser({ extension: '1040', name: 'Old Owner', role: 'admin', password: 'old-owner-pw' })).status,
    ).toBe(201);
    const oldToken = await login(s, '1040', 'old-owner-pw');
    expect((await me(oldToken)).body.user.name).toBe('Old Owner');
    expect((await call(s, 'DELETE', '/api/v1/users/1040', { token: admin })).status).toBe(204);
    expect((await me(oldToken)).status).toBe(401);
    // Same extension, so the same id u1040, for another person.
    const again = await createUser({ extension: '1040', name: 'New Owner', role: 'user', password: 'new-owner-pw' });
    expect([again.status, again.body.id]).toEqual([201, 'u1040']);
    const r = await me(oldToken);
    expect([r.status, r.body.error.code]).toEqual([401, 'SWB_ERR_UNAUTHENTICATED']);
    expect((await me(await login(s, '1040', 'new-owner-pw'))).body.user.name).toBe('New Owner');
  });

  test('S5.4 a role change ends every sign-in of that user', async () => {
    const t1 = await login(s, '1003');
    const t2 = await login(s, '1003');
    expect((await call(s, 'PATCH', '/api/v1/users/1003', { token: admin, body: { role: 'supervisor' } })).status).toBe(
      200,
    );
    for (const t of [t1, t2]) expect((await me(t)).status).toBe(401);
    const fresh = await login(s, '1003');
    expect((await me(fresh)).body.role).toBe('supervisor');
  });

  test("S5.4 a password change ends the user's other sign-ins, not the one that made it; the old password no longer signs in", async () => {
    expect(
      (await createUser({ extension: '1041', name: 'Second Admin', role: 'admin', password: 'second-admin-1' })).status,
    ).toBe(201);
    const here = await login(s, '1041', 'second-admin-1');
    const elsewhere = await login(s, '1041', 'second-admin-1');
    const r = await call(s, 'PATCH', '/api/v1/users/1041', { token: here, body: { password: 'second-admin-2' } });
    expect(r.status).toBe(200);
    expect((await me(here)).status).toBe(200);
    expect((await me(elsewhere)).status).toBe(401);
    expect(
      (await call(s, 'POST', '/api/v1/auth/login', { body: { username: '1041', password: 'second-admin-1' } })).status,
    ).toBe(401);
    // An admin changing someone else's password ends all of that user's sign-ins.
    const user = await login(s, '1005');
    expect(
      (await call(s, 'PATCH', '/api/v1/users/1005', { token: admin, body: { password: 'pass1005-new' } })).status,
    ).toBe(200);
    expect((await me(user)).status).toBe(401);
    expect((await me(admin)).status).toBe(200);
  });

  test('S5.4 users change their own password by giving the current one: their other sign-ins end, this one stays', async () => {
    const here = await login(s, '1006');
    const elsewhere = await login(s, '1006');
    const change = (token: string, currentPassword: string, newPassword = 'pass1006-next') =>
      call(s, 'POST', '/api/v1/auth/password', { token, body: { currentPassword, newPassword } });
    const wrong = await change(here, 'not-it');
    expect([wrong.status, wrong.body.error.code]).toEqual([403, 'SWB_ERR_FORBIDDEN']);
    expect((await me(elsewhere)).status).toBe(200);
    expect((await change(here, 'pass1006', 'short')).status).toBe(400);
    expect((await change(here, 'pass1006')).status).toBe(204);
    expect((await me(here)).status).toBe(200);
    expect((await me(elsewhere)).status).toBe(401);
    expect(
      (await call(s, 'POST', '/api/v1/auth/login', { body: { username: '1006', password: 'pass1006' } })).status,
    ).toBe(401);
    expect((await me(await login(s, '1006', 'pass1006-next'))).status).toBe(200);
  });

  test('S5.4 guessing the current password is limited like a login: the 6th guess is 429 even when right', async () => {
    const t = await login(s, '1007');
    const guesses = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        call(s, 'POST', '/api/v1/auth/password', {
          token: t,
          body: { currentPassword: `guess-${i}`, newPassword: 'taken-over-1' },
        }),
      ),
    );
    expect(guesses.filter((g) => g.status === 403)).toHaveLength(5);
    expect(guesses.filter((g) => g.status === 429)).toHaveLength(25);
    const right = await call(s, 'POST', '/api/v1/auth/password', {
      token: t,
      body: { currentPassword: 'pass1007', newPassword: 'taken-over-1' },
    });
    expect([right.status, right.body.error.code]).toEqual([429, 'SWB_ERR_RATE_LIMITED']);
    const key = (await call(s, 'POST', '/api/v1/api-keys', { token: admin, body: { name: 'pw', role: 'admin' } })).body
      .key as string;
    expect(
      (
        await call(s, 'POST', '/api/v1/auth/password', {
          token: key,
          body: { currentPassword: 'x', newPassword: 'whatever-1' },
        })
      ).status,
    ).toBe(403);
  });

  test('S5.4 deleting an API key ends it at once', async () => {
    const made = await call(s, 'POST', '/api/v1/api-keys', { token: admin, body: { name: 'ci', role: 'user' } });
    expect((await me(made.body.key)).status).toBe(200);
    expect((await call(s, 'DELETE', `/api/v1/api-keys/${made.body.id}`, { token: admin })).status).toBe(204);
    expect((await me(made.body.key)).status).toBe(401);
  });
});

describe('S5.1 a company keeps an admin', () => {
  let other: S;
  let only: string;
  beforeAll(async () => {
    other = await testApp();
    only = await login(other, '1001');
  });
  afterAll(async () => other.cleanup());
  const refused = (r: { status: number; body: any }) =>
    expect([r.status, r.body.error.code]).toEqual([409, 'SWB_ERR_LAST_ADMIN']);

  test('S5.1 the only admin cannot delete or demote itself (REST delete, PATCH role, JSON and CSV import); nothing changes', async () => {
    refused(await call(other, 'DELETE', '/api/v1/users/1001', { token: only }));
    refused(await call(other, 'PATCH', '/api/v1/users/u1001', { token: only, body: { role: 'user' } }));
    const json = await call(other, 'POST', '/api/v1/users/import', {
      token: only,
      body: { users: [{ extension: '1001', name: 'Alice Adams', role: 'supervisor' }] },
    });
    expect([json.body.imported, json.body.rows[0].error.code]).toEqual([0, 'SWB_ERR_LAST_ADMIN']);
    const csv = await call(other, 'POST', '/api/v1/users/import', {
      token: only,
      raw: 'id,extension,name,role\nu1001,1001,Alice Adams,user\n',
      headers: { 'content-type': 'text/csv' },
    });
    expect([csv.body.imported, csv.body.rows[0].error.code]).toEqual([0, 'SWB_ERR_LAST_ADMIN']);
    const still = await call(other, 'GET', '/api/v1/auth/me', { token: only });
    expect([still.status, still.body.role]).toEqual([200, 'admin']);
  });

  test('S5.1 with a second admin the first may step down; then the second is the last and is refused', async () => {
    expect((await call(other, 'PATCH', '/api/v1/users/1002', { token: only, body: { role: 'admin' } })).status).toBe(
      200,
    );
    const second = await login(other, '1002');
    expect((await call(other, 'PATCH', '/api/v1/users/1001', { token: only, body: { role: 'user' } })).body.role).toBe(
      'user',
    );
    refused(await call(other, 'DELETE', '/api/v1/users/1002', { token: second }));
    refused(await call(other, 'PATCH', '/api/v1/users/1002', { token: second, body: { role: 'supervisor' } }));
  });

  test('S5.1 both remaining admins demoted at the same moment: one change is made, the other refused; one admin is left', async () => {
    const t = await login(other, '1002');
    expect((await call(other, 'PATCH', '/api/v1/users/1003', { token: t, body: { role: 'admin' } })).status).toBe(200);
    // An API key is not ended by either change, so both requests reach the engine.
    const key = (await call(other, 'POST', '/api/v1/api-keys', { token: t, body: { name: 'hr', role: 'admin' } })).body
      .key as string;
    const answers = await Promise.all(
      ['1002', '1003'].map((ext) =>
        call(other, 'PATCH', `/api/v1/users/${ext}`, { token: key, body: { role: 'user' } }),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    const users = (await call(other, 'GET', '/api/v1/users', { token: key })).body.users as { role: string }[];
    expect(users.filter((u) => u.role === 'admin')).toHaveLength(1);
  });
});
