// S11.2: the checks on opening hours as they come in (tenant policy, group, queue), with their
// limits. A refusal names the field and why (SWB_ERR_HOURS_INVALID) and changes nothing.
import { refuse } from './errors.js';
import { minuteOf } from './hours.js';
import { WEEKDAYS } from './types.js';
import type { OfficeHours, Refusal } from './types.js';

export const HOURS_LIMITS = {
  /** Opening intervals on one weekday. */
  intervalsPerDay: 14,
  holidays: 366,
  holidayNameChars: 60,
} as const;

/** The actions a closed target may take (S11.2): voicemail, a message, or a redirect. */
export const CLOSED_ACTIONS = ['voicemail', 'message', 'redirect', 'external'] as const;

const TIME = /^(?:[01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$/;
const DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;

const bad = (field: string, why: string): Refusal =>
  refuse('SWB_ERR_HOURS_INVALID', { field, why }, `${field}: ${why}`);

/** A real calendar date (no 2026-02-30). */
function isDate(s: string): boolean {
  const m = DATE.exec(s);
  if (m === null) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1]!;
  return d <= days;
}

function validateWeekly(weekly: OfficeHours['weekly'], field: string): Refusal | undefined {
  if (!Array.isArray(weekly)) return bad(`${field}.weekly`, 'a list of { day, from, to }');
  for (const [i, w] of weekly.entries()) {
    const f = `${field}.weekly[${i}]`;
    if (!WEEKDAYS.includes(w.day)) return bad(`${f}.day`, `one of ${WEEKDAYS.join(', ')}`);
    if (!TIME.test(w.from) || w.from === '24:00') return bad(`${f}.from`, 'a time HH:MM, 00:00 to 23:59');
    if (!TIME.test(w.to)) return bad(`${f}.to`, 'a time HH:MM, 00:01 to 24:00');
    if (minuteOf(w.from) >= minuteOf(w.to))
      return bad(f, 'it must open before it closes (an interval past midnight is two: one each day)');
  }
  for (const day of WEEKDAYS) {
    const list = weekly.filter((w) => w.day === day).sort((a, b) => minuteOf(a.from) - minuteOf(b.from));
    if (list.length > HOURS_LIMITS.intervalsPerDay)
      return bad(`${field}.weekly`, `at most ${HOURS_LIMITS.intervalsPerDay} intervals on ${day}`);
    for (let i = 1; i < list.length; i++) {
      if (minuteOf(list[i]!.from) < minuteOf(list[i - 1]!.to))
        return bad(`${field}.weekly`, `intervals on ${day} overlap (${list[i - 1]!.from}–${list[i - 1]!.to})`);
    }
  }
  return undefined;
}

function validateHolidays(holidays: OfficeHours['holidays'], field: string): Refusal | undefined {
  if (!Array.isArray(holidays)) return bad(`${field}.holidays`, 'a list of { date, name? }');
  if (holidays.length > HOURS_LIMITS.holidays) return bad(`${field}.holidays`, `at most ${HOURS_LIMITS.holidays}`);
  const seen = new Set<string>();
  for (const [i, h] of holidays.entries()) {
    const f = `${field}.holidays[${i}]`;
    if (typeof h.date !== 'string' || !isDate(h.date)) return bad(`${f}.date`, 'a calendar date YYYY-MM-DD');
    if (seen.has(h.date)) return bad(`${f}.date`, `${h.date} is listed twice`);
    seen.add(h.date);
    if (
      h.name !== undefined &&
      (typeof h.name !== 'string' || h.name.trim() === '' || h.name.length > HOURS_LIMITS.holidayNameChars)
    )
      return bad(`${f}.name`, `1 to ${HOURS_LIMITS.holidayNameChars} characters`);
  }
  return undefined;
}

/** S11.2: refuses hours outside the limits or not making sense; `field` names where they were given. */
export function validateHours(h: OfficeHours | undefined, field = 'hours'): Refusal | undefined {
  if (h === undefined) return undefined;
  if (typeof h !== 'object' || h === null) return bad(field, 'an object { weekly, holidays }');
  const a = h.closedAction;
  if (a !== undefined && !(CLOSED_ACTIONS as readonly string[]).includes(a.type))
    return bad(`${field}.closedAction`, `one of ${CLOSED_ACTIONS.join(', ')}`);
  if (h.nightMode !== undefined && typeof h.nightMode !== 'boolean') return bad(`${field}.nightMode`, 'true or false');
  return validateWeekly(h.weekly, field) ?? validateHolidays(h.holidays, field);
}
