// SPEC S11.6 and S11.7: rules about who places a call. Each test routes calls through the engine
// on the manual clock (`call.route`, as the SIP proxy does) and checks the decision, its rules and,
// for queues, the offers the engine makes as time passes.
import { describe, expect, test } from 'vitest';
import type { CallRequest, Decision, DeviceKind, Directive, GroupInput } from '../../src/core/index.js';
import { APP_WHILE_FORWARDING } from '../../src/core/index.js';
import { SEC, self, tenant, users } from '../support/tenant.js';
import type { Harness } from '../support/tenant.js';

const DAY = 24 * 3600 * SEC;

function register(h: Harness, userId: string, kind: DeviceKind = 'app'): void {
  h.ok({ type: 'registration.set', userId, id: `${userId}-${kind}`, kind, expiresAt: h.clock.now() + DAY });
}

function decide(h: Harness, call: CallRequest): Decision {
  return h.ok({ type: 'call.route', call }).reply as Decision;
}

const rules = (d: Decision): string[] => d.explanation.map((e) => e.rule);

/** [userId, startSec, stopSec?] for every ring entry. */
function rings(d: Decision): (string | number | undefined)[][] {
  if (d.outcome !== 'ring') return [];
  return d.ring.map((e) => (e.stopSec === undefined ? [e.userId, e.startSec] : [e.userId, e.startSec, e.stopSec]));
}

/** Users u1001…u1005 (forwarding allowed), each with an app device; groups as given. */
function office(groups: readonly GroupInput[] = []): Harness {
  const h = tenant({ users: users(5, { forwardingAllowed: true }), groups });
  for (const id of ['u1001', 'u1002', 'u1003', 'u1004', 'u1005']) register(h, id);
  h.drain();
  return h;
}

const fromUser = (userId: string, to: CallRequest['to'], device?: DeviceKind): CallRequest => ({
  callId: 'c1',
  from: { userId, ...(device !== undefined ? { device } : {}) },
  to,
});
const toGroup: CallRequest['to'] = { kind: 'group', id: 'g1' };

describe("S11.6 never one's own call", () => {
  test('S11.6 a simultaneous group call rings every member but the caller', () => {
    const h = office([{ id: 'g1', name: 'Sales', members: ['u1001', 'u1002', 'u1003'] }]);

    const d = decide(h, fromUser('u1003', toGroup));

    expect(rings(d)).toEqual([
      ['u1001', 0],
      ['u1002', 0],
    ]);
    expect(rules(d)).toContain('S11.6');
    // The same group called from outside rings the third member too: only the caller is skipped.
    expect(rings(decide(h, { callId: 'c2', from: { external: '+15550100' }, to: toGroup })).length).toBe(3);
  });

  test('S11.6 a hunt group skips the caller without a wasted step: the next member rings at once', () => {
    const h = office([
      { id: 'g1', name: 'Sales', strategy: 'hunt', memberRingSec: 15, members: ['u1003', 'u1001', 'u1002'] },
    ]);

    const d = decide(h, fromUser('u1003', toGroup));

    expect(rings(d)).toEqual([
      ['u1001', 0, 15],
      ['u1002', 15, 30],
    ]);
    expect(d.explanation.find((e) => e.rule === 'S11.6')?.text).toMatch(/1003.*caller/);
  });

  test("S11.6 a caller who is the only member who could ring gets the group's unreachable action at once", () => {
    const h = office([
      {
        id: 'g1',
        name: 'Sales',
        strategy: 'hunt',
        members: ['u1003', 'u1001'],
        actions: { unreachable: { type: 'message', prompt: 'closed' } },
      },
    ]);
    h.ok({ type: 'status.set', userId: 'u1001', status: 'absent', by: self('u1001') });

    const d = decide(h, fromUser('u1003', toGroup));

    expect(d.outcome).toBe('action');
    if (d.outcome !== 'action') return;
    expect(d.action.condition).toBe('unreachable');
    expect(rules(d)).toEqual(['S3.3', 'S11.6', 'S3.3', 'S3.4', 'S3.2']);
  });

  test('S11.6 a member forwarding to the caller does not ring the caller in their place', () => {
    const h = office([{ id: 'g1', name: 'Sales', members: ['u1001', 'u1002'] }]);
    h.ok({ type: 'status.set', userId: 'u1001', status: 'forwarding', forwardTo: '1003', by: self('u1001') });

    const d = decide(h, fromUser('u1003', toGroup));

    expect(rings(d)).toEqual([['u1002', 0]]);
    expect(rules(d)).toContain('S11.6');
  });

  test('S11.6 a queue never offers the call to the calling agent, not in a later round either', async () => {
    const h = tenant({
      users: users(4),
      queues: [{ id: 'q1', name: 'Sales', extension: '501', strategy: 'linear', agents: ['u1001', 'u1002', 'u1003'] }],
    });
    for (const id of ['u1001', 'u1002', 'u1003', 'u1004']) register(h, id);
    for (const id of ['u1001', 'u1002', 'u1003']) {
      h.ok({ type: 'agent.command', userId: id, action: 'login', queueId: 'q1', by: self(id) });
      h.ok({ type: 'agent.command', userId: id, action: 'ready', queueId: 'q1', by: self(id) });
    }
    const offers: string[][] = [];
    h.engine.bus.subscribe((b) => {
      for (const x of b.directives as readonly Directive[]) if (x.type === 'queue.offer') offers.push([...x.userIds]);
    });

    const d = decide(h, fromUser('u1001', { kind: 'queue', id: 'q1' }));

    expect(d.outcome).toBe('queue');
    if (d.outcome !== 'queue') return;
    expect(d.offerTo).toEqual(['u1002']);
    expect(rules(d)).toEqual(['S11.6', 'S4.3']);
    // u1002 and u1003 let it ring out (agentRingSec 15, then not_ready as missed): nobody is left.
    h.advance(15 * SEC);
    h.advance(15 * SEC);
    for (const id of ['u1002', 'u1003'])
      h.ok({ type: 'agent.command', userId: id, action: 'ready', queueId: 'q1', by: self(id) });
    h.advance(SEC);
    await h.engine.settled();
    expect(offers.length).toBeGreaterThanOrEqual(3);
    expect(offers.flat()).not.toContain('u1001');
  });
});

describe("S11.7 forwarding blocks the app's calls", () => {
  function forwarding(): Harness {
    const h = office();
    register(h, 'u1003', 'terminal');
    h.ok({ type: 'status.set', userId: 'u1003', status: 'forwarding', forwardTo: '1004', by: self('u1003') });
    return h;
  }
  const toUser1001: CallRequest['to'] = { kind: 'user', id: 'u1001' };

  test('S11.7 a call from the app of a forwarding user is refused, saying why', () => {
    const d = decide(forwarding(), fromUser('u1003', toUser1001, 'app'));

    expect(d).toMatchObject({ outcome: 'reject', reason: APP_WHILE_FORWARDING });
    expect(rules(d)).toEqual(['S11.7']);
    expect(d.explanation[0]!.text).toMatch(/forwards.*app/);
  });

  test('S11.7 the desk phone of a forwarding user may still call', () => {
    const d = decide(forwarding(), fromUser('u1003', toUser1001, 'terminal'));

    expect(d.outcome).toBe('ring');
    expect(rules(d)).not.toContain('S11.7');
  });

  test('S11.7 the app may call again once the user stops forwarding', () => {
    const h = forwarding();
    expect(decide(h, fromUser('u1003', toUser1001, 'app')).outcome).toBe('reject');

    h.ok({ type: 'status.clear', userId: 'u1003', by: self('u1003') });

    expect(decide(h, { ...fromUser('u1003', toUser1001, 'app'), callId: 'c2' }).outcome).toBe('ring');
  });

  test('S11.7 the app of a user who does not forward may call', () => {
    const d = decide(office(), fromUser('u1003', toUser1001, 'app'));

    expect(d.outcome).toBe('ring');
  });
});
