// What the server says once it listens: where, with which configuration, and a warning when node
// runs without the heap flags it is meant to have (heap.ts).
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { redacted } from './config.js';
import { NODE_FLAGS, SEMI_SPACE_MB, semiSpaceMb } from './heap.js';

export function announce(config: Config, logger: Logger, url: string, sipPort: number): void {
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
