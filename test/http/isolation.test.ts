// S5.2 through inject(): a second tenant's admin, using tenant A's ids on every route, is
// answered "not found" and changes nothing in A; neither tenant ever lists the other's users.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { call, login, secondTenant, testApp } from '../support/app.js';

type S = Awaited<ReturnType<typeof testApp>>;
let s: S;
let adminA: string;
let adminB: string;

beforeAll(async () => {
  s = await testApp();
  adminA = await login(s, '1001');
  adminB = await secondTenant(s, {
    id: 'beta',
    name: 'Beta',
    sipDomain: 'beta.test',
    admin: { id: 'b-admin', extension: '2001', name: 'Bea Beta', password: 'beta-pass-1' },
  });
  await call(s, 'POST', '/api/v1/users', {
    token: adminB,
    body: { id: 'b-two', extension: '2002', name: 'Bo Beta', role: 'user' },
  });
  // Give A some live state worth protecting.
  await call(s, 'POST', '/api/v1/queues/support/agents/u1007/login', { token: adminA });
  await call(s, 'PUT', '/api/v1/users/u1003/status', { token: adminA, body: { status: 'away', text: 'back soon' } });
}, 30_000);
afterAll(async () => s.cleanup(), 30_000);

/** Everything A has, as A's admin sees it. */
async function snapshotA(): Promise<unknown> {
  const get = async (path: string) => (await call(s, 'GET', path, { token: adminA })).body;
  return {
    users: await get('/api/v1/users'),
    groups: await get('/api/v1/groups'),
    queues: await get('/api/v1/queues'),
    policy: await get('/api/v1/tenant/policy'),
    presence: (await get('/api/v1/presence')).presence,
    settings: await get('/api/v1/users/u1003/settings'),
    agents: await get('/api/v1/agents/u1007'),
    queueState: await get('/api/v1/queues/support/state'),
    history: (await get('/api/v1/users/u1003/history')).history,
    agentHistory: (await get('/api/v1/users/u1007/history')).history,
  };
}

const NOT_FOUND = ['SWB_ERR_USER_NOT_FOUND', 'SWB_ERR_GROUP_NOT_FOUND', 'SWB_ERR_QUEUE_NOT_FOUND'];

/** Every route that takes an id, called with A's ids. */
const MATRIX: [string, string, unknown?][] = [
  ['GET', '/api/v1/users/u1003'],
  ['GET', '/api/v1/users/1003'],
  ['PATCH', '/api/v1/users/u1003', { name: 'Mallory' }],
  ['DELETE', '/api/v1/users/u1003'],
  ['GET', '/api/v1/users/u1003/settings'],
  ['PUT', '/api/v1/users/u1003/settings', { callWaiting: false }],
  ['GET', '/api/v1/users/u1003/presence'],
  ['PUT', '/api/v1/users/u1003/status', { status: 'dnd' }],
  ['DELETE', '/api/v1/users/u1003/status'],
  ['GET', '/api/v1/users/u1003/history'],
  ['GET', '/api/v1/users/u1003/report'],
  ['GET', '/api/v1/users/u1003/devices'],
  ['GET', '/api/v1/groups/sales'],
  ['GET', '/api/v1/groups/6000'],
  ['PUT', '/api/v1/groups/sales', { name: 'Mine' }],
  ['PUT', '/api/v1/groups/sales/members', { members: [] }],
  ['DELETE', '/api/v1/groups/sales'],
  ['GET', '/api/v1/queues/support'],
  ['PUT', '/api/v1/queues/support', { autoReady: false }],
  ['DELETE', '/api/v1/queues/support'],
  ['GET', '/api/v1/queues/support/state'],
  ['GET', '/api/v1/queues/8000/state'],
  ['POST', '/api/v1/queues/support/agents/u1007/logout'],
  ['POST', '/api/v1/queues/support/agents/2001/login'],
  ['POST', '/api/v1/agents/u1007/logout'],
  ['GET', '/api/v1/agents/u1007'],
  ['POST', '/api/v1/route', { to: { user: 'u1003' } }],
  ['POST', '/api/v1/route', { to: { group: 'sales' } }],
  ['POST', '/api/v1/route', { to: { queue: 'support' } }],
  ['POST', '/api/v1/route', { from: { user: 'u1003' }, to: { external: '12345' } }],
  ['POST', '/api/v1/groups', { id: 'steal', name: 'Steal', members: ['u1003'] }],
  ['POST', '/api/v1/queues', { id: 'steal', name: 'Steal', agents: ['u1007'] }],
  [
    'PUT',
    '/api/v1/users/2001/settings',
    { actions: { busy: { type: 'redirect', target: { kind: 'user', id: 'u1003' } } } },
  ],
  ['PUT', '/api/v1/users/2001/settings', { actions: { busy: { type: 'queue', queueId: 'support' } } }],
];

describe('S5.2 tenant isolation', () => {
  test("S5.2 every route answers another tenant's id as not found (404) and leaves that tenant unchanged", async () => {
    const before = await snapshotA();
    for (const [method, path, body] of MATRIX) {
      const r = await call(s, method, path, { token: adminB, ...(body !== undefined ? { body } : {}) });
      expect([method, path, r.status]).toEqual([method, path, 404]);
      expect(NOT_FOUND).toContain(r.body.error.code);
    }
    expect(await snapshotA()).toEqual(before);
  });

  test("S5.2 overlay events naming another tenant's users fail item by item and change nothing there", async () => {
    const before = await snapshotA();
    const r = await call(s, 'POST', '/api/v1/events', {
      token: adminB,
      body: {
        events: [
          { type: 'registration', user: 'u1003', id: 'evil', kind: 'pbx', ttlSec: 600 },
          { type: 'call', user: 'u1007', legId: 'evil', direction: 'in', state: 'answered' },
          { type: 'voicemail', user: 'u1003', count: 9 },
          { type: 'missed', user: 'u1003' },
          { type: 'call', user: '2001', legId: 'l', direction: 'in', state: 'ringing', queue: 'support' },
        ],
      },
    });
    expect(r.status).toBe(200);
    expect(r.body.results.map((x: { error?: { code: string } }) => x.error?.code)).toEqual([
      'SWB_ERR_USER_NOT_FOUND',
      'SWB_ERR_USER_NOT_FOUND',
      'SWB_ERR_USER_NOT_FOUND',
      'SWB_ERR_USER_NOT_FOUND',
      'SWB_ERR_QUEUE_NOT_FOUND',
    ]);
    expect(await snapshotA()).toEqual(before);
  });

  test('S5.2 an extension of the other tenant is just a number here; a CSV import cannot touch the other tenant', async () => {
    const r = await call(s, 'POST', '/api/v1/route', { token: adminB, body: { to: { extension: '6000' } } });
    expect(r.body.decision).toMatchObject({ outcome: 'external', number: '6000' });
    const before = await snapshotA();
    const imp = await call(s, 'POST', '/api/v1/users/import', {
      token: adminB,
      raw: 'id,extension,name,role\nu1003,2003,Mallory,admin\n',
      headers: { 'content-type': 'text/csv' },
    });
    expect(imp.body.rows).toEqual([{ row: 1, ok: true, id: 'u1003', action: 'create' }]);
    // The row created a user u1003 in beta; A's u1003 is untouched.
    expect(await snapshotA()).toEqual(before);
    expect((await call(s, 'GET', '/api/v1/users/u1003', { token: adminB })).body).toMatchObject({
      extension: '2003',
      name: 'Mallory',
    });
  });

  test("S5.2 neither tenant lists the other's users, groups or queues", async () => {
    const presenceA = (await call(s, 'GET', '/api/v1/presence', { token: adminA })).body.presence as {
      userId: string;
      extension: string;
    }[];
    expect(presenceA.map((p) => p.extension)).toEqual([
      '1001',
      '1002',
      '1003',
      '1004',
      '1005',
      '1006',
      '1007',
      '1008',
      '1009',
      '1010',
    ]);
    const presenceB = (await call(s, 'GET', '/api/v1/presence', { token: adminB })).body.presence as {
      userId: string;
      extension: string;
    }[];
    expect(presenceB.map((p) => p.userId)).toEqual(['b-admin', 'b-two', 'u1003']);
    expect(
      (await call(s, 'GET', '/api/v1/users', { token: adminB })).body.users.map((u: { id: string }) => u.id),
    ).toEqual(['b-admin', 'b-two', 'u1003']);
    expect((await call(s, 'GET', '/api/v1/groups', { token: adminB })).body.groups).toEqual([]);
    expect((await call(s, 'GET', '/api/v1/queues', { token: adminB })).body.queues).toEqual([]);
  });
});
