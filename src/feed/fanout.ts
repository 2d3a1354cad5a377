// Delivery (S6.2, S8.3): committed events serialised once, retained per tenant for resume, kept
// until every watcher had them, and written coalesced. A flush starts a round over the
// tenant's watchers; each watcher gets, in one frame, every event after its cursor, so it gets at
// most one frame per round and rounds start at least `flushMs` apart (the first event after a
// quiet spell goes out at once, later ones wait for the window). A round writes `sliceWrites`
// sockets, lets the event loop take a turn (commits, requests, other tenants), and goes on, so a
// large tenant's flush never holds the loop for long — and events committed meanwhile already go
// to the watchers the round has not reached yet. Watchers at the same cursor with the same scopes
// and view share a frame's bytes. A watcher whose socket buffer is above the high-water mark is
// not written to: it keeps only the latest event per subject and, past a bound, is told to resync
// once it drains. Nobody waits for a slow watcher. Every write keeps the socket's buffer within
// `highWaterBytes + pageBytes`: what does not fit waits in the watcher's output (output.ts) —
// answers, snapshots in fragments, resumed events in pages — and the watcher counts as behind.
// The rounds are in rounds.ts, slow watchers in behind.ts, snapshots in snapshot.ts.
import type { Engine, EngineEvent } from '../engine/index.js';
import type { Position } from './protocol.js';
import { Retention, toEntry } from './retention.js';
import type { Scope } from './scope.js';
import { DeliveryRounds } from './rounds.js';
import type { Reader } from './rounds.js';
import { sendSnapshot } from './snapshot.js';
import type { FanoutMetrics, FanoutOptions, TenantFeed } from './tenant.js';
import type { FeedAuth, Subscription, Watcher } from './watcher.js';

export type { FanoutMetrics, FanoutOptions } from './tenant.js';

export class Fanout extends DeliveryRounds {
  private readonly tenants = new Map<string, TenantFeed>();

  constructor(engine: Engine, options: FanoutOptions, metrics: FanoutMetrics) {
    super(engine, options, metrics);
    // Tenants present now have nothing in flight: everything after their position is retained.
    for (const id of engine.tenantIds()) this.tenantFeed(id);
  }

  /** A signed-in watcher starts getting its tenant's events (once it subscribes). */
  join(w: Watcher, tenant: string): void {
    const t = this.tenantFeed(tenant);
    t.retaining = true;
    t.watchers.add(w);
  }

  leave(w: Watcher): void {
    this.slow.delete(w);
    if (w.auth !== undefined) this.tenants.get(w.auth.tenant)?.watchers.delete(w);
  }

  stats(): { watchers: number; slow: number; delivered: number; writes: number; resyncs: number } {
    let watchers = 0;
    for (const t of this.tenants.values()) watchers += t.watchers.size;
    return {
      watchers,
      slow: this.slow.size,
      delivered: this.tally.delivered,
      writes: this.tally.writes,
      resyncs: this.resyncs,
    };
  }

  stop(): void {
    this.stopped = true;
    this.flushTimer?.cancel();
    if (this.sliceTimer !== undefined) clearImmediate(this.sliceTimer);
  }

  /**
   * Adds a subscription and sends what it starts with: the missed events when `resume` is still
   * retained (S6.2), else a snapshot (marked `resync` when a resume was asked for).
   */
  subscribe(w: Watcher, auth: FeedAuth, id: string, scope: Scope, resume: Position | undefined): void {
    const state = this.engine.state(auth.tenant);
    const pos = this.engine.position(auth.tenant);
    if (state === undefined || pos === undefined) return;
    const t = this.tenantFeed(auth.tenant);
    const sub: Subscription = { id, scope, fromSeq: pos.seq };
    // What is unsent for the existing subscriptions goes first, so frames stay in seq order.
    if (!w.slow && w.subs.size > 0) this.catchUp(t, state, w, undefined);
    if (w.slow || w.socket.bufferedAmount > this.options.highWaterBytes) {
      // Behind already (or asking faster than it reads): the snapshot comes with a resync once it drains.
      w.subs.set(id, sub);
      w.subscriptionsChanged();
      this.markResync(w);
      return;
    }
    w.cursor = Math.max(w.cursor, t.retention.lastSeq);
    w.subs.set(id, sub);
    w.subscriptionsChanged();
    if (resume !== undefined) {
      const missed =
        resume.epoch === pos.epoch && resume.epoch === t.retention.epoch && resume.seq <= pos.seq
          ? t.retention.since(resume.seq)
          : undefined;
      if (missed !== undefined) {
        sub.fromSeq = Math.max(t.retention.lastSeq, resume.seq);
        this.answer(w, JSON.stringify({ type: 'resumed', id, epoch: pos.epoch, from: resume.seq, seq: sub.fromSeq }));
        const only: Reader = { auth, cursor: resume.seq, subs: new Map([[id, { id, scope, fromSeq: resume.seq }]]) };
        // Paged: however far back, the socket's buffer stays within its bound (output.ts).
        w.out.events(this.select(state, only, missed, true).items);
        return this.flushOut(w);
      }
      // S6.2: that position is no longer retained (or another epoch): a fresh snapshot.
      this.countResync();
    }
    sendSnapshot(w, t, state, pos, sub, resume !== undefined);
    this.flushOut(w);
  }

  protected override tenantFeed(id: string, firstEvent?: EngineEvent): TenantFeed {
    let t = this.tenants.get(id);
    if (t === undefined) {
      const pos = this.engine.position(id) ?? { epoch: '', seq: 0 };
      const [epoch, seq] = firstEvent !== undefined ? [firstEvent.epoch, firstEvent.seq - 1] : [pos.epoch, pos.seq];
      const retention = new Retention(epoch, seq, this.options.retainEvents, this.options.retainBytes);
      const unsent = new Retention(epoch, seq, Infinity, Infinity);
      t = {
        id,
        retention,
        retaining: false,
        unsent,
        roundFrom: seq,
        flushedAt: -Infinity,
        watchers: new Set(),
        snapshots: new Map(),
        round: undefined,
      };
      this.tenants.set(id, t);
    }
    return t;
  }

  /** Committed events, in order: serialised once, retained, written by the next rounds. */
  publish(events: readonly EngineEvent[]): void {
    for (const e of events) {
      const t = this.tenantFeed(e.tenant, e);
      // The sequence restarted (S6.1): what watchers hold is from another epoch.
      if (e.epoch !== t.retention.epoch) this.restart(t, e.epoch, e.seq - 1);
      // Shown already by the snapshots of a restart at a later position (a replica loaded again).
      else if (e.seq <= t.retention.lastSeq) continue;
      if (!t.retaining) {
        t.retention.passOver(e.seq);
        continue;
      }
      const entry = toEntry(e);
      t.retention.push(entry);
      if (t.watchers.size === 0) continue;
      t.unsent.push(entry);
      this.dirty.add(t);
    }
    if (this.dirty.size > 0) this.scheduleFlush();
  }

  /**
   * S10.2 S10.3: this node loaded the tenant again from the store (its replica missed batches: a
   * gap, changes it could not read, a new epoch). Its watchers get what a new epoch gives them:
   * `resync` and fresh snapshots at the position loaded; what is retained starts there.
   */
  reloaded(tenant: string): void {
    const t = this.tenants.get(tenant);
    const pos = this.engine.position(tenant);
    if (t !== undefined && pos !== undefined) this.restart(t, pos.epoch, pos.seq);
  }

  /** Every watcher of the tenant starts afresh after (epoch, seq): a resync and new snapshots. */
  private restart(t: TenantFeed, epoch: string, seq: number): void {
    t.retention.reset(epoch, seq);
    t.unsent.reset(epoch, seq);
    for (const w of t.watchers) {
      w.cursor = seq;
      if (w.subs.size > 0) this.markResync(w);
    }
  }
}
