// Cross-node latency: changes made through node A (for tenants A owns) at a steady rate, seen by
// feed watchers and BLF subscriptions on node B. Each change's delay runs from the moment the
// bench sent its PUT to A until the event (matched by its text k<n>) or the NOTIFY (matched by
// user and lamp state, in order) arrived from B.
import type WebSocket from 'ws';
import type { HttpNode } from './cluster-load.js';
import { percentile, userExt } from './cluster-load.js';
import { BlfWatcher, watchTenant } from './cluster-watch.js';

export interface LatencyPlan {
  readonly a: HttpNode;
  readonly bPort: number;
  readonly bSipPort: number;
  /** Tokens on A and on B, by tenant. */
  readonly tokensA: Map<string, string>;
  readonly tokensB: Map<string, string>;
  /** Tenants owned by A. */
  readonly tenants: readonly string[];
  readonly users: number;
  readonly rate: number;
  readonly seconds: number;
  /** How many users of the first tenant have a BLF subscription on B. */
  readonly blfTargets: number;
}

export interface LatencyResult {
  readonly rate: number;
  readonly sent: number;
  readonly acknowledged: number;
  readonly ack: Delays;
  readonly feed: Delays;
  readonly blf: Delays;
}

interface Delays {
  readonly received: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** lamp state a change leaves on a BLF key: dnd lights it, away leaves it off. */
const lampOf = (status: string): string => (status === 'dnd' ? 'confirmed' : 'terminated');

export async function crossNodeLatency(p: LatencyPlan): Promise<LatencyResult> {
  const sentAt = new Map<number, number>();
  const feedDelays: number[] = [];
  const sockets: WebSocket[] = [];
  for (const t of p.tenants)
    sockets.push(
      await watchTenant(p.bPort, p.tokensB.get(t)!, t, (k, at) => {
        const s = sentAt.get(k);
        if (s !== undefined) feedDelays.push(at - s);
      }),
    );
  const blfTenant = p.tenants[0]!;
  const blf = new BlfWatcher(p.bSipPort, blfTenant);
  await blf.open();
  const targets = Array.from({ length: p.blfTargets }, (_, i) => userExt(i));
  await blf.register(targets);
  await blf.subscribe(targets);
  const pendingLamp = new Map<string, { at: number; lamp: string }[]>();
  const blfDelays: number[] = [];
  let measuring = false;
  blf.onNotify = (target, state, at) => {
    const q = pendingLamp.get(target);
    if (!measuring || q === undefined) return;
    while (q.length > 0) {
      const first = q.shift()!;
      if (first.lamp === state) {
        blfDelays.push(at - first.at);
        break;
      }
    }
  };
  await new Promise((r) => setTimeout(r, 500)); // the initial NOTIFYs
  measuring = true;
  const pairs = p.tenants.flatMap((t) => Array.from({ length: p.users }, (_, i) => [t, userExt(i)] as const));
  let sent = 0;
  let acknowledged = 0;
  /** PUT → 200 on node A: what of the delay is before the commit, not the way to node B. */
  const ackDelays: number[] = [];
  const inFlight: Promise<void>[] = [];
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const elapsed = (performance.now() - t0) / 1000;
      if (elapsed >= p.seconds) {
        clearInterval(tick);
        resolve();
        return;
      }
      const due = Math.floor(elapsed * p.rate);
      for (; sent < due; sent++) {
        const [tenant, ext] = pairs[sent % pairs.length]!;
        // Each pass through all pairs gives every user one change: dnd and away in turn.
        const n = sent;
        const body = { status: Math.floor(sent / pairs.length) % 2 === 0 ? 'dnd' : 'away', text: `k${n}` };
        const at = performance.now();
        sentAt.set(n, at);
        if (tenant === blfTenant && Number(ext) - 1000 < p.blfTargets) {
          const q = pendingLamp.get(ext) ?? [];
          q.push({ at, lamp: lampOf(body.status) });
          pendingLamp.set(ext, q);
        }
        inFlight.push(
          p.a.call('PUT', `/api/v1/users/u${ext}/status`, p.tokensA.get(tenant)!, body, 10_000).then((r) => {
            if (r.status !== 200) return;
            acknowledged++;
            ackDelays.push(performance.now() - at);
          }),
        );
      }
    }, 2);
  });
  await Promise.all(inFlight);
  await new Promise((r) => setTimeout(r, 1000)); // the last events
  measuring = false;
  for (const s of sockets) s.close();
  blf.close();
  return {
    rate: p.rate,
    sent,
    acknowledged,
    ack: summary(ackDelays),
    feed: summary(feedDelays),
    blf: summary(blfDelays),
  };
}

function summary(delays: number[]) {
  const s = delays.sort((x, y) => x - y);
  return { received: s.length, p50Ms: percentile(s, 0.5), p99Ms: percentile(s, 0.99), maxMs: percentile(s, 1) };
}
