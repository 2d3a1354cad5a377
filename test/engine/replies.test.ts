// The engine hands each command's reply back typed by the command (core's `Replies`): callers read
// a routing decision, an agent command's refusals or a queue arrival without a cast. The type
// assertions are checked by the typecheck; the values by running the commands.
import { describe, expect, expectTypeOf, test } from 'vitest';
import type { AgentReply, Decision, QueueArrival } from '../../src/core/index.js';
import { T0, admin, self, tenant, users } from '../support/tenant.js';

function rig() {
  return tenant({
    users: users(2),
    queues: [
      { id: 'q1', name: 'Sales', extension: '501', agents: ['u1001'], maxCallers: 1 },
      { id: 'q2', name: 'Support', extension: '502', agents: ['u1001'] },
    ],
  });
}

describe('typed replies from engine.dispatch', () => {
  test('S3 call.route answers its decision (an unregistered user: the unreachable action)', async () => {
    const h = rig();
    const out = await h.engine.dispatch(h.tenant, { type: 'call.route', call: { to: { kind: 'user', id: 'u1002' } } });
    if (!out.ok) throw new Error(out.code);
    expectTypeOf(out.reply).toEqualTypeOf<Decision | undefined>();
    expect(out.reply).toMatchObject({ outcome: 'action', target: { kind: 'user', id: 'u1002' } });
  });

  test('S4.2 an all-queues agent command names the queues it could not apply in, and nothing when all took it', async () => {
    const h = rig();
    const first = await h.engine.dispatch(h.tenant, {
      type: 'agent.command',
      userId: 'u1001',
      queueId: 'q1',
      action: 'login',
      by: self('u1001'),
    });
    if (!first.ok) throw new Error(first.code);
    expectTypeOf(first.reply).toEqualTypeOf<AgentReply | undefined>();
    expect(first.reply).toBeUndefined();
    const all = await h.engine.dispatch(h.tenant, {
      type: 'agent.command',
      userId: 'u1001',
      action: 'login',
      by: admin('u1002'),
    });
    if (!all.ok) throw new Error(all.code);
    expect(all.reply?.refused).toEqual([{ queueId: 'q1', code: 'SWB_ERR_AGENT_ALREADY_LOGGED_IN' }]);
  });

  test('S4.1 queue.call.arrive answers where the call waits, or the busy action', async () => {
    const h = rig();
    const arrive = (callId: string) =>
      h.engine.dispatch(h.tenant, { type: 'queue.call.arrive', queueId: 'q1', callId, caller: '+15550100' });
    const first = await arrive('c1');
    if (!first.ok) throw new Error(first.code);
    expectTypeOf(first.reply).toEqualTypeOf<QueueArrival | undefined>();
    expect(first.reply).toEqual({ queued: true, position: 1 });
    const second = await arrive('c2');
    if (!second.ok) throw new Error(second.code);
    expect(second.reply).toMatchObject({ queued: false, reason: 'busy' });
  });

  test('a command that replies nothing has an undefined reply, by type too', async () => {
    const h = rig();
    const out = await h.engine.dispatch(h.tenant, { type: 'timer.wake', userId: 'u1001' });
    if (!out.ok) throw new Error(out.code);
    expectTypeOf(out.reply).toEqualTypeOf<undefined>();
    expect(out.reply).toBeUndefined();
    expect(h.clock.now()).toBe(T0);
  });
});
