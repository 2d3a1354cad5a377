// S10: this node among several, when the configuration names both a PostgreSQL store and a NATS
// bus. It keeps a replica of every tenant (cluster/replica.ts), owns its share of them through
// leases in the store (cluster/ownership.ts, store/postgres-leases.ts), commits each batch under
// the fence of its lease, sends commands for the tenants it does not own to their owners and
// answers those sent to it (cluster/forward.ts). The composition root (server.ts) wires it in.
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Command, TenantId } from '../core/index.js';
import { Forwarder, Ownership, Replicas } from '../cluster/index.js';
import type { Grant, NatsBus } from '../cluster/index.js';
import type { DispatchOptions, Engine, Outcome } from '../engine/index.js';
import type { Accounts, Revoked } from '../auth/index.js';
import { FencedError } from '../store/index.js';
import type { CommitOptions, PostgresStore, SipStateRow, Store, TenantRow } from '../store/index.js';
import type { Config } from './config.js';
import type { ClusterCounts } from '../shared/metrics.js';
import { natsBus } from './bus.js';
import { patchCodec } from './patch-codec.js';

export interface ClusterStats {
  readonly node: string;
  readonly ownedTenants: number;
  readonly liveNodes: readonly string[];
  readonly taken: number;
  readonly handedOver: number;
  readonly lost: number;
  readonly forwarded: number;
  readonly served: number;
  /** S10.2: forwarded commands dropped (client gone, deadline passed) and late ones declined. */
  readonly abandoned: number;
  readonly declinedLate: number;
  readonly replicaReloads: number;
}

export class ClusterNode {
  private engineRef: Engine | undefined;
  private started = false;
  private addReplica: (row: TenantRow) => Promise<void> = async () => {};
  private readonly forwarder: Forwarder;
  private readonly ownership: Ownership;
  private readonly takenListeners: (() => void)[] = [];
  private readonly prefix: string;
  private readonly log: Logger;
  readonly bus: Replicas;

  private constructor(
    readonly node: string,
    readonly nats: NatsBus,
    private readonly store: PostgresStore,
    config: Config,
    logger: Logger,
  ) {
    const log = logger.child({ surface: 'cluster', node });
    this.log = log;
    this.bus = new Replicas(nats, this.engineView(), (tenant) => this.loadReplica(tenant));
    const prefix = config.busSubjectPrefix;
    this.prefix = prefix;
    this.forwarder = new Forwarder(nats.connection, this.engineView(), { prefix: `${prefix}-cmd` });
    this.ownership = new Ownership(store.leases, this.hooks(`${prefix}-ctl.released`), {
      node,
      address: `${config.host}:${config.httpPort}`,
      leaseMs: config.leaseMs,
      log: (level, detail, message) => log[level](detail, message),
    });
    // A lease given up on purpose: every node looks at once rather than at its next round.
    nats.connection.subscribe(`${prefix}-ctl.released`, { callback: () => this.ownership.poke() });
    // S10.3: a node took a tenant: the commands waiting here for an owner go to it now.
    nats.connection.subscribe(`${prefix}-ctl.taken`, {
      callback: (err, msg) => {
        if (err === null) this.forwarder.ownerAppeared(msg.string());
      },
    });
  }

  static async open(config: Config, store: PostgresStore, logger: Logger): Promise<ClusterNode> {
    const node = config.nodeId !== '' ? config.nodeId : `${hostname()}-${config.httpPort}`;
    // The codec and the gap handler need the node, which needs the bus: they find it here.
    const ref: { self?: ClusterNode } = {};
    const nats = await natsBus(config, logger, {
      codec: patchCodec((tenant) => ref.self?.engineRef?.state(tenant)?.policy),
      onGap: (gap) => void ref.self?.bus.reload(gap.tenant),
      replicaOf: (tenant) => ref.self?.engineRef?.owns(tenant) !== true,
    });
    ref.self = new ClusterNode(node, nats, store, config, logger);
    return ref.self;
  }

  /** The engine is made after the bus it publishes on: it is handed over here. */
  attach(engine: Engine, addReplica: (row: TenantRow) => Promise<void>): void {
    this.engineRef = engine;
    this.addReplica = addReplica;
  }

  /** S10.2: a command for a tenant this node follows, answered once this node's replica shows it. */
  async forward(tenant: TenantId, command: Command, options: DispatchOptions = {}): Promise<Outcome> {
    const out = await this.forwarder.forward(tenant, command, options);
    const last = out.ok ? out.events[out.events.length - 1] : undefined;
    if (last !== undefined) await this.bus.caughtUp(tenant, last.epoch, last.seq);
    return out;
  }

  /**
   * S10.2: credentials, sign-ins and API keys changed through one node are loaded again by the
   * others (each keeps them in memory for the answers that cannot wait), and a revoked sign-in
   * ends the feed sockets that use it on every node. A sign-in is usable on another node once
   * that node has heard of it, within milliseconds.
   */
  shareAccounts(accounts: Accounts): void {
    const subject = `${this.prefix}-ctl.accounts`;
    accounts.onChanged((tenant, whose) =>
      this.nats.connection.publish(subject, JSON.stringify({ node: this.node, tenant, ...(whose ? { whose } : {}) })),
    );
    this.nats.connection.subscribe(subject, {
      callback: (err, msg) => {
        if (err !== null) return;
        let m: { node: string; tenant: TenantId; whose?: Revoked };
        try {
          m = msg.json();
        } catch {
          return; // not ours to read: nothing to reload
        }
        if (m.node === this.node || typeof m.tenant !== 'string' || !this.engine().hasTenant(m.tenant)) return;
        void accounts
          .reloadTenant(m.tenant, m.whose)
          .catch((e: unknown) =>
            this.log.error(
              { tenant: m.tenant, err: e instanceof Error ? e.message : String(e) },
              'accounts not reloaded',
            ),
          );
      },
    });
  }

  /** The tenants this node owns now. */
  ownedTenants(): TenantId[] {
    return [...this.ownership.fences().keys()];
  }

  /** Told when this node takes a tenant (a start, a failover, a hand-over). */
  onTaken(listener: () => void): void {
    this.takenListeners.push(listener);
  }

  /** S10.4: every commit carries the fences of the leases this node holds. */
  commitOptions(): CommitOptions {
    return { fences: this.ownership.fences() };
  }

  onCommitFailed(tenant: TenantId, err: unknown): void {
    if (err instanceof FencedError) this.ownership.lost(tenant);
  }

  /** Takes this node's share of the tenants (resolves after the first round). */
  async start(): Promise<void> {
    this.started = true;
    await this.ownership.start();
  }

  /** A new tenant: this node's next round looks at it (once it takes part). */
  poke(): void {
    if (this.started) this.ownership.poke();
  }

  /** S10.5: hands every tenant over and leaves the list of live nodes. */
  stop(): Promise<void> {
    return this.ownership.stop();
  }

  /** What /readyz shows of this node among several. */
  view(): { node: string; ownedTenants: number; liveNodes: readonly string[] } {
    const { node, ownedTenants, liveNodes } = this.stats();
    return { node, ownedTenants, liveNodes };
  }

  stats(): ClusterStats {
    const o = this.ownership.stats();
    const f = this.forwarder.stats();
    return {
      node: this.node,
      ownedTenants: o.owned,
      liveNodes: o.liveNodes,
      taken: o.taken,
      handedOver: o.handedOver,
      lost: o.lost,
      forwarded: f.forwarded,
      served: f.served,
      abandoned: f.abandoned,
      declinedLate: f.expired,
      replicaReloads: this.bus.stats().reloads,
    };
  }

  /** The figures /metrics shows (shared/metrics.ts). */
  counts(): ClusterCounts {
    const stats = this.stats();
    return { ...stats, liveNodes: stats.liveNodes.length };
  }

  /** S8.2 with several nodes: each node keeps its own SIP bindings, subscriptions and publications. */
  sipPersistence(): Pick<Store, 'saveSipState' | 'sipState'> {
    const prefix = `${this.node}\u0001`;
    const scoped = <R extends { key: string }>(r: R): R => ({ ...r, key: prefix + r.key });
    return {
      saveSipState: (puts, deletes) => this.store.saveSipState(puts.map(scoped), deletes.map(scoped)),
      sipState: async (): Promise<SipStateRow[]> =>
        (await this.store.sipState())
          .filter((r) => r.key.startsWith(prefix))
          .map((r) => ({ ...r, key: r.key.slice(prefix.length) })),
    };
  }

  private engine(): Engine {
    if (this.engineRef === undefined) throw new Error('the cluster node has no engine yet');
    return this.engineRef;
  }

  /** The engine as the replicas and the forwarder see it, once attached. */
  private engineView() {
    return {
      hasTenant: (id: TenantId) => this.engine().hasTenant(id),
      owns: (id: TenantId) => this.engineRef?.owns(id) === true,
      position: (id: TenantId) => this.engine().position(id),
      replicate: (...a: Parameters<Engine['replicate']>) => this.engine().replicate(...a),
      dispatch: (tenant: TenantId, command: Command) => this.engine().dispatch(tenant, command),
    };
  }

  private hooks(releasedSubject: string) {
    return {
      tenants: async (): Promise<TenantId[]> => {
        const rows = await this.store.tenants();
        for (const row of rows) if (!this.engine().hasTenant(row.id)) await this.addReplica(row);
        return rows.map((r) => r.id);
      },
      take: (grant: Grant) =>
        this.bus.exclusive(grant.tenant, async () => {
          const loaded = await this.store.loadTenant(grant.tenant);
          if (loaded === undefined) throw new Error(`tenant ${grant.tenant} is not in the store`);
          this.engine().addTenant(loaded.state, { epoch: grant.epoch, seq: loaded.row.seq });
          this.forwarder.serve(grant.tenant);
          // After the subscription, on the same connection: the server has it before anyone hears.
          this.nats.connection.publish(`${this.prefix}-ctl.taken`, grant.tenant);
          for (const l of this.takenListeners) l();
        }),
      give: (tenant: TenantId) =>
        this.bus.exclusive(tenant, async () => {
          this.forwarder.unserve(tenant);
          while (!this.engine().demote(tenant)) await this.engine().settledTenant(tenant);
        }),
      released: (tenant: TenantId) => this.nats.connection.publish(releasedSubject, tenant),
    };
  }

  private async loadReplica(tenant: TenantId): Promise<void> {
    const loaded = await this.store.loadTenant(tenant).catch(async (err: unknown) => {
      await new Promise((resolve) => setTimeout(resolve, 1000)); // the store is down: not in a tight loop
      throw err;
    });
    if (loaded === undefined || this.engine().owns(tenant)) return;
    this.engine().follow(loaded.state, { epoch: loaded.row.epoch, seq: loaded.row.seq });
  }
}
