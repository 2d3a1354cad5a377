// SIP threads (docs/sip.md) over real UDP: with `threads`, a front thread owns the socket and
// answers on its own what needs no engine state — a first challenge for a domain the server has
// served, retransmissions, and 503 while the server is behind — and leaves the rest to the main
// thread, which must answer as the one-thread server does. (SWB_SIP_THREADS=1 runs the whole SIP
// suite this way.)
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { OverloadMonitor } from '../../src/shared/overload.js';
import type { OverloadSignal } from '../../src/shared/overload.js';
import { header, parseMessage, serializeRequest } from '../../src/sip/message.js';
import type { SipResponse } from '../../src/sip/message.js';
import { sipHarness } from './harness.js';
import type { SipHarness } from './harness.js';
import { SCENARIOS } from './peers.js';
import { TestUa, digest } from './ua.js';

let h: SipHarness;
const behind = new OverloadMonitor({ loopDelayMs: 0, sipLoopDelayMs: 0, httpInFlight: 0 });
let shedding = false;
const overload: OverloadSignal = {
  cause: (surface) => (shedding ? behind.cause(surface) : undefined),
  httpStarted: () => behind.httpStarted(),
  count: (surface) => behind.count(surface),
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  h = await sipHarness({ threads: true, overload, maxAuthFailuresPerMinute: 2 });
});
afterAll(async () => h.close());

/** A REGISTER as bytes (to send again as it is) for `ext`, with extra headers. */
function register(ua: TestUa, ext: string, headers: [string, string][] = [], domain = 'acme.test') {
  const branch = `z9hG4bK${randomBytes(6).toString('hex')}`;
  const callId = `${randomBytes(6).toString('hex')}@t`;
  const bytes = (more: [string, string][] = [], cseq = 1, b = branch) =>
    serializeRequest('REGISTER', `sip:${domain}`, [
      ['Via', `SIP/2.0/UDP ${ua.localAddress}:${ua.localPort};branch=${b};rport`],
      ['Max-Forwards', '70'],
      ['Call-ID', callId],
      ['CSeq', `${cseq} REGISTER`],
      ua.from(ext, domain),
      ['To', `<sip:${ext}@${domain}>`],
      ['Contact', ua.contact],
      ...headers,
      ...more,
    ]);
  return { bytes, branch };
}

/** Every answer the UA gets for `branch`, raw, once there are `count`. */
async function raw(ua: TestUa, branch: string, count: number): Promise<Buffer[]> {
  const mine = () => ua.rawResponses.filter((b) => b.includes(`branch=${branch}`));
  for (let i = 0; i < 300 && mine().length < count; i++) await sleep(10);
  expect(mine().length).toBe(count);
  return mine();
}

const parsed = (b: Buffer): SipResponse => {
  const r = parseMessage(b);
  if (!r.ok || r.message.kind !== 'response') throw new Error('not a response');
  return r.message;
};

describe('SIP threads: the front thread', () => {
  test('S7.1 a REGISTER is challenged, its retransmission gets the same bytes, and the nonce is good for the main thread', async () => {
    const ua = await TestUa.open('udp', h.port);
    // The first request for the domain goes to the main thread, which tells the front its realm.
    const first = register(ua, '1001');
    ua.send(first.bytes());
    expect(parsed((await raw(ua, first.branch, 1))[0]!).status).toBe(401);
    await sleep(20);
    const req = register(ua, '1001');
    ua.send(req.bytes());
    const [challenge] = await raw(ua, req.branch, 1);
    ua.send(req.bytes());
    const [, again] = await raw(ua, req.branch, 2);
    expect(again!.equals(challenge!)).toBe(true);
    const auth = digest(parsed(challenge!), 'REGISTER', 'sip:acme.test', { user: '1001', password: 'pass1001' });
    const branch2 = `z9hG4bK${randomBytes(6).toString('hex')}`;
    ua.send(req.bytes([['Authorization', auth]], 2, branch2));
    const [ok] = await raw(ua, branch2, 1);
    expect(parsed(ok!).status).toBe(200);
    // Its retransmission gets the main thread's 200 again, from the front.
    ua.send(req.bytes([['Authorization', auth]], 2, branch2));
    const [, okAgain] = await raw(ua, branch2, 2);
    expect(okAgain!.equals(ok!)).toBe(true);
    expect(h.sip.devices('acme', 'u1001').bindings.length).toBe(1);
    await ua.close();
  });

  test('S7.1 the front challenges, and answers the retransmission, while the main thread is blocked', () => {
    // sipp runs to its end while this (the main) thread waits for it: every answer it gets comes
    // from the front (acme.test was served by the main thread in the test before).
    const run = spawnSync(
      'sipp',
      [
        '-sf',
        join(SCENARIOS, 'uac-register-retransmitted-expect-same-401.xml'),
        ...['-i', '127.0.0.1', '-p', '0', '-m', '1', '-s', '1006', '-nostdin', '-timeout', '5s', '-timeout_error'],
        ...['-key', 'domain', 'acme.test', '-key', 'expires', '600', `127.0.0.1:${h.port}`],
      ],
      { encoding: 'utf8', timeout: 15_000 },
    );
    expect(run.status, run.stdout.slice(-2000)).toBe(0);
  });

  test('S8.1 what the checks before digest refuse is answered by the main thread as before', async () => {
    const ua = await TestUa.open('udp', h.port);
    const unknown = register(ua, '1002', [], 'nowhere.test');
    ua.send(unknown.bytes());
    expect(parsed((await raw(ua, unknown.branch, 1))[0]!).status).toBe(404);
    const badExpires = register(ua, '1002', [['Expires', 'soon']]);
    ua.send(badExpires.bytes());
    const res = parsed((await raw(ua, badExpires.branch, 1))[0]!);
    expect([res.status, res.reason]).toEqual([400, 'Bad Request: Expires']);
    const requires = register(ua, '1002', [['Require', 'foo']]);
    ua.send(requires.bytes());
    expect(parsed((await raw(ua, requires.branch, 1))[0]!).status).toBe(420);
    await ua.close();
  });

  test('S8.3 while behind, a new REGISTER gets 503 with Retry-After from the front, counted once', async () => {
    const ua = await TestUa.open('udp', h.port);
    shedding = true;
    await sleep(30);
    try {
      const before = behind.shed.sip;
      const req = register(ua, '1003');
      ua.send(req.bytes());
      ua.send(req.bytes());
      const [first, again] = await raw(ua, req.branch, 2);
      expect([parsed(first!).status, header(parsed(first!), 'retry-after')]).toEqual([503, '1']);
      expect(again!.equals(first!)).toBe(true);
      await sleep(30);
      expect(behind.shed.sip).toBe(before + 1);
    } finally {
      shedding = false;
      await sleep(30);
      await ua.close();
    }
  });

  test('S5.4 an address that failed digest is left to the main thread, which refuses it once blocked', async () => {
    // Another loopback address: the block lasts a minute.
    const ua = await TestUa.open('udp', h.port, '127.0.0.2');
    for (let i = 0; i < 2; i++) {
      const req = register(ua, '1004');
      ua.send(req.bytes());
      const challenge = parsed((await raw(ua, req.branch, 1))[0]!);
      const auth = digest(challenge, 'REGISTER', 'sip:acme.test', { user: '1004', password: 'wrong' });
      const branch = `z9hG4bK${randomBytes(6).toString('hex')}`;
      ua.send(req.bytes([['Authorization', auth]], 2, branch));
      expect(parsed((await raw(ua, branch, 1))[0]!).status).toBe(403);
    }
    await sleep(20);
    // Without credentials: the front would challenge; the main thread knows the address is blocked.
    const req = register(ua, '1004');
    ua.send(req.bytes());
    const res = parsed((await raw(ua, req.branch, 1))[0]!);
    expect([res.status, res.reason]).toEqual([403, 'Forbidden (too many failed attempts)']);
    await ua.close();
  });
});
