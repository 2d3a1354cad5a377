// S11.1 in a real browser: a user's recent calls on My status and on their page, the missed one
// marked in words, each opening its explanation on "Why didn't it ring?" — the decision as it was
// taken for that past call. axe-core checks every state; screenshots go to test/web/screenshots.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import type { Command } from '../../src/core/index.js';
import { testServer } from '../support/server.js';
import { launch, screenshot } from './browser.js';
import type { TestBrowser } from './browser.js';

type S = Awaited<ReturnType<typeof testServer>>;
let s: S;
let browser: TestBrowser;

async function run(c: Command): Promise<void> {
  const out = await s.engine.dispatch('acme', c);
  if (!out.ok) throw new Error(`${c.type}: ${out.code}`);
}

function pageFor(extension: string): Promise<Page> {
  return browser.signedIn(s.url, extension, { width: 1100, height: 900 });
}

beforeAll(async () => {
  s = await testServer();
  browser = await launch();
  // 1005 calls 1003, whose desk phone rings; 1005 hangs up: missed.
  await run({
    type: 'registration.set',
    userId: 'u1003',
    id: 'desk',
    kind: 'terminal',
    expiresAt: Date.now() + 3600_000,
  });
  await run({
    type: 'call.route',
    call: { callId: 'missed-1', from: { userId: 'u1005' }, to: { kind: 'extension', extension: '1003' } },
  });
  const leg = {
    type: 'leg.update',
    userId: 'u1003',
    legId: 'missed-1;in',
    direction: 'in',
    callId: 'missed-1',
  } as const;
  await run({ ...leg, state: 'ringing' });
  await run({ ...leg, state: 'ended' });
  await run({ type: 'call.end', callId: 'missed-1', ending: { cancelled: true, rang: true } });
  // Then 1003 is in DND: 1004's call goes to voicemail.
  await run({ type: 'status.set', userId: 'u1003', status: 'dnd', by: { kind: 'system' } });
  await run({
    type: 'call.route',
    call: { callId: 'vm-1', from: { userId: 'u1004' }, to: { kind: 'extension', extension: '1003' } },
  });
  await run({ type: 'call.end', callId: 'vm-1', ending: { action: { condition: 'dnd', type: 'voicemail' } } });
  await s.engine.settled();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await s?.cleanup();
}, 30_000);

describe('S11.1 the call log in the web app', () => {
  test('S11.1 My status lists my recent calls, the missed one marked; “Why?” explains that past call', async () => {
    const page = await pageFor('1003');
    await page.getByRole('link', { name: 'My status' }).click();
    const calls = page.getByRole('region', { name: 'My recent calls' });
    await calls.locator('tr[data-call="missed-1"]').waitFor();
    const missedRow = calls.locator('tr[data-call="missed-1"]');
    await expect(missedRow.innerText()).resolves.toContain('Missed');
    expect(await missedRow.locator('.call-missed').count()).toBe(1);
    await expect(calls.locator('tr[data-call="vm-1"]').innerText()).resolves.toContain('Voicemail');
    await expect(calls.innerText()).resolves.toContain('1 missed');
    // A call that ends now shows up without a reload (the feed's call.ended).
    await run({
      type: 'call.route',
      call: { callId: 'live-1', from: { external: '+4930555' }, to: { kind: 'user', id: 'u1003' } },
    });
    await run({ type: 'call.end', callId: 'live-1', ending: { action: { condition: 'dnd', type: 'voicemail' } } });
    await calls.locator('tr[data-call="live-1"]').waitFor({ timeout: 5000 });
    await expect(calls.locator('tr[data-call="live-1"]').innerText()).resolves.toContain('+4930555');
    await screenshot(page, 's11-1-calllog', true);

    await missedRow.getByRole('link', { name: /Why\?/ }).click();
    const past = page.getByRole('region', { name: /The call of/ });
    await past.waitFor();
    const text = await past.innerText();
    expect(text).toContain('It rings');
    expect(text).toContain('S3.1#7');
    expect(text).toContain('Missed');
    await expect(page.getByLabel('Call', { exact: true }).inputValue()).resolves.toBe('missed-1');
    await screenshot(page, 's11-1-calllog-why', true);

    // Picking the other past call shows the decision taken then: DND, voicemail.
    await page.getByLabel('Call', { exact: true }).selectOption('vm-1');
    await page
      .getByRole('region', { name: /The call of/ })
      .getByText('S3.1#3')
      .waitFor();
  }, 60_000);

  test('S11.1 a supervisor opening a user’s page sees only calls they may see; the admin sees the user’s calls', async () => {
    const admin = await pageFor('1001');
    await admin.goto(`${s.url}/users/u1003`);
    const calls = admin.getByRole('region', { name: 'Recent calls' });
    await calls.locator('tr[data-call="vm-1"]').waitFor();
    expect(await calls.locator('tbody tr').count()).toBe(3);
    await screenshot(admin, 's11-1-calllog-user-page', true);
    const sup = await pageFor('1002');
    await sup.goto(`${s.url}/users/u1003`);
    const supCalls = sup.getByRole('region', { name: 'Recent calls' });
    await supCalls.getByText('No calls yet.').waitFor();
  }, 60_000);
});
