// A small seeded random source for the mutators (xorshift128+): a fuzz run is reproducible from
// its --seed, and the mutators draw numbers millions of times, so it must be cheap.

export class Rng {
  private s0: number;
  private s1: number;

  constructor(seed: number) {
    // splitmix32 of the seed, so nearby seeds give unrelated streams.
    const mix = (x: number): number => {
      x = (x + 0x9e3779b9) | 0;
      x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
      x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
      return (x ^ (x >>> 16)) >>> 0;
    };
    this.s0 = mix(seed) || 1;
    this.s1 = mix(seed ^ 0x5bd1e995) || 2;
  }

  /** A uniform 32-bit unsigned integer. */
  next(): number {
    let x = this.s0;
    const y = this.s1;
    this.s0 = y;
    x ^= x << 23;
    x ^= x >>> 17;
    x ^= y ^ (y >>> 26);
    this.s1 = x;
    return (this.s0 + this.s1) >>> 0;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return n <= 1 ? 0 : this.next() % n;
  }

  /** True with probability 1/n. */
  oneIn(n: number): boolean {
    return this.below(n) === 0;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }

  /** A size biased towards small values, sometimes large (up to `max`). */
  size(max: number): number {
    const r = this.below(100);
    if (r < 60) return 1 + this.below(Math.min(8, max));
    if (r < 90) return 1 + this.below(Math.min(256, max));
    return 1 + this.below(max);
  }
}
