// Command handlers: users of the tenant (user.upsert, user.remove).
import type { Command } from './commands.js';
import { refuse } from './errors.js';
import { newUser } from './state.js';
import { addTimer, addEvent, dropUser, putGroup, putQueue, putUser, userIn, viewOf } from './tx.js';
import type { Tx } from './tx.js';
import { userWith } from './user.js';
import { validateUserInput } from './validate.js';
import type { Refusal, UserId } from './types.js';

export function upsertUser(tx: Tx, cmd: Extract<Command, { type: 'user.upsert' }>): Refusal | undefined {
  const bad = validateUserInput(cmd.user);
  if (bad) return bad;
  const holder = tx.base.byExtension.get(cmd.user.extension);
  if (holder !== undefined && holder !== cmd.user.id && userIn(tx, holder)?.extension === cmd.user.extension) {
    return refuse('SWB_ERR_EXTENSION_TAKEN', { extension: cmd.user.extension });
  }
  for (const u of tx.users.values())
    if (u.id !== cmd.user.id && u.extension === cmd.user.extension)
      return refuse('SWB_ERR_EXTENSION_TAKEN', { extension: cmd.user.extension });
  const existing = userIn(tx, cmd.user.id);
  if (cmd.user.role !== undefined && cmd.user.role !== 'admin' && isLastAdmin(tx, cmd.user.id))
    return refuse('SWB_ERR_LAST_ADMIN', { user: cmd.user.id });
  if (existing === undefined) {
    // A new user's first record is announced in `finish` (it has no old one).
    putUser(tx, newUser(cmd.user, tx.policy, tx.now));
    return undefined;
  }
  putUser(
    tx,
    userWith(existing, {
      extension: cmd.user.extension,
      name: cmd.user.name,
      role: cmd.user.role ?? existing.role,
      settings: { ...existing.settings, ...cmd.user.settings },
    }),
  );
  return undefined;
}

/** S5.1: a tenant keeps at least one admin; is `userId` the only one? */
function isLastAdmin(tx: Tx, userId: UserId): boolean {
  if (userIn(tx, userId)?.role !== 'admin') return false;
  for (const u of tx.users.values()) if (u.id !== userId && u.role === 'admin') return false;
  for (const u of tx.base.users.values())
    if (u.id !== userId && u.role === 'admin' && userIn(tx, u.id)?.role === 'admin') return false;
  return true;
}

export function removeUser(tx: Tx, userId: UserId): Refusal | undefined {
  const user = userIn(tx, userId);
  if (user === undefined) return refuse('SWB_ERR_USER_NOT_FOUND', { user: userId });
  if (isLastAdmin(tx, userId)) return refuse('SWB_ERR_LAST_ADMIN', { user: userId });
  dropUser(tx, userId);
  addEvent(tx, {
    type: 'presence.changed',
    subject: userId,
    at: tx.now,
    cause: tx.cause,
    value: user.presence,
    old: user.presence,
    removed: true,
  });
  addTimer(tx, { wake: userId, cancel: true });
  const view = viewOf(tx);
  for (const g of view.groups.values())
    if (g.members.includes(userId)) putGroup(tx, { ...g, members: g.members.filter((m) => m !== userId) });
  for (const q of view.queues.values()) {
    if (q.config.agents.includes(userId) || q.config.supervisors.includes(userId)) {
      putQueue(tx, {
        ...q,
        config: {
          ...q.config,
          agents: q.config.agents.filter((a) => a !== userId),
          supervisors: q.config.supervisors.filter((a) => a !== userId),
        },
        waiting: q.waiting.map((w) =>
          w.offeredTo.includes(userId) ? { ...w, offeredTo: w.offeredTo.filter((a) => a !== userId) } : w,
        ),
      });
    }
  }
  return undefined;
}
