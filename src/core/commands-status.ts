// Command handlers: setting and clearing a manual status (status.set, status.clear).
import { isAutomaticStatus, isManualStatus } from './catalog.js';
import type { Command } from './commands.js';
import { refuse } from './errors.js';
import { maySetStatus } from './permission-checks.js';
import { REASON_STATUSES, checkReason, reasonDeadline } from './reasons.js';
import { putUser, userIn } from './tx.js';
import type { Tx } from './tx.js';
import { copyUser } from './user.js';
import type { UserDraft } from './user.js';
import type { Actor, ManualStatus, ManualStatusId, Refusal, TenantPolicy, UserId, UserState } from './types.js';

const MAX_TEXT = 100;

export function setStatus(tx: Tx, cmd: Extract<Command, { type: 'status.set' }>): Refusal | undefined {
  const user = userIn(tx, cmd.userId);
  if (user === undefined) return refuse('SWB_ERR_USER_NOT_FOUND', { user: cmd.userId });
  if (!maySetStatus(cmd.by, cmd.userId, tx.policy)) return refuse('SWB_ERR_FORBIDDEN');
  const refused = checkManualInput(tx.policy, user, cmd);
  if (refused !== undefined) return refused;
  const status = cmd.status as ManualStatusId;
  if (cmd.until !== undefined && !(cmd.until > tx.now)) return refuse('SWB_ERR_UNTIL_NOT_FUTURE');
  // S9.2: a reason goes with away or dnd only, and is one of the tenant's codes.
  if (cmd.reason !== undefined && !REASON_STATUSES.includes(status)) return refuse('SWB_ERR_REASON_UNEXPECTED');
  const badReason = checkReason(tx.policy, cmd.reason);
  if (badReason !== undefined) return badReason;
  const current = user.manual;
  if (status === 'available') {
    // S2.1: setting available clears any other manual status.
    if (current !== undefined) putUser(tx, withManual(user, undefined));
    return undefined;
  }
  // S1: setting the status already set changes nothing.
  if (
    current !== undefined &&
    current.status === status &&
    current.text === cmd.text &&
    current.until === cmd.until &&
    current.forwardTo === cmd.forwardTo &&
    current.reason === cmd.reason
  ) {
    return undefined;
  }
  const manual: { -readonly [K in keyof ManualStatus]: ManualStatus[K] } = { status, setBy: tx.cause, setAt: tx.now };
  if (cmd.text !== undefined) manual.text = cmd.text;
  if (cmd.until !== undefined) manual.until = cmd.until;
  if (cmd.forwardTo !== undefined) manual.forwardTo = cmd.forwardTo;
  if (cmd.reason !== undefined) manual.reason = cmd.reason;
  const reasonUntil = reasonDeadline(tx.policy, cmd.reason, tx.now);
  if (reasonUntil !== undefined) manual.reasonUntil = reasonUntil;
  putUser(tx, withManual(user, manual));
  return undefined;
}

/** What a manual status may be (S1.3, S2.1, S2.2), for setting it now or scheduling it (S9.1). */
export function checkManualInput(
  policy: TenantPolicy,
  user: UserState,
  input: { readonly status: string; readonly text?: string; readonly forwardTo?: string },
): Refusal | undefined {
  const status = input.status;
  if (isAutomaticStatus(status)) {
    return refuse(
      'SWB_ERR_STATUS_AUTOMATIC',
      { status },
      `The status "${status}" is set automatically and cannot be chosen by hand.`,
    );
  }
  if (!isManualStatus(status)) return refuse('SWB_ERR_STATUS_UNKNOWN', { status: String(status).slice(0, 40) });
  if (!policy.manualStatuses.includes(status)) return refuse('SWB_ERR_STATUS_DISABLED', { status });
  // S1.3: at most 100 characters, counted as code points (an emoji is one).
  if (input.text !== undefined && input.text.length > MAX_TEXT && [...input.text].length > MAX_TEXT)
    return refuse('SWB_ERR_TEXT_TOO_LONG', { max: MAX_TEXT });
  if (status === 'custom' && (input.text === undefined || input.text.trim() === ''))
    return refuse('SWB_ERR_TEXT_REQUIRED');
  if (status === 'forwarding') {
    if (!user.settings.forwardingAllowed) return refuse('SWB_ERR_FORWARDING_NOT_ALLOWED');
    if (input.forwardTo === undefined || input.forwardTo.trim() === '') return refuse('SWB_ERR_FORWARD_TO_REQUIRED');
    if (input.forwardTo === user.extension) return refuse('SWB_ERR_FORWARD_TO_SELF');
  } else if (input.forwardTo !== undefined) {
    return refuse('SWB_ERR_FORWARD_TO_UNEXPECTED');
  }
  return undefined;
}

export function withManual(user: UserState, manual: ManualStatus | undefined): UserDraft {
  const next = copyUser(user);
  next.manual = manual;
  return next;
}

export function clearStatus(tx: Tx, userId: UserId, by: Actor, only?: ManualStatus['status']): Refusal | undefined {
  const user = userIn(tx, userId);
  if (user === undefined) return refuse('SWB_ERR_USER_NOT_FOUND', { user: userId });
  if (!maySetStatus(by, userId, tx.policy)) return refuse('SWB_ERR_FORBIDDEN');
  if (user.manual === undefined || (only !== undefined && user.manual.status !== only)) return undefined;
  putUser(tx, withManual(user, undefined));
  return undefined;
}
