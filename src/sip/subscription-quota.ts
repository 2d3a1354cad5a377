// S7.2, S8.3: how many subscriptions may be held, so one watcher or one tenant cannot use up the
// server's pool (each subscription holds memory, and every change of the watched user costs a
// NOTIFY per subscription). Four limits, checked in this order:
//   the server's pool        503 Service Unavailable, Retry-After (the operator's capacity)
//   per tenant               503 Service Unavailable (too many subscriptions in this company)
//   per watching user        403 Forbidden (too many subscriptions by this user)
//   per watcher and target   403 Forbidden (too many subscriptions to the same user)
// Each refusal but the pool's carries SWB_ERR_SUBSCRIPTION_LIMIT in a Warning (RFC 3261 §20.43).
// A tenant at its limit is a 503 with Retry-After: room comes back as its subscriptions end, and
// it is not the phone's fault. A user at theirs is a 403: that user's own phones hold the lot,
// asking again later changes nothing until they unsubscribe.
// SUBSCRIBEs in flight (authenticated, not yet stored) count as held, so a burst in one turn of
// the event loop cannot overshoot a limit.
import { ERRORS } from '../core/index.js';
import type { TenantId, UserId } from '../core/index.js';
import { warningValue } from './call-answers.js';
import type { HeaderList } from './message.js';
import { sipStatus } from './refusals.js';

export interface SubscriptionLimits {
  /** Server-wide. */
  readonly maxSubscriptions: number;
  readonly maxSubscriptionsPerTenant: number;
  /** Held by one watching user, over all their phones. */
  readonly maxSubscriptionsPerUser: number;
  /** Held by one watching user to one target (several phones, several event packages). */
  readonly maxSubscriptionsPerPair: number;
}

export const DEFAULT_SUBSCRIPTION_LIMITS: SubscriptionLimits = {
  maxSubscriptions: 500_000,
  maxSubscriptionsPerTenant: 100_000,
  maxSubscriptionsPerUser: 500,
  maxSubscriptionsPerPair: 16,
};

export interface QuotaRefusal {
  readonly status: number;
  readonly reason: string;
  readonly headers: HeaderList;
}

const RETRY_AFTER_SEC = '60';

function limitWarning(): [string, string] {
  return ['Warning', warningValue('switchboard', `SWB_ERR_SUBSCRIPTION_LIMIT: ${ERRORS.SWB_ERR_SUBSCRIPTION_LIMIT}`)];
}

function bump(map: Map<string, number>, key: string, by: number): void {
  const n = (map.get(key) ?? 0) + by;
  if (n <= 0) map.delete(key);
  else map.set(key, n);
}

export class SubscriptionQuota {
  /** Held and in flight, per tenant. */
  private readonly tenants = new Map<TenantId, number>();
  /** In flight, per watcher (`tenant \0 watcher`) and per pair (`… \0 target`); empty when idle. */
  private readonly pending = new Map<string, number>();
  private pendingTotal = 0;

  constructor(
    private readonly limits: SubscriptionLimits,
    /** The subscriptions held by a watcher, by `tenant \0 watcher`. */
    private readonly watching: (watcherKey: string) => ReadonlySet<{ readonly target: UserId }> | undefined,
    /** Every subscription held. */
    private readonly held: () => number,
  ) {}

  /**
   * Admits one more subscription, counted from now on, or says why not. An admitted one is then
   * `settle`d: kept (the presence server holds it) or not made.
   */
  admit(tenant: TenantId, watcher: UserId, target: UserId): QuotaRefusal | undefined {
    const { limits } = this;
    if (this.held() + this.pendingTotal >= limits.maxSubscriptions) {
      return { status: 503, reason: 'Service Unavailable', headers: [['Retry-After', RETRY_AFTER_SEC]] };
    }
    if ((this.tenants.get(tenant) ?? 0) >= limits.maxSubscriptionsPerTenant) {
      return {
        status: 503,
        reason: 'Service Unavailable (too many subscriptions in this company)',
        headers: [['Retry-After', RETRY_AFTER_SEC], limitWarning()],
      };
    }
    const w = `${tenant}\u0000${watcher}`;
    const pair = `${w}\u0000${target}`;
    const mine = this.watching(w);
    if ((mine?.size ?? 0) + (this.pending.get(w) ?? 0) >= limits.maxSubscriptionsPerUser) {
      return {
        status: sipStatus('SWB_ERR_SUBSCRIPTION_LIMIT'),
        reason: 'Forbidden (too many subscriptions by this user)',
        headers: [limitWarning()],
      };
    }
    let same = this.pending.get(pair) ?? 0;
    if (mine !== undefined) for (const s of mine) if (s.target === target) same++;
    if (same >= limits.maxSubscriptionsPerPair) {
      return {
        status: sipStatus('SWB_ERR_SUBSCRIPTION_LIMIT'),
        reason: 'Forbidden (too many subscriptions to the same user)',
        headers: [limitWarning()],
      };
    }
    bump(this.pending, w, 1);
    bump(this.pending, pair, 1);
    this.pendingTotal++;
    bump(this.tenants, tenant, 1);
    return undefined;
  }

  /** An admitted subscription is no longer in flight: `kept` once the presence server holds it. */
  settle(tenant: TenantId, watcher: UserId, target: UserId, kept: boolean): void {
    const w = `${tenant}\u0000${watcher}`;
    bump(this.pending, w, -1);
    bump(this.pending, `${w}\u0000${target}`, -1);
    this.pendingTotal--;
    if (!kept) bump(this.tenants, tenant, -1);
  }

  /** A subscription held without being admitted: restored at start (S8.2). */
  restored(tenant: TenantId): void {
    bump(this.tenants, tenant, 1);
  }

  /** A held subscription ended. */
  ended(tenant: TenantId): void {
    bump(this.tenants, tenant, -1);
  }

  /** Held and in flight in a tenant (for tests and the operator). */
  tenantCount(tenant: TenantId): number {
    return this.tenants.get(tenant) ?? 0;
  }
}
