// S11.6 Never one's own call: a group or queue call is never offered to the caller's own devices.
// A caller who is a member of the group (or an agent of the queue) they dial is skipped like a
// member who cannot ring: in a hunt group the next member rings at once, and when nobody else
// can ring the group's end-of-ring action applies at once (S3.4, counted as unreachable).
import type { CallRequest } from './commands.js';
import type { Explanation } from './decisions.js';
import type { TenantState, UserId, WaitingCaller } from './types.js';

/** The calling user of a call, when a user of the tenant places it (not an outside number). */
export function callingUser(call: CallRequest): UserId | undefined {
  return call.from !== undefined && 'userId' in call.from ? call.from.userId : undefined;
}

/** S11.6: `userId` is the caller themself, so none of their devices may ring for this call. */
export function isOwnCall(call: CallRequest, userId: UserId): boolean {
  return callingUser(call) === userId;
}

/** S11.6: the explanation step for a member (or a forwarding member's destination) skipped as the caller. */
export function ownCallSkipped(state: TenantState, userId: UserId): Explanation {
  const user = state.users.get(userId);
  const who = user === undefined ? userId : `${user.name} (${user.extension})`;
  return {
    rule: 'S11.6',
    text: `${who} is the caller: skipped, a call never rings the caller's own devices (counts as unreachable)`,
  };
}

/**
 * S11.6 for a queue: the agents never offered this call. A waiting call remembers its caller as
 * a user id, or as the outside number it came from (commands-call.ts, callerOf); only a user of
 * the tenant is excluded, so an outside number never hides an agent.
 */
export function ownCallAgents(state: TenantState, caller: WaitingCaller['caller'] | undefined): readonly UserId[] {
  return caller !== undefined && state.users.has(caller) ? [caller] : [];
}

/** S11.6: the caller, when a forwarding member's destination `forwardTo` is the caller themself. */
export function forwardsToCaller(state: TenantState, call: CallRequest, forwardTo: string): UserId | undefined {
  const destId = state.byExtension.get(forwardTo);
  return destId !== undefined && isOwnCall(call, destId) ? destId : undefined;
}
