// The composition root: opens the store, loads every tenant into the engine, wires the
// surfaces, and starts and stops them in order.
import { networkInterfaces } from 'node:os';
import type { Logger } from 'pino';
import type { TenantId } from '../core/index.js';
import { Engine, InProcessBus } from '../engine/index.js';
import type { Bus, Clock, JournalEntry } from '../engine/index.js';
import { Feed } from '../feed/index.js';
import type { FeedOptions } from '../feed/index.js';
import type { NatsBus } from '../cluster/index.js';
import { Accounts } from '../auth/index.js';
import {
  agentRoutes,
  authRoutes,
  buildHttp,
  directoryRoutes,
  eventRoutes,
  historyRoutes,
  opsRoutes,
  reasonRoutes,
  presenceRoutes,
  routingRoutes,
  webhookRoutes,
} from '../http/index.js';
import type { App, HttpContext } from '../http/index.js';
import { Metrics } from '../shared/metrics.js';
import { TenantRows } from './tenant-rows.js';
import type { Store, TenantRow } from '../store/index.js';
import { SipServer } from '../sip/index.js';
import type { SipDirectory } from '../sip/index.js';
import { AddressPolicy, Dispatcher } from '../webhooks/index.js';
import type { DispatcherOptions } from '../webhooks/index.js';
import type { Config } from './config.js';
import { redacted } from './config.js';
import { DEMO_TENANT, seedDemo } from './demo.js';
import { natsBus } from './bus.js';
import { openStore } from './store.js';
import { createLogger } from './logger.js';
import { SystemClock } from './system-clock.js';
import { defaultWebDir, webRoutes } from './web.js';
import { NODE_FLAGS, SEMI_SPACE_MB, semiSpaceMb, tuneHeap } from './heap.js';

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
  // S10.1: with a NATS bus configured, committed batches go through JetStream (closed on stop).
  const nats = options.bus === undefined && config.busUrl !== '' ? await natsBus(config, logger) : undefined;
  let opened: Store | undefined;
  try {
    const store = options.store ?? (opened = await openStore(config, logger));
    return await startOn(
      config,
      { ...options, store, ...(nats !== undefined ? { bus: nats } : {}) },
      logger,
      clock,
      nats,
    );
  } catch (err) {
    // A server that did not start leaves no connection keeping the process alive.
    await nats?.close();
    await opened?.close().catch(() => {});
    throw err;
  }
}

async function startOn(
  config: Config,
  options: StartOptions,
  logger: Logger,
  clock: Clock,
  nats: NatsBus | undefined,
): Promise<Server> {
  const core = openCore(config, options.store!, options, logger, clock);
  const { store, engine, dispatcher } = core;
  const accounts = new Accounts(engine, store, {
    systemToken: config.systemToken,
    tokenTtlSec: config.tokenTtlSec,
    now: () => clock.now(),
  });
  // The tenants served and their sign-ins are kept in memory for the answers that cannot wait.
  const tenantRows = new TenantRows();
  const addTenant = async (row: TenantRow): Promise<void> => {
    const loaded = await store.loadTenant(row.id);
    if (loaded === undefined) throw new Error(`tenant ${row.id} is not in the store`);
    await accounts.loadTenant(row.id);
    tenantRows.add(loaded.row);
    engine.addTenant(loaded.state, { epoch: loaded.row.epoch, seq: loaded.row.seq });
  };
  for (const row of await store.tenants()) await addTenant(row);

  let defaultTenant: TenantId | undefined = tenantRows.first()?.id;
  if (defaultTenant === undefined && config.demo) {
    await seedDemo(store, engine, accounts, addTenant, clock.now());
    defaultTenant = DEMO_TENANT;
    logger.info({ tenant: DEMO_TENANT }, 'created the demo company Acme: sign in as 1001 / pass1001');
  }
  const tenantOf = (): TenantId | undefined => defaultTenant ?? tenantRows.first()?.id;
  const sip = sipServer(config, core, logger, sipDirectory(tenantRows, accounts, config, tenantOf));
  let ready = false;
  const ctx: HttpContext = {
    engine,
    store,
    accounts,
    metrics: core.metrics,
    now: () => clock.now(),
    defaultTenant: tenantOf,
    addTenant,
    sipDevices: (tenant, userId) => sip.devices(tenant, userId),
  };
  const { http, feed } = await surfaces(config, options, core, ctx, logger, () => ready);
  // Every surface has subscribed: the bus may start handing batches over.
  await nats?.start();
  const parts = { config, engine, bus: core.bus, store, accounts, addTenant, http, feed, sip, logger };
  if (options.listen === false) {
    await http.ready();
    ready = true;
    return handle({ ...parts, sipPort: 0, url: '' }, dispatcher, () => (ready = false), nats);
  }
  const sipPort = await sip.start();
  const url = await http.listen({ port: config.httpPort, host: config.host });
  ready = true;
  dispatcher.start();
  announce(config, logger, url, sipPort);
  return handle({ ...parts, sipPort, url }, dispatcher, () => (ready = false), nats);
}

/** What every surface shares: the store, the engine with its journal and bus, metrics, the webhook dispatcher. */
interface Core {
  readonly store: Store;
  readonly clock: Clock;
  readonly engine: Engine;
  readonly bus: Bus;
  readonly metrics: Metrics;
  readonly addresses: AddressPolicy;
  readonly dispatcher: Dispatcher;
}

/**
 * The store, and the engine committing to it and publishing each committed batch on the bus.
 * The surfaces take committed batches from the bus only (S8.2: nothing is seen before the commit).
 */
function openCore(config: Config, store: Store, options: StartOptions, logger: Logger, clock: Clock): Core {
  // S6.3: where webhooks may go; the operator's allow-list admits internal hosts.
  const addresses = new AddressPolicy(config.webhookAllowedHosts);
  const metrics = new Metrics();
  const bus = options.bus ?? new InProcessBus();
  const journal = {
    async commit(batch: readonly JournalEntry[]) {
      // S6.3: the events' outbox rows are committed with them. The dispatcher is poked only when
      // there are some: a look at the outbox for every batch put two queries on the event loop per
      // change, and NOTIFYs waited behind them.
      const { outboxRows } = await store.commit(batch);
      metrics.commitBatches.inc();
      if (outboxRows > 0) dispatcher.poke();
    },
  };
  const engine = new Engine({ clock, journal, bus });
  const dispatcher = new Dispatcher(store, options.webhooks, {
    metrics,
    log: logger.child({ surface: 'webhooks' }),
    addresses,
  });
  bus.subscribe((batch) => {
    if (batch.events.length === 0) return;
    for (const e of batch.events) metrics.events.inc({ type: e.type });
  });
  engine.listen({
    // S8.2: the batch was undone and its commands refused; the operator needs the store's reason.
    onCommitFailed: (tenant, err) =>
      logger.error(
        { surface: 'store', tenant, err: err instanceof Error ? err.message : String(err) },
        'commit failed: batch undone and refused',
      ),
  });
  return { store, clock, engine, bus, metrics, addresses, dispatcher };
}

/** S7: the SIP server, told about tenants and credentials through two functions (sipDirectory). */
function sipServer(config: Config, core: Core, logger: Logger, directory: SipDirectory): SipServer {
  const { metrics, store } = core;
  const sip = new SipServer({
    engine: core.engine,
    bus: core.bus,
    clock: core.clock,
    directory,
    host: config.host,
    port: config.sipPort,
    advertisedHost: advertisedAddress(config.host),
    // S8.2: bindings, subscriptions and publications survive a restart.
    persistence: store,
    // S7.2, S8.3, S8.1: the configured shares of subscriptions and limits of SIP over TCP.
    presence: {
      maxSubscriptionsPerUser: config.sipSubscriptionsPerUser,
      maxSubscriptionsPerTenant: config.sipSubscriptionsPerTenant,
    },
    tcp: {
      messageTimeoutMs: config.sipTcpMessageTimeoutSec * 1000,
      maxConnectionsPerAddress: config.sipTcpConnectionsPerAddress,
    },
    counters: {
      authFailure: () => metrics.sipAuthFailures.inc(),
      notifySent: () => metrics.sipNotifies.inc(),
      request: (method, status) =>
        metrics.sipRequests.inc({ method: SIP_METHODS.has(method) ? method : 'other', status: String(status) }),
    },
    log: (level, detail, message) => logger[level]({ surface: 'sip', ...detail }, message),
  });
  metrics.sipState = () => sip.stats();
  return sip;
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
      directoryRoutes,
      agentRoutes,
      routingRoutes,
      historyRoutes,
      reasonRoutes,
      eventRoutes,
      (app) => webhookRoutes(app, ctx, core.dispatcher, core.addresses),
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

function announce(config: Config, logger: Logger, url: string, sipPort: number): void {
  const semiSpace = semiSpaceMb();
  logger.info(
    { url, sipPort, config: redacted(config), heap: { semiSpaceMb: semiSpace ?? 'default' } },
    'switchboard is listening',
  );
  if (semiSpace === undefined) {
    logger.warn(
      { surface: 'heap', flags: NODE_FLAGS },
      `node runs with V8's default young generation: start it with ${NODE_FLAGS.join(' ')} (npm start and the switchboard executable do) for less garbage-collection time (${SEMI_SPACE_MB} MB, src/app/heap.ts)`,
    );
  }
}

/** The running server and how it stops: the surfaces first, then the engine's last commits, then the store. */
function handle(
  parts: Omit<Server, 'close'>,
  dispatcher: Dispatcher,
  notReady: () => void,
  nats: NatsBus | undefined,
): Server {
  const { engine, store, http, feed, sip } = parts;
  let closed = false;
  return {
    ...parts,
    async close() {
      if (closed) return;
      closed = true;
      notReady();
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

const SIP_METHODS = new Set([
  'REGISTER',
  'SUBSCRIBE',
  'PUBLISH',
  'OPTIONS',
  'INVITE',
  'BYE',
  'CANCEL',
  'NOTIFY',
  'MESSAGE',
  'INFO',
  'UPDATE',
  'REFER',
  'PRACK',
]);

/** The address our Via and Contact headers name: the bound one, or the first outside interface. */
function advertisedAddress(host: string): string {
  if (host !== '0.0.0.0' && host !== '::') return host;
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/**
 * S7.1: the tenant of a SIP domain, else — for requests addressed to this server's own address
 * or `localhost` — the default tenant; and the users' HA1 digests. Both come from memory (the
 * tenants served, the accounts layer's credentials); a domain's answer is cached briefly.
 */
function sipDirectory(
  tenants: TenantRows,
  accounts: Accounts,
  config: Config,
  defaultTenant: () => TenantId | undefined,
): SipDirectory {
  const own = new Set(['localhost', '127.0.0.1', '::1', '[::1]', config.host.toLowerCase()]);
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) own.add(a.address.toLowerCase());
  const cache = new Map<string, { at: number; value: { tenant: TenantId; domain: string } | undefined }>();
  return {
    tenantForDomain(host) {
      const key = host.toLowerCase();
      const now = Date.now();
      const hit = cache.get(key);
      if (hit !== undefined && now - hit.at < 5000) return hit.value;
      let row = tenants.bySipDomain(key);
      if (row === undefined && own.has(key)) {
        const id = defaultTenant();
        row = id === undefined ? undefined : tenants.get(id);
      }
      const value = row === undefined ? undefined : { tenant: row.id, domain: row.sipDomain };
      if (cache.size > 10_000) cache.clear();
      cache.set(key, { at: now, value });
      return value;
    },
    // The accounts layer keeps credentials in memory and updates them on every write: a changed
    // SIP password applies to the next request.
    credentials(tenant, userId) {
      const row = accounts.credentials(tenant, userId);
      return row === undefined ? undefined : { sipHa1: row.sipHa1 ?? null, terminalHa1: row.terminalHa1 ?? null };
    },
  };
}
