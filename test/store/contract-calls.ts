// The store contract, part three: the call log (S11.1). A call's steps are written in the commit
// of their command and merged into one row per call; the log is read newest first with filters,
// a cursor and the visibility of the one who asks; retention drops old calls; tenants stay apart.
import { expect, test } from 'vitest';
import { DEFAULT_POLICY } from '../../src/core/index.js';
import type { Command } from '../../src/core/index.js';
import { T0 } from '../support/tenant.js';
import { recorder } from './batches.js';
import type { Fresh } from './contract.js';

const users: Command[] = [
  { type: 'user.upsert', user: { id: 'ann', extension: '1001', name: 'Ann' } },
  { type: 'user.upsert', user: { id: 'bob', extension: '1002', name: 'Bob' } },
  { type: 'user.upsert', user: { id: 'cid', extension: '1003', name: 'Cid' } },
  { type: 'queue.upsert', queue: { id: 'q1', name: 'Sales', extension: '501', agents: ['cid'] } },
  { type: 'registration.set', userId: 'bob', id: 'bob-phone', kind: 'terminal', expiresAt: T0 + 3600_000 },
];

async function setUp(fresh: () => Promise<Fresh>) {
  const f = await fresh();
  for (const id of ['t1', 't2'])
    await f.store.createTenant(
      { id, name: id, sipDomain: `${id}.example`, policy: DEFAULT_POLICY, epoch: 'e1', seq: 0 },
      T0,
    );
  const rec = recorder([{ id: 't1' }, { id: 't2' }]);
  await f.store.commit(await rec.apply('t1', ...users));
  return { ...f, rec };
}

/** ann calls bob (rings, bob answers or not), then the call ends. */
function call(callId: string, answered: boolean): Command[] {
  const leg = { userId: 'bob', legId: `${callId};in`, direction: 'in' as const, callId };
  return [
    { type: 'call.route', call: { callId, from: { userId: 'ann' }, to: { kind: 'extension', extension: '1002' } } },
    { type: 'leg.update', ...leg, state: 'ringing' },
    ...(answered ? [{ type: 'leg.update' as const, ...leg, state: 'answered' as const }] : []),
    { type: 'leg.update', ...leg, state: 'ended' },
    {
      type: 'call.end',
      callId,
      from: { userId: 'ann' },
      target: { kind: 'user', id: 'bob' },
      ending: answered ? { answeredBy: 'bob' } : { cancelled: true, rang: true },
    },
  ];
}

export function callsContract(fresh: () => Promise<Fresh>): void {
  test('S11.1 a call committed step by step is one row: decision as taken, offer, answer, outcome', async () => {
    const { store, rec } = await setUp(fresh);
    const batch = await rec.apply('t1', ...call('c1', true));
    await store.commit(batch);
    const c = await store.call('t1', 'c1');
    expect(c).toMatchObject({
      id: 'c1',
      startedAt: T0,
      endedAt: T0,
      from: { userId: 'ann' },
      to: { kind: 'extension', extension: '1002' },
      offers: [{ userId: 'bob', at: T0 }],
      answeredBy: 'bob',
      outcome: 'answered',
    });
    expect(c!.decisions).toHaveLength(1);
    expect(c!.decisions[0]).toMatchObject({ outcome: 'ring', target: { kind: 'user', id: 'bob' } });
    expect(new Set(c!.parties)).toEqual(new Set(['ann', 'bob']));
    // Another tenant sees nothing of it (S5.2).
    expect(await store.call('t2', 'c1')).toBeUndefined();
    expect(await store.calls('t2', { limit: 10 })).toEqual([]);
  });

  test('S11.1 a diversion adds its decision; a second end changes nothing; the row survives a reopen', async () => {
    const f = await setUp(fresh);
    const { rec } = f;
    await f.store.commit(
      await rec.apply(
        't1',
        { type: 'call.route', call: { callId: 'c2', from: { external: '+4930123' }, to: { kind: 'user', id: 'bob' } } },
        { type: 'call.route', call: { callId: 'c2', from: { external: '+4930123' }, to: { kind: 'queue', id: 'q1' } } },
        { type: 'call.end', callId: 'c2', ending: { action: { condition: 'overflow', type: 'voicemail' } } },
        { type: 'call.end', callId: 'c2', outcome: 'answered' },
      ),
    );
    const store = await f.reopen();
    const c = await store.call('t1', 'c2');
    expect(c?.decisions.map((d) => d.outcome)).toEqual(['ring', 'queue']);
    expect(c?.queueId).toBe('q1');
    expect(c?.from).toEqual({ external: '+4930123' });
    expect(c?.outcome).toBe('overflow');
  });

  test('S11.1 the list: newest first, filters by user, queue, outcome and time, a cursor, visibility', async () => {
    const { store, rec } = await setUp(fresh);
    for (let i = 0; i < 5; i++) {
      rec.clock.advance(1000);
      await store.commit(await rec.apply('t1', ...call(`k${i}`, i % 2 === 0)));
    }
    rec.clock.advance(1000);
    await store.commit(
      await rec.apply('t1', { type: 'call.route', call: { callId: 'q-call', to: { kind: 'queue', id: 'q1' } } }),
    );
    const ids = async (q: Parameters<typeof store.calls>[1]) => (await store.calls('t1', q)).map((c) => c.id);
    expect(await ids({ limit: 10 })).toEqual(['q-call', 'k4', 'k3', 'k2', 'k1', 'k0']);
    expect(await ids({ limit: 10, user: 'bob' })).toEqual(['k4', 'k3', 'k2', 'k1', 'k0']);
    expect(await ids({ limit: 10, user: 'cid' })).toEqual([]);
    expect(await ids({ limit: 10, queue: 'q1' })).toEqual(['q-call']);
    expect(await ids({ limit: 10, outcome: 'missed' })).toEqual(['k3', 'k1']);
    expect(await ids({ limit: 10, from: T0 + 2000, to: T0 + 4000 })).toEqual(['k2', 'k1']);
    const first = await store.calls('t1', { limit: 2 });
    const last = first[first.length - 1]!;
    expect(await ids({ limit: 2, after: { at: last.startedAt, id: last.id } })).toEqual(['k3', 'k2']);
    expect(await ids({ limit: 10, visibleTo: { user: 'cid', queues: [] } })).toEqual([]);
    expect(await ids({ limit: 10, visibleTo: { user: 'cid', queues: ['q1'] } })).toEqual(['q-call']);
    expect(await ids({ limit: 10, visibleTo: { user: undefined, queues: [] } })).toEqual([]);
  });

  test('S11.1 retention: calls started before the cut are dropped, in that tenant only', async () => {
    const { store, rec } = await setUp(fresh);
    await store.commit(await rec.apply('t1', ...call('old', false)));
    rec.clock.advance(10_000);
    await store.commit(await rec.apply('t1', ...call('new', true)));
    expect(await store.pruneCalls('t2', T0 + 5000)).toBe(0);
    expect(await store.pruneCalls('t1', T0 + 5000)).toBe(1);
    expect((await store.calls('t1', { limit: 10 })).map((c) => c.id)).toEqual(['new']);
  });
}
