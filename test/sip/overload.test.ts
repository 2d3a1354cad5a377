// S8.3 over real UDP: while the server is behind, new out-of-dialog requests are shed with 503 and
// Retry-After before any digest work, and what is under way goes on — requests inside a dialog,
// BYE and CANCEL, answers to our NOTIFYs — and a retransmission gets the answer its first copy got.
// The overload signal is a real OverloadMonitor whose limit of 0 says "behind" at once (the test
// turns it on and off) rather than a busy CPU. S6.4/S7.2: changes made while a NOTIFY is still
// unanswered are coalesced, and the last NOTIFY of the dialog carries the latest state.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { OverloadMonitor } from '../../src/shared/overload.js';
import type { OverloadSignal } from '../../src/shared/overload.js';
import { header, serializeRequest } from '../../src/sip/message.js';
import type { SipRequest, SipResponse } from '../../src/sip/message.js';
import { ADMIN, sipHarness } from './harness.js';
import type { SipHarness } from './harness.js';
import { TestUa } from './ua.js';

let h: SipHarness;
const behind = new OverloadMonitor({ loopDelayMs: 0, sipLoopDelayMs: 0, httpInFlight: 0 });
let shedding = false;
/**
 * Turns "behind" on or off, then waits for the SIP front thread (SWB_SIP_THREADS=1) to read it:
 * the server reads the signal every 10 ms, as the monitor itself samples the loop every 10 ms.
 */
async function behindNow(on: boolean): Promise<void> {
  shedding = on;
  await new Promise((r) => setTimeout(r, 30));
}
const overload: OverloadSignal = {
  cause: (surface) => (shedding ? behind.cause(surface) : undefined),
  httpStarted: () => behind.httpStarted(),
  count: (surface) => behind.count(surface),
};

beforeAll(async () => {
  h = await sipHarness({ overload, timers: { t1Ms: 100, t2Ms: 400 } });
});
afterAll(async () => h.close());

const online = (userId: string) =>
  h.run({ type: 'registration.set', userId, id: 'r1', kind: 'app', expiresAt: Date.now() + 600_000 });

/** A request as bytes with its branch, to send (and send again) as it is. */
function raw(ua: TestUa, method: string, uri: string, headers: [string, string][]): { bytes: Buffer; branch: string } {
  const branch = `z9hG4bK${randomBytes(6).toString('hex')}`;
  const bytes = serializeRequest(method, uri, [
    ['Via', `SIP/2.0/UDP 127.0.0.1:${ua.localPort};branch=${branch};rport`],
    ['Max-Forwards', '70'],
    ['Call-ID', `${randomBytes(6).toString('hex')}@t`],
    ['CSeq', `1 ${method}`],
    ...headers,
  ]);
  return { bytes, branch };
}

const answerTo = (ua: TestUa, branch: string) =>
  ua.wait<SipResponse>((m) => m.kind === 'response' && (header(m, 'via') ?? '').includes(branch));

function outOfDialog(ua: TestUa, method: string, target = '1002'): { bytes: Buffer; branch: string } {
  const uri = method === 'REGISTER' ? 'sip:acme.test' : `sip:${target}@acme.test`;
  const to = method === 'REGISTER' ? '<sip:1001@acme.test>' : `<${uri}>`;
  return raw(ua, method, uri, [
    ua.from('1001'),
    ['To', to],
    ['Contact', ua.contact],
    ...(method === 'SUBSCRIBE' || method === 'PUBLISH' ? ([['Event', 'presence']] as [string, string][]) : []),
  ]);
}

async function subscribeDialog(ua: TestUa, target: string): Promise<{ callId: string; toTag: string }> {
  const callId = `${randomBytes(6).toString('hex')}@t`;
  const uri = `sip:${target}@acme.test`;
  const res = await ua.authed(
    'SUBSCRIBE',
    uri,
    [ua.from('1001'), ['To', `<${uri}>`], ['Contact', ua.contact], ['Event', 'dialog'], ['Expires', '600']],
    { user: '1001', password: 'pass1001' },
    '',
    { callId },
  );
  expect(res.status).toBe(200);
  return { callId, toTag: /;tag=([^;]+)/.exec(header(res, 'to') ?? '')![1]! };
}

const blf = (m: SipRequest) => /<state>([a-z]+)<\/state>/.exec(m.body.toString())?.[1];

describe('S8.3 SIP overload shedding', () => {
  test('S8.3 while behind, a new REGISTER gets 503 with Retry-After, not a challenge; its retransmission gets the same bytes', async () => {
    const ua = await TestUa.open('udp', h.port);
    await behindNow(true);
    try {
      const before = behind.shed.sip;
      const req = outOfDialog(ua, 'REGISTER');
      ua.send(req.bytes);
      const first = await answerTo(ua, req.branch);
      expect([first.status, header(first, 'retry-after'), header(first, 'www-authenticate')]).toEqual([
        503,
        '1',
        undefined,
      ]);
      ua.send(req.bytes);
      const again = await answerTo(ua, req.branch);
      expect([again.status, header(again, 'to')]).toEqual([503, header(first, 'to')]);
      // The retransmission was answered from the transaction, not shed a second time (a front
      // thread reports what it shed with its next batch, within a turn).
      await new Promise((r) => setTimeout(r, 30));
      expect(behind.shed.sip).toBe(before + 1);
    } finally {
      await behindNow(false);
      await ua.close();
    }
  });

  test('S8.3 while behind, out-of-dialog SUBSCRIBE, PUBLISH, INVITE and OPTIONS get 503 with Retry-After', async () => {
    const ua = await TestUa.open('udp', h.port);
    await behindNow(true);
    try {
      for (const method of ['SUBSCRIBE', 'PUBLISH', 'INVITE', 'OPTIONS']) {
        const req = outOfDialog(ua, method);
        ua.send(req.bytes);
        const res = await answerTo(ua, req.branch);
        expect([method, res.status, header(res, 'retry-after')]).toEqual([method, 503, '1']);
      }
    } finally {
      await behindNow(false);
      await ua.close();
    }
    // Once the server has caught up, the same kind of request is served again.
    const ok = await TestUa.open('udp', h.port);
    const req = outOfDialog(ok, 'OPTIONS');
    ok.send(req.bytes);
    expect((await answerTo(ok, req.branch)).status).toBe(200);
    await ok.close();
  });

  test('S8.3 a request answered before the overload gets that answer again on retransmission while behind', async () => {
    const ua = await TestUa.open('udp', h.port);
    const req = outOfDialog(ua, 'REGISTER');
    ua.send(req.bytes);
    const challenge = await answerTo(ua, req.branch);
    expect(challenge.status).toBe(401);
    await behindNow(true);
    try {
      ua.send(req.bytes);
      const again = await answerTo(ua, req.branch);
      expect([again.status, header(again, 'www-authenticate')]).toEqual([401, header(challenge, 'www-authenticate')]);
    } finally {
      await behindNow(false);
      await ua.close();
    }
  });

  test('S8.3 while behind, an in-dialog SUBSCRIBE refresh is answered 200 with a NOTIFY, and BYE and CANCEL are answered, not shed', async () => {
    const ua = await TestUa.open('udp', h.port);
    await online('u1003');
    const sub = await subscribeDialog(ua, '1003');
    await ua.nextNotify();
    await behindNow(true);
    try {
      const uri = 'sip:1003@acme.test';
      const refresh = await ua.request(
        'SUBSCRIBE',
        uri,
        [ua.from('1001'), ['To', `<${uri}>;tag=${sub.toTag}`], ['Contact', ua.contact], ['Event', 'dialog']],
        '',
        { callId: sub.callId },
      );
      expect(refresh.status).toBe(200);
      expect(header(await ua.nextNotify(), 'subscription-state')).toMatch(/^active/);
      // A change while behind still reaches the watcher.
      await h.run({ type: 'status.set', userId: 'u1003', status: 'dnd', by: ADMIN });
      expect(blf(await ua.nextNotify())).toBe('confirmed');
      for (const method of ['BYE', 'CANCEL']) {
        const res = await ua.request(method, uri, [ua.from('1001'), ['To', `<${uri}>`]]);
        expect([method, res.status]).toEqual([method, 481]);
      }
    } finally {
      await behindNow(false);
      await ua.close();
    }
  });
});

describe('S6.4 NOTIFYs under a burst', () => {
  test('S7.2 S6.4 changes made while a NOTIFY is unanswered are coalesced: one more NOTIFY, with the latest state', async () => {
    const ua = await TestUa.open('udp', h.port);
    await online('u1004');
    ua.notifyAnswer = 0;
    const sub = await subscribeDialog(ua, '1004');
    const initial = await ua.nextNotify();
    expect(blf(initial)).toBe('terminated');
    const statuses = ['dnd', 'available', 'busy', 'available', 'dnd'] as const;
    for (const status of statuses) await h.run({ type: 'status.set', userId: 'u1004', status, by: ADMIN });
    // Only the unanswered NOTIFY is on the wire meanwhile (retransmitted, same CSeq).
    await new Promise((r) => setTimeout(r, 300));
    const cseqs = () =>
      new Set(ua.requests.filter((m) => header(m, 'call-id') === sub.callId).map((m) => header(m, 'cseq')));
    expect(cseqs().size).toBe(1);
    ua.answer(initial, 200);
    ua.notifyAnswer = 200;
    const next = await ua.wait<SipRequest>(
      (m) => m.kind === 'request' && m.method === 'NOTIFY' && header(m, 'cseq') !== header(initial, 'cseq'),
    );
    expect(blf(next)).toBe('confirmed');
    await new Promise((r) => setTimeout(r, 300));
    expect(cseqs().size).toBe(2);
    await ua.close();
  });
});
