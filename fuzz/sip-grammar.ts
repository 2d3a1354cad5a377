// Well-formed SIP messages from the RFC 3261 §25 grammar (the parts Switchboard reads), written
// as fast-check arbitraries: requests and responses with Via, From/To, Contact, CSeq, digest
// credentials, list headers, compact forms, mixed case, LWS and folding, and bodies with a true
// Content-Length. The mutators (sip-mutate.ts) then break them.
import fc from 'fast-check';

/** Undefined mostly; a value one time in eight (fc.option's `freq` is the other way round). */
const rarely = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: 7, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });

const alnum = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789');
const tokenChars = fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789-.!%*_+`'~");
const word = (max = 12) => fc.string({ unit: alnum, minLength: 1, maxLength: max });
const token = fc.string({ unit: tokenChars, minLength: 1, maxLength: 10 });
const digits = (max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: max });

const METHODS = [
  'REGISTER',
  'SUBSCRIBE',
  'NOTIFY',
  'PUBLISH',
  'INVITE',
  'ACK',
  'BYE',
  'CANCEL',
  'OPTIONS',
  'MESSAGE',
  'INFO',
  'UPDATE',
  'REFER',
  'PRACK',
];
const method = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...METHODS) },
  { weight: 1, arbitrary: token.map((t) => t.toUpperCase()) },
);

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const ipv6 = fc.constantFrom('[::1]', '[2001:db8::5]', '[fe80::1:2:3:4]', '[::ffff:192.0.2.1]');
const domain = fc.oneof(
  fc.constantFrom('acme.test', 'example.com', 'localhost', '127.0.0.1'),
  fc.array(word(8), { minLength: 1, maxLength: 3 }).map((l) => `${l.join('.')}.test`),
);
const host = fc.oneof({ weight: 4, arbitrary: domain }, { weight: 2, arbitrary: ipv4 }, { weight: 1, arbitrary: ipv6 });
const port = fc.option(
  fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom(5060, 5061, 5080) },
    { weight: 1, arbitrary: fc.constantFrom(0, 65535, 65536) },
    { weight: 1, arbitrary: fc.nat(99999) },
  ),
  { freq: 2, nil: undefined },
);
const hostport = fc.tuple(host, port).map(([h, p]) => (p === undefined ? h : `${h}:${p}`));

const paramValue = fc.oneof(
  token,
  fc.string({ maxLength: 8 }).map((s) => `"${s.replace(/["\\]/g, '\\$&')}"`),
  fc.constant(''),
);
const param = fc.tuple(
  fc.oneof(
    fc.constantFrom(
      'tag',
      'branch',
      'rport',
      'received',
      'transport',
      'lr',
      'expires',
      'q',
      'user',
      'maddr',
      'ttl',
      'method',
    ),
    token,
  ),
  paramValue,
);
const ws = fc.constantFrom('', '', '', ' ', '  ', '\t', ' \r\n ');
const params = fc
  .array(fc.tuple(param, ws), { maxLength: 4 })
  .map((ps) => ps.map(([[n, v], w]) => `${w};${w}${n}${v === '' ? '' : `${w}=${w}${v}`}`).join(''));

const escapedUser = fc.oneof(
  digits(5),
  word(10),
  fc.constantFrom('%75ser', 'user;par=u%40x', 'a%2', '%ZZ', '+15551234', "!~*'()&=+$,;?/", '%00'),
);
const scheme = fc.oneof(
  { weight: 8, arbitrary: fc.constant('sip') },
  { weight: 1, arbitrary: fc.constantFrom('sips', 'tel', 'SIP', 'mailto', 'urn') },
);
const uri = fc
  .tuple(
    scheme,
    fc.option(escapedUser, { nil: undefined }),
    fc.option(fc.constantFrom(':secret', ':'), { nil: undefined }),
    hostport,
    params,
    rarely(fc.constantFrom('?subject=x', '?a=b&c=d', '?')),
  )
  .map(
    ([s, u, pw, hp, ps, hs]) =>
      `${s}:${u === undefined ? '' : `${u}${pw ?? ''}@`}${hp}${ps.replace(/\s/g, '')}${hs ?? ''}`,
  );

const display = fc.oneof(
  { weight: 3, arbitrary: fc.constant('') },
  { weight: 2, arbitrary: word(10).map((w) => `${w} `) },
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }).map((s) => `"${s.replace(/["\\]/g, '\\$&')}" `) },
  { weight: 1, arbitrary: fc.constant('"unterminated ') },
);
const nameAddr = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(display, uri, params).map(([d, u, p]) => `${d}<${u}>${p}`) },
  { weight: 1, arbitrary: fc.tuple(uri, params).map(([u, p]) => `${u}${p}`) },
);
const transport = fc.constantFrom('UDP', 'TCP', 'TLS', 'SCTP', 'WS', 'udp', 'tcp', 'FOO');
const via = fc
  .tuple(
    ws,
    ws,
    transport,
    hostport,
    params,
    fc.option(fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 1, maxLength: 12 }), {
      nil: undefined,
    }),
  )
  .map(
    ([w1, w2, t, hp, p, br]) =>
      `SIP${w1}/${w2}2.0${w1}/${w2}${t} ${hp}${br === undefined ? '' : `;branch=z9hG4bK${br}`}${p}`,
  );
const digest = fc
  .array(
    fc.tuple(
      fc.constantFrom('username', 'realm', 'nonce', 'uri', 'response', 'qop', 'nc', 'cnonce', 'algorithm', 'opaque'),
      fc.oneof(token, fc.string({ maxLength: 10 })),
    ),
    { maxLength: 9 },
  )
  .map((ps) => `Digest ${ps.map(([n, v]) => `${n}="${v.replace(/["\\]/g, '\\$&')}"`).join(', ')}`);

/** A header as name and value; the name in long, compact or odd-case form. */
const header: fc.Arbitrary<[string, string]> = fc.oneof(
  fc.tuple(
    fc.constantFrom('Via', 'v', 'VIA'),
    fc.oneof(
      via,
      fc.array(via, { minLength: 2, maxLength: 3 }).map((vs) => vs.join(', ')),
    ),
  ),
  fc.tuple(fc.constantFrom('From', 'f', 'To', 't', 'fRoM'), nameAddr),
  fc.tuple(
    fc.constantFrom('Contact', 'm'),
    fc.oneof(
      fc.constant('*'),
      fc.array(nameAddr, { minLength: 1, maxLength: 3 }).map((cs) => cs.join(', ')),
    ),
  ),
  fc.tuple(fc.constantFrom('Route', 'Record-Route', 'Path', 'Refer-To', 'r', 'Referred-By', 'b'), nameAddr),
  fc.tuple(
    fc.constantFrom('Call-ID', 'i', 'call-id'),
    fc.tuple(word(16), fc.option(host, { nil: undefined })).map(([w, h]) => (h === undefined ? w : `${w}@${h}`)),
  ),
  fc.tuple(
    fc.constantFrom('CSeq', 'cseq'),
    fc.tuple(digits(11), method).map(([n, m]) => `${n} ${m}`),
  ),
  fc.tuple(fc.constantFrom('Max-Forwards', 'Expires', 'Min-Expires', 'x', 'Session-Expires'), digits(11)),
  fc.tuple(
    fc.constantFrom('Event', 'o', 'Allow-Events', 'u'),
    fc.constantFrom('presence', 'dialog', 'message-summary', 'as-feature-event', 'presence;id=1', 'reg'),
  ),
  fc.tuple(
    fc.constantFrom('Accept', 'Allow', 'Supported', 'k', 'Require', 'Proxy-Require', 'Unsupported'),
    fc.array(token, { minLength: 1, maxLength: 4 }).map((ts) => ts.join(', ')),
  ),
  fc.tuple(fc.constantFrom('Authorization', 'Proxy-Authorization', 'WWW-Authenticate'), digest),
  fc.tuple(
    fc.constantFrom('Content-Type', 'c'),
    fc.constantFrom(
      'application/pidf+xml',
      'application/dialog-info+xml',
      'application/sdp',
      'text/plain',
      'application/x-as-feature-event+xml',
      'message/sipfrag',
    ),
  ),
  fc.tuple(
    fc.constantFrom('SIP-If-Match', 'SIP-ETag', 'Subscription-State', 'User-Agent', 'Subject', 's', 'Date'),
    fc.string({ maxLength: 20 }),
  ),
  fc.tuple(fc.string({ unit: tokenChars, minLength: 1, maxLength: 12 }), fc.string({ maxLength: 30 })),
);

const pidf = fc
  .tuple(
    fc.constantFrom('open', 'closed', 'busy'),
    word(8),
    fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
  )
  .map(
    ([basic, id, note]) =>
      `<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:1001@acme.test"><tuple id="${id}"><status><basic>${basic}</basic></status></tuple>${note === undefined ? '' : `<note>${note}</note>`}</presence>`,
  );
const dialogInfo = fc
  .tuple(fc.constantFrom('trying', 'proceeding', 'early', 'confirmed', 'terminated'), fc.nat(99))
  .map(
    ([state, v]) =>
      `<?xml version="1.0"?><dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="${v}" state="full" entity="sip:1001@acme.test"><dialog id="d1"><state>${state}</state></dialog></dialog-info>`,
  );
const body = fc.oneof(
  { weight: 4, arbitrary: fc.constant('') },
  { weight: 1, arbitrary: pidf },
  { weight: 1, arbitrary: dialogInfo },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  {
    weight: 1,
    arbitrary: fc.constant(
      'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n',
    ),
  },
);

/** The headers that may appear once (src/sip/message.ts SINGLE), by any of their names. */
const SINGLE_NAMES: Readonly<Record<string, string>> = {
  from: 'from',
  f: 'from',
  to: 'to',
  t: 'to',
  'call-id': 'call-id',
  i: 'call-id',
  cseq: 'cseq',
  'max-forwards': 'max-forwards',
  'content-length': 'content-length',
  l: 'content-length',
  'content-type': 'content-type',
  c: 'content-type',
  expires: 'expires',
};
const singleKey = (name: string): string | undefined =>
  Object.hasOwn(SINGLE_NAMES, name.toLowerCase()) ? SINGLE_NAMES[name.toLowerCase()] : undefined;

/** The headers every request needs (§8.1.1), each sometimes left out, plus extra ones. */
const requestHeaders = (m: string): fc.Arbitrary<[string, string][]> =>
  fc
    .tuple(
      via,
      nameAddr,
      nameAddr,
      word(16),
      digits(6),
      fc.option(digits(3), { nil: undefined }),
      fc.array(header, { maxLength: 8 }),
      rarely(fc.nat(5)),
      fc.nat(19).map((n) => n === 0),
    )
    .map(([v, f, t, cid, seq, mf, extra, drop, dup]) => {
      const base: [string, string][] = [
        ['Via', v],
        ['From', f.includes('tag=') ? f : `${f};tag=${cid.slice(0, 6)}`],
        ['To', t],
        ['Call-ID', cid],
        ['CSeq', `${seq} ${m}`],
        ['Max-Forwards', mf ?? '70'],
      ];
      // Mostly complete: leave one out now and then. Headers allowed once (RFC 4475 multi01)
      // are not repeated by the extras, except in one message of twenty.
      const kept = base.filter((_, i) => i !== drop);
      if (dup) return [...kept, ...extra];
      const seen = new Set(kept.map(([n]) => singleKey(n)));
      return [
        ...kept,
        ...extra.filter(([n]) => {
          const key = singleKey(n);
          if (key === undefined) return true;
          if (seen.has(key)) return false;
          seen.add(key);
          return true;
        }),
      ];
    });

const separator = fc.constantFrom(': ', ':', ' : ', ':\t', ':  ', ' :\r\n ');
const eol = fc.constantFrom('\r\n', '\r\n', '\r\n', '\n');

function assemble(
  start: string,
  headers: [string, string][],
  seps: string[],
  lineEnd: string,
  text: string,
  withLength: boolean,
): string {
  const lines = headers.map(([n, v], i) => `${n}${seps[i % seps.length] ?? ': '}${v}`);
  if (withLength) lines.push(`Content-Length: ${Buffer.byteLength(text)}`);
  return `${start}${lineEnd}${lines.join(lineEnd)}${lineEnd}${lineEnd}${text}`;
}

export const sipRequest: fc.Arbitrary<string> = method.chain((m) =>
  fc
    .tuple(
      uri,
      requestHeaders(m),
      fc.array(separator, { minLength: 1, maxLength: 4 }),
      eol,
      body,
      fc.boolean(),
      fc.oneof(
        { weight: 20, arbitrary: fc.constant('SIP/2.0') },
        { weight: 1, arbitrary: fc.constantFrom('sip/2.0', 'SIP/3.0', 'SIP/2.00') },
      ),
    )
    .map(([u, hs, seps, lineEnd, text, withLength, version]) =>
      assemble(`${m} ${u} ${version}`, hs, seps, lineEnd, text, withLength || text !== ''),
    ),
);

export const sipResponse: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof(
      fc.constantFrom(100, 180, 183, 200, 202, 401, 403, 404, 407, 408, 423, 480, 481, 486, 487, 500, 603),
      fc.integer({ min: 0, max: 999 }),
    ),
    fc.constantFrom('OK', '', 'Ringing', 'Busy Here', 'Dürfen wir?', 'Unauthorized'),
    method,
    fc.array(header, { maxLength: 8 }),
    via,
    nameAddr,
    nameAddr,
    word(16),
    digits(6),
    eol,
    body,
  )
  .map(([status, reason, m, extra, v, f, t, cid, seq, lineEnd, text]) =>
    assemble(
      `SIP/2.0 ${status}${reason === '' ? '' : ` ${reason}`}`,
      [['Via', v], ['From', f], ['To', t], ['Call-ID', cid], ['CSeq', `${seq} ${m}`], ...extra],
      [': '],
      lineEnd,
      text,
      true,
    ),
  );

export const sipMessage: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: sipRequest },
  { weight: 1, arbitrary: sipResponse },
);

/** `count` messages from the grammar, reproducibly from `seed`. */
export function generateSip(seed: number, count: number): Buffer[] {
  return fc.sample(sipMessage, { seed, numRuns: count }).map((s) => Buffer.from(s, 'utf8'));
}
