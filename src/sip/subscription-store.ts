// S8.2 The subscription store: the presence server's subscriptions by dialog, target and watcher,
// their expiry buckets and sweep, refreshes of their stored rows (NOTIFY counters saved lazily, in
// small batches every 250 ms) and their restore after a restart, counters jumped by VERSION_JUMP.
import type { PresenceRecord, TenantId, UserId } from '../core/index.js';
import type { TimerHandle } from '../engine/index.js';
import type { SipContext } from './context.js';
import type { Outgoing } from './outgoing.js';
import type { SipStateRow } from './persistence.js';
import type { SubscriptionLimits } from './subscription-quota.js';
import { DEFAULT_SUBSCRIPTION_LIMITS, SubscriptionQuota } from './subscription-quota.js';
import type { EventPackage, StoredSubscription } from './subscription-rows.js';
import { parseSubscriptionRow, subscriptionKey, subscriptionRow } from './subscription-rows.js';

/** How far the NOTIFY CSeq and dialog-info version jump when a subscription is reloaded (S8.2). */
export const VERSION_JUMP = 1000;
/** Subscriptions whose counters are saved per sweep (every 250 ms). */
const SAVE_BATCH = 64;

export interface PresenceOptions extends SubscriptionLimits {
  readonly minExpiresSec: number;
  readonly maxExpiresSec: number;
  readonly defaultExpiresSec: number;
  /** Changes closer together than this share one NOTIFY. */
  readonly coalesceMs: number;
}

export const DEFAULT_PRESENCE: PresenceOptions = {
  minExpiresSec: 60,
  maxExpiresSec: 3600,
  defaultExpiresSec: 3600,
  coalesceMs: 5,
  ...DEFAULT_SUBSCRIPTION_LIMITS,
};

/** A subscription: what is stored (S8.2) and how its NOTIFYs are going. */
export interface Subscription extends StoredSubscription {
  /** The NOTIFY CSeq last persisted (S8.2). */
  savedCSeq: number;
  /** The expiry bucket (second) the subscription sits in. */
  bucket: number;
  inFlight: boolean;
  dirty: boolean;
  lastSentAt: number;
  hold: TimerHandle | undefined;
  retryMs: number;
  ended: boolean;
}

export interface SubscriptionView {
  readonly event: EventPackage;
  readonly target: UserId;
  readonly watcher: UserId;
  readonly expiresAt: number;
  readonly transport: string;
  readonly remote: string;
}

export abstract class SubscriptionStore {
  /** By our tag (unique: 64 random bits); the Call-ID is checked on lookup. */
  protected readonly byDialog = new Map<string, Subscription>();
  protected readonly byTarget = new Map<string, Set<Subscription>>();
  private readonly byWatcher = new Map<string, Set<Subscription>>();
  /** The last committed record of each watched user (what NOTIFYs show). */
  protected readonly latest = new Map<string, PresenceRecord>();
  private readonly buckets = new Map<number, Set<Subscription>>();
  /** Subscriptions whose NOTIFY counters moved since they were last persisted. */
  protected readonly unsaved = new Set<Subscription>();
  protected readonly quota: SubscriptionQuota;

  constructor(
    protected readonly ctx: SipContext,
    protected readonly out: Outgoing,
    protected readonly options: PresenceOptions = DEFAULT_PRESENCE,
  ) {
    this.quota = new SubscriptionQuota(
      options,
      (w) => this.byWatcher.get(w),
      () => this.byDialog.size,
    );
  }

  get size(): number {
    return this.byDialog.size;
  }

  /** Subscriptions to a user and by a user (operator view). */
  subscriptions(tenant: TenantId, userId: UserId): { watchedBy: SubscriptionView[]; watching: SubscriptionView[] } {
    const view = (s: Subscription): SubscriptionView => ({
      event: s.event,
      target: s.target,
      watcher: s.watcher,
      expiresAt: s.expiresAt,
      transport: s.flow.transport,
      remote: `${s.flow.address}:${s.flow.port}`,
    });
    const key = `${tenant}\u0000${userId}`;
    return {
      watchedBy: [...(this.byTarget.get(key) ?? [])].map(view),
      watching: [...(this.byWatcher.get(key) ?? [])].map(view),
    };
  }

  protected add(sub: Subscription): void {
    this.byDialog.set(sub.localTag, sub);
    const t = `${sub.tenant}\u0000${sub.target}`;
    const w = `${sub.tenant}\u0000${sub.watcher}`;
    let set = this.byTarget.get(t);
    if (set === undefined) this.byTarget.set(t, (set = new Set()));
    set.add(sub);
    let ws = this.byWatcher.get(w);
    if (ws === undefined) this.byWatcher.set(w, (ws = new Set()));
    ws.add(sub);
    this.arm(sub);
  }

  protected remove(sub: Subscription): void {
    if (!sub.ended) this.quota.ended(sub.tenant);
    sub.ended = true;
    this.unsaved.delete(sub);
    this.ctx.journal.later([], [{ kind: 'subscription', key: subscriptionKey(sub) }]);
    this.unbucket(sub);
    if (sub.hold !== undefined) this.ctx.clock.clearTimer(sub.hold);
    if (this.byDialog.get(sub.localTag) === sub) this.byDialog.delete(sub.localTag);
    const t = `${sub.tenant}\u0000${sub.target}`;
    const w = `${sub.tenant}\u0000${sub.watcher}`;
    const set = this.byTarget.get(t);
    set?.delete(sub);
    if (set?.size === 0) {
      this.byTarget.delete(t);
      this.latest.delete(t);
    }
    const ws = this.byWatcher.get(w);
    ws?.delete(sub);
    if (ws?.size === 0) this.byWatcher.delete(w);
  }

  /**
   * Expiry without a timer per subscription: subscriptions sit in one bucket per second of their
   * expiry, and `sweep` (called every 250 ms) ends those whose second has passed.
   */
  protected arm(sub: Subscription): void {
    this.unbucket(sub);
    sub.bucket = Math.ceil(sub.expiresAt / 1000);
    let set = this.buckets.get(sub.bucket);
    if (set === undefined) this.buckets.set(sub.bucket, (set = new Set()));
    set.add(sub);
  }

  private unbucket(sub: Subscription): void {
    const set = this.buckets.get(sub.bucket);
    if (set === undefined) return;
    set.delete(sub);
    if (set.size === 0) this.buckets.delete(sub.bucket);
  }

  /** Ends the subscriptions that have run out (RFC 6665 §4.2.2: NOTIFY terminated;reason=timeout). */
  sweep(): void {
    this.saveCounters(SAVE_BATCH);
    const now = this.ctx.now();
    if (this.buckets.size === 0) return;
    for (const [second, set] of this.buckets) {
      if (second * 1000 > now) continue;
      for (const sub of [...set]) if (sub.expiresAt <= now) this.terminate(sub, 'timeout');
    }
  }

  /** Ends a subscription with a final NOTIFY (presence-notify.ts). */
  protected abstract terminate(sub: Subscription, reason: string | undefined): void;

  /** What the subscription shows changed (presence-notify.ts). */
  protected abstract changed(sub: Subscription): void;

  /** The row of a subscription about to be stored, noting what its counters were. */
  protected saved(sub: Subscription): SipStateRow {
    sub.savedCSeq = sub.localCSeq;
    this.unsaved.delete(sub);
    return subscriptionRow(sub);
  }

  /**
   * Saves the NOTIFY counters that moved, lazily (nobody waits for this commit) and at most
   * `limit` subscriptions at a time, so a burst of NOTIFYs never meets one long commit.
   */
  saveCounters(limit = Infinity): void {
    if (this.unsaved.size === 0) return;
    const rows: SipStateRow[] = [];
    for (const sub of this.unsaved) {
      if (rows.length >= limit) break;
      if (!sub.ended) rows.push(this.saved(sub));
      else this.unsaved.delete(sub);
    }
    this.ctx.journal.later(rows);
  }

  /**
   * S8.2: the subscriptions stored before a restart, those still in force. Their counters jump by
   * VERSION_JUMP (the last NOTIFYs before a crash may not have been saved), and a subscription
   * whose document changed while the server was down gets a NOTIFY.
   */
  restore(rows: readonly SipStateRow[]): void {
    const now = this.ctx.now();
    const gone: string[] = [];
    for (const row of rows) {
      const stored = row.expiresAt > now ? parseSubscriptionRow(row) : undefined;
      if (stored === undefined || this.ctx.engine.state(stored.tenant)?.users.get(stored.target) === undefined) {
        gone.push(row.key);
        continue;
      }
      const sub: Subscription = {
        ...stored,
        localCSeq: stored.localCSeq + VERSION_JUMP,
        version: stored.version + VERSION_JUMP,
        // What is stored is the CSeq before the jump: the first NOTIFY saves the jumped one.
        savedCSeq: stored.localCSeq,
        bucket: 0,
        inFlight: false,
        dirty: false,
        lastSentAt: 0,
        hold: undefined,
        retryMs: 0,
        ended: false,
      };
      this.quota.restored(sub.tenant);
      this.add(sub);
      this.changed(sub);
    }
    this.ctx.journal.later(
      [],
      gone.map((key) => ({ kind: 'subscription', key })),
    );
  }

  stop(): void {
    this.saveCounters();
    for (const sub of this.byDialog.values()) if (sub.hold !== undefined) this.ctx.clock.clearTimer(sub.hold);
    this.buckets.clear();
  }
}
