// S11.4 and S11.5 over real sockets, on a manual clock: test phones (phone.ts) registered as users
// of the harness call each other through the proxy, which carries out the core's decisions and
// follows the engine's committed presence events (call-wait.ts).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Command, UserSettings } from '../../src/core/index.js';
import { ManualClock } from '../../src/engine/index.js';
import { SqliteStore } from '../../src/store/index.js';
import { header } from '../../src/sip/message.js';
import { ADMIN, sipHarness } from './harness.js';
import type { SipHarness } from './harness.js';
import { eventually } from './peers.js';
import { Phone, SDP, phonesClosedAfterEach } from './phone.js';

const clock = new ManualClock(Date.UTC(2026, 0, 5, 9, 0, 0));
let h: SipHarness;
let store: SqliteStore;
beforeAll(async () => {
  store = new SqliteStore(':memory:');
  h = await sipHarness({
    clock,
    users: 10,
    calls: { maxCallMs: 600_000 },
    journal: {
      commit: async (batch) => {
        await store.commit(batch);
      },
    },
  });
});
afterAll(async () => {
  await h.close();
  await store.close();
});

/** S11.1: the decisions the call log holds for a call, in order, and its outcome. */
async function logged(user: string, callId: string) {
  await h.engine.settled();
  const c = (await store.calls('acme', { user, limit: 20 })).find((x) => x.id === callId);
  return { decisions: c?.decisions.map((d) => d.outcome), outcome: c?.outcome };
}

const run = (c: Command) => h.run(c);
const presence = (id: string) => h.engine.state('acme')!.users.get(id)!.presence;
const until = <T>(check: () => T | undefined, what: string) => eventually(check, 3000, what);

const phone = phonesClosedAfterEach(() => h.port);

async function settings(ext: string, s: Partial<UserSettings>): Promise<void> {
  await run({ type: 'user.upsert', user: { id: `u${ext}`, extension: ext, name: `User ${ext}`, settings: s } });
}

/** `from` calls `to`, `to` answers: the two are on a call. */
async function onCall(from: Phone, to: Phone, tag: string) {
  const dial = await from.call(to.ext);
  const inv = await to.next('INVITE');
  to.respond(inv, 200, 'OK', { toTag: tag, body: SDP });
  const ok = await dial.final();
  expect(ok.status).toBe(200);
  from.dialogOf(dial, ok).ack();
  await until(() => (presence(`u${to.ext}`).indicators.onCall ? true : undefined), `${to.ext} on a call`);
  return inv;
}

/** The callee hangs up; the caller's phone answers the BYE. */
async function hangUp(callee: Phone, caller: Phone, inv: Awaited<ReturnType<typeof onCall>>, tag: string) {
  const bye = callee.byeFromCallee(inv, tag);
  caller.respond(await caller.next('BYE'), 200, 'OK');
  expect((await bye).status).toBe(200);
}

describe('S11.4 waiting for a busy user, through the proxy', () => {
  const WAIT = { callWaiting: false, actions: { busy: { type: 'wait', maxWaitSec: 60 } } } as const;

  test('S11.4 a wait caller is connected when the first call ends', async () => {
    await settings('1001', WAIT);
    const a = await phone('1001');
    const b = await phone('1002');
    const c = await phone('1003');
    const first = await onCall(b, a, 'ab');

    const dial = await c.call('1001');
    const queued = await dial.provisional(182);
    expect(header(queued, 'warning')).toMatch(/^399 \S+ "S11\.4: the person you called is on another call/);
    await expect(a.next('INVITE', 300)).rejects.toThrow(/no matching/);

    await hangUp(a, b, first, 'ab');
    const inv = await a.next('INVITE');
    expect(header(inv, 'from')).toContain('sip:1003@');
    a.respond(inv, 180, 'Ringing', { toTag: 'ac' });
    await dial.provisional(180);
    a.respond(inv, 200, 'OK', { toTag: 'ac', body: SDP });
    const ok = await dial.final();
    expect(ok.status).toBe(200);
    c.dialogOf(dial, ok).ack();
    await hangUp(a, c, inv, 'ac');
    await expect.poll(() => logged('u1001', dial.callId)).toEqual({ decisions: ['wait', 'ring'], outcome: 'answered' });
  });

  test('S11.4 after maxWaitSec the caller gets the no-answer action (voicemail: 480 with a Warning)', async () => {
    await settings('1004', WAIT);
    const a = await phone('1004');
    const b = await phone('1005');
    const c = await phone('1006');
    const first = await onCall(b, a, 'ab4');

    const dial = await c.call('1004');
    await dial.provisional(182);
    clock.advance(59_999);
    await expect(dial.final(300)).rejects.toThrow(/no matching/);
    clock.advance(1);
    const final = await dial.final();
    expect(final.status).toBe(480);
    expect(header(final, 'warning')).toMatch(/voicemail/);
    await expect.poll(() => logged('u1004', dial.callId)).toEqual({ decisions: ['wait'], outcome: 'voicemail' });
    // The user's call ending later offers nothing: the caller is gone.
    await hangUp(a, b, first, 'ab4');
    await expect(a.next('INVITE', 300)).rejects.toThrow(/no matching/);
  });

  test('S11.4 two waiting callers: first come, first served', async () => {
    await settings('1007', WAIT);
    const a = await phone('1007');
    const b = await phone('1008');
    const c1 = await phone('1009');
    const c2 = await phone('1010');
    const first = await onCall(b, a, 'ab7');
    const d1 = await c1.call('1007');
    await d1.provisional(182);
    const d2 = await c2.call('1007');
    await d2.provisional(182);

    await hangUp(a, b, first, 'ab7');
    const inv1 = await a.next('INVITE');
    expect(header(inv1, 'from')).toContain('sip:1009@');
    await expect(a.next('INVITE', 300)).rejects.toThrow(/no matching/);
    // The first caller is answered; the second rings once that call ended too.
    a.respond(inv1, 200, 'OK', { toTag: 'a71', body: SDP });
    const ok1 = await d1.final();
    c1.dialogOf(d1, ok1).ack();
    await until(() => (presence('u1007').indicators.onCall ? true : undefined), '1007 on the first waiting call');
    await hangUp(a, c1, inv1, 'a71');
    const inv2 = await a.next('INVITE');
    expect(header(inv2, 'from')).toContain('sip:1010@');
    a.respond(inv2, 486, 'Busy Here', { toTag: 'a72' });
    expect((await d2.final()).status).toBe(486);
  });
});

describe('S11.5 status change while ringing, through the proxy', () => {
  test('S11.5 a status set while ringing re-routes the ringing call: CANCEL to the phone, the caller gets the DND action', async () => {
    await settings('1002', { voicemail: false });
    const a = await phone('1002');
    const c = await phone('1003');

    const dial = await c.call('1002');
    const inv = await a.next('INVITE');
    a.respond(inv, 180, 'Ringing', { toTag: 'r2' });
    await dial.provisional(180);

    await run({
      type: 'status.set',
      userId: 'u1002',
      status: 'dnd',
      by: { kind: 'user', userId: 'u1002', role: 'user' },
    });

    const cancel = await a.next('CANCEL');
    a.respond(cancel, 200, 'OK');
    a.respond(inv, 487, 'Request Terminated', { toTag: 'r2' });
    // DND with voicemail off: reject (S3.2), 603.
    expect((await dial.final()).status).toBe(603);
    // The call log keeps both decisions: it rang, then the DND action under the new status.
    await expect.poll(() => logged('u1002', dial.callId)).toEqual({ decisions: ['ring', 'action'], outcome: 'busy' });
    await run({ type: 'status.clear', userId: 'u1002', by: ADMIN });
  });

  test('S11.5 a caller waiting for a user (S11.4) who sets DND gets the DND action at once', async () => {
    await settings('1005', { callWaiting: false, actions: { busy: { type: 'wait', maxWaitSec: 60 } } });
    const a = await phone('1005');
    const b = await phone('1006');
    const c = await phone('1008');
    const first = await onCall(b, a, 'ab5');
    const dial = await c.call('1005');
    await dial.provisional(182);

    await run({ type: 'status.set', userId: 'u1005', status: 'dnd', by: ADMIN });

    const final = await dial.final();
    expect([final.status, header(final, 'warning')]).toEqual([480, expect.stringMatching(/voicemail/)]);
    await expect
      .poll(() => logged('u1005', dial.callId))
      .toEqual({ decisions: ['wait', 'action'], outcome: 'voicemail' });
    await run({ type: 'status.clear', userId: 'u1005', by: ADMIN });
    await hangUp(a, b, first, 'ab5');
    await expect(a.next('INVITE', 300)).rejects.toThrow(/no matching/);
  });

  test('S11.5 a status under which the call still rings (away) leaves it ringing: no CANCEL, the user answers', async () => {
    const a = await phone('1009');
    const c = await phone('1003');
    const dial = await c.call('1009');
    const inv = await a.next('INVITE');
    a.respond(inv, 180, 'Ringing', { toTag: 'r9' });
    await dial.provisional(180);

    await run({ type: 'status.set', userId: 'u1009', status: 'away', by: ADMIN });
    await expect.poll(() => logged('u1009', dial.callId)).toEqual({ decisions: ['ring', 'ring'], outcome: undefined });

    await expect(a.next('CANCEL', 300)).rejects.toThrow(/no matching/);
    a.respond(inv, 200, 'OK', { toTag: 'r9', body: SDP });
    const ok = await dial.final();
    expect(ok.status).toBe(200);
    c.dialogOf(dial, ok).ack();
    await hangUp(a, c, inv, 'r9');
    await run({ type: 'status.clear', userId: 'u1009', by: ADMIN });
  });
});
