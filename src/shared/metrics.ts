// Prometheus metrics (prom-client), one registry per server so tests can run several.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: 'switchboard_http_requests_total',
    help: 'HTTP requests by method, route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly events = new Counter({
    name: 'switchboard_events_total',
    help: 'Events committed, by type.',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  readonly commitBatches = new Counter({
    name: 'switchboard_commit_batches_total',
    help: 'Journal transactions committed.',
    registers: [this.registry],
  });
  readonly watchers = new Gauge({
    name: 'switchboard_feed_watchers',
    help: 'Connected live-feed sockets.',
    registers: [this.registry],
  });
  readonly feedDeliveries = new Counter({
    name: 'switchboard_feed_events_delivered_total',
    help: 'Events written to live-feed watchers.',
    registers: [this.registry],
  });
  readonly feedResyncs = new Counter({
    name: 'switchboard_feed_resyncs_total',
    help: 'Watchers told to resync (fell behind or resumed past retention).',
    registers: [this.registry],
  });
  readonly webhookDeliveries = new Counter({
    name: 'switchboard_webhook_deliveries_total',
    help: 'Webhook delivery attempts by outcome.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly tenants = new Gauge({ name: 'switchboard_tenants', help: 'Tenants loaded.', registers: [this.registry] });
  readonly users = new Gauge({ name: 'switchboard_users', help: 'Users loaded.', registers: [this.registry] });
  /** Set by the composition root: the SIP server's live counts, read at scrape time. */
  sipState: () => { readonly registrations: number; readonly subscriptions: number } = () => ({
    registrations: 0,
    subscriptions: 0,
  });
  readonly sipRegistrations: Gauge = new Gauge({
    name: 'switchboard_sip_registrations',
    help: 'Live SIP registrations (bindings).',
    registers: [this.registry],
    collect: (): void => this.sipRegistrations.set(this.sipState().registrations),
  });
  readonly sipSubscriptions: Gauge = new Gauge({
    name: 'switchboard_sip_subscriptions',
    help: 'Active SIP subscriptions (presence and dialog).',
    registers: [this.registry],
    collect: (): void => this.sipSubscriptions.set(this.sipState().subscriptions),
  });
  readonly sipNotifies = new Counter({
    name: 'switchboard_sip_notifies_total',
    help: 'SIP NOTIFY requests sent.',
    registers: [this.registry],
  });
  readonly sipAuthFailures = new Counter({
    name: 'switchboard_sip_auth_failures_total',
    help: 'SIP digest authentications that failed (wrong password, unknown user).',
    registers: [this.registry],
  });
  readonly sipRequests = new Counter({
    name: 'switchboard_sip_requests_total',
    help: 'SIP requests answered, by method and status.',
    labelNames: ['method', 'status'] as const,
    registers: [this.registry],
  });

  readonly overloadShed = new Counter({
    name: 'switchboard_overload_shed_total',
    help: 'S8.3: new requests refused with 503 while the server was behind, by surface (sip, http).',
    labelNames: ['surface'] as const,
    registers: [this.registry],
  });
  /** Set by the composition root: how far behind the event loop is, read at scrape time. */
  loopDelayMs: () => number = () => 0;
  readonly loopDelay: Gauge = new Gauge({
    name: 'switchboard_event_loop_delay_ms',
    help: 'S8.3: how late the event loop runs (the overload signal; shedding starts at overloadLoopDelayMs).',
    registers: [this.registry],
    collect: (): void => this.loopDelay.set(this.loopDelayMs()),
  });

  /** Set by the composition root on a node among several (S10): its part, read at scrape time. */
  cluster: () => ClusterCounts | undefined = () => undefined;
  readonly clusterOwned: Gauge = this.clusterGauge(
    'owned_tenants',
    'Tenants this node owns (holds the lease of).',
    (c) => c.ownedTenants,
  );
  readonly clusterLive: Gauge = this.clusterGauge('live_nodes', 'Nodes this node sees alive.', (c) => c.liveNodes);
  readonly clusterForwarded: Gauge = this.clusterGauge(
    'forwarded_commands_total',
    'Commands this node sent to another node, the owner of their tenant.',
    (c) => c.forwarded,
  );
  readonly clusterServed: Gauge = this.clusterGauge(
    'served_commands_total',
    'Commands other nodes sent to this node as the owner.',
    (c) => c.served,
  );
  readonly clusterAbandoned: Gauge = this.clusterGauge(
    'forwards_abandoned_total',
    'Forwarded commands dropped unapplied: their client had gone, or their deadline passed, while no node owned the tenant.',
    (c) => c.abandoned,
  );
  readonly clusterLate: Gauge = this.clusterGauge(
    'late_commands_declined_total',
    'Commands other nodes sent to this node that came after their sender stopped waiting: declined, not applied.',
    (c) => c.declinedLate,
  );
  readonly clusterTaken: Gauge = this.clusterGauge(
    'tenants_taken_total',
    'Tenants this node took over (a start, a failover, a hand-over).',
    (c) => c.taken,
  );
  readonly clusterLost: Gauge = this.clusterGauge(
    'leases_lost_total',
    'Leases this node lost (not renewed in time, or a commit fenced).',
    (c) => c.lost,
  );

  constructor(options: { defaults?: boolean } = {}) {
    if (options.defaults !== false) collectDefaultMetrics({ register: this.registry, prefix: 'switchboard_' });
  }

  private clusterGauge(name: string, help: string, value: (c: ClusterCounts) => number): Gauge {
    const gauge: Gauge = new Gauge({
      name: `switchboard_cluster_${name}`,
      help,
      registers: [this.registry],
      collect: (): void => {
        const c = this.cluster();
        if (c !== undefined) gauge.set(value(c));
      },
    });
    return gauge;
  }
}

/** What a node among several counts (app/cluster.ts). */
export interface ClusterCounts {
  readonly ownedTenants: number;
  readonly liveNodes: number;
  readonly forwarded: number;
  readonly served: number;
  readonly abandoned: number;
  readonly declinedLate: number;
  readonly taken: number;
  readonly lost: number;
}
