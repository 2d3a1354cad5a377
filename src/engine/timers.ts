// The tenant's timers (S9.3): keyed timers the core asks for and each user's wake, scheduled
// through the Clock port and fired back into the engine as commands.
import { wakeDue } from '../core/index.js';
import type { Applied, Command, TenantId } from '../core/index.js';
import { closeIfIdle, open, undoOf } from './batch.js';
import type { TimerHandle } from './clock.js';
import type { EngineHost, Tenant } from './engine.js';

export interface TimerEntry {
  /** When the timer is due. */
  at: number;
  /** When the clock will call back (at or before `at`). */
  armedAt: number;
  command: Command;
  handle: TimerHandle;
  /** The clock's callback, made once per entry. */
  fire: () => void;
}

/**
 * Sets, moves or cancels a keyed timer, or a user's wake timer. A timer moved later is not
 * re-armed on the clock: it fires at its old time, sees its new time and re-arms itself (a
 * refresh moves a lease many times an hour; re-arming each time would fill the clock with
 * cancelled timers).
 */
export function schedule(host: EngineHost, t: Tenant, tenantId: TenantId, timer: Applied['timers'][number]): void {
  const undo = undoOf(t);
  if ('wake' in timer) {
    const row = rowOf(t, timer.wake);
    undo?.noteWake(row, t.wakes);
    if ('cancel' in timer) t.wakes.delete(row, timer.wake);
    else if (row >= 0) {
      t.wakes.set(row, timer.wake, timer.at);
      armWakes(host, t);
    }
    return;
  }
  const map = t.timers;
  const key = timer.key;
  const existing = map.get(key);
  undo?.noteTimer(key, existing);
  if ('cancel' in timer) {
    if (existing) {
      host.clock.clearTimer(existing.handle);
      map.delete(key);
    }
    return;
  }
  if (existing) {
    existing.command = timer.command;
    if (timer.at >= existing.armedAt) {
      existing.at = timer.at;
      return;
    }
    host.clock.clearTimer(existing.handle);
  }
  const entry: TimerEntry = {
    at: timer.at,
    armedAt: timer.at,
    command: timer.command,
    handle: undefined,
    fire: () => {},
  };
  entry.fire = () => fire(host, t, tenantId, key, entry);
  map.set(key, entry);
  arm(host, entry);
}

/** The user's row in the lease index; a user it does not have yet (a record no patch brought) is given one. */
function rowOf(t: Tenant, userId: string): number {
  const row = t.leases.recentRowOf(userId);
  if (row >= 0) return row;
  const user = t.state.users.get(userId);
  return user === undefined ? -1 : t.leases.put(user, t.state.policy);
}

/**
 * For the wake in `row` that fell due: `'due'` when a lease of the user ran out or idleness
 * began, else when to look again (Infinity: never). While the user's bound lies ahead their
 * records are not read at all; once it has passed with nothing due (leases moved on), the bound
 * is taken again from the records. Either way the wake is about to move: the undo notes it.
 */
function nextLook(t: Tenant, row: number, userId: string, now: number): number | 'due' {
  const bound = t.leases.bound(row, userId);
  if (bound > now) {
    undoOf(t)?.noteWake(row, t.wakes);
    return bound;
  }
  const due = wakeDue(t.state, userId, now);
  if (due === 'due') return due;
  undoOf(t)?.noteWake(row, t.wakes);
  const user = t.state.users.get(userId);
  if (user !== undefined) t.leases.put(user, t.state.policy);
  return due.next;
}

function arm(host: EngineHost, entry: TimerEntry): void {
  entry.armedAt = entry.at;
  entry.handle = host.clock.setTimer(entry.at, entry.fire);
}

function fire(host: EngineHost, t: Tenant, tenantId: TenantId, key: string, entry: TimerEntry): void {
  if (t.timers.get(key) !== entry) return; // cancelled or replaced
  if (entry.at > host.clock.now()) {
    arm(host, entry); // moved later since it was armed
    return;
  }
  if (host.tenants.get(tenantId) !== t) return;
  // The timer is spent only if its command is committed: a batch undone arms it again.
  const fresh = t.undo === undefined;
  open(t)?.noteTimer(key, entry);
  t.timers.delete(key);
  host.submit(tenantId, entry.command);
  closeIfIdle(t, fresh);
}

/** Arms the tenant's clock timer for its earliest wake, unless one is armed early enough. */
export function armWakes(host: EngineHost, t: Tenant): void {
  if (t.waking) return;
  const first = t.wakes.first();
  if (first < 0) return;
  const armedAt = t.wakes.armedAtOf(first);
  if (t.wakeTimerAt <= armedAt) return;
  if (t.wakeTimer !== undefined) host.clock.clearTimer(t.wakeTimer);
  t.wakeTimerAt = armedAt;
  t.wakeTimer = host.clock.setTimer(armedAt, t.onWake);
}

/** The tenant's wake timer: looks at every wake due by now, then arms for the next. */
export function wake(host: EngineHost, t: Tenant, tenantId: TenantId): void {
  t.wakeTimer = undefined;
  t.wakeTimerAt = Infinity;
  if (host.tenants.get(tenantId) !== t) return;
  t.waking = true;
  try {
    for (;;) {
      const w = t.wakes.first();
      const now = host.clock.now();
      if (w < 0 || t.wakes.armedAtOf(w) > now) break;
      const at = t.wakes.atOf(w);
      if (at > now) {
        t.wakes.rearm(w, at); // moved later since it was armed
        continue;
      }
      // Refreshes move leases later without moving the wake; ask whether one is due: while the
      // user's bound lies ahead, their records are not read at all.
      const userId = t.wakes.userOf(w);
      const next = nextLook(t, w, userId, now);
      if (next !== 'due') {
        if (next === Infinity) t.wakes.delete(w, userId);
        else t.wakes.rearm(w, next);
        continue;
      }
      // Spent only if the wake's command is committed, as a keyed timer (fire).
      const fresh = t.undo === undefined;
      open(t)?.noteWake(w, t.wakes);
      t.wakes.delete(w, userId);
      host.submit(tenantId, { type: 'timer.wake', userId });
      closeIfIdle(t, fresh);
    }
  } finally {
    t.waking = false;
  }
  armWakes(host, t);
}
