// The messages between the SIP front thread (front-worker.ts) and the main thread (front-thread.ts).
// Datagrams travel in batches, one message per event-loop turn each way: their bytes one after
// another in one buffer moved (transferred, not copied) to the other thread, and a flat list of
// what each one is (address, port, transaction key, length), so a turn costs one postMessage
// whatever the number of datagrams in it.

export interface FrontSetup {
  readonly host: string;
  readonly port: number;
  /** The digest nonce secret, the same as the main thread's, so either can check a nonce. */
  readonly secret: Uint8Array;
  /** Timer J: how long an answer is kept for retransmissions. */
  readonly ttlMs: number;
  readonly maxTransactions: number;
  /**
   * S8.3, read per request (a SharedArrayBuffer): [0] is 1 while the main thread sheds new
   * requests, [1] the datagrams waiting for the main thread (past MAX_BACKLOG it is behind too).
   */
  readonly shedding: Int32Array;
}

/**
 * Datagrams waiting for the main thread past which the front sheds new requests (S8.3): about
 * half a second of work at the main thread's rate, where a phone's first retransmission is due.
 */
export const MAX_BACKLOG = 4096;

/** address, port, transaction key ('' for none), byte length — per datagram, flattened. */
export type Meta = (string | number)[];

/** Front → main. */
export type FromFront =
  | { readonly t: 'bound'; readonly port: number }
  | { readonly t: 'error'; readonly message: string; readonly code?: string }
  | {
      readonly t: 'in';
      readonly bytes: Uint8Array;
      readonly meta: Meta;
      /** Answers the front sent itself since the last batch: method, status, count — flattened. */
      readonly answered: (string | number)[];
      /** Requests it shed (S8.3) since the last batch. */
      readonly shed: number;
      /** Server transactions it remembers. */
      readonly transactions: number;
    };

/** Main → front. */
export type ToFront =
  | {
      readonly t: 'out';
      readonly bytes: Uint8Array;
      /** A datagram with a key is that transaction's answer: kept for its retransmissions. */
      readonly meta: Meta;
      /** Transactions answered statelessly (passed on inside a call): not to be absorbed. */
      readonly forget: string[];
      /** Hosts with the realm they are served under ('' for a host not served), as the main thread found them. */
      readonly domains: string[];
      /** Addresses that just failed digest (S5.4): the front leaves their requests to the main thread. */
      readonly failures: string[];
    }
  | { readonly t: 'stop' };

/** Packs datagrams into one buffer of their own (an ArrayBuffer that can be transferred). */
export function pack(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Calls `each` with every datagram of a batch (a view into `bytes`) and its meta. */
export function unpack(
  bytes: Uint8Array,
  meta: Meta,
  each: (part: Buffer, address: string, port: number, key: string) => void,
): void {
  const all = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  for (let i = 0; i < meta.length; i += 4) {
    const length = meta[i + 3] as number;
    each(all.subarray(at, at + length), meta[i] as string, meta[i + 1] as number, meta[i + 2] as string);
    at += length;
  }
}
