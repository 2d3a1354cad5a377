// `npm run fuzz -- [--target sip|json|sip-server] [--seconds N] [--seed N] [--fresh] [--replay FILE]`
// Runs a time-bounded, coverage-guided fuzz campaign (docs/fuzzing.md) in a worker thread, watches
// it for hangs, and prints a JSON summary: executions, executions per second, the corpus, the
// coverage of the target's source files and the findings. Exits 1 when anything was found.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import type { EngineMessage, EngineOptions, Summary } from './engine.js';
import { Finding } from './target.js';
import { makeTarget } from './targets.js';

/** The repository root: this file runs as dist/fuzz/main.js. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DEFAULT_SECONDS: Readonly<Record<string, number>> = { sip: 600, json: 120, 'sip-server': 120 };
/** A run slower than this is a finding (twice in a row); password hashing makes sign-ins slow. */
const DEFAULT_SLOW_MS: Readonly<Record<string, number>> = { sip: 200, json: 2000, 'sip-server': 2000 };
const SHARED_BYTES = 128 * 1024;

const { values } = parseArgs({
  options: {
    target: { type: 'string', default: 'sip' },
    seconds: { type: 'string' },
    seed: { type: 'string' },
    dir: { type: 'string' },
    fresh: { type: 'boolean', default: false },
    'slow-ms': { type: 'string' },
    'hang-ms': { type: 'string', default: '10000' },
    replay: { type: 'string' },
  },
});

const target = values.target!;
const dir = resolve(values.dir ?? join(ROOT, '.fuzz', target));

if (values.replay !== undefined) await replay(values.replay);
else await campaign();

/** Runs one saved input through the target and says what happens. */
async function replay(file: string): Promise<void> {
  const t = makeTarget(target);
  await t.setup();
  try {
    await t.run(readFileSync(file));
    console.log(JSON.stringify({ target, file, result: 'ok' }));
  } catch (e) {
    console.log(
      JSON.stringify({ target, file, result: e instanceof Finding ? 'oracle' : 'crash', error: (e as Error).stack }),
    );
    process.exitCode = 1;
  } finally {
    await t.teardown();
  }
}

async function campaign(): Promise<void> {
  const seconds = Number(values.seconds ?? DEFAULT_SECONDS[target] ?? 60);
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
  const hangMs = Number(values['hang-ms']);
  const shared = new SharedArrayBuffer(8 + SHARED_BYTES);
  const options: EngineOptions = {
    target,
    seconds,
    seed,
    root: ROOT,
    dir,
    fresh: values.fresh === true,
    slowMs: Number(values['slow-ms'] ?? DEFAULT_SLOW_MS[target] ?? 200),
    shared,
  };
  const load = { cpus: cpus().length, loadavgBefore: loadavg().map((l) => Math.round(l * 100) / 100) };
  console.error(
    `fuzzing ${target} for ${seconds} s (seed ${seed}, corpus ${join(dir, 'corpus')}); load average ${load.loadavgBefore.join(' ')} on ${load.cpus} CPUs`,
  );

  const worker = new Worker(new URL('./engine.js', import.meta.url), { workerData: options });
  const heartbeat = new Int32Array(shared, 0, 2);
  let lastBeat = -1;
  let lastChange = Date.now();
  let hang: { file: string; ms: number } | undefined;
  const watchdog = setInterval(() => {
    const beat = Atomics.load(heartbeat, 0);
    if (beat !== lastBeat) {
      lastBeat = beat;
      lastChange = Date.now();
      return;
    }
    if (Date.now() - lastChange < hangMs) return;
    // One input has run for hang-ms: keep it and stop the worker.
    const input = Buffer.from(new Uint8Array(shared, 8, Atomics.load(heartbeat, 1)));
    mkdirSync(join(dir, 'findings'), { recursive: true });
    const file = join(dir, 'findings', `hang-${Date.now()}.bin`);
    writeFileSync(file, input);
    hang = { file, ms: Date.now() - lastChange };
    void worker.terminate();
  }, 500);

  const result = await new Promise<{ summary?: Summary; uncovered?: Record<string, readonly number[]>; error?: Error }>(
    (done) => {
      let summary: Summary | undefined;
      let uncovered: Record<string, readonly number[]> | undefined;
      worker.on('message', (m: EngineMessage) => {
        if (m.type === 'progress') console.error(m.line);
        else ({ summary, uncovered } = m);
      });
      worker.on('error', (error) => done({ error }));
      worker.on('exit', () => done({ summary, uncovered }));
    },
  );
  clearInterval(watchdog);

  const loadAfter = loadavg().map((l) => Math.round(l * 100) / 100);
  if (result.uncovered !== undefined) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'uncovered-lines.json'), `${JSON.stringify(result.uncovered, null, 1)}\n`);
  }
  const out = {
    ...(result.summary ?? { target, seconds, seed }),
    ...(hang !== undefined ? { hang } : {}),
    ...(result.error !== undefined ? { error: result.error.stack } : {}),
    machine: { ...load, loadavgAfter: loadAfter },
  };
  console.log(JSON.stringify(out, null, 2));
  const found =
    hang !== undefined ||
    result.error !== undefined ||
    result.summary === undefined ||
    result.summary.findings.length > 0;
  process.exitCode = found ? 1 : 0;
}
