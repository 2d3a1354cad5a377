// S6.5: the pure day-splitting behind the daily report, including the days the clocks change.
import { describe, expect, test } from 'vitest';
import { localDate, nextLocalMidnight, timeInStatusPerDay } from '../../src/http/report.js';

const H = 3600_000;
const at = (iso: string): number => Date.parse(iso);

describe('S6.5 time in each status per local day', () => {
  test('S6.5 a day in UTC splits at midnight UTC', () => {
    const days = timeInStatusPerDay(
      'online',
      [{ at: at('2026-11-02T20:00:00Z'), status: 'dnd' }],
      at('2026-11-02T18:00:00Z'),
      at('2026-11-03T02:00:00Z'),
      'UTC',
    );
    expect(days).toEqual([
      { date: '2026-11-02', statusMs: { online: 2 * H, dnd: 4 * H } },
      { date: '2026-11-03', statusMs: { dnd: 2 * H } },
    ]);
  });

  test('S6.5 the spring change in Europe/Berlin makes 29 March 2026 a 23-hour day', () => {
    // 00:00 CET = 23:00 UTC the day before; 00:00 CEST on 30 March = 22:00 UTC.
    const from = at('2026-03-28T23:00:00Z');
    const to = at('2026-03-29T22:00:00Z');
    expect(nextLocalMidnight(from, 'Europe/Berlin')).toBe(to);
    const days = timeInStatusPerDay(
      'online',
      [{ at: at('2026-03-29T10:00:00Z'), status: 'away' }],
      from,
      to,
      'Europe/Berlin',
    );
    expect(days).toEqual([{ date: '2026-03-29', statusMs: { online: 11 * H, away: 12 * H } }]);
  });

  test('S6.5 the autumn change in Europe/Berlin makes 25 October 2026 a 25-hour day', () => {
    const from = at('2026-10-24T22:00:00Z');
    const to = at('2026-10-25T23:00:00Z');
    const days = timeInStatusPerDay('busy', [], from, to, 'Europe/Berlin');
    expect(days).toEqual([{ date: '2026-10-25', statusMs: { busy: 25 * H } }]);
  });

  test('S6.5 a window across the spring change lists each Berlin day with its own length', () => {
    const days = timeInStatusPerDay(
      'online',
      [],
      at('2026-03-28T12:00:00Z'),
      at('2026-03-30T12:00:00Z'),
      'Europe/Berlin',
    );
    expect(days.map((d) => [d.date, d.statusMs.online])).toEqual([
      ['2026-03-28', 11 * H], // 13:00 CET to midnight
      ['2026-03-29', 23 * H],
      ['2026-03-30', 14 * H], // midnight to 14:00 CEST
    ]);
  });

  test('S6.5 time before the first known status is listed under the day but counted nowhere', () => {
    const days = timeInStatusPerDay(
      undefined,
      [{ at: at('2026-11-02T10:00:00Z'), status: 'offline' }],
      at('2026-11-02T09:00:00Z'),
      at('2026-11-02T12:00:00Z'),
      'UTC',
    );
    expect(days).toEqual([{ date: '2026-11-02', statusMs: { offline: 2 * H } }]);
  });

  test('S6.5 changes before the window set the starting status; changes after it are ignored', () => {
    const changes = [
      { at: at('2026-11-02T08:00:00Z'), status: 'away' },
      { at: at('2026-11-02T13:00:00Z'), status: 'dnd' },
    ];
    expect(
      timeInStatusPerDay('online', changes, at('2026-11-02T09:00:00Z'), at('2026-11-02T12:00:00Z'), 'UTC'),
    ).toEqual([{ date: '2026-11-02', statusMs: { away: 3 * H } }]);
  });

  test('S6.5 local dates follow the time zone, not UTC', () => {
    expect(localDate(at('2026-11-02T23:30:00Z'), 'Europe/Berlin')).toBe('2026-11-03');
    expect(localDate(at('2026-11-02T23:30:00Z'), 'America/New_York')).toBe('2026-11-02');
    expect(nextLocalMidnight(at('2026-11-02T12:00:00Z'), 'Asia/Kolkata')).toBe(at('2026-11-02T18:30:00Z'));
  });

  test('S6.5 a day that starts without a midnight (clocks jump at 00:00) starts at its first instant', () => {
    // America/Havana: on 8 March 2026 clocks go from 00:00 to 01:00 CDT (UTC-5 → UTC-4).
    const before = at('2026-03-07T12:00:00Z');
    const start = nextLocalMidnight(before, 'America/Havana');
    expect(localDate(start, 'America/Havana')).toBe('2026-03-08');
    expect(localDate(start - 1, 'America/Havana')).toBe('2026-03-07');
    expect(start).toBe(at('2026-03-08T05:00:00Z'));
  });
});
