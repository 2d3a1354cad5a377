// Command handlers for S11.3 Calendar: linking a feed, unlinking it, and the fetcher's report of a
// good fetch (the busy events as windows) or a failed one. The windows are S9.1's, owned by the
// calendar: a sync replaces those only, never the user's own.
import {
  CALENDAR_LIMITS,
  calendarWindows,
  checkCalendarUrl,
  isCalendarWindow,
  mayUseCalendar,
  refreshed,
} from './calendar.js';
import type { Command } from './commands.js';
import { settleSchedule } from './commands-schedule.js';
import { checkManualInput } from './commands-status.js';
import { refuse } from './errors.js';
import { putUser, userIn } from './tx.js';
import type { Tx } from './tx.js';
import { userWith } from './user.js';
import type { CalendarLink, Refusal, ScheduledWindow, UserSchedule, UserState } from './types.js';

type LinkCommand = Extract<Command, { type: 'calendar.link' }>;

function checkLink(tx: Tx, user: UserState, cmd: LinkCommand): Refusal | undefined {
  const badUrl = checkCalendarUrl(cmd.url);
  if (badUrl !== undefined) return badUrl;
  if (cmd.status !== 'dnd' && cmd.status !== 'away') return refuse('SWB_ERR_INVALID', { field: 'status' });
  return checkManualInput(tx.policy, user, { status: cmd.status });
}

/** The schedule with the calendar's windows replaced by `windows` (the user's own come after: a tie is theirs). */
function withCalendarWindows(schedule: UserSchedule | undefined, windows: readonly ScheduledWindow[]): UserSchedule {
  const own = (schedule?.windows ?? []).filter((w) => !isCalendarWindow(w));
  return { ...schedule, windows: [...windows, ...own] };
}

const calendarOf = (user: UserState): readonly ScheduledWindow[] =>
  (user.schedule?.windows ?? []).filter(isCalendarWindow);

/**
 * S11.3: link (or change) the user's calendar. A new URL drops the old feed's windows at once; a
 * new status or sharing applies to the calendar's windows not begun (and the texts of all).
 */
export function linkCalendar(tx: Tx, cmd: LinkCommand): Refusal | undefined {
  const user = userIn(tx, cmd.userId);
  if (user === undefined) return refuse('SWB_ERR_USER_NOT_FOUND', { user: cmd.userId });
  if (!mayUseCalendar(cmd.by, cmd.userId)) return refuse('SWB_ERR_FORBIDDEN');
  const refused = checkLink(tx, user, cmd);
  if (refused !== undefined) return refused;
  const status = cmd.status as CalendarLink['status'];
  const old = user.calendar;
  const sameFeed = old !== undefined && old.url === cmd.url;
  const link: CalendarLink = sameFeed
    ? { ...old, status, shareTitle: cmd.shareTitle }
    : { url: cmd.url, status, shareTitle: cmd.shareTitle, linkedAt: tx.now };
  const windows = sameFeed ? calendarOf(user).map((w) => refreshed(w, link)) : [];
  const schedule = withCalendarWindows(user.schedule, windows);
  settleSchedule(tx, userWith(user, { calendar: link, schedule }), user.schedule);
  return undefined;
}

/** S11.3: unlink the calendar; its windows go (one in force gives the status back, as its end would). */
export function unlinkCalendar(tx: Tx, cmd: Extract<Command, { type: 'calendar.unlink' }>): Refusal | undefined {
  const user = userIn(tx, cmd.userId);
  if (user === undefined) return refuse('SWB_ERR_USER_NOT_FOUND', { user: cmd.userId });
  if (!mayUseCalendar(cmd.by, cmd.userId)) return refuse('SWB_ERR_FORBIDDEN');
  if (user.calendar === undefined) return refuse('SWB_ERR_CALENDAR_NOT_LINKED');
  const schedule = withCalendarWindows(user.schedule, []);
  settleSchedule(tx, userWith(user, { calendar: undefined, schedule }), user.schedule);
  return undefined;
}

/**
 * S11.3: a good fetch of the feed at `url`: the calendar's windows replaced by the rows of
 * CALENDAR_RULES. A fetch of a URL no longer linked (changed or unlinked meanwhile) changes nothing.
 */
export function syncCalendar(tx: Tx, cmd: Extract<Command, { type: 'calendar.sync' }>): Refusal | undefined {
  const user = userIn(tx, cmd.userId);
  if (user === undefined) return refuse('SWB_ERR_USER_NOT_FOUND', { user: cmd.userId });
  const link = user.calendar;
  if (link === undefined || link.url !== cmd.url) return refuse('SWB_ERR_CALENDAR_NOT_LINKED');
  const out = calendarWindows(link, user.schedule?.windows ?? [], cmd.windows, tx.now, tx.cause);
  const next: CalendarLink = { ...link, lastSuccessAt: tx.now, known: out.known };
  delete (next as { lastError?: string }).lastError;
  delete (next as { lastErrorAt?: number }).lastErrorAt;
  const schedule = withCalendarWindows(user.schedule, out.windows);
  settleSchedule(tx, userWith(user, { calendar: next, schedule }), user.schedule);
  return undefined;
}

/** S11.3: a fetch that failed: the error is kept with its time; the schedule stays as the last good fetch left it. */
export function calendarFailed(tx: Tx, cmd: Extract<Command, { type: 'calendar.failed' }>): Refusal | undefined {
  const user = userIn(tx, cmd.userId);
  if (user === undefined) return refuse('SWB_ERR_USER_NOT_FOUND', { user: cmd.userId });
  const link = user.calendar;
  if (link === undefined || link.url !== cmd.url) return refuse('SWB_ERR_CALENDAR_NOT_LINKED');
  const lastError = cmd.error.slice(0, CALENDAR_LIMITS.maxError) || 'the feed could not be read';
  putUser(tx, userWith(user, { calendar: { ...link, lastError, lastErrorAt: tx.now } }));
  return undefined;
}
