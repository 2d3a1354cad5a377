// S10.2: the signal a forwarded command stops on (src/http/client-gone.ts), on a real HTTP server
// and client: it aborts when the client closes the connection before its answer, not when the
// request's body has been read (Fastify's own request.signal does, on Node 20), nor after an answer.
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { goneWith } from '../../src/http/client-gone.js';

const seen: { signal: AbortSignal; abortedAt?: number }[] = [];
const server = createServer((req, res) => {
  const entry: { signal: AbortSignal; abortedAt?: number } = { signal: goneWith(res) };
  entry.signal.addEventListener('abort', () => (entry.abortedAt = Date.now()));
  seen.push(entry);
  req.resume();
  req.on('end', () => setTimeout(() => res.end('done'), 400));
});
let port = 0;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function put(timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, method: 'PUT', path: '/', timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(String(res.statusCode)));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve(e.message));
    req.end('{"status":"dnd"}');
  });
}

test('S10.2 the signal aborts when the client gives up before its answer, and only then', async () => {
  expect(await put(5000)).toBe('200');
  expect(seen[0]!.signal.aborted).toBe(false); // answered: never aborted, although the body was read at once
  const start = Date.now();
  expect(await put(100)).toBe('timeout');
  await new Promise((r) => setTimeout(r, 100));
  expect(seen[1]!.signal.aborted).toBe(true);
  expect(seen[1]!.abortedAt! - start).toBeLessThan(400); // when the client went, not when the server answered
});
