// The store the composition root opens (server.ts): PostgreSQL when the configuration names one
// (--store postgres://…, S10: several nodes share it), else the embedded SQLite file in the data
// directory, which needs nothing else running.
import { join } from 'node:path';
import type { Logger } from 'pino';
import { parseSecretKey, SecretKeyError, SqliteStore } from '../store/index.js';
import type { Store } from '../store/index.js';
import type { Config } from './config.js';

/** The configured store cannot be used (PostgreSQL not reachable, the login or database refused). */
export class StoreError extends Error {}

export async function openStore(config: Config, logger: Logger): Promise<Store> {
  // S5.4: the configured key, else the store's key file in the data directory.
  const secretKey = config.secretKey !== '' ? { secretKey: parseSecretKey(config.secretKey)! } : {};
  if (config.storeUrl === '')
    return new SqliteStore(join(config.dataDir, 'switchboard.db'), {
      onCheckpointError: (message) => logger.warn({ surface: 'store', err: message }, 'WAL checkpoint failed'),
      ...secretKey,
      log: logger,
    });
  // Loaded only here: the embedded default does not load node-postgres (issue 19).
  const { PostgresStore, redactedUrl } = await import('../store/postgres.js');
  return PostgresStore.open(config.storeUrl, { ...secretKey, keyDir: config.dataDir, log: logger }).catch(
    (err: unknown) => {
      if (err instanceof SecretKeyError) throw err;
      throw new StoreError(`the store at ${redactedUrl(config.storeUrl)} is not usable: ${errorText(err)}`, {
        cause: err,
      });
    },
  );
}

/** S10: why the configured PostgreSQL cannot be used, in one line, or undefined (preflight.ts). */
export async function storeProblem(config: Config): Promise<string | undefined> {
  if (config.storeUrl === '') return undefined;
  const { PostgresStore, redactedUrl } = await import('../store/postgres.js');
  try {
    await PostgresStore.ping(config.storeUrl);
    return undefined;
  } catch (err) {
    return `the store at ${redactedUrl(config.storeUrl)} cannot be used (${errorText(err)}); start PostgreSQL there or change --store or SWITCHBOARD_STORE.`;
  }
}

/** node-postgres gives an AggregateError with an empty message when every address refused. */
function errorText(err: unknown): string {
  if (err instanceof AggregateError && err.message === '') return err.errors.map(errorText).join('; ');
  if (err instanceof Error) return err.message !== '' ? err.message : ((err as NodeJS.ErrnoException).code ?? err.name);
  return String(err);
}
