// S7.4 the proxy's message rewriting and answers, as pure functions over parsed messages.
import { describe, expect, test } from 'vitest';
import { actionAnswer, inactiveAnswer } from '../../src/sip/call-answers.js';
import { header, headerValues, parseMessage } from '../../src/sip/message.js';
import type { SipRequest, SipResponse } from '../../src/sip/message.js';
import { forwardedRequest, viaHop, withoutTopVia } from '../../src/sip/proxy.js';

const parse = <T>(text: string): T => {
  const r = parseMessage(Buffer.from(text.replace(/\r?\n/g, '\r\n')));
  if (!r.ok) throw new Error(r.reason);
  return r.message as T;
};

const INVITE = `INVITE sip:1002@acme.test SIP/2.0
Via: SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bKa;rport, SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKb
Max-Forwards: 70
Route: <sip:127.0.0.1:5060;lr>, <sip:other.example;lr>
From: <sip:1001@acme.test>;tag=f
To: <sip:1002@acme.test>
Call-ID: c1
CSeq: 2 INVITE
Proxy-Authorization: Digest username="1001"
Content-Type: application/sdp
Content-Length: 5

v=0
`;

describe('S7.4 forwarding a request (RFC 3261 §16.6)', () => {
  test('S7.4 our Via on top, the caller’s Via stamped, our Route and credentials gone, Max-Forwards one less, Record-Route added', () => {
    const req = parse<SipRequest>(INVITE);
    const { bytes, routes } = forwardedRequest(req, {
      uri: 'sip:ua@10.0.0.9:5070',
      via: 'SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKcX;rport',
      stampedVia: 'SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bKa;rport=5062;received=10.0.0.5',
      recordRoute: '<sip:127.0.0.1:5060;lr>',
      isOwnRoute: (v) => v.includes('127.0.0.1:5060'),
      dropCredentials: true,
    });
    const out = parse<SipRequest>(bytes.toString());
    expect(out.uri).toBe('sip:ua@10.0.0.9:5070');
    expect(headerValues(out, 'via')).toEqual([
      'SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKcX;rport',
      'SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bKa;rport=5062;received=10.0.0.5',
      'SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKb',
    ]);
    expect(routes).toEqual(['<sip:other.example;lr>']);
    expect(headerValues(out, 'route')).toEqual(['<sip:other.example;lr>']);
    expect([header(out, 'max-forwards'), header(out, 'record-route'), header(out, 'proxy-authorization')]).toEqual([
      '69',
      '<sip:127.0.0.1:5060;lr>',
      undefined,
    ]);
    expect(out.body.toString()).toBe('v=0\r\n');
  });

  test('S7.4 a response loses our Via and goes to the received address and rport of the next', () => {
    const res = parse<SipResponse>(`SIP/2.0 180 Ringing
Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKcX, SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bKa;rport=40000;received=192.0.2.7
From: <sip:1001@acme.test>;tag=f
To: <sip:1002@acme.test>;tag=t
Call-ID: c1
CSeq: 2 INVITE
Content-Length: 0

`);
    const out = parse<SipResponse>(withoutTopVia(res).toString());
    expect(headerValues(out, 'via')).toEqual([
      'SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bKa;rport=40000;received=192.0.2.7',
    ]);
    expect(viaHop(headerValues(out, 'via')[0]!)?.flow).toEqual({ transport: 'udp', address: '192.0.2.7', port: 40000 });
  });
});

describe('S7.4 answers without media', () => {
  test('S7.4 S3.2 each action is a final response: busy tone 486, reject 603, voicemail 480, outside number 302', () => {
    expect(actionAnswer({ type: 'busyTone' }, 'acme.test').status).toBe(486);
    expect(actionAnswer({ type: 'reject' }, 'acme.test').status).toBe(603);
    expect(actionAnswer({ type: 'voicemail' }, 'acme.test')).toMatchObject({
      status: 480,
      warning: expect.stringContaining('voicemail'),
    });
    expect(actionAnswer({ type: 'external', number: '+49 30 123' }, 'acme.test')).toMatchObject({
      status: 302,
      contact: '<sip:+4930123@acme.test;user=phone>',
    });
  });

  test('S7.4 S4.5 the SDP answer of a feature code keeps the offer’s first format, on the discard port, inactive', () => {
    const sdp = inactiveAnswer('v=0\r\nm=audio 4000 RTP/AVP 8 0\r\na=rtpmap:8 PCMA/8000\r\n', '127.0.0.1', 7);
    expect(sdp).toContain('m=audio 9 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\na=inactive');
    expect(inactiveAnswer('', '127.0.0.1', 7)).toContain('m=audio 9 RTP/AVP 0');
  });
});
