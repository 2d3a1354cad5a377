// Debian's Chromium driven by playwright-core (no browser download), for the web app's tests
// and the browser benchmark. Each browser gets a fresh profile directory (playwright's own).
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { assertAccessible } from './axe.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const WEB_DIST = fileURLToPath(new URL('../../web/dist/index.html', import.meta.url));
export const SCREENSHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));

/** Fails loudly when the web build or the browser is missing: a browser test is never skipped. */
export function assertPrerequisites(): void {
  if (!existsSync(WEB_DIST))
    throw new Error(`The web app is not built (${WEB_DIST} is missing): run \`npm run build\` first (npm test does).`);
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium is not installed at ${CHROMIUM}: apt-get install chromium (.ci/run does).`);
}

export interface TestBrowser {
  readonly browser: Browser;
  context(options?: { width?: number; height?: number }): Promise<BrowserContext>;
  /** A page of a context of its own, at `size`, signed in as `extension` through the login form. */
  signedIn(base: string, extension: string, size?: { width?: number; height?: number }): Promise<Page>;
  /** Closes the browser, and with it every context. */
  close(): Promise<void>;
}

export async function launch(): Promise<TestBrowser> {
  assertPrerequisites();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      '--disable-dev-shm-usage',
      // No --user-data-dir here: playwright passes a fresh temporary one itself (and refuses ours).
    ],
  });
  const context = async ({ width = 1280, height = 800 } = {}) => {
    const ctx = await browser.newContext({ viewport: { width, height }, reducedMotion: 'no-preference' });
    // Library mode waits forever by default; a test should fail with the locator it waited for.
    ctx.setDefaultTimeout(5000);
    return ctx;
  };
  return {
    browser,
    context,
    async signedIn(base, extension, size) {
      const page = await (await context(size)).newPage();
      await signIn(page, base, extension);
      return page;
    },
    async close() {
      await browser.close();
    },
  };
}

/**
 * Saves a screenshot of a page state, after axe-core found no serious or critical violation in it:
 * every state a test shows is also checked for accessibility (`{ axe: false }` only for a state
 * that is not the app's, e.g. a blank page).
 */
export async function screenshot(page: Page, name: string, fullPage = false, { axe = true } = {}): Promise<string> {
  if (axe) await assertAccessible(page, name);
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage });
  return path;
}

/** Signs in through the login form, as a person would. */
export async function signIn(
  page: Page,
  base: string,
  extension: string,
  password = `pass${extension}`,
): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByLabel('Extension or email').fill(extension);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Team' }).waitFor();
}

export const here = dirname(fileURLToPath(import.meta.url));
