// S6.3: the outbox dispatcher. The store puts one outbox row per event per matching webhook in
// the same transaction as the event, so what the API acknowledged is already waiting here. This
// loop POSTs each due row, signed, and records the outcome: delivered on 2xx, else retried with
// exponential backoff until it gives up. The store hands out only the oldest pending row of each
// (webhook, subject) line, and a row stays pending while in flight, so one subject is never sent
// twice at once and never out of order; different subjects go out concurrently.
import type { OutboxRow, Store, WebhookRow } from '../store/index.js';
import { AddressPolicy, WebhookAddressError } from './address-policy.js';
import { policyPost } from './post.js';
import type { Post } from './post.js';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signature } from './signing.js';

export type DeliveryOutcome = 'delivered' | 'retry' | 'failed';

export interface DispatcherOptions {
  /** Deliveries in flight at once, across subjects. */
  readonly concurrency: number;
  /** One attempt is abandoned (and retried) after this long. */
  readonly timeoutMs: number;
  /** Wait after the first failed attempt; doubles after each further one. */
  readonly retryBaseMs: number;
  /** The longest wait between attempts. */
  readonly retryCapMs: number;
  /** After this many failed attempts the row is given up as failed. */
  readonly maxAttempts: number;
  /** Each wait is spread by up to ± this fraction, so many receivers do not retry in step. 0 in tests. */
  readonly jitterRatio: number;
  /** On stop, deliveries in flight get this long to finish before they are aborted (and stay pending). */
  readonly stopGraceMs: number;
}

export const DEFAULT_DISPATCHER_OPTIONS: DispatcherOptions = {
  concurrency: 8,
  timeoutMs: 10_000,
  retryBaseMs: 1_000,
  retryCapMs: 10 * 60_000,
  maxAttempts: 15,
  jitterRatio: 0.1,
  stopGraceMs: 2_000,
};

/** What the dispatcher needs of the metrics (the http Metrics fit it). */
export interface DispatcherMetrics {
  readonly webhookDeliveries: { inc(labels: { outcome: DeliveryOutcome }): void };
}

export interface DispatcherLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** The wait before the next attempt, after `attempts` failed ones: base · 2^(attempts−1), capped, ± jitter. */
export function retryDelayMs(
  attempts: number,
  o: Pick<DispatcherOptions, 'retryBaseMs' | 'retryCapMs' | 'jitterRatio'>,
  random: () => number = Math.random,
): number {
  const plain = Math.min(o.retryCapMs, o.retryBaseMs * 2 ** Math.max(0, attempts - 1));
  const spread = o.jitterRatio > 0 ? plain * o.jitterRatio * (random() * 2 - 1) : 0;
  return Math.max(0, Math.round(Math.min(o.retryCapMs, plain + spread)));
}

export interface DispatcherDeps {
  readonly metrics?: DispatcherMetrics;
  readonly log?: DispatcherLog;
  readonly now?: () => number;
  /** Where deliveries may go (default: public addresses only, no allow-list). */
  readonly addresses?: AddressPolicy;
  /** How a delivery is sent (default: node:http through the address policy). */
  readonly post?: Post;
  /** S10: the tenants this node delivers for — those it owns (default: every tenant). */
  readonly tenants?: () => readonly string[];
}

interface Flight {
  readonly controller: AbortController;
  /** Set when stop() aborts it: the attempt is not recorded and the row stays pending. */
  abandoned: boolean;
  done: Promise<void>;
}

/** setTimeout holds 32-bit delays; waking earlier than needed only costs one query. */
const MAX_SLEEP_MS = 60 * 60_000;

export class Dispatcher {
  private readonly o: DispatcherOptions;
  private readonly inflight = new Map<number, Flight>();
  /**
   * Rows whose delivery settled while dueOutbox was being answered: a networked store may answer
   * from before the settle, listing such a row as a pending head, and it must not go out twice.
   */
  private settledWhileLooking: Set<number> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private wakeQueued = false;
  private running = false;
  /** A look at the outbox is under way (the store answers asynchronously); a poke meanwhile looks again after it. */
  private pumping = false;
  private again = false;

  constructor(
    private readonly store: Store,
    options: Partial<DispatcherOptions> = {},
    private readonly deps: DispatcherDeps = {},
  ) {
    this.o = { ...DEFAULT_DISPATCHER_OPTIONS, ...options };
    this.post = deps.post ?? policyPost(deps.addresses ?? new AddressPolicy());
  }

  private readonly post: Post;

  /** Picks up whatever is pending (after a restart too) and keeps delivering until stop(). */
  start(): void {
    this.running = true;
    this.poke();
  }

  /** New rows may be due: look soon (coalesced to one look per event-loop turn). */
  poke(): void {
    if (!this.running || this.wakeQueued) return;
    this.wakeQueued = true;
    setImmediate(() => {
      this.wakeQueued = false;
      void this.pump();
    });
  }

  /** Deliveries in flight now (for tests and the operator view). */
  get inFlight(): number {
    return this.inflight.size;
  }

  /** Stops dispatching; lets deliveries in flight finish for the grace period, then aborts them (they stay pending). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const flights = [...this.inflight.values()];
    if (flights.length === 0) return;
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(flights.map((f) => f.done)),
      new Promise<void>((resolve) => (grace = setTimeout(resolve, this.o.stopGraceMs))),
    ]);
    clearTimeout(grace);
    for (const f of this.inflight.values()) {
      f.abandoned = true;
      f.controller.abort();
    }
    await Promise.all([...this.inflight.values()].map((f) => f.done));
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  private async pump(): Promise<void> {
    if (!this.running) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    try {
      await this.look();
    } catch (err) {
      this.deps.log?.error({ err }, 'webhook dispatch failed; retrying in a second');
      this.sleepUntil(this.now() + 1_000);
    } finally {
      this.pumping = false;
      if (this.again) {
        this.again = false;
        this.poke();
      }
    }
  }

  /** Launches the due heads there are free slots for, then sleeps until the next one. */
  private async look(): Promise<void> {
    const now = this.now();
    const free = this.o.concurrency - this.inflight.size;
    if (free > 0) {
      // Rows in flight are still pending heads, so ask for them plus the free slots.
      const settled = (this.settledWhileLooking = new Set());
      const rows = await this.store.dueOutbox(now, this.inflight.size + free, this.deps.tenants?.()).finally(() => {
        this.settledWhileLooking = undefined;
      });
      // Stopped while the store answered: nothing more is launched.
      if (!this.running) return;
      const hooks = new Map<string, readonly WebhookRow[]>();
      for (const row of rows) {
        if (this.inflight.has(row.id) || settled.has(row.id) || this.inflight.size >= this.o.concurrency) continue;
        let tenantHooks = hooks.get(row.tenant);
        if (tenantHooks === undefined) hooks.set(row.tenant, (tenantHooks = await this.store.webhooks(row.tenant)));
        const hook = tenantHooks.find((h) => h.id === row.webhookId);
        if (hook === undefined) {
          // Deleted since the row was queued (deleteWebhook fails its pending rows; this is the race).
          await this.store.markFailed(row.id, now, null, 'webhook deleted', null, 0);
          this.deps.metrics?.webhookDeliveries.inc({ outcome: 'failed' });
          continue;
        }
        this.launch(row, hook);
      }
    }
    await this.arm(now);
  }

  /**
   * Sleeps until the next head falls due (a retry). A due head not launched is in flight or waits
   * for a slot, and a finishing delivery wakes us; the short sleep covers anything else (a clock
   * step) without spinning.
   */
  private async arm(now: number): Promise<void> {
    const next = await this.store.nextOutboxAt(this.deps.tenants?.());
    if (next === undefined) return;
    if (next > now) this.sleepUntil(next);
    else if (this.inflight.size === 0) this.sleepUntil(now + 100);
  }

  private sleepUntil(at: number): void {
    if (!this.running) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.poke();
      },
      Math.min(MAX_SLEEP_MS, Math.max(0, at - this.now())),
    );
    this.timer.unref();
  }

  private launch(row: OutboxRow, hook: WebhookRow): void {
    const flight: Flight = { controller: new AbortController(), abandoned: false, done: Promise.resolve() };
    this.inflight.set(row.id, flight);
    flight.done = this.deliver(row, hook, flight).finally(() => {
      this.inflight.delete(row.id);
      this.settledWhileLooking?.add(row.id);
      this.poke();
    });
  }

  private async deliver(row: OutboxRow, hook: WebhookRow, flight: Flight): Promise<void> {
    const startedMs = performance.now();
    const timestampSec = Math.floor(this.now() / 1000);
    let timedOut = false;
    const timeout = setTimeout(() => {
      timedOut = true;
      flight.controller.abort();
    }, this.o.timeoutMs);
    let status: number | null = null;
    let error: string | null = null;
    let refused = false;
    try {
      status = await this.post({
        url: hook.url,
        body: row.body,
        signal: flight.controller.signal,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Switchboard-Webhooks/1',
          [TIMESTAMP_HEADER]: String(timestampSec),
          [SIGNATURE_HEADER]: signature(hook.secret, timestampSec, row.body),
          [EVENT_HEADER]: eventType(row.body),
          [DELIVERY_HEADER]: String(row.id),
        },
      });
      // A redirect is a failure to deliver: a signed body is not forwarded to another address.
      if (status < 200 || status >= 300) error = `HTTP ${status}`;
    } catch (err) {
      // A refused address is a setting to change, not a passing failure: given up at once, and
      // the log says only that it was refused, never whether anything listens there.
      refused = err instanceof WebhookAddressError;
      if (timedOut) error = `timed out after ${this.o.timeoutMs} ms`;
      else if (err instanceof WebhookAddressError) error = `${err.code}: ${err.message}`;
      else error = failureText(err);
    } finally {
      clearTimeout(timeout);
    }
    if (flight.abandoned) return;
    const now = this.now();
    const durationMs = Math.round(performance.now() - startedMs);
    try {
      if (error === null) {
        await this.store.markDelivered(row.id, now, status!, durationMs);
        this.deps.metrics?.webhookDeliveries.inc({ outcome: 'delivered' });
        return;
      }
      const attempts = row.attempts + 1;
      if (attempts >= this.o.maxAttempts || refused) {
        await this.store.markFailed(row.id, now, status, error, null, durationMs);
        this.deps.metrics?.webhookDeliveries.inc({ outcome: 'failed' });
        this.deps.log?.warn(
          { tenant: row.tenant, webhook: row.webhookId, delivery: row.id, attempts, error },
          'webhook delivery given up',
        );
        return;
      }
      await this.store.markFailed(row.id, now, status, error, now + retryDelayMs(attempts, this.o), durationMs);
      this.deps.metrics?.webhookDeliveries.inc({ outcome: 'retry' });
    } catch (err) {
      // Not recorded (the store failed): the row stays pending and is sent again — at least once.
      this.deps.log?.error({ err, delivery: row.id }, 'could not record a webhook delivery');
    }
  }
}

function eventType(body: string): string {
  try {
    const type = (JSON.parse(body) as { type?: unknown }).type;
    return typeof type === 'string' ? type : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The network failure in a few words: the socket error's code (ECONNREFUSED, ENOTFOUND …). */
function failureText(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  return err instanceof Error ? err.message : String(err);
}
