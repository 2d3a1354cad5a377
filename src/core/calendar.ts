// S11.3 Calendar: how the busy events a user's calendar feed gave become S9.1 windows owned by the
// calendar. Pure: the fetch and the parsing are outside the core (src/calendar); this decides which
// windows are kept, what others see of them, and the limits.
import { refuse } from './errors.js';
import { SCHEDULE_LIMITS } from './schedule.js';
import type { Actor, CalendarLink, Cause, Instant, Refusal, ScheduledWindow, UserId } from './types.js';

/** S11.3: only the user themself links, reads, refreshes or unlinks their calendar (its URL is their secret). */
export const mayUseCalendar = (by: Actor, userId: UserId): boolean => by.kind === 'user' && by.userId === userId;

/** S11.3 limits: windows the calendar may queue, the URL's length, a stored error's length. */
export const CALENDAR_LIMITS = {
  maxWindows: 100,
  maxUrl: 2000,
  maxError: 200,
  maxTitle: 100,
  /** Windows the fetcher may hand over at once (more are cut, by start). */
  maxInput: 500,
} as const;

/** What others see of an event whose title is not shared. */
export const CALENDAR_PRIVATE_TEXT = 'In a meeting';

/** A busy event's occurrence as the fetcher found it: an id stable across fetches while it is unchanged. */
export interface CalendarWindowInput {
  readonly id: string;
  readonly from: Instant;
  readonly until: Instant;
  readonly title?: string;
}

/** The rows of the calendar's sync, in the order `calendarWindows` applies them (docs/rules.md, S11.3). */
export const CALENDAR_RULES = [
  { rule: 'S11.3#1', then: 'an event that has ended (or is malformed) is left out' },
  {
    rule: 'S11.3#2',
    then: 'an event the last good fetch gave whose window is gone from the schedule (ended, overridden, cancelled) is not put back',
  },
  { rule: 'S11.3#3', then: 'an event already in the schedule keeps its window (a meeting in progress goes on)' },
  { rule: 'S11.3#4', then: 'a new event that has begun starts now; one longer than 31 days is cut to 31 days' },
  { rule: 'S11.3#5', then: 'past 100 windows, the later events wait for a later fetch' },
] as const;

const URL_SHAPE = /^https?:\/\/[^\s/?#]+\S*$/i;

/** S11.3: a calendar link is an http(s) URL of at most 2000 characters (where it points is the adapter's policy). */
export function checkCalendarUrl(url: string): Refusal | undefined {
  return url.length > CALENDAR_LIMITS.maxUrl || !URL_SHAPE.test(url)
    ? refuse('SWB_ERR_CALENDAR_URL_INVALID', { maxLength: CALENDAR_LIMITS.maxUrl })
    : undefined;
}

export const isCalendarWindow = (w: ScheduledWindow): boolean => w.source === 'calendar';

/** The status text of an event: its title when shared, else the private text. */
export function calendarText(title: string | undefined, share: boolean): string {
  return share && title !== undefined && title.trim() !== '' ? title : CALENDAR_PRIVATE_TEXT;
}

const cut = (title: string | undefined): string | undefined =>
  title === undefined ? undefined : title.slice(0, CALENDAR_LIMITS.maxTitle);

function windowOf(link: CalendarLink, input: CalendarWindowInput, now: Instant, cause: Cause): ScheduledWindow {
  const from = Math.max(input.from, now);
  const until = Math.min(input.until, from + SCHEDULE_LIMITS.maxWindowMs);
  const title = cut(input.title);
  const w: { -readonly [K in keyof ScheduledWindow]: ScheduledWindow[K] } = {
    id: input.id,
    status: link.status,
    text: calendarText(title, link.shareTitle),
    from,
    until,
    setBy: cause,
    setAt: now,
    source: 'calendar',
  };
  if (title !== undefined) w.title = title;
  return w;
}

const wellFormed = (i: CalendarWindowInput): boolean =>
  i.id.length > 0 &&
  i.id.length <= 64 &&
  Number.isFinite(i.from) &&
  Number.isFinite(i.until) &&
  i.until > i.from &&
  (i.title === undefined || typeof i.title === 'string');

/**
 * S11.3: the calendar's windows after a good fetch, by the rows of CALENDAR_RULES, and the ids the
 * fetch gave (for S11.3#2 next time). `current` is the schedule's windows now.
 */
export function calendarWindows(
  link: CalendarLink,
  current: readonly ScheduledWindow[],
  inputs: readonly CalendarWindowInput[],
  now: Instant,
  cause: Cause,
): { readonly windows: readonly ScheduledWindow[]; readonly known: readonly string[] } {
  const had = new Map(current.filter(isCalendarWindow).map((w) => [w.id, w]));
  const known = new Set(link.known ?? []);
  const live = inputs
    .filter((i) => wellFormed(i) && i.until > now) // S11.3#1
    .sort((a, b) => a.from - b.from || (a.id < b.id ? -1 : 1))
    .slice(0, CALENDAR_LIMITS.maxInput);
  const windows: ScheduledWindow[] = [];
  // The ids given to the schedule (or kept out of it by S11.3#2); an event past the limit is not
  // one of them, so it is added when a later fetch has room.
  const given = new Set<string>();
  for (const input of live) {
    if (given.has(input.id)) continue;
    const old = had.get(input.id);
    if (old === undefined && known.has(input.id)) {
      given.add(input.id); // S11.3#2
      continue;
    }
    if (windows.length >= CALENDAR_LIMITS.maxWindows) continue; // S11.3#5
    given.add(input.id);
    // S11.3#3: the same window (its id names the event's times), the title as the feed has it now.
    windows.push(old !== undefined ? refreshed(old, link, cut(input.title)) : windowOf(link, input, now, cause)); // S11.3#4
  }
  return { windows, known: [...given] };
}

/** A calendar window with the link's status and sharing (its status only while not begun). */
export function refreshed(w: ScheduledWindow, link: CalendarLink, title = w.title): ScheduledWindow {
  const next: { -readonly [K in keyof ScheduledWindow]: ScheduledWindow[K] } = {
    ...w,
    status: w.started === true ? w.status : link.status,
    text: calendarText(title, link.shareTitle),
  };
  if (title === undefined) delete next.title;
  else next.title = title;
  return next;
}
