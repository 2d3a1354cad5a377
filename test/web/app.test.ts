// The web app in a real browser (Debian's Chromium through playwright-core) against a real
// server: sign-in, the live board across two browsers, an admin's change, the wallboard, the
// routing explanation, CSV import, and errors in words. Each test saves a screenshot.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { call, login, testServer } from '../support/server.js';
import { launch, screenshot, signIn } from './browser.js';
import type { TestBrowser } from './browser.js';

/** Whether the element shows, waiting for it (the page renders after data arrives). */
async function visible(locator: Locator): Promise<boolean> {
  await locator.waitFor({ state: 'visible', timeout: 10_000 }).catch(() => undefined);
  return locator.isVisible();
}

type S = Awaited<ReturnType<typeof testServer>>;
let s: S;
let browser: TestBrowser;

function pageFor(extension: string, size?: { width: number; height: number }): Promise<Page> {
  return browser.signedIn(s.url, extension, size);
}

const card = (page: Page, userId: string) => page.locator(`li.card[data-user="${userId}"]`);

beforeAll(async () => {
  s = await testServer();
  browser = await launch();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await s?.cleanup();
}, 30_000);

describe('the web app', () => {
  test('S5 signing in shows the team board, a reload keeps the session, signing out ends it', async () => {
    const ctx = await browser.context();
    const page = await ctx.newPage();
    await page.goto(`${s.url}/`);
    await expect(visible(page.getByRole('heading', { name: 'Sign in' }))).resolves.toBe(true);
    await signIn(page, s.url, '1003');
    await expect(visible(card(page, 'u1003').getByText('(you)'))).resolves.toBe(true);
    expect(await page.locator('li.card').count()).toBe(10);

    await page.reload();
    await page.getByRole('heading', { name: 'Team' }).waitFor({ timeout: 5000 });
    await expect(page.getByRole('heading', { name: 'Sign in' }).count()).resolves.toBe(0);
    await page.locator('[data-connection="live"]').waitFor({ timeout: 5000 });
    await screenshot(page, 'board-signed-in');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor({ timeout: 5000 });
    await expect(visible(page.getByText('You have signed out.'))).resolves.toBe(true);
    // The token is gone from the page and no longer valid on the server.
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor({ timeout: 5000 });
  }, 40_000);

  test('S6.4 a status set in one browser appears on another user’s board within a second, without reload', async () => {
    const carol = await pageFor('1003');
    const dan = await pageFor('1004');
    await dan.locator('[data-connection="live"]').waitFor({ timeout: 5000 });
    await expect(card(dan, 'u1003').getAttribute('data-status')).resolves.not.toBe('dnd');

    await carol.getByRole('link', { name: 'My status' }).click();
    await carol.getByText('Do not disturb', { exact: true }).click();
    await carol.getByLabel('Text (optional)').fill('In a meeting');
    await carol.getByText('In 1 hour').click();
    const clicked = Date.now();
    await carol.getByRole('button', { name: 'Set status' }).click();
    await card(dan, 'u1003').and(dan.locator('[data-status="dnd"]')).waitFor({ timeout: 1000 });
    const seenMs = Date.now() - clicked;
    expect(seenMs).toBeLessThan(1000);
    // The change is highlighted briefly.
    await expect(card(dan, 'u1003').getAttribute('class')).resolves.toContain('flash');
    const text = (await card(dan, 'u1003').textContent()) ?? '';
    expect(text).toContain('Do not disturb');
    expect(text).toContain('In a meeting');
    expect(text).toMatch(/until \d{1,2}:\d{2}/);
    await carol.getByText('Set your status to Do not disturb until').waitFor({ timeout: 2000 });
    await screenshot(carol, 'my-status-dnd', true);
    await screenshot(dan, 'board-live-change');

    // Clearing it shows on the other board too, and the filter by status follows live.
    await dan.getByLabel('Status', { exact: true }).selectOption('dnd');
    await expect.poll(() => dan.locator('li.card').count(), { timeout: 5000 }).toBe(1);
    await carol.getByRole('button', { name: 'Clear status' }).click();
    await dan.getByText('Nobody matches').waitFor({ timeout: 1000 });
  }, 40_000);

  test('S2.1 the board searches by name or extension and filters by group and colour', async () => {
    const page = await pageFor('1006');
    // The board renders after its data and after each filter change: every check waits for it.
    const cards = page.locator('li.card');
    const wait = { timeout: 5000 };
    const search = page.getByPlaceholder('Search name or extension');
    await search.fill('10');
    await expect.poll(() => cards.count(), wait).toBe(10);
    await search.fill('carol');
    await expect.poll(() => cards.allTextContents(), wait).toEqual([expect.stringContaining('1003')]);
    await search.fill('1007');
    await expect.poll(() => cards.allTextContents(), wait).toEqual([expect.stringContaining('Grace Gill')]);
    await search.fill('');
    await page.getByLabel('Group', { exact: true }).selectOption({ label: 'Sales (6000)' });
    await expect
      .poll(() => cards.evaluateAll((els) => els.map((e) => e.getAttribute('data-user')).sort()), wait)
      .toEqual(['u1003', 'u1004', 'u1005', 'u1006']);
    await page.getByLabel('Group', { exact: true }).selectOption('');
    await page.getByRole('button', { name: /Free$/ }).click();
    // Only signed-in people are free; everyone else is offline (grey).
    await expect
      .poll(() => cards.evaluateAll((els) => els.length > 0 && els.every((e) => e.className.includes('c-green'))), wait)
      .toBe(true);
  }, 30_000);

  test('S5.1 an admin changes someone’s status from the board', async () => {
    // Erin is signed in (else S2.3 shows her offline whatever she chose).
    const erin = await pageFor('1005');
    const alice = await pageFor('1001');
    await alice.getByRole('button', { name: 'Change Erin Evans’s status' }).click();
    const dialog = alice.getByRole('dialog', { name: 'Change Erin Evans’s status' });
    await dialog.getByText('Away', { exact: true }).click();
    await dialog.getByLabel('Text (optional)').fill('Back at 3');
    await dialog.getByRole('button', { name: 'Set status' }).click();
    await dialog.getByText('Set Erin Evans’s status to Away.').waitFor({ timeout: 2000 });
    await screenshot(alice, 'admin-change-dialog');
    await alice.keyboard.press('Escape');
    await card(alice, 'u1005').and(alice.locator('[data-status="away"]')).waitFor({ timeout: 1000 });
    expect(await card(alice, 'u1005').textContent()).toContain('Back at 3');
    await screenshot(alice, 'admin-changed-board');
    // Erin sees it on her own page too, without reload.
    await erin.locator('.my-pill [data-status="away"]').waitFor({ timeout: 1000 });

    const admin = await login(s.url, '1001');
    const p = await call(s.url, 'GET', '/api/v1/users/u1005/presence', { token: admin });
    expect(p.body.manual).toMatchObject({ status: 'away', text: 'Back at 3', setBy: 'admin:u1001' });
  }, 30_000);

  test('S1.6 an agent state change shows on the supervisor’s wallboard, and the supervisor changes it', async () => {
    const bob = await pageFor('1002');
    await bob.getByRole('link', { name: 'Queues' }).click();
    await bob.getByRole('heading', { name: /Support/ }).waitFor();
    const row = bob.locator('tr[data-agent="u1007"]');
    await expect(row.getAttribute('data-state')).resolves.toBe('logged_out');

    const grace = await login(s.url, '1007');
    const started = Date.now();
    const r = await call(s.url, 'POST', '/api/v1/agents/u1007/login', { token: grace });
    expect(r.status).toBe(200);
    await bob.locator('tr[data-agent="u1007"][data-state="ready"]').waitFor({ timeout: 1000 });
    expect(Date.now() - started).toBeLessThan(1000);
    // One of the queue's agents ready, one logged in.
    expect(await bob.locator('.tile').nth(2).locator('.n').innerText()).toMatch(/^1\s*\/\s*1$/);

    await bob.getByLabel('Not-ready reason for Grace Gill').selectOption('lunch');
    await bob.getByRole('button', { name: 'Not ready: Grace Gill' }).click();
    await bob.locator('tr[data-agent="u1007"][data-state="not_ready"]').waitFor({ timeout: 2000 });
    expect(await row.innerText()).toContain('Lunch');
    await screenshot(bob, 'wallboard', true);
    const state = await call(s.url, 'GET', '/api/v1/queues/support/state', { token: grace });
    expect(state.body.agents.find((a: { userId: string }) => a.userId === 'u1007')).toMatchObject({
      state: 'not_ready',
      reason: 'lunch',
    });
  }, 30_000);

  test('S8.1 API errors are shown in words, never as a blank page', async () => {
    // A refused sign-in.
    const ctx = await browser.context();
    const page = await ctx.newPage();
    await page.goto(`${s.url}/`);
    await page.getByLabel('Extension or email').fill('1008');
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').innerText()).resolves.toContain('Wrong user name or password.');

    // A status the company turned off after the page was loaded: the server's refusal in words.
    await signIn(page, s.url, '1008');
    await page.getByRole('link', { name: 'My status' }).click();
    await page.getByText('Busy', { exact: true }).waitFor();
    const admin = await login(s.url, '1001');
    const off = await call(s.url, 'PUT', '/api/v1/tenant/policy', {
      token: admin,
      body: { manualStatuses: ['available', 'away', 'custom', 'at_desk', 'dnd', 'absent', 'forwarding', 'blocked'] },
    });
    expect(off.status).toBe(200);
    await page.getByText('Busy', { exact: true }).click();
    await page.getByRole('button', { name: 'Set status' }).click();
    const alert = page.getByRole('alert');
    await expect(alert.innerText()).resolves.toContain('Your company has turned that status off.');
    await screenshot(page, 'error-in-words');

    // A server failure without a JSON body still reads as a sentence, and the page stays.
    await page.route('**/api/v1/users/*/status', (route) =>
      route.fulfill({ status: 502, contentType: 'text/html', body: '<html>Bad gateway</html>' }),
    );
    await page.getByText('Away', { exact: true }).click();
    await page.getByRole('button', { name: 'Set status' }).click();
    await expect(alert.innerText()).resolves.toContain('Something went wrong on the server; nothing was changed.');
    await expect(visible(page.getByRole('heading', { name: 'My status', exact: true }))).resolves.toBe(true);
    await page.unroute('**/api/v1/users/*/status');
    await call(s.url, 'PUT', '/api/v1/tenant/policy', {
      token: admin,
      body: {
        manualStatuses: ['available', 'away', 'custom', 'at_desk', 'busy', 'dnd', 'absent', 'forwarding', 'blocked'],
      },
    });
  }, 30_000);

  test('S3.1 “Why didn’t it ring?” shows the routing decision with its rules', async () => {
    const carol = await login(s.url, '1003');
    await call(s.url, 'PUT', '/api/v1/users/u1003/status', { token: carol, body: { status: 'dnd' } });
    const page = await pageFor('1004');
    await page.getByRole('link', { name: 'Why didn’t it ring?' }).click();
    await page.getByLabel('Person', { exact: true }).selectOption('u1003');
    await page.getByRole('button', { name: 'Explain' }).click();
    const result = page.getByRole('region', { name: 'Routing decision' });
    await result.waitFor();
    const text = await result.innerText();
    expect(text).toContain('It does not ring');
    expect(text).toContain('S3.1#3');
    await screenshot(page, 'why-didnt-it-ring', true);
  }, 30_000);

  test('S6.5 a user’s page shows the status timeline and time in each status per day', async () => {
    const page = await pageFor('1001');
    await page.goto(`${s.url}/users/u1003`);
    await page.getByRole('heading', { name: 'Carol Chen' }).waitFor();
    await page.getByRole('img', { name: /Status timeline/ }).waitFor();
    const label = await page.getByRole('img', { name: /Status timeline/ }).getAttribute('aria-label');
    expect(label).toContain('Do not disturb');
    await page.getByRole('heading', { name: 'Time in each status, last 7 days' }).waitFor();
    await page.locator('table').first().waitFor();
    expect(await page.getByText(/Do not disturb (<1 min|\d+ min)/).count()).toBeGreaterThan(0);
    await screenshot(page, 'user-page', true);
  }, 30_000);

  test('S5.1 an admin imports users from CSV and sees a report per row', async () => {
    const page = await pageFor('1001');
    await page.goto(`${s.url}/admin/import`);
    await page
      .getByLabel('Or paste the rows')
      .fill('extension,name,role,password\n2001,Kim Kaur,user,change-me-2001\n12,Bad Row,emperor,change-me-12');
    await page.getByRole('button', { name: 'Check the file' }).click();
    await page.getByRole('button', { name: 'Import 1 user' }).click();
    await page.getByRole('heading', { name: '1 imported, 1 with errors' }).waitFor({ timeout: 5000 });
    expect(await page.locator('tr[data-ok="true"]').innerText()).toContain('Created as u2001');
    expect(await page.locator('tr[data-ok="false"]').innerText()).toContain('Not imported');
    await screenshot(page, 'admin-import', true);
    await page.goto(`${s.url}/`);
    await card(page, 'u2001').waitFor({ timeout: 2000 });
  }, 30_000);

  test('S1.4 the app’s heartbeats make an unused app idle, and using it again ends idle at once', async () => {
    const admin = await login(s.url, '1001');
    expect(
      (await call(s.url, 'PUT', '/api/v1/tenant/policy', { token: admin, body: { idleAfterSec: 2 } })).status,
    ).toBe(200);
    try {
      const watcher = await pageFor('1002');
      const jack = await pageFor('1010');
      // Jack does nothing: after idleAfterSec without an active heartbeat he shows idle.
      await card(watcher, 'u1010').and(watcher.locator('[data-status="idle"]')).waitFor({ timeout: 8000 });
      expect(await card(watcher, 'u1010').textContent()).toContain('Available (idle)');
      await jack.mouse.move(200, 200);
      await jack.keyboard.press('Shift');
      await card(watcher, 'u1010').and(watcher.locator('[data-status="online"]')).waitFor({ timeout: 1500 });
      await screenshot(watcher, 'idle-and-back');
    } finally {
      await call(s.url, 'PUT', '/api/v1/tenant/policy', { token: admin, body: { idleAfterSec: 600 } });
    }
  }, 30_000);

  test('S2.7 a user allowed to forward picks Forwarding with a destination; others see Forwarding without it', async () => {
    const jack = await pageFor('1010');
    const dan = await pageFor('1004');
    await jack.getByRole('link', { name: 'My status' }).click();
    await jack.getByText('Forwarding', { exact: true }).click();
    await jack.getByLabel('Forward calls to').fill('+4930555123');
    await jack.getByRole('button', { name: 'Set status' }).click();
    await jack.getByText('Set your status to Forwarding.').waitFor();
    await card(dan, 'u1010').and(dan.locator('[data-status="forwarding"]')).waitFor({ timeout: 1000 });
    expect(await card(dan, 'u1010').textContent()).not.toContain('4930555123');
    await jack.getByRole('link', { name: 'Team' }).click();
    expect(await card(jack, 'u1010').textContent()).toContain('→ +4930555123');
    await screenshot(jack, 'forwarding-own-card');
    // Someone without the setting is not offered Forwarding at all.
    // Until the user's settings have loaded the form offers Forwarding and lets the server decide;
    // once they have, it is gone.
    await dan.getByRole('link', { name: 'My status' }).click();
    await dan.getByText('Do not disturb', { exact: true }).waitFor();
    await expect.poll(() => dan.getByText('Forwarding', { exact: true }).count(), { timeout: 5000 }).toBe(0);
  }, 30_000);

  test('S2.4 a card shows the indicators: lost registration “!”, on a call under DND, missed calls, voicemail', async () => {
    const alice = await pageFor('1001');
    const must = async (c: Parameters<S['engine']['dispatch']>[1]) =>
      expect((await s.engine.dispatch('acme', c)).ok).toBe(true);
    const hour = Date.now() + 3600_000;
    // Frank: signed in, his app registered and then lost the registration (S2.6).
    await must({ type: 'session.start', userId: 'u1006', sessionId: 'test-frank' });
    await must({ type: 'registration.set', userId: 'u1006', id: 'frank-app', kind: 'app', expiresAt: hour });
    await must({ type: 'registration.remove', userId: 'u1006', id: 'frank-app', reason: 'lost' });
    // Dan: DND on a desk phone, on a call, one call missed because of DND, two voicemails.
    await must({ type: 'registration.set', userId: 'u1004', id: 'dan-desk', kind: 'terminal', expiresAt: hour });
    await must({
      type: 'status.set',
      userId: 'u1004',
      status: 'dnd',
      by: { kind: 'user', userId: 'u1004', role: 'user' },
    });
    await must({ type: 'leg.update', userId: 'u1004', legId: 'dan-leg', direction: 'out', state: 'answered' });
    await must({ type: 'call.route', call: { to: { kind: 'user', id: 'u1004' }, from: { external: '+4930111222' } } });
    await must({ type: 'voicemail.count', userId: 'u1004', count: 2 });

    await card(alice, 'u1006').locator('.ind-lost').waitFor({ timeout: 1000 });
    expect(await card(alice, 'u1006').locator('.ind-lost').textContent()).toContain('!');
    const dan = card(alice, 'u1004');
    await dan.locator('.ind-vm').waitFor({ timeout: 1000 });
    await expect(dan.getAttribute('data-status')).resolves.toBe('dnd');
    expect(await dan.locator('.inds').textContent()).toMatch(/on a call[\s\S]*1 missed[\s\S]*2 voicemails/);
    await screenshot(alice, 'indicators');
  }, 30_000);

  test('S8 the board works on a phone-sized screen with the keyboard alone', async () => {
    const ctx = await browser.context({ width: 390, height: 844 });
    const page = await ctx.newPage();
    await page.goto(`${s.url}/`);
    await page.getByLabel('Extension or email').focus();
    await page.keyboard.type('1009');
    await page.keyboard.press('Tab');
    await page.keyboard.type('pass1009');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Team' }).waitFor();
    await card(page, 'u1009').waitFor();
    // Page scripts as strings: this file is type-checked for Node, without the DOM's types.
    const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBe(0);
    // Every control on the board has a name a screen reader can say.
    const unnamed = await page.evaluate(`[...document.querySelectorAll('button, select, input, a')].filter((el) =>
      !(el.getAttribute('aria-label') || el.textContent.trim() || (el.labels && el.labels.length) || el.getAttribute('title'))).length`);
    expect(unnamed).toBe(0);
    await screenshot(page, 'phone-board', true);
  }, 30_000);
});
