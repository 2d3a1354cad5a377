// The fanout's options and metrics, and what it keeps per tenant (fanout.ts).
import type { Retention } from './retention.js';
import type { Watcher } from './watcher.js';

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

export interface TenantFeed {
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
