// What the API answers, as TypeBox schemas: the one source for the OpenAPI document's responses
// and for serialization (fastify compiles each into fast-json-stringify, which writes only the
// fields declared here — so a credential, hash or secret that is not declared can never leave).
// Every field a route really answers must be declared, or it is silently dropped: the contract
// test and SWB_CHECK_REPLIES (server.ts) catch a field that is missing here. Refusals: error-replies.ts.
import { Type } from 'typebox';
import type { Static, TSchema } from 'typebox';
import { AUTOMATIC_STATUSES, MANUAL_STATUSES } from '../core/index.js';
import { ActionReply, HoursReply } from './replies-parts.js';
import { ReasonReply } from './replies-reasons.js';

const Opt = Type.Optional;
const Str = Type.String();
const Int = Type.Integer();
const Bool = Type.Boolean();
const StrList = Type.Array(Str);
/** Milliseconds since the epoch (presence records keep the core's instants). */
const Instant = Type.Integer({ description: 'Milliseconds since the epoch.' });
const IsoTime = Type.String({ format: 'date-time' });

/** A map keyed by ids (users, queues, statuses): additionalProperties, so clients type it as a record. */
function MapOf<T extends TSchema>(
  value: T,
  description: string,
): ReturnType<typeof Type.Unsafe<Record<string, Static<T>>>> {
  return Type.Unsafe<Record<string, Static<T>>>({ type: 'object', additionalProperties: value, description });
}

// ------------------------------------------------------------------ directory

export { ActionReply, HoursOverviewReply, HoursReply, HoursStatusReply, RouteTargetReply } from './replies-parts.js';

const RoleReply = Type.Enum(['admin', 'supervisor', 'user']);

/** The directory view of a user: never a password, hash or HA1. */
export const UserReply = Type.Object({ id: Str, extension: Str, name: Str, role: RoleReply, email: Opt(Str) });
export const UserBrief = Type.Object({ id: Str, extension: Str, name: Str, role: RoleReply });

export const SettingsReply = Type.Object({
  deskDelaySec: Opt(Type.Integer({ description: "Absent: the tenant's defaultDeskDelaySec." })),
  ringTimeoutSec: Int,
  callWaiting: Bool,
  forwardingAllowed: Bool,
  absentAtLogout: Bool,
  voicemail: Bool,
  actions: Type.Object({
    dnd: Opt(ActionReply),
    busy: Opt(ActionReply),
    unreachable: Opt(ActionReply),
    noAnswer: Opt(ActionReply),
  }),
});

export const GroupReply = Type.Object({
  id: Str,
  extension: Opt(Str),
  name: Str,
  strategy: Type.Enum(['ringAll', 'hunt', 'roundRobin', 'longestIdle']),
  members: StrList,
  memberRingSec: Int,
  ringTimeoutSec: Int,
  actions: Type.Object({ busy: Opt(ActionReply), unreachable: Opt(ActionReply), noAnswer: Opt(ActionReply) }),
  hours: Opt(HoursReply),
});

export const QueueReply = Type.Object({
  id: Str,
  extension: Opt(Str),
  name: Str,
  strategy: Type.Enum(['ringAll', 'longestIdle', 'roundRobin', 'fewestCalls', 'linear']),
  agents: StrList,
  supervisors: StrList,
  autoReady: Bool,
  wrapUpSec: Int,
  agentRingSec: Int,
  missedToNotReady: Bool,
  maxWaitSec: Int,
  maxCallers: Int,
  joinEmpty: Bool,
  overflowAction: ActionReply,
  busyAction: ActionReply,
  hours: Opt(HoursReply),
});

export const PolicyReply = Type.Object({
  statusIndependentOfLogin: Bool,
  idleAfterSec: Int,
  sessionTimeoutSec: Int,
  defaultDeskDelaySec: Int,
  manualStatuses: Type.Array(Type.Enum([...MANUAL_STATUSES])),
  adminsSetOthers: Bool,
  timezone: Str,
  maxCallSec: Int,
  hours: Opt(HoursReply),
  callLogDays: Int,
  reasons: Opt(Type.Array(ReasonReply)),
});

const ImportError = Type.Object({
  code: Str,
  message: Str,
  details: Opt(Type.Object({}, { additionalProperties: true })),
});
const ImportAction = Type.Enum(['create', 'update', 'skip']);
/** The import's report, or with ?preview=true its plan (nothing written). */
export const ImportReply = Type.Union([
  Type.Object({
    imported: Int,
    failed: Int,
    rows: Type.Array(
      Type.Object({ row: Int, ok: Bool, id: Opt(Str), action: Opt(ImportAction), error: Opt(ImportError) }),
    ),
  }),
  Type.Object({
    preview: Type.Literal(true),
    creates: Int,
    updates: Int,
    skipped: Int,
    rows: Type.Array(
      Type.Object({
        row: Int,
        action: ImportAction,
        id: Opt(Str),
        extension: Opt(Str),
        name: Opt(Str),
        problems: Type.Array(Str),
        code: Opt(Str),
        duplicateOf: Opt(Int),
      }),
    ),
  }),
]);

// ------------------------------------------------------------------ presence

const AgentStateReply = Type.Enum(['logged_out', 'not_ready', 'ready', 'queue_call', 'other_call', 'wrap_up']);

/** S2.4 */
export const PresenceReply = Type.Object({
  userId: Str,
  extension: Str,
  name: Str,
  status: Type.Enum([...MANUAL_STATUSES.filter((s) => s !== 'available'), ...AUTOMATIC_STATUSES]),
  label: Str,
  colour: Type.Enum(['green', 'yellow', 'red', 'grey']),
  icon: Str,
  text: Opt(Str),
  until: Opt(Instant),
  since: Instant,
  manual: Opt(
    Type.Object({
      status: Str,
      text: Opt(Str),
      until: Opt(Instant),
      forwardTo: Opt(Str),
      reason: Opt(Str),
      reasonUntil: Opt(Instant),
      setBy: Str,
      setAt: Instant,
    }),
  ),
  indicators: Type.Object({
    onCall: Bool,
    ringing: Bool,
    lostRegistration: Bool,
    missedCalls: Int,
    voicemail: Int,
    forwardTo: Opt(Str),
  }),
  devices: Type.Object({ app: Int, terminal: Int, pbx: Int }),
  sessions: Int,
  rule: Type.String({ description: 'S9.5: the S2.3 row that produced the status.' }),
  agent: Opt(MapOf(AgentStateReply, 'S2.4: the agent state in each queue, by queue id.')),
});

export const PresenceListReply = Type.Object({ epoch: Str, seq: Int, presence: Type.Array(PresenceReply) });

// ------------------------------------------------------------------ agents and queues

export const AgentViewReply = Type.Object({
  queueId: Str,
  queue: Str,
  state: AgentStateReply,
  reason: Opt(Str),
  reasonLabel: Opt(Type.String({ description: "S9.2: the reason's label in this tenant." })),
  reasonUntil: Opt(IsoTime),
  since: Opt(IsoTime),
  callsToday: Int,
});

export const AgentCommandReply = Type.Object({
  userId: Str,
  queues: Type.Array(AgentViewReply),
  refused: Opt(
    Type.Array(Type.Object({ queueId: Str, code: Str }), {
      description: 'S4.2: the queues where an all-queues command did not apply.',
    }),
  ),
});

export const AgentReply = Type.Object({ userId: Str, extension: Str, name: Str, queues: Type.Array(AgentViewReply) });

export const QueueStateReply = Type.Object({
  queueId: Str,
  name: Str,
  extension: Opt(Str),
  strategy: Str,
  waiting: Type.Array(
    Type.Object({
      callId: Str,
      caller: Str,
      arrivedAt: IsoTime,
      position: Int,
      priority: Type.Number(),
      offeredTo: StrList,
      waitSec: Int,
    }),
  ),
  counters: Type.Object({
    waiting: Int,
    longestWaitSec: Int,
    answeredToday: Int,
    missedToday: Int,
    overflowedToday: Int,
    loggedIn: Int,
    ready: Int,
    onQueueCall: Int,
    wrapUp: Int,
    notReady: Int,
  }),
  agents: Type.Array(Type.Object({ userId: Str, extension: Str, name: Str, ...AgentViewReply.properties })),
});

// ------------------------------------------------------------------ routing (S3, S9.5)

const Owner = Type.Object({ kind: Type.Enum(['user', 'group', 'queue']), id: Str });
const Explanations = Type.Array(Type.Object({ rule: Str, text: Str }));
const ActionDecision = Type.Object({
  condition: Type.Enum(['dnd', 'busy', 'unreachable', 'noAnswer', 'closed']),
  action: ActionReply,
  owner: Owner,
  defaulted: Bool,
});
const RingEntry = Type.Object({
  kind: Type.Enum(['app', 'terminal', 'pbx', 'external']),
  userId: Opt(Str),
  deviceId: Opt(Str),
  number: Opt(Str),
  startSec: Type.Number(),
  stopSec: Opt(Type.Number()),
  forwardedFrom: Opt(Str),
});

/** A decision may hold the decision at the next target: a shared schema that refers to itself. */
export const DECISION_ID = 'Decision';
const Next = Opt(Type.Ref(DECISION_ID));
export const DecisionSchema = Type.Union(
  [
    Type.Object({
      outcome: Type.Literal('ring'),
      target: Owner,
      ring: Type.Array(RingEntry),
      timeoutSec: Type.Number(),
      onNoAnswer: ActionDecision,
      explanation: Explanations,
    }),
    Type.Object({
      outcome: Type.Literal('action'),
      target: Owner,
      action: ActionDecision,
      notifyMissed: Opt(Str),
      next: Next,
      explanation: Explanations,
    }),
    Type.Object({ outcome: Type.Literal('forward'), target: Owner, to: Str, next: Next, explanation: Explanations }),
    Type.Object({ outcome: Type.Literal('reject'), target: Opt(Owner), reason: Str, explanation: Explanations }),
    Type.Object({ outcome: Type.Literal('queue'), target: Owner, offerTo: StrList, explanation: Explanations }),
    Type.Object({ outcome: Type.Literal('external'), number: Str, explanation: Explanations }),
    Type.Object({
      outcome: Type.Literal('wait'),
      target: Owner,
      maxWaitSec: Type.Number(),
      fallback: ActionDecision,
      explanation: Explanations,
    }),
  ],
  { $id: DECISION_ID, title: DECISION_ID },
);

export const RouteReply = Type.Object({ decision: Type.Ref(DECISION_ID) });

// ------------------------------------------------------------------ history and devices (S6.5, S7)

export const HistoryReply = Type.Object({
  userId: Str,
  from: IsoTime,
  to: IsoTime,
  history: Type.Array(
    Type.Object({
      at: IsoTime,
      kind: Type.Enum(['status', 'agent']),
      queueId: Opt(Str),
      value: Str,
      reason: Opt(Str),
      cause: Str,
    }),
  ),
});

export const ReportReply = Type.Object({
  userId: Str,
  timezone: Str,
  from: IsoTime,
  to: IsoTime,
  days: Type.Array(
    Type.Object({
      date: Type.String({ description: 'The local date, YYYY-MM-DD.' }),
      statusMs: MapOf(Int, 'Milliseconds in each status that day, by status.'),
    }),
  ),
});

const Subscription = Type.Object({
  event: Str,
  target: Str,
  watcher: Str,
  expiresAt: Instant,
  transport: Str,
  remote: Str,
});
export const DevicesReply = Type.Object({
  userId: Str,
  registrations: Type.Array(
    Type.Object({
      id: Str,
      kind: Type.Enum(['app', 'terminal', 'pbx']),
      expiresAt: IsoTime,
      contact: Opt(Str),
      transport: Opt(Str),
      source: Opt(Str),
      userAgent: Opt(Str),
    }),
  ),
  sessions: Int,
  subscriptions: Opt(Type.Object({ watchedBy: Type.Array(Subscription), watching: Type.Array(Subscription) })),
});

// ------------------------------------------------------------------ overlay, webhooks, auth

export const EventsReply = Type.Object({
  accepted: Int,
  results: Type.Array(Type.Object({ index: Int, ok: Bool, error: Opt(Type.Object({ code: Str, message: Str })) })),
});

/** A webhook without its secret (S6.3). */
export const WebhookReply = Type.Object({ id: Str, url: Str, events: StrList, createdAt: IsoTime });
export const WebhookCreatedReply = Type.Object({
  ...WebhookReply.properties,
  secret: Type.String({ description: 'The signing secret, shown only in this answer.' }),
});
export const WebhookListReply = Type.Object({ webhooks: Type.Array(WebhookReply) });
export const WebhookTestReply = Type.Object({ delivery: Str });
export const DeliveriesReply = Type.Object({
  deliveries: Type.Array(
    Type.Object({
      id: Int,
      delivery: Str,
      at: IsoTime,
      ok: Bool,
      status: Type.Union([Int, Type.Null()]),
      error: Type.Union([Str, Type.Null()]),
      durationMs: Type.Union([Type.Number(), Type.Null()]),
    }),
  ),
});

export const LoginReply = Type.Object({ token: Str, expiresAt: IsoTime, tenant: Str, user: UserBrief });
export const MeReply = Type.Object({
  tenant: Type.Object({ id: Str, name: Str, sipDomain: Str }),
  role: RoleReply,
  user: Type.Union([UserBrief, Type.Null()]),
  apiKey: Type.Union([Str, Type.Null()], { description: 'The API key id, when the credential is an API key.' }),
});
export const ApiKeyReply = Type.Object({ id: Str, name: Str, role: RoleReply, createdAt: IsoTime });
export const ApiKeyListReply = Type.Object({ apiKeys: Type.Array(ApiKeyReply) });
export const ApiKeyCreatedReply = Type.Object({
  id: Str,
  key: Type.String({ description: 'The key, shown only in this answer.' }),
  name: Str,
  role: RoleReply,
});
export const TenantReply = Type.Object({ id: Str, name: Str, sipDomain: Str });

/** An answer without a body (204). */
export const NoContent = Type.Null({ description: 'Done; no body.' });
