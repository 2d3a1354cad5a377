// The Clock port: the only way the engine learns the time or waits for it. The system clock
// lives in app/ (the composition root); tests and the CLI use the manual clock below.
export type TimerHandle = unknown;

export interface Clock {
  now(): number;
  /** Calls `fire` once the clock reaches `at` (at once if it already has, but never re-entrantly). */
  setTimer(at: number, fire: () => void): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

interface Pending {
  readonly at: number;
  readonly order: number;
  readonly fire: () => void;
  cancelled: boolean;
}

/** A clock that moves only when told to; timers fire in time order as it passes them. */
export class ManualClock implements Clock {
  private time: number;
  private order = 0;
  private heap: Pending[] = [];

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimer(at: number, fire: () => void): TimerHandle {
    const p: Pending = { at, order: this.order++, fire, cancelled: false };
    this.push(p);
    return p;
  }

  clearTimer(handle: TimerHandle): void {
    (handle as Pending).cancelled = true;
  }

  /** Moves the clock forward by `ms`, firing every timer due on the way at its own instant. */
  advance(ms: number): void {
    this.advanceTo(this.time + ms);
  }

  advanceTo(target: number): void {
    for (;;) {
      const top = this.heap[0];
      if (top === undefined || top.at > target) break;
      this.pop();
      if (top.cancelled) continue;
      if (top.at > this.time) this.time = top.at;
      top.fire();
    }
    if (target > this.time) this.time = target;
  }

  /** Timers still waiting (for tests). */
  pendingCount(): number {
    return this.heap.filter((p) => !p.cancelled).length;
  }

  /** Binary heap by (at, order), sifting a hole rather than swapping pairs. */
  private push(p: Pending): void {
    const h = this.heap;
    let i = h.length;
    h.push(p);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const q = h[parent]!;
      if (!before(p, q)) break;
      h[i] = q;
      i = parent;
    }
    h[i] = p;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    const n = h.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const m = r < n && before(h[r]!, h[l]!) ? r : l;
      if (!before(h[m]!, last)) break;
      h[i] = h[m]!;
      i = m;
    }
    h[i] = last;
  }
}

function before(a: Pending, b: Pending): boolean {
  return a.at < b.at || (a.at === b.at && a.order < b.order);
}
