// S9.1 over the live feed: queueing or cancelling a scheduled status is a schedule.changed event;
// like a forwarding destination (S2.7), its windows reach only admins and the user themself.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FeedClient, apiKey, call, feedServer, login } from './support.js';
import type { FeedTestServer, Frame } from './support.js';

let s: FeedTestServer;
let admin: string;
let adminKey: string;

beforeAll(async () => {
  s = await feedServer();
  admin = await login(s.url, '1001');
  adminKey = await apiKey(s.url, admin, 'admin');
});
afterAll(async () => s.cleanup());

describe('S9.1 schedule.changed on the live feed', () => {
  test('S9.1 S2.7 a queued window reaches the user and admins; a colleague sees only that the schedule moved', async () => {
    const [carol, jack] = await Promise.all([login(s.url, '1003'), login(s.url, '1010')]);
    const [adm, colleague, self] = await Promise.all([
      FeedClient.signedIn(s.url, adminKey),
      FeedClient.signedIn(s.url, carol),
      FeedClient.signedIn(s.url, jack),
    ]);
    for (const c of [adm, colleague, self]) await c!.subscribe('t', { tenant: true });
    const from = new Date(Date.now() + 3_600_000).toISOString();
    const added = await call(s.url, 'POST', '/api/v1/users/1010/schedule', {
      token: jack,
      body: { status: 'dnd', from, text: 'Dentist' },
    });
    expect(added.status).toBe(201);
    const isSchedule = (e: Frame) => e.type === 'schedule.changed' && e.subject === 'u1010';
    const [a, c, me] = await Promise.all([
      adm!.event(isSchedule),
      colleague!.event(isSchedule),
      self!.event(isSchedule),
    ]);
    const window = { id: added.body.id, status: 'dnd', from: Date.parse(from) };
    expect(a).toMatchObject({ cause: 'self', value: { windows: [window] }, old: { windows: [] } });
    expect(me.value).toEqual({ windows: [window] });
    expect(c.value).toEqual({ windows: [] });
    expect(JSON.stringify(a)).not.toContain('Dentist');

    await call(s.url, 'DELETE', `/api/v1/users/1010/schedule/${added.body.id}`, { token: jack });
    const gone = await adm!.event((e) => isSchedule(e) && e.value.windows.length === 0);
    expect(gone.old.windows).toEqual([window]);
    for (const x of [adm, colleague, self]) x!.close();
  });
});
