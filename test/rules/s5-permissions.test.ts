// S5.1: who may read or change what is one table in the core (src/core/permissions.ts). Each row
// is checked on its own, then every REST route that asks it is tried by every kind of caller over
// real sockets: the HTTP answer is the table's answer.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PERMISSIONS, permission } from '../../src/core/index.js';
import type { Action, Subject, Viewer } from '../../src/core/index.js';
import { call, login, testServer } from '../support/server.js';

describe('S5.1 the permission table', () => {
  const admin: Viewer = { role: 'admin', userId: 'a' };
  const supervisor: Viewer = { role: 'supervisor', userId: 's' };
  const user: Viewer = { role: 'user', userId: 'u' };
  const userKey: Viewer = { role: 'user' };

  test('S5.1#1 every role reads the directory, presence, policy, agent states and routing', () => {
    for (const v of [admin, supervisor, user, userKey])
      expect(permission(v, 'directory.read')).toMatchObject({ rule: 'S5.1#1', allowed: true });
  });

  test('S5.1#2 admins alone change the directory, post overlay events and manage webhooks and API keys', () => {
    for (const action of ['directory.change', 'events.post', 'integrations.manage'] as const) {
      expect(permission(admin, action)).toMatchObject({ rule: 'S5.1#2', allowed: true });
      expect(permission({ role: 'admin' }, action).allowed).toBe(true);
      for (const v of [supervisor, user, userKey])
        expect(permission(v, action)).toMatchObject({ rule: 'S5.1#4', allowed: false });
    }
  });

  test('S5.1#3 a user is watched by themself, supervisors and admins; a queue by its agents, supervisors and admins', () => {
    expect(permission(user, 'user.watch', { user: 'u' })).toMatchObject({ rule: 'S5.1#3', allowed: true });
    expect(permission(supervisor, 'user.watch', { user: 'u' }).allowed).toBe(true);
    expect(permission(admin, 'user.watch', { user: 'u' }).allowed).toBe(true);
    expect(permission(user, 'user.watch', { user: 'x' })).toMatchObject({ rule: 'S5.1#4', allowed: false });
    // An API key is nobody's self.
    expect(permission(userKey, 'user.watch', { user: 'u' }).allowed).toBe(false);
    expect(permission(user, 'queue.watch', { agents: ['u'] })).toMatchObject({ rule: 'S5.1#3', allowed: true });
    expect(permission(user, 'queue.watch', { agents: ['x'] }).allowed).toBe(false);
    expect(permission(supervisor, 'queue.watch', { agents: [] }).allowed).toBe(true);
  });

  test('S5.1#4 anything no row allows is refused, and the table ends with that row', () => {
    expect(PERMISSIONS.at(-1)).toEqual({ rule: 'S5.1#4', action: '*', who: 'anyone', allowed: false });
    expect(PERMISSIONS.slice(0, -1).every((r) => r.allowed)).toBe(true);
  });
});

type S = Awaited<ReturnType<typeof testServer>>;
let s: S;
const callers: { name: string; token: string; viewer: Viewer }[] = [];

beforeAll(async () => {
  s = await testServer();
  const [admin, supervisor, plain, agent] = await Promise.all(
    ['1001', '1002', '1003', '1007'].map((u) => login(s.url, u)),
  );
  const keyOf = async (role: string) =>
    (await call(s.url, 'POST', '/api/v1/api-keys', { token: admin!, body: { name: role, role } })).body.key as string;
  callers.push(
    { name: 'admin', token: admin!, viewer: { role: 'admin', userId: 'u1001' } },
    { name: 'supervisor', token: supervisor!, viewer: { role: 'supervisor', userId: 'u1002' } },
    { name: 'user 1003', token: plain!, viewer: { role: 'user', userId: 'u1003' } },
    { name: 'agent 1007', token: agent!, viewer: { role: 'user', userId: 'u1007' } },
    { name: 'user API key', token: await keyOf('user'), viewer: { role: 'user' } },
    { name: 'supervisor API key', token: await keyOf('supervisor'), viewer: { role: 'supervisor' } },
  );
}, 30_000);
afterAll(async () => s.cleanup(), 30_000);

/** A harmless request per action (changing nothing that matters), with the subject it names. */
const requests: [Action, string, string, unknown, Subject][] = [
  ['directory.read', 'GET', '/api/v1/users', undefined, {}],
  ['directory.read', 'GET', '/api/v1/tenant/policy', undefined, {}],
  ['directory.change', 'PUT', '/api/v1/groups/sales', { name: 'Sales' }, {}],
  ['directory.change', 'PUT', '/api/v1/tenant/policy', { adminsSetOthers: true }, {}],
  ['events.post', 'POST', '/api/v1/events', { events: [{ type: 'voicemail', user: '1004', count: 0 }] }, {}],
  ['integrations.manage', 'GET', '/api/v1/webhooks', undefined, {}],
  ['integrations.manage', 'GET', '/api/v1/api-keys', undefined, {}],
  ['user.watch', 'GET', '/api/v1/users/1003/settings', undefined, { user: 'u1003' }],
  ['user.watch', 'GET', '/api/v1/users/1003/history', undefined, { user: 'u1003' }],
  ['user.watch', 'GET', '/api/v1/users/1007/report', undefined, { user: 'u1007' }],
  ['user.watch', 'GET', '/api/v1/users/1003/devices', undefined, { user: 'u1003' }],
  ['queue.watch', 'GET', '/api/v1/queues/support/state', undefined, { agents: ['u1007', 'u1008', 'u1009', 'u1010'] }],
];

describe('S5.1 REST asks the table', () => {
  test.each(requests)(
    'S5.1 %s: %s %s answers each caller as the table says',
    async (action, method, path, body, subject) => {
      const got: string[] = [];
      const want: string[] = [];
      for (const c of callers) {
        const r = await call(s.url, method, path, { token: c.token, ...(body === undefined ? {} : { body }) });
        const allowed = permission(c.viewer, action, subject).allowed;
        got.push(`${c.name}: ${r.status === 403 ? `403 ${r.body.error.code}` : r.status}`);
        want.push(`${c.name}: ${allowed ? 200 : '403 SWB_ERR_FORBIDDEN'}`);
      }
      expect(got).toEqual(want);
    },
  );
});
