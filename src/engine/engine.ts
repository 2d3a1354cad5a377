// The engine: one mailbox per tenant, applying commands in order with core.apply. It stamps
// events with (epoch, seq), schedules the timers the core asks for through the Clock port and
// fires them back as commands, and acknowledges a command only after the journal has committed
// it (group commit: every command applied in one turn of the event loop shares one commit).
import { apply, commit, commitHeartbeat, commitLease, commitRefresh, refuse, wakeDue } from '../core/index.js';
import type { Applied, Command, CoreEvent, Directive, Patch, Refusal, TenantId, TenantState } from '../core/index.js';
import type { Clock, TimerHandle } from './clock.js';
import { WakeQueue } from './wakes.js';

export type EngineEvent = CoreEvent & { readonly tenant: TenantId; readonly epoch: string; readonly seq: number };

/** An event while the engine stamps it. */
type Stamped = CoreEvent & { tenant: TenantId; epoch: string; seq: number };

export type Outcome =
  | { readonly ok: true; readonly events: readonly EngineEvent[]; readonly directives: readonly Directive[]; readonly reply?: unknown }
  | Refusal;

/** What the engine hands the store for one command that changed something. */
export interface JournalEntry {
  readonly tenant: TenantId;
  readonly at: number;
  readonly command: Command;
  readonly patch: Patch;
  readonly events: readonly EngineEvent[];
}

/** The persistence port as the engine sees it: commit a batch, durably, before acknowledging. */
export interface Journal {
  commit(batch: readonly JournalEntry[]): void | Promise<void>;
}

export interface EngineListener {
  /** Committed events, in order, after the journal has them. */
  onEvents?(events: readonly EngineEvent[]): void;
  /** Every applied event at once, before the commit: for tests and tools that only observe. */
  onApplied?(events: readonly EngineEvent[]): void;
  onDirectives?(tenant: TenantId, directives: readonly Directive[]): void;
}

interface TimerEntry {
  /** When the timer is due. */
  at: number;
  /** When the clock will call back (at or before `at`). */
  armedAt: number;
  command: Command;
  handle: TimerHandle;
  /** The clock's callback, made once per entry. */
  fire: () => void;
}

interface Tenant {
  state: TenantState;
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
  waiters: (() => void)[];
  failures: ((e: unknown) => void)[];
  flushing: Promise<void> | undefined;
  scheduled: boolean;
}

export interface EngineOptions {
  readonly clock: Clock;
  readonly journal?: Journal;
}

export class Engine {
  private readonly tenants = new Map<TenantId, Tenant>();
  private readonly listeners = new Set<EngineListener>();
  private readonly clock: Clock;
  private readonly journal: Journal | undefined;

  constructor(options: EngineOptions) {
    this.clock = options.clock;
    this.journal = options.journal;
  }

  now(): number {
    return this.clock.now();
  }

  /**
   * Takes over a tenant's state. `epoch` names the sequence; pass the stored one (and its last
   * seq) on restart so watchers can resume, or a new one when the sequence restarts (S6.1).
   */
  addTenant(state: TenantState, position: { epoch: string; seq: number }): void {
    const tenant: Tenant = {
      state,
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
      failures: [],
      flushing: undefined,
      scheduled: false,
    };
    tenant.onWake = () => this.wake(tenant, state.id);
    this.tenants.set(state.id, tenant);
    // Leases and timers of restored state: wake every user once so each schedules its own.
    for (const userId of state.users.keys()) this.submit(state.id, { type: 'timer.wake', userId });
    for (const [userId, user] of state.users) {
      for (const queueId in user.agent) {
        const a = user.agent[queueId]!;
        if (a.state === 'wrap_up' && a.wrapUpUntil !== undefined) {
          this.schedule(tenant, state.id, { key: `wrapup:${userId}:${queueId}`, at: a.wrapUpUntil, command: { type: 'timer.wrapUp', userId, queueId } });
        }
      }
    }
  }

  hasTenant(id: TenantId): boolean {
    return this.tenants.has(id);
  }

  tenantIds(): IterableIterator<TenantId> {
    return this.tenants.keys();
  }

  /** The tenant's current state (read-only; includes applied commands not yet acknowledged). */
  state(id: TenantId): TenantState | undefined {
    return this.tenants.get(id)?.state;
  }

  position(id: TenantId): { epoch: string; seq: number } | undefined {
    const t = this.tenants.get(id);
    return t && { epoch: t.epoch, seq: t.seq };
  }

  listen(listener: EngineListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Applies a command and resolves once it is committed (or at once with a refusal). */
  dispatch(tenantId: TenantId, command: Command): Promise<Outcome> {
    const out = this.submit(tenantId, command);
    if (!out.ok) return Promise.resolve(out);
    const t = this.tenants.get(tenantId)!;
    if (t.pending.length === 0 && t.flushing === undefined) return Promise.resolve(out);
    return new Promise((resolve, reject) => {
      t.waiters.push(() => resolve(out));
      t.failures.push(reject);
    });
  }

  /**
   * Applies a command now, without waiting for the commit. Its events are published and it is
   * acknowledged with the next flush; timers and the bench use this directly.
   */
  submit(tenantId: TenantId, command: Command): Outcome {
    const t = this.tenants.get(tenantId);
    if (t === undefined) return refuse('SWB_ERR_TENANT_NOT_FOUND', { tenant: tenantId });
    const now = this.clock.now();
    if (command.type === 'session.heartbeat') {
      // Most inputs are heartbeats that only move a lease: committed in place, nothing to journal
      // or publish (the same answer `apply` gives them, without building it).
      if (commitHeartbeat(t.state, command, now)) return QUIET;
    } else if (command.type === 'registration.set') {
      // A refresh that only moves a lease: committed in place and journalled, nothing to publish.
      const user = commitRefresh(t.state, command, now);
      if (user !== undefined) {
        t.pending.push({ tenant: tenantId, at: now, command, patch: { users: [user] }, events: NO_EVENTS });
        this.scheduleFlush(t, tenantId);
        return QUIET;
      }
    }
    const result = apply(t.state, command, now);
    if (!result.ok) return result;
    return this.accept(t, tenantId, command, result, now);
  }

  private accept(t: Tenant, tenantId: TenantId, command: Command, result: Applied, now: number): Outcome {
    t.state = commit(t.state, result.patch);
    let events: readonly EngineEvent[] = NO_EVENTS;
    if (result.events.length > 0) {
      // The core's events are fresh objects of this command: stamped in place, not copied.
      const stamped = result.events as Stamped[];
      for (let i = 0; i < stamped.length; i++) {
        const e = stamped[i]!;
        e.tenant = tenantId;
        e.epoch = t.epoch;
        e.seq = ++t.seq;
      }
      events = stamped as readonly EngineEvent[];
      if (this.listeners.size > 0) for (const l of this.listeners) l.onApplied?.(events);
    }
    for (let i = 0; i < result.timers.length; i++) this.schedule(t, tenantId, result.timers[i]!);
    const changed = events.length > 0 || (result.volatile !== true && hasChanges(result.patch));
    if (changed) {
      t.pending.push({ tenant: tenantId, at: now, command, patch: result.patch, events });
      for (let i = 0; i < events.length; i++) t.pendingEvents.push(events[i]!);
    }
    for (let i = 0; i < result.directives.length; i++) t.pendingDirectives.push(result.directives[i]!);
    if (changed || result.directives.length > 0) this.scheduleFlush(t, tenantId);
    if (result.reply !== undefined) return { ok: true, events, directives: result.directives, reply: result.reply };
    return events === NO_EVENTS && result.directives.length === 0 ? QUIET : { ok: true, events, directives: result.directives };
  }

  /**
   * Sets, moves or cancels a keyed timer, or a user's wake timer. A timer moved later is not
   * re-armed on the clock: it fires at its old time, sees its new time and re-arms itself (a
   * refresh moves a lease many times an hour; re-arming each time would fill the clock with
   * cancelled timers).
   */
  private schedule(t: Tenant, tenantId: TenantId, timer: Applied['timers'][number]): void {
    if ('wake' in timer) {
      // A user settled by their first command learns their row when it is committed, just before.
      const row = timer.row >= 0 ? timer.row : (t.state.users.get(timer.wake)?.leaseRow ?? -1);
      if ('cancel' in timer) t.wakes.delete(row, timer.wake);
      else if (row >= 0) {
        t.wakes.set(row, timer.wake, timer.at);
        this.armWakes(t);
      }
      return;
    }
    const map = t.timers;
    const key = timer.key;
    const existing = map.get(key);
    if ('cancel' in timer) {
      if (existing) {
        this.clock.clearTimer(existing.handle);
        map.delete(key);
      }
      return;
    }
    if (existing) {
      existing.command = timer.command;
      if (timer.at >= existing.armedAt) {
        existing.at = timer.at;
        return;
      }
      this.clock.clearTimer(existing.handle);
    }
    const entry: TimerEntry = { at: timer.at, armedAt: timer.at, command: timer.command, handle: undefined, fire: () => {} };
    entry.fire = () => this.fire(t, tenantId, key, entry);
    map.set(key, entry);
    this.arm(entry);
  }

  private arm(entry: TimerEntry): void {
    entry.armedAt = entry.at;
    entry.handle = this.clock.setTimer(entry.at, entry.fire);
  }

  private fire(t: Tenant, tenantId: TenantId, key: string, entry: TimerEntry): void {
    if (t.timers.get(key) !== entry) return; // cancelled or replaced
    if (entry.at > this.clock.now()) {
      this.arm(entry); // moved later since it was armed
      return;
    }
    t.timers.delete(key);
    if (this.tenants.get(tenantId) !== t) return;
    this.submit(tenantId, entry.command);
  }

  /** Arms the tenant's clock timer for its earliest wake, unless one is armed early enough. */
  private armWakes(t: Tenant): void {
    if (t.waking) return;
    const first = t.wakes.first();
    if (first < 0) return;
    const armedAt = t.wakes.armedAtOf(first);
    if (t.wakeTimerAt <= armedAt) return;
    if (t.wakeTimer !== undefined) this.clock.clearTimer(t.wakeTimer);
    t.wakeTimerAt = armedAt;
    t.wakeTimer = this.clock.setTimer(armedAt, t.onWake);
  }

  /** The tenant's wake timer: looks at every wake due by now, then arms for the next. */
  private wake(t: Tenant, tenantId: TenantId): void {
    t.wakeTimer = undefined;
    t.wakeTimerAt = Infinity;
    if (this.tenants.get(tenantId) !== t) return;
    t.waking = true;
    try {
      for (;;) {
        const w = t.wakes.first();
        const now = this.clock.now();
        if (w < 0 || t.wakes.armedAtOf(w) > now) break;
        const at = t.wakes.atOf(w);
        if (at > now) {
          t.wakes.rearm(w, at); // moved later since it was armed
          continue;
        }
        // Refreshes move leases later without moving the wake; ask whether one is due.
        const userId = t.wakes.userOf(w);
        const due = wakeDue(t.state, userId, w, now);
        if (due !== 'due') {
          if (due.lease !== undefined) commitLease(t.state, due.lease);
          if (due.next === Infinity) t.wakes.delete(w, userId);
          else t.wakes.rearm(w, due.next);
          continue;
        }
        t.wakes.delete(w, userId);
        this.submit(tenantId, { type: 'timer.wake', userId });
      }
    } finally {
      t.waking = false;
    }
    this.armWakes(t);
  }

  /** Timers waiting for this tenant (for tests and the operator view). */
  timerCount(tenantId: TenantId): number {
    const t = this.tenants.get(tenantId);
    return t === undefined ? 0 : t.timers.size + t.wakes.size;
  }

  private scheduleFlush(t: Tenant, tenantId: TenantId): void {
    if (t.scheduled) return;
    t.scheduled = true;
    queueMicrotask(() => {
      t.scheduled = false;
      void this.flush(t, tenantId);
    });
  }

  /** Commits what is pending (one batch), then acknowledges and publishes it, in order. */
  private async flush(t: Tenant, tenantId: TenantId): Promise<void> {
    while (t.flushing !== undefined) await t.flushing;
    if (t.pending.length === 0 && t.pendingDirectives.length === 0 && t.waiters.length === 0) return;
    const batch = t.pending;
    const events = t.pendingEvents;
    const directives = t.pendingDirectives;
    const waiters = t.waiters;
    const failures = t.failures;
    t.pending = [];
    t.pendingEvents = [];
    t.pendingDirectives = [];
    t.waiters = [];
    t.failures = [];
    // Without a write to wait for, the flush runs to its end at once and nobody could see a
    // `flushing` promise: it is only made when there is a commit to wait for.
    if (batch.length > 0 && this.journal !== undefined) {
      let done!: () => void;
      t.flushing = new Promise((r) => (done = r));
      try {
        await this.journal.commit(batch);
      } catch (e) {
        // Not committed: nothing is acknowledged or published. The caller sees the failure.
        for (const f of failures) f(e);
        return;
      } finally {
        t.flushing = undefined;
        done();
      }
    }
    for (const w of waiters) w();
    if (events.length > 0) for (const l of this.listeners) l.onEvents?.(events);
    if (directives.length > 0) for (const l of this.listeners) l.onDirectives?.(tenantId, directives);
  }

  /** Resolves when everything applied so far is committed and published. */
  async settled(): Promise<void> {
    for (;;) {
      const busy: Promise<void>[] = [];
      for (const t of this.tenants.values()) if (t.scheduled || t.flushing !== undefined || t.pending.length > 0) busy.push(t.flushing ?? Promise.resolve());
      if (busy.length === 0) return;
      await Promise.all(busy);
      await Promise.resolve();
    }
  }

  /** Cancels every timer (on shutdown). */
  stop(): void {
    for (const t of this.tenants.values()) {
      for (const { handle } of t.timers.values()) this.clock.clearTimer(handle);
      if (t.wakeTimer !== undefined) this.clock.clearTimer(t.wakeTimer);
      t.wakeTimer = undefined;
      t.wakeTimerAt = Infinity;
      t.timers.clear();
      t.wakes.clear();
    }
  }
}

const NO_EVENTS: readonly EngineEvent[] = Object.freeze([]);
/** The outcome of most inputs: applied, nothing to tell. */
const QUIET: Outcome = Object.freeze({ ok: true, events: NO_EVENTS, directives: Object.freeze([]) });

function hasChanges(p: Patch): boolean {
  return (
    (p.users?.length ?? 0) > 0 ||
    (p.queues?.length ?? 0) > 0 ||
    (p.groups?.length ?? 0) > 0 ||
    (p.removedUsers?.length ?? 0) > 0 ||
    (p.removedGroups?.length ?? 0) > 0 ||
    (p.removedQueues?.length ?? 0) > 0 ||
    p.policy !== undefined
  );
}
