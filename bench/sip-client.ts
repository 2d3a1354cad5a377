// The SIP bench's client: a separate light process (forked by bench/sip.ts, driven over IPC)
// speaking raw SIP over a few UDP sockets. It registers users with digest (401, then the
// credentials), opens dialog subscriptions (SUBSCRIBE Event: dialog with digest), answers every
// NOTIFY with 200 and, while measuring, records each NOTIFY's arrival (monotonic clock, shared by
// both processes on this machine) with its target and dialog-info version.
import { createHash, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';

export type ToClient =
  | { readonly type: 'init'; readonly port: number; readonly domain: string; readonly sockets: number }
  | {
      readonly type: 'register';
      readonly users: readonly string[];
      readonly concurrency: number;
      readonly expiresSec: number;
    }
  | {
      readonly type: 'subscribe';
      readonly pairs: readonly (readonly [string, string])[];
      readonly concurrency: number;
      readonly expiresSec: number;
    }
  | { readonly type: 'measure'; readonly on: boolean }
  | { readonly type: 'arrivals' }
  | { readonly type: 'close' };

export interface PhaseStats {
  readonly ok: number;
  readonly failed: number;
  readonly retransmits: number;
  readonly seconds: number;
  readonly statuses: Record<string, number>;
  readonly cpuMs: number;
}

export type FromClient =
  | { readonly type: 'ready' }
  | ({ readonly type: 'registered' } & PhaseStats)
  | ({
      readonly type: 'subscribed';
      readonly initialNotifies: number;
      /** The targets of every subscription held so far. */
      readonly targets: number[];
    } & PhaseStats)
  | { readonly type: 'measuring'; readonly on: boolean }
  | {
      readonly type: 'arrivals';
      readonly targets: number[];
      readonly versions: number[];
      /** The BLF state each NOTIFY carried: 1 confirmed (busy), 0 terminated (free), 2 early. */
      readonly states: number[];
      readonly atMs: number[];
      readonly notifies: number;
      readonly retransmitted: number;
      readonly cpuMs: number;
    }
  | { readonly type: 'closed' };

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

interface Pending {
  readonly callId: string;
  readonly method: 'REGISTER' | 'SUBSCRIBE';
  readonly user: string;
  readonly target: string;
  readonly socket: number;
  readonly fromTag: string;
  cseq: number;
  bytes: Buffer;
  sentAt: number;
  tries: number;
  authed: boolean;
}

let port = 0;
let domain = '';
let sockets: Socket[] = [];
let localPorts: number[] = [];
const pending = new Map<string, Pending>();
/** Subscription Call-ID → target extension (as a number). */
const subs = new Map<string, number>();
let measuring = false;

/**
 * The arrivals measured, in typed arrays grown by doubling: the client is part of the measuring
 * apparatus, and its own garbage collection (a JS array of boxed times, a Set of string keys)
 * would add its pauses to the latencies it reports.
 */
class Arrivals {
  n = 0;
  targets = new Int32Array(1 << 16);
  versions = new Int32Array(1 << 16);
  states = new Int32Array(1 << 16);
  atMs = new Float64Array(1 << 16);

  push(target: number, version: number, state: number, at: number): void {
    if (this.n === this.atMs.length) {
      const grow = <T extends Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      this.targets = grow(this.targets, (n) => new Int32Array(n));
      this.versions = grow(this.versions, (n) => new Int32Array(n));
      this.states = grow(this.states, (n) => new Int32Array(n));
      this.atMs = grow(this.atMs, (n) => new Float64Array(n));
    }
    this.targets[this.n] = target;
    this.versions[this.n] = version;
    this.states[this.n] = state;
    this.atMs[this.n++] = at;
  }
}

let arrivals = new Arrivals();
let notifies = 0;
let initialNotifies = 0;
let retransmitted = 0;
/** The highest dialog version seen per subscription (by Call-ID): versions rise by one per NOTIFY. */
let lastVersion = new Map<string, number>();
let measureCpu = process.cpuUsage();

let phase:
  | {
      ok: number;
      failed: number;
      retransmits: number;
      statuses: Record<string, number>;
      left: string[][];
      next: number;
      concurrency: number;
      expiresSec: number;
      done: () => void;
    }
  | undefined;

function reply(m: FromClient): void {
  process.send!(m);
}

function build(p: Pending, nonce?: string): Buffer {
  const uri = p.method === 'REGISTER' ? `sip:${domain}` : `sip:${p.target}@${domain}`;
  const branch = `z9hG4bK${randomBytes(6).toString('hex')}`;
  const lp = localPorts[p.socket]!;
  let auth = '';
  if (nonce !== undefined) {
    const cnonce = randomBytes(4).toString('hex');
    const ha1 = md5(`${p.user}:${domain}:pw${p.user}`);
    const response = md5(`${ha1}:${nonce}:00000001:${cnonce}:auth:${md5(`${p.method}:${uri}`)}`);
    auth = `Authorization: Digest username="${p.user}", realm="${domain}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5, qop=auth, nc=00000001, cnonce="${cnonce}"\r\n`;
  }
  const to = p.method === 'REGISTER' ? `<sip:${p.user}@${domain}>` : `<sip:${p.target}@${domain}>`;
  const event = p.method === 'SUBSCRIBE' ? 'Event: dialog\r\nAccept: application/dialog-info+xml\r\n' : '';
  const text =
    `${p.method} ${uri} SIP/2.0\r\n` +
    `Via: SIP/2.0/UDP 127.0.0.1:${lp};branch=${branch};rport\r\n` +
    'Max-Forwards: 70\r\n' +
    `From: <sip:${p.user}@${domain}>;tag=${p.fromTag}\r\n` +
    `To: ${to}\r\n` +
    `Call-ID: ${p.callId}\r\n` +
    `CSeq: ${p.cseq} ${p.method}\r\n` +
    `Contact: <sip:${p.user}@127.0.0.1:${lp}>\r\n` +
    event +
    `Expires: ${phase?.expiresSec ?? 3600}\r\n` +
    auth +
    'Content-Length: 0\r\n\r\n';
  return Buffer.from(text, 'latin1');
}

function send(p: Pending): void {
  p.sentAt = nowMs();
  sockets[p.socket]!.send(p.bytes, port, '127.0.0.1');
}

function startNext(): void {
  const ph = phase;
  if (ph === undefined) return;
  while (pending.size < ph.concurrency && ph.next < ph.left.length) {
    const [a, b] = ph.left[ph.next]!;
    const i = ph.next++;
    const method = b === undefined ? 'REGISTER' : 'SUBSCRIBE';
    const p: Pending = {
      callId: `${randomBytes(8).toString('hex')}@bench`,
      method,
      user: a!,
      target: b ?? a!,
      socket: i % sockets.length,
      fromTag: randomBytes(4).toString('hex'),
      cseq: 1,
      bytes: Buffer.alloc(0),
      sentAt: 0,
      tries: 0,
      authed: false,
    };
    p.bytes = build(p);
    pending.set(p.callId, p);
    send(p);
  }
  if (pending.size === 0 && ph.next >= ph.left.length) {
    phase = undefined;
    ph.done();
  }
}

function finish(p: Pending, ok: boolean, status: string): void {
  pending.delete(p.callId);
  const ph = phase;
  if (ph === undefined) return;
  ph.statuses[status] = (ph.statuses[status] ?? 0) + 1;
  if (ok) {
    ph.ok++;
    if (p.method === 'SUBSCRIBE') subs.set(p.callId, Number(p.target));
  } else ph.failed++;
  startNext();
}

const CALL_ID = /\r\nCall-ID: *([^\r]+)/i;

function onMessage(msg: Buffer, socketIndex: number): void {
  const text = msg.toString('latin1');
  if (text.startsWith('SIP/2.0 ')) {
    const status = Number(text.slice(8, 11));
    if (status < 200) return;
    const callId = CALL_ID.exec(text)?.[1];
    const p = callId === undefined ? undefined : pending.get(callId);
    if (p === undefined) return;
    if (status === 401 && !p.authed) {
      const nonce = /nonce="([^"]+)"/.exec(text)?.[1];
      if (nonce === undefined) return finish(p, false, '401-no-nonce');
      p.authed = true;
      p.cseq++;
      p.tries = 0;
      p.bytes = build(p, nonce);
      send(p);
      return;
    }
    finish(p, status >= 200 && status < 300, String(status));
    return;
  }
  if (text.startsWith('NOTIFY ')) {
    const at = nowMs();
    // Answer 200 with the request's Via, From, To, Call-ID and CSeq.
    let head = 'SIP/2.0 200 OK\r\n';
    const end = text.indexOf('\r\n\r\n');
    for (let from = 0; from < end;) {
      let to = text.indexOf('\r\n', from);
      if (to < 0 || to > end) to = end;
      const c = text.charCodeAt(from);
      if (
        (c === 86 && text.startsWith('Via:', from)) ||
        (c === 70 && text.startsWith('From:', from)) ||
        (c === 84 && text.startsWith('To:', from)) ||
        (c === 67 && (text.startsWith('Call-ID:', from) || text.startsWith('CSeq:', from)))
      )
        head += `${text.slice(from, to)}\r\n`;
      from = to + 2;
    }
    sockets[socketIndex]!.send(Buffer.from(`${head}Content-Length: 0\r\n\r\n`, 'latin1'), port, '127.0.0.1');
    notifies++;
    const callId = CALL_ID.exec(text)?.[1];
    const target = callId === undefined ? undefined : (subs.get(callId) ?? pending.get(callId)?.target);
    const versionText = /version="([0-9]+)"/.exec(text)?.[1];
    if (versionText === '0') initialNotifies++;
    if (!measuring || callId === undefined || versionText === undefined) return;
    // A retransmitted NOTIFY (our 200 was late or lost) counts once, at its first arrival.
    const version = Number(versionText);
    const last = lastVersion.get(callId);
    if (last !== undefined && version <= last) {
      retransmitted++;
      return;
    }
    lastVersion.set(callId, version);
    const state = /<state>([a-z]+)<\/state>/.exec(text)?.[1];
    if (target !== undefined)
      arrivals.push(Number(target), version, state === 'confirmed' ? 1 : state === 'early' ? 2 : 0, at);
  }
}

function checkRetransmits(): void {
  const now = nowMs();
  for (const p of pending.values()) {
    if (now - p.sentAt < 1000) continue;
    if (p.tries >= 3) {
      finish(p, false, 'timeout');
      continue;
    }
    p.tries++;
    if (phase) phase.retransmits++;
    send(p);
  }
}

async function runPhase(
  kind: 'registered' | 'subscribed',
  left: string[][],
  concurrency: number,
  expiresSec: number,
): Promise<void> {
  const started = nowMs();
  const cpu = process.cpuUsage();
  const result = await new Promise<{
    ok: number;
    failed: number;
    retransmits: number;
    statuses: Record<string, number>;
  }>((resolve) => {
    const ph = {
      ok: 0,
      failed: 0,
      retransmits: 0,
      statuses: {},
      left,
      next: 0,
      concurrency,
      expiresSec,
      done: () => resolve({ ok: ph.ok, failed: ph.failed, retransmits: ph.retransmits, statuses: ph.statuses }),
    };
    phase = ph;
    startNext();
  });
  const c = process.cpuUsage(cpu);
  const stats: PhaseStats = { ...result, seconds: (nowMs() - started) / 1000, cpuMs: (c.user + c.system) / 1000 };
  if (kind === 'registered') reply({ type: 'registered', ...stats });
  else reply({ type: 'subscribed', ...stats, initialNotifies, targets: [...subs.values()] });
}

const timer = setInterval(checkRetransmits, 200);

process.on('message', (m: ToClient) => {
  switch (m.type) {
    case 'init': {
      port = m.port;
      domain = m.domain;
      void (async () => {
        sockets = [];
        localPorts = [];
        for (let i = 0; i < m.sockets; i++) {
          const s = createSocket({ type: 'udp4', recvBufferSize: 16 * 1024 * 1024, sendBufferSize: 16 * 1024 * 1024 });
          await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
          s.on('message', (msg) => onMessage(msg, i));
          sockets.push(s);
          localPorts.push(s.address().port);
        }
        reply({ type: 'ready' });
      })();
      return;
    }
    case 'register':
      void runPhase(
        'registered',
        m.users.map((u) => [u]),
        m.concurrency,
        m.expiresSec,
      );
      return;
    case 'subscribe':
      initialNotifies = 0;
      void runPhase(
        'subscribed',
        m.pairs.map(([a, b]) => [a, b]),
        m.concurrency,
        m.expiresSec,
      );
      return;
    case 'measure':
      measuring = m.on;
      if (m.on) {
        arrivals = new Arrivals();
        notifies = 0;
        retransmitted = 0;
        lastVersion = new Map();
        measureCpu = process.cpuUsage();
      }
      reply({ type: 'measuring', on: m.on });
      return;
    case 'arrivals':
      {
        const c = process.cpuUsage(measureCpu);
        const n = arrivals.n;
        reply({
          type: 'arrivals',
          targets: Array.from(arrivals.targets.subarray(0, n)),
          versions: Array.from(arrivals.versions.subarray(0, n)),
          states: Array.from(arrivals.states.subarray(0, n)),
          atMs: Array.from(arrivals.atMs.subarray(0, n)),
          notifies,
          retransmitted,
          cpuMs: (c.user + c.system) / 1000,
        });
      }
      return;
    case 'close':
      clearInterval(timer);
      for (const s of sockets) s.close();
      reply({ type: 'closed' });
      process.disconnect?.();
      return;
  }
});

process.on('disconnect', () => {
  clearInterval(timer);
  for (const s of sockets) {
    try {
      s.close();
    } catch {
      // already closed
    }
  }
});
