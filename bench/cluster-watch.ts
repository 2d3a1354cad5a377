// The cluster bench's observers on the far node: a WebSocket feed watcher per tenant (the `ws`
// package; auth by bearer header, `subscribe` to the whole tenant) that reports each change's
// text (`k<n>`) as it arrives, and a minimal SIP UA over UDP that subscribes a tenant's admin
// to colleagues' BLF (Event: dialog, digest with the admin's SIP password) and reports each
// NOTIFY's lamp state. Times are the bench process's performance.now().
import { createHash, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import WebSocket from 'ws';
import { ADMIN_PASSWORD, domainOf } from './cluster-load.js';

/** Opens a watcher of `tenant` on the node at `port`; `onChange(k, at)` for each event whose new value has text k<n>. */
export async function watchTenant(
  port: number,
  token: string,
  tenant: string,
  onChange: (k: number, at: number) => void,
): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api/v1/stream`, { headers: { authorization: `Bearer ${token}` } });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const snapshot = new Promise<void>((resolve) => {
    ws.on('message', (data: Buffer) => {
      const at = performance.now();
      const m = JSON.parse(data.toString()) as { type: string; events?: { type: string; value?: unknown }[] };
      if (m.type === 'snapshot') resolve();
      if (m.type !== 'events' || m.events === undefined) return;
      for (const e of m.events) {
        if (e.type !== 'presence.changed') continue;
        const k = /"k(\d+)"/.exec(JSON.stringify(e.value))?.[1];
        if (k !== undefined) onChange(Number(k), at);
      }
    });
  });
  ws.send(JSON.stringify({ type: 'subscribe', id: tenant, scope: { tenant: true } }));
  await Promise.race([
    snapshot,
    new Promise((_, reject) => setTimeout(() => reject(new Error(`no snapshot of ${tenant}`)), 10_000)),
  ]);
  return ws;
}

/** The SIP password the bench gives the users it registers. */
export const sipPassword = (ext: string): string => `sip-${ext}-pass`;

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

interface Sub {
  readonly method: 'SUBSCRIBE' | 'REGISTER';
  /** Who signs in: the admin (100) for a SUBSCRIBE, the user for a REGISTER. */
  readonly user: string;
  readonly password: string;
  readonly callId: string;
  readonly target: string;
  readonly fromTag: string;
  cseq: number;
  done?: (status: number) => void;
}

/** BLF subscriptions of `tenant`'s admin (extension 100) on the node's SIP port. */
export class BlfWatcher {
  private socket!: Socket;
  private localPort = 0;
  private readonly subs = new Map<string, Sub>();
  onNotify: (target: string, state: string, at: number) => void = () => {};

  constructor(
    private readonly sipPort: number,
    private readonly tenant: string,
  ) {}

  async open(): Promise<void> {
    this.socket = createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
    await new Promise<void>((r) => this.socket.bind(0, '127.0.0.1', () => r()));
    this.localPort = this.socket.address().port;
    this.socket.on('message', (msg) => this.onMessage(msg.toString('latin1')));
  }

  /** Registers each extension (so DND lights its lamp: an offline user's lamp stays off). */
  async register(exts: readonly string[]): Promise<void> {
    for (const ext of exts) await this.ask('REGISTER', ext, sipPassword(ext), ext);
  }

  /** Subscribes to each target extension in turn; throws if one is not accepted. */
  async subscribe(targets: readonly string[]): Promise<void> {
    for (const target of targets) await this.ask('SUBSCRIBE', '100', ADMIN_PASSWORD, target);
  }

  private async ask(method: Sub['method'], user: string, password: string, target: string): Promise<void> {
    const callId = `${randomBytes(8).toString('hex')}@cb`;
    const sub: Sub = { method, user, password, callId, target, fromTag: randomBytes(4).toString('hex'), cseq: 1 };
    this.subs.set(sub.callId, sub);
    const status = await new Promise<number>((resolve) => {
      sub.done = resolve;
      this.send(sub);
      setTimeout(() => resolve(0), 5000);
    });
    sub.done = undefined;
    if (status < 200 || status >= 300) throw new Error(`${method} ${target}@${this.tenant}: ${status}`);
  }

  close(): void {
    this.socket.close();
  }

  private send(sub: Sub, nonce?: string): void {
    const domain = domainOf(this.tenant);
    const to = `sip:${sub.target}@${domain}`;
    const uri = sub.method === 'REGISTER' ? `sip:${domain}` : to;
    let auth = '';
    if (nonce !== undefined) {
      const cnonce = randomBytes(4).toString('hex');
      const ha1 = md5(`${sub.user}:${domain}:${sub.password}`);
      const response = md5(`${ha1}:${nonce}:00000001:${cnonce}:auth:${md5(`${sub.method}:${uri}`)}`);
      auth = `Authorization: Digest username="${sub.user}", realm="${domain}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5, qop=auth, nc=00000001, cnonce="${cnonce}"\r\n`;
    }
    const event = sub.method === 'SUBSCRIBE' ? 'Event: dialog\r\nAccept: application/dialog-info+xml\r\n' : '';
    const text =
      `${sub.method} ${uri} SIP/2.0\r\n` +
      `Via: SIP/2.0/UDP 127.0.0.1:${this.localPort};branch=z9hG4bK${randomBytes(6).toString('hex')};rport\r\n` +
      'Max-Forwards: 70\r\n' +
      `From: <sip:${sub.user}@${domain}>;tag=${sub.fromTag}\r\n` +
      `To: <${sub.method === 'REGISTER' ? `sip:${sub.user}@${domain}` : to}>\r\n` +
      `Call-ID: ${sub.callId}\r\n` +
      `CSeq: ${sub.cseq} ${sub.method}\r\n` +
      `Contact: <sip:${sub.user}@127.0.0.1:${this.localPort}>\r\n` +
      event +
      'Expires: 3600\r\n' +
      auth +
      'Content-Length: 0\r\n\r\n';
    this.socket.send(Buffer.from(text, 'latin1'), this.sipPort, '127.0.0.1');
  }

  private onMessage(text: string): void {
    const callId = /\r\nCall-ID: *([^\r]+)/i.exec(text)?.[1];
    const sub = callId === undefined ? undefined : this.subs.get(callId);
    if (text.startsWith('SIP/2.0 ')) {
      const status = Number(text.slice(8, 11));
      if (sub === undefined || status < 200) return;
      const nonce = /nonce="([^"]+)"/.exec(text)?.[1];
      if (status === 401 && nonce !== undefined && sub.cseq === 1) {
        sub.cseq++;
        this.send(sub, nonce);
        return;
      }
      sub.done?.(status);
      return;
    }
    if (!text.startsWith('NOTIFY ')) return;
    const at = performance.now();
    this.answer(text);
    const state = /<state>([a-z]+)<\/state>/.exec(text)?.[1] ?? 'terminated';
    if (sub !== undefined) this.onNotify(sub.target, state, at);
  }

  /** 200 OK with the request's Via, From, To, Call-ID and CSeq. */
  private answer(text: string): void {
    const head = text.slice(0, text.indexOf('\r\n\r\n')).split('\r\n');
    const keep = head.filter((l) => /^(Via|From|To|Call-ID|CSeq):/i.test(l));
    const reply = `SIP/2.0 200 OK\r\n${keep.join('\r\n')}\r\nContent-Length: 0\r\n\r\n`;
    this.socket.send(Buffer.from(reply, 'latin1'), this.sipPort, '127.0.0.1');
  }
}
