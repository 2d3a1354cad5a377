// S10.1, S10.3, S10.5: which tenants this node owns. Every node says it is alive and renews the
// leases it holds every third of the lease time; on each round it works out, by rendezvous
// hashing over the live nodes (rendezvous.ts), which tenants should be its own, takes those whose
// lease is free or has run out, and hands over those another live node should have. A lease it
// could not renew is lost: the tenant is given up at once (its commits would be fenced anyway).
// On stop it leaves the list and hands every tenant over first, so the others take them at once.
//
// S10.3: between rounds a node looks at the list of live nodes alone, four times as often (one
// small query); a node gone from it (dead: its leases ran out with its last beat) starts a round
// at once rather than at the next one. A tenant this node should own whose lease was still live
// (a beat is written just before the leases are renewed, or a hand-over is under way) is tried
// again shortly, a few times, instead of a round later.
import type { TenantId } from '../core/index.js';
import { ownerOf } from './rendezvous.js';

/** A lease held: the fence its commits carry and the epoch its events are stamped with. */
export interface Grant {
  readonly tenant: TenantId;
  readonly fence: number;
  readonly epoch: string;
}

/** The lease table (PostgreSQL: store/postgres-leases.ts). */
export interface LeasePort {
  acquire(tenant: TenantId, node: string, ttlMs: number): Promise<Grant | undefined>;
  renew(node: string, held: readonly Grant[], ttlMs: number): Promise<Set<TenantId>>;
  release(grant: Grant, node: string): Promise<void>;
  beat(node: string, address: string): Promise<void>;
  leave(node: string): Promise<void>;
  liveNodes(ttlMs: number): Promise<string[]>;
}

export type GiveReason = 'handover' | 'lost' | 'stop';

export interface OwnershipHooks {
  /** Every tenant there is (the node adds those it does not know yet as replicas). */
  tenants(): Promise<readonly TenantId[]>;
  /** Loads the tenant as its owner under the grant and starts serving its commands. */
  take(grant: Grant): Promise<void>;
  /** Stops serving the tenant's commands and keeps it as a replica (after its last commit). */
  give(tenant: TenantId, why: GiveReason): Promise<void>;
  /** A lease was given up on purpose: the other nodes may take it now. */
  released?(tenant: TenantId): void;
}

export interface OwnershipOptions {
  readonly node: string;
  /** Where this node's HTTP is, for the operator's list of nodes. */
  readonly address: string;
  /** How long a lease lasts without renewal (default 3 s). */
  readonly leaseMs?: number;
  readonly log?: (level: 'info' | 'warn' | 'error', detail: Record<string, unknown>, message: string) => void;
}

export interface OwnershipStats {
  readonly node: string;
  readonly owned: number;
  readonly liveNodes: readonly string[];
  readonly taken: number;
  readonly handedOver: number;
  readonly lost: number;
}

export class Ownership {
  private readonly held = new Map<TenantId, Grant>();
  private readonly fenceMap = new Map<TenantId, number>();
  private readonly leaseMs: number;
  private nodes: readonly string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private watchTimer: NodeJS.Timeout | undefined;
  private watching = false;
  /** Short retries left for tenants this node should own but could not take yet. */
  private soon = 0;
  private round: Promise<void> = Promise.resolve();
  private again = false;
  private stopping = false;
  private counts = { taken: 0, handedOver: 0, lost: 0 };

  constructor(
    private readonly leases: LeasePort,
    private readonly hooks: OwnershipHooks,
    private readonly options: OwnershipOptions,
  ) {
    this.leaseMs = options.leaseMs ?? 3000;
  }

  /** Runs the first round (the node owns its share when this resolves), then one every third of the lease. */
  async start(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => this.poke(), Math.max(100, Math.floor(this.leaseMs / 3)));
    this.watchTimer = setInterval(() => void this.watch(), Math.max(50, Math.floor(this.leaseMs / 12)));
  }

  /** Runs a round as soon as the one under way ends. */
  poke(): void {
    if (this.stopping || this.again) return;
    this.again = true;
    void this.round.then(() => {
      this.again = false;
      return this.tick();
    });
  }

  /** The fence of each tenant this node owns: every commit carries it (S10.4). */
  fences(): ReadonlyMap<TenantId, number> {
    return this.fenceMap;
  }

  owns(tenant: TenantId): boolean {
    return this.held.has(tenant);
  }

  stats(): OwnershipStats {
    return { node: this.options.node, owned: this.held.size, liveNodes: this.nodes, ...this.counts };
  }

  /** S10.4: a commit was fenced: another node owns the tenant now. */
  lost(tenant: TenantId): void {
    if (!this.forget(tenant)) return;
    this.counts.lost++;
    this.log('warn', { tenant }, 'lease lost: another node owns the tenant now');
    void this.hooks.give(tenant, 'lost').catch((err: unknown) => {
      this.log(
        'error',
        { tenant, err: err instanceof Error ? err.message : String(err) },
        'could not give the tenant up',
      );
    });
  }

  /** S10.5: leaves the list of live nodes and hands every tenant over before resolving. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    clearInterval(this.watchTimer);
    await this.round;
    await this.leases.leave(this.options.node).catch(() => {});
    for (const grant of [...this.held.values()]) await this.handOver(grant, 'stop');
  }

  private tick(): Promise<void> {
    this.round = this.round
      .then(() => this.roundOnce())
      .catch((err: unknown) => {
        this.log('error', { err: err instanceof Error ? err.message : String(err) }, 'ownership round failed');
      });
    return this.round;
  }

  private async roundOnce(): Promise<void> {
    if (this.stopping) return;
    const { node, address } = this.options;
    await this.leases.beat(node, address);
    const renewed = await this.leases.renew(node, [...this.held.values()], this.leaseMs);
    for (const tenant of [...this.held.keys()]) if (!renewed.has(tenant)) this.lost(tenant);
    this.setNodes(await this.leases.liveNodes(this.leaseMs));
    const live = this.nodes.includes(node) ? this.nodes : [...this.nodes, node];
    let missed = false;
    for (const tenant of await this.hooks.tenants()) {
      if (this.stopping) return;
      const mine = ownerOf(tenant, live) === node;
      const grant = this.held.get(tenant);
      if (mine && grant === undefined) missed = !(await this.take(tenant)) || missed;
      else if (!mine && grant !== undefined) await this.handOver(grant, 'handover');
    }
    if (missed && this.soon > 0) {
      this.soon--;
      setTimeout(() => this.poke(), Math.max(20, Math.floor(this.leaseMs / 30))).unref();
    }
  }

  /** S10.3: the live nodes alone, between rounds: one that left (or joined) starts a round now. */
  private async watch(): Promise<void> {
    if (this.watching || this.stopping) return;
    this.watching = true;
    try {
      const nodes = await this.leases.liveNodes(this.leaseMs);
      if (nodes.join('\n') !== this.nodes.join('\n')) this.poke();
    } catch {
      // the store is down: the round says so
    } finally {
      this.watching = false;
    }
  }

  /** A change in the live nodes allows a few short retries of the tenants not taken yet. */
  private setNodes(nodes: readonly string[]): void {
    if (nodes.join('\n') !== this.nodes.join('\n')) this.soon = 10;
    this.nodes = nodes;
  }

  /** Whether the tenant is this node's now (a lease still live elsewhere: not yet). */
  private async take(tenant: TenantId): Promise<boolean> {
    const grant = await this.leases.acquire(tenant, this.options.node, this.leaseMs);
    if (grant === undefined) return false;
    this.held.set(tenant, grant);
    this.fenceMap.set(tenant, grant.fence);
    try {
      await this.hooks.take(grant);
      this.counts.taken++;
      this.log('info', { tenant, fence: grant.fence, epoch: grant.epoch }, 'took the tenant');
    } catch (err) {
      this.forget(tenant);
      await this.leases.release(grant, this.options.node).catch(() => {});
      this.log('error', { tenant, err: err instanceof Error ? err.message : String(err) }, 'could not take the tenant');
    }
    return true;
  }

  private async handOver(grant: Grant, why: GiveReason): Promise<void> {
    await this.hooks.give(grant.tenant, why);
    this.forget(grant.tenant);
    await this.leases.release(grant, this.options.node).catch(() => {});
    this.counts.handedOver++;
    this.hooks.released?.(grant.tenant);
  }

  private forget(tenant: TenantId): boolean {
    this.fenceMap.delete(tenant);
    return this.held.delete(tenant);
  }

  private log(level: 'info' | 'warn' | 'error', detail: Record<string, unknown>, message: string): void {
    this.options.log?.(level, { surface: 'cluster', node: this.options.node, ...detail }, message);
  }
}
