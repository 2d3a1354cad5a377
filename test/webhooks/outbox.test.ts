// SPEC S6.3 — the outbox lines the dispatcher reads: per (webhook, subject), the oldest pending row
// only, so a subject's events go out in order; kept in SQLite, so they survive a restart.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { SqliteStore } from '../../src/store/index.js';

const T = 1_700_000_000_000;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function store(): { store: SqliteStore; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'swb-outbox-'));
  dirs.push(dir);
  const file = join(dir, 'switchboard.db');
  return { store: new SqliteStore(file), file };
}

const ids = (rows: readonly { id: number }[]) => rows.map((r) => r.id);

describe('S6.3 the webhook outbox', () => {
  test('S6.3 only the head of each (webhook, subject) line is due; the next row becomes due when the head is delivered or given up', async () => {
    const { store: s } = store();
    const a1 = await s.enqueue('acme', 'wh_1', 'u1', '{"n":1}', T);
    const b1 = await s.enqueue('acme', 'wh_1', 'u2', '{"n":2}', T);
    const a2 = await s.enqueue('acme', 'wh_1', 'u1', '{"n":3}', T);
    const a3 = await s.enqueue('acme', 'wh_1', 'u1', '{"n":4}', T);
    const other = await s.enqueue('acme', 'wh_2', 'u1', '{"n":5}', T);
    expect(ids(await s.dueOutbox(T, 10))).toEqual([a1, b1, other]);

    await s.markFailed(a1, T, 500, 'HTTP 500', T + 1_000, 3);
    expect(ids(await s.dueOutbox(T, 10))).toEqual([b1, other]);
    await s.markDelivered(b1, T, 200, 2);
    await s.markDelivered(other, T, 204, 2);
    // Only u1's head, in backoff, is left to wait for: the rows behind it do not count.
    expect(await s.nextOutboxAt()).toBe(T + 1_000);
    expect(ids(await s.dueOutbox(T + 999, 10))).toEqual([]);
    expect((await s.dueOutbox(T + 1_000, 10)).map((r) => [r.id, r.attempts])).toEqual([[a1, 1]]);

    await s.markDelivered(a1, T + 1_000, 200, 4);
    expect(ids(await s.dueOutbox(T + 1_000, 10))).toEqual([a2]);
    await s.markFailed(a2, T + 1_001, null, 'ECONNREFUSED', null, 1);
    expect(ids(await s.dueOutbox(T + 1_001, 10))).toEqual([a3]);
    expect((await s.deliveries('acme', 'wh_1', 10)).map((d) => [d.outboxId, d.status, d.error])).toEqual([
      [a2, null, 'ECONNREFUSED'],
      [a1, 200, null],
      [b1, 200, null],
      [a1, 500, 'HTTP 500'],
    ]);
  });

  test('S6.3 a long backlog behind a head in backoff leaves the head as the next wake-up', async () => {
    const { store: s } = store();
    const head = await s.enqueue('acme', 'wh_1', 'u1', '{}', T);
    for (let i = 0; i < 1_000; i++) await s.enqueue('acme', 'wh_1', 'u1', '{}', T + i);
    await s.markFailed(head, T, 503, 'HTTP 503', T + 60_000, 1);
    expect(await s.nextOutboxAt()).toBe(T + 60_000);
    expect(ids(await s.dueOutbox(T + 59_999, 10))).toEqual([]);
    expect(ids(await s.dueOutbox(T + 60_000, 10))).toEqual([head]);
  });

  test('S6.3 pending rows, their attempts and their order survive closing and reopening the store', async () => {
    const { store: s, file } = store();
    const first = await s.enqueue('acme', 'wh_1', 'u1', '{"n":1}', T);
    const second = await s.enqueue('acme', 'wh_1', 'u1', '{"n":2}', T);
    await s.markFailed(first, T, null, 'ECONNREFUSED', T + 10, 1);
    await s.close();
    const again = new SqliteStore(file);
    expect((await again.dueOutbox(T + 10, 10)).map((r) => [r.id, r.attempts, r.body])).toEqual([[first, 1, '{"n":1}']]);
    await again.markDelivered(first, T + 10, 200, 1);
    expect((await again.dueOutbox(T + 10, 10)).map((r) => [r.id, r.attempts, r.body])).toEqual([
      [second, 0, '{"n":2}'],
    ]);
    await again.close();
  });

  test('S6.3 deleting a webhook drops its pending rows', async () => {
    const { store: s } = store();
    await s.createWebhook({
      tenant: 'acme',
      id: 'wh_1',
      url: 'http://127.0.0.1:9/',
      secret: 'x'.repeat(16),
      events: [],
      createdAt: T,
    });
    await s.enqueue('acme', 'wh_1', 'u1', '{}', T);
    await s.enqueue('acme', 'wh_1', 'u1', '{}', T);
    expect(await s.deleteWebhook('globex', 'wh_1')).toBe(false);
    expect(await s.dueOutbox(T, 10)).toHaveLength(1);
    expect(await s.deleteWebhook('acme', 'wh_1')).toBe(true);
    expect(await s.dueOutbox(T, 10)).toEqual([]);
    expect(await s.nextOutboxAt()).toBeUndefined();
  });
});
