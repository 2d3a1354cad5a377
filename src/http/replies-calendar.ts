// S11.3: what the calendar operations answer.
import { Type } from 'typebox';

const Opt = Type.Optional;
const IsoTime = Type.String({ format: 'date-time' });

/** S11.3: the user's linked calendar (the user themself only: the URL may hold a secret). */
export const CalendarReply = Type.Object({
  url: Type.String(),
  status: Type.Enum(['dnd', 'away']),
  shareTitle: Type.Boolean(),
  linkedAt: IsoTime,
  lastSuccessAt: Opt(IsoTime),
  lastError: Opt(Type.String()),
  lastErrorAt: Opt(IsoTime),
  /** The calendar's windows in the schedule now. */
  windows: Type.Integer(),
  /** How often the feed is fetched, in seconds. */
  intervalSec: Type.Integer(),
});
