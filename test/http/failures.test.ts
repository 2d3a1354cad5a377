// F9 (issue 14): every 4xx answer has the SWB_ERR_ shape with a registered code, including the
// refusals fastify and node's HTTP parser raise before a route runs.
import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ERRORS } from '../../src/core/index.js';
import type { ErrorCode } from '../../src/core/index.js';
import { httpStatus } from '../../src/http/errors.js';
import { login, testServer } from '../support/server.js';

type S = Awaited<ReturnType<typeof testServer>>;
let s: S;
let token: string;

beforeAll(async () => {
  s = await testServer();
  token = await login(s.url, '1001');
});
afterAll(async () => s.cleanup());

/** Sends raw bytes and reads the whole answer until the server closes or 2 s pass. */
function raw(request: string): Promise<{ status: number; headers: string; body: string }> {
  const { hostname, port } = new URL(s.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(request));
    const chunks: Buffer[] = [];
    socket.setTimeout(2000, () => socket.destroy());
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n', 2);
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), headers: head, body });
    });
  });
}

/** The answer is `{ error: { code, message } }` with a registered code that goes with its status. */
function expectRefusal(status: number, body: unknown, code?: string): void {
  const error = (body as { error?: { code?: string; message?: string } }).error;
  expect(error?.code, JSON.stringify(body)).toMatch(/^SWB_ERR_/);
  expect(Object.keys(ERRORS)).toContain(error!.code);
  expect(httpStatus(error!.code! as ErrorCode)).toBe(status);
  expect(typeof error!.message).toBe('string');
  if (code !== undefined) expect(error!.code).toBe(code);
}

describe('F9: refusals before a route runs', () => {
  test('S8.1 a path whose percent-escape does not decode is 400 SWB_ERR_BAD_URL, API or not', async () => {
    for (const path of ['/api/v1/users/%ff', '/api/v1/users/%ff/presence', '/%ff']) {
      const r = await fetch(`${s.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
      expect(r.status).toBe(400);
      expectRefusal(400, await r.json(), 'SWB_ERR_BAD_URL');
    }
  });

  test('S8.1 headers over the limit are 431 and a request line over it 414, as JSON on the socket', async () => {
    const big = await raw(`GET /api/v1/presence HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(big.status).toBe(431);
    expect(big.headers).toMatch(/content-type: application\/json/i);
    expectRefusal(431, JSON.parse(big.body), 'SWB_ERR_HEADERS_TOO_LARGE');
    const long = await raw(`GET /api/v1/users/${'x'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(long.status).toBe(414);
    expectRefusal(414, JSON.parse(long.body), 'SWB_ERR_URI_TOO_LONG');
  });

  test('S8.1 a path segment over the router limit is 414; malformed HTTP is 400', async () => {
    const r = await fetch(`${s.url}/api/v1/users/${'x'.repeat(150)}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(r.status).toBe(414);
    expectRefusal(414, await r.json(), 'SWB_ERR_URI_TOO_LONG');
    const garbage = await raw('HELLO THERE\r\n\r\n');
    expect(garbage.status).toBe(400);
    expectRefusal(400, JSON.parse(garbage.body), 'SWB_ERR_BAD_REQUEST');
  });

  test('S8.1 a path that takes other methods is 405 with Allow; an unknown one 404', async () => {
    const r = await fetch(`${s.url}/api/v1/presence`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('GET, HEAD');
    expectRefusal(405, await r.json(), 'SWB_ERR_METHOD_NOT_ALLOWED');
    const get = await fetch(`${s.url}/api/v1/auth/login`);
    expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']);
    const unknown = await fetch(`${s.url}/api/v1/nothing`, { headers: { authorization: `Bearer ${token}` } });
    expectRefusal(404, await unknown.json(), 'SWB_ERR_NOT_FOUND');
    const asset = await fetch(`${s.url}/assets/missing.js`);
    expectRefusal(404, await asset.json(), 'SWB_ERR_NOT_FOUND');
  });

  test('S8.1 fuzzed requests: every 4xx answer has the SWB_ERR_ shape with a registered code, and none is a 5xx', async () => {
    const segment = fc.oneof(
      fc.constantFrom(
        'api',
        'v1',
        'users',
        'u1003',
        '1003',
        'presence',
        'status',
        'groups',
        'queues',
        'sales',
        'support',
        'agents',
        'login',
        'webhooks',
        'route',
        'settings',
      ),
      fc.constantFrom('%ff', '%', '%2F', '%00', '..', '.', '%C0%AF', '~', 'x'.repeat(120), '%E2%82', ';a=b', '*'),
      fc.stringMatching(/^[A-Za-z0-9_.~-]{1,12}$/),
    );
    const request = fc.record({
      method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'),
      path: fc
        .tuple(
          fc.constantFrom('/api/v1/', '/api/v1/users/', '/api/', '/'),
          fc.array(segment, { minLength: 1, maxLength: 6 }),
        )
        .map(([root, p]) => `${root}${p.join('/')}`),
      query: fc.constantFrom('', '?status=dnd', '?from=yesterday', '?limit=-1', '?a=%ff'),
      body: fc.constantFrom(
        undefined,
        '{',
        '{}',
        '[]',
        'null',
        '{"status":1}',
        '{"__proto__":{"a":1}}',
        'x'.repeat(70_000),
      ),
      type: fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'),
      auth: fc.boolean(),
    });
    let refusals = 0;
    await fc.assert(
      fc.asyncProperty(request, async (q) => {
        const headers: Record<string, string> = {
          ...(q.auth ? { authorization: `Bearer ${token}` } : {}),
          ...(q.body !== undefined ? { 'content-type': q.type } : {}),
        };
        const body = q.method === 'GET' ? undefined : q.body;
        const r = await fetch(`${s.url}${q.path}${q.query}`, { method: q.method, headers, body });
        const text = await r.text();
        expect(r.status, `${q.method} ${q.path}: ${text.slice(0, 200)}`).toBeLessThan(500);
        if (r.status >= 400) {
          refusals++;
          expectRefusal(r.status, JSON.parse(text));
        }
      }),
      { numRuns: 400, seed: 14 },
    );
    expect(refusals).toBeGreaterThan(300);
  }, 60_000);
});

describe('F9: a server that is stopping', () => {
  test("S8.1 a request that arrives while the server closes is 503 SWB_ERR_UNAVAILABLE, not fastify's own body", async () => {
    const t = await testServer();
    try {
      const admin = await login(t.url, '1001');
      const { hostname, port } = new URL(t.url);
      const socket = connect(Number(port), hostname);
      await new Promise((resolve) => socket.once('connect', resolve));
      const chunks: Buffer[] = [];
      socket.on('data', (c) => chunks.push(c));
      // A request in progress (its body not sent yet) keeps the connection busy while the server closes.
      const body = '{"status":"away"}';
      socket.write(
        `PUT /api/v1/users/1003/status HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${admin}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
      );
      // Short pauses order events across the real socket: the headers are read, then closing begins.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const closed = t.close();
      await new Promise((resolve) => setTimeout(resolve, 100));
      // The body, then a second request on the same connection: it arrives after closing began.
      socket.write(`${body}GET /api/v1/auth/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${admin}\r\n\r\n`);
      await new Promise((resolve) => socket.once('close', resolve));
      await closed;
      const answers = Buffer.concat(chunks)
        .toString('utf8')
        .split(/(?=HTTP\/1\.1 )/);
      expect(answers.map((a) => Number(a.slice(9, 12)))).toEqual([200, 503]);
      expectRefusal(503, JSON.parse(answers[1]!.split('\r\n\r\n')[1]!), 'SWB_ERR_UNAVAILABLE');
    } finally {
      await t.cleanup();
    }
  });
});
