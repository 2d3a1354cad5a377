// S9.1 Scheduled statuses in a real browser (Debian's Chromium via playwright-core) against a real
// server: a user schedules statuses on My status, sees them listed, cancels one, and reads a
// refusal in words; an admin sees the same list on the user's page. Every state is checked by
// axe-core (screenshot() fails on a serious or critical violation).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { call, login, testServer } from '../support/server.js';
import { launch, screenshot } from './browser.js';
import type { TestBrowser } from './browser.js';

const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

type S = Awaited<ReturnType<typeof testServer>>;
let s: S;
let browser: TestBrowser;

function pageFor(extension: string, size = DESKTOP): Promise<Page> {
  return browser.signedIn(s.url, extension, size);
}

/** A local datetime-local value `ms` from now. */
const localIn = (page: Page, ms: number): Promise<string> =>
  page.evaluate(
    `(() => { const t = Date.now() + ${ms}; return new Date(t - new Date(t).getTimezoneOffset() * 60000).toISOString().slice(0, 16); })()`,
  ) as Promise<string>;

beforeAll(async () => {
  s = await testServer();
  browser = await launch();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await s?.cleanup();
}, 30_000);

describe('S9.1 scheduled statuses in the web app', () => {
  test('S9.1 a user schedules DND and a day absent, sees both listed, cancels one; a bad window is refused in words', async () => {
    const carol = await login(s.url, '1003');
    const page = await pageFor('1003');
    await page.goto(`${s.url}/me`);
    const card = page.locator('section.schedule');
    await card.getByText('Nothing scheduled.').waitFor();
    // The form opens on demand, with the focus in it.
    await card.getByRole('button', { name: 'Schedule a status…' }).click();
    await expect.poll(() => page.evaluate('document.activeElement?.id')).toBe('sched-status-u1003');

    await card.getByRole('combobox', { name: /^Status/ }).selectOption('dnd');
    await card.getByLabel('Text (optional)').fill('Board meeting');
    await card.getByRole('button', { name: 'Schedule' }).click();
    await card.getByText(/^Scheduled Do not disturb/).waitFor();
    await card.locator('li[data-state="pending"]').waitFor();

    await card.getByRole('combobox', { name: /^Status/ }).selectOption('absent');
    await card.getByLabel('Text (optional)').fill('');
    await card.getByLabel('Starts').fill(await localIn(page, 24 * 3600_000));
    await card.getByLabel('Ends').fill(await localIn(page, 48 * 3600_000));
    await card.getByRole('button', { name: 'Schedule' }).click();
    await card.getByText(/^Scheduled Absent/).waitFor();
    await expect.poll(() => card.locator('li[data-window]').count()).toBe(2);
    const listed = await call(s.url, 'GET', '/api/v1/users/u1003/schedule', { token: carol });
    expect(listed.body.windows.map((w: { status: string; text?: string }) => [w.status, w.text])).toEqual([
      ['dnd', 'Board meeting'],
      ['absent', undefined],
    ]);
    await screenshot(page, 's9-1-schedule', true);

    // Cancel the DND window: its button names what it cancels.
    await card.getByRole('button', { name: /^Cancel Do not disturb/ }).click();
    await card.getByText(/^Cancelled Do not disturb/).waitFor();
    await expect.poll(() => card.locator('li[data-window]').count()).toBe(1);
    const after = await call(s.url, 'GET', '/api/v1/users/u1003/schedule', { token: carol });
    expect(after.body.windows.map((w: { status: string }) => w.status)).toEqual(['absent']);

    // A window that ends before it starts: the server's refusal, in words; nothing is queued.
    await card.getByLabel('Starts').fill(await localIn(page, 5 * 3600_000));
    await card.getByLabel('Ends').fill(await localIn(page, 4 * 3600_000));
    await card.getByRole('button', { name: 'Schedule' }).click();
    await card.getByText('A scheduled status must end after it begins.').waitFor();
    await screenshot(page, 's9-1-schedule-refused', true);
    expect((await call(s.url, 'GET', '/api/v1/users/u1003/schedule', { token: carol })).body.windows).toHaveLength(1);
    // Closing the form gives the focus back to the button that opened it.
    await card.getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => page.evaluate('document.activeElement?.textContent')).toBe('Schedule a status…');
  }, 60_000);

  test('S9.1 S5.1 an admin sees and cancels a user’s scheduled status on the user’s page; it fits a phone', async () => {
    const admin = await login(s.url, '1001');
    const from = new Date(Date.now() + 3 * 3600_000).toISOString();
    const added = await call(s.url, 'POST', '/api/v1/users/u1004/schedule', {
      token: admin,
      body: { status: 'busy', from, text: 'Training' },
    });
    expect(added.status).toBe(201);
    const page = await pageFor('1001', PHONE);
    await page.goto(`${s.url}/users/u1004`);
    const card = page.locator('section.schedule');
    await card.locator(`li[data-window="${added.body.id}"]`).getByText('“Training”').waitFor();
    expect(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')).toBeLessThanOrEqual(0);
    await screenshot(page, 's9-1-schedule-admin-phone', true);
    await card.getByRole('button', { name: /^Cancel Busy/ }).click();
    await card.getByText('Nothing scheduled.').waitFor();
    expect((await call(s.url, 'GET', '/api/v1/users/u1004/schedule', { token: admin })).body.windows).toEqual([]);
  }, 60_000);
});
