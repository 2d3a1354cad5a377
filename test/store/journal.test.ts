// S8.2: what the engine acknowledges is in the store, including the changes its fast paths commit
// in place (a registration refresh moves a lease without going through `apply`).
import { describe, expect, test } from 'vitest';
import { createTenantState, DEFAULT_POLICY } from '../../src/core/index.js';
import type { Actor, Command } from '../../src/core/index.js';
import { Engine, ManualClock } from '../../src/engine/index.js';
import { SqliteStore } from '../../src/store/index.js';
import type { JournalBatchEntry } from '../../src/store/index.js';
import { journalWrites } from '../../src/store/journal-writes.js';
import { tempStores } from '../support/files.js';
import { T0 } from '../support/tenant.js';

const tempStore = tempStores('journal');

describe('S8.2 the journal', () => {
  test('S7.1 S8.2 a registration refresh that only moves its lease is journalled: the reopened store has the refreshed expiry', async () => {
    const { file } = tempStore();
    const store = new SqliteStore(file);
    await store.createTenant(
      { id: 't1', name: 'T', sipDomain: 't1.test', policy: DEFAULT_POLICY, epoch: 'e1', seq: 0 },
      T0,
    );
    const clock = new ManualClock(T0);
    const engine = new Engine({ clock, journal: { commit: async (batch) => void (await store.commit(batch)) } });
    engine.addTenant(createTenantState('t1'), { epoch: 'e1', seq: 0 });
    expect(
      (await engine.dispatch('t1', { type: 'user.upsert', user: { id: 'ann', extension: '1001', name: 'Ann' } })).ok,
    ).toBe(true);
    expect(
      (
        await engine.dispatch('t1', {
          type: 'registration.set',
          userId: 'ann',
          id: 'phone',
          kind: 'terminal',
          expiresAt: T0 + 600_000,
        })
      ).ok,
    ).toBe(true);
    clock.advance(300_000);
    const refresh = await engine.dispatch('t1', {
      type: 'registration.set',
      userId: 'ann',
      id: 'phone',
      kind: 'terminal',
      expiresAt: T0 + 900_000,
    });
    // The refresh changes nothing anyone sees: no event.
    expect(refresh.ok && refresh.events).toEqual([]);
    store.close();

    const reopened = new SqliteStore(file);
    const ann = (await reopened.loadTenant('t1'))!.state.users.get('ann')!;
    expect(ann.registrations).toEqual([{ id: 'phone', kind: 'terminal', expiresAt: T0 + 900_000 }]);
    reopened.close();
  });
});

/** Runs `first`, holds its commit, dispatches `rest` meanwhile (one batch), and answers that batch. */
async function oneBatch(first: Command, rest: readonly Command[]) {
  const { file } = tempStore();
  const store = new SqliteStore(file);
  await store.createTenant(
    { id: 't1', name: 'T', sipDomain: 't1.test', policy: DEFAULT_POLICY, epoch: 'e1', seq: 0 },
    T0,
  );
  let release!: () => void;
  let started!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const firstCommit = new Promise<void>((r) => (started = r));
  const batches: JournalBatchEntry[][] = [];
  const engine = new Engine({
    clock: new ManualClock(T0),
    journal: {
      commit: async (batch) => {
        batches.push([...batch]);
        if (batches.length === 1) {
          started();
          await held;
        }
        await store.commit(batch);
      },
    },
  });
  engine.addTenant(createTenantState('t1'), { epoch: 'e1', seq: 0 });
  const answers = [engine.dispatch('t1', first)];
  await firstCommit;
  answers.push(...rest.map((c) => engine.dispatch('t1', c)));
  release();
  for (const r of await Promise.all(answers)) expect(r.ok).toBe(true);
  expect(batches.map((b) => b.length)).toEqual([1, rest.length]);
  store.close();
  return { batch: batches[1]!, reopen: () => new SqliteStore(file) };
}

const upsert = (id: string, name: string): Command => ({
  type: 'user.upsert',
  user: { id, extension: id === 'ann' ? '1001' : '1002', name },
});
const self: Actor = { kind: 'system' };

describe('S8.2 one row per user and batch', () => {
  test('S8.2 a batch that changes a user several times writes its row once, with the last state, and every event', async () => {
    const { batch, reopen } = await oneBatch(upsert('ann', 'Ann'), [
      upsert('bob', 'Bob'),
      { type: 'status.set', userId: 'ann', status: 'dnd', by: self },
      { type: 'status.set', userId: 'bob', status: 'away', by: self },
      { type: 'status.set', userId: 'ann', status: 'away', text: 'lunch', by: self },
    ]);
    const writes = journalWrites(batch, () => []);
    expect(writes.flatMap((w) => (w.kind === 'user' ? [w.id] : []))).toEqual(['bob', 'ann']);
    expect(writes.filter((w) => w.kind === 'event').length).toBe(batch.reduce((n, e) => n + e.events.length, 0));
    const store = reopen();
    const state = (await store.loadTenant('t1'))!.state;
    expect(state.users.get('ann')!.manual).toMatchObject({ status: 'away', text: 'lunch' });
    expect(state.users.get('bob')!.manual).toMatchObject({ status: 'away' });
    store.close();
  });

  test('S8.2 a user removed later in the batch is not written before it; one added again after its removal is', async () => {
    const removed = await oneBatch(upsert('bob', 'Bob'), [
      upsert('ann', 'Ann'),
      { type: 'status.set', userId: 'ann', status: 'dnd', by: self },
      { type: 'user.remove', userId: 'ann' },
    ]);
    const kinds = (batch: JournalBatchEntry[]) =>
      journalWrites(batch, () => []).flatMap((w) =>
        w.kind === 'user' ? [`user:${w.name}`] : w.kind === 'removeUser' ? ['remove'] : [],
      );
    expect(kinds(removed.batch)).toEqual(['remove']);
    const r1 = removed.reopen();
    expect((await r1.loadTenant('t1'))!.state.users.has('ann')).toBe(false);
    r1.close();

    const back = await oneBatch(upsert('ann', 'Ann'), [
      { type: 'user.remove', userId: 'ann' },
      upsert('ann', 'Ann again'),
    ]);
    expect(kinds(back.batch)).toEqual(['remove', 'user:Ann again']);
    const r2 = back.reopen();
    expect((await r2.loadTenant('t1'))!.state.users.get('ann')!.name).toBe('Ann again');
    r2.close();
  });
});
