// S8.1 SIP over TCP against a hostile peer, over real sockets: request smuggling through two
// Content-Lengths (one rule for framing: a second one, long or compact, or a malformed one loses
// the stream: 400 and the connection closes, the hidden request is never served), and peers that
// hold connections with half a message (a message timeout, here 300 ms; a cap per address).
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { StreamFramer } from '../../src/sip/framing.js';
import { header, parseMessage } from '../../src/sip/message.js';
import type { SipResponse } from '../../src/sip/message.js';
import { sipHarness } from './harness.js';
import type { SipHarness } from './harness.js';

const MESSAGE_TIMEOUT_MS = 300;
const PER_ADDRESS = 4;

let h: SipHarness;
beforeAll(async () => {
  h = await sipHarness({ tcp: { messageTimeoutMs: MESSAGE_TIMEOUT_MS, maxConnectionsPerAddress: PER_ADDRESS } });
});
afterAll(async () => h.close());

function options(callId: string, extra = '', transport = 'TCP'): string {
  return (
    [
      'OPTIONS sip:acme.test SIP/2.0',
      `Via: SIP/2.0/${transport} 127.0.0.1:5999;branch=z9hG4bK${callId}`,
      'Max-Forwards: 70',
      'From: <sip:1001@acme.test>;tag=a1',
      'To: <sip:acme.test>',
      `Call-ID: ${callId}`,
      'CSeq: 1 OPTIONS',
    ].join('\r\n') + `\r\n${extra}`
  );
}

/** The hidden request: answered 200 by any server that reads it. */
const INNER = `${options('inner', 'Content-Length: 0\r\n')}\r\n`;

/** A raw TCP connection from a loopback address: its responses, and when it closed. */
interface Raw {
  readonly socket: Socket;
  readonly responses: SipResponse[];
  readonly closed: Promise<number>;
}

async function open(localAddress = '127.0.0.1'): Promise<Raw> {
  const socket = connect({ host: '127.0.0.1', port: h.port, localAddress });
  const responses: SipResponse[] = [];
  const framer = new StreamFramer();
  socket.on('data', (d: Buffer) => {
    for (const f of framer.push(d)) {
      const p = f.type === 'message' ? parseMessage(f.bytes, { stream: true }) : undefined;
      if (p?.ok && p.message.kind === 'response') responses.push(p.message);
    }
  });
  socket.on('error', () => {});
  const closed = new Promise<number>((r) => socket.once('close', () => r(Date.now())));
  await new Promise<void>((r) => socket.once('connect', () => r()));
  return { socket, responses, closed };
}

const isOpen = async (raw: Raw, ms: number): Promise<boolean> =>
  Promise.race([raw.closed.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), ms))]);

async function optionsOk(localAddress: string): Promise<number | undefined> {
  const raw = await open(localAddress);
  raw.socket.write(`${options(`ok${Math.random()}`, 'Content-Length: 0\r\n')}\r\n`);
  for (let i = 0; i < 100 && raw.responses.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  raw.socket.destroy();
  return raw.responses[0]?.status;
}

describe('S8.1 SIP/TCP request smuggling: one Content-Length rule', () => {
  const smuggled: [string, string][] = [
    ['Content-Length: 0 then Content-Length: N', `Content-Length: 0\r\nContent-Length: ${INNER.length}\r\n`],
    ['compact l: 0 then Content-Length: N', `l: 0\r\nContent-Length: ${INNER.length}\r\n`],
    ['Content-Length: N then compact l: 0', `Content-Length: ${INNER.length}\r\nl:0\r\n`],
    ['a Content-Length the parser cannot read (+N)', `Content-Length: +${INNER.length}\r\n`],
    ['a folded Content-Length', `Content-Length:\r\n ${INNER.length}\r\n`],
  ];

  test.each(smuggled)(
    'S8.1 %s: the message is answered 400, the connection closes, the hidden request gets nothing',
    async (_name, lengths) => {
      const raw = await open();
      raw.socket.write(`${options('outer', lengths)}\r\n${INNER}`);
      const closed = !(await isOpen(raw, 1500));
      // Before the rule: [400, 'outer'] and then [200, 'inner'], the hidden request served.
      expect(raw.responses.map((r) => [r.status, header(r, 'call-id')])).toEqual([[400, 'outer']]);
      expect(closed).toBe(true);
      expect(raw.responses[0]!.reason).toMatch(/Content-Length.*closing the connection/);
    },
  );

  test('S8.1 the same smuggling in one UDP datagram is 400 and the hidden request is discarded', async () => {
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const got: SipResponse[] = [];
    sock.on('message', (m) => {
      const p = parseMessage(m);
      if (p.ok && p.message.kind === 'response') got.push(p.message);
    });
    sock.send(
      `${options('udp-outer', `Content-Length: 0\r\nContent-Length: ${INNER.length}\r\n`, 'UDP')}\r\n${INNER}`,
      h.port,
      '127.0.0.1',
    );
    await new Promise((r) => setTimeout(r, 400));
    sock.close();
    expect(got.map((r) => [r.status, header(r, 'call-id')])).toEqual([[400, 'udp-outer']]);
  });

  test('S8.1 well-framed pipelined messages on one connection are all served, and it stays open', async () => {
    const raw = await open();
    raw.socket.write(
      `${options('p1', 'Content-Length: 0\r\n')}\r\n${options('p2', 'l: 0\r\n')}\r\n${options('p3')}\r\n`,
    );
    for (let i = 0; i < 100 && raw.responses.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
    expect(raw.responses.map((r) => [r.status, header(r, 'call-id')])).toEqual([
      [200, 'p1'],
      [200, 'p2'],
      [200, 'p3'],
    ]);
    expect(await isOpen(raw, 50)).toBe(true);
    raw.socket.destroy();
  });
});

describe('S8.1 SIP/TCP connections that hold half a message', () => {
  test('S8.1 half a message is closed after the message timeout, even while bytes trickle in; a whole one in two parts is served', async () => {
    const raw = await open('127.0.0.7');
    const start = Date.now();
    raw.socket.write('REGISTER sip:acme.test SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.7;branch=z9hG4bKslow\r\n');
    // One byte every 50 ms: traffic, but the message never ends (the idle timeout is 15 minutes).
    const drip = setInterval(() => raw.socket.writable && raw.socket.write('X'), 50);
    const closedAt = await raw.closed;
    clearInterval(drip);
    expect(closedAt - start).toBeGreaterThanOrEqual(MESSAGE_TIMEOUT_MS - 20);
    expect(closedAt - start).toBeLessThan(MESSAGE_TIMEOUT_MS + 1500);

    const split = await open('127.0.0.7');
    const whole = `${options('split', 'Content-Length: 0\r\n')}\r\n`;
    split.socket.write(whole.slice(0, 40));
    await new Promise((r) => setTimeout(r, MESSAGE_TIMEOUT_MS / 3));
    split.socket.write(whole.slice(40));
    for (let i = 0; i < 100 && split.responses.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(split.responses.map((r) => r.status)).toEqual([200]);
    // Whole messages reset nothing: the connection then idles without a deadline.
    expect(await isOpen(split, MESSAGE_TIMEOUT_MS * 2)).toBe(true);
    split.socket.destroy();
  });

  test('S8.1 keep-alive line breaks between messages are not half a message: the connection stays open', async () => {
    const raw = await open('127.0.0.7');
    raw.socket.write(`${options('first', 'Content-Length: 0\r\n')}\r\n`);
    raw.socket.write('\r\n');
    expect(await isOpen(raw, MESSAGE_TIMEOUT_MS * 2)).toBe(true);
    raw.socket.write(`${options('after-crlf', 'Content-Length: 0\r\n')}\r\n`);
    for (let i = 0; i < 100 && raw.responses.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(raw.responses.map((r) => r.status)).toEqual([200, 200]);
    raw.socket.destroy();
  });

  test('S8.1 a connection that brings no message (silent, or keep-alives only) is closed after the message timeout', async () => {
    const silent = await open('127.0.0.7');
    const crlf = await open('127.0.0.7');
    const start = Date.now();
    const pings = setInterval(() => crlf.socket.writable && crlf.socket.write('\r\n\r\n'), 50);
    const closed = await Promise.all([silent.closed, crlf.closed]);
    clearInterval(pings);
    for (const at of closed) expect(at - start).toBeLessThan(MESSAGE_TIMEOUT_MS + 1500);
  });

  test('S8.1 one address holds at most 4 connections (here): more are closed at once, other addresses are served, and room comes back', async () => {
    const held = await Promise.all(Array.from({ length: 10 }, () => open('127.0.0.8')));
    for (const raw of held)
      raw.socket.write('OPTIONS sip:acme.test SIP/2.0\r\nVia: SIP/2.0/TCP x;branch=z9hG4bKhalf\r\n');
    const opened = Date.now();
    const open100 = await Promise.all(held.map((raw) => isOpen(raw, 100)));
    expect(open100.filter((x) => x).length).toBe(PER_ADDRESS);
    // Meanwhile another address is served.
    expect(await optionsOk('127.0.0.9')).toBe(200);
    // The held ones go at the message timeout, not 15 minutes later; then the address is served again.
    const closes = await Promise.all(held.map((raw) => raw.closed));
    expect(Math.max(...closes) - opened).toBeLessThan(MESSAGE_TIMEOUT_MS + 1500);
    expect(await optionsOk('127.0.0.8')).toBe(200);
    // Every connection, the refused ones included, is gone from the server's books.
    for (let i = 0; i < 50 && h.sip.stats().connections > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(h.sip.stats().connections).toBe(0);
  });
});
