// Requests Switchboard sends (NOTIFY): our Via and Contact for a flow, and a client transaction
// that retransmits over UDP (RFC 3261 §17.1.2) and reports the final response or a timeout.
import type { Clock } from '../engine/index.js';
import type { ClientOutcome } from './transactions.js';
import { ClientTransactions, newBranch } from './transactions.js';
import type { Flow, Transport } from './transport.js';

export interface Outgoing {
  /** Sends a request built for a fresh branch; `done` gets the final response or a timeout. */
  request(
    flow: Flow,
    fallback: { host: string; port: number } | undefined,
    build: (via: string) => Buffer,
    done: (outcome: ClientOutcome) => void,
  ): void;
  contact(flow: Flow): string;
}

export class OutgoingRequests implements Outgoing {
  readonly transactions: ClientTransactions;

  constructor(
    private readonly transport: Transport,
    private readonly advertised: () => { host: string; port: number },
    clock: Clock,
    timers?: { t1Ms: number; t2Ms: number },
  ) {
    this.transactions = new ClientTransactions(clock, timers);
  }

  /** Our advertised `host:port`, made once the port is known (every NOTIFY's Via and Contact use it). */
  private advertisedSentBy: string | undefined;

  private sentBy(flow: Flow): string {
    const local = flow.socket?.localAddress;
    if (local !== undefined && local !== '' && flow.socket?.remoteAddress !== undefined)
      return `${local.replace(/^::ffff:/, '')}:${this.advertised().port}`;
    if (this.advertisedSentBy !== undefined) return this.advertisedSentBy;
    const { host, port } = this.advertised();
    const sentBy = `${host}:${port}`;
    if (port !== 0) this.advertisedSentBy = sentBy;
    return sentBy;
  }

  contact(flow: Flow): string {
    return `<sip:${this.sentBy(flow)}${flow.transport === 'tcp' ? ';transport=tcp' : ''}>`;
  }

  request(
    flow: Flow,
    fallback: { host: string; port: number } | undefined,
    build: (via: string) => Buffer,
    done: (outcome: ClientOutcome) => void,
  ): void {
    const branch = newBranch();
    const via = `SIP/2.0/${flow.transport.toUpperCase()} ${this.sentBy(flow)};branch=${branch};rport`;
    const bytes = build(via);
    this.transactions.start(branch, bytes, flow, () => this.transport.send(flow, bytes, fallback), done);
  }
}
