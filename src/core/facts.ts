// Facts with leases (S9.3): a registration, an app session, a call leg and a manual status with
// `until` each count only while their lease runs. These helpers read the facts "as of now", so
// every derived value is a function of (facts, policy, now) and a fired timer only has to
// re-evaluate.
import { kept } from './arrays.js';
import { copyUser } from './user.js';
import type { UserDraft } from './user.js';
import type { Instant, ManualStatus, TenantPolicy, UserState } from './types.js';

const SEC = 1000;

export interface DeviceCounts {
  readonly app: number;
  readonly terminal: number;
  readonly pbx: number;
  readonly sessions: number;
}

export function deviceCounts(user: UserState, policy: TenantPolicy, now: Instant): DeviceCounts {
  let app = 0;
  let terminal = 0;
  let pbx = 0;
  for (const r of user.registrations) {
    if (r.expiresAt <= now) continue;
    if (r.kind === 'app') app++;
    else if (r.kind === 'terminal') terminal++;
    else pbx++;
  }
  return { app, terminal, pbx, sessions: liveSessionCount(user, policy, now) };
}

export function liveSessionCount(user: UserState, policy: TenantPolicy, now: Instant): number {
  let n = 0;
  const timeoutMs = policy.sessionTimeoutSec * SEC;
  for (const s of user.sessions) if (s.lastSeenAt + timeoutMs > now) n++;
  return n;
}

/** The registration, session or leg with this id. A plain loop: heartbeats and refreshes run it. */
export function withId<T extends { readonly id: string }>(items: readonly T[], id: string): T | undefined {
  for (let i = 0; i < items.length; i++) if (items[i]!.id === id) return items[i];
  return undefined;
}

/** S1.3: a manual status with `until` is gone at exactly `until`, not a millisecond before. */
export function manualInForce(user: UserState, now: Instant): ManualStatus | undefined {
  const m = user.manual;
  if (m === undefined) return undefined;
  return m.until === undefined || now < m.until ? m : undefined;
}

function legIsLive(updatedAt: Instant, policy: TenantPolicy, now: Instant): boolean {
  return updatedAt + policy.maxCallSec * SEC > now;
}

/** S1.2: on a call while any leg is answered or held, or any outgoing leg is ringing or early. */
export function isOnCall(user: UserState, policy: TenantPolicy, now: Instant): boolean {
  for (const l of user.legs) {
    if (!legIsLive(l.updatedAt, policy, now)) continue;
    if (l.state === 'answered' || l.state === 'held') return true;
    if (l.direction === 'out') return true;
  }
  return false;
}

/** S1.2: an incoming ringing leg only sets the ringing indicator. */
export function isRinging(user: UserState, policy: TenantPolicy, now: Instant): boolean {
  for (const l of user.legs) {
    if (!legIsLive(l.updatedAt, policy, now)) continue;
    if (l.direction === 'in' && (l.state === 'ringing' || l.state === 'early')) return true;
  }
  return false;
}

/** The latest user activity over the live app sessions, or undefined without one. */
function lastActivity(user: UserState, policy: TenantPolicy, now: Instant): Instant | undefined {
  let last: Instant | undefined;
  const timeoutMs = policy.sessionTimeoutSec * SEC;
  for (const s of user.sessions) {
    if (s.lastSeenAt + timeoutMs <= now) continue;
    if (last === undefined || s.lastActiveAt > last) last = s.lastActiveAt;
  }
  return last;
}

/** S1.4: idle only with a signed-in app session, no terminal registration, and no activity for idleAfterSec. */
export function isIdle(user: UserState, policy: TenantPolicy, now: Instant): boolean {
  const last = lastActivity(user, policy, now);
  if (last === undefined) return false;
  for (const r of user.registrations) if (r.kind === 'terminal' && r.expiresAt > now) return false;
  return idleSince(last, policy, now);
}

/** S9.3: when an app session last seen at `lastSeenAt` runs out. */
export function sessionLeaseEnd(lastSeenAt: Instant, policy: TenantPolicy): Instant {
  return lastSeenAt + policy.sessionTimeoutSec * SEC;
}

/** S1.4: no activity since `lastActive` for idleAfterSec. */
export function idleSince(lastActive: Instant, policy: TenantPolicy, now: Instant): boolean {
  return now >= lastActive + policy.idleAfterSec * SEC;
}

/**
 * S2.6: signed in, had an app or terminal registration during the session, has none now.
 * `hadRegistrationInSession` is kept by `normalizeFacts`.
 */
export function hasLostRegistration(user: UserState, counts: DeviceCounts): boolean {
  return counts.sessions > 0 && user.hadRegistrationInSession && counts.app + counts.terminal === 0;
}

/**
 * Drops the facts whose lease ran out and keeps the S2.6 bookkeeping. Returns the same object
 * when nothing changed, so callers can compare by identity.
 */
export function normalizeFacts<U extends UserState>(user: U, policy: TenantPolicy, now: Instant): U | UserDraft {
  const timeoutMs = policy.sessionTimeoutSec * SEC;
  let expired = false;
  for (const r of user.registrations) if (r.expiresAt <= now) expired = true;
  for (const s of user.sessions) if (s.lastSeenAt + timeoutMs <= now) expired = true;
  for (const l of user.legs) if (!legIsLive(l.updatedAt, policy, now)) expired = true;
  const manual = manualInForce(user, now);
  if (!expired && manual === user.manual) {
    // The common case: nothing ran out; only the S2.6 bookkeeping may move.
    const had = hadRegistration(user, user.sessions, user.registrations);
    if (had === user.hadRegistrationInSession) return user;
    const next = copyUser(user);
    next.hadRegistrationInSession = had;
    return next;
  }
  const registrations = expired ? kept(user.registrations, (r) => r.expiresAt > now) : user.registrations;
  const sessions = expired ? kept(user.sessions, (s) => s.lastSeenAt + timeoutMs > now) : user.sessions;
  const legs = expired ? kept(user.legs, (l) => legIsLive(l.updatedAt, policy, now)) : user.legs;
  const had = hadRegistration(user, sessions, registrations);
  const lastCallEndedAt = legs.length < user.legs.length && legs.length === 0 ? now : user.lastCallEndedAt;
  const next = copyUser(user);
  if (registrations.length !== user.registrations.length) next.registrations = registrations;
  if (sessions.length !== user.sessions.length) next.sessions = sessions;
  if (legs.length !== user.legs.length) next.legs = legs;
  next.manual = manual;
  next.hadRegistrationInSession = had;
  next.lastCallEndedAt = lastCallEndedAt;
  return next;
}

/** S2.6 bookkeeping: cleared with the last session, set by an app or terminal registration. */
function hadRegistration(
  user: UserState,
  sessions: UserState['sessions'],
  registrations: UserState['registrations'],
): boolean {
  if (sessions.length === 0) return false;
  for (const r of registrations) if (r.kind !== 'pbx') return true;
  return user.hadRegistrationInSession;
}

/** The next instant at which a lease of this user runs out or idleness begins, if any. */
export function nextWakeAt(user: UserState, policy: TenantPolicy, now: Instant): Instant | undefined {
  let next = Infinity;
  for (const r of user.registrations) if (r.expiresAt > now && r.expiresAt < next) next = r.expiresAt;
  const timeoutMs = policy.sessionTimeoutSec * SEC;
  for (const s of user.sessions) {
    const end = s.lastSeenAt + timeoutMs;
    if (end > now && end < next) next = end;
  }
  for (const l of user.legs) {
    const end = l.updatedAt + policy.maxCallSec * SEC;
    if (end > now && end < next) next = end;
  }
  const until = user.manual?.until;
  if (until !== undefined && until > now && until < next) next = until;
  const last = lastActivity(user, policy, now);
  if (last !== undefined) {
    const idleAt = last + policy.idleAfterSec * SEC;
    if (idleAt > now && idleAt < next) next = idleAt;
  }
  return next === Infinity ? undefined : next;
}

/**
 * Do the derived values computed at `settledAt` (the presence record, agent states) still hold
 * at `now`? Yes while no lease has run out since and idleness has not begun since; an idleness
 * that began before `settledAt` is already shown. The engine's lease index answers the same
 * question for most inputs without reading the facts (src/engine/leases.ts).
 */
export function stillSettled(user: UserState, policy: TenantPolicy, now: Instant): boolean {
  if (!(earliestLeaseEnd(user, policy) > now)) return false;
  const active = lastActiveAt(user);
  if (active === undefined) return true;
  const idleAt = active + policy.idleAfterSec * SEC;
  return idleAt > now || (user.settledAt !== undefined && idleAt <= user.settledAt);
}

/** The latest user activity over all app sessions, live or not. */
export function lastActiveAt(user: UserState): Instant | undefined {
  let last: Instant | undefined;
  for (const s of user.sessions) if (last === undefined || s.lastActiveAt > last) last = s.lastActiveAt;
  return last;
}

/** When the first lease runs out: registrations, sessions, legs and `until`. */
export function earliestLeaseEnd(user: UserState, policy: TenantPolicy): Instant {
  return Math.min(sessionsEnd(user, policy), otherLeasesEnd(user, policy));
}

/** When the first app session runs out (S1.4), Infinity without one: the part of a user's lease bound a heartbeat moves. */
export function sessionsEnd(user: UserState, policy: TenantPolicy): Instant {
  let first = Infinity;
  const timeoutMs = policy.sessionTimeoutSec * SEC;
  const sessions = user.sessions;
  for (let i = 0; i < sessions.length; i++) {
    const end = sessions[i]!.lastSeenAt + timeoutMs;
    if (end < first) first = end;
  }
  return first;
}

/** When the first registration or leg runs out, or `until` comes. */
function otherLeasesEnd(user: UserState, policy: TenantPolicy): Instant {
  let first = Infinity;
  for (const r of user.registrations) if (r.expiresAt < first) first = r.expiresAt;
  const maxCallMs = policy.maxCallSec * SEC;
  for (const l of user.legs) if (l.updatedAt + maxCallMs < first) first = l.updatedAt + maxCallMs;
  const until = user.manual?.until;
  if (until !== undefined && until < first) first = until;
  return first;
}

/**
 * The rest of a user's lease bound: the first registration or leg to run out, `until`, and the
 * moment idleness begins unless it began by `settledAt` (and is shown). Refreshes only move these
 * later, so the value stays a lower bound until the user is next settled.
 */
export function restWakeBound(user: UserState, policy: TenantPolicy): Instant {
  let first = otherLeasesEnd(user, policy);
  const active = lastActiveAt(user);
  if (active !== undefined) {
    const idleAt = active + policy.idleAfterSec * SEC;
    if (idleAt < first && (user.settledAt === undefined || idleAt > user.settledAt)) first = idleAt;
  }
  return first;
}
