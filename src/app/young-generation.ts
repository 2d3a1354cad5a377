// Handing V8's young generation back once the server is quiet (issue 19: idle memory).
//
// The server runs with a 64 MB semi-space (heap.ts): under load the young generation grows to
// 2 × 64 MB and stays there. V8 shrinks it only after a full GC run while its allocation rate
// is low, and it measures that rate only at GCs: a quiet process runs no GC, so the rate V8 sees
// stays the one of its last busy moment, and its memory reducer starts only on a 100 s watchdog.
// Measured with `switchboard start` and 20,000 users: 128 MB of young generation idle for the
// first 105 s after the start (RSS 305 MB), 1 MB afterwards (RSS 154 MB).
//
// So every few seconds this looks at the heap: while the young generation is large, or the old
// one holds much more memory than objects, and nothing was allocated since the last look (no GC,
// under 1 MB/s of new objects), it asks V8 for a full GC. The first one finds the rate of the busy
// period (and frees the old generation's garbage); the next, a period later, finds the quiet one:
// V8 shrinks the young generation to its minimum and moves old objects off half-empty pages,
// which it gives back (20,000 users: the old generation 65 MB after one GC, 46 MB after two). The
// young generation grows again with the next load as V8 sees fit. A busy server never reaches
// here: a GC or a MB of allocation since the last look is not quiet. At most `MAX_TRIES` GCs per
// quiet spell, some 100 ms each with 20,000 users.
import { PerformanceObserver, constants } from 'node:perf_hooks';
import type { NodeGCPerformanceDetail } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** How often the young generation is looked at. V8 judges its allocation rate over 5 s. */
export const LOOK_EVERY_MS = 6000;
/** A young generation at most this large is left alone (V8's minimum is 1 MB a semi-space). */
export const SMALL_YOUNG_BYTES = 8 * 1048576;
/** Old-generation memory beyond its objects' size worth a GC to give back. */
export const SLACK_BYTES = 8 * 1048576;
/** Less than this many bytes of new objects in a period is quiet (V8's own threshold: 1 MB/s). */
const QUIET_BYTES = 1048576;
/** Full GCs tried in one quiet spell before waiting for the next busy one. */
const MAX_TRIES = 3;

/** What one look sees. */
export interface YoungLook {
  /** Committed bytes of the young generation. */
  readonly committed: number;
  /** Bytes in use in it now. */
  readonly used: number;
  /** Committed bytes of the old generation beyond the size of its objects. */
  readonly slack: number;
  /** GCs V8 ran by itself since the previous look (a GC asked for here does not count). */
  readonly gcs: number;
}

/** Whether to ask for a full GC now; `tries` GCs were already asked for in this quiet spell. */
export function shouldCollect(prev: YoungLook | undefined, now: YoungLook, tries: number): boolean {
  const large = now.committed > SMALL_YOUNG_BYTES || now.slack > SLACK_BYTES;
  return isQuiet(prev, now) && large && tries < MAX_TRIES;
}

/** No GC of V8's own and under 1 MB of new objects since the previous look. */
export function isQuiet(prev: YoungLook | undefined, now: YoungLook): boolean {
  return prev !== undefined && now.gcs === 0 && now.used - prev.used < QUIET_BYTES;
}

/** A GC asked for by `gc()` (here, or a bench's) rather than by V8 for want of room. */
const forced = (detail: unknown): boolean =>
  (((detail as NodeGCPerformanceDetail | undefined)?.flags ?? 0) & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) !== 0;

function heapNow(): { committed: number; used: number; slack: number } {
  let committed = 0;
  let used = 0;
  let slack = 0;
  for (const s of getHeapSpaceStatistics())
    if (s.space_name === 'new_space' || s.space_name === 'new_large_object_space') {
      committed += s.physical_space_size;
      used += s.space_used_size;
    } else slack += s.physical_space_size - s.space_used_size;
  return { committed, used, slack };
}

/** V8's `gc()`, taken from a fresh context so the server's own globals do not get it. */
function fullGc(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed !== undefined) return exposed;
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  setFlagsFromString('--no-expose-gc');
  return gc;
}

/** Starts looking; the returned function stops. */
export function shrinkYoungWhenQuiet(everyMs = LOOK_EVERY_MS): () => void {
  const gc = fullGc();
  let gcs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (!forced((entry as { detail?: unknown }).detail)) gcs++;
  });
  observer.observe({ entryTypes: ['gc'] });
  let prev: YoungLook | undefined = { ...heapNow(), gcs: 0 };
  let tries = 0;
  const timer = setInterval(() => {
    const now = { ...heapNow(), gcs };
    const collect = shouldCollect(prev, now, tries);
    if (!isQuiet(prev, now)) tries = 0;
    if (collect) {
      gc();
      tries++;
    }
    gcs = 0;
    // The heap is read again only when the GC changed it.
    prev = { ...(collect ? heapNow() : now), gcs: 0 };
  }, everyMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    observer.disconnect();
  };
}
