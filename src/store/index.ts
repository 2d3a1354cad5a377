export type * from './port.js';
export { SqliteStore } from './sqlite.js';
export type { SqliteStoreOptions, StoreLog } from './sqlite.js';
export { KEY_FILE, SecretKeyError, parseSecretKey } from './secret-box.js';
export { DIR_MODE, FILE_MODE } from './file-modes.js';
