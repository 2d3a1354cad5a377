// SPEC S6.3 with S5.2 — a webhook cannot turn the server into a probe of its own network: URLs
// whose host is, or resolves to, a loopback, private, link-local, CGNAT, unspecified, multicast or
// metadata address are refused on create and again at delivery, on the resolved address the
// socket then uses. Only the operator's allow-list (webhookAllowedHosts) admits such hosts.
import type { LookupAddress } from 'node:dns';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError, loadConfig } from '../../src/app/config.js';
import { SqliteStore } from '../../src/store/index.js';
import { AddressPolicy, Dispatcher } from '../../src/webhooks/index.js';
import type { Resolve } from '../../src/webhooks/index.js';
import { tempStores } from '../support/files.js';
import { call, login, testServer } from '../support/server.js';
import { eventually } from '../support/wait.js';
import { Receiver } from './receiver.js';

type S = Awaited<ReturnType<typeof testServer>>;

const T = 1_700_000_000_000;
const tempStore = tempStores('addr');

let s: S;
let admin: string;
let rx: Receiver;

beforeAll(async () => {
  // No allow-list: the defaults an installation starts with.
  s = await testServer();
  admin = await login(s.url, '1001');
  rx = await Receiver.start();
});
afterAll(async () => {
  await rx.close();
  await s.cleanup();
});

/** Every spelling of an internal address an admin might try, with what it is. */
const INTERNAL: readonly string[] = [
  'http://127.0.0.1:{port}/hook',
  'http://localhost:{port}/hook',
  'http://LOCALHOST.:{port}/hook',
  'http://api.localhost:{port}/hook',
  'http://[::1]:{port}/hook',
  'http://0x7f000001:{port}/hook',
  'http://2130706433:{port}/hook',
  'http://127.1:{port}/hook',
  'http://0177.0.0.1:{port}/hook',
  'http://[::ffff:127.0.0.1]:{port}/hook',
  'http://[::ffff:7f00:1]:{port}/hook',
  'http://0.0.0.0:{port}/hook',
  'http://0/hook',
  'http://[::]/hook',
  'http://169.254.169.254/latest/meta-data/',
  'http://metadata.google.internal/computeMetadata/v1/',
  'http://[fd00:ec2::254]/latest/meta-data/',
  'http://10.0.0.1/hook',
  'http://172.16.0.1/hook',
  'http://172.31.255.254/hook',
  'http://192.168.1.1/hook',
  'http://100.64.0.1/hook',
  'http://100.100.100.200/latest/meta-data/',
  'http://[fc00::1]/hook',
  'http://[fe80::1]/hook',
  'http://224.0.0.1/hook',
  'http://[ff02::1]/hook',
  'http://255.255.255.255/hook',
  'https://127.0.0.1:{port}/hook',
];

describe('S6.3 webhook addresses', () => {
  test('S6.3 S5.2 a webhook to an internal address, in any spelling, is refused on create with 422 SWB_ERR_WEBHOOK_URL_FORBIDDEN and creates nothing', async () => {
    const before = await call(s.url, 'GET', '/api/v1/webhooks', { token: admin });
    for (const template of INTERNAL) {
      const url = template.replace('{port}', String(rx.port));
      const r = await call(s.url, 'POST', '/api/v1/webhooks', { token: admin, body: { url } });
      expect([url, r.status, r.body.error?.code]).toEqual([url, 422, 'SWB_ERR_WEBHOOK_URL_FORBIDDEN']);
      expect(r.body.error.message).toMatch(/webhookAllowedHosts/);
    }
    const after = await call(s.url, 'GET', '/api/v1/webhooks', { token: admin });
    expect(after.body.webhooks).toEqual(before.body.webhooks);
    expect(rx.requests).toEqual([]);
  });

  test('S6.3 public addresses and names are accepted on create (a name is checked after DNS, at delivery)', async () => {
    for (const url of [
      'https://hooks.example.com/switchboard',
      'http://93.184.215.14/hook',
      'https://[2606:4700:4700::1111]/hook',
      'http://8.8.8.8:8080/x',
    ]) {
      const r = await call(s.url, 'POST', '/api/v1/webhooks', { token: admin, body: { url } });
      expect([url, r.status]).toEqual([url, 201]);
      await call(s.url, 'DELETE', `/api/v1/webhooks/${r.body.id}`, { token: admin });
    }
  });

  test('S6.3 a stored webhook to an internal address (from before this check) is refused at delivery: nothing sent, given up at once, the log does not tell whether anything listens', async () => {
    // Written straight into the store, as an older version would have kept it.
    const listening = `http://127.0.0.1:${rx.port}/old`;
    const probe = await Receiver.start();
    const closedPort = probe.port;
    await probe.close();
    const silent = `http://127.0.0.1:${closedPort}/old`;
    const ids = ['wh_old_listening', 'wh_old_closed', 'wh_old_name'];
    const urls = [listening, silent, `http://localhost:${rx.port}/old`];
    for (const [i, id] of ids.entries())
      await s.store.createWebhook({
        tenant: 'acme',
        id,
        url: urls[i]!,
        secret: 's'.repeat(16),
        events: [],
        createdAt: T,
      });
    try {
      for (const id of ids)
        expect((await call(s.url, 'POST', `/api/v1/webhooks/${id}/test`, { token: admin })).status).toBe(202);
      const logs = await Promise.all(
        ids.map((id) =>
          eventually(async () => {
            const r = await call(s.url, 'GET', `/api/v1/webhooks/${id}/deliveries`, { token: admin });
            return r.body.deliveries.length > 0 ? r.body.deliveries : undefined;
          }),
        ),
      );
      for (const log of logs) {
        expect(log).toHaveLength(1);
        expect(log[0]).toMatchObject({
          ok: false,
          status: null,
          error: expect.stringMatching(/^SWB_ERR_WEBHOOK_URL_FORBIDDEN: /),
        });
      }
      // An open port and a closed one read the same: no port scan through the delivery log.
      expect(logs[0][0].error).toBe(logs[1][0].error);
      expect(rx.requests).toEqual([]);
    } finally {
      for (const id of ids) await s.store.deleteWebhook('acme', id);
    }
  });
});

describe('S6.3 webhook addresses after DNS', () => {
  /** A DNS of the test's own: each name answers the listed addresses; every question is counted. */
  function dns(answers: Record<string, string[]>): { resolve: Resolve; asked: string[] } {
    const asked: string[] = [];
    const resolve: Resolve = (hostname, _options, callback) => {
      asked.push(hostname);
      const list = answers[hostname];
      if (list === undefined)
        return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
      callback(
        null,
        list.map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 })),
      );
    };
    return { resolve, asked };
  }

  async function deliverOnce(
    policy: AddressPolicy,
    url: string,
  ): Promise<{ error: string | null; status: number | null }> {
    const { file } = tempStore();
    const store = new SqliteStore(file);
    await store.createWebhook({ tenant: 'acme', id: 'wh_1', url, secret: 's'.repeat(16), events: [], createdAt: T });
    await store.enqueue('acme', 'wh_1', 'u1', '{"type":"webhook.test"}', T);
    const dispatcher = new Dispatcher(store, { maxAttempts: 1, timeoutMs: 2_000 }, { addresses: policy });
    dispatcher.start();
    try {
      const row = await eventually(async () => (await store.deliveries('acme', 'wh_1', 10))[0]);
      return { error: row.error, status: row.status };
    } finally {
      await dispatcher.stop();
      store.close();
    }
  }

  test('S6.3 a name that resolves to an internal address is refused after the look-up, and nothing is sent', async () => {
    const before = rx.requests.length;
    for (const answer of [
      ['127.0.0.1'],
      ['10.1.2.3'],
      ['169.254.169.254'],
      ['::1'],
      ['::ffff:127.0.0.1'],
      ['93.184.215.14', '127.0.0.1'],
    ]) {
      const { resolve, asked } = dns({ 'hooks.example.test': answer });
      const result = await deliverOnce(new AddressPolicy([], resolve), `http://hooks.example.test:${rx.port}/dns`);
      expect([answer, result.status, result.error]).toEqual([
        answer,
        null,
        expect.stringMatching(/^SWB_ERR_WEBHOOK_URL_FORBIDDEN: the host resolves to a /),
      ]);
      expect(asked).toEqual(['hooks.example.test']);
    }
    expect(rx.requests.length).toBe(before);
  });

  test('S6.3 the socket goes to the address that was checked: one look-up per attempt, its answer is where the request arrives', async () => {
    // The allow-list admits 127.0.0.1, so the only way the request can reach the receiver is
    // by connecting to the answer of the policy's own look-up.
    const { resolve, asked } = dns({ 'hooks.example.test': ['127.0.0.1'] });
    const result = await deliverOnce(
      new AddressPolicy(['127.0.0.1'], resolve),
      `http://hooks.example.test:${rx.port}/checked`,
    );
    expect(result).toEqual({ status: 200, error: null });
    expect(asked).toEqual(['hooks.example.test']);
    const [got] = await rx.waitFor(1, (r) => r.path === '/checked');
    expect(got!.headers.host).toBe(`hooks.example.test:${rx.port}`);
  });

  test('S6.3 an allow-listed host name is reached whatever it resolves to; other names resolving there are still refused', async () => {
    const { resolve } = dns({ 'hooks.corp': ['127.0.0.1'], 'other.corp': ['127.0.0.1'] });
    const policy = new AddressPolicy(['hooks.corp'], resolve);
    expect(await deliverOnce(policy, `http://hooks.corp:${rx.port}/named`)).toEqual({ status: 200, error: null });
    expect((await deliverOnce(policy, `http://other.corp:${rx.port}/named`)).error).toMatch(
      /^SWB_ERR_WEBHOOK_URL_FORBIDDEN/,
    );
    expect(rx.requests.filter((r) => r.path === '/named')).toHaveLength(1);
  });
});

describe('S6.3 the operator allow-list', () => {
  test('S6.3 webhookAllowedHosts admits exactly the listed names, addresses and CIDR ranges', () => {
    const policy = new AddressPolicy(['10.0.5.0/24', 'hooks.corp', 'fd12:3456::/32', '127.0.0.1']);
    const verdicts = Object.fromEntries(
      [
        'http://10.0.5.7/',
        'http://[::ffff:10.0.5.7]/',
        'http://10.0.6.1/',
        'http://hooks.corp/',
        'http://HOOKS.CORP./',
        'http://[fd12:3456::1]/',
        'http://[fd12:3457::1]/',
        'http://127.0.0.1:9/',
        'http://0x7f000001:9/',
        'http://127.0.0.2/',
        'http://localhost/',
      ].map((url) => [url, policy.urlProblem(url) === undefined]),
    );
    expect(verdicts).toEqual({
      'http://10.0.5.7/': true,
      'http://[::ffff:10.0.5.7]/': true,
      'http://10.0.6.1/': false,
      'http://hooks.corp/': true,
      'http://HOOKS.CORP./': true,
      'http://[fd12:3456::1]/': true,
      'http://[fd12:3457::1]/': false,
      'http://127.0.0.1:9/': true,
      'http://0x7f000001:9/': true,
      'http://127.0.0.2/': false,
      'http://localhost/': false,
    });
  });

  test('S6.3 S8.1 the allow-list is read from the environment, a flag or the config file, and a bad entry stops the start with its name', () => {
    expect(
      loadConfig([], { SWITCHBOARD_WEBHOOK_ALLOWED_HOSTS: ' 10.0.0.0/8, hooks.corp ,' }).webhookAllowedHosts,
    ).toEqual(['10.0.0.0/8', 'hooks.corp']);
    expect(loadConfig(['--webhook-allowed-hosts', '127.0.0.1'], {}).webhookAllowedHosts).toEqual(['127.0.0.1']);
    expect(loadConfig([], {}).webhookAllowedHosts).toEqual([]);
    for (const bad of ['10.0.0.0/33', 'hooks corp', '1.2.3.4/8/9', 'http://hooks.corp']) {
      expect(() => loadConfig([], { SWITCHBOARD_WEBHOOK_ALLOWED_HOSTS: bad }), bad).toThrow(ConfigError);
    }
    expect(() => loadConfig([], { SWITCHBOARD_WEBHOOK_ALLOWED_HOSTS: 'hooks corp' })).toThrow(
      /SWITCHBOARD_WEBHOOK_ALLOWED_HOSTS: webhookAllowedHosts entry "hooks corp" is not/,
    );
  });
});
