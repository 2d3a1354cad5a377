// Transactions (RFC 3261 §17). Server side: a retransmitted request gets the very bytes of the
// response sent the first time — a 401/407 challenge (same To-tag, same nonce) and any final
// answer as much as a 2xx — without being processed twice, for Timer J = 64*T1 after the final
// response over UDP (§17.2.2); an INVITE's retransmission gets its latest provisional response
// while it is proceeding and its final one after (§17.2.1). Client side (our NOTIFYs): over UDP
// the request is retransmitted at T1, 2*T1, … capped at T2 (Timer E) until a final response, and
// abandoned at 64*T1 (Timer F, §17.1.2.2); over TCP only Timer F runs.
import type { Clock, TimerHandle } from '../engine/index.js';
import { randomHex } from './random.js';
import type { SipResponse } from './message.js';
import type { Flow } from './transport.js';

export const T1_MS = 500;
export const T2_MS = 4000;

/**
 * S8.1: at most this many server transactions are remembered; past it the oldest is forgotten
 * first (a retransmission of it, later than that, is handled as a new request). 100,000 answers
 * are about 60 MB and, at 9,000 REGISTER/s (two transactions each), cover the last 5 s, where a
 * UDP client's retransmissions (at 0.5, 1, 2 and 4 s) fall; Kamailio keeps a transaction 5 s.
 */
export const MAX_SERVER_TRANSACTIONS = 100_000;

interface ServerEntry {
  readonly key: string;
  /** The chunk holding the response (undefined while working on it), where and how long. */
  chunk: Buffer | undefined;
  at: number;
  length: number;
  /** Milliseconds since the cache was made (a small integer, not a boxed double). */
  readonly expiresAt: number;
}

/** Responses are copied into chunks of this size, shared by the responses completed together. */
const CHUNK_BYTES = 256 * 1024;

/**
 * Answers retransmissions from a cache; entries leave in the order their last response was sent
 * (one TTL for all, counted from it: Timer J starts at the final response, §17.2.2).
 * Every answer is held for Timer J (32 s over UDP), so an entry is kept small: one object and a
 * flat key (not a slice of the request, which would keep the whole message). The responses are
 * copied one after another into large chunks: a chunk is freed whole once the entries using it
 * have left, which they do together, since they entered together. (A Buffer per response would
 * keep an 8 KB allocation pool alive each, and scattered small blocks are not given back to the
 * system.)
 */
export class ServerTransactions {
  private readonly entries = new Map<string, ServerEntry>();
  /** Entries in expiry order; one replaced in `entries` (by a later response) is skipped. */
  private readonly order: ServerEntry[] = [];
  private head = 0;
  private readonly epoch: number;
  private chunk = Buffer.allocUnsafeSlow(0);
  private used = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
    private readonly maxEntries = MAX_SERVER_TRANSACTIONS,
  ) {
    this.epoch = now();
  }

  private elapsed(): number {
    return this.now() - this.epoch;
  }

  /** 'new' (process it), 'pending' (still working on it: drop), or the response to resend. */
  lookup(key: string): 'new' | 'pending' | Buffer {
    const e = this.entries.get(key);
    if (e === undefined || e.expiresAt <= this.elapsed()) return 'new';
    return e.chunk === undefined ? 'pending' : e.chunk.subarray(e.at, e.at + e.length);
  }

  begin(key: string): void {
    while (this.entries.size >= this.maxEntries && this.evictOldest());
    this.add({ key, chunk: undefined, at: 0, length: 0, expiresAt: this.elapsed() + this.ttlMs });
  }

  private add(e: ServerEntry): void {
    this.entries.set(e.key, e);
    this.order.push(e);
  }

  /**
   * Records the response to resend on a retransmission (only for keys begun): the final one, or
   * an INVITE's latest provisional one until its final one replaces it.
   */
  complete(key: string, response: Buffer): void {
    if (!this.entries.has(key)) return;
    let chunk: Buffer;
    let at: number;
    if (response.length > CHUNK_BYTES / 4) {
      chunk = Buffer.from(response);
      at = 0;
    } else {
      if (this.used + response.length > this.chunk.length) {
        this.chunk = Buffer.allocUnsafeSlow(CHUNK_BYTES);
        this.used = 0;
      }
      chunk = this.chunk;
      at = this.used;
      this.used += response.copy(this.chunk, this.used);
    }
    // A new entry at the end of the order: Timer J runs from this response.
    this.add({ key, chunk, at, length: response.length, expiresAt: this.elapsed() + this.ttlMs });
  }

  /** Forgets a transaction answered statelessly (a request passed on inside a call). */
  forget(key: string): void {
    this.entries.delete(key);
  }

  /** Removes the entry at the head of the order if it is still current; false when none is left. */
  private evictOldest(): boolean {
    if (this.head >= this.order.length) return false;
    const e = this.order[this.head]!;
    this.order[this.head++] = undefined as unknown as ServerEntry;
    if (this.entries.get(e.key) === e) this.entries.delete(e.key);
    this.compact();
    return true;
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order.splice(0, this.head);
      this.head = 0;
    }
  }

  sweep(): void {
    const now = this.elapsed();
    while (this.head < this.order.length && this.order[this.head]!.expiresAt <= now) {
      const e = this.order[this.head]!;
      this.order[this.head++] = undefined as unknown as ServerEntry;
      if (this.entries.get(e.key) === e) this.entries.delete(e.key);
    }
    this.compact();
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * The key of a server transaction: the branch (RFC 3261 magic cookie) plus method and sent-by.
 * Joined into a flat string: a template literal would make a rope holding the branch, itself a
 * slice of the request text, so the cache would keep every request whole.
 */
export function serverKey(branch: string | undefined, method: string, sentBy: string, fallback: string): string {
  const m = method === 'ACK' ? 'INVITE' : method;
  return branch !== undefined && branch.startsWith('z9hG4bK')
    ? [branch, m, sentBy].join('\u0000')
    : [fallback, m].join('\u0000');
}

export function newBranch(): string {
  return `z9hG4bK${randomHex(16)}`;
}

export type ClientOutcome =
  { readonly type: 'response'; readonly response: SipResponse } | { readonly type: 'timeout' };

interface ClientEntry {
  readonly bytes: Buffer;
  readonly flow: Flow;
  readonly send: () => boolean;
  readonly done: (outcome: ClientOutcome) => void;
  retransmit: TimerHandle | undefined;
  giveUp: TimerHandle | undefined;
  intervalMs: number;
  proceeding: boolean;
}

export class ClientTransactions {
  private readonly pending = new Map<string, ClientEntry>();

  constructor(
    private readonly clock: Clock,
    private readonly timers: { readonly t1Ms: number; readonly t2Ms: number } = { t1Ms: T1_MS, t2Ms: T2_MS },
  ) {}

  /** Starts a transaction for a request already carrying `branch` in its top Via. */
  start(branch: string, bytes: Buffer, flow: Flow, send: () => boolean, done: (outcome: ClientOutcome) => void): void {
    const { t1Ms } = this.timers;
    const entry: ClientEntry = {
      bytes,
      flow,
      send,
      done,
      retransmit: undefined,
      giveUp: undefined,
      intervalMs: t1Ms,
      proceeding: false,
    };
    entry.giveUp = this.clock.setTimer(this.clock.now() + 64 * t1Ms, () => this.finish(branch, { type: 'timeout' }));
    this.pending.set(branch, entry);
    if (!send()) {
      this.finish(branch, { type: 'timeout' });
      return;
    }
    if (flow.transport === 'udp') this.arm(branch, entry);
  }

  private arm(branch: string, entry: ClientEntry): void {
    entry.retransmit = this.clock.setTimer(this.clock.now() + entry.intervalMs, () => {
      if (this.pending.get(branch) !== entry) return;
      entry.send();
      // Timer E doubles up to T2; once a provisional response came, it stays at T2.
      entry.intervalMs = entry.proceeding ? this.timers.t2Ms : Math.min(entry.intervalMs * 2, this.timers.t2Ms);
      this.arm(branch, entry);
    });
  }

  /** A response arrived: returns true when it matched a transaction of ours. */
  receive(branch: string, response: SipResponse): boolean {
    const entry = this.pending.get(branch);
    if (entry === undefined) return false;
    if (response.status < 200) {
      entry.proceeding = true;
      return true;
    }
    this.finish(branch, { type: 'response', response });
    return true;
  }

  private finish(branch: string, outcome: ClientOutcome): void {
    const entry = this.pending.get(branch);
    if (entry === undefined) return;
    this.pending.delete(branch);
    this.disarm(entry);
    entry.done(outcome);
  }

  stop(): void {
    for (const e of this.pending.values()) this.disarm(e);
    this.pending.clear();
  }

  private disarm(entry: ClientEntry): void {
    if (entry.retransmit !== undefined) this.clock.clearTimer(entry.retransmit);
    if (entry.giveUp !== undefined) this.clock.clearTimer(entry.giveUp);
  }

  get size(): number {
    return this.pending.size;
  }
}
