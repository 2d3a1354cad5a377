// SPEC S6.1 — every change of a derived value emits exactly one event carrying tenant, subject,
// at, cause, the new value and the old one, and (epoch, seq) with seq rising by one per tenant.
import { describe, expect, test } from 'vitest';
import type { TenantState } from '../../src/core/index.js';
import { createTenantState } from '../../src/core/index.js';
import type { EngineEvent } from '../../src/engine/index.js';
import { Engine, ManualClock } from '../../src/engine/index.js';
import type { Harness } from '../support/tenant.js';
import { HOUR, MIN, presenceEvents, register, SEC, self, T0, tenant, users } from '../support/tenant.js';

function seqOf(h: Harness): number {
  return h.engine.position(h.tenant)!.seq;
}

/** An engine of its own, for what the harness fixes: the tenant's starting position. */
function engineWith(states: readonly { state: TenantState; epoch: string; seq: number }[]) {
  const clock = new ManualClock(T0);
  const engine = new Engine({ clock });
  const events: EngineEvent[] = [];
  engine.listen({ onApplied: (e) => events.push(...e) });
  for (const s of states) engine.addTenant(s.state, { epoch: s.epoch, seq: s.seq });
  return { engine, clock, events };
}

describe('S6.1 events', () => {
  test('S6.1 a presence change emits one presence.changed with tenant, subject, at, cause, value, old, epoch and seq', () => {
    const h = tenant({ users: users(1) });
    const before = h.presence('u1001');
    const seq = seqOf(h);
    h.advance(MIN);
    const out = register(h, 'u1001', 'r1', 'app');
    expect(out.events).toEqual([
      {
        type: 'presence.changed',
        tenant: 'acme',
        subject: 'u1001',
        at: T0 + MIN,
        cause: 'sip',
        value: h.presence('u1001'),
        old: before,
        epoch: 'e1',
        seq: seq + 1,
      },
    ]);
    const [event] = presenceEvents(out.events);
    expect([event?.value.status, event?.old?.status]).toEqual(['online', 'offline']);
  });

  test('S6.1 seq rises by one per event across subjects and event types', () => {
    const h = tenant({ users: users(2), queues: [{ id: 'q1', name: 'Support', agents: ['u1001'] }] });
    const start = seqOf(h);
    register(h, 'u1001', 'r1', 'app');
    register(h, 'u1002', 'r2', 'terminal');
    h.ok({ type: 'agent.command', userId: 'u1001', queueId: 'q1', action: 'login', by: self('u1001') });
    h.ok({ type: 'queue.call.arrive', queueId: 'q1', callId: 'c1', caller: '+4930999' });
    h.ok({ type: 'status.set', userId: 'u1002', status: 'dnd', by: self('u1002') });
    h.advance(HOUR);
    const events = h.drain();
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(['presence.changed', 'agent.changed', 'queue.changed']));
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => start + 1 + i));
    expect(seqOf(h)).toBe(start + events.length);
  });

  test('S6.1 every event carries the tenant and its epoch', () => {
    const h = tenant({ users: users(2) });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'status.set', userId: 'u1002', status: 'absent', by: self('u1002') });
    const events = h.drain();
    expect(events.map((e) => [e.tenant, e.epoch])).toEqual([
      ['acme', 'e1'],
      ['acme', 'e1'],
    ]);
  });

  test('S6.1 a command that changes no derived value emits nothing and leaves seq where it was', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app', MIN);
    const seq = seqOf(h);
    const out = register(h, 'u1001', 'r1', 'app', 2 * MIN);
    expect([out.events, seqOf(h)]).toEqual([[], seq]);
  });

  test('S6.1 a refused command emits nothing and leaves seq where it was', () => {
    const h = tenant({ users: users(1) });
    const seq = seqOf(h);
    const out = h.run({ type: 'status.set', userId: 'u1001', status: 'online', by: self('u1001') });
    expect(out.ok).toBe(false);
    expect([h.drain(), seqOf(h)]).toEqual([[], seq]);
  });

  test("S6.1 the old value of an event is the value of the subject's previous event", () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'status.set', userId: 'u1001', status: 'away', by: self('u1001') });
    h.ok({ type: 'leg.update', userId: 'u1001', legId: 'L1', direction: 'out', state: 'answered' });
    const events = presenceEvents(h.drain());
    expect(events.map((e) => e.value.status)).toEqual(['online', 'away', 'on_call']);
    for (let i = 1; i < events.length; i++) expect(events[i]!.old).toEqual(events[i - 1]!.value);
  });

  test('S6.1 an event fired by a timer carries the instant it was due and the cause system', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app', 45 * SEC);
    h.drain();
    h.advance(10 * MIN);
    expect(h.drain().map((e) => [e.type, e.at, e.cause])).toEqual([['presence.changed', T0 + 45 * SEC, 'system']]);
  });

  test('S6.1 two leases of one user running out at the same instant emit one event', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app', MIN);
    register(h, 'u1001', 't1', 'terminal', MIN);
    h.drain();
    h.advance(MIN);
    const events = h.drain();
    expect(events.map((e) => [e.type, e.subject])).toEqual([['presence.changed', 'u1001']]);
    expect(presenceEvents(events).map((e) => e.value.status)).toEqual(['offline']);
  });

  test('S6.1 one command that changes the status and the manual status of a user emits one event', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    const out = h.ok({ type: 'status.set', userId: 'u1001', status: 'dnd', text: 'Focus', by: self('u1001') });
    expect(out.events.map((e) => e.type)).toEqual(['presence.changed']);
  });

  test('S6.1 agent.changed carries the queue, the new agent state and the old one', () => {
    const h = tenant({ users: users(1), queues: [{ id: 'q1', name: 'Support', agents: ['u1001'] }] });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'agent.command', userId: 'u1001', queueId: 'q1', action: 'login', by: self('u1001') });
    h.advance(MIN);
    const out = h.ok({ type: 'agent.command', userId: 'u1001', queueId: 'q1', action: 'ready', by: self('u1001') });
    expect(out.events).toHaveLength(1);
    expect(out.events[0]).toMatchObject({
      type: 'agent.changed',
      tenant: 'acme',
      subject: 'u1001',
      queueId: 'q1',
      at: T0 + MIN,
      cause: 'self',
      value: { state: 'ready', since: T0 + MIN },
      old: { state: 'not_ready', since: T0 },
      epoch: 'e1',
    });
  });

  test('S6.1 queue.changed carries the waiting callers and the old snapshot', () => {
    const h = tenant({ users: users(1), queues: [{ id: 'q1', name: 'Support', agents: ['u1001'] }] });
    h.advance(MIN);
    const out = h.ok({ type: 'queue.call.arrive', queueId: 'q1', callId: 'c1', caller: '+4930999' });
    expect(out.events).toHaveLength(1);
    expect(out.events[0]).toMatchObject({
      type: 'queue.changed',
      tenant: 'acme',
      subject: 'q1',
      at: T0 + MIN,
      value: { queueId: 'q1', waiting: [{ callId: 'c1', caller: '+4930999', arrivedAt: T0 + MIN, position: 1 }] },
      old: { queueId: 'q1', waiting: [] },
    });
  });

  test('S6.1 a missed call emits call.missed for the user and one presence.changed for the counter', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'status.set', userId: 'u1001', status: 'dnd', by: self('u1001') });
    const seq = seqOf(h);
    const out = h.ok({
      type: 'call.route',
      call: { callId: 'c9', from: { external: '+4930999' }, to: { kind: 'user', id: 'u1001' } },
    });
    expect(out.events.map((e) => [e.type, e.subject, e.seq])).toEqual([
      ['call.missed', 'u1001', seq + 1],
      ['presence.changed', 'u1001', seq + 2],
    ]);
    expect(out.events[0]).toMatchObject({ value: { callId: 'c9', caller: '+4930999', reason: 'dnd' } });
  });

  test('S6.1 the first event of a new user has the new value and no old one', () => {
    const h = tenant();
    const out = h.ok({ type: 'user.upsert', user: { id: 'u2001', extension: '2001', name: 'New Hire' } });
    expect(out.events.map((e) => [e.type, e.subject])).toEqual([['presence.changed', 'u2001']]);
    expect(presenceEvents(out.events).map((e) => [e.value.status, e.old])).toEqual([['offline', undefined]]);
  });

  test('S6.1 a tenant restored from a stored position continues its seq in the same epoch', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    const { epoch, seq } = h.engine.position(h.tenant)!;
    const restored = engineWith([{ state: h.state(), epoch, seq }]);
    restored.engine.submit('acme', { type: 'status.set', userId: 'u1001', status: 'dnd', by: self('u1001') });
    expect(restored.events.map((e) => [e.epoch, e.seq])).toEqual([[epoch, seq + 1]]);
  });

  test('S6.1 a restarted sequence comes with a new epoch and starts again at seq 1', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    const restarted = engineWith([{ state: h.state(), epoch: 'e2', seq: 0 }]);
    restarted.engine.submit('acme', { type: 'status.set', userId: 'u1001', status: 'dnd', by: self('u1001') });
    expect(restarted.events.map((e) => [e.epoch, e.seq])).toEqual([['e2', 1]]);
  });

  test('S6.1 each tenant has a seq of its own', () => {
    const { engine, events } = engineWith([
      { state: createTenantState('acme'), epoch: 'a1', seq: 0 },
      { state: createTenantState('globex'), epoch: 'g1', seq: 0 },
    ]);
    engine.submit('acme', { type: 'user.upsert', user: { id: 'u1', extension: '101', name: 'Ann' } });
    engine.submit('globex', { type: 'user.upsert', user: { id: 'u1', extension: '101', name: 'Bob' } });
    engine.submit('acme', { type: 'user.upsert', user: { id: 'u2', extension: '102', name: 'Cid' } });
    expect(events.map((e) => [e.tenant, e.epoch, e.seq])).toEqual([
      ['acme', 'a1', 1],
      ['globex', 'g1', 1],
      ['acme', 'a1', 2],
    ]);
  });
});
