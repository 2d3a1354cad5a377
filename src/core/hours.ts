// S11.2: office hours and night mode. Whether a tenant, group or queue is open at `now`, as an
// ordered table (the first closing row that matches wins), read in the tenant's IANA time zone.
// Local time comes from wall-clock.ts: pure (no I/O, no clock), `now` is passed in.
// Intervals are wall-clock times: open while the local clock reads within [from, to). A skipped
// hour (spring forward) is never read, so an interval loses its part within it; a repeated hour
// (fall back) is read twice, so an interval's part within it is open twice (docs/rules.md S11.2).
import type { CallRequest } from './commands.js';
import type { ActionDecision, Owner } from './decisions.js';
import type { Resolved } from './targets.js';
import { WEEKDAYS } from './types.js';
import { isTimeZone, wallClock } from './wall-clock.js';
import type { AnsweringAction, Holiday, Instant, OfficeHours, TenantState, Weekday } from './types.js';

/** The tenant's local time at an instant. */
export interface LocalTime {
  /** YYYY-MM-DD */
  readonly date: string;
  readonly day: Weekday;
  /** Minutes since local midnight, 0…1439. */
  readonly minute: number;
  /** "Fri 2026-12-25 19:00", for explanations. */
  readonly text: string;
}

const SHORT_DAYS: Readonly<Record<string, Weekday>> = {
  Mon: 'mon',
  Tue: 'tue',
  Wed: 'wed',
  Thu: 'thu',
  Fri: 'fri',
  Sat: 'sat',
  Sun: 'sun',
};

/** The local date, weekday and minute of `now` in `timeZone` (UTC when the zone is unknown). */
export function localTime(now: Instant, timeZone: string): LocalTime {
  const w = wallClock(now, isTimeZone(timeZone) ? timeZone : 'UTC');
  const two = (n: number) => String(n).padStart(2, '0');
  const date = `${String(w.year).padStart(4, '0')}-${two(w.month)}-${two(w.day)}`;
  const day = SHORT_DAYS[w.weekday] ?? 'mon';
  return { date, day, minute: w.hour * 60 + w.minute, text: `${w.weekday} ${date} ${two(w.hour)}:${two(w.minute)}` };
}

/** "HH:MM" (or "24:00") as minutes since midnight. */
export const minuteOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** What the S11.2 table reads about one target at one moment. */
export interface HoursFacts {
  readonly tenant: OfficeHours | undefined;
  /** The group's or queue's own hours; undefined for a user (a direct call uses the tenant's). */
  readonly own: OfficeHours | undefined;
  /** "group Sales", "queue Support", "the company". */
  readonly name: string;
  readonly timeZone: string;
  readonly local: LocalTime;
}

export interface HoursRule {
  readonly rule: string;
  readonly when: (f: HoursFacts) => boolean;
  readonly text: (f: HoursFacts) => string;
}

/** Holidays add up: the tenant's and the target's own. */
function holidayOf(f: HoursFacts): Holiday | undefined {
  const d = f.local.date;
  return f.own?.holidays.find((h) => h.date === d) ?? f.tenant?.holidays.find((h) => h.date === d);
}

/** The weekly intervals in force: the target's own when it has any, else the tenant's. */
export function weeklyOf(f: Pick<HoursFacts, 'tenant' | 'own'>): OfficeHours['weekly'] {
  return (f.own?.weekly.length ?? 0) > 0 ? f.own!.weekly : (f.tenant?.weekly ?? []);
}

function withinWeekly(f: HoursFacts): boolean {
  const weekly = weeklyOf(f);
  if (weekly.length === 0) return true;
  const m = f.local.minute;
  return weekly.some((i) => i.day === f.local.day && minuteOf(i.from) <= m && m < minuteOf(i.to));
}

const at = (f: HoursFacts): string => `${f.local.text}, ${f.timeZone}`;

/** S11.2, first matching row closes the target; none matching: open. */
export const HOURS_RULES: readonly HoursRule[] = [
  {
    rule: 'S11.2#1',
    when: (f) => f.tenant?.nightMode === true,
    text: () => 'closed: night mode (switched on for the company)',
  },
  {
    rule: 'S11.2#2',
    when: (f) => f.own?.nightMode === true,
    text: (f) => `closed: night mode (switched on for ${f.name})`,
  },
  {
    rule: 'S11.2#3',
    when: (f) => holidayOf(f) !== undefined,
    text: (f) => {
      const h = holidayOf(f)!;
      return `closed: holiday ${h.name ?? h.date} (${at(f)})`;
    },
  },
  {
    rule: 'S11.2#4',
    when: (f) => !withinWeekly(f),
    text: (f) => `closed: outside hours (${at(f)})`,
  },
];

export type HoursVerdict =
  | { readonly open: true; readonly local: LocalTime }
  | { readonly open: false; readonly local: LocalTime; readonly rule: string; readonly text: string };

const hasHours = (h: OfficeHours | undefined): boolean =>
  h !== undefined && (h.nightMode === true || h.weekly.length > 0 || h.holidays.length > 0);

function ownHours(state: TenantState, owner: Owner): OfficeHours | undefined {
  if (owner.kind === 'group') return state.groups.get(owner.id)?.hours;
  if (owner.kind === 'queue') return state.queues.get(owner.id)?.config.hours;
  return undefined;
}

function nameOf(state: TenantState, owner: Owner | undefined): string {
  if (owner === undefined || owner.kind === 'user') return 'the company';
  if (owner.kind === 'group') return `group ${state.groups.get(owner.id)?.name ?? owner.id}`;
  return `queue ${state.queues.get(owner.id)?.config.name ?? owner.id}`;
}

/** S11.2: open or closed at `now`; `owner` undefined (or a user): the company's own hours. */
export function hoursVerdict(state: TenantState, owner: Owner | undefined, now: Instant): HoursVerdict {
  const timeZone = state.policy.timezone;
  const local = localTime(now, timeZone);
  const facts: HoursFacts = {
    tenant: state.policy.hours,
    own: owner === undefined ? undefined : ownHours(state, owner),
    name: nameOf(state, owner),
    timeZone,
    local,
  };
  for (const row of HOURS_RULES)
    if (row.when(facts)) return { open: false, local, rule: row.rule, text: row.text(facts) };
  return { open: true, local };
}

/**
 * S11.2: the action of a closed target: its own, else the tenant's, else the default (a user's
 * voicemail, or reject when it is off; a group's or queue's closed message).
 */
export function closedAction(state: TenantState, owner: Owner): ActionDecision {
  const set = ownHours(state, owner)?.closedAction ?? state.policy.hours?.closedAction;
  if (set !== undefined) return { condition: 'closed', owner, action: set, defaulted: false };
  const user = owner.kind === 'user' ? state.users.get(owner.id) : undefined;
  const action: AnsweringAction =
    owner.kind !== 'user' ? { type: 'message' } : user?.settings.voicemail ? { type: 'voicemail' } : { type: 'reject' };
  return { condition: 'closed', owner, action, defaulted: true };
}

const fromOutside = (call: CallRequest): boolean => call.from === undefined || 'external' in call.from;

/**
 * S11.2 at the first target of a call: a group or queue is checked for every caller; a user only
 * for a caller from outside (colleagues reach each other after hours). A call diverted once
 * (by a closed action or otherwise) is not checked again, so the closed action's destination
 * takes the call.
 */
export function closedNow(
  state: TenantState,
  call: CallRequest,
  target: Resolved,
  now: Instant,
): { readonly rule: string; readonly text: string; readonly action: ActionDecision } | undefined {
  if (call.divertedBy !== undefined || target.kind === 'external') return undefined;
  if (target.kind === 'user' && !fromOutside(call)) return undefined;
  const owner: Owner =
    target.kind === 'user'
      ? { kind: 'user', id: target.user.id }
      : target.kind === 'group'
        ? { kind: 'group', id: target.group.id }
        : { kind: 'queue', id: target.queue.config.id };
  if (!hasHours(state.policy.hours) && !hasHours(ownHours(state, owner))) return undefined;
  const v = hoursVerdict(state, owner, now);
  if (v.open) return undefined;
  return { rule: v.rule, text: v.text, action: closedAction(state, owner) };
}

export { WEEKDAYS };
