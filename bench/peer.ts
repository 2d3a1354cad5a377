// bench:peer — Switchboard next to Kamailio, the open-source SIP server, under the same sipp load.
// Both run on 127.0.0.1: Switchboard as the SIP bench starts it (bench/sip.ts: the full server in
// this process, one tenant `bench.test` with users 100000… whose password is pw<ext>), Kamailio
// from the Debian package with our configuration (bench/kamailio/kamailio.cfg: usrloc and
// presence in memory, digest auth, 2 UDP workers). The same sipp scenarios
// (bench/kamailio/*.xml) are run against one then the other at each step of a ramp:
//   register:  REGISTER with digest (401, then credentials) → REGISTER flows/s
//   subscribe: SUBSCRIBE Event: dialog with digest, until the first NOTIFY → SUBSCRIBE flows/s
//   presence:  5,000 presence subscriptions to 500 users who PUBLISH open/closed at 1,000
//              changes/s in all (for 2 × --seconds) → PUBLISH → NOTIFY p50/p99 (bench/peer-presence.ts)
// For each: the highest offered rate with < 0.5 % failed flows (and at least 90 % of it achieved),
// the flow p99 there, and Switchboard's rate over Kamailio's.
//   npm run bench:peer [-- --install] [--seconds 5] [--users 20000]
//     [--register 500,1000,…] [--subscribe 250,500,…] [--only register|subscribe|presence]
//     [--subscriptions 5000] [--changes 1000] [--sip-threads off|on|both]
// --sip-threads: Switchboard with one thread (off), with the SIP front thread (on, docs/sip.md),
// or both (two servers in this process, taking turns with Kamailio at every step). Each step
// also gives the CPU time per flow: Switchboard's main thread and whole process, Kamailio's
// processes (bench/peer-cpu.ts).
// --install: apt-get update, then apt-get install kamailio kamailio-presence-modules (as root).
// Not run by .ci/run: it needs Kamailio and sipp, and minutes of both cores.
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { benchConfig } from './server-config.js';
import { startServer } from '../src/app/server.js';
import type { PresenceResult } from './peer-presence.js';
import { createUsers } from './sip.js';
import type { CpuSample } from './peer-cpu.js';
import { ownCpu, perFlow, treeCpu } from './peer-cpu.js';

const DOMAIN = 'bench.test';
const MAX_FAILURE_PCT = 0.5;
const HERE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'kamailio');
const DBTEXT = '/usr/share/kamailio/dbtext/kamailio';
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

export interface PeerOptions {
  readonly install: boolean;
  readonly seconds: number;
  readonly users: number;
  readonly register: readonly number[];
  readonly subscribe: readonly number[];
  readonly only: 'register' | 'subscribe' | 'presence' | undefined;
  /** PUBLISH → NOTIFY: subscriptions held, presentities publishing, changes per second. */
  readonly subscriptions: number;
  readonly changesPerSec: number;
  readonly sipThreads: 'off' | 'on' | 'both';
}

export const DEFAULTS: PeerOptions = {
  install: false,
  seconds: 5,
  users: 20_000,
  register: [500, 1000, 2000, 3000, 4000, 6000, 8000],
  subscribe: [250, 500, 1000, 2000, 3000, 4000],
  only: undefined,
  subscriptions: 5000,
  changesPerSec: 1000,
  sipThreads: 'both',
};

export interface Step {
  /** The first lines of sipp's error log when flows failed (why they did). */
  readonly firstError?: string;
  readonly offered: number;
  readonly achieved: number;
  readonly ok: number;
  readonly failed: number;
  readonly failurePct: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** CPU time per successful flow (µs): Switchboard's main thread and process, Kamailio's processes. */
  readonly cpu?: { readonly mainUs?: number; readonly totalUs: number };
}

type Peer = 'switchboard' | 'switchboard-threads' | 'kamailio';

function has(binary: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${binary}`]).status === 0;
}

function install(): void {
  for (const args of [['update'], ['install', '-y', 'kamailio', 'kamailio-presence-modules']]) {
    const r = spawnSync('apt-get', args, {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (exit ${r.status}); run as root`);
  }
}

/** A UDP port free on 127.0.0.1 right now. */
async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Waits until something answers OPTIONS on the port (Kamailio takes a moment to fork its workers). */
async function answersOptions(port: number, ms: number): Promise<void> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const local = s.address().port;
  const ok = new Promise<void>((r) => s.once('message', () => r()));
  const deadline = Date.now() + ms;
  let answered = false;
  void ok.then(() => (answered = true));
  while (!answered) {
    if (Date.now() > deadline) throw new Error(`nothing answers OPTIONS on 127.0.0.1:${port}`);
    const msg = `OPTIONS sip:${DOMAIN} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK${Date.now()}\r\nFrom: <sip:probe@${DOMAIN}>;tag=p\r\nTo: <sip:${DOMAIN}>\r\nCall-ID: probe-${Date.now()}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`;
    s.send(msg, port, '127.0.0.1');
    await Promise.race([ok, new Promise((r) => setTimeout(r, 200))]);
  }
  s.close();
}

/** Starts Kamailio with our configuration on `port`; resolves once it answers. */
async function startKamailio(dir: string, port: number): Promise<{ stop: () => Promise<void>; pid: number }> {
  const db = join(dir, 'dbtext');
  cpSync(DBTEXT, db, { recursive: true });
  mkdirSync(join(dir, 'run'));
  const args = [
    '-f',
    join(HERE, 'kamailio.cfg'),
    '-DD',
    '-E',
    '-n',
    '2',
    '-m',
    '2048',
    '-M',
    '64',
    '-Y',
    join(dir, 'run'),
    '-w',
    dir,
    '-l',
    `udp:127.0.0.1:${port}`,
    '-A',
    `DB_URL="text://${db}"`,
    '-A',
    `SERVER_ADDRESS="sip:127.0.0.1:${port}"`,
  ];
  const child = spawn('kamailio', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    await Promise.race([
      answersOptions(port, 15_000),
      exited.then(() => Promise.reject(new Error(`kamailio exited: ${log}`))),
    ]);
  } catch (e) {
    child.kill('SIGTERM');
    throw e;
  }
  return {
    pid: child.pid!,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * The injection file of a step: one line per user — extension, the digest credentials (sipp's
 * `[authentication]` keyword with per-user fields must come from the file: nested fields are
 * not read in the scenario) and the user to subscribe to. sipp's digest uri is one for a run
 * (-auth_uri), and Switchboard refuses credentials for another target than the Request-URI
 * (S7.1), so all the watchers of one step subscribe to one user, another at each step.
 */
function usersCsv(file: string, exts: readonly string[], target: string): void {
  const lines = exts
    .filter((e) => e !== target)
    .map((e) => `${e};[authentication username=${e} password=pw${e}];${target}`);
  writeFileSync(file, `SEQUENTIAL\n${lines.join('\n')}\n`);
}

function readIfThere(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Runs one sipp step: `rate` flows/s for `seconds` against `port`; counts and flow times. */
async function sippStep(
  scenario: string,
  csv: string,
  authUri: string,
  port: number,
  rate: number,
  seconds: number,
  dir: string,
): Promise<Step> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const calls = rate * seconds;
  const args = [
    '-sf',
    join(HERE, scenario),
    '-inf',
    csv,
    '-key',
    'domain',
    DOMAIN,
    '-auth_uri',
    authUri,
    '-i',
    '127.0.0.1',
    '-p',
    '0',
    '-r',
    String(rate),
    '-m',
    String(calls),
    '-l',
    String(Math.max(200, rate * 4)),
    '-nostdin',
    '-timeout',
    `${seconds + 40}s`,
    '-trace_rtt',
    '-rtt_freq',
    '1',
    '-trace_err',
    '-error_file',
    join(dir, 'errors.log'),
    '-max_socket',
    '64',
    '-buff_size',
    String(8 * 1024 * 1024),
    `127.0.0.1:${port}`,
  ];
  const out = await new Promise<string>((resolve) => {
    const child = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text = (text + d.toString()).slice(-20_000)));
    child.stderr.on('data', (d: Buffer) => (text = (text + d.toString()).slice(-20_000)));
    child.on('close', () => resolve(text));
  });
  const count = (name: string): number => {
    const m = new RegExp(`${name}\\s*\\|\\s*\\d+\\s*\\|\\s*(\\d+)`).exec(
      out.slice(out.lastIndexOf('Successful call') - 2000),
    );
    return m === null ? 0 : Number(m[1]);
  };
  const ok = count('Successful call');
  const failed = count('Failed call') + Math.max(0, calls - ok - count('Failed call'));
  const rtt = readdirSync(dir).find((f) => f.endsWith('_rtt.csv'));
  const rows =
    rtt === undefined
      ? []
      : readFileSync(join(dir, rtt), 'utf8')
          .split('\n')
          .slice(1)
          .filter((l) => l.includes(';'))
          .map((l) => l.split(';').map(Number));
  const times = rows.map((r) => r[1]!).sort((a, b) => a - b);
  const at = rows.map((r) => r[0]!);
  const span = at.length > 1 ? (Math.max(...at) - Math.min(...at)) / 1000 : seconds;
  const errors = failed === 0 ? '' : readIfThere(join(dir, 'errors.log'));
  return {
    ...(errors === '' ? {} : { firstError: errors.slice(0, 600) }),
    offered: rate,
    achieved: round(ok / Math.max(span, 1e-3)),
    ok,
    failed,
    failurePct: round((failed / calls) * 100, 2),
    p50Ms: round(percentile(times, 50), 2),
    p99Ms: round(percentile(times, 99), 2),
  };
}

/** The best step: the highest offered rate with few failures, mostly achieved. */
function best(steps: readonly Step[]): Step | undefined {
  return steps.filter((s) => s.failurePct < MAX_FAILURE_PCT && s.achieved >= 0.9 * s.offered).at(-1);
}

/** A ramp run against both peers, alternating at each step; a peer stops after its first failing step. */
async function ramp(
  name: string,
  scenario: string,
  rates: readonly number[],
  ports: Partial<Record<Peer, number>>,
  cpu: Partial<Record<Peer, () => CpuSample>>,
  exts: readonly string[],
  options: PeerOptions,
  dir: string,
  progress: (line: string) => void,
): Promise<object> {
  const peers = Object.keys(ports) as Peer[];
  const steps: Partial<Record<Peer, Step[]>> = Object.fromEntries(peers.map((p) => [p, []]));
  const done = new Set<Peer>();
  for (const [i, rate] of rates.entries()) {
    for (const [p, peer] of peers.entries()) {
      if (done.has(peer)) continue;
      // Each peer and step its own subscribed user (the ramp subscribes anew at each step).
      const csv = join(dir, `${name}-${peer}-${i}.csv`);
      const target = exts[(peers.length * i + p) % exts.length]!;
      usersCsv(csv, exts, target);
      const authUri = name === 'register' ? DOMAIN : `${target}@${DOMAIN}`;
      const before = cpu[peer]!();
      const measured = await sippStep(
        scenario,
        csv,
        authUri,
        ports[peer]!,
        rate,
        options.seconds,
        join(dir, `${name}-${peer}-${i}`),
      );
      const step: Step = { ...measured, cpu: perFlow(before, cpu[peer]!(), measured.ok) };
      steps[peer]!.push(step);
      progress(
        `${name} ${peer} ${rate}/s: ${step.ok} ok, ${step.failed} failed (${step.failurePct} %), achieved ${step.achieved}/s, p50 ${step.p50Ms} ms, p99 ${step.p99Ms} ms; cpu/flow ${step.cpu?.mainUs ?? '-'} µs main, ${step.cpu?.totalUs} µs all; load ${loadavg()[0]!.toFixed(1)}`,
      );
      if (step.failurePct >= MAX_FAILURE_PCT || step.achieved < 0.9 * rate) done.add(peer);
    }
    if (done.size === peers.length) break;
  }
  const ka = best(steps.kamailio ?? []);
  const summary: Record<string, object> = {};
  for (const peer of peers) {
    const b = best(steps[peer]!);
    summary[peer] = {
      ratePerSec: b?.offered ?? 0,
      p99Ms: b?.p99Ms ?? null,
      cpuPerFlow: b?.cpu ?? null,
      ...(peer === 'kamailio'
        ? {}
        : { ratio: ka === undefined || b === undefined ? null : round(b.offered / ka.offered, 2) }),
    };
  }
  return { ...summary, steps };
}

/** Runs bench/peer-presence.ts in a process of its own, so it takes no time from Switchboard's. */
function presenceClient(args: object): Promise<PresenceResult> {
  const file = join(dirname(fileURLToPath(import.meta.url)), 'peer-presence.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--max-semi-space-size=64', file], { stdio: ['pipe', 'pipe', 'inherit'] });
    child.stdin.end(JSON.stringify(args));
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(out) as PresenceResult) : reject(new Error(`peer-presence exited ${code}`)),
    );
  });
}

/** PUBLISH → NOTIFY latency with `subscriptions` held (bench/peer-presence.ts), one peer after the other. */
async function presence(
  ports: Partial<Record<Peer, number>>,
  exts: readonly string[],
  options: PeerOptions,
  progress: (line: string) => void,
): Promise<object> {
  const out: Partial<Record<Peer, object>> = {};
  for (const peer of Object.keys(ports) as Peer[]) {
    const r = await presenceClient({
      port: ports[peer]!,
      domain: DOMAIN,
      exts,
      options: {
        subscriptions: options.subscriptions,
        presentities: 500,
        changesPerSec: options.changesPerSec,
        seconds: options.seconds * 2,
      },
    });
    progress(
      `presence ${peer}: ${r.subscribed} subscribed, ${r.published} PUBLISH ok (${r.publishFailed} failed), ${r.achievedChangesPerSec}/s, ${r.notifies} NOTIFYs, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms; load ${loadavg()[0]!.toFixed(1)}`,
    );
    out[peer] = r;
  }
  return out;
}

export async function runPeerBench(options: PeerOptions, progress: (line: string) => void): Promise<object> {
  if (options.install) install();
  for (const binary of ['kamailio', 'sipp']) {
    if (!has(binary))
      throw new Error(
        `${binary} is not installed (npm run bench:peer -- --install installs kamailio; apt-get install sip-tester for sipp)`,
      );
  }
  const dir = mkdtempSync(join(tmpdir(), 'swb-peer-bench-'));
  // One server per way of running SIP asked for (--sip-threads), each with its data directory.
  const variants: [Peer, boolean][] = [];
  if (options.sipThreads !== 'on') variants.push(['switchboard', false]);
  if (options.sipThreads !== 'off') variants.push(['switchboard-threads', true]);
  const servers: Awaited<ReturnType<typeof startServer>>[] = [];
  let kamailio: Awaited<ReturnType<typeof startKamailio>> | undefined;
  try {
    const ports: Partial<Record<Peer, number>> = {};
    const cpu: Partial<Record<Peer, () => CpuSample>> = {};
    let exts: string[] = [];
    for (const [peer, sipThreads] of variants) {
      const server = await startServer(benchConfig(join(dir, `data-${peer}`), { sipThreads }), {
        logger: pino({ level: 'silent' }),
      });
      servers.push(server);
      exts = await createUsers(server, { users: options.users });
      ports[peer] = server.sipPort;
      cpu[peer] = ownCpu;
    }
    const kamailioPort = await freeUdpPort();
    kamailio = await startKamailio(dir, kamailioPort);
    ports.kamailio = kamailioPort;
    const kamailioPid = kamailio.pid;
    cpu.kamailio = () => treeCpu(kamailioPid);
    progress(
      `${Object.entries(ports)
        .map(([peer, port]) => `${peer} on 127.0.0.1:${port}`)
        .join(', ')}; ${exts.length} users; ${cpus().length} cores, load ${loadavg()[0]!.toFixed(1)}`,
    );
    const results: Record<string, object> = {};
    const run = (what: 'register' | 'subscribe' | 'presence') => options.only === undefined || options.only === what;
    const ramps = [
      ['register', 'register.xml'],
      ['subscribe', 'subscribe-dialog.xml'],
    ] as const;
    for (const [what, scenario] of ramps)
      if (run(what))
        results[what] = await ramp(what, scenario, options[what], ports, cpu, exts, options, dir, progress);
    if (run('presence')) results.presence = await presence(ports, exts, options, progress);
    return {
      options,
      machine: { cores: cpus().length, loadAvg1m: round(loadavg()[0]!, 2) },
      maxFailurePct: MAX_FAILURE_PCT,
      ...results,
    };
  } finally {
    await kamailio?.stop();
    for (const server of servers) await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function parseArgs(argv: readonly string[]): PeerOptions {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i < 0 ? undefined : argv[i + 1];
  };
  const list = (name: string, fallback: readonly number[]) => value(name)?.split(',').map(Number) ?? fallback;
  const only = value('only');
  const threads = value('sip-threads');
  return {
    install: argv.includes('--install'),
    seconds: Number(value('seconds') ?? DEFAULTS.seconds),
    users: Number(value('users') ?? DEFAULTS.users),
    register: list('register', DEFAULTS.register),
    subscribe: list('subscribe', DEFAULTS.subscribe),
    only: only === 'register' || only === 'subscribe' || only === 'presence' ? only : undefined,
    subscriptions: Number(value('subscriptions') ?? DEFAULTS.subscriptions),
    changesPerSec: Number(value('changes') ?? DEFAULTS.changesPerSec),
    sipThreads: threads === 'off' || threads === 'on' ? threads : DEFAULTS.sipThreads,
  };
}

const report = await runPeerBench(parseArgs(process.argv.slice(2)), (line) => process.stderr.write(`${line}\n`));
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
