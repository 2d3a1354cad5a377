// bench:rest (issue 19) — acknowledged REST status changes per second on one node as a user starts
// it: `switchboard start` on its embedded default (SQLite, in-process bus), overload shedding as
// configured by default (S8.3). The load comes from this process, not the node's, over keep-alive
// connections (lean-http.ts): closed loop, `--concurrency` changes in flight, each to a random user
// of 20 tenants × 50 users, `dnd` and `away` in turn, counted for `--seconds` after a 1 s warm-up.
// Prints one JSON object: each run's changes/s, PUT → 200 p50/p99, refused (503 while shedding)
// and the node's CPU, and their medians. Target: ≥ 10,000 changes/s with p99 ≤ 50 ms.
//   npm run bench:rest [-- --runs 3] [--concurrency 64] [--seconds 6]
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { numericOptions } from './args.js';
import { HttpNode, loginAll, makeTenant, round, statusLoad, tenantId } from './cluster-load.js';
import { cpuMs, startNode, stopNode } from './cluster-procs.js';

const O = numericOptions(
  { runs: 'runs', concurrency: 'concurrency', seconds: 'seconds' },
  {
    runs: 3,
    concurrency: 64,
    seconds: 6,
  },
);
const TENANTS = Array.from({ length: 20 }, (_, t) => tenantId(t));
const USERS = 50;
const log = (m: string) => process.stderr.write(`[bench:rest] ${m}\n`);

async function runOnce(k: number) {
  const token = `sys-${randomBytes(16).toString('hex')}`;
  const port = 21_000 + ((process.pid * 7 + k * 10) % 5000);
  const node = await startNode({
    id: `r${k}`,
    httpPort: port,
    sipPort: port + 1,
    systemToken: token,
    secretKey: randomBytes(32).toString('base64'),
    shedding: true,
  });
  const http = new HttpNode(port, O.concurrency);
  try {
    for (const t of TENANTS) await makeTenant(http, token, t, USERS);
    const tokens = await loginAll([http], TENANTS);
    const cpu0 = cpuMs(node.pid);
    const plan = { nodes: [http], tokens, tenants: TENANTS, users: USERS, route: () => 0 };
    const load = await statusLoad({ ...plan, concurrency: O.concurrency, seconds: O.seconds });
    const nodeCpuMsPerSec = Math.round((cpuMs(node.pid) - cpu0) / (load.seconds + 1));
    return { ...load, nodeCpuMsPerSec };
  } finally {
    http.close();
    await stopNode(node, 'SIGTERM');
  }
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const load0 = loadavg();
  const runs = [];
  for (let k = 0; k < O.runs; k++) {
    log(`run ${k + 1} of ${O.runs}`);
    runs.push(await runOnce(k));
  }
  const medians = {
    changesPerSec: median(runs.map((r) => r.perSec)),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    refused: median(runs.map((r) => r.refused)),
  };
  const report = {
    bench: 'rest',
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length },
    loadAvgAtStart: load0.map((x) => round(x)),
    loadAvgAtEnd: loadavg().map((x) => round(x)),
    options: O,
    medians,
    target: { changesPerSec: 10_000, p99Ms: 50, met: medians.changesPerSec >= 10_000 && medians.p99Ms <= 50 },
    runs,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:rest failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
