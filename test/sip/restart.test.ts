// S8.2 for SIP: bindings (S7.1), subscriptions (S7.2) and publications (S7.3) survive a restart
// on the same data directory and SIP port — a clean one in-process, and kill -9 of a real process.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { header, headerValues } from '../../src/sip/message.js';
import type { SipRequest, SipResponse } from '../../src/sip/message.js';
import { freePort, main, startProcess } from '../support/process.js';
import { call, login, testServer } from '../support/server.js';
import { TestUa } from './ua.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Stops the server and starts a new one on the same data directory and SIP port. */
async function restarted(s: Awaited<ReturnType<typeof testServer>>) {
  await s.close();
  return testServer({ dataDir: s.dataDir, sipPort: s.sipPort });
}

function register(ua: TestUa, ext: string, contact: string, expires = 600, callId?: string) {
  return ua.authed(
    'REGISTER',
    'sip:acme.test',
    [ua.from(ext), ['To', `<sip:${ext}@acme.test>`], ['Contact', contact], ['Expires', String(expires)]],
    { user: ext, password: `pass${ext}` },
    '',
    callId !== undefined ? { callId } : {},
  );
}

interface Dialog {
  callId: string;
  toTag: string;
  watcher: string;
  target: string;
  event: string;
}

async function subscribe(
  ua: TestUa,
  watcher: string,
  target: string,
  event: string,
): Promise<{ res: SipResponse; dialog: Dialog }> {
  const callId = `${randomBytes(6).toString('hex')}@t`;
  const uri = `sip:${target}@acme.test`;
  const res = await ua.authed(
    'SUBSCRIBE',
    uri,
    [ua.from(watcher), ['To', `<${uri}>`], ['Contact', ua.contact], ['Event', event], ['Expires', '600']],
    { user: watcher, password: `pass${watcher}` },
    '',
    { callId },
  );
  return { res, dialog: { callId, toTag: /;tag=([^;]+)/.exec(header(res, 'to') ?? '')![1]!, watcher, target, event } };
}

function refresh(ua: TestUa, d: Dialog, expires = 600) {
  const uri = `sip:${d.target}@acme.test`;
  return ua.request(
    'SUBSCRIBE',
    uri,
    [
      ua.from(d.watcher),
      ['To', `<${uri}>;tag=${d.toTag}`],
      ['Contact', ua.contact],
      ['Event', d.event],
      ['Expires', String(expires)],
    ],
    '',
    { callId: d.callId },
  );
}

const version = (n: SipRequest) => Number(/version="(\d+)"/.exec(n.body.toString())![1]);
const cseqOf = (n: SipRequest) => Number((header(n, 'cseq') ?? '').split(' ')[0]);
const dndPidf =
  '<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="sip:1006@acme.test">' +
  '<tuple id="t"><status><basic>open</basic></status><note>Do Not Disturb</note></tuple><dm:person id="p"><rpid:activities><rpid:busy/></rpid:activities></dm:person></presence>';

function publish(ua: TestUa, ext: string, body: string | undefined, expires: number, etag?: string) {
  const hs: [string, string][] = [
    ua.from(ext),
    ['To', `<sip:${ext}@acme.test>`],
    ['Event', 'presence'],
    ['Expires', String(expires)],
  ];
  if (body !== undefined) hs.push(['Content-Type', 'application/pidf+xml']);
  if (etag !== undefined) hs.push(['SIP-If-Match', etag]);
  return ua.authed('PUBLISH', `sip:${ext}@acme.test`, hs, { user: ext, password: `pass${ext}` }, body ?? '');
}

describe('S8.2 SIP state across a restart', () => {
  test('S7.1 S8.2 after a restart a REGISTER refresh lists every binding still in force, and unregistering one removes it', async () => {
    let s = await testServer();
    const ua = await TestUa.open('udp', s.sipPort);
    const second = '<sip:desk@127.0.0.1:5999>';
    expect((await register(ua, '1003', ua.contact)).status).toBe(200);
    expect((await register(ua, '1003', second, 900, `other-${ua.callId}`)).status).toBe(200);
    s = await restarted(s);
    try {
      const r = await register(ua, '1003', ua.contact);
      expect(r.status).toBe(200);
      expect(
        headerValues(r, 'contact')
          .map((c) => c.replace(/;expires=\d+$/, ''))
          .sort(),
      ).toEqual([ua.contact, second].sort());
      // The operator view has the reloaded contacts too.
      expect(
        s.sip
          .devices('acme', 'u1003')
          .bindings.map((b) => b.uri)
          .sort(),
      ).toEqual([ua.contact.slice(1, -1), second.slice(1, -1)].sort());
      const gone = await register(ua, '1003', second, 0, `other-${ua.callId}`);
      expect(headerValues(gone, 'contact')).toEqual([`${ua.contact};expires=600`]);
      s = await restarted(s);
      const again = await register(ua, '1003', ua.contact);
      expect(headerValues(again, 'contact')).toEqual([`${ua.contact};expires=600`]);
    } finally {
      await ua.close();
      await s.cleanup();
    }
  });

  test('S7.2 S8.2 after a restart an in-dialog SUBSCRIBE refresh gets 200 (not 481) and NOTIFYs go on with a rising version and CSeq', async () => {
    let s = await testServer();
    const ua = await TestUa.open('udp', s.sipPort);
    try {
      // 1005 is online (registered), so DND lights the lamp.
      expect((await register(ua, '1005', '<sip:desk1005@127.0.0.1:5998>')).status).toBe(200);
      const { res, dialog } = await subscribe(ua, '1004', '1005', 'dialog');
      expect(res.status).toBe(200);
      const first = await ua.nextNotify();
      const token = await login(s.url, '1005');
      expect((await call(s.url, 'PUT', '/api/v1/users/1005/status', { token, body: { status: 'dnd' } })).status).toBe(
        200,
      );
      const lit = await ua.nextNotify();
      expect(lit.body.toString()).toContain('<state>confirmed</state>');
      expect(version(lit)).toBe(version(first) + 1);
      s = await restarted(s);
      const r = await refresh(ua, dialog);
      expect([r.status, header(r, 'expires')]).toEqual([200, '600']);
      const after = await ua.nextNotify();
      expect(header(after, 'call-id')).toBe(dialog.callId);
      expect(after.body.toString()).toContain('<state>confirmed</state>');
      expect(version(after)).toBeGreaterThan(version(lit));
      expect(cseqOf(after)).toBeGreaterThan(cseqOf(lit));
      // A change after the restart still reaches the phone, the version still rising.
      const fresh = await login(s.url, '1005');
      expect(
        (await call(s.url, 'PUT', '/api/v1/users/1005/status', { token: fresh, body: { status: 'available' } })).status,
      ).toBe(200);
      const idle = await ua.nextNotify();
      expect(idle.body.toString()).toContain('<state>terminated</state>');
      expect(version(idle)).toBe(version(after) + 1);
      // Unsubscribing after the restart ends the subscription for good: a later restart has none.
      expect((await refresh(ua, dialog, 0)).status).toBe(200);
      expect(header(await ua.nextNotify(), 'subscription-state')).toMatch(/^terminated/);
      s = await restarted(s);
      expect((await refresh(ua, dialog)).status).toBe(481);
    } finally {
      await ua.close();
      await s.cleanup();
    }
  });

  test('S7.2 S8.2 the NOTIFY version and CSeq keep rising over restart after restart', async () => {
    let s = await testServer();
    const ua = await TestUa.open('udp', s.sipPort);
    try {
      const { dialog } = await subscribe(ua, '1002', '1009', 'dialog');
      let last = await ua.nextNotify();
      for (let i = 0; i < 3; i++) {
        s = await restarted(s);
        expect((await refresh(ua, dialog)).status).toBe(200);
        const n = await ua.nextNotify();
        expect(version(n)).toBeGreaterThan(version(last));
        expect(cseqOf(n)).toBeGreaterThan(cseqOf(last));
        last = n;
      }
    } finally {
      await ua.close();
      await s.cleanup();
    }
  });

  test('S7.3 S8.2 a PUBLISH with the SIP-If-Match of an entity-tag issued before a restart is accepted', async () => {
    let s = await testServer();
    const ua = await TestUa.open('udp', s.sipPort);
    try {
      const r = await publish(ua, '1006', dndPidf, 600);
      expect(r.status).toBe(200);
      const etag = header(r, 'sip-etag')!;
      s = await restarted(s);
      const again = await publish(ua, '1006', undefined, 600, etag);
      expect(again.status).toBe(200);
      const next = header(again, 'sip-etag')!;
      expect(next).not.toBe(etag);
      expect(s.engine.state('acme')!.users.get('u1006')!.manual).toMatchObject({ status: 'dnd', setBy: 'sip' });
      // The old tag was replaced; removing the publication by the new one clears the status it set.
      expect((await publish(ua, '1006', undefined, 600, etag)).status).toBe(412);
      expect((await publish(ua, '1006', undefined, 0, next)).status).toBe(200);
      expect(s.engine.state('acme')!.users.get('u1006')!.manual).toBeUndefined();
    } finally {
      await ua.close();
      await s.cleanup();
    }
  });
});

describe('S8.2 SIP state across kill -9', () => {
  test('S8.2 S7.1 S7.2 S7.3 what was acknowledged with a 200 (binding, subscription, publication) is there after kill -9', async () => {
    expect(existsSync(main), 'dist/src/cli/main.js is missing: npm test builds it first').toBe(true);
    const dataDir = mkdtempSync(join(tmpdir(), 'swb-sipkill-'));
    dirs.push(dataDir);
    const httpPort = await freePort();
    const sipPort = await freePort();
    let child = await startProcess(dataDir, httpPort, sipPort);
    const ua = await TestUa.open('udp', sipPort);
    try {
      expect((await register(ua, '1008', ua.contact)).status).toBe(200);
      const { res, dialog } = await subscribe(ua, '1008', '1009', 'dialog');
      expect(res.status).toBe(200);
      const first = await ua.nextNotify();
      const pub = await publish(ua, '1008', dndPidf.replace('1006', '1008'), 600);
      expect(pub.status).toBe(200);

      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      child = await startProcess(dataDir, httpPort, sipPort);

      const reg = await register(ua, '1008', ua.contact);
      expect([reg.status, headerValues(reg, 'contact')]).toEqual([200, [`${ua.contact};expires=600`]]);
      const r = await refresh(ua, dialog);
      expect(r.status).toBe(200);
      expect(version(await ua.nextNotify())).toBeGreaterThan(version(first));
      expect((await publish(ua, '1008', undefined, 600, header(pub, 'sip-etag'))).status).toBe(200);
      const token = await login(`http://127.0.0.1:${httpPort}`, '1008');
      const list = await call(`http://127.0.0.1:${httpPort}`, 'GET', '/api/v1/presence', { token });
      expect(list.body.presence.find((p: { extension: string }) => p.extension === '1008')).toMatchObject({
        status: 'dnd',
        devices: { app: 1 },
      });
    } finally {
      child.kill('SIGKILL');
      await ua.close();
    }
  }, 60_000);
});
