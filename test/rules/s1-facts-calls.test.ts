// SPEC S1.2 (call legs) and S1.6 (agent commands): what the engine learns about calls, and who
// may change an agent's state.
import { describe, expect, test } from 'vitest';
import type { Actor, Decision, LegState } from '../../src/core/index.js';
import { SEC, admin, self, tenant, users } from '../support/tenant.js';
import type { Harness } from '../support/tenant.js';

const DAY = 24 * 3600 * SEC;

function registered(n: number): Harness {
  const h = tenant({ users: users(n) });
  for (let i = 0; i < n; i++) {
    const userId = `u${1001 + i}`;
    h.ok({ type: 'registration.set', userId, id: `${userId}-app`, kind: 'app', expiresAt: h.clock.now() + DAY });
  }
  h.drain();
  return h;
}

function leg(h: Harness, direction: 'in' | 'out', state: LegState, legId = 'l1', userId = 'u1001'): void {
  h.ok({ type: 'leg.update', userId, legId, direction, state });
}

describe('S1.2 calls', () => {
  const onCall: ['in' | 'out', LegState][] = [
    ['in', 'answered'],
    ['in', 'held'],
    ['out', 'answered'],
    ['out', 'held'],
    ['out', 'ringing'],
    ['out', 'early'],
  ];
  test.each(onCall)('S1.2 a user with an %s leg %s is on a call', (direction, state) => {
    const h = registered(1);

    leg(h, direction, state);

    expect(h.status('u1001')).toBe('on_call');
    expect(h.presence('u1001').indicators.onCall).toBe(true);
  });

  test('S1.2 an incoming ringing leg only sets the ringing indicator', () => {
    const h = registered(1);

    leg(h, 'in', 'ringing');

    expect(h.status('u1001')).toBe('online');
    expect(h.presence('u1001').indicators).toMatchObject({ ringing: true, onCall: false });
  });

  test('S1.2 an incoming early leg (ringing with early media) only sets the ringing indicator', () => {
    const h = registered(1);

    leg(h, 'in', 'early');

    expect(h.status('u1001')).toBe('online');
    expect(h.presence('u1001').indicators).toMatchObject({ ringing: true, onCall: false });
  });

  test('S1.2 an answered call clears the ringing indicator', () => {
    const h = registered(1);
    leg(h, 'in', 'ringing');

    leg(h, 'in', 'answered');

    expect(h.presence('u1001').indicators).toMatchObject({ ringing: false, onCall: true });
  });

  test('S1.2 an outgoing ringing leg does not set the ringing indicator', () => {
    const h = registered(1);

    leg(h, 'out', 'ringing');

    expect(h.presence('u1001').indicators.ringing).toBe(false);
  });

  test('S1.2 when the last leg ends the user is no longer on a call', () => {
    const h = registered(1);
    leg(h, 'in', 'answered');

    leg(h, 'in', 'ended');

    expect(h.status('u1001')).toBe('online');
    expect(h.presence('u1001').indicators).toMatchObject({ onCall: false, ringing: false });
  });

  test('S1.2 a user stays on a call while any leg is still answered', () => {
    const h = registered(1);
    leg(h, 'in', 'answered', 'l1');
    leg(h, 'out', 'held', 'l2');

    leg(h, 'in', 'ended', 'l1');

    expect(h.status('u1001')).toBe('on_call');
  });

  test('S1.2 being rung does not make anyone busy: a second call rings a user with call waiting off', () => {
    const h = registered(1);
    h.ok({
      type: 'user.upsert',
      user: { id: 'u1001', extension: '1001', name: 'User 1001', settings: { callWaiting: false } },
    });
    leg(h, 'in', 'ringing');

    const d = h.ok({
      type: 'call.route',
      call: { callId: 'c2', from: { external: '+15550100' }, to: { kind: 'user', id: 'u1001' } },
    }).reply as Decision;

    expect(d).toMatchObject({ outcome: 'ring', ring: [{ userId: 'u1001', kind: 'app', startSec: 0 }] });
  });

  test('S1.2 an answered ACD leg of a queue puts its agent in queue_call', () => {
    const h = tenant({ users: users(1), queues: [{ id: 'q1', name: 'Sales', agents: ['u1001'], autoReady: true }] });
    h.ok({ type: 'agent.command', userId: 'u1001', queueId: 'q1', action: 'login', by: self('u1001') });

    h.ok({
      type: 'leg.update',
      userId: 'u1001',
      legId: 'l1',
      direction: 'in',
      state: 'answered',
      acd: true,
      queueId: 'q1',
    });

    expect(h.agent('u1001', 'q1')).toBe('queue_call');
  });

  test('S1.2 an answered leg that is not an ACD call puts the agent in other_call', () => {
    const h = tenant({ users: users(1), queues: [{ id: 'q1', name: 'Sales', agents: ['u1001'], autoReady: true }] });
    h.ok({ type: 'agent.command', userId: 'u1001', queueId: 'q1', action: 'login', by: self('u1001') });

    h.ok({ type: 'leg.update', userId: 'u1001', legId: 'l1', direction: 'in', state: 'answered' });

    expect(h.agent('u1001', 'q1')).toBe('other_call');
  });
});

describe('S1.6 agent commands', () => {
  /** u1001 is an agent of q1 and q2; u1003 supervises q1, u1004 supervises q2; u1005 is an admin. */
  function callCentre(): Harness {
    const h = tenant({
      users: [...users(4), { id: 'u1005', extension: '1005', name: 'Admin', role: 'admin' }],
      queues: [
        { id: 'q1', name: 'Sales', agents: ['u1001', 'u1002'], supervisors: ['u1003'] },
        { id: 'q2', name: 'Support', agents: ['u1001'], supervisors: ['u1004'] },
      ],
    });
    h.drain();
    return h;
  }
  const supervisor = (userId: string): Actor => ({ kind: 'user', userId, role: 'supervisor' });
  const agentEvents = (h: Harness) => h.drain().filter((e) => e.type === 'agent.changed');

  test('S1.6 the agent logs themself in', () => {
    const h = callCentre();

    h.ok({ type: 'agent.command', userId: 'u1001', queueId: 'q1', action: 'login', by: self('u1001') });

    expect(agentEvents(h)).toMatchObject([
      { subject: 'u1001', queueId: 'q1', cause: 'self', value: { state: 'not_ready' } },
    ]);
  });

  test('S1.6 a supervisor of the queue logs an agent in', () => {
    const h = callCentre();

    h.ok({ type: 'agent.command', userId: 'u1001', queueId: 'q1', action: 'login', by: supervisor('u1003') });

    expect(agentEvents(h)).toMatchObject([
      { subject: 'u1001', queueId: 'q1', cause: 'supervisor:u1003', value: { state: 'not_ready' } },
    ]);
  });

  test('S1.6 a supervisor of the queue sets an agent ready, then not ready with a reason code, then logs them out', () => {
    const h = callCentre();
    h.ok({ type: 'agent.command', userId: 'u1001', queueId: 'q1', action: 'login', by: supervisor('u1003') });

    h.ok({ type: 'agent.command', userId: 'u1001', queueId: 'q1', action: 'ready', by: supervisor('u1003') });
    expect(h.agent('u1001', 'q1')).toBe('ready');
    h.ok({
      type: 'agent.command',
      userId: 'u1001',
      queueId: 'q1',
      action: 'not_ready',
      reason: 'break',
      by: supervisor('u1003'),
    });
    expect(h.state().users.get('u1001')!.agent['q1']).toMatchObject({ state: 'not_ready', reason: 'break' });
    h.ok({ type: 'agent.command', userId: 'u1001', queueId: 'q1', action: 'logout', by: supervisor('u1003') });

    expect(h.agent('u1001', 'q1')).toBe('logged_out');
  });

  test('S1.6 a supervisor of another queue is refused with SWB_ERR_FORBIDDEN', () => {
    const h = callCentre();

    const out = h.run({
      type: 'agent.command',
      userId: 'u1001',
      queueId: 'q1',
      action: 'login',
      by: supervisor('u1004'),
    });

    expect(out).toMatchObject({ ok: false, code: 'SWB_ERR_FORBIDDEN' });
    expect(h.agent('u1001', 'q1')).toBe('logged_out');
    expect(h.drain()).toEqual([]);
  });

  test("S1.6 a supervisor's all-queues command changes only the queues they supervise", () => {
    const h = callCentre();

    h.ok({ type: 'agent.command', userId: 'u1001', action: 'login', by: supervisor('u1003') });

    expect([h.agent('u1001', 'q1'), h.agent('u1001', 'q2')]).toEqual(['not_ready', 'logged_out']);
  });

  test('S1.6 an admin logs an agent in', () => {
    const h = callCentre();

    h.ok({ type: 'agent.command', userId: 'u1001', queueId: 'q2', action: 'login', by: admin('u1005') });

    expect(agentEvents(h)).toMatchObject([
      { subject: 'u1001', queueId: 'q2', cause: 'admin:u1005', value: { state: 'not_ready' } },
    ]);
  });

  test('S1.6 an admin changes an agent in all their queues at once', () => {
    const h = callCentre();

    h.ok({ type: 'agent.command', userId: 'u1001', action: 'login', by: admin('u1005') });

    expect([h.agent('u1001', 'q1'), h.agent('u1001', 'q2')]).toEqual(['not_ready', 'not_ready']);
  });

  test('S1.6 a feature access code logs the agent in', () => {
    const h = callCentre();

    h.ok({ type: 'fac.dial', userId: 'u1001', digits: '*38' });

    expect(agentEvents(h)).toMatchObject([
      { subject: 'u1001', queueId: 'q1', cause: 'fac', value: { state: 'not_ready' } },
      { subject: 'u1001', queueId: 'q2', cause: 'fac', value: { state: 'not_ready' } },
    ]);
  });

  test('S1.6 the REST API (an admin API key) logs an agent in', () => {
    const h = callCentre();

    h.ok({
      type: 'agent.command',
      userId: 'u1001',
      queueId: 'q1',
      action: 'login',
      by: { kind: 'apikey', keyId: 'k1', role: 'admin' },
    });

    expect(agentEvents(h)).toMatchObject([
      { subject: 'u1001', queueId: 'q1', cause: 'apikey:k1', value: { state: 'not_ready' } },
    ]);
  });

  test('S1.6 a plain user commanding another agent is refused with SWB_ERR_FORBIDDEN, state unchanged', () => {
    const h = callCentre();
    h.ok({ type: 'agent.command', userId: 'u1001', queueId: 'q1', action: 'login', by: self('u1001') });
    h.drain();

    const out = h.run({ type: 'agent.command', userId: 'u1001', queueId: 'q1', action: 'ready', by: self('u1002') });

    expect(out).toMatchObject({ ok: false, code: 'SWB_ERR_FORBIDDEN' });
    expect(h.agent('u1001', 'q1')).toBe('not_ready');
    expect(h.drain()).toEqual([]);
  });

  test("S1.6 a plain user's all-queues command on another agent is refused with SWB_ERR_FORBIDDEN", () => {
    const h = callCentre();

    const out = h.run({ type: 'agent.command', userId: 'u1001', action: 'login', by: self('u1002') });

    expect(out).toMatchObject({ ok: false, code: 'SWB_ERR_FORBIDDEN' });
    expect([h.agent('u1001', 'q1'), h.agent('u1001', 'q2')]).toEqual(['logged_out', 'logged_out']);
  });
});
