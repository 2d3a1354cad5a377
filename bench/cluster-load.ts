// The cluster bench's HTTP side: a lean keep-alive client per node (lean-http.ts), the tenants and
// users it makes through the REST API, and the closed-loop load of status changes whose
// acknowledged (200) answers it counts.
import { LeanHttp } from './lean-http.js';
import type { Answer } from './lean-http.js';

export type { Answer };

export class HttpNode {
  private readonly http: LeanHttp;
  constructor(
    readonly port: number,
    sockets: number,
  ) {
    this.http = new LeanHttp(port, sockets);
  }

  call(method: string, path: string, token: string, body?: unknown, timeoutMs = 30_000): Promise<Answer> {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (data !== undefined) headers['content-type'] = 'application/json';
    return this.http.call(method, path, headers, data, timeoutMs);
  }

  close(): void {
    this.http.close();
  }
}

export const ADMIN_PASSWORD = 'bench-admin-pass';
export const tenantId = (t: number): string => `c${String(t).padStart(3, '0')}`;
export const domainOf = (tenant: string): string => `${tenant}.bench.test`;
/** The first users of each tenant get a SIP password (cluster-watch.ts sipPassword), to register. */
export const SIP_USERS = 25;
export const userExt = (i: number): string => String(1000 + i);

/** A tenant with its admin (id u100, extension 100) and `users` plain users u1000…, no passwords. */
export async function makeTenant(node: HttpNode, systemToken: string, tenant: string, users: number): Promise<void> {
  const admin = { id: 'u100', extension: '100', name: 'Admin', password: ADMIN_PASSWORD };
  const made = await node.call('POST', '/api/v1/tenants', systemToken, {
    id: tenant,
    name: `Bench ${tenant}`,
    sipDomain: domainOf(tenant),
    admin,
  });
  if (made.status !== 201) throw new Error(`creating ${tenant}: ${made.status} ${made.body}`);
  const token = await login(node, tenant);
  for (let from = 0; from < users; from += 2500) {
    const rows = [];
    for (let i = from; i < Math.min(users, from + 2500); i++)
      rows.push({
        id: `u${userExt(i)}`,
        extension: userExt(i),
        name: `User ${i}`,
        role: 'user',
        ...(i < SIP_USERS ? { sipPassword: `sip-${userExt(i)}-pass` } : {}),
      });
    const r = await node.call('POST', '/api/v1/users/import', token, { users: rows }, 300_000);
    if (r.status !== 200 || !r.body.includes(`"imported":${rows.length}`))
      throw new Error(`importing into ${tenant}: ${r.status} ${r.body.slice(0, 300)}`);
  }
}

/** The tenant admin's bearer token on this node. */
export async function login(node: HttpNode, tenant: string): Promise<string> {
  const r = await node.call('POST', '/api/v1/auth/login', '', { tenant, username: '100', password: ADMIN_PASSWORD });
  if (r.status !== 200) throw new Error(`login to ${tenant} on :${node.port}: ${r.status} ${r.body}`);
  return (JSON.parse(r.body) as { token: string }).token;
}

/** Signs in to every tenant on every node: tokens[node index].get(tenant). */
export async function loginAll(nodes: readonly HttpNode[], tenants: readonly string[]): Promise<Map<string, string>[]> {
  const out: Map<string, string>[] = [];
  for (const n of nodes) {
    const m = new Map<string, string>();
    for (const t of tenants) m.set(t, await login(n, t));
    out.push(m);
  }
  return out;
}

let flip = 0;
/** A status change: dnd and away in turn, each with a text naming the change (`k<n>`). */
export function statusBody(n: number): { status: string; text: string } {
  return { status: n % 2 === 0 ? 'dnd' : 'away', text: `k${n}` };
}

export interface LoadResult {
  readonly acknowledged: number;
  readonly refused: number;
  readonly failed: number;
  readonly seconds: number;
  readonly perSec: number;
  readonly meanMs: number;
  /** PUT → 200 of the acknowledged changes. */
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface LoadPlan {
  readonly nodes: readonly HttpNode[];
  readonly tokens: readonly Map<string, string>[];
  readonly tenants: readonly string[];
  readonly users: number;
  /** Which node a change for a tenant goes to: any (as a load balancer would) or its owner. */
  readonly route: (tenant: string, k: number) => number;
  readonly concurrency: number;
  readonly seconds: number;
}

/** Closed loop: `concurrency` changes in flight, each a random user; counts the 200s after a 1 s warm-up. */
export async function statusLoad(p: LoadPlan): Promise<LoadResult> {
  let counting = false;
  let acknowledged = 0;
  let refused = 0;
  let failed = 0;
  let latency = 0;
  const delays: number[] = [];
  let stop = false;
  let k = 0;
  const worker = async () => {
    while (!stop) {
      const tenant = p.tenants[Math.floor(Math.random() * p.tenants.length)]!;
      const user = `u${userExt(Math.floor(Math.random() * p.users))}`;
      const n = p.route(tenant, k++);
      const t0 = performance.now();
      const r = await p.nodes[n]!.call(
        'PUT',
        `/api/v1/users/${user}/status`,
        p.tokens[n]!.get(tenant)!,
        statusBody(flip++),
        10_000,
      );
      if (!counting) continue;
      if (r.status === 200) {
        acknowledged++;
        const ms = performance.now() - t0;
        latency += ms;
        delays.push(ms);
      } else if (r.status === 0) failed++;
      else refused++;
    }
  };
  const workers = Array.from({ length: p.concurrency }, worker);
  await new Promise((r) => setTimeout(r, 1000));
  counting = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, p.seconds * 1000));
  counting = false;
  const seconds = (performance.now() - t0) / 1000;
  stop = true;
  await Promise.all(workers);
  return {
    acknowledged,
    refused,
    failed,
    seconds: round(seconds),
    perSec: Math.round(acknowledged / seconds),
    meanMs: round(latency / Math.max(1, acknowledged)),
    p50Ms: percentile(
      delays.sort((a, b) => a - b),
      0.5,
    ),
    p99Ms: percentile(delays, 0.99),
  };
}

export const round = (x: number, places = 2): number => Math.round(x * 10 ** places) / 10 ** places;

export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
}
