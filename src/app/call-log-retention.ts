// S11.1: the call log keeps a call for the tenant's `callLogDays` (default 90): older calls are
// dropped at start and then every hour, on the engine's clock.
import type { Logger } from 'pino';
import { callLogDays } from '../core/index.js';
import type { Clock, TimerHandle } from '../engine/index.js';
import type { Store } from '../store/index.js';

const DAY_MS = 24 * 3600_000;
export const CALL_LOG_PRUNE_EVERY_MS = 3600_000;

export class CallLogRetention {
  private timer: TimerHandle | undefined;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  start(): void {
    void this.run();
  }

  /** One round: every tenant's calls older than its retention go. */
  async run(): Promise<void> {
    this.timer = undefined;
    try {
      const now = this.clock.now();
      for (const t of await this.store.tenants()) {
        if (this.stopped) return;
        const n = await this.store.pruneCalls(t.id, now - callLogDays(t.policy) * DAY_MS);
        if (n > 0) this.logger.info({ surface: 'calls', tenant: t.id, pruned: n }, 'old calls left the call log');
      }
    } catch (e) {
      this.logger.warn({ surface: 'calls', err: (e as Error).message }, 'call log retention failed');
    }
    if (!this.stopped)
      this.timer = this.clock.setTimer(this.clock.now() + CALL_LOG_PRUNE_EVERY_MS, () => void this.run());
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }
}
