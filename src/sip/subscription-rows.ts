// S8.2: a subscription as it is stored — its dialog (Call-ID, tags, parties, route, target), event
// package, expiry, where its NOTIFYs go and its NOTIFY counters — and read back after a restart.
// A row that does not read back as a whole subscription is skipped.
import type { TenantId, UserId } from '../core/index.js';
import type { SipStateRow } from './persistence.js';
import { rowData } from './persistence.js';
import type { Flow } from './transport.js';

export type EventPackage = 'presence' | 'dialog' | 'as-feature-event';
export const PACKAGES: readonly string[] = ['presence', 'dialog', 'as-feature-event'];

export interface StoredSubscription {
  readonly tenant: TenantId;
  readonly domain: string;
  readonly target: UserId;
  readonly extension: string;
  readonly watcher: UserId;
  readonly event: EventPackage;
  readonly eventId: string | undefined;
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  /** The SUBSCRIBE's To (our From) and From (our To, with the watcher's tag). */
  readonly localParty: string;
  readonly remoteParty: string;
  remoteTarget: string;
  readonly routes: readonly string[] | undefined;
  /** Where NOTIFYs go: the flow of the last SUBSCRIBE (after a restart, its address, no socket). */
  flow: Flow;
  remoteCSeq: number;
  localCSeq: number;
  expiresAt: number;
  version: number;
  /** What the last NOTIFY showed (to tell, after a restart, whether the state moved since). */
  lastKey: string | undefined;
}

export function subscriptionKey(sub: StoredSubscription): string {
  return `${sub.localTag}:${sub.callId}`;
}

export function subscriptionRow(sub: StoredSubscription): SipStateRow {
  const data = {
    domain: sub.domain,
    target: sub.target,
    extension: sub.extension,
    watcher: sub.watcher,
    event: sub.event,
    eventId: sub.eventId ?? null,
    callId: sub.callId,
    localTag: sub.localTag,
    remoteTag: sub.remoteTag,
    localParty: sub.localParty,
    remoteParty: sub.remoteParty,
    remoteTarget: sub.remoteTarget,
    routes: sub.routes ?? null,
    flow: { transport: sub.flow.transport, address: sub.flow.address, port: sub.flow.port },
    remoteCSeq: sub.remoteCSeq,
    localCSeq: sub.localCSeq,
    version: sub.version,
    lastKey: sub.lastKey ?? null,
  };
  return {
    kind: 'subscription',
    key: subscriptionKey(sub),
    tenant: sub.tenant,
    expiresAt: sub.expiresAt,
    data: JSON.stringify(data),
  };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const count = (v: unknown): number => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : 0);

export function parseSubscriptionRow(row: SipStateRow): StoredSubscription | undefined {
  const d = rowData(row);
  if (d === undefined) return undefined;
  const event = str(d.event);
  const f = d.flow as { transport?: unknown; address?: unknown; port?: unknown } | null | undefined;
  if (event === undefined || !PACKAGES.includes(event)) return undefined;
  if (
    typeof f !== 'object' ||
    f === null ||
    (f.transport !== 'udp' && f.transport !== 'tcp') ||
    typeof f.address !== 'string' ||
    typeof f.port !== 'number'
  )
    return undefined;
  const fields = [
    d.domain,
    d.target,
    d.extension,
    d.watcher,
    d.callId,
    d.localTag,
    d.remoteTag,
    d.localParty,
    d.remoteParty,
    d.remoteTarget,
  ].map(str);
  if (fields.some((x) => x === undefined)) return undefined;
  const [domain, target, extension, watcher, callId, localTag, remoteTag, localParty, remoteParty, remoteTarget] =
    fields as string[];
  const routes = Array.isArray(d.routes) ? d.routes.filter((r): r is string => typeof r === 'string') : [];
  return {
    tenant: row.tenant,
    domain: domain!,
    target: target!,
    extension: extension!,
    watcher: watcher!,
    event: event as EventPackage,
    eventId: str(d.eventId),
    callId: callId!,
    localTag: localTag!,
    remoteTag: remoteTag!,
    localParty: localParty!,
    remoteParty: remoteParty!,
    remoteTarget: remoteTarget!,
    routes: routes.length > 0 ? routes : undefined,
    flow: { transport: f.transport, address: f.address, port: f.port },
    remoteCSeq: count(d.remoteCSeq),
    localCSeq: count(d.localCSeq),
    expiresAt: row.expiresAt,
    version: count(d.version),
    lastKey: str(d.lastKey),
  };
}
