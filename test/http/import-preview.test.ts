// S5.1 user import, checked before it writes (issue 15, D3): the preview answers a plan per row
// and changes nothing; the import refuses a second row for the same extension, id or email
// instead of letting it overwrite the first; every problem of a row is told, in words.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { call, login, testApp } from '../support/app.js';

type S = Awaited<ReturnType<typeof testApp>>;
let s: S;
let admin: string;

beforeAll(async () => {
  s = await testApp();
  admin = await login(s, '1001');
}, 30_000);
afterAll(async () => s.cleanup(), 30_000);

const csv = (body: string, query = '') =>
  call(s, 'POST', `/api/v1/users/import${query}`, { token: admin, raw: body, headers: { 'content-type': 'text/csv' } });
const users = async () =>
  (await call(s, 'GET', '/api/v1/users', { token: admin })).body.users as {
    id: string;
    extension: string;
    name: string;
  }[];

const FILE = [
  'extension,name,email,role,password',
  '2001,Kim Kaur,kim@acme.test,user,change-me-2001',
  '1004,Dan Diaz,,user,',
  '12a,,not-an-email,emperor,short',
  '2002,Lee Lam,carol@acme.test,user,',
  '2003,Kim Again,kim@acme.test,user,',
  '2001,Kim Overwritten,,user,change-me-2008',
].join('\n');

describe('S5.1 import preview', () => {
  test('S5.1 ?preview=true answers create, update or skip per row with every problem in words, and writes nothing', async () => {
    const before = await users();
    const r = await csv(FILE, '?preview=true');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ preview: true, creates: 1, updates: 1, skipped: 4 });
    const rows = r.body.rows as {
      row: number;
      action: string;
      problems: string[];
      duplicateOf?: number;
      code?: string;
    }[];
    expect(rows.map((x) => x.action)).toEqual(['create', 'update', 'skip', 'skip', 'skip', 'skip']);
    expect(rows[2]!.problems).toEqual([
      'The name is missing.',
      'The extension “12a” must be 2 to 10 digits.',
      'The email “not-an-email” is not an email address.',
      'The role “emperor” must be one of: admin, supervisor, user.',
      'The password must have at least 8 characters.',
    ]);
    expect(rows[3]).toMatchObject({
      code: 'SWB_ERR_EMAIL_TAKEN',
      problems: ['The email carol@acme.test belongs to another user (u1003).'],
    });
    expect(rows[4]).toMatchObject({
      duplicateOf: 1,
      problems: ['The same email as line 2 (kim@acme.test): a file may name each user once.'],
    });
    expect(rows[5]).toMatchObject({
      duplicateOf: 1,
      problems: ['The same extension as line 2 (2001): a file may name each user once.'],
    });
    expect(JSON.stringify(rows)).not.toMatch(
      /must have required properties|must match pattern|must be equal to one of/,
    );
    expect(await users()).toEqual(before);
  });

  test('S5.1 the import writes the first row for an extension and refuses the repeat, with every problem of each bad row', async () => {
    const r = await csv(FILE);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ imported: 2, failed: 4 });
    const rows = r.body.rows as {
      row: number;
      ok: boolean;
      action?: string;
      error?: { code: string; message: string };
    }[];
    expect(rows.map((x) => [x.ok, x.action ?? x.error?.code])).toEqual([
      [true, 'create'],
      [true, 'update'],
      [false, 'SWB_ERR_VALIDATION'],
      [false, 'SWB_ERR_EMAIL_TAKEN'],
      [false, 'SWB_ERR_VALIDATION'],
      [false, 'SWB_ERR_VALIDATION'],
    ]);
    expect(rows[2]!.error!.message).toContain('The name is missing. The extension “12a” must be 2 to 10 digits.');
    const all = await users();
    expect(all.find((u) => u.extension === '2001')?.name).toBe('Kim Kaur');
    expect(all.some((u) => u.extension === '2002' || u.extension === '2003')).toBe(false);
  });

  test('S5.1 a JSON import refuses a repeated id too; a row that is not an object is told so', async () => {
    const r = await call(s, 'POST', '/api/v1/users/import?preview=true', {
      token: admin,
      body: {
        users: [
          { id: 'x1', extension: '3001', name: 'X One', role: 'user' },
          { id: 'x1', extension: '3002', name: 'X Two', role: 'user' },
          'nope',
        ],
      },
    });
    expect(r.status).toBe(200);
    expect(r.body.rows[1].problems).toEqual(['The same id as row 1 (x1): a file may name each user once.']);
    expect(r.body.rows[2].problems).toEqual(['The row is not a user.']);
  });
});
