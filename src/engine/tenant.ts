// One tenant's mailbox as the engine keeps it: its state, lease index, timers and the batch
// waiting for its commit; and whether this node owns it (S10.1) or follows it, a read-only
// replica kept in step by the committed batches of its owner (cluster/replica.ts).
import type { TenantState } from '../core/index.js';
import type { TimerHandle } from './clock.js';
import type { Directive } from '../core/index.js';
import type { EngineEvent, JournalEntry } from './engine.js';
import { LeaseTable } from './leases.js';
import type { TimerEntry } from './timers.js';
import type { Undo } from './undo.js';
import { WakeQueue } from './wakes.js';

/** One tenant's mailbox: its state, timers and the batch waiting for its commit. */
export interface Tenant {
  /** S10.1: a replica of a tenant another node owns: no timers, commands go to the owner. */
  follower: boolean;
  state: TenantState;
  /** Each user's lease bound and row (S9.3): the engine's own index, derived from the records. */
  readonly leases: LeaseTable;
  epoch: string;
  seq: number;
  timers: Map<string, TimerEntry>;
  /** Each user's wake timer (S9.3), behind one clock timer for the earliest of them. */
  wakes: WakeQueue;
  wakeTimer: TimerHandle | undefined;
  /** When `wakeTimer` calls back (Infinity when it is not armed). */
  wakeTimerAt: number;
  /** The clock's callback for `wakeTimer`, made once per tenant. */
  onWake: () => void;
  /** Set while the due wakes are looked at: the clock timer is armed once, after them. */
  waking: boolean;
  /** Applied, not yet committed. */
  pending: JournalEntry[];
  pendingEvents: EngineEvent[];
  pendingDirectives: Directive[];
  /** Told, in order, whether the batch they wait for was saved. */
  waiters: ((saved: boolean) => void)[];
  /** Whether the engine has a journal: only then can a batch be refused, and so need an undo. */
  readonly journalled: boolean;
  /** S8.2: what the batch applied since the last commit overwrote (undefined: nothing open). */
  undo: Undo | undefined;
  /** The undo of the batch the journal has now. */
  committing: Undo | undefined;
  flushing: Promise<void> | undefined;
  scheduled: boolean;
}

/** A tenant's mailbox for its state at a position, with nothing pending and no timer yet. */
export function makeTenant(
  state: TenantState,
  position: { epoch: string; seq: number },
  journalled: boolean,
  follower: boolean,
): Tenant {
  const leases = new LeaseTable(Math.max(16, state.users.size));
  for (const user of state.users.values()) leases.put(user, state.policy);
  return {
    follower,
    state,
    leases,
    epoch: position.epoch,
    seq: position.seq,
    timers: new Map(),
    wakes: new WakeQueue(),
    wakeTimer: undefined,
    wakeTimerAt: Infinity,
    onWake: () => {},
    waking: false,
    pending: [],
    pendingEvents: [],
    pendingDirectives: [],
    waiters: [],
    journalled,
    undo: undefined,
    committing: undefined,
    flushing: undefined,
    scheduled: false,
  };
}
