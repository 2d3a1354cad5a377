// bench:burst — does a REST burst starve BLF? (issue 19). The full server runs in this process
// (temp data dir, one tenant `bench.test`, HA1 credentials and an admin API key in the store);
// two separate processes load it over real sockets:
//   bench/sip-client.ts  `dialogs` watchers each hold one BLF subscription (SUBSCRIBE Event:
//                        dialog, with digest) to a distinct user, answer every NOTIFY with 200
//                        and record its arrival and the state it carries;
//   bench/burst-rest.ts  PUT /api/v1/users/{u}/status on those users (dnd ⇄ available, each
//                        change flips the lamp) at `rate`/s, open loop, over `connections`
//                        keep-alive connections, for `seconds`.
// It prints REST answers by status with p50/p99 latency (from when the change was due), the
// change → NOTIFY delay for the changes whose state a NOTIFY carried (p50/p99/max; the change is
// the one that set the state the NOTIFY shows: the earliest of the latest run of accepted changes
// of that state sent before the NOTIFY arrived), NOTIFYs received, dialogs whose last NOTIFY does
// not show the user's final state, the server's UDP receive drops (/proc/net/udp) and its
// event-loop delay, and a probe's count of retransmitted REGISTERs that got the very bytes of their
// first answer (bench/burst-probe.ts). Targets (issue 19): change → NOTIFY max ≤ 1 s, no dialog
// left stale, every retransmission answered as its first copy.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pino from 'pino';
import { sha256 } from '../src/auth/accounts.js';
import { numericOptions } from './args.js';
import { benchConfig } from './server-config.js';
import { startServer } from '../src/app/server.js';
import type { Server } from '../src/app/server.js';
import { retransmissionProbe } from './burst-probe.js';
import type { RestDone, RestLoad } from './burst-rest.js';
import { IpcClient } from './ipc-client.js';
import type { FromClient, ToClient } from './sip-client.js';
import { createUsers } from './sip.js';
import { stealMeter } from './steal.js';

export interface BurstOptions {
  readonly dialogs: number;
  readonly rate: number;
  readonly seconds: number;
  readonly connections: number;
  readonly runs: number;
  /** The server's overloadLoopDelayMs (0: its default). */
  readonly loopDelay: number;
}

export const DEFAULTS: BurstOptions = {
  dialogs: 2000,
  rate: 4000,
  seconds: 10,
  connections: 256,
  runs: 1,
  loopDelay: 0,
};
export const TARGET = { notifyMaxMs: 1000, staleDialogs: 0, retransmissionsDifferent: 0 };

const TENANT = 'bench';
const DOMAIN = 'bench.test';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
const pct = (sorted: readonly number[], p: number): number =>
  sorted.length === 0 ? -1 : round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!, 1);
const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** Receive-buffer drops of the UDP socket bound to 127.0.0.1:`port` (the last column of /proc/net/udp). */
function udpDrops(port: number): number {
  try {
    const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
    const line = readFileSync('/proc/net/udp', 'latin1')
      .split('\n')
      .find((l) => l.trim().split(/\s+/)[1] === local);
    return line === undefined ? -1 : Number(line.trim().split(/\s+/).at(-1));
  } catch {
    return -1;
  }
}

async function apiKey(server: Server): Promise<string> {
  const secret = randomBytes(24).toString('base64url');
  await server.store.createApiKey({
    id: 'kburst',
    tenant: TENANT,
    name: 'burst bench',
    role: 'admin',
    secretHash: sha256(secret),
    createdAt: Date.now(),
  });
  await server.accounts.loadTenant(TENANT);
  return `swk_kburst.${secret}`;
}

interface Arrival {
  readonly state: number;
  readonly at: number;
}

/** Change → NOTIFY delays, and the dialogs whose last NOTIFY does not show the final state. */
function analyse(
  rest: RestDone,
  arrivals: Map<number, Arrival[]>,
  exts: readonly string[],
  from: readonly number[],
  held: ReadonlySet<number>,
) {
  const accepted = new Map<number, { busy: number; at: number }[]>();
  for (let n = 0; n < rest.users.length; n++) {
    if (rest.statuses[n] !== 200) continue;
    const u = rest.users[n]!;
    let list = accepted.get(u);
    if (list === undefined) accepted.set(u, (list = []));
    list.push({ busy: rest.busy[n]!, at: from[n]! });
  }
  const delays: number[] = [];
  let stale = 0;
  for (let u = 0; u < exts.length; u++) {
    const changes = accepted.get(u) ?? [];
    const seen = arrivals.get(Number(exts[u])) ?? [];
    for (const a of seen) {
      let i = changes.length - 1;
      while (i >= 0 && changes[i]!.at > a.at) i--;
      while (i >= 0 && changes[i]!.busy !== a.state) i--;
      if (i < 0) continue;
      while (i > 0 && changes[i - 1]!.busy === a.state) i--;
      delays.push(a.at - changes[i]!.at);
    }
    const final = changes.at(-1)?.busy ?? 0;
    if (held.has(Number(exts[u])) && (seen.at(-1)?.state ?? 0) !== final) stale++;
  }
  return { delays: delays.sort((a, b) => a - b), stale };
}

/**
 * Registers the targets (online, so dnd lights their lamps) and subscribes one watcher to each;
 * what is refused (a 503 while the server is behind) is asked again. The targets with a dialog.
 */
async function setUp(
  server: Server,
  sip: IpcClient<ToClient, FromClient>,
  targets: readonly string[],
  watchers: readonly string[],
): Promise<Set<number>> {
  const users = server.engine.state(TENANT)!.users;
  let held = new Set<number>();
  for (let attempt = 0; attempt < 5; attempt++) {
    const unregistered = targets.filter((t) => (users.get(`u${t}`)?.registrations.length ?? 0) === 0);
    if (unregistered.length > 0)
      await sip.ask({ type: 'register', users: unregistered, concurrency: 50, expiresSec: 3600 }, 'registered');
    const pairs = watchers.map((w, i) => [w, targets[i]!] as const).filter(([, t]) => !held.has(Number(t)));
    if (pairs.length === 0 && unregistered.length === 0) break;
    if (pairs.length > 0) {
      const sub = await sip.ask({ type: 'subscribe', pairs, concurrency: 50, expiresSec: 3600 }, 'subscribed');
      held = new Set(sub.targets);
    }
    await sleep(1000);
  }
  return held;
}

export async function runOnce(options: BurstOptions, progress: (line: string) => void): Promise<object> {
  const steal = stealMeter();
  const loadBefore = round(loadavg()[0]!, 2);
  const dataDir = mkdtempSync(join(tmpdir(), 'swb-burst-bench-'));
  const server = await startServer(
    benchConfig(dataDir, {
      // --loop-delay: another overload limit than the default (shared/overload.ts), to compare.
      ...(options.loopDelay > 0 ? { overloadLoopDelayMs: options.loopDelay } : {}),
    }),
    { logger: pino({ level: 'silent' }) },
  );
  const here = dirname(fileURLToPath(import.meta.url));
  const sipChild = fork(join(here, 'sip-client.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const sip = new IpcClient<ToClient, FromClient>(sipChild);
  const restChild = fork(join(here, 'burst-rest.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const exts = await createUsers(server, { users: options.dialogs * 2 });
    const targets = exts.slice(0, options.dialogs);
    const watchers = exts.slice(options.dialogs);
    const token = await apiKey(server);
    const port = new URL(server.url).port;
    await sip.ask({ type: 'init', port: server.sipPort, domain: DOMAIN, sockets: 4 }, 'ready');
    const held = await setUp(server, sip, targets, watchers);
    progress(`setup: ${held.size} BLF dialogs`);
    await sleep(1000);
    await sip.ask({ type: 'measure', on: true }, 'measuring');
    const drops0 = udpDrops(server.sipPort);
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const cpu = process.cpuUsage();
    const probe = retransmissionProbe(server.sipPort, DOMAIN, watchers[0]!, 100);
    const load: RestLoad = {
      type: 'load',
      port: Number(port),
      token,
      exts: targets,
      perSec: options.rate,
      seconds: options.seconds,
      connections: options.connections,
    };
    const rest = await new Promise<RestDone>((resolve) => {
      restChild.once('message', (m: RestDone) => resolve(m));
      restChild.send(load);
    });
    const serverCpu = process.cpuUsage(cpu);
    const retransmissions = await probe.stop();
    // The last NOTIFYs: a coalesced one, or one retried after a lost answer (2 s, then 4 s).
    await sleep(10_000);
    lag.disable();
    await sip.ask({ type: 'measure', on: false }, 'measuring');
    const drops = udpDrops(server.sipPort) - drops0;
    const arr = await sip.ask({ type: 'arrivals' }, 'arrivals');
    const arrivals = new Map<number, Arrival[]>();
    for (let i = 0; i < arr.targets.length; i++) {
      const t = arr.targets[i]!;
      let list = arrivals.get(t);
      if (list === undefined) arrivals.set(t, (list = []));
      list.push({ state: arr.states[i]!, at: arr.atMs[i]! });
    }
    // From when the change left the client (the server's part), and from when it was due (with
    // the wait for a free connection, which a slow server also causes).
    const { delays, stale } = analyse(rest, arrivals, targets, rest.sentAt, held);
    const fromDue = analyse(rest, arrivals, targets, rest.dueAt, held).delays;
    const byStatus: Record<string, number> = {};
    for (const s of rest.statuses) byStatus[s] = (byStatus[s] ?? 0) + 1;
    const ok = rest.latencyMs.filter((_, n) => rest.statuses[n] === 200).sort((a, b) => a - b);
    const all = rest.latencyMs.filter((l) => l >= 0).sort((a, b) => a - b);
    const waits = rest.sentAt
      .map((s, n) => s - rest.dueAt[n]!)
      .filter((_, n) => rest.sentAt[n]! >= 0)
      .sort((a, b) => a - b);
    // The server's part of an acknowledged change: from written to answered.
    const served =
      ok.length === 0
        ? []
        : rest.latencyMs
            .map((l, n) =>
              rest.statuses[n] === 200 && rest.sentAt[n]! >= 0 ? l - (rest.sentAt[n]! - rest.dueAt[n]!) : -1,
            )
            .filter((l) => l >= 0)
            .sort((a, b) => a - b);
    const result = {
      rest: {
        sent: rest.users.length,
        seconds: round(rest.seconds, 2),
        byStatus,
        retryAfter: rest.retryAfter,
        okP50Ms: pct(ok, 50),
        okP99Ms: pct(ok, 99),
        allP50Ms: pct(all, 50),
        allP99Ms: pct(all, 99),
        okServedP50Ms: pct(served, 50),
        okServedP99Ms: pct(served, 99),
        connectionWaitP50Ms: pct(waits, 50),
        connectionWaitP99Ms: pct(waits, 99),
        clientCpuMs: round(rest.cpuMs),
      },
      notify: {
        received: arr.notifies,
        retransmitted: arr.retransmitted,
        measured: delays.length,
        p50Ms: pct(delays, 50),
        p99Ms: pct(delays, 99),
        maxMs: round(delays.at(-1) ?? -1),
        fromDueP50Ms: pct(fromDue, 50),
        fromDueP99Ms: pct(fromDue, 99),
        fromDueMaxMs: round(fromDue.at(-1) ?? -1),
        dialogs: held.size,
        staleDialogs: stale,
      },
      retransmissions,
      server: {
        udpDrops: drops,
        cpuPct: round((serverCpu.user + serverCpu.system) / 10_000 / rest.seconds),
        loopDelayP99Ms: round(lag.percentile(99) / 1e6),
        loopDelayMaxMs: round(lag.max / 1e6),
      },
      loadAvgBefore: loadBefore,
      loadAvgAfter: round(loadavg()[0]!, 2),
      stealPct: steal(),
    };
    progress(JSON.stringify(result));
    return result;
  } finally {
    await sip.ask({ type: 'close' }, 'closed', 5000).catch(() => undefined);
    sip.end();
    restChild.kill();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const FLAGS: Readonly<Record<string, keyof BurstOptions>> = {
  dialogs: 'dialogs',
  rate: 'rate',
  seconds: 'seconds',
  connections: 'connections',
  runs: 'runs',
  'loop-delay': 'loopDelay',
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const options = numericOptions(FLAGS, DEFAULTS);
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  const runs: {
    notify: { maxMs: number; p99Ms: number; staleDialogs: number };
    retransmissions: { different: number };
  }[] = [];
  for (let i = 0; i < options.runs; i++) runs.push((await runOnce(options, progress)) as (typeof runs)[number]);
  const m = {
    notifyMaxMs: median(runs.map((r) => r.notify.maxMs)),
    notifyP99Ms: median(runs.map((r) => r.notify.p99Ms)),
    staleDialogs: median(runs.map((r) => r.notify.staleDialogs)),
    retransmissionsDifferent: median(runs.map((r) => r.retransmissions.different)),
  };
  const report = {
    bench: 'burst',
    options,
    target: TARGET,
    median: m,
    meetsTargets:
      m.notifyMaxMs <= TARGET.notifyMaxMs &&
      m.staleDialogs <= TARGET.staleDialogs &&
      m.retransmissionsDifferent <= TARGET.retransmissionsDifferent,
    runs,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  process.exit(0);
}
