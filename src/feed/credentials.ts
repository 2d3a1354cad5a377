// S5.4: a watcher's credential is checked again when it may have ended (recheck) and when it
// expires; a socket whose credential no longer works is expelled (4401) and its app session ended.
import type { Command, ErrorCode, TenantId, UserId } from '../core/index.js';
import type { Engine } from '../engine/index.js';
import type { FeedDeps } from './feed.js';
import type { ProtocolError } from './protocol.js';
import { CLOSE_UNAUTHENTICATED, error } from './protocol.js';
import type { FeedAuth, Watcher } from './watcher.js';

export abstract class FeedCredentials {
  protected abstract readonly engine: Engine;
  protected abstract readonly deps: FeedDeps;
  protected abstract readonly sockets: Set<Watcher>;

  protected abstract sendError(w: Watcher, e: ProtocolError): void;

  protected abstract command(w: Watcher, command: Command): Promise<ErrorCode | 'failed' | undefined>;

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
      const mine =
        'userId' in whose
          ? auth.userId === whose.userId
          : auth.actor.kind === 'apikey' && auth.actor.keyId === whose.keyId;
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
  protected watchExpiry(w: Watcher, auth: FeedAuth): void {
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
    this.sendError(
      w,
      error(
        'SWB_ERR_UNAUTHENTICATED',
        'This sign-in has ended (signed out, expired, revoked, or the user was deleted or changed); sign in again.',
      ),
    );
    w.socket.close(CLOSE_UNAUTHENTICATED, 'credential ended');
    if (sessionId !== undefined && auth.userId !== undefined)
      void this.command(w, { type: 'session.end', userId: auth.userId, sessionId });
  }
}
