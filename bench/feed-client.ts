// The feed bench's client: a separate process holding many WebSocket watchers, forked by
// bench/feed.ts and driven over IPC. It is a load generator, so it stays light: its own small
// RFC 6455 client on plain TCP sockets (the upgrade handshake with its accept check, frames,
// fragments, ping/pong), reading every socket into one reused buffer (`onread`), so a read
// allocates nothing and the client's garbage collector stays out of the way of the server.
// Every byte of every frame is read. Watchers subscribe to their whole tenant, so the events they
// get have consecutive seqs: a watcher counts them by the last seq at the end of each frame
// (`…,"seq":N}]}`) and checks that each frame's first seq follows the last one (a gap or a repeat
// is counted and fails the run). Sampled watchers also read each event's `at` (the server's
// Date.now() when the change was submitted; both processes share the machine's clock) and record
// its delay to the moment the frame was read.
import { createHash, randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import type { Socket } from 'node:net';

export interface WatcherSpec {
  readonly token: string;
  readonly scope: unknown;
  readonly sample: boolean;
}

export type ToClient =
  | {
      readonly type: 'connect';
      readonly url: string;
      readonly watchers: readonly WatcherSpec[];
      readonly concurrency: number;
    }
  | { readonly type: 'start' }
  | { readonly type: 'stop' }
  | { readonly type: 'close' };

export interface ClientStats {
  readonly received: number;
  readonly sampled: number;
  readonly frames: number;
  /** Frames whose first seq did not follow the watcher's last one (lost or repeated events). */
  readonly gaps: number;
  readonly resyncs: number;
  readonly errors: number;
  readonly closed: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly cpuMs: number;
  readonly cpuKernelMs: number;
}

export type FromClient =
  | { readonly type: 'connected'; readonly open: number; readonly failed: number; readonly seconds: number }
  | { readonly type: 'started' }
  | ({ readonly type: 'stats' } & ClientStats)
  | { readonly type: 'closed' };

const MAX_MS = 60_000;
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const HEADERS_END = Buffer.from('\r\n\r\n');
const SEQ = Buffer.from('"seq":');
const AT = Buffer.from('"at":');
const [COLON, CLOSE_BRACE, CLOSE_BRACKET, DIGIT_0, DIGIT_9] = [0x3a, 0x7d, 0x5d, 0x30, 0x39];
const [OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG] = [0x0, 0x1, 0x2, 0x8, 0x9, 0xa];

/** Every socket reads into this one buffer: a read is handled completely before the next one. */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

let watchers: Watcher[] = [];
let hist = new Uint32Array(MAX_MS + 1);
let sampled = 0;
let frames = 0;
let gaps = 0;
let resyncs = 0;
let errors = 0;
let closed = 0;
let cpuAtStart = process.cpuUsage();

/** Reads the decimal number starting at `i` (no sign, no fraction). */
function numberAt(data: Buffer, i: number, end: number): number {
  let n = 0;
  for (; i < end && data[i]! >= DIGIT_0 && data[i]! <= DIGIT_9; i++) n = n * 10 + (data[i]! - DIGIT_0);
  return n;
}

/** Grows `buf` (keeping its first `used` bytes) so it holds at least `size`. */
function ensure(buf: Buffer, used: number, size: number): Buffer {
  if (buf.length >= size) return buf;
  const bigger = Buffer.allocUnsafe(Math.max(size, buf.length * 2));
  buf.copy(bigger, 0, 0, used);
  return bigger;
}

/** One client-to-server frame: FIN set, masked with a fresh key as RFC 6455 §5.3 requires. */
function maskedFrame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const headLen = len < 126 ? 2 : len < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headLen + 4 + len);
  frame[0] = 0x80 | opcode;
  if (len < 126) frame[1] = 0x80 | len;
  else if (len < 65_536) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(len, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(len), 2);
  }
  const mask = randomBytes(4);
  mask.copy(frame, headLen);
  for (let i = 0; i < len; i++) frame[headLen + 4 + i] = payload[i]! ^ mask[i & 3]!;
  return frame;
}

class Watcher {
  readonly socket: Socket;
  /** The last seq received, and the one when measuring started. */
  seq = 0;
  base = 0;
  private upgraded = false;
  private ready = false;
  private settle: ((ok: boolean) => void) | undefined;
  private readonly key = randomBytes(16).toString('base64');
  /** Bytes of an incomplete frame (or of the upgrade response) carried to the next read. */
  private carry: Buffer = Buffer.alloc(0);
  private carryLen = 0;
  /** A message arriving in fragments, assembled. */
  private message: Buffer = Buffer.alloc(0);
  private messageLen = 0;
  private fragmented = false;

  constructor(
    private readonly url: URL,
    private readonly spec: WatcherSpec,
    settle: (ok: boolean) => void,
  ) {
    this.settle = settle;
    this.socket = connect({
      host: url.hostname,
      port: Number(url.port),
      noDelay: true,
      onread: { buffer: READ_BUFFER, callback: (n: number, buf: Uint8Array) => this.onRead(buf as Buffer, n) },
    });
    this.socket.on('connect', () => this.socket.write(this.upgradeRequest()));
    this.socket.on('close', () => this.onClose());
    this.socket.on('error', () => {});
  }

  private upgradeRequest(): string {
    return [
      `GET ${this.url.pathname} HTTP/1.1`,
      `Host: ${this.url.host}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${this.key}`,
      'Sec-WebSocket-Version: 13',
      `Authorization: Bearer ${this.spec.token}`,
      '',
      '',
    ].join('\r\n');
  }

  /** Frames are handled in place in the read buffer; only an incomplete one is copied, to `carry`. */
  private onRead(buf: Buffer, n: number): boolean {
    let data: Buffer = buf;
    let end = n;
    if (this.carryLen > 0) {
      this.carry = ensure(this.carry, this.carryLen, this.carryLen + n);
      buf.copy(this.carry, this.carryLen, 0, n);
      this.carryLen += n;
      data = this.carry;
      end = this.carryLen;
    }
    let p = 0;
    if (!this.upgraded) {
      p = this.handshake(data, end);
      if (p < 0) {
        this.keep(data, 0, end);
        return true;
      }
    }
    for (;;) {
      const used = this.frame(data, p, end);
      if (used === 0) break;
      p += used;
    }
    this.keep(data, p, end);
    return true;
  }

  /** Keeps data[p, end) for the next read (it may be the carry buffer itself). */
  private keep(data: Buffer, p: number, end: number): void {
    const left = end - p;
    if (left === 0) {
      this.carryLen = 0;
      return;
    }
    if (data === this.carry) {
      if (p > 0) this.carry.copy(this.carry, 0, p, end);
    } else {
      this.carry = ensure(this.carry, 0, left);
      data.copy(this.carry, 0, p, end);
    }
    this.carryLen = left;
  }

  /** The 101 answer: where the frames start, or -1 while the headers are incomplete. */
  private handshake(data: Buffer, end: number): number {
    const at = data.subarray(0, end).indexOf(HEADERS_END);
    if (at < 0) {
      if (end > 16_384) this.fail();
      return -1;
    }
    const head = data.toString('latin1', 0, at);
    const accept = createHash('sha1')
      .update(this.key + WS_GUID)
      .digest('base64');
    const headerAccept = /\r\nsec-websocket-accept: *(\S+)/i.exec(head)?.[1];
    if (!head.startsWith('HTTP/1.1 101') || headerAccept !== accept) {
      this.fail();
      return -1;
    }
    this.upgraded = true;
    this.socket.write(
      maskedFrame(OP_TEXT, Buffer.from(JSON.stringify({ type: 'subscribe', id: 's', scope: this.spec.scope }))),
    );
    return at + HEADERS_END.length;
  }

  /** Handles the frame at `p` if it is complete: its length, else 0. */
  private frame(data: Buffer, p: number, end: number): number {
    if (end - p < 2) return 0;
    const b0 = data[p]!;
    const b1 = data[p + 1]!;
    let len = b1 & 0x7f;
    let headLen = 2;
    if (len === 126) {
      if (end - p < 4) return 0;
      len = data.readUInt16BE(p + 2);
      headLen = 4;
    } else if (len === 127) {
      if (end - p < 10) return 0;
      len = data.readUInt32BE(p + 2) * 2 ** 32 + data.readUInt32BE(p + 6);
      headLen = 10;
    }
    if ((b1 & 0x80) !== 0) {
      // RFC 6455 §5.1: a server never masks its frames.
      errors++;
      this.fail();
      return 0;
    }
    if (end - p < headLen + len) return 0;
    const s = p + headLen;
    const e = s + len;
    const fin = (b0 & 0x80) !== 0;
    const opcode = b0 & 0x0f;
    switch (opcode) {
      case OP_TEXT:
      case OP_BINARY:
        if (fin) this.onMessage(data, s, e);
        else {
          this.fragmented = true;
          this.messageLen = 0;
          this.append(data, s, e);
        }
        break;
      case OP_CONTINUATION:
        if (!this.fragmented) {
          errors++;
          break;
        }
        this.append(data, s, e);
        if (fin) {
          this.fragmented = false;
          this.onMessage(this.message, 0, this.messageLen);
        }
        break;
      case OP_PING:
        this.socket.write(maskedFrame(OP_PONG, data.subarray(s, e)));
        break;
      case OP_PONG:
        break;
      case OP_CLOSE:
        this.socket.end();
        break;
      default:
        errors++;
    }
    return headLen + len;
  }

  private append(data: Buffer, s: number, e: number): void {
    this.message = ensure(this.message, this.messageLen, this.messageLen + (e - s));
    data.copy(this.message, this.messageLen, s, e);
    this.messageLen += e - s;
  }

  /** One whole server message in data[s, e): `{"type":"<kind>"…`, the kind read at byte 9. */
  private onMessage(data: Buffer, s: number, e: number): void {
    const k = s + 9;
    if (data[k] === 0x65 && data[k + 1] === 0x76)
      this.onEvents(data, s, e); // "events"
    else if (data[k] === 0x73 && data[k + 1] === 0x6e)
      this.onSnapshot(data, s, e); // "snapshot"
    else if (data[k] === 0x72 && data[k + 1] === 0x65 && data[k + 2] === 0x73 && data[k + 3] === 0x79)
      resyncs++; // "resync"
    else if (data[k] === 0x65 && data[k + 1] === 0x72) errors++; // "error"
  }

  private onEvents(data: Buffer, s: number, e: number): void {
    frames++;
    if (!(data[e - 1] === CLOSE_BRACE && data[e - 2] === CLOSE_BRACKET && data[e - 3] === CLOSE_BRACE)) {
      errors++;
      return;
    }
    // Events carry `"seq"` only at their top level, last: the first one is the first event's.
    const first = data.indexOf(SEQ, s);
    if (first < 0 || first >= e) {
      errors++;
      return;
    }
    if (numberAt(data, first + SEQ.length, e) !== this.seq + 1) gaps++;
    if (this.spec.sample) this.sample(data, s, e);
    // The last seq, read backwards from before the closing `}]}`.
    let n = 0;
    let scale = 1;
    for (let i = e - 4; i > s && data[i] !== COLON; i--, scale *= 10) n += (data[i]! - DIGIT_0) * scale;
    this.seq = n;
  }

  /** Each event's `at` (top level only: nested timestamps are `since`, `setAt`…) against now. */
  private sample(data: Buffer, s: number, e: number): void {
    const now = Date.now();
    for (let i = data.indexOf(AT, s); i >= 0 && i < e; i = data.indexOf(AT, i + AT.length)) {
      const at = numberAt(data, i + AT.length, e);
      hist[Math.min(MAX_MS, Math.max(0, now - at))]!++;
      sampled++;
    }
  }

  private onSnapshot(data: Buffer, s: number, e: number): void {
    if (this.ready) return;
    // The snapshot's position: its first `"seq":`, right after the epoch, before the records.
    const i = data.indexOf(SEQ, s);
    if (i < 0 || i >= e) return this.fail();
    this.seq = this.base = numberAt(data, i + SEQ.length, e);
    this.ready = true;
    watchers.push(this);
    this.settle?.(true);
    this.settle = undefined;
  }

  fail(): void {
    this.settle?.(false);
    this.settle = undefined;
    this.socket.destroy();
  }

  private onClose(): void {
    closed++;
    this.settle?.(false);
    this.settle = undefined;
  }
}

function open(url: URL, spec: WatcherSpec): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => w.fail(), 120_000);
    const w = new Watcher(url, spec, (ok) => {
      clearTimeout(timer);
      resolve(ok);
    });
  });
}

function percentile(p: number): number {
  const total = hist.reduce((a, b) => a + b, 0);
  if (total === 0) return -1;
  const rank = Math.ceil((p / 100) * total);
  let seen = 0;
  for (let ms = 0; ms <= MAX_MS; ms++) {
    seen += hist[ms]!;
    if (seen >= rank) return ms;
  }
  return MAX_MS;
}

function reply(m: FromClient): void {
  process.send!(m);
}

// The bench disconnects when it is done; exiting normally lets --cpu-prof write its profile.
process.on('disconnect', () => process.exit(0));

process.on('message', (m: ToClient) => {
  switch (m.type) {
    case 'connect': {
      const started = Date.now();
      const url = new URL(m.url);
      let next = 0;
      let ok = 0;
      let failed = 0;
      const worker = async () => {
        while (next < m.watchers.length) {
          const spec = m.watchers[next++]!;
          if (await open(url, spec)) ok++;
          else failed++;
        }
      };
      void Promise.all(Array.from({ length: m.concurrency }, worker)).then(() =>
        reply({ type: 'connected', open: ok, failed, seconds: (Date.now() - started) / 1000 }),
      );
      return;
    }
    case 'start':
      hist = new Uint32Array(MAX_MS + 1);
      sampled = frames = gaps = resyncs = errors = closed = 0;
      for (const w of watchers) w.base = w.seq;
      cpuAtStart = process.cpuUsage();
      return reply({ type: 'started' });
    case 'stop': {
      const cpu = process.cpuUsage(cpuAtStart);
      let received = 0;
      for (const w of watchers) received += w.seq - w.base;
      let max = 0;
      for (let ms = MAX_MS; ms >= 0; ms--) {
        if (hist[ms]! > 0) {
          max = ms;
          break;
        }
      }
      return reply({
        type: 'stats',
        received,
        sampled,
        frames,
        gaps,
        resyncs,
        errors,
        closed,
        p50Ms: percentile(50),
        p99Ms: percentile(99),
        maxMs: max,
        cpuMs: Math.round((cpu.user + cpu.system) / 1000),
        cpuKernelMs: Math.round(cpu.system / 1000),
      });
    }
    case 'close': {
      const all = watchers;
      watchers = [];
      for (const w of all) w.socket.destroy();
      return reply({ type: 'closed' });
    }
  }
});
