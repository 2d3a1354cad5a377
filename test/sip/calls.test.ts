// S7.4 the call proxy over real sockets, with test phones (phone.ts) registered as users of the
// in-memory harness: routing by the core's decisions, forking, CANCEL, BYE through the
// Record-Route, and every leg reaching the engine (S1.2).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Command } from '../../src/core/index.js';
import { header, headerValues } from '../../src/sip/message.js';
import { ADMIN, sipHarness } from './harness.js';
import type { SipHarness } from './harness.js';
import { eventually, has, sipp } from './peers.js';
import { Phone, SDP, phonesClosedAfterEach } from './phone.js';
import { digest } from './ua.js';

let h: SipHarness;
beforeAll(async () => {
  h = await sipHarness({ users: 12, timers: { t1Ms: 50, t2Ms: 400 }, calls: { facHangupMs: 300, lingerMs: 2000 } });
});
afterAll(async () => h.close());

const admin = ADMIN;
const run = (c: Command) => h.run(c);
const user = (id: string) => h.engine.state('acme')!.users.get(id)!;
const presence = (id: string) => user(id).presence;
const until = <T>(check: () => T | undefined, what: string, ms = 3000) => eventually(check, ms, what);

const openPhone = phonesClosedAfterEach(() => h.port);
const phone = (ext: string, transport: 'udp' | 'tcp' = 'udp') => openPhone(ext, { transport });

describe('S7.4 calls between extensions', () => {
  test('S7.4 S1.2 A calls B: 407 first, then 100; B rings (ringing indicator), answers (both on_call), hangs up (both back)', async () => {
    const a = await phone('1001');
    const b = await phone('1002', 'tcp');
    const dial = await a.call('1002');
    await dial.provisional(100);
    const inv = await b.next('INVITE');
    // §16.6: our Via on top of the caller's, Record-Route, Max-Forwards one less, no credentials for us.
    expect(headerValues(inv, 'via')).toHaveLength(2);
    expect(headerValues(inv, 'via')[0]).toMatch(/^SIP\/2\.0\/TCP 127\.0\.0\.1:\d+;branch=z9hG4bK/);
    expect(header(inv, 'record-route')).toBe(`<sip:127.0.0.1:${h.port};lr>`);
    expect(header(inv, 'max-forwards')).toBe('69');
    expect(header(inv, 'proxy-authorization')).toBeUndefined();
    expect(inv.uri).toBe(b.ua.contact.slice(1, -1));
    expect(inv.body.toString()).toContain('m=audio 40000');

    b.respond(inv, 180, 'Ringing', { toTag: 'btag' });
    expect((await dial.provisional(180)).status).toBe(180);
    await until(() => (presence('u1002').indicators.ringing ? true : undefined), 'B ringing');
    expect(presence('u1002').status).toBe('online');
    expect(presence('u1001').status).toBe('on_call');

    b.respond(inv, 200, 'OK', { toTag: 'btag', body: 'v=0\r\n' });
    const ok = await dial.final();
    expect([ok.status, header(ok, 'to')]).toEqual([200, '<sip:1002@acme.test>;tag=btag']);
    const dialog = a.dialogOf(dial, ok);
    dialog.ack();
    expect((await b.next('ACK')).uri).toBe(b.ua.contact.slice(1, -1));
    await until(
      () => (presence('u1002').status === 'on_call' && presence('u1001').status === 'on_call' ? true : undefined),
      'both on a call',
    );
    expect(presence('u1002').indicators.ringing).toBe(false);

    const bye = dialog.bye();
    const byeAtB = await b.next('BYE');
    b.respond(byeAtB, 200, 'OK');
    expect((await bye).status).toBe(200);
    await until(
      () => (presence('u1002').status === 'online' && presence('u1001').status === 'online' ? true : undefined),
      'both back online',
    );
    expect(user('u1001').legs).toEqual([]);
    expect(user('u1002').legs).toEqual([]);
  });
});

describe('S7.4 S1.2 hold', () => {
  test('S7.4 S1.2 a re-INVITE with a=sendonly holds both legs (still on a call); one with sendrecv resumes them', async () => {
    const a = await phone('1001');
    const b = await phone('1002');
    const dial = await a.call('1002');
    const inv = await b.next('INVITE');
    b.respond(inv, 200, 'OK', { toTag: 'hb', body: SDP });
    const dialog = a.dialogOf(dial, await dial.final());
    dialog.ack();
    await until(() => (user('u1002').legs[0]?.state === 'answered' ? true : undefined), 'answered');
    const legs = () => [user('u1001').legs.map((l) => l.state), user('u1002').legs.map((l) => l.state)];
    const hold = dialog.reinvite(SDP.replace('a=rtpmap:0 PCMU/8000', 'a=rtpmap:0 PCMU/8000\r\na=sendonly'));
    const re = await b.next('INVITE');
    expect(re.body.toString()).toContain('a=sendonly');
    b.respond(re, 200, 'OK', { body: SDP.replace('a=rtpmap:0 PCMU/8000', 'a=rtpmap:0 PCMU/8000\r\na=recvonly') });
    expect((await hold).status).toBe(200);
    await until(
      () =>
        legs()
          .flat()
          .every((x) => x === 'held')
          ? true
          : undefined,
      'both legs held',
    );
    expect([presence('u1001').status, presence('u1002').status]).toEqual(['on_call', 'on_call']);
    const resume = dialog.reinvite(SDP);
    b.respond(await b.next('INVITE'), 200, 'OK', { body: SDP });
    expect((await resume).status).toBe(200);
    await until(
      () =>
        legs()
          .flat()
          .every((x) => x === 'answered')
          ? true
          : undefined,
      'both legs answered again',
    );
    const bye = dialog.bye();
    b.respond(await b.next('BYE'), 200, 'OK');
    expect((await bye).status).toBe(200);
    await until(() => (legs().flat().length === 0 ? true : undefined), 'legs ended');
  });
});

describe('S7.4 calls that end without an answer', () => {
  test('S7.4 S1.2 the caller cancels: 200 for the CANCEL, B gets CANCEL, the caller 487; legs end and B has a missed call', async () => {
    const a = await phone('1003');
    const b = await phone('1004');
    const missedBefore = user('u1004').missedCalls;
    const dial = await a.call('1004');
    const inv = await b.next('INVITE');
    b.respond(inv, 180, 'Ringing', { toTag: 't4' });
    await dial.provisional(180);
    await until(() => (presence('u1004').indicators.ringing ? true : undefined), 'B ringing');
    expect((await a.cancel(dial)).status).toBe(200);
    const cancel = await b.next('CANCEL');
    expect(headerValues(cancel, 'via')[0]).toBe(headerValues(inv, 'via')[0]);
    b.respond(cancel, 200, 'OK');
    b.respond(inv, 487, 'Request Terminated', { toTag: 't4' });
    expect((await dial.final()).status).toBe(487);
    // The proxy ACKs B's 487 itself (§16.7).
    expect((await b.next('ACK')).method).toBe('ACK');
    await until(
      () => (!presence('u1004').indicators.ringing && presence('u1003').status === 'online' ? true : undefined),
      'legs ended',
    );
    expect(user('u1004').missedCalls).toBe(missedBefore + 1);
  });

  test('S7.4 S3.1#3 B in DND: the dnd action (voicemail → 480) without ringing B; B gets a missed call', async () => {
    const a = await phone('1005');
    const b = await phone('1006');
    await run({ type: 'status.set', userId: 'u1006', status: 'dnd', by: admin });
    const dial = await a.call('1006');
    const res = await dial.final();
    expect([res.status, header(res, 'warning')]).toEqual([480, expect.stringContaining('voicemail')]);
    await expect(b.next('INVITE', 300)).rejects.toThrow(/no matching/);
    expect(user('u1006').missedCalls).toBe(1);
    expect(user('u1005').legs).toEqual([]);
    await run({ type: 'status.clear', userId: 'u1006', by: admin });
  });

  test('S7.4 S3.2 manual busy: busy tone → 486 Busy Here; with voicemail off, DND rejects → 603 Decline', async () => {
    const a = await phone('1005');
    await phone('1006');
    await run({ type: 'status.set', userId: 'u1006', status: 'busy', by: admin });
    expect((await (await a.call('1006')).final()).status).toBe(486);
    await run({
      type: 'user.upsert',
      user: { id: 'u1006', extension: '1006', name: 'User 1006', settings: { voicemail: false } },
    });
    await run({ type: 'status.set', userId: 'u1006', status: 'dnd', by: admin });
    expect((await (await a.call('1006')).final()).status).toBe(603);
    await run({ type: 'status.clear', userId: 'u1006', by: admin });
    await run({
      type: 'user.upsert',
      user: { id: 'u1006', extension: '1006', name: 'User 1006', settings: { voicemail: true } },
    });
  });

  test('S7.4 over UDP the final answer is sent again until the caller ACKs it (Timer G)', async () => {
    const a = await phone('1005');
    await phone('1006');
    await run({ type: 'status.set', userId: 'u1006', status: 'busy', by: admin });
    const dial = await a.call('1006');
    const first = await dial.final();
    const again = await dial.final(1000);
    expect([first.status, again.status]).toEqual([486, 486]);
    a.ackFailure(again, dial.uri, dial.branch, dial.from, dial.callId, dial.cseq);
    // Copies already on their way may still arrive; after them, nothing more.
    await new Promise((r) => setTimeout(r, 150));
    while (
      await dial.final(1).then(
        () => true,
        () => false,
      )
    );
    await expect(dial.final(800)).rejects.toThrow(/no matching/);
    await run({ type: 'status.clear', userId: 'u1006', by: admin });
  });

  test('S7.4 S3.1#5 a user with no registered device: the unreachable action (480) at once', async () => {
    const a = await phone('1005');
    expect((await (await a.call('1012')).final()).status).toBe(480);
  });

  test('S7.4 S3.1#7 no answer within ringTimeoutSec: B is cancelled and the caller gets the noAnswer action (480)', async () => {
    await run({
      type: 'user.upsert',
      user: { id: 'u1008', extension: '1008', name: 'User 1008', settings: { ringTimeoutSec: 1 } },
    });
    const a = await phone('1007');
    const b = await phone('1008');
    const dial = await a.call('1008');
    const inv = await b.next('INVITE');
    b.respond(inv, 180, 'Ringing', { toTag: 't8' });
    const t0 = Date.now();
    const cancel = await b.next('CANCEL', 3000);
    expect(Date.now() - t0).toBeGreaterThan(700);
    b.respond(cancel, 200, 'OK');
    b.respond(inv, 487, 'Request Terminated', { toTag: 't8' });
    expect((await dial.final()).status).toBe(480);
    await until(
      () => (!presence('u1008').indicators.ringing && user('u1007').legs.length === 0 ? true : undefined),
      'legs ended',
    );
    expect(user('u1008').missedCalls).toBe(1);
  });

  test('S7.4 a device that declines ends the call with its answer (486) when no other device rings', async () => {
    const a = await phone('1007');
    const b = await phone('1009');
    const dial = await a.call('1009');
    const inv = await b.next('INVITE');
    b.respond(inv, 486, 'Busy Here', { toTag: 't9' });
    expect((await b.next('ACK')).method).toBe('ACK');
    expect((await dial.final()).status).toBe(486);
  });

  test('S7.4 S2.1 at_desk: the app device rings only after deskDelaySec', async () => {
    await run({
      type: 'user.upsert',
      user: {
        id: 'u1010',
        extension: '1010',
        name: 'User 1010',
        settings: { deskDelaySec: 1, forwardingAllowed: true },
      },
    });
    const a = await phone('1007');
    const b = await phone('1010');
    await run({ type: 'status.set', userId: 'u1010', status: 'at_desk', by: admin });
    const t0 = Date.now();
    const dial = await a.call('1010');
    const inv = await b.next('INVITE', 3000);
    expect(Date.now() - t0).toBeGreaterThan(900);
    b.respond(inv, 603, 'Decline', { toTag: 'x' });
    expect((await dial.final()).status).toBe(603);
    await run({ type: 'status.clear', userId: 'u1010', by: admin });
  });

  test('S7.4 S3.1#2 forwarding to an outside number: 302 with the number as Contact; to an extension: that extension rings', async () => {
    const a = await phone('1007');
    const c = await phone('1011');
    await run({ type: 'status.set', userId: 'u1010', status: 'forwarding', forwardTo: '+4930123', by: admin });
    const res = await (await a.call('1010')).final();
    expect([res.status, header(res, 'contact')]).toEqual([302, '<sip:+4930123@acme.test;user=phone>']);
    await run({ type: 'status.set', userId: 'u1010', status: 'forwarding', forwardTo: '1011', by: admin });
    const dial = await a.call('1010');
    const inv = await c.next('INVITE');
    c.respond(inv, 603, 'Decline', { toTag: 'c' });
    expect((await dial.final()).status).toBe(603);
    await run({ type: 'status.clear', userId: 'u1010', by: admin });
  });
});

describe('S7.4 BLF lamps follow the call', () => {
  test('S7.4 S7.2 a dialog watcher of B sees early while B rings, confirmed when answered, terminated after the BYE', async () => {
    const a = await phone('1001');
    const b = await phone('1002');
    const w = await phone('1003');
    const sub = await w.ua.authed(
      'SUBSCRIBE',
      'sip:1002@acme.test',
      [
        w.ua.from('1003'),
        ['To', '<sip:1002@acme.test>'],
        ['Contact', w.ua.contact],
        ['Event', 'dialog'],
        ['Expires', '600'],
      ],
      { user: '1003', password: 'pass1003' },
    );
    expect(sub.status).toBe(200);
    const lamp = async (state: string) => {
      for (;;) if ((await w.ua.nextNotify()).body.toString().includes(`<state>${state}</state>`)) return state;
    };
    await lamp('terminated');
    const dial = await a.call('1002');
    const inv = await b.next('INVITE');
    b.respond(inv, 180, 'Ringing', { toTag: 'bt' });
    expect(await lamp('early')).toBe('early');
    b.respond(inv, 200, 'OK', { toTag: 'bt', body: 'v=0\r\n' });
    const ok = await dial.final();
    expect(await lamp('confirmed')).toBe('confirmed');
    a.dialogOf(dial, ok).ack();
    // This time the callee hangs up: the BYE goes to the caller through the proxy.
    const bye = b.byeFromCallee(inv, 'bt');
    const atA = await a.next('BYE');
    a.respond(atA, 200, 'OK');
    expect((await bye).status).toBe(200);
    expect(await lamp('terminated')).toBe('terminated');
  });
});

describe('S7.4 group and queue calls follow the core', () => {
  test('S7.4 S3.3 ringAll skips a member in DND and rings the others; the first to answer takes the call, the other is cancelled', async () => {
    await run({
      type: 'group.upsert',
      group: {
        id: 'g-sales',
        name: 'Sales',
        extension: '2000',
        strategy: 'ringAll',
        members: ['u1002', 'u1003', 'u1004'],
      },
    });
    const a = await phone('1001');
    const b2 = await phone('1002');
    const b3 = await phone('1003');
    const b4 = await phone('1004');
    await run({ type: 'status.set', userId: 'u1002', status: 'dnd', by: admin });
    const dial = await a.call('2000');
    const [i3, i4] = await Promise.all([b3.next('INVITE'), b4.next('INVITE')]);
    await expect(b2.next('INVITE', 200)).rejects.toThrow(/no matching/);
    b3.respond(i3, 180, 'Ringing', { toTag: 'g3' });
    b4.respond(i4, 180, 'Ringing', { toTag: 'g4' });
    await until(
      () => (presence('u1003').indicators.ringing && presence('u1004').indicators.ringing ? true : undefined),
      'both members ringing',
    );
    b4.respond(i4, 200, 'OK', { toTag: 'g4', body: 'v=0\r\n' });
    const ok = await dial.final();
    expect(header(ok, 'to')).toContain('tag=g4');
    const cancel = await b3.next('CANCEL');
    b3.respond(cancel, 200, 'OK');
    b3.respond(i3, 487, 'Request Terminated', { toTag: 'g3' });
    await until(
      () => (presence('u1004').status === 'on_call' && !presence('u1003').indicators.ringing ? true : undefined),
      'u1004 on the call, u1003 no longer ringing',
    );
    const d = a.dialogOf(dial, ok);
    d.ack();
    const bye = d.bye();
    b4.respond(await b4.next('BYE'), 200, 'OK');
    expect((await bye).status).toBe(200);
    await until(() => (presence('u1004').status === 'online' ? true : undefined), 'u1004 free again');
    await run({ type: 'status.clear', userId: 'u1002', by: admin });
  });

  test('S7.4 S3.3 hunt: members in order, memberRingSec each', async () => {
    await run({
      type: 'group.upsert',
      group: {
        id: 'g-hunt',
        name: 'Hunt',
        extension: '2001',
        strategy: 'hunt',
        memberRingSec: 1,
        ringTimeoutSec: 5,
        members: ['u1003', 'u1004'],
      },
    });
    const a = await phone('1001');
    const b3 = await phone('1003');
    const b4 = await phone('1004');
    const dial = await a.call('2001');
    const i3 = await b3.next('INVITE');
    b3.respond(i3, 180, 'Ringing', { toTag: 'h3' });
    await expect(b4.next('INVITE', 500)).rejects.toThrow(/no matching/);
    const [i4, c3] = await Promise.all([b4.next('INVITE', 2000), b3.next('CANCEL', 2000)]);
    b3.respond(c3, 200, 'OK');
    b3.respond(i3, 487, 'Request Terminated', { toTag: 'h3' });
    b4.respond(i4, 603, 'Decline', { toTag: 'h4' });
    expect((await dial.final()).status).toBe(603);
  });

  test('S7.4 S3.4 a group whose only members are busy takes its busy action (486)', async () => {
    await run({ type: 'group.upsert', group: { id: 'g-busy', name: 'Busy', extension: '2002', members: ['u1003'] } });
    const a = await phone('1001');
    await phone('1003');
    await run({ type: 'status.set', userId: 'u1003', status: 'busy', by: admin });
    expect((await (await a.call('2002')).final()).status).toBe(486);
    await run({ type: 'status.clear', userId: 'u1003', by: admin });
  });

  test('S7.4 S4.3 a queue call rings the ready agent; unanswered, that agent goes not_ready (missed) and the next agent rings and answers (queue_call)', async () => {
    await run({
      type: 'queue.upsert',
      queue: {
        id: 'q-support',
        name: 'Support',
        extension: '3000',
        strategy: 'linear',
        agents: ['u1005', 'u1006'],
        autoReady: true,
        agentRingSec: 1,
      },
    });
    await run({ type: 'agent.command', userId: 'u1005', action: 'login', by: admin });
    await run({ type: 'agent.command', userId: 'u1006', action: 'login', by: admin });
    const a = await phone('1001');
    const q5 = await phone('1005');
    const q6 = await phone('1006');
    const dial = await a.call('3000');
    await dial.provisional(182);
    const i5 = await q5.next('INVITE');
    q5.respond(i5, 180, 'Ringing', { toTag: 'q5' });
    await expect(q6.next('INVITE', 300)).rejects.toThrow(/no matching/);
    const c5 = await q5.next('CANCEL', 3000);
    q5.respond(c5, 200, 'OK');
    q5.respond(i5, 487, 'Request Terminated', { toTag: 'q5' });
    const agent = (id: string) => user(id).agent['q-support'];
    expect([agent('u1005')?.state, agent('u1005')?.reason]).toEqual(['not_ready', 'missed']);
    const i6 = await q6.next('INVITE', 3000);
    q6.respond(i6, 200, 'OK', { toTag: 'q6', body: 'v=0\r\n' });
    const ok = await dial.final();
    expect(ok.status).toBe(200);
    await until(() => (agent('u1006')?.state === 'queue_call' ? true : undefined), 'agent on the queue call');
    const d = a.dialogOf(dial, ok);
    d.ack();
    const bye = d.bye();
    q6.respond(await q6.next('BYE'), 200, 'OK');
    expect((await bye).status).toBe(200);
    await until(() => (agent('u1006')?.state === 'ready' ? true : undefined), 'agent ready again (no wrap-up)');
    expect(h.engine.state('acme')!.queues.get('q-support')!.answeredToday).toBe(1);
  });

  test('S7.4 S4.4 the caller hangs up while waiting: the queue call is abandoned and the agent stops ringing', async () => {
    const a = await phone('1001');
    const q6 = await phone('1006');
    await run({ type: 'agent.command', userId: 'u1005', action: 'logout', by: admin });
    const dial = await a.call('3000');
    const i6 = await q6.next('INVITE');
    q6.respond(i6, 180, 'Ringing', { toTag: 'a6' });
    await dial.provisional(180);
    expect((await a.cancel(dial)).status).toBe(200);
    const c6 = await q6.next('CANCEL');
    q6.respond(c6, 200, 'OK');
    q6.respond(i6, 487, 'Request Terminated', { toTag: 'a6' });
    expect((await dial.final()).status).toBe(487);
    await until(
      () => (h.engine.state('acme')!.queues.get('q-support')!.waiting.length === 0 ? true : undefined),
      'queue empty',
    );
    expect(h.engine.state('acme')!.queues.get('q-support')!.missedToday).toBe(1);
  });
});

describe('S7.4 S4.4 a caller who waits too long', () => {
  test('S7.4 S4.4 nobody ready for maxWaitSec: the queue overflow action (voicemail → 480) and the caller is no longer waiting', async () => {
    await run({
      type: 'queue.upsert',
      queue: { id: 'q-empty', name: 'Empty', extension: '3001', agents: ['u1009'], maxWaitSec: 1, joinEmpty: true },
    });
    const a = await phone('1001');
    const dial = await a.call('3001');
    await dial.provisional(182);
    await until(
      () => (presence('u1001').status === 'on_call' ? true : undefined),
      'the waiting caller is making a call',
    );
    const res = await dial.final(3000);
    expect([res.status, header(res, 'warning')]).toEqual([480, expect.stringContaining('voicemail')]);
    expect(h.engine.state('acme')!.queues.get('q-empty')!.waiting).toEqual([]);
    await until(() => (presence('u1001').status === 'online' ? true : undefined), 'caller free again');
  });
});

describe('S7.4 S4.5 feature codes are answered by the server', () => {
  test('S7.4 S4.5 *78 sets DND (cause fac): 200 OK with an inactive SDP answer, then the server hangs up; *79 clears it', async () => {
    const a = await phone('1007');
    const dial = await a.call('*78');
    const ok = await dial.final();
    expect(ok.status).toBe(200);
    expect(header(ok, 'content-type')).toBe('application/sdp');
    expect(ok.body.toString()).toMatch(/m=audio 9 RTP\/AVP 0\r\n.*a=inactive/s);
    expect(presence('u1007').manual).toMatchObject({ status: 'dnd', setBy: 'fac' });
    a.dialogOf(dial, ok).ack();
    const bye = await a.next('BYE', 2000);
    expect(header(bye, 'call-id')).toBe(dial.callId);
    a.respond(bye, 200, 'OK');
    const off = await a.call('*79');
    expect((await off.final()).status).toBe(200);
    expect(presence('u1007').manual).toBeUndefined();
    // The caller may hang up first: the server answers the BYE itself.
    const again = await a.call('*79');
    const ok2 = await again.final();
    expect((await a.dialogOf(again, ok2).bye()).status).toBe(200);
  });

  test('S7.4 S4.5 an unknown code is 404 and a code the user cannot use is 403, each with the error code in a Warning', async () => {
    const a = await phone('1007');
    const unknown = await (await a.call('*99')).final();
    expect([unknown.status, header(unknown, 'warning')]).toEqual([404, expect.stringContaining('SWB_ERR_FAC_UNKNOWN')]);
    const notAgent = await (await a.call('*36')).final();
    expect([notAgent.status, header(notAgent, 'warning')]).toEqual([
      403,
      expect.stringContaining('SWB_ERR_AGENT_NO_QUEUES'),
    ]);
  });
});

describe('S7.4 S8.1 bad input and limits', () => {
  test('S7.4 a BYE for an unknown call is 481; CANCEL of nothing is 481', async () => {
    const a = await phone('1001', 'tcp');
    expect(
      (await a.ua.request('BYE', 'sip:1002@acme.test', [a.ua.from('1001'), ['To', '<sip:1002@acme.test>;tag=zz']]))
        .status,
    ).toBe(481);
    expect(
      (await a.ua.request('CANCEL', 'sip:1002@acme.test', [a.ua.from('1001'), ['To', '<sip:1002@acme.test>']])).status,
    ).toBe(481);
  });

  test('S7.4 an unknown extension is 404, an unknown domain 404, a wrong password 403, Max-Forwards 0 is 483, a 17 KB body 413', async () => {
    const a = await phone('1001');
    expect((await (await a.call('9999')).final()).status).toBe(404);
    const other = await a.ua.request('INVITE', 'sip:1002@nowhere.test', [
      a.ua.from('1001'),
      ['To', '<sip:1002@nowhere.test>'],
      ['Contact', a.ua.contact],
    ]);
    expect(other.status).toBe(404);
    const wrong = await openPhone('1001', { register: false, password: 'nope' });
    expect((await (await wrong.call('1002')).final()).status).toBe(403);
    expect((await (await a.call('1002', { headers: [['Max-Forwards', '0']], auth: false })).final()).status).toBe(483);
    expect((await (await a.call('1002', { body: 'x'.repeat(17 * 1024), auth: false })).final()).status).toBe(413);
  });

  test('S7.4 S5.2 a user of one company cannot call into another: credentials are checked in the callee company’s realm', async () => {
    const a = await openPhone('1001', { register: false });
    const res = await a.ua.request('INVITE', 'sip:1001@beta.test', [
      a.ua.from('1001', 'beta.test'),
      ['To', '<sip:1001@beta.test>'],
      ['Contact', a.ua.contact],
    ]);
    expect([res.status, header(res, 'proxy-authenticate')]).toEqual([
      407,
      expect.stringContaining('realm="beta.test"'),
    ]);
    const www = {
      ...res,
      headers: res.headers.map((x) => (x.key === 'proxy-authenticate' ? { ...x, key: 'www-authenticate' } : x)),
    };
    const again = await a.ua.request('INVITE', 'sip:1001@beta.test', [
      a.ua.from('1001', 'beta.test'),
      ['To', '<sip:1001@beta.test>'],
      ['Contact', a.ua.contact],
      ['Proxy-Authorization', digest(www, 'INVITE', 'sip:1001@beta.test', { user: '1001', password: 'pass1001' })],
    ]);
    expect(again.status).toBe(403);
  });

  test('S7.4 more calls at once than a company may have: 503 with Retry-After', async () => {
    const h2 = await sipHarness({ calls: { maxCallsPerTenant: 1 } });
    const a = await Phone.open(h2.port, '1001');
    const b = await Phone.open(h2.port, '1002');
    const c = await Phone.open(h2.port, '1003');
    const first = await a.call('1002');
    b.respond(await b.next('INVITE'), 180, 'Ringing', { toTag: 'l' });
    await first.provisional(180);
    const second = await (await c.call('1002')).final();
    expect([second.status, header(second, 'retry-after')]).toEqual([503, '5']);
    expect((await a.cancel(first)).status).toBe(200);
    for (const p of [a, b, c]) await p.close();
    await h2.close();
  });

  test('S7.4 more calls at once than a user may make: 403 with SWB_ERR_CALL_LIMIT; the server keeps serving', async () => {
    const h2 = await sipHarness({ calls: { maxCallsPerUser: 1 } });
    const a = await Phone.open(h2.port, '1001');
    const b = await Phone.open(h2.port, '1002');
    const first = await a.call('1002');
    const inv = await b.next('INVITE');
    b.respond(inv, 180, 'Ringing', { toTag: 'l' });
    await first.provisional(180);
    const second = await (await a.call('1002')).final();
    expect([second.status, header(second, 'warning')]).toEqual([403, expect.stringContaining('SWB_ERR_CALL_LIMIT')]);
    expect((await a.cancel(first)).status).toBe(200);
    await a.close();
    await b.close();
    await h2.close();
  });
});

describe.skipIf(!has('sipp'))('S7.4 a SIPp caller', () => {
  test('S7.4 S3.1#3 uac-invite-dnd-expect-480: SIPp answers the 407, gets the DND action (480) and ACKs it; the callee gets a missed call', async () => {
    await phone('1006');
    await run({ type: 'status.set', userId: 'u1006', status: 'dnd', by: admin });
    const missed = user('u1006').missedCalls;
    const r = await sipp('uac-invite-dnd-expect-480.xml', h.port, {
      user: '1005',
      password: 'pass1005',
      keys: { target: '1006' },
    });
    expect(r.code, `exit ${r.code}\n${r.errors}\n${r.stdout.slice(-1500)}`).toBe(0);
    expect(user('u1006').missedCalls).toBe(missed + 1);
    await run({ type: 'status.clear', userId: 'u1006', by: admin });
  });
});
