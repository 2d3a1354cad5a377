// The composition root: opens the store, loads every tenant into the engine, wires the
// surfaces, and starts and stops them in order.
import { join } from 'node:path';
import pino from 'pino';
import type { Logger } from 'pino';
import type { TenantId } from '../core/index.js';
import { Engine } from '../engine/index.js';
import type { Clock } from '../engine/index.js';
import { Accounts } from '../http/accounts.js';
import { Metrics } from '../http/metrics.js';
import { authRoutes } from '../http/routes/auth.js';
import { opsRoutes } from '../http/routes/ops.js';
import { presenceRoutes } from '../http/routes/presence.js';
import { buildHttp } from '../http/server.js';
import type { App, HttpContext } from '../http/server.js';
import { SqliteStore } from '../store/index.js';
import type { Store, TenantRow } from '../store/index.js';
import type { Config } from './config.js';
import { redacted } from './config.js';
import { DEMO_TENANT, seedDemo } from './demo.js';
import { SystemClock } from './system-clock.js';

export interface Server {
  readonly config: Config;
  readonly engine: Engine;
  readonly store: Store;
  readonly http: App;
  readonly url: string;
  readonly logger: Logger;
  close(): Promise<void>;
}

export async function startServer(config: Config, options: { clock?: Clock; logger?: Logger } = {}): Promise<Server> {
  const logger = options.logger ?? pino({ level: config.logLevel });
  const clock = options.clock ?? new SystemClock();
  const store = new SqliteStore(join(config.dataDir, 'switchboard.db'));
  const metrics = new Metrics();
  const engine = new Engine({
    clock,
    journal: {
      commit(batch) {
        store.commit(batch);
        metrics.commitBatches.inc();
      },
    },
  });
  engine.listen({ onEvents: (events) => { for (const e of events) metrics.events.inc({ type: e.type }); } });

  const addTenant = (row: TenantRow): void => {
    const loaded = store.loadTenant(row.id);
    if (loaded === undefined) throw new Error(`tenant ${row.id} is not in the store`);
    engine.addTenant(loaded.state, { epoch: loaded.row.epoch, seq: loaded.row.seq });
  };
  for (const row of store.tenants()) addTenant(row);

  let defaultTenant: TenantId | undefined = store.tenants()[0]?.id;
  const accounts = new Accounts(engine, store, { systemToken: config.systemToken, tokenTtlSec: config.tokenTtlSec, now: () => clock.now() });
  if (defaultTenant === undefined && config.demo) {
    await seedDemo(store, engine, accounts, addTenant, clock.now());
    defaultTenant = DEMO_TENANT;
    logger.info({ tenant: DEMO_TENANT }, 'created the demo company Acme: sign in as 1001 / pass1001');
  }

  const ctx: HttpContext = { engine, store, accounts, metrics, now: () => clock.now(), defaultTenant: () => defaultTenant ?? store.tenants()[0]?.id, addTenant };
  let ready = false;
  const http = await buildHttp(ctx, {
    logger: logger.child({ surface: 'http' }, { level: config.logLevel === 'info' ? 'warn' : config.logLevel }),
    routes: [authRoutes, presenceRoutes, (app) => opsRoutes(app, ctx, () => ready)],
  });
  const url = await http.listen({ port: config.httpPort, host: config.host });
  ready = true;
  logger.info({ url, config: redacted(config) }, 'switchboard is listening');

  let closed = false;
  return {
    config,
    engine,
    store,
    http,
    url,
    logger,
    async close() {
      if (closed) return;
      closed = true;
      ready = false;
      await http.close();
      await engine.settled();
      engine.stop();
      store.close();
    },
  };
}
