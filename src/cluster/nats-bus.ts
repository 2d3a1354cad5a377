// The Bus port over NATS JetStream (S10.1), for several nodes. Each committed batch goes out on
// its tenant's subject (subject.ts) into one stream (stream.ts); every node, the publishing one
// included, reads the whole stream from one ordered consumer and hands each batch to its own
// subscribers. So a node's subscribers get every tenant's batches in the stream's order — the
// same order on every node — and nothing before its commit (the engine publishes after it).
//
// The publishing node does not deliver its own batches at once: it gets them back from the
// stream like everyone else (docs/rules.md, Several nodes). One source of order per node means a
// tenant's batches can never be interleaved from two paths, now or when its owner changes; the
// price is a round trip to NATS before the local subscribers see a batch.
//
// Received messages are checked (wire.ts; a bad one is dropped and counted), duplicates dropped
// and gaps reported (order.ts). Sending is per tenant in commit order, with retries (publisher.ts).
import { randomUUID } from 'node:crypto';
import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { ConsumerMessages, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection, NodeConnectionOptions } from '@nats-io/transport-node';
import type { Patch, TenantId } from '../core/index.js';
import { InProcessBus } from '../engine/index.js';
import type { Bus, BusHandler, CommittedBatch } from '../engine/index.js';
import { DeliveredOrder } from './order.js';
import type { BusGap } from './order.js';
import { Publisher } from './publisher.js';
import type { Outgoing, PublisherStats } from './publisher.js';
import { ensureStream } from './stream.js';
import type { StreamSettings } from './stream.js';
import { allBatches, batchSubject, tenantToken, validPrefix } from './subject.js';
import { decodeBatch, encodeBatch, encodeBatchParts } from './wire.js';
import type { Place } from './wire.js';

/** S10.2: the batches' changes on the wire; decode answers undefined for what it cannot read (the replica reloads). */
export interface PatchCodec {
  encode(patches: readonly Patch[]): unknown;
  decode(tenant: TenantId, state: unknown): readonly Patch[] | undefined;
}

/** A batch waiting to be sent as it was committed, and its place: what merging needs. */
interface Source {
  readonly batch: CommittedBatch;
  readonly place: Place;
}

export type BusLog = (level: 'warn' | 'error', detail: Record<string, unknown>, message: string) => void;

export interface NatsBusOptions extends Partial<StreamSettings> {
  /** NATS server URLs, e.g. `nats://127.0.0.1:4222` (several: one cluster). */
  readonly servers: string | readonly string[];
  /** Where to start reading: `new` (default) or a stream sequence (a node resuming). */
  readonly from?: 'new' | { readonly streamSeq: number };
  readonly maxPending?: number;
  readonly publishTimeoutMs?: number;
  /** The largest message to send (default: the server's max_payload less room for headers). */
  readonly maxMessageBytes?: number;
  /** The connection's name, as NATS monitoring shows it. */
  readonly name?: string;
  /** A tenant's batches went missing: its subscribers should resync it. */
  readonly onGap?: (gap: BusGap) => void;
  readonly log?: BusLog;
  /** S10.2: writes and reads the batches' changes, so other nodes keep replicas (replica.ts). */
  readonly codec?: PatchCodec;
  /** Whether this node keeps a replica of the tenant (default yes): the owner's own batches are not decoded. */
  readonly replicaOf?: (tenant: TenantId) => boolean;
  /** Anything else for the NATS client (reconnect timing, TLS, credentials). */
  readonly connection?: Partial<NodeConnectionOptions>;
}

export interface NatsBusStats extends PublisherStats {
  readonly delivered: number;
  readonly duplicates: number;
  readonly malformed: number;
  readonly gaps: number;
  readonly handlerErrors: number;
  /** The last stream sequence this node has read: where it would resume. */
  readonly position: number;
}

export const NATS_BUS_DEFAULTS = {
  stream: 'SWB_EVENTS',
  subjectPrefix: 'swb.t',
  maxAgeSec: 24 * 3600,
  maxBytes: 1024 ** 3,
  maxPending: 100_000,
  publishTimeoutMs: 5000,
} as const;

const CLOSE_DEADLINE_MS = 2000;
const HEADER_ROOM = 1024;

export class NatsBus implements Bus {
  /**
   * Connects and makes sure the stream exists; throws when NATS is not there. Reading starts with
   * start(), once the subscribers are in place: from the stream's next sequence as it was at
   * connect (`new`), so nothing published after connect() is missed, or from `from`.
   */
  static async connect(options: NatsBusOptions): Promise<NatsBus> {
    const settings: StreamSettings = { ...NATS_BUS_DEFAULTS, ...definedOf(options) };
    if (!validPrefix(settings.subjectPrefix)) throw new Error(`bad subject prefix: ${settings.subjectPrefix}`);
    const nc = await connect({
      servers: typeof options.servers === 'string' ? options.servers.split(',') : [...options.servers],
      maxReconnectAttempts: -1,
      // No stack captured for each request (a JetStream publish is one): it cost 2 % of a busy node.
      noAsyncTraces: true,
      ...(options.name !== undefined ? { name: options.name } : {}),
      ...options.connection,
    });
    try {
      const info = await ensureStream(await jetstreamManager(nc), settings);
      const from = options.from ?? 'new';
      return new NatsBus(nc, settings, options, from === 'new' ? info.state.last_seq + 1 : from.streamSeq);
    } catch (err) {
      await nc.close();
      throw err;
    }
  }

  private readonly local = new InProcessBus();
  private readonly js: JetStreamClient;
  private readonly publisher: Publisher<Source>;
  private readonly order = new DeliveredOrder();
  /** The place of the last batch this node published, per tenant (wire.ts). */
  private readonly placed = new Map<TenantId, Place>();
  private messages: ConsumerMessages | undefined;
  private lastStreamSeq = 0;
  private counts = { delivered: 0, duplicates: 0, malformed: 0, gaps: 0, handlerErrors: 0 };
  private started = false;
  private closed = false;

  private constructor(
    /** The NATS connection (status, reconnects); closed by close(). */
    readonly connection: NatsConnection,
    private readonly settings: StreamSettings,
    private readonly options: NatsBusOptions,
    private readonly startSeq: number,
  ) {
    this.js = jetstream(connection);
    this.publisher = new Publisher(this.js, {
      maxPending: options.maxPending ?? NATS_BUS_DEFAULTS.maxPending,
      timeoutMs: options.publishTimeoutMs ?? NATS_BUS_DEFAULTS.publishTimeoutMs,
      onDropped: (out, why) => this.log('error', { tenant: out.tenant, msgId: out.msgId, why }, 'bus batch dropped'),
      merge: (run) => this.merge(run),
    });
  }

  get replicates(): boolean {
    return this.options.codec !== undefined;
  }

  publish(batch: CommittedBatch): void {
    const subject = batchSubject(this.settings.subjectPrefix, batch.tenant);
    const parts = encodeBatchParts(batch, this.placeOf(batch), this.maxMessageBytes(), this.stateOf(batch.patches));
    // A batch of events that fits one message may share it with the batches after it (merge).
    const mergeable = parts.length === 1 && batch.events.length > 0;
    for (const { place, data } of parts) {
      // The id names the place, so a retry — or the same batch sent again — is stored once.
      const msgId =
        place.epoch === ''
          ? randomUUID()
          : `${tenantToken(batch.tenant)}:${place.epoch}:${String(place.seq)}:${String(place.part)}`;
      this.publisher.send({
        tenant: batch.tenant,
        subject,
        data,
        msgId,
        ...(mergeable ? { source: { batch, place } } : {}),
      });
    }
  }

  /**
   * Batches of events waiting for the same tenant, as one batch placed at the last one's place:
   * its events follow on (order.ts), and other nodes apply the changes together. Undefined when
   * they cannot go together: another epoch, changes on some only, or too large for one message.
   */
  private merge(run: readonly Outgoing<Source>[]): Outgoing<Source> | undefined {
    const last = run[run.length - 1]!;
    const { place } = last.source!;
    const batches = run.map((o) => o.source!.batch);
    const withPatches = batches.filter((b) => b.patches !== undefined).length;
    if (withPatches !== 0 && withPatches !== batches.length) return undefined;
    if (batches.some((b) => b.events[0]!.epoch !== place.epoch)) return undefined;
    const patches = withPatches === 0 ? undefined : batches.flatMap((b) => b.patches!);
    const batch: CommittedBatch = {
      tenant: last.tenant,
      events: batches.flatMap((b) => b.events),
      directives: batches.flatMap((b) => b.directives),
      ...(patches !== undefined ? { patches } : {}),
    };
    const data = encodeBatch(batch, place, this.stateOf(patches));
    if (Buffer.byteLength(data) > this.maxMessageBytes()) return undefined;
    return { ...last, data, source: { batch, place } };
  }

  /** The changes as the codec writes them for the replicas (none without a codec). */
  private stateOf(patches: readonly Patch[] | undefined): unknown {
    const codec = this.options.codec;
    return codec !== undefined && patches !== undefined ? codec.encode(patches) : undefined;
  }

  subscribe(handler: BusHandler, tenant?: TenantId): () => void {
    // A subscriber that throws neither stops the others nor the consumer.
    const guarded: BusHandler = (batch) => {
      try {
        handler(batch);
      } catch (err) {
        this.counts.handlerErrors++;
        this.log(
          'error',
          { tenant: batch.tenant, err: err instanceof Error ? err.message : String(err) },
          'bus subscriber failed',
        );
      }
    };
    return this.local.subscribe(guarded, tenant);
  }

  /** Resolves once every batch published so far is in the stream (or dropped). */
  flush(): Promise<void> {
    return this.publisher.flush();
  }

  stats(): NatsBusStats {
    return { ...this.publisher.stats(), ...this.counts, position: this.lastStreamSeq };
  }

  /** Sends what waits (briefly), stops reading and closes the connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.publisher.close(CLOSE_DEADLINE_MS);
    this.messages?.stop();
    await this.connection.close();
  }

  /** What one message may hold: the server's limit, less room for the headers. */
  private maxMessageBytes(): number {
    return this.options.maxMessageBytes ?? (this.connection.info?.max_payload ?? 1024 * 1024) - HEADER_ROOM;
  }

  private placeOf(batch: CommittedBatch): Place {
    const last = batch.events[batch.events.length - 1];
    if (last !== undefined) {
      const place = { epoch: last.epoch, seq: last.seq, part: 0 };
      this.placed.set(batch.tenant, place);
      return place;
    }
    const before = this.placed.get(batch.tenant);
    if (before === undefined) return { epoch: '', seq: 0, part: 0 };
    const place = { ...before, part: before.part + 1 };
    this.placed.set(batch.tenant, place);
    return place;
  }

  /** Starts handing the stream's batches to the subscribers (once; later calls do nothing). */
  async start(): Promise<void> {
    if (this.started || this.closed) return;
    this.started = true;
    await this.read(this.startSeq);
    void this.rereadOnReconnect().catch((err: unknown) =>
      this.log('error', { err: err instanceof Error ? err.message : String(err) }, 'bus stopped watching reconnects'),
    );
  }

  /**
   * After a reconnect, a fresh ordered consumer from the next sequence this node has not read: the
   * client's own recovery waits for missed heartbeats first (seconds). What the old consumer may
   * still hand over is below that sequence and dropped.
   */
  private async rereadOnReconnect(): Promise<void> {
    // One reconnect at a time: the status iterator keeps the next while this one is handled.
    for await (const s of this.connection.status()) {
      if (s.type !== 'reconnect' || this.closed) continue;
      this.messages?.stop();
      for (let attempt = 0; !this.closed; attempt++) {
        try {
          await this.read(this.lastStreamSeq + 1);
          break;
        } catch (err) {
          this.log(
            'error',
            { err: err instanceof Error ? err.message : String(err) },
            'bus consumer not recreated yet',
          );
          await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 100 * 2 ** attempt)));
        }
      }
    }
  }

  /** One ordered consumer over every tenant's subject, from `streamSeq` on. */
  private async read(streamSeq: number): Promise<void> {
    // Pulls expire after 2 s: after a reconnect the ordered consumer is recreated, and a pull
    // left from before may hold it until the pull expires.
    const consumer = await this.js.consumers.get(this.settings.stream, {
      filter_subjects: allBatches(this.settings.subjectPrefix),
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: Math.max(1, streamSeq),
    });
    this.messages = await consumer.consume({ callback: (m) => this.receive(m), expires: 2000 });
  }

  private receive(m: JsMsg): void {
    // The ordered consumer hands each stream sequence over once; a consumer it recreated might not.
    if (m.seq <= this.lastStreamSeq) {
      this.counts.duplicates++;
      return;
    }
    this.lastStreamSeq = m.seq;
    const decoded = decodeBatch(m.data);
    const why = !decoded.ok
      ? decoded.why
      : m.subject !== batchSubject(this.settings.subjectPrefix, decoded.batch.tenant)
        ? 'the tenant is not its subject’s'
        : undefined;
    if (!decoded.ok || why !== undefined) {
      this.counts.malformed++;
      this.log('warn', { subject: m.subject, streamSeq: m.seq, why }, 'bus message dropped: not a batch');
      return;
    }
    const { tenant, events, directives } = decoded.batch;
    const verdict = this.order.judge(decoded.batch);
    if (verdict === 'duplicate') {
      this.counts.duplicates++;
      return;
    }
    if (verdict !== 'deliver') this.gap(verdict.gap);
    this.counts.delivered++;
    const codec = this.options.codec;
    const state = decoded.batch.state;
    const wanted = codec !== undefined && state !== undefined && (this.options.replicaOf?.(tenant) ?? true);
    const patches = wanted ? codec.decode(tenant, state) : undefined;
    this.local.publish(
      patches !== undefined ? { tenant, events, directives, patches } : { tenant, events, directives },
    );
  }

  private gap(gap: BusGap): void {
    this.counts.gaps++;
    this.log('warn', { ...gap }, 'bus gap: batches of a tenant went missing');
    try {
      this.options.onGap?.(gap);
    } catch (err) {
      this.counts.handlerErrors++;
      this.log(
        'error',
        { tenant: gap.tenant, err: err instanceof Error ? err.message : String(err) },
        'bus gap handler failed',
      );
    }
  }

  private log(level: 'warn' | 'error', detail: Record<string, unknown>, message: string): void {
    this.options.log?.(level, { surface: 'bus', ...detail }, message);
  }
}

/** The stream settings the options name (an undefined one keeps the default). */
function definedOf(options: NatsBusOptions): Partial<StreamSettings> {
  const out: Record<string, unknown> = {};
  for (const key of ['stream', 'subjectPrefix', 'maxAgeSec', 'maxBytes'] as const)
    if (options[key] !== undefined) out[key] = options[key];
  return out as Partial<StreamSettings>;
}
