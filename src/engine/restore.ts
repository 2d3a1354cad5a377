// The timers a user's stored state asks for when the engine takes a tenant (a start, a
// take-over): what was pending when the last owner stopped still fires on time, or at once when
// it fell due meanwhile. Leases (registrations, sessions, `until`) are the wake's (timers.ts).
import { nextScheduleAt, scheduleTimerKey } from '../core/index.js';
import type { Applied, UserId, UserState } from '../core/index.js';

type TimerRequest = Applied['timers'][number];

export function restoredTimers(userId: UserId, user: UserState): TimerRequest[] {
  const out: TimerRequest[] = [];
  // S9.1: the next start or end of a scheduled window.
  const scheduleAt = nextScheduleAt(user.schedule, -Infinity);
  if (scheduleAt !== undefined)
    out.push({ key: scheduleTimerKey(userId), at: scheduleAt, command: { type: 'timer.schedule', userId } });
  for (const queueId in user.agent) {
    const a = user.agent[queueId]!;
    // S4.3: wrap-up ends on time.
    if (a.state === 'wrap_up' && a.wrapUpUntil !== undefined)
      out.push({
        key: `wrapup:${userId}:${queueId}`,
        at: a.wrapUpUntil,
        command: { type: 'timer.wrapUp', userId, queueId },
      });
    // S9.2: a not-ready reason with maxSec still ends on time.
    if (a.state === 'not_ready' && a.reasonUntil !== undefined)
      out.push({
        key: `reason:${userId}:${queueId}`,
        at: a.reasonUntil,
        command: { type: 'timer.reasonEnd', userId, queueId },
      });
  }
  const until = user.manual?.reasonUntil;
  if (until !== undefined)
    out.push({ key: `reason:${userId}`, at: until, command: { type: 'timer.reasonEnd', userId } });
  return out;
}
