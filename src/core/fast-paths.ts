// The fast paths for inputs that only move a lease later (heartbeats, registration refreshes, wake timers).
import type { Applied } from './apply.js';
import type { Command, LeaseUpdate } from './commands.js';
import { nextWakeAt, stillSettled } from './facts.js';
import { heartbeatSession, refreshedRegistration } from './leases.js';
import type { Instant, TenantState, UserId } from './types.js';

const NOTHING: readonly never[] = [];

/**
 * The fast path for an input that only moves a lease later: a heartbeat of a known session, or
 * a refresh of a live registration of the same kind, while no lease of the user is due. Nothing
 * a watcher can see changes, so it emits nothing (S1.1, S1.4). The wake timer stays where it is:
 * a lease that only moves later can at most make it fire early, and an early wake re-arms itself
 * (see `wakeDue`). Only a registration refreshed to a shorter expiry moves it earlier.
 */
export function leaseOnly(
  state: TenantState,
  cmd: Extract<Command, { type: 'session.heartbeat' | 'registration.set' }>,
  now: Instant,
): Applied | undefined {
  if (cmd.type === 'session.heartbeat') {
    const lease = heartbeatLease(state, cmd, now);
    return (
      lease && {
        ok: true,
        patch: { leases: [lease] },
        events: NOTHING,
        timers: NOTHING,
        directives: NOTHING,
        volatile: true,
      }
    );
  }
  const user = state.users.get(cmd.userId);
  if (user === undefined) return undefined;
  const r = refreshedRegistration(state, user, cmd, now);
  if (r === undefined) return undefined;
  const lease: LeaseUpdate = { userId: user.id, registration: r.id, expiresAt: cmd.expiresAt };
  // A registration refresh is durable (registrations survive a restart, S7.1); a heartbeat is not.
  return { ok: true, patch: { leases: [lease], users: [user] }, events: NOTHING, timers: NOTHING, directives: NOTHING };
}

/**
 * A heartbeat that only moves its session's lease later: the lease to commit in place, or
 * undefined when the heartbeat needs the full path (unknown session, a lease due, idleness ending).
 * `apply` answers such a heartbeat with exactly this lease as its patch; the engine, which sees
 * most inputs as heartbeats, commits the same change with `commitHeartbeat` without building it.
 */
export function heartbeatLease(
  state: TenantState,
  cmd: Extract<Command, { type: 'session.heartbeat' }>,
  now: Instant,
): LeaseUpdate | undefined {
  const s = heartbeatSession(state, cmd, now);
  return s && { userId: cmd.userId, session: s.id, lastSeenAt: now, lastActiveAt: cmd.active ? now : s.lastActiveAt };
}

/**
 * For a wake timer that fired (S9.3): `'due'` when a lease of the user has run out or idleness
 * began, so `timer.wake` must be applied. Otherwise nothing changed (leases moved later since
 * the timer was set): the answer is when to wake next (`Infinity`: no lease left), and the
 * user's lease bound is to be taken again (the engine commits that in place). `row` is the row
 * of the user's lease table the caller knows: while its bound lies ahead, the user's records
 * are not read at all.
 */
export function wakeDue(
  state: TenantState,
  userId: UserId,
  row: number,
  now: Instant,
): { readonly next: Instant; readonly lease?: LeaseUpdate } | 'due' {
  const bound = state.leases.bound(row, userId);
  if (bound > now) return { next: bound };
  const user = state.users.get(userId);
  if (user === undefined) return { next: Infinity };
  if (!stillSettled(user, state.policy, now)) return 'due';
  return { next: nextWakeAt(user, state.policy, now) ?? Infinity, lease: { userId, rebound: true } };
}
