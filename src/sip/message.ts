// SIP messages as plain data: parse raw bytes into a request or response, serialize one back.
// RFC 3261 §7 (message format), §7.3.1 (folding, compact forms), §18.3 (framing). A protocol
// failure is a value carrying the SIP status to answer with (400, 413, 505), never a throw.

export interface SipHeader {
  /** Lower-case long form (`via`, `call-id`): compact forms are expanded when parsing. */
  readonly key: string;
  /** The name as it goes on the wire. */
  readonly name: string;
  readonly value: string;
}

export interface SipRequest {
  readonly kind: 'request';
  readonly method: string;
  readonly uri: string;
  readonly headers: readonly SipHeader[];
  readonly body: Buffer;
}

export interface SipResponse {
  readonly kind: 'response';
  readonly status: number;
  readonly reason: string;
  readonly headers: readonly SipHeader[];
  readonly body: Buffer;
}

export type SipMessage = SipRequest | SipResponse;

/** A message that could not be parsed; `headers` holds what was read, to answer with when possible. */
export interface ParseFailure {
  readonly ok: false;
  readonly status: number;
  readonly reason: string;
  readonly isRequest: boolean;
  readonly headers: readonly SipHeader[];
}

export type ParseResult = { readonly ok: true; readonly message: SipMessage } | ParseFailure;

/** RFC 3261 §7.3.3 compact forms, and the ones later RFCs added (RFC 6665 o/u, RFC 3515 r…). */
const COMPACT: Readonly<Record<string, string>> = {
  i: 'call-id',
  m: 'contact',
  e: 'content-encoding',
  l: 'content-length',
  c: 'content-type',
  f: 'from',
  s: 'subject',
  k: 'supported',
  t: 'to',
  v: 'via',
  o: 'event',
  u: 'allow-events',
  r: 'refer-to',
  b: 'referred-by',
  x: 'session-expires',
  a: 'accept-contact',
  j: 'reject-contact',
  d: 'request-disposition',
  y: 'identity',
  n: 'identity-info',
};

const CANONICAL: Readonly<Record<string, string>> = {
  'call-id': 'Call-ID',
  cseq: 'CSeq',
  'www-authenticate': 'WWW-Authenticate',
  'sip-etag': 'SIP-ETag',
  'sip-if-match': 'SIP-If-Match',
  'mime-version': 'MIME-Version',
};

const NAMES = new Map<string, string>();

/** The wire name of a header key: `content-length` → `Content-Length`. */
export function headerName(key: string): string {
  let name = NAMES.get(key);
  if (name === undefined) {
    name =
      (Object.hasOwn(CANONICAL, key) ? CANONICAL[key] : undefined) ??
      key.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
    // Bounded: unknown header names from peers do not grow it without limit.
    if (NAMES.size < 1000) NAMES.set(key, name);
  }
  return name;
}

export function headerKey(name: string): string {
  const lower = name.toLowerCase();
  // Own keys only: a header named `constructor` or `__proto__` is an extension header like any other.
  return Object.hasOwn(COMPACT, lower) ? COMPACT[lower]! : lower;
}

/** Header names as they arrive (`Call-ID`, `i`, `CSeq`) → key and wire name, bounded like NAMES. */
const SEEN_NAMES = new Map<string, { readonly key: string; readonly name: string }>();

function seenName(raw: string): { readonly key: string; readonly name: string } {
  const key = headerKey(raw);
  const kn = { key, name: headerName(key) };
  // Cached under a copy of the name: the name itself is a slice of a message.
  if (SEEN_NAMES.size < 1000) SEEN_NAMES.set(detach(raw), kn);
  return kn;
}

export const MAX_MESSAGE_BYTES = 64 * 1024;
const MAX_HEADERS = 256;
const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
const SIP_VERSION = 'SIP/2.0';

/** Headers with one value only: more than one is a malformed message (RFC 4475 §3.1.2.11 multi01). */
const SINGLE = new Set(['call-id', 'cseq', 'from', 'to', 'max-forwards', 'content-length', 'content-type', 'expires']);

function failure(status: number, reason: string, isRequest: boolean, headers: readonly SipHeader[]): ParseFailure {
  return { ok: false, status, reason, isRequest, headers };
}

/** Where the header section ends: the index of the empty line and the length of its terminator. */
export function headerEnd(buf: Buffer, from = 0): { at: number; length: number } | undefined {
  // One pass over the line feeds, whichever terminator comes first. Two searches (CRLFCRLF, LFLF)
  // read the rest of the buffer for the absent one at every message of a TCP segment: quadratic
  // in a segment of many small messages (found by fuzzing, S8.1).
  for (let i = buf.indexOf(0x0a, from); i >= 0; i = buf.indexOf(0x0a, i + 1)) {
    if (buf[i + 1] === 0x0a) return { at: i, length: 2 };
    if (buf[i + 1] === 0x0d && buf[i + 2] === 0x0a && i - 1 >= from && buf[i - 1] === 0x0d)
      return { at: i - 1, length: 4 };
  }
  return undefined;
}

/**
 * Parses one message. `stream` says it came over TCP already framed by Content-Length (the body
 * given is exactly the body); over UDP the datagram may carry trailing bytes past Content-Length,
 * which are discarded (§18.3), and a Content-Length larger than the datagram is an error.
 */
export function parseMessage(buf: Buffer, options: { stream?: boolean } = {}): ParseResult {
  if (buf.length > MAX_MESSAGE_BYTES) return failure(413, 'Message Too Large', true, []);
  const end = headerEnd(buf);
  const head = (end === undefined ? buf : buf.subarray(0, end.at)).toString('utf8');
  const rest = end === undefined ? Buffer.alloc(0) : buf.subarray(end.at + end.length);
  const lines = head.split(/\r?\n/);
  const start = lines[0] ?? '';
  const isRequest = !start.startsWith('SIP/');
  const parsed = parseHeaders(lines, isRequest);
  if ('ok' in parsed) return parsed;
  const { headers } = parsed;
  let bad = parsed.bad;
  if (end === undefined && !options.stream) bad ??= 'No empty line after the headers';
  const line = parseStartLine(start, isRequest, headers);
  if ('ok' in line) return line;
  if (bad !== undefined) return failure(400, bad, isRequest, headers);
  for (const key of SINGLE) {
    let n = 0;
    for (const h of headers) if (h.key === key) n++;
    if (n > 1) return failure(400, `More than one ${headerName(key)} header`, isRequest, headers);
  }
  const body = messageBody(rest, headers, isRequest, options.stream === true);
  if (!Buffer.isBuffer(body)) return body;
  const message: SipMessage =
    line.kind === 'request'
      ? { kind: 'request', method: line.method, uri: line.uri, headers, body }
      : { kind: 'response', status: line.status, reason: line.reason, headers, body };
  return { ok: true, message };
}

/**
 * The header lines after the start line. Continuation lines (§7.3.1: a line starting with
 * whitespace continues the previous) are joined once the header is complete: joining them line
 * by line copied the value again for each line, quadratic in a 64 KB datagram of folded lines
 * (found by fuzzing, S8.1). `bad` is the first malformation, reported after the start line.
 */
function parseHeaders(
  lines: readonly string[],
  isRequest: boolean,
): { headers: SipHeader[]; bad: string | undefined } | ParseResult {
  const headers: SipHeader[] = [];
  let folded: string[] = [];
  const unfold = (): void => {
    if (folded.length === 0) return;
    const last = headers.pop()!;
    headers.push({ ...last, value: [last.value, ...folded].filter((part) => part !== '').join(' ') });
    folded = [];
  };
  let bad: string | undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    if (line[0] === ' ' || line[0] === '\t') {
      if (headers.length === 0) bad ??= 'Continuation line without a header';
      else folded.push(line.trim());
      continue;
    }
    unfold();
    const colon = line.indexOf(':');
    const name = colon < 0 ? '' : line.slice(0, colon).trimEnd();
    const known = SEEN_NAMES.get(name);
    if (known === undefined && (colon < 0 || !TOKEN.test(name))) {
      bad ??= 'Malformed header line';
      continue;
    }
    if (headers.length >= MAX_HEADERS) return failure(413, 'Too Many Headers', isRequest, headers);
    const kn = known ?? seenName(name);
    headers.push({ key: kn.key, name: kn.name, value: line.slice(colon + 1).trim() });
  }
  unfold();
  return { headers, bad };
}

type StartLine =
  | { readonly kind: 'request'; readonly method: string; readonly uri: string }
  | { readonly kind: 'response'; readonly status: number; readonly reason: string };

function parseStartLine(start: string, isRequest: boolean, headers: SipHeader[]): StartLine | ParseResult {
  if (!isRequest) {
    // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (an empty phrase is allowed).
    const m = /^SIP\/2\.0 ([1-6][0-9][0-9])(?: (.*))?$/.exec(start);
    if (m === null) return failure(400, 'Malformed Status-Line', false, headers);
    return { kind: 'response', status: Number(m[1]), reason: m[2] ?? '' };
  }
  // Request-Line = Method SP Request-URI SP SIP-Version: exactly one space each (RFC 4475 §3.1.2.7, 3.1.2.8).
  const m = /^([^ \t]+) ([^ \t]+) ([^ \t]+)$/.exec(start);
  if (m === null) return failure(400, 'Malformed Request-Line', true, headers);
  const method = m[1]!;
  const uri = m[2]!;
  if (!TOKEN.test(method)) return failure(400, 'Malformed Method', true, headers);
  if (m[3] !== SIP_VERSION)
    return /^SIP\/\d+\.\d+$/i.test(m[3]!) && m[3]!.toUpperCase() !== SIP_VERSION
      ? failure(505, 'Version Not Supported', true, headers)
      : failure(400, 'Malformed SIP-Version', true, headers);
  if (!/^[A-Za-z][A-Za-z0-9+\-.]*:/.test(uri) || uri.includes('<') || uri.includes('>'))
    return failure(400, 'Malformed Request-URI', true, headers);
  return { kind: 'request', method, uri };
}

/** The body Content-Length names (over UDP, trailing bytes are discarded: §18.3). */
function messageBody(rest: Buffer, headers: SipHeader[], isRequest: boolean, stream: boolean): Buffer | ParseResult {
  const cl = headers.find((h) => h.key === 'content-length');
  if (cl === undefined) return stream ? Buffer.alloc(0) : rest;
  if (!/^[0-9]{1,9}$/.test(cl.value)) return failure(400, 'Malformed Content-Length', isRequest, headers);
  const length = Number(cl.value);
  if (length > MAX_MESSAGE_BYTES) return failure(413, 'Message Too Large', isRequest, headers);
  if (length > rest.length) return failure(400, 'Content-Length larger than the body', isRequest, headers);
  return rest.subarray(0, length);
}

/** The first value of a header (the whole line value, not split at commas). */
export function header(msg: { readonly headers: readonly SipHeader[] }, key: string): string | undefined {
  for (const h of msg.headers) if (h.key === key) return h.value;
  return undefined;
}

/**
 * Every value of a list header (Via, Contact, Route, Allow…): separate header lines and
 * comma-separated values alike (§7.3.1), splitting at commas outside quotes and angle brackets.
 */
export function headerValues(msg: { readonly headers: readonly SipHeader[] }, key: string): string[] {
  const out: string[] = [];
  for (const h of msg.headers) if (h.key === key) for (const v of splitList(h.value)) out.push(v);
  return out;
}

export function splitList(value: string): string[] {
  const out: string[] = [];
  let quoted = false;
  let angle = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '<') angle = true;
    else if (c === '>') angle = false;
    else if (c === ',' && !angle) {
      const part = value.slice(start, i).trim();
      if (part !== '') out.push(part);
      start = i + 1;
    }
  }
  const last = value.slice(start).trim();
  if (last !== '') out.push(last);
  return out;
}

/**
 * A copy of a string that does not share memory with the message it was cut from: V8 keeps a
 * substring as a slice of its parent, so keeping a Call-ID for an hour would keep the whole
 * message text. Use it for what outlives the request (subscriptions, bindings).
 */
export function detach(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

export type HeaderList = readonly (readonly [string, string])[];

/** Serializes a response; Content-Length is computed from the body. */
export function serializeResponse(
  status: number,
  reason: string,
  headers: HeaderList,
  body: string | Buffer = '',
): Buffer {
  return serialize(`SIP/2.0 ${status} ${reason}`, headers, body);
}

export function serializeRequest(method: string, uri: string, headers: HeaderList, body: string | Buffer = ''): Buffer {
  return serialize(`${method} ${uri} SIP/2.0`, headers, body);
}

/**
 * Messages are written straight into one scratch buffer and copied out at their exact length:
 * a NOTIFY or a response goes out without the intermediate strings (ropes, their flattened copy)
 * that concatenation would leave to the garbage collector on every message. One larger than the
 * scratch buffer is written into a buffer of its own.
 */
const scratch = Buffer.allocUnsafeSlow(MAX_MESSAGE_BYTES);
const COLON_SPACE = 0x203a; // ': ' little-endian, for writeUInt16LE
const CRLF = 0x0a0d;

function serialize(startLine: string, headers: HeaderList, body: string | Buffer): Buffer {
  const bodyBytes = typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.length;
  const contentLength = String(bodyBytes);
  // UTF-8 takes at most 3 bytes per UTF-16 unit: a buffer of this size cannot overflow.
  let bound = startLine.length * 3 + 2 + 20 + contentLength.length + 4 + bodyBytes;
  for (let i = 0; i < headers.length; i++) bound += (headers[i]![0].length + headers[i]![1].length) * 3 + 4;
  const into = bound > scratch.length ? Buffer.allocUnsafe(bound) : scratch;
  let at = into.write(startLine, 0, 'utf8');
  at = into.writeUInt16LE(CRLF, at);
  for (let i = 0; i < headers.length; i++) {
    const [name, value] = headers[i]!;
    if (name.length === 14 && name.toLowerCase() === 'content-length') continue;
    at += into.write(name, at, 'utf8');
    at = into.writeUInt16LE(COLON_SPACE, at);
    at += into.write(value, at, 'utf8');
    at = into.writeUInt16LE(CRLF, at);
  }
  at += into.write('Content-Length: ', at, 'latin1');
  at += into.write(contentLength, at, 'latin1');
  at = into.writeUInt32LE(0x0a0d0a0d, at);
  if (typeof body === 'string') at += into.write(body, at, 'utf8');
  else at += body.copy(into, at);
  if (into !== scratch) return into.subarray(0, at);
  const out = Buffer.allocUnsafe(at);
  scratch.copy(out, 0, 0, at);
  return out;
}
