// S9.1 Scheduled statuses on the manual clock: a window sets the manual status at `from`, gives
// the one before back at `until`; overlaps, cancelling, refusals, and a restart of the store.
import { describe, expect, test } from 'vitest';
import type { Command, WindowInput } from '../../src/core/index.js';
import { createTenantState, DEFAULT_POLICY, windowStateAt } from '../../src/core/index.js';
import { Engine, ManualClock } from '../../src/engine/index.js';
import { SqliteStore } from '../../src/store/index.js';
import { tempStores } from '../support/files.js';
import type { Harness } from '../support/tenant.js';
import { HOUR, MIN, T0, admin, presenceEvents, register, self, tenant, users } from '../support/tenant.js';

const U = 'u1001';

/** A user with a desk phone for the day, so a manual status shows (S2.3). */
function day(): Harness {
  const h = tenant({ users: users(2) });
  register(h, U, 'desk', 'terminal', 24 * HOUR);
  register(h, 'u1002', 'desk', 'terminal', 24 * HOUR);
  h.drain();
  return h;
}

const add = (h: Harness, window: WindowInput, by = self(U)) => h.run({ type: 'schedule.add', userId: U, window, by });
const windows = (h: Harness) =>
  h
    .state()
    .users.get(U)!
    .schedule?.windows.map((w) => w.id) ?? [];

describe('S9.1 a scheduled status begins and ends on time', () => {
  test('S9.1 at `from` the status is set as a manual status, naming the window as cause', () => {
    const h = day();
    expect(add(h, { id: 'w1', status: 'dnd', from: T0 + HOUR, until: T0 + 2 * HOUR }).ok).toBe(true);
    // Queued: the schedule changed (one event), the status not yet.
    expect(h.drain()).toMatchObject([
      {
        type: 'schedule.changed',
        subject: U,
        cause: 'self',
        value: { windows: [{ id: 'w1', status: 'dnd', from: T0 + HOUR, until: T0 + 2 * HOUR }] },
        old: { windows: [] },
      },
    ]);
    h.advance(HOUR - 1);
    expect(h.status(U)).toBe('online');
    h.advance(1);
    expect(h.status(U)).toBe('dnd');
    const events = h.drain();
    expect(events.map((e) => e.type)).toEqual(['presence.changed']);
    expect(events[0]).toMatchObject({ cause: 'schedule:w1', value: { status: 'dnd' }, old: { status: 'online' } });
    expect(h.presence(U).manual).toMatchObject({ status: 'dnd', setBy: 'schedule:w1', setAt: T0 + HOUR });
  });

  test('S9.1 at `until` the manual status the user had before comes back, with its text', () => {
    const h = day();
    h.ok({ type: 'status.set', userId: U, status: 'away', text: 'Back at 3', by: self(U) });
    add(h, { id: 'w1', status: 'dnd', from: T0 + HOUR, until: T0 + 2 * HOUR });
    h.advance(HOUR);
    expect(h.status(U)).toBe('dnd');
    h.drain();
    h.advance(HOUR);
    expect(h.presence(U)).toMatchObject({ status: 'away', text: 'Back at 3' });
    const events = h.drain();
    expect(events.map((e) => e.type).sort()).toEqual(['presence.changed', 'schedule.changed']);
    expect(presenceEvents(events)[0]).toMatchObject({
      cause: 'schedule:w1',
      value: { status: 'away' },
      old: { status: 'dnd' },
    });
    expect(windows(h)).toEqual([]);
  });

  test('S9.1 without a status before, the end leaves none: the derived status shows again', () => {
    const h = day();
    add(h, { id: 'w1', status: 'absent', from: T0 + HOUR, until: T0 + 2 * HOUR });
    h.advance(2 * HOUR);
    expect(h.status(U)).toBe('online');
    expect(h.state().users.get(U)!.manual).toBeUndefined();
    expect(h.state().users.get(U)!.schedule).toBeUndefined();
  });

  test('S9.1 a status before the window whose own end passed during it is not given back', () => {
    const h = day();
    h.ok({ type: 'status.set', userId: U, status: 'away', until: T0 + 90 * MIN, by: self(U) });
    add(h, { id: 'w1', status: 'dnd', from: T0 + HOUR, until: T0 + 2 * HOUR });
    h.advance(2 * HOUR);
    expect(h.status(U)).toBe('online');
  });

  test('S9.1 a window whose status the company turned off before it began is dropped unapplied', () => {
    const h = day();
    add(h, { id: 'w1', status: 'dnd', from: T0 + HOUR, until: T0 + 2 * HOUR });
    h.ok({ type: 'tenant.policy', policy: { manualStatuses: ['available', 'away', 'busy'] } });
    h.drain();
    h.advance(HOUR);
    expect(h.status(U)).toBe('online');
    expect(windows(h)).toEqual([]);
    expect(h.drain()).toMatchObject([{ type: 'schedule.changed', value: { windows: [] } }]);
  });

  test('S9.1 a window without `until` sets its status for good', () => {
    const h = day();
    add(h, { id: 'w1', status: 'absent', from: T0 + HOUR });
    h.advance(30 * 24 * HOUR);
    expect(h.status(U)).toBe('absent');
  });
});

describe('S9.1 overlapping windows', () => {
  test('S9.1 the window that began last wins; when it ends the earlier still-open window applies again, then the status before', () => {
    const h = day();
    h.ok({ type: 'status.set', userId: U, status: 'away', by: self(U) });
    add(h, { id: 'a', status: 'absent', from: T0 + HOUR, until: T0 + 5 * HOUR });
    add(h, { id: 'b', status: 'dnd', from: T0 + 2 * HOUR, until: T0 + 3 * HOUR });
    h.drain();
    h.advance(HOUR);
    expect(h.status(U)).toBe('absent');
    h.advance(HOUR);
    expect(h.status(U)).toBe('dnd');
    const u = h.state().users.get(U)!;
    expect(u.schedule!.windows.map((w) => windowStateAt(u, w, h.clock.now()))).toEqual(['waiting', 'active']);
    h.advance(HOUR);
    expect(h.status(U)).toBe('absent');
    h.advance(2 * HOUR);
    expect(h.status(U)).toBe('away');
    expect(presenceEvents(h.drain()).map((e) => [e.cause, e.value.status])).toEqual([
      ['schedule:a', 'absent'],
      ['schedule:b', 'dnd'],
      ['schedule:b', 'absent'],
      ['schedule:a', 'away'],
    ]);
  });

  test('S9.1 a status set by hand during a window wins: the window ends without taking it back', () => {
    const h = day();
    add(h, { id: 'a', status: 'dnd', from: T0 + HOUR, until: T0 + 3 * HOUR });
    h.advance(HOUR);
    h.advance(30 * MIN);
    h.ok({ type: 'status.set', userId: U, status: 'busy', by: self(U) });
    const u = h.state().users.get(U)!;
    expect(windowStateAt(u, u.schedule!.windows[0]!, h.clock.now())).toBe('overridden');
    h.advance(2 * HOUR);
    expect(h.status(U)).toBe('busy');
    expect(windows(h)).toEqual([]);
  });

  test('S9.1 after a hand-set status, a later window still applies and gives the hand-set status back', () => {
    const h = day();
    add(h, { id: 'a', status: 'dnd', from: T0 + HOUR, until: T0 + 4 * HOUR });
    add(h, { id: 'b', status: 'absent', from: T0 + 2 * HOUR, until: T0 + 3 * HOUR });
    h.advance(90 * MIN);
    h.ok({ type: 'status.set', userId: U, status: 'busy', by: self(U) });
    h.advance(30 * MIN);
    expect(h.status(U)).toBe('absent');
    h.advance(HOUR);
    // `a` was overridden by hand: it does not come back; the hand-set status does.
    expect(h.status(U)).toBe('busy');
    h.advance(HOUR);
    expect(h.status(U)).toBe('busy');
  });
});

describe('S9.1 cancelling a window', () => {
  test('S9.1 cancelled before it begins, a window never sets its status', () => {
    const h = day();
    add(h, { id: 'w1', status: 'dnd', from: T0 + HOUR, until: T0 + 2 * HOUR });
    h.drain();
    expect(h.run({ type: 'schedule.cancel', userId: U, windowId: 'w1', by: self(U) }).ok).toBe(true);
    expect(windows(h)).toEqual([]);
    expect(h.drain()).toMatchObject([
      { type: 'schedule.changed', value: { windows: [] }, old: { windows: [{ id: 'w1' }] } },
    ]);
    h.advance(HOUR);
    expect(h.status(U)).toBe('online');
    expect(h.drain()).toEqual([]);
  });

  test('S9.1 cancelled during the window, the status before comes back at once (cause: who cancelled)', () => {
    const h = day();
    h.ok({ type: 'status.set', userId: U, status: 'away', by: self(U) });
    add(h, { id: 'w1', status: 'dnd', from: T0 + HOUR, until: T0 + 2 * HOUR });
    h.advance(HOUR + 10 * MIN);
    h.drain();
    h.ok({ type: 'schedule.cancel', userId: U, windowId: 'w1', by: admin('u1002') });
    expect(h.status(U)).toBe('away');
    expect(presenceEvents(h.drain())).toMatchObject([{ cause: 'admin:u1002', value: { status: 'away' } }]);
    h.advance(HOUR);
    expect(h.drain()).toEqual([]);
  });
});

describe('S9.1 refusals change nothing', () => {
  const cases: [string, WindowInput, string][] = [
    ['begins in the past', { id: 'x', status: 'dnd', from: T0 - 1, until: T0 + HOUR }, 'SWB_ERR_SCHEDULE_IN_PAST'],
    [
      'ends at its start',
      { id: 'x', status: 'dnd', from: T0 + HOUR, until: T0 + HOUR },
      'SWB_ERR_SCHEDULE_ENDS_BEFORE_START',
    ],
    ['unknown status', { id: 'x', status: 'napping', from: T0 + HOUR }, 'SWB_ERR_STATUS_UNKNOWN'],
    ['automatic status', { id: 'x', status: 'on_call', from: T0 + HOUR }, 'SWB_ERR_STATUS_AUTOMATIC'],
    ['custom without text', { id: 'x', status: 'custom', from: T0 + HOUR }, 'SWB_ERR_TEXT_REQUIRED'],
    [
      'longer than 31 days',
      { id: 'x', status: 'absent', from: T0 + HOUR, until: T0 + HOUR + 32 * 24 * HOUR },
      'SWB_ERR_SCHEDULE_TOO_LONG',
    ],
    ['more than a year ahead', { id: 'x', status: 'absent', from: T0 + 400 * 24 * HOUR }, 'SWB_ERR_SCHEDULE_TOO_FAR'],
    ['an id in use', { id: 'w1', status: 'away', from: T0 + 3 * HOUR }, 'SWB_ERR_ID_TAKEN'],
  ];
  for (const [name, window, code] of cases) {
    test(`S9.1 a window that ${name} is refused with ${code}`, () => {
      const h = day();
      add(h, { id: 'w1', status: 'dnd', from: T0 + HOUR, until: T0 + 2 * HOUR });
      const before = h.state().users.get(U);
      h.drain();
      const out = add(h, window);
      expect(out).toMatchObject({ ok: false, code });
      expect(h.state().users.get(U)).toBe(before);
      expect(h.drain()).toEqual([]);
    });
  }

  test('S9.1 S5.1 a user cannot schedule or cancel for another user; an admin can', () => {
    const h = day();
    const cmd: Command = {
      type: 'schedule.add',
      userId: U,
      window: { id: 'w1', status: 'dnd', from: T0 + HOUR },
      by: self('u1002'),
    };
    expect(h.run(cmd)).toMatchObject({ ok: false, code: 'SWB_ERR_FORBIDDEN' });
    expect(h.run({ ...cmd, by: admin('u1002') }).ok).toBe(true);
    expect(h.run({ type: 'schedule.cancel', userId: U, windowId: 'w1', by: self('u1002') })).toMatchObject({
      ok: false,
      code: 'SWB_ERR_FORBIDDEN',
    });
    expect(h.run({ type: 'schedule.cancel', userId: U, windowId: 'nope', by: self(U) })).toMatchObject({
      ok: false,
      code: 'SWB_ERR_SCHEDULE_NOT_FOUND',
    });
    expect(windows(h)).toEqual(['w1']);
  });

  test('S9.1 at most 50 windows per user', () => {
    const h = day();
    for (let i = 0; i < 50; i++)
      expect(add(h, { id: `w${i}`, status: 'away', from: T0 + (i + 1) * HOUR }).ok).toBe(true);
    expect(add(h, { id: 'w50', status: 'away', from: T0 + 60 * HOUR })).toMatchObject({
      ok: false,
      code: 'SWB_ERR_SCHEDULE_FULL',
    });
    expect(windows(h)).toHaveLength(50);
  });
});

const tempStore = tempStores('schedule');

describe('S9.1 S8.2 pending windows survive a restart', () => {
  async function started(file: string, at: number) {
    const store = new SqliteStore(file);
    const clock = new ManualClock(at);
    const engine = new Engine({ clock, journal: { commit: async (batch) => void (await store.commit(batch)) } });
    const loaded = await store.loadTenant('t1');
    engine.addTenant(loaded?.state ?? createTenantState('t1'), { epoch: 'e1', seq: loaded?.row.seq ?? 0 });
    const presence = async (advanceMs: number) => {
      clock.advance(advanceMs);
      await engine.settled();
      return engine.state('t1')!.users.get('ann')!.presence;
    };
    return { store, engine, presence };
  }

  test('S9.1 a window queued before a restart begins and ends on time after it; one due while down applies at once', async () => {
    const { file } = tempStore();
    const boot = new SqliteStore(file);
    await boot.createTenant(
      { id: 't1', name: 'T', sipDomain: 't1.test', policy: DEFAULT_POLICY, epoch: 'e1', seq: 0 },
      T0,
    );
    boot.close();
    const a = await started(file, T0);
    const cmds: Command[] = [
      { type: 'user.upsert', user: { id: 'ann', extension: '1001', name: 'Ann' } },
      { type: 'registration.set', userId: 'ann', id: 'desk', kind: 'terminal', expiresAt: T0 + 48 * HOUR },
      { type: 'status.set', userId: 'ann', status: 'away', text: 'Lunch', by: self('ann') },
      {
        type: 'schedule.add',
        userId: 'ann',
        window: { id: 'w1', status: 'dnd', from: T0 + HOUR, until: T0 + 2 * HOUR },
        by: self('ann'),
      },
      {
        type: 'schedule.add',
        userId: 'ann',
        window: { id: 'w2', status: 'absent', from: T0 + 3 * HOUR, until: T0 + 4 * HOUR },
        by: self('ann'),
      },
    ];
    for (const c of cmds) expect((await a.engine.dispatch('t1', c)).ok).toBe(true);
    a.store.close();

    // Back up inside w1's window, which began while the server was down.
    const b = await started(file, T0 + 90 * MIN);
    expect((await b.presence(0)).status).toBe('dnd');
    expect((await b.presence(30 * MIN)).status).toBe('away');
    expect((await b.presence(HOUR)).status).toBe('absent');
    b.store.close();

    // Restarted again during w2: it ends on time and gives "away: Lunch" back.
    const c = await started(file, T0 + 3 * HOUR + 30 * MIN);
    expect((await c.presence(0)).status).toBe('absent');
    expect(await c.presence(30 * MIN)).toMatchObject({ status: 'away', text: 'Lunch' });
    c.store.close();
  });
});
