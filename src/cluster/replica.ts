// S10.2: every node keeps a replica of each tenant it does not own, so its readers (REST, the
// feed's snapshots, SIP NOTIFY bodies, routing questions) answer from memory. The owner's batches
// carry their changes (`patches`); this bus sits between the bus between nodes and the node's own
// subscribers, applies each batch to the replica first and then hands it on, so a subscriber
// reading the state sees the batch it is told about.
//
// A batch that does not follow the replica — a new epoch (another owner took over: what the old
// one committed last may never have been published), a gap, changes that could not be read —
// makes the node load the tenant again from the store, holding that tenant's later batches back
// until it has. A batch of an epoch older than the replica's is stale and dropped (S10.4). Its
// listeners (the feed) are told once the tenant was loaded again, before the held batches follow.
import { fenceOfEpoch } from '../core/index.js';
import type { Patch, TenantId } from '../core/index.js';
import { InProcessBus } from '../engine/index.js';
import type { Bus, BusHandler, CommittedBatch } from '../engine/index.js';

/** What the replicas need of the engine. */
export interface ReplicaEngine {
  hasTenant(id: TenantId): boolean;
  owns(id: TenantId): boolean;
  position(id: TenantId): { epoch: string; seq: number } | undefined;
  replicate(id: TenantId, patches: readonly Patch[], position: { epoch: string; seq: number }): boolean;
}

export interface ReplicaStats {
  readonly applied: number;
  readonly reloads: number;
  readonly failedReloads: number;
  readonly stale: number;
}

interface CatchUp {
  readonly epoch: string;
  readonly seq: number;
  readonly done: () => void;
}

export class Replicas implements Bus {
  readonly replicates = true;
  private readonly local = new InProcessBus();
  /** Tenants being loaded or changing hands, with the batches that arrived meanwhile. */
  private readonly held = new Map<TenantId, CommittedBatch[]>();
  private readonly chains = new Map<TenantId, Promise<void>>();
  private readonly catchUps = new Map<TenantId, CatchUp[]>();
  private readonly reloadListeners = new Set<(tenant: TenantId) => void>();
  private counts = { applied: 0, reloads: 0, failedReloads: 0, stale: 0 };

  constructor(
    private readonly inner: Bus,
    private readonly engine: ReplicaEngine,
    /** Loads the tenant from the store as a replica (unless this node owns it by then). */
    private readonly load: (tenant: TenantId) => Promise<void>,
  ) {
    inner.subscribe((batch) => this.receive(batch));
  }

  publish(batch: CommittedBatch): void {
    this.inner.publish(batch);
  }

  subscribe(handler: BusHandler, tenant?: TenantId): () => void {
    return this.local.subscribe(handler, tenant);
  }

  onReloaded(listener: (tenant: TenantId) => void): () => void {
    this.reloadListeners.add(listener);
    return () => this.reloadListeners.delete(listener);
  }

  stats(): ReplicaStats {
    return { ...this.counts };
  }

  /**
   * Runs `f` (a take-over, a hand-over, a load) with the tenant's batches held back; those that
   * arrived meanwhile are handed on after it, in order. Calls for one tenant run one at a time.
   */
  exclusive(tenant: TenantId, f: () => Promise<void>): Promise<void> {
    const before = this.chains.get(tenant) ?? Promise.resolve();
    const run = before.then(async () => {
      if (!this.held.has(tenant)) this.held.set(tenant, []);
      try {
        await f();
      } finally {
        this.release(tenant);
      }
    });
    const tail = run.catch(() => {});
    this.chains.set(tenant, tail);
    void tail.then(() => {
      if (this.chains.get(tenant) === tail) this.chains.delete(tenant);
    });
    return run;
  }

  /**
   * Loads the tenant again (the bus lost some of its batches). A load that fails (the store is
   * down) is not thrown: the batches held meanwhile are handed on and the next one that does not
   * follow asks again.
   */
  reload(tenant: TenantId): Promise<void> {
    this.counts.reloads++;
    return this.exclusive(tenant, async () => {
      await this.load(tenant);
      // Loaded as a replica (not taken meanwhile: the owner's own batches carry the new epoch).
      if (!this.engine.owns(tenant)) for (const l of this.reloadListeners) l(tenant);
    }).catch(() => {
      this.counts.failedReloads++;
    });
  }

  /**
   * Resolves once this node's copy of the tenant holds (epoch, seq), or after `maxMs`: a command
   * forwarded to the owner is answered once a read on this node would see it.
   */
  caughtUp(tenant: TenantId, epoch: string, seq: number, maxMs = 1000): Promise<void> {
    if (this.holds(tenant, epoch, seq)) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, maxMs);
      const list = this.catchUps.get(tenant) ?? [];
      list.push({ epoch, seq, done: () => (clearTimeout(timer), resolve()) });
      this.catchUps.set(tenant, list);
    });
  }

  private holds(tenant: TenantId, epoch: string, seq: number): boolean {
    const pos = this.engine.position(tenant);
    if (pos === undefined) return false;
    return fenceOfEpoch(pos.epoch) > fenceOfEpoch(epoch) || (pos.epoch === epoch && pos.seq >= seq);
  }

  private receive(batch: CommittedBatch): void {
    const waiting = this.held.get(batch.tenant);
    if (waiting !== undefined) waiting.push(batch);
    else this.take(batch);
  }

  private release(tenant: TenantId): void {
    const waiting = this.held.get(tenant) ?? [];
    this.held.delete(tenant);
    for (const batch of waiting) this.receive(batch);
    this.settleCatchUps(tenant);
  }

  private take(batch: CommittedBatch): void {
    const { tenant, events } = batch;
    const last = events[events.length - 1];
    if (last === undefined || !this.engine.hasTenant(tenant)) return this.deliver(batch);
    const pos = this.engine.position(tenant)!;
    if (fenceOfEpoch(last.epoch) < fenceOfEpoch(pos.epoch)) {
      this.counts.stale++;
      return;
    }
    if (this.engine.owns(tenant) || (last.epoch === pos.epoch && last.seq <= pos.seq)) return this.deliver(batch);
    const follows = last.epoch === pos.epoch && events[0]!.seq === pos.seq + 1 && batch.patches !== undefined;
    if (!follows) {
      // Held from now on (this batch first), and handed on once the tenant is loaded again.
      this.held.set(tenant, [batch]);
      void this.reload(tenant);
      return;
    }
    this.engine.replicate(tenant, batch.patches!, { epoch: last.epoch, seq: last.seq });
    this.counts.applied++;
    this.deliver(batch);
    this.settleCatchUps(tenant);
  }

  private deliver(batch: CommittedBatch): void {
    this.local.publish(batch);
  }

  private settleCatchUps(tenant: TenantId): void {
    const list = this.catchUps.get(tenant);
    if (list === undefined) return;
    const left = list.filter((c) => {
      if (!this.holds(tenant, c.epoch, c.seq)) return true;
      c.done();
      return false;
    });
    if (left.length === 0) this.catchUps.delete(tenant);
    else this.catchUps.set(tenant, left);
  }
}
