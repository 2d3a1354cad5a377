// S11.4 Waiting for a busy user: a user's `busy` action may be `wait`. When the user is on
// another call (S3.1#6) the caller is held (the decision `wait`) and the call is routed again
// once that call ends; after `maxWaitSec` the user's no-answer action runs (S3.5 applied). A
// manual busy status has no call to end: the no-answer action runs at once (docs/rules.md).
import { describeAction, noAnswerAfterDiversion, userAction } from './answering.js';
import type { CallRequest } from './commands.js';
import type { ActionDecision, Decision, Explanation, Owner } from './decisions.js';
import type { AnsweringAction, Refusal, TenantState, UserState } from './types.js';
import { refuse } from './errors.js';

export const WAIT_LIMITS = { minSec: 10, maxSec: 600, defaultSec: 60 } as const;

/** The S3.1 rows under which the user is on another call, so waiting makes sense. */
const WAITS_ON: readonly string[] = ['S3.1#6'];

/**
 * S11.4: the decision for a user whose busy action is `wait`: held while `rule` (the S3.1 row
 * that made the user busy) is a call that will end; otherwise the no-answer action at once
 * (`undefined`: the caller runs it as an ordinary action).
 */
export function waitDecision(
  call: CallRequest,
  user: UserState,
  owner: Owner,
  rule: string,
  maxWaitSec: number,
  explanation: Explanation[],
  state: TenantState,
): { decision: Decision } | { instead: ActionDecision } {
  const noAnswer: ActionDecision = { condition: 'noAnswer', owner, ...userAction(user, 'noAnswer') };
  if (!WAITS_ON.includes(rule)) {
    explanation.push({
      rule: 'S11.4',
      text: `${user.name}'s busy action is to wait, but there is no call to wait for: the no-answer action instead`,
    });
    return { instead: noAnswer };
  }
  explanation.push({
    rule: 'S11.4',
    text: `${user.name} (${user.extension}) is on another call: the caller is held and the call rings ${user.name} as soon as that call ends (first come, first served; at most ${maxWaitSec} s, then the no-answer action: ${describeAction(noAnswer.action)})`,
  });
  const fallback = noAnswerAfterDiversion(state, call, noAnswer, explanation);
  return { decision: { outcome: 'wait', target: owner, maxWaitSec, fallback, explanation } };
}

/** S11.4: `wait` is a user's `busy` action only, with 10 to 600 s. */
export function checkWaitAction(
  field: string,
  action: AnsweringAction | undefined,
  allowed: boolean,
): Refusal | undefined {
  if (action === undefined || action.type !== 'wait') return undefined;
  const why = allowed
    ? `maxWaitSec: a whole number of seconds, ${WAIT_LIMITS.minSec} to ${WAIT_LIMITS.maxSec}`
    : 'wait is only a user\u2019s busy action (S11.4)';
  const n = action.maxWaitSec;
  if (allowed && Number.isInteger(n) && n >= WAIT_LIMITS.minSec && n <= WAIT_LIMITS.maxSec) return undefined;
  return refuse('SWB_ERR_INVALID', { field, why }, `${field}: ${why}`);
}
