// The SIP bench: the full server in this process (temp data dir, no demo; one tenant
// `bench.test` with 20,000 users made through the engine, HA1 credentials in the store) and a
// separate light client process (bench/sip-client.ts) speaking raw SIP over UDP on loopback.
//   register:  REGISTER with digest (401, then credentials) for every user → REGISTER/s
//   subscribe: SUBSCRIBE Event: dialog with digest for distinct watcher → user pairs → SUBSCRIBE/s
//   changes:   status changes through engine.dispatch at a fixed rate (dnd ⇄ available, so every
//              change flips the BLF lamp of each subscription to that user); each NOTIFY's delay
//              from the dispatch to its arrival at the subscriber (both on the monotonic clock)
//   memory:    server RSS with the users made and nothing registered (idle), and its growth per
//              registration and per subscription (after GC)
// Targets: ≥ 5,000 REGISTER/s and ≥ 3,000 SUBSCRIBE/s with < 0.5 % failures; change → NOTIFY
// p50 ≤ 2 ms, p99 ≤ 10 ms; ≤ 4 KB RSS per subscription, ≤ 1.5 KB per registration, ≤ 120 MB idle. Runs 3 times and reports the medians.
// Diagnosis: SIP_BENCH_PROF=<dir> writes CPU profiles of the phases, SIP_BENCH_HEAP=<dir> heap
// snapshots before subscribing, with the transactions and at steady state (run small: --single
// --users 2000 --subscriptions 10000; the snapshots themselves inflate the RSS figures).
import { fork, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pino from 'pino';
import { numericOptions } from './args.js';
import { benchConfig } from './server-config.js';
import { semiSpaceMb } from '../src/app/heap.js';
import { startServer } from '../src/app/server.js';
import type { Server } from '../src/app/server.js';
import { DEFAULT_POLICY } from '../src/core/index.js';
import type { Actor } from '../src/core/index.js';
import type { FromClient, PhaseStats, ToClient } from './sip-client.js';
import { IpcClient } from './ipc-client.js';
import { stealMeter } from './steal.js';

export interface SipBenchOptions {
  readonly users: number;
  readonly subscriptions: number;
  readonly changesPerSec: number;
  readonly seconds: number;
  readonly runs: number;
  readonly concurrency: number;
  readonly sockets: number;
  /** Seconds to wait after subscribing before measuring steady-state memory (Timer J is 32 s). */
  readonly settleSec: number;
  /** 1: commit to SQLite as the server does; 0 (diagnosis only): skip the commits. */
  readonly journal: number;
}

export const DEFAULTS: SipBenchOptions = {
  users: 20_000,
  subscriptions: 50_000,
  changesPerSec: 1000,
  seconds: 10,
  runs: 3,
  concurrency: 400,
  sockets: 4,
  settleSec: 33,
  journal: 1,
};

export const TARGET = {
  registerPerSec: 5000,
  subscribePerSec: 3000,
  maxFailurePct: 0.5,
  p50Ms: 2,
  p99Ms: 10,
  rssPerSubscriptionKB: 4,
  rssIdleMB: 120,
  rssPerRegistrationKB: 1.5,
};

const DOMAIN = 'bench.test';
const TENANT = 'bench';
const SYSTEM: Actor = { kind: 'system' };
const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
const cpuPct = (c: NodeJS.CpuUsage, seconds: number) => round((c.user + c.system) / 10_000 / seconds);

/** With SIP_BENCH_PROF=<dir>, a CPU profile of one phase of the server (this process). */
async function profile(name: string): Promise<() => Promise<void>> {
  const dir = process.env.SIP_BENCH_PROF;
  if (!dir) return async () => {};
  const { Session } = await import('node:inspector/promises');
  const { writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile: p } = await session.post('Profiler.stop');
    writeFileSync(join(dir, `sip-${name}.cpuprofile`), JSON.stringify(p));
    session.disconnect();
  };
}

/** With SIP_BENCH_HEAP=<dir>, a heap snapshot of the server at a point of the memory phase. */
async function heapSnapshot(name: string): Promise<void> {
  const dir = process.env.SIP_BENCH_HEAP;
  if (!dir) return;
  const { writeHeapSnapshot } = await import('node:v8');
  writeHeapSnapshot(join(dir, `sip-${name}.heapsnapshot`));
}

const mem = (m: NodeJS.MemoryUsage) =>
  `rss ${round(m.rss / 1048576)} heapTotal ${round(m.heapTotal / 1048576)} heapUsed ${round(m.heapUsed / 1048576)} external ${round(m.external / 1048576)} MB`;

/**
 * The bytes of V8's young generation in RSS. It grows to --max-semi-space-size under load
 * (src/app/heap.ts) and goes back to the OS only when V8's memory reducer finds the process idle,
 * some seconds later or not at all while timers keep allocating: two RSS readings differ by up to
 * 128 MB for that alone, so the figures are also given without it.
 */
function youngBytes(): number {
  let n = 0;
  for (const s of getHeapSpaceStatistics())
    if (s.space_name === 'new_space' || s.space_name === 'new_large_object_space') n += s.physical_space_size;
  return n;
}

async function settleMemory(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await sleep(200);
  }
  return process.memoryUsage().rss;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return -1;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)]!;
};

export interface SipRun {
  readonly register: PhaseStats & {
    readonly perSec: number;
    readonly failurePct: number;
    readonly serverCpuPct: number;
  };
  readonly subscribe: PhaseStats & {
    readonly perSec: number;
    readonly failurePct: number;
    readonly initialNotifies: number;
    readonly serverCpuPct: number;
  };
  readonly changes: {
    readonly dispatched: number;
    readonly refused: number;
    readonly perSec: number;
    readonly expectedNotifies: number;
    readonly measured: number;
    readonly missing: number;
    readonly p50Ms: number;
    readonly p99Ms: number;
    readonly maxMs: number;
    readonly retransmittedNotifies: number;
    readonly p99BySecondMs: number[];
    readonly gcPauses: number;
    readonly gcMaxMs: number;
    readonly gcTotalMs: number;
    readonly commits: number;
    readonly commitTotalMs: number;
    readonly commitMaxMs: number;
    readonly serverCpuPct: number;
    readonly clientCpuMs: number;
  };
  readonly memory: {
    /** With every user made and nothing registered, after GC. */
    readonly rssIdleMB: number;
    readonly heapIdleMB: number;
    /** RSS less V8's young generation (youngBytes): what the next two readings cannot move by chance. */
    readonly rssIdleWithoutYoungMB: number;
    readonly rssPerRegistrationWithoutYoungKB: number;
    /** What registering every user added, after Timer J (the REGISTERs' transactions gone). */
    readonly rssPerRegistrationKB: number;
    readonly heapPerRegistrationKB: number;
    readonly rssBeforeMB: number;
    readonly rssAfterMB: number;
    readonly rssSteadyMB: number;
    /** After Timer J: the subscriptions alone. */
    readonly rssPerSubscriptionKB: number;
    readonly heapPerSubscriptionKB: number;
    /** Right after subscribing, with every SUBSCRIBE's server transaction still cached. */
    readonly rssPerSubscriptionWithTransactionsKB: number;
    readonly heapPerSubscriptionWithTransactionsKB: number;
  };
  readonly sip: ReturnType<Server['sip']['stats']>;
  /** CPU time stolen by the hypervisor during the run, in % (null where unknown). */
  readonly stealPct: number | null;
}

export async function createUsers(server: Server, options: Pick<SipBenchOptions, 'users'>): Promise<string[]> {
  const now = Date.now();
  await server.store.createTenant(
    {
      id: TENANT,
      name: 'SIP bench',
      sipDomain: DOMAIN,
      policy: DEFAULT_POLICY,
      epoch: `${TENANT}-${now.toString(36)}`,
      seq: 0,
    },
    now,
  );
  await server.addTenant((await server.store.tenants()).find((t) => t.id === TENANT)!);
  const exts: string[] = [];
  for (let i = 0; i < options.users; i++) {
    const ext = String(100_000 + i);
    exts.push(ext);
    const out = server.engine.submit(TENANT, {
      type: 'user.upsert',
      user: { id: `u${ext}`, extension: ext, name: `User ${ext}` },
    });
    if (!out.ok) throw new Error(out.message);
    await server.store.setCredentials(TENANT, `u${ext}`, { sipHa1: md5(`${ext}:${DOMAIN}:pw${ext}`) });
    if (i % 1000 === 999) await server.engine.settled();
  }
  await server.engine.settled();
  // Written straight to the store: the accounts layer reads them into memory as at a start.
  await server.accounts.loadTenant(TENANT);
  return exts;
}

/** Distinct watcher → user pairs: watcher w watches w+1, w+2, … (mod users). */
function pairs(exts: readonly string[], n: number): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < n; i++) {
    const w = i % exts.length;
    const k = Math.floor(i / exts.length);
    out.push([exts[w]!, exts[(w + 1 + k) % exts.length]!]);
  }
  return out;
}

export async function runOnce(options: SipBenchOptions, progress: (line: string) => void = () => {}): Promise<SipRun> {
  const steal = stealMeter();
  const dataDir = mkdtempSync(join(tmpdir(), 'swb-sip-bench-'));
  const server = await startServer(benchConfig(dataDir), { logger: pino({ level: 'silent' }) });
  // Time the journal's commits (they run on the event loop, before any NOTIFY of their change).
  const commits = { count: 0, ms: 0, maxMs: 0 };
  const commit = server.store.commit.bind(server.store);
  server.store.commit = async (batch) => {
    const t = nowMs();
    // Diagnosis only (--journal 0): the SIP path without SQLite on the event loop.
    const result = options.journal !== 0 ? await commit(batch) : { outboxRows: 0 };
    const d = nowMs() - t;
    commits.count++;
    commits.ms += d;
    if (d > commits.maxMs) commits.maxMs = d;
    return result;
  };
  const here = dirname(fileURLToPath(import.meta.url));
  const child = fork(join(here, 'sip-client.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const client = new IpcClient<ToClient, FromClient>(child);
  try {
    const exts = await createUsers(server, options);
    progress(`setup: ${exts.length} users`);
    await client.ask({ type: 'init', port: server.sipPort, domain: DOMAIN, sockets: options.sockets }, 'ready');

    // Idle with every user made and nothing registered (issue 19: ≤ 120 MB with 20,000 users).
    const rssIdle = await settleMemory();
    const heapIdle = process.memoryUsage().heapUsed;
    const youngIdle = youngBytes();
    progress(
      `memory idle with ${exts.length} users: ${mem(process.memoryUsage())}, young generation ${round(youngIdle / 1048576)} MB`,
    );
    await heapSnapshot('idle');
    const stopProfile = await profile('register');
    let cpu = process.cpuUsage();
    const reg = await client.ask(
      { type: 'register', users: exts, concurrency: options.concurrency, expiresSec: 3600 },
      'registered',
    );
    await server.engine.settled();
    const regCpu = process.cpuUsage(cpu);
    await stopProfile();
    const registered = [...server.engine.state(TENANT)!.users.values()].filter(
      (u) => u.registrations.length > 0,
    ).length;
    progress(
      `register: ${reg.ok} ok, ${reg.failed} failed in ${round(reg.seconds, 2)} s (${registered} users registered in the engine); server CPU ${cpuPct(regCpu, reg.seconds)} %`,
    );

    // The baseline is steady too: the REGISTERs' server transactions (Timer J) are gone, as the
    // SUBSCRIBEs' will be when the subscriptions are measured.
    await sleep(options.settleSec * 1000);
    const rssBefore = await settleMemory();
    progress(`memory before subscribing: ${mem(process.memoryUsage())}`);
    const heapBefore = process.memoryUsage().heapUsed;
    const youngBefore = youngBytes();
    // Per registration (issue 19: ≤ 1.5 KB): what the registered users added once their
    // REGISTERs' server transactions are gone (Timer J, settleSec above).
    const perRegistration = (after: number, before: number) => round((after - before) / 1024 / Math.max(1, reg.ok), 2);
    progress(
      `memory: ${perRegistration(rssBefore, rssIdle)} KB RSS (${perRegistration(rssBefore - youngBefore, rssIdle - youngIdle)} KB without the young generation, ${perRegistration(heapBefore, heapIdle)} KB heap) per registration after ${options.settleSec} s`,
    );
    await heapSnapshot('before');
    const subPairs = pairs(exts, options.subscriptions);
    const stopSubProfile = await profile('subscribe');
    cpu = process.cpuUsage();
    const sub = await client.ask(
      { type: 'subscribe', pairs: subPairs, concurrency: options.concurrency, expiresSec: 3600 },
      'subscribed',
    );
    const subCpu = process.cpuUsage(cpu);
    await stopSubProfile();
    await sleep(300);
    const rssAfter = await settleMemory();
    const heapAfter = process.memoryUsage().heapUsed;
    await heapSnapshot('with-transactions');
    // Steady state: once Timer J (32 s) has let the server transactions of the SUBSCRIBEs go, what
    // is left is the subscriptions themselves.
    await sleep(options.settleSec * 1000);
    const rssSteady = await settleMemory();
    const heapSteady = process.memoryUsage().heapUsed;
    await heapSnapshot('steady');
    progress(`memory after subscribing and ${options.settleSec} s: ${mem(process.memoryUsage())}`);
    progress(
      `memory: ${round((rssSteady - rssBefore) / 1024 / Math.max(1, sub.ok), 2)} KB RSS per subscription after ${options.settleSec} s (${round((rssAfter - rssBefore) / 1024 / Math.max(1, sub.ok), 2)} KB with transactions)`,
    );
    progress(
      `subscribe: ${sub.ok} ok, ${sub.failed} failed in ${round(sub.seconds, 2)} s; ${sub.initialNotifies} initial NOTIFYs; server RSS ${round(rssAfter / 1048576)} MB; server CPU ${cpuPct(subCpu, sub.seconds)} %`,
    );

    const watchersOf = new Map<string, number>();
    for (const [, t] of subPairs) watchersOf.set(t, (watchersOf.get(t) ?? 0) + 1);
    await client.ask({ type: 'measure', on: true }, 'measuring');
    const total = options.changesPerSec * options.seconds;
    const sentAt = new Map<string, number>();
    const counts = new Map<string, number>();
    let refused = 0;
    let expected = 0;
    const gcs: number[] = [];
    const gcObserver = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) gcs.push(e.duration);
    });
    gcObserver.observe({ entryTypes: ['gc'] });
    const stopChangeProfile = await profile('changes');
    commits.count = 0;
    commits.ms = 0;
    commits.maxMs = 0;
    const started = nowMs();
    cpu = process.cpuUsage();
    const outcomes: Promise<void>[] = [];
    for (let n = 0; n < total;) {
      const due = Math.min(total, Math.floor(((nowMs() - started) / 1000) * options.changesPerSec) + 1);
      for (; n < due; n++) {
        const ext = exts[(n * 7919) % exts.length]!;
        const k = (counts.get(ext) ?? 0) + 1;
        counts.set(ext, k);
        expected += watchersOf.get(ext) ?? 0;
        const at = nowMs();
        sentAt.set(`${ext}:${k}`, at);
        const p = server.engine.dispatch(
          TENANT,
          k % 2 === 1
            ? { type: 'status.set', userId: `u${ext}`, status: 'dnd', by: SYSTEM }
            : { type: 'status.set', userId: `u${ext}`, status: 'available', by: SYSTEM },
        );
        outcomes.push(p.then((o) => void (o.ok || refused++)));
      }
      await sleep(1);
    }
    const changeSeconds = (nowMs() - started) / 1000;
    await Promise.all(outcomes);
    const changeCpu = process.cpuUsage(cpu);
    gcObserver.disconnect();
    await stopChangeProfile();
    await sleep(1000);
    await client.ask({ type: 'measure', on: false }, 'measuring');
    const arr = await client.ask({ type: 'arrivals' }, 'arrivals');
    const delays: number[] = [];
    const bySecond: number[][] = [];
    for (let i = 0; i < arr.targets.length; i++) {
      const t0 = sentAt.get(`${arr.targets[i]}:${arr.versions[i]}`);
      if (t0 === undefined) continue;
      delays.push(arr.atMs[i]! - t0);
      (bySecond[Math.floor((t0 - started) / 1000)] ??= []).push(arr.atMs[i]! - t0);
    }
    delays.sort((a, b) => a - b);
    progress(
      `changes: ${total} in ${round(changeSeconds, 2)} s; ${delays.length}/${expected} NOTIFYs measured; p50 ${round(percentile(delays, 50), 3)} ms, p99 ${round(percentile(delays, 99), 3)} ms`,
    );
    const pct = (s: PhaseStats) => round((100 * s.failed) / Math.max(1, s.ok + s.failed), 3);
    return {
      register: {
        ...reg,
        perSec: round(reg.ok / reg.seconds),
        failurePct: pct(reg),
        seconds: round(reg.seconds, 3),
        serverCpuPct: cpuPct(regCpu, reg.seconds),
      },
      subscribe: {
        ...sub,
        perSec: round(sub.ok / sub.seconds),
        failurePct: pct(sub),
        seconds: round(sub.seconds, 3),
        serverCpuPct: cpuPct(subCpu, sub.seconds),
      },
      changes: {
        dispatched: total,
        refused,
        perSec: round(total / changeSeconds),
        expectedNotifies: expected,
        measured: delays.length,
        missing: expected - delays.length,
        p50Ms: round(percentile(delays, 50), 3),
        p99Ms: round(percentile(delays, 99), 3),
        maxMs: round(delays.at(-1) ?? -1, 3),
        retransmittedNotifies: arr.retransmitted,
        p99BySecondMs: bySecond.map((d) =>
          round(
            percentile(
              d.sort((a, b) => a - b),
              99,
            ),
            2,
          ),
        ),
        gcPauses: gcs.length,
        gcMaxMs: round(Math.max(0, ...gcs), 2),
        gcTotalMs: round(
          gcs.reduce((a, b) => a + b, 0),
          1,
        ),
        commits: commits.count,
        commitTotalMs: round(commits.ms),
        commitMaxMs: round(commits.maxMs, 2),
        serverCpuPct: cpuPct(changeCpu, changeSeconds),
        clientCpuMs: round(arr.cpuMs),
      },
      memory: {
        rssIdleMB: round(rssIdle / 1048576),
        heapIdleMB: round(heapIdle / 1048576),
        rssIdleWithoutYoungMB: round((rssIdle - youngIdle) / 1048576),
        rssPerRegistrationKB: perRegistration(rssBefore, rssIdle),
        rssPerRegistrationWithoutYoungKB: perRegistration(rssBefore - youngBefore, rssIdle - youngIdle),
        heapPerRegistrationKB: perRegistration(heapBefore, heapIdle),
        rssBeforeMB: round(rssBefore / 1048576),
        rssAfterMB: round(rssAfter / 1048576),
        rssPerSubscriptionKB: round((rssSteady - rssBefore) / 1024 / Math.max(1, sub.ok), 2),
        heapPerSubscriptionKB: round((heapSteady - heapBefore) / 1024 / Math.max(1, sub.ok), 2),
        rssPerSubscriptionWithTransactionsKB: round((rssAfter - rssBefore) / 1024 / Math.max(1, sub.ok), 2),
        heapPerSubscriptionWithTransactionsKB: round((heapAfter - heapBefore) / 1024 / Math.max(1, sub.ok), 2),
        rssSteadyMB: round(rssSteady / 1048576),
      },
      sip: server.sip.stats(),
      stealPct: steal(),
    };
  } finally {
    await client.ask({ type: 'close' }, 'closed', 5000).catch(() => undefined);
    client.end();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** One run in a fresh process (so each run's memory is measured from the same start). */
function runInChild(options: SipBenchOptions, progress: (line: string) => void): Promise<SipRun> {
  // The child hosts the server: it gets this process's node flags (the young generation's size).
  const args = [
    ...process.execArgv.filter((a) => a !== '--expose-gc'),
    '--expose-gc',
    fileURLToPath(import.meta.url),
    '--single',
    ...Object.entries(FLAGS).flatMap(([flag, key]) => [`--${flag}`, String(options[key])]),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      for (const line of d.toString().split('\n')) if (line !== '') progress(line);
    });
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`bench run exited with ${code}`));
      else resolve(JSON.parse(out) as SipRun);
    });
  });
}

const FLAGS: Readonly<Record<string, keyof SipBenchOptions>> = {
  users: 'users',
  subscriptions: 'subscriptions',
  rate: 'changesPerSec',
  seconds: 'seconds',
  runs: 'runs',
  concurrency: 'concurrency',
  sockets: 'sockets',
  settle: 'settleSec',
  journal: 'journal',
};

export async function runSipBench(
  options: SipBenchOptions = DEFAULTS,
  progress: (line: string) => void = () => {},
): Promise<object> {
  const loadBefore = round(loadavg()[0]!, 2);
  const steal = stealMeter();
  const runs: SipRun[] = [];
  for (let i = 0; i < options.runs; i++) {
    progress(`run ${i + 1} of ${options.runs}`);
    runs.push(await runInChild(options, progress));
  }
  const m = {
    registerPerSec: median(runs.map((r) => r.register.perSec)),
    registerFailurePct: median(runs.map((r) => r.register.failurePct)),
    subscribePerSec: median(runs.map((r) => r.subscribe.perSec)),
    subscribeFailurePct: median(runs.map((r) => r.subscribe.failurePct)),
    notifyP50Ms: median(runs.map((r) => r.changes.p50Ms)),
    notifyP99Ms: median(runs.map((r) => r.changes.p99Ms)),
    notifyMissing: median(runs.map((r) => r.changes.missing)),
    rssPerSubscriptionKB: median(runs.map((r) => r.memory.rssPerSubscriptionKB)),
    rssIdleMB: median(runs.map((r) => r.memory.rssIdleMB)),
    rssPerRegistrationKB: median(runs.map((r) => r.memory.rssPerRegistrationKB)),
    rssIdleWithoutYoungMB: median(runs.map((r) => r.memory.rssIdleWithoutYoungMB)),
    rssPerRegistrationWithoutYoungKB: median(runs.map((r) => r.memory.rssPerRegistrationWithoutYoungKB)),
  };
  const met = {
    registerPerSec: m.registerPerSec >= TARGET.registerPerSec,
    subscribePerSec: m.subscribePerSec >= TARGET.subscribePerSec,
    failures: m.registerFailurePct < TARGET.maxFailurePct && m.subscribeFailurePct < TARGET.maxFailurePct,
    notifyP50: m.notifyP50Ms >= 0 && m.notifyP50Ms <= TARGET.p50Ms,
    notifyP99: m.notifyP99Ms >= 0 && m.notifyP99Ms <= TARGET.p99Ms,
    rssPerSubscription: m.rssPerSubscriptionKB <= TARGET.rssPerSubscriptionKB,
    rssIdle: m.rssIdleMB <= TARGET.rssIdleMB,
    rssPerRegistration: m.rssPerRegistrationKB <= TARGET.rssPerRegistrationKB,
  };
  return {
    bench: 'sip',
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      semiSpaceMb: semiSpaceMb() ?? 'default',
      loadAvgBefore: loadBefore,
      loadAvgAfter: round(loadavg()[0]!, 2),
      stealPct: steal(),
    },
    options,
    target: TARGET,
    median: m,
    met,
    meetsTargets: Object.values(met).every(Boolean),
    runs,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const options = numericOptions(FLAGS, DEFAULTS);
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  if (process.argv.includes('--single')) {
    process.stdout.write(`${JSON.stringify(await runOnce(options, progress))}\n`);
  } else {
    const report = await runSipBench(options, progress);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  }
}
