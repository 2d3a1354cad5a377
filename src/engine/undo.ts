// S8.2: what an uncommitted batch changed in a tenant, so that a batch the journal does not take
// leaves the tenant exactly as it was. The engine applies a batch's commands in place (each
// command of the batch sees the ones before it, and most inputs cost no copy) and notes here, before
// each write, what it overwrites: records (replaced whole, never changed in place but for the
// lease fields in `fields`), groups, queues, the policy, which lease row is whose, (epoch, seq),
// keyed timers and wakes. Readers see the tenant through `view`, which shows what was committed.
import type { Group, GroupId, Patch, QueueId, QueueState, TenantState, UserId, UserState } from '../core/index.js';
import type { Clock } from './clock.js';
import { restoreFields } from './commit.js';
import type { FieldLog } from './commit.js';
import type { LeaseSnapshot, LeaseTable, LeaseUndo } from './leases.js';
import type { TimerEntry } from './timers.js';
import type { WakeQueue } from './wakes.js';

/** How long a timer or wake whose command was undone waits before it fires again. */
const RETRY_MS = 1000;

/** A keyed timer as it was: its entry and the fields the batch may change. */
export interface TimerWas {
  readonly entry: TimerEntry;
  readonly at: number;
  readonly armedAt: number;
  readonly command: TimerEntry['command'];
  readonly handle: TimerEntry['handle'];
}

export class Undo implements LeaseUndo {
  /** Each record the batch replaced, added (undefined: there was none) or removed, as it was. */
  readonly users = new Map<UserId, UserState | undefined>();
  // Most batches touch no group, queue or keyed timer: those notes are made on first use.
  groups: Map<GroupId, Group | undefined> | undefined;
  queues: Map<QueueId, QueueState | undefined> | undefined;
  /** The fields written in place (session lease times), with their old values. */
  readonly fields: FieldLog = { places: [], values: [] };
  /** The lease table's rows as they were, and the whole table once a row is given or taken. */
  readonly rows: number[] = [];
  readonly soles: LeaseUndo['soles'] = [];
  structure: LeaseSnapshot | undefined;
  /** The order of users, groups and queues, once the batch removes one (a map's order is seen). */
  private order: { users?: UserId[]; groups?: GroupId[]; queues?: QueueId[] } = {};
  timers: Map<string, TimerWas | undefined> | undefined;
  /** Wakes as they were, in order: (row, at, armedAt), numbers only, and the user (undefined: none). */
  readonly wakes: number[] = [];
  readonly wakeUsers: (UserId | undefined)[] = [];

  /** `state` and `seq`: the tenant's when the batch began (a policy change makes a new state). */
  constructor(
    readonly state: TenantState,
    readonly seq: number,
  ) {}

  /** Notes what `patch` is about to replace; call it before committing the patch. */
  notePatch(state: TenantState, patch: Patch): void {
    const order = this.order;
    if (patch.removedUsers !== undefined && patch.removedUsers.length > 0) order.users ??= [...state.users.keys()];
    if (patch.removedGroups !== undefined && patch.removedGroups.length > 0) order.groups ??= [...state.groups.keys()];
    if (patch.removedQueues !== undefined && patch.removedQueues.length > 0) order.queues ??= [...state.queues.keys()];
    if (patch.removedUsers !== undefined) for (const id of patch.removedUsers) this.noteUser(state, id);
    if (patch.users !== undefined) for (const u of patch.users) this.noteUser(state, u.id);
    if (patch.removedGroups !== undefined)
      for (const id of patch.removedGroups) noteOnce((this.groups ??= new Map()), id, state.groups);
    if (patch.groups !== undefined)
      for (const g of patch.groups) noteOnce((this.groups ??= new Map()), g.id, state.groups);
    if (patch.removedQueues !== undefined)
      for (const id of patch.removedQueues) noteOnce((this.queues ??= new Map()), id, state.queues);
    if (patch.queues !== undefined)
      for (const q of patch.queues) noteOnce((this.queues ??= new Map()), q.config.id, state.queues);
  }

  noteUser(state: TenantState, id: UserId): void {
    noteOnce(this.users, id, state.users);
  }

  noteTimer(key: string, entry: TimerEntry | undefined): void {
    const timers = (this.timers ??= new Map());
    if (timers.has(key)) return;
    timers.set(
      key,
      entry && { entry, at: entry.at, armedAt: entry.armedAt, command: entry.command, handle: entry.handle },
    );
  }

  noteWake(row: number, wakes: WakeQueue): void {
    if (row < 0) return;
    const queued = wakes.has(row);
    this.wakes.push(row, queued ? wakes.atOf(row) : 0, queued ? wakes.armedAtOf(row) : 0);
    this.wakeUsers.push(queued ? wakes.userOf(row) : undefined);
  }

  /**
   * Puts the records, extension index, groups, queues, lease fields and lease table back as
   * they were; answers the state to keep (the one the batch began with). The seq is the
   * engine's to put back, the timers rollbackTimers'.
   */
  rollback(live: TenantState, leases: LeaseTable): TenantState {
    restoreFields(this.fields);
    const users = live.users as Map<UserId, UserState>;
    const byExtension = live.byExtension as Map<string, UserId>;
    for (const [id, was] of this.users) {
      const now = users.get(id);
      if (now !== undefined && byExtension.get(now.extension) === id) byExtension.delete(now.extension);
      if (was === undefined) users.delete(id);
      else users.set(id, was);
    }
    for (const [id, was] of this.users) if (was !== undefined) byExtension.set(was.extension, id);
    if (this.groups !== undefined) putBack(live.groups as Map<GroupId, Group>, this.groups);
    if (this.queues !== undefined) putBack(live.queues as Map<QueueId, QueueState>, this.queues);
    reorder(users, this.order.users);
    reorder(live.groups as Map<GroupId, Group>, this.order.groups);
    reorder(live.queues as Map<QueueId, QueueState>, this.order.queues);
    leases.rollback(this);
    return this.state;
  }

  /**
   * Puts the keyed timers and wakes back as they were. One whose command the batch applied (it
   * fell due inside it) is looked at again RETRY_MS later, not at once: the store that refused
   * the batch is given a moment.
   */
  rollbackTimers(timers: Map<string, TimerEntry>, wakes: WakeQueue, clock: Clock): void {
    const now = clock.now();
    for (const [key, was] of this.timers ?? []) {
      const current = timers.get(key);
      const same = was !== undefined && current === was.entry && current.handle === was.handle;
      if (current !== undefined && !same) clock.clearTimer(current.handle);
      if (was === undefined) {
        timers.delete(key);
        continue;
      }
      const e = was.entry;
      e.at = was.at;
      e.command = was.command;
      timers.set(key, e);
      if (same) continue;
      e.armedAt = was.armedAt > now ? was.armedAt : now + RETRY_MS;
      e.handle = clock.setTimer(e.armedAt, e.fire);
    }
    // The latest first, so that each row ends as its first note has it.
    const log = this.wakes;
    for (let i = this.wakeUsers.length - 1; i >= 0; i--) {
      const userId = this.wakeUsers[i];
      const armedAt = log[3 * i + 2]!;
      wakes.restore(
        log[3 * i]!,
        userId === undefined
          ? undefined
          : { userId, at: log[3 * i + 1]!, armedAt: armedAt > now ? armedAt : now + RETRY_MS },
      );
    }
  }

  /**
   * The tenant as committed: `live` with what this batch changed shown as it was before. Made in
   * constant time (a reader may ask once per item of a large request while its batch is open).
   */
  view(live: TenantState): TenantState {
    return {
      id: live.id,
      policy: this.state.policy,
      users: new Before(live.users, this.users, this.order.users),
      byExtension: new ExtensionsBefore(live.byExtension, this.users),
      groups: this.groups === undefined ? live.groups : new Before(live.groups, this.groups, this.order.groups),
      queues: this.queues === undefined ? live.queues : new Before(live.queues, this.queues, this.order.queues),
    };
  }
}

/**
 * A map as it was: `live` with each noted key shown with its noted value (undefined: absent), in
 * its old order (`order`, taken once the batch removed a key; until then the live order is it).
 */
class Before<K, V> implements ReadonlyMap<K, V> {
  constructor(
    private readonly live: ReadonlyMap<K, V>,
    private readonly notes: ReadonlyMap<K, V | undefined>,
    private readonly order?: readonly K[],
  ) {}
  get(key: K): V | undefined {
    return this.notes.has(key) ? this.notes.get(key) : this.live.get(key);
  }
  has(key: K): boolean {
    return this.get(key) !== undefined;
  }
  get size(): number {
    let n = 0;
    for (const _ of this.entries()) n++;
    return n;
  }
  *entries(): MapIterator<[K, V]> {
    if (this.order !== undefined) {
      for (const key of this.order) {
        const v = this.get(key);
        if (v !== undefined) yield [key, v];
      }
      return;
    }
    for (const [key, v] of this.live) {
      const was = this.notes.has(key) ? this.notes.get(key) : v;
      if (was !== undefined) yield [key, was];
    }
    for (const [key, was] of this.notes) if (was !== undefined && !this.live.has(key)) yield [key, was];
  }
  *keys(): MapIterator<K> {
    for (const [key] of this.entries()) yield key;
  }
  *values(): MapIterator<V> {
    for (const [, v] of this.entries()) yield v;
  }
  forEach(fn: (value: V, key: K, map: ReadonlyMap<K, V>) => void): void {
    for (const [key, v] of this.entries()) fn(v, key, this);
  }
  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }
}

/** The extension index as it was, from the records as they were. */
class ExtensionsBefore extends Before<string, UserId> {
  constructor(
    private readonly extensions: ReadonlyMap<string, UserId>,
    private readonly users: ReadonlyMap<UserId, UserState | undefined>,
  ) {
    super(extensions, new Map());
  }
  override get(extension: string): UserId | undefined {
    const id = this.extensions.get(extension);
    // A user the batch did not touch holds the extension as before.
    if (id !== undefined && (!this.users.has(id) || this.users.get(id)?.extension === extension)) return id;
    for (const [userId, was] of this.users) if (was?.extension === extension) return userId;
    return undefined;
  }
  override *entries(): MapIterator<[string, UserId]> {
    const seen = new Set<string>();
    for (const [extension] of this.extensions) {
      const id = this.get(extension);
      seen.add(extension);
      if (id !== undefined) yield [extension, id];
    }
    for (const [userId, was] of this.users)
      if (was !== undefined && !seen.has(was.extension)) yield [was.extension, userId];
  }
}

function noteOnce<K, V>(notes: Map<K, V | undefined>, key: K, from: ReadonlyMap<K, V>): void {
  if (!notes.has(key)) notes.set(key, from.get(key));
}

function putBack<K, V>(live: Map<K, V>, notes: ReadonlyMap<K, V | undefined>): void {
  for (const [key, was] of notes) {
    if (was === undefined) live.delete(key);
    else live.set(key, was);
  }
}

/** Puts a map's entries back in `order` (which has every key the map has). */
function reorder<K, V>(map: Map<K, V>, order: readonly K[] | undefined): void {
  if (order === undefined) return;
  const entries = new Map(map);
  map.clear();
  for (const key of order) {
    const v = entries.get(key);
    if (v !== undefined) map.set(key, v);
  }
}
