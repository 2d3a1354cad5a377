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
//
// The deadline follows the caller: the retries stop once its client has gone (`signal`, the HTTP
// request closed) or its time is up, and every request carries the time it was sent and how long
// its asker waits for the answer (`sentAt`, `budgetMs`). The owner applies a command only while
// the asker still waits, with `clockSlackMs` to spare for the nodes' clocks disagreeing, and
// declines it as expired after: a command its asker gave up on is never applied later.
// A node that takes a tenant says so (`ownerAppeared`): the commands waiting for an owner are
// sent again at once rather than after their backoff.
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
  /** How far apart the nodes' clocks may be (default 1 s): the owner stops applying this much early. */
  readonly clockSlackMs?: number;
}

/** The caller's side of one forwarded command. */
export interface ForwardOptions {
  /** Aborted when the caller's client has gone (its HTTP request closed): no more retries. */
  readonly signal?: AbortSignal | undefined;
  /** How long the caller waits at most, retries included (default: the forwarder's `deadlineMs`). */
  readonly deadlineMs?: number;
}

/** What goes over NATS: the command, when it was sent (the sender's clock) and how long its asker waits. */
interface Request {
  readonly command: Command;
  readonly sentAt: number;
  readonly budgetMs: number;
}

export interface ForwarderStats {
  readonly forwarded: number;
  readonly retried: number;
  readonly served: number;
  readonly declined: number;
  readonly expired: number;
  readonly timedOut: number;
  readonly abandoned: number;
}

type Answer = { readonly notOwner: true } | { readonly expired: true } | { readonly outcome: Outcome };
/** The answers to several requests sent as one message, in their order. */
interface Answers {
  readonly answers: readonly Answer[];
}
type Asked = Answer | 'nobody' | 'timeout';
/** When a request arrived, and whether through the subscription that serves the tenant now (not one being drained). */
interface Arrival {
  readonly receivedAt: number;
  readonly serving: boolean;
}
/** A request waiting for this turn's message to its owner, and its caller. */
interface Asking {
  readonly request: Request;
  readonly done: (asked: Asked) => void;
}

const UNANSWERED = refuse(
  'SWB_ERR_UNAVAILABLE',
  undefined,
  'The node that owns this company did not answer in time; the change may or may not have been made. Try again.',
);
const UNREADABLE = refuse('SWB_ERR_VALIDATION', undefined, 'The forwarded command could not be read.');
const NO_OWNER = refuse('SWB_ERR_UNAVAILABLE', undefined, 'No node owns this company just now; try again shortly.');
const EXPIRED = refuse(
  'SWB_ERR_UNAVAILABLE',
  undefined,
  'The change reached the node that owns this company too late and was not made. Try again.',
);

export class Forwarder {
  private readonly served = new Map<TenantId, Subscription>();
  /** The commands waiting (between two tries) for the tenant to get an owner: each one's wake-up. */
  private readonly waiting = new Map<TenantId, Set<() => void>>();
  private readonly counts = { forwarded: 0, retried: 0, served: 0, declined: 0, expired: 0, timedOut: 0, abandoned: 0 };
  /** Requests asked in this turn, by owner subject: they go as one message (ask). */
  private readonly asking = new Map<string, Asking[]>();
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder();

  constructor(
    private readonly nc: NatsConnection,
    private readonly target: CommandTarget,
    private readonly options: ForwarderOptions,
  ) {}

  /**
   * Sends the command to the tenant's owner; answers its outcome after the owner's commit. Stops
   * sending it again once the caller's client has gone or its deadline has passed.
   */
  async forward(tenant: TenantId, command: Command, options: ForwardOptions = {}): Promise<Outcome> {
    this.counts.forwarded++;
    const subject = this.subject(tenant);
    const deadline = Date.now() + (options.deadlineMs ?? this.options.deadlineMs ?? 10_000);
    for (let attempt = 0; ; attempt++) {
      if (options.signal?.aborted === true) return this.abandon();
      const budgetMs = Math.min(this.options.requestTimeoutMs ?? 5000, deadline - Date.now());
      if (budgetMs <= this.slackMs()) return NO_OWNER;
      const answer = await this.ask(subject, { command, sentAt: Date.now(), budgetMs });
      if (answer === 'timeout') return UNANSWERED;
      if (answer !== 'nobody' && 'expired' in answer) return EXPIRED;
      if (answer !== 'nobody' && 'outcome' in answer) return answer.outcome;
      this.counts.retried++;
      await this.pause(tenant, Math.min(250, 10 * 2 ** attempt, deadline - Date.now()), options.signal);
    }
  }

  /** S10.3: a node took the tenant: the commands waiting for an owner are sent again now. */
  ownerAppeared(tenant: TenantId): void {
    for (const wake of [...(this.waiting.get(tenant) ?? [])]) wake();
  }

  /** Starts answering the tenant's commands (this node has taken its lease). */
  serve(tenant: TenantId): void {
    if (this.served.has(tenant)) return;
    const sub: Subscription = this.nc.subscribe(this.subject(tenant), {
      callback: (err, msg) => {
        if (err !== null) return;
        // A subscription being drained (unserve) only declines: a newer one may serve the tenant again.
        const serving = this.served.get(tenant) === sub;
        // A request that cannot be read (not a command) is answered with a refusal, never thrown on.
        void this.answer(tenant, msg.data, { receivedAt: Date.now(), serving })
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

  /** One request, answered with one answer; or several (`requests`), answered with `answers` in order. */
  private async answer(tenant: TenantId, data: Uint8Array, arrival: Arrival): Promise<Answer | Answers> {
    const parsed = JSON.parse(this.decoder.decode(data)) as Request | { readonly requests?: unknown };
    if (!('requests' in parsed)) return this.start(tenant, parsed as Request, arrival);
    if (!Array.isArray(parsed.requests)) return { outcome: UNREADABLE };
    // Every command is dispatched in this turn, in order: they join one batch of the engine.
    const started = (parsed.requests as unknown[]).map((r) =>
      typeof r === 'object' && r !== null && 'command' in r
        ? this.start(tenant, r as Request, arrival)
        : Promise.resolve<Answer>({ outcome: UNREADABLE }),
    );
    return { answers: await Promise.all(started) };
  }

  /** Checks and dispatches one command at once (in the caller's turn); the answer follows the commit. */
  private start(tenant: TenantId, request: Request, arrival: Arrival): Promise<Answer> {
    // S10.2: the asker waits `budgetMs` from `sentAt` (its clock); past that, less the clocks'
    // slack, it may have answered 503 already: the command is declined, never applied late.
    const applyBy = Math.min(request.sentAt, arrival.receivedAt) + request.budgetMs - this.slackMs();
    if (!(Date.now() < applyBy)) return Promise.resolve(this.expire());
    // Asked and dispatched in one turn: the tenant cannot change hands between the two.
    if (!arrival.serving || !this.target.owns(tenant)) return Promise.resolve(this.decline());
    this.counts.served++;
    return this.target.dispatch(tenant, request.command).then((outcome): Answer => {
      // S10.4: a commit refused because another node took the tenant changed nothing: the caller asks it.
      if (!outcome.ok && !this.target.owns(tenant)) return this.decline();
      return { outcome };
    });
  }

  private expire(): Answer {
    this.counts.expired++;
    return { expired: true };
  }

  private abandon(): Outcome {
    this.counts.abandoned++;
    return NO_OWNER;
  }

  private slackMs(): number {
    return this.options.clockSlackMs ?? 1000;
  }

  private decline(): Answer {
    this.counts.declined++;
    return { notOwner: true };
  }

  /**
   * Sends the request with the others asked of the same owner in this turn of the event loop: one
   * NATS message for them all (`requests`), which the owner dispatches together. A lone one goes
   * as it is. Each caller gets its own answer; the message waits as long as the longest budget.
   */
  private ask(subject: string, request: Request): Promise<Asked> {
    return new Promise((done) => {
      const list = this.asking.get(subject);
      if (list !== undefined) list.push({ request, done });
      else this.asking.set(subject, [{ request, done }]);
      if (this.asking.size === 1 && list === undefined) setImmediate(() => this.sendAsked());
    });
  }

  private sendAsked(): void {
    const groups = [...this.asking];
    this.asking.clear();
    for (const [subject, list] of groups) void this.sendGroup(subject, list);
  }

  private async sendGroup(subject: string, list: readonly Asking[]): Promise<void> {
    if (list.length === 1) {
      const only = list[0]!;
      only.done((await this.request(subject, only.request, only.request.budgetMs)) as Asked);
      return;
    }
    const budgetMs = Math.max(...list.map((a) => a.request.budgetMs));
    const reply = await this.request(subject, { requests: list.map((a) => a.request) }, budgetMs);
    if (reply === 'timeout') this.counts.timedOut += list.length - 1;
    list.forEach((a, i) => {
      if (typeof reply === 'string') return a.done(reply as 'nobody' | 'timeout');
      const answer = (reply as Partial<Answers>).answers?.[i];
      a.done(answer ?? { outcome: UNREADABLE });
    });
  }

  private async request(subject: string, body: unknown, timeout: number): Promise<unknown> {
    try {
      const msg = await this.nc.request(subject, this.encoder.encode(JSON.stringify(body)), { timeout });
      return JSON.parse(this.decoder.decode(msg.data)) as unknown;
    } catch (err) {
      if (err instanceof RequestError && err.isNoResponders()) return 'nobody';
      if (err instanceof TimeoutError || (err instanceof RequestError && err.cause instanceof TimeoutError)) {
        this.counts.timedOut++;
        return 'timeout';
      }
      return 'nobody';
    }
  }

  /** Waits `ms`, or less if the caller goes or a node takes the tenant meanwhile. */
  private pause(tenant: TenantId, ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const wakes = this.waiting.get(tenant) ?? new Set<() => void>();
      this.waiting.set(tenant, wakes);
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        wakes.delete(done);
        if (wakes.size === 0 && this.waiting.get(tenant) === wakes) this.waiting.delete(tenant);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal?.addEventListener('abort', done, { once: true });
      wakes.add(done);
    });
  }

  private subject(tenant: TenantId): string {
    return `${this.options.prefix}.${tenantToken(tenant)}`;
  }
}
