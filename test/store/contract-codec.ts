// The store contract, part three: what a state row holds (src/store/codec.ts). The store keeps
// facts and directory rows only; the presence record is recomputed on load and must be the one the
// engine had; a row the store cannot read is refused by name; rows written before versions
// existed are read. An adapter gives raw access to its rows (RawRows) so a test can look at what
// it wrote and damage it; without that, only the parts that need no raw access run.
import { expect, test } from 'vitest';
import type { TenantId } from '../../src/core/index.js';
import { StoreRowError } from '../../src/store/index.js';
import type { RowKind } from '../../src/store/codec.js';
import { T0 } from '../support/tenant.js';
import { recorder, self } from './batches.js';
import type { Fresh } from './contract.js';
import { tenantRow } from './contract.js';

/** Raw access to an adapter's state rows, by kind, tenant and id: the text as stored. */
export interface RawRows {
  read(kind: RowKind, tenant: TenantId, id: string): Promise<string | undefined>;
  write(kind: RowKind, tenant: TenantId, id: string, text: string): Promise<void>;
}

/** S11.2: opening hours on the tenant, a group and (night mode) a queue. */
const HOURS = {
  weekly: [{ day: 'mon' as const, from: '08:00', to: '18:00' }],
  holidays: [{ date: '2026-12-25', name: 'Christmas' }, { date: '2026-12-26' }],
  closedAction: { type: 'redirect' as const, target: { kind: 'user' as const, id: 'bob' } },
};

const ann = { id: 'ann', extension: '1001', name: 'Ann' };
const bob = { id: 'bob', extension: '1002', name: 'Bob', role: 'supervisor' as const };

/** Tenant t1 with two users who have a bit of everything: devices, a session, a manual status, an agent, a call, counters. */
async function busyTenant(fresh: () => Promise<Fresh>) {
  const f = await fresh();
  await f.store.createTenant(tenantRow('t1'), T0);
  const rec = recorder([{ id: 't1' }]);
  await f.store.commit(
    await rec.apply(
      't1',
      { type: 'user.upsert', user: ann },
      { type: 'user.upsert', user: bob },
      { type: 'group.upsert', group: { id: 'g1', name: 'Desk', members: ['ann', 'bob'], hours: HOURS } },
      { type: 'queue.upsert', queue: { id: 'q1', name: 'Sales', agents: ['ann', 'bob'] } },
      { type: 'tenant.policy', policy: { timezone: 'Europe/Berlin', hours: { ...HOURS, closedAction: undefined } } },
      { type: 'night.set', target: { kind: 'queue', id: 'q1' }, on: true, by: { kind: 'system' } },
      { type: 'registration.set', userId: 'ann', id: 'phone', kind: 'terminal', expiresAt: T0 + 3_600_000 },
      { type: 'registration.set', userId: 'bob', id: 'app', kind: 'app', expiresAt: T0 + 3_600_000 },
      { type: 'session.start', userId: 'bob', sessionId: 's1' },
    ),
  );
  rec.clock.advance(30_000);
  await f.store.commit(
    await rec.apply(
      't1',
      { type: 'status.set', userId: 'ann', status: 'dnd', text: 'focus', until: T0 + 600_000, by: self('ann') },
      { type: 'agent.command', userId: 'bob', queueId: 'q1', action: 'login', by: self('bob') },
      { type: 'leg.update', userId: 'bob', legId: 'c1', direction: 'in', state: 'ringing' },
      { type: 'missed.add', userId: 'ann', callId: 'c0', caller: '+4930111' },
      { type: 'voicemail.count', userId: 'ann', count: 2 },
      // S9.1: a window still to begin, and one in force (it holds the status it replaced).
      {
        type: 'schedule.add',
        userId: 'ann',
        window: { id: 'w1', status: 'absent', from: T0 + 7_200_000, until: T0 + 9_000_000 },
        by: self('ann'),
      },
      {
        type: 'schedule.add',
        userId: 'bob',
        window: { id: 'w2', status: 'busy', text: 'Training', from: T0 + 30_000, until: T0 + 3_600_000 },
        by: self('bob'),
      },
    ),
  );
  return { ...f, rec };
}

export function codecContract(fresh: () => Promise<Fresh>, raw?: (store: Fresh['store']) => RawRows): void {
  test('S8.2 S2.4 loaded back, every user is the one the engine had: facts as stored, the presence record recomputed equal', async () => {
    const { store, rec } = await busyTenant(fresh);
    const loaded = (await store.loadTenant('t1'))!;
    const had = rec.state('t1');
    // Compared as objects: a field the engine holds as undefined is absent once stored (JSON), which is the same record.
    expect(Object.fromEntries(loaded.state.users)).toEqual(Object.fromEntries(had.users));
    for (const id of ['ann', 'bob']) expect(loaded.state.users.get(id)!.presence).toEqual(had.users.get(id)!.presence);
    expect(loaded.state.users.get('ann')!.presence.status).toBe('dnd');
    expect(loaded.state.users.get('bob')!.presence.indicators.ringing).toBe(true);
    expect(loaded.state.groups).toEqual(had.groups);
    expect(loaded.state.queues).toEqual(had.queues);
    expect(loaded.state.byExtension).toEqual(had.byExtension);
  });

  test('S11.2 S8.2 opening hours, holidays, closed actions and night mode are stored and read back', async () => {
    const { store, rec } = await busyTenant(fresh);
    const loaded = (await store.loadTenant('t1'))!;
    expect(loaded.state.groups.get('g1')!.hours).toEqual(HOURS);
    expect(loaded.state.queues.get('q1')!.config.hours).toEqual({ weekly: [], holidays: [], nightMode: true });
    expect(JSON.parse(JSON.stringify(loaded.state.policy))).toEqual(JSON.parse(JSON.stringify(rec.state('t1').policy)));
    expect(loaded.state.policy.hours?.holidays).toEqual(HOURS.holidays);
  });

  if (raw === undefined) return;

  test('S8.2 a user row holds facts at version 1: no presence record, no lease row; groups and queues are versioned too', async () => {
    const { store } = await busyTenant(fresh);
    const rows = raw(store);
    const user = JSON.parse((await rows.read('user', 't1', 'ann'))!);
    expect(user.v).toBe(1);
    expect(user).not.toHaveProperty('presence');
    expect(user).not.toHaveProperty('leaseRow');
    expect(user).toMatchObject({ id: 'ann', extension: '1001', manual: { status: 'dnd', text: 'focus' } });
    expect(user.missedCalls).toBe(1);
    expect(JSON.parse((await rows.read('user', 't1', 'bob'))!).schedule).toMatchObject({
      windows: [{ id: 'w2', status: 'busy', started: true }],
      hold: { window: 'w2', manual: { status: 'busy', setBy: 'schedule:w2' } },
    });
    expect(JSON.parse((await rows.read('group', 't1', 'g1'))!).v).toBe(1);
    expect(JSON.parse((await rows.read('queue', 't1', 'q1'))!).v).toBe(1);
  });

  test('S8.2 a row written before versions existed (the whole user record as JSON) is read, and gives the same user', async () => {
    const { store, rec } = await busyTenant(fresh);
    const rows = raw(store);
    const had = rec.state('t1');
    // What the previous code wrote: the record as the engine held it, presence and lease row included.
    await rows.write('user', 't1', 'ann', JSON.stringify({ ...had.users.get('ann')!, leaseRow: 0 }));
    const { v: _v, ...group } = JSON.parse((await rows.read('group', 't1', 'g1'))!);
    await rows.write('group', 't1', 'g1', JSON.stringify(group));
    const loaded = (await store.loadTenant('t1'))!;
    expect(Object.fromEntries(loaded.state.users)).toEqual(Object.fromEntries(had.users));
    expect(loaded.state.groups).toEqual(had.groups);
  });

  test('S8.2 S9.1 a user row written before scheduled statuses existed (no `schedule`) is read as none', async () => {
    const { store, rec } = await busyTenant(fresh);
    const rows = raw(store);
    const { schedule: _schedule, ...row } = JSON.parse((await rows.read('user', 't1', 'ann'))!);
    await rows.write('user', 't1', 'ann', JSON.stringify(row));
    const ann = (await store.loadTenant('t1'))!.state.users.get('ann')!;
    expect(ann.schedule).toBeUndefined();
    expect({ ...ann, schedule: undefined }).toEqual({ ...rec.state('t1').users.get('ann')!, schedule: undefined });
  });

  test('S8.2 a row the store cannot read is refused with an error naming the tenant and the row, not handed to the engine', async () => {
    const { store } = await busyTenant(fresh);
    const rows = raw(store);
    const good = (await rows.read('user', 't1', 'bob'))!;
    const refused = async (text: string): Promise<StoreRowError> => {
      await rows.write('user', 't1', 'bob', text);
      const err = await store.loadTenant('t1').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StoreRowError);
      const e = err as StoreRowError;
      expect([e.tenant, e.kind, e.id]).toEqual(['t1', 'user', 'bob']);
      expect(e.message).toContain('t1');
      expect(e.message).toContain('"bob"');
      return e;
    };
    await refused('{"v":1,');
    expect((await refused('[1,2]')).problems).toEqual(['not an object']);
    expect((await refused(JSON.stringify({ ...JSON.parse(good), v: 2 }))).problems).toEqual(['unknown version 2']);
    const wrongType = await refused(JSON.stringify({ ...JSON.parse(good), missedCalls: 'many' }));
    expect(wrongType.problems.join(' ')).toContain('/missedCalls');
    await refused(JSON.stringify({ ...JSON.parse(good), presence: { status: 'online' } }));
    const { sessions: _s, ...noSessions } = JSON.parse(good);
    await refused(JSON.stringify(noSessions));
    // Put back as it was, the row is read again.
    await rows.write('user', 't1', 'bob', good);
    expect((await store.loadTenant('t1'))!.state.users.get('bob')!.id).toBe('bob');
  });

  test('S8.2 a damaged group or queue row is refused by name too', async () => {
    const { store } = await busyTenant(fresh);
    const rows = raw(store);
    await rows.write('queue', 't1', 'q1', JSON.stringify({ v: 1, config: { id: 'q1' } }));
    await expect(store.loadTenant('t1')).rejects.toMatchObject({ tenant: 't1', kind: 'queue', id: 'q1' });
  });
}
