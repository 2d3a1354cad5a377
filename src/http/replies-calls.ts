// S11.1: what GET /api/v1/calls and GET /api/v1/calls/{id} answer (replies.ts has the rest).
import { Type } from 'typebox';
import { CALL_OUTCOMES } from '../core/index.js';
import { DECISION_ID, RouteTargetReply } from './replies.js';

const Opt = Type.Optional;
const Str = Type.String();
const IsoTime = Type.String({ format: 'date-time' });

const Party = Type.Object({ user: Opt(Str), external: Opt(Str) });

const CallFields = {
  id: Str,
  startedAt: IsoTime,
  endedAt: Opt(IsoTime),
  from: Opt(Party),
  to: RouteTargetReply,
  queueId: Opt(Str),
  offers: Type.Array(Type.Object({ userId: Str, at: IsoTime })),
  answeredBy: Opt(Str),
  answeredAt: Opt(IsoTime),
  outcome: Opt(Type.Enum([...CALL_OUTCOMES], { description: 'Absent while the call is in progress.' })),
  /** The first decision's outcome and rules, for a list line. */
  routed: Opt(Type.Object({ outcome: Str, rules: Type.Array(Str) })),
};

export const CallSummaryReply = Type.Object(CallFields);

export const CallListReply = Type.Object({
  calls: Type.Array(CallSummaryReply),
  next: Opt(Type.String({ description: 'The cursor of the next page (pass as `cursor`); absent on the last.' })),
});

export const CallReply = Type.Object({
  ...CallFields,
  decision: Opt(Type.Ref(DECISION_ID)),
  decisions: Type.Array(Type.Ref(DECISION_ID), {
    description: 'Every routing decision of the call as taken, in order (a diversion routes it again).',
  }),
});
