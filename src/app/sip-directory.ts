// What the SIP server is told of the rest: the tenant of a SIP domain and the users' digests
// (sipDirectory), the address its Via and Contact headers name, and the methods counted by name.
import { networkInterfaces } from 'node:os';
import type { TenantId } from '../core/index.js';
import type { Accounts } from '../auth/index.js';
import type { SipDirectory } from '../sip/index.js';
import type { Config } from './config.js';
import type { TenantRows } from './tenant-rows.js';

export const SIP_METHODS = new Set([
  'REGISTER',
  'SUBSCRIBE',
  'PUBLISH',
  'OPTIONS',
  'INVITE',
  'BYE',
  'CANCEL',
  'NOTIFY',
  'MESSAGE',
  'INFO',
  'UPDATE',
  'REFER',
  'PRACK',
]);

/** The address our Via and Contact headers name: the bound one, or the first outside interface. */
export function advertisedAddress(host: string): string {
  if (host !== '0.0.0.0' && host !== '::') return host;
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/**
 * S7.1: the tenant of a SIP domain, else — for requests addressed to this server's own address
 * or `localhost` — the default tenant; and the users' HA1 digests. Both come from memory (the
 * tenants served, the accounts layer's credentials); a domain's answer is cached briefly.
 */
export function sipDirectory(
  tenants: TenantRows,
  accounts: Accounts,
  config: Config,
  defaultTenant: () => TenantId | undefined,
): SipDirectory {
  const own = new Set(['localhost', '127.0.0.1', '::1', '[::1]', config.host.toLowerCase()]);
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) own.add(a.address.toLowerCase());
  const cache = new Map<string, { at: number; value: { tenant: TenantId; domain: string } | undefined }>();
  return {
    tenantForDomain(host) {
      const key = host.toLowerCase();
      const now = Date.now();
      const hit = cache.get(key);
      if (hit !== undefined && now - hit.at < 5000) return hit.value;
      let row = tenants.bySipDomain(key);
      if (row === undefined && own.has(key)) {
        const id = defaultTenant();
        row = id === undefined ? undefined : tenants.get(id);
      }
      const value = row === undefined ? undefined : { tenant: row.id, domain: row.sipDomain };
      if (cache.size > 10_000) cache.clear();
      cache.set(key, { at: now, value });
      return value;
    },
    // The accounts layer keeps credentials in memory and updates them on every write: a changed
    // SIP password applies to the next request.
    credentials(tenant, userId) {
      const row = accounts.credentials(tenant, userId);
      return row === undefined ? undefined : { sipHa1: row.sipHa1 ?? null, terminalHa1: row.terminalHa1 ?? null };
    },
  };
}
