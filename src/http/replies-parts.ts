// Parts of the API's answers shared by the directory and routing replies (replies.ts): answering
// actions (S3.2) and opening hours with whether a target is open now (S11.2).
import { Type } from 'typebox';

const Opt = Type.Optional;
const Str = Type.String();
const Bool = Type.Boolean();

export const RouteTargetReply = Type.Union([
  Type.Object({ kind: Type.Literal('user'), id: Str }),
  Type.Object({ kind: Type.Literal('group'), id: Str }),
  Type.Object({ kind: Type.Literal('queue'), id: Str }),
  Type.Object({ kind: Type.Literal('extension'), extension: Str }),
  Type.Object({ kind: Type.Literal('external'), number: Str }),
]);

export const ActionReply = Type.Union([
  Type.Object({ type: Type.Literal('voicemail') }),
  Type.Object({ type: Type.Literal('busyTone') }),
  Type.Object({ type: Type.Literal('message'), prompt: Opt(Str) }),
  Type.Object({ type: Type.Literal('redirect'), target: RouteTargetReply }),
  Type.Object({ type: Type.Literal('external'), number: Str }),
  Type.Object({ type: Type.Literal('reject') }),
  Type.Object({ type: Type.Literal('queue'), queueId: Str }),
  Type.Object({ type: Type.Literal('wait'), maxWaitSec: Type.Number() }),
]);

/** S11.2: opening hours as stored. */
export const HoursReply = Type.Object({
  weekly: Type.Array(Type.Object({ day: Str, from: Str, to: Str })),
  holidays: Type.Array(Type.Object({ date: Str, name: Opt(Str) })),
  closedAction: Opt(ActionReply),
  nightMode: Opt(Bool),
});

/** S11.2: whether a target is open now, and why not. */
export const HoursStatusReply = Type.Object({
  target: Type.Object({ kind: Type.Enum(['tenant', 'group', 'queue']), id: Opt(Str), name: Str, extension: Opt(Str) }),
  open: Bool,
  nightMode: Bool,
  rule: Opt(Type.String({ description: 'The S11.2 row that closes it.' })),
  reason: Str,
  hours: Opt(HoursReply),
});

export const HoursOverviewReply = Type.Object({
  timezone: Str,
  localTime: Type.String({ description: 'Now in the tenant\'s time zone, e.g. "Fri 2026-12-25 19:00".' }),
  tenant: HoursStatusReply,
  groups: Type.Array(HoursStatusReply),
  queues: Type.Array(HoursStatusReply),
});
