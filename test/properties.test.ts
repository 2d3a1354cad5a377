// Property tests (fast-check): invariants of SPEC S1–S6 that must hold over any input, not just
// the examples of test/rules/. Each property is named for the rule ids it proves. Everything runs
// on the harness's manual clock; the pure core is called directly where a property is about a
// pure function (the agent machine, routing).
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { WakeQueue } from '../src/engine/wakes.js';
import { stillSettled } from '../src/core/facts.js';
import { LeaseTable } from '../src/engine/leases.js';
import { newUser } from '../src/core/state.js';
import { DEFAULT_POLICY } from '../src/core/defaults.js';
import {
  AUTOMATIC_STATUSES,
  ERRORS,
  LOGGED_OUT,
  MANUAL_STATUSES,
  agentTransition,
  presenceChanged,
  presenceRecord,
  route,
} from '../src/core/index.js';
import type {
  Actor,
  AgentAction,
  AgentInput,
  AgentRecord,
  AgentStateId,
  AnsweringAction,
  AnsweringCondition,
  CallRequest,
  Command,
  Decision,
  DeviceKind,
  EffectiveStatusId,
  GroupStrategy,
  Instant,
  LegState,
  ManualStatusId,
  RouteTarget,
  TenantPolicy,
  TenantState,
  UserState,
} from '../src/core/index.js';
import type { EngineEvent, Outcome } from '../src/engine/index.js';
import type { Harness } from './support/tenant.js';
import { admin, SEC, self, T0, tenant } from './support/tenant.js';

const RUNS = { numRuns: 200 };

const AGENT_STATES: readonly AgentStateId[] = [
  'logged_out',
  'not_ready',
  'ready',
  'queue_call',
  'other_call',
  'wrap_up',
];
/** S3.1 rows 1–5 and S3.3: statuses whose owner is never rung. */
const NEVER_RUNG: readonly EffectiveStatusId[] = ['dnd', 'busy', 'blocked', 'absent', 'offline', 'forwarding'];
const ERROR_CODES: ReadonlySet<string> = new Set(Object.keys(ERRORS));

type LiveLegState = Exclude<LegState, 'ended'>;
const kindArb = fc.constantFrom<DeviceKind>('app', 'terminal', 'pbx');
const directionArb = fc.constantFrom<'in' | 'out'>('in', 'out');
const liveLegStateArb = fc.constantFrom<LiveLegState>('ringing', 'early', 'answered', 'held');
const legStateArb = fc.constantFrom<LegState>('ringing', 'early', 'answered', 'held', 'ended');
const textArb = fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim() !== '');

// ---------------------------------------------------------------------------------------------
// A model of S2.3, written from the spec's table, to compare the core against.

interface ModelFacts {
  readonly manual?: ManualStatusId;
  readonly app: number;
  readonly terminal: number;
  readonly pbx: number;
  readonly sessions: number;
  readonly onCall: boolean;
  readonly idle: boolean;
  readonly statusIndependentOfLogin: boolean;
}

function modelStatus(f: ModelFacts): EffectiveStatusId {
  const m = f.manual;
  if (m === 'blocked' || m === 'forwarding' || m === 'absent') return m;
  if (!f.statusIndependentOfLogin && f.app + f.terminal + f.pbx + f.sessions === 0) return 'offline';
  if (m === 'dnd' || m === 'busy') return m;
  if (f.onCall) return 'on_call';
  if (m === 'at_desk' || m === 'away' || m === 'custom') return m;
  if (f.pbx > 0 && f.app === 0 && f.terminal === 0 && f.sessions === 0) return 'available_on_pbx';
  if (f.idle) return 'idle';
  return 'online';
}

/** S1.2 from the spec's words: answered or held, or an outgoing leg ringing or early. */
function modelOnCall(legs: readonly { direction: 'in' | 'out'; state: LegState }[]): boolean {
  return legs.some(
    (l) => l.state === 'answered' || l.state === 'held' || (l.direction === 'out' && l.state !== 'ended'),
  );
}

function modelRinging(legs: readonly { direction: 'in' | 'out'; state: LegState }[]): boolean {
  return legs.some((l) => l.direction === 'in' && (l.state === 'ringing' || l.state === 'early'));
}

/** The S2.3 model over a user's stored facts as of `at` (leases that ran out no longer count). */
function modelStatusOf(user: UserState, policy: TenantPolicy, at: Instant): EffectiveStatusId {
  const live = user.registrations.filter((r) => r.expiresAt > at);
  const sessions = user.sessions.filter((s) => s.lastSeenAt + policy.sessionTimeoutSec * SEC > at);
  const legs = user.legs.filter((l) => l.updatedAt + policy.maxCallSec * SEC > at);
  const manual =
    user.manual !== undefined && (user.manual.until === undefined || at < user.manual.until)
      ? user.manual.status
      : undefined;
  const lastActive = sessions.length === 0 ? undefined : Math.max(...sessions.map((s) => s.lastActiveAt));
  const idle =
    lastActive !== undefined &&
    !live.some((r) => r.kind === 'terminal') &&
    at >= lastActive + policy.idleAfterSec * SEC;
  return modelStatus({
    ...(manual !== undefined ? { manual } : {}),
    app: live.filter((r) => r.kind === 'app').length,
    terminal: live.filter((r) => r.kind === 'terminal').length,
    pbx: live.filter((r) => r.kind === 'pbx').length,
    sessions: sessions.length,
    onCall: modelOnCall(legs),
    idle,
    statusIndependentOfLogin: policy.statusIndependentOfLogin,
  });
}

// ---------------------------------------------------------------------------------------------
// S1/S2.3: the facts of one user, as independent histories (one per registration, leg, session,
// and one for the manual status), and any interleaving of them.

type FactOp =
  | {
      readonly fact: 'reg';
      readonly id: string;
      readonly op: 'set';
      readonly kind: DeviceKind;
      readonly forSec: number;
    }
  | { readonly fact: 'reg'; readonly id: string; readonly op: 'remove' }
  | { readonly fact: 'leg'; readonly id: string; readonly direction: 'in' | 'out'; readonly state: LegState }
  | {
      readonly fact: 'session';
      readonly id: string;
      readonly op: 'start' | 'heartbeat' | 'end';
      readonly active: boolean;
    }
  | {
      readonly fact: 'manual';
      readonly op: 'set';
      readonly status: ManualStatusId;
      readonly text?: string;
      readonly untilSec?: number;
    }
  | { readonly fact: 'manual'; readonly op: 'clear' };

const U = 'u1001';
const FORWARD_TO = '5550100';

const manualSetArb = fc
  .record({
    status: fc.constantFrom(...MANUAL_STATUSES),
    text: fc.option(textArb, { nil: undefined }),
    untilSec: fc.option(fc.integer({ min: 1, max: 86_400 }), { nil: undefined }),
  })
  .map(({ status, text, untilSec }): FactOp => ({
    fact: 'manual',
    op: 'set',
    status,
    // S2.1: custom needs a text.
    ...(text !== undefined ? { text } : status === 'custom' ? { text: 'Back at 3' } : {}),
    ...(untilSec !== undefined ? { untilSec } : {}),
  }));

const regSetArb = (id: string) =>
  fc
    .record({ kind: kindArb, forSec: fc.integer({ min: 1, max: 3600 }) })
    .map(({ kind, forSec }): FactOp => ({ fact: 'reg', id, op: 'set', kind, forSec }));
const regOpArb = (id: string) => fc.oneof(regSetArb(id), fc.constant<FactOp>({ fact: 'reg', id, op: 'remove' }));
const legOpArb = (id: string, states: fc.Arbitrary<LegState>) =>
  fc
    .record({ direction: directionArb, state: states })
    .map(({ direction, state }): FactOp => ({ fact: 'leg', id, direction, state }));
const sessionOpArb = (id: string) =>
  fc
    .record({ op: fc.constantFrom<'start' | 'heartbeat' | 'end'>('start', 'heartbeat', 'end'), active: fc.boolean() })
    .map(({ op, active }): FactOp => ({ fact: 'session', id, op, active }));

const chainsOf = <T>(n: { min: number; max: number }, chain: (id: number) => fc.Arbitrary<T[]>) =>
  fc.integer(n).chain((count) => fc.tuple(...Array.from({ length: count }, (_, i) => chain(i))));

/** Only facts that set something: registrations, live legs, app sessions and one manual status. */
const factSetArb: fc.Arbitrary<FactOp[][]> = fc
  .tuple(
    chainsOf({ min: 0, max: 3 }, (i) => regSetArb(`r${i}`).map((op) => [op])),
    chainsOf({ min: 0, max: 3 }, (i) => legOpArb(`l${i}`, liveLegStateArb).map((op) => [op])),
    chainsOf({ min: 0, max: 2 }, (i) =>
      fc.constant<FactOp[]>([{ fact: 'session', id: `s${i}`, op: 'start', active: true }]),
    ),
    fc.option(
      manualSetArb.map((op) => [op]),
      { nil: undefined },
    ),
  )
  .map(([regs, legs, sessions, manual]) => [...regs, ...legs, ...sessions, ...(manual ? [manual] : [])]);

/** Histories: each registration, leg and session goes through 1–3 steps; the manual status 0–3. */
const factHistoryArb: fc.Arbitrary<FactOp[][]> = fc
  .tuple(
    chainsOf({ min: 0, max: 3 }, (i) => fc.array(regOpArb(`r${i}`), { minLength: 1, maxLength: 3 })),
    chainsOf({ min: 0, max: 3 }, (i) => fc.array(legOpArb(`l${i}`, legStateArb), { minLength: 1, maxLength: 3 })),
    chainsOf({ min: 0, max: 2 }, (i) => fc.array(sessionOpArb(`s${i}`), { minLength: 1, maxLength: 3 })),
    fc.array(fc.oneof(manualSetArb, fc.constant<FactOp>({ fact: 'manual', op: 'clear' })), { maxLength: 3 }),
  )
  .map(([regs, legs, sessions, manual]) => [...regs, ...legs, ...sessions, ...(manual.length > 0 ? [manual] : [])]);

/** One interleaving of the chains, keeping each chain's own order; `seeds` pick the next chain. */
function interleave<T>(chains: readonly (readonly T[])[], seeds: readonly number[]): T[] {
  const cursor = chains.map(() => 0);
  const out: T[] = [];
  for (let i = 0; ; i++) {
    const open = chains.flatMap((c, k) => (cursor[k]! < c.length ? [k] : []));
    if (open.length === 0) return out;
    const k = open[(seeds.length === 0 ? 0 : seeds[i % seeds.length]!) % open.length]!;
    out.push(chains[k]![cursor[k]!++]!);
  }
}

function factCommand(op: FactOp, now: Instant): Command {
  switch (op.fact) {
    case 'reg':
      return op.op === 'set'
        ? { type: 'registration.set', userId: U, id: op.id, kind: op.kind, expiresAt: now + op.forSec * SEC }
        : { type: 'registration.remove', userId: U, id: op.id };
    case 'leg':
      return { type: 'leg.update', userId: U, legId: op.id, direction: op.direction, state: op.state };
    case 'session':
      return op.op === 'heartbeat'
        ? { type: 'session.heartbeat', userId: U, sessionId: op.id, active: op.active }
        : { type: op.op === 'start' ? 'session.start' : 'session.end', userId: U, sessionId: op.id };
    case 'manual':
      if (op.op === 'clear') return { type: 'status.clear', userId: U, by: self(U) };
      return {
        type: 'status.set',
        userId: U,
        status: op.status,
        by: self(U),
        ...(op.text !== undefined ? { text: op.text } : {}),
        ...(op.untilSec !== undefined ? { until: now + op.untilSec * SEC } : {}),
        ...(op.status === 'forwarding' ? { forwardTo: FORWARD_TO } : {}),
      };
  }
}

/** The final facts of the histories, folded chain by chain (chains are independent). */
function finalFacts(chains: readonly (readonly FactOp[])[], statusIndependentOfLogin: boolean) {
  const regs = new Map<string, DeviceKind>();
  const legs = new Map<string, { direction: 'in' | 'out'; state: LegState }>();
  const sessions = new Set<string>();
  let manual: ManualStatusId | undefined;
  for (const op of chains.flat()) {
    if (op.fact === 'reg') {
      if (op.op === 'set') regs.set(op.id, op.kind);
      else regs.delete(op.id);
    } else if (op.fact === 'leg') {
      if (op.state === 'ended') legs.delete(op.id);
      else legs.set(op.id, { direction: op.direction, state: op.state });
    } else if (op.fact === 'session') {
      if (op.op === 'start') sessions.add(op.id);
      if (op.op === 'end') sessions.delete(op.id);
    } else {
      // S2.1: setting available clears any manual status.
      manual = op.op === 'clear' || op.status === 'available' ? undefined : op.status;
    }
  }
  const kinds = [...regs.values()];
  const facts: ModelFacts = {
    ...(manual !== undefined ? { manual } : {}),
    app: kinds.filter((k) => k === 'app').length,
    terminal: kinds.filter((k) => k === 'terminal').length,
    pbx: kinds.filter((k) => k === 'pbx').length,
    sessions: sessions.size,
    onCall: modelOnCall([...legs.values()]),
    idle: false, // everything happens at one instant: nobody has been inactive for idleAfterSec
    statusIndependentOfLogin,
  };
  return {
    facts,
    ringing: modelRinging([...legs.values()]),
    devices: { app: facts.app, terminal: facts.terminal, pbx: facts.pbx },
  };
}

function oneUser(statusIndependentOfLogin: boolean): Harness {
  return tenant({
    policy: { statusIndependentOfLogin },
    users: [{ id: U, extension: '1001', name: 'User 1001', settings: { forwardingAllowed: true } }],
  });
}

function playFacts(ops: readonly FactOp[], statusIndependentOfLogin: boolean): Harness {
  const h = oneUser(statusIndependentOfLogin);
  for (const op of ops) h.run(factCommand(op, h.clock.now()));
  return h;
}

describe('S2.3 effective status is a function of the facts', () => {
  test('S2.3 the same set of facts in any order gives the same effective status and indicators', () => {
    fc.assert(
      fc.property(factSetArb, fc.array(fc.nat()), fc.array(fc.nat()), fc.boolean(), (chains, seedsA, seedsB, sil) => {
        const a = playFacts(interleave(chains, seedsA), sil).presence(U);
        const b = playFacts(interleave(chains, seedsB), sil).presence(U);
        const model = finalFacts(chains, sil);
        expect(b).toEqual(a);
        expect(a.status).toBe(modelStatus(model.facts));
        expect(a.devices).toEqual(model.devices);
        expect([a.indicators.onCall, a.indicators.ringing]).toEqual([model.facts.onCall, model.ringing]);
      }),
      RUNS,
    );
  });

  test('S2.3 S1.1 S1.2 interleaving the histories of independent facts gives the same effective status', () => {
    fc.assert(
      fc.property(
        factHistoryArb,
        fc.array(fc.nat()),
        fc.array(fc.nat()),
        fc.boolean(),
        (chains, seedsA, seedsB, sil) => {
          const a = playFacts(interleave(chains, seedsA), sil).presence(U);
          const b = playFacts(interleave(chains, seedsB), sil).presence(U);
          const model = finalFacts(chains, sil);
          // S2.6's lostRegistration depends on history by definition ("had one during that
          // session"), so it is left out here; every other part of the record is compared.
          const view = (p: typeof a) => ({
            status: p.status,
            rule: p.rule,
            label: p.label,
            manual: p.manual?.status,
            devices: p.devices,
            sessions: p.sessions,
            onCall: p.indicators.onCall,
            ringing: p.indicators.ringing,
            forwardTo: p.indicators.forwardTo,
          });
          expect(view(b)).toEqual(view(a));
          expect(a.status).toBe(modelStatus(model.facts));
          expect(a.devices).toEqual(model.devices);
          expect(a.sessions).toBe(model.facts.sessions);
        },
      ),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// S2.2

type ActorKey = 'self' | 'admin' | 'apikey' | 'fac' | 'sip' | 'system';
const permittedActorArb = fc.constantFrom<ActorKey>('self', 'admin', 'apikey', 'fac', 'sip', 'system');
function permittedActor(key: ActorKey, userId: string): Actor {
  switch (key) {
    case 'self':
      return self(userId);
    case 'admin':
      return admin('u1004');
    case 'apikey':
      return { kind: 'apikey', keyId: 'k1', role: 'admin' };
    case 'fac':
      return { kind: 'fac', userId };
    case 'sip':
      return { kind: 'sip' };
    case 'system':
      return { kind: 'system' };
  }
}

const extrasArb = fc.record({
  text: fc.option(fc.string({ maxLength: 120 }), { nil: undefined }),
  untilSec: fc.option(fc.integer({ min: -60, max: 86_400 }), { nil: undefined }),
  forwardTo: fc.option(fc.constantFrom('1002', '5550100', ''), { nil: undefined }),
});

const KNOWN_STATUSES: ReadonlySet<string> = new Set([...MANUAL_STATUSES, ...AUTOMATIC_STATUSES]);
const unknownStatusArb = fc
  .oneof(
    fc.string({ maxLength: 60 }),
    fc.constantFrom(
      '__proto__',
      'constructor',
      'toString',
      'hasOwnProperty',
      'DND',
      'Online',
      ' dnd',
      'dnd ',
      'on-call',
      'available_on_PBX',
      'Idle',
    ),
  )
  .filter((s) => !KNOWN_STATUSES.has(s));

/** Sets `status` by hand for u1001 after random facts; returns the outcome and whether anything moved. */
function setByHand(
  chains: readonly FactOp[][],
  status: string,
  by: ActorKey,
  extras: { text?: string; untilSec?: number; forwardTo?: string },
) {
  const h = playFacts(interleave(chains, []), false);
  h.drain();
  const before = h.state().users.get(U);
  const position = h.engine.position(h.tenant);
  const timers = h.engine.timerCount(h.tenant);
  const out = h.run({
    type: 'status.set',
    userId: U,
    status,
    by: permittedActor(by, U),
    ...(extras.text !== undefined ? { text: extras.text } : {}),
    ...(extras.untilSec !== undefined ? { until: h.clock.now() + extras.untilSec * SEC } : {}),
    ...(extras.forwardTo !== undefined ? { forwardTo: extras.forwardTo } : {}),
  });
  return {
    out,
    unchanged: {
      sameUser: h.state().users.get(U) === before,
      samePosition: isDeepStrictEqual(h.engine.position(h.tenant), position),
      sameTimers: h.engine.timerCount(h.tenant) === timers,
      events: h.drain(),
    },
  };
}

const NOTHING_CHANGED = { sameUser: true, samePosition: true, sameTimers: true, events: [] };

describe('S2.2 automatic statuses are never set by hand', () => {
  test('S2.2 S8.1 status.set with an automatic status is refused with SWB_ERR_STATUS_AUTOMATIC and changes nothing', () => {
    fc.assert(
      fc.property(
        factSetArb,
        fc.constantFrom(...AUTOMATIC_STATUSES),
        permittedActorArb,
        extrasArb,
        (chains, status, by, extras) => {
          const { out, unchanged } = setByHand(chains, status, by, extras);
          expect(out).toMatchObject({ ok: false, code: 'SWB_ERR_STATUS_AUTOMATIC', details: { status } });
          expect(unchanged).toEqual(NOTHING_CHANGED);
        },
      ),
      RUNS,
    );
  });

  test('S2.2 S8.1 status.set with a status that does not exist is refused with SWB_ERR_STATUS_UNKNOWN and changes nothing', () => {
    fc.assert(
      fc.property(factSetArb, unknownStatusArb, permittedActorArb, extrasArb, (chains, status, by, extras) => {
        const { out, unchanged } = setByHand(chains, status, by, extras);
        expect(out).toMatchObject({ ok: false, code: 'SWB_ERR_STATUS_UNKNOWN' });
        expect(unchanged).toEqual(NOTHING_CHANGED);
      }),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// A small office, driven by random commands, for the engine-wide properties (S6.1, S4.2, S2.4).

const OFFICE_USERS = ['u1001', 'u1002', 'u1003', 'u1004'] as const;
const QUEUES = ['q1', 'q2'] as const;

/** The office, with these agents logged in to all their queues. */
function office(loggedIn: readonly string[] = []): Harness {
  const h = tenant({
    users: [
      { id: 'u1001', extension: '1001', name: 'Ann', settings: { forwardingAllowed: true } },
      { id: 'u1002', extension: '1002', name: 'Bob', settings: { forwardingAllowed: true, callWaiting: false } },
      { id: 'u1003', extension: '1003', name: 'Cid', role: 'supervisor' },
      { id: 'u1004', extension: '1004', name: 'Dee', role: 'admin', settings: { absentAtLogout: true } },
    ],
    groups: [{ id: 'g1', name: 'Sales', extension: '2001', strategy: 'hunt', members: ['u1001', 'u1002', 'u1003'] }],
    queues: [
      {
        id: 'q1',
        name: 'Support',
        extension: '3001',
        agents: ['u1001', 'u1002', 'u1003'],
        supervisors: ['u1003'],
        autoReady: true,
        wrapUpSec: 5,
      },
      {
        id: 'q2',
        name: 'Billing',
        extension: '3002',
        agents: ['u1002', 'u1003'],
        autoReady: false,
        wrapUpSec: 0,
        agentRingSec: 10,
        maxWaitSec: 60,
      },
    ],
  });
  for (const userId of loggedIn) h.ok({ type: 'agent.command', userId, action: 'login', by: self(userId) });
  h.drain();
  return h;
}
const loggedInArb = fc.subarray(['u1001', 'u1002', 'u1003']);

type OfficeActor = ActorKey | 'peer' | 'supervisor';
function officeActor(key: OfficeActor, userId: string): Actor {
  if (key === 'peer') return { kind: 'user', userId: 'u1002', role: 'user' };
  if (key === 'supervisor') return { kind: 'user', userId: 'u1003', role: 'supervisor' };
  return permittedActor(key, userId);
}

type Step =
  | {
      readonly t: 'reg';
      readonly user: string;
      readonly id: string;
      readonly kind: DeviceKind;
      readonly forSec: number;
    }
  | { readonly t: 'unreg'; readonly user: string; readonly id: string }
  | {
      readonly t: 'leg';
      readonly user: string;
      readonly legId: string;
      readonly direction: 'in' | 'out';
      readonly state: LegState;
      readonly queueId: string | undefined;
    }
  | {
      readonly t: 'status';
      readonly user: string;
      readonly status: string;
      readonly by: OfficeActor;
      readonly untilSec: number | undefined;
    }
  | { readonly t: 'clear'; readonly user: string; readonly by: OfficeActor }
  | {
      readonly t: 'session';
      readonly op: 'start' | 'heartbeat' | 'end';
      readonly user: string;
      readonly sessionId: string;
      readonly active: boolean;
    }
  | {
      readonly t: 'agent';
      readonly user: string;
      readonly queueId: string | undefined;
      readonly action: AgentAction;
      readonly reason: string | undefined;
      readonly by: OfficeActor;
    }
  | { readonly t: 'fac'; readonly user: string; readonly digits: string }
  | { readonly t: 'voicemail'; readonly user: string; readonly count: number }
  | { readonly t: 'route'; readonly from: string | undefined; readonly to: RouteTarget; readonly callId: string }
  | { readonly t: 'answer'; readonly queueId: string; readonly callId: string; readonly user: string }
  | { readonly t: 'abandon'; readonly queueId: string; readonly callId: string }
  | { readonly t: 'advance'; readonly ms: number };

const officeUserArb = fc.oneof(
  { weight: 9, arbitrary: fc.constantFrom<string>(...OFFICE_USERS) },
  { weight: 1, arbitrary: fc.constant('u9999') },
);
const officeActorArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant<OfficeActor>('self') },
  {
    weight: 3,
    arbitrary: fc.constantFrom<OfficeActor>('admin', 'apikey', 'fac', 'sip', 'system', 'peer', 'supervisor'),
  },
);
const queueIdArb = fc.oneof(
  { weight: 9, arbitrary: fc.constantFrom<string>(...QUEUES) },
  { weight: 1, arbitrary: fc.constant('q9') },
);
const callIdArb = fc.constantFrom('c1', 'c2', 'c3');
const statusArb = fc.constantFrom<string>(...MANUAL_STATUSES, ...AUTOMATIC_STATUSES, 'nonsense');
const targetArb: fc.Arbitrary<RouteTarget> = fc.oneof(
  officeUserArb.map((id): RouteTarget => ({ kind: 'user', id })),
  fc.constant<RouteTarget>({ kind: 'group', id: 'g1' }),
  fc.constantFrom(...QUEUES).map((id): RouteTarget => ({ kind: 'queue', id })),
  fc
    .constantFrom('1001', '1002', '2001', '3001', '3002', '5550100')
    .map((extension): RouteTarget => ({ kind: 'extension', extension })),
);

const stepArb = (weights: { agent: number; leg: number; advance: number }): fc.Arbitrary<Step> =>
  fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        t: fc.constant('reg' as const),
        user: officeUserArb,
        id: fc.constantFrom('r1', 'r2'),
        kind: kindArb,
        forSec: fc.integer({ min: -5, max: 300 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ t: fc.constant('unreg' as const), user: officeUserArb, id: fc.constantFrom('r1', 'r2') }),
    },
    {
      weight: weights.leg,
      arbitrary: fc.record({
        t: fc.constant('leg' as const),
        user: officeUserArb,
        legId: fc.constantFrom('l1', 'l2', 'c1'),
        direction: directionArb,
        state: legStateArb,
        queueId: fc.option(queueIdArb, { nil: undefined }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        t: fc.constant('status' as const),
        user: officeUserArb,
        status: statusArb,
        by: officeActorArb,
        untilSec: fc.option(fc.integer({ min: 1, max: 600 }), { nil: undefined }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('clear' as const), user: officeUserArb, by: officeActorArb }) },
    {
      weight: 2,
      arbitrary: fc.record({
        t: fc.constant('session' as const),
        op: fc.constantFrom<'start' | 'heartbeat' | 'end'>('start', 'heartbeat', 'end'),
        user: officeUserArb,
        sessionId: fc.constantFrom('s1', 's2'),
        active: fc.boolean(),
      }),
    },
    {
      weight: weights.agent,
      arbitrary: fc.record({
        t: fc.constant('agent' as const),
        user: fc.oneof(
          { weight: 9, arbitrary: fc.constantFrom('u1001', 'u1002', 'u1003') },
          { weight: 1, arbitrary: fc.constantFrom('u1004', 'u9999') },
        ),
        queueId: fc.option(queueIdArb, { nil: undefined, freq: 2 }),
        action: fc.constantFrom<AgentAction>('login', 'login', 'logout', 'ready', 'not_ready', 'not_ready'),
        reason: fc.option(fc.constantFrom('break', 'lunch', 'other'), { nil: undefined }),
        by: officeActorArb,
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        t: fc.constant('fac' as const),
        user: officeUserArb,
        digits: fc.constantFrom(
          '*36',
          '*37',
          '*38',
          '*39',
          '*363001',
          '*383002',
          '*39999',
          '*78',
          '*79',
          '*721002',
          '*725550100',
          '*73',
          '*99',
          '36',
        ),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        t: fc.constant('voicemail' as const),
        user: officeUserArb,
        count: fc.integer({ min: -1, max: 3 }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        t: fc.constant('route' as const),
        from: fc.option(officeUserArb, { nil: undefined }),
        to: targetArb,
        callId: callIdArb,
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        t: fc.constant('answer' as const),
        queueId: queueIdArb,
        callId: callIdArb,
        user: officeUserArb,
      }),
    },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('abandon' as const), queueId: queueIdArb, callId: callIdArb }) },
    {
      weight: weights.advance,
      arbitrary: fc.record({
        t: fc.constant('advance' as const),
        ms: fc.oneof(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 1000, max: 700_000 })),
      }),
    },
  );

const stepsArb = (weights = { agent: 2, leg: 3, advance: 3 }) =>
  fc.array(stepArb(weights), { maxLength: 40, size: 'max' });

function stepCommand(s: Exclude<Step, { t: 'advance' }>, now: Instant): Command {
  switch (s.t) {
    case 'reg':
      return { type: 'registration.set', userId: s.user, id: s.id, kind: s.kind, expiresAt: now + s.forSec * SEC };
    case 'unreg':
      return { type: 'registration.remove', userId: s.user, id: s.id, reason: 'unregister' };
    case 'leg':
      return {
        type: 'leg.update',
        userId: s.user,
        legId: s.legId,
        direction: s.direction,
        state: s.state,
        ...(s.queueId !== undefined ? { acd: true, queueId: s.queueId } : {}),
      };
    case 'status':
      return {
        type: 'status.set',
        userId: s.user,
        status: s.status,
        by: officeActor(s.by, s.user),
        ...(s.status === 'custom' ? { text: 'Back at 3' } : {}),
        ...(s.status === 'forwarding' ? { forwardTo: FORWARD_TO } : {}),
        ...(s.untilSec !== undefined ? { until: now + s.untilSec * SEC } : {}),
      };
    case 'clear':
      return { type: 'status.clear', userId: s.user, by: officeActor(s.by, s.user) };
    case 'session':
      return s.op === 'heartbeat'
        ? { type: 'session.heartbeat', userId: s.user, sessionId: s.sessionId, active: s.active }
        : { type: s.op === 'start' ? 'session.start' : 'session.end', userId: s.user, sessionId: s.sessionId };
    case 'agent':
      return {
        type: 'agent.command',
        userId: s.user,
        action: s.action,
        by: officeActor(s.by, s.user),
        ...(s.queueId !== undefined ? { queueId: s.queueId } : {}),
        ...(s.reason !== undefined ? { reason: s.reason } : {}),
      };
    case 'fac':
      return { type: 'fac.dial', userId: s.user, digits: s.digits };
    case 'voicemail':
      return { type: 'voicemail.count', userId: s.user, count: s.count };
    case 'route':
      return {
        type: 'call.route',
        call: {
          callId: s.callId,
          to: s.to,
          from: s.from !== undefined ? { userId: s.from } : { external: '+4930123' },
        },
      };
    case 'answer':
      return { type: 'queue.call.answer', queueId: s.queueId, callId: s.callId, userId: s.user, legId: s.callId };
    case 'abandon':
      return { type: 'queue.call.abandon', queueId: s.queueId, callId: s.callId };
  }
}

/** Plays the steps; `after` sees the harness after each one (and the outcome of a command). */
function play(
  h: Harness,
  steps: readonly Step[],
  after: (step: Step, out: Outcome | undefined) => void = () => {},
): void {
  for (const s of steps) {
    if (s.t === 'advance') {
      h.advance(s.ms);
      after(s, undefined);
    } else {
      after(s, h.run(stepCommand(s, h.clock.now())));
    }
  }
}

/** Every batch of events the engine applies, one batch per command (timer firings included). */
function recordBatches(h: Harness): EngineEvent[][] {
  const batches: EngineEvent[][] = [];
  h.engine.listen({ onApplied: (events) => batches.push([...events]) });
  return batches;
}

/** Plays random office histories and asks `check` what is wrong with each user after every step. */
function everyUserAfterEachStep(
  check: (u: UserState, state: TenantState, now: number, h: Harness) => readonly string[],
): void {
  fc.assert(
    fc.property(loggedInArb, stepsArb(), (loggedIn, steps) => {
      const h = office(loggedIn);
      const violations: string[] = [];
      play(h, steps, (s) => {
        const state = h.state();
        const now = h.clock.now();
        for (const u of state.users.values())
          for (const v of check(u, state, now, h)) violations.push(`after ${s.t} at +${now - T0} ms, ${u.id} ${v}`);
      });
      expect(violations).toEqual([]);
    }),
    RUNS,
  );
}

describe('S1 S2.4 S6.1 the engine over random commands', () => {
  test('S6.1 seq rises by exactly one per tenant per event, through refusals and timer firings', () => {
    fc.assert(
      fc.property(loggedInArb, stepsArb(), (loggedIn, steps) => {
        const h = office(loggedIn);
        play(h, steps, (_, out) => {
          const n = h.events.length;
          // The position always names the last event; refusals emit nothing and keep it.
          expect(h.engine.position(h.tenant)).toEqual({ epoch: 'e1', seq: n });
          if (out !== undefined && out.ok) expect(out.events).toEqual(h.events.slice(n - out.events.length));
        });
        expect(h.events.map((e) => e.seq)).toEqual(h.events.map((_, i) => i + 1));
        expect(new Set(h.events.map((e) => `${e.tenant}/${e.epoch}`))).toEqual(new Set(['acme/e1']));
      }),
      RUNS,
    );
  });

  test('S6.1 S1 a refused command emits nothing and changes nothing', () => {
    fc.assert(
      fc.property(loggedInArb, stepsArb(), (loggedIn, steps) => {
        const h = office(loggedIn);
        const violations: string[] = [];
        let users = new Map(h.state().users);
        play(h, steps, (s, out) => {
          if (out !== undefined && !out.ok) {
            const changed = [...h.state().users].filter(([id, u]) => users.get(id) !== u).map(([id]) => id);
            if (changed.length > 0)
              violations.push(`${s.t} refused with ${out.code} but changed ${changed.join(', ')}`);
            if (!ERROR_CODES.has(out.code)) violations.push(`${s.t} refused with unregistered code ${out.code}`);
          }
          users = new Map(h.state().users);
        });
        expect(violations).toEqual([]);
      }),
      RUNS,
    );
  });

  test('S6.1 S1 each change of a derived value emits exactly one event, and an event always carries a change', () => {
    fc.assert(
      fc.property(loggedInArb, stepsArb({ agent: 4, leg: 3, advance: 3 }), (loggedIn, steps) => {
        const h = office(loggedIn);
        const batches = recordBatches(h);
        play(h, steps);
        const violations: string[] = [];
        for (const batch of batches) {
          // call.missed is one event per missed call, not a value; every other subject changes once.
          const subjects = batch
            .filter((e) => e.type !== 'call.missed')
            .map((e) =>
              e.type === 'agent.changed' ? `${e.type} ${e.subject} ${e.queueId}` : `${e.type} ${e.subject}`,
            );
          if (new Set(subjects).size !== subjects.length)
            violations.push(`one command emitted twice for one subject: ${subjects.join(' | ')}`);
          for (const e of batch) {
            if (
              e.type === 'presence.changed' &&
              e.old !== undefined &&
              e.removed === undefined &&
              !presenceChanged(e.old, e.value)
            ) {
              violations.push(`presence.changed ${e.subject} at seq ${e.seq} without a visible change`);
            }
            if (
              (e.type === 'agent.changed' || e.type === 'queue.changed') &&
              e.old !== undefined &&
              isDeepStrictEqual(e.old, e.value)
            ) {
              violations.push(
                `${e.type} ${e.subject}${e.type === 'agent.changed' ? ` ${e.queueId}` : ''} at seq ${e.seq} with value equal to old: ${JSON.stringify(e.value)}`,
              );
            }
          }
        }
        // The `old` of each event is the `value` of the subject's previous event.
        const last = new Map<string, unknown>();
        for (const e of h.events) {
          const key = e.type === 'agent.changed' ? `agent ${e.subject} ${e.queueId}` : `${e.type} ${e.subject}`;
          if (e.type === 'call.missed' || e.type === 'call.ended') continue;
          if (last.has(key) && !isDeepStrictEqual(e.old, last.get(key)))
            violations.push(`${key} at seq ${e.seq}: old is not the previous value`);
          last.set(key, e.value);
        }
        for (const id of OFFICE_USERS) {
          if (!isDeepStrictEqual(h.presence(id), last.get(`presence.changed ${id}`)))
            violations.push(`${id}: stored presence is not the last published value`);
        }
        expect(violations).toEqual([]);
      }),
      RUNS,
    );
  });

  test('S2.4 S9.3 the published presence is never stale: it always equals the record derived from the facts now', () => {
    everyUserAfterEachStep((u, state, now) => {
      const wrong: string[] = [];
      const fresh = presenceRecord(u, state.policy, now);
      if (presenceChanged(u.presence, fresh))
        wrong.push(`shows ${u.presence.status} but the facts say ${fresh.status}`);
      const model = modelStatusOf(u, state.policy, now);
      if (u.presence.status !== model) wrong.push(`shows ${u.presence.status}; S2.3 says ${model}`);
      return wrong;
    });
  });

  test('S9.3 the lease table never promises too much: nothing of a user falls due before the bound it keeps for them', () => {
    everyUserAfterEachStep((u, state, now, h) => {
      const leases = h.engine.leases(h.tenant)!;
      const bound = leases.bound(leases.rowOf(u.id), u.id);
      if (!(bound > now)) return [];
      // Whether anything is due only ever changes from no to yes, so the last instant before the bound tells.
      const last = bound === Infinity ? now + 10 * 24 * 3600_000 : bound - 1;
      return stillSettled(u, state.policy, last)
        ? []
        : [`has the bound +${bound - T0} ms but something is due by +${last - T0} ms`];
    });
  });

  test('S1 S6.1 any fact or command repeated at the same instant emits nothing the second time', () => {
    // Routing a call is left out: each routed call is a new call (S3.1#3 counts a missed call).
    const repeatable = stepArb({ agent: 4, leg: 3, advance: 0 }).filter(
      (s): s is Exclude<Step, { t: 'advance' | 'route' }> => s.t !== 'advance' && s.t !== 'route',
    );
    fc.assert(
      fc.property(loggedInArb, stepsArb(), repeatable, (loggedIn, steps, step) => {
        const h = office(loggedIn);
        play(h, steps);
        const command = stepCommand(step, h.clock.now());
        h.run(command);
        const second = h.run(command);
        expect(
          second.ok
            ? second.events.map((e) => ({
                type: e.type,
                subject: e.subject,
                old: 'old' in e ? e.old : undefined,
                value: e.value,
              }))
            : [],
        ).toEqual([]);
      }),
      RUNS,
    );
  });

  test('S1.1 S1.3 S1.4 a refreshed registration, a repeated heartbeat or the status already set emits nothing', () => {
    fc.assert(
      fc.property(loggedInArb, stepsArb(), fc.integer({ min: 1, max: 3600 }), (loggedIn, steps, refreshSec) => {
        const h = office(loggedIn);
        play(h, steps);
        const now = h.clock.now();
        const emitted: string[] = [];
        const expectSilent = (what: string, command: Command) => {
          const out = h.run(command);
          if (!out.ok || out.events.length > 0)
            emitted.push(`${what}: ${out.ok ? out.events.map((e) => e.type).join(', ') : out.code}`);
        };
        for (const u of [...h.state().users.values()]) {
          for (const r of u.registrations.filter((x) => x.expiresAt > now)) {
            expectSilent(`refresh ${u.id}/${r.id}`, {
              type: 'registration.set',
              userId: u.id,
              id: r.id,
              kind: r.kind,
              expiresAt: now + refreshSec * SEC,
            });
          }
          for (const s of u.sessions.filter((x) => x.lastSeenAt + h.state().policy.sessionTimeoutSec * SEC > now)) {
            expectSilent(`quiet heartbeat ${u.id}/${s.id}`, {
              type: 'session.heartbeat',
              userId: u.id,
              sessionId: s.id,
              active: false,
            });
            h.run({ type: 'session.heartbeat', userId: u.id, sessionId: s.id, active: true });
            expectSilent(`repeated active heartbeat ${u.id}/${s.id}`, {
              type: 'session.heartbeat',
              userId: u.id,
              sessionId: s.id,
              active: true,
            });
          }
          const m = u.manual;
          if (m !== undefined && (m.until === undefined || m.until > now)) {
            expectSilent(`same status ${u.id} ${m.status}`, {
              type: 'status.set',
              userId: u.id,
              status: m.status,
              by: self(u.id),
              ...(m.text !== undefined ? { text: m.text } : {}),
              ...(m.until !== undefined ? { until: m.until } : {}),
              ...(m.forwardTo !== undefined ? { forwardTo: m.forwardTo } : {}),
            });
          }
        }
        expect(emitted).toEqual([]);
      }),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// S4.1, S4.2

const agentInputArb: fc.Arbitrary<AgentInput> = fc.oneof(
  fc.constant<AgentInput>({ type: 'login' }),
  fc.constant<AgentInput>({ type: 'logout' }),
  fc.constant<AgentInput>({ type: 'ready' }),
  fc
    .option(fc.constantFrom('break', 'lunch', 'missed', 'other'), { nil: undefined })
    .map((reason): AgentInput => (reason === undefined ? { type: 'not_ready' } : { type: 'not_ready', reason })),
  fc
    .record({ queueCall: fc.boolean(), otherCall: fc.boolean() })
    .map(({ queueCall, otherCall }): AgentInput => ({ type: 'calls', queueCall, otherCall })),
  fc.constant<AgentInput>({ type: 'wrapUpEnd' }),
  fc.constant<AgentInput>({ type: 'missed' }),
);

/** What the record may carry in each state (S4.1): nothing left over from another state. */
function malformed(r: AgentRecord): string | undefined {
  if (!AGENT_STATES.includes(r.state)) return `undefined state ${String(r.state)}`;
  if (r.reason !== undefined && r.state !== 'not_ready') return `reason ${r.reason} in ${r.state}`;
  if (r.resume !== undefined && r.state !== 'other_call') return `resume in ${r.state}`;
  if (r.logoutAfterCall && r.state !== 'queue_call') return `logoutAfterCall in ${r.state}`;
  if (r.wrapUpUntil !== undefined && r.state !== 'wrap_up') return `wrapUpUntil in ${r.state}`;
  if (r.afterWrapUp !== undefined && r.state !== 'wrap_up' && r.state !== 'queue_call')
    return `afterWrapUp in ${r.state}`;
  return undefined;
}

/** S4.2 and docs/rules.md's decisions: exactly when each command is refused. */
function expectedRefusal(state: AgentStateId, input: AgentInput): string | undefined {
  switch (input.type) {
    case 'login':
      return state === 'logged_out' ? undefined : 'SWB_ERR_AGENT_ALREADY_LOGGED_IN';
    case 'logout':
    case 'not_ready':
      return state === 'logged_out' ? 'SWB_ERR_AGENT_NOT_LOGGED_IN' : undefined;
    case 'ready':
      return state === 'logged_out'
        ? 'SWB_ERR_AGENT_NOT_LOGGED_IN'
        : state === 'queue_call'
          ? 'SWB_ERR_AGENT_ON_QUEUE_CALL'
          : undefined;
    default:
      return undefined;
  }
}

describe('S4.2 the agent machine is total', () => {
  test('S4.1 S4.2 any input in any state gives a refusal with a SWB_ERR_ code or a well-formed record in one of the six states', () => {
    fc.assert(
      fc.property(
        fc.record({ autoReady: fc.boolean(), wrapUpSec: fc.integer({ min: 0, max: 30 }) }),
        fc.array(fc.record({ input: agentInputArb, afterMs: fc.integer({ min: 0, max: 40_000 }) }), { maxLength: 60 }),
        (q, inputs) => {
          let rec: AgentRecord = { ...LOGGED_OUT, since: T0 };
          let now = T0;
          for (const { input, afterMs } of inputs) {
            now += afterMs;
            const out = agentTransition(rec, input, q, now);
            const refusal = expectedRefusal(rec.state, input);
            if (!out.ok) {
              expect({ state: rec.state, input, code: out.code }).toEqual({ state: rec.state, input, code: refusal });
              expect(ERROR_CODES.has(out.code)).toBe(true);
              continue;
            }
            expect({ state: rec.state, input, refused: undefined }).toEqual({
              state: rec.state,
              input,
              refused: refusal,
            });
            const next = out.record;
            expect({ from: rec.state, input, malformed: malformed(next) }).toEqual({
              from: rec.state,
              input,
              malformed: undefined,
            });
            // Only login leaves logged_out; logout reaches it from every state but a queue call.
            if (rec.state === 'logged_out')
              expect(next.state).toBe(input.type === 'login' ? (q.autoReady ? 'ready' : 'not_ready') : 'logged_out');
            if (input.type === 'logout' && rec.state !== 'queue_call') expect(next.state).toBe('logged_out');
            if (input.type === 'logout' && rec.state === 'queue_call')
              expect([next.state, next.logoutAfterCall]).toEqual(['queue_call', true]);
            // With no call at all, nobody stays in a call state; a pending logout happens then.
            if (input.type === 'calls' && !input.queueCall && !input.otherCall) {
              expect(['queue_call', 'other_call']).not.toContain(next.state);
              if (rec.state === 'queue_call' && rec.logoutAfterCall) expect(next.state).toBe('logged_out');
            }
            // Entering wrap-up schedules its end wrapUpSec from now; with 0 there is no wrap-up.
            if (next.state === 'wrap_up' && rec.state !== 'wrap_up')
              expect([q.wrapUpSec > 0, next.wrapUpUntil]).toEqual([true, now + q.wrapUpSec * SEC]);
            if (
              input.type === 'wrapUpEnd' &&
              rec.state === 'wrap_up' &&
              rec.wrapUpUntil !== undefined &&
              now < rec.wrapUpUntil
            )
              expect(next).toBe(rec);
            // S4.3: a ring-out sends a ready agent to not_ready (missed) and leaves any other state as it was.
            if (input.type === 'missed')
              expect(next).toEqual(
                rec.state === 'ready' ? { ...next, state: 'not_ready', reason: 'missed', since: now } : rec,
              );
            rec = next;
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test('S4.2 S1 S6.1 repeating an agent command changes nothing the second time and emits nothing', () => {
    fc.assert(
      fc.property(
        loggedInArb,
        stepsArb({ agent: 6, leg: 5, advance: 2 }),
        fc.constantFrom('u1001', 'u1002', 'u1003'),
        fc.option(fc.constantFrom('q1', 'q2'), { nil: undefined }),
        fc.constantFrom<AgentAction>('login', 'logout', 'ready', 'not_ready'),
        fc.option(fc.constantFrom('break', 'lunch'), { nil: undefined }),
        (loggedIn, steps, userId, queueId, action, reason) => {
          const h = office(loggedIn);
          play(h, steps);
          const command: Command = {
            type: 'agent.command',
            userId,
            action,
            by: self(userId),
            ...(queueId !== undefined ? { queueId } : {}),
            ...(reason !== undefined ? { reason } : {}),
          };
          const first = h.run(command);
          const agentBefore = h.state().users.get(userId)!.agent;
          const second = h.run(command);
          const agentAfter = h.state().users.get(userId)!.agent;
          expect({
            first: first.ok ? 'applied' : first.code,
            agent: agentAfter,
            events: second.ok
              ? second.events.map((e) => ({ type: e.type, old: 'old' in e ? e.old : undefined, value: e.value }))
              : [],
          }).toEqual({ first: first.ok ? 'applied' : first.code, agent: agentBefore, events: [] });
        },
      ),
      RUNS,
    );
  });

  test('S4.1 S4.2 in the engine, agent commands, calls and timers never reach an undefined or inconsistent agent state', () => {
    fc.assert(
      fc.property(loggedInArb, stepsArb({ agent: 6, leg: 5, advance: 3 }), (loggedIn, steps) => {
        const h = office(loggedIn);
        const violations: string[] = [];
        play(h, steps, (s, out) => {
          if (out !== undefined && !out.ok && !out.code.startsWith('SWB_ERR_'))
            violations.push(`${s.t} refused with ${out.code}`);
          const state = h.state();
          const now = h.clock.now();
          for (const u of state.users.values()) {
            const onCall = u.presence.indicators.onCall;
            for (const queueId of Object.keys(u.agent)) {
              const rec = u.agent[queueId]!;
              const where = `after ${s.t} at +${now - T0} ms, ${u.id} in ${queueId}`;
              const bad = malformed(rec);
              if (bad !== undefined) violations.push(`${where}: ${bad}`);
              const queueCall = u.legs.some(
                (l) => l.acd && l.queueId === queueId && (l.state === 'answered' || l.state === 'held'),
              );
              if (rec.state === 'queue_call' && !queueCall)
                violations.push(`${where}: queue_call without an answered call of the queue`);
              if (rec.state === 'other_call' && !onCall) violations.push(`${where}: other_call while not on a call`);
              if ((rec.state === 'ready' || rec.state === 'not_ready') && onCall)
                violations.push(`${where}: ${rec.state} while on a call`);
              if (rec.state === 'wrap_up' && (rec.wrapUpUntil === undefined || rec.wrapUpUntil <= now))
                violations.push(`${where}: wrap_up past its end`);
            }
          }
        });
        expect(violations).toEqual([]);
      }),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// S3: a random company (five users, two groups, a queue) and a random call.

const WORLD_USERS = ['u1001', 'u1002', 'u1003', 'u1004', 'u1005'] as const;
const WORLD_EXTENSIONS = ['1001', '1002', '1003', '1004', '1005', '2001', '2002', '3001', '5550100', '1999'] as const;

const divertingTargetArb: fc.Arbitrary<RouteTarget> = fc.oneof(
  fc.constantFrom(...WORLD_USERS).map((id): RouteTarget => ({ kind: 'user', id })),
  fc.constantFrom('g1', 'g2').map((id): RouteTarget => ({ kind: 'group', id })),
  fc.constant<RouteTarget>({ kind: 'queue', id: 'q1' }),
  fc.constantFrom(...WORLD_EXTENSIONS).map((extension): RouteTarget => ({ kind: 'extension', extension })),
);

const actionArb: fc.Arbitrary<AnsweringAction> = fc.oneof(
  fc.constantFrom<AnsweringAction>(
    { type: 'voicemail' },
    { type: 'busyTone' },
    { type: 'reject' },
    { type: 'message' },
    { type: 'queue', queueId: 'q1' },
  ),
  divertingTargetArb.map((target): AnsweringAction => ({ type: 'redirect', target })),
  fc.constant<AnsweringAction>({ type: 'external', number: '+4930999' }),
);

const actionsArb = <C extends string>(conditions: readonly C[]) =>
  fc.tuple(...conditions.map(() => fc.option(actionArb, { nil: undefined }))).map((as) => {
    const out: Partial<Record<C, AnsweringAction>> = {};
    conditions.forEach((c, i) => {
      if (as[i] !== undefined) out[c] = as[i];
    });
    return out;
  });

interface Profile {
  readonly manual: ManualStatusId | undefined;
  readonly forwardTo: string;
  readonly regs: readonly { readonly kind: DeviceKind; readonly forSec: number }[];
  readonly legs: readonly { readonly direction: 'in' | 'out'; readonly state: LiveLegState }[];
  readonly callWaiting: boolean;
  readonly voicemail: boolean;
  readonly deskDelaySec: number;
  readonly agentLogin: boolean;
  readonly actions: Partial<Record<AnsweringCondition, AnsweringAction>>;
}

const profileArb = (statuses: readonly ManualStatusId[]): fc.Arbitrary<Profile> =>
  fc.record({
    manual: fc.option(fc.constantFrom(...statuses), { nil: undefined, freq: 3 }),
    forwardTo: fc.constantFrom(...WORLD_EXTENSIONS),
    regs: fc.array(fc.record({ kind: kindArb, forSec: fc.integer({ min: 1, max: 300 }) }), { maxLength: 3 }),
    legs: fc.array(fc.record({ direction: directionArb, state: liveLegStateArb }), { maxLength: 2 }),
    callWaiting: fc.boolean(),
    voicemail: fc.boolean(),
    deskDelaySec: fc.integer({ min: 0, max: 30 }),
    agentLogin: fc.boolean(),
    actions: actionsArb<AnsweringCondition>(['dnd', 'busy', 'unreachable', 'noAnswer']),
  });

const groupArb = fc.record({
  strategy: fc.constantFrom<GroupStrategy>('ringAll', 'hunt', 'roundRobin', 'longestIdle'),
  members: fc.subarray([...WORLD_USERS]),
  actions: actionsArb<'busy' | 'unreachable' | 'noAnswer'>(['busy', 'unreachable', 'noAnswer']),
});

interface World {
  readonly profiles: readonly Profile[];
  readonly groups: readonly {
    strategy: GroupStrategy;
    members: string[];
    actions: Partial<Record<'busy' | 'unreachable' | 'noAnswer', AnsweringAction>>;
  }[];
  readonly agents: readonly string[];
  readonly statusIndependentOfLogin: boolean;
  /** Routing happens this long after the facts were set, so short registrations may have run out. */
  readonly skewSec: number;
}

const worldArb = (statuses: readonly ManualStatusId[] = MANUAL_STATUSES): fc.Arbitrary<World> =>
  fc.record({
    profiles: fc.tuple(...WORLD_USERS.map(() => profileArb(statuses))),
    groups: fc.tuple(groupArb, groupArb),
    agents: fc.subarray([...WORLD_USERS]),
    statusIndependentOfLogin: fc.boolean(),
    skewSec: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 200 })),
  });

function buildWorld(w: World): Harness {
  const h = tenant({
    policy: { statusIndependentOfLogin: w.statusIndependentOfLogin },
    users: w.profiles.map((p, i) => ({
      id: WORLD_USERS[i]!,
      extension: String(1001 + i),
      name: `User ${1001 + i}`,
      settings: {
        callWaiting: p.callWaiting,
        voicemail: p.voicemail,
        forwardingAllowed: true,
        deskDelaySec: p.deskDelaySec,
        actions: p.actions,
      },
    })),
    groups: w.groups.map((g, i) => ({ id: `g${i + 1}`, name: `Group ${i + 1}`, extension: `200${i + 1}`, ...g })),
    queues: [{ id: 'q1', name: 'Support', extension: '3001', agents: [...w.agents], autoReady: true }],
  });
  w.profiles.forEach((p, i) => {
    const userId = WORLD_USERS[i]!;
    p.regs.forEach((r, j) =>
      h.ok({ type: 'registration.set', userId, id: `r${j}`, kind: r.kind, expiresAt: T0 + r.forSec * SEC }),
    );
    p.legs.forEach((l, j) =>
      h.ok({ type: 'leg.update', userId, legId: `l${j}`, direction: l.direction, state: l.state }),
    );
    if (p.manual !== undefined) {
      // Forwarding to one's own extension is refused: that user simply keeps no manual status.
      h.run({
        type: 'status.set',
        userId,
        status: p.manual,
        by: self(userId),
        ...(p.manual === 'custom' ? { text: 'Back at 3' } : {}),
        ...(p.manual === 'forwarding' ? { forwardTo: p.forwardTo } : {}),
      });
    }
    if (p.agentLogin && w.agents.includes(userId))
      h.ok({ type: 'agent.command', userId, queueId: 'q1', action: 'login', by: self(userId) });
  });
  return h;
}

const callArb = fc.record({
  to: divertingTargetArb,
  from: fc.option(fc.constantFrom(...WORLD_USERS), { nil: undefined }),
  // A call may arrive already diverted once (CallRequest.divertedBy); most do not.
  divertedBy: fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom(...WORLD_USERS).map((id) => ({ kind: 'user' as const, id })) },
    { weight: 1, arbitrary: fc.constant({ kind: 'group' as const, id: 'g1' }) },
  ),
});

function callOf(c: { to: RouteTarget; from: string | undefined; divertedBy: CallRequest['divertedBy'] }): CallRequest {
  return {
    to: c.to,
    from: c.from !== undefined ? { userId: c.from } : { external: '+4930123' },
    ...(c.divertedBy !== undefined ? { divertedBy: c.divertedBy } : {}),
  };
}

/** The decision and the decisions nested in it, in order (a chain: each has at most one `next`). */
function chain(d: Decision): Decision[] {
  const out: Decision[] = [];
  let x: Decision | undefined = d;
  while (x !== undefined) {
    out.push(x);
    x = x.outcome === 'action' || x.outcome === 'forward' ? x.next : undefined;
  }
  return out;
}

function routeAt(h: Harness, call: CallRequest, at: Instant): Decision {
  const out = route(h.state(), call, at);
  if (!out.ok) throw new Error(`route refused: ${out.code}`);
  return out.decision;
}

/** S3.1/S3.3/S4.3: whom a decision rings or offers to, checked against their state at `at`. */
function ringViolations(state: TenantState, d: Decision, at: Instant): string[] {
  const v: string[] = [];
  for (const step of chain(d)) {
    if (step.outcome === 'ring') {
      for (const e of step.ring) {
        if (e.forwardedFrom !== undefined) {
          const from = state.users.get(e.forwardedFrom)!;
          const s = presenceRecord(from, state.policy, at).status;
          if (s !== 'forwarding')
            v.push(`${e.userId ?? e.number} rung in place of ${e.forwardedFrom}, who is ${s}, not forwarding`);
        }
        if (e.kind === 'external') continue;
        const u = e.userId === undefined ? undefined : state.users.get(e.userId);
        if (u === undefined) {
          v.push(`ring entry without a known user: ${JSON.stringify(e)}`);
          continue;
        }
        const rec = presenceRecord(u, state.policy, at);
        if (NEVER_RUNG.includes(rec.status)) v.push(`${u.id} rung while ${rec.status}`);
        if (!u.registrations.some((r) => r.id === e.deviceId && r.kind === e.kind && r.expiresAt > at))
          v.push(`${u.id} rung on ${e.kind} ${e.deviceId}, no live registration`);
        if (modelOnCall(u.legs) && !u.settings.callWaiting)
          v.push(`${u.id} rung while on a call with call waiting off`);
      }
    }
    if (step.outcome === 'queue') {
      for (const id of step.offerTo) {
        const u = state.users.get(id)!;
        const rec = presenceRecord(u, state.policy, at);
        if (u.agent[step.target.id]?.state !== 'ready')
          v.push(`${id} offered a queue call while ${u.agent[step.target.id]?.state ?? 'logged_out'}`);
        if (NEVER_RUNG.includes(rec.status)) v.push(`${id} offered a queue call while ${rec.status}`);
        if (!u.registrations.some((r) => r.expiresAt > at))
          v.push(`${id} offered a queue call with no live registration`);
        if (modelOnCall(u.legs)) v.push(`${id} offered a queue call while on another call`);
      }
    }
  }
  return v;
}

const diverts = (a: AnsweringAction): boolean => a.type === 'redirect' || a.type === 'external';
/** S3.5's refusal of a second diversion: the decision ends with the S3.5 explanation. */
const isS35Refusal = (d: Decision): boolean =>
  d.outcome === 'action' && d.explanation[d.explanation.length - 1]?.rule === 'S3.5';

function describeChain(d: Decision): string {
  return chain(d)
    .map((x) => {
      const target = 'target' in x && x.target !== undefined ? `${x.target.kind}:${x.target.id}` : '';
      if (x.outcome === 'action')
        return `action(${target} ${x.action.condition} ${x.action.action.type} of ${x.action.owner.kind}:${x.action.owner.id})`;
      if (x.outcome === 'forward') return `forward(${target} → ${x.to})`;
      if (x.outcome === 'ring')
        return `ring(${target} ${x.ring.map((e) => `${e.userId ?? e.number}${e.forwardedFrom ? `<-${e.forwardedFrom}` : ''}`).join(',')}; noAnswer ${x.onNoAnswer.action.type} of ${x.onNoAnswer.owner.id})`;
      return `${x.outcome}(${target})`;
    })
    .join(' → ');
}

describe('S3 routing', () => {
  test('S3.1 S3.3 S4.3 a decision never rings a user in dnd, busy, blocked, absent, offline or forwarding, nor a device that is not registered', () => {
    fc.assert(
      fc.property(worldArb(), callArb, (w, c) => {
        const h = buildWorld(w);
        const at = T0 + w.skewSec * SEC;
        const d = routeAt(h, callOf(c), at);
        expect({ decision: describeChain(d), violations: ringViolations(h.state(), d, at) }).toEqual({
          decision: describeChain(d),
          violations: [],
        });
      }),
      { numRuns: 300 },
    );
  });

  test('S3.1 a direct call follows the table top to bottom', () => {
    fc.assert(
      fc.property(worldArb(), fc.constantFrom(...WORLD_USERS), (w, userId) => {
        const h = buildWorld(w);
        const at = T0 + w.skewSec * SEC;
        const state = h.state();
        const u = state.users.get(userId)!;
        const d = routeAt(h, { to: { kind: 'user', id: userId }, from: { external: '+4930123' } }, at);
        const status = modelStatusOf(u, state.policy, at);
        const live = u.registrations.filter((r) => r.expiresAt > at);
        const expected =
          status === 'blocked'
            ? { outcome: 'reject' }
            : status === 'forwarding'
              ? { outcome: 'forward', to: u.manual?.forwardTo }
              : status === 'dnd'
                ? { outcome: 'action', condition: 'dnd', notifyMissed: userId }
                : status === 'busy'
                  ? { outcome: 'action', condition: 'busy' }
                  : status === 'absent' || status === 'offline' || live.length === 0
                    ? { outcome: 'action', condition: 'unreachable' }
                    : modelOnCall(u.legs) && !u.settings.callWaiting
                      ? { outcome: 'action', condition: 'busy' }
                      : {
                          outcome: 'ring',
                          ring: live.map(
                            (r) => `${r.id}@${status === 'at_desk' && r.kind === 'app' ? u.settings.deskDelaySec : 0}`,
                          ),
                        };
        const actual =
          d.outcome === 'action'
            ? {
                outcome: 'action',
                condition: d.action.condition,
                ...(d.notifyMissed !== undefined ? { notifyMissed: d.notifyMissed } : {}),
              }
            : d.outcome === 'forward'
              ? { outcome: 'forward', to: d.to }
              : d.outcome === 'ring'
                ? { outcome: 'ring', ring: d.ring.map((e) => `${e.deviceId}@${e.startSec}`) }
                : { outcome: d.outcome };
        expect(actual).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  test('S3.3 S3.4 a group rings exactly its members who can ring; with none, busy if one was skipped as busy, else unreachable', () => {
    const noForwarding = MANUAL_STATUSES.filter((s) => s !== 'forwarding');
    fc.assert(
      fc.property(worldArb(noForwarding), fc.constantFrom('g1', 'g2'), (w, groupId) => {
        const h = buildWorld(w);
        const at = T0 + w.skewSec * SEC;
        const state = h.state();
        const group = state.groups.get(groupId)!;
        const classify = (id: string): 'ring' | 'busy' | 'unreachable' => {
          const u = state.users.get(id)!;
          const status = modelStatusOf(u, state.policy, at);
          if (status === 'dnd' || status === 'busy') return 'busy';
          if (status === 'blocked' || status === 'absent' || status === 'offline') return 'unreachable';
          if (!u.registrations.some((r) => r.expiresAt > at)) return 'unreachable';
          if (modelOnCall(u.legs) && !u.settings.callWaiting) return 'busy';
          return 'ring';
        };
        const classes = group.members.map(classify);
        const ringing = group.members.filter((_, i) => classes[i] === 'ring');
        const expected =
          ringing.length > 0
            ? { outcome: 'ring', members: [...ringing].sort() }
            : { outcome: 'action', condition: classes.includes('busy') ? 'busy' : 'unreachable' };
        const d = routeAt(h, { to: { kind: 'group', id: groupId }, from: { external: '+4930123' } }, at);
        const actual =
          d.outcome === 'ring'
            ? { outcome: 'ring', members: [...new Set(d.ring.map((e) => e.userId!))].sort() }
            : d.outcome === 'action'
              ? { outcome: 'action', condition: d.action.condition }
              : { outcome: d.outcome };
        expect(actual).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  test("S3.5 a call is diverted at most once, and a refused second diversion runs the first diverter's noAnswer action", () => {
    const forwardingHeavy: ManualStatusId[] = [
      'forwarding',
      'forwarding',
      'forwarding',
      'dnd',
      'busy',
      'absent',
      'at_desk',
    ];
    fc.assert(
      fc.property(worldArb(forwardingHeavy), callArb, (w, c) => {
        const h = buildWorld(w);
        const at = T0 + w.skewSec * SEC;
        const call = callOf(c);
        const d = routeAt(h, call, at);
        const steps = chain(d);
        const violations: string[] = [];
        let first: { kind: string; id: string } | undefined = call.divertedBy;
        let hops = 0;
        for (const x of steps) {
          if (isS35Refusal(x) && x.outcome === 'action') {
            if (first === undefined) violations.push('S3.5 refusal on a call that was never diverted');
            else if (
              x.action.owner.kind !== first.kind ||
              x.action.owner.id !== first.id ||
              x.action.condition !== 'noAnswer'
            ) {
              violations.push(
                `S3.5 refusal runs ${x.action.owner.kind}:${x.action.owner.id}'s ${x.action.condition}, not ${first.kind}:${first.id}'s noAnswer`,
              );
            }
            continue;
          }
          const diverter =
            x.outcome === 'forward' || (x.outcome === 'action' && diverts(x.action.action)) ? x.target : undefined;
          if (diverter !== undefined) {
            hops++;
            first ??= diverter;
          }
          if (x.outcome === 'ring') {
            const replaced = x.ring.find((e) => e.forwardedFrom !== undefined);
            if (replaced !== undefined) {
              hops++;
              first ??= { kind: 'user', id: replaced.forwardedFrom! };
            }
          }
        }
        const allowed = call.divertedBy === undefined ? 1 : 0;
        if (hops > allowed) violations.push(`${hops} diversions, at most ${allowed} allowed`);
        if (steps.length > allowed + 1) violations.push(`${steps.length} nested decisions`);
        expect({ decision: describeChain(d), violations }).toEqual({ decision: describeChain(d), violations: [] });
      }),
      { numRuns: 300 },
    );
  });

  test("S3.5 once a call has been diverted, its no-answer action diverts it again only as the first diverter's own noAnswer action", () => {
    const forwardingHeavy: ManualStatusId[] = ['forwarding', 'forwarding', 'forwarding', 'at_desk', 'away'];
    fc.assert(
      fc.property(worldArb(forwardingHeavy), callArb, (w, c) => {
        const h = buildWorld(w);
        const at = T0 + w.skewSec * SEC;
        const call = callOf(c);
        const d = routeAt(h, call, at);
        const steps = chain(d);
        const head = steps[0]!;
        const first =
          call.divertedBy ??
          (head.outcome === 'forward' || (head.outcome === 'action' && diverts(head.action.action))
            ? head.target
            : undefined);
        const violations: string[] = [];
        steps.forEach((x, i) => {
          const diverted = call.divertedBy !== undefined || i > 0;
          if (!diverted || x.outcome !== 'ring' || first === undefined) return;
          const o = x.onNoAnswer;
          if (diverts(o.action) && (o.owner.kind !== first.kind || o.owner.id !== first.id)) {
            violations.push(
              `after a diversion by ${first.kind}:${first.id}, no answer would divert again: ${o.action.type} of ${o.owner.kind}:${o.owner.id}`,
            );
          }
        });
        expect({ decision: describeChain(d), violations }).toEqual({ decision: describeChain(d), violations: [] });
      }),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// S1.3

const timedStatusArb = fc.constantFrom<ManualStatusId>(
  'away',
  'custom',
  'at_desk',
  'busy',
  'dnd',
  'absent',
  'forwarding',
  'blocked',
);
const untilMsArb = fc.oneof(fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 1, max: 7 * 86_400_000 }));

function timedStatus(status: ManualStatusId, reg: DeviceKind | undefined, waitMs: number, untilMs: number) {
  const h = oneUser(false);
  h.advance(waitMs);
  const until = h.clock.now() + untilMs;
  // A registration that outlives the status, so the status is the only thing that runs out.
  if (reg !== undefined)
    h.ok({ type: 'registration.set', userId: U, id: 'r1', kind: reg, expiresAt: until + 86_400_000 });
  h.ok({
    type: 'status.set',
    userId: U,
    status,
    until,
    by: self(U),
    ...(status === 'custom' ? { text: 'Back at 3' } : {}),
    ...(status === 'forwarding' ? { forwardTo: FORWARD_TO } : {}),
  });
  h.drain();
  return { h, until };
}

const clearedAt = (events: readonly EngineEvent[]) =>
  events.map((e) =>
    e.type === 'presence.changed'
      ? [e.type, e.subject, e.at, e.cause, e.old?.manual?.status, e.value.manual]
      : [e.type],
  );

describe('S1.3 a manual status with until', () => {
  test('S1.3 is in force until the millisecond before until, and cleared at exactly until with cause system', () => {
    fc.assert(
      fc.property(
        timedStatusArb,
        fc.option(kindArb, { nil: undefined }),
        fc.integer({ min: 0, max: 3_600_000 }),
        untilMsArb,
        (status, reg, waitMs, untilMs) => {
          const { h, until } = timedStatus(status, reg, waitMs, untilMs);
          h.advance(untilMs - 1);
          expect([h.clock.now(), h.presence(U).manual?.status, h.drain()]).toEqual([until - 1, status, []]);
          h.advance(1);
          expect(clearedAt(h.drain())).toEqual([['presence.changed', U, until, 'system', status, undefined]]);
          expect(h.presence(U).manual).toBeUndefined();
          expect(h.status(U)).toBe(reg === undefined ? 'offline' : reg === 'pbx' ? 'available_on_pbx' : 'online');
        },
      ),
      RUNS,
    );
  });

  test('S1.3 when the clock jumps past until, the clearing is still stamped at exactly until', () => {
    fc.assert(
      fc.property(
        timedStatusArb,
        fc.option(kindArb, { nil: undefined }),
        untilMsArb,
        fc.integer({ min: 1, max: 3_600_000 }),
        (status, reg, untilMs, pastMs) => {
          const { h, until } = timedStatus(status, reg, 0, untilMs);
          h.advance(untilMs + pastMs);
          expect(clearedAt(h.drain())).toEqual([['presence.changed', U, until, 'system', status, undefined]]);
        },
      ),
      RUNS,
    );
  });
});

describe('S9.3 the lease table', () => {
  test('S9.3 every user of the table has a row of their own, found by their id, whatever was added and removed before and whatever the ids hash to', () => {
    // Short ids over two letters: many share a slot of the table's index.
    const idArb = fc.string({ unit: fc.constantFrom('a', 'b'), minLength: 0, maxLength: 7 });
    const opArb = fc.oneof(
      fc.record({ op: fc.constant<'put'>('put'), id: idArb }),
      fc.record({ op: fc.constant<'remove'>('remove'), id: idArb }),
    );
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 400 }), (ops) => {
        const table = new LeaseTable(2);
        const model = new Map<string, number>();
        for (const o of ops) {
          if (o.op === 'put') {
            // A new record each time, as a restore would bring: the table finds the user's row by id.
            const user = newUser({ id: o.id, extension: '1', name: 'n' }, DEFAULT_POLICY, T0);
            const row = table.put(user, DEFAULT_POLICY);
            expect(row).toBe(model.get(o.id) ?? row);
            model.set(o.id, row);
          } else {
            table.remove(o.id);
            model.delete(o.id);
          }
          for (const [id, row] of model) {
            expect(table.rowOf(id)).toBe(row);
            expect(table.bound(row, id)).not.toBe(-Infinity);
          }
        }
        expect(new Set(model.values()).size).toBe(model.size);
        for (const o of ops) if (!model.has(o.id)) expect(table.rowOf(o.id)).toBe(-1);
      }),
      RUNS,
    );
  });
});

describe('S9.3 the wake queue', () => {
  test('S9.3 wakes come out in the order of the instant they are looked at, ties in the order they were armed, whatever was set, moved and deleted before', () => {
    type Op =
      { op: 'set'; user: number; at: number } | { op: 'delete'; user: number } | { op: 'rearmFirst'; at: number };
    const op = fc.oneof(
      fc.record({ op: fc.constant('set' as const), user: fc.nat(40), at: fc.nat(1000) }),
      fc.record({ op: fc.constant('delete' as const), user: fc.nat(40) }),
      fc.record({ op: fc.constant('rearmFirst' as const), at: fc.nat(50) }),
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 50, maxLength: 200 }), (ops: Op[]) => {
        const q = new WakeQueue(2); // small, so the arrays grow during the test
        // The model: each user's wake with the instant it is looked at and the order it was armed in.
        const model = new Map<string, { at: number; armedAt: number; order: number }>();
        let order = 0;
        const ordered = () => [...model].sort((a, b) => a[1].armedAt - b[1].armedAt || a[1].order - b[1].order);
        for (const o of ops) {
          if (o.op === 'set') {
            const id = `u${o.user}`;
            q.set(o.user, id, o.at);
            const m = model.get(id);
            if (m === undefined) model.set(id, { at: o.at, armedAt: o.at, order: ++order });
            else if (o.at >= m.armedAt) m.at = o.at;
            else model.set(id, { at: o.at, armedAt: o.at, order: ++order });
          } else if (o.op === 'delete') {
            q.delete(o.user, `u${o.user}`);
            model.delete(`u${o.user}`);
          } else {
            const w = q.first();
            const f = ordered()[0];
            expect(w < 0 ? undefined : q.userOf(w)).toBe(f?.[0]);
            if (w >= 0 && f !== undefined) {
              q.rearm(w, o.at);
              model.set(f[0], { at: o.at, armedAt: o.at, order: ++order });
            }
          }
          expect(q.size).toBe(model.size);
        }
        const out: string[] = [];
        for (let w = q.first(); w >= 0; w = q.first()) {
          const id = q.userOf(w);
          expect(q.atOf(w)).toBe(model.get(id)!.at);
          expect(q.armedAtOf(w)).toBe(model.get(id)!.armedAt);
          out.push(id);
          q.delete(w, id);
        }
        expect(out).toEqual(ordered().map(([id]) => id));
      }),
    );
  });
});
