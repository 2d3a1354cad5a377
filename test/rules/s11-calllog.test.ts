// S11.1 Call log, in the core: which steps each call command records (in its patch, so the store
// writes them in the commit), the outcome table, `call.ended`, retention policy and who sees what.
import { describe, expect, test } from 'vitest';
import {
  CALL_OUTCOMES,
  CALL_VISIBILITY,
  DEFAULT_POLICY,
  OUTCOME_RULES,
  apply,
  callLogDays,
  callOutcome,
  callScope,
  seesCall,
} from '../../src/core/index.js';
import type { CallRecord, CallStep, Command, TenantState } from '../../src/core/index.js';
import { T0, tenant, users } from '../support/tenant.js';

function setUp() {
  const h = tenant({
    users: users(4),
    queues: [{ id: 'q1', name: 'Sales', extension: '501', agents: ['u1003'], supervisors: ['u1004'] }],
  });
  h.ok({ type: 'registration.set', userId: 'u1002', id: 'd2', kind: 'terminal', expiresAt: T0 + 3600_000 });
  return h;
}

/** The call-log steps a command would record now (without applying it). */
function steps(state: TenantState, c: Command): readonly CallStep[] {
  const out = apply(state, c, T0);
  if (!out.ok) throw new Error(out.code);
  return out.patch.calls ?? [];
}

describe('S11.1 call log steps', () => {
  test('S11.1 a routed call records its decision as taken, with the caller, target and whoever it rings', () => {
    const h = setUp();
    const route: Command = {
      type: 'call.route',
      call: { callId: 'c1', from: { userId: 'u1001' }, to: { kind: 'extension', extension: '1002' } },
    };
    const [step] = steps(h.state(), route);
    expect(step).toMatchObject({ kind: 'route', callId: 'c1', at: T0, from: { userId: 'u1001' } });
    if (step?.kind !== 'route') throw new Error('no route step');
    expect(step.decision).toEqual(h.ok(route).reply);
    expect(new Set(step.parties)).toEqual(new Set(['u1001', 'u1002']));
    // A call with no Call-ID (POST /route, a what-if) is never logged.
    expect(steps(h.state(), { type: 'call.route', call: { to: { kind: 'user', id: 'u1002' } } })).toEqual([]);
  });

  test('S11.1 a call to a queue is logged with the queue, so its supervisor sees it', () => {
    const h = setUp();
    const [step] = steps(h.state(), {
      type: 'call.route',
      call: { callId: 'cq', from: { external: '+4930' }, to: { kind: 'extension', extension: '501' } },
    });
    expect(step).toMatchObject({ kind: 'route', queueId: 'q1', from: { external: '+4930' } });
  });

  test('S11.1 an incoming leg of a call is offered once when it rings, answered once when answered', () => {
    const h = setUp();
    const leg = { type: 'leg.update', userId: 'u1002', legId: 'c1;in', direction: 'in', callId: 'c1' } as const;
    expect(steps(h.state(), { ...leg, state: 'ringing' })).toEqual([
      { kind: 'offer', callId: 'c1', at: T0, userId: 'u1002' },
    ]);
    h.ok({ ...leg, state: 'ringing' });
    expect(steps(h.state(), { ...leg, state: 'early' })).toEqual([]);
    expect(steps(h.state(), { ...leg, state: 'answered' })).toEqual([
      { kind: 'answer', callId: 'c1', at: T0, userId: 'u1002' },
    ]);
    // The caller's own outgoing leg, and a leg of no known call, record nothing.
    expect(steps(h.state(), { ...leg, userId: 'u1001', legId: 'c1;out', direction: 'out', state: 'ringing' })).toEqual(
      [],
    );
    const { callId: _c, ...noCall } = leg;
    expect(steps(h.state(), { ...noCall, legId: 'x', state: 'ringing' })).toEqual([]);
  });

  test('S11.1 call.end records the outcome and emits one call.ended event', () => {
    const h = setUp();
    h.drain();
    const out = h.ok({
      type: 'call.end',
      callId: 'c1',
      from: { userId: 'u1001' },
      target: { kind: 'user', id: 'u1002' },
      ending: { cancelled: true, rang: true },
    });
    expect(out.events).toHaveLength(1);
    expect(out.events[0]).toMatchObject({
      type: 'call.ended',
      subject: 'u1002',
      cause: 'sip',
      value: { callId: 'c1', outcome: 'missed', from: { userId: 'u1001' } },
    });
    expect(steps(h.state(), { type: 'call.end', callId: 'c2', outcome: 'voicemail', by: { kind: 'pbx' } })).toEqual([
      { kind: 'end', callId: 'c2', at: T0, outcome: 'voicemail' },
    ]);
  });
});

describe('S11.1 outcomes as a table', () => {
  test.each([
    [{ answeredBy: 'u1' }, 'answered'],
    [{ cancelled: true, rang: true }, 'missed'],
    [{ cancelled: true, rang: false }, 'cancelled'],
    [{ action: { condition: 'overflow', type: 'voicemail' } }, 'overflow'],
    [{ action: { condition: 'dnd', type: 'voicemail' } }, 'voicemail'],
    [{ action: { condition: 'noAnswer', type: 'reject' } }, 'missed'],
    [{ action: { condition: 'busy', type: 'busyTone' } }, 'busy'],
    [{ action: { condition: 'dnd', type: 'reject' } }, 'busy'],
    [{ action: { condition: 'unreachable', type: 'reject' } }, 'unreachable'],
    [{ rang: false }, 'unreachable'],
  ] as const)('S11.1 %j ends %s', (ending, outcome) => {
    expect(callOutcome(ending)).toBe(outcome);
  });

  test('S11.1 every outcome is some row of the table, and the last row matches anything', () => {
    expect(new Set(OUTCOME_RULES.map((r) => r.outcome))).toEqual(new Set(CALL_OUTCOMES));
    expect(OUTCOME_RULES.at(-1)!.when({})).toBe(true);
  });
});

describe('S11.1 retention and visibility', () => {
  test('S11.1 the call log keeps 90 days unless the tenant says otherwise; a bad value is refused', () => {
    expect(callLogDays(DEFAULT_POLICY)).toBe(90);
    const h = setUp();
    h.ok({ type: 'tenant.policy', policy: { callLogDays: 30 } });
    expect(callLogDays(h.state().policy)).toBe(30);
    const bad = h.run({ type: 'tenant.policy', policy: { callLogDays: 0 } });
    expect(bad.ok).toBe(false);
    expect(callLogDays(h.state().policy)).toBe(30);
  });

  test('S11.1 a user sees their own calls, a supervisor also their queues, an admin all', () => {
    const h = setUp();
    const state = h.state();
    const call = (parties: string[], queueId?: string): CallRecord => ({
      id: 'c',
      startedAt: T0,
      to: { kind: 'user', id: 'u1002' },
      decisions: [],
      offers: [],
      parties,
      ...(queueId !== undefined ? { queueId } : {}),
    });
    const mine = call(['u1001', 'u1002']);
    const queued = call(['u1003'], 'q1');
    const sees = (viewer: Parameters<typeof callScope>[0], c: CallRecord) => seesCall(callScope(viewer, state), c);
    expect(sees({ role: 'user', userId: 'u1001' }, mine)).toBe(true);
    expect(sees({ role: 'user', userId: 'u1001' }, queued)).toBe(false);
    expect(sees({ role: 'supervisor', userId: 'u1004' }, queued)).toBe(true);
    expect(sees({ role: 'supervisor', userId: 'u1004' }, mine)).toBe(false);
    expect(sees({ role: 'admin', userId: 'u1001' }, queued)).toBe(true);
    expect(sees({ role: 'user' }, mine)).toBe(false);
    expect(CALL_VISIBILITY.map((r) => r.rule)).toEqual(['S11.1#admin', 'S11.1#supervisor', 'S11.1#user']);
  });
});
