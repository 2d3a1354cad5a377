// Journal batches as one PostgreSQL statement: the writes journal-writes.ts lists (state rows,
// events, history, outbox and call-log projections) sent as JSON to `swb_commit`
// (postgres-commit-sql.ts), which runs them in the statement's transaction: one round trip for
// the batches of every tenant that committed meanwhile (group-commit.ts). The webhooks the outbox rows are computed from are cached per tenant; the function checks
// the cache against the table and, when another node changed a tenant's webhooks, refuses
// (SWB02): the cache is read again and the batch sent again.
import type { DatabaseError } from 'pg';
import type { TenantId } from '../core/index.js';
import { journalWrites } from './journal-writes.js';
import type { HookFilter, JournalWrite } from './journal-writes.js';
import { stepValues } from './call-rows.js';
import { FencedError } from './fenced.js';
import { GroupCommit } from './group-commit.js';
import type { SendGroup } from './group-commit.js';
import type { CommitResult, JournalBatchEntry } from './port.js';
import { lineKey } from './postgres-db.js';
import { BLOCKED } from './postgres-outbox.js';
import type { PgDb, Row } from './postgres-db.js';

/** A tenant's webhooks as the journal uses them, and their text as swb_commit computes it. */
interface Hooks {
  readonly list: readonly HookFilter[];
  readonly digest: string;
}

/** How many times a group is sent again when the webhooks changed under it. */
const HOOK_RETRIES = 3;
/** Transactions running at once; batches arriving meanwhile go together in the next (group-commit.ts). */
const MAX_IN_FLIGHT = 2;

/** One tenant engine's batch and the fences it commits under (none: a store without leases). */
interface Batch {
  readonly entries: readonly JournalBatchEntry[];
  readonly fences: ReadonlyMap<TenantId, number> | undefined;
}

export class PgJournal {
  private readonly hooks = new Map<TenantId, Hooks>();
  private readonly group = new GroupCommit<Batch, CommitResult>((batches) => this.send(batches), MAX_IN_FLIGHT);

  constructor(private readonly db: PgDb) {}

  /** Writes the batch in one transaction (with other tenants' batches); the promise settles once it is committed. */
  commit(entries: readonly JournalBatchEntry[], fences?: ReadonlyMap<TenantId, number>): Promise<CommitResult> {
    return this.group.commit({ entries, fences });
  }

  private async send(batches: readonly Batch[]): Promise<SendAnswer> {
    const fenced = fencesOf(batches);
    if ('refused' in fenced) return fenced;
    const tenants = [...new Set(batches.flatMap((b) => b.entries.map((e) => e.tenant)))];
    for (let attempt = 0; ; attempt++) {
      await this.loadHooks(tenants.filter((t) => !this.hooks.has(t)));
      const hooksOf = (tenant: TenantId) => this.hooks.get(tenant)?.list ?? [];
      const writes = batches.map((b) => journalWrites(b.entries, hooksOf));
      const lines = writes.map((ws) =>
        ws.flatMap((w) => (w.kind === 'outbox' ? [lineKey(w.tenant, w.webhookId, w.subject)] : [])),
      );
      const digests = Object.fromEntries(tenants.map((t) => [t, this.hooks.get(t)?.digest ?? '']));
      try {
        await this.db.run('SELECT swb_commit($1::jsonb, $2::jsonb, $3::text[], $4::jsonb)', [
          fenced.fences === undefined ? null : JSON.stringify(fenced.fences),
          JSON.stringify(digests),
          lines.flat(),
          JSON.stringify(writes.flat().map(encode)),
        ]);
        return { results: lines.map((l) => ({ outboxRows: l.length })) };
      } catch (err) {
        const e = err as DatabaseError;
        if (e.code === 'SWB01') return refusedFor(batches, fencedError(e));
        if (e.code !== 'SWB02' || attempt >= HOOK_RETRIES) throw err;
        for (const t of tenants) this.hooks.delete(t);
      }
    }
  }

  /** Reads the webhooks of the tenants named into the cache (a tenant without any gets an empty list). */
  private async loadHooks(tenants: readonly TenantId[]): Promise<void> {
    if (tenants.length === 0) return;
    const rows = await this.db.rows(
      'SELECT tenant, id, events FROM webhooks WHERE tenant = ANY($1::text[]) ORDER BY created_at, id COLLATE "C"',
      [tenants],
    );
    const lists = new Map<TenantId, Row[]>(tenants.map((t) => [t, []]));
    for (const r of rows) lists.get(String(r.tenant))?.push(r);
    for (const [tenant, list] of lists) this.hooks.set(tenant, hooksOf(list));
  }
}

/** The list and the digest of one tenant's webhook rows, as HOOK_DIGEST_SQL (postgres-commit-sql.ts) makes it. */
function hooksOf(rows: readonly Row[]): Hooks {
  const list = rows.map((r) => ({ id: String(r.id), events: JSON.parse(String(r.events)) as string[] }));
  const digest = rows.map((r) => `${String(r.id)}\u0001${String(r.events)}`).join('\u0002');
  return { list, digest };
}

type SendAnswer = Awaited<ReturnType<SendGroup<Batch, CommitResult>>>;

/**
 * The fences of the group, every tenant of a fenced batch with the fence its node holds; a batch
 * with a tenant it holds no fence for is refused (S10.4). Undefined: no batch is fenced.
 */
function fencesOf(
  batches: readonly Batch[],
): { readonly fences: Record<TenantId, number> | undefined } | { readonly refused: Map<number, unknown> } {
  let fences: Record<TenantId, number> | undefined;
  const refused = new Map<number, unknown>();
  batches.forEach((b, i) => {
    if (b.fences === undefined) return;
    fences ??= {};
    for (const { tenant } of b.entries) {
      const fence = b.fences.get(tenant);
      if (fence === undefined) refused.set(i, new FencedError(tenant, 0, undefined));
      else fences[tenant] = fence;
    }
  });
  return refused.size > 0 ? { refused } : { fences };
}

/** The batches of the tenant whose fence was refused, refused with that error. */
function refusedFor(batches: readonly Batch[], err: FencedError): SendAnswer {
  const refused = new Map<number, unknown>();
  batches.forEach((b, i) => b.entries.some((e) => e.tenant === err.tenant) && refused.set(i, err));
  return { refused };
}

function fencedError(e: DatabaseError): FencedError {
  const d = JSON.parse(e.detail ?? '{}') as { tenant?: string; fence?: number; current?: number | null };
  return new FencedError(String(d.tenant), Number(d.fence ?? 0), d.current ?? undefined);
}

/** One write as the JSON object swb_commit reads: `k` its kind, `t` its tenant. */
function encode(w: JournalWrite): Record<string, unknown> {
  const head = { k: w.kind, t: w.tenant };
  switch (w.kind) {
    case 'removeUser':
    case 'removeGroup':
    case 'removeQueue':
      return { ...head, id: w.id };
    case 'user':
      return { ...head, id: w.id, extension: w.extension, name: w.name, role: w.role, state: w.state };
    case 'group':
    case 'queue':
      return { ...head, id: w.id, data: w.data };
    case 'policy':
      return { ...head, policy: w.policy };
    case 'event':
      return { ...head, epoch: w.epoch, seq: w.seq, at: w.at, type: w.type, subject: w.subject, body: w.body };
    case 'history': {
      const h = w.row;
      return {
        ...head,
        user: h.userId,
        at: h.at,
        kind: h.kind,
        queue: h.queueId,
        value: h.value,
        reason: h.reason,
        cause: h.cause,
      };
    }
    case 'seq':
      return { ...head, seq: w.seq };
    case 'outbox':
      return { ...head, hook: w.webhookId, subject: w.subject, body: w.body, at: w.at, blocked: BLOCKED };
    case 'call':
      return { ...stepValues(w.step), k: w.step.kind, t: w.tenant };
  }
}
