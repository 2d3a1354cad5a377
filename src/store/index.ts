export type * from './port.js';
export { SqliteStore } from './sqlite.js';
export type { SqliteStoreOptions } from './sqlite.js';
export type { StoreLog } from './webhook-secrets.js';
export { KEY_FILE, SecretKeyError, parseSecretKey } from './secret-box.js';
export { DIR_MODE, FILE_MODE } from './file-modes.js';
export { StoreRowError, ROW_VERSION, encodeUser, decodeUser } from './codec.js';
export { PostgresStore, redactedUrl } from './postgres.js';
export type { PostgresStoreOptions } from './postgres.js';
