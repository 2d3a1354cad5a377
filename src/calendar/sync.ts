// S11.3: keeps every linked calendar in step: each user's feed is fetched every `intervalMs` (and
// at once on "refresh now"), read into busy windows, and handed to the core as `calendar.sync`; a
// feed that fails is reported as `calendar.failed` and the schedule stays as it was. One fetch per
// user at a time. The URL may hold a secret: it is never logged.
import type { Engine } from '../engine/index.js';
import type { TenantId, UserId } from '../core/index.js';
import type { FetchFeed } from './fetch.js';
import { FeedError, busyWindows } from './parse.js';

export interface CalendarSyncOptions {
  readonly engine: Engine;
  readonly fetchFeed: FetchFeed;
  /** How often each feed is fetched. */
  readonly intervalMs?: number;
  /** How often the service looks for feeds due. */
  readonly tickMs?: number;
  /** Feeds fetched at once, at most. */
  readonly concurrency?: number;
  readonly log?: (detail: Record<string, unknown>, message: string) => void;
}

export const CALENDAR_INTERVAL_MS = 10 * 60_000;

export class CalendarSync {
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly lastTry = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: CalendarSyncOptions) {}

  /** Fetch a user's feed now and apply it; resolves once the outcome is applied (never rejects). */
  refresh(tenant: TenantId, userId: UserId): Promise<void> {
    const key = `${tenant}\n${userId}`;
    const running = this.inFlight.get(key);
    if (running !== undefined) return running;
    const run = this.fetchAndApply(tenant, userId).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, run);
    return run;
  }

  private async fetchAndApply(tenant: TenantId, userId: UserId): Promise<void> {
    const { engine } = this.options;
    const url = engine.state(tenant)?.users.get(userId)?.calendar?.url;
    if (url === undefined) return;
    this.lastTry.set(`${tenant}\n${userId}`, engine.now());
    try {
      const text = await this.options.fetchFeed(url);
      const windows = busyWindows(text, engine.now());
      await engine.dispatch(tenant, { type: 'calendar.sync', userId, url, windows });
    } catch (err) {
      const error = err instanceof FeedError ? err.message : 'the calendar could not be read';
      this.options.log?.({ tenant, user: userId, error }, 'calendar fetch failed');
      await engine.dispatch(tenant, { type: 'calendar.failed', userId, url, error }).catch(() => undefined);
    }
  }

  /** Starts fetching the feeds that are due, every tick. */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.tick(), this.options.tickMs ?? 30_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The feeds due now (the engine's owned tenants only), fetched up to the concurrency. */
  tick(): void {
    const { engine } = this.options;
    const now = engine.now();
    const interval = this.options.intervalMs ?? CALENDAR_INTERVAL_MS;
    let room = (this.options.concurrency ?? 4) - this.inFlight.size;
    for (const tenant of engine.tenantIds()) {
      if (!engine.owns(tenant)) continue;
      for (const user of engine.state(tenant)?.users.values() ?? []) {
        if (room <= 0) return;
        if (user.calendar === undefined) continue;
        const key = `${tenant}\n${user.id}`;
        const last = Math.max(this.lastTry.get(key) ?? 0, user.calendar.lastSuccessAt ?? 0);
        if (now - last < interval || this.inFlight.has(key)) continue;
        room -= 1;
        void this.refresh(tenant, user.id);
      }
    }
  }
}
