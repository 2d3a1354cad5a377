// An incoming request checked for what every handler needs (RFC 3261 §8.2: Via, From, To,
// Call-ID, CSeq matching the method), and responses built from it (§8.2.6: copy Via, From, To,
// Call-ID and CSeq; add a To tag; §18.2.1 and RFC 3581: received and rport on the top Via).
import type { NameAddr, SipUri, Via } from './headers.js';
import { parseCSeq, parseNameAddr, parseUri, parseVia } from './headers.js';
import type { HeaderList, SipHeader, SipRequest } from './message.js';
import { header, headerValues, serializeResponse } from './message.js';
import { randomHex } from './random.js';
import type { Flow } from './transport.js';

export interface Incoming {
  readonly req: SipRequest;
  readonly flow: Flow;
  readonly ruri: SipUri;
  readonly vias: readonly string[];
  readonly topVia: Via;
  readonly callId: string;
  readonly cseq: { readonly seq: number; readonly method: string };
  readonly from: NameAddr;
  readonly fromUri: SipUri;
  readonly fromTag: string | undefined;
  readonly to: NameAddr;
  readonly toUri: SipUri;
  readonly toTag: string | undefined;
  /** The raw From and To values, for copying into responses and NOTIFYs. */
  readonly rawFrom: string;
  readonly rawTo: string;
}

export type Checked =
  | { readonly ok: true; readonly inc: Incoming }
  | { readonly ok: false; readonly status: number; readonly reason: string };

export function checkRequest(req: SipRequest, flow: Flow): Checked {
  const bad = (reason: string, status = 400): Checked => ({ ok: false, status, reason });
  const vias = headerValues(req, 'via');
  const topVia = vias[0] === undefined ? undefined : parseVia(vias[0]);
  if (topVia === undefined) return bad('Bad Request: Via');
  for (let i = 1; i < vias.length; i++) if (parseVia(vias[i]!) === undefined) return bad('Bad Request: Via');
  const callId = header(req, 'call-id');
  if (callId === undefined || callId === '' || /\s/.test(callId)) return bad('Bad Request: Call-ID');
  const cseqRaw = header(req, 'cseq');
  const cseq = cseqRaw === undefined ? undefined : parseCSeq(cseqRaw);
  if (cseq === undefined) return bad('Bad Request: CSeq');
  // RFC 4475 §3.1.2.17 mismatch01: the CSeq method must be the request's method.
  if (cseq.method !== req.method) return bad('Bad Request: CSeq method does not match');
  const rawFrom = header(req, 'from');
  const rawTo = header(req, 'to');
  const from = rawFrom === undefined ? undefined : parseNameAddr(rawFrom);
  const to = rawTo === undefined ? undefined : parseNameAddr(rawTo);
  if (from === undefined || from.star) return bad('Bad Request: From');
  if (to === undefined || to.star) return bad('Bad Request: To');
  const fromUri = parseUri(from.uri);
  const toUri = parseUri(to.uri);
  if (fromUri === undefined) return bad('Bad Request: From URI');
  if (toUri === undefined) return bad('Bad Request: To URI');
  const ruri = parseUri(req.uri);
  if (ruri === undefined) return bad('Bad Request: Request-URI');
  // §8.2.2.1: a scheme we do not serve is 416.
  if (ruri.scheme !== 'sip') return bad('Unsupported URI Scheme', 416);
  if (ruri.hasHeaders) return bad('Bad Request: headers in the Request-URI');
  const mf = header(req, 'max-forwards');
  if (mf !== undefined && !/^[0-9]{1,10}$/.test(mf)) return bad('Bad Request: Max-Forwards');
  if (mf !== undefined && Number(mf) > 255) return bad('Bad Request: Max-Forwards');
  return {
    ok: true,
    inc: {
      req,
      flow,
      ruri,
      vias,
      topVia,
      callId,
      cseq,
      from,
      fromUri,
      fromTag: from.params.get('tag'),
      to,
      toUri,
      toTag: to.params.get('tag'),
      rawFrom: rawFrom!,
      rawTo: rawTo!,
    },
  };
}

export function newTag(): string {
  return randomHex(12);
}

/**
 * A tag that sorts by creation time: the time in base 36 (8 characters until 2059) and 64 random
 * bits (RFC 3261 §19.3 asks for at least 32). Stored rows keyed by it (subscriptions, S8.2) are
 * appended at the end of the table's index instead of landing on a random page each, so a batch
 * of new subscriptions writes a few pages to the journal rather than one per row.
 */
export function orderedTag(now = Date.now()): string {
  return now.toString(36) + randomHex(16);
}

/** The top Via with what the server saw: `received` and a filled-in `rport` (RFC 3581 §4). */
export function stampVia(via: string, flow: Flow): string {
  let out = via;
  let hasRport = false;
  out = out.replace(/;\s*rport(\s*=\s*[0-9]*)?(?=\s*(;|$))/i, () => {
    hasRport = true;
    return `;rport=${flow.port}`;
  });
  const m = /^SIP\s*\/\s*2\.0\s*\/\s*\S+\s+([^;\s:]+|\[[^\]]+\])/i.exec(via);
  const host = m?.[1] ?? '';
  if ((hasRport || host !== flow.address) && !/;\s*received\s*=/i.test(out)) out += `;received=${flow.address}`;
  return out;
}

export interface RawDialogHeaders {
  readonly vias: readonly string[];
  readonly from: string;
  readonly to: string;
  readonly callId: string;
  readonly cseq: string;
}

/** Raw copies of the headers a response needs, when all are present (for answering bad input). */
export function rawDialogHeaders(headers: readonly SipHeader[]): RawDialogHeaders | undefined {
  const get = (k: string) => headers.find((h) => h.key === k)?.value;
  const vias = headerValues({ headers }, 'via');
  const from = get('from');
  const to = get('to');
  const callId = get('call-id');
  const cseq = get('cseq');
  if (vias.length === 0 || from === undefined || to === undefined || callId === undefined || cseq === undefined)
    return undefined;
  return { vias, from, to, callId, cseq };
}

export const SERVER_NAME = 'Switchboard';

export function buildResponse(
  raw: RawDialogHeaders,
  flow: Flow,
  status: number,
  reason: string,
  extra: HeaderList = [],
  body: string | Buffer = '',
  toTag?: string,
): Buffer {
  const headers: [string, string][] = [];
  raw.vias.forEach((v, i) => headers.push(['Via', i === 0 ? stampVia(v, flow) : v]));
  headers.push(['From', raw.from]);
  const hasTag =
    /;\s*tag\s*=/i.test(raw.to.slice(raw.to.lastIndexOf('>') + 1)) ||
    (!raw.to.includes('>') && /;\s*tag\s*=/i.test(raw.to));
  headers.push(['To', status > 100 && !hasTag ? `${raw.to};tag=${toTag ?? newTag()}` : raw.to]);
  headers.push(['Call-ID', raw.callId]);
  headers.push(['CSeq', raw.cseq]);
  for (const h of extra) headers.push([h[0], h[1]]);
  headers.push(['Server', SERVER_NAME]);
  return serializeResponse(status, reason, headers, body);
}

export function rawOf(inc: Incoming): RawDialogHeaders {
  return {
    vias: inc.vias,
    from: inc.rawFrom,
    to: inc.rawTo,
    callId: inc.callId,
    cseq: `${inc.cseq.seq} ${inc.cseq.method}`,
  };
}
