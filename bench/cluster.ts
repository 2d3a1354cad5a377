// The cluster bench (`npm run bench:cluster`): real `switchboard start` processes on this machine,
// PostgreSQL and NATS JetStream as they run here (a database, stream and subject prefix of its
// own per run, removed after), and the load from this process over keep-alive HTTP connections.
//   throughput: acknowledged status changes/s, closed loop, 20 tenants × 50 users: SQLite single
//     node, then PostgreSQL with 1 node and with 2 nodes (changes sent to either node, as a load
//     balancer would, and to the tenant's owner), with each process's CPU time over the phase
//   latency: 1,000 changes/s through node A for tenants A owns; feed watchers and BLF subscriptions
//     on node B; from the PUT sent to the event / NOTIFY received
//   failover: kill -9 of a tenant's owner, 5 times: from the kill to the first acknowledged change
//     through the survivor (one sent every 20 ms)
//   memory: VmRSS of each node before and after 10,000 more users
//   apart: the machine's ceiling for two nodes: node 2 replaced by one on a NATS stream and subject
//     prefix of its own, so the two share PostgreSQL and the machine but no cross-node work (no
//     replica, no forwarding); changes to the owner. No cluster runs like that: it bounds from
//     above what any design of the cross-node work could reach here
// Prints one JSON object. Targets (issue 17): cross-node p99 ≤ 50 ms, failover ≤ 5 s, 2 nodes ≥ 1.3×.
//   npm run bench:cluster [-- --only sqlite,throughput,latency,failover,memory,apart] (default: all; a
//   phase left out is null in the report) [--node-cpus 0.5] (each node limited to that many cores,
//   as if it had a machine of its own: bench/cpu-limit.ts) [--failovers N] (trials, default 5)
//   [--concurrency N] (changes in flight per node in the throughput phases, default 128: enough to keep
//   two nodes busy, whose forwarded changes take two hops)
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { argOf } from './args.js';
import type { HttpNode as Http } from './cluster-load.js';
import { HttpNode, loginAll, makeTenant, round, statusLoad, tenantId } from './cluster-load.js';
import type { LoadPlan } from './cluster-load.js';
import { crossNodeLatency } from './cluster-latency.js';
import { failover, settled } from './cluster-failover.js';
import type { NodeSpec, RunningNode } from './cluster-procs.js';
import { cpuMs, cpuOfNamed, createDatabase, deleteStream, dropDatabase, machineTicks, rssKb } from './cluster-procs.js';
import { startNode, stopNode } from './cluster-procs.js';

const O = {
  tenants: 20,
  users: 50,
  concurrencyPerNode: Number(argOf('--concurrency') ?? 128),
  seconds: 6,
  /** Load before a phase whose nodes were just started, not measured. */
  warmSeconds: 3,
  latencyRate: 1000,
  latencyLightRate: 50,
  latencySeconds: 8,
  blfTargets: 25,
  failovers: Number(argOf('--failovers') ?? 5),
  memoryTenants: 4,
  memoryUsersPerTenant: 2500,
};
const SYSTEM_TOKEN = `sys-${randomBytes(16).toString('hex')}`;
const SECRET_KEY = randomBytes(32).toString('base64');
const RUN = `${process.pid}`;
const BASE_PORT = 20_000 + (process.pid % 2000) * 10;
const TENANTS = Array.from({ length: O.tenants }, (_, t) => tenantId(t));
const log = (m: string) => process.stderr.write(`[bench:cluster] ${m}\n`);
const PHASES = ['sqlite', 'throughput', 'latency', 'failover', 'memory', 'apart'] as const;
const onlyArg = process.argv.indexOf('--only');
const cpusArg = process.argv.indexOf('--node-cpus');
const NODE_CPUS = cpusArg < 0 ? undefined : Number(process.argv[cpusArg + 1]);
const only = new Set(onlyArg < 0 ? PHASES : (process.argv[onlyArg + 1] ?? '').split(','));
/** Runs the phase when it was asked for; null when it was left out. */
const phase = async <T>(name: (typeof PHASES)[number], run: () => Promise<T>): Promise<T | null> =>
  only.has(name) ? run() : null;

/** Runs a load phase and reports where the CPU time went meanwhile. */
async function measured(plan: LoadPlan, nodes: readonly RunningNode[]) {
  const pg = cpuOfNamed('postgres');
  const nats = cpuOfNamed('nats-server');
  const before = { nodes: nodes.map((n) => cpuMs(n.pid)), self: process.cpuUsage() };
  const m0 = machineTicks();
  const load = await statusLoad(plan);
  const m1 = machineTicks();
  const self = process.cpuUsage(before.self);
  const nodeCpu = nodes.reduce((a, n, i) => a + cpuMs(n.pid) - before.nodes[i]!, 0);
  const [pgCpu, natsCpu] = [pg(), nats()];
  const per = (ms: number) => Math.round(ms / (load.seconds + 1)); // ms of CPU per s (the phase had a 1 s warm-up)
  return {
    ...load,
    cpuMsPerSec: {
      nodes: Object.fromEntries(nodes.map((n, i) => [n.spec.id, per(cpuMs(n.pid) - before.nodes[i]!)])),
      postgres: per(pgCpu),
      nats: per(natsCpu),
      bench: per((self.user + self.system) / 1000),
    },
    machineBusyPct: round((100 * (m1.busy - m0.busy)) / Math.max(1, m1.total - m0.total), 1),
    /** CPU ms per acknowledged change over the phase (warm-up included), in the nodes and in all of node + PostgreSQL + NATS. */
    cpuMsPerChange: {
      nodes: round(nodeCpu / Math.max(1, load.acknowledged * (1 + 1 / load.seconds))),
      withStoreAndBus: round((nodeCpu + pgCpu + natsCpu) / Math.max(1, load.acknowledged * (1 + 1 / load.seconds))),
    },
  };
}

function spec(id: string, k: number, cluster?: NodeSpec['cluster']): NodeSpec {
  return {
    id,
    httpPort: BASE_PORT + k,
    sipPort: BASE_PORT + 5 + k,
    systemToken: SYSTEM_TOKEN,
    secretKey: SECRET_KEY,
    ...(cluster ? { cluster } : {}),
    ...(NODE_CPUS !== undefined ? { cpus: NODE_CPUS } : {}),
  };
}

async function seed(http: Http): Promise<void> {
  for (const t of TENANTS) await makeTenant(http, SYSTEM_TOKEN, t, O.users);
}

async function sqlitePhase() {
  const node = await startNode(spec('s1', 0));
  const http = new HttpNode(node.spec.httpPort, O.concurrencyPerNode);
  try {
    await seed(http);
    const tokens = await loginAll([http], TENANTS);
    const plan = { nodes: [http], tokens, tenants: TENANTS, users: O.users, route: () => 0 };
    return await measured({ ...plan, concurrency: O.concurrencyPerNode, seconds: O.seconds }, [node]);
  } finally {
    http.close();
    await stopNode(node, 'SIGTERM');
  }
}

interface Cluster {
  readonly store: string;
  readonly nodes: RunningNode[];
  readonly http: Http[];
}

async function clusterPhases(c: Cluster, cl: NodeSpec['cluster']) {
  const [n1] = c.nodes;
  const h1 = new HttpNode(n1!.spec.httpPort, 2 * O.concurrencyPerNode);
  c.http.push(h1);
  await seed(h1);
  const t1 = await loginAll([h1], TENANTS);
  const run = async (plan: Pick<LoadPlan, 'nodes' | 'tokens' | 'route'>, concurrency: number, fresh = false) => {
    const load = { ...plan, concurrency, users: O.users, tenants: TENANTS };
    // A node started for this phase runs cold code: 3 s of the same load first, not measured.
    if (fresh) await statusLoad({ ...load, seconds: O.warmSeconds });
    return measured({ ...load, seconds: O.seconds }, c.nodes);
  };
  log('PostgreSQL, 1 node');
  const one = await phase('throughput', () =>
    run({ nodes: [h1], tokens: t1, route: () => 0 }, O.concurrencyPerNode, true),
  );
  c.nodes.push(await startNode(spec('n2', 1, cl)));
  const h2 = new HttpNode(c.nodes[1]!.spec.httpPort, 2 * O.concurrencyPerNode);
  c.http.push(h2);
  const own = await settled(c.store, ['n1', 'n2'], O.tenants + 1);
  const tokens = await loginAll([h1, h2], TENANTS);
  log(`PostgreSQL, 2 nodes: n1 owns ${[...own.values()].filter((n) => n === 'n1').length} tenants`);
  const twoAny = await phase('throughput', () =>
    run({ nodes: [h1, h2], tokens, route: (_t, k) => k % 2 }, 2 * O.concurrencyPerNode, true),
  );
  const twoOwner = await phase('throughput', () =>
    run({ nodes: [h1, h2], tokens, route: (t: string) => (own.get(t) === 'n1' ? 0 : 1) }, 2 * O.concurrencyPerNode),
  );
  log('cross-node latency');
  const aTenants = TENANTS.filter((t) => own.get(t) === 'n1');
  const latencyAt = (rate: number) =>
    crossNodeLatency({
      a: h1,
      bPort: c.nodes[1]!.spec.httpPort,
      bSipPort: c.nodes[1]!.spec.sipPort,
      tokensA: tokens[0]!,
      tokensB: tokens[1]!,
      tenants: aTenants,
      users: O.users,
      rate,
      seconds: O.latencySeconds,
      blfTargets: O.blfTargets,
    });
  const latency = await phase('latency', () => latencyAt(O.latencyRate));
  // The same path at a rate this machine keeps up with: the cross-node cost without the queue.
  const latencyLight = await phase('latency', () => latencyAt(O.latencyLightRate));
  log('failover');
  const fo = await phase('failover', () =>
    failover({
      store: c.store,
      nodes: c.nodes,
      http: c.http,
      tokens,
      tenants: TENANTS,
      trials: O.failovers,
    }),
  );
  log('memory');
  const memory = await phase('memory', () => memoryPhase(c, h1, cl));
  const apart = await phase('apart', () => apartPhase(c, h1, cl, run));
  return { one, twoAny, twoOwner, ownedByN1: aTenants.length, latency, latencyLight, failover: fo, memory, apart };
}

/** The stream and prefix of the node that shares no bus with the others (apart phase). */
const apartBus = (cl: NodeSpec['cluster']) => ({ ...cl!, stream: `${cl!.stream}_APART`, prefix: `${cl!.prefix}x` });

/**
 * Node 2 stops and a node on a bus of its own takes its place: both own half the tenants and
 * share PostgreSQL, the machine and nothing else. Changes go to each tenant's owner.
 */
async function apartPhase(
  c: Cluster,
  h1: Http,
  cl: NodeSpec['cluster'],
  run: (
    plan: Pick<LoadPlan, 'nodes' | 'tokens' | 'route'>,
    concurrency: number,
    fresh: boolean,
  ) => ReturnType<typeof measured>,
) {
  log('two nodes apart (no cross-node work)');
  const n2 = c.nodes.splice(1, 1)[0];
  if (n2 !== undefined) await stopNode(n2, 'SIGTERM');
  c.nodes.push(await startNode(spec('n2x', 1, apartBus(cl))));
  const h2 = new HttpNode(c.nodes[1]!.spec.httpPort, 2 * O.concurrencyPerNode);
  c.http.push(h2);
  const own = await settled(c.store, ['n1', 'n2x'], O.tenants + 1);
  const tokens = await loginAll([h1, h2], TENANTS);
  return run(
    { nodes: [h1, h2], tokens, route: (t: string) => (own.get(t) === 'n1' ? 0 : 1) },
    2 * O.concurrencyPerNode,
    true,
  );
}

/**
 * Memory per user: VmRSS of a fresh node (it loads every tenant at start) that joins, idles 5 s
 * and leaves, before and after `memoryTenants × memoryUsersPerTenant` more users. A fresh node
 * each time, so the heap the load phases grew does not blur the difference.
 */
async function memoryPhase(c: Cluster, h1: Http, cl: NodeSpec['cluster']) {
  const fresh = async (id: string, k: number) => {
    const n = await startNode(spec(id, k, cl));
    await new Promise((r) => setTimeout(r, 5000));
    const kb = rssKb(n.pid);
    await stopNode(n, 'SIGTERM');
    return kb;
  };
  const users = O.memoryTenants * O.memoryUsersPerTenant;
  const existing = O.tenants * (O.users + 1) + 10;
  const before = await fresh('n3', 2);
  for (let t = 0; t < O.memoryTenants; t++)
    await makeTenant(h1, SYSTEM_TOKEN, `m${String(t).padStart(3, '0')}`, O.memoryUsersPerTenant);
  const after = await fresh('n4', 3);
  return {
    users,
    usersBefore: existing,
    freshNodeRssBeforeMb: round(before / 1024, 1),
    freshNodeRssAfterMb: round(after / 1024, 1),
    bytesPerUser: Math.round(((after - before) * 1024) / users),
    runningNodesRssMb: Object.fromEntries(c.nodes.map((n) => [n.spec.id, round(rssKb(n.pid) / 1024, 1)])),
  };
}

async function main(): Promise<void> {
  const db = `swb_bench_${RUN}`;
  const cl = { store: '', stream: `SWB_BENCH_${RUN}`, prefix: `swbb${RUN}` };
  const load0 = loadavg();
  log('SQLite, 1 node');
  const sqlite = await phase('sqlite', sqlitePhase);
  const store = await createDatabase(db);
  const c: Cluster = { store, nodes: [], http: [] };
  const clusterSpec = { ...cl, store };
  let result;
  try {
    c.nodes.push(await startNode(spec('n1', 0, clusterSpec)));
    result = await clusterPhases(c, clusterSpec);
  } catch (err) {
    for (const n of c.nodes) process.stderr.write(`--- ${n.spec.id}\n${n.log.slice(-30).join('\n')}\n`);
    throw err;
  } finally {
    for (const h of c.http) h.close();
    for (const n of c.nodes) await stopNode(n, 'SIGTERM');
    await dropDatabase(db).catch((e: unknown) => log(`drop database: ${String(e)}`));
    for (const stream of [cl.stream, apartBus(cl).stream])
      await deleteStream(stream).catch((e: unknown) => log(`delete stream: ${String(e)}`));
  }
  const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length };
  const r = result;
  const report = {
    bench: 'cluster',
    machine,
    loadAvgAtStart: load0.map((x) => round(x)),
    loadAvgAtEnd: loadavg().map((x) => round(x)),
    options: { ...O, nodeCpus: NODE_CPUS ?? null },
    changesPerSec: {
      sqlite1: sqlite?.perSec ?? null,
      postgres1: r.one?.perSec ?? null,
      postgres2Any: r.twoAny?.perSec ?? null,
      postgres2Owner: r.twoOwner?.perSec ?? null,
      speedup2Any: ratio(r.twoAny?.perSec, r.one?.perSec),
      speedup2Owner: ratio(r.twoOwner?.perSec, r.one?.perSec),
      postgres2Apart: r.apart?.perSec ?? null,
      speedup2Apart: ratio(r.apart?.perSec, r.one?.perSec),
    },
    throughput: {
      sqlite1: sqlite,
      postgres1: r.one,
      postgres2Any: r.twoAny,
      postgres2Owner: r.twoOwner,
      postgres2Apart: r.apart,
    },
    tenantsOwnedByN1: r.ownedByN1,
    crossNode: r.latency,
    crossNodeLight: r.latencyLight,
    failover: r.failover,
    memory: r.memory,
    targets: {
      crossNodeP99Ms: { target: 50, feed: r.latency?.feed.p99Ms ?? null, blf: r.latency?.blf.p99Ms ?? null },
      crossNodeP99MsLight: { feed: r.latencyLight?.feed.p99Ms ?? null, blf: r.latencyLight?.blf.p99Ms ?? null },
      failoverMs: { target: 5000, median: r.failover?.medianMs ?? null },
      speedup2: {
        target: 1.3,
        any: ratio(r.twoAny?.perSec, r.one?.perSec),
        owner: ratio(r.twoOwner?.perSec, r.one?.perSec),
        /** Not a cluster: the most two nodes could reach on this machine (apart phase). */
        apartCeiling: ratio(r.apart?.perSec, r.one?.perSec),
      },
    },
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

function ratio(a: number | undefined, b: number | undefined): number | null {
  return a === undefined || b === undefined ? null : round(a / b);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:cluster failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
