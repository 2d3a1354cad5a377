// SPEC S11.4 (waiting for a busy user) and S11.5 (status change while ringing), as the core
// decides them on the manual clock: the routing decision the SIP proxy carries out (`call.route`),
// and the decision after the facts changed. The proxy's part is test/sip/wait.test.ts.
import { describe, expect, test } from 'vitest';
import type { CallRequest, Decision, UserSettings } from '../../src/core/index.js';
import { SEC, self, tenant, users } from '../support/tenant.js';
import type { Harness } from '../support/tenant.js';

const DAY = 24 * 3600 * SEC;
const WAIT = { busy: { type: 'wait', maxWaitSec: 60 } } as const;

function office(s: Partial<UserSettings> = {}): Harness {
  const h = tenant({ users: users(3, { callWaiting: false, voicemail: true, actions: WAIT, ...s }) });
  for (const id of ['u1001', 'u1002', 'u1003'])
    h.ok({ type: 'registration.set', userId: id, id: `${id}-app`, kind: 'app', expiresAt: h.clock.now() + DAY });
  h.drain();
  return h;
}

const call = (callId: string, to = '1001'): CallRequest => ({
  callId,
  from: { userId: 'u1003' },
  to: { kind: 'extension', extension: to },
});
const decide = (h: Harness, c: CallRequest): Decision => h.ok({ type: 'call.route', call: c }).reply as Decision;
const rules = (d: Decision): string[] => d.explanation.map((e) => e.rule);

describe('S11.4 waiting for a busy user', () => {
  test('S11.4 a caller of a user on another call is held; the fallback is the no-answer action', () => {
    const h = office();
    h.ok({ type: 'leg.update', userId: 'u1001', legId: 'l1', direction: 'in', state: 'answered' });

    const d = decide(h, call('c1'));

    expect(d).toMatchObject({
      outcome: 'wait',
      target: { kind: 'user', id: 'u1001' },
      maxWaitSec: 60,
      fallback: { condition: 'noAnswer', action: { type: 'voicemail' } },
    });
    expect(rules(d)).toEqual(['S2.3#6', 'S3.1#6', 'S11.4']);
  });

  test('S11.4 once the other call ended, the same call is routed again and rings the user', () => {
    const h = office();
    h.ok({ type: 'leg.update', userId: 'u1001', legId: 'l1', direction: 'in', state: 'answered' });
    expect(decide(h, call('c1')).outcome).toBe('wait');
    h.advance(20 * SEC);
    h.ok({ type: 'leg.update', userId: 'u1001', legId: 'l1', direction: 'in', state: 'ended' });

    const d = decide(h, call('c1'));

    expect(d.outcome).toBe('ring');
    expect(rules(d)).not.toContain('S11.4');
  });

  test('S11.4 a manual busy status has no call to wait for: the no-answer action at once', () => {
    const h = office();
    h.ok({ type: 'status.set', userId: 'u1001', status: 'busy', by: self('u1001') });

    const d = decide(h, call('c1'));

    expect(d).toMatchObject({ outcome: 'action', action: { condition: 'noAnswer', action: { type: 'voicemail' } } });
    expect(rules(d)).toContain('S11.4');
  });

  test('S11.4 wait is refused as any other action than a user busy action, and outside 10 to 600 s', () => {
    const h = office();
    const upsert = (s: Partial<UserSettings>) =>
      h.run({ type: 'user.upsert', user: { id: 'u1002', extension: '1002', name: 'User 1002', settings: s } });

    expect(upsert({ actions: { dnd: { type: 'wait', maxWaitSec: 60 } } })).toMatchObject({ code: 'SWB_ERR_INVALID' });
    expect(upsert({ actions: { busy: { type: 'wait', maxWaitSec: 5 } } })).toMatchObject({ code: 'SWB_ERR_INVALID' });
    expect(upsert({ actions: { busy: { type: 'wait', maxWaitSec: 601 } } })).toMatchObject({
      code: 'SWB_ERR_INVALID',
    });
    expect(
      h.run({
        type: 'group.upsert',
        group: { id: 'g1', name: 'Sales', members: ['u1001'], actions: { busy: { type: 'wait', maxWaitSec: 60 } } },
      }),
    ).toMatchObject({ code: 'SWB_ERR_INVALID' });
    // Nothing changed: the user still waits callers 60 s.
    expect(h.state().users.get('u1002')!.settings.actions.busy).toEqual({ type: 'wait', maxWaitSec: 60 });
    expect(upsert({ actions: { busy: { type: 'wait', maxWaitSec: 10 } } }).ok).toBe(true);
  });
});

describe('S11.5 status change while ringing', () => {
  test('S11.5 a call ringing a user who sets DND is routed again to the DND action', () => {
    const h = office({ actions: {} });
    const first = decide(h, call('c1'));
    expect(first.outcome).toBe('ring');
    h.ok({ type: 'leg.update', userId: 'u1001', legId: 'c1', direction: 'in', state: 'ringing' });
    h.advance(3 * SEC);
    h.ok({ type: 'status.set', userId: 'u1001', status: 'dnd', by: self('u1001') });

    const again = decide(h, call('c1'));

    expect(again).toMatchObject({ outcome: 'action', action: { condition: 'dnd', action: { type: 'voicemail' } } });
    expect(rules(again)).toEqual(['S2.3#5', 'S3.1#3', 'S3.2']);
  });

  test('S11.5 a user who forwards while a call rings them: the call is routed again to the forwarding destination', () => {
    const h = office({ actions: {}, forwardingAllowed: true });
    expect(decide(h, call('c1')).outcome).toBe('ring');
    h.ok({ type: 'leg.update', userId: 'u1001', legId: 'c1', direction: 'in', state: 'ringing' });
    h.ok({ type: 'status.set', userId: 'u1001', status: 'forwarding', forwardTo: '1002', by: self('u1001') });

    const again = decide(h, call('c1'));

    expect(again).toMatchObject({ outcome: 'forward', to: '1002', next: { outcome: 'ring' } });
    expect(rules(again)).toEqual(['S2.3#2', 'S3.1#2']);
  });
});
