// Where the answer to a request is kept for its retransmissions (RFC 3261 §17.2, transactions.ts):
// in this thread's server transactions, or — for UDP through a SIP front thread (docs/sip.md) —
// in the front's, which answers retransmissions before the main thread sees them.
import type { Incoming } from './request.js';
import { ServerTransactions, serverKey } from './transactions.js';
import type { Transport } from './transport.js';

/** The server transaction a request belongs to (the same in the main and the front thread). */
export function transactionKey(inc: Incoming): string {
  return serverKey(
    inc.topVia.params.get('branch'),
    inc.req.method,
    `${inc.topVia.host}:${inc.topVia.port ?? ''}`,
    `${inc.callId}\u0000${inc.cseq.seq}\u0000${inc.fromTag ?? ''}`,
  );
}

export class RequestAnswers {
  private readonly local: ServerTransactions;
  private readonly keys = new WeakMap<Incoming, string>();

  constructor(
    ttlMs: number,
    maxEntries: number | undefined,
    private readonly transport: Transport,
  ) {
    this.local = new ServerTransactions(ttlMs, () => Date.now(), maxEntries);
  }

  /**
   * Begins the transaction of a request; false for a retransmission (answered again with the
   * first answer, or dropped while the first is still worked on). `frontKey`: the front thread
   * began it (and absorbs its retransmissions). Over TCP there are none (§17.2.2).
   */
  begin(inc: Incoming, frontKey: string | undefined): boolean {
    if (frontKey !== undefined) this.keys.set(inc, frontKey);
    if (frontKey !== undefined || inc.flow.transport !== 'udp' || this.transport.front !== undefined) return true;
    const key = transactionKey(inc);
    const seen = this.local.lookup(key);
    if (seen === 'pending') return false;
    if (seen !== 'new') {
      this.transport.send(inc.flow, seen);
      return false;
    }
    this.local.begin(key);
    this.keys.set(inc, key);
    return true;
  }

  /**
   * Sends the answer to a request and keeps it for the request's retransmissions: every answer,
   * a 401/407 challenge and a refusal as much as a 2xx, so a retransmission gets the very same
   * bytes (same To-tag, same nonce) and is not handled twice; a provisional one until the final
   * one replaces it.
   */
  answer(inc: Incoming, bytes: Buffer): void {
    const key = this.keys.get(inc);
    const front = this.transport.front;
    if (key !== undefined && front !== undefined && inc.flow.transport === 'udp')
      return front.send(bytes, inc.flow.port, inc.flow.address, key);
    if (key !== undefined) this.local.complete(key, bytes);
    this.transport.send(inc.flow, bytes);
  }

  /** A request answered statelessly (passed on inside a call): its retransmissions are not absorbed. */
  forget(inc: Incoming): void {
    const key = this.keys.get(inc);
    if (key === undefined) return;
    if (this.transport.front !== undefined && inc.flow.transport === 'udp') this.transport.front.forget(key);
    else this.local.forget(key);
  }

  sweep(): void {
    this.local.sweep();
  }

  get size(): number {
    return this.local.size + (this.transport.front?.transactions ?? 0);
  }
}
