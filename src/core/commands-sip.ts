// Command handlers: what the PBX reports of a user's phones (registration.set, registration.remove, leg.update).
import { appended, kept } from './arrays.js';
import { logLeg } from './commands-calllog.js';
import type { Command } from './commands.js';
import { refuse } from './errors.js';
import { isOnCall } from './facts.js';
import { putUser, queueIn, userIn } from './tx.js';
import type { Tx } from './tx.js';
import { copyUser, userWith } from './user.js';
import type { Refusal, UserId } from './types.js';

export function upsertRegistration(tx: Tx, cmd: Extract<Command, { type: 'registration.set' }>): Refusal | undefined {
  const user = userIn(tx, cmd.userId);
  if (user === undefined) return refuse('SWB_ERR_USER_NOT_FOUND', { user: cmd.userId });
  if (!(cmd.expiresAt > tx.now)) {
    // An expiry in the past is an unregistration.
    return removeRegistration(tx, cmd.userId, cmd.id);
  }
  const i = user.registrations.findIndex((r) => r.id === cmd.id);
  const reg = { id: cmd.id, kind: cmd.kind, expiresAt: cmd.expiresAt };
  const registrations =
    i < 0 ? appended(user.registrations, reg) : user.registrations.map((r, j) => (j === i ? reg : r));
  const next = copyUser(user);
  next.registrations = registrations;
  putUser(tx, next);
  return undefined;
}

export function removeRegistration(tx: Tx, userId: UserId, id: string): Refusal | undefined {
  const user = userIn(tx, userId);
  if (user === undefined) return refuse('SWB_ERR_USER_NOT_FOUND', { user: userId });
  if (!user.registrations.some((r) => r.id === id)) return undefined;
  putUser(tx, userWith(user, { registrations: kept(user.registrations, (r) => r.id !== id) }));
  return undefined;
}

export function updateLeg(tx: Tx, cmd: Extract<Command, { type: 'leg.update' }>): Refusal | undefined {
  const user = userIn(tx, cmd.userId);
  if (user === undefined) return refuse('SWB_ERR_USER_NOT_FOUND', { user: cmd.userId });
  if (cmd.queueId !== undefined && queueIn(tx, cmd.queueId) === undefined)
    return refuse('SWB_ERR_QUEUE_NOT_FOUND', { queue: cmd.queueId });
  logLeg(tx, user, cmd);
  const others = kept(user.legs, (l) => l.id !== cmd.legId);
  if (cmd.state === 'ended') {
    if (others.length === user.legs.length) return undefined;
    const wasOnCall = isOnCall(user, tx.policy, tx.now);
    const next = copyUser(user);
    next.legs = others;
    if (wasOnCall && !isOnCall(next, tx.policy, tx.now)) next.lastCallEndedAt = tx.now;
    putUser(tx, next);
    return undefined;
  }
  const leg = {
    id: cmd.legId,
    direction: cmd.direction,
    state: cmd.state,
    acd: cmd.acd ?? false,
    updatedAt: tx.now,
    queueId: cmd.queueId,
  };
  const next = copyUser(user);
  next.legs = appended(others, leg);
  putUser(tx, next);
  return undefined;
}
