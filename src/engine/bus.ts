// The Bus port: where the engine publishes each tenant's committed batch (its stamped events in
// seq order and its call-control directives) and where the surfaces (the feed, SIP NOTIFY and
// call control, the webhook dispatcher, metrics) take them from. S8.2: a batch is published only
// after the journal committed it, so a subscriber never sees what a refused commit undid.
// Batches of one tenant are published in order; a subscriber gets them in that order.
//
// The in-process bus hands each batch to its subscribers synchronously, in the order they
// subscribed (every-tenant ones first), without copying or a promise hop: publishing costs what
// calling the listeners directly did. A networked bus (NATS JetStream) implements the same port.
import type { Directive, Patch, TenantId } from '../core/index.js';
import type { EngineEvent } from './engine.js';

/** One tenant's committed batch: never empty (events, directives or both). */
export interface CommittedBatch {
  readonly tenant: TenantId;
  /** Stamped with (epoch, seq), in seq order. */
  readonly events: readonly EngineEvent[];
  readonly directives: readonly Directive[];
  /** S10.2: the batch's changes, for the replicas of other nodes; only on a bus that `replicates`. */
  readonly patches?: readonly Patch[];
}

export type BusHandler = (batch: CommittedBatch) => void;

export interface Bus {
  /** Whether batches should carry their patches (a bus between nodes keeps replicas in step). */
  readonly replicates?: boolean;
  /** Hands a committed batch to its subscribers (the engine calls this after the commit). */
  publish(batch: CommittedBatch): void;
  /**
   * Subscribes to one tenant's batches (its subject), or to every tenant's when `tenant` is
   * undefined. Answers the function that unsubscribes.
   */
  subscribe(handler: BusHandler, tenant?: TenantId): () => void;
  /**
   * S10.2: a bus that keeps replicas (several nodes) tells when it loaded a tenant again from the
   * store (a new epoch, a gap, changes it could not read): batches its subscribers were handed
   * may be missing, so what they hold is to be taken afresh from the state. Called after the load,
   * before the batches held meanwhile are handed on. Answers the function that stops it.
   */
  onReloaded?(listener: (tenant: TenantId) => void): () => void;
}

const NONE: readonly BusHandler[] = Object.freeze([]);

export class InProcessBus implements Bus {
  // Copied on (un)subscribe, never on publish: a handler that (un)subscribes while a batch is
  // being delivered changes the next delivery, not this one.
  private everyTenant: readonly BusHandler[] = NONE;
  private readonly byTenant = new Map<TenantId, readonly BusHandler[]>();

  publish(batch: CommittedBatch): void {
    const all = this.everyTenant;
    for (let i = 0; i < all.length; i++) all[i]!(batch);
    const one = this.byTenant.get(batch.tenant);
    if (one !== undefined) for (let i = 0; i < one.length; i++) one[i]!(batch);
  }

  subscribe(handler: BusHandler, tenant?: TenantId): () => void {
    if (tenant === undefined) this.everyTenant = [...this.everyTenant, handler];
    else this.byTenant.set(tenant, [...(this.byTenant.get(tenant) ?? NONE), handler]);
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      if (tenant === undefined) {
        this.everyTenant = without(this.everyTenant, handler);
        return;
      }
      const left = without(this.byTenant.get(tenant) ?? NONE, handler);
      if (left.length === 0) this.byTenant.delete(tenant);
      else this.byTenant.set(tenant, left);
    };
  }
}

/** The list without one subscription of `handler` (the same handler may be subscribed twice). */
function without(list: readonly BusHandler[], handler: BusHandler): readonly BusHandler[] {
  const i = list.indexOf(handler);
  return i < 0 ? list : [...list.slice(0, i), ...list.slice(i + 1)];
}
