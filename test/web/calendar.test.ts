// S11.3 Calendar in a real browser (Debian's Chromium via playwright-core) against a real server
// and an .ics file served from 127.0.0.1: a user links the feed on My status, sees the meetings
// scheduled (titles to them only), reads a failing feed's error, refreshes, unlinks. Every state is
// checked by axe-core (screenshot() fails on a serious or critical violation).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { call, login, testServer } from '../support/server.js';
import { icsServer } from '../support/ics.js';
import { launch, screenshot } from './browser.js';
import type { TestBrowser } from './browser.js';

type S = Awaited<ReturnType<typeof testServer>>;
let s: S;
let feeds: Awaited<ReturnType<typeof icsServer>>;
let browser: TestBrowser;

function pageFor(extension: string): Promise<Page> {
  return browser.signedIn(s.url, extension, { width: 1440, height: 900 });
}

const stamp = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/** Two busy meetings and a free one, in the next two days. */
function feed(now: number): string {
  const hour = 3_600_000;
  const event = (uid: string, title: string, from: number, until: number, extra: string[] = []) => [
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'DTSTAMP:20261101T000000Z',
    `SUMMARY:${title}`,
    `DTSTART:${stamp(from)}`,
    `DTEND:${stamp(until)}`,
    ...extra,
    'END:VEVENT',
  ];
  const base = Math.ceil(now / hour) * hour;
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Switchboard tests//EN',
    ...event('review@test', 'Quarterly review', base + 2 * hour, base + 3 * hour),
    ...event('dana@test', '1:1 with Dana', base + 26 * hour, base + 26.5 * hour),
    ...event('focus@test', 'Focus time', base + 4 * hour, base + 5 * hour, ['TRANSP:TRANSPARENT']),
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

beforeAll(async () => {
  feeds = await icsServer();
  s = await testServer({ calendarAllowedHosts: ['127.0.0.1'] });
  browser = await launch();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await s?.cleanup();
  await feeds?.close();
}, 30_000);

describe('S11.3 calendar in the web app', () => {
  test('S11.3 a user links a calendar on My status, sees its meetings, reads a failing feed’s error; others see no title', async () => {
    feeds.serve({ status: 200, body: feed(Date.now()) });
    const page = await pageFor('1003');
    await page.goto(`${s.url}/me`);
    const card = page.locator('section.calendar');
    await card.getByRole('heading', { name: 'Calendar' }).waitFor();
    await card.getByLabel('Calendar address (.ics)').fill(`${feeds.url}/carol.ics?token=s3cret`);
    await card.getByLabel('A busy meeting sets').selectOption('away');
    await card.getByRole('button', { name: 'Link calendar' }).click();
    await card.getByText('Calendar linked: 2 meetings scheduled.').waitFor();
    await card.getByText(/^Last read .*: 2 meetings scheduled\./).waitFor();
    const schedule = page.locator('section.schedule');
    await schedule.getByText('From your calendar: Quarterly review').waitFor();
    await expect.poll(() => schedule.locator('li[data-window]').count()).toBe(2);
    await screenshot(page, 's11-3-calendar', true);

    // The feed fails: the error in words, the meetings stay.
    feeds.serve({ status: 500, body: 'down' });
    await card.getByRole('button', { name: 'Refresh now' }).click();
    await card.getByText('The calendar could not be read: the reason is above.').waitFor();
    await card
      .getByText(/Could not read your calendar .*: the server answered HTTP 500\. Your meetings stay/)
      .waitFor();
    expect(await schedule.locator('li[data-window]').count()).toBe(2);
    await screenshot(page, 's11-3-calendar-error', true);

    // An admin on carol's page sees the meetings as "In a meeting", without their titles.
    const admin = await pageFor('1001');
    await admin.goto(`${s.url}/users/u1003`);
    const theirs = admin.locator('section.schedule');
    await theirs.getByText('From the calendar').first().waitFor();
    expect(await theirs.getByText('“In a meeting”').count()).toBe(2);
    expect(await admin.getByText('Quarterly review').count()).toBe(0);
    const token = await login(s.url, '1001');
    expect((await call(s.url, 'GET', '/api/v1/users/u1003/calendar', { token })).status).toBe(403);

    // Shared titles, then unlinked.
    await card.getByLabel('Show meeting titles to others').check();
    await card.getByRole('button', { name: 'Save' }).click();
    await card.getByText(/^Calendar linked/).waitFor();
    await card.getByRole('button', { name: 'Unlink' }).click();
    await card.getByText('Calendar unlinked: its meetings are no longer scheduled.').waitFor();
    await schedule.getByText('Nothing scheduled.').waitFor();
    await card.getByRole('button', { name: 'Link calendar' }).waitFor();
  }, 90_000);
});
