// One connected feed socket: who it is, what it subscribed to, and how far behind it is.
import type { Duplex } from 'node:stream';
import type { Actor, Role, TenantId, UserId } from '../core/index.js';
import type { WebSocket } from 'ws';
import { Output } from './output.js';
import type { OutputLimits } from './output.js';
import type { Scope } from './scope.js';

/** Who a feed credential belongs to; the composition root injects how to find out. */
export interface FeedAuth {
  readonly tenant: TenantId;
  readonly actor: Actor;
  readonly role: Role;
  /** The signed-in user; undefined for API keys (which have no app session). */
  readonly userId?: UserId;
  /** When the credential stops working, on the engine's clock; undefined: no end of its own. */
  readonly expiresAt?: number;
}

export interface Subscription {
  readonly id: string;
  readonly scope: Scope;
  /** Events at or below this seq are already in what the watcher was sent (snapshot or resume). */
  fromSeq: number;
}

/** An event picked for one watcher: the serialised form it may see (S2.7) and its supersede key. */
export interface Item {
  readonly key: string;
  readonly seq: number;
  readonly json: string;
}

export class Watcher {
  auth: FeedAuth | undefined;
  /** What it signed in with: checked again when credentials end (S5.4) and at every ping. */
  credential: string | undefined;
  readonly subs = new Map<string, Subscription>();
  /** The subscriptions' keys, sorted: watchers with the same one share a frame per flush. */
  scopeKey = '';
  /** `scopeKey` with the full view: the shared frame's key when no event in a batch is redacted. */
  frameKey = '#f';
  /** Entries at or below this seq were already handled (sent, kept or skipped) for every subscription. */
  cursor = 0;
  /** S6.2: behind (socket buffer above the high-water mark, or output waiting); keeps only the latest per subject. */
  slow = false;
  latest: Map<string, Item> | undefined;
  /** Fell too far behind: gets `resync` and fresh snapshots once it has drained. */
  resyncPending = false;
  /** S1.4: the app session this socket holds, for signed-in users. */
  sessionId: string | undefined;
  lastBeatAt = -Infinity;
  lastBeatActive = false;
  authTimer: NodeJS.Timeout | undefined;
  /** S5.4: fires when the credential expires. */
  expiryTimer: NodeJS.Timeout | undefined;
  /** Answered the last ping. */
  alive = true;
  closed = false;
  /** Everything but the shared event frames of a round: bounded per socket (output.ts). */
  readonly out: Output;
  /** Client messages: tokens left and when they were counted (feed.ts, docs/feed.md "Limits"). */
  tokens: number;
  tokensAt = 0;
  /** Reading is paused until the next message is allowed. */
  readTimer: NodeJS.Timeout | undefined;
  /** A message was refused for the rate since the last one handled: no second error for it. */
  limited = false;

  /**
   * `connection` is the TCP socket under `socket` (the one the upgrade came on): shared event
   * frames, already framed, are written to it directly — one write, none of the library's
   * per-message work. ws writes nothing of its own between messages (no compression, no queue),
   * and its `bufferedAmount` counts these bytes too.
   */
  constructor(
    readonly socket: WebSocket,
    private readonly connection: Duplex,
    limits: OutputLimits & { readonly messageBurst: number },
  ) {
    this.out = new Output(socket, connection, limits);
    this.tokens = limits.messageBurst;
  }

  /** A whole WebSocket frame from protocol.ts's `eventsMessage` (the caller checked the bound). */
  writeFrame(frame: Buffer): void {
    if (this.socket.readyState === this.socket.OPEN) this.connection.write(frame);
  }

  subscriptionsChanged(): void {
    this.scopeKey = [...this.subs.values()]
      .map((s) => s.scope.key)
      .sort()
      .join('|');
    this.frameKey = `${this.scopeKey}#f`;
  }
}
