// SPEC S4: call queues and agents. Given a tenant with queues and registered agents, when agent
// commands, calls and the clock move, then the agent states, offers and directives are as S4 says.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type {
  AgentRecord,
  AgentStateId,
  AnsweringAction,
  Command,
  Decision,
  Directive,
  QueueInput,
} from '../../src/core/index.js';
import { QUEUE_STRATEGIES, agentTransition, route } from '../../src/core/index.js';
import type { QueueStrategy } from '../../src/core/index.js';
import { SEC, admin, self, tenant, users } from '../support/tenant.js';
import type { Harness } from '../support/tenant.js';

const DAY = 24 * 3600 * SEC;
const AGENT_STATES: readonly AgentStateId[] = [
  'logged_out',
  'not_ready',
  'ready',
  'queue_call',
  'other_call',
  'wrap_up',
];

/**
 * Users u1001…u1005, all registered with one app device. q1 (ext 501) has agents u1001…u1003,
 * q2 (ext 502) has u1001 only; u1005 supervises q1.
 */
function callCentre(q1: Partial<QueueInput> = {}, q2: Partial<QueueInput> = {}): Harness & { directives: Directive[] } {
  const h = tenant({
    users: users(5),
    queues: [
      { id: 'q1', name: 'Sales', extension: '501', agents: ['u1001', 'u1002', 'u1003'], supervisors: ['u1005'], ...q1 },
      { id: 'q2', name: 'Support', extension: '502', agents: ['u1001'], ...q2 },
    ],
  });
  for (const id of ['u1001', 'u1002', 'u1003', 'u1004', 'u1005']) {
    h.ok({ type: 'registration.set', userId: id, id: `${id}-app`, kind: 'app', expiresAt: h.clock.now() + DAY });
  }
  const directives: Directive[] = [];
  h.engine.bus.subscribe((b) => directives.push(...b.directives));
  h.drain();
  return Object.assign(h, { directives });
}

type AgentCmd = Extract<Command, { type: 'agent.command' }>;
const agentCmd = (userId: string, action: AgentCmd['action'], queueId?: string, reason?: string): AgentCmd => ({
  type: 'agent.command',
  userId,
  action,
  by: self(userId),
  ...(queueId !== undefined ? { queueId } : {}),
  ...(reason !== undefined ? { reason } : {}),
});

function login(h: Harness, userId: string, queueId?: string): void {
  h.ok(agentCmd(userId, 'login', queueId));
}
function ready(h: Harness, userId: string, queueId?: string): void {
  h.ok(agentCmd(userId, 'ready', queueId));
}
/** Logs the agents in to q1 and makes them ready there. */
function readyIn(h: Harness, queueId: string, ...userIds: string[]): void {
  for (const id of userIds) {
    login(h, id, queueId);
    ready(h, id, queueId);
  }
}
function record(h: Harness, userId: string, queueId: string): AgentRecord | undefined {
  return h.state().users.get(userId)?.agent[queueId];
}

function arrive(h: Harness, callId: string, options: { queueId?: string; priority?: number } = {}): unknown {
  return h.ok({
    type: 'queue.call.arrive',
    queueId: options.queueId ?? 'q1',
    callId,
    caller: `+1555${callId}`,
    ...(options.priority !== undefined ? { priority: options.priority } : {}),
  }).reply;
}
function answer(h: Harness, userId: string, callId: string, queueId = 'q1'): void {
  h.ok({ type: 'queue.call.answer', queueId, callId, userId });
}
function hangUp(h: Harness, userId: string, legId: string): void {
  h.ok({ type: 'leg.update', userId, legId, direction: 'in', state: 'ended' });
}
function otherCall(h: Harness, userId: string, legId = 'private'): void {
  h.ok({ type: 'leg.update', userId, legId, direction: 'out', state: 'answered' });
}
function offeredTo(h: Harness, callId: string, queueId = 'q1'): readonly string[] | undefined {
  return h
    .state()
    .queues.get(queueId)
    ?.waiting.find((w) => w.callId === callId)?.offeredTo;
}
function waitingIds(h: Harness, queueId = 'q1'): string[] {
  return h
    .state()
    .queues.get(queueId)!
    .waiting.map((w) => w.callId);
}
/** A queue call the agent answers and hangs up after a second. */
function takeCall(h: Harness, userId: string, callId: string): void {
  arrive(h, callId);
  answer(h, userId, callId);
  h.advance(SEC);
  hangUp(h, userId, callId);
}

describe('S4.1 agent states', () => {
  test('S4.1 an agent has one state per queue: logging in to one queue leaves the other logged_out', () => {
    const h = callCentre();

    login(h, 'u1001', 'q1');

    expect(h.agent('u1001', 'q1')).toBe('not_ready');
    expect(h.agent('u1001', 'q2')).toBe('logged_out');
  });

  test('S4.1 not_ready carries its reason code', () => {
    const h = callCentre();
    readyIn(h, 'q1', 'u1001');

    h.ok(agentCmd('u1001', 'not_ready', 'q1', 'lunch'));

    expect(record(h, 'u1001', 'q1')).toMatchObject({ state: 'not_ready', reason: 'lunch' });
  });

  test('S4.1 an agent in wrap_up is offered no queue calls', () => {
    const h = callCentre({ wrapUpSec: 30 });
    readyIn(h, 'q1', 'u1001');
    takeCall(h, 'u1001', 'c1');
    expect(h.agent('u1001', 'q1')).toBe('wrap_up');

    arrive(h, 'c2');

    expect(offeredTo(h, 'c2')).toEqual([]);
  });

  test('S4.1 an agent state change is published as agent.changed with the old and new state', () => {
    const h = callCentre();
    login(h, 'u1001', 'q1');
    h.drain();

    ready(h, 'u1001', 'q1');

    const changed = h.drain().filter((e) => e.type === 'agent.changed');
    expect(changed).toMatchObject([
      { subject: 'u1001', queueId: 'q1', cause: 'self', value: { state: 'ready' }, old: { state: 'not_ready' } },
    ]);
  });
});

describe('S4.2 transitions', () => {
  test('S4.2 login goes to ready when the queue has autoReady on', () => {
    const h = callCentre({ autoReady: true });

    login(h, 'u1001', 'q1');

    expect(h.agent('u1001', 'q1')).toBe('ready');
  });

  test('S4.2 login goes to not_ready when the queue has autoReady off', () => {
    const h = callCentre({ autoReady: false });

    login(h, 'u1001', 'q1');

    expect(h.agent('u1001', 'q1')).toBe('not_ready');
  });

  const logoutFrom: [AgentStateId, (h: Harness) => void][] = [
    ['ready', (h) => readyIn(h, 'q1', 'u1001')],
    ['not_ready', (h) => login(h, 'u1001', 'q1')],
    [
      'other_call',
      (h) => {
        readyIn(h, 'q1', 'u1001');
        otherCall(h, 'u1001');
      },
    ],
    [
      'wrap_up',
      (h) => {
        readyIn(h, 'q1', 'u1001');
        takeCall(h, 'u1001', 'c1');
      },
    ],
  ];
  test.each(logoutFrom)('S4.2 logout from %s goes to logged_out', (from, given) => {
    const h = callCentre({ wrapUpSec: 30 });
    given(h);
    expect(h.agent('u1001', 'q1')).toBe(from);

    h.ok(agentCmd('u1001', 'logout', 'q1'));

    expect(h.agent('u1001', 'q1')).toBe('logged_out');
  });

  test('S4.2 logout during a queue call keeps the agent on the call', () => {
    const h = callCentre();
    readyIn(h, 'q1', 'u1001');
    arrive(h, 'c1');
    answer(h, 'u1001', 'c1');

    h.ok(agentCmd('u1001', 'logout', 'q1'));

    expect(h.agent('u1001', 'q1')).toBe('queue_call');
  });

  test('S4.2 logout during a queue call takes effect when the call ends, without wrap-up', () => {
    const h = callCentre({ wrapUpSec: 30 });
    readyIn(h, 'q1', 'u1001');
    arrive(h, 'c1');
    answer(h, 'u1001', 'c1');
    h.ok(agentCmd('u1001', 'logout', 'q1'));

    hangUp(h, 'u1001', 'c1');

    expect(h.agent('u1001', 'q1')).toBe('logged_out');
  });

  test('S4.2 ready goes to not_ready by command', () => {
    const h = callCentre();
    readyIn(h, 'q1', 'u1001');

    h.ok(agentCmd('u1001', 'not_ready', 'q1', 'break'));

    expect(record(h, 'u1001', 'q1')).toMatchObject({ state: 'not_ready', reason: 'break' });
  });

  test('S4.2 not_ready goes to ready by command', () => {
    const h = callCentre();
    login(h, 'u1001', 'q1');

    ready(h, 'u1001', 'q1');

    expect(h.agent('u1001', 'q1')).toBe('ready');
  });

  test('S4.2 a ready agent on a non-queue call is other_call', () => {
    const h = callCentre();
    readyIn(h, 'q1', 'u1001');

    otherCall(h, 'u1001');

    expect(h.agent('u1001', 'q1')).toBe('other_call');
  });

  test('S4.2 a ready agent making a call (outgoing ringing) is other_call', () => {
    const h = callCentre();
    readyIn(h, 'q1', 'u1001');

    h.ok({ type: 'leg.update', userId: 'u1001', legId: 'o1', direction: 'out', state: 'ringing' });

    expect(h.agent('u1001', 'q1')).toBe('other_call');
  });

  test('S4.2 a ready agent rung by a non-queue call stays ready', () => {
    const h = callCentre();
    readyIn(h, 'q1', 'u1001');

    h.ok({ type: 'leg.update', userId: 'u1001', legId: 'i1', direction: 'in', state: 'ringing' });

    expect(h.agent('u1001', 'q1')).toBe('ready');
  });

  test('S4.2 after the other call a ready agent is back in ready', () => {
    const h = callCentre();
    readyIn(h, 'q1', 'u1001');
    otherCall(h, 'u1001');

    hangUp(h, 'u1001', 'private');

    expect(h.agent('u1001', 'q1')).toBe('ready');
  });

  test('S4.2 after the other call a not_ready agent is back in not_ready with the same reason', () => {
    const h = callCentre();
    login(h, 'u1001', 'q1');
    h.ok(agentCmd('u1001', 'not_ready', 'q1', 'lunch'));
    otherCall(h, 'u1001');
    expect(h.agent('u1001', 'q1')).toBe('other_call');

    hangUp(h, 'u1001', 'private');

    expect(record(h, 'u1001', 'q1')).toMatchObject({ state: 'not_ready', reason: 'lunch' });
  });

  test("S4.2 a call of one queue is other_call in the agent's other queues, and ends back in the previous state", () => {
    const h = callCentre();
    readyIn(h, 'q1', 'u1001');
    readyIn(h, 'q2', 'u1001');
    arrive(h, 'c1');
    answer(h, 'u1001', 'c1');
    expect([h.agent('u1001', 'q1'), h.agent('u1001', 'q2')]).toEqual(['queue_call', 'other_call']);

    hangUp(h, 'u1001', 'c1');

    expect([h.agent('u1001', 'q1'), h.agent('u1001', 'q2')]).toEqual(['ready', 'ready']);
  });

  test('S4.2 not_ready during another call makes the agent return to not_ready after it', () => {
    const h = callCentre();
    readyIn(h, 'q1', 'u1001');
    otherCall(h, 'u1001');

    h.ok(agentCmd('u1001', 'not_ready', 'q1', 'break'));
    expect(h.agent('u1001', 'q1')).toBe('other_call');
    hangUp(h, 'u1001', 'private');

    expect(record(h, 'u1001', 'q1')).toMatchObject({ state: 'not_ready', reason: 'break' });
  });

  test('S4.2 a ready agent answering a queue call is queue_call', () => {
    const h = callCentre();
    readyIn(h, 'q1', 'u1001');
    arrive(h, 'c1');

    answer(h, 'u1001', 'c1');

    expect(h.agent('u1001', 'q1')).toBe('queue_call');
  });

  test("S4.2 at the end of a queue call the agent is in wrap_up for the queue's wrapUpSec, then ready", () => {
    const h = callCentre({ wrapUpSec: 30 });
    readyIn(h, 'q1', 'u1001');
    arrive(h, 'c1');
    answer(h, 'u1001', 'c1');

    hangUp(h, 'u1001', 'c1');
    expect(h.agent('u1001', 'q1')).toBe('wrap_up');
    h.advance(30 * SEC - 1);
    expect(h.agent('u1001', 'q1')).toBe('wrap_up');
    h.advance(1);
    expect(h.agent('u1001', 'q1')).toBe('ready');
  });

  test('S4.2 with wrapUpSec 0 the agent goes straight back to ready after a queue call', () => {
    const h = callCentre({ wrapUpSec: 0 });
    readyIn(h, 'q1', 'u1001');
    arrive(h, 'c1');
    answer(h, 'u1001', 'c1');
    h.drain();

    hangUp(h, 'u1001', 'c1');

    expect(h.agent('u1001', 'q1')).toBe('ready');
    expect(
      h
        .drain()
        .filter((e) => e.type === 'agent.changed')
        .map((e) => (e.type === 'agent.changed' ? e.value.state : '')),
    ).toEqual(['ready']);
  });

  test('S4.2 ready during wrap-up ends it early', () => {
    const h = callCentre({ wrapUpSec: 30 });
    readyIn(h, 'q1', 'u1001');
    takeCall(h, 'u1001', 'c1');
    h.advance(5 * SEC);

    ready(h, 'u1001', 'q1');

    expect(h.agent('u1001', 'q1')).toBe('ready');
  });

  test('S4.2 not_ready during wrap-up keeps the wrap-up and makes it end in not_ready', () => {
    const h = callCentre({ wrapUpSec: 30 });
    readyIn(h, 'q1', 'u1001');
    takeCall(h, 'u1001', 'c1');

    h.ok(agentCmd('u1001', 'not_ready', 'q1', 'break'));
    expect(h.agent('u1001', 'q1')).toBe('wrap_up');
    h.advance(30 * SEC);

    expect(record(h, 'u1001', 'q1')).toMatchObject({ state: 'not_ready', reason: 'break' });
  });

  test('S4.2 an all-queues command applies to every queue the agent belongs to', () => {
    const h = callCentre();

    login(h, 'u1001');

    expect(h.agent('u1001', 'q1')).toBe('not_ready');
    expect(h.agent('u1001', 'q2')).toBe('not_ready');
  });

  test("S4.2 one queue's command touches only that queue", () => {
    const h = callCentre();
    login(h, 'u1001');

    ready(h, 'u1001', 'q2');

    expect(h.agent('u1001', 'q1')).toBe('not_ready');
    expect(h.agent('u1001', 'q2')).toBe('ready');
  });

  const refusals: [string, (h: Harness) => void, AgentCmd, string][] = [
    ['ready while logged_out', () => undefined, agentCmd('u1001', 'ready', 'q1'), 'SWB_ERR_AGENT_NOT_LOGGED_IN'],
    [
      'not_ready while logged_out',
      () => undefined,
      agentCmd('u1001', 'not_ready', 'q1', 'break'),
      'SWB_ERR_AGENT_NOT_LOGGED_IN',
    ],
    ['logout while logged_out', () => undefined, agentCmd('u1001', 'logout', 'q1'), 'SWB_ERR_AGENT_NOT_LOGGED_IN'],
    [
      'login while ready',
      (h) => readyIn(h, 'q1', 'u1001'),
      agentCmd('u1001', 'login', 'q1'),
      'SWB_ERR_AGENT_ALREADY_LOGGED_IN',
    ],
    [
      'login while not_ready',
      (h) => login(h, 'u1001', 'q1'),
      agentCmd('u1001', 'login', 'q1'),
      'SWB_ERR_AGENT_ALREADY_LOGGED_IN',
    ],
    [
      'ready during a queue call',
      (h) => {
        readyIn(h, 'q1', 'u1001');
        arrive(h, 'c1');
        answer(h, 'u1001', 'c1');
      },
      agentCmd('u1001', 'ready', 'q1'),
      'SWB_ERR_AGENT_ON_QUEUE_CALL',
    ],
    [
      'a command for a queue the user is no agent of',
      () => undefined,
      agentCmd('u1002', 'login', 'q2'),
      'SWB_ERR_AGENT_NOT_MEMBER',
    ],
    [
      'an all-queues command from a user who is no agent of any queue',
      () => undefined,
      agentCmd('u1004', 'login'),
      'SWB_ERR_AGENT_NO_QUEUES',
    ],
    [
      'an all-queues ready while logged out everywhere',
      () => undefined,
      agentCmd('u1001', 'ready'),
      'SWB_ERR_AGENT_NOT_LOGGED_IN',
    ],
  ];
  test.each(refusals)('S4.2 %s is refused with a code, state unchanged', (_label, given, command, code) => {
    const h = callCentre();
    given(h);
    const before = h.state().users.get(command.userId)!.agent;
    h.drain();

    const out = h.run(command);

    expect(out).toMatchObject({ ok: false, code });
    expect(h.state().users.get(command.userId)!.agent).toBe(before);
    expect(h.drain()).toEqual([]);
  });

  test('S4.2 not_ready during a queue call is kept for after the call (docs/rules.md decision)', () => {
    const h = callCentre({ wrapUpSec: 0 });
    readyIn(h, 'q1', 'u1001');
    arrive(h, 'c1');
    answer(h, 'u1001', 'c1');

    h.ok(agentCmd('u1001', 'not_ready', 'q1', 'break'));
    expect(h.agent('u1001', 'q1')).toBe('queue_call');

    hangUp(h, 'u1001', 'c1');
    expect(h.agent('u1001', 'q1')).toBe('not_ready');
    expect(h.state().users.get('u1001')!.agent.q1!.reason).toBe('break');
  });

  test('S4.2 no command sequence reaches an undefined state', () => {
    type Step =
      | { kind: 'agent'; action: AgentCmd['action']; queueId?: string; reason?: string }
      | { kind: 'otherCall'; on: boolean }
      | { kind: 'queueCall'; on: boolean }
      | { kind: 'wait'; sec: number };
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({
        kind: fc.constant('agent' as const),
        action: fc.constantFrom('login', 'logout', 'ready', 'not_ready') as fc.Arbitrary<AgentCmd['action']>,
        queueId: fc.constantFrom(undefined, 'q1', 'q2'),
        reason: fc.constantFrom(undefined, 'break', 'lunch'),
      }),
      fc.record({ kind: fc.constant('otherCall' as const), on: fc.boolean() }),
      fc.record({ kind: fc.constant('queueCall' as const), on: fc.boolean() }),
      fc.record({ kind: fc.constant('wait' as const), sec: fc.integer({ min: 1, max: 40 }) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const h = callCentre({ wrapUpSec: 20, agents: ['u1001'] });
        let calls = 0;
        let queueLeg: string | undefined;
        for (const s of steps) {
          const before = h.state().users.get('u1001')!.agent;
          if (s.kind === 'agent') {
            const out = h.run({ ...agentCmd('u1001', s.action, s.queueId, s.reason) });
            if (!out.ok) expect(h.state().users.get('u1001')!.agent).toBe(before);
          } else if (s.kind === 'otherCall') {
            h.ok({
              type: 'leg.update',
              userId: 'u1001',
              legId: 'private',
              direction: 'out',
              state: s.on ? 'answered' : 'ended',
            });
          } else if (s.kind === 'queueCall') {
            if (s.on && queueLeg === undefined) {
              queueLeg = `c${++calls}`;
              arrive(h, queueLeg);
              answer(h, 'u1001', queueLeg);
            } else if (!s.on && queueLeg !== undefined) {
              hangUp(h, 'u1001', queueLeg);
              queueLeg = undefined;
            }
          } else {
            h.advance(s.sec * SEC);
          }
          const user = h.state().users.get('u1001')!;
          const onOtherCall = user.legs.some((l) => l.id === 'private');
          const onQueueCall = user.legs.some((l) => l.acd && l.queueId === 'q1');
          for (const q of ['q1', 'q2']) {
            const rec = user.agent[q];
            const state = rec?.state ?? 'logged_out';
            expect(AGENT_STATES).toContain(state);
            // S4.1: queue_call is a call this queue distributed; other_call is any other call,
            // including a call of the agent's other queue.
            if (state === 'queue_call') expect(q === 'q1' && onQueueCall).toBe(true);
            if (state === 'other_call') expect(onOtherCall || (q !== 'q1' && onQueueCall)).toBe(true);
            if (state === 'ready' || state === 'not_ready') expect(onOtherCall || onQueueCall).toBe(false);
            if (state === 'wrap_up') expect(rec!.wrapUpUntil! > h.clock.now()).toBe(true);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('S4.3 distribution', () => {
  test('S4.3 a call is offered only to agents ready in that queue', () => {
    const h = callCentre({ strategy: 'ringAll' });
    login(h, 'u1001', 'q1');
    readyIn(h, 'q1', 'u1002');
    readyIn(h, 'q2', 'u1001');

    arrive(h, 'c1');

    expect(offeredTo(h, 'c1')).toEqual(['u1002']);
  });

  const cannotRing: [string, (h: Harness) => void][] = [
    ['in dnd', (h) => h.ok({ type: 'status.set', userId: 'u1001', status: 'dnd', by: self('u1001') })],
    ['in busy', (h) => h.ok({ type: 'status.set', userId: 'u1001', status: 'busy', by: self('u1001') })],
    ['absent', (h) => h.ok({ type: 'status.set', userId: 'u1001', status: 'absent', by: self('u1001') })],
    ['blocked', (h) => h.ok({ type: 'status.set', userId: 'u1001', status: 'blocked', by: admin('u1005') })],
    ['offline', (h) => h.ok({ type: 'registration.remove', userId: 'u1001', id: 'u1001-app' })],
    [
      'with no device',
      (h) => {
        h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
        h.ok({ type: 'registration.remove', userId: 'u1001', id: 'u1001-app' });
      },
    ],
    ['on another call', (h) => otherCall(h, 'u1001')],
  ];
  test.each(cannotRing)('S4.3 a ready agent %s is not offered the call', (_label, given) => {
    const h = callCentre({ strategy: 'ringAll' });
    readyIn(h, 'q1', 'u1001', 'u1002');
    given(h);

    arrive(h, 'c1');

    expect(offeredTo(h, 'c1')).toEqual(['u1002']);
  });

  test('S4.3 ringAll offers the call to every ready agent at once', async () => {
    const h = callCentre({ strategy: 'ringAll' });
    readyIn(h, 'q1', 'u1001', 'u1002', 'u1003');

    arrive(h, 'c1');
    await h.engine.settled();

    expect(h.directives).toEqual([
      { type: 'queue.offer', queueId: 'q1', callId: 'c1', userIds: ['u1001', 'u1002', 'u1003'], ringSec: 15 },
    ]);
  });

  test('S4.3 linear offers the call to the first ready agent in the queue order', () => {
    const h = callCentre({ strategy: 'linear', agents: ['u1003', 'u1001', 'u1002'] });
    readyIn(h, 'q1', 'u1001', 'u1002', 'u1003');

    arrive(h, 'c1');

    expect(offeredTo(h, 'c1')).toEqual(['u1003']);
  });

  test('S4.3 linear skips agents that are not ready', () => {
    const h = callCentre({ strategy: 'linear', agents: ['u1003', 'u1001', 'u1002'] });
    login(h, 'u1003', 'q1');
    readyIn(h, 'q1', 'u1001', 'u1002');

    arrive(h, 'c1');

    expect(offeredTo(h, 'c1')).toEqual(['u1001']);
  });

  test('S4.3 longestIdle offers the call to the agent whose last call ended longest ago', () => {
    const h = callCentre({ strategy: 'longestIdle' });
    readyIn(h, 'q1', 'u1001', 'u1002', 'u1003');
    // given: u1002 hung up first, then u1003, then u1001
    for (const id of ['u1002', 'u1003', 'u1001']) {
      otherCall(h, id, `p-${id}`);
      h.advance(5 * SEC);
      hangUp(h, id, `p-${id}`);
    }

    arrive(h, 'c1');

    expect(offeredTo(h, 'c1')).toEqual(['u1002']);
  });

  test('S4.3 roundRobin offers each new call to the agent after the one offered last', () => {
    const h = callCentre({ strategy: 'roundRobin' });
    readyIn(h, 'q1', 'u1001', 'u1002', 'u1003');

    const offered = ['c1', 'c2', 'c3', 'c4'].map((callId) => {
      arrive(h, callId);
      const to = offeredTo(h, callId);
      h.ok({ type: 'queue.call.abandon', queueId: 'q1', callId });
      return to;
    });

    expect(offered).toEqual([['u1001'], ['u1002'], ['u1003'], ['u1001']]);
  });

  test('S4.3 fewestCalls offers the call to the agent who took the fewest calls', () => {
    const h = callCentre({ strategy: 'fewestCalls' });
    readyIn(h, 'q1', 'u1001', 'u1002');
    // given: u1001 took two queue calls, u1002 one, and u1002's ended last
    takeCall(h, 'u1001', 'c1');
    takeCall(h, 'u1001', 'c2');
    takeCall(h, 'u1002', 'c3');
    expect([record(h, 'u1001', 'q1')?.callsToday, record(h, 'u1002', 'q1')?.callsToday]).toEqual([2, 1]);

    arrive(h, 'c4');

    expect(offeredTo(h, 'c4')).toEqual(['u1002']);
  });

  test('S4.3 an agent whose wrap-up ends is offered the caller who is waiting', () => {
    const h = callCentre({ wrapUpSec: 30 });
    readyIn(h, 'q1', 'u1001');
    takeCall(h, 'u1001', 'c1');
    arrive(h, 'c2');

    h.advance(30 * SEC);

    expect(offeredTo(h, 'c2')).toEqual(['u1001']);
  });

  test('S4.3 an agent rung for agentRingSec without answering goes to not_ready with reason missed', () => {
    const h = callCentre({ strategy: 'linear', agentRingSec: 15 });
    readyIn(h, 'q1', 'u1001', 'u1002');
    arrive(h, 'c1');
    expect(offeredTo(h, 'c1')).toEqual(['u1001']);

    h.advance(15 * SEC);

    expect(record(h, 'u1001', 'q1')).toMatchObject({ state: 'not_ready', reason: 'missed' });
  });

  test('S4.3 after agentRingSec without answer the call goes to the next agent', async () => {
    const h = callCentre({ strategy: 'linear', agentRingSec: 15 });
    readyIn(h, 'q1', 'u1001', 'u1002');
    arrive(h, 'c1');

    h.advance(15 * SEC);
    await h.engine.settled();

    expect(offeredTo(h, 'c1')).toEqual(['u1002']);
    expect(h.directives).toEqual([
      { type: 'queue.offer', queueId: 'q1', callId: 'c1', userIds: ['u1001'], ringSec: 15 },
      { type: 'queue.offerEnded', queueId: 'q1', callId: 'c1', userIds: ['u1001'] },
      { type: 'queue.offer', queueId: 'q1', callId: 'c1', userIds: ['u1002'], ringSec: 15 },
    ]);
  });

  test('S4.3 before agentRingSec has passed the agent is still being offered the call', () => {
    const h = callCentre({ strategy: 'linear' });
    readyIn(h, 'q1', 'u1001', 'u1002');
    arrive(h, 'c1');

    h.advance(15 * SEC - 1);

    expect(offeredTo(h, 'c1')).toEqual(['u1001']);
    expect(h.agent('u1001', 'q1')).toBe('ready');
  });

  test('S4.3 agentRingSec defaults to 15 seconds', async () => {
    const h = callCentre({ strategy: 'linear' });
    readyIn(h, 'q1', 'u1001');

    arrive(h, 'c1');
    await h.engine.settled();

    expect(h.directives).toEqual([
      { type: 'queue.offer', queueId: 'q1', callId: 'c1', userIds: ['u1001'], ringSec: 15 },
    ]);
  });

  test('S4.3 with missedToNotReady off a missed agent stays ready and the call goes to the next agent', () => {
    const h = callCentre({ strategy: 'linear', missedToNotReady: false });
    readyIn(h, 'q1', 'u1001', 'u1002');
    arrive(h, 'c1');

    h.advance(15 * SEC);

    expect(h.agent('u1001', 'q1')).toBe('ready');
    expect(offeredTo(h, 'c1')).toEqual(['u1002']);
  });
});

describe('S4.4 waiting callers', () => {
  test('S4.4 callers wait in arrival order and are told their position', () => {
    const h = callCentre();
    login(h, 'u1001', 'q1');

    const replies = ['c1', 'c2', 'c3'].map((id) => arrive(h, id));

    expect(replies).toEqual([
      { queued: true, position: 1 },
      { queued: true, position: 2 },
      { queued: true, position: 3 },
    ]);
    expect(
      h
        .state()
        .queues.get('q1')!
        .waiting.map((w) => w.callId),
    ).toEqual(['c1', 'c2', 'c3']);
  });

  test('S4.4 a VIP caller waits ahead of earlier callers', () => {
    const h = callCentre();
    login(h, 'u1001', 'q1');
    arrive(h, 'c1');
    arrive(h, 'c2');

    const reply = arrive(h, 'vip', { priority: 1 });

    expect(reply).toEqual({ queued: true, position: 1 });
    expect(waitingIds(h)).toEqual(['vip', 'c1', 'c2']);
  });

  test('S4.4 callers of the same priority keep their arrival order behind higher priorities', () => {
    const h = callCentre();
    login(h, 'u1001', 'q1');
    arrive(h, 'c1');
    arrive(h, 'vip1', { priority: 1 });
    arrive(h, 'c2');
    arrive(h, 'vip2', { priority: 1 });

    expect(waitingIds(h)).toEqual(['vip1', 'vip2', 'c1', 'c2']);
  });

  test('S4.4 the caller who has waited longest is offered first when an agent becomes ready', () => {
    const h = callCentre();
    login(h, 'u1001', 'q1');
    arrive(h, 'c1');
    arrive(h, 'c2');

    ready(h, 'u1001', 'q1');

    expect(offeredTo(h, 'c1')).toEqual(['u1001']);
    expect(offeredTo(h, 'c2')).toEqual([]);
  });

  test('S4.4 a VIP caller is offered before earlier callers', () => {
    const h = callCentre();
    login(h, 'u1001', 'q1');
    arrive(h, 'c1');
    arrive(h, 'vip', { priority: 1 });

    ready(h, 'u1001', 'q1');

    expect(offeredTo(h, 'vip')).toEqual(['u1001']);
    expect(offeredTo(h, 'c1')).toEqual([]);
  });

  test('S4.4 a caller moves up when a caller ahead leaves', () => {
    const h = callCentre();
    login(h, 'u1001', 'q1');
    arrive(h, 'c1');
    arrive(h, 'c2');
    h.drain();

    h.ok({ type: 'queue.call.abandon', queueId: 'q1', callId: 'c1' });

    const changed = h.drain().filter((e) => e.type === 'queue.changed');
    expect(changed).toMatchObject([{ subject: 'q1', value: { waiting: [{ callId: 'c2', position: 1 }] } }]);
  });

  test("S4.4 a caller waiting maxWaitSec gets the queue's overflow action", async () => {
    const overflowAction: AnsweringAction = { type: 'redirect', target: { kind: 'user', id: 'u1005' } };
    const h = callCentre({ maxWaitSec: 60, overflowAction });
    login(h, 'u1001', 'q1');
    arrive(h, 'c1');

    h.advance(60 * SEC);
    await h.engine.settled();

    expect(h.directives).toEqual([
      { type: 'queue.action', queueId: 'q1', callId: 'c1', reason: 'overflow', action: overflowAction },
    ]);
    expect(waitingIds(h)).toEqual([]);
    expect(h.state().queues.get('q1')!.overflowedToday).toBe(1);
  });

  test('S4.4 a caller who has waited less than maxWaitSec keeps waiting', async () => {
    const h = callCentre({ maxWaitSec: 60 });
    login(h, 'u1001', 'q1');
    arrive(h, 'c1');

    h.advance(60 * SEC - 1);
    await h.engine.settled();

    expect(h.directives).toEqual([]);
    expect(waitingIds(h)).toEqual(['c1']);
  });

  test('S4.4 a queue at maxCallers gives a new caller its busy action', async () => {
    const busyAction: AnsweringAction = { type: 'message', prompt: 'all-busy' };
    const h = callCentre({ maxCallers: 2, busyAction });
    login(h, 'u1001', 'q1');
    arrive(h, 'c1');
    arrive(h, 'c2');

    const reply = arrive(h, 'c3');
    await h.engine.settled();

    expect(reply).toEqual({ queued: false, reason: 'busy', action: busyAction });
    expect(h.directives).toEqual([
      { type: 'queue.action', queueId: 'q1', callId: 'c3', reason: 'busy', action: busyAction },
    ]);
    expect(waitingIds(h)).toEqual(['c1', 'c2']);
  });

  test('S4.4 routing a call to a queue at maxCallers decides its busy action', () => {
    const busyAction: AnsweringAction = { type: 'message', prompt: 'all-busy' };
    const h = callCentre({ maxCallers: 1, busyAction });
    login(h, 'u1001', 'q1');
    arrive(h, 'c1');

    const out = route(
      h.state(),
      { callId: 'c2', from: { external: '+15550100' }, to: { kind: 'queue', id: 'q1' } },
      h.clock.now(),
    );

    expect(out).toMatchObject({
      ok: true,
      decision: { outcome: 'action', action: { condition: 'busy', action: busyAction } },
    });
    expect((out as { decision: Decision }).decision.explanation.map((e) => e.rule)).toEqual(['S4.4']);
  });

  test('S4.4 with joinEmpty off and no agent logged in a caller gets the overflow action at once', async () => {
    const overflowAction: AnsweringAction = { type: 'voicemail' };
    const h = callCentre({ joinEmpty: false, overflowAction });

    const reply = arrive(h, 'c1');
    await h.engine.settled();

    expect(reply).toMatchObject({ queued: false, action: overflowAction });
    expect(h.directives).toEqual([
      { type: 'queue.action', queueId: 'q1', callId: 'c1', reason: 'empty', action: overflowAction },
    ]);
    expect(waitingIds(h)).toEqual([]);
  });

  test('S4.4 with joinEmpty off and an agent logged in (not ready) the caller waits', () => {
    const h = callCentre({ joinEmpty: false });
    login(h, 'u1001', 'q1');

    expect(arrive(h, 'c1')).toEqual({ queued: true, position: 1 });
  });

  test('S4.4 with joinEmpty on and no agent logged in the caller waits', () => {
    const h = callCentre({ joinEmpty: true });

    expect(arrive(h, 'c1')).toEqual({ queued: true, position: 1 });
  });

  test('S4.4 routing a call to a queue with joinEmpty off and no agent logged in decides the overflow action', () => {
    const overflowAction: AnsweringAction = { type: 'external', number: '+15550999' };
    const h = callCentre({ joinEmpty: false, overflowAction });

    const out = route(h.state(), { callId: 'c1', to: { kind: 'extension', extension: '501' } }, h.clock.now());

    expect(out).toMatchObject({
      ok: true,
      decision: { outcome: 'action', target: { kind: 'queue', id: 'q1' }, action: { action: overflowAction } },
    });
  });
});

describe('S4.5 feature access codes', () => {
  const dial = (h: Harness, digits: string, userId = 'u1001') => h.run({ type: 'fac.dial', userId, digits });

  test('S4.5 *38 logs the agent in to all their queues', () => {
    const h = callCentre();

    expect(dial(h, '*38')).toMatchObject({ ok: true });

    expect([h.agent('u1001', 'q1'), h.agent('u1001', 'q2')]).toEqual(['not_ready', 'not_ready']);
  });

  test('S4.5 *38<queue> logs the agent in to that queue only', () => {
    const h = callCentre();

    dial(h, '*38501');

    expect([h.agent('u1001', 'q1'), h.agent('u1001', 'q2')]).toEqual(['not_ready', 'logged_out']);
  });

  test('S4.5 *36 makes the agent ready in all queues', () => {
    const h = callCentre();
    login(h, 'u1001');

    dial(h, '*36');

    expect([h.agent('u1001', 'q1'), h.agent('u1001', 'q2')]).toEqual(['ready', 'ready']);
  });

  test('S4.5 *36<queue> makes the agent ready in that queue only', () => {
    const h = callCentre();
    login(h, 'u1001');

    dial(h, '*36502');

    expect([h.agent('u1001', 'q1'), h.agent('u1001', 'q2')]).toEqual(['not_ready', 'ready']);
  });

  test('S4.5 *37 makes the agent not ready in all queues', () => {
    const h = callCentre();
    readyIn(h, 'q1', 'u1001');
    readyIn(h, 'q2', 'u1001');

    dial(h, '*37');

    expect([h.agent('u1001', 'q1'), h.agent('u1001', 'q2')]).toEqual(['not_ready', 'not_ready']);
  });

  test('S4.5 *37<queue> makes the agent not ready in that queue only', () => {
    const h = callCentre();
    readyIn(h, 'q1', 'u1001');
    readyIn(h, 'q2', 'u1001');

    dial(h, '*37501');

    expect([h.agent('u1001', 'q1'), h.agent('u1001', 'q2')]).toEqual(['not_ready', 'ready']);
  });

  test('S4.5 *39 logs the agent out of all queues', () => {
    const h = callCentre();
    login(h, 'u1001');

    dial(h, '*39');

    expect([h.agent('u1001', 'q1'), h.agent('u1001', 'q2')]).toEqual(['logged_out', 'logged_out']);
  });

  test('S4.5 *39<queue> logs the agent out of that queue only', () => {
    const h = callCentre();
    login(h, 'u1001');

    dial(h, '*39502');

    expect([h.agent('u1001', 'q1'), h.agent('u1001', 'q2')]).toEqual(['not_ready', 'logged_out']);
  });

  test('S4.5 an agent change made by a feature code records the cause fac', () => {
    const h = callCentre();

    dial(h, '*38501');

    expect(h.drain().filter((e) => e.type === 'agent.changed')).toMatchObject([
      { subject: 'u1001', queueId: 'q1', cause: 'fac', value: { state: 'not_ready' } },
    ]);
  });

  test('S4.5 *78 turns DND on', () => {
    const h = callCentre();

    dial(h, '*78');

    expect(h.status('u1001')).toBe('dnd');
    expect(h.presence('u1001').manual).toMatchObject({ status: 'dnd', setBy: 'fac' });
  });

  test('S4.5 *79 turns DND off', () => {
    const h = callCentre();
    dial(h, '*78');

    dial(h, '*79');

    expect(h.status('u1001')).toBe('online');
    expect(h.presence('u1001').manual).toBeUndefined();
  });

  test('S4.5 *72<number> turns forwarding on to that number', () => {
    const h = callCentre();
    h.ok({
      type: 'user.upsert',
      user: { id: 'u1001', extension: '1001', name: 'User 1001', settings: { forwardingAllowed: true } },
    });

    dial(h, '*72+15550123');

    expect(h.status('u1001')).toBe('forwarding');
    expect(h.presence('u1001').manual).toMatchObject({ status: 'forwarding', forwardTo: '+15550123', setBy: 'fac' });
  });

  test('S4.5 *73 turns forwarding off', () => {
    const h = callCentre();
    h.ok({
      type: 'user.upsert',
      user: { id: 'u1001', extension: '1001', name: 'User 1001', settings: { forwardingAllowed: true } },
    });
    dial(h, '*721002');

    dial(h, '*73');

    expect(h.status('u1001')).toBe('online');
  });

  test('S4.5 *72<number> is refused for a user whose forwardingAllowed is off', () => {
    const h = callCentre();

    expect(dial(h, '*72+15550123')).toMatchObject({ ok: false, code: 'SWB_ERR_FORWARDING_NOT_ALLOWED' });
    expect(h.status('u1001')).toBe('online');
  });

  test.each(['*99', '*3', '*', '36', '*36abc', '*781', '*73 1', '*72'])(
    'S4.5 the unknown code %j is refused with SWB_ERR_FAC_UNKNOWN and changes nothing',
    (digits) => {
      const h = callCentre();

      expect(dial(h, digits)).toMatchObject({ ok: false, code: 'SWB_ERR_FAC_UNKNOWN' });
      expect(h.drain()).toEqual([]);
    },
  );

  test('S4.5 a queue the user is not an agent of is refused with SWB_ERR_AGENT_NOT_MEMBER', () => {
    const h = callCentre();

    expect(dial(h, '*38502', 'u1002')).toMatchObject({ ok: false, code: 'SWB_ERR_AGENT_NOT_MEMBER' });
    expect(h.agent('u1002', 'q2')).toBe('logged_out');
    expect(h.drain()).toEqual([]);
  });

  test('S4.5 a queue that does not exist is refused with SWB_ERR_AGENT_NOT_MEMBER', () => {
    const h = callCentre();

    expect(dial(h, '*38599')).toMatchObject({ ok: false, code: 'SWB_ERR_AGENT_NOT_MEMBER' });
    expect(h.drain()).toEqual([]);
  });
});

describe('S4.3 distribution and the missed transition as tables', () => {
  test('S4.3 every strategy row of the table offers a call to every ready agent at once only when it says so, for a waiting call and for POST /route alike', () => {
    const strategies = Object.keys(QUEUE_STRATEGIES) as QueueStrategy[];
    expect([...strategies].sort()).toEqual(['fewestCalls', 'linear', 'longestIdle', 'ringAll', 'roundRobin']);
    for (const strategy of strategies) {
      const h = callCentre({ strategy });
      readyIn(h, 'q1', 'u1001', 'u1002', 'u1003');
      const routed = route(
        h.state(),
        { callId: 'r1', from: { external: '+15550100' }, to: { kind: 'queue', id: 'q1' } },
        h.clock.now(),
      );

      arrive(h, 'c1');

      const count = QUEUE_STRATEGIES[strategy].offersAll ? 3 : 1;
      expect({ strategy, offered: offeredTo(h, 'c1')?.length }).toEqual({ strategy, offered: count });
      expect({
        strategy,
        offered: routed.ok && routed.decision.outcome === 'queue' ? routed.decision.offerTo.length : -1,
      }).toEqual({ strategy, offered: count });
    }
  });

  test('S4.2 S4.3 missed: the agent machine takes a ready agent to not_ready (missed) from now on, keeping the day counters', () => {
    const rec: AgentRecord = { state: 'ready', since: 1000, callsToday: 4, lastCallEndedAt: 500 };

    const out = agentTransition(rec, { type: 'missed' }, { autoReady: true, wrapUpSec: 0 }, 9000);

    expect(out).toEqual({
      ok: true,
      record: { state: 'not_ready', reason: 'missed', since: 9000, callsToday: 4, lastCallEndedAt: 500 },
    });
  });

  test('S4.2 S4.3 missed changes nothing for an agent no longer ready: one who chose a break while the offer rang keeps it', () => {
    const h = callCentre({ strategy: 'linear', agentRingSec: 15 });
    readyIn(h, 'q1', 'u1001', 'u1002');
    arrive(h, 'c1');
    expect(offeredTo(h, 'c1')).toEqual(['u1001']);
    h.ok(agentCmd('u1001', 'not_ready', 'q1', 'break'));
    const before = record(h, 'u1001', 'q1');

    h.advance(15 * SEC);

    expect(record(h, 'u1001', 'q1')).toEqual(before);
    expect(before).toMatchObject({ state: 'not_ready', reason: 'break' });
    expect(offeredTo(h, 'c1')).toEqual(['u1002']);
  });
});
