// S7.1 the digest `uri` must name the Request-URI's target (RFC 2617 §3.2.2.5, RFC 7616, RFC 3261
// §22.4), over real sockets: credentials computed for one target and sent with a request to
// another are refused with 400 and change nothing; the same target written another way (case of
// the host, the default port, a transport parameter) is accepted.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sameTarget } from '../../src/sip/digest.js';
import { header } from '../../src/sip/message.js';
import { sipHarness } from './harness.js';
import type { SipHarness } from './harness.js';
import { TestUa, digest } from './ua.js';

let h: SipHarness;
let ua: TestUa;
beforeAll(async () => {
  h = await sipHarness();
  ua = await TestUa.open('udp', h.port);
});
afterAll(async () => {
  await ua.close();
  await h.close();
});

const MISMATCH = [400, 'Bad Request (digest uri does not match the Request-URI)'];

/** A REGISTER for 1003 whose credentials were computed for `digestUri`. */
async function register(digestUri: string): Promise<[number, string]> {
  const headers: [string, string][] = [
    ua.from('1003'),
    ['To', '<sip:1003@acme.test>'],
    ['Contact', ua.contact],
    ['Expires', '600'],
  ];
  const challenge = await ua.request('REGISTER', 'sip:acme.test', headers);
  const res = await ua.request('REGISTER', 'sip:acme.test', [
    ...headers,
    ['Authorization', digest(challenge, 'REGISTER', digestUri, { user: '1003', password: 'pass1003' })],
  ]);
  return [res.status, res.reason];
}

describe('S7.1 digest uri and Request-URI', () => {
  test('S7.1 a REGISTER whose credentials name another target is 400 and registers nothing', async () => {
    expect(await register('sip:beta.test')).toEqual(MISMATCH);
    expect(await register('sip:1003@acme.test')).toEqual(MISMATCH);
    expect(await register('sip:acme.test:5070')).toEqual(MISMATCH);
    expect(h.engine.state('acme')!.users.get('u1003')!.registrations).toEqual([]);
  });

  test('S7.1 the same target written another way is accepted: host case, the default port, a transport parameter', async () => {
    expect(await register('sip:ACME.test:5060;transport=udp')).toEqual([200, 'OK']);
    expect(h.engine.state('acme')!.users.get('u1003')!.registrations).toHaveLength(1);
  });

  test('S7.1 credentials taken from a SUBSCRIBE to 1005 and put on a SUBSCRIBE to 1004 are 400; on their own target they still work', async () => {
    const watch = (target: string, auth?: string) => {
      const uri = `sip:${target}@acme.test`;
      const headers: [string, string][] = [
        ua.from('1002'),
        ['To', `<${uri}>`],
        ['Contact', ua.contact],
        ['Event', 'dialog'],
        ['Expires', '600'],
      ];
      return ua.request('SUBSCRIBE', uri, auth === undefined ? headers : [...headers, ['Authorization', auth]], '', {
        callId: `${randomBytes(6).toString('hex')}@d`,
      });
    };
    const challenge = await watch('1005');
    const forOther = digest(challenge, 'SUBSCRIBE', 'sip:1005@acme.test', { user: '1002', password: 'pass1002' });
    const moved = await watch('1004', forOther);
    expect([moved.status, moved.reason]).toEqual(MISMATCH);
    expect(h.sip.devices('acme', 'u1004').watchedBy).toEqual([]);
    expect((await watch('1005', forOther)).status).toBe(200);
  });

  test('S7.1 an INVITE whose Proxy-Authorization names another callee is 400, not routed', async () => {
    const uri = 'sip:1004@acme.test';
    const headers: [string, string][] = [ua.from('1002'), ['To', `<${uri}>`], ['Contact', ua.contact]];
    const callId = `${randomBytes(6).toString('hex')}@inv`;
    const res = await ua.request('INVITE', uri, headers, '', { callId });
    expect(res.status).toBe(407);
    const www = {
      ...res,
      headers: res.headers.map((x) => (x.key === 'proxy-authenticate' ? { ...x, key: 'www-authenticate' } : x)),
    };
    const auth = digest(www, 'INVITE', 'sip:1005@acme.test', { user: '1002', password: 'pass1002' });
    const again = await ua.request('INVITE', uri, [...headers, ['Proxy-Authorization', auth]], '', { callId });
    expect([again.status, again.reason]).toEqual(MISMATCH);
    expect(header(again, 'call-id')).toBe(callId);
    expect(h.sip.stats().calls).toBe(0);
  });

  test('S7.1 which digest uris name the Request-URI target', () => {
    expect(sameTarget('sip:1004@acme.test', 'sip:1004@acme.test')).toBe(true);
    expect(sameTarget('sip:1004@ACME.TEST:5060', 'sip:1004@acme.test;user=phone')).toBe(true);
    expect(sameTarget('sip:%31004@acme.test', 'sip:1004@acme.test')).toBe(true);
    expect(sameTarget('sips:1004@acme.test', 'sip:1004@acme.test')).toBe(false);
    expect(sameTarget('sip:1004@acme.test', 'sip:1004@acme.test;maddr=10.0.0.9')).toBe(false);
    expect(sameTarget('sip:1005@acme.test', 'sip:1004@acme.test')).toBe(false);
    expect(sameTarget('sip:1004@evil.test', 'sip:1004@acme.test')).toBe(false);
    expect(sameTarget('tel:1004', 'sip:1004@acme.test')).toBe(false);
    expect(sameTarget('*', 'sip:acme.test')).toBe(false);
  });
});
