// Command handlers for S9.1 scheduled statuses: adding a window, cancelling one, and the schedule's
// timer fired back by the engine at a window's start or end.
import { checkManualInput } from './commands-status.js';
import type { Command, ScheduleSummary } from './commands.js';
import { refuse } from './errors.js';
import { maySetStatus } from './permission-checks.js';
import { SCHEDULE_LIMITS, nextScheduleAt, scheduleAt, scheduleCause } from './schedule.js';
import { addTimer, addEvent, putUser, userIn } from './tx.js';
import type { Tx } from './tx.js';
import { userWith } from './user.js';
import type { ManualStatusId, Refusal, ScheduledWindow, UserSchedule, UserState } from './types.js';

const MAX_ID = 64;

/** The engine timer key of a user's schedule. */
export const scheduleTimerKey = (userId: string): string => `schedule:${userId}`;

type AddCommand = Extract<Command, { type: 'schedule.add' }>;

function checkWindow(tx: Tx, user: UserState, cmd: AddCommand): Refusal | undefined {
  const w = cmd.window;
  const refused = checkManualInput(tx.policy, user, w);
  if (refused !== undefined) return refused;
  if (w.id.length === 0 || w.id.length > MAX_ID) return refuse('SWB_ERR_INVALID', { field: 'id' });
  if (!Number.isFinite(w.from) || (w.until !== undefined && !Number.isFinite(w.until)))
    return refuse('SWB_ERR_INVALID', { field: 'from' });
  if (w.from < tx.now) return refuse('SWB_ERR_SCHEDULE_IN_PAST');
  if (w.from - tx.now > SCHEDULE_LIMITS.maxAheadMs)
    return refuse('SWB_ERR_SCHEDULE_TOO_FAR', { maxAheadMs: SCHEDULE_LIMITS.maxAheadMs });
  if (w.until !== undefined && w.until <= w.from) return refuse('SWB_ERR_SCHEDULE_ENDS_BEFORE_START');
  if (w.until !== undefined && w.until - w.from > SCHEDULE_LIMITS.maxWindowMs)
    return refuse('SWB_ERR_SCHEDULE_TOO_LONG', { maxWindowMs: SCHEDULE_LIMITS.maxWindowMs });
  const windows = user.schedule?.windows ?? [];
  // S11.3: the calendar's windows have limits of their own.
  if (windows.filter((x) => x.source !== 'calendar').length >= SCHEDULE_LIMITS.maxWindows)
    return refuse('SWB_ERR_SCHEDULE_FULL', { max: SCHEDULE_LIMITS.maxWindows });
  if (windows.some((x) => x.id === w.id)) return refuse('SWB_ERR_ID_TAKEN', { id: w.id });
  return undefined;
}

/** S9.1: the windows queued, for a schedule.changed event. */
function summaryOf(schedule: UserSchedule | undefined): ScheduleSummary {
  return {
    windows: (schedule?.windows ?? []).map((w) =>
      w.until === undefined
        ? { id: w.id, status: w.status, from: w.from }
        : { id: w.id, status: w.status, from: w.from, until: w.until },
    ),
  };
}

/** The same windows queued (a window beginning changes none of them). */
function sameWindows(a: UserSchedule | undefined, b: UserSchedule | undefined): boolean {
  const x = a?.windows ?? [];
  const y = b?.windows ?? [];
  return x.length === y.length && x.every((w, i) => w.id === y[i]!.id);
}

/** S9.1: queue a scheduled status for a window. */
export function addWindow(tx: Tx, cmd: AddCommand): Refusal | undefined {
  const user = userIn(tx, cmd.userId);
  if (user === undefined) return refuse('SWB_ERR_USER_NOT_FOUND', { user: cmd.userId });
  if (!maySetStatus(cmd.by, cmd.userId, tx.policy)) return refuse('SWB_ERR_FORBIDDEN');
  const refused = checkWindow(tx, user, cmd);
  if (refused !== undefined) return refused;
  const w = cmd.window;
  const window: { -readonly [K in keyof ScheduledWindow]: ScheduledWindow[K] } = {
    id: w.id,
    status: w.status as ManualStatusId,
    from: w.from,
    setBy: tx.cause,
    setAt: tx.now,
  };
  if (w.until !== undefined) window.until = w.until;
  if (w.text !== undefined) window.text = w.text;
  if (w.forwardTo !== undefined) window.forwardTo = w.forwardTo;
  const schedule: UserSchedule = { ...user.schedule, windows: [...(user.schedule?.windows ?? []), window] };
  settleSchedule(tx, userWith(user, { schedule }), user.schedule);
  tx.reply = window;
  return undefined;
}

/** S9.1: cancel a window; one in force gives the status back as its end would. */
export function cancelWindow(tx: Tx, cmd: Extract<Command, { type: 'schedule.cancel' }>): Refusal | undefined {
  const user = userIn(tx, cmd.userId);
  if (user === undefined) return refuse('SWB_ERR_USER_NOT_FOUND', { user: cmd.userId });
  if (!maySetStatus(cmd.by, cmd.userId, tx.policy)) return refuse('SWB_ERR_FORBIDDEN');
  const windows = user.schedule?.windows ?? [];
  if (!windows.some((w) => w.id === cmd.windowId))
    return refuse('SWB_ERR_SCHEDULE_NOT_FOUND', { window: cmd.windowId.slice(0, MAX_ID) });
  const schedule: UserSchedule = { ...user.schedule, windows: windows.filter((w) => w.id !== cmd.windowId) };
  settleSchedule(tx, userWith(user, { schedule }), user.schedule);
  return undefined;
}

/** S9.1: a window began or ended (the engine's timer). */
export function scheduleDue(tx: Tx, cmd: Extract<Command, { type: 'timer.schedule' }>): undefined {
  const user = userIn(tx, cmd.userId);
  if (user !== undefined) settleSchedule(tx, user, user.schedule, true);
  return undefined;
}

/**
 * Applies the schedule to the user at `tx.now`, puts the user and asks for the next timer; a
 * schedule.changed event when the windows queued differ from `before`. A change the timer brings
 * names the window as its cause; one a command brings keeps the actor's.
 */
export function settleSchedule(tx: Tx, user: UserState, before: UserSchedule | undefined, fromTimer = false): void {
  const out = scheduleAt(user, tx.now, tx.policy);
  const next = userWith(user, { schedule: out.schedule });
  if (out.manual !== undefined) next.manual = out.manual.value;
  if (out.manual !== undefined && fromTimer && out.window !== undefined) tx.cause = scheduleCause(out.window);
  if (out.schedule !== user.schedule || out.manual !== undefined || !fromTimer) putUser(tx, next);
  if (!sameWindows(before, out.schedule)) {
    const old = summaryOf(before);
    const value = summaryOf(out.schedule);
    addEvent(tx, { type: 'schedule.changed', subject: user.id, at: tx.now, cause: tx.cause, value, old });
  }
  const at = nextScheduleAt(out.schedule, tx.now);
  const key = scheduleTimerKey(user.id);
  addTimer(
    tx,
    at === undefined ? { key, cancel: true } : { key, at, command: { type: 'timer.schedule', userId: user.id } },
  );
}
