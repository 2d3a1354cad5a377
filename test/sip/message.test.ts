// The SIP parser and serializer fed raw bytes (STYLE.md: protocol errors carry a SIP status),
// including RFC 4475 torture messages, and TCP stream framing.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { StreamFramer, FramingError } from '../../src/sip/framing.js';
import { parseCSeq, parseDigest, parseNameAddr, parseUri, parseVia } from '../../src/sip/headers.js';
import { header, headerValues, parseMessage, serializeRequest, serializeResponse } from '../../src/sip/message.js';
import type { SipRequest, SipResponse } from '../../src/sip/message.js';
import { checkRequest } from '../../src/sip/request.js';
import { INVALID, VALID } from './torture.js';

const udp = { transport: 'udp' as const, address: '192.0.2.1', port: 5060 };
const req = (text: string): SipRequest => {
  const r = parseMessage(Buffer.from(text, 'latin1'));
  if (!r.ok || r.message.kind !== 'request') throw new Error(`not a request: ${JSON.stringify(r)}`);
  return r.message;
};
const fromTorture = (name: string) => Buffer.from([...VALID, ...INVALID].find((t) => t.name === name)!.text, 'utf8');

describe('S7.1 SIP message parsing (RFC 3261 §7, RFC 4475)', () => {
  test('S7.1 RFC 4475 wsinv: folding, compact forms, LWS everywhere, comma-folded Vias, quoted strings, leading zeros', () => {
    const r = parseMessage(fromTorture('wsinv'));
    expect(r.ok).toBe(true);
    const m = (r as { message: SipRequest }).message;
    expect([m.method, m.uri]).toEqual(['INVITE', 'sip:vivekg@chair-dnrc.example.com;unknownparam']);
    const vias = headerValues(m, 'via').map((v) => parseVia(v));
    expect(vias.map((v) => [v?.transport, v?.host, v?.params.get('branch')])).toEqual([
      ['UDP', '192.0.2.2', '390skdjuw'],
      ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
      ['UDP', '192.168.255.111', 'z9hG4bK30239'],
    ]);
    expect(parseCSeq(header(m, 'cseq')!)).toEqual({ seq: 9, method: 'INVITE' });
    expect(header(m, 'max-forwards')).toBe('0068');
    const from = parseNameAddr(header(m, 'from')!)!;
    expect([from.display, from.uri, from.params.get('tag')]).toEqual([
      'J Rosenberg \\"',
      'sip:jdrosen@example.com',
      '98asjd8',
    ]);
    const to = parseNameAddr(header(m, 'to')!)!;
    expect([to.uri, to.params.get('tag')]).toEqual(['sip:vivekg@chair-dnrc.example.com', '1918181833n']);
    const contact = parseNameAddr(headerValues(m, 'contact')[0]!)!;
    expect([
      contact.display,
      contact.uri,
      contact.params.get('newparam'),
      contact.params.get('secondparam'),
      contact.params.get('q'),
    ]).toEqual(['Quoted string ""', 'sip:jdrosen@example.com', 'newvalue', '', '0.33']);
    expect(header(m, 'subject')).toBe('');
    expect(header(m, 'newfangledheader')).toBe('newfangled value continued newfangled value');
    expect(header(m, 'unknownheaderwithunusualvalue')).toBe(';;,,;;,;');
    expect(m.body.toString().startsWith('v=0\r\n')).toBe(true);
    expect(checkRequest(m, udp).ok).toBe(true);
  });

  test('S7.1 RFC 4475 intmeth: unusual method, URI user part with ?;, and quoted NUL in a display name', () => {
    const m = (parseMessage(fromTorture('intmeth')) as { message: SipRequest }).message;
    expect(m.method).toBe("!interesting-Method0123456789_*+`.%indeed'~");
    const uri = parseUri(m.uri)!;
    expect([uri.user, uri.host]).toEqual(["1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*", 'example.com']);
    const to = parseNameAddr(header(m, 'to')!)!;
    expect(to.display).toBe('BEL:\x07 NUL:\x00 DEL:\x7F');
    expect(checkRequest(m, udp).ok).toBe(true);
  });

  test('S7.1 RFC 4475 esc01 and semiuri: %-escapes in the user part are decoded', () => {
    expect(parseUri('sip:sips%3Auser%40example.com@example.net')).toMatchObject({
      user: 'sips:user@example.com',
      host: 'example.net',
    });
    expect(parseUri('sip:user;par=u%40example.net@example.com')).toMatchObject({
      user: 'user;par=u@example.net',
      host: 'example.com',
    });
    expect(parseUri('sip:%75se%72@example.com')?.user).toBe('user');
  });

  test('S7.1 RFC 4475 dblreq: octets after Content-Length in a datagram are discarded', () => {
    const m = (parseMessage(fromTorture('dblreq')) as { message: SipRequest }).message;
    expect([m.method, m.body.length, header(m, 'call-id')]).toEqual([
      'REGISTER',
      0,
      'dblreq.0ha0isndaksdj99sdfafnl3lk233412',
    ]);
  });

  test('S7.1 RFC 4475 unreason and noreason: a response with an unusual or empty reason phrase parses', () => {
    const a = parseMessage(fromTorture('unreason'));
    const b = parseMessage(fromTorture('noreason'));
    expect(a.ok && a.message.kind === 'response' && a.message.status).toBe(200);
    expect(b.ok && b.message.kind === 'response' && [b.message.status, b.message.reason]).toEqual([100, '']);
  });

  test('S7.1 RFC 4475 transports and lwsdisp: unknown transports and a display name glued to < are accepted', () => {
    for (const name of ['transports', 'lwsdisp', 'semiuri', 'esc01', 'esc02']) {
      const r = parseMessage(fromTorture(name));
      expect([name, r.ok && checkRequest((r as { message: SipRequest }).message, udp).ok]).toEqual([name, true]);
    }
  });

  test.each([
    ['clerr', 400, 'Content-Length larger than the body'],
    ['ncl', 400, 'Malformed Content-Length'],
    ['ltgtruri', 400, 'Malformed Request-URI'],
    ['lwsruri', 400, 'Malformed Request-Line'],
    ['lwsstart', 400, 'Malformed Request-Line'],
    ['trws', 400, 'Malformed Request-Line'],
    ['badvers', 505, 'Version Not Supported'],
    ['multi01', 400, 'More than one Call-ID header'],
    ['mcl01', 400, 'More than one Content-Length header'],
  ] as const)('S8.1 RFC 4475 %s is a parse failure answered with %i', (name, status, reason) => {
    const r = parseMessage(fromTorture(name));
    expect(r.ok ? 'parsed' : [r.status, r.reason]).toEqual([status, reason]);
  });

  test.each([
    ['badinv01', 'Bad Request: From'],
    ['scalar02', 'Bad Request: CSeq'],
    ['quotbal', 'Bad Request: To'],
    ['escruri', 'Bad Request: headers in the Request-URI'],
    ['baddn', 'Bad Request: From'],
    ['mismatch01', 'Bad Request: CSeq method does not match'],
    ['mismatch02', 'Bad Request: CSeq method does not match'],
  ] as const)('S8.1 RFC 4475 %s parses but is refused by the request check: %s', (name, reason) => {
    const r = parseMessage(fromTorture(name));
    expect(r.ok).toBe(true);
    const c = checkRequest((r as { message: SipRequest }).message, udp);
    expect(c.ok ? 'accepted' : [c.status, c.reason]).toEqual([400, reason]);
  });

  test('S8.1 RFC 4475 bigcode and scalarlg: responses with impossible status codes or CSeq do not parse into anything used', () => {
    expect(parseMessage(fromTorture('bigcode')).ok).toBe(false);
    const lg = parseMessage(fromTorture('scalarlg'));
    expect(lg.ok && lg.message.kind === 'response' ? parseCSeq(header(lg.message, 'cseq')!) : 'failed').toBeUndefined();
  });

  test('S7.1 every compact form expands to its long name', () => {
    const m = req(
      [
        'SUBSCRIBE sip:1001@acme.test SIP/2.0',
        'v: SIP/2.0/UDP h;branch=z9hG4bKa',
        'f: <sip:a@acme.test>;tag=1',
        't: <sip:1001@acme.test>',
        'i: x',
        'CSeq: 1 SUBSCRIBE',
        'm: <sip:a@h>',
        'o: presence',
        'u: presence',
        'k: path',
        's: hi',
        'c: text/plain',
        'e: gzip',
        'l: 0',
        '',
        '',
      ].join('\r\n'),
    );
    expect(m.headers.map((h) => h.key)).toEqual([
      'via',
      'from',
      'to',
      'call-id',
      'cseq',
      'contact',
      'event',
      'allow-events',
      'supported',
      'subject',
      'content-type',
      'content-encoding',
      'content-length',
    ]);
    expect(m.headers.map((h) => h.name).slice(0, 5)).toEqual(['Via', 'From', 'To', 'Call-ID', 'CSeq']);
  });

  test('S7.1 several Contacts, on separate lines and comma-folded, with commas inside quotes and brackets', () => {
    const m = req(
      [
        'REGISTER sip:acme.test SIP/2.0',
        'Contact: "Desk, 1" <sip:a@h1;x=1,2>;expires=60, <sip:b@h2>',
        'Contact: sip:c@h3;q=0.5',
        'l: 0',
        '',
        '',
      ].join('\r\n'),
    );
    expect(
      headerValues(m, 'contact')
        .map((c) => parseNameAddr(c)!)
        .map((c) => [c.display, c.uri, c.params.get('expires') ?? c.params.get('q')]),
    ).toEqual([
      ['Desk, 1', 'sip:a@h1;x=1,2', '60'],
      [undefined, 'sip:b@h2', undefined],
      [undefined, 'sip:c@h3', '0.5'],
    ]);
  });

  test('S7.1 digest credentials with quoted values containing commas', () => {
    const d = parseDigest(
      'Digest username="1001", realm="acme.test", nonce="a,b", uri="sip:acme.test", response="00", qop=auth, nc=00000001, cnonce="x"',
    )!;
    expect([d.get('username'), d.get('nonce'), d.get('qop'), d.get('nc')]).toEqual(['1001', 'a,b', 'auth', '00000001']);
  });

  test('S8.1 a message over 64 KB is refused with 413; an empty datagram or garbage never throws', () => {
    expect(parseMessage(Buffer.alloc(70_000, 0x41))).toMatchObject({ ok: false, status: 413 });
    expect(parseMessage(Buffer.alloc(0)).ok).toBe(false);
    expect(parseMessage(Buffer.from('\x00\x01\x02 garbage\r\n\r\n')).ok).toBe(false);
  });

  test('S8.1 property: parsing arbitrary bytes or a mutated request never throws', () => {
    const base = Buffer.from(
      [
        'REGISTER sip:acme.test SIP/2.0',
        'Via: SIP/2.0/UDP h;branch=z9hG4bKx',
        'From: <sip:1@acme.test>;tag=1',
        'To: <sip:1@acme.test>',
        'Call-ID: c',
        'CSeq: 1 REGISTER',
        'Contact: <sip:1@h>',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        (noise, edits) => {
          const mutated = Buffer.from(base);
          for (const [i, b] of edits) mutated[i] = b;
          for (const bytes of [Buffer.from(noise), mutated]) {
            const r = parseMessage(bytes);
            if (r.ok && r.message.kind === 'request') checkRequest(r.message, udp);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  test('S7.1 serialize then parse gives the same message, with Content-Length computed', () => {
    const body = '<?xml version="1.0"?><x/>';
    const bytes = serializeRequest(
      'NOTIFY',
      'sip:a@h:5062',
      [
        ['Via', 'SIP/2.0/UDP s;branch=z9hG4bKq'],
        ['Content-Length', '999'],
        ['Event', 'presence'],
      ],
      body,
    );
    const back = (parseMessage(bytes) as { message: SipRequest }).message;
    expect([
      back.method,
      back.uri,
      header(back, 'content-length'),
      header(back, 'event'),
      back.body.toString(),
    ]).toEqual(['NOTIFY', 'sip:a@h:5062', String(body.length), 'presence', body]);
    const res = (
      parseMessage(serializeResponse(423, 'Interval Too Brief', [['Min-Expires', '60']])) as { message: SipResponse }
    ).message;
    expect([res.status, res.reason, header(res, 'min-expires')]).toEqual([423, 'Interval Too Brief', '60']);
  });

  test('S7.1 the serializer writes any text byte for byte as UTF-8, however long, and messages never share bytes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.stringMatching(/^[A-Za-z-]{1,20}$/), fc.string({ maxLength: 300 })), { maxLength: 20 }),
        fc.string({ maxLength: 2000 }),
        (headers, body) => {
          const clean = headers
            .map(([n, v]): [string, string] => [n, v.replace(/[\r\n]/g, ' ')])
            .filter(([n]) => n.toLowerCase() !== 'content-length');
          const expected = `X sip:a SIP/2.0\r\n${clean.map(([n, v]) => `${n}: ${v}\r\n`).join('')}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
          const first = serializeRequest('X', 'sip:a', clean, body);
          const second = serializeRequest('X', 'sip:a', [['Y', 'other']], 'z');
          expect(first.equals(Buffer.from(expected, 'utf8'))).toBe(true);
          expect(second.toString('latin1')).toBe('X sip:a SIP/2.0\r\nY: other\r\nContent-Length: 1\r\n\r\nz');
        },
      ),
      { numRuns: 300 },
    );
    const huge = 'é'.repeat(40_000);
    expect(serializeRequest('X', 'sip:a', [['H', huge]], huge).toString('utf8')).toBe(
      `X sip:a SIP/2.0\r\nH: ${huge}\r\nContent-Length: 80000\r\n\r\n${huge}`,
    );
  });
});

describe('S7.1 TCP stream framing (RFC 3261 §18.3)', () => {
  const msg = (n: number, body = '') =>
    Buffer.from(
      `OPTIONS sip:a@b SIP/2.0\r\nCall-ID: ${n}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );

  test('S7.1 messages split at any byte boundary and glued together are reassembled by Content-Length', () => {
    const stream = Buffer.concat([msg(1, 'hello'), Buffer.from('\r\n\r\n'), msg(2), msg(3, 'x'.repeat(300))]);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 12 }), (cuts) => {
        const framer = new StreamFramer();
        const points = [0, ...cuts.sort((a, b) => a - b), stream.length];
        const frames = points.slice(1).flatMap((end, i) => framer.push(stream.subarray(points[i]!, end)));
        const ids = frames.map((f) =>
          f.type === 'ping'
            ? 'ping'
            : header((parseMessage(f.bytes, { stream: true }) as { message: SipRequest }).message, 'call-id'),
        );
        expect(ids).toEqual(['1', 'ping', '2', '3']);
      }),
    );
  });

  test('S8.1 a stream announcing a body over 64 KB, or headers that never end, fails framing', () => {
    expect(() =>
      new StreamFramer().push(Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 99999999\r\n\r\n')),
    ).toThrow(FramingError);
    expect(() => new StreamFramer().push(Buffer.alloc(70_000, 0x41))).toThrow(FramingError);
  });

  test('S8.1 framing and parsing read Content-Length alike: whatever the framer frames, the parser reads with the same body, or refuses', () => {
    // Header lines that touch Content-Length in the ways a smuggler would: duplicates, the compact
    // form, odd spacing and case, folding, bad values, a continuation that looks like a header.
    const lines = [
      'Content-Length: 3',
      'l: 0',
      'content-length :5',
      'CONTENT-LENGTH:\t2',
      'Content-Length: +3',
      'Content-Length: 3 3',
      'Content-Length:',
      ' 4',
      '\tContent-Length: 1',
      'X-A: Content-Length: 9',
      'L : 1',
      'Via: SIP/2.0/TCP h;branch=z9hG4bKx',
    ];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...lines), { maxLength: 6 }),
        fc.string({ minLength: 0, maxLength: 12 }),
        (headers, tail) => {
          const text = `OPTIONS sip:a@b SIP/2.0\r\n${headers.map((l) => `${l}\r\n`).join('')}\r\n${tail.replace(/[\r\n]/g, '.')}`;
          let frames;
          try {
            frames = new StreamFramer().push(Buffer.from(text, 'latin1'));
          } catch (e) {
            expect(e).toBeInstanceOf(FramingError);
            return;
          }
          const first = frames.find((f) => f.type === 'message');
          if (first === undefined || first.type !== 'message') return;
          const parsed = parseMessage(first.bytes, { stream: true });
          const framedBody = first.bytes.length - (first.bytes.indexOf('\r\n\r\n') + 4);
          if (parsed.ok) expect(parsed.message.body.length).toBe(framedBody);
          // A Content-Length the parser would refuse is one the framer must have refused first.
          else expect([parsed.status, /Content-Length/.test(parsed.reason)]).toEqual([400, false]);
        },
      ),
      { numRuns: 2000 },
    );
  });

  test('S8.1 two Content-Lengths, long or compact, fail framing with the header section kept for a 400', () => {
    for (const pair of [
      'Content-Length: 0\r\nContent-Length: 5',
      'l: 0\r\nContent-Length: 5',
      'Content-Length: 5\r\nl: 5',
    ]) {
      const error = (() => {
        try {
          new StreamFramer().push(Buffer.from(`OPTIONS sip:a@b SIP/2.0\r\n${pair}\r\n\r\nhello`));
        } catch (e) {
          return e as FramingError;
        }
        return undefined;
      })();
      expect([error?.message, error?.status, error?.head?.toString()]).toEqual([
        'more than one Content-Length header',
        400,
        `OPTIONS sip:a@b SIP/2.0\r\n${pair}`,
      ]);
    }
  });
});
