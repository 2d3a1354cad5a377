// The engine: one mailbox per tenant, applying commands in order with core.apply. It stamps
// events with (epoch, seq), schedules the timers the core asks for through the Clock port and
// fires them back as commands, and acknowledges a command only after the journal has committed
// it (group commit: every command applied in one turn of the event loop shares one commit).
// S8.2: nothing of a batch is seen before its commit (readers get the committed view, events and
// directives are published on the Bus after it), and a batch the journal refuses is undone: the tenant is
// left as it was and every command of the batch is refused with SWB_ERR_UNAVAILABLE.
import { apply, refuse } from '../core/index.js';
import type {
  Applied,
  Command,
  CoreEvent,
  Directive,
  Patch,
  Refusal,
  Reply,
  ReplyOf,
  TenantId,
  TenantState,
} from '../core/index.js';
import { closeIfIdle, open, scheduleFlush, undoOf } from './batch.js';
import { InProcessBus } from './bus.js';
import type { Bus } from './bus.js';
import type { Clock } from './clock.js';
import { commitHeartbeat, commitPatch, commitRefresh } from './commit.js';
import type { LeaseReader } from './leases.js';
import { restoredTimers } from './restore.js';
import { schedule, wake } from './timers.js';
import { makeTenant } from './tenant.js';
import type { Tenant } from './tenant.js';

export type { Tenant } from './tenant.js';

export type EngineEvent = CoreEvent & { readonly tenant: TenantId; readonly epoch: string; readonly seq: number };

/** An event while the engine stamps it. */
type Stamped = CoreEvent & { tenant: TenantId; epoch: string; seq: number };

/** A command's answer; `R` is its reply (core's `Replies`), any reply when the command is not known. */
export type Outcome<R = Reply> =
  | {
      readonly ok: true;
      readonly events: readonly EngineEvent[];
      readonly directives: readonly Directive[];
      readonly reply?: R;
    }
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

/** Observers of the engine itself; committed events and directives go out on the Bus (bus.ts). */
export interface EngineListener {
  /** Every applied event at once, before the commit: for tests and tools that only observe. */
  onApplied?(events: readonly EngineEvent[]): void;
  /** S8.2: the journal did not take a batch; it was undone and its commands refused. */
  onCommitFailed?(tenant: TenantId, error: unknown): void;
}

/** What the timer and batch functions use of the engine; made once per engine. */
export interface EngineHost {
  readonly clock: Clock;
  readonly journal: Journal | undefined;
  readonly listeners: ReadonlySet<EngineListener>;
  readonly bus: Bus;
  readonly tenants: ReadonlyMap<TenantId, Tenant>;
  submit(tenantId: TenantId, command: Command): Outcome;
}

export interface EngineOptions {
  readonly clock: Clock;
  readonly journal?: Journal;
  /** Where committed batches are published (default: an in-process bus of this engine's own). */
  readonly bus?: Bus;
  /** S10.2: sends a command for a tenant this node follows to its owner; answers after the owner's commit. */
  readonly forward?: (tenant: TenantId, command: Command, options: DispatchOptions) => Promise<Outcome>;
}

/** The caller's side of a command. */
export interface DispatchOptions {
  /**
   * S10.2: aborted when the caller has gone (its HTTP request closed). A command forwarded to its
   * tenant's owner is then no longer sent again while no node owns the tenant.
   */
  readonly signal?: AbortSignal | undefined;
}

export class Engine {
  private readonly tenants = new Map<TenantId, Tenant>();
  private readonly listeners = new Set<EngineListener>();
  private readonly clock: Clock;
  private readonly journal: Journal | undefined;
  private readonly host: EngineHost;
  private readonly forward: EngineOptions['forward'];
  /** Where the committed batches go: subscribe here for events and directives. */
  readonly bus: Bus;

  constructor(options: EngineOptions) {
    this.clock = options.clock;
    this.journal = options.journal;
    this.bus = options.bus ?? new InProcessBus();
    this.forward = options.forward;
    this.host = {
      clock: this.clock,
      journal: this.journal,
      listeners: this.listeners,
      bus: this.bus,
      tenants: this.tenants,
      submit: (tenantId, command) => this.submit(tenantId, command),
    };
  }

  now(): number {
    return this.clock.now();
  }

  /**
   * Takes over a tenant's state. `epoch` names the sequence; pass the stored one (and its last
   * seq) on restart so watchers can resume, or a new one when the sequence restarts (S6.1).
   */
  addTenant(state: TenantState, position: { epoch: string; seq: number }): void {
    this.removeTenant(state.id);
    const tenant = makeTenant(state, position, this.journal !== undefined, false);
    tenant.onWake = () => wake(this.host, tenant, state.id);
    this.tenants.set(state.id, tenant);
    // Leases and timers of restored state: wake every user once so each schedules its own.
    for (const userId of state.users.keys()) this.submit(state.id, { type: 'timer.wake', userId });
    for (const [userId, user] of state.users)
      for (const timer of restoredTimers(userId, user)) schedule(this.host, tenant, state.id, timer);
  }

  /**
   * S10.2: keeps a replica of a tenant another node owns, at its committed position: readers
   * see it, commands go to the owner (`forward`), and `replicate` applies the owner's batches.
   */
  follow(state: TenantState, position: { epoch: string; seq: number }): void {
    this.removeTenant(state.id);
    this.tenants.set(state.id, makeTenant(state, position, this.journal !== undefined, true));
  }

  /** S10.2: applies an owner's committed changes to this node's replica of the tenant. */
  replicate(id: TenantId, patches: readonly Patch[], position: { epoch: string; seq: number }): boolean {
    const t = this.tenants.get(id);
    if (t === undefined || !t.follower) return false;
    for (const patch of patches) commitPatch(t, patch, undefined);
    t.epoch = position.epoch;
    t.seq = position.seq;
    return true;
  }

  /**
   * S10.5, S10.3: stops owning the tenant and keeps it as a replica as it stands (its timers
   * cancelled, commands forwarded from now on). False, with nothing done, while a batch of it
   * waits for its commit: settle and ask again. A tenant whose commit was refused (fenced) has
   * been undone to its committed state already.
   */
  demote(id: TenantId): boolean {
    const t = this.tenants.get(id);
    if (t === undefined || t.follower) return true;
    if (t.scheduled || t.flushing !== undefined || t.pending.length > 0 || t.pendingDirectives.length > 0) return false;
    stopTimers(this.clock, t);
    t.follower = true;
    return true;
  }

  /** Whether this engine owns the tenant (applies its commands); false for a replica or an unknown one. */
  owns(id: TenantId): boolean {
    const t = this.tenants.get(id);
    return t !== undefined && !t.follower;
  }

  /** Forgets a tenant and cancels its timers; call settled() first if its last batch must go out. */
  removeTenant(id: TenantId): void {
    const t = this.tenants.get(id);
    if (t === undefined) return;
    stopTimers(this.clock, t);
    this.tenants.delete(id);
  }

  hasTenant(id: TenantId): boolean {
    return this.tenants.has(id);
  }

  tenantIds(): IterableIterator<TenantId> {
    return this.tenants.keys();
  }

  /**
   * The tenant's committed state (read-only). S8.2: while a batch waits for its commit, what it
   * changed is shown as it was before (but for the lease times of app sessions, which heartbeats
   * move in place and no reader is shown). An engine without a journal (the core's tests, the
   * bench, the CLI) has nothing to wait for: it shows every applied command at once.
   */
  state(id: TenantId): TenantState | undefined {
    const t = this.tenants.get(id);
    if (t === undefined) return undefined;
    let view = t.state;
    if (this.journal === undefined) return view;
    if (t.undo !== undefined) view = t.undo.view(view);
    if (t.committing !== undefined) view = t.committing.view(view);
    return view;
  }

  /** The last committed (epoch, seq); without a journal, the last applied (see state). */
  position(id: TenantId): { epoch: string; seq: number } | undefined {
    const t = this.tenants.get(id);
    if (t === undefined) return undefined;
    return { epoch: t.epoch, seq: this.journal === undefined ? t.seq : (t.committing?.seq ?? t.undo?.seq ?? t.seq) };
  }

  listen(listener: EngineListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Applies a command and resolves once it is committed (or at once with a refusal). */
  dispatch<C extends Command>(
    tenantId: TenantId,
    command: C,
    options: DispatchOptions = {},
  ): Promise<Outcome<ReplyOf<C>>> {
    // The core answers each command with the reply `Replies` names for its type.
    const follower = this.tenants.get(tenantId)?.follower === true;
    if (follower && this.forward !== undefined)
      return this.forward(tenantId, command, options) as Promise<Outcome<ReplyOf<C>>>;
    const out = this.submit(tenantId, command) as Outcome<ReplyOf<C>>;
    if (!out.ok) return Promise.resolve(out);
    const t = this.tenants.get(tenantId)!;
    if (t.pending.length === 0 && t.flushing === undefined) return Promise.resolve(out);
    return new Promise((resolve) => t.waiters.push((saved) => resolve(saved ? out : NOT_SAVED)));
  }

  /**
   * Applies a command now, without waiting for the commit. Its events are published and it is
   * acknowledged with the next flush; timers and the bench use this directly.
   */
  submit(tenantId: TenantId, command: Command): Outcome {
    const t = this.tenants.get(tenantId);
    if (t === undefined) return refuse('SWB_ERR_TENANT_NOT_FOUND', { tenant: tenantId });
    if (t.follower) return NOT_OWNER;
    const now = this.clock.now();
    if (command.type === 'session.heartbeat') {
      // Most inputs are heartbeats that only move a lease: committed in place, nothing to journal
      // or publish (the same answer `apply` gives them, without building it). Inside a batch it
      // is undone with the batch: it may be a heartbeat of a session the batch opened.
      const undo = undoOf(t);
      if (commitHeartbeat(t, command, now, undo?.fields)) return QUIET;
    } else if (command.type === 'registration.set') {
      // A refresh that only moves a lease: a new record, journalled, nothing to publish.
      const fresh = t.undo === undefined;
      open(t)?.noteUser(t.state, command.userId);
      const user = commitRefresh(t, command, now);
      if (user !== undefined) {
        if (!t.journalled) return QUIET; // moved in place: nothing to keep or publish
        t.pending.push({ tenant: tenantId, at: now, command, patch: { users: [user] }, events: NO_EVENTS });
        scheduleFlush(this.host, t, tenantId);
        return QUIET;
      }
      closeIfIdle(t, fresh);
    }
    const result = apply(t.state, command, now);
    if (!result.ok) return result;
    return this.accept(t, tenantId, command, result, now);
  }

  private accept(t: Tenant, tenantId: TenantId, command: Command, result: Applied, now: number): Outcome {
    const changed = result.events.length > 0 || (result.volatile !== true && hasChanges(result.patch));
    const undo = changed ? open(t) : undoOf(t);
    undo?.notePatch(t.state, result.patch);
    commitPatch(t, result.patch, undo);
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
    for (let i = 0; i < result.timers.length; i++) schedule(this.host, t, tenantId, result.timers[i]!);
    if (changed) {
      t.pending.push({ tenant: tenantId, at: now, command, patch: result.patch, events });
      for (let i = 0; i < events.length; i++) t.pendingEvents.push(events[i]!);
    }
    for (let i = 0; i < result.directives.length; i++) t.pendingDirectives.push(result.directives[i]!);
    if (changed || result.directives.length > 0) scheduleFlush(this.host, t, tenantId);
    if (result.reply !== undefined) return { ok: true, events, directives: result.directives, reply: result.reply };
    return events === NO_EVENTS && result.directives.length === 0
      ? QUIET
      : { ok: true, events, directives: result.directives };
  }

  /** The tenant's lease index (S9.3), to read (for tests and the operator view). */
  leases(tenantId: TenantId): LeaseReader | undefined {
    return this.tenants.get(tenantId)?.leases;
  }

  /** Timers waiting for this tenant (for tests and the operator view). */
  timerCount(tenantId: TenantId): number {
    const t = this.tenants.get(tenantId);
    return t === undefined ? 0 : t.timers.size + t.wakes.size;
  }

  /** The tenant's timers as `key@at` and wakes as `wake:user@at`, sorted (for tests and the operator view). */
  timerList(tenantId: TenantId): string[] {
    const t = this.tenants.get(tenantId);
    if (t === undefined) return [];
    const out = [...t.timers].map(([key, e]) => `${key}@${e.at}`);
    for (const [userId, at] of t.wakes.list()) out.push(`wake:${userId}@${at}`);
    return out.sort();
  }

  /** Resolves when everything applied so far is committed and published. */
  async settled(): Promise<void> {
    for (;;) {
      const busy: Promise<void>[] = [];
      for (const t of this.tenants.values())
        if (t.scheduled || t.flushing !== undefined || t.pending.length > 0) busy.push(t.flushing ?? Promise.resolve());
      if (busy.length === 0) return;
      await Promise.all(busy);
      await Promise.resolve();
    }
  }

  /** Resolves when everything applied so far to this tenant is committed and published. */
  async settledTenant(id: TenantId): Promise<void> {
    for (
      let t = this.tenants.get(id);
      t !== undefined && (t.scheduled || t.flushing !== undefined || t.pending.length > 0);
    )
      await (t.flushing ?? Promise.resolve());
  }

  /** Cancels every timer (on shutdown). */
  stop(): void {
    for (const t of this.tenants.values()) stopTimers(this.clock, t);
  }
}

function stopTimers(clock: Clock, t: Tenant): void {
  for (const { handle } of t.timers.values()) clock.clearTimer(handle);
  if (t.wakeTimer !== undefined) clock.clearTimer(t.wakeTimer);
  t.wakeTimer = undefined;
  t.wakeTimerAt = Infinity;
  t.timers.clear();
  t.wakes.clear();
}

const NO_EVENTS: readonly EngineEvent[] = Object.freeze([]);
/** S8.2: the answer to every command of a batch the journal did not take. */
const NOT_SAVED: Refusal = Object.freeze(
  refuse('SWB_ERR_UNAVAILABLE', undefined, 'The change could not be saved, so nothing changed; try again shortly.'),
);
/** S10.2: a command for a replica that nobody forwards (a node without a bus to the owner). */
const NOT_OWNER: Refusal = Object.freeze(
  refuse('SWB_ERR_UNAVAILABLE', undefined, 'Another node owns this company just now; try again shortly.'),
);
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
    (p.calls?.length ?? 0) > 0 ||
    p.policy !== undefined
  );
}
