// S11.3 test support: iCalendar files built in code, and a node http server on 127.0.0.1 that
// serves whatever the test puts in it (a file, an HTTP error, an HTML page).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const BERLIN = `BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE`;

const NEW_YORK = `BEGIN:VTIMEZONE
TZID:America/New_York
BEGIN:DAYLIGHT
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
TZNAME:EDT
DTSTART:19700308T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
TZNAME:EST
DTSTART:19701101T020000
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
END:STANDARD
END:VTIMEZONE`;

export interface Feed {
  /** Extra EXDATEs of the weekly meeting (Berlin local, e.g. 20261111T110000). */
  readonly exdates?: readonly string[];
  /** The New York call's local start hour (9 unless moved). */
  readonly newYorkHour?: number;
}

/**
 * Carol's calendar (the week of Monday 2026-11-02; Berlin is UTC+1, New York UTC−5 then):
 * - "Team sync", Mon and Wed 11:00–11:30 Berlin, weekly from 2026-10-26: the Wednesday
 *   2026-11-04 moved to 15:00 (RECURRENCE-ID), Monday 2026-11-09 cancelled (EXDATE);
 * - "Call with New York", Thu 2026-11-05 09:00–10:00 New York;
 * - "Focus time", Tue 2026-11-03 12:00–13:00 UTC, transparent (free);
 * - "Company holiday", all day Fri 2026-11-06.
 */
export function carolsCalendar(feed: Feed = {}): string {
  const ex = ['20261109T110000', ...(feed.exdates ?? [])].map((d) => `EXDATE;TZID=Europe/Berlin:${d}`);
  const ny = String(feed.newYorkHour ?? 9).padStart(2, '0');
  const nyEnd = String((feed.newYorkHour ?? 9) + 1).padStart(2, '0');
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Switchboard tests//EN',
    BERLIN,
    NEW_YORK,
    'BEGIN:VEVENT',
    'UID:team-sync@test',
    'DTSTAMP:20261020T000000Z',
    'SUMMARY:Team sync',
    'DTSTART;TZID=Europe/Berlin:20261026T110000',
    'DTEND;TZID=Europe/Berlin:20261026T113000',
    'RRULE:FREQ=WEEKLY;BYDAY=MO,WE',
    ...ex,
    'END:VEVENT',
    'BEGIN:VEVENT',
    'UID:team-sync@test',
    'DTSTAMP:20261020T000000Z',
    'RECURRENCE-ID;TZID=Europe/Berlin:20261104T110000',
    'SUMMARY:Team sync (moved)',
    'DTSTART;TZID=Europe/Berlin:20261104T150000',
    'DTEND;TZID=Europe/Berlin:20261104T153000',
    'END:VEVENT',
    'BEGIN:VEVENT',
    'UID:new-york@test',
    'DTSTAMP:20261020T000000Z',
    'SUMMARY:Call with New York',
    `DTSTART;TZID=America/New_York:20261105T${ny}0000`,
    `DTEND;TZID=America/New_York:20261105T${nyEnd}0000`,
    'END:VEVENT',
    'BEGIN:VEVENT',
    'UID:focus@test',
    'DTSTAMP:20261020T000000Z',
    'SUMMARY:Focus time',
    'DTSTART:20261103T120000Z',
    'DTEND:20261103T130000Z',
    'TRANSP:TRANSPARENT',
    'END:VEVENT',
    'BEGIN:VEVENT',
    'UID:holiday@test',
    'DTSTAMP:20261020T000000Z',
    'SUMMARY:Company holiday',
    'DTSTART;VALUE=DATE:20261106',
    'DTEND;VALUE=DATE:20261107',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

/** `count` one-hour events an hour apart from `startMs` (UTC). */
export function manyEvents(count: number, startMs: number): string {
  const stamp = (ms: number) =>
    new Date(ms)
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
  const events = Array.from({ length: count }, (_, i) =>
    [
      'BEGIN:VEVENT',
      `UID:many-${i}@test`,
      'DTSTAMP:20261020T000000Z',
      `SUMMARY:Meeting ${i}`,
      `DTSTART:${stamp(startMs + i * 2 * 3_600_000)}`,
      `DTEND:${stamp(startMs + i * 2 * 3_600_000 + 3_600_000)}`,
      'END:VEVENT',
    ].join('\r\n'),
  );
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//t//EN', ...events, 'END:VCALENDAR', ''].join('\r\n');
}

export interface Served {
  readonly status: number;
  readonly body: string;
  readonly type?: string;
}

/** An http server on 127.0.0.1 answering every path with what `serve` holds now. */
export async function icsServer(): Promise<{
  url: string;
  serve: (s: Served) => void;
  hits: () => number;
  close: () => Promise<void>;
}> {
  let now: Served = { status: 404, body: 'nothing yet' };
  let hits = 0;
  const server = createServer((_req, res) => {
    hits += 1;
    res.writeHead(now.status, { 'content-type': now.type ?? 'text/calendar; charset=utf-8' });
    res.end(now.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    serve: (s) => (now = s),
    hits: () => hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
