import { describe, expect, test } from 'vitest';
import { route } from '../../src/core/index.js';
import { SEC, self, tenant, users } from '../support/tenant.js';

const HOUR = 3600 * SEC;

describe('S9.3 freshness: every automatic input has a lease', () => {
  test('S9.3 a call leg with no update for maxCallSec (4 h) is ended by the system', () => {
    const h = tenant({ users: users(1) });
    h.ok({
      type: 'registration.set',
      userId: 'u1001',
      id: 'r',
      kind: 'terminal',
      expiresAt: h.clock.now() + 24 * HOUR,
    });
    h.ok({ type: 'leg.update', userId: 'u1001', legId: 'l1', direction: 'in', state: 'answered' });
    h.drain();
    h.advance(4 * HOUR - 1);
    expect(h.status('u1001')).toBe('on_call');
    h.advance(1);
    expect(h.status('u1001')).toBe('online');
    const [e] = h.drain();
    expect(e).toMatchObject({
      type: 'presence.changed',
      cause: 'system',
      value: { status: 'online' },
      old: { status: 'on_call' },
    });
  });

  test('S9.3 an update to the leg renews its lease', () => {
    const h = tenant({ users: users(1) });
    h.ok({
      type: 'registration.set',
      userId: 'u1001',
      id: 'r',
      kind: 'terminal',
      expiresAt: h.clock.now() + 24 * HOUR,
    });
    h.ok({ type: 'leg.update', userId: 'u1001', legId: 'l1', direction: 'in', state: 'answered' });
    h.advance(3 * HOUR);
    h.ok({ type: 'leg.update', userId: 'u1001', legId: 'l1', direction: 'in', state: 'held' });
    h.advance(3 * HOUR);
    expect(h.status('u1001')).toBe('on_call');
    h.advance(HOUR);
    expect(h.status('u1001')).toBe('online');
  });

  test('S9.3 a registration refreshed to a shorter expiry ends at the shorter one', () => {
    const h = tenant({ users: users(1) });
    const t0 = h.clock.now();
    h.ok({ type: 'registration.set', userId: 'u1001', id: 'r', kind: 'terminal', expiresAt: t0 + 600 * SEC });
    h.advance(10 * SEC);
    h.ok({ type: 'registration.set', userId: 'u1001', id: 'r', kind: 'terminal', expiresAt: t0 + 70 * SEC });
    h.advance(60 * SEC - 1);
    expect(h.status('u1001')).toBe('online');
    h.advance(1);
    expect(h.status('u1001')).toBe('offline');
  });

  test('S9.3 a registration refreshed to a shorter expiry at the same instant ends at the shorter one', () => {
    const h = tenant({ users: users(1) });
    const t0 = h.clock.now();
    h.ok({ type: 'registration.set', userId: 'u1001', id: 'r', kind: 'app', expiresAt: t0 + 2 * SEC });
    h.ok({ type: 'registration.set', userId: 'u1001', id: 'r', kind: 'app', expiresAt: t0 + SEC });
    h.advance(SEC);
    expect(h.status('u1001')).toBe('offline');
  });

  test('S9.3 refreshes that move a lease later leave one wake timer, and the fact still ends at its last lease', () => {
    const h = tenant({ users: users(1) });
    const t0 = h.clock.now();
    for (let i = 0; i < 50; i++) {
      h.ok({
        type: 'registration.set',
        userId: 'u1001',
        id: 'r',
        kind: 'terminal',
        expiresAt: h.clock.now() + 120 * SEC,
      });
      h.advance(10 * SEC);
    }
    expect(h.engine.timerCount(h.tenant)).toBe(1);
    expect(h.status('u1001')).toBe('online');
    const lastRefresh = t0 + 49 * 10 * SEC;
    h.advance(lastRefresh + 120 * SEC - h.clock.now() - 1);
    expect(h.status('u1001')).toBe('online');
    h.advance(1);
    expect(h.status('u1001')).toBe('offline');
  });

  test('S9.3 a pbx registration reported by an overlay PBX ends with its ttl', () => {
    const h = tenant({ users: users(1) });
    h.ok({ type: 'registration.set', userId: 'u1001', id: 'pbx', kind: 'pbx', expiresAt: h.clock.now() + 120 * SEC });
    expect(h.status('u1001')).toBe('available_on_pbx');
    h.advance(120 * SEC);
    expect(h.status('u1001')).toBe('offline');
  });
});

describe('S9.5 explain anything', () => {
  test('S9.5 the presence record names the S2.3 row that produced the status', () => {
    const h = tenant({ users: users(1) });
    h.ok({ type: 'registration.set', userId: 'u1001', id: 'r', kind: 'app', expiresAt: h.clock.now() + HOUR });
    h.ok({ type: 'status.set', userId: 'u1001', status: 'away', by: self('u1001') });
    expect(h.presence('u1001')).toMatchObject({ status: 'away', rule: 'S2.3#7' });
  });

  test('S9.5 a routing decision lists the rules that applied, in order, in words', () => {
    const h = tenant({ users: users(2) });
    h.ok({ type: 'registration.set', userId: 'u1002', id: 'r', kind: 'app', expiresAt: h.clock.now() + HOUR });
    h.ok({ type: 'status.set', userId: 'u1002', status: 'dnd', by: self('u1002') });
    const out = route(
      h.state(),
      { from: { userId: 'u1001' }, to: { kind: 'extension', extension: '1002' } },
      h.clock.now(),
    );
    expect(out.ok && out.decision.explanation.map((e) => e.rule)).toEqual(['S2.3#5', 'S3.1#3', 'S3.2']);
    expect(out.ok && out.decision.explanation[1]!.text).toBe('User 1002 (1002) is in do not disturb');
  });
});
