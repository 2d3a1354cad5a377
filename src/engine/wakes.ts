// Each user's wake timer (S9.3), kept per tenant in one indexed heap: the engine arms a single
// clock timer for a tenant's earliest wake instead of one clock timer per user, so 100,000 users
// cost the clock about one timer per tenant, and the wakes of one instant are looked at together.
//
// The heap lives in typed arrays, not in an object per wake: a sift compares the instants of
// neighbouring entries, and with objects each comparison would chase a pointer to a boxed number
// somewhere in the heap. Here the keys of a tenant's heap sit side by side in a few kilobytes.
// A wake is known by the user's row in the engine's lease index (leases.ts).

const NONE = -1;

export class WakeQueue {
  private n = 0;
  private order = 0;
  // By heap position: the row there, and the ordering key (when it is looked at, then the order it was armed in).
  private heapRow: Int32Array;
  private heapArmedAt: Float64Array;
  private heapOrder: Float64Array;
  // By row: the user, when the wake is due (a refresh moves it later in place), and its heap
  // position (-1 when the row has no wake).
  private rowUser: (string | undefined)[] = [];
  private rowAt: Float64Array;
  private rowPos: Int32Array;

  constructor(capacity = 64) {
    this.heapRow = new Int32Array(capacity);
    this.heapArmedAt = new Float64Array(capacity);
    this.heapOrder = new Float64Array(capacity);
    this.rowAt = new Float64Array(capacity);
    this.rowPos = new Int32Array(capacity).fill(NONE);
  }

  get size(): number {
    return this.n;
  }

  /** The row of the wake to look at first, or -1 when none is queued. */
  first(): number {
    return this.n === 0 ? NONE : this.heapRow[0]!;
  }

  userOf(row: number): string {
    return this.rowUser[row]!;
  }

  /** When the wake is due. */
  atOf(row: number): number {
    return this.rowAt[row]!;
  }

  /** When the queue looks at the wake (at or before its `at`). */
  armedAtOf(row: number): number {
    return this.heapArmedAt[this.rowPos[row]!]!;
  }

  /**
   * Sets the wake of the user in `row` to `at`. A wake moved later keeps its place: it is looked
   * at at its old time and re-armed then (a refresh moves a lease many times an hour; moving it
   * in the heap each time would cost more than looking at it once).
   */
  set(row: number, userId: string, at: number): void {
    if (row >= this.rowPos.length) this.grow(row + 1);
    this.rowAt[row] = at;
    if (this.rowPos[row]! < 0) {
      this.rowUser[row] = userId;
      this.up(this.n++, row, at, ++this.order);
    } else if (this.rowUser[row] !== userId) {
      // The row changed hands without its wake being deleted: the new user's wake starts afresh.
      this.rowUser[row] = userId;
      this.rearm(row, at);
    } else if (at < this.armedAtOf(row)) {
      this.rearm(row, at);
    }
  }

  /** Looks at the wake again at `at` (its `at` too). */
  rearm(row: number, at: number): void {
    this.rowAt[row] = at;
    const order = ++this.order;
    const i = this.rowPos[row]!;
    if (i > 0 && earlier(at, order, this.heapArmedAt[(i - 1) >> 1]!, this.heapOrder[(i - 1) >> 1]!))
      this.up(i, row, at, order);
    else this.down(i, row, at, order);
  }

  /** Deletes the wake of the user in `row`, if it is theirs. */
  delete(row: number, userId: string): void {
    if (row < 0 || row >= this.rowPos.length || this.rowPos[row]! < 0 || this.rowUser[row] !== userId) return;
    const i = this.rowPos[row]!;
    this.rowPos[row] = NONE;
    this.rowUser[row] = undefined;
    const last = --this.n;
    if (i === last) return;
    // The last entry fills the hole, then moves whichever way its key sends it.
    const r = this.heapRow[last]!;
    const armedAt = this.heapArmedAt[last]!;
    const order = this.heapOrder[last]!;
    if (i > 0 && earlier(armedAt, order, this.heapArmedAt[(i - 1) >> 1]!, this.heapOrder[(i - 1) >> 1]!))
      this.up(i, r, armedAt, order);
    else this.down(i, r, armedAt, order);
  }

  /** Every queued wake as [user, due at, looked at], in row order (for tests and the operator view). */
  list(): [string, number, number][] {
    const out: [string, number, number][] = [];
    for (let row = 0; row < this.rowPos.length; row++)
      if (this.rowPos[row]! >= 0) out.push([this.rowUser[row]!, this.rowAt[row]!, this.armedAtOf(row)]);
    return out;
  }

  /** Whether the row has a wake queued (whoever's it is). */
  has(row: number): boolean {
    return row >= 0 && row < this.rowPos.length && this.rowPos[row]! >= 0;
  }

  /**
   * S8.2: puts the row's wake back as it was before a batch the journal did not take: none, or
   * the user's, due at `at` and looked at at `armedAt`.
   */
  restore(
    row: number,
    was: { readonly userId: string; readonly at: number; readonly armedAt: number } | undefined,
  ): void {
    if (this.has(row)) this.delete(row, this.rowUser[row]!);
    if (was === undefined) return;
    if (row >= this.rowPos.length) this.grow(row + 1);
    this.rowUser[row] = was.userId;
    this.rowAt[row] = was.at;
    this.up(this.n++, row, was.armedAt, ++this.order);
  }

  clear(): void {
    this.n = 0;
    this.rowUser.length = 0;
    this.rowPos.fill(NONE);
  }

  /** Puts (row, armedAt, order) at heap position `i` or above it, moving parents down. */
  private up(i: number, row: number, armedAt: number, order: number): void {
    const hr = this.heapRow;
    const ha = this.heapArmedAt;
    const ho = this.heapOrder;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!earlier(armedAt, order, ha[p]!, ho[p]!)) break;
      this.place(i, hr[p]!, ha[p]!, ho[p]!);
      i = p;
    }
    this.place(i, row, armedAt, order);
  }

  /** Puts (row, armedAt, order) at heap position `i` or below it, moving children up. */
  private down(i: number, row: number, armedAt: number, order: number): void {
    const hr = this.heapRow;
    const ha = this.heapArmedAt;
    const ho = this.heapOrder;
    const n = this.n;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && earlier(ha[r]!, ho[r]!, ha[l]!, ho[l]!) ? r : l;
      if (!earlier(ha[c]!, ho[c]!, armedAt, order)) break;
      this.place(i, hr[c]!, ha[c]!, ho[c]!);
      i = c;
    }
    this.place(i, row, armedAt, order);
  }

  private place(i: number, row: number, armedAt: number, order: number): void {
    this.heapRow[i] = row;
    this.heapArmedAt[i] = armedAt;
    this.heapOrder[i] = order;
    this.rowPos[row] = i;
  }

  /** Room for rows below `rows` (the heap never holds more wakes than there are rows). */
  private grow(rows: number): void {
    let size = this.rowPos.length * 2;
    while (size < rows) size *= 2;
    const more = <T extends Int32Array | Float64Array>(a: T, b: T): T => {
      b.set(a);
      return b;
    };
    this.heapRow = more(this.heapRow, new Int32Array(size));
    this.heapArmedAt = more(this.heapArmedAt, new Float64Array(size));
    this.heapOrder = more(this.heapOrder, new Float64Array(size));
    this.rowAt = more(this.rowAt, new Float64Array(size));
    this.rowPos = more(this.rowPos, new Int32Array(size).fill(NONE));
  }
}

/** Ties at one instant go in the order the wakes were armed, as the clock orders its timers. */
function earlier(armedAt: number, order: number, otherArmedAt: number, otherOrder: number): boolean {
  return armedAt < otherArmedAt || (armedAt === otherArmedAt && order < otherOrder);
}
