// S10.2: commands for a tenant this node does not own go to its owner over NATS request/reply.
// The owner listens on the tenant's command subject while it owns it; the answer is the engine's
// outcome after the owner's commit, so an acknowledgement means what it means on one node.
//
// Which node owns a tenant is nobody's to tell: the request goes to whoever listens. A request
// nobody takes (no owner yet: a take-over, a hand-over, a start) and one the old owner declines
// (`notOwner`: it is handing the tenant over, or its commit was fenced, so nothing was applied)
// are sent again, with backoff, until the deadline; the caller waits instead of being refused.
// A request that times out is not sent again, since its owner may have applied it: the caller
// gets SWB_ERR_UNAVAILABLE and may retry (a status set twice is the same status).
import { RequestError, TimeoutError } from '@nats-io/transport-node';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { refuse } from '../core/index.js';
import type { Command, TenantId } from '../core/index.js';
import type { Outcome } from '../engine/index.js';
import { tenantToken } from './subject.js';

/** What the forwarder needs of the engine on the owner's side. */
export interface CommandTarget {
  owns(tenant: TenantId): boolean;
  dispatch(tenant: TenantId, command: Command): Promise<Outcome>;
}

export interface ForwarderOptions {
  /** Subjects `<prefix>.<tenant token>`; must lie outside the bus stream's subjects. */
  readonly prefix: string;
  /** How long a caller waits for an owner to appear (default 10 s). */
  readonly deadlineMs?: number;
  /** How long one request waits for its answer (default 5 s). */
  readonly requestTimeoutMs?: number;
}

export interface ForwarderStats {
  readonly forwarded: number;
  readonly retried: number;
  readonly served: number;
  readonly declined: number;
  readonly timedOut: number;
}

type Answer = { readonly notOwner: true } | { readonly outcome: Outcome };

const UNANSWERED = refuse(
  'SWB_ERR_UNAVAILABLE',
  undefined,
  'The node that owns this company did not answer in time; the change may or may not have been made. Try again.',
);
const UNREADABLE = refuse('SWB_ERR_VALIDATION', undefined, 'The forwarded command could not be read.');
const NO_OWNER = refuse('SWB_ERR_UNAVAILABLE', undefined, 'No node owns this company just now; try again shortly.');

export class Forwarder {
  private readonly served = new Map<TenantId, Subscription>();
  private readonly counts = { forwarded: 0, retried: 0, served: 0, declined: 0, timedOut: 0 };
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder();

  constructor(
    private readonly nc: NatsConnection,
    private readonly target: CommandTarget,
    private readonly options: ForwarderOptions,
  ) {}

  /** Sends the command to the tenant's owner; answers its outcome after the owner's commit. */
  async forward(tenant: TenantId, command: Command): Promise<Outcome> {
    this.counts.forwarded++;
    const subject = this.subject(tenant);
    const data = this.encoder.encode(JSON.stringify(command));
    const deadline = Date.now() + (this.options.deadlineMs ?? 10_000);
    for (let attempt = 0; ; attempt++) {
      const answer = await this.ask(subject, data);
      if (answer === 'timeout') return UNANSWERED;
      if (answer !== 'nobody' && !('notOwner' in answer)) return answer.outcome;
      if (Date.now() >= deadline) return NO_OWNER;
      this.counts.retried++;
      await new Promise((resolve) => setTimeout(resolve, Math.min(250, 10 * 2 ** attempt)));
    }
  }

  /** Starts answering the tenant's commands (this node has taken its lease). */
  serve(tenant: TenantId): void {
    if (this.served.has(tenant)) return;
    const sub: Subscription = this.nc.subscribe(this.subject(tenant), {
      callback: (err, msg) => {
        if (err !== null) return;
        // A subscription being drained (unserve) only declines: a newer one may serve the tenant again.
        const answer =
          this.served.get(tenant) === sub ? this.answer(tenant, msg.data) : Promise.resolve(this.decline());
        // A request that cannot be read (not a command) is answered with a refusal, never thrown on.
        void answer
          .catch((): Answer => ({ outcome: UNREADABLE }))
          .then((a) => msg.respond(this.encoder.encode(JSON.stringify(a))))
          .catch(() => {}); // the connection closed meanwhile: the asker times out and is told so
      },
    });
    this.served.set(tenant, sub);
  }

  /**
   * Stops answering (a hand-over, a lost lease): requests go to the next owner. The subscription
   * is drained, not dropped: a request NATS delivered before it heard of the end is declined, so
   * its asker tries the next owner at once instead of waiting out its timeout.
   */
  unserve(tenant: TenantId): void {
    const sub = this.served.get(tenant);
    this.served.delete(tenant);
    void sub?.drain().catch(() => {});
  }

  stats(): ForwarderStats {
    return { ...this.counts };
  }

  private async answer(tenant: TenantId, data: Uint8Array): Promise<Answer> {
    // Asked and dispatched in one turn: the tenant cannot change hands between the two.
    if (!this.target.owns(tenant)) return this.decline();
    this.counts.served++;
    const outcome = await this.target.dispatch(tenant, JSON.parse(this.decoder.decode(data)) as Command);
    // S10.4: a commit refused because another node took the tenant changed nothing: the caller asks it.
    if (!outcome.ok && !this.target.owns(tenant)) return this.decline();
    return { outcome };
  }

  private decline(): Answer {
    this.counts.declined++;
    return { notOwner: true };
  }

  private async ask(subject: string, data: Uint8Array): Promise<Answer | 'nobody' | 'timeout'> {
    try {
      const msg = await this.nc.request(subject, data, { timeout: this.options.requestTimeoutMs ?? 5000 });
      return JSON.parse(this.decoder.decode(msg.data)) as Answer;
    } catch (err) {
      if (err instanceof RequestError && err.isNoResponders()) return 'nobody';
      if (err instanceof TimeoutError || (err instanceof RequestError && err.cause instanceof TimeoutError)) {
        this.counts.timedOut++;
        return 'timeout';
      }
      return 'nobody';
    }
  }

  private subject(tenant: TenantId): string {
    return `${this.options.prefix}.${tenantToken(tenant)}`;
  }
}
