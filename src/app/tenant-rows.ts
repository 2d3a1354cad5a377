// The tenants served, in memory: the SIP server asks which tenant a domain is on every request,
// and wants the answer at once, while the store port is asynchronous. Rows are added when a
// tenant is added to the engine (at start, or created through the API).
import type { TenantId } from '../core/index.js';
import type { TenantRow } from '../store/index.js';

export class TenantRows {
  private readonly byId = new Map<TenantId, TenantRow>();
  private readonly byDomain = new Map<string, TenantRow>();

  add(row: TenantRow): void {
    this.byId.set(row.id, row);
    this.byDomain.set(row.sipDomain.toLowerCase(), row);
  }

  get(id: TenantId): TenantRow | undefined {
    return this.byId.get(id);
  }

  bySipDomain(domain: string): TenantRow | undefined {
    return this.byDomain.get(domain.toLowerCase());
  }

  /** The first tenant added (the oldest at start). */
  first(): TenantRow | undefined {
    return this.byId.values().next().value;
  }
}
