// A tenant's lease index (S9.3), owned by the engine: for each user, a lower bound on the next
// instant at which one of their leases may run out or idleness may begin. The inputs that come
// most often, heartbeats and wake timers that find every lease moved on, only need this bound to
// know that nothing is due. Kept in typed arrays indexed by a row per user, it answers them
// without reading the user's records, which at 100,000 users are spread over a heap far larger
// than the caches (and every timestamp in them is a boxed number of its own). The bound of a user
// is the earlier of two parts: the end of their app sessions, which a heartbeat moves, and the
// rest (registrations, call legs, `until`, idleness), which only a command that settles the user
// sets. The core knows nothing of it: it is derived from the records, never stored, and rebuilt
// when the engine takes a tenant over. A user's row also names their wake (wakes.ts).
import { restWakeBound, sessionsEnd } from '../core/index.js';
import type { AppSession, Instant, TenantPolicy, UserId, UserState } from '../core/index.js';

/** What a reader (a test, the operator view) may ask of a tenant's lease index. */
export interface LeaseReader {
  /** The user's row, or -1 for a user the index does not have. */
  rowOf(userId: UserId): number;
  /** Nothing of the user in `row` is due before this instant (-Infinity: the row is not theirs). */
  bound(row: number, userId: UserId): Instant;
  /** The only app session of the user in `row`, or undefined when they have none or several. */
  soleSession(row: number): AppSession | undefined;
}

export class LeaseTable implements LeaseReader {
  private readonly free: number[] = [];
  private used = 0;
  // A row's fields sit side by side, so a heartbeat reads one cache line of each array:
  // `who[2 row]` is the row's user and `who[2 row + 1]` their app session when they have exactly
  // one (most users); `ends[2 row]` is the end of their app sessions, `ends[2 row + 1]` the rest.
  private who: (UserId | AppSession | undefined)[] = [];
  private ends: Float64Array;
  // User → row, by open addressing over (hash, row + 1) pairs side by side in one array: finding
  // a heartbeat's row reads one cache line of it (a Map reads two), and the row's user in `who`,
  // which the heartbeat reads next anyway, settles a collision. 0 marks a free slot, -1 a
  // deleted one; at most half the slots are taken.
  private index = new Int32Array(2 * 32);
  private taken = 0;
  // S8.2: while the engine's batch is open, where each write notes what it overwrites.
  private undo: LeaseUndo | undefined;
  // The row `put` took last: a command that settles a user looks them up again for their wake
  // (`recentRowOf`), and `who` tells whether the row is still theirs.
  private lastRow = -1;

  constructor(capacity = 16) {
    this.ends = new Float64Array(2 * capacity);
  }

  /** The user's row, or -1 for a user the tenant does not have. */
  rowOf(userId: UserId): number {
    const slot = this.slotOf(userId);
    return slot < 0 ? -1 : this.index[2 * slot + 1]! - 1;
  }

  /** `rowOf`, answered at once for the user `put` took last (the one a command just settled). */
  recentRowOf(userId: UserId): number {
    const last = this.lastRow;
    return last >= 0 && this.who[2 * last] === userId ? last : this.rowOf(userId);
  }

  /** The only app session of the user in `row`, or undefined when they have none or several. */
  soleSession(row: number): AppSession | undefined {
    return this.who[2 * row + 1] as AppSession | undefined;
  }

  /**
   * Nothing of the user in `row` is due before this instant. -Infinity when the row is not
   * theirs (a record restored with another table's row), which sends the caller to the records.
   */
  bound(row: number, userId: UserId): Instant {
    if (row < 0 || this.who[2 * row] !== userId) return -Infinity;
    const s = this.ends[2 * row]!;
    const r = this.ends[2 * row + 1]!;
    return s < r ? s : r;
  }

  /** Takes the user's bounds from their records (both parts), giving them a row if they have none; answers the row. */
  put(user: UserState, policy: TenantPolicy): number {
    let row = this.rowOf(user.id);
    if (row < 0) row = this.newRow(user.id);
    this.lastRow = row;
    if (this.undo !== undefined) this.save(row);
    this.ends[2 * row] = sessionsEnd(user, policy);
    this.ends[2 * row + 1] = restWakeBound(user, policy);
    this.who[2 * row + 1] = user.sessions.length === 1 ? user.sessions[0] : undefined;
    return row;
  }

  /** A heartbeat moved a session lease: the session part is taken again, the rest stays. */
  putSessions(user: UserState, policy: TenantPolicy): void {
    const row = this.rowOf(user.id);
    if (row < 0) return;
    if (this.undo !== undefined) this.save(row);
    this.ends[2 * row] = sessionsEnd(user, policy);
  }

  /** A heartbeat moved the lease of the only session of the user in `row` to `end`. */
  putSoleSessionEnd(row: number, end: Instant): void {
    if (this.undo !== undefined) this.save(row);
    this.ends[2 * row] = end;
  }

  /**
   * S8.2: from now on, until track(undefined), every write notes in `undo` what it overwrites:
   * a row's fields, and the whole table before a row is given or taken.
   */
  track(undo: LeaseUndo | undefined): void {
    this.undo = undo;
  }

  /** Puts back what `undo` noted, the latest first (call it while not tracking). */
  rollback(undo: LeaseUndo): void {
    if (undo.structure !== undefined) this.restore(undo.structure);
    const { rows, soles } = undo;
    for (let i = soles.length - 1; i >= 0; i--) {
      const row = rows[3 * i]!;
      if (row >= this.used) continue; // a row the batch added, gone with the restored structure
      this.ends[2 * row] = rows[3 * i + 1]!;
      this.ends[2 * row + 1] = rows[3 * i + 2]!;
      this.who[2 * row + 1] = soles[i];
    }
  }

  private save(row: number): void {
    // Once the whole table is saved, it holds every row as it was before any later write; a row
    // noted after it could put back a field of another user (a freed row given out again).
    if (this.undo!.structure !== undefined) return;
    this.undo!.rows.push(row, this.ends[2 * row]!, this.ends[2 * row + 1]!);
    this.undo!.soles.push(this.who[2 * row + 1] as AppSession | undefined);
  }

  private saveStructure(): void {
    if (this.undo !== undefined) this.undo.structure ??= this.snapshot();
  }

  /** A copy of the table (which row is whose, and the bounds), for `restore`. */
  private snapshot(): LeaseSnapshot {
    return {
      free: this.free.slice(),
      used: this.used,
      who: this.who.slice(),
      ends: this.ends.slice(),
      index: this.index.slice(),
      taken: this.taken,
    };
  }

  private restore(s: LeaseSnapshot): void {
    this.free.length = 0;
    for (const row of s.free) this.free.push(row);
    this.used = s.used;
    this.who = s.who.slice();
    this.ends = s.ends.slice();
    this.index = s.index.slice();
    this.taken = s.taken;
  }

  remove(userId: UserId): void {
    const slot = this.slotOf(userId);
    if (slot < 0) return;
    this.saveStructure();
    const row = this.index[2 * slot + 1]! - 1;
    this.index[2 * slot + 1] = -1;
    this.who[2 * row] = undefined;
    this.who[2 * row + 1] = undefined;
    this.free.push(row);
  }

  private newRow(userId: UserId): number {
    this.saveStructure();
    const row = this.free.pop() ?? this.used++;
    if (2 * row >= this.ends.length) {
      const ends = new Float64Array(2 * this.ends.length);
      ends.set(this.ends);
      this.ends = ends;
    }
    // Rebuilt before the row is the user's, so that the rebuild does not index them as well.
    if (2 * (this.taken + 1) > this.index.length >> 1) this.rebuildIndex();
    this.who[2 * row] = userId;
    this.who[2 * row + 1] = undefined;
    this.insert(userId, row);
    this.taken++;
    return row;
  }

  /** The index slot of the user, or -1. */
  private slotOf(userId: UserId): number {
    const index = this.index;
    const mask = (index.length >> 1) - 1;
    const hash = hashOf(userId);
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const r = index[2 * i + 1]!;
      if (r === 0) return -1;
      if (r > 0 && index[2 * i] === hash && this.who[2 * (r - 1)] === userId) return i;
    }
  }

  private insert(userId: UserId, row: number): void {
    const index = this.index;
    const mask = (index.length >> 1) - 1;
    const hash = hashOf(userId);
    let i = hash & mask;
    while (index[2 * i + 1]! > 0) i = (i + 1) & mask;
    index[2 * i] = hash;
    index[2 * i + 1] = row + 1;
  }

  /** A fresh index without deleted slots, twice as large when the rows need it. */
  private rebuildIndex(): void {
    // The rows in use, the one being given out included.
    const rows = this.used - this.free.length;
    let slots = this.index.length >> 1;
    while (4 * rows > slots) slots *= 2;
    this.index = new Int32Array(2 * slots);
    this.taken = 0;
    for (let row = 0; row < this.used; row++) {
      const userId = this.who[2 * row] as UserId | undefined;
      if (userId === undefined) continue;
      this.insert(userId, row);
      this.taken++;
    }
  }
}

/** S8.2: what a lease table noted while tracking (LeaseTable.track), to put it back. */
export interface LeaseUndo {
  /** (row, session end, rest end) before each write, in order: numbers only, kept unboxed. */
  readonly rows: number[];
  /** The row's sole session before each write (one per triple in `rows`). */
  readonly soles: (AppSession | undefined)[];
  /** The whole table before the first row given or taken. */
  structure: LeaseSnapshot | undefined;
}

/** A lease table as it was (LeaseTable.snapshot). */
export interface LeaseSnapshot {
  readonly free: readonly number[];
  readonly used: number;
  readonly who: readonly (UserId | AppSession | undefined)[];
  readonly ends: Float64Array;
  readonly index: Int32Array;
  readonly taken: number;
}

/** FNV-1a over the UTF-16 code units: the lease table's own hash of a user id. */
function hashOf(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h | 0;
}
