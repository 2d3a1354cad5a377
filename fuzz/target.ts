// What the fuzz engine needs from a target, and how a target reports a broken expectation.
import type { Rng } from './rng.js';

export interface Target {
  readonly name: string;
  /** Inputs are never longer than this. */
  readonly maxBytes: number;
  /** The compiled files (file URLs) whose blocks guide the run and are reported. */
  readonly coverageFiles: readonly string[];
  /** Loads the code under test; called after coverage counting has started. */
  setup(): Promise<void>;
  /** Hand-written inputs the corpus starts from. */
  seeds(): Buffer[];
  /** Fresh well-formed inputs from the target's grammar, reproducible from the seed. */
  generate(seed: number, count: number): Buffer[];
  mutate(input: Buffer, rng: Rng, other: Buffer): Buffer;
  /** Runs one input through the code and checks the answers; throws on a finding. */
  run(input: Buffer): void | Promise<void>;
  teardown(): Promise<void>;
}

/** An answer that breaks the target's oracle (as opposed to an exception from the code itself). */
export class Finding extends Error {
  override readonly name = 'Finding';
}

export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Finding(message);
}
