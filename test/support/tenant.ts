// A tenant on a manual clock, for given / when / then tests of the engine.
import type {
  Actor,
  Command,
  DeviceKind,
  GroupInput,
  PresenceRecord,
  QueueInput,
  TenantPolicy,
  TenantState,
  UserInput,
} from '../../src/core/index.js';
import { createTenantState } from '../../src/core/index.js';
import { Engine, ManualClock } from '../../src/engine/index.js';
import type { EngineEvent, Outcome } from '../../src/engine/index.js';

/** 2026-11-02 09:00 UTC, a Monday. */
export const T0 = Date.UTC(2026, 10, 2, 9, 0, 0);
export const SEC = 1000;
export const MIN = 60 * SEC;
export const HOUR = 60 * MIN;

export interface Harness {
  readonly engine: Engine;
  readonly clock: ManualClock;
  readonly tenant: string;
  /** Every event applied so far, in seq order. */
  readonly events: EngineEvent[];
  /** Applies a command at the clock's time. */
  run(command: Command): Outcome;
  /** Like run, but throws on a refusal. */
  ok(command: Command): Extract<Outcome, { ok: true }>;
  state(): TenantState;
  status(userId: string): string;
  presence(userId: string): PresenceRecord;
  agent(userId: string, queueId: string): string;
  /** Moves the clock, firing due timers at their own instants. */
  advance(ms: number): void;
  /** Events applied since the last drain. */
  drain(): EngineEvent[];
}

export const self = (userId: string): Actor => ({ kind: 'user', userId, role: 'user' });
export const admin = (userId: string): Actor => ({ kind: 'user', userId, role: 'admin' });
export const system: Actor = { kind: 'system' };

/** Users u1001, u1002, … with extensions 1001, 1002, … */
export function users(n: number, settings: UserInput['settings'] = {}): UserInput[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `u${1001 + i}`,
    extension: String(1001 + i),
    name: `User ${1001 + i}`,
    settings,
  }));
}

export function tenant(
  options: {
    policy?: Partial<TenantPolicy>;
    users?: readonly UserInput[];
    queues?: readonly QueueInput[];
    groups?: readonly GroupInput[];
  } = {},
): Harness {
  const clock = new ManualClock(T0);
  const engine = new Engine({ clock });
  const id = 'acme';
  engine.addTenant(createTenantState(id, options.policy ?? {}), { epoch: 'e1', seq: 0 });
  const events: EngineEvent[] = [];
  let drained = 0;
  engine.listen({ onApplied: (e) => events.push(...e) });
  const run = (command: Command): Outcome => engine.submit(id, command);
  const h: Harness = {
    engine,
    clock,
    tenant: id,
    events,
    run,
    ok(command) {
      const out = run(command);
      if (!out.ok) throw new Error(`refused: ${out.code} ${out.message}`);
      return out;
    },
    state: () => engine.state(id)!,
    status: (userId) => h.presence(userId).status,
    presence(userId) {
      const u = engine.state(id)!.users.get(userId);
      if (!u) throw new Error(`no user ${userId}`);
      return u.presence;
    },
    agent: (userId, queueId) => engine.state(id)!.users.get(userId)?.agent[queueId]?.state ?? 'logged_out',
    advance: (ms) => clock.advance(ms),
    drain() {
      const out = events.slice(drained);
      drained = events.length;
      return out;
    },
  };
  for (const u of options.users ?? []) h.ok({ type: 'user.upsert', user: u });
  for (const g of options.groups ?? []) h.ok({ type: 'group.upsert', group: g });
  for (const q of options.queues ?? []) h.ok({ type: 'queue.upsert', queue: q });
  h.drain();
  return h;
}

/** S1.1: a device of the user registers now, for `forMs`. */
export function register(
  h: Harness,
  userId: string,
  id: string,
  kind: DeviceKind,
  forMs = HOUR,
): Extract<Outcome, { ok: true }> {
  return h.ok({ type: 'registration.set', userId, id, kind, expiresAt: h.clock.now() + forMs });
}

/** The presence.changed events among these. */
export function presenceEvents(events: readonly EngineEvent[]) {
  return events.filter((e) => e.type === 'presence.changed');
}
