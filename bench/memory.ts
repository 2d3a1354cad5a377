// The memory bench (issue 19): the RSS of `switchboard start` as a user runs it — the real
// executable (dist/src/cli/main.js with the node flags of its first line), its own process, the
// embedded default (SQLite in the data directory), nothing forced by the bench (no gc()).
//   prepare: a data directory with one tenant `bench.test` and 20,000 users with SIP credentials,
//            written by a server in this process, which is then closed;
//   idle:    `switchboard start` on that directory; its RSS (/proc/<pid>/status) sampled every
//            second for --settle seconds after it says it is running; idle is the last sample;
//   register: every user registers (bench/sip-client.ts, digest, UDP); once Timer J has let the
//            REGISTERs' transactions go and --settle seconds more have passed, the RSS added per
//            registration.
// Targets: ≤ 120 MB idle, ≤ 1.5 KB per registration. Runs --runs times (3) and reports medians.
import { fork, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pino from 'pino';
import { numericOptions } from './args.js';
import { benchConfig } from './server-config.js';
import { createUsers } from './sip.js';
import { IpcClient } from './ipc-client.js';
import type { FromClient, ToClient } from './sip-client.js';
import { startServer } from '../src/app/server.js';

export interface MemoryBenchOptions {
  readonly users: number;
  readonly runs: number;
  /** Seconds the server is left alone before each reading (after start; after Timer J). */
  readonly settleSec: number;
  readonly concurrency: number;
}

const DEFAULTS: MemoryBenchOptions = { users: 20_000, runs: 3, settleSec: 30, concurrency: 400 };
const TARGET = { rssIdleMB: 120, rssPerRegistrationKB: 1.5 };
/** RFC 3261 Timer J over UDP: how long a REGISTER's server transaction is kept. */
const TIMER_J_SEC = 32;
const DOMAIN = 'bench.test';
const here = dirname(fileURLToPath(import.meta.url));
const MAIN = join(here, '..', 'src', 'cli', 'main.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The words of the executable's first line (`#!/usr/bin/env -S NAME=value… node <flags>`). */
function shebang(): string[] {
  const first = readFileSync(MAIN, 'utf8').split('\n', 1)[0]!;
  return first.startsWith('#!') ? first.split(/\s+/) : [];
}
const shebangFlags = (): string[] => shebang().filter((w) => w.startsWith('--'));
/** The environment settings `env` gives node on that line. */
const shebangEnv = (): Record<string, string> =>
  Object.fromEntries(shebang().flatMap((w) => (/^[A-Z_]+=/.test(w) ? [w.split('=', 2) as [string, string]] : [])));

/** RSS and its parts of a process, in MB, from /proc/<pid>/status. */
function rssOf(pid: number): { rss: number; anon: number; file: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, anon: kb('RssAnon') / 1024, file: kb('RssFile') / 1024 };
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function prepare(dataDir: string, users: number): Promise<string[]> {
  const server = await startServer(benchConfig(dataDir, { httpPort: 0, sipPort: 0 }), {
    logger: pino({ level: 'silent' }),
    listen: false,
  });
  try {
    return await createUsers(server, { users });
  } finally {
    await server.close();
  }
}

/** `switchboard start` on the data directory; resolves once it says it is running. */
async function start(dataDir: string, httpPort: number, sipPort: number): Promise<ChildProcess> {
  const args = [...shebangFlags(), MAIN, 'start', '--data-dir', dataDir, '--host', '127.0.0.1'];
  args.push('--http-port', String(httpPort), '--sip-port', String(sipPort), '--no-demo');
  const env = { ...process.env, ...shebangEnv() };
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`switchboard start exited with ${code}`)));
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('Switchboard is running')) resolve();
    });
  });
  return child;
}

/** RSS samples, one a second, for `seconds`; the last one is the reading. */
async function settle(pid: number, seconds: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < seconds; i++) {
    await sleep(1000);
    samples.push(round(rssOf(pid).rss));
  }
  return samples;
}

async function runOnce(options: MemoryBenchOptions, progress: (line: string) => void) {
  const dataDir = mkdtempSync(join(tmpdir(), 'swb-memory-bench-'));
  const client = fork(join(here, 'sip-client.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ipc = new IpcClient<ToClient, FromClient>(client);
  let server: ChildProcess | undefined;
  try {
    const exts = await prepare(dataDir, options.users);
    const [httpPort, sipPort] = [await freePort(), await freePort()];
    server = await start(dataDir, httpPort, sipPort);
    const idleSamples = await settle(server.pid!, options.settleSec);
    const idle = rssOf(server.pid!);
    progress(`idle with ${exts.length} users after ${options.settleSec} s: ${JSON.stringify(idle)} MB`);
    await ipc.ask({ type: 'init', port: sipPort, domain: DOMAIN, sockets: 4 }, 'ready');
    const reg = await ipc.ask(
      { type: 'register', users: exts, concurrency: options.concurrency, expiresSec: 3600 },
      'registered',
    );
    progress(`register: ${reg.ok} ok, ${reg.failed} failed in ${round(reg.seconds, 2)} s`);
    const registeredSamples = await settle(server.pid!, TIMER_J_SEC + options.settleSec);
    const registered = rssOf(server.pid!);
    const perRegistrationKB = round(((registered.rss - idle.rss) * 1024) / Math.max(1, reg.ok), 2);
    progress(`registered after ${TIMER_J_SEC + options.settleSec} s: ${JSON.stringify(registered)} MB`);
    return {
      rssIdleMB: round(idle.rss),
      rssIdleAnonMB: round(idle.anon),
      rssIdleFileMB: round(idle.file),
      rssRegisteredMB: round(registered.rss),
      registered: reg.ok,
      registerFailed: reg.failed,
      rssPerRegistrationKB: perRegistrationKB,
      idleSamplesMB: idleSamples,
      registeredSamplesMB: registeredSamples,
    };
  } finally {
    ipc.end();
    if (server !== undefined && server.exitCode === null) {
      const exited = new Promise((r) => server!.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const FLAGS: Readonly<Record<string, keyof MemoryBenchOptions>> = {
  users: 'users',
  runs: 'runs',
  settle: 'settleSec',
  concurrency: 'concurrency',
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const options = numericOptions(FLAGS, DEFAULTS);
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  const loadBefore = round(loadavg()[0]!, 2);
  const runs = [];
  for (let i = 0; i < options.runs; i++) {
    progress(`run ${i + 1} of ${options.runs}`);
    runs.push(await runOnce(options, progress));
  }
  const m = {
    rssIdleMB: median(runs.map((r) => r.rssIdleMB)),
    rssPerRegistrationKB: median(runs.map((r) => r.rssPerRegistrationKB)),
  };
  const report = {
    bench: 'memory',
    measured: `RSS of \`switchboard start\` (${shebang().slice(2).join(' ')}), idle ${options.settleSec} s after it says it is running with ${options.users} users; per registration ${TIMER_J_SEC + options.settleSec} s after the last REGISTER`,
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      loadAvgBefore: loadBefore,
      loadAvgAfter: round(loadavg()[0]!, 2),
    },
    options,
    target: TARGET,
    median: m,
    met: {
      rssIdle: m.rssIdleMB <= TARGET.rssIdleMB,
      rssPerRegistration: m.rssPerRegistrationKB <= TARGET.rssPerRegistrationKB,
    },
    runs,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}
