// S3.2 and S3.5: the answering actions of users, groups and queues, and the one-diversion rule
// that stops a call being diverted twice. Routing (routing.ts) runs them.
import type { CallRequest } from './commands.js';
import type { ActionDecision, Decision, Explanation, Owner } from './routing.js';
import type { AnsweringAction, AnsweringCondition, Group, TenantState, UserId, UserState } from './types.js';

/** S3.2: the user's action for a condition, or the default. */
export function userAction(
  user: UserState,
  condition: AnsweringCondition,
): { action: AnsweringAction; defaulted: boolean } {
  const set = user.settings.actions[condition];
  const voicemailOr = (): AnsweringAction => (user.settings.voicemail ? { type: 'voicemail' } : { type: 'reject' });
  if (set !== undefined) {
    // A voicemail action with voicemail off cannot be honoured: reject instead.
    if (set.type === 'voicemail' && !user.settings.voicemail) return { action: { type: 'reject' }, defaulted: true };
    return { action: set, defaulted: false };
  }
  return { action: condition === 'busy' ? { type: 'busyTone' } : voicemailOr(), defaulted: true };
}

/** Group defaults: busy → busy tone, unreachable and no answer → reject (docs/rules.md). */
export function groupAction(
  group: Group,
  condition: 'busy' | 'unreachable' | 'noAnswer',
): { action: AnsweringAction; defaulted: boolean } {
  const set = group.actions[condition];
  if (set !== undefined) return { action: set, defaulted: false };
  return { action: condition === 'busy' ? { type: 'busyTone' } : { type: 'reject' }, defaulted: true };
}

export function describeAction(a: AnsweringAction): string {
  switch (a.type) {
    case 'redirect':
      return `redirect to ${a.target.kind} ${'id' in a.target ? a.target.id : 'extension' in a.target ? a.target.extension : a.target.number}`;
    case 'external':
      return `redirect to the number ${a.number}`;
    case 'message':
      return 'play a message, then hang up';
    case 'queue':
      return `queue the call in ${a.queueId}`;
    case 'wait':
      return `hold the caller until the call ends (at most ${a.maxWaitSec} s)`;
    default:
      return a.type;
  }
}

export function ownerName(state: TenantState, owner: Owner): string {
  if (owner.kind === 'user') {
    const u = state.users.get(owner.id);
    return u ? `${u.name} (${u.extension})` : owner.id;
  }
  if (owner.kind === 'group') return `group ${state.groups.get(owner.id)?.name ?? owner.id}`;
  return `queue ${state.queues.get(owner.id)?.config.name ?? owner.id}`;
}

function ownerAction(state: TenantState, owner: Owner, condition: AnsweringCondition): ActionDecision {
  if (owner.kind === 'user') {
    const user = state.users.get(owner.id);
    const a = user ? userAction(user, condition) : { action: { type: 'reject' } as const, defaulted: true };
    return { condition, owner, ...a };
  }
  if (owner.kind === 'group') {
    const group = state.groups.get(owner.id);
    const c = condition === 'dnd' ? 'busy' : condition;
    const a = group ? groupAction(group, c) : { action: { type: 'reject' } as const, defaulted: true };
    return { condition, owner, ...a };
  }
  const queue = state.queues.get(owner.id);
  return { condition, owner, action: queue?.config.overflowAction ?? { type: 'reject' }, defaulted: false };
}

/**
 * S3.5: a call already diverted once is never diverted again. The would-be second diversion is
 * refused and the first diverter's noAnswer action runs.
 */
export const diverts = (a: AnsweringAction): boolean => a.type === 'redirect' || a.type === 'external';

/**
 * S3.5: the first diverter's noAnswer action. If that would divert the call too, its default
 * (voicemail, or reject) runs instead, so no call is ever diverted twice (docs/rules.md).
 */
function firstDiverterNoAnswer(state: TenantState, first: Owner): ActionDecision {
  const action = ownerAction(state, first, 'noAnswer');
  if (!diverts(action.action)) return action;
  const user = first.kind === 'user' ? state.users.get(first.id) : undefined;
  const fallback: AnsweringAction = user?.settings.voicemail ? { type: 'voicemail' } : { type: 'reject' };
  return { ...action, action: fallback, defaulted: true };
}

/** S3.5 for a ringing call that was already diverted: its no-answer action may not divert again. */
export function noAnswerAfterDiversion(
  state: TenantState,
  call: CallRequest,
  own: ActionDecision,
  explanation: Explanation[],
): ActionDecision {
  if (call.divertedBy === undefined || !diverts(own.action)) return own;
  const action = firstDiverterNoAnswer(state, call.divertedBy);
  explanation.push({
    rule: 'S3.5',
    text: `without an answer, ${ownerName(state, own.owner)}'s no-answer action would divert the call a second time; ${ownerName(state, call.divertedBy)}'s no-answer action runs instead: ${describeAction(action.action)}`,
  });
  return action;
}

export function secondDiversion(
  state: TenantState,
  call: CallRequest,
  at: Owner,
  why: string,
  explanation: Explanation[],
  notifyMissed?: UserId,
): Decision {
  const first = call.divertedBy!;
  const action = firstDiverterNoAnswer(state, first);
  explanation.push({
    rule: 'S3.5',
    text: `the call was already diverted once by ${ownerName(state, first)}; ${why} would divert it again, so it is refused here and ${ownerName(state, first)}'s no-answer action runs: ${describeAction(action.action)}`,
  });
  return { outcome: 'action', target: at, action, explanation, ...(notifyMissed ? { notifyMissed } : {}) };
}
