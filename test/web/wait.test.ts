// S11.4 in a real browser (Debian's Chromium through playwright-core) against a real server: an
// admin sets a user's busy action to "wait until the call ends" with a longest wait on
// the user settings page; axe checks the page, saved as test/web/screenshots/s11-4-wait.png; the "why
// didn't it ring?" decision (POST /api/v1/route) then explains a held caller.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BrowserContext } from 'playwright-core';
import { call, login, testServer } from '../support/server.js';
import { launch, screenshot, signIn } from './browser.js';
import type { TestBrowser } from './browser.js';

type S = Awaited<ReturnType<typeof testServer>>;
let s: S;
let browser: TestBrowser;
let ctx: BrowserContext;

beforeAll(async () => {
  s = await testServer();
  browser = await launch();
  ctx = await browser.context({ width: 1100, height: 900 });
}, 60_000);

afterAll(async () => {
  await ctx?.close().catch(() => undefined);
  await browser?.close();
  await s?.cleanup();
}, 30_000);

describe('S11.4 the wait busy action in the web app', () => {
  test('S11.4 an admin sets "wait until the call ends" for 90 s; only the busy action offers it', async () => {
    const admin = await login(s.url, '1001');
    const page = await ctx.newPage();
    await signIn(page, s.url, '1001');
    await page.goto(`${s.url}/admin/users/u1004`);
    const busy = page.getByLabel('When busy: action');
    await busy.waitFor({ timeout: 10_000 });
    const dndOptions = await page.getByLabel('When in Do not disturb: action').locator('option').allTextContents();
    expect(dndOptions).not.toContain('Wait until the call ends');

    await page.getByLabel('Call waiting').uncheck();
    await busy.selectOption('wait');
    const longest = page.getByLabel('Longest wait (seconds)');
    await expect(longest.inputValue()).resolves.toBe('60');
    await longest.fill('90');
    await page.getByText('the caller hears that the user is on another call').waitFor();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText(/Saved .*settings\./).waitFor({ timeout: 5000 });
    const settings = await call(s.url, 'GET', '/api/v1/users/u1004/settings', { token: admin });
    expect(settings.body.actions.busy).toEqual({ type: 'wait', maxWaitSec: 90 });
    expect(settings.body.callWaiting).toBe(false);
    // The decision for a caller while 1004 is on a call: held, explained by S11.4.
    await call(s.url, 'POST', '/api/v1/events', {
      token: admin,
      body: {
        events: [
          { type: 'registration', user: '1004', id: 'pbx-1004', kind: 'pbx', ttlSec: 3600 },
          { type: 'call', user: '1004', legId: 'w-1', direction: 'in', state: 'answered' },
        ],
      },
    });
    const routed = await call(s.url, 'POST', '/api/v1/route', { token: admin, body: { to: { user: '1004' } } });
    expect(routed.body.decision).toMatchObject({ outcome: 'wait', maxWaitSec: 90 });

    await busy.scrollIntoViewIfNeeded();
    await screenshot(page, 's11-4-wait', true);
    // The page shows the saved action again after a reload.
    await page.reload();
    await expect(page.getByLabel('When busy: action').inputValue()).resolves.toBe('wait');
    await expect(page.getByLabel('Longest wait (seconds)').inputValue()).resolves.toBe('90');

    // "Why didn't it ring?" explains the held caller in words.
    await page.goto(`${s.url}/why`);
    await page.locator('#why-to').selectOption('u1004');
    await page.getByRole('button', { name: 'Explain' }).click();
    await page
      .getByText(
        'The caller is held until Dan Diaz’s other call ends, then it rings; after 90 s the caller goes to voicemail.',
      )
      .waitFor({ timeout: 5000 });
    await screenshot(page, 's11-4-wait-why', true);
  }, 60_000);
});
