// S9.4 One DND everywhere: the phone's DND/forward key (`Event: as-feature-event`) against a real
// server, with REST, FAC and PUBLISH on the other side.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { header } from '../../src/sip/message.js';
import type { SipRequest, SipResponse } from '../../src/sip/message.js';
import { call, login, testServer } from '../support/server.js';
import { TestUa } from './ua.js';

type S = Awaited<ReturnType<typeof testServer>>;
let s: S;
let admin: string;

beforeAll(async () => {
  s = await testServer();
  admin = await login(s.url, '1001');
});
afterAll(async () => s.cleanup());

const FEATURE = 'application/x-as-feature-event+xml';
const NS = 'http://www.ecma-international.org/standards/ecma-323/csta/ed3';
const setDnd = (ext: string, on: boolean) =>
  `<?xml version="1.0" encoding="UTF-8"?><SetDoNotDisturb xmlns="${NS}"><device>${ext}</device><doNotDisturbOn>${on}</doNotDisturbOn></SetDoNotDisturb>`;
const setFwd = (ext: string, on: boolean, to = '') =>
  `<?xml version="1.0" encoding="UTF-8"?><SetForwarding xmlns="${NS}"><device>${ext}</device><forwardingType>forwardImmediate</forwardingType><activateForward>${on}</activateForward><forwardDN>${to}</forwardDN></SetForwarding>`;

interface Dialog {
  res: SipResponse;
  callId: string;
  toTag: string | undefined;
  ext: string;
  target: string;
}

function subscribe(ua: TestUa, ext: string, body = '', target = ext, event = 'as-feature-event'): Promise<Dialog> {
  const callId = `${randomBytes(6).toString('hex')}@t`;
  const uri = `sip:${target}@acme.test`;
  const hs: [string, string][] = [
    ua.from(ext),
    ['To', `<${uri}>`],
    ['Contact', ua.contact],
    ['Event', event],
    ['Expires', '600'],
  ];
  if (body !== '') hs.push(['Content-Type', FEATURE]);
  return ua
    .authed('SUBSCRIBE', uri, hs, { user: ext, password: `pass${ext}` }, body, { callId })
    .then((res) => ({ res, callId, toTag: /;tag=([^;]+)/.exec(header(res, 'to') ?? '')?.[1], ext, target }));
}

function inDialog(ua: TestUa, d: Dialog, body = '', contentType = FEATURE): Promise<SipResponse> {
  const uri = `sip:${d.target}@acme.test`;
  const hs: [string, string][] = [
    ua.from(d.ext),
    ['To', `<${uri}>;tag=${d.toTag}`],
    ['Contact', ua.contact],
    ['Event', 'as-feature-event'],
    ['Expires', '600'],
  ];
  if (body !== '') hs.push(['Content-Type', contentType]);
  return ua.request('SUBSCRIBE', uri, hs, body, { callId: d.callId });
}

/**
 * The next NOTIFY carrying the given document (DoNotDisturbEvent or ForwardingEvent) that
 * contains `expected`. A refresh repeats the current state, so NOTIFYs in between are skipped.
 */
async function next(ua: TestUa, doc: 'DoNotDisturbEvent' | 'ForwardingEvent', expected = ''): Promise<string> {
  const until = Date.now() + 3000;
  for (;;) {
    const n: SipRequest = await ua.nextNotify(Math.max(1, until - Date.now()));
    const body = n.body.toString();
    if (body.includes(`<${doc} `) && body.includes(expected)) {
      expect([header(n, 'event'), header(n, 'content-type')]).toEqual(['as-feature-event', FEATURE]);
      return body;
    }
  }
}
/** The next dialog-info NOTIFY showing the lamp state (UDP retransmissions of older ones are skipped). */
async function lamp(ua: TestUa, state: 'terminated' | 'confirmed'): Promise<void> {
  const until = Date.now() + 3000;
  while (!(await ua.nextNotify(Math.max(1, until - Date.now()))).body.toString().includes(`<state>${state}</state>`));
}
const dnd = (ua: TestUa, on: boolean) => next(ua, 'DoNotDisturbEvent', `<doNotDisturbOn>${on}</doNotDisturbOn>`);

async function presenceOf(
  ext: string,
): Promise<{ status: string; manual?: { status: string; setBy: string; forwardTo?: string } }> {
  const list = await call(s.url, 'GET', '/api/v1/presence', { token: admin });
  return list.body.presence.find((p: { extension: string }) => p.extension === ext);
}

describe('S9.4 as-feature-event', () => {
  test('S9.4 SUBSCRIBE as-feature-event to one’s own address: 200, then DoNotDisturbEvent and ForwardingEvent with the current state', async () => {
    const ua = await TestUa.open('udp', s.sipPort);
    const d = await subscribe(ua, '1003');
    expect([d.res.status, header(d.res, 'allow-events')]).toEqual([200, 'presence, dialog, as-feature-event']);
    const dnd = await next(ua, 'DoNotDisturbEvent');
    expect(dnd).toContain(
      `<DoNotDisturbEvent xmlns="${NS}"><device>1003</device><doNotDisturbOn>false</doNotDisturbOn></DoNotDisturbEvent>`,
    );
    const fwd = await next(ua, 'ForwardingEvent');
    expect(fwd).toContain('<forwardingType>forwardImmediate</forwardingType><forwardStatus>false</forwardStatus>');
    await ua.close();
  });

  test('S9.4 REST sets dnd → the phone gets a NOTIFY doNotDisturbOn true; clearing it → false', async () => {
    const ua = await TestUa.open('tcp', s.sipPort);
    await subscribe(ua, '1004');
    await dnd(ua, false);
    await next(ua, 'ForwardingEvent');
    const token = await login(s.url, '1004');
    expect(
      (await call(s.url, 'PUT', '/api/v1/users/1004/status', { token, body: { status: 'dnd', text: 'focus' } })).status,
    ).toBe(200);
    await dnd(ua, true);
    expect((await call(s.url, 'DELETE', '/api/v1/users/1004/status', { token })).status).toBeLessThan(300);
    await dnd(ua, false);
    await ua.close();
  });

  test('S9.4 the phone’s SetDoNotDisturb sets dnd (cause sip): REST presence shows dnd and BLF watchers of the user see busy; off clears it', async () => {
    const phone = await TestUa.open('udp', s.sipPort);
    const watcher = await TestUa.open('udp', s.sipPort);
    const blf = await subscribe(watcher, '1002', '', '1005', 'dialog');
    expect(blf.res.status).toBe(200);
    await lamp(watcher, 'terminated');
    // The phone is registered (online), so its DND shows as the status and lights the lamp.
    const reg = await phone.authed(
      'REGISTER',
      'sip:acme.test',
      [phone.from('1005'), ['To', '<sip:1005@acme.test>'], ['Contact', phone.contact]],
      { user: '1005', password: 'pass1005' },
    );
    expect(reg.status).toBe(200);
    const d = await subscribe(phone, '1005');
    await next(phone, 'DoNotDisturbEvent');
    await next(phone, 'ForwardingEvent');

    expect((await inDialog(phone, d, setDnd('1005', true))).status).toBe(200);
    await dnd(phone, true);
    expect(await presenceOf('1005')).toMatchObject({ status: 'dnd', manual: { status: 'dnd', setBy: 'sip' } });
    await lamp(watcher, 'confirmed');

    expect((await inDialog(phone, d, setDnd('1005', false))).status).toBe(200);
    await dnd(phone, false);
    expect((await presenceOf('1005')).manual).toBeUndefined();
    await lamp(watcher, 'terminated');
    await phone.close();
    await watcher.close();
  });

  test('S9.4 SetDoNotDisturb in the initial SUBSCRIBE applies before the first NOTIFY', async () => {
    const ua = await TestUa.open('udp', s.sipPort);
    const d = await subscribe(ua, '1006', setDnd('1006', true));
    expect(d.res.status).toBe(200);
    await dnd(ua, true);
    expect((await presenceOf('1006')).manual).toMatchObject({ status: 'dnd', setBy: 'sip' });
    expect((await inDialog(ua, d, setDnd('1006', false))).status).toBe(200);
    await ua.close();
  });

  test('S9.4 DND off clears DND only; a blocked user stays blocked when the DND key is pressed', async () => {
    const ua = await TestUa.open('udp', s.sipPort);
    const token = await login(s.url, '1007');
    expect((await call(s.url, 'PUT', '/api/v1/users/1007/status', { token, body: { status: 'away' } })).status).toBe(
      200,
    );
    const d = await subscribe(ua, '1007', setDnd('1007', false));
    expect(d.res.status).toBe(200);
    await dnd(ua, false);
    expect((await presenceOf('1007')).manual?.status).toBe('away');
    expect(
      (await call(s.url, 'PUT', '/api/v1/users/1007/status', { token: admin, body: { status: 'blocked' } })).status,
    ).toBe(200);
    expect((await inDialog(ua, d, setDnd('1007', true))).status).toBe(200);
    // The NOTIFY after the request tells the phone the truth: DND is off.
    await dnd(ua, false);
    expect((await presenceOf('1007')).manual?.status).toBe('blocked');
    await ua.close();
  });

  test('S9.4 a key press the status does not allow is set back at once, even before the phone has been told every document', async () => {
    // Over TCP, nothing is retransmitted; the first NOTIFY stays unanswered, so the forwarding
    // document is still untold when the phone presses DND.
    const ua = await TestUa.open('tcp', s.sipPort);
    ua.notifyAnswer = 0;
    expect(
      (await call(s.url, 'PUT', '/api/v1/users/1009/status', { token: admin, body: { status: 'blocked' } })).status,
    ).toBe(200);
    const d = await subscribe(ua, '1009');
    expect(d.res.status).toBe(200);
    expect((await ua.nextNotify()).body.toString()).toContain('<doNotDisturbOn>false</doNotDisturbOn>');
    expect((await inDialog(ua, d, setDnd('1009', true))).status).toBe(200);
    const after = await ua.nextNotify();
    expect(header(after, 'cseq')).toBe('2 NOTIFY');
    expect(after.body.toString()).toContain('<DoNotDisturbEvent');
    expect(after.body.toString()).toContain('<doNotDisturbOn>false</doNotDisturbOn>');
    expect((await presenceOf('1009')).manual?.status).toBe('blocked');
    await ua.close();
  });

  test('S9.4 S4.5 FAC *78 and a published DND reach the DND key too', async () => {
    const ua = await TestUa.open('udp', s.sipPort);
    await subscribe(ua, '1008');
    await next(ua, 'DoNotDisturbEvent');
    await next(ua, 'ForwardingEvent');
    expect((await s.engine.dispatch('acme', { type: 'fac.dial', userId: 'u1008', digits: '*78' })).ok).toBe(true);
    await dnd(ua, true);
    expect((await s.engine.dispatch('acme', { type: 'fac.dial', userId: 'u1008', digits: '*79' })).ok).toBe(true);
    await dnd(ua, false);
    const pidf =
      '<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="sip:1008@acme.test">' +
      '<tuple id="t"><status><basic>open</basic></status></tuple><dm:person id="p"><rpid:activities><rpid:dnd/></rpid:activities></dm:person></presence>';
    const softphone = await TestUa.open('udp', s.sipPort);
    const pub = await softphone.authed(
      'PUBLISH',
      'sip:1008@acme.test',
      [
        softphone.from('1008'),
        ['To', '<sip:1008@acme.test>'],
        ['Event', 'presence'],
        ['Expires', '600'],
        ['Content-Type', 'application/pidf+xml'],
      ],
      { user: '1008', password: 'pass1008' },
      pidf,
    );
    expect(pub.status).toBe(200);
    await dnd(ua, true);
    await ua.close();
    await softphone.close();
  });

  test('S9.4 forwarding shows on the forward key with forwardTo; SetForwarding turns it on and off', async () => {
    const ua = await TestUa.open('udp', s.sipPort);
    const d = await subscribe(ua, '1010');
    await next(ua, 'DoNotDisturbEvent');
    await next(ua, 'ForwardingEvent');
    const token = await login(s.url, '1010');
    expect(
      (
        await call(s.url, 'PUT', '/api/v1/users/1010/status', {
          token,
          body: { status: 'forwarding', forwardTo: '1003' },
        })
      ).status,
    ).toBe(200);
    await next(ua, 'ForwardingEvent', '<forwardStatus>true</forwardStatus><forwardTo>1003</forwardTo>');
    expect((await inDialog(ua, d, setFwd('1010', false))).status).toBe(200);
    await next(ua, 'ForwardingEvent', '<forwardStatus>false</forwardStatus>');
    expect((await presenceOf('1010')).manual).toBeUndefined();
    expect((await inDialog(ua, d, setFwd('1010', true, '1004'))).status).toBe(200);
    await next(ua, 'ForwardingEvent', '<forwardTo>1004</forwardTo>');
    expect((await presenceOf('1010')).manual).toMatchObject({ status: 'forwarding', forwardTo: '1004', setBy: 'sip' });
    await ua.close();
  });

  test('S9.4 another user’s feature keys are 403; a body that is not a feature document is 400, another type 415', async () => {
    const ua = await TestUa.open('udp', s.sipPort);
    expect((await subscribe(ua, '1003', '', '1004')).res.status).toBe(403);
    const d = await subscribe(ua, '1009');
    expect(d.res.status).toBe(200);
    expect((await inDialog(ua, d, '<hello/>')).status).toBe(400);
    expect((await inDialog(ua, d, setDnd('1009', true), 'text/plain')).status).toBe(415);
    await ua.close();
  });
});
