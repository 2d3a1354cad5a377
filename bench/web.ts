// The browser bench (the web app's issue): is the team board responsive with 500 users and 20
// changes a second? The server runs in this process (temp data dir, demo company plus 490
// users, all signed in so every status change is visible); Debian's Chromium shows the board as
// the admin; changes go through engine.dispatch at a steady rate, each with a unique text.
// Measured in the page: update latency (from just before dispatch to the card's DOM showing the
// change, same machine clock) and frame intervals from requestAnimationFrame plus long tasks.
//   node dist/bench/web.js [--users 500] [--rate 20] [--seconds 30]
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import { chromium } from 'playwright-core';
import { DEFAULT_CONFIG } from '../src/app/config.js';
import { startServer } from '../src/app/server.js';
import type { Command } from '../src/core/index.js';

export interface WebBenchOptions {
  readonly users: number;
  readonly rate: number;
  readonly seconds: number;
  readonly chromium: string;
}

export interface WebBenchResult {
  readonly users: number;
  readonly rate: number;
  readonly seconds: number;
  readonly changes: number;
  readonly seen: number;
  readonly latencyMs: Quantiles;
  readonly frameMs: Quantiles;
  readonly frames: number;
  readonly longFrames: number;
  readonly longTaskMs: number;
  readonly firstPaintMs: number;
}

export interface Quantiles {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

const TENANT = 'acme';
const FIRST = [
  'Ada',
  'Ben',
  'Cleo',
  'Dev',
  'Eva',
  'Finn',
  'Gia',
  'Hal',
  'Ines',
  'Jon',
  'Kai',
  'Lea',
  'Max',
  'Nia',
  'Oto',
  'Pia',
  'Quin',
  'Rae',
  'Sam',
  'Tia',
];
const LAST = [
  'Abbott',
  'Becker',
  'Costa',
  'Dubois',
  'Eriksen',
  'Fischer',
  'Garcia',
  'Huber',
  'Ivanov',
  'Jensen',
  'Kowalski',
  'Lopez',
  'Meyer',
  'Novak',
  'Olsen',
  'Petrov',
  'Quist',
  'Rossi',
  'Schmidt',
  'Tanaka',
  'Ueda',
  'Varga',
  'Weber',
  'Young',
  'Zimmer',
];
const STATUSES = ['away', 'busy', 'dnd', 'at_desk', 'custom'] as const;

// Runs in the page (plain JS: this file is compiled for Node). Records when each change's token
// (the status text `chg<N>x`) first shows in a card, every frame's interval, and long tasks.
const PAGE_PROBE = `(() => {
  window.__seen = new Map();
  window.__frames = [];
  window.__longTaskMs = 0;
  window.__stop = false;
  const scan = (el) => {
    const card = el && el.closest ? el.closest('li.card') : null;
    if (!card) return;
    for (const m of (card.textContent || '').matchAll(/chg(\\d+)x/g)) {
      const n = Number(m[1]);
      if (!window.__seen.has(n)) window.__seen.set(n, performance.timeOrigin + performance.now());
    }
  };
  new MutationObserver((records) => {
    for (const r of records) {
      scan(r.target.nodeType === 1 ? r.target : r.target.parentElement);
      for (const a of r.addedNodes) scan(a.nodeType === 1 ? a : a.parentElement);
    }
  }).observe(document.querySelector('ul.board'), { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['data-status'] });
  new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTaskMs += e.duration; }).observe({ type: 'longtask' });
  let last = performance.now();
  const tick = (t) => { window.__frames.push(t - last); last = t; if (!window.__stop) requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
})()`;

const PAGE_RESULT = `(() => {
  window.__stop = true;
  return { seen: [...window.__seen.entries()], frames: window.__frames.slice(2), longTaskMs: window.__longTaskMs };
})()`;

export function quantiles(values: readonly number[]): Quantiles {
  const v = [...values].sort((a, b) => a - b);
  const at = (q: number): number => (v.length === 0 ? NaN : v[Math.min(v.length - 1, Math.floor(q * v.length))]!);
  const r = (x: number): number => Math.round(x * 10) / 10;
  return { p50: r(at(0.5)), p95: r(at(0.95)), p99: r(at(0.99)), max: r(v[v.length - 1] ?? NaN) };
}

export async function runWebBench(options: WebBenchOptions): Promise<WebBenchResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'swb-webbench-'));
  const server = await startServer(
    { ...DEFAULT_CONFIG, httpPort: 0, sipPort: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', demo: true },
    { logger: pino({ level: 'silent' }) },
  );
  const browser = await chromium.launch({
    executablePath: options.chromium,
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
    ],
  });
  try {
    const engine = server.engine;
    const must = async (c: Command): Promise<void> => {
      const out = await engine.dispatch(TENANT, c);
      if (!out.ok) throw new Error(`${c.type}: ${out.message}`);
    };
    await must({ type: 'tenant.policy', policy: { sessionTimeoutSec: 86_400, idleAfterSec: 86_400 } });
    const state = engine.state(TENANT)!;
    const ids = [...state.users.keys()];
    for (let i = ids.length; i < options.users; i++) {
      const id = `u${2000 + i}`;
      await must({
        type: 'user.upsert',
        user: {
          id,
          extension: String(2000 + i),
          name: `${FIRST[i % FIRST.length]} ${LAST[Math.floor(i / FIRST.length) % LAST.length]}`,
          role: 'user',
        },
      });
      ids.push(id);
    }
    // Everyone signed in: an app session each, so a manual status shows (S2.3 row 4).
    for (const id of ids)
      if (id !== 'u1001') await must({ type: 'session.start', userId: id, sessionId: `bench-${id}` });

    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    ctx.setDefaultTimeout(20_000);
    const page = await ctx.newPage();
    await page.goto(`${server.url}/`);
    await page.getByLabel('Extension or email').fill('1001');
    await page.getByLabel('Password').fill('pass1001');
    const signedIn = Date.now();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForFunction(`document.querySelectorAll('li.card').length >= ${options.users}`);
    const firstPaintMs = Date.now() - signedIn;
    await page.locator('[data-connection="live"]').waitFor();

    // In the page: when each change's token first shows in a card, and every frame's interval.
    await page.evaluate(PAGE_PROBE);

    const sentAt = new Map<number, number>();
    const total = Math.round(options.rate * options.seconds);
    const intervalMs = 1000 / options.rate;
    const start = Date.now();
    for (let n = 0; n < total; n++) {
      const due = start + n * intervalMs;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const userId = ids[1 + ((n * 7919) % (ids.length - 1))]!;
      const status = STATUSES[n % STATUSES.length]!;
      sentAt.set(n, Date.now());
      void must({ type: 'status.set', userId, status, text: `chg${n}x`, by: { kind: 'user', userId, role: 'user' } });
    }
    await page.waitForTimeout(1500);
    const measured = (await page.evaluate(PAGE_RESULT)) as {
      seen: [number, number][];
      frames: number[];
      longTaskMs: number;
    };
    if (process.env.WEB_BENCH_DEBUG) {
      const seenSet = new Set(measured.seen.map(([n]) => n));
      const missing = [...sentAt.keys()].filter((n) => !seenSet.has(n));
      console.log(
        'unseen by status:',
        JSON.stringify(
          missing.reduce<Record<string, number>>(
            (m, n) => ({ ...m, [STATUSES[n % STATUSES.length]!]: (m[STATUSES[n % STATUSES.length]!] ?? 0) + 1 }),
            {},
          ),
        ),
        'first unseen:',
        missing.slice(0, 5),
      );
    }
    const latencies = measured.seen.filter(([n]) => sentAt.has(n)).map(([n, at]) => at - sentAt.get(n)!);
    return {
      users: ids.length,
      rate: options.rate,
      seconds: options.seconds,
      changes: total,
      seen: latencies.length,
      latencyMs: quantiles(latencies),
      frameMs: quantiles(measured.frames),
      frames: measured.frames.length,
      longFrames: measured.frames.filter((f) => f > 50).length,
      longTaskMs: Math.round(measured.longTaskMs),
      firstPaintMs,
    };
  } finally {
    await browser.close();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const options: WebBenchOptions = {
    users: arg('users', 500),
    rate: arg('rate', 20),
    seconds: arg('seconds', 30),
    chromium: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  };
  const r = await runWebBench(options);
  console.log(
    `web bench: ${r.users} users on the board, ${r.rate} changes/s for ${r.seconds} s (${cpus().length} CPUs, load ${loadavg()[0]!.toFixed(2)})`,
  );
  console.log(`  board ready after sign-in: ${r.firstPaintMs} ms`);
  console.log(
    `  update latency, dispatch → card in the DOM (${r.seen}/${r.changes} changes seen): p50 ${r.latencyMs.p50} ms, p95 ${r.latencyMs.p95} ms, p99 ${r.latencyMs.p99} ms, max ${r.latencyMs.max} ms`,
  );
  console.log(
    `  frame interval (${r.frames} frames): p50 ${r.frameMs.p50} ms, p95 ${r.frameMs.p95} ms, p99 ${r.frameMs.p99} ms, max ${r.frameMs.max} ms; frames over 50 ms: ${r.longFrames}; long tasks: ${r.longTaskMs} ms in total`,
  );
  console.log(JSON.stringify(r));
}
