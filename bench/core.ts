// The core bench: many tenants in one Engine on a ManualClock, fed a busy hour through
// `engine.submit` (the synchronous apply path). What is counted as an input: every command the
// engine applies, whether a workload input (heartbeat, registration, call leg, route, status,
// session, agent, queue, feature code) or a timer the engine fired back as a command while the
// manual clock advanced (wake: idle, session timeout, registration expiry, `until`; wrap-up; agent
// ring; queue max wait). Refused commands count too (they are reported). Events are the
// stamped events those commands emitted. Generating the workload is not timed (nor its reactions
// to the engine's answers); applying it, firing the timers and the engine's flush (no journal) are.
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { createTenantState } from '../src/core/index.js';
import type { Command, Directive } from '../src/core/index.js';
import { NODE_FLAGS, semiSpaceMb, tuneHeap } from '../src/app/heap.js';
import { Engine, ManualClock } from '../src/engine/index.js';
import type { Outcome } from '../src/engine/index.js';
import { Workload } from './workload.js';
import { stealMeter } from './steal.js';

/** 2026-11-02 09:00 UTC, a Monday morning. */
const T0 = Date.UTC(2026, 10, 2, 9, 0, 0);

export interface BenchOptions {
  readonly tenants: number;
  readonly usersPerTenant: number;
  /** Inputs per measured run (the last step may overshoot by a few). */
  readonly inputs: number;
  readonly runs: number;
  /**
   * Simulated seconds played before the measured runs. The hour starts with everyone signed in
   * and registered at once and no call in progress; only after its first ten minutes have the
   * first registrations expired, the first users gone idle and calls of every length been in
   * progress. The runs measure that steady state, not the start.
   */
  readonly warmupSec: number;
  readonly seed: number;
  readonly stepMs: number;
}

export const DEFAULTS: BenchOptions = {
  tenants: 100,
  usersPerTenant: 1000,
  inputs: 400_000,
  runs: 5,
  warmupSec: 720,
  seed: 20261102,
  stepMs: 200,
};

export interface RunResult {
  readonly inputs: number;
  readonly workloadInputs: number;
  readonly timerInputs: number;
  readonly refusals: number;
  readonly events: number;
  readonly seconds: number;
  /** CPU time of the process over the timed part (all threads: GC helpers count). */
  readonly cpuSeconds: number;
  readonly simulatedSec: number;
  readonly inputsPerSec: number;
  readonly eventsPerSec: number;
}

export interface BenchReport {
  readonly bench: 'core';
  /** `semiSpaceMb`: node's --max-semi-space-size (src/app/heap.ts). `loadAvg`: the 1-minute load average before and after; other work on the machine skews the rates. */
  readonly machine: {
    readonly cpus: number;
    readonly model: string;
    readonly node: string;
    readonly semiSpaceMb: number | 'default';
    readonly loadAvg: readonly [number, number];
    readonly stealPct: number | null;
  };
  readonly users: number;
  readonly tenants: number;
  readonly inputs: number;
  readonly runs: readonly RunResult[];
  readonly median: { readonly inputsPerSec: number; readonly eventsPerSec: number };
  readonly target: { readonly inputsPerSec: number };
  readonly meetsTarget: boolean;
  /** Share of each command type over the measured runs, timers included, and the refusal codes. */
  readonly mix: Readonly<Record<string, number>>;
  readonly refusalCodes: Readonly<Record<string, number>>;
  readonly setupSec: number;
}

/** Counts every command the engine applies, including the timers it fires itself. */
class CountingEngine extends Engine {
  applied = 0;
  events = 0;
  refusals = 0;
  readonly byType = new Map<string, number>();
  readonly refusalCodes = new Map<string, number>();
  onDirectives: (tenant: string, directives: readonly Directive[]) => void = () => {};

  override submit(tenantId: string, command: Command): Outcome {
    const out = super.submit(tenantId, command);
    this.applied++;
    this.byType.set(command.type, (this.byType.get(command.type) ?? 0) + 1);
    if (out.ok) {
      this.events += out.events.length;
      if (out.directives.length > 0) this.onDirectives(tenantId, out.directives);
    } else {
      this.refusals++;
      this.refusalCodes.set(out.code, (this.refusalCodes.get(out.code) ?? 0) + 1);
    }
    return out;
  }

  reset(): void {
    this.applied = 0;
    this.events = 0;
    this.refusals = 0;
    this.byType.clear();
    this.refusalCodes.clear();
  }
}

export interface Bench {
  readonly engine: Engine;
  readonly clock: ManualClock;
  readonly workload: Workload;
  /** Applies about `inputs` inputs (workload and fired timers) and measures them. */
  run(inputs: number): Promise<RunResult>;
  mix(): Record<string, number>;
  refusalCodes(): Record<string, number>;
  resetCounts(): void;
}

/** Builds the tenants and brings them to the start of the hour (untimed). */
export async function createBench(
  options: Pick<BenchOptions, 'tenants' | 'usersPerTenant' | 'seed' | 'stepMs'>,
): Promise<Bench> {
  const clock = new ManualClock(T0);
  const engine = new CountingEngine({ clock });
  const workload = new Workload(options);
  for (const id of workload.tenantIds) engine.addTenant(createTenantState(id), { epoch: 'bench', seq: 0 });
  // The workload's reactions to the engine's answers (who a routed call rings, queue offers)
  // are workload generation: queued in order while the clock runs, played once it has stopped.
  // They only schedule later steps' inputs, so the workload is the same either way.
  const feedback: (() => void)[] = [];
  const playFeedback = () => {
    for (let i = 0; i < feedback.length; i++) feedback[i]!();
    feedback.length = 0;
  };
  engine.onDirectives = (tenant, directives) => feedback.push(() => workload.onDirectives(tenant, directives));
  for (const input of workload.setup(clock.now())) {
    const out = engine.submit(input.tenant, input.command);
    if (!out.ok) throw new Error(`setup refused ${input.command.type}: ${out.code} ${out.message}`);
  }
  await engine.settled();
  playFeedback();
  engine.reset();

  let direct = 0;
  const run = async (inputs: number): Promise<RunResult> => {
    const start = {
      applied: engine.applied,
      events: engine.events,
      refusals: engine.refusals,
      direct,
      at: clock.now(),
    };
    let seconds = 0;
    let cpuMicros = 0;
    while (engine.applied - start.applied < inputs) {
      const batch = workload.step(clock.now());
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      for (const input of batch) {
        const out = engine.submit(input.tenant, input.command);
        const then = input.then;
        if (then !== undefined) feedback.push(() => then(out));
      }
      direct += batch.length;
      clock.advance(options.stepMs);
      await engine.settled();
      seconds += (performance.now() - t0) / 1000;
      const c1 = process.cpuUsage(c0);
      cpuMicros += c1.user + c1.system;
      playFeedback();
    }
    const applied = engine.applied - start.applied;
    const events = engine.events - start.events;
    return {
      inputs: applied,
      workloadInputs: direct - start.direct,
      timerInputs: applied - (direct - start.direct),
      refusals: engine.refusals - start.refusals,
      events,
      seconds: round(seconds, 3),
      cpuSeconds: round(cpuMicros / 1e6, 3),
      simulatedSec: (clock.now() - start.at) / 1000,
      inputsPerSec: Math.round(applied / seconds),
      eventsPerSec: Math.round(events / seconds),
    };
  };
  const share = (m: Map<string, number>, total: number) =>
    Object.fromEntries([...m].sort((a, b) => b[1] - a[1]).map(([k, n]) => [k, total === 0 ? 0 : round(n / total, 4)]));
  return {
    engine,
    clock,
    workload,
    run,
    mix: () => share(engine.byType, engine.applied),
    refusalCodes: () => Object.fromEntries(engine.refusalCodes),
    resetCounts: () => engine.reset(),
  };
}

export async function runCoreBench(
  options: BenchOptions = DEFAULTS,
  progress: (line: string) => void = () => {},
): Promise<BenchReport> {
  // The engine runs with the server's heap settings (src/app/heap.ts).
  tuneHeap();
  const loadBefore = round(loadavg()[0]!, 2);
  const steal = stealMeter();
  const t0 = performance.now();
  const bench = await createBench(options);
  const setupSec = round((performance.now() - t0) / 1000, 1);
  progress(`setup: ${bench.workload.userCount} users in ${options.tenants} tenants, ${setupSec} s`);
  if (options.warmupSec > 0) {
    let inputs = 0;
    let seconds = 0;
    while (bench.clock.now() - T0 < options.warmupSec * 1000) {
      const w = await bench.run(10_000);
      inputs += w.inputs;
      seconds += w.seconds;
    }
    progress(
      `warm-up: ${inputs} inputs over ${(bench.clock.now() - T0) / 1000} s simulated, ${Math.round(inputs / seconds)} inputs/s`,
    );
  }
  bench.resetCounts();
  const runs: RunResult[] = [];
  for (let i = 0; i < options.runs; i++) {
    const r = await bench.run(options.inputs);
    progress(
      `run ${i + 1}/${options.runs}: ${r.inputsPerSec} inputs/s, ${r.eventsPerSec} events/s (${r.timerInputs} timers, ${r.refusals} refused, ${r.simulatedSec} s simulated)`,
    );
    runs.push(r);
  }
  const median = {
    inputsPerSec: medianOf(runs.map((r) => r.inputsPerSec)),
    eventsPerSec: medianOf(runs.map((r) => r.eventsPerSec)),
  };
  const cpu = cpus();
  return {
    bench: 'core',
    machine: {
      cpus: cpu.length,
      model: cpu[0]?.model ?? 'unknown',
      node: process.version,
      semiSpaceMb: semiSpaceMb() ?? 'default',
      loadAvg: [loadBefore, round(loadavg()[0]!, 2)],
      stealPct: steal(),
    },
    users: bench.workload.userCount,
    tenants: options.tenants,
    inputs: options.inputs,
    runs,
    median,
    target: { inputsPerSec: 300_000 },
    meetsTarget: median.inputsPerSec >= 300_000,
    mix: bench.mix(),
    refusalCodes: bench.refusalCodes(),
    setupSec,
  };
}

function medianOf(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : Math.round((s[m - 1]! + s[m]!) / 2);
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** `node dist/bench/core.js [--inputs N] [--runs N] [--warmup-sec N] [--tenants N] [--users N] [--seed N]` */
function optionsFrom(argv: readonly string[]): BenchOptions {
  const flags: Record<string, keyof BenchOptions> = {
    '--inputs': 'inputs',
    '--runs': 'runs',
    '--warmup-sec': 'warmupSec',
    '--tenants': 'tenants',
    '--users': 'usersPerTenant',
    '--seed': 'seed',
  };
  const o: { -readonly [K in keyof BenchOptions]: BenchOptions[K] } = { ...DEFAULTS };
  for (let i = 0; i < argv.length; i += 2) {
    const key = flags[argv[i]!];
    const value = Number(argv[i + 1]);
    if (key === undefined || !Number.isInteger(value) || value < 0)
      throw new Error(
        `usage: core.js [--inputs N] [--runs N] [--warmup-sec N] [--tenants N] [--users N] [--seed N]; bad: ${argv[i]} ${argv[i + 1]}`,
      );
    o[key] = value;
  }
  return o;
}

async function main(): Promise<void> {
  if (semiSpaceMb() === undefined)
    process.stderr.write(
      `note: node runs with V8's default young generation; the server runs with ${NODE_FLAGS.join(' ')} (npm run bench gives it)\n`,
    );
  const report = await runCoreBench(optionsFrom(process.argv.slice(2)), (line) => process.stderr.write(`${line}\n`));
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
