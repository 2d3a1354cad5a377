// S9.1 with S6.3: a webhook that asks for schedule.changed gets each added or cancelled window of a
// user's schedule (without its text), with its cause.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { call, login, testServer } from '../support/server.js';
import { Receiver } from './receiver.js';

type S = Awaited<ReturnType<typeof testServer>>;
let s: S;
let admin: string;
let rx: Receiver;

beforeAll(async () => {
  s = await testServer({ webhookAllowedHosts: ['127.0.0.1'] });
  admin = await login(s.url, '1001');
  rx = await Receiver.start();
});
afterAll(async () => {
  await rx.close();
  await s.cleanup();
});

describe('S9.1 S6.3 schedule.changed webhooks', () => {
  test('S9.1 adding and cancelling a window arrive as schedule.changed, in order, without the text', async () => {
    const hook = await call(s.url, 'POST', '/api/v1/webhooks', {
      token: admin,
      body: { url: `${rx.url}/hook`, events: ['schedule.changed'] },
    });
    expect(hook.status).toBe(201);
    const carol = await login(s.url, '1003');
    const from = new Date(Date.now() + 3_600_000).toISOString();
    const added = await call(s.url, 'POST', '/api/v1/users/1003/schedule', {
      token: carol,
      body: { status: 'away', from, text: 'Doctor' },
    });
    expect(added.status).toBe(201);
    await call(s.url, 'DELETE', `/api/v1/users/1003/schedule/${added.body.id}`, { token: admin });
    const got = await rx.waitFor(2, (r) => r.body?.type === 'schedule.changed');
    const window = { id: added.body.id, status: 'away', from: Date.parse(from) };
    expect(got.map((r) => [r.body.cause, r.body.value.windows])).toEqual([
      ['self', [window]],
      ['admin:u1001', []],
    ]);
    expect(got.every((r) => r.body.subject === 'u1003' && !r.raw.includes('Doctor'))).toBe(true);
  });
});
