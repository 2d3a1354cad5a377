export type * from './port.js';
export { SqliteStore } from './sqlite.js';
