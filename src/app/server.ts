// The composition root: opens the store, loads every tenant into the engine, wires the
// surfaces, and starts and stops them in order.
import type { Logger } from 'pino';
import type { TenantId } from '../core/index.js';
import { Engine, InProcessBus } from '../engine/index.js';
import type { Bus, Clock, JournalEntry } from '../engine/index.js';
import { Feed } from '../feed/index.js';
import type { FeedOptions } from '../feed/index.js';
import type { NatsBus } from '../cluster/index.js';
import type { ClusterNode } from './cluster.js';
import { Accounts } from '../auth/index.js';
import {
  agentRoutes,
  authRoutes,
  buildHttp,
  calendarRoutes,
  directoryRoutes,
  eventRoutes,
  historyRoutes,
  callRoutes,
  opsRoutes,
  reasonRoutes,
  presenceRoutes,
  scheduleRoutes,
  routingRoutes,
  webhookRoutes,
} from '../http/index.js';
import type { App, HttpContext } from '../http/index.js';
import { Metrics } from '../shared/metrics.js';
import type { OverloadMonitor } from '../shared/overload.js';
import { overloadMonitor } from './overload.js';
import { TenantRows } from './tenant-rows.js';
import type { Store, TenantRow } from '../store/index.js';
import type { SipServer } from '../sip/index.js';
import { AddressPolicy, Dispatcher } from '../webhooks/index.js';
import type { DispatcherOptions } from '../webhooks/index.js';
import type { Config } from './config.js';
import { DEMO_TENANT, seedDemo } from './demo.js';
import { natsBus } from './bus.js';
import { openStore } from './store.js';
import { createLogger } from './logger.js';
import { SystemClock } from './system-clock.js';
import { defaultWebDir, webRoutes } from './web.js';
import { sipDirectory } from './sip-directory.js';
import { sipServer } from './sip-server.js';
import { tuneHeap } from './heap.js';
import { announce } from './announce.js';
import { CallLogRetention } from './call-log-retention.js';
import { backgroundJobs, calendarService } from './calendar.js';
import type { Calendar } from './calendar.js';

export interface Server {
  readonly config: Config;
  readonly engine: Engine;
  /** Where the engine publishes committed batches and the surfaces take them from. */
  readonly bus: Bus;
  readonly store: Store;
  /** Credentials and sign-ins (kept in memory for the hot paths; see auth/). */
  readonly accounts: Accounts;
  /** Serves a tenant the store has: its state to the engine, its sign-ins and row to memory. */
  readonly addTenant: (row: TenantRow) => Promise<void>;
  readonly http: App;
  readonly feed: Feed;
  readonly sip: SipServer;
  /** The SIP port bound (UDP and TCP), useful when the configured one is 0. */
  readonly sipPort: number;
  readonly url: string;
  readonly logger: Logger;
  close(): Promise<void>;
}

export interface StartOptions {
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly webhooks?: Partial<DispatcherOptions>;
  readonly feed?: Partial<FeedOptions>;
  /**
   * false: wire everything but bind no port and send no webhook, for tests that drive HTTP through
   * `http.inject()` (then `url` is '' and `sipPort` 0). Default true.
   */
  readonly listen?: boolean;
  /** The bus to publish committed batches on (default: in-process). */
  readonly bus?: Bus;
  /** The store to use instead of the configured one (tests wrap it to make it fail). */
  readonly store?: Store;
}

export async function startServer(config: Config, options: StartOptions = {}): Promise<Server> {
  tuneHeap();
  const logger = options.logger ?? createLogger(config);
  const clock = options.clock ?? new SystemClock();
  let opened: Store | undefined;
  let nats: NatsBus | undefined;
  try {
    const store = options.store ?? (opened = await openStore(config, logger));
    // S10.1: with a NATS bus configured, committed batches go through JetStream (closed on stop);
    // with PostgreSQL as well, this node is one of several (cluster.ts).
    // The cluster's modules (NATS, PostgreSQL) are loaded only when configured (issue 19).
    const cluster =
      options.bus === undefined &&
      config.busUrl !== '' &&
      store instanceof (await import('../store/postgres.js')).PostgresStore
        ? await (await import('./cluster.js')).ClusterNode.open(config, store, logger)
        : undefined;
    nats =
      cluster?.nats ?? (options.bus === undefined && config.busUrl !== '' ? await natsBus(config, logger) : undefined);
    const bus = cluster?.bus ?? nats;
    return await startOn(config, { ...options, store, ...(bus !== undefined ? { bus } : {}) }, logger, clock, {
      nats,
      cluster,
    });
  } catch (err) {
    // A server that did not start leaves no connection keeping the process alive.
    await nats?.close();
    await opened?.close().catch(() => {});
    throw err;
  }
}

/** The bus between nodes, and this node among several (both absent on a single node). */
interface Nodes {
  readonly nats: NatsBus | undefined;
  readonly cluster: ClusterNode | undefined;
}

async function startOn(
  config: Config,
  options: StartOptions,
  logger: Logger,
  clock: Clock,
  { nats, cluster }: Nodes,
): Promise<Server> {
  const core = openCore(config, options.store!, options, logger, clock, cluster);
  const { store, engine, dispatcher } = core;
  const accounts = new Accounts(engine, store, {
    systemToken: config.systemToken,
    tokenTtlSec: config.tokenTtlSec,
    now: () => clock.now(),
  });
  cluster?.shareAccounts(accounts);
  // The tenants served and their sign-ins are kept in memory for the answers that cannot wait.
  const tenantRows = new TenantRows();
  const addTenant = async (row: TenantRow): Promise<void> => {
    const loaded = await store.loadTenant(row.id);
    if (loaded === undefined) throw new Error(`tenant ${row.id} is not in the store`);
    await accounts.loadTenant(row.id);
    tenantRows.add(loaded.row);
    const position = { epoch: loaded.row.epoch, seq: loaded.row.seq };
    // S10.1: with several nodes every tenant starts as a replica; the owner is whoever takes its lease.
    if (cluster === undefined) engine.addTenant(loaded.state, position);
    else if (!engine.hasTenant(row.id)) {
      engine.follow(loaded.state, position);
      cluster.poke();
    }
  };
  cluster?.attach(engine, addTenant);
  for (const row of await store.tenants()) await addTenant(row);

  let defaultTenant: TenantId | undefined = tenantRows.first()?.id;
  const seed = async (): Promise<void> => {
    if (defaultTenant !== undefined || tenantRows.first() !== undefined || !config.demo) return;
    await seedDemo(store, engine, accounts, addTenant, clock.now());
    defaultTenant = DEMO_TENANT;
    logger.info({ tenant: DEMO_TENANT }, 'created the demo company Acme: sign in as 1001 / pass1001');
  };
  // Several nodes: the demo company is made once this node takes part (its commands need an owner).
  if (cluster === undefined) await seed();
  const tenantOf = (): TenantId | undefined => defaultTenant ?? tenantRows.first()?.id;
  const sip = sipServer(config, core, logger, sipDirectory(tenantRows, accounts, config, tenantOf), core.overload);
  let ready = false;
  const ctx: HttpContext = {
    engine,
    store,
    accounts,
    metrics: core.metrics,
    now: () => clock.now(),
    defaultTenant: tenantOf,
    addTenant,
    overload: core.overload,
    sipDevices: (tenant, userId) => sip.devices(tenant, userId),
    ...(cluster !== undefined ? { cluster: () => cluster.view() } : {}),
  };
  if (cluster !== undefined) core.metrics.cluster = () => cluster.counts();
  const { http, feed } = await surfaces(config, options, core, ctx, logger, () => ready);
  // The jobs that run in the background: call-log retention, S11.3 calendar fetches, and handing
  // back the young generation a load grew once the server is quiet (issue 19).
  const retention = backgroundJobs(new CallLogRetention(store, clock, logger), core.calendar);
  // Every surface has subscribed: the bus may start handing batches over.
  await nats?.start();
  await cluster?.start();
  if (cluster !== undefined)
    await seed().catch((err: unknown) =>
      logger.warn(
        { err: err instanceof Error ? err.message : String(err) },
        'demo company not made here (another node made it?)',
      ),
    );
  const parts = { config, engine, bus: core.bus, store, accounts, addTenant, http, feed, sip, logger };
  const jobs = { stop: () => (retention.stop(), core.overload.stop()) };
  if (options.listen === false) {
    await http.ready();
    ready = true;
    return handle({ ...parts, sipPort: 0, url: '' }, dispatcher, () => (ready = false), { nats, cluster }, jobs);
  }
  const sipPort = await sip.start();
  const url = await http.listen({ port: config.httpPort, host: config.host });
  ready = true;
  dispatcher.start();
  retention.start();
  announce(config, logger, url, sipPort);
  return handle({ ...parts, sipPort, url }, dispatcher, () => (ready = false), { nats, cluster }, jobs);
}

/** What every surface shares: the store, the engine with its journal and bus, metrics, the webhook dispatcher. */
interface Core {
  readonly store: Store;
  /** Where SIP state is kept: the store, or this node's part of it among several. */
  readonly sipStore: Pick<Store, 'saveSipState' | 'sipState'>;
  readonly cluster: ClusterNode | undefined;
  readonly clock: Clock;
  readonly engine: Engine;
  readonly bus: Bus;
  readonly metrics: Metrics;
  readonly addresses: AddressPolicy;
  readonly dispatcher: Dispatcher;
  /** S11.3: users' calendar feeds, fetched and applied. */
  readonly calendar: Calendar;
  /** S8.3: how far behind the server is; SIP and REST shed new work while it is. */
  readonly overload: OverloadMonitor;
}

/**
 * The store, and the engine committing to it and publishing each committed batch on the bus.
 * The surfaces take committed batches from the bus only (S8.2: nothing is seen before the commit).
 */
function openCore(
  config: Config,
  store: Store,
  options: StartOptions,
  logger: Logger,
  clock: Clock,
  cluster: ClusterNode | undefined,
): Core {
  // S6.3: where webhooks may go; the operator's allow-list admits internal hosts.
  const addresses = new AddressPolicy(config.webhookAllowedHosts);
  const metrics = new Metrics();
  const bus = options.bus ?? new InProcessBus();
  const journal = {
    async commit(batch: readonly JournalEntry[]) {
      // S6.3: the events' outbox rows are committed with them. The dispatcher is poked only when
      // there are some: a look at the outbox for every batch put two queries on the event loop per
      // change, and NOTIFYs waited behind them.
      const { outboxRows } = await store.commit(batch, cluster?.commitOptions());
      metrics.commitBatches.inc();
      if (outboxRows > 0) dispatcher.poke();
    },
  };
  const forward = cluster !== undefined ? { forward: cluster.forward.bind(cluster) } : {};
  const engine = new Engine({ clock, journal, bus, ...forward });
  const dispatcher = new Dispatcher(store, options.webhooks, {
    metrics,
    log: logger.child({ surface: 'webhooks' }),
    addresses,
    // S10: each node delivers the webhooks of the tenants it owns, and looks again when it takes one.
    ...(cluster !== undefined ? { tenants: () => cluster.ownedTenants() } : {}),
  });
  cluster?.onTaken(() => dispatcher.poke());
  bus.subscribe((batch) => {
    if (batch.events.length === 0) return;
    for (const e of batch.events) metrics.events.inc({ type: e.type });
  });
  engine.listen({
    // S8.2: the batch was undone and its commands refused; the operator needs the store's reason.
    onCommitFailed: (tenant, err) => {
      logger.error(
        { surface: 'store', tenant, err: err instanceof Error ? err.message : String(err) },
        'commit failed: batch undone and refused',
      );
      cluster?.onCommitFailed(tenant, err);
    },
  });
  const sipStore = cluster?.sipPersistence() ?? store;
  const calendar = calendarService(config, engine, logger);
  const overload = overloadMonitor(config, metrics);
  return { store, sipStore, clock, engine, bus, metrics, addresses, dispatcher, cluster, calendar, overload };
}

/** The REST routes and, on the same port at /api/v1/stream, the live feed (S6.2). */
async function surfaces(
  config: Config,
  options: StartOptions,
  core: Core,
  ctx: HttpContext,
  logger: Logger,
  ready: () => boolean,
): Promise<{ http: App; feed: Feed }> {
  const { accounts } = ctx;
  const http = await buildHttp(ctx, {
    logger: logger.child({ surface: 'http' }, { level: config.logLevel === 'info' ? 'warn' : config.logLevel }),
    routes: [
      authRoutes,
      presenceRoutes,
      scheduleRoutes,
      directoryRoutes,
      agentRoutes,
      routingRoutes,
      historyRoutes,
      callRoutes,
      reasonRoutes,
      eventRoutes,
      (app) => webhookRoutes(app, ctx, core.dispatcher, core.addresses),
      (app) => calendarRoutes(app, ctx, core.calendar),
      (app) => opsRoutes(app, ctx, ready),
      webRoutes(config.webDir || defaultWebDir()),
    ],
  });
  const feed = new Feed({
    engine: core.engine,
    bus: core.bus,
    authenticate(credential) {
      try {
        const auth = accounts.authenticate(`Bearer ${credential}`);
        return auth === 'system' ? undefined : auth;
      } catch {
        return undefined;
      }
    },
    metrics: core.metrics,
    log: logger.child({ surface: 'feed' }),
    ...(options.feed !== undefined ? { options: options.feed } : {}),
  });
  // S5.4: a sign-in that ends closes the feed sockets that use it.
  accounts.onRevoked((tenant, whose) => feed.recheck(tenant, whose));
  feed.attach(http.server);
  return { http, feed };
}

/**
 * The running server and how it stops: its tenants handed over to the other nodes (S10.5: their
 * commands are forwarded meanwhile, nobody is refused), the surfaces, then the engine's last
 * commits, then the store.
 */
function handle(
  parts: Omit<Server, 'close'>,
  dispatcher: Dispatcher,
  notReady: () => void,
  { nats, cluster }: Nodes,
  retention: { stop(): void },
): Server {
  const { engine, store, http, feed, sip } = parts;
  let closed = false;
  return {
    ...parts,
    async close() {
      if (closed) return;
      closed = true;
      notReady();
      retention.stop();
      await cluster?.stop();
      await feed.close();
      await sip.stop();
      await http.close();
      await engine.settled();
      engine.stop();
      // The engine's last batches go out before the bus closes.
      await nats?.close();
      await dispatcher.stop();
      await store.close();
    },
  };
}
