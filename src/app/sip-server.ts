// S7: the SIP server as the composition root wires it: the configured limits, the store that
// keeps its state (S8.2), its counters in /metrics and the overload signal (S8.3).
import type { Logger } from 'pino';
import type { Bus, Clock, Engine } from '../engine/index.js';
import type { Metrics } from '../shared/metrics.js';
import type { OverloadSignal } from '../shared/overload.js';
import { SipServer } from '../sip/index.js';
import type { SipDirectory } from '../sip/index.js';
import type { Store } from '../store/index.js';
import type { Config } from './config.js';
import { SIP_METHODS, advertisedAddress } from './sip-directory.js';

/** What the SIP server takes of the server's core. */
export interface SipCore {
  readonly engine: Engine;
  readonly bus: Bus;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly sipStore: Pick<Store, 'saveSipState' | 'sipState'>;
}

/** S7: the SIP server, told about tenants and credentials through two functions (sipDirectory). */
export function sipServer(
  config: Config,
  core: SipCore,
  logger: Logger,
  directory: SipDirectory,
  overload: OverloadSignal,
): SipServer {
  const { metrics, sipStore } = core;
  const sip = new SipServer({
    engine: core.engine,
    bus: core.bus,
    clock: core.clock,
    directory,
    host: config.host,
    port: config.sipPort,
    advertisedHost: advertisedAddress(config.host),
    // S8.2: bindings, subscriptions and publications survive a restart.
    persistence: sipStore,
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
    overload,
    threads: config.sipThreads,
  });
  metrics.sipState = () => sip.stats();
  return sip;
}
