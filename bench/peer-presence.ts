// bench:peer's third load: PUBLISH → NOTIFY. sipp cannot hold thousands of subscriptions open
// while another party publishes, so this is a small raw-UDP client (like bench/sip-client.ts):
// the presentities register, `subscriptions` watchers subscribe to them (Event: presence, with
// digest), then each presentity PUBLISHes open/closed in turn (with digest, SIP-If-Match) at
// `changesPerSec` in all, and every NOTIFY's delay from the PUBLISH of its presentity is timed.
// It runs as its own process (bench/peer.ts starts it), not in the process hosting Switchboard.
import { createHash, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { pathToFileURL } from 'node:url';

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Waiter {
  readonly resolve: (r: { status: number; text: string }) => void;
}

/** One UDP socket speaking to one server: requests with digest, NOTIFYs answered 200 and timed. */
class Client {
  private readonly waiting = new Map<string, Waiter>();
  private readonly nonces = new Map<string, { realm: string; nonce: string; nc: number }>();
  /** Call-ID of a subscription → its presentity; NOTIFY arrivals per presentity. */
  readonly subscriptionOf = new Map<string, string>();
  onNotify: (presentity: string, at: number) => void = () => {};

  private constructor(
    private readonly sock: Socket,
    private readonly port: number,
    private readonly domain: string,
  ) {}

  static async open(port: number, domain: string): Promise<Client> {
    const sock = createSocket({ type: 'udp4', recvBufferSize: 8 * 1024 * 1024, sendBufferSize: 8 * 1024 * 1024 });
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const c = new Client(sock, port, domain);
    sock.on('message', (m) => c.incoming(m.toString('latin1')));
    return c;
  }

  get local(): string {
    return `127.0.0.1:${this.sock.address().port}`;
  }

  private incoming(text: string): void {
    const callId = /^(?:Call-ID|i)\s*:\s*(\S+)/im.exec(text)?.[1] ?? '';
    if (text.startsWith('NOTIFY ')) {
      const at = nowMs();
      const head = text.slice(0, text.indexOf('\r\n\r\n'));
      const keep = head.split('\r\n').filter((l) => /^(via|v|from|f|to|t|call-id|i|cseq)\s*:/i.test(l));
      this.sock.send(`SIP/2.0 200 OK\r\n${keep.join('\r\n')}\r\nContent-Length: 0\r\n\r\n`, this.port, '127.0.0.1');
      const presentity = this.subscriptionOf.get(callId);
      if (presentity !== undefined) this.onNotify(presentity, at);
      return;
    }
    const branch = /branch=([^;,\s]+)/i.exec(text)?.[1];
    const status = Number(text.slice(8, 11));
    if (branch === undefined || status < 200) return;
    const w = this.waiting.get(branch);
    if (w === undefined) return;
    this.waiting.delete(branch);
    w.resolve({ status, text });
  }

  private send(
    method: string,
    uri: string,
    headers: string[],
    body: string,
    authz: string | undefined,
  ): Promise<{ status: number; text: string }> {
    const branch = `z9hG4bK${randomBytes(8).toString('hex')}`;
    const msg = [
      `${method} ${uri} SIP/2.0`,
      `Via: SIP/2.0/UDP ${this.local};branch=${branch};rport`,
      'Max-Forwards: 70',
      ...headers,
      ...(authz === undefined ? [] : [`Authorization: ${authz}`]),
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ].join('\r\n');
    return new Promise((resolve) => {
      // Retransmitted at T1, 2*T1, … like a phone over UDP (RFC 3261 §17.1.2.2), given up at 8 s.
      let retransmit: NodeJS.Timeout | undefined;
      const again = (ms: number) => {
        retransmit = setTimeout(() => {
          this.sock.send(msg, this.port, '127.0.0.1');
          again(Math.min(ms * 2, 4000));
        }, ms);
      };
      const timer = setTimeout(() => {
        clearTimeout(retransmit);
        this.waiting.delete(branch);
        resolve({ status: 0, text: '' });
      }, 8000);
      this.waiting.set(branch, {
        resolve: (r) => {
          clearTimeout(timer);
          clearTimeout(retransmit);
          resolve(r);
        },
      });
      this.sock.send(msg, this.port, '127.0.0.1');
      again(500);
    });
  }

  private authorization(user: string, method: string, uri: string): string | undefined {
    const n = this.nonces.get(user);
    if (n === undefined) return undefined;
    n.nc++;
    const nc = n.nc.toString(16).padStart(8, '0');
    const cnonce = randomBytes(6).toString('hex');
    const ha1 = md5(`${user}:${n.realm}:pw${user}`);
    const response = md5(`${ha1}:${n.nonce}:${nc}:${cnonce}:auth:${md5(`${method}:${uri}`)}`);
    return `Digest username="${user}", realm="${n.realm}", nonce="${n.nonce}", uri="${uri}", response="${response}", algorithm=MD5, qop=auth, nc=${nc}, cnonce="${cnonce}"`;
  }

  /** A request with the user's credentials: the last nonce (nc + 1) first, a fresh one when challenged. */
  async request(
    user: string,
    method: string,
    uri: string,
    headers: (cseq: number) => string[],
    body = '',
  ): Promise<{ status: number; text: string }> {
    let r = await this.send(method, uri, headers(1), body, this.authorization(user, method, uri));
    if (r.status !== 401) return r;
    const www = /WWW-Authenticate\s*:\s*Digest (.*)/i.exec(r.text)?.[1] ?? '';
    this.nonces.set(user, {
      realm: /realm="([^"]*)"/.exec(www)?.[1] ?? this.domain,
      nonce: /nonce="([^"]*)"/.exec(www)?.[1] ?? '',
      nc: 0,
    });
    r = await this.send(method, uri, headers(2), body, this.authorization(user, method, uri));
    return r;
  }

  close(): void {
    this.sock.close();
  }
}

const pidf = (user: string, domain: string, basic: 'open' | 'closed') =>
  `<?xml version="1.0" encoding="UTF-8"?>\r\n<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:${user}@${domain}"><tuple id="t1"><status><basic>${basic}</basic></status></tuple></presence>\r\n`;

/** Runs `jobs` with at most `width` at a time; returns how many returned true. */
async function pool<T>(items: readonly T[], width: number, job: (item: T) => Promise<boolean>): Promise<number> {
  let next = 0;
  let ok = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) if (await job(items[next++]!)) ok++;
    }),
  );
  return ok;
}

export interface PresenceResult {
  readonly subscribed: number;
  /** The final statuses answered to the SUBSCRIBEs (0: none within 8 s). */
  readonly subscribeStatuses: Record<number, number>;
  readonly published: number;
  readonly publishFailed: number;
  readonly notifies: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly achievedChangesPerSec: number;
}

export async function presenceLatency(
  port: number,
  domain: string,
  exts: readonly string[],
  options: { subscriptions: number; presentities: number; changesPerSec: number; seconds: number },
): Promise<PresenceResult> {
  const c = await Client.open(port, domain);
  try {
    const presentities = exts.slice(0, options.presentities);
    const contact = (u: string) => `Contact: <sip:${u}@${c.local}>`;
    const callIds = new Map<string, string>();
    const subscribeStatuses: Record<number, number> = {};
    await pool(presentities, 100, async (p) => {
      const callId = `${randomBytes(8).toString('hex')}@peer`;
      const r = await c.request(p, 'REGISTER', `sip:${domain}`, (cseq) => [
        `From: <sip:${p}@${domain}>;tag=r${p}`,
        `To: <sip:${p}@${domain}>`,
        `Call-ID: ${callId}`,
        `CSeq: ${cseq} REGISTER`,
        contact(p),
        'Expires: 3600',
      ]);
      return r.status === 200;
    });
    const pairs = Array.from(
      { length: options.subscriptions },
      (_, j) =>
        [
          exts[options.presentities + (j % (exts.length - options.presentities))]!,
          presentities[j % presentities.length]!,
        ] as const,
    );
    const subscribed = await pool(pairs, 200, async ([w, p]) => {
      const callId = `${randomBytes(8).toString('hex')}@peer`;
      c.subscriptionOf.set(callId, p);
      callIds.set(callId, p);
      const uri = `sip:${p}@${domain}`;
      const r = await c.request(w, 'SUBSCRIBE', uri, (cseq) => [
        `From: <sip:${w}@${domain}>;tag=s${w}`,
        `To: <${uri}>`,
        `Call-ID: ${callId}`,
        `CSeq: ${cseq} SUBSCRIBE`,
        contact(w),
        'Event: presence',
        'Accept: application/pidf+xml',
        'Expires: 3600',
      ]);
      subscribeStatuses[r.status] = (subscribeStatuses[r.status] ?? 0) + 1;
      return r.status === 200 || r.status === 202;
    });
    await sleep(1500);
    const sentAt = new Map<string, number>();
    const delays: number[] = [];
    c.onNotify = (p, at) => {
      const t = sentAt.get(p);
      if (t !== undefined) delays.push(at - t);
    };
    const etags = new Map<string, string>();
    const basics = new Map<string, 'open' | 'closed'>();
    const busy = new Set<string>();
    let published = 0;
    let failed = 0;
    const total = options.changesPerSec * options.seconds;
    const started = nowMs();
    let i = 0;
    const inFlight: Promise<void>[] = [];
    while (published + failed + busy.size < total && nowMs() - started < options.seconds * 1000 + 5000) {
      const due = Math.min(total, Math.floor(((nowMs() - started) / 1000) * options.changesPerSec));
      for (let tries = 0; published + failed + busy.size < due && tries < presentities.length; tries++) {
        const p = presentities[i++ % presentities.length]!;
        if (busy.has(p)) continue;
        busy.add(p);
        // Closed first: a registered user is available already, so open would change nothing.
        const basic = basics.get(p) === 'closed' ? 'open' : 'closed';
        basics.set(p, basic);
        const etag = etags.get(p);
        const uri = `sip:${p}@${domain}`;
        const callId = `${randomBytes(8).toString('hex')}@peer`;
        sentAt.set(p, nowMs());
        inFlight.push(
          c
            .request(
              p,
              'PUBLISH',
              uri,
              (cseq) => [
                `From: <${uri}>;tag=p${p}`,
                `To: <${uri}>`,
                `Call-ID: ${callId}`,
                `CSeq: ${cseq} PUBLISH`,
                'Event: presence',
                'Expires: 3600',
                'Content-Type: application/pidf+xml',
                ...(etag === undefined ? [] : [`SIP-If-Match: ${etag}`]),
              ],
              pidf(p, domain, basic),
            )
            .then((r) => {
              busy.delete(p);
              const tag = /SIP-ETag\s*:\s*(\S+)/i.exec(r.text)?.[1];
              if (r.status === 200 && tag !== undefined) {
                etags.set(p, tag);
                published++;
              } else {
                etags.delete(p);
                failed++;
              }
            }),
        );
      }
      await sleep(5);
    }
    const seconds = (nowMs() - started) / 1000;
    await Promise.all(inFlight);
    await sleep(1000);
    delays.sort((a, b) => a - b);
    const at = (q: number) =>
      delays.length === 0
        ? 0
        : Math.round(delays[Math.min(delays.length - 1, Math.floor(q * delays.length))]! * 100) / 100;
    return {
      subscribed,
      subscribeStatuses,
      published,
      publishFailed: failed,
      notifies: delays.length,
      p50Ms: at(0.5),
      p99Ms: at(0.99),
      achievedChangesPerSec: Math.round(published / seconds),
    };
  } finally {
    c.close();
  }
}

/** Run by bench/peer.ts: `node peer-presence.js` reads its arguments as JSON on stdin, prints the result as JSON. */
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  let input = '';
  for await (const chunk of process.stdin) input += String(chunk);
  const a = JSON.parse(input) as {
    port: number;
    domain: string;
    exts: string[];
    options: Parameters<typeof presenceLatency>[3];
  };
  process.stdout.write(JSON.stringify(await presenceLatency(a.port, a.domain, a.exts, a.options)));
}
