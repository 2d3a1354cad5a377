// The live feed (S6.2) at /api/v1/stream: WebSocket watchers sign in, subscribe to a tenant, a
// group, a queue or users, get a snapshot tagged (epoch, seq), then every later committed event in
// scope (delivery, coalescing and slow watchers: fanout.ts). App sessions (S1.4) ride on the
// socket: heartbeats are app activity; a dropped socket is not a sign-out. Protocol: docs/feed.md.
// Credential checks: credentials.ts; client messages: messages.ts.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import type { Bus, Engine } from '../engine/index.js';
import { Fanout } from './fanout.js';
import type { FanoutMetrics, FanoutOptions } from './fanout.js';
import { FeedMessages } from './messages.js';
import { CLOSE_GOING_AWAY, CLOSE_UNAUTHENTICATED, error } from './protocol.js';
import type { FeedAuth } from './watcher.js';
import { Watcher } from './watcher.js';

export interface FeedOptions extends FanoutOptions {
  readonly path: string;
  /** Larger client frames get SWB_ERR_BODY_TOO_LARGE; beyond `hardMaxMessageBytes` the socket closes (1009). */
  readonly maxMessageBytes: number;
  readonly hardMaxMessageBytes: number;
  readonly maxSubscriptions: number;
  /** A socket that sent no credential by then is closed with 4401. */
  readonly authTimeoutMs: number;
  readonly pingIntervalMs: number;
  /** Heartbeats closer together than this are not dispatched, unless they report new activity. */
  readonly heartbeatMinMs: number;
  /**
   * Client messages (pings included) per second a socket may send, after a burst of
   * `messageBurst`; one over is refused (SWB_ERR_RATE_LIMITED) and the socket is not read until
   * the next is allowed (docs/feed.md "Limits").
   */
  readonly messageRate: number;
  readonly messageBurst: number;
}

export const FEED_DEFAULTS: FeedOptions = {
  path: '/api/v1/stream',
  flushMs: 15,
  sliceWrites: 100,
  highWaterBytes: 1024 * 1024,
  lowWaterBytes: 128 * 1024,
  pageBytes: 64 * 1024,
  maxQueuedAnswers: 64,
  slowSubjectLimit: 2000,
  retainEvents: 10_000,
  retainBytes: 16 * 1024 * 1024,
  maxMessageBytes: 64 * 1024,
  hardMaxMessageBytes: 1024 * 1024,
  maxSubscriptions: 16,
  authTimeoutMs: 10_000,
  pingIntervalMs: 30_000,
  heartbeatMinMs: 1000,
  messageRate: 20,
  messageBurst: 100,
};

/** The metrics the feed updates (src/shared/metrics.ts has them; passed in by the composition root). */
export interface FeedMetrics extends FanoutMetrics {
  readonly watchers: { inc(value?: number): void; dec(value?: number): void };
}

export interface FeedLog {
  warn(obj: object, msg: string): void;
}

export interface FeedDeps {
  readonly engine: Engine;
  /** Where committed events come from (default: the engine's bus). */
  readonly bus?: Bus;
  /** A bearer token or API key → who it is, or undefined when it is not valid. */
  readonly authenticate: (credential: string) => FeedAuth | undefined;
  readonly metrics?: FeedMetrics;
  readonly log?: FeedLog;
  readonly options?: Partial<FeedOptions>;
}

export interface FeedStats {
  readonly sockets: number;
  readonly watchers: number;
  readonly slow: number;
  /** Events written, and the socket writes that carried them. */
  readonly delivered: number;
  readonly writes: number;
  readonly resyncs: number;
}

const NO_METRICS: FeedMetrics = {
  watchers: { inc() {}, dec() {} },
  feedDeliveries: { inc() {} },
  feedResyncs: { inc() {} },
};

export class Feed extends FeedMessages {
  override readonly options: FeedOptions;
  protected override readonly engine: Engine;
  private readonly metrics: FeedMetrics;
  private readonly wss: WebSocketServer;
  protected override readonly fanout: Fanout;
  protected override readonly sockets = new Set<Watcher>();
  private readonly unlisten: () => void;
  private server: HttpServer | undefined;
  private readonly pingTimer: NodeJS.Timeout;
  protected override closing = false;

  constructor(protected override readonly deps: FeedDeps) {
    super();
    this.options = { ...FEED_DEFAULTS, ...deps.options };
    this.engine = deps.engine;
    this.metrics = deps.metrics ?? NO_METRICS;
    // autoPong off: a client's pings are answered within the socket's output bound (output.ts).
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      autoPong: false,
      maxPayload: this.options.hardMaxMessageBytes,
    });
    this.fanout = new Fanout(this.engine, this.options, this.metrics);
    // Every tenant's committed events; a batch of directives alone has nothing for watchers.
    const bus = deps.bus ?? this.engine.bus;
    const unsubscribe = bus.subscribe((batch) => {
      if (batch.events.length > 0) this.fanout.publish(batch.events);
    });
    // S10.2: a replica loaded again (a gap on the bus between nodes): its watchers resync.
    const unreload = bus.onReloaded?.((tenant) => this.fanout.reloaded(tenant));
    this.unlisten = () => {
      unsubscribe();
      unreload?.();
    };
    this.pingTimer = setInterval(() => this.ping(), this.options.pingIntervalMs);
    this.pingTimer.unref();
  }

  /** Serves the feed on `server`'s upgrade requests for the feed's path. */
  attach(server: HttpServer): void {
    this.server = server;
    server.on('upgrade', this.onUpgrade);
  }

  stats(): FeedStats {
    return { sockets: this.sockets.size, ...this.fanout.stats() };
  }

  /** The most bytes any one socket has waiting in the server (at most highWaterBytes + pageBytes). */
  mostBuffered(): number {
    let most = 0;
    for (const w of this.sockets) most = Math.max(most, w.socket.bufferedAmount);
    return most;
  }

  /** Closes every socket (1001), waiting briefly for them to go. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.unlisten();
    this.server?.off('upgrade', this.onUpgrade);
    clearInterval(this.pingTimer);
    this.fanout.stop();
    const open = [...this.sockets];
    for (const w of open) w.socket.close(CLOSE_GOING_AWAY, 'server stopping');
    const deadline = Date.now() + 500;
    while (this.sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    for (const w of this.sockets) w.socket.terminate();
    this.wss.close();
  }

  // ---------------------------------------------------------------------------------------------
  // Connections

  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (path !== this.options.path) {
      // Another surface may serve its own upgrades; with none, nothing else answers this one.
      if (this.server !== undefined && this.server.listenerCount('upgrade') === 1)
        refuseUpgrade(
          socket,
          404,
          'SWB_ERR_NOT_FOUND',
          `There is no WebSocket at ${path.slice(0, 200)}; the live feed is at ${this.options.path}.`,
        );
      return;
    }
    if (this.closing)
      return refuseUpgrade(socket, 503, 'SWB_ERR_UNAVAILABLE', 'The server is stopping; try again shortly.');
    let credential: string | undefined;
    const header = req.headers.authorization;
    if (header !== undefined) credential = /^Bearer +(\S+)$/.exec(header)?.[1] ?? '';
    else if (q >= 0) credential = new URLSearchParams(url.slice(q + 1)).get('token') ?? undefined;
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, socket, credential));
  };

  private onConnection(ws: WebSocket, connection: Duplex, credential: string | undefined): void {
    const w = new Watcher(ws, connection, this.options);
    this.sockets.add(w);
    this.metrics.watchers.inc();
    ws.on('message', (data, isBinary) => this.onMessage(w, data, isBinary));
    ws.on('ping', (data) => {
      if (ws.readyState === ws.OPEN && this.allowed(w)) this.fanout.answerPing(w, data);
    });
    ws.on('close', () => this.onClose(w));
    ws.on('error', () => {}); // a socket error ends in 'close'
    ws.on('pong', () => (w.alive = true));
    if (credential !== undefined) this.signIn(w, credential);
    else
      w.authTimer = setTimeout(
        () => this.reject(w, 'Send {"type":"auth","token":…} first, or connect with a bearer token.'),
        this.options.authTimeoutMs,
      );
  }

  protected override signIn(w: Watcher, credential: string): void {
    const auth = credential === '' ? undefined : this.deps.authenticate(credential);
    if (auth === undefined || !this.engine.hasTenant(auth.tenant)) return this.reject(w);
    if (w.authTimer !== undefined) clearTimeout(w.authTimer);
    w.authTimer = undefined;
    w.auth = auth;
    w.credential = credential;
    this.watchExpiry(w, auth);
    this.fanout.join(w, auth.tenant);
    if (auth.actor.kind === 'user' && auth.userId !== undefined) {
      // S1.4: a signed-in user's socket is an app session; heartbeats keep it and report activity.
      w.sessionId = `feed-${randomBytes(12).toString('base64url')}`;
      void this.command(w, { type: 'session.start', userId: auth.userId, sessionId: w.sessionId });
    }
    this.answer(w, {
      type: 'authenticated',
      tenant: auth.tenant,
      role: auth.role,
      ...(auth.userId !== undefined ? { userId: auth.userId } : {}),
      ...(w.sessionId !== undefined ? { sessionId: w.sessionId } : {}),
    });
  }

  protected override reject(w: Watcher, message?: string): void {
    this.sendError(w, error('SWB_ERR_UNAUTHENTICATED', message));
    w.socket.close(CLOSE_UNAUTHENTICATED, 'unauthenticated');
  }

  private onClose(w: Watcher): void {
    // Decision (docs/rules.md S1.5): a dropped socket is not a sign-out; its session times out.
    w.closed = true;
    if (w.authTimer !== undefined) clearTimeout(w.authTimer);
    if (w.expiryTimer !== undefined) clearTimeout(w.expiryTimer);
    if (w.readTimer !== undefined) clearTimeout(w.readTimer);
    w.out.clear();
    this.sockets.delete(w);
    this.fanout.leave(w);
    this.metrics.watchers.dec();
  }

  private ping(): void {
    for (const w of this.sockets) {
      if (!w.alive) {
        w.socket.terminate();
        continue;
      }
      w.alive = false;
      w.socket.ping();
    }
  }
}

function refuseUpgrade(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  const reason = status === 404 ? 'Not Found' : 'Service Unavailable';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
