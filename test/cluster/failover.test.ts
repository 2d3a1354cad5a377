// S10.3, S10.4, S10.5 over real processes: three nodes sharing a PostgreSQL database and a NATS
// JetStream bus (support/cluster.ts), lease 3 s.
// - kill -9 of the tenant's owner during a stream of acknowledged changes, five times: another
//   node owns the tenant within 5 s, no acknowledged change is lost or applied twice (each change
//   carries its own text; the store's event log is counted), a registration made before the kill
//   still counts and a pending `until` still fires.
// - SIGSTOP of the owner past its lease: another node takes over and accepts changes; the old one,
//   woken, commits and publishes nothing more (its timer and a request sent to it meanwhile).
// - SIGTERM of the owner while two clients keep changing statuses through the other nodes: it
//   hands the tenant over and no request is refused.
// - a change sent through a surviving node while nobody owns the tenant, whose HTTP client gives
//   up: it is refused, and not applied when a node takes the tenant.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FeedClient } from '../feed/support.js';
import { TestCluster } from '../support/cluster.js';
import { tempDatabases, withClient } from '../support/postgres.js';
import { call, login } from '../support/server.js';
import { eventually } from '../support/wait.js';

const database = tempDatabases();
let cluster: TestCluster;
const NODES = ['n1', 'n2', 'n3'];
const tokens = new Map<string, string>();

beforeAll(async () => {
  cluster = new TestCluster(await database());
  await cluster.start('n1');
  await Promise.all([cluster.start('n2'), cluster.start('n3')]);
  for (const id of NODES) tokens.set(id, await login(cluster.node(id).url, '1001'));
}, 90_000);
afterAll(async () => {
  await cluster?.cleanup();
}, 30_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function setStatus(node: string, user: string, body: Record<string, unknown>) {
  return call(cluster.node(node).url, 'PUT', `/api/v1/users/${user}/status`, { token: tokens.get(node)!, body });
}

async function presence(node: string, user: string): Promise<any> {
  const r = await call(cluster.node(node).url, 'GET', `/api/v1/users/${user}/presence`, { token: tokens.get(node)! });
  return r.body;
}

/** The texts of the manual statuses the store's event log holds for a user, one per event. */
async function loggedTexts(user: string): Promise<string[]> {
  return withClient(cluster.db, async (c) => {
    const r = await c.query("SELECT body FROM events WHERE tenant = 'acme' AND subject = $1 ORDER BY epoch, seq", [
      user,
    ]);
    return r.rows
      .map((row: { body: string }) => JSON.parse(row.body).value?.manual?.text as string | undefined)
      .filter((t): t is string => t !== undefined);
  });
}

/** Changes a user's status through `node` one request at a time until stopped; answers what was acknowledged. */
function stream(node: () => string, user: string, prefix: string) {
  const acked: string[] = [];
  const refused: number[] = [];
  let running = true;
  const done = (async () => {
    for (let i = 0; running; i++) {
      const text = `${prefix}-${i}`;
      const r = await setStatus(node(), user, { status: i % 2 === 0 ? 'dnd' : 'away', text }).catch(() => undefined);
      if (r?.status === 200) acked.push(text);
      else refused.push(r?.status ?? 0);
    }
  })();
  return {
    acked,
    refused,
    stop: async () => {
      running = false;
      await done;
    },
  };
}

describe('S10.3 failover', () => {
  test('S10.3 S10.4 kill -9 of the owner, 5 trials: a new owner within 5 s, nothing acknowledged lost or applied twice, a registration and a pending until carry on', async () => {
    for (let trial = 0; trial < 5; trial++) {
      const owner = await cluster.ownerOtherThan('acme', undefined);
      const survivor = NODES.find((n) => n !== owner.node)!;
      // Before the kill, through a survivor: Dave registers an app, Erin is in DND until 6 s from now.
      const reg = await call(cluster.node(survivor).url, 'POST', '/api/v1/events', {
        token: tokens.get(survivor)!,
        body: { events: [{ type: 'registration', user: '1004', id: `app-${trial}`, kind: 'app', ttlSec: 600 }] },
      });
      expect(reg.status).toBe(200);
      const until = new Date(Date.now() + 6000).toISOString();
      expect((await setStatus(survivor, 'u1005', { status: 'dnd', until, text: `until-${trial}` })).status).toBe(200);

      const changes = stream(() => survivor, 'u1003', `t${trial}`);
      await sleep(300);
      const killedAt = Date.now();
      await cluster.signal(owner.node, 'SIGKILL');
      const before = changes.acked.length;
      const next = await cluster.ownerOtherThan('acme', owner.node, 5000);
      expect(next.fence).toBeGreaterThan(owner.fence);
      await eventually(
        () => (changes.acked.length > before ? true : undefined),
        6000,
        'a change acknowledged after the kill',
        50,
      );
      expect(Date.now() - killedAt).toBeLessThan(6000);
      await sleep(300);
      await changes.stop();

      const logged = await loggedTexts('u1003');
      for (const text of changes.acked)
        expect(
          logged.filter((t) => t === text),
          text,
        ).toHaveLength(1);
      expect(new Set(logged).size, 'no change applied twice').toBe(logged.length);
      // The registration made before the kill still counts, on every live node.
      for (const n of NODES.filter((x) => x !== owner.node)) expect((await presence(n, 'u1004')).status).toBe('online');
      // Erin's DND ends at its `until` on the new owner.
      await eventually(
        async () => ((await presence(survivor, 'u1005')).manual === undefined ? true : undefined),
        10_000,
        'the until fired',
        50,
      );
      await cluster.start(owner.node);
      tokens.set(owner.node, await login(cluster.node(owner.node).url, '1001'));
    }
  }, 240_000);

  test('S10.2 S10.3 a change whose HTTP client gave up while no node owned the tenant is not applied when a node takes it', async () => {
    const owner = await cluster.ownerOtherThan('acme', undefined);
    const survivor = NODES.find((n) => n !== owner.node)!;
    await cluster.signal(owner.node, 'SIGKILL');
    // Nobody owns acme until the lease runs out: the survivor holds the change for an owner, and the
    // client gives up after 300 ms.
    const gaveUp = await fetch(`${cluster.node(survivor).url}/api/v1/users/u1002/status`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${tokens.get(survivor)!}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'dnd', text: 'the client gave up' }),
      signal: AbortSignal.timeout(300),
    }).then(
      (r) => r.status,
      (e: unknown) => (e instanceof Error ? e.name : String(e)),
    );
    expect(gaveUp).toBe('TimeoutError');
    await cluster.ownerOtherThan('acme', owner.node);
    const later = await setStatus(survivor, 'u1002', { status: 'away', text: 'sent after the take-over' });
    expect(later.status).toBe(200);
    await sleep(1500); // the forwarder retried for 10 s before: it would have been applied by now
    const logged = await loggedTexts('u1002');
    expect(logged).toContain('sent after the take-over');
    expect(logged).not.toContain('the client gave up');
    expect((await presence(survivor, 'u1002')).manual?.text).toBe('sent after the take-over');
    await cluster.start(owner.node);
    tokens.set(owner.node, await login(cluster.node(owner.node).url, '1001'));
  }, 60_000);

  test('S10.4 SIGSTOP of the owner past its lease: another node takes over; the old one, woken, commits and publishes nothing', async () => {
    const owner = await cluster.ownerOtherThan('acme', undefined);
    const [watcherNode, other] = NODES.filter((n) => n !== owner.node) as [string, string];
    const feed = await FeedClient.signedIn(cluster.node(watcherNode).url, tokens.get(watcherNode)!);
    feed.send({ type: 'subscribe', id: 'all', scope: { tenant: true } });
    await feed.next((f) => f.type === 'snapshot');
    // A timer that falls due on the old owner while it sleeps.
    expect(
      (await setStatus(owner.node, 'u1006', { status: 'dnd', until: new Date(Date.now() + 1500).toISOString() }))
        .status,
    ).toBe(200);
    await cluster.signal(owner.node, 'SIGSTOP');
    const oldEpoch = await withClient(
      cluster.db,
      async (c) => (await c.query("SELECT epoch FROM tenants WHERE id = 'acme'")).rows[0].epoch as string,
    );
    // A request to the sleeping node: it is read when the node wakes.
    const late = setStatus(owner.node, 'u1007', { status: 'dnd', text: 'sent to the sleeping owner' });
    const next = await cluster.ownerOtherThan('acme', owner.node, 10_000);
    expect((await setStatus(other, 'u1008', { status: 'away', text: 'after the take-over' })).status).toBe(200);
    const oldRows = async () =>
      withClient(cluster.db, async (c) =>
        Number(
          (await c.query("SELECT count(*) FROM events WHERE tenant = 'acme' AND epoch = $1", [oldEpoch])).rows[0].count,
        ),
      );
    const before = await oldRows();
    await cluster.signal(owner.node, 'SIGCONT');
    const answer = await late;
    await sleep(3000);
    expect(await oldRows(), 'nothing committed under the old epoch after the wake').toBe(before);
    const epochs = feed.frames
      .filter((f) => f.type === 'events')
      .flatMap((f) => f.events.map((e: any) => e.epoch as string));
    const firstNew = epochs.findIndex((e) => e !== oldEpoch);
    expect(firstNew).toBeGreaterThanOrEqual(0);
    expect(
      epochs.slice(firstNew).filter((e) => e === oldEpoch),
      'no event of the old epoch after the new one',
    ).toEqual([]);
    // The request the sleeping node read was refused, or forwarded to the new owner and committed there.
    if (answer.status === 200) expect((await loggedTexts('u1007')).includes('sent to the sleeping owner')).toBe(true);
    else expect(answer.status).toBe(503);
    expect(next.node).not.toBe(owner.node);
    feed.ws.close();
  }, 60_000);

  test('S10.5 SIGTERM of the owner under load: it hands the tenant over and no request is refused', async () => {
    const owner = await cluster.ownerOtherThan('acme', undefined);
    const [a, b] = NODES.filter((n) => n !== owner.node) as [string, string];
    const one = stream(() => a, 'u1009', 'term-a');
    const two = stream(() => b, 'u1010', 'term-b');
    await sleep(500);
    await cluster.signal(owner.node, 'SIGTERM');
    expect(cluster.node(owner.node).child.exitCode).toBe(0);
    const next = await cluster.ownerOtherThan('acme', owner.node, 2000);
    await sleep(500);
    await Promise.all([one.stop(), two.stop()]);
    expect(one.refused).toEqual([]);
    expect(two.refused).toEqual([]);
    expect(one.acked.length).toBeGreaterThan(5);
    expect([a, b]).toContain(next.node);
  }, 60_000);
});
