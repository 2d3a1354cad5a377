// Each user's wake timer (S9.3), kept per tenant in one indexed heap: the engine arms a single
// clock timer for a tenant's earliest wake instead of one clock timer per user, so 100,000 users
// cost the clock about one timer per tenant, and the wakes of one instant are looked at together.
//
// The heap lives in typed arrays, not in an object per wake: a sift compares the instants of
// neighbouring entries, and with objects each comparison would chase a pointer to a boxed number
// somewhere in the heap. Here the keys of a tenant's heap sit side by side in a few kilobytes.

/** A wake's handle: its slot, stable while the wake is queued. */
export type WakeSlot = number;

const NONE = -1;

export class WakeQueue {
  private n = 0;
  private order = 0;
  private readonly byUser = new Map<string, WakeSlot>();
  private readonly free: WakeSlot[] = [];
  // By heap position: the slot there, and the ordering key (when it is looked at, then the order it was armed in).
  private heapSlot: Int32Array;
  private heapArmedAt: Float64Array;
  private heapOrder: Float64Array;
  // By slot: the user, when the wake is due (a refresh moves it later in place), its heap position,
  // and the user's row in the core's lease table.
  private slotUser: (string | undefined)[] = [];
  private slotAt: Float64Array;
  private slotPos: Int32Array;
  private slotRow: Int32Array;

  constructor(capacity = 64) {
    this.heapSlot = new Int32Array(capacity);
    this.heapArmedAt = new Float64Array(capacity);
    this.heapOrder = new Float64Array(capacity);
    this.slotAt = new Float64Array(capacity);
    this.slotPos = new Int32Array(capacity);
    this.slotRow = new Int32Array(capacity);
  }

  get size(): number {
    return this.n;
  }

  /** The wake to look at first, or -1 when none is queued. */
  first(): WakeSlot {
    return this.n === 0 ? NONE : this.heapSlot[0]!;
  }

  userOf(slot: WakeSlot): string {
    return this.slotUser[slot]!;
  }

  /** The user's row in the lease table, as given when the wake was set. */
  rowOf(slot: WakeSlot): number {
    return this.slotRow[slot]!;
  }

  /** When the wake is due. */
  atOf(slot: WakeSlot): number {
    return this.slotAt[slot]!;
  }

  /** When the queue looks at the wake (at or before its `at`). */
  armedAtOf(slot: WakeSlot): number {
    return this.heapArmedAt[this.slotPos[slot]!]!;
  }

  /**
   * Sets a user's wake to `at`. A wake moved later keeps its place: it is looked at at its old
   * time and re-armed then (a refresh moves a lease many times an hour; moving it in the heap
   * each time would cost more than looking at it once). `row` is the user's row in the lease
   * table, handed back with the wake (-1: none known).
   */
  set(userId: string, at: number, row = -1): void {
    const slot = this.byUser.get(userId);
    if (slot === undefined) {
      if (this.n === this.heapSlot.length) this.grow();
      const s = this.free.pop() ?? this.slotUser.length;
      this.slotUser[s] = userId;
      this.slotAt[s] = at;
      this.slotRow[s] = row;
      this.byUser.set(userId, s);
      this.up(this.n++, s, at, ++this.order);
      return;
    }
    this.slotRow[slot] = row;
    if (at >= this.armedAtOf(slot)) this.slotAt[slot] = at;
    else this.rearm(slot, at);
  }

  /** Looks at the wake again at `at` (its `at` too). */
  rearm(slot: WakeSlot, at: number): void {
    this.slotAt[slot] = at;
    const order = ++this.order;
    const i = this.slotPos[slot]!;
    if (i > 0 && earlier(at, order, this.heapArmedAt[(i - 1) >> 1]!, this.heapOrder[(i - 1) >> 1]!)) this.up(i, slot, at, order);
    else this.down(i, slot, at, order);
  }

  delete(userId: string): void {
    const slot = this.byUser.get(userId);
    if (slot === undefined) return;
    this.byUser.delete(userId);
    this.slotUser[slot] = undefined;
    this.free.push(slot);
    const i = this.slotPos[slot]!;
    const last = --this.n;
    if (i === last) return;
    // The last entry fills the hole, then moves whichever way its key sends it.
    const s = this.heapSlot[last]!;
    const armedAt = this.heapArmedAt[last]!;
    const order = this.heapOrder[last]!;
    if (i > 0 && earlier(armedAt, order, this.heapArmedAt[(i - 1) >> 1]!, this.heapOrder[(i - 1) >> 1]!)) this.up(i, s, armedAt, order);
    else this.down(i, s, armedAt, order);
  }

  clear(): void {
    this.n = 0;
    this.byUser.clear();
    this.free.length = 0;
    this.slotUser.length = 0;
  }

  /** Puts (slot, armedAt, order) at position `i` or above it, moving parents down. */
  private up(i: number, slot: WakeSlot, armedAt: number, order: number): void {
    const hs = this.heapSlot;
    const ha = this.heapArmedAt;
    const ho = this.heapOrder;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!earlier(armedAt, order, ha[p]!, ho[p]!)) break;
      this.place(i, hs[p]!, ha[p]!, ho[p]!);
      i = p;
    }
    this.place(i, slot, armedAt, order);
  }

  /** Puts (slot, armedAt, order) at position `i` or below it, moving children up. */
  private down(i: number, slot: WakeSlot, armedAt: number, order: number): void {
    const hs = this.heapSlot;
    const ha = this.heapArmedAt;
    const ho = this.heapOrder;
    const n = this.n;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && earlier(ha[r]!, ho[r]!, ha[l]!, ho[l]!) ? r : l;
      if (!earlier(ha[c]!, ho[c]!, armedAt, order)) break;
      this.place(i, hs[c]!, ha[c]!, ho[c]!);
      i = c;
    }
    this.place(i, slot, armedAt, order);
  }

  private place(i: number, slot: WakeSlot, armedAt: number, order: number): void {
    this.heapSlot[i] = slot;
    this.heapArmedAt[i] = armedAt;
    this.heapOrder[i] = order;
    this.slotPos[slot] = i;
  }

  private grow(): void {
    const size = this.heapSlot.length * 2;
    const more = <T extends Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.heapSlot = more(this.heapSlot, (k) => new Int32Array(k));
    this.heapArmedAt = more(this.heapArmedAt, (k) => new Float64Array(k));
    this.heapOrder = more(this.heapOrder, (k) => new Float64Array(k));
    this.slotAt = more(this.slotAt, (k) => new Float64Array(k));
    this.slotPos = more(this.slotPos, (k) => new Int32Array(k));
    this.slotRow = more(this.slotRow, (k) => new Int32Array(k));
  }
}

/** Ties at one instant go in the order the wakes were armed, as the clock orders its timers. */
function earlier(armedAt: number, order: number, otherArmedAt: number, otherOrder: number): boolean {
  return armedAt < otherArmedAt || (armedAt === otherArmedAt && order < otherOrder);
}
