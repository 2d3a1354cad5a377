// Sends committed batches to JetStream, each tenant's one at a time in the order they were
// committed: the next is sent once the stream acknowledged the one before, so a retry can never
// put a later batch ahead of an earlier one. Tenants do not wait for each other. A failed send
// (NATS down, a reconnect, a timeout) is retried with backoff under the same message id, so a
// retry of a batch the stream did store is dropped there as a duplicate. Batches waiting are
// bounded: past the bound, or when the stream refuses a message for good (too large), the batch
// is dropped and counted, and the other nodes see a gap (order.ts) and resync that tenant.
// Batches that wait behind the one in flight go together when they can: the bus merges a run of
// them into one message (nats-bus.ts), so under load a tenant sends fewer, larger messages.
import type { JetStreamClient } from '@nats-io/jetstream';
import type { TenantId } from '../core/index.js';

export interface Outgoing<S = unknown> {
  readonly tenant: TenantId;
  readonly subject: string;
  readonly data: string;
  readonly msgId: string;
  /** What it was made from, when it may share one message with the batches after it. */
  readonly source?: S;
}

export interface PublisherOptions<S> {
  /** Batches waiting to be sent, every tenant together; past it a batch is dropped. */
  readonly maxPending: number;
  readonly timeoutMs: number;
  readonly onDropped: (out: Outgoing<S>, why: string) => void;
  /** A run of waiting batches (each with a source) as one message; undefined sends the first alone. */
  readonly merge?: (run: readonly Outgoing<S>[]) => Outgoing<S> | undefined;
}

export interface PublisherStats {
  readonly published: number;
  readonly retries: number;
  readonly dropped: number;
  readonly pending: number;
  /** Batches that went inside another's message. */
  readonly merged: number;
}

const MAX_BACKOFF_MS = 2000;
/** The most batches one message takes. */
const MAX_MERGED = 64;

export class Publisher<S = unknown> {
  private readonly queues = new Map<TenantId, Outgoing<S>[]>();
  private readonly running = new Map<TenantId, Promise<void>>();
  private pending = 0;
  private published = 0;
  private retries = 0;
  private dropped = 0;
  private merged = 0;
  private closing = false;

  constructor(
    private readonly js: JetStreamClient,
    private readonly options: PublisherOptions<S>,
  ) {}

  send(out: Outgoing<S>): void {
    if (this.closing) return this.drop(out, 'the bus is closed');
    if (this.pending >= this.options.maxPending) return this.drop(out, 'too many batches waiting');
    this.pending++;
    const queue = this.queues.get(out.tenant);
    if (queue !== undefined) {
      queue.push(out);
      return;
    }
    this.queues.set(out.tenant, [out]);
    const run = this.drain(out.tenant).finally(() => this.running.delete(out.tenant));
    this.running.set(out.tenant, run);
  }

  /** Resolves once every batch sent so far is in the stream (or dropped). */
  async flush(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()]);
  }

  /** Takes no more batches; those waiting still get `deadlineMs` to go out, then are dropped. */
  async close(deadlineMs: number): Promise<void> {
    this.closing = true;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, deadlineMs)));
    await Promise.race([this.flush(), late]);
    clearTimeout(timer);
    for (const [tenant, queue] of this.queues) {
      for (const out of queue.splice(1)) {
        this.pending--;
        this.drop(out, 'the bus closed before it was sent');
      }
      this.queues.delete(tenant);
    }
  }

  stats(): PublisherStats {
    const { published, retries, dropped, pending, merged } = this;
    return { published, retries, dropped, pending, merged };
  }

  private async drain(tenant: TenantId): Promise<void> {
    const queue = this.queues.get(tenant)!;
    while (queue.length > 0) {
      this.coalesce(queue);
      const out = queue[0]!;
      await this.sendOne(out);
      // close() may have emptied the queue meanwhile; the batch in hand is done either way.
      if (queue[0] === out) queue.shift();
      this.pending--;
    }
    if (this.queues.get(tenant) === queue) this.queues.delete(tenant);
  }

  /** Puts the run of mergeable batches at the head of the queue into one message, when the bus can. */
  private coalesce(queue: Outgoing<S>[]): void {
    const merge = this.options.merge;
    if (merge === undefined || queue[0]?.source === undefined) return;
    let n = 1;
    while (n < queue.length && n < MAX_MERGED && queue[n]!.source !== undefined) n++;
    if (n < 2) return;
    const one = merge(queue.slice(0, n));
    if (one === undefined) return;
    queue.splice(0, n, one);
    this.pending -= n - 1;
    this.merged += n - 1;
  }

  /** Retries until the stream has the batch, refuses it for good, or the bus closes. */
  private async sendOne(out: Outgoing<S>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.js.publish(out.subject, out.data, { msgID: out.msgId, timeout: this.options.timeoutMs });
        this.published++;
        return;
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        if (this.closing || /maximum payload|max_payload|MAX_PAYLOAD/i.test(why)) {
          this.dropped++;
          this.options.onDropped(out, why);
          return;
        }
        this.retries++;
        await new Promise((resolve) => setTimeout(resolve, Math.min(MAX_BACKOFF_MS, 50 * 2 ** attempt)));
      }
    }
  }

  private drop(out: Outgoing<S>, why: string): void {
    this.dropped++;
    this.options.onDropped(out, why);
  }
}
