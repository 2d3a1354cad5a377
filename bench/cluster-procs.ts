// The cluster bench's processes: real `switchboard start` nodes (spawned, killed with SIGKILL or
// stopped with SIGTERM), the per-run PostgreSQL database and JetStream stream, and what /proc
// says about them (CPU time, resident memory, the machine's busy share).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { NODE_FLAGS } from '../src/app/heap.js';
import { limitCpu } from './cpu-limit.js';

// SWB_BENCH_MAIN: another build's CLI (an older commit built elsewhere), to compare it on the same bench.
const MAIN = process.env.SWB_BENCH_MAIN ?? fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const NO_SHEDDING = { SWITCHBOARD_OVERLOAD_LOOP_DELAY_MS: '60000', SWITCHBOARD_OVERLOAD_SIP_LOOP_DELAY_MS: '60000' };
/** More flags for node processes, e.g. BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile them. */
const EXTRA_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');
export const PG_ADMIN = 'postgres://postgres@127.0.0.1:5432/postgres';
export const NATS_URL = 'nats://127.0.0.1:4222';

export interface NodeSpec {
  readonly id: string;
  readonly httpPort: number;
  readonly sipPort: number;
  /** PostgreSQL URL and bus names; undefined for a plain SQLite node. */
  readonly cluster?: { readonly store: string; readonly stream: string; readonly prefix: string };
  readonly systemToken: string;
  readonly secretKey: string;
  /** A CPU quota in cores (cpu-limit.ts); undefined: none. */
  readonly cpus?: number;
  /** Overload shedding as configured by default (S8.3); without it, off: the bench measures capacity. */
  readonly shedding?: boolean;
}

export interface RunningNode {
  readonly spec: NodeSpec;
  readonly child: ChildProcess;
  readonly pid: number;
  readonly dataDir: string;
  /** The node's log lines, kept for the report when something fails. */
  readonly log: string[];
}

/** Starts a node; resolves once it says it is running (60 s at most: the machine is shared). */
export async function startNode(spec: NodeSpec): Promise<RunningNode> {
  const dataDir = mkdtempSync(join(tmpdir(), `swb-cluster-${spec.id}-`));
  const clusterArgs =
    spec.cluster === undefined
      ? []
      : [
          '--store',
          spec.cluster.store,
          '--bus',
          NATS_URL,
          '--bus-stream',
          spec.cluster.stream,
          '--bus-subject-prefix',
          spec.cluster.prefix,
          '--node-id',
          spec.id,
        ];
  const args = [...NODE_FLAGS, ...EXTRA_FLAGS, MAIN, 'start', ...clusterArgs, '--host', '127.0.0.1'];
  args.push('--http-port', String(spec.httpPort), '--sip-port', String(spec.sipPort), '--data-dir', dataDir);
  args.push('--system-token', spec.systemToken, '--log-format', 'json', '--log-level', 'info');
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    // Capacity is measured with shedding off unless asked: what the nodes acknowledge at full load,
    // not what they refuse past it (bench:burst measures the shedding, S8.3).
    env: { ...process.env, SWITCHBOARD_SECRET_KEY: spec.secretKey, ...(spec.shedding === true ? {} : NO_SHEDDING) },
  });
  const log: string[] = [];
  const keep = (d: Buffer) => {
    for (const line of d.toString().split('\n')) if (line !== '') log.push(line);
    if (log.length > 2000) log.splice(0, log.length - 2000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node ${spec.id} did not start within 60 s`)), 60_000);
    const check = () => {
      if (log.some((l) => l.includes('Switchboard is running at'))) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`node ${spec.id} exited with ${code}: ${log.slice(-5).join('\n')}`));
    });
  });
  const unlimit = spec.cpus === undefined ? undefined : limitCpu(child.pid!, spec.cpus, `${spec.id}-${child.pid!}`);
  if (unlimit !== undefined) child.once('exit', unlimit);
  return { spec, child, pid: child.pid!, dataDir, log };
}

/** SIGKILL (a crash) or SIGTERM (a graceful stop); resolves when the process is gone. */
export async function stopNode(n: RunningNode, signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
  if (n.child.exitCode === null && n.child.signalCode === null) {
    const gone = new Promise<void>((resolve) => n.child.once('exit', () => resolve()));
    n.child.kill(signal);
    await Promise.race([gone, new Promise((r) => setTimeout(r, 15_000))]);
    if (n.child.exitCode === null && n.child.signalCode === null) n.child.kill('SIGKILL');
  }
  rmSync(n.dataDir, { recursive: true, force: true });
}

/** user + system CPU time of a process, in ms (0 when it is gone). */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return 0;
  }
}

/** Resident memory of a process, in KB (VmRSS). */
export function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m === null ? 0 : Number(m[1]);
  } catch {
    return 0;
  }
}

/** The pids of every process with this command name (postgres, nats-server). */
/**
 * The CPU time the processes of that name take from now until the function it answers is called:
 * those alive at the end, less what those alive now had used already (a process that started
 * meanwhile counts whole). One that ended meanwhile is missed: a lower bound.
 */
export function cpuOfNamed(name: string): () => number {
  const before = new Map(pidsNamed(name).map((p) => [p, cpuMs(p)]));
  return () => pidsNamed(name).reduce((a, p) => a + cpuMs(p) - (before.get(p) ?? 0), 0);
}

export function pidsNamed(name: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/comm`, 'latin1').trim() === name) out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Busy and total jiffies of the whole machine (/proc/stat's first line). */
export function machineTicks(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3]! - f[4]!, total };
}

export async function createDatabase(name: string): Promise<string> {
  const c = new pg.Client({ connectionString: PG_ADMIN });
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  return `postgres://postgres@127.0.0.1:5432/${name}`;
}

export async function dropDatabase(name: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_ADMIN });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await c.end();
}

/** tenant → owning node, from the leases table (only leases not yet expired). */
export async function owners(store: string): Promise<Map<string, string>> {
  const c = new pg.Client({ connectionString: store });
  await c.connect();
  try {
    const r = await c.query<{ tenant: string; node: string }>(
      'SELECT tenant, node FROM tenant_leases WHERE expires_at > $1',
      [Date.now()],
    );
    return new Map(r.rows.map((row) => [row.tenant, row.node]));
  } finally {
    await c.end();
  }
}

export async function deleteStream(name: string): Promise<void> {
  const nc = await connect({ servers: NATS_URL });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(name).catch(() => false);
  } finally {
    await nc.close();
  }
}
