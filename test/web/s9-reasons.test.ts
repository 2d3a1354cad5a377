// S9.2 in a real browser: an admin edits the tenant's reason codes on the Policies page, and the
// supervisor's wallboard offers and shows them by label (never the code). axe-core checks each
// state; the screenshots are saved for a person to look at.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { call, login, testServer } from '../support/server.js';
import { launch, screenshot } from './browser.js';
import type { TestBrowser } from './browser.js';

type S = Awaited<ReturnType<typeof testServer>>;
let s: S;
let browser: TestBrowser;

function pageFor(extension: string): Promise<Page> {
  return browser.signedIn(s.url, extension, { width: 1280, height: 900 });
}

beforeAll(async () => {
  s = await testServer();
  browser = await launch();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await s?.cleanup();
}, 30_000);

describe('S9.2 reason codes in the web app', () => {
  test('S9.2 an admin edits the reason codes; the wallboard offers and shows them by label', async () => {
    const admin = await pageFor('1001');
    await admin.goto(`${s.url}/admin/policy`);
    const form = admin.getByRole('form', { name: 'Reason codes' });
    await form.waitFor();
    // The demo tenant starts with the default list.
    expect(await form.getByLabel('Code of reason 1').inputValue()).toBe('lunch');
    expect(await form.getByLabel('Code of reason 2').inputValue()).toBe('break');
    await form.getByLabel('Label of reason 2').fill('Coffee break');
    await form.getByLabel('Longest time of reason 2 in minutes (empty: none)').fill('15');
    await form.getByRole('button', { name: 'Add a reason' }).click();
    await form.getByLabel('Code of reason 6').fill('meeting');
    await form.getByLabel('Label of reason 6').fill('Team meeting');
    await form.getByLabel('Reason 6 is productive').check();
    await form.getByRole('button', { name: 'Save reason codes' }).click();
    await admin.getByText('Saved 6 reason codes.').waitFor();
    await screenshot(admin, 's9-2-reasons-admin', true);
    await admin.evaluate('window.scrollTo(0, 0)');

    // Stored as the tenant's data: the API answers the new list.
    const token = await login(s, '1007');
    const list = await call(s, 'GET', '/api/v1/reasons', { token });
    expect(list.body.reasons).toContainEqual({ code: 'break', label: 'Coffee break', productive: false, maxSec: 900 });
    expect(list.body.reasons).toContainEqual({ code: 'meeting', label: 'Team meeting', productive: true });

    // A wrong code is refused in words, and nothing is saved.
    await form.getByLabel('Code of reason 6').fill('Meeting');
    await form.getByRole('button', { name: 'Save reason codes' }).click();
    expect(
      await form.getByLabel('Code of reason 6').evaluate((e) => (e as { validity: { valid: boolean } }).validity.valid),
    ).toBe(false);

    // The supervisor puts Grace (1007) not ready with a reason picked by its label.
    await call(s, 'POST', '/api/v1/queues/support/agents/1007/login', { token });
    const sup = await pageFor('1002');
    await sup.getByRole('link', { name: 'Queues' }).click();
    const picker = sup.getByLabel('Not-ready reason for Grace Gill');
    await picker.waitFor();
    const offered = await picker.locator('option').allTextContents();
    expect(offered).toEqual(['Lunch', 'Coffee break', 'Training', 'Admin work', 'Other', 'Team meeting']);
    await picker.selectOption({ label: 'Team meeting' });
    await sup.getByRole('button', { name: 'Not ready: Grace Gill' }).click();
    const row = sup.locator('tr[data-agent="u1007"][data-state="not_ready"]');
    await row.waitFor();
    await expect(row.locator('td[data-reason="meeting"]').textContent()).resolves.toBe('Team meeting');
    await sup.getByText('Grace Gill is not ready in Support (Team meeting).').waitFor();
    // The queue's report: time in not_ready per reason per day, by label.
    await sup.waitForTimeout(1200);
    await sup.getByText('Not-ready time by reason, last 7 days').click();
    await sup.getByRole('button', { name: 'Refresh the report of Support' }).click();
    const line = sup.locator('tr[data-reason="meeting"]');
    await line.waitFor();
    await expect(line.locator('td').nth(1).textContent()).resolves.toBe('Team meeting');
    await expect(line.locator('td').nth(2).textContent()).resolves.toBe('Productive');
    const state = await call(s, 'GET', '/api/v1/agents/1007', { token });
    expect(state.body.queues[0]).toMatchObject({ state: 'not_ready', reason: 'meeting', reasonLabel: 'Team meeting' });

    // A reason with a longest time shows how long is left (15 min for the coffee break).
    await picker.selectOption({ label: 'Coffee break' });
    await sup.getByRole('button', { name: 'Not ready: Grace Gill' }).click();
    const left = row.locator('td[data-reason="break"]');
    await left.waitFor();
    expect(await left.textContent()).toMatch(/^Coffee break · 1[45]:\d\d left$/);
    await screenshot(sup, 's9-2-reasons', true);

    // Away takes an optional reason from the same list, by label.
    const grace = await pageFor('1007');
    await grace.getByRole('link', { name: 'My status' }).click();
    await grace.getByText('Away', { exact: true }).click();
    await grace.getByLabel('Reason (optional)').selectOption({ label: 'Coffee break (ends after 15 min)' });
    await grace.getByRole('button', { name: 'Set status' }).click();
    await grace.getByText('Set your status to Away.').waitFor();
    await grace.getByText('Away (Coffee break)').first().waitFor();
    await screenshot(grace, 's9-2-reasons-away', true);
    const presence = await call(s, 'GET', '/api/v1/users/1007/presence', { token });
    expect(presence.body.manual).toMatchObject({ status: 'away', reason: 'break' });
    expect(presence.body.manual.reasonUntil - presence.body.manual.setAt).toBe(900_000);
  }, 60_000);
});
