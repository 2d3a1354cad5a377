// Each user's wake timer (S9.3), kept per tenant in one indexed heap: the engine arms a single
// clock timer for a tenant's earliest wake instead of one clock timer per user, so 100,000 users
// cost the clock about one timer per tenant, and the wakes of one instant are looked at together.

export interface Wake {
  readonly userId: string;
  /** When the wake is due; a refresh moves it later in place. */
  at: number;
  /** When the queue looks at it (at or before `at`). */
  armedAt: number;
  /** Ties at one instant go in the order the wakes were armed, as the clock orders its timers. */
  order: number;
  /** The wake's index in the heap. */
  pos: number;
}

export class WakeQueue {
  private readonly heap: Wake[] = [];
  private readonly byUser = new Map<string, Wake>();
  private order = 0;

  get size(): number {
    return this.heap.length;
  }

  /** The wake to look at first. */
  peek(): Wake | undefined {
    return this.heap[0];
  }

  /**
   * Sets a user's wake to `at`. A wake moved later keeps its place: it is looked at at its old
   * time and re-armed then (a refresh moves a lease many times an hour; moving it in the heap
   * each time would cost more than looking at it once).
   */
  set(userId: string, at: number): void {
    const w = this.byUser.get(userId);
    if (w === undefined) {
      const fresh: Wake = { userId, at, armedAt: at, order: ++this.order, pos: this.heap.length };
      this.heap.push(fresh);
      this.byUser.set(userId, fresh);
      this.up(fresh);
    } else if (at >= w.armedAt) {
      w.at = at;
    } else {
      this.rearm(w, at);
    }
  }

  /** Looks at `w` again at `at` (its `at` too). */
  rearm(w: Wake, at: number): void {
    w.at = at;
    w.armedAt = at;
    w.order = ++this.order;
    this.up(w);
    this.down(w);
  }

  delete(userId: string): void {
    const w = this.byUser.get(userId);
    if (w === undefined) return;
    this.byUser.delete(userId);
    const last = this.heap.pop()!;
    if (last !== w) {
      this.heap[w.pos] = last;
      last.pos = w.pos;
      this.up(last);
      this.down(last);
    }
    w.pos = -1;
  }

  clear(): void {
    this.heap.length = 0;
    this.byUser.clear();
  }

  private up(w: Wake): void {
    const h = this.heap;
    let i = w.pos;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = h[parent]!;
      if (!before(w, p)) break;
      h[i] = p;
      p.pos = i;
      i = parent;
    }
    h[i] = w;
    w.pos = i;
  }

  private down(w: Wake): void {
    const h = this.heap;
    const n = h.length;
    let i = w.pos;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const m = r < n && before(h[r]!, h[l]!) ? r : l;
      const c = h[m]!;
      if (!before(c, w)) break;
      h[i] = c;
      c.pos = i;
      i = m;
    }
    h[i] = w;
    w.pos = i;
  }
}

function before(a: Wake, b: Wake): boolean {
  return a.armedAt < b.armedAt || (a.armedAt === b.armedAt && a.order < b.order);
}
