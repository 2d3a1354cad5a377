// A real server with feed options, and a WebSocket client that waits for frames with a bound.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import WebSocket from 'ws';
import { DEFAULT_CONFIG } from '../../src/app/config.js';
import type { Config } from '../../src/app/config.js';
import { startServer } from '../../src/app/server.js';
import type { Server } from '../../src/app/server.js';
import type { FeedOptions } from '../../src/feed/index.js';
import { NO_SHEDDING, SYSTEM_TOKEN, call, login, secondTenant } from '../support/server.js';
import { eventually } from '../support/wait.js';

export { SYSTEM_TOKEN, call, login, secondTenant };

export type FeedTestServer = Server & { cleanup(): Promise<void> };

export async function feedServer(feed: Partial<FeedOptions> = {}): Promise<FeedTestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'swb-feed-'));
  const config: Config = {
    ...DEFAULT_CONFIG,
    httpPort: 0,
    sipPort: 0,
    host: '127.0.0.1',
    dataDir,
    logLevel: 'silent',
    systemToken: SYSTEM_TOKEN,
    ...NO_SHEDDING,
  };
  const server = await startServer(config, { logger: pino({ level: 'silent' }), feed });
  return {
    ...server,
    async cleanup() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const wsUrl = (base: string, path = '/api/v1/stream') => base.replace(/^http/, 'ws') + path;

export type Frame = any;

/** A feed client that records every frame with its arrival time. */
export class FeedClient {
  readonly frames: Frame[] = [];
  readonly arrivals: number[] = [];
  /** Each message's size in bytes, as received. */
  readonly sizes: number[] = [];
  closed: { code: number; reason: string } | undefined;
  private cursor = 0;
  private wake: (() => void) | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      this.frames.push(JSON.parse(data.toString('utf8')));
      this.sizes.push(data.length);
      this.arrivals.push(Date.now());
      this.wake?.();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake?.();
    });
    ws.on('error', () => {});
  }

  static async open(
    base: string,
    options: { token?: string; query?: string; path?: string } = {},
  ): Promise<FeedClient> {
    const headers: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
    const ws = new WebSocket(wsUrl(base, options.path) + (options.query ?? ''), { headers });
    const client = new FeedClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      ws.once('error', reject);
    });
    return client;
  }

  /** Opens a signed-in socket and waits for `authenticated`. */
  static async signedIn(base: string, token: string): Promise<FeedClient> {
    const c = await FeedClient.open(base, { token });
    await c.next((f) => f.type === 'authenticated');
    return c;
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The next frame (after the last one taken) that matches, waiting at most `timeoutMs`. */
  async next(match: (f: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let i = this.cursor; i < this.frames.length; i++) {
        if (match(this.frames[i])) {
          this.cursor = i + 1;
          return this.frames[i];
        }
      }
      if (this.closed)
        throw new Error(
          `socket closed (${this.closed.code}) before the frame; got ${JSON.stringify(this.frames.slice(this.cursor)).slice(0, 800)}`,
        );
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `no such frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames.slice(this.cursor)).slice(0, 800)}`,
        );
      await this.arrival(left);
    }
  }

  async subscribe(id: string, scope: unknown, resume?: { epoch: string; seq: number }): Promise<Frame> {
    this.send({ type: 'subscribe', id, scope, ...(resume ? { resume } : {}) });
    return this.next((f) => (f.type === 'snapshot' || f.type === 'resumed' || f.type === 'error') && f.id === id);
  }

  /** Every event received so far, in order. */
  events(): Frame[] {
    return this.frames.filter((f) => f.type === 'events').flatMap((f) => f.events);
  }

  /** Waits until an event matching arrives (anywhere in what was received). */
  async event(match: (e: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events().find(match);
      if (found) return found;
      if (this.closed) throw new Error(`socket closed (${this.closed.code}) before the event`);
      if (Date.now() > deadline)
        throw new Error(
          `no such event within ${timeoutMs} ms; got ${JSON.stringify(this.events().map((e) => [e.seq, e.type, e.subject, e.value?.status]))}`,
        );
      await this.arrival(deadline - Date.now());
    }
  }

  async waitClosed(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error(`socket still open after ${timeoutMs} ms`);
      await this.arrival(deadline - Date.now());
    }
    return this.closed;
  }

  /** Resolves on the next frame or close, or after `ms`. */
  private arrival(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(resolve, Math.max(1, ms));
      this.wake = () => {
        clearTimeout(t);
        this.wake = undefined;
        resolve();
      };
    });
  }

  close(): void {
    this.ws.close();
  }
}

type Paceable = { _socket: { pause(): void; resume(): void } };
/** Stops reading the client's TCP socket: the server's frames pile up on its side. */
export const pauseReading = (c: FeedClient): void => (c.ws as unknown as Paceable)._socket.pause();
export const resumeReading = (c: FeedClient): void => (c.ws as unknown as Paceable)._socket.resume();

/** Waits for a condition on the server side, polling with a bound. */
export async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  await eventually(() => (check() ? true : undefined), timeoutMs, what, 5);
}

export async function apiKey(base: string, adminToken: string, role: 'admin' | 'supervisor' | 'user'): Promise<string> {
  const r = await call(base, 'POST', '/api/v1/api-keys', {
    token: adminToken,
    body: { name: `feed-${role}-${Math.floor(Math.random() * 1e9)}`, role },
  });
  if (r.status !== 201) throw new Error(`api key: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.key as string;
}
