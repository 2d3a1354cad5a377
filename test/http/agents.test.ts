// Agent commands and queue state through inject() (S1.6, S4.2, S4.4, S5.1). The demo queue
// `support` (8000) has agents 1007–1010, supervisor 1002 and autoReady on.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { call, login, refusal, testApp } from '../support/app.js';

type S = Awaited<ReturnType<typeof testApp>>;
let s: S;
let admin: string;
let sup: string;
let user: string;
let agent: string;

beforeAll(async () => {
  s = await testApp();
  [admin, sup, user, agent] = await Promise.all([
    login(s, '1001'),
    login(s, '1002'),
    login(s, '1003'),
    login(s, '1007'),
  ]);
}, 30_000);
afterAll(async () => s.cleanup(), 30_000);

const stateOf = async (ext: string) =>
  (await call(s, 'GET', `/api/v1/agents/${ext}`, { token: admin })).body.queues.map(
    (q: { queueId: string; state: string; reason?: string }) => [q.queueId, q.state, q.reason],
  );

describe('agent commands', () => {
  test('S1.6 an agent logs themself in to one queue (autoReady → ready), goes not ready with a reason, and logs out', async () => {
    const r = await call(s, 'POST', '/api/v1/queues/support/agents/1007/login', { token: agent });
    expect(r.status).toBe(200);
    expect(r.body.queues).toMatchObject([{ queueId: 'support', state: 'ready' }]);
    const nr = await call(s, 'POST', '/api/v1/queues/8000/agents/u1007/not_ready', {
      token: agent,
      body: { reason: 'break' },
    });
    expect(nr.body.queues).toMatchObject([{ queueId: 'support', state: 'not_ready', reason: 'break' }]);
    expect(await stateOf('1007')).toEqual([['support', 'not_ready', 'break']]);
    await call(s, 'POST', '/api/v1/queues/support/agents/1007/logout', { token: agent });
    expect(await stateOf('1007')).toEqual([['support', 'logged_out', undefined]]);
  });

  test("S5.1 a plain user cannot command another agent; the queue's supervisor and an admin can", async () => {
    const denied = await call(s, 'POST', '/api/v1/queues/support/agents/1008/login', { token: user });
    expect([denied.status, denied.body]).toEqual([403, refusal('SWB_ERR_FORBIDDEN', { queue: 'support' })]);
    const deniedAll = await call(s, 'POST', '/api/v1/agents/1008/login', { token: agent });
    expect([deniedAll.status, deniedAll.body]).toEqual([403, refusal('SWB_ERR_FORBIDDEN', { queue: 'support' })]);
    expect(await stateOf('1008')).toEqual([['support', 'logged_out', undefined]]);
    expect((await call(s, 'POST', '/api/v1/queues/support/agents/1008/login', { token: sup })).status).toBe(200);
    expect(
      (
        await call(s, 'POST', '/api/v1/queues/support/agents/1008/not_ready', {
          token: admin,
          body: { reason: 'lunch' },
        })
      ).status,
    ).toBe(200);
    expect(await stateOf('1008')).toEqual([['support', 'not_ready', 'lunch']]);
    // S5.3: each change keeps who made it.
    const h = await call(s, 'GET', '/api/v1/users/1008/history', { token: admin });
    expect(
      h.body.history
        .filter((x: { kind: string }) => x.kind === 'agent')
        .map((x: { value: string; cause: string }) => [x.value, x.cause]),
    ).toEqual([
      ['ready', 'supervisor:u1002'],
      ['not_ready', 'admin:u1001'],
    ]);
  });

  test('S1.6 a supervisor of another queue is refused for this one', async () => {
    const body = { id: 'backoffice', name: 'Back office', agents: ['1009'], supervisors: ['1005'] };
    expect((await call(s, 'POST', '/api/v1/queues', { token: admin, body })).status).toBe(201);
    await call(s, 'PATCH', '/api/v1/users/1005', { token: admin, body: { role: 'supervisor' } });
    const sup5 = await login(s, '1005');
    expect((await call(s, 'POST', '/api/v1/queues/backoffice/agents/1009/login', { token: sup5 })).status).toBe(200);
    const denied = await call(s, 'POST', '/api/v1/queues/support/agents/1009/login', { token: sup5 });
    expect([denied.status, denied.body]).toEqual([403, refusal('SWB_ERR_FORBIDDEN', { queue: 'support' })]);
    // All queues: applies where allowed, names the queue where it was not.
    const all = await call(s, 'POST', '/api/v1/agents/1009/not_ready', { token: sup5, body: { reason: 'other' } });
    expect(all.status).toBe(200);
    expect(all.body.refused).toEqual([{ queueId: 'support', code: 'SWB_ERR_FORBIDDEN' }]);
    expect(await stateOf('1009')).toEqual([
      ['support', 'logged_out', undefined],
      ['backoffice', 'not_ready', 'other'],
    ]);
  });

  test('S4.2 all-queues commands, and commands that do not apply are refused with a code', async () => {
    const me = await login(s, '1010');
    const r = await call(s, 'POST', '/api/v1/agents/1010/login', { token: me });
    expect(r.body.queues).toMatchObject([{ queueId: 'support', state: 'ready' }]);
    const again = await call(s, 'POST', '/api/v1/queues/support/agents/1010/login', { token: me });
    expect([again.status, again.body]).toEqual([422, refusal('SWB_ERR_AGENT_ALREADY_LOGGED_IN', { state: 'ready' })]);
    const notAgent = await call(s, 'POST', '/api/v1/agents/1003/login', { token: user });
    expect([notAgent.status, notAgent.body]).toEqual([422, refusal('SWB_ERR_AGENT_NO_QUEUES')]);
    const notMember = await call(s, 'POST', '/api/v1/queues/support/agents/1003/login', { token: user });
    expect([notMember.status, notMember.body]).toEqual([
      422,
      refusal('SWB_ERR_AGENT_NOT_MEMBER', { queue: 'support' }),
    ]);
    const notIn = await call(s, 'POST', '/api/v1/queues/support/agents/1007/ready', { token: agent });
    expect([notIn.status, notIn.body]).toEqual([422, refusal('SWB_ERR_AGENT_NOT_LOGGED_IN')]);
    expect(await stateOf('1007')).toEqual([['support', 'logged_out', undefined]]);
  });

  test('S8.1 agent commands with bad input are refused and change nothing', async () => {
    const before = await stateOf('1010');
    const cases: [string, unknown, string | undefined, number, string][] = [
      ['/api/v1/queues/nope/agents/1010/logout', undefined, undefined, 404, 'SWB_ERR_QUEUE_NOT_FOUND'],
      ['/api/v1/queues/support/agents/9999/logout', undefined, undefined, 404, 'SWB_ERR_USER_NOT_FOUND'],
      ['/api/v1/queues/support/agents/1010/dance', undefined, undefined, 400, 'SWB_ERR_VALIDATION'],
      [
        '/api/v1/queues/support/agents/1010/not_ready',
        { reason: 'break', mood: 'sad' },
        undefined,
        400,
        'SWB_ERR_VALIDATION',
      ],
      [
        '/api/v1/queues/support/agents/1010/not_ready',
        { reason: { code: 'break' } },
        undefined,
        400,
        'SWB_ERR_VALIDATION',
      ],
      ['/api/v1/queues/support/agents/1010/not_ready', { reason: 'a b c' }, undefined, 400, 'SWB_ERR_VALIDATION'],
      ['/api/v1/queues/support/agents/1010/not_ready', undefined, '{"reason":', 400, 'SWB_ERR_BAD_JSON'],
      [
        '/api/v1/queues/support/agents/1010/not_ready',
        undefined,
        '{"__proto__":{"reason":"x"}}',
        400,
        'SWB_ERR_BAD_JSON',
      ],
      [
        '/api/v1/queues/support/agents/1010/not_ready',
        undefined,
        JSON.stringify({ reason: 'x'.repeat(70_000) }),
        413,
        'SWB_ERR_BODY_TOO_LARGE',
      ],
      ['/api/v1/agents/9999/logout', undefined, undefined, 404, 'SWB_ERR_USER_NOT_FOUND'],
    ];
    for (const [path, body, raw, status, code] of cases) {
      const r = await call(s, 'POST', path, {
        token: admin,
        ...(body !== undefined ? { body } : {}),
        ...(raw !== undefined ? { raw } : {}),
      });
      expect([path, r.status, r.body.error.code]).toEqual([path, status, code]);
    }
    expect(await stateOf('1010')).toEqual(before);
  });
});

describe('queue state', () => {
  test('S4.4 the queue snapshot shows waiting callers with position and wait, counters and each agent', async () => {
    // 1010 is ready but has no device, so the caller waits.
    const arrived = await s.engine.dispatch('acme', {
      type: 'queue.call.arrive',
      queueId: 'support',
      callId: 'c1',
      caller: '+4930123',
    });
    expect(arrived.ok).toBe(true);
    const r = await call(s, 'GET', '/api/v1/queues/8000/state', { token: sup });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ queueId: 'support', name: 'Support', extension: '8000', strategy: 'longestIdle' });
    expect(r.body.waiting).toHaveLength(1);
    expect(r.body.waiting[0]).toMatchObject({ callId: 'c1', caller: '+4930123', position: 1, offeredTo: [] });
    expect(r.body.waiting[0].waitSec).toBeGreaterThanOrEqual(0);
    expect(r.body.counters).toMatchObject({ waiting: 1, loggedIn: 2, ready: 1, notReady: 1, answeredToday: 0 });
    expect(r.body.agents.map((a: { extension: string; state: string }) => [a.extension, a.state])).toEqual([
      ['1007', 'logged_out'],
      ['1008', 'not_ready'],
      ['1009', 'logged_out'],
      ['1010', 'ready'],
    ]);
  });

  test("S5.1 a queue's agents, supervisors and admins see its state; another plain user does not", async () => {
    expect((await call(s, 'GET', '/api/v1/queues/support/state', { token: agent })).status).toBe(200);
    expect((await call(s, 'GET', '/api/v1/queues/support/state', { token: admin })).status).toBe(200);
    const denied = await call(s, 'GET', '/api/v1/queues/support/state', { token: user });
    expect([denied.status, denied.body]).toEqual([403, refusal('SWB_ERR_FORBIDDEN')]);
    const unknown = await call(s, 'GET', '/api/v1/queues/nope/state', { token: admin });
    expect([unknown.status, unknown.body]).toEqual([404, refusal('SWB_ERR_QUEUE_NOT_FOUND', { queue: 'nope' })]);
  });

  test("S2.4 GET /agents/{user} lists the state in each of the agent's queues; a non-agent has none", async () => {
    const r = await call(s, 'GET', '/api/v1/agents/1008', { token: user });
    expect(r.body).toMatchObject({
      userId: 'u1008',
      extension: '1008',
      queues: [{ queueId: 'support', queue: 'Support', state: 'not_ready', reason: 'lunch' }],
    });
    expect(typeof r.body.queues[0].since).toBe('string');
    expect((await call(s, 'GET', '/api/v1/agents/1003', { token: user })).body.queues).toEqual([]);
  });
});
