// The SIP parser as a fuzz target: every input goes through what the server does with a
// datagram or a TCP stream (src/sip/server.ts handleBytes): framing, parseMessage, the request
// check, the header parsers, and the answer built from what was read. The oracle:
//  - nothing throws but StreamFramer's FramingError (which closes the connection by design);
//  - a refusal carries 400, 413 or 505 (S8.1) and a reason fit for a status line;
//  - the answer Switchboard would send (to a refusal or a good request) parses back as a
//    response with the same status, Call-ID and Via count;
//  - a parsed message serialized again parses to the same method/URI or status, headers and body;
//  - TCP framing gives the same messages whichever way the bytes are cut into chunks, and a framed
//    message's body is exactly its Content-Length.
import type * as Framing from '../src/sip/framing.js';
import type * as Headers from '../src/sip/headers.js';
import type * as Message from '../src/sip/message.js';
import type * as Request from '../src/sip/request.js';
import type { Flow } from '../src/sip/transport.js';
import { INVALID, VALID } from '../test/sip/torture.js';
import { mutate } from './mutate.js';
import type { Rng } from './rng.js';
import { generateSip } from './sip-grammar.js';
import { check } from './target.js';
import type { Target } from './target.js';

const FILES = ['message', 'headers', 'framing', 'request'].map(
  (f) => new URL(`../src/sip/${f}.js`, import.meta.url).href,
);

const DICTIONARY = [
  'SIP/2.0',
  'sip:',
  'sips:',
  'tel:',
  '@',
  ':',
  ';',
  ',',
  '"',
  '\\',
  '<',
  '>',
  '?',
  '%',
  '%2',
  '%00',
  '=',
  '*',
  '[',
  ']',
  '::1',
  '\r\n',
  '\n',
  '\r\n\r\n',
  '\n\n',
  ' ',
  '\t',
  '\r\n ',
  'Via: ',
  'v: ',
  'Content-Length: ',
  'l: ',
  'Call-ID: ',
  'i: ',
  'CSeq: ',
  'From: ',
  'To: ',
  'Contact: ',
  'm: ',
  'Max-Forwards: ',
  'Expires: ',
  'Event: ',
  'Authorization: Digest ',
  ';tag=',
  ';branch=z9hG4bK',
  ';rport',
  ';received=',
  ';lr',
  ';expires=',
  'REGISTER',
  'INVITE',
  'SUBSCRIBE',
  'NOTIFY',
  'PUBLISH',
  'ACK',
  'CANCEL',
  'BYE',
  'OPTIONS',
  'SIP/2.0/UDP ',
  'SIP/2.0/TCP ',
  '4294967296',
  '2147483648',
  '99999999999',
  '65536',
  '0',
  '-1',
];

const flow: Flow = { transport: 'udp', address: '192.0.2.1', port: 5060 };

export function sipTarget(): Target {
  let framing: typeof Framing;
  let headers: typeof Headers;
  let message: typeof Message;
  let request: typeof Request;

  /** The bytes Switchboard would send back parse as a response with that status. */
  function answerParses(bytes: Buffer, status: number, expect?: { callId: string; vias: number }): void {
    if (bytes.length > message.MAX_MESSAGE_BYTES) return;
    const back = message.parseMessage(bytes);
    // §8.2.6 copies every Via: a request with hundreds of them gets an answer with more header
    // lines than we accept ourselves (MAX_HEADERS). That limit is on what we read, not on peers.
    if (!back.ok && back.reason === 'Too Many Headers') return;
    check(back.ok, `our ${status} answer does not parse: ${back.ok ? '' : back.reason}`);
    check(
      back.message.kind === 'response' && back.message.status === status,
      `our ${status} answer parses as something else`,
    );
    if (expect !== undefined) {
      check(message.header(back.message, 'call-id') === expect.callId, 'our answer changed the Call-ID');
      check(message.headerValues(back.message, 'via').length === expect.vias, 'our answer changed the number of Vias');
    }
  }

  function refusal(r: Message.ParseFailure): void {
    check([400, 413, 505].includes(r.status), `refused with status ${r.status}`);
    check(r.reason !== '' && !/[\r\n]/.test(r.reason), `refusal reason ${JSON.stringify(r.reason)}`);
    if (!r.isRequest) return;
    const raw = request.rawDialogHeaders(r.headers);
    if (raw !== undefined) answerParses(request.buildResponse(raw, flow, r.status, r.reason), r.status);
  }

  /** Serialize the parsed message and parse it again: the same message comes back. */
  function roundTrip(m: Message.SipMessage, stream: boolean): void {
    const list = m.headers.map((h): [string, string] => [h.name, h.value]);
    const bytes =
      m.kind === 'request'
        ? message.serializeRequest(m.method, m.uri, list, m.body)
        : message.serializeResponse(m.status, m.reason, list, m.body);
    if (bytes.length > message.MAX_MESSAGE_BYTES) return;
    const back = message.parseMessage(bytes, { stream });
    check(back.ok, `a parsed message serialized again does not parse: ${back.ok ? '' : back.reason}`);
    const b = back.message;
    check(b.kind === m.kind, 'round trip changed the kind');
    if (m.kind === 'request' && b.kind === 'request')
      check(b.method === m.method && b.uri === m.uri, 'round trip changed the Request-Line');
    if (m.kind === 'response' && b.kind === 'response')
      check(b.status === m.status && b.reason === m.reason, 'round trip changed the Status-Line');
    const text = (hs: readonly Message.SipHeader[]) =>
      JSON.stringify(hs.filter((h) => h.key !== 'content-length').map((h) => [h.key, h.value]));
    check(text(b.headers) === text(m.headers), 'round trip changed the headers');
    check(b.body.equals(m.body), 'round trip changed the body');
  }

  function requestCheck(req: Message.SipRequest): void {
    const c = request.checkRequest(req, flow);
    if (!c.ok) {
      check(c.status === 400 || c.status === 416, `request check answered ${c.status}`);
      const raw = request.rawDialogHeaders(req.headers);
      if (raw !== undefined) answerParses(request.buildResponse(raw, flow, c.status, c.reason), c.status);
      return;
    }
    const inc = c.inc;
    // What the registrar, presence and auth code read next.
    for (const v of message.headerValues(req, 'contact')) {
      const na = headers.parseNameAddr(v);
      if (na !== undefined && !na.star) headers.parseUri(na.uri);
    }
    for (const key of ['authorization', 'proxy-authorization']) {
      const v = message.header(req, key);
      if (v !== undefined) headers.parseDigest(v);
    }
    headers.parseDelta(message.header(req, 'expires'));
    headers.aorKey(inc.toUri);
    const contact = message.headerValues(req, 'contact')[0];
    const extra: [string, string][] = contact === undefined ? [] : [['Contact', contact]];
    answerParses(request.buildResponse(request.rawOf(inc), flow, 200, 'OK', extra), 200, {
      callId: inc.callId,
      vias: inc.vias.length,
    });
  }

  function parsed(m: Message.SipMessage, stream: boolean): void {
    roundTrip(m, stream);
    if (m.kind === 'request') requestCheck(m);
    else for (const v of message.headerValues(m, 'via')) headers.parseVia(v);
  }

  /** Frames of a whole stream pushed in the given chunks; undefined when framing failed. */
  function frame(input: Buffer, cuts: readonly number[]): Buffer[] | undefined {
    const framer = new framing.StreamFramer();
    const out: Buffer[] = [];
    const points = [0, ...cuts, input.length];
    try {
      for (let i = 1; i < points.length; i++)
        for (const f of framer.push(input.subarray(points[i - 1], points[i])))
          if (f.type === 'message') out.push(f.bytes);
    } catch (e) {
      if (e instanceof framing.FramingError) return undefined;
      throw e;
    }
    return out;
  }

  function stream(input: Buffer): void {
    const whole = frame(input, []);
    const n = input.length;
    const chunked = frame(
      input,
      [...new Set([1, n >> 2, n >> 1, n - 1].filter((c) => c > 0 && c < n))].sort((a, b) => a - b),
    );
    check((whole === undefined) === (chunked === undefined), 'framing fails or not depending on how the stream is cut');
    if (whole === undefined || chunked === undefined) return;
    check(
      whole.length === chunked.length && whole.every((f, i) => f.equals(chunked[i]!)),
      'framing depends on how the stream is cut',
    );
    for (const f of whole) {
      const r = message.parseMessage(f, { stream: true });
      if (!r.ok) continue;
      const cl = message.header(r.message, 'content-length');
      const end = message.headerEnd(f);
      if (cl !== undefined && end !== undefined)
        check(
          f.length - end.at - end.length === Number(cl),
          `the framer's body is ${f.length - end.at - end.length} bytes, Content-Length says ${cl}`,
        );
    }
  }

  return {
    name: 'sip',
    maxBytes: 70 * 1024,
    coverageFiles: FILES,
    async setup() {
      [framing, headers, message, request] = await Promise.all([
        import('../src/sip/framing.js'),
        import('../src/sip/headers.js'),
        import('../src/sip/message.js'),
        import('../src/sip/request.js'),
      ]);
    },
    seeds: () => [...VALID, ...INVALID].map((t) => Buffer.from(t.text, 'utf8')),
    generate: generateSip,
    mutate: (input: Buffer, rng: Rng, other: Buffer) =>
      mutate(input, rng, other, { dictionary: DICTIONARY, maxBytes: 70 * 1024 }),
    run(input: Buffer) {
      for (const s of [false, true]) {
        const r = message.parseMessage(input, { stream: s });
        if (r.ok) parsed(r.message, s);
        else refusal(r);
      }
      stream(input);
    },
    async teardown() {},
  };
}
