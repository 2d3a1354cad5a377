// apply(state, command, now) → { patch, events, timers, directives }: the one entry point the
// engine calls. It never mutates `state`; the engine commits the patch. Derived values (presence
// records, agent states driven by calls, queue offers) are settled once per command in
// `finish`, so each change of a derived value emits exactly one event (S6.1).
import { endCall } from './commands-calllog.js';
import { causeOf, commandCause } from './causes.js';
import { agentCommand } from './commands-agent.js';
import { routeCall } from './commands-call.js';
import { removeGroup, removeQueue, setPolicy, upsertGroup, upsertQueue } from './commands-config.js';
import { addWindow, cancelWindow, scheduleDue } from './commands-schedule.js';
import { calendarFailed, linkCalendar, syncCalendar, unlinkCalendar } from './commands-calendar.js';
import { addMissedCall, resetMissedCalls, setVoicemailCount } from './commands-counters.js';
import { facDial } from './commands-fac.js';
import { setNightMode } from './commands-hours.js';
import { sessionCommand } from './commands-session.js';
import { removeRegistration, updateLeg, upsertRegistration } from './commands-sip.js';
import { clearStatus, setStatus } from './commands-status.js';
import { endReason, endWrapUp, wakeUser } from './commands-timers.js';
import { removeUser, upsertUser } from './commands-users.js';
import type { Command, CoreEvent, Directive, Patch, Reply, TimerRequest } from './commands.js';
import { heartbeatLease, leaseOnly, wakeDue } from './fast-paths.js';
import { queueCommand } from './queue.js';
import { finish } from './settle.js';
import { newTx } from './tx.js';
import type { Tx } from './tx.js';
import type { Instant, Refusal, TenantState } from './types.js';

export { causeOf, heartbeatLease, wakeDue };

export interface Applied {
  readonly ok: true;
  readonly patch: Patch;
  readonly events: readonly CoreEvent[];
  readonly timers: readonly TimerRequest[];
  readonly directives: readonly Directive[];
  /** What the command answers its caller, e.g. a routing decision (`Replies` says which). */
  readonly reply?: Reply;
  /**
   * Only a lease moved later (a heartbeat): kept in memory, not worth a journal write of its own.
   * It is persisted with the user's next durable change.
   */
  readonly volatile?: true;
}

function step(tx: Tx, cmd: Command): Refusal | undefined {
  switch (cmd.type) {
    case 'tenant.policy':
      return setPolicy(tx, cmd.policy);
    case 'user.upsert':
      return upsertUser(tx, cmd);
    case 'user.remove':
      return removeUser(tx, cmd.userId);
    case 'group.upsert':
      return upsertGroup(tx, cmd);
    case 'group.remove':
      return removeGroup(tx, cmd.groupId);
    case 'queue.upsert':
      return upsertQueue(tx, cmd);
    case 'queue.remove':
      return removeQueue(tx, cmd.queueId);
    case 'registration.set':
      return upsertRegistration(tx, cmd);
    case 'registration.remove':
      return removeRegistration(tx, cmd.userId, cmd.id);
    case 'leg.update':
      return updateLeg(tx, cmd);
    case 'status.set':
      return setStatus(tx, cmd);
    case 'status.clear':
      return clearStatus(tx, cmd.userId, cmd.by);
    case 'schedule.add':
      return addWindow(tx, cmd);
    case 'schedule.cancel':
      return cancelWindow(tx, cmd);
    case 'timer.schedule':
      return scheduleDue(tx, cmd);
    case 'calendar.link':
      return linkCalendar(tx, cmd);
    case 'calendar.unlink':
      return unlinkCalendar(tx, cmd);
    case 'calendar.sync':
      return syncCalendar(tx, cmd);
    case 'calendar.failed':
      return calendarFailed(tx, cmd);
    case 'session.start':
    case 'session.heartbeat':
    case 'session.end':
      return sessionCommand(tx, cmd);
    case 'agent.command':
      return agentCommand(tx, cmd);
    case 'fac.dial':
      return facDial(tx, cmd);
    case 'night.set':
      return setNightMode(tx, cmd);
    case 'voicemail.count':
      return setVoicemailCount(tx, cmd);
    case 'missed.add':
      return addMissedCall(tx, cmd);
    case 'missed.reset':
      return resetMissedCalls(tx, cmd);
    case 'call.route':
      return routeCall(tx, cmd);
    case 'call.end':
      return endCall(tx, cmd);
    case 'timer.wake':
      return wakeUser(tx, cmd.userId);
    case 'timer.wrapUp':
      return endWrapUp(tx, cmd);
    case 'timer.reasonEnd':
      return endReason(tx, cmd);
    case 'queue.call.arrive':
    case 'queue.call.answer':
    case 'queue.call.abandon':
    case 'queue.resetCounters':
    case 'timer.agentRing':
    case 'timer.queueMaxWait':
      return queueCommand(tx, cmd);
  }
}

/**
 * Applies one command at `now`. Bad input (unknown user, queue or status, a forbidden change) is
 * a returned refusal, never a throw, and changes nothing.
 */
export function apply(state: TenantState, command: Command, now: Instant): Applied | Refusal {
  // Most inputs are heartbeats and registration refreshes that change no derived value.
  if (command.type === 'session.heartbeat' || command.type === 'registration.set') {
    const fast = leaseOnly(state, command, now);
    if (fast !== undefined) return fast;
  }
  const tx = newTx(state, now, commandCause(command));
  const refused = step(tx, command);
  if (refused !== undefined) return refused;
  return finish(tx);
}
