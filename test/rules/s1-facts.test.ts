// SPEC S1 — what Switchboard learns: registrations (S1.1), manual status (S1.3), app activity
// (S1.4) and sign-out (S1.5). S1.2 and S1.6 have their own files.
import { describe, expect, test } from 'vitest';
import { MAX_APP_SESSIONS } from '../../src/core/index.js';
import { Engine, ManualClock } from '../../src/engine/index.js';
import type { Harness } from '../support/tenant.js';
import { admin, HOUR, MIN, presenceEvents, register, SEC, self, T0, tenant, users } from '../support/tenant.js';

/** Keeps a session alive with heartbeats every `everyMs` for `totalMs`, none of them flagged active. */
function quietHeartbeats(h: Harness, userId: string, sessionId: string, everyMs: number, totalMs: number): void {
  for (let t = everyMs; t <= totalMs; t += everyMs) {
    h.advance(everyMs);
    h.ok({ type: 'session.heartbeat', userId, sessionId, active: false });
  }
}

describe('S1.1 registrations', () => {
  test('S1.1 an app registration counts as one app device and makes the user online', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    expect(h.presence('u1001').devices).toEqual({ app: 1, terminal: 0, pbx: 0 });
    expect(h.status('u1001')).toBe('online');
  });

  test('S1.1 a terminal registration counts as one terminal device and makes the user online', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 't1', 'terminal');
    expect(h.presence('u1001').devices).toEqual({ app: 0, terminal: 1, pbx: 0 });
    expect(h.status('u1001')).toBe('online');
  });

  test('S1.1 a pbx registration counts as one pbx device and shows available_on_pbx', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'p1', 'pbx');
    expect(h.presence('u1001').devices).toEqual({ app: 0, terminal: 0, pbx: 1 });
    expect(h.status('u1001')).toBe('available_on_pbx');
  });

  test('S1.1 a registration ends at exactly expiresAt, not a millisecond before', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app', 60 * SEC);
    h.advance(60 * SEC - 1);
    expect(h.status('u1001')).toBe('online');
    h.advance(1);
    expect(h.status('u1001')).toBe('offline');
    expect(h.presence('u1001').devices).toEqual({ app: 0, terminal: 0, pbx: 0 });
  });

  test('S1.1 the expiry event is stamped with expiresAt even when the clock jumps past it', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app', 60 * SEC);
    h.drain();
    h.advance(5 * MIN);
    const events = presenceEvents(h.drain());
    expect(events.map((e) => [e.at, e.value.status])).toEqual([[T0 + 60 * SEC, 'offline']]);
  });

  test('S1.1 unregistering ends the registration at once', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'registration.remove', userId: 'u1001', id: 'r1', reason: 'unregister' });
    expect(h.status('u1001')).toBe('offline');
    expect(h.presence('u1001').devices.app).toBe(0);
  });

  test('S1.1 a registration the transport reports lost ends at once', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 't1', 'terminal');
    h.ok({ type: 'registration.remove', userId: 'u1001', id: 't1', reason: 'lost' });
    expect(h.status('u1001')).toBe('offline');
    expect(h.presence('u1001').devices.terminal).toBe(0);
  });

  test('S1.1 refreshing a registration before its expiry emits nothing', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app', 60 * SEC);
    h.advance(30 * SEC);
    const out = register(h, 'u1001', 'r1', 'app', 60 * SEC);
    expect(out.events).toEqual([]);
    expect(h.presence('u1001').devices.app).toBe(1);
  });

  test('S1.1 a refreshed registration lives until its new expiry, not the old one', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app', 60 * SEC);
    h.advance(30 * SEC);
    register(h, 'u1001', 'r1', 'app', 60 * SEC);
    h.advance(30 * SEC);
    expect(h.status('u1001')).toBe('online');
    h.advance(30 * SEC);
    expect(h.status('u1001')).toBe('offline');
  });

  test('S1.1 unregistering a registration that is already gone emits nothing', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'registration.remove', userId: 'u1001', id: 'r1', reason: 'unregister' });
    const again = h.ok({ type: 'registration.remove', userId: 'u1001', id: 'r1', reason: 'unregister' });
    expect(again.events).toEqual([]);
  });

  test('S1.1 a registration still ends at its expiresAt after an earlier until of the user has run out', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app', HOUR);
    h.ok({ type: 'status.set', userId: 'u1001', status: 'dnd', until: T0 + 30 * MIN, by: self('u1001') });
    h.advance(30 * MIN);
    expect(h.status('u1001')).toBe('online');
    h.advance(30 * MIN);
    expect(h.status('u1001')).toBe('offline');
  });

  test("S1.1 a registration still ends at its expiresAt after the user's app session has timed out", () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app', HOUR);
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    h.advance(90 * SEC);
    expect(h.presence('u1001').sessions).toBe(0);
    h.advance(HOUR - 90 * SEC);
    expect(h.status('u1001')).toBe('offline');
  });

  test('S1.1 a registration restored after a restart still ends at its expiresAt', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app', HOUR);
    const clock = new ManualClock(T0 + MIN);
    const restarted = new Engine({ clock });
    restarted.addTenant(h.state(), { epoch: 'e1', seq: h.engine.position(h.tenant)!.seq });
    clock.advance(HOUR);
    expect(restarted.state(h.tenant)!.users.get('u1001')!.presence.status).toBe('offline');
  });

  test('S1.1 a registration.set whose expiry is not in the future is an unregistration', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'registration.set', userId: 'u1001', id: 'r1', kind: 'app', expiresAt: h.clock.now() });
    expect(h.presence('u1001').devices.app).toBe(0);
    expect(h.status('u1001')).toBe('offline');
  });

  test('S1.1 one of two registrations expiring leaves the user online on the other', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app', 60 * SEC);
    register(h, 'u1001', 't1', 'terminal', 120 * SEC);
    h.advance(60 * SEC);
    expect(h.presence('u1001').devices).toEqual({ app: 0, terminal: 1, pbx: 0 });
    expect(h.status('u1001')).toBe('online');
  });
});

describe('S1.3 manual status', () => {
  test('S1.3 a user sets a manual status with a text of exactly 100 characters', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    const text = 'x'.repeat(100);
    h.ok({ type: 'status.set', userId: 'u1001', status: 'away', text, by: self('u1001') });
    expect(h.status('u1001')).toBe('away');
    expect(h.presence('u1001').text).toBe(text);
  });

  test('S1.3 a text of 101 characters is refused with SWB_ERR_TEXT_TOO_LONG and changes nothing', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    h.drain();
    const out = h.run({
      type: 'status.set',
      userId: 'u1001',
      status: 'away',
      text: 'x'.repeat(101),
      by: self('u1001'),
    });
    expect(out).toMatchObject({ ok: false, code: 'SWB_ERR_TEXT_TOO_LONG' });
    expect(h.status('u1001')).toBe('online');
    expect(h.drain()).toEqual([]);
  });

  test('S1.3 the text limit counts characters: 100 emoji are accepted', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    const text = '\u{1F600}'.repeat(100);
    const out = h.run({ type: 'status.set', userId: 'u1001', status: 'away', text, by: self('u1001') });
    expect(out.ok).toBe(true);
    expect(h.presence('u1001').text).toBe(text);
  });

  test('S1.3 a status with until in the future carries until in the record', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    const until = T0 + 30 * MIN;
    h.ok({ type: 'status.set', userId: 'u1001', status: 'dnd', until, by: self('u1001') });
    expect(h.presence('u1001').until).toBe(until);
    expect(h.presence('u1001').manual?.until).toBe(until);
  });

  test('S1.3 until in the past is refused with SWB_ERR_UNTIL_NOT_FUTURE and changes nothing', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    h.advance(MIN);
    h.drain();
    const out = h.run({
      type: 'status.set',
      userId: 'u1001',
      status: 'dnd',
      until: h.clock.now() - SEC,
      by: self('u1001'),
    });
    expect(out).toMatchObject({ ok: false, code: 'SWB_ERR_UNTIL_NOT_FUTURE' });
    expect(h.status('u1001')).toBe('online');
    expect(h.drain()).toEqual([]);
  });

  test('S1.3 until equal to now is not in the future and is refused with SWB_ERR_UNTIL_NOT_FUTURE', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    const out = h.run({ type: 'status.set', userId: 'u1001', status: 'dnd', until: h.clock.now(), by: self('u1001') });
    expect(out).toMatchObject({ ok: false, code: 'SWB_ERR_UNTIL_NOT_FUTURE' });
  });

  test('S1.3 at until the system clears the status, exactly then', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    const until = T0 + 30 * MIN;
    h.ok({ type: 'status.set', userId: 'u1001', status: 'dnd', until, by: self('u1001') });
    h.drain();
    h.advance(30 * MIN - 1);
    expect(h.status('u1001')).toBe('dnd');
    h.advance(1);
    expect(h.status('u1001')).toBe('online');
    expect(h.presence('u1001').manual).toBeUndefined();
    const events = presenceEvents(h.drain());
    expect(events.map((e) => [e.at, e.cause, e.value.status])).toEqual([[until, 'system', 'online']]);
  });

  test('S1.3 until still clears the status after an earlier registration of the user has expired', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app', 10 * MIN);
    register(h, 'u1001', 't1', 'terminal', HOUR);
    h.ok({ type: 'status.set', userId: 'u1001', status: 'dnd', until: T0 + 30 * MIN, by: self('u1001') });
    h.advance(10 * MIN);
    expect(h.status('u1001')).toBe('dnd');
    h.advance(20 * MIN);
    expect(h.status('u1001')).toBe('online');
    expect(h.presence('u1001').manual).toBeUndefined();
  });

  test('S1.3 clearing the manual status returns the user to the derived status', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'status.set', userId: 'u1001', status: 'busy', by: self('u1001') });
    h.ok({ type: 'status.clear', userId: 'u1001', by: self('u1001') });
    expect(h.status('u1001')).toBe('online');
    expect(h.presence('u1001').manual).toBeUndefined();
  });

  test('S1.3 clearing when no manual status is set emits nothing', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    const out = h.ok({ type: 'status.clear', userId: 'u1001', by: self('u1001') });
    expect(out.events).toEqual([]);
  });

  test('S1.3 setting the status already set emits nothing', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'status.set', userId: 'u1001', status: 'away', text: 'Back at 3', by: self('u1001') });
    const again = h.ok({ type: 'status.set', userId: 'u1001', status: 'away', text: 'Back at 3', by: self('u1001') });
    expect(again.events).toEqual([]);
  });

  test('S1.3 changing only the text of the manual status emits one event with the new text', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'status.set', userId: 'u1001', status: 'away', text: 'Back at 3', by: self('u1001') });
    const out = h.ok({ type: 'status.set', userId: 'u1001', status: 'away', text: 'Back at 4', by: self('u1001') });
    expect(presenceEvents(out.events).map((e) => e.value.text)).toEqual(['Back at 4']);
  });

  test('S1.3 an administrator sets a manual status for another user', () => {
    const h = tenant({ users: users(2) });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'status.set', userId: 'u1001', status: 'dnd', by: admin('u1002') });
    expect(h.status('u1001')).toBe('dnd');
    expect(h.presence('u1001').manual?.setBy).toBe('admin:u1002');
  });

  test('S1.3 forwarding carries forwardTo in the manual status', () => {
    const h = tenant({ users: users(1, { forwardingAllowed: true }) });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'status.set', userId: 'u1001', status: 'forwarding', forwardTo: '+4930123456', by: self('u1001') });
    expect(h.presence('u1001').manual?.forwardTo).toBe('+4930123456');
  });

  test('S1.3 a forwardTo with a status other than forwarding is refused with SWB_ERR_FORWARD_TO_UNEXPECTED', () => {
    const h = tenant({ users: users(1, { forwardingAllowed: true }) });
    register(h, 'u1001', 'r1', 'app');
    const out = h.run({ type: 'status.set', userId: 'u1001', status: 'dnd', forwardTo: '1002', by: self('u1001') });
    expect(out).toMatchObject({ ok: false, code: 'SWB_ERR_FORWARD_TO_UNEXPECTED' });
    expect(h.status('u1001')).toBe('online');
  });

  test("S1.3 forwarding to one's own extension is refused with SWB_ERR_FORWARD_TO_SELF", () => {
    const h = tenant({ users: users(1, { forwardingAllowed: true }) });
    register(h, 'u1001', 'r1', 'app');
    const out = h.run({
      type: 'status.set',
      userId: 'u1001',
      status: 'forwarding',
      forwardTo: '1001',
      by: self('u1001'),
    });
    expect(out).toMatchObject({ ok: false, code: 'SWB_ERR_FORWARD_TO_SELF' });
    expect(h.status('u1001')).toBe('online');
  });

  test('S1.3 a new status replaces the previous manual status and its until', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'status.set', userId: 'u1001', status: 'dnd', until: T0 + 10 * MIN, by: self('u1001') });
    h.ok({ type: 'status.set', userId: 'u1001', status: 'away', by: self('u1001') });
    h.advance(10 * MIN);
    expect(h.status('u1001')).toBe('away');
    expect(h.presence('u1001').until).toBeUndefined();
  });
});

describe('S1.4 app activity', () => {
  test('S1.4 a signed-in app session alone makes the user online', () => {
    const h = tenant({ users: users(1) });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    expect(h.status('u1001')).toBe('online');
    expect(h.presence('u1001').sessions).toBe(1);
  });

  test(`S1.4 a user holds at most ${MAX_APP_SESSIONS} app sessions: one more ends the one heard from least recently, without a sign-out`, () => {
    const h = tenant({ users: users(1) });
    h.ok({
      type: 'user.upsert',
      user: { id: 'u1001', extension: '1001', name: 'User 1001', settings: { absentAtLogout: true } },
    });
    for (let i = 0; i < MAX_APP_SESSIONS; i++) {
      h.ok({ type: 'session.start', userId: 'u1001', sessionId: `s${i}` });
      h.advance(SEC);
    }
    h.ok({ type: 'session.heartbeat', userId: 'u1001', sessionId: 's0', active: false });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 'new' });
    const ids = h
      .state()
      .users.get('u1001')!
      .sessions.map((x) => x.id);
    expect(ids).toHaveLength(MAX_APP_SESSIONS);
    expect(ids).toContain('new');
    expect(ids).toContain('s0');
    expect(ids).not.toContain('s1');
    expect(h.run({ type: 'session.heartbeat', userId: 'u1001', sessionId: 's1', active: false })).toMatchObject({
      ok: false,
      code: 'SWB_ERR_SESSION_NOT_FOUND',
    });
    expect(h.presence('u1001').sessions).toBe(MAX_APP_SESSIONS);
    expect(h.state().users.get('u1001')!.manual).toBeUndefined();
  });

  test('S1.4 a session with no heartbeat ends after sessionTimeoutSec, 90 s by default', () => {
    const h = tenant({ users: users(1) });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    h.advance(90 * SEC - 1);
    expect(h.status('u1001')).toBe('online');
    h.advance(1);
    expect(h.status('u1001')).toBe('offline');
    expect(h.presence('u1001').sessions).toBe(0);
  });

  test('S1.4 a session ends after the tenant sessionTimeoutSec of 30 s', () => {
    const h = tenant({ users: users(1), policy: { sessionTimeoutSec: 30 } });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    h.advance(30 * SEC - 1);
    expect(h.status('u1001')).toBe('online');
    h.advance(1);
    expect(h.status('u1001')).toBe('offline');
  });

  test('S1.4 a heartbeat keeps the session for another sessionTimeoutSec', () => {
    const h = tenant({ users: users(1) });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    h.advance(60 * SEC);
    h.ok({ type: 'session.heartbeat', userId: 'u1001', sessionId: 's1', active: false });
    h.advance(90 * SEC - 1);
    expect(h.status('u1001')).toBe('online');
    h.advance(1);
    expect(h.status('u1001')).toBe('offline');
  });

  test('S1.4 a repeated heartbeat emits nothing', () => {
    const h = tenant({ users: users(1) });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    h.advance(30 * SEC);
    const first = h.ok({ type: 'session.heartbeat', userId: 'u1001', sessionId: 's1', active: true });
    h.advance(30 * SEC);
    const second = h.ok({ type: 'session.heartbeat', userId: 'u1001', sessionId: 's1', active: true });
    expect(first.events).toEqual([]);
    expect(second.events).toEqual([]);
  });

  test('S1.4 a user with an app session and no activity for idleAfterSec, 600 s by default, becomes idle', () => {
    const h = tenant({ users: users(1) });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    quietHeartbeats(h, 'u1001', 's1', 60 * SEC, 540 * SEC);
    h.advance(60 * SEC - 1);
    expect(h.status('u1001')).toBe('online');
    h.advance(1);
    expect(h.status('u1001')).toBe('idle');
  });

  test('S1.4 a user becomes idle after the tenant idleAfterSec of 120 s', () => {
    const h = tenant({ users: users(1), policy: { idleAfterSec: 120 } });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    quietHeartbeats(h, 'u1001', 's1', 60 * SEC, 60 * SEC);
    h.advance(60 * SEC - 1);
    expect(h.status('u1001')).toBe('online');
    h.advance(1);
    expect(h.status('u1001')).toBe('idle');
  });

  test('S1.4 a heartbeat not flagged active does not count as activity', () => {
    const h = tenant({ users: users(1), policy: { idleAfterSec: 120 } });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    quietHeartbeats(h, 'u1001', 's1', 30 * SEC, 120 * SEC);
    expect(h.status('u1001')).toBe('idle');
  });

  test('S1.4 a heartbeat flagged active postpones idle by idleAfterSec from that moment', () => {
    const h = tenant({ users: users(1), policy: { idleAfterSec: 120 } });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    h.advance(60 * SEC);
    h.ok({ type: 'session.heartbeat', userId: 'u1001', sessionId: 's1', active: true });
    quietHeartbeats(h, 'u1001', 's1', 60 * SEC, 60 * SEC);
    h.advance(60 * SEC - 1);
    expect(h.status('u1001')).toBe('online');
    h.advance(1);
    expect(h.status('u1001')).toBe('idle');
  });

  test('S1.4 activity returns an idle user to online at once', () => {
    const h = tenant({ users: users(1), policy: { idleAfterSec: 60 } });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    h.advance(60 * SEC);
    expect(h.status('u1001')).toBe('idle');
    const out = h.ok({ type: 'session.heartbeat', userId: 'u1001', sessionId: 's1', active: true });
    expect(h.status('u1001')).toBe('online');
    expect(presenceEvents(out.events).map((e) => [e.at, e.value.status])).toEqual([[T0 + 60 * SEC, 'online']]);
  });

  test('S1.4 an idle user stays idle through quiet heartbeats, which emit nothing, and the session still ends 90 s after the last one', () => {
    const h = tenant({ users: users(1), policy: { idleAfterSec: 60 } });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    quietHeartbeats(h, 'u1001', 's1', 30 * SEC, 60 * SEC);
    expect(h.status('u1001')).toBe('idle');
    h.drain();
    quietHeartbeats(h, 'u1001', 's1', 30 * SEC, 300 * SEC);
    expect(h.status('u1001')).toBe('idle');
    expect(h.drain()).toEqual([]);
    const last = h.clock.now(); // the helper's last heartbeat
    h.advance(last + 90 * SEC - h.clock.now() - 1);
    expect(h.status('u1001')).toBe('idle');
    h.advance(1);
    expect(h.status('u1001')).toBe('offline');
  });

  test('S1.4 a user with only an app registration and no app session is never idle', () => {
    const h = tenant({ users: users(1), policy: { idleAfterSec: 60 } });
    register(h, 'u1001', 'r1', 'app');
    h.advance(10 * MIN);
    expect(h.status('u1001')).toBe('online');
  });

  test('S1.4 a user with a terminal registration is never idle, even with an inactive app session', () => {
    const h = tenant({ users: users(1), policy: { idleAfterSec: 60 } });
    register(h, 'u1001', 't1', 'terminal');
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    quietHeartbeats(h, 'u1001', 's1', 30 * SEC, 5 * MIN);
    expect(h.status('u1001')).toBe('online');
  });

  test('S1.4 an idle user whose terminal registers is no longer idle', () => {
    const h = tenant({ users: users(1), policy: { idleAfterSec: 60 } });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    h.advance(60 * SEC);
    expect(h.status('u1001')).toBe('idle');
    register(h, 'u1001', 't1', 'terminal');
    expect(h.status('u1001')).toBe('online');
  });

  test('S1.4 idle ends when the last app session ends, the user staying online on a registration', () => {
    const h = tenant({ users: users(1), policy: { idleAfterSec: 60 } });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    h.advance(60 * SEC);
    expect(h.status('u1001')).toBe('idle');
    h.advance(30 * SEC); // no heartbeat since T0: the session ends at T0 + 90 s
    expect(h.presence('u1001').sessions).toBe(0);
    expect(h.status('u1001')).toBe('online');
  });

  test('S1.4 activity in any of two sessions keeps the user from idle', () => {
    const h = tenant({ users: users(1), policy: { idleAfterSec: 120 } });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's2' });
    h.advance(60 * SEC);
    h.ok({ type: 'session.heartbeat', userId: 'u1001', sessionId: 's1', active: false });
    h.ok({ type: 'session.heartbeat', userId: 'u1001', sessionId: 's2', active: true });
    h.advance(60 * SEC);
    expect(h.status('u1001')).toBe('online');
  });

  test('S1.4 a heartbeat for a session that does not exist is refused with SWB_ERR_SESSION_NOT_FOUND', () => {
    const h = tenant({ users: users(1) });
    const out = h.run({ type: 'session.heartbeat', userId: 'u1001', sessionId: 'nope', active: true });
    expect(out).toMatchObject({ ok: false, code: 'SWB_ERR_SESSION_NOT_FOUND' });
  });
});

describe('S1.5 sign-out', () => {
  test('S1.5 signing out ends the app session', () => {
    const h = tenant({ users: users(1) });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    h.ok({ type: 'session.end', userId: 'u1001', sessionId: 's1' });
    expect(h.presence('u1001').sessions).toBe(0);
    expect(h.status('u1001')).toBe('offline');
  });

  test('S1.5 with absentAtLogout off, signing out sets no manual status', () => {
    const h = tenant({ users: users(1) });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    h.ok({ type: 'session.end', userId: 'u1001', sessionId: 's1' });
    expect(h.presence('u1001').manual).toBeUndefined();
    expect(h.status('u1001')).toBe('online');
  });

  test('S1.5 with absentAtLogout on, signing out of the last session sets absent with cause system', () => {
    const h = tenant({ users: users(1, { absentAtLogout: true }) });
    register(h, 'u1001', 'r1', 'app');
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    h.advance(MIN);
    const out = h.ok({ type: 'session.end', userId: 'u1001', sessionId: 's1' });
    expect(h.status('u1001')).toBe('absent');
    expect(h.presence('u1001').manual).toEqual({ status: 'absent', setBy: 'system', setAt: T0 + MIN });
    expect(presenceEvents(out.events).map((e) => [e.cause, e.value.status])).toEqual([['system', 'absent']]);
  });

  test('S1.5 with absentAtLogout on, signing out of one of two sessions leaves the status alone', () => {
    const h = tenant({ users: users(1, { absentAtLogout: true }) });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's2' });
    h.ok({ type: 'session.end', userId: 'u1001', sessionId: 's1' });
    expect(h.status('u1001')).toBe('online');
    expect(h.presence('u1001').manual).toBeUndefined();
    h.ok({ type: 'session.end', userId: 'u1001', sessionId: 's2' });
    expect(h.status('u1001')).toBe('absent');
  });

  test('S1.5 with absentAtLogout on, a session that times out is not a sign-out and sets no absent', () => {
    const h = tenant({ users: users(1, { absentAtLogout: true }) });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    h.advance(90 * SEC);
    expect(h.presence('u1001').sessions).toBe(0);
    expect(h.presence('u1001').manual).toBeUndefined();
    expect(h.status('u1001')).toBe('offline');
  });

  test('S1.5 with absentAtLogout on, absent replaces the manual status the user had', () => {
    const h = tenant({ users: users(1, { absentAtLogout: true }) });
    h.ok({ type: 'session.start', userId: 'u1001', sessionId: 's1' });
    h.ok({ type: 'status.set', userId: 'u1001', status: 'dnd', by: self('u1001') });
    h.ok({ type: 'session.end', userId: 'u1001', sessionId: 's1' });
    expect(h.presence('u1001').manual?.status).toBe('absent');
  });
});
