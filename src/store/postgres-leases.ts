// S10.1, S10.3, S10.4: the owners of tenants when several nodes share PostgreSQL. A lease is a row
// (tenant, node, fence, expires_at); time is the database's own clock, so the nodes' clocks may
// disagree without two of them owning a tenant. Taking a lease — free, run out, or our own from a
// process before this one — raises its fence and starts the tenant's new epoch in the same
// transaction; the journal refuses a commit whose fence is not the lease's (postgres-journal.ts),
// so a node that lost a lease (paused, cut off) can change nothing more, however late it wakes.
import { randomBytes } from 'node:crypto';
import { fencedEpoch } from '../core/index.js';
import type { TenantId } from '../core/index.js';
import type { PgDb } from './postgres-db.js';

/** The database's clock in milliseconds. */
const NOW = `(extract(epoch from clock_timestamp()) * 1000)::bigint`;

/** A lease a node holds: the fence its commits carry and the epoch its events are stamped with. */
export interface Grant {
  readonly tenant: TenantId;
  readonly fence: number;
  readonly epoch: string;
}

/** Who owns a tenant, as the table says now. */
export interface LeaseRow {
  readonly tenant: TenantId;
  readonly node: string;
  readonly fence: number;
  /** Whether the lease has not run out. */
  readonly live: boolean;
}

/** S6.1, S10.3: a new owner's epoch names its fence, so any node can tell which epoch is newer. */
export const epochOf = (fence: number): string => fencedEpoch(fence, randomBytes(4).toString('hex'));

export class PgLeases {
  constructor(private readonly db: PgDb) {}

  /**
   * Takes the tenant's lease for `ttlMs` when it is free, run out, or already this node's (a
   * restarted process takes over from its predecessor): the fence rises and a new epoch starts.
   * Undefined when another node holds it.
   */
  acquire(tenant: TenantId, node: string, ttlMs: number): Promise<Grant | undefined> {
    return this.db.tx(async (c) => {
      const r = await c.query<{ fence: string }>(
        `INSERT INTO tenant_leases (tenant, node, fence, expires_at) VALUES ($1, $2, 1, ${NOW} + $3)
         ON CONFLICT (tenant) DO UPDATE SET node = $2, fence = tenant_leases.fence + 1, expires_at = ${NOW} + $3
         WHERE tenant_leases.expires_at < ${NOW} OR tenant_leases.node = $2
         RETURNING fence`,
        [tenant, node, ttlMs],
      );
      const row = r.rows[0];
      if (row === undefined) return undefined;
      const fence = Number(row.fence);
      const epoch = epochOf(fence);
      const t = await c.query('UPDATE tenants SET epoch = $2 WHERE id = $1', [tenant, epoch]);
      if ((t.rowCount ?? 0) === 0) throw new Error(`tenant ${tenant} is not in the store`);
      return { tenant, fence, epoch };
    });
  }

  /** Extends the leases this node still holds under these fences; answers the tenants renewed. */
  async renew(node: string, held: readonly Grant[], ttlMs: number): Promise<Set<TenantId>> {
    if (held.length === 0) return new Set();
    const rows = await this.db.rows(
      `UPDATE tenant_leases AS l SET expires_at = ${NOW} + $4
       FROM unnest($2::text[], $3::bigint[]) AS h(tenant, fence)
       WHERE l.tenant = h.tenant AND l.fence = h.fence AND l.node = $1
       RETURNING l.tenant`,
      [node, held.map((g) => g.tenant), held.map((g) => g.fence), ttlMs],
    );
    return new Set(rows.map((r) => String(r.tenant)));
  }

  /** Gives a lease up at once (a graceful hand-over): the next owner need not wait for it to run out. */
  async release(grant: Grant, node: string): Promise<void> {
    await this.db.run('UPDATE tenant_leases SET expires_at = 0 WHERE tenant = $1 AND node = $2 AND fence = $3', [
      grant.tenant,
      node,
      grant.fence,
    ]);
  }

  async leases(): Promise<LeaseRow[]> {
    const rows = await this.db.rows(`SELECT tenant, node, fence, expires_at >= ${NOW} AS live FROM tenant_leases`);
    return rows.map((r) => ({
      tenant: String(r.tenant),
      node: String(r.node),
      fence: Number(r.fence),
      live: r.live === true,
    }));
  }

  /** Says the node is alive (and where its HTTP is, for the operator). */
  async beat(node: string, address: string): Promise<void> {
    await this.db.run(
      `INSERT INTO cluster_nodes (node, seen_at, address) VALUES ($1, ${NOW}, $2)
       ON CONFLICT (node) DO UPDATE SET seen_at = excluded.seen_at, address = excluded.address`,
      [node, address],
    );
  }

  /** The node leaves: the others stop counting it at once. */
  async leave(node: string): Promise<void> {
    await this.db.run('DELETE FROM cluster_nodes WHERE node = $1', [node]);
  }

  /** The nodes seen within `ttlMs`, sorted. */
  async liveNodes(ttlMs: number): Promise<string[]> {
    const rows = await this.db.rows(`SELECT node FROM cluster_nodes WHERE seen_at >= ${NOW} - $1 ORDER BY node`, [
      ttlMs,
    ]);
    return rows.map((r) => String(r.node));
  }
}
