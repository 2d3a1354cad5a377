// Slow watchers (S6.2): a watcher whose socket buffer is above the high-water mark is not written
// to: it keeps only the latest event per subject and, past a bound, is told to resync once it
// drains. Nobody waits for a slow watcher. What does not fit waits in the watcher's output
// (output.ts) — answers, snapshots in fragments, resumed events in pages — and the watcher counts
// as behind.
import type { Engine, EngineEvent } from '../engine/index.js';
import { CLOSE_TOO_SLOW } from './protocol.js';
import type { Tally } from './output.js';
import { sendSnapshot } from './snapshot.js';
import type { FanoutMetrics, FanoutOptions, TenantFeed } from './tenant.js';
import type { Item, Watcher } from './watcher.js';

export abstract class SlowWatchers {
  protected readonly slow = new Set<Watcher>();
  /** Events written, and the socket writes that carried them. */
  protected readonly tally: Tally = { delivered: 0, writes: 0 };
  protected resyncs = 0;

  constructor(
    protected readonly engine: Engine,
    protected readonly options: FanoutOptions,
    protected readonly metrics: FanoutMetrics,
  ) {}

  protected abstract tenantFeed(id: string, firstEvent?: EngineEvent): TenantFeed;

  protected abstract scheduleFlush(): void;

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
  protected flushOut(w: Watcher): void {
    w.out.pump(this.tally);
    if (!w.out.empty) this.behind(w);
  }

  /** S6.2: not written to until it drains; its events meanwhile keep only the latest per subject. */
  protected behind(w: Watcher): void {
    if (w.slow) return;
    w.slow = true;
    this.slow.add(w);
    this.scheduleFlush();
  }

  /** S6.2: a watcher that falls behind keeps the latest event per subject, superseded ones skipped. */
  protected keepLatest(w: Watcher, items: readonly Item[]): void {
    if (w.resyncPending) return;
    const latest = (w.latest ??= new Map());
    for (const i of items) {
      latest.delete(i.key); // re-inserted: the map stays in order of the latest seq
      latest.set(i.key, i);
    }
    if (latest.size > this.options.slowSubjectLimit) this.markResync(w);
  }

  protected markResync(w: Watcher): void {
    if (!w.resyncPending) this.countResync();
    w.resyncPending = true;
    w.latest = undefined;
    w.slow = true;
    this.slow.add(w);
    this.scheduleFlush();
  }

  protected countResync(): void {
    this.resyncs++;
    this.metrics.feedResyncs.inc();
  }

  /**
   * A slow watcher whose socket drained: what waits in its output first, then its latest events,
   * or resync and fresh snapshots.
   */
  protected recover(w: Watcher): void {
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
      for (const sub of w.subs.values()) sendSnapshot(w, t, state, pos, sub, true);
    } else if (latest !== undefined) w.out.events([...latest.values()]);
    this.flushOut(w);
  }
}
