// SPEC S11.2: office hours and night mode. Calls are routed through the engine on the manual
// clock (`call.route`, as the SIP proxy does); the daylight-saving tests route with the pure
// `route(state, call, now)` at instants of their own (the manual clock only moves forward).
import { describe, expect, test } from 'vitest';
import type { CallRequest, Decision, OfficeHours, UserInput } from '../../src/core/index.js';
import { hoursVerdict, route } from '../../src/core/index.js';
import { SEC, admin, self, tenant } from '../support/tenant.js';
import type { Harness } from '../support/tenant.js';

const YEAR = 400 * 24 * 3600 * SEC;
const OUTSIDE = { external: '+4930123456' } as const;
const toGroup = (id = 'g1'): CallRequest['to'] => ({ kind: 'group', id });

/** Monday to Friday 08:00–12:00 and 13:00–18:00, Christmas; closed calls go to u1005. */
const OFFICE: OfficeHours = {
  weekly: (['mon', 'tue', 'wed', 'thu', 'fri'] as const).flatMap((day) => [
    { day, from: '08:00', to: '12:00' },
    { day, from: '13:00', to: '18:00' },
  ]),
  holidays: [{ date: '2026-12-25', name: 'Christmas' }, { date: '2026-12-31' }],
  closedAction: { type: 'redirect', target: { kind: 'user', id: 'u1005' } },
};

const people: UserInput[] = [1001, 1002, 1003, 1004, 1005].map((n) => ({
  id: `u${n}`,
  extension: String(n),
  name: `User ${n}`,
  role: n === 1001 ? 'admin' : 'user',
}));

/** Berlin time (`null`: no hours at all), five users with an app each, group g1 (ext 200), queue q1 (ext 300). */
function office(hours: OfficeHours | null = OFFICE): Harness {
  const h = tenant({
    users: people,
    groups: [{ id: 'g1', name: 'Sales', extension: '200', members: ['u1001', 'u1002'] }],
    queues: [{ id: 'q1', name: 'Support', extension: '300', agents: ['u1003'] }],
  });
  h.ok({ type: 'tenant.policy', policy: { timezone: 'Europe/Berlin', ...(hours ? { hours } : {}) } });
  for (const u of people)
    h.ok({ type: 'registration.set', userId: u.id, id: `${u.id}-app`, kind: 'app', expiresAt: h.clock.now() + YEAR });
  return h;
}

/** Moves the manual clock to a UTC instant (Berlin is UTC+1 in winter). */
const at = (h: Harness, iso: string): void => h.clock.advanceTo(Date.parse(iso));
const decide = (h: Harness, call: CallRequest): Decision => h.ok({ type: 'call.route', call }).reply as Decision;
const rules = (d: Decision): string[] => d.explanation.map((e) => e.rule);
const text = (d: Decision, rule: string): string | undefined => d.explanation.find((e) => e.rule === rule)?.text;
const ringing = (d: Decision | undefined): string[] =>
  d?.outcome === 'ring' ? d.ring.map((e) => e.userId ?? e.number ?? '') : [];

describe('S11.2 office hours', () => {
  test('S11.2 a group rings within the hours; outside them and over lunch its closed action runs, naming the rule', () => {
    const h = office();
    at(h, '2026-11-02T09:00:00Z'); // Monday 10:00 in Berlin
    expect(ringing(decide(h, { to: toGroup() }))).toEqual(['u1001', 'u1002']);

    at(h, '2026-11-02T11:30:00Z'); // 12:30: between the two intervals
    const lunch = decide(h, { to: toGroup() });
    expect(lunch.outcome).toBe('action');
    expect(text(lunch, 'S11.2#4')).toBe('closed: outside hours (Mon 2026-11-02 12:30, Europe/Berlin)');

    at(h, '2026-11-02T18:00:00Z'); // 19:00
    const evening = decide(h, { from: { userId: 'u1003' }, to: toGroup() });
    expect(evening.outcome === 'action' && evening.action.condition).toBe('closed');
    expect(rules(evening).slice(0, 2)).toEqual(['S11.2#4', 'S3.2']);
    // The closed action redirects to u1005, whose phone rings: the destination is not checked again.
    expect(evening.outcome === 'action' && ringing(evening.next)).toEqual(['u1005']);
  });

  test('S11.2 a holiday closes the whole day and the decision names it', () => {
    const h = office();
    at(h, '2026-12-25T09:00:00Z'); // Friday 10:00, Christmas
    const d = decide(h, { from: OUTSIDE, to: { kind: 'extension', extension: '300' } });
    expect(d.outcome === 'action' && d.action).toMatchObject({
      condition: 'closed',
      owner: { kind: 'queue', id: 'q1' },
    });
    expect(text(d, 'S11.2#3')).toBe('closed: holiday Christmas (Fri 2026-12-25 10:00, Europe/Berlin)');
    // A real call (with an id) to the closed queue takes the closed action without joining it.
    const real = decide(h, { callId: 'c1', from: OUTSIDE, to: { kind: 'queue', id: 'q1' } });
    expect(real.outcome === 'action' && real.action.condition).toBe('closed');
    expect(h.state().queues.get('q1')!.waiting).toEqual([]);
    at(h, '2026-12-31T10:00:00Z'); // a holiday without a name shows its date
    expect(text(decide(h, { to: toGroup() }), 'S11.2#3')).toMatch(/^closed: holiday 2026-12-31 /);
    at(h, '2027-01-04T09:00:00Z'); // the Monday after: open again
    expect(decide(h, { to: toGroup() }).outcome).toBe('ring');
  });

  test("S11.2 a group's own weekly hours replace the tenant's; the holidays of both apply; its closed action wins", () => {
    const h = office();
    const own: OfficeHours = {
      weekly: [{ day: 'sat', from: '10:00', to: '14:00' }],
      holidays: [{ date: '2026-11-14', name: 'Team day' }],
      closedAction: { type: 'message', prompt: 'weekend-shop' },
    };
    h.ok({ type: 'group.upsert', group: { id: 'g1', name: 'Sales', hours: own } });

    at(h, '2026-11-02T09:00:00Z'); // Monday 10:00: the tenant is open, the group is not
    const monday = decide(h, { to: toGroup() });
    expect(monday.outcome === 'action' && monday.action.action).toEqual({ type: 'message', prompt: 'weekend-shop' });
    expect(decide(h, { to: { kind: 'queue', id: 'q1' } }).outcome).toBe('queue'); // the queue follows the tenant
    at(h, '2026-11-07T10:30:00Z'); // Saturday 11:30: the group's own hours
    expect(decide(h, { to: toGroup() }).outcome).toBe('ring');
    at(h, '2026-11-14T10:30:00Z'); // its own holiday
    expect(text(decide(h, { to: toGroup() }), 'S11.2#3')).toMatch(/holiday Team day/);
    at(h, '2026-12-26T10:30:00Z'); // Saturday 26 Dec is open…
    expect(decide(h, { to: toGroup() }).outcome).toBe('ring');
    h.ok({
      type: 'tenant.policy',
      policy: { hours: { ...OFFICE, holidays: [{ date: '2027-01-02', name: 'Inventory' }] } },
    });
    at(h, '2027-01-02T10:30:00Z'); // …and a tenant holiday closes the group too
    expect(text(decide(h, { to: toGroup() }), 'S11.2#3')).toMatch(/holiday Inventory/);
  });

  test('S11.2 colleagues reach each other after hours; a caller from outside gets the closed action', () => {
    const h = office({ ...OFFICE, closedAction: undefined });
    at(h, '2026-11-02T20:00:00Z'); // Monday 21:00
    expect(decide(h, { from: { userId: 'u1001' }, to: { kind: 'user', id: 'u1002' } }).outcome).toBe('ring');
    const outside = decide(h, { from: OUTSIDE, to: { kind: 'extension', extension: '1002' } });
    // No closed action anywhere: the user's voicemail (default).
    expect(outside.outcome === 'action' && outside.action).toMatchObject({
      condition: 'closed',
      action: { type: 'voicemail' },
      defaulted: true,
    });
    // A group without any closed action plays the closed message.
    const group = decide(h, { from: OUTSIDE, to: toGroup() });
    expect(group.outcome === 'action' && group.action.action).toEqual({ type: 'message' });
  });

  test('S11.2 without hours nothing is ever closed', () => {
    const h = office(null);
    at(h, '2026-12-25T23:00:00Z');
    expect(decide(h, { from: OUTSIDE, to: toGroup() }).outcome).toBe('ring');
    expect(hoursVerdict(h.state(), undefined, h.clock.now()).open).toBe(true);
  });
});

describe('S11.2 night mode', () => {
  test('S11.2 an admin switches the company to night mode: closed whatever the hours, until switched back', () => {
    const h = office();
    at(h, '2026-11-02T09:00:00Z'); // Monday 10:00, open hours
    const refused = h.run({ type: 'night.set', target: { kind: 'tenant' }, on: true, by: self('u1002') });
    expect(refused.ok ? 'ok' : refused.code).toBe('SWB_ERR_FORBIDDEN');
    expect(decide(h, { to: toGroup() }).outcome).toBe('ring');

    h.ok({ type: 'night.set', target: { kind: 'tenant' }, on: true, by: admin('u1001') });
    const night = decide(h, { to: toGroup() });
    expect(text(night, 'S11.2#1')).toBe('closed: night mode (switched on for the company)');
    expect(h.state().policy.hours?.weekly).toEqual(OFFICE.weekly); // the hours are kept

    h.ok({ type: 'night.set', target: { kind: 'tenant' }, on: false, by: admin('u1001') });
    expect(decide(h, { to: toGroup() }).outcome).toBe('ring');
  });

  test('S11.2 night mode of one queue closes only that queue, even with no hours at all', () => {
    const h = office(null);
    h.ok({ type: 'night.set', target: { kind: 'queue', id: 'q1' }, on: true, by: admin('u1001') });
    const d = decide(h, { to: { kind: 'queue', id: 'q1' } });
    expect(text(d, 'S11.2#2')).toBe('closed: night mode (switched on for queue Support)');
    expect(decide(h, { to: toGroup() }).outcome).toBe('ring');
    const missing = h.run({ type: 'night.set', target: { kind: 'group', id: 'nope' }, on: true, by: admin('u1001') });
    expect(missing.ok ? 'ok' : missing.code).toBe('SWB_ERR_GROUP_NOT_FOUND');
  });

  test('S11.2 feature codes: *28 switches night mode on, *29 off; with an extension, for that group or queue; admins only', () => {
    const h = office();
    at(h, '2026-11-02T09:00:00Z');
    h.ok({ type: 'fac.dial', userId: 'u1001', digits: '*28' });
    expect(rules(decide(h, { to: toGroup() }))[0]).toBe('S11.2#1');
    h.ok({ type: 'fac.dial', userId: 'u1001', digits: '*29' });
    expect(decide(h, { to: toGroup() }).outcome).toBe('ring');

    h.ok({ type: 'fac.dial', userId: 'u1001', digits: '*28200' });
    expect(rules(decide(h, { to: toGroup() }))[0]).toBe('S11.2#2');
    expect(decide(h, { to: { kind: 'queue', id: 'q1' } }).outcome).toBe('queue');
    h.ok({ type: 'fac.dial', userId: 'u1001', digits: '*29200' });
    expect(decide(h, { to: toGroup() }).outcome).toBe('ring');

    const user = h.run({ type: 'fac.dial', userId: 'u1002', digits: '*28' });
    expect(user.ok ? 'ok' : user.code).toBe('SWB_ERR_FORBIDDEN');
    const unknown = h.run({ type: 'fac.dial', userId: 'u1001', digits: '*28999' });
    expect(unknown.ok ? 'ok' : unknown.code).toBe('SWB_ERR_GROUP_NOT_FOUND');
    expect(h.state().policy.hours?.nightMode).toBe(false);
  });
});

describe('S11.2 daylight saving (Europe/Berlin)', () => {
  const call: CallRequest = { to: { kind: 'group', id: 'g1' } };
  const outcomeAt = (h: Harness, iso: string): string => {
    const out = route(h.state(), call, Date.parse(iso));
    if (!out.ok) throw new Error(out.code);
    return out.decision.outcome === 'ring' ? 'open' : (out.decision.explanation[0]?.rule ?? '?');
  };

  test('S11.2 spring forward (2026-03-29): the Monday after opens at local 08:00 (06:00 UTC); an interval loses its part in the skipped hour', () => {
    const h = office({
      ...OFFICE,
      weekly: [
        ...OFFICE.weekly,
        { day: 'sun', from: '01:00', to: '02:30' },
        { day: 'sun', from: '02:30', to: '04:00' },
      ],
    });
    expect(outcomeAt(h, '2026-03-30T06:30:00Z')).toBe('open'); // 08:30 CEST
    expect(outcomeAt(h, '2026-03-30T05:59:00Z')).toBe('S11.2#4'); // 07:59 CEST
    // 01:00–02:30 on the night of the change: 01:59 CET is open, the next minute reads 03:00 CEST.
    expect(outcomeAt(h, '2026-03-29T00:59:00Z')).toBe('open');
    expect(outcomeAt(h, '2026-03-29T01:00:00Z')).toBe('open'); // 03:00 CEST: within 02:30–04:00
    expect(outcomeAt(h, '2026-03-29T02:00:00Z')).toBe('S11.2#4'); // 04:00 CEST
    h.ok({
      type: 'tenant.policy',
      policy: { hours: { ...OFFICE, weekly: [{ day: 'sun', from: '01:00', to: '02:30' }] } },
    });
    expect(outcomeAt(h, '2026-03-29T01:00:00Z')).toBe('S11.2#4'); // 03:00 CEST: past 02:30
  });

  test('S11.2 fall back (2026-10-25): the Monday after opens at local 08:00 (07:00 UTC); an interval in the repeated hour is open twice', () => {
    const h = office({ ...OFFICE, weekly: [...OFFICE.weekly, { day: 'sun', from: '02:00', to: '02:30' }] });
    expect(outcomeAt(h, '2026-10-26T07:30:00Z')).toBe('open'); // 08:30 CET
    expect(outcomeAt(h, '2026-10-26T06:45:00Z')).toBe('S11.2#4'); // 07:45 CET (08:45 by summer time)
    expect(outcomeAt(h, '2026-10-25T00:15:00Z')).toBe('open'); // 02:15 CEST
    expect(outcomeAt(h, '2026-10-25T00:45:00Z')).toBe('S11.2#4'); // 02:45 CEST
    expect(outcomeAt(h, '2026-10-25T01:15:00Z')).toBe('open'); // 02:15 CET, the second time
  });
});

describe('S11.2 limits', () => {
  const bad = (hours: unknown): string => {
    const h = office();
    const before = h.state().policy;
    const out = h.run({ type: 'tenant.policy', policy: { hours: hours as OfficeHours } });
    if (!out.ok) expect(h.state().policy).toBe(before);
    return out.ok ? 'ok' : `${out.code} ${String(out.details?.field)}`;
  };
  const mon = (from: string, to: string) => ({ day: 'mon' as const, from, to });

  test('S11.2 a time zone the runtime does not know is refused (Intl), the old one stays', () => {
    const h = office();
    const out = h.run({ type: 'tenant.policy', policy: { timezone: 'Mars/Olympus_Mons' } });
    expect(out.ok ? 'ok' : `${out.code} ${String(out.details?.field)}`).toBe('SWB_ERR_INVALID timezone');
    expect(h.state().policy.timezone).toBe('Europe/Berlin');
  });

  test('S11.2 bad hours are refused with SWB_ERR_HOURS_INVALID and change nothing', () => {
    const fifteen = Array.from({ length: 15 }, (_, i) =>
      mon(`0${Math.floor(i / 2)}:${i % 2 ? '30' : '00'}`, `0${Math.floor(i / 2)}:${i % 2 ? '59' : '29'}`),
    );
    expect(bad({ weekly: fifteen, holidays: [] })).toBe('SWB_ERR_HOURS_INVALID hours.weekly');
    expect(bad({ weekly: fifteen.slice(0, 14), holidays: [] })).toBe('ok');
    expect(bad({ weekly: [mon('18:00', '08:00')], holidays: [] })).toBe('SWB_ERR_HOURS_INVALID hours.weekly[0]');
    expect(bad({ weekly: [mon('08:00', '12:00'), mon('11:00', '13:00')], holidays: [] })).toBe(
      'SWB_ERR_HOURS_INVALID hours.weekly',
    );
    expect(bad({ weekly: [mon('8:00', '12:00')], holidays: [] })).toBe('SWB_ERR_HOURS_INVALID hours.weekly[0].from');
    expect(bad({ weekly: [{ day: 'xyz', from: '08:00', to: '09:00' }], holidays: [] })).toBe(
      'SWB_ERR_HOURS_INVALID hours.weekly[0].day',
    );
    expect(bad({ weekly: [mon('00:00', '24:00')], holidays: [{ date: '2026-02-29' }] })).toBe(
      'SWB_ERR_HOURS_INVALID hours.holidays[0].date',
    );
    expect(bad({ weekly: [], holidays: [{ date: '2026-05-01' }, { date: '2026-05-01' }] })).toBe(
      'SWB_ERR_HOURS_INVALID hours.holidays[1].date',
    );
    const days = Array.from({ length: 367 }, (_, i) => ({ date: `${2000 + Math.floor(i / 300)}-01-01`, i }));
    expect(bad({ weekly: [], holidays: days })).toBe('SWB_ERR_HOURS_INVALID hours.holidays');
    expect(bad({ weekly: [], holidays: [], closedAction: { type: 'busyTone' } })).toBe(
      'SWB_ERR_HOURS_INVALID hours.closedAction',
    );
  });
});
