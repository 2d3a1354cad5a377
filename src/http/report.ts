// S6.5: time in each status per day in the tenant's time zone. Pure functions over the history
// rows; local days come from the zone's wall clock (core/wall-clock.ts), so a day is 23 or 25
// hours long on the days the clocks change.
import { wallClock as wall } from '../core/index.js';

export interface StatusChange {
  readonly at: number;
  readonly status: string;
}

export interface DayTotals {
  /** The local date, YYYY-MM-DD. */
  readonly date: string;
  /** Milliseconds spent in each status that day, within the window. */
  readonly statusMs: Record<string, number>;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** The local date of an instant, YYYY-MM-DD. */
export function localDate(at: number, timeZone: string): string {
  const w = wall(at, timeZone);
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`;
}

/** How far local wall-clock time is ahead of UTC at an instant, in ms. */
function offsetMs(at: number, timeZone: string): number {
  const w = wall(at, timeZone);
  const whole = at - (((at % 1000) + 1000) % 1000);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - whole;
}

/** The first instant after `at` that falls on the next local date. */
export function nextLocalMidnight(at: number, timeZone: string): number {
  const today = localDate(at, timeZone);
  const w = wall(at, timeZone);
  const midnight = Date.UTC(w.year, w.month - 1, w.day + 1);
  // Local midnight is wall time minus the offset in force then; two rounds settle a change of offset.
  let guess = midnight - offsetMs(at, timeZone);
  for (let i = 0; i < 2; i++) guess = midnight - offsetMs(guess, timeZone);
  if (guess > at && localDate(guess, timeZone) !== today && localDate(guess - 1, timeZone) === today) return guess;
  // Midnight does not exist that day (a clock change at midnight): search for the day's first instant.
  let lo = at;
  let hi = at + 50 * 3600_000;
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (localDate(mid, timeZone) === today) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * Time in each status per local day over [from, to). `initial` is the status in force at `from`
 * (undefined: none yet, e.g. the user did not exist); `changes` are the changes after it, in order.
 * Every local day the window touches is listed, in order.
 */
export function timeInStatusPerDay(
  initial: string | undefined,
  changes: readonly StatusChange[],
  from: number,
  to: number,
  timeZone: string,
): DayTotals[] {
  const days: DayTotals[] = [];
  const add = (status: string | undefined, start: number, end: number): void => {
    for (let a = start; a < end;) {
      const date = localDate(a, timeZone);
      const b = Math.min(end, nextLocalMidnight(a, timeZone));
      let day = days[days.length - 1];
      if (day === undefined || day.date !== date) {
        day = { date, statusMs: {} };
        days.push(day);
      }
      if (status !== undefined) day.statusMs[status] = (day.statusMs[status] ?? 0) + (b - a);
      a = b;
    }
  };
  let cursor = from;
  let status = initial;
  for (const c of changes) {
    if (c.at < from) {
      status = c.status;
      continue;
    }
    if (c.at >= to) break;
    add(status, cursor, c.at);
    cursor = c.at;
    status = c.status;
  }
  add(status, cursor, to);
  return days;
}

/** One agent state change in a queue (S6.5 history, kind `agent`). */
export interface AgentChange {
  readonly at: number;
  readonly state: string;
  readonly reason?: string | null;
}

/** What counts as not_ready time: the reason code, `''` for none; other states are not counted. */
const OTHER = '\u0000';
const reasonKey = (c: Pick<AgentChange, 'state' | 'reason'>): string =>
  c.state === 'not_ready' ? (c.reason ?? '') : OTHER;

/**
 * S9.2: milliseconds in not_ready per reason code per local day over [from, to) for one agent in
 * one queue (`''` is not_ready without a reason). Same day splitting as timeInStatusPerDay.
 */
export function timeInReasonPerDay(
  initial: Pick<AgentChange, 'state' | 'reason'> | undefined,
  changes: readonly AgentChange[],
  from: number,
  to: number,
  timeZone: string,
): DayTotals[] {
  const days = timeInStatusPerDay(
    initial === undefined ? undefined : reasonKey(initial),
    changes.map((c) => ({ at: c.at, status: reasonKey(c) })),
    from,
    to,
    timeZone,
  );
  for (const d of days) delete d.statusMs[OTHER];
  return days;
}

/** Adds per-day totals into `into` (several agents of one queue). */
export function addDays(into: Map<string, Record<string, number>>, days: readonly DayTotals[]): void {
  for (const d of days) {
    const sum = into.get(d.date) ?? {};
    for (const [k, ms] of Object.entries(d.statusMs)) sum[k] = (sum[k] ?? 0) + ms;
    into.set(d.date, sum);
  }
}
