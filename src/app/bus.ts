// The bus between nodes (S10.1), when the configuration names NATS servers: the composition root
// uses it instead of the in-process bus, starts it once every surface has subscribed and closes
// it after the engine's last commit (server.ts).
import type { Logger } from 'pino';
import type { NatsBus, NatsBusOptions } from '../cluster/index.js';
import type { Config } from './config.js';

/** The configured bus cannot be used (NATS not reachable, JetStream off, the stream refused). */
export class BusError extends Error {}

/** The bus between nodes; a gap (batches a tenant lost on the way) is logged for now. */
export async function natsBus(
  config: Config,
  logger: Logger,
  extra: Pick<NatsBusOptions, 'codec' | 'onGap' | 'replicaOf'> = {},
): Promise<NatsBus> {
  const log = logger.child({ surface: 'bus' });
  // Loaded only with a bus configured: a single node does not load the NATS client (issue 19).
  const { NatsBus } = await import('../cluster/index.js');
  return NatsBus.connect({
    servers: config.busUrl,
    stream: config.busStream,
    subjectPrefix: config.busSubjectPrefix,
    maxAgeSec: config.busMaxAgeSec,
    maxBytes: config.busMaxMb * 1024 * 1024,
    name: `switchboard ${config.host}:${config.httpPort}`,
    log: (level, detail, message) => log[level](detail, message),
    ...extra,
  }).catch((err: unknown) => {
    throw new BusError(
      `the bus at ${config.busUrl} is not usable: ${err instanceof Error ? err.message : String(err)}`,
      {
        cause: err,
      },
    );
  });
}
