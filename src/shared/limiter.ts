// S5.4, S7.1: the one login limiter of both sign-in doors, counting attempts per key in a sliding
// window. HTTP reserves an attempt *before* the slow password check (argon2) and it counts from
// then on, so concurrent guesses cannot all pass a "blocked?" test that runs before any of them has
// failed: at most `max` attempts per window are ever checked. A failed attempt keeps counting until
// it leaves the window; a successful one stops counting. SIP's digest check is synchronous, so it
// asks `blocked` first and takes an attempt only for a failure (sip/auth.ts).
// Memory is bounded: keys are dropped once their window is empty, and at most `maxKeys` are kept.

/** One reserved attempt; the limiter hands it out and takes it back on success. */
export interface Attempt {
  readonly key: string;
  readonly at: number;
}

export class AttemptLimiter {
  private readonly attempts = new Map<string, Attempt[]>();

  constructor(
    readonly max: number,
    readonly windowMs: number,
    private readonly maxKeys = 100_000,
  ) {}

  private recent(key: string, now: number): Attempt[] {
    const list = this.attempts.get(key);
    if (list === undefined) return [];
    const kept = list.filter((a) => a.at > now - this.windowMs);
    if (kept.length === 0) this.attempts.delete(key);
    else if (kept.length !== list.length) this.attempts.set(key, kept);
    return kept;
  }

  /** `max` attempts already count for `key` in the window: the next `take` would be refused. */
  blocked(key: string, now: number): boolean {
    return this.recent(key, now).length >= this.max;
  }

  /** Reserves an attempt for `key`, or answers undefined when `max` already count in the window. */
  take(key: string, now: number): Attempt | undefined {
    const kept = this.recent(key, now);
    if (kept.length >= this.max) return undefined;
    if (kept.length === 0 && this.attempts.size >= this.maxKeys) {
      const oldest = this.attempts.keys().next().value;
      if (oldest !== undefined) this.attempts.delete(oldest);
    }
    const attempt = { key, at: now };
    this.attempts.set(key, [...kept, attempt]);
    return attempt;
  }

  /** The attempt no longer counts (it succeeded, or it was never checked). */
  release(attempt: Attempt): void {
    const list = this.attempts.get(attempt.key);
    if (list === undefined) return;
    const kept = list.filter((a) => a !== attempt);
    if (kept.length === 0) this.attempts.delete(attempt.key);
    else this.attempts.set(attempt.key, kept);
  }

  /**
   * The attempt succeeded and forgives the key's earlier attempts too — but not attempts still
   * being checked, which may yet fail. Only for keys an attacker cannot succeed on (an account),
   * never for an address: signing in to one's own account must not reset the address's count.
   */
  forgive(attempt: Attempt, pending: ReadonlySet<Attempt>): void {
    const list = this.attempts.get(attempt.key);
    if (list === undefined) return;
    const kept = list.filter((a) => a !== attempt && pending.has(a));
    if (kept.length === 0) this.attempts.delete(attempt.key);
    else this.attempts.set(attempt.key, kept);
  }
}
