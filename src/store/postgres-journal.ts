// One journal batch as one PostgreSQL statement: the writes journal-writes.ts lists (state rows,
// events, history, outbox and call-log projections) sent as JSON to `swb_commit`
// (postgres-commit-sql.ts), which runs them in the statement's transaction: one round trip per
// batch. The webhooks the outbox rows are computed from are cached per tenant; the function checks
// the cache against the table and, when another node changed a tenant's webhooks, refuses
// (SWB02): the cache is read again and the batch sent again.
import type { DatabaseError } from 'pg';
import type { TenantId } from '../core/index.js';
import { journalWrites } from './journal-writes.js';
import type { HookFilter, JournalWrite } from './journal-writes.js';
import { stepValues } from './call-rows.js';
import { FencedError } from './fenced.js';
import type { CommitResult, JournalBatchEntry } from './port.js';
import { lineKey } from './postgres-db.js';
import { BLOCKED } from './postgres-outbox.js';
import type { PgDb, Row } from './postgres-db.js';

/** A tenant's webhooks as the journal uses them, and their text as swb_commit computes it. */
interface Hooks {
  readonly list: readonly HookFilter[];
  readonly digest: string;
}

/** How many times a batch is sent again when the webhooks changed under it. */
const HOOK_RETRIES = 3;

export class PgJournal {
  private readonly hooks = new Map<TenantId, Hooks>();

  constructor(private readonly db: PgDb) {}

  /** Writes the batch in one transaction; the promise settles once it is committed. */
  async commit(batch: readonly JournalBatchEntry[], fences?: ReadonlyMap<TenantId, number>): Promise<CommitResult> {
    const tenants = [...new Set(batch.map((e) => e.tenant))];
    const fenceArg = fences === undefined ? null : JSON.stringify(fencesOf(tenants, fences));
    for (let attempt = 0; ; attempt++) {
      await this.loadHooks(tenants.filter((t) => !this.hooks.has(t)));
      const writes = journalWrites(batch, (tenant) => this.hooks.get(tenant)?.list ?? []);
      const lines = writes.flatMap((w) => (w.kind === 'outbox' ? [lineKey(w.tenant, w.webhookId, w.subject)] : []));
      const digests = Object.fromEntries(tenants.map((t) => [t, this.hooks.get(t)?.digest ?? '']));
      try {
        await this.db.run('SELECT swb_commit($1::jsonb, $2::jsonb, $3::text[], $4::jsonb)', [
          fenceArg,
          JSON.stringify(digests),
          lines,
          JSON.stringify(writes.map(encode)),
        ]);
        return { outboxRows: lines.length };
      } catch (err) {
        const e = err as DatabaseError;
        if (e.code === 'SWB01') throw fencedError(e);
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

/** Every tenant of the batch with the fence this node holds; a tenant without one cannot commit. */
function fencesOf(tenants: readonly TenantId[], fences: ReadonlyMap<TenantId, number>): Record<TenantId, number> {
  const out: Record<TenantId, number> = {};
  for (const tenant of tenants) {
    const fence = fences.get(tenant);
    if (fence === undefined) throw new FencedError(tenant, 0, undefined);
    out[tenant] = fence;
  }
  return out;
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
