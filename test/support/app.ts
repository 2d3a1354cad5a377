// The whole server in-process with no port bound: store (a real file), engine, accounts and every
// REST route, driven through fastify's `inject()` — no socket, no polling. For route tests only;
// the feed, SIP, webhooks and end-to-end tests keep real sockets (support/server.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { DEFAULT_CONFIG } from '../../src/app/config.js';
import type { Config } from '../../src/app/config.js';
import { startServer } from '../../src/app/server.js';
import type { Server, StartOptions } from '../../src/app/server.js';
import { ERRORS } from '../../src/core/index.js';
import type { ErrorCode } from '../../src/core/index.js';
import { NO_SHEDDING, SYSTEM_TOKEN } from './server.js';

// One call, login and secondTenant for both transports: given the app, they go through inject().
export { SYSTEM_TOKEN, call, login, secondTenant } from './server.js';
export type { Answer } from './server.js';

export type TestApp = Server & { readonly dataDir: string; cleanup(): Promise<void> };

/** The demo company (Acme, 1001 … admin) in a fresh data directory, on the clock given (default the system's). */
export async function testApp(
  overrides: Partial<Config> = {},
  options: Omit<StartOptions, 'listen' | 'logger'> = {},
): Promise<TestApp> {
  const dataDir = overrides.dataDir ?? mkdtempSync(join(tmpdir(), 'swb-app-'));
  const config: Config = {
    ...DEFAULT_CONFIG,
    httpPort: 0,
    sipPort: 0,
    host: '127.0.0.1',
    dataDir,
    logLevel: 'silent',
    systemToken: SYSTEM_TOKEN,
    ...NO_SHEDDING,
    ...overrides,
  };
  const server = await startServer(config, { ...options, logger: pino({ level: 'silent' }), listen: false });
  return {
    ...server,
    dataDir,
    async cleanup() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The whole body of a refusal with the registry's message: what a test compares an answer to. */
export function refusal(
  code: ErrorCode,
  details?: Readonly<Record<string, unknown>>,
): { error: { code: ErrorCode; message: string; details?: Readonly<Record<string, unknown>> } } {
  return { error: { code, message: ERRORS[code], ...(details !== undefined ? { details } : {}) } };
}
