// S6.2 resume: a bounded, per-tenant ring of the latest committed events, serialised once.
// A watcher reconnecting with its last (epoch, seq) gets what it missed while it is still here;
// older positions, or another epoch, get a fresh snapshot instead.
import type { EngineEvent } from '../engine/index.js';
import type { Entry } from './scope.js';
import { hasForwardTo, withoutForwardTo } from '../core/index.js';

/** Serialises a committed event once, with its S2.7-redacted twin when it shows a destination. */
export function toEntry(e: EngineEvent): Entry {
  const json = JSON.stringify(e);
  let redacted: string | undefined;
  let queueId: string | undefined;
  let key: string;
  switch (e.type) {
    case 'presence.changed':
      key = `p:${e.subject}`;
      if (hasForwardTo(e.value) || hasForwardTo(e.old)) {
        redacted = JSON.stringify({
          ...e,
          value: withoutForwardTo(e.value),
          ...(e.old ? { old: withoutForwardTo(e.old) } : {}),
        });
      }
      break;
    case 'agent.changed':
      queueId = e.queueId;
      key = `a:${e.subject}:${e.queueId}`;
      break;
    case 'queue.changed':
      key = `q:${e.subject}`;
      break;
    case 'schedule.changed':
      // S9.1: the latest list of a user's windows supersedes the earlier ones. Like a forwarding
      // destination (S2.7), the windows are shown to the user and admins only; others see that it moved.
      key = `s:${e.subject}`;
      redacted = JSON.stringify({ ...e, value: { windows: [] }, old: { windows: [] } });
      break;
    default:
      // Each missed or ended call is news of its own: nothing supersedes it.
      key = `m:${e.seq}`;
  }
  return {
    seq: e.seq,
    type: e.type,
    subject: e.subject,
    key,
    json,
    bytes: json.length + (redacted?.length ?? 0),
    ...(queueId !== undefined ? { queueId } : {}),
    ...(redacted !== undefined ? { redacted } : {}),
  };
}

export class Retention {
  private entries: Entry[] = [];
  private start = 0;
  private bytes = 0;
  /** Every event after this seq (of this epoch) is retained, up to `lastSeq`. */
  retainedFrom: number;
  lastSeq: number;

  constructor(
    public epoch: string,
    seq: number,
    private readonly maxEntries: number,
    private readonly maxBytes: number,
  ) {
    this.retainedFrom = seq;
    this.lastSeq = seq;
  }

  /** Starts over at a new epoch (the sequence restarted, S6.1). */
  reset(epoch: string, seq: number): void {
    this.epoch = epoch;
    this.entries = [];
    this.start = 0;
    this.bytes = 0;
    this.retainedFrom = seq;
    this.lastSeq = seq;
  }

  /** Notes an event that is not kept (nobody can ask for it): what is retained starts after it. */
  passOver(seq: number): void {
    this.lastSeq = seq;
    this.retainedFrom = seq;
  }

  push(e: Entry): void {
    this.entries.push(e);
    this.bytes += e.bytes;
    if (e.seq > this.lastSeq) this.lastSeq = e.seq;
    while (
      this.entries.length - this.start > this.maxEntries ||
      (this.bytes > this.maxBytes && this.entries.length - this.start > 1)
    )
      this.dropOldest();
    this.compact();
  }

  /** Drops the events at or below `seq` (nobody needs them any more). */
  forget(seq: number): void {
    while (this.entries.length > this.start && this.entries[this.start]!.seq <= seq) this.dropOldest();
    if (seq > this.retainedFrom) this.retainedFrom = Math.min(seq, this.lastSeq);
    this.compact();
  }

  private dropOldest(): void {
    const dropped = this.entries[this.start++]!;
    this.bytes -= dropped.bytes;
    this.retainedFrom = dropped.seq;
  }

  private compact(): void {
    if (this.start > 1024 && this.start * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.start);
      this.start = 0;
    }
  }

  /** The retained events after `seq`, or undefined when some of them are no longer retained. */
  since(seq: number): Entry[] | undefined {
    if (seq < this.retainedFrom) return undefined;
    let lo = this.start;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.entries[mid]!.seq <= seq) lo = mid + 1;
      else hi = mid;
    }
    return this.entries.slice(lo);
  }

  get size(): number {
    return this.entries.length - this.start;
  }
}
