// SPEC S2 — presence: the manual (S2.1) and automatic (S2.2) statuses, the effective status table
// (S2.3), the presence record (S2.4), defaults (S2.5), lost registration (S2.6), forwarding shows
// free (S2.7) — and S5.3, the cause every change records.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { Actor, Command, ManualStatusId } from '../../src/core/index.js';
import { DEFAULT_POLICY, DEFAULT_USER_SETTINGS, STATUS_CATALOG } from '../../src/core/index.js';
import type { EngineEvent } from '../../src/engine/index.js';
import type { Harness } from '../support/tenant.js';
import { admin, HOUR, MIN, presenceEvents, register, SEC, self, T0, tenant, users } from '../support/tenant.js';

const supervisor = (userId: string): Actor => ({ kind: 'user', userId, role: 'supervisor' });
const apikey = (keyId: string, role: 'admin' | 'supervisor' | 'user'): Actor => ({ kind: 'apikey', keyId, role });

function answeredCall(h: Harness, userId: string, legId = 'L1') {
  return h.ok({ type: 'leg.update', userId, legId, direction: 'in', state: 'answered' });
}

function agentEvents(events: readonly EngineEvent[]) {
  return events.filter((e) => e.type === 'agent.changed');
}

function routeTo(h: Harness, userId: string) {
  return h.ok({
    type: 'call.route',
    call: { callId: 'c1', from: { external: '+4930999' }, to: { kind: 'user', id: userId } },
  }).reply;
}

describe('S2.1 manual statuses', () => {
  const shown = [
    { status: 'away', label: 'Away', colour: 'yellow' },
    { status: 'at_desk', label: 'At the desk', colour: 'green' },
    { status: 'busy', label: 'Busy', colour: 'red' },
    { status: 'dnd', label: 'Do not disturb', colour: 'red' },
    { status: 'absent', label: 'Absent', colour: 'grey' },
    { status: 'blocked', label: 'Blocked', colour: 'red' },
  ] as const;

  test.each(shown)(
    'S2.1 manual $status shows the label "$label", the colour $colour and an icon',
    ({ status, label, colour }) => {
      const h = tenant({ users: users(1) });
      register(h, 'u1001', 'r1', 'app');
      h.ok({ type: 'status.set', userId: 'u1001', status, by: self('u1001') });
      const p = h.presence('u1001');
      expect([p.status, p.label, p.colour]).toEqual([status, label, colour]);
      expect(p.icon).toBe(STATUS_CATALOG[status].icon);
      expect(p.icon.length).toBeGreaterThan(0);
    },
  );

  test('S2.1 manual forwarding shows the label "Forwarding", the colour green and an icon', () => {
    const h = tenant({ users: users(1, { forwardingAllowed: true }) });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'status.set', userId: 'u1001', status: 'forwarding', forwardTo: '1002', by: self('u1001') });
    const p = h.presence('u1001');
    expect([p.status, p.label, p.colour, p.icon]).toEqual([
      'forwarding',
      'Forwarding',
      'green',
      STATUS_CATALOG.forwarding.icon,
    ]);
  });

  test("S2.1 manual custom shows the user's text as its label, the colour yellow and an icon", () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'status.set', userId: 'u1001', status: 'custom', text: 'In the lab', by: self('u1001') });
    const p = h.presence('u1001');
    expect([p.status, p.label, p.text, p.colour, p.icon]).toEqual([
      'custom',
      'In the lab',
      'In the lab',
      'yellow',
      STATUS_CATALOG.custom.icon,
    ]);
  });

  test('S2.1 custom without a text is refused with SWB_ERR_TEXT_REQUIRED', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    const out = h.run({ type: 'status.set', userId: 'u1001', status: 'custom', by: self('u1001') });
    expect(out).toMatchObject({ ok: false, code: 'SWB_ERR_TEXT_REQUIRED' });
    expect(h.status('u1001')).toBe('online');
  });

  test('S2.1 custom with a blank text is refused with SWB_ERR_TEXT_REQUIRED', () => {
    const h = tenant({ users: users(1) });
    const out = h.run({ type: 'status.set', userId: 'u1001', status: 'custom', text: '   ', by: self('u1001') });
    expect(out).toMatchObject({ ok: false, code: 'SWB_ERR_TEXT_REQUIRED' });
  });

  test('S2.1 a text may accompany any manual status: away with "Back at 3" keeps the label Away', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'status.set', userId: 'u1001', status: 'away', text: 'Back at 3', by: self('u1001') });
    const p = h.presence('u1001');
    expect([p.label, p.text]).toEqual(['Away', 'Back at 3']);
  });

  test('S2.1 setting available clears the manual status', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'status.set', userId: 'u1001', status: 'dnd', text: 'Focus', by: self('u1001') });
    h.ok({ type: 'status.set', userId: 'u1001', status: 'available', by: self('u1001') });
    const p = h.presence('u1001');
    expect([p.status, p.manual, p.text]).toEqual(['online', undefined, undefined]);
  });

  test('S2.1 available is never shown as a status of its own', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    const out = h.ok({ type: 'status.set', userId: 'u1001', status: 'available', by: self('u1001') });
    expect(out.events).toEqual([]);
    expect(h.status('u1001')).toBe('online');
  });

  test('S2.1 forwarding is refused with SWB_ERR_FORWARDING_NOT_ALLOWED when forwardingAllowed is off', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
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

  test('S2.1 forwarding without forwardTo is refused with SWB_ERR_FORWARD_TO_REQUIRED', () => {
    const h = tenant({ users: users(1, { forwardingAllowed: true }) });
    register(h, 'u1001', 'r1', 'app');
    const out = h.run({ type: 'status.set', userId: 'u1001', status: 'forwarding', by: self('u1001') });
    expect(out).toMatchObject({ ok: false, code: 'SWB_ERR_FORWARD_TO_REQUIRED' });
    expect(h.status('u1001')).toBe('online');
  });

  test('S2.1 a status the tenant disabled in manualStatuses is refused with SWB_ERR_STATUS_DISABLED', () => {
    const h = tenant({ users: users(1), policy: { manualStatuses: ['available', 'away', 'busy'] } });
    register(h, 'u1001', 'r1', 'app');
    h.drain();
    const out = h.run({ type: 'status.set', userId: 'u1001', status: 'dnd', by: self('u1001') });
    expect(out).toMatchObject({ ok: false, code: 'SWB_ERR_STATUS_DISABLED' });
    expect(h.status('u1001')).toBe('online');
    expect(h.drain()).toEqual([]);
  });

  test('S2.1 a status the tenant left enabled in manualStatuses is still accepted', () => {
    const h = tenant({ users: users(1), policy: { manualStatuses: ['available', 'away', 'busy'] } });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'status.set', userId: 'u1001', status: 'busy', by: self('u1001') });
    expect(h.status('u1001')).toBe('busy');
  });

  test('S2.1 an unknown status is refused with SWB_ERR_STATUS_UNKNOWN', () => {
    const h = tenant({ users: users(1) });
    const out = h.run({ type: 'status.set', userId: 'u1001', status: 'napping', by: self('u1001') });
    expect(out).toMatchObject({ ok: false, code: 'SWB_ERR_STATUS_UNKNOWN' });
  });
});

describe('S2.2 automatic statuses', () => {
  const automatic = ['offline', 'on_call', 'idle', 'available_on_pbx', 'online'] as const;

  test.each(automatic)(
    'S2.2 setting %s by hand is refused with SWB_ERR_STATUS_AUTOMATIC and a message naming it',
    (status) => {
      const h = tenant({ users: users(1) });
      register(h, 'u1001', 'r1', 'app');
      h.drain();
      const out = h.run({ type: 'status.set', userId: 'u1001', status, by: self('u1001') });
      expect(out.ok).toBe(false);
      if (out.ok) return;
      expect(out.code).toBe('SWB_ERR_STATUS_AUTOMATIC');
      expect(out.message).toContain(`"${status}"`);
      expect(h.status('u1001')).toBe('online');
      expect(h.drain()).toEqual([]);
    },
  );

  test('S2.2 offline shows the label "Offline" and the colour grey', () => {
    const h = tenant({ users: users(1) });
    const p = h.presence('u1001');
    expect([p.status, p.label, p.colour, p.icon]).toEqual(['offline', 'Offline', 'grey', STATUS_CATALOG.offline.icon]);
  });

  test('S2.2 on_call shows the label "On a call" and the colour red', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    answeredCall(h, 'u1001');
    const p = h.presence('u1001');
    expect([p.status, p.label, p.colour, p.icon]).toEqual(['on_call', 'On a call', 'red', STATUS_CATALOG.on_call.icon]);
  });

  test('S2.2 idle shows the label "Available (idle)" and the colour green', () => {
    const h = tenant({ users: users(1), policy: { idleAfterSec: 60 } });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    h.advance(60 * SEC);
    const p = h.presence('u1001');
    expect([p.status, p.label, p.colour, p.icon]).toEqual([
      'idle',
      'Available (idle)',
      'green',
      STATUS_CATALOG.idle.icon,
    ]);
  });

  test('S2.2 available_on_pbx shows the label "Available on PBX" and the colour yellow', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'p1', 'pbx');
    const p = h.presence('u1001');
    expect([p.status, p.label, p.colour, p.icon]).toEqual([
      'available_on_pbx',
      'Available on PBX',
      'yellow',
      STATUS_CATALOG.available_on_pbx.icon,
    ]);
  });

  test('S2.2 online shows the label "Online" and the colour green', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    const p = h.presence('u1001');
    expect([p.status, p.label, p.colour, p.icon]).toEqual(['online', 'Online', 'green', STATUS_CATALOG.online.icon]);
  });
});

describe('S2.3 effective status', () => {
  test('S2.3#1 manual blocked wins even over being on a call', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    answeredCall(h, 'u1001');
    h.ok({ type: 'status.set', userId: 'u1001', status: 'blocked', by: admin('u1002') });
    expect([h.status('u1001'), h.presence('u1001').rule]).toEqual(['blocked', 'S2.3#1']);
  });

  test('S2.3#1 manual blocked shows even without any device', () => {
    const h = tenant({ users: users(1) });
    h.ok({ type: 'status.set', userId: 'u1001', status: 'blocked', by: self('u1001') });
    expect([h.status('u1001'), h.presence('u1001').rule]).toEqual(['blocked', 'S2.3#1']);
  });

  test('S2.3#2 manual forwarding shows forwarding, even without any device', () => {
    const h = tenant({ users: users(1, { forwardingAllowed: true }) });
    h.ok({ type: 'status.set', userId: 'u1001', status: 'forwarding', forwardTo: '1002', by: self('u1001') });
    expect([h.status('u1001'), h.presence('u1001').rule]).toEqual(['forwarding', 'S2.3#2']);
  });

  test('S2.3#3 manual absent shows absent, even without any device', () => {
    const h = tenant({ users: users(1) });
    h.ok({ type: 'status.set', userId: 'u1001', status: 'absent', by: self('u1001') });
    expect([h.status('u1001'), h.presence('u1001').rule]).toEqual(['absent', 'S2.3#3']);
  });

  test('S2.3#3 manual absent wins over being on a call', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    answeredCall(h, 'u1001');
    h.ok({ type: 'status.set', userId: 'u1001', status: 'absent', by: self('u1001') });
    expect([h.status('u1001'), h.presence('u1001').rule]).toEqual(['absent', 'S2.3#3']);
  });

  test('S2.3#4 a user with no registration and no app session is offline', () => {
    const h = tenant({ users: users(1) });
    expect([h.status('u1001'), h.presence('u1001').rule]).toEqual(['offline', 'S2.3#4']);
  });

  test('S2.3#4 offline wins over a manual dnd when the user has no device', () => {
    const h = tenant({ users: users(1) });
    h.ok({ type: 'status.set', userId: 'u1001', status: 'dnd', by: self('u1001') });
    expect([h.status('u1001'), h.presence('u1001').rule]).toEqual(['offline', 'S2.3#4']);
    expect(h.presence('u1001').manual?.status).toBe('dnd');
  });

  test('S2.3#4 with statusIndependentOfLogin on, a user without any device shows their manual status', () => {
    const h = tenant({ users: users(1), policy: { statusIndependentOfLogin: true } });
    h.ok({ type: 'status.set', userId: 'u1001', status: 'dnd', by: self('u1001') });
    expect([h.status('u1001'), h.presence('u1001').rule]).toEqual(['dnd', 'S2.3#5']);
  });

  test('S2.3#4 with statusIndependentOfLogin on, a user without any device or manual status shows online', () => {
    const h = tenant({ users: users(1), policy: { statusIndependentOfLogin: true } });
    expect([h.status('u1001'), h.presence('u1001').rule]).toEqual(['online', 'S2.3#10']);
  });

  test('S2.3#4 turning statusIndependentOfLogin on brings a device-less user from offline to their manual away', () => {
    const h = tenant({ users: users(1) });
    h.ok({ type: 'status.set', userId: 'u1001', status: 'away', by: self('u1001') });
    expect(h.status('u1001')).toBe('offline');
    h.ok({ type: 'tenant.policy', policy: { statusIndependentOfLogin: true } });
    expect([h.status('u1001'), h.presence('u1001').rule]).toEqual(['away', 'S2.3#7']);
  });

  test('S2.3#5 manual dnd wins over being on a call, with the onCall indicator', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'status.set', userId: 'u1001', status: 'dnd', by: self('u1001') });
    answeredCall(h, 'u1001');
    const p = h.presence('u1001');
    expect([p.status, p.rule, p.indicators.onCall]).toEqual(['dnd', 'S2.3#5', true]);
  });

  test('S2.3#5 manual busy wins over being on a call, with the onCall indicator', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'status.set', userId: 'u1001', status: 'busy', by: self('u1001') });
    answeredCall(h, 'u1001');
    const p = h.presence('u1001');
    expect([p.status, p.rule, p.indicators.onCall]).toEqual(['busy', 'S2.3#5', true]);
  });

  test('S2.3#5 manual dnd without a call has the onCall indicator off', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'status.set', userId: 'u1001', status: 'dnd', by: self('u1001') });
    expect(h.presence('u1001').indicators.onCall).toBe(false);
  });

  test('S2.3#6 a user on a call shows on_call', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    answeredCall(h, 'u1001');
    const p = h.presence('u1001');
    expect([p.status, p.rule, p.indicators.onCall]).toEqual(['on_call', 'S2.3#6', true]);
  });

  test('S2.3#6 being on a call wins over manual at_desk', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'status.set', userId: 'u1001', status: 'at_desk', by: self('u1001') });
    answeredCall(h, 'u1001');
    expect([h.status('u1001'), h.presence('u1001').rule]).toEqual(['on_call', 'S2.3#6']);
  });

  test('S2.3#6 when the call ends the manual away shows again', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'status.set', userId: 'u1001', status: 'away', by: self('u1001') });
    answeredCall(h, 'u1001');
    h.ok({ type: 'leg.update', userId: 'u1001', legId: 'L1', direction: 'in', state: 'ended' });
    expect([h.status('u1001'), h.presence('u1001').rule]).toEqual(['away', 'S2.3#7']);
  });

  test.each([
    { status: 'at_desk', text: undefined },
    { status: 'away', text: undefined },
    { status: 'custom', text: 'Workshop' },
  ] as const)('S2.3#7 manual $status shows that status', ({ status, text }) => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'status.set', userId: 'u1001', status, ...(text !== undefined ? { text } : {}), by: self('u1001') });
    expect([h.status('u1001'), h.presence('u1001').rule]).toEqual([status, 'S2.3#7']);
  });

  test('S2.3#7 manual away wins over only having pbx registrations', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'p1', 'pbx');
    h.ok({ type: 'status.set', userId: 'u1001', status: 'away', by: self('u1001') });
    expect([h.status('u1001'), h.presence('u1001').rule]).toEqual(['away', 'S2.3#7']);
  });

  test('S2.3#8 a user with only pbx registrations and no app session shows available_on_pbx', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'p1', 'pbx');
    register(h, 'u1001', 'p2', 'pbx');
    expect([h.status('u1001'), h.presence('u1001').rule]).toEqual(['available_on_pbx', 'S2.3#8']);
  });

  test('S2.3#8 a pbx registration with an app session is not available_on_pbx but online', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'p1', 'pbx');
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    expect([h.status('u1001'), h.presence('u1001').rule]).toEqual(['online', 'S2.3#10']);
  });

  test('S2.3#8 a pbx registration beside a terminal registration is not available_on_pbx but online', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'p1', 'pbx');
    register(h, 'u1001', 't1', 'terminal');
    expect([h.status('u1001'), h.presence('u1001').rule]).toEqual(['online', 'S2.3#10']);
  });

  test('S2.3#9 an idle user shows idle', () => {
    const h = tenant({ users: users(1), policy: { idleAfterSec: 60 } });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    h.advance(60 * SEC);
    expect([h.status('u1001'), h.presence('u1001').rule]).toEqual(['idle', 'S2.3#9']);
  });

  test('S2.3#9 manual away wins over idle', () => {
    const h = tenant({ users: users(1), policy: { idleAfterSec: 60 } });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    h.ok({ type: 'status.set', userId: 'u1001', status: 'away', by: self('u1001') });
    h.advance(60 * SEC);
    expect([h.status('u1001'), h.presence('u1001').rule]).toEqual(['away', 'S2.3#7']);
  });

  test('S2.3#10 a registered user with nothing else applying shows online', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 't1', 'terminal');
    expect([h.status('u1001'), h.presence('u1001').rule]).toEqual(['online', 'S2.3#10']);
  });

  test('S2.3#10 an incoming ringing leg alone does not change online', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'leg.update', userId: 'u1001', legId: 'L1', direction: 'in', state: 'ringing' });
    const p = h.presence('u1001');
    expect([p.status, p.rule, p.indicators.ringing]).toEqual(['online', 'S2.3#10', true]);
  });

  test('S2.3 the same facts give the same record whatever order they arrived in', () => {
    const facts: readonly Command[] = [
      { type: 'registration.set', userId: 'u1001', id: 'r1', kind: 'app', expiresAt: T0 + HOUR },
      { type: 'registration.set', userId: 'u1001', id: 't1', kind: 'terminal', expiresAt: T0 + HOUR },
      { type: 'registration.set', userId: 'u1001', id: 'p1', kind: 'pbx', expiresAt: T0 + HOUR },
      { type: 'session.start', userId: 'u1001', sessionId: 's1' },
      { type: 'leg.update', userId: 'u1001', legId: 'L1', direction: 'out', state: 'answered' },
      { type: 'leg.update', userId: 'u1001', legId: 'L2', direction: 'in', state: 'ringing' },
    ];
    const manual: readonly (ManualStatusId | undefined)[] = [
      undefined,
      'blocked',
      'forwarding',
      'absent',
      'dnd',
      'busy',
      'at_desk',
      'away',
      'custom',
    ];
    const manualCommand = (status: ManualStatusId): Command => ({
      type: 'status.set',
      userId: 'u1001',
      status,
      ...(status === 'custom' ? { text: 'Workshop' } : {}),
      ...(status === 'forwarding' ? { forwardTo: '1002' } : {}),
      by: self('u1001'),
    });
    const recordAfter = (commands: readonly Command[]) => {
      const h = tenant({ users: users(2, { forwardingAllowed: true }) });
      for (const c of commands) h.ok(c);
      return h.presence('u1001');
    };
    const orders = fc
      .tuple(fc.subarray([...facts]), fc.constantFrom(...manual))
      .map(([chosen, status]) => (status === undefined ? chosen : [...chosen, manualCommand(status)]))
      .chain((chosen) =>
        fc.tuple(
          fc.shuffledSubarray(chosen, { minLength: chosen.length }),
          fc.shuffledSubarray(chosen, { minLength: chosen.length }),
        ),
      );
    fc.assert(
      fc.property(orders, ([a, b]) => {
        expect(recordAfter(a)).toEqual(recordAfter(b));
      }),
      { numRuns: 150 },
    );
  });
});

describe('S2.4 the presence record', () => {
  test('S2.4 the record shows user, status, label, colour, text, until, since, manual, indicators and devices', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    h.advance(MIN);
    const until = T0 + HOUR;
    h.ok({ type: 'status.set', userId: 'u1001', status: 'away', text: 'Back at 3', until, by: self('u1001') });
    expect(h.presence('u1001')).toEqual({
      userId: 'u1001',
      extension: '1001',
      name: 'User 1001',
      status: 'away',
      label: 'Away',
      colour: 'yellow',
      icon: STATUS_CATALOG.away.icon,
      text: 'Back at 3',
      until,
      since: T0 + MIN,
      manual: { status: 'away', text: 'Back at 3', until, setBy: 'self', setAt: T0 + MIN },
      indicators: { onCall: false, ringing: false, lostRegistration: false, missedCalls: 0, voicemail: 0 },
      devices: { app: 1, terminal: 0, pbx: 0 },
      sessions: 0,
      rule: 'S2.3#7',
    });
  });

  test('S2.4 a record without a manual status has no manual, text or until', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    const p = h.presence('u1001');
    expect([p.manual, p.text, p.until]).toEqual([undefined, undefined, undefined]);
  });

  test('S2.4 since is when the effective status last changed', () => {
    const h = tenant({ users: users(1) });
    expect(h.presence('u1001').since).toBe(T0);
    h.advance(MIN);
    register(h, 'u1001', 'r1', 'app');
    expect(h.presence('u1001').since).toBe(T0 + MIN);
    h.advance(MIN);
    h.ok({ type: 'status.set', userId: 'u1001', status: 'dnd', by: self('u1001') });
    expect(h.presence('u1001').since).toBe(T0 + 2 * MIN);
  });

  test('S2.4 since does not move when only an indicator changes', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    h.advance(MIN);
    h.ok({ type: 'leg.update', userId: 'u1001', legId: 'L1', direction: 'in', state: 'ringing' });
    h.advance(MIN);
    h.ok({ type: 'voicemail.count', userId: 'u1001', count: 2 });
    const p = h.presence('u1001');
    expect([p.status, p.indicators.ringing, p.indicators.voicemail, p.since]).toEqual(['online', true, 2, T0]);
  });

  test('S2.4 since does not move when a second device registers under the same status', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    h.advance(MIN);
    register(h, 'u1001', 't1', 'terminal');
    expect([h.presence('u1001').devices.terminal, h.presence('u1001').since]).toEqual([1, T0]);
  });

  test('S2.4 since does not move when only the text of the manual status changes', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'status.set', userId: 'u1001', status: 'away', text: 'Back at 3', by: self('u1001') });
    h.advance(MIN);
    h.ok({ type: 'status.set', userId: 'u1001', status: 'away', text: 'Back at 4', by: self('u1001') });
    expect([h.presence('u1001').text, h.presence('u1001').since]).toEqual(['Back at 4', T0]);
  });

  test('S2.4 since moves when the status goes away and comes back', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    h.advance(MIN);
    answeredCall(h, 'u1001');
    h.advance(MIN);
    h.ok({ type: 'leg.update', userId: 'u1001', legId: 'L1', direction: 'in', state: 'ended' });
    expect([h.status('u1001'), h.presence('u1001').since]).toEqual(['online', T0 + 2 * MIN]);
  });

  test('S2.4 a manual status set by an administrator records setBy admin:<id> and setAt', () => {
    const h = tenant({ users: users(2) });
    register(h, 'u1001', 'r1', 'app');
    h.advance(5 * MIN);
    h.ok({ type: 'status.set', userId: 'u1001', status: 'busy', by: admin('u1002') });
    expect(h.presence('u1001').manual).toEqual({ status: 'busy', setBy: 'admin:u1002', setAt: T0 + 5 * MIN });
  });

  test('S2.4 devices counts the live registrations of each kind', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    register(h, 'u1001', 'r2', 'app');
    register(h, 'u1001', 't1', 'terminal');
    register(h, 'u1001', 'p1', 'pbx', MIN);
    expect(h.presence('u1001').devices).toEqual({ app: 2, terminal: 1, pbx: 1 });
    h.advance(MIN);
    expect(h.presence('u1001').devices).toEqual({ app: 2, terminal: 1, pbx: 0 });
  });

  test('S2.4 missedCalls counts the missed calls', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'status.set', userId: 'u1001', status: 'dnd', by: self('u1001') });
    routeTo(h, 'u1001');
    routeTo(h, 'u1001');
    expect(h.presence('u1001').indicators.missedCalls).toBe(2);
  });

  test('S2.4 missedCalls goes back to 0 when reset', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'status.set', userId: 'u1001', status: 'dnd', by: self('u1001') });
    routeTo(h, 'u1001');
    h.ok({ type: 'missed.reset', userId: 'u1001', by: self('u1001') });
    expect(h.presence('u1001').indicators.missedCalls).toBe(0);
  });

  test('S2.4 voicemail counts the waiting messages', () => {
    const h = tenant({ users: users(1) });
    h.ok({ type: 'voicemail.count', userId: 'u1001', count: 3 });
    expect(h.presence('u1001').indicators.voicemail).toBe(3);
  });
});

describe('S2.5 tenant policies and user settings', () => {
  test('S2.5 the default tenant policy is the one SPEC names', () => {
    expect({ ...DEFAULT_POLICY, manualStatuses: [...DEFAULT_POLICY.manualStatuses] }).toMatchObject({
      statusIndependentOfLogin: false,
      idleAfterSec: 600,
      sessionTimeoutSec: 90,
      defaultDeskDelaySec: 10,
      manualStatuses: ['available', 'away', 'custom', 'at_desk', 'busy', 'dnd', 'absent', 'forwarding', 'blocked'],
      adminsSetOthers: true,
      timezone: 'UTC',
    });
  });

  test('S2.5 the default user settings are the ones SPEC names', () => {
    expect(DEFAULT_USER_SETTINGS).toMatchObject({
      ringTimeoutSec: 20,
      callWaiting: true,
      forwardingAllowed: false,
      absentAtLogout: false,
      voicemail: true,
    });
    expect(DEFAULT_USER_SETTINGS.deskDelaySec).toBeUndefined();
  });

  test('S2.5 a tenant created without a policy has the default policy', () => {
    const h = tenant({ users: users(1) });
    expect(h.state().policy).toEqual(DEFAULT_POLICY);
  });

  test('S2.5 a user created without settings has the default settings', () => {
    const h = tenant({ users: users(1) });
    expect(h.state().users.get('u1001')?.settings).toEqual(DEFAULT_USER_SETTINGS);
  });

  test("S2.5 by default an at_desk user's app devices ring after 10 s and terminals at once", () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    register(h, 'u1001', 't1', 'terminal');
    h.ok({ type: 'status.set', userId: 'u1001', status: 'at_desk', by: self('u1001') });
    const d = routeTo(h, 'u1001');
    expect(d).toMatchObject({ outcome: 'ring' });
    const ring = (d as { ring: readonly { deviceId?: string; startSec: number }[] }).ring;
    expect(ring.map((e) => [e.deviceId, e.startSec])).toEqual([
      ['r1', 10],
      ['t1', 0],
    ]);
  });

  test("S2.5 a user's own deskDelaySec replaces the default desk delay", () => {
    const h = tenant({ users: users(1, { deskDelaySec: 5 }) });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'status.set', userId: 'u1001', status: 'at_desk', by: self('u1001') });
    expect(routeTo(h, 'u1001')).toMatchObject({ outcome: 'ring', ring: [{ deviceId: 'r1', startSec: 5 }] });
  });

  test('S2.5 the tenant defaultDeskDelaySec applies to users without their own deskDelaySec', () => {
    const h = tenant({ users: users(1), policy: { defaultDeskDelaySec: 15 } });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'status.set', userId: 'u1001', status: 'at_desk', by: self('u1001') });
    expect(routeTo(h, 'u1001')).toMatchObject({ outcome: 'ring', ring: [{ deviceId: 'r1', startSec: 15 }] });
  });

  test('S2.5 by default a direct call rings for 20 s before the no-answer action', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    expect(routeTo(h, 'u1001')).toMatchObject({ outcome: 'ring', timeoutSec: 20 });
  });

  test('S2.5 by default callWaiting is on: a user on a call still rings', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    answeredCall(h, 'u1001');
    expect(routeTo(h, 'u1001')).toMatchObject({ outcome: 'ring' });
  });

  test("S2.5 by default voicemail is on: a dnd user's callers get voicemail", () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'status.set', userId: 'u1001', status: 'dnd', by: self('u1001') });
    expect(routeTo(h, 'u1001')).toMatchObject({
      outcome: 'action',
      action: { condition: 'dnd', action: { type: 'voicemail' } },
    });
  });

  test("S2.5 by default adminsSetOthers is on: an administrator sets another user's status", () => {
    const h = tenant({ users: users(2) });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'status.set', userId: 'u1001', status: 'away', by: admin('u1002') });
    expect(h.status('u1001')).toBe('away');
  });

  test("S2.5 with adminsSetOthers off, an administrator setting another user's status is refused with SWB_ERR_FORBIDDEN", () => {
    const h = tenant({ users: users(2), policy: { adminsSetOthers: false } });
    register(h, 'u1001', 'r1', 'app');
    const out = h.run({ type: 'status.set', userId: 'u1001', status: 'away', by: admin('u1002') });
    expect(out).toMatchObject({ ok: false, code: 'SWB_ERR_FORBIDDEN' });
    expect(h.status('u1001')).toBe('online');
  });

  test('S2.5 by default every manual status of S2.1 can be chosen', () => {
    const h = tenant({ users: users(2, { forwardingAllowed: true }) });
    register(h, 'u1001', 'r1', 'app');
    const chosen: string[] = [];
    for (const status of [
      'away',
      'custom',
      'at_desk',
      'busy',
      'dnd',
      'absent',
      'forwarding',
      'blocked',
      'available',
    ] as const) {
      h.ok({
        type: 'status.set',
        userId: 'u1001',
        status,
        ...(status === 'custom' ? { text: 'Workshop' } : {}),
        ...(status === 'forwarding' ? { forwardTo: '1002' } : {}),
        by: self('u1001'),
      });
      chosen.push(h.presence('u1001').manual?.status ?? 'none');
    }
    expect(chosen).toEqual(['away', 'custom', 'at_desk', 'busy', 'dnd', 'absent', 'forwarding', 'blocked', 'none']);
  });
});

describe('S2.6 lost registration', () => {
  test('S2.6 a signed-in user whose app registration is lost gets the "!" indicator, the status unchanged', () => {
    const h = tenant({ users: users(1) });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'registration.remove', userId: 'u1001', id: 'r1', reason: 'lost' });
    const p = h.presence('u1001');
    expect([p.status, p.indicators.lostRegistration]).toEqual(['online', true]);
  });

  test('S2.6 a signed-in user whose terminal registration expires gets the "!" indicator', () => {
    const h = tenant({ users: users(1) });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    register(h, 'u1001', 't1', 'terminal', 30 * SEC);
    h.advance(30 * SEC);
    expect(h.presence('u1001').indicators.lostRegistration).toBe(true);
  });

  test('S2.6 a registration present when the session starts counts as had during the session', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    h.ok({ type: 'registration.remove', userId: 'u1001', id: 'r1', reason: 'lost' });
    expect(h.presence('u1001').indicators.lostRegistration).toBe(true);
  });

  test('S2.6 the indicator leaves the manual status as it was', () => {
    const h = tenant({ users: users(1) });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'status.set', userId: 'u1001', status: 'dnd', by: self('u1001') });
    h.ok({ type: 'registration.remove', userId: 'u1001', id: 'r1', reason: 'lost' });
    const p = h.presence('u1001');
    expect([p.status, p.indicators.lostRegistration]).toEqual(['dnd', true]);
  });

  test('S2.6 a lost registration without a signed-in app session shows no "!"', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'registration.remove', userId: 'u1001', id: 'r1', reason: 'lost' });
    const p = h.presence('u1001');
    expect([p.status, p.indicators.lostRegistration]).toEqual(['offline', false]);
  });

  test('S2.6 a session that never had an app or terminal registration shows no "!"', () => {
    const h = tenant({ users: users(1) });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    expect(h.presence('u1001').indicators.lostRegistration).toBe(false);
  });

  test('S2.6 a lost pbx registration shows no "!"', () => {
    const h = tenant({ users: users(1) });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    register(h, 'u1001', 'p1', 'pbx');
    h.ok({ type: 'registration.remove', userId: 'u1001', id: 'p1', reason: 'lost' });
    expect(h.presence('u1001').indicators.lostRegistration).toBe(false);
  });

  test('S2.6 one live registration left of two shows no "!"', () => {
    const h = tenant({ users: users(1) });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    register(h, 'u1001', 'r1', 'app');
    register(h, 'u1001', 't1', 'terminal');
    h.ok({ type: 'registration.remove', userId: 'u1001', id: 'r1', reason: 'lost' });
    expect(h.presence('u1001').indicators.lostRegistration).toBe(false);
  });

  test('S2.6 re-registering clears the "!"', () => {
    const h = tenant({ users: users(1) });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'registration.remove', userId: 'u1001', id: 'r1', reason: 'lost' });
    register(h, 'u1001', 'r1', 'app');
    expect(h.presence('u1001').indicators.lostRegistration).toBe(false);
  });

  test('S2.6 signing out clears the "!"', () => {
    const h = tenant({ users: users(1) });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'registration.remove', userId: 'u1001', id: 'r1', reason: 'lost' });
    h.ok({ type: 'session.end', userId: 'u1001', sessionId: 's1' });
    expect(h.presence('u1001').indicators.lostRegistration).toBe(false);
  });

  test('S2.6 a new session after signing out starts without the registration of the old one', () => {
    const h = tenant({ users: users(1) });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'registration.remove', userId: 'u1001', id: 'r1', reason: 'lost' });
    h.ok({ type: 'session.end', userId: 'u1001', sessionId: 's1' });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's2' });
    expect(h.presence('u1001').indicators.lostRegistration).toBe(false);
  });
});

describe('S2.7 forwarding shows free', () => {
  function forwarding(h: Harness, userId: string, forwardTo: string): void {
    h.ok({ type: 'status.set', userId, status: 'forwarding', forwardTo, by: self(userId) });
  }

  test('S2.7 a forwarding user shows green with the label Forwarding and the destination in the indicators', () => {
    const h = tenant({ users: users(2, { forwardingAllowed: true }) });
    register(h, 'u1001', 'r1', 'app');
    forwarding(h, 'u1001', '1002');
    const p = h.presence('u1001');
    expect([p.status, p.label, p.colour, p.indicators.forwardTo]).toEqual([
      'forwarding',
      'Forwarding',
      'green',
      '1002',
    ]);
  });

  test('S2.7 a forwarding user on a call is never on_call', () => {
    const h = tenant({ users: users(2, { forwardingAllowed: true }) });
    register(h, 'u1001', 't1', 'terminal');
    forwarding(h, 'u1001', '1002');
    answeredCall(h, 'u1001');
    const p = h.presence('u1001');
    expect([p.status, p.colour]).toEqual(['forwarding', 'green']);
  });

  test('S2.7 a call to the destination leaves the forwarding user forwarding', () => {
    const h = tenant({ users: users(2, { forwardingAllowed: true }) });
    register(h, 'u1001', 'r1', 'app');
    register(h, 'u1002', 'r2', 'app');
    forwarding(h, 'u1001', '1002');
    answeredCall(h, 'u1002');
    expect([h.status('u1001'), h.status('u1002')]).toEqual(['forwarding', 'on_call']);
  });

  test('S2.7 a user who is not forwarding has no forwardTo indicator', () => {
    const h = tenant({ users: users(2, { forwardingAllowed: true }) });
    register(h, 'u1001', 'r1', 'app');
    forwarding(h, 'u1001', '1002');
    h.ok({ type: 'status.clear', userId: 'u1001', by: self('u1001') });
    expect(h.presence('u1001').indicators.forwardTo).toBeUndefined();
  });

  test('S2.7 a direct call to a forwarding user goes to forwardTo', () => {
    const h = tenant({ users: users(2, { forwardingAllowed: true }) });
    register(h, 'u1001', 'r1', 'app');
    register(h, 'u1002', 'r2', 'app');
    forwarding(h, 'u1001', '1002');
    expect(routeTo(h, 'u1001')).toMatchObject({ outcome: 'forward', to: '1002' });
  });

  test('S2.7 a forwarding group member is never skipped as busy: the destination rings in their place', () => {
    const h = tenant({
      users: users(3, { forwardingAllowed: true }),
      groups: [{ id: 'g1', name: 'Sales', members: ['u1001', 'u1003'] }],
    });
    register(h, 'u1002', 'r2', 'app');
    forwarding(h, 'u1001', '1002');
    const d = h.ok({
      type: 'call.route',
      call: { callId: 'c1', from: { external: '+4930999' }, to: { kind: 'group', id: 'g1' } },
    }).reply;
    expect(d).toMatchObject({
      outcome: 'ring',
      ring: [{ userId: 'u1002', deviceId: 'r2', forwardedFrom: 'u1001', startSec: 0 }],
    });
  });
});

describe('S5.3 causes on presence.changed and agent.changed', () => {
  function withQueue(): Harness {
    const h = tenant({
      users: users(3),
      queues: [{ id: 'q1', name: 'Support', extension: '800', agents: ['u1001'], supervisors: ['u1002'] }],
    });
    register(h, 'u1001', 'r1', 'app');
    h.drain();
    return h;
  }

  test('S5.3 a user changing their own status records the cause self', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    const out = h.ok({ type: 'status.set', userId: 'u1001', status: 'dnd', by: self('u1001') });
    expect(presenceEvents(out.events).map((e) => e.cause)).toEqual(['self']);
    expect(h.presence('u1001').manual?.setBy).toBe('self');
  });

  test("S5.3 an administrator changing a user's status records the cause admin:<id>", () => {
    const h = tenant({ users: users(2) });
    register(h, 'u1001', 'r1', 'app');
    const out = h.ok({ type: 'status.set', userId: 'u1001', status: 'dnd', by: admin('u1002') });
    expect(presenceEvents(out.events).map((e) => e.cause)).toEqual(['admin:u1002']);
  });

  test("S5.3 an administrator clearing a user's status records the cause admin:<id>", () => {
    const h = tenant({ users: users(2) });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'status.set', userId: 'u1001', status: 'dnd', by: self('u1001') });
    const out = h.ok({ type: 'status.clear', userId: 'u1001', by: admin('u1002') });
    expect(presenceEvents(out.events).map((e) => e.cause)).toEqual(['admin:u1002']);
  });

  test("S5.3 a supervisor changing an agent's state records the cause supervisor:<id>", () => {
    const h = withQueue();
    const out = h.ok({
      type: 'agent.command',
      userId: 'u1001',
      queueId: 'q1',
      action: 'login',
      by: supervisor('u1002'),
    });
    expect(agentEvents(out.events).map((e) => [e.cause, e.value.state])).toEqual([['supervisor:u1002', 'not_ready']]);
  });

  test("S5.3 an API key changing a user's status records the cause apikey:<id>", () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    const out = h.ok({ type: 'status.set', userId: 'u1001', status: 'away', by: apikey('k1', 'admin') });
    expect(presenceEvents(out.events).map((e) => e.cause)).toEqual(['apikey:k1']);
    expect(h.presence('u1001').manual?.setBy).toBe('apikey:k1');
  });

  test("S5.3 an API key changing an agent's state records the cause apikey:<id>", () => {
    const h = withQueue();
    const out = h.ok({
      type: 'agent.command',
      userId: 'u1001',
      queueId: 'q1',
      action: 'login',
      by: apikey('k2', 'supervisor'),
    });
    expect(agentEvents(out.events).map((e) => e.cause)).toEqual(['apikey:k2']);
  });

  test('S5.3 a feature code setting DND records the cause fac', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    const out = h.ok({ type: 'fac.dial', userId: 'u1001', digits: '*78' });
    expect(presenceEvents(out.events).map((e) => [e.cause, e.value.status])).toEqual([['fac', 'dnd']]);
    expect(h.presence('u1001').manual?.setBy).toBe('fac');
  });

  test('S5.3 a feature code logging an agent in records the cause fac', () => {
    const h = withQueue();
    const out = h.ok({ type: 'fac.dial', userId: 'u1001', digits: '*38' });
    expect(agentEvents(out.events).map((e) => [e.cause, e.value.state])).toEqual([['fac', 'not_ready']]);
  });

  test('S5.3 a SIP registration records the cause sip', () => {
    const h = tenant({ users: users(1) });
    const out = register(h, 'u1001', 'r1', 'app');
    expect(presenceEvents(out.events).map((e) => [e.cause, e.value.status])).toEqual([['sip', 'online']]);
  });

  test('S5.3 a SIP call leg records the cause sip', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    const out = answeredCall(h, 'u1001');
    expect(presenceEvents(out.events).map((e) => [e.cause, e.value.status])).toEqual([['sip', 'on_call']]);
  });

  test('S5.3 a call that puts an agent on other_call records the cause sip on agent.changed', () => {
    const h = withQueue();
    h.ok({ type: 'agent.command', userId: 'u1001', queueId: 'q1', action: 'login', by: self('u1001') });
    const out = answeredCall(h, 'u1001');
    expect(agentEvents(out.events).map((e) => [e.cause, e.value.state])).toEqual([['sip', 'other_call']]);
  });

  test('S5.3 a registration reported by an external PBX records the cause pbx', () => {
    const h = tenant({ users: users(1) });
    const out = register(h, 'u1001', 'p1', 'pbx');
    expect(presenceEvents(out.events).map((e) => [e.cause, e.value.status])).toEqual([['pbx', 'available_on_pbx']]);
  });

  test('S5.3 a call leg reported by an external PBX records the cause pbx', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'p1', 'pbx');
    const out = h.ok({
      type: 'leg.update',
      userId: 'u1001',
      legId: 'L1',
      direction: 'out',
      state: 'answered',
      by: { kind: 'pbx' },
    });
    expect(presenceEvents(out.events).map((e) => e.cause)).toEqual(['pbx']);
  });

  test('S5.3 a registration expiring records the cause system', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app', MIN);
    h.drain();
    h.advance(MIN);
    expect(presenceEvents(h.drain()).map((e) => [e.cause, e.value.status])).toEqual([['system', 'offline']]);
  });

  test('S5.3 becoming idle records the cause system', () => {
    const h = tenant({ users: users(1), policy: { idleAfterSec: 60 } });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    h.drain();
    h.advance(60 * SEC);
    expect(presenceEvents(h.drain()).map((e) => [e.cause, e.value.status])).toEqual([['system', 'idle']]);
  });

  test('S5.3 a session timing out records the cause system', () => {
    const h = tenant({ users: users(1) });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    h.drain();
    h.advance(90 * SEC);
    expect(presenceEvents(h.drain()).map((e) => [e.cause, e.value.status])).toEqual([['system', 'offline']]);
  });

  test('S5.3 a user signing out records the cause self', () => {
    const h = tenant({ users: users(1) });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    const out = h.ok({ type: 'session.end', userId: 'u1001', sessionId: 's1' });
    expect(presenceEvents(out.events).map((e) => [e.cause, e.value.status])).toEqual([['self', 'offline']]);
  });
});
