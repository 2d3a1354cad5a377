// SPEC S6.3 — webhooks: at-least-once, in order per subject, signed (HMAC-SHA256 over timestamp
// and body), retried with backoff, kept across restarts. Real server, real receivers on 127.0.0.1.
import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { retryDelayMs } from '../../src/webhooks/index.js';
import { call, login, secondTenant, testServer } from '../support/server.js';
import { eventually } from '../support/wait.js';
import { Receiver } from './receiver.js';
import type { Received } from './receiver.js';

type S = Awaited<ReturnType<typeof testServer>>;

/** Small waits and no jitter, so retries happen within a test and their spacing is known. */
const FAST = { retryBaseMs: 20, retryCapMs: 100, maxAttempts: 4, jitterRatio: 0 };
const SECRET = 'a-secret-of-at-least-16-chars';
/** The receivers listen on 127.0.0.1, which webhooks may reach only when the operator allows it (S6.3). */
const ALLOW_RECEIVERS = { webhookAllowedHosts: ['127.0.0.1'] };

let s: S;
let admin: string;
let user: string;
const hooks: string[] = [];
const receivers: Receiver[] = [];

beforeAll(async () => {
  s = await testServer(ALLOW_RECEIVERS, { webhooks: FAST });
  admin = await login(s.url, '1001');
  user = await login(s.url, '1003');
});
afterEach(async () => {
  for (const id of hooks.splice(0)) await call(s.url, 'DELETE', `/api/v1/webhooks/${id}`, { token: admin });
  for (const r of receivers.splice(0)) await r.close();
});
afterAll(async () => s.cleanup());

async function receiver(options: Parameters<typeof Receiver.start>[0] = {}): Promise<Receiver> {
  const r = await Receiver.start(options);
  receivers.push(r);
  return r;
}

async function createHook(
  base: string,
  token: string,
  body: Record<string, unknown>,
): Promise<{ id: string; secret: string }> {
  const r = await call(base, 'POST', '/api/v1/webhooks', { token, body });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  if (base === s.url) hooks.push(r.body.id);
  return r.body;
}

function expectedSignature(secret: string, r: Received): string {
  return `sha256=${createHmac('sha256', secret).update(`${r.headers['x-switchboard-timestamp']}.${r.raw}`).digest('hex')}`;
}

async function setStatus(base: string, token: string, ext: string, status: string, text?: string): Promise<void> {
  const r = await call(base, 'PUT', `/api/v1/users/${ext}/status`, {
    token,
    body: text === undefined ? { status } : { status, text },
  });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
}

const presenceOf = (subject: string) => (r: Received) =>
  r.body?.type === 'presence.changed' && r.body.subject === subject;

describe('S6.3 webhooks', () => {
  test('S6.3 a status change through REST arrives as presence.changed with its cause, signed over timestamp and body', async () => {
    const rx = await receiver();
    const hook = await createHook(s.url, admin, {
      url: `${rx.url}/hook`,
      events: ['presence.changed'],
      secret: SECRET,
    });
    expect(hook.secret).toBe(SECRET);
    await setStatus(s.url, user, '1003', 'dnd', 'focus time');
    const [got] = await rx.waitFor(1, presenceOf('u1003'));
    expect(got!.path).toBe('/hook');
    expect(got!.headers['content-type']).toBe('application/json');
    expect(got!.headers['x-switchboard-event']).toBe('presence.changed');
    expect(got!.headers['x-switchboard-delivery']).toMatch(/^[0-9]+$/);
    const ts = Number(got!.headers['x-switchboard-timestamp']);
    expect(Math.abs(ts - Date.now() / 1000)).toBeLessThan(5);
    expect(got!.headers['x-switchboard-signature']).toBe(expectedSignature(SECRET, got!));
    expect(got!.headers['x-switchboard-signature']).not.toBe(expectedSignature('another-secret-of-16+', got!));
    expect(got!.body).toMatchObject({
      type: 'presence.changed',
      tenant: 'acme',
      subject: 'u1003',
      cause: 'self',
      value: { manual: { status: 'dnd', text: 'focus time' } },
    });
    expect(typeof got!.body.epoch).toBe('string');
    expect(Number.isInteger(got!.body.seq)).toBe(true);

    await setStatus(s.url, admin, '1004', 'away');
    const [byAdmin] = await rx.waitFor(1, presenceOf('u1004'));
    expect([byAdmin!.body.cause, byAdmin!.body.value.manual.status]).toEqual(['admin:u1001', 'away']);
    await setStatus(s.url, user, '1003', 'available');
  });

  test('S6.3 a webhook created without a secret gets a generated one, shown once; the list has no secrets', async () => {
    const rx = await receiver();
    const hook = await createHook(s.url, admin, { url: rx.url });
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9_-]{32}$/);
    const list = await call(s.url, 'GET', '/api/v1/webhooks', { token: admin });
    expect(list.status).toBe(200);
    const mine = list.body.webhooks.find((w: { id: string }) => w.id === hook.id);
    expect(mine).toEqual({
      id: hook.id,
      url: rx.url,
      events: [],
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(JSON.stringify(list.body)).not.toContain(hook.secret);
    await setStatus(s.url, user, '1003', 'busy');
    const [got] = await rx.waitFor(1, presenceOf('u1003'));
    expect(got!.headers['x-switchboard-signature']).toBe(expectedSignature(hook.secret, got!));
    await setStatus(s.url, user, '1003', 'available');
  });

  test('S6.3 the events of one subject arrive in order, one at a time, while different subjects go out concurrently', async () => {
    // Hold each answer until four are open at once (or 3 s pass, and the test fails): concurrency shows as maxOpen.
    let release!: () => void;
    const fourOpen = new Promise<void>((resolve) => (release = resolve));
    const rx = await receiver({
      hold: async () => {
        if (rx.open >= 4) release();
        await Promise.race([fourOpen, new Promise((resolve) => setTimeout(resolve, 3_000))]);
      },
    });
    await createHook(s.url, admin, { url: rx.url, events: ['presence.changed'] });
    const sequence = ['busy', 'dnd', 'away', 'at_desk', 'available'];
    await Promise.all(
      ['1004', '1005', '1006', '1007'].map(async (ext) => {
        for (const status of sequence) await setStatus(s.url, admin, ext, status);
      }),
    );
    for (const id of ['u1004', 'u1005', 'u1006', 'u1007']) {
      const got = await rx.waitFor(sequence.length, presenceOf(id));
      expect(got.map((r) => r.body.value.manual?.status ?? 'available')).toEqual(sequence);
      const seqs = got.map((r) => r.body.seq as number);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(rx.maxOpenPerSubject.get(id)).toBe(1);
    }
    expect(rx.maxOpen).toBeGreaterThanOrEqual(4);
    expect(rx.maxOpen).toBeLessThanOrEqual(8);
  });

  test('S6.3 a receiver answering 500 twice then 200 gets the event on the third attempt; the delivery log lists the attempts with statuses', async () => {
    const rx = await receiver({ status: (n) => (n < 2 ? 500 : 200) });
    const hook = await createHook(s.url, admin, { url: rx.url, events: ['presence.changed'], secret: SECRET });
    await setStatus(s.url, admin, '1008', 'away');
    const attempts = await rx.waitFor(3, presenceOf('u1008'));
    expect(attempts).toHaveLength(3);
    // The same delivery each time, signed afresh, and spaced by the backoff (20 ms, then 40 ms).
    expect(new Set(attempts.map((r) => r.headers['x-switchboard-delivery'])).size).toBe(1);
    for (const a of attempts) expect(a.headers['x-switchboard-signature']).toBe(expectedSignature(SECRET, a));
    expect(attempts[1]!.receivedAt - attempts[0]!.receivedAt).toBeGreaterThanOrEqual(FAST.retryBaseMs);
    expect(attempts[2]!.receivedAt - attempts[1]!.receivedAt).toBeGreaterThanOrEqual(2 * FAST.retryBaseMs);
    const log = await eventually(async () => {
      const r = await call(s.url, 'GET', `/api/v1/webhooks/${hook.id}/deliveries`, { token: admin });
      return r.body.deliveries.length >= 3 ? r.body.deliveries : undefined;
    });
    const delivery = attempts[0]!.headers['x-switchboard-delivery'];
    expect(
      log.map((d: { delivery: string; status: number; ok: boolean; error: string | null }) => [
        d.delivery,
        d.status,
        d.ok,
        d.error,
      ]),
    ).toEqual([
      [delivery, 200, true, null],
      [delivery, 500, false, 'HTTP 500'],
      [delivery, 500, false, 'HTTP 500'],
    ]);
    expect(log.every((d: { durationMs: number }) => Number.isInteger(d.durationMs) && d.durationMs >= 0)).toBe(true);
    await setStatus(s.url, admin, '1008', 'available');
  });

  test('S6.3 after the last attempt a delivery is given up as failed and the next event of that subject goes out', async () => {
    // Every answer to the first delivery of u1009 is 500; the second delivery is accepted.
    const rx = await receiver({ status: (_n, r) => (r.body?.value?.manual?.status === 'dnd' ? 500 : 200) });
    const hook = await createHook(s.url, admin, { url: rx.url, events: ['presence.changed'] });
    await setStatus(s.url, admin, '1009', 'dnd');
    await setStatus(s.url, admin, '1009', 'away');
    const got = await rx.waitFor(FAST.maxAttempts + 1, presenceOf('u1009'));
    expect(got.map((r) => r.body.value.manual.status)).toEqual([...Array(FAST.maxAttempts).fill('dnd'), 'away']);
    const log = await eventually(async () => {
      const r = await call(s.url, 'GET', `/api/v1/webhooks/${hook.id}/deliveries`, { token: admin });
      return r.body.deliveries.length >= FAST.maxAttempts + 1 ? r.body.deliveries : undefined;
    });
    expect(log.map((d: { status: number }) => d.status)).toEqual([200, ...Array(FAST.maxAttempts).fill(500)]);
    const metrics = await call(s.url, 'GET', '/metrics');
    expect(metrics.body).toMatch(/switchboard_webhook_deliveries_total\{outcome="failed"\} [1-9]/);
    expect(metrics.body).toMatch(/switchboard_webhook_deliveries_total\{outcome="retry"\} [1-9]/);
    expect(metrics.body).toMatch(/switchboard_webhook_deliveries_total\{outcome="delivered"\} [1-9]/);
    await setStatus(s.url, admin, '1009', 'available');
  });

  test('S6.3 the test endpoint sends webhook.test to that webhook only', async () => {
    const rx = await receiver();
    const a = await createHook(s.url, admin, { url: `${rx.url}/a`, secret: SECRET });
    const b = await createHook(s.url, admin, { url: `${rx.url}/b` });
    const sent = await call(s.url, 'POST', `/api/v1/webhooks/${a.id}/test`, { token: admin });
    expect(sent.status).toBe(202);
    expect(sent.body.delivery).toMatch(/^[0-9]+$/);
    const [got] = await rx.waitFor(1, (r) => r.body?.type === 'webhook.test');
    expect(got!.path).toBe('/a');
    expect(got!.headers['x-switchboard-event']).toBe('webhook.test');
    expect(got!.headers['x-switchboard-delivery']).toBe(sent.body.delivery);
    expect(got!.headers['x-switchboard-signature']).toBe(expectedSignature(SECRET, got!));
    expect(got!.body).toMatchObject({ type: 'webhook.test', tenant: 'acme', subject: a.id, cause: 'admin:u1001' });
    const sentB = await call(s.url, 'POST', `/api/v1/webhooks/${b.id}/test`, { token: admin });
    const tests = await rx.waitFor(2, (r) => r.body?.type === 'webhook.test');
    expect(tests.map((r) => [r.path, r.body.subject, r.headers['x-switchboard-delivery']])).toEqual([
      ['/a', a.id, sent.body.delivery],
      ['/b', b.id, sentB.body.delivery],
    ]);
  });

  test('S6.3 a deleted webhook is gone from the list and its id is then not found', async () => {
    const rx = await receiver();
    const hook = await createHook(s.url, admin, { url: rx.url });
    const del = await call(s.url, 'DELETE', `/api/v1/webhooks/${hook.id}`, { token: admin });
    expect(del.status).toBe(204);
    const list = await call(s.url, 'GET', '/api/v1/webhooks', { token: admin });
    expect(list.body.webhooks.map((w: { id: string }) => w.id)).not.toContain(hook.id);
    for (const [method, path] of [
      ['DELETE', ''],
      ['POST', '/test'],
      ['GET', '/deliveries'],
    ] as const) {
      const r = await call(s.url, method, `/api/v1/webhooks/${hook.id}${path}`, { token: admin });
      expect([method, path, r.status, r.body.error.code]).toEqual([method, path, 404, 'SWB_ERR_WEBHOOK_NOT_FOUND']);
    }
  });

  test("S6.3 another tenant cannot list, delete, test or read the log of this tenant's webhook (404), and a plain user is refused", async () => {
    const rx = await receiver();
    const hook = await createHook(s.url, admin, { url: rx.url });
    const other = await secondTenant(s.url, {
      id: 'globex',
      name: 'Globex',
      sipDomain: 'globex.test',
      admin: { id: 'g1', extension: '100', name: 'Gina', password: 'globex-pass-1' },
    });
    const list = await call(s.url, 'GET', '/api/v1/webhooks', { token: other });
    expect([list.status, list.body.webhooks]).toEqual([200, []]);
    for (const [method, path] of [
      ['DELETE', ''],
      ['POST', '/test'],
      ['GET', '/deliveries'],
    ] as const) {
      const r = await call(s.url, method, `/api/v1/webhooks/${hook.id}${path}`, { token: other });
      expect([method, path, r.status, r.body.error.code]).toEqual([method, path, 404, 'SWB_ERR_WEBHOOK_NOT_FOUND']);
    }
    const plain = await call(s.url, 'GET', '/api/v1/webhooks', { token: user });
    expect([plain.status, plain.body.error.code]).toEqual([403, 'SWB_ERR_FORBIDDEN']);
    const plainCreate = await call(s.url, 'POST', '/api/v1/webhooks', { token: user, body: { url: rx.url } });
    expect([plainCreate.status, plainCreate.body.error.code]).toEqual([403, 'SWB_ERR_FORBIDDEN']);
    // The webhook is untouched: it still gets its own tenant's test event.
    const sent = await call(s.url, 'POST', `/api/v1/webhooks/${hook.id}/test`, { token: admin });
    expect(sent.status).toBe(202);
    const [got] = await rx.waitFor(1, (r) => r.body?.type === 'webhook.test');
    expect(got!.body.tenant).toBe('acme');
  });

  test('S6.3 bad input is refused with 400 and a code, and creates nothing', async () => {
    const before = (await call(s.url, 'GET', '/api/v1/webhooks', { token: admin })).body.webhooks.length;
    const bad: [string, unknown][] = [
      ['not a URL', { url: 'not a url' }],
      ['not http', { url: 'ftp://example.com/hook' }],
      ['no host', { url: 'http://' }],
      ['too long', { url: `http://example.com/${'x'.repeat(2000)}` }],
      ['unknown event type', { url: 'http://example.com/hook', events: ['presence.exploded'] }],
      ['unknown field', { url: 'http://example.com/hook', retries: 3 }],
      ['short secret', { url: 'http://example.com/hook', secret: 'short' }],
      ['no url', { events: ['presence.changed'] }],
    ];
    for (const [why, body] of bad) {
      const r = await call(s.url, 'POST', '/api/v1/webhooks', { token: admin, body });
      expect([why, r.status, r.body.error.code]).toEqual([why, 400, 'SWB_ERR_VALIDATION']);
    }
    const after = (await call(s.url, 'GET', '/api/v1/webhooks', { token: admin })).body.webhooks.length;
    expect(after).toBe(before);
  });

  test('S6.3 the wait between attempts doubles from the base and stops at the cap; jitter stays within its ratio', () => {
    const o = { retryBaseMs: 1_000, retryCapMs: 600_000, jitterRatio: 0 };
    expect([1, 2, 3, 4, 10, 11, 14].map((n) => retryDelayMs(n, o))).toEqual([
      1_000, 2_000, 4_000, 8_000, 512_000, 600_000, 600_000,
    ]);
    const jittered = { ...o, jitterRatio: 0.1 };
    expect([
      retryDelayMs(3, jittered, () => 0),
      retryDelayMs(3, jittered, () => 0.5),
      retryDelayMs(3, jittered, () => 0.999999),
    ]).toEqual([3_600, 4_000, 4_400]);
    expect(retryDelayMs(20, jittered, () => 0.999999)).toBe(600_000);
  });
});

describe('S6.4 webhook dispatch latency', () => {
  test('S6.4 each status change reaches the webhook receiver within one second', async () => {
    const rx = await receiver();
    await createHook(s.url, admin, { url: rx.url, events: ['presence.changed'] });
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const status = i % 2 === 0 ? 'away' : 'available';
      const sentAt = Date.now();
      await setStatus(s.url, admin, '1010', status);
      const got = await rx.waitFor(i + 1, presenceOf('u1010'), 1_000);
      latencies.push(got[i]!.receivedAt - sentAt);
    }
    latencies.sort((a, b) => a - b);
    console.log(
      `S6.4 webhook latency over 20 changes (PUT sent → receiver got it): median ${latencies[10]} ms, max ${latencies[19]} ms`,
    );
    expect(latencies[19]).toBeLessThan(1_000);
  });
});

describe('S6.3 webhooks across a restart', () => {
  test('S6.3 events pending while the receiver is down are delivered, in order, by the next server on the same data', async () => {
    const options = { webhooks: { retryBaseMs: 50, retryCapMs: 200, maxAttempts: 1_000, jitterRatio: 0 } };
    const first = await testServer(ALLOW_RECEIVERS, options);
    let second: S | undefined;
    // A port nobody listens on yet: the receiver comes up there after the restart.
    const probe = await Receiver.start();
    const port = probe.port;
    await probe.close();
    let rx: Receiver | undefined;
    try {
      const token = await login(first.url, '1001');
      const hook = await createHook(first.url, token, {
        url: `http://127.0.0.1:${port}/after`,
        events: ['presence.changed'],
        secret: SECRET,
      });
      const sequence = ['away', 'dnd', 'busy'];
      for (const status of sequence) await setStatus(first.url, token, '1005', status);
      // Pending for sure: the receiver was down for at least one attempt.
      const refused = await eventually(async () => {
        const r = await call(first.url, 'GET', `/api/v1/webhooks/${hook.id}/deliveries`, { token });
        return r.body.deliveries.length > 0 ? r.body.deliveries : undefined;
      });
      expect(refused[0]).toMatchObject({ ok: false, status: null, error: 'ECONNREFUSED' });
      await first.close();

      second = await testServer({ ...ALLOW_RECEIVERS, dataDir: first.dataDir }, options);
      rx = await Receiver.start({ port });
      const got = await rx.waitFor(sequence.length, presenceOf('u1005'));
      expect(got.map((r) => r.body.value.manual.status)).toEqual(sequence);
      expect(got.map((r) => r.path)).toEqual(['/after', '/after', '/after']);
      for (const r of got) expect(r.headers['x-switchboard-signature']).toBe(expectedSignature(SECRET, r));
      const log = await eventually(async () => {
        const r = await call(second!.url, 'GET', `/api/v1/webhooks/${hook.id}/deliveries`, {
          token: await login(second!.url, '1001'),
        });
        const ok = r.body.deliveries.filter((d: { ok: boolean }) => d.ok);
        return ok.length === sequence.length ? ok : undefined;
      });
      expect(log.map((d: { status: number }) => d.status)).toEqual([200, 200, 200]);
    } finally {
      await rx?.close();
      if (second) await second.cleanup();
      else await first.cleanup();
    }
  });
});
