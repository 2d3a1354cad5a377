// Delivery rounds (S6.2, S8.3): a flush starts a round over the tenant's watchers; each watcher
// gets, in one frame, every event after its cursor, so it gets at most one frame per round and
// rounds start at least `flushMs` apart (the first event after a quiet spell goes out at once,
// later ones wait for the window). A round writes `sliceWrites` sockets, lets the event loop take a
// turn (commits, requests, other tenants), and goes on, so a large tenant's flush never holds the
// loop for long — and events committed meanwhile already go to the watchers the round has not
// reached yet. Watchers at the same cursor with the same scopes and view share a frame's bytes.
// Every write keeps the socket's buffer within `highWaterBytes + pageBytes`.
import { performance } from 'node:perf_hooks';
import { seesOthersForwardTo } from '../core/index.js';
import type { TenantState } from '../core/index.js';
import { eventsMessage } from './protocol.js';
import type { Entry } from './scope.js';
import { inScope } from './scope.js';
import { SlowWatchers } from './behind.js';
import type { TenantFeed } from './tenant.js';
import type { Item, Watcher } from './watcher.js';

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

export abstract class DeliveryRounds extends SlowWatchers {
  protected readonly dirty = new Set<TenantFeed>();
  /** Tenants with a round in progress, oldest first. */
  protected readonly rounds = new Set<TenantFeed>();
  protected flushTimer: { readonly at: number; cancel(): void } | undefined;
  protected sliceTimer: NodeJS.Immediate | undefined;
  protected stopped = false;
  /** Deliveries already added to the metric. */
  private reported = 0;

  /**
   * Runs the next flush when the earliest dirty tenant's window opens (slow watchers poll every
   * window); a tenant whose round is still going is rescheduled when it ends.
   */
  protected override scheduleFlush(): void {
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
  protected catchUp(
    t: TenantFeed,
    state: TenantState,
    w: Watcher,
    batches: Map<number, Batch | undefined> | undefined,
    frames?: Map<number, Map<string, Frame>>,
  ): boolean {
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
      if (shared === undefined)
        atCursor.set(key, (shared = this.select(state, w, batch.entries, false, batch.redactable)));
      frame = shared;
    }
    w.cursor = to;
    if (frame.items.length === 0) return false;
    this.write(w, frame);
    return true;
  }

  /** The batch's events in any of the watcher's scopes, as this watcher may see them. */
  protected select(
    state: TenantState,
    w: Reader,
    batch: readonly Entry[],
    checkSeq: boolean,
    redactable?: Set<string>,
  ): Frame {
    if (redactable === undefined)
      for (const e of batch) if (e.redacted !== undefined) (redactable ??= new Set()).add(e.subject);
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
}

/** What selecting events for a watcher needs to know about it. */
export type Reader = Pick<Watcher, 'auth' | 'subs' | 'cursor'>;

/** S2.7: 'f' sees every destination; 's:<id>' only their own; 'r' none. */
function variantOf(w: Reader, redactable: Set<string> | undefined): string {
  const auth = w.auth!;
  if (redactable === undefined || seesOthersForwardTo(auth)) return 'f';
  if (auth.userId !== undefined && redactable.has(auth.userId)) return `s:${auth.userId}`;
  return 'r';
}
