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
// PostgreSQL (S10) is loaded only where configured: app/ imports './postgres.js' when --store names
// one, so the embedded default does not load node-postgres (issue 19: idle memory).
export type { PostgresStore } from './postgres.js';
export type { PostgresStoreOptions } from './postgres.js';
export { PgLeases, epochOf } from './postgres-leases.js';
export type { Grant, LeaseRow } from './postgres-leases.js';
export { FencedError } from './fenced.js';
