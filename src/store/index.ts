export type * from './port.js';
export { SqliteStore } from './sqlite.js';
export type { SqliteStoreOptions } from './sqlite.js';
export type { StoreLog } from './webhook-secrets.js';
export { KEY_FILE, SecretKeyError, parseSecretKey } from './secret-box.js';
export { DIR_MODE, FILE_MODE } from './file-modes.js';
export {
  StoreRowError,
  ROW_VERSION,
  encodeUser,
  decodeUser,
  encodeGroup,
  decodeGroup,
  encodeQueue,
  decodeQueue,
} from './codec.js';
export { PostgresStore, redactedUrl } from './postgres.js';
export type { PostgresStoreOptions } from './postgres.js';
export { PgLeases, epochOf } from './postgres-leases.js';
export type { Grant, LeaseRow } from './postgres-leases.js';
export { FencedError } from './fenced.js';
