// SPEC S3: what happens to a call. Each test gives a tenant, routes one call through the engine
// (`call.route`, so side effects such as missed-call counts and the round-robin cursor are
// recorded) and checks the decision and the rule ids of its explanation.
import { describe, expect, test } from 'vitest';
import type {
  AnsweringAction,
  CallRequest,
  Decision,
  DeviceKind,
  GroupInput,
  UserSettings,
} from '../../src/core/index.js';
import { DIRECT_RULES, reachability } from '../../src/core/index.js';
import { SEC, admin, self, tenant, users } from '../support/tenant.js';
import type { Harness } from '../support/tenant.js';

const DAY = 24 * 3600 * SEC;
const CALLER = { external: '+15550100' } as const;

function register(h: Harness, userId: string, kind: DeviceKind = 'app', id = `${userId}-${kind}`): void {
  h.ok({ type: 'registration.set', userId, id, kind, expiresAt: h.clock.now() + DAY });
}

function settings(h: Harness, userId: string, s: Partial<UserSettings>): void {
  const n = userId.slice(1);
  h.ok({ type: 'user.upsert', user: { id: userId, extension: n, name: `User ${n}`, settings: s } });
}

function setStatus(
  h: Harness,
  userId: string,
  status: string,
  extra: { text?: string; forwardTo?: string } = {},
): void {
  h.ok({ type: 'status.set', userId, status, by: status === 'blocked' ? admin('u1009') : self(userId), ...extra });
}

function decide(h: Harness, call: CallRequest): Decision {
  return h.ok({ type: 'call.route', call }).reply as Decision;
}

const toUser = (id: string): CallRequest => ({ callId: 'c1', from: CALLER, to: { kind: 'user', id } });
const toGroup = (id = 'g1'): CallRequest => ({ callId: 'c1', from: CALLER, to: { kind: 'group', id } });
const rules = (d: Decision | undefined): string[] => (d === undefined ? [] : d.explanation.map((e) => e.rule));

/** [userId or number, kind, startSec, stopSec?] for every ring entry. */
function rings(d: Decision | undefined): (string | number | undefined)[][] {
  if (d?.outcome !== 'ring') return [];
  return d.ring.map((e) =>
    e.stopSec === undefined
      ? [e.userId ?? e.number, e.kind, e.startSec]
      : [e.userId ?? e.number, e.kind, e.startSec, e.stopSec],
  );
}

/** The user ids a decision rings, in order, once each. */
function rungUsers(d: Decision | undefined): string[] {
  if (d?.outcome !== 'ring') return [];
  return [...new Set(d.ring.map((e) => e.userId ?? e.number ?? '?'))];
}

function nextOf(d: Decision): Decision | undefined {
  return 'next' in d ? d.next : undefined;
}

/** Users u1001…u1005 (u1009 is the admin), u1001…u1004 registered with one app device. */
function office(options: { groups?: readonly GroupInput[]; settings?: Partial<UserSettings> } = {}): Harness {
  const h = tenant({
    users: [
      ...users(5, { forwardingAllowed: true, ...options.settings }),
      { id: 'u1009', extension: '1009', name: 'Admin', role: 'admin' },
    ],
    ...(options.groups ? { groups: options.groups } : {}),
  });
  for (const id of ['u1001', 'u1002', 'u1003', 'u1004']) register(h, id);
  h.drain();
  return h;
}

describe('S3.1 direct call to a user', () => {
  test('S3.1#1 a direct call to a blocked user is rejected as not available', () => {
    const h = office();
    setStatus(h, 'u1001', 'blocked');

    const d = decide(h, toUser('u1001'));

    expect(d).toMatchObject({ outcome: 'reject', reason: 'not available', target: { kind: 'user', id: 'u1001' } });
    expect(rules(d)).toEqual(['S2.3#1', 'S3.1#1']);
  });

  test('S3.1#2 a direct call to a forwarding user goes to forwardTo and rings the destination', () => {
    const h = office();
    setStatus(h, 'u1001', 'forwarding', { forwardTo: '1002' });

    const d = decide(h, toUser('u1001'));

    expect(d).toMatchObject({ outcome: 'forward', to: '1002', target: { kind: 'user', id: 'u1001' } });
    expect(rules(d)).toEqual(['S2.3#2', 'S3.1#2']);
    expect(rings(nextOf(d))).toEqual([['u1002', 'app', 0]]);
  });

  test('S3.1#2 a forwarding user to an outside number sends the call out to that number, none of their devices ring', () => {
    const h = office();
    register(h, 'u1001', 'terminal');
    setStatus(h, 'u1001', 'forwarding', { forwardTo: '+15550999' });

    const d = decide(h, toUser('u1001'));

    expect(d).toMatchObject({ outcome: 'forward', to: '+15550999' });
    expect(nextOf(d)).toMatchObject({ outcome: 'external', number: '+15550999' });
  });

  test('S3.1#3 a direct call to a DND user gets the dnd action', () => {
    const h = office();
    setStatus(h, 'u1001', 'dnd');

    const d = decide(h, toUser('u1001'));

    expect(d).toMatchObject({
      outcome: 'action',
      target: { kind: 'user', id: 'u1001' },
      action: { condition: 'dnd', action: { type: 'voicemail' }, owner: { kind: 'user', id: 'u1001' } },
    });
    expect(rules(d)).toEqual(['S2.3#5', 'S3.1#3', 'S3.2']);
  });

  test('S3.1#3 a direct call to a DND user gives them a missed-call notification', () => {
    const h = office();
    setStatus(h, 'u1001', 'dnd');
    h.drain();

    const d = decide(h, toUser('u1001'));

    expect(d).toMatchObject({ notifyMissed: 'u1001' });
    expect(h.presence('u1001').indicators.missedCalls).toBe(1);
    const missed = h.drain().filter((e) => e.type === 'call.missed');
    expect(missed).toMatchObject([{ subject: 'u1001', value: { callId: 'c1', caller: '+15550100', reason: 'dnd' } }]);
  });

  test('S3.1#3 row 3 comes before row 5: a DND user without any device still gets the dnd action (statusIndependentOfLogin)', () => {
    const h = tenant({ users: users(2), policy: { statusIndependentOfLogin: true } });
    setStatus(h, 'u1001', 'dnd');

    const d = decide(h, toUser('u1001'));

    expect(d).toMatchObject({ outcome: 'action', action: { condition: 'dnd' }, notifyMissed: 'u1001' });
  });

  test('S3.1#4 a direct call to a user in manual busy gets the busy action', () => {
    const h = office();
    setStatus(h, 'u1001', 'busy');

    const d = decide(h, toUser('u1001'));

    expect(d).toMatchObject({
      outcome: 'action',
      action: { condition: 'busy', action: { type: 'busyTone' }, owner: { kind: 'user', id: 'u1001' } },
    });
    expect(rules(d)).toEqual(['S2.3#5', 'S3.1#4', 'S3.2']);
  });

  test('S3.1#4 a busy user gets no missed-call notification', () => {
    const h = office();
    setStatus(h, 'u1001', 'busy');
    h.drain();

    decide(h, toUser('u1001'));

    expect(h.presence('u1001').indicators.missedCalls).toBe(0);
    expect(h.drain().filter((e) => e.type === 'call.missed')).toEqual([]);
  });

  test('S3.1#5 a direct call to an absent user gets the unreachable action', () => {
    const h = office();
    setStatus(h, 'u1001', 'absent');

    const d = decide(h, toUser('u1001'));

    expect(d).toMatchObject({ outcome: 'action', action: { condition: 'unreachable', action: { type: 'voicemail' } } });
    expect(rules(d)).toEqual(['S2.3#3', 'S3.1#5', 'S3.2']);
  });

  test('S3.1#5 a direct call to an offline user gets the unreachable action', () => {
    const h = office();

    const d = decide(h, toUser('u1005'));

    expect(d).toMatchObject({ outcome: 'action', action: { condition: 'unreachable', action: { type: 'voicemail' } } });
    expect(rules(d)).toEqual(['S2.3#4', 'S3.1#5', 'S3.2']);
  });

  test('S3.1#5 a user signed in to the app but with no device that can ring gets the unreachable action', () => {
    const h = office();
    h.ok({ type: 'session.start', userId: 'u1005', sessionId: 's1' });
    expect(h.status('u1005')).toBe('online');

    const d = decide(h, toUser('u1005'));

    expect(d).toMatchObject({ outcome: 'action', action: { condition: 'unreachable' } });
    expect(rules(d)).toEqual(['S2.3#10', 'S3.1#5', 'S3.2']);
  });

  test('S3.1#5 with statusIndependentOfLogin a user shown away with no device gets the unreachable action', () => {
    const h = tenant({ users: users(2), policy: { statusIndependentOfLogin: true } });
    setStatus(h, 'u1001', 'away');
    expect(h.status('u1001')).toBe('away');

    const d = decide(h, toUser('u1001'));

    expect(d).toMatchObject({ outcome: 'action', action: { condition: 'unreachable' } });
  });

  test('S3.1#6 a user on a call with callWaiting off gets the busy action', () => {
    const h = office();
    settings(h, 'u1001', { callWaiting: false });
    h.ok({ type: 'leg.update', userId: 'u1001', legId: 'l1', direction: 'in', state: 'answered' });

    const d = decide(h, toUser('u1001'));

    expect(d).toMatchObject({ outcome: 'action', action: { condition: 'busy', action: { type: 'busyTone' } } });
    expect(rules(d)).toEqual(['S2.3#6', 'S3.1#6', 'S3.2']);
  });

  test('S3.1#6 a user on a call with callWaiting on is rung (row 7)', () => {
    const h = office();
    h.ok({ type: 'leg.update', userId: 'u1001', legId: 'l1', direction: 'in', state: 'answered' });

    const d = decide(h, toUser('u1001'));

    expect(rings(d)).toEqual([['u1001', 'app', 0]]);
  });

  test('S3.1#7 an available user has every device rung at once', () => {
    const h = office();
    register(h, 'u1001', 'terminal');
    register(h, 'u1001', 'pbx');

    const d = decide(h, toUser('u1001'));

    expect(rings(d)).toEqual([
      ['u1001', 'app', 0],
      ['u1001', 'terminal', 0],
      ['u1001', 'pbx', 0],
    ]);
    expect(rules(d)).toEqual(['S2.3#10', 'S3.1#7']);
  });

  test('S3.1#7 at_desk rings app devices after deskDelaySec, terminals and PBX devices at once', () => {
    const h = office();
    settings(h, 'u1001', { deskDelaySec: 5 });
    register(h, 'u1001', 'terminal');
    register(h, 'u1001', 'pbx');
    setStatus(h, 'u1001', 'at_desk');

    const d = decide(h, toUser('u1001'));

    expect(rings(d)).toEqual([
      ['u1001', 'app', 5],
      ['u1001', 'terminal', 0],
      ['u1001', 'pbx', 0],
    ]);
  });

  test("S3.1#7 at_desk without the user's own deskDelaySec uses the tenant's defaultDeskDelaySec", () => {
    const h = tenant({ users: users(1), policy: { defaultDeskDelaySec: 12 } });
    register(h, 'u1001');
    setStatus(h, 'u1001', 'at_desk');

    const d = decide(h, toUser('u1001'));

    expect(rings(d)).toEqual([['u1001', 'app', 12]]);
  });

  test('S3.1#7 away and custom users ring as usual', () => {
    const h = office();
    setStatus(h, 'u1001', 'away');
    setStatus(h, 'u1002', 'custom', { text: 'In the lab' });

    expect(rings(decide(h, toUser('u1001')))).toEqual([['u1001', 'app', 0]]);
    expect(rings(decide(h, toUser('u1002')))).toEqual([['u1002', 'app', 0]]);
  });

  test("S3.1#7 after ringTimeoutSec with no answer the user's noAnswer action runs", () => {
    const h = office();
    settings(h, 'u1001', { ringTimeoutSec: 25, actions: { noAnswer: { type: 'external', number: '+15550777' } } });

    const d = decide(h, toUser('u1001'));

    expect(d).toMatchObject({
      outcome: 'ring',
      timeoutSec: 25,
      onNoAnswer: {
        condition: 'noAnswer',
        owner: { kind: 'user', id: 'u1001' },
        action: { type: 'external', number: '+15550777' },
      },
    });
  });

  test('S3.1 a caller whose own state is blocked cannot call out: the call is rejected', () => {
    const h = office();
    setStatus(h, 'u1001', 'blocked');

    const d = decide(h, { callId: 'c1', from: { userId: 'u1001' }, to: { kind: 'user', id: 'u1002' } });

    expect(d).toMatchObject({ outcome: 'reject', reason: 'caller blocked' });
    expect(rules(d)).toEqual(['S3.1#caller']);
  });

  test('S3.1 a blocked caller cannot call an outside number either', () => {
    const h = office();
    setStatus(h, 'u1001', 'blocked');

    const d = decide(h, { callId: 'c1', from: { userId: 'u1001' }, to: { kind: 'external', number: '+15550999' } });

    expect(d).toMatchObject({ outcome: 'reject', reason: 'caller blocked' });
  });

  test('S3.1 outgoing calls are allowed in DND', () => {
    const h = office();
    setStatus(h, 'u1001', 'dnd');

    const d = decide(h, { callId: 'c1', from: { userId: 'u1001' }, to: { kind: 'user', id: 'u1002' } });

    expect(rings(d)).toEqual([['u1002', 'app', 0]]);
  });
});

describe('S3.2 answering actions', () => {
  test('S3.2 dnd defaults to voicemail', () => {
    const h = office();
    setStatus(h, 'u1001', 'dnd');

    expect(decide(h, toUser('u1001'))).toMatchObject({
      action: { condition: 'dnd', action: { type: 'voicemail' }, defaulted: true },
    });
  });

  test('S3.2 dnd defaults to reject when voicemail is off', () => {
    const h = office({ settings: { voicemail: false } });
    setStatus(h, 'u1001', 'dnd');

    expect(decide(h, toUser('u1001'))).toMatchObject({
      action: { condition: 'dnd', action: { type: 'reject' }, defaulted: true },
    });
  });

  test('S3.2 busy defaults to busyTone', () => {
    const h = office();
    setStatus(h, 'u1001', 'busy');

    expect(decide(h, toUser('u1001'))).toMatchObject({
      action: { condition: 'busy', action: { type: 'busyTone' }, defaulted: true },
    });
  });

  test('S3.2 busy defaults to busyTone even when voicemail is off', () => {
    const h = office({ settings: { voicemail: false } });
    setStatus(h, 'u1001', 'busy');

    expect(decide(h, toUser('u1001'))).toMatchObject({
      action: { condition: 'busy', action: { type: 'busyTone' }, defaulted: true },
    });
  });

  test('S3.2 unreachable defaults to voicemail', () => {
    const h = office();

    expect(decide(h, toUser('u1005'))).toMatchObject({
      action: { condition: 'unreachable', action: { type: 'voicemail' }, defaulted: true },
    });
  });

  test('S3.2 unreachable defaults to reject when voicemail is off', () => {
    const h = office({ settings: { voicemail: false } });

    expect(decide(h, toUser('u1005'))).toMatchObject({
      action: { condition: 'unreachable', action: { type: 'reject' }, defaulted: true },
    });
  });

  test('S3.2 noAnswer defaults to voicemail', () => {
    const h = office();

    expect(decide(h, toUser('u1001'))).toMatchObject({
      onNoAnswer: { condition: 'noAnswer', action: { type: 'voicemail' }, defaulted: true },
    });
  });

  test('S3.2 noAnswer defaults to reject when voicemail is off', () => {
    const h = office({ settings: { voicemail: false } });

    expect(decide(h, toUser('u1001'))).toMatchObject({
      onNoAnswer: { condition: 'noAnswer', action: { type: 'reject' }, defaulted: true },
    });
  });

  test("S3.2 a user's own busy action (a message) replaces the default", () => {
    const h = office();
    settings(h, 'u1001', { actions: { busy: { type: 'message', prompt: 'back-soon' } } });
    setStatus(h, 'u1001', 'busy');

    expect(decide(h, toUser('u1001'))).toMatchObject({
      action: { condition: 'busy', action: { type: 'message', prompt: 'back-soon' }, defaulted: false },
    });
  });

  test("S3.2 a user's own dnd action (reject) replaces the default", () => {
    const h = office();
    settings(h, 'u1001', { actions: { dnd: { type: 'reject' } } });
    setStatus(h, 'u1001', 'dnd');

    expect(decide(h, toUser('u1001'))).toMatchObject({
      action: { condition: 'dnd', action: { type: 'reject' }, defaulted: false },
    });
  });

  test('S3.2 a redirect to a user sends the call on and rings that user', () => {
    const h = office();
    settings(h, 'u1005', { actions: { unreachable: { type: 'redirect', target: { kind: 'user', id: 'u1002' } } } });

    const d = decide(h, toUser('u1005'));

    expect(d).toMatchObject({ outcome: 'action', action: { condition: 'unreachable', action: { type: 'redirect' } } });
    expect(rings(nextOf(d))).toEqual([['u1002', 'app', 0]]);
  });

  test('S3.2 a redirect to a group rings the group', () => {
    const h = office({ groups: [{ id: 'g1', name: 'Sales', members: ['u1002', 'u1003'] }] });
    settings(h, 'u1005', { actions: { unreachable: { type: 'redirect', target: { kind: 'group', id: 'g1' } } } });

    const d = decide(h, toUser('u1005'));

    expect(nextOf(d)).toMatchObject({ outcome: 'ring', target: { kind: 'group', id: 'g1' } });
    expect(rungUsers(nextOf(d))).toEqual(['u1002', 'u1003']);
  });

  test('S3.2 a redirect to a queue queues the call', () => {
    const h = tenant({
      users: users(3),
      queues: [{ id: 'q1', name: 'Support', agents: ['u1002'] }],
    });
    settings(h, 'u1001', { actions: { unreachable: { type: 'redirect', target: { kind: 'queue', id: 'q1' } } } });

    const d = decide(h, toUser('u1001'));

    expect(nextOf(d)).toMatchObject({ outcome: 'queue', target: { kind: 'queue', id: 'q1' } });
  });

  test('S3.2 an external action sends the call to the number', () => {
    const h = office();
    settings(h, 'u1001', { actions: { busy: { type: 'external', number: '+15550777' } } });
    setStatus(h, 'u1001', 'busy');

    expect(decide(h, toUser('u1001'))).toMatchObject({
      outcome: 'action',
      action: { action: { type: 'external', number: '+15550777' }, defaulted: false },
    });
  });
});

describe('S3.3 group call', () => {
  const g1 = (extra: Partial<GroupInput> = {}): GroupInput => ({
    id: 'g1',
    name: 'Sales',
    members: ['u1001', 'u1002', 'u1003'],
    ...extra,
  });

  test('S3.3 ringAll rings every member at once', () => {
    const h = office({ groups: [g1()] });

    const d = decide(h, toGroup());

    expect(rings(d)).toEqual([
      ['u1001', 'app', 0],
      ['u1002', 'app', 0],
      ['u1003', 'app', 0],
    ]);
    expect(rules(d)).toEqual(['S3.3', 'S3.3']);
  });

  const skips: [string, (h: Harness) => void][] = [
    ['in dnd', (h) => setStatus(h, 'u1002', 'dnd')],
    ['in busy', (h) => setStatus(h, 'u1002', 'busy')],
    ['blocked', (h) => setStatus(h, 'u1002', 'blocked')],
    ['absent', (h) => setStatus(h, 'u1002', 'absent')],
    ['offline', (h) => h.ok({ type: 'registration.remove', userId: 'u1002', id: 'u1002-app' })],
    [
      'with no device that can ring',
      (h) => {
        h.ok({ type: 'session.start', userId: 'u1002', sessionId: 's1' });
        h.ok({ type: 'registration.remove', userId: 'u1002', id: 'u1002-app' });
      },
    ],
    [
      'on a call while their callWaiting is off',
      (h) => {
        settings(h, 'u1002', { callWaiting: false });
        h.ok({ type: 'leg.update', userId: 'u1002', legId: 'l1', direction: 'out', state: 'answered' });
      },
    ],
  ];
  test.each(skips)('S3.3 a member %s is skipped', (_label, given) => {
    const h = office({ groups: [g1()] });
    given(h);

    const d = decide(h, toGroup());

    expect(rungUsers(d)).toEqual(['u1001', 'u1003']);
  });

  test('S3.3 a member on a call with callWaiting on is rung', () => {
    const h = office({ groups: [g1()] });
    h.ok({ type: 'leg.update', userId: 'u1002', legId: 'l1', direction: 'out', state: 'answered' });

    expect(rungUsers(decide(h, toGroup()))).toEqual(['u1001', 'u1002', 'u1003']);
  });

  test('S3.3 a forwarding member is replaced by their destination', () => {
    const h = office({ groups: [g1()] });
    setStatus(h, 'u1002', 'forwarding', { forwardTo: '1004' });

    const d = decide(h, toGroup());

    expect(d.outcome).toBe('ring');
    if (d.outcome !== 'ring') return;
    expect(d.ring.map((e) => [e.userId, e.forwardedFrom])).toEqual([
      ['u1001', undefined],
      ['u1004', 'u1002'],
      ['u1003', undefined],
    ]);
  });

  test('S3.3 a member forwarding to an outside number has that number rung in their place', () => {
    const h = office({ groups: [g1()] });
    setStatus(h, 'u1002', 'forwarding', { forwardTo: '+15550999' });

    const d = decide(h, toGroup());

    expect(rings(d)).toEqual([
      ['u1001', 'app', 0],
      ['+15550999', 'external', 0],
      ['u1003', 'app', 0],
    ]);
  });

  test('S3.3 at_desk delays still apply to group calls', () => {
    const h = office({ groups: [g1()] });
    settings(h, 'u1002', { deskDelaySec: 7 });
    register(h, 'u1002', 'terminal');
    setStatus(h, 'u1002', 'at_desk');

    expect(rings(decide(h, toGroup()))).toEqual([
      ['u1001', 'app', 0],
      ['u1002', 'app', 7],
      ['u1002', 'terminal', 0],
      ['u1003', 'app', 0],
    ]);
  });

  test('S3.3 hunt rings members in order, memberRingSec each', () => {
    const h = office({ groups: [g1({ strategy: 'hunt', memberRingSec: 10 })] });

    expect(rings(decide(h, toGroup()))).toEqual([
      ['u1001', 'app', 0, 10],
      ['u1002', 'app', 10, 20],
      ['u1003', 'app', 20, 30],
    ]);
  });

  test('S3.3 hunt gives a skipped member no step', () => {
    const h = office({ groups: [g1({ strategy: 'hunt', memberRingSec: 10 })] });
    setStatus(h, 'u1002', 'dnd');

    expect(rings(decide(h, toGroup()))).toEqual([
      ['u1001', 'app', 0, 10],
      ['u1003', 'app', 10, 20],
    ]);
  });

  test('S3.3 roundRobin starts after the member who rang last', () => {
    const h = office({ groups: [g1({ strategy: 'roundRobin', memberRingSec: 10 })] });

    const first = decide(h, { ...toGroup(), callId: 'c1' });
    const second = decide(h, { ...toGroup(), callId: 'c2' });

    expect(rungUsers(first)).toEqual(['u1001', 'u1002', 'u1003']);
    expect(rings(second)).toEqual([
      ['u1002', 'app', 0, 10],
      ['u1003', 'app', 10, 20],
      ['u1001', 'app', 20, 30],
    ]);
  });

  test('S3.3 roundRobin wraps around after the last member', () => {
    const h = office({ groups: [g1({ strategy: 'roundRobin' })] });

    const starts = ['c1', 'c2', 'c3', 'c4'].map((callId) => rungUsers(decide(h, { ...toGroup(), callId }))[0]);

    expect(starts).toEqual(['u1001', 'u1002', 'u1003', 'u1001']);
  });

  test('S3.3 roundRobin moves past a skipped member to the next one who can ring', () => {
    const h = office({ groups: [g1({ strategy: 'roundRobin' })] });
    decide(h, { ...toGroup(), callId: 'c1' });
    setStatus(h, 'u1002', 'dnd');

    expect(rungUsers(decide(h, { ...toGroup(), callId: 'c2' }))).toEqual(['u1003', 'u1001']);
  });

  test('S3.3 longestIdle rings first the member whose last call ended longest ago', () => {
    const h = office({ groups: [g1({ strategy: 'longestIdle', memberRingSec: 10 })] });
    const callEnds = (userId: string) => {
      h.ok({ type: 'leg.update', userId, legId: `l-${userId}`, direction: 'in', state: 'answered' });
      h.advance(5 * SEC);
      h.ok({ type: 'leg.update', userId, legId: `l-${userId}`, direction: 'in', state: 'ended' });
    };
    // given: u1002 hung up first, then u1003, then u1001
    callEnds('u1002');
    callEnds('u1003');
    callEnds('u1001');

    expect(rings(decide(h, toGroup()))).toEqual([
      ['u1002', 'app', 0, 10],
      ['u1003', 'app', 10, 20],
      ['u1001', 'app', 20, 30],
    ]);
  });

  test('S3.3 longestIdle rings a member who has had no call yet before those who have', () => {
    const h = office({ groups: [g1({ strategy: 'longestIdle' })] });
    h.ok({ type: 'leg.update', userId: 'u1001', legId: 'l1', direction: 'in', state: 'answered' });
    h.ok({ type: 'leg.update', userId: 'u1001', legId: 'l1', direction: 'in', state: 'ended' });

    expect(rungUsers(decide(h, toGroup()))).toEqual(['u1002', 'u1003', 'u1001']);
  });

  test("S3.3 after the group's ringTimeoutSec, the group's noAnswer action", () => {
    const noAnswer: AnsweringAction = { type: 'redirect', target: { kind: 'user', id: 'u1004' } };
    const h = office({ groups: [g1({ ringTimeoutSec: 45, actions: { noAnswer } })] });

    expect(decide(h, toGroup())).toMatchObject({
      outcome: 'ring',
      timeoutSec: 45,
      onNoAnswer: { condition: 'noAnswer', owner: { kind: 'group', id: 'g1' }, action: noAnswer },
    });
  });
});

describe('S3.4 when nobody in a group can ring', () => {
  const busyAction: AnsweringAction = { type: 'queue', queueId: 'q1' };
  const unreachableAction: AnsweringAction = { type: 'external', number: '+15550888' };
  const g1: GroupInput = {
    id: 'g1',
    name: 'Sales',
    members: ['u1001', 'u1002', 'u1003'],
    actions: { busy: busyAction, unreachable: unreachableAction },
  };

  test("S3.4 every member in DND makes the group busy: the group's busy action", () => {
    const h = office({ groups: [g1] });
    for (const id of ['u1001', 'u1002', 'u1003']) setStatus(h, id, 'dnd');

    const d = decide(h, toGroup());

    expect(d).toMatchObject({
      outcome: 'action',
      target: { kind: 'group', id: 'g1' },
      action: { condition: 'busy', action: busyAction, owner: { kind: 'group', id: 'g1' } },
    });
    expect(rules(d).slice(-2)).toEqual(['S3.4', 'S3.2']);
  });

  test('S3.4 one member skipped as busy among unreachable ones makes the group busy', () => {
    const h = office({ groups: [g1] });
    setStatus(h, 'u1001', 'absent');
    setStatus(h, 'u1002', 'busy');
    h.ok({ type: 'registration.remove', userId: 'u1003', id: 'u1003-app' });

    expect(decide(h, toGroup())).toMatchObject({
      outcome: 'action',
      action: { condition: 'busy', action: busyAction },
    });
  });

  test('S3.4 a member on a call with callWaiting off counts as busy', () => {
    const h = office({ groups: [g1] });
    settings(h, 'u1001', { callWaiting: false });
    h.ok({ type: 'leg.update', userId: 'u1001', legId: 'l1', direction: 'in', state: 'answered' });
    setStatus(h, 'u1002', 'absent');
    setStatus(h, 'u1003', 'absent');

    expect(decide(h, toGroup())).toMatchObject({
      outcome: 'action',
      action: { condition: 'busy', action: busyAction },
    });
  });

  test("S3.4 every member unreachable (absent, offline, blocked, no device) makes the group unreachable: the group's unreachable action", () => {
    const h = office({ groups: [{ ...g1, members: ['u1001', 'u1002', 'u1003', 'u1005'] }] });
    setStatus(h, 'u1001', 'absent');
    setStatus(h, 'u1002', 'blocked');
    h.ok({ type: 'session.start', userId: 'u1003', sessionId: 's1' });
    h.ok({ type: 'registration.remove', userId: 'u1003', id: 'u1003-app' });
    // u1005 was never registered: offline

    const d = decide(h, toGroup());

    expect(d).toMatchObject({
      outcome: 'action',
      action: { condition: 'unreachable', action: unreachableAction, owner: { kind: 'group', id: 'g1' } },
    });
    expect(rules(d).slice(-2)).toEqual(['S3.4', 'S3.2']);
  });
});

describe('S3.5 one level of diversion', () => {
  const firstNoAnswer: AnsweringAction = { type: 'message', prompt: 'first-user' };

  test("S3.5 forwarding to a user who forwards too is refused there and the first user's noAnswer action runs", () => {
    const h = office();
    settings(h, 'u1001', { actions: { noAnswer: firstNoAnswer } });
    setStatus(h, 'u1001', 'forwarding', { forwardTo: '1002' });
    setStatus(h, 'u1002', 'forwarding', { forwardTo: '1003' });

    const d = decide(h, toUser('u1001'));

    expect(d).toMatchObject({ outcome: 'forward', to: '1002' });
    expect(nextOf(d)).toMatchObject({
      outcome: 'action',
      target: { kind: 'user', id: 'u1002' },
      action: { condition: 'noAnswer', owner: { kind: 'user', id: 'u1001' }, action: firstNoAnswer },
    });
    expect(rules(nextOf(d)).at(-1)).toBe('S3.5');
    expect(nextOf(nextOf(d)!)).toBeUndefined();
  });

  test("S3.5 a redirect action after a forward is refused and the first user's noAnswer action runs", () => {
    const h = office();
    settings(h, 'u1001', { actions: { noAnswer: firstNoAnswer } });
    settings(h, 'u1002', { actions: { busy: { type: 'redirect', target: { kind: 'user', id: 'u1003' } } } });
    setStatus(h, 'u1001', 'forwarding', { forwardTo: '1002' });
    setStatus(h, 'u1002', 'busy');

    const d = decide(h, toUser('u1001'));

    expect(nextOf(d)).toMatchObject({
      outcome: 'action',
      target: { kind: 'user', id: 'u1002' },
      action: { condition: 'noAnswer', owner: { kind: 'user', id: 'u1001' }, action: firstNoAnswer },
    });
    expect(rules(nextOf(d)).at(-1)).toBe('S3.5');
  });

  test("S3.5 an external action after a forward is refused and the first user's noAnswer action runs", () => {
    const h = office();
    settings(h, 'u1001', { actions: { noAnswer: firstNoAnswer } });
    settings(h, 'u1002', { actions: { dnd: { type: 'external', number: '+15550777' } } });
    setStatus(h, 'u1001', 'forwarding', { forwardTo: '1002' });
    setStatus(h, 'u1002', 'dnd');

    const d = decide(h, toUser('u1001'));

    expect(nextOf(d)).toMatchObject({
      outcome: 'action',
      action: { owner: { kind: 'user', id: 'u1001' }, action: firstNoAnswer },
    });
  });

  test("S3.5 a redirect action into a forwarding user is refused there and the redirecting user's noAnswer action runs", () => {
    const h = office();
    settings(h, 'u1001', {
      actions: { dnd: { type: 'redirect', target: { kind: 'user', id: 'u1002' } }, noAnswer: firstNoAnswer },
    });
    setStatus(h, 'u1001', 'dnd');
    setStatus(h, 'u1002', 'forwarding', { forwardTo: '1003' });

    const d = decide(h, toUser('u1001'));

    expect(d).toMatchObject({ outcome: 'action', action: { condition: 'dnd', action: { type: 'redirect' } } });
    expect(nextOf(d)).toMatchObject({
      outcome: 'action',
      target: { kind: 'user', id: 'u1002' },
      action: { condition: 'noAnswer', owner: { kind: 'user', id: 'u1001' }, action: firstNoAnswer },
    });
  });

  test("S3.5 a group's redirect into a forwarding user runs the group's noAnswer action", () => {
    const groupNoAnswer: AnsweringAction = { type: 'message', prompt: 'group-closed' };
    const h = office({
      groups: [
        {
          id: 'g1',
          name: 'Sales',
          members: ['u1005'],
          actions: {
            unreachable: { type: 'redirect', target: { kind: 'user', id: 'u1002' } },
            noAnswer: groupNoAnswer,
          },
        },
      ],
    });
    setStatus(h, 'u1002', 'forwarding', { forwardTo: '1003' });

    const d = decide(h, toGroup());

    expect(nextOf(d)).toMatchObject({
      outcome: 'action',
      action: { condition: 'noAnswer', owner: { kind: 'group', id: 'g1' }, action: groupNoAnswer },
    });
  });

  test('S3.5 a group member forwarding to a user who forwards too is skipped', () => {
    const h = office({ groups: [{ id: 'g1', name: 'Sales', members: ['u1001', 'u1002'] }] });
    setStatus(h, 'u1002', 'forwarding', { forwardTo: '1003' });
    setStatus(h, 'u1003', 'forwarding', { forwardTo: '1004' });

    expect(rungUsers(decide(h, toGroup()))).toEqual(['u1001']);
  });
});

describe('S3.1 the direct-call table', () => {
  /** One situation per row of DIRECT_RULES, in table order; u1001…u1004 have an app device. */
  const situations: readonly { readonly name: string; readonly userId: string; readonly set: (h: Harness) => void }[] =
    [
      { name: 'blocked', userId: 'u1001', set: (h) => setStatus(h, 'u1001', 'blocked') },
      { name: 'forwarding', userId: 'u1001', set: (h) => setStatus(h, 'u1001', 'forwarding', { forwardTo: '1002' }) },
      { name: 'dnd', userId: 'u1001', set: (h) => setStatus(h, 'u1001', 'dnd') },
      { name: 'manual busy', userId: 'u1001', set: (h) => setStatus(h, 'u1001', 'busy') },
      { name: 'absent', userId: 'u1001', set: (h) => setStatus(h, 'u1001', 'absent') },
      {
        name: 'app session, no device',
        userId: 'u1005',
        set: (h) => h.ok({ type: 'session.start', userId: 'u1005', sessionId: 's1' }),
      },
      {
        name: 'on a call, call waiting off',
        userId: 'u1001',
        set: (h) => {
          settings(h, 'u1001', { callWaiting: false });
          h.ok({ type: 'leg.update', userId: 'u1001', legId: 'l1', direction: 'in', state: 'answered' });
        },
      },
      { name: 'available', userId: 'u1001', set: () => undefined },
    ];

  test('S3.1#1 S3.1#2 S3.1#3 S3.1#4 S3.1#5 S3.1#6 S3.1#7 every row is reached and its id and text are the explanation line', () => {
    expect(situations).toHaveLength(DIRECT_RULES.length);
    situations.forEach((sit, i) => {
      const h = office();
      sit.set(h);
      const user = h.state().users.get(sit.userId)!;
      const r = reachability(h.state(), user, h.clock.now());
      const expected = DIRECT_RULES[i]!;
      expect({ situation: sit.name, row: DIRECT_RULES.indexOf(r.row) }).toEqual({ situation: sit.name, row: i });

      const d = decide(h, toUser(sit.userId));

      // The S2.3 line, then the matched S3.1 row's own line.
      const line = d.explanation[1];
      // S2.7: the forwarding row's line also carries its withheld wording (visibility.ts).
      expect({ situation: sit.name, line: { rule: line?.rule, text: line?.text } }).toEqual({
        situation: sit.name,
        line: { rule: expected.rule, text: expected.text(r.facts) },
      });
    });
  });

  test('S3.1#3 S3.1#4 S3.1#5 S3.1#6 an action row picks the answering condition by its typed field, and only DND notifies a missed call', () => {
    situations.forEach((sit, i) => {
      const row = DIRECT_RULES[i]!;
      if (row.then !== 'action') return;
      const h = office();
      sit.set(h);

      const d = decide(h, toUser(sit.userId));

      expect({
        row: row.rule,
        outcome: d.outcome,
        condition: d.outcome === 'action' ? d.action.condition : undefined,
      }).toEqual({
        row: row.rule,
        outcome: 'action',
        condition: row.condition,
      });
      expect({ row: row.rule, notifyMissed: d.outcome === 'action' ? d.notifyMissed : undefined }).toEqual({
        row: row.rule,
        notifyMissed: row.notifyMissed ? sit.userId : undefined,
      });
    });
  });

  test('S3.1#3 S3.1#5 the first matching row wins: a DND user without a device is row 3, not row 5', () => {
    const h = tenant({ users: users(2), policy: { statusIndependentOfLogin: true } });
    setStatus(h, 'u1001', 'dnd');

    const r = reachability(h.state(), h.state().users.get('u1001')!, h.clock.now());

    expect(r.row).toBe(DIRECT_RULES.find((row) => row.rule === 'S3.1#3'));
    expect(DIRECT_RULES.filter((row) => row.when(r.facts)).map((row) => row.rule)).toEqual([
      'S3.1#3',
      'S3.1#5',
      'S3.1#7',
    ]);
  });
});
