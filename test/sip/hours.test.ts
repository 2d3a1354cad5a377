// S11.2 over real sockets: the SIP server and its engine share a ManualClock set to a holiday
// evening in Berlin; test phones (phone.ts) call a group through the proxy, which carries out the
// core's closed decision (a redirect to the colleague on duty), and an admin's phone switches
// night mode with the feature codes *28 / *29.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Command } from '../../src/core/index.js';
import { ManualClock } from '../../src/engine/index.js';
import { sipHarness } from './harness.js';
import type { SipHarness } from './harness.js';
import { Phone, phonesClosedAfterEach } from './phone.js';

/** Friday 2026-12-25 19:00 in Berlin (18:00 UTC): Christmas, after hours. */
const CHRISTMAS_EVENING = Date.UTC(2026, 11, 25, 18, 0, 0);
/** Monday 2026-12-28 10:00 in Berlin. */
const MONDAY_MORNING = Date.UTC(2026, 11, 28, 9, 0, 0);
const clock = new ManualClock(CHRISTMAS_EVENING);
let h: SipHarness;
beforeAll(async () => {
  h = await sipHarness({ clock, users: 6, timers: { t1Ms: 50, t2Ms: 400 }, calls: { lingerMs: 500 } });
  const run = (c: Command) => h.run(c);
  await run({ type: 'user.upsert', user: { id: 'u1001', extension: '1001', name: 'User 1001', role: 'admin' } });
  await run({
    type: 'tenant.policy',
    policy: {
      timezone: 'Europe/Berlin',
      hours: {
        weekly: (['mon', 'tue', 'wed', 'thu', 'fri'] as const).map((day) => ({ day, from: '08:00', to: '18:00' })),
        holidays: [{ date: '2026-12-25', name: 'Christmas' }],
        // The colleague on duty takes the company's calls when it is closed.
        closedAction: { type: 'redirect', target: { kind: 'user', id: 'u1004' } },
      },
    },
  });
  await run({
    type: 'group.upsert',
    group: { id: 'g-6000', name: 'Sales', extension: '6000', members: ['u1002', 'u1003'] },
  });
});
afterAll(async () => h.close());

const phone = phonesClosedAfterEach(() => h.port);

/** A feature code dialled on `p`: the server answers it itself (200), then both hang up. */
async function dialCode(p: Phone, code: string): Promise<number> {
  const dial = await p.call(code);
  const res = await dial.final();
  if (res.status === 200) await p.dialogOf(dial, res).bye();
  return res.status;
}

describe('S11.2 office hours through the proxy', () => {
  test("S11.2 a call to group 6000 at 19:00 on Christmas follows the closed action: the duty colleague's phone rings, the group's do not", async () => {
    const caller = await phone('1005');
    const sales = await phone('1002');
    const duty = await phone('1004');

    const dial = await caller.call('6000');
    const inv = await duty.next('INVITE');
    await expect(sales.next('INVITE', 300)).rejects.toThrow(/no matching/);
    duty.respond(inv, 180, 'Ringing', { toTag: 'duty' });
    duty.respond(inv, 486, 'Busy Here', { toTag: 'duty' });
    expect((await dial.final()).status).toBe(486);
  });

  test('S11.2 on Monday 10:00 the group rings; an admin dials *28 (night mode): closed at once; *29 opens it again', async () => {
    clock.advanceTo(MONDAY_MORNING);
    const admin = await phone('1001');
    const caller = await phone('1005');
    const sales = await phone('1002');
    const duty = await phone('1004');

    const open = await caller.call('6000');
    const i2 = await sales.next('INVITE');
    sales.respond(i2, 603, 'Decline', { toTag: 's2' });
    expect((await open.final()).status).toBe(603);

    expect(await dialCode(admin, '*28')).toBe(200);
    expect(h.engine.state('acme')!.policy.hours?.nightMode).toBe(true);
    const night = await caller.call('6000');
    const i4 = await duty.next('INVITE');
    await expect(sales.next('INVITE', 300)).rejects.toThrow(/no matching/);
    duty.respond(i4, 603, 'Decline', { toTag: 'd4' });
    expect((await night.final()).status).toBe(603);

    // Only an admin may switch it: 1005's *29 is refused, 1001's is taken.
    expect(await dialCode(caller, '*29')).toBe(403);
    expect(await dialCode(admin, '*29')).toBe(200);
    const day = await caller.call('6000');
    const again = await sales.next('INVITE');
    sales.respond(again, 603, 'Decline', { toTag: 's3' });
    expect((await day.final()).status).toBe(603);
  });
});
