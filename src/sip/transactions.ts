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
  response: Buffer | undefined;
  readonly expiresAt: number;
}

/** Answers retransmissions from a cache; entries leave in arrival order (one TTL for all). */
export class ServerTransactions {
  private readonly entries = new Map<string, ServerEntry>();
  private readonly order: { key: string; expiresAt: number }[] = [];
  private head = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  /** 'new' (process it), 'pending' (still working on it: drop), or the response to resend. */
  lookup(key: string): 'new' | 'pending' | Buffer {
    const e = this.entries.get(key);
    if (e === undefined || e.expiresAt <= this.now()) return 'new';
    return e.response ?? 'pending';
  }

  begin(key: string): void {
    const expiresAt = this.now() + this.ttlMs;
    this.entries.set(key, { response: undefined, expiresAt });
    this.order.push({ key, expiresAt });
  }

  /** Records the final response for retransmissions (only for keys begun). */
  complete(key: string, response: Buffer): void {
    const e = this.entries.get(key);
    if (e !== undefined) e.response = response;
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
    const now = this.now();
    while (this.head < this.order.length && this.order[this.head]!.expiresAt <= now) {
      const { key, expiresAt } = this.order[this.head++]!;
      if (this.entries.get(key)?.expiresAt === expiresAt) this.entries.delete(key);
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

/** The key of a server transaction: the branch (RFC 3261 magic cookie) plus method and sent-by. */
export function serverKey(branch: string | undefined, method: string, sentBy: string, fallback: string): string {
  const m = method === 'ACK' ? 'INVITE' : method;
  return branch !== undefined && branch.startsWith('z9hG4bK') ? `${branch}\u0000${m}\u0000${sentBy}` : `${fallback}\u0000${m}`;
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
