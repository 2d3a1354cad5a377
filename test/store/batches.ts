// Real journal batches for the store contract: an engine on a manual clock applies commands and
// hands its batches to this recorder instead of a store, so each test commits them itself
// (`await store.commit(batch)`) and can look at what it committed.
import { createTenantState } from '../../src/core/index.js';
import type { Actor, Command, TenantId, TenantPolicy, TenantState } from '../../src/core/index.js';
import { Engine, ManualClock } from '../../src/engine/index.js';
import type { JournalEntry } from '../../src/engine/index.js';
import type { StoredEvent } from '../../src/store/index.js';
import { T0 } from '../support/tenant.js';

export const self = (userId: string): Actor => ({ kind: 'user', userId, role: 'user' });

export interface Recorder {
  readonly engine: Engine;
  readonly clock: ManualClock;
  /** Applies commands in order (throws on a refusal) and answers the batch they made. */
  apply(tenant: TenantId, ...commands: Command[]): Promise<JournalEntry[]>;
  /** The engine's state of a tenant: what loadTenant must give back once every batch is committed. */
  state(tenant: TenantId): TenantState;
}

/** An engine holding these tenants, each at epoch `e1`, seq 0. */
export function recorder(tenants: readonly { id: TenantId; policy?: Partial<TenantPolicy> }[]): Recorder {
  const clock = new ManualClock(T0);
  let pending: JournalEntry[] = [];
  const engine = new Engine({ clock, journal: { commit: (batch) => void pending.push(...batch) } });
  for (const t of tenants) engine.addTenant(createTenantState(t.id, t.policy ?? {}), { epoch: 'e1', seq: 0 });
  return {
    engine,
    clock,
    async apply(tenant, ...commands) {
      for (const command of commands) {
        const out = await engine.dispatch(tenant, command);
        if (!out.ok) throw new Error(`refused ${command.type}: ${out.code} ${out.message}`);
      }
      const batch = pending;
      pending = [];
      return batch;
    },
    state: (tenant) => engine.state(tenant)!,
  };
}

/** Every event of a batch, in order. */
export const eventsOf = (batch: readonly JournalEntry[]): StoredEvent[] => batch.flatMap((e) => [...e.events]);
