// S11.6 and S11.7 over real sockets: test phones (phone.ts) registered as users of the in-memory
// harness call groups and users through the proxy, which carries out the core's decisions.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Command } from '../../src/core/index.js';
import { header } from '../../src/sip/message.js';
import { ADMIN, sipHarness } from './harness.js';
import type { SipHarness } from './harness.js';
import { phonesClosedAfterEach } from './phone.js';

let h: SipHarness;
beforeAll(async () => {
  h = await sipHarness({ users: 10, timers: { t1Ms: 50, t2Ms: 400 }, calls: { lingerMs: 500 } });
});
afterAll(async () => h.close());

const admin = ADMIN;
const run = (c: Command) => h.run(c);

const openPhone = phonesClosedAfterEach(() => h.port);
/** A registered phone of extension `ext`: the app (SIP password) or the desk phone (terminal password). */
const phone = (ext: string, kind: 'app' | 'terminal' = 'app') =>
  openPhone(ext, kind === 'terminal' ? { password: `term${ext}` } : {});

describe("S11.6 never one's own call, through the proxy", () => {
  test("S11.6 1003 calls ringAll group 6000 (1003, 1004, 1005): the other members ring, 1003's phone gets no INVITE", async () => {
    await run({
      type: 'group.upsert',
      group: {
        id: 'g-6000',
        name: 'Sales',
        extension: '6000',
        strategy: 'ringAll',
        members: ['u1003', 'u1004', 'u1005'],
      },
    });
    const caller = await phone('1003');
    const b4 = await phone('1004');
    const b5 = await phone('1005');

    const dial = await caller.call('6000');
    const [i4, i5] = await Promise.all([b4.next('INVITE'), b5.next('INVITE')]);
    await expect(caller.next('INVITE', 300)).rejects.toThrow(/no matching/);

    b4.respond(i4, 603, 'Decline', { toTag: 'd4' });
    b5.respond(i5, 603, 'Decline', { toTag: 'd5' });
    expect((await dial.final()).status).toBe(603);
  });

  test("S11.6 1003 calls hunt group 6001 (1003 first): 1004 rings at once, not after 1003's step", async () => {
    await run({
      type: 'group.upsert',
      group: {
        id: 'g-6001',
        name: 'Hunt',
        extension: '6001',
        strategy: 'hunt',
        memberRingSec: 30,
        members: ['u1003', 'u1004'],
      },
    });
    const caller = await phone('1003');
    const b4 = await phone('1004');

    const dial = await caller.call('6001');
    // 1003's step would be 30 s: 1004's INVITE inside the default wait (3 s) shows there is none.
    const i4 = await b4.next('INVITE');
    await expect(caller.next('INVITE', 300)).rejects.toThrow(/no matching/);

    b4.respond(i4, 603, 'Decline', { toTag: 'h4' });
    expect((await dial.final()).status).toBe(603);
  });
});

describe("S11.6 never one's own queue call, through the proxy", () => {
  test('S11.6 agent 1006 calls its own queue 7000 (ringAll, 1006 and 1007 ready): only 1007 is offered the call', async () => {
    await run({
      type: 'queue.upsert',
      queue: {
        id: 'q-7000',
        name: 'Help',
        extension: '7000',
        strategy: 'ringAll',
        agents: ['u1006', 'u1007'],
        autoReady: true,
      },
    });
    await run({ type: 'agent.command', userId: 'u1006', action: 'login', queueId: 'q-7000', by: admin });
    await run({ type: 'agent.command', userId: 'u1007', action: 'login', queueId: 'q-7000', by: admin });
    const caller = await phone('1006');
    const q7 = await phone('1007');

    const dial = await caller.call('7000');
    await dial.provisional(182);
    const i7 = await q7.next('INVITE');
    q7.respond(i7, 180, 'Ringing', { toTag: 'q7' });
    await expect(caller.next('INVITE', 300)).rejects.toThrow(/no matching/);

    expect((await caller.cancel(dial)).status).toBe(200);
    q7.respond(await q7.next('CANCEL'), 200, 'OK');
    q7.respond(i7, 487, 'Request Terminated', { toTag: 'q7' });
    expect((await dial.final()).status).toBe(487);
  });
});

describe("S11.7 forwarding blocks the app's calls, through the proxy", () => {
  test("S11.7 a forwarding user's app is refused 403 with a Warning naming the rule; their desk phone's call is routed", async () => {
    // u1010 may forward (harness.ts).
    await run({ type: 'status.set', userId: 'u1010', status: 'forwarding', forwardTo: '1002', by: admin });
    const app = await phone('1010');
    const desk = await phone('1010', 'terminal');
    const b2 = await phone('1002');

    const refused = await (await app.call('1002')).final();
    expect(refused.status).toBe(403);
    expect(refused.reason).toMatch(/forwarding/);
    expect(header(refused, 'warning')).toMatch(/^399 \S+ "S11\.7: /);
    await expect(b2.next('INVITE', 300)).rejects.toThrow(/no matching/);

    const dial = await desk.call('1002');
    const inv = await b2.next('INVITE');
    b2.respond(inv, 486, 'Busy Here', { toTag: 'f2' });
    expect((await dial.final()).status).toBe(486);

    await run({ type: 'status.clear', userId: 'u1010', by: admin });
    const again = await app.call('1002');
    b2.respond(await b2.next('INVITE'), 486, 'Busy Here', { toTag: 'f3' });
    expect((await again.final()).status).toBe(486);
  });
});
