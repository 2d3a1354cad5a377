// Group commit (S8.2): the open batch's undo, the flush that commits a tenant's pending batch
// and then acknowledges and publishes it on the bus, and the rollback of a batch the journal refuses.
import type { TenantId } from '../core/index.js';
import type { EngineHost, Tenant } from './engine.js';
import { armWakes } from './timers.js';
import { Undo } from './undo.js';

/** The undo to note a write in: the open batch's, or a new one while a batch is being committed. */
export function undoOf(t: Tenant): Undo | undefined {
  return t.undo ?? (t.committing !== undefined ? open(t) : undefined);
}

/**
 * The open batch's undo, opened now when there is none; the lease table notes into it. Without
 * a journal nothing is ever refused, so nothing is noted (undefined): no input makes undo garbage.
 */
export function open(t: Tenant): Undo | undefined {
  if (t.undo === undefined) {
    if (!t.journalled) return undefined;
    t.undo = new Undo(t.state, t.seq);
    t.leases.track(t.undo);
  }
  return t.undo;
}

/** Stops noting: what was applied since the undo opened stays. */
function close(t: Tenant): void {
  t.undo = undefined;
  t.leases.track(undefined);
}

/** Closes an undo opened for one input that left nothing to commit (and nothing under it). */
export function closeIfIdle(t: Tenant, fresh: boolean): void {
  if (fresh && t.pending.length === 0 && t.committing === undefined) close(t);
}

export function scheduleFlush(host: EngineHost, t: Tenant, tenantId: TenantId): void {
  if (t.scheduled) return;
  t.scheduled = true;
  queueMicrotask(() => {
    t.scheduled = false;
    void flush(host, t, tenantId);
  });
}

/** Commits what is pending (one batch), then acknowledges and publishes it, in order. */
async function flush(host: EngineHost, t: Tenant, tenantId: TenantId): Promise<void> {
  while (t.flushing !== undefined) await t.flushing;
  if (t.pending.length === 0 && t.pendingDirectives.length === 0 && t.waiters.length === 0) return;
  const batch = t.pending;
  const events = t.pendingEvents;
  const directives = t.pendingDirectives;
  const waiters = t.waiters;
  const undo = t.undo;
  t.pending = [];
  t.pendingEvents = [];
  t.pendingDirectives = [];
  t.waiters = [];
  close(t);
  // Without a write to wait for, the flush runs to its end at once and nobody could see a
  // `flushing` promise: it is only made when there is a commit to wait for.
  if (batch.length > 0 && host.journal !== undefined) {
    let done!: () => void;
    t.flushing = new Promise((r) => (done = r));
    t.committing = undo;
    try {
      await host.journal.commit(batch);
    } catch (e) {
      // Not committed: undone, and nothing is acknowledged or published.
      rollBack(host, t, tenantId, undo, waiters, e);
      return;
    } finally {
      t.committing = undefined;
      t.flushing = undefined;
      done();
    }
  }
  // What was noted while the journal had the batch depends on nothing uncommitted any more.
  if (t.undo !== undefined && t.pending.length === 0) close(t);
  for (const w of waiters) w(true);
  if (events.length === 0 && directives.length === 0) return;
  if (host.bus.replicates === true)
    host.bus.publish({ tenant: tenantId, events, directives, patches: batch.map((e) => e.patch) });
  else host.bus.publish({ tenant: tenantId, events, directives });
}

/**
 * S8.2: undoes a batch the journal did not take, and the one applied over it meanwhile, and
 * refuses every command waiting for either.
 */
function rollBack(
  host: EngineHost,
  t: Tenant,
  tenantId: TenantId,
  undo: Undo | undefined,
  waiters: readonly ((saved: boolean) => void)[],
  error: unknown,
): void {
  const newer = t.undo;
  const newerWaiters = t.waiters;
  close(t);
  t.pending = [];
  t.pendingEvents = [];
  t.pendingDirectives = [];
  t.waiters = [];
  if (newer !== undefined) undoBatch(host, t, newer);
  if (undo !== undefined) undoBatch(host, t, undo);
  armWakes(host, t);
  for (const w of waiters) w(false);
  for (const w of newerWaiters) w(false);
  for (const l of host.listeners) l.onCommitFailed?.(tenantId, error);
}

function undoBatch(host: EngineHost, t: Tenant, undo: Undo): void {
  t.state = undo.rollback(t.state, t.leases);
  t.seq = undo.seq;
  undo.rollbackTimers(t.timers, t.wakes, host.clock);
}
