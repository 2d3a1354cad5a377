// Building a tenant's state and committing a patch to it. `apply` never mutates; `commit` is the
// one place that does, and only the engine (the tenant's single writer) calls it.
import { DEFAULT_POLICY, DEFAULT_USER_SETTINGS } from './defaults.js';
import type { Command, LeaseUpdate, Patch } from './commands.js';
import { sessionLeaseEnd, withId } from './facts.js';
import { heartbeatSession, LeaseTable, refreshedRegistration } from './leases.js';
import { presenceRecord } from './presence.js';
import { userWith } from './user.js';
import type {
  Group,
  GroupId,
  Instant,
  QueueId,
  QueueState,
  Role,
  TenantId,
  TenantPolicy,
  TenantState,
  UserId,
  UserSettings,
  UserState,
} from './types.js';

export function createTenantState(id: TenantId, policy: Partial<TenantPolicy> = {}): TenantState {
  return {
    id,
    policy: { ...DEFAULT_POLICY, ...policy },
    leases: new LeaseTable(),
    users: new Map(),
    byExtension: new Map(),
    groups: new Map(),
    queues: new Map(),
  };
}

export function newUser(
  input: { id: UserId; extension: string; name: string; role?: Role; settings?: Partial<UserSettings> },
  policy: TenantPolicy,
  now: Instant,
): UserState {
  const base: Omit<UserState, 'presence'> = {
    id: input.id,
    extension: input.extension,
    name: input.name,
    role: input.role ?? 'user',
    settings: { ...DEFAULT_USER_SETTINGS, ...input.settings },
    registrations: [],
    sessions: [],
    legs: [],
    hadRegistrationInSession: false,
    missedCalls: 0,
    voicemail: 0,
    agent: {},
    leaseRow: -1,
  };
  const draft = base as UserState;
  return userWith(draft, { presence: presenceRecord(draft, policy, now) });
}

/**
 * S8.2: where an in-place write notes the value it overwrites, as (object, field, old value)
 * triples in order, so that the engine can undo a batch the journal did not take. Only session
 * lease times (which no reader is shown) and the lease rows of records are written in place;
 * records are otherwise replaced, which is undone by putting the old one back.
 */
export interface FieldLog {
  /** (object, field) pairs. */
  readonly places: unknown[];
  /** The old value of each place: all numbers, kept unboxed (a heartbeat notes two). */
  readonly values: number[];
}

/** Puts back every value noted in `log`, the latest first. */
export function restoreFields(log: FieldLog): void {
  const { places, values } = log;
  for (let i = values.length - 1; i >= 0; i--)
    (places[2 * i] as Record<string, unknown>)[places[2 * i + 1] as string] = values[i];
}

function noteSession(log: FieldLog, s: { lastSeenAt: Instant; lastActiveAt: Instant }): void {
  log.places.push(s, 'lastSeenAt', s, 'lastActiveAt');
  log.values.push(s.lastSeenAt, s.lastActiveAt);
}

/** Applies a patch in place. Returns the state to keep (a new object only when the policy changed). */
export function commit(state: TenantState, patch: Patch, log?: FieldLog): TenantState {
  const users = state.users as Map<UserId, UserState>;
  const byExtension = state.byExtension as Map<string, UserId>;
  const policy = patch.policy ?? state.policy;
  if (patch.removedUsers !== undefined)
    for (const id of patch.removedUsers) {
      const old = users.get(id);
      if (old && byExtension.get(old.extension) === id) byExtension.delete(old.extension);
      users.delete(id);
      state.leases.remove(id);
    }
  if (patch.users !== undefined)
    for (const user of patch.users) {
      const old = users.get(user.id);
      users.set(user.id, user);
      // The same record again (a refresh kept for the journal) only had leases moved later: its
      // bound stays a lower bound, and a wake takes it again once it has passed.
      if (old !== user || patch.policy !== undefined) state.leases.put(user, policy);
      if (old !== undefined && old.extension === user.extension) continue;
      if (old && byExtension.get(old.extension) === user.id) byExtension.delete(old.extension);
      byExtension.set(user.extension, user.id);
    }
  if (patch.leases !== undefined) for (const l of patch.leases) commitLease(state, l, log);
  const groups = state.groups as Map<GroupId, Group>;
  if (patch.removedGroups !== undefined) for (const id of patch.removedGroups) groups.delete(id);
  if (patch.groups !== undefined) for (const g of patch.groups) groups.set(g.id, g);
  const queues = state.queues as Map<QueueId, QueueState>;
  if (patch.removedQueues !== undefined) for (const id of patch.removedQueues) queues.delete(id);
  if (patch.queues !== undefined) for (const q of patch.queues) queues.set(q.config.id, q);
  return patch.policy === undefined ? state : { ...state, policy: patch.policy };
}

/**
 * Moves one lease in place. A heartbeat is the most frequent input and copying the user for it
 * would make every heartbeat garbage. Only the engine, the single writer, gets here.
 */
export function commitLease(state: TenantState, l: LeaseUpdate, log?: FieldLog): void {
  const user = state.users.get(l.userId);
  if (user === undefined) return;
  if ('rebound' in l) {
    state.leases.put(user, state.policy);
  } else if ('session' in l) {
    const s = withId(user.sessions, l.session) as { lastSeenAt: Instant; lastActiveAt: Instant } | undefined;
    if (s) {
      if (log !== undefined) noteSession(log, s);
      s.lastSeenAt = l.lastSeenAt;
      s.lastActiveAt = l.lastActiveAt;
      state.leases.putSessions(user, state.policy);
    }
  } else {
    const r = withId(user.registrations, l.registration) as { expiresAt: Instant } | undefined;
    if (r) {
      log?.places.push(r, 'expiresAt');
      log?.values.push(r.expiresAt);
      r.expiresAt = l.expiresAt;
    }
  }
}

/**
 * Commits a heartbeat that only moves its session's lease later, in place: the change `apply`
 * answers it with (`heartbeatLease`), without building that answer. False when the heartbeat
 * needs `apply`. Most inputs are such heartbeats; only the engine gets here.
 */
export function commitHeartbeat(
  state: TenantState,
  cmd: Extract<Command, { type: 'session.heartbeat' }>,
  now: Instant,
  log?: FieldLog,
): boolean {
  const row = state.leases.rowOf(cmd.userId);
  const s = heartbeatSession(state, cmd, now, row);
  if (s === undefined) return false;
  const moved = s as { lastSeenAt: Instant; lastActiveAt: Instant };
  if (log !== undefined) noteSession(log, s);
  moved.lastSeenAt = now;
  if (cmd.active) moved.lastActiveAt = now;
  if (row >= 0 && state.leases.soleSession(row) === s)
    state.leases.putSoleSessionEnd(row, sessionLeaseEnd(now, state.policy));
  else state.leases.putSessions(state.users.get(cmd.userId)!, state.policy);
  return true;
}

/**
 * Commits a registration refresh that only moves its lease later: the change `apply` answers it
 * with, without building that answer. Returns the user's new record, which the journal must keep
 * (registrations survive a restart, S7.1), or undefined when the refresh needs `apply`. The
 * record is replaced, not changed in place: readers are shown registrations, and until the
 * engine's batch is committed they see the old record (S8.2). The user's lease bound is left as
 * it is: it stays a lower bound, and a wake takes it again.
 */
export function commitRefresh(
  state: TenantState,
  cmd: Extract<Command, { type: 'registration.set' }>,
  now: Instant,
): UserState | undefined {
  const user = state.users.get(cmd.userId);
  if (user === undefined) return undefined;
  const r = refreshedRegistration(state, user, cmd, now);
  if (r === undefined) return undefined;
  const registrations = user.registrations.map((x) => (x === r ? { ...x, expiresAt: cmd.expiresAt } : x));
  const next = userWith(user, { registrations });
  (state.users as Map<UserId, UserState>).set(user.id, next);
  return next;
}

/** A read-only map that shows `changes` over `base`, with `removed` keys hidden. */
export class OverlayMap<K, V> implements ReadonlyMap<K, V> {
  constructor(
    private readonly base: ReadonlyMap<K, V>,
    private readonly changes: ReadonlyMap<K, V>,
    private readonly removed: ReadonlySet<K> = new Set(),
  ) {}
  get(key: K): V | undefined {
    if (this.removed.has(key)) return undefined;
    return this.changes.get(key) ?? this.base.get(key);
  }
  has(key: K): boolean {
    return this.get(key) !== undefined;
  }
  get size(): number {
    let n = 0;
    for (const _ of this.keys()) n++;
    return n;
  }
  *entries(): MapIterator<[K, V]> {
    for (const [k, v] of this.base) {
      if (this.removed.has(k)) continue;
      yield [k, this.changes.get(k) ?? v];
    }
    for (const [k, v] of this.changes) if (!this.base.has(k) && !this.removed.has(k)) yield [k, v];
  }
  *keys(): MapIterator<K> {
    for (const [k] of this.entries()) yield k;
  }
  *values(): MapIterator<V> {
    for (const [, v] of this.entries()) yield v;
  }
  forEach(fn: (value: V, key: K, map: ReadonlyMap<K, V>) => void): void {
    for (const [k, v] of this.entries()) fn(v, k, this);
  }
  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }
}
