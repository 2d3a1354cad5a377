// S2.1, S3.1#7, S3.3 ring steps on a manual clock: the SIP server and its engine share a
// ManualClock, phones are real UDP sockets on 127.0.0.1, and the clock only moves when the test
// says so. "Not yet" is proved without waiting: a round trip from the phone (OPTIONS) comes back
// only after everything the server sent it before — so when its answer is in, an INVITE or
// CANCEL sent at the instant reached would have arrived too.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Command } from '../../src/core/index.js';
import { ManualClock } from '../../src/engine/index.js';
import { header } from '../../src/sip/message.js';
import type { RingStep } from '../../src/sip/index.js';
import { ADMIN, sipHarness } from './harness.js';
import type { SipHarness } from './harness.js';
import { Phone, phonesClosedAfterEach } from './phone.js';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const clock = new ManualClock(T0);
let h: SipHarness;
beforeAll(async () => {
  h = await sipHarness({ clock, users: 12, calls: { maxCallMs: 60_000 } });
});
afterAll(async () => h.close());

const admin = ADMIN;
const run = (c: Command) => h.run(c);
const user = (id: string) => h.engine.state('acme')!.users.get(id)!;

const openPhone = phonesClosedAfterEach(() => h.port);
const phone = (ext: string, password?: string) => openPhone(ext, password !== undefined ? { password } : {});

/** Everything the server sent this phone before now has arrived (see the file's comment). */
async function fence(p: Phone): Promise<void> {
  const res = await p.ua.request('OPTIONS', 'sip:acme.test', [p.ua.from(p.ext), ['To', '<sip:acme.test>']]);
  expect(res.status).toBe(200);
}
const got = (p: Phone, method: string) => p.ua.requests.filter((r) => r.method === method).length;
/** The planned steps, relative to `from`, without the call id. */
const planned = (from: number) =>
  h.sip.ringPlan().map((s: RingStep) => ({ ms: s.at - from, step: s.step, member: s.member }));

describe('S3.1#7 S3.3 ring steps follow the manual clock', () => {
  test('S2.1 at_desk, desk delay 5 s: the desk phone rings at once; the app device not at 4.999 s, at 5 s', async () => {
    await run({
      type: 'user.upsert',
      user: { id: 'u1002', extension: '1002', name: 'User 1002', settings: { deskDelaySec: 5 } },
    });
    const a = await phone('1001');
    const app = await phone('1002');
    const desk = await phone('1002', 'term1002');
    await run({ type: 'status.set', userId: 'u1002', status: 'at_desk', by: admin });
    const t0 = clock.now();
    const dial = await a.call('1002');
    const deskInv = await desk.next('INVITE');
    desk.respond(deskInv, 180, 'Ringing', { toTag: 'd2' });
    await dial.provisional(180);
    expect(planned(t0)).toEqual([
      { ms: 5000, step: 'start', member: expect.any(Number) },
      { ms: expect.any(Number), step: 'noAnswer', member: undefined },
    ]);

    clock.advance(4999);
    await fence(app);
    expect(got(app, 'INVITE')).toBe(0);

    clock.advance(1);
    const appInv = await app.next('INVITE');
    app.respond(appInv, 200, 'OK', { toTag: 'a2', body: 'v=0\r\n' });
    const ok = await dial.final();
    expect(header(ok, 'to')).toContain('tag=a2');
    // The other device stops ringing once the app answered.
    const cancel = await desk.next('CANCEL');
    desk.respond(cancel, 200, 'OK');
    desk.respond(deskInv, 487, 'Request Terminated', { toTag: 'd2' });
    const d = a.dialogOf(dial, ok);
    d.ack();
    const bye = d.bye();
    app.respond(await app.next('BYE'), 200, 'OK');
    expect((await bye).status).toBe(200);
    await run({ type: 'status.clear', userId: 'u1002', by: admin });
  });

  test('S3.3 hunt, memberRingSec 10: member 1 gets CANCEL at the instant member 2 gets the INVITE, not before', async () => {
    await run({
      type: 'group.upsert',
      group: {
        id: 'g-hunt',
        name: 'Hunt',
        extension: '2001',
        strategy: 'hunt',
        memberRingSec: 10,
        ringTimeoutSec: 30,
        members: ['u1003', 'u1004'],
      },
    });
    const a = await phone('1001');
    const b3 = await phone('1003');
    const b4 = await phone('1004');
    const t0 = clock.now();
    const dial = await a.call('2001');
    const i3 = await b3.next('INVITE');
    b3.respond(i3, 180, 'Ringing', { toTag: 'h3' });
    await dial.provisional(180);
    expect(planned(t0)).toEqual([
      { ms: 10_000, step: 'stop', member: 0 },
      { ms: 10_000, step: 'start', member: 1 },
      { ms: 20_000, step: 'stop', member: 1 },
      { ms: 30_000, step: 'noAnswer', member: undefined },
    ]);

    clock.advance(9999);
    await Promise.all([fence(b3), fence(b4)]);
    expect([got(b3, 'CANCEL'), got(b4, 'INVITE')]).toEqual([0, 0]);

    clock.advance(1);
    const [c3, i4] = await Promise.all([b3.next('CANCEL'), b4.next('INVITE')]);
    expect(header(c3, 'call-id')).toBe(header(i4, 'call-id'));
    b3.respond(c3, 200, 'OK');
    b3.respond(i3, 487, 'Request Terminated', { toTag: 'h3' });
    b4.respond(i4, 603, 'Decline', { toTag: 'h4' });
    expect((await dial.final()).status).toBe(603);
    // The call is over: no step of it is left on the clock.
    expect(h.sip.ringPlan()).toEqual([]);
  });

  test('S3.1#7 no answer within ringTimeoutSec 15: at 14.999 s B still rings; at 15 s B gets CANCEL and the caller the noAnswer action', async () => {
    await run({
      type: 'user.upsert',
      user: { id: 'u1005', extension: '1005', name: 'User 1005', settings: { ringTimeoutSec: 15 } },
    });
    const a = await phone('1001');
    const b = await phone('1005');
    const missedBefore = user('u1005').missedCalls;
    const t0 = clock.now();
    const dial = await a.call('1005');
    const inv = await b.next('INVITE');
    b.respond(inv, 180, 'Ringing', { toTag: 't5' });
    await dial.provisional(180);
    expect(planned(t0)).toEqual([{ ms: 15_000, step: 'noAnswer', member: undefined }]);

    clock.advance(14_999);
    await fence(b);
    expect(got(b, 'CANCEL')).toBe(0);

    clock.advance(1);
    const cancel = await b.next('CANCEL');
    b.respond(cancel, 200, 'OK');
    b.respond(inv, 487, 'Request Terminated', { toTag: 't5' });
    // The default no-answer action is voicemail; with no voicemail server attached it is 480.
    const res = await dial.final();
    expect([res.status, header(res, 'warning')]).toEqual([480, expect.stringContaining('voicemail')]);
    expect(user('u1005').missedCalls).toBe(missedBefore + 1);
  });

  test('S7.4 an answered call with no BYE is forgotten at maxCallMs (60 s): its legs end then, not a millisecond before', async () => {
    const a = await phone('1001');
    const b = await phone('1006');
    const dial = await a.call('1006');
    const inv = await b.next('INVITE');
    b.respond(inv, 200, 'OK', { toTag: 'm6', body: 'v=0\r\n' });
    const ok = await dial.final();
    const t0 = clock.now();
    a.dialogOf(dial, ok).ack();
    await h.engine.settled();
    expect(planned(t0)).toEqual([{ ms: 60_000, step: 'maxTime', member: undefined }]);
    const legs = () => [user('u1001').legs.length, user('u1006').legs.length];
    expect(legs()).toEqual([1, 1]);

    clock.advance(59_999);
    await h.engine.settled();
    expect(legs()).toEqual([1, 1]);

    clock.advance(1);
    await h.engine.settled();
    expect(legs()).toEqual([0, 0]);
    expect(h.sip.ringPlan()).toEqual([]);
  });
});
