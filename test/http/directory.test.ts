// The directory through inject(): users, settings, groups, queues, policy and imports (S2.5,
// S3.2, S5.1, S8.1).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { call, login, refusal, testApp } from '../support/app.js';

type S = Awaited<ReturnType<typeof testApp>>;
let s: S;
let admin: string;
let sup: string;
let user: string;

beforeAll(async () => {
  s = await testApp();
  [admin, sup, user] = await Promise.all([login(s, '1001'), login(s, '1002'), login(s, '1003')]);
}, 30_000);
afterAll(async () => s.cleanup(), 30_000);

const users = async () =>
  (await call(s, 'GET', '/api/v1/users', { token: admin })).body.users as {
    id: string;
    extension: string;
    name: string;
    role: string;
    email?: string;
  }[];
const csv = (body: string, token = admin) =>
  call(s, 'POST', '/api/v1/users/import', { token, raw: body, headers: { 'content-type': 'text/csv' } });

describe('users', () => {
  test('S5.1 every role reads the directory, and no credential or hash is ever in it', async () => {
    const r = await call(s, 'GET', '/api/v1/users', { token: user });
    expect(r.status).toBe(200);
    expect(r.body.users).toHaveLength(10);
    expect(r.body.users[0]).toEqual({
      id: 'u1001',
      extension: '1001',
      name: 'Alice Adams',
      role: 'admin',
      email: 'alice@acme.test',
    });
    const text =
      JSON.stringify(r.body) + JSON.stringify((await call(s, 'GET', '/api/v1/users/1001', { token: user })).body);
    expect(text).not.toMatch(/argon2|[Hh]ash|[Hh]a1|password/);
  });

  test('S5.1 an admin creates a user who can sign in; supervisors and users may not create', async () => {
    const body = {
      extension: '1011',
      name: 'Kim Kale',
      role: 'user',
      email: 'kim@acme.test',
      password: 'kim-secret-1',
      sipPassword: 'kim-sip-12',
    };
    for (const token of [user, sup]) {
      const denied = await call(s, 'POST', '/api/v1/users', { token, body });
      expect([denied.status, denied.body]).toEqual([403, refusal('SWB_ERR_FORBIDDEN')]);
    }
    expect(await users()).toHaveLength(10);
    const r = await call(s, 'POST', '/api/v1/users', { token: admin, body });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ id: 'u1011', extension: '1011', name: 'Kim Kale', role: 'user', email: 'kim@acme.test' });
    const creds = (await s.store.credentials('acme', 'u1011'))!;
    expect(creds.passwordHash).toMatch(/^\$argon2id\$/);
    expect(creds.sipHa1).toMatch(/^[0-9a-f]{32}$/);
    expect(await login(s, '1011', 'kim-secret-1')).toMatch(/^swt_/);
  });

  test('S8.1 POST /users refuses bad input with a code and changes nothing', async () => {
    const before = await users();
    const cases: [unknown, number, string][] = [
      [{ extension: '1012', name: 'X', role: 'user', extra: true }, 400, 'SWB_ERR_VALIDATION'],
      [{ extension: '1012', name: { first: 'X' }, role: 'user' }, 400, 'SWB_ERR_VALIDATION'],
      [{ extension: 'abc', name: 'X', role: 'user' }, 400, 'SWB_ERR_VALIDATION'],
      [{ extension: '1012', name: 'X', role: 'root' }, 400, 'SWB_ERR_VALIDATION'],
      [{ extension: '1012', name: 'X', role: 'user', password: 'short' }, 400, 'SWB_ERR_VALIDATION'],
      [{ extension: '1003', name: 'X', role: 'user' }, 409, 'SWB_ERR_EXTENSION_TAKEN'],
      [{ id: 'u1003', extension: '1012', name: 'X', role: 'user' }, 409, 'SWB_ERR_ID_TAKEN'],
      [{ extension: '1012', name: 'X', role: 'user', email: 'carol@acme.test' }, 409, 'SWB_ERR_EMAIL_TAKEN'],
      [
        {
          extension: '1012',
          name: 'X',
          role: 'user',
          settings: { actions: { busy: { type: 'redirect', target: { kind: 'user', id: 'nobody' } } } },
        },
        404,
        'SWB_ERR_USER_NOT_FOUND',
      ],
      [{ extension: '1012', name: 'X', role: 'user', settings: { ringTimeoutSec: 'long' } }, 400, 'SWB_ERR_VALIDATION'],
    ];
    for (const [body, status, code] of cases) {
      const r = await call(s, 'POST', '/api/v1/users', { token: admin, body });
      expect([JSON.stringify(body), r.status, r.body.error.code]).toEqual([JSON.stringify(body), status, code]);
    }
    const raw: [string, number, string][] = [
      ['{"extension":"1012",', 400, 'SWB_ERR_BAD_JSON'],
      ['{"extension":"1012","name":"X","role":"user","__proto__":{"role":"admin"}}', 400, 'SWB_ERR_BAD_JSON'],
      [
        JSON.stringify({ extension: '1012', name: 'X', role: 'user', email: `${'x'.repeat(70_000)}@a.b` }),
        413,
        'SWB_ERR_BODY_TOO_LARGE',
      ],
    ];
    for (const [body, status, code] of raw) {
      const r = await call(s, 'POST', '/api/v1/users', { token: admin, raw: body });
      expect([r.status, r.body.error.code]).toEqual([status, code]);
    }
    expect(await users()).toEqual(before);
  });

  test('S5.1 an admin changes a user by extension; a plain user may not', async () => {
    const denied = await call(s, 'PATCH', '/api/v1/users/1011', { token: user, body: { name: 'Nope' } });
    expect([denied.status, denied.body]).toEqual([403, refusal('SWB_ERR_FORBIDDEN')]);
    const r = await call(s, 'PATCH', '/api/v1/users/1011', {
      token: admin,
      body: { name: 'Kim Kale-Lee', role: 'supervisor' },
    });
    expect(r.body).toEqual({
      id: 'u1011',
      extension: '1011',
      name: 'Kim Kale-Lee',
      role: 'supervisor',
      email: 'kim@acme.test',
    });
    const unknown = await call(s, 'PATCH', '/api/v1/users/9999', { token: admin, body: { name: 'X' } });
    expect([unknown.status, unknown.body]).toEqual([404, refusal('SWB_ERR_USER_NOT_FOUND', { user: '9999' })]);
    const taken = await call(s, 'PATCH', '/api/v1/users/1011', { token: admin, body: { extension: '1001' } });
    expect([taken.status, taken.body]).toEqual([409, refusal('SWB_ERR_EXTENSION_TAKEN', { extension: '1001' })]);
    expect((await call(s, 'GET', '/api/v1/users/u1011', { token: user })).body.extension).toBe('1011');
  });

  test("S2.5 a user reads their own settings, not a colleague's; only an admin writes them", async () => {
    const own = await call(s, 'GET', '/api/v1/users/1003/settings', { token: user });
    expect(own.body).toEqual({
      ringTimeoutSec: 20,
      callWaiting: true,
      forwardingAllowed: false,
      absentAtLogout: false,
      voicemail: true,
      actions: {},
    });
    const other = await call(s, 'GET', '/api/v1/users/1004/settings', { token: user });
    expect([other.status, other.body]).toEqual([403, refusal('SWB_ERR_FORBIDDEN')]);
    expect((await call(s, 'GET', '/api/v1/users/1004/settings', { token: sup })).status).toBe(200);
    const write = await call(s, 'PUT', '/api/v1/users/1003/settings', { token: user, body: { callWaiting: false } });
    expect([write.status, write.body]).toEqual([403, refusal('SWB_ERR_FORBIDDEN')]);
  });

  test('S3.2 an admin sets answering actions per condition; names resolve to ids', async () => {
    const r = await call(s, 'PUT', '/api/v1/users/1003/settings', {
      token: admin,
      body: {
        deskDelaySec: 5,
        callWaiting: false,
        actions: {
          busy: { type: 'redirect', target: { kind: 'user', id: '1004' } },
          noAnswer: { type: 'redirect', target: { kind: 'queue', id: '8000' } },
          dnd: { type: 'reject' },
        },
      },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      deskDelaySec: 5,
      callWaiting: false,
      actions: {
        busy: { type: 'redirect', target: { kind: 'user', id: 'u1004' } },
        noAnswer: { type: 'redirect', target: { kind: 'queue', id: 'support' } },
        dnd: { type: 'reject' },
      },
    });
    const zero = await call(s, 'PUT', '/api/v1/users/1003/settings', { token: admin, body: { deskDelaySec: 0 } });
    expect(zero.body.deskDelaySec).toBe(0);
    const cleared = await call(s, 'PUT', '/api/v1/users/1003/settings', {
      token: admin,
      body: { deskDelaySec: 'default' },
    });
    expect(cleared.body.deskDelaySec).toBeUndefined();
    expect(cleared.body.callWaiting).toBe(false);
  });

  test('S8.1 bad settings are refused and change nothing', async () => {
    const before = (await call(s, 'GET', '/api/v1/users/1003/settings', { token: admin })).body;
    const cases: [unknown, number, string][] = [
      [{ actions: { busy: { type: 'queue', queueId: 'nope' } } }, 404, 'SWB_ERR_QUEUE_NOT_FOUND'],
      [
        { actions: { busy: { type: 'redirect', target: { kind: 'group', id: 'nope' } } } },
        404,
        'SWB_ERR_GROUP_NOT_FOUND',
      ],
      [{ actions: { lunch: { type: 'reject' } } }, 400, 'SWB_ERR_VALIDATION'],
      [{ actions: { busy: { type: 'teleport' } } }, 400, 'SWB_ERR_VALIDATION'],
      [{ ringTimeoutSec: 0 }, 400, 'SWB_ERR_VALIDATION'],
      [{ voicemail: 'perhaps' }, 400, 'SWB_ERR_VALIDATION'],
      [{ deskDelaySec: 'soon' }, 400, 'SWB_ERR_VALIDATION'],
    ];
    for (const [body, status, code] of cases) {
      const r = await call(s, 'PUT', '/api/v1/users/1003/settings', { token: admin, body });
      expect([JSON.stringify(body), r.status, r.body.error.code]).toEqual([JSON.stringify(body), status, code]);
    }
    expect((await call(s, 'GET', '/api/v1/users/1003/settings', { token: admin })).body).toEqual(before);
  });
});

describe('groups and queues', () => {
  test('S3.3 an admin creates a group, reads it by extension, replaces members and deletes it', async () => {
    const created = await call(s, 'POST', '/api/v1/groups', {
      token: admin,
      body: { id: 'desk', extension: '6100', name: 'Front desk', strategy: 'hunt', members: ['1003', 'u1004'] },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: 'desk',
      extension: '6100',
      name: 'Front desk',
      strategy: 'hunt',
      members: ['u1003', 'u1004'],
      memberRingSec: 15,
      ringTimeoutSec: 60,
      actions: {},
    });
    expect((await call(s, 'GET', '/api/v1/groups/6100', { token: user })).body.id).toBe('desk');
    const members = await call(s, 'PUT', '/api/v1/groups/desk/members', {
      token: admin,
      body: { members: ['1005', '1003'] },
    });
    expect(members.body.members).toEqual(['u1005', 'u1003']);
    const changed = await call(s, 'PUT', '/api/v1/groups/desk', {
      token: admin,
      body: { strategy: 'ringAll', actions: { busy: { type: 'queue', queueId: 'support' } } },
    });
    expect(changed.body).toMatchObject({
      name: 'Front desk',
      strategy: 'ringAll',
      members: ['u1005', 'u1003'],
      actions: { busy: { type: 'queue', queueId: 'support' } },
    });
    const list = await call(s, 'GET', '/api/v1/groups', { token: user });
    expect(list.body.groups.map((g: { id: string }) => g.id).sort()).toEqual(['desk', 'sales']);
    expect((await call(s, 'DELETE', '/api/v1/groups/desk', { token: admin })).status).toBe(204);
    const gone = await call(s, 'GET', '/api/v1/groups/desk', { token: admin });
    expect([gone.status, gone.body]).toEqual([404, refusal('SWB_ERR_GROUP_NOT_FOUND', { group: 'desk' })]);
  });

  test('S8.1 bad group input is refused and changes nothing; only admins change groups', async () => {
    const before = (await call(s, 'GET', '/api/v1/groups', { token: admin })).body;
    const cases: [string, string, unknown, string | undefined, number, string][] = [
      ['POST', '/api/v1/groups', { id: 'g2', name: 'G', members: ['nobody'] }, admin, 404, 'SWB_ERR_USER_NOT_FOUND'],
      ['POST', '/api/v1/groups', { id: 'sales', name: 'Again' }, admin, 409, 'SWB_ERR_ID_TAKEN'],
      ['POST', '/api/v1/groups', { id: 'g2', name: 'G', strategy: 'random' }, admin, 400, 'SWB_ERR_VALIDATION'],
      ['POST', '/api/v1/groups', { id: 'g2', name: 'G', members: ['1003', '1003'] }, admin, 400, 'SWB_ERR_INVALID'],
      ['POST', '/api/v1/groups', { id: 'g2', name: 'G' }, sup, 403, 'SWB_ERR_FORBIDDEN'],
      ['PUT', '/api/v1/groups/sales', { memberRingSec: 'slow' }, admin, 400, 'SWB_ERR_VALIDATION'],
      ['PUT', '/api/v1/groups/sales/members', { members: ['1003'], extra: 1 }, admin, 400, 'SWB_ERR_VALIDATION'],
      ['PUT', '/api/v1/groups/sales/members', { members: ['1003'] }, user, 403, 'SWB_ERR_FORBIDDEN'],
      ['PUT', '/api/v1/groups/nope/members', { members: [] }, admin, 404, 'SWB_ERR_GROUP_NOT_FOUND'],
      ['DELETE', '/api/v1/groups/sales', undefined, user, 403, 'SWB_ERR_FORBIDDEN'],
    ];
    for (const [method, path, body, token, status, code] of cases) {
      const r = await call(s, method, path, { token, body });
      expect([method, path, r.status, r.body.error.code]).toEqual([method, path, status, code]);
    }
    expect((await call(s, 'GET', '/api/v1/groups', { token: admin })).body).toEqual(before);
  });

  test('S4.4 an admin creates, changes and deletes a queue; bad queue input is refused', async () => {
    const created = await call(s, 'POST', '/api/v1/queues', {
      token: admin,
      body: {
        id: 'sales-q',
        extension: '8100',
        name: 'Sales line',
        agents: ['1005', '1006'],
        supervisors: ['1002'],
        wrapUpSec: 10,
        overflowAction: { type: 'redirect', target: { kind: 'group', id: '6000' } },
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: 'sales-q',
      agents: ['u1005', 'u1006'],
      supervisors: ['u1002'],
      wrapUpSec: 10,
      autoReady: false,
      overflowAction: { type: 'redirect', target: { kind: 'group', id: 'sales' } },
    });
    const changed = await call(s, 'PUT', '/api/v1/queues/8100', {
      token: admin,
      body: { autoReady: true, maxCallers: 5 },
    });
    expect(changed.body).toMatchObject({
      id: 'sales-q',
      name: 'Sales line',
      autoReady: true,
      maxCallers: 5,
      wrapUpSec: 10,
    });
    const bad: [string, string, unknown, number, string][] = [
      ['POST', '/api/v1/queues', { id: 'q2', name: 'Q', agents: ['ghost'] }, 404, 'SWB_ERR_USER_NOT_FOUND'],
      ['POST', '/api/v1/queues', { id: 'support', name: 'Q' }, 409, 'SWB_ERR_ID_TAKEN'],
      ['PUT', '/api/v1/queues/sales-q', { wrapUpSec: 'soon' }, 400, 'SWB_ERR_VALIDATION'],
      ['PUT', '/api/v1/queues/sales-q', { strategy: 'random' }, 400, 'SWB_ERR_VALIDATION'],
      ['PUT', '/api/v1/queues/sales-q', { colour: 'red' }, 400, 'SWB_ERR_VALIDATION'],
      ['PUT', '/api/v1/queues/nope', { autoReady: true }, 404, 'SWB_ERR_QUEUE_NOT_FOUND'],
    ];
    for (const [method, path, body, status, code] of bad) {
      const r = await call(s, method, path, { token: admin, body });
      expect([method, path, r.status, r.body.error.code]).toEqual([method, path, status, code]);
    }
    const unchanged = await call(s, 'GET', '/api/v1/queues/sales-q', { token: user });
    expect(unchanged.body).toEqual(changed.body);
    const denied = await call(s, 'DELETE', '/api/v1/queues/sales-q', { token: sup });
    expect([denied.status, denied.body]).toEqual([403, refusal('SWB_ERR_FORBIDDEN')]);
    expect((await call(s, 'DELETE', '/api/v1/queues/sales-q', { token: admin })).status).toBe(204);
    expect(
      (await call(s, 'GET', '/api/v1/queues', { token: user })).body.queues.map((q: { id: string }) => q.id),
    ).toEqual(['support']);
  });
});

describe('tenant policy', () => {
  test('S2.5 every role reads the policy; only an admin changes it; an unknown time zone is refused', async () => {
    const read = await call(s, 'GET', '/api/v1/tenant/policy', { token: user });
    expect(read.body).toMatchObject({
      statusIndependentOfLogin: false,
      idleAfterSec: 600,
      sessionTimeoutSec: 90,
      defaultDeskDelaySec: 10,
      adminsSetOthers: true,
      timezone: 'UTC',
    });
    const denied = await call(s, 'PUT', '/api/v1/tenant/policy', { token: sup, body: { idleAfterSec: 300 } });
    expect([denied.status, denied.body]).toEqual([403, refusal('SWB_ERR_FORBIDDEN')]);
    const tz = await call(s, 'PUT', '/api/v1/tenant/policy', { token: admin, body: { timezone: 'Mars/Olympus_Mons' } });
    expect([tz.status, tz.body]).toEqual([
      400,
      {
        error: {
          code: 'SWB_ERR_INVALID',
          message: 'timezone: "Mars/Olympus_Mons" is not an IANA time zone.',
          details: { field: 'timezone' },
        },
      },
    ]);
    const unknown = await call(s, 'PUT', '/api/v1/tenant/policy', {
      token: admin,
      body: { idleAfterSec: 300, theme: 'dark' },
    });
    expect([unknown.status, unknown.body.error.code, unknown.body.error.details.issues]).toEqual([
      400,
      'SWB_ERR_VALIDATION',
      [{ path: '', message: 'must NOT have additional properties', params: { additionalProperty: 'theme' } }],
    ]);
    const status = await call(s, 'PUT', '/api/v1/tenant/policy', {
      token: admin,
      body: { manualStatuses: ['away', 'lunch'] },
    });
    expect([
      status.status,
      status.body.error.code,
      status.body.error.details.issues.map((i: { path: string }) => i.path),
    ]).toEqual([400, 'SWB_ERR_VALIDATION', ['/manualStatuses/1']]);
    expect((await call(s, 'GET', '/api/v1/tenant/policy', { token: admin })).body).toEqual(read.body);
    const ok = await call(s, 'PUT', '/api/v1/tenant/policy', {
      token: admin,
      body: { idleAfterSec: 300, timezone: 'Europe/Berlin', manualStatuses: ['available', 'away', 'dnd'] },
    });
    expect(ok.body).toMatchObject({
      idleAfterSec: 300,
      timezone: 'Europe/Berlin',
      manualStatuses: ['available', 'away', 'dnd'],
    });
    // S2.1: a status the tenant turned off is refused.
    const off = await call(s, 'PUT', '/api/v1/users/1003/status', { token: user, body: { status: 'busy' } });
    expect([off.status, off.body]).toEqual([422, refusal('SWB_ERR_STATUS_DISABLED', { status: 'busy' })]);
    await call(s, 'PUT', '/api/v1/tenant/policy', { token: admin, body: read.body });
  });
});

describe('import', () => {
  test('S8.1 a CSV import answers a report per row and imports only the good rows', async () => {
    const r = await csv(
      [
        'extension,name,email,role,password,sipPassword',
        '1020,"Lee, Lou",lou@acme.test,user,lou-pass-1,lou-sip-12',
        '12a,Bad Ext,,user,,',
        '1021,Mo Moss,,wizard,,',
        '1001,Not Alice,,admin,,',
        '1022,Ned North,carol@acme.test,user,,',
        '1023,Oona Oak,,supervisor,,',
      ].join('\r\n'),
    );
    expect(r.status).toBe(200);
    expect(r.body.imported).toBe(3);
    expect(r.body.failed).toBe(3);
    expect(
      r.body.rows.map((x: { row: number; ok: boolean; id?: string; error?: { code: string } }) => [
        x.row,
        x.ok,
        x.id ?? x.error?.code,
      ]),
    ).toEqual([
      [1, true, 'u1020'],
      [2, false, 'SWB_ERR_VALIDATION'],
      [3, false, 'SWB_ERR_VALIDATION'],
      [4, true, 'u1001'],
      [5, false, 'SWB_ERR_EMAIL_TAKEN'],
      [6, true, 'u1023'],
    ]);
    const all = await users();
    expect(all.find((u) => u.id === 'u1020')).toEqual({
      id: 'u1020',
      extension: '1020',
      name: 'Lee, Lou',
      role: 'user',
      email: 'lou@acme.test',
    });
    expect(all.find((u) => u.id === 'u1001')?.name).toBe('Not Alice');
    expect(all.some((u) => u.extension === '1021' || u.extension === '1022')).toBe(false);
    expect(await login(s, '1020', 'lou-pass-1')).toMatch(/^swt_/);
    await call(s, 'PATCH', '/api/v1/users/u1001', { token: admin, body: { name: 'Alice Adams' } });
  });

  test('S8.1 a JSON import reports each row; a bad row does not stop the others', async () => {
    const r = await call(s, 'POST', '/api/v1/users/import', {
      token: admin,
      body: {
        users: [
          { extension: '1030', name: 'Pat Pine', role: 'user' },
          { extension: '1031', name: 'Q', role: 'user', shoeSize: 44 },
          'not a user',
          { id: 'u1032', extension: '1032', name: 'Rae Rye', role: 'user' },
        ],
      },
    });
    expect(
      r.body.rows.map((x: { ok: boolean; id?: string; error?: { code: string } }) => x.id ?? x.error?.code),
    ).toEqual(['u1030', 'SWB_ERR_VALIDATION', 'SWB_ERR_VALIDATION', 'u1032']);
  });

  test('S8.1 a malformed CSV, unknown columns, a plain user or an oversized file are refused whole', async () => {
    const before = await users();
    const cases: [ReturnType<typeof call>, number, string][] = [
      [csv('extension,name,role\n1040,"open,user\n'), 400, 'SWB_ERR_VALIDATION'],
      [csv('extension,name,role,shoeSize\n1040,Sam,user,44\n'), 400, 'SWB_ERR_VALIDATION'],
      [csv('extension,name,role\n1040,Sam,user\n', user), 403, 'SWB_ERR_FORBIDDEN'],
      [csv(`extension,name,role\n${'1041,Sam,user\n'.repeat(80_000)}`), 413, 'SWB_ERR_BODY_TOO_LARGE'],
      [
        call(s, 'POST', '/api/v1/users/import', {
          token: admin,
          raw: '{"users":[{"extension":"1040","name":"Sam","role":"user","__proto__":{}}]}',
        }),
        400,
        'SWB_ERR_BAD_JSON',
      ],
      [
        call(s, 'POST', '/api/v1/users/import', { token: admin, body: { users: [], extra: 1 } }),
        400,
        'SWB_ERR_VALIDATION',
      ],
      // CSV is read by the import only.
      [
        call(s, 'POST', '/api/v1/users', {
          token: admin,
          raw: 'extension,name,role\n1040,Sam,user\n',
          headers: { 'content-type': 'text/csv' },
        }),
        415,
        'SWB_ERR_UNSUPPORTED_MEDIA_TYPE',
      ],
    ];
    for (const [pending, status, code] of cases) {
      const r = await pending;
      expect([r.status, r.body.error.code]).toEqual([status, code]);
    }
    expect(await users()).toEqual(before);
  });

  test('S5.1 an admin deletes a user: gone from the directory, presence and sign-in', async () => {
    const denied = await call(s, 'DELETE', '/api/v1/users/1030', { token: sup });
    expect([denied.status, denied.body]).toEqual([403, refusal('SWB_ERR_FORBIDDEN')]);
    expect((await call(s, 'DELETE', '/api/v1/users/1020', { token: admin })).status).toBe(204);
    const gone = await call(s, 'GET', '/api/v1/users/1020', { token: admin });
    expect([gone.status, gone.body]).toEqual([404, refusal('SWB_ERR_USER_NOT_FOUND', { user: '1020' })]);
    expect((await call(s, 'GET', '/api/v1/presence?search=lou', { token: admin })).body.presence).toEqual([]);
    const signIn = await call(s, 'POST', '/api/v1/auth/login', { body: { username: '1020', password: 'lou-pass-1' } });
    expect(signIn.status).toBe(401);
    expect(await s.store.credentials('acme', 'u1020')).toBeUndefined();
    expect(s.accounts.credentials('acme', 'u1020')).toBeUndefined();
  });
});
