// S11.1 over real sockets: calls through the proxy land in the call log (a SQLite store the
// engine commits to), with the decision that was taken, who was offered the call, and how it ended.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Command, CoreEvent } from '../../src/core/index.js';
import { SqliteStore } from '../../src/store/index.js';
import { ADMIN, sipHarness } from './harness.js';
import type { SipHarness } from './harness.js';
import { phonesClosedAfterEach } from './phone.js';

let h: SipHarness;
let store: SqliteStore;
const ended: CoreEvent[] = [];
beforeAll(async () => {
  store = new SqliteStore(':memory:');
  h = await sipHarness({
    users: 6,
    timers: { t1Ms: 50, t2Ms: 400 },
    calls: { lingerMs: 500 },
    journal: {
      commit: async (batch) => {
        for (const e of batch) for (const ev of e.events) if (ev.type === 'call.ended') ended.push(ev);
        await store.commit(batch);
      },
    },
  });
});
afterAll(async () => {
  await h.close();
  await store.close();
});

const run = (c: Command) => h.run(c);
const phone = phonesClosedAfterEach(() => h.port);

/** The call log once every command of the call is committed. */
async function logOf(user: string) {
  await h.engine.settled();
  return store.calls('acme', { user, limit: 10 });
}

describe('S11.1 the call log, through the proxy', () => {
  test("S11.1 a missed call (1002 rings 1003, then hangs up) is in the caller's and the callee's log, with the decision", async () => {
    const caller = await phone('1002');
    const callee = await phone('1003');
    const dial = await caller.call('1003');
    const invite = await callee.next('INVITE');
    callee.respond(invite, 180, 'Ringing', { toTag: 'r3' });
    await dial.provisional(180);
    await expect.poll(async () => (await logOf('u1003')).length).toBe(1);
    await caller.cancel(dial);
    await callee.next('CANCEL');
    callee.respond(invite, 487, 'Request Terminated', { toTag: 'r3' });
    await dial.final();

    await expect.poll(async () => (await logOf('u1003'))[0]?.outcome).toBe('missed');
    const [mine] = await logOf('u1002');
    const [theirs] = await logOf('u1003');
    expect(mine).toEqual(theirs);
    expect(theirs).toMatchObject({
      id: dial.callId,
      from: { userId: 'u1002' },
      to: { kind: 'extension', extension: '1003' },
      outcome: 'missed',
    });
    expect(theirs!.answeredBy).toBeUndefined();
    expect(theirs!.offers.map((o) => o.userId)).toEqual(['u1003']);
    // The decision as it was taken: ring 1003's registered device, S3.1 row 7.
    const d = theirs!.decisions[0]!;
    expect(d.outcome).toBe('ring');
    expect(d.explanation.map((e) => e.rule)).toContain('S3.1#7');
    expect(ended.find((e) => e.type === 'call.ended' && e.value.callId === dial.callId)).toMatchObject({
      subject: 'u1003',
      value: { outcome: 'missed', from: { userId: 'u1002' } },
    });
  });

  test('S11.1 an answered call is logged answered by the callee; a DND callee makes a voicemail call', async () => {
    const caller = await phone('1004');
    const callee = await phone('1005');
    const dial = await caller.call('1005');
    const invite = await callee.next('INVITE');
    callee.respond(invite, 200, 'OK', { toTag: 'a5', body: 'v=0\r\n' });
    const ok = await dial.final();
    const dialog = caller.dialogOf(dial, ok);
    dialog.ack();
    const byeDone = dialog.bye();
    callee.respond(await callee.next('BYE'), 200, 'OK');
    await byeDone;
    await expect.poll(async () => (await store.call('acme', dial.callId))?.outcome).toBe('answered');
    expect((await store.call('acme', dial.callId))?.answeredBy).toBe('u1005');

    await run({ type: 'status.set', userId: 'u1005', status: 'dnd', by: ADMIN });
    const second = await caller.call('1005');
    await second.final();
    await expect.poll(async () => (await store.call('acme', second.callId))?.outcome).toBe('voicemail');
    const c = await store.call('acme', second.callId);
    expect(c?.decisions[0]?.outcome).toBe('action');
    expect(c?.offers).toEqual([]);
  });
});
