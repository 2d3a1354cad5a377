// The fast paths for inputs that only move a lease later (heartbeats, registration refreshes,
// wake timers): pure answers to "does this input change anything a watcher can see?". `apply`
// answers with them; the engine, which sees most inputs as such, asks the same questions before
// its lease index (S9.3) and commits the answers in place.
import type { Applied } from './apply.js';
import type { Command, LeaseUpdate } from './commands.js';
import { idleSince, lastActiveAt, nextWakeAt, stillSettled, withId } from './facts.js';
import { userWith } from './user.js';
import type { AppSession, Instant, Registration, TenantPolicy, TenantState, UserId, UserState } from './types.js';

const NOTHING: readonly never[] = [];

type Heartbeat = Extract<Command, { type: 'session.heartbeat' }>;
type Refresh = Extract<Command, { type: 'registration.set' }>;

/**
 * The fast path for an input that only moves a lease later: a heartbeat of a known session, or
 * a refresh of a live registration of the same kind, while no lease of the user is due. Nothing
 * a watcher can see changes, so it emits nothing (S1.1, S1.4). The wake timer stays where it is:
 * a lease that only moves later can at most make it fire early, and an early wake re-arms itself
 * (see `wakeDue`). Only a registration refreshed to a shorter expiry moves it earlier.
 */
export function leaseOnly(state: TenantState, cmd: Heartbeat | Refresh, now: Instant): Applied | undefined {
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
  const user = refreshedUser(state, cmd, now);
  if (user === undefined) return undefined;
  // A registration refresh is durable (registrations survive a restart, S7.1); a heartbeat is not.
  return { ok: true, patch: { users: [user] }, events: NOTHING, timers: NOTHING, directives: NOTHING };
}

/**
 * For a user of whom nothing is due: the session a heartbeat only moves the lease of, or
 * undefined for an unknown session or activity that ends idleness (only a user not idle yet
 * takes the fast path with an active heartbeat). `last` is the user's latest activity.
 */
export function movedSession(
  sessions: readonly AppSession[],
  last: Instant,
  cmd: Heartbeat,
  policy: TenantPolicy,
  now: Instant,
): AppSession | undefined {
  const s = withId(sessions, cmd.sessionId);
  if (s === undefined) return undefined;
  return cmd.active && idleSince(last, policy, now) ? undefined : s;
}

/**
 * The session a heartbeat only moves the lease of, or undefined when the heartbeat needs the
 * full path: an unknown user or session, a lease due, or activity that ends idleness.
 */
export function heartbeatSession(state: TenantState, cmd: Heartbeat, now: Instant): AppSession | undefined {
  const user = state.users.get(cmd.userId);
  if (user === undefined || !stillSettled(user, state.policy, now)) return undefined;
  return movedSession(user.sessions, lastActiveAt(user) ?? now, cmd, state.policy, now);
}

/**
 * A heartbeat that only moves its session's lease later: the lease to commit, or undefined when
 * the heartbeat needs the full path. `apply` answers such a heartbeat with exactly this lease as
 * its patch; the engine commits the same change in place without building it.
 */
export function heartbeatLease(state: TenantState, cmd: Heartbeat, now: Instant): LeaseUpdate | undefined {
  const s = heartbeatSession(state, cmd, now);
  return s && { userId: cmd.userId, session: s.id, lastSeenAt: now, lastActiveAt: cmd.active ? now : s.lastActiveAt };
}

/**
 * For a user of whom nothing is due: the registration a refresh only moves the lease of (the
 * same kind, expiring no earlier), or undefined when the refresh needs the full path: a new
 * binding, or a shorter expiry, which moves the wake timer earlier.
 */
export function refreshedRegistration(user: UserState, cmd: Refresh): Registration | undefined {
  const r = withId(user.registrations, cmd.id);
  return r !== undefined && r.kind === cmd.kind && cmd.expiresAt >= r.expiresAt ? r : undefined;
}

/**
 * For a user of whom nothing is due: their record after a refresh that only moves a lease later,
 * or undefined when it needs the full path. The record is replaced, not changed in place: readers
 * are shown registrations, and the journal keeps the new record (registrations survive a
 * restart, S7.1).
 */
export function refreshOf(user: UserState, cmd: Refresh): UserState | undefined {
  const r = refreshedRegistration(user, cmd);
  if (r === undefined) return undefined;
  const registrations = user.registrations.map((x) => (x === r ? { ...x, expiresAt: cmd.expiresAt } : x));
  return userWith(user, { registrations });
}

/** The user's record after a refresh that only moves a lease later, or undefined (see refreshOf). */
export function refreshedUser(state: TenantState, cmd: Refresh, now: Instant): UserState | undefined {
  const user = state.users.get(cmd.userId);
  if (user === undefined || !stillSettled(user, state.policy, now)) return undefined;
  return refreshOf(user, cmd);
}

/**
 * For a wake timer that fired (S9.3): `'due'` when a lease of the user has run out or idleness
 * began, so `timer.wake` must be applied. Otherwise nothing changed (leases moved later since
 * the timer was set): the answer is when to wake next (`Infinity`: no lease left).
 */
export function wakeDue(state: TenantState, userId: UserId, now: Instant): { readonly next: Instant } | 'due' {
  const user = state.users.get(userId);
  if (user === undefined) return { next: Infinity };
  if (!stillSettled(user, state.policy, now)) return 'due';
  return { next: nextWakeAt(user, state.policy, now) ?? Infinity };
}
