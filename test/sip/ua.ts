// A minimal SIP user agent for tests over real sockets: sends requests, answers digest
// challenges, collects incoming NOTIFYs (answering them 200 unless told otherwise).
import { createHash, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import type { Socket as UdpSocket } from 'node:dgram';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { StreamFramer } from '../../src/sip/framing.js';
import { header, parseMessage, serializeRequest, serializeResponse } from '../../src/sip/message.js';
import type { SipRequest, SipResponse } from '../../src/sip/message.js';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

export type Headers = [string, string][];

export interface Auth {
  readonly user: string;
  readonly password: string;
}

export class TestUa {
  readonly requests: SipRequest[] = [];
  /** Every response received, as its bytes (to compare a retransmission's answer byte for byte). */
  readonly rawResponses: Buffer[] = [];
  private readonly waiters: {
    match: (m: SipRequest | SipResponse) => boolean;
    resolve: (m: SipRequest | SipResponse) => void;
  }[] = [];
  private readonly seen: (SipRequest | SipResponse)[] = [];
  /** Status to answer incoming NOTIFYs with (0: do not answer). */
  notifyAnswer = 200;
  readonly tag = randomBytes(4).toString('hex');
  readonly callId = `${randomBytes(8).toString('hex')}@test`;
  cseq = 1;

  private constructor(
    readonly transport: 'udp' | 'tcp',
    private readonly serverPort: number,
    private readonly udp: UdpSocket | undefined,
    private readonly tcp: Socket | undefined,
    readonly localPort: number,
    /** The loopback address the UA sends from (127.0.0.2… look like other hosts). */
    readonly localAddress = '127.0.0.1',
  ) {}

  static async open(transport: 'udp' | 'tcp', serverPort: number, localAddress = '127.0.0.1'): Promise<TestUa> {
    if (transport === 'udp') {
      const udp = createSocket('udp4');
      await new Promise<void>((r) => udp.bind(0, localAddress, () => r()));
      const ua = new TestUa('udp', serverPort, udp, undefined, udp.address().port, localAddress);
      udp.on('message', (m) => ua.incoming(m));
      return ua;
    }
    const tcp = connect({ host: '127.0.0.1', port: serverPort, localAddress });
    await new Promise<void>((r, j) => {
      tcp.once('connect', () => r());
      tcp.once('error', j);
    });
    const ua = new TestUa('tcp', serverPort, undefined, tcp, tcp.localPort!, localAddress);
    const framer = new StreamFramer();
    tcp.on('data', (d: Buffer) => {
      for (const f of framer.push(d)) if (f.type === 'message') ua.incoming(f.bytes);
    });
    return ua;
  }

  get contact(): string {
    return `<sip:ua@${this.localAddress}:${this.localPort}${this.transport === 'tcp' ? ';transport=tcp' : ''}>`;
  }

  send(bytes: Buffer | string): void {
    const b = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
    if (this.udp) this.udp.send(b, this.serverPort, '127.0.0.1');
    else this.tcp!.write(b);
  }

  private incoming(bytes: Buffer): void {
    const parsed = parseMessage(bytes, { stream: this.transport === 'tcp' });
    if (!parsed.ok) return;
    const m = parsed.message;
    if (m.kind === 'response') this.rawResponses.push(bytes);
    if (m.kind === 'request') {
      this.requests.push(m);
      if (m.method === 'NOTIFY' && this.notifyAnswer > 0) this.answer(m, this.notifyAnswer);
    }
    this.seen.push(m);
    for (let i = 0; i < this.waiters.length; i++) {
      const w = this.waiters[i]!;
      if (w.match(m)) {
        this.waiters.splice(i, 1);
        w.resolve(m);
        break;
      }
    }
  }

  answer(req: SipRequest, status: number, reason = status === 200 ? 'OK' : 'Error'): void {
    const hs: Headers = [];
    for (const h of req.headers)
      if (['via', 'from', 'to', 'call-id', 'cseq'].includes(h.key)) hs.push([h.name, h.value]);
    this.send(serializeResponse(status, reason, hs));
  }

  /** Waits for a message matching `match` (already received or arriving within `ms`). */
  wait<T extends SipRequest | SipResponse>(match: (m: SipRequest | SipResponse) => boolean, ms = 3000): Promise<T> {
    const i = this.seen.findIndex(match);
    if (i >= 0) return Promise.resolve(this.seen.splice(i, 1)[0] as T);
    return new Promise((resolve, reject) => {
      const w = {
        match,
        resolve: (m: SipRequest | SipResponse) => {
          clearTimeout(timer);
          const j = this.seen.indexOf(m);
          if (j >= 0) this.seen.splice(j, 1);
          resolve(m as T);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`no matching SIP message within ${ms} ms`));
      }, ms);
      this.waiters.push(w);
    });
  }

  nextNotify(ms = 3000): Promise<SipRequest> {
    return this.wait<SipRequest>((m) => m.kind === 'request' && m.method === 'NOTIFY', ms);
  }

  /** Sends a request and waits for its final response. */
  async request(
    method: string,
    uri: string,
    headers: Headers,
    body = '',
    options: { cseq?: number; callId?: string } = {},
  ): Promise<SipResponse> {
    const branch = `z9hG4bK${randomBytes(6).toString('hex')}`;
    const cseq = options.cseq ?? this.cseq++;
    const all: Headers = [
      ['Via', `SIP/2.0/${this.transport.toUpperCase()} ${this.localAddress}:${this.localPort};branch=${branch};rport`],
      ['Max-Forwards', '70'],
      ['Call-ID', options.callId ?? this.callId],
      ['CSeq', `${cseq} ${method}`],
      ...headers,
    ];
    this.send(serializeRequest(method, uri, all, body));
    return this.wait<SipResponse>(
      (m) => m.kind === 'response' && m.status >= 200 && (header(m, 'via') ?? '').includes(branch),
    );
  }

  /** A request, answered with credentials when challenged (once). */
  async authed(
    method: string,
    uri: string,
    headers: Headers,
    auth: Auth,
    body = '',
    options: { callId?: string } = {},
  ): Promise<SipResponse> {
    const first = await this.request(method, uri, headers, body, options);
    if (first.status !== 401) return first;
    return this.request(method, uri, [...headers, ['Authorization', digest(first, method, uri, auth)]], body, options);
  }

  from(user: string, domain = 'acme.test'): [string, string] {
    return ['From', `<sip:${user}@${domain}>;tag=${this.tag}`];
  }

  async close(): Promise<void> {
    if (this.udp) await new Promise<void>((r) => this.udp!.close(() => r()));
    this.tcp?.destroy();
  }
}

/** The Authorization value answering a 401's challenge (qop=auth, nc=1). */
export function digest(
  challenge: SipResponse,
  method: string,
  uri: string,
  auth: Auth,
  nc = 1,
  cnonceIn?: string,
): string {
  const www = header(challenge, 'www-authenticate') ?? '';
  const realm = /realm="([^"]*)"/.exec(www)![1]!;
  const nonce = /nonce="([^"]*)"/.exec(www)![1]!;
  const ncs = nc.toString(16).padStart(8, '0');
  const cnonce = cnonceIn ?? randomBytes(4).toString('hex');
  const ha1 = md5(`${auth.user}:${realm}:${auth.password}`);
  const ha2 = md5(`${method}:${uri}`);
  const response = md5(`${ha1}:${nonce}:${ncs}:${cnonce}:auth:${ha2}`);
  return `Digest username="${auth.user}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5, qop=auth, nc=${ncs}, cnonce="${cnonce}"`;
}
