// S7.2 presence server and S7.3 PUBLISH over real sockets, against an in-memory engine with
// short expiry limits (see harness.ts).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Command } from '../../src/core/index.js';
import { header } from '../../src/sip/message.js';
import type { SipRequest, SipResponse } from '../../src/sip/message.js';
import { ADMIN, sipHarness } from './harness.js';
import type { SipHarness } from './harness.js';
import { TestUa, digest } from './ua.js';

let h: SipHarness;
beforeAll(async () => {
  h = await sipHarness({
    presence: { minExpiresSec: 1 },
    publish: { minExpiresSec: 1 },
    timers: { t1Ms: 50, t2Ms: 400 },
  });
});
afterAll(async () => h.close());

const admin = ADMIN;
const run = (c: Command) => h.run(c);
const body = (m: SipRequest) => m.body.toString();
const subState = (m: SipRequest) => header(m, 'subscription-state');

interface Sub {
  res: SipResponse;
  callId: string;
  toTag: string | undefined;
  ua: TestUa;
  watcher: string;
}

async function subscribe(
  ua: TestUa,
  watcher: string,
  target: string,
  event: string,
  expires = 600,
  password = `pass${watcher}`,
  domain = 'acme.test',
): Promise<Sub> {
  const callId = `${randomBytes(6).toString('hex')}@t`;
  const uri = `sip:${target}@${domain}`;
  const res = await ua.authed(
    'SUBSCRIBE',
    uri,
    [
      ua.from(watcher, domain),
      ['To', `<${uri}>`],
      ['Contact', ua.contact],
      ['Event', event],
      ['Expires', String(expires)],
    ],
    { user: watcher, password },
    '',
    { callId },
  );
  return { res, callId, toTag: /;tag=([^;]+)/.exec(header(res, 'to') ?? '')?.[1], ua, watcher };
}

function inDialog(sub: Sub, target: string, event: string, expires: number) {
  const uri = `sip:${target}@acme.test`;
  return sub.ua.request(
    'SUBSCRIBE',
    uri,
    [
      sub.ua.from(sub.watcher),
      ['To', `<${uri}>;tag=${sub.toTag}`],
      ['Contact', sub.ua.contact],
      ['Event', event],
      ['Expires', String(expires)],
    ],
    '',
    { callId: sub.callId },
  );
}

describe('S7.2 presence server', () => {
  test('S7.2 SUBSCRIBE presence: 200 with a To tag and Expires, then a NOTIFY at once with PIDF (offline = closed)', async () => {
    const ua = await TestUa.open('udp', h.port);
    const sub = await subscribe(ua, '1002', '1003', 'presence');
    expect([sub.res.status, header(sub.res, 'expires'), sub.toTag !== undefined]).toEqual([200, '600', true]);
    const n = await ua.nextNotify();
    expect([header(n, 'event'), subState(n), header(n, 'content-type')]).toEqual([
      'presence',
      'active;expires=600',
      'application/pidf+xml',
    ]);
    expect(header(n, 'from')).toContain(`tag=${sub.toTag}`);
    expect(header(n, 'call-id')).toBe(sub.callId);
    expect(body(n)).toContain('entity="sip:1003@acme.test"');
    expect(body(n)).toContain('<basic>closed</basic>');
    expect(body(n)).toContain('<note>Offline</note>');
    await ua.close();
  });

  test('S7.2 S9.4 a NOTIFY follows every change: DND shows open + rpid:busy with its label, on a call rpid:on-the-phone, cleared shows open', async () => {
    const ua = await TestUa.open('tcp', h.port);
    await run({ type: 'registration.set', userId: 'u1004', id: 'r1', kind: 'app', expiresAt: Date.now() + 600_000 });
    await subscribe(ua, '1002', '1004', 'presence');
    expect(body(await ua.nextNotify())).toMatch(/<basic>open<\/basic>.*<note>Online<\/note>/s);
    await run({ type: 'status.set', userId: 'u1004', status: 'dnd', text: 'in a meeting', by: admin });
    const dnd = body(await ua.nextNotify());
    expect(dnd).toContain('<basic>open</basic>');
    expect(dnd).toContain('<rpid:activities><rpid:busy/></rpid:activities>');
    expect(dnd).toContain('<note>Do not disturb: in a meeting</note>');
    await run({ type: 'status.clear', userId: 'u1004', by: admin });
    await run({ type: 'leg.update', userId: 'u1004', legId: 'c1', direction: 'out', state: 'answered' });
    const calls = body(await ua.nextNotify());
    // The clear and the call may share one NOTIFY (coalescing) or come as two; the last shows the call.
    const last = calls.includes('on-the-phone') ? calls : body(await ua.nextNotify());
    expect(last).toContain('<rpid:on-the-phone/>');
    await run({ type: 'leg.update', userId: 'u1004', legId: 'c1', direction: 'out', state: 'ended' });
    expect(body(await ua.nextNotify())).toMatch(/<basic>open<\/basic>.*<note>Online<\/note>/s);
    await ua.close();
  });

  test('S7.2 dialog-info for BLF: idle is one terminated dialog, ringing early, on a call confirmed; version rises by one', async () => {
    const ua = await TestUa.open('udp', h.port);
    await run({
      type: 'registration.set',
      userId: 'u1005',
      id: 'r1',
      kind: 'terminal',
      expiresAt: Date.now() + 600_000,
    });
    await subscribe(ua, '1002', '1005', 'dialog');
    const idle = await ua.nextNotify();
    expect(header(idle, 'content-type')).toBe('application/dialog-info+xml');
    expect(body(idle)).toMatch(
      /version="0" state="full" entity="sip:1005@acme.test">\r\n<dialog id="swb-1005"><state>terminated<\/state><\/dialog>/,
    );
    await run({ type: 'leg.update', userId: 'u1005', legId: 'c2', direction: 'in', state: 'ringing' });
    expect(body(await ua.nextNotify())).toMatch(/version="1".*direction="recipient"><state>early<\/state>/s);
    await run({ type: 'leg.update', userId: 'u1005', legId: 'c2', direction: 'in', state: 'answered' });
    expect(body(await ua.nextNotify())).toMatch(/version="2".*<state>confirmed<\/state>/s);
    await run({ type: 'leg.update', userId: 'u1005', legId: 'c2', direction: 'in', state: 'ended' });
    expect(body(await ua.nextNotify())).toMatch(/version="3".*<state>terminated<\/state>/s);
    await ua.close();
  });

  test('S9.4 DND lights the BLF lamp as busy (confirmed); S2.7 forwarding shows the lamp idle even on a call', async () => {
    const ua = await TestUa.open('udp', h.port);
    await run({ type: 'registration.set', userId: 'u1010', id: 'r1', kind: 'app', expiresAt: Date.now() + 600_000 });
    await subscribe(ua, '1002', '1010', 'dialog');
    expect(body(await ua.nextNotify())).toContain('<state>terminated</state>');
    await run({ type: 'status.set', userId: 'u1010', status: 'dnd', by: admin });
    expect(body(await ua.nextNotify())).toContain('<state>confirmed</state>');
    await run({ type: 'status.set', userId: 'u1010', status: 'forwarding', forwardTo: '5551234', by: admin });
    expect(body(await ua.nextNotify())).toContain('<state>terminated</state>');
    await run({ type: 'leg.update', userId: 'u1010', legId: 'c3', direction: 'out', state: 'answered' });
    await h.engine.settled();
    // Nothing a BLF shows changed: no NOTIFY for this subscription.
    await expect(ua.nextNotify(300)).rejects.toThrow(/no matching/);
    await ua.close();
  });

  test('S7.2 refresh gets a NOTIFY; Expires 0 gets 200 and a final NOTIFY terminated; the dialog is then gone (481)', async () => {
    const ua = await TestUa.open('udp', h.port);
    const sub = await subscribe(ua, '1002', '1006', 'dialog');
    await ua.nextNotify();
    const refresh = await inDialog(sub, '1006', 'dialog', 300);
    expect([refresh.status, header(refresh, 'expires')]).toEqual([200, '300']);
    expect(subState(await ua.nextNotify())).toBe('active;expires=300');
    const end = await inDialog(sub, '1006', 'dialog', 0);
    expect(end.status).toBe(200);
    const final = await ua.nextNotify();
    expect(subState(final)).toBe('terminated');
    expect(body(final)).toContain('<state>terminated</state>');
    expect((await inDialog(sub, '1006', 'dialog', 300)).status).toBe(481);
    await ua.close();
  });

  test('S7.2 CSeq never goes back: an in-dialog SUBSCRIBE with an older CSeq is 500; NOTIFY CSeqs rise', async () => {
    const ua = await TestUa.open('udp', h.port);
    const sub = await subscribe(ua, '1002', '1003', 'presence');
    const n1 = await ua.nextNotify();
    ua.cseq = 1;
    const old = await inDialog(sub, '1003', 'presence', 600);
    expect([old.status, old.reason]).toEqual([500, 'Server Internal Error (CSeq out of order)']);
    ua.cseq = 10;
    expect((await inDialog(sub, '1003', 'presence', 600)).status).toBe(200);
    const n2 = await ua.nextNotify();
    expect(Number(header(n2, 'cseq')!.split(' ')[0])).toBe(Number(header(n1, 'cseq')!.split(' ')[0]) + 1);
    await ua.close();
  });

  test('S7.2 a subscription that is not refreshed ends with NOTIFY terminated;reason=timeout', async () => {
    const ua = await TestUa.open('udp', h.port);
    await subscribe(ua, '1002', '1007', 'presence', 1);
    expect(subState(await ua.nextNotify())).toBe('active;expires=1');
    const t0 = Date.now();
    const final = await ua.nextNotify(3000);
    expect(subState(final)).toBe('terminated;reason=timeout');
    expect(Date.now() - t0).toBeGreaterThan(800);
    await ua.close();
  });

  test('S7.2 an unknown event package is 489 Bad Event with Allow-Events; an unknown user 404; expires below minimum 423', async () => {
    const ua = await TestUa.open('udp', h.port);
    const bad = await subscribe(ua, '1002', '1003', 'message-summary');
    expect([bad.res.status, header(bad.res, 'allow-events')]).toEqual([489, 'presence, dialog, as-feature-event']);
    expect((await subscribe(ua, '1002', '9999', 'presence')).res.status).toBe(404);
    const h2 = await sipHarness({ presence: { minExpiresSec: 60 } });
    const ua2 = await TestUa.open('udp', h2.port);
    const brief = await subscribe(ua2, '1002', '1003', 'presence', 30);
    expect([brief.res.status, header(brief.res, 'min-expires')]).toEqual([423, '60']);
    await ua2.close();
    await h2.close();
    await ua.close();
  });

  test('S5.2 S7.2 watchers authenticate in the target tenant: another tenant’s credentials are refused, its users are not found', async () => {
    const ua = await TestUa.open('udp', h.port);
    // Beta's 1001 with beta's password cannot authenticate in acme's realm.
    expect((await subscribe(ua, '1001', '1003', 'presence', 600, 'beta1001')).res.status).toBe(403);
    // Acme's users subscribing to beta.test authenticate against beta: acme's password fails.
    expect((await subscribe(ua, '1002', '1001', 'presence', 600, 'pass1002', 'beta.test')).res.status).toBe(403);
    await ua.close();
  });

  test('S7.2 a NOTIFY nobody answers is retransmitted (Timer E), given up (Timer F) and sent again later; a 481 ends the subscription', async () => {
    const ua = await TestUa.open('udp', h.port);
    await subscribe(ua, '1002', '1008', 'dialog');
    await ua.nextNotify();
    ua.notifyAnswer = 0;
    await run({ type: 'leg.update', userId: 'u1008', legId: 'c4', direction: 'out', state: 'answered' });
    const first = await ua.nextNotify();
    const seq = Number(header(first, 'cseq')!.split(' ')[0]);
    const again = await ua.nextNotify();
    expect(header(again, 'cseq')).toBe(`${seq} NOTIFY`);
    // With T1 = 50 ms the transaction gives up after 3.2 s; the state is sent again, in a new transaction.
    const retry = await ua.wait<SipRequest>(
      (m) => m.kind === 'request' && header(m, 'cseq') === `${seq + 1} NOTIFY`,
      8000,
    );
    expect(body(retry)).toContain('<state>confirmed</state>');
    ua.answer(retry, 200);
    expect(h.sip.devices('acme', 'u1008').watchedBy.length).toBe(1);
    ua.notifyAnswer = 481;
    await run({ type: 'leg.update', userId: 'u1008', legId: 'c4', direction: 'out', state: 'ended' });
    await ua.wait((m) => m.kind === 'request' && header(m, 'cseq') === `${seq + 2} NOTIFY`);
    await h.engine.settled();
    for (let i = 0; i < 50 && h.sip.devices('acme', 'u1008').watchedBy.length > 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(h.sip.devices('acme', 'u1008').watchedBy).toEqual([]);
    await ua.close();
  });

  test('S7.2 a burst of changes is coalesced: fewer NOTIFYs than changes, and the last shows the final state', async () => {
    const ua = await TestUa.open('udp', h.port);
    await run({ type: 'registration.set', userId: 'u1009', id: 'r1', kind: 'app', expiresAt: Date.now() + 600_000 });
    await subscribe(ua, '1002', '1009', 'presence');
    await ua.nextNotify();
    const statuses = ['away', 'busy', 'dnd', 'away', 'busy', 'dnd', 'away', 'busy', 'dnd', 'busy'] as const;
    for (const status of statuses) h.engine.submit('acme', { type: 'status.set', userId: 'u1009', status, by: admin });
    await h.engine.settled();
    let last = '';
    let count = 0;
    for (;;) {
      try {
        last = body(await ua.nextNotify(300));
        count++;
      } catch {
        break;
      }
    }
    expect(count).toBeLessThan(statuses.length);
    expect(last).toContain('<note>Busy</note>');
    await ua.close();
  });
});

describe('S7.3 PUBLISH', () => {
  const pidf = (inner: string) =>
    `<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="sip:1003@acme.test">${inner}</presence>`;
  const busy = pidf(
    '<tuple id="t"><status><basic>open</basic></status></tuple><dm:person id="p"><rpid:activities><rpid:busy/></rpid:activities></dm:person>',
  );
  const dnd = pidf(
    '<tuple id="t"><status><basic>open</basic></status><note>Do Not Disturb</note></tuple><dm:person id="p"><rpid:activities><rpid:busy/></rpid:activities></dm:person>',
  );
  const open = pidf('<tuple id="t"><status><basic>open</basic></status></tuple>');

  function publish(ua: TestUa, content: string | undefined, expires: number, etag?: string, user = '1003') {
    const hs: [string, string][] = [
      ua.from(user),
      ['To', `<sip:${user}@acme.test>`],
      ['Event', 'presence'],
      ['Expires', String(expires)],
    ];
    if (content !== undefined) hs.push(['Content-Type', 'application/pidf+xml']);
    if (etag !== undefined) hs.push(['SIP-If-Match', etag]);
    return ua.authed('PUBLISH', `sip:${user}@acme.test`, hs, { user, password: `pass${user}` }, content ?? '');
  }
  const manual = () => h.engine.state('acme')!.users.get('u1003')!.manual;

  test('S7.3 a published busy PIDF sets manual busy (cause sip) with an entity-tag; DND note sets dnd; open sets available', async () => {
    const ua = await TestUa.open('udp', h.port);
    const r = await publish(ua, busy, 600);
    expect([r.status, header(r, 'expires')]).toEqual([200, '600']);
    const etag = header(r, 'sip-etag')!;
    expect(etag).toMatch(/^[A-Za-z0-9_-]{8,}$/);
    expect(manual()).toMatchObject({ status: 'busy', setBy: 'sip' });
    const r2 = await publish(ua, dnd, 600, etag);
    expect(r2.status).toBe(200);
    expect(header(r2, 'sip-etag')).not.toBe(etag);
    expect(manual()).toMatchObject({ status: 'dnd', setBy: 'sip' });
    const r3 = await publish(ua, open, 600, header(r2, 'sip-etag'));
    expect([r3.status, manual()]).toEqual([200, undefined]);
    await ua.close();
  });

  test('S7.3 refresh with SIP-If-Match and no body keeps the status; an unknown entity-tag is 412', async () => {
    const ua = await TestUa.open('tcp', h.port);
    const r = await publish(ua, busy, 600);
    const refresh = await publish(ua, undefined, 600, header(r, 'sip-etag'));
    expect(refresh.status).toBe(200);
    expect(manual()?.status).toBe('busy');
    expect((await publish(ua, undefined, 600, header(r, 'sip-etag'))).status).toBe(412);
    expect((await publish(ua, undefined, 600, 'no-such-tag')).status).toBe(412);
    await ua.close();
  });

  test('S7.3 Expires 0 removes the publication and clears the manual status it set', async () => {
    const ua = await TestUa.open('udp', h.port);
    const r = await publish(ua, dnd, 600);
    expect(manual()?.status).toBe('dnd');
    const gone = await publish(ua, undefined, 0, header(r, 'sip-etag'));
    expect([gone.status, manual()]).toEqual([200, undefined]);
    await ua.close();
  });

  test('S7.3 a publication that runs out clears its status, but not one set since by someone else', async () => {
    const ua = await TestUa.open('udp', h.port);
    await publish(ua, busy, 1);
    expect(manual()?.status).toBe('busy');
    await new Promise<void>((resolve) => {
      const stop = h.engine.bus.subscribe((b) => b.events.some((e) => e.subject === 'u1003') && (stop(), resolve()));
    });
    expect(manual()).toBeUndefined();
    await publish(ua, busy, 1);
    await run({ type: 'status.set', userId: 'u1003', status: 'away', by: admin });
    await new Promise((r) => setTimeout(r, 1300));
    expect(manual()?.status).toBe('away');
    await run({ type: 'status.clear', userId: 'u1003', by: admin });
    await ua.close();
  });

  test('S7.3 publishing for someone else is 403; Event other than presence is 489; a non-PIDF body is 415', async () => {
    const ua = await TestUa.open('udp', h.port);
    const ch = await ua.request(
      'PUBLISH',
      'sip:1004@acme.test',
      [
        ua.from('1003'),
        ['To', '<sip:1004@acme.test>'],
        ['Event', 'presence'],
        ['Content-Type', 'application/pidf+xml'],
      ],
      busy,
    );
    const other = await ua.request(
      'PUBLISH',
      'sip:1004@acme.test',
      [
        ua.from('1003'),
        ['To', '<sip:1004@acme.test>'],
        ['Event', 'presence'],
        ['Content-Type', 'application/pidf+xml'],
        ['Authorization', digest(ch, 'PUBLISH', 'sip:1004@acme.test', { user: '1003', password: 'pass1003' })],
      ],
      busy,
    );
    expect(other.status).toBe(403);
    expect(h.engine.state('acme')!.users.get('u1004')!.manual).toBeUndefined();
    const ev = await ua.request(
      'PUBLISH',
      'sip:1003@acme.test',
      [ua.from('1003'), ['To', '<sip:1003@acme.test>'], ['Event', 'dialog']],
      'x',
    );
    expect([ev.status, header(ev, 'allow-events')]).toEqual([489, 'presence']);
    const hs: [string, string][] = [
      ua.from('1003'),
      ['To', '<sip:1003@acme.test>'],
      ['Event', 'presence'],
      ['Content-Type', 'text/plain'],
    ];
    expect(
      (await ua.authed('PUBLISH', 'sip:1003@acme.test', hs, { user: '1003', password: 'pass1003' }, 'busy')).status,
    ).toBe(415);
    await ua.close();
  });
});
