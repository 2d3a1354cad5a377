// What one journal batch writes, whatever the database: the state rows the patch changed (facts
// only, codec.ts), the events, and the two projections of the events — history rows (S6.5) and
// webhook outbox rows (S6.3) — and the call-log steps of the patch (S11.1). What an event leaves behind is the core's decision
// (core/journal.ts: historyEntry, webhooksFor); each adapter runs these writes in one transaction
// (sqlite-journal.ts, postgres-journal.ts) and decides nothing itself.
import { historyEntry, webhooksFor } from '../core/index.js';
import type { CallStep, HistoryEntry, Role, TenantId } from '../core/index.js';
import { encodeGroup, encodeQueue, encodeUser } from './codec.js';
import type { JournalBatchEntry } from './port.js';

/** The part of a webhook the journal needs: which events it wants. */
export interface HookFilter {
  readonly id: string;
  readonly events: readonly string[];
}

export type JournalWrite =
  | { readonly kind: 'removeUser'; readonly tenant: TenantId; readonly id: string }
  | {
      readonly kind: 'user';
      readonly tenant: TenantId;
      readonly id: string;
      readonly extension: string;
      readonly name: string;
      readonly role: Role;
      readonly state: string;
    }
  | { readonly kind: 'removeGroup' | 'removeQueue'; readonly tenant: TenantId; readonly id: string }
  | { readonly kind: 'group' | 'queue'; readonly tenant: TenantId; readonly id: string; readonly data: string }
  | { readonly kind: 'policy'; readonly tenant: TenantId; readonly policy: string }
  | {
      readonly kind: 'event';
      readonly tenant: TenantId;
      readonly epoch: string;
      readonly seq: number;
      readonly at: number;
      readonly type: string;
      readonly subject: string;
      readonly body: string;
    }
  | { readonly kind: 'history'; readonly tenant: TenantId; readonly row: HistoryEntry }
  | {
      readonly kind: 'outbox';
      readonly tenant: TenantId;
      readonly webhookId: string;
      readonly subject: string;
      readonly body: string;
      readonly at: number;
    }
  | { readonly kind: 'seq'; readonly tenant: TenantId; readonly seq: number }
  /** S11.1: one call-log step (core/call-log.ts), merged into the call's row. */
  | { readonly kind: 'call'; readonly tenant: TenantId; readonly step: CallStep };

/**
 * The writes of a batch, in order; the tenants' last seq come last. A user row that a later entry
 * of the batch writes again or removes is left out: the batch commits as one, so only its last
 * state of each row can ever be read (a user changed 50 times in one batch is one row written).
 */
export function journalWrites(
  batch: readonly JournalBatchEntry[],
  hooksOf: (tenant: TenantId) => readonly HookFilter[],
): JournalWrite[] {
  const out: JournalWrite[] = [];
  const lastSeq = new Map<TenantId, number>();
  const superseded = supersededUsers(batch);
  batch.forEach((entry, i) => {
    stateWrites(entry, superseded[i], out);
    eventWrites(entry, hooksOf(entry.tenant), out, lastSeq);
  });
  for (const [tenant, seq] of lastSeq) out.push({ kind: 'seq', tenant, seq });
  return out;
}

/** For each entry, the ids of the users whose row a later entry writes or removes (none: undefined). */
function supersededUsers(batch: readonly JournalBatchEntry[]): (ReadonlySet<string> | undefined)[] {
  const out = new Array<ReadonlySet<string> | undefined>(batch.length);
  if (batch.length < 2) return out;
  const later = new Set<string>();
  for (let i = batch.length - 1; i >= 0; i--) {
    const { tenant, patch } = batch[i]!;
    let mine: Set<string> | undefined;
    for (const u of patch.users ?? []) if (later.has(`${tenant}\u0000${u.id}`)) (mine ??= new Set()).add(u.id);
    out[i] = mine;
    for (const u of patch.users ?? []) later.add(`${tenant}\u0000${u.id}`);
    for (const id of patch.removedUsers ?? []) later.add(`${tenant}\u0000${id}`);
  }
  return out;
}

/** The state rows the patch changed: facts and directory rows only, less the user rows written again later. */
function stateWrites(entry: JournalBatchEntry, superseded: ReadonlySet<string> | undefined, out: JournalWrite[]): void {
  const { tenant, patch } = entry;
  for (const id of patch.removedUsers ?? []) out.push({ kind: 'removeUser', tenant, id });
  for (const u of patch.users ?? [])
    if (superseded?.has(u.id) !== true)
      out.push({
        kind: 'user',
        tenant,
        id: u.id,
        extension: u.extension,
        name: u.name,
        role: u.role,
        state: encodeUser(u),
      });
  for (const id of patch.removedGroups ?? []) out.push({ kind: 'removeGroup', tenant, id });
  for (const g of patch.groups ?? []) out.push({ kind: 'group', tenant, id: g.id, data: encodeGroup(g) });
  for (const id of patch.removedQueues ?? []) out.push({ kind: 'removeQueue', tenant, id });
  for (const q of patch.queues ?? []) out.push({ kind: 'queue', tenant, id: q.config.id, data: encodeQueue(q) });
  if (patch.policy !== undefined) out.push({ kind: 'policy', tenant, policy: JSON.stringify(patch.policy) });
  for (const step of patch.calls ?? []) out.push({ kind: 'call', tenant, step });
}

/** The events and their projections. */
function eventWrites(
  entry: JournalBatchEntry,
  hooks: readonly HookFilter[],
  out: JournalWrite[],
  lastSeq: Map<TenantId, number>,
): void {
  const { tenant } = entry;
  for (const e of entry.events) {
    const body = JSON.stringify(e);
    out.push({ kind: 'event', tenant, epoch: e.epoch, seq: e.seq, at: e.at, type: e.type, subject: e.subject, body });
    lastSeq.set(tenant, e.seq);
    // S6.5 and S6.3 are the core's decisions (core/journal.ts); the store writes what they say.
    const h = historyEntry(e);
    if (h !== undefined) out.push({ kind: 'history', tenant, row: h });
    for (const hook of webhooksFor(e, hooks))
      out.push({ kind: 'outbox', tenant, webhookId: hook.id, subject: e.subject, body, at: e.at });
  }
}
