// The live feed (S6.2) at /api/v1/stream: WebSocket watchers sign in, subscribe to a tenant, a
// group, a queue or users, get a snapshot tagged (epoch, seq), then every later committed event in
// scope (delivery, coalescing and slow watchers: fanout.ts). App sessions (S1.4) ride on the
// socket: heartbeats are app activity; a dropped socket is not a sign-out. Protocol: docs/feed.md.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { RawData, WebSocket } from 'ws';
import type { Command, ErrorCode, TenantId, UserId } from '../core/index.js';
import type { Engine } from '../engine/index.js';
import { Fanout } from './fanout.js';
import type { FanoutMetrics, FanoutOptions } from './fanout.js';
import type { ClientMessage, Position, ProtocolError, ScopeRequest } from './protocol.js';
import { CLOSE_GOING_AWAY, CLOSE_SIGNED_OUT, CLOSE_UNAUTHENTICATED, error, errorFrame, parseMessage } from './protocol.js';
import { resolveScope } from './scope.js';
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

/** The metrics the feed updates (src/http/metrics.ts has them; passed in by the composition root). */
export interface FeedMetrics extends FanoutMetrics {
  readonly watchers: { inc(value?: number): void; dec(value?: number): void };
}

export interface FeedLog {
  warn(obj: object, msg: string): void;
}

export interface FeedDeps {
  readonly engine: Engine;
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

const NO_METRICS: FeedMetrics = { watchers: { inc() {}, dec() {} }, feedDeliveries: { inc() {} }, feedResyncs: { inc() {} } };

export class Feed {
  readonly options: FeedOptions;
  private readonly engine: Engine;
  private readonly metrics: FeedMetrics;
  private readonly wss: WebSocketServer;
  private readonly fanout: Fanout;
  private readonly sockets = new Set<Watcher>();
  private readonly unlisten: () => void;
  private server: HttpServer | undefined;
  private readonly pingTimer: NodeJS.Timeout;
  private closing = false;

  constructor(private readonly deps: FeedDeps) {
    this.options = { ...FEED_DEFAULTS, ...deps.options };
    this.engine = deps.engine;
    this.metrics = deps.metrics ?? NO_METRICS;
    // autoPong off: a client's pings are answered within the socket's output bound (output.ts).
    this.wss = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false, autoPong: false, maxPayload: this.options.hardMaxMessageBytes });
    this.fanout = new Fanout(this.engine, this.options, this.metrics);
    this.unlisten = this.engine.listen({ onEvents: (events) => this.fanout.publish(events) });
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
      if (this.server !== undefined && this.server.listenerCount('upgrade') === 1) refuseUpgrade(socket, 404, 'SWB_ERR_NOT_FOUND', `There is no WebSocket at ${path.slice(0, 200)}; the live feed is at ${this.options.path}.`);
      return;
    }
    if (this.closing) return refuseUpgrade(socket, 503, 'SWB_ERR_UNAVAILABLE', 'The server is stopping; try again shortly.');
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
    else w.authTimer = setTimeout(() => this.reject(w, 'Send {"type":"auth","token":…} first, or connect with a bearer token.'), this.options.authTimeoutMs);
  }

  private signIn(w: Watcher, credential: string): void {
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
    this.answer(w, { type: 'authenticated', tenant: auth.tenant, role: auth.role, ...(auth.userId !== undefined ? { userId: auth.userId } : {}), ...(w.sessionId !== undefined ? { sessionId: w.sessionId } : {}) });
  }

  private reject(w: Watcher, message?: string): void {
    this.sendError(w, error('SWB_ERR_UNAUTHENTICATED', message));
    w.socket.close(CLOSE_UNAUTHENTICATED, 'unauthenticated');
  }

  /**
   * S5.4: closes the sockets of `tenant` signed in as `whose` (a user, or an API key) whose
   * credential no longer works — signed out, its API key deleted, its user deleted or their role
   * or password changed — with 4401, and ends their app sessions (the credential cannot come back,
   * so waiting out the timeout would keep a dead session). Expiry has its own timer.
   */
  recheck(tenant: TenantId, whose: { readonly userId: UserId } | { readonly keyId: string }): void {
    for (const w of this.sockets) {
      const auth = w.auth;
      if (auth === undefined || auth.tenant !== tenant) continue;
      const mine = 'userId' in whose ? auth.userId === whose.userId : auth.actor.kind === 'apikey' && auth.actor.keyId === whose.keyId;
      if (mine) this.verify(w, auth);
    }
  }

  /** Expels the watcher unless its credential still works. */
  private verify(w: Watcher, auth: FeedAuth): void {
    if (w.credential === undefined || w.socket.readyState !== w.socket.OPEN) return;
    const now = this.deps.authenticate(w.credential);
    if (now === undefined) this.expel(w, auth);
    else this.watchExpiry(w, now);
  }

  /** Checks the credential again when it expires (a timer's longest delay is about 24.8 days). */
  private watchExpiry(w: Watcher, auth: FeedAuth): void {
    if (w.expiryTimer !== undefined) clearTimeout(w.expiryTimer);
    w.expiryTimer = undefined;
    if (auth.expiresAt === undefined) return;
    const delay = Math.min(Math.max(auth.expiresAt - this.engine.now(), 0), 2 ** 31 - 1);
    w.expiryTimer = setTimeout(() => this.verify(w, auth), delay);
    w.expiryTimer.unref();
  }

  private expel(w: Watcher, auth: FeedAuth): void {
    const sessionId = w.sessionId;
    w.sessionId = undefined;
    this.sendError(w, error('SWB_ERR_UNAUTHENTICATED', 'This sign-in has ended (signed out, expired, revoked, or the user was deleted or changed); sign in again.'));
    w.socket.close(CLOSE_UNAUTHENTICATED, 'credential ended');
    if (sessionId !== undefined && auth.userId !== undefined) void this.command(w, { type: 'session.end', userId: auth.userId, sessionId });
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

  // ---------------------------------------------------------------------------------------------
  // Client messages

  private onMessage(w: Watcher, data: RawData, isBinary: boolean): void {
    if (w.closed || this.closing || w.socket.readyState !== w.socket.OPEN) return;
    if (!this.allowed(w)) {
      if (w.limited) return;
      w.limited = true;
      const wait = Math.ceil(1000 / this.options.messageRate);
      return this.sendError(w, error('SWB_ERR_RATE_LIMITED', `At most ${this.options.messageRate} messages a second (bursts of ${this.options.messageBurst}); this one was not handled.`, { retryAfterMs: wait }));
    }
    w.limited = false;
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (buf.length > this.options.maxMessageBytes) return this.sendError(w, error('SWB_ERR_BODY_TOO_LARGE', `A message may be at most ${this.options.maxMessageBytes} bytes.`));
    if (isBinary) return this.sendError(w, error('SWB_ERR_VALIDATION', 'Send JSON in text frames.'));
    const parsed = parseMessage(buf.toString('utf8'));
    if (w.auth === undefined) {
      if (parsed.ok && parsed.message.type === 'auth') return this.signIn(w, parsed.message.token);
      return this.reject(w, 'Send {"type":"auth","token":…} first, or connect with a bearer token.');
    }
    if (!parsed.ok) return this.sendError(w, parsed);
    this.handle(w, w.auth, parsed.message);
  }

  private handle(w: Watcher, auth: FeedAuth, m: ClientMessage): void {
    switch (m.type) {
      case 'auth':
        return this.sendError(w, error('SWB_ERR_VALIDATION', 'This socket is already signed in.'));
      case 'subscribe':
        return this.subscribe(w, auth, m.id, m.scope, m.resume);
      case 'unsubscribe':
        w.subs.delete(m.id);
        w.subscriptionsChanged();
        return this.answer(w, { type: 'unsubscribed', id: m.id });
      case 'heartbeat':
        return void this.heartbeat(w, auth, m.active);
      case 'signout':
        return void this.signOut(w, auth);
    }
  }

  private async heartbeat(w: Watcher, auth: FeedAuth, active: boolean): Promise<void> {
    if (w.sessionId === undefined || auth.userId === undefined) {
      return this.sendError(w, error('SWB_ERR_FORBIDDEN', 'Only a signed-in user has an app session to keep alive; an API key sends no heartbeats.'));
    }
    const now = this.engine.now();
    // Frequent heartbeats add nothing unless they bring activity after inactivity.
    if (now - w.lastBeatAt < this.options.heartbeatMinMs && !(active && !w.lastBeatActive)) return;
    w.lastBeatAt = now;
    w.lastBeatActive = active;
    const beat: Command = { type: 'session.heartbeat', userId: auth.userId, sessionId: w.sessionId, active };
    let out = await this.command(w, beat);
    if (out === 'SWB_ERR_SESSION_NOT_FOUND' && !w.closed && w.sessionId !== undefined) {
      // S1.4: the session timed out (no heartbeat for sessionTimeoutSec) but the socket is here: start a new one.
      await this.command(w, { type: 'session.start', userId: auth.userId, sessionId: w.sessionId });
      out = await this.command(w, beat);
    }
    if (out !== undefined && out !== 'failed') this.sendError(w, error(out));
  }

  private async signOut(w: Watcher, auth: FeedAuth): Promise<void> {
    const sessionId = w.sessionId;
    if (sessionId === undefined || auth.userId === undefined) return this.sendError(w, error('SWB_ERR_FORBIDDEN', 'Only a signed-in user has an app session to sign out of.'));
    w.sessionId = undefined;
    // S1.5: signing out ends the session (and may set absent); a session that already timed out is gone.
    await this.command(w, { type: 'session.end', userId: auth.userId, sessionId });
    this.answer(w, { type: 'signedout' });
    w.socket.close(CLOSE_SIGNED_OUT, 'signed out');
  }

  /** Dispatches for the watcher's tenant: undefined when done, else the refusal code (or 'failed'). */
  private async command(w: Watcher, command: Command): Promise<ErrorCode | 'failed' | undefined> {
    try {
      const out = await this.engine.dispatch(w.auth!.tenant, command);
      return out.ok ? undefined : (out.code as ErrorCode);
    } catch (e) {
      this.deps.log?.warn({ err: e, command: command.type }, 'feed command not committed');
      return 'failed';
    }
  }

  private subscribe(w: Watcher, auth: FeedAuth, id: string, request: ScopeRequest, resume: Position | undefined): void {
    const state = this.engine.state(auth.tenant);
    if (state === undefined) return this.sendError(w, error('SWB_ERR_TENANT_NOT_FOUND', undefined, undefined, id));
    const scope = resolveScope(state, request, id);
    if ('code' in scope) return this.sendError(w, scope);
    if (!w.subs.has(id) && w.subs.size >= this.options.maxSubscriptions) {
      return this.sendError(w, error('SWB_ERR_VALIDATION', `A socket may hold at most ${this.options.maxSubscriptions} subscriptions.`, undefined, id));
    }
    this.fanout.subscribe(w, auth, id, scope, resume);
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * Takes a token for one client message. Without one the socket is not read until the next is
   * allowed: TCP holds the rest back, so a flood costs the server neither memory nor answers.
   */
  private allowed(w: Watcher): boolean {
    const now = performance.now();
    const { messageRate: rate, messageBurst: burst } = this.options;
    w.tokens = Math.min(burst, w.tokens + ((now - w.tokensAt) * rate) / 1000);
    w.tokensAt = now;
    if (w.tokens >= 1) {
      w.tokens -= 1;
      return true;
    }
    if (w.readTimer === undefined && !w.closed) {
      w.socket.pause();
      w.readTimer = setTimeout(() => {
        w.readTimer = undefined;
        if (!w.closed) w.socket.resume();
      }, Math.ceil(((1 - w.tokens) * 1000) / rate));
    }
    return false;
  }

  /** Every answer is bounded with the socket's other output (output.ts). */
  private answer(w: Watcher, frame: object): void {
    this.fanout.answer(w, JSON.stringify(frame));
  }

  private sendError(w: Watcher, e: ProtocolError): void {
    this.fanout.answer(w, errorFrame(e));
  }
}

function refuseUpgrade(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  const reason = status === 404 ? 'Not Found' : 'Service Unavailable';
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}
