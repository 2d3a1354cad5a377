// S5.3: the cause a change records, for an actor and for a whole command.
import type { Command } from './commands.js';
import type { Actor, Cause, UserId } from './types.js';

/** S5.3: the cause a change records. */
export function causeOf(actor: Actor | undefined, subject?: UserId): Cause {
  if (actor === undefined) return 'system';
  switch (actor.kind) {
    case 'user':
      if (actor.userId === subject) return 'self';
      return `${actor.role}:${actor.userId}`;
    case 'apikey':
      return `apikey:${actor.keyId}`;
    default:
      return actor.kind;
  }
}

export function commandCause(cmd: Command): Cause {
  switch (cmd.type) {
    case 'status.set':
    case 'status.clear':
    case 'schedule.add':
    case 'schedule.cancel':
    case 'calendar.link':
    case 'calendar.unlink':
    case 'agent.command':
    case 'missed.reset':
      return causeOf(cmd.by, cmd.userId);
    case 'registration.set':
    case 'registration.remove':
      return cmd.by
        ? causeOf(cmd.by, cmd.userId)
        : cmd.type === 'registration.set' && cmd.kind === 'pbx'
          ? 'pbx'
          : 'sip';
    case 'leg.update':
    case 'missed.add':
      return cmd.by ? causeOf(cmd.by, cmd.userId) : 'sip';
    case 'fac.dial':
      return 'fac';
    case 'calendar.sync':
    case 'calendar.failed':
      return 'calendar';
    case 'night.set':
      return causeOf(cmd.by);
    case 'call.end':
      return cmd.by?.kind === 'pbx' ? 'pbx' : 'sip';
    case 'session.start':
    case 'session.heartbeat':
    case 'session.end':
      return 'self';
    case 'call.route':
    case 'queue.call.arrive':
    case 'queue.call.answer':
    case 'queue.call.abandon':
      return 'sip';
    default:
      return 'system';
  }
}
