// S9.2: what the API answers about reason codes: the tenant's list and the queue report of time
// in not_ready per reason per day (see replies.ts for how reply schemas are used).
import { Type } from 'typebox';

const Opt = Type.Optional;
const Str = Type.String();
const Int = Type.Integer();
const Bool = Type.Boolean();
const IsoTime = Type.String({ format: 'date-time' });

/** S9.2: one reason code of the tenant. */
export const ReasonReply = Type.Object({
  code: Str,
  label: Str,
  productive: Bool,
  maxSec: Opt(Type.Integer({ description: 'The state ends by itself after this many seconds.' })),
  endState: Opt(
    Type.Enum(['ready', 'logged_out'], {
      description: "Where an agent's not_ready goes when maxSec runs out (absent: ready).",
    }),
  ),
});
export const ReasonsReply = Type.Object({ reasons: Type.Array(ReasonReply) });

/** S9.2: time in not_ready per reason per local day, over the queue's agents. */
export const QueueReportReply = Type.Object({
  queueId: Str,
  timezone: Str,
  from: IsoTime,
  to: IsoTime,
  days: Type.Array(
    Type.Object({
      date: Type.String({ description: 'The local date, YYYY-MM-DD.' }),
      reasons: Type.Array(
        Type.Object({
          code: Type.String({ description: 'The reason code; empty for not ready without a reason.' }),
          label: Str,
          productive: Bool,
          seconds: Int,
        }),
      ),
    }),
  ),
});
