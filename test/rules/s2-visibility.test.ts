// S2.7 (with S5.1): one rule for who sees where a user forwards, and every surface answering the
// same for the same viewer and subject — the REST record, the live feed's snapshot and events,
// routing decisions (POST /route) — plus S2.7's "shows free" in the SIP bodies.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FORWARDING_VISIBILITY, decisionAs, seesForwardTo, showsFree, visibilityRule } from '../../src/core/index.js';
import type { Decision, Viewer } from '../../src/core/index.js';
import { blfState } from '../../src/sip/bodies/dialog-info.js';
import { pidfView } from '../../src/sip/bodies/pidf.js';
import { FeedClient } from '../feed/support.js';
import { call, login, testServer } from '../support/server.js';

describe('S2.7 the visibility rule as data', () => {
  test('S2.7 the user themself and admins see a destination; supervisors, users and their API keys do not', () => {
    expect(FORWARDING_VISIBILITY.map((r) => [r.rule, r.viewer, r.seesForwardTo])).toEqual([
      ['S2.7#self', 'self', true],
      ['S2.7#admin', 'admin', true],
      ['S2.7#others', 'anyone', false],
    ]);
    const cases: [Viewer, boolean, string][] = [
      [{ role: 'user', userId: 'u1' }, true, 'S2.7#self'],
      [{ role: 'supervisor', userId: 'u1' }, true, 'S2.7#self'],
      [{ role: 'admin', userId: 'u9' }, true, 'S2.7#admin'],
      [{ role: 'admin' }, true, 'S2.7#admin'],
      [{ role: 'supervisor', userId: 'u9' }, false, 'S2.7#others'],
      [{ role: 'user', userId: 'u9' }, false, 'S2.7#others'],
      [{ role: 'supervisor' }, false, 'S2.7#others'],
      [{ role: 'user' }, false, 'S2.7#others'],
    ];
    for (const [viewer, sees, rule] of cases) {
      expect(seesForwardTo(viewer, 'u1')).toBe(sees);
      expect(visibilityRule(viewer, 'u1').rule).toBe(rule);
    }
  });

  test('S2.7 an explanation step is withheld by its structure, never by editing text', () => {
    const d: Decision = {
      outcome: 'ring',
      target: { kind: 'group', id: 'g' },
      ring: [{ kind: 'external', number: '20', startSec: 0, forwardedFrom: 'u1' }],
      timeoutSec: 20,
      onNoAnswer: {
        condition: 'noAnswer',
        action: { type: 'reject' },
        owner: { kind: 'group', id: 'g' },
        defaulted: true,
      },
      explanation: [
        {
          rule: 'S3.3',
          text: 'Ann forwards: 20 rings in their place',
          forwarding: { user: 'u1', withheld: 'Ann forwards: another number rings in their place' },
        },
        { rule: 'S3.3', text: "after 20 s without answer, the group's no-answer action" },
      ],
    };
    const other = decisionAs({ role: 'user', userId: 'u2' }, d);
    expect(other.explanation).toEqual([
      { rule: 'S3.3', text: 'Ann forwards: another number rings in their place' },
      { rule: 'S3.3', text: "after 20 s without answer, the group's no-answer action" },
    ]);
    expect(decisionAs({ role: 'user', userId: 'u1' }, d).explanation.map((e) => e.text)[0]).toBe(
      'Ann forwards: 20 rings in their place',
    );
  });
});

type S = Awaited<ReturnType<typeof testServer>>;
let s: S;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  s = await testServer();
  for (const ext of ['1001', '1002', '1004', '1010']) tokens[ext] = await login(s.url, ext);
  // 1005 has a live PBX registration, so the group's stand-in really rings.
  const events = [{ type: 'registration', user: '1005', id: 'pbx-1005', kind: 'pbx', ttlSec: 3600 }];
  const r = await call(s.url, 'POST', '/api/v1/events', { token: tokens['1001'], body: { events } });
  if (r.status !== 200) throw new Error(JSON.stringify(r.body));
  const m = await call(s.url, 'PUT', '/api/v1/groups/sales/members', {
    token: tokens['1001'],
    body: { members: ['1010'] },
  });
  if (m.status !== 200) throw new Error(JSON.stringify(m.body));
}, 30_000);
afterAll(async () => s.cleanup(), 30_000);

/** The viewers: the forwarding user, an admin, a supervisor and a plain colleague. */
const VIEWERS: [string, Viewer][] = [
  ['1010', { role: 'user', userId: 'u1010' }],
  ['1001', { role: 'admin', userId: 'u1001' }],
  ['1002', { role: 'supervisor', userId: 'u1002' }],
  ['1004', { role: 'user', userId: 'u1004' }],
];

/** What each surface shows `token` of 1010's forwarding to `dest`: whether any of `needles` shows. */
async function surfaces(token: string, dest: string, needles: readonly string[]): Promise<Record<string, boolean>> {
  const shows = (x: unknown) => needles.some((n) => JSON.stringify(x).includes(n));
  const rest = await call(s.url, 'GET', '/api/v1/users/1010/presence', { token });
  const feed = await FeedClient.signedIn(s.url, token);
  const snapshot = await feed.subscribe('s', { users: ['1010'] });
  feed.close();
  const direct = await call(s.url, 'POST', '/api/v1/route', { token, body: { to: { user: '1010' } } });
  const group = await call(s.url, 'POST', '/api/v1/route', { token, body: { to: { group: 'sales' } } });
  expect([rest.status, direct.status, group.status]).toEqual([200, 200, 200]);
  return {
    rest: rest.body.indicators.forwardTo === dest && shows(rest.body),
    feed: snapshot.presence[0].indicators.forwardTo === dest && shows(snapshot),
    directRoute: shows(direct.body),
    groupRoute: shows(group.body),
  };
}

describe('S2.7 every surface gives the same answer', () => {
  test('S2.7 forwarding to a colleague: REST, feed and POST /route agree per viewer (the group route used to name the colleague to everyone)', async () => {
    const put = await call(s.url, 'PUT', '/api/v1/users/1010/status', {
      token: tokens['1010'],
      body: { status: 'forwarding', forwardTo: '1005' },
    });
    expect(put.status).toBe(200);
    for (const [ext, viewer] of VIEWERS) {
      const sees = seesForwardTo(viewer, 'u1010');
      // Before the one rule, groupRoute was true for every viewer: the stand-in's user and
      // device ids and "… (1005) takes their place" went to 1002 and 1004 too.
      expect({ ext, ...(await surfaces(tokens[ext]!, '1005', ['1005'])) }).toEqual({
        ext,
        rest: sees,
        feed: sees,
        directRoute: sees,
        groupRoute: sees,
      });
    }
    const hidden = await call(s.url, 'POST', '/api/v1/route', {
      token: tokens['1004'],
      body: { to: { group: 'sales' } },
    });
    expect(hidden.body.decision.ring).toEqual([
      { kind: 'pbx', number: '(hidden)', startSec: 0, forwardedFrom: 'u1010' },
    ]);
    expect(hidden.body.decision.explanation.map((e: { text: string }) => e.text)).toContain(
      `${put.body.name} forwards: a colleague takes their place`,
    );
  });

  test('S2.7 forwarding to an outside number: the same answers, and a hidden number no longer garbles other words', async () => {
    const put = await call(s.url, 'PUT', '/api/v1/users/1010/status', {
      token: tokens['1010'],
      body: { status: 'forwarding', forwardTo: '60' },
    });
    expect(put.status).toBe(200);
    for (const [ext, viewer] of VIEWERS) {
      const sees = seesForwardTo(viewer, 'u1010');
      const got = await surfaces(tokens[ext]!, '60', ['"60"', 'to 60']);
      expect({ ext, ...got }).toEqual({ ext, rest: sees, feed: sees, directRoute: sees, groupRoute: sees });
    }
    const group = await call(s.url, 'POST', '/api/v1/route', {
      token: tokens['1004'],
      body: { to: { group: 'sales' } },
    });
    const texts: string[] = group.body.decision.explanation.map((e: { text: string }) => e.text);
    // Substituting the number in the text used to turn this into "after (hidden) s without answer" (the group rings 60 s).
    expect(texts).toContain("after 60 s without answer, the group's no-answer action");
    expect(texts).toContain(`${put.body.name} forwards: another number rings in their place`);
    expect(group.body.decision.ring).toEqual([
      { kind: 'external', number: '(hidden)', startSec: 0, forwardedFrom: 'u1010' },
    ]);
    const direct = await call(s.url, 'POST', '/api/v1/route', {
      token: tokens['1004'],
      body: { to: { user: '1010' } },
    });
    expect(direct.body.decision).toMatchObject({ outcome: 'forward', to: '(hidden)' });
    expect(direct.body.decision.explanation.map((e: { text: string }) => e.text)).toContain(
      `${put.body.name} forwards every call`,
    );
  });

  test('S2.7 SIP bodies show the forwarding user free to every watcher, whatever record they hold', async () => {
    const put = await call(s.url, 'PUT', '/api/v1/users/1010/status', {
      token: tokens['1010'],
      body: { status: 'forwarding', forwardTo: '1005' },
    });
    expect(put.status).toBe(200);
    for (const [ext] of VIEWERS) {
      const rest = await call(s.url, 'GET', '/api/v1/users/1010/presence', { token: tokens[ext] });
      const onCall = { ...rest.body, indicators: { ...rest.body.indicators, onCall: true } };
      expect(showsFree(onCall)).toBe(true);
      expect(blfState(onCall)).toBe('terminated');
      expect(pidfView(onCall).activities).not.toContain('on-the-phone');
    }
    await call(s.url, 'DELETE', '/api/v1/users/1010/status', { token: tokens['1010'] });
  });
});
