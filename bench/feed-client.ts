// The feed bench's client: a separate process holding many WebSocket watchers, forked by
// bench/feed.ts and driven over IPC. It stays light: watchers subscribe to their whole tenant, so
// the events they get have consecutive seqs and a watcher counts them by reading only the last
// seq at the end of each frame (`…,"seq":N}]}`); only sampled watchers parse frames, to measure
// each event's delay from its `at` (the server's clock; both processes share the machine's).
import WebSocket from 'ws';

export interface WatcherSpec {
  readonly token: string;
  readonly scope: unknown;
  readonly sample: boolean;
}

export type ToClient =
  | { readonly type: 'connect'; readonly url: string; readonly watchers: readonly WatcherSpec[]; readonly concurrency: number }
  | { readonly type: 'start' }
  | { readonly type: 'stop' }
  | { readonly type: 'close' };

export interface ClientStats {
  readonly received: number;
  readonly sampled: number;
  readonly frames: number;
  readonly resyncs: number;
  readonly errors: number;
  readonly closed: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly cpuMs: number;
}

export type FromClient =
  | { readonly type: 'connected'; readonly open: number; readonly failed: number; readonly seconds: number }
  | { readonly type: 'started' }
  | ({ readonly type: 'stats' } & ClientStats)
  | { readonly type: 'closed' };

const SEQ = Buffer.from('"seq":');
const MAX_MS = 60_000;
const COLON = 0x3a;

interface Watcher {
  readonly ws: WebSocket;
  /** The last seq received, and the one when measuring started. */
  seq: number;
  base: number;
}

let sockets: Watcher[] = [];
let hist = new Uint32Array(MAX_MS + 1);
let sampled = 0;
let frames = 0;
let resyncs = 0;
let errors = 0;
let closed = 0;
let cpuAtStart = process.cpuUsage();

function reply(m: FromClient): void {
  process.send!(m);
}

/** The number after the last `"seq":` of a frame ending `…"seq":N}]}`, read backwards. */
function lastSeq(data: Buffer): number {
  let n = 0;
  let scale = 1;
  for (let i = data.length - 4; i > 0 && data[i] !== COLON; i--, scale *= 10) n += (data[i]! - 0x30) * scale;
  return n;
}

/** The snapshot's position: its first `"seq":` (right after the epoch, before the records). */
function snapshotSeq(data: Buffer): number {
  let n = 0;
  for (let j = data.indexOf(SEQ) + SEQ.length; data[j]! >= 0x30 && data[j]! <= 0x39; j++) n = n * 10 + (data[j]! - 0x30);
  return n;
}

function open(url: string, spec: WatcherSpec): Promise<boolean> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${spec.token}` }, perMessageDeflate: false, skipUTF8Validation: true });
    let ready = false;
    const w: Watcher = { ws, seq: 0, base: 0 };
    const timer = setTimeout(() => {
      if (!ready) {
        ws.terminate();
        resolve(false);
      }
    }, 120_000);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'subscribe', id: 's', scope: spec.scope })));
    ws.on('message', (data: Buffer) => {
      const kind = data.toString('latin1', 9, 12);
      if (kind === 'eve') {
        frames++;
        if (spec.sample) {
          const now = Date.now();
          const events = (JSON.parse(data.toString('utf8')) as { events: { at: number }[] }).events;
          for (const e of events) hist[Math.min(MAX_MS, Math.max(0, now - e.at))]!++;
          sampled += events.length;
        }
        w.seq = lastSeq(data);
      } else if (kind === 'sna') {
        if (!ready) {
          ready = true;
          w.seq = w.base = snapshotSeq(data);
          clearTimeout(timer);
          sockets.push(w);
          resolve(true);
        }
      } else if (kind === 'res') resyncs++;
      else if (kind === 'err') errors++;
    });
    ws.on('close', () => {
      closed++;
      if (!ready) {
        clearTimeout(timer);
        resolve(false);
      }
    });
    ws.on('error', () => {});
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

// The bench disconnects when it is done; exiting normally lets --cpu-prof write its profile.
process.on('disconnect', () => process.exit(0));

process.on('message', (m: ToClient) => {
  switch (m.type) {
    case 'connect': {
      const started = Date.now();
      let next = 0;
      let ok = 0;
      let failed = 0;
      const worker = async () => {
        while (next < m.watchers.length) {
          const spec = m.watchers[next++]!;
          if (await open(m.url, spec)) ok++;
          else failed++;
        }
      };
      void Promise.all(Array.from({ length: m.concurrency }, worker)).then(() => reply({ type: 'connected', open: ok, failed, seconds: (Date.now() - started) / 1000 }));
      return;
    }
    case 'start':
      hist = new Uint32Array(MAX_MS + 1);
      sampled = frames = resyncs = errors = closed = 0;
      for (const w of sockets) w.base = w.seq;
      cpuAtStart = process.cpuUsage();
      return reply({ type: 'started' });
    case 'stop': {
      const cpu = process.cpuUsage(cpuAtStart);
      let received = 0;
      for (const w of sockets) received += w.seq - w.base;
      let max = 0;
      for (let ms = MAX_MS; ms >= 0; ms--) {
        if (hist[ms]! > 0) {
          max = ms;
          break;
        }
      }
      return reply({ type: 'stats', received, sampled, frames, resyncs, errors, closed, p50Ms: percentile(50), p99Ms: percentile(99), maxMs: max, cpuMs: Math.round((cpu.user + cpu.system) / 1000) });
    }
    case 'close': {
      const all = sockets;
      sockets = [];
      for (const w of all) w.ws.terminate();
      return reply({ type: 'closed' });
    }
  }
});
