// S9.1 Scheduled statuses: which scheduled window sets the manual status at an instant, what comes
// back when it ends, and when the schedule next needs a look. Pure functions over a user's facts.
import { checkManualInput } from './commands-status.js';
import { manualInForce } from './facts.js';
import type {
  Cause,
  Instant,
  ManualStatus,
  ScheduledWindow,
  ScheduleHold,
  TenantPolicy,
  UserSchedule,
  UserState,
} from './types.js';

/** S9.1 limits: windows queued per user, the longest window, how far ahead one may begin. */
export const SCHEDULE_LIMITS = {
  maxWindows: 50,
  maxWindowMs: 31 * 24 * 3_600_000,
  maxAheadMs: 366 * 24 * 3_600_000,
} as const;

/**
 * The rows of the overlap rule, in the order `scheduleAt` applies them (docs/rules.md, S9.1):
 * each names what a user sees, so a test or an explanation can cite it.
 */
export const SCHEDULE_RULES = [
  { rule: 'S9.1#1', then: 'a status changed by anyone else while a window holds wins: the open windows are done' },
  { rule: 'S9.1#2', then: 'a window past its end is done' },
  {
    rule: 'S9.1#2b',
    then: 'a window whose status may no longer be chosen when it begins (policy, forwarding) is done unapplied',
  },
  { rule: 'S9.1#3', then: 'of the open windows, the one that began last sets the status (a tie: the one added last)' },
  { rule: 'S9.1#4', then: 'the first window to open keeps the manual status it replaced' },
  { rule: 'S9.1#5', then: 'when no window is open any more, that status comes back (if its own end has not passed)' },
] as const;

/** What the schedule does to a user at `now`: the schedule left, and the manual status, if it changes. */
export interface ScheduleOutcome {
  readonly schedule: UserSchedule | undefined;
  /** Present when the manual status changes: `value` undefined clears it. */
  readonly manual?: { readonly value: ManualStatus | undefined };
  /** The window whose start or end changed the status (the cause names it). */
  readonly window?: string;
}

const sameManual = (a: ManualStatus | undefined, b: ManualStatus | undefined): boolean =>
  a === b ||
  (a !== undefined &&
    b !== undefined &&
    a.status === b.status &&
    a.text === b.text &&
    a.until === b.until &&
    a.forwardTo === b.forwardTo &&
    a.setBy === b.setBy &&
    a.setAt === b.setAt);

/** S9.1#1: the schedule set a status and the user's manual status is no longer that one. */
export function isOverridden(user: UserState, now: Instant): boolean {
  const hold = user.schedule?.hold;
  return hold !== undefined && !sameManual(manualInForce(user, now), hold.manual);
}

export const isOpen = (w: ScheduledWindow, now: Instant): boolean =>
  w.from <= now && (w.until === undefined || now < w.until);

/** S9.1#3: the open window that began last; of two that began together, the one added last. */
function winnerOf(windows: readonly ScheduledWindow[], now: Instant): ScheduledWindow | undefined {
  let best: ScheduledWindow | undefined;
  for (const w of windows) if (isOpen(w, now) && (best === undefined || w.from >= best.from)) best = w;
  return best;
}

/** The manual status a window sets; `available` sets none (S2.1). */
export function windowStatus(w: ScheduledWindow, cause: Cause, now: Instant): ManualStatus | undefined {
  if (w.status === 'available') return undefined;
  const m: { -readonly [K in keyof ManualStatus]: ManualStatus[K] } = { status: w.status, setBy: cause, setAt: now };
  if (w.text !== undefined) m.text = w.text;
  if (w.forwardTo !== undefined) m.forwardTo = w.forwardTo;
  return m;
}

export const scheduleCause = (windowId: string): Cause => `schedule:${windowId}`;

/** S9.1: the schedule applied at `now`, by the rows of SCHEDULE_RULES. */
export function scheduleAt(user: UserState, now: Instant, policy: TenantPolicy): ScheduleOutcome {
  const schedule = user.schedule;
  if (schedule === undefined) return { schedule };
  let hold = schedule.hold;
  let windows = schedule.windows;
  let ended: string | undefined;
  if (hold !== undefined && isOverridden(user, now)) {
    windows = windows.filter((w) => w.started !== true); // S9.1#1
    hold = undefined;
  }
  const live = windows.filter(
    (w) =>
      (w.until === undefined || now < w.until) && // S9.1#2
      (w.started === true || w.from > now || checkManualInput(policy, user, w) === undefined), // S9.1#2b
  );
  if (hold !== undefined && !live.some((w) => w.id === hold!.window)) ended = hold.window;
  windows = live.map((w) => (w.started !== true && w.from <= now ? { ...w, started: true as const } : w));
  const winner = winnerOf(windows, now);
  let manual: ScheduleOutcome['manual'];
  let next: ScheduleHold | undefined = hold;
  if (winner !== undefined && winner.id !== hold?.window) {
    const value = windowStatus(winner, scheduleCause(winner.id), now);
    // S9.1#4: the status the first window replaced is the one that comes back.
    const before = hold === undefined ? manualInForce(user, now) : hold.before;
    next = holdOf(winner.id, value, before);
    manual = { value };
  } else if (winner === undefined && hold !== undefined) {
    // S9.1#5: an expired status is not given back.
    const before = hold.before;
    manual = { value: before !== undefined && (before.until === undefined || now < before.until) ? before : undefined };
    next = undefined;
  }
  const out: UserSchedule | undefined =
    windows.length === 0 && next === undefined ? undefined : next === undefined ? { windows } : { windows, hold: next };
  const window = ended ?? (manual !== undefined ? winner?.id : undefined);
  if (manual === undefined) return { schedule: out };
  return window === undefined ? { schedule: out, manual } : { schedule: out, manual, window };
}

function holdOf(window: string, manual: ManualStatus | undefined, before: ManualStatus | undefined): ScheduleHold {
  const h: { -readonly [K in keyof ScheduleHold]: ScheduleHold[K] } = { window };
  if (manual !== undefined) h.manual = manual;
  if (before !== undefined) h.before = before;
  return h;
}

/** When the schedule next needs a look: the next window to begin or end after `now`. */
export function nextScheduleAt(schedule: UserSchedule | undefined, now: Instant): Instant | undefined {
  if (schedule === undefined) return undefined;
  let next = Infinity;
  for (const w of schedule.windows) {
    if (w.from > now && w.from < next) next = w.from;
    if (w.until !== undefined && w.until > now && w.until < next) next = w.until;
  }
  return next === Infinity ? undefined : next;
}

export type WindowState = 'pending' | 'active' | 'waiting' | 'overridden';

/**
 * How a window stands at `now`, for a listing: `pending` (not begun), `active` (its status is the
 * one set), `waiting` (open, under a window that began later), `overridden` (open, but the status
 * was changed by hand since: it will not come back).
 */
export function windowStateAt(user: UserState, w: ScheduledWindow, now: Instant): WindowState {
  if (!isOpen(w, now)) return 'pending';
  if (w.started === true && isOverridden(user, now)) return 'overridden';
  return user.schedule?.hold?.window === w.id ? 'active' : 'waiting';
}
