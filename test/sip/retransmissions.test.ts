// RFC 3261 §17.2 over real UDP: a retransmitted request (same branch) gets the very bytes of the
// first answer — a 401/407 challenge with the same To-tag and nonce as much as a 200 — and is not
// handled twice, until the transaction ends (Timer J = 64*T1 after its final response); after
// that the same request is new again. (Under load, a fresh 401 for a retransmitted REGISTER made
// sipp's second try carry a nonce of a challenge it never used: "expecting 200, received 401".)
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { header, parseMessage, serializeRequest } from '../../src/sip/message.js';
import type { SipResponse } from '../../src/sip/message.js';
import { sipHarness } from './harness.js';
import type { SipHarness } from './harness.js';
import { eventually } from './peers.js';
import { digest } from './ua.js';

/** A UDP peer that keeps every datagram it receives, raw, so answers can be compared byte for byte. */
class RawPeer {
  readonly received: Buffer[] = [];
  private constructor(
    private readonly sock: Socket,
    readonly port: number,
    private readonly serverPort: number,
  ) {}

  static async open(serverPort: number): Promise<RawPeer> {
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const peer = new RawPeer(sock, sock.address().port, serverPort);
    sock.on('message', (m) => peer.received.push(m));
    return peer;
  }

  send(bytes: Buffer): void {
    this.sock.send(bytes, this.serverPort, '127.0.0.1');
  }

  /** The responses received for `branch`, raw, once there are `count` of them. */
  async answers(branch: string, count: number): Promise<Buffer[]> {
    const mine = () =>
      this.received.filter((b) => b.toString('latin1').startsWith('SIP/2.0 ') && b.includes(`branch=${branch}`));
    return eventually(
      () => (mine().length >= count ? mine() : undefined),
      3000,
      () => `${count} answers for ${branch}, got ${mine().length}`,
    );
  }

  close(): Promise<void> {
    return new Promise((r) => this.sock.close(() => r()));
  }
}

function parsed(bytes: Buffer): SipResponse {
  const r = parseMessage(bytes);
  if (!r.ok || r.message.kind !== 'response') throw new Error('not a response');
  return r.message;
}

function request(
  peer: RawPeer,
  method: string,
  uri: string,
  branch: string,
  callId: string,
  cseq: number,
  headers: [string, string][],
): Buffer {
  return serializeRequest(method, uri, [
    ['Via', `SIP/2.0/UDP 127.0.0.1:${peer.port};branch=${branch};rport`],
    ['Max-Forwards', '70'],
    ['Call-ID', callId],
    ['CSeq', `${cseq} ${method}`],
    ...headers,
  ]);
}

const nonceOf = (r: SipResponse): string | undefined =>
  /nonce="([^"]*)"/.exec(header(r, 'www-authenticate') ?? header(r, 'proxy-authenticate') ?? '')?.[1];

describe('retransmissions over UDP', () => {
  let h: SipHarness;
  let peer: RawPeer;
  beforeAll(async () => {
    h = await sipHarness();
    peer = await RawPeer.open(h.port);
  });
  afterAll(async () => {
    await peer.close();
    await h.close();
  });

  test('S7.1 a REGISTER sent twice gets byte-identical 401s (same To-tag, same nonce); the authenticated REGISTER then works', async () => {
    const headers: [string, string][] = [
      ['From', '<sip:1001@acme.test>;tag=r1'],
      ['To', '<sip:1001@acme.test>'],
      ['Contact', `<sip:1001@127.0.0.1:${peer.port}>`],
      ['Expires', '600'],
    ];
    const first = request(peer, 'REGISTER', 'sip:acme.test', 'z9hG4bKreg1', 'reg-1@test', 1, headers);
    peer.send(first);
    const [a] = await peer.answers('z9hG4bKreg1', 1);
    peer.send(Buffer.from(first));
    const [, b] = await peer.answers('z9hG4bKreg1', 2);
    expect(parsed(a!).status).toBe(401);
    expect(b!.equals(a!)).toBe(true);
    expect(nonceOf(parsed(b!))).toBe(nonceOf(parsed(a!)));

    const auth = digest(parsed(a!), 'REGISTER', 'sip:acme.test', { user: '1001', password: 'pass1001' });
    const second = request(peer, 'REGISTER', 'sip:acme.test', 'z9hG4bKreg2', 'reg-1@test', 2, [
      ...headers,
      ['Authorization', auth],
    ]);
    peer.send(second);
    const [ok] = await peer.answers('z9hG4bKreg2', 1);
    expect(parsed(ok!).status).toBe(200);
    expect(h.sip.devices('acme', 'u1001').bindings).toHaveLength(1);
    // Its retransmission is the same 200, not a replayed nonce-count (which would be a 401).
    peer.send(second);
    const [, okAgain] = await peer.answers('z9hG4bKreg2', 2);
    expect(okAgain!.equals(ok!)).toBe(true);
  });

  test('S7.2 a retransmitted SUBSCRIBE gets the identical 401 and then the identical 200, and no second subscription is made', async () => {
    const uri = 'sip:1002@acme.test';
    const headers: [string, string][] = [
      ['From', '<sip:1003@acme.test>;tag=s1'],
      ['To', `<${uri}>`],
      ['Contact', `<sip:1003@127.0.0.1:${peer.port}>`],
      ['Event', 'presence'],
      ['Expires', '600'],
    ];
    const challengeReq = request(peer, 'SUBSCRIBE', uri, 'z9hG4bKsub1', 'sub-1@test', 1, headers);
    peer.send(challengeReq);
    peer.send(challengeReq);
    // While it is being handled the copy is absorbed; once answered, copies get the same answer.
    await peer.answers('z9hG4bKsub1', 1);
    peer.send(challengeReq);
    const challenges = await peer.answers('z9hG4bKsub1', 2);
    expect(parsed(challenges[0]!).status).toBe(401);
    expect(challenges[1]!.equals(challenges[0]!)).toBe(true);

    const before = h.sip.stats().subscriptions;
    const auth = digest(parsed(challenges[0]!), 'SUBSCRIBE', uri, { user: '1003', password: 'pass1003' });
    const subscribe = request(peer, 'SUBSCRIBE', uri, 'z9hG4bKsub2', 'sub-1@test', 2, [
      ...headers,
      ['Authorization', auth],
    ]);
    peer.send(subscribe);
    const [ok] = await peer.answers('z9hG4bKsub2', 1);
    peer.send(subscribe);
    const [, again] = await peer.answers('z9hG4bKsub2', 2);
    expect(parsed(ok!).status).toBe(200);
    expect(again!.equals(ok!)).toBe(true);
    expect(h.sip.stats().subscriptions).toBe(before + 1);
    expect(h.sip.devices('acme', 'u1002').watchedBy).toHaveLength(1);
  });

  test('S8.1 a retransmitted INVITE gets the identical 407; a refusal (420) is answered identically too', async () => {
    const invite = request(peer, 'INVITE', 'sip:1002@acme.test', 'z9hG4bKinv1', 'inv-1@test', 1, [
      ['From', '<sip:1001@acme.test>;tag=i1'],
      ['To', '<sip:1002@acme.test>'],
      ['Contact', `<sip:1001@127.0.0.1:${peer.port}>`],
    ]);
    peer.send(invite);
    await peer.answers('z9hG4bKinv1', 1);
    peer.send(invite);
    const [a, b] = await peer.answers('z9hG4bKinv1', 2);
    expect(parsed(a!).status).toBe(407);
    expect(nonceOf(parsed(a!))).toBeDefined();
    expect(b!.equals(a!)).toBe(true);

    const options = request(peer, 'OPTIONS', 'sip:1001@nowhere.test', 'z9hG4bKopt1', 'opt-1@test', 1, [
      ['From', '<sip:x@nowhere.test>;tag=o1'],
      ['To', '<sip:1001@nowhere.test>'],
      ['Require', 'foo'],
    ]);
    peer.send(options);
    await peer.answers('z9hG4bKopt1', 1);
    peer.send(options);
    const [c, d] = await peer.answers('z9hG4bKopt1', 2);
    expect(parsed(c!).status).toBe(420);
    expect(d!.equals(c!)).toBe(true);
  });
});

describe('retransmissions after the transaction ended', () => {
  test('S8.1 after Timer J (64*T1) the same request is new: a fresh challenge with another nonce', async () => {
    // T1 = 10 ms: Timer J is 640 ms.
    const h = await sipHarness({ timers: { t1Ms: 10, t2Ms: 40 } });
    const peer = await RawPeer.open(h.port);
    try {
      const register = request(peer, 'REGISTER', 'sip:acme.test', 'z9hG4bKlate', 'late-1@test', 1, [
        ['From', '<sip:1004@acme.test>;tag=l1'],
        ['To', '<sip:1004@acme.test>'],
        ['Contact', `<sip:1004@127.0.0.1:${peer.port}>`],
      ]);
      peer.send(register);
      const [first] = await peer.answers('z9hG4bKlate', 1);
      const sentAt = Date.now();
      peer.send(register);
      const [, inTime] = await peer.answers('z9hG4bKlate', 2);
      expect(Date.now() - sentAt).toBeLessThan(640);
      expect(inTime!.equals(first!)).toBe(true);
      // Polled on the real socket: once Timer J has run out, a copy is handled again.
      const late = await eventually(
        async () => {
          const seen = (await peer.answers('z9hG4bKlate', 1)).length;
          peer.send(register);
          const all = await peer.answers('z9hG4bKlate', seen + 1);
          const last = all[all.length - 1]!;
          return last.equals(first!) ? undefined : last;
        },
        5000,
        'a new answer after Timer J',
      );
      expect(parsed(late).status).toBe(401);
      expect(nonceOf(parsed(late))).not.toBe(nonceOf(parsed(first!)));
      expect(header(parsed(late), 'to')).not.toBe(header(parsed(first!), 'to'));
    } finally {
      await peer.close();
      await h.close();
    }
  });

  test('S8.1 past the cap on remembered transactions the oldest is forgotten first', async () => {
    const h = await sipHarness({ maxServerTransactions: 2 });
    const peer = await RawPeer.open(h.port);
    try {
      const opts = (n: number) =>
        request(peer, 'OPTIONS', 'sip:acme.test', `z9hG4bKcap${n}`, `cap-${n}@test`, 1, [
          ['From', '<sip:1001@acme.test>;tag=c'],
          ['To', '<sip:acme.test>'],
        ]);
      for (const n of [1, 2, 3]) {
        peer.send(opts(n));
        await peer.answers(`z9hG4bKcap${n}`, 1);
      }
      expect(h.sip.stats().serverTransactions).toBe(2);
      const [first] = await peer.answers('z9hG4bKcap1', 1);
      peer.send(opts(1));
      const [, again] = await peer.answers('z9hG4bKcap1', 2);
      // Forgotten: answered anew (a 200 with a new To-tag), not from the cache.
      expect(parsed(again!).status).toBe(200);
      expect(again!.equals(first!)).toBe(false);
    } finally {
      await peer.close();
      await h.close();
    }
  });
});
