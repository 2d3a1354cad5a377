// The core bench's workload: a seeded model of a busy hour for many tenants, turned into the
// commands the engine would get from its adapters. Rates are per user (or per queue) per unit of
// simulated time, so the mix follows the population: at 100 × 1,000 users about two thirds of
// the inputs are app heartbeats that change nothing, a fifth are call legs and routings, a tenth
// registration refreshes, and the rest manual statuses, sign-ins, agent and queue commands.
import type { Command, Directive } from '../src/core/index.js';
import type { Outcome } from '../src/engine/index.js';

const SEC = 1000;

/** Tiny seeded PRNG (mulberry32): the same seed gives the same workload. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Per-second rates of the model, chosen for a busy office hour. */
export const RATES = {
  heartbeatPeriodSec: 30,
  activeHeartbeatShare: 0.1,
  registrationExpirySec: 600,
  registrationRefreshSec: 300,
  callsPerUserPerHour: 6,
  statusChangesPerUserPerHour: 2,
  signOutsPerUserPerHour: 0.2,
  appCrashesPerUserPerHour: 0.1,
  registrationLossesPerUserPerHour: 0.15,
  acdCallsPerQueuePerMinute: 2,
  /** Breaks (not_ready, then ready again) and the odd log-out and back in. */
  agentCommandsPerAgentPerHour: 2,
} as const;

export interface WorkloadOptions {
  readonly tenants: number;
  readonly usersPerTenant: number;
  readonly seed: number;
  /** Simulated time per step; inputs of one step are applied at its start. */
  readonly stepMs: number;
}

export interface Input {
  readonly tenant: string;
  readonly command: Command;
  /** Feedback from the engine's answer (e.g. who a routed call rings). */
  readonly then?: (out: Outcome) => void;
}

type Kind = 'app' | 'appTerminal' | 'pbx' | 'appOnly';
/** By index modulo 10: 60 % app + session, 20 % desk phone + app + session, 10 % PBX only, 10 % softphone only. */
const kindOf = (i: number): Kind =>
  i % 10 < 6 ? 'app' : i % 10 < 8 ? 'appTerminal' : i % 10 === 8 ? 'pbx' : 'appOnly';
const hasApp = (k: Kind) => k === 'app' || k === 'appTerminal';

export const QUEUE_AGENTS = [
  {
    id: 'support',
    name: 'Support',
    extension: '8001',
    from: 0,
    to: 12,
    strategy: 'longestIdle',
    autoReady: true,
    wrapUpSec: 20,
  },
  {
    id: 'sales',
    name: 'Sales',
    extension: '8002',
    from: 8,
    to: 20,
    strategy: 'roundRobin',
    autoReady: false,
    wrapUpSec: 10,
  },
] as const;
const GROUP_STRATEGIES = ['ringAll', 'hunt', 'roundRobin', 'longestIdle', 'ringAll'] as const;
const SELF = (userId: string) => ({ kind: 'user', userId, role: 'user' }) as const;

export class Workload {
  readonly tenantIds: string[];
  private readonly userIds: string[];
  private readonly extensions: string[];
  private readonly users: number;
  private readonly rand: () => number;
  /** Model flags by global user index (tenant × usersPerTenant + i). */
  private readonly sessionUp: Uint8Array;
  private readonly registered: Uint8Array;
  private readonly heartbeatOrder: Int32Array;
  private readonly refreshOrder: Int32Array;
  /** What later steps hold: an input to make (a closure), or a call-leg step (its index in `legs`). */
  private readonly agenda = new Map<number, (Later | number)[]>();
  private readonly legs = new LegSteps();
  private readonly userIndex: ReadonlyMap<string, number>;
  private batch: Input[] = [];
  private now = 0;
  private seq = 0;

  constructor(private readonly o: WorkloadOptions) {
    if (o.usersPerTenant < 25) throw new Error('the workload needs at least 25 users per tenant');
    this.rand = mulberry32(o.seed);
    this.users = o.tenants * o.usersPerTenant;
    this.tenantIds = Array.from({ length: o.tenants }, (_, t) => `t${String(t).padStart(4, '0')}`);
    this.extensions = Array.from({ length: o.usersPerTenant }, (_, i) => String(1000 + i));
    this.userIds = this.extensions.map((e) => `u${e}`);
    this.userIndex = new Map(this.userIds.map((u, i) => [u, i]));
    this.sessionUp = new Uint8Array(this.users);
    this.registered = new Uint8Array(this.users);
    this.heartbeatOrder = this.shuffled((g) => hasApp(kindOf(g % o.usersPerTenant)));
    this.refreshOrder = this.shuffled(() => true);
  }

  get userCount(): number {
    return this.users;
  }

  /** Directory and the state at the start of the hour: everyone signed in and registered. */
  *setup(now: number): Generator<Input> {
    this.now = now;
    const U = this.o.usersPerTenant;
    for (const tenant of this.tenantIds) {
      for (let i = 0; i < U; i++) {
        const role = i === 20 ? 'supervisor' : i === 21 ? 'admin' : 'user';
        yield {
          tenant,
          command: {
            type: 'user.upsert',
            user: {
              id: this.userIds[i]!,
              extension: this.extensions[i]!,
              name: `User ${i}`,
              role,
              settings: i % 7 === 0 ? { callWaiting: false } : {},
            },
          },
        };
      }
      for (let k = 0; k < GROUP_STRATEGIES.length; k++) {
        const members = Array.from({ length: 5 }, (_, j) => this.userIds[(k * 5 + j + 22) % U]!);
        yield {
          tenant,
          command: {
            type: 'group.upsert',
            group: {
              id: `g${k}`,
              name: `Team ${k}`,
              extension: String(7000 + k),
              strategy: GROUP_STRATEGIES[k]!,
              members,
              memberRingSec: 10,
            },
          },
        };
      }
      for (const q of QUEUE_AGENTS) {
        const agents = this.userIds.slice(q.from, q.to);
        yield {
          tenant,
          command: {
            type: 'queue.upsert',
            queue: {
              id: q.id,
              name: q.name,
              extension: q.extension,
              strategy: q.strategy,
              autoReady: q.autoReady,
              wrapUpSec: q.wrapUpSec,
              agents,
              supervisors: [this.userIds[20]!],
            },
          },
        };
      }
    }
    for (let g = 0; g < this.users; g++) {
      for (const input of this.register(g)) yield input;
      if (hasApp(kindOf(g % U))) {
        this.sessionUp[g] = 1;
        yield this.input(g, { type: 'session.start', userId: this.uid(g), sessionId: 's1' });
      }
    }
    for (const tenant of this.tenantIds) {
      for (let i = 0; i < 20; i++) {
        yield {
          tenant,
          command: { type: 'agent.command', userId: this.userIds[i]!, action: 'login', by: SELF(this.userIds[i]!) },
        };
        if (i >= 8)
          yield {
            tenant,
            command: { type: 'agent.command', userId: this.userIds[i]!, action: 'ready', by: SELF(this.userIds[i]!) },
          };
      }
    }
  }

  /** The inputs of one step starting at `now`: what the agenda holds for it, then new arrivals. */
  step(now: number): Input[] {
    this.now = now;
    this.batch = [];
    const slot = Math.floor(now / this.o.stepMs);
    const due = this.agenda.get(slot);
    if (due !== undefined) {
      this.agenda.delete(slot);
      for (const f of due) {
        if (typeof f === 'number') this.playLeg(f);
        else f();
      }
    }
    this.periodic(this.heartbeatOrder, RATES.heartbeatPeriodSec, (g) => {
      if (this.sessionUp[g] === 1)
        this.push(g, {
          type: 'session.heartbeat',
          userId: this.uid(g),
          sessionId: 's1',
          active: this.rand() < RATES.activeHeartbeatShare,
        });
    });
    this.periodic(this.refreshOrder, RATES.registrationRefreshSec, (g) => {
      if (this.registered[g] === 1) for (const input of this.register(g)) this.batch.push(input);
    });
    const perUser = (perHour: number) => (this.users * perHour) / 3600;
    this.times(perUser(RATES.callsPerUserPerHour), () => this.call());
    this.times(perUser(RATES.statusChangesPerUserPerHour), () => this.manualStatus());
    this.times(perUser(RATES.signOutsPerUserPerHour), () => this.signOut(false));
    this.times(perUser(RATES.appCrashesPerUserPerHour), () => this.signOut(true));
    this.times(perUser(RATES.registrationLossesPerUserPerHour), () => this.loseRegistration());
    const queues = this.o.tenants * QUEUE_AGENTS.length;
    this.times((queues * RATES.acdCallsPerQueuePerMinute) / 60, () => this.queueCall());
    this.times((this.o.tenants * 20 * RATES.agentCommandsPerAgentPerHour) / 3600, () => this.agentCommand());
    return this.batch;
  }

  /** Call control's side of queue offers: most offers are answered, some ring out. */
  onDirectives(tenant: string, directives: readonly Directive[]): void {
    for (const d of directives) {
      if (d.type !== 'queue.offer' || d.userIds.length === 0) continue;
      const userId = d.userIds[0]!;
      if (this.rand() < 0.85) {
        const answerSec = 2 + this.rand() * 6;
        this.at(answerSec, () =>
          this.batch.push({
            tenant,
            command: { type: 'queue.call.answer', queueId: d.queueId, callId: d.callId, userId },
          }),
        );
        this.at(answerSec + 30 + this.rand() * 150, () =>
          this.batch.push({
            tenant,
            command: {
              type: 'leg.update',
              userId,
              legId: d.callId,
              direction: 'in',
              state: 'ended',
              acd: true,
              queueId: d.queueId,
            },
          }),
        );
      } else {
        // Let it ring out (the agentRing timer fires), then the agent makes themself ready again.
        this.at(d.ringSec + 20 + this.rand() * 40, () => {
          for (const u of d.userIds)
            this.batch.push({ tenant, command: { type: 'agent.command', userId: u, action: 'ready', by: SELF(u) } });
        });
      }
    }
  }

  // --- the parts of the model -------------------------------------------------------------

  private call(): void {
    const g = this.pick();
    const caller = this.uid(g);
    const call = ++this.seq;
    const callId = `c${call}`;
    const r = this.rand();
    const answerSec = 3 + this.rand() * 8;
    const talkSec = 20 + this.rand() * 200;
    if (r < 0.25) {
      // Outgoing to the outside world.
      this.push(g, {
        type: 'call.route',
        call: { callId, from: { userId: caller }, to: { kind: 'external', number: '+4930123456' } },
      });
      this.legScript(g, call, OUT, 0, answerSec, talkSec);
      return;
    }
    const tenant = this.tenantOf(g);
    const tenantIndex = Math.floor(g / this.o.usersPerTenant);
    const to =
      r < 0.35
        ? ({ kind: 'group', id: `g${Math.floor(this.rand() * GROUP_STRATEGIES.length)}` } as const)
        : ({ kind: 'user', id: this.userIds[Math.floor(this.rand() * this.o.usersPerTenant)]! } as const);
    const internal = r < 0.75;
    const from = internal ? { userId: caller } : { external: '+4940987654' };
    this.batch.push({
      tenant,
      command: { type: 'call.route', call: { callId, from, to } },
      then: (out) => {
        // Whoever the decision rings gets an incoming leg; the first of them answers.
        if (!out.ok || out.reply === undefined) return;
        const decision = out.reply as { outcome: string; ring?: readonly { userId?: string }[] };
        if (decision.outcome !== 'ring' || decision.ring === undefined) return;
        const rung = [...new Set(decision.ring.map((e) => e.userId).filter((u): u is string => u !== undefined))].slice(
          0,
          5,
        );
        rung.forEach((u, k) =>
          this.legScriptFor(tenantIndex, this.userIndex.get(u)!, call, k, 0.2, answerSec, k === 0 ? talkSec : 0),
        );
      },
    });
    if (internal) this.legScript(g, call, OUT, 0, answerSec, talkSec);
  }

  private legScript(g: number, call: number, leg: number, startSec: number, answerSec: number, talkSec: number): void {
    this.legScriptFor(
      Math.floor(g / this.o.usersPerTenant),
      g % this.o.usersPerTenant,
      call,
      leg,
      startSec,
      answerSec,
      talkSec,
    );
  }

  /**
   * ringing → answered → ended (or ringing → ended for a member who did not pick up). `leg` is
   * the leg's number in call `c<call>`: OUT for the caller's, 0, 1, … for those rung.
   */
  private legScriptFor(
    tenant: number,
    user: number,
    call: number,
    leg: number,
    startSec: number,
    answerSec: number,
    talkSec: number,
  ): void {
    const step = (state: number) => this.legs.add(tenant, user, call, leg, state);
    if (startSec === 0) this.playLeg(step(RINGING));
    else this.at(startSec, step(RINGING));
    if (talkSec > 0) {
      this.at(answerSec, step(ANSWERED));
      this.at(answerSec + talkSec, step(ENDED));
    } else {
      this.at(answerSec, step(ENDED));
    }
  }

  private playLeg(i: number): void {
    const l = this.legs;
    const leg = l.leg[i]!;
    const legId = leg === OUT ? `c${l.call[i]!}o` : `c${l.call[i]!}i${leg}`;
    const command: Command = {
      type: 'leg.update',
      userId: this.userIds[l.user[i]!]!,
      legId,
      direction: leg === OUT ? 'out' : 'in',
      state: LEG_STATES[l.state[i]!]!,
    };
    this.batch.push({ tenant: this.tenantIds[l.tenant[i]!]!, command });
    l.release(i);
  }

  private manualStatus(): void {
    const g = this.pick();
    const userId = this.uid(g);
    const by = SELF(userId);
    const r = this.rand();
    const clearAfter = 60 + this.rand() * 840;
    if (r < 0.05) {
      this.push(g, { type: 'fac.dial', userId, digits: '*78' });
      this.at(clearAfter, () => this.push(g, { type: 'fac.dial', userId, digits: '*79' }));
      return;
    }
    if (r < 0.3) {
      // DND until a time: the system clears it exactly then (a wake timer).
      const until = this.now + Math.round((60 + this.rand() * 540) * SEC);
      this.push(g, { type: 'status.set', userId, status: 'dnd', until, by });
      return;
    }
    const [status, text]: readonly [string, string | undefined] =
      r < 0.55
        ? ['away', 'Back at 3']
        : r < 0.7
          ? ['custom', 'In a meeting']
          : r < 0.88
            ? ['at_desk', undefined]
            : ['busy', undefined];
    this.push(g, { type: 'status.set', userId, status, ...(text !== undefined ? { text } : {}), by });
    this.at(clearAfter, () =>
      this.push(
        g,
        this.rand() < 0.5
          ? { type: 'status.clear', userId, by }
          : { type: 'status.set', userId, status: 'available', by },
      ),
    );
  }

  /** Sign out (session.end) or an app that dies (its session times out: a wake timer). */
  private signOut(crash: boolean): void {
    const g = this.heartbeatOrder[Math.floor(this.rand() * this.heartbeatOrder.length)];
    if (g === undefined || this.sessionUp[g] !== 1) return;
    this.sessionUp[g] = 0;
    if (!crash) this.push(g, { type: 'session.end', userId: this.uid(g), sessionId: 's1' });
    this.at((crash ? 120 : 60) + this.rand() * 480, () => {
      this.sessionUp[g] = 1;
      this.push(g, { type: 'session.start', userId: this.uid(g), sessionId: 's1' });
    });
  }

  /** Half unregister, half stop refreshing (the registration expires: a wake timer). */
  private loseRegistration(): void {
    const g = this.pick();
    if (this.registered[g] !== 1) return;
    this.registered[g] = 0;
    if (this.rand() < 0.5) {
      for (const id of this.deviceIds(g))
        this.push(g, { type: 'registration.remove', userId: this.uid(g), id, reason: 'unregister' });
    }
    this.at(120 + this.rand() * 780, () => {
      for (const input of this.register(g)) this.batch.push(input);
    });
  }

  private queueCall(): void {
    const tenant = this.tenantIds[Math.floor(this.rand() * this.o.tenants)]!;
    const queueId = QUEUE_AGENTS[Math.floor(this.rand() * QUEUE_AGENTS.length)]!.id;
    const callId = `q${++this.seq}`;
    this.batch.push({ tenant, command: { type: 'queue.call.arrive', queueId, callId, caller: '+4989555000' } });
    if (this.rand() < 0.05)
      this.at(10 + this.rand() * 30, () =>
        this.batch.push({ tenant, command: { type: 'queue.call.abandon', queueId, callId } }),
      );
  }

  private agentCommand(): void {
    const tenant = this.tenantIds[Math.floor(this.rand() * this.o.tenants)]!;
    const userId = this.userIds[Math.floor(this.rand() * 20)]!;
    const by = SELF(userId);
    const cmd = (c: Command) => () => this.batch.push({ tenant, command: c });
    const r = this.rand();
    if (r < 0.1) {
      cmd({ type: 'agent.command', userId, action: 'logout', by })();
      this.at(120 + this.rand() * 300, cmd({ type: 'fac.dial', userId, digits: '*38' }));
      this.at(130 + this.rand() * 300, cmd({ type: 'fac.dial', userId, digits: '*36' }));
    } else {
      const reason = r < 0.6 ? 'break' : r < 0.8 ? 'lunch' : 'other';
      cmd({ type: 'agent.command', userId, action: 'not_ready', reason, by })();
      this.at(60 + this.rand() * 240, cmd({ type: 'agent.command', userId, action: 'ready', by }));
    }
  }

  private *register(g: number): Generator<Input> {
    this.registered[g] = 1;
    const kind = kindOf(g % this.o.usersPerTenant);
    const expiresAt = this.now + RATES.registrationExpirySec * SEC;
    const userId = this.uid(g);
    const tenant = this.tenantOf(g);
    if (kind === 'pbx') {
      yield { tenant, command: { type: 'registration.set', userId, id: 'p', kind: 'pbx', expiresAt } };
      return;
    }
    yield { tenant, command: { type: 'registration.set', userId, id: 'a', kind: 'app', expiresAt } };
    if (kind === 'appTerminal')
      yield { tenant, command: { type: 'registration.set', userId, id: 't', kind: 'terminal', expiresAt } };
  }

  private deviceIds(g: number): string[] {
    const kind = kindOf(g % this.o.usersPerTenant);
    return kind === 'pbx' ? ['p'] : kind === 'appTerminal' ? ['a', 't'] : ['a'];
  }

  // --- helpers ----------------------------------------------------------------------------

  /** Walks `order` once per period, evenly: the items whose turn falls in this step. */
  private periodic(order: Int32Array, periodSec: number, f: (g: number) => void): void {
    const n = order.length;
    if (n === 0) return;
    const periodMs = periodSec * SEC;
    const from = Math.floor(((this.now % periodMs) / periodMs) * n);
    const to = Math.floor((((this.now % periodMs) + this.o.stepMs) / periodMs) * n);
    for (let k = from; k < to; k++) f(order[k % n]!);
  }

  /** Runs `f` a Poisson-ish number of times for a rate per second over one step. */
  private times(perSec: number, f: () => void): void {
    const expected = (perSec * this.o.stepMs) / SEC;
    let n = Math.floor(expected);
    if (this.rand() < expected - n) n++;
    for (let k = 0; k < n; k++) f();
  }

  private at(afterSec: number, f: Later | number): void {
    const slot = Math.floor((this.now + Math.max(afterSec * SEC, this.o.stepMs)) / this.o.stepMs);
    const list = this.agenda.get(slot);
    if (list === undefined) this.agenda.set(slot, [f]);
    else list.push(f);
  }

  private shuffled(keep: (g: number) => boolean): Int32Array {
    const out: number[] = [];
    for (let g = 0; g < this.users; g++) if (keep(g)) out.push(g);
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.rand() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return Int32Array.from(out);
  }

  private pick(): number {
    return Math.floor(this.rand() * this.users);
  }

  private uid(g: number): string {
    return this.userIds[g % this.o.usersPerTenant]!;
  }

  private tenantOf(g: number): string {
    return this.tenantIds[Math.floor(g / this.o.usersPerTenant)]!;
  }

  private input(g: number, command: Command): Input {
    return { tenant: this.tenantOf(g), command };
  }

  private push(g: number, command: Command): void {
    this.batch.push(this.input(g, command));
  }
}

type Later = () => void;

const OUT = -1;
const RINGING = 0;
const ANSWERED = 1;
const ENDED = 2;
const LEG_STATES = ['ringing', 'answered', 'ended'] as const;

/**
 * The call-leg steps waiting in the agenda, most of what it holds: numbers in typed arrays rather
 * than a closure each. The agenda's entries live for minutes of simulated time, so as closures
 * they were a fifth of what survived the engine's scavenges; generating the workload is not what
 * the bench measures, and its garbage should not be either.
 */
class LegSteps {
  tenant = new Int32Array(1024);
  user = new Int32Array(1024);
  call = new Int32Array(1024);
  leg = new Int32Array(1024);
  state = new Uint8Array(1024);
  private readonly free: number[] = [];
  private used = 0;

  add(tenant: number, user: number, call: number, leg: number, state: number): number {
    const i = this.free.pop() ?? this.used++;
    if (i >= this.tenant.length) this.grow();
    this.tenant[i] = tenant;
    this.user[i] = user;
    this.call[i] = call;
    this.leg[i] = leg;
    this.state[i] = state;
    return i;
  }

  release(i: number): void {
    this.free.push(i);
  }

  private grow(): void {
    const twice = (a: Int32Array) => {
      const b = new Int32Array(2 * a.length);
      b.set(a);
      return b;
    };
    this.tenant = twice(this.tenant);
    this.user = twice(this.user);
    this.call = twice(this.call);
    this.leg = twice(this.leg);
    const state = new Uint8Array(2 * this.state.length);
    state.set(this.state);
    this.state = state;
  }
}
