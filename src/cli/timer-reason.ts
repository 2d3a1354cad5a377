// Why a timer fired, in words, for an explain transcript: the timer's kind and what it found run
// out (a heartbeat lease, a registration, the idle time, a status's end time).
import type { PresenceRecord } from '../core/index.js';
import type { Applied } from './explain.js';

/** The reasons a wake found, from the presence it changed: old → new. */
function wakeFindings(old: PresenceRecord, now: PresenceRecord): string[] {
  const found: string[] = [];
  if (now.sessions < old.sessions) found.push('an app session sent no heartbeat within its lease and ended (S1.4)');
  const devices = (p: PresenceRecord) => p.devices.app + p.devices.terminal + p.devices.pbx;
  if (devices(now) < devices(old)) found.push('a registration reached its expiry without a refresh (S1.1)');
  if (now.status === 'idle' && old.status !== 'idle') found.push('no app activity for the idle time (S1.4)');
  if (old.until !== undefined && now.until === undefined) found.push('the manual status reached its end time (S1.3)');
  return found;
}

export function timerReason(t: Applied): string {
  const c = t.command;
  switch (c.type) {
    case 'timer.wake': {
      const found: string[] = [];
      for (const e of t.events) {
        if (e.type === 'presence.changed' && !e.removed && e.old !== undefined)
          found.push(...wakeFindings(e.old, e.value));
      }
      return found.length > 0
        ? found.join('; ')
        : 'a lease or the idle time was due, but it had moved on: nothing ran out';
    }
    case 'timer.wrapUp':
      return `the wrap-up time in queue ${c.queueId} ended (S4.2)`;
    case 'timer.reasonEnd':
      return c.queueId === undefined
        ? 'the reason of the manual status ran its maxSec (S9.2)'
        : `the not-ready reason in queue ${c.queueId} ran its maxSec (S9.2)`;
    case 'timer.agentRing':
      return `nobody answered call ${c.callId} of queue ${c.queueId} within the queue's ring time (S4.2, S4.3)`;
    case 'timer.queueMaxWait':
      return `call ${c.callId} waited the longest time queue ${c.queueId} lets a caller wait (S4.4)`;
    default:
      return c.type;
  }
}
