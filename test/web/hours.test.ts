// S11.2 in a real browser (Debian's Chromium through playwright-core) against a real server: the
// admin's Office hours page shows who is open now and why not, switches night mode, and edits
// the company's hours; axe checks each state, and the page is saved as /work/wt/shots/s11-2-hours.png.
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BrowserContext } from 'playwright-core';
import { call, login, testServer } from '../support/server.js';
import { assertAccessible } from './axe.js';
import { launch, screenshot, signIn } from './browser.js';
import type { TestBrowser } from './browser.js';

type S = Awaited<ReturnType<typeof testServer>>;
let s: S;
let browser: TestBrowser;
let ctx: BrowserContext;
let admin: string;

/** Today in Berlin, YYYY-MM-DD: a holiday of the group today closes it whatever the time. */
const todayInBerlin = (): string =>
  new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Europe/Berlin',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(Date.now());

beforeAll(async () => {
  s = await testServer();
  browser = await launch();
  ctx = await browser.context({ width: 1100, height: 900 });
  admin = await login(s.url, '1001');
  const allWeek = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => ({ day, from: '00:00', to: '24:00' }));
  const policy = await call(s.url, 'PUT', '/api/v1/tenant/policy', {
    token: admin,
    body: { timezone: 'Europe/Berlin', hours: { weekly: allWeek, holidays: [] } },
  });
  expect(policy.status).toBe(200);
  const sales = await call(s.url, 'PUT', '/api/v1/groups/sales', {
    token: admin,
    body: {
      hours: {
        weekly: [],
        holidays: [{ date: todayInBerlin(), name: 'Team offsite' }],
        closedAction: { type: 'redirect', target: { kind: 'extension', extension: '1002' } },
      },
    },
  });
  expect(sales.status).toBe(200);
}, 60_000);

afterAll(async () => {
  await ctx?.close().catch(() => undefined);
  await browser?.close();
  await s?.cleanup();
}, 30_000);

describe('S11.2 office hours in the web app', () => {
  test('S11.2 an admin sees who is open and why not, switches a queue to night mode and back, and adds a holiday', async () => {
    const page = await ctx.newPage();
    await signIn(page, s.url, '1001');
    await page.goto(`${s.url}/admin/hours`);
    const company = page.locator('tr[data-hours="tenant"]');
    const sales = page.locator('tr[data-hours="sales"]');
    const support = page.locator('tr[data-hours="support"]');
    await company.locator('.badge', { hasText: 'Open' }).waitFor({ timeout: 10_000 });
    await expect(sales.locator('.badge', { hasText: 'Closed' }).isVisible()).resolves.toBe(true);
    await expect(sales.getByText(/closed: holiday Team offsite/).isVisible()).resolves.toBe(true);
    await expect(company.getByText('Mon–Sun 00:00–24:00').isVisible()).resolves.toBe(true);

    // Night mode for the queue, by its button (aria-pressed tells its state).
    const night = support.getByRole('button', { name: 'Night mode for Queue Support (8000)' });
    await expect(night.getAttribute('aria-pressed')).resolves.toBe('false');
    await night.click();
    await page.getByText(/Queue Support \(8000\): night mode on; closed: night mode/).waitFor({ timeout: 5000 });
    await support.locator('.badge', { hasText: 'Closed' }).waitFor({ timeout: 5000 });
    await expect(night.getAttribute('aria-pressed')).resolves.toBe('true');
    await expect(sales.getByText('When closed, the caller is redirected to extension 1002.').isVisible()).resolves.toBe(
      true,
    );
    // The routing decision explains it (POST /route).
    const routed = await call(s.url, 'POST', '/api/v1/route', { token: admin, body: { to: { queue: 'support' } } });
    expect(routed.body.decision.explanation[0]).toEqual({
      rule: 'S11.2#2',
      text: 'closed: night mode (switched on for queue Support)',
    });
    mkdirSync('/work/wt/shots', { recursive: true });
    await assertAccessible(page, 's11-2-hours');
    await page.screenshot({ path: '/work/wt/shots/s11-2-hours.png', fullPage: true });
    await screenshot(page, 's11-2-hours', true);

    // The company's hours: add a holiday in the dialog.
    await company.getByRole('button', { name: 'Edit hours of The company' }).click();
    const dialog = page.getByRole('dialog', { name: 'Hours: The company' });
    await dialog.getByRole('button', { name: 'Add holiday' }).click();
    await dialog.getByLabel('Date of holiday 1').fill('2026-12-25');
    await dialog.getByLabel('Name of holiday 1').fill('Christmas');
    await screenshot(page, 's11-2-hours-editor');
    await dialog.getByRole('button', { name: 'Save hours' }).click();
    await page.getByText('Saved the hours of the company.').waitFor({ timeout: 5000 });
    await company.getByText('Mon–Sun 00:00–24:00; 1 holiday').waitFor({ timeout: 5000 });
    const saved = await call(s.url, 'GET', '/api/v1/tenant/policy', { token: admin });
    expect(saved.body.hours.holidays).toEqual([{ date: '2026-12-25', name: 'Christmas' }]);

    // Hours the server refuses are explained in words, naming the row; nothing is saved.
    await sales.getByRole('button', { name: 'Edit hours of Group Sales (6000)' }).click();
    const salesDialog = page.getByRole('dialog', { name: 'Hours: Group Sales (6000)' });
    await salesDialog.getByRole('button', { name: 'Add interval' }).click();
    await salesDialog.getByLabel('Opens (interval 1)').fill('18:00');
    await salesDialog.getByLabel('Closes (interval 1)').fill('08:00');
    await salesDialog.getByRole('button', { name: 'Save hours' }).click();
    await salesDialog.getByText('Please check interval 1: it must open before it closes').waitFor({ timeout: 5000 });
    await screenshot(page, 's11-2-hours-refused');
    await salesDialog.getByRole('button', { name: 'Close' }).click();
    const group = await call(s.url, 'GET', '/api/v1/groups/sales', { token: admin });
    expect(group.body.hours.weekly).toEqual([]);

    await night.click();
    await support.locator('.badge', { hasText: 'Open' }).waitFor({ timeout: 5000 });
    const hours = await call(s.url, 'GET', '/api/v1/hours', { token: admin });
    expect(hours.body.queues[0]).toMatchObject({ open: true, nightMode: false });
  }, 60_000);
});
