// Where a tenant's batches go on NATS: one subject per tenant, `<prefix>.<token>.batch`, so a
// stream holds every tenant under `<prefix>.>` and a node may one day listen to a few tenants
// only. A subject token may not hold `.`, `*`, `>` or white space, and a tenant id is any string:
// every character outside [A-Za-z0-9-] is written `_` and its UTF-8 bytes in hex (`_` itself
// too), so two tenants never share a token and the token reads like the id when it is plain.
import type { TenantId } from '../core/index.js';

const PLAIN = /^[A-Za-z0-9-]$/;
const encoder = new TextEncoder();

/** The tenant id as one subject token (never empty: the empty id is `_`). */
export function tenantToken(tenant: TenantId): string {
  if (tenant === '') return '_';
  let token = '';
  for (const ch of tenant) {
    if (PLAIN.test(ch)) token += ch;
    else for (const byte of encoder.encode(ch)) token += `_${byte.toString(16).padStart(2, '0')}`;
  }
  return token;
}

/** The subject of one tenant's committed batches. */
export function batchSubject(prefix: string, tenant: TenantId): string {
  return `${prefix}.${tenantToken(tenant)}.batch`;
}

/** The subjects of every tenant's batches, as a stream or a consumer names them. */
export function allBatches(prefix: string): string {
  return `${prefix}.>`;
}

/** A prefix is dot-separated plain tokens (no wildcard, no space), e.g. `swb.t`. */
export function validPrefix(prefix: string): boolean {
  return /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(prefix);
}
