// Parsers for the header values Switchboard reads: URIs, name-addr (From, To, Contact), Via,
// CSeq, generic parameters with quoted values, and digest credentials. Each returns undefined for
// a value it cannot read; the caller answers 400.

export interface SipUri {
  readonly scheme: string;
  /** The user part, %-escapes decoded (RFC 3261 §19.1.4: compare users unescaped). */
  readonly user?: string;
  readonly host: string;
  readonly port?: number;
  readonly params: ReadonlyMap<string, string>;
  /** The URI carried `?headers` (not allowed in a Request-URI, RFC 4475 §3.1.2.11). */
  readonly hasHeaders?: true;
}

export type Params = ReadonlyMap<string, string>;

export interface NameAddr {
  readonly display?: string;
  /** The URI text (inside the angle brackets when there are any). */
  readonly uri: string;
  readonly params: Params;
  /** `Contact: *` (RFC 3261 §10.2.2). */
  readonly star?: true;
}

export interface Via {
  readonly transport: string;
  readonly host: string;
  readonly port?: number;
  readonly params: Params;
}

function unquote(v: string): string {
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) {
    const inner = v.slice(1, -1);
    return inner.includes('\\') ? inner.replace(/\\(.)/g, '$1') : inner;
  }
  return v;
}

/** Splits at `sep` outside double quotes. */
function splitOutsideQuotes(s: string, sep: string): string[] {
  const out: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === sep) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}

const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

/** `;name=value;flag;q="x"` → map with lower-case names; undefined when a name is not a token. */
export function parseParams(s: string): Map<string, string> | undefined {
  const params = new Map<string, string>();
  const trimmed = s.trim();
  if (trimmed === '') return params;
  if (!trimmed.startsWith(';')) return undefined;
  for (const part of splitOutsideQuotes(trimmed.slice(1), ';')) {
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (!TOKEN.test(name)) return undefined;
    const raw = eq < 0 ? '' : part.slice(eq + 1).trim();
    if (raw.startsWith('"') && !(raw.length >= 2 && raw.endsWith('"'))) return undefined;
    params.set(name, unquote(raw));
  }
  return params;
}

function unescapeUser(user: string): string | undefined {
  if (!user.includes('%')) return user;
  try {
    return decodeURIComponent(user);
  } catch {
    return undefined;
  }
}

/** `sip:user:password@host:port;params?headers` (RFC 3261 §19.1.1). */
export function parseUri(text: string): SipUri | undefined {
  const m = /^([A-Za-z][A-Za-z0-9+\-.]*):(.*)$/s.exec(text.trim());
  if (m === null) return undefined;
  const scheme = m[1]!.toLowerCase();
  let rest = m[2]!;
  if (scheme !== 'sip' && scheme !== 'sips') return { scheme, host: '', params: new Map() };
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    const colon = userinfo.indexOf(':');
    const decoded = unescapeUser(colon < 0 ? userinfo : userinfo.slice(0, colon));
    if (decoded === undefined || decoded === '') return undefined;
    user = decoded;
    rest = rest.slice(at + 1);
  }
  // The user part may hold '?' and ';' (§25.1 user-unreserved); the host part cannot.
  const q = rest.indexOf('?');
  const hasHeaders = q >= 0;
  if (hasHeaders) rest = rest.slice(0, q);
  const semi = rest.indexOf(';');
  const hostport = semi < 0 ? rest : rest.slice(0, semi);
  const params = parseParams(semi < 0 ? '' : rest.slice(semi));
  if (params === undefined) return undefined;
  const hp = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-.]+)(?::([0-9]{1,5}))?$/.exec(hostport);
  if (hp === null) return undefined;
  const port = hp[2] === undefined ? undefined : Number(hp[2]);
  if (port !== undefined && port > 65535) return undefined;
  return {
    scheme,
    host: hp[1]!.toLowerCase(),
    params,
    ...(user !== undefined ? { user } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(hasHeaders ? { hasHeaders: true as const } : {}),
  };
}

/** From, To, Contact, Route: `"Name" <uri>;params`, `Name <uri>`, `uri;params` or `*`. */
export function parseNameAddr(value: string): NameAddr | undefined {
  const v = value.trim();
  if (v === '*') return { uri: '*', params: new Map(), star: true };
  let display: string | undefined;
  let rest = v;
  if (rest.startsWith('"')) {
    let i = 1;
    for (; i < rest.length; i++) {
      if (rest[i] === '\\') i++;
      else if (rest[i] === '"') break;
    }
    if (i >= rest.length) return undefined;
    display = rest.slice(1, i).replace(/\\(.)/g, '$1');
    rest = rest.slice(i + 1).trimStart();
    if (!rest.startsWith('<')) return undefined;
  }
  const lt = rest.indexOf('<');
  if (lt >= 0) {
    const gt = rest.indexOf('>', lt);
    if (gt < 0) return undefined;
    if (display === undefined && lt > 0) {
      display = rest.slice(0, lt).trim();
      // An unquoted display name is tokens and spaces only (RFC 4475 §3.1.2.15 baddn).
      if (!/^[A-Za-z0-9\-.!%*_+`'~ \t]*$/.test(display)) return undefined;
    }
    const uri = rest.slice(lt + 1, gt).trim();
    const params = parseParams(rest.slice(gt + 1));
    if (params === undefined || uri === '' || /\s/.test(uri)) return undefined;
    return { uri, params, ...(display !== undefined && display !== '' ? { display } : {}) };
  }
  // addr-spec without brackets: parameters after the first ';' belong to the header (§20.10).
  const semi = rest.indexOf(';');
  const uri = (semi < 0 ? rest : rest.slice(0, semi)).trim();
  const params = parseParams(semi < 0 ? '' : rest.slice(semi));
  if (params === undefined || uri === '' || /[\s,?]/.test(uri)) return undefined;
  return { uri, params };
}

/** `SIP / 2.0 / UDP host:port;branch=…` with LWS allowed around the slashes (§25.1). */
export function parseVia(value: string): Via | undefined {
  const m =
    /^SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z0-9\-.!%*_+`'~]+)\s+([^;\s:]+|\[[0-9A-Fa-f:.]+\])(?:\s*:\s*([0-9]{1,5}))?\s*(;.*)?$/is.exec(
      value.trim(),
    );
  if (m === null) return undefined;
  const params = parseParams(m[4] ?? '');
  if (params === undefined) return undefined;
  const port = m[3] === undefined ? undefined : Number(m[3]);
  if (port !== undefined && port > 65535) return undefined;
  return { transport: m[1]!.toUpperCase(), host: m[2]!.toLowerCase(), params, ...(port !== undefined ? { port } : {}) };
}

/** `CSeq: 4711 REGISTER`; the number is below 2**31 (§8.1.1.5). */
export function parseCSeq(value: string): { seq: number; method: string } | undefined {
  const m = /^([0-9]{1,10})\s+([A-Za-z0-9\-.!%*_+`'~]+)$/.exec(value.trim());
  if (m === null) return undefined;
  const seq = Number(m[1]);
  if (seq >= 2 ** 31) return undefined;
  return { seq, method: m[2]! };
}

/** `Expires`, `Min-Expires`, `Max-Forwards`: a non-negative integer, capped (RFC 4475 §3.1.2.4). */
export function parseDelta(value: string | undefined, max = 2 ** 32 - 1): number | undefined {
  if (value === undefined || !/^[0-9]{1,10}$/.test(value.trim())) return undefined;
  const n = Number(value.trim());
  return n > max ? undefined : n;
}

/** `Digest username="1001", realm="…", nonce="…", …` → lower-case names, unquoted values. */
export function parseDigest(value: string): Map<string, string> | undefined {
  const m = /^Digest\s+(.*)$/is.exec(value.trim());
  if (m === null) return undefined;
  const out = new Map<string, string>();
  for (const part of splitOutsideQuotes(m[1]!, ',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) return undefined;
    const name = part.slice(0, eq).trim().toLowerCase();
    if (!TOKEN.test(name)) return undefined;
    out.set(name, unquote(part.slice(eq + 1).trim()));
  }
  return out;
}

/** Quotes a parameter value when it is not a token. */
export function quoteIfNeeded(v: string): string {
  return TOKEN.test(v) ? v : `"${v.replace(/["\\]/g, '\\$&')}"`;
}

/** An address of record as a comparable key: `sip:user@host` (lower-case host, no port/params). */
export function aorKey(uri: SipUri): string {
  return `${uri.scheme}:${uri.user ?? ''}@${uri.host}`;
}
