// S7.2 S8.3 subscription limits over real sockets: one watcher, or one tenant, cannot hold the
// server's subscriptions (issue: user 1003 held 4,375 dialogs in 11 s and a change of the watched
// user sent 625 NOTIFYs; one tenant could take all 500,000 and every tenant then got 503).
// Here the limits are small: 3 per watcher and target, 6 per user, 10 per tenant.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError, loadConfig } from '../../src/app/config.js';
import { header } from '../../src/sip/message.js';
import type { SipResponse } from '../../src/sip/message.js';
import { sipHarness } from './harness.js';
import type { SipHarness } from './harness.js';
import { testServer } from '../support/server.js';
import { TestUa } from './ua.js';

let h: SipHarness;
let ua: TestUa;
beforeAll(async () => {
  h = await sipHarness({
    presence: { maxSubscriptionsPerPair: 3, maxSubscriptionsPerUser: 6, maxSubscriptionsPerTenant: 10 },
  });
  ua = await TestUa.open('udp', h.port);
});
afterAll(async () => {
  await ua.close();
  await h.close();
});

interface Sub {
  readonly res: SipResponse;
  readonly callId: string;
}

async function subscribe(
  watcher: string,
  target: string,
  options: { expires?: number; domain?: string; password?: string } = {},
): Promise<Sub> {
  const domain = options.domain ?? 'acme.test';
  const callId = `${randomBytes(6).toString('hex')}@limits`;
  const uri = `sip:${target}@${domain}`;
  const headers: [string, string][] = [
    ua.from(watcher, domain),
    ['To', `<${uri}>`],
    ['Contact', ua.contact],
    ['Event', 'dialog'],
    ['Expires', String(options.expires ?? 600)],
  ];
  const res = await ua.authed(
    'SUBSCRIBE',
    uri,
    headers,
    { user: watcher, password: options.password ?? `pass${watcher}` },
    '',
    { callId },
  );
  return { res, callId };
}

async function unsubscribe(watcher: string, target: string, sub: Sub): Promise<number> {
  const uri = `sip:${target}@acme.test`;
  const toTag = /;tag=([^;]+)/.exec(header(sub.res, 'to') ?? '')![1]!;
  const res = await ua.request(
    'SUBSCRIBE',
    uri,
    [ua.from(watcher), ['To', `<${uri}>;tag=${toTag}`], ['Contact', ua.contact], ['Event', 'dialog'], ['Expires', '0']],
    '',
    { callId: sub.callId },
  );
  return res.status;
}

const answer = (s: Sub) => [s.res.status, s.res.reason];
const LIMIT_WARNING = expect.stringMatching(/^399 switchboard "SWB_ERR_SUBSCRIPTION_LIMIT: /);

/** NOTIFYs that arrive for these Call-IDs within `ms`. */
async function notifiesFor(callIds: ReadonlySet<string>, ms: number): Promise<number> {
  let n = 0;
  for (;;) {
    try {
      await ua.wait(
        (m) => m.kind === 'request' && m.method === 'NOTIFY' && callIds.has(header(m, 'call-id') ?? ''),
        ms,
      );
      n++;
    } catch {
      return n;
    }
  }
}

describe('S7.2 S8.3 subscription limits', () => {
  const held: { watcher: string; target: string; sub: Sub }[] = [];

  test('S7.2 S8.3 one watcher holds at most 3 subscriptions to one user: the 4th is 403 with SWB_ERR_SUBSCRIPTION_LIMIT, and a change sends 3 NOTIFYs, not more', async () => {
    for (let i = 0; i < 3; i++) {
      const sub = await subscribe('1003', '1004');
      expect(answer(sub)).toEqual([200, 'OK']);
      held.push({ watcher: '1003', target: '1004', sub });
    }
    const fourth = await subscribe('1003', '1004');
    expect(answer(fourth)).toEqual([403, 'Forbidden (too many subscriptions to the same user)']);
    expect(header(fourth.res, 'warning')).toEqual(LIMIT_WARNING);
    const ids = new Set(held.map((x) => x.sub.callId));
    await notifiesFor(ids, 300);
    // On a call: the lamp of every subscription to 1004 lights.
    const call = await h.engine.dispatch('acme', {
      type: 'leg.update',
      userId: 'u1004',
      legId: 'c1',
      direction: 'in',
      state: 'answered',
    });
    expect(call.ok).toBe(true);
    expect(await notifiesFor(ids, 500)).toBe(3);
  });

  test('S7.2 S8.3 one user holds at most 6 subscriptions over all targets: the 7th is 403; another user of the tenant is still served', async () => {
    for (const target of ['1005', '1006', '1007']) {
      const sub = await subscribe('1003', target);
      expect(answer(sub)).toEqual([200, 'OK']);
      held.push({ watcher: '1003', target, sub });
    }
    const seventh = await subscribe('1003', '1008');
    expect(answer(seventh)).toEqual([403, 'Forbidden (too many subscriptions by this user)']);
    expect(header(seventh.res, 'warning')).toEqual(LIMIT_WARNING);
    const other = await subscribe('1002', '1008');
    expect(answer(other)).toEqual([200, 'OK']);
    held.push({ watcher: '1002', target: '1008', sub: other });
    expect(h.sip.stats().subscriptions).toBe(7);
  });

  test('S8.3 a tenant holds at most 10 subscriptions: then 503 with Retry-After for every user of it, while another tenant is served; room comes back as they end', async () => {
    for (const target of ['1001', '1003', '1004']) {
      const sub = await subscribe('1002', target);
      expect(answer(sub)).toEqual([200, 'OK']);
      held.push({ watcher: '1002', target, sub });
    }
    const full = await subscribe('1001', '1002');
    expect(answer(full)).toEqual([503, 'Service Unavailable (too many subscriptions in this company)']);
    expect(header(full.res, 'retry-after')).toBe('60');
    expect(header(full.res, 'warning')).toEqual(LIMIT_WARNING);
    // S8.3: the other tenant is not affected by acme's use.
    const beta = await subscribe('1001', '1001', { domain: 'beta.test', password: 'beta1001' });
    expect(answer(beta)).toEqual([200, 'OK']);
    const first = held.shift()!;
    expect(await unsubscribe(first.watcher, first.target, first.sub)).toBe(200);
    expect(answer(await subscribe('1001', '1002'))).toEqual([200, 'OK']);
  });

  test('S7.2 S8.3 a burst of SUBSCRIBEs in flight together cannot overshoot a limit: 12 at once from a fresh user, 6 are held', async () => {
    const h2 = await sipHarness({ presence: { maxSubscriptionsPerUser: 6 } });
    const uas = await Promise.all(Array.from({ length: 12 }, () => TestUa.open('udp', h2.port)));
    const targets = ['1001', '1002', '1004', '1005', '1006', '1007', '1008', '1009', '1010', '1001', '1002', '1004'];
    const answers = await Promise.all(
      uas.map((u, i) => {
        const uri = `sip:${targets[i]}@acme.test`;
        return u.authed(
          'SUBSCRIBE',
          uri,
          [u.from('1003'), ['To', `<${uri}>`], ['Contact', u.contact], ['Event', 'presence'], ['Expires', '600']],
          { user: '1003', password: 'pass1003' },
        );
      }),
    );
    expect(answers.filter((r) => r.status === 200).length).toBe(6);
    expect(answers.filter((r) => r.status === 403).length).toBe(6);
    expect(h2.sip.stats().subscriptions).toBe(6);
    for (const u of uas) await u.close();
    await h2.close();
  });
});

describe('S7.2 S8.1 the limits are configuration', () => {
  test('S7.2 S8.1 the options are read from flags and environment, and a limit below 1 is refused', () => {
    const c = loadConfig(['--sip-subscriptions-per-user', '50', '--sip-tcp-message-timeout-sec=5'], {
      SWITCHBOARD_SIP_SUBSCRIPTIONS_PER_TENANT: '2000',
      SWITCHBOARD_SIP_TCP_CONNECTIONS_PER_ADDRESS: '30',
    });
    expect([
      c.sipSubscriptionsPerUser,
      c.sipSubscriptionsPerTenant,
      c.sipTcpMessageTimeoutSec,
      c.sipTcpConnectionsPerAddress,
    ]).toEqual([50, 2000, 5, 30]);
    expect(loadConfig([], {}).sipSubscriptionsPerUser).toBe(500);
    expect(() => loadConfig(['--sip-subscriptions-per-user', '0'], {})).toThrow(ConfigError);
    expect(() => loadConfig(['--sip-tcp-message-timeout-sec', '0'], {})).toThrow(/at least 1/);
  });

  test('S7.2 the server started from the configuration applies sipSubscriptionsPerUser (here 1)', async () => {
    const s = await testServer({ sipSubscriptionsPerUser: 1 });
    const phone = await TestUa.open('udp', s.sipPort);
    const sub = (target: string) => {
      const uri = `sip:${target}@acme.test`;
      return phone.authed(
        'SUBSCRIBE',
        uri,
        [phone.from('1003'), ['To', `<${uri}>`], ['Contact', phone.contact], ['Event', 'presence'], ['Expires', '600']],
        { user: '1003', password: 'pass1003' },
        '',
        { callId: `${randomBytes(6).toString('hex')}@cfg` },
      );
    };
    expect((await sub('1004')).status).toBe(200);
    expect([(await sub('1005')).status, (await sub('1005')).reason]).toEqual([
      403,
      'Forbidden (too many subscriptions by this user)',
    ]);
    await phone.close();
    await s.cleanup();
  });
});
