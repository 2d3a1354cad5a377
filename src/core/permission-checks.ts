// S5.1: the permission checks the command handlers make on the actor of a command.
import type { Actor, QueueState, TenantPolicy, UserId } from './types.js';

/** S5.1: may this actor change this user's status? */
export function maySetStatus(actor: Actor, userId: UserId, policy: TenantPolicy): boolean {
  switch (actor.kind) {
    case 'user':
      return actor.userId === userId || (actor.role === 'admin' && policy.adminsSetOthers);
    case 'apikey':
      return actor.role === 'admin' && policy.adminsSetOthers;
    default:
      return true;
  }
}

/** S5.1, S1.6: may this actor change this agent's state in this queue? */
export function mayCommandAgent(actor: Actor, userId: UserId, queue: QueueState): boolean {
  switch (actor.kind) {
    case 'user':
      return (
        actor.userId === userId ||
        actor.role === 'admin' ||
        (actor.role === 'supervisor' && queue.config.supervisors.includes(actor.userId))
      );
    case 'apikey':
      return actor.role === 'admin' || actor.role === 'supervisor';
    default:
      return true;
  }
}
