// Seed conformance: one test per behaviour sentence of the five product documents Switchboard was
// modelled on (Ringotel, PortSIP, MightyCall, CircleLoop and a PBX desktop client). Each test is
// named after its seed and the SPEC rule that carries the sentence. The sentences are quoted in
// the describe blocks' comments so this file stands alone: nothing here reads the seeds at run
// time.
import { describe, expect, test } from 'vitest';
import { route } from '../src/core/index.js';
import type {
  AnsweringAction,
  CallRequest,
  Decision,
  GroupInput,
  QueueInput,
  UserInput,
  UserSettings,
} from '../src/core/index.js';
import type { Harness } from './support/tenant.js';
import { admin, MIN, register, SEC, self, tenant, users } from './support/tenant.js';

// ---------------------------------------------------------------------------------------------
// Helpers

/** User n with extension n, e.g. user(1001) is u1001 at 1001. */
function user(n: number, settings: Partial<UserSettings> = {}, role: UserInput['role'] = 'user'): UserInput {
  return { id: `u${n}`, extension: String(n), name: `User ${n}`, role, settings };
}

const toUser = (id: string): CallRequest['to'] => ({ kind: 'user', id });
const toGroup = (id: string): CallRequest['to'] => ({ kind: 'group', id });

/** Routes a real call through the engine (with its side effects) and returns the decision. */
function call(h: Harness, c: CallRequest): Decision {
  return h.ok({ type: 'call.route', call: c }).reply as Decision;
}

/** The pure decision for a call, without side effects. */
function decide(h: Harness, c: CallRequest): Decision {
  const out = route(h.state(), c, h.clock.now());
  if (!out.ok) throw new Error(`route refused: ${out.code}`);
  return out.decision;
}

/** Asserts the outcome and narrows the decision to it. */
function expectOutcome<O extends Decision['outcome']>(
  d: Decision | undefined,
  outcome: O,
): Extract<Decision, { outcome: O }> {
  expect(d?.outcome).toBe(outcome);
  return d as Extract<Decision, { outcome: O }>;
}

/** What rings, as [userId or number, device id, start second]. */
function ringing(d: Decision | undefined): [string | undefined, string | undefined, number][] {
  return expectOutcome(d, 'ring').ring.map((e) => [e.userId ?? e.number, e.deviceId, e.startSec]);
}

/** Every ring entry anywhere in a decision chain. */
function allRingEntries(d: Decision | undefined): { userId?: string; number?: string }[] {
  if (d === undefined) return [];
  const here = d.outcome === 'ring' ? [...d.ring] : [];
  return 'next' in d ? [...here, ...allRingEntries(d.next)] : here;
}

function setStatus(
  h: Harness,
  userId: string,
  status: string,
  extra: { text?: string; forwardTo?: string } = {},
): void {
  h.ok({ type: 'status.set', userId, status, by: self(userId), ...extra });
}

function answer(h: Harness, userId: string, legId: string, direction: 'in' | 'out' = 'in'): void {
  h.ok({ type: 'leg.update', userId, legId, direction, state: 'answered' });
}

function hangUp(h: Harness, userId: string, legId: string, direction: 'in' | 'out' = 'in'): void {
  h.ok({ type: 'leg.update', userId, legId, direction, state: 'ended' });
}

/** Keeps an app session alive with heartbeats that show no user activity. */
function quietHeartbeats(h: Harness, userId: string, sessionId: string, everyMs: number, totalMs: number): void {
  for (let t = everyMs; t <= totalMs; t += everyMs) {
    h.advance(everyMs);
    h.ok({ type: 'session.heartbeat', userId, sessionId, active: false });
  }
}

function offeredTo(h: Harness, queueId: string, callId: string): readonly string[] | undefined {
  return h
    .state()
    .queues.get(queueId)
    ?.waiting.find((w) => w.callId === callId)?.offeredTo;
}

function arrive(h: Harness, queueId: string, callId: string): void {
  h.ok({ type: 'queue.call.arrive', queueId, callId, caller: '+15550100' });
}

// ---------------------------------------------------------------------------------------------
// Seed 000 — Ringotel user statuses

describe('Ringotel (seed 000)', () => {
  // "Online. The user is registered on the PBX via the Ringotel app or other SIP endpoint using
  // credentials generated via the Terminal password feature."
  test('Ringotel: Online when registered through the app (S2.2)', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'app1', 'app');
    expect(h.status('u1001')).toBe('online');
    expect(h.presence('u1001').label).toBe('Online');
    expect(h.presence('u1001').colour).toBe('green');
  });

  test('Ringotel: Online when registered from another SIP endpoint with the terminal password (S1.1, S2.2)', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'desk1', 'terminal');
    expect(h.status('u1001')).toBe('online');
    expect(h.presence('u1001').devices).toEqual({ app: 0, terminal: 1, pbx: 0 });
  });

  // "The user is available and ready to receive or make calls."
  test('Ringotel: an Online user receives calls on every device at once (S3.1)', () => {
    const h = tenant({ users: users(2) });
    register(h, 'u1001', 'app1', 'app');
    register(h, 'u1001', 'desk1', 'terminal');
    expect(ringing(call(h, { to: toUser('u1001') }))).toEqual([
      ['u1001', 'app1', 0],
      ['u1001', 'desk1', 0],
    ]);
  });

  test('Ringotel: an Online user makes calls (S3.1)', () => {
    const h = tenant({ users: users(2) });
    register(h, 'u1001', 'app1', 'app');
    register(h, 'u1002', 'app2', 'app');
    expect(ringing(call(h, { from: { userId: 'u1001' }, to: toUser('u1002') }))).toEqual([['u1002', 'app2', 0]]);
  });

  // "This status can be set manually." — choosing Available clears any manual status: Online again.
  test('Ringotel: Online is chosen by hand by setting Available, which clears DND (S2.1)', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'app1', 'app');
    setStatus(h, 'u1001', 'dnd');
    expect(h.status('u1001')).toBe('dnd');
    setStatus(h, 'u1001', 'available');
    expect(h.status('u1001')).toBe('online');
    expect(h.presence('u1001').manual).toBeUndefined();
  });

  // "Offline. The user is not registered on the PBX via the Ringotel app or other SIP endpoint."
  test('Ringotel: Offline when not registered through the app or any SIP endpoint (S2.2, S2.3)', () => {
    const h = tenant({ users: users(1) });
    expect(h.status('u1001')).toBe('offline');
    expect(h.presence('u1001').colour).toBe('grey');
    register(h, 'u1001', 'app1', 'app');
    h.ok({ type: 'registration.remove', userId: 'u1001', id: 'app1', reason: 'unregister' });
    expect(h.status('u1001')).toBe('offline');
    expect(h.presence('u1001').label).toBe('Offline');
  });

  // "This user is not reachable. ... incoming calls will be rejected or forwarded to the voicemail
  // or another number."
  test('Ringotel: calls to an Offline user go to voicemail when it is enabled (S3.1, S3.2)', () => {
    const h = tenant({ users: users(1) });
    const d = expectOutcome(call(h, { to: toUser('u1001') }), 'action');
    expect(d.action.condition).toBe('unreachable');
    expect(d.action.action).toEqual({ type: 'voicemail' });
  });

  test('Ringotel: calls to an Offline user are rejected when voicemail is off (S3.1, S3.2)', () => {
    const h = tenant({ users: [user(1001, { voicemail: false })] });
    const d = expectOutcome(call(h, { to: toUser('u1001') }), 'action');
    expect(d.action.condition).toBe('unreachable');
    expect(d.action.action).toEqual({ type: 'reject' });
  });

  test('Ringotel: calls to an Offline user are forwarded to another number when so configured (S3.1, S3.2)', () => {
    const h = tenant({ users: [user(1001, { actions: { unreachable: { type: 'external', number: '+15550199' } } })] });
    const d = expectOutcome(call(h, { to: toUser('u1001') }), 'action');
    expect(d.action.condition).toBe('unreachable');
    expect(d.action.action).toEqual({ type: 'external', number: '+15550199' });
  });

  // "This status can't be set manually."
  test('Ringotel: Offline cannot be set by hand (S2.2)', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'app1', 'app');
    const out = h.run({ type: 'status.set', userId: 'u1001', status: 'offline', by: self('u1001') });
    expect(out).toMatchObject({ ok: false, code: 'SWB_ERR_STATUS_AUTOMATIC', details: { status: 'offline' } });
    expect(h.status('u1001')).toBe('online');
  });

  // "Busy. Indicates that the user is making or receiving a call or is on an active call with
  // another extension or external number."
  test('Ringotel: Busy (on a call) while making a call (S1.2, S2.2)', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'app1', 'app');
    h.ok({ type: 'leg.update', userId: 'u1001', legId: 'l1', direction: 'out', state: 'ringing' });
    expect(h.status('u1001')).toBe('on_call');
    expect(h.presence('u1001').colour).toBe('red');
    expect(h.presence('u1001').indicators.onCall).toBe(true);
  });

  test('Ringotel: Busy (on a call) on an answered incoming call, and not while only being rung (S1.2, S2.2)', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'app1', 'app');
    h.ok({ type: 'leg.update', userId: 'u1001', legId: 'l1', direction: 'in', state: 'ringing' });
    expect(h.status('u1001')).toBe('online');
    expect(h.presence('u1001').indicators.ringing).toBe(true);
    answer(h, 'u1001', 'l1');
    expect(h.status('u1001')).toBe('on_call');
    expect(h.presence('u1001').indicators.ringing).toBe(false);
  });

  test('Ringotel: Busy (on a call) ends with the call: Online again (S1.2, S2.3)', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'app1', 'app');
    answer(h, 'u1001', 'l1');
    hangUp(h, 'u1001', 'l1');
    expect(h.status('u1001')).toBe('online');
    expect(h.presence('u1001').indicators.onCall).toBe(false);
  });

  test('Ringotel: Busy (on a call) cannot be set by hand (S2.2)', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'app1', 'app');
    const out = h.run({ type: 'status.set', userId: 'u1001', status: 'on_call', by: self('u1001') });
    expect(out).toMatchObject({ ok: false, code: 'SWB_ERR_STATUS_AUTOMATIC', details: { status: 'on_call' } });
    expect(h.status('u1001')).toBe('online');
  });

  // "Depending on the PBX settings, the user can or can not receive an incoming call."
  test('Ringotel: a user on a call still receives a call when call waiting is on (S3.1)', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'app1', 'app');
    answer(h, 'u1001', 'l1');
    expect(ringing(call(h, { to: toUser('u1001') }))).toEqual([['u1001', 'app1', 0]]);
  });

  test('Ringotel: a user on a call gets the busy action when call waiting is off (S3.1)', () => {
    const h = tenant({ users: [user(1001, { callWaiting: false })] });
    register(h, 'u1001', 'app1', 'app');
    answer(h, 'u1001', 'l1');
    const d = expectOutcome(call(h, { to: toUser('u1001') }), 'action');
    expect(d.action.condition).toBe('busy');
    expect(d.action.action).toEqual({ type: 'busyTone' });
    expect(d.explanation.map((e) => e.rule)).toContain('S3.1#6');
  });

  // "Do not disturb. Users can only set DND status manually via the Ringotel app."
  test("Ringotel: DND is set by hand and recorded as the user's own choice (S2.1, S5.3)", () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'app1', 'app');
    setStatus(h, 'u1001', 'dnd');
    const p = h.presence('u1001');
    expect(p.status).toBe('dnd');
    expect(p.label).toBe('Do not disturb');
    expect(p.colour).toBe('red');
    expect(p.manual?.setBy).toBe('self');
  });

  test('Ringotel: DND never comes by itself: a call answered and one ringing out leave the user Online (S2.3)', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'app1', 'app');
    h.ok({ type: 'leg.update', userId: 'u1001', legId: 'l1', direction: 'in', state: 'ringing' });
    hangUp(h, 'u1001', 'l1');
    answer(h, 'u1001', 'l2');
    hangUp(h, 'u1001', 'l2');
    expect(h.status('u1001')).toBe('online');
    expect(h.presence('u1001').manual).toBeUndefined();
  });

  // "In this status, incoming calls will be rejected or forwarded to the voicemail (if enabled),
  // and missed call notifications will be sent to a user."
  test('Ringotel: in DND incoming calls go to voicemail when it is enabled (S3.1, S3.2)', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'app1', 'app');
    setStatus(h, 'u1001', 'dnd');
    const d = expectOutcome(call(h, { to: toUser('u1001') }), 'action');
    expect(d.action.condition).toBe('dnd');
    expect(d.action.action).toEqual({ type: 'voicemail' });
  });

  test('Ringotel: in DND incoming calls are rejected when voicemail is off (S3.1, S3.2)', () => {
    const h = tenant({ users: [user(1001, { voicemail: false })] });
    register(h, 'u1001', 'app1', 'app');
    setStatus(h, 'u1001', 'dnd');
    const d = expectOutcome(call(h, { to: toUser('u1001') }), 'action');
    expect(d.action.condition).toBe('dnd');
    expect(d.action.action).toEqual({ type: 'reject' });
  });

  test('Ringotel: in DND the user gets a missed-call notification (S3.1)', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'app1', 'app');
    setStatus(h, 'u1001', 'dnd');
    const out = h.ok({
      type: 'call.route',
      call: { callId: 'c1', from: { external: '+15550100' }, to: toUser('u1001') },
    });
    const missed = out.events.filter((e) => e.type === 'call.missed');
    expect(missed.map((e) => [e.subject, e.value])).toEqual([
      ['u1001', { reason: 'dnd', callId: 'c1', caller: '+15550100' }],
    ]);
    expect(h.presence('u1001').indicators.missedCalls).toBe(1);
  });

  // "The user is not restricted to make outgoing calls."
  test('Ringotel: in DND outgoing calls are allowed (S3.1)', () => {
    const h = tenant({ users: users(2) });
    register(h, 'u1001', 'app1', 'app');
    register(h, 'u1002', 'app2', 'app');
    setStatus(h, 'u1001', 'dnd');
    expect(ringing(call(h, { from: { userId: 'u1001' }, to: toUser('u1002') }))).toEqual([['u1002', 'app2', 0]]);
    expect(
      expectOutcome(call(h, { from: { userId: 'u1001' }, to: { kind: 'external', number: '+15550123' } }), 'external')
        .number,
    ).toBe('+15550123');
  });

  // "At the desk. ... the Ringotel app starts ringing after a 10 seconds delay (by default, can be
  // changed in the connection settings), reducing disruption when the user is at the office desk
  // and has a parallel IP Phone registered."
  test('Ringotel: At the desk delays the app ringing by 10 s (S2.1)', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'app1', 'app');
    setStatus(h, 'u1001', 'at_desk');
    expect(h.presence('u1001').label).toBe('At the desk');
    expect(ringing(call(h, { to: toUser('u1001') }))).toEqual([['u1001', 'app1', 10]]);
  });

  test('Ringotel: At the desk rings the parallel desk phone at once and the app 10 s later (S2.1)', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'app1', 'app');
    register(h, 'u1001', 'desk1', 'terminal');
    setStatus(h, 'u1001', 'at_desk');
    expect(ringing(call(h, { to: toUser('u1001') }))).toEqual([
      ['u1001', 'app1', 10],
      ['u1001', 'desk1', 0],
    ]);
  });

  test('Ringotel: At the desk rings a PBX-reported device at once (S2.1)', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'app1', 'app');
    register(h, 'u1001', 'pbx1', 'pbx');
    setStatus(h, 'u1001', 'at_desk');
    expect(ringing(call(h, { to: toUser('u1001') }))).toEqual([
      ['u1001', 'app1', 10],
      ['u1001', 'pbx1', 0],
    ]);
  });

  test("Ringotel: the At the desk delay can be changed in the user's settings (S2.1, S2.5)", () => {
    const h = tenant({ users: [user(1001, { deskDelaySec: 4 })] });
    register(h, 'u1001', 'app1', 'app');
    setStatus(h, 'u1001', 'at_desk');
    expect(ringing(call(h, { to: toUser('u1001') }))).toEqual([['u1001', 'app1', 4]]);
  });

  test('Ringotel: the default At the desk delay follows the tenant policy defaultDeskDelaySec (S2.5)', () => {
    const h = tenant({ users: users(1), policy: { defaultDeskDelaySec: 15 } });
    register(h, 'u1001', 'app1', 'app');
    setStatus(h, 'u1001', 'at_desk');
    expect(ringing(call(h, { to: toUser('u1001') }))).toEqual([['u1001', 'app1', 15]]);
  });

  test('Ringotel: At the desk delays the app in a group call too (S3.3)', () => {
    const h = tenant({ users: users(2), groups: [{ id: 'g1', name: 'Sales', members: ['u1001', 'u1002'] }] });
    register(h, 'u1001', 'app1', 'app');
    register(h, 'u1002', 'app2', 'app');
    setStatus(h, 'u1001', 'at_desk');
    expect(ringing(call(h, { to: toGroup('g1') }))).toEqual([
      ['u1001', 'app1', 10],
      ['u1002', 'app2', 0],
    ]);
  });

  // "The user is not restricted to make outgoing calls."
  test('Ringotel: At the desk, outgoing calls are allowed (S3.1)', () => {
    const h = tenant({ users: users(2) });
    register(h, 'u1001', 'app1', 'app');
    register(h, 'u1002', 'app2', 'app');
    setStatus(h, 'u1001', 'at_desk');
    expect(ringing(call(h, { from: { userId: 'u1001' }, to: toUser('u1002') }))).toEqual([['u1002', 'app2', 0]]);
  });

  // "This status can only be set manually."
  test('Ringotel: At the desk is only set by hand: an app plus a desk phone shows Online until chosen (S2.1, S2.3)', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'app1', 'app');
    register(h, 'u1001', 'desk1', 'terminal');
    expect(h.status('u1001')).toBe('online');
    setStatus(h, 'u1001', 'at_desk');
    expect(h.status('u1001')).toBe('at_desk');
    expect(h.presence('u1001').colour).toBe('green');
  });

  // "Available. When a user doesn't use their Ringotel app for some time, their status changes to
  // Available."
  test('Ringotel: Available (idle) after the app is unused for idleAfterSec (S1.4, S2.2)', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'app1', 'app');
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    quietHeartbeats(h, 'u1001', 's1', MIN, 9 * MIN);
    h.advance(MIN - 1);
    expect(h.status('u1001')).toBe('online');
    h.advance(1);
    const p = h.presence('u1001');
    expect(p.status).toBe('idle');
    expect(p.label).toBe('Available (idle)');
    expect(p.colour).toBe('green');
  });

  test('Ringotel: Available (idle) ends at once when the user uses the app again (S1.4)', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'app1', 'app');
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    quietHeartbeats(h, 'u1001', 's1', MIN, 10 * MIN);
    expect(h.status('u1001')).toBe('idle');
    h.ok({ type: 'session.heartbeat', userId: 'u1001', sessionId: 's1', active: true });
    expect(h.status('u1001')).toBe('online');
  });

  // "The user is available and ready to receive or make calls."
  test('Ringotel: an Available (idle) user still receives calls (S3.1)', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'app1', 'app');
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    quietHeartbeats(h, 'u1001', 's1', MIN, 10 * MIN);
    expect(h.status('u1001')).toBe('idle');
    expect(ringing(call(h, { to: toUser('u1001') }))).toEqual([['u1001', 'app1', 0]]);
  });

  // "Please note, if user has a parallel registration with SIP credentials generated via the
  // Terminal password feature, this status will not be enabled."
  test('Ringotel: Available (idle) is not enabled while a terminal registration exists (S1.4)', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'app1', 'app');
    register(h, 'u1001', 'desk1', 'terminal');
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    quietHeartbeats(h, 'u1001', 's1', MIN, 15 * MIN);
    expect(h.status('u1001')).toBe('online');
  });

  test('Ringotel: Available (idle) begins once the terminal registration ends (S1.4)', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'app1', 'app');
    register(h, 'u1001', 'desk1', 'terminal');
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    quietHeartbeats(h, 'u1001', 's1', MIN, 15 * MIN);
    h.ok({ type: 'registration.remove', userId: 'u1001', id: 'desk1', reason: 'unregister' });
    expect(h.status('u1001')).toBe('idle');
  });

  test('Ringotel: Available (idle) cannot be set by hand (S2.2)', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'app1', 'app');
    const out = h.run({ type: 'status.set', userId: 'u1001', status: 'idle', by: self('u1001') });
    expect(out).toMatchObject({ ok: false, code: 'SWB_ERR_STATUS_AUTOMATIC', details: { status: 'idle' } });
    expect(h.status('u1001')).toBe('online');
  });

  // "Available on PBX. If the user is not registered in the Ringotel app or SIP endpoint using
  // credentials generated via the Terminal password feature, but they have active registration on
  // the PBX, their status becomes Available on PBX."
  test('Ringotel: Available on PBX with only a PBX registration (S2.2, S2.3)', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'pbx1', 'pbx');
    const p = h.presence('u1001');
    expect(p.status).toBe('available_on_pbx');
    expect(p.label).toBe('Available on PBX');
    expect(p.colour).toBe('yellow');
    expect(p.rule).toBe('S2.3#8');
  });

  test('Ringotel: Available on PBX gives way to Online once the app or a terminal registers (S2.3)', () => {
    const h = tenant({ users: users(2) });
    register(h, 'u1001', 'pbx1', 'pbx');
    register(h, 'u1001', 'app1', 'app');
    register(h, 'u1002', 'pbx2', 'pbx');
    register(h, 'u1002', 'desk2', 'terminal');
    expect(h.status('u1001')).toBe('online');
    expect(h.status('u1002')).toBe('online');
  });

  // "The user may or may not be available ... (depending on their settings and status on the PBX)."
  test('Ringotel: an Available on PBX user is rung on the PBX device (S3.1)', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'pbx1', 'pbx');
    expect(ringing(call(h, { to: toUser('u1001') }))).toEqual([['u1001', 'pbx1', 0]]);
  });

  test('Ringotel: Available on PBX cannot be set by hand (S2.2)', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'app1', 'app');
    const out = h.run({ type: 'status.set', userId: 'u1001', status: 'available_on_pbx', by: self('u1001') });
    expect(out).toMatchObject({ ok: false, code: 'SWB_ERR_STATUS_AUTOMATIC', details: { status: 'available_on_pbx' } });
    expect(h.status('u1001')).toBe('online');
  });

  // "When the user lost registration on the PBX, an exclamation mark will appear near the status."
  test('Ringotel: a lost registration shows the "!" indicator and leaves the status unchanged (S2.6)', () => {
    const h = tenant({ users: users(1) });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    register(h, 'u1001', 'app1', 'app');
    expect(h.presence('u1001').indicators.lostRegistration).toBe(false);
    const before = h.status('u1001');
    h.ok({ type: 'registration.remove', userId: 'u1001', id: 'app1', reason: 'lost' });
    expect(h.presence('u1001').indicators.lostRegistration).toBe(true);
    expect(h.status('u1001')).toBe(before);
    expect(before).toBe('online');
  });

  test('Ringotel: the "!" indicator also appears when a terminal registration is lost (S2.6)', () => {
    const h = tenant({ users: users(1) });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    register(h, 'u1001', 'desk1', 'terminal');
    h.ok({ type: 'registration.remove', userId: 'u1001', id: 'desk1', reason: 'lost' });
    expect(h.presence('u1001').indicators.lostRegistration).toBe(true);
  });

  test('Ringotel: the "!" indicator goes away when the registration comes back (S2.6)', () => {
    const h = tenant({ users: users(1) });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    register(h, 'u1001', 'app1', 'app');
    h.ok({ type: 'registration.remove', userId: 'u1001', id: 'app1', reason: 'lost' });
    register(h, 'u1001', 'app1', 'app');
    expect(h.presence('u1001').indicators.lostRegistration).toBe(false);
  });

  // "It indicates that the user has no SIP connection and may not make or receive calls through
  // IP PBX. However, they will still be able to make internal calls to other Ringotel users."
  test('Ringotel: with a lost registration, calls through the PBX do not reach the user: the unreachable action (S2.6, S3.1)', () => {
    const h = tenant({ users: users(1) });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    register(h, 'u1001', 'app1', 'app');
    h.ok({ type: 'registration.remove', userId: 'u1001', id: 'app1', reason: 'lost' });
    const d = expectOutcome(call(h, { to: toUser('u1001') }), 'action');
    expect(d.action.condition).toBe('unreachable');
    expect(d.explanation.map((e) => e.rule)).toContain('S3.1#5');
  });

  test('Ringotel: with a lost registration, internal calls to other users are still allowed (S2.6, S3.1)', () => {
    const h = tenant({ users: users(2) });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    register(h, 'u1001', 'app1', 'app');
    h.ok({ type: 'registration.remove', userId: 'u1001', id: 'app1', reason: 'lost' });
    register(h, 'u1002', 'app2', 'app');
    expect(ringing(call(h, { from: { userId: 'u1001' }, to: toUser('u1002') }))).toEqual([['u1002', 'app2', 0]]);
  });

  // "As an administrator, you can monitor in which status each Ringotel user is in nearly real-time."
  test('Ringotel: every status change is published at once as one presence.changed event (S6.1)', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'app1', 'app');
    h.drain();
    setStatus(h, 'u1001', 'dnd');
    const events = h.drain();
    expect(
      events.map((e) => [
        e.type,
        e.subject,
        e.cause,
        e.type === 'presence.changed' ? [e.old?.status, e.value.status] : undefined,
      ]),
    ).toEqual([['presence.changed', 'u1001', 'self', ['online', 'dnd']]]);
  });
});

// ---------------------------------------------------------------------------------------------
// Seed 001 — PortSIP agent states and feature access codes

describe('PortSIP (seed 001)', () => {
  const q8000: QueueInput = { id: 'q1', name: 'Support', extension: '8000', agents: ['u1001', 'u1002'] };
  const q8001: QueueInput = { id: 'q2', name: 'Sales', extension: '8001', agents: ['u1001'] };

  function agents(queues: readonly QueueInput[] = [q8000, q8001]): Harness {
    const h = tenant({ users: users(3), queues });
    for (const id of ['u1001', 'u1002', 'u1003']) register(h, id, `app-${id}`, 'app');
    return h;
  }

  // "Logged Out: ... the ACD will no longer distribute calls to this agent."
  test('PortSIP: an agent is Logged Out until they log in and gets no ACD calls (S4.1, S4.3)', () => {
    const h = agents([{ ...q8000, agents: ['u1001'] }]);
    expect(h.agent('u1001', 'q1')).toBe('logged_out');
    arrive(h, 'q1', 'c1');
    expect(offeredTo(h, 'q1', 'c1')).toEqual([]);
  });

  test('PortSIP: logging out makes the agent Logged Out and the ACD stops offering calls (S4.2, S4.3)', () => {
    const h = agents([{ ...q8000, agents: ['u1001'], autoReady: true }]);
    h.ok({ type: 'agent.command', userId: 'u1001', queueId: 'q1', action: 'login', by: self('u1001') });
    h.ok({ type: 'agent.command', userId: 'u1001', queueId: 'q1', action: 'logout', by: self('u1001') });
    expect(h.agent('u1001', 'q1')).toBe('logged_out');
    arrive(h, 'q1', 'c1');
    expect(offeredTo(h, 'q1', 'c1')).toEqual([]);
  });

  // "Not Ready: logged in to the call queue, but is not prepared to handle calls that the ACD
  // distributes. While in this state, an agent can receive calls that are not handled by the ACD."
  test('PortSIP: a Not Ready agent is logged in but gets no ACD calls (S4.1, S4.3)', () => {
    const h = agents([{ ...q8000, agents: ['u1001'] }]);
    h.ok({ type: 'agent.command', userId: 'u1001', queueId: 'q1', action: 'login', by: self('u1001') });
    expect(h.agent('u1001', 'q1')).toBe('not_ready');
    arrive(h, 'q1', 'c1');
    expect(offeredTo(h, 'q1', 'c1')).toEqual([]);
  });

  test('PortSIP: a Not Ready agent still receives calls the ACD does not handle (S4.1, S3.1)', () => {
    const h = agents([{ ...q8000, agents: ['u1001'] }]);
    h.ok({ type: 'agent.command', userId: 'u1001', queueId: 'q1', action: 'login', by: self('u1001') });
    expect(ringing(call(h, { to: toUser('u1001') }))).toEqual([['u1001', 'app-u1001', 0]]);
  });

  // "Ready: logged in to a call queue and is prepared to handle calls that the ACD distributes."
  test('PortSIP: a Ready agent is offered ACD calls (S4.1, S4.3)', () => {
    const h = agents([{ ...q8000, agents: ['u1001'] }]);
    h.ok({ type: 'agent.command', userId: 'u1001', queueId: 'q1', action: 'login', by: self('u1001') });
    h.ok({ type: 'agent.command', userId: 'u1001', queueId: 'q1', action: 'ready', by: self('u1001') });
    expect(h.agent('u1001', 'q1')).toBe('ready');
    const out = h.ok({ type: 'queue.call.arrive', queueId: 'q1', callId: 'c1', caller: '+15550100' });
    expect(out.directives).toEqual([
      { type: 'queue.offer', queueId: 'q1', callId: 'c1', userIds: ['u1001'], ringSec: 15 },
    ]);
  });

  // "Queue Call / Other Call: the agent is on the current call and can't handle new calls that the
  // ACD distributes. The Queue Call indicates that the agent is on an ACD call, while the Other
  // Call indicates the agent is on a non-ACD call."
  test('PortSIP: Queue Call while on an ACD call, and no further ACD calls are offered (S4.1, S4.2)', () => {
    const h = agents([{ ...q8000, agents: ['u1001'], autoReady: true }]);
    h.ok({ type: 'agent.command', userId: 'u1001', queueId: 'q1', action: 'login', by: self('u1001') });
    arrive(h, 'q1', 'c1');
    h.ok({ type: 'queue.call.answer', queueId: 'q1', callId: 'c1', userId: 'u1001' });
    expect(h.agent('u1001', 'q1')).toBe('queue_call');
    arrive(h, 'q1', 'c2');
    expect(offeredTo(h, 'q1', 'c2')).toEqual([]);
  });

  test('PortSIP: Other Call while on a non-ACD call, and no ACD calls are offered meanwhile (S4.1, S4.2)', () => {
    const h = agents([{ ...q8000, agents: ['u1001'], autoReady: true }]);
    h.ok({ type: 'agent.command', userId: 'u1001', queueId: 'q1', action: 'login', by: self('u1001') });
    answer(h, 'u1001', 'direct1');
    expect(h.agent('u1001', 'q1')).toBe('other_call');
    arrive(h, 'q1', 'c1');
    expect(offeredTo(h, 'q1', 'c1')).toEqual([]);
  });

  test('PortSIP: after Other Call the agent returns to the state they were in (S4.2)', () => {
    const h = agents([{ ...q8000, agents: ['u1001'] }]);
    h.ok({ type: 'agent.command', userId: 'u1001', queueId: 'q1', action: 'login', by: self('u1001') });
    answer(h, 'u1001', 'direct1');
    expect(h.agent('u1001', 'q1')).toBe('other_call');
    hangUp(h, 'u1001', 'direct1');
    expect(h.agent('u1001', 'q1')).toBe('not_ready');
  });

  test('PortSIP: an agent on a Queue Call of one queue is on an Other Call for their other queues (S4.1)', () => {
    const h = agents([
      { ...q8000, autoReady: true },
      { ...q8001, autoReady: true },
    ]);
    h.ok({ type: 'agent.command', userId: 'u1001', action: 'login', by: self('u1001') });
    arrive(h, 'q1', 'c1');
    h.ok({ type: 'queue.call.answer', queueId: 'q1', callId: 'c1', userId: 'u1001' });
    expect([h.agent('u1001', 'q1'), h.agent('u1001', 'q2')]).toEqual(['queue_call', 'other_call']);
    arrive(h, 'q2', 'c2');
    expect(offeredTo(h, 'q2', 'c2')).toEqual([]);
  });

  // "Wrap Up: ... no longer involved with an ACD call ... performing administrative duties for a
  // previous call and cannot receive further calls from the ACD."
  test('PortSIP: Wrap Up after an ACD call for wrapUpSec, with no ACD calls, then Ready (S4.1, S4.2)', () => {
    const h = agents([{ ...q8000, agents: ['u1001'], autoReady: true, wrapUpSec: 30 }]);
    h.ok({ type: 'agent.command', userId: 'u1001', queueId: 'q1', action: 'login', by: self('u1001') });
    arrive(h, 'q1', 'c1');
    h.ok({ type: 'queue.call.answer', queueId: 'q1', callId: 'c1', userId: 'u1001' });
    hangUp(h, 'u1001', 'c1');
    expect(h.agent('u1001', 'q1')).toBe('wrap_up');
    arrive(h, 'q1', 'c2');
    expect(offeredTo(h, 'q1', 'c2')).toEqual([]);
    h.advance(30 * SEC - 1);
    expect(h.agent('u1001', 'q1')).toBe('wrap_up');
    h.advance(1);
    expect(h.agent('u1001', 'q1')).toBe('ready');
    expect(offeredTo(h, 'q1', 'c2')).toEqual(['u1001']);
  });

  // "An agent can have several states with respect to different ACD devices, or he can use a
  // single state to describe his relationship to all ACD devices."
  test('PortSIP: an agent has a separate state in each queue (S4.1)', () => {
    const h = agents();
    h.ok({ type: 'agent.command', userId: 'u1001', queueId: 'q1', action: 'login', by: self('u1001') });
    h.ok({ type: 'agent.command', userId: 'u1001', queueId: 'q1', action: 'ready', by: self('u1001') });
    expect([h.agent('u1001', 'q1'), h.agent('u1001', 'q2')]).toEqual(['ready', 'logged_out']);
  });

  test('PortSIP: an all-queues command gives the agent one state in every queue (S4.2)', () => {
    const h = agents();
    h.ok({ type: 'agent.command', userId: 'u1001', action: 'login', by: self('u1001') });
    h.ok({ type: 'agent.command', userId: 'u1001', action: 'ready', by: self('u1001') });
    expect([h.agent('u1001', 'q1'), h.agent('u1001', 'q2')]).toEqual(['ready', 'ready']);
  });

  // "If you create the call queue with Set agent to Ready automatically turned on, you do not need
  // to set the agent status to Ready manually."
  test('PortSIP: with Set agent to Ready automatically, logging in lands in Ready (S4.2)', () => {
    const h = agents([{ ...q8000, autoReady: true }]);
    h.ok({ type: 'agent.command', userId: 'u1001', queueId: 'q1', action: 'login', by: self('u1001') });
    expect(h.agent('u1001', 'q1')).toBe('ready');
  });

  test('PortSIP: without Set agent to Ready automatically, logging in lands in Not Ready (S4.2)', () => {
    const h = agents([{ ...q8000, autoReady: false }]);
    h.ok({ type: 'agent.command', userId: 'u1001', queueId: 'q1', action: 'login', by: self('u1001') });
    expect(h.agent('u1001', 'q1')).toBe('not_ready');
  });

  // The state diagram: only the transitions it draws may be taken.
  test('PortSIP: Ready while Logged Out is refused and changes nothing (S4.2)', () => {
    const h = agents();
    const out = h.run({ type: 'agent.command', userId: 'u1001', queueId: 'q1', action: 'ready', by: self('u1001') });
    expect(out).toMatchObject({ ok: false, code: 'SWB_ERR_AGENT_NOT_LOGGED_IN' });
    expect(h.agent('u1001', 'q1')).toBe('logged_out');
  });

  // "Dial *38 to log into all queues that the agent belongs; Dial *388000 to log into the queue
  // that number is 8000. After logging in, if the queue is checked Set agent to Ready
  // automatically, the agent state will be changed to Ready, otherwise will be Not Ready."
  test('PortSIP: *38 logs the agent into all their queues (S4.5)', () => {
    const h = agents();
    h.ok({ type: 'fac.dial', userId: 'u1001', digits: '*38' });
    expect([h.agent('u1001', 'q1'), h.agent('u1001', 'q2')]).toEqual(['not_ready', 'not_ready']);
  });

  test('PortSIP: *388000 logs the agent into queue 8000 only (S4.5)', () => {
    const h = agents();
    h.ok({ type: 'fac.dial', userId: 'u1001', digits: '*388000' });
    expect([h.agent('u1001', 'q1'), h.agent('u1001', 'q2')]).toEqual(['not_ready', 'logged_out']);
  });

  test('PortSIP: after *38 each queue lands in Ready or Not Ready by its own autoReady (S4.5, S4.2)', () => {
    const h = agents([
      { ...q8000, autoReady: true },
      { ...q8001, autoReady: false },
    ]);
    h.ok({ type: 'fac.dial', userId: 'u1001', digits: '*38' });
    expect([h.agent('u1001', 'q1'), h.agent('u1001', 'q2')]).toEqual(['ready', 'not_ready']);
  });

  // "Dial *39 to log out of all queues; Dial *398000 to log out of the queue that number is 8000."
  test('PortSIP: *39 logs the agent out of all queues (S4.5)', () => {
    const h = agents();
    h.ok({ type: 'fac.dial', userId: 'u1001', digits: '*38' });
    h.ok({ type: 'fac.dial', userId: 'u1001', digits: '*39' });
    expect([h.agent('u1001', 'q1'), h.agent('u1001', 'q2')]).toEqual(['logged_out', 'logged_out']);
  });

  test('PortSIP: *398000 logs the agent out of queue 8000 only (S4.5)', () => {
    const h = agents();
    h.ok({ type: 'fac.dial', userId: 'u1001', digits: '*38' });
    h.ok({ type: 'fac.dial', userId: 'u1001', digits: '*398000' });
    expect([h.agent('u1001', 'q1'), h.agent('u1001', 'q2')]).toEqual(['logged_out', 'not_ready']);
  });

  // "Dial *36 to change the agent state to Ready of all queues that the agent belongs; Dial
  // *368000 to change the agent state to Ready of the queue that number is 8000."
  test('PortSIP: *36 sets the agent Ready in all queues (S4.5)', () => {
    const h = agents();
    h.ok({ type: 'fac.dial', userId: 'u1001', digits: '*38' });
    h.ok({ type: 'fac.dial', userId: 'u1001', digits: '*36' });
    expect([h.agent('u1001', 'q1'), h.agent('u1001', 'q2')]).toEqual(['ready', 'ready']);
  });

  test('PortSIP: *368000 sets the agent Ready in queue 8000 only (S4.5)', () => {
    const h = agents();
    h.ok({ type: 'fac.dial', userId: 'u1001', digits: '*38' });
    h.ok({ type: 'fac.dial', userId: 'u1001', digits: '*368000' });
    expect([h.agent('u1001', 'q1'), h.agent('u1001', 'q2')]).toEqual(['ready', 'not_ready']);
  });

  // "Dial *37 to change the agent state to Not Ready of all queues ...; Dial *378000 to change the
  // agent state to Not Ready of the queue that number is 8000."
  test('PortSIP: *37 sets the agent Not Ready in all queues (S4.5)', () => {
    const h = agents([
      { ...q8000, autoReady: true },
      { ...q8001, autoReady: true },
    ]);
    h.ok({ type: 'fac.dial', userId: 'u1001', digits: '*38' });
    h.ok({ type: 'fac.dial', userId: 'u1001', digits: '*37' });
    expect([h.agent('u1001', 'q1'), h.agent('u1001', 'q2')]).toEqual(['not_ready', 'not_ready']);
  });

  test('PortSIP: *378000 sets the agent Not Ready in queue 8000 only (S4.5)', () => {
    const h = agents([
      { ...q8000, autoReady: true },
      { ...q8001, autoReady: true },
    ]);
    h.ok({ type: 'fac.dial', userId: 'u1001', digits: '*38' });
    h.ok({ type: 'fac.dial', userId: 'u1001', digits: '*378000' });
    expect([h.agent('u1001', 'q1'), h.agent('u1001', 'q2')]).toEqual(['not_ready', 'ready']);
  });

  test('PortSIP: a feature code for a queue the agent does not belong to is refused (S4.5)', () => {
    const h = agents();
    const out = h.run({ type: 'fac.dial', userId: 'u1002', digits: '*388001' });
    expect(out).toMatchObject({ ok: false, code: 'SWB_ERR_AGENT_NOT_MEMBER' });
    expect(h.agent('u1002', 'q1')).toBe('logged_out');
  });

  test('PortSIP: an unknown feature code is refused (S4.5)', () => {
    const h = agents();
    const out = h.run({ type: 'fac.dial', userId: 'u1001', digits: '*35' });
    expect(out).toMatchObject({ ok: false, code: 'SWB_ERR_FAC_UNKNOWN' });
    expect([h.agent('u1001', 'q1'), h.agent('u1001', 'q2')]).toEqual(['logged_out', 'logged_out']);
  });

  // "The PortSIP also supports changing the agent status by calling the REST API." — the API
  // reaches the core as an agent command from an admin (or an API key).
  test("PortSIP: an administrator changes an agent's state through the API (S1.6, S5.3)", () => {
    const h = agents([{ ...q8000, autoReady: true }]);
    const out = h.ok({ type: 'agent.command', userId: 'u1001', queueId: 'q1', action: 'login', by: admin('u1003') });
    expect(h.agent('u1001', 'q1')).toBe('ready');
    expect(out.events.filter((e) => e.type === 'agent.changed').map((e) => e.cause)).toEqual(['admin:u1003']);
  });

  test("PortSIP: an API key with the supervisor role changes an agent's state (S1.6)", () => {
    const h = agents([{ ...q8000, autoReady: true }]);
    h.ok({
      type: 'agent.command',
      userId: 'u1001',
      queueId: 'q1',
      action: 'login',
      by: { kind: 'apikey', keyId: 'k1', role: 'supervisor' },
    });
    expect(h.agent('u1001', 'q1')).toBe('ready');
  });

  test("PortSIP: the queue manager (supervisor of the queue) changes an agent's state; another user may not (S1.6)", () => {
    const h = agents([{ ...q8000, supervisors: ['u1003'], autoReady: true }]);
    h.ok({
      type: 'agent.command',
      userId: 'u1001',
      queueId: 'q1',
      action: 'login',
      by: { kind: 'user', userId: 'u1003', role: 'supervisor' },
    });
    expect(h.agent('u1001', 'q1')).toBe('ready');
    const out = h.run({ type: 'agent.command', userId: 'u1001', queueId: 'q1', action: 'logout', by: self('u1002') });
    expect(out).toMatchObject({ ok: false, code: 'SWB_ERR_FORBIDDEN' });
    expect(h.agent('u1001', 'q1')).toBe('ready');
  });

  // "PortSIP PBX provides a real-time mechanism that allows the admin and queue manager to subscribe
  // to queue and agent status; the PBX will push the related events to the subscriber."
  test('PortSIP: every agent state change is pushed as an agent.changed event per queue (S6.1)', () => {
    const h = agents([
      { ...q8000, autoReady: true },
      { ...q8001, autoReady: false },
    ]);
    h.drain();
    h.ok({ type: 'fac.dial', userId: 'u1001', digits: '*38' });
    const changes = h
      .drain()
      .filter((e) => e.type === 'agent.changed')
      .map((e) => (e.type === 'agent.changed' ? [e.subject, e.queueId, e.value.state, e.cause] : []));
    expect(changes).toEqual([
      ['u1001', 'q1', 'ready', 'fac'],
      ['u1001', 'q2', 'not_ready', 'fac'],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Seed 002 — MightyCall presence indicator

describe('MightyCall (seed 002)', () => {
  // "Available - the user is ready to receive calls. If the user is specified in the call
  // distribution settings (Call to User, Call to Group or Call Queue), the incoming call will be
  // forwarded to the user's number."
  test('MightyCall: an Available user is rung on a call to the user (S3.1)', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'app1', 'app');
    expect(ringing(call(h, { to: toUser('u1001') }))).toEqual([['u1001', 'app1', 0]]);
  });

  test('MightyCall: an Available user is rung on a call to their group (S3.3)', () => {
    const h = tenant({ users: users(2), groups: [{ id: 'g1', name: 'Sales', members: ['u1001', 'u1002'] }] });
    register(h, 'u1001', 'app1', 'app');
    register(h, 'u1002', 'app2', 'app');
    expect(ringing(call(h, { to: toGroup('g1') }))).toEqual([
      ['u1001', 'app1', 0],
      ['u1002', 'app2', 0],
    ]);
  });

  test('MightyCall: an Available agent is offered a call to their call queue (S4.3)', () => {
    const h = tenant({ users: users(1), queues: [{ id: 'q1', name: 'Support', agents: ['u1001'], autoReady: true }] });
    register(h, 'u1001', 'app1', 'app');
    h.ok({ type: 'agent.command', userId: 'u1001', action: 'login', by: self('u1001') });
    const d = expectOutcome(call(h, { callId: 'c1', to: { kind: 'queue', id: 'q1' } }), 'queue');
    expect(d.offerTo).toEqual(['u1001']);
    expect(offeredTo(h, 'q1', 'c1')).toEqual(['u1001']);
  });

  // "Busy - the user is already talking to someone ... If another call is received at the same
  // time, the caller will (by default) hear the voice message the number you are calling is busy."
  test('MightyCall: a second call to a user already talking gets the busy handling, busy tone by default (S3.1, S3.2)', () => {
    const h = tenant({ users: [user(1001, { callWaiting: false })] });
    register(h, 'u1001', 'app1', 'app');
    answer(h, 'u1001', 'l1');
    expect(h.status('u1001')).toBe('on_call');
    const d = expectOutcome(call(h, { to: toUser('u1001') }), 'action');
    expect(d.action).toMatchObject({ condition: 'busy', action: { type: 'busyTone' }, defaulted: true });
  });

  // "The call will be queued and held on the line until the user completes the first call."
  test('MightyCall: the busy handling can queue the second call (S3.2)', () => {
    const h = tenant({
      users: [
        user(1001, {
          callWaiting: false,
          actions: { busy: { type: 'redirect', target: { kind: 'queue', id: 'q1' } } },
        }),
      ],
      queues: [{ id: 'q1', name: 'Hold for 1001', agents: ['u1001'], autoReady: true }],
    });
    register(h, 'u1001', 'app1', 'app');
    h.ok({ type: 'agent.command', userId: 'u1001', action: 'login', by: self('u1001') });
    answer(h, 'u1001', 'l1');
    const d = expectOutcome(call(h, { callId: 'c2', to: toUser('u1001') }), 'action');
    expect(d.action.condition).toBe('busy');
    const next = expectOutcome(d.next, 'queue');
    expect(next.target).toEqual({ kind: 'queue', id: 'q1' });
    expect(next.offerTo).toEqual([]);
    expect(
      h
        .state()
        .queues.get('q1')
        ?.waiting.map((w) => w.callId),
    ).toEqual(['c2']);
    hangUp(h, 'u1001', 'l1');
    expect(offeredTo(h, 'q1', 'c2')).toEqual(['u1001']);
  });

  test('MightyCall: a user who chose Busy gets the busy handling (S3.1)', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'app1', 'app');
    setStatus(h, 'u1001', 'busy');
    const d = expectOutcome(call(h, { to: toUser('u1001') }), 'action');
    expect(d.action.condition).toBe('busy');
    expect(d.action.action).toEqual({ type: 'busyTone' });
  });

  // "DND - calls will not be forwarded to the user. If the user is the only one who is enabled to
  // receive calls, the caller will by default hear the message the person you are calling is not
  // available. The call will be then redirected to voicemail."
  test('MightyCall: a direct call to a DND user is not put through: not available, then voicemail (S3.1, S3.2)', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'app1', 'app');
    setStatus(h, 'u1001', 'dnd');
    const d = expectOutcome(call(h, { to: toUser('u1001') }), 'action');
    expect(d.action).toMatchObject({ condition: 'dnd', action: { type: 'voicemail' } });
    expect(allRingEntries(d)).toEqual([]);
  });

  // "If settings are configured to forward the call to a group or call queue, it will be
  // redirected to users with the Available status."
  test('MightyCall: a DND user in a group is skipped and the Available members ring (S3.3)', () => {
    const h = tenant({ users: users(3), groups: [{ id: 'g1', name: 'Sales', members: ['u1001', 'u1002', 'u1003'] }] });
    for (const id of ['u1001', 'u1002', 'u1003']) register(h, id, `app-${id}`, 'app');
    setStatus(h, 'u1002', 'dnd');
    expect(ringing(call(h, { to: toGroup('g1') }))).toEqual([
      ['u1001', 'app-u1001', 0],
      ['u1003', 'app-u1003', 0],
    ]);
  });

  test('MightyCall: a DND agent is not offered a queue call; the Available agent is (S4.3)', () => {
    const h = tenant({
      users: users(2),
      queues: [{ id: 'q1', name: 'Support', agents: ['u1001', 'u1002'], autoReady: true }],
    });
    register(h, 'u1001', 'app1', 'app');
    register(h, 'u1002', 'app2', 'app');
    h.ok({ type: 'agent.command', userId: 'u1001', action: 'login', by: self('u1001') });
    h.ok({ type: 'agent.command', userId: 'u1002', action: 'login', by: self('u1002') });
    setStatus(h, 'u1001', 'dnd');
    arrive(h, 'q1', 'c1');
    expect(offeredTo(h, 'q1', 'c1')).toEqual(['u1002']);
  });

  // "In the Profile section, the Answering Options tab allows you to configure custom audio
  // greetings for DND, Busy, and No answer statuses."
  test("MightyCall: answering options play the user's own greeting for DND, Busy and No answer (S3.2)", () => {
    const greeting = (prompt: string): AnsweringAction => ({ type: 'message', prompt });
    const h = tenant({
      users: [
        user(1001, {
          actions: { dnd: greeting('dnd.wav'), busy: greeting('busy.wav'), noAnswer: greeting('noanswer.wav') },
        }),
      ],
    });
    register(h, 'u1001', 'app1', 'app');
    expect(expectOutcome(decide(h, { to: toUser('u1001') }), 'ring').onNoAnswer.action).toEqual(
      greeting('noanswer.wav'),
    );
    setStatus(h, 'u1001', 'busy');
    expect(expectOutcome(decide(h, { to: toUser('u1001') }), 'action').action.action).toEqual(greeting('busy.wav'));
    setStatus(h, 'u1001', 'dnd');
    expect(expectOutcome(decide(h, { to: toUser('u1001') }), 'action').action.action).toEqual(greeting('dnd.wav'));
  });

  // "Once you are ready to receive calls again, switch back to Available."
  test('MightyCall: switching back to Available after DND makes calls ring again (S2.1)', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'app1', 'app');
    setStatus(h, 'u1001', 'dnd');
    setStatus(h, 'u1001', 'available');
    expect(h.status('u1001')).toBe('online');
    expect(ringing(call(h, { to: toUser('u1001') }))).toEqual([['u1001', 'app1', 0]]);
  });

  // "You can see the current status of all users (Available, Busy, or DND) in your Profile's Team tab."
  test("MightyCall: every user's status shows with its label for the team view (S2.4)", () => {
    const h = tenant({ users: users(3) });
    for (const id of ['u1001', 'u1002', 'u1003']) register(h, id, `app-${id}`, 'app');
    setStatus(h, 'u1002', 'busy');
    setStatus(h, 'u1003', 'dnd');
    const team = [...h.state().users.values()].map((u) => [u.id, u.presence.label, u.presence.colour]);
    expect(team).toEqual([
      ['u1001', 'Online', 'green'],
      ['u1002', 'Busy', 'red'],
      ['u1003', 'Do not disturb', 'red'],
    ]);
  });

  // "Can I change the status of other employees? Yes, this is possible for users who are assigned
  // the Administrator role."
  test("MightyCall: an administrator changes another user's status to DND and back to Available (S5.1, S1.3)", () => {
    const h = tenant({ users: [user(1001, {}, 'admin'), user(1002)] });
    register(h, 'u1002', 'app2', 'app');
    h.ok({ type: 'status.set', userId: 'u1002', status: 'dnd', by: admin('u1001') });
    expect(h.status('u1002')).toBe('dnd');
    expect(h.presence('u1002').manual?.setBy).toBe('admin:u1001');
    h.ok({ type: 'status.set', userId: 'u1002', status: 'available', by: admin('u1001') });
    expect(h.status('u1002')).toBe('online');
  });

  test("MightyCall: a user without the Administrator role cannot change another user's status (S5.1)", () => {
    const h = tenant({ users: users(2) });
    register(h, 'u1002', 'app2', 'app');
    h.drain();
    const out = h.run({ type: 'status.set', userId: 'u1002', status: 'dnd', by: self('u1001') });
    expect(out).toMatchObject({ ok: false, code: 'SWB_ERR_FORBIDDEN' });
    expect(h.status('u1002')).toBe('online');
    expect(h.drain()).toEqual([]);
  });

  test("MightyCall: an administrator cannot change others' status when the tenant turned adminsSetOthers off (S2.5)", () => {
    const h = tenant({ users: [user(1001, {}, 'admin'), user(1002)], policy: { adminsSetOthers: false } });
    register(h, 'u1002', 'app2', 'app');
    const out = h.run({ type: 'status.set', userId: 'u1002', status: 'dnd', by: admin('u1001') });
    expect(out).toMatchObject({ ok: false, code: 'SWB_ERR_FORBIDDEN' });
    expect(h.status('u1002')).toBe('online');
  });

  // "A user's status is not related to his/her being logged in to the MightyCall profile or mobile
  // app (online or offline). Statuses are personal user settings which determine how incoming
  // calls are handled."
  test('MightyCall: with statusIndependentOfLogin a DND user without any device still shows DND (S2.3)', () => {
    const h = tenant({ users: users(1), policy: { statusIndependentOfLogin: true } });
    setStatus(h, 'u1001', 'dnd');
    expect(h.status('u1001')).toBe('dnd');
    expect(h.presence('u1001').devices).toEqual({ app: 0, terminal: 0, pbx: 0 });
  });

  test('MightyCall: without statusIndependentOfLogin the same DND user without a device shows Offline (S2.3)', () => {
    const h = tenant({ users: users(1) });
    setStatus(h, 'u1001', 'dnd');
    expect(h.status('u1001')).toBe('offline');
  });

  test('MightyCall: with statusIndependentOfLogin signing out of the app keeps the status (S2.3, S1.5)', () => {
    const h = tenant({ users: users(1), policy: { statusIndependentOfLogin: true } });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    setStatus(h, 'u1001', 'busy');
    h.ok({ type: 'session.end', userId: 'u1001', sessionId: 's1' });
    expect(h.status('u1001')).toBe('busy');
  });

  test('MightyCall: with statusIndependentOfLogin a user without devices shows Online, and calls get the unreachable action (S2.3, S3.1)', () => {
    const h = tenant({ users: users(1), policy: { statusIndependentOfLogin: true } });
    expect(h.status('u1001')).toBe('online');
    const d = expectOutcome(call(h, { to: toUser('u1001') }), 'action');
    expect(d.action.condition).toBe('unreachable');
    expect(d.explanation.map((e) => e.rule)).toContain('S3.1#5');
  });

  test('MightyCall: with statusIndependentOfLogin the DND status decides the handling of a call to a user without devices (S3.1)', () => {
    const h = tenant({
      users: [user(1001, { actions: { dnd: { type: 'message', prompt: 'dnd.wav' } } })],
      policy: { statusIndependentOfLogin: true },
    });
    setStatus(h, 'u1001', 'dnd');
    const d = expectOutcome(call(h, { to: toUser('u1001') }), 'action');
    expect(d.action).toMatchObject({ condition: 'dnd', action: { type: 'message', prompt: 'dnd.wav' } });
  });

  // "Outgoing calls can be made even if your status is set to DND."
  test('MightyCall: outgoing calls can be made in DND (S3.1)', () => {
    const h = tenant({ users: users(2), policy: { statusIndependentOfLogin: true } });
    register(h, 'u1001', 'app1', 'app');
    register(h, 'u1002', 'app2', 'app');
    setStatus(h, 'u1001', 'dnd');
    expect(
      expectOutcome(call(h, { from: { userId: 'u1001' }, to: { kind: 'external', number: '+15550123' } }), 'external')
        .number,
    ).toBe('+15550123');
    expect(ringing(call(h, { from: { userId: 'u1001' }, to: toUser('u1002') }))).toEqual([['u1002', 'app2', 0]]);
  });
});

// ---------------------------------------------------------------------------------------------
// Seed 003 — CircleLoop user presence

describe('CircleLoop (seed 003)', () => {
  function online(n: number, settings: Partial<UserSettings>[] = [], groups: GroupInput[] = []): Harness {
    const list = Array.from({ length: n }, (_, i) => user(1001 + i, settings[i] ?? {}));
    const h = tenant({ users: list, groups });
    for (const u of list) register(h, u.id, `app-${u.id}`, 'app');
    return h;
  }

  // "Each status is associated with a specific colour: Green - Active; Yellow - Away, Custom;
  // Red - Busy, Do Not Disturb."
  test('CircleLoop: Active is green (S2.1, S2.2)', () => {
    const h = online(1);
    expect([h.status('u1001'), h.presence('u1001').colour]).toEqual(['online', 'green']);
  });

  test('CircleLoop: Away is yellow (S2.1)', () => {
    const h = online(1);
    setStatus(h, 'u1001', 'away');
    expect([h.status('u1001'), h.presence('u1001').colour, h.presence('u1001').label]).toEqual([
      'away',
      'yellow',
      'Away',
    ]);
  });

  test('CircleLoop: Custom is yellow (S2.1)', () => {
    const h = online(1);
    setStatus(h, 'u1001', 'custom', { text: 'Out to lunch' });
    expect([h.status('u1001'), h.presence('u1001').colour]).toEqual(['custom', 'yellow']);
  });

  test('CircleLoop: Busy is red (S2.1)', () => {
    const h = online(1);
    setStatus(h, 'u1001', 'busy');
    expect([h.status('u1001'), h.presence('u1001').colour, h.presence('u1001').label]).toEqual(['busy', 'red', 'Busy']);
  });

  test('CircleLoop: Do Not Disturb is red (S2.1)', () => {
    const h = online(1);
    setStatus(h, 'u1001', 'dnd');
    expect([h.status('u1001'), h.presence('u1001').colour]).toEqual(['dnd', 'red']);
  });

  test('CircleLoop: the colour is never the only signal: every status has a label and an icon (S2.1)', () => {
    const h = online(1);
    const seen: [string, string, boolean][] = [];
    for (const s of ['available', 'away', 'busy', 'dnd'] as const) {
      setStatus(h, 'u1001', s);
      const p = h.presence('u1001');
      seen.push([p.status, p.label, p.icon.length > 0]);
    }
    expect(seen).toEqual([
      ['online', 'Online', true],
      ['away', 'Away', true],
      ['busy', 'Busy', true],
      ['dnd', 'Do not disturb', true],
    ]);
  });

  // "Active - ... you are available to receive calls, and internal users will see that you are available."
  test('CircleLoop: an Active user receives calls (S3.1)', () => {
    const h = online(1);
    expect(ringing(call(h, { to: toUser('u1001') }))).toEqual([['u1001', 'app-u1001', 0]]);
  });

  // "Away - ... you prefer not to answer calls at the moment, however you will still receive call
  // notifications."
  test('CircleLoop: Away still receives call notifications: a direct call rings (S2.1)', () => {
    const h = online(1);
    setStatus(h, 'u1001', 'away');
    expect(ringing(call(h, { to: toUser('u1001') }))).toEqual([['u1001', 'app-u1001', 0]]);
  });

  test('CircleLoop: an Away member of a team still rings on a team call (S2.1, S3.3)', () => {
    const h = online(2, [], [{ id: 'g1', name: 'Team', members: ['u1001', 'u1002'] }]);
    setStatus(h, 'u1001', 'away');
    expect(ringing(call(h, { to: toGroup('g1') }))).toEqual([
      ['u1001', 'app-u1001', 0],
      ['u1002', 'app-u1002', 0],
    ]);
  });

  // "Custom - You have the ability to personalise your status here ... Out to lunch."
  test('CircleLoop: Custom shows the user\'s own text, e.g. "Out to lunch", and still rings (S2.1)', () => {
    const h = online(1);
    setStatus(h, 'u1001', 'custom', { text: 'Out to lunch' });
    expect(h.presence('u1001').label).toBe('Out to lunch');
    expect(h.presence('u1001').text).toBe('Out to lunch');
    expect(ringing(call(h, { to: toUser('u1001') }))).toEqual([['u1001', 'app-u1001', 0]]);
  });

  test('CircleLoop: Custom without a text is refused (S2.1)', () => {
    const h = online(1);
    const out = h.run({ type: 'status.set', userId: 'u1001', status: 'custom', by: self('u1001') });
    expect(out).toMatchObject({ ok: false, code: 'SWB_ERR_TEXT_REQUIRED' });
    expect(h.status('u1001')).toBe('online');
  });

  // "Busy - Red status. Activating this and the DND status below means you will not receive call
  // notifications. Internal users will see that you are unavailable."
  test('CircleLoop: Busy means no call notification: nothing rings on a direct call (S3.1)', () => {
    const h = online(1);
    setStatus(h, 'u1001', 'busy');
    const d = call(h, { to: toUser('u1001') });
    expect(d.outcome).toBe('action');
    expect(allRingEntries(d)).toEqual([]);
  });

  test('CircleLoop: DND means no call notification: nothing rings on a direct call (S3.1)', () => {
    const h = online(1);
    setStatus(h, 'u1001', 'dnd');
    const d = call(h, { to: toUser('u1001') });
    expect(d.outcome).toBe('action');
    expect(allRingEntries(d)).toEqual([]);
  });

  // "If a call is made directly to a user in the Busy or DND (red) statuses, the call will follow
  // the user's out of hours settings."
  test("CircleLoop: a direct call to a Busy user follows the user's own handling, e.g. to a colleague (S3.2)", () => {
    const h = online(2, [{ actions: { busy: { type: 'redirect', target: { kind: 'user', id: 'u1002' } } } }]);
    setStatus(h, 'u1001', 'busy');
    const d = expectOutcome(call(h, { to: toUser('u1001') }), 'action');
    expect(d.action).toMatchObject({
      condition: 'busy',
      action: { type: 'redirect', target: { kind: 'user', id: 'u1002' } },
      defaulted: false,
    });
    expect(ringing(d.next)).toEqual([['u1002', 'app-u1002', 0]]);
  });

  test("CircleLoop: a direct call to a DND user follows the user's own handling, e.g. to a mobile number (S3.2)", () => {
    const h = online(1, [{ actions: { dnd: { type: 'external', number: '+447700900123' } } }]);
    setStatus(h, 'u1001', 'dnd');
    const d = expectOutcome(call(h, { to: toUser('u1001') }), 'action');
    expect(d.action).toMatchObject({
      condition: 'dnd',
      action: { type: 'external', number: '+447700900123' },
      defaulted: false,
    });
  });

  // "Teams calls: Calls to a Team will still ring all other available users within the team, but
  // it will exclude the user who is busy or set to DND."
  test('CircleLoop: a team call rings the other available users and excludes Busy and DND members (S3.3)', () => {
    const h = online(4, [], [{ id: 'g1', name: 'Team', members: ['u1001', 'u1002', 'u1003', 'u1004'] }]);
    setStatus(h, 'u1001', 'busy');
    setStatus(h, 'u1003', 'dnd');
    const d = call(h, { to: toGroup('g1') });
    expect(ringing(d)).toEqual([
      ['u1002', 'app-u1002', 0],
      ['u1004', 'app-u1004', 0],
    ]);
  });

  // "You can customise your CircleLoop app to perform the following actions when your line is
  // busy: Play an engaged tone; Ask the caller to leave a voicemail; Play a message (no
  // voicemail); Redirect the call to a user, team or menu; Or redirect to another number."
  function busyLine(action?: AnsweringAction): { h: Harness; d: Extract<Decision, { outcome: 'action' }> } {
    const settings: Partial<UserSettings> = { callWaiting: false, ...(action ? { actions: { busy: action } } : {}) };
    const h = online(3, [settings], [{ id: 'g1', name: 'Team', members: ['u1002', 'u1003'] }]);
    answer(h, 'u1001', 'l1');
    const d = expectOutcome(call(h, { to: toUser('u1001') }), 'action');
    expect(d.action.condition).toBe('busy');
    return { h, d };
  }

  test('CircleLoop: busy line plays an engaged tone by default (S3.2)', () => {
    const { d } = busyLine();
    expect(d.action).toMatchObject({ action: { type: 'busyTone' }, defaulted: true });
  });

  test('CircleLoop: busy line can ask the caller to leave a voicemail (S3.2)', () => {
    const { d } = busyLine({ type: 'voicemail' });
    expect(d.action).toMatchObject({ action: { type: 'voicemail' }, defaulted: false });
  });

  test('CircleLoop: busy line can play a message without voicemail (S3.2)', () => {
    const { d } = busyLine({ type: 'message', prompt: 'call-back-later.wav' });
    expect(d.action.action).toEqual({ type: 'message', prompt: 'call-back-later.wav' });
    expect(d.next).toBeUndefined();
  });

  test('CircleLoop: busy line can redirect the call to a user (S3.2)', () => {
    const { d } = busyLine({ type: 'redirect', target: { kind: 'user', id: 'u1003' } });
    expect(ringing(d.next)).toEqual([['u1003', 'app-u1003', 0]]);
  });

  test('CircleLoop: busy line can redirect the call to a team (S3.2)', () => {
    const { d } = busyLine({ type: 'redirect', target: { kind: 'group', id: 'g1' } });
    const next = expectOutcome(d.next, 'ring');
    expect(next.target).toEqual({ kind: 'group', id: 'g1' });
    expect(ringing(next)).toEqual([
      ['u1002', 'app-u1002', 0],
      ['u1003', 'app-u1003', 0],
    ]);
  });

  test('CircleLoop: busy line can redirect the call to another number (S3.2)', () => {
    const { d } = busyLine({ type: 'external', number: '+447700900456' });
    expect(d.action.action).toEqual({ type: 'external', number: '+447700900456' });
  });
});

// ---------------------------------------------------------------------------------------------
// Seed 004 — a PBX desktop client: active, DND, blocked, forwarding, logout

describe('PBX client (seed 004)', () => {
  // "active: Log in to the PBX and activate the GUI"
  test('PBX client: active — signing in and registering makes the user Online (S1.1, S2.3)', () => {
    const h = tenant({ users: users(1) });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    register(h, 'u1001', 'app1', 'app');
    expect(h.status('u1001')).toBe('online');
    expect(h.presence('u1001').sessions).toBe(1);
  });

  // "logout: Logs out of the PBX and disables the GUI"
  test('PBX client: logout — signing out and unregistering makes the user Offline (S1.5, S2.3)', () => {
    const h = tenant({ users: users(1) });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    register(h, 'u1001', 'app1', 'app');
    h.ok({ type: 'registration.remove', userId: 'u1001', id: 'app1', reason: 'unregister' });
    h.ok({ type: 'session.end', userId: 'u1001', sessionId: 's1' });
    expect(h.status('u1001')).toBe('offline');
  });

  // "dnd: Allows you not to receive incoming calls and manage them"
  test('PBX client: DND — incoming calls do not ring and are handled by the DND action (S3.1, S3.2)', () => {
    const h = tenant({
      users: [
        user(1001, { actions: { dnd: { type: 'redirect', target: { kind: 'user', id: 'u1002' } } } }),
        user(1002),
      ],
    });
    register(h, 'u1001', 'app1', 'app');
    register(h, 'u1002', 'app2', 'app');
    setStatus(h, 'u1001', 'dnd');
    const d = expectOutcome(call(h, { to: toUser('u1001') }), 'action');
    expect(d.action.condition).toBe('dnd');
    expect(ringing(d.next)).toEqual([['u1002', 'app2', 0]]);
  });

  // "bloccato: Block calls to / from SIP devices"
  test('PBX client: blocked refuses calls to the user (S3.1)', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'desk1', 'terminal');
    setStatus(h, 'u1001', 'blocked');
    expect(h.presence('u1001').colour).toBe('red');
    const d = expectOutcome(call(h, { to: toUser('u1001') }), 'reject');
    expect(d.reason).toBe('not available');
    expect(d.explanation.map((e) => e.rule)).toContain('S3.1#1');
  });

  test('PBX client: blocked refuses calls from the user (S3.1)', () => {
    const h = tenant({ users: users(2) });
    register(h, 'u1001', 'desk1', 'terminal');
    register(h, 'u1002', 'app2', 'app');
    setStatus(h, 'u1001', 'blocked');
    expect(expectOutcome(call(h, { from: { userId: 'u1001' }, to: toUser('u1002') }), 'reject').reason).toBe(
      'caller blocked',
    );
    expect(
      expectOutcome(call(h, { from: { userId: 'u1001' }, to: { kind: 'external', number: '+390612345' } }), 'reject')
        .reason,
    ).toBe('caller blocked');
  });

  // "deviazione: Activate forwarding status (property to be enabled in the PBX user profile)"
  test('PBX client: forwarding is refused unless the user profile allows it (S2.1)', () => {
    const h = tenant({ users: users(2) });
    register(h, 'u1001', 'app1', 'app');
    const out = h.run({
      type: 'status.set',
      userId: 'u1001',
      status: 'forwarding',
      forwardTo: '1002',
      by: self('u1001'),
    });
    expect(out).toMatchObject({ ok: false, code: 'SWB_ERR_FORWARDING_NOT_ALLOWED' });
    expect(h.status('u1001')).toBe('online');
  });

  // "By means of forwarding, you can forward calls arriving at your extension to another extension
  // of the PBX, an external number or your mobile phone."
  test('PBX client: forwarding to another extension rings that extension instead (S3.1)', () => {
    const h = tenant({ users: [user(1001, { forwardingAllowed: true }), user(1002)] });
    register(h, 'u1001', 'app1', 'app');
    register(h, 'u1002', 'app2', 'app');
    setStatus(h, 'u1001', 'forwarding', { forwardTo: '1002' });
    const d = expectOutcome(call(h, { to: toUser('u1001') }), 'forward');
    expect(d.to).toBe('1002');
    expect(ringing(d.next)).toEqual([['u1002', 'app2', 0]]);
  });

  test('PBX client: forwarding to an external number or a mobile sends the call out (S3.1)', () => {
    const h = tenant({ users: [user(1001, { forwardingAllowed: true })] });
    register(h, 'u1001', 'app1', 'app');
    setStatus(h, 'u1001', 'forwarding', { forwardTo: '+393331234567' });
    const d = expectOutcome(call(h, { to: toUser('u1001') }), 'forward');
    expect(expectOutcome(d.next, 'external').number).toBe('+393331234567');
  });

  // "the terminals associated with the user will not ring in the event of an incoming call (the
  // destination indicated by the GUI will ring instead)."
  test("PBX client: a forwarding user's terminals do not ring; the destination rings instead (S2.1)", () => {
    const h = tenant({ users: [user(1001, { forwardingAllowed: true }), user(1002)] });
    register(h, 'u1001', 'desk1', 'terminal');
    register(h, 'u1001', 'app1', 'app');
    register(h, 'u1002', 'desk2', 'terminal');
    setStatus(h, 'u1001', 'forwarding', { forwardTo: '1002' });
    const d = call(h, { to: toUser('u1001') });
    expect(allRingEntries(d).map((e) => e.userId)).toEqual(['u1002']);
  });

  // "However, it is possible to continue to use the terminals to make outgoing calls."
  test('PBX client: a forwarding user can still make outgoing calls (S2.1, S3.1)', () => {
    const h = tenant({ users: [user(1001, { forwardingAllowed: true }), user(1002), user(1003)] });
    register(h, 'u1001', 'desk1', 'terminal');
    register(h, 'u1003', 'app3', 'app');
    setStatus(h, 'u1001', 'forwarding', { forwardTo: '1002' });
    expect(ringing(call(h, { from: { userId: 'u1001' }, to: toUser('u1003') }))).toEqual([['u1003', 'app3', 0]]);
    h.ok({ type: 'leg.update', userId: 'u1001', legId: 'out1', direction: 'out', state: 'early' });
    expect(h.status('u1001')).toBe('forwarding');
  });

  // "The diversion user will always be free for other users since it is not possible to trace the
  // status of the diversion destination."
  test('PBX client: a forwarding user shows free — green, Forwarding, not on a call while the destination talks (S2.7)', () => {
    const h = tenant({ users: [user(1001, { forwardingAllowed: true }), user(1002)] });
    register(h, 'u1001', 'app1', 'app');
    register(h, 'u1002', 'app2', 'app');
    setStatus(h, 'u1001', 'forwarding', { forwardTo: '1002' });
    call(h, { callId: 'c1', to: toUser('u1001') });
    answer(h, 'u1002', 'c1');
    const p = h.presence('u1001');
    expect([p.status, p.label, p.colour]).toEqual(['forwarding', 'Forwarding', 'green']);
    expect(p.indicators.onCall).toBe(false);
    expect(p.indicators.forwardTo).toBe('1002');
    expect(h.status('u1002')).toBe('on_call');
  });

  test('PBX client: a forwarding group member is never skipped as busy: the destination rings in their place (S2.7, S3.3)', () => {
    const h = tenant({
      users: [user(1001, { forwardingAllowed: true }), user(1002), user(1003)],
      groups: [{ id: 'g1', name: 'Front desk', members: ['u1001', 'u1002'] }],
    });
    register(h, 'u1001', 'app1', 'app');
    register(h, 'u1003', 'app3', 'app');
    setStatus(h, 'u1001', 'forwarding', { forwardTo: '1003' });
    setStatus(h, 'u1002', 'dnd');
    const d = expectOutcome(call(h, { to: toGroup('g1') }), 'ring');
    expect(d.ring.map((e) => [e.userId, e.forwardedFrom])).toEqual([['u1003', 'u1001']]);
  });

  // "DND: the client is interpreted by the PBX as busy; ABSENT: the client is interpreted as
  // unreachable. So in the first case if all the users of a group were on DND, the group would be
  // busy and the relative event could be used (for example to queue the call) ... would be
  // unreachable."
  function frontDesk(): Harness {
    const h = tenant({
      users: users(3),
      queues: [{ id: 'q1', name: 'Overflow' }],
      groups: [
        {
          id: 'g1',
          name: 'Front desk',
          members: ['u1001', 'u1002', 'u1003'],
          actions: {
            busy: { type: 'queue', queueId: 'q1' },
            unreachable: { type: 'external', number: '+390600000' },
            noAnswer: { type: 'voicemail' },
          },
        },
      ],
    });
    for (const id of ['u1001', 'u1002', 'u1003']) register(h, id, `app-${id}`, 'app');
    return h;
  }

  test("PBX client: all group members in DND make the group busy: the group's busy action, e.g. queue the call (S3.4)", () => {
    const h = frontDesk();
    for (const id of ['u1001', 'u1002', 'u1003']) setStatus(h, id, 'dnd');
    const d = expectOutcome(call(h, { to: toGroup('g1') }), 'action');
    expect(d.action).toMatchObject({
      condition: 'busy',
      owner: { kind: 'group', id: 'g1' },
      action: { type: 'queue', queueId: 'q1' },
    });
  });

  test("PBX client: all group members absent make the group unreachable: the group's unreachable action (S3.4)", () => {
    const h = frontDesk();
    for (const id of ['u1001', 'u1002', 'u1003']) setStatus(h, id, 'absent');
    const d = expectOutcome(call(h, { to: toGroup('g1') }), 'action');
    expect(d.action).toMatchObject({
      condition: 'unreachable',
      owner: { kind: 'group', id: 'g1' },
      action: { type: 'external', number: '+390600000' },
    });
  });

  test('PBX client: one member in DND and the others absent still make the group busy, not unreachable (S3.4)', () => {
    const h = frontDesk();
    setStatus(h, 'u1001', 'absent');
    setStatus(h, 'u1002', 'dnd');
    setStatus(h, 'u1003', 'absent');
    const d = expectOutcome(call(h, { to: toGroup('g1') }), 'action');
    expect(d.action.condition).toBe('busy');
  });

  test('PBX client: absent is unreachable for a direct call too, and shown grey (S2.1, S3.1)', () => {
    const h = tenant({
      users: [user(1001, { actions: { unreachable: { type: 'message', prompt: 'gone-home.wav' } } })],
    });
    register(h, 'u1001', 'app1', 'app');
    setStatus(h, 'u1001', 'absent');
    expect([h.status('u1001'), h.presence('u1001').colour]).toEqual(['absent', 'grey']);
    const d = expectOutcome(call(h, { to: toUser('u1001') }), 'action');
    expect(d.action).toMatchObject({ condition: 'unreachable', action: { type: 'message', prompt: 'gone-home.wav' } });
  });

  // "when you leave the workstation permanently (end of shift) it is better to ... turn off the GUI,
  // but by activating the User setting Set the absent status at logout."
  test('PBX client: with "absent at logout" on, signing out sets Absent (S1.5)', () => {
    const h = tenant({ users: [user(1001, { absentAtLogout: true })] });
    register(h, 'u1001', 'desk1', 'terminal');
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    h.ok({ type: 'session.end', userId: 'u1001', sessionId: 's1' });
    expect(h.status('u1001')).toBe('absent');
    expect(h.presence('u1001').manual?.setBy).toBe('system');
    expect(expectOutcome(call(h, { to: toUser('u1001') }), 'action').action.condition).toBe('unreachable');
  });

  test('PBX client: "absent at logout" waits for the last session: signing out of one of two keeps the user Online (S1.5)', () => {
    const h = tenant({ users: [user(1001, { absentAtLogout: true })] });
    register(h, 'u1001', 'desk1', 'terminal');
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's2' });
    h.ok({ type: 'session.end', userId: 'u1001', sessionId: 's1' });
    expect(h.status('u1001')).toBe('online');
    h.ok({ type: 'session.end', userId: 'u1001', sessionId: 's2' });
    expect(h.status('u1001')).toBe('absent');
  });

  test('PBX client: with "absent at logout" off, signing out leaves no manual status (S1.5)', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'desk1', 'terminal');
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    h.ok({ type: 'session.end', userId: 'u1001', sessionId: 's1' });
    expect(h.status('u1001')).toBe('online');
    expect(h.presence('u1001').manual).toBeUndefined();
  });

  // "the PBX admits only one level of diversion; in the case of further diversion by the recipient
  // user of the first diversion, the PBX will return a refusal for the call and the end-of-ring
  // action of the diverted user or of the group to which the diverted user belongs will be
  // activated."
  test("PBX client: forwarding to a user who forwards too is refused there and the first user's no-answer action runs (S3.5)", () => {
    const h = tenant({
      users: [
        user(1001, { forwardingAllowed: true, actions: { noAnswer: { type: 'message', prompt: 'first.wav' } } }),
        user(1002, { forwardingAllowed: true, actions: { noAnswer: { type: 'message', prompt: 'second.wav' } } }),
        user(1003),
      ],
    });
    for (const id of ['u1001', 'u1002', 'u1003']) register(h, id, `app-${id}`, 'app');
    setStatus(h, 'u1001', 'forwarding', { forwardTo: '1002' });
    setStatus(h, 'u1002', 'forwarding', { forwardTo: '1003' });
    const d = expectOutcome(call(h, { to: toUser('u1001') }), 'forward');
    const refused = expectOutcome(d.next, 'action');
    expect(refused.target).toEqual({ kind: 'user', id: 'u1002' });
    expect(refused.action).toMatchObject({
      condition: 'noAnswer',
      owner: { kind: 'user', id: 'u1001' },
      action: { type: 'message', prompt: 'first.wav' },
    });
    expect(refused.explanation.map((e) => e.rule)).toContain('S3.5');
    expect(allRingEntries(d)).toEqual([]);
  });

  test("PBX client: a redirect to a user who forwards is a second diversion: refused, the first user's no-answer action runs (S3.5)", () => {
    const h = tenant({
      users: [
        user(1001, {
          actions: {
            dnd: { type: 'redirect', target: { kind: 'user', id: 'u1002' } },
            noAnswer: { type: 'message', prompt: 'first.wav' },
          },
        }),
        user(1002, { forwardingAllowed: true }),
        user(1003),
      ],
    });
    for (const id of ['u1001', 'u1002', 'u1003']) register(h, id, `app-${id}`, 'app');
    setStatus(h, 'u1001', 'dnd');
    setStatus(h, 'u1002', 'forwarding', { forwardTo: '1003' });
    const d = expectOutcome(call(h, { to: toUser('u1001') }), 'action');
    const refused = expectOutcome(d.next, 'action');
    expect(refused.action).toMatchObject({
      condition: 'noAnswer',
      owner: { kind: 'user', id: 'u1001' },
      action: { type: 'message', prompt: 'first.wav' },
    });
    expect(allRingEntries(d)).toEqual([]);
  });

  test("PBX client: in a group, a member forwarding to someone who forwards is refused there and the group's end-of-ring (no-answer) action runs (S3.5)", () => {
    const h = tenant({
      users: [user(1001, { forwardingAllowed: true }), user(1002, { forwardingAllowed: true }), user(1003)],
      groups: [
        {
          id: 'g1',
          name: 'Front desk',
          members: ['u1001'],
          actions: {
            noAnswer: { type: 'voicemail' },
            unreachable: { type: 'message', prompt: 'closed.wav' },
            busy: { type: 'busyTone' },
          },
        },
      ],
    });
    for (const id of ['u1001', 'u1002', 'u1003']) register(h, id, `app-${id}`, 'app');
    setStatus(h, 'u1001', 'forwarding', { forwardTo: '1002' });
    setStatus(h, 'u1002', 'forwarding', { forwardTo: '1003' });
    const d = expectOutcome(call(h, { to: toGroup('g1') }), 'action');
    expect(d.action).toMatchObject({
      condition: 'noAnswer',
      owner: { kind: 'group', id: 'g1' },
      action: { type: 'voicemail' },
    });
    expect(allRingEntries(d)).toEqual([]);
  });

  // "the GUI graphically reports events such as the presence of voicemail messages or chats and
  // missed calls"
  test('PBX client: voicemail messages and missed calls show as indicators (S2.4)', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'app1', 'app');
    h.ok({ type: 'voicemail.count', userId: 'u1001', count: 2 });
    setStatus(h, 'u1001', 'dnd');
    call(h, { callId: 'c1', to: toUser('u1001') });
    expect(h.presence('u1001').indicators).toMatchObject({ voicemail: 2, missedCalls: 1 });
  });
});
