// bench:burst's REST load: a separate process (forked by bench/burst.ts, driven over IPC) that
// sends status changes (PUT /api/v1/users/{u}/status) at a fixed rate, open loop, over a pool of
// keep-alive connections, and records each change: its user, the state it set, when it was due
// and when it was written to a connection (monotonic clock, shared with the other processes on this
// machine), its HTTP status and latency.
// A change waits for a free connection like a client's would; its latency counts from when it was due.
import { Agent, request } from 'node:http';

export interface RestLoad {
  readonly type: 'load';
  readonly port: number;
  readonly token: string;
  readonly exts: readonly string[];
  readonly perSec: number;
  readonly seconds: number;
  readonly connections: number;
}

export interface RestDone {
  readonly type: 'done';
  /** Per change: the index of its user in `exts`, 1 for dnd (BLF busy) or 0 for available, … */
  readonly users: number[];
  readonly busy: number[];
  readonly dueAt: number[];
  /** When the request was written to its connection (it may wait for a free one after it is due). */
  readonly sentAt: number[];
  readonly statuses: number[];
  readonly latencyMs: number[];
  readonly retryAfter: Record<string, number>;
  readonly seconds: number;
  readonly cpuMs: number;
}

const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function load(m: RestLoad): Promise<RestDone> {
  const agent = new Agent({ keepAlive: true, maxSockets: m.connections });
  const total = Math.round(m.perSec * m.seconds);
  const out: RestDone = {
    type: 'done',
    users: new Array<number>(total),
    busy: new Array<number>(total),
    dueAt: new Array<number>(total),
    sentAt: new Array<number>(total).fill(-1),
    statuses: new Array<number>(total).fill(0),
    latencyMs: new Array<number>(total).fill(-1),
    retryAfter: {},
    seconds: 0,
    cpuMs: 0,
  };
  const flips = new Map<number, number>();
  const answers: Promise<void>[] = [];
  const send = (n: number, due: number): Promise<void> => {
    const u = (n * 7919) % m.exts.length;
    const k = (flips.get(u) ?? 0) + 1;
    flips.set(u, k);
    const busy = k % 2;
    out.users[n] = u;
    out.busy[n] = busy;
    out.dueAt[n] = due;
    const body = Buffer.from(JSON.stringify({ status: busy === 1 ? 'dnd' : 'available' }));
    return new Promise((resolve) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: m.port,
          method: 'PUT',
          path: `/api/v1/users/u${m.exts[u]}/status`,
          agent,
          timeout: 30_000,
          headers: {
            authorization: `Bearer ${m.token}`,
            'content-type': 'application/json',
            'content-length': String(body.length),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            out.statuses[n] = res.statusCode ?? 0;
            out.latencyMs[n] = nowMs() - due;
            const ra = res.headers['retry-after'];
            if (typeof ra === 'string') out.retryAfter[ra] = (out.retryAfter[ra] ?? 0) + 1;
            resolve();
          });
        },
      );
      req.on('finish', () => (out.sentAt[n] = nowMs()));
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => resolve());
      req.end(body);
    });
  };
  const cpu = process.cpuUsage();
  const started = nowMs();
  for (let n = 0; n < total;) {
    const elapsed = nowMs() - started;
    const due = Math.min(total, Math.floor((elapsed / 1000) * m.perSec) + 1);
    for (; n < due; n++) answers.push(send(n, started + (n / m.perSec) * 1000));
    await sleep(1);
  }
  const seconds = (nowMs() - started) / 1000;
  await Promise.all(answers);
  const c = process.cpuUsage(cpu);
  agent.destroy();
  return { ...out, seconds, cpuMs: (c.user + c.system) / 1000 };
}

process.on('message', (m: RestLoad) => {
  if (m.type === 'load') void load(m).then((r) => process.send!(r));
});
