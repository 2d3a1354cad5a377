// The live feed's client messages (docs/feed.md): sign-in, subscriptions, heartbeats and sign-out,
// each socket's message rate, and the answers.
import { performance } from 'node:perf_hooks';
import type { RawData } from 'ws';
import type { Command, ErrorCode } from '../core/index.js';
import { FeedCredentials } from './credentials.js';
import type { Fanout } from './fanout.js';
import type { FeedOptions } from './feed.js';
import type { ClientMessage, Position, ProtocolError, ScopeRequest } from './protocol.js';
import { CLOSE_SIGNED_OUT, error, errorFrame, parseMessage } from './protocol.js';
import { resolveScope } from './scope.js';
import type { FeedAuth, Watcher } from './watcher.js';

export abstract class FeedMessages extends FeedCredentials {
  abstract readonly options: FeedOptions;
  protected abstract readonly fanout: Fanout;
  protected abstract closing: boolean;

  protected abstract signIn(w: Watcher, credential: string): void;

  protected abstract reject(w: Watcher, message?: string): void;

  protected onMessage(w: Watcher, data: RawData, isBinary: boolean): void {
    if (w.closed || this.closing || w.socket.readyState !== w.socket.OPEN) return;
    if (!this.allowed(w)) {
      if (w.limited) return;
      w.limited = true;
      const wait = Math.ceil(1000 / this.options.messageRate);
      return this.sendError(
        w,
        error(
          'SWB_ERR_RATE_LIMITED',
          `At most ${this.options.messageRate} messages a second (bursts of ${this.options.messageBurst}); this one was not handled.`,
          { retryAfterMs: wait },
        ),
      );
    }
    w.limited = false;
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (buf.length > this.options.maxMessageBytes)
      return this.sendError(
        w,
        error('SWB_ERR_BODY_TOO_LARGE', `A message may be at most ${this.options.maxMessageBytes} bytes.`),
      );
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
      return this.sendError(
        w,
        error(
          'SWB_ERR_FORBIDDEN',
          'Only a signed-in user has an app session to keep alive; an API key sends no heartbeats.',
        ),
      );
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
    if (sessionId === undefined || auth.userId === undefined)
      return this.sendError(w, error('SWB_ERR_FORBIDDEN', 'Only a signed-in user has an app session to sign out of.'));
    w.sessionId = undefined;
    // S1.5: signing out ends the session (and may set absent); a session that already timed out is gone.
    await this.command(w, { type: 'session.end', userId: auth.userId, sessionId });
    this.answer(w, { type: 'signedout' });
    w.socket.close(CLOSE_SIGNED_OUT, 'signed out');
  }

  /** Dispatches for the watcher's tenant: undefined when done, else the refusal code (or 'failed'). */
  protected override async command(w: Watcher, command: Command): Promise<ErrorCode | 'failed' | undefined> {
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
      return this.sendError(
        w,
        error(
          'SWB_ERR_VALIDATION',
          `A socket may hold at most ${this.options.maxSubscriptions} subscriptions.`,
          undefined,
          id,
        ),
      );
    }
    this.fanout.subscribe(w, auth, id, scope, resume);
  }

  /**
   * Takes a token for one client message. Without one the socket is not read until the next is
   * allowed: TCP holds the rest back, so a flood costs the server neither memory nor answers.
   */
  protected allowed(w: Watcher): boolean {
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
      w.readTimer = setTimeout(
        () => {
          w.readTimer = undefined;
          if (!w.closed) w.socket.resume();
        },
        Math.ceil(((1 - w.tokens) * 1000) / rate),
      );
    }
    return false;
  }

  /** Every answer is bounded with the socket's other output (output.ts). */
  protected answer(w: Watcher, frame: object): void {
    this.fanout.answer(w, JSON.stringify(frame));
  }

  protected override sendError(w: Watcher, e: ProtocolError): void {
    this.fanout.answer(w, errorFrame(e));
  }
}
