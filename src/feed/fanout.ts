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
import { performance } from 'node:perf_hooks';
import { seesOthersForwardTo } from '../core/index.js';
import type { TenantState } from '../core/index.js';
import type { Engine, EngineEvent } from '../engine/index.js';
import type { Position } from './protocol.js';
import { CLOSE_TOO_SLOW, eventsMessage } from './protocol.js';
import { Retention, toEntry } from './retention.js';
import type { Entry, Scope } from './scope.js';
import { inScope, ownRecordDiffers, scopeSource, snapshotBody } from './scope.js';
import type { Tally } from './output.js';
import type { FeedAuth, Item, Subscription, Watcher } from './watcher.js';

export interface FanoutOptions {
  /** Writes are coalesced over this window. */
  readonly flushMs: number;
  /** A flush writes to at most this many sockets before letting the event loop take a turn. */
  readonly sliceWrites: number;
  /** A socket with more than this buffered is slow: not written to until it drains to `lowWaterBytes`. */
  readonly highWaterBytes: number;
  readonly lowWaterBytes: number;
  /** The most one write adds past the high-water mark: larger output is written in pages (output.ts). */
  readonly pageBytes: number;
  /** Answers that may wait for a socket that does not read; one more closes it (1008, too slow). */
  readonly maxQueuedAnswers: number;
  /** A slow watcher keeps at most this many subjects' latest events, then is told to resync. */
  readonly slowSubjectLimit: number;
  /** Per tenant, for resume. */
  readonly retainEvents: number;
  readonly retainBytes: number;
}

export interface FanoutMetrics {
  readonly feedDeliveries: { inc(value?: number): void };
  readonly feedResyncs: { inc(value?: number): void };
}

interface TenantFeed {
  readonly id: string;
  readonly retention: Retention;
  /**
   * Whether the tenant has had a watcher since the server started. Until then nothing is retained:
   * a position to resume from can only come from this feed, so none can point into that time,
   * and a tenant watched only by SIP phones pays nothing for the feed.
   */
  retaining: boolean;
  /** Committed events some watcher may not have had yet: those after the last finished round's start. */
  readonly unsent: Retention;
  /** The last seq when the round in progress started. */
  roundFrom: number;
  /** When its latest round started (performance.now()). */
  flushedAt: number;
  readonly watchers: Set<Watcher>;
  readonly snapshots: Map<string, { epoch: string; seq: number; source: unknown; body: Buffer }>;
  /** The round in progress: the watchers it has not visited yet (a live iterator of `watchers`). */
  round: Iterator<Watcher> | undefined;
}

interface Frame {
  readonly items: Item[];
  /** The whole WebSocket frame, built on first use and shared. */
  buf?: Buffer;
}

/** The events after one cursor, as a slice sees them. */
interface Batch {
  readonly entries: readonly Entry[];
  readonly redactable: Set<string> | undefined;
}

export class Fanout {
  private readonly tenants = new Map<string, TenantFeed>();
  private readonly slow = new Set<Watcher>();
  private readonly dirty = new Set<TenantFeed>();
  /** Tenants with a round in progress, oldest first. */
  private readonly rounds = new Set<TenantFeed>();
  private flushTimer: { readonly at: number; cancel(): void } | undefined;
  private sliceTimer: NodeJS.Immediate | undefined;
  private stopped = false;
  /** Events written, and the socket writes that carried them. */
  private readonly tally: Tally = { delivered: 0, writes: 0 };
  /** Deliveries already added to the metric. */
  private reported = 0;
  private resyncs = 0;

  constructor(
    private readonly engine: Engine,
    private readonly options: FanoutOptions,
    private readonly metrics: FanoutMetrics,
  ) {
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
    return { watchers, slow: this.slow.size, delivered: this.tally.delivered, writes: this.tally.writes, resyncs: this.resyncs };
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
      const missed = resume.epoch === pos.epoch && resume.epoch === t.retention.epoch && resume.seq <= pos.seq ? t.retention.since(resume.seq) : undefined;
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
    this.sendSnapshot(w, t, state, pos, sub, resume !== undefined);
    this.flushOut(w);
  }

  /**
   * A protocol frame for the watcher (an acknowledgement, an error…): written, or queued behind
   * what waits; a socket with `maxQueuedAnswers` unread answers already is closed as too slow.
   */
  answer(w: Watcher, frame: string): void {
    if (w.out.answer(frame)) {
      if (!w.out.empty) this.behind(w);
      return;
    }
    w.out.clear();
    w.latest = undefined;
    w.socket.close(CLOSE_TOO_SLOW, 'too slow: answers not read');
  }

  /** A client's ping: the pong is bounded like any other output (only the latest one waits). */
  answerPing(w: Watcher, data: Buffer): void {
    w.out.answerPing(data);
    if (!w.out.empty) this.behind(w);
  }

  /** Writes what waits in the watcher's output while it has room; what is left makes it behind. */
  private flushOut(w: Watcher): void {
    w.out.pump(this.tally);
    if (!w.out.empty) this.behind(w);
  }

  /** S6.2: not written to until it drains; its events meanwhile keep only the latest per subject. */
  private behind(w: Watcher): void {
    if (w.slow) return;
    w.slow = true;
    this.slow.add(w);
    this.scheduleFlush();
  }

  private sendSnapshot(w: Watcher, t: TenantFeed, state: TenantState, pos: Position, sub: Subscription, resync: boolean): void {
    const auth = w.auth!;
    const full = seesOthersForwardTo(auth);
    // Watchers of the same scope and view at the same position share the snapshot's bytes (a
    // user whose own record shows more than others see has a view of their own, S2.7).
    const self = !full && ownRecordDiffers(state, sub.scope, auth) ? auth.userId : undefined;
    const key = `${sub.scope.key}|${full ? 'f' : self !== undefined ? `s:${self}` : 'r'}`;
    const source = scopeSource(state, sub.scope);
    const cached = t.snapshots.get(key);
    let body: Buffer;
    if (cached !== undefined && cached.seq === pos.seq && cached.epoch === pos.epoch && cached.source === source) body = cached.body;
    else {
      body = Buffer.from(snapshotBody(state, sub.scope, pos.epoch, pos.seq, { full, ...(self !== undefined ? { selfId: self } : {}) }));
      if (t.snapshots.size >= 32) t.snapshots.clear();
      t.snapshots.set(key, { epoch: pos.epoch, seq: pos.seq, source, body });
    }
    sub.fromSeq = pos.seq;
    if (w.socket.readyState !== w.socket.OPEN) return;
    // One message in fragments: the watcher's own head, then the shared body in pages.
    w.out.message(`{"type":"snapshot","id":${JSON.stringify(sub.id)},${resync ? '"resync":true,' : ''}`, body);
  }

  // ---------------------------------------------------------------------------------------------
  // Events

  private tenantFeed(id: string, firstEvent?: EngineEvent): TenantFeed {
    let t = this.tenants.get(id);
    if (t === undefined) {
      const pos = this.engine.position(id) ?? { epoch: '', seq: 0 };
      const [epoch, seq] = firstEvent !== undefined ? [firstEvent.epoch, firstEvent.seq - 1] : [pos.epoch, pos.seq];
      const retention = new Retention(epoch, seq, this.options.retainEvents, this.options.retainBytes);
      const unsent = new Retention(epoch, seq, Infinity, Infinity);
      t = { id, retention, retaining: false, unsent, roundFrom: seq, flushedAt: -Infinity, watchers: new Set(), snapshots: new Map(), round: undefined };
      this.tenants.set(id, t);
    }
    return t;
  }

  /** Committed events, in order: serialised once, retained, written by the next rounds. */
  publish(events: readonly EngineEvent[]): void {
    for (const e of events) {
      const t = this.tenantFeed(e.tenant, e);
      if (e.epoch !== t.retention.epoch) {
        // The sequence restarted (S6.1): what watchers hold is from another epoch.
        t.retention.reset(e.epoch, e.seq - 1);
        t.unsent.reset(e.epoch, e.seq - 1);
        for (const w of t.watchers) {
          w.cursor = e.seq - 1;
          if (w.subs.size > 0) this.markResync(w);
        }
      }
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
   * Runs the next flush when the earliest dirty tenant's window opens (slow watchers poll every
   * window); a tenant whose round is still going is rescheduled when it ends.
   */
  private scheduleFlush(): void {
    if (this.stopped) return;
    const now = performance.now();
    let at = this.slow.size > 0 ? now + this.options.flushMs : Infinity;
    for (const t of this.dirty) if (t.round === undefined) at = Math.min(at, t.flushedAt + this.options.flushMs);
    if (at === Infinity || (this.flushTimer !== undefined && this.flushTimer.at <= at)) return;
    this.flushTimer?.cancel();
    if (at <= now) {
      // Due now: after the current turn, so events committed in it go together.
      const immediate = setImmediate(() => this.flush());
      this.flushTimer = { at: now, cancel: () => clearImmediate(immediate) };
    } else {
      const timer = setTimeout(() => this.flush(), at - now);
      this.flushTimer = { at, cancel: () => clearTimeout(timer) };
    }
  }

  private flush(): void {
    this.flushTimer = undefined;
    const now = performance.now();
    // Slow watchers that drained first: their backlog is older than this flush's events.
    for (const w of this.slow) this.recover(w);
    for (const t of this.dirty) {
      if (t.round !== undefined) continue; // its round is still going
      if (t.flushedAt + this.options.flushMs > now + 1) continue; // its window is not open yet
      this.dirty.delete(t);
      t.flushedAt = now;
      t.roundFrom = t.unsent.lastSeq;
      t.round = t.watchers.values();
      this.rounds.add(t);
    }
    // The first slice now, unless one is already due after this turn (one chain of slices).
    if (this.sliceTimer === undefined) this.writeSlice();
    this.scheduleFlush();
  }

  /** Writes to the next `sliceWrites` sockets of the rounds in progress; the rest after a turn. */
  private writeSlice(): void {
    this.sliceTimer = undefined;
    let budget = this.options.sliceWrites;
    for (const t of this.rounds) {
      const state = this.engine.state(t.id);
      if (state === undefined) {
        this.endRound(t);
        continue;
      }
      // Nothing is committed during a slice: watchers at the same cursor get the same events.
      const batches = new Map<number, Batch | undefined>();
      const frames = new Map<number, Map<string, Frame>>();
      while (budget > 0) {
        const next = t.round!.next();
        if (next.done === true) {
          this.endRound(t);
          break;
        }
        if (next.value.subs.size > 0 && this.catchUp(t, state, next.value, batches, frames)) budget--;
      }
      if (budget <= 0) break;
    }
    if (this.tally.delivered > this.reported) {
      this.metrics.feedDeliveries.inc(this.tally.delivered - this.reported);
      this.reported = this.tally.delivered;
    }
    if (this.rounds.size > 0 && !this.stopped) this.sliceTimer = setImmediate(() => this.writeSlice());
  }

  private endRound(t: TenantFeed): void {
    this.rounds.delete(t);
    t.round = undefined;
    // Every watcher with a subscription is now past the round's start (one that subscribed
    // during it started at the position of the moment).
    t.unsent.forget(t.roundFrom);
    if (this.dirty.has(t)) this.scheduleFlush();
  }

  /**
   * Sends the watcher every committed event after its cursor, in one frame, and moves the cursor:
   * whether a frame was written. (Events no longer kept would mean a bug: it resyncs.)
   * `frames` shares frames between watchers at the same cursor (then with the same scopes and view).
   */
  private catchUp(t: TenantFeed, state: TenantState, w: Watcher, batches: Map<number, Batch | undefined> | undefined, frames?: Map<number, Map<string, Frame>>): boolean {
    const from = w.cursor;
    const to = t.unsent.lastSeq;
    if (from >= to) return false;
    let batch = batches?.get(from);
    if (batch === undefined) {
      const entries = t.unsent.since(from);
      if (entries !== undefined) {
        let redactable: Set<string> | undefined;
        for (const e of entries) if (e.redacted !== undefined) (redactable ??= new Set()).add(e.subject);
        batch = { entries, redactable };
        batches?.set(from, batch);
      }
    }
    if (batch === undefined) {
      w.cursor = to;
      this.markResync(w);
      return false;
    }
    // A subscription younger than the cursor skips what its snapshot already showed.
    let custom = frames === undefined;
    for (const s of w.subs.values()) if (s.fromSeq > from) custom = true;
    let frame: Frame;
    if (custom) frame = this.select(state, w, batch.entries, true, batch.redactable);
    else {
      // Watchers with the same scopes and the same view (S2.7) share one frame.
      let atCursor = frames!.get(from);
      if (atCursor === undefined) frames!.set(from, (atCursor = new Map()));
      const key = batch.redactable === undefined ? w.frameKey : `${w.scopeKey}#${variantOf(w, batch.redactable)}`;
      let shared = atCursor.get(key);
      if (shared === undefined) atCursor.set(key, (shared = this.select(state, w, batch.entries, false, batch.redactable)));
      frame = shared;
    }
    w.cursor = to;
    if (frame.items.length === 0) return false;
    this.write(w, frame);
    return true;
  }

  /** The batch's events in any of the watcher's scopes, as this watcher may see them. */
  private select(state: TenantState, w: Reader, batch: readonly Entry[], checkSeq: boolean, redactable?: Set<string>): Frame {
    if (redactable === undefined) for (const e of batch) if (e.redacted !== undefined) (redactable ??= new Set()).add(e.subject);
    const variant = variantOf(w, redactable);
    const items: Item[] = [];
    for (const e of batch) {
      if (checkSeq && e.seq <= w.cursor) continue;
      let wanted = false;
      for (const s of w.subs.values()) {
        if (checkSeq && e.seq <= s.fromSeq) continue;
        if (inScope(state, s.scope, e)) {
          wanted = true;
          break;
        }
      }
      if (!wanted) continue;
      const json = e.redacted === undefined || variant === 'f' || variant === `s:${e.subject}` ? e.json : e.redacted;
      items.push({ key: e.key, seq: e.seq, json });
    }
    return { items };
  }

  private write(w: Watcher, frame: Frame): void {
    if (frame.items.length === 0 || w.socket.readyState !== w.socket.OPEN) return;
    const buffered = w.socket.bufferedAmount;
    if (!w.slow && buffered > this.options.highWaterBytes) this.behind(w);
    if (w.slow) return this.keepLatest(w, frame.items);
    frame.buf ??= eventsMessage(frame.items.map((i) => i.json));
    if (buffered + frame.buf.length > this.options.highWaterBytes + this.options.pageBytes) {
      // Too large for the bound in one write (a burst): the same events, in pages.
      w.out.events(frame.items);
      return this.flushOut(w);
    }
    w.writeFrame(frame.buf);
    this.tally.delivered += frame.items.length;
    this.tally.writes++;
  }

  /** S6.2: a watcher that falls behind keeps the latest event per subject, superseded ones skipped. */
  private keepLatest(w: Watcher, items: readonly Item[]): void {
    if (w.resyncPending) return;
    const latest = (w.latest ??= new Map());
    for (const i of items) {
      latest.delete(i.key); // re-inserted: the map stays in order of the latest seq
      latest.set(i.key, i);
    }
    if (latest.size > this.options.slowSubjectLimit) this.markResync(w);
  }

  private markResync(w: Watcher): void {
    if (!w.resyncPending) this.countResync();
    w.resyncPending = true;
    w.latest = undefined;
    w.slow = true;
    this.slow.add(w);
    this.scheduleFlush();
  }

  private countResync(): void {
    this.resyncs++;
    this.metrics.feedResyncs.inc();
  }

  /**
   * A slow watcher whose socket drained: what waits in its output first, then its latest events,
   * or resync and fresh snapshots.
   */
  private recover(w: Watcher): void {
    if (w.closed || w.socket.readyState !== w.socket.OPEN) {
      this.slow.delete(w);
      return;
    }
    if (w.socket.bufferedAmount > this.options.lowWaterBytes) return;
    w.out.pump(this.tally);
    if (!w.out.empty) return;
    this.slow.delete(w);
    w.slow = false;
    if (w.auth === undefined) return;
    const latest = w.latest;
    w.latest = undefined;
    if (w.resyncPending) {
      w.resyncPending = false;
      const t = this.tenantFeed(w.auth.tenant);
      const state = this.engine.state(t.id);
      const pos = this.engine.position(t.id);
      if (state === undefined || pos === undefined) return;
      this.answer(w, JSON.stringify({ type: 'resync', reason: 'behind', epoch: pos.epoch, seq: pos.seq }));
      w.cursor = Math.max(w.cursor, t.retention.lastSeq);
      for (const sub of w.subs.values()) this.sendSnapshot(w, t, state, pos, sub, true);
    } else if (latest !== undefined) w.out.events([...latest.values()]);
    this.flushOut(w);
  }
}

/** What selecting events for a watcher needs to know about it. */
type Reader = Pick<Watcher, 'auth' | 'subs' | 'cursor'>;

/** S2.7: 'f' sees every destination; 's:<id>' only their own; 'r' none. */
function variantOf(w: Reader, redactable: Set<string> | undefined): string {
  const auth = w.auth!;
  if (redactable === undefined || seesOthersForwardTo(auth)) return 'f';
  if (auth.userId !== undefined && redactable.has(auth.userId)) return `s:${auth.userId}`;
  return 'r';
}
