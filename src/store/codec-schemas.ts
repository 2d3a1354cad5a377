// The shapes of what the store keeps, version 1 (codec.ts): a user's facts, a group, a queue. They
// check what is read back from a row before the engine gets it, so a damaged or foreign row is
// refused by name instead of failing later somewhere in the core. They are the core's types
// (core/types.ts) as stored, not the API's input rules (http/schemas.ts): a value the core once
// accepted is read back whatever today's input limits say.
import { Type } from 'typebox';

const Str = Type.String();
const Int = Type.Integer();
const Num = Type.Number();
const Opt = Type.Optional;
const Ids = Type.Array(Str);
const OneOf = <const T extends string[]>(values: [...T]) => Type.Enum(values);

const MANUAL: ['away', 'custom', 'at_desk', 'busy', 'dnd', 'absent', 'forwarding', 'blocked'] = [
  'away',
  'custom',
  'at_desk',
  'busy',
  'dnd',
  'absent',
  'forwarding',
  'blocked',
];
const AGENT_STATES: ['logged_out', 'not_ready', 'ready', 'queue_call', 'other_call', 'wrap_up'] = [
  'logged_out',
  'not_ready',
  'ready',
  'queue_call',
  'other_call',
  'wrap_up',
];
const ACTION_TYPES: ['voicemail', 'busyTone', 'message', 'redirect', 'external', 'reject', 'queue', 'wait'] = [
  'voicemail',
  'busyTone',
  'message',
  'redirect',
  'external',
  'reject',
  'queue',
  'wait',
];

/** S3.2: an answering action; its own fields are the core's to read. */
const Action = Type.Object({ type: OneOf(ACTION_TYPES) });
const Actions = Type.Record(Str, Action);

/** S11.2: opening hours (core/types.ts OfficeHours); optional everywhere, so older rows still read. */
const Hours = Type.Object({
  weekly: Type.Array(Type.Object({ day: Str, from: Str, to: Str })),
  holidays: Type.Array(Type.Object({ date: Str, name: Opt(Str) })),
  closedAction: Opt(Action),
  nightMode: Opt(Type.Boolean()),
});

const Settings = Type.Object({
  deskDelaySec: Opt(Num),
  ringTimeoutSec: Num,
  callWaiting: Type.Boolean(),
  forwardingAllowed: Type.Boolean(),
  absentAtLogout: Type.Boolean(),
  voicemail: Type.Boolean(),
  actions: Actions,
});

const Registration = Type.Object({ id: Str, kind: OneOf(['app', 'terminal', 'pbx']), expiresAt: Num });
const Session = Type.Object({ id: Str, lastSeenAt: Num, lastActiveAt: Num });
const Leg = Type.Object({
  id: Str,
  direction: OneOf(['in', 'out']),
  state: OneOf(['ringing', 'early', 'answered', 'held']),
  acd: Type.Boolean(),
  queueId: Opt(Str),
  updatedAt: Num,
});
const Manual = Type.Object({
  status: OneOf(MANUAL),
  text: Opt(Str),
  until: Opt(Num),
  forwardTo: Opt(Str),
  reason: Opt(Str),
  reasonUntil: Opt(Num),
  setBy: Str,
  setAt: Num,
});
/** S9.1: a scheduled window, and what the schedule holds while one sets the status. */
const Window = Type.Object({
  id: Str,
  status: OneOf(['available', ...MANUAL]),
  text: Opt(Str),
  forwardTo: Opt(Str),
  from: Num,
  until: Opt(Num),
  setBy: Str,
  setAt: Num,
  started: Opt(Type.Literal(true)),
  /** S11.3, added later. */
  source: Opt(Type.Literal('calendar')),
  title: Opt(Str),
});
/** S11.3: a linked calendar feed. */
const Calendar = Type.Object({
  url: Str,
  status: OneOf(['dnd', 'away']),
  shareTitle: Type.Boolean(),
  linkedAt: Num,
  lastSuccessAt: Opt(Num),
  lastErrorAt: Opt(Num),
  lastError: Opt(Str),
  known: Opt(Type.Array(Str)),
});
const Schedule = Type.Object({
  windows: Type.Array(Window),
  hold: Opt(Type.Object({ window: Str, manual: Opt(Manual), before: Opt(Manual) })),
});
const Step = <const T extends string[]>(states: [...T]) => Type.Object({ state: OneOf(states), reason: Opt(Str) });
const Agent = Type.Object({
  state: OneOf(AGENT_STATES),
  reason: Opt(Str),
  since: Num,
  resume: Opt(Step(['ready', 'not_ready'])),
  logoutAfterCall: Opt(Type.Boolean()),
  afterWrapUp: Opt(Step(['not_ready'])),
  wrapUpUntil: Opt(Num),
  reasonUntil: Opt(Num),
  lastCallEndedAt: Opt(Num),
  callsToday: Num,
});

/**
 * A user as stored, version 1: the directory fields and the facts. No presence record (derived,
 * recomputed on load from these facts at `settledAt`) and no lease row (the engine's index).
 * `statusSince` is when the effective status last changed: history, which no fact gives back.
 */
export const UserRowV1 = Type.Object(
  {
    v: Type.Literal(1),
    id: Str,
    extension: Str,
    name: Str,
    role: OneOf(['admin', 'supervisor', 'user']),
    settings: Settings,
    registrations: Type.Array(Registration),
    sessions: Type.Array(Session),
    legs: Type.Array(Leg),
    manual: Opt(Manual),
    /** S9.1, added later: rows written before it have none. */
    schedule: Opt(Schedule),
    /** S11.3, added later: rows written before it have none. */
    calendar: Opt(Calendar),
    hadRegistrationInSession: Type.Boolean(),
    missedCalls: Int,
    voicemail: Int,
    lastCallEndedAt: Opt(Num),
    agent: Type.Record(Str, Agent),
    settledAt: Opt(Num),
    statusSince: Num,
  },
  { additionalProperties: false },
);

const Strategy = OneOf;

/** A group as stored, version 1 (core/types.ts Group). */
export const GroupRowV1 = Type.Object(
  {
    v: Type.Literal(1),
    id: Str,
    extension: Opt(Str),
    name: Str,
    strategy: Strategy(['ringAll', 'hunt', 'roundRobin', 'longestIdle']),
    members: Ids,
    memberRingSec: Num,
    ringTimeoutSec: Num,
    actions: Actions,
    lastRang: Opt(Str),
    hours: Opt(Hours),
  },
  { additionalProperties: false },
);

const QueueConfig = Type.Object({
  id: Str,
  extension: Opt(Str),
  name: Str,
  strategy: Strategy(['ringAll', 'longestIdle', 'roundRobin', 'fewestCalls', 'linear']),
  agents: Ids,
  supervisors: Ids,
  autoReady: Type.Boolean(),
  wrapUpSec: Num,
  agentRingSec: Num,
  missedToNotReady: Type.Boolean(),
  maxWaitSec: Num,
  maxCallers: Num,
  joinEmpty: Type.Boolean(),
  overflowAction: Action,
  busyAction: Action,
  hours: Opt(Hours),
});

const Waiting = Type.Object({
  callId: Str,
  caller: Str,
  arrivedAt: Num,
  priority: Num,
  offeredTo: Ids,
  offeredAt: Opt(Num),
  triedAgents: Ids,
});

/** A queue as stored, version 1: its configuration and its callers waiting (core/types.ts QueueState). */
export const QueueRowV1 = Type.Object(
  {
    v: Type.Literal(1),
    config: QueueConfig,
    waiting: Type.Array(Waiting),
    lastOffered: Opt(Str),
    answeredToday: Int,
    missedToday: Int,
    overflowedToday: Int,
  },
  { additionalProperties: false },
);
