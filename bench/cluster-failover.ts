// Failover: kill -9 a tenant's owner while a change is sent every 20 ms through a surviving node;
// the time runs from the kill to the first acknowledged (200) answer to a change sent after it.
// A change refused, or not answered within its timeout, is not acknowledged. The killed node is
// then started again (same id and ports) and the next trial waits until it owns tenants again.
import type { HttpNode } from './cluster-load.js';
import { round, userExt } from './cluster-load.js';
import type { NodeSpec, RunningNode } from './cluster-procs.js';
import { owners, startNode, stopNode } from './cluster-procs.js';

export interface FailoverTrial {
  readonly killed: string;
  readonly tenant: string;
  readonly ms: number;
  /** When the survivor logged `took the tenant` for it, from the kill (ms); null if not seen. */
  readonly tookMs: number | null;
  readonly notAcknowledged: number;
  readonly statuses: Record<string, number>;
}

export interface Trial {
  readonly store: string;
  readonly victim: RunningNode;
  readonly survivor: HttpNode;
  readonly survivorLog: readonly string[];
  /** The survivor's tokens, by tenant. */
  readonly tokens: Map<string, string>;
  readonly tenant: string;
  readonly timeoutSec: number;
}

/** One kill; resolves with the failover time (or the timeout when nothing was acknowledged). */
export async function killAndMeasure(t: Trial): Promise<FailoverTrial> {
  const token = t.tokens.get(t.tenant)!;
  const statuses: Record<string, number> = {};
  let n = 0;
  let acknowledgedAt: number | undefined;
  let notAcknowledged = 0;
  const killAt = performance.now();
  const killWall = Date.now();
  const killed = stopNode(t.victim, 'SIGKILL');
  const inFlight: Promise<void>[] = [];
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      if (acknowledgedAt !== undefined || performance.now() - killAt > t.timeoutSec * 1000) {
        clearInterval(tick);
        resolve();
        return;
      }
      const k = n++;
      const body = { status: k % 2 === 0 ? 'dnd' : 'away', text: `f${k}` };
      inFlight.push(
        t.survivor.call('PUT', `/api/v1/users/u${userExt(k % 10)}/status`, token, body, 2000).then((r) => {
          statuses[String(r.status)] = (statuses[String(r.status)] ?? 0) + 1;
          if (r.status === 200) acknowledgedAt ??= performance.now();
          else notAcknowledged++;
        }),
      );
    }, 20);
  });
  await Promise.all(inFlight);
  await killed;
  return {
    killed: t.victim.spec.id,
    tenant: t.tenant,
    ms: Math.round((acknowledgedAt ?? performance.now()) - killAt),
    tookMs: tookAt(t.survivorLog, t.tenant, killWall),
    notAcknowledged,
    statuses,
  };
}

/** The survivor's JSON log line `took the tenant` for `tenant` after the kill: its time from the kill. */
function tookAt(log: readonly string[], tenant: string, since: number): number | null {
  for (const line of log) {
    if (!line.includes('took the tenant') || !line.includes(`"tenant":"${tenant}"`)) continue;
    const time = Number(/"time":(\d+)/.exec(line)?.[1]);
    if (time >= since) return time - since;
  }
  return null;
}

/** Waits until every node in `ids` owns at least one tenant and every tenant has an owner. */
export async function balanced(store: string, ids: readonly string[], tenants: number, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const o = await owners(store);
    const nodes = new Set(o.values());
    if (o.size >= tenants && ids.every((id) => nodes.has(id))) return o;
    if (Date.now() > until) throw new Error(`not balanced after ${timeoutMs} ms: ${JSON.stringify([...o])}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** As balanced, and then until the owners stayed the same for a second: the hand-overs are done. */
export async function settled(store: string, ids: readonly string[], tenants: number, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  let last = await balanced(store, ids, tenants, timeoutMs);
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = await balanced(store, ids, tenants, Math.max(1, until - Date.now()));
    if ([...now].every(([t, n]) => last.get(t) === n) && now.size === last.size) return now;
    if (Date.now() > until) throw new Error(`owners still moving after ${timeoutMs} ms`);
    last = now;
  }
}

export interface FailoverPlan {
  readonly store: string;
  readonly nodes: RunningNode[];
  readonly http: readonly HttpNode[];
  readonly tokens: readonly Map<string, string>[];
  readonly tenants: readonly string[];
  readonly trials: number;
}

/** `trials` kills, alternating the victim; each restarts the victim and waits for balance after. */
export async function failover(
  p: FailoverPlan,
): Promise<{ trials: FailoverTrial[]; medianMs: number; maxMs: number; over5s: number }> {
  const trials: FailoverTrial[] = [];
  const ids = p.nodes.map((n) => n.spec.id);
  for (let i = 0; i < p.trials; i++) {
    const o = await balanced(p.store, ids, p.tenants.length + 1);
    const v = i % p.nodes.length;
    const s = (v + 1) % p.nodes.length;
    const tenant = p.tenants.find((t) => o.get(t) === ids[v]);
    if (tenant === undefined) throw new Error(`node ${ids[v]} owns no bench tenant`);
    const spec: NodeSpec = p.nodes[v]!.spec;
    trials.push(
      await killAndMeasure({
        store: p.store,
        victim: p.nodes[v]!,
        survivor: p.http[s]!,
        survivorLog: p.nodes[s]!.log,
        tokens: p.tokens[s]!,
        tenant,
        timeoutSec: 30,
      }),
    );
    p.nodes[v] = await startNode(spec);
  }
  await balanced(p.store, ids, p.tenants.length + 1);
  const sorted = trials.map((t) => t.ms).sort((a, b) => a - b);
  return {
    trials,
    medianMs: round(sorted[Math.floor(sorted.length / 2)]!),
    maxMs: sorted[sorted.length - 1]!,
    over5s: sorted.filter((ms) => ms > 5000).length,
  };
}
