// A scenario file for `switchboard explain`: a directory (policy, users, groups, queues) and
// timed steps (a command, a call to route, or a table to show). Parsing checks the shape and the
// names a step refers to, so a typo is a clear message with its place in the file, never a stack
// trace. Rule checks (may this status be set? is this agent logged in?) stay in the core: a step
// the core refuses is part of the story the CLI prints.
import type {
  Actor,
  CallRequest,
  Command,
  CommandType,
  GroupInput,
  Instant,
  QueueInput,
  Role,
  RouteTarget,
  TenantPolicy,
  UserInput,
} from '../core/index.js';
import { DEFAULT_POLICY } from '../core/index.js';
import { jsonErrorOffset } from './json-position.js';

/** 2026-11-02 09:00:00 UTC, a Monday morning: every scenario starts there. */
export const SCENARIO_START = Date.UTC(2026, 10, 2, 9, 0, 0);

export type ShowWhat = 'presence' | 'agents' | 'queues';
export type StepInput =
  | { readonly kind: 'command'; readonly command: Command }
  | { readonly kind: 'route'; readonly call: CallRequest }
  | { readonly kind: 'show'; readonly show: ShowWhat };
/** `offsetMs` is after the scenario's start instant; `note` is the author's comment, printed with the step. */
export type Step = StepInput & { readonly offsetMs: number; readonly note?: string };

export interface Scenario {
  readonly policy: Partial<TenantPolicy>;
  readonly users: readonly UserInput[];
  readonly groups: readonly GroupInput[];
  readonly queues: readonly QueueInput[];
  readonly steps: readonly Step[];
}

export type Parsed =
  { readonly ok: true; readonly scenario: Scenario } | { readonly ok: false; readonly errors: readonly string[] };

type Json = Record<string, unknown>;
type Ref = 'user' | 'queue' | 'group';

/** Per command: the fields it needs, and which of them name a user, queue or group. */
const COMMANDS = {
  'tenant.policy': { required: ['policy'] },
  'user.upsert': { required: ['user'] },
  'user.remove': { required: ['userId'], refs: { userId: 'user' } },
  'group.upsert': { required: ['group'] },
  'group.remove': { required: ['groupId'], refs: { groupId: 'group' } },
  'queue.upsert': { required: ['queue'] },
  'queue.remove': { required: ['queueId'], refs: { queueId: 'queue' } },
  'registration.set': { required: ['userId', 'id', 'kind', 'expiresAt'], refs: { userId: 'user' } },
  'registration.remove': { required: ['userId', 'id'], refs: { userId: 'user' } },
  'leg.update': { required: ['userId', 'legId', 'direction', 'state'], refs: { userId: 'user', queueId: 'queue' } },
  'status.set': { required: ['userId', 'status'], refs: { userId: 'user' }, by: true },
  'status.clear': { required: ['userId'], refs: { userId: 'user' }, by: true },
  'schedule.add': { required: ['userId', 'window'], refs: { userId: 'user' }, by: true },
  'schedule.cancel': { required: ['userId', 'windowId'], refs: { userId: 'user' }, by: true },
  'calendar.link': { required: ['userId', 'url', 'status', 'shareTitle'], refs: { userId: 'user' }, by: true },
  'calendar.unlink': { required: ['userId'], refs: { userId: 'user' }, by: true },
  'calendar.sync': { required: ['userId', 'url', 'windows'], refs: { userId: 'user' } },
  'calendar.failed': { required: ['userId', 'url', 'error'], refs: { userId: 'user' } },
  'session.start': { required: ['userId', 'sessionId'], refs: { userId: 'user' } },
  'session.heartbeat': { required: ['userId', 'sessionId', 'active'], refs: { userId: 'user' } },
  'session.end': { required: ['userId', 'sessionId'], refs: { userId: 'user' } },
  'agent.command': { required: ['userId', 'action'], refs: { userId: 'user', queueId: 'queue' }, by: true },
  'fac.dial': { required: ['userId', 'digits'], refs: { userId: 'user' } },
  'night.set': { required: ['target', 'on'], by: true },
  'voicemail.count': { required: ['userId', 'count'], refs: { userId: 'user' } },
  'missed.reset': { required: ['userId'], refs: { userId: 'user' }, by: true },
  'missed.add': { required: ['userId'], refs: { userId: 'user' } },
  'call.route': { required: ['call'] },
  'call.end': { required: ['callId'] },
  'queue.call.arrive': { required: ['queueId', 'callId', 'caller'], refs: { queueId: 'queue' } },
  'queue.call.answer': { required: ['queueId', 'callId', 'userId'], refs: { queueId: 'queue', userId: 'user' } },
  'queue.call.abandon': { required: ['queueId', 'callId'], refs: { queueId: 'queue' } },
  'queue.resetCounters': { required: ['queueId'], refs: { queueId: 'queue' } },
  'timer.wake': { timer: true },
  'timer.wrapUp': { timer: true },
  'timer.schedule': { timer: true },
  'timer.reasonEnd': { timer: true },
  'timer.agentRing': { timer: true },
  'timer.queueMaxWait': { timer: true },
} satisfies Record<
  CommandType,
  { required?: readonly string[]; refs?: Readonly<Record<string, Ref>>; by?: true; timer?: true }
>;

const SHOWS: readonly ShowWhat[] = ['presence', 'agents', 'queues'];
const TOP_KEYS = ['policy', 'users', 'groups', 'queues', 'steps', 'description'];
/** Fields holding an instant: a duration string there means "that long after the step". */
const INSTANT_FIELDS = ['expiresAt', 'until'];

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "+90s", "10m", "+1m30s", "+500ms" → milliseconds; a number is milliseconds already. */
export function parseOffset(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim().replace(/^\+/, '');
  if (text === '') return undefined;
  let ms = 0;
  let rest = text;
  while (rest !== '') {
    const m = /^(\d+(?:\.\d+)?)(ms|h|m|s)/.exec(rest);
    if (m === null) return undefined;
    ms += Number(m[1]) * UNITS[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return Math.round(ms);
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (known: Iterable<string>) => [...known].slice(0, 8).join(', ') || 'none';

/** Where the JSON went wrong, as line:column, for a person to find the typo. */
function jsonError(text: string, e: unknown): string {
  const message = (e instanceof Error ? e.message : String(e))
    .replace(/ (in JSON )?at position \d+.*$/s, '')
    .replace(/, (\.\.\.)?".*" is not valid JSON$/s, '');
  const at = jsonErrorOffset(text);
  if (at === undefined) return `not valid JSON: ${message}`;
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  const column = at - before.lastIndexOf('\n');
  return `not valid JSON at line ${line}, column ${column}: ${message}`;
}

export function parseScenario(text: string, start: Instant): Parsed {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { ok: false, errors: [jsonError(text, e)] };
  }
  if (!isObject(doc)) return { ok: false, errors: ['the scenario must be a JSON object with "users" and "steps"'] };
  const errors: string[] = [];
  const policy = topLevel(doc, errors);
  const users = section(doc, 'users', true, errors);
  const groups = section(doc, 'groups', false, errors);
  const queues = section(doc, 'queues', false, errors);
  const rawSteps = section(doc, 'steps', true, errors);
  const checks = checksOf(users, groups, queues, rawSteps, errors);
  const steps: Step[] = [];
  let last = 0;
  rawSteps.forEach((s, i) => (last = parseStep(checks, `steps[${i}]`, s, start, last, steps)));
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    scenario: {
      policy: policy as Partial<TenantPolicy>,
      users: users as unknown as UserInput[],
      groups: groups as unknown as GroupInput[],
      queues: queues as unknown as QueueInput[],
      steps,
    },
  };
}

/** What the checks of one scenario share: the errors found so far and the names its steps may use. */
interface Checks {
  readonly errors: string[];
  readonly known: Record<Ref, Set<string>>;
  readonly roles: Map<string, Role>;
  readonly byExtension: Map<string, string>;
  refCheck(where: string, kind: Ref, id: unknown): void;
}

/** The top-level fields and the policy's settings; answers the policy. */
function topLevel(doc: Json, errors: string[]): unknown {
  for (const k of Object.keys(doc))
    if (!TOP_KEYS.includes(k)) errors.push(`unknown top-level field "${k}" (expected ${TOP_KEYS.join(', ')})`);
  const policy = doc.policy ?? {};
  if (!isObject(policy)) errors.push('"policy" must be an object');
  else
    for (const k of Object.keys(policy))
      if (!Object.hasOwn(DEFAULT_POLICY, k))
        errors.push(`policy: unknown setting "${k}" (known: ${Object.keys(DEFAULT_POLICY).join(', ')})`);
  return policy;
}

/** A list of objects at the top level. */
function section(doc: Json, name: string, required: boolean, errors: string[]): Json[] {
  const v = doc[name];
  if (v === undefined && !required) return [];
  if (!Array.isArray(v)) {
    errors.push(`"${name}" must be a list${required ? ' (it is required)' : ''}`);
    return [];
  }
  return v.filter((x, i) => isObject(x) || (errors.push(`${name}[${i}] must be an object`), false)) as Json[];
}

/** The names a step may refer to: the directory's, and those earlier or later steps create. */
function checksOf(users: Json[], groups: Json[], queues: Json[], rawSteps: Json[], errors: string[]): Checks {
  const known: Record<Ref, Set<string>> = { user: new Set(), group: new Set(), queue: new Set() };
  const ids = (name: string, entries: Json[], into: Set<string>) =>
    entries.forEach((x, i) => {
      if (typeof x.id !== 'string') errors.push(`${name}[${i}]: "id" must be a string`);
      else if (into.has(x.id)) errors.push(`${name}[${i}]: the id "${x.id}" is used twice`);
      else into.add(x.id);
    });
  ids('users', users, known.user);
  ids('groups', groups, known.group);
  ids('queues', queues, known.queue);
  // Entities a step creates can be named by later steps.
  for (const s of rawSteps) {
    const c = s.command;
    if (!isObject(c)) continue;
    if (c.type === 'user.upsert' && isObject(c.user) && typeof c.user.id === 'string') known.user.add(c.user.id);
    if (c.type === 'group.upsert' && isObject(c.group) && typeof c.group.id === 'string') known.group.add(c.group.id);
    if (c.type === 'queue.upsert' && isObject(c.queue) && typeof c.queue.id === 'string') known.queue.add(c.queue.id);
  }
  return {
    errors,
    known,
    roles: new Map(users.map((u) => [String(u.id), u.role === 'admin' || u.role === 'supervisor' ? u.role : 'user'])),
    byExtension: new Map(users.map((u) => [String(u.extension), String(u.id)])),
    refCheck(where, kind, id) {
      if (typeof id !== 'string') errors.push(`${where}: must be a string naming a ${kind}`);
      else if (!known[kind].has(id)) errors.push(`${where}: unknown ${kind} "${id}" (known: ${list(known[kind])})`);
    },
  };
}

/** One step: its time, then its kind's parser. Answers the latest time so far (steps go forward). */
function parseStep(c: Checks, where: string, s: Json, start: Instant, last: number, steps: Step[]): number {
  const { errors } = c;
  const offsetMs = parseOffset(s.at);
  if (offsetMs === undefined) {
    errors.push(
      `${where}: "at" must be an offset like "+0s", "+90s", "+10m", "+1m30s" or a number of milliseconds (got ${JSON.stringify(s.at)})`,
    );
    return last;
  }
  if (offsetMs < last)
    errors.push(`${where}: steps must be in time order ("at" ${JSON.stringify(s.at)} is before the step above it)`);
  const kinds = STEP_KINDS.filter((k) => k in s);
  const extra = Object.keys(s).filter((k) => k !== 'at' && k !== 'note' && !(STEP_KINDS as string[]).includes(k));
  if (kinds.length !== 1 || extra.length > 0) {
    errors.push(
      `${where}: a step has "at" and exactly one of "command", "route" or "show"${extra.length > 0 ? ` (unknown: ${extra.join(', ')})` : ''}`,
    );
    return Math.max(last, offsetMs);
  }
  if (s.note !== undefined && typeof s.note !== 'string') errors.push(`${where}.note: must be a string`);
  const note = typeof s.note === 'string' ? { note: s.note } : {};
  const step = STEP_PARSERS[kinds[0]!](c, where, s, start + offsetMs);
  if (step !== undefined) steps.push({ offsetMs, ...note, ...step });
  return Math.max(last, offsetMs);
}

type StepKind = StepInput['kind'];
const STEP_KINDS: StepKind[] = ['command', 'route', 'show'];

/** Per kind of step: its parser, answering the step or undefined after noting what is wrong. */
const STEP_PARSERS: Readonly<
  Record<StepKind, (c: Checks, where: string, s: Json, now: Instant) => StepInput | undefined>
> = {
  show(c, where, s) {
    if (SHOWS.includes(s.show as ShowWhat)) return { kind: 'show', show: s.show as ShowWhat };
    c.errors.push(`${where}.show: must be one of ${SHOWS.join(', ')} (got ${JSON.stringify(s.show)})`);
    return undefined;
  },
  route(c, where, s) {
    const call = callRequest(`${where}.route`, s.route, c.errors, c.refCheck, c.known, c.byExtension);
    return call === undefined ? undefined : { kind: 'route', call };
  },
  command: commandStep,
};

type CommandSpec = { required?: readonly string[]; refs?: Record<string, Ref>; by?: true; timer?: true };

function commandStep(ch: Checks, where: string, s: Json, now: Instant): StepInput | undefined {
  const { errors } = ch;
  const c = s.command;
  if (!isObject(c) || typeof c.type !== 'string') {
    errors.push(`${where}.command: must be an object with a "type"`);
    return undefined;
  }
  // Own keys only: "constructor" or "__proto__" is no command type (S8.1).
  const spec = Object.hasOwn(COMMANDS, c.type) ? (COMMANDS as Record<string, CommandSpec>)[c.type] : undefined;
  if (spec === undefined) {
    const types = Object.keys(COMMANDS).filter((t) => !t.startsWith('timer.'));
    errors.push(`${where}.command: unknown command type "${c.type}" (known: ${types.join(', ')})`);
    return undefined;
  }
  if (spec.timer) {
    errors.push(`${where}.command: "${c.type}" is fired by the engine itself; move "at" forward instead`);
    return undefined;
  }
  const before = errors.length;
  for (const f of spec.required ?? [])
    if (c[f] === undefined) errors.push(`${where}.command: "${c.type}" needs "${f}"`);
  for (const [f, kind] of Object.entries(spec.refs ?? {}))
    if (c[f] !== undefined) ch.refCheck(`${where}.command.${f}`, kind, c[f]);
  const command: Json = { ...c };
  for (const f of INSTANT_FIELDS) {
    if (typeof c[f] !== 'string') continue;
    const ms = parseOffset(c[f]);
    if (ms === undefined)
      errors.push(`${where}.command.${f}: an instant is a number of ms or an offset after the step like "+1h"`);
    else command[f] = now + ms;
  }
  if (spec.by) {
    const by = actor(`${where}.command.by`, c.by, String(c.userId), ch.roles, errors, ch.refCheck);
    if (by !== undefined) command.by = by;
  }
  if (c.type === 'call.route') {
    const call = callRequest(`${where}.command.call`, c.call, errors, ch.refCheck, ch.known, ch.byExtension);
    if (call !== undefined) command.call = call;
  }
  return errors.length === before ? { kind: 'command', command: command as unknown as Command } : undefined;
}

/** `by` may be an Actor object, or "self" (the default), "system", "admin:<userId>", "supervisor:<userId>". */
function actor(
  where: string,
  by: unknown,
  subject: string,
  roles: Map<string, Role>,
  errors: string[],
  refCheck: (w: string, k: Ref, id: unknown) => void,
): Actor | undefined {
  if (isObject(by)) return by as unknown as Actor;
  if (by === undefined || by === 'self') return { kind: 'user', userId: subject, role: roles.get(subject) ?? 'user' };
  if (by === 'system' || by === 'sip' || by === 'pbx') return { kind: by };
  const m = typeof by === 'string' ? /^(admin|supervisor|user):(.+)$/.exec(by) : null;
  if (m === null) {
    errors.push(
      `${where}: "self", "system", "admin:<userId>", "supervisor:<userId>" or an actor object (got ${JSON.stringify(by)})`,
    );
    return undefined;
  }
  refCheck(where, 'user', m[2]);
  return { kind: 'user', userId: m[2]!, role: m[1] as 'admin' | 'supervisor' | 'user' };
}

/**
 * A call to route. `to` may be a target object or a string (an extension, or a number outside);
 * `from` a user id, an extension of a user, or an outside number.
 */
function callRequest(
  where: string,
  raw: unknown,
  errors: string[],
  refCheck: (w: string, k: Ref, id: unknown) => void,
  known: Record<Ref, Set<string>>,
  byExtension: Map<string, string>,
): CallRequest | undefined {
  if (!isObject(raw)) {
    errors.push(`${where}: must be an object with "to" (and optionally "from", "callId")`);
    return undefined;
  }
  const before = errors.length;
  let to: RouteTarget | undefined;
  if (typeof raw.to === 'string') to = { kind: 'extension', extension: raw.to };
  else if (isObject(raw.to) && ['user', 'group', 'queue'].includes(String(raw.to.kind))) {
    refCheck(`${where}.to.id`, raw.to.kind as Ref, raw.to.id);
    to = raw.to as unknown as RouteTarget;
  } else if (isObject(raw.to) && raw.to.kind === 'extension' && typeof raw.to.extension === 'string')
    to = raw.to as unknown as RouteTarget;
  else if (isObject(raw.to) && raw.to.kind === 'external' && typeof raw.to.number === 'string')
    to = raw.to as unknown as RouteTarget;
  else
    errors.push(
      `${where}.to: an extension string or { "kind": "user" | "group" | "queue", "id" } (got ${JSON.stringify(raw.to)})`,
    );
  let from: CallRequest['from'];
  if (typeof raw.from === 'string') {
    const userId = known.user.has(raw.from) ? raw.from : byExtension.get(raw.from);
    from = userId !== undefined ? { userId } : { external: raw.from };
  } else if (isObject(raw.from) && typeof raw.from.userId === 'string') {
    refCheck(`${where}.from.userId`, 'user', raw.from.userId);
    from = { userId: raw.from.userId };
  } else if (isObject(raw.from) && typeof raw.from.external === 'string') from = { external: raw.from.external };
  else if (raw.from !== undefined) errors.push(`${where}.from: a user id, an extension or an outside number`);
  if (raw.callId !== undefined && typeof raw.callId !== 'string') errors.push(`${where}.callId: must be a string`);
  if (errors.length > before || to === undefined) return undefined;
  return {
    to,
    ...(from !== undefined ? { from } : {}),
    ...(typeof raw.callId === 'string' ? { callId: raw.callId } : {}),
  };
}
