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
import { ERRORS } from '../../src/core/index.js';
import type { ErrorCode } from '../../src/core/index.js';
import type { Server, StartOptions } from '../../src/app/server.js';
import { SYSTEM_TOKEN, bodyOf, requestOf } from './server.js';
import type { CallOptions } from './server.js';

export { SYSTEM_TOKEN };

export type TestApp = Server & { readonly dataDir: string; cleanup(): Promise<void> };

export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | number | undefined>;
  /** The parsed JSON body, or the text when it is not JSON (undefined when empty). */
  readonly body: any;
}

/** The demo company (Acme, 1001 … admin) in a fresh data directory, on the clock given (default the system's). */
export async function testApp(overrides: Partial<Config> = {}, options: Omit<StartOptions, 'listen' | 'logger'> = {}): Promise<TestApp> {
  const dataDir = overrides.dataDir ?? mkdtempSync(join(tmpdir(), 'swb-app-'));
  const config: Config = { ...DEFAULT_CONFIG, httpPort: 0, sipPort: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', systemToken: SYSTEM_TOKEN, ...overrides };
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

/** A request through `inject()`, JSON in and out: the in-process twin of support/server.ts `call`. */
export async function call(app: Server, method: string, path: string, options: CallOptions = {}): Promise<Answer> {
  const { headers, body } = requestOf(options);
  const res = await app.http.inject({ method: method as 'GET', url: path, headers, ...(body !== undefined ? { payload: body } : {}) });
  return { status: res.statusCode, headers: res.headers, body: bodyOf(res.body) };
}

/** Signs a user of the demo company in; answers the bearer token. */
export async function login(app: Server, username: string, password = `pass${username}`): Promise<string> {
  const r = await call(app, 'POST', '/api/v1/auth/login', { body: { username, password } });
  if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.token as string;
}

/** The whole body of a refusal with the registry's message: what a test compares an answer to. */
export function refusal(code: ErrorCode, details?: Readonly<Record<string, unknown>>): { error: { code: ErrorCode; message: string; details?: Readonly<Record<string, unknown>> } } {
  return { error: { code, message: ERRORS[code], ...(details !== undefined ? { details } : {}) } };
}
