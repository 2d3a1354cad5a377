// S11.3: the busy events of an iCalendar text within a horizon, as plain windows for the core's
// `calendar.sync`. ical.js parses, expands recurring events (RRULE, RDATE, EXDATE, RECURRENCE-ID
// exceptions) and converts local times through the feed's own VTIMEZONE definitions.
import { createHash } from 'node:crypto';
import ICAL from 'ical.js';
import type { CalendarWindowInput } from '../core/index.js';

const DAY = 24 * 3_600_000;

/** What a feed may hold and how far ahead it is read. */
export const FEED_LIMITS = {
  maxBytes: 1_000_000,
  maxEvents: 2000,
  horizonMs: 14 * DAY,
  /** Occurrences handed to the core at most (it keeps the first 100 by start). */
  maxOccurrences: 500,
  /** Recurrence steps taken over the whole feed: a rule firing every second cannot hold the server. */
  maxSteps: 20_000,
} as const;

/** A feed that cannot be used, with a reason fit to show its user (never the URL). */
export class FeedError extends Error {}

type Component = InstanceType<typeof ICAL.Component>;
type Event = InstanceType<typeof ICAL.Event>;
type Time = InstanceType<typeof ICAL.Time>;

/** An event that does not make its user busy: transparent, free or cancelled. */
function isFree(c: Component): boolean {
  const transp = String(c.getFirstPropertyValue('transp') ?? '').toUpperCase();
  const busy = String(c.getFirstPropertyValue('x-microsoft-cdo-busystatus') ?? '').toUpperCase();
  const status = String(c.getFirstPropertyValue('status') ?? '').toUpperCase();
  return transp === 'TRANSPARENT' || busy === 'FREE' || status === 'CANCELLED';
}

const ms = (t: Time): number => t.toUnixTime() * 1000;

function idOf(uid: string, from: number, until: number): string {
  const hash = createHash('sha256').update(`${uid}\n${from}\n${until}`).digest('base64url');
  return `cal-${hash.slice(0, 24)}`;
}

function vcalendarOf(text: string): Component {
  if (!/^\s*BEGIN:VCALENDAR/i.test(text)) throw new FeedError('the address does not give an iCalendar file');
  let root: Component;
  try {
    root = new ICAL.Component(ICAL.parse(text) as unknown[]);
  } catch {
    throw new FeedError('the iCalendar file could not be read');
  }
  if (root.name !== 'vcalendar') throw new FeedError('the address does not give an iCalendar file');
  return root;
}

/** The events of a calendar grouped by UID: each master with its RECURRENCE-ID exceptions. */
function eventsOf(root: Component): Event[] {
  const comps = root.getAllSubcomponents('vevent');
  if (comps.length > FEED_LIMITS.maxEvents)
    throw new FeedError(`the calendar has more than ${FEED_LIMITS.maxEvents} events`);
  const byUid = new Map<string, { master?: Component; exceptions: Component[] }>();
  for (const c of comps) {
    const uid = String(c.getFirstPropertyValue('uid') ?? `no-uid-${byUid.size}`);
    const entry = byUid.get(uid) ?? { exceptions: [] };
    if (c.hasProperty('recurrence-id')) entry.exceptions.push(c);
    else entry.master = c;
    byUid.set(uid, entry);
  }
  const events: Event[] = [];
  for (const { master, exceptions } of byUid.values()) {
    if (master === undefined) events.push(...exceptions.map((x) => new ICAL.Event(x)));
    else events.push(new ICAL.Event(master, { exceptions }));
  }
  return events;
}

interface Budget {
  steps: number;
}

/** The busy occurrences of one event that overlap [now, end). */
function occurrences(event: Event, now: number, end: number, budget: Budget): CalendarWindowInput[] {
  const out: CalendarWindowInput[] = [];
  const push = (item: Event, start: Time, stop: Time): void => {
    if (start.isDate || isFree(item.component)) return; // S11.3: all-day and free events set no status
    const from = ms(start);
    const until = ms(stop);
    if (until <= now || from >= end || until <= from) return;
    const title = item.summary === null || item.summary === undefined ? undefined : String(item.summary);
    out.push({ id: idOf(item.uid ?? '', from, until), from, until, ...(title ? { title } : {}) });
  };
  if (!event.isRecurring()) {
    push(event, event.startDate, event.endDate);
    return out;
  }
  const it = event.iterator();
  for (let next = it.next(); next !== undefined && next !== null; next = it.next()) {
    if (--budget.steps < 0) break;
    if (ms(next) >= end) break;
    const details = event.getOccurrenceDetails(next);
    push(details.item, details.startDate, details.endDate);
  }
  return out;
}

/**
 * The busy windows of an iCalendar text that overlap [now, now + horizon), ordered by start.
 * Throws a FeedError when the text is not iCalendar or is over the limits.
 */
export function busyWindows(
  text: string,
  now: number,
  horizonMs: number = FEED_LIMITS.horizonMs,
): CalendarWindowInput[] {
  const root = vcalendarOf(text);
  const zones = root.getAllSubcomponents('vtimezone');
  const registered: string[] = [];
  try {
    // ical.js looks TZIDs up in its registry: the feed's own definitions, for the time of this read.
    for (const z of zones) {
      const tzid = String(z.getFirstPropertyValue('tzid') ?? '');
      if (tzid === '' || ICAL.TimezoneService.has(tzid)) continue;
      ICAL.TimezoneService.register(z);
      registered.push(tzid);
    }
    const budget: Budget = { steps: FEED_LIMITS.maxSteps };
    const all = eventsOf(root).flatMap((e) => occurrences(e, now, now + horizonMs, budget));
    return all.sort((a, b) => a.from - b.from).slice(0, FEED_LIMITS.maxOccurrences);
  } catch (err) {
    if (err instanceof FeedError) throw err;
    throw new FeedError('the iCalendar file could not be read');
  } finally {
    for (const tzid of registered) ICAL.TimezoneService.remove(tzid);
  }
}
