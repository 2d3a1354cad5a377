// S10.5: which live node should own a tenant — rendezvous (highest random weight) hashing: each
// node scores each tenant, the highest score wins. Every node computes the same answer from the
// same list of live nodes, tenants spread evenly, and a node joining or leaving moves only the
// tenants it wins or held (about 1/n of them), never reshuffling the rest.
import { createHash } from 'node:crypto';
import type { TenantId } from '../core/index.js';

function score(tenant: TenantId, node: string): bigint {
  return createHash('sha256').update(tenant).update('\u0000').update(node).digest().readBigUInt64BE(0);
}

/** The node that should own the tenant, or undefined when no node is live. */
export function ownerOf(tenant: TenantId, nodes: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = -1n;
  for (const node of nodes) {
    const s = score(tenant, node);
    if (s > bestScore || (s === bestScore && best !== undefined && node < best)) {
      best = node;
      bestScore = s;
    }
  }
  return best;
}
