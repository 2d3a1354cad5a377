// Issue 14: answers are written through their reply schemas. What a route returns beyond its
// schema never leaves the server; under SWB_CHECK_REPLIES (the tests) it is a 500 instead, so a
// field missing from a schema cannot go unnoticed.
import { afterEach, describe, expect, test } from 'vitest';
import { Metrics } from '../../src/shared/metrics.js';
import { buildHttp } from '../../src/http/server.js';
import type { App, HttpContext } from '../../src/http/server.js';

const ME = {
  tenant: { id: 'acme', name: 'Acme', sipDomain: 'acme.test' },
  role: 'admin',
  user: { id: 'u1001', extension: '1001', name: 'Alice Adams', role: 'admin' },
  apiKey: null,
};

/** A server with one route, GET /api/v1/auth/me, answering `body` (public: no store needed). */
async function serverAnswering(body: unknown): Promise<App> {
  const ctx = { metrics: new Metrics() } as unknown as HttpContext;
  return buildHttp(ctx, {
    logger: false,
    routes: [(app) => void app.get('/api/v1/auth/me', { config: { access: 'public' } }, async () => body)],
  });
}

let app: App | undefined;
const check = process.env.SWB_CHECK_REPLIES;
afterEach(async () => {
  await app?.close();
  if (check === undefined) delete process.env.SWB_CHECK_REPLIES;
  else process.env.SWB_CHECK_REPLIES = check;
});

describe('answers through their schemas', () => {
  test('S5.4 a field the schema does not declare (a hash) never leaves the server', async () => {
    delete process.env.SWB_CHECK_REPLIES;
    app = await serverAnswering({ ...ME, user: { ...ME.user, passwordHash: '$argon2id$…', ha1: 'abc' }, secret: 's' });
    const r = await app.inject({ method: 'GET', url: '/api/v1/auth/me' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual(ME);
    expect(r.body).not.toMatch(/argon2|ha1|secret/);
  });

  test('S8.1 under SWB_CHECK_REPLIES an answer its schema does not describe is a 500, a described one is not', async () => {
    process.env.SWB_CHECK_REPLIES = '1';
    app = await serverAnswering({ ...ME, user: { ...ME.user, passwordHash: 'x' } });
    const r = await app.inject({ method: 'GET', url: '/api/v1/auth/me' });
    expect([r.statusCode, r.json().error.code]).toEqual([500, 'SWB_ERR_SERVER']);
    await app.close();
    app = await serverAnswering(ME);
    const ok = await app.inject({ method: 'GET', url: '/api/v1/auth/me' });
    expect([ok.statusCode, ok.json()]).toEqual([200, ME]);
  });

  test('S8.1 a documented route without an entry in the contract stops the server starting', async () => {
    const ctx = { metrics: new Metrics() } as unknown as HttpContext;
    await expect(
      buildHttp(ctx, { logger: false, routes: [(a) => void a.get('/api/v1/undeclared', async () => ({}))] }),
    ).rejects.toThrow(/GET \/api\/v1\/undeclared has no answer declared/);
  });
});
