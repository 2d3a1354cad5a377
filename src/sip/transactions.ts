// Non-INVITE transactions (RFC 3261 §17). Server side: a retransmitted request gets the same
// response again, without being processed twice, for Timer J = 64*T1 over UDP (§17.2.2). Client
// side (our NOTIFYs): over UDP the request is retransmitted at T1, 2*T1, … capped at T2 (Timer E)
// until a final response, and abandoned at 64*T1 (Timer F, §17.1.2.2); over TCP only Timer F runs.
import { randomHex } from './random.js';
import type { SipResponse } from './message.js';
import type { Flow } from './transport.js';

export const T1_MS = 500;
export const T2_MS = 4000;

interface ServerEntry {
  readonly key: string;
  /** The chunk holding the final response (undefined while working on it), where and how long. */
  chunk: Buffer | undefined;
  at: number;
  length: number;
  /** Milliseconds since the cache was made (a small integer, not a boxed double). */
  readonly expiresAt: number;
}

/** Responses are copied into chunks of this size, shared by the responses completed together. */
const CHUNK_BYTES = 256 * 1024;

/**
 * Answers retransmissions from a cache; entries leave in arrival order (one TTL for all).
 * Every answer is held for Timer J (32 s over UDP), so an entry is kept small: one object and a
 * flat key (not a slice of the request, which would keep the whole message). The responses are
 * copied one after another into large chunks: a chunk is freed whole once the entries using it
 * have left, which they do together, since they entered together. (A Buffer per response would
 * keep an 8 KB allocation pool alive each, and scattered small blocks are not given back to the
 * system.)
 */
export class ServerTransactions {
  private readonly entries = new Map<string, ServerEntry>();
  private readonly order: ServerEntry[] = [];
  private head = 0;
  private readonly epoch: number;
  private chunk = Buffer.allocUnsafeSlow(0);
  private used = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
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
    const e: ServerEntry = { key, chunk: undefined, at: 0, length: 0, expiresAt: this.elapsed() + this.ttlMs };
    this.entries.set(key, e);
    this.order.push(e);
  }

  /** Records the final response for retransmissions (only for keys begun). */
  complete(key: string, response: Buffer): void {
    const e = this.entries.get(key);
    if (e === undefined) return;
    if (response.length > CHUNK_BYTES / 4) {
      e.chunk = Buffer.from(response);
      e.at = 0;
    } else {
      if (this.used + response.length > this.chunk.length) {
        this.chunk = Buffer.allocUnsafeSlow(CHUNK_BYTES);
        this.used = 0;
      }
      e.chunk = this.chunk;
      e.at = this.used;
      this.used += response.copy(this.chunk, this.used);
    }
    e.length = response.length;
  }

  /**
   * Forgets a transaction whose answer changed nothing (a 401 challenge, a refusal): a
   * retransmission is then simply answered again, and the cache holds only answers that must
   * not be produced twice.
   */
  forget(key: string): void {
    this.entries.delete(key);
  }

  sweep(): void {
    const now = this.elapsed();
    while (this.head < this.order.length && this.order[this.head]!.expiresAt <= now) {
      const e = this.order[this.head]!;
      this.order[this.head++] = undefined as unknown as ServerEntry;
      if (this.entries.get(e.key) === e) this.entries.delete(e.key);
    }
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order.splice(0, this.head);
      this.head = 0;
    }
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
  return branch !== undefined && branch.startsWith('z9hG4bK') ? [branch, m, sentBy].join('\u0000') : [fallback, m].join('\u0000');
}

export function newBranch(): string {
  return `z9hG4bK${randomHex(16)}`;
}

export type ClientOutcome = { readonly type: 'response'; readonly response: SipResponse } | { readonly type: 'timeout' };

interface ClientEntry {
  readonly bytes: Buffer;
  readonly flow: Flow;
  readonly send: () => boolean;
  readonly done: (outcome: ClientOutcome) => void;
  retransmit: NodeJS.Timeout | undefined;
  readonly giveUp: NodeJS.Timeout;
  intervalMs: number;
  proceeding: boolean;
}

export class ClientTransactions {
  private readonly pending = new Map<string, ClientEntry>();

  constructor(private readonly timers: { readonly t1Ms: number; readonly t2Ms: number } = { t1Ms: T1_MS, t2Ms: T2_MS }) {}

  /** Starts a transaction for a request already carrying `branch` in its top Via. */
  start(branch: string, bytes: Buffer, flow: Flow, send: () => boolean, done: (outcome: ClientOutcome) => void): void {
    const { t1Ms } = this.timers;
    const entry: ClientEntry = {
      bytes,
      flow,
      send,
      done,
      retransmit: undefined,
      giveUp: setTimeout(() => this.finish(branch, { type: 'timeout' }), 64 * t1Ms),
      intervalMs: t1Ms,
      proceeding: false,
    };
    entry.giveUp.unref();
    this.pending.set(branch, entry);
    if (!send()) {
      this.finish(branch, { type: 'timeout' });
      return;
    }
    if (flow.transport === 'udp') this.arm(branch, entry);
  }

  private arm(branch: string, entry: ClientEntry): void {
    entry.retransmit = setTimeout(() => {
      if (this.pending.get(branch) !== entry) return;
      entry.send();
      // Timer E doubles up to T2; once a provisional response came, it stays at T2.
      entry.intervalMs = entry.proceeding ? this.timers.t2Ms : Math.min(entry.intervalMs * 2, this.timers.t2Ms);
      this.arm(branch, entry);
    }, entry.intervalMs);
    entry.retransmit.unref();
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
    if (entry.retransmit !== undefined) clearTimeout(entry.retransmit);
    clearTimeout(entry.giveUp);
    entry.done(outcome);
  }

  stop(): void {
    for (const [branch] of this.pending) {
      const e = this.pending.get(branch)!;
      if (e.retransmit !== undefined) clearTimeout(e.retransmit);
      clearTimeout(e.giveUp);
    }
    this.pending.clear();
  }

  get size(): number {
    return this.pending.size;
  }
}
