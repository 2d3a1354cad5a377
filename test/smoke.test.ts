import { describe, expect, test } from 'vitest';
import { SEC, self, tenant, users } from './support/tenant.js';

describe('engine smoke', () => {
  test('S2.3 a registered user is online, a DND user is dnd, expiry makes them offline', () => {
    const h = tenant({ users: users(2) });
    expect(h.status('u1001')).toBe('offline');
    h.ok({ type: 'registration.set', userId: 'u1001', id: 'r1', kind: 'app', expiresAt: h.clock.now() + 60 * SEC });
    expect(h.status('u1001')).toBe('online');
    h.ok({ type: 'status.set', userId: 'u1001', status: 'dnd', by: self('u1001') });
    expect(h.status('u1001')).toBe('dnd');
    h.advance(60 * SEC);
    expect(h.status('u1001')).toBe('offline');
    const seqs = h.events.map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
  });
});
