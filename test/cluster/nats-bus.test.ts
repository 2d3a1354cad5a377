// The NATS JetStream bus (src/cluster/) against a real nats-server at 127.0.0.1:4222 with
// JetStream on (.ci/run starts one). Each run uses a stream and subject prefix of its own, deleted
// at the end. Two NatsBus instances are two nodes: each sees every tenant's batches, its own
// included, once and in order; a bad message is dropped and counted; a node can start at a
// stream sequence; and two real servers share nothing but the bus.
import { randomBytes } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BusError } from '../../src/app/bus.js';
import { DEFAULT_CONFIG } from '../../src/app/config.js';
import { startServer } from '../../src/app/server.js';
import type { Server } from '../../src/app/server.js';
import { batchSubject, NatsBus } from '../../src/cluster/index.js';
import type { BusGap, NatsBusOptions } from '../../src/cluster/index.js';
import { createTenantState } from '../../src/core/index.js';
import { Engine, ManualClock } from '../../src/engine/index.js';
import type { CommittedBatch, EngineEvent } from '../../src/engine/index.js';
import { tempStores } from '../support/files.js';
import { NO_SHEDDING, call, login, testServer } from '../support/server.js';
import { eventually } from '../support/wait.js';

const URL = process.env.SWB_TEST_NATS ?? 'nats://127.0.0.1:4222';
const RUN = randomBytes(4).toString('hex');
const STREAM = `SWB_TEST_${RUN}`;
const PREFIX = `swbtest.${RUN}.t`;

let raw: NatsConnection;
const buses: NatsBus[] = [];

async function node(options: Partial<NatsBusOptions> = {}): Promise<NatsBus> {
  const bus = await NatsBus.connect({
    servers: URL,
    stream: STREAM,
    subjectPrefix: PREFIX,
    maxAgeSec: 600,
    maxBytes: 64 * 1024 * 1024,
    connection: { reconnectTimeWait: 20 },
    // An acknowledgement lost in a reconnect is waited for this long before the (deduplicated) retry.
    publishTimeoutMs: 1000,
    ...options,
  });
  buses.push(bus);
  return bus;
}

beforeAll(async () => {
  raw = await connect({ servers: URL });
});

afterAll(async () => {
  for (const bus of buses) await bus.close();
  const jsm = await jetstreamManager(raw);
  await jsm.streams.delete(STREAM).catch(() => undefined);
  await raw.close();
});

function batch(tenant: string, seqs: readonly number[], epoch = 'e1'): CommittedBatch {
  const events = seqs.map(
    (seq) => ({ type: 'presence.changed', tenant, epoch, seq, subject: 'u1', at: 0 }) as unknown as EngineEvent,
  );
  return { tenant, events, directives: [] };
}

/** Every batch a bus hands to an every-tenant subscriber, as `tenant:seq,seq`. */
async function recorder(bus: NatsBus): Promise<string[]> {
  const seen: string[] = [];
  bus.subscribe((b) => seen.push(`${b.tenant}:${b.events.map((e) => e.seq).join(',')}`));
  await bus.start();
  return seen;
}

const seqsOf = (seen: readonly string[], tenant: string): number[] =>
  seen
    .filter((s) => s.startsWith(`${tenant}:`))
    .flatMap((s) => s.slice(tenant.length + 1).split(','))
    .map(Number);

const upTo = (n: number, from = 1): number[] => Array.from({ length: n - from + 1 }, (_, i) => from + i);

/** A batch as the wire carries it (src/cluster/wire.ts), to inject as another node would. */
const wire = (tenant: string, seq: number) => ({ v: 1, epoch: 'e1', seq, part: 0, ...batch(tenant, [seq]) });

/** Publishes raw bytes on a tenant's subject, as a misbehaving or duplicating node would. */
async function inject(tenant: string, data: string): Promise<void> {
  await jetstream(raw).publish(batchSubject(PREFIX, tenant), data, { msgID: randomBytes(8).toString('hex') });
}

describe('NatsBus: two nodes on one JetStream stream', () => {
  test('S10.2 every node gets every tenant’s batches in order, its own included, with interleaved tenants', async () => {
    const a = await node();
    const b = await node();
    const atA = await recorder(a);
    const atB = await recorder(b);
    const onlyOdd: number[] = [];
    b.subscribe((x) => onlyOdd.push(...x.events.map((e) => e.seq)), 'odd.tenant *>');
    for (let i = 1; i <= 30; i++) {
      a.publish(batch('acme', [2 * i - 1, 2 * i]));
      b.publish(batch('beta', [i]));
      if (i % 3 === 0) a.publish(batch('odd.tenant *>', [i / 3]));
    }
    await Promise.all([a.flush(), b.flush()]);
    for (const seen of [atA, atB]) {
      // Batches waiting behind one in flight may share a message (publisher.ts): count the seqs.
      await eventually(
        () => (seqsOf(seen, 'acme').length === 60 && seqsOf(seen, 'beta').length === 30 ? true : undefined),
        10_000,
        () => `every batch, got ${seen.join(' ')}`,
      );
      expect(seqsOf(seen, 'acme')).toEqual(upTo(60));
      expect(seqsOf(seen, 'beta')).toEqual(upTo(30));
      expect(seqsOf(seen, 'odd.tenant *>')).toEqual(upTo(10));
    }
    // The same stream order on both nodes, and a tenant's subscriber gets its tenant only.
    expect(atB).toEqual(atA);
    expect(onlyOdd).toEqual(upTo(10));
    const sent = a.stats();
    expect(sent.published + sent.merged).toBe(40);
    expect(sent.merged).toBeGreaterThan(0);
    expect(sent).toMatchObject({ dropped: 0, malformed: 0, duplicates: 0, gaps: 0 });
  });

  test('S10.2 a reconnect or a second copy in the stream delivers no batch twice; a missing one is a gap', async () => {
    const gaps: BusGap[] = [];
    const a = await node();
    const b = await node({ onGap: (g) => gaps.push(g) });
    const seen = await recorder(b);
    for (let i = 1; i <= 10; i++) a.publish(batch('redo', [i]));
    await a.flush();
    await Promise.all([b.connection.reconnect(), a.connection.reconnect()]);
    for (let i = 11; i <= 30; i++) a.publish(batch('redo', [i]));
    await a.flush();
    await eventually(() => (seqsOf(seen, 'redo').length >= 30 ? true : undefined), 10_000, 'the 30 batches');
    // A copy of batch 5 that reached the stream under another message id (a retry that outlived
    // the duplicate window), then batch 31 after it: dropped, then delivered.
    await inject('redo', JSON.stringify(wire('redo', 5)));
    await inject('redo', JSON.stringify(wire('redo', 31)));
    await eventually(() => (seqsOf(seen, 'redo').length === 31 ? true : undefined), 5000, 'batch 31');
    expect(seqsOf(seen, 'redo')).toEqual(upTo(31));
    expect(b.stats().duplicates).toBe(1);
    expect(gaps).toEqual([]);
    // Batches 32–34 never arrive: 35 is delivered and its tenant reported.
    await inject('redo', JSON.stringify(wire('redo', 35)));
    await eventually(() => (gaps.length > 0 ? true : undefined), 5000, 'the gap');
    expect(gaps).toEqual([
      { tenant: 'redo', after: { epoch: 'e1', seq: 31, part: 0 }, got: { epoch: 'e1', seq: 35, part: 0 } },
    ]);
    expect(seqsOf(seen, 'redo').slice(-1)).toEqual([35]);
  });

  test('S10.2 a batch larger than a message arrives as consecutive batches, every seq once, in order', async () => {
    const a = await node({ maxMessageBytes: 700 });
    const b = await node();
    const seen = await recorder(b);
    const directives: string[] = [];
    b.subscribe((x) => directives.push(...x.directives.map((d) => d.type)), 'big');
    const offer = { type: 'queue.offer', queueId: 'q1', callId: 'c1', userIds: ['u1'], ringSec: 20 } as const;
    a.publish({ ...batch('big', upTo(40)), directives: [offer] });
    a.publish(batch('big', [41]));
    await a.flush();
    await eventually(() => (seqsOf(seen, 'big').length === 41 ? true : undefined), 5000, 'the 41 events');
    expect(seqsOf(seen, 'big')).toEqual(upTo(41));
    expect(seen.length).toBeGreaterThan(3);
    expect(directives).toEqual(['queue.offer']);
    expect(b.stats()).toMatchObject({ gaps: 0, duplicates: 0, malformed: 0 });
  });

  test('S10.2 a malformed message is dropped and counted; the batches after it still arrive', async () => {
    const b = await node();
    const seen = await recorder(b);
    const valid = (seq: number) => wire('bad', seq);
    await inject('bad', 'not json {');
    await inject('bad', JSON.stringify({ ...valid(1), v: 2 }));
    await inject('bad', JSON.stringify({ ...valid(1), tenant: 'other' }));
    await inject('bad', JSON.stringify({ ...valid(1), events: [{ seq: 1 }] }));
    await inject('bad', JSON.stringify({ ...valid(1), directives: [{ type: 'rm -rf' }] }));
    await inject('bad', JSON.stringify(valid(1)));
    await eventually(() => (seen.length === 1 ? true : undefined), 5000, 'the valid batch');
    expect(seen).toEqual(['bad:1']);
    expect(b.stats()).toMatchObject({ malformed: 5, delivered: 1 });
  });

  test('S10.2 a node started after the publishing reads from a given stream sequence on', async () => {
    const a = await node();
    let third: number | undefined;
    a.subscribe((x) => {
      if (x.events[0]?.seq === 3) third = a.stats().position;
    }, 'late');
    await a.start();
    // One at a time, so each batch is a stream message of its own (waiting ones would share one).
    for (let i = 1; i <= 6; i++) {
      a.publish(batch('late', [i]));
      await a.flush();
    }
    const at = await eventually(() => third, 5000, 'batch 3 at the publishing node');
    const resumed = await node({ from: { streamSeq: at } });
    const fresh = await node();
    const fromThird = await recorder(resumed);
    const fromNow = await recorder(fresh);
    await eventually(() => (seqsOf(fromThird, 'late').length === 4 ? true : undefined), 5000, 'batches 3–6');
    a.publish(batch('late', [7]));
    await a.flush();
    await eventually(() => (seqsOf(fromNow, 'late').length === 1 ? true : undefined), 5000, 'batch 7');
    await eventually(() => (seqsOf(fromThird, 'late').length === 5 ? true : undefined), 5000, 'batch 7 resumed');
    expect(seqsOf(fromThird, 'late')).toEqual(upTo(7, 3));
    expect(seqsOf(fromNow, 'late')).toEqual([7]);
  });
});

describe('an engine publishing on the NATS bus', () => {
  const user = (id: string) => ({ type: 'user.upsert', user: { id, extension: id.slice(1), name: id } }) as const;

  test('S8.2 S10.2 a batch the journal refuses reaches no node, its own neither; the retry reaches both', async () => {
    const a = await node();
    const b = await node();
    const journal = { fail: true };
    const engine = new Engine({
      clock: new ManualClock(0),
      bus: a,
      journal: {
        commit() {
          if (journal.fail) throw new Error('disk full');
        },
      },
    });
    engine.addTenant(createTenantState('fenced'), { epoch: 'f1', seq: 0 });
    const atA = await recorder(a);
    const atB = await recorder(b);
    const bodies: string[] = [];
    b.subscribe((x) => bodies.push(JSON.stringify(x.events)), 'fenced');
    expect(await engine.dispatch('fenced', user('u1001'))).toMatchObject({ ok: false, code: 'SWB_ERR_UNAVAILABLE' });
    await engine.settled();
    journal.fail = false;
    expect((await engine.dispatch('fenced', user('u1002'))).ok).toBe(true);
    await engine.settled();
    await a.flush();
    const committed = engine.position('fenced')!.seq;
    for (const seen of [atA, atB]) {
      await eventually(() => (seqsOf(seen, 'fenced').at(-1) === committed ? true : undefined), 5000, 'the retry');
      // The refused batch's seqs were taken again by the retry: each seq once, from 1.
      expect(seqsOf(seen, 'fenced')).toEqual(upTo(committed));
    }
    expect(bodies.join()).toContain('u1002');
    expect(bodies.join()).not.toContain('u1001');
    engine.stop();
  });
});

describe('two servers sharing the bus', () => {
  const dirs = tempStores('nats');
  let a: Server & { cleanup(): Promise<void> };
  let b: Server;
  let busB: NatsBus;

  beforeAll(async () => {
    // Node A through its configuration (--bus …), node B given a bus: it only listens for now.
    a = await testServer({ busUrl: URL, busStream: STREAM, busSubjectPrefix: PREFIX, busMaxAgeSec: 600 });
    const config = {
      ...DEFAULT_CONFIG,
      ...NO_SHEDDING,
      httpPort: 0,
      sipPort: 0,
      host: '127.0.0.1',
      demo: false,
      dataDir: dirs().dir,
    };
    busB = await node();
    b = await startServer(config, { bus: busB, logger: pino({ level: 'silent' }) });
    await busB.start();
    // Two servers starting on a busy machine take longer than the default hook time.
  }, 60_000);

  afterAll(async () => {
    await b?.close();
    await a?.cleanup();
  });

  test('S10.2 a bus that cannot be reached stops the start with a line saying which', async () => {
    const start = testServer({ busUrl: 'nats://127.0.0.1:1', dataDir: dirs().dir });
    await expect(start).rejects.toThrow(BusError);
    await expect(start).rejects.toThrow(/^the bus at nats:\/\/127\.0\.0\.1:1 is not usable/);
  });

  test('S10.2 a status set over REST on node A reaches node B’s bus in order, after A’s commit', async () => {
    expect(a.bus).toBeInstanceOf(NatsBus);
    const atB: { seq: number; type: string; subject?: string; manual?: string }[] = [];
    b.bus.subscribe((x) => {
      for (const e of x.events) {
        const { seq, type, subject, value } = e as { seq: number; type: string; subject?: string; value?: any };
        atB.push({ seq, type, subject, manual: type === 'presence.changed' ? value?.manual?.status : undefined });
      }
    }, 'acme');
    const token = await login(a.url, '1003');
    for (const status of ['dnd', 'away', 'busy']) {
      const put = await call(a.url, 'PUT', '/api/v1/users/1003/status', { token, body: { status } });
      expect(put.status).toBe(200);
    }
    const position = a.engine.position('acme')!;
    await eventually(() => (atB.at(-1)?.seq === position.seq ? true : undefined), 5000, 'A’s last seq at B');
    expect(atB.map((e) => e.seq)).toEqual(atB.map((_, i) => atB[0]!.seq + i));
    expect(
      atB.filter((e) => e.subject === 'u1003' && e.type === 'presence.changed').map((e) => e.manual ?? 'none'),
    ).toEqual(['dnd', 'away', 'busy']);
    // B's own surfaces (feed, SIP, webhooks) got A's tenant too, and none of them failed on it.
    expect(busB.stats()).toMatchObject({ handlerErrors: 0, malformed: 0, gaps: 0, duplicates: 0 });
  });
});
