// The fuzz loop, run in a worker thread (main.ts watches it for hangs). Inputs come from the
// target's grammar or are mutations of corpus entries; after every batch (~100 ms of inputs) V8's
// block counts say whether the batch reached code never reached before, and if so the batch is
// split in halves until the inputs responsible are found and kept in the corpus (coverage
// guidance: later mutations start from them). Every input's run is timed; one that throws, breaks
// the oracle or is slow twice in a row is a finding, saved as a file for replay.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { CoverageTracker } from './coverage.js';
import type { FileCoverage } from './coverage.js';
import { Rng } from './rng.js';
import { Finding } from './target.js';
import type { Target } from './target.js';
import { makeTarget } from './targets.js';

export interface EngineOptions {
  readonly target: string;
  readonly seconds: number;
  readonly seed: number;
  readonly root: string;
  /** Where the corpus is loaded from and saved to; findings go next to it. */
  readonly dir: string;
  readonly fresh: boolean;
  readonly slowMs: number;
  /** Shared with main.ts: [0] a counter bumped per input, [1] the input's length, then its bytes. */
  readonly shared: SharedArrayBuffer;
}

export interface FindingReport {
  readonly kind: 'crash' | 'oracle' | 'slow';
  readonly message: string;
  readonly file: string;
  readonly count: number;
}

export interface Summary {
  readonly target: string;
  readonly seconds: number;
  readonly seed: number;
  readonly execs: number;
  readonly execsPerSec: number;
  readonly corpus: { readonly size: number; readonly loaded: number; readonly dir: string };
  readonly blocks: { readonly covered: number; readonly known: number };
  readonly coverage: readonly Omit<FileCoverage, 'uncoveredLines'>[];
  readonly findings: readonly FindingReport[];
  readonly crashes: number;
}

export type EngineMessage =
  | { readonly type: 'progress'; readonly line: string }
  | { readonly type: 'done'; readonly summary: Summary; readonly uncovered: Record<string, readonly number[]> };

const BATCH_MS = 100;

class Engine {
  private readonly rng: Rng;
  private readonly corpus: Buffer[] = [];
  private readonly known = new Set<string>();
  private readonly findings = new Map<
    string,
    { kind: FindingReport['kind']; message: string; file: string; count: number }
  >();
  private readonly heartbeat: Int32Array;
  private readonly sharedBytes: Uint8Array;
  private generated: Buffer[] = [];
  private generation = 0;
  private execs = 0;

  constructor(
    private readonly target: Target,
    private readonly tracker: CoverageTracker,
    private readonly options: EngineOptions,
  ) {
    this.rng = new Rng(options.seed);
    this.heartbeat = new Int32Array(options.shared, 0, 2);
    this.sharedBytes = new Uint8Array(options.shared, 8);
  }

  async run(): Promise<Summary> {
    const started = performance.now();
    const deadline = started + this.options.seconds * 1000;
    const loaded = this.options.fresh ? [] : this.load();
    // Seeds and the saved corpus first, one by one, so each is kept only for what it adds.
    for (const input of [...this.target.seeds(), ...loaded]) {
      await this.exec(input);
      if (this.tracker.take(true).size > 0) this.keep(input);
    }
    let lastReport = performance.now();
    while (performance.now() < deadline) {
      const batch: Buffer[] = [];
      const batchEnd = Math.min(deadline, performance.now() + BATCH_MS);
      while (performance.now() < batchEnd) {
        for (let i = 0; i < 16; i++) {
          const input = this.next();
          await this.exec(input);
          batch.push(input);
        }
      }
      const fresh = this.tracker.take(false);
      if (fresh.size > 0) await this.attribute(batch, fresh);
      if (performance.now() - lastReport >= 10_000) {
        lastReport = performance.now();
        this.progress(started);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    this.save();
    return this.summary(seconds, loaded.length);
  }

  /** Finds the inputs of a batch that reached the fresh blocks, by halving it (bisection). */
  private async attribute(batch: Buffer[], fresh: Set<string>): Promise<void> {
    if (batch.length === 1) {
      await this.exec(batch[0]!);
      if (this.tracker.take(true).size > 0) this.keep(batch[0]!);
      return;
    }
    const left = batch.slice(0, batch.length >> 1);
    const right = batch.slice(batch.length >> 1);
    for (const input of left) await this.exec(input);
    const fromLeft = this.tracker.take(false);
    const leftWanted = new Set([...fresh].filter((k) => fromLeft.has(k)));
    const rightWanted = new Set([...fresh].filter((k) => !fromLeft.has(k)));
    if (leftWanted.size > 0) await this.attribute(left, leftWanted);
    if (rightWanted.size > 0) await this.attribute(right, rightWanted);
  }

  private keep(input: Buffer): void {
    const hash = digest(input);
    if (this.known.has(hash)) return;
    this.known.add(hash);
    this.corpus.push(input);
  }

  /** A grammar input now and then; otherwise a mutation of a corpus entry, recent ones favoured. */
  private next(): Buffer {
    if (this.corpus.length === 0 || this.rng.oneIn(8)) {
      if (this.generated.length === 0)
        this.generated = this.target.generate(this.options.seed * 7919 + this.generation++, 256);
      const fresh = this.generated.pop()!;
      return this.rng.oneIn(2) ? fresh : this.target.mutate(fresh, this.rng, this.pickCorpus() ?? fresh);
    }
    const recent = this.rng.oneIn(2) ? Math.max(0, this.corpus.length - 32) : 0;
    const base = this.corpus[recent + this.rng.below(this.corpus.length - recent)]!;
    return this.target.mutate(base, this.rng, this.pickCorpus() ?? base);
  }

  private pickCorpus(): Buffer | undefined {
    return this.corpus.length === 0 ? undefined : this.corpus[this.rng.below(this.corpus.length)];
  }

  private async exec(input: Buffer): Promise<void> {
    // The watchdog in main.ts reads the input of a run that never ends from here.
    const length = Math.min(input.length, this.sharedBytes.length);
    this.sharedBytes.set(input.subarray(0, length));
    this.heartbeat[1] = length;
    Atomics.add(this.heartbeat, 0, 1);
    this.execs++;
    const t0 = performance.now();
    try {
      const r = this.target.run(input);
      if (r !== undefined) await r;
    } catch (e) {
      this.record(e instanceof Finding ? 'oracle' : 'crash', e, input);
      return;
    }
    const ms = performance.now() - t0;
    if (ms > this.options.slowMs) await this.confirmSlow(input, ms);
  }

  /** A slow run is a finding only when it is slow again (the machine may have been busy). */
  private async confirmSlow(input: Buffer, ms: number): Promise<void> {
    const t0 = performance.now();
    try {
      const r = this.target.run(input);
      if (r !== undefined) await r;
    } catch {
      return;
    }
    const again = performance.now() - t0;
    if (again > this.options.slowMs)
      this.record(
        'slow',
        new Error(`${Math.round(ms)} ms, then ${Math.round(again)} ms for ${input.length} bytes`),
        input,
      );
  }

  private record(kind: FindingReport['kind'], e: unknown, input: Buffer): void {
    const err = e instanceof Error ? e : new Error(String(e));
    const frame = (err.stack ?? '').split('\n').find((l) => l.includes(' at ')) ?? '';
    const signature = kind === 'slow' ? 'slow' : `${kind}:${err.message.replace(/[0-9]+/g, 'N')}:${frame.trim()}`;
    const seen = this.findings.get(signature);
    if (seen !== undefined) {
      seen.count++;
      return;
    }
    const dir = join(this.options.dir, 'findings');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${kind}-${digest(input).slice(0, 12)}`);
    writeFileSync(`${file}.bin`, input);
    writeFileSync(`${file}.txt`, `${kind}: ${err.stack ?? err.message}\n`);
    this.findings.set(signature, { kind, message: err.message.slice(0, 300), file: `${file}.bin`, count: 1 });
    parentPort?.postMessage({
      type: 'progress',
      line: `finding (${kind}): ${err.message.slice(0, 200)} → ${file}.bin`,
    } satisfies EngineMessage);
  }

  private progress(started: number): void {
    const s = (performance.now() - started) / 1000;
    const b = this.tracker.blocks;
    const line = `[${s.toFixed(0).padStart(4)} s] execs ${this.execs} (${Math.round(this.execs / s)}/s) corpus ${this.corpus.length} blocks ${b.covered}/${b.known} findings ${this.findings.size}`;
    parentPort?.postMessage({ type: 'progress', line } satisfies EngineMessage);
  }

  private load(): Buffer[] {
    const dir = join(this.options.dir, 'corpus');
    try {
      return readdirSync(dir)
        .sort()
        .map((f) => readFileSync(join(dir, f)));
    } catch {
      return [];
    }
  }

  private save(): void {
    const dir = join(this.options.dir, 'corpus');
    mkdirSync(dir, { recursive: true });
    for (const input of this.corpus) writeFileSync(join(dir, digest(input).slice(0, 16)), input);
  }

  private summary(seconds: number, loaded: number): Summary {
    const findings = [...this.findings.values()];
    return {
      target: this.target.name,
      seconds: Math.round(seconds),
      seed: this.options.seed,
      execs: this.execs,
      execsPerSec: Math.round(this.execs / seconds),
      corpus: { size: this.corpus.length, loaded, dir: join(this.options.dir, 'corpus') },
      blocks: this.tracker.blocks,
      coverage: this.tracker.summary(this.options.root).map(({ uncoveredLines: _u, ...rest }) => rest),
      findings,
      crashes: findings.filter((f) => f.kind !== 'slow').length,
    };
  }
}

const digest = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function main(): Promise<void> {
  const options = workerData as EngineOptions;
  const target = makeTarget(options.target);
  const tracker = new CoverageTracker(target.coverageFiles);
  tracker.start();
  await target.setup();
  try {
    const summary = await new Engine(target, tracker, options).run();
    const uncovered = Object.fromEntries(tracker.summary(options.root).map((f) => [f.file, f.uncoveredLines]));
    parentPort?.postMessage({ type: 'done', summary, uncovered } satisfies EngineMessage);
  } finally {
    tracker.stop();
    await target.teardown();
  }
}

if (parentPort !== null) await main();
