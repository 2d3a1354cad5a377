// S11.3 Calendar over REST on a manual clock, against .ics files served from 127.0.0.1: a weekly
// meeting with a moved and a cancelled occurrence, an event in New York time, a transparent one
// and an all-day one; moving and cancelling in the served file; failing feeds; who sees the
// title; limits and refusals.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ManualClock } from '../../src/engine/index.js';
import { call, login, testApp } from '../support/app.js';
import { carolsCalendar, icsServer, manyEvents } from '../support/ics.js';
import { MIN, T0 } from '../support/tenant.js';
import { CalendarSync, policyFetch } from '../../src/calendar/index.js';
import { AddressPolicy } from '../../src/webhooks/index.js';

type S = Awaited<ReturnType<typeof testApp>>;
const clock = new ManualClock(T0); // Monday 2026-11-02 09:00 UTC
let s: S;
let feeds: Awaited<ReturnType<typeof icsServer>>;
let admin: string;
let carol: string;
let dave: string;

beforeAll(async () => {
  feeds = await icsServer();
  s = await testApp({ calendarAllowedHosts: ['127.0.0.1'] }, { clock });
  [admin, carol, dave] = await Promise.all([login(s, '1001'), login(s, '1003'), login(s, '1004')]);
}, 30_000);
afterAll(async () => {
  await s?.cleanup();
  await feeds?.close();
}, 30_000);

const Z = (text: string) => new Date(text).toISOString();
const calendar = (token = carol) => call(s, 'GET', '/api/v1/users/1003/calendar', { token });
const link = (body: Record<string, unknown>, token = carol) =>
  call(s, 'PUT', '/api/v1/users/1003/calendar', { token, body });
const refresh = (token = carol) => call(s, 'POST', '/api/v1/users/1003/calendar/refresh', { token });
const schedule = async (token = carol) =>
  (await call(s, 'GET', '/api/v1/users/1003/schedule', { token })).body.windows as Record<string, unknown>[];
const fromCalendar = async (token = carol) =>
  (await schedule(token))
    .filter((w) => w.source === 'calendar')
    .map((w) => [w.from, w.until, w.status, w.text, w.title]);
const manual = async (token: string) =>
  (await call(s, 'GET', '/api/v1/users/1003/presence', { token })).body.manual as Record<string, unknown> | undefined;
async function advanceTo(iso: string): Promise<void> {
  clock.advance(Date.parse(iso) - clock.now());
  await s.engine.settled();
}

const PRIVATE = 'In a meeting';
const EXPECTED = [
  // Monday 11:00 Berlin (CET) is 10:00 UTC.
  [Z('2026-11-02T10:00Z'), Z('2026-11-02T10:30Z'), 'dnd', PRIVATE, 'Team sync'],
  // The Wednesday moved to 15:00 Berlin (RECURRENCE-ID).
  [Z('2026-11-04T14:00Z'), Z('2026-11-04T14:30Z'), 'dnd', PRIVATE, 'Team sync (moved)'],
  // 09:00 in New York (EST) is 14:00 UTC. Focus time (transparent) and the all-day holiday set nothing.
  [Z('2026-11-05T14:00Z'), Z('2026-11-05T15:00Z'), 'dnd', PRIVATE, 'Call with New York'],
  // Monday 2026-11-09 is an EXDATE; Wednesday 11-11 and Monday 11-16 (past the 14 days) follow.
  [Z('2026-11-11T10:00Z'), Z('2026-11-11T10:30Z'), 'dnd', PRIVATE, 'Team sync'],
];

describe('S11.3 calendar', () => {
  test('S11.3 a linked feed becomes calendar windows: recurring with exceptions, time zones, free events skipped; own windows untouched', async () => {
    const own = await call(s, 'POST', '/api/v1/users/1003/schedule', {
      token: carol,
      body: { status: 'away', from: Z('2026-11-03T08:00Z'), until: Z('2026-11-03T09:00Z'), text: 'Dentist' },
    });
    expect(own.status).toBe(201);
    expect((await calendar()).body.error.code).toBe('SWB_ERR_CALENDAR_NOT_LINKED');
    feeds.serve({ status: 200, body: carolsCalendar() });
    const r = await link({ url: `${feeds.url}/carol.ics?token=s3cret`, status: 'dnd' });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      url: `${feeds.url}/carol.ics?token=s3cret`,
      status: 'dnd',
      shareTitle: false,
      linkedAt: Z('2026-11-02T09:00Z'),
      lastSuccessAt: Z('2026-11-02T09:00Z'),
      windows: 4,
      intervalSec: 600,
    });
    expect(await fromCalendar()).toEqual(EXPECTED);
    const mine = (await schedule()).filter((w) => w.source === undefined);
    expect(mine.map((w) => [w.id, w.text])).toEqual([[own.body.id, 'Dentist']]);
    expect((await calendar()).body).toEqual(r.body);
  });

  test('S11.3 S2.7 others see the status but not the title, unless shared', async () => {
    await advanceTo('2026-11-02T10:00Z');
    for (const token of [carol, dave, admin])
      expect(await manual(token)).toMatchObject({ status: 'dnd', text: PRIVATE });
    // Only carol reads the title; an admin sees the windows without it, and neither reads the link.
    expect((await fromCalendar(admin)).map((w) => w.slice(0, 4))).toEqual(EXPECTED.map((w) => w.slice(0, 4)));
    expect((await fromCalendar(admin)).every((w) => w[4] === undefined)).toBe(true);
    for (const token of [admin, dave]) {
      expect((await calendar(token)).body.error.code).toBe('SWB_ERR_FORBIDDEN');
      expect((await refresh(token)).status).toBe(403);
      expect((await link({ url: `${feeds.url}/x.ics`, status: 'away' }, token)).status).toBe(403);
    }
    // Shared: the title becomes the text of the windows to come; `away` their status.
    const shared = await link({ url: `${feeds.url}/carol.ics?token=s3cret`, status: 'away', shareTitle: true });
    expect(shared.body).toMatchObject({ shareTitle: true, status: 'away', windows: 4 });
    await advanceTo('2026-11-04T14:00Z');
    expect(await manual(dave)).toMatchObject({ status: 'away', text: 'Team sync (moved)' });
    await link({ url: `${feeds.url}/carol.ics?token=s3cret`, status: 'dnd', shareTitle: false });
  });

  test('S11.3 moving and cancelling an event in the feed updates the schedule on refresh', async () => {
    feeds.serve({ status: 200, body: carolsCalendar({ newYorkHour: 11, exdates: ['20261111T110000'] }) });
    const r = await refresh();
    expect(r.body).toMatchObject({ lastSuccessAt: Z('2026-11-04T14:00Z'), windows: 4 });
    expect((await fromCalendar()).map((w) => [w[0], w[1], w[4]])).toEqual([
      // The moved Wednesday holds the status now and goes on.
      [Z('2026-11-04T14:00Z'), Z('2026-11-04T14:30Z'), 'Team sync (moved)'],
      // Moved two hours later; Wednesday 11-11 cancelled; 11-16 and 11-18 now within the 14 days.
      [Z('2026-11-05T16:00Z'), Z('2026-11-05T17:00Z'), 'Call with New York'],
      [Z('2026-11-16T10:00Z'), Z('2026-11-16T10:30Z'), 'Team sync'],
      [Z('2026-11-18T10:00Z'), Z('2026-11-18T10:30Z'), 'Team sync'],
    ]);
    expect(await manual(dave)).toMatchObject({ status: 'away', text: 'Team sync (moved)' });
  });

  test('S11.3 a feed that cannot be read keeps the last good schedule and says why and when it last worked', async () => {
    const before = await fromCalendar();
    await advanceTo('2026-11-04T15:00Z');
    const cases: [Parameters<typeof feeds.serve>[0], string][] = [
      [{ status: 500, body: 'oops' }, 'the server answered HTTP 500'],
      [{ status: 200, body: '<html>Sign in</html>', type: 'text/html' }, 'the address does not give an iCalendar file'],
      [{ status: 200, body: 'BEGIN:VCALENDAR\r\nthis is not\r\n' }, 'the iCalendar file could not be read'],
      [{ status: 200, body: 'BEGIN:VCALENDAR\r\n' + 'X'.repeat(1_100_000) }, 'the calendar is larger than 1 MB'],
      [
        { status: 200, body: manyEvents(2001, Date.parse('2026-11-05T00:00Z')) },
        'the calendar has more than 2000 events',
      ],
    ];
    for (const [served, error] of cases) {
      feeds.serve(served);
      const r = await refresh();
      expect(r.body, error).toMatchObject({
        lastError: error,
        lastErrorAt: Z('2026-11-04T15:00Z'),
        lastSuccessAt: Z('2026-11-04T14:00Z'),
      });
      expect(r.body.url).toContain('s3cret');
      expect(await fromCalendar()).toEqual(before.filter((w) => w[1]! > Z('2026-11-04T15:00Z')));
    }
    // A server that is gone: a network error, in words.
    const gone = await icsServer();
    await gone.close();
    await link({ url: `${gone.url}/carol.ics`, status: 'dnd' });
    expect((await calendar()).body.lastError).toBe('the server could not be reached (ECONNREFUSED)');
    expect((await calendar()).body.windows).toBe(0);
    // Back to a good feed: the error is cleared.
    feeds.serve({ status: 200, body: carolsCalendar() });
    const ok = await link({ url: `${feeds.url}/carol.ics?token=s3cret`, status: 'dnd' });
    expect(ok.body.lastError).toBeUndefined();
    expect(ok.body.windows).toBe(4);
  });

  test('S11.3 a calendar event ended by hand is not put back by the next fetch', async () => {
    await advanceTo('2026-11-05T14:00Z');
    expect(await manual(carol)).toMatchObject({ status: 'dnd', text: PRIVATE });
    expect(
      (await call(s, 'PUT', '/api/v1/users/1003/status', { token: carol, body: { status: 'available' } })).status,
    ).toBe(200);
    await refresh();
    expect(await manual(carol)).toBeUndefined();
    // The call ended by hand stays gone; the later meetings are still there.
    expect((await fromCalendar()).map((w) => w[0])).toEqual([
      Z('2026-11-11T10:00Z'),
      Z('2026-11-16T10:00Z'),
      Z('2026-11-18T10:00Z'),
    ]);
  });

  test('S11.3 limits and refusals: at most 100 windows; bad URLs; internal addresses and plain http need the allow-list', async () => {
    feeds.serve({ status: 200, body: manyEvents(150, Date.parse('2026-11-06T00:00Z')) });
    expect((await refresh()).body).toMatchObject({ windows: 100 });
    const windows = await fromCalendar();
    expect(windows).toHaveLength(100);
    expect(windows[0]![4]).toBe('Meeting 0');
    // The user's own windows have their own 50 (the calendar's 100 do not count).
    const own = await call(s, 'POST', '/api/v1/users/1003/schedule', {
      token: carol,
      body: { status: 'busy', from: Z('2026-11-20T08:00Z') },
    });
    expect(own.status).toBe(201);
    const before = (await calendar()).body;
    const cases: [string, string][] = [
      ['not a url', 'SWB_ERR_CALENDAR_URL_INVALID'],
      ['ftp://calendar.example.com/a.ics', 'SWB_ERR_CALENDAR_URL_INVALID'],
      [`https://example.com/${'a'.repeat(2000)}.ics`, 'SWB_ERR_CALENDAR_URL_INVALID'],
      ['https://10.1.2.3/a.ics', 'SWB_ERR_CALENDAR_URL_FORBIDDEN'],
      ['https://169.254.169.254/latest', 'SWB_ERR_CALENDAR_URL_FORBIDDEN'],
      ['https://localhost/a.ics', 'SWB_ERR_CALENDAR_URL_FORBIDDEN'],
      ['http://calendar.example.com/a.ics', 'SWB_ERR_CALENDAR_URL_FORBIDDEN'],
    ];
    for (const [url, code] of cases) {
      const r = await link({ url, status: 'dnd' });
      expect([url.slice(0, 40), r.status, r.body.error?.code]).toEqual([url.slice(0, 40), 422, code]);
    }
    const badStatus = await link({ url: `${feeds.url}/a.ics`, status: 'busy' });
    expect([badStatus.status, badStatus.body.error.code]).toEqual([400, 'SWB_ERR_VALIDATION']);
    expect((await calendar()).body).toEqual(before);
    // Two meetings later, the two that waited past the 100 come in.
    await advanceTo('2026-11-06T04:00Z');
    expect((await refresh()).body).toMatchObject({ windows: 100 });
    const next = await fromCalendar();
    expect([next[0]![4], next.at(-1)![4]]).toEqual(['Meeting 2', 'Meeting 101']);
  });

  test('S11.3 the server reads each linked feed again once its last read is 10 minutes old', async () => {
    const sync = new CalendarSync({
      engine: s.engine,
      fetchFeed: policyFetch(new AddressPolicy(['127.0.0.1'])),
      intervalMs: 10 * MIN,
    });
    const tenant = [...s.engine.tenantIds()][0]!;
    const lastRead = (await calendar()).body.lastSuccessAt;
    const tick = async () => {
      sync.tick();
      await sync.refresh(tenant, 'u1003-not-linked'); // nothing to read: resolves at once
      await s.engine.settled();
    };
    const start = feeds.hits();
    await tick();
    clock.advance(9 * MIN);
    await tick();
    expect(feeds.hits()).toBe(start);
    clock.advance(MIN);
    sync.tick();
    await sync.refresh(tenant, 'u1003'); // the read the tick began
    expect(feeds.hits()).toBe(start + 1);
    const after = (await calendar()).body.lastSuccessAt;
    expect(Date.parse(after) - Date.parse(lastRead)).toBe(10 * MIN);
  });

  test('S11.3 a meeting already begun when read sets the status at once, from now to its end', async () => {
    const now = clock.now();
    feeds.serve({ status: 200, body: manyEvents(1, now - 30 * MIN) });
    expect((await refresh()).body.windows).toBe(1);
    expect(await fromCalendar()).toEqual([
      [Z(new Date(now).toISOString()), Z(new Date(now + 30 * MIN).toISOString()), 'dnd', PRIVATE, 'Meeting 0'],
    ]);
    expect(await manual(dave)).toMatchObject({ status: 'dnd', text: PRIVATE });
  });

  test('S11.3 S8.2 the link, how it went and the calendar’s windows survive a restart (in the user’s stored facts)', async () => {
    const before = [(await calendar()).body, await schedule()];
    await s.close();
    s = await testApp({ dataDir: s.dataDir, calendarAllowedHosts: ['127.0.0.1'] }, { clock });
    carol = await login(s, '1003');
    expect([(await calendar()).body, await schedule()]).toEqual(before);
  });

  test('S11.3 unlinking removes the calendar’s windows and keeps the user’s own', async () => {
    const r = await call(s, 'DELETE', '/api/v1/users/1003/calendar', { token: carol });
    expect(r.status).toBe(204);
    expect(await fromCalendar()).toEqual([]);
    expect((await schedule()).map((w) => w.text ?? w.status)).toEqual(['busy']);
    expect((await calendar()).status).toBe(404);
    expect((await refresh()).body.error.code).toBe('SWB_ERR_CALENDAR_NOT_LINKED');
    expect((await call(s, 'DELETE', '/api/v1/users/1003/calendar', { token: carol })).status).toBe(404);
  });
});
