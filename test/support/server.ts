// A real server on a free port with a fresh data directory, for tests over real sockets.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { DEFAULT_CONFIG } from '../../src/app/config.js';
import type { Config } from '../../src/app/config.js';
import { startServer } from '../../src/app/server.js';
import type { Server } from '../../src/app/server.js';
import type { App } from '../../src/http/server.js';
import type { Store } from '../../src/store/index.js';
import type { DispatcherOptions } from '../../src/webhooks/index.js';

export const SYSTEM_TOKEN = 'system-token-for-tests-0123456789';

/**
 * S8.3: a test's server shares its event loop with the test itself (and the machine with other
 * suites), so how late that loop runs says nothing about the server's load: test servers shed
 * nothing for it unless a test sets the limit (test/http/overload.test.ts). vitest.config.ts sets
 * the same for servers started as processes.
 */
export const NO_SHEDDING = { overloadLoopDelayMs: 60_000, overloadSipLoopDelayMs: 60_000 } as const;

export async function testServer(
  overrides: Partial<Config> = {},
  options: { webhooks?: Partial<DispatcherOptions>; store?: Store } = {},
): Promise<Server & { dataDir: string; cleanup(): Promise<void> }> {
  const dataDir = overrides.dataDir ?? mkdtempSync(join(tmpdir(), 'swb-'));
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
  const server = await startServer(config, { logger: pino({ level: 'silent' }), ...options });
  return {
    ...server,
    dataDir,
    close: () => server.close(),
    async cleanup() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface CallOptions {
  readonly token?: string;
  readonly body?: unknown;
  /** The body as it is sent (JSON unless a content-type header says otherwise). */
  readonly raw?: string;
  readonly headers?: Record<string, string>;
}

/** The headers and body text of a JSON request. */
function requestOf(options: CallOptions): { headers: Record<string, string>; body: string | undefined } {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.raw !== undefined) {
    body = options.raw;
    headers['content-type'] ??= 'application/json';
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  return { headers, body };
}

/** An answer's body: parsed JSON, else the text (e.g. /metrics), undefined when empty. */
function bodyOf(text: string): any {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return text;
  }
}

/** Where a request goes: a listening server's base URL, or an app in-process (support/app.ts) through inject(). */
export type Target = string | { readonly http: App };

export interface Answer {
  readonly status: number;
  readonly headers: Record<string, unknown>;
  /** The parsed JSON body, or the text when it is not JSON (undefined when empty). */
  readonly body: any;
}

/** A request, JSON in and out: over a socket (fetch) to a URL, through inject() to an app. */
export async function call(target: Target, method: string, path: string, options: CallOptions = {}): Promise<Answer> {
  const { headers, body } = requestOf(options);
  if (typeof target === 'string') {
    const res = await fetch(`${target}${path}`, { method, headers, body });
    return { status: res.status, headers: Object.fromEntries(res.headers), body: bodyOf(await res.text()) };
  }
  const res = await target.http.inject({
    method: method as 'GET',
    url: path,
    headers,
    ...(body !== undefined ? { payload: body } : {}),
  });
  return { status: res.statusCode, headers: res.headers, body: bodyOf(res.body) };
}

export async function login(base: Target, username: string, password = `pass${username}`): Promise<string> {
  const r = await call(base, 'POST', '/api/v1/auth/login', { body: { username, password } });
  if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.token as string;
}

/** Creates another tenant through the system administrator and signs its admin in. */
export async function secondTenant(
  base: Target,
  t: {
    id: string;
    name: string;
    sipDomain: string;
    admin: { id: string; extension: string; name: string; password: string };
  },
): Promise<string> {
  const created = await call(base, 'POST', '/api/v1/tenants', { token: SYSTEM_TOKEN, body: t });
  if (created.status !== 201)
    throw new Error(`create tenant ${t.id}: ${created.status} ${JSON.stringify(created.body)}`);
  const signIn = await call(base, 'POST', '/api/v1/auth/login', {
    body: { username: t.admin.extension, password: t.admin.password, tenant: t.id },
  });
  if (signIn.status !== 200) throw new Error(`sign in to ${t.id}: ${signIn.status} ${JSON.stringify(signIn.body)}`);
  return signIn.body.token as string;
}
