// S10.2 over real processes: three nodes on 127.0.0.1 sharing a PostgreSQL database and a NATS
// JetStream bus. A change made through one node — not the tenant's owner, so it is forwarded —
// reaches a feed watcher and a SIP BLF subscriber on a third node, in order.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { header } from '../../src/sip/message.js';
import type { SipRequest } from '../../src/sip/message.js';
import { FeedClient, until } from '../feed/support.js';
import { TestUa } from '../sip/ua.js';
import { TestCluster } from '../support/cluster.js';
import { tempDatabases } from '../support/postgres.js';
import { call, login } from '../support/server.js';
import { eventually } from '../support/wait.js';

const database = tempDatabases();
let cluster: TestCluster;

beforeAll(async () => {
  cluster = new TestCluster(await database());
  await cluster.start('n1'); // makes the demo company
  await Promise.all([cluster.start('n2'), cluster.start('n3')]);
}, 90_000);
afterAll(async () => {
  await cluster?.cleanup();
}, 30_000);

const notifyOf = (callId: string) => (m: { kind: string }) =>
  m.kind === 'request' && (m as SipRequest).method === 'NOTIFY' && header(m as SipRequest, 'call-id') === callId;

describe('S10.2 any node serves any client', () => {
  test('S10.2 S6.2 S7.2 a change through a node that does not own the tenant reaches a feed watcher and a BLF lamp on a third node, in order', async () => {
    const owner = await cluster.ownerOtherThan('acme', undefined);
    const [a, c] = ['n1', 'n2', 'n3'].filter((n) => n !== owner.node).map((n) => cluster.node(n));
    const tokenA = await login(a!.url, '1001');
    const feed = await FeedClient.signedIn(c!.url, await login(c!.url, '1002'));
    feed.send({ type: 'subscribe', id: 'all', scope: { tenant: true } });
    await feed.next((f) => f.type === 'snapshot');
    const ua = await TestUa.open('udp', c!.sipPort);
    const callId = `${randomBytes(6).toString('hex')}@t`;
    const uri = 'sip:1003@acme.test';
    const res = await ua.authed(
      'SUBSCRIBE',
      uri,
      [ua.from('1002'), ['To', `<${uri}>`], ['Contact', ua.contact], ['Event', 'presence'], ['Expires', '600']],
      { user: '1002', password: 'pass1002' },
      '',
      { callId },
    );
    expect(res.status).toBe(200);
    await ua.wait(notifyOf(callId));
    // Carol is online (an app registration reported through node A), so her manual status shows.
    const online = await call(a!.url, 'POST', '/api/v1/events', {
      token: tokenA,
      body: { events: [{ type: 'registration', user: '1003', id: 'app-1', kind: 'app', ttlSec: 600 }] },
    });
    expect(online.status, JSON.stringify(online.body)).toBe(200);
    await ua.wait(notifyOf(callId));

    const statuses = ['dnd', 'away', 'available', 'dnd', 'away'];
    for (const [i, status] of statuses.entries()) {
      const r = await call(a!.url, 'PUT', '/api/v1/users/u1003/status', {
        token: tokenA,
        body: { status, text: `change ${i}` },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
    // Each change is one presence event for Carol, in the order made ('available' clears the manual status).
    const carol = () =>
      feed.frames
        .filter((f) => f.type === 'events')
        .flatMap((f) => f.events)
        .filter((e: any) => e.subject === 'u1003')
        .map((e: any) => `${e.value.status} ${e.value.manual?.text ?? ''}`.trim());
    await until('five changes on the feed', () => carol().length >= statuses.length + 1);
    expect(carol()).toEqual(['online', 'dnd change 0', 'away change 1', 'online', 'dnd change 3', 'away change 4']);
    const lamps: string[] = [];
    for (let i = 0; i < statuses.length; i++) {
      const n = (await ua.wait(notifyOf(callId))) as SipRequest;
      const body = n.body.toString();
      lamps.push(body.includes('<rpid:busy/>') ? 'dnd' : body.includes('<rpid:away/>') ? 'away' : 'available');
    }
    expect(lamps).toEqual(statuses);
    await ua.close();
    feed.ws.close();
  }, 60_000);

  test('S10.1 each node says on /readyz and /metrics which tenants it owns, which nodes it sees and what it forwarded', async () => {
    const owner = await cluster.ownerOtherThan('acme', undefined);
    for (const id of ['n1', 'n2', 'n3']) {
      const ready = await call(cluster.node(id).url, 'GET', '/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body.cluster).toEqual({
        node: id,
        ownedTenants: id === owner.node ? 1 : 0,
        liveNodes: ['n1', 'n2', 'n3'],
      });
      const metrics = (await call(cluster.node(id).url, 'GET', '/metrics')).body as string;
      expect(metrics).toContain(`switchboard_cluster_owned_tenants ${id === owner.node ? 1 : 0}`);
      expect(metrics).toContain('switchboard_cluster_live_nodes 3');
      // S10.2: nothing was dropped or declined late while every node was up.
      expect(metrics).toContain('switchboard_cluster_forwards_abandoned_total 0');
      expect(metrics).toContain('switchboard_cluster_late_commands_declined_total 0');
    }
    // The first test's changes went through a node that does not own the tenant.
    const forwarded = await Promise.all(
      ['n1', 'n2', 'n3'].map(async (id) => {
        const text = (await call(cluster.node(id).url, 'GET', '/metrics')).body as string;
        return Number(/switchboard_cluster_forwarded_commands_total (\d+)/.exec(text)![1]);
      }),
    );
    expect(Math.max(...forwarded)).toBeGreaterThanOrEqual(5);
  });

  test('S10.2 S5.4 a sign-in made through one node works on the others, and signing out ends it everywhere', async () => {
    const [a, b, c] = ['n1', 'n2', 'n3'].map((n) => cluster.node(n));
    const token = await login(a!.url, '1004');
    const me = (url: string) => call(url, 'GET', '/api/v1/auth/me', { token });
    await eventually(
      async () => ((await me(b!.url)).status === 200 && (await me(c!.url)).status === 200 ? true : undefined),
      2000,
      'the sign-in is known on the other nodes',
    );
    expect((await call(b!.url, 'POST', '/api/v1/auth/logout', { token })).status).toBe(204);
    await eventually(
      async () => ((await me(a!.url)).status === 401 && (await me(c!.url)).status === 401 ? true : undefined),
      2000,
      'the sign-out is known everywhere',
    );
  });
});
