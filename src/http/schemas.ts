// TypeBox schemas shared by the directory, routing and agent routes: one source for validation
// and the OpenAPI document. Every object refuses unknown fields (S8.1).
import { Type } from 'typebox';

const closed = { additionalProperties: false } as const;

export const Id = Type.String({
  pattern: '^[A-Za-z0-9_.:-]{1,64}$',
  description: 'Letters, digits and _.:- only, at most 64.',
});
export const Extension = Type.String({ pattern: '^[0-9]{2,10}$', description: '2 to 10 digits.' });
export const PhoneNumber = Type.String({ pattern: '^\\+?[0-9]{2,20}$' });
export const Role = Type.Enum(['admin', 'supervisor', 'user']);
/** A user, group or queue named by id or extension, in the caller's tenant only (S5.2). */
export const Ref = Type.String({ minLength: 1, maxLength: 64 });
export const RefList = Type.Array(Ref, { maxItems: 1000 });
export const Name = Type.String({ minLength: 1, maxLength: 100 });
export const Password = Type.String({ minLength: 8, maxLength: 200 });

export const UserParam = Type.Object({ user: Ref }, closed);
export const IdParam = Type.Object({ id: Ref }, closed);

/** The target of a `redirect` answering action, as core/types.ts RouteTarget. */
export const RouteTargetSchema = Type.Union([
  Type.Object({ kind: Type.Literal('user'), id: Ref }, closed),
  Type.Object({ kind: Type.Literal('group'), id: Ref }, closed),
  Type.Object({ kind: Type.Literal('queue'), id: Ref }, closed),
  Type.Object({ kind: Type.Literal('extension'), extension: Extension }, closed),
  Type.Object({ kind: Type.Literal('external'), number: PhoneNumber }, closed),
]);

/** S3.2 answering actions. */
export const AnsweringActionSchema = Type.Union([
  Type.Object({ type: Type.Literal('voicemail') }, closed),
  Type.Object({ type: Type.Literal('busyTone') }, closed),
  Type.Object({ type: Type.Literal('message'), prompt: Type.Optional(Type.String({ maxLength: 200 })) }, closed),
  Type.Object({ type: Type.Literal('redirect'), target: RouteTargetSchema }, closed),
  Type.Object({ type: Type.Literal('external'), number: PhoneNumber }, closed),
  Type.Object({ type: Type.Literal('reject') }, closed),
  Type.Object({ type: Type.Literal('queue'), queueId: Ref }, closed),
  // S11.4: a user's busy action only (the core refuses it elsewhere with SWB_ERR_INVALID).
  Type.Object(
    {
      type: Type.Literal('wait'),
      maxWaitSec: Type.Integer({ minimum: 10, maximum: 600, description: 'Seconds the caller is held at most.' }),
    },
    closed,
  ),
]);

/** S11.2: opening hours; the per-day limit and the closed action's kind are the core's (SWB_ERR_HOURS_INVALID). */
export const HoursBody = Type.Object(
  {
    weekly: Type.Array(
      Type.Object(
        {
          day: Type.Enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']),
          from: Type.String({ pattern: '^[0-9]{2}:[0-9]{2}$', description: 'Local time HH:MM.' }),
          to: Type.String({ pattern: '^[0-9]{2}:[0-9]{2}$', description: 'Local time HH:MM, up to 24:00.' }),
        },
        closed,
      ),
      { maxItems: 98, description: 'Open intervals, at most 14 a day; none: no weekly limit.' },
    ),
    holidays: Type.Array(
      Type.Object(
        {
          date: Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' }),
          name: Type.Optional(Type.String({ minLength: 1, maxLength: 60 })),
        },
        closed,
      ),
      { maxItems: 366 },
    ),
    closedAction: Type.Optional(AnsweringActionSchema),
    nightMode: Type.Optional(Type.Boolean()),
  },
  {
    ...closed,
    description:
      "S11.2: opening hours in the tenant's time zone. Left out, nightMode keeps its value (switch it with PUT /api/v1/night-mode).",
  },
);

const Seconds = (minimum: number, maximum: number) => Type.Integer({ minimum, maximum });

/** S2.5 user settings and S3.2 answering actions; the fields given replace the current ones. */
export const SettingsPatch = Type.Object(
  {
    // Not null: with type coercion on, 0 would read as null.
    deskDelaySec: Type.Optional(
      Type.Union([Seconds(0, 600), Type.Literal('default')], {
        description: '"default": the tenant\'s defaultDeskDelaySec.',
      }),
    ),
    ringTimeoutSec: Type.Optional(Seconds(1, 600)),
    callWaiting: Type.Optional(Type.Boolean()),
    forwardingAllowed: Type.Optional(Type.Boolean()),
    absentAtLogout: Type.Optional(Type.Boolean()),
    voicemail: Type.Optional(Type.Boolean()),
    actions: Type.Optional(
      Type.Object(
        {
          dnd: Type.Optional(AnsweringActionSchema),
          busy: Type.Optional(AnsweringActionSchema),
          unreachable: Type.Optional(AnsweringActionSchema),
          noAnswer: Type.Optional(AnsweringActionSchema),
        },
        { ...closed, description: 'Replaces every answering action; a condition left out gets its default.' },
      ),
    ),
  },
  closed,
);

export const NewUserBody = Type.Object(
  {
    id: Type.Optional(Id),
    extension: Extension,
    name: Name,
    email: Type.Optional(Type.String({ format: 'email', maxLength: 200 })),
    role: Role,
    password: Type.Optional(Password),
    sipPassword: Type.Optional(Password),
    terminalPassword: Type.Optional(Password),
    settings: Type.Optional(SettingsPatch),
  },
  closed,
);

export const UserPatchBody = Type.Object(
  {
    extension: Type.Optional(Extension),
    name: Type.Optional(Name),
    email: Type.Optional(Type.String({ format: 'email', maxLength: 200 })),
    role: Type.Optional(Role),
    password: Type.Optional(Password),
    sipPassword: Type.Optional(Password),
    terminalPassword: Type.Optional(Password),
    settings: Type.Optional(SettingsPatch),
  },
  closed,
);

const groupFields = {
  extension: Type.Optional(Extension),
  strategy: Type.Optional(Type.Enum(['ringAll', 'hunt', 'roundRobin', 'longestIdle'])),
  members: Type.Optional(RefList),
  memberRingSec: Type.Optional(Seconds(1, 600)),
  ringTimeoutSec: Type.Optional(Seconds(1, 3600)),
  actions: Type.Optional(
    Type.Object(
      {
        busy: Type.Optional(AnsweringActionSchema),
        unreachable: Type.Optional(AnsweringActionSchema),
        noAnswer: Type.Optional(AnsweringActionSchema),
      },
      { ...closed, description: 'Replaces every action of the group.' },
    ),
  ),
  hours: Type.Optional(HoursBody),
};

export const NewGroupBody = Type.Object({ id: Id, name: Name, ...groupFields }, closed);
export const GroupPatchBody = Type.Object({ name: Type.Optional(Name), ...groupFields }, closed);
export const MembersBody = Type.Object({ members: RefList }, closed);

const queueFields = {
  extension: Type.Optional(Extension),
  strategy: Type.Optional(Type.Enum(['ringAll', 'longestIdle', 'roundRobin', 'fewestCalls', 'linear'])),
  agents: Type.Optional(RefList),
  supervisors: Type.Optional(RefList),
  autoReady: Type.Optional(Type.Boolean()),
  wrapUpSec: Type.Optional(Seconds(0, 3600)),
  agentRingSec: Type.Optional(Seconds(1, 600)),
  missedToNotReady: Type.Optional(Type.Boolean()),
  maxWaitSec: Type.Optional(Seconds(0, 86400)),
  maxCallers: Type.Optional(Type.Integer({ minimum: 0, maximum: 10000 })),
  joinEmpty: Type.Optional(Type.Boolean()),
  overflowAction: Type.Optional(AnsweringActionSchema),
  busyAction: Type.Optional(AnsweringActionSchema),
  hours: Type.Optional(HoursBody),
};

export const NewQueueBody = Type.Object({ id: Id, name: Name, ...queueFields }, closed);
export const QueuePatchBody = Type.Object({ name: Type.Optional(Name), ...queueFields }, closed);

/** S9.2: one reason code (the core checks the list: each code once). */
export const ReasonBody = Type.Object(
  {
    code: Type.String({ pattern: '^[a-z0-9_-]{1,32}$' }),
    label: Type.String({ minLength: 1, maxLength: 64 }),
    productive: Type.Boolean(),
    maxSec: Type.Optional(Seconds(60, 86400)),
    endState: Type.Optional(Type.Enum(['ready', 'logged_out'])),
  },
  closed,
);
export const ReasonList = Type.Array(ReasonBody, { maxItems: 100 });
export const ReasonsBody = Type.Object({ reasons: ReasonList }, closed);

export const PolicyPatchBody = Type.Object(
  {
    statusIndependentOfLogin: Type.Optional(Type.Boolean()),
    idleAfterSec: Type.Optional(Seconds(1, 86400)),
    sessionTimeoutSec: Type.Optional(Seconds(1, 86400)),
    defaultDeskDelaySec: Type.Optional(Seconds(1, 600)),
    manualStatuses: Type.Optional(
      Type.Array(
        Type.Enum(['available', 'away', 'custom', 'at_desk', 'busy', 'dnd', 'absent', 'forwarding', 'blocked']),
        { maxItems: 9, uniqueItems: true },
      ),
    ),
    adminsSetOthers: Type.Optional(Type.Boolean()),
    timezone: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: 'An IANA time zone, e.g. Europe/Berlin (daily reports, S6.5; office hours, S11.2).',
      }),
    ),
    maxCallSec: Type.Optional(Seconds(60, 7 * 86400)),
    hours: Type.Optional(HoursBody),
    callLogDays: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 3650, description: 'S11.1: days the call log keeps a call (default 90).' }),
    ),
    reasons: Type.Optional(ReasonList),
  },
  closed,
);

/** From ISO instants; the default window is the last 24 hours, at most 31 days. */
export const WindowQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
  },
  closed,
);
