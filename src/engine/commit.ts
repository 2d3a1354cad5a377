// Committing a patch to a tenant, in place: only the engine, the tenant's single writer, does it.
// `apply` answers a patch and never writes; here the records it replaced are put in the maps,
// the extension index and the lease index (leases.ts) follow, and the inputs that only move a
// lease later (most of them: heartbeats, registration refreshes) are committed without `apply`
// building an answer: the core's predicates say they change nothing a watcher sees, and the
// session's lease times are moved in place, which makes a heartbeat cost no garbage.
import {
  idleSince,
  lastActiveAt,
  movedSession,
  refreshOf,
  refreshedRegistration,
  sessionLeaseEnd,
  stillSettled,
  withId,
} from '../core/index.js';
import type {
  AppSession,
  Command,
  Group,
  GroupId,
  Instant,
  LeaseUpdate,
  Patch,
  QueueId,
  QueueState,
  UserId,
  UserState,
} from '../core/index.js';
import type { Tenant } from './engine.js';
import type { Undo } from './undo.js';

/**
 * S8.2: where an in-place write notes the value it overwrites, as (object, field, old value)
 * triples in order, so that a batch the journal did not take can be undone. Only session lease
 * times (which no reader is shown) are written in place; records are otherwise replaced, which
 * is undone by putting the old one back.
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

/** A session whose lease the engine moves in place. */
type Moving = { lastSeenAt: Instant; lastActiveAt: Instant };

function noteSession(log: FieldLog, s: AppSession): void {
  log.places.push(s, 'lastSeenAt', s, 'lastActiveAt');
  log.values.push(s.lastSeenAt, s.lastActiveAt);
}

/** Applies a patch to the tenant in place (a new state object only when the policy changed). */
export function commitPatch(t: Tenant, patch: Patch, undo: Undo | undefined): void {
  const state = t.state;
  const users = state.users as Map<UserId, UserState>;
  const byExtension = state.byExtension as Map<string, UserId>;
  const policy = patch.policy ?? state.policy;
  if (patch.removedUsers !== undefined)
    for (const id of patch.removedUsers) {
      const old = users.get(id);
      if (old && byExtension.get(old.extension) === id) byExtension.delete(old.extension);
      users.delete(id);
      // A wake is known by the user's row, which goes now: the wake goes with it.
      const row = t.leases.rowOf(id);
      undo?.noteWake(row, t.wakes);
      t.wakes.delete(row, id);
      t.leases.remove(id);
    }
  if (patch.users !== undefined)
    for (const user of patch.users) {
      const old = users.get(user.id);
      users.set(user.id, user);
      // The same record again (a refresh kept for the journal) only had leases moved later: its
      // bound stays a lower bound, and a wake takes it again once it has passed.
      if (old !== user || patch.policy !== undefined) t.leases.put(user, policy);
      if (old !== undefined && old.extension === user.extension) continue;
      if (old && byExtension.get(old.extension) === user.id) byExtension.delete(old.extension);
      byExtension.set(user.extension, user.id);
    }
  if (patch.leases !== undefined) for (const l of patch.leases) commitLease(t, l, undo?.fields);
  const groups = state.groups as Map<GroupId, Group>;
  if (patch.removedGroups !== undefined) for (const id of patch.removedGroups) groups.delete(id);
  if (patch.groups !== undefined) for (const g of patch.groups) groups.set(g.id, g);
  const queues = state.queues as Map<QueueId, QueueState>;
  if (patch.removedQueues !== undefined) for (const id of patch.removedQueues) queues.delete(id);
  if (patch.queues !== undefined) for (const q of patch.queues) queues.set(q.config.id, q);
  if (patch.policy !== undefined) t.state = { ...state, policy: patch.policy };
}

/**
 * Moves one session lease in place. A heartbeat is the most frequent input and copying the user
 * for it would make every heartbeat garbage.
 */
function commitLease(t: Tenant, l: LeaseUpdate, log: FieldLog | undefined): void {
  const user = t.state.users.get(l.userId);
  const s = user && withId(user.sessions, l.session);
  if (s === undefined) return;
  if (log !== undefined) noteSession(log, s);
  const moved = s as Moving;
  moved.lastSeenAt = l.lastSeenAt;
  moved.lastActiveAt = l.lastActiveAt;
  t.leases.putSessions(user!, t.state.policy);
}

/**
 * Commits a heartbeat that only moves its session's lease later, in place: the change `apply`
 * answers it with (`heartbeatLease`), without building that answer. False when the heartbeat
 * needs `apply`. Most inputs are such heartbeats.
 */
export function commitHeartbeat(
  t: Tenant,
  cmd: Extract<Command, { type: 'session.heartbeat' }>,
  now: Instant,
  log: FieldLog | undefined,
): boolean {
  const { leases, state } = t;
  const policy = state.policy;
  const row = leases.rowOf(cmd.userId);
  // Most users have one session: the index answers without the user's records.
  const sole = row >= 0 ? leases.soleSession(row) : undefined;
  let s: AppSession | undefined;
  if (sole !== undefined && sole.id === cmd.sessionId && leases.bound(row, cmd.userId) > now) {
    if (cmd.active && idleSince(sole.lastActiveAt, policy, now)) return false;
    s = sole;
  } else {
    const user = state.users.get(cmd.userId);
    if (user === undefined || !(leases.bound(row, cmd.userId) > now || stillSettled(user, policy, now))) return false;
    s = movedSession(user.sessions, lastActiveAt(user) ?? now, cmd, policy, now);
    if (s === undefined) return false;
  }
  if (log !== undefined) noteSession(log, s);
  const moved = s as Moving;
  moved.lastSeenAt = now;
  if (cmd.active) moved.lastActiveAt = now;
  if (s === sole) leases.putSoleSessionEnd(row, sessionLeaseEnd(now, policy));
  else leases.putSessions(state.users.get(cmd.userId)!, policy);
  return true;
}

/**
 * Commits a registration refresh that only moves its lease later: the change `apply` answers it
 * with. Returns the user's new record, which the journal must keep (registrations survive a
 * restart, S7.1), or undefined when the refresh needs `apply`. The record is replaced, not
 * changed in place: readers are shown registrations, and until the engine's batch is committed
 * they see the old record (S8.2); an engine without a journal moves the lease in place. The
 * user's lease bound is left as it is: it stays a lower bound, and a wake takes it again.
 */
export function commitRefresh(
  t: Tenant,
  cmd: Extract<Command, { type: 'registration.set' }>,
  now: Instant,
): UserState | undefined {
  const { leases, state } = t;
  const user = state.users.get(cmd.userId);
  if (user === undefined) return undefined;
  if (!(leases.bound(leases.rowOf(user.id), user.id) > now || stillSettled(user, state.policy, now))) return undefined;
  if (!t.journalled) {
    // Without a journal every applied command is shown at once and nothing is undone: the lease
    // moves in place, as a heartbeat's does, and the refresh costs no garbage.
    const r = refreshedRegistration(user, cmd);
    if (r === undefined) return undefined;
    (r as { expiresAt: Instant }).expiresAt = cmd.expiresAt;
    return user;
  }
  const next = refreshOf(user, cmd);
  if (next !== undefined) (state.users as Map<UserId, UserState>).set(user.id, next);
  return next;
}
