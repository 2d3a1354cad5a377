// S9.5 from the command line: plays a scenario through a fresh Engine on a ManualClock and
// records, for each step, what the engine answered: refusals, events, directives, routing
// decisions with their rules, and the timers that fired on the way to the step.
import { createTenantState, queueSnapshot } from '../core/index.js';
import type {
  AgentRecord,
  CallRequest,
  Command,
  Decision,
  Directive,
  PresenceRecord,
  QueueSnapshot,
} from '../core/index.js';
import { Engine, ManualClock } from '../engine/index.js';
import type { EngineEvent, Outcome } from '../engine/index.js';
import { formatTranscript } from './format.js';
import { parseScenario, SCENARIO_START } from './scenario.js';
import type { Scenario, ShowWhat } from './scenario.js';

export { SCENARIO_START };
const TENANT = 'scenario';

export interface Applied {
  readonly command: Command;
  readonly refusal?: {
    readonly code: string;
    readonly message: string;
    readonly details?: Readonly<Record<string, unknown>>;
  };
  readonly events: readonly EngineEvent[];
  readonly directives: readonly Directive[];
  readonly reply?: unknown;
}

export interface TimerFired extends Applied {
  readonly offsetMs: number;
}

export interface AgentRow {
  readonly queueId: string;
  readonly userId: string;
  readonly name: string;
  readonly extension: string;
  readonly agent: AgentRecord;
}

export type Shown =
  | { readonly show: 'presence'; readonly presence: readonly PresenceRecord[] }
  | { readonly show: 'agents'; readonly agents: readonly AgentRow[] }
  | { readonly show: 'queues'; readonly queues: readonly QueueSnapshot[] };

export interface StepResult {
  readonly index: number;
  readonly offsetMs: number;
  readonly note?: string;
  /** Timers the engine fired while the clock moved to this step, in order. */
  readonly timers: readonly TimerFired[];
  readonly kind: 'command' | 'route' | 'show';
  readonly applied?: Applied;
  readonly call?: CallRequest;
  readonly decision?: Decision;
  readonly shown?: Shown;
}

export interface Transcript {
  readonly start: string;
  readonly users: number;
  readonly groups: number;
  readonly queues: number;
  readonly steps: readonly StepResult[];
  /** How each user is named in the text: "Alice (1001)". */
  readonly names?: Readonly<Record<string, string>>;
}

export type ExplainResult =
  { readonly ok: true; readonly transcript: Transcript } | { readonly ok: false; readonly errors: readonly string[] };

/** An engine that reports every command it applies, so timers it fires itself are seen too. */
class TracingEngine extends Engine {
  onApply: (command: Command, out: Outcome) => void = () => {};
  override submit(tenantId: string, command: Command): Outcome {
    const out = super.submit(tenantId, command);
    this.onApply(command, out);
    return out;
  }
}

function applied(command: Command, out: Outcome): Applied {
  if (!out.ok) {
    return {
      command,
      refusal: { code: out.code, message: out.message, ...(out.details !== undefined ? { details: out.details } : {}) },
      events: [],
      directives: [],
    };
  }
  return {
    command,
    events: out.events,
    directives: out.directives,
    ...(out.reply !== undefined ? { reply: out.reply } : {}),
  };
}

/** Loads the directory; a refusal here is the file's fault, named by its place. */
function load(engine: Engine, scenario: Scenario): string[] {
  const errors: string[] = [];
  const run = (where: string, command: Command) => {
    const out = engine.submit(TENANT, command);
    if (!out.ok)
      errors.push(
        `${where}: ${out.message} (${out.code}${out.details !== undefined ? ` ${JSON.stringify(out.details)}` : ''})`,
      );
  };
  if (Object.keys(scenario.policy).length > 0) run('policy', { type: 'tenant.policy', policy: scenario.policy });
  scenario.users.forEach((user, i) => run(`users[${i}] (${user.id})`, { type: 'user.upsert', user }));
  scenario.groups.forEach((group, i) => run(`groups[${i}] (${group.id})`, { type: 'group.upsert', group }));
  scenario.queues.forEach((queue, i) => run(`queues[${i}] (${queue.id})`, { type: 'queue.upsert', queue }));
  return errors;
}

function show(engine: Engine, what: ShowWhat): Shown {
  const state = engine.state(TENANT)!;
  switch (what) {
    case 'presence':
      return { show: 'presence', presence: [...state.users.values()].map((u) => u.presence) };
    case 'agents': {
      const agents: AgentRow[] = [];
      for (const q of state.queues.values()) {
        for (const userId of q.config.agents) {
          const u = state.users.get(userId);
          if (u === undefined) continue;
          agents.push({
            queueId: q.config.id,
            userId,
            name: u.name,
            extension: u.extension,
            agent: u.agent[q.config.id] ?? { state: 'logged_out', since: SCENARIO_START, callsToday: 0 },
          });
        }
      }
      return { show: 'agents', agents };
    }
    case 'queues':
      return { show: 'queues', queues: [...state.queues.values()].map(queueSnapshot) };
  }
}

/** Plays a parsed scenario. */
export function play(scenario: Scenario): ExplainResult {
  const clock = new ManualClock(SCENARIO_START);
  const engine = new TracingEngine({ clock });
  engine.addTenant(createTenantState(TENANT), { epoch: 'explain', seq: 0 });
  const errors = load(engine, scenario);
  if (errors.length > 0) return { ok: false, errors };
  let timers: TimerFired[] = [];
  let direct = false;
  engine.onApply = (command, out) => {
    if (!direct) timers.push({ offsetMs: clock.now() - SCENARIO_START, ...applied(command, out) });
  };
  const steps: StepResult[] = [];
  scenario.steps.forEach((step, index) => {
    clock.advanceTo(SCENARIO_START + step.offsetMs);
    const base = { index, offsetMs: step.offsetMs, ...(step.note !== undefined ? { note: step.note } : {}), timers };
    timers = [];
    if (step.kind === 'show') {
      steps.push({ ...base, kind: 'show', shown: show(engine, step.show) });
      return;
    }
    const command: Command = step.kind === 'route' ? { type: 'call.route', call: step.call } : step.command;
    direct = true;
    const out = engine.submit(TENANT, command);
    direct = false;
    const a = applied(command, out);
    const decision = command.type === 'call.route' && a.reply !== undefined ? (a.reply as Decision) : undefined;
    steps.push({
      ...base,
      kind: step.kind,
      applied: a,
      ...(step.kind === 'route' ? { call: step.call } : {}),
      ...(decision !== undefined ? { decision } : {}),
    });
  });
  engine.stop();
  return {
    ok: true,
    transcript: {
      start: new Date(SCENARIO_START).toISOString(),
      users: scenario.users.length,
      groups: scenario.groups.length,
      queues: scenario.queues.length,
      steps,
      names: Object.fromEntries(scenario.users.map((u) => [u.id, `${u.name} (${u.extension})`])),
    },
  };
}

/** Parses, plays and renders a scenario file's text: the `explain` subcommand without I/O. */
export function explain(
  text: string,
  options: { readonly json?: boolean } = {},
): { readonly code: number; readonly output: string } {
  const parsed = parseScenario(text, SCENARIO_START);
  const result = parsed.ok ? play(parsed.scenario) : parsed;
  if (!result.ok) {
    const output = options.json
      ? `${JSON.stringify({ ok: false, errors: result.errors }, null, 2)}\n`
      : `The scenario is not valid:\n${result.errors.map((e) => `  - ${e}`).join('\n')}\n`;
    return { code: 2, output };
  }
  return {
    code: 0,
    output: options.json
      ? `${JSON.stringify({ ok: true, ...result.transcript }, null, 2)}\n`
      : formatTranscript(result.transcript),
  };
}
