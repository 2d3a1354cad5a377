// The server serves the built web app at / (src/app/web.ts): pages fall back to index.html,
// assets are cached for good, API paths keep their JSON 404, nothing outside web/dist leaks.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { call, testServer } from '../support/server.js';
import { WEB_DIST, assertPrerequisites } from './browser.js';

type S = Awaited<ReturnType<typeof testServer>>;
let s: S;

beforeAll(async () => {
  assertPrerequisites();
  s = await testServer();
});
afterAll(async () => s.cleanup());

describe('serving the web app', () => {
  test('S8 / and every app page answer the app’s index.html, never cached stale', async () => {
    for (const path of ['/', '/me', '/users/u1003', '/admin/users/u1003']) {
      const res = await fetch(`${s.url}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toContain('<div id="app">');
    }
  });

  test('S8 hashed assets are served with their type and cached for good', async () => {
    const js = readdirSync(join(WEB_DIST, '..', 'assets')).find((f) => f.endsWith('.js'))!;
    const res = await fetch(`${s.url}/assets/${js}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${s.url}/assets/missing-0000.js`)).status).toBe(404);
  });

  test('S8.1 an unknown API path keeps its JSON 404, and nothing outside web/dist is served', async () => {
    const r = await call(s.url, 'GET', '/api/v1/no-such-thing');
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('SWB_ERR_NOT_FOUND');
    // A malformed escape is refused by the HTTP layer before any file is looked up.
    expect((await fetch(`${s.url}/%E0%A4%A`)).status).toBe(400);
    for (const path of ['/../package.json', '/%2e%2e/package.json', '/..%2fpackage.json']) {
      const res = await fetch(`${s.url}${path}`);
      expect(await res.text()).not.toContain('"devDependencies"');
    }
  });
});
