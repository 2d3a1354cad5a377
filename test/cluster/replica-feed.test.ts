// S10.2 S10.3: a node's feed watchers never silently miss a tenant's changes when the bus between
// nodes loses a batch. The owner (an engine on a real SQLite store) publishes through the real
// NATS JetStream bus; one of its batches is lost before it is sent, as a publisher whose queue
// overflowed loses it. The other node (its own NatsBus, replica and feed on a real WebSocket)
// sees the gap, loads the tenant again from the store, and its watchers get `resync` and a fresh
// snapshot that shows the lost change, then the changes after it as events.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, expect, test } from 'vitest';
import { patchCodec } from '../../src/app/patch-codec.js';
import { NatsBus, Replicas } from '../../src/cluster/index.js';
import { DEFAULT_POLICY } from '../../src/core/index.js';
import type { Command, TenantId } from '../../src/core/index.js';
import { Engine, ManualClock } from '../../src/engine/index.js';
import type { Bus, BusHandler, CommittedBatch } from '../../src/engine/index.js';
import { Feed } from '../../src/feed/index.js';
import { SqliteStore } from '../../src/store/index.js';
import { FeedClient } from '../feed/support.js';
import type { Frame } from '../feed/support.js';
import { tempStores } from '../support/files.js';
import { T0, admin, users } from '../support/tenant.js';

const URL = process.env.SWB_TEST_NATS ?? 'nats://127.0.0.1:4222';
const RUN = randomBytes(4).toString('hex');
const STREAM = `SWB_TEST_${RUN}`;
const cleanup: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const f of cleanup.reverse()) await f();
  const nc = await connect({ servers: URL });
  await (await jetstreamManager(nc)).streams.delete(STREAM).catch(() => undefined);
  await nc.close();
});

const natsBus = async (codec: ReturnType<typeof patchCodec>, extra: object = {}) => {
  const bus = await NatsBus.connect({
    servers: URL,
    stream: STREAM,
    subjectPrefix: `swbtest.${RUN}.t`,
    maxAgeSec: 600,
    maxBytes: 64 * 1024 * 1024,
    codec,
    ...extra,
  });
  cleanup.push(() => bus.close());
  await bus.start();
  return bus;
};

/** The owner's side of the bus: sends every batch but the ones it is told to lose. */
class Losing implements Bus {
  readonly replicates = true;
  lose = 0;
  constructor(private readonly inner: NatsBus) {}
  publish(batch: CommittedBatch): void {
    if (this.lose > 0) this.lose--;
    else this.inner.publish(batch);
  }
  subscribe(handler: BusHandler, tenant?: TenantId): () => void {
    return this.inner.subscribe(handler, tenant);
  }
}

async function rig() {
  const store = new SqliteStore(tempStores('replica-feed')().file);
  cleanup.push(() => store.close());
  await store.createTenant(
    { id: 'acme', name: 'Acme', sipDomain: 'acme.test', policy: DEFAULT_POLICY, epoch: 'e1', seq: 0 },
    T0,
  );
  const clock = new ManualClock(T0);
  // The owner: commits to the store, publishes on NATS.
  const ownerBus = new Losing(
    await natsBus(
      patchCodec(() => owner.state('acme')?.policy),
      { replicaOf: () => false },
    ),
  );
  const owner: Engine = new Engine({
    clock,
    journal: { commit: (b) => store.commit(b).then(() => {}) },
    bus: ownerBus,
  });
  const first = (await store.loadTenant('acme'))!;
  owner.addTenant(first.state, { epoch: first.row.epoch, seq: first.row.seq });
  const run = async (command: Command) => expect(await owner.dispatch('acme', command)).toMatchObject({ ok: true });
  for (const u of users(4)) await run({ type: 'user.upsert', user: u });
  // The other node: its replica follows the bus and loads the tenant from the store when it must.
  const follow = async () => {
    const loaded = (await store.loadTenant('acme'))!;
    replica.follow(loaded.state, { epoch: loaded.row.epoch, seq: loaded.row.seq });
  };
  const view = {
    hasTenant: (id: TenantId) => replica.hasTenant(id),
    owns: (id: TenantId) => replica.owns(id),
    position: (id: TenantId) => replica.position(id),
    replicate: (...a: Parameters<Engine['replicate']>) => replica.replicate(...a),
  };
  const ref: { replicas?: Replicas } = {};
  const inner = await natsBus(
    patchCodec(() => replica.state('acme')?.policy),
    {
      onGap: (gap: { tenant: TenantId }) => void ref.replicas?.reload(gap.tenant),
    },
  );
  const replicas = new Replicas(inner, view, follow);
  ref.replicas = replicas;
  const replica: Engine = new Engine({ clock, bus: replicas });
  await follow();
  const feed = new Feed({
    engine: replica,
    authenticate: () => ({ tenant: 'acme', actor: admin('u1001'), role: 'admin' }),
  });
  const http = createServer();
  feed.attach(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise<void>((resolve) => http.close(() => resolve())));
  cleanup.push(() => feed.close());
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return { owner, ownerBus, replica, replicas, url, run };
}

const status = (userId: string, text: string): Command => ({
  type: 'status.set',
  userId,
  status: 'dnd',
  text,
  by: admin('u1001'),
});
const textOf = (snapshot: Frame, userId: string): unknown =>
  (snapshot.presence as Frame[]).find((p) => p.userId === userId)?.text;

test('S10.2 S10.3 a batch the bus lost: the replica loads the tenant again and its feed watchers resync to a snapshot that shows it', async () => {
  const r = await rig();
  const watcher = await FeedClient.signedIn(r.url, 'any');
  cleanup.push(() => watcher.close());
  await watcher.subscribe('all', { tenant: true });
  await r.run(status('u1002', 'before'));
  await watcher.event((e) => e.subject === 'u1002' && e.value.text === 'before');

  r.ownerBus.lose = 1;
  await r.run(status('u1003', 'lost on the bus'));
  await r.run(status('u1004', 'after the gap'));

  const resync = await watcher.next((f) => f.type === 'resync');
  const snapshot = await watcher.next((f) => f.type === 'snapshot');
  expect(snapshot).toMatchObject({ id: 'all', resync: true, epoch: resync.epoch, seq: resync.seq });
  expect(textOf(snapshot, 'u1003')).toBe('lost on the bus');
  expect(textOf(snapshot, 'u1004')).toBe('after the gap');
  expect(r.replicas.stats().reloads).toBeGreaterThan(0);
  expect(r.replica.position('acme')).toEqual(r.owner.position('acme'));

  // Later changes come as events after the snapshot's position, each once.
  await r.run(status('u1002', 'later'));
  const later = await watcher.event((e) => e.subject === 'u1002' && e.value.text === 'later');
  expect(later.seq).toBeGreaterThan(snapshot.seq);
  const seqs = watcher.events().map((e: Frame) => e.seq as number);
  expect(new Set(seqs).size).toBe(seqs.length);
}, 30_000);
