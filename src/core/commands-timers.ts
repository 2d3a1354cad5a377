// Command handlers: the user's timers fired back by the engine (timer.wake, timer.wrapUp, timer.reasonEnd).
import { agentTransition } from './agents.js';
import type { Command } from './commands.js';
import { withManual } from './commands-status.js';
import { reasonEnd, reasonExpiredCause } from './reasons.js';
import { putUser, queueIn, userIn } from './tx.js';
import type { Tx } from './tx.js';
import { copyUser, userWith } from './user.js';
import type { UserId } from './types.js';

/** S9.3: a lease may have run out; `finish` drops what did and settles the user again. */
export function wakeUser(tx: Tx, userId: UserId): undefined {
  const u = userIn(tx, userId);
  if (u !== undefined) putUser(tx, copyUser(u));
  return undefined;
}

/** S4.2: the wrap-up time of an agent ended. */
export function endWrapUp(tx: Tx, cmd: Extract<Command, { type: 'timer.wrapUp' }>): undefined {
  const u = userIn(tx, cmd.userId);
  const q = queueIn(tx, cmd.queueId);
  const rec = u?.agent[cmd.queueId];
  if (u === undefined || q === undefined || rec === undefined) return undefined;
  const out = agentTransition(rec, { type: 'wrapUpEnd' }, q.config, tx.now);
  if (out.ok && out.record !== rec) putUser(tx, userWith(u, { agent: { ...u.agent, [cmd.queueId]: out.record } }));
  return undefined;
}

/**
 * S9.2: a reason's `maxSec` ran out: the agent's not_ready in that queue becomes ready (or
 * logged_out, as the admin chose for the reason), or (no
 * queue) the away/dnd status is cleared; the cause names the reason. A timer that finds the state
 * already gone (or its deadline moved) changes nothing.
 */
export function endReason(tx: Tx, cmd: Extract<Command, { type: 'timer.reasonEnd' }>): undefined {
  const u = userIn(tx, cmd.userId);
  if (u === undefined) return undefined;
  if (cmd.queueId === undefined) {
    const m = u.manual;
    if (m?.reasonUntil === undefined || m.reasonUntil > tx.now) return undefined;
    tx.cause = reasonExpiredCause(m.reason);
    putUser(tx, withManual(u, undefined));
    return undefined;
  }
  const q = queueIn(tx, cmd.queueId);
  const rec = u.agent[cmd.queueId];
  if (q === undefined || rec?.state !== 'not_ready' || rec.reasonUntil === undefined || rec.reasonUntil > tx.now)
    return undefined;
  const out = agentTransition(rec, { type: reasonEnd(tx.policy, rec.reason) }, q.config, tx.now);
  if (!out.ok) return undefined;
  tx.cause = reasonExpiredCause(rec.reason);
  putUser(tx, userWith(u, { agent: { ...u.agent, [cmd.queueId]: out.record } }));
  return undefined;
}
