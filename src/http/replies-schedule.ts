// S9.1: what the schedule operations answer (replies.ts has the rest).
import { Type } from 'typebox';
import { MANUAL_STATUSES } from '../core/index.js';

const Opt = Type.Optional;
const Str = Type.String();
const Int = Type.Integer();
const IsoTime = Type.String({ format: 'date-time' });

/** S9.1: a scheduled status with how it stands (overridden: the status was changed by hand since). */
export const ScheduledWindowReply = Type.Object({
  id: Str,
  status: Type.Enum([...MANUAL_STATUSES]),
  text: Opt(Str),
  forwardTo: Opt(Str),
  from: IsoTime,
  until: Opt(IsoTime),
  setBy: Str,
  setAt: IsoTime,
  state: Type.Enum(['pending', 'active', 'waiting', 'overridden']),
  /** S11.3: the window comes from the user's calendar. */
  source: Opt(Type.Literal('calendar')),
  /** S11.3: the event's title, to the user themself only. */
  title: Opt(Str),
});
export const ScheduleReply = Type.Object({ windows: Type.Array(ScheduledWindowReply), max: Int });
