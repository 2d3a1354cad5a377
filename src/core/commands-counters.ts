// Command handlers: the counters shown as indicators (voicemail.count, missed.add, missed.reset).
import type { Command } from './commands.js';
import { refuse } from './errors.js';
import { maySetStatus } from './permission-checks.js';
import { addEvent, putUser, userIn } from './tx.js';
import type { Tx } from './tx.js';
import { userWith } from './user.js';
import type { Refusal } from './types.js';

export function setVoicemailCount(tx: Tx, cmd: Extract<Command, { type: 'voicemail.count' }>): Refusal | undefined {
  const u = userIn(tx, cmd.userId);
  if (u === undefined) return refuse('SWB_ERR_USER_NOT_FOUND', { user: cmd.userId });
  if (!Number.isInteger(cmd.count) || cmd.count < 0) return refuse('SWB_ERR_INVALID', { field: 'count' });
  if (u.voicemail !== cmd.count) putUser(tx, userWith(u, { voicemail: cmd.count }));
  return undefined;
}

export function addMissedCall(tx: Tx, cmd: Extract<Command, { type: 'missed.add' }>): Refusal | undefined {
  const u = userIn(tx, cmd.userId);
  if (u === undefined) return refuse('SWB_ERR_USER_NOT_FOUND', { user: cmd.userId });
  putUser(tx, userWith(u, { missedCalls: u.missedCalls + 1 }));
  addEvent(tx, {
    type: 'call.missed',
    subject: u.id,
    at: tx.now,
    cause: tx.cause,
    value: {
      reason: 'missed',
      ...(cmd.callId !== undefined ? { callId: cmd.callId } : {}),
      ...(cmd.caller !== undefined ? { caller: cmd.caller } : {}),
    },
  });
  return undefined;
}

export function resetMissedCalls(tx: Tx, cmd: Extract<Command, { type: 'missed.reset' }>): Refusal | undefined {
  const u = userIn(tx, cmd.userId);
  if (u === undefined) return refuse('SWB_ERR_USER_NOT_FOUND', { user: cmd.userId });
  if (!maySetStatus(cmd.by, cmd.userId, tx.policy)) return refuse('SWB_ERR_FORBIDDEN');
  if (u.missedCalls !== 0) putUser(tx, userWith(u, { missedCalls: 0 }));
  return undefined;
}
