// A test phone over real sockets for S7.4: registers, places calls through the proxy (answering
// its 407), answers incoming INVITEs with a To tag and Contact, and builds the in-dialog
// requests (ACK, BYE) from the route set, as RFC 3261 §12 says a user agent does.
import { afterEach } from 'vitest';
import { randomBytes } from 'node:crypto';
import { header, headerValues, serializeRequest, serializeResponse } from '../../src/sip/message.js';
import type { SipRequest, SipResponse } from '../../src/sip/message.js';
import { TestUa, digest } from './ua.js';
import type { Headers } from './ua.js';

export const SDP = [
  'v=0',
  'o=- 1 1 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 40000 RTP/AVP 0',
  'a=rtpmap:0 PCMU/8000',
  '',
].join('\r\n');

const hex = (n: number) => randomBytes(n).toString('hex');
const tagOf = (v: string | undefined) => /;\s*tag=([^;>\s]+)/.exec(v ?? '')?.[1];
const uriOf = (v: string | undefined) => /<([^>]+)>/.exec(v ?? '')?.[1] ?? v ?? '';

/** One outgoing call of a phone: the INVITE's branch, and what the dialog needs. */
export interface Dial {
  readonly callId: string;
  readonly branch: string;
  readonly cseq: number;
  readonly uri: string;
  readonly from: string;
  readonly to: string;
  /** The final response, once it came. */
  final(ms?: number): Promise<SipResponse>;
  provisional(status: number, ms?: number): Promise<SipResponse>;
}

export interface PhoneOptions {
  readonly transport?: 'udp' | 'tcp';
  readonly register?: boolean;
  readonly password?: string;
}

/**
 * A test file's phones: the function returned opens (and registers) one on the server's port,
 * and every phone opened during a test is closed after it.
 */
export function phonesClosedAfterEach(port: () => number): (ext: string, options?: PhoneOptions) => Promise<Phone> {
  const open: Phone[] = [];
  afterEach(async () => {
    for (const p of open.splice(0)) await p.close();
  });
  return async (ext, options) => {
    const p = await Phone.open(port(), ext, options);
    open.push(p);
    return p;
  };
}

export class Phone {
  private registered = false;

  private constructor(
    readonly ua: TestUa,
    readonly ext: string,
    readonly password: string,
  ) {}

  static async open(port: number, ext: string, options: PhoneOptions = {}): Promise<Phone> {
    const ua = await TestUa.open(options.transport ?? 'udp', port);
    const phone = new Phone(ua, ext, options.password ?? `pass${ext}`);
    if (options.register !== false) {
      const r = await ua.authed(
        'REGISTER',
        'sip:acme.test',
        [ua.from(ext), ['To', `<sip:${ext}@acme.test>`], ['Contact', ua.contact], ['Expires', '600']],
        { user: ext, password: phone.password },
      );
      if (r.status !== 200) throw new Error(`register ${ext}: ${r.status}`);
      phone.registered = true;
    }
    return phone;
  }

  private via(branch: string): string {
    return `SIP/2.0/${this.ua.transport.toUpperCase()} 127.0.0.1:${this.ua.localPort};branch=${branch};rport`;
  }

  /** Sends an INVITE; when challenged with 407, ACKs it and sends it again with credentials. */
  async call(to: string, options: { headers?: Headers; body?: string; auth?: boolean } = {}): Promise<Dial> {
    const callId = `${hex(8)}@phone`;
    const uri = `sip:${to}@acme.test`;
    const from = `<sip:${this.ext}@acme.test>;tag=${hex(4)}`;
    const toHeader = `<${uri}>`;
    const body = options.body ?? SDP;
    let cseq = 1;
    let branch = `z9hG4bK${hex(6)}`;
    const ownMaxForwards = (options.headers ?? []).some(([k]) => k.toLowerCase() === 'max-forwards');
    const send = (extra: Headers) =>
      this.ua.send(
        serializeRequest(
          'INVITE',
          uri,
          [
            ['Via', this.via(branch)],
            ...(ownMaxForwards ? [] : [['Max-Forwards', '70'] as [string, string]]),
            ['From', from],
            ['To', toHeader],
            ['Call-ID', callId],
            ['CSeq', `${cseq} INVITE`],
            ['Contact', this.ua.contact],
            ['Content-Type', 'application/sdp'],
            ...(options.headers ?? []),
            ...extra,
          ],
          body,
        ),
      );
    const finalOf = (b: string, ms = 3000) =>
      this.ua.wait<SipResponse>(
        (m) => m.kind === 'response' && m.status >= 200 && (header(m, 'via') ?? '').includes(b),
        ms,
      );
    send([]);
    if (options.auth !== false) {
      const challenge = await finalOf(branch);
      if (challenge.status !== 407) throw new Error(`expected 407, got ${challenge.status}`);
      this.ackFailure(challenge, uri, branch, from, callId, cseq);
      const www = {
        ...challenge,
        headers: challenge.headers.map((h) => (h.key === 'proxy-authenticate' ? { ...h, key: 'www-authenticate' } : h)),
      };
      const credentials = digest(www, 'INVITE', uri, { user: this.ext, password: this.password });
      cseq = 2;
      branch = `z9hG4bK${hex(6)}`;
      send([['Proxy-Authorization', credentials]]);
    }
    const b = branch;
    return {
      callId,
      branch: b,
      cseq,
      uri,
      from,
      to: toHeader,
      final: (ms = 3000) => finalOf(b, ms),
      provisional: (status, ms = 3000) =>
        this.ua.wait<SipResponse>(
          (m) => m.kind === 'response' && m.status === status && (header(m, 'via') ?? '').includes(b),
          ms,
        ),
    };
  }

  /** §17.1.1.3: the ACK of a non-2xx final response. */
  ackFailure(res: SipResponse, uri: string, branch: string, from: string, callId: string, cseq: number): void {
    this.ua.send(
      serializeRequest('ACK', uri, [
        ['Via', this.via(branch)],
        ['Max-Forwards', '70'],
        ['From', from],
        ['To', header(res, 'to') ?? ''],
        ['Call-ID', callId],
        ['CSeq', `${cseq} ACK`],
      ]),
    );
  }

  /** CANCEL of a pending INVITE (§9.1): same branch, Request-URI, From, To and CSeq number. */
  async cancel(d: Dial): Promise<SipResponse> {
    this.ua.send(
      serializeRequest('CANCEL', d.uri, [
        ['Via', this.via(d.branch)],
        ['Max-Forwards', '70'],
        ['From', d.from],
        ['To', d.to],
        ['Call-ID', d.callId],
        ['CSeq', `${d.cseq} CANCEL`],
      ]),
    );
    return this.ua.wait<SipResponse>((m) => m.kind === 'response' && (header(m, 'cseq') ?? '').endsWith('CANCEL'));
  }

  /** The caller's side of an answered call: ACK and BYE along the reversed Record-Route (§12.1.2). */
  dialogOf(
    d: Dial,
    ok: SipResponse,
  ): { ack(): void; bye(): Promise<SipResponse>; reinvite(sdp: string): Promise<SipResponse> } {
    const routes = headerValues(ok, 'record-route').reverse();
    const target = uriOf(header(ok, 'contact'));
    const to = header(ok, 'to') ?? '';
    let cseq = d.cseq;
    const request = (method: string, n: number, branch: string, body = '') =>
      serializeRequest(
        method,
        target,
        [
          ['Via', this.via(branch)],
          ['Max-Forwards', '70'],
          ['From', d.from],
          ['To', to],
          ['Call-ID', d.callId],
          ['CSeq', `${n} ${method}`],
          ['Contact', this.ua.contact],
          ...routes.map((r) => ['Route', r] as [string, string]),
          ...(body === '' ? [] : [['Content-Type', 'application/sdp'] as [string, string]]),
        ],
        body,
      );
    return {
      ack: () => this.ua.send(request('ACK', d.cseq, `z9hG4bK${hex(6)}`)),
      reinvite: (sdp) => {
        const branch = `z9hG4bK${hex(6)}`;
        this.ua.send(request('INVITE', ++cseq, branch, sdp));
        return this.ua.wait<SipResponse>(
          (m) => m.kind === 'response' && m.status >= 200 && (header(m, 'via') ?? '').includes(branch),
        );
      },
      bye: () => {
        const branch = `z9hG4bK${hex(6)}`;
        this.ua.send(request('BYE', ++cseq, branch));
        return this.ua.wait<SipResponse>((m) => m.kind === 'response' && (header(m, 'via') ?? '').includes(branch));
      },
    };
  }

  /** The next request of a method (an INVITE, CANCEL, BYE or ACK reaching this phone). */
  next(method: string, ms = 3000): Promise<SipRequest> {
    return this.ua.wait<SipRequest>((m) => m.kind === 'request' && m.method === method, ms);
  }

  /** Answers a request as its user agent: every Via, a To tag, Record-Route and our Contact. */
  respond(req: SipRequest, status: number, reason: string, options: { toTag?: string; body?: string } = {}): void {
    const hs: Headers = [];
    for (const h of req.headers) {
      if (h.key === 'to')
        hs.push([
          'To',
          options.toTag !== undefined && tagOf(h.value) === undefined ? `${h.value};tag=${options.toTag}` : h.value,
        ]);
      else if (['via', 'from', 'call-id', 'cseq', 'record-route'].includes(h.key)) hs.push([h.name, h.value]);
    }
    if (req.method === 'INVITE' && status > 100) hs.push(['Contact', this.ua.contact]);
    if (options.body !== undefined) hs.push(['Content-Type', 'application/sdp']);
    this.ua.send(serializeResponse(status, reason, hs, options.body ?? ''));
  }

  /** The callee's BYE: to the caller's Contact, along the Record-Route as received (§12.1.1). */
  async byeFromCallee(invite: SipRequest, toTag: string): Promise<SipResponse> {
    const branch = `z9hG4bK${hex(6)}`;
    const to = header(invite, 'from') ?? '';
    const from = `${header(invite, 'to') ?? ''};tag=${toTag}`;
    const routes = headerValues(invite, 'record-route');
    this.ua.send(
      serializeRequest('BYE', uriOf(header(invite, 'contact')), [
        ['Via', this.via(branch)],
        ['Max-Forwards', '70'],
        ['From', from],
        ['To', to],
        ['Call-ID', header(invite, 'call-id') ?? ''],
        ['CSeq', '1 BYE'],
        ...routes.map((r) => ['Route', r] as [string, string]),
      ]),
    );
    return this.ua.wait<SipResponse>((m) => m.kind === 'response' && (header(m, 'via') ?? '').includes(branch));
  }

  /** Unregisters its contact (so later calls do not fork to a closed socket) and closes. */
  async close(): Promise<void> {
    if (this.registered) {
      await this.ua.authed(
        'REGISTER',
        'sip:acme.test',
        [this.ua.from(this.ext), ['To', `<sip:${this.ext}@acme.test>`], ['Contact', this.ua.contact], ['Expires', '0']],
        { user: this.ext, password: this.password },
      );
    }
    await this.ua.close();
  }
}
